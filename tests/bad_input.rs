//! Bad input at the file edge: every case exits with the documented code, says so in exactly
//! one line on stderr (`PATH: error: ...`), and leaves the file byte for byte as it was.
//! Then the guarantees of `--write`: atomic, permissions, line endings, BOM, final newline,
//! symlinks, and a file that changes under dockslim's feet.

use std::fs;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::Command;

use assert_cmd::cargo::CommandCargoExt;

/// A small Go project that dockslim rewrites.
const GO_DOCKERFILE: &str = "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\nCMD [\"/app\"]\n";

fn go_project(dir: &Path, dockerfile: &[u8]) -> PathBuf {
    fs::write(dir.join("go.mod"), "module example.com/hello\n\ngo 1.22\n").unwrap();
    fs::write(dir.join("main.go"), "package main\n\nfunc main() {}\n").unwrap();
    let path = dir.join("Dockerfile");
    fs::write(&path, dockerfile).unwrap();
    path
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn dockslim(dir: &Path, args: &[&str]) -> Run {
    let out = Command::cargo_bin("dockslim")
        .unwrap()
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Asserts exit code 2 and exactly one stderr line `<shown>: error: <...contains...>`.
fn assert_one_error(run: &Run, shown: &str, contains: &str) {
    assert_eq!(run.code, 2, "stderr: {}", run.stderr);
    assert!(run.stderr.ends_with('\n'), "{:?}", run.stderr);
    assert_eq!(run.stderr.lines().count(), 1, "one line, got {:?}", run.stderr);
    let prefix = format!("{shown}: error: ");
    assert!(
        run.stderr.starts_with(&prefix),
        "{:?} should start with {prefix:?}",
        run.stderr
    );
    assert!(
        run.stderr.contains(contains),
        "{:?} should say {contains:?}",
        run.stderr
    );
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
}

/// Runs every mode on `name` in `dir` and checks each fails the same way without touching
/// the file.
fn assert_rejected_everywhere(dir: &Path, name: &str, contains: &str) {
    // Only regular files are read back (opening a FIFO would block).
    let snapshot = |p: &Path| {
        fs::metadata(p)
            .ok()
            .filter(|m| m.is_file())
            .map(|_| fs::read(p).unwrap())
    };
    let before = snapshot(&dir.join(name));
    for mode in [&[][..], &["--check"], &["--stdout"], &["--write"]] {
        let mut args = vec!["split"];
        args.extend_from_slice(mode);
        args.push(name);
        let run = dockslim(dir, &args);
        assert_one_error(&run, name, contains);
        assert!(
            run.stdout.is_empty(),
            "{mode:?}: nothing on stdout, got {:?}",
            run.stdout
        );
        assert_eq!(snapshot(&dir.join(name)), before, "{mode:?} changed the file");
    }
}

#[test]
fn missing_path() {
    let dir = tempfile::tempdir().unwrap();
    assert_rejected_everywhere(dir.path(), "nope", "no such file");
}

#[test]
fn directory_without_a_dockerfile() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("app")).unwrap();
    fs::write(dir.path().join("app/README"), "hi\n").unwrap();
    for mode in [&[][..], &["--write"]] {
        let mut args = vec!["split"];
        args.extend_from_slice(mode);
        args.push("app");
        let run = dockslim(dir.path(), &args);
        assert_one_error(&run, "app", "no Dockerfile");
    }
    assert_eq!(fs::read_dir(dir.path().join("app")).unwrap().count(), 1);
}

#[test]
fn empty_file() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("Dockerfile"), "").unwrap();
    assert_rejected_everywhere(dir.path(), "Dockerfile", "empty file");
}

#[test]
fn whitespace_or_bom_only_is_empty_too() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [("blank", "\n  \n\t\n"), ("bom", "\u{feff}"), ("crlf", "\r\n\r\n")] {
        fs::write(dir.path().join(name), text).unwrap();
        assert_rejected_everywhere(dir.path(), name, "empty file");
    }
}

