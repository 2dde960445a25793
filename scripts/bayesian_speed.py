#!/usr/bin/env python3
"""Side-by-side speed of variational iterations: scikit-learn's BayesianGaussianMixture against
mixture_em.BayesianGaussianMixture, on the same data, in one run. Run by hand from the
repository root (the virtual environment needs numpy, scikit-learn and the package):

    .venv/bin/python scripts/bayesian_speed.py [ITERATIONS [REPEATS]]

Each side times one iteration as `(t(1 + ITERATIONS) − t(1)) / ITERATIONS` (whole `fit` calls
with `tol = 0`, `init_params="random_from_data"`, a Dirichlet-process prior), so the
initialisation and the Python layer's fixed costs cancel out. Medians of REPEATS. Both use every
core (scikit-learn through its BLAS, we through our thread pool).
"""
import statistics
import sys
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import BayesianGaussianMixture as Theirs

from mixture_em import BayesianGaussianMixture as Ours

ITERATIONS = int(sys.argv[1]) if len(sys.argv) > 1 else 5
REPEATS = int(sys.argv[2]) if len(sys.argv) > 2 else 3
CASES = [
    (100_000, 16, 8, "full"),
    (100_000, 16, 8, "diag"),
    (100_000, 16, 8, "tied"),
    (100_000, 16, 8, "spherical"),
    (1_000_000, 8, 16, "full"),
    (1_000_000, 8, 16, "diag"),
]


def data(n, d, k, rng):
    means = rng.standard_normal((k, d)) * 3.0
    labels = rng.integers(0, k, n)
    return np.ascontiguousarray(means[labels] + rng.standard_normal((n, d)))


def per_iteration(cls, x, k, kind):
    def timed(max_iter):
        est = cls(n_components=k, covariance_type=kind, max_iter=max_iter, tol=0.0,
                  init_params="random_from_data", random_state=0)
        start = time.perf_counter()
        est.fit(x)
        return time.perf_counter() - start

    samples = []
    for _ in range(REPEATS):
        samples.append((timed(1 + ITERATIONS) - timed(1)) / ITERATIONS)
    return statistics.median(samples)


def main():
    warnings.simplefilter("ignore", ConvergenceWarning)
    rng = np.random.default_rng(0)
    print(f"{ITERATIONS} iterations by difference, median of {REPEATS}")
    print("| rows × features, K | covariance | scikit-learn s/iter | mixture_em s/iter | ratio |")
    print("|---|---|---:|---:|---:|")
    for n, d, k, kind in CASES:
        x = data(n, d, k, rng)
        theirs = per_iteration(Theirs, x, k, kind)
        ours = per_iteration(Ours, x, k, kind)
        print(f"| {n:,} × {d}, K = {k} | {kind} | {theirs:.4f} | {ours:.4f} | {theirs / ours:.1f}× |", flush=True)


if __name__ == "__main__":
    main()
