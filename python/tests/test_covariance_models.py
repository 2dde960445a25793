"""mclust's fourteen covariance models through the scikit-learn interface: every code fits,
scores, predicts, samples and round-trips, and its attributes describe the model it fitted."""

import numpy as np
import pytest
from scipy.stats import multivariate_normal

from mixture_em import GaussianMixture

CODES = ["EII", "VII", "EEI", "VEI", "EVI", "VVI", "EEE", "VEE", "EVE", "VVE", "EEV", "VEV", "EVV", "VVV"]


@pytest.fixture(scope="module")
def X() -> np.ndarray:
    rng = np.random.default_rng(4)
    blobs = [rng.normal(size=(80, 3)) @ rng.normal(size=(3, 3)) * s + c
             for s, c in [(0.5, 0.0), (1.0, 6.0), (0.3, -5.0)]]
    return np.vstack(blobs)


@pytest.mark.parametrize("code", CODES)
def test_every_model_scores_with_its_own_covariances(X: np.ndarray, code: str) -> None:
    gm = GaussianMixture(3, covariance_type=code.lower(), random_state=0).fit(X)
    k, d = 3, X.shape[1]
    covariances = gm.covariances_
    if code not in ("VVV", "EEE", "VVI", "VII"):
        assert covariances.shape == (k, d, d)
        np.testing.assert_allclose(gm.precisions_ @ covariances, np.tile(np.eye(d), (k, 1, 1)), atol=1e-9)
    # score_samples is the log of the mixture density the attributes describe.
    dense = {"VVV": lambda: covariances, "EEE": lambda: np.tile(covariances, (k, 1, 1)),
             "VVI": lambda: np.array([np.diag(c) for c in covariances]),
             "VII": lambda: np.array([c * np.eye(d) for c in covariances])}.get(code, lambda: covariances)()
    expected = np.log(sum(w * multivariate_normal(m, c).pdf(X) for w, m, c in zip(gm.weights_, gm.means_, dense)))
    np.testing.assert_allclose(gm.score_samples(X), expected, rtol=1e-10)
    assert gm.predict(X).shape == (X.shape[0],)
    samples, labels = gm.sample(50)
    assert samples.shape == (50, d) and labels.shape == (50,)


def test_parts_describe_the_covariances(X: np.ndarray) -> None:
    gm = GaussianMixture(3, covariance_type="VEV", random_state=1).fit(X)
    assert gm.volumes_.shape == (3,) and gm.shapes_.shape == (1, 3) and gm.orientations_.shape == (3, 3, 3)
    np.testing.assert_allclose(np.prod(gm.shapes_), 1.0, rtol=1e-12)
    for k in range(3):
        o = gm.orientations_[k]
        rebuilt = gm.volumes_[k] * o @ np.diag(gm.shapes_[0]) @ o.T
        np.testing.assert_allclose(rebuilt, gm.covariances_[k], rtol=1e-10, atol=1e-12)
    assert not hasattr(GaussianMixture(3, covariance_type="EII").fit(X), "orientations_")


def test_codes_are_the_scikit_learn_names_too(X: np.ndarray) -> None:
    by_name = GaussianMixture(3, covariance_type="diag", random_state=2).fit(X)
    by_code = GaussianMixture(3, covariance_type="vvi", random_state=2).fit(X)
    np.testing.assert_array_equal(by_name.covariances_, by_code.covariances_)
    assert by_code.get_params()["covariance_type"] == "vvi"


def test_fewer_parameters_for_constrained_models(X: np.ndarray) -> None:
    # BIC = -2 log L + p log N with mclust's parameter counts: VEV has K-1 + K·D + K + (D-1) + K·D(D-1)/2.
    gm = GaussianMixture(3, covariance_type="VEV", random_state=0).fit(X)
    n, d, k = X.shape[0], 3, 3
    p = (k - 1) + k * d + k + (d - 1) + k * d * (d - 1) // 2
    np.testing.assert_allclose(gm.bic(X), -2 * gm.score(X) * n + p * np.log(n), rtol=1e-12)


def test_bad_covariance_type_and_unsupported_start_are_named(X: np.ndarray) -> None:
    with pytest.raises(ValueError, match="covariance_type.*'VVX'"):
        GaussianMixture(2, covariance_type="VVX").fit(X)
    with pytest.raises(ValueError, match="precisions_init is supported"):
        GaussianMixture(2, covariance_type="VEV", precisions_init=np.tile(np.eye(3), (2, 1, 1))).fit(X)


def test_means_init_starts_an_eigen_model(X: np.ndarray) -> None:
    means = np.array([[0.0, 0, 0], [6, 6, 6], [-5, -5, -5]])
    gm = GaussianMixture(3, covariance_type="EVE", means_init=means, random_state=0).fit(X)
    assert gm.converged_
    assert gm.covariances_.shape == (3, 3, 3)


def test_the_hierarchical_start_uses_no_random_draws(X: np.ndarray) -> None:
    a = GaussianMixture(3, covariance_type="VEV", init_params="hc", max_iter=0, random_state=1).fit(X)
    b = GaussianMixture(3, covariance_type="VEV", init_params="hc", max_iter=0, random_state=2).fit(X)
    np.testing.assert_array_equal(a.means_, b.means_)
    # The three blobs are found: one start mean near each centre (0, 6, -5 in every feature).
    np.testing.assert_allclose(np.sort(a.means_.mean(axis=1)), [-5, 0, 6], atol=1.0)
