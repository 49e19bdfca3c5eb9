//! Go: finds the `go build` / `go install` that makes the binary the container runs, decides
//! whether it needs cgo, and picks a runtime on the right libc (static distroless when cgo is
//! off, which dockslim then enforces with `CGO_ENABLED=0`).

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{Input, run_command, runtime_files};
use crate::Skip;
use crate::detect::{Language, absolute, run_commands};
use crate::parse::{Command, Instruction};
use crate::plan::{self, Carry, Spec};
use crate::render::Edit;
use crate::shell::{self, Word};
use crate::template::LinkRuntimes;

/// `templates/go.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Template {
    /// Builder image names (last path element) that mean Go.
    pub images: Vec<String>,
    /// The golang image's WORKDIR.
    pub default_workdir: String,
    /// The golang image's GOPATH.
    pub gopath: String,
    /// The golang image's PATH directories.
    pub path: Vec<String>,
    /// Directories on a runtime image's PATH.
    pub runtime_path: Vec<String>,
    /// ENV names that only matter to the build.
    pub build_env: Vec<String>,
    /// Go flags that take a value.
    pub value_flags: Vec<String>,
    /// Modules that need cgo.
    pub cgo_modules: Vec<String>,
    /// Context directories a program reads at run time.
    pub runtime_dirs: Vec<String>,
    /// Context file patterns a program reads at run time.
    pub runtime_files: Vec<String>,
    /// Context files never carried.
    pub skip_files: Vec<String>,
    /// Programs a RUN after the build may call and still belong to the builder.
    pub builder_programs: Vec<String>,
    /// Runtime images by link kind: `static`, `glibc`, `musl`.
    pub runtimes: BTreeMap<String, LinkRuntimes>,
}

/// One `go build` or `go install`.
#[derive(Debug, Clone)]
struct Build {
    index: usize,
    /// Where the binary lands.
    artifact: String,
    /// Byte offset where a `CGO_ENABLED=0 ` prefix goes (shell form), else `None`.
    insert_at: Option<usize>,
    /// The command's own `CGO_ENABLED` prefix.
    cgo_prefix: Option<String>,
    /// GOOS/GOARCH prefixes or flags that cross-compile.
    cross: Option<String>,
    /// `go install module@version`: a tool fetched from elsewhere, not this project's code.
    remote: Option<String>,
}

