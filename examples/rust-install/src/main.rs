//! Counts the words of data/corpus.txt (read at run time) and prints the most frequent ones.

use std::collections::BTreeMap;

fn main() {
    let path = std::env::var("CORPUS").unwrap_or_else(|_| "data/corpus.txt".to_string());
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("cannot read {path}: {e}");
            std::process::exit(1);
        }
    };
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for w in text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
        *counts.entry(w.to_lowercase()).or_default() += 1;
    }
    let mut top: Vec<(&String, &usize)> = counts.iter().collect();
    top.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let mode = std::env::var("APP_MODE").unwrap_or_else(|_| "unset".to_string());
    println!("mode: {mode}");
    println!("words: {}", counts.values().sum::<usize>());
    for (w, n) in top.iter().take(5) {
        println!("{w}: {n}");
    }
}
