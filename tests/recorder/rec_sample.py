#!/usr/bin/env python3
"""rec_sample: --sample keeps the totals exact and estimates the trees.

tests/progs/rec_sample (one thread) builds five sites of 6 to 24 MB that
live together at the peak, with churn around them.  With --time-unit=B
the snapshots fall on the same bytes whatever the mode, so:

  1. under --sample=512K every snapshot has exact mode's time, mem_heap_B,
     mem_heap_extra_B and kind (the peak included)
  2. the desc: line says the totals are exact and the trees estimates
  3. ms_print and heapsnap-print read the sampled file
  4. under --sample=4K the five largest sites at the peak are within 10%
     of exact mode's (the relative error of a site of B bytes is about
     sqrt(SIZE / B): 2% here; at 512K it would be 15-30% for sites this
     small, which is why that is left to bench/sample_accuracy.py on big
     heaps)
  5. bad sizes are refused with one line naming the option
  6. with 8 threads (tests/progs/rec_threads), each thread's counts reach
     the totals by its exit: the final snapshot is exact mode's to the byte
  7. 200 short threads (tests/progs/rec_sample_edges handoff), each making
     about 10 KB that the main thread frees, never reach a flush
     threshold: their counts still reach the totals at their exit, so the
     final mem_heap_B is exact mode's (it used to wrap below zero)
  8. size tags only with --sample: blocks of 24, 40 and 56 bytes made after
     the record ended (rec_sample_edges usable), in exact mode and after
     bad HEAPSNAP_OPTIONS, have native malloc_usable_size (a tag byte
     would move them to the next size class)
  9. --sample with MALLOC_CHECK_ or GLIBC_TUNABLES' malloc.check /
     mem.tagging: refused at start-up with one line, recorded exactly
 10. --sample with --ignore-fn (either order): refused with one line
     naming both (unsampled blocks have no stack to tell ignored ones)
 11. --stats=yes: the heap allocs, reallocs and frees under --sample=4K
     are exact mode's (tests/progs/rec_sample, and rec_threads 4 20000)
 12. a block from __libc_malloc (no tag, its last byte reading as one)
     freed through free: the totals never go below zero (they used to
     wrap to 2^64 - 39) and the file is read by the printers
 13. direct call sites are exact: under --sample=512K every top-level
     site at the peak (all seven are callers of malloc, calloc, realloc
     or memalign) has exact mode's bytes to the byte, and every detailed
     snapshot's root is its mem_heap_B
 14. with --alloc-fn=wrap_alloc, wrap_alloc's call to malloc is no site:
     its two callers stay estimates (not both exact mode's; at 512K one
     may have no sample), sharing what the direct sites leave of
     mem_heap_B (here exactly their sum: nothing else is live at the
     peak; an estimate below the 1% threshold is in the root's "in N
     places" node), the six direct sites are still exact mode's, no top-level
     node is wrap_alloc's, the roots are mem_heap_B, the printers read it
 15. threads (tests/progs/rec_sites_threads: 4 threads and the main one
     making three sites of 2.9 to 8 MB; the peak is the same whatever the
     interleaving): each site's peak bytes under --sample=512K are exact
     mode's within 64 KiB per thread (HS_SAMPLE_THREAD_SLACK_BYTES: the
     sites' bytes are current, the totals lag a flush behind), with the
     threads gone before the peak ("joined") or still alive ("alive");
     the roots are mem_heap_B
 16. C++ (tests/progs/rec_cxx): operator new is answered by the library
     in sampling mode, so its callers are the direct sites (new, new[],
     nothrow new[], a constructor's new[], std::vector's allocator): every
     top-level node at the peak has exact mode's bytes (12 KB in all: at
     512K usually no block is sampled), libstdc++'s own direct malloc (its
     71 KiB emergency pool) among them, none is operator new's, every root
     is mem_heap_B, ms_print reads it
 17. with 8 threads (tests/progs/rec_threads): every detailed snapshot's
     root is still mem_heap_B and the printers read the file
 18. operator new's failures (tests/progs/rec_cxx_fail) are the C++
     library's under --sample=4K and in exact mode: std::bad_alloc from
     new and new[], nullptr from both nothrow forms, the new-handler
     called until it gives up, a block for new[0]; the output is the
     native run's
 19. a C++ program with its own malloc, free, calloc and realloc
     (tests/progs/rec_cxx_ownmalloc, whose free aborts on a block it did
     not make): under --sample=4K operator new is left to libstdc++, so
     new and delete both use the program's allocator; it runs to its end
 20. the heap's layout is glibc's own: 2000 blocks of 1 to 700 bytes
     (rec_sample_edges layout: malloc, memalign, realloc, calloc, frees
     between) lie at the same offsets from the first natively, in exact
     mode, under --sample=512K and --sample=4K (a size tag that asked
     glibc for 3 more bytes moved 3 request sizes in 16 to the next size
     class: python3 ran 15% slower from that alone)
 21. under a limit on the address space (ulimit -v, where the shadow of
     the tags is off: tagshadow.h) --sample=512K still has exact mode's
     snapshots, the tags all inside the blocks
 22. blocks shrunk in place by realloc, then freed (rec_sample_edges
     shrink): under --sample=512K and 4K the final snapshot's mem_heap_B,
     extra and time are exact mode's, extra 0 (Massif's slop for the
     shrunk block, which the free could not know, left 99,200 bytes of
     extra for good)
 23. a program that limits its own address space after start, then
     allocates until malloc fails (rec_sample_edges aslimit: 256 MiB
     left): under --sample=512K it gets at least 95% of what it gets
     natively (the shadow, mapped 64 MiB at a time, left it 45%; leaves
     of 1 MiB, and none once the limit is seen, leave it 98%)
 24. thousands of direct call sites (tests/progs/rec_sites_many 3: 3000
     malloc calls, one block each, all live at the peak): under
     --sample=512K every top-level node at the peak has exact mode's
     bytes, by address, and the desc: line claims them exact with no
     exception, the launcher no note (the 4096-slot table with 8 probes
     refused about 100 of them and still claimed them exact)
 25. more direct call sites than the table holds (rec_sites_many 10:
     10,000 sites, 8191 ids): the desc: line says the sites are exact
     "except N sites that did not fit in the recorder's table of 8191"
     with N the sites past 8191 (1809 and maybe a few of libc's), the
     launcher says so in a note, and at most N top-level nodes at the
     peak differ from exact mode's
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rec_massif as rm  # noqa: E402

N_CASES = 25


def roots_bad(f):
    """The detailed snapshots whose root is not mem_heap_B."""
    return [(i, x.heap, x.tree.bytes) for i, x in enumerate(f.snapshots)
            if x.tree is not None and x.tree.bytes != x.heap]


def sites_of(snap):
    return {c.label: c.bytes for c in rm.top_sites(snap, 1000)}


def check_sites(tap, d, exe, thr, files):
    ex, s512 = files["exact"], files["512K"]
    e_top = sites_of(ex.peak) if ex else {}
    s_top = sites_of(s512.peak) if s512 else {}
    tap.ok(len(e_top) == 7 and e_top == s_top and not roots_bad(s512),
           "--sample=512K: every direct site's peak bytes are exact mode's, roots mem_heap_B",
           "exact %r\nsampled %r\nroots %r" % (e_top, s_top, roots_bad(s512) if s512 else None))
    got = {}
    for name, opts in (("exact", []), ("512K", ["--sample=512K"])):
        out = os.path.join(d, "wrap_%s.massif.out" % name)
        r = rm.run_heapsnap([exe], out, ["--time-unit=B", "--alloc-fn=wrap_alloc"] + opts)
        got[name] = (out, rm.parse(out)) if r.returncode == 0 and os.path.exists(out) else None
    ok = got["exact"] is not None and got["512K"] is not None
    e_top = sites_of(got["exact"][1].peak) if ok else {}
    s_top = sites_of(got["512K"][1].peak) if ok else {}
    wrapped = [k for k in e_top if "make_wrapped" in k]
    direct_e = {k: v for k, v in e_top.items() if "make_wrapped" not in k}
    direct_s = {k: v for k, v in s_top.items() if "make_wrapped" not in k and "wrap_alloc" not in k}
    # An estimate below --threshold (1%: 656 KB here) joins the root's
    # "in N places" node, so the wrapped callers' share is counted there.
    below = sum(c.bytes for c in got["512K"][1].peak.tree.children if c.is_aggregate) \
        if ok and got["512K"][1].peak is not None and got["512K"][1].peak.tree is not None else 0
    ok = ok and len(wrapped) == 2 and len(direct_e) == 6 and direct_e == direct_s \
        and any(s_top.get(k) != e_top[k] for k in wrapped) \
        and sum(s_top.get(k, 0) for k in wrapped) + below == sum(e_top[k] for k in wrapped) \
        and not any("wrap_alloc" in k for k in s_top) and not roots_bad(got["512K"][1])
    if ok:
        rm.check_with_printers(tap, "--alloc-fn=wrap_alloc: its callers stay estimates, "
                               "the direct sites exact", got["512K"][0])
    else:
        tap.ok(False, "--alloc-fn=wrap_alloc: its callers stay estimates, the direct sites exact",
               "exact %r\nsampled %r" % (e_top, s_top))
    prog = os.path.join(os.path.dirname(thr), "rec_sites_threads")
    bad = []
    for mode in ("joined", "alive"):
        peaks = []
        for name, opts in (("exact", []), ("512K", ["--sample=512K"])):
            out = os.path.join(d, "sites_threads_%s_%s.massif.out" % (mode, name))
            r = rm.run_heapsnap([prog, mode], out, ["--time-unit=B"] + opts)
            f = rm.parse(out) if r.returncode == 0 and os.path.exists(out) else None
            peaks.append(f)
        if peaks[0] is None or peaks[1] is None:
            bad.append("%s: no file" % mode)
            continue
        e_top, s_top = sites_of(peaks[0].peak), sites_of(peaks[1].peak)
        big = {k: v for k, v in e_top.items() if "make_" in k}
        if len(big) != 3 or roots_bad(peaks[1]) \
                or any(abs(s_top.get(k, 0) - v) > 5 * 64 * 1024 for k, v in big.items()):
            bad.append("%s: exact %r sampled %r roots %r" % (mode, e_top, s_top,
                                                            roots_bad(peaks[1])))
    tap.ok(not bad, "threads: each direct site within 64 KiB per thread of exact mode's",
           "\n".join(bad))
    cxx = os.path.join(os.path.dirname(thr), "rec_cxx")
    got = []
    for name, opts in (("exact", []), ("512K", ["--sample=512K"])):
        out = os.path.join(d, "cxx_%s.massif.out" % name)
        r = rm.run_heapsnap([cxx], out, ["--time-unit=B"] + opts)
        got.append((out, rm.parse(out)) if r.returncode == 0 and os.path.exists(out) else None)
    ok = got[0] is not None and got[1] is not None
    e_top = sites_of(got[0][1].peak) if ok else {}
    s_top = sites_of(got[1][1].peak) if ok else {}
    callers = [k for k in e_top if "rec_cxx.cc" in k or "new_allocator" in k]
    pool = [k for k in e_top if "libstdc++" in k]
    ok = ok and len(callers) >= 3 and len(pool) == 1 and s_top == e_top \
        and not any("operator new" in k for k in s_top) and not roots_bad(got[1][1])
    what = "C++: operator new's callers are exact sites, roots mem_heap_B"
    if ok:
        rm.check_with_printers(tap, what, got[1][0])
    else:
        tap.ok(False, what, "exact %r\nsampled %r" % (e_top, s_top))
    out = os.path.join(d, "threads_sites.massif.out")
    r = rm.run_heapsnap([thr, "8", "100000"], out, ["--time-unit=B", "--sample=512K"])
    f = rm.parse(out) if r.returncode == 0 and os.path.exists(out) else None
    if f is not None and any(x.tree is not None for x in f.snapshots) and not roots_bad(f):
        rm.check_with_printers(tap, "8 threads: roots mem_heap_B, the printers read the file", out)
    else:
        tap.ok(False, "8 threads: roots mem_heap_B, the printers read the file",
               "exit %d, roots %r" % (r.returncode, roots_bad(f) if f else None))


EXCEPT_RE = re.compile(r"are exact, within the same bound with threads, except (\d+) sites"
                       r" that did not fit in the recorder's table of 8191 \(their top-level"
                       r" nodes are estimates\)\)")
NOTE_RE = re.compile(r"^heapsnap:   note: (\d+) direct call sites did not fit in the recorder's"
                     r" table of 8191: their top-level nodes are estimates, not exact$", re.M)


def check_many_sites(tap, d, prog):
    """Cases 24 and 25: rec_sites_many's 3000 and 10,000 direct call sites."""
    def peak_sites(n, opts):
        out = os.path.join(d, "many%d_%s.massif.out" % (n, "sampled" if opts else "exact"))
        # Every site's node at the peak, few detailed snapshots.
        r = rm.run_heapsnap([prog, str(n)], out, ["--threshold=0", "--detailed-freq=1000",
                                                  "--max-snapshots=10"] + opts)
        if r.returncode != 0 or not os.path.exists(out):
            return None, "", "exit %d, stderr %r" % (r.returncode, r.stderr)
        f = rm.parse(out)
        top = {c.address: c.bytes for c in rm.top_sites(f.peak, 100000)}
        if roots_bad(f):
            return None, "", "roots %r" % roots_bad(f)[:5]
        return (top, " ".join(f.desc)), r.stderr.decode(errors="replace"), ""

    got = {}
    for n in (3, 10):
        (e, _, why_e), (sp, err, why_s) = peak_sites(n, []), peak_sites(n, ["--sample=512K"])
        got[n] = (e, sp, err, why_e + why_s)
    e, sp, err, why = got[3]
    ok = e is not None and sp is not None and len(e[0]) >= 3000
    diff = sorted((a, e[0].get(a), sp[0].get(a)) for a in set(e[0]) | set(sp[0])
                  if e[0].get(a) != sp[0].get(a)) if ok else []
    desc = sp[1] if ok else ""
    tap.ok(ok and not diff and "are exact, within the same bound with threads)" in desc
           and " except " not in desc and NOTE_RE.search(err) is None,
           "3000 direct call sites: every one at the peak exact mode's, the desc: says so",
           "%s\n%d differ: %r\ndesc %r" % (why, len(diff), diff[:10], desc))
    e, sp, err, why = got[10]
    ok = e is not None and sp is not None and len(e[0]) >= 10000
    diff = [a for a in set(e[0]) | set(sp[0]) if e[0].get(a) != sp[0].get(a)] if ok else []
    m = EXCEPT_RE.search(sp[1]) if ok else None
    note = NOTE_RE.search(err) if ok else None
    # The program's 10,000 sites, and maybe a few of libc's, past 8191.
    past = int(m.group(1)) if m is not None else -1
    tap.ok(m is not None and note is not None and 10000 - 8191 <= past <= 10000 - 8191 + 50
           and int(note.group(1)) == past and len(diff) <= past,
           "10,000 direct call sites: the desc: and a note say the %d past the table's"
           " 8191 are estimates, the others exact" % past,
           "%s\n%d differ\ndesc %r\nstderr %r" % (why, len(diff), sp[1] if sp else "", err))


