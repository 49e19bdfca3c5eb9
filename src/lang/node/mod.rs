//! Node.js: a Node app has no single binary, so the runtime stage carries the application
//! directory as the build left it (after devDependencies are pruned) and a Node runtime of the
//! same version on the builder's libc. [`analyze`] runs the passes in order: `package`
//! (package.json), the RUN steps ([`steps`]), `split_point`, `require_install`, the package
//! manager ([`pm`]), `refuse_pnp`, `build_commands` and their outputs (`outputs_of`, [`build`]),
//! the start command ([`start`]) with its refusals (`refuse_startup_work`, and
//! `start_file_produced`: a start file nothing produces), the runtime images (`runtimes`:
//! `builder_repo`, `check_requested`, `runtime_table`, with the tag read by [`tag`]),
//! `tag_notes`, `native_packages` (what the dependencies need), the programs the code starts,
//! `own_programs`, `keep_manager` (the package manager the start command keeps:
//! `kept_programs`, `setups_for`), `prune`, `start_command` and `yarn_cache`.

pub mod build;
pub mod pm;
pub mod start;
pub mod steps;
pub mod tag;

use std::collections::BTreeMap;

use serde_json::Value;

use super::{Input, Program, RunCommand, Runtimes, run_command, scan_execs};
use crate::Skip;
use crate::detect::{Language, absolute};
use crate::parse::Instruction;
pub use crate::template::node::Template;
use crate::template::{LinkRuntimes, RuntimeKind};
use pm::Pm;
use start::Start;
use steps::Steps;
use tag::NodeTag;

/// What the passes found about the app, for those that come after.
struct App<'a> {
    pkg: &'a Package,
    steps: &'a Steps,
    start: &'a Start,
    pm: Pm,
}

/// package.json, read.
struct Package {
    /// Its context directory (`""` for the root).
    dir: String,
    /// The image directory it lands in.
    app: String,
    /// The parsed JSON.
    json: Value,
    /// `scripts`.
    scripts: BTreeMap<String, String>,
    /// `dependencies` names.
    deps: Vec<String>,
    /// `devDependencies` names.
    dev_deps: Vec<String>,
}

/// Analyses a Node.js Dockerfile.
pub fn analyze(input: &Input<'_, '_>, tpl: &Template) -> Result<Program, Skip> {
    let Some(run) = run_command(input.df, input.model) else {
        return Err(Skip::Unsupported("no CMD or ENTRYPOINT starts the app".into()));
    };
    let pkg = package(input, &run)?;
    let steps = steps::scan_runs(input, tpl);
    let split = split_point(input, &steps)?;
    require_install(&pkg, &steps)?;
    let (pm, pm_why) = pm::package_manager(input, tpl, &pkg.json, &pkg.dir, &steps);
    refuse_pnp(input, &pkg, pm, &steps)?;
    let build_cmds = build_commands(&pkg, &steps);
    let outputs = outputs_of(input, tpl, &pkg, &build_cmds);
    let start = start::analyze_start(input, &run, &pkg.scripts, &pkg.dir)?;
    refuse_startup_work(tpl, &run, &pkg)?;
    start_file_produced(input, &run, &start, &outputs, !build_cmds.is_empty(), split)?;
    let tag = NodeTag::parse(input.model.image.tag(), input, tpl).map_err(Skip::Unsupported)?;
    let (libc, runtimes, tag) = runtimes(input, tpl, tag, &start)?;
    let mut p = Program::new(Language::Node, split, "a Node.js app".into(), runtimes);
    p.system_data = false;
    p.build_env = tpl.build_env.clone();
    p.notes.push(format!("{} ({pm_why})", pm.label()));
    p.notes.extend(tag_notes(input, &tag));
    p.packages = native_packages(tpl, &pkg, libc);
    p.executes = scan_execs(input.ctx, &sources(input, &pkg.dir), &tpl.exec_calls);
    p.own = own_programs(tpl, &pkg, &start);
    if steps.installed {
        p.made.push(absolute(&pkg.app, "node_modules"));
    }
    let app = App {
        pkg: &pkg,
        steps: &steps,
        start: &start,
        pm,
    };
    keep_manager(input, tpl, &app, &mut p)?;
    prune(input, tpl, &app, &tag, &mut p);
    start_command(input, tpl, &run, &start, &mut p)?;
    p.build_only.extend(yarn_cache(input, &pkg, pm, split));
    Ok(p)
}

/// Dependencies need an install step: without one node_modules would come from the context.
fn require_install(pkg: &Package, steps: &Steps) -> Result<(), Skip> {
    if !steps.installed && !pkg.deps.is_empty() {
        return Err(Skip::Unsupported(
            "no npm/yarn/pnpm/bun install step found; node_modules would come from the build context".into(),
        ));
    }
    Ok(())
}

/// The build commands: build tools run directly, and the commands of the scripts the RUN steps
/// run.
fn build_commands(pkg: &Package, steps: &Steps) -> Vec<Vec<String>> {
    let mut cmds: Vec<Vec<String>> = steps.direct_tools.clone();
    for s in &steps.scripts {
        pm::collect_script_commands(&pkg.scripts, s, &mut cmds, 0);
    }
    cmds
}

/// Where the build commands write (nothing when there are none); `None` when unknown.
fn outputs_of(input: &Input<'_, '_>, tpl: &Template, pkg: &Package, cmds: &[Vec<String>]) -> Option<Vec<String>> {
    if cmds.is_empty() {
        Some(Vec::new())
    } else {
        build::build_outputs(input, tpl, &pkg.dir, cmds)
    }
}

/// Work the start command does at start-up (installs, migrations, builds) is refused.
fn refuse_startup_work(tpl: &Template, run: &RunCommand, pkg: &Package) -> Result<(), Skip> {
    match start::startup_work(tpl, &start::start_commands(run, &pkg.scripts)) {
        Some(why) => Err(Skip::Unsupported(format!("the start command {why}"))),
        None => Ok(()),
    }
}

