#!/usr/bin/env python3
"""`mixture fit`'s start strategies side by side: the default (one hierarchical start), one
k-means++ start and the best of 10 k-means++ starts, each to the default tolerance, on
generated data sets. Prints each one's log-likelihood and the median wall time of REPEATS runs,
then, over more generated sets of the count families, how far below the best of 10 k-means++
starts one hierarchical start and one k-means++ start end.

    cargo build --release -p mixture-cli
    python3 scripts/fit_start_benchmark.py [REPEATS]
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MIXTURE = ROOT / "target" / "release" / "mixture"

# name, generate arguments, fit arguments
DATA = [
    ("lesson blobs 600×2, K=3", ["lesson", "--n-per-mode", "200"], ["-k", "3"]),
    (
        "Gaussian 200000×8, K=8, separation 2",
        ["gaussian", "-n", "200000", "-d", "8", "-k", "8", "--separation", "2"],
        ["-k", "8"],
    ),
    (
        "Bernoulli digits 5000×64, K=10",
        ["bernoulli", "--digits", "-n", "5000"],
        ["-k", "10", "--family", "bernoulli"],
    ),
    (
        "exponential 20000×4, K=5",
        ["exponential", "-n", "20000", "-d", "4", "-k", "5"],
        ["-k", "5", "--family", "exponential"],
    ),
]

STARTS = [
    ("default (hc)", []),
    ("kmeans++", ["--init", "kmeans++"]),
    ("kmeans++ ×10", ["--init", "kmeans++", "--n-init", "10"]),
]


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    print("| data | start | log-likelihood | iterations | time (s) |")
    print("|---|---|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as work:
        for name, generate, fit in DATA:
            data = Path(work) / "data.npy"
            subprocess.run(
                [MIXTURE, "generate", *generate, "-o", data],
                check=True,
                capture_output=True,
            )
            for label, start in STARTS:
                times = []
                for _ in range(repeats):
                    began = time.perf_counter()
                    out = subprocess.run(
                        [MIXTURE, "fit", "-i", data, *fit, *start, "--json"],
                        check=True,
                        capture_output=True,
                        text=True,
                    ).stdout
                    times.append(time.perf_counter() - began)
                report = json.loads(out)
                print(
                    f"| {name} | {label} | {report['log_likelihood']:.4f} | "
                    f"{report['n_iter']} | {statistics.median(times):.2f} |",
                    flush=True,
                )


def gaps() -> None:
    """Nats below the best of 10 k-means++ starts, for sets of several seeds and shapes."""
    print()
    print("| family | N×D, K | seed | hc below best of 10 | one k-means++ below best of 10 |")
    print("|---|---|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as work:
        data = Path(work) / "data.npy"
        for family in ["exponential", "poisson"]:
            for seed in range(1, 5):
                for n, d, k in [(5000, 3, 4), (20000, 6, 6)]:
                    subprocess.run(
                        [MIXTURE, "generate", family, "-n", str(n), "-d", str(d), "-k", str(k),
                         "--seed", str(seed), "-o", data],
                        check=True,
                        capture_output=True,
                    )

                    def ll(*start: str) -> float:
                        out = subprocess.run(
                            [MIXTURE, "fit", "-i", data, "-k", str(k), "--family", family,
                             *start, "--json"],
                            check=True,
                            capture_output=True,
                            text=True,
                        ).stdout
                        return json.loads(out)["log_likelihood"]

                    best = ll("--init", "kmeans++", "--n-init", "10")
                    print(
                        f"| {family} | {n}×{d}, {k} | {seed} | {best - ll():.2f} | "
                        f"{best - ll('--init', 'kmeans++'):.2f} |",
                        flush=True,
                    )


if __name__ == "__main__":
    main()
    gaps()
