#!/usr/bin/env python3
"""Generate random valid Massif files for the printer's differential test.

Each case is a Massif file ms_print reads without a warning (so that its
output is the reference) plus a line of ms_print options.  The files stress
what ms_print's layout depends on: random trees whose children never exceed
their parent, inline-style repeated addresses, Massif's below-threshold
aggregates, comments and blank lines anywhere, several or no peaks, missing
desc lines, all three time units, sizes and times up to 2^50, odd widths and
thresholds.  Everything comes from one seed, so a failure can be replayed:

    print_gen.py --seed 7 --count 300 --outdir DIR

writes DIR/rand-0000.massif.out ... and DIR/cases.txt, one line per case:
"<file name> <options...>".
"""
import argparse
import os
import random

FUNCS = ["main", "f", "g", "leaf", "mid", "operator new(unsigned long)",
         "std::vector<int, std::allocator<int> >::_M_realloc_insert",
         "{lambda()#1}::operator()", "strdup", "fopen@@GLIBC_2.2.5",
         "wörk_ünïcode", "fmt_%d_%s", "???", "a" * 300]
FILES = ["a.c", "b.cpp", "dl-init.c", "x/y/z.c", "100%.c"]


def rand_size(r, cap):
    """A size up to cap, spread over magnitudes."""
    if cap <= 0:
        return 0
    kind = r.random()
    if kind < 0.1:
        return 0
    if kind < 0.2:
        return cap
    bits = r.randint(0, max(1, cap.bit_length()))
    return min(cap, r.getrandbits(bits) if bits else 0)


def location(r, addr):
    fn = r.choice(FUNCS)
    form = r.random()
    if form < 0.6:
        loc = " (%s:%d)" % (r.choice(FILES), r.randint(1, 9999))
    elif form < 0.8:
        loc = " (in /usr/lib/x86_64-linux-gnu/libc.so.6)"
    elif form < 0.9:
        loc = " (in ???)"
    else:
        loc = ""
    return "0x%X: %s%s" % (addr, fn, loc)


class Gen:
    def __init__(self, r):
        self.r = r
        self.lines = []

    def noise(self):
        """Maybe emit comment or blank lines."""
        r = self.r
        while r.random() < 0.04:
            self.lines.append(r.choice(["", "   ", "\t", "# a comment",
                                        "#-----------", "  # indented",
                                        "#", "\t\f\v "]))

    def emit(self, text, comment_ok=True):
        self.noise()
        if comment_ok and self.r.random() < 0.02:
            text += " # trailing comment"
        self.lines.append(text)

    def tree(self, nbytes, depth, max_depth, mthr, indent):
        """Emit a node of nbytes and, recursively, its children."""
        r = self.r
        children = []
        if depth < max_depth and r.random() < (0.8 if depth == 0 else 0.55):
            left = nbytes
            for _ in range(r.randint(1, 5 if depth else 7)):
                if r.random() < 0.3:
                    c = left
                else:
                    c = rand_size(r, left)
                children.append(c)
                left -= c
            children.sort(reverse=True)
        if depth == 0:
            text = r.choice([
                "(heap allocation functions) malloc/new/new[], --alloc-fns, etc.",
                "(page allocation syscalls) mmap/mremap/brk, --alloc-fns, etc."])
        elif r.random() < 0.08 and not children:
            k = r.randint(1, 40)
            text = ("in 1 place, below massif's threshold (%.2f%%)" % mthr
                    if k == 1 else
                    "in %d places, all below massif's threshold (%.2f%%)"
                    % (k, mthr))
        else:
            text = location(r, r.randint(0, 2**40))
        sep = " " if r.random() < 0.97 else r.choice(["", "  ", "\t"])
        pad = indent(depth)
        # Inline frames: the same address repeated down a chain of n1 nodes.
        if depth > 0 and children and r.random() < 0.1:
            addr = r.randint(0, 2**40)
            for _ in range(r.randint(1, 3)):
                self.emit("%sn1:%s%d %s" % (pad, sep, nbytes,
                                            location(r, addr)))
                depth += 1
                pad = indent(depth)
        self.emit("%sn%d:%s%d%s%s" % (pad, len(children), sep, nbytes,
                                      "" if text.startswith(" ") else " ",
                                      text))
        for c in children:
            self.tree(c, depth + 1, max_depth, mthr, indent)


