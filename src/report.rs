//! Report: how `dockslim split` tells what happened to each file, in each `--format`: text for
//! people (diffs, one line per file, black-style `--check` lines and a count), JSON with one
//! object per file, SARIF 2.1.0 for code scanning, and GitHub workflow-command annotations.
//! It also owns the exit code. It only builds text: the command line prints it.

use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::app::{FileReport, STDIN};
use crate::{Skip, emit, ignore, parse};

/// Exit code: success.
pub const EXIT_OK: u8 = 0;
/// Exit code: `--check` and at least one file would be rewritten.
pub const EXIT_CHECK: u8 = 1;
/// Exit code: an error.
pub const EXIT_ERROR: u8 = 2;
/// Exit code: `--strict` and at least one file was left as is.
pub const EXIT_STRICT: u8 = 3;

/// The output format (`--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// Diffs and one line per file, for people.
    #[default]
    Text,
    /// A JSON array with one object per file.
    Json,
    /// One SARIF 2.1.0 log.
    Sarif,
    /// GitHub Actions workflow commands (`::warning file=...`).
    Github,
}

/// What is produced for a file that changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Output {
    /// A unified diff.
    #[default]
    Diff,
    /// The file was rewritten in place.
    Write,
    /// The whole new file (`--stdout`, and always for standard input).
    File,
}

/// How one run of `dockslim split` reports.
#[derive(Debug, Clone, Copy, Default)]
pub struct Settings {
    /// `--format`.
    pub format: Format,
    /// Diff, write or whole file.
    pub output: Output,
    /// `--check`: a file that would change fails the run.
    pub check: bool,
    /// `--strict`: a file left as is fails the run.
    pub strict: bool,
    /// `--quiet`: only errors (and the file itself with `--stdout`; the whole document in
    /// JSON and SARIF).
    pub quiet: bool,
    /// Colour the text diff.
    pub color: bool,
}

/// What became of one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// It would be (or was) rewritten.
    Rewritten,
    /// Nothing to change: it is already multi-stage (dockslim's own output is).
    Unchanged,
    /// Left as is: dockslim cannot split it safely.
    LeftAsIs,
    /// Left as is because a `# dockslim: ignore` comment says so.
    Ignored,
    /// It could not be handled.
    Error,
}

impl Status {
    /// The status of `report`.
    pub fn of(report: &FileReport) -> Status {
        match report {
            FileReport::Changed { .. } => Status::Rewritten,
            FileReport::LeftAsIs {
                reason: Skip::MultiStage(_),
                ..
            } => Status::Unchanged,
            FileReport::LeftAsIs { reason, .. } if ignore::is_ignored(reason) => Status::Ignored,
            FileReport::LeftAsIs { .. } => Status::LeftAsIs,
            FileReport::Failed { .. } => Status::Error,
        }
    }

    /// The `outcome` value of the JSON output.
    pub fn name(self) -> &'static str {
        match self {
            Status::Rewritten => "rewritten",
            Status::Unchanged => "unchanged",
            Status::LeftAsIs | Status::Ignored => "left-as-is",
            Status::Error => "error",
        }
    }
}

/// A piece of output, in the order it must appear.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Chunk {
    /// Text for standard output, printed as is.
    Out(String),
    /// One message line for standard error (without its newline).
    Err(String),
}

/// Files per status, for the closing count line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Would be (or were) rewritten.
    pub rewritten: usize,
    /// Nothing to change.
    pub unchanged: usize,
    /// Left as is (ignored by comment included).
    pub left: usize,
    /// Errors.
    pub errors: usize,
}

impl Counts {
    /// All files.
    pub fn total(&self) -> usize {
        self.rewritten + self.unchanged + self.left + self.errors
    }

    fn add(&mut self, status: Status) {
        match status {
            Status::Rewritten => self.rewritten += 1,
            Status::Unchanged => self.unchanged += 1,
            Status::LeftAsIs | Status::Ignored => self.left += 1,
            Status::Error => self.errors += 1,
        }
    }

