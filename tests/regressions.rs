//! Regression tests: inputs that once crashed the fuzz target (`fuzz/`, see
//! docs/robustness.md). Each file under `tests/regressions/` goes through the same checks
//! as the fuzz target: no panic, and a rewrite is a two-stage file that a second split
//! leaves alone.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use dockslim::config::Config;
use dockslim::context::MemContext;
use dockslim::template::TemplateSet;
use dockslim::{Options, Outcome, Skip};

/// The fuzz target's context: a Go, a Rust and a Node.js project at once.
fn fuzz_context() -> MemContext {
    MemContext::new()
        .with("go.mod", "module example.com/app\n\ngo 1.22\n")
        .with("main.go", "package main\n\nfunc main() {}\n")
        .with("Cargo.toml", "[package]\nname = \"app\"\nversion = \"0.1.0\"\n")
        .with("src/main.rs", "fn main() {}\n")
        .with(
            "package.json",
            "{\"name\":\"app\",\"scripts\":{\"build\":\"tsc\",\"start\":\"node dist/index.js\"}}\n",
        )
        .with("package-lock.json", "{}\n")
}

/// Runs the fuzz target's checks on `text`; `Err` names what went wrong.
fn check(text: &str) -> Result<(), String> {
    let ctx = fuzz_context();
    let config = Config::default();
    let opts = Options {
        lang: None,
        runtime: None,
        config: &config,
        templates: TemplateSet::builtin(),
    };
    let first = catch_unwind(AssertUnwindSafe(|| dockslim::split(text, &ctx, &opts)))
        .map_err(|_| "split panicked".to_string())?;
    if let Ok(Outcome::Rewritten { text: new, .. }) = first {
        if text.starts_with('\u{feff}') != new.starts_with('\u{feff}') {
            return Err("BOM changed".into());
        }
        let second = catch_unwind(AssertUnwindSafe(|| dockslim::split(&new, &ctx, &opts)))
            .map_err(|_| "second split panicked".to_string())?;
        match second {
            Ok(Outcome::LeftAsIs(Skip::MultiStage(2))) => {}
            other => return Err(format!("second split did something: {other:?}")),
        }
    }
    Ok(())
}

fn case(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/regressions")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `CMD ["cargo", "run", "--release"]` as the last instruction, with `ARG` and `COPY . .`
/// (found on the first fuzz run: a real Dockerfile from the corpus). The Rust module asked
/// for the line of an instruction index one past the end.
#[test]
fn rust_cargo_run_release_arg() {
    check(&case("rust-cargo-run-release-arg.Dockerfile")).unwrap();
}
