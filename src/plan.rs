//! Plan: turns the runtime assembly's [`Spec`] into span edits against the original
//! Dockerfile. It owns the language-independent placement rules: naming the builder stage,
//! moving the runtime metadata (ENV, ARG, USER, VOLUME, EXPOSE, LABEL, HEALTHCHECK, CMD...)
//! into the runtime stage, exec form for shell-less runtimes, keyword case, and the order of
//! the runtime stage's lines. Each is a pass of its own; [`plan`] runs them in order.

use crate::Skip;
use crate::detect::Language;
use crate::model::Model;
use crate::parse::{Command, Dockerfile, HealthcheckArguments, Instruction};
use crate::render::Edit;
use crate::shell;
use crate::template::{RuntimeImage, RuntimeKind};

pub use crate::summary::{ConfigChange, Summary};

/// A file or directory carried from the builder into the runtime stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Carry {
    /// Absolute path in the builder stage.
    pub from: String,
    /// Absolute path in the runtime stage.
    pub to: String,
    /// `--chown` for the copy, when the files change owner.
    pub chown: Option<String>,
}

impl Carry {
    /// `path` to the same path.
    pub fn same(path: &str) -> Carry {
        Carry {
            from: path.to_string(),
            to: path.to_string(),
            chown: None,
        }
    }

    /// `path` to the same path, owned by `chown` when given.
    pub fn owned(path: &str, chown: Option<&str>) -> Carry {
        Carry {
            chown: chown.map(str::to_string),
            ..Carry::same(path)
        }
    }

    /// `from` to `to`.
    pub fn to(from: &str, to: &str) -> Carry {
        Carry {
            from: from.to_string(),
            to: to.to_string(),
            chown: None,
        }
    }
}

/// The runtime stage, as the runtime assembly decided it.
#[derive(Debug, Clone)]
pub struct Spec {
    /// The language.
    pub language: Language,
    /// The runtime family chosen.
    pub runtime: RuntimeKind,
    /// The runtime image (patterns filled; `image` is the variant for the runtime user).
    pub image: RuntimeImage,
    /// The runtime stage starts after this instruction.
    pub split_after: usize,
    /// Edits inside the builder stage (e.g. `CGO_ENABLED=0`).
    pub builder_edits: Vec<Edit>,
    /// Instructions appended to the builder stage (prune, build-only cleanup).
    pub builder_tail: Vec<String>,
    /// What to copy across, in order.
    pub carries: Vec<Carry>,
    /// Runtime instructions before the copies (package installs).
    pub runtime_lines: Vec<String>,
    /// Runtime instructions after the copies (a package manager set up again, a non-root USER).
    pub tail_lines: Vec<String>,
    /// ENV the runtime stage adds.
    pub env_added: Vec<(String, String)>,
    /// CMD/ENTRYPOINT instructions to rewrite to these exec-form words.
    pub replace_commands: Vec<(usize, Vec<String>)>,
    /// ENV names that only matter to the build and are not carried.
    pub build_env: Vec<String>,
    /// The runtime user.
    pub user: String,
    /// System packages installed in the runtime stage.
    pub packages: Vec<String>,
    /// Globs of what stays behind on purpose.
    pub dropped: Vec<String>,
    /// Config changes made on purpose (besides those `plan` finds itself).
    pub announced: Vec<ConfigChange>,
    /// Remarks for the summary.
    pub notes: Vec<String>,
}

/// The lines that cross from the builder part into the runtime stage.
#[derive(Debug, Default)]
struct Moved {
    env: Vec<String>,
    args: Vec<(String, String)>,
    volumes: Vec<String>,
    user: Option<String>,
    metadata: Vec<String>,
    dropped_env: Vec<String>,
}

