// Leak (Rust, legacy symbol names: built without v0 mangling): a journal
// whose Vec<String> grows by push (RawVec doubles it with realloc) and
// whose entries are never dropped.  Must name Journal::append.

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

struct Journal {
    lines: Vec<String>,
}

impl Journal {
    #[inline(never)]
    fn append(&mut self, i: u32) {
        self.lines.push(format!("{:08}: request served, {} bytes", i, i * 37));
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
    let mut journal = Journal { lines: Vec::new() };
    let mut sum = 0;
    for i in 0..800u32 {
        sum += scratch(i);
        journal.append(i);
    }
    println!("{} {}", journal.lines.len(), sum);
    std::mem::forget(journal);
}
