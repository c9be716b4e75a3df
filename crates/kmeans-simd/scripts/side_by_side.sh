#!/usr/bin/env bash
# Side-by-side measurements: kmeans-simd's `measure` example and scikit-learn's Lloyd on the
# same exported data, alternating per size and thread count for several rounds so that load
# from other processes hits both alike. Output: one log; summarise medians with
# `python3 crates/kmeans-simd/scripts/summarise.py LOG`.
#
#   bash crates/kmeans-simd/scripts/side_by_side.sh [ROUNDS] [LOG] [SIZES...]
#
# With BASELINE=/path/to/measure (the example built from an earlier commit, e.g. in a second
# worktree), each round also runs that binary, its variants prefixed "before: ", for
# before/after tables from the same rounds.
set -euo pipefail
cd "$(dirname "$0")/../../.."
rounds=${1:-3}
log=${2:-/tmp/kmeans-side-by-side.log}
sizes=("${@:3}")
[ ${#sizes[@]} -gt 0 ] || sizes=(slides medium mnist large)
data=/tmp/kmeans-simd-data

cargo build --release -q -p kmeans-simd --example measure
bin=target/release/examples/measure
for s in "${sizes[@]}"; do
    [ -f "$data/${s}_X.bin" ] || "$bin" --no-peak --export "$data" --size "$s" --only none >/dev/null
done

: >"$log"
before() {
    "$BASELINE" --no-peak --threads "$t" --size "$s" --only simd/ 2>&1 |
        sed -E 's/^(simd\/|  dot-blocked)/before: \1/' >>"$log"
}
for round in $(seq "$rounds"); do
    for s in "${sizes[@]}"; do
        for t in 1 2; do
            echo "# round $round size $s threads $t $(date +%T) load $(cut -d' ' -f1 /proc/loadavg)" >>"$log"
            # The baseline (if any) first in odd rounds and last in even ones.
            if [ -n "${BASELINE:-}" ] && [ $((round % 2)) = 1 ]; then before; fi
            "$bin" --threads "$t" --size "$s" --only simd/ --only loops/iter/fused >>"$log" 2>&1
            if [ -n "${BASELINE:-}" ] && [ $((round % 2)) = 0 ]; then before; fi
            python3 crates/kmeans-simd/scripts/sklearn_lloyd.py "$data" "$s" "$t" 5 >>"$log" 2>&1
            if [ "$s" = slides ]; then
                python3 crates/kmeans-simd/scripts/sklearn_lloyd.py "$data" "$s" "$t" 5 numpy >>"$log" 2>&1
            fi
        done
    done
done
echo "wrote $log"
