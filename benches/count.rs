//! Splits one benchmark case N times after one warm split, for instruction counts that do not
//! depend on the machine's load: `scripts/instructions.sh` runs it under callgrind with N = 0
//! and N = n, and prints (count(n) - count(0)) / n per split.
//!
//! `count CASE N`, CASE one of `small`, `typical`, `large`, `lines:100`, `lines:1000`,
//! `lines:10000` (the criterion benchmark's cases, from `cases`). Without arguments (as
//! `cargo test --all-targets` runs it) it splits every case once and checks each is rewritten.

use std::hint::black_box;
use std::process::ExitCode;

use dockslim::config::Config;
use dockslim::template::TemplateSet;
use dockslim::{Options, Outcome};

mod cases;
use cases::{GROWTH, SMALL, TYPICAL, context, large, with_steps};

/// The command line's allocator, as in the criterion benchmark.
#[global_allocator]
static GLOBAL: dockslim::alloc::Mimalloc = dockslim::alloc::Mimalloc;

/// The text of case `name`.
fn case(name: &str) -> Option<String> {
    match name {
        "small" => Some(SMALL.to_string()),
        "typical" => Some(TYPICAL.to_string()),
        "large" => Some(large()),
        _ => {
            let lines: usize = name.strip_prefix("lines:")?.parse().ok()?;
            GROWTH
                .iter()
                .find(|(l, _)| *l == lines)
                .map(|(_, steps)| with_steps(*steps))
        }
    }
}

/// Every case's name.
const CASES: [&str; 6] = ["small", "typical", "large", "lines:100", "lines:1000", "lines:10000"];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    if args.is_empty() {
        let all = CASES.iter().all(|c| case(c).is_some_and(|t| rewritten(&t, 0)));
        return if all { ExitCode::SUCCESS } else { ExitCode::FAILURE };
    }
    let (Some(text), Some(n)) = (
        args.first().and_then(|c| case(c)),
        args.get(1).and_then(|n| n.parse::<usize>().ok()),
    ) else {
        eprintln!("usage: count {} N", CASES.join("|"));
        return ExitCode::from(2);
    };
    if rewritten(&text, n) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Splits `text` once (the warm split, which count(0) includes: templates, allocator pages,
/// first-use caches) and then `n` times; false when it is not rewritten, which would measure
/// a refusal.
fn rewritten(text: &str, n: usize) -> bool {
    let (ctx, config) = (context(), Config::default());
    let opts = Options {
        lang: None,
        runtime: None,
        config: &config,
        templates: TemplateSet::builtin(),
    };
    if !matches!(dockslim::split(text, &ctx, &opts), Ok(Outcome::Rewritten { .. })) {
        eprintln!("count: the case is not rewritten, so it would measure a refusal");
        return false;
    }
    for _ in 0..n {
        black_box(dockslim::split(black_box(text), &ctx, &opts).is_ok());
    }
    true
}
