//! Start: which binary the container runs and which build makes it. [`started`] reads the
//! start command: a binary (by path or through PATH) is followed back to its build (`binary`,
//! with `extend_split` over the finishing steps); `cargo run` (`cargo_run`, after
//! `check_cargo_run_form`) becomes the built binary with the same arguments (`run_args`),
//! reusing the last build when nothing after it changes what `cargo run` would compile
//! (`reusable_build`, `nothing_recompiles`), or adding the matching `cargo build` to the
//! builder (`build_line`, after `last_builder_step`).

use super::builds::{Build, Built, Site, resolve, track_move};
use super::cargo::{Cargo, parse_cargo, sh_word};
use crate::Skip;
use crate::detect::file_name;
use crate::lang::{Input, RunCommand, path_dirs, runs_path};
use crate::parse::{Command, Instruction};
use crate::shell;
use crate::template::rust::Template;

/// How the container starts.
#[derive(Debug, Clone)]
pub struct Started {
    /// The build that makes the binary.
    pub build: Build,
    /// The binary.
    pub built: Built,
    /// The last builder instruction.
    pub split: usize,
    /// Lines appended to the builder (`cargo build` for a `cargo run`).
    pub builder_tail: Vec<String>,
    /// CMD/ENTRYPOINT rewrites.
    pub replace_commands: Vec<(usize, Vec<String>)>,
    /// Whether the original started with `cargo run`.
    pub cargo_run: bool,
    /// Remarks.
    pub notes: Vec<String>,
}

/// Reads the start command against the builds.
pub fn started(
    input: &Input<'_, '_>,
    tpl: &Template,
    builds: &[Build],
    problems: &[String],
    run: &RunCommand,
    build_env: &[String],
) -> Result<Started, Skip> {
    let words = run.all_words();
    match parse_cargo(&words, tpl) {
        Some(c) if c.sub == "run" => cargo_run(input, tpl, builds, run, &c, build_env),
        _ => binary(input, tpl, builds, problems, run, &words),
    }
}

/// The start command runs a binary: find the build that makes it.
fn binary(
    input: &Input<'_, '_>,
    tpl: &Template,
    builds: &[Build],
    problems: &[String],
    run: &RunCommand,
    words: &[String],
) -> Result<Started, Skip> {
    let unsupported = |s: String| Skip::Unsupported(s);
    if builds.is_empty() {
        return Err(unsupported(problems.last().cloned().unwrap_or_else(|| {
            "no `cargo build`, `cargo install --path` or `cargo run` found".into()
        })));
    }
    let program = words.first().cloned().unwrap_or_default();
    let workdir = input.model.end().workdir.clone();
    let dirs = path_dirs(input.model, run.index);
    for b in builds.iter().rev() {
        for x in &b.built {
            let mut path = x.path.clone();
            let split = extend_split(input, tpl, b.index, &mut path);
            if runs_path(&program, &workdir, &dirs, &path) {
                let mut built = x.clone();
                built.path = path;
                return Ok(Started {
                    build: b.clone(),
                    built,
                    split,
                    builder_tail: Vec::new(),
                    replace_commands: Vec::new(),
                    cargo_run: false,
                    notes: Vec::new(),
                });
            }
        }
    }
    if let Some(p) = problems.last() {
        return Err(unsupported(p.clone()));
    }
    let made: Vec<&str> = builds
        .iter()
        .flat_map(|b| b.built.iter().map(|x| x.path.as_str()))
        .collect();
    Err(unsupported(match made.as_slice() {
        [] => "the build makes no binary".to_string(),
        _ if SHELLS.contains(&program.as_str()) => format!(
            "the start command is a shell script (`{}`), not a binary the build makes ({}): \
             dockslim does not rewrite paths inside a script",
            clip(run.script.as_deref().unwrap_or(&words.join(" ")).trim(), 60),
            made.join(", ")
        ),
        _ => format!(
            "the start command runs `{program}`, not a binary the build makes ({})",
            made.join(", ")
        ),
    }))
}

/// A start command's first word that makes it a shell script: a shell, or a shell keyword of
/// a shell-form CMD (`while true; do ...; done`).
const SHELLS: [&str; 10] = [
    "sh", "bash", "ash", "dash", "zsh", "while", "for", "until", "if", "case",
];

