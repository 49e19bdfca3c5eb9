//! Benchmarks: parsing and the whole split, on a small, a typical and a large Dockerfile.
//! `cargo bench --bench split`; scripts/bench.sh compares the command line with hadolint.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dockslim::config::Config;
use dockslim::context::MemContext;
use dockslim::template::TemplateSet;
use dockslim::{Options, Outcome};

/// The command line's allocator, so the in-process figures are the command's.
#[global_allocator]
static GLOBAL: dockslim::alloc::Mimalloc = dockslim::alloc::Mimalloc;

/// 5 lines: the smallest real split.
const SMALL: &str = "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\nCMD [\"/app\"]\n";

/// ~30 lines, as real single-stage Dockerfiles look: directive, comments, apk, module
/// download, ENV, EXPOSE, HEALTHCHECK, USER.
const TYPICAL: &str = r#"# syntax=docker/dockerfile:1
# Build and run the API server.
FROM golang:1.22-alpine

# Tools the build needs.
RUN apk add --no-cache git ca-certificates tzdata

ENV GO111MODULE=on \
    GOPROXY=https://proxy.golang.org,direct
ENV APP_ENV production

WORKDIR /app

# Dependencies first, for the layer cache.
COPY go.mod go.sum ./
RUN go mod download

COPY . .

# The binary.
RUN go build -ldflags="-s -w" -o /app/server .

EXPOSE 8080
LABEL org.opencontainers.image.source="https://example.com/app"
HEALTHCHECK --interval=30s --timeout=3s CMD ["/app/server", "-healthcheck"]

USER 65532:65532
CMD ["/app/server", "-port", "8080"]
"#;

/// ~1,000 lines: the typical file with a long tail of setup steps in the builder.
fn large() -> String {
    with_steps(240)
}

/// The typical file with `steps` setup steps of 4 lines each (a comment, a RUN over two lines,
/// an ENV) in the builder.
fn with_steps(steps: usize) -> String {
    let mut setup = String::new();
    for i in 0..steps {
        setup.push_str(&format!(
            "# step {i}\nRUN echo \"setting up {i}\" && \\\n    mkdir -p /opt/step{i}\nENV STEP_{i}=done\n"
        ));
    }
    TYPICAL.replace("WORKDIR /app\n", &format!("{setup}WORKDIR /app\n"))
}

fn context() -> MemContext {
    MemContext::new()
        .with("go.mod", "module example.com/app\n\ngo 1.22\n")
        .with("go.sum", "")
        .with("main.go", "package main\n\nfunc main() {}\n")
}

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
    for (lines, steps) in [(100, 18), (1_000, 243), (10_000, 2_493)] {
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
