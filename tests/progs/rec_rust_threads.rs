use std::sync::mpsc;
use std::thread;

fn build(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("item {}", i)).collect()
}

fn main() {
    let (tx, rx) = mpsc::channel();
    let workers: Vec<_> = (0..3)
        .map(|w| {
            let tx = tx.clone();
            thread::spawn(move || {
                let v = build(100 * (w + 1));
                tx.send(v.len()).unwrap();
            })
        })
        .collect();
    drop(tx);
    for w in workers {
        w.join().unwrap();
    }
    let total: usize = rx.iter().sum();
    let keep = build(1000);
    println!("total {} kept {}", total, keep.len());
}