CXX_FAIL_OUTPUT = b"""new[]: bad_alloc
new: bad_alloc
nothrow new[]: nullptr
nothrow new: nullptr
handler: called 2 times, then bad_alloc
new[0]: a block
"""


def check_cxx_failures(tap, d, prog):
    native = subprocess.run([prog], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    bad = [] if native.stdout == CXX_FAIL_OUTPUT and native.returncode == 0 \
        else ["native: exit %d %r" % (native.returncode, native.stdout)]
    for name, opts in (("exact", []), ("4K", ["--sample=4K"])):
        out = os.path.join(d, "cxx_fail_%s.massif.out" % name)
        r = rm.run_heapsnap([prog], out, opts)
        if r.returncode != 0 or r.stdout != native.stdout or not os.path.exists(out):
            bad.append("%s: exit %d %r %r" % (name, r.returncode, r.stdout, r.stderr[-300:]))
    tap.ok(not bad, "C++: operator new's failures are the C++ library's, sampled or not",
           "\n".join(bad))
    own = os.path.join(os.path.dirname(prog), "rec_cxx_ownmalloc")
    out = os.path.join(d, "cxx_ownmalloc.massif.out")
    r = rm.run_heapsnap([own], out, ["--sample=4K"])
    tap.ok(r.returncode == 0 and r.stdout == b"ok\n",
           "C++ with its own malloc: operator new left to it under --sample",
           "exit %d %r %r" % (r.returncode, r.stdout, r.stderr[-300:]))


def check_layout(tap, d, edges):
    native = subprocess.run([edges, "layout"], stdout=subprocess.PIPE, timeout=60).stdout
    got = {}
    for name, opts in (("exact", []), ("512K", ["--sample=512K"]), ("4K", ["--sample=4K"])):
        r = rm.run_heapsnap([edges, "layout"], os.path.join(d, "layout.massif.out"), opts)
        got[name] = r.stdout if r.returncode == 0 else r.stderr
    differ = [name for name, out in got.items() if out != native]
    tap.ok(native.count(b"\n") == 2000 and not differ,
           "the heap's layout is glibc's own, exactly and under --sample",
           "differ from native: %s" % differ)


def check_shrink(tap, d, edges):
    finals = []
    for opts in ([], ["--sample=512K"], ["--sample=4K"]):
        out = os.path.join(d, "shrink%d.massif.out" % len(finals))
        r = rm.run_heapsnap([edges, "shrink"], out,
                            ["--time-unit=B", "--final-snapshot=yes"] + opts)
        last = rm.parse(out).snapshots[-1] if r.returncode == 0 and os.path.exists(out) else None
        finals.append((last.time, last.heap, last.extra) if last else None)
    tap.ok(finals[0] is not None and finals[0][1:] == (0, 0) and finals.count(finals[0]) == 3,
           "blocks shrunk in place then freed: the final snapshot is exact mode's under --sample",
           "exact, 512K, 4K: %r" % finals)


def check_own_address_limit(tap, d, edges):
    def mib(r):
        out = r.stdout.decode().strip()
        return int(out) if r.returncode == 0 and out.isdigit() else None
    native = mib(subprocess.run([edges, "aslimit"], stdout=subprocess.PIPE, timeout=120))
    sampled = mib(rm.run_heapsnap([edges, "aslimit"], os.path.join(d, "aslimit2.massif.out"),
                                  ["--sample=512K"]))
    tap.ok(native is not None and native > 100 and sampled is not None
           and sampled >= 0.95 * native,
           "a program limiting its own address space: --sample leaves it 95% of it",
           "MiB allocated natively %s, under --sample=512K %s" % (native, sampled))


def check_address_limit(tap, d, exe, rows_e):
    import resource

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (8 << 30, 8 << 30))
    out = os.path.join(d, "aslimit.massif.out")
    p = rm.env_paths()
    r = subprocess.run([p["launcher"], "--massif-out-file=" + out, "--time-unit=B",
                        "--sample=512K", exe], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       preexec_fn=limit, timeout=120)
    rows = [s.row() for s in rm.parse(out).snapshots] \
        if r.returncode == 0 and os.path.exists(out) else None
    tap.ok(rows_e and rows == rows_e,
           "ulimit -v (no shadow): --sample=512K's snapshots are exact mode's",
           "exit %d %r" % (r.returncode, r.stderr[-300:]))


