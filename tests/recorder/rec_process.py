#!/usr/bin/env python3
"""rec_process: fork, exec, _exit and fatal signals under heapsnap.

tests/progs/rec_proc is run natively and under the heapsnap launcher, in an
empty directory, with the default output name (massif.out.%p).  For each
mode the exit status (or the signal) must be the native one, and the files
left must be the ones Massif leaves (checked live against Valgrind here):

  fork                  the parent's file and the child's, named with the
                        child's pid; only the child's names child_work
  forkexec, no tracing  the parent's file; the exec'd program is not
                        recorded (heapsnap may also write the forked child's
                        file just before exec, which Massif does not: if so
                        it must be valid and name rec_proc, not the new image)
  forkexec, tracing     also the exec'd program's file, named with the
                        child's pid, cmd: the exec'd program
  reuselive, tracing    the forked child puts its own close-on-exec file at
                        the live page's number, then execs rec_proc checkfd:
                        that file must not leak into the new image (exit 0)
  _exit, SIGTERM, abort one file, written before the process went away,
                        whose final snapshot holds before_death's 2500 bytes
  forkthreads           30 forks while 4 threads malloc/free non-stop: no
                        deadlock (timeout), 31 files, each child's naming
                        child_work

Every file must pass Valgrind's ms_print (and be rendered identically by
heapsnap-print once heapsnap-print renders Massif's own files identically).
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

TIMEOUT_S = 60


def run_in(d, argv):
    for f in os.listdir(d):
        os.unlink(os.path.join(d, f))
    r = subprocess.run(argv, cwd=d, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=TIMEOUT_S)
    files = {}
    for f in sorted(os.listdir(d)):
        # Each Massif file's companion series: checked with its file.
        if re.match(r"^massif\.out\.\d+\.series$", f):
            continue
        m = re.match(r"^massif\.out\.(\d+)$", f)
        files[int(m.group(1)) if m else f] = os.path.join(d, f)
    return r, files


def child_pid(stdout):
    m = re.search(rb"child_pid=(\d+)", stdout)
    return int(m.group(1)) if m else None


def functions_in_final(path):
    """Every function named in the file's last tree."""
    mf = rm.parse(path)
    names = set()
    stack = [mf.snapshots[-1].tree] if mf.snapshots[-1].tree else []
    while stack:
        n = stack.pop()
        names.add(n.function)
        stack.extend(n.children)
    return mf, names


def check_files(r_hs, files, expect):
    """expect(pid_or_name -> path, child pid) -> list of problems."""
    problems = []
    for key, path in files.items():
        if not isinstance(key, int):
            problems.append("unexpected file %s" % key)
            continue
        if not os.path.exists(path + ".series"):
            problems.append("no %s.series beside it" % os.path.basename(path))
        ok, _, err = rm.ms_print_accepts(path)
        if not ok:
            problems.append("ms_print rejects %s: %s" % (os.path.basename(path),
                                                       err.decode(errors="replace")))
        elif rm.hs_print_works() and not rm.hs_print_matches(path)[0]:
            problems.append("heapsnap-print's output differs from ms_print's on %s"
                            % os.path.basename(path))
    try:
        problems.extend(expect(files, child_pid(r_hs.stdout)))
    except (OSError, rm.MassifError, KeyError) as e:
        problems.append(repr(e))
    return problems


def expect_fork(files, cpid):
    p = []
    if cpid not in files:
        return ["no file named with the child's pid %s: %s" % (cpid, sorted(files))]
    others = [k for k in files if k != cpid]
    if len(others) != 1:
        return ["want exactly 2 files, got %s" % sorted(files)]
    _, child_fns = functions_in_final(files[cpid])
    _, parent_fns = functions_in_final(files[others[0]])
    if "child_work" not in child_fns:
        p.append("the child's file does not name child_work: %s" % sorted(child_fns))
    if "child_work" in parent_fns:
        p.append("the parent's file names child_work")
    if "parent_work" not in parent_fns:
        p.append("the parent's file does not name parent_work")
    return p


def expect_exec(tracing):
    def expect(files, cpid):
        p = []
        parents = [k for k in files if k != cpid]
        if len(parents) != 1:
            return ["want one parent file besides the child's, got %s" % sorted(files)]
        mf, fns = functions_in_final(files[parents[0]])
        if "parent_work" not in fns:
            p.append("the parent's file does not name parent_work")
        if tracing:
            if cpid not in files:
                return p + ["no file for the exec'd child %s: %s" % (cpid, sorted(files))]
            mf, fns = functions_in_final(files[cpid])
            if not mf.cmd.split()[0].endswith("rec_straight") or "main" not in fns:
                p.append("the child's file is not rec_straight's: cmd %r" % mf.cmd)
        elif cpid in files:
            mf, fns = functions_in_final(files[cpid])
            if mf.cmd.split()[0].endswith("rec_straight"):
                p.append("the exec'd program was recorded without --trace-children")
            elif not mf.cmd.split()[0].endswith("rec_proc"):
                p.append("the pre-exec child's file has cmd %r" % mf.cmd)
        return p
    return expect


