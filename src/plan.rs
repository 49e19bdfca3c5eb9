//! Plan: turns a language's [`Spec`] (runtime image, split point, files to carry) into span
//! edits against the original Dockerfile. It owns the language-independent rules: naming the
//! builder stage, what crosses into the runtime stage (WORKDIR, ENV, ARG, USER, EXPOSE, LABEL,
//! HEALTHCHECK, CMD...), exec-form conversion for shell-less runtimes, and keyword case.

use crate::Skip;
use crate::detect::{Facts, Language};
use crate::parse::{Command, Dockerfile, HealthcheckArguments, Instruction};
use crate::render::Edit;
use crate::shell;
use crate::template::{Common, RuntimeImage, RuntimeKind};

/// A file or directory carried from the builder into the runtime stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Carry {
    /// Absolute path in the builder stage.
    pub from: String,
    /// Absolute path in the runtime stage.
    pub to: String,
}

/// What a language module decided.
#[derive(Debug, Clone)]
pub struct Spec {
    /// The language.
    pub language: Language,
    /// The runtime family chosen.
    pub runtime: RuntimeKind,
    /// The runtime image (pattern already filled).
    pub image: RuntimeImage,
    /// The runtime stage starts after this instruction.
    pub split_after: usize,
    /// Edits inside the builder stage (e.g. `CGO_ENABLED=0`).
    pub builder_edits: Vec<Edit>,
    /// Instructions appended to the builder stage (e.g. `RUN npm prune --omit=dev`).
    pub builder_tail: Vec<String>,
    /// What to copy across.
    pub carries: Vec<Carry>,
    /// Extra runtime instructions placed after the copies.
    pub runtime_lines: Vec<String>,
    /// CMD/ENTRYPOINT instructions to rewrite to these exec-form words.
    pub replace_commands: Vec<(usize, Vec<String>)>,
    /// ENV names that only matter to the build and are not carried.
    pub build_env: Vec<String>,
    /// Remarks for the summary.
    pub notes: Vec<String>,
}

pub use crate::summary::{ConfigChange, Summary};

/// Something the runtime stage must run besides the program itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Need {
    /// 1-based line.
    pub line: usize,
    /// Instruction keyword (`RUN`, `CMD`...).
    pub what: &'static str,
    /// Whether it needs `/bin/sh`.
    pub shell: bool,
    /// Programs it calls.
    pub programs: Vec<String>,
}

/// What the instructions after `split_after` (and the CMD/ENTRYPOINT/HEALTHCHECK moved
/// before it) need from the runtime image.
pub fn needs(df: &Dockerfile<'_>, facts: &Facts, split_after: usize) -> Vec<Need> {
    let mut out = Vec::new();
    let mut exec_entrypoint = df.instructions.iter().skip(facts.from + 1).filter_map(|i| match i {
        Instruction::Entrypoint(e) => Some(matches!(e.arguments, Command::Exec(_))),
        _ => None,
    });
    let cmd_is_args = exec_entrypoint.next_back().unwrap_or(false);
    for (i, ins) in df.instructions.iter().enumerate().skip(facts.from + 1) {
        let (what, cmd) = match ins {
            Instruction::Cmd(c) if cmd_is_args && matches!(c.arguments, Command::Exec(_)) => continue,
            Instruction::Run(r) if i > split_after => ("RUN", Some(&r.arguments)),
            Instruction::Cmd(c) => ("CMD", Some(&c.arguments)),
            Instruction::Entrypoint(e) => ("ENTRYPOINT", Some(&e.arguments)),
            Instruction::Healthcheck(h) => match &h.arguments {
                HealthcheckArguments::Cmd { arguments, .. } => ("HEALTHCHECK", Some(arguments)),
                _ => ("HEALTHCHECK", None),
            },
            Instruction::Shell(_) if i > split_after => {
                out.push(Need {
                    line: df.line(i),
                    what: "SHELL",
                    shell: true,
                    programs: vec![],
                });
                continue;
            }
            _ => continue,
        };
        let Some(cmd) = cmd else { continue };
        let (shell_needed, programs) = match cmd {
            Command::Exec(e) => (
                false,
                e.value.first().map(|w| vec![w.value.to_string()]).unwrap_or_default(),
            ),
            Command::Shell(s) => {
                let progs = if what == "RUN" {
                    crate::detect::run_commands(df, i)
                        .iter()
                        .filter_map(|c| shell::split_assignments(c).1.first().map(|w| w.text.clone()))
                        .collect()
                } else {
                    shell::commands(s.value, df.escape)
                        .iter()
                        .filter_map(|c| shell::split_assignments(c).1.first().map(|w| w.text.clone()))
                        .collect()
                };
                (what == "RUN" || shell::needs_shell(s.value, df.escape), progs)
            }
            _ => (true, Vec::new()),
        };
        out.push(Need {
            line: df.line(i),
            what,
            shell: shell_needed,
            programs,
        });
    }
    out
}

