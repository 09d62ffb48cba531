#!/usr/bin/env python3
"""Write a large, valid Massif file for the printer's memory figures
(doc/reliability.md, "The printer's memory"): gen_big_massif.py OUT SIZE_MB.

1000 snapshots, every tenth detailed; each tree has 100 functions x 10
callers x 100 leaf sites (101,101 nodes), so its text is about SIZE_MB / 100
megabytes.  Deterministic (fixed seed); ms_print accepts it."""
import random
import sys

out, size_mb = sys.argv[1], int(sys.argv[2])
random.seed(12)
# A leaf line is about 100 bytes; 100 trees of 100,000 leaves make 1 GB.
leaves = max(1, size_mb * 10 ** 6 // 100 // 100 // 1000)
pad = "x" * 40
with open(out, "w") as f:
    f.write("desc: --detailed-freq=10\ncmd: ./big_program --with arguments\ntime_unit: ms\n")
    t = 0
    for s in range(1000):
        t += random.randint(10, 1000)
        detailed = s % 10 == 9
        if not detailed:
            heap = random.randint(10 ** 8, 2 * 10 ** 8)
            f.write("#-----------\nsnapshot=%d\n#-----------\ntime=%d\nmem_heap_B=%d\n"
                    "mem_heap_extra_B=%d\nmem_stacks_B=0\nheap_tree=empty\n"
                    % (s, t, heap, heap // 50))
            continue
        funcs = []
        for i in range(100):
            mids = []
            for j in range(10):
                ls = [random.randint(1, 4000) for _ in range(leaves)]
                mids.append((j, ls, sum(ls)))
            funcs.append((i, mids, sum(m[2] for m in mids)))
        heap = sum(fn[2] for fn in funcs)
        kind = "peak" if s == 499 else "detailed"
        f.write("#-----------\nsnapshot=%d\n#-----------\ntime=%d\nmem_heap_B=%d\n"
                "mem_heap_extra_B=%d\nmem_stacks_B=0\nheap_tree=%s\n"
                % (s, t, heap, heap // 50, kind))
        f.write("n100: %d (heap allocation functions) malloc/new/new[], --alloc-fns, etc.\n" % heap)
        lines = []
        for i, mids, fb in funcs:
            lines.append(" n10: %d 0x%X: function_%d(int, char const*) (module_%d.cc:%d)\n"
                         % (fb, 0x400000 + i * 16, i, i % 7, 10 + i))
            for j, ls, mb in mids:
                lines.append("  n%d: %d 0x%X: caller_%d_%d (caller_%d.cc:%d)\n"
                             % (len(ls), mb, 0x500000 + i * 160 + j, i, j, j, 20 + j))
                for k, b in enumerate(ls):
                    lines.append("   n0: %d 0x%X: leaf_%d_%d_%d_%s (leaf.cc:%d)\n"
                                 % (b, 0x600000 + k, i, j, k, pad, k))
        f.write("".join(lines))
