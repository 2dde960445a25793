#!/usr/bin/env python3
"""`mixture select` against R's `Mclust`, side by side, on the data sets of the mclust fixture
(tests/fixtures/mclust.json: faithful, iris, diabetes). Run by hand from the repository root,
after `cargo build --release` and with R and mclust installed
(`apt-get install r-base-core r-cran-mclust r-cran-jsonlite`):

    python3 scripts/mclust_select_benchmark.py [REPEATS] [-- extra select options]

For each data set both fit the grid of 14 covariance models × K = 1..9. Times are medians of
REPEATS (default 5) runs: `Mclust(x)` timed inside R (R's start-up excluded), `mixture select
-k 1..9` as a whole process (reading the CSV and printing included). Then the BIC tables are
compared cell by cell (mclust's sign flipped: lower is better): a cell is "worse" when ours is
above mclust's by more than 0.01, "better" when below by more than 0.01, else "equal". The last
columns are each side's chosen model and K; the worse cells are listed under the table.
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MIXTURE = os.path.join(ROOT, "target", "release", "mixture")
ALIASES = {"full": "VVV", "diag": "VVI", "spherical": "VII", "tied": "EEE"}


def mclust(csv: str, repeats: int) -> tuple:
    """Median seconds of Mclust(x), its BIC table {(model, K): bic} and its choice."""
    script = f"""
suppressMessages({{library(mclust); library(jsonlite)}})
x <- as.matrix(read.csv("{csv}", header = FALSE))
times <- c()
for (i in 1:{repeats}) {{
  t0 <- proc.time()[["elapsed"]]
  m <- Mclust(x, G = 1:9, verbose = FALSE)
  times <- c(times, proc.time()[["elapsed"]] - t0)
}}
cat(toJSON(list(time = median(times), bic = lapply(colnames(m$BIC), function(n) unname(m$BIC[, n])),
                models = colnames(m$BIC), best = m$modelName, g = m$G), digits = NA, na = "null",
           auto_unbox = TRUE))
"""
    out = subprocess.run(["Rscript", "-e", script], capture_output=True, text=True, check=True)
    r = json.loads(out.stdout)
    table = {}
    for model, column in zip(r["models"], r["bic"]):
        for k, v in enumerate(column, 1):
            if v is not None:
                table[(model, k)] = -v
    return r["time"], table, f"{r['best']},{r['g']}"


def ours(csv: str, repeats: int, extra: list) -> tuple:
    """Median seconds of `mixture select -k 1..9`, its BIC table and its choice."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = subprocess.run([MIXTURE, "select", "-i", csv, "-k", "1..9", "--json", *extra],
                             capture_output=True, text=True, check=True)
        times.append(time.perf_counter() - t0)
    v = json.loads(out.stdout)
    table = {}
    for c in v["cells"]:
        if c.get("bic") is not None:
            table[(ALIASES.get(c["covariance"], c["covariance"]), c["n_components"])] = c["bic"]
    best = v["best"]
    return statistics.median(times), table, f"{ALIASES.get(best['covariance'], best['covariance'])},{best['n_components']}"


def main() -> None:
    args = sys.argv[1:]
    extra = args[args.index("--") + 1:] if "--" in args else []
    args = args[: args.index("--")] if "--" in args else args
    repeats = int(args[0]) if args else 5
    fixture = json.load(open(os.path.join(ROOT, "tests", "fixtures", "mclust.json")))
    print(f"`mixture select -k 1..9 {' '.join(extra)}` against `Mclust(x, G = 1:9)` "
          f"(mclust {fixture['mclust_version']}), medians of {repeats} runs\n")
    print("| data | N×D | Mclust (s) | select (s) | ratio | worse | equal | better | mclust's fit only | ours only | mclust picks | we pick |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    worst = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, s in fixture["sets"].items():
            csv = os.path.join(tmp, f"{name}.csv")
            with open(csv, "w") as f:
                for row in s["x"]:
                    f.write(",".join(repr(v) for v in row) + "\n")
            t_r, theirs, pick_r = mclust(csv, repeats)
            t_us, mine, pick_us = ours(csv, repeats, extra)
            worse = equal = better = 0
            for cell, b in theirs.items():
                if cell not in mine:
                    continue
                if mine[cell] > b + 0.01:
                    worse += 1
                    worst.append(f"{name} {cell[0]},{cell[1]}: {mine[cell] - b:+.3f}")
                elif mine[cell] < b - 0.01:
                    better += 1
                else:
                    equal += 1
            only_r = len(set(theirs) - set(mine))
            only_us = len(set(mine) - set(theirs))
            n, d = len(s["x"]), len(s["x"][0])
            print(f"| {name} | {n}×{d} | {t_r:.3f} | {t_us:.3f} | {t_r / t_us:.1f}× | {worse} | {equal} | "
                  f"{better} | {only_r} | {only_us} | {pick_r} | {pick_us} |")
    if worst:
        print("\nworse cells (our BIC minus mclust's): " + "; ".join(worst))


if __name__ == "__main__":
    main()
