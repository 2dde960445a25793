"""scikit-learn estimators over the Rust engine: ``GaussianMixture``, ``BernoulliMixture``,
``ExponentialMixture``, ``PoissonMixture``.

Their parameters, methods and fitted attributes are scikit-learn 1.9's ``GaussianMixture``'s
(with ``sample_weight`` in ``fit``, and ``partial_fit``). The fitted state is numpy arrays and
the engine's model, which pickles as its model file, so ``clone``, pickle and joblib need
nothing special.
"""

import numbers
import sys
import time
import warnings
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
from sklearn.base import BaseEstimator, DensityMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from . import _engine
from ._arrays import as_engine_array, as_weights, seed_from
from ._config import get_num_threads

__all__ = ["GaussianMixture", "BernoulliMixture", "ExponentialMixture", "PoissonMixture"]

_INIT_PARAMS = ("kmeans", "k-means++", "random_from_data", "random", "hc")


def _check_int(owner: str, name: str, value: Any, low: int) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise ValueError(
            f"The '{name}' parameter of {owner} must be an int in the range [{low}, inf). "
            f"Got {value!r} instead."
        )


def _check_real(owner: str, name: str, value: Any) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not np.isfinite(value)
        or value < 0
    ):
        raise ValueError(
            f"The '{name}' parameter of {owner} must be a finite float in the range [0, inf). "
            f"Got {value!r} instead."
        )


def _check_choice(owner: str, name: str, value: Any, options: Tuple[str, ...]) -> None:
    if value not in options:
        raise ValueError(
            f"The '{name}' parameter of {owner} must be a str among {set(options)}. "
            f"Got {value!r} instead."
        )


class _Verbose:
    """Prints scikit-learn's fitting messages (``verbose`` 1 or 2, every ``verbose_interval``
    iterations) as the engine reports its iterations."""

    def __init__(self, verbose: int, interval: int) -> None:
        self.verbose, self.interval = verbose, interval
        self.run = -1
        self.start = self.last = time.time()

    def on_iteration(
        self, run: int, iteration: int, ll: float, mean_ll: float, change: float, shift: float
    ) -> None:
        if run != self.run:
            self.run = run
            self.start = self.last = time.time()
            print(f"Initialization {run}")
        n = iteration + 1
        if n % self.interval == 0:
            now = time.time()
            if self.verbose > 1:
                print(f"  Iteration {n}\t time lapse {now - self.last:.5f}s\t ll change {change:.5f}")
            else:
                print(f"  Iteration {n}")
            self.last = now
        sys.stdout.flush()

    def on_run_end(self, run: int, n_iter: int, converged: bool, ll: float) -> None:
        state = "converged" if converged else "did not converge"
        if self.verbose > 1:
            print(f"Initialization {state}. time lapse {time.time() - self.start:.5f}s\t lower bound {ll:.5f}.")
        else:
            print(f"Initialization {state}.")


