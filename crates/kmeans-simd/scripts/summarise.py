"""Medians over rounds of a side_by_side.sh log: ms/iter per (size, threads, variant), the
GEMM peak of each run, and each variant's speed-up over scikit-learn in the same rounds (and,
with a BASELINE run, over the same variant's "before: " build)."""

import re
import statistics
import sys
from collections import defaultdict

times = defaultdict(list)  # (size, threads, name) -> [ms]
gflops = defaultdict(list)
peaks = defaultdict(list)  # (threads, dtype) -> [GFLOP/s]
size = threads = None
for line in open(sys.argv[1]):
    m = re.match(r"# round \d+ size (\S+) threads (\d+)", line)
    if m:
        size, threads = m.group(1), int(m.group(2))
        continue
    m = re.search(r"peak: f32 ([\d.]+) GFLOP/s, f64 ([\d.]+)", line)
    if m:
        peaks[(threads, "f32")].append(float(m.group(1)))
        peaks[(threads, "f64")].append(float(m.group(2)))
        continue
    m = re.match(r"numpy-slides \S+ .* ([\d.]+) ms/iter", line)
    if m:
        times[(size, threads, "numpy-slides-v5+csc")].append(float(m.group(1)))
        continue
    m = re.match(r"sklearn \S+ .* ([\d.]+) ms/iter", line)
    if m:
        times[(size, threads, "scikit-learn")].append(float(m.group(1)))
        continue
    m = re.match(r"\s*(\S.*?)\s{2,}([\d.]+)\s+([\d.]+)\s+", line)
    if m and not line.startswith(("variant", "#")):
        times[(size, threads, m.group(1).strip())].append(float(m.group(2)))
        gflops[(size, threads, m.group(1).strip())].append(float(m.group(3)))

for key in sorted(peaks):
    v = peaks[key]
    print(f"GEMM peak {key[1]}, {key[0]} thread(s): median {statistics.median(v):.1f} GFLOP/s "
          f"(runs: {', '.join(f'{x:.0f}' for x in v)})")
for s in ["slides", "medium", "mnist", "large"]:
    for t in (1, 2):
        names = [k[2] for k in times if k[0] == s and k[1] == t]
        if not names:
            continue
        sk = times.get((s, t, "scikit-learn"))
        skm = statistics.median(sk) if sk else None
        npy = times.get((s, t, "numpy-slides-v5+csc"))
        npm = statistics.median(npy) if npy else None
        print(f"\n{s}, {t} thread(s)")
        for name in names:
            v = times[(s, t, name)]
            med = statistics.median(v)
            g = gflops.get((s, t, name))
            extra = f"{statistics.median(g):7.1f} GFLOP/s" if g else " " * 15
            ratio = f"  {skm / med:5.2f}x vs sklearn" if skm and name != "scikit-learn" else ""
            if npm and not name.startswith(("scikit", "numpy", "before: ")):
                ratio += f"  {npm / med:6.1f}x vs slides' NumPy"
            old = times.get((s, t, f"before: {name}"))
            if old:
                ratio += f"  {statistics.median(old) / med:5.2f}x vs before"
            print(f"  {name:<34} {med:10.3f} ms  {extra}{ratio}   ({len(v)} rounds: "
                  f"{', '.join(f'{x:.3g}' for x in v)})")
