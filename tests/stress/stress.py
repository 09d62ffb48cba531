#!/usr/bin/env python3
"""stress: the recorder under stress (TAP), one program of tests/stress each.

Each program runs natively, then under the heapsnap launcher (bounded by a
timeout, so a deadlock fails instead of hanging), each in an empty folder.
For every program, four cases:

  status   the exit status is the native one
  output   stdout and stderr are the native ones (less the launcher's
           "heapsnap: ..." lines); if the recorder gave up ("out of
           memory"), stderr says so once and the file's desc: line says so
  files    every file written is valid: Valgrind's ms_print accepts it and
           heapsnap-print renders it byte for byte as ms_print does
  exact    the program's own figure, checked in the file (see CHECKS)

Sizes are CI-sized; HS_STRESS_ITERATIONS=N overrides every program's count
(see each program's header comment for what it counts), and
HS_STRESS_TIMEOUT=S the timeout (default 120 s).
  tests/stress/stress.py [PROGRAM...]   runs only the named programs
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

TOP_SRCDIR = os.environ.get("top_srcdir", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
TOP_BUILDDIR = os.environ.get("top_builddir", TOP_SRCDIR)
LAUNCHER = os.environ.get("HS_LAUNCHER", os.path.join(TOP_BUILDDIR, "heapsnap"))
HS_PRINT = os.environ.get("HS_PRINT", os.path.join(TOP_BUILDDIR, "heapsnap-print"))
MS_PRINT = os.environ.get("MS_PRINT", "")
TIMEOUT_S = int(os.environ.get("HS_STRESS_TIMEOUT", "120"))
PROGS = os.path.join(TOP_BUILDDIR, "tests", "stress")
SRC = os.path.join(TOP_SRCDIR, "tests", "stress")

NODE_RE = re.compile(r"^( *)n(\d+): (\d+)(?: (.*))?$")


def parse(path):
    """A Massif file as (desc, snapshots); a snapshot is a dict with the
    numbers and, when detailed, 'tree': (bytes, text, children) tuples."""
    with open(path, encoding="utf-8", errors="replace") as f:
        lines = [l.rstrip("\n") for l in f if not l.startswith("#")]
    desc = lines[0][len("desc:"):] if lines and lines[0].startswith("desc:") else None
    snaps = []
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if line.startswith("snapshot="):
            snaps.append({})
        elif snaps and "=" in line and not NODE_RE.match(line):
            k, v = line.split("=", 1)
            snaps[-1][k] = int(v) if v.isdigit() else v
            if k == "heap_tree" and v in ("detailed", "peak"):
                stack = []
                root = None
                while i < len(lines) and NODE_RE.match(lines[i]):
                    m = NODE_RE.match(lines[i])
                    i += 1
                    node = (int(m.group(3)), m.group(4) or "", [])
                    depth = len(m.group(1))
                    del stack[depth:]
                    if stack:
                        stack[-1][2].append(node)
                    else:
                        root = node
                    stack.append(node)
                snaps[-1]["tree"] = root
    return desc, snaps


def walk(node, depth=0, parent=None):
    yield node, depth, parent
    for c in node[2]:
        yield from walk(c, depth + 1, node)


def label(text):
    """A frame's text without its address."""
    m = re.match(r"^0x[0-9A-Fa-f]+: (.*)$", text)
    return m.group(1) if m else text


