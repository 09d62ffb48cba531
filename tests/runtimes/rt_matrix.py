#!/usr/bin/env python3
"""rt_matrix: the runtime matrix of issue 10 (TAP).

Each case runs natively, then under the build tree's heapsnap ($HS_LAUNCHER)
with a timeout, and is checked five ways:
  1. no hang: heapsnap's run keeps using CPU until it ends (a hang is a
     FAIL; the whole process group is then killed, so CI never sticks);
  2. the same stdout and exit status as natively (and the same stderr
     where the case says so: `java -version` writes only there);
  3. at least one file, every file Valgrind's ms_print accepts, no raw
     record or temporary file left, and the launcher's "wrote FILE" lines
     name each file once;
  4. heapsnap-print renders each file exactly as ms_print does;
  5. the program's own function in a peak tree (for Java and Node.js, a
     frame of the runtime's library: libjvm.so, node's own C++).

Cases: Rust (threads with channels, a panic caught by join, exit(3), a
thread's stack overflow (abort() on its 8 KiB alternate stack), and
`heapsnap --trace-children=yes cargo run`, whose exec chain writes one file,
and plain `heapsnap cargo run`, which follows cargo's exec of the program;
built once with Debian's /usr/bin/cargo and /usr/bin/rustc, offline), ripgrep, C
(pthread_getattr_np on two threads), C++ (exceptions, static destructors),
Java (a thread pool, javac at test time; java -version), Node.js
(worker_threads, Buffers), Go (cgo), Python (threads; multiprocessing with
fork, spawn and forkserver, Pool.terminate(); behind a pyenv-style shim
script), Perl, Ruby.  Rust, C++,
Java, Node.js, Go, Python and Ruby run again under --sample=64K (the "-sampled"
cases: sampling tags every block and answers C++'s operator new), with
check 5 asking instead that every file's desc: line says it is sampled.

A toolchain that is missing makes its case a SKIP that says so.  Builds are
cached under $top_builddir/tests/runtimes/cache and redone only when a
source changes.  Cases run a few at a time, the results print in order.

Known bugs (KNOWN_BUGS below) turn a case's failures into TODO only while
the run shows that bug's symptom (a hang, SIGSEGV at exit, a 0-byte file,
...); any other failure stays a FAIL.  Delete an entry once its fix is on
main.  HS_RUNTIMES_STRICT=1 ignores the table.  A run hangs when its
processes use no CPU for HS_RUNTIMES_STALL seconds (default 4: a deadlock)
or it lasts HS_RUNTIMES_TIMEOUT seconds (default 60).
"""

import concurrent.futures
import filecmp
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "recorder"))
import rec_massif as rm  # noqa: E402

PATHS = rm.env_paths()
SRC = os.path.join(PATHS["srcdir"], "tests", "runtimes")
BUILD = os.path.join(PATHS["builddir"], "tests", "runtimes")
CACHE = os.path.join(BUILD, "cache")
TIMEOUT = float(os.environ.get("HS_RUNTIMES_TIMEOUT", "60"))
STALL = float(os.environ.get("HS_RUNTIMES_STALL", "4"))
STRICT = os.environ.get("HS_RUNTIMES_STRICT", "") not in ("", "0")
# HS_RUNTIMES_ONLY=name,name: run only those cases (while working on them).
ONLY = [n for n in os.environ.get("HS_RUNTIMES_ONLY", "").split(",") if n]
JOBS = 4  # runs mostly wait (or hang); more than the 2 cores is fine

# Issue 10's bugs, fixed: a case that shows one of their symptoms again
# is a plain failure.  A bug found later that cannot be fixed at once goes
# here as (cases, test of a run's result that shows the bug, TODO text):
# its cases then report TODO while the symptom is exactly that one.
KNOWN_BUGS = []


# -------------------------------------------------------------------------
# Builds (cached in the build tree)

_builds = {}  # name -> Future of (paths, skip_reason), started by start_builds()


def start_builds(pool):
    """Start every build at once, each on its own worker: cases that need
    no build run meanwhile."""
    for name, fn in (("rust", build_rust), ("java", build_java), ("go", build_go)):
        _builds[name] = pool.submit(guarded_build, name, fn)


