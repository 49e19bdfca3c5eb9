//! Node.js: a Node app has no single binary, so the runtime stage carries the application
//! directory as the build left it (after devDependencies are pruned) and a Node runtime of the
//! same version on the builder's libc. [`analyze`] runs the passes in order: package.json, the
//! RUN steps ([`steps`]), the package manager ([`pm`]), the build and its outputs ([`build`]),
//! the start command ([`start`]) with its refusals (work done at start-up, a start file nothing
//! produces), the runtime images ([`tag`]), the native packages the dependencies need, the
//! package manager the start command keeps, and the prune.

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
use crate::template::RuntimeKind;
pub use crate::template::node::Template;
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
    if !steps.installed && !pkg.deps.is_empty() {
        return Err(Skip::Unsupported(
            "no npm/yarn/pnpm/bun install step found; node_modules would come from the build context".into(),
        ));
    }
    let (pm, pm_why) = pm::package_manager(input, tpl, &pkg.json, &pkg.dir, &steps);
    refuse_pnp(input, &pkg, pm, &steps)?;
    let mut build_cmds: Vec<Vec<String>> = steps.direct_tools.clone();
    for s in &steps.scripts {
        pm::collect_script_commands(&pkg.scripts, s, &mut build_cmds, 0);
    }
    let outputs = if build_cmds.is_empty() {
        Some(Vec::new())
    } else {
        build::build_outputs(input, tpl, &pkg.dir, &build_cmds)
    };
    let start = start::analyze_start(input, &run, &pkg.scripts, &pkg.dir)?;
    if let Some(why) = start::startup_work(tpl, &start::start_commands(&run, &pkg.scripts)) {
        return Err(Skip::Unsupported(format!("the start command {why}")));
    }
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
    p.own = own_programs(tpl, &run, &pkg, &start);
    let app = App {
        pkg: &pkg,
        steps: &steps,
        start: &start,
        pm,
    };
    keep_manager(input, tpl, &app, &mut p)?;
    prune(input, tpl, &app, &tag, &mut p);
    start_command(input, tpl, &run, &start, &mut p)?;
    // A yarn cache committed to the repository only feeds the install.
    let cache = crate::context::join(&pkg.dir, ".yarn/cache");
    if pm == Pm::Berry && crate::runtime::files::copied_from_context(input, &cache, split) {
        p.build_only.push(absolute(&pkg.app, ".yarn/cache"));
    }
    Ok(p)
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
    let (df, model) = (input.df, input.model);
    let base_image = &model.image;
    if !tpl.images.contains(&base_image.name) {
        return Err(Skip::Unsupported(format!(
            "the builder image {} is not a node image; dockslim picks Node.js runtimes from node images only",
            base_image.full
        )));
    }
    // `FROM node:${NODE_VERSION}-alpine`: the runtime uses the same global ARG, so a
    // `--build-arg` moves both stages together (native modules need the same Node ABI).
    let mut repo = base_image.repo.clone();
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
            repo = raw.repo.clone();
        }
    }
    let base = &input.base;
    let libc = if base.musl || tag.alpine.is_some() {
        "musl"
    } else {
        "glibc"
    };
    if let Some(r) = input.runtime {
        let ok = match libc {
            "musl" => r == RuntimeKind::Alpine,
            _ => matches!(r, RuntimeKind::DebianSlim | RuntimeKind::Distroless),
        };
        if r == RuntimeKind::Scratch {
            return Err(Skip::Unsupported(
                "runtime scratch was asked for, but a Node.js app needs a node runtime".into(),
            ));
        }
        if !ok {
            return Err(Skip::Unsupported(format!(
                "runtime {r} was asked for, but the builder {} is {libc}-based: native modules built there break on another libc",
                base_image.full
            )));
        }
    }
    let mut table = tpl
        .runtimes
        .get(libc)
        .cloned()
        .ok_or_else(|| Skip::Unsupported(format!("templates/node.toml has no runtimes.{libc} table")))?;
    let distroless_ok = tag
        .major
        .as_ref()
        .is_some_and(|m| tpl.distroless_majors.get(&tag.debian).is_some_and(|v| v.contains(m)));
    if input.runtime == Some(RuntimeKind::Distroless) {
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
    } else {
        // Distroless only when asked for: the default keeps a shell and a package manager.
        table.remove(RuntimeKind::Distroless);
    }
    let lookup = |n: &str| {
        tpl.runtime_images
            .get(n)
            .or_else(|| input.common.images.get(n))
            .cloned()
    };
    let rt = Runtimes::from_table(&table, lookup, |p| tag.fill(p, &repo))?;
    Ok((libc, rt, tag))
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
fn own_programs(tpl: &Template, run: &RunCommand, pkg: &Package, start: &Start) -> Vec<String> {
    let mut own: Vec<String> = tpl.image_programs.clone();
    own.extend(tpl.runtime_managers.iter().cloned());
    own.push(tpl.distroless_node.clone());
    for p in &start.programs {
        let package = start::package_of(tpl, p);
        if pkg.deps.contains(&package) || pkg.dev_deps.contains(&package) {
            own.push(p.clone());
        }
    }
    let _ = run;
    own
}

/// The package manager (or global tool) the start command keeps must exist in the runtime:
/// the node images hold npm, yarn 1 and corepack; anything else is set up there the way the
/// builder set it up, and corepack's cache comes along.
fn keep_manager(input: &Input<'_, '_>, tpl: &Template, app: &App<'_>, p: &mut Program) -> Result<(), Skip> {
    let (steps, pkg, start, pm) = (app.steps, app.pkg, app.start, app.pm);
    let mut needed: Vec<String> = start.keeps_pm.iter().cloned().collect();
    if start.rewrite.is_none() || start.keeps_pm.is_some() {
        needed.extend(start.programs.iter().cloned());
    }
    if start.keeps_pm.is_some() && pm == Pm::Berry {
        needed.push("yarn".into());
    }
    let mut setups: Vec<String> = Vec::new();
    for prog in &needed {
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
        match found.first() {
            Some(_) => {}
            None if tpl.runtime_managers.contains(prog) => {}
            None if Pm::from_name(prog).is_some() => {
                return Err(Skip::Unsupported(format!(
                    "the start command runs {prog}, which the runtime image lacks and the Dockerfile does not install"
                )));
            }
            None => {}
        }
    }
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