def expect_reuse(files, cpid):
    """The exec'd rec_proc checkfd (its exit status says whether the
    program's own file at the live page's old number leaked into it)."""
    parents = [k for k in files if k != cpid]
    if len(parents) != 1 or cpid not in files:
        return ["want the parent's file and the exec'd child's, got %s" % sorted(files)]
    mf, _ = functions_in_final(files[cpid])
    if mf.cmd.split()[1:2] != ["checkfd"]:
        return ["the child's file is not rec_proc checkfd's: cmd %r" % mf.cmd]
    return []


def expect_one_death(files, _cpid):
    if len(files) != 1:
        return ["want one file, got %s" % sorted(files)]
    path = list(files.values())[0]
    mf, fns = functions_in_final(path)
    p = []
    if "before_death" not in fns:
        p.append("final tree does not name before_death: %s" % sorted(fns))
    if mf.snapshots[-1].heap != 2500:
        p.append("final mem_heap_B=%d, want 2500" % mf.snapshots[-1].heap)
    return p


def before_death_plus(lo, hi, what):
    """One file whose final tree names before_death and holds its 2500
    bytes plus between lo and hi bytes of what (glibc's)."""
    def expect(files, _cpid):
        if len(files) != 1:
            return ["want one file, got %s" % sorted(files)]
        mf, fns = functions_in_final(list(files.values())[0])
        p = []
        if "before_death" not in fns:
            p.append("final tree does not name before_death: %s" % sorted(fns))
        heap = mf.snapshots[-1].heap
        if not 2500 + lo <= heap < 2500 + hi:
            p.append("final mem_heap_B=%d, want 2500 plus %s" % (heap, what))
        return p
    return expect


# The idle thread's blocks are all freed; main keeps 2500 bytes, and
# glibc's few hundred bytes of thread set-up stay cached.
expect_idle_thread = before_death_plus(0, 4096, "glibc's thread set-up")
# The same with glibc's unwinder: a cancellation loads libgcc_s (4430
# bytes of the heap stay, 4398 under Massif).
expect_cancelled = before_death_plus(4096, 8192, "glibc's thread set-up and libgcc_s")


N_FORKS = 30


def expect_forks(files, _cpid):
    if len(files) != N_FORKS + 1:
        return ["want %d files, got %d" % (N_FORKS + 1, len(files))]
    with_child = 0
    for path in files.values():
        _, fns = functions_in_final(path)
        with_child += "child_work" in fns
    if with_child != N_FORKS:
        return ["%d files name child_work, want %d" % (with_child, N_FORKS)]
    return []


