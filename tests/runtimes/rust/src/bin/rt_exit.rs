// std::process::exit(3) while memory is still held: no destructor runs.
#[inline(never)]
fn hold_buffers() -> Vec<Vec<u8>> {
    (0..64).map(|i| vec![i as u8; 16384]).collect()
}

fn main() {
    let held = hold_buffers();
    println!("holding {} buffers", held.len());
    std::process::exit(3);
}