class _BaseMixture(DensityMixin, BaseEstimator):
    """What the three estimators share: fitting through the engine, using the fitted model."""

    _family = ""
    # Whether ``_to_domain`` changes values (not only checks them): Dask applies it per chunk.
    _transforms_data = False

    # --- what each family says -------------------------------------------------------------

    def _family_spec(self) -> Dict[str, Any]:
        raise NotImplementedError

    # The family's ``*_init`` parameters.
    # Each ``*_init`` parameter and the engine's name for the group of parameters it gives.
    _init_groups: Tuple[Tuple[str, str], ...] = ()

    def _start_from(self, dtype: str) -> _engine.Model:
        """The model the ``*_init`` parameters give, with placeholder values for the groups
        they do not give (the engine takes those from the initialisation)."""
        raise NotImplementedError

    def _set_component_attributes(self, p: Dict[str, Any]) -> None:
        raise NotImplementedError

    def _model_from(self, weights: Any, arrays: Dict[str, Any], dtype: str) -> _engine.Model:
        """The family's model from its weights and parameter arrays (the engine's names)."""
        family = {"family": self._family, **self._family_spec()}
        arrays = {name: np.ascontiguousarray(a, dtype=np.float64) for name, a in arrays.items()}
        return _engine.Model.from_parameters(family, list(np.asarray(weights, dtype=np.float64)), arrays, dtype)

    # --- scikit-learn's machinery ----------------------------------------------------------

    def __sklearn_tags__(self):  # type: ignore[no-untyped-def]
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        return tags

    def _check_parameters(self) -> None:
        owner = type(self).__name__
        _check_int(owner, "n_components", self.n_components, 1)
        _check_real(owner, "tol", self.tol)
        _check_int(owner, "max_iter", self.max_iter, 0)
        _check_int(owner, "n_init", self.n_init, 1)
        _check_int(owner, "verbose_interval", self.verbose_interval, 1)
        _check_choice(owner, "init_params", self.init_params, _INIT_PARAMS)
        _check_choice(owner, "on_spurious", self.on_spurious, ("keep", "degenerate"))
        _check_choice(owner, "on_degenerate", self.on_degenerate, ("reseed", "drop", "error"))
        self._fixed_groups()

    def _given_groups(self) -> List[str]:
        """The parameter groups the ``*_init`` parameters give."""
        return [group for name, group in self._init_groups if getattr(self, name) is not None]

    def _fixed_groups(self) -> Optional[str]:
        """``fix`` as the engine takes it (``"weights,means"``), checked: every group is one
        of this family's and given by its ``*_init`` parameter."""
        if self.fix is None:
            return None
        owner = type(self).__name__
        names = [self.fix] if isinstance(self.fix, str) else list(self.fix)
        groups = dict((group, name) for name, group in self._init_groups)
        for group in names:
            if group not in groups:
                raise ValueError(
                    f"The 'fix' parameter of {owner} must name groups among "
                    f"{sorted(groups)}. Got {group!r} instead."
                )
            if getattr(self, groups[group]) is None:
                raise ValueError(
                    f"fix={self.fix!r} holds {group} at their given values: set {groups[group]}"
                )
        return ",".join(names)

    def _spec(self, seed: int, n_init: int) -> Dict[str, Any]:
        spec = {
            # The family's name and its own settings only: the engine's registry checks them.
            "family": {"family": self._family, **self._family_spec()},
            "n_components": int(self.n_components),
            "max_iter": int(self.max_iter),
            "tol": float(self.tol),
            "stop_rule": "loglik",
            "init": self.init_params,
            "seed": seed,
            "n_init": n_init,
            # Keep the run with the best lower_bound_, the quantity the class reports
            # (scikit-learn's choice): the best of n runs never reports less than the first.
            "best_run": "bound",
            "on_degenerate": self.on_degenerate,
            "on_spurious": self.on_spurious,
            "fix": self._fixed_groups(),
        }
        return spec

    def _validate_X(self, X: Any, reset: bool) -> np.ndarray:
        """``X`` as the engine reads it: 2-D, C order; float32 and float64 kept as they are
        (anything else becomes float64) when fitting, the model's dtype when predicting."""
        if reset:
            dtype: Any = [np.float64, np.float32]
        else:
            dtype = self._model.dtype
        X = validate_data(
            self,
            X,
            reset=reset,
            dtype=dtype,
            order="C",
            ensure_all_finite=False,  # the engine names the row and column
            ensure_min_samples=1,
        )
        return as_engine_array(self._to_domain(X))

    def _to_domain(self, X: np.ndarray) -> np.ndarray:
        """``X`` as the family takes it (checked or transformed)."""
        return X

    def _seed(self) -> int:
        if isinstance(self.random_state, numbers.Integral):
            return seed_from(self.random_state)
        return seed_from(check_random_state(self.random_state))

    # --- fitting ---------------------------------------------------------------------------

    def fit(self, X: Any, y: Any = None, sample_weight: Any = None) -> "_BaseMixture":
        """Estimates the parameters by E-M: ``n_init`` runs (one with ``warm_start`` after a
        first fit, or when the ``*_init`` parameters give a whole start) of at most
        ``max_iter`` iterations each, stopping when the mean log-likelihood changes by less
        than ``tol``; the best run is kept.

        ``sample_weight`` are frequency weights: a row of weight 2 counts as two rows.
        Warns ``ConvergenceWarning`` when the best run did not converge.
        """
        self._check_parameters()
        warm = bool(self.warm_start) and hasattr(self, "_model")
        X = self._validate_X(X, reset=not warm)
        self._check_n_samples(X.shape[0])
        w = as_weights(sample_weight, X.shape[0])

        def run(spec: Dict[str, Any], start: Optional[_engine.Model], observer: Any) -> Any:
            return _engine.fit(X, spec, w, start=start, observer=observer, n_threads=get_num_threads())

        return self._fit_with(run, X.dtype.name, warm)

    def _check_n_samples(self, n_samples: int) -> None:
        if n_samples < self.n_components:
            raise ValueError(
                f"Expected n_samples >= n_components but got n_components = "
                f"{self.n_components}, n_samples = {n_samples}"
            )

    def _fit_with(self, run: Any, dtype: str, warm: bool) -> "_BaseMixture":
        """The fit's start, spec and observer, then ``run(spec, start, observer)`` (which
        returns the model and the report), then the fitted attributes."""
        seed = self._seed()
        start: Optional[_engine.Model] = None
        parts: Optional[str] = None
        n_init = int(self.n_init)
        if warm:
            start, n_init = self._model, 1
        else:
            given = self._given_groups()
            if given:
                # Like scikit-learn: what is not given comes from each initialisation run.
                start = self._start_from(dtype)
                if len(given) == len(self._init_groups):
                    n_init = 1
                else:
                    parts = ",".join(given)
        if self.max_iter == 0:
            n_init = 1  # scikit-learn's max_iter=0: the first initialisation, no iteration
        spec = self._spec(seed, n_init)
        spec["init_parts"] = parts
        if warm and np.isfinite(self.lower_bound_):
            # scikit-learn's warm start: the first iteration's change is against the previous
            # fit's bound, so repeated short fits see their convergence.
            spec["previous_bound"] = float(self.lower_bound_)
        observer = _Verbose(self.verbose, self.verbose_interval) if self.verbose else None
        model, report = run(spec, start, observer)
        self._set_fitted(model, report)
        if not self.converged_ and self.max_iter > 0:  # max_iter=0 asks for no iteration
            warnings.warn(
                "Best performing initialization did not converge. Try different init "
                "parameters, or increase max_iter, tol, or check for degenerate data.",
                ConvergenceWarning,
                stacklevel=3,
            )
        return self

    def fit_predict(self, X: Any, y: Any = None, sample_weight: Any = None) -> np.ndarray:
        """Fits, then returns the label of every row under the fitted model."""
        return self.fit(X, y, sample_weight=sample_weight).predict(X)

    def partial_fit(self, X: Any, y: Any = None, sample_weight: Any = None) -> "_BaseMixture":
        """One step of stepwise E-M on a batch seen once (Cappé and Moulines, 2009): the first
        call initialises from its batch; each later call blends the batch's statistics into
        the running ones with step size (t + 2)^-0.6 and re-estimates the parameters.
        ``n_iter_`` counts the batches seen. A pickled estimator keeps the running statistics,
        so stepwise fitting goes on after unpickling with the same numbers."""
        self._check_parameters()
        first = not hasattr(self, "_online")
        X = self._validate_X(X, reset=first)
        w = as_weights(sample_weight, X.shape[0])
        if first:
            if X.shape[0] < self.n_components:
                raise ValueError(
                    f"the first batch needs at least n_components = {self.n_components} rows; "
                    f"it has {X.shape[0]}"
                )
            online = _engine.Online(self._spec(self._seed(), int(self.n_init)), X.dtype.name)
        else:
            online = self._online
        model = online.partial_fit(X, w, n_threads=get_num_threads())
        self._online = online
        self._set_fitted(
            model,
            {
                "n_iter": online.n_steps,
                "converged": False,
                "history": [],
                "mean_log_likelihood": np.nan,
            },
        )
        return self

    def _set_fitted(self, model: _engine.Model, report: Dict[str, Any]) -> None:
        self._model = model
        self.report_ = report
        self.converged_ = bool(report["converged"])
        self.n_iter_ = int(report["n_iter"])
        # scikit-learn's lower bounds: the mean log-likelihood of each iteration's E-step (of
        # the parameters before its M-step), for the best run.
        best = report.get("best_run", 0)
        self.lower_bounds_ = [h[3] for h in report["history"] if h[0] == best]
        self.lower_bound_ = float(
            self.lower_bounds_[-1] if self.lower_bounds_ else report["mean_log_likelihood"]
        )
        p = model.parameters()
        # The model's dtype end to end (the engine keeps float32 models' weights in float64).
        self.weights_ = p["weights"].astype(p["means"].dtype, copy=False)
        self.means_ = p["means"]
        self._set_component_attributes(p)

    # --- using the fitted model ------------------------------------------------------------

    def _fitted(self) -> _engine.Model:
        check_is_fitted(self, "_model")
        return self._model

    def score_samples(self, X: Any) -> np.ndarray:
        """ln p(x) of every row."""
        model = self._fitted()
        return model.score_samples(self._validate_X(X, reset=False))

    def score(self, X: Any, y: Any = None, sample_weight: Any = None) -> float:
        """Mean ln p(x) per row (per unit of weight with ``sample_weight``). For float32
        data without weights, scikit-learn's float32 mean of :meth:`score_samples`."""
        model = self._fitted()
        X = self._validate_X(X, reset=False)
        w = as_weights(sample_weight, X.shape[0])
        if X.dtype == np.float32 and w is None:
            return model.score_samples(X).mean()
        total = X.shape[0] if w is None else float(np.sum(w))
        return model.log_likelihood(X, w) / total

    def predict_proba(self, X: Any) -> np.ndarray:
        """Responsibilities: the posterior probability of each component for every row."""
        model = self._fitted()
        return model.predict_proba(self._validate_X(X, reset=False))

    def predict(self, X: Any) -> np.ndarray:
        """The most probable component of every row."""
        model = self._fitted()
        return model.predict(self._validate_X(X, reset=False))

    def sample(self, n_samples: int = 1) -> Tuple[np.ndarray, np.ndarray]:
        """``n_samples`` draws and the component of each, seeded from ``random_state``."""
        model = self._fitted()
        if isinstance(n_samples, bool) or not isinstance(n_samples, numbers.Integral) or n_samples < 1:
            raise ValueError(
                f"Invalid value for 'n_samples': {n_samples!r} . The sampling requires at "
                "least one sample."
            )
        return model.sample(int(n_samples), self._seed())

    @property
    def n_parameters_(self) -> int:
        """The fitted model's number of free parameters (the ``p`` of :meth:`bic` and
        :meth:`aic`): scikit-learn's count for its four covariance types, mclust's for the
        other models."""
        return int(self._fitted().n_parameters)

    def _n_parameters(self) -> int:
        """scikit-learn's private name of :attr:`n_parameters_` (user code computes BIC by
        hand with it)."""
        return self.n_parameters_

    def bic(self, X: Any) -> float:
        """Bayesian information criterion −2 ln p(X) + p ln N (lower is better)."""
        model = self._fitted()
        return model.bic(self._validate_X(X, reset=False))

    def aic(self, X: Any) -> float:
        """Akaike information criterion −2 ln p(X) + 2p (lower is better)."""
        model = self._fitted()
        return model.aic(self._validate_X(X, reset=False))

    @property
    def model_(self) -> _engine.Model:
        """The engine's model (``to_json()`` gives the model file the ``mixture`` command reads)."""
        return self._fitted()