    /// The count line, e.g. `2 files would be rewritten, 1 left as is, 1 error`. `written`
    /// says "rewritten" instead of "would be rewritten".
    pub fn line(&self, written: bool) -> String {
        let files = |n: usize| {
            if n == 1 {
                "1 file".to_string()
            } else {
                format!("{n} files")
            }
        };
        let mut parts: Vec<String> = Vec::new();
        let verb = if written { "rewritten" } else { "would be rewritten" };
        for (n, what) in [
            (self.rewritten, verb),
            (self.unchanged, "unchanged"),
            (self.left, "left as is"),
        ] {
            if n > 0 {
                let count = if parts.is_empty() { files(n) } else { n.to_string() };
                parts.push(format!("{count} {what}"));
            }
        }
        match self.errors {
            0 => {}
            1 => parts.push("1 error".into()),
            n => parts.push(format!("{n} errors")),
        }
        if parts.is_empty() {
            return "no files".into();
        }
        parts.join(", ")
    }
}

/// Exit codes ranked by severity: error, strict refusal, check failure, success.
pub fn worst(a: u8, b: u8) -> u8 {
    let rank = |c: u8| match c {
        EXIT_ERROR => 3,
        EXIT_STRICT => 2,
        EXIT_CHECK => 1,
        _ => 0,
    };
    if rank(b) > rank(a) { b } else { a }
}

/// Collects the outcome of each file of a run and turns it into output.
#[derive(Debug, Default)]
pub struct Reporter {
    settings: Settings,
    counts: Counts,
    code: u8,
    json: Vec<String>,
    results: Vec<Value>,
    notifications: Vec<Value>,
}

impl Reporter {
    /// A reporter for one run.
    pub fn new(settings: Settings) -> Self {
        Reporter {
            settings,
            ..Reporter::default()
        }
    }

    /// The exit code so far.
    pub fn exit_code(&self) -> u8 {
        self.code
    }

    /// The files per status so far.
    pub fn counts(&self) -> Counts {
        self.counts
    }

    /// Records one file; `patch_path` is the path its diff names it by (see
    /// [`crate::app::patch_path`]). Returns what to print now.
    pub fn file(&mut self, report: &FileReport, patch_path: &str) -> Vec<Chunk> {
        let status = Status::of(report);
        self.counts.add(status);
        self.code = worst(self.code, self.code_of(status));
        let file = File::new(report, patch_path);
        match self.settings.format {
            Format::Text => text_chunks(&file, self.settings),
            Format::Github => github_chunks(&file, self.settings),
            Format::Json => {
                self.json.push(json_object(&file, self.settings));
                error_line(&file)
            }
            Format::Sarif => {
                self.sarif_add(&file);
                error_line(&file)
            }
        }
    }

    /// What to print after the last file: the JSON or SARIF document, or the count line
    /// (text with `--check` or `--write`, and GitHub) when there was more than one file.
    pub fn finish(&self) -> Vec<Chunk> {
        let s = self.settings;
        let several = self.counts.total() > 1;
        match s.format {
            Format::Text if several && !s.quiet && (s.check || s.output == Output::Write) => {
                vec![Chunk::Err(self.counts.line(s.output == Output::Write))]
            }
            Format::Github if several && !s.quiet => {
                vec![Chunk::Out(format!("{}\n", self.counts.line(s.output == Output::Write)))]
            }
            Format::Json => vec![Chunk::Out(json_array(&self.json))],
            Format::Sarif => vec![Chunk::Out(pretty(&self.sarif_log()))],
            _ => Vec::new(),
        }
    }

    fn code_of(&self, status: Status) -> u8 {
        match status {
            Status::Error => EXIT_ERROR,
            Status::LeftAsIs if self.settings.strict => EXIT_STRICT,
            Status::Rewritten if self.settings.check => EXIT_CHECK,
            _ => EXIT_OK,
        }
    }

