//! Rust through the command line: the refusals (several binaries, an unknown native library,
//! and the other cases dockslim must not guess at) with their exit codes and reasons, and the
//! rewrite rules that matter most (cargo run → binary, profiles, targets, link kinds), checked
//! on the fixtures and on throw-away contexts.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples").join(name)
}

fn dockslim() -> Command {
    Command::cargo_bin("dockslim").expect("binary builds")
}

/// `split --stdout` on a directory: exit 0, the reason on stderr, the file unchanged on stdout.
fn left_as_is(dir: &Path, reason: &str) {
    let original = std::fs::read_to_string(dir.join("Dockerfile")).expect("fixture");
    dockslim()
        .args(["split", "--stdout"])
        .arg(dir)
        .assert()
        .code(0)
        .stdout(original)
        .stderr(predicate::str::contains("left as is").and(predicate::str::contains(reason)));
    dockslim()
        .args(["split", "--strict"])
        .arg(dir)
        .assert()
        .code(3)
        .stderr(predicate::str::contains(reason));
}

/// `split --stdout` on a directory: the rewrite.
fn rewrite(dir: &Path) -> String {
    let out = dockslim().args(["split", "--stdout"]).arg(dir).assert().code(0);
    String::from_utf8(out.get_output().stdout.clone()).expect("utf-8")
}

#[test]
fn several_binaries_and_nothing_picks_one() {
    left_as_is(
        &fixture("rust-several-bins"),
        "several binaries (export, import) and nothing picks one",
    );
    left_as_is(
        &fixture("rust-workspace-run-ambiguous"),
        "several binaries (billing, gateway) and nothing picks one",
    );
}

#[test]
fn unknown_native_library() {
    left_as_is(
        &fixture("rust-unknown-sys"),
        "Cargo.lock has gdal-sys, a binding to a native library whose run-time package dockslim does not know",
    );
    left_as_is(
        &fixture("rust-no-lock-unknown-dev"),
        "the build installs libpcsclite-dev and there is no Cargo.lock",
    );
}

#[test]
fn other_refusals_say_why() {
    left_as_is(&fixture("rust-cache-mount"), "is in the cache mount /app/target");
    left_as_is(
        &fixture("rust-cross-aarch64"),
        "cross-compiles for aarch64-unknown-linux-gnu",
    );
    left_as_is(&fixture("rust-shell-cmd-vars"), "needs a shell");
    left_as_is(
        &fixture("rust-postgres-distroless-asked"),
        "a glibc binary that needs libpq5 cannot run on distroless",
    );
}

#[test]
fn a_cli_runtime_request_is_honoured_or_refused() {
    // debian-slim is fine for a libpq binary; distroless is not.
    dockslim()
        .args(["split", "--stdout", "--runtime", "debian-slim"])
        .arg(fixture("rust-postgres"))
        .assert()
        .code(0)
        .stdout(predicate::str::contains("FROM debian:bookworm-slim"));
    dockslim()
        .args(["split", "--stdout", "--runtime", "distroless"])
        .arg(fixture("rust-postgres"))
        .assert()
        .code(0)
        .stderr(predicate::str::contains("cannot run on distroless"));
    // A musl binary may go to alpine of the builder's release.
    dockslim()
        .args(["split", "--stdout", "--runtime", "alpine"])
        .arg(example("rust-musl-alpine"))
        .assert()
        .code(0)
        .stdout(predicate::str::contains("FROM alpine:3.20"));
    // A glibc binary never goes to alpine.
    dockslim()
        .args(["split", "--stdout", "--runtime", "alpine"])
        .arg(example("rust-install"))
        .assert()
        .code(0)
        .stderr(predicate::str::contains("cannot run on alpine"));
}

#[test]
fn cargo_run_becomes_the_binary() {
    let out = rewrite(&example("rust-cargo-run-bin"));
    assert!(out.contains("RUN cargo build --release\n"), "{out}");
    // The binary runs where the build left it, inside the application directory that
    // crosses whole; only cargo's work directories stay behind.
    assert!(
        out.contains("COPY --from=builder /usr/src/greeter /usr/src/greeter\n"),
        "{out}"
    );
    assert!(
        out.contains("RUN rm -rf target/release/build target/release/deps target/release/incremental target/release/.fingerprint target/release/examples\n"),
        "{out}"
    );
    assert!(
        out.contains("CMD [\"/usr/src/greeter/target/release/greet\", \"--name\", \"world\"]"),
        "{out}"
    );
    assert!(!out.contains("cargo\", \"run"), "{out}");
    dockslim()
        .args(["split", "--stdout"])
        .arg(example("rust-cargo-run-bin"))
        .assert()
        .stderr(predicate::str::contains("the builder now runs `cargo build --release`"));
}

