#!/usr/bin/env python3
"""rec_endings: no way of ending loses the recording (issue 10, item 3).

tests/progs/rec_ending keeps 5 blocks of 1000 bytes, then ends one way:
each default-fatal signal raised (TERM INT HUP PIPE QUIT USR1 USR2 ALRM),
SIGTERM/SIGINT/SIGHUP sent while it is busy in malloc, SIGSEGV from a
stack overflow, abort (also from a SIGSEGV handler on a thread's 6 KiB
alternate stack, as Rust's runtime calls it), a double free glibc's free
aborts on (exact and --sample), SIGKILL, _exit, exec.  Each is run natively and
under the launcher, and for each:

  - the exit status (or signal) is the native one;
  - the Massif file is complete: ms_print accepts it and heapsnap-print
    renders it identically, its peak holds the 5000 bytes kept, and its
    desc: line says how the program ended;
  - no raw record (.raw) is left behind.

Then closefrom(3) (the launcher still resolves: it knows the raw path),
and a forked child that outlives the launcher (it finds the channel shut
and starts its own resolver).  Then the cases where no complete file can
be written: a full filesystem
(a 64 KiB tmpfs; a SKIP where mount is not allowed) and a FIFO made at the
output path while the program runs: the program is never blocked, its
status and stdout are intact, no truncated file is left, and one line says
why.  Then
multiprocessing.Pool(fork).terminate(): every worker's file is complete.
Then the plain-LD_PRELOAD run (no launcher): the detached resolver
writes the file (polled for), and ms_print accepts it.  Last, a dlopen
found through its caller's RUNPATH still works (dlopen is not wrapped).
"""

import os
import platform
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rec_massif as rm  # noqa: E402

TIMEOUT_S = 60
P = rm.env_paths()
PROG = os.path.join(P["builddir"], "tests", "progs", "rec_ending")
OPTS = ["--time-unit=B", "--detailed-freq=1"]

RAISED = ["TERM", "INT", "HUP", "PIPE", "QUIT", "USR1", "USR2", "ALRM"]
# rec_ending seccomp HOW: the status natively, and the words of heapsnap's line.
STRICT = "turned on seccomp's strict mode, in which the recorder can make no system call"
FILTER = "installed a seccomp filter, which may refuse the recorder's system calls"
SECCOMP = [("strict", 5, STRICT), ("strictsegv", -signal.SIGSEGV, STRICT),
           ("filter", 6, FILTER), ("syscall", 6, FILTER)]
BUSY = ["TERM", "INT", "HUP"]



def wrote_only(stderr):
    """The launcher's stderr less the summary under each 'wrote' line."""
    return "".join(l + "\n" for l in stderr.decode(errors="replace").splitlines()
                   if not l.startswith("heapsnap:   "))