def source_line(name, needle):
    """The line number of the first line of tests/stress/NAME holding needle."""
    with open(os.path.join(SRC, name), encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if needle in line:
                return n
    raise RuntimeError("%s not found in %s" % (needle, name))


def last_heap_B(files):
    return parse(files[0])[1][-1]["mem_heap_B"]


# Program-specific checks: (description, function(files, stdout) -> error
# string or None).  files[0] is the main process's file.
def check_threads(files, out):
    want = int(re.search(r"held_B=(\d+)", out).group(1))
    got = last_heap_B(files)
    return None if got == want else "final mem_heap_B=%d, the program holds %d" % (got, want)


def check_fork(files, out, forks):
    # The parent, each child that returned or called _exit, and possibly a
    # file from each child just before its exec.
    lo = 1 + forks - forks // 3
    if not lo <= len(files) <= 1 + forks:
        return "%d files for %d forks (wanted %d to %d)" % (len(files), forks, lo, 1 + forks)
    with_work = 0
    for f in files:
        for s in parse(f)[1]:
            if "tree" in s and any("child_work" in n[1] for n, _, _ in walk(s["tree"])):
                with_work += 1
                break
    want = forks - (forks + 1) // 3  # the children that ran child_work
    return None if with_work >= want else "%d files name child_work, wanted %d" % (with_work, want)


def check_dlopen(files, out):
    # Every direct caller of malloc reached from the alloc(BLOCK_BYTES) call
    # of main is code of the unloaded library: it must be named right or be
    # "???" (optionally "in" that library), never another object's name.
    call_line = source_line("stress_dlopen.c", "live[i] = alloc(BLOCK_BYTES)")
    main_text = "main (stress_dlopen.c:%d)" % call_line
    seen = 0
    for s in parse(files[0])[1]:
        if "tree" not in s:
            continue
        for node in s["tree"][2]:
            callers = [label(c[1]) for c in node[2]]
            if main_text not in callers:
                continue
            seen += 1
            text = label(node[1])
            if re.fullmatch(r"stress_dl_alloc \(stress_dllib\.c:\d+\)", text):
                continue
            if text == "???" or re.fullmatch(r"\?\?\? \(in .*/libstress_dl\.so\)", text):
                continue
            return "a frame of the unloaded library is named %r" % text
    return None if seen else "no tree shows the blocks allocated by the unloaded library"


def check_nullmalloc(files, out):
    got = last_heap_B(files)
    return None if got == 10000 else "final mem_heap_B=%d, wanted the 10 live blocks' 10000" % got


def check_many(files, out):
    want = int(re.search(r"peak_heap_B=(\d+)", out).group(1))
    got = max(s["mem_heap_B"] for s in parse(files[0])[1])
    return None if got == want else "peak mem_heap_B=%d, the program held %d" % (got, want)


def check_oom(files, out):
    # Who runs out of room first depends on how much the recorder needs per
    # block.  If the recorder gave up, the desc: line says so (stderr saying
    # it once is checked with the output).  If it kept up, the file holds the
    # program's whole fill: a peak of at least 64 MiB of 64-byte blocks, and
    # nothing at the end, when the program has freed them all.
    desc, snaps = parse(files[0])
    if "out of memory" in (desc or ""):
        return None
    peak = max(s["mem_heap_B"] for s in snaps)
    final = snaps[-1]["mem_heap_B"]
    if peak >= 64 << 20 and final == 0:
        return None
    return ("the recorder neither gave up (desc: %r) nor kept up (peak %d, final %d)"
            % (desc, peak, final))


def check_cxx(files, out):
    # The kept exceptions are live at the peak, named by the allocator's
    # entry point or, failing that, by the throwing function below it; the
    # static destructors free the rest before the file is written, leaving
    # only libstdc++'s emergency pool (72704 bytes) and a little.
    snaps = parse(files[0])[1]
    peak = [s for s in snaps if s.get("heap_tree") == "peak"]
    if not peak:
        return "no peak snapshot"
    found = False
    for node, depth, parent in walk(peak[-1]["tree"]):
        if depth == 1 and node[0] > 0 and (
                label(node[1]).startswith("__cxa_allocate_exception")
                or any("thrower(unsigned long) (stress_cxx.cc:" in label(c[1]) for c in node[2])):
            found = True
    if not found:
        return "the peak tree does not show the kept exceptions' allocations"
    final = snaps[-1]["mem_heap_B"]
    return None if final < 80000 else "final mem_heap_B=%d: the static destructors' frees are missing" % final


def check_closefds(files, out):
    return None if len(files) == 1 else "%d files" % len(files)


def check_signal(files, out):
    return None if parse(files[0])[1] else "no snapshot"


# name, CI-sized HS_STRESS_ITERATIONS, extra arguments, launcher options,
# check description, check.
PROGRAMS = [
    ("stress_threads", 40, [], [], "final mem_heap_B equals the bytes held", check_threads),
    ("stress_fork", 15, [], ["--detailed-freq=1", "--threshold=0"], "a file per child, children name child_work", None),
    ("stress_signal", 20000, [], [], "snapshots written", check_signal),
    ("stress_dlopen", 200, ["@lib"], ["--detailed-freq=1", "--threshold=0"],
     "unloaded code named right or ???", check_dlopen),
    ("stress_closefds", None, [], [], "one file", check_closefds),
    ("stress_oom", 2, [], [], "gave up and says so, or kept up: peak >= 64 MiB, final 0", check_oom),
    ("stress_nullmalloc", None, [], [], "final mem_heap_B is the 10 live blocks", check_nullmalloc),
    ("stress_many", 3, [], [], "peak mem_heap_B equals the bytes held", check_many),
    ("stress_cxx", 20000, [], ["--threshold=0"], "exceptions named, static destructors' frees seen", check_cxx),
]


def run(argv, cwd, env):
    try:
        r = subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=TIMEOUT_S)
        return r.returncode, r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace")
    except subprocess.TimeoutExpired:
        return "timeout after %d s" % TIMEOUT_S, "", ""


