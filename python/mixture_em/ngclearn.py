"""ngc-learn's mixture classes (``ngclearn.utils.density``) over the Rust engine.

The lesson "Density Modeling and Analysis" runs with one line changed::

    from mixture_em.ngclearn import GaussianMixture as GMM

The methods and their printed trace are ngc-learn's: ``init(X)`` picks K random data rows as
the means, ``fit(X, tol, verbose)`` stops when the means move by less than ``tol`` (their
Euclidean norm) and prints ``i: Mean-diff = … log(p(X)) = … nats`` per iteration, then
``Converged after N iterations.``; ``calc_log_likelihood(X)`` returns the per-row
log-likelihoods (N×1) and their sum; ``sample(n_samples, mode_j=-1)`` draws. The numbers are
the true E-M's: no ``N_k + 2`` bias in the means, responsibilities normalised in log space,
regularised covariances, samples with the fitted covariance.

``key`` is an int seed or a JAX PRNG key (JAX is not imported here); every draw advances it, so
repeated ``sample`` calls differ, and the same key gives the same numbers.
"""

from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from . import _engine
from ._arrays import as_rows, seed_from
from ._config import get_num_threads

__all__ = ["GaussianMixture", "BernoulliMixture", "ExponentialMixture"]

# Golden-ratio increment: successive draws from one key use well-separated seeds.
_STEP = 0x9E3779B97F4A7C15


class _Trace:
    """ngc-learn's per-iteration line."""

    def on_iteration(
        self, run: int, iteration: int, ll: float, mean_ll: float, change: float, shift: float
    ) -> None:
        print(f"{iteration}: Mean-diff = {shift} log(p(X)) = {ll} nats")

    def on_run_end(self, run: int, n_iter: int, converged: bool, ll: float) -> None:
        pass


class _Mixture:
    """What ngc-learn's three mixture classes share."""

    _family = ""

    def __init__(self, K: int, max_iter: int = 50, init_kmeans: bool = False, key: Any = None, **kwargs: Any) -> None:
        if isinstance(K, bool) or not isinstance(K, (int, np.integer)) or K < 1:
            raise ValueError(f"K = {K!r}: a mixture needs a positive number of components")
        if isinstance(max_iter, bool) or int(max_iter) < 1:
            raise ValueError(f"max_iter = {max_iter!r}: use at least 1")
        self.K = int(K)
        self.max_iter = int(max_iter)
        self.init_kmeans = init_kmeans
        self.key = key
        self._seed = seed_from(key)
        self._draws = 0
        self._model: Optional[_engine.Model] = None
        self.report: Optional[Dict[str, Any]] = None

    def _next_seed(self) -> int:
        self._draws += 1
        return (self._seed + _STEP * self._draws) % (1 << 64)

    def _spec(self, max_iter: int, tol: float) -> Dict[str, Any]:
        return {
            "family": {"family": self._family},
            "n_components": self.K,
            "max_iter": max_iter,
            "tol": tol,
            "stop_rule": "mean_shift",
            "init": "kmeans" if self.init_kmeans else "random_from_data",
            "seed": self._next_seed(),
            "n_init": 1,
            "on_degenerate": "reseed",
        }

    def _rows(self, X: Any) -> np.ndarray:
        dtype = None if self._model is None else self._model.dtype
        return as_rows(X, dtype=dtype)

    def init(self, X: Any) -> None:
        """Initialises the mixture to ``X``: K random data rows as the means (k-means++
        seeding and k-means with ``init_kmeans=True``), then one M-step."""
        x = as_rows(X)
        self._model = _engine.initialise(x, self._spec(1, 0.0), n_threads=get_num_threads())

    def _fitted(self) -> _engine.Model:
        if self._model is None:
            raise ValueError(f"{type(self).__name__} is not initialised: call init(X) or fit(X) first")
        return self._model

    def fit(self, X: Any, tol: float = 1e-3, verbose: bool = False) -> None:
        """Runs E-M from the current parameters (``init(X)`` first if there are none) for at
        most ``max_iter`` iterations, stopping when the means move by less than ``tol``
        (a negative ``tol`` never stops early)."""
        if self._model is None:
            self.init(X)
        x = self._rows(X)
        tol = float(tol)
        model, report = _engine.fit(
            x,
            self._spec(self.max_iter, max(tol, 0.0)),
            start=self._fitted(),
            observer=_Trace() if verbose else None,
            n_threads=get_num_threads(),
        )
        self._model, self.report = model, report
        if report["converged"]:
            print(f"Converged after {report['n_iter']} iterations.")

    def update(self, X: Any) -> None:
        """One E-step and M-step from the current parameters."""
        x = self._rows(X)
        self._model, self.report = _engine.fit(
            x, self._spec(1, 0.0), start=self._fitted(), n_threads=get_num_threads()
        )

    def calc_log_likelihood(self, X: Any) -> Tuple[np.ndarray, float]:
        """ln p(x) of every row of ``X`` (an N×1 column) and ln p(X), their sum."""
        model = self._fitted()
        x = self._rows(X)
        per_row = model.score_samples(x)
        return per_row.reshape(-1, 1), model.log_likelihood(x)

    def sample(self, n_samples: int, mode_j: int = -1) -> np.ndarray:
        """``n_samples`` draws from the mixture, or from component ``mode_j`` when it is ≥ 0."""
        model = self._fitted()
        n = int(n_samples)
        if n < 0:
            raise ValueError(f"n_samples = {n_samples!r}: use 0 or more")
        component = None if mode_j < 0 else int(mode_j)
        points, _ = model.sample(n, self._next_seed(), component)
        return points

    @property
    def pi(self) -> np.ndarray:
        """The mixing weights, 1×K."""
        return self._fitted().parameters()["weights"].reshape(1, -1)

    @property
    def model(self) -> _engine.Model:
        """The engine's model (``to_json()`` gives the model file the ``mixture`` command reads)."""
        return self._fitted()


