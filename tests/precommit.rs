//! The pre-commit hook, end to end, through the real `pre-commit` (installed from PyPI by
//! scripts/test.sh, which names it in `PRE_COMMIT` and runs these ignored tests):
//! the README's snippet, copied into a scratch repository with this repository as the hook,
//! fails a commit of a single-stage Dockerfile and prints the diff, passes the rewritten file
//! and a file with `# dockslim: ignore`, and `--strict` passes dockslim's own output.
//!
//! The hook repository is a snapshot of this working tree committed with fixed dates (so the
//! same tree gives the same commit and pre-commit reuses its build); in CI's clean checkout it
//! is HEAD's tree.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const GO: &str =
    "FROM golang:1.22\nWORKDIR /work/app\nCOPY main.go go.mod ./\nRUN go mod tidy\nRUN go build .\nCMD [\"./main\"]\n";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn pre_commit() -> PathBuf {
    PathBuf::from(std::env::var_os("PRE_COMMIT").expect("PRE_COMMIT names the pre-commit binary (scripts/test.sh)"))
}

/// Runs `cmd`, returning its output; stdout and stderr are kept apart but both are shown on
/// failure.
fn run(cmd: &mut Command) -> Output {
    cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"))
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// `program` run in `dir` with fixed git identities and dates, and pre-commit's cache and the
/// hook's cargo build kept under target/ between runs.
fn cmd(program: impl AsRef<std::ffi::OsStr>, dir: &Path) -> Command {
    let mut c = Command::new(program);
    c.current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.invalid")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.invalid")
        .env("GIT_AUTHOR_DATE", "2026-01-01T00:00:00Z")
        .env("GIT_COMMITTER_DATE", "2026-01-01T00:00:00Z")
        .env("PRE_COMMIT_HOME", root().join("target/precommit/home"))
        .env("CARGO_TARGET_DIR", root().join("target/precommit/cargo-target"));
    c
}

fn git(dir: &Path) -> Command {
    cmd("git", dir)
}

