//! Prints the FNV-1a hash of each argument (or of a fixed word list).

fn fnv1a(s: &str) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

fn main() {
    let mut words: Vec<String> = std::env::args().skip(1).collect();
    if words.is_empty() {
        words = ["alpine", "musl", "static"].iter().map(|s| s.to_string()).collect();
    }
    for w in &words {
        println!("{w} {:016x}", fnv1a(w));
    }
}