#[test]
fn binary_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = b"FROM golang:1.22\n".to_vec();
    bytes.extend((0u8..=255).cycle().take(4096));
    fs::write(dir.path().join("Dockerfile"), &bytes).unwrap();
    assert_rejected_everywhere(dir.path(), "Dockerfile", "binary file");
}

#[test]
fn invalid_utf8() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("Dockerfile"),
        b"FROM golang:1.22\nRUN echo \xff\xfe caf\xe9\n",
    )
    .unwrap();
    assert_rejected_everywhere(dir.path(), "Dockerfile", "not UTF-8 text (invalid byte at offset 26)");
}

#[test]
fn no_from() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("Dockerfile"), "RUN echo hi\nCMD [\"sh\"]\n").unwrap();
    assert_rejected_everywhere(dir.path(), "Dockerfile", "line 1");
}

#[test]
fn only_comments() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("Dockerfile"),
        "# syntax=docker/dockerfile:1\n# FROM golang:1.22\n# RUN go build\n",
    )
    .unwrap();
    assert_rejected_everywhere(dir.path(), "Dockerfile", "not a Dockerfile: no FROM instruction");
}

#[test]
fn parse_error_names_its_line_once() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("Dockerfile"), "FROM golang:1.22\nCOPY onlyone\n").unwrap();
    let run = dockslim(dir.path(), &["split", "Dockerfile"]);
    assert_one_error(&run, "Dockerfile", "parse error at line 2: ");
    assert_eq!(run.stderr.matches("line").count(), 1, "{}", run.stderr);
}

#[test]
fn ten_megabyte_file() {
    let dir = tempfile::tempdir().unwrap();
    // A real Dockerfile, padded with comments to 10 MB.
    let mut text = GO_DOCKERFILE.to_string();
    let pad = "# padding padding padding padding padding padding padding padding padding\n";
    while text.len() < 10 * 1024 * 1024 {
        text.push_str(pad);
    }
    let path = go_project(dir.path(), text.as_bytes());
    let started = std::time::Instant::now();
    assert_rejected_everywhere(dir.path(), "Dockerfile", "file too large");
    assert!(started.elapsed().as_secs() < 20, "refusing a large file must be quick");
    assert_eq!(fs::metadata(path).unwrap().len(), text.len() as u64);
}

#[test]
fn fifo_is_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let status = Command::new("mkfifo").arg(dir.path().join("Dockerfile")).status();
    if !status.is_ok_and(|s| s.success()) {
        eprintln!("mkfifo unavailable: skipped");
        return;
    }
    // Would block forever if dockslim opened it.
    assert_rejected_everywhere(dir.path(), "Dockerfile", "not a regular file");
}

