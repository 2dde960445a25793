"""mixture_em.dask on a local two-worker cluster against the in-process fit: seconds per E-M
iteration, the overhead per iteration, and the bytes each iteration ships.

    python scripts/dask_benchmark.py [--rows 1000000] [--dims 8] [--components 16] [--chunk-rows 65536]

Needs the package with its `dask` extra (pip install "./python[dask]"). Every fit starts from
the same initial model (a warm start), so the times are those of the iterations alone: a fit of
`--iters` iterations minus a fit of none (both end with one pass that scores the result).
"""

import argparse
import statistics
import time
import warnings

import numpy as np


def data(n: int, d: int, k: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(0.0, 6.0, (k, d))
    labels = rng.integers(0, k, n)
    return centres[labels] + rng.normal(0.0, 1.0, (n, d))


def merge_tasks(n: int, fan_in: int = 8) -> int:
    tasks = 0
    while n > 1:
        tasks += n // fan_in + (n % fan_in > 1)
        n = -(-n // fan_in)
    return tasks


def timed(fit, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fit()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--dims", type=int, default=8)
    parser.add_argument("--components", type=int, default=16)
    parser.add_argument("--chunk-rows", type=int, default=65536, help="rows per chunk of the dask array (256·2^m keeps the in-memory bits)")
    parser.add_argument("--iters", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # ConvergenceWarning (tol=0), dask's large-graph warning

    import dask.array as da
    import distributed

    import mixture_em
    import mixture_em.dask as mdask
    from mixture_em import _engine

    n, d, k = args.rows, args.dims, args.components
    X = data(n, d, k)
    chunk_rows = args.chunk_rows
    start = mixture_em.GaussianMixture(k, max_iter=0, random_state=0).fit(X[:200_000])

    def warm(cls, **kw):
        est = cls(k, warm_start=True, tol=0.0, **kw)
        est._model, est.n_features_in_ = start.model_, d  # the same start for every fit
        return est

    def in_process(iters):
        return warm(mixture_em.GaussianMixture, max_iter=iters).fit(X)

    per_iter_memory = (timed(lambda: in_process(args.iters), args.repeats) - timed(lambda: in_process(0), args.repeats)) / args.iters

    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster, distributed.Client(cluster) as client:
        dX = da.from_array(X, chunks=(chunk_rows, d)).persist()
        distributed.wait(dX)

        def on_cluster(iters):
            return warm(mdask.GaussianMixture, max_iter=iters).fit(dX)

        def sent():
            return sum(client.run(lambda dask_worker: dask_worker.transfer_outgoing_bytes_total).values())

        no_iteration = timed(lambda: on_cluster(0), args.repeats)
        per_iter_dask = (timed(lambda: on_cluster(args.iters), args.repeats) - no_iteration) / args.iters
        before = sent()
        on_cluster(0)
        sampling_bytes = sent() - before
        fitted = on_cluster(args.iters)
        request = fitted._transfer["request_bytes"] / fitted._transfer["passes"]
        same = np.array_equal(fitted.means_, in_process(args.iters).means_)
        # One iteration's pass, as the fit sends it, run alone: the bytes the workers send each
        # other for it (chunks to merges, the request, the merged answer).
        spec = fitted._spec(0, 1)
        e_step = b'{"Statistics":{"n_features":%d,"source":{"Model":%s},"accumulate":true}}' % (
            d, fitted.model_.to_json().encode())
        runner = mdask._Chunks(dX, None, spec, "float64")
        before = sent()
        for _ in range(args.iters):
            runner.run(e_step)
        between_workers = (sent() - before) / args.iters
        answer = len(_engine.chunk(spec, e_step, X[:chunk_rows], None, 0))

    n_chunks = -(-n // chunk_rows)
    print(f"{n} x {d}, K = {k} full, {n_chunks} chunks of {chunk_rows} rows; 2 workers x 1 thread vs in-process on 2 threads")
    print(f"in-process      {per_iter_memory:8.3f} s/iteration")
    print(f"dask (2 workers){per_iter_dask:8.3f} s/iteration  overhead {per_iter_dask - per_iter_memory:+.3f} s ({per_iter_dask / per_iter_memory:.2f}x)")
    print(f"request (the model) {request / 1e3:.1f} kB per pass; one chunk's answer {answer / 1e3:.1f} kB; "
          f"{n_chunks - 1} merges per pass in {merge_tasks(n_chunks)} tasks")
    print(f"a fit of no iteration (2 sampling passes, the final score): {no_iteration:.3f} s, "
          f"{sampling_bytes / 1e6:.1f} MB between workers")
    print(f"the same bits as in-process: {same}")
    print(f"bytes between workers per iteration (measured): {between_workers / 1e3:.1f} kB; "
          f"upper bound (request to each worker + every answer moved once): "
          f"{(2 * request + n_chunks * answer) / 1e3:.1f} kB")


if __name__ == "__main__":
    main()