def _first(mask: np.ndarray) -> Tuple[int, ...]:
    """The index of the first true entry of ``mask`` (to name a bad value)."""
    return tuple(int(i) for i in np.argwhere(mask)[0])


def _as_f64(value: Any, name: str, shape: Tuple[int, ...]) -> np.ndarray:
    """``value`` as float64 of ``shape``, refused with scikit-learn's message naming the
    parameter as scikit-learn does (``'weights'``, ``'means'``, ``'full precision'``)."""
    a = np.ascontiguousarray(value, dtype=np.float64)
    if a.shape != shape:
        raise ValueError(
            f"The parameter '{name}' should have the shape of {shape}, but got {a.shape}"
        )
    if not np.all(np.isfinite(a)):
        at = _first(~np.isfinite(a))
        raise ValueError(f"The parameter '{name}' should be finite, but got {a[at]} at index {at}")
    return a


class GaussianMixture(_BaseMixture):
    """Gaussian mixture fitted by E-M in Rust, with scikit-learn's ``GaussianMixture``
    interface: the same parameters, defaults and meanings, methods and fitted attributes.

    From the same start it reaches scikit-learn's numbers (to rounding), several times faster;
    float32 data give a float32 model. ``fit`` also takes ``sample_weight`` (frequency
    weights), and ``partial_fit`` runs stepwise E-M over batches.

    Parameters
    ----------
    n_components : int, default=1
    covariance_type : str, default='full'
        scikit-learn's 'full', 'tied', 'diag', 'spherical', or any of mclust's fourteen
        eigen-decomposition models by code ('EII', 'VII', 'EEI', 'VEI', 'EVI', 'VVI', 'EEE',
        'VEE', 'EVE', 'VVE', 'EEV', 'VEV', 'EVV', 'VVV'; any case; 'VVV' is 'full', 'VVI'
        'diag', 'VII' 'spherical', 'EEE' 'tied'). The ten beyond scikit-learn's four have
        ``covariances_``, ``precisions_`` and ``precisions_cholesky_`` of shape
        (n_components, n_features, n_features), and ``volumes_``, ``shapes_`` and
        ``orientations_`` (those the model has: ``Σ_k = λ_k D_k diag(A_k) D_kᵀ``); their
        ``precisions_init`` is not supported.
    tol : float, default=1e-3
        Stop when the mean log-likelihood changes by less than this.
    reg_covar : float, default=1e-6
        Added to the diagonal of every covariance.
    relative_reg_covar : float, default=None
        Instead of ``reg_covar``: this factor times the mean per-feature variance of the data
        being fitted, so that the fit does not depend on the data's units (an absolute 1e-6
        swamps data of scale 1e-4). Not in scikit-learn.
    prior_shrinkage : float, default=None
        MAP E-M under mclust's default conjugate prior (``priorControl()``) with this
        shrinkage (mclust's default is 0.01): the M-step is the posterior mode, which keeps
        E-M away from degenerate, spiky solutions on small data; ``bic`` is then mclust's under
        a prior. For 'full', 'diag', 'spherical', 'tied' and mclust's EII, EEI, VEI, EVI, EEV
        and VEV (the models mclust gives a prior). Not in scikit-learn.
    max_iter : int, default=100
    n_init : int, default=1
        Initialisations to try; the run with the best ``lower_bound_`` is kept (preferring
        runs without a suspect component), so with the same ``random_state`` the best of
        several never reports less than the first.
    init_params : {'kmeans', 'k-means++', 'random', 'random_from_data', 'hc'}, default='kmeans'
        'random' draws every row's responsibilities at random (the same on any thread count);
        'hc' (not in scikit-learn) cuts mclust's model-based hierarchical clustering (VVV
        merges in its SVD coordinates; Ward's for weighted rows) at ``n_components`` clusters.
    weights_init, means_init, precisions_init : array-like, default=None
        A start; any part not given comes from each of the ``n_init`` initialisations.
    random_state : int, RandomState instance or None, default=None
    warm_start : bool, default=False
    verbose : int, default=0
    verbose_interval : int, default=10
    fix : str or sequence of {'weights', 'means', 'covariances'}, default=None
        Parameters held at their ``*_init`` values (which must be given): every iteration
        keeps them exactly and estimates the others given them (the covariances about the
        held means), so the log-likelihood still never decreases.
    on_spurious : {'keep', 'degenerate'}, default='keep'
        A component with fewer effective rows than its covariance needs (D + 1 for 'full') is
        a spurious solution: 'keep' flags it in ``report_["suspect"]`` (and ``n_init`` prefers
        runs without one); 'degenerate' hands it to ``on_degenerate`` at every iteration.
    on_degenerate : {'reseed', 'drop', 'error'}, default='reseed'
        A component left with (almost) no rows, or whose covariance cannot be factored:
        re-seeded at the worst-explained row (K stays, also when ``n_components`` exceeds
        the number of distinct rows, as in scikit-learn: the extra components are flagged in
        ``report_["suspect"]``; with ``reg_covar=0`` scikit-learn's error), dropped (the
        fitted attributes then have fewer than ``n_components`` components), or a
        ``ValueError`` naming it.

    Examples
    --------
    >>> import numpy as np
    >>> from mixture_em import GaussianMixture
    >>> X = np.array([[1, 2], [1, 4], [1, 0], [10, 2], [10, 4], [10, 0]])
    >>> gm = GaussianMixture(n_components=2, random_state=0).fit(X)
    >>> gm.means_[np.argsort(gm.means_[:, 0])]
    array([[ 1.,  2.],
           [10.,  2.]])
    """

    _family = "gaussian"

    def __init__(
        self,
        n_components: int = 1,
        *,
        covariance_type: str = "full",
        tol: float = 1e-3,
        reg_covar: float = 1e-6,
        max_iter: int = 100,
        n_init: int = 1,
        init_params: str = "kmeans",
        weights_init: Any = None,
        means_init: Any = None,
        precisions_init: Any = None,
        random_state: Any = None,
        warm_start: bool = False,
        verbose: int = 0,
        verbose_interval: int = 10,
        fix: Any = None,
        on_spurious: str = "keep",
        on_degenerate: str = "reseed",
        relative_reg_covar: Optional[float] = None,
        prior_shrinkage: Optional[float] = None,
    ) -> None:
        self.n_components = n_components
        self.prior_shrinkage = prior_shrinkage
        self.covariance_type = covariance_type
        self.tol = tol
        self.reg_covar = reg_covar
        self.relative_reg_covar = relative_reg_covar
        self.max_iter = max_iter
        self.n_init = n_init
        self.init_params = init_params
        self.weights_init = weights_init
        self.means_init = means_init
        self.precisions_init = precisions_init
        self.random_state = random_state
        self.warm_start = warm_start
        self.verbose = verbose
        self.verbose_interval = verbose_interval
        self.fix = fix
        self.on_spurious = on_spurious
        self.on_degenerate = on_degenerate

    def _check_parameters(self) -> None:
        super()._check_parameters()
        owner = type(self).__name__
        if self._kind() is None:
            names = ", ".join(repr(name) for name, _ in _engine.COVARIANCE_TYPES)
            raise ValueError(
                f"The 'covariance_type' parameter of {owner} must be one of mclust's codes or "
                f"scikit-learn's names (any case): {names}, or 'VVV', 'VVI', 'VII', 'EEE'. "
                f"Got {self.covariance_type!r} instead."
            )
        _check_real(owner, "reg_covar", self.reg_covar)
        if self.relative_reg_covar is not None:
            _check_real(owner, "relative_reg_covar", self.relative_reg_covar)
        if self.prior_shrinkage is not None:
            _check_real(owner, "prior_shrinkage", self.prior_shrinkage)

    def _family_spec(self) -> Dict[str, Any]:
        # The family's own settings, as the engine's registry names them.
        if self.relative_reg_covar is not None:
            regularisation = {"relative_reg_covar": float(self.relative_reg_covar)}
        else:
            regularisation = {"reg_covar": float(self.reg_covar)}
        prior = {} if self.prior_shrinkage is None else {"prior_shrinkage": float(self.prior_shrinkage)}
        return {"covariance": self._kind(), **regularisation, **prior}

    def _shapes(self) -> Tuple[int, int]:
        return int(self.n_components), int(self.n_features_in_)

    def _kind(self) -> Optional[str]:
        """The covariance model's canonical name ('full', ..., 'VEV'), None if unknown."""
        if not isinstance(self.covariance_type, str):
            return None
        given = self.covariance_type.upper()
        for name, code in _engine.COVARIANCE_TYPES:
            if given in (name.upper(), code):
                return name
        return None

    def _eigen_parts(self) -> Dict[str, Tuple[int, ...]]:
        """The shapes of the volumes, shapes and orientations an eigen model has (none for
        scikit-learn's four): a letter E is one, V one per component, I none."""
        kind = self._kind()
        if kind in _SKLEARN_TYPES:
            return {}
        k, d = self._shapes()
        count = {"E": 1, "V": k, "I": 0}
        volume, shape, orientation = (count[c] for c in kind)
        parts = {"volumes": (volume,), "shapes": (shape, d), "orientations": (orientation, d, d)}
        return {name: dims for name, dims in parts.items() if dims[0] > 0}

    def _covariances_from_precisions(self) -> np.ndarray:
        k, d = self._shapes()
        kind = self._kind()
        if kind not in _SKLEARN_TYPES:
            raise ValueError(
                f"precisions_init is supported for covariance_type 'full', 'tied', 'diag' and "
                f"'spherical', not {self.covariance_type!r}: give weights_init and means_init "
                f"only (the covariances then come from the initialisation)"
            )
        shape = {"full": (k, d, d), "tied": (d, d), "diag": (k, d), "spherical": (k,)}[kind]
        precisions = _as_f64(self.precisions_init, f"{kind} precision", shape)
        if kind in ("full", "tied"):
            # scikit-learn's check (symmetric to isclose, positive eigenvalues) and message.
            for c, matrix in enumerate(precisions.reshape(-1, d, d)):
                if not (np.all(np.isclose(matrix, matrix.T)) and np.all(np.linalg.eigvalsh(matrix) > 0.0)):
                    where = f"component {c}'s" if kind == "full" else "the"
                    raise ValueError(
                        f"'{kind} precision' should be symmetric, positive-definite: "
                        f"{where} precision matrix in precisions_init is not"
                    )
            # Through the Cholesky factor, as scikit-learn does.
            inv = np.linalg.inv(np.linalg.cholesky(precisions))
            return np.swapaxes(inv, -1, -2) @ inv
        if np.any(precisions <= 0):
            at = _first(precisions <= 0)
            raise ValueError(f"'{kind} precision' should be positive: precisions_init{list(at)} is {precisions[at]}")
        return 1.0 / precisions

    _init_groups = (("weights_init", "weights"), ("means_init", "means"), ("precisions_init", "covariances"))

    def _start_from(self, dtype: str) -> _engine.Model:
        k, d = self._shapes()
        weights = _uniform(k) if self.weights_init is None else _check_weights(self.weights_init, k)
        means = np.zeros((k, d)) if self.means_init is None else _as_f64(self.means_init, "means", (k, d))
        parts = self._eigen_parts()
        if parts and self.precisions_init is None:
            # Unit volumes and shapes, the identity orientations: Σ_k = I.
            eigen = {name: np.ones(dims) if name != "orientations" else np.tile(np.eye(d), (dims[0], 1, 1))
                     for name, dims in parts.items()}
            return self._model_from(weights, {"means": means, **eigen}, dtype)
        if self.precisions_init is None:
            identity = {"full": np.tile(np.eye(d), (k, 1, 1)), "tied": np.eye(d),
                        "diag": np.ones((k, d)), "spherical": np.ones(k)}
            covariances = identity[self._kind()]
        else:
            covariances = self._covariances_from_precisions()
        return self._model_from(weights, {"means": means, "covariances": covariances}, dtype)

    def _set_component_attributes(self, p: Dict[str, Any]) -> None:
        self.covariances_ = p["covariances"]
        factors = p["precision_factors"]
        if self._kind() not in _SKLEARN_TYPES:
            # Every eigen model's precisions as (K, D, D) matrices, beside its parts.
            for name in ("volumes", "shapes", "orientations"):
                if name in p:
                    setattr(self, name + "_", p[name])
            if factors.ndim < 3:
                k, d = self.covariances_.shape[0], self.covariances_.shape[-1]
                per_feature = np.broadcast_to(factors.reshape(k, -1), (k, d))
                factors = per_feature[:, :, None] * np.eye(d)
            self.precisions_cholesky_ = np.ascontiguousarray(np.swapaxes(factors, -1, -2))
            self.precisions_ = self.precisions_cholesky_ @ np.swapaxes(self.precisions_cholesky_, -1, -2)
        elif self._kind() in ("full", "tied"):
            # The engine keeps P = L⁻¹ (lower); scikit-learn keeps its transpose.
            self.precisions_cholesky_ = np.ascontiguousarray(np.swapaxes(factors, -1, -2))
            self.precisions_ = self.precisions_cholesky_ @ np.swapaxes(self.precisions_cholesky_, -1, -2)
        else:
            self.precisions_cholesky_ = factors
            self.precisions_ = factors * factors