/// Builds the edits for `spec`.
pub fn plan(df: &Dockerfile<'_>, model: &Model, mut spec: Spec) -> Result<(Vec<Edit>, Summary), Skip> {
    let mut edits = std::mem::take(&mut spec.builder_edits);
    let builder = name_builder(df, model, &mut edits)?;
    let mut moved = move_metadata(df, model, &spec, &mut edits)?;
    fix_after_split(df, &spec, &mut edits)?;
    check_entrypoint_cmd(df, model, &spec, !spec.image.shell)?;
    let lines = compose(df, model, &spec, &builder, &mut moved);
    edits.push(insert_block(df, &spec, &lines));
    Ok((edits, summary(df, model, spec, &moved)))
}

/// The keyword `k` in the case of the Dockerfile's FROM.
fn kw(df: &Dockerfile<'_>, model: &Model, k: &str) -> String {
    if df.is_lowercase(model.from) {
        k.to_ascii_lowercase()
    } else {
        k.to_string()
    }
}

/// Names the builder stage `builder` (or keeps its own name).
fn name_builder(df: &Dockerfile<'_>, model: &Model, edits: &mut Vec<Edit>) -> Result<String, Skip> {
    if let Some(name) = &model.stage_name {
        return Ok(name.clone());
    }
    let Instruction::From(f) = &df.instructions[model.from] else {
        return Err(Skip::Unsupported("no FROM".into()));
    };
    edits.push(Edit::insert(
        f.image.span.end,
        [" ", &kw(df, model, "AS"), " builder"].concat(),
    ));
    Ok("builder".to_string())
}

/// The CMD/ENTRYPOINT replacement for instruction `i`, if the language made one.
fn replaced(spec: &Spec, i: usize) -> Option<&Vec<String>> {
    spec.replace_commands.iter().find(|(j, _)| *j == i).map(|(_, w)| w)
}

/// Collects what crosses from the instructions up to the split: ENV (minus build-only names),
/// ARG, USER, VOLUME, and the metadata and start commands, which move (deleted here).
fn move_metadata(df: &Dockerfile<'_>, model: &Model, spec: &Spec, edits: &mut Vec<Edit>) -> Result<Moved, Skip> {
    let n = df.instructions.len();
    let split = spec.split_after;
    let convert = !spec.image.shell;
    let user_after = (split + 1..n).any(|i| matches!(df.instructions[i], Instruction::User(_)));
    let mut m = Moved::default();
    for i in model.from + 1..=split.min(n - 1) {
        match &df.instructions[i] {
            Instruction::Env(_) => {
                let builds = |k: &str| spec.build_env.iter().any(|b| b == k);
                if !model.env_pairs(i).any(|(k, _)| builds(k)) {
                    m.env.push(df.source(i).to_string());
                    continue;
                }
                let (kept, dropped): (Vec<_>, Vec<_>) = model.env_pairs(i).partition(|(k, _)| !builds(k));
                m.dropped_env.extend(dropped.iter().map(|(k, _)| k.to_string()));
                if !kept.is_empty() {
                    let body: Vec<String> = kept.iter().map(|(k, v)| format!("{k}={}", quote_env(v))).collect();
                    m.env.push(format!("{} {}", kw(df, model, "ENV"), body.join(" ")));
                }
            }
            Instruction::Arg(a) => {
                for (name, _) in crate::detect::parse_arg(&a.arguments.value) {
                    m.args.push((name, df.source(i).to_string()));
                }
            }
            Instruction::User(_) if !user_after => m.user = Some(df.source(i).to_string()),
            Instruction::Volume(_) => m.volumes.push(df.source(i).to_string()),
            Instruction::Expose(_)
            | Instruction::Label(_)
            | Instruction::Stopsignal(_)
            | Instruction::Maintainer(_)
            | Instruction::Healthcheck(_)
            | Instruction::Cmd(_)
            | Instruction::Entrypoint(_) => {
                edits.push(Edit::delete(delete_span(df, i)));
                let text = match replaced(spec, i) {
                    Some(words) => exec_line(df, i, words),
                    None => runtime_text(df, i, convert)?,
                };
                m.metadata.push(text);
            }
            _ => {}
        }
    }
    Ok(m)
}