    fn sarif_add(&mut self, file: &File<'_>) {
        let location = |uri: &str, line: usize| {
            json!({
                "physicalLocation": {
                    "artifactLocation": { "uri": uri, "uriBaseId": "%SRCROOT%" },
                    "region": { "startLine": line }
                }
            })
        };
        let result = |rule: usize, level: &str, text: String| {
            json!({
                "ruleId": RULES[rule].0,
                "ruleIndex": rule,
                "level": level,
                "message": { "text": text },
                "locations": [location(file.patch_path, file.line_of_from())]
            })
        };
        match (file.status, file.report) {
            (Status::Rewritten, FileReport::Changed { summary, .. }) => {
                let text = format!("{}: {}", file.headline(self.settings), summary);
                self.results.push(result(0, "warning", text));
            }
            (Status::LeftAsIs, FileReport::LeftAsIs { reason, .. }) if self.settings.strict => {
                self.results
                    .push(result(1, "warning", format!("{}: left as is: {reason}", file.display)));
            }
            (Status::Error, FileReport::Failed { message, .. }) => self.notifications.push(json!({
                "level": "error",
                "message": { "text": format!("{}: error: {message}", file.display) },
                "locations": [location(file.patch_path, 1)]
            })),
            _ => {}
        }
    }

    fn sarif_log(&self) -> Value {
        let rules: Vec<Value> = RULES
            .iter()
            .map(|(id, name, short, full)| {
                json!({
                    "id": id,
                    "name": name,
                    "shortDescription": { "text": short },
                    "fullDescription": { "text": full },
                    "help": { "text": full },
                    "defaultConfiguration": { "level": "warning" }
                })
            })
            .collect();
        let mut driver = json!({
            "name": "dockslim",
            "version": env!("CARGO_PKG_VERSION"),
            "semanticVersion": env!("CARGO_PKG_VERSION"),
            "rules": rules
        });
        if let Some(uri) = option_env!("CARGO_PKG_REPOSITORY").filter(|u| !u.is_empty()) {
            driver["informationUri"] = json!(uri);
        }
        json!({
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [{
                "tool": { "driver": driver },
                "invocations": [{
                    "executionSuccessful": self.notifications.is_empty(),
                    "exitCode": self.code,
                    "toolExecutionNotifications": self.notifications
                }],
                "results": self.results
            }]
        })
    }
}

/// The SARIF rules: id, name, short and full description.
const RULES: [(&str, &str, &str, &str); 2] = [
    (
        "dockslim/single-stage",
        "SingleStageDockerfile",
        "A single-stage Dockerfile ships its build toolchain",
        "This Dockerfile builds and runs in one stage, so the image carries the compiler, caches \
         and sources. dockslim can split it into a builder stage and a slim runtime stage: run \
         `dockslim split PATH` to see the diff and `dockslim split --write PATH` to apply it.",
    ),
    (
        "dockslim/left-as-is",
        "NotSplit",
        "dockslim cannot split this Dockerfile safely",
        "dockslim leaves this single-stage Dockerfile as is and says why (an unknown language, \
         a start command that needs the toolchain...). Reported only with --strict; add \
         `# dockslim: ignore` to the file to opt out on purpose.",
    ),
];

/// One file's report with what every format needs.
struct File<'a> {
    report: &'a FileReport,
    status: Status,
    display: &'a str,
    patch_path: &'a str,
}

impl<'a> File<'a> {
    fn new(report: &'a FileReport, patch_path: &'a str) -> Self {
        File {
            report,
            status: Status::of(report),
            display: report.display(),
            patch_path,
        }
    }

    /// The 1-based line of the (first) FROM instruction, or 1.
    fn line_of_from(&self) -> usize {
        match self.report {
            FileReport::Changed { old, .. } | FileReport::LeftAsIs { old, .. } => from_line(old),
            FileReport::Failed { .. } => 1,
        }
    }

