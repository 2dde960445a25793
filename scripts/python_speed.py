#!/usr/bin/env python3
"""What the Python layer costs: a whole fit of 1M × 8, K = 16, full covariance, from the same
start, through ``mixture_em.GaussianMixture`` and through the Rust library
(``examples/speed.rs``), alternating the two REPEATS times in processes that run nothing
else (no BLAS threads of another library spinning beside them). Run from the repository root
in an environment where the package is installed (``pip install ./python``):

    python scripts/python_speed.py [ITERATIONS [REPEATS]]

Prints the medians of the whole fit of 1 + ITERATIONS iterations, and of one iteration by
difference, in f64 and f32.
"""
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np

ITERATIONS = int(sys.argv[1]) if len(sys.argv) > 1 else 5
REPEATS = int(sys.argv[2]) if len(sys.argv) > 2 else 5
N, D, K, KIND = 1_000_000, 8, 16, "full"

PYTHON_TIMER = r"""
import json, sys, time, warnings
import numpy as np
import mixture_em
path, start_path, n, d, k, kind, iterations, dtype = sys.argv[1:]
n, d, k, iterations = int(n), int(d), int(k), int(iterations)
x = np.fromfile(path, dtype="<f8").reshape(n, d).astype(dtype)
m = json.load(open(start_path))
cov = np.array(m["covariances"])
start = dict(weights_init=np.array(m["weights"]), means_init=np.array(m["means"]),
             precisions_init=np.linalg.inv(cov))
def timed(max_iter):
    gm = mixture_em.GaussianMixture(k, covariance_type=kind, tol=0.0, max_iter=max_iter, **start)
    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gm.fit(x)
    return time.perf_counter() - t
short, long = timed(1), timed(1 + iterations)
print((long - short) / iterations, long)
"""


def main():
    subprocess.run(["cargo", "build", "--release", "--example", "speed"], check=True)
    rng = np.random.default_rng(1)
    means = rng.standard_normal((K, D)) * 3.0
    x = means[rng.integers(0, K, N)] + rng.standard_normal((N, D))
    rows = {"f64": ([], [], [], []), "f32": ([], [], [], [])}
    with tempfile.TemporaryDirectory() as tmp:
        path, start_path = os.path.join(tmp, "x.f64"), os.path.join(tmp, "start.json")
        np.ascontiguousarray(x, dtype="<f8").tofile(path)
        for _ in range(REPEATS):
            out = subprocess.run(
                ["target/release/examples/speed", path, str(N), str(D), str(K), KIND,
                 str(ITERATIONS), "1", start_path],
                check=True, capture_output=True, text=True).stdout.split()
            rows["f64"][0].append(float(out[1]))
            rows["f64"][1].append(float(out[6]))
            rows["f32"][0].append(float(out[3]))
            rows["f32"][1].append(float(out[7]))
            for dtype, key in (("float64", "f64"), ("float32", "f32")):
                per, whole = subprocess.run(
                    [sys.executable, "-c", PYTHON_TIMER, path, start_path, str(N), str(D), str(K),
                     KIND, str(ITERATIONS), dtype],
                    check=True, capture_output=True, text=True).stdout.split()
                rows[key][2].append(float(per))
                rows[key][3].append(float(whole))
    print(f"{N}x{D} K={K} {KIND}: {1 + ITERATIONS} iterations from the same start, medians of {REPEATS}")
    print(f"{'':>4} {'rust/it':>8} {'rust fit':>9} {'python/it':>10} {'python fit':>11} {'fit ratio':>10}")
    for key, (r_it, r_fit, p_it, p_fit) in rows.items():
        r_it, r_fit, p_it, p_fit = (float(np.median(v)) for v in (r_it, r_fit, p_it, p_fit))
        print(f"{key:>4} {r_it:>8.4f} {r_fit:>9.3f} {p_it:>10.4f} {p_fit:>11.3f} {p_fit / r_fit:>9.3f}x")


if __name__ == "__main__":
    main()
