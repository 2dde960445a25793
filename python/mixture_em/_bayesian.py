"""Variational Bayesian mixtures over the Rust engine: ``BayesianGaussianMixture``
(scikit-learn 1.9's class: a Dirichlet-process or Dirichlet weight prior, Gaussian–Wishart
components), ``BayesianBernoulliMixture`` (Beta priors) and ``BayesianExponentialMixture``
(Gamma priors), with the same interface.

The Gaussian numbers are scikit-learn's (lower bound, posterior, ``score_samples``) from the
same start; the engine's pass is the E-M pass, so fits are as fast, as deterministic across
threads, and take ``sample_weight``. Beyond scikit-learn: ``score_samples(X, predictive=True)``
(the posterior predictive density), ``evidence_bound_``, ``n_effective_components_`` and
``pruned()`` (the Gaussian model without its switched-off components).
"""

import numbers
import warnings
from typing import Any, Dict, Optional, Tuple

import numpy as np
from scipy.special import gammaln, logsumexp
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import check_array

from . import _engine
from ._arrays import as_weights
from ._config import get_num_threads
from ._sklearn import (
    BernoulliMixture,
    ExponentialMixture,
    GaussianMixture,
    _BaseMixture,
    _check_choice,
    _check_int,
    _check_real,
    _Verbose,
)

__all__ = ["BayesianGaussianMixture", "BayesianBernoulliMixture", "BayesianExponentialMixture"]

_WEIGHT_PRIORS = ("dirichlet_process", "dirichlet_distribution")
_TYPES = ("full", "tied", "diag", "spherical")


def _check_positive_or_none(owner: str, name: str, value: Any) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not (0 < value < np.inf):
        raise ValueError(
            f"The '{name}' parameter of {owner} must be None or a float in the range "
            f"(0.0, inf). Got {value!r} instead."
        )


