#!/usr/bin/env python3
"""Mutation test for the resolver: damaged raw records never crash it.

Records progs/rec_live under LD_PRELOAD twice, exact and with --sample (B
time, every snapshot detailed, at most 10 kept: CONTEXT, SNAPSHOT, TABLE,
POINT, SITES and MAPS records), and kills it with SIGKILL, which leaves
its raw record (doc/format-raw.md) where nothing resolves it.  Each record
undamaged must resolve (exit 0), and so must each cut right before its
first SNAPSHOT record (a program killed at its start): into Massif's file
of a program that allocated nothing, snapshot 0 alone, empty (before,
a file without snapshots, which ms_print refuses).  Then each case
damages one (flipped
bytes, 4- and 8-byte fields overwritten with edge values, a cut, a
spliced or dropped run of bytes) and runs `heapsnap --resolve RAW OUT`,
which must either write OUT (exit 0, nothing on stderr but its "wrote"
line, a file and series `heapsnap-print --summary` takes without a word
on stderr and, when $MS_PRINT is set, that ms_print accepts) or refuse with
exactly one "heapsnap: " line naming the record, exit 1 and no OUT;
never a signal, never a hang.  Seeded; prints TAP, one case per damaged
record.  A double free in the reader of TABLE records was found this way.
Knobs: HS_RAW_MUTATE_COUNT (default 60 under make check, 600 under make
check-full, i.e. HS_FULL=1), HS_RAW_MUTATE_SEED (1).
"""
import os
import random
import select
import signal
import struct
import subprocess
import sys
import tempfile
import time

top = os.environ.get("top_srcdir") or os.path.join(os.path.dirname(__file__), "..", "..")
build = os.environ.get("top_builddir") or top
launcher = os.environ.get("HS_LAUNCHER") or os.path.join(build, "heapsnap")
printer = os.environ.get("HS_PRINT") or os.path.join(build, "heapsnap-print")
preload = os.environ.get("HS_PRELOAD") or os.path.join(build, ".libs", "libheapsnap.so")
ms = os.environ.get("MS_PRINT") or ""
prog = os.path.join(build, "tests", "progs", "rec_live")
full = os.environ.get("HS_FULL", "") not in ("", "0")
count = int(os.environ.get("HS_RAW_MUTATE_COUNT", "600" if full else "60"))
seed = int(os.environ.get("HS_RAW_MUTATE_SEED", "1"))

RECORDINGS = {
    "exact": "--time-unit=B --detailed-freq=1 --max-snapshots=10",
    "sampled": "--sample=2K --time-unit=B --detailed-freq=1 --max-snapshots=10",
}


def record(tmp, options):
    """Run rec_live for a while under the library, then SIGKILL it: its
    raw record, which nothing resolves, as bytes."""
    env = dict(os.environ, LD_PRELOAD=preload, HEAPSNAP_OPTIONS=options + " -q")
    p = subprocess.Popen([prog], cwd=tmp, env=env, stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE)
    ready, _, _ = select.select([p.stdout], [], [], 20)
    line = p.stdout.readline() if ready else b""
    time.sleep(0.8)  # about 80 turns: culls, dozens of points
    p.send_signal(signal.SIGKILL)
    p.wait()
    p.stdin.close()
    p.stdout.close()
    path = os.path.join(tmp, "massif.out.%d.raw" % p.pid)
    if not line.startswith(b"ready") or not os.path.exists(path):
        return None
    with open(path, "rb") as f:
        data = f.read()
    os.unlink(path)
    return data


MAGIC = b"heapsnap raw record 1\n"  # HS_JOURNAL_MAGIC (src/core/journal.h)
KIND_SNAPSHOT = 3  # HS_JR_SNAPSHOT


def before_first_snapshot(data):
    """data up to its first SNAPSHOT record (records: a 32-bit payload
    length, a 32-bit kind, the payload), or None without one."""
    pos = len(MAGIC)
    while pos + 8 <= len(data):
        length, kind = struct.unpack_from("<II", data, pos)
        if kind == KIND_SNAPSHOT:
            return data[:pos]
        pos += 8 + length
    return None


EDGE32 = [0, 1, 0xFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFE, 0xFFFFFFFF, 0x10000]
EDGE64 = [0, 1 << 32, 1 << 48, 1 << 63, (1 << 64) - 1]


def mutate(r, data):
    data = bytearray(data)
    for _ in range(r.choice([1, 1, 2, 3])):
        k = r.randrange(6)
        if k == 0:
            for _ in range(r.randint(1, 8)):
                data[r.randrange(len(data))] = r.randrange(256)
        elif k == 1:
            i = r.randrange(0, len(data) - 4) & ~3
            data[i:i + 4] = struct.pack("<I", r.choice(EDGE32))
        elif k == 2:
            i = r.randrange(0, len(data) - 8)
            data[i:i + 8] = struct.pack("<Q", r.choice(EDGE64))
        elif k == 3:
            del data[r.randrange(len(data)):]
        elif k == 4:
            i = r.randrange(len(data))
            del data[i:i + r.randint(1, 200)]
        else:
            i, j = r.randrange(len(data)), r.randrange(len(data))
            data[i:i] = data[j:j + r.randint(1, 64)]
        if len(data) < 16:
            break
    return bytes(data)


