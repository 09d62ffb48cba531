"""rec_massif: helpers for the recorder's integration tests.

Parses Massif files (the format of doc/format-massif.md §1-§5) into plain
Python objects, runs a program under heapsnap and under Valgrind Massif, and
compares the two the way the tests need: snapshot tables, peak trees with
frames named "fn (file:line)", largest allocation sites.  Also a tiny TAP
writer so every script reports each case on its own.

Not a test itself: the rec_*.py scripts import it from $top_srcdir/tests/recorder.
"""

import os
import re
import subprocess
import sys

SNAPSHOT_KEYS = ("time", "mem_heap_B", "mem_heap_extra_B", "mem_stacks_B", "heap_tree")
NODE_RE = re.compile(r"^\s*n(\d+):\s*(\d+)\s?(.*)$")
SITE_RE = re.compile(r"^0x([0-9A-Fa-f]+): (.*)$")
AGGREGATE_RE = re.compile(r"^in \d+ places?, (all )?below massif's threshold")


class MassifError(Exception):
    """A file that does not follow the Massif format."""


class Node:
    """One heap-tree line: bytes, the text after them, and its children."""

    def __init__(self, nbytes, text):
        self.bytes = nbytes
        self.text = text
        self.children = []

    @property
    def address(self):
        m = SITE_RE.match(self.text)
        return int(m.group(1), 16) if m else None

    @property
    def label(self):
        """The frame without its address: "fn (file:line)" or "fn (in obj)"."""
        m = SITE_RE.match(self.text)
        return m.group(2) if m else self.text

    @property
    def function(self):
        """The function name alone ("???" when unknown)."""
        label = self.label
        i = label.rfind(" (")
        return label[:i] if i > 0 and label.endswith(")") else label

    @property
    def is_aggregate(self):
        return AGGREGATE_RE.match(self.text) is not None

    def dump(self, indent=0):
        lines = ["%s%d %s" % (" " * indent, self.bytes, self.label)]
        for c in self.children:
            lines.extend(c.dump(indent + 1))
        return lines


class Snapshot:
    def __init__(self, number):
        self.number = number
        self.time = 0
        self.heap = 0
        self.extra = 0
        self.stacks = 0
        self.kind = "empty"
        self.tree = None

    def row(self):
        """(time, mem_heap_B, mem_heap_extra_B, kind): what the tests compare."""
        return (self.time, self.heap, self.extra, self.kind)


class MassifFile:
    def __init__(self):
        self.desc = []
        self.cmd = None
        self.time_unit = None
        self.snapshots = []

    @property
    def peak(self):
        peaks = [s for s in self.snapshots if s.kind == "peak"]
        return peaks[-1] if peaks else None


def parse(path):
    """Parse a Massif file strictly (stricter than ms_print: what Massif writes)."""
    with open(path, "r", encoding="ascii", errors="strict") as f:
        raw = f.read()
    if raw and not raw.endswith("\n"):
        raise MassifError("%s: last line has no newline" % path)
    lines = raw.split("\n")[:-1]
    mf = MassifFile()
    i = 0

    def err(msg):
        raise MassifError("%s:%d: %s" % (path, i + 1, msg))

    while i < len(lines) and lines[i].startswith("desc:"):
        mf.desc.append(lines[i][5:])
        i += 1
    if i >= len(lines) or not lines[i].startswith("cmd: "):
        err("expected cmd: line")
    mf.cmd = lines[i][5:]
    i += 1
    if i >= len(lines) or not lines[i].startswith("time_unit: "):
        err("expected time_unit: line")
    mf.time_unit = lines[i][11:]
    if mf.time_unit not in ("i", "ms", "B"):
        err("bad time unit %r" % mf.time_unit)
    i += 1
    while i < len(lines):
        if lines[i] != "#-----------":
            err("expected separator, got %r" % lines[i])
        i += 1
        m = re.match(r"^snapshot=(\d+)$", lines[i] if i < len(lines) else "")
        if not m:
            err("expected snapshot=")
        snap = Snapshot(int(m.group(1)))
        if snap.number != len(mf.snapshots):
            err("snapshot %d out of sequence" % snap.number)
        i += 1
        if i >= len(lines) or lines[i] != "#-----------":
            err("expected separator after snapshot=")
        i += 1
        values = {}
        for key in SNAPSHOT_KEYS:
            if i >= len(lines) or not lines[i].startswith(key + "="):
                err("expected %s=" % key)
            values[key] = lines[i][len(key) + 1:]
            i += 1
        for key in SNAPSHOT_KEYS[:4]:
            if not re.match(r"^\d+$", values[key]):
                err("%s is not a bare number: %r" % (key, values[key]))
        snap.time = int(values["time"])
        snap.heap = int(values["mem_heap_B"])
        snap.extra = int(values["mem_heap_extra_B"])
        snap.stacks = int(values["mem_stacks_B"])
        snap.kind = values["heap_tree"]
        if snap.kind not in ("empty", "detailed", "peak"):
            err("bad heap_tree %r" % snap.kind)
        if snap.kind != "empty":
            snap.tree, i = _parse_tree(lines, i, 0, path, snap)
            if snap.tree.bytes != snap.heap:
                err("root %d != mem_heap_B %d" % (snap.tree.bytes, snap.heap))
        mf.snapshots.append(snap)
    if not mf.snapshots:
        raise MassifError("%s: no snapshots" % path)
    times = [s.time for s in mf.snapshots]
    if times != sorted(times):
        raise MassifError("%s: times go backwards" % path)
    if sum(1 for s in mf.snapshots if s.kind == "peak") > 1:
        raise MassifError("%s: more than one peak" % path)
    return mf


