#!/usr/bin/env python3
"""Mutation test for heapsnap-print: damaged Massif files never crash it.

Takes the fixtures, damages them (flipped, inserted and deleted bytes,
truncation, duplicated or dropped lines, NULs, big numbers), and checks that
heapsnap-print either accepts the file (exit 0, nothing on stderr, and, when
$MS_PRINT is set, the same output as ms_print) or rejects it with exactly one
"heapsnap-print: " line on stderr, exit 1 and an empty stdout; never a
signal, never a hang.  Seeded; prints TAP, one case per damaged file.
Knobs: HS_PRINT_MUTATE_COUNT (default 50 under make check, 200 under make
check-full, i.e. HS_FULL=1), HS_PRINT_MUTATE_SEED (1).
"""
import glob
import os
import random
import subprocess
import sys
import tempfile

top = os.environ.get("top_srcdir") or os.path.join(os.path.dirname(__file__), "..", "..")
hs = os.environ.get("HS_PRINT") or os.path.join(top, "heapsnap-print")
ms = os.environ.get("MS_PRINT") or ""
full = os.environ.get("HS_FULL", "") not in ("", "0")
count = int(os.environ.get("HS_PRINT_MUTATE_COUNT", "200" if full else "50"))
seed = int(os.environ.get("HS_PRINT_MUTATE_SEED", "1"))

fixtures = sorted(f for f in glob.glob(os.path.join(top, "tests", "fixtures", "*.massif.out"))
                  if os.path.getsize(f) < 40000)


def mutate(r, data):
    lines = data.split(b"\n")
    for _ in range(r.choice([1, 1, 2, 3])):
        k = r.randrange(9)
        if k == 0 and data:
            i = r.randrange(len(data))
            data = data[:i] + bytes([r.randrange(256)]) + data[i + 1:]
        elif k == 1:
            i = r.randrange(len(data) + 1)
            data = data[:i] + r.choice([b"0", b"9", b"#", b"\n", b" ", b"\x00",
                                        b"\xff", b"n", b":", b"="]) + data[i:]
        elif k == 2 and data:
            i = r.randrange(len(data))
            data = data[:i] + data[i + 1:]
        elif k == 3:
            data = data[:r.randrange(len(data) + 1)]
        elif k in (4, 5, 6, 7) and len(lines) > 1:
            i = r.randrange(len(lines))
            if k == 4:
                lines.insert(i, lines[r.randrange(len(lines))])
            elif k == 5:
                del lines[i]
            elif k == 6:
                lines[i] = lines[i].replace(b"0", b"99999999999999999999", 1)
            else:
                lines[i] = lines[i].replace(b"n0:", b"n1:", 1)
            data = b"\n".join(lines)
        else:
            data = data.replace(b"heap_tree=empty", b"heap_tree=peak", 1)
        lines = data.split(b"\n")
    return data


def main():
    if not fixtures:
        print("1..0 # SKIP no fixtures")
        return 0
    print("1..%d" % count)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "m.out")
        for n in range(1, count + 1):
            r = random.Random("%d/%d" % (seed, n))
            src = r.choice(fixtures)
            with open(src, "rb") as f:
                data = mutate(r, f.read())
            with open(path, "wb") as f:
                f.write(data)
            what = "seed %d case %d: %s" % (seed, n, os.path.basename(src))
            try:
                p = subprocess.run([hs, "m.out"], cwd=tmp, capture_output=True,
                                   timeout=20)
            except subprocess.TimeoutExpired:
                print("not ok %d - %s: hangs" % (n, what))
                continue
            err = p.stderr.decode("utf-8", "replace")
            if p.returncode < 0:
                print("not ok %d - %s: killed by signal %d" % (n, what, -p.returncode))
            elif p.returncode == 1:
                if p.stdout or err.count("\n") != 1 or not err.startswith("heapsnap-print: m.out:"):
                    print("not ok %d - %s: rejected, but stdout %d bytes, stderr %r"
                          % (n, what, len(p.stdout), err[:200]))
                else:
                    print("ok %d - %s: rejected: %s" % (n, what, err.strip()[:150]))
            elif p.returncode == 0:
                if err:
                    print("not ok %d - %s: accepted with stderr %r" % (n, what, err[:200]))
                    continue
                if ms and os.access(ms, os.X_OK):
                    q = subprocess.run([ms, "m.out"], cwd=tmp, capture_output=True,
                                       timeout=60)
                    if q.stdout != p.stdout:
                        print("not ok %d - %s: accepted, but differs from ms_print" % (n, what))
                        continue
                print("ok %d - %s: accepted" % (n, what))
            else:
                print("not ok %d - %s: exit %d" % (n, what, p.returncode))
    return 0


if __name__ == "__main__":
    sys.exit(main())