def make_file(r):
    g = Gen(r)
    unit = r.choice(["i", "ms", "B"])
    n_desc = r.choice([0, 1, 1, 1, 2, 3])
    for i in range(n_desc):
        g.emit("desc:" + r.choice([" --time-unit=%s" % unit, " (none)",
                                   "", "  --depth=5 --threshold=0.5",
                                   " --x=%d%%" % i]))
    g.emit("cmd:" + r.choice([" ./prog", " ./prog a b c", "", "   spaced  ",
                              " /bin/tést --100%"]))
    g.emit("time_unit: " + unit, comment_ok=False)
    n = r.choice([1, 1, 2, 5, 10, 30, 60, r.randint(1, 120)])
    time_scale = r.choice([0, 10, 1000, 10**6, 2**32, 10**15, 2**50])
    size_scale = r.choice([0, 100, 10**4, 10**6, 2**32, 2**40, 2**50])
    mthr = r.choice([1.0, 0.5, 40.0, 0.0])
    times = sorted(r.randint(0, time_scale) for _ in range(n))
    if r.random() < 0.1:
        times = [times[-1]] * n
    peaks = set()
    if r.random() < 0.6:
        peaks.add(r.randrange(n))
    if r.random() < 0.1:
        peaks.add(r.randrange(n))
    style = r.random()
    if style < 0.8:
        indent = lambda d: " " * d
    elif style < 0.9:
        indent = lambda d: ""
    else:
        indent = lambda d: "\t" * d + " " * (d % 2)
    # Snapshot numbers are normally positions; ms_print only echoes them,
    # except that the peak marker goes to the position equal to the peak's
    # number.  Sometimes shift or shuffle them.
    nums = list(range(n))
    if r.random() < 0.05:
        off = r.randint(-2, 3)
        nums = [max(0, x + off) for x in nums]
    elif r.random() < 0.05:
        r.shuffle(nums)
    # Numbers as Perl reads them quietly: spaces around, leading zeros.
    def num(v):
        q = r.random()
        if q < 0.01:
            return " %d" % v
        if q < 0.02:
            return "%d \t" % v
        if q < 0.03:
            return "00%d" % v
        return "%d" % v
    for i in range(n):
        heap = rand_size(r, size_scale)
        extra = rand_size(r, size_scale // 8)
        stacks = rand_size(r, size_scale // 4) if r.random() < 0.3 else 0
        kind = ("peak" if i in peaks else
                "detailed" if r.random() < 0.35 else "empty")
        g.lines.append("#-----------")
        g.emit("snapshot=" + num(nums[i]))
        g.lines.append("#-----------")
        g.emit("time=" + num(times[i]))
        g.emit("mem_heap_B=" + num(heap))
        g.emit("mem_heap_extra_B=" + num(extra))
        g.emit("mem_stacks_B=" + num(stacks))
        g.emit("heap_tree=" + kind, comment_ok=False)
        if kind != "empty":
            g.tree(heap, 0, r.choice([1, 2, 3, 5, 8]), mthr, indent)
    text = "\n".join(g.lines)
    if r.random() < 0.95:
        text += "\n"
    return text


def make_opts(r):
    opts = []
    t = r.random()
    if t < 0.15:
        opts.append("--threshold=0")
    elif t < 0.25:
        opts.append("--threshold=100")
    elif t < 0.35:
        opts.append("--threshold=%d%%" % r.randint(0, 100))
    elif t < 0.6:
        opts.append("--threshold=%s" % r.choice(
            ["0.5", "1.5", "2.25", "10", "33.333", "50", "5.", ".5", "99.99",
             "0.001", "007"]))
    if r.random() < 0.5:
        opts.append("--x=%d" % r.choice([4, 5, 6, 10, 30, 72, 100,
                                         r.randint(4, 200), 1000]))
    if r.random() < 0.5:
        opts.append("--y=%d" % r.choice([4, 5, 8, 20, 50,
                                         r.randint(4, 100), 1000]))
    r.shuffle(opts)
    return opts


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=300)
    ap.add_argument("--outdir", required=True)
    a = ap.parse_args()
    os.makedirs(a.outdir, exist_ok=True)
    with open(os.path.join(a.outdir, "cases.txt"), "w") as cases:
        for i in range(a.count):
            r = random.Random("%d/%d" % (a.seed, i))
            name = "rand-%04d.massif.out" % i
            with open(os.path.join(a.outdir, name), "w",
                      encoding="utf-8") as f:
                f.write(make_file(r))
            cases.write(" ".join([name] + make_opts(r)) + "\n")


if __name__ == "__main__":
    main()