#[test]
fn dangling_symlink() {
    let dir = tempfile::tempdir().unwrap();
    symlink("gone/Dockerfile", dir.path().join("Dockerfile")).unwrap();
    assert_rejected_everywhere(dir.path(), "Dockerfile", "no such file");
    assert!(
        fs::symlink_metadata(dir.path().join("Dockerfile"))
            .unwrap()
            .is_symlink()
    );
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

#[test]
fn unreadable_file() {
    let dir = tempfile::tempdir().unwrap();
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
    let path = go_project(dir.path(), GO_DOCKERFILE.as_bytes());
    fs::set_permissions(&path, fs::Permissions::from_mode(0o000)).unwrap();
    let Some(run) = unprivileged(dir.path(), &["split", "--write", "Dockerfile"]) else {
        return;
    };
    assert_one_error(&run, "Dockerfile", "permission denied");
    fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
    assert_eq!(fs::read_to_string(&path).unwrap(), GO_DOCKERFILE);
}

/// A Dockerfile inside a directory dockslim may not enter is "permission denied", not
/// "no such file".
#[test]
fn unsearchable_directory() {
    let dir = tempfile::tempdir().unwrap();
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
    fs::create_dir(dir.path().join("secret")).unwrap();
    let path = go_project(&dir.path().join("secret"), GO_DOCKERFILE.as_bytes());
    fs::set_permissions(dir.path().join("secret"), fs::Permissions::from_mode(0o700)).unwrap();
    let Some(run) = unprivileged(dir.path(), &["split", "--write", "secret/Dockerfile"]) else {
        return;
    };
    fs::set_permissions(dir.path().join("secret"), fs::Permissions::from_mode(0o755)).unwrap();
    assert_one_error(&run, "secret/Dockerfile", "permission denied");
    assert_eq!(fs::read_to_string(&path).unwrap(), GO_DOCKERFILE);
}

/// Runs dockslim as a user without privileges: as nobody (through setpriv) when the tests
/// run as root, who reads anything. `None` when that is not possible here.
fn unprivileged(dir: &Path, args: &[&str]) -> Option<Run> {
    let mut cmd = if is_root() {
        let Ok(setpriv) = which("setpriv") else {
            eprintln!("running as root without setpriv: skipped");
            return None;
        };
        let mut c = Command::new(setpriv);
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(assert_cmd::cargo::cargo_bin("dockslim"));
        c
    } else {
        Command::cargo_bin("dockslim").unwrap()
    };
    let out = cmd.current_dir(dir).env("NO_COLOR", "1").args(args).output().unwrap();
    Some(Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    })
}

fn which(name: &str) -> Result<PathBuf, ()> {
    let path = std::env::var_os("PATH").ok_or(())?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .ok_or(())
}

#[test]
fn read_only_file_with_write() {
    let dir = tempfile::tempdir().unwrap();
    let path = go_project(dir.path(), GO_DOCKERFILE.as_bytes());
    fs::set_permissions(&path, fs::Permissions::from_mode(0o444)).unwrap();
    let run = dockslim(dir.path(), &["split", "--write", "Dockerfile"]);
    assert_one_error(&run, "Dockerfile", "read-only");
    assert_eq!(fs::read_to_string(&path).unwrap(), GO_DOCKERFILE);
    assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o444);
    assert_no_temp_files(dir.path());
    // Without --write a read-only file is fine: the diff is printed.
    let run = dockslim(dir.path(), &["split", "Dockerfile"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("+FROM gcr.io/distroless/static-debian12:latest"));
}

fn assert_no_temp_files(dir: &Path) {
    let names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names
            .iter()
            .all(|n| !n.starts_with(".dockslim-") && !n.starts_with(".tmp")),
        "temporary file left behind: {names:?}"
    );
}

