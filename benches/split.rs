//! Benchmarks: parsing and the whole split, on a small, a typical and a large Dockerfile.
//! `cargo bench --bench split`; scripts/bench.sh compares the command line with hadolint.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dockslim::config::Config;
use dockslim::template::TemplateSet;

mod cases;
use cases::{GROWTH, SMALL, TYPICAL, context, large, with_steps};
use dockslim::{Options, Outcome};

/// The command line's allocator, so the in-process figures are the command's.
#[global_allocator]
static GLOBAL: dockslim::alloc::Mimalloc = dockslim::alloc::Mimalloc;

fn benches(c: &mut Criterion) {
    let large = large();
    let cases = [("small", SMALL), ("typical", TYPICAL), ("large", large.as_str())];
    let ctx = context();
    let config = Config::default();
    let opts = Options {
        lang: None,
        runtime: None,
        config: &config,
        templates: TemplateSet::builtin(),
    };
    for (name, text) in cases {
        // Every case must be a real rewrite, or the numbers measure a refusal.
        assert!(
            matches!(dockslim::split(text, &ctx, &opts), Ok(Outcome::Rewritten { .. })),
            "{name} is not rewritten"
        );
    }

    let mut parse = c.benchmark_group("parse");
    for (name, text) in cases {
        parse.throughput(Throughput::Elements(1));
        parse.bench_function(name, |b| {
            b.iter(|| dockslim::parse::parse(black_box(text)).map(|d| d.spans.len()))
        });
    }
    parse.finish();

    let mut split = c.benchmark_group("split");
    for (name, text) in cases {
        split.throughput(Throughput::Elements(1));
        split.bench_function(name, |b| b.iter(|| dockslim::split(black_box(text), &ctx, &opts)));
    }
    split.finish();

    // How the cost grows with the file's length: 100, 1,000 and 10,000 lines.
    let mut growth = c.benchmark_group("growth");
    growth.sample_size(20);
    for (lines, steps) in GROWTH {
        let text = with_steps(steps);
        assert!(
            (lines * 9 / 10..=lines * 11 / 10).contains(&text.lines().count()),
            "{lines} lines: {}",
            text.lines().count()
        );
        assert!(matches!(
            dockslim::split(&text, &ctx, &opts),
            Ok(Outcome::Rewritten { .. })
        ));
        growth.throughput(Throughput::Elements(1));
        growth.bench_function(lines.to_string(), |b| {
            b.iter(|| dockslim::split(black_box(&text), &ctx, &opts))
        });
    }
    growth.finish();
}

criterion_group!(split_benches, benches);
criterion_main!(split_benches);
