// Leak (Rust, legacy symbol names: built without v0 mangling): a journal
// whose Vec<String> grows by push (RawVec doubles it with realloc) and
// whose entries are never dropped.  Must name Journal::append.
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
