//! Property tests over generated single-stage Go, Rust and Node.js Dockerfiles written every
//! way real ones are: upper or lower case keywords, LF or CRLF, a BOM or none, a final
//! newline or none, `# syntax=` and `# escape=` directives, comments and blank lines
//! anywhere, continuations (with empty continuation lines), heredocs, `ARG` before `FROM`,
//! `${VAR:-x}` and digests and `--platform` in `FROM`, `ENV k v`, JSON-form `COPY`,
//! `--mount`, `--chown`, `--link`, exec and shell form commands.
//!
//! Properties, for every case:
//! - `split` never panics;
//! - the split of a split changes nothing (it is left as is: two stages);
//! - the lines the split does not edit are byte-identical, in the same order;
//! - the BOM, the newline style and the presence of a final newline are kept.

use std::panic::{AssertUnwindSafe, catch_unwind};

use dockslim::config::Config;
use dockslim::context::MemContext;
use dockslim::template::TemplateSet;
use dockslim::{Options, Outcome, Skip};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config as PropConfig, TestRunner};

/// Reads choices off a tape of random bytes (cycling when it runs out).
struct Tape<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Tape<'_> {
    fn pick(&mut self, n: usize) -> usize {
        let b = self.bytes.get(self.pos % self.bytes.len().max(1)).copied().unwrap_or(0);
        self.pos += 1;
        b as usize % n
    }
    fn chance(&mut self, in_four: usize) -> bool {
        self.pick(4) < in_four
    }
    fn one<'s>(&mut self, of: &[&'s str]) -> &'s str {
        of[self.pick(of.len())]
    }
}

/// How a line may change.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    /// Stays in the builder, byte-identical, in order.
    Keep,
    /// May move to the runtime stage, but its text is unchanged.
    Verbatim,
    /// The split may edit it (FROM, the build command, CMD/ENTRYPOINT...).
    Free,
}

struct Case {
    text: String,
    ctx: MemContext,
    lines: Vec<(Kind, String)>,
}

struct Writer<'t, 'b> {
    tape: &'t mut Tape<'b>,
    lower: bool,
    escape: char,
    lines: Vec<(Kind, String)>,
    marker: usize,
}

impl Writer<'_, '_> {
    fn kw(&self, k: &str) -> String {
        if self.lower {
            k.to_ascii_lowercase()
        } else {
            k.to_string()
        }
    }
    fn line(&mut self, kind: Kind, text: impl Into<String>) {
        self.lines.push((kind, text.into()));
    }
    /// Maybe a comment or a blank line (each comment unique, so it can be found again).
    fn noise(&mut self) {
        match self.tape.pick(6) {
            0 => {
                self.marker += 1;
                let c = format!("# note {} about the next step", self.marker);
                self.line(Kind::Keep, c);
            }
            // A blank line next to a moved instruction goes with it.
            1 => self.line(Kind::Free, ""),
            _ => {}
        }
    }
    /// An instruction that the split never edits, with optional continuation lines.
    fn inert(&mut self) {
        let e = self.escape;
        self.marker += 1;
        let m = self.marker;
        match self.tape.pick(7) {
            0 => {
                let t = format!("{} echo step{m} && \\", self.kw("RUN")).replace('\\', &e.to_string());
                self.line(Kind::Keep, t);
                if self.tape.chance(1) {
                    // An empty continuation line (BuildKit skips it).
                    self.line(Kind::Keep, "");
                }
                self.line(Kind::Keep, format!("    echo done{m}"));
            }
            1 => {
                let t = format!("{} <<EOF", self.kw("RUN"));
                self.line(Kind::Keep, t);
                self.line(Kind::Keep, format!("echo heredoc{m}"));
                self.line(Kind::Keep, "EOF");
            }
            2 => {
                let t = format!("{} APP_MODE{m} production", self.kw("ENV"));
                self.line(Kind::Verbatim, t);
            }
            3 => {
                let t = format!("{} APP_LEVEL{m}=\"info\"", self.kw("ENV"));
                self.line(Kind::Verbatim, t);
            }
            4 => {
                let t = format!("{} org.example.step{m}=\"yes\"", self.kw("LABEL"));
                self.line(Kind::Verbatim, t);
            }
            5 => {
                let t = format!("{} {}", self.kw("EXPOSE"), 8000 + m);
                self.line(Kind::Verbatim, t);
            }
            _ => {
                let t = format!("{} BUILD_FLAG{m}=1", self.kw("ARG"));
                self.line(Kind::Keep, t);
            }
        }
    }
    fn some_noise_and_inert(&mut self) {
        self.noise();
        if self.tape.chance(2) {
            self.inert();
            self.noise();
        }
    }
}

