#!/usr/bin/env python3
"""heapsnap-print --folded and --html from the command line.

--folded: exact stacks and bytes on fixtures (tests/fixtures/expected/
*.folded-SNAP.txt, checked by hand against ms_print's trees), then on every
fixture the output parsed back as flamegraph.pl does (frames, a space, a
count) with the counts summing to the chosen snapshot's mem_heap_B, read
from the Massif file here, independently of the printer; then the refusals.
Debian has no flamegraph.pl package (apt-cache search flamegraph finds
none), hence the parse-back.

--html: every fixture's page is well-formed (Python's html.parser, every
element closed in order, the SVG's too), has no URL or external reference,
stays under 5 MB, carries parseable JSON data, one chart element per
snapshot, and every label escaped (C++ names hold < > &).  -o writes the
same bytes as stdout.  Prints TAP.
"""
import glob
import html.parser
import json
import os
import re
import subprocess
import sys
import tempfile

top = os.environ.get("top_srcdir") or os.path.join(os.path.dirname(__file__), "..", "..")
hs = os.environ.get("HS_PRINT") or os.path.join(top, "heapsnap-print")
fix = os.path.join(top, "tests", "fixtures")
fixtures = sorted(glob.glob(os.path.join(fix, "*.massif.out")) +
                  glob.glob(os.path.join(fix, "leaks", "*.massif.out")))

n = 0
failed = 0


def ok(cond, name, diag=""):
    global n, failed
    n += 1
    if not cond:
        failed += 1
        print("not ok %d - %s" % (n, name))
        for line in str(diag).splitlines()[:20]:
            print("# " + line)
    else:
        print("ok %d - %s" % (n, name))