def _non_negative(X: np.ndarray, owner: str, need: str) -> np.ndarray:
    """``X``, refused with scikit-learn's message (``check_fit_non_negative``) when a value is
    negative, naming the first one's row and column."""
    negative = np.argwhere(X < 0)
    if negative.size:
        i, j = negative[0]
        raise ValueError(f"Negative values in data passed to {owner}: row {i}, column {j} holds {X[i, j]}; {need}")
    return X


# scikit-learn's four covariance types (mclust's VVV, EEE, VVI, VII), kept in its shapes.
_SKLEARN_TYPES = ("full", "tied", "diag", "spherical")


def _uniform(k: int) -> np.ndarray:
    return np.full(k, 1.0 / k)


def _check_weights(weights: Any, k: int) -> np.ndarray:
    """``weights_init`` checked as scikit-learn checks it, with its messages (the range
    message's labels are scikit-learn's, min and max swapped as its tests expect)."""
    atol = 1e-6 if np.asarray(weights).dtype == np.float32 else 1e-8
    w = _as_f64(weights, "weights", (k,))
    if np.any(w < 0) or np.any(w > 1):
        c = int(np.argmax((w < 0) | (w > 1)))
        raise ValueError(
            "The parameter 'weights' should be in the range [0, 1], but got "
            f"max value {np.min(w):.5f}, min value {np.max(w):.5f} (component {c}'s is {w[c]})"
        )
    if not np.allclose(abs(1.0 - np.sum(w)), 0.0, atol=atol):
        raise ValueError(
            f"The parameter 'weights' should be normalized, but got sum(weights) = {np.sum(w):.5f}"
        )
    return w


