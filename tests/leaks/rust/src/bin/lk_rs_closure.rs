// Leak (Rust): the leak is in a closure, so the user frame is
// lk_rs_closure::main::{closure#0} (v0 mangling): its whole name must show.

// A fixed amount of work between requests, as lk_common.h's pace() (fewer
// steps: the dev profile's loop is slower): time in ms follows the requests.
#[inline(never)]
fn pace(i: u64) -> u64 {
    let mut x = i;
    for _ in 0..3000 {
        x = x.wrapping_mul(1103515245).wrapping_add(12345);
    }
    x
}

#[inline(never)]
fn run_requests<F: FnMut(u32)>(mut handler: F) {
    for i in 0..500u32 {
        if pace(i as u64) == 1 {
            return;
        }
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