class _BayesianMixture(_BaseMixture):
    """What the variational classes share: the weights' prior, the fit through the engine's
    variational E-M, the weights' posterior and the use of the fitted model. A family says its
    components' prior (``_components_prior``), sets its posterior's attributes
    (``_set_posterior``) and gives its posterior predictive density
    (``_predictive_log_density``)."""

    _init_choices: Tuple[str, ...] = ("kmeans", "k-means++", "random", "random_from_data", "hc")

    # --- checks ----------------------------------------------------------------------------

    def _check_parameters(self) -> None:
        owner = type(self).__name__
        _check_int(owner, "n_components", self.n_components, 1)
        _check_real(owner, "tol", self.tol)
        _check_int(owner, "max_iter", self.max_iter, 0)
        _check_int(owner, "n_init", self.n_init, 1)
        for name in ("delete_moves", "split_merge_moves"):
            value = getattr(self, name)
            if not isinstance(value, (bool, np.bool_)):
                raise ValueError(
                    f"The '{name}' parameter of {owner} must be an instance of 'bool'. "
                    f"Got {value!r} instead."
                )
        _check_int(owner, "verbose_interval", self.verbose_interval, 1)
        _check_choice(owner, "init_params", self.init_params, self._init_choices)
        _check_choice(owner, "weight_concentration_prior_type", self.weight_concentration_prior_type, _WEIGHT_PRIORS)
        _check_positive_or_none(owner, "weight_concentration_prior", self.weight_concentration_prior)
        self._check_component_parameters(owner)

    def _check_component_parameters(self, owner: str) -> None:
        raise NotImplementedError

    def _components_prior(self, n_features: int) -> Dict[str, Any]:
        """The components' prior as the engine takes it (the family's serde form)."""
        raise NotImplementedError

    def _prior(self, n_features: int) -> Dict[str, Any]:
        return {
            "weight_concentration_prior_type": self.weight_concentration_prior_type,
            "weight_concentration_prior": self.weight_concentration_prior,
            "components": self._components_prior(n_features),
        }

    def _spec(self, seed: int, n_init: int) -> Dict[str, Any]:
        return {
            "family": {"family": self._family, **self._family_spec()},
            "n_components": int(self.n_components),
            "max_iter": int(self.max_iter),
            "tol": float(self.tol),
            "stop_rule": "loglik",
            "init": self.init_params,
            "seed": seed,
            "n_init": n_init,
            # Components the data do not need keep their prior: no degenerate policy applies.
            "on_degenerate": "reseed",
            "delete_moves": bool(self.delete_moves),
            "split_merge_moves": bool(self.split_merge_moves),
        }

    # --- fitting ---------------------------------------------------------------------------

    def fit(self, X: Any, y: Any = None, sample_weight: Any = None) -> "_BayesianMixture":
        """Estimates the posterior by variational inference: ``n_init`` runs (one with
        ``warm_start`` after a first fit) of at most ``max_iter`` iterations, stopping when the
        lower bound changes by less than ``tol``; the run with the best lower bound is kept.

        ``sample_weight`` are frequency weights (not in scikit-learn). Warns
        ``ConvergenceWarning`` when the best run did not converge.
        """
        self._check_parameters()
        warm = bool(self.warm_start) and hasattr(self, "_model")
        X = self._validate_X(X, reset=not warm)
        self._check_rows(X.shape)
        w = as_weights(sample_weight, X.shape[0])

        def run(spec: Dict[str, Any], prior: Dict[str, Any], start: Any, observer: Any) -> Any:
            return _engine.fit_variational(
                X, spec, prior, w, start=start, observer=observer, n_threads=get_num_threads()
            )

        return self._fit_variational(run, X.shape[1], warm)

    def _check_rows(self, shape: Tuple[int, ...]) -> None:
        self._check_n_samples(shape[0])

    def _fit_variational(self, run: Any, n_features: int, warm: bool) -> "_BayesianMixture":
        """The prior, spec, start and observer, then ``run(spec, prior, start, observer)``
        (which returns the engine's two models and report), then the fitted attributes."""
        prior = self._prior(n_features)
        n_init = 1 if warm or self.max_iter == 0 else int(self.n_init)
        spec = self._spec(self._seed(), n_init)
        start = self._posterior() if warm else None
        observer = _Verbose(self.verbose, self.verbose_interval) if self.verbose else None
        self._set_variational(*run(spec, prior, start, observer))
        return self

    def _posterior(self) -> Dict[str, Any]:
        """The fitted posterior as the engine takes a warm start."""
        wc = self.weight_concentration_
        wc = np.concatenate(wc) if isinstance(wc, tuple) else wc
        return {
            "weight_concentration": np.asarray(wc, dtype=np.float64).tolist(),
            "components": self._posterior_components,
            "previous_bound": float(self.lower_bound_) if np.isfinite(self.lower_bound_) else None,
        }

    def _set_variational(self, scoring: _engine.Model, reported: _engine.Model, report: Dict[str, Any]) -> None:
        self._model, self._sampler = scoring, reported
        self.report_ = report
        self._log_normaliser = float(report["log_normaliser"])
        self.converged_ = bool(report["converged"])
        self.n_iter_ = int(report["n_iter"])
        best = report.get("best_run", 0)
        self.lower_bounds_ = [h[2] for h in report["history"] if h[0] == best]
        self.lower_bound_ = float(report["lower_bound"])
        self.evidence_bound_ = float(report["evidence_bound"])
        # The engine's posterior as it takes it back (a warm start), exactly.
        self._posterior_components = report["posterior"]
        p = reported.parameters()
        dtype = np.dtype(reported.dtype)
        k = int(self.n_components)
        self.weights_ = p["weights"].astype(dtype, copy=False)
        # The posterior's components as the engine computes with them (the data's dtype).
        self.means_ = p["means"]
        self._set_component_attributes(p)
        wc = np.asarray(report["weight_concentration"], dtype=dtype)
        self.weight_concentration_ = (wc[:k], wc[k:]) if self.weight_concentration_prior_type == "dirichlet_process" else wc
        self.weight_concentration_prior_ = float(report["weight_concentration_prior"])
        self._set_posterior(report["posterior"], report["prior"], dtype)
        if not self.converged_ and self.max_iter > 0:
            warnings.warn(
                "Best performing initialization did not converge. Try different init "
                "parameters, or increase max_iter, tol, or check for degenerate data.",
                ConvergenceWarning,
                stacklevel=4,  # fit → _fit_variational → _set_variational
            )

    def _set_posterior(self, posterior: Dict[str, Any], prior: Dict[str, Any], dtype: np.dtype) -> None:
        """The family's posterior and resolved prior as fitted attributes."""
        raise NotImplementedError

    @property
    def partial_fit(self) -> Any:  # type: ignore[override]
        # An attribute error, so that hasattr() says what scikit-learn's class says.
        raise AttributeError(f"{type(self).__name__} has no partial_fit: use fit, or warm_start=True")

    # --- using the fitted model ------------------------------------------------------------

    def score_samples(self, X: Any, predictive: bool = False) -> np.ndarray:
        """scikit-learn's ``score_samples``: ``log Σ_k exp(E[ln π_k] + E[ln p(x | θ_k)])``
        under the posterior (not a normalised density). With ``predictive=True``, the log of
        the posterior predictive density instead (not in scikit-learn): the mixture, with the
        posterior mean weights, of each component's predictive density (Student-t for a
        Gaussian, Bernoulli at the posterior mean probabilities, Lomax for an exponential)."""
        model = self._fitted()
        X = self._validate_X(X, reset=False)
        if predictive:
            return self._predictive_log_density(X).astype(X.dtype, copy=False)
        out = model.score_samples(X)
        return (out + out.dtype.type(self._log_normaliser)).astype(X.dtype, copy=False)

    def _predictive_log_density(self, X: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def score(self, X: Any, y: Any = None, sample_weight: Any = None) -> float:
        """The mean of :meth:`score_samples` (weighted by ``sample_weight``)."""
        scores = self.score_samples(X)
        w = as_weights(sample_weight, scores.shape[0])
        if w is None:
            return scores.mean()
        return float(np.sum(w * scores.astype(np.float64)) / np.sum(w))

    def sample(self, n_samples: int = 1) -> Tuple[np.ndarray, np.ndarray]:
        """Draws from the posterior mean mixture, as scikit-learn's ``sample``."""
        self._fitted()
        if isinstance(n_samples, bool) or not isinstance(n_samples, numbers.Integral) or n_samples < 1:
            raise ValueError(
                f"Invalid value for 'n_samples': {n_samples!r} . The sampling requires at "
                "least one sample."
            )
        return self._sampler.sample(int(n_samples), self._seed())

    def bic(self, X: Any) -> float:
        """BIC of the posterior mean mixture."""
        self._fitted()
        return self._sampler.bic(self._validate_X(X, reset=False))

    def aic(self, X: Any) -> float:
        """AIC of the posterior mean mixture."""
        self._fitted()
        return self._sampler.aic(self._validate_X(X, reset=False))

    @property
    def counts_(self) -> np.ndarray:
        """Each component's total responsibility (its share of the rows' weight), read back
        from ``weight_concentration_`` (not in scikit-learn)."""
        self._fitted()
        if self.weight_concentration_prior_type == "dirichlet_process":
            counts = np.asarray(self.weight_concentration_[0], dtype=np.float64) - 1.0
        else:
            counts = np.asarray(self.weight_concentration_, dtype=np.float64) - self.weight_concentration_prior_
        return np.maximum(counts, 0.0)

    @property
    def n_effective_components_(self) -> int:
        """Components whose total responsibility is at least one row's weight: the
        components the data use (not in scikit-learn; its issue #7729)."""
        return int(np.sum(self.counts_ >= 1.0))


class BayesianGaussianMixture(_BayesianMixture):
    """Variational Bayesian Gaussian mixture in Rust, with scikit-learn's
    ``BayesianGaussianMixture`` interface: the same parameters, defaults, methods and fitted
    attributes, and its numbers from the same start.

    With a Dirichlet-process prior (the default) and a generous ``n_components``, the
    components the data do not need keep tiny weights: read the effective number of
    components from ``weights_`` (or ``n_effective_components_``).

    Beyond scikit-learn: ``evidence_bound_``, the evidence lower bound with every constant
    kept (scikit-learn's ``lower_bound_`` leaves out terms that depend on ``n_components``,
    the covariance type and the prior), a lower bound on the data's log marginal likelihood
    that compares fits of different ``n_components`` and covariance types (higher is better;
    ``mixture select --variational`` ranks by it).

    Parameters
    ----------
    n_components : int, default=1
    covariance_type : {'full', 'tied', 'diag', 'spherical'}, default='full'
    tol : float, default=1e-3
        Stop when the lower bound (a total over rows, as scikit-learn's) changes by less.
    reg_covar : float, default=1e-6
    max_iter : int, default=100
    n_init : int, default=1
        Initialisations to try; the run with the best lower bound is kept.
    delete_moves : bool, default=False
        After each run, switch off each component in use in turn (the smallest first) and
        run on from there, keeping a run that ends with a higher lower bound, until none does
        (not in scikit-learn). Climbs out of optima that hold redundant components: with it,
        five runs reach the best of scikit-learn's twenty random states in 22 of the 32 cells
        measured on real data (6 without; BENCHMARKS.md). Each move costs up to ``max_iter`` iterations.
    split_merge_moves : bool, default=False
        After each run (and its deletion moves), split one of the largest components in two
        along its principal axis, into a free component or into one freed by merging the two
        that overlap most, and run on from there, keeping a run that ends with a higher lower
        bound, until none does (not in scikit-learn). Reaches optima where every component is
        in use: with both moves, five runs reach or pass the best of scikit-learn's twenty
        random states in all 32 cells measured (BENCHMARKS.md). Each move costs up to
        ``max_iter`` iterations.
    init_params : {'kmeans', 'k-means++', 'random', 'random_from_data', 'hc'}, default='kmeans'
    weight_concentration_prior_type : {'dirichlet_process', 'dirichlet_distribution'}, default='dirichlet_process'
    weight_concentration_prior : float, default=None
        1 / n_components when None.
    mean_precision_prior : float, default=None
        1 when None.
    mean_prior : array-like of shape (n_features,), default=None
        The data's mean when None.
    degrees_of_freedom_prior : float, default=None
        n_features when None; must exceed n_features - 1.
    covariance_prior : float or array-like, default=None
        The data's covariance (its diagonal for 'diag', their mean for 'spherical') when None.
    random_state : int, RandomState instance or None, default=None
    warm_start : bool, default=False
    verbose : int, default=0
    verbose_interval : int, default=10

    Examples
    --------
    >>> import numpy as np
    >>> from mixture_em import BayesianGaussianMixture
    >>> X = np.array([[1, 2], [1, 4], [1, 0], [4, 2], [12, 4], [10, 7]])
    >>> bgm = BayesianGaussianMixture(n_components=2, random_state=42).fit(X)
    >>> bgm.means_.round(2)
    array([[2.5 , 2.29],
           [8.46, 4.52]])
    """

    _family = "gaussian"

    def __init__(
        self,
        *,
        n_components: int = 1,
        covariance_type: str = "full",
        tol: float = 1e-3,
        reg_covar: float = 1e-6,
        max_iter: int = 100,
        n_init: int = 1,
        delete_moves: bool = False,
        split_merge_moves: bool = False,
        init_params: str = "kmeans",
        weight_concentration_prior_type: str = "dirichlet_process",
        weight_concentration_prior: Optional[float] = None,
        mean_precision_prior: Optional[float] = None,
        mean_prior: Any = None,
        degrees_of_freedom_prior: Optional[float] = None,
        covariance_prior: Any = None,
        random_state: Any = None,
        warm_start: bool = False,
        verbose: int = 0,
        verbose_interval: int = 10,
    ) -> None:
        self.n_components = n_components
        self.covariance_type = covariance_type
        self.tol = tol
        self.reg_covar = reg_covar
        self.max_iter = max_iter
        self.n_init = n_init
        self.delete_moves = delete_moves
        self.split_merge_moves = split_merge_moves
        self.init_params = init_params
        self.weight_concentration_prior_type = weight_concentration_prior_type
        self.weight_concentration_prior = weight_concentration_prior
        self.mean_precision_prior = mean_precision_prior
        self.mean_prior = mean_prior
        self.degrees_of_freedom_prior = degrees_of_freedom_prior
        self.covariance_prior = covariance_prior
        self.random_state = random_state
        self.warm_start = warm_start
        self.verbose = verbose
        self.verbose_interval = verbose_interval

    # --- the family's part -------------------------------------------------------------------

    def _check_component_parameters(self, owner: str) -> None:
        _check_real(owner, "reg_covar", self.reg_covar)
        _check_choice(owner, "covariance_type", self.covariance_type, _TYPES)
        for name in ("mean_precision_prior", "degrees_of_freedom_prior"):
            _check_positive_or_none(owner, name, getattr(self, name))
        if isinstance(self.covariance_prior, numbers.Real) and not isinstance(self.covariance_prior, bool):
            _check_positive_or_none(owner, "covariance_prior", self.covariance_prior)

    def _components_prior(self, n_features: int) -> Dict[str, Any]:
        """The Gaussian–Wishart prior in the engine's names, checked with scikit-learn's
        messages."""
        d = n_features
        components: Dict[str, Any] = {
            "mean_precision": self.mean_precision_prior,
            "degrees_of_freedom": self.degrees_of_freedom_prior,
        }
        if self.mean_prior is not None:
            mean = check_array(self.mean_prior, dtype=[np.float64, np.float32], ensure_2d=False)
            if mean.shape != (d,):
                raise ValueError(f"The parameter 'means' should have the shape of {(d,)}, but got {mean.shape}")
            components["mean"] = mean.astype(np.float64).tolist()
        dof = self.degrees_of_freedom_prior
        if dof is not None and not dof > d - 1.0:
            raise ValueError(
                "The parameter 'degrees_of_freedom_prior' should be greater than %d, but got %.3f."
                % (d - 1, dof)
            )
        kind = self.covariance_type
        if self.covariance_prior is not None:
            if kind == "spherical":
                value = float(self.covariance_prior)
                if not value > 0:
                    raise ValueError(
                        f"The parameter 'spherical covariance_prior' should be greater than 0., but got {value:.3f}."
                    )
                components["covariance"] = [value]
            else:
                cov = check_array(self.covariance_prior, dtype=[np.float64, np.float32], ensure_2d=False)
                shape = (d, d) if kind in ("full", "tied") else (d,)
                if cov.shape != shape:
                    raise ValueError(
                        f"The parameter '{kind} covariance_prior' should have the shape of {shape}, but got {cov.shape}"
                    )
                if kind == "diag" and np.any(cov <= 0.0):
                    raise ValueError(f"'{kind} precision' should be positive")
                if kind != "diag" and not (
                    np.all(np.isclose(cov, cov.T)) and np.all(np.linalg.eigvalsh(cov) > 0.0)
                ):
                    raise ValueError(f"'{kind} precision' should be symmetric, positive-definite")
                if kind != "diag":
                    cov = 0.5 * (cov + cov.T)  # the engine wants it exactly symmetric
                components["covariance"] = np.ravel(cov.astype(np.float64)).tolist()
        return components

    def _family_spec(self) -> Dict[str, Any]:
        return {"covariance": self.covariance_type, "reg_covar": float(self.reg_covar)}

    def _check_rows(self, shape: Tuple[int, ...]) -> None:
        if shape[0] < 2:
            # scikit-learn's requirement and message (the default covariance prior is the
            # data's covariance).
            raise ValueError(
                f"Found array with {shape[0]} sample(s) (shape={tuple(shape)}) while a minimum "
                f"of 2 is required by {type(self).__name__}."
            )
        self._check_n_samples(shape[0])

    def _set_component_attributes(self, p: Dict[str, Any]) -> None:
        GaussianMixture._set_component_attributes(self, p)  # type: ignore[arg-type]

    def _set_posterior(self, posterior: Dict[str, Any], prior: Dict[str, Any], dtype: np.dtype) -> None:
        k, d = len(posterior["mean_precision"]), int(self.n_features_in_)
        shape = {"full": (k, d, d), "tied": (d, d), "diag": (k, d), "spherical": (k,)}[self.covariance_type]
        self._posterior_covariances = np.asarray(posterior["covariances"], dtype=np.float64).reshape(shape)
        self.mean_precision_ = np.asarray(posterior["mean_precision"], dtype=dtype)
        dof = np.asarray(posterior["degrees_of_freedom"], dtype=dtype)
        self.degrees_of_freedom_ = dof[0] if self.covariance_type == "tied" else dof
        self.mean_precision_prior_ = float(prior["mean_precision"])
        self.mean_prior_ = np.asarray(prior["mean"], dtype=np.float64)
        self.degrees_of_freedom_prior_ = float(prior["degrees_of_freedom"])
        cov_prior = np.asarray(prior["covariance"], dtype=np.float64)
        self.covariance_prior_ = {
            "full": lambda c: c.reshape(d, d),
            "tied": lambda c: c.reshape(d, d),
            "diag": lambda c: c,
            "spherical": lambda c: float(c[0]),
        }[self.covariance_type](cov_prior)

    def _kind(self) -> str:
        return self.covariance_type

    # --- beyond scikit-learn ----------------------------------------------------------------

    def pruned(self, min_rows: float = 1.0) -> GaussianMixture:
        """The fitted posterior mean mixture without its switched-off components (those of
        total responsibility below ``min_rows`` rows), as a fitted ``GaussianMixture``: its
        weights renormalised, its means and covariances this model's (not in scikit-learn;
        its issue #7729)."""
        self._fitted()
        keep = np.flatnonzero(self.counts_ >= min_rows)
        if keep.size == 0:
            raise ValueError(f"no component has {min_rows} rows' weight: lower min_rows")
        weights = np.asarray(self.weights_, dtype=np.float64)[keep]
        covariances = self.covariances_ if self.covariance_type == "tied" else self.covariances_[keep]
        gm = GaussianMixture(
            n_components=int(keep.size), covariance_type=self.covariance_type, reg_covar=self.reg_covar
        )
        gm.n_features_in_ = self.n_features_in_
        model = gm._model_from(
            weights / weights.sum(),
            {"means": self.means_[keep], "covariances": covariances},
            self._fitted().dtype,
        )
        gm._set_fitted(
            model,
            {"n_iter": self.n_iter_, "converged": self.converged_, "history": [],
             "mean_log_likelihood": np.nan},
        )
        return gm

    def _predictive_log_density(self, X: np.ndarray) -> np.ndarray:
        """``ln Σ_k w_k St(x | m_k, L_k, ν_k + 1 − D)`` (Bishop, PRML 10.81–10.82) with the
        posterior mean weights ``w_k``."""
        X = np.asarray(X, dtype=np.float64)
        n, d = X.shape
        k = len(self.mean_precision_)
        dof = np.broadcast_to(np.asarray(self.degrees_of_freedom_, dtype=np.float64), (k,))
        beta = np.asarray(self.mean_precision_, dtype=np.float64)
        means = np.asarray(self.means_, dtype=np.float64)
        # The Wishart's scale inverse W⁻¹ = covariances_ · ν; the t's scale matrix is
        # W⁻¹ (1 + β) / (β (ν + 1 − D)).
        cov = self._posterior_covariances
        full = {
            "full": lambda: cov,
            "tied": lambda: np.broadcast_to(cov, (k, d, d)),
            "diag": lambda: np.stack([np.diag(c) for c in cov]),
            "spherical": lambda: np.stack([c * np.eye(d) for c in cov]),
        }[self.covariance_type]()
        t_dof = dof + 1.0 - d
        logs = np.empty((n, k))
        for c in range(k):
            scale = full[c] * dof[c] * (1.0 + beta[c]) / (beta[c] * t_dof[c])
            chol = np.linalg.cholesky(scale)
            z = np.linalg.solve(chol, (X - means[c]).T)
            maha = np.sum(z * z, axis=0)
            log_det = 2.0 * np.sum(np.log(np.diag(chol)))
            nu = t_dof[c]
            logs[:, c] = (
                gammaln(0.5 * (nu + d)) - gammaln(0.5 * nu) - 0.5 * d * np.log(nu * np.pi)
                - 0.5 * log_det - 0.5 * (nu + d) * np.log1p(maha / nu)
            )
        logs += np.log(np.asarray(self.weights_, dtype=np.float64))
        return logsumexp(logs, axis=1)


def _check_pair(owner: str, name: str, value: Any) -> Optional[Tuple[float, float]]:
    """``None`` or two positive finite numbers, refused with a message naming ``name``."""
    if value is None:
        return None
    pair = np.asarray(value, dtype=np.float64) if not isinstance(value, str) else np.array([])
    if pair.shape != (2,) or not np.all(np.isfinite(pair) & (pair > 0)):
        raise ValueError(f"The '{name}' parameter of {owner} must be None or two positive numbers (a, b). Got {value!r} instead.")
    return float(pair[0]), float(pair[1])


class BayesianBernoulliMixture(_BayesianMixture):
    """Variational Bayesian mixture of multivariate Bernoulli distributions in Rust, with
    ``BayesianGaussianMixture``'s interface: a Dirichlet-process or Dirichlet prior on the
    weights and a Beta prior on every probability (not in scikit-learn).

    Features are binarized as ``BernoulliMixture`` does (``binarize``). ``means_`` holds the
    probabilities the E-step uses (``exp E[ln p]`` normalised against ``exp E[ln (1 − p)]``);
    ``beta_posterior_`` holds the posterior's Beta parameters ``(a, b)``, K×D each, whose
    means ``a / (a + b)`` give the posterior predictive density
    (``score_samples(X, predictive=True)``).

    Parameters
    ----------
    n_components : int, default=1
    tol : float, default=1e-3
    max_iter : int, default=100
    n_init : int, default=1
    delete_moves : bool, default=False
        As ``BayesianGaussianMixture``'s.
    split_merge_moves : bool, default=False
        As ``BayesianGaussianMixture``'s.
    init_params : {'kmeans', 'k-means++', 'random', 'random_from_data', 'hc'}, default='kmeans'
    weight_concentration_prior_type : {'dirichlet_process', 'dirichlet_distribution'}, default='dirichlet_process'
    weight_concentration_prior : float, default=None
        1 / n_components when None.
    beta_prior : (float, float), default=None
        The Beta(a, b) prior on every probability; (1, 1), uniform, when None.
    binarize : float or None, default=0.0
    random_state : int, RandomState instance or None, default=None
    warm_start : bool, default=False
    verbose : int, default=0
    verbose_interval : int, default=10

    Examples
    --------
    >>> import numpy as np
    >>> from mixture_em import BayesianBernoulliMixture
    >>> X = np.array([[1, 1, 0, 0]] * 20 + [[0, 0, 1, 1]] * 20)
    >>> bm = BayesianBernoulliMixture(n_components=5, random_state=0).fit(X)
    >>> bm.n_effective_components_
    2
    """

    _family = "bernoulli"
    _transforms_data = True

    def __init__(
        self,
        *,
        n_components: int = 1,
        tol: float = 1e-3,
        max_iter: int = 100,
        n_init: int = 1,
        delete_moves: bool = False,
        split_merge_moves: bool = False,
        init_params: str = "kmeans",
        weight_concentration_prior_type: str = "dirichlet_process",
        weight_concentration_prior: Optional[float] = None,
        beta_prior: Optional[Tuple[float, float]] = None,
        binarize: Optional[float] = 0.0,
        random_state: Any = None,
        warm_start: bool = False,
        verbose: int = 0,
        verbose_interval: int = 10,
    ) -> None:
        self.n_components = n_components
        self.tol = tol
        self.max_iter = max_iter
        self.n_init = n_init
        self.delete_moves = delete_moves
        self.split_merge_moves = split_merge_moves
        self.init_params = init_params
        self.weight_concentration_prior_type = weight_concentration_prior_type
        self.weight_concentration_prior = weight_concentration_prior
        self.beta_prior = beta_prior
        self.binarize = binarize
        self.random_state = random_state
        self.warm_start = warm_start
        self.verbose = verbose
        self.verbose_interval = verbose_interval

    _to_domain = BernoulliMixture._to_domain

    def _check_component_parameters(self, owner: str) -> None:
        _check_pair(owner, "beta_prior", self.beta_prior)

    def _components_prior(self, n_features: int) -> Dict[str, Any]:
        pair = _check_pair(type(self).__name__, "beta_prior", self.beta_prior)
        return {} if pair is None else {"a": pair[0], "b": pair[1]}

    def _family_spec(self) -> Dict[str, Any]:
        return {}

    def _set_component_attributes(self, p: Dict[str, Any]) -> None:
        self.means_ = p["probabilities"]

    def _set_posterior(self, posterior: Dict[str, Any], prior: Dict[str, Any], dtype: np.dtype) -> None:
        k, d = int(self.n_components), int(self.n_features_in_)
        self.beta_posterior_ = (
            np.asarray(posterior["a"], dtype=np.float64).reshape(k, d),
            np.asarray(posterior["b"], dtype=np.float64).reshape(k, d),
        )
        self.beta_prior_ = (float(prior["a"]), float(prior["b"]))

    def _predictive_log_density(self, X: np.ndarray) -> np.ndarray:
        """``ln Σ_k w_k Π_j q_kj^x (1 − q_kj)^(1−x)`` with ``q = a / (a + b)``: the Beta's
        mean is the predictive probability of a 1."""
        a, b = self.beta_posterior_
        X = np.asarray(X, dtype=np.float64)
        log_q, log_r = np.log(a) - np.log(a + b), np.log(b) - np.log(a + b)
        logs = X @ log_q.T + (1.0 - X) @ log_r.T
        return logsumexp(logs + np.log(np.asarray(self.weights_, dtype=np.float64)), axis=1)


class BayesianExponentialMixture(_BayesianMixture):
    """Variational Bayesian mixture of products of exponential distributions in Rust, with
    ``BayesianGaussianMixture``'s interface: a Dirichlet-process or Dirichlet prior on the
    weights and a Gamma prior on every rate (not in scikit-learn).

    ``rates_`` holds the posterior mean rates and ``means_`` their inverses;
    ``gamma_posterior_`` holds the posterior's Gamma shapes and rates, K×D each. The posterior
    predictive density of a feature is a Lomax (Pareto type II) density
    (``score_samples(X, predictive=True)``).

    Parameters
    ----------
    n_components : int, default=1
    tol : float, default=1e-3
    max_iter : int, default=100
    n_init : int, default=1
    delete_moves : bool, default=False
        As ``BayesianGaussianMixture``'s.
    split_merge_moves : bool, default=False
        As ``BayesianGaussianMixture``'s.
    init_params : {'kmeans', 'k-means++', 'random', 'random_from_data', 'hc'}, default='kmeans'
    weight_concentration_prior_type : {'dirichlet_process', 'dirichlet_distribution'}, default='dirichlet_process'
    weight_concentration_prior : float, default=None
        1 / n_components when None.
    gamma_shape_prior : float, default=None
        The Gamma prior's shape (1 when None).
    gamma_rate_prior : array-like of shape (n_features,), default=None
        The Gamma prior's rates; the shape times each feature's mean when None (so the
        prior's mean rate is the inverse of the feature's mean).
    min_mean : float, default=1e-10
    random_state : int, RandomState instance or None, default=None
    warm_start : bool, default=False
    verbose : int, default=0
    verbose_interval : int, default=10

    Examples
    --------
    >>> import numpy as np
    >>> from mixture_em import BayesianExponentialMixture
    >>> rng = np.random.default_rng(0)
    >>> X = np.vstack([rng.exponential(0.1, (500, 1)), rng.exponential(10.0, (500, 1))])
    >>> em = BayesianExponentialMixture(
    ...     n_components=4, weight_concentration_prior=1e-3, max_iter=1000, random_state=0
    ... ).fit(X)
    >>> np.round(np.sort(em.means_[em.counts_ >= 1].ravel()), 1)
    array([0.1, 9.5])
    """

    _family = "exponential"

    def __init__(
        self,
        *,
        n_components: int = 1,
        tol: float = 1e-3,
        max_iter: int = 100,
        n_init: int = 1,
        delete_moves: bool = False,
        split_merge_moves: bool = False,
        init_params: str = "kmeans",
        weight_concentration_prior_type: str = "dirichlet_process",
        weight_concentration_prior: Optional[float] = None,
        gamma_shape_prior: Optional[float] = None,
        gamma_rate_prior: Any = None,
        min_mean: float = 1e-10,
        random_state: Any = None,
        warm_start: bool = False,
        verbose: int = 0,
        verbose_interval: int = 10,
    ) -> None:
        self.n_components = n_components
        self.tol = tol
        self.max_iter = max_iter
        self.n_init = n_init
        self.delete_moves = delete_moves
        self.split_merge_moves = split_merge_moves
        self.init_params = init_params
        self.weight_concentration_prior_type = weight_concentration_prior_type
        self.weight_concentration_prior = weight_concentration_prior
        self.gamma_shape_prior = gamma_shape_prior
        self.gamma_rate_prior = gamma_rate_prior
        self.min_mean = min_mean
        self.random_state = random_state
        self.warm_start = warm_start
        self.verbose = verbose
        self.verbose_interval = verbose_interval

    def __sklearn_tags__(self):  # type: ignore[no-untyped-def]
        tags = super().__sklearn_tags__()
        tags.input_tags.positive_only = True
        return tags

    _to_domain = ExponentialMixture._to_domain

    def _check_component_parameters(self, owner: str) -> None:
        _check_positive_or_none(owner, "gamma_shape_prior", self.gamma_shape_prior)
        _check_real(owner, "min_mean", self.min_mean)

    def _components_prior(self, n_features: int) -> Dict[str, Any]:
        prior: Dict[str, Any] = {"shape": self.gamma_shape_prior}
        if self.gamma_rate_prior is not None:
            rate = np.asarray(self.gamma_rate_prior, dtype=np.float64)
            if rate.shape != (n_features,) or not np.all(np.isfinite(rate) & (rate > 0)):
                raise ValueError(
                    f"The parameter 'gamma_rate_prior' should be {n_features} positive rates, "
                    f"but got {self.gamma_rate_prior!r}"
                )
            prior["rate"] = rate.tolist()
        return prior

    def _family_spec(self) -> Dict[str, Any]:
        return {"min_mean": float(self.min_mean)}

    def _set_component_attributes(self, p: Dict[str, Any]) -> None:
        self.rates_ = p["rates"]

    def _set_posterior(self, posterior: Dict[str, Any], prior: Dict[str, Any], dtype: np.dtype) -> None:
        k, d = int(self.n_components), int(self.n_features_in_)
        self.gamma_posterior_ = (
            np.asarray(posterior["shape"], dtype=np.float64).reshape(k, d),
            np.asarray(posterior["rate"], dtype=np.float64).reshape(k, d),
        )
        self.gamma_shape_prior_ = float(prior["shape"])
        self.gamma_rate_prior_ = np.asarray(prior["rate"], dtype=np.float64)

    def _predictive_log_density(self, X: np.ndarray) -> np.ndarray:
        """``ln Σ_k w_k Π_j a b^a / (b + x)^(a + 1)``: a Gamma(a, b) rate integrated out of an
        exponential density is a Lomax density."""
        a, b = self.gamma_posterior_
        X = np.asarray(X, dtype=np.float64)
        n, k = X.shape[0], a.shape[0]
        logs = np.empty((n, k))
        for c in range(k):
            logs[:, c] = np.sum(np.log(a[c]) + a[c] * np.log(b[c]) - (a[c] + 1.0) * np.log(b[c] + X), axis=1)
        return logsumexp(logs + np.log(np.asarray(self.weights_, dtype=np.float64)), axis=1)
