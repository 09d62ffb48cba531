#!/usr/bin/env python3
"""rec_programs: real Debian programs under heapsnap and under Valgrind
Massif (--time-unit=B), on small deterministic inputs written by this test.

For each of python3, sqlite3, xmllint, perl and gcc's cc1:
  1. heapsnap's file is well formed and Valgrind's ms_print accepts it;
  2. the peak snapshots' mem_heap_B are within 1% of each other;
  3. the five largest allocation sites of the peak trees (the root's
     children) are the same functions;
  4. heapsnap-print renders heapsnap's file byte-identically to ms_print
     (skipped until heapsnap-print renders Massif's own file identically).  Debian's binaries are stripped, so
     many sites read "??? (in <object>)" in both tools: the label compared is
     the whole frame text without its address.

Massif runs ~20x slower: the inputs keep each Massif run to a few seconds.
"""

import os
import shutil
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rec_massif as rm  # noqa: E402

CC1 = "/usr/lib/gcc/x86_64-linux-gnu/12/cc1"

PY_INPUT = """\
import json
d = {}
for i in range(3000):
    d["key%d" % i] = [i] * (i % 50)
s = json.dumps(d)
back = json.loads(s)
print(len(s), len(back))
"""

SQL_INPUT = """\
CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, v REAL);
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < 3000)
INSERT INTO t SELECT x, printf('name-%05d', x), x * 1.5 FROM c;
CREATE INDEX t_name ON t(name);
SELECT count(*), sum(v) FROM t WHERE name LIKE 'name-0%';
SELECT name FROM t ORDER BY v DESC LIMIT 3;
"""

PERL_INPUT = """\
my %h;
for my $i (1..20000) { $h{"k$i"} = "v" x ($i % 50); }
my @k = sort keys %h;
print scalar(@k), "\\n";
"""


def xml_input():
    lines = ['<?xml version="1.0"?>', "<root>"]
    for i in range(2000):
        lines.append('  <item id="%d" kind="k%d"><name>item %d</name><value>%d</value></item>'
                     % (i, i % 7, i, i * i))
    lines.append("</root>")
    return "\n".join(lines) + "\n"


def c_input():
    lines = []
    for i in range(300):
        n = i % 20 + 1
        lines.append("static int f%d(int x) { int a[%d]; for (int i = 0; i < %d; i++) "
                     "a[i] = x * i + %d; return a[x %% %d]; }" % (i, n, n, i, n))
    lines.append("int main(void) { int s = 0;")
    for i in range(300):
        lines.append("  s += f%d(%d);" % (i, i))
    lines.append("  return s; }")
    return "\n".join(lines) + "\n"


def workloads(d):
    """(name, argv) pairs; inputs are written into d."""
    files = {"in.py": PY_INPUT, "in.sql": SQL_INPUT, "in.pl": PERL_INPUT,
             "in.xml": xml_input(), "in.c": c_input()}
    for name, text in files.items():
        with open(os.path.join(d, name), "w") as f:
            f.write(text)
    return [
        ("python3", ["/usr/bin/python3", "in.py"]),
        ("sqlite3", ["/usr/bin/sqlite3", ":memory:", "-init", "in.sql", ".quit"]),
        ("xmllint", ["/usr/bin/xmllint", "--noout", "in.xml"]),
        ("perl", ["/usr/bin/perl", "in.pl"]),
        ("cc1", [CC1, "-quiet", "in.c", "-o", "/dev/null"]),
    ]


CASES = 4


