#!/usr/bin/env python3
"""rec_live: live dumps of a program that keeps running (issue 13 item 2).

tests/progs/rec_live leaks 1000 bytes (leak_grow) and churns two 100-byte
blocks every 10 ms until its stdin ends; with "fork" a child does the same
under a record of its own.  Under the launcher with --dump-every=300ms:

  - the output file is replaced while the program runs: every dump taken
    (periodic, `heapsnap --dump` on the launcher's, the program's and the
    child's pid) is a complete file that Valgrind's ms_print accepts, says
    "live dump" on its desc: line, and `heapsnap-print --leaks` names
    leak_grow in it before the program ends;
  - one dump after another, the snapshot count, the last snapshot's time
    and its heap grow (--max-snapshots=1000: no cull in the run);
  - `heapsnap --dump PID` prints the file's path and exits 0; for a
    process no heapsnap records (this script), or one that does not
    exist, one line on stderr and exit 1;
  - the dumps do not grow the raw records: no LIVE record in them, the
    last dump's in a side file, OUT.raw.live;
  - once the program ends, the final files are Massif's (no live-dump
    note), ms_print accepts them, and no raw record or side file is left.

Then a program idle in a system call (no heap call after its 5th turn):
`heapsnap --dump` still writes a complete file within the wait and says
that it holds the heap as of the last snapshot.

Without the launcher (LD_PRELOAD and HEAPSNAP_OPTIONS set by hand, as in
a service's environment), `heapsnap --dump PID` finds the library's own
page and raw record among the process's descriptors and writes the same
complete file; the library's resolver writes the final one at the end.

Under --sample=4K (fixsample): the dump is served by the running
program's heap calls (counted, mostly unsampled), not by the launcher's
fall-back after 500 ms ("made no heap call").

Last, a long run stays bounded (issue 13 item 4): tests/progs/rec_dlloop
dlopens and dlcloses libz 3,000 times; its raw record stays under 1 MB
(a module map per round made it 15 MB) and the file is complete.
"""

import glob
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rec_massif as rm  # noqa: E402

TIMEOUT_S = 60
P = rm.env_paths()
PROG = os.path.join(P["builddir"], "tests", "progs", "rec_live")
DLLOOP = os.path.join(P["builddir"], "tests", "progs", "rec_dlloop")


