//! End-to-end tests of `verify` with buildah and podman and the testbed's stand-in images
//! (scripts/testbed.sh): the library on a small Go program, then `dockslim verify --against` on
//! a deliberately broken hand split of each of the four fixtures (examples/go-static-server,
//! go-dotenv, go-port80-root, go-ca-certs, broken in tests/verify/broken/), and dockslim's own
//! rewrite of each. Runs only with DOCKSLIM_E2E=1 (under the build lock, see HELPERS.md);
//! otherwise each test prints that it is skipped and passes. The tests run one at a time: the
//! servers share the host's ports under buildah.

use dockslim::summary::ConfigChange;
use dockslim::verify::{self, Candidate, Engine, Observed, Rules, VerifyError, VerifyOptions};
use std::path::Path;
use std::process::Command;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

const DOCKERFILE: &str = "FROM golang:1.22
WORKDIR /src
COPY go.mod main.go greeting.txt ./
RUN CGO_ENABLED=0 go build -o /usr/local/bin/hello .
CMD [\"hello\"]
";

const REWRITE_OK: &str = "FROM golang:1.22 AS builder
WORKDIR /src
COPY go.mod main.go greeting.txt ./
RUN CGO_ENABLED=0 go build -o /usr/local/bin/hello .

FROM gcr.io/distroless/static-debian12:nonroot
WORKDIR /src
COPY --from=builder /usr/local/bin/hello /usr/local/bin/hello
COPY --from=builder /src/greeting.txt ./greeting.txt
CMD [\"hello\"]
";

// forgets the data file the program reads at run time: builds, but behaves differently
const REWRITE_MISSING_FILE: &str = "FROM golang:1.22 AS builder
WORKDIR /src
COPY go.mod main.go greeting.txt ./
RUN CGO_ENABLED=0 go build -o /usr/local/bin/hello .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=builder /usr/local/bin/hello /usr/local/bin/hello
CMD [\"hello\"]
";

// does not even build
const REWRITE_NO_BUILD: &str = "FROM golang:1.22 AS builder
WORKDIR /src
COPY go.mod main.go greeting.txt ./
RUN CGO_ENABLED=0 go build -o /usr/local/bin/hello .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=builder /no/such/file /usr/local/bin/hello
CMD [\"hello\"]
";

const MAIN_GO: &str = r#"package main

import (
	"fmt"
	"os"
)

func main() {
	b, err := os.ReadFile("greeting.txt")
	if err != nil {
		fmt.Println("no greeting:", err)
		os.Exit(3)
	}
	fmt.Printf("%s from %t\n", string(b[:len(b)-1]), os.Getenv("HOME") != "")
}
"#;

static SERIAL: Mutex<()> = Mutex::new(());

/// `None` (the test is skipped) unless DOCKSLIM_E2E=1; else the lock that runs the tests one
/// at a time, with the testbed store selected.
fn enabled() -> Option<MutexGuard<'static, ()>> {
    if std::env::var("DOCKSLIM_E2E").as_deref() != Ok("1") {
        eprintln!("skipped: set DOCKSLIM_E2E=1 (after scripts/testbed.sh) to run the end-to-end verify tests");
        return None;
    }
    let guard = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    use_testbed_store();
    Some(guard)
}

/// Points buildah and podman at the testbed store unless the caller did (as
/// `. scripts/testbed/env.sh` would). Called with [`SERIAL`] held.
fn use_testbed_store() {
    if std::env::var_os("CONTAINERS_STORAGE_CONF").is_none() {
        let tb = std::env::var("DOCKSLIM_TB").unwrap_or_else(|_| "/var/tmp/dockslim-testbed".to_string());
        // SAFETY: every test takes SERIAL before this, so no other thread reads the environment now.
        unsafe {
            std::env::set_var("CONTAINERS_STORAGE_CONF", format!("{tb}/storage.conf"));
            std::env::set_var("STORAGE_DRIVER", "vfs");
            std::env::set_var("BUILDAH_ISOLATION", "chroot");
            let conf = format!("{tb}/containers.conf");
            if Path::new(&conf).is_file() {
                std::env::set_var("CONTAINERS_CONF", conf);
            }
        }
    }
}

fn has_image(name: &str) -> bool {
    Command::new("buildah")
        .args(["inspect", "--type", "image", name])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

fn write_context(dir: &Path) {
    std::fs::write(dir.join("Dockerfile"), DOCKERFILE).unwrap();
    std::fs::write(dir.join("go.mod"), "module example.com/hello\n\ngo 1.22\n").unwrap();
    std::fs::write(dir.join("main.go"), MAIN_GO).unwrap();
    std::fs::write(dir.join("greeting.txt"), "hello\n").unwrap();
}

#[test]
fn verify_go_example_with_buildah() {
    let Some(_serial) = enabled() else { return };
    assert!(
        verify::find_engine(Some(Engine::Buildah)).is_ok(),
        "DOCKSLIM_E2E=1 but buildah is not usable: run scripts/testbed.sh"
    );
    for image in [
        "docker.io/library/golang:1.22",
        "gcr.io/distroless/static-debian12:nonroot",
    ] {
        assert!(
            has_image(image),
            "DOCKSLIM_E2E=1 but the stand-in {image} is missing: run scripts/testbed.sh"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    write_context(dir.path());
    let opts = VerifyOptions {
        engine: Some(Engine::Buildah),
        timeout: Duration::from_secs(60),
        ..VerifyOptions::default()
    };
    let dockerfile = dir.path().join("Dockerfile");
    // what a rewrite would declare: the Go sources are build-only, the user changes on purpose
    let rules = Rules {
        build_only: vec!["/src/*.go".into(), "/src/go.mod".into()],
        announced: vec![ConfigChange::User],
    };
    let run_of = |o: &Observed| match o {
        Observed::Ran(r) => r.clone(),
        other => panic!("expected a program run, got {other:?}"),
    };

    let report = verify::verify(&dockerfile, Candidate::Text(REWRITE_OK), dir.path(), &rules, &opts)
        .expect("verify (good rewrite)");
    eprintln!("good rewrite:\n{report}");
    assert_eq!(run_of(&report.original).stdout, "hello from true\n");
    assert_eq!(run_of(&report.original).exit_code, Some(0));
    assert!(report.passed(), "{report}");
    assert!(report.after_bytes * 10 < report.before_bytes, "{report}");
    assert_eq!(report.files.dirs, ["/src"]);
    assert_eq!(report.files.build_only, ["/src/go.mod", "/src/main.go"]);
    assert!(report.files.may_read.is_empty(), "{report}");
    let user: Vec<String> = report.config.iter().map(|d| d.to_string()).collect();
    assert_eq!(user, ["user: original root (none set), rewritten 65532 (announced)"]);

    let report = verify::verify(
        &dockerfile,
        Candidate::Text(REWRITE_MISSING_FILE),
        dir.path(),
        &rules,
        &opts,
    )
    .expect("verify (broken rewrite)");
    eprintln!("broken rewrite:\n{report}");
    assert!(!report.passed(), "{report}");
    assert_eq!(run_of(&report.rewritten).exit_code, Some(3));
    let problems = report.problems();
    assert!(
        problems.contains(&"dropped 1 file the program may read: /src/greeting.txt".to_string()),
        "{report}"
    );
    assert!(
        problems.contains(&"workdir: original /src, rewritten /home/nonroot (not announced)".to_string()),
        "{report}"
    );
    assert!(report.to_string().contains("FAIL"));

    match verify::verify(
        &dockerfile,
        Candidate::Text(REWRITE_NO_BUILD),
        dir.path(),
        &rules,
        &opts,
    ) {
        Err(VerifyError::Build {
            which: verify::Which::Rewritten,
            log,
            registry: None,
        }) => eprintln!("unbuildable rewrite: ok\n{log}"),
        other => panic!("expected a build error of the rewrite, got {other:?}"),
    }

    // nothing left behind
    let out = Command::new("buildah")
        .args(["images", "--format", "{{.Name}}"])
        .output()
        .unwrap();
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("dockslim-verify"),
        "images left behind"
    );
    let out = Command::new("buildah")
        .args(["containers", "--format", "{{.ImageName}}"])
        .output()
        .unwrap();
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("dockslim-verify"),
        "containers left behind"
    );
}

// ------------------------------------------------------------------------------------------------
// the four fixtures: `dockslim verify --against` a broken hand split fails with the right reason

/// Runs `dockslim verify ARGS` from the repository root: (exit code, stdout, stderr).
fn dockslim_verify(args: &[&str]) -> (i32, String, String) {
    let out = assert_cmd::Command::cargo_bin("dockslim")
        .expect("binary built")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("verify")
        .args(args)
        .timeout(Duration::from_secs(1200))
        .output()
        .expect("dockslim runs");
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    eprintln!("dockslim verify {}:\n{stdout}{stderr}", args.join(" "));
    (out.status.code().unwrap_or(-1), stdout, stderr)
}

/// `dockslim verify --engine ENGINE examples/NAME --against tests/verify/broken/NAME.Dockerfile`
/// must fail (exit 1) and print every line of `reasons` as a reason of its verdict.
fn broken_split_fails(engine: &str, name: &str, reasons: &[&str]) {
    let example = format!("examples/{name}");
    let base = name.rsplit('/').next().unwrap_or(name);
    let broken = format!("tests/verify/broken/{base}.Dockerfile");
    let (code, stdout, stderr) = dockslim_verify(&["--engine", engine, &example, "--against", &broken]);
    assert_eq!(code, 1, "{name}: expected a failed verification\n{stdout}{stderr}");
    let verdict = stdout.split("verdict:   FAIL\n").nth(1).unwrap_or("");
    for r in reasons {
        assert!(
            verdict.lines().any(|l| l.starts_with("  - ") && l.contains(r)),
            "{name}: no verdict line with {r:?}\n{stdout}"
        );
    }
}

#[test]
fn broken_split_dropping_a_served_static_file_fails() {
    let Some(_serial) = enabled() else { return };
    broken_split_fails(
        "buildah",
        "go-static-server",
        &[
            "GET /static/style.css: original 200 text/css; charset=utf-8 (68 bytes), rewritten 404",
            "the program may read: ",
            "/app/static/style.css",
        ],
    );
}

#[test]
fn broken_split_dropping_the_dotenv_file_fails() {
    let Some(_serial) = enabled() else { return };
    broken_split_fails(
        "podman",
        "go-dotenv",
        &[
            "port 8080: the original served, the rewritten image ended with exit 1 before port 8080 accepted \
             connections (greeter: cannot read its settings: open .env: no such file or directory)",
            "/app/.env",
        ],
    );
}

#[test]
fn broken_split_moving_a_port_80_server_to_non_root_fails() {
    let Some(_serial) = enabled() else { return };
    // buildah runs on the host's network, where uid 65532 may not bind port 80
    broken_split_fails(
        "buildah",
        "go-port80-root",
        &[
            "user: original root (none set), rewritten 65532 (not announced)",
            "port 80: the original served, the rewritten image ended with exit 1 before port 80 accepted connections",
            "bind: permission denied",
        ],
    );
}

#[test]
fn broken_split_dropping_the_ca_certificates_fails() {
    let Some(_serial) = enabled() else { return };
    broken_split_fails(
        "podman",
        "go-ca-certs",
        &[
            "the runs ended differently: original exit 0, rewritten exit 1 (ca-check: no CA certificates in the \
           system pool: TLS connections would fail)",
        ],
    );
}

// ------------------------------------------------------------------------------------------------
// the four fixtures: dockslim's own rewrite passes

fn own_rewrite_passes(name: &str) {
    let (code, stdout, stderr) = dockslim_verify(&["--engine", "buildah", &format!("examples/{name}")]);
    assert_eq!(
        code, 0,
        "{name}: dockslim's own rewrite should pass verify\n{stdout}{stderr}"
    );
    assert!(stdout.contains("verdict:   PASS"), "{stdout}");
}

// The rewrites keep the root user of the originals (go-port80-root still binds port 80), and the
// Go sources, go.mod and Dockerfile they drop from the WORKDIR are build-only by the rewrite's rules.

#[test]
fn own_rewrite_of_the_static_server_passes() {
    let Some(_serial) = enabled() else { return };
    own_rewrite_passes("go-static-server");
}

#[test]
fn own_rewrite_of_the_dotenv_server_passes() {
    let Some(_serial) = enabled() else { return };
    own_rewrite_passes("go-dotenv");
}

#[test]
fn own_rewrite_of_the_port_80_root_server_passes() {
    let Some(_serial) = enabled() else { return };
    own_rewrite_passes("go-port80-root");
}

#[test]
fn own_rewrite_of_the_ca_certs_program_passes() {
    let Some(_serial) = enabled() else { return };
    own_rewrite_passes("go-ca-certs");
}

// ------------------------------------------------------------------------------------------------
// the podman and docker paths on a cheap server (busybox httpd on the alpine stand-in)

fn busybox_split_fails(engine: &str) {
    broken_split_fails(
        engine,
        "../tests/verify/busybox-site",
        &[
            "GET /style.css: original 200 text/css (20 bytes), rewritten 404",
            "dropped 1 file the program may read: /srv/site/style.css",
        ],
    );
}

#[test]
fn podman_path_catches_a_dropped_static_file() {
    let Some(_serial) = enabled() else { return };
    busybox_split_fails("podman");
}

/// Needs a Docker daemon with the alpine stand-in loaded (scripts/testbed/docker.sh, as
/// scripts/test.sh does, which then sets DOCKSLIM_E2E_DOCKER=1); skipped without one.
#[test]
fn docker_path_catches_a_dropped_static_file() {
    let Some(_serial) = enabled() else { return };
    if std::env::var("DOCKSLIM_E2E_DOCKER").as_deref() != Ok("1") {
        eprintln!("skipped: set DOCKSLIM_E2E_DOCKER=1 with a Docker daemon (scripts/testbed/docker.sh start)");
        return;
    }
    busybox_split_fails("docker");
}