/// A yarn berry cache committed to the repository only feeds the install: build-only.
fn yarn_cache(input: &Input<'_, '_>, pkg: &Package, pm: Pm, split: usize) -> Option<String> {
    let cache = crate::context::join(&pkg.dir, ".yarn/cache");
    (pm == Pm::Berry && crate::runtime::files::copied_from_context(input, &cache, split))
        .then(|| absolute(&pkg.app, ".yarn/cache"))
}

/// package.json: the one that lands in the start command's WORKDIR, else the root one.
fn package(input: &Input<'_, '_>, run: &RunCommand) -> Result<Package, Skip> {
    let start_dir = input.model.state(run.index).workdir.clone();
    let (rel, path) = find_package_json(input, &start_dir)
        .ok_or_else(|| Skip::Unsupported("no package.json from the build context is copied into the image".into()))?;
    let text = input.ctx.read(&rel).unwrap_or_default();
    let json: Value =
        serde_json::from_str(&text).map_err(|e| Skip::Unsupported(format!("{rel} does not parse as JSON: {e}")))?;
    let dir = rel
        .strip_suffix("package.json")
        .unwrap_or("")
        .trim_end_matches('/')
        .to_string();
    let app = path.rsplit_once('/').map_or("/".to_string(), |(d, _)| absolute("/", d));
    let scripts = json
        .get("scripts")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
                .collect()
        })
        .unwrap_or_default();
    Ok(Package {
        deps: keys(&json, "dependencies"),
        dev_deps: keys(&json, "devDependencies"),
        dir,
        app,
        json,
        scripts,
    })
}

/// The runtime stage starts after the last COPY or the last RUN that belongs to the build.
fn split_point(input: &Input<'_, '_>, steps: &Steps) -> Result<usize, Skip> {
    let n = input.df.instructions.len();
    let last_copy = input.model.copies.iter().map(|c| c.index).filter(|&i| i < n).max();
    [last_copy, steps.last_build_run]
        .into_iter()
        .flatten()
        .max()
        .ok_or_else(|| Skip::Unsupported("nothing is copied into the image or built".into()))
}

/// Yarn Plug'n'Play installs no node_modules: refused.
fn refuse_pnp(input: &Input<'_, '_>, pkg: &Package, pm: Pm, steps: &Steps) -> Result<(), Skip> {
    if pm != Pm::Berry || !steps.installed {
        return Ok(());
    }
    let linker = input
        .ctx
        .read(&crate::context::join(&pkg.dir, ".yarnrc.yml"))
        .and_then(|t| build::yaml_value(&t, "nodeLinker"))
        .unwrap_or_else(|| "pnp".into());
    if linker == "pnp" {
        return Err(Skip::Unsupported(
            "yarn Plug'n'Play installs no node_modules; set `nodeLinker: node-modules` in .yarnrc.yml".into(),
        ));
    }
    Ok(())
}

/// The file `node` starts must exist: copied from the context, made by a build step, or
/// written by a RUN. Otherwise the original fails too, or gets it from somewhere dockslim
/// cannot see: left as is.
fn start_file_produced(
    input: &Input<'_, '_>,
    run: &RunCommand,
    start: &Start,
    outputs: &Option<Vec<String>>,
    built: bool,
    split: usize,
) -> Result<(), Skip> {
    let Some(file) = start.node_args.as_ref().and_then(|a| start::script_file(a)) else {
        return Ok(());
    };
    let workdir = &input.model.state(run.index).workdir;
    let path = absolute(workdir, &file);
    let from_context = crate::runtime::context_source(input, &path, split + 1)
        .is_some_and(|rel| !super::dockerignored(input.ctx, &rel));
    let in_outputs = match outputs {
        None => built,
        Some(outs) => outs
            .iter()
            .any(|o| crate::runtime::files::under(&path, &absolute(workdir, o))),
    };
    // A build that writes next to its sources (tsc without outDir, babel...) or a RUN whose
    // effect is unknown may make it.
    let unknown_run = built && outputs.as_ref().is_some_and(|o| o.is_empty())
        || input.model.ops.iter().any(|o| o.index <= split && matches!(&o.op, crate::model::steps::Op::Write(ps) if ps.iter().any(|p| crate::runtime::files::under(&path, p))));
    if from_context || in_outputs || unknown_run || node_resolvable(&file) {
        return Ok(());
    }
    Err(Skip::Unsupported(format!(
        "the start command runs {file}, which neither the build context nor a build step provides"
    )))
}

/// A `node` argument that names a module rather than a file (`node .`, `node server`).
fn node_resolvable(file: &str) -> bool {
    file == "." || file == "./" || !file.contains('.') && !file.contains('/')
}

/// The runtime images: the builder's node version on its libc, with the requested family
/// checked against it.
fn runtimes(
    input: &Input<'_, '_>,
    tpl: &Template,
    mut tag: NodeTag,
    start: &Start,
) -> Result<(&'static str, Runtimes, NodeTag), Skip> {
    let base_image = &input.model.image;
    if !tpl.images.contains(&base_image.name) {
        return Err(Skip::Unsupported(format!(
            "the builder image {} is not a node image; dockslim picks Node.js runtimes from node images only",
            base_image.full
        )));
    }
    let repo = builder_repo(input, &mut tag);
    let libc = if input.base.musl || tag.alpine.is_some() {
        "musl"
    } else {
        "glibc"
    };
    check_requested(input, libc)?;
    let table = runtime_table(input, tpl, &tag, start, libc)?;
    let lookup = |n: &str| tpl.runtime_images.get(n).or_else(|| input.common.images.get(n));
    let rt = Runtimes::from_table(&table, lookup, |p| tag.fill(p, &repo))?;
    Ok((libc, rt, tag))
}

/// The image repository of the runtime: the builder's. `FROM node:${NODE_VERSION}-alpine`: the
/// runtime uses the same global ARG (in `tag.version`), so a `--build-arg` moves both stages
/// together (native modules need the same Node ABI).
fn builder_repo(input: &Input<'_, '_>, tag: &mut NodeTag) -> String {
    let (df, model) = (input.df, input.model);
    let base_image = &model.image;
    if let Some(Instruction::From(f)) = df.instructions.get(model.from)
        && f.image.value.contains('$')
    {
        let raw = crate::detect::ImageRef::parse(&f.image.value);
        let expanded = base_image.tag();
        let suffix = &expanded[tag.version.len().min(expanded.len())..];
        if !raw.repo.contains('$')
            && let Some(version) = raw.tag().strip_suffix(suffix)
        {
            tag.version = version.to_string();
            return raw.repo.clone();
        }
    }
    base_image.repo.clone()
}

