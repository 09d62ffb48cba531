// A thread overflows its stack.  Rust's handler prints "thread '...' has
// overflowed its stack" and calls abort() on the thread's small alternate
// stack, where a signal handler of heapsnap's found no room: SIGABRT
// natively, and it must stay SIGABRT, with the rows kept before it
// recorded.
#[inline(never)]
fn keep_rows() -> Vec<Vec<u8>> {
    (0..100).map(|i| vec![i as u8; 4096]).collect()
}

#[inline(never)]
fn deep(n: u64) -> u64 {
    let pad = [n as u8; 512];
    // A volatile read keeps the frame and the recursion (no tail call).
    unsafe { std::ptr::read_volatile(&pad[0]) };
    if n == 0 {
        0
    } else {
        deep(n - 1) + pad[(n % 512) as usize] as u64
    }
}

fn main() {
    let rows = keep_rows();
    println!("kept {} rows", rows.len());
    let thread = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(|| deep(u64::MAX))
        .unwrap();
    let depth = thread.join();
    println!("not reached: {:?} {}", depth.is_ok(), rows.len());
}