class BernoulliMixture(_BaseMixture):
    """Mixture of multivariate Bernoulli distributions (binary features, or values in [0, 1]),
    fitted by E-M in Rust, with scikit-learn's estimator interface.

    Like scikit-learn's ``BernoulliNB``, features are binarized first: values above
    ``binarize`` (default 0.0) become 1 and the others 0; with ``binarize=None`` the data are
    taken as they are, binary or fractional values in [0, 1].

    ``means_`` holds each component's probabilities of a 1. ``prior=(alpha, beta)`` puts a
    Beta(alpha, beta) prior on every probability (MAP estimates); without it the probabilities
    are kept within [1e-10, 1 − 1e-10].

    ``fix`` (``'weights'``, ``'means'`` or both) holds parameters at their ``*_init`` values;
    ``on_spurious`` and ``on_degenerate`` are ``GaussianMixture``'s.

    Examples
    --------
    >>> import numpy as np
    >>> from mixture_em import BernoulliMixture
    >>> X = np.array([[1, 1, 0, 0]] * 5 + [[0, 0, 1, 1]] * 5)
    >>> bm = BernoulliMixture(n_components=2, random_state=0).fit(X)
    >>> np.round(bm.means_[np.argsort(bm.means_[:, 0])], 3)
    array([[0., 0., 1., 1.],
           [1., 1., 0., 0.]])
    """

    _family = "bernoulli"
    _transforms_data = True

    def __init__(
        self,
        n_components: int = 1,
        *,
        tol: float = 1e-3,
        max_iter: int = 100,
        n_init: int = 1,
        init_params: str = "kmeans",
        weights_init: Any = None,
        means_init: Any = None,
        prior: Optional[Tuple[float, float]] = None,
        binarize: Optional[float] = 0.0,
        random_state: Any = None,
        warm_start: bool = False,
        verbose: int = 0,
        verbose_interval: int = 10,
        fix: Any = None,
        on_spurious: str = "keep",
        on_degenerate: str = "reseed",
    ) -> None:
        self.n_components = n_components
        self.tol = tol
        self.max_iter = max_iter
        self.n_init = n_init
        self.init_params = init_params
        self.weights_init = weights_init
        self.means_init = means_init
        self.prior = prior
        self.binarize = binarize
        self.random_state = random_state
        self.warm_start = warm_start
        self.verbose = verbose
        self.verbose_interval = verbose_interval
        self.fix = fix
        self.on_spurious = on_spurious
        self.on_degenerate = on_degenerate

    def _to_domain(self, X: np.ndarray) -> np.ndarray:
        if self.binarize is None:
            return X
        # Like scikit-learn's BernoulliNB: values above the threshold are 1, the others 0
        # (NaN and infinities stay, for the engine to report with their row and column).
        out = (X > self.binarize).astype(X.dtype)
        bad = ~np.isfinite(X)
        out[bad] = X[bad]
        return out

    def _family_spec(self) -> Dict[str, Any]:
        if self.prior is None:
            return {}
        return {"prior": [float(self.prior[0]), float(self.prior[1])]}

    _init_groups = (("weights_init", "weights"), ("means_init", "means"))

    def _start_from(self, dtype: str) -> _engine.Model:
        k, d = int(self.n_components), int(self.n_features_in_)
        weights = _uniform(k) if self.weights_init is None else _check_weights(self.weights_init, k)
        means = np.full((k, d), 0.5) if self.means_init is None else self.means_init
        return self._model_from(weights, {"probabilities": _as_f64(means, "means", (k, d))}, dtype)

    def _set_component_attributes(self, p: Dict[str, Any]) -> None:
        self.means_ = p["probabilities"]


