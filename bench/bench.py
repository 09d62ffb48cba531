#!/usr/bin/env python3
"""bench.py: heapsnap's speed and memory against native, heaptrack and Massif.

Runs every workload natively, under heapsnap, under heaptrack (recording
plus heaptrack_print on the result: heaptrack's full cost) and under
Valgrind Massif, the tools in alternation, several repetitions each, and
prints for every workload and tool the median wall time, CPU time
(user+sys of the whole process tree, from wait4) and peak RSS as ratios to
the native medians, then the geometric means per tool, and beside them
the geometric mean of each side's fastest run's ratio (best of N).

This is a benchmark, not a test: it asserts nothing, but it flags the
targets (heapsnap below heaptrack in wall and CPU on every workload, a
geometric mean <= 2.5x native, RSS <= 1.3 x native + 16 MiB).

Usage: bench/run.sh [--heapsnap PATH] [--reps N] [--massif-reps N]
                    [--only NAME[,NAME]] [--tools LIST] [--markdown]

Tools: native, heapsnap, heapsnap-sampled (--sample=512K), heaptrack,
massif, memusage (glibc's, from Debian's libc-devtools: the floor).  With
both heapsnap and heapsnap-sampled, the five largest sites of each run's
peak are compared (bench/sample_accuracy.py).
"""

import argparse
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CC1 = "/usr/lib/gcc/x86_64-linux-gnu/12/cc1"

PY_SCRIPT = """\
import json
records = []
for i in range(150000):
    records.append({"id": i, "name": "user%06d" % i, "tags": ["t%d" % (i % 13), "g%d" % (i % 7)],
                    "score": i * 0.5})
text = json.dumps(records)
back = json.loads(text)
index = {}
for r in back:
    index.setdefault(r["tags"][0], []).append(r["name"])
print(len(text), len(index))
"""

SQL_SCRIPT = """\
CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, grp INTEGER, v REAL);
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < 1000000)
INSERT INTO t SELECT x, printf('name-%08d', (x * 7919) % 1000000), x % 97, x * 1.5 FROM c;
CREATE INDEX t_name ON t(name);
CREATE INDEX t_grp ON t(grp, v);
SELECT grp, count(*), sum(v) FROM t GROUP BY grp ORDER BY grp LIMIT 3;
SELECT count(*) FROM t a JOIN t b ON a.name = b.name WHERE a.grp = 5;
"""

PERL_SCRIPT = """\
my %h;
for my $i (1..400000) { $h{"key$i"} = [$i, "v" x ($i % 40)]; }
my @k = sort keys %h;
my $n = 0;
for my $k (@k) { $n += length($h{$k}[1]); }
print scalar(@k), " $n\\n";
"""


def write_inputs(d):
    with open(os.path.join(d, "w.py"), "w") as f:
        f.write(PY_SCRIPT)
    with open(os.path.join(d, "w.sql"), "w") as f:
        f.write(SQL_SCRIPT)
    with open(os.path.join(d, "w.pl"), "w") as f:
        f.write(PERL_SCRIPT)
    with open(os.path.join(d, "w.xml"), "w") as f:
        f.write('<?xml version="1.0"?>\n<root>\n')
        for i in range(300000):
            f.write('  <item id="%d" kind="k%d"><name>item %d</name><value unit="u">%d</value>'
                    '<note>some text here %d</note></item>\n' % (i, i % 7, i, i * i, i % 1000))
        f.write("</root>\n")
    with open(os.path.join(d, "w.c"), "w") as f:
        for i in range(700):
            n = i % 20 + 1
            f.write("static int f%d(int x) { int a[%d]; for (int i = 0; i < %d; i++) "
                    "a[i] = x * i + %d; return a[x %% %d]; }\n" % (i, n, n, i, n))
        f.write("int main(void) { int s = 0;\n")
        for i in range(700):
            f.write("  s += f%d(%d);\n" % (i, i))
        f.write("  return s; }\n")
    exe = os.path.join(d, "alloc_deep")
    subprocess.run(["cc", "-std=gnu11", "-O2", "-g", "-fno-omit-frame-pointer", "-pthread",
                    "-o", exe, os.path.join(HERE, "alloc_deep.c")], check=True)
    return exe


# Workloads with threads: not pinned to one CPU (Pinning).
THREADED = {"alloc_deep_4t"}