    fn diff(&self) -> Option<String> {
        match self.report {
            FileReport::Changed { old, new, .. } => Some(emit::unified_diff(old, new, self.patch_path)),
            _ => None,
        }
    }

    /// `PATH: would be rewritten (run dockslim split --write PATH)`, or `PATH: rewritten`.
    fn headline(&self, s: Settings) -> String {
        if s.output == Output::Write {
            format!("{}: rewritten", self.display)
        } else if self.display == STDIN {
            format!("{}: would be rewritten", self.display)
        } else {
            format!(
                "{}: would be rewritten (run dockslim split --write {})",
                self.display,
                shell_quote(self.display)
            )
        }
    }
}

fn error_line(file: &File<'_>) -> Vec<Chunk> {
    match file.report {
        FileReport::Failed { display, message } => vec![Chunk::Err(format!("{display}: error: {message}"))],
        _ => Vec::new(),
    }
}

fn text_chunks(file: &File<'_>, s: Settings) -> Vec<Chunk> {
    let mut out = Vec::new();
    let whole_file = s.output == Output::File;
    match file.report {
        FileReport::Failed { .. } => return error_line(file),
        FileReport::LeftAsIs { old, reason, .. } => {
            if whole_file {
                out.push(Chunk::Out(old.clone()));
            }
            if !s.quiet {
                let what = if file.status == Status::Unchanged {
                    "nothing to change"
                } else {
                    "left as is"
                };
                out.push(Chunk::Err(format!("{}: {what}: {reason}", file.display)));
            }
        }
        FileReport::Changed { new, summary, .. } => {
            if whole_file {
                out.push(Chunk::Out(new.clone()));
            }
            if s.quiet {
                return out;
            }
            match s.output {
                Output::Write => out.push(Chunk::Out(format!("{}: rewritten: {summary}\n", file.display))),
                Output::File => {}
                Output::Diff => {
                    let diff = file.diff().unwrap_or_default();
                    out.push(Chunk::Out(if s.color { emit::colorize(&diff) } else { diff }));
                }
            }
            if s.output != Output::Write {
                out.push(Chunk::Err(if s.check {
                    file.headline(s)
                } else {
                    format!("{}: {summary}", file.display)
                }));
            }
        }
    }
    out
}

fn github_chunks(file: &File<'_>, s: Settings) -> Vec<Chunk> {
    let line = file.line_of_from();
    let command = |level: &str, line: Option<usize>, message: &str| {
        let mut c = format!("::{level} file={}", gh_property(file.patch_path));
        if let Some(l) = line {
            let _ = write!(c, ",line={l}");
        }
        let _ = writeln!(c, ",title=dockslim::{}", gh_data(message));
        Chunk::Out(c)
    };
    match file.report {
        FileReport::Failed { message, .. } => {
            vec![command("error", None, &format!("{}: error: {message}", file.display))]
        }
        _ if s.quiet => Vec::new(),
        FileReport::Changed { summary, .. } => {
            let mut out = Vec::new();
            if let Some(diff) = file.diff().filter(|_| s.output != Output::Write) {
                out.push(Chunk::Out(format!(
                    "::group::{}\n{diff}::endgroup::\n",
                    gh_data(file.display)
                )));
            }
            let message = format!("{}: {summary}", file.headline(s));
            out.push(command("warning", Some(line), &message));
            out
        }
        FileReport::LeftAsIs { reason, .. } => match file.status {
            Status::Unchanged => Vec::new(),
            _ => {
                let level = if s.strict && file.status == Status::LeftAsIs {
                    "warning"
                } else {
                    "notice"
                };
                vec![command(
                    level,
                    Some(line),
                    &format!("{}: left as is: {reason}", file.display),
                )]
            }
        },
    }
}