/// Checks that `image` (of family `kind`) can serve every need; `own` lists the programs
/// the rewrite itself puts in the image (the built binary...). Returns the first problem.
pub fn unmet(
    needs: &[Need],
    kind: RuntimeKind,
    image: &RuntimeImage,
    common: &Common,
    own: &[String],
) -> Option<String> {
    for n in needs {
        if n.shell && !image.shell {
            return Some(format!(
                "{} at line {} needs a shell, which {} lacks",
                n.what, n.line, kind
            ));
        }
        for p in &n.programs {
            let base = p.rsplit('/').next().unwrap_or(p);
            if own.iter().any(|o| o == p || o.rsplit('/').next() == Some(base)) {
                continue;
            }
            if n.shell && image.shell && common.is_builtin(p) {
                continue;
            }
            if !common.has_tool(kind, p) {
                return Some(format!(
                    "{} at line {} runs `{}`, which {} lacks",
                    n.what, n.line, p, kind
                ));
            }
        }
    }
    None
}

/// Builds the edits for `spec`.
pub fn plan(df: &Dockerfile<'_>, facts: &Facts, spec: &Spec) -> Result<(Vec<Edit>, Summary), Skip> {
    let nl = df.newline;
    let lower = df.is_lowercase(facts.from);
    let kw = |k: &str| if lower { k.to_ascii_lowercase() } else { k.to_string() };
    let split = spec.split_after;
    let n = df.instructions.len();
    let mut edits = spec.builder_edits.clone();

    // 1. Name the builder stage.
    let builder = match &facts.stage_name {
        Some(name) => name.clone(),
        None => {
            let Instruction::From(f) = &df.instructions[facts.from] else {
                return Err(Skip::Unsupported("no FROM".into()));
            };
            edits.push(Edit::insert(f.image.span.end, format!(" {} builder", kw("AS"))));
            "builder".to_string()
        }
    };

    // 2. What crosses from the builder part into the runtime stage.
    let mut env_lines = Vec::new();
    let mut arg_lines: Vec<(String, String)> = Vec::new();
    let mut volume_lines = Vec::new();
    let mut moved = Vec::new();
    let mut user: Option<String> = None;
    let user_after = (split + 1..n).any(|i| matches!(df.instructions[i], Instruction::User(_)));
    let convert = !spec.image.shell;
    let replaced = |i: usize| spec.replace_commands.iter().find(|(j, _)| *j == i).map(|(_, w)| w);

    for i in facts.from + 1..=split.min(n - 1) {
        let ins = &df.instructions[i];
        match ins {
            Instruction::Env(e) => {
                let pairs = crate::detect::parse_env(&e.arguments.value, df.escape);
                let kept: Vec<_> = pairs.iter().filter(|(k, _)| !spec.build_env.contains(k)).collect();
                if kept.len() == pairs.len() {
                    env_lines.push(df.source(i).to_string());
                } else if !kept.is_empty() {
                    let body: Vec<String> = kept.iter().map(|(k, v)| format!("{k}={}", quote_env(v))).collect();
                    env_lines.push(format!("{} {}", kw("ENV"), body.join(" ")));
                }
            }
            Instruction::Arg(a) => {
                for (name, _) in crate::detect::parse_arg(&a.arguments.value) {
                    arg_lines.push((name, df.source(i).to_string()));
                }
            }
            Instruction::User(_) if !user_after => user = Some(df.source(i).to_string()),
            Instruction::Volume(_) => volume_lines.push(df.source(i).to_string()),
            Instruction::Expose(_)
            | Instruction::Label(_)
            | Instruction::Stopsignal(_)
            | Instruction::Maintainer(_)
            | Instruction::Healthcheck(_)
            | Instruction::Cmd(_)
            | Instruction::Entrypoint(_) => {
                edits.push(Edit::delete(delete_span(df, i)));
                let text = match replaced(i) {
                    Some(words) => exec_line(df, i, words),
                    None => runtime_text(df, i, convert)?,
                };
                moved.push(text);
            }
            _ => {}
        }
    }

    // 3. Instructions after the split stay where they are; fix those the runtime can't run.
    let mut names = Vec::new();
    for i in split + 1..n {
        let ins = &df.instructions[i];
        match ins {
            Instruction::Cmd(_) | Instruction::Entrypoint(_) | Instruction::Healthcheck(_) => {
                if let Some(words) = replaced(i) {
                    edits.push(Edit::replace(df.spans[i].clone(), exec_line(df, i, words)));
                } else {
                    let text = runtime_text(df, i, convert)?;
                    if text != df.source(i) {
                        edits.push(Edit::replace(df.spans[i].clone(), text));
                    }
                }
            }
            Instruction::Run(_) | Instruction::Shell(_) if !spec.image.shell => {
                return Err(Skip::Unsupported(format!(
                    "{} at line {} needs a shell, which {} lacks",
                    if matches!(ins, Instruction::Run(_)) {
                        "RUN"
                    } else {
                        "SHELL"
                    },
                    df.line(i),
                    spec.image.image
                )));
            }
            Instruction::User(u) => names.push(u.arguments.value.to_string()),
            Instruction::Copy(c) => names.extend(
                c.options
                    .iter()
                    .filter(|o| o.name.value == "chown")
                    .filter_map(|o| o.value.as_ref().map(|v| v.value.to_string())),
            ),
            Instruction::Add(c) => names.extend(
                c.options
                    .iter()
                    .filter(|o| o.name.value == "chown")
                    .filter_map(|o| o.value.as_ref().map(|v| v.value.to_string())),
            ),
            Instruction::Onbuild(_) => {
                return Err(Skip::Unsupported(format!(
                    "ONBUILD at line {} makes this a base image for other builds",
                    df.line(i)
                )));
            }
            _ => {}
        }
    }
    if let Some(u) = &user {
        names.push(u.split_whitespace().nth(1).unwrap_or("").to_string());
    }
    check_entrypoint_cmd(df, facts, spec, convert)?;

    // 4. Users the runtime image does not know come with the builder's passwd and group files,
    // unless a RUN kept in the runtime stage creates them there.
    let creates_users = (split + 1..n).any(|i| {
        crate::detect::run_commands(df, i).iter().any(|c| {
            shell::split_assignments(c)
                .1
                .first()
                .is_some_and(|w| matches!(w.text.as_str(), "useradd" | "adduser" | "groupadd" | "addgroup"))
        })
    });
    let unknown_user = !creates_users
        && names.iter().any(|spec_user| {
            spec_user.split(':').any(|part| {
                !part.is_empty()
                    && !part.chars().all(|c| c.is_ascii_digit())
                    && !part.starts_with('$')
                    && part != "root"
                    && !spec.image.users.iter().any(|u| u == part)
            })
        });

    // 5. Compose the runtime stage.
    let state = facts.state(split + 1);
    let mut lines = Vec::new();
    let platform = match &df.instructions[facts.from] {
        Instruction::From(f) => f
            .options
            .iter()
            .find(|o| o.name.value.eq_ignore_ascii_case("platform"))
            .map(|o| format!("{} ", &df.text[o.span()])),
        _ => None,
    };
    lines.push(format!(
        "{} {}{}",
        kw("FROM"),
        platform.unwrap_or_default(),
        spec.image.image
    ));
    let mentioned: String = [
        env_lines.join("\n"),
        moved.join("\n"),
        volume_lines.join("\n"),
        user.clone().unwrap_or_default(),
    ]
    .join("\n")
        + &(split + 1..n).map(|i| df.source(i)).collect::<Vec<_>>().join("\n");
    let mut seen_args = Vec::new();
    for (name, line) in &arg_lines {
        if (mentioned.contains(&format!("${name}")) || mentioned.contains(&format!("${{{name}")))
            && !seen_args.contains(line)
        {
            seen_args.push(line.clone());
        }
    }
    lines.extend(seen_args);
    let image_workdir = spec.image.workdir.as_deref().unwrap_or("/");
    if state.workdir_set || state.workdir != image_workdir {
        lines.push(format!("{} {}", kw("WORKDIR"), state.workdir));
    }
    lines.extend(env_lines);
    let mut carried = Vec::new();
    for c in &spec.carries {
        lines.push(copy_line(&kw("COPY"), &builder, &c.from, &c.to));
        carried.push(c.to.clone());
    }
    if spec.image.certs {
        lines.push(copy_line(
            &kw("COPY"),
            &builder,
            "/etc/ssl/certs/ca-certificates.crt",
            "/etc/ssl/certs/ca-certificates.crt",
        ));
        carried.push("/etc/ssl/certs/ca-certificates.crt".into());
    }
    if unknown_user {
        for f in ["/etc/passwd", "/etc/group"] {
            lines.push(copy_line(&kw("COPY"), &builder, f, f));
            carried.push(f.into());
        }
    }
    lines.extend(volume_lines);
    lines.extend(spec.runtime_lines.iter().cloned());
    lines.extend(user);
    lines.extend(moved);

    let mut block = String::new();
    let at = df.after_line(split);
    if !df.text[..at].ends_with('\n') {
        block.push_str(nl);
    }
    for t in &spec.builder_tail {
        block.push_str(t);
        block.push_str(nl);
    }
    block.push_str(nl);
    for l in &lines {
        block.push_str(l);
        block.push_str(nl);
    }
    edits.push(Edit::insert(at, block));

    let mut notes = spec.notes.clone();
    // Only commands the rewrite converted itself: not those a language replaced.
    let converted = (facts.from + 1..n).any(|i| {
        replaced(i).is_none()
            && match &df.instructions[i] {
                Instruction::Cmd(c) => matches!(c.arguments, Command::Shell(_)),
                Instruction::Entrypoint(e) => matches!(e.arguments, Command::Shell(_)),
                Instruction::Healthcheck(h) => matches!(
                    &h.arguments,
                    HealthcheckArguments::Cmd {
                        arguments: Command::Shell(_),
                        ..
                    }
                ),
                _ => false,
            }
    });
    if convert && converted {
        notes.push("shell-form commands now in exec form".into());
    }
    notes.dedup();
    let user_now = facts.state(n).user.clone().unwrap_or_else(|| "root".into());
    let mut announced: Vec<ConfigChange> = spec
        .replace_commands
        .iter()
        .filter_map(|(i, _)| match df.instructions.get(*i) {
            Some(Instruction::Cmd(_)) => Some(ConfigChange::Cmd),
            Some(Instruction::Entrypoint(_)) => Some(ConfigChange::Entrypoint),
            _ => None,
        })
        .collect();
    if convert && converted {
        announced.extend([ConfigChange::Cmd, ConfigChange::Entrypoint, ConfigChange::Healthcheck]);
    }
    announced.dedup();
    let summary = Summary {
        language: spec.language,
        builder: facts.image.full.clone(),
        runtime: spec.image.image.clone(),
        user: user_now,
        packages: Vec::new(),
        carried,
        dropped: Vec::new(),
        announced,
        notes,
    };
    Ok((edits, summary))
}

