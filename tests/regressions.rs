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

// Bugs found in the language modules, the planner and detection (src/lang/*, src/plan.rs,
// src/detect.rs) by the corpus, the fixtures and the fuzzer: each test states the right
// behaviour (they were ignored until fixed).

fn go_context() -> MemContext {
    MemContext::new()
        .with("go.mod", "module example.com/app\n\ngo 1.22\n")
        .with("main.go", "package main\n\nfunc main() {}\n")
}

fn split_go(text: &str) -> Outcome {
    let config = Config::default();
    let opts = Options {
        lang: None,
        runtime: None,
        config: &config,
        templates: TemplateSet::builtin(),
    };
    dockslim::split(text, &go_context(), &opts).expect("no error")
}

/// src/lang/go.rs: a development image that installs a hot-reload tool with `go install
/// tool@version` and runs it (`air`, `CompileDaemon`) is split into distroless with only the
/// tool copied over; the tool rebuilds the sources with the Go toolchain at run time, so the
/// slim image cannot work. It should be left as is. (Corpus: two real files do this.)
#[test]
fn go_install_of_a_dev_tool_that_runs_the_sources_is_left_as_is() {
    let text = "FROM golang:1.23-alpine3.21 as builder\nWORKDIR /app\nCOPY go.mod go.sum ./\n\
                RUN go mod download && go mod verify\nCOPY . .\n\
                RUN go install github.com/air-verse/air@latest\nCMD [\"air\", \"-c\", \".air.toml\"]\n";
    match split_go(text) {
        Outcome::LeftAsIs(_) => {}
        Outcome::Rewritten { text, .. } => panic!("split a dev image:\n{text}"),
    }
}

/// src/plan.rs: a builder pinned to a platform (`FROM --platform=linux/amd64 golang`) builds
/// an amd64 binary, but the runtime stage is written without the platform, so on an arm64
/// host it pulls an arm64 runtime and the binary fails with "exec format error". The runtime
/// FROM should carry the same explicit platform.
#[test]
fn explicit_platform_is_kept_on_the_runtime_stage() {
    let text = "FROM --platform=linux/amd64 golang:1.22\nWORKDIR /src\nCOPY . .\n\
                RUN go build -o /server .\nCMD [\"/server\"]\n";
    let Outcome::Rewritten { text, .. } = split_go(text) else {
        panic!("not rewritten")
    };
    let runtime = text
        .lines()
        .filter(|l| l.starts_with("FROM "))
        .nth(1)
        .unwrap_or_default();
    assert!(runtime.contains("--platform=linux/amd64"), "{runtime}");
}

/// src/plan.rs / src/lang/go.rs: `COPY <<EOF /etc/app.conf` writes a config file into the
/// builder that the program reads at run time; the runtime stage does not get it.
#[test]
fn copy_heredoc_config_reaches_the_runtime_stage() {
    let text = "FROM golang:1.22\nWORKDIR /src\nCOPY <<EOF /etc/app.conf\nport=8080\nEOF\n\
                COPY . .\nRUN go build -o /server .\nCMD [\"/server\"]\n";
    let Outcome::Rewritten { text, .. } = split_go(text) else {
        panic!("not rewritten")
    };
    let runtime = text.split("\nFROM ").nth(1).unwrap_or_default();
    assert!(runtime.contains("/etc/app.conf"), "{text}");
}

/// src/detect.rs: `glob_match` backtracked exponentially on a pattern with many `*` that
/// does not match, so a COPY source like `packa*****…@*****…ge.json` next to a package.json
/// hung dockslim (a pre-commit hook would never return); fixed in 31c44be. Found by the fuzzer (input in
/// tests/regressions/glob-many-stars-timeout.Dockerfile, which holds NUL bytes the file
/// edge refuses; the Node.js case below is plain text). Collapsing runs of `*` and
/// matching with one backtrack point (or a table) makes it linear.
#[test]
fn copy_source_with_many_stars_does_not_hang() {
    let stars = "*".repeat(30);
    let text = format!(
        "FROM node:20\nWORKDIR /app\nCOPY packa{stars}@{stars}ge.json ./\nRUN npm ci\nCOPY . .\n\
         CMD [\"node\", \"dist/index.js\"]\n"
    );
    let fuzz_input = String::from_utf8(
        std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/regressions/glob-many-stars-timeout.Dockerfile"),
        )
        .unwrap(),
    )
    .unwrap();
    for text in [text, fuzz_input] {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || tx.send(check(&text)));
        match rx.recv_timeout(std::time::Duration::from_secs(5)) {
            Ok(r) => r.unwrap(),
            Err(_) => panic!("split took more than 5 s"),
        }
    }
}
