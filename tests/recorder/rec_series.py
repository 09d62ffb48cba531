#!/usr/bin/env python3
"""rec_series: the companion per-site series (OUT.series, doc/format-series.md)
of a real program under the launcher, checked against the Massif file
written with it and against the bytes the program is known to hold.

rec_staircase (tests/progs) leaks 2000 + 16 * round bytes every fourth of
120 rounds amid churn, so Massif's table is culled several times:
  1. OUT and OUT.series are written, no temporary left; the header's cmd
     and time_unit are the Massif file's, massif_size its size;
  2. every record is well formed: frames and sites defined once, before
     use; t seqs 0, 1, 2...; the last point is the end (x), then "end exit";
  3. every Massif snapshot is a point (time, heap, extra, kind), in order,
     and the series has more points than the file (culled ones);
  4. at every point the sites' bytes add up to mem_heap_B (no site is
     small enough to be left out here);
  5. at every detailed Massif snapshot, each site's bytes equal its top
     node's in the tree, named with the same label;
  6. at the end: leak_step's site holds exactly 87,840 bytes, make_temp's 0;
  7. the Massif file is still Massif's: ms_print accepts it and
     heapsnap-print renders it byte for byte as ms_print does;
  8. with --final-snapshot=yes the end point is there all the same;
  9. every point has its a record (bytes allocated and freed so far): in
     the --time-unit=B run it equals the point's time; in a run of the same
     program with the default unit (ms) it never decreases, ends at the B
     run's end time, and where it equals a B-run point's time the heap is
     that point's (the program is deterministic on the B axis).
  10. a forked child's resident bytes are its own: rec_proc forkbig's child
     touches 64 MiB the parent never does; the child's end point shows it,
     the parent's does not (statm is opened once, and again in the child).
"""

import os
import re
import shutil
import sys
import tempfile

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rec_massif as rm  # noqa: E402

LEAKED = sum(2000 + 16 * r for r in range(0, 120, 4))  # 87840


def parse_series(path):
    """The series as dicts; raises ValueError on a malformed record."""
    s = {"frames": {}, "sites": {}, "points": [], "end": None, "head": {}}
    state = {}
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    if lines[-1] != "":
        raise ValueError("no final newline")
    if lines[0] != "heapsnap-series 1":
        raise ValueError("first line %r" % lines[0])
    for n, line in enumerate(lines[1:-1], 2):
        kind, _, rest = line.partition(" ")
        if s["end"] is not None:
            raise ValueError("line %d after the end line" % n)
        if kind in ("cmd:", "time_unit:", "massif_size:", "sample:"):
            s["head"][kind[:-1]] = rest
        elif kind == "f":
            fid, _, label = rest.partition(" ")
            if int(fid) != len(s["frames"]):
                raise ValueError("line %d: frame %s out of order" % (n, fid))
            s["frames"][int(fid)] = label
        elif kind == "c":
            ids = [int(x) for x in rest.split(" ")]
            if ids[0] != len(s["sites"]) or any(i not in s["frames"] for i in ids[1:]):
                raise ValueError("line %d: site out of order or frame undefined" % n)
            s["sites"][ids[0]] = [s["frames"][i] for i in ids[1:]]
        elif kind == "t":
            f = rest.split(" ")
            if len(f) != 7 or int(f[0]) != len(s["points"]) or f[6] not in "ndpx":
                raise ValueError("line %d: bad t line" % n)
            state = dict(state)
            s["points"].append({"time": int(f[1]), "heap": int(f[2]), "extra": int(f[3]),
                                "rss": int(f[4]), "mapped": int(f[5]), "kind": f[6],
                                "bytes": state})
        elif kind == "a":
            if not s["points"] or "alloc" in s["points"][-1]:
                raise ValueError("line %d: a before any t, or twice" % n)
            s["points"][-1]["alloc"] = int(rest)
        elif kind == "b":
            if not s["points"]:
                raise ValueError("line %d: b before any t" % n)
            for e in rest.split(" "):
                site, _, b = e.partition("=")
                if int(site) not in s["sites"]:
                    raise ValueError("line %d: site %s undefined" % (n, site))
                state[int(site)] = int(b)
        elif kind == "end":
            s["end"] = rest
        else:
            raise ValueError("line %d: unknown record %r" % (n, kind))
    return s


