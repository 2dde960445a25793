#!/usr/bin/env python3
"""Side-by-side speed of E-M iterations: scikit-learn's GaussianMixture against this library,
on the same data, in one run. Run by hand from the repository root:

    .venv/bin/python scripts/compare_sklearn_speed.py

Both run ITERATIONS full-covariance E-M iterations with tol 0 (sklearn from a cheap
`random_from_data` init, ours from k-means++ seeding; neither's init is timed separately, and
sklearn's is included in its time, so the ratio slightly favours us on small shapes). Medians of
REPEATS runs.
"""
import os
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture

ITERATIONS = 10
REPEATS = 5
SHAPES = [(100_000, 2, 3), (100_000, 16, 8), (20_000, 64, 4)]


def data(n, d, k, rng):
    means = rng.standard_normal((k, d)) * 3.0
    labels = rng.integers(0, k, n)
    x = means[labels] + rng.standard_normal((n, d))
    return np.ascontiguousarray(x, dtype="<f8")


def sklearn_time(x, k, dtype):
    times = []
    for _ in range(REPEATS):
        gm = GaussianMixture(k, covariance_type="full", tol=0.0, max_iter=ITERATIONS,
                             init_params="random_from_data", random_state=0)
        t = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            gm.fit(x.astype(dtype))
        times.append(time.perf_counter() - t)
    return float(np.median(times))


def main():
    subprocess.run(["cargo", "build", "--release", "--example", "speed"], check=True)
    rng = np.random.default_rng(1)
    print(f"{'shape':>22} {'sklearn f64':>12} {'ours f64':>10} {'ratio':>7} {'sklearn f32':>12} {'ours f32':>10} {'ratio':>7}")
    for n, d, k in SHAPES:
        x = data(n, d, k, rng)
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "x.f64")
            x.tofile(path)
            out = subprocess.run(["target/release/examples/speed", path, str(n), str(d), str(k),
                                  str(ITERATIONS), str(REPEATS)], check=True, capture_output=True, text=True).stdout.split()
        ours64, ours32 = float(out[1]), float(out[3])
        sk64 = sklearn_time(x, k, np.float64)
        sk32 = sklearn_time(x, k, np.float32)
        print(f"{f'N={n} D={d} K={k}':>22} {sk64*1e3:>10.1f}ms {ours64*1e3:>8.1f}ms {sk64/ours64:>6.1f}x "
              f"{sk32*1e3:>10.1f}ms {ours32*1e3:>8.1f}ms {sk32/ours32:>6.1f}x")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