#[test]
fn debug_builds_stay_debug() {
    let out = rewrite(&example("rust-web-config"));
    assert!(out.contains("CMD [\"/srv/shop/target/debug/shop\"]"), "{out}");
    assert!(out.contains("RUN rm -rf target/debug/build"), "{out}");
    assert!(!out.contains("--release"), "{out}");
}

#[test]
fn link_kind_picks_the_runtime() {
    let cases = [
        ("rust-openssl", "FROM gcr.io/distroless/cc-debian12:latest"),
        ("rust-openssl-vendored", "FROM gcr.io/distroless/cc-debian11:latest"),
        ("rust-openssl-bullseye", "FROM debian:bullseye-slim"),
        ("rust-bullseye", "FROM gcr.io/distroless/cc-debian11:latest"),
        ("rust-target-musl", "FROM gcr.io/distroless/static-debian12:latest"),
        ("rust-cargo-config", "FROM gcr.io/distroless/static-debian12:latest"),
    ];
    for (name, from) in cases {
        let out = rewrite(&fixture(name));
        assert!(out.contains(from), "{name}: {out}");
    }
    let out = rewrite(&fixture("rust-openssl-bullseye"));
    assert!(
        out.contains("apt-get install -y --no-install-recommends libssl1.1 ca-certificates"),
        "{out}"
    );
}

#[test]
fn build_only_env_stays_in_the_builder() {
    let out = rewrite(&fixture("rust-target-dir"));
    let runtime = out.split("FROM gcr.io").nth(1).expect("runtime stage");
    assert!(runtime.contains("ENV RUST_LOG=debug"), "{out}");
    assert!(!runtime.contains("CARGO_"), "{out}");
    let out = rewrite(&example("rust-install"));
    let runtime = out.split("FROM gcr.io").nth(1).expect("runtime stage");
    assert!(!runtime.contains("RUSTFLAGS"), "{out}");
    assert!(runtime.contains("ENV APP_MODE=production"), "{out}");
}

#[test]
fn write_then_check_is_clean() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = example("rust-install");
    for f in ["Dockerfile", "Cargo.toml", "Cargo.lock"] {
        std::fs::copy(src.join(f), dir.path().join(f)).expect("copy");
    }
    std::fs::create_dir_all(dir.path().join("src")).expect("mkdir");
    std::fs::copy(src.join("src/main.rs"), dir.path().join("src/main.rs")).expect("copy");
    dockslim().args(["split", "--check"]).arg(dir.path()).assert().code(1);
    dockslim()
        .args(["split", "--write"])
        .arg(dir.path())
        .assert()
        .code(0)
        .stdout(predicate::str::contains("rewritten"));
    dockslim().args(["split", "--check"]).arg(dir.path()).assert().code(0);
    let text = std::fs::read_to_string(dir.path().join("Dockerfile")).expect("read");
    assert!(text.contains("COPY --from=builder /usr/local/cargo/bin/wordcount /usr/local/bin/wordcount"));
}

#[test]
fn a_cargo_toml_that_does_not_parse_is_a_reason_not_a_crash() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("Cargo.toml"), "[package\nname = ").expect("write");
    std::fs::write(
        dir.path().join("Dockerfile"),
        "FROM rust:1.82\nWORKDIR /app\nCOPY . .\nRUN cargo build --release\nCMD [\"./target/release/x\"]\n",
    )
    .expect("write");
    dockslim()
        .args(["split", "--stdout"])
        .arg(dir.path())
        .assert()
        .code(0)
        .stderr(predicate::str::contains("Cargo.toml does not parse"));
}

#[test]
fn a_cargo_toml_outside_the_context_is_a_reason() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("Dockerfile"),
        "FROM rust:1.82\nRUN git clone https://example.com/app /app\nWORKDIR /app\nRUN cargo build --release\nCMD [\"./target/release/app\"]\n",
    )
    .expect("write");
    dockslim()
        .args(["split", "--stdout"])
        .arg(dir.path())
        .assert()
        .code(0)
        .stderr(predicate::str::contains("is not copied from the build context"));
}