/// An ENTRYPOINT in shell form ignores CMD; turned into exec form it would start taking CMD
/// as arguments. Refuse rather than change what runs.
fn check_entrypoint_cmd(df: &Dockerfile<'_>, facts: &Facts, spec: &Spec, convert: bool) -> Result<(), Skip> {
    if !convert {
        return Ok(());
    }
    let last = |want: fn(&Instruction<'_>) -> bool| {
        (facts.from + 1..df.instructions.len())
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
    format!("{keyword} {}", shell::json_array(words))
}

fn copy_line(kw: &str, builder: &str, from: &str, to: &str) -> String {
    if from.contains(char::is_whitespace) || to.contains(char::is_whitespace) {
        format!("{kw} --from={builder} {}", shell::json_array(&[from, to]))
    } else {
        format!("{kw} --from={builder} {from} {to}")
    }
}

fn quote_env(v: &str) -> String {
    if v.is_empty() || v.contains(|c: char| c.is_whitespace() || "\"'$\\".contains(c)) {
        shell::json_string(v)
    } else {
        v.to_string()
    }
}

/// Picks the runtime image for one link kind: the requested family or the template's
/// default; when that cannot serve `needs` and nobody asked for it, the first family with a
/// shell that can. `own` lists the programs the rewrite puts in the image itself.
pub fn choose_runtime(
    table: &crate::template::LinkRuntimes,
    what: &str,
    requested: Option<RuntimeKind>,
    needs: &[Need],
    common: &Common,
    base: &crate::template::BaseFacts,
    own: &[String],
) -> Result<(RuntimeKind, RuntimeImage, Option<String>), Skip> {
    let filled = |kind: RuntimeKind| {
        table.get(kind).map(|img| {
            let mut img = img.clone();
            img.image = crate::template::fill(&img.image, base);
            img
        })
    };
    let kind = requested.unwrap_or(table.default);
    let Some(image) = filled(kind) else {
        return Err(Skip::Unsupported(format!("{what} cannot run on {kind}")));
    };
    let Some(problem) = unmet(needs, kind, &image, common, own) else {
        return Ok((kind, image, None));
    };
    if let Some(r) = requested {
        return Err(Skip::Unsupported(format!("{problem} (runtime {r} was asked for)")));
    }
    for alt in [RuntimeKind::Alpine, RuntimeKind::DebianSlim] {
        if let Some(img) = filled(alt)
            && unmet(needs, alt, &img, common, own).is_none()
        {
            let note = format!("{alt} runtime because {problem}");
            return Ok((alt, img, Some(note)));
        }
    }
    Err(Skip::Unsupported(problem))
}
