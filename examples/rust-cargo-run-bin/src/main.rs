//! Greets whoever `--name` names, in the words of $GREETING.

use std::env;

fn main() {
    let args: Vec<String> = env::args().skip(1).collect();
    let mut name = String::from("stranger");
    let mut i = 0;
    while i < args.len() {
        if args[i] == "--name" {
            if let Some(n) = args.get(i + 1) {
                name = n.clone();
            }
            i += 1;
        }
        i += 1;
    }
    let greeting = env::var("GREETING").unwrap_or_else(|_| "Hi".to_string());
    let exe = env::current_exe()
        .ok()
        .and_then(|p| p.file_name().map(|f| f.to_string_lossy().into_owned()))
        .unwrap_or_default();
    println!("{greeting}, {name}!");
    println!("binary: {exe}");
    println!("args: {}", args.len());
}