def no_core():
    """Children dump no core (the status then has no core flag either way),
    and meet the signals sent at their defaults: a test run in the
    background (nohup, a CI runner's job) inherits SIGHUP, SIGINT or
    SIGQUIT ignored, and its "busy" program then never ended."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    for name in RAISED + BUSY + ["QUIT"]:
        signal.signal(getattr(signal, signame(name)), signal.SIG_DFL)


def run(argv, d, env=None, stdin=None):
    return subprocess.run(argv, cwd=d, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=TIMEOUT_S, preexec_fn=no_core, stdin=stdin)


def launcher(out, args):
    return [P["launcher"], "--massif-out-file=" + out] + OPTS + args


def send_when_ready(argv, d, sig, delay=0.3, to_launcher=False):
    """Start argv, wait for "ready" on its stdout, let it run delay
    seconds, send sig to it (to the program, or with to_launcher to the
    launcher's own pid, as a shell's $! or a supervisor would); returns
    (status, stdout, stderr)."""
    p = subprocess.Popen(argv, cwd=d, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         preexec_fn=no_core)
    line = p.stdout.readline()
    time.sleep(delay)
    target = p.pid
    if os.path.basename(argv[0]) == "heapsnap" and not to_launcher:
        # The program is the launcher's child: signal it, not the launcher.
        kids = open("/proc/%d/task/%d/children" % (p.pid, p.pid)).read().split()
        target = int(kids[0]) if kids else p.pid
    os.kill(target, sig)
    try:
        out, err = p.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        # Not left spinning: the program (the launcher's child) too.
        if target != p.pid:
            os.kill(target, signal.SIGKILL)
        p.kill()
        out, err = p.communicate()
    return p.returncode, line + out, err


def launcher_status(rc):
    """The launcher's status for a program that ended with Popen's rc: the
    same (a program killed by signal N leaves the launcher killed by N)."""
    return rc


def desc_of(path):
    with open(path, errors="replace") as f:
        return f.readline().rstrip("\n")


def check_file(tap, what, path, ending, d):
    """The file is complete, holds the 5000 bytes, says how it ended; no .raw."""
    if not os.path.exists(path):
        tap.ok(False, what + ": file written", "no %s; left: %s" % (path, os.listdir(d)))
        tap.skip(what + ": peak holds the 5000 bytes kept", "no file")
        tap.skip(what + ": desc says how it ended", "no file")
        tap.skip(what + ": no raw record left", "no file")
        return
    rm.check_with_printers(tap, what + ": file complete", path)
    try:
        peak = max(s.heap for s in rm.parse(path).snapshots)
    except rm.MassifError as e:
        peak = -1
        tap.diag(str(e))
    tap.ok(peak >= 5000, what + ": peak holds the 5000 bytes kept", "peak %d" % peak)
    desc = desc_of(path)
    if ending is None:
        tap.ok("heapsnap: program" not in desc, what + ": desc says it ended normally", desc)
    else:
        tap.ok(ending in desc, what + ": desc says '%s'" % ending, desc)
    raws = [f for f in os.listdir(d) if f.endswith(".raw") or ".tmp." in f]
    tap.ok(not raws, what + ": no raw record or temporary left", str(raws))


def fresh(d):
    for f in os.listdir(d):
        p = os.path.join(d, f)
        if os.path.isdir(p) and not os.path.islink(p):
            shutil.rmtree(p)
        else:
            os.unlink(p)


def signame(n):
    return "SIG" + n


def main():
    if rm.tool_missing(PROG) or rm.tool_missing(P["launcher"]):
        print("1..0 # SKIP rec_ending or heapsnap not built")
        return
    # The last 2 of 5 * (...): the double frees' 5 results each.
    tap = rm.Tap(5 * (len(RAISED) + len(BUSY) + 6 + 2) + 6 * len(SECCOMP) + 2 + 1 + 2 + 2 + 2 + 4 + 4 + 3 + 1 + 2 + 2 + 5 + 1 + 3 + 1)
    d = tempfile.mkdtemp(prefix="rec_endings.")
    out = os.path.join(d, "m.out")
    try:
        # Each default-fatal signal, raised.
        for name in RAISED:
            sig = getattr(signal, signame(name))
            fresh(d)
            native = run([PROG, "raise", str(sig)], d).returncode
            r = run(launcher(out, [PROG, "raise", str(sig)]), d)
            what = "raise %s" % signame(name)
            tap.ok(native == -sig and r.returncode == -sig,
                   what + ": status as native", "native %d, heapsnap %d" % (native, r.returncode))
            check_file(tap, what, out, "signal %d (%s)" % (sig, signame(name)), d)

        # SIGTERM, SIGINT, SIGHUP while busy in malloc.
        for name in BUSY:
            sig = getattr(signal, signame(name))
            fresh(d)
            native, _, _ = send_when_ready([PROG, "busy"], d, sig)
            rc, _, err = send_when_ready(launcher(out, [PROG, "busy"]), d, sig)
            what = "%s while busy in malloc" % signame(name)
            tap.ok(native == -sig and rc == -sig, what + ": status as native",
                   "native %d, heapsnap %d; %s" % (native, rc, err.decode(errors="replace")))
            check_file(tap, what, out, "signal %d (%s)" % (sig, signame(name)), d)

        # Sent to the launcher's pid (a shell's $!, a supervisor's main
        # pid): meant for the program, which dies of it as natively.  They
        # killed the launcher alone, the program running on.
        for sig in (signal.SIGUSR1, signal.SIGALRM, signal.SIGRTMIN + 1):
            fresh(d)
            rc, _, err = send_when_ready(launcher(out, [PROG, "busy"]), d, sig,
                                         to_launcher=True)
            tap.ok(rc == -sig and os.path.exists(out) and
                   "signal %d" % sig in desc_of(out),
                   "signal %d sent to the launcher's pid: the program dies of it" % sig,
                   "heapsnap %d; %s" % (rc, err.decode(errors="replace")))

        # Stack overflow, abort, SIGKILL, _exit, exec.
        cases = [
            ("stack overflow", ["overflow"], -signal.SIGSEGV, "signal 11 (SIGSEGV)"),
            ("abort", ["abort"], -signal.SIGABRT, "signal 6 (SIGABRT)"),
            # Rust's handler of a thread's stack overflow: no room there
            # for our SIGABRT handler's frame (the kernel killed it with
            # SIGSEGV instead); abort() ends the record first.
            ("abort() on a 6 KiB alternate stack", ["altabort"], -signal.SIGABRT,
             "signal 6 (SIGABRT)"),
            ("_exit(7)", ["_exit", "7"], 7, None),
            ("exec /bin/true, --follow-exec=no (as Massif)", ["exec", "/bin/true"], 0, "exec"),
        ]
        # A double free, found by glibc's free, which aborts: under
        # --sample our free has lowered its guard and jumped to glibc's,
        # so the abort's handler ends the record as at any abort.
        for opts in ([], ["--sample=4K"]):
            cases.append(("double free, glibc aborts%s" % (" (--sample)" if opts else ""),
                          opts + ["doublefree"], -signal.SIGABRT, "signal 6 (SIGABRT)"))
        for what, args, want, ending in cases:
            fresh(d)
            opts = [a for a in args if a.startswith("--")]
            args = args[len(opts):]
            native = run([PROG] + args, d).returncode
            no_follow = ["--follow-exec=no"] if args[0] == "exec" else []
            r = run(launcher(out, opts + no_follow + [PROG] + args), d)
            tap.ok(native == want and r.returncode == launcher_status(want),
                   what + ": status as native",
                   "native %d, heapsnap %d; %s" % (native, r.returncode,
                                                   r.stderr.decode(errors="replace")))
            check_file(tap, what, out, ending, d)
        # seccomp: the recorder's next system call killed the program
        # (SIGKILL in strict mode, SIGSYS under a filter).  Recording now
        # ends when the program turns seccomp on: the file holds the
        # same snapshots as the program ended by _exit at that point.
        fresh(d)
        run(launcher(out, [PROG, "_exit", "0"]), d)
        ref = [x.row() for x in rm.parse(out).snapshots] if os.path.exists(out) else []
        for how, want, words in SECCOMP:
            what = "seccomp (%s)" % how
            if platform.machine() not in ("x86_64", "aarch64"):
                for _ in range(6):
                    tap.skip(what, "no system call wrappers on " + platform.machine())
                continue
            fresh(d)
            native = run([PROG, "seccomp", how], d)
            r = run(launcher(out, [PROG, "seccomp", how]), d)
            tap.ok(native.returncode == want and r.returncode == want and
                   native.stdout == r.stdout == b"sandboxed\n",
                   what + ": status and output as native",
                   "native %d %r, heapsnap %d %r; %s" % (
                       native.returncode, native.stdout, r.returncode, r.stdout,
                       r.stderr.decode(errors="replace")))
            line = ("heapsnap: the program %s: recording stopped there; %s holds the"
                    " program until then\n" % (words, out))
            rows = [x.row() for x in rm.parse(out).snapshots] if os.path.exists(out) else []
            tap.ok(wrote_only(r.stderr) == line + "heapsnap: wrote m.out\n" and
                   ref and rows == ref and ref[-1][1] == 5000,
                   what + ": one line says so; the snapshots of _exit at that point",
                   "%s; %s against %s" % (r.stderr.decode(errors="replace"), rows, ref))
            check_file(tap, what, out, "recording stopped early: the program " + words, d)
        # A sandbox that sets its filter and then execs the program: the
        # new image, traced, started the recorder under a filter that
        # refused its report (SIGSYS).  Neither it nor a followed exec is
        # recorded now; the first image's file holds what came before.
        for opts in ([], ["--trace-children=yes"]):
            what = "seccomp filter, then exec%s" % (" (traced)" if opts else "")
            if platform.machine() not in ("x86_64", "aarch64"):
                tap.skip(what, "no system call wrappers on " + platform.machine())
                continue
            fresh(d)
            argv = [PROG, "seccomp", "exec", PROG, "exit", "4"]
            native = run(argv, d)
            r = run([P["launcher"], "--massif-out-file=" + out + ".%p"] + opts + OPTS + argv, d)
            files = sorted(f for f in os.listdir(d) if not f.endswith(".series"))
            desc = desc_of(os.path.join(d, files[0])) if len(files) == 1 else ""
            tap.ok(native.returncode == r.returncode == 4 and native.stdout == r.stdout == b"out\n"
                   and len(files) == 1 and "recording stopped early: the program " + FILTER in desc,
                   what + ": status and output as native, one file, the first image's",
                   "native %d %r, heapsnap %d %r; files %s; %s" % (
                       native.returncode, native.stdout, r.returncode, r.stdout, files,
                       r.stderr.decode(errors="replace")))

        # --follow-exec (the default): the started process is recorded as
        # the program it becomes by exec, in one file under its name.
        fresh(d)
        r = run(launcher(out, [PROG, "exec", "/bin/true"]), d)
        cmd = [l for l in open(out, errors="replace")][1].rstrip("\n") \
            if os.path.exists(out) else "no file"
        tap.ok(r.returncode == 0 and cmd == "cmd: /bin/true"
               and wrote_only(r.stderr) == "heapsnap: wrote m.out\n"
               and sorted(os.listdir(d)) == ["m.out", "m.out.series"],
               "exec /bin/true followed: status 0, one file, /bin/true's",
               "%d %s; %s; %s" % (r.returncode, cmd, r.stderr.decode(errors="replace"),
                                  os.listdir(d)))
        rm.check_with_printers(tap, "exec /bin/true followed: file complete", out)
        # The program changes directory, then execs: the file stays where
        # the run began (the new image takes the handed-over path).
        fresh(d)
        os.mkdir(os.path.join(d, "sub"))
        # (A relative output name: each image would name it from its own
        # directory.)
        r = run([P["launcher"], "--massif-out-file=m.out"] + OPTS +
                ["/bin/sh", "-c", "cd sub && exec /bin/true"], d)
        cmd = [l for l in open(out, errors="replace")][1].rstrip("\n") \
            if os.path.exists(out) else "no file"
        tap.ok(r.returncode == 0 and cmd == "cmd: /bin/true" and
               os.listdir(os.path.join(d, "sub")) == [],
               "cd, then exec, followed: one file where the run began, /bin/true's",
               "%s; %s; sub: %s" % (cmd, os.listdir(d), os.listdir(os.path.join(d, "sub"))))
        # A shim's own children (forked before its exec: pyenv's subshells)
        # write no file; the program's own children do.
        fresh(d)
        # (": " last: no shell execs its last command in place then.)
        r = run(launcher(out, ["/bin/sh", "-c", "/bin/true & wait; exec /bin/sh -c "
                               "'/bin/true & wait; :'"]), d)
        files = sorted(f for f in os.listdir(d) if not f.endswith(".series"))
        kept = [f for f in files if f.startswith("m.out.")]
        tap.ok(r.returncode == 0 and "m.out" in files and len(kept) == 1 and
               "exec" in desc_of(os.path.join(d, kept[0])),
               "children forked before the exec: no file; the program's child: its file",
               "%s; %s" % (files, r.stderr.decode(errors="replace")))

        # A program the library cannot follow into (static: no preload):
        # the first image's record is kept, as written at the exec.
        fresh(d)
        r = run(launcher(out, [PROG, "exec", "/sbin/ldconfig", "--version"]), d)
        tap.ok(r.returncode == 0, "exec of a static program: status 0",
               r.stderr.decode(errors="replace"))
        check_file(tap, "exec of a static program", out, "exec", d)

        fresh(d)
        rc, _, err = send_when_ready(launcher(out, [PROG, "spin"]), d, signal.SIGKILL, 0.1)
        tap.ok(rc == -9, "SIGKILL: the launcher killed by 9 as well", "heapsnap %d" % rc)
        check_file(tap, "SIGKILL", out, "killed by signal 9 (SIGKILL)", d)

        # exit: a normal ending, and the launcher's one line.
        fresh(d)
        r = run(launcher(out, [PROG, "exit", "4"]), d)
        tap.ok(r.returncode == 4 and wrote_only(r.stderr) == "heapsnap: wrote m.out\n",
               "exit(4): status 4, one 'wrote' line", r.stderr.decode(errors="replace"))

        # closefrom(3): the channel is gone, the launcher still resolves.
        fresh(d)
        r = run(launcher(out, [PROG, "closefrom"]), d)
        tap.ok(r.returncode == 0 and wrote_only(r.stderr) == "heapsnap: wrote m.out\n",
               "closefrom(3): status 0, the launcher still says which file",
               "%d %s" % (r.returncode, r.stderr.decode(errors="replace")))
        ok, _, e = rm.ms_print_accepts(out) if os.path.exists(out) else (False, b"", b"no file")
        tap.ok(ok, "closefrom(3): the file is complete", e.decode(errors="replace"))

        # A child that outlives the launcher resolves its own record (EPIPE).
        fresh(d)
        r = run([P["launcher"], "--massif-out-file=" + os.path.join(d, "o.%p"), PROG, "orphan"], d)
        m = re.search(rb"child_pid=(\d+)", r.stdout)
        child = os.path.join(d, "o.%s" % (m.group(1).decode() if m else "?"))
        deadline = time.monotonic() + 20
        while not os.path.exists(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        tap.ok(r.returncode == 0 and os.path.exists(child),
               "a child outliving the launcher: its own resolver writes its file",
               "left %s; %s" % (os.listdir(d), r.stderr.decode(errors="replace")))
        ok, _, e = rm.ms_print_accepts(child) if os.path.exists(child) else (False, b"", b"no file")
        tap.ok(ok, "a child outliving the launcher: the file is complete", e.decode(errors="replace"))

        full_filesystem(tap, d)
        fifo_at_output(tap, d)
        pool_terminate(tap, d)
        plain_preload(tap, d)
        dlopen_runpath(tap, d)
    finally:
        shutil.rmtree(d, ignore_errors=True)


FILL = "import sys\nx=[bytearray(i) for i in range(1, 4000)]\nsys.exit(3)"


def full_filesystem(tap, d):
    """The filesystem fills up: the file is complete or absent, with a line.
    A 64 KiB tmpfs where mount is allowed, else an LD_PRELOAD shim that
    fails write() with ENOSPC after 64 KiB under the output directory."""
    mnt = os.path.join(d, "full")
    os.mkdir(mnt)
    # HS_TEST_NO_MOUNT=1 takes the shim's way even where mount works.
    m = subprocess.run(["true" if os.environ.get("HS_TEST_NO_MOUNT") else "mount", "-t", "tmpfs",
                        "-o", "size=64k", "tmpfs", mnt],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if os.environ.get("HS_TEST_NO_MOUNT"):
        m.returncode = 1
    env = None
    how = "64 KiB tmpfs"
    if m.returncode != 0:
        shim = os.path.join(d, "enospc_shim.so")
        src = os.path.join(P["srcdir"], "tests", "progs", "enospc_shim.c")
        c = subprocess.run([os.environ.get("CC", "cc"), "-shared", "-fPIC", "-O1", "-o", shim,
                            src], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if c.returncode != 0:
            for w in ("status as native", "complete or absent"):
                tap.skip("full filesystem: " + w, "no tmpfs and no shim: %s" % c.stderr[:200])
            return
        env = dict(os.environ)
        env["LD_PRELOAD"] = shim + (":" + env["LD_PRELOAD"] if env.get("LD_PRELOAD") else "")
        env["HS_ENOSPC_DIR"] = mnt
        env["HS_ENOSPC_BYTES"] = str(64 << 10)
        how = "ENOSPC shim"
    try:
        # 4000 distinct stacks fill the raw record past 64 KiB.
        out = os.path.join(mnt, "m.out")
        r = run(launcher(out, [sys.executable, "-c", FILL]), d, env=env)
        tap.ok(r.returncode == 3, "full filesystem (%s): status as native" % how, str(r.returncode))
        left = os.listdir(mnt)
        if "m.out" in left:
            ok, _, e = rm.ms_print_accepts(os.path.join(mnt, "m.out"))
            tap.ok(ok and not [f for f in left if ".tmp." in f],
                   "full filesystem (%s): the file is complete" % how, "%s %s" % (e, left))
        else:
            err = r.stderr.decode(errors="replace")
            tap.ok(not [f for f in left if ".tmp." in f] and
                   re.search(r"heapsnap: .*(No space left|cannot)", err) is not None,
                   "full filesystem (%s): no file, and a line says why" % how,
                   "%s; left %s" % (err, left))
    finally:
        if m.returncode == 0:
            subprocess.run(["umount", mnt])


def fifo_at_output(tap, d):
    """A FIFO at the output path: never blocks, stdout intact, one line.
    One there before the run is refused before it (rec_outpath.sh); this
    one is made by the program (a shell that then execs it), so it is
    found only when the file is written."""
    fresh(d)
    out = os.path.join(d, "fifo.out")
    try:
        r = run(launcher(out, ["sh", "-c", 'mkfifo "$0" && exec "$@"', out, PROG, "exit", "0"]), d)
    except subprocess.TimeoutExpired:
        tap.ok(False, "FIFO at the output: the program is not blocked")
        for w in ("status and stdout intact", "one line says why", "no raw left"):
            tap.skip("FIFO at the output: " + w, "timed out")
        return
    tap.ok(True, "FIFO at the output: the program is not blocked")
    tap.ok(r.returncode == 0 and r.stdout == b"out\n", "FIFO at the output: status and stdout intact",
           "%d %r" % (r.returncode, r.stdout))
    err = r.stderr.decode(errors="replace").splitlines()
    tap.ok(len(err) == 1 and "fifo.out" in err[0] and "wrote" not in err[0],
           "FIFO at the output: one line says why", "\n".join(err))
    tap.ok(os.path.exists(out) and not [f for f in os.listdir(d) if ".tmp." in f],
           "FIFO at the output: the FIFO is left alone, no temporary", str(os.listdir(d)))


POOL = r"""
import multiprocessing as mp, os, time
def work(i):
    keep = [bytearray(1000) for _ in range(50)]
    time.sleep(30)
