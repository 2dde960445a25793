"""mixture_em.dask on a two-process LocalCluster (loopback only): the same bits as the
in-memory fit whose blocks are the chunks (or a power of two of them), on any number of workers,
threads and schedulers; predictions
as dask arrays; a worker killed during a fit changes nothing; a chunk that kills every worker
that tries it is named."""

import os
import re
import signal
import threading
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")
distributed = pytest.importorskip("distributed")

import mixture_em  # noqa: E402
import mixture_em.dask as mdask  # noqa: E402
from mixture_em import _engine  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def client():
    # One lost worker per task is retried; a second loss is an error (the default allows 3).
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        cluster = distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=2,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        )
        with distributed.Client(cluster) as c:
            yield c
        cluster.close()


def blobs(n_per=343, d=3, seed=0):
    rng = np.random.default_rng(seed)
    return np.vstack(
        [rng.normal(c, 1.0 + c / 4, (n_per, d)) for c in (0.0, 4.0, 9.0)]
    )


def in_memory(est, X, w, block_rows):
    """The in-memory fit of the same rows with blocks of the chunks' size, through the engine
    (the estimators choose their blocks themselves)."""
    spec = est._spec(est._seed(), int(est.n_init))
    spec["init_parts"] = None
    spec["block_rows"] = block_rows
    return _engine.fit(np.ascontiguousarray(X), spec, w)


def assert_same_fit(dask_est, model, report):
    p = model.parameters()
    for name in ("weights", "means"):
        np.testing.assert_array_equal(getattr(dask_est, name + "_"), p[name], err_msg=name)
    mine = dask_est.model_.parameters()
    for name, value in p.items():
        if isinstance(value, np.ndarray):
            np.testing.assert_array_equal(mine[name], value, err_msg=name)
    assert dask_est.report_["history"] == report["history"]
    assert dask_est.report_["log_likelihood"] == report["log_likelihood"]
    assert dask_est.n_iter_ == report["n_iter"]


FAMILIES = [
    ("full", lambda: mdask.GaussianMixture(3, covariance_type="full", n_init=2, random_state=4), blobs),
    ("diag", lambda: mdask.GaussianMixture(3, covariance_type="diag", init_params="random", random_state=5), blobs),
    ("tied", lambda: mdask.GaussianMixture(3, covariance_type="tied", init_params="k-means++", random_state=6), blobs),
    ("spherical", lambda: mdask.GaussianMixture(3, covariance_type="spherical", init_params="random_from_data", random_state=7), blobs),
    ("VEV", lambda: mdask.GaussianMixture(3, covariance_type="VEV", random_state=8), blobs),
    ("EVE", lambda: mdask.GaussianMixture(3, covariance_type="eve", init_params="random", random_state=9), blobs),
    ("bernoulli", lambda: mdask.BernoulliMixture(3, binarize=None, random_state=8), lambda: (blobs() > 3).astype(np.float64)),
    ("exponential", lambda: mdask.ExponentialMixture(3, n_init=2, random_state=9), lambda: np.abs(blobs())),
    ("poisson", lambda: mdask.PoissonMixture(3, init_params="k-means++", random_state=10), lambda: np.floor(3 * np.abs(blobs()))),
]


@pytest.mark.parametrize("name,make,data", FAMILIES, ids=[f[0] for f in FAMILIES])
def test_a_fit_on_the_cluster_has_the_bits_of_the_in_memory_fit_with_chunk_sized_blocks(client, name, make, data):
    X = data()
    w = np.array([1.0, 0.5, 2.0, 0.0])[np.arange(len(X)) % 4]
    for chunks, weights in ((100, None), (64, w)):
        # 11 or 17 chunks, the last shorter: the tree's last level joins unequal subtrees.
        est = make().set_params(max_iter=15, tol=0.0)
        dX = da.from_array(X, chunks=(chunks, X.shape[1]))
        dw = None if weights is None else da.from_array(weights, chunks=50)  # rechunked as X
        est.fit(dX, sample_weight=dw)
        model, report = in_memory(est, X, weights, chunks)
        assert_same_fit(est, model, report)