fn generate(bytes: &[u8]) -> Case {
    let mut tape = Tape { bytes, pos: 0 };
    let lang = tape.pick(3);
    let lower = tape.chance(1);
    let crlf = tape.chance(1);
    let bom = tape.chance(1);
    let final_newline = tape.pick(5) != 0;
    let backtick = tape.chance(1);
    let mut w = Writer {
        tape: &mut tape,
        lower,
        escape: if backtick { '`' } else { '\\' },
        lines: Vec::new(),
        marker: 0,
    };
    // Directives first.
    if w.tape.chance(1) {
        w.line(Kind::Keep, "# syntax=docker/dockerfile:1");
    }
    if backtick {
        w.line(Kind::Keep, "# escape=`");
    }
    w.noise();
    let mut ctx = MemContext::new();
    let from = w.kw("FROM");
    let platform = if w.tape.chance(1) {
        "--platform=$BUILDPLATFORM "
    } else {
        ""
    };
    let digest = "@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    match lang {
        0 => {
            ctx = ctx
                .with("go.mod", "module example.com/app\n\ngo 1.22\n")
                .with("main.go", "package main\n\nfunc main() {}\n");
            let image = match w.tape.pick(4) {
                0 => "golang:1.22".to_string(),
                1 => "golang:1.22-alpine".to_string(),
                2 => format!("golang:1.22{digest}"),
                _ => {
                    let arg = w.kw("ARG");
                    w.line(Kind::Keep, format!("{arg} GO_VERSION=1.22"));
                    "golang:${GO_VERSION:-1.22}".to_string()
                }
            };
            let name = if w.tape.chance(1) {
                format!(" {} build", w.kw("AS"))
            } else {
                String::new()
            };
            w.line(Kind::Free, format!("{from} {platform}{image}{name}"));
            w.some_noise_and_inert();
            let workdir = w.kw("WORKDIR");
            w.line(Kind::Keep, format!("{workdir} /src"));
            w.noise();
            let copy = w.kw("COPY");
            match w.tape.pick(3) {
                0 => w.line(Kind::Keep, format!("{copy} . .")),
                1 => w.line(Kind::Keep, format!("{copy} [\"go.mod\", \"main.go\", \"./\"]")),
                _ => w.line(Kind::Keep, format!("{copy} --chown=1000:1000 . .")),
            }
            w.some_noise_and_inert();
            let run = w.kw("RUN");
            let mount = if w.tape.chance(1) {
                "--mount=type=cache,target=/root/.cache/go-build "
            } else {
                ""
            };
            let out = w.tape.one(&["/app", "/usr/local/bin/app", "app"]);
            w.line(Kind::Free, format!("{run} {mount}go build -o {out} ."));
            w.some_noise_and_inert();
            let path = if out.starts_with('/') {
                out.to_string()
            } else {
                format!("/src/{out}")
            };
            command(&mut w, &path);
        }
        1 => {
            ctx = ctx
                .with(
                    "Cargo.toml",
                    "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
                )
                .with("Cargo.lock", "version = 3\n")
                .with("src/main.rs", "fn main() {}\n");
            let image = w
                .tape
                .one(&["rust:1.80", "rust:1.80-slim-bookworm", "rust:1.80-alpine"]);
            w.line(Kind::Free, format!("{from} {platform}{image}"));
            w.some_noise_and_inert();
            let workdir = w.kw("WORKDIR");
            w.line(Kind::Keep, format!("{workdir} /app"));
            let copy = w.kw("COPY");
            w.line(Kind::Keep, format!("{copy} . ."));
            w.some_noise_and_inert();
            let run = w.kw("RUN");
            w.line(Kind::Free, format!("{run} cargo build --release"));
            w.some_noise_and_inert();
            command(&mut w, "/app/target/release/app");
        }
        _ => {
            ctx = ctx
                .with(
                    "package.json",
                    "{\"name\":\"app\",\"scripts\":{\"build\":\"tsc\",\"start\":\"node dist/index.js\"}}\n",
                )
                .with("package-lock.json", "{\"lockfileVersion\":3}\n");
            let image = w.tape.one(&["node:20", "node:20-alpine", "node:20-slim"]);
            w.line(Kind::Free, format!("{from} {platform}{image}"));
            w.some_noise_and_inert();
            let workdir = w.kw("WORKDIR");
            w.line(Kind::Keep, format!("{workdir} /app"));
            let copy = w.kw("COPY");
            w.line(Kind::Keep, format!("{copy} package*.json ./"));
            let run = w.kw("RUN");
            w.line(Kind::Free, format!("{run} npm ci"));
            w.some_noise_and_inert();
            w.line(Kind::Keep, format!("{copy} . ."));
            w.line(Kind::Free, format!("{run} npm run build"));
            w.some_noise_and_inert();
            if w.tape.chance(2) {
                let cmd = w.kw("CMD");
                w.line(Kind::Free, format!("{cmd} [\"node\", \"dist/index.js\"]"));
            } else {
                let cmd = w.kw("CMD");
                w.line(Kind::Free, format!("{cmd} [\"npm\", \"start\"]"));
            }
        }
    }
    w.noise();
    let lines = std::mem::take(&mut w.lines);
    let nl = if crlf { "\r\n" } else { "\n" };
    let mut text = String::from(if bom { "\u{feff}" } else { "" });
    for (i, (_, l)) in lines.iter().enumerate() {
        text.push_str(l);
        if i + 1 < lines.len() || final_newline {
            text.push_str(nl);
        }
    }
    Case { text, ctx, lines }
}