if __name__ == "__main__":
    mp.set_start_method("fork")
    p = mp.Pool(3)
    p.map_async(work, range(3))
    time.sleep(1.5)
    p.terminate()
    p.join()
    print("done", flush=True)
"""


def pool_terminate(tap, d):
    """Pool(fork).terminate() SIGTERMs its workers: every file complete."""
    fresh(d)
    out = os.path.join(d, "pool.%p")
    r = run([P["launcher"], "--massif-out-file=" + out, sys.executable, "-c", POOL], d)
    tap.ok(r.returncode == 0 and r.stdout == b"done\n", "Pool.terminate: status and stdout",
           "%d %r %s" % (r.returncode, r.stdout, r.stderr.decode(errors="replace")))
    files = sorted(f for f in os.listdir(d) if re.match(r"^pool\.\d+$", f))
    bad = []
    for f in files:
        ok, _, e = rm.ms_print_accepts(os.path.join(d, f))
        if not ok:
            bad.append("%s: %s" % (f, e.decode(errors="replace")))
    tap.ok(len(files) >= 4, "Pool.terminate: a file for the parent and each worker",
           "files %s; stderr %s" % (os.listdir(d), r.stderr.decode(errors="replace")))
    tap.ok(files and not bad, "Pool.terminate: every file complete", "\n".join(bad))
    workers = [f for f in files if "signal 15 (SIGTERM)" in desc_of(os.path.join(d, f))]
    tap.ok(len(workers) >= 3, "Pool.terminate: the workers' files say SIGTERM",
           "\n".join("%s: %s" % (f, desc_of(os.path.join(d, f))) for f in files))


def plain_preload(tap, d):
    """LD_PRELOAD alone: the detached resolver writes the file."""
    fresh(d)
    env = dict(os.environ)
    env["LD_PRELOAD"] = P["preload"]
    env["HEAPSNAP_OPTIONS"] = "--massif-out-file=%s/plain.out --time-unit=B" % d
    env.pop("HEAPSNAP_REPORT_FD", None)
    start = time.monotonic()
    r = run([PROG, "exit", "6"], d, env=env)
    took = time.monotonic() - start
    tap.ok(r.returncode == 6 and r.stdout == b"out\n",
           "plain LD_PRELOAD: status and stdout as native (%.2f s)" % took,
           "%d %r" % (r.returncode, r.stderr))
    path = os.path.join(d, "plain.out")
    deadline = time.monotonic() + 20
    while not os.path.exists(path) and time.monotonic() < deadline:
        time.sleep(0.05)
    tap.ok(os.path.exists(path), "plain LD_PRELOAD: the file appears",
           "left: %s; stderr %s" % (os.listdir(d), r.stderr.decode(errors="replace")))
    if os.path.exists(path):
        ok, _, e = rm.ms_print_accepts(path)
        tap.ok(ok, "plain LD_PRELOAD: ms_print accepts it", e.decode(errors="replace"))
    else:
        tap.skip("plain LD_PRELOAD: ms_print accepts it", "no file")
    # The resolver keeps the program's stderr, so run() returns after it.
    tap.ok(b"heapsnap: wrote " + path.encode() in r.stderr,
           "plain LD_PRELOAD: the resolver says which file it wrote", r.stderr.decode(errors="replace"))
    # With -q it says nothing (it said "wrote" on the program's stderr).
    fresh(d)
    env["HEAPSNAP_OPTIONS"] = "-q " + env["HEAPSNAP_OPTIONS"]
    r = run([PROG, "exit", "6"], d, env=env)
    deadline = time.monotonic() + 20
    while not os.path.exists(path) and time.monotonic() < deadline:
        time.sleep(0.05)
    tap.ok(r.returncode == 6 and os.path.exists(path) and b"heapsnap" not in r.stderr,
           "plain LD_PRELOAD with -q: the file, and no line from the resolver",
           "%d %s %r" % (r.returncode, os.listdir(d), r.stderr))


def dlopen_runpath(tap, d):
    """dlopen("libb.so") found through the caller's RUNPATH ($ORIGIN/sub)
    works under heapsnap: dlopen is not wrapped (glibc looks at its caller),
    and the module is still named, from the map at the end."""
    fresh(d)
    cc = os.environ.get("CC", "cc")
    os.mkdir(os.path.join(d, "sub"))
    with open(os.path.join(d, "b.c"), "w") as f:
        f.write("#include <stdlib.h>\nvoid *b_alloc(void) { return malloc(3000); }\n")
    with open(os.path.join(d, "main.c"), "w") as f:
        f.write("#include <dlfcn.h>\n#include <stdio.h>\n"
                "int main(void) { void *h = dlopen(\"libb.so\", RTLD_NOW);\n"
                "  if (!h) { puts(dlerror()); return 1; }\n"
                "  void *(*f)(void) = (void *(*)(void))dlsym(h, \"b_alloc\");\n"
                "  volatile void *p = f(); (void)p; puts(\"found\"); return 0; }\n")
    a = subprocess.run([cc, "-shared", "-fPIC", "-g", "-o", os.path.join(d, "sub", "libb.so"),
                        os.path.join(d, "b.c")], stderr=subprocess.PIPE)
    b = subprocess.run([cc, "-g", "-o", os.path.join(d, "main"), os.path.join(d, "main.c"),
                        "-Wl,--enable-new-dtags,-rpath,$ORIGIN/sub", "-ldl"],
                       stderr=subprocess.PIPE)
    if a.returncode != 0 or b.returncode != 0:
        tap.skip("dlopen through the caller's RUNPATH", "cannot build: %s" % (a.stderr + b.stderr))
        return
    out = os.path.join(d, "dl.out")
    r = run(launcher(out, [os.path.join(d, "main")]), d)
    found = r.returncode == 0 and r.stdout == b"found\n" and os.path.exists(out)
    named = found and "b_alloc" in open(out, errors="replace").read()
    tap.ok(named, "dlopen through the caller's RUNPATH works, its module named",
           "%d %r %s" % (r.returncode, r.stdout, r.stderr.decode(errors="replace")))


if __name__ == "__main__":
    main()