def test_chunks_of_a_power_of_two_blocks_give_the_bits_of_the_public_in_memory_fit(client):
    X = blobs(n_per=1500, seed=1)  # 4500 rows: chunks of 1024 rows (4 blocks of 256), last 404
    w = np.linspace(0.0, 3.0, len(X))
    for cls, data in ((mdask.GaussianMixture, X), (mdask.ExponentialMixture, np.abs(X))):
        est = cls(3, n_init=2, max_iter=10, random_state=3)
        est.fit(da.from_array(data, chunks=(1024, 3)), sample_weight=w)
        memory = getattr(mixture_em, cls.__name__)(**est.get_params()).fit(data, sample_weight=w)
        assert_same_fit(est, memory.model_, memory.report_)
        assert est.lower_bound_ == memory.lower_bound_


def test_the_same_bits_on_any_number_of_workers_threads_and_schedulers(client):
    X = blobs(seed=2)
    # Uneven chunks, and columns in two chunks (joined into one).
    dX = da.from_array(X, chunks=((37, 500, 3, 200, 289), (2, 1)))
    make = lambda: mdask.GaussianMixture(4, n_init=2, max_iter=20, random_state=0)  # noqa: E731
    on_cluster = make().fit(dX)
    with dask.config.set(scheduler="synchronous"):
        one_thread = make().fit(dX)
    with dask.config.set(scheduler="threads", num_workers=3):
        threads = make().fit(dX)
    for other in (one_thread, threads):
        assert_same_fit(other, on_cluster.model_, on_cluster.report_)
    # Two requests per iteration would mean the model travels twice: one per pass.
    assert on_cluster._transfer["passes"] == 2 + sum(2 + r[1] for r in on_cluster.report_["runs"])


def test_predictions_are_dask_arrays_and_reductions_match_the_in_memory_model(client):
    X = blobs(seed=3)
    dX = da.from_array(X, chunks=(200, 3))
    est = mdask.GaussianMixture(3, random_state=0).fit(dX)
    memory = mixture_em.GaussianMixture(3)
    memory._model = est.model_  # the same fitted model, used in memory
    memory.n_features_in_ = 3
    for method in ("score_samples", "predict", "predict_proba"):
        lazy = getattr(est, method)(dX)
        assert isinstance(lazy, da.Array), method
        assert lazy.chunks[0] == dX.chunks[0], method
        np.testing.assert_array_equal(lazy.compute(), getattr(memory, method)(X), err_msg=method)
    np.testing.assert_allclose(est.score(dX), memory.score(X), rtol=1e-13)
    np.testing.assert_allclose(est.bic(dX), memory.bic(X), rtol=1e-13)
    np.testing.assert_allclose(est.aic(dX), memory.aic(X), rtol=1e-13)
    w = np.linspace(0.0, 2.0, len(X))
    np.testing.assert_allclose(est.score(dX, sample_weight=w), memory.score(X, sample_weight=w), rtol=1e-13)
    labels = est.fit_predict(dX)
    assert isinstance(labels, da.Array)


def test_merge_tasks_of_eight_answers_build_the_engines_merge_tree():
    from mixture_em import _engine

    for n in range(1, 200):
        items = [str(i) for i in range(n)]
        grouped = mdask._in_groups(items, 8, lambda *group: _engine.merge_order(list(group)))
        assert grouped == _engine.merge_order(items), n


def test_nothing_is_computed_at_construction_and_parameters_are_the_in_memory_ones():
    for dask_class, memory_class in (
        (mdask.GaussianMixture, mixture_em.GaussianMixture),
        (mdask.BernoulliMixture, mixture_em.BernoulliMixture),
        (mdask.ExponentialMixture, mixture_em.ExponentialMixture),
    ):
        est = dask_class(n_components=2, random_state=1)
        assert est.get_params() == memory_class(n_components=2, random_state=1).get_params()
        assert clone(est).get_params() == est.get_params()
        assert "_model" not in vars(est)


