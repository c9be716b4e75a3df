#!/usr/bin/env python3
"""Fixed cost per fit, measured through the CLI: fits of 1, 2 and 6 iterations (`--init random
--tol 0`), rounds alternating; the per-iteration slope is (fit6 - fit2) / 4 and a fit of N
iterations costs N + x slopes (the issue-12 target is x <= 1.3: the extra 1 is the final labels
pass). Use data whose random init relocates no empty cluster (a relocation is an extra pass):
`kmeans generate --std 50` makes one broad cloud; `-v` prints relocations.

    kmeans generate --n 1000000 --d 64 -k 256 --dtype f32 --std 50 --out /tmp/large.npy
    kmeans generate --n 100000 --d 32 -k 64 --dtype f32 --std 50 --out /tmp/mid.npy
    python3 crates/kmeans-simd/scripts/fixed_costs.py KMEANS_BIN ROUNDS /tmp/mid.npy:64 /tmp/large.npy:256

The fits run `--backend simd/iter/dot-blocked-par` (plain Lloyd: a constant slope), or the
backend named by the environment variable BACKEND.
"""
import os
import json
import statistics
import subprocess
import sys


def fit(kmeans, path, k, iters, threads):
    out = subprocess.run(
        [kmeans, "fit", path, "-k", str(k), "--init", "random", "--max-iter", str(iters),
         "--tol", "0", "--json", "--threads", str(threads),
         "--backend", os.environ.get("BACKEND", "simd/iter/dot-blocked-par")],
        capture_output=True, text=True, check=True).stdout
    return json.loads(out)["fit_seconds"]


def main():
    kmeans, rounds = sys.argv[1], int(sys.argv[2])
    sizes = [(s.rsplit(":", 1)[0], int(s.rsplit(":", 1)[1])) for s in sys.argv[3:]]
    times = {}
    for _ in range(rounds):
        for path, k in sizes:
            for threads in (1, 2):
                for iters in (1, 2, 6):
                    times.setdefault((path, threads, iters), []).append(
                        fit(kmeans, path, k, iters, threads))
    for path, k in sizes:
        slopes = {}
        for threads in (1, 2):
            m = {i: statistics.median(times[(path, threads, i)]) for i in (1, 2, 6)}
            slope = (m[6] - m[2]) / 4
            slopes[threads] = slope
            extra = ", ".join(f"N={i}: N + {m[i] / slope - i:.2f}" for i in (1, 2, 6))
            print(f"{path} k={k} threads={threads}: fits of 1/2/6 iterations "
                  f"{m[1] * 1e3:.1f} / {m[2] * 1e3:.1f} / {m[6] * 1e3:.1f} ms; "
                  f"slope {slope * 1e3:.2f} ms per iteration; {extra} slopes")
        print(f"  two threads: slope {slopes[1] / slopes[2]:.2f}x faster than one")


if __name__ == "__main__":
    main()
