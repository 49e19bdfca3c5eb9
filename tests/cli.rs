//! Command-line tests: every flag and exit code of `dockslim split`, config discovery, colour,
//! and proof that the printed diff applies with `git apply` and `patch -p1` to the same bytes
//! `--write` produces.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command as Std;

use assert_cmd::Command;
use predicates::prelude::*;
use tempfile::TempDir;

const SEED_B: &str =
    "FROM golang:1.22\nWORKDIR /work/app\nCOPY main.go go.mod ./\nRUN go mod tidy\nRUN go build .\nCMD [\"./main\"]\n";

fn dockslim() -> Command {
    let mut c = Command::cargo_bin("dockslim").expect("binary built");
    c.env_remove("NO_COLOR");
    c
}

/// A temp dir holding a Go project (case B of SEEDS.md).
fn go_project() -> TempDir {
    let dir = TempDir::new().expect("tempdir");
    fs::write(dir.path().join("Dockerfile"), SEED_B).unwrap();
    fs::write(dir.path().join("go.mod"), "module main\n\ngo 1.22\n").unwrap();
    fs::write(
        dir.path().join("main.go"),
        "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"Hello, playground\") }\n",
    )
    .unwrap();
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap().flatten() {
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            fs::copy(e.path(), target).unwrap();
        }
    }
}

#[test]
fn default_prints_a_diff_and_exits_0() {
    let p = go_project();
    dockslim()
        .current_dir(p.path())
        .arg("split")
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with("--- a/Dockerfile\n+++ b/Dockerfile\n@@"))
        .stdout(predicate::str::contains(
            "+FROM gcr.io/distroless/static-debian12:latest\n",
        ))
        .stdout(predicate::str::contains(
            "-RUN go build .\n+RUN CGO_ENABLED=0 go build .\n",
        ))
        .stderr(predicate::str::contains(
            "Dockerfile: golang:1.22 -> gcr.io/distroless/static-debian12:latest",
        ));
    assert_eq!(
        fs::read_to_string(p.path().join("Dockerfile")).unwrap(),
        SEED_B,
        "diff mode never writes"
    );
}

#[test]
fn directory_argument_and_paths_relative_to_cwd() {
    let p = go_project();
    fs::create_dir(p.path().join("svc")).unwrap();
    for f in ["Dockerfile", "go.mod", "main.go"] {
        fs::rename(p.path().join(f), p.path().join("svc").join(f)).unwrap();
    }
    dockslim()
        .current_dir(p.path())
        .args(["split", "svc"])
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with(
            "--- a/svc/Dockerfile\n+++ b/svc/Dockerfile\n",
        ));
}

#[test]
fn containerfile_in_a_directory() {
    let p = go_project();
    fs::rename(p.path().join("Dockerfile"), p.path().join("Containerfile")).unwrap();
    dockslim()
        .current_dir(p.path())
        .args(["split", "."])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("+++ b/Containerfile"));
}