/// `text`, cut to `max` characters with an ellipsis.
fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}...", &text[..at]),
        None => text.to_string(),
    }
}

/// The start command is `cargo run`: the binary it would build, and the build that makes it
/// (the last build when it made that very binary, else a `cargo build` added to the builder).
fn cargo_run(
    input: &Input<'_, '_>,
    tpl: &Template,
    builds: &[Build],
    run: &RunCommand,
    c: &Cargo,
    build_env: &[String],
) -> Result<Started, Skip> {
    let unsupported = |s: String| Skip::Unsupported(s);
    check_cargo_run_form(input, run)?;
    let site = Site {
        index: input.df.instructions.len(),
        cwd: input.model.end().workdir.to_string(),
        assigns: &[],
    };
    let wanted = resolve(input, tpl, c, &site).map_err(unsupported)?;
    let Some(target) = wanted.built.first().cloned() else {
        return Err(unsupported("`cargo run` finds no binary target".into()));
    };
    let mut notes = Vec::new();
    let mut builder_tail = Vec::new();
    let (build, built, split) = match reusable_build(input, tpl, builds, c, &target, build_env) {
        Some(b) => {
            let mut built = b
                .built
                .iter()
                .find(|x| x.original == target.original)
                .cloned()
                .unwrap_or(target);
            let split = extend_split(input, tpl, b.index, &mut built.path);
            (b.clone(), built, split)
        }
        None => {
            let (line, cmd) = build_line(input, c);
            builder_tail.push(line);
            notes.push(format!(
                "the original compiled at start-up (`cargo run`): the builder now runs `{cmd}`"
            ));
            (wanted.clone(), target, last_builder_step(input))
        }
    };
    notes.push(format!("`cargo run` replaced by the binary `{}`", built.bin));
    let mut new_words = vec![built.bin.clone()];
    new_words.extend(run_args(tpl, run, c));
    Ok(Started {
        build,
        built,
        split,
        builder_tail,
        replace_commands: vec![(run.index, new_words)],
        cargo_run: true,
        notes,
    })
}

/// The last build, when it made `target` with the same features as `cargo run` and nothing
/// after it changes what `cargo run` would compile.
fn reusable_build<'b>(
    input: &Input<'_, '_>,
    tpl: &Template,
    builds: &'b [Build],
    c: &Cargo,
    target: &Built,
    build_env: &[String],
) -> Option<&'b Build> {
    builds.last().filter(|b| {
        b.cargo.sub == "build"
            && b.cargo.features == c.features
            && b.built.iter().any(|x| x.original == target.original)
            && nothing_recompiles(input, tpl, b.index, build_env)
    })
}

/// Whether the instructions after `index` leave alone what `cargo run` compiles: no COPY of
/// sources, no RUN that may touch them, no build variable set.
fn nothing_recompiles(input: &Input<'_, '_>, tpl: &Template, index: usize, build_env: &[String]) -> bool {
    let df = input.df;
    (index + 1..df.instructions.len()).all(|i| match &df.instructions[i] {
        Instruction::Copy(_) | Instruction::Add(_) => !copies_sources(input, i),
        Instruction::Run(_) => finishing(input, tpl, i) || !touches_sources(input, i),
        // A build variable set later makes `cargo run` compile again.
        Instruction::Env(_) => input.model.env_pairs(i).all(|(k, _)| !build_env.iter().any(|b| b == k)),
        _ => true,
    })
}

/// The `RUN cargo build` line that builds what `cargo run` would (same toolchain and
/// options), and its command.
fn build_line(input: &Input<'_, '_>, c: &Cargo) -> (String, String) {
    let mut line = vec!["cargo".to_string()];
    line.extend(c.toolchain.iter().map(|t| format!("+{t}")));
    line.push("build".into());
    line.extend(c.options.iter().cloned());
    let cmd = line.iter().map(|w| sh_word(w)).collect::<Vec<_>>().join(" ");
    let kw = if input.df.is_lowercase(input.model.from) {
        "run"
    } else {
        "RUN"
    };
    (format!("{kw} {cmd}"), cmd)
}