def valid(path):
    """None if ms_print accepts the file and heapsnap-print prints the same."""
    d, base = os.path.split(path)
    hs = subprocess.run([HS_PRINT, base], cwd=d, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if hs.returncode != 0:
        return "heapsnap-print refuses %s: %s" % (base, hs.stderr.decode(errors="replace").strip())
    if MS_PRINT:
        ms = subprocess.run([MS_PRINT, base], cwd=d, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if ms.returncode != 0:
            return "ms_print refuses %s" % base
        if ms.stdout != hs.stdout:
            return "heapsnap-print and ms_print differ on %s" % base
    return None


class Tap:
    def __init__(self, n):
        self.i = 0
        print("1..%d" % n, flush=True)

    def case(self, what, error):
        self.i += 1
        if error is None:
            print("ok %d - %s" % (self.i, what), flush=True)
        else:
            print("not ok %d - %s" % (self.i, what), flush=True)
            for line in str(error).splitlines()[:20]:
                print("#   " + line, flush=True)


def main():
    if not os.access(LAUNCHER, os.X_OK):
        print("1..0 # SKIP no heapsnap launcher at %s" % LAUNCHER)
        return
    wanted = set(sys.argv[1:])
    progs = [p for p in PROGRAMS if not wanted or p[0] in wanted]
    tap = Tap(4 * len(progs))
    override = os.environ.get("HS_STRESS_ITERATIONS", "")
    lib = os.path.join(PROGS, "libstress_dl.so")
    for name, ci_count, args, opts, check_what, check in progs:
        env = dict(os.environ)
        count = int(override) if override.isdigit() else ci_count
        if count is not None:
            env["HS_STRESS_ITERATIONS"] = str(count)
        argv = [os.path.join(PROGS, name)] + [lib if a == "@lib" else a for a in args]
        work = tempfile.mkdtemp(prefix="hs_stress.")
        try:
            native_dir = os.path.join(work, "native")
            rec_dir = os.path.join(work, "rec")
            os.mkdir(native_dir)
            os.mkdir(rec_dir)
            n_rc, n_out, n_err = run(argv, native_dir, env)
            # The checks read the state at the end: the final snapshot.
            r_rc, r_out, r_err = run([LAUNCHER, "--time-unit=B", "--final-snapshot=yes"] + opts
                                     + argv, rec_dir, env)
            tap.case("%s: exit status %s as natively" % (name, r_rc),
                     None if r_rc == n_rc else "native %s, recorded %s" % (n_rc, r_rc))
            ours = [l for l in r_err.splitlines() if l.startswith("heapsnap:")]
            theirs = "".join(l + "\n" for l in r_err.splitlines() if not l.startswith("heapsnap:"))
            files = sorted((os.path.join(rec_dir, f) for f in os.listdir(rec_dir)
                            if f.startswith("massif.out.") and not f.endswith(".series")),
                           key=lambda p: int(p.rsplit(".", 1)[1]))
            err = None
            oom = [l for l in ours if "out of memory" in l]
            if r_out != n_out:
                err = "stdout differs:\n native:   %r\n recorded: %r" % (n_out[:300], r_out[:300])
            elif theirs != n_err:
                err = "stderr differs:\n native:   %r\n recorded: %r" % (n_err[:300], theirs[:300])
            elif len(oom) > 1:
                err = "the recorder said it ran out of memory %d times" % len(oom)
            elif oom and files and "out of memory" not in (parse(files[0])[0] or ""):
                err = "stderr says out of memory, the desc: line does not"
            tap.case("%s: output as natively" % name, err)
            err = None if files else "no file written"
            for f in files:
                err = err or valid(f)
            tap.case("%s: %d valid files" % (name, len(files)), err)
            if check is None and name == "stress_fork":
                err = check_fork(files, r_out, count) if files else "no file"
            elif files and r_rc == n_rc:
                try:
                    err = check(files, r_out)
                except Exception as e:  # a malformed file or output
                    err = "check failed: %r" % e
            else:
                err = "nothing to check"
            tap.case("%s: %s" % (name, check_what), err)
        finally:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