def guarded_build(name, fn):
    try:
        return fn()
    except Exception as e:  # a build error is reported, not raised
        return None, "FAIL: %s build: %s" % (name, e)


def once(name, fn):
    """The build's result: (paths, skip_reason)."""
    if name not in _builds:  # a single case run by hand
        _builds[name] = concurrent.futures.Future()
        _builds[name].set_result(guarded_build(name, fn))
    return _builds[name].result()


def sync_tree(src, dst):
    """Copy src into dst when they differ (the build never writes to the
    source tree, which may be read-only); returns whether anything changed."""
    changed = False
    for root, dirs, files in os.walk(src):
        rel = os.path.relpath(root, src)
        os.makedirs(os.path.join(dst, rel), exist_ok=True)
        for f in files:
            a, b = os.path.join(root, f), os.path.join(dst, rel, f)
            if not os.path.exists(b) or not filecmp.cmp(a, b, shallow=False):
                shutil.copyfile(a, b)
                changed = True
    return changed


def run_build(argv, env=None, cwd=None, timeout=600):
    r = subprocess.run(argv, env=env, cwd=cwd, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=timeout)
    if r.returncode != 0:
        raise RuntimeError("%s failed:\n%s" % (" ".join(argv),
                                                r.stdout.decode(errors="replace")[-2000:]))


def build_rust():
    cargo, rustc = "/usr/bin/cargo", "/usr/bin/rustc"
    for tool in (cargo, rustc):
        if rm.tool_missing(tool):
            return None, "no %s (Debian's cargo/rustc packages)" % tool
    crate = os.path.join(CACHE, "rust")
    target = os.path.join(CACHE, "rust-target")
    bins = {b: os.path.join(target, "release", b) for b in (
        "rt_threads", "rt_panic", "rt_exit", "rt_overflow")}
    changed = sync_tree(os.path.join(SRC, "rust"), crate)
    if changed or not all(os.path.exists(p) for p in bins.values()):
        env = dict(os.environ, RUSTC=rustc, CARGO_HOME=os.path.join(CACHE, "cargo-home"),
                   CARGO_TARGET_DIR=target, CARGO_TERM_COLOR="never")
        run_build([cargo, "build", "--release", "--offline", "--quiet"], env=env, cwd=crate)
    return bins, None


def build_java():
    javac = shutil.which("javac", path="/usr/bin:/bin")
    java = shutil.which("java", path="/usr/bin:/bin")
    if javac is None or java is None:
        return None, "no javac/java (Debian's default-jdk-headless)"
    out = os.path.join(CACHE, "java")
    src = os.path.join(SRC, "java", "RtPool.java")
    cls = os.path.join(out, "RtPool.class")
    if not os.path.exists(cls) or os.path.getmtime(cls) < os.path.getmtime(src):
        os.makedirs(out, exist_ok=True)
        run_build([javac, "-d", out, src])
    return {"java": java, "classpath": out}, None


def build_go():
    go = "/usr/bin/go"
    if rm.tool_missing(go):
        return None, "no /usr/bin/go (Debian's golang-go)"
    if shutil.which("gcc") is None:
        return None, "no gcc for cgo"
    out = os.path.join(CACHE, "go")
    src = os.path.join(SRC, "go", "rt_cgo.go")
    exe = os.path.join(out, "rt_cgo")
    if not os.path.exists(exe) or os.path.getmtime(exe) < os.path.getmtime(src):
        os.makedirs(out, exist_ok=True)
        env = dict(os.environ, GOCACHE=os.path.join(out, "gocache"),
                   GOPATH=os.path.join(out, "gopath"), GOPROXY="off", GO111MODULE="off",
                   GOFLAGS="", CGO_ENABLED="1", GOTOOLCHAIN="local")
        run_build([go, "build", "-o", exe, src], env=env, cwd=out)
    return exe, None


def prog(name):
    """A C or C++ case program built by make (check_PROGRAMS)."""
    exe = os.path.join(BUILD, name)
    return (exe, None) if not rm.tool_missing(exe) else (None, "FAIL: %s not built" % exe)


def tool(path, why):
    return (path, None) if not rm.tool_missing(path) else (None, "no %s (%s)" % (path, why))


# -------------------------------------------------------------------------
# Cases

