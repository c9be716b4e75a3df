#!/usr/bin/env python3
"""Each SIMD path against the matrix-product peak of its own vector width, on this machine.

The AVX2 path pinned (`KMEANS_SIMD_ISA=avx2`) on an AVX-512 CPU is not measured by
`cargo bench` (which runs the widest path and divides by the widest peak). This script times
the per-iteration slope of every x86-64 path the CPU has, through the CLI, rounds alternating
between the paths, and divides it by a NumPy/OpenBLAS sgemm/dgemm peak measured with the
kernel of the same width (`OPENBLAS_CORETYPE=Haswell` for 256-bit, OpenBLAS's own choice for
the widest). Run it with a Python that has numpy and threadpoolctl (the bench's venv has):

    target/bench-venv/bin/python crates/kmeans-simd/scripts/isa_peak.py \\
        target/release/kmeans ROUNDS /tmp/mid.npy:64 /tmp/large.npy:256

Data as for `fixed_costs.py` (`kmeans generate ... --std 50`). Fits of A and B iterations
(2 and 10, or 1 and 3 above 2·10⁹ multiply-adds per iteration), `--init random --tol 0
--backend simd/iter/dot-blocked-par`, 1 and 2 threads; the slope is (B − A) / (B − A
iterations), its flops 2·n·k·d.
"""
import json
import os
import statistics
import subprocess
import sys

PEAK = r"""
import json, sys, time
import numpy as np
from threadpoolctl import threadpool_limits
best = {}
with threadpool_limits(1):
    for dtype in (np.float32, np.float64):
        for n in (1024, 2048):
            a = np.random.default_rng(0).random((n, n)).astype(dtype)
            a @ a
            times = []
            for _ in range(5):
                t = time.perf_counter(); a @ a; times.append(time.perf_counter() - t)
            g = 2 * n ** 3 / sorted(times)[2] / 1e9
            name = np.dtype(dtype).name
            best[name] = max(best.get(name, 0.0), g)
json.dump(best, sys.stdout)
"""


def cpu_paths():
    """The x86-64 paths this CPU runs, widest first, with the OpenBLAS core type of their width."""
    flags = set()
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
                break
    paths = []
    if "avx512f" in flags:
        paths.append(("avx512", None))
    if "avx2" in flags and "fma" in flags:
        paths.append(("avx2", "Haswell" if paths else None))
    return paths


def peak(coretype):
    env = dict(os.environ)
    env.pop("OPENBLAS_CORETYPE", None)
    if coretype:
        env["OPENBLAS_CORETYPE"] = coretype
    out = subprocess.run([sys.executable, "-c", PEAK], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def fit(kmeans, path, k, iters, threads, isa):
    env = dict(os.environ, KMEANS_SIMD_ISA=isa)
    out = subprocess.run(
        [kmeans, "fit", path, "-k", str(k), "--init", "random", "--max-iter", str(iters), "--tol", "0",
         "--json", "--threads", str(threads), "--backend", "simd/iter/dot-blocked-par"],
        env=env, capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    kmeans, rounds = sys.argv[1], int(sys.argv[2])
    sizes = [(s.rsplit(":", 1)[0], int(s.rsplit(":", 1)[1])) for s in sys.argv[3:]]
    paths = cpu_paths()
    if not paths:
        sys.exit("this CPU has neither AVX-512F nor AVX2 + FMA: only the portable path runs")
    peaks = {isa: peak(coretype) for isa, coretype in paths}
    for isa, coretype in paths:
        p = peaks[isa]
        print(f"{isa}: OpenBLAS {coretype or 'default'} kernel, 1 thread: "
              f"sgemm {p['float32']:.1f} GFLOP/s, dgemm {p['float64']:.1f}")
    for path, k in sizes:
        probe = fit(kmeans, path, k, 1, 1, paths[-1][0])
        n, d, dtype = probe["n"], probe["d"], probe["dtype"]
        flops = 2 * n * k * d
        a, b = (1, 3) if n * k * d > 2e9 else (2, 10)
        times = {}
        for r in range(rounds):
            order = paths if r % 2 == 0 else paths[::-1]
            for threads in (1, 2):
                for iters in (a, b):
                    for isa, _ in order:
                        t = fit(kmeans, path, k, iters, threads, isa)["fit_seconds"]
                        times.setdefault((isa, threads, iters), []).append(t)
        print(f"{path}: n = {n}, d = {d}, k = {k}, {dtype}; fits of {a} and {b} iterations, {rounds} rounds")
        for threads in (1, 2):
            for isa, _ in paths:
                ta = statistics.median(times[(isa, threads, a)])
                tb = statistics.median(times[(isa, threads, b)])
                slope = (tb - ta) / (b - a)
                g = flops / slope / 1e9
                top = peaks[isa]["float32" if dtype == "f32" else "float64"] * threads
                print(f"  {isa:>6}, {threads} thread(s): {slope * 1e3:8.3f} ms per iteration, "
                      f"{g:6.1f} GFLOP/s = {100 * g / top:3.0f} % of its peak × threads")


if __name__ == "__main__":
    main()
