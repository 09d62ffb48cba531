// Leak (Rust): a Box per request is leaked (the tutorials' example), while
// each request's buffer comes and goes.  Must name create_leak, not the
// twenty frames of std's allocation wrappers under it.
struct Session {
    id: u64,
    data: [u8; 1000],
}

#[inline(never)]
fn create_leak(id: u64) -> &'static Session {
    Box::leak(Box::new(Session { id, data: [id as u8; 1000] }))
}

#[inline(never)]
fn serve(id: u64) -> usize {
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