class Case:
    def __init__(self, name, what, setup, own, compare_stderr=False, options=()):
        self.name = name
        self.options = list(options)  # heapsnap's options for this case
        self.what = what
        self.setup = setup  # work dir -> (argv, skip_reason)
        # A frame label in a peak tree; None for a sampled run, whose trees
        # are estimates (its desc: line is checked instead).
        self.own = re.compile(own) if own is not None else None
        self.compare_stderr = compare_stderr


def rust(binary):
    def setup(work):
        bins, why = once("rust", build_rust)
        return ([bins[binary]] if bins else None), why
    return setup


def cargo_run(work):
    """`cargo run` of the cached crate (already built: no rustc runs),
    which ends by exec'ing the program in cargo's process."""
    bins, why = once("rust", build_rust)
    if bins is None:
        return None, why
    return ["/usr/bin/cargo", "run", "--release", "--offline", "--quiet", "--manifest-path",
            os.path.join(CACHE, "rust", "Cargo.toml"), "--bin", "rt_exit"], None


def shim(interp, why, path):
    """A version manager's shim in front of the interpreter, as pyenv's and
    rbenv's are: a shell script that execs env, which execs it.  Recorded
    as the interpreter: the started process is followed across exec."""
    def setup(work):
        exe, reason = tool(interp, why)
        if exe is None:
            return None, reason
        bindir = os.path.join(work, "shims")
        os.makedirs(bindir)
        name = os.path.join(bindir, os.path.basename(exe))
        with open(name, "w") as f:
            f.write('#!/bin/bash\nset -e\nexec /usr/bin/env "%s" "$@"\n' % exe)
        os.chmod(name, 0o755)
        return [name, os.path.join(SRC, path)], None
    return setup


def ripgrep(work):
    rg, why = tool("/usr/bin/rg", "Debian's ripgrep")
    if rg is None:
        return None, why
    tree = os.path.join(work, "tree")
    for d in range(8):
        os.makedirs(os.path.join(tree, "d%d" % d), exist_ok=True)
        for f in range(8):
            with open(os.path.join(tree, "d%d" % d, "f%d.txt" % f), "w") as out:
                for i in range(200):
                    out.write("line %d %s\n" % (i, "needle" if (i + 7 * f + 3 * d) % 37 == 0 else "hay"))
    return [rg, "-n", "--sort", "path", "--no-config", "needle", "tree"], None


def java_pool(work):
    j, why = once("java", build_java)
    return ([j["java"], "-cp", j["classpath"], "RtPool"] if j else None), why


def java_version(work):
    j, why = once("java", build_java)
    return ([j["java"], "-version"] if j else None), why


def go_cgo(work):
    exe, why = once("go", build_go)
    return ([exe] if exe else None), why


def script(interp, why, path):
    def setup(work):
        exe, reason = tool(interp, why)
        return ([exe, os.path.join(SRC, path)] if exe else None), reason
    return setup


def c_prog(name):
    return lambda work: (lambda e: ([e[0]] if e[0] else None, e[1]))(prog(name))


