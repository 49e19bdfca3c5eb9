//! Go: finds the `go build` / `go install` that makes the binary the container runs, decides
//! whether it needs cgo, and picks runtimes on the right libc (static when cgo is off, which
//! dockslim then enforces with `CGO_ENABLED=0`). [`analyze`] runs the passes in order: the
//! builds, the start command, the build that makes what it runs, the finishing steps after
//! it, cgo, the runtimes, and what only the build uses.

use std::collections::BTreeMap;

use super::{Input, Program, RunCommand, Runtimes, path_dirs, run_command, runs_path, scan_execs};
use crate::Skip;
use crate::detect::{Language, absolute};
use crate::parse::{Command, Instruction};
use crate::plan::Carry;
use crate::render::Edit;
pub use crate::template::go::Template;

/// One `go build` or `go install`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Build {
    /// Instruction index.
    index: usize,
    /// Where the binaries land (several for `./...` patterns).
    artifacts: Vec<String>,
    /// Byte offset where a `CGO_ENABLED=0 ` prefix goes (shell form), else `None`.
    insert_at: Option<usize>,
    /// The command's own `CGO_ENABLED` prefix.
    cgo_prefix: Option<String>,
    /// GOOS/GOARCH that cross-compile.
    cross: Option<String>,
    /// `go install module@version`: a tool fetched from elsewhere, not this project's code.
    remote: Option<String>,
    /// The image directory the build ran in.
    dir: String,
}

/// Analyses a Go Dockerfile.
pub fn analyze(input: &Input<'_, '_>, tpl: &Template) -> Result<Program, Skip> {
    let builds = find_builds(input, tpl);
    if builds.is_empty() {
        return Err(Skip::Unsupported("no `go build` or `go install` step found".into()));
    }
    let Some(run) = run_command(input.df, input.model) else {
        return Err(Skip::Unsupported("no CMD or ENTRYPOINT runs the built binary".into()));
    };
    let (build, artifact) = started_build(input, &builds, &run)?;
    let (split, artifact) = finishing_steps(input, tpl, &build, artifact, &run)?;
    let sources = go_sources(input);
    let cgo = cgo_reason(input, tpl, &build, &sources);
    let base = &input.base;
    let (link, what) = match &cgo {
        None => ("static", "a static Go binary".to_string()),
        Some(r) if base.musl => ("musl", format!("a cgo binary linked to musl ({r})")),
        Some(r) => ("glibc", format!("a cgo binary linked to glibc ({r})")),
    };
    let mut p = Program::new(Language::Go, split, what, runtimes(input, tpl, link)?);
    cgo_edits(input, &build, &cgo, &mut p);
    p.packages = cgo_packages(input, tpl, &cgo, base.musl);
    let name = artifact.rsplit('/').next().unwrap_or(&artifact).to_string();
    p.artifacts
        .push(Carry::to(&artifact, &runtime_path(tpl, &run, &artifact)));
    p.build_only = build_only(input, tpl, &build, &run);
    p.executes = scan_execs(input.ctx, &sources, &tpl.exec_calls);
    p.build_env = tpl.build_env.clone();
    p.own = vec![artifact.clone(), name];
    Ok(p)
}