def _parse_tree(lines, i, depth, path, snap):
    if i >= len(lines):
        raise MassifError("%s:%d: tree ends early" % (path, i + 1))
    line = lines[i]
    m = NODE_RE.match(line)
    if not m:
        raise MassifError("%s:%d: bad tree line %r" % (path, i + 1, line))
    if len(line) - len(line.lstrip(" ")) != depth:
        raise MassifError("%s:%d: indentation is not %d" % (path, i + 1, depth))
    node = Node(int(m.group(2)), m.group(3))
    if node.bytes > snap.heap + snap.extra + snap.stacks:
        raise MassifError("%s:%d: node bytes above the snapshot total" % (path, i + 1))
    i += 1
    for _ in range(int(m.group(1))):
        child, i = _parse_tree(lines, i, depth + 1, path, snap)
        node.children.append(child)
    total = sum(c.bytes for c in node.children)
    if total > node.bytes:
        raise MassifError("%s:%d: children sum %d above node's %d"
                          % (path, i + 1, total, node.bytes))
    return node, i


LDSO_RE = re.compile(r"^.* (\(in /[^)]*/ld-linux[^)]*\))$")


def known_label(label):
    """Names a frame the way both tools can agree on.

    Named difference: Massif prints the dynamic loader's assembly entry
    point as "??? (in .../ld-linux-x86-64.so.2)"; heapsnap's libdw finds
    _dl_start_user in ld.so's symbol table.  Only the outermost frame of
    start-up allocations (ELF constructors, before main) is affected."""
    m = LDSO_RE.match(label)
    return "??? " + m.group(1) if m else label


def canonical_tree(node, relabel=known_label):
    """A comparable form: (bytes, label, sorted children), addresses dropped.

    Siblings are sorted by bytes then label: the two tools load the program
    at different addresses, and Massif orders equal-sized siblings by address.
    """
    kids = tuple(sorted((canonical_tree(c, relabel) for c in node.children),
                        key=lambda t: (-t[0], t[1], repr(t[2]))))
    return (node.bytes, relabel(node.label), kids)


def dump_canonical(t, indent=0):
    out = ["%s%d %s" % (" " * indent, t[0], t[1])]
    for c in t[2]:
        out.extend(dump_canonical(c, indent + 1))
    return out


def top_sites(snap, n):
    """The n largest allocation sites (root's children, aggregates left out)."""
    if snap is None or snap.tree is None:
        return []
    kids = [c for c in snap.tree.children if not c.is_aggregate]
    kids.sort(key=lambda c: -c.bytes)
    return kids[:n]


# -------------------------------------------------------------------------
# Running the tools

def env_paths():
    """The tool paths from AM_TESTS_ENVIRONMENT, with fall-backs for manual runs."""
    top_builddir = os.environ.get("top_builddir", os.getcwd())
    return {
        "launcher": os.environ.get("HS_LAUNCHER", os.path.join(top_builddir, "heapsnap")),
        "print": os.environ.get("HS_PRINT", os.path.join(top_builddir, "heapsnap-print")),
        "ms_print": os.environ.get("MS_PRINT") or "/usr/bin/ms_print",
        "valgrind": os.environ.get("VALGRIND") or "/usr/bin/valgrind",
        "preload": os.environ.get("HS_PRELOAD",
                                  os.path.join(top_builddir, ".libs", "libheapsnap.so")),
        "builddir": top_builddir,
        "srcdir": os.environ.get("top_srcdir", os.path.dirname(os.path.dirname(os.path.dirname(
            os.path.abspath(__file__))))),
    }


def heapsnap_stderr_problems(stderr):
    """heapsnap's stderr lines other than its "heapsnap: wrote FILE" notes
    and the summary under each ("heapsnap:   peak: ...")."""
    lines = stderr.decode(errors="replace").splitlines()
    return [l for l in lines if not l.startswith(("heapsnap: wrote ", "heapsnap:   "))]