fn ok(cmd: &mut Command) -> String {
    let o = run(cmd);
    assert!(o.status.success(), "{cmd:?} failed:\n{}", text(&o));
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

/// Commits the working tree of this repository (tracked and untracked files, less what
/// .gitignore ignores) into its own repository under target/, returning its path and commit.
fn hook_repo() -> (PathBuf, String) {
    let repo = root().join("target/precommit/hook-repo");
    let _ = fs::remove_dir_all(&repo);
    fs::create_dir_all(&repo).unwrap();
    ok(git(&repo).args(["init", "-q", "-b", "main"]));
    let git_dir = repo.join(".git");
    let in_tree = |args: &[&str]| {
        let mut c = git(root());
        c.arg("--git-dir")
            .arg(&git_dir)
            .arg("--work-tree")
            .arg(root())
            .args(args);
        ok(&mut c)
    };
    in_tree(&["add", "-A", "."]);
    in_tree(&["commit", "-q", "-m", "snapshot"]);
    let sha = ok(git(&repo).args(["rev-parse", "HEAD"]));
    (repo, sha)
}

/// The README's pre-commit snippet pinned by commit, with this repository's URL and commit
/// replaced by the hook repository's.
fn readme_config(repo: &Path, sha: &str, args: Option<&str>) -> String {
    let readme = fs::read_to_string(root().join("README.md")).unwrap();
    let block = readme
        .split("```yaml\n")
        .skip(1)
        .map(|b| &b[..b.find("```").unwrap()])
        .find(|b| b.contains("id: dockslim") && b.contains("rev: ") && !b.contains("rev: v"))
        .expect("the README has a commit-pinned pre-commit snippet");
    let mut out = String::new();
    for line in block.lines() {
        let indent = &line[..line.len() - line.trim_start().len()];
        if line.trim_start().starts_with("- repo:") {
            out.push_str(&format!("{indent}- repo: {}\n", repo.display()));
        } else if line.trim_start().starts_with("rev:") {
            out.push_str(&format!("{indent}rev: {sha}\n"));
        } else {
            out.push_str(line);
            out.push('\n');
            if let (Some(a), true) = (args, line.trim_start().starts_with("- id: dockslim")) {
                out.push_str(&format!("{indent}  args: [{a}]\n"));
            }
        }
    }
    out
}

fn go_project(dir: &Path, dockerfile: &str) {
    fs::create_dir_all(dir).unwrap();
    fs::write(dir.join("Dockerfile"), dockerfile).unwrap();
    fs::write(dir.join("go.mod"), "module main\n\ngo 1.22\n").unwrap();
    fs::write(dir.join("main.go"), "package main\n\nfunc main() { println(\"hi\") }\n").unwrap();
}

#[test]
#[ignore = "needs pre-commit from PyPI: scripts/test.sh runs it"]
fn pre_commit_hook_end_to_end() {
    let pc = pre_commit();
    let (repo, sha) = hook_repo();
    let scratch = tempfile::tempdir().unwrap();
    let work = scratch.path();
    ok(git(work).args(["init", "-q", "-b", "main"]));
    fs::write(work.join(".pre-commit-config.yaml"), readme_config(&repo, &sha, None)).unwrap();
    go_project(work, GO);
    let pre_commit = |args: &[&str]| {
        let mut c = cmd(&pc, work);
        c.args(args);
        c
    };
    let commit = |msg: &str| run(git(work).args(["commit", "-m", msg]));
    ok(&mut pre_commit(&["install"]));
    // pre-commit builds the hook with cargo on first use.
    ok(&mut pre_commit(&["install-hooks"]));

    // 1. A single-stage Dockerfile fails the commit, with the diff and what to run.
    ok(git(work).args(["add", "."]));
    let o = commit("single-stage");
    let out = text(&o);
    assert!(!o.status.success(), "the commit should fail:\n{out}");
    assert!(out.contains("dockslim") && out.contains("Failed"), "{out}");
    assert!(out.contains("--- a/Dockerfile\n+++ b/Dockerfile\n"), "{out}");
    assert!(
        out.contains("+FROM gcr.io/distroless/static-debian12:latest\n"),
        "{out}"
    );
    assert!(
        out.contains("Dockerfile: would be rewritten (run dockslim split --write Dockerfile)"),
        "{out}"
    );
    assert!(
        !run(git(work).args(["rev-parse", "-q", "--verify", "HEAD"]))
            .status
            .success()
    );

    // 2. The rewritten file passes.
    ok(Command::new(env!("CARGO_BIN_EXE_dockslim"))
        .current_dir(work)
        .args(["split", "--write"]));
    ok(git(work).args(["add", "Dockerfile"]));
    let o = commit("multi-stage");
    assert!(o.status.success(), "the rewritten file should pass:\n{}", text(&o));
    assert!(text(&o).contains("Passed"), "{}", text(&o));

    // 3. A single-stage file with an ignore comment passes.
    go_project(&work.join("tools"), &format!("# dockslim: ignore\n{GO}"));
    ok(git(work).args(["add", "tools"]));
    let o = commit("ignored");
    assert!(o.status.success(), "the ignored file should pass:\n{}", text(&o));

    // 4. --strict: dockslim's own output and the ignored file pass; a file dockslim cannot
    //    split fails.
    fs::write(
        work.join(".pre-commit-config.yaml"),
        readme_config(&repo, &sha, Some("--strict")),
    )
    .unwrap();
    let o = run(&mut pre_commit(&["run", "--all-files"]));
    assert!(o.status.success(), "--strict on dockslim's output:\n{}", text(&o));
    fs::create_dir(work.join("base")).unwrap();
    fs::write(work.join("base/Dockerfile"), "FROM alpine:3.20\nRUN echo hi\n").unwrap();
    ok(git(work).args(["add", "base", ".pre-commit-config.yaml"]));
    let o = run(&mut pre_commit(&["run", "--all-files"]));
    let out = text(&o);
    assert!(!o.status.success(), "{out}");
    assert!(
        out.contains("base/Dockerfile: left as is: no Go, Rust or Node.js build found"),
        "{out}"
    );
    assert!(!out.contains("Dockerfile: left as is: already"), "{out}");
}

/// action.yml parses as YAML (with the PyYAML pre-commit brings) and is a composite action
/// whose steps install dockslim from the action's own checkout and run the check script.
#[test]
#[ignore = "needs PyYAML from PyPI: scripts/test.sh runs it"]
fn action_yml_is_a_composite_action() {
    let python = pre_commit().with_file_name("python");
    let script = r#"
import json, sys, yaml
a = yaml.safe_load(open(sys.argv[1]))
print(json.dumps(a))
"#;
    let out = ok(Command::new(python)
        .arg("-c")
        .arg(script)
        .arg(root().join("action.yml")));
    let a: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(a["name"], "dockslim");
    assert!(a["description"].as_str().is_some_and(|d| !d.is_empty()));
    assert_eq!(a["runs"]["using"], "composite");
    let steps = a["runs"]["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 2);
    for s in steps {
        assert_eq!(s["shell"], "bash");
    }
    assert!(
        steps[0]["run"]
            .as_str()
            .unwrap()
            .starts_with("cargo install --locked --path \"$GITHUB_ACTION_PATH\"")
    );
    assert_eq!(steps[1]["run"], "bash \"$GITHUB_ACTION_PATH/scripts/github-action.sh\"");
    assert_eq!(steps[1]["env"]["INPUT_PATHS"], "${{ inputs.paths }}");
    assert!(a["inputs"]["paths"].is_object() && a["inputs"]["args"].is_object());
}