/// What `--stdout` prints for the Dockerfile in `dir` (the text `--write` must write).
fn expected_rewrite(dir: &Path) -> Vec<u8> {
    let out = Command::cargo_bin("dockslim")
        .unwrap()
        .current_dir(dir)
        .args(["split", "--stdout", "Dockerfile"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    out.stdout
}

#[test]
fn write_is_atomic_and_keeps_permissions() {
    for mode in [0o644, 0o600, 0o755, 0o640] {
        let dir = tempfile::tempdir().unwrap();
        let path = go_project(dir.path(), GO_DOCKERFILE.as_bytes());
        fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
        let want = expected_rewrite(dir.path());
        let before: Vec<_> = names(dir.path());
        let run = dockslim(dir.path(), &["split", "--write", "Dockerfile"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_eq!(run.stdout.lines().count(), 1, "{}", run.stdout);
        assert!(run.stdout.starts_with("Dockerfile: rewritten: "), "{}", run.stdout);
        assert_eq!(fs::read(&path).unwrap(), want);
        assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o7777, mode);
        assert_eq!(names(dir.path()), before, "no file added or removed");
        // Idempotent on disk: a second --write changes nothing.
        let run = dockslim(dir.path(), &["split", "--write", "Dockerfile"]);
        assert_eq!(run.code, 0);
        assert!(
            run.stderr.contains("nothing to change: already multi-stage"),
            "{}",
            run.stderr
        );
        assert_eq!(fs::read(&path).unwrap(), want);
    }
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn write_keeps_crlf_bom_and_missing_final_newline() {
    let dir = tempfile::tempdir().unwrap();
    let original = format!("\u{feff}{}", GO_DOCKERFILE.replace('\n', "\r\n"));
    let original = original.strip_suffix("\r\n").unwrap().to_string();
    let path = go_project(dir.path(), original.as_bytes());
    let run = dockslim(dir.path(), &["split", "--write", "Dockerfile"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let new = fs::read_to_string(&path).unwrap();
    assert!(new.starts_with("\u{feff}FROM golang:1.22 AS builder\r\n"), "{new:?}");
    assert_eq!(new.matches('\u{feff}').count(), 1, "one BOM");
    assert_eq!(
        new.matches('\n').count(),
        new.matches("\r\n").count(),
        "only CRLF: {new:?}"
    );
    assert!(new.ends_with("CMD [\"/app\"]"), "still no final newline: {new:?}");
}

#[test]
fn write_keeps_lf_and_one_final_newline() {
    let dir = tempfile::tempdir().unwrap();
    let path = go_project(dir.path(), GO_DOCKERFILE.as_bytes());
    let run = dockslim(dir.path(), &["split", "--write", "Dockerfile"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let new = fs::read_to_string(&path).unwrap();
    assert!(!new.contains('\r'));
    assert!(new.ends_with("CMD [\"/app\"]\n") && !new.ends_with("\n\n"), "{new:?}");
    assert!(!new.starts_with('\u{feff}'));
}

#[test]
fn symlink_is_written_through_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    go_project(dir.path(), GO_DOCKERFILE.as_bytes());
    fs::create_dir(dir.path().join("real")).unwrap();
    fs::rename(dir.path().join("Dockerfile"), dir.path().join("real/Dockerfile.go")).unwrap();
    symlink("real/Dockerfile.go", dir.path().join("Dockerfile")).unwrap();
    let want = expected_rewrite(dir.path());
    let run = dockslim(dir.path(), &["split", "--write", "Dockerfile"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let link = dir.path().join("Dockerfile");
    assert!(fs::symlink_metadata(&link).unwrap().is_symlink(), "the link is kept");
    assert_eq!(fs::read_link(&link).unwrap(), Path::new("real/Dockerfile.go"));
    assert_eq!(fs::read(dir.path().join("real/Dockerfile.go")).unwrap(), want);
    assert_no_temp_files(dir.path());
    assert_no_temp_files(&dir.path().join("real"));
}

#[test]
fn check_and_stdout_never_write() {
    let dir = tempfile::tempdir().unwrap();
    let path = go_project(dir.path(), GO_DOCKERFILE.as_bytes());
    let run = dockslim(dir.path(), &["split", "--check", "Dockerfile"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let run = dockslim(dir.path(), &["split", "--stdout", "Dockerfile"]);
    assert_eq!(run.code, 0);
    let run = dockslim(dir.path(), &["split", "Dockerfile"]);
    assert_eq!(run.code, 0);
    assert_eq!(fs::read_to_string(&path).unwrap(), GO_DOCKERFILE);
}

#[test]
fn left_as_is_is_one_line_and_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let text = "FROM python:3.12\nCOPY . .\nCMD [\"python\", \"app.py\"]\n";
    let path = dir.path().join("Dockerfile");
    fs::write(&path, text).unwrap();
    for (args, code) in [
        (&["split", "--write", "Dockerfile"][..], 0),
        (&["split", "--write", "--strict", "Dockerfile"], 3),
        (&["split", "--check", "--strict", "Dockerfile"], 3),
    ] {
        let run = dockslim(dir.path(), args);
        assert_eq!(run.code, code, "{args:?}: {}", run.stderr);
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
        assert!(run.stderr.starts_with("Dockerfile: left as is: "), "{}", run.stderr);
        assert_eq!(fs::read_to_string(&path).unwrap(), text);
    }
}

#[test]
fn one_bad_path_among_good_ones() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("good")).unwrap();
    let good = go_project(&dir.path().join("good"), GO_DOCKERFILE.as_bytes());
    fs::write(dir.path().join("empty"), "").unwrap();
    let run = dockslim(dir.path(), &["split", "--write", "missing", "empty", "good"]);
    assert_eq!(run.code, 2, "the worst code wins");
    let errors: Vec<&str> = run.stderr.lines().filter(|l| l.contains(": error: ")).collect();
    assert_eq!(errors.len(), 2, "{}", run.stderr);
    assert!(errors[0].starts_with("missing: error: "));
    assert!(errors[1].starts_with("empty: error: "));
    assert!(run.stdout.contains("good/Dockerfile: rewritten"), "{}", run.stdout);
    assert_ne!(
        fs::read_to_string(good).unwrap(),
        GO_DOCKERFILE,
        "the good one is still written"
    );
    assert_eq!(fs::read(dir.path().join("empty")).unwrap(), b"");
}

/// A file edited between the read and the write is left with the edit, never overwritten.
#[test]
fn file_that_changes_while_processed_is_not_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let path = go_project(dir.path(), GO_DOCKERFILE.as_bytes());
    // What dockslim read, and what it wants to write...
    let read = GO_DOCKERFILE.as_bytes();
    let rewrite = expected_rewrite(dir.path());
    // ...but the user saved a new version in between.
    let edited = GO_DOCKERFILE.replace("/app", "/server");
    fs::write(&path, &edited).unwrap();
    let err = dockslim::emit::write_atomic(&path, &rewrite, read).unwrap_err();
    assert!(err.to_string().contains("changed"), "{err}");
    assert_eq!(fs::read_to_string(&path).unwrap(), edited);
    assert_no_temp_files(dir.path());
    // With the right expectation the write goes through.
    dockslim::emit::write_atomic(&path, &rewrite, edited.as_bytes()).unwrap();
    assert_eq!(fs::read(&path).unwrap(), rewrite);
}

/// Another process rewrites the file over and over while `--write` runs: whatever happens,
/// the file ends up as one whole version (the writer's, or dockslim's split of it), never a
/// mix, and no temporary file is left.
#[test]
fn concurrent_edits_never_produce_a_torn_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = go_project(dir.path(), GO_DOCKERFILE.as_bytes());
    let other = GO_DOCKERFILE.replace("/app", "/server");
    let split_of = |text: &str| {
        let d = tempfile::tempdir().unwrap();
        go_project(d.path(), text.as_bytes());
        expected_rewrite(d.path())
    };
    let allowed = [
        GO_DOCKERFILE.as_bytes().to_vec(),
        other.as_bytes().to_vec(),
        split_of(GO_DOCKERFILE),
        split_of(&other),
    ];
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (stop, path, a, b) = (stop.clone(), path.clone(), GO_DOCKERFILE.to_string(), other.clone());
        std::thread::spawn(move || {
            let mut i = 0u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                // Atomic replace, as editors do.
                let tmp = path.with_file_name(format!(".edit-{i}"));
                fs::write(&tmp, if i.is_multiple_of(2) { &a } else { &b }).unwrap();
                fs::rename(&tmp, &path).unwrap();
                i += 1;
            }
        })
    };
    for _ in 0..10 {
        let run = dockslim(dir.path(), &["split", "--write", "Dockerfile"]);
        assert!(matches!(run.code, 0 | 2), "{}", run.stderr);
        assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
        if run.code == 2 {
            assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
        }
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    writer.join().unwrap();
    let now = fs::read(&path).unwrap();
    assert!(allowed.contains(&now), "torn file: {}", String::from_utf8_lossy(&now));
    assert_no_temp_files(dir.path());
}
