// Leak (Rust): a registry (HashMap<u64, String>) that grows all run and is
// dropped on a tidy shutdown at the end of main.  Must name register.
use std::collections::HashMap;


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
fn register(map: &mut HashMap<u64, String>, id: u64) {
    map.insert(id, format!("user-{:08}@registry.example.org/profile/settings", id));
}

#[inline(never)]
fn churn(i: u64) -> usize {
    if pace(i) == 1 {
        return 0;
    }
    let v: Vec<u64> = (0..(16 + i % 400)).collect();
    v.len()
}

fn main() {
    let mut map = HashMap::new();
    let mut sum = 0;
    for id in 0..600u64 {
        sum += churn(id);
        register(&mut map, id);
    }
    println!("{} {}", map.len(), sum);
    drop(map);
}
