#!/usr/bin/env python3
"""rec_ownheap: heapsnap's write leaves the program's glibc heap untouched.

tests/progs/rec_ownheap frees 100,000 small blocks into glibc's fastbins,
then makes heapsnap write its file (an execv that fails with ENOEXEC after
the write) and reads mallinfo2() before and after.  Every allocation the
write makes (libdw's dlopen, the symbolizer) goes to the recorder's own
heap (src/ownheap.c), so:

  1. the exec failed as natively (ENOEXEC) and the program exited 0
  2. mallinfo2() is the same after the write as before (natively too)
  3. and the same as natively: nothing of the recorder's is in glibc's heap
  4. the file was written at the exec: ms_print accepts it
  5. its peak holds the 100,000 blocks, 3,200,000 bytes, and its last
     snapshot none
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

N_CASES = 5


def readings(stdout):
    """{"before": {...}, "after": {...}} and the exec's errno from stdout."""
    text = stdout.decode(errors="replace")
    info = {}
    for m in re.finditer(r"^(before|after) (.*)$", text, re.M):
        info[m.group(1)] = dict(kv.split("=") for kv in m.group(2).split())
    m = re.search(r"^exec_errno=(\d+)$", text, re.M)
    return info, int(m.group(1)) if m else None


def main():
    paths = rm.env_paths()
    exe = os.path.join(paths["builddir"], "tests", "progs", "rec_ownheap")
    tap = rm.Tap(N_CASES)
    if rm.tool_missing(paths["launcher"]) or rm.tool_missing(exe):
        for _ in range(N_CASES):
            tap.skip("own heap", "heapsnap launcher or tests/progs/rec_ownheap not built")
        return 0
    d = tempfile.mkdtemp(prefix="rec_ownheap.")
    try:
        bogus = os.path.join(d, "not_a_program")
        with open(bogus, "w") as f:
            f.write("no shebang, no ELF header\n")
        os.chmod(bogus, 0o755)
        native = subprocess.run([exe, bogus], stdout=subprocess.PIPE, timeout=60)
        n_info, n_errno = readings(native.stdout)
        out = os.path.join(d, "ownheap.massif.out")
        r = rm.run_heapsnap([exe, bogus], out, ["--time-unit=B", "--peak-inaccuracy=0",
                                            "--final-snapshot=yes"])
        info, errno_ = readings(r.stdout)
        tap.ok(r.returncode == 0 and errno_ == 8 and n_errno == 8,
               "the exec failed with ENOEXEC, natively and under heapsnap",
               "exit %d, errno %s (native %s); stderr %r" % (r.returncode, errno_, n_errno,
                                                             r.stderr))
        same = "before" in info and info.get("before") == info.get("after")
        tap.ok(same and n_info.get("before") == n_info.get("after"),
               "mallinfo2() is the same after heapsnap's write as before",
               "under heapsnap: %s\nnatively: %s" % (info, n_info))
        tap.ok(same and info.get("before") == n_info.get("before"),
               "mallinfo2() under heapsnap is the native one",
               "under heapsnap: %s\nnatively: %s" % (info, n_info))
        if not os.path.exists(out):
            tap.ok(False, "the file was written at the exec", "no %s" % out)
            tap.ok(False, "the peak holds 3,200,000 bytes", "no file")
            return 0
        rm.check_with_printers(tap, "the file was written at the exec", out)
        mf = rm.parse(out)
        heaps = [s.heap for s in mf.snapshots]
        tap.ok(mf.peak is not None and mf.peak.heap == 3200000 and max(heaps) == 3200000
               and heaps[-1] == 0,
               "the peak holds the 100,000 blocks' 3,200,000 bytes, the end none",
               "peak %s, snapshots %s" % (mf.peak.heap if mf.peak else None, heaps))
    finally:
        shutil.rmtree(d, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
