// A leak behind a wrapper, as Rust's guides show it: the wrapper is an
// --alloc-fn given by its demangled name (no hash), as with Massif.
#[inline(never)]
fn make_buf(n: usize) -> Vec<u8> {
    vec![1u8; n]
}

#[inline(never)]
fn create_leak(keep: &mut Vec<Vec<u8>>) {
    keep.push(make_buf(4096));
}

fn main() {
    let mut keep = Vec::new();
    for _ in 0..200 {
        create_leak(&mut keep);
    }
    println!("{}", keep.len());
}