PY = "/usr/bin/python3"
CASES = [
    Case("rust-threads", "Rust: threads with channels", rust("rt_threads"),
         r"\brt_threads::"),
    Case("rust-panic", "Rust: a panic caught by join", rust("rt_panic"),
         r"\brt_panic::"),
    Case("rust-exit", "Rust: std::process::exit(3)", rust("rt_exit"),
         r"\brt_exit::"),
    Case("rust-overflow", "Rust: a thread's stack overflow (abort() on its alternate stack)",
         rust("rt_overflow"), r"\brt_overflow::"),
    Case("cargo-run", "Rust: heapsnap --trace-children=yes cargo run --release", cargo_run,
         r"\brt_exit::", options=["--trace-children=yes"]),
    Case("cargo-run-followed", "Rust: heapsnap cargo run --release (cargo's exec followed)",
         cargo_run, r"\brt_exit::"),
    Case("python-shim", "Python behind a pyenv-style shim (bash, then env, exec it)",
         shim(PY, "Debian's python3", "python/rt_threads.py"), r"^_?Py[A-Z]\w*"),
    Case("ripgrep", "Rust tool: ripgrep", ripgrep, r"\(in /usr/bin/rg\)|\b(grep|ignore)::"),
    Case("c-getattr", "C: pthread_getattr_np on the main and a new thread",
         c_prog("c_getattr"), r"^getattr_keep \("),
    Case("cxx-except", "C++: exceptions and static destructors", c_prog("cxx_except"),
         r"^make_rows\(int\) \("),
    Case("java-pool", "Java: a thread pool (javac at test time)", java_pool,
         r"libjvm\.so|\bJNI_CreateJavaVM\b|\bos::malloc\b"),
    Case("java-version", "Java: java -version", java_version,
         r"libjvm\.so|\bJNI_CreateJavaVM\b|\bos::malloc\b", compare_stderr=True),
    Case("node-workers", "Node.js: worker_threads and Buffers",
         script("/usr/bin/node", "Debian's nodejs", "node/rt_workers.js"), r"\bnode::"),
    Case("go-cgo", "Go: a cgo program", go_cgo, r"^cgo_fill \("),
    Case("python-threads", "Python: threads",
         script(PY, "Debian's python3", "python/rt_threads.py"), r"^_?Py[A-Z]\w*"),
    Case("python-mp", "Python: multiprocessing fork, spawn, forkserver, Pool.terminate()",
         script(PY, "Debian's python3", "python/rt_mp.py"), r"^_?Py[A-Z]\w*"),
    Case("perl", "Perl: hashes and strings",
         script("/usr/bin/perl", "Debian's perl", "perl/rt_hash.pl"), r"^Perl_\w+"),
    Case("ruby", "Ruby: threads, hashes and strings",
         script("/usr/bin/ruby", "Debian's ruby", "ruby/rt_hash.rb"), r"^(rb|ruby)_\w+"),
]

# The same programs under --sample, the production mode: it tags every
# block and, in C++ programs, answers operator new itself.
SAMPLED = ("rust-threads", "rust-overflow", "cxx-except", "java-pool", "node-workers", "go-cgo",
           "python-threads", "python-mp", "ruby")
CASES += [Case(c.name + "-sampled", c.what + ", --sample=64K", c.setup, None,
               c.compare_stderr, c.options + ["--sample=64K"])
          for c in CASES if c.name in SAMPLED]

# The environment of every run: no colour, no backtraces, C locale; cargo
# uses Debian's rustc and the cached build.
RUN_ENV = dict(os.environ, RUST_BACKTRACE="0", NO_COLOR="1", LC_ALL="C.UTF-8",
               RUSTC="/usr/bin/rustc", CARGO_HOME=os.path.join(CACHE, "cargo-home"),
               CARGO_TARGET_DIR=os.path.join(CACHE, "rust-target"))