def test_bad_input_is_refused_with_the_row_or_the_reason(client):
    X = blobs(seed=4)
    bad = X.copy()
    bad[777, 1] = np.nan
    with pytest.raises(ValueError, match="777"):
        mdask.GaussianMixture(2).fit(da.from_array(bad, chunks=(100, 3)))
    with pytest.raises(ValueError, match="row 5"):
        mdask.ExponentialMixture(2).fit(da.from_array(np.where(np.arange(len(X))[:, None] == 5, -1.0, np.abs(X)), chunks=(100, 3)))
    w = np.ones(len(X))
    w[300] = -1.0
    with pytest.raises(ValueError, match="300"):
        mdask.GaussianMixture(2).fit(da.from_array(X, chunks=(100, 3)), sample_weight=w)
    with pytest.raises(ValueError, match="sample_weight"):
        mdask.GaussianMixture(2).fit(da.from_array(X, chunks=(100, 3)), sample_weight=w[:10])
    unknown = da.from_array(X, chunks=(100, 3))
    unknown = unknown[unknown[:, 0] > -100]
    with pytest.raises(ValueError, match="compute_chunk_sizes"):
        mdask.GaussianMixture(2).fit(unknown)
    with pytest.raises(ValueError, match="2-D"):
        mdask.GaussianMixture(2).fit(da.from_array(X[:, 0], chunks=100))
    est = mdask.GaussianMixture(2, random_state=0).fit(da.from_array(X, chunks=(500, 3)))
    with pytest.raises(ValueError, match="expecting 3 features"):
        est.predict(da.from_array(X[:, :2], chunks=(500, 2)))
    inf = X.copy()
    inf[801, 0] = np.inf
    with pytest.raises(ValueError, match="rows 800 to 999"):
        est.predict(da.from_array(inf, chunks=(200, 3))).compute()


def _pids(client):
    return client.run(os.getpid)


def test_a_worker_killed_during_a_fit_costs_a_retry_not_a_different_result(client, monkeypatch):
    X = blobs(n_per=2000, seed=5)
    dX = da.from_array(X, chunks=(500, 3))
    make = lambda: mdask.GaussianMixture(3, max_iter=12, tol=0.0, random_state=0)  # noqa: E731
    undisturbed = make().fit(dX)

    original = mdask._Chunks.run
    killed = []

    def run(self, request):
        # During the fifth pass, one worker dies (SIGKILL: no goodbye), with the chunks it holds.
        if self.passes == 4 and not killed:
            victim = sorted(_pids(client).values())[0]
            threading.Timer(0.02, os.kill, (victim, signal.SIGKILL)).start()
            killed.append(victim)
        return original(self, request)

    monkeypatch.setattr(mdask._Chunks, "run", run)
    disturbed = make().fit(dX)
    assert killed
    assert_same_fit(disturbed, undisturbed.model_, undisturbed.report_)
    client.wait_for_workers(2, timeout=60)
    assert killed[0] not in _pids(client).values()


def test_a_chunk_that_kills_every_worker_trying_it_is_named(client):
    X = blobs(seed=6)

    def die_on_chunk_2(block, block_info=None):
        if block_info[0]["chunk-location"][0] == 2:
            os._exit(1)
        return block

    dX = da.from_array(X, chunks=(100, 3)).map_blocks(die_on_chunk_2, dtype=X.dtype)
    with pytest.raises(RuntimeError) as error:
        mdask.GaussianMixture(2, random_state=0).fit(dX)
    # A worker's death counts against every task it was running: the scheduler may give up
    # on chunk 2 or on a task that shared its workers; either is named with its rows.
    named = re.search(r"chunks? (\d+)(?: to (\d+))? \(rows (\d+) to (\d+)\) could not be computed", str(error.value))
    assert named, error.value
    a, b, first, last = (int(g) if g is not None else None for g in named.groups())
    b = a if b is None else b
    assert (first, last) == (100 * a, min(100 * b + 99, len(X) - 1))
    assert "allowed-failures" in str(error.value)
    client.wait_for_workers(2, timeout=60)


def test_passes_over_other_weights_or_specs_never_share_task_keys():
    # A weighted score right after an unweighted one (the same model, the same chunks) must not
    # be handed the unweighted pass's answers by a cluster that still holds them.
    X = da.from_array(blobs(seed=1), chunks=(200, 3))
    w = da.from_array(np.linspace(0.0, 2.0, X.shape[0]), chunks=(200,))
    spec = {"family": {"family": "gaussian"}, "n_components": 2}
    request = b"the same request"
    plain = mdask._Chunks(X, None, spec, "float64").token(request)
    weighted = mdask._Chunks(X, w, spec, "float64").token(request)
    other_w = mdask._Chunks(X, w * 2, spec, "float64").token(request)
    other_spec = mdask._Chunks(X, None, {**spec, "n_components": 3}, "float64").token(request)
    assert len({plain, weighted, other_w, other_spec}) == 4
    assert mdask._Chunks(X, w, spec, "float64").token(request) == weighted
