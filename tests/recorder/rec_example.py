#!/usr/bin/env python3
"""rec_example: the README's first command works as the README says.

Runs `heapsnap --time-unit=B ./examples/leaky` and checks that the file is
accepted by ms_print (and heapsnap-print, once it renders Massif's files
identically), that the peak holds the cache leak -- the largest site is
remember_result, called from handle_request, called from main -- and that
the heap keeps climbing (the staircase): the final snapshot holds exactly
the cache's bytes, and no snapshot is above that by more than one request's
temporaries (2048 + 575 bytes).
"""

import os
import shutil
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rec_massif as rm  # noqa: E402


def main():
    paths = rm.env_paths()
    exe = os.path.join(paths["builddir"], "examples", "leaky")
    tap = rm.Tap(3)
    if rm.tool_missing(paths["launcher"]) or rm.tool_missing(exe):
        for _ in range(3):
            tap.skip("example", "heapsnap launcher or examples/leaky not built")
        return 0
    d = tempfile.mkdtemp(prefix="rec_example.")
    try:
        out = os.path.join(d, "leaky.massif.out")
        r = rm.run_heapsnap([exe], out, ["--time-unit=B", "--final-snapshot=yes"])
        if r.returncode != 0 or not os.path.exists(out):
            for _ in range(3):
                tap.ok(False, "heapsnap ran examples/leaky", "exit %d: %r" % (r.returncode, r.stderr))
            return 0
        rm.check_with_printers(tap, "examples/leaky: the file is accepted", out)
        mf = rm.parse(out)
        peak = mf.peak
        chain = []
        if peak is not None and peak.tree is not None:
            node = max(peak.tree.children, key=lambda c: c.bytes, default=None)
            while node is not None:
                chain.append(node.function)
                node = node.children[0] if len(node.children) == 1 else None
        tap.ok(chain == ["remember_result", "handle_request", "main"],
               "examples/leaky: the peak's largest site is remember_result <- handle_request <- main",
               "largest chain: %s" % chain)
        # Every fifth request caches a 24-byte entry and its text, whose
        # length leaky.c derives from the letter it filled the buffer with.
        want = sum(24 + 200 + (ord("a") + i % 26) % 100 for i in range(0, 20000, 5))
        heaps = [s.heap for s in mf.snapshots]
        tap.ok(heaps[-1] == want and max(heaps) <= want + 2048 + 575,
               "examples/leaky: the heap climbs to the cache's %d bytes at exit" % want,
               "final %d, largest %d" % (heaps[-1], max(heaps)))
    finally:
        shutil.rmtree(d, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
