//! End-to-end test of `verify` with buildah and the testbed's stand-in images (scripts/testbed.sh).
//! Runs only with DOCKSLIM_E2E=1; otherwise prints that it is skipped and passes.

use dockslim::verify::{self, Engine, VerifyError, VerifyOptions};
use std::path::Path;
use std::process::Command;
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

fn enabled() -> bool {
    if std::env::var("DOCKSLIM_E2E").as_deref() != Ok("1") {
        eprintln!("skipped: set DOCKSLIM_E2E=1 (after scripts/testbed.sh) to run the buildah end-to-end verify test");
        return false;
    }
    true
}

/// Points buildah at the testbed store unless the caller did (as `. scripts/testbed/env.sh` would).
fn use_testbed_store() {
    if std::env::var_os("CONTAINERS_STORAGE_CONF").is_none() {
        let tb = std::env::var("DOCKSLIM_TB").unwrap_or_else(|_| "/var/tmp/dockslim-testbed".to_string());
        // SAFETY: only this test (one thread) touches the environment in this test binary.
        unsafe {
            std::env::set_var("CONTAINERS_STORAGE_CONF", format!("{tb}/storage.conf"));
            std::env::set_var("STORAGE_DRIVER", "vfs");
            std::env::set_var("BUILDAH_ISOLATION", "chroot");
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
    if !enabled() {
        return;
    }
    use_testbed_store();
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
        run_args: vec![],
        timeout: Duration::from_secs(60),
    };
    let dockerfile = dir.path().join("Dockerfile");

    let report = verify::verify(&dockerfile, REWRITE_OK, dir.path(), &opts).expect("verify (good rewrite)");
    eprintln!("good rewrite:\n{report}");
    assert_eq!(report.original.stdout, "hello from true\n");
    assert_eq!(report.original.exit_code, Some(0));
    assert!(report.passed(), "{report}");
    assert!(report.after_bytes * 10 < report.before_bytes, "{report}");

    let report = verify::verify(&dockerfile, REWRITE_MISSING_FILE, dir.path(), &opts).expect("verify (broken rewrite)");
    eprintln!("broken rewrite:\n{report}");
    assert!(!report.passed(), "{report}");
    assert_eq!(report.rewritten.exit_code, Some(3));
    assert!(report.to_string().contains("FAIL"));

    match verify::verify(&dockerfile, REWRITE_NO_BUILD, dir.path(), &opts) {
        Err(VerifyError::Build {
            which: verify::Which::Rewritten,
            log,
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