for _v in ("JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "NODE_OPTIONS"):
    RUN_ENV.pop(_v, None)


class Result:
    def __init__(self):
        self.skip = None
        self.error = None
        self.native = None  # (status, stdout, stderr)
        self.hung = False
        self.hs_status = None
        self.hs_stdout = b""
        self.hs_stderr = b""
        self.files = []
        self.leftovers = []
        self.seconds = 0.0


def group_cpu_ticks(pgid):
    """CPU time (clock ticks) used by the processes of group pgid, with
    the children they have reaped."""
    total = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % pid, "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid:  # fields[0] is the state (stat's 3rd)
            total += sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
    return total


def run(argv, cwd, name):
    """Run argv in its own process group; (status, out, err, hung).

    A hang is a deadlock: the group uses no CPU for STALL seconds (a busy
    or merely slow program, on a loaded machine too, keeps using some), or
    the run passes TIMEOUT.  The whole group is then killed with SIGKILL:
    a deadlocked program may ignore SIGTERM (Ruby, Java install handlers)."""
    out_path = os.path.join(cwd, name + ".stdout")
    err_path = os.path.join(cwd, name + ".stderr")
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        p = subprocess.Popen(argv, cwd=cwd, env=RUN_ENV, stdin=subprocess.DEVNULL,
                             stdout=out, stderr=err, start_new_session=True)
    start = last_change = time.monotonic()
    last_ticks, hung = -1, False
    while p.poll() is None:
        now = time.monotonic()
        ticks = group_cpu_ticks(p.pid)
        if ticks != last_ticks:
            last_ticks, last_change = ticks, now
        if now - last_change > STALL or now - start > TIMEOUT:
            hung = True
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait()
            break
        time.sleep(0.2)
    with open(out_path, "rb") as out, open(err_path, "rb") as err:
        return (None if hung else p.returncode), out.read(), err.read(), hung


def status_of(rc):
    """The shell's view of a status: 128+N after signal N (the launcher's)."""
    return 128 - rc if rc is not None and rc < 0 else rc


def run_case(case):
    r = Result()
    work = tempfile.mkdtemp(prefix="hs_rt_%s." % case.name)
    r.work = work
    t0 = time.monotonic()
    try:
        argv, why = case.setup(work)
        if argv is None:
            if why.startswith("FAIL: "):
                r.error = why[6:]
            else:
                r.skip = why
            return r
        rc, out, err, hung = run(argv, work, "native")
        if hung:
            r.error = "the native run hung (no CPU for %g s, or past %g s)" % (STALL, TIMEOUT)
            return r
        r.native = (status_of(rc), out, err)
        outdir = os.path.join(work, "out")
        os.makedirs(outdir)
        hs = [PATHS["launcher"], "--massif-out-file=" + os.path.join(outdir, "massif.out.%p")]
        hs += case.options
        rc, out, err, r.hung = run(hs + argv, work, "heapsnap")
        r.hs_status, r.hs_stdout, r.hs_stderr = status_of(rc), out, err
        names = os.listdir(outdir)
        r.files = sorted(os.path.join(outdir, f) for f in names
                         if not f.endswith(".raw") and ".tmp." not in f
                         and not f.endswith(".series"))
        # Raw records and temporary files the resolver should have removed.
        r.leftovers = sorted(f for f in names if f.endswith(".raw") or ".tmp." in f)
        r.checks = check(case, r)
    except Exception as e:  # the harness's own error: one FAIL, not a crash
        r.error = "%s: %s" % (type(e).__name__, e)
    finally:
        r.seconds = time.monotonic() - t0
    return r


def wrote_lines(stderr):
    return [l[len("heapsnap: wrote "):] for l in stderr.decode(errors="replace").splitlines()
            if l.startswith("heapsnap: wrote ")]


def peak_labels(path):
    """Every frame label of the file's peak tree (else its last detailed)."""
    mf = rm.parse(path)
    snap = mf.peak or next((s for s in reversed(mf.snapshots) if s.tree), None)
    labels = []
    stack = [snap.tree] if snap and snap.tree else []
    while stack:
        n = stack.pop()
        labels.append(n.label)
        stack.extend(n.children)
    return labels


def check(case, r):
    """The five checks: a list of (ok, description, diagnostics)."""
    res = []
    res.append((not r.hung, "no hang under heapsnap",
                "killed: no CPU used for %g s, or still running after %g s" % (STALL, TIMEOUT)))

    nat_status, nat_out, nat_err = r.native
    hs_err = b"\n".join(l for l in r.hs_stderr.split(b"\n")
                        if not l.startswith(b"heapsnap: ")) if case.compare_stderr else b""
    same = (nat_status == r.hs_status and nat_out == r.hs_stdout
            and (not case.compare_stderr or nat_err == hs_err))
    diag = ["status: native %s, heapsnap %s" % (nat_status, r.hs_status)]
    if nat_out != r.hs_stdout:
        diag.append(rm.unified_diff(nat_out.decode(errors="replace").splitlines(),
                                    r.hs_stdout.decode(errors="replace").splitlines(),
                                    "native stdout", "heapsnap stdout", limit=20))
    if case.compare_stderr and nat_err != hs_err:
        diag.append(rm.unified_diff(nat_err.decode(errors="replace").splitlines(),
                                    hs_err.decode(errors="replace").splitlines(),
                                    "native stderr", "heapsnap stderr", limit=20))
    diag.append("heapsnap stderr: " + r.hs_stderr.decode(errors="replace")[-600:])
    res.append((same, "same %s and exit status (%s) as natively"
                % ("stdout, stderr" if case.compare_stderr else "stdout", nat_status),
                "\n".join(diag)))

    bad = []
    if not r.files:
        bad.append("no file written")
    for f in r.files:
        ok, _, err = rm.ms_print_accepts(f)
        if not ok:
            bad.append("%s (%d bytes): ms_print: %s" % (os.path.basename(f), os.path.getsize(f),
                                                       err.decode(errors="replace").strip()[:200]))
    if r.leftovers:
        bad.append("left behind: %s" % ", ".join(r.leftovers))
    wrote = wrote_lines(r.hs_stderr)
    names = sorted(os.path.basename(w) for w in wrote)
    if names != sorted(os.path.basename(f) for f in r.files):
        bad.append("the launcher's 'wrote' lines %s do not name each file once: %s"
                   % (names, [os.path.basename(f) for f in r.files]))
    res.append((not bad, "ms_print accepts every file (%d), each reported once" % len(r.files),
                "\n".join(bad)))

    bad = []
    for f in r.files:
        if os.path.getsize(f) == 0:
            bad.append("%s: empty" % os.path.basename(f))
            continue
        same, a, b = rm.hs_print_matches(f)
        if not same:
            bad.append("%s:\n%s" % (os.path.basename(f), rm.unified_diff(
                a.decode(errors="replace").splitlines(),
                b.decode(errors="replace").splitlines(), "ms_print", "heapsnap-print", 20)))
    res.append((bool(r.files) and not bad, "heapsnap-print renders each file as ms_print does",
                "\n".join(bad) or "no file"))

    if case.own is None:
        bad = []
        for f in r.files:
            try:
                desc = " ".join(rm.parse(f).desc)
            except (rm.MassifError, OSError, UnicodeDecodeError) as e:
                bad.append("%s: %s" % (os.path.basename(f), str(e)[:200]))
                continue
            if "--sample=64K" not in desc or "the trees are unbiased estimates" not in desc:
                bad.append("%s: desc: %s" % (os.path.basename(f), desc[:300]))
        res.append((bool(r.files) and not bad, "every file's desc: line says it is sampled",
                    "\n".join(bad) or "no file"))
        return res
    found, why = None, []
    for f in r.files:
        try:
            found = next((l for l in peak_labels(f) if case.own.search(l)), None)
        except (rm.MassifError, OSError, UnicodeDecodeError) as e:
            why.append(str(e)[:200])
        if found:
            break
    res.append((found is not None, "own frame in the peak tree: /%s/" % case.own.pattern,
                "\n".join(why) or "no peak-tree frame matches"))
    return res


def known_bug(case, r):
    if STRICT:
        return None
    for names, symptom, text in KNOWN_BUGS:
        if case.name in names and r.native is not None:
            try:
                if symptom(r):
                    return text
            except OSError:
                pass
    return None


def main():
    if rm.tool_missing(PATHS["launcher"]):
        print("1..0 # SKIP heapsnap not built")
        return 0
    if rm.tool_missing(PATHS["ms_print"]):
        print("1..0 # SKIP no ms_print (Debian's valgrind package)")
        return 0
    if ONLY:
        CASES[:] = [c for c in CASES if c.name in ONLY]
    tap = rm.Tap(5 * len(CASES))
    start = time.monotonic()
    # Cases that wait for a build go last, so they do not hold the workers.
    order = sorted(CASES, key=lambda c: c.name.startswith(("rust", "cargo", "java", "go")))
    with concurrent.futures.ThreadPoolExecutor(max_workers=3) as builds, \
            concurrent.futures.ThreadPoolExecutor(max_workers=JOBS) as pool:
        start_builds(builds)
        futures = {c.name: pool.submit(run_case, c) for c in order}
        results = [futures[c.name].result() for c in CASES]
    for case, r in zip(CASES, results):
        head = "%s [%s]" % (case.what, case.name)
        if r.skip:
            for i in range(5):
                tap.skip(head, r.skip)
            continue
        if r.error:
            tap.ok(False, head + ": ran", r.error)
            for i in range(4):
                tap.ok(False, head + ": not checked", r.error)
            continue
        todo = known_bug(case, r)
        for k, (ok, what, diag) in enumerate(r.checks):
            if r.hung and k > 0:
                diag = "(the run hung)"  # the first check said so
            tap.ok(ok, "%s: %s" % (head, what), diag, todo=None if ok else todo)
        tap.diag("%s: %.1f s" % (case.name, r.seconds))
        shutil.rmtree(r.work, ignore_errors=True)
    tap.diag("runtime matrix: %.1f s" % (time.monotonic() - start))
    return 0


if __name__ == "__main__":
    sys.exit(main())