/// The start command: exec or shell form CMD, or an ENTRYPOINT.
fn command(w: &mut Writer<'_, '_>, path: &str) {
    match w.tape.pick(3) {
        0 => {
            let k = w.kw("CMD");
            w.line(Kind::Free, format!("{k} [\"{path}\"]"));
        }
        1 => {
            let k = w.kw("CMD");
            w.line(Kind::Free, format!("{k} {path}"));
        }
        _ => {
            let k = w.kw("ENTRYPOINT");
            w.line(Kind::Free, format!("{k} [\"{path}\", \"--serve\"]"));
        }
    }
}

fn options(config: &Config) -> Options<'_> {
    Options {
        lang: None,
        runtime: None,
        config,
        templates: TemplateSet::builtin(),
    }
}

/// Checks every property on one generated case; returns whether it was rewritten.
fn check(case: &Case) -> Result<bool, String> {
    let config = Config::default();
    let opts = options(&config);
    let text = &case.text;
    let first = catch_unwind(AssertUnwindSafe(|| dockslim::split(text, &case.ctx, &opts)))
        .map_err(|_| format!("split panicked on:\n{text}"))?;
    let new = match first {
        Ok(Outcome::Rewritten { text: new, .. }) => new,
        Ok(Outcome::LeftAsIs(_)) => return Ok(false),
        Err(e) => return Err(format!("error {e} on:\n{text}")),
    };
    let ctx = format!("\n--- input:\n{text}\n--- output:\n{new}");
    // Idempotent.
    let second = catch_unwind(AssertUnwindSafe(|| dockslim::split(&new, &case.ctx, &opts)))
        .map_err(|_| format!("second split panicked{ctx}"))?;
    if !matches!(second, Ok(Outcome::LeftAsIs(Skip::MultiStage(2)))) {
        return Err(format!("second split did something: {second:?}{ctx}"));
    }
    // BOM, newline style, final newline.
    if text.starts_with('\u{feff}') != new.starts_with('\u{feff}') || new.matches('\u{feff}').count() > 1 {
        return Err(format!("BOM not kept{ctx}"));
    }
    let crlf = text.contains("\r\n");
    let lf_only = new.matches('\n').count() - new.matches("\r\n").count();
    if crlf && lf_only > 0 || !crlf && new.contains('\r') {
        return Err(format!("newline style not kept{ctx}"));
    }
    if text.ends_with('\n') != new.ends_with('\n') {
        return Err(format!("final newline not kept{ctx}"));
    }
    // Untouched lines: byte-identical (with their line ending where they have one); the
    // builder's lines in order.
    let out_lines: Vec<&str> = new.trim_start_matches('\u{feff}').split_inclusive('\n').collect();
    let nl = if crlf { "\r\n" } else { "\n" };
    let mut at = 0;
    let last = case.lines.len() - 1;
    for (i, (kind, line)) in case.lines.iter().enumerate() {
        let with_nl = if i < last || text.ends_with('\n') {
            format!("{line}{nl}")
        } else {
            line.clone()
        };
        match kind {
            Kind::Keep => match out_lines[at..]
                .iter()
                .position(|l| *l == with_nl || (i == last && *l == line))
            {
                Some(p) => at += p + 1,
                None => return Err(format!("kept line {line:?} missing or out of order{ctx}")),
            },
            Kind::Verbatim => {
                if !out_lines.iter().any(|l| l.trim_end_matches(['\r', '\n']) == line) {
                    return Err(format!("line {line:?} not kept verbatim{ctx}"));
                }
            }
            Kind::Free => {}
        }
    }
    Ok(true)
}

