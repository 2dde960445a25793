#!/usr/bin/env bash
# Data larger than memory, measured: writes a 2 GB NPY (32·10⁶ rows × 8 features, f64) and fits
# K = 8 full covariances over it for 5 iterations from the same start, streamed (--stream) and in
# memory, with peak resident memory from /usr/bin/time -v. The page cache is warmed by a first
# read. Then stepwise E-M against a full fit on 10⁶ rows (examples/online.rs).
#
#   bash scripts/stream_benchmark.sh [DIR]      (needs about 2 GB of disk in DIR, default /tmp)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-/tmp}/mixture-stream-bench
mkdir -p "$dir"
cargo build --release --locked -p mixture-cli >/dev/null
cargo build --release --locked --example online >/dev/null
mixture=target/release/mixture
n=${N:-32000000}
if [ ! -s "$dir/big.npy" ]; then
    $mixture generate gaussian -n "$n" -d 8 -k 8 --seed 1 --output "$dir/big.npy"
fi
ls -l "$dir/big.npy"
cat "$dir/big.npy" >/dev/null   # warm page cache
# A common start: 0 iterations from k-means++ on the initialisation sample.
$mixture fit -i "$dir/big.npy" -k 8 --max-iter 0 --stream --model "$dir/start.json" >/dev/null
for mode in stream memory; do
    flag=$([ "$mode" = stream ] && echo --stream || echo "--memory-limit 1T")
    /usr/bin/time -v $mixture fit -i "$dir/big.npy" -k 8 --init-model "$dir/start.json" \
        --tol 0 --max-iter 5 --json $flag 2>"$dir/$mode.time" >"$dir/$mode.json"
    secs=$(grep "Elapsed (wall clock)" "$dir/$mode.time" | awk '{print $NF}')
    rss=$(grep "Maximum resident set size" "$dir/$mode.time" | awk '{print $NF}')
    echo "$mode: wall $secs (5 iterations + 3 passes), peak RSS $((rss / 1024)) MB, $(cat "$dir/$mode.json")"
done
target/release/examples/online