/// The build whose binary the start command runs, and that binary; refuses `go run`, remote
/// tools and cross-compiles.
fn started_build(input: &Input<'_, '_>, builds: &[Build], run: &RunCommand) -> Result<(Build, String), Skip> {
    let program = run.words.first().cloned().unwrap_or_default();
    let state = input.model.state(run.index);
    let dirs = path_dirs(input.model, run.index);
    let found = builds.iter().rev().find_map(|b| {
        b.artifacts
            .iter()
            .find(|a| runs_path(&program, &state.workdir, &dirs, a))
            .map(|a| (b.clone(), a.clone()))
    });
    let Some((build, artifact)) = found else {
        if program == "go" && run.words.get(1).is_some_and(|w| w == "run") {
            return Err(Skip::Unsupported(
                "the container starts with `go run`, which needs the Go toolchain at run time".into(),
            ));
        }
        let made: Vec<&str> = builds
            .iter()
            .flat_map(|b| b.artifacts.iter().map(String::as_str))
            .collect();
        return Err(Skip::Unsupported(format!(
            "the start command runs `{program}`, not the binary the build makes ({})",
            made.last().copied().unwrap_or("none")
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
    Ok((build, artifact))
}

/// Extends the split over RUN steps after the build that only finish it (strip, chmod, mv),
/// following the binary through moves.
fn finishing_steps(
    input: &Input<'_, '_>,
    tpl: &Template,
    build: &Build,
    mut artifact: String,
    run: &RunCommand,
) -> Result<(usize, String), Skip> {
    let (df, model) = (input.df, input.model);
    let original = artifact.clone();
    let mut split = build.index;
    for i in build.index + 1..df.instructions.len() {
        match &df.instructions[i] {
            Instruction::Run(_) => {
                let cmds = model.commands(i);
                let finishing = cmds
                    .iter()
                    .all(|c| c.program().is_some_and(|p| tpl.builder_programs.iter().any(|b| b == p)));
                if !finishing {
                    break;
                }
                for c in cmds {
                    track_move(&c.texts(), &c.cwd, &mut artifact, tpl);
                }
                split = i;
            }
            Instruction::Copy(_) | Instruction::Add(_) | Instruction::Workdir(_) => break,
            _ => {}
        }
    }
    let program = run.words.first().cloned().unwrap_or_default();
    let state = model.state(run.index);
    if artifact != original && !runs_path(&program, &state.workdir, &path_dirs(model, run.index), &artifact) {
        return Err(Skip::Unsupported(format!(
            "the binary moves to {artifact} after the build, which the start command does not run"
        )));
    }
    Ok((split, artifact))
}

/// Why the program needs cgo, if it does: `CGO_ENABLED=1`, a cgo module in go.mod/go.sum,
/// or `import "C"` in the source.
fn cgo_reason(input: &Input<'_, '_>, tpl: &Template, build: &Build, sources: &[String]) -> Option<String> {
    let env = build
        .cgo_prefix
        .clone()
        .or_else(|| input.model.state(build.index).var("CGO_ENABLED").map(str::to_string));
    match env.as_deref() {
        Some("1") => return Some("CGO_ENABLED=1 is set".to_string()),
        Some(_) => return None,
        None => {}
    }
    let ctx = input.ctx;
    for f in ["go.mod", "go.sum"] {
        if let Some(text) = ctx.read(f)
            && let Some(m) = tpl.cgo_modules.keys().find(|m| text.contains(m.as_str()))
        {
            return Some(format!("{f} requires {m}"));
        }
    }
    sources
        .iter()
        .find(|f| ctx.read(f).is_some_and(|t| imports_c(&t)))
        .map(|f| format!("{f} imports \"C\""))
}

/// `CGO_ENABLED=0` for a static binary unless the build already says which.
fn cgo_edits(input: &Input<'_, '_>, build: &Build, cgo: &Option<String>, p: &mut Program) {
    let df = input.df;
    let set = build.cgo_prefix.is_some() || input.model.state(build.index).var("CGO_ENABLED").is_some();
    match cgo {
        Some(r) => p.notes.push(format!("cgo kept: {r}")),
        None if set => {}
        None => {
            match build.insert_at {
                Some(at) => p.builder_edits.push(Edit::insert(at, "CGO_ENABLED=0 ")),
                None => {
                    let kw = if df.is_lowercase(build.index) { "env" } else { "ENV" };
                    let start = df.line_span(build.index).start;
                    p.builder_edits
                        .push(Edit::insert(start, format!("{kw} CGO_ENABLED=0{}", df.newline)));
                }
            }
            p.notes.push("CGO_ENABLED=0 added so the binary is static".into());
        }
    }
}

/// The runtime packages a cgo binary links through the modules it uses.
fn cgo_packages(input: &Input<'_, '_>, tpl: &Template, cgo: &Option<String>, musl: bool) -> Vec<String> {
    if cgo.is_none() {
        return Vec::new();
    }
    let family = if musl { "apk" } else { "apt" };
    let mut out = Vec::new();
    for f in ["go.mod", "go.sum"] {
        let Some(text) = input.ctx.read(f) else { continue };
        for (m, pkgs) in &tpl.cgo_modules {
            if text.contains(m.as_str()) {
                for p in pkgs.get(family).into_iter().flatten() {
                    if !out.contains(p) {
                        out.push(p.clone());
                    }
                }
            }
        }
    }
    out
}

/// The runtime images for a link kind.
fn runtimes(input: &Input<'_, '_>, tpl: &Template, link: &str) -> Result<Runtimes, Skip> {
    let table = tpl
        .runtimes
        .get(link)
        .ok_or_else(|| Skip::Unsupported(format!("templates/go.toml has no runtimes.{link} table")))?;
    let base = &input.base;
    Runtimes::from_table(
        table,
        |n| input.common.images.get(n).cloned(),
        |p| crate::template::fill(p, base),
    )
}

/// Where the binary goes: the same path, unless the command finds it through a PATH directory
/// the runtime image does not have.
fn runtime_path(tpl: &Template, run: &RunCommand, artifact: &str) -> String {
    let program = run.words.first().map(String::as_str).unwrap_or("");
    let dir = artifact.rsplit_once('/').map_or("/", |(d, _)| d);
    if program.contains('/') || tpl.runtime_path.iter().any(|d| d == dir) {
        artifact.to_string()
    } else {
        format!("/usr/local/bin/{}", artifact.rsplit('/').next().unwrap_or(artifact))
    }
}

/// What only the build uses: `vendor/` in the build directory, the module cache when the
/// application directory is GOPATH, and the source tree when the program runs elsewhere.
fn build_only(input: &Input<'_, '_>, tpl: &Template, build: &Build, run: &RunCommand) -> Vec<String> {
    let model = input.model;
    let app = &model.state(run.index).workdir;
    let mut out = Vec::new();
    // Build-only paths the context brings into the build directory (vendor/).
    if let Some(ctx_dir) = model.context_dir_of(input.ctx, &build.dir, build.index) {
        for p in &tpl.build_only {
            let rel = crate::context::join(&ctx_dir, p);
            if crate::runtime::files::copied_from_context(input, &rel, build.index) {
                out.push(absolute(&build.dir, p));
            }
        }
    }
    // The module cache, when the application directory is GOPATH itself.
    let gopath = model
        .state(build.index)
        .var("GOPATH")
        .map_or_else(|| tpl.default_gopath.clone(), str::to_string);
    if crate::runtime::files::under(&gopath, app) && input.ctx.is_file("go.sum") {
        out.push(absolute(&gopath, "pkg"));
    }
    // Sources built outside the directory the program runs in: the binary is all it needs.
    let outside = !crate::runtime::files::under(&build.dir, app) && !crate::runtime::files::under(app, &build.dir);
    if outside && !input.common.is_system_dir(&build.dir) {
        out.push(build.dir.clone());
    }
    out
}

/// The project's Go sources (tests, vendored and testdata files excluded).
fn go_sources(input: &Input<'_, '_>) -> Vec<String> {
    crate::context::find_files(input.ctx, "", ".go", 5000)
        .into_iter()
        .filter(|f| {
            !f.ends_with("_test.go")
                && !f.starts_with("vendor/")
                && !f.contains("/testdata/")
                && !f.contains("/vendor/")
        })
        .collect()
}

/// Whether Go source `text` has `import "C"`.
fn imports_c(text: &str) -> bool {
    text.lines().any(|l| {
        let l = l.trim();
        l == "import \"C\"" || l.starts_with("import \"C\" ") || l == "\"C\""
    })
}

/// Every `go build` / `go install` in the stage, with its artifacts.
fn find_builds(input: &Input<'_, '_>, tpl: &Template) -> Vec<Build> {
    let (df, model) = (input.df, input.model);
    let mut out: Vec<Build> = Vec::new();
    for i in model.from + 1..df.instructions.len() {
        let Instruction::Run(r) = &df.instructions[i] else {
            continue;
        };
        let shell_form = matches!(r.arguments, Command::Shell(_)) || !r.here_docs.is_empty();
        let state = model.state(i);
        for cmd in model.commands(i) {
            let program = cmd.program().unwrap_or("");
            if matches!(program, "mv" | "cp" | "install")
                && let Some(last) = out.last_mut().filter(|b| b.index == i)
            {
                let words = cmd.texts();
                for a in &mut last.artifacts {
                    track_move(&words, &cmd.cwd, a, tpl);
                }
            }
            if program != "go" {
                continue;
            }
            let words = cmd.texts();
            if !matches!(words.get(1).map(String::as_str), Some("build" | "install")) {
                continue;
            }
            let assigns: Vec<(String, String)> = cmd
                .assignments()
                .iter()
                .filter_map(|w| w.text.split_once('=').map(|(k, v)| (k.to_string(), state.expand(v))))
                .collect();
            let var = |k: &str| -> Option<String> {
                assigns
                    .iter()
                    .rev()
                    .find(|(n, _)| n == k)
                    .map(|(_, v)| v.clone())
                    .or_else(|| state.var(k).map(str::to_string))
            };
            let install = words[1] == "install";
            let artifacts = artifacts_of(input, tpl, &words[2..], install, &cmd.cwd, &var);
            if artifacts.is_empty() {
                continue;
            }
            let platform = |raw: Option<&str>| {
                raw.is_some_and(|v| {
                    tpl.platform_args
                        .iter()
                        .any(|a| v.contains(&format!("${a}")) || v.contains(&format!("${{{a}")))
                })
            };
            let raw_of = |k: &str| {
                cmd.assignments()
                    .iter()
                    .rev()
                    .find_map(|w| w.text.strip_prefix(&format!("{k}=")).map(str::to_string))
                    .or_else(|| state.raw(k).map(str::to_string))
            };
            let cross = [("GOOS", "linux"), ("GOARCH", "amd64")]
                .iter()
                .filter(|(k, _)| !platform(raw_of(k).as_deref()))
                .filter_map(|(k, native)| {
                    var(k)
                        .filter(|v| v != native && !v.is_empty())
                        .map(|v| format!("{k}={v}"))
                })
                .next();
            let remote = words[2..]
                .iter()
                .find(|w| !w.starts_with('-') && w.contains('@'))
                .filter(|_| install)
                .cloned();
            out.push(Build {
                index: i,
                artifacts,
                insert_at: (shell_form && !cmd.nested).then(|| cmd.words[0].start),
                cgo_prefix: assigns
                    .iter()
                    .rev()
                    .find(|(k, _)| k == "CGO_ENABLED")
                    .map(|(_, v)| v.clone()),
                cross,
                remote,
                dir: cmd.cwd.clone(),
            });
        }
    }
    out
}

/// Follows `mv`/`cp`/`install` of the artifact to its new place.
fn track_move(words: &[String], cwd: &str, artifact: &mut String, tpl: &Template) {
    super::follow_move(words, cwd, artifact, |d| {
        tpl.runtime_path.iter().any(|p| p == d) || d == "/go/bin"
    });
}

/// Where `go build|install ARGS` run in `cwd` puts its binaries.
fn artifacts_of(
    input: &Input<'_, '_>,
    tpl: &Template,
    args: &[String],
    install: bool,
    cwd: &str,
    var: &dyn Fn(&str) -> Option<String>,
) -> Vec<String> {
    let mut output = None;
    let mut packages = Vec::new();
    let mut dir = cwd.to_string();
    let mut it = args.iter();
    while let Some(t) = it.next() {
        if let Some(flag) = t.strip_prefix("--").or_else(|| t.strip_prefix('-')) {
            let (name, inline) = match flag.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (flag, None),
            };
            let takes_value = tpl.value_flags.iter().any(|f| f == name);
            let value = if takes_value && inline.is_none() {
                it.next().cloned()
            } else {
                inline
            };
            match name {
                "o" => output = value,
                "C" => dir = absolute(&dir, &value.unwrap_or_default()),
                _ => {}
            }
        } else {
            packages.push(t.clone());
        }
    }
    if packages.is_empty() {
        packages.push(".".into());
    }
    let names: Vec<String> = if packages.iter().all(|p| p.ends_with(".go")) {
        let first = &packages[0];
        vec![
            first
                .rsplit('/')
                .next()
                .unwrap_or(first)
                .trim_end_matches(".go")
                .to_string(),
        ]
    } else if packages.iter().any(|p| p.contains("...")) {
        let mut names = Vec::new();
        for p in &packages {
            names.extend(pattern_mains(input, p, &dir));
        }
        names
    } else if packages.len() == 1 {
        package_name(input, &packages[0], &dir).into_iter().collect()
    } else {
        Vec::new()
    };
    let gopath = var("GOPATH").unwrap_or_else(|| tpl.default_gopath.clone());
    names
        .into_iter()
        .map(|name| {
            if install {
                let bin = var("GOBIN").unwrap_or_else(|| format!("{gopath}/bin"));
                return absolute("/", &format!("{bin}/{name}"));
            }
            match &output {
                Some(o) => {
                    let p = absolute(&dir, o);
                    let is_dir = o.ends_with('/')
                        || o == "."
                        || p == dir
                        || tpl.runtime_path.contains(&p)
                        || p == absolute(&gopath, "bin");
                    if is_dir { absolute(&p, &name) } else { p }
                }
                None => absolute(&dir, &name),
            }
        })
        .collect()
}

/// The binary names of the main packages a `./...` pattern matches, built in image directory
/// `dir`.
fn pattern_mains(input: &Input<'_, '_>, pattern: &str, dir: &str) -> Vec<String> {
    let Some(root) = context_dir_of(input, dir) else {
        return Vec::new();
    };
    let prefix = pattern
        .trim_start_matches("./")
        .trim_end_matches("...")
        .trim_end_matches('/');
    let base = crate::context::join(&root, prefix);
    let module = module_root(input, &root);
    main_packages(input.ctx)
        .into_iter()
        .filter(|d| base.is_empty() || *d == base || d.starts_with(&format!("{base}/")))
        .filter_map(|d| {
            if let Some((mdir, mpath)) = &module
                && d == *mdir
            {
                return Some(last_element(mpath));
            }
            d.rsplit('/')
                .next()
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .or_else(|| module.as_ref().map(|(_, m)| last_element(m)))
        })
        .collect()
}

/// The context directory that lands at image directory `dir`.
fn context_dir_of(input: &Input<'_, '_>, dir: &str) -> Option<String> {
    input.model.context_dir_of(input.ctx, dir, input.df.instructions.len())
}

/// The go.mod nearest `dir` (a context directory) going up: its directory and module path.
fn module_root(input: &Input<'_, '_>, dir: &str) -> Option<(String, String)> {
    let mut d = dir.to_string();
    loop {
        let f = crate::context::join(&d, "go.mod");
        if let Some(m) = input.ctx.read(&f).and_then(|t| module_path(&t)) {
            return Some((d, m));
        }
        if d.is_empty() {
            return None;
        }
        d = d.rsplit_once('/').map_or(String::new(), |(p, _)| p.to_string());
    }
}

/// The binary name Go gives package `pkg` built in image directory `dir`.
fn package_name(input: &Input<'_, '_>, pkg: &str, dir: &str) -> Option<String> {
    let pkg = pkg.split('@').next().unwrap_or(pkg);
    if pkg == "." || pkg == "./" || pkg.starts_with("./") || pkg.starts_with("../") {
        let target = absolute(dir, pkg);
        // In module mode the root package is named after the module path.
        if let Some(ctx_dir) = context_dir_of(input, &target)
            && let Some((mdir, m)) = module_root(input, &ctx_dir)
            && mdir == ctx_dir
        {
            return Some(last_element(&m));
        }
        return target.rsplit('/').next().filter(|s| !s.is_empty()).map(str::to_string);
    }
    Some(last_element(pkg))
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

/// Unused map type kept for the template's per-family package lists.
#[allow(dead_code)]
type Families = BTreeMap<String, Vec<String>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(last_element("github.com/a/b/v2"), "b");
        assert_eq!(last_element("example.com/greeter"), "greeter");
        assert!(imports_c("package main\n\n// #include <x.h>\nimport \"C\"\n"));
        assert!(!imports_c("import \"fmt\""));
        assert_eq!(
            module_path("module example.com/x\n\ngo 1.22\n").as_deref(),
            Some("example.com/x")
        );
    }
}
