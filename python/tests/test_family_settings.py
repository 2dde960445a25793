"""A family's own settings reach the engine as the family names them (its registry checks
them), and the engine computes the criteria every front end reports."""

import numpy as np
import pytest

from mixture_em import BernoulliMixture, ExponentialMixture, GaussianMixture, _engine

from conftest import FAMILIES, blobs


def _mean_variance(X):
    return float(np.mean(np.var(X, axis=0)))


def test_relative_reg_covar_is_the_factor_times_the_datas_mean_variance():
    X = blobs(seed=3) * 1e-4  # data whose variances an absolute 1e-6 would swamp
    factor = 1e-3
    relative = GaussianMixture(3, relative_reg_covar=factor, random_state=0).fit(X)
    absolute = GaussianMixture(3, reg_covar=factor * _mean_variance(X), random_state=0).fit(X)
    np.testing.assert_allclose(relative.covariances_, absolute.covariances_, rtol=1e-9)
    np.testing.assert_allclose(relative.means_, absolute.means_, rtol=1e-9)
    # The default absolute regularisation is another fit on such data.
    plain = GaussianMixture(3, random_state=0).fit(X)
    assert not np.allclose(plain.covariances_, relative.covariances_, rtol=1e-3)
    assert GaussianMixture(relative_reg_covar=1e-6).get_params()["relative_reg_covar"] == 1e-6
    with pytest.raises(ValueError, match="relative_reg_covar"):
        GaussianMixture(2, relative_reg_covar=-1.0).fit(X)


def _spec(family):
    spec = GaussianMixture(2)._spec(0, 1)
    spec["family"] = family
    return spec


def test_the_engine_names_a_setting_of_another_family_and_a_bad_value():
    bits = (blobs(seed=1) > 0).astype(np.float64)
    with pytest.raises(ValueError, match="covariance applies to the gaussian family only"):
        _engine.fit(bits, _spec({"family": "bernoulli", "covariance": "diag"}))
    with pytest.raises(ValueError, match="min_men is not a setting of the exponential family"):
        _engine.fit(np.abs(bits), _spec({"family": "exponential", "min_men": 1.0}))
    with pytest.raises(ValueError, match='unknown covariance type "banded"'):
        _engine.fit(bits, _spec({"family": "gaussian", "covariance": "banded"}))
    with pytest.raises(ValueError, match="family \"student\" is not supported"):
        _engine.fit(bits, _spec({"family": "student"}))
    # Every family's own settings are taken.
    model, _ = _engine.fit(bits, _spec({"family": "bernoulli", "prior": [2.0, 2.0]}))
    smoothed = BernoulliMixture(2, prior=(2.0, 2.0), random_state=0).fit(bits)
    assert model.family == smoothed.model_.family == "bernoulli"
    model, _ = _engine.fit(np.abs(bits), _spec({"family": "exponential", "min_mean": 1e-6}))
    assert model.family == "exponential"
    model, _ = _engine.fit(bits, _spec({"family": "poisson", "min_rate": 1e-6}))
    assert model.family == "poisson"


def test_bic_and_aic_come_from_the_engine(X):
    for est, data in [
        (GaussianMixture(3, random_state=0), X),
        (ExponentialMixture(2, random_state=0), np.abs(X)),
    ]:
        est.fit(data)
        ll = float(est.score(data)) * len(data)
        p = est.model_.n_parameters
        bic, aic = _engine.information_criteria(ll, p, float(len(data)))
        assert bic == pytest.approx(est.bic(data), rel=1e-12)
        assert aic == pytest.approx(est.aic(data), rel=1e-12)
        assert bic == pytest.approx(-2 * ll + p * np.log(len(data)), rel=1e-12)


def test_the_tests_list_of_families_is_the_engines():
    assert [name for name, _, _ in FAMILIES] == list(_engine.FAMILIES)
    for name, cls, data in FAMILIES:
        assert cls._family == name
        assert cls(2, random_state=0).fit(data()).model_.family == name


@pytest.mark.parametrize("name, Estimator, data", FAMILIES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_every_family_rebuilds_from_its_parameter_arrays(name, Estimator, data, dtype):
    X = data(seed=4, dtype=dtype)
    est = Estimator(2, random_state=0).fit(X)
    model = est.model_
    p = model.parameters()
    own = {k: np.asarray(v, np.float64) for k, v in p.items() if k not in ("weights", "precision_factors")}
    family = {"family": name, **est._family_spec()}
    back = _engine.Model.from_parameters(family, list(p["weights"]), own, model.dtype)
    assert back.dtype == model.dtype
    Xe = np.ascontiguousarray(X, dtype=model.dtype)
    np.testing.assert_array_equal(back.score_samples(Xe), model.score_samples(Xe))
    for key, value in back.parameters().items():
        np.testing.assert_array_equal(value, p[key], err_msg=key)
    # An array the family needs, missing, is named.
    wanted = [k for k in own if k != "means"] or ["means"]
    with pytest.raises(ValueError, match=f"{name} mixture needs its {wanted[0]}"):
        _engine.Model.from_parameters(
            family, list(p["weights"]), {k: v for k, v in own.items() if k != wanted[0]}, model.dtype
        )
