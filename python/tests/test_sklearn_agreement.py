"""From the same start, after the same number of iterations, our estimators give scikit-learn's
numbers (1e-9 relative), for every covariance type and in both precisions' sense."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture as SklearnGaussianMixture

from mixture_em import GaussianMixture

from conftest import blobs

COVARIANCE_TYPES = ["full", "tied", "diag", "spherical"]


def start_for(X, covariance_type, k):
    """A start that is not yet a fixed point: scikit-learn after two iterations from k-means."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        s = SklearnGaussianMixture(k, covariance_type=covariance_type, max_iter=2, random_state=3).fit(X)
    return {"weights_init": s.weights_, "means_init": s.means_, "precisions_init": s.precisions_}


def rel(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
@pytest.mark.parametrize("max_iter", [1, 7])
def test_same_start_same_numbers(covariance_type, max_iter):
    X = blobs(n_per=300, d=4, k=3, seed=11)
    start = start_for(X, covariance_type, 4)
    kw = dict(covariance_type=covariance_type, max_iter=max_iter, tol=0.0, **start)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        theirs = SklearnGaussianMixture(4, **kw).fit(X)
        ours = GaussianMixture(4, **kw).fit(X)
    for name in ("weights_", "means_", "covariances_", "precisions_", "precisions_cholesky_"):
        assert rel(getattr(ours, name), getattr(theirs, name)) < 1e-9, name
        assert getattr(ours, name).shape == getattr(theirs, name).shape, name
    assert ours.n_iter_ == theirs.n_iter_ == max_iter
    assert abs(ours.lower_bound_ - theirs.lower_bound_) < 1e-9 * abs(theirs.lower_bound_)
    assert rel(ours.lower_bounds_, theirs.lower_bounds_) < 1e-9
    assert rel(ours.score_samples(X), theirs.score_samples(X)) < 1e-9
    assert rel(ours.predict_proba(X), theirs.predict_proba(X)) < 1e-9
    assert np.array_equal(ours.predict(X), theirs.predict(X))
    assert abs(ours.score(X) - theirs.score(X)) < 1e-9 * abs(theirs.score(X))
    assert abs(ours.bic(X) - theirs.bic(X)) < 1e-9 * abs(theirs.bic(X))
    assert abs(ours.aic(X) - theirs.aic(X)) < 1e-9 * abs(theirs.aic(X))


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_converged_fits_agree(covariance_type):
    X = blobs(n_per=200, d=3, k=3, seed=5)
    start = start_for(X, covariance_type, 3)
    kw = dict(covariance_type=covariance_type, tol=1e-8, max_iter=500, **start)
    theirs = SklearnGaussianMixture(3, **kw).fit(X)
    ours = GaussianMixture(3, **kw).fit(X)
    assert ours.converged_ and theirs.converged_
    assert ours.n_iter_ == theirs.n_iter_
    assert rel(ours.means_, theirs.means_) < 1e-9


def test_a_partial_start_fills_the_rest_from_the_initialisation():
    # Only means given (as scikit-learn's means_init alone): weights and covariances come from
    # the initialisation, the means are the given ones, and E-M goes on from there to the
    # fixed point scikit-learn reaches from the same means.
    rng = np.random.default_rng(2)
    centres = np.array([[-6.0, 0.0], [0.0, 6.0], [6.0, 0.0]])
    X = rng.permutation(np.vstack([rng.normal(c, 1.0, (200, 2)) for c in centres]))
    means = centres + 0.5
    first = GaussianMixture(3, means_init=means, max_iter=0, random_state=0)
    first.fit(X)
    assert np.array_equal(first.means_, means)
    theirs = SklearnGaussianMixture(3, means_init=means, tol=1e-12, max_iter=1000, random_state=0).fit(X)
    ours = GaussianMixture(3, means_init=means, tol=1e-12, max_iter=1000, random_state=0).fit(X)
    assert rel(ours.means_, theirs.means_) < 1e-8
    assert abs(ours.score(X) - theirs.score(X)) < 1e-9 * abs(theirs.score(X))


def test_max_iter_zero_is_the_start():
    X = blobs(seed=4)
    start = start_for(X, "full", 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # as scikit-learn: no warning when no iteration is asked
        ours = GaussianMixture(3, max_iter=0, **start).fit(X)
    assert rel(ours.means_, start["means_init"]) < 1e-15
    assert ours.n_iter_ == 0 and not ours.converged_


def test_random_responsibilities_start_like_scikit_learns():
    # init_params='random': every row's responsibilities drawn at random, so every component
    # starts near the data's mean with about 1/K of the weight, as scikit-learn's do; E-M
    # then leaves that start for the same optimum.
    X = blobs(n_per=1000, d=2, k=3, seed=12)
    ours = GaussianMixture(3, init_params="random", max_iter=0, random_state=0).fit(X)
    theirs = SklearnGaussianMixture(3, init_params="random", max_iter=0, random_state=0).fit(X)
    for start in (ours, theirs):
        assert np.all(np.abs(start.weights_ - 1 / 3) < 0.02)
        assert np.all(np.abs(start.means_ - X.mean(axis=0)) < 0.1)
    fitted = GaussianMixture(3, init_params="random", n_init=3, tol=1e-10, max_iter=1000, random_state=0).fit(X)
    best = SklearnGaussianMixture(3, n_init=3, tol=1e-10, max_iter=1000, random_state=0).fit(X)
    assert fitted.score(X) == pytest.approx(best.score(X), rel=1e-8)


@pytest.mark.parametrize("cls", ["GaussianMixture", "BernoulliMixture", "PoissonMixture"])
def test_the_best_of_n_init_never_reports_less_than_the_first_run(cls):
    # scikit-learn's test_init for every class: n_init keeps the run with the best
    # lower_bound_, the quantity it reports, so with the same seed the best of ten runs is
    # never below the single run (which is the first of them); max_iter=1 is where the bound
    # and the final log-likelihood differ most.
    import mixture_em

    for seed in range(15):
        X = blobs(n_per=20, d=2, k=3, seed=seed)
        if cls != "GaussianMixture":
            X = (X > X.mean(axis=0)).astype(float) if cls == "BernoulliMixture" else np.floor(np.abs(X))
        est = getattr(mixture_em, cls)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            one = est(n_components=3, n_init=1, max_iter=1, random_state=seed).fit(X)
            ten = est(n_components=3, n_init=10, max_iter=1, random_state=seed).fit(X)
        assert ten.lower_bound_ >= one.lower_bound_, (seed, ten.lower_bound_, one.lower_bound_)