def site_named(s, fn):
    for sid, frames in s["sites"].items():
        if frames and re.match(r"^0x[0-9A-F]+: %s " % re.escape(fn), frames[0]):
            return sid
    return None


def check_fork_rss(tap, p, d):
    """Item 9: the child's end point holds its 64 MiB, the parent's not."""
    big = 64 << 20
    proc = os.path.join(p["builddir"], "tests", "progs", "rec_proc")
    r = rm.run_heapsnap([proc, "forkbig"], os.path.join(d, "k.%p"), cwd=d)
    m = re.search(rb"child_pid=(\d+)", r.stdout)
    rss = {}
    for name in os.listdir(d):
        if name.startswith("k.") and name.endswith(".series"):
            who = "child" if m and name == "k.%s.series" % m.group(1).decode() else "parent"
            rss[who] = parse_series(os.path.join(d, name))["points"][-1]["rss"]
    tap.ok(r.returncode == 0 and len(rss) == 2 and rss["child"] >= big and
           0 < rss["parent"] < big,
           "a forked child's resident bytes are its own (child >= 64 MiB, parent below)",
           "%s %r" % (rss, r.stderr))


def main():
    p = rm.env_paths()
    prog = os.path.join(p["builddir"], "tests", "progs", "rec_staircase")
    tap = rm.Tap(16)
    if rm.tool_missing(prog) or rm.tool_missing(p["launcher"]):
        for _ in range(16):
            tap.skip("rec_series", "rec_staircase or heapsnap not built")
        return 0
    d = tempfile.mkdtemp(prefix="rec_series.")
    try:
        out = os.path.join(d, "m.out")
        r = rm.run_heapsnap([prog], out, ["--time-unit=B"], cwd=d)
        left = sorted(os.listdir(d))
        tap.ok(r.returncode == 0 and left == ["m.out", "m.out.series"],
               "OUT and OUT.series written, nothing else left", "%s %r" % (left, r.stderr))
        mf = rm.parse(out)
        try:
            s = parse_series(out + ".series")
            err = None
        except (ValueError, OSError) as e:
            s, err = None, str(e)
        tap.ok(s is not None, "every record well formed, defined before use", err)
        if s is None:
            for _ in range(14):
                tap.skip("rec_series", "no series")
            return 0
        h = s["head"]
        tap.ok(h.get("cmd") == mf.cmd and h.get("time_unit") == "B" and
               h.get("massif_size") == str(os.path.getsize(out)) and h.get("sample") == "0",
               "header: cmd, time_unit, massif_size, sample", str(h))
        pts = s["points"]
        tap.ok(pts and pts[-1]["kind"] == "x" and [q["kind"] for q in pts].count("x") == 1
               and s["end"] == "exit", "the last point is the end (x), then 'end exit'",
               "%s %s" % (pts[-1:] if pts else None, s["end"]))
        kinds = {"peak": "p", "detailed": "d", "empty": "n"}
        rows = [(q["time"], q["heap"], q["extra"], q["kind"]) for q in pts]
        want = [(sn.time, sn.heap, sn.extra, kinds[sn.kind]) for sn in mf.snapshots]
        it = iter(rows)
        missing = [w for w in want if w not in it]
        tap.ok(not missing, "every Massif snapshot is a point, in order, same kind",
               "missing %s" % missing[:5])
        tap.ok(len(pts) - 1 > len(mf.snapshots),
               "more points than Massif snapshots (%d written, %d in the Massif file)"
               % (len(pts) - 1, len(mf.snapshots)))
        bad = [(i, q["heap"], sum(q["bytes"].values())) for i, q in enumerate(pts)
               if sum(q["bytes"].values()) != q["heap"]]
        tap.ok(not bad, "at every point the sites add up to mem_heap_B", str(bad[:5]))
        tp = site_named(s, "make_temp")
        lk = site_named(s, "leak_step")
        tap.ok(tp is not None and lk is not None and
               s["sites"][lk][0].endswith(": leak_step (rec_staircase.c:15)") and
               s["sites"][lk][1].endswith(": main (rec_staircase.c:32)"),
               "sites named as Massif names frames (leak_step, main)",
               str(s["sites"]))
        # Each detailed snapshot's top nodes against the point with its time.
        problems = []
        n_trees = 0
        for sn in mf.snapshots:
            if sn.tree is None:
                continue
            n_trees += 1
            q = [q for q in pts if (q["time"], q["heap"]) == (sn.time, sn.heap)
                 and q["kind"] == kinds[sn.kind]]
            if not q:
                problems.append("no point for snapshot %d" % sn.number)
                continue
            for c in sn.tree.children:
                for sid, frames in s["sites"].items():
                    if frames[0] == c.text and q[0]["bytes"].get(sid, 0) != c.bytes:
                        problems.append("snapshot %d: %s %d in the tree, %d in the series"
                                        % (sn.number, c.text, c.bytes,
                                           q[0]["bytes"].get(sid, 0)))
        tap.ok(n_trees > 0 and not problems,
               "each site's bytes equal its top node's at %d detailed snapshots" % n_trees,
               "\n".join(problems[:10]))
        end = pts[-1]["bytes"]
        tap.ok(lk is not None and end.get(lk) == LEAKED and end.get(tp, 0) == 0,
               "at the end: leak_step holds %d bytes, make_temp 0" % LEAKED, str(end))
        tap.ok(all(q["rss"] > 0 and q["mapped"] >= q["rss"] for q in pts),
               "every point has resident and mapped bytes from statm",
               str([(q["rss"], q["mapped"]) for q in pts[:3]]))
        rm.check_with_printers(tap, "the Massif file is still Massif's", out)
        out2 = os.path.join(d, "f.out")
        rm.run_heapsnap([prog], out2, ["--time-unit=B", "--final-snapshot=yes"], cwd=d)
        s2 = parse_series(out2 + ".series")
        tap.ok(s2["points"][-1]["kind"] == "x" and s2["points"][-2]["kind"] == "d" and
               s2["points"][-1]["bytes"].get(site_named(s2, "leak_step")) == LEAKED,
               "--final-snapshot=yes: its snapshot (d), then the end (x)",
               str(s2["points"][-2:]))
        bad = [(q["time"], q.get("alloc")) for q in pts if q.get("alloc") != q["time"]]
        tap.ok(not bad, "--time-unit=B: every point's a record equals its time", str(bad[:5]))
        out3 = os.path.join(d, "ms.out")
        rm.run_heapsnap([prog], out3, [], cwd=d)
        s3 = parse_series(out3 + ".series")
        p3 = s3["points"]
        allocs = [q.get("alloc") for q in p3]
        by_time = {q["time"]: q["heap"] for q in pts}
        problems = []
        if s3["head"].get("time_unit") != "ms" or None in allocs:
            problems.append("unit %s, a point without a" % s3["head"].get("time_unit"))
        elif allocs != sorted(allocs) or allocs[-1] != pts[-1]["time"]:
            problems.append("a goes back or ends at %d, not %d" % (allocs[-1], pts[-1]["time"]))
        same = 0
        for q in p3:
            if q["alloc"] in by_time:
                same += 1
                if by_time[q["alloc"]] != q["heap"]:
                    problems.append("at %d B: heap %d, the B run's %d"
                                    % (q["alloc"], q["heap"], by_time[q["alloc"]]))
        tap.ok(not problems and same >= 2,
               "default unit: a never decreases, ends at the B run's %d B, and the heap "
               "matches the B run's at the %d points both have" % (pts[-1]["time"], same),
               "\n".join(problems[:5]))
        check_fork_rss(tap, p, d)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
