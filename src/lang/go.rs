//! Go: finds the `go build` / `go install` that makes the binary the container runs, decides
//! whether it needs cgo, and picks runtimes on the right libc (static when cgo is off, which
//! dockslim then enforces with `CGO_ENABLED=0`). [`analyze`] runs the passes in order:
//! `find_builds` (each build with its flags, binary names and output paths, cross-compile and
//! remote tool), `started_build` (the build whose binary the start command runs, where the
//! build or the steps that `finished` it leave it), `finishing_steps` (strip, chmod, mv after
//! it), `go_sources`, `cgo_reason`, `runtimes`,
//! `cgo_edits`, `cgo_packages`, `runtime_path` (where the binary goes), `build_only` (what only
//! the build uses) and the programs the code starts.

use super::{Input, Program, RunCommand, Runtimes, path_dirs, run_command, runs_path, scan_execs};
use crate::Skip;
use crate::detect::{Language, absolute, file_name};
use crate::model::{Cmd, State};
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
    let (build, artifact) = started_build(input, tpl, &builds, &run)?;
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
    let name = file_name(&artifact).to_string();
    p.artifacts
        .push(Carry::to(&artifact, &runtime_path(tpl, &run, &artifact)));
    p.build_only = build_only(input, tpl, &build, &run);
    p.executes = scan_execs(input.ctx, &sources, &tpl.exec_calls);
    p.build_env = tpl.build_env.clone();
    p.own = vec![artifact.clone(), name];
    Ok(p)
}

