//! Workflow tests, through the real binary: black-style `--check` lines and counts, the
//! `# dockslim: ignore` comment, standard input, `--format json|sarif|github` (SARIF validated
//! against the official 2.1.0 schema), `--quiet`, diff paths that `git apply` and `patch -p1`
//! take from the repository root, the bare `dockslim split` on a Containerfile, `--help`
//! examples, completions and man pages, and the repository's own Dockerfile and action.

use std::fs;
use std::path::Path;
use std::process::{Command as Std, Stdio};

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use tempfile::TempDir;

const GO: &str =
    "FROM golang:1.22\nWORKDIR /work/app\nCOPY main.go go.mod ./\nRUN go mod tidy\nRUN go build .\nCMD [\"./main\"]\n";

fn dockslim() -> Command {
    let mut c = Command::cargo_bin("dockslim").expect("binary built");
    c.env("NO_COLOR", "1");
    c
}

/// Writes a Go project (Dockerfile, go.mod, main.go) into `dir`.
fn go_project(dir: &Path) {
    fs::create_dir_all(dir).unwrap();
    fs::write(dir.join("Dockerfile"), GO).unwrap();
    fs::write(dir.join("go.mod"), "module main\n\ngo 1.22\n").unwrap();
    fs::write(dir.join("main.go"), "package main\n\nfunc main() { println(\"hi\") }\n").unwrap();
}

/// A scratch directory with `go1/` and `go2/` (rewritable), `plain/` (left as is: no
/// language), `done/` (already multi-stage).
fn workspace() -> TempDir {
    let t = TempDir::new().unwrap();
    go_project(&t.path().join("go1"));
    go_project(&t.path().join("go2"));
    fs::create_dir(t.path().join("plain")).unwrap();
    fs::write(t.path().join("plain/Dockerfile"), "FROM alpine:3.20\nRUN echo hi\n").unwrap();
    fs::create_dir(t.path().join("done")).unwrap();
    fs::write(
        t.path().join("done/Dockerfile"),
        "FROM golang:1.22 AS builder\nRUN go build .\n\nFROM scratch\nCOPY --from=builder /go/app /app\n",
    )
    .unwrap();
    t
}

fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = dockslim().current_dir(dir).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn git(dir: &Path, args: &[&str]) {
    let ok = Std::new("git")
        .current_dir(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.invalid"])
        .args(args)
        .stdout(Stdio::null())
        .status()
        .expect("git runs");
    assert!(ok.success(), "git {args:?} failed in {}", dir.display());
}

#[test]
fn check_says_what_to_run_and_counts_like_black() {
    let w = workspace();
    let (code, stdout, stderr) = run(w.path(), &["split", "--check", "go1", "go2", "plain"]);
    assert_eq!(code, 1);
    assert_eq!(
        stderr,
        "go1/Dockerfile: would be rewritten (run dockslim split --write go1/Dockerfile)\n\
         go2/Dockerfile: would be rewritten (run dockslim split --write go2/Dockerfile)\n\
         plain/Dockerfile: left as is: no Go, Rust or Node.js build found (--lang chooses one)\n\
         2 files would be rewritten, 1 left as is\n"
    );
    assert!(stdout.contains("--- a/go1/Dockerfile\n") && stdout.contains("--- a/go2/Dockerfile\n"));
    let (code, _, stderr) = run(w.path(), &["split", "--check", "go1", "done", "missing"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("done/Dockerfile: nothing to change: already multi-stage (2 stages)\n"));
    assert!(stderr.ends_with("missing: error: no such file\n1 file would be rewritten, 1 unchanged, 1 error\n"));
    // One file: its own line is the whole story.
    let (code, _, stderr) = run(w.path(), &["split", "--check", "go1"]);
    assert_eq!((code, stderr.lines().count()), (1, 1));
    // --write counts what it wrote.
    let (code, stdout, stderr) = run(w.path(), &["split", "--write", "go1", "plain"]);
    assert_eq!(code, 0);
    assert!(stdout.starts_with("go1/Dockerfile: rewritten: golang:1.22 -> "));
    assert!(stderr.ends_with("1 file rewritten, 1 left as is\n"), "{stderr}");
}

#[test]
fn strict_accepts_what_dockslim_produced() {
    let w = workspace();
    dockslim()
        .current_dir(w.path())
        .args(["split", "-w", "go1"])
        .assert()
        .code(0);
    dockslim()
        .current_dir(w.path())
        .args(["split", "--check", "--strict", "go1", "done"])
        .assert()
        .code(0)
        .stdout("")
        .stderr(predicate::str::contains(
            "go1/Dockerfile: nothing to change: already multi-stage (2 stages)",
        ));
    dockslim()
        .current_dir(w.path())
        .args(["split", "--check", "--strict", "go1", "plain"])
        .assert()
        .code(3);
}

#[test]
fn ignore_comment_leaves_the_file_as_is() {
    let w = workspace();
    let on_its_line = format!("# dockslim: ignore\n{GO}");
    let on_from = GO.replacen("FROM golang:1.22\n", "FROM golang:1.22 # dockslim: ignore\n", 1);
    let at_the_end = format!("{GO}# dockslim: ignore  (the toolchain is needed at run time)\n");
    for text in [on_its_line, on_from, at_the_end] {
        fs::write(w.path().join("go1/Dockerfile"), &text).unwrap();
        for args in [&["split"][..], &["split", "--check", "--strict"], &["split", "-w"]] {
            let mut a = args.to_vec();
            a.push("go1");
            let (code, stdout, stderr) = run(w.path(), &a);
            assert_eq!(code, 0, "{a:?}: {stderr}");
            assert_eq!(stdout, "");
            assert_eq!(stderr, "go1/Dockerfile: left as is: ignored by comment\n");
        }
        assert_eq!(fs::read_to_string(w.path().join("go1/Dockerfile")).unwrap(), text);
    }
}

#[test]
fn stdin_in_stdout_out() {
    let w = workspace();
    let dir = w.path().join("go1");
    let (_, expected, _) = run(&dir, &["split", "--stdout"]);
    assert!(expected.contains("AS builder"));
    // The context defaults to the current directory...
    dockslim()
        .current_dir(&dir)
        .args(["split", "-"])
        .write_stdin(GO)
        .assert()
        .code(0)
        .stdout(expected.clone())
        .stderr(predicate::str::starts_with("-: golang:1.22 -> "));
    // ... or is named with --context.
    dockslim()
        .current_dir(w.path())
        .args(["split", "--context", "go1", "-"])
        .write_stdin(GO)
        .assert()
        .code(0)
        .stdout(expected);
    // Left as is: the input comes back unchanged.
    let plain = "FROM alpine:3.20\r\nRUN echo hi\r\n";
    dockslim()
        .current_dir(w.path())
        .args(["split", "--strict", "-"])
        .write_stdin(plain)
        .assert()
        .code(3)
        .stdout(plain)
        .stderr(predicate::str::starts_with("-: left as is: "));
    dockslim()
        .current_dir(&dir)
        .args(["split", "--check", "-"])
        .write_stdin(GO)
        .assert()
        .code(1)
        .stderr("-: would be rewritten\n");
    dockslim()
        .current_dir(&dir)
        .args(["split", "-"])
        .write_stdin("FROM golang:1.22\nCOPY onlyone\n")
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::starts_with("-: error: parse error at line 2"));
    for args in [&["split", "-w", "-"][..], &["split", "-", "Dockerfile"]] {
        dockslim()
            .current_dir(&dir)
            .args(args)
            .write_stdin(GO)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("standard input must be the only PATH"));
    }
    assert_eq!(fs::read_to_string(dir.join("Dockerfile")).unwrap(), GO);
}

