#!/usr/bin/env bash
# The lesson's fit to convergence as a whole process: `mixture fit` against a Python process
# that reads the same CSV and fits scikit-learn's GaussianMixture (K = 3, full, tol 1e-3,
# k-means initialisation on both sides), each started REPEATS times; prints the medians of the
# wall times. Run from the repository root after `cargo build --release -p mixture-cli`, with
# the virtual environment of scripts/compare_sklearn_speed.py:
#
#     scripts/lesson_process_speed.sh [REPEATS]
set -euo pipefail
repeats=${1:-11}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mixture=target/release/mixture
"$mixture" generate lesson --output "$tmp/lesson.csv" --seed 3 >/dev/null
cat >"$tmp/fit.py" <<'PY'
import sys
import numpy as np
from sklearn.mixture import GaussianMixture
x = np.loadtxt(sys.argv[1], delimiter=",", skiprows=1)
gm = GaussianMixture(3, covariance_type="full", tol=1e-3, random_state=1).fit(x)
print(gm.score(x) * len(x))
PY
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_ms() { local t0 t1; t0=$(date +%s%N); "$@" >/dev/null 2>&1; t1=$(date +%s%N); echo $(((t1 - t0) / 1000000)); }
ours=$(for _ in $(seq "$repeats"); do time_ms "$mixture" fit -i "$tmp/lesson.csv" -k 3 --init kmeans --seed 1 --model "$tmp/m.json"; done | median)
theirs=$(for _ in $(seq "$repeats"); do time_ms .venv/bin/python "$tmp/fit.py" "$tmp/lesson.csv"; done | median)
echo "lesson fit as a process (median of $repeats): mixture ${ours} ms, python+scikit-learn ${theirs} ms, ratio $(awk -v a="$theirs" -v b="$ours" 'BEGIN {printf "%.0f", a / (b > 0 ? b : 1)}')x"
