"""The lesson's figure from Python: negative log-likelihood contours as PNG, no plotting library."""

import os
import tempfile
from typing import Any, Optional, Tuple, Union

from ._arrays import as_rows
from ._engine import Model


def model_of(estimator: Any) -> Model:
    """The engine's model behind a fitted estimator (scikit-learn or ngc-learn style)."""
    if isinstance(estimator, Model):
        return estimator
    model = getattr(estimator, "_model", None)
    if model is None:
        raise ValueError(f"{type(estimator).__name__} is not fitted yet: fit it first")
    return model


def density_figure(
    model: Any,
    X: Any,
    samples: Any = None,
    path: Union[str, "os.PathLike[str]", None] = None,
    dims: Tuple[int, int] = (0, 1),
    title: Optional[str] = None,
) -> bytes:
    """The lesson's picture of a fitted Gaussian mixture, as PNG bytes (also written to ``path``).

    The model's negative log-likelihood as contour lines (12 levels from 1 to 100, spaced
    logarithmically) over a grid covering ``X`` with a margin of 1, and ``X`` as blue points
    ("GMM Distribution Plot", the lesson's ``gmm_fit``); with ``samples``, those as green points
    instead ("GMM Samples", its ``gmm_samples``). For more than two features the contours are
    the exact marginal density on the features ``dims``.

    ``model`` is a fitted ``mixture_em`` estimator (either interface) or a ``Model``.
    """
    m = model_of(model)
    x = as_rows(X, dtype=m.dtype)
    s = None if samples is None else as_rows(samples, dtype=m.dtype, name="samples")
    png = m.density_png(x, s, (int(dims[0]), int(dims[1])), title)
    if path is not None:
        write_atomically(os.fspath(path), png)
    return png


def write_atomically(path: str, data: bytes) -> None:
    """Writes ``data`` to ``path`` through a temporary file renamed over it, so that a failed
    write never leaves a half-written file or destroys the one already there. A destination
    that exists and is not a regular file (``/dev/stdout``, a FIFO) is written directly."""
    if os.path.exists(path) and not os.path.isfile(path):
        if os.path.isdir(path):
            raise IsADirectoryError(f"{path} is a directory; give a file name for the PNG")
        with open(path, "wb") as f:
            f.write(data)
        return
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
