#!/usr/bin/env python3
"""series_ab.py: what the per-site series costs, A/B on bench/'s workloads.

Runs each workload under two heapsnap builds in alternation (A, B, A, B...,
so both see the same load on a shared machine) and prints, per workload,
the median wall and CPU time of each, and the sizes of the Massif file and
of its companion OUT.series.

Usage: bench/series_ab.py --a OLD/heapsnap --b NEW/heapsnap [--reps N]
                          [--only w1,w2] [--options '--time-unit=B']
"""
import argparse
import os
import shutil
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402


def one(heapsnap, opts, argv, d, env, stdin_path):
    out = os.path.join(d, "out.hs")
    for f in os.listdir(d):
        if f.startswith("out."):
            os.unlink(os.path.join(d, f))
    wall, cpu, _ = bench.run_once([heapsnap, "--massif-out-file=" + out] + opts + argv, d, env,
                                  stdin_path)
    size = os.path.getsize(out)
    series = os.path.getsize(out + ".series") if os.path.exists(out + ".series") else 0
    return wall, cpu, size, series


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--a", required=True)
    ap.add_argument("--b", required=True)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--only", default="")
    ap.add_argument("--options", default="")
    args = ap.parse_args()
    opts = args.options.split()
    d = tempfile.mkdtemp(prefix="heapsnap-series-ab.")
    try:
        wl = bench.workloads(d, bench.write_inputs(d))
        names = [n for n in wl if not args.only or n in args.only.split(",")]
        print("%-14s %9s %9s %6s %9s %9s %6s %10s %10s %7s" %
              ("workload", "A wall", "B wall", "B/A", "A cpu", "B cpu", "B/A", "massif B",
               "series B", "(M+S)/M"))
        for name in names:
            argv, stdin_path, extra_env = wl[name]
            env = dict(os.environ, LC_ALL="C", **extra_env)
            runs = {"a": [], "b": []}
            for rep in range(args.reps):
                for k in ("a", "b") if rep % 2 == 0 else ("b", "a"):
                    r = one(getattr(args, k), opts, argv, d, env, stdin_path)
                    runs[k].append(r)
                    print("# %-14s %s rep %d: wall %6.2f cpu %6.2f massif %d series %d" %
                          ((name, k, rep + 1) + r), file=sys.stderr, flush=True)
            med = {k: [statistics.median(x[i] for x in v) for i in range(4)]
                   for k, v in runs.items()}
            a, b = med["a"], med["b"]
            print("%-14s %9.2f %9.2f %6.3f %9.2f %9.2f %6.3f %10d %10d %7.3f" %
                  (name, a[0], b[0], b[0] / a[0], a[1], b[1], b[1] / a[1], b[2], b[3],
                   (b[2] + b[3]) / a[2]), flush=True)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
