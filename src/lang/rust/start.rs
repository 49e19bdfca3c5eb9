//! Start: which binary the container runs and which build makes it. A start command that
//! runs the binary (by path or through PATH) is followed back to its build; `cargo run`
//! becomes the built binary with the same arguments, reusing the last build when nothing
//! after it changes what `cargo run` would compile, or adding the matching `cargo build` to
//! the builder.

use super::builds::{Build, Built, Site, resolve, track_move};
use super::cargo::{Cargo, parse_cargo, sh_word};
use crate::Skip;
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
        _ => format!(
            "the start command runs `{program}`, not a binary the build makes ({})",
            made.join(", ")
        ),
    }))
}

/// The start command is `cargo run`: the binary it would build, and the build that makes it.
fn cargo_run(
    input: &Input<'_, '_>,
    tpl: &Template,
    builds: &[Build],
    run: &RunCommand,
    c: &Cargo,
    build_env: &[String],
) -> Result<Started, Skip> {
    let (df, model) = (input.df, input.model);
    let unsupported = |s: String| Skip::Unsupported(s);
    check_cargo_run_form(input, run)?;
    let end = df.instructions.len();
    let site = Site {
        index: end,
        cwd: model.end().workdir.to_string(),
        assigns: &[],
    };
    let wanted = resolve(input, tpl, c, &site).map_err(unsupported)?;
    let Some(target) = wanted.built.first().cloned() else {
        return Err(unsupported("`cargo run` finds no binary target".into()));
    };
    let mut notes = Vec::new();
    let mut builder_tail = Vec::new();
    // Reuse the last build when it made this very binary with the same features and nothing
    // that could change the sources comes after it.
    let reusable = builds.last().filter(|b| {
        b.cargo.sub == "build"
            && b.cargo.features == c.features
            && b.built.iter().any(|x| x.original == target.original)
            && (b.index + 1..end).all(|i| match &df.instructions[i] {
                Instruction::Copy(_) | Instruction::Add(_) => !copies_sources(input, i),
                Instruction::Run(_) => finishing(input, tpl, i) || !touches_sources(input, i),
                // A build variable set later makes `cargo run` compile again.
                Instruction::Env(_) => input.model.env_pairs(i).iter().all(|(k, _)| !build_env.contains(k)),
                _ => true,
            })
    });
    let (build, built, split) = match reusable {
        Some(b) => {
            let built = b
                .built
                .iter()
                .find(|x| x.original == target.original)
                .cloned()
                .unwrap_or(target);
            let split = extend_split(input, tpl, b.index, &mut built.path.clone());
            (b.clone(), built, split)
        }
        None => {
            let split = (model.from + 1..end)
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
                .unwrap_or(model.from);
            let mut line = vec!["cargo".to_string()];
            line.extend(c.toolchain.iter().map(|t| format!("+{t}")));
            line.push("build".into());
            line.extend(c.options.iter().cloned());
            let cmd = line.iter().map(|w| sh_word(w)).collect::<Vec<_>>().join(" ");
            let kw = if df.is_lowercase(model.from) { "run" } else { "RUN" };
            builder_tail.push(format!("{kw} {cmd}"));
            notes.push(format!(
                "the original compiled at start-up (`cargo run`): the builder now runs `{cmd}`"
            ));
            (wanted.clone(), target, split)
        }
    };
    notes.push(format!("`cargo run` replaced by the binary `{}`", built.bin));
    let mut new_words = vec![built.bin.clone()];
    let ep_args: Vec<String> = if run.cmd.is_some() {
        parse_cargo(&run.words, tpl).map(|x| x.args).unwrap_or_default()
    } else {
        c.args.clone()
    };
    new_words.extend(ep_args);
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
        let name = s.rsplit('/').next().unwrap_or(s);
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
