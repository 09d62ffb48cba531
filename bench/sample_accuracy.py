#!/usr/bin/env python3
"""sample_accuracy.py: how close --sample's trees are to exact mode's.

Compares the peak snapshot of two Massif files of the same program, one
recorded exactly and one with --sample: the largest allocation sites of
the exact file's peak (the root's children: the innermost frame after the
allocation functions, named without its address, which ASLR moves) and
each one's bytes in the sampled file's peak, with the relative error.
Also checks that mem_heap_B of every snapshot agrees when both files have
the same snapshot times (a single-threaded program with --time-unit=B).

Usage: bench/sample_accuracy.py EXACT SAMPLED [--top N] [--tolerance PCT]
Exit status 1 when a site is off by more than the tolerance (default 10%).
bench/bench.py imports it to judge the runs it times.
"""

import argparse
import re
import sys

NODE = re.compile(r"^( *)n(\d+): (\d+) (.*)$")


def read_massif(path):
    """[(time, mem_heap_B, kind, {site label: bytes} or None)] per snapshot."""
    snaps = []
    cur = None
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("snapshot="):
                cur = {"time": None, "heap": None, "kind": "empty", "sites": None}
                snaps.append(cur)
            elif cur is None:
                continue
            elif line.startswith("time="):
                cur["time"] = int(line[5:])
            elif line.startswith("mem_heap_B="):
                cur["heap"] = int(line[11:])
            elif line.startswith("heap_tree="):
                cur["kind"] = line[10:]
                if cur["kind"] != "empty":
                    cur["sites"] = {}
            else:
                m = NODE.match(line)
                if m and len(m.group(1)) == 1 and cur["sites"] is not None:
                    label = m.group(4)
                    if re.match(r"in \d+ places?", label):
                        continue
                    label = re.sub(r"^0x[0-9A-Fa-f]+: ", "", label)
                    cur["sites"][label] = cur["sites"].get(label, 0) + int(m.group(3))
    return snaps


def peak(snaps):
    for s in snaps:
        if s["kind"] == "peak":
            return s
    return None


def compare(exact_path, sampled_path, top=5):
    """(rows, heap_mismatches): rows of (label, exact B, sampled B, error %)
    for the top sites of the exact peak; heap_mismatches counts snapshots
    at equal times with unequal mem_heap_B (None: times differ)."""
    ex, sa = read_massif(exact_path), read_massif(sampled_path)
    pe, ps = peak(ex), peak(sa)
    rows = []
    if pe is not None and ps is not None:
        for label, b in sorted(pe["sites"].items(), key=lambda kv: -kv[1])[:top]:
            s = ps["sites"].get(label, 0)
            rows.append((label, b, s, 100.0 * (s - b) / b if b else 0.0))
    mism = None
    if [s["time"] for s in ex] == [s["time"] for s in sa]:
        mism = sum(1 for a, b in zip(ex, sa) if a["heap"] != b["heap"])
    return rows, mism


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("exact")
    ap.add_argument("sampled")
    ap.add_argument("--top", type=int, default=5)
    ap.add_argument("--tolerance", type=float, default=10.0)
    args = ap.parse_args()
    rows, mism = compare(args.exact, args.sampled, args.top)
    if not rows:
        print("sample_accuracy: no peak snapshot in both files", file=sys.stderr)
        return 1
    bad = 0
    for label, b, s, err in rows:
        flag = "" if abs(err) <= args.tolerance else "  OFF"
        bad += flag != ""
        print("%12d %12d %+7.1f%%  %s%s" % (b, s, err, label[:90], flag))
    if mism is None:
        print("mem_heap_B: snapshot times differ (threads or --time-unit=ms): not compared")
    else:
        print("mem_heap_B: %d snapshot(s) differ" % mism)
        bad += mism != 0
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
