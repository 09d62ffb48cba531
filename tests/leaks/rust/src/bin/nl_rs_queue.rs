// Not a leak (Rust): a VecDeque of Strings kept at 100 messages, and a
// scratch Vec per message.  After the first tenth of the run nothing grows.
use std::collections::VecDeque;


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
fn enqueue(queue: &mut VecDeque<String>, i: u32) {
    queue.push_back(format!("message {:08}: a payload long enough for the heap", i));
    if queue.len() > 100 {
        queue.pop_front();
    }
}

#[inline(never)]
fn scratch(i: u32) -> usize {
    if pace(i as u64) == 1 {
        return 0;
    }
    let v = vec![i as u8; 64 + (i as usize * 7919) % 3000];
    v.len()
}

fn main() {
    let mut queue = VecDeque::with_capacity(128);
    let mut sum = 0;
    for i in 0..1500u32 {
        sum += scratch(i);
        enqueue(&mut queue, i);
    }
    println!("{} {}", queue.len(), sum);
}