def main():
    paths = rm.env_paths()
    exe = os.path.join(paths["builddir"], "tests", "progs", "rec_sample")
    tap = rm.Tap(N_CASES)
    if rm.tool_missing(paths["launcher"]) or rm.tool_missing(exe):
        for _ in range(N_CASES):
            tap.skip("sampling", "heapsnap launcher or tests/progs/rec_sample not built")
        return 0
    d = tempfile.mkdtemp(prefix="rec_sample.")
    try:
        files = {}
        for name, opts in (("exact", []), ("512K", ["--sample=512K"]), ("4K", ["--sample=4K"])):
            out = os.path.join(d, name + ".massif.out")
            r = rm.run_heapsnap([exe], out, ["--time-unit=B"] + opts)
            if r.returncode != 0 or not os.path.exists(out):
                tap.diag("%s: exit %d, stderr %r" % (name, r.returncode, r.stderr))
                files[name] = None
            else:
                files[name] = rm.parse(out)
        ex, s512, s4 = files["exact"], files["512K"], files["4K"]
        rows_e = [s.row() for s in ex.snapshots] if ex else []
        rows_s = [s.row() for s in s512.snapshots] if s512 else []
        tap.ok(ex is not None and len(rows_e) > 10 and rows_s == rows_e,
               "--sample=512K: every snapshot's time, mem_heap_B, extra and kind are exact mode's",
               "\n".join(rm.unified_diff(["%s" % (r,) for r in rows_e],
                                         ["%s" % (r,) for r in rows_s], "exact", "sampled")))
        desc = " ".join(s512.desc) if s512 else ""
        tap.ok("--sample=512K" in desc and "mem_heap_B and the peak are exact" in desc
               and "the trees are unbiased estimates" in desc,
               "desc: says the totals are exact and the trees estimates", desc)
        if s512:
            rm.check_with_printers(tap, "the sampled file is read by the printers",
                                   os.path.join(d, "512K.massif.out"))
        else:
            tap.ok(False, "the sampled file is read by the printers", "no file")
        top = rm.top_sites(ex.peak if ex else None, 5)
        got = {c.label: c.bytes for c in rm.top_sites(s4.peak if s4 else None, 50)}
        report = []
        worst = 0.0 if top else 1e9
        for c in top:
            err = abs(got.get(c.label, 0) - c.bytes) / c.bytes
            worst = max(worst, err)
            report.append("%10d %10d %5.1f%% %s" % (c.bytes, got.get(c.label, 0), 100 * err,
                                                    c.label))
        tap.ok(len(top) == 5 and worst <= 0.10,
               "--sample=4K: the five largest peak sites within 10% of exact mode's",
               "\n".join(report))
        bad = []
        for value in ("0", "12Q", "2G", "", "-1", "1.5M"):
            r = subprocess.run([paths["launcher"], "--sample=" + value, exe],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
            lines = r.stderr.decode(errors="replace").splitlines()
            # One line naming the option (then the launcher's "try --help").
            if r.returncode == 0 or not lines or "'--sample=%s'" % value not in lines[0]:
                bad.append("--sample=%s: exit %d, stderr %r" % (value, r.returncode, lines))
        tap.ok(not bad, "bad sizes are refused with one line naming the option", "\n".join(bad))
        def final_heaps(name, argv, sample):
            """The final mem_heap_B of argv exactly and with --sample=sample."""
            finals = []
            for opts in ([], ["--sample=" + sample]):
                out = os.path.join(d, "%s%d.massif.out" % (name, len(opts)))
                r = rm.run_heapsnap(argv, out, ["--final-snapshot=yes"] + opts)
                finals.append(rm.parse(out).snapshots[-1].heap
                              if r.returncode == 0 and os.path.exists(out) else None)
            return finals
        thr = os.path.join(paths["builddir"], "tests", "progs", "rec_threads")
        finals = final_heaps("threads", [thr, "8", "100000"], "512K")
        tap.ok(finals[0] is not None and finals[0] == finals[1],
               "8 threads: the final mem_heap_B under --sample=512K is exact mode's",
               "exact %s, sampled %s" % tuple(finals))
        edges = os.path.join(paths["builddir"], "tests", "progs", "rec_sample_edges")
        finals = final_heaps("handoff", [edges, "handoff", "200"], "4K")
        tap.ok(finals[0] is not None and finals[0] == finals[1],
               "short threads' blocks freed by main: the final mem_heap_B is exact mode's",
               "exact %s, sampled %s" % tuple(finals))
        usable = {}
        r = subprocess.run([edges, "usable"], stdout=subprocess.PIPE, timeout=60)
        usable["native"] = r.stdout.decode()
        r = rm.run_heapsnap([edges, "usable"], os.path.join(d, "usable.massif.out"))
        usable["exact"] = r.stdout.decode()
        env = dict(os.environ, LD_PRELOAD=paths["preload"], HEAPSNAP_OPTIONS="--bogus=1")
        r = subprocess.run([edges, "usable"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           env=env, timeout=60)
        usable["bad options"] = r.stdout.decode()
        tap.ok(usable["native"].count(":") == 3
               and usable["exact"] == usable["native"] == usable["bad options"],
               "no size tag without --sample: malloc_usable_size after the record is native's",
               repr(usable))
        bad = []
        for var, val in (("MALLOC_CHECK_", "3"), ("GLIBC_TUNABLES", "glibc.malloc.check=3"),
                         ("GLIBC_TUNABLES", "glibc.mem.tagging=1")):
            out = os.path.join(d, "refused.massif.out")
            r = rm.run_heapsnap([exe], out, ["--time-unit=B", "--sample=4K"],
                                env=dict(os.environ, **{var: val}))
            err = r.stderr.decode(errors="replace").splitlines()
            refusals = [x for x in err if "--sample refused" in x]
            rows = [s.row() for s in rm.parse(out).snapshots] \
                if r.returncode == 0 and os.path.exists(out) else None
            desc = " ".join(rm.parse(out).desc) if rows is not None else ""
            if len(refusals) != 1 or rows != rows_e or "sampled" in desc:
                bad.append("%s=%s: exit %d, refusals %r, exact rows %s, desc %r"
                           % (var, val, r.returncode, refusals, rows == rows_e, desc))
        tap.ok(not bad, "--sample refused under glibc's malloc checks or memory tagging",
               "\n".join(bad))
        bad = []
        for args in (["--sample=4K", "--ignore-fn=main"], ["--ignore-fn=main", "--sample=4K"]):
            r = subprocess.run([paths["launcher"]] + args + [exe], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, timeout=60)
            lines = r.stderr.decode(errors="replace").splitlines()
            if r.returncode == 0 or not lines or "'%s'" % args[1] not in lines[0] \
                    or "--sample cannot be combined with --ignore-fn" not in lines[0]:
                bad.append("%s: exit %d, stderr %r" % (" ".join(args), r.returncode, lines))
        tap.ok(not bad, "--sample with --ignore-fn is refused with one line naming both",
               "\n".join(bad))

        def stats(argv, opts):
            out = os.path.join(d, "stats.massif.out")
            r = rm.run_heapsnap(argv, out, ["--stats=yes"] + opts)
            return [x.split(None, 1)[1] for x in r.stderr.decode(errors="replace").splitlines()
                    if x.split(None, 1)[-1].startswith(("heap allocs:", "heap reallocs:",
                                                        "heap frees:"))]
        got = []
        for argv in ([exe], [thr, "4", "20000"]):
            got.append((stats(argv, []), stats(argv, ["--sample=4K"])))
        tap.ok(all(len(e) == 3 and e == s for e, s in got),
               "--stats=yes: heap allocs, reallocs and frees under --sample=4K are exact mode's",
               repr(got))
        out = os.path.join(d, "foreign.massif.out")
        r = rm.run_heapsnap([edges, "foreign"], out, ["--sample=4K", "--final-snapshot=yes"])
        f = rm.parse(out) if r.returncode == 0 and os.path.exists(out) else None
        rows = [(x.heap, x.extra) for x in f.snapshots] if f else []
        ok = f is not None and rows and all(h < 1 << 40 and e < 1 << 40 for h, e in rows) \
            and rows[-1][0] == 0
        if ok:
            rm.check_with_printers(tap, "an untagged block's free: totals never below zero", out)
        else:
            tap.ok(False, "an untagged block's free: totals never below zero",
                   "exit %d, rows %r" % (r.returncode, rows))
        check_sites(tap, d, exe, thr, files)
        check_cxx_failures(tap, d, os.path.join(os.path.dirname(exe), "rec_cxx_fail"))
        check_layout(tap, d, edges)
        check_address_limit(tap, d, exe, rows_e)
        check_shrink(tap, d, edges)
        check_own_address_limit(tap, d, edges)
        check_many_sites(tap, d, os.path.join(os.path.dirname(exe), "rec_sites_many"))
    finally:
        shutil.rmtree(d, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