/// The build whose binary the start command runs (where the build leaves it, or where the
/// finishing steps after it move it), and that binary; refuses `go run`, remote tools and
/// cross-compiles.
fn started_build(
    input: &Input<'_, '_>,
    tpl: &Template,
    builds: &[Build],
    run: &RunCommand,
) -> Result<(Build, String), Skip> {
    let program = run.words.first().cloned().unwrap_or_default();
    let state = input.model.state(run.index);
    let dirs = path_dirs(input.model, run.index);
    let runs = |a: &str| runs_path(&program, &state.workdir, &dirs, a);
    let found = builds.iter().rev().find_map(|b| {
        b.artifacts
            .iter()
            .find(|a| runs(a) || runs(&finished(input, tpl, b, a).1))
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
        let same_name = made
            .iter()
            .find(|a| !program.contains('/') && a.rsplit('/').next() == Some(program.as_str()));
        if let Some(a) = same_name {
            return Err(Skip::Unsupported(format!(
                "the start command runs `{program}` from the PATH, which does not hold {a} where the build \
                 writes it: the original cannot start it either (use `./{program}` or the full path)"
            )));
        }
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
/// following the binary through moves; refuses a move to where the start command does not
/// run it.
fn finishing_steps(
    input: &Input<'_, '_>,
    tpl: &Template,
    build: &Build,
    original: String,
    run: &RunCommand,
) -> Result<(usize, String), Skip> {
    let model = input.model;
    let (split, artifact) = finished(input, tpl, build, &original);
    let program = run.words.first().cloned().unwrap_or_default();
    let state = model.state(run.index);
    if artifact != original && !runs_path(&program, &state.workdir, &path_dirs(model, run.index), &artifact) {
        return Err(Skip::Unsupported(format!(
            "the binary moves to {artifact} after the build, which the start command does not run"
        )));
    }
    Ok((split, artifact))
}

/// The last of the RUN steps right after `build` that only finish it, and where they leave
/// its binary `artifact`.
fn finished(input: &Input<'_, '_>, tpl: &Template, build: &Build, artifact: &str) -> (usize, String) {
    let (df, model) = (input.df, input.model);
    let mut artifact = artifact.to_string();
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
    (split, artifact)
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
        |n| input.common.images.get(n),
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
        format!("/usr/local/bin/{}", file_name(artifact))
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
        .filter(|f| is_project_source(f))
        .collect()
}

/// Whether context file `f` (a `.go` file) is the project's own code: not a test, not vendored,
/// not test data.
fn is_project_source(f: &str) -> bool {
    !f.ends_with("_test.go") && !f.starts_with("vendor/") && !f.contains("/testdata/") && !f.contains("/vendor/")
}

/// Whether Go source `text` has `import "C"`.
fn imports_c(text: &str) -> bool {
    text.lines().any(|l| {
        let l = l.trim();
        l == "import \"C\"" || l.starts_with("import \"C\" ") || l == "\"C\""
    })
}

/// Every `go build` / `go install` in the stage, with its artifacts, followed through the
/// `mv`/`cp`/`install` that come after it in the same RUN.
fn find_builds(input: &Input<'_, '_>, tpl: &Template) -> Vec<Build> {
    let (df, model) = (input.df, input.model);
    let mut out: Vec<Build> = Vec::new();
    for i in model.from + 1..df.instructions.len() {
        let Instruction::Run(r) = &df.instructions[i] else {
            continue;
        };
        let shell_form = matches!(r.arguments, Command::Shell(_)) || !r.here_docs.is_empty();
        for cmd in model.commands(i) {
            if let Some(last) = out.last_mut().filter(|b| b.index == i) {
                follow_moves(cmd, last, tpl);
            }
            out.extend(read_build(input, tpl, i, cmd, shell_form));
        }
    }
    out
}

/// Follows a `mv`/`cp`/`install` command of the same RUN that moves one of `build`'s binaries.
fn follow_moves(cmd: &Cmd, build: &mut Build, tpl: &Template) {
    if !matches!(cmd.program(), Some("mv" | "cp" | "install")) {
        return;
    }
    let words = cmd.texts();
    for a in &mut build.artifacts {
        track_move(&words, &cmd.cwd, a, tpl);
    }
}

/// The build `cmd` (a simple command of RUN `i`) is, when it is a `go build` or `go install`
/// whose binaries can be told.
fn read_build(input: &Input<'_, '_>, tpl: &Template, i: usize, cmd: &Cmd, shell_form: bool) -> Option<Build> {
    if cmd.program() != Some("go") {
        return None;
    }
    let words = cmd.texts();
    let install = match words.get(1).map(String::as_str) {
        Some("install") => true,
        Some("build") => false,
        _ => return None,
    };
    let env = GoEnv::of(cmd, input.model.state(i));
    let artifacts = artifacts_of(input, tpl, &words[2..], install, &cmd.cwd, &env);
    if artifacts.is_empty() {
        return None;
    }
    Some(Build {
        index: i,
        artifacts,
        insert_at: (shell_form && !cmd.nested).then(|| cmd.words[0].start),
        cgo_prefix: env.own("CGO_ENABLED"),
        cross: cross_compile(tpl, &env),
        remote: install.then(|| remote_tool(&words[2..])).flatten(),
        dir: String::from(&*cmd.cwd),
    })
}

/// The variables a `go` command sees: its own `NAME=value` prefix, then the stage's ENV and ARG.
struct GoEnv<'m> {
    /// The prefix, expanded.
    own: Vec<(String, String)>,
    /// The prefix as written.
    raw: Vec<(String, String)>,
    /// The stage before the command's RUN.
    state: &'m State,
}

impl<'m> GoEnv<'m> {
    /// The variables of `cmd`, run in `state`.
    fn of(cmd: &Cmd, state: &'m State) -> GoEnv<'m> {
        let raw: Vec<(String, String)> = cmd
            .assignments()
            .iter()
            .filter_map(|w| w.text.split_once('=').map(|(k, v)| (k.to_string(), v.to_string())))
            .collect();
        let own = raw.iter().map(|(k, v)| (k.clone(), state.expand(v))).collect();
        GoEnv { own, raw, state }
    }

    /// The command's own (prefix) value of `k`.
    fn own(&self, k: &str) -> Option<String> {
        self.own.iter().rev().find(|(n, _)| n == k).map(|(_, v)| v.clone())
    }

    /// The value of `k`, expanded.
    fn var(&self, k: &str) -> Option<String> {
        self.own(k).or_else(|| self.state.var(k).map(str::to_string))
    }

    /// The value of `k` as written (`${TARGETOS}` unexpanded).
    fn raw(&self, k: &str) -> Option<String> {
        let own = self.raw.iter().rev().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        own.or_else(|| self.state.raw(k).map(str::to_string))
    }
}

/// The `GOOS`/`GOARCH` setting that cross-compiles (`GOARCH=arm64`), if any; one that names a
/// BuildKit platform ARG (`GOOS=${TARGETOS}`) builds for the image's own platform.
fn cross_compile(tpl: &Template, env: &GoEnv<'_>) -> Option<String> {
    let platform =
        |raw: Option<&str>| raw.is_some_and(|v| tpl.platform_args.iter().any(|a| crate::detect::mentions_var(v, a)));
    [("GOOS", "linux"), ("GOARCH", "amd64")]
        .iter()
        .filter(|(k, _)| !platform(env.raw(k).as_deref()))
        .filter_map(|(k, native)| {
            env.var(k)
                .filter(|v| v != native && !v.is_empty())
                .map(|v| format!("{k}={v}"))
        })
        .next()
}

/// The `module@version` of a `go install` argument list: a tool from elsewhere.
fn remote_tool(args: &[String]) -> Option<String> {
    args.iter().find(|w| !w.starts_with('-') && w.contains('@')).cloned()
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
    env: &GoEnv<'_>,
) -> Vec<String> {
    let a = go_args(tpl, args, cwd);
    let gopath = env.var("GOPATH").unwrap_or_else(|| tpl.default_gopath.clone());
    binary_names(input, &a.packages, &a.dir)
        .into_iter()
        .map(|name| {
            if install {
                let bin = env.var("GOBIN").unwrap_or_else(|| format!("{gopath}/bin"));
                return absolute("/", &format!("{bin}/{name}"));
            }
            output_path(tpl, a.output.as_deref(), &a.dir, &gopath, &name)
        })
        .collect()
}

/// A `go build|install` argument list, read.
#[derive(Debug, Clone, PartialEq, Eq)]
struct GoArgs {
    /// `-o`.
    output: Option<String>,
    /// The packages or files (`.` when none is given).
    packages: Vec<String>,
    /// The image directory the build runs in (after `-C`).
    dir: String,
}

/// Reads the flags (`-o`, `-C`, and the values of the others) and packages of `go build ARGS`
/// run in `cwd`.
fn go_args(tpl: &Template, args: &[String], cwd: &str) -> GoArgs {
    let mut a = GoArgs {
        output: None,
        packages: Vec::new(),
        dir: cwd.to_string(),
    };
    let mut it = args.iter();
    while let Some(t) = it.next() {
        let Some(flag) = t.strip_prefix("--").or_else(|| t.strip_prefix('-')) else {
            a.packages.push(t.clone());
            continue;
        };
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
            "o" => a.output = value,
            "C" => a.dir = absolute(&a.dir, &value.unwrap_or_default()),
            _ => {}
        }
    }
    if a.packages.is_empty() {
        a.packages.push(".".into());
    }
    a
}

/// The names of the binaries building `packages` in image directory `dir` makes: a file list
/// is named after its first file, `./...` after every main package it matches, one package
/// after its import path; several packages make none.
fn binary_names(input: &Input<'_, '_>, packages: &[String], dir: &str) -> Vec<String> {
    match packages {
        [first, ..] if packages.iter().all(|p| p.ends_with(".go")) => {
            let file = file_name(first);
            vec![file.trim_end_matches(".go").to_string()]
        }
        _ if packages.iter().any(|p| p.contains("...")) => {
            packages.iter().flat_map(|p| pattern_mains(input, p, dir)).collect()
        }
        [one] => package_name(input, one, dir).into_iter().collect(),
        _ => Vec::new(),
    }
}

/// Where `go build` in `dir` writes binary `name`: `-o FILE`, `-o DIR/` (or a directory the
/// runtime PATH or GOPATH names), else `dir` itself.
fn output_path(tpl: &Template, output: Option<&str>, dir: &str, gopath: &str, name: &str) -> String {
    let Some(o) = output else {
        return absolute(dir, name);
    };
    let p = absolute(dir, o);
    let is_dir =
        o.ends_with('/') || o == "." || p == dir || tpl.runtime_path.contains(&p) || p == absolute(gopath, "bin");
    if is_dir { absolute(&p, name) } else { p }
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
        .filter(|d| base.is_empty() || *d == base || crate::detect::is_under(d, &base))
        .filter_map(|d| {
            if let Some((mdir, mpath)) = &module
                && d == *mdir
            {
                return Some(last_element(mpath));
            }
            // Any other main package (GOPATH mode too) is named after its directory in the image.
            let rel = d.strip_prefix(root.as_str()).unwrap_or(&d).trim_start_matches('/');
            let image_dir = if rel.is_empty() {
                dir.to_string()
            } else {
                absolute(dir, rel)
            };
            image_dir
                .rsplit('/')
                .next()
                .filter(|s| !s.is_empty())
                .map(str::to_string)
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
        if let Some(m) = inited_module(input, &target) {
            return Some(last_element(&m));
        }
        return target.rsplit('/').next().filter(|s| !s.is_empty()).map(str::to_string);
    }
    Some(last_element(pkg))
}

/// The module path a `RUN go mod init PATH` in image directory `dir` gave the go.mod it wrote
/// (the last such command of the stage; a build before it would have found no go.mod).
fn inited_module(input: &Input<'_, '_>, dir: &str) -> Option<String> {
    let m = input.model;
    (m.from + 1..m.len())
        .rev()
        .flat_map(|i| m.commands(i).iter().rev())
        .filter(|c| &*c.cwd == dir)
        .find_map(|c| match c.program_words() {
            [go, verb, init, path] if go.text == "go" && verb.text == "mod" && init.text == "init" => {
                Some(path.text.clone())
            }
            _ => None,
        })
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
        if !is_project_source(&f) {
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
    use crate::context::MemContext;
    use crate::lang::testing::{with_input, words};
    use crate::template::{RuntimeKind, TemplateSet};

    fn tpl() -> &'static Template {
        &TemplateSet::builtin().go
    }

    /// A module `example.com/greeter` with its main package at the root.
    fn greeter() -> MemContext {
        MemContext::new()
            .with("go.mod", "module example.com/greeter\n\ngo 1.22\n")
            .with("main.go", "package main\n\nfunc main() {}\n")
    }

    fn builds(df: &str, ctx: &MemContext) -> Vec<Build> {
        with_input(df, ctx, |input| find_builds(input, tpl()))
    }

    fn artifacts(df: &str, ctx: &MemContext) -> Vec<String> {
        builds(df, ctx).into_iter().flat_map(|b| b.artifacts).collect()
    }

    /// The build and binary the start command runs, or the refusal.
    fn started(df: &str, ctx: &MemContext) -> Result<(Build, String), String> {
        with_input(df, ctx, |input| {
            let run = run_command(input.df, input.model).expect("a start command");
            started_build(input, tpl(), &find_builds(input, tpl()), &run).map_err(|e| e.to_string())
        })
    }

    #[test]
    fn builds_are_found_with_their_binaries() {
        let df = "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go mod download && go build -o /out/server .\n";
        let b = builds(df, &greeter());
        assert_eq!(b.len(), 1);
        assert_eq!(
            (b[0].index, b[0].artifacts.clone(), b[0].dir.as_str()),
            (3, words("/out/server"), "/src")
        );
        assert_eq!(b[0].insert_at, df.find("go build"));
        assert_eq!(
            (b[0].cgo_prefix.clone(), b[0].cross.clone(), b[0].remote.clone()),
            (None, None, None)
        );
        // Without -o the binary is named after the module path.
        assert_eq!(
            artifacts("FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build\n", &greeter()),
            words("/src/greeter")
        );
        // Other go commands build nothing.
        assert!(
            builds(
                "FROM golang:1.22\nCOPY . .\nRUN go vet ./... && go test ./...\n",
                &greeter()
            )
            .is_empty()
        );
    }

    #[test]
    fn exec_form_builds_take_no_prefix_and_prefixes_are_read() {
        let b = builds(
            "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN [\"go\", \"build\", \"-o\", \"/app\", \".\"]\n",
            &greeter(),
        );
        assert_eq!((b[0].artifacts.clone(), b[0].insert_at), (words("/app"), None));
        let b = builds(
            "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN CGO_ENABLED=1 go build -o /app .\n",
            &greeter(),
        );
        assert_eq!(b[0].cgo_prefix.as_deref(), Some("1"));
    }

    #[test]
    fn moves_in_the_same_run_are_followed() {
        let df = "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build -o server . && mv server /usr/local/bin/\n";
        assert_eq!(artifacts(df, &greeter()), words("/usr/local/bin/server"));
        // A move in a later RUN is the finishing steps' business, not the build's.
        let df = "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build -o server .\nRUN mv server /usr/local/bin/\n";
        assert_eq!(artifacts(df, &greeter()), words("/src/server"));
    }

    #[test]
    fn installs_land_in_gobin_and_remote_tools_are_marked() {
        let ctx = greeter()
            .with("cmd/api/main.go", "package main\n")
            .with("cmd/worker/main.go", "package main\n")
            .with("internal/x/x.go", "package x\n");
        let mut got = artifacts(
            "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go install ./cmd/...\n",
            &ctx,
        );
        got.sort();
        assert_eq!(got, words("/go/bin/api /go/bin/worker"));
        let df = "FROM golang:1.22\nENV GOBIN=/opt/bin\nWORKDIR /src\nCOPY . .\nRUN go install .\n";
        assert_eq!(artifacts(df, &ctx), words("/opt/bin/greeter"));
        let b = builds(
            "FROM golang:1.22\nRUN go install golang.org/x/tools/cmd/stringer@v0.20.0\n",
            &ctx,
        );
        assert_eq!(b[0].artifacts, words("/go/bin/stringer"));
        assert_eq!(b[0].remote.as_deref(), Some("golang.org/x/tools/cmd/stringer@v0.20.0"));
    }

    #[test]
    fn cross_compiles_are_told_from_platform_args() {
        let b = builds(
            "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN GOARCH=arm64 go build -o /app .\n",
            &greeter(),
        );
        assert_eq!(b[0].cross.as_deref(), Some("GOARCH=arm64"));
        let b = builds(
            "FROM golang:1.22\nENV GOOS=windows\nCOPY . .\nRUN go build -o /app .\n",
            &greeter(),
        );
        assert_eq!(b[0].cross.as_deref(), Some("GOOS=windows"));
        // `${TARGETARCH}` is the platform the image is built for, whatever its default.
        let df = "FROM golang:1.22\nARG TARGETARCH=arm64\nWORKDIR /src\nCOPY . .\nRUN GOARCH=${TARGETARCH} go build -o /app .\n";
        assert_eq!(builds(df, &greeter())[0].cross, None);
        assert_eq!(
            builds(
                "FROM golang:1.22\nCOPY . .\nRUN GOOS=linux GOARCH=amd64 go build -o /app .\n",
                &greeter()
            )[0]
            .cross,
            None
        );
    }

    #[test]
    fn go_env_prefers_the_command_prefix() {
        let df = "FROM golang:1.22\nENV GOOS=linux\nARG ARCH=arm64\nRUN GOOS=$ARCH go build .\n";
        with_input(df, &greeter(), |input| {
            let cmd = &input.model.commands(3)[0];
            let env = GoEnv::of(cmd, input.model.state(3));
            assert_eq!(env.own("GOOS").as_deref(), Some("arm64"));
            assert_eq!(env.raw("GOOS").as_deref(), Some("$ARCH"));
            assert_eq!(env.var("GOPATH").as_deref(), Some("/go"));
            assert_eq!(env.own("GOPATH"), None);
        });
    }

    #[test]
    fn remote_tools_are_module_at_version() {
        assert_eq!(
            remote_tool(&words("-v example.com/x@latest")).as_deref(),
            Some("example.com/x@latest")
        );
        assert_eq!(remote_tool(&words("./cmd/x")), None);
    }

    #[test]
    fn go_args_read_output_dir_and_packages() {
        let a = go_args(tpl(), &words("-o bin/ -ldflags -s -C sub --tags=netgo ./cmd/x"), "/src");
        assert_eq!(
            a,
            GoArgs {
                output: Some("bin/".into()),
                packages: words("./cmd/x"),
                dir: "/src/sub".into(),
            }
        );
        assert_eq!(go_args(tpl(), &words("-trimpath"), "/src").packages, words("."));
        assert_eq!(
            go_args(tpl(), &words("-o=/app main.go"), "/").output.as_deref(),
            Some("/app")
        );
    }

    #[test]
    fn binary_names_follow_go_naming() {
        with_input("FROM golang:1.22\nWORKDIR /src\nCOPY . .\n", &greeter(), |input| {
            assert_eq!(
                binary_names(input, &words("cmd/tool.go util.go"), "/src"),
                words("tool")
            );
            assert_eq!(binary_names(input, &words("./cmd/api"), "/src"), words("api"));
            assert_eq!(binary_names(input, &words("."), "/src"), words("greeter"));
            assert!(binary_names(input, &words("./a ./b"), "/src").is_empty());
        });
    }

    #[test]
    fn output_paths_tell_files_from_directories() {
        let out = |o: Option<&str>| output_path(tpl(), o, "/src", "/go", "api");
        assert_eq!(out(None), "/src/api");
        assert_eq!(out(Some("bin/")), "/src/bin/api");
        assert_eq!(out(Some(".")), "/src/api");
        assert_eq!(out(Some("/usr/local/bin")), "/usr/local/bin/api");
        assert_eq!(out(Some("/go/bin")), "/go/bin/api");
        assert_eq!(out(Some("/out/server")), "/out/server");
    }

    #[test]
    fn package_names_come_from_the_module_or_the_directory() {
        let df = "FROM golang:1.22\nWORKDIR /src\nCOPY . .\n";
        with_input(df, &greeter(), |input| {
            assert_eq!(package_name(input, ".", "/src").as_deref(), Some("greeter"));
            assert_eq!(package_name(input, "./cmd/api", "/src").as_deref(), Some("api"));
            assert_eq!(
                package_name(input, "github.com/a/tool/v2@v2.1.0", "/src").as_deref(),
                Some("tool")
            );
        });
        // No go.mod: GOPATH mode names the binary after the directory.
        let ctx = MemContext::new().with("main.go", "package main\n");
        with_input("FROM golang:1.22\nWORKDIR /go/src/hello\nCOPY . .\n", &ctx, |input| {
            assert_eq!(package_name(input, ".", "/go/src/hello").as_deref(), Some("hello"));
        });
        // A go.mod written by `go mod init` names it after that module path (ehsanDadashi/DockerFile:
        // `go mod init main.go`, then `go build` writes /home/app/main.go); only in its directory.
        let df =
            "FROM golang:1.21\nWORKDIR /home/app\nCOPY . .\nRUN go mod init main.go\nRUN go mod tidy && go build\n";
        with_input(df, &ctx, |input| {
            assert_eq!(package_name(input, ".", "/home/app").as_deref(), Some("main.go"));
            assert_eq!(package_name(input, ".", "/elsewhere").as_deref(), Some("elsewhere"));
        });
        let df = "FROM golang:1.21\nWORKDIR /src\nCOPY . .\nRUN go mod init example.com/x/tool/v2 && go build\n";
        with_input(df, &ctx, |input| {
            assert_eq!(package_name(input, ".", "/src").as_deref(), Some("tool"));
        });
    }

    #[test]
    fn patterns_match_main_packages_below_them() {
        let ctx = greeter()
            .with("cmd/api/main.go", "package main\n")
            .with("tools/gen/main.go", "package main\n")
            .with("lib/lib.go", "package lib\n");
        with_input("FROM golang:1.22\nWORKDIR /src\nCOPY . .\n", &ctx, |input| {
            let mut all = pattern_mains(input, "./...", "/src");
            all.sort();
            assert_eq!(all, words("api gen greeter"));
            assert_eq!(pattern_mains(input, "./cmd/...", "/src"), words("api"));
            // A directory nothing is copied to has no packages.
            assert!(pattern_mains(input, "./...", "/elsewhere").is_empty());
        });
        // GOPATH mode: no go.mod, the package at the root is named after its image directory.
        let ctx = MemContext::new().with("server.go", "package main\n");
        with_input("FROM golang:1.12\nWORKDIR /go/src/app\nCOPY . .\n", &ctx, |input| {
            assert_eq!(pattern_mains(input, "./...", "/go/src/app"), words("app"));
        });
    }

    #[test]
    fn module_root_is_the_nearest_go_mod_up() {
        let ctx = greeter().with("tools/go.mod", "module example.com/tools\n");
        with_input("FROM golang:1.22\n", &ctx, |input| {
            assert_eq!(
                module_root(input, "cmd/api"),
                Some((String::new(), "example.com/greeter".into()))
            );
            assert_eq!(
                module_root(input, "tools/gen"),
                Some(("tools".into(), "example.com/tools".into()))
            );
        });
        with_input("FROM golang:1.22\n", &MemContext::new(), |input| {
            assert_eq!(module_root(input, "a/b"), None);
        });
    }

    #[test]
    fn main_packages_leave_out_tests_vendor_and_testdata() {
        let ctx = greeter()
            .with("main_test.go", "package main\n")
            .with("vendor/x/main.go", "package main\n")
            .with("pkg/testdata/main.go", "package main\n")
            .with("pkg/lib.go", "// package main in a comment\npackage lib\n")
            .with("cmd/x/x.go", "package main\n");
        let mut dirs = main_packages(&ctx);
        dirs.sort();
        assert_eq!(dirs, vec!["".to_string(), "cmd/x".to_string()]);
        assert!(is_project_source("cmd/x/x.go"));
        assert!(!is_project_source("x_test.go") && !is_project_source("a/vendor/b.go"));
        with_input("FROM golang:1.22\n", &ctx, |input| {
            let mut src = go_sources(input);
            src.sort();
            assert_eq!(src, words("cmd/x/x.go main.go pkg/lib.go"));
        });
    }

    #[test]
    fn names() {
        assert_eq!(last_element("github.com/a/b/v2"), "b");
        assert_eq!(last_element("example.com/greeter"), "greeter");
        assert_eq!(last_element("example.com/v2"), "example.com");
        assert!(imports_c("package main\n\n// #include <x.h>\nimport \"C\"\n"));
        assert!(imports_c("import (\n\t\"C\"\n\t\"fmt\"\n)\n"));
        assert!(!imports_c("import \"fmt\""));
        assert_eq!(
            module_path("module example.com/x\n\ngo 1.22\n").as_deref(),
            Some("example.com/x")
        );
        assert_eq!(module_path("go 1.22\n"), None);
    }

    #[test]
    fn the_started_build_is_the_one_whose_binary_runs() {
        let df = "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build -o /usr/local/bin/tool ./cmd/tool\nRUN go build -o /out/server .\nCMD [\"/out/server\"]\n";
        let ctx = greeter().with("cmd/tool/main.go", "package main\n");
        let (b, a) = started(df, &ctx).expect("the server build");
        assert_eq!((b.index, a.as_str()), (4, "/out/server"));
        // Moved by a later RUN to where the start command finds it.
        let df = "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build -o app .\nRUN strip app && mv app /usr/local/bin/app\nCMD [\"app\"]\n";
        let (b, a) = started(df, &greeter()).expect("the moved binary's build");
        assert_eq!((b.index, a.as_str()), (3, "/src/app"));
        assert_eq!(finished_of(df), Ok((4, "/usr/local/bin/app".into())));
        // Through PATH.
        let df =
            "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build -o /usr/local/bin/tool ./cmd/tool\nCMD tool -v\n";
        assert_eq!(started(df, &ctx).expect("the tool").1, "/usr/local/bin/tool");
    }

    #[test]
    fn started_build_refusals() {
        let base = "FROM golang:1.22\nWORKDIR /src\nCOPY . .\n";
        let go_run = format!("{base}RUN go build -o /app .\nCMD [\"go\", \"run\", \".\"]\n");
        assert!(
            started(&go_run, &greeter())
                .unwrap_err()
                .contains("starts with `go run`")
        );
        let other = format!("{base}RUN go build -o /app .\nCMD [\"/bin/other\"]\n");
        assert_eq!(
            started(&other, &greeter()).unwrap_err(),
            "the start command runs `/bin/other`, not the binary the build makes (/app)"
        );
        // A bare name the PATH cannot find: the original fails the same way.
        let off_path = format!("{base}RUN go build -o main .\nCMD [\"main\"]\n");
        assert!(
            started(&off_path, &greeter())
                .unwrap_err()
                .contains("runs `main` from the PATH, which does not hold /src/main")
        );
        let remote = format!("{base}RUN go install example.com/tool@v1\nCMD [\"tool\"]\n");
        assert!(
            started(&remote, &greeter())
                .unwrap_err()
                .contains("installed with `go install example.com/tool@v1`")
        );
        let cross = format!("{base}RUN GOARCH=arm64 go build -o /app .\nCMD [\"/app\"]\n");
        assert_eq!(
            started(&cross, &greeter()).unwrap_err(),
            "the build cross-compiles (GOARCH=arm64); the runtime platform is unclear"
        );
    }

    /// The split and the binary after the finishing steps, or the refusal.
    fn finished_of(df: &str) -> Result<(usize, String), String> {
        with_input(df, &greeter(), |input| {
            let run = run_command(input.df, input.model).expect("a start command");
            let (b, a) = started_build(input, tpl(), &find_builds(input, tpl()), &run).expect("a build");
            finishing_steps(input, tpl(), &b, a, &run).map_err(|e| e.to_string())
        })
    }

    #[test]
    fn finishing_steps_extend_the_split_and_move_the_binary() {
        let df = "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build -o /go/bin/app .\nENV X=1\nRUN strip /go/bin/app && mv /go/bin/app /usr/local/bin/\nRUN apt-get update\nCMD [\"app\"]\n";
        assert_eq!(finished_of(df), Ok((5, "/usr/local/bin/app".into())));
        // A COPY ends the build.
        let df = "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build -o /bin/app .\nCOPY conf /conf\nRUN chmod +x /bin/app\nCMD [\"app\"]\n";
        assert_eq!(finished_of(df), Ok((3, "/bin/app".into())));
        let df = "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build -o /src/app .\nRUN mv /src/app /opt/app\nCMD [\"/src/app\"]\n";
        assert_eq!(
            finished_of(df),
            Err("the binary moves to /opt/app after the build, which the start command does not run".into())
        );
    }

    fn cgo(df: &str, ctx: &MemContext) -> Option<String> {
        with_input(df, ctx, |input| {
            let b = find_builds(input, tpl()).pop().expect("a build");
            cgo_reason(input, tpl(), &b, &go_sources(input))
        })
    }

    #[test]
    fn cgo_reasons() {
        let df = "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\n";
        assert_eq!(cgo(df, &greeter()), None);
        let on = "FROM golang:1.22\nENV CGO_ENABLED=1\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\n";
        assert_eq!(cgo(on, &greeter()).as_deref(), Some("CGO_ENABLED=1 is set"));
        let sqlite = greeter().with("go.sum", "github.com/mattn/go-sqlite3 v1.14.22 h1:x\n");
        assert_eq!(
            cgo(df, &sqlite).as_deref(),
            Some("go.sum requires github.com/mattn/go-sqlite3")
        );
        // An explicit CGO_ENABLED=0 wins over the module.
        let off = "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN CGO_ENABLED=0 go build -o /app .\n";
        assert_eq!(cgo(off, &sqlite), None);
        let c = greeter().with("native/n.go", "package native\n\n// #include <stdio.h>\nimport \"C\"\n");
        assert_eq!(cgo(df, &c).as_deref(), Some("native/n.go imports \"C\""));
    }

    /// The edits and notes for a build with cgo `reason`.
    fn edits(df: &str, reason: Option<&str>) -> (Vec<Edit>, Vec<String>) {
        with_input(df, &greeter(), |input| {
            let b = find_builds(input, tpl()).pop().expect("a build");
            let mut p = Program::new(
                Language::Go,
                b.index,
                String::new(),
                runtimes(input, tpl(), "static").expect("static"),
            );
            cgo_edits(input, &b, &reason.map(str::to_string), &mut p);
            (p.builder_edits, p.notes)
        })
    }

    #[test]
    fn cgo_is_turned_off_where_the_build_leaves_it_open() {
        let df = "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\n";
        let at = df.find("go build").expect("the build");
        assert_eq!(
            edits(df, None),
            (
                vec![Edit::insert(at, "CGO_ENABLED=0 ")],
                vec!["CGO_ENABLED=0 added so the binary is static".to_string()]
            )
        );
        let exec = "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nrun [\"go\", \"build\", \"-o\", \"/app\", \".\"]\n";
        let line = exec.find("run [").expect("the RUN");
        assert_eq!(edits(exec, None).0, vec![Edit::insert(line, "env CGO_ENABLED=0\n")]);
        let set = "FROM golang:1.22\nENV CGO_ENABLED=0\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\n";
        assert_eq!(edits(set, None), (vec![], vec![]));
        assert_eq!(
            edits(df, Some("go.mod requires x")),
            (vec![], vec!["cgo kept: go.mod requires x".to_string()])
        );
    }

    #[test]
    fn cgo_packages_follow_the_modules_and_the_libc() {
        let ctx = greeter().with("go.mod", "module m\n\nrequire github.com/h2non/bimg v1.1.9\n");
        let df = "FROM golang:1.22\nCOPY . .\n";
        with_input(df, &ctx, |input| {
            let why = Some("cgo".to_string());
            assert_eq!(cgo_packages(input, tpl(), &why, false), words("libvips42"));
            assert_eq!(cgo_packages(input, tpl(), &why, true), words("vips"));
            assert!(cgo_packages(input, tpl(), &None, false).is_empty());
        });
    }

    #[test]
    fn runtimes_by_link_kind() {
        with_input("FROM golang:1.22-bookworm\n", &MemContext::new(), |input| {
            let rt = runtimes(input, tpl(), "static").expect("static");
            assert_eq!(rt.default, RuntimeKind::Distroless);
            assert_eq!(
                rt.get(RuntimeKind::Distroless).expect("distroless").image,
                "gcr.io/distroless/static-debian12:latest"
            );
            assert!(rt.get(RuntimeKind::Scratch).is_some());
            let musl = runtimes(input, tpl(), "musl").expect("musl");
            assert_eq!((musl.default, musl.images.len()), (RuntimeKind::Alpine, 1));
            let err = runtimes(input, tpl(), "wasm").unwrap_err();
            assert_eq!(err.to_string(), "templates/go.toml has no runtimes.wasm table");
        });
    }

    #[test]
    fn runtime_path_leaves_gopath_bin_for_the_runtime_path() {
        let path = |cmd: &str, artifact: &str| {
            let df = format!("FROM golang:1.22\nCMD {cmd}\n");
            with_input(&df, &MemContext::new(), |input| {
                let run = run_command(input.df, input.model).expect("a start command");
                runtime_path(tpl(), &run, artifact)
            })
        };
        assert_eq!(path("server", "/go/bin/server"), "/usr/local/bin/server");
        assert_eq!(path("server", "/usr/bin/server"), "/usr/bin/server");
        assert_eq!(path("/go/bin/server", "/go/bin/server"), "/go/bin/server");
    }

    fn only(df: &str, ctx: &MemContext) -> Vec<String> {
        with_input(df, ctx, |input| {
            let run = run_command(input.df, input.model).expect("a start command");
            let b = find_builds(input, tpl()).pop().expect("a build");
            build_only(input, tpl(), &b, &run)
        })
    }

    #[test]
    fn build_only_paths() {
        let vendored = greeter().with("vendor/modules.txt", "# x\n");
        let df = "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build -mod=vendor -o app .\nCMD [\"./app\"]\n";
        assert_eq!(only(df, &vendored), words("/src/vendor"));
        let ignored = vendored.clone().with(".dockerignore", "vendor\n");
        assert!(only(df, &ignored).is_empty());
        // The app directory is GOPATH: the module cache is under it.
        let sums = greeter().with("go.sum", "x\n");
        let df = "FROM golang:1.22\nCOPY . .\nRUN go build -o app .\nCMD [\"./app\"]\n";
        assert_eq!(only(df, &sums), words("/go/pkg"));
        // Built in /src, run from /app: the sources stay behind.
        let df = "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build -o /app/server .\nWORKDIR /app\nCMD [\"./server\"]\n";
        assert_eq!(only(df, &greeter()), words("/src"));
    }

    #[test]
    fn analyze_answers_a_static_binary() {
        let df = "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build -o /out/server .\nRUN strip /out/server\nCMD [\"/out/server\"]\n";
        let ctx = greeter().with(
            "main.go",
            "package main\n\nimport \"os/exec\"\n\nfunc main() { exec.Command(\"git\") }\n",
        );
        let p = with_input(df, &ctx, |input| analyze(input, tpl())).expect("a program");
        assert_eq!((p.split_after, p.what.as_str()), (4, "a static Go binary"));
        assert_eq!(p.artifacts, vec![Carry::same("/out/server")]);
        assert_eq!(p.own, words("/out/server server"));
        assert_eq!(
            p.executes.iter().map(|e| e.program.as_str()).collect::<Vec<_>>(),
            ["git"]
        );
        assert_eq!(p.builder_edits.len(), 1);
        let none = with_input("FROM golang:1.22\nCMD [\"x\"]\n", &ctx, |input| analyze(input, tpl()));
        assert_eq!(
            none.unwrap_err().to_string(),
            "no `go build` or `go install` step found"
        );
    }

    #[test]
    fn one_build_command_read_directly() {
        let df = "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go env && GOOS=linux go build -o out/ . && cp out/greeter /go/bin/\n";
        with_input(df, &greeter(), |input| {
            let cmds = input.model.commands(3);
            assert!(read_build(input, tpl(), 3, &cmds[0], true).is_none());
            let mut b = read_build(input, tpl(), 3, &cmds[1], true).expect("the build");
            assert_eq!(b.artifacts, words("/src/out/greeter"));
            assert_eq!(b.insert_at, df.find("GOOS=linux"));
            follow_moves(&cmds[0], &mut b, tpl());
            assert_eq!(b.artifacts, words("/src/out/greeter"));
            follow_moves(&cmds[2], &mut b, tpl());
            assert_eq!(b.artifacts, words("/go/bin/greeter"));
            // Two packages make no binary dockslim can name.
            let env = GoEnv::of(&cmds[1], input.model.state(3));
            assert!(artifacts_of(input, tpl(), &words("./a ./b"), false, "/src", &env).is_empty());
            assert_eq!(
                artifacts_of(input, tpl(), &words("."), true, "/src", &env),
                words("/go/bin/greeter")
            );
            assert_eq!(cross_compile(tpl(), &env), None);
            assert_eq!(context_dir_of(input, "/src").as_deref(), Some(""));
            assert_eq!(context_dir_of(input, "/elsewhere"), None);
        });
        let df = "FROM golang:1.22\nRUN GOARCH=386 go build -o /app .\n";
        with_input(df, &greeter(), |input| {
            let cmd = &input.model.commands(1)[0];
            assert_eq!(
                cross_compile(tpl(), &GoEnv::of(cmd, input.model.state(1))).as_deref(),
                Some("GOARCH=386")
            );
        });
    }

    #[test]
    fn moves_into_gopath_bin_are_directories() {
        let mut a = "/src/app".to_string();
        track_move(&words("mv app /go/bin"), "/src", &mut a, tpl());
        assert_eq!(a, "/go/bin/app");
        let mut a = "/src/app".to_string();
        track_move(&words("mv app /srv"), "/src", &mut a, tpl());
        assert_eq!(a, "/srv");
    }

    #[test]
    fn finished_follows_the_binary_without_judging() {
        let df = "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build -o app .\nRUN mv app /opt/app\nRUN ./test.sh\nRUN true\n";
        with_input(df, &greeter(), |input| {
            let b = find_builds(input, tpl()).pop().expect("a build");
            assert_eq!(finished(input, tpl(), &b, "/src/app"), (4, "/opt/app".to_string()));
        });
    }
}
