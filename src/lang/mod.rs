//! Languages: each module reads the [`Facts`](crate::detect::Facts) of a single-stage
//! Dockerfile plus its build context and decides a [`Spec`](crate::plan::Spec): the artifact,
//! the runtime image and what to carry. Template data comes from `templates/<lang>.toml`.

pub mod go;
pub mod node;
pub mod rust;

use crate::context::BuildContext;

use crate::detect::Facts;
use crate::parse::Dockerfile;
use crate::template::{Common, RuntimeKind};

/// Everything a language module gets.
pub struct Input<'a, 'b> {
    /// The parsed Dockerfile.
    pub df: &'a Dockerfile<'b>,
    /// Facts about its one stage.
    pub facts: &'a Facts,
    /// The build context.
    pub ctx: &'a dyn BuildContext,
    /// Shared template data.
    pub common: &'a Common,
    /// The runtime family asked for (command line, then config), if any.
    pub runtime: Option<RuntimeKind>,
    /// Extra context paths to carry into the runtime stage (config `copy`).
    pub extra_copy: &'a [String],
    /// The config's `prune` setting for this language (`false`: keep devDependencies).
    pub prune: Option<bool>,
}

/// Context paths ignored by `.dockerignore` never reach the image, so they are never carried.
pub fn dockerignored(ctx: &dyn BuildContext, path: &str) -> bool {
    let Some(text) = ctx.read(".dockerignore") else {
        return false;
    };
    let mut ignored = false;
    for line in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let (neg, pat) = match line.strip_prefix('!') {
            Some(p) => (true, p),
            None => (false, line),
        };
        let pat = pat
            .trim_start_matches("./")
            .trim_start_matches('/')
            .trim_end_matches('/');
        let pat = pat.strip_prefix("**/").unwrap_or(pat);
        let hit = crate::detect::glob_match(pat, path)
            || path.starts_with(&format!("{pat}/"))
            || path
                .rsplit('/')
                .next()
                .is_some_and(|base| crate::detect::glob_match(pat, base));
        if hit {
            ignored = !neg;
        }
    }
    ignored
}

/// The command a container runs: ENTRYPOINT (if any) and CMD.
#[derive(Debug, Clone)]
pub struct RunCommand {
    /// Instruction index of the part that names the program (ENTRYPOINT if set, else CMD).
    pub index: usize,
    /// Its words (shell form is split into words).
    pub words: Vec<String>,
    /// Whether that part is in shell form.
    pub shell: bool,
    /// The CMD index and words when an exec-form ENTRYPOINT takes CMD as arguments.
    pub cmd: Option<(usize, Vec<String>)>,
}

/// The effective start command of the stage, if any.
pub fn run_command(df: &Dockerfile<'_>, facts: &Facts) -> Option<RunCommand> {
    use crate::parse::Instruction;
    let mut ep = None;
    let mut cmd = None;
    for (i, ins) in df.instructions.iter().enumerate().skip(facts.from + 1) {
        match ins {
            Instruction::Entrypoint(e) => {
                ep = Some((i, crate::detect::command_words(&e.arguments, df.escape)));
                cmd = None; // ENTRYPOINT resets an earlier CMD
            }
            Instruction::Cmd(c) => cmd = Some((i, crate::detect::command_words(&c.arguments, df.escape))),
            _ => {}
        }
    }
    match (ep, cmd) {
        (Some((i, (words, shell))), cmd) => Some(RunCommand {
            index: i,
            words,
            shell,
            cmd: if shell { None } else { cmd.map(|(j, (w, _))| (j, w)) },
        }),
        (None, Some((i, (words, shell)))) => Some(RunCommand {
            index: i,
            words,
            shell,
            cmd: None,
        }),
        (None, None) => None,
    }
}

/// Context files the program reads at run time and that the builder image holds: directories
/// and file patterns from the template, paths named in the start command, and the config's
/// extra `copy` list. Each is carried to the same absolute path.
pub fn runtime_files(
    input: &Input<'_, '_>,
    dirs: &[String],
    files: &[String],
    skip: &[String],
    split: usize,
    command: &[String],
) -> Vec<crate::plan::Carry> {
    let ctx = input.ctx;
    let mut wanted: Vec<String> = Vec::new();
    for name in ctx.list("") {
        let is_dir = ctx.is_dir(&name);
        let hit = if is_dir {
            dirs.contains(&name)
        } else {
            files.iter().any(|g| crate::detect::glob_match(g, &name))
                && !skip.iter().any(|g| crate::detect::glob_match(g, &name))
        };
        if hit {
            wanted.push(name);
        }
    }
    // Paths named in the command (`--config conf/app.yml`, `-templates=views`).
    let state = input.facts.state(split + 1);
    for arg in command.iter().skip(1) {
        let value = arg.rsplit_once('=').map_or(arg.as_str(), |(_, v)| v);
        if value.is_empty() || value.starts_with('-') {
            continue;
        }
        for rel in candidates_for(input, value, &state.workdir, split) {
            wanted.push(rel);
        }
    }
    wanted.extend(
        input
            .extra_copy
            .iter()
            .map(|p| p.trim_start_matches("./").trim_end_matches('/').to_string()),
    );
    let mut carries: Vec<crate::plan::Carry> = Vec::new();
    // Files the Dockerfile itself writes with `COPY <<EOF /path` are part of the image too.
    for c in input
        .facts
        .copies
        .iter()
        .filter(|c| c.heredoc && c.index <= split && !c.dest.ends_with('/'))
    {
        if !carries.iter().any(|x| x.to == c.dest) {
            carries.push(crate::plan::Carry {
                from: c.dest.clone(),
                to: c.dest.clone(),
            });
        }
    }
    for rel in wanted {
        if dockerignored(ctx, &rel) {
            continue;
        }
        let Some(path) = input.facts.image_path_of(input.ctx, &rel, split + 1) else {
            continue;
        };
        if carries
            .iter()
            .any(|c| path == c.to || path.starts_with(&format!("{}/", c.to)))
        {
            continue;
        }
        carries.retain(|c| !c.to.starts_with(&format!("{path}/")));
        carries.push(crate::plan::Carry {
            from: path.clone(),
            to: path,
        });
    }
    carries
}

