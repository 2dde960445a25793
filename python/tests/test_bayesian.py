"""BayesianGaussianMixture: scikit-learn's class's numbers and behaviour (its own tests run in
scripts/sklearn_own_tests.py), and what we add: sample_weight, float32, pickling, warm starts,
the posterior predictive density, the effective number of components, the Dask twin."""

import pickle
import warnings

import numpy as np
import pytest
from scipy import stats
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import BayesianGaussianMixture as SkBGMM

from mixture_em import BayesianGaussianMixture

TYPES = ("full", "tied", "diag", "spherical")
PRIORS = ("dirichlet_process", "dirichlet_distribution")


def blobs(n_per=200, seed=0, d=2):
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 0.0], [6.0, 1.0], [-2.0, 7.0]])[:, :d]
    return np.vstack([rng.normal(c, 1.0, (n_per, d)) for c in centres])


@pytest.mark.parametrize("kind", TYPES)
def test_the_optimum_is_scikit_learns(kind):
    # Separated blobs, a Dirichlet-distribution prior (whose bound does not depend on the
    # components' order), both started by k-means: the same optimum (lower bound, weights and
    # means once sorted) as scikit-learn's class.
    X = blobs()
    params = dict(n_components=5, covariance_type=kind, weight_concentration_prior_type="dirichlet_distribution",
                  max_iter=500, tol=1e-8, random_state=0, n_init=3)
    ours = BayesianGaussianMixture(**params).fit(X)
    theirs = SkBGMM(**params).fit(X)
    assert ours.converged_ and theirs.converged_
    assert ours.lower_bound_ == pytest.approx(np.squeeze(theirs.lower_bound_), rel=1e-6)
    order = lambda m: np.lexsort(np.round(m.means_.T, 3))  # noqa: E731
    np.testing.assert_allclose(ours.weights_[order(ours)], theirs.weights_[order(theirs)], atol=1e-6)
    np.testing.assert_allclose(ours.means_[order(ours)], theirs.means_[order(theirs)], atol=1e-4)
    np.testing.assert_allclose(ours.covariance_prior_, theirs.covariance_prior_, rtol=1e-12)
    np.testing.assert_allclose(ours.mean_prior_, theirs.mean_prior_, rtol=1e-12)


@pytest.mark.parametrize("kind", TYPES)
def test_a_dirichlet_process_reaches_scikit_learns_best_bound(kind):
    # Under a Dirichlet process the bound depends on the components' order, and each start
    # climbs to its own. Our runs start with the components in decreasing size: five of them
    # reach (or pass) the best of scikit-learn's over five random states.
    X = blobs()
    params = dict(n_components=5, covariance_type=kind, max_iter=500, tol=1e-8)
    ours = BayesianGaussianMixture(**params, n_init=5, random_state=0).fit(X).lower_bound_
    theirs = max(float(np.squeeze(SkBGMM(**params, random_state=s).fit(X).lower_bound_)) for s in range(5))
    assert ours >= theirs - 1e-9 * abs(theirs)


def test_a_generous_k_is_switched_off_and_pruned_by_the_weights():
    X = blobs(seed=1)
    bgm = BayesianGaussianMixture(n_components=10, max_iter=1000, random_state=0).fit(X)
    assert bgm.converged_
    assert bgm.n_effective_components_ == 3
    assert np.sum(bgm.weights_ > 0.05) == 3
    # Pruned, the model is the three used components' mixture.
    pruned = bgm.pruned()
    keep = bgm.counts_ >= 1.0
    assert pruned.n_components == 3 and pruned.weights_.sum() == pytest.approx(1.0)
    np.testing.assert_array_equal(pruned.means_, bgm.means_[keep])
    np.testing.assert_allclose(pruned.covariances_, bgm.covariances_[keep], rtol=1e-12)
    np.testing.assert_allclose(pruned.predict(X), np.searchsorted(np.flatnonzero(keep), bgm.predict(X)))


def test_integer_sample_weights_are_repeated_rows():
    X = blobs(n_per=60, seed=2)
    w = np.arange(len(X)) % 3
    repeated = np.repeat(X, w, axis=0)
    # Starts differ (the initialisation samples rows), so compare converged optima, under a
    # prior whose optimum here is unique (three blobs, three components, any order).
    kw = dict(n_components=3, max_iter=1000, tol=1e-10, random_state=0, n_init=2,
              weight_concentration_prior_type="dirichlet_distribution")
    a = BayesianGaussianMixture(**kw).fit(X, sample_weight=w.astype(float))
    b = BayesianGaussianMixture(**kw).fit(repeated)
    assert a.lower_bound_ == pytest.approx(b.lower_bound_, rel=1e-8)
    order = lambda m: np.argsort(m.means_[:, 0])  # noqa: E731
    np.testing.assert_allclose(a.means_[order(a)], b.means_[order(b)], rtol=1e-6)
    np.testing.assert_allclose(a.covariances_[order(a)], b.covariances_[order(b)], rtol=1e-6)


