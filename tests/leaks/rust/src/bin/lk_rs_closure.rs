// Leak (Rust): the leak is in a closure, so the user frame is
// lk_rs_closure::main::{closure#0} (v0 mangling): its whole name must show.
#[inline(never)]
fn run_requests<F: FnMut(u32)>(mut handler: F) {
    for i in 0..500u32 {
        let tmp = vec![i as u8; 100 + (i as usize * 131) % 2000];
        if tmp.is_empty() {
            return;
        }
        handler(i);
    }
}

fn main() {
    let mut kept: Vec<Box<[u8]>> = Vec::with_capacity(500);
    run_requests(|i| {
        kept.push(vec![i as u8; 640].into_boxed_slice());
    });
    println!("{}", kept.len());
    std::mem::forget(kept);
}