def run(*args):
    return subprocess.run([hs] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def snapshots(path):
    """[(num, heap_B, kind)] of a Massif file, kind empty/detailed/peak."""
    out, cur = [], {}
    with open(path, "rb") as f:
        for line in f.read().decode("utf-8", "replace").splitlines():
            m = re.match(r"(snapshot|mem_heap_B|heap_tree)=(\S+)", line)
            if m:
                cur[m.group(1)] = m.group(2)
                if m.group(1) == "heap_tree":
                    out.append((int(cur["snapshot"]), int(cur["mem_heap_B"]), m.group(2)))
    return out


def chosen(snaps, spec):
    trees = [s for s in snaps if s[2] != "empty"]
    if spec == "final":
        return trees[-1] if trees else None
    peaks = [s for s in snaps if s[2] == "peak"]
    return peaks[-1] if peaks else None


# --folded, exact.
for exp in sorted(glob.glob(os.path.join(fix, "expected", "*.folded-*.txt"))):
    base, spec = re.match(r"(.*)\.folded-(.*)\.txt$", os.path.basename(exp)).groups()
    src = os.path.join(fix, base + ".massif.out")
    if not os.path.exists(src):
        src = os.path.join(fix, "leaks", base + ".massif.out")
    arg = "--folded" if spec == "peak" else "--folded=" + spec
    r = run(arg, src)
    want = open(exp, "rb").read()
    ok(r.returncode == 0 and r.stdout == want and r.stderr == b"",
       "%s %s: exact stacks and bytes" % (arg, base),
       "exit %d, stderr %r\n--- got\n%s" % (r.returncode, r.stderr, r.stdout.decode(errors="replace")))

# --folded, parsed back on every fixture with a tree.
line_re = re.compile(rb"^([^ ;][^\n]*?) ([0-9]+)$")
for src in fixtures:
    snaps = snapshots(src)
    name = os.path.relpath(src, fix)
    for spec in ("peak", "final"):
        want = chosen(snaps, spec)
        if want is None:
            continue
        r = run("--folded=" + spec, src)
        lines = r.stdout.split(b"\n")
        good = r.returncode == 0 and lines[-1] == b""
        total = 0
        bad = []
        for l in lines[:-1]:
            m = line_re.match(l)
            if not m or b"" in m.group(1).split(b";") or int(m.group(2)) == 0:
                bad.append(l)
            else:
                total += int(m.group(2))
        ok(good and not bad and total == want[1],
           "--folded=%s %s: lines parse, sum %d = mem_heap_B of snapshot %d" %
           (spec, name, total, want[0]),
           "exit %d %r; bad lines %r; sum %d, want %d" % (r.returncode, r.stderr, bad[:3], total,
                                                          want[1]))

# --folded and --html, refusals.
for args, status, msg in [
        (["--folded", os.path.join(fix, "empty.massif.out")], 1, "no detailed snapshot"),
        (["--folded=3", os.path.join(fix, "tree-i.massif.out")], 1,
         "snapshot 3 has no heap tree"),
        (["--folded=999", os.path.join(fix, "tree-i.massif.out")], 1, "there is no snapshot 999"),
        (["--folded=x", os.path.join(fix, "tree-i.massif.out")], 1,
         "--folded wants peak, final or a snapshot number, not 'x'"),
        (["--html", "--leaks", os.path.join(fix, "tree-i.massif.out")], 2, "cannot be combined"),
        (["--html", os.path.join(fix, "tree-i.massif.out"), "-o"], 2, "-o wants a file name"),
        ([os.path.join(fix, "tree-i.massif.out"), "-o", "x.txt"], 2,
         "-o goes with --html or --folded"),
        (["--html", os.path.join(fix, "tree-i.massif.out"), "-o", "/nonexistent/dir/x.html"], 1,
         "cannot write /nonexistent/dir/x.html"),
]:
    r = run(*args)
    err = r.stderr.decode(errors="replace")
    first = err.splitlines()[0] if err else ""
    ok(r.returncode == status and r.stdout == b"" and msg in first and first.startswith("heapsnap-print: "),
       "refused: %s" % " ".join(os.path.basename(a) for a in args),
       "exit %d, stderr %r" % (r.returncode, err))

# --html.
VOID = {"meta", "br", "input", "img", "link", "hr", "area", "base", "col", "embed", "source",
        "track", "wbr"}


class Strict(html.parser.HTMLParser):
    """Every element closed, in order; records text, data and attributes."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.errors, self.text, self.elems = [], [], [], []
        self.data_json = None
        self._in_data = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.elems.append((tag, a))
        if tag not in VOID:
            self.stack.append(tag)
        self._in_data = tag == "script" and a.get("id") == "hs-data"
        if self._in_data:
            self.data_json = ""

    def handle_startendtag(self, tag, attrs):
        self.elems.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append("line %d: </%s> closes <%s>" %
                               (self.getpos()[0], tag, self.stack[-1] if self.stack else "nothing"))
            return
        self.stack.pop()
        self._in_data = False

    def handle_data(self, data):
        if self._in_data:
            self.data_json += data
        else:
            self.text.append(data)


url_re = re.compile(r"(https?:|ftp:|//[a-z]|\bsrc=|\bhref=|@import|url\()", re.I)
with tempfile.TemporaryDirectory() as tmp:
    for src in fixtures:
        name = os.path.relpath(src, fix)
        r = run("--html", src)
        page = r.stdout.decode("utf-8", "replace")
        p = Strict()
        try:
            p.feed(page)
            p.close()
        except Exception as e:  # noqa: BLE001 - any parser failure is the finding
            p.errors.append(repr(e))
        snaps = snapshots(src)
        chart_snaps = [a for t, a in p.elems if t == "g" and "snap" in a.get("class", "").split()]
        try:
            data = json.loads(p.data_json or "")
        except ValueError as e:
            data = None
            p.errors.append("data: %s" % e)
        problems = list(p.errors)
        try:
            r.stdout.decode("utf-8")  # latin1.massif.out's bytes become U+FFFD
        except UnicodeDecodeError as e:
            problems.append("not UTF-8: %s" % e)
        if r.returncode != 0 or r.stderr:
            problems.append("exit %d %r" % (r.returncode, r.stderr))
        if p.stack:
            problems.append("unclosed: %s" % p.stack)
        if not page.startswith("<!DOCTYPE html>"):
            problems.append("no doctype")
        m = url_re.search(page)
        if m:
            problems.append("external reference: %r" % page[max(0, m.start() - 40):m.end() + 40])
        if len(r.stdout) > 5 * 1024 * 1024:
            problems.append("%d bytes" % len(r.stdout))
        if len(chart_snaps) != len(snaps):
            problems.append("%d chart snapshots, file has %d" % (len(chart_snaps), len(snaps)))
        if data is not None and len(data["snaps"]) != len(snaps):
            problems.append("%d data snapshots" % len(data["snaps"]))
        if data is not None and len(data["trees"]) != sum(s[2] != "empty" for s in snaps):
            problems.append("%d data trees" % len(data["trees"]))
        ok(not problems, "--html %s: well-formed, self-contained, %d bytes" % (name, len(r.stdout)),
           "\n".join(problems))

    # Labels: C++ names reach the page's text and data exactly, escaped.
    src = os.path.join(fix, "cxx.massif.out")
    r = run("--html", src)
    page = r.stdout.decode()
    p = Strict()
    p.feed(page)
    text = "".join(p.text)
    data = json.loads(p.data_json)
    label = "std::map<int, std::vector<double, std::allocator<double> >"
    ok(label in text and label not in page and "&lt;int, std::vector" in page and
       any(label in f for f in data["frames"]) and "</script" not in p.data_json,
       "--html cxx: < > & escaped in markup and data, read back exactly")

    # -o OUT writes what stdout gets.
    out = os.path.join(tmp, "page.html")
    r2 = run("--html", src, "-o", out)
    ok(r2.returncode == 0 and r2.stdout == b"" and open(out, "rb").read() == r.stdout,
       "--html -o OUT: the same page as on stdout")
    out = os.path.join(tmp, "f.txt")
    r2 = run("--folded=final", src, "-o", out)
    r3 = run("--folded=final", src)
    ok(r2.returncode == 0 and open(out, "rb").read() == r3.stdout and r3.stdout,
       "--folded -o OUT: the same text as on stdout")

    # A file whose trees would not fit: the threshold rises, the page says so.
    big = os.path.join(tmp, "wide.massif.out")
    with open(big, "w") as f:
        f.write("desc: (none)\ncmd: ./wide\ntime_unit: i\n")
        for i in range(300):
            f.write("#-----------\nsnapshot=%d\n#-----------\ntime=%d\nmem_heap_B=%d\n"
                    "mem_heap_extra_B=0\nmem_stacks_B=0\nheap_tree=detailed\n" % (i, i, 1500 * 100))
            f.write("n1500: %d (heap allocation functions) malloc/new/new[], --alloc-fns, etc.\n"
                    % (1500 * 100))
            for k in range(1500):
                f.write(" n0: 100 0x%X: site_%d_<T> (w.c:%d)\n" % (0x400000 + k, k, k))
    r = run("--html", "--threshold=0", big)
    note = re.search(r'id="tree-note">([^<]*)', r.stdout.decode())
    ok(r.returncode == 0 and len(r.stdout) < 5 * 1024 * 1024 and note and
       "raised from 0.00%" in note.group(1),
       "--html on 300 trees of 1500 nodes at --threshold=0: %d bytes, threshold raised" %
       len(r.stdout), note.group(1) if note else r.stderr)

    # A 300-frame chain: drawn down to HS_HTML_MAX_DEPTH, and the page says so.
    deep = os.path.join(tmp, "deep.massif.out")
    with open(deep, "w") as f:
        f.write("desc: (none)\ncmd: ./deep\ntime_unit: i\n#-----------\nsnapshot=0\n"
                "#-----------\ntime=0\nmem_heap_B=64\nmem_heap_extra_B=0\nmem_stacks_B=0\n"
                "heap_tree=peak\nn1: 64 (heap allocation functions) malloc/new/new[], --alloc-fns, etc.\n")
        for d in range(1, 301):
            f.write("%sn%d: 64 0x%X: f%d (d.c:%d)\n" % (" " * d, 0 if d == 300 else 1, 0x1000 + d, d, d))
    r = run("--html", deep)
    page = r.stdout.decode()
    p = Strict()
    p.feed(page)
    data = json.loads(p.data_json)
    ok(r.returncode == 0 and not p.errors and not p.stack and
       "call paths stop at 100 frames" in page and len(data["trees"][0]) == 3 * 101 and
       page.count('class="node') == 101,
       "--html on a 300-frame path: 100 levels under the root, the page says so")
    r = run("--folded", deep)
    ok(r.returncode == 0 and r.stdout.count(b";") == 299 and r.stdout.startswith(b"f300 (d.c:300);"),
       "--folded on a 300-frame path: one line of 300 frames")

print("1..%d" % n)
sys.exit(1 if failed else 0)
