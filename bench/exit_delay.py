#!/usr/bin/env python3
"""exit_delay: how long the recorder delays a program's own exit.

Each program prints the time just before it returns from main; the time
from then until wait() returns is its exit delay.  Natively, then with
libheapsnap.so preloaded and a launcher channel open (as under `heapsnap`,
which resolves the record only after the program is gone).  A benchmark,
not a test: it prints medians.

    bench/exit_delay.py [--lib .libs/libheapsnap.so] [--runs 15]

Programs: python3.11d (Debian's -g build, python3.11-dbg), python3, and a
small Rust program built with Debian's rustc (-C opt-level=3 -g), each
when present.
"""
import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

CODE = "import time,sys; sys.stdout.write(repr(time.time())); sys.stdout.flush()"
RUST = r"""
use std::time::{SystemTime, UNIX_EPOCH};
fn main() {
    let v: Vec<Vec<u8>> = (0..1000).map(|i| vec![0u8; 64 + i]).collect();
    let t = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs_f64();
    print!("{} {}", v.len(), t);
}
"""


def one(argv, env, channel, cwd):
    kw = {}
    if channel:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        env = dict(env, HEAPSNAP_REPORT_FD=str(theirs.fileno()))
        kw = dict(pass_fds=(theirs.fileno(),))
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, env=env, cwd=cwd, **kw)
    out = p.stdout.read()
    p.wait()
    end = time.time()
    return end - float(out.split()[-1])


def main():
    ap = argparse.ArgumentParser()
    top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--lib", default=os.path.join(top, ".libs", "libheapsnap.so"))
    ap.add_argument("--runs", type=int, default=15)
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="exit_delay.")
    progs = []
    for py in ("/usr/bin/python3.11d", "/usr/bin/python3"):
        if os.path.exists(py):
            progs.append((os.path.basename(py), [py, "-c", CODE]))
    if os.path.exists("/usr/bin/rustc"):
        src = os.path.join(work, "ts.rs")
        with open(src, "w") as f:
            f.write(RUST)
        exe = os.path.join(work, "ts")
        if subprocess.call(["/usr/bin/rustc", "-C", "opt-level=3", "-g", src, "-o", exe]) == 0:
            progs.append(("rust -O -g", [exe]))
    print("| program | native exit (ms) | recorded exit (ms) | delay (ms) |")
    print("|---|---:|---:|---:|")
    for name, argv in progs:
        nat = statistics.median(one(argv, dict(os.environ), 0, work) for _ in range(a.runs))
        rec = statistics.median(one(argv, dict(os.environ, LD_PRELOAD=a.lib), 1, work)
                                for _ in range(a.runs))
        print("| %s | %.1f | %.1f | %.1f |" % (name, 1000 * nat, 1000 * rec, 1000 * (rec - nat)))
    shutil.rmtree(work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
