"""Weights are frequency weights: an integer weight is the same as repeating the row."""

import numpy as np
import pytest

from mixture_em import BernoulliMixture, ExponentialMixture, GaussianMixture

from conftest import blobs


def replicated(X, w):
    return np.repeat(X, w, axis=0)


@pytest.mark.parametrize(
    "make, data",
    [
        (lambda **kw: GaussianMixture(3, covariance_type="full", **kw), lambda: blobs(n_per=60)),
        (lambda **kw: GaussianMixture(3, covariance_type="spherical", **kw), lambda: blobs(n_per=60)),
        (lambda **kw: BernoulliMixture(3, **kw), lambda: (blobs(n_per=60, d=5) > 0).astype(float)),
        (lambda **kw: ExponentialMixture(3, **kw), lambda: np.abs(blobs(n_per=60))),
    ],
)
def test_integer_weights_equal_replication(make, data):
    X = data()
    w = np.random.default_rng(1).integers(0, 4, X.shape[0])
    R = replicated(X, w)
    # The same start for both (the weighted one's initialisation), then E-M to the end.
    start = make(random_state=0, max_iter=1, tol=0.0)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start.fit(X, sample_weight=w)
    init = {"weights_init": start.weights_, "means_init": start.means_}
    if isinstance(start, GaussianMixture):
        init["precisions_init"] = start.precisions_
    weighted = make(tol=1e-10, max_iter=300, **init).fit(X, sample_weight=w)
    repeated = make(tol=1e-10, max_iter=300, **init).fit(R)
    assert weighted.n_iter_ == repeated.n_iter_
    np.testing.assert_allclose(weighted.means_, repeated.means_, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(weighted.weights_, repeated.weights_, rtol=1e-9)
    assert weighted.score(X, sample_weight=w) == pytest.approx(repeated.score(R), rel=1e-12)
    assert weighted.lower_bound_ == pytest.approx(repeated.lower_bound_, rel=1e-12)


def test_bad_weights_are_refused():
    X = blobs()
    with pytest.raises(ValueError, match="one weight per row"):
        GaussianMixture(2).fit(X, sample_weight=np.ones(3))
    w = np.ones(X.shape[0])
    w[5] = -1.0
    with pytest.raises(ValueError, match="5"):
        GaussianMixture(2).fit(X, sample_weight=w)
    with pytest.raises(ValueError, match="zero"):
        GaussianMixture(2).fit(X, sample_weight=np.zeros(X.shape[0]))
