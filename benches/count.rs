//! Splits one benchmark case N times after one warm split, for instruction counts that do not
//! depend on the machine's load: `scripts/instructions.sh` runs it under callgrind with N = 0
//! and N = n, and prints (count(n) - count(0)) / n per split.
//!
//! `count CASE N`, CASE one of `small`, `typical`, `large`, `lines:100`, `lines:1000`,
//! `lines:10000` (the criterion benchmark's cases, from `cases`).

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

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let (Some(text), Some(n)) = (
        args.first().and_then(|c| case(c)),
        args.get(1).and_then(|n| n.parse::<usize>().ok()),
    ) else {
        eprintln!("usage: count small|typical|large|lines:100|lines:1000|lines:10000 N");
        return ExitCode::from(2);
    };
    let (ctx, config) = (context(), Config::default());
    let opts = Options {
        lang: None,
        runtime: None,
        config: &config,
        templates: TemplateSet::builtin(),
    };
    // The warm split, which count(0) includes: templates, allocator pages, first-use caches.
    if !matches!(dockslim::split(&text, &ctx, &opts), Ok(Outcome::Rewritten { .. })) {
        eprintln!("count: the case is not rewritten, so it would measure a refusal");
        return ExitCode::FAILURE;
    }
    for _ in 0..n {
        black_box(dockslim::split(black_box(&text), &ctx, &opts).is_ok());
    }
    ExitCode::SUCCESS
}
