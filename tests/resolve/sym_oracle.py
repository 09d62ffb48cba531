#!/usr/bin/env python3
"""sym_oracle: the offline symbolizer names every program address of a
Massif file exactly as Valgrind 3.19 does.

For a Rust program (rustc -C opt-level=3 -g: Vec, HashMap, format!, a
closure, a generic and a plain method, a free function), a C++ program
(g++ -O2 -g: member functions, a nested class, a template, std::map) and
a C program whose functions carry mangled names (Rust legacy with
closures and generics, Rust v0, ".llvm.N" suffixes, C++, a name that only
looks mangled: Valgrind's demangler against ours), built non-PIE so that
an address is its file's virtual address:
  1. run it under valgrind --tool=massif;
  2. for every address of the program in the file, the frames Massif
     prints (inlined calls innermost first, then the function) must be
     those bench/resolve_bench --print gives for the address minus one
     (a return address, as the recorder takes it): the same function
     names (demangled, no Rust hash), files, lines and inline frames.
Each program is skipped when its compiler is missing.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

RUST = r"""
use std::collections::HashMap;
pub struct Holder<T> { v: Vec<T> }
impl<T: Clone> Holder<T> {
    #[inline(never)]
    pub fn grow(&mut self, x: T, n: usize) { self.v = vec![x; n]; }
}
pub struct Plain { v: Vec<u8> }
impl Plain {
    #[inline(never)]
    pub fn grow(&mut self, n: usize) { self.v = vec![1u8; n]; }
}
#[inline(never)]
fn create_leak(n: usize) -> Vec<u8> { vec![7u8; n] }
#[inline(never)]
fn make_map(n: usize) -> HashMap<usize, String> {
    let mut m = HashMap::new();
    for i in 0..n { m.insert(i, format!("value {}", i)); }
    m
}
fn main() {
    let mut h = Holder { v: Vec::new() };
    h.grow(3u8, 50000);
    let mut p = Plain { v: Vec::new() };
    p.grow(40000);
    let a = create_leak(30000);
    let m = make_map(500);
    let b: Box<dyn Fn(usize) -> Vec<u64>> = Box::new(|k| vec![1u64; k]);
    let c = b(5000);
    println!("{} {} {} {} {}", h.v.len(), p.v.len(), a.len(), m.len(), c.len());
}
"""

CXX = r"""
#include <cstdio>
#include <map>
#include <string>
#include <vector>
struct Box {
    std::vector<int> v;
    std::map<int, std::string> m;
    __attribute__((noinline)) void fill(int n)
    {
        for (int i = 0; i < n; i++) {
            v.push_back(i);
            m[i] = std::to_string(i) + "xxxxxxxxxxxxxxxxxxxxxxxx";
        }
    }
    struct Inner {
        __attribute__((noinline)) static int *make(int n) { return new int[n]; }
    };
};
template <class T> __attribute__((noinline)) T *mk(int n) { return new T[n]; }
int main()
{
    Box b;
    b.fill(300);
    int *p = Box::Inner::make(5000);
    double *d = mk<double>(3000);
    std::printf("%zu %p %p\n", b.v.size(), (void *)p, (void *)d);
}
"""


MANGLED = r"""
#include <stdio.h>
#include <stdlib.h>
#define F(id, sym, n)                                                       \
    __attribute__((noinline)) void *id(void) __asm__(sym);                 \
    __attribute__((noinline)) void *id(void) { return malloc(n); }
F(f1, "_ZN9rust_leak11create_leak17h4ad055c5697cc43cE", 1000)
F(f2, "_ZN3std2rt10lang_start28_$u7b$$u7b$closure$u7d$$u7d$17h1234567890abcdefE", 2000)
F(f3, "_ZN9hashbrown3raw21RawTable$LT$T$C$A$GT$14reserve_rehash17hdc088139f63ccfa2E"
      ".llvm.2276554211", 3000)