/// Context paths that land at `value` (resolved against `workdir`) in the image.
fn candidates_for(input: &Input<'_, '_>, value: &str, workdir: &str, split: usize) -> Vec<String> {
    let target = crate::detect::absolute(workdir, value);
    let mut out = Vec::new();
    // Try the value itself and its leading path elements as context paths.
    let rel = value.trim_start_matches("./");
    if !rel.starts_with('/')
        && (input.ctx.is_file(rel) || input.ctx.is_dir(rel))
        && input.facts.image_path_of(input.ctx, rel, split + 1).as_deref() == Some(target.as_str())
    {
        out.push(rel.to_string());
    }
    out
}

/// Context paths named by string literals in source files (`os.ReadFile("data/words.txt")`,
/// `ParseGlob("templates/*.html")`, `include_str!` excluded by the caller's choice of files).
/// A literal counts when it names a file or directory that exists in the context; a glob counts
/// for the directory before its first wildcard. `skip` holds file patterns never returned.
pub fn literal_paths(ctx: &dyn BuildContext, sources: &[String], skip: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    // Only literals whose first element is an entry of the context root can name a context
    // path: checking that against one listing spares a file-system question per literal.
    let root = ctx.list("");
    for file in sources {
        let Some(text) = ctx.read(file) else { continue };
        for lit in string_literals(&text) {
            let v = lit.trim_start_matches("./").trim_end_matches('/');
            let v = match v.find(['*', '?', '[']) {
                Some(p) => v[..p].rsplit_once('/').map_or("", |(d, _)| d),
                None => v,
            };
            if v.is_empty()
                || v.starts_with('/')
                || v.contains("..")
                || v.contains(char::is_whitespace)
                || v.len() > 200
            {
                continue;
            }
            let base = v.rsplit('/').next().unwrap_or(v);
            if skip.iter().any(|g| crate::detect::glob_match(g, base)) {
                continue;
            }
            let first = v.split('/').next().unwrap_or(v);
            if !root.iter().any(|e| e == first) {
                continue;
            }
            if (ctx.is_file(v) || ctx.is_dir(v)) && !out.iter().any(|o| o == v) {
                out.push(v.to_string());
            }
        }
    }
    out
}

/// The contents of `"..."` and `` `...` `` literals in C-like source (escapes kept raw).
fn string_literals(text: &str) -> Vec<&str> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                i = text[i..].find('\n').map_or(b.len(), |p| i + p);
            }
            q @ (b'"' | b'`') => {
                let start = i + 1;
                let mut j = start;
                while j < b.len() && b[j] != q && b[j] != b'\n' {
                    if b[j] == b'\\' && q == b'"' {
                        j += 1;
                    }
                    j += 1;
                }
                if j < b.len() && b[j] == q && text.is_char_boundary(start) && text.is_char_boundary(j) {
                    out.push(&text[start..j]);
                }
                i = j + 1;
            }
            b'\'' => {
                // A character literal: skip it so '"' does not open a string.
                i += if b.get(i + 1) == Some(&b'\\') { 4 } else { 3 };
            }
            _ => i += 1,
        }
    }
    out
}

/// Follows `mv`/`cp`/`install SRC DEST` of the file at `artifact` (an image path) to its new
/// place. `DEST` is a directory when it ends with `/`, is `.` or the working directory, or is one
/// of the directories `known_dir` names.
pub fn follow_move(cmd: &[crate::shell::Word], cwd: &str, artifact: &mut String, known_dir: impl Fn(&str) -> bool) {
    use crate::detect::absolute;
    let words = crate::shell::split_assignments(cmd).1;
    let Some(first) = words.first() else { return };
    if !matches!(first.text.as_str(), "mv" | "cp" | "install") {
        return;
    }
    let args: Vec<&str> = words[1..]
        .iter()
        .map(|w| w.text.as_str())
        .filter(|w| !w.starts_with('-'))
        .collect();
    if args.len() != 2 || absolute(cwd, args[0]) != *artifact {
        return;
    }
    let dest = absolute(cwd, args[1]);
    let name = artifact.rsplit('/').next().unwrap_or_default().to_string();
    let is_dir = args[1].ends_with('/') || args[1] == "." || dest == cwd || known_dir(&dest);
    *artifact = if is_dir { absolute(&dest, &name) } else { dest };
}
