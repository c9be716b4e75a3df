"""Side by side from Python: rounds alternating, medians, ratios (never one-off timings).

    python bench/side_by_side.py overhead --cli target/release/kmeans   # Python call vs CLI
    python bench/side_by_side.py peers                                  # vs scikit-learn(-intelex)
    python bench/side_by_side.py dask                                   # 2 local workers vs memory

overhead  1e5 × 32 float32, k = 64, the same initial centroids and a fixed number of Lloyd
          iterations (tol = 0): the wall time of `kmeans_workshop.KMeans(...).fit(X)` (argument
          checks, the call, the result arrays) against the library time the CLI reports for the
          same fit (`kmeans fit --json`: fit_seconds, the library call alone).
peers     the same arrays through sklearn.cluster.KMeans (algorithm="lloyd") and, when
          installed, scikit-learn-intelex; per-iteration times, since scikit-learn stops early
          when the labels stop changing.
dask      1e6 × 32 float32, k = 64: kmeans_workshop.dask.KMeans on a LocalCluster of 2 worker
          processes × 1 thread, data scattered over the workers beforehand (one block of
          --chunk rows each by default), against the in-memory fit on 2 threads.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

import kmeans_workshop as kw


def blobs(n, d, k, seed=0):
    rng = np.random.default_rng(seed)
    centers = rng.uniform(-10, 10, size=(k, d))
    labels = rng.integers(k, size=n)
    return np.ascontiguousarray(centers[labels] + rng.normal(size=(n, d)), dtype=np.float32)


def init_rows(X, k, seed=1):
    return X[np.sort(np.random.default_rng(seed).choice(X.shape[0], k, replace=False))].copy()


def alternate(rounds, contenders):
    """Run every contender once per round, in turn; return {name: [seconds, ...]}."""
    times = {name: [] for name in contenders}
    for r in range(rounds):
        for name, run in contenders.items():
            times[name].append(run())
        print(
            f"  round {r + 1}/{rounds}: "
            + ", ".join(f"{n} {t[-1] * 1e3:.1f} ms" for n, t in times.items()),
            file=sys.stderr,
        )
    return times


LINES = []


def out(line=""):
    """Print a line of the markdown report (and keep it for --markdown)."""
    print(line)
    LINES.append(line)


def report(title, times, baseline, per=None):
    out(f"**{title}**")
    out()
    rounds = len(next(iter(times.values())))
    out(f"| contender ({rounds} rounds, alternating) | median | min | median ratio to {baseline} |")
    out("|---|---:|---:|---:|")
    base = statistics.median(times[baseline])
    for name, t in times.items():
        med = statistics.median(t)
        unit = f" ({per})" if per else ""
        out(f"| {name}{unit} | {med * 1e3:.1f} ms | {min(t) * 1e3:.1f} ms | {med / base:.3f} |")
    out()
    return {name: statistics.median(t) for name, t in times.items()}


def overhead(args):
    n, d, k = 100_000, 32, 64
    X = blobs(n, d, k)
    C0 = init_rows(X, k)
    tmp = tempfile.mkdtemp(prefix="kw-bench-")
    data, init = os.path.join(tmp, "data.npy"), os.path.join(tmp, "init.npy")
    np.save(data, X)
    np.save(init, C0)
    threads = [] if args.threads is None else ["--threads", str(args.threads)]

    def cli():
        out = subprocess.run(
            [args.cli, "fit", data, "-k", str(k), "--init", init, "--tol", "0",
             "--max-iter", str(args.iters), "--json", "--quiet", *threads],
            check=True, capture_output=True, text=True,
        ).stdout
        return json.loads(out.strip().splitlines()[-1])["fit_seconds"]

    inside = []

    def python():
        km = kw.KMeans(k, init=C0, tol=0, max_iter=args.iters, n_threads=args.threads)
        t = time.perf_counter()
        km.fit(X)
        wall = time.perf_counter() - t
        inside.append((wall, km.fit_seconds_))
        return wall

    python(), cli()  # warm up (page cache, thread pools)
    inside.clear()
    times = alternate(args.rounds, {"CLI library time": cli, "kmeans_workshop.KMeans.fit": python})
    med = report(
        f"Python call vs the CLI's library time: {n} × {d} f32, k = {k}, {args.iters} "
        f"iterations, backend {kw.default_backend('f32')}",
        times, "CLI library time",
    )
    over = med["kmeans_workshop.KMeans.fit"] / med["CLI library time"] - 1
    out(f"Python-call overhead over the CLI's library time (medians): {over * 100:+.1f} % "
        "(target ≤ 5 %).")
    # The same split inside each Python call (same moment, same machine load): wall time of
    # KMeans.fit against the library time measured in Rust during that call.
    own = statistics.median(w / s - 1 for w, s in inside)
    gap = statistics.median(w - s for w, s in inside)
    out(f"Within the same call (wall time of `KMeans.fit` against the library time Rust measured "
        f"during it): Python adds {gap * 1e3:.2f} ms = {own * 100:+.2f} % (median).")


def peers(args):
    from sklearn.cluster import KMeans as SkKMeans

    n, d, k = 100_000, 32, 64
    X = blobs(n, d, k)
    C0 = init_rows(X, k)
    contenders = {}

    def timed(make):
        def run():
            km = make()
            t = time.perf_counter()
            km.fit(X)
            return (time.perf_counter() - t) / km.n_iter_
        return run

    contenders["kmeans_workshop"] = timed(
        lambda: kw.KMeans(k, init=C0, tol=0, max_iter=args.iters, n_threads=args.threads)
    )
    contenders["scikit-learn"] = timed(
        lambda: SkKMeans(k, init=C0, n_init=1, tol=0, max_iter=args.iters, algorithm="lloyd")
    )
    try:
        from sklearnex.cluster import KMeans as ExKMeans

        contenders["scikit-learn-intelex"] = timed(
            lambda: ExKMeans(k, init=C0, n_init=1, tol=0, max_iter=args.iters, algorithm="lloyd")
        )
    except ImportError:
        print("scikit-learn-intelex not installed: skipped", file=sys.stderr)
    for run in contenders.values():
        run()
    times = alternate(args.rounds, contenders)
    report(f"Per Lloyd iteration, {n} × {d} f32, k = {k}", times, "kmeans_workshop", "per iteration")


def dask_part(args):
    import dask.array as da
    from distributed import Client, LocalCluster, wait

    import kmeans_workshop.dask as kwd

    n, d, k = args.n, 32, 64
    X = blobs(n, d, k)
    C0 = init_rows(X, k)
    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
        dashboard_address=None,
    )
    client = Client(cluster)
    # The blocks go to the workers before timing, spread over both (as data read in parallel
    # from files would be). da.from_array(X).persist() would leave every block on the worker
    # that got the whole array, and that one worker would do all the work.
    starts = range(0, n, args.chunk)
    futures = [client.scatter(X[s : s + args.chunk]) for s in starts]
    dX = da.concatenate(
        [da.from_delayed(f, shape=(min(args.chunk, n - s), d), dtype=X.dtype)
         for f, s in zip(futures, starts)]
    ).persist()
    wait(dX)
    holders = collections.Counter(w[0] for w in client.who_has(dX).values() if w)
    print(f"blocks per worker: {sorted(holders.values())}", file=sys.stderr)

    def memory():
        km = kw.KMeans(k, init=C0, tol=0, max_iter=args.iters, n_threads=2)
        t = time.perf_counter()
        km.fit(X)
        return time.perf_counter() - t

    def on_dask():
        km = kwd.KMeans(k, init=C0, tol=0, max_iter=args.iters, n_threads=1)
        t = time.perf_counter()
        km.fit(dX)
        return time.perf_counter() - t

    memory(), on_dask()
    times = alternate(args.rounds, {"in memory (2 threads)": memory, "dask, 2 workers": on_dask})
    med = report(
        f"Dask vs in memory: {n} × {d} f32, k = {k}, {args.iters} iterations, "
        f"blocks of {args.chunk} rows",
        times, "in memory (2 threads)",
    )
    out(f"Dask / in memory: {med['dask, 2 workers'] / med['in memory (2 threads)']:.2f}× "
        "(target ≤ 1.5×).")
    client.close()
    cluster.close()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("part", choices=["overhead", "peers", "dask"])
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument("--iters", type=int, default=20, help="Lloyd iterations per fit (tol = 0)")
    p.add_argument("--threads", type=int, default=None, help="threads of the in-memory fit")
    p.add_argument("--cli", default="target/release/kmeans", help="the kmeans binary")
    p.add_argument("--n", type=int, default=1_000_000, help="points for the dask part")
    p.add_argument("--chunk", type=int, default=500_000,
                   help="rows per block (dask part; default: one block per worker)")
    p.add_argument("--markdown", help="also write the report to this file (for the book)")
    args = p.parse_args()
    print(f"machine: {os.cpu_count()} logical CPUs; numpy {np.__version__}; "
          f"kmeans_workshop {kw.__version__}", file=sys.stderr)
    {"overhead": overhead, "peers": peers, "dask": dask_part}[args.part](args)
    if args.markdown:
        import platform

        cpu = platform.processor() or platform.machine()
        try:
            with open("/proc/cpuinfo") as f:
                cpu = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
        except (OSError, StopIteration):
            pass
        stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        with open(args.markdown, "w") as f:
            f.write(f"<!-- written by crates/kmeans-py/bench/side_by_side.py {args.part} -->\n")
            f.write(f"_Measured {stamp} on {cpu}, {os.cpu_count()} logical CPUs (shared, "
                    f"noisy); `side_by_side.py {args.part} --rounds {args.rounds}`._\n\n")
            f.write("\n".join(LINES).rstrip() + "\n")


if __name__ == "__main__":
    main()