/// One file in the JSON output (fields in this order).
#[derive(serde::Serialize)]
struct FileJson<'a> {
    path: &'a str,
    diff_path: &'a str,
    outcome: &'static str,
    written: bool,
    reason: Option<String>,
    language: Option<&'static str>,
    builder: Option<&'a str>,
    runtime: Option<&'a str>,
    user: Option<&'a str>,
    carried: &'a [String],
    packages: &'a [String],
    dropped: &'a [String],
    announced: Vec<String>,
    notes: &'a [String],
    summary: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    diff: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<&'a str>,
}

fn json_object(file: &File<'_>, s: Settings) -> String {
    let (reason, summary) = match file.report {
        FileReport::Changed { summary, .. } => (None, Some(summary)),
        FileReport::LeftAsIs { reason, .. } => (Some(reason.to_string()), None),
        FileReport::Failed { message, .. } => (Some(message.clone()), None),
    };
    let whole_file = s.output == Output::File;
    let text = match file.report {
        FileReport::Changed { new: text, .. } | FileReport::LeftAsIs { old: text, .. } if whole_file => {
            Some(text.as_str())
        }
        _ => None,
    };
    let none: &[String] = &[];
    let obj = FileJson {
        path: file.display,
        diff_path: file.patch_path,
        outcome: file.status.name(),
        written: file.status == Status::Rewritten && s.output == Output::Write,
        reason,
        language: summary.map(|x| x.language.name()),
        builder: summary.map(|x| x.builder.as_str()),
        runtime: summary.map(|x| x.runtime.as_str()),
        user: summary.map(|x| x.user.as_str()),
        carried: summary.map_or(none, |x| &x.carried),
        packages: summary.map_or(none, |x| &x.packages),
        dropped: summary.map_or(none, |x| &x.dropped),
        announced: summary.map_or(Vec::new(), |x| x.announced.iter().map(ToString::to_string).collect()),
        notes: summary.map_or(none, |x| &x.notes),
        summary: summary.map(ToString::to_string),
        diff: if whole_file { None } else { file.diff() },
        text,
    };
    serde_json::to_string(&obj).unwrap_or_default()
}

/// A JSON array with one object per line.
fn json_array(objects: &[String]) -> String {
    if objects.is_empty() {
        return "[]\n".into();
    }
    format!("[\n  {}\n]\n", objects.join(",\n  "))
}

fn pretty(v: &Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    s
}

/// The 1-based line of the first FROM instruction of `text`, or 1 when it does not parse.
pub fn from_line(text: &str) -> usize {
    let (_, body) = parse::strip_bom(text);
    parse::parse(body)
        .ok()
        .and_then(|df| {
            df.instructions
                .iter()
                .position(|i| matches!(i, parse::Instruction::From(_)))
                .map(|i| df.line(i))
        })
        .unwrap_or(1)
}

/// `path` as one shell word: unchanged when it is made of safe characters, single-quoted
/// otherwise.
pub fn shell_quote(path: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "_-./+@%=:,".contains(c);
    if !path.is_empty() && path.chars().all(safe) {
        path.to_string()
    } else {
        format!("'{}'", path.replace('\'', r"'\''"))
    }
}