proptest! {
    // 256 cases by default; PROPTEST_CASES=20000 for a longer hunt.
    #![proptest_config(PropConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256),
        ..PropConfig::default()
    })]

    #[test]
    fn split_is_safe_and_idempotent(tape in prop::collection::vec(any::<u8>(), 40)) {
        let case = generate(&tape);
        if let Err(why) = check(&case) {
            prop_assert!(false, "{}", why);
        }
    }

    /// Arbitrary text never panics the pipeline (it may be refused, never crash).
    #[test]
    fn arbitrary_text_never_panics(text in "(?s)(FROM|RUN|CMD|COPY|ENV|ARG|from| |\\\\|\n|\r\n|`|<<EOF|EOF|#|\\[|\\]|\"|[a-z0-9./:=$@{}-]){0,60}") {
        let config = Config::default();
        let opts = options(&config);
        let ctx = MemContext::new().with("go.mod", "module m\n\ngo 1.22\n").with("main.go", "package main\n");
        let r = catch_unwind(AssertUnwindSafe(|| dockslim::split(&text, &ctx, &opts)));
        prop_assert!(r.is_ok(), "panicked on {:?}", text);
    }
}

/// The generator is worth something only if most cases are actually rewritten.
#[test]
fn most_generated_cases_are_rewritten() {
    let mut runner = TestRunner::deterministic();
    let strategy = prop::collection::vec(any::<u8>(), 40);
    let (mut rewritten, total) = (0, 200);
    for _ in 0..total {
        let tape = strategy.new_tree(&mut runner).unwrap().current();
        if check(&generate(&tape)).unwrap_or_else(|e| panic!("{e}")) {
            rewritten += 1;
        }
    }
    assert!(
        rewritten * 2 > total,
        "only {rewritten} of {total} generated cases were rewritten"
    );
}