class ExponentialMixture(_BaseMixture):
    """Mixture of products of exponential distributions (non-negative features), fitted by
    E-M in Rust, with scikit-learn's estimator interface.

    ``means_`` holds each component's means (1/rate) and ``rates_`` the rates; a component's
    mean is kept at least ``min_mean`` so that a column of zeros gives a finite rate.

    ``fix`` (``'weights'``, ``'means'`` or both) holds parameters at their ``*_init`` values;
    ``on_spurious`` and ``on_degenerate`` are ``GaussianMixture``'s.

    Examples
    --------
    >>> import numpy as np
    >>> from mixture_em import ExponentialMixture
    >>> rng = np.random.default_rng(0)
    >>> X = np.vstack([rng.exponential(0.1, (500, 1)), rng.exponential(10.0, (500, 1))])
    >>> em = ExponentialMixture(n_components=2, random_state=0).fit(X)
    >>> np.round(np.sort(em.means_.ravel()), 1)
    array([0.1, 9.5])
    """

    _family = "exponential"

    def __init__(
        self,
        n_components: int = 1,
        *,
        tol: float = 1e-3,
        max_iter: int = 100,
        n_init: int = 1,
        init_params: str = "kmeans",
        weights_init: Any = None,
        means_init: Any = None,
        min_mean: float = 1e-10,
        random_state: Any = None,
        warm_start: bool = False,
        verbose: int = 0,
        verbose_interval: int = 10,
        fix: Any = None,
        on_spurious: str = "keep",
        on_degenerate: str = "reseed",
    ) -> None:
        self.n_components = n_components
        self.tol = tol
        self.max_iter = max_iter
        self.n_init = n_init
        self.init_params = init_params
        self.weights_init = weights_init
        self.means_init = means_init
        self.min_mean = min_mean
        self.random_state = random_state
        self.warm_start = warm_start
        self.verbose = verbose
        self.verbose_interval = verbose_interval
        self.fix = fix
        self.on_spurious = on_spurious
        self.on_degenerate = on_degenerate

    def __sklearn_tags__(self):  # type: ignore[no-untyped-def]
        tags = super().__sklearn_tags__()
        tags.input_tags.positive_only = True
        return tags

    def _to_domain(self, X: np.ndarray) -> np.ndarray:
        return _non_negative(X, type(self).__name__, "exponential components need non-negative features")

    def _family_spec(self) -> Dict[str, Any]:
        return {"min_mean": float(self.min_mean)}

    def _rates(self, means: Any) -> np.ndarray:
        k, d = int(self.n_components), int(self.n_features_in_)
        m = _as_f64(means, "means", (k, d))
        if np.any(m <= 0):
            at = _first(m <= 0)
            raise ValueError(f"The parameter 'means' should be positive, but got {m[at]} at means_init{list(at)}")
        return 1.0 / m

    _init_groups = (("weights_init", "weights"), ("means_init", "means"))

    def _start_from(self, dtype: str) -> _engine.Model:
        k, d = int(self.n_components), int(self.n_features_in_)
        weights = _uniform(k) if self.weights_init is None else _check_weights(self.weights_init, k)
        rates = np.ones((k, d)) if self.means_init is None else self._rates(self.means_init)
        return self._model_from(weights, {"rates": rates}, dtype)

    def _set_component_attributes(self, p: Dict[str, Any]) -> None:
        self.rates_ = p["rates"]


