// Leak (Rust): a Box per request is leaked (the tutorials' example), while
// each request's buffer comes and goes.  Must name create_leak, not the
// twenty frames of std's allocation wrappers under it.
struct Session {
    id: u64,
    data: [u8; 1000],
}


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
fn create_leak(id: u64) -> &'static Session {
    Box::leak(Box::new(Session { id, data: [id as u8; 1000] }))
}

#[inline(never)]
fn serve(id: u64) -> usize {
    if pace(id) == 1 {
        return 0;
    }
    let buf = vec![id as u8; 200 + (id as usize * 7919) % 3000];
    buf.len()
}

fn main() {
    let mut sum = 0u64;
    for id in 0..500u64 {
        sum += serve(id) as u64;
        let s = create_leak(id);
        sum += s.id + s.data[0] as u64;
    }
    println!("{}", sum);
}