def check(tap, name, argv, d, env):
    ms_out = os.path.join(d, name + ".massif.out")
    hs_out = os.path.join(d, name + ".heapsnap.out")
    opts = ["--time-unit=B"]
    try:
        r_ms = rm.run_massif(argv, ms_out, opts, env=env, cwd=d)
        r_hs = rm.run_heapsnap(argv, hs_out, opts, env=env, cwd=d)
        problems = []
        if r_hs.returncode != r_ms.returncode:
            problems.append("exit status: heapsnap %d, massif %d" % (r_hs.returncode, r_ms.returncode))
        if r_hs.stdout != r_ms.stdout:
            problems.append("stdout differs: %r vs %r" % (r_hs.stdout[:200], r_ms.stdout[:200]))
        hs = rm.parse(hs_out)
        ms = rm.parse(ms_out)
        ok, _, err = rm.ms_print_accepts(hs_out)
        if not ok:
            problems.append("ms_print rejects it: " + err.decode(errors="replace"))
    except Exception as e:  # any failure to run or parse is this case's failure
        tap.ok(False, "%s: heapsnap file valid, accepted by ms_print" % name, repr(e))
        tap.ok(False, "%s: peak mem_heap_B within 1%% (no file)" % name)
        tap.ok(False, "%s: five largest peak sites (no file)" % name)
        tap.ok(False, "%s: heapsnap-print output identical to ms_print (no file)" % name)
        return False
    good = tap.ok(not problems, "%s: heapsnap file valid, accepted by ms_print" % name,
                  "\n".join(problems))

    ms_peak, hs_peak = ms.peak, hs.peak
    if ms_peak is None or hs_peak is None:
        tap.ok(False, "%s: peak mem_heap_B within 1%%" % name,
               "no peak snapshot: massif %s, heapsnap %s" % (ms_peak, hs_peak))
        tap.ok(False, "%s: five largest peak sites" % name)
        print_case(tap, name, ms_out, hs_out)
        return False
    diff = abs(hs_peak.heap - ms_peak.heap) / max(ms_peak.heap, 1)
    good &= tap.ok(diff <= 0.01, "%s: peak mem_heap_B within 1%% (%d vs Massif %d, %.2f%%)"
                   % (name, hs_peak.heap, ms_peak.heap, 100 * diff))

    ms_top = rm.top_sites(ms_peak, 5)
    hs_top = rm.top_sites(hs_peak, 5)
    # Valgrind names an inlined function it finds no name for in a separate
    # debug file (python3.11-dbg) "UnknownInlinedFun": only its file:line
    # can be compared.
    unknown = "UnknownInlinedFun "
    wild = set(c.label[len(unknown):] for c in ms_top if c.label.startswith(unknown))

    def loose(label):
        if label.startswith(unknown):
            return "* " + label[len(unknown):]
        where = label[label.find(" (") + 1:] if " (" in label else None
        return "* " + where if where in wild else label

    a = sorted(loose(c.label) for c in ms_top)
    b = sorted(loose(c.label) for c in hs_top)
    good &= tap.ok(a == b, "%s: five largest peak sites are the same functions" % name,
                   "massif:\n  %s\nheapsnap:\n  %s" % (
                       "\n  ".join("%d %s" % (c.bytes, c.label) for c in ms_top),
                       "\n  ".join("%d %s" % (c.bytes, c.label) for c in hs_top)))
    good &= print_case(tap, name, ms_out, hs_out)
    return good


def print_case(tap, name, ms_out, hs_out):
    what = "%s: heapsnap-print output identical to ms_print" % name
    if not (rm.hs_print_usable() and rm.hs_print_matches(ms_out)[0]):
        tap.skip(what, "heapsnap-print not built or not yet equal to ms_print on Massif's file")
        return True
    same, a, b = rm.hs_print_matches(hs_out)
    return tap.ok(same, what, rm.unified_diff(a.decode(errors="replace").splitlines(),
                                              b.decode(errors="replace").splitlines(),
                                              "ms_print", "heapsnap-print"))


def main():
    paths = rm.env_paths()
    progs = ["/usr/bin/python3", "/usr/bin/sqlite3", "/usr/bin/xmllint", "/usr/bin/perl", CC1]
    tap = rm.Tap(len(progs) * CASES)
    d = tempfile.mkdtemp(prefix="rec_programs.")
    env = dict(os.environ, PYTHONHASHSEED="0", PYTHONDONTWRITEBYTECODE="1", LC_ALL="C")
    env.pop("PYTHONMALLOC", None)
    all_good = True
    try:
        for name, argv in workloads(d):
            missing = [t for t in (paths["launcher"], paths["valgrind"], paths["ms_print"], argv[0])
                       if rm.tool_missing(t)]
            if missing:
                for _ in range(CASES):
                    tap.skip(name, "not found: " + " ".join(missing))
                continue
            all_good &= check(tap, name, argv, d, env)
    finally:
        if all_good:
            shutil.rmtree(d, ignore_errors=True)
        else:
            tap.diag("files kept in %s" % d)
    return 0


if __name__ == "__main__":
    sys.exit(main())