def check(n, what, tmp):
    """Resolve the damaged record at tmp/in.raw; the TAP line."""
    out = os.path.join(tmp, "out")
    try:
        p = subprocess.run([launcher, "--resolve", "in.raw", "out"], cwd=tmp,
                           capture_output=True, timeout=30)
    except subprocess.TimeoutExpired:
        return "not ok %d - %s: hangs" % (n, what)
    err = p.stderr.decode("utf-8", "replace")
    if p.returncode < 0:
        return "not ok %d - %s: killed by signal %d" % (n, what, -p.returncode)
    if p.returncode == 1:
        if err.count("\n") != 1 or not err.startswith("heapsnap: in.raw"):
            return "not ok %d - %s: refused, but stderr %r" % (n, what, err[:300])
        if os.path.exists(out):
            return "not ok %d - %s: refused, but wrote %s" % (n, what, out)
        return "ok %d - %s: refused: %s" % (n, what, err.strip()[:150])
    if p.returncode != 0:
        return "not ok %d - %s: exit %d, stderr %r" % (n, what, p.returncode, err[:300])
    if err.replace("heapsnap: wrote out\n", ""):
        return "not ok %d - %s: written with stderr %r" % (n, what, err[:300])
    if not os.path.exists(out):
        return "not ok %d - %s: exit 0 without a file" % (n, what)
    try:
        q = subprocess.run([printer, "--summary", "out"], cwd=tmp, capture_output=True,
                           timeout=60)
    except subprocess.TimeoutExpired:
        return "not ok %d - %s: written, but heapsnap-print --summary hangs" % (n, what)
    if q.returncode != 0 or q.stderr:
        return "not ok %d - %s: written, but heapsnap-print --summary: exit %d, %r" % (
            n, what, q.returncode, q.stderr.decode("utf-8", "replace")[:300])
    if ms and os.access(ms, os.X_OK):
        try:
            q = subprocess.run([ms, "out"], cwd=tmp, capture_output=True, timeout=120)
        except subprocess.TimeoutExpired:
            return "not ok %d - %s: written, but ms_print takes over 120 s" % (n, what)
        if q.returncode != 0:
            return "not ok %d - %s: written, but ms_print says %r" % (
                n, what, q.stderr.decode("utf-8", "replace")[:300])
    return "ok %d - %s: written" % (n, what)


def clean(tmp):
    for f in ("in.raw", "out", "out.series"):
        if os.path.exists(os.path.join(tmp, f)):
            os.unlink(os.path.join(tmp, f))


def main():
    if not os.access(prog, os.X_OK):
        print("1..0 # SKIP %s is not built" % prog)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        records = {}
        for name, options in RECORDINGS.items():
            records[name] = record(tmp, options)
        print("1..%d" % (2 * len(records) + count))
        n = 0
        for name, data in records.items():
            n += 1
            if data is None:
                print("not ok %d - %s: rec_live left no raw record" % (n, name))
                continue
            with open(os.path.join(tmp, "in.raw"), "wb") as f:
                f.write(data)
            line = check(n, "%s, undamaged (%d bytes)" % (name, len(data)), tmp)
            clean(tmp)
            print(line.replace(": written", ": resolved", 1) if line.startswith("ok") else line)
        for name, data in records.items():
            n += 1
            cut = before_first_snapshot(data) if data is not None else None
            if cut is None:
                print("not ok %d - %s: no SNAPSHOT record to cut before" % (n, name))
                continue
            with open(os.path.join(tmp, "in.raw"), "wb") as f:
                f.write(cut)
            what = "%s, cut before its first snapshot (%d bytes)" % (name, len(cut))
            line = check(n, what, tmp)
            if line.startswith("ok"):
                with open(os.path.join(tmp, "out"), "rb") as f:
                    text = f.read()
                body = text[text.index(b"\n#-----------\n"):]
                if body != (b"\n#-----------\nsnapshot=0\n#-----------\ntime=0\nmem_heap_B=0\n"
                            b"mem_heap_extra_B=0\nmem_stacks_B=0\nheap_tree=empty\n"):
                    line = "not ok %d - %s: not snapshot 0 alone, empty: %r" % (n, what, body[:300])
            clean(tmp)
            print(line.replace(": written", ": snapshot 0, empty", 1) if line.startswith("ok")
                  else line)
        names = sorted(k for k, v in records.items() if v is not None)
        for case in range(1, count + 1):
            n += 1
            r = random.Random("%d/%d" % (seed, case))
            if not names:
                print("not ok %d - no record to damage" % n)
                continue
            name = r.choice(names)
            with open(os.path.join(tmp, "in.raw"), "wb") as f:
                f.write(mutate(r, records[name]))
            what = "seed %d case %d: %s" % (seed, case, name)
            try:
                line = check(n, what, tmp)
            except Exception as e:  # noqa: BLE001 - any failure of the case is a finding
                line = "not ok %d - %s: %r" % (n, what, e)
            print(line, flush=True)
            clean(tmp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
