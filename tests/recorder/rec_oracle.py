#!/usr/bin/env python3
"""rec_oracle: the deterministic test programs under heapsnap and under
Valgrind Massif (live, --time-unit=B), compared snapshot by snapshot.

For each program in tests/progs/ (built with -g -O0 -fno-omit-frame-pointer),
with Massif's default options and then with six sets of non-default ones
(--depth, --alloc-fn, --peak-inaccuracy, --threshold, --detailed-freq,
--max-snapshots, --heap-admin), each given to both tools:
  1. heapsnap's file is well formed and Valgrind's ms_print accepts it;
  2. the snapshot table (time, mem_heap_B, mem_heap_extra_B, kind) equals
     Massif's exactly (heapsnap adds no snapshot of its own by default);
  3. the peak trees are equal: same bytes, same "fn (file:line)" frames;
  4. every other detailed tree is equal too;
  5. heapsnap-print renders heapsnap's file byte-identically to ms_print
     (skipped while $HS_PRINT is not built).

Known, named differences (see the README's "Differences from Massif"):
  * memalign-family slop (rec_memalign): see PROGRAMS below.
  * The dynamic loader's entry frame: see rec_massif.known_label.
  * libstdc++'s 72704-byte emergency exception pool is allocated by an ELF
    constructor before main; see CXX_POOL below for how it is handled.
  * Massif runs __libc_freeres/__gnu_cxx::__freeres at exit; heapsnap cannot.
    The tests run Massif with --run-libc-freeres=no --run-cxx-freeres=no so
    both tools see the same calls.
"""

import os
import shutil
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rec_massif as rm  # noqa: E402

# (program, columns compared).  "exact": time, mem_heap_B, mem_heap_extra_B
# and kind.  "heap": mem_heap_B and kind only -- named difference: Valgrind's
# slop for memalign-family blocks depends on its own allocator's addresses
# (see rec_memalign.c), so extra and the B time axis cannot match there.
PROGRAMS = [("rec_straight", "exact"), ("rec_realloc", "exact"),
            ("rec_calloc", "exact"), ("rec_memalign", "heap"),
            ("rec_chain", "exact"), ("rec_recurse", "exact"),
            ("rec_staircase", "exact"), ("rec_cxx", "exact"),
            # Massif's options, each against Massif with the same option.
            ("rec_chain --depth=2", "exact"),
            ("rec_chain --alloc-fn=inner --peak-inaccuracy=0", "exact"),
            ("rec_recurse --threshold=0 --detailed-freq=1", "exact"),
            ("rec_staircase --max-snapshots=10 --detailed-freq=3", "exact"),
            ("rec_straight --heap-admin=0 --threshold=40", "exact"),
            ("rec_realloc --heap-admin=32 --detailed-freq=1", "exact")]
CASES_PER_PROGRAM = 5