#[test]
fn write_then_check_is_clean() {
    let p = go_project();
    dockslim()
        .current_dir(p.path())
        .args(["split", "--check"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("+FROM "));
    dockslim()
        .current_dir(p.path())
        .args(["split", "-w"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "Dockerfile: rewritten: golang:1.22 -> gcr.io/distroless/static-debian12:latest",
        ))
        .stdout(predicate::str::contains("runs as root; carried /work/app;"));
    let written = fs::read_to_string(p.path().join("Dockerfile")).unwrap();
    assert!(written.contains("FROM golang:1.22 AS builder\n"));
    dockslim()
        .current_dir(p.path())
        .args(["split", "--check"])
        .assert()
        .code(0)
        .stdout("")
        .stderr(predicate::str::contains(
            "nothing to change: already multi-stage (2 stages)",
        ));
    assert_eq!(fs::read_to_string(p.path().join("Dockerfile")).unwrap(), written);
}

#[test]
fn stdout_prints_the_whole_new_file() {
    let p = go_project();
    let out = dockslim()
        .current_dir(p.path())
        .args(["split", "--stdout"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("FROM golang:1.22 AS builder\n"));
    assert!(
        text.ends_with("COPY --from=builder /work/app /work/app\nCMD [\"./main\"]\n"),
        "{text}"
    );
}

#[test]
fn runtime_override() {
    let p = go_project();
    for (rt, image) in [
        ("alpine", "alpine:3.20"),
        ("debian-slim", "debian:bookworm-slim"),
        ("distroless", "gcr.io/distroless/static-debian12:latest"),
    ] {
        dockslim()
            .current_dir(p.path())
            .args(["split", "--stdout", "--runtime", rt])
            .assert()
            .code(0)
            .stdout(predicate::str::contains(format!("\nFROM {image}\n")));
    }
    dockslim()
        .current_dir(p.path())
        .args(["split", "--stdout", "--runtime", "scratch"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("\nFROM scratch\n"))
        .stdout(predicate::str::contains(
            "COPY --from=builder /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt\n",
        ));
    dockslim()
        .current_dir(p.path())
        .args(["split", "--runtime", "busybox"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("invalid value 'busybox'"));
}

#[test]
fn cgo_refuses_a_runtime_without_libc() {
    let p = go_project();
    fs::write(
        p.path().join("go.mod"),
        "module main\n\ngo 1.22\n\nrequire github.com/mattn/go-sqlite3 v1.14.22\n",
    )
    .unwrap();
    dockslim()
        .current_dir(p.path())
        .args(["split", "--runtime", "scratch"])
        .assert()
        .code(0)
        .stdout("")
        .stderr(predicate::str::contains("Dockerfile: left as is: a cgo binary linked to glibc (go.mod requires github.com/mattn/go-sqlite3) cannot run on scratch"));
    dockslim()
        .current_dir(p.path())
        .args(["split", "--stdout"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "\nFROM gcr.io/distroless/base-debian12:latest\n",
        ))
        .stdout(predicate::str::contains("RUN go build .\n"));
}

#[test]
fn lang_override() {
    let dir = TempDir::new().unwrap();
    // Nothing says Go but the RUN step, and the image is a plain Debian one.
    fs::write(
        dir.path().join("Dockerfile"),
        "FROM debian:bookworm\nWORKDIR /src\nCOPY . .\nRUN make app\nCMD [\"./app\"]\n",
    )
    .unwrap();
    dockslim()
        .current_dir(dir.path())
        .arg("split")
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "left as is: no Go, Rust or Node.js build found",
        ));
    dockslim()
        .current_dir(dir.path())
        .args(["split", "--lang", "go"])
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "left as is: no `go build` or `go install` step found",
        ));
}

#[test]
fn left_as_is_exits_0_or_3_with_strict() {
    let dir = TempDir::new().unwrap();
    fs::write(dir.path().join("Dockerfile"), "FROM alpine:3.20\nRUN echo hi\n").unwrap();
    dockslim()
        .current_dir(dir.path())
        .arg("split")
        .assert()
        .code(0)
        .stdout("")
        .stderr("Dockerfile: left as is: no Go, Rust or Node.js build found (--lang chooses one)\n");
    dockslim()
        .current_dir(dir.path())
        .args(["split", "--strict"])
        .assert()
        .code(3);
    dockslim()
        .current_dir(dir.path())
        .args(["split", "--check", "--strict"])
        .assert()
        .code(3);
}

#[test]
fn errors_exit_2_and_write_nothing() {
    let dir = TempDir::new().unwrap();
    dockslim()
        .current_dir(dir.path())
        .arg("split")
        .assert()
        .code(2)
        .stderr("Dockerfile: error: no such file\n");
    fs::write(dir.path().join("Dockerfile"), "FROM golang:1.22\nCOPY onlyone\n").unwrap();
    dockslim()
        .current_dir(dir.path())
        .args(["split", "-w"])
        .assert()
        .code(2)
        .stderr(predicate::str::starts_with("Dockerfile: error: parse error at line 2:"));
    assert_eq!(
        fs::read_to_string(dir.path().join("Dockerfile")).unwrap(),
        "FROM golang:1.22\nCOPY onlyone\n"
    );
}

