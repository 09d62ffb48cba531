#!/usr/bin/env python3
"""Benchmark heapsnap-print against Valgrind's ms_print on a big Massif file.

Generates a deterministic Massif file (default 100 MB: hundreds of detailed
snapshots with deep, wide trees), runs both printers on it (best of N runs
each), checks the two outputs are byte-identical and prints the speed ratio.

    bench/print_bench.py [--size-mb 100] [--runs 3] [--hs ./heapsnap-print]
                         [--ms /usr/bin/ms_print] [--keep DIR] [-- OPTIONS]
"""
import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time


def gen_tree(r, out, nbytes, depth, max_depth, budget):
    """Write one subtree; return the number of lines written."""
    pad = " " * depth
    kids = []
    if depth < max_depth and budget[0] > 0:
        n = r.choice((1, 1, 1, 2, 2, 3, 4)) if depth else 12
        left = nbytes
        for _ in range(n):
            c = left if r.random() < 0.3 else r.randint(0, left)
            kids.append(c)
            left -= c
        kids.sort(reverse=True)
    budget[0] -= 1
    if depth == 0:
        text = "(heap allocation functions) malloc/new/new[], --alloc-fns, etc."
    else:
        text = "0x%X: %s (%s.cpp:%d)" % (
            r.randint(0x400000, 0x7fffffff),
            r.choice(["main", "std::vector<int, std::allocator<int> >::"
                      "_M_realloc_insert<int const&>(__gnu_cxx::"
                      "__normal_iterator<int*, std::vector<int> >, int const&)",
                      "parse_expression", "Allocator::grow(unsigned long)",
                      "worker_thread"]),
            r.choice(["alloc", "parser", "vec", "pool"]), r.randint(1, 5000))
    out.append("%sn%d: %d %s\n" % (pad, len(kids), nbytes, text))
    for c in kids:
        gen_tree(r, out, c, depth + 1, max_depth, budget)


def generate(path, size_mb):
    r = random.Random(20261121)
    target = size_mb * 1024 * 1024
    written = 0
    i = 0
    t = 0
    with open(path, "w") as f:
        f.write("desc: --time-unit=B --detailed-freq=1\ncmd: ./bench\n"
                "time_unit: B\n")
        while written < target:
            t += r.randint(1000, 10**9)
            heap = r.randint(10**6, 10**11)
            kind = "detailed" if i % 3 else "empty"
            block = ["#-----------\n", "snapshot=%d\n" % i, "#-----------\n",
                     "time=%d\n" % t, "mem_heap_B=%d\n" % heap,
                     "mem_heap_extra_B=%d\n" % (heap // 50),
                     "mem_stacks_B=0\n", "heap_tree=%s\n" % kind]
            if kind != "empty":
                gen_tree(r, block, heap, 0, 40, [6000])
            text = "".join(block)
            f.write(text)
            written += len(text)
            i += 1
    return i


def best_time(cmd, runs):
    """Best wall-clock and best CPU (user+sys) seconds over runs.  The
    report goes to /dev/null: what is timed is the printer, not the file
    system (a separate run writes it to a file for the comparison)."""
    best_wall = best_cpu = None
    for _ in range(runs):
        with open(os.devnull, "wb") as out:
            t0 = time.perf_counter()
            p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.DEVNULL)
            _, status, ru = os.wait4(p.pid, 0)
            wall = time.perf_counter() - t0
            p.returncode = os.waitstatus_to_exitcode(status)
        if p.returncode != 0:
            raise SystemExit("%s failed with status %d" % (cmd[0], p.returncode))
        cpu = ru.ru_utime + ru.ru_stime
        best_wall = wall if best_wall is None else min(best_wall, wall)
        best_cpu = cpu if best_cpu is None else min(best_cpu, cpu)
    return best_wall, best_cpu


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--size-mb", type=int, default=100)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--hs", default=os.path.join(here, "..", "heapsnap-print"))
    ap.add_argument("--ms", default=shutil.which("ms_print") or "/usr/bin/ms_print")
    ap.add_argument("--keep", help="directory to keep the generated file in")
    ap.add_argument("opts", nargs="*",
                    help="printer options for both tools (after --)")
    a = ap.parse_args()

    work = a.keep or tempfile.mkdtemp(prefix="print_bench.")
    os.makedirs(work, exist_ok=True)
    try:
        path = os.path.join(work, "bench.massif.out")
        n = generate(path, a.size_mb)
        size = os.path.getsize(path)
        print("input: %s, %.1f MB, %d snapshots" % (path, size / 2**20, n))
        hs_out = os.path.join(work, "hs.txt")
        ms_out = os.path.join(work, "ms.txt")
        hs_cmd = [a.hs] + a.opts + [path]
        ms_cmd = [a.ms] + a.opts + [path]
        hs_t, hs_cpu = best_time(hs_cmd, a.runs)
        print("heapsnap-print: %.3f s wall, %.3f s CPU (best of %d)"
              % (hs_t, hs_cpu, a.runs))
        ms_t, ms_cpu = best_time(ms_cmd, a.runs)
        print("ms_print:       %.3f s wall, %.3f s CPU (best of %d)"
              % (ms_t, ms_cpu, a.runs))
        for cmd, out_path in ((hs_cmd, hs_out), (ms_cmd, ms_out)):
            with open(out_path, "wb") as out:
                subprocess.run(cmd, stdout=out, check=True)
        same = subprocess.run(["cmp", "-s", hs_out, ms_out]).returncode == 0
        print("outputs identical: %s (%.1f MB)" %
              ("yes" if same else "NO", os.path.getsize(hs_out) / 2**20))
        print("speed-up: %.1fx wall, %.1fx CPU"
              % (ms_t / hs_t, ms_cpu / max(hs_cpu, 1e-6)))
        return 0 if same else 1
    finally:
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