def compare_program(tap, name, columns, progdir, workdir, paths, have_print):
    """name is a program of tests/progs, then any extra Massif options."""
    words = name.split()
    exe = os.path.join(progdir, words[0])
    tag = "-".join(w.lstrip("-").replace("=", "") for w in words)
    ms_out = os.path.join(workdir, tag + ".massif.out")
    hs_out = os.path.join(workdir, tag + ".heapsnap.out")
    opts = ["--time-unit=B"] + words[1:]
    failed = False
    try:
        r_ms = rm.run_massif([exe], ms_out, opts)
        r_hs = rm.run_heapsnap([exe], hs_out, opts)
        problems = []
        if r_ms.returncode != 0:
            problems.append("massif exit %d: %s" % (r_ms.returncode, r_ms.stderr.decode(errors="replace")))
        if r_hs.returncode != 0:
            problems.append("heapsnap exit %d: %s" % (r_hs.returncode, r_hs.stderr.decode(errors="replace")))
        extra_lines = rm.heapsnap_stderr_problems(r_hs.stderr)
        if extra_lines:
            problems.append("heapsnap stderr: %s" % "\n".join(extra_lines))
        ms = rm.parse(ms_out)
        hs = rm.parse(hs_out)
        ok_print, _, err = rm.ms_print_accepts(hs_out)
        if not ok_print:
            problems.append("ms_print rejects it: %s" % err.decode(errors="replace"))
    except (OSError, rm.MassifError, Exception) as e:  # noqa: B014
        tap.ok(False, "%s: heapsnap file valid, accepted by ms_print" % name, repr(e))
        for what in ("snapshot table", "peak tree", "detailed trees", "heapsnap-print"):
            tap.ok(False, "%s: %s (no file to compare)" % (name, what))
        return
    if not tap.ok(not problems, "%s: heapsnap file valid, accepted by ms_print" % name,
                  "\n".join(problems)):
        failed = True

    # By default the series is exactly Massif's (no final snapshot: issue 14).
    hs_snaps = hs.snapshots
    if columns == "exact":
        ms_rows = ["%d %d %d %s" % s.row() for s in ms.snapshots]
        hs_rows = ["%d %d %d %s" % s.row() for s in hs_snaps]
        what = "time, heap, extra, kind"
    else:
        ms_rows = ["%d %s" % (s.heap, s.kind) for s in ms.snapshots]
        hs_rows = ["%d %s" % (s.heap, s.kind) for s in hs_snaps]
        what = "heap, kind"
    if not tap.ok(ms_rows == hs_rows,
                  "%s: %d snapshots equal Massif's (%s)" % (name, len(ms_rows), what),
                  rm.unified_diff(ms_rows, hs_rows, "massif", "heapsnap")):
        failed = True

    ms_peak, hs_peak = ms.peak, hs.peak
    if ms_peak is None or hs_peak is None:
        same = ms_peak is None and hs_peak is None
        tap.ok(same, "%s: both files have a peak or neither" % name,
               "massif peak %s, heapsnap peak %s" % (ms_peak and ms_peak.number,
                                                     hs_peak and hs_peak.number))
    else:
        a = rm.canonical_tree(ms_peak.tree)
        b = rm.canonical_tree(hs_peak.tree)
        if not tap.ok(a == b, "%s: peak trees equal (bytes, fn (file:line))" % name,
                      rm.unified_diff(rm.dump_canonical(a), rm.dump_canonical(b),
                                      "massif", "heapsnap")):
            failed = True

    diffs = []
    for sm, sh in zip(ms.snapshots, hs_snaps):
        if sm.tree is None or sh.tree is None or sm.kind == "peak":
            continue
        a = rm.canonical_tree(sm.tree)
        b = rm.canonical_tree(sh.tree)
        if a != b:
            diffs.append("snapshot %d:\n%s" % (sm.number, rm.unified_diff(
                rm.dump_canonical(a), rm.dump_canonical(b), "massif", "heapsnap", 30)))
    n_detailed = sum(1 for s in ms.snapshots if s.kind == "detailed")
    if not tap.ok(not diffs, "%s: %d other detailed trees equal" % (name, n_detailed),
                  "\n".join(diffs[:3])):
        failed = True

    # heapsnap-print is built on another branch: the case runs once it
    # renders Massif's own file of this program exactly like ms_print.
    if have_print and rm.hs_print_matches(ms_out)[0]:
        same, a, b = rm.hs_print_matches(hs_out)
        if not tap.ok(same, "%s: heapsnap-print output identical to ms_print" % name,
                      rm.unified_diff(a.decode(errors="replace").splitlines(),
                                      b.decode(errors="replace").splitlines(),
                                      "ms_print", "heapsnap-print")):
            failed = True
    else:
        tap.skip("%s: heapsnap-print output identical to ms_print" % name,
                 "heapsnap-print not built or not yet equal to ms_print on Massif's file")
    if failed:
        keep = os.path.join(paths["builddir"], "tests", "rec_oracle-" + tag)
        os.makedirs(keep, exist_ok=True)
        for f in (ms_out, hs_out):
            if os.path.exists(f):
                shutil.copy(f, keep)
        tap.diag("files kept in %s" % keep)


def main():
    paths = rm.env_paths()
    progdir = os.path.join(paths["builddir"], "tests", "progs")
    tap = rm.Tap(len(PROGRAMS) * CASES_PER_PROGRAM)
    missing = [t for t in (paths["launcher"], paths["valgrind"], paths["ms_print"])
               if rm.tool_missing(t)]
    if missing:
        for name, _ in PROGRAMS:
            for _ in range(CASES_PER_PROGRAM):
                tap.skip(name, "not found: " + " ".join(missing))
        return 0
    have_print = rm.hs_print_usable()
    workdir = tempfile.mkdtemp(prefix="rec_oracle.")
    try:
        for name, columns in PROGRAMS:
            compare_program(tap, name, columns, progdir, workdir, paths, have_print)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
