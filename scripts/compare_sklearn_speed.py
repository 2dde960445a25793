#!/usr/bin/env python3
"""Side-by-side speed of E-M iterations: scikit-learn's GaussianMixture against this library,
on the same data, from the same start, in one run. Run by hand from the repository root:

    .venv/bin/python scripts/compare_sklearn_speed.py [ITERATIONS [REPEATS]]

(the virtual environment needs numpy and scikit-learn). For each shape and covariance type,
`examples/speed.rs` makes a k-means++ start, saves it, and times our iterations; scikit-learn
is given the same weights, means and precisions (`weights_init`, `means_init`,
`precisions_init`). Both sides time one iteration as `(t(1 + ITERATIONS) − t(1)) / ITERATIONS`
with `tol = 0`, so initialisation and the final pass cancel out. Medians of REPEATS, in f64 and
in f32 (the same data rounded). scikit-learn runs on however many threads its BLAS takes (all
cores); so do we. The last columns are the mean log-likelihoods both reach after 1 + ITERATIONS
iterations in f64 (scikit-learn's `score`): the same start gives the same path, so they agree to many
digits.

When the Python package is installed in the environment (`pip install ./python`), a second
table times `mixture_em.GaussianMixture` from the same start, both ways: per iteration (by
difference) and the whole fit of 1 + ITERATIONS iterations, which includes everything the
Python layer adds (input checks, the start's conversion, the fitted attributes), against the
Rust library's whole fit.
"""
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture

ITERATIONS = int(sys.argv[1]) if len(sys.argv) > 1 else 5
REPEATS = int(sys.argv[2]) if len(sys.argv) > 2 else 3
CASES = [(100_000, 16, 8, "full"), (100_000, 16, 8, "diag"),
         (1_000_000, 8, 16, "full"), (1_000_000, 8, 16, "diag")]


def data(n, d, k, rng):
    means = rng.standard_normal((k, d)) * 3.0
    labels = rng.integers(0, k, n)
    x = means[labels] + rng.standard_normal((n, d))
    return np.ascontiguousarray(x, dtype="<f8")


def sklearn_start(path, kind):
    """scikit-learn's `*_init` arguments from our saved start."""
    with open(path) as f:
        m = json.load(f)
    weights, means = np.array(m["weights"]), np.array(m["means"])
    cov = np.array(m["covariances"])
    if kind in ("full", "tied"):
        precisions = np.linalg.inv(cov)
    else:
        precisions = 1.0 / cov
    return dict(weights_init=weights, means_init=means, precisions_init=precisions)


def sklearn_per_iteration(x, k, kind, start, dtype):
    x = x.astype(dtype)

    def timed(max_iter):
        gm = GaussianMixture(k, covariance_type=kind, tol=0.0, max_iter=max_iter, **start)
        t = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            gm.fit(x)
        elapsed = time.perf_counter() - t
        return elapsed, gm.score(x)

    times, ll = [], 0.0
    for _ in range(REPEATS):
        short, _ = timed(1)
        long, ll = timed(1 + ITERATIONS)
        times.append((long - short) / ITERATIONS)
    return float(np.median(times)), ll


def python_per_iteration(x, k, kind, start, dtype):
    """mixture_em.GaussianMixture from the same start: seconds per iteration (by difference)
    and the whole fit of 1 + ITERATIONS iterations (medians)."""
    import mixture_em

    x = x.astype(dtype)

    def timed(max_iter):
        gm = mixture_em.GaussianMixture(k, covariance_type=kind, tol=0.0, max_iter=max_iter, **start)
        t = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            gm.fit(x)
        return time.perf_counter() - t

    per, whole = [], []
    for _ in range(REPEATS):
        short = timed(1)
        long = timed(1 + ITERATIONS)
        per.append((long - short) / ITERATIONS)
        whole.append(long)
    return float(np.median(per)), float(np.median(whole))


def main():
    subprocess.run(["cargo", "build", "--release", "--example", "speed"], check=True)
    rng = np.random.default_rng(1)
    try:
        import mixture_em  # noqa: F401
        python_rows = []
    except ImportError:
        python_rows = None
    print(f"{ITERATIONS} iterations, medians of {REPEATS}; seconds per iteration")
    print(f"{'case':>24} {'sklearn f64':>11} {'ours f64':>9} {'ratio':>6} "
          f"{'sklearn f32':>11} {'ours f32':>9} {'ratio':>6} {'loglik sklearn':>16} {'loglik ours':>16}")
    for n, d, k, kind in CASES:
        x = data(n, d, k, rng)
        with tempfile.TemporaryDirectory() as tmp:
            path, start_path = os.path.join(tmp, "x.f64"), os.path.join(tmp, "start.json")
            x.tofile(path)
            out = subprocess.run(
                ["target/release/examples/speed", path, str(n), str(d), str(k), kind,
                 str(ITERATIONS), str(REPEATS), start_path],
                check=True, capture_output=True, text=True).stdout.split()
            start = sklearn_start(start_path, kind)
        ours64, ours32, ll_ours = float(out[1]), float(out[3]), float(out[4])
        fit64, fit32 = float(out[6]), float(out[7])
        if python_rows is not None:
            # Before scikit-learn: its BLAS threads spin for a while after each call, and
            # would take the cores from whatever runs next.
            py64, pyfit64 = python_per_iteration(x, k, kind, start, np.float64)
            py32, pyfit32 = python_per_iteration(x, k, kind, start, np.float32)
            python_rows.append((f"{n}x{d} K={k} {kind}", py64, ours64, pyfit64, fit64, py32, ours32, pyfit32, fit32))
        sk64, ll_sk = sklearn_per_iteration(x, k, kind, start, np.float64)
        sk32, _ = sklearn_per_iteration(x, k, kind, start, np.float32)
        print(f"{f'{n}x{d} K={k} {kind}':>24} {sk64:>11.4f} {ours64:>9.4f} {sk64/ours64:>5.1f}x "
              f"{sk32:>11.4f} {ours32:>9.4f} {sk32/ours32:>5.1f}x {ll_sk:>16.10f} {ll_ours:>16.10f}")
        sys.stdout.flush()
    if python_rows:
        print(f"\nmixture_em.GaussianMixture (Python) against the Rust library, same start; "
              f"per iteration and the whole fit of {1 + ITERATIONS} iterations, seconds")
        print(f"{'case':>24} {'py f64/it':>9} {'rust':>7} {'py fit':>7} {'rust fit':>8} {'ratio':>6} "
              f"{'py f32/it':>9} {'rust':>7} {'py fit':>7} {'rust fit':>8} {'ratio':>6}")
        for case, py64, r64, pf64, rf64, py32, r32, pf32, rf32 in python_rows:
            print(f"{case:>24} {py64:>9.4f} {r64:>7.4f} {pf64:>7.3f} {rf64:>8.3f} {pf64/rf64:>5.2f}x "
                  f"{py32:>9.4f} {r32:>7.4f} {pf32:>7.3f} {rf32:>8.3f} {pf32/rf32:>5.2f}x")


if __name__ == "__main__":
    main()