#[test]
fn json_has_one_object_per_file() {
    let w = workspace();
    let (code, stdout, stderr) = run(
        w.path(),
        &[
            "split", "--check", "--format", "json", "go1", "plain", "done", "missing",
        ],
    );
    assert_eq!(code, 2);
    assert_eq!(stderr, "missing: error: no such file\n", "only errors reach stderr");
    let files: Vec<Value> = serde_json::from_str(&stdout).unwrap();
    assert_eq!(files.len(), 4);
    let go = &files[0];
    assert_eq!(go["path"], "go1/Dockerfile");
    assert_eq!(go["diff_path"], "go1/Dockerfile");
    assert_eq!(go["outcome"], "rewritten");
    assert_eq!(go["written"], false);
    assert_eq!(go["language"], "go");
    assert_eq!(go["builder"], "golang:1.22");
    assert_eq!(go["runtime"], "gcr.io/distroless/static-debian12:latest");
    assert!(go["user"].is_string());
    assert_eq!(go["carried"], serde_json::json!(["/work/app"]));
    assert!(go["packages"].is_array());
    assert!(
        go["diff"]
            .as_str()
            .unwrap()
            .contains("+FROM gcr.io/distroless/static-debian12:latest\n")
    );
    let outcomes: Vec<&str> = files.iter().map(|f| f["outcome"].as_str().unwrap()).collect();
    assert_eq!(outcomes, ["rewritten", "left-as-is", "unchanged", "error"]);
    assert_eq!(files[3]["reason"], "no such file");
    // --stdout puts the new text in the object instead of the diff.
    let (_, stdout, _) = run(w.path(), &["split", "--stdout", "--format", "json", "go1"]);
    let files: Vec<Value> = serde_json::from_str(&stdout).unwrap();
    assert!(
        files[0]["text"]
            .as_str()
            .unwrap()
            .starts_with("FROM golang:1.22 AS builder\n")
    );
    assert!(files[0].get("diff").is_none());
    // --write says it wrote.
    let (_, stdout, _) = run(w.path(), &["split", "--write", "--format", "json", "go2"]);
    let files: Vec<Value> = serde_json::from_str(&stdout).unwrap();
    assert_eq!(files[0]["written"], true);
}

/// The official SARIF 2.1.0 schema (OASIS, errata01), vendored.
fn sarif_validator() -> jsonschema::Validator {
    let schema: Value =
        serde_json::from_str(include_str!("sarif/sarif-schema-2.1.0.json")).expect("the schema is JSON");
    jsonschema::draft4::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the schema compiles")
}