/// A runtime family asked for must run native modules built on `libc` (alpine for musl,
/// debian-slim or distroless for glibc), and never be scratch.
fn check_requested(input: &Input<'_, '_>, libc: &str) -> Result<(), Skip> {
    let Some(r) = input.runtime else {
        return Ok(());
    };
    if r == RuntimeKind::Scratch {
        return Err(Skip::Unsupported(
            "runtime scratch was asked for, but a Node.js app needs a node runtime".into(),
        ));
    }
    let ok = match libc {
        "musl" => r == RuntimeKind::Alpine,
        _ => matches!(r, RuntimeKind::DebianSlim | RuntimeKind::Distroless),
    };
    if !ok {
        return Err(Skip::Unsupported(format!(
            "runtime {r} was asked for, but the builder {} is {libc}-based: native modules built there break on another libc",
            input.model.image.full
        )));
    }
    Ok(())
}

/// The runtime table for `libc`. Distroless only when asked for (the default keeps a shell and
/// a package manager), and then only for a Node major it publishes and a start command that
/// needs nothing but node.
fn runtime_table(
    input: &Input<'_, '_>,
    tpl: &Template,
    tag: &NodeTag,
    start: &Start,
    libc: &str,
) -> Result<LinkRuntimes, Skip> {
    let mut table = tpl
        .runtimes
        .get(libc)
        .cloned()
        .ok_or_else(|| Skip::Unsupported(format!("templates/node.toml has no runtimes.{libc} table")))?;
    if input.runtime != Some(RuntimeKind::Distroless) {
        table.remove(RuntimeKind::Distroless);
        return Ok(table);
    }
    let distroless_ok = tag
        .major
        .as_ref()
        .is_some_and(|m| tpl.distroless_majors.get(&tag.debian).is_some_and(|v| v.contains(m)));
    if !distroless_ok {
        return Err(Skip::Unsupported(format!(
            "there is no distroless Node.js image for Node {} on Debian {}",
            tag.major.as_deref().unwrap_or(&tag.version),
            tag.debian
        )));
    }
    if start.keeps_pm.is_some() || start.node_args.is_none() {
        return Err(Skip::Unsupported(
            "runtime distroless was asked for, but the start command needs more than node".into(),
        ));
    }
    Ok(table)
}

/// Remarks about the builder's tag.
fn tag_notes(input: &Input<'_, '_>, tag: &NodeTag) -> Vec<String> {
    let mut notes = Vec::new();
    if let Some(t) = &tag.floating {
        notes.push(format!(
            "the runtime follows the builder's floating tag `{t}`; pin a major version"
        ));
    }
    if input.model.image.full.contains('@') {
        notes.push("the builder's digest does not apply to the runtime image: pin one".into());
    }
    notes
}

/// System packages the dependencies' native parts need at run time (Prisma's OpenSSL...).
fn native_packages(tpl: &Template, pkg: &Package, libc: &str) -> Vec<String> {
    let family = if libc == "musl" { "apk" } else { "apt" };
    let mut out = Vec::new();
    for d in &pkg.deps {
        for p in tpl
            .native_packages
            .get(d)
            .and_then(|f| f.get(family))
            .into_iter()
            .flatten()
        {
            if !out.contains(p) {
                out.push(p.clone());
            }
        }
    }
    out
}

/// Programs the runtime stage has without installing anything: node and the managers of the
/// node images, the start program when it is the app's own, the bins of its dependencies.
fn own_programs(tpl: &Template, pkg: &Package, start: &Start) -> Vec<String> {
    let mut own: Vec<String> = tpl.image_programs.clone();
    own.extend(tpl.runtime_managers.iter().cloned());
    own.push(tpl.distroless_node.clone());
    for p in &start.programs {
        let package = start::package_of(tpl, p);
        if pkg.deps.contains(&package) || pkg.dev_deps.contains(&package) {
            own.push(p.clone());
        }
    }
    own
}

/// The package manager (or global tool) the start command keeps must exist in the runtime:
/// the node images hold npm, yarn 1 and corepack; anything else is set up there the way the
/// builder set it up, and corepack's cache comes along.
fn keep_manager(input: &Input<'_, '_>, tpl: &Template, app: &App<'_>, p: &mut Program) -> Result<(), Skip> {
    let setups = setups_for(tpl, app, &kept_programs(app))?;
    if setups.is_empty() {
        return Ok(());
    }
    let kw = crate::runtime::keyword(input, "RUN");
    p.runtime_lines.push(format!("{kw} {}", setups.join(" && ")));
    p.notes.push(format!(
        "`{}` repeated in the runtime stage for the start command",
        setups.join(" && ")
    ));
    if setups.iter().any(|s| s.starts_with("corepack")) {
        let home = input
            .model
            .end()
            .var("COREPACK_HOME")
            .map_or("/root/.cache/node/corepack".to_string(), str::to_string);
        p.artifacts.push(crate::plan::Carry::same(&home));
    }
    Ok(())
}

/// The programs the start command keeps: the package manager, and the programs it runs when
/// it is not rewritten to node (yarn too for yarn berry).
fn kept_programs(app: &App<'_>) -> Vec<String> {
    let start = app.start;
    let mut needed: Vec<String> = start.keeps_pm.iter().cloned().collect();
    if start.rewrite.is_none() || start.keeps_pm.is_some() {
        needed.extend(start.programs.iter().cloned());
    }
    if start.keeps_pm.is_some() && app.pm == Pm::Berry {
        needed.push("yarn".into());
    }
    needed
}