/// The last instruction that changes the image or its build environment: an added build
/// goes after it.
fn last_builder_step(input: &Input<'_, '_>) -> usize {
    let (df, model) = (input.df, input.model);
    (model.from + 1..df.instructions.len())
        .rev()
        .find(|&i| {
            matches!(
                df.instructions[i],
                Instruction::Run(_)
                    | Instruction::Copy(_)
                    | Instruction::Add(_)
                    | Instruction::Workdir(_)
                    | Instruction::Env(_)
                    | Instruction::Arg(_)
                    | Instruction::User(_)
                    | Instruction::Shell(_)
            )
        })
        .unwrap_or(model.from)
}

/// The arguments `cargo run` hands the program: after `--` (or the first plain word) of the
/// ENTRYPOINT when CMD adds to it, else of the whole command.
fn run_args(tpl: &Template, run: &RunCommand, c: &Cargo) -> Vec<String> {
    if run.cmd.is_some() {
        parse_cargo(&run.words, tpl).map(|x| x.args).unwrap_or_default()
    } else {
        c.args.clone()
    }
}

/// A `cargo run` start command the binary can replace as written: no shell needed, no shell
/// ENTRYPOINT ignoring CMD, no cargo options handed over through CMD.
fn check_cargo_run_form(input: &Input<'_, '_>, run: &RunCommand) -> Result<(), Skip> {
    let df = input.df;
    let unsupported = |s: String| Skip::Unsupported(s);
    let args = match &df.instructions[run.index] {
        Instruction::Cmd(x) => Some(&x.arguments),
        Instruction::Entrypoint(x) => Some(&x.arguments),
        _ => None,
    };
    let needs_shell = match args {
        Some(Command::Shell(s)) => shell::needs_shell(s.value, df.escape),
        _ => crate::lang::is_exec_shell(df, run.index),
    };
    if run.shell && needs_shell {
        return Err(unsupported(format!(
            "the `cargo run` command at line {} needs a shell (variables, operators or several commands)",
            df.line(run.index)
        )));
    }
    let end = df.instructions.len();
    let shell_entrypoint = run.shell && matches!(df.instructions[run.index], Instruction::Entrypoint(_));
    let has_cmd = (run.index + 1..end).any(|i| matches!(df.instructions[i], Instruction::Cmd(_)));
    if shell_entrypoint && has_cmd {
        return Err(unsupported(format!(
            "shell-form ENTRYPOINT at line {} ignores CMD; the binary in exec form would not",
            df.line(run.index)
        )));
    }
    if let Some((_, cmd_words)) = &run.cmd {
        let ep_has_dashdash = run.words.iter().any(|w| w == "--");
        if !ep_has_dashdash && cmd_words.iter().any(|w| w.starts_with('-')) {
            return Err(unsupported(format!(
                "CMD hands cargo its own options through the `cargo run` ENTRYPOINT at line {}",
                df.line(run.index)
            )));
        }
    }
    Ok(())
}

/// Whether COPY/ADD `i` may bring Rust sources or manifests (which would make `cargo run`
/// compile again), or reads from another stage or a URL.
fn copies_sources(input: &Input<'_, '_>, i: usize) -> bool {
    let Some(c) = input.model.copies.iter().find(|c| c.index == i) else {
        return true;
    };
    let ctx = input.ctx;
    c.sources.iter().any(|s| {
        if s == "." || s.contains(['*', '?']) {
            return true;
        }
        if ctx.is_dir(s) {
            return !crate::context::find_files(ctx, s, ".rs", 1).is_empty()
                || !crate::context::find_files(ctx, s, "Cargo.toml", 1).is_empty()
                || !crate::context::find_files(ctx, s, "Cargo.lock", 1).is_empty();
        }
        let name = file_name(s);
        !ctx.is_file(s)
            || name.ends_with(".rs")
            || name == "Cargo.toml"
            || name == "Cargo.lock"
            || name.starts_with(".cargo")
    })
}