def run_heapsnap(argv, out_file, options=(), env=None, timeout=120, cwd=None):
    """Run argv under the heapsnap launcher; returns the CompletedProcess."""
    p = env_paths()
    cmd = [p["launcher"], "--massif-out-file=" + out_file] + list(options) + list(argv)
    return subprocess.run(cmd, env=env, cwd=cwd, timeout=timeout,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def run_massif(argv, out_file, options=(), env=None, timeout=300, cwd=None):
    """Run argv under Valgrind Massif.  libc/libstdc++ freeres is turned off:
    those exit-time frees come from Valgrind, and a preloaded recorder never
    sees them."""
    p = env_paths()
    cmd = [p["valgrind"], "-q", "--tool=massif", "--run-libc-freeres=no",
           "--run-cxx-freeres=no", "--massif-out-file=" + out_file] \
        + list(options) + list(argv)
    return subprocess.run(cmd, env=env, cwd=cwd, timeout=timeout,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def ms_print_accepts(path):
    """Run Valgrind's ms_print; returns (ok, stdout, stderr)."""
    p = env_paths()
    r = subprocess.run([p["ms_print"], path], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=60)
    ok = r.returncode == 0 and r.stderr == b"" and r.stdout.startswith(b"-" * 80)
    return ok, r.stdout, r.stderr


def hs_print_usable():
    """Whether $HS_PRINT is built (callers then check it on a Massif file)."""
    exe = env_paths()["print"]
    return os.path.isfile(exe) and os.access(exe, os.X_OK)


_HS_PRINT_WORKS = None


def hs_print_works():
    """Whether heapsnap-print is built and renders a file Massif has just
    written (rec_chain, live) exactly like ms_print.  Cached."""
    global _HS_PRINT_WORKS
    if _HS_PRINT_WORKS is None:
        _HS_PRINT_WORKS = False
        p = env_paths()
        prog = os.path.join(p["builddir"], "tests", "progs", "rec_chain")
        if hs_print_usable() and not tool_missing(p["valgrind"]) and not tool_missing(prog):
            import tempfile
            d = tempfile.mkdtemp(prefix="rec_gate.")
            out = os.path.join(d, "gate.massif.out")
            try:
                run_massif([prog], out, ["--time-unit=B", "--detailed-freq=2"])
                _HS_PRINT_WORKS = os.path.exists(out) and hs_print_matches(out)[0]
            finally:
                import shutil
                shutil.rmtree(d, ignore_errors=True)
    return _HS_PRINT_WORKS


def check_with_printers(tap, what, path):
    """One TAP case: ms_print accepts path, and heapsnap-print renders it
    byte-identically when heapsnap-print works (else only ms_print)."""
    ok, _, err = ms_print_accepts(path)
    if not ok:
        return tap.ok(False, what, "ms_print rejects it: " + err.decode(errors="replace"))
    if not hs_print_works():
        return tap.ok(True, what + " (ms_print; heapsnap-print not ready)")
    same, a, b = hs_print_matches(path)
    return tap.ok(same, what + " (ms_print and heapsnap-print)",
                  unified_diff(a.decode(errors="replace").splitlines(),
                               b.decode(errors="replace").splitlines(),
                               "ms_print", "heapsnap-print"))


def hs_print_matches(path):
    """heapsnap-print's output equals ms_print's, byte for byte (same cwd,
    same argument, so the "ms_print arguments:" line agrees)."""
    p = env_paths()
    d = os.path.dirname(path) or "."
    base = os.path.basename(path)
    a = subprocess.run([p["ms_print"], base], cwd=d, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=60)
    try:
        b = subprocess.run([p["print"], base], cwd=d, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        return False, a.stdout, ("heapsnap-print did not run: %s" % e).encode()
    return a.stdout == b.stdout and a.returncode == b.returncode, a.stdout, b.stdout


# -------------------------------------------------------------------------
# TAP

class Tap:
    """Prints a TAP plan and numbered results; exit status stays 0 (the
    driver reads the results), except on a crash in the script itself."""

    def __init__(self, planned):
        self.n = 0
        print("1..%d" % planned, flush=True)

    def ok(self, cond, what, diag=None, todo=None):
        """One result.  todo names a known bug: the case then reads
        "# TODO" (an expected failure; passing turns it into an XPASS,
        which fails the suite so the marker gets removed)."""
        self.n += 1
        print("%s %d - %s%s" % ("ok" if cond else "not ok", self.n, what,
                                " # TODO " + todo if todo else ""), flush=True)
        if not cond and diag:
            self.diag(diag)
        return cond

    def skip(self, what, why):
        self.n += 1
        print("ok %d - %s # SKIP %s" % (self.n, what, why), flush=True)

    def diag(self, text):
        for line in str(text).splitlines():
            print("# " + line, flush=True)


def unified_diff(a_lines, b_lines, a_name, b_name, limit=60):
    import difflib
    d = list(difflib.unified_diff(a_lines, b_lines, a_name, b_name, lineterm="", n=2))
    if len(d) > limit:
        d = d[:limit] + ["... (%d more lines)" % (len(d) - limit)]
    return "\n".join(d)


def tool_missing(path):
    return not (os.path.isfile(path) and os.access(path, os.X_OK))


if __name__ == "__main__":
    # Manual use: python3 rec_massif.py FILE... parses and summarises.
    for f in sys.argv[1:]:
        mf = parse(f)
        print("%s: %d snapshots, peak %s" % (f, len(mf.snapshots),
              mf.peak.number if mf.peak else None))