/// The setup steps of the builder (in order, once each) that provide the `needed` programs the
/// node images and the dependencies lack; refuses a package manager nothing installs.
fn setups_for(tpl: &Template, app: &App<'_>, needed: &[String]) -> Result<Vec<String>, Skip> {
    let (steps, pkg) = (app.steps, app.pkg);
    let mut setups: Vec<String> = Vec::new();
    for prog in needed {
        if tpl.image_programs.contains(prog) {
            continue;
        }
        let package = start::package_of(tpl, prog);
        if pkg.deps.contains(&package) || pkg.dev_deps.contains(&package) {
            continue;
        }
        // Every step that set the program up, in order (`corepack enable`, then the pinned
        // `corepack prepare pnpm@9 --activate`).
        let found: Vec<&String> = steps
            .setups
            .iter()
            .filter(|(_, provides)| provides.iter().any(|x| *x == package || x == prog))
            .map(|(text, _)| text)
            .collect();
        for text in &found {
            if !setups.contains(text) {
                setups.push((*text).clone());
            }
        }
        if found.is_empty() && !tpl.runtime_managers.contains(prog) && Pm::from_name(prog).is_some() {
            return Err(Skip::Unsupported(format!(
                "the start command runs {prog}, which the runtime image lacks and the Dockerfile does not install"
            )));
        }
    }
    Ok(setups)
}

/// devDependencies are pruned in the builder, unless the start command needs one, the config
/// says not to, or the install already left them out.
fn prune(input: &Input<'_, '_>, tpl: &Template, app: &App<'_>, tag: &NodeTag, p: &mut Program) {
    let (steps, pkg, start, pm) = (app.steps, app.pkg, app.start, app.pm);
    if !steps.installed {
        return;
    }
    let dev_needed = start.programs.iter().chain(start.preloads.iter()).find_map(|prog| {
        let name = start::package_of(tpl, prog);
        pkg.dev_deps.contains(&name).then(|| (prog.clone(), name))
    });
    if let Some((prog, name)) = &dev_needed {
        p.notes.push(format!(
            "devDependencies kept: the start command runs {prog} from the devDependency {name}"
        ));
        if tpl.dev_tools.contains(prog) {
            p.notes
                .push(format!("{prog} is a development tool: consider building ahead of time"));
        }
        return;
    }
    if input.prune == Some(false) {
        p.notes.push("devDependencies kept (config: prune = false)".into());
        return;
    }
    if pkg.dev_deps.is_empty() {
        return;
    }
    if steps.prod_install {
        p.notes.push("the install already leaves devDependencies out".into());
        return;
    }
    let cmd = pm::prune_command(tpl, pm, input, &pkg.dir, tag);
    p.builder_tail
        .push(format!("{} {cmd}", crate::runtime::keyword(input, "RUN")));
    p.notes.push(format!("devDependencies pruned with `{cmd}`"));
    p.dropped_globs
        .push(format!("{}/**", absolute(&pkg.app, "node_modules")));
}

/// The start command: `node <file>` instead of a package manager when the script is a plain
/// node command; distroless runs node itself, so its CMD names only the script.
fn start_command(
    input: &Input<'_, '_>,
    tpl: &Template,
    run: &RunCommand,
    start: &Start,
    p: &mut Program,
) -> Result<(), Skip> {
    let df = input.df;
    p.notes.extend(start.notes.iter().cloned());
    if input.runtime == Some(RuntimeKind::Distroless) {
        let node_args = start.node_args.clone().unwrap_or_default();
        match (&run.cmd, df.instructions.get(run.index)) {
            (None, Some(Instruction::Cmd(_))) => p.replace_commands.push((run.index, node_args)),
            (None, Some(Instruction::Entrypoint(_))) => {
                let mut w = vec![tpl.distroless_node.clone()];
                w.extend(node_args);
                p.replace_commands.push((run.index, w));
            }
            _ => {
                return Err(Skip::Unsupported(
                    "ENTRYPOINT with CMD arguments cannot be carried to distroless".into(),
                ));
            }
        }
        p.notes
            .push("distroless runs node itself: CMD names only the script".into());
        return Ok(());
    }
    if let Some(w) = &start.rewrite {
        match (&run.cmd, start.entrypoint_only) {
            (None, _) => p.replace_commands.push((run.index, w.clone())),
            (Some((j, _)), true) => p.replace_commands.push((*j, w.clone())),
            (Some(_), false) => {}
        }
    }
    Ok(())
}

/// The app's JavaScript and TypeScript sources (dependencies and tests excluded).
fn sources(input: &Input<'_, '_>, dir: &str) -> Vec<String> {
    let mut files = Vec::new();
    for ext in [".js", ".mjs", ".cjs", ".ts", ".mts"] {
        files.extend(
            crate::context::find_files(input.ctx, dir, ext, 500)
                .into_iter()
                .filter(|f| !f.contains("test") && !f.contains("spec") && !f.ends_with(".d.ts")),
        );
    }
    files.truncate(1000);
    files
}