/// Analyses a Go Dockerfile.
pub fn analyze(input: &Input<'_, '_>, tpl: &Template) -> Result<Spec, Skip> {
    let (df, facts, ctx) = (input.df, input.facts, input.ctx);
    let builds = find_builds(input, tpl);
    if builds.is_empty() {
        return Err(Skip::Unsupported("no `go build` or `go install` step found".into()));
    }
    let Some(run) = run_command(df, facts) else {
        return Err(Skip::Unsupported("no CMD or ENTRYPOINT runs the built binary".into()));
    };
    let program = run.words.first().cloned().unwrap_or_default();
    let state = facts.state(run.index);
    let path_dirs: Vec<String> = match state.var("PATH") {
        Some(p) => p.split(':').map(str::to_string).collect(),
        None => tpl.path.clone(),
    };
    let resolves = |artifact: &str| -> bool {
        if program.contains('/') {
            state.resolve(&program) == artifact
        } else {
            let (dir, name) = artifact.rsplit_once('/').unwrap_or(("", artifact));
            name == program && path_dirs.iter().any(|d| absolute("/", d) == absolute("/", dir))
        }
    };
    let Some(build) = builds.iter().rev().find(|b| resolves(&b.artifact)).cloned() else {
        if program == "go" && run.words.get(1).is_some_and(|w| w == "run") {
            return Err(Skip::Unsupported(
                "the container starts with `go run`, which needs the Go toolchain at run time".into(),
            ));
        }
        let last = &builds[builds.len() - 1].artifact;
        return Err(Skip::Unsupported(format!(
            "the start command runs `{program}`, not the binary the build makes ({last})"
        )));
    };
    if let Some(tool) = &build.remote {
        return Err(Skip::Unsupported(format!(
            "the start command runs `{program}`, a tool installed with `go install {tool}`, not a binary built from this project"
        )));
    }
    if let Some(cross) = &build.cross {
        return Err(Skip::Unsupported(format!(
            "the build cross-compiles ({cross}); the runtime platform is unclear"
        )));
    }

    // Extend the split over RUN steps that only finish the build (strip, chmod, cleanup).
    let mut split = build.index;
    let mut artifact = build.artifact.clone();
    for i in build.index + 1..df.instructions.len() {
        match &df.instructions[i] {
            Instruction::Run(_) => {
                let cmds = run_commands(df, i);
                let finishing = cmds.iter().all(|c| {
                    let words = shell::split_assignments(c).1;
                    words.first().is_some_and(|w| tpl.builder_programs.contains(&w.text))
                });
                if !finishing {
                    break;
                }
                let cwd = &facts.state(i).workdir;
                for c in &cmds {
                    track_move(c, cwd, &mut artifact, tpl);
                }
                split = i;
            }
            Instruction::Copy(_) | Instruction::Add(_) | Instruction::Workdir(_) => break,
            _ => {}
        }
    }
    if artifact != build.artifact && !resolves(&artifact) {
        return Err(Skip::Unsupported(format!(
            "the binary moves to {artifact} after the build, which the start command does not run"
        )));
    }

    // cgo.
    let env_cgo = build
        .cgo_prefix
        .clone()
        .or_else(|| facts.state(build.index).var("CGO_ENABLED").map(str::to_string));
    let cgo_reason = match env_cgo.as_deref() {
        Some("1") => Some("CGO_ENABLED=1 is set".to_string()),
        Some(_) => None,
        None => cgo_need(input, tpl),
    };
    let base = input.common.base_facts(&facts.image);
    let link = match (&cgo_reason, base.musl) {
        (None, _) => "static",
        (Some(_), true) => "musl",
        (Some(_), false) => "glibc",
    };
    let table = tpl
        .runtimes
        .get(link)
        .ok_or_else(|| Skip::Unsupported(format!("templates/go.toml has no runtimes.{link} table")))?;
    let needs = plan::needs(df, facts, split);
    let name = artifact.rsplit('/').next().unwrap_or(&artifact).to_string();
    let what = match &cgo_reason {
        Some(r) => format!(
            "a cgo binary linked to {} ({r})",
            if base.musl { "musl" } else { "glibc" }
        ),
        None => "a static Go binary".to_string(),
    };
    let (kind, image, shell_note) = plan::choose_runtime(
        table,
        &what,
        input.runtime,
        &needs,
        input.common,
        &base,
        &[artifact.clone(), name.clone()],
    )?;

    let mut builder_edits = Vec::new();
    let mut notes = Vec::new();
    match (&cgo_reason, env_cgo.as_deref()) {
        (Some(r), _) => notes.push(format!("cgo kept: {r}")),
        (None, Some(_)) => {}
        (None, None) => {
            match build.insert_at {
                Some(at) => builder_edits.push(Edit::insert(at, "CGO_ENABLED=0 ")),
                None => {
                    let kw = if df.is_lowercase(build.index) { "env" } else { "ENV" };
                    let start = df.line_span(build.index).start;
                    builder_edits.push(Edit::insert(start, format!("{kw} CGO_ENABLED=0{}", df.newline)));
                }
            }
            notes.push("CGO_ENABLED=0 added so the binary is static".into());
        }
    }
    notes.extend(shell_note);

    // Where the binary goes: the same path, unless the command finds it through a PATH
    // directory the runtime image does not have.
    let to = if !program.contains('/') {
        let dir = artifact.rsplit_once('/').map_or("/", |(d, _)| d);
        if tpl.runtime_path.iter().any(|d| d == dir) {
            artifact.clone()
        } else {
            format!("/usr/local/bin/{name}")
        }
    } else {
        artifact.clone()
    };
    let mut carries = vec![Carry {
        from: artifact.clone(),
        to,
    }];
    let mut command = run.words.clone();
    if let Some((_, c)) = &run.cmd {
        command.extend(c.iter().cloned());
    }
    // Files the Go source names in string literals (os.ReadFile("data/words.txt")...).
    let sources: Vec<String> = crate::context::find_files(ctx, "", ".go", 2000)
        .into_iter()
        .filter(|f| !f.ends_with("_test.go") && !f.starts_with("vendor/"))
        .collect();
    let mut extra = input.extra_copy.to_vec();
    extra.extend(super::literal_paths(ctx, &sources, &tpl.skip_files));
    let input = &Input {
        extra_copy: &extra,
        ..*input
    };
    for c in runtime_files(
        input,
        &tpl.runtime_dirs,
        &tpl.runtime_files,
        &tpl.skip_files,
        split,
        &command,
    ) {
        if c.to != artifact && !carries.iter().any(|x| x.to == c.to) {
            carries.push(c);
        }
    }
    Ok(Spec {
        language: Language::Go,
        runtime: kind,
        image,
        split_after: split,
        builder_edits,
        builder_tail: Vec::new(),
        carries,
        runtime_lines: Vec::new(),
        replace_commands: Vec::new(),
        build_env: tpl.build_env.clone(),
        notes,
    })
}