def test_float32_stays_float32_and_pickles():
    X = blobs(seed=3).astype(np.float32)
    bgm = BayesianGaussianMixture(n_components=3, random_state=0).fit(X)
    for name in ("weights_", "means_", "covariances_", "precisions_", "precisions_cholesky_", "mean_precision_"):
        assert getattr(bgm, name).dtype == np.float32, name
    assert bgm.score_samples(X).dtype == np.float32
    again = pickle.loads(pickle.dumps(bgm))
    np.testing.assert_array_equal(again.predict_proba(X), bgm.predict_proba(X))
    np.testing.assert_array_equal(again.score_samples(X), bgm.score_samples(X))
    np.testing.assert_array_equal(again.sample(5)[0], bgm.sample(5)[0])


def test_warm_starts_of_one_iteration_reach_one_fit_of_many():
    X = blobs(seed=4)
    whole = BayesianGaussianMixture(n_components=4, max_iter=8, tol=0, random_state=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        whole.fit(X)
        warm = BayesianGaussianMixture(n_components=4, max_iter=1, tol=0, random_state=1, warm_start=True)
        for _ in range(8):
            warm.fit(X)
    np.testing.assert_allclose(warm.means_, whole.means_, rtol=1e-12)
    assert warm.lower_bound_ == pytest.approx(whole.lower_bound_, rel=1e-12)


def test_the_predictive_density_is_a_normalised_student_t_mixture():
    rng = np.random.default_rng(5)
    X = np.concatenate([rng.normal(0, 1, 40), rng.normal(5, 0.5, 30)])[:, None]
    bgm = BayesianGaussianMixture(n_components=2, random_state=0, max_iter=500).fit(X)
    grid = np.linspace(-30, 35, 200001)[:, None]
    density = np.exp(bgm.score_samples(grid, predictive=True))
    assert np.trapezoid(density, grid[:, 0]) == pytest.approx(1.0, abs=1e-4)
    # One component's predictive density is Bishop's Student-t (PRML 10.81-82).
    one = BayesianGaussianMixture(n_components=1, random_state=0).fit(X)
    nu = one.degrees_of_freedom_[0] + 1 - 1
    beta = one.mean_precision_[0]
    scale2 = one.covariances_[0, 0, 0] * one.degrees_of_freedom_[0] * (1 + beta) / (beta * nu)
    want = stats.t.logpdf(X[:5, 0], df=nu, loc=one.means_[0, 0], scale=np.sqrt(scale2))
    np.testing.assert_allclose(one.score_samples(X[:5], predictive=True), want, rtol=1e-12)


@pytest.mark.parametrize(
    "params,message",
    [
        (dict(weight_concentration_prior=0.0), "weight_concentration_prior"),
        (dict(mean_precision_prior=-1.0), "mean_precision_prior"),
        (dict(degrees_of_freedom_prior=0.5), "degrees_of_freedom_prior' should be greater than 1"),
        (dict(mean_prior=[0.0, 0.0, 0.0]), "'means' should have the shape of"),
        (dict(covariance_prior=[[1.0, 2.0], [2.0, 1.0]]), "symmetric, positive-definite"),
        (dict(covariance_type="diag", covariance_prior=[1.0, -1.0]), "should be positive"),
        (dict(covariance_type="spherical", covariance_prior=-2.0), "covariance_prior"),
        (dict(weight_concentration_prior_type="pitman_yor"), "weight_concentration_prior_type"),
        (dict(covariance_type="VEV"), "covariance_type"),
    ],
)
def test_priors_outside_their_domain_are_refused_with_scikit_learns_messages(params, message):
    with pytest.raises(ValueError, match=message):
        BayesianGaussianMixture(**params).fit(blobs(n_per=10))


@pytest.mark.parametrize("moves", [{}, dict(delete_moves=True, split_merge_moves=True)])
def test_the_dask_twin_has_the_bits_of_the_in_memory_fit(moves):
    da = pytest.importorskip("dask.array")
    dask = pytest.importorskip("dask")
    from mixture_em import dask as mdask

    X = blobs(n_per=700, seed=6)  # 2100 rows: chunks of 512 (2 blocks of 256), the last shorter
    w = np.linspace(0.0, 2.0, len(X))
    params = dict(n_components=4, n_init=2, max_iter=30, random_state=2, **moves)
    with dask.config.set(scheduler="threads"), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        on_dask = mdask.BayesianGaussianMixture(**params).fit(da.from_array(X, chunks=(512, 2)), sample_weight=w)
        memory = BayesianGaussianMixture(**params).fit(X, sample_weight=w)
        np.testing.assert_array_equal(on_dask.means_, memory.means_)
        np.testing.assert_array_equal(on_dask.covariances_, memory.covariances_)
        assert on_dask.lower_bounds_ == memory.lower_bounds_
        dX = da.from_array(X, chunks=(512, 2))
        np.testing.assert_allclose(on_dask.score_samples(dX).compute(), memory.score_samples(X), rtol=1e-12)
        assert on_dask.score(dX) == pytest.approx(memory.score(X), rel=1e-12)
        np.testing.assert_array_equal(on_dask.predict(dX).compute(), memory.predict(X))


def test_the_evidence_bound_of_one_component_is_the_log_marginal_likelihood():
    # With one component the variational posterior is the exact one, so the bound with every
    # constant kept is ln p(X) of the Gaussian–Wishart model, in closed form (Murphy 2007).
    from scipy.special import multigammaln

    x = np.random.default_rng(5).normal(size=(80, 3)) @ np.array([[1.0, 0.4, 0.0], [0.0, 1.0, 0.3], [0.0, 0.0, 0.5]])
    n, d = x.shape
    beta0, nu0, m0 = 0.5, 4.5, np.array([0.2, -0.1, 0.4])
    psi0 = np.array([[0.9, 0.1, 0.0], [0.1, 0.7, 0.2], [0.0, 0.2, 1.3]])
    fit = BayesianGaussianMixture(
        n_components=1, weight_concentration_prior_type="dirichlet_distribution",
        mean_precision_prior=beta0, mean_prior=m0, degrees_of_freedom_prior=nu0,
        covariance_prior=psi0, reg_covar=0.0, max_iter=2, tol=0.0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fit.fit(x)
    mean = x.mean(axis=0)
    scatter = (x - mean).T @ (x - mean)
    psi_n = psi0 + scatter + beta0 * n / (beta0 + n) * np.outer(mean - m0, mean - m0)
    exact = (
        -0.5 * n * d * np.log(np.pi) + multigammaln(0.5 * (nu0 + n), d) - multigammaln(0.5 * nu0, d)
        + 0.5 * nu0 * np.linalg.slogdet(psi0)[1] - 0.5 * (nu0 + n) * np.linalg.slogdet(psi_n)[1]
        + 0.5 * d * np.log(beta0 / (beta0 + n))
    )
    assert fit.evidence_bound_ == pytest.approx(exact, rel=1e-11)
    # scikit-learn's bound leaves constants out: it is not the evidence.
    assert abs(fit.lower_bound_ - exact) > 1.0


def test_delete_moves_climb_out_of_redundant_components():
    # Overlapping blobs and a generous K: a run ends holding components the data do not
    # need; switching them off one at a time and running on ends higher, never lower.
    rng = np.random.default_rng(3)
    X = np.vstack([rng.normal(c, 1.0, (150, 3)) for c in ([0, 0, 0], [2.5, 0, 0], [0, 2.5, 1])])
    gained = 0
    for kind in TYPES:
        params = dict(n_components=10, covariance_type=kind, random_state=1, max_iter=300)
        plain = BayesianGaussianMixture(**params).fit(X)
        moved = BayesianGaussianMixture(**params, delete_moves=True).fit(X)
        assert moved.lower_bound_ >= plain.lower_bound_
        gained += moved.lower_bound_ > plain.lower_bound_ + 1e-6
        assert moved.n_iter_ >= plain.n_iter_
    assert gained >= 2
    with pytest.raises(ValueError, match="delete_moves"):
        BayesianGaussianMixture(delete_moves="yes").fit(X)


def test_split_merge_moves_climb_out_where_every_component_is_in_use():
    # Six overlapping blobs and K = 4: every component holds rows, so no deletion frees one;
    # merging an overlapping pair and splitting a large component ends higher, never lower.
    rng = np.random.default_rng(7)
    centres = rng.normal(0.0, 2.0, (6, 3))
    X = np.vstack([rng.normal(c, 1.0, (120, 3)) for c in centres])
    gained = 0
    for kind in TYPES:
        params = dict(n_components=4, covariance_type=kind, random_state=1, max_iter=300)
        plain = BayesianGaussianMixture(**params).fit(X)
        moved = BayesianGaussianMixture(**params, split_merge_moves=True).fit(X)
        assert moved.lower_bound_ >= plain.lower_bound_
        if moved.lower_bound_ > plain.lower_bound_ + 1e-6:
            gained += 1
            # The moves' iterations count: the run went on from where it had stopped.
            assert moved.n_iter_ > plain.n_iter_
    assert gained >= 1
    with pytest.raises(ValueError, match="split_merge_moves"):
        BayesianGaussianMixture(split_merge_moves=1).fit(X)