class PoissonMixture(_BaseMixture):
    """Mixture of products of Poisson distributions (counts: non-negative integer features),
    fitted by E-M in Rust, with scikit-learn's estimator interface.

    ``means_`` holds each component's mean counts, which are its rates (``rates_``); a rate is
    kept at least ``min_rate`` so that a column of zeros keeps a finite log-rate. A value that
    is not a non-negative integer is refused, naming its row and column.

    ``fix`` (``'weights'``, ``'means'`` or both) holds parameters at their ``*_init`` values;
    ``on_spurious`` and ``on_degenerate`` are ``GaussianMixture``'s.

    Examples
    --------
    >>> import numpy as np
    >>> from mixture_em import PoissonMixture
    >>> rng = np.random.default_rng(0)
    >>> X = np.vstack([rng.poisson(1.0, (500, 1)), rng.poisson(20.0, (500, 1))])
    >>> pm = PoissonMixture(n_components=2, random_state=0).fit(X)
    >>> np.round(np.sort(pm.means_.ravel()))
    array([ 1., 20.])
    """

    _family = "poisson"

    def __init__(
        self,
        n_components: int = 1,
        *,
        tol: float = 1e-3,
        max_iter: int = 100,
        n_init: int = 1,
        init_params: str = "kmeans",
        weights_init: Any = None,
        means_init: Any = None,
        min_rate: float = 1e-10,
        random_state: Any = None,
        warm_start: bool = False,
        verbose: int = 0,
        verbose_interval: int = 10,
        fix: Any = None,
        on_spurious: str = "keep",
        on_degenerate: str = "reseed",
    ) -> None:
        self.n_components = n_components
        self.tol = tol
        self.max_iter = max_iter
        self.n_init = n_init
        self.init_params = init_params
        self.weights_init = weights_init
        self.means_init = means_init
        self.min_rate = min_rate
        self.random_state = random_state
        self.warm_start = warm_start
        self.verbose = verbose
        self.verbose_interval = verbose_interval
        self.fix = fix
        self.on_spurious = on_spurious
        self.on_degenerate = on_degenerate

    def __sklearn_tags__(self):  # type: ignore[no-untyped-def]
        tags = super().__sklearn_tags__()
        tags.input_tags.positive_only = True
        return tags

    def _to_domain(self, X: np.ndarray) -> np.ndarray:
        # The engine refuses fractions, naming the row and column.
        return _non_negative(X, type(self).__name__, "Poisson components need counts (non-negative integers)")

    def _family_spec(self) -> Dict[str, Any]:
        return {"min_rate": float(self.min_rate)}

    _init_groups = (("weights_init", "weights"), ("means_init", "means"))

    def _start_from(self, dtype: str) -> _engine.Model:
        k, d = int(self.n_components), int(self.n_features_in_)
        weights = _uniform(k) if self.weights_init is None else _check_weights(self.weights_init, k)
        rates = np.ones((k, d)) if self.means_init is None else _as_f64(self.means_init, "means", (k, d))
        return self._model_from(weights, {"rates": rates}, dtype)

    def _set_component_attributes(self, p: Dict[str, Any]) -> None:
        self.rates_ = p["rates"]