def workloads(d, alloc_deep):
    """name -> (argv, stdin file or None, extra environment)."""
    return {
        "alloc_deep": ([alloc_deep, "1", "10000000"], None, {}),
        "alloc_deep_4t": ([alloc_deep, "4", "4000000"], None, {}),
        "python3": (["/usr/bin/python3", "w.py"], None,
                    {"PYTHONMALLOC": "malloc", "PYTHONHASHSEED": "0",
                     "PYTHONDONTWRITEBYTECODE": "1"}),
        "sqlite3": (["/usr/bin/sqlite3", ":memory:"], "w.sql", {}),
        "xmllint": (["/usr/bin/xmllint", "--noout", "w.xml"], None, {}),
        "perl": (["/usr/bin/perl", "w.pl"], None, {}),
        "cc1": ([CC1, "-quiet", "-O1", "w.c", "-o", "/dev/null"], None, {}),
    }


class Pinning:
    """Where each run's processes go (--pin).  This machine's CPUs do not
    run at one speed (on the 2-vCPU VM of bench/README.md one ran 35%
    slower than the other for minutes at a time, and a process landed on
    either), so the measured program always runs on one CPU, natively and
    under every tool, and whatever a tool runs beside it (heapsnap's
    launcher and its naming thread, heaptrack_interpret, memusage's shell)
    on the others, as on a machine with cores to spare.  A workload with
    threads is not pinned (one CPU would serialise them)."""

    def __init__(self, cpu):
        self.cpu = cpu
        allowed = os.sched_getaffinity(0)
        self.others = (allowed - {cpu}) if cpu is not None else allowed
        if not self.others:
            self.others = allowed

    def run(self, argv, prog, mode, **popen):
        """Popen argv.  mode "all": every process on the pinned CPU;
        "helpers": those running prog there, the others beside it; "none":
        not pinned."""
        if self.cpu is None or mode == "none":
            every = self.others | ({self.cpu} if self.cpu is not None else set())
            return subprocess.Popen(argv, preexec_fn=lambda: os.sched_setaffinity(0, every),
                                    **popen), None
        helpers = mode == "helpers"
        first = self.others if helpers else {self.cpu}
        p = subprocess.Popen(argv, preexec_fn=lambda: os.sched_setaffinity(0, first),
                             start_new_session=True, **popen)
        if not helpers:
            return p, None
        stop = threading.Event()
        t = threading.Thread(target=self._follow, args=(p.pid, prog, stop), daemon=True)
        t.start()
        return p, (stop, t)

    def _follow(self, sid, prog, stop):
        """Pin every thread of the session's processes that run prog,
        polling: at once after start, then every 20 ms (new threads take
        their creator's CPU)."""
        done = set()
        start = time.monotonic()
        while not stop.is_set():
            for d in os.listdir("/proc"):
                if not d.isdigit() or int(d) in done:
                    continue
                try:
                    with open("/proc/%s/stat" % d) as f:
                        st = f.read()
                    if int(st[st.rindex(")") + 2:].split()[3]) != sid:
                        continue
                    if os.path.realpath("/proc/%s/exe" % d) != prog:
                        continue
                    for tid in os.listdir("/proc/%s/task" % d):
                        os.sched_setaffinity(int(tid), {self.cpu})
                    done.add(int(d))
                except (OSError, ValueError, IndexError):
                    continue
            stop.wait(0.0005 if time.monotonic() - start < 0.3 else 0.02)


PINNING = Pinning(None)


def run_once(argv, cwd, env, stdin_path, prog=None, mode="none"):
    """One run: (wall s, cpu s, max RSS KiB) of the whole process tree.

    wait4's rusage covers the child and every descendant it waited for
    (heaptrack's interpreter, Valgrind's tool process), and its maxrss is
    the largest single process's.  prog and mode: Pinning.run's."""
    fin = open(os.path.join(cwd, stdin_path)) if stdin_path else subprocess.DEVNULL
    t0 = time.monotonic()
    # stderr into a file, not a pipe read after wait4: memusage's report
    # (and cc1's warnings under it) fill a pipe and the run never ends.
    errf = tempfile.TemporaryFile()
    p, follow = PINNING.run(argv, prog, mode, cwd=cwd, env=env, stdin=fin,
                            stdout=subprocess.DEVNULL, stderr=errf)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    if follow is not None:
        follow[0].set()
        follow[1].join()
    p.returncode = os.waitstatus_to_exitcode(status)
    errf.seek(0)
    err = errf.read()
    errf.close()
    if fin is not subprocess.DEVNULL:
        fin.close()
    if p.returncode != 0:
        raise RuntimeError("%s exited %d: %s" % (" ".join(argv), p.returncode,
                                                  err.decode(errors="replace")[-500:]))
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss


