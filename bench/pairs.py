#!/usr/bin/env python3
"""pairs.py: which of two commands is faster, by the ratio of paired runs.

Runs command A and command B one after the other, N times, the order
flipped every round (A B, B A, ...), and prints the median of the
rounds' time ratios B/A with its interquartile range, and each side's
median time.  On a machine whose speed drifts for seconds at a time
(bench/README.md, "What is measured"), the two runs of a round see the
same speed, so the ratio of a pair moves far less than either time: two
identical commands give 1.003 with an IQR of +-0.7% over 40 pairs, where
medians of separate series differ by several percent.  For changes below
a few percent that bench/run.sh's three repetitions cannot see.

Usage: bench/pairs.py [--pairs N] 'COMMAND A' 'COMMAND B'

Each command is split as a shell would (shlex), run with its output
thrown away, from the current directory, with the current environment.
For example, two builds on alloc_deep, the program on CPU 1:

    bench/pairs.py --pairs 40 \\
        'old/heapsnap -q --sample=512K --massif-out-file=/tmp/a taskset -c 1 ./alloc_deep 1 3000000' \\
        'new/heapsnap -q --sample=512K --massif-out-file=/tmp/b taskset -c 1 ./alloc_deep 1 3000000'

(A program run through taskset under heapsnap is taskset's exec: the
launcher's warm-up then names no frames while it runs, in both builds.)
"""
import argparse
import shlex
import statistics
import subprocess
import sys
import time


def run(argv):
    start = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pairs", type=int, default=30, help="rounds of A and B (default 30)")
    ap.add_argument("a", help="command A, one string")
    ap.add_argument("b", help="command B, one string")
    args = ap.parse_args()
    if args.pairs < 4:
        sys.exit("pairs.py: --pairs must be 4 or more")
    a_argv, b_argv = shlex.split(args.a), shlex.split(args.b)
    if not a_argv or not b_argv:
        sys.exit("pairs.py: both commands must be given")
    ratios, a_times, b_times = [], [], []
    for k in range(args.pairs):
        if k % 2 == 0:
            a = run(a_argv)
            b = run(b_argv)
        else:
            b = run(b_argv)
            a = run(a_argv)
        a_times.append(a)
        b_times.append(b)
        ratios.append(b / a)
    ratios.sort()
    q = len(ratios) // 4
    print("B/A median %.4f  IQR %.4f-%.4f  (%d pairs)  A median %.3f s  B median %.3f s"
          % (statistics.median(ratios), ratios[q], ratios[-q - 1], args.pairs,
             statistics.median(a_times), statistics.median(b_times)))


if __name__ == "__main__":
    main()