/// Why the program needs cgo, if it does.
fn cgo_need(input: &Input<'_, '_>, tpl: &Template) -> Option<String> {
    let ctx = input.ctx;
    for f in ["go.mod", "go.sum"] {
        if let Some(text) = ctx.read(f)
            && let Some(m) = tpl.cgo_modules.iter().find(|m| text.contains(m.as_str()))
        {
            return Some(format!("{f} requires {m}"));
        }
    }
    for f in crate::context::find_files(ctx, "", ".go", 5000) {
        if ctx.read(&f).is_some_and(|text| imports_c(&text)) {
            return Some(format!("{f} imports \"C\""));
        }
    }
    None
}

/// Whether Go source `text` has `import "C"`.
fn imports_c(text: &str) -> bool {
    text.lines().any(|l| {
        let l = l.trim();
        l == "import \"C\"" || l.starts_with("import \"C\" ") || l == "\"C\""
    })
}

/// Every `go build` / `go install` in the stage, with its artifact.
fn find_builds(input: &Input<'_, '_>, tpl: &Template) -> Vec<Build> {
    let (df, facts) = (input.df, input.facts);
    let mut out: Vec<Build> = Vec::new();
    for i in facts.from + 1..df.instructions.len() {
        let Instruction::Run(r) = &df.instructions[i] else {
            continue;
        };
        let shell_form = matches!(r.arguments, Command::Shell(_));
        let state = facts.state(i);
        let mut cwd = state.workdir.clone();
        for cmd in run_commands(df, i) {
            let (assigns, words) = shell::split_assignments(&cmd);
            let Some(first) = words.first() else { continue };
            if first.text == "cd" {
                if let Some(dir) = words.get(1) {
                    cwd = absolute(&cwd, &dir.text);
                }
                continue;
            }
            if let Some(last) = out.last_mut().filter(|b| b.index == i) {
                let mut a = last.artifact.clone();
                track_move(&cmd, &cwd, &mut a, tpl);
                last.artifact = a;
            }
            if first.text != "go" || !matches!(words.get(1).map(|w| w.text.as_str()), Some("build" | "install")) {
                continue;
            }
            let install = words[1].text == "install";
            let var = |k: &str| -> Option<String> {
                assigns
                    .iter()
                    .rev()
                    .find_map(|w| w.text.strip_prefix(&format!("{k}=")).map(str::to_string))
                    .or_else(|| state.var(k).map(str::to_string))
            };
            let Some(artifact) = artifact_of(input, tpl, &words[2..], install, &cwd, &var) else {
                continue;
            };
            let cross = [("GOOS", "linux"), ("GOARCH", "amd64")]
                .iter()
                .filter_map(|(k, native)| {
                    var(k)
                        .filter(|v| v != native && !v.is_empty())
                        .map(|v| format!("{k}={v}"))
                })
                .next();
            let cgo_prefix = assigns
                .iter()
                .rev()
                .find_map(|w| w.text.strip_prefix("CGO_ENABLED=").map(str::to_string));
            let insert_at = (shell_form || !r.here_docs.is_empty()).then(|| cmd[0].start);
            let remote = words[2..]
                .iter()
                .find(|w| !w.text.starts_with('-') && w.text.contains('@'))
                .filter(|_| install)
                .map(|w| w.text.clone());
            out.push(Build {
                index: i,
                artifact,
                insert_at,
                cgo_prefix,
                cross,
                remote,
            });
        }
    }
    out
}

/// Follows `mv`/`cp`/`install` of the artifact to its new place.
fn track_move(cmd: &[Word], cwd: &str, artifact: &mut String, tpl: &Template) {
    super::follow_move(cmd, cwd, artifact, |d| {
        tpl.path.iter().chain(&tpl.runtime_path).any(|p| p == d)
    });
}