/// Instructions after the split stay where they are: rewrite the start commands the language
/// replaced or the runtime cannot run in shell form; refuse what needs a shell it lacks.
fn fix_after_split(df: &Dockerfile<'_>, spec: &Spec, edits: &mut Vec<Edit>) -> Result<(), Skip> {
    let convert = !spec.image.shell;
    for i in spec.split_after + 1..df.instructions.len() {
        let ins = &df.instructions[i];
        match ins {
            Instruction::Cmd(_) | Instruction::Entrypoint(_) | Instruction::Healthcheck(_) => {
                if let Some(words) = replaced(spec, i) {
                    edits.push(Edit::replace(df.spans[i].clone(), exec_line(df, i, words)));
                } else {
                    let text = runtime_text(df, i, convert)?;
                    if text != df.source(i) {
                        edits.push(Edit::replace(df.spans[i].clone(), text));
                    }
                }
            }
            Instruction::Run(_) | Instruction::Shell(_) if !spec.image.shell => {
                let what = if matches!(ins, Instruction::Run(_)) {
                    "RUN"
                } else {
                    "SHELL"
                };
                return Err(Skip::Unsupported(format!(
                    "{what} at line {} needs a shell, which {} lacks",
                    df.line(i),
                    spec.image.image
                )));
            }
            Instruction::Onbuild(_) => {
                return Err(Skip::Unsupported(format!(
                    "ONBUILD at line {} makes this a base image for other builds",
                    df.line(i)
                )));
            }
            _ => {}
        }
    }
    Ok(())
}

/// The runtime stage's lines, in order: FROM, the ARGs it uses, WORKDIR, ENV, package installs,
/// the copies, VOLUME, USER, language lines, then the moved metadata and start commands. What
/// crosses is moved out of `m` (the summary reads only its dropped ENV names).
fn compose(df: &Dockerfile<'_>, model: &Model, spec: &Spec, builder: &str, m: &mut Moved) -> Vec<String> {
    let split = spec.split_after;
    let k = |s: &str| kw(df, model, s);
    let state = model.state(split + 1);
    let mut lines = Vec::with_capacity(16 + m.env.len() + spec.carries.len() + spec.runtime_lines.len());
    let platform = match &df.instructions[model.from] {
        Instruction::From(f) => f
            .options
            .iter()
            .find(|o| o.name.value.eq_ignore_ascii_case("platform"))
            .map(|o| format!("{} ", &df.text[o.span()])),
        _ => None,
    };
    lines.push([&k("FROM"), " ", &platform.unwrap_or_default(), &spec.image.image].concat());
    lines.extend(used_args(df, split, m));
    let image_workdir = spec.image.workdir.as_deref().unwrap_or("/");
    if state.workdir_set || &*state.workdir != image_workdir {
        lines.push([&k("WORKDIR"), " ", &state.workdir].concat());
    }
    lines.append(&mut m.env);
    for (name, value) in &spec.env_added {
        lines.push([&k("ENV"), " ", name, "=", &quote_env(value)].concat());
    }
    lines.extend(spec.runtime_lines.iter().cloned());
    let copy = k("COPY");
    for c in &spec.carries {
        lines.push(copy_line(&copy, builder, c));
    }
    lines.append(&mut m.volumes);
    lines.extend(m.user.take());
    lines.extend(spec.tail_lines.iter().cloned());
    lines.append(&mut m.metadata);
    lines
}

/// The ARG lines whose names the runtime stage's lines, or the instructions after the split,
/// mention (each once).
fn used_args(df: &Dockerfile<'_>, split: usize, m: &Moved) -> Vec<String> {
    let mut seen_args: Vec<String> = Vec::new();
    if m.args.is_empty() {
        return seen_args;
    }
    let mentioned: String = [
        m.env.join("\n"),
        m.metadata.join("\n"),
        m.volumes.join("\n"),
        m.user.clone().unwrap_or_default(),
    ]
    .join("\n")
        + &(split + 1..df.instructions.len())
            .map(|i| df.source(i))
            .collect::<Vec<_>>()
            .join("\n");
    for (name, line) in &m.args {
        if crate::detect::mentions_var(&mentioned, name) && !seen_args.contains(line) {
            seen_args.push(line.clone());
        }
    }
    seen_args
}