def tool_runs(tool, argv, d, heapsnap):
    """The commands one measurement of tool is made of."""
    out = os.path.join(d, "out")
    if tool == "native":
        return [argv]
    if tool == "heapsnap":
        return [[heapsnap, "--massif-out-file=%s.hs" % out] + argv]
    if tool == "heapsnap-sampled":
        return [[heapsnap, "--sample=512K", "--massif-out-file=%s.hss" % out] + argv]
    if tool == "memusage":
        # glibc's (Debian libc-devtools): counts bytes, takes no stacks; the floor.
        return [["memusage"] + argv]
    if tool == "heaptrack":
        return [["heaptrack", "-o", out + ".ht"] + argv,
                ["heaptrack_print", out + ".ht.zst"]]
    if tool == "massif":
        return [["valgrind", "-q", "--tool=massif", "--massif-out-file=%s.ms" % out] + argv]
    raise ValueError(tool)


def measure(tool, argv, d, env, stdin_path, heapsnap, keep=None, pin=True):
    wall = cpu = 0.0
    rss = 0
    prog = os.path.realpath(argv[0])
    for k, cmd in enumerate(tool_runs(tool, argv, d, heapsnap)):
        # The program on the pinned CPU and the tool's own processes beside
        # it; Massif runs the program in its own process, and a later
        # command (heaptrack_print) is the tool's alone: all pinned.
        mode = ("none" if not pin else
                "helpers" if k == 0 and tool not in ("native", "massif") else "all")
        # heaptrack_print reads the recording, not the program's input.
        w, c, r = run_once(cmd, d, env, None if cmd[0] == "heaptrack_print" else stdin_path,
                           prog, mode)
        wall += w
        cpu += c
        rss = max(rss, r)
    for f in os.listdir(d):
        if f.startswith("out."):
            if keep is not None and f in ("out.hs", "out.hss"):
                os.replace(os.path.join(d, f), keep + "." + f[4:])
            else:
                os.unlink(os.path.join(d, f))
    return wall, cpu, rss


def geomean(xs):
    xs = [x for x in xs if x > 0]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else float("nan")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--heapsnap", default=os.environ.get("HEAPSNAP", "heapsnap"))
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--massif-reps", type=int, default=1)
    ap.add_argument("--only", default="")
    ap.add_argument("--tools", default="native,heapsnap,heaptrack,massif")
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--pin", default="auto",
                    help="the CPU the program runs on (auto: the last allowed, when there are "
                         "two or more; none: no pinning); see Pinning")
    args = ap.parse_args()
    global PINNING
    allowed = sorted(os.sched_getaffinity(0))
    if args.pin == "none" or (args.pin == "auto" and len(allowed) < 2):
        PINNING = Pinning(None)
    else:
        PINNING = Pinning(allowed[-1] if args.pin == "auto" else int(args.pin))
        # This script (and its polling) stays off the program's CPU.
        os.sched_setaffinity(0, PINNING.others)
    heapsnap = shutil.which(args.heapsnap) or args.heapsnap
    tools = args.tools.split(",")
    if "native" not in tools:
        tools.insert(0, "native")
    d = tempfile.mkdtemp(prefix="heapsnap-bench.")
    try:
        alloc_deep = write_inputs(d)
        wl = workloads(d, alloc_deep)
        names = [n for n in wl if not args.only or n in args.only.split(",")]
        results = {}  # (workload, tool) -> list of (wall, cpu, rss)
        for name in names:
            argv, stdin_path, extra_env = wl[name]
            env = dict(os.environ, LC_ALL="C", **extra_env)
            for rep in range(args.reps):
                for tool in tools:
                    if tool == "massif" and rep >= args.massif_reps:
                        continue
                    keep = os.path.join(d, "kept-%s-%d" % (name, rep))
                    r = measure(tool, argv, d, env, stdin_path, heapsnap, keep,
                                pin=name not in THREADED)
                    results.setdefault((name, tool), []).append(r)
                    print("# %-14s %-9s rep %d: wall %7.2f s  cpu %7.2f s  rss %8d KiB"
                          % (name, tool, rep + 1, r[0], r[1], r[2]), file=sys.stderr, flush=True)
        report(results, names, tools, args.markdown)
        if "heapsnap" in tools and "heapsnap-sampled" in tools:
            report_accuracy(d, names, args.reps, args.markdown)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    return 0


