"""The GIL is released while the engine works, and results do not depend on the thread count."""

import threading
import time
import warnings

import numpy as np

import mixture_em
from mixture_em import GaussianMixture

from conftest import blobs


def test_results_do_not_depend_on_the_thread_count():
    X = blobs(n_per=20_000, d=4, k=4, seed=6)
    fits = []
    for n in (1, 2, None):
        with mixture_em.num_threads(n):
            gm = GaussianMixture(4, n_init=2, random_state=0).fit(X)
            fits.append((gm.means_, gm.covariances_, gm.score_samples(X), gm.lower_bound_))
    for other in fits[1:]:
        for a, b in zip(fits[0], other):
            assert np.array_equal(a, b)
    assert mixture_em.get_num_threads() is None


def test_the_gil_is_released_during_a_fit():
    X = blobs(n_per=100_000, d=8, k=4, seed=9)
    done = threading.Event()

    def fit():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # 30 iterations, not converged: on purpose
            GaussianMixture(8, max_iter=30, tol=0.0, random_state=0).fit(X)
        done.set()

    worker = threading.Thread(target=fit)
    worker.start()
    # While the engine fits, this thread keeps running Python: it could not if the GIL were held.
    ticks, start = 0, time.perf_counter()
    while not done.is_set():
        ticks += 1
        time.sleep(0.001)
    worker.join()
    elapsed = time.perf_counter() - start
    assert elapsed > 0.1, "the fit was too quick to tell"
    assert ticks > 0.25 * elapsed / 0.001, (ticks, elapsed)


def test_thread_count_is_checked():
    import pytest

    with pytest.raises(ValueError, match="positive integer"):
        mixture_em.set_num_threads(0)


def test_ctrl_c_stops_a_long_fit_and_leaves_the_estimator_as_it_was():
    import os
    import signal

    import pytest

    X = blobs(n_per=50_000, d=8, k=4, seed=10)
    gm = GaussianMixture(8, max_iter=10_000, tol=0.0, random_state=0)
    # Python's own Ctrl-C handler, even where this process was started with SIGINT ignored
    # (a background job of a non-interactive shell).
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    timer = threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT))
    try:
        start = time.perf_counter()
        timer.start()
        with pytest.raises(KeyboardInterrupt):
            gm.fit(X)
        elapsed = time.perf_counter() - start
    finally:
        timer.cancel()
        signal.signal(signal.SIGINT, before)
    assert elapsed < 10, elapsed  # 10 000 iterations would take minutes
    assert not hasattr(gm, "means_")