def start(d, args, opts):
    """The launcher running rec_live; returns (Popen, {word: pid})."""
    out = os.path.join(d, "m.out")
    p = subprocess.Popen([P["launcher"], "--massif-out-file=" + out] + opts + [PROG] + args,
                         cwd=d, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    pids = {}
    want = 2 if "fork" in args else 1
    while len(pids) < want:
        line = p.stdout.readline().decode()
        if not line:
            break
        word, pid = line.split()
        pids[word] = int(pid)
    return p, pids


def dump(pid):
    r = subprocess.run([P["launcher"], "--dump", str(pid)], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=TIMEOUT_S)
    return r.returncode, r.stdout.decode(), r.stderr.decode()


def copy_now(path, dest):
    """A copy of path as it is now (a rename replaces it whole)."""
    with open(path, "rb") as f:
        data = f.read()
    with open(dest, "wb") as f:
        f.write(data)
    return dest


def leaks_names(path, fn):
    r = subprocess.run([P["print"], "--leaks", path], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=TIMEOUT_S)
    text = r.stdout.decode(errors="replace")
    suspects = text[text.find("Leak suspects"):] if "Leak suspects" in text else ""
    return r.returncode == 0 and fn in suspects, suspects


def desc_of(path):
    with open(path, errors="replace") as f:
        return f.readline()


def record_kinds(raw):
    """The set of record kinds in raw record file raw (doc/format-raw.md
    section 3: after the magic line, u32 length, u32 kind, payload), or
    None when it cannot be read."""
    try:
        with open(raw, "rb") as f:
            data = f.read()
    except OSError:
        return None
    pos, kinds = data.find(b"\n") + 1, set()
    while 0 < pos and pos + 8 <= len(data):
        n, kind = struct.unpack_from("<II", data, pos)
        if pos + 8 + n > len(data):
            break
        kinds.add(kind)
        pos += 8 + n
    return kinds


def side_record(raw):
    """(base, first record's kind, its request) of raw's side record, or
    None."""
    try:
        with open(raw + ".live", "rb") as f:
            data = f.read(32)
    except OSError:
        return None
    if len(data) < 24:
        return None
    base, _, kind, request = struct.unpack_from("<QIIQ", data, 0)
    return base, kind, request


def main():
    for tool in (P["launcher"], PROG, P["print"], P["ms_print"]):
        if rm.tool_missing(tool):
            print("1..0 # SKIP %s not built or not installed" % tool)
            return
    tap = rm.Tap(28)
    d = tempfile.mkdtemp(prefix="rec_live.")
    out = os.path.join(d, "m.out")
    try:
        p, pids = start(d, ["0", "fork"],
                        ["--detailed-freq=1", "--max-snapshots=1000", "--dump-every=300ms"])
        launcher, prog, child = p.pid, pids.get("ready"), pids.get("child")
        tap.ok(prog is not None and child is not None, "rec_live and its child started",
               "pids: %r" % pids)

        # Periodic dumps: each new file (a new inode) copied as it comes.
        dumps, seen, t0 = [], set(), time.time()
        while len(dumps) < 3 and time.time() - t0 < 20:
            try:
                st = os.stat(out)
                if st.st_ino not in seen:
                    seen.add(st.st_ino)
                    dumps.append(copy_now(out, os.path.join(d, "periodic.%d" % len(dumps))))
            except FileNotFoundError:
                pass
            time.sleep(0.02)
        tap.ok(len(dumps) == 3, "--dump-every=300ms replaced the file 3 times while it ran",
               "%d dumps in 20 s" % len(dumps))

        rc, so, se = dump(launcher)
        tap.ok(rc == 0 and sorted(so.split()) == sorted([out, out + ".%d" % child]),
               "heapsnap --dump LAUNCHER dumps both records and prints their paths",
               "rc %d, stdout %r, stderr %r" % (rc, so, se))
        dumps.append(copy_now(out, os.path.join(d, "launcher")))
        time.sleep(0.2)
        rc, so, se = dump(prog)
        tap.ok(rc == 0 and so == out + "\n" and se == "",
               "heapsnap --dump PROGRAM prints the file's path, exit 0",
               "rc %d, stdout %r, stderr %r" % (rc, so, se))
        dumps.append(copy_now(out, os.path.join(d, "program")))
        rc, so, se = dump(child)
        child_out = out + ".%d" % child
        tap.ok(rc == 0 and so == child_out + "\n",
               "heapsnap --dump CHILD dumps the forked child's own record",
               "rc %d, stdout %r, stderr %r" % (rc, so, se))
        child_dump = copy_now(child_out, os.path.join(d, "child")) \
            if os.path.exists(child_out) else None

        rc, so, se = dump(os.getpid())
        tap.ok(rc == 1 and so == "" and len(se.splitlines()) == 1 and
               "not a heapsnap recording" in se,
               "a process no heapsnap records: one line, exit 1", "rc %d, %r" % (rc, se))
        rc, so, se = dump(4194303)
        tap.ok(rc == 1 and len(se.splitlines()) == 1 and "no such process" in se,
               "a pid with no process: one line, exit 1", "rc %d, %r" % (rc, se))

        # Every dump complete, and the leak named before the program ends.
        still_running = p.poll() is None
        all_ok, why = True, []
        for f in dumps + ([child_dump] if child_dump else []):
            ok, _, err = rm.ms_print_accepts(f)
            if not ok:
                all_ok = False
                why.append("%s: ms_print: %s" % (f, err.decode(errors="replace")[:300]))
        tap.ok(all_ok and child_dump is not None, "ms_print accepts every dump (%d)" %
               (len(dumps) + 1), "\n".join(why))
        tap.ok(all("live dump" in desc_of(f) for f in dumps),
               "each dump's desc: line says it is a live dump",
               "\n".join(desc_of(f) for f in dumps))
        named = [leaks_names(f, "leak_grow") for f in dumps]
        tap.ok(all(n for n, _ in named), "heapsnap-print --leaks names leak_grow in every dump",
               "\n".join(s for n, s in named if not n)[:2000])
        tap.ok(child_dump is not None and leaks_names(child_dump, "leak_grow")[0],
               "... and in the child's dump")
        tap.ok(still_running, "all of this while the program was still running")

        # The dumps did not grow the raw records: each dump's snapshot is
        # in a side file (OUT.raw.live, doc/format-raw.md 6) replaced at
        # every dump, against the prefix of the record it names.
        kinds = [record_kinds(f + ".raw") for f in (out, child_out)]
        sides = [side_record(f + ".raw") for f in (out, child_out)]
        tap.ok(all(k is not None and 16 not in k for k in kinds) and
               all(sd is not None and sd[0] <= os.path.getsize(f + ".raw") and sd[1] == 16
                   and sd[2] >= 1 for sd, f in zip(sides, (out, child_out))),
               "no LIVE record in either raw record; each has a side record with its last "
               "dump's LIVE", "kinds %r, sides (base, kind, request) %r" % (kinds, sides))

        series = [rm.parse(f) for f in dumps]
        counts = [len(m.snapshots) for m in series]
        times = [m.snapshots[-1].time for m in series]
        heaps = [m.snapshots[-1].heap for m in series]
        grows = lambda xs: all(a < b for a, b in zip(xs, xs[1:]))  # noqa: E731
        # A cull (the table full) halves the count: then the earlier dump's
        # table snapshots are no longer all in the later one.
        kept = [set(s.row()[:3] for s in m.snapshots[:-1]) for m in series]
        culled = [not kept[i] <= set(s.row()[:3] for s in series[i + 1].snapshots)
                  for i in range(len(series) - 1)]
        tap.ok(all(counts[i] < counts[i + 1] or culled[i] for i in range(len(counts) - 1))
               and not all(culled),
               "snapshot counts grow dump after dump (but across a cull)",
               "counts %r, culled between %r" % (counts, culled))
        tap.ok(grows(times) and grows(heaps), "the last snapshot's time and heap grow",
               "times %r, heaps %r" % (times, heaps))
        tap.diag("dumps: snapshots %r (culled between: %r), last times %r, heaps %r" %
                 (counts, culled, times, heaps))
        if os.environ.get("REC_LIVE_DEBUG"):
            for i in range(len(series) - 1):
                later = set(s.row()[:3] for s in series[i + 1].snapshots)
                tap.diag("gone %d->%d: %r" % (i, i + 1, sorted(kept[i] - later)[:8]))

        # The end: the final files are the recording's own.
        try:
            _, err = p.communicate(timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            p.kill()
            _, err = p.communicate()
        tap.ok(p.returncode == 0, "the program ends normally (exit 0)",
               err.decode(errors="replace"))
        finals = [out, child_out]
        ok = all(os.path.exists(f) and rm.ms_print_accepts(f)[0] for f in finals)
        tap.ok(ok and all("live dump" not in desc_of(f) for f in finals),
               "the final files are complete and no longer live dumps",
               "\n".join(desc_of(f) for f in finals if os.path.exists(f)))
        final = rm.parse(out)
        tap.ok(leaks_names(out, "leak_grow")[0] and
               final.snapshots[-1].heap >= heaps[-1],
               "the final file names leak_grow and holds at least the last dump's heap")
        tap.ok(glob.glob(os.path.join(d, "*.raw")) == [] and
               glob.glob(os.path.join(d, "*.tmp.*")) == [] and
               glob.glob(os.path.join(d, "*.raw.live*")) == [],
               "no raw record or temporary file is left", "%r" % os.listdir(d))

        # Idle in a system call: the dump says so and still comes.
        p, pids = start(d, ["5"], ["--massif-out-file=" + os.path.join(d, "idle.out")])
        time.sleep(0.3)
        t = time.time()
        rc, so, se = dump(pids.get("ready", 0))
        took = time.time() - t
        idle_out = os.path.join(d, "idle.out")
        tap.ok(rc == 0 and so == idle_out + "\n" and "made no heap call" in se,
               "an idle program's dump is written and says it holds the last snapshot",
               "rc %d, stdout %r, stderr %r, %.2f s" % (rc, so, se, took))
        tap.ok(rc == 0 and rm.ms_print_accepts(idle_out)[0],
               "ms_print accepts the idle program's dump")
        p.communicate(timeout=TIMEOUT_S)

        # --sample: the counted paths serve the dump too.
        s_out = os.path.join(d, "sampled.out")
        p, pids = start(d, [], ["--sample=4K", "--massif-out-file=" + s_out])
        time.sleep(0.3)
        rc, so, se = dump(pids.get("ready", 0))
        p.communicate(timeout=TIMEOUT_S)
        tap.ok(rc == 0 and so == s_out + "\n" and "made no heap call" not in se,
               "--sample=4K: a running program serves the dump itself",
               "rc %d, stdout %r, stderr %r" % (rc, so, se))

        # Without the launcher (LD_PRELOAD set by hand, as in a service's
        # environment): heapsnap --dump finds the library's own page and
        # record among the process's descriptors, and names the frames.
        u_out = os.path.join(d, "unlaunched.out")
        env = dict(os.environ, LD_PRELOAD=P["preload"],
                   HEAPSNAP_OPTIONS="--massif-out-file=" + u_out)
        p = subprocess.Popen([PROG], cwd=d, env=env, stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        line = p.stdout.readline().decode().split()
        time.sleep(0.3)
        rc, so, se = dump(int(line[1]) if len(line) == 2 else 0)
        running = p.poll() is None
        u_copy = copy_now(u_out, os.path.join(d, "unlaunched.dump")) \
            if os.path.exists(u_out) else None
        tap.ok(rc == 0 and so == u_out + "\n" and se == "" and running,
               "no launcher: heapsnap --dump PID writes the file while the program runs",
               "rc %d, stdout %r, stderr %r, running %s" % (rc, so, se, running))
        tap.ok(u_copy is not None and rm.ms_print_accepts(u_copy)[0] and
               "live dump" in desc_of(u_copy) and leaks_names(u_copy, "leak_grow")[0],
               "no launcher: the dump is complete and names leak_grow")
        p.communicate(timeout=TIMEOUT_S)
        # At the end the library's own resolver writes the final file.
        for _ in range(100):
            if not os.path.exists(u_out + ".raw") and "live dump" not in desc_of(u_out):
                break
            time.sleep(0.1)
        tap.ok(p.returncode == 0 and not os.path.exists(u_out + ".raw") and
               "live dump" not in desc_of(u_out) and rm.ms_print_accepts(u_out)[0],
               "no launcher: the final file replaces the dump, no raw record left",
               "%r" % os.listdir(d))

        # A plugin reloaded 3,000 times: no map or note per round.
        dl_out = os.path.join(d, "dl.out")
        r = subprocess.run([P["launcher"], "-q", "--time-unit=B", "--massif-out-file=" + dl_out,
                            DLLOOP, "3000", dl_out + ".raw"], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=TIMEOUT_S)
        words = r.stdout.decode().split()
        if words == ["nolib"]:
            tap.skip("a dlopen loop keeps the raw record small", "no libz.so.1")
            tap.skip("... and its file is complete", "no libz.so.1")
        else:
            size = int(words[1]) if len(words) == 2 and words[0] == "raw" else -1
            tap.ok(r.returncode == 0 and 0 < size < 1000000,
                   "3,000 rounds of dlopen/dlclose: raw record under 1 MB",
                   "rc %d, stdout %r, stderr %r" % (r.returncode, r.stdout, r.stderr))
            tap.diag("raw record after 3,000 rounds: %d bytes" % size)
            tap.ok(rm.ms_print_accepts(dl_out)[0], "... and its file is complete")

        # A wrapper script's subshell, forked before the script execs the
        # program, gets no file (--follow-exec): nor does a live dump of it
        # leave one behind (it did: massif.out.PID of "/bin/sh shim.sh").
        sd = os.path.join(d, "shim")
        os.mkdir(sd)
        shim = os.path.join(sd, "shim.sh")
        with open(shim, "w") as f:
            f.write("#!/bin/sh\nv=$(sleep 0.6; echo 1)\nexec sleep 0.6\n")
        os.chmod(shim, 0o755)
        r = subprocess.run([P["launcher"], "-q", "--dump-every=100ms", shim], cwd=sd,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=TIMEOUT_S)
        files = sorted(f for f in os.listdir(sd) if re.match(r"massif\.out\.\d+$", f))
        cmds = []
        for f in files:
            with open(os.path.join(sd, f)) as fh:
                cmds.append([line for line in fh if line.startswith("cmd:")][:1])
        tap.ok(r.returncode == 0 and len(files) == 1 and cmds[0] == ["cmd: sleep 0.6\n"],
               "--dump-every and a wrapper's subshell: one file, the program's",
               "rc %d, files %r, cmd lines %r" % (r.returncode, files, cmds))
    finally:
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