class GaussianMixture(_Mixture):
    """ngc-learn's ``GaussianMixture(K, max_iter=50, assume_diag_cov=False, init_kmeans=False,
    key=None)``: full covariances, or diagonal ones with ``assume_diag_cov=True``."""

    _family = "gaussian"

    def __init__(
        self,
        K: int,
        max_iter: int = 50,
        assume_diag_cov: bool = False,
        init_kmeans: bool = False,
        key: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(K, max_iter, init_kmeans, key, **kwargs)
        self.assume_diag_cov = assume_diag_cov

    def _spec(self, max_iter: int, tol: float) -> Dict[str, Any]:
        spec = super()._spec(max_iter, tol)
        spec["family"]["covariance"] = "diag" if self.assume_diag_cov else "full"
        return spec

    @property
    def mu(self) -> List[np.ndarray]:
        """The means, one 1×D row per component."""
        return [m.reshape(1, -1) for m in self._fitted().parameters()["means"]]

    @property
    def Sigma(self) -> List[np.ndarray]:
        """The covariances, one D×D matrix per component."""
        c = self._fitted().parameters()["covariances"]
        return [np.diag(v) for v in c] if c.ndim == 2 else list(c)


class BernoulliMixture(_Mixture):
    """ngc-learn's ``BernoulliMixture(K, max_iter=50, init_kmeans=False, key=None)``."""

    _family = "bernoulli"

    @property
    def p(self) -> List[np.ndarray]:
        """The probabilities of a 1, one 1×D row per component."""
        return [m.reshape(1, -1) for m in self._fitted().parameters()["probabilities"]]


class ExponentialMixture(_Mixture):
    """ngc-learn's ``ExponentialMixture(K, max_iter=50, init_kmeans=False, key=None)``."""

    _family = "exponential"

    @property
    def rate(self) -> List[np.ndarray]:
        """The rates, one 1×D row per component."""
        return [m.reshape(1, -1) for m in self._fitted().parameters()["rates"]]