def main():
    paths = rm.env_paths()
    prog = os.path.join(paths["builddir"], "tests", "progs", "rec_proc")
    straight = os.path.join(paths["builddir"], "tests", "progs", "rec_straight")
    cases = [
        ("fork", [prog, "fork"], [], expect_fork),
        ("fork+exec without --trace-children", [prog, "forkexec", straight], [],
         expect_exec(False)),
        ("fork+exec with --trace-children", [prog, "forkexec", straight],
         ["--trace-children=yes"], expect_exec(True)),
        # Exit status 6: the program's own close-on-exec file, at the number
        # the live page had, leaked into the traced exec.
        ("the live page's number reused, then a traced exec",
         [prog, "reuselive", prog, "checkfd"], ["--trace-children=yes"], expect_reuse),
        ("_exit(3)", [prog, "_exit"], [], expect_one_death),
        ("SIGTERM", [prog, "sigterm"], [], expect_one_death),
        ("abort", [prog, "abort"], [], expect_one_death),
        ("return from main", [prog, "exit"], [], expect_one_death),
        ("a thread that frees, then waits", [prog, "idlethread"], [], expect_idle_thread),
        # A thread cancelled while it allocates: the recorder's write of
        # the raw record was a cancellation point, the thread ended inside
        # malloc with the recorder's lock held, and the program hung.
        ("pthread_cancel of an allocating thread", [prog, "cancel"], [], expect_cancelled),
        ("pthread_cancel of an allocating thread, --sample", [prog, "cancel"],
         ["--sample=512K"], expect_cancelled),
        ("fork x%d under 4 allocating threads" % N_FORKS,
         [prog, "forkthreads", str(N_FORKS)], [], expect_forks),
    ]
    tap = rm.Tap(2 * len(cases) + 2)
    if rm.tool_missing(paths["launcher"]) or rm.tool_missing(prog):
        for _ in range(2 * len(cases) + 2):
            tap.skip("process", "heapsnap launcher or rec_proc not built")
        return 0
    d = tempfile.mkdtemp(prefix="rec_process.")
    keep = None
    try:
        for name, argv, opts, expect in cases:
            try:
                r_native, native_files = run_in(d, argv)
                # The checks read the state at the end: the final snapshot.
                r_hs, files = run_in(d, [paths["launcher"], "--final-snapshot=yes"] + opts + argv)
            except subprocess.TimeoutExpired as e:
                tap.ok(False, "%s: exit status as native" % name, "timed out: %s" % e)
                tap.ok(False, "%s: files" % name)
                continue
            # A program killed by signal N leaves the launcher killed by N;
            # the program itself, preloaded without the launcher, must
            # still die of N (checked below).
            want = r_native.returncode
            died_as_native = True
            if r_native.returncode < 0:
                env = dict(os.environ, LD_PRELOAD=paths["preload"])
                d_pre = tempfile.mkdtemp(prefix="rec_process_preload.")
                try:
                    r_pre = subprocess.run(argv, cwd=d_pre, env=env, stdout=subprocess.PIPE,
                                           stderr=subprocess.PIPE, timeout=TIMEOUT_S)
                finally:
                    shutil.rmtree(d_pre, ignore_errors=True)
                died_as_native = r_pre.returncode == r_native.returncode
            tap.ok(r_hs.returncode == want and died_as_native and not native_files,
                   "%s: exit status as native (%d; launcher %d)" % (name, r_native.returncode,
                                                                   want),
                   "heapsnap %d, native %d, preloaded died as native: %s; stderr %r"
                   % (r_hs.returncode, r_native.returncode, died_as_native, r_hs.stderr))
            problems = check_files(r_hs, files, expect)
            if not tap.ok(not problems, "%s: files left are valid and as Massif's" % name,
                          "\n".join(problems)):
                keep = os.path.join(paths["builddir"], "tests", "rec_process-failed")
                shutil.rmtree(keep, ignore_errors=True)
                shutil.copytree(d, keep)
                tap.diag("files kept in %s" % keep)
        threads_one_by_one(tap, d, paths, prog)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    return 0


N_THREADS = 200


def munmaps(argv, d, preload=None):
    """The munmap calls of argv's process and threads (strace -f), with
    preload preloaded into it (not into strace: a recorded strace would
    hide the library from its child), not those of a resolver it starts
    (its execve's pid)."""
    log = os.path.join(d, "strace.out")
    with_lib = ["env", "LD_PRELOAD=" + preload] if preload else []
    subprocess.run(["strace", "-f", "-qq", "-e", "trace=munmap,execve", "-o", log] +
                   with_lib + argv, cwd=d, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   timeout=TIMEOUT_S)
    resolver, n = set(), 0
    for line in open(log, errors="replace"):
        # "PID call(...)", without the pid before the first clone.
        m = re.match(r"^(?:(\d+) +)?(execve|munmap)\((.*)", line)
        if m is None:
            continue
        pid, call, args = m.groups()
        if call == "execve" and "heapsnap" in args.split(",")[0]:
            resolver.add(pid)
        elif call == "munmap" and pid not in resolver:
            n += 1
    os.unlink(log)
    return n


def threads_one_by_one(tap, d, paths, prog):
    """Threads that come and go (a pool's workers, a thread per request):
    each thread's walk cache, frame buffer and contexts cache were mapped
    at its first allocation and unmapped at its exit, whose TLB shoot-down
    stops every other thread (20,000 threads: 13 s, natively 1.35 s).
    Ended threads' buffers go to the next threads now."""
    what = "%d threads one after the other" % N_THREADS
    argv = [prog, "threads", str(N_THREADS)]
    r, files = run_in(d, [paths["launcher"], "--final-snapshot=yes"] + argv)
    heap = -1
    if r.returncode == 0 and len(files) == 1:
        heap = rm.parse(list(files.values())[0]).snapshots[-1].heap
    tap.ok(r.returncode == 0 and 0 <= heap < 4096,
           what + ": status 0, one file, every block freed but glibc's thread set-up",
           "status %d, files %s, final heap %d" % (r.returncode, sorted(files), heap))
    for f in os.listdir(d):
        os.unlink(os.path.join(d, f))
    if shutil.which("strace") is None:
        tap.skip(what + ": the recorder unmaps nothing per thread", "no strace")
        return
    native = munmaps(argv, d)
    recorded = munmaps(argv, d, paths["preload"])
    tap.ok(recorded <= native + 16,
           what + ": the recorder unmaps nothing per thread (%d munmap calls, natively %d)"
           % (recorded, native), "")
    for f in os.listdir(d):
        os.unlink(os.path.join(d, f))


if __name__ == "__main__":
    sys.exit(main())