/// A workflow-command message, escaped as GitHub Actions reads it.
fn gh_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// A workflow-command property value (`file=...`), escaped as GitHub Actions reads it.
fn gh_property(s: &str) -> String {
    gh_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::Language;
    use crate::summary::Summary;

    const OLD: &str = "# build\nFROM golang:1.22\nRUN go build .\n";
    const NEW: &str = "# build\nFROM golang:1.22 AS builder\nRUN go build .\n\nFROM scratch\n";

    fn summary() -> Summary {
        Summary {
            language: Language::Go,
            builder: "golang:1.22".into(),
            runtime: "scratch".into(),
            user: "root".into(),
            packages: vec!["ca-certificates".into()],
            carried: vec!["/app/main".into()],
            dropped: vec!["/go/**".into()],
            announced: vec![crate::summary::ConfigChange::Cmd],
            notes: vec![],
        }
    }

    fn changed(display: &str) -> FileReport {
        FileReport::Changed {
            display: display.into(),
            old: OLD.into(),
            new: NEW.into(),
            summary: summary(),
        }
    }

    fn left(display: &str, reason: Skip) -> FileReport {
        FileReport::LeftAsIs {
            display: display.into(),
            old: OLD.into(),
            reason,
        }
    }

    fn failed(display: &str) -> FileReport {
        FileReport::Failed {
            display: display.into(),
            message: "no such file".into(),
        }
    }

    fn check() -> Settings {
        Settings {
            check: true,
            ..Settings::default()
        }
    }

    fn stderr(chunks: &[Chunk]) -> Vec<&str> {
        chunks
            .iter()
            .filter_map(|c| match c {
                Chunk::Err(s) => Some(s.as_str()),
                Chunk::Out(_) => None,
            })
            .collect()
    }

    fn stdout(chunks: &[Chunk]) -> String {
        chunks
            .iter()
            .filter_map(|c| match c {
                Chunk::Out(s) => Some(s.as_str()),
                Chunk::Err(_) => None,
            })
            .collect()
    }

    #[test]
    fn count_line_wording() {
        let c = |rewritten, unchanged, left, errors| Counts {
            rewritten,
            unchanged,
            left,
            errors,
        };
        assert_eq!(c(2, 0, 1, 0).line(false), "2 files would be rewritten, 1 left as is");
        assert_eq!(c(1, 0, 0, 0).line(false), "1 file would be rewritten");
        assert_eq!(c(0, 1, 0, 0).line(false), "1 file unchanged");
        assert_eq!(c(0, 0, 2, 0).line(false), "2 files left as is");
        assert_eq!(c(3, 1, 0, 2).line(true), "3 files rewritten, 1 unchanged, 2 errors");
        assert_eq!(c(0, 0, 0, 1).line(false), "1 error");
        assert_eq!(c(0, 0, 0, 0).line(false), "no files");
    }

    #[test]
    fn worst_code_ranks_error_strict_check_ok() {
        assert_eq!(worst(0, 1), 1);
        assert_eq!(worst(1, 3), 3);
        assert_eq!(worst(3, 1), 3);
        assert_eq!(worst(3, 2), 2);
        assert_eq!(worst(2, 0), 2);
    }

    #[test]
    fn status_tells_unchanged_and_ignored_from_left_as_is() {
        assert_eq!(Status::of(&changed("a")), Status::Rewritten);
        assert_eq!(Status::of(&left("a", Skip::MultiStage(2))), Status::Unchanged);
        let ignored = ignore::directive("# dockslim: ignore\n").unwrap();
        assert_eq!(Status::of(&left("a", ignored)), Status::Ignored);
        assert_eq!(Status::of(&left("a", Skip::UnknownLanguage)), Status::LeftAsIs);
        assert_eq!(Status::of(&failed("a")), Status::Error);
    }

    #[test]
    fn check_says_what_to_run_and_counts() {
        let mut r = Reporter::new(check());
        let out = r.file(&changed("svc/Dockerfile"), "svc/Dockerfile");
        assert!(stdout(&out).starts_with("--- a/svc/Dockerfile\n+++ b/svc/Dockerfile\n@@"));
        assert_eq!(
            stderr(&out),
            ["svc/Dockerfile: would be rewritten (run dockslim split --write svc/Dockerfile)"]
        );
        let out = r.file(&left("old/Dockerfile", Skip::UnknownLanguage), "old/Dockerfile");
        assert_eq!(stdout(&out), "");
        let out = r.file(&left("done/Dockerfile", Skip::MultiStage(2)), "done/Dockerfile");
        assert_eq!(
            stderr(&out),
            ["done/Dockerfile: nothing to change: already multi-stage (2 stages)"]
        );
        assert_eq!(r.exit_code(), EXIT_CHECK);
        assert_eq!(
            r.finish(),
            [Chunk::Err(
                "1 file would be rewritten, 1 unchanged, 1 left as is".into()
            )]
        );
    }

    #[test]
    fn strict_fails_on_left_as_is_but_not_on_unchanged_or_ignored() {
        let strict = Settings {
            strict: true,
            ..check()
        };
        let mut r = Reporter::new(strict);
        r.file(&left("a", Skip::MultiStage(2)), "a");
        r.file(&left("b", ignore::directive("# dockslim: ignore").unwrap()), "b");
        assert_eq!(r.exit_code(), EXIT_OK);
        r.file(&left("c", Skip::UnknownLanguage), "c");
        assert_eq!(r.exit_code(), EXIT_STRICT);
        r.file(&failed("d"), "d");
        assert_eq!(r.exit_code(), EXIT_ERROR);
    }

    #[test]
    fn quiet_prints_only_errors() {
        let quiet = Settings { quiet: true, ..check() };
        let mut r = Reporter::new(quiet);
        assert!(r.file(&changed("a"), "a").is_empty());
        assert!(r.file(&left("b", Skip::UnknownLanguage), "b").is_empty());
        assert_eq!(r.file(&failed("c"), "c"), [Chunk::Err("c: error: no such file".into())]);
        assert!(r.finish().is_empty());
        assert_eq!(r.exit_code(), EXIT_ERROR);
    }

    #[test]
    fn diff_uses_the_patch_path_and_messages_the_display_path() {
        let mut r = Reporter::new(Settings::default());
        let out = r.file(&changed("../x/Dockerfile"), "x/Dockerfile");
        assert!(stdout(&out).starts_with("--- a/x/Dockerfile\n"), "{out:?}");
        assert_eq!(
            stderr(&out),
            ["../x/Dockerfile: golang:1.22 -> scratch (go); runs as root; carried /app/main; installs ca-certificates"]
        );
        assert_eq!(r.exit_code(), EXIT_OK);
        assert!(r.finish().is_empty(), "no count line outside --check and --write");
    }

    #[test]
    fn whole_file_output_prints_the_new_or_the_old_text() {
        let s = Settings {
            output: Output::File,
            ..Settings::default()
        };
        let mut r = Reporter::new(s);
        assert_eq!(stdout(&r.file(&changed("-"), "-")), NEW);
        assert_eq!(stdout(&r.file(&left("-", Skip::UnknownLanguage), "-")), OLD);
        let s = Settings { check: true, ..s };
        let out = Reporter::new(s).file(&changed("-"), "-");
        assert_eq!(stderr(&out), ["-: would be rewritten"]);
    }

    #[test]
    fn json_has_one_object_per_file_with_the_summary_fields() {
        let s = Settings {
            format: Format::Json,
            ..check()
        };
        let mut r = Reporter::new(s);
        assert!(r.file(&changed("a/Dockerfile"), "a/Dockerfile").is_empty());
        assert!(
            r.file(&left("b/Dockerfile", Skip::UnknownLanguage), "b/Dockerfile")
                .is_empty()
        );
        assert_eq!(r.exit_code(), EXIT_CHECK);
        let doc: Value = serde_json::from_str(&stdout(&r.finish())).unwrap();
        let files = doc.as_array().unwrap();
        assert_eq!(files.len(), 2);
        let a = &files[0];
        assert_eq!(a["path"], "a/Dockerfile");
        assert_eq!(a["outcome"], "rewritten");
        assert_eq!(a["written"], false);
        assert_eq!(a["reason"], Value::Null);
        assert_eq!(a["language"], "go");
        assert_eq!(a["builder"], "golang:1.22");
        assert_eq!(a["runtime"], "scratch");
        assert_eq!(a["user"], "root");
        assert_eq!(a["carried"], json!(["/app/main"]));
        assert_eq!(a["packages"], json!(["ca-certificates"]));
        assert_eq!(a["announced"], json!(["cmd"]));
        assert!(a["diff"].as_str().unwrap().contains("+FROM scratch\n"));
        let b = &files[1];
        assert_eq!(b["outcome"], "left-as-is");
        assert_eq!(b["reason"], "no Go, Rust or Node.js build found (--lang chooses one)");
        assert_eq!(b["builder"], Value::Null);
        assert_eq!(b["carried"], json!([]));
        assert!(b.get("diff").is_none());
    }

    #[test]
    fn sarif_results_point_at_the_from_line() {
        let s = Settings {
            format: Format::Sarif,
            strict: true,
            ..check()
        };
        let mut r = Reporter::new(s);
        r.file(&changed("../x/Dockerfile"), "x/Dockerfile");
        r.file(&left("y/Dockerfile", Skip::UnknownLanguage), "y/Dockerfile");
        r.file(&left("z/Dockerfile", Skip::MultiStage(2)), "z/Dockerfile");
        r.file(&failed("gone"), "gone");
        let log: Value = serde_json::from_str(&stdout(&r.finish())).unwrap();
        assert_eq!(log["version"], "2.1.0");
        let run = &log["runs"][0];
        assert_eq!(run["tool"]["driver"]["name"], "dockslim");
        let results = run["results"].as_array().unwrap();
        assert_eq!(results.len(), 2, "{results:?}");
        assert_eq!(results[0]["ruleId"], "dockslim/single-stage");
        assert_eq!(results[0]["level"], "warning");
        let loc = &results[0]["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uri"], "x/Dockerfile");
        assert_eq!(loc["region"]["startLine"], 2);
        assert_eq!(results[1]["ruleId"], "dockslim/left-as-is");
        let inv = &run["invocations"][0];
        assert_eq!(inv["executionSuccessful"], false);
        assert_eq!(inv["exitCode"], 2);
        assert_eq!(inv["toolExecutionNotifications"][0]["level"], "error");
    }

    #[test]
    fn github_annotations_escape_and_locate() {
        let s = Settings {
            format: Format::Github,
            ..check()
        };
        let mut r = Reporter::new(s);
        let out = stdout(&r.file(&changed("a,b/Dockerfile"), "a,b/Dockerfile"));
        assert!(
            out.starts_with("::group::a,b/Dockerfile\n--- a/a,b/Dockerfile\n"),
            "{out}"
        );
        assert!(out.contains("::endgroup::\n::warning file=a%2Cb/Dockerfile,line=2,title=dockslim::a,b/Dockerfile: would be rewritten (run dockslim split --write a,b/Dockerfile): golang:1.22 -> scratch"), "{out}");
        let out = stdout(&r.file(&left("c", Skip::Unsupported("one\ntwo 100%".into())), "c"));
        assert_eq!(
            out,
            "::notice file=c,line=2,title=dockslim::c: left as is: one%0Atwo 100%25\n"
        );
        assert_eq!(stdout(&r.file(&left("d", Skip::MultiStage(2)), "d")), "");
        let out = stdout(&r.file(&failed("e"), "e"));
        assert_eq!(out, "::error file=e,title=dockslim::e: error: no such file\n");
        assert_eq!(
            stdout(&r.finish()),
            "1 file would be rewritten, 1 unchanged, 1 left as is, 1 error\n"
        );
    }

    #[test]
    fn from_line_and_shell_quote() {
        assert_eq!(from_line("# c\n\nFROM x\nFROM y\n"), 3);
        assert_eq!(from_line("\u{feff}FROM x\n"), 1);
        assert_eq!(from_line("not a dockerfile"), 1);
        assert_eq!(shell_quote("svc/Dockerfile"), "svc/Dockerfile");
        assert_eq!(shell_quote("my app/Dockerfile"), "'my app/Dockerfile'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }
}
