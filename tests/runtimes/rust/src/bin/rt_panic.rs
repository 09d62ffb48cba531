// A panic in a thread, caught by join: the program goes on and exits 0.
use std::thread;

#[inline(never)]
fn build_table(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("row {}", i)).collect()
}

fn main() {
    let table = build_table(20000);
    let h = thread::spawn(|| {
        let local = build_table(1000);
        if local.len() == 1000 {
            panic!("worker gave up");
        }
        local.len()
    });
    match h.join() {
        Ok(n) => println!("worker returned {}", n),
        Err(_) => println!("worker panicked, caught by join"),
    }
    println!("table has {} rows", table.len());
}
