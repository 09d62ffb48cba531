#!/usr/bin/env python3
"""raw_kinds: how many records of each kind a raw record holds, and their
bytes (doc/format-raw.md), e.g. how many snapshots a run took in all.

    bench/raw_kinds.py FILE.raw
"""
import struct
import sys

KINDS = {1: "header", 2: "context", 3: "snapshot", 4: "table", 5: "maps", 6: "unloaded",
         7: "stop", 8: "end", 9: "point", 10: "sites", 11: "sites_lost", 16: "live"}


def main(path):
    data = open(path, "rb").read()
    magic = b"heapsnap raw record 1\n"
    if not data.startswith(magic):
        sys.exit("%s: not a heapsnap raw record" % path)
    pos, counts, sizes, detailed = len(magic), {}, {}, 0
    while len(data) - pos >= 8:
        length, kind = struct.unpack_from("=II", data, pos)
        if pos + 8 + length > len(data):
            break
        name = KINDS.get(kind, "kind%d" % kind)
        counts[name] = counts.get(name, 0) + 1
        sizes[name] = sizes.get(name, 0) + 8 + length
        if kind == 3 and struct.unpack_from("=I", data, pos + 8 + 36)[0]:
            detailed += 1
        pos += 8 + length
    print(" ".join("%s=%d/%dB" % (k, counts[k], sizes[k]) for k in sorted(counts)) +
          " detailed_snapshots=%d" % detailed)


if __name__ == "__main__":
    main(sys.argv[1])
