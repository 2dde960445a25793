"""BayesianBernoulliMixture and BayesianExponentialMixture: variational mixtures with Beta and
Gamma priors through BayesianGaussianMixture's interface. The engine's numbers are checked
against a naive implementation in tests/variational_families.rs; here, what a user checks:
switched-off components, the evidence bound against the closed-form marginal likelihood, a
normalised predictive density, weights as repeated rows, warm starts, pickling, bad priors and
the Dask twins."""

import itertools
import pickle
import warnings

import numpy as np
import pytest
from scipy.special import betaln, gammaln
from sklearn.exceptions import ConvergenceWarning

from mixture_em import BayesianBernoulliMixture, BayesianExponentialMixture


def binary_rows(n=300, seed=0):
    rng = np.random.default_rng(seed)
    prototypes = np.array([[0.9, 0.9, 0.1, 0.1, 0.8], [0.1, 0.2, 0.9, 0.9, 0.5]])
    labels = rng.integers(0, 2, n)
    return (rng.random((n, 5)) < prototypes[labels]).astype(np.float64)


def positive_rows(n=400, seed=0):
    rng = np.random.default_rng(seed)
    return np.vstack([rng.exponential([0.2, 3.0], (n // 2, 2)), rng.exponential([4.0, 0.5], (n // 2, 2))])


def quiet(estimator, X, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X, **kw)


def test_a_generous_k_switches_off_what_the_data_do_not_need():
    b = quiet(BayesianBernoulliMixture(n_components=6, weight_concentration_prior=1e-3, max_iter=500,
                                       random_state=0), binary_rows())
    assert b.n_effective_components_ == 2
    np.testing.assert_allclose(np.sort(b.weights_)[-2:].sum(), 1.0, atol=1e-3)
    e = quiet(BayesianExponentialMixture(n_components=6, weight_concentration_prior=1e-3, max_iter=1000,
                                         random_state=0), positive_rows())
    assert e.n_effective_components_ == 2
    used = e.counts_ >= 1
    np.testing.assert_allclose(np.sort(e.means_[used][:, 0]), [0.2, 4.0], rtol=0.25)


def test_with_one_component_the_evidence_bound_is_the_marginal_likelihood():
    X = binary_rows()
    n = X.shape[0]
    a0, b0 = 0.7, 1.9
    b = BayesianBernoulliMixture(n_components=1, weight_concentration_prior_type="dirichlet_distribution",
                                 beta_prior=(a0, b0), max_iter=2, tol=0.0)
    quiet(b, X)
    ones = X.sum(axis=0)
    exact = np.sum(betaln(a0 + ones, b0 + n - ones) - betaln(a0, b0))
    assert b.evidence_bound_ == pytest.approx(exact, rel=1e-12)
    np.testing.assert_allclose(b.beta_posterior_[0][0], a0 + ones, rtol=1e-12)
    Y = positive_rows()
    shape0, rate0 = 2.0, np.array([0.5, 3.0])
    e = BayesianExponentialMixture(n_components=1, weight_concentration_prior_type="dirichlet_distribution",
                                   gamma_shape_prior=shape0, gamma_rate_prior=rate0, max_iter=2, tol=0.0)
    quiet(e, Y)
    sums = Y.sum(axis=0)
    exact = np.sum(gammaln(shape0 + len(Y)) - gammaln(shape0) + shape0 * np.log(rate0)
                   - (shape0 + len(Y)) * np.log(rate0 + sums))
    assert e.evidence_bound_ == pytest.approx(exact, rel=1e-12)
    np.testing.assert_allclose(e.gamma_rate_prior_, rate0)


def test_the_predictive_density_is_normalised():
    b = quiet(BayesianBernoulliMixture(n_components=3, random_state=0), binary_rows())
    every = np.array(list(itertools.product([0.0, 1.0], repeat=5)))
    assert np.exp(b.score_samples(every, predictive=True)).sum() == pytest.approx(1.0, rel=1e-12)
    e = quiet(BayesianExponentialMixture(n_components=3, random_state=0), positive_rows()[:, :1])
    # The Lomax tail decays as a power: integrate on a log grid far out.
    grid = np.logspace(-8, 8, 400_001)
    density = np.exp(e.score_samples(grid[:, None], predictive=True))
    assert np.trapezoid(density, grid) == pytest.approx(1.0, rel=1e-4)
    # The plug-in score is scikit-learn's kind: not a normalised density.
    assert not np.allclose(e.score_samples(grid[:5, None]), e.score_samples(grid[:5, None], predictive=True))


@pytest.mark.parametrize("cls,X", [(BayesianBernoulliMixture, binary_rows(60)),
                                   (BayesianExponentialMixture, positive_rows(60))])
def test_integer_weights_are_repeated_rows(cls, X):
    # From the same posterior (a warm start), a row of weight 3 is three rows.
    w = np.random.default_rng(1).integers(1, 4, len(X))
    start = quiet(cls(n_components=3, random_state=0, max_iter=5), X)
    start.set_params(warm_start=True, max_iter=20, tol=0.0)
    weighted, repeated = pickle.loads(pickle.dumps(start)), pickle.loads(pickle.dumps(start))
    quiet(weighted, X, sample_weight=w.astype(float))
    quiet(repeated, np.repeat(X, w, axis=0))
    assert weighted.lower_bound_ == pytest.approx(repeated.lower_bound_, rel=1e-10)
    assert weighted.evidence_bound_ == pytest.approx(repeated.evidence_bound_, rel=1e-10)
    np.testing.assert_allclose(weighted.weights_, repeated.weights_, rtol=1e-9)


def test_a_warm_start_goes_on_and_a_pickle_keeps_the_fit():
    X = binary_rows()
    whole = quiet(BayesianBernoulliMixture(n_components=3, random_state=0, max_iter=20, tol=0.0), X)
    half = BayesianBernoulliMixture(n_components=3, random_state=0, max_iter=10, tol=0.0, warm_start=True)
    quiet(half, X)
    quiet(half, X)
    assert half.lower_bound_ == pytest.approx(whole.lower_bound_, rel=1e-12)
    back = pickle.loads(pickle.dumps(whole))
    np.testing.assert_array_equal(back.predict_proba(X), whole.predict_proba(X))


def test_bad_priors_and_data_are_refused_with_their_names():
    with pytest.raises(ValueError, match="beta_prior"):
        BayesianBernoulliMixture(beta_prior=(1.0, -2.0)).fit(binary_rows())
    with pytest.raises(ValueError, match="gamma_shape_prior"):
        BayesianExponentialMixture(gamma_shape_prior=0.0).fit(positive_rows())
    with pytest.raises(ValueError, match="gamma_rate_prior"):
        BayesianExponentialMixture(gamma_rate_prior=[1.0]).fit(positive_rows())
    with pytest.raises(ValueError, match="Negative values"):
        BayesianExponentialMixture().fit(-positive_rows())


def test_the_dask_twins_give_the_in_memory_bits():
    da = pytest.importorskip("dask.array")
    from mixture_em import dask as mdask

    for cls, X in [("BayesianBernoulliMixture", binary_rows(512)), ("BayesianExponentialMixture", positive_rows(512))]:
        params = dict(n_components=3, random_state=0, init_params="random_from_data")
        local = quiet(getattr(__import__("mixture_em"), cls)(**params), X)
        remote = quiet(getattr(mdask, cls)(**params), da.from_array(X, chunks=256))
        assert remote.lower_bound_ == local.lower_bound_
        assert remote.evidence_bound_ == local.evidence_bound_
        np.testing.assert_array_equal(remote.weights_, local.weights_)


@pytest.mark.parametrize("cls, X", [(BayesianBernoulliMixture, binary_rows(600, 3)),
                                    (BayesianExponentialMixture, positive_rows(600, 3))])
def test_the_moves_serve_every_family_and_never_end_lower(cls, X):
    # The moves act on responsibilities and rows, so they need nothing of the family.
    for k in (2, 6):
        params = dict(n_components=k, n_init=2, random_state=4, max_iter=300)
        plain = quiet(cls(**params), X)
        moved = quiet(cls(**params, delete_moves=True, split_merge_moves=True), X)
        assert moved.lower_bound_ >= plain.lower_bound_
        assert moved.n_iter_ >= plain.n_iter_
        if k == 6:
            # A generous K leaves room to climb: the moves end higher here for both families.
            assert moved.lower_bound_ > plain.lower_bound_ + 1e-6
