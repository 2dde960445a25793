"""Arrays as users have them, and bad inputs: every engine error is a ValueError that names
what is wrong."""

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from mixture_em import BernoulliMixture, ExponentialMixture, GaussianMixture

from conftest import blobs


def test_float32_gives_a_float32_model_and_float64_a_float64_one(X):
    for dtype in (np.float32, np.float64):
        gm = GaussianMixture(3, random_state=0).fit(X.astype(dtype))
        assert gm.model_.dtype == np.dtype(dtype).name
        assert gm.means_.dtype == dtype and gm.covariances_.dtype == dtype
        assert gm.score_samples(X.astype(dtype)).dtype == dtype
        assert gm.predict_proba(X).dtype == dtype
        assert gm.sample(5)[0].dtype == dtype
    # Integers are numbers: float64.
    assert GaussianMixture(2, random_state=0).fit(np.rint(X * 10).astype(np.int32)).model_.dtype == "float64"


def test_c_ordered_input_is_not_copied(X):
    gm = GaussianMixture(3)
    assert gm._validate_X(X, reset=True) is X
    x32 = X.astype(np.float32)
    assert gm._validate_X(x32, reset=True) is x32
    for other in (np.asfortranarray(X), X[::2], X.tolist()):
        converted = gm._validate_X(other, reset=True)
        assert converted.flags.c_contiguous and converted.dtype == np.float64


def test_every_layout_and_container_gives_the_same_fit(X):
    reference = GaussianMixture(3, random_state=0).fit(X)
    pandas = pytest.importorskip("pandas")
    inputs = {
        "fortran": np.asfortranarray(X),
        "list": X.tolist(),
        "pandas": pandas.DataFrame(X, columns=["a", "b"]),
        "strided": np.repeat(X, 2, axis=0)[::2],
        "readonly": np.frombuffer(X.tobytes(), dtype=np.float64).reshape(X.shape),
    }
    jnp = pytest.importorskip("jax.numpy")
    import jax

    jax.config.update("jax_enable_x64", True)
    try:
        inputs["jax"] = jnp.asarray(X)
    finally:
        jax.config.update("jax_enable_x64", False)
    for name, x in inputs.items():
        gm = GaussianMixture(3, random_state=0).fit(x)
        assert np.array_equal(gm.means_, reference.means_), name
        assert np.array_equal(gm.score_samples(x), reference.score_samples(X)), name
    assert list(GaussianMixture(3, random_state=0).fit(inputs["pandas"]).feature_names_in_) == ["a", "b"]


@pytest.mark.parametrize("bad, what", [(np.nan, "NaN"), (np.inf, "inf"), (-np.inf, "-inf")])
def test_non_finite_values_are_named_by_row_and_column(X, bad, what):
    X = X.copy()
    X[7, 1] = bad
    with pytest.raises(ValueError, match=rf"row 7, column 1 holds {what}"):
        GaussianMixture(2).fit(X)
    fitted = GaussianMixture(2, random_state=0).fit(blobs())
    with pytest.raises(ValueError, match=rf"row 7, column 1 holds {what}"):
        fitted.predict(X)


def test_wrong_shapes_and_empty_input(X):
    with pytest.raises(ValueError, match="2D array"):
        GaussianMixture(2).fit(X[:, 0])
    with pytest.raises(ValueError, match="0 sample"):
        GaussianMixture(2).fit(X[:0])
    with pytest.raises(ValueError, match="0 feature"):
        GaussianMixture(2).fit(X[:, :0])
    with pytest.raises(ValueError, match="n_samples >= n_components"):
        GaussianMixture(5).fit(X[:3])
    fitted = GaussianMixture(2, random_state=0).fit(X)
    with pytest.raises(ValueError, match="features"):
        fitted.predict(np.ones((4, 3)))
    with pytest.raises(NotFittedError):
        GaussianMixture(2).predict(X)


def test_parameters_are_checked_by_name(X):
    for kw, name in [
        ({"n_components": 0}, "n_components"),
        ({"tol": -1.0}, "tol"),
        ({"reg_covar": float("nan")}, "reg_covar"),
        ({"covariance_type": "banded"}, "covariance_type"),
        ({"init_params": "psychic"}, "init_params"),
        ({"n_init": 0}, "n_init"),
    ]:
        with pytest.raises(ValueError, match=name):
            GaussianMixture(**{"n_components": 2, **kw}).fit(X)
    with pytest.raises(ValueError, match="should have the shape"):
        GaussianMixture(3, means_init=np.zeros((2, 2))).fit(X)
    with pytest.raises(ValueError, match="positive-definite"):
        GaussianMixture(1, weights_init=[1.0], means_init=[[0, 0]], precisions_init=[[[1, 2], [2, 1]]]).fit(X)


def test_engine_errors_carry_the_engines_message():
    # A constant column and no regularisation: the covariance cannot be factored.
    x = np.column_stack([np.arange(20.0), np.ones(20)])
    with pytest.raises(ValueError, match="not positive definite.*reg_covar"):
        GaussianMixture(1, reg_covar=0.0).fit(x)


def test_more_components_than_distinct_rows_fit_when_regularised_and_say_so():
    # scikit-learn fits K beyond the distinct rows when reg_covar > 0, and raises its own
    # message at 0; the report names the components the data cannot support.
    x = np.vstack([np.ones((5, 3)), np.zeros((5, 3))])
    for covariance_type in ["full", "tied", "diag", "spherical", "VEV"]:
        g = GaussianMixture(5, covariance_type=covariance_type, random_state=0).fit(x)
        assert g.weights_.shape == (5,) and np.isclose(g.weights_.sum(), 1.0)
        assert np.isfinite(g.score(x))
        if covariance_type != "tied":
            assert len(g.report_["suspect"]) >= 3, g.report_["suspect"]
        with pytest.raises(ValueError, match=r"ill-defined empirical covariance.*\(component \d+: .*raise reg_covar"):
            GaussianMixture(5, covariance_type=covariance_type, reg_covar=0.0, random_state=0).fit(x)


def test_family_domains():
    x = np.abs(blobs(seed=1))
    x[4, 1] = -0.5
    with pytest.raises(ValueError, match="row 4, column 1 holds -0.5"):
        ExponentialMixture(2).fit(x)
    bits = (blobs(seed=1) > 0).astype(float)
    bits[2, 0] = 2.0
    with pytest.raises(ValueError, match="row 2, column 0 holds 2"):
        BernoulliMixture(2, binarize=None).fit(bits)
    # Binarized by default, like scikit-learn's BernoulliNB.
    assert BernoulliMixture(2, random_state=0).fit(bits).means_.shape == (2, 2)


def test_sample_sizes(X):
    gm = GaussianMixture(2, random_state=0).fit(X)
    with pytest.raises(ValueError, match="n_samples"):
        gm.sample(0)
    with pytest.raises(MemoryError, match="n_samples"):
        gm.sample(10**18)
    points, labels = gm.sample(1000)
    assert points.shape == (1000, 2) and labels.shape == (1000,)
    assert set(np.unique(labels)) <= {0, 1}
