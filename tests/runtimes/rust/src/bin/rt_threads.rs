// Threads with channels: four workers build vectors and send their sums.
use std::sync::mpsc;
use std::thread;

#[inline(never)]
fn fill_block(seed: u64, len: usize) -> Vec<u64> {
    (0..len as u64).map(|i| i * seed).collect()
}

#[inline(never)]
fn worker(id: u64, tx: mpsc::Sender<(u64, u64)>) {
    let mut kept = Vec::new();
    for round in 0..20 {
        kept.push(fill_block(id + round, 4096));
    }
    let sum: u64 = kept.iter().map(|v| v.iter().sum::<u64>()).sum();
    tx.send((id, sum)).unwrap();
}

fn main() {
    let (tx, rx) = mpsc::channel();
    let handles: Vec<_> = (0..4)
        .map(|id| {
            let tx = tx.clone();
            thread::spawn(move || worker(id, tx))
        })
        .collect();
    drop(tx);
    let mut results: Vec<(u64, u64)> = rx.iter().collect();
    for h in handles {
        h.join().unwrap();
    }
    results.sort();
    for (id, sum) in results {
        println!("worker {} sum {}", id, sum);
    }
}