/// The names under `key` of package.json.
fn keys(pkg: &Value, key: &str) -> Vec<String> {
    pkg.get(key)
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

/// The context path of the package.json that lands in `dir` (else the root one), and its
/// image path.
fn find_package_json(input: &Input<'_, '_>, dir: &str) -> Option<(String, String)> {
    let (ctx, model) = (input.ctx, input.model);
    let n = input.df.instructions.len();
    let mut found: Vec<(String, String)> = Vec::new();
    for f in crate::context::find_files(ctx, "", "package.json", 400) {
        if !(f == "package.json" || f.ends_with("/package.json")) {
            continue;
        }
        if let Some(p) = model.image_path_of(ctx, &f, n) {
            found.push((f, p));
        }
    }
    let want = absolute(dir, "package.json");
    found
        .iter()
        .find(|(_, p)| *p == want)
        .or_else(|| found.iter().find(|(f, _)| f == "package.json"))
        .cloned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::MemContext;
    use crate::lang::testing::{with_input, words};
    use crate::plan::Carry;
    use crate::template::TemplateSet;

    fn tpl() -> &'static Template {
        &TemplateSet::builtin().node
    }

    const NPM: &str = "FROM node:20\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci\nCOPY . .\n";

    fn app(package_json: &str) -> MemContext {
        MemContext::new()
            .with("package.json", package_json)
            .with("package-lock.json", "{}")
    }

    /// An express app with a TypeScript build.
    fn ts_app() -> MemContext {
        app(r#"{"scripts": {"build": "tsc", "start": "node dist/main.js"}, "dependencies": {"express": "4"}, "devDependencies": {"typescript": "5", "tsx": "4"}}"#)
            .with("tsconfig.json", r#"{"compilerOptions": {"outDir": "dist"}}"#)
            .with("src/main.ts", "")
    }

    /// Everything the passes after `package` and `scan_runs` read.
    struct Read {
        run: RunCommand,
        pkg: Package,
        steps: Steps,
    }

    fn read<R>(df: &str, ctx: &MemContext, f: impl FnOnce(&Input<'_, '_>, Read) -> R) -> R {
        with_input(df, ctx, |input| {
            let run = run_command(input.df, input.model).expect("a start command");
            let pkg = package(input, &run).expect("package.json");
            let steps = steps::scan_runs(input, tpl());
            f(input, Read { run, pkg, steps })
        })
    }

    fn analyzed(df: &str, ctx: &MemContext) -> Result<Program, String> {
        with_input(df, ctx, |input| analyze(input, tpl())).map_err(|e| e.to_string())
    }

    fn analyzed_as(
        df: &str,
        ctx: &MemContext,
        runtime: Option<RuntimeKind>,
        prune: Option<bool>,
    ) -> Result<Program, String> {
        with_input(df, ctx, |input| {
            let asked = Input {
                runtime,
                prune,
                base: input.base.clone(),
                ..*input
            };
            analyze(&asked, tpl())
        })
        .map_err(|e| e.to_string())
    }

    #[test]
    fn analyze_answers_an_app_built_and_started_with_npm() {
        let df = format!("{NPM}RUN npm run build\nCMD [\"npm\", \"start\"]\n");
        let p = analyzed(&df, &ts_app()).expect("a program");
        assert_eq!(p.split_after, 5);
        assert_eq!(p.replace_commands, vec![(6, words("node dist/main.js"))]);
        assert_eq!(p.builder_tail, ["RUN npm prune --omit=dev"]);
        assert_eq!(p.dropped_globs, ["/app/node_modules/**"]);
        assert_eq!(
            p.runtimes.get(RuntimeKind::DebianSlim).expect("slim").image,
            "node:20-slim"
        );
        assert!(!p.system_data);
        assert_eq!(p.notes[0], "npm (the Dockerfile installs with npm)");
    }

    #[test]
    fn start_commands_that_need_their_shell_are_kept() {
        let ctx = ts_app();
        for cmd in [
            "npm start && echo stopped",
            "npm start -- --port $PORT",
            "[\"sh\", \"-c\", \"npm start; echo x\"]",
        ] {
            let df = format!("{NPM}RUN npm run build\nCMD {cmd}\n");
            let p = analyzed(&df, &ctx).expect("a program");
            assert!(p.replace_commands.is_empty(), "{cmd}");
            assert!(
                p.notes
                    .iter()
                    .any(|n| n.ends_with("it needs a shell (variables, operators or several commands)")),
                "{cmd}: {:?}",
                p.notes
            );
        }
    }

    #[test]
    fn package_json_is_the_one_in_the_start_directory() {
        let ctx = app(r#"{"name": "root"}"#).with(
            "api/package.json",
            r#"{"name": "api", "dependencies": {"a": "1"}, "scripts": {"start": "node ."}}"#,
        );
        let df = "FROM node:20\nWORKDIR /srv\nCOPY . .\nWORKDIR /srv/api\nCMD [\"npm\", \"start\"]\n";
        read(df, &ctx, |_, r| {
            assert_eq!((r.pkg.dir.as_str(), r.pkg.app.as_str()), ("api", "/srv/api"));
            assert_eq!(
                (r.pkg.deps.clone(), r.pkg.scripts["start"].as_str()),
                (words("a"), "node .")
            );
        });
        let df = "FROM node:20\nWORKDIR /srv\nCOPY . .\nCMD [\"node\", \".\"]\n";
        read(df, &ctx, |_, r| assert_eq!(r.pkg.dir, ""));
        let none = with_input("FROM node:20\nCMD [\"node\", \"a.js\"]\n", &ctx, |input| {
            package(input, &run_command(input.df, input.model).expect("a start command")).err()
        });
        assert_eq!(
            none,
            Some(Skip::Unsupported(
                "no package.json from the build context is copied into the image".into()
            ))
        );
        let bad = analyzed("FROM node:20\nCOPY . .\nCMD [\"node\", \"a.js\"]\n", &app("{"));
        assert!(bad.unwrap_err().starts_with("package.json does not parse as JSON: "));
    }

    #[test]
    fn the_split_and_the_install() {
        let df = format!("{NPM}RUN npm run build\nRUN mkdir /data\nEXPOSE 80\nCMD [\"npm\", \"start\"]\n");
        read(&df, &ts_app(), |input, r| {
            assert_eq!(split_point(input, &r.steps), Ok(5));
            assert_eq!(require_install(&r.pkg, &r.steps), Ok(()));
            assert_eq!(build_commands(&r.pkg, &r.steps), vec![words("tsc")]);
        });
        let df = "FROM node:20\nWORKDIR /app\nCOPY . .\nCMD [\"node\", \"a.js\"]\n";
        assert_eq!(
            analyzed(df, &ts_app()).unwrap_err(),
            "no npm/yarn/pnpm/bun install step found; node_modules would come from the build context"
        );
        with_input("FROM node:20\nCMD [\"node\", \"a.js\"]\n", &ts_app(), |input| {
            assert!(split_point(input, &Steps::default()).is_err());
        });
    }

    #[test]
    fn build_outputs_of_no_build_are_empty() {
        read(&format!("{NPM}CMD [\"node\", \"a.js\"]\n"), &ts_app(), |input, r| {
            assert_eq!(outputs_of(input, tpl(), &r.pkg, &[]), Some(vec![]));
            assert_eq!(outputs_of(input, tpl(), &r.pkg, &[words("tsc")]), Some(words("dist")));
        });
    }

    #[test]
    fn plug_n_play_is_refused() {
        let berry =
            app(r#"{"packageManager": "yarn@4.1.0", "dependencies": {"a": "1"}}"#).with("yarn.lock", "__metadata:\n");
        let df = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN yarn install --immutable\nCMD [\"node\", \"a.js\"]\n";
        assert_eq!(
            analyzed(df, &berry).unwrap_err(),
            "yarn Plug'n'Play installs no node_modules; set `nodeLinker: node-modules` in .yarnrc.yml"
        );
        let linked = berry
            .with(".yarnrc.yml", "nodeLinker: node-modules\n")
            .with("a.js", "")
            .with(".yarn/cache/a.zip", "");
        let p = analyzed(df, &linked).expect("a program");
        assert_eq!(p.build_only, ["/app/.yarn/cache"]);
        read(df, &linked, |input, r| {
            assert_eq!(refuse_pnp(input, &r.pkg, Pm::Berry, &r.steps), Ok(()));
            assert_eq!(
                yarn_cache(input, &r.pkg, Pm::Berry, 3).as_deref(),
                Some("/app/.yarn/cache")
            );
            assert_eq!(yarn_cache(input, &r.pkg, Pm::Yarn, 3), None);
        });
    }

    #[test]
    fn startup_work_is_refused() {
        let ctx =
            app(r#"{"scripts": {"start": "prisma migrate deploy && node a.js"}, "dependencies": {"prisma": "5"}}"#);
        let df = format!("{NPM}CMD [\"npm\", \"start\"]\n");
        read(&df, &ctx, |_, r| {
            let err = refuse_startup_work(tpl(), &r.run, &r.pkg).unwrap_err().to_string();
            assert!(
                err.starts_with("the start command runs database migrations at start-up"),
                "{err}"
            );
        });
    }

    /// Whether the file `start_lines` runs is accepted as produced.
    fn produced(df: &str, ctx: &MemContext) -> Result<(), String> {
        read(df, ctx, |input, r| {
            let start = start::analyze_start(input, &r.run, &r.pkg.scripts, &r.pkg.dir).expect("a start");
            let cmds = build_commands(&r.pkg, &r.steps);
            let outputs = outputs_of(input, tpl(), &r.pkg, &cmds);
            let split = split_point(input, &r.steps).expect("a split");
            start_file_produced(input, &r.run, &start, &outputs, !cmds.is_empty(), split).map_err(|e| e.to_string())
        })
    }

    #[test]
    fn the_start_file_must_come_from_somewhere() {
        let df = format!("{NPM}CMD [\"node\", \"dist/main.js\"]\n");
        assert_eq!(
            produced(&df, &ts_app()),
            Err(
                "the start command runs dist/main.js, which neither the build context nor a build step provides".into()
            )
        );
        assert_eq!(
            produced(
                &format!("{NPM}RUN npm run build\nCMD [\"node\", \"dist/main.js\"]\n"),
                &ts_app()
            ),
            Ok(())
        );
        let shipped = ts_app().with("dist/main.js", "");
        assert_eq!(produced(&df, &shipped), Ok(()));
        assert!(produced(&df, &shipped.clone().with(".dockerignore", "dist\n")).is_err());
        let written = "FROM node:20\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci && touch dist/main.js\nCOPY . .\nCMD [\"node\", \"dist/main.js\"]\n";
        assert_eq!(produced(written, &ts_app()), Ok(()));
        assert_eq!(
            produced(&format!("{NPM}CMD [\"node\", \"server\"]\n"), &ts_app()),
            Ok(())
        );
        assert!(
            node_resolvable(".")
                && node_resolvable("server")
                && !node_resolvable("server.js")
                && !node_resolvable("lib/x")
        );
    }

    #[test]
    fn runtimes_follow_the_builder_tag() {
        let image = |from: &str| {
            let df = format!(
                "{}\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD [\"node\", \"a.js\"]\n",
                from
            );
            let p = analyzed(&df, &ts_app().with("a.js", "")).expect("a program");
            let (kind, img) = p.runtimes.images.first().cloned().expect("an image");
            (kind, img.image)
        };
        assert_eq!(image("FROM node:20"), (RuntimeKind::DebianSlim, "node:20-slim".into()));
        assert_eq!(
            image("FROM node:22-bookworm"),
            (RuntimeKind::DebianSlim, "node:22-bookworm-slim".into())
        );
        assert_eq!(
            image("FROM node:20-alpine3.20"),
            (RuntimeKind::Alpine, "node:20-alpine3.20".into())
        );
        assert_eq!(
            image("ARG NODE_VERSION=20\nFROM node:${NODE_VERSION}-alpine"),
            (RuntimeKind::Alpine, "node:${NODE_VERSION}-alpine".into())
        );
    }

    #[test]
    fn builder_repo_keeps_the_version_arg() {
        let df = "ARG V=20.11.1\nFROM registry.example/node:${V}-slim\nCMD [\"node\", \"a.js\"]\n";
        with_input(df, &MemContext::new(), |input| {
            let mut tag = NodeTag::parse(input.model.image.tag(), input, tpl()).expect("a tag");
            assert_eq!(builder_repo(input, &mut tag), "registry.example/node");
            assert_eq!(tag.version, "${V}");
        });
    }

    #[test]
    fn requested_runtimes_are_checked() {
        let df = format!("{NPM}CMD [\"node\", \"a.js\"]\n");
        let ctx = ts_app().with("a.js", "");
        let asked = |k| analyzed_as(&df, &ctx, Some(k), None);
        assert_eq!(
            asked(RuntimeKind::Scratch).unwrap_err(),
            "runtime scratch was asked for, but a Node.js app needs a node runtime"
        );
        assert_eq!(
            asked(RuntimeKind::Alpine).unwrap_err(),
            "runtime alpine was asked for, but the builder node:20 is glibc-based: native modules built there break on another libc"
        );
        let p = asked(RuntimeKind::Distroless).expect("distroless");
        assert_eq!(
            p.runtimes.get(RuntimeKind::Distroless).expect("distroless").image,
            "gcr.io/distroless/nodejs20-debian12:latest"
        );
        assert_eq!(p.replace_commands, vec![(5, words("a.js"))]);
        let old = df.replace("node:20", "node:18");
        assert_eq!(
            analyzed_as(&old, &ctx, Some(RuntimeKind::Distroless), None).unwrap_err(),
            "there is no distroless Node.js image for Node 18 on Debian 12"
        );
        let npm = df.replace("[\"node\", \"a.js\"]", "[\"npm\", \"run\", \"dev\"]");
        let dev = ts_app().with("package.json", r#"{"scripts": {"dev": "tsx src/main.ts"}}"#);
        assert_eq!(
            analyzed_as(&npm, &dev, Some(RuntimeKind::Distroless), None).unwrap_err(),
            "runtime distroless was asked for, but the start command needs more than node"
        );
        // Without asking, distroless is never picked.
        assert!(
            analyzed(&df, &ctx)
                .expect("a program")
                .runtimes
                .get(RuntimeKind::Distroless)
                .is_none()
        );
        assert!(
            analyzed(
                "FROM debian:12\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD [\"node\", \"a.js\"]\n",
                &ctx
            )
            .unwrap_err()
            .contains("is not a node image")
        );
    }

    #[test]
    fn notes_packages_and_own_programs() {
        with_input("FROM node:lts@sha256:abc\n", &MemContext::new(), |input| {
            let tag = NodeTag::parse("lts", input, tpl()).expect("a tag");
            assert_eq!(
                tag_notes(input, &tag),
                [
                    "the runtime follows the builder's floating tag `lts`; pin a major version",
                    "the builder's digest does not apply to the runtime image: pin one"
                ]
            );
        });
        let ctx = app(r#"{"dependencies": {"@prisma/client": "5", "next": "14"}}"#);
        read(
            "FROM node:20\nCOPY . .\nRUN npm ci\nCMD [\"npx\", \"next\", \"start\"]\n",
            &ctx,
            |input, r| {
                assert_eq!(
                    native_packages(tpl(), &r.pkg, "glibc"),
                    words("openssl ca-certificates")
                );
                assert_eq!(native_packages(tpl(), &r.pkg, "musl"), words("openssl"));
                let start = start::analyze_start(input, &r.run, &r.pkg.scripts, &r.pkg.dir).expect("a start");
                let own = own_programs(tpl(), &r.pkg, &start);
                assert!(
                    own.contains(&"next".to_string())
                        && own.contains(&"node".to_string())
                        && own.contains(&"npm".to_string())
                );
            },
        );
    }

    #[test]
    fn a_kept_manager_is_set_up_in_the_runtime() {
        let ctx =
            app(r#"{"scripts": {"start": "next start"}, "dependencies": {"next": "14"}}"#).with("pnpm-lock.yaml", "");
        let df = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN corepack enable && corepack prepare pnpm@9.1.0 --activate\nRUN pnpm install\nCMD [\"pnpm\", \"start\"]\n";
        let p = analyzed(df, &ctx).expect("a program");
        assert_eq!(
            p.runtime_lines,
            ["RUN corepack enable && corepack prepare pnpm@9.1.0 --activate"]
        );
        assert!(p.artifacts.contains(&Carry::same("/root/.cache/node/corepack")));
        let bare =
            "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm i -g pnpm && pnpm install\nCMD [\"pnpm\", \"start\"]\n";
        assert_eq!(
            analyzed(bare, &ctx).expect("a program").runtime_lines,
            ["RUN npm i -g pnpm"]
        );
        // A shell-form start command whose later command runs the manager.
        let waits =
            "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm i -g pnpm && pnpm install\nCMD ./wait.sh && pnpm start\n";
        assert_eq!(
            analyzed(waits, &ctx).expect("a program").runtime_lines,
            ["RUN npm i -g pnpm"]
        );
        let missing = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD [\"pnpm\", \"start\"]\n";
        assert_eq!(
            analyzed(missing, &ctx).unwrap_err(),
            "the start command runs pnpm, which the runtime image lacks and the Dockerfile does not install"
        );
    }

    #[test]
    fn kept_programs_and_their_setups() {
        let start = Start {
            keeps_pm: Some("yarn".into()),
            programs: words("next"),
            ..Start::default()
        };
        let (pkg, steps) = (
            Package {
                dir: String::new(),
                app: "/app".into(),
                json: Value::Null,
                scripts: BTreeMap::new(),
                deps: words("next"),
                dev_deps: Vec::new(),
            },
            Steps {
                setups: vec![("corepack enable".into(), words("pnpm yarn"))],
                ..Steps::default()
            },
        );
        let app = App {
            pkg: &pkg,
            steps: &steps,
            start: &start,
            pm: Pm::Berry,
        };
        assert_eq!(kept_programs(&app), words("yarn next yarn"));
        assert_eq!(
            setups_for(tpl(), &app, &kept_programs(&app)),
            Ok(vec!["corepack enable".to_string()])
        );
        // npm and yarn 1 come with the node images.
        assert_eq!(setups_for(tpl(), &app, &words("npm node")), Ok(vec![]));
    }

    #[test]
    fn devdependencies_are_pruned_unless_needed() {
        let df = format!("{NPM}RUN npm run build\nCMD [\"node\", \"dist/main.js\"]\n");
        let p = analyzed_as(&df, &ts_app(), None, Some(false)).expect("a program");
        assert!(p.builder_tail.is_empty());
        assert!(
            p.notes
                .contains(&"devDependencies kept (config: prune = false)".to_string())
        );
        let dev = format!("{NPM}CMD [\"npx\", \"tsx\", \"src/main.ts\"]\n");
        let p = analyzed(&dev, &ts_app()).expect("a program");
        assert!(p.builder_tail.is_empty());
        assert!(
            p.notes
                .contains(&"devDependencies kept: the start command runs tsx from the devDependency tsx".to_string())
        );
        assert!(
            p.notes
                .contains(&"tsx is a development tool: consider building ahead of time".to_string())
        );
        let prod = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci --omit=dev\nCMD [\"node\", \"dist/main.js\"]\n";
        let p = analyzed(prod, &ts_app().with("dist/main.js", "")).expect("a program");
        assert!(
            p.builder_tail.is_empty()
                && p.notes
                    .contains(&"the install already leaves devDependencies out".to_string())
        );
        let old = df.replace("node:20", "node:14");
        assert_eq!(
            analyzed(&old, &ts_app()).expect("a program").builder_tail,
            ["RUN npm prune --production"]
        );
    }

    #[test]
    fn start_commands_for_distroless() {
        let ctx = ts_app().with("a.js", "");
        let ep = format!("{NPM}ENTRYPOINT [\"node\", \"a.js\"]\n");
        let p = analyzed_as(&ep, &ctx, Some(RuntimeKind::Distroless), None).expect("a program");
        assert_eq!(p.replace_commands, vec![(5, words("/nodejs/bin/node a.js"))]);
        let both = format!("{NPM}ENTRYPOINT [\"node\"]\nCMD [\"a.js\"]\n");
        assert_eq!(
            analyzed_as(&both, &ctx, Some(RuntimeKind::Distroless), None).unwrap_err(),
            "ENTRYPOINT with CMD arguments cannot be carried to distroless"
        );
        // docker-entrypoint.sh alone: the rewrite goes to CMD.
        let entry =
            format!("{NPM}RUN npm run build\nENTRYPOINT [\"docker-entrypoint.sh\"]\nCMD [\"npm\", \"start\"]\n");
        assert_eq!(
            analyzed(&entry, &ts_app()).expect("a program").replace_commands,
            vec![(7, words("node dist/main.js"))]
        );
    }

    #[test]
    fn sources_keys_and_package_json_lookup() {
        let ctx = ts_app()
            .with("src/a.test.ts", "")
            .with("src/types.d.ts", "")
            .with("lib/b.mjs", "")
            .with("spec/c.js", "");
        with_input("FROM node:20\nWORKDIR /app\nCOPY . .\n", &ctx, |input| {
            let mut src = sources(input, "");
            src.sort();
            assert_eq!(src, words("lib/b.mjs src/main.ts"));
            assert_eq!(
                find_package_json(input, "/app"),
                Some(("package.json".into(), "/app/package.json".into()))
            );
            assert_eq!(
                find_package_json(input, "/elsewhere"),
                Some(("package.json".into(), "/app/package.json".into()))
            );
        });
        let json: Value = serde_json::from_str(r#"{"dependencies": {"b": "1", "a": "2"}}"#).expect("json");
        let mut deps = keys(&json, "dependencies");
        deps.sort();
        assert_eq!(deps, words("a b"));
        assert!(keys(&json, "devDependencies").is_empty());
    }

    #[test]
    fn requested_families_and_tables_read_directly() {
        let tag = |t: &str| {
            with_input("FROM node:20\n", &MemContext::new(), |input| {
                NodeTag::parse(t, input, tpl()).expect("a tag")
            })
        };
        let node = Start {
            node_args: Some(words("a.js")),
            ..Start::default()
        };
        with_input("FROM node:20-alpine\n", &MemContext::new(), |input| {
            let asked = |k| Input {
                runtime: Some(k),
                base: input.base.clone(),
                ..*input
            };
            assert!(check_requested(input, "musl").is_ok());
            assert!(check_requested(&asked(RuntimeKind::Alpine), "musl").is_ok());
            assert!(check_requested(&asked(RuntimeKind::DebianSlim), "musl").is_err());
            assert!(check_requested(&asked(RuntimeKind::Distroless), "glibc").is_ok());
            let t = runtime_table(input, tpl(), &tag("20"), &node, "glibc").expect("a table");
            assert!(t.get(RuntimeKind::Distroless).is_none() && t.get(RuntimeKind::DebianSlim).is_some());
            let t = runtime_table(&asked(RuntimeKind::Distroless), tpl(), &tag("20"), &node, "glibc").expect("a table");
            assert!(t.get(RuntimeKind::Distroless).is_some());
            assert!(runtime_table(&asked(RuntimeKind::Distroless), tpl(), &tag("lts"), &node, "glibc").is_err());
            assert!(runtime_table(input, tpl(), &tag("20"), &node, "bionic").is_err());
        });
    }

    #[test]
    fn keep_manager_and_start_command_read_directly() {
        let ctx = app(r#"{"scripts": {"start": "next start"}, "dependencies": {"next": "14"}}"#);
        let df =
            "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm i -g pnpm@9 && pnpm install\nCMD [\"pnpm\", \"start\"]\n";
        read(df, &ctx, |input, r| {
            let start = start::analyze_start(input, &r.run, &r.pkg.scripts, &r.pkg.dir).expect("a start");
            let rt = runtimes(input, tpl(), NodeTag::parse("20", input, tpl()).expect("a tag"), &start)
                .expect("runtimes")
                .1;
            let mut p = Program::new(Language::Node, 3, String::new(), rt);
            let a = App {
                pkg: &r.pkg,
                steps: &r.steps,
                start: &start,
                pm: Pm::Pnpm,
            };
            keep_manager(input, tpl(), &a, &mut p).expect("kept");
            assert_eq!(p.runtime_lines, ["RUN npm i -g pnpm@9"]);
            assert_eq!(
                p.notes,
                ["`npm i -g pnpm@9` repeated in the runtime stage for the start command"]
            );
            assert!(p.artifacts.is_empty());
            // Kept as is: nothing to replace.
            start_command(input, tpl(), &r.run, &start, &mut p).expect("a start command");
            assert!(p.replace_commands.is_empty());
        });
        let rewrite = Start {
            rewrite: Some(words("node a.js")),
            ..Start::default()
        };
        read(
            "FROM node:20\nCOPY . .\nCMD [\"npm\", \"start\"]\n",
            &ctx,
            |input, r| {
                let rt = Runtimes {
                    default: RuntimeKind::DebianSlim,
                    images: Vec::new(),
                };
                let mut p = Program::new(Language::Node, 1, String::new(), rt);
                start_command(input, tpl(), &r.run, &rewrite, &mut p).expect("a start command");
                assert_eq!(p.replace_commands, vec![(2, words("node a.js"))]);
            },
        );
    }
}
