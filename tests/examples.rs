//! Snapshot tests: the rewrite of every example (`examples/*`) and fixture (`tests/fixtures/*`),
//! with its summary or its reason for leaving the file as is. Each rewrite is also split again
//! to prove idempotence, and must leave every original line outside the edits intact.

use std::path::{Path, PathBuf};

use dockslim::config::Config;
use dockslim::context::DirContext;
use dockslim::template::TemplateSet;
use dockslim::{Options, Outcome, Skip};

fn cases() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for dir in ["examples", "tests/fixtures"] {
        let Ok(rd) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        for e in rd.flatten() {
            if e.path().join("Dockerfile").is_file() {
                out.push(e.path());
            }
        }
    }
    out.sort();
    out
}

fn config_for(dir: &Path) -> Config {
    match dockslim::config::discover(dir) {
        Some(p) => Config::load(&p).expect("example config parses"),
        None => Config::default(),
    }
}

/// Renders what `dockslim split` decides for one case.
fn render(dir: &Path) -> String {
    let text = std::fs::read_to_string(dir.join("Dockerfile")).expect("readable");
    let config = config_for(dir);
    let opts = Options {
        lang: None,
        runtime: None,
        config: &config,
        templates: TemplateSet::builtin(),
    };
    let ctx = DirContext::new(dir);
    match dockslim::split(&text, &ctx, &opts).expect("no error") {
        Outcome::LeftAsIs(reason) => format!("left as is: {reason}\n"),
        Outcome::Rewritten { text: new, summary } => {
            // Idempotent: splitting the output changes nothing.
            match dockslim::split(&new, &ctx, &opts).expect("output parses") {
                Outcome::LeftAsIs(Skip::MultiStage(2)) => {}
                other => panic!("{}: second split did something: {other:?}", dir.display()),
            }
            // Every original line is still there, in order (the split only adds, or moves
            // runtime metadata into the runtime stage).
            let diff = similar::TextDiff::from_lines(&text, &new);
            let removed: Vec<String> = diff
                .iter_all_changes()
                .filter(|c| c.tag() == similar::ChangeTag::Delete)
                .map(|c| c.value().to_string())
                .collect();
            for line in &removed {
                assert!(
                    new.contains(line.trim_end_matches(['\r', '\n'])) || is_edited(line),
                    "{}: line lost: {line:?}",
                    dir.display()
                );
            }
            format!("summary: {summary}\n\n{new}")
        }
    }
}

/// Lines the split may legitimately change: the FROM (named), the build command (flags), and
/// shell-form commands turned into exec form.
fn is_edited(line: &str) -> bool {
    let l = line.trim_start().to_ascii_lowercase();
    [
        "from ",
        "run ",
        "cmd ",
        "entrypoint ",
        "healthcheck ",
        "env ",
        "    ",
        "  ",
    ]
    .iter()
    .any(|p| l.starts_with(p))
        || line.starts_with(' ')
}

#[test]
fn every_example_and_fixture() {
    let cases = cases();
    assert!(!cases.is_empty());
    for dir in cases {
        let group = dir
            .parent()
            .and_then(|p| p.file_name())
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default();
        let name = format!("{}__{}", group, dir.file_name().unwrap().to_string_lossy());
        insta::assert_snapshot!(name, render(&dir));
    }
}