#[test]
fn several_paths_worst_exit_code_wins() {
    let p = go_project();
    fs::create_dir(p.path().join("other")).unwrap();
    fs::write(p.path().join("other/Dockerfile"), "FROM alpine:3.20\nRUN true\n").unwrap();
    dockslim()
        .current_dir(p.path())
        .args(["split", "--check", "Dockerfile", "other"])
        .assert()
        .code(1);
    dockslim()
        .current_dir(p.path())
        .args(["split", "--check", "--strict", "Dockerfile", "other"])
        .assert()
        .code(3);
    dockslim()
        .current_dir(p.path())
        .args(["split", "--check", "--strict", "Dockerfile", "missing", "other"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("missing: error: no such file"))
        .stderr(predicate::str::contains("other/Dockerfile: left as is"));
}

#[test]
fn config_file_is_discovered_and_strict() {
    let p = go_project();
    fs::write(p.path().join("dockslim.toml"), "[go]\nruntime = \"alpine\"\n").unwrap();
    dockslim()
        .current_dir(p.path())
        .args(["split", "--stdout"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("\nFROM alpine:3.20\n"));
    // The command line beats the config.
    dockslim()
        .current_dir(p.path())
        .args(["split", "--stdout", "--runtime", "scratch"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("\nFROM scratch\n"));
    fs::write(p.path().join("dockslim.toml"), "[go]\nruntim = \"alpine\"\n").unwrap();
    dockslim()
        .current_dir(p.path())
        .arg("split")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown field `runtim`"));
    let cfg = p.path().join("elsewhere.toml");
    fs::write(&cfg, "runtime = \"debian-slim\"\ncopy = [\"go.mod\"]\n").unwrap();
    dockslim()
        .current_dir(p.path())
        .args(["split", "--stdout", "--config"])
        .arg(&cfg)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("\nFROM debian:bookworm-slim\n"))
        // The golang image holds the CA bundle, which debian-slim lacks: installed.
        .stdout(predicate::str::contains(
            "apt-get install -y --no-install-recommends ca-certificates",
        ))
        // go.mod is in the application directory, which crosses whole.
        .stdout(predicate::str::contains("COPY --from=builder /work/app /work/app\n"));
}

#[test]
fn config_in_a_parent_directory_up_to_the_repo_root() {
    let root = TempDir::new().unwrap();
    fs::write(root.path().join("dockslim.toml"), "runtime = \"alpine\"\n").unwrap();
    let repo = root.path().join("repo");
    fs::create_dir_all(repo.join(".git")).unwrap();
    let p = go_project();
    copy_dir(p.path(), &repo.join("svc"));
    // The file above the repository root is not read.
    dockslim()
        .current_dir(&repo)
        .args(["split", "--stdout", "svc"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "FROM gcr.io/distroless/static-debian12:latest",
        ));
    fs::write(repo.join("dockslim.toml"), "runtime = \"alpine\"\n").unwrap();
    dockslim()
        .current_dir(&repo)
        .args(["split", "--stdout", "svc"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("\nFROM alpine:3.20\n"));
}

#[test]
fn user_templates_directory_replaces_a_builtin_template() {
    let p = go_project();
    let tpl = p.path().join("tpl");
    fs::create_dir(&tpl).unwrap();
    let common = include_str!("../templates/common.toml").replace(
        "image = \"gcr.io/distroless/static-debian{debian}:latest\"",
        "image = \"registry.example/static:{codename}\"",
    );
    assert!(common.contains("registry.example"));
    fs::write(tpl.join("common.toml"), common).unwrap();
    fs::write(p.path().join("dockslim.toml"), "templates = \"tpl\"\n").unwrap();
    dockslim()
        .current_dir(p.path())
        .args(["split", "--stdout"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("\nFROM registry.example/static:bookworm\n"));
    fs::write(tpl.join("go.toml"), "images = 3\n").unwrap();
    dockslim()
        .current_dir(p.path())
        .arg("split")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("templates:"));
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let p = go_project();
    let plain = dockslim().current_dir(p.path()).arg("split").output().unwrap();
    assert!(
        !String::from_utf8_lossy(&plain.stdout).contains('\x1b'),
        "not a terminal: no colour"
    );
    let forced = dockslim()
        .current_dir(p.path())
        .args(["split", "--color", "always"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&forced.stdout).contains("\x1b[32m+FROM"));
    let never = dockslim()
        .current_dir(p.path())
        .args(["split", "--color", "never"])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&never.stdout).contains('\x1b'));
}

#[test]
fn help_documents_flags_and_exit_codes() {
    let out = dockslim().args(["split", "--help"]).output().unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    for needle in [
        "--write",
        "--check",
        "--stdout",
        "--runtime",
        "--lang",
        "--context",
        "--config",
        "--strict",
        "--color",
        "Exit codes:",
        "3  --strict",
    ] {
        assert!(help.contains(needle), "--help lacks {needle}:\n{help}");
    }
}

#[test]
fn context_flag_points_detection_elsewhere() {
    let p = go_project();
    let ctx = p.path().join("ctx");
    fs::create_dir(&ctx).unwrap();
    fs::write(
        ctx.join("go.mod"),
        "module main\n\ngo 1.22\n\nrequire github.com/mattn/go-sqlite3 v1.14.22\n",
    )
    .unwrap();
    dockslim()
        .current_dir(p.path())
        .args(["split", "--stdout", "--context", "ctx"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("FROM gcr.io/distroless/base-debian12:latest"));
}

fn have(tool: &str) -> bool {
    Std::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The diff applies with `git apply` and with `patch -p1`, and both give `--write`'s bytes,
/// for every example.
#[test]
fn printed_diff_applies_like_write() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut examples: Vec<PathBuf> = fs::read_dir(root.join("examples"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("Dockerfile").is_file())
        .collect();
    examples.sort();
    assert!(!examples.is_empty());
    let mut applied = 0;
    for ex in examples {
        let name = ex.file_name().unwrap().to_string_lossy().to_string();
        let work = TempDir::new().unwrap();
        let dir = work.path().join(&name);
        copy_dir(&ex, &dir);
        let out = dockslim()
            .current_dir(work.path())
            .args(["split", &name])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{name}");
        if out.stdout.is_empty() {
            continue; // left as is
        }
        let diff = work.path().join("change.diff");
        fs::write(&diff, &out.stdout).unwrap();
        // --write on a second copy.
        let written = TempDir::new().unwrap();
        copy_dir(&ex, &written.path().join(&name));
        dockslim()
            .current_dir(written.path())
            .args(["split", "-w", &name])
            .assert()
            .code(0);
        let expect = fs::read(written.path().join(&name).join("Dockerfile")).unwrap();
        if have("git") {
            let ok = Std::new("git")
                .current_dir(work.path())
                .args(["apply", "--unsafe-paths", "change.diff"])
                .status()
                .unwrap();
            assert!(ok.success(), "git apply failed for {name}");
            assert_eq!(
                fs::read(dir.join("Dockerfile")).unwrap(),
                expect,
                "git apply differs from --write for {name}"
            );
            applied += 1;
        }
        if have("patch") {
            let again = TempDir::new().unwrap();
            copy_dir(&ex, &again.path().join(&name));
            let ok = Std::new("patch")
                .current_dir(again.path())
                .args(["-p1", "-s", "-i"])
                .arg(&diff)
                .status()
                .unwrap();
            assert!(ok.success(), "patch -p1 failed for {name}");
            assert_eq!(
                fs::read(again.path().join(&name).join("Dockerfile")).unwrap(),
                expect,
                "patch differs from --write for {name}"
            );
        }
    }
    assert!(applied > 0 || !have("git"));
}

#[test]
fn nonroot_flag_and_config_key() {
    let p = go_project();
    for args in [vec!["split", "--stdout", "--nonroot"], vec!["split", "--stdout"]] {
        if args.len() == 2 {
            fs::write(p.path().join("dockslim.toml"), "nonroot = true\n").unwrap();
        }
        dockslim()
            .current_dir(p.path())
            .args(&args)
            .assert()
            .code(0)
            .stdout(predicate::str::contains(
                "\nFROM gcr.io/distroless/static-debian12:nonroot\n",
            ))
            .stdout(predicate::str::contains(
                "COPY --from=builder --chown=65532:65532 /work/app /work/app\n",
            ))
            .stderr(predicate::str::contains("runs as 65532:65532"));
    }
}

#[test]
fn verify_help_lists_its_checks_flags_and_exit_codes() {
    let out = dockslim().args(["verify", "--help"]).assert().success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    for want in [
        "--against <OTHER>",
        "--port <N>",
        "--path <P>",
        "--ready-timeout <SECS>",
        "--verbose",
        "Exit codes:",
        "0  pass",
        "1  the rewrite fails verification",
        "2  error:",
        "a registry or image name problem",
        "3  the file is left as is",
    ] {
        assert!(text.contains(want), "verify --help lacks {want:?}:\n{text}");
    }
}

#[test]
fn verify_without_building_anything() {
    let dir = TempDir::new().unwrap();
    // left as is: nothing to verify, exit 3 (no engine needed)
    fs::write(dir.path().join("Dockerfile"), "FROM alpine:3.20\nCMD [\"true\"]\n").unwrap();
    dockslim()
        .args(["verify"])
        .arg(dir.path())
        .assert()
        .code(3)
        .stderr(predicate::str::contains("left as is").and(predicate::str::contains("nothing to verify")));
    // --against a file that does not exist: an error (2), said before any engine is looked for
    let project = go_project();
    dockslim()
        .args(["verify", "--engine", "buildah", "--against"])
        .arg(project.path().join("missing.Dockerfile"))
        .arg(project.path())
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("cannot read the rewritten Dockerfile")
                .and(predicate::str::contains("missing.Dockerfile")),
        );
    // --against a file that is not a Dockerfile
    fs::write(project.path().join("broken.Dockerfile"), "RUN echo no FROM\n").unwrap();
    dockslim()
        .args(["verify", "--engine", "buildah", "--against"])
        .arg(project.path().join("broken.Dockerfile"))
        .arg(project.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot read the rewritten Dockerfile"));
}
