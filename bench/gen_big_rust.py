#!/usr/bin/env python3
"""Write a large Rust program (1,500 functions over Vec, HashMap, BTreeMap,
String and VecDeque) for bench/resolve_bench, on stdout:

    bench/gen_big_rust.py > /tmp/big.rs
    rustc -C opt-level=3 -g -C codegen-units=16 -o /tmp/big_rust /tmp/big.rs
    bench/resolve_bench /tmp/big_rust
"""
N = 1500
out = ["use std::collections::{HashMap, BTreeMap, VecDeque};", "use std::fmt::Write;"]
for i in range(N):
    k = i % 5
    bits = 8 * (1 << (i % 4))
    if k == 0:
        body = f"let v: Vec<u{bits}> = (0..n as u{bits}).collect(); v.len() + {i}"
    elif k == 1:
        body = f'let mut m = HashMap::new(); for j in 0..n {{ m.insert(j, format!("{i} {{}}", j)); }} m.len()'
    elif k == 2:
        body = f'let mut s = String::new(); for j in 0..n {{ write!(s, "{{}}-{i}", j).unwrap(); }} s.len()'
    elif k == 3:
        body = f"let mut b = BTreeMap::new(); for j in 0..n {{ b.insert(j * {i}, vec![j; 3]); }} b.len()"
    else:
        body = (f"let mut d = VecDeque::new(); for j in 0..n {{ d.push_back(Box::new(j + {i})); }} "
                "d.iter().map(|x| **x).sum::<usize>()")
    out.append(f"#[inline(never)] fn f{i}(n: usize) -> usize {{ {body} }}")
out.append("fn main() { let n: usize = std::env::args().count(); let mut t = 0usize;")
out += [f" t = t.wrapping_add(f{i}(n));" for i in range(N)]
out.append(' println!("{}", t); }')
print("\n".join(out))