/// Whether RUN `i` may change what `cargo run` compiles: it calls cargo or rustc for
/// anything but a build, or names sources or manifests.
fn touches_sources(input: &Input<'_, '_>, i: usize) -> bool {
    input.model.commands(i).iter().any(|c| {
        let words = c.program_words();
        let program = c.program().unwrap_or("");
        matches!(program, "cargo" | "rustc" | "rustup" | "git" | "sh" | "bash")
            || words.iter().any(|w| {
                let t = w.text.as_str();
                t.ends_with(".rs")
                    || t.contains("Cargo.")
                    || t == "src"
                    || t.starts_with("src/")
                    || t.contains("/src")
                    || t == "."
                    || t == "./"
                    || t.contains("build.rs")
            })
    })
}

/// Whether RUN `i` only finishes a build (strip, chmod, mv, cleanup).
fn finishing(input: &Input<'_, '_>, tpl: &Template, i: usize) -> bool {
    input.model.commands(i).iter().all(|c| {
        let words = c.program_words();
        words.first().is_some_and(|w| {
            tpl.builder_programs.contains(&w.text)
                && (w.text != "cargo"
                    || words
                        .get(1)
                        .is_some_and(|s| matches!(s.text.as_str(), "build" | "install" | "clean" | "b")))
        })
    })
}

