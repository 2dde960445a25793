"""Fitted estimators survive pickle, joblib and clone; the engine's model is the model file
the `mixture` command reads."""

import json
import pickle

import joblib
import numpy as np
import pytest
from sklearn.base import clone

from mixture_em import GaussianMixture, Model

from conftest import FAMILIES, blobs

ESTIMATORS = [(cls(3, random_state=0), lambda data=data: data(d=4)) for _, cls, data in FAMILIES] + [
    (GaussianMixture(3, covariance_type="diag", random_state=0), lambda: blobs().astype(np.float32)),
]


@pytest.mark.parametrize("estimator, data", ESTIMATORS)
def test_pickle_and_joblib_round_trips_give_every_bit_back(estimator, data, tmp_path):
    X = data()
    fitted = clone(estimator).fit(X)
    path = tmp_path / "model.joblib"
    joblib.dump(fitted, path)
    for back in (pickle.loads(pickle.dumps(fitted)), joblib.load(path)):
        assert type(back) is type(fitted)
        assert back.get_params() == fitted.get_params()
        assert np.array_equal(back.score_samples(X), fitted.score_samples(X))
        assert np.array_equal(back.means_, fitted.means_)
        assert np.array_equal(back.sample(10)[0], fitted.sample(10)[0])


def test_clone_keeps_parameters_and_drops_the_fit():
    fitted = GaussianMixture(4, covariance_type="tied", reg_covar=1e-3, random_state=7).fit(blobs())
    copy = clone(fitted)
    assert copy.get_params() == fitted.get_params()
    assert not hasattr(copy, "means_")
    copy.set_params(n_components=2)
    assert copy.fit(blobs()).means_.shape == (2, 2)


def test_the_model_is_the_commands_model_file():
    X = blobs()
    fitted = GaussianMixture(3, random_state=0).fit(X)
    text = fitted.model_.to_json()
    document = json.loads(text)
    assert document["format"] == "mixture-model" and document["family"] == "gaussian"
    assert document["precision"] == "f64" and document["n_components"] == 3
    again = Model.from_json(text)
    assert np.array_equal(again.score_samples(X), fitted.score_samples(X))
    with pytest.raises(ValueError, match="version"):
        Model.from_json(json.dumps({**document, "version": 99}))


def test_same_seed_same_numbers_and_warm_start():
    X = blobs(seed=3)
    a = GaussianMixture(3, n_init=3, random_state=42).fit(X)
    b = GaussianMixture(3, n_init=3, random_state=42).fit(X)
    assert np.array_equal(a.means_, b.means_)
    # Warm start continues from the last fit: one more fit from a converged model moves little.
    warm = GaussianMixture(3, random_state=42, warm_start=True, tol=1e-10, max_iter=500).fit(X)
    before = warm.means_.copy()
    warm.fit(X)
    assert np.allclose(warm.means_, before, atol=1e-6)
    assert warm.n_iter_ <= 3


def test_partial_fit_learns_from_batches():
    X = blobs(n_per=2000, seed=8)
    online = GaussianMixture(3, random_state=0)
    for batch in np.array_split(X, 20):
        online.partial_fit(batch)
    assert online.n_iter_ == 20
    batch_fit = GaussianMixture(3, random_state=0).fit(X)
    assert online.score(X) > batch_fit.score(X) - 0.05
    # Pickled half-way, the stepwise fit goes on in the copy with the same bits.
    half = GaussianMixture(3, random_state=0)
    batches = np.array_split(X, 20)
    for batch in batches[:10]:
        half.partial_fit(batch)
    copy = pickle.loads(pickle.dumps(half))
    for batch in batches[10:]:
        copy.partial_fit(batch)
    assert copy.n_iter_ == 20
    assert np.array_equal(copy.means_, online.means_)
    assert np.array_equal(copy.covariances_, online.covariances_)
