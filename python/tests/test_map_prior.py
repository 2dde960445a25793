"""GaussianMixture(prior_shrinkage=...): MAP E-M under mclust's default conjugate prior, against
R's mclust (the committed fixture of scripts/mclust_map_fixture.R)."""

import json
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from mixture_em import GaussianMixture

FIXTURE = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "mclust_map.json"


@pytest.mark.parametrize("name", ["faithful", "iris", "diabetes"])
def test_map_e_m_matches_mclust(name):
    fixture = json.loads(FIXTURE.read_text())
    data, iterations = fixture["sets"][name], fixture["iterations"]
    x = np.array(data["x"])
    start, theirs = data["start"], data["fits"]["VVV"]
    gm = GaussianMixture(
        n_components=3, reg_covar=0.0, prior_shrinkage=theirs["prior_shrinkage"],
        weights_init=start["weights"], means_init=start["means"],
        precisions_init=np.linalg.inv(np.array(start["covariances"])),
        max_iter=iterations, tol=0.0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        gm.fit(x)
    np.testing.assert_allclose(gm.weights_, theirs["weights"], rtol=1e-10)
    np.testing.assert_allclose(gm.means_, theirs["means"], rtol=1e-10)
    np.testing.assert_allclose(gm.covariances_, theirs["covariances"], rtol=1e-9)
    # mclust's BIC (2 ln L − p ln N, higher is better) is minus ours.
    assert gm.bic(x) == pytest.approx(-theirs["bic"], rel=1e-10)


def test_a_bad_shrinkage_is_refused():
    x = np.random.default_rng(0).normal(size=(50, 2))
    with pytest.raises(ValueError, match="prior_shrinkage"):
        GaussianMixture(2, prior_shrinkage=-1.0).fit(x)
    with pytest.raises(ValueError, match="mclust's prior is for"):
        GaussianMixture(2, covariance_type="VEE", prior_shrinkage=0.01).fit(x)


@pytest.mark.parametrize("model", ["VEI", "EVI", "EEV", "VEV"])
def test_mclusts_other_models_with_a_prior_move_the_fit(model):
    # The parameters against mclust are tests/mclust_map.rs's; here, through the class: the
    # prior keeps the fit and its BIC is the penalised log-likelihood at the MAP estimate.
    x = np.array(json.loads(FIXTURE.read_text())["sets"]["iris"]["x"])
    map_fit = GaussianMixture(3, covariance_type=model, prior_shrinkage=0.01, random_state=0).fit(x)
    ml_fit = GaussianMixture(3, covariance_type=model, random_state=0).fit(x)
    assert not np.allclose(map_fit.covariances_, ml_fit.covariances_)
    assert map_fit.bic(x) == pytest.approx(
        -2 * map_fit.score(x) * len(x) + map_fit._n_parameters() * np.log(len(x)), rel=1e-12
    )