/// Extends the builder stage over the RUN steps right after build `index` that only finish
/// it, following the binary at `path` through them; returns the last such instruction.
fn extend_split(input: &Input<'_, '_>, tpl: &Template, index: usize, path: &mut String) -> usize {
    let df = input.df;
    let mut split = index;
    for i in index + 1..df.instructions.len() {
        match &df.instructions[i] {
            Instruction::Run(_) => {
                if !finishing(input, tpl, i) {
                    break;
                }
                for c in input.model.commands(i) {
                    track_move(&c.texts(), &c.cwd, path, tpl);
                }
                split = i;
            }
            Instruction::Copy(_) | Instruction::Add(_) | Instruction::Workdir(_) => break,
            _ => {}
        }
    }
    split
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::MemContext;
    use crate::lang::run_command;
    use crate::lang::testing::{with_input, words};

    use crate::lang::rust::testing::tpl;

    fn app() -> MemContext {
        crate::lang::rust::testing::app().with("static/index.html", "")
    }

    const APP: &str = "FROM rust:1.80\nWORKDIR /app\nCOPY . .\n";

    /// How `df` starts, or the refusal.
    fn start(df: &str, ctx: &MemContext) -> Result<Started, String> {
        with_input(df, ctx, |input| {
            let run = run_command(input.df, input.model).expect("a start command");
            let (builds, problems) = super::super::builds::find_builds(input, tpl());
            let env = words("RUSTFLAGS CARGO_PROFILE_RELEASE_LTO");
            started(input, tpl(), &builds, &problems, &run, &env).map_err(|e| e.to_string())
        })
    }

    #[test]
    fn a_binary_is_followed_back_to_its_build() {
        let df = format!(
            "{APP}RUN cargo build --release\nRUN strip target/release/app && mv target/release/app /usr/local/bin/\nCMD [\"app\"]\n"
        );
        let s = start(&df, &app()).expect("started");
        assert_eq!(
            (s.built.path.as_str(), s.built.original.as_str()),
            ("/usr/local/bin/app", "/app/target/release/app")
        );
        assert_eq!((s.split, s.cargo_run), (4, false));
        assert!(s.builder_tail.is_empty() && s.replace_commands.is_empty());
    }

    #[test]
    fn binary_refusals() {
        assert_eq!(
            start(&format!("{APP}CMD [\"app\"]\n"), &app()).unwrap_err(),
            "no `cargo build`, `cargo install --path` or `cargo run` found"
        );
        let df = format!("{APP}RUN cargo build --release\nCMD [\"./other\"]\n");
        assert_eq!(
            start(&df, &app()).unwrap_err(),
            "the start command runs `./other`, not a binary the build makes (/app/target/release/app)"
        );
        // A shell loop or `bash -c` is named as a script (scoreboard: psarna/edgemail).
        let df = format!("{APP}RUN cargo build --release\nENTRYPOINT while true; do ./target/release/app; done\n");
        assert_eq!(
            start(&df, &app()).unwrap_err(),
            "the start command is a shell script (`while true; do ./target/release/app; done`), not a binary \
             the build makes (/app/target/release/app): dockslim does not rewrite paths inside a script"
        );
        let df =
            format!("{APP}RUN cargo build --release\nCMD bash -c \"diesel migration run && ./target/release/app\"\n");
        assert!(
            start(&df, &app())
                .unwrap_err()
                .starts_with("the start command is a shell script (`bash -c")
        );
        // A build that could not be resolved explains the refusal.
        let df = "FROM rust:1.80\nWORKDIR /app\nRUN cargo build --release\nCMD [\"app\"]\n";
        assert!(
            start(df, &app())
                .unwrap_err()
                .contains("is not copied from the build context")
        );
    }

    #[test]
    fn cargo_run_reuses_the_last_build() {
        let df = format!(
            "{APP}RUN cargo build --release\nCOPY static /app/static\nENTRYPOINT [\"cargo\", \"run\", \"--release\", \"--\", \"--port\", \"80\"]\n"
        );
        let s = start(&df, &app()).expect("started");
        assert_eq!((s.build.index, s.split, s.cargo_run), (3, 3, true));
        assert!(s.builder_tail.is_empty());
        assert_eq!(s.replace_commands, vec![(5, words("app --port 80"))]);
        assert_eq!(s.notes, ["`cargo run` replaced by the binary `app`"]);
    }

    #[test]
    fn cargo_run_follows_a_reused_binary_that_a_finishing_step_moves() {
        let df = format!(
            "{APP}RUN cargo build --release\nRUN mv target/release/app /usr/local/bin/app\nCMD [\"cargo\", \"run\", \"--release\"]\n"
        );
        let s = start(&df, &app()).expect("started");
        assert_eq!((s.built.path.as_str(), s.split), ("/usr/local/bin/app", 4));
        assert!(s.builder_tail.is_empty());
    }

    #[test]
    fn cargo_run_adds_a_build_when_the_last_one_is_stale() {
        let df = format!(
            "{APP}RUN cargo build --release\nENV RUSTFLAGS=\"-C target-cpu=native\"\nCMD cargo +nightly run --release --bin app\n"
        );
        let s = start(&df, &app()).expect("started");
        assert_eq!(s.builder_tail, ["RUN cargo +nightly build --release --bin app"]);
        assert_eq!(s.split, 4);
        assert_eq!(s.built.path, "/app/target/release/app");
        assert_eq!(
            s.notes[0],
            "the original compiled at start-up (`cargo run`): the builder now runs `cargo +nightly build --release --bin app`"
        );
        // Different features: a different binary.
        let df = format!("{APP}RUN cargo build --release\nCMD [\"cargo\", \"run\", \"--release\", \"-F\", \"x\"]\n");
        assert_eq!(start(&df, &app()).expect("started").builder_tail.len(), 1);
    }

    #[test]
    fn what_makes_cargo_run_compile_again() {
        let df = format!(
            "{APP}RUN cargo build --release\nCOPY static /app/static\nRUN apt-get update\nCOPY src /app/src\nENV RUSTFLAGS=x\nRUN touch src/main.rs\nRUN cargo build --release\n"
        );
        with_input(&df, &app(), |input| {
            let env = words("RUSTFLAGS");
            assert!(!copies_sources(input, 4));
            assert!(copies_sources(input, 6));
            assert!(!touches_sources(input, 5));
            assert!(touches_sources(input, 8));
            assert!(finishing(input, tpl(), 9) && !finishing(input, tpl(), 5));
            // The sources copied at 6.
            assert!(!nothing_recompiles(input, tpl(), 3, &env));
            // RUSTFLAGS set at 7; `touch` and `cargo build` only finish a build.
            assert!(!nothing_recompiles(input, tpl(), 6, &env));
            assert!(nothing_recompiles(input, tpl(), 6, &[]));
            assert!(nothing_recompiles(input, tpl(), 7, &env));
        });
    }

    #[test]
    fn build_lines_and_split_points() {
        let df = "from rust:1.80\nworkdir /app\ncopy . .\nexpose 80\ncmd [\"cargo\", \"run\"]\n";
        with_input(df, &app(), |input| {
            let c = parse_cargo(&words("cargo +stable run --features a,b -q"), tpl()).expect("cargo");
            assert_eq!(
                build_line(input, &c),
                (
                    "run cargo +stable build --features a,b -q".to_string(),
                    "cargo +stable build --features a,b -q".to_string()
                )
            );
            // EXPOSE and CMD change nothing the build sees.
            assert_eq!(last_builder_step(input), 2);
        });
    }

    #[test]
    fn run_args_come_from_the_entrypoint_when_cmd_adds_to_it() {
        let df = "FROM rust:1.80\nENTRYPOINT [\"cargo\", \"run\", \"--\", \"-v\"]\nCMD [\"serve\"]\n";
        with_input(df, &app(), |input| {
            let run = run_command(input.df, input.model).expect("a start command");
            let c = parse_cargo(&run.all_words(), tpl()).expect("cargo");
            assert_eq!(c.args, words("-v serve"));
            assert_eq!(run_args(tpl(), &run, &c), words("-v"));
        });
    }

    #[test]
    fn cargo_run_forms_the_binary_cannot_replace() {
        let refusal = |tail: &str| {
            let df = format!("{APP}RUN cargo build --release\n{tail}");
            start(&df, &app()).err()
        };
        assert_eq!(
            refusal("CMD cargo run --release -- --port $PORT\n").as_deref(),
            Some("the `cargo run` command at line 5 needs a shell (variables, operators or several commands)")
        );
        assert_eq!(
            refusal("ENTRYPOINT cargo run --release\nCMD [\"x\"]\n").as_deref(),
            Some("shell-form ENTRYPOINT at line 5 ignores CMD; the binary in exec form would not")
        );
        assert_eq!(
            refusal("ENTRYPOINT [\"cargo\", \"run\"]\nCMD [\"--release\"]\n").as_deref(),
            Some("CMD hands cargo its own options through the `cargo run` ENTRYPOINT at line 5")
        );
        assert_eq!(refusal("CMD cargo run --release\n"), None);
    }

    #[test]
    fn extend_split_stops_at_a_copy() {
        let df = format!(
            "{APP}RUN cargo build --release\nRUN cp target/release/app /bin/\nCOPY conf /conf\nRUN mv /bin/app /usr/bin/\n"
        );
        with_input(&df, &app(), |input| {
            let mut path = "/app/target/release/app".to_string();
            assert_eq!(extend_split(input, tpl(), 3, &mut path), 4);
            assert_eq!(path, "/bin/app");
        });
    }

    #[test]
    fn reusable_builds_read_directly() {
        let df = format!(
            "{APP}RUN cargo build --release --features x\nRUN cargo build --release\nCMD [\"cargo\", \"run\", \"--release\"]\n"
        );
        with_input(&df, &app(), |input| {
            let (builds, _) = super::super::builds::find_builds(input, tpl());
            let target = builds[1].built[0].clone();
            let c = parse_cargo(&words("cargo run --release"), tpl()).expect("cargo");
            assert_eq!(
                reusable_build(input, tpl(), &builds, &c, &target, &[]).map(|b| b.index),
                Some(4)
            );
            // Only the last build is reused.
            assert!(reusable_build(input, tpl(), &builds[..1], &c, &target, &[]).is_none());
            let debug = parse_cargo(&words("cargo run"), tpl()).expect("cargo");
            let wanted = Built {
                original: "/app/target/debug/app".into(),
                path: "/app/target/debug/app".into(),
                bin: "app".into(),
            };
            assert!(reusable_build(input, tpl(), &builds, &debug, &wanted, &[]).is_none());
        });
    }

    #[test]
    fn cargo_run_forms_read_directly() {
        let form = |tail: &str| {
            let df = format!("{APP}{tail}");
            with_input(&df, &app(), |input| {
                let run = run_command(input.df, input.model).expect("a start command");
                check_cargo_run_form(input, &run).map_err(|e| e.to_string())
            })
        };
        assert_eq!(
            form("CMD [\"cargo\", \"run\", \"--\", \"--port\", \"$PORT\"]\n"),
            Ok(())
        );
        assert!(form("CMD cargo run > log.txt\n").is_err());
        assert_eq!(
            form("ENTRYPOINT [\"cargo\", \"run\", \"--\"]\nCMD [\"--port\", \"80\"]\n"),
            Ok(())
        );
    }
}