def report_accuracy(d, names, reps, markdown):
    """--sample=512K against exact mode on the same runs: the five largest
    sites of each exact run's peak, their error in the sampled run of the
    same repetition (bench/sample_accuracy.py)."""
    sys.path.insert(0, HERE)
    import sample_accuracy
    print()
    print("Sampled trees (--sample=512K) against exact mode's, the five largest peak sites:")
    for name in names:
        errs = []
        for rep in range(reps):
            base = os.path.join(d, "kept-%s-%d" % (name, rep))
            if not (os.path.exists(base + ".hs") and os.path.exists(base + ".hss")):
                continue
            rows, _ = sample_accuracy.compare(base + ".hs", base + ".hss", 5)
            errs.extend(abs(r[3]) for r in rows)
        if errs:
            print(("* " if markdown else "  ") +
                  "%-14s worst %5.1f%%  median %5.1f%%  over %d sites  %s" % (
                      name, max(errs), statistics.median(errs), len(errs),
                      "" if max(errs) <= 10 else "(over 10%)"))


def round_ratios(runs, native):
    """The median, over repetitions, of each figure's ratio to the native
    run of the same repetition: runs alternate tools, so a machine whose
    speed drifts over minutes moves both sides of a ratio alike."""
    return tuple(statistics.median(x[i] / n[i] for x, n in zip(runs, native))
                 for i in range(3))


def report(results, names, tools, markdown):
    med = {k: tuple(statistics.median(x[i] for x in v) for i in range(3))
           for k, v in results.items()}
    ratios = {}
    rows = []
    for name in names:
        nw, nc, nr = med[(name, "native")]
        for tool in tools[1:]:
            if (name, tool) not in med:
                continue
            ratios[(name, tool)] = round_ratios(results[(name, tool)], results[(name, "native")])
            # The flags below judge the ratios, on the native medians' scale.
            w, c, r = (ratios[(name, tool)][i] * (nw, nc, nr)[i] for i in range(3))
            note = ""
            if tool == "heapsnap-sampled":
                flags = []
                if r > 1.1 * nr + 8 * 1024:
                    flags.append("RSS over 1.1x+8MiB")
                if w > 1.5 * nw:
                    flags.append("wall over 1.5x")
                note = ", ".join(flags)
            if tool == "heapsnap":
                flags = []
                if r > 1.3 * nr + 16 * 1024:
                    flags.append("RSS over 1.3x+16MiB")
                ht = med.get((name, "heaptrack"))
                if ht and (w >= ht[0] or c >= ht[1]):
                    flags.append("not below heaptrack")
                note = ", ".join(flags)
            rows.append((name, tool, len(results[(name, tool)]), *ratios[(name, tool)],
                         "%.2fs %.2fs %dMiB" % (nw, nc, nr // 1024), note))
    if markdown:
        print("| workload | tool | runs | wall ratio | cpu ratio | rss ratio | native (wall cpu rss) | note |")
        print("|---|---|---:|---:|---:|---:|---|---|")
        for r in rows:
            print("| %s | %s | %d | %.2f | %.2f | %.2f | %s | %s |" % r)
    else:
        print("%-14s %-10s %4s %10s %10s %10s  %-22s %s" % ("workload", "tool", "runs", "wall",
              "cpu", "rss", "native wall/cpu/rss", "note"))
        for r in rows:
            print("%-14s %-10s %4d %9.2fx %9.2fx %9.2fx  %-22s %s" % r)
    print()
    for tool in tools[1:]:
        rs = [ratios[(n, tool)] for n in names if (n, tool) in ratios]
        if not rs:
            continue
        line = "geometric mean %-10s wall %.2fx  cpu %.2fx  rss %.2fx  (%d workloads)" % (
            tool, geomean([r[0] for r in rs]), geomean([r[1] for r in rs]),
            geomean([r[2] for r in rs]), len(rs))
        print(("* " if markdown else "") + line)
    # On a shared machine whose speed jumps between two levels for seconds
    # at a time (native sqlite3 1.47 s or 2.61 s by turns), one slow
    # repetition moves a median of three; each side's fastest run is the
    # figure least moved by others' work.  Printed beside the medians,
    # never instead of them.
    for tool in tools[1:]:
        best, reps = [], 0
        for n in names:
            if (n, tool) not in results:
                continue
            native = results[(n, "native")]
            reps = len(results[(n, tool)])
            best.append(tuple(min(x[i] for x in results[(n, tool)]) / min(x[i] for x in native)
                              for i in range(2)))
        if best:
            line = "best-of-%d ratio %-10s wall %.2fx  cpu %.2fx  (geometric mean)" % (
                reps, tool, geomean([b[0] for b in best]),
                geomean([b[1] for b in best]))
            print(("* " if markdown else "") + line)


if __name__ == "__main__":
    sys.exit(main())