fn schema_errors(validator: &jsonschema::Validator, log: &Value) -> Vec<String> {
    validator
        .iter_errors(log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

#[test]
fn sarif_validates_against_the_2_1_0_schema() {
    let validator = sarif_validator();
    // The validator does reject what is not SARIF.
    let bad = serde_json::json!({"version": "2.1.0", "runs": [{"results": []}]});
    assert!(!schema_errors(&validator, &bad).is_empty());
    let w = workspace();
    let (code, stdout, _) = run(
        w.path(),
        &[
            "split", "--check", "--strict", "--format", "sarif", "go1", "plain", "done", "missing",
        ],
    );
    assert_eq!(code, 2);
    let log: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(schema_errors(&validator, &log), Vec::<String>::new());
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    assert_eq!(results[0]["ruleId"], "dockslim/single-stage");
    let loc = &results[0]["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "go1/Dockerfile");
    assert_eq!(loc["region"]["startLine"], 1);
    assert_eq!(results[1]["ruleId"], "dockslim/left-as-is");
    assert_eq!(log["runs"][0]["invocations"][0]["executionSuccessful"], false);
    // A clean run is valid too, with no results.
    let (code, stdout, _) = run(w.path(), &["split", "--check", "--format", "sarif", "done"]);
    assert_eq!(code, 0);
    let log: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(schema_errors(&validator, &log), Vec::<String>::new());
    assert_eq!(log["runs"][0]["results"], serde_json::json!([]));
}

#[test]
fn github_annotations() {
    let w = workspace();
    let (code, stdout, stderr) = run(
        w.path(),
        &[
            "split", "--check", "--format", "github", "go1", "plain", "done", "missing",
        ],
    );
    assert_eq!(code, 2);
    assert_eq!(stderr, "");
    let lines: Vec<&str> = stdout.lines().filter(|l| l.starts_with("::")).collect();
    assert_eq!(lines[0], "::group::go1/Dockerfile");
    assert_eq!(lines[1], "::endgroup::");
    assert!(
        lines[2].starts_with(
            "::warning file=go1/Dockerfile,line=1,title=dockslim::go1/Dockerfile: would be rewritten \
             (run dockslim split --write go1/Dockerfile): golang:1.22 -> "
        ),
        "{}",
        lines[2]
    );
    assert!(
        lines[3].starts_with("::notice file=plain/Dockerfile,line=1,title=dockslim::plain/Dockerfile: left as is: ")
    );
    assert_eq!(
        lines[4],
        "::error file=missing,title=dockslim::missing: error: no such file"
    );
    assert_eq!(lines.len(), 5, "nothing for the unchanged file: {stdout}");
    assert!(stdout.ends_with("1 file would be rewritten, 1 unchanged, 1 left as is, 1 error\n"));
    assert!(
        stdout.contains("\n+FROM gcr.io/distroless/static-debian12:latest\n"),
        "the diff is in the group"
    );
}

#[test]
fn quiet_prints_only_errors() {
    let w = workspace();
    dockslim()
        .current_dir(w.path())
        .args(["split", "--check", "-q", "go1", "plain", "done"])
        .assert()
        .code(1)
        .stdout("")
        .stderr("");
    dockslim()
        .current_dir(w.path())
        .args(["split", "--quiet", "go1", "missing"])
        .assert()
        .code(2)
        .stdout("")
        .stderr("missing: error: no such file\n");
    dockslim()
        .current_dir(w.path())
        .args(["split", "--check", "-q", "--format", "github", "go1", "missing"])
        .assert()
        .code(2)
        .stdout("::error file=missing,title=dockslim::missing: error: no such file\n");
    dockslim()
        .current_dir(w.path().join("go2"))
        .args(["split", "-q", "-"])
        .write_stdin(GO)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("AS builder"))
        .stderr("");
}

fn have(tool: &str) -> bool {
    Std::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// `../x/Dockerfile` and an absolute path give a diff that `git apply` and `patch -p1` take
/// from the repository root, as `--write` would.
#[test]
fn diff_paths_apply_from_the_repository_root() {
    assert!(have("git") && have("patch"), "git and patch are needed");
    let t = TempDir::new().unwrap();
    let repo = t.path().join("repo");
    go_project(&repo.join("services/api"));
    fs::create_dir_all(repo.join("tools")).unwrap();
    git(&repo, &["init", "-q"]);
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "init"]);
    let written = {
        let copy = TempDir::new().unwrap();
        go_project(copy.path());
        dockslim()
            .current_dir(copy.path())
            .args(["split", "-w"])
            .assert()
            .code(0);
        fs::read(copy.path().join("Dockerfile")).unwrap()
    };
    let abs = repo.join("services/api/Dockerfile");
    let outside = TempDir::new().unwrap();
    for (cwd, arg) in [
        (repo.join("tools"), "../services/api/Dockerfile".to_string()),
        (repo.join("tools"), abs.to_string_lossy().into_owned()),
        (outside.path().to_path_buf(), abs.to_string_lossy().into_owned()),
        (repo.join("services"), "api".to_string()),
    ] {
        let (code, diff, _) = run(&cwd, &["split", &arg]);
        assert_eq!(code, 0);
        assert!(
            diff.starts_with("--- a/services/api/Dockerfile\n+++ b/services/api/Dockerfile\n"),
            "{arg} from {}: {diff}",
            cwd.display()
        );
        let patch = t.path().join("change.diff");
        fs::write(&patch, &diff).unwrap();
        let apply = |cmd: &mut Std| {
            let ok = cmd.current_dir(&repo).status().unwrap().success();
            assert!(ok, "{cmd:?} failed for {arg}");
            assert_eq!(fs::read(&abs).unwrap(), written, "{cmd:?} for {arg}");
            git(&repo, &["checkout", "-q", "--", "."]);
        };
        apply(Std::new("git").arg("apply").arg(&patch));
        apply(Std::new("patch").args(["-p1", "-s", "-i"]).arg(&patch));
    }
}

#[test]
fn bare_split_finds_a_containerfile() {
    let t = TempDir::new().unwrap();
    go_project(t.path());
    fs::rename(t.path().join("Dockerfile"), t.path().join("Containerfile")).unwrap();
    let (code, bare, stderr) = run(t.path(), &["split"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(bare.starts_with("--- a/Containerfile\n+++ b/Containerfile\n"), "{bare}");
    assert_eq!(run(t.path(), &["split", "."]).1, bare);
    // With both, Dockerfile wins, as for a directory.
    fs::write(t.path().join("Dockerfile"), GO).unwrap();
    assert!(run(t.path(), &["split"]).1.starts_with("--- a/Dockerfile\n"));
}

#[test]
fn split_help_ends_with_three_examples() {
    let (code, help, _) = run(Path::new("."), &["split", "--help"]);
    assert_eq!(code, 0);
    let tail = &help[help.find("Examples:").expect("an Examples section")..];
    let commands: Vec<&str> = tail
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("dockslim "))
        .collect();
    assert_eq!(
        commands,
        [
            "dockslim split",
            "dockslim split --write svc",
            "dockslim split --check $(git ls-files '*Dockerfile')"
        ]
    );
    assert!(help.trim_end().ends_with(commands[2]));
    for flag in [
        "--format <FORMAT>",
        "--quiet",
        "[possible values: text, json, sarif, github]",
    ] {
        assert!(help.contains(flag), "{flag}: {help}");
    }
}

#[test]
fn completions_and_man_pages_come_from_the_cli() {
    for (shell, needle) in [
        ("bash", "complete -F _dockslim"),
        ("zsh", "#compdef dockslim"),
        ("fish", "complete -c dockslim"),
    ] {
        let (code, script, _) = run(Path::new("."), &["generate", "completions", shell]);
        assert_eq!(code, 0);
        assert!(script.contains(needle), "{shell}");
        assert!(script.contains("strict") && script.contains("sarif"), "{shell}");
    }
    if have("bash") {
        let t = TempDir::new().unwrap();
        let (_, script, _) = run(t.path(), &["generate", "completions", "bash"]);
        fs::write(t.path().join("c.bash"), script).unwrap();
        let ok = Std::new("bash")
            .arg("-n")
            .arg(t.path().join("c.bash"))
            .status()
            .unwrap();
        assert!(ok.success(), "the bash completion parses");
    }
    let t = TempDir::new().unwrap();
    let (code, listed, _) = run(t.path(), &["generate", "man", "man"]);
    assert_eq!(code, 0);
    let mut pages: Vec<String> = fs::read_dir(t.path().join("man"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    pages.sort();
    assert_eq!(pages, ["dockslim-split.1", "dockslim-verify.1", "dockslim.1"]);
    assert_eq!(listed.lines().count(), 3);
    let split = fs::read_to_string(t.path().join("man/dockslim-split.1")).unwrap();
    assert!(
        split.contains(".TH dockslim-split 1") && split.contains("\\-\\-check"),
        "{split}"
    );
    let (_, top, _) = run(t.path(), &["generate", "man"]);
    assert!(top.contains(".TH dockslim 1"));
    // It is hidden from --help.
    let (_, help, _) = run(t.path(), &["--help"]);
    assert!(!help.contains("generate"));
}

#[test]
fn the_repositorys_own_dockerfile_is_multi_stage() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    dockslim()
        .current_dir(root)
        .args(["split", "--check", "--strict", "Dockerfile"])
        .assert()
        .code(0)
        .stdout("")
        .stderr(predicate::str::starts_with(
            "Dockerfile: nothing to change: already multi-stage",
        ));
}

/// The GitHub Action's check step, run as the action runs it, in a scratch repository.
#[test]
fn github_action_checks_the_dockerfiles_git_tracks() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let action = fs::read_to_string(root.join("action.yml")).unwrap();
    assert!(action.contains("using: composite"));
    assert!(action.contains(r#"cargo install --locked --path "$GITHUB_ACTION_PATH""#));
    assert!(action.contains(r#"run: bash "$GITHUB_ACTION_PATH/scripts/github-action.sh""#));
    let w = workspace();
    fs::rename(w.path().join("done/Dockerfile"), w.path().join("done/Containerfile")).unwrap();
    fs::write(w.path().join("go2/notes.txt"), "not a Dockerfile\n").unwrap();
    fs::write(w.path().join("untracked.Dockerfile"), GO).unwrap();
    git(w.path(), &["init", "-q"]);
    git(w.path(), &["add", "go1", "go2", "plain", "done"]);
    let step = |paths: &str, args: &str| {
        let out = Std::new("bash")
            .arg(root.join("scripts/github-action.sh"))
            .current_dir(w.path())
            .env("DOCKSLIM", env!("CARGO_BIN_EXE_dockslim"))
            .env("INPUT_PATHS", paths)
            .env("INPUT_ARGS", args)
            .output()
            .unwrap();
        (out.status.code().unwrap_or(-1), String::from_utf8(out.stdout).unwrap())
    };
    let (code, out) = step("", "");
    assert_eq!(code, 1, "{out}");
    let annotations: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("::warning") || l.starts_with("::notice") || l.starts_with("::error"))
        .map(|l| l.split("::").nth(1).unwrap())
        .collect();
    assert_eq!(
        annotations,
        [
            "warning file=go1/Dockerfile,line=1,title=dockslim",
            "warning file=go2/Dockerfile,line=1,title=dockslim",
            "notice file=plain/Dockerfile,line=1,title=dockslim"
        ]
    );
    assert!(
        out.ends_with("2 files would be rewritten, 1 unchanged, 1 left as is\n"),
        "{out}"
    );
    assert_eq!(step("", "--strict").0, 3);
    assert_eq!(step("done plain", "").0, 0);
}
