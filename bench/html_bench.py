#!/usr/bin/env python3
"""The HTML report on the bench/ workloads' files: size and load time.

Records each workload of bench.py once with heapsnap (its defaults), then
for each file: heapsnap-print --html's wall time, the page's
size, and, when chromium is installed, the page's load time in headless
Chromium and the slowest tree drawn by a click
(tests/printer/print_html_browser.py --time).  Not a test: nothing here
runs in make check; doc/html-report.md has the figures.

    bench/html_bench.py [--heapsnap ./heapsnap] [--hs-print ./heapsnap-print]
                        [--only python3,cc1] [--keep DIR]
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--heapsnap", default=os.path.join(HERE, "..", "heapsnap"))
    ap.add_argument("--hs-print", default=os.path.join(HERE, "..", "heapsnap-print"))
    ap.add_argument("--only", default="")
    ap.add_argument("--keep", default="")
    a = ap.parse_args()
    d = a.keep or tempfile.mkdtemp(prefix="hs-html-bench.")
    os.makedirs(d, exist_ok=True)
    try:
        exe = bench.write_inputs(d)
        files = []
        for name, (argv, stdin, env) in bench.workloads(d, exe).items():
            if a.only and name not in a.only.split(","):
                continue
            e = dict(os.environ)
            e.update(env)
            out = os.path.join(d, name + ".massif.out")
            with open(os.path.join(d, stdin)) if stdin else open(os.devnull) as fin:
                subprocess.run([os.path.abspath(a.heapsnap), "--massif-out-file=" + out] + argv,
                               cwd=d, env=e, stdin=fin, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, check=True)
            files.append(out)
        print("%-14s %10s %10s %9s" % ("workload", "massif B", "page B", "print s"))
        for f in files:
            page = f[:-len(".massif.out")] + ".html"
            t0 = time.monotonic()
            subprocess.run([os.path.abspath(a.hs_print), "--html", f, "-o", page], check=True)
            wall = time.monotonic() - t0
            print("%-14s %10d %10d %9.2f" % (os.path.basename(f)[:-11], os.path.getsize(f),
                                             os.path.getsize(page), wall))
        sys.stdout.flush()
        browser = os.path.join(HERE, "..", "tests", "printer", "print_html_browser.py")
        env = dict(os.environ, HS_PRINT=os.path.abspath(a.hs_print))
        subprocess.run([sys.executable, browser, "--time"] + files, env=env, check=False)
    finally:
        if not a.keep:
            shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
