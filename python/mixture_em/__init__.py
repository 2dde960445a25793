"""Finite mixture models fitted by expectation-maximisation in Rust.

- ``mixture_em.GaussianMixture``, ``BernoulliMixture``, ...: a scikit-learn estimator per family
  of the engine (scikit-learn 1.9's parameters, methods and fitted attributes);
- ``mixture_em.BayesianGaussianMixture`` (scikit-learn's), ``BayesianBernoulliMixture`` and
  ``BayesianExponentialMixture``: variational Bayesian mixtures;
- ``mixture_em.ngclearn``: ngc-learn's ``GaussianMixture``, ``BernoulliMixture`` and
  ``ExponentialMixture``, so that ngc-learn's lesson runs with one import changed;
- ``mixture_em.density_figure``: the lesson's figure (negative log-likelihood contours over data
  or samples) as PNG, with no plotting library;
- ``mixture_em.set_num_threads``: how many threads the engine uses (results do not depend on it).

float32 input gives a float32 model and float64 a float64 one; C-ordered arrays are read without
a copy; the GIL is released while the engine works. Every error of the engine is a
``ValueError`` carrying its message.
"""

from typing import Any

from ._config import get_num_threads, num_threads, set_num_threads
from ._engine import FAMILIES as _FAMILIES
from ._engine import Model, __version__
from .figures import density_figure

# One estimator per family of the engine: ``gaussian`` is ``GaussianMixture``.
_ESTIMATORS = tuple(f"{family.capitalize()}Mixture" for family in _FAMILIES)

__all__ = [
    *_ESTIMATORS,
    "BayesianGaussianMixture",
    "BayesianBernoulliMixture",
    "BayesianExponentialMixture",
    "Model",
    "density_figure",
    "get_num_threads",
    "num_threads",
    "set_num_threads",
    "__version__",
]


def __getattr__(name: str) -> Any:
    # The scikit-learn estimators import scikit-learn: only when asked for, so that
    # ``mixture_em.ngclearn`` stays light.
    if name in _ESTIMATORS:
        from . import _sklearn

        return getattr(_sklearn, name)
    if name in ("BayesianGaussianMixture", "BayesianBernoulliMixture", "BayesianExponentialMixture"):
        from . import _bayesian

        return getattr(_bayesian, name)
    raise AttributeError(f"module 'mixture_em' has no attribute {name!r}")