/// The text inserted after the split: the builder tail, a blank line, the runtime stage.
fn insert_block(df: &Dockerfile<'_>, spec: &Spec, lines: &[String]) -> Edit {
    let nl = df.newline;
    let at = df.after_line(spec.split_after);
    let size: usize = spec.builder_tail.iter().chain(lines).map(|l| l.len() + nl.len()).sum();
    let mut block = String::with_capacity(size + 2 * nl.len());
    if !df.text[..at].ends_with('\n') {
        block.push_str(nl);
    }
    for t in &spec.builder_tail {
        block.push_str(t);
        block.push_str(nl);
    }
    block.push_str(nl);
    for l in lines {
        block.push_str(l);
        block.push_str(nl);
    }
    Edit::insert(at, block)
}

/// The summary, with every config change the rewrite makes on purpose (the spec's last use).
fn summary(df: &Dockerfile<'_>, model: &Model, mut spec: Spec, m: &Moved) -> Summary {
    let n = df.instructions.len();
    let convert = !spec.image.shell;
    let mut notes = std::mem::take(&mut spec.notes);
    let mut announced = std::mem::take(&mut spec.announced);
    for (i, _) in &spec.replace_commands {
        match df.instructions.get(*i) {
            Some(Instruction::Cmd(_)) => announced.push(ConfigChange::Cmd),
            Some(Instruction::Entrypoint(_)) => announced.push(ConfigChange::Entrypoint),
            _ => {}
        }
    }
    // Only commands the rewrite converted itself: not those a language replaced.
    let mut converted = false;
    for i in model.from + 1..n {
        if replaced(&spec, i).is_some() {
            continue;
        }
        let change = match &df.instructions[i] {
            Instruction::Cmd(c) if matches!(c.arguments, Command::Shell(_)) => Some(ConfigChange::Cmd),
            Instruction::Entrypoint(e) if matches!(e.arguments, Command::Shell(_)) => Some(ConfigChange::Entrypoint),
            Instruction::Healthcheck(h)
                if matches!(
                    &h.arguments,
                    HealthcheckArguments::Cmd {
                        arguments: Command::Shell(_),
                        ..
                    }
                ) =>
            {
                Some(ConfigChange::Healthcheck)
            }
            _ => None,
        };
        if let Some(c) = change.filter(|_| convert) {
            converted = true;
            announced.push(c);
        }
    }
    if converted {
        notes.push("shell-form commands now in exec form".into());
    }
    announced.extend(m.dropped_env.iter().map(|k| ConfigChange::EnvDropped(k.clone())));
    let mut seen = Vec::new();
    announced.retain(|c| {
        let fresh = !seen.contains(c);
        seen.push(c.clone());
        fresh
    });
    notes.dedup();
    Summary {
        language: spec.language,
        builder: model.image.full.clone(),
        carried: spec.carries.iter().map(|c| c.to.clone()).collect(),
        runtime: spec.image.image,
        user: spec.user,
        packages: spec.packages,
        dropped: spec.dropped,
        announced,
        notes,
    }
}

/// An ENTRYPOINT in shell form ignores CMD; turned into exec form it would start taking CMD
/// as arguments. Refuse rather than change what runs.
fn check_entrypoint_cmd(df: &Dockerfile<'_>, model: &Model, spec: &Spec, convert: bool) -> Result<(), Skip> {
    if !convert {
        return Ok(());
    }
    let last = |want: fn(&Instruction<'_>) -> bool| {
        (model.from + 1..df.instructions.len())
            .rev()
            .find(|&i| want(&df.instructions[i]))
    };
    let ep = last(|i| matches!(i, Instruction::Entrypoint(_)));
    let cmd = last(|i| matches!(i, Instruction::Cmd(_)));
    if let (Some(e), Some(_)) = (ep, cmd)
        && let Instruction::Entrypoint(x) = &df.instructions[e]
        && matches!(x.arguments, Command::Shell(_))
        && !spec.replace_commands.iter().any(|(j, _)| *j == e)
    {
        return Err(Skip::Unsupported(format!(
            "shell-form ENTRYPOINT at line {} ignores CMD; in exec form for {} it would not",
            df.line(e),
            spec.image.image
        )));
    }
    Ok(())
}