F(f4, "_RNvNtCs1234_3std2rt19lang_start_internal", 4000)
F(f5, "_RNvNtCs1234_3std2rt19lang_start_internal.llvm.1234567", 5000)
F(f6, "_RNvMNtCs1234_5alloc3vecINtB2_3VecpE7reserve", 6000)
F(f7, "_RNCNvCs1234_9rust_leak4main0B3_", 7000)
F(f8, "_ZNSt6vectorIiSaIiEE9push_backERKi", 8000)
F(f9, "_Rnot_mangled", 9000)
int main(void)
{
    void *p[9] = { f1(), f2(), f3(), f4(), f5(), f6(), f7(), f8(), f9() };
    printf("%p\n", p[0]);
    return 0;
}
"""


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, what, diag=None):
        self.n += 1
        print("%s %d - %s" % ("ok" if cond else "not ok", self.n, what), flush=True)
        if not cond:
            self.failed += 1
            for line in (diag or "").splitlines():
                print("# " + line)

    def skip(self, what, why):
        self.n += 1
        print("ok %d - %s # SKIP %s" % (self.n, what, why), flush=True)


def massif_frames(path):
    """{address: [frame text, ...]} of a Massif file: the lines of one node
    and the inline lines that share its address, innermost first."""
    seqs = {}
    prev, cur = None, []
    for line in open(path):
        m = re.match(r"\s*n\d+: \d+ (0x[0-9A-F]+): (.*)$", line.rstrip("\n"))
        if not m or int(m.group(1), 16) != prev:
            if prev is not None and prev not in seqs:
                seqs[prev] = cur
            prev, cur = None, []
        if m:
            prev = int(m.group(1), 16)
            cur.append(m.group(2))
    if prev is not None and prev not in seqs:
        seqs[prev] = cur
    return seqs


def our_frames(bench, binary, addrs):
    """{address: [frame text, ...]} from resolve_bench --print, for the
    addresses that lie in binary, in Massif's text form."""
    out = subprocess.run([bench, binary, "--print"] + ["%x" % (a - 1) for a in addrs],
                         capture_output=True, text=True, check=True).stdout
    frames, key = {}, None
    for line in out.splitlines():
        if not line.startswith(" "):
            key = int(line.rstrip(":"), 16) + 1
            frames[key] = []
            continue
        m = re.match(r"  (.*) \((.*):(\d+)\) in (.*)$", line)
        fn, src, num, obj = m.groups()
        if obj != binary:
            del frames[key]
            key = None
            continue
        if key is not None:
            frames[key].append("%s (%s:%s)" % (fn, src, num) if src != "-"
                               else "%s (in %s)" % (fn, obj))
    return frames


def check(tap, name, build, tmp, bench, valgrind):
    binary = os.path.join(tmp, name)
    try:
        build(binary)
    except (OSError, subprocess.CalledProcessError) as e:
        tap.ok(False, "%s: builds" % name, str(e))
        return
    out = binary + ".massif"
    subprocess.run([valgrind, "-q", "--tool=massif", "--massif-out-file=" + out, binary],
                   stdout=subprocess.DEVNULL, check=True)
    vg = massif_frames(out)
    ours = our_frames(bench, binary, sorted(vg))
    tap.ok(len(ours) >= 5, "%s: at least 5 program addresses in Massif's file (%d)"
           % (name, len(ours)))
    bad = ["%#x\n  massif: %s\n  ours:   %s" % (a, vg[a], ours[a])
           for a in sorted(ours) if vg[a] != ours[a]]
    tap.ok(not bad, "%s: every program address named as Massif names it" % name,
           "\n".join(bad))


def main():
    top = os.environ.get("top_builddir", ".")
    bench = os.path.join(top, "bench", "resolve_bench")
    valgrind = os.environ.get("VALGRIND") or shutil.which("valgrind")
    print("1..6", flush=True)
    tap = Tap()
    rustc = shutil.which("rustc", path="/usr/bin") or shutil.which("rustc")
    gxx = shutil.which("g++")
    gcc = shutil.which("gcc")
    with tempfile.TemporaryDirectory() as tmp:
        def build_rust(binary):
            src = binary + ".rs"
            with open(src, "w") as f:
                f.write(RUST)
            subprocess.run([rustc, "-C", "opt-level=3", "-g", "-C", "relocation-model=static",
                            "-o", binary, src], check=True, capture_output=True)

        def build_cxx(binary):
            src = binary + ".cc"
            with open(src, "w") as f:
                f.write(CXX)
            subprocess.run([gxx, "-O2", "-g", "-no-pie", "-o", binary, src], check=True,
                           capture_output=True)

        def build_mangled(binary):
            src = binary + ".c"
            with open(src, "w") as f:
                f.write(MANGLED)
            subprocess.run([gcc, "-O0", "-g", "-no-pie", "-o", binary, src], check=True,
                           capture_output=True)

        for name, build, tool in (("rust_names", build_rust, rustc),
                                  ("cxx_names", build_cxx, gxx),
                                  ("mangled_names", build_mangled, gcc)):
            if not valgrind or not tool:
                why = "no valgrind" if not valgrind else "no compiler"
                tap.skip("%s: at least 5 program addresses" % name, why)
                tap.skip("%s: every program address named as Massif names it" % name, why)
                continue
            check(tap, name, build, tmp, bench, valgrind)
    return 1 if tap.failed else 0


if __name__ == "__main__":
    sys.exit(main())
