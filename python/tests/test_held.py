"""Parameters held fixed (``fix``), partial starts over ``n_init`` runs, and ``on_spurious``."""

import numpy as np
import pytest

from conftest import blobs
from mixture_em import BernoulliMixture, ExponentialMixture, GaussianMixture

COVARIANCE_TYPES = ("full", "diag", "spherical", "tied")

# Fits of a fixed number of iterations (tol=0) warn, as scikit-learn's do.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_fixed_means_and_weights_come_back_exactly(X, covariance_type):
    means = np.array([[0.0, 0.0], [4.0, 1.0], [-3.0, 5.0]])
    weights = np.array([0.5, 0.3, 0.2])
    for fix, kept in ((["means"], ("means_",)), ("weights", ("weights_",)),
                      (("weights", "means"), ("weights_", "means_"))):
        gm = GaussianMixture(3, covariance_type=covariance_type, means_init=means,
                             weights_init=weights, fix=fix, tol=0.0, max_iter=30).fit(X)
        given = {"means_": means, "weights_": weights}
        for name in ("means_", "weights_"):
            if name in kept:
                np.testing.assert_array_equal(getattr(gm, name), given[name])
            else:
                assert not np.array_equal(getattr(gm, name), given[name])
        bounds = np.asarray(gm.lower_bounds_)
        assert np.all(np.diff(bounds) >= -1e-12 * np.abs(bounds[:-1])), bounds


def test_fixed_covariances_keep_the_given_precisions(X):
    precisions = np.tile(np.eye(2) * 4.0, (3, 1, 1))
    gm = GaussianMixture(3, precisions_init=precisions, fix="covariances", random_state=0).fit(X)
    np.testing.assert_allclose(gm.precisions_, precisions, rtol=1e-15)
    np.testing.assert_allclose(gm.covariances_, np.tile(np.eye(2) / 4.0, (3, 1, 1)), rtol=1e-15)


def test_fixed_means_give_the_scatter_about_them(X):
    """One iteration with fixed means: each covariance is the responsibility-weighted scatter
    about the fixed mean (a formula written here), not about the weighted mean."""
    means = np.array([[0.0, 0.0], [4.0, 1.0], [-3.0, 5.0]])
    start = GaussianMixture(3, means_init=means, max_iter=0, random_state=1).fit(X)
    resp = start.predict_proba(X)
    gm = GaussianMixture(3, means_init=means, weights_init=start.weights_,
                         precisions_init=start.precisions_, fix="means", max_iter=1, tol=0.0).fit(X)
    for k in range(3):
        diff = X - means[k]
        scatter = (resp[:, k, None] * diff).T @ diff / resp[:, k].sum() + 1e-6 * np.eye(2)
        np.testing.assert_allclose(gm.covariances_[k], scatter, rtol=1e-10)


def test_bernoulli_and_exponential_hold_their_means():
    rng = np.random.default_rng(3)
    X = (rng.random((300, 6)) < np.where(np.arange(300)[:, None] % 2, 0.8, 0.2)).astype(float)
    means = np.full((2, 6), 0.5)
    means[0] = 0.3
    bm = BernoulliMixture(2, means_init=means, fix="means").fit(X)
    np.testing.assert_array_equal(bm.means_, means)
    Xe = rng.exponential(1.0, (300, 2))
    em = ExponentialMixture(2, means_init=[[0.5, 0.5], [2.0, 2.0]], fix=["means"]).fit(Xe)
    np.testing.assert_allclose(em.means_, [[0.5, 0.5], [2.0, 2.0]], rtol=1e-15)
    with pytest.raises(ValueError, match="'fix' parameter of BernoulliMixture"):
        BernoulliMixture(2, means_init=means, fix="covariances").fit(X)


def test_fix_needs_the_given_values_and_known_groups(X):
    with pytest.raises(ValueError, match="set means_init"):
        GaussianMixture(3, fix="means").fit(X)
    with pytest.raises(ValueError, match="Got 'rates'"):
        GaussianMixture(3, means_init=np.zeros((3, 2)), fix=["rates"]).fit(X)
    gm = GaussianMixture(3, means_init=np.zeros((3, 2)), fix="means")
    with pytest.raises(ValueError, match="stepwise"):
        gm.partial_fit(X)


def test_a_partial_start_runs_every_initialisation(X):
    """As scikit-learn: with means_init alone, each of the n_init runs completes the start from
    its own initialisation, and the best run is kept."""
    means = np.array([[0.0, 0.0], [4.0, 1.0], [-3.0, 5.0]])
    gm = GaussianMixture(3, means_init=means, n_init=4, init_params="random_from_data",
                         random_state=0).fit(X)
    runs = gm.report_["runs"]  # (run, n_iter, converged, log-likelihood)
    assert len(runs) == 4 and len({r[3] for r in runs}) > 1
    assert gm.report_["log_likelihood"] == max(r[3] for r in runs)
    # A whole start is one run.
    whole = GaussianMixture(3, means_init=means, weights_init=np.full(3, 1 / 3),
                            precisions_init=np.tile(np.eye(2), (3, 1, 1)), n_init=4).fit(X)
    assert len(whole.report_["runs"]) == 1


def test_on_spurious_flags_or_reseeds_a_planted_spurious_component():
    rng = np.random.default_rng(4)
    X = np.vstack([blobs(n_per=150, d=5, k=2, seed=4), 60.0 + 1e-4 * rng.random((3, 5))])
    kept = GaussianMixture(3, random_state=1).fit(X)
    assert len(kept.report_["suspect"]) == 1
    component, effective_rows, rows_needed = kept.report_["suspect"][0]
    assert effective_rows < rows_needed == 6
    # Handed to the degenerate policy: re-seeded (it forms again on the far rows, still
    # flagged), dropped, or an error.
    reseeded = GaussianMixture(3, random_state=1, on_spurious="degenerate", max_iter=20).fit(X)
    assert reseeded.report_["degenerate"]
    dropped = GaussianMixture(3, random_state=1, on_spurious="degenerate", on_degenerate="drop").fit(X)
    assert dropped.report_["suspect"] == [] and dropped.weights_.shape == (2,)
    assert dropped.means_.shape == (2, 5)
    with pytest.raises(ValueError, match="component"):
        GaussianMixture(3, random_state=1, on_spurious="degenerate", on_degenerate="error").fit(X)
    with pytest.raises(ValueError, match="on_spurious"):
        GaussianMixture(3, on_spurious="drop").fit(X)
    with pytest.raises(ValueError, match="on_degenerate"):
        GaussianMixture(3, on_degenerate="ignore").fit(X)