/// The text of a CMD/ENTRYPOINT/HEALTHCHECK (or any instruction) for the runtime stage: as
/// written, or in exec form when `convert` and it is in shell form.
fn runtime_text(df: &Dockerfile<'_>, i: usize, convert: bool) -> Result<String, Skip> {
    let src = df.source(i);
    let ins = &df.instructions[i];
    let shell_cmd = match ins {
        Instruction::Cmd(c) => match &c.arguments {
            Command::Shell(s) => Some(s),
            _ => None,
        },
        Instruction::Entrypoint(c) => match &c.arguments {
            Command::Shell(s) => Some(s),
            _ => None,
        },
        Instruction::Healthcheck(h) => match &h.arguments {
            HealthcheckArguments::Cmd {
                arguments: Command::Shell(s),
                ..
            } => Some(s),
            _ => None,
        },
        _ => None,
    };
    match shell_cmd {
        Some(s) if convert => {
            let Some(words) = shell::to_exec(s.value, df.escape) else {
                return Err(Skip::Unsupported(format!(
                    "the shell-form command at line {} needs a shell",
                    df.line(i)
                )));
            };
            let start = df.spans[i].start;
            Ok(format!("{}{}", &src[..s.span.start - start], shell::json_array(&words)))
        }
        _ => Ok(src.to_string()),
    }
}

/// The lines of instruction `i`, plus the blank line after it when a blank line also
/// precedes it (so that moving it out leaves no double gap).
fn delete_span(df: &Dockerfile<'_>, i: usize) -> std::ops::Range<usize> {
    let span = df.line_span(i);
    let before = &df.text[..span.start];
    let blank_before = before.is_empty() || before.ends_with("\n\n") || before.ends_with("\n\r\n");
    let after = &df.text[span.end..];
    let blank_after = if after.starts_with("\r\n") {
        Some(2)
    } else if after.starts_with('\n') {
        Some(1)
    } else {
        None
    };
    match blank_after {
        Some(n) if blank_before => span.start..span.end + n,
        _ => span,
    }
}

/// `CMD ["a", "b"]` with the instruction's own keyword as written.
fn exec_line(df: &Dockerfile<'_>, i: usize, words: &[String]) -> String {
    let src = df.source(i);
    let keyword: String = src.chars().take_while(|c| c.is_ascii_alphabetic()).collect();
    [&keyword, " ", &shell::json_array(words)].concat()
}

fn copy_line(kw: &str, builder: &str, c: &Carry) -> String {
    // Concatenated, not formatted: a split writes a few of these, and `format!` costs more
    // than the copying.
    let (chown, owner, sep) = match &c.chown {
        Some(o) => ("--chown=", o.as_str(), " "),
        None => ("", "", ""),
    };
    let mut line = String::with_capacity(kw.len() + builder.len() + owner.len() + c.from.len() + c.to.len() + 20);
    for part in [kw, " --from=", builder, " ", chown, owner, sep] {
        line.push_str(part);
    }
    if c.from.contains(char::is_whitespace) || c.to.contains(char::is_whitespace) {
        line.push_str(&shell::json_array(&[&c.from, &c.to]));
    } else {
        for part in [&c.from, " ", &c.to] {
            line.push_str(part);
        }
    }
    line
}

fn quote_env(v: &str) -> String {
    if v.is_empty() || v.contains(|c: char| c.is_whitespace() || "\"'$\\".contains(c)) {
        shell::json_string(v)
    } else {
        v.to_string()
    }
}