/// Where `go build|install ARGS` puts its binary.
fn artifact_of(
    input: &Input<'_, '_>,
    tpl: &Template,
    args: &[Word],
    install: bool,
    cwd: &str,
    var: &dyn Fn(&str) -> Option<String>,
) -> Option<String> {
    let mut output = None;
    let mut packages = Vec::new();
    let mut dir = cwd.to_string();
    let mut it = args.iter();
    while let Some(w) = it.next() {
        let t = w.text.as_str();
        if let Some(flag) = t.strip_prefix("--").or_else(|| t.strip_prefix('-')) {
            let (name, inline) = match flag.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (flag, None),
            };
            let takes_value = tpl.value_flags.iter().any(|f| f == name);
            let value = if takes_value && inline.is_none() {
                it.next().map(|w| w.text.clone())
            } else {
                inline
            };
            match name {
                "o" => output = value,
                "C" => dir = absolute(&dir, &value.unwrap_or_default()),
                _ => {}
            }
        } else {
            packages.push(t.to_string());
        }
    }
    if packages.is_empty() {
        packages.push(".".into());
    }
    let name = if packages.iter().all(|p| p.ends_with(".go")) {
        let first = &packages[0];
        first
            .rsplit('/')
            .next()
            .unwrap_or(first)
            .trim_end_matches(".go")
            .to_string()
    } else if packages.len() == 1 && packages[0].contains("...") {
        // `./...` builds every main package below: fine when there is exactly one.
        match main_packages(input.ctx).as_slice() {
            [only] if only.is_empty() => input
                .ctx
                .read("go.mod")
                .and_then(|m| module_path(&m))
                .map(|m| last_element(&m))?,
            [only] => last_element(only),
            _ => return None,
        }
    } else if packages.len() == 1 {
        package_name(input, &packages[0], &dir)?
    } else {
        return None;
    };
    if install {
        let bin =
            var("GOBIN").unwrap_or_else(|| format!("{}/bin", var("GOPATH").unwrap_or_else(|| tpl.gopath.clone())));
        return Some(absolute("/", &format!("{bin}/{name}")));
    }
    Some(match output {
        Some(o) => {
            let p = absolute(&dir, &o);
            let is_dir =
                o.ends_with('/') || o == "." || p == dir || tpl.path.iter().chain(&tpl.runtime_path).any(|d| *d == p);
            if is_dir { absolute(&p, &name) } else { p }
        }
        None => absolute(&dir, &name),
    })
}

/// The binary name Go gives package `pkg` built in image directory `dir`.
fn package_name(input: &Input<'_, '_>, pkg: &str, dir: &str) -> Option<String> {
    let pkg = pkg.split('@').next().unwrap_or(pkg);
    if pkg == "." || pkg == "./" || pkg.starts_with("./") || pkg.starts_with("../") {
        let target = absolute(dir, pkg);
        // In module mode the root package is named after the module path.
        if let Some(module) = module_at(input, &target) {
            return Some(last_element(&module));
        }
        return target.rsplit('/').next().filter(|s| !s.is_empty()).map(str::to_string);
    }
    Some(last_element(pkg))
}

/// The module path when `dir` (an image path) is a module root brought in from the context.
fn module_at(input: &Input<'_, '_>, dir: &str) -> Option<String> {
    let split = input.df.instructions.len();
    let mut stack = vec![String::new()];
    let mut seen = 0;
    while let Some(d) = stack.pop() {
        seen += 1;
        if seen > 200 {
            break;
        }
        let gomod = crate::context::join(&d, "go.mod");
        if input.ctx.is_file(&gomod)
            && input.facts.image_path_of(input.ctx, &gomod, split).as_deref()
                == Some(format!("{}/go.mod", dir.trim_end_matches('/')).as_str())
        {
            return module_path(&input.ctx.read(&gomod)?);
        }
        for name in input.ctx.list(&d) {
            let p = crate::context::join(&d, &name);
            if input.ctx.is_dir(&p)
                && !matches!(name.as_str(), ".git" | "vendor" | "node_modules")
                && d.matches('/').count() < 3
            {
                stack.push(p);
            }
        }
    }
    None
}

/// The `module` line of a go.mod.
fn module_path(gomod: &str) -> Option<String> {
    gomod.lines().find_map(|l| {
        l.trim()
            .strip_prefix("module ")
            .map(|m| m.trim().trim_matches('"').to_string())
    })
}

/// Context directories holding a `package main` (vendor and testdata excluded).
fn main_packages(ctx: &dyn crate::context::BuildContext) -> Vec<String> {
    let mut dirs: Vec<String> = Vec::new();
    for f in crate::context::find_files(ctx, "", ".go", 5000) {
        if f.ends_with("_test.go") || f.starts_with("vendor/") || f.contains("/testdata/") || f.contains("/vendor/") {
            continue;
        }
        let Some(text) = ctx.read(&f) else { continue };
        let is_main = text
            .lines()
            .map(str::trim)
            .find(|l| l.starts_with("package "))
            .is_some_and(|l| l == "package main");
        let dir = f.rsplit_once('/').map_or(String::new(), |(d, _)| d.to_string());
        if is_main && !dirs.contains(&dir) {
            dirs.push(dir);
        }
    }
    dirs
}

/// The last element of an import path, skipping a `/vN` major-version suffix.
fn last_element(path: &str) -> String {
    let mut parts = path.trim_end_matches('/').rsplit('/');
    let last = parts.next().unwrap_or(path);
    let is_version = last.len() > 1 && last.starts_with('v') && last[1..].chars().all(|c| c.is_ascii_digit());
    match (is_version, parts.next()) {
        (true, Some(prev)) => prev.to_string(),
        _ => last.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(last_element("github.com/a/b/v2"), "b");
        assert_eq!(last_element("example.com/greeter"), "greeter");
        assert!(imports_c("package main\n\n// #include <x.h>\nimport \"C\"\n"));
        assert!(!imports_c("import \"fmt\""));
    }
}
