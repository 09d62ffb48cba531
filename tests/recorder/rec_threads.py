#!/usr/bin/env python3
"""rec_threads: 8 threads, each making a million allocations and frees and
keeping a known set of blocks, under heapsnap, 20 runs in a row under make
check-full (HS_FULL=1), 2 under make check.

Each run must finish under a timeout (no deadlock), exit 0, and in its
file's final snapshot (heapsnap's snapshot at exit) the threads' allocation
site, worker(), must hold exactly the bytes the threads still hold:
rec_threads prints that figure, computed from the block sizes it used.

Named difference: mem_heap_B is a little larger than that, because glibc
itself callocs per-thread bookkeeping in pthread_create (allocate_dtv, the
TLS vector: 152 bytes a thread here, 272 under Valgrind) that stays cached
after the join; Massif shows it as "calloc (rtld-malloc.h:44)".  They may total at most 4 KiB a thread and must be
the same in every run.  The first run's file must pass Valgrind's ms_print.

REC_THREADS_RUNS and REC_THREADS_ALLOCS override the runs (20, or 2) and
1000000 for manual runs.
"""

import os
import shutil
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rec_massif as rm  # noqa: E402

N_THREADS = 8
FULL = os.environ.get("HS_FULL", "") not in ("", "0")
RUNS = int(os.environ.get("REC_THREADS_RUNS", "20" if FULL else "2"))
ALLOCS = int(os.environ.get("REC_THREADS_ALLOCS", "1000000"))
TIMEOUT_S = 120


def expected_bytes(n_threads, n_allocs):
    """The same figure rec_threads.c computes: what the threads leak."""
    total = 0
    for t in range(n_threads):
        kept = 100 + 10 * t
        for i in range(n_allocs - kept, n_allocs):
            total += 8 + ((i * 7 + t * 13) % 250)
    return total


def main():
    paths = rm.env_paths()
    exe = os.path.join(paths["builddir"], "tests", "progs", "rec_threads")
    tap = rm.Tap(RUNS + 1)
    if rm.tool_missing(paths["launcher"]) or rm.tool_missing(exe):
        for _ in range(RUNS + 1):
            tap.skip("threads", "heapsnap launcher or rec_threads not built")
        return 0
    want = expected_bytes(N_THREADS, ALLOCS)
    d = tempfile.mkdtemp(prefix="rec_threads.")
    keep = False
    libc_bytes = []
    try:
        for run in range(1, RUNS + 1):
            out = os.path.join(d, "run%d.out" % run)
            what = "run %d: %d threads x %d allocations end with %d bytes" % (
                run, N_THREADS, ALLOCS, want)
            try:
                # --final-snapshot=yes: the check reads the heap at exit.
                r = rm.run_heapsnap([exe, str(N_THREADS), str(ALLOCS)], out,
                                    ["--final-snapshot=yes"], timeout=TIMEOUT_S)
            except subprocess.TimeoutExpired:
                tap.ok(False, what, "timed out after %d s: deadlock?" % TIMEOUT_S)
                keep = True
                continue
            problems = []
            if r.returncode != 0:
                problems.append("exit status %d, stderr %r" % (r.returncode, r.stderr))
            if r.stdout.decode() != "expected_heap_B=%d\n" % want:
                problems.append("program says %r" % r.stdout)
            try:
                final = rm.parse(out).snapshots[-1]
                if final.tree is None:
                    raise rm.MassifError("final snapshot has no tree")
                worker = sum(c.bytes for c in final.tree.children if c.function == "worker")
                if worker != want:
                    problems.append("worker() holds %d bytes in the final snapshot, want %d"
                                    % (worker, want))
                libc = final.heap - worker
                if libc > 4096 * N_THREADS or (libc_bytes and libc != libc_bytes[0]):
                    problems.append("bytes outside worker(): %d (earlier runs: %s)"
                                    % (libc, libc_bytes))
                libc_bytes.append(libc)
            except (OSError, rm.MassifError) as e:
                problems.append(str(e))
            if libc_bytes and not problems:
                what += " (+%d of glibc's thread set-up)" % libc_bytes[-1]
            if not tap.ok(not problems, what, "\n".join(problems)):
                keep = True
            if run == 1:
                if os.path.exists(out):
                    rm.check_with_printers(tap, "run 1: the file is accepted", out)
                else:
                    tap.ok(False, "run 1: the file is accepted", "no file")
    finally:
        if keep:
            tap.diag("files kept in %s" % d)
        else:
            shutil.rmtree(d, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
