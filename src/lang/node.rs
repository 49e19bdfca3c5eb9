//! Node.js: a Node app has no single binary, so the runtime stage carries the app itself, its
//! production dependencies and a Node runtime on the builder's libc.
//!
//! The module reads package.json (package manager, scripts, dependencies), finds the install
//! and build steps the Dockerfile runs, and decides:
//! - what to carry: the build output (`dist/`, `.next/`..., or a Next.js standalone server)
//!   plus package.json, node_modules and what the start command reads; with no build step,
//!   the app files the Dockerfile copied in, minus what only development uses;
//! - whether to prune devDependencies in the builder (never when the start command runs one);
//! - whether `npm start` & co. can become `node <file>` (a script that is a plain node
//!   command), so the runtime needs no package manager and signals reach node;
//! - the runtime image: `node:<version>-slim` of the same Debian release, the same alpine tag,
//!   or distroless nodejs when asked for and published for that major.
//!
//! All names, commands and images come from `templates/node.toml`.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use super::{Input, dockerignored, run_command};
use crate::Skip;
use crate::detect::{Language, absolute, glob_match, run_commands};
use crate::parse::Instruction;
use crate::plan::{self, Carry, Spec};
use crate::shell::{self, Word};
use crate::template::{BaseFacts, LinkRuntimes, RuntimeKind};

/// `templates/node.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Template {
    /// Builder image names (last path element) that mean Node.js.
    pub images: Vec<String>,
    /// The builder image's own WORKDIR.
    pub default_workdir: String,
    /// Lockfiles and the package manager each means, in order of precedence.
    pub lockfiles: Vec<Lockfile>,
    /// Prune commands.
    pub prune: Prune,
    /// Install flags that leave devDependencies out.
    pub prod_install_flags: Vec<String>,
    /// Package managers the node runtime images hold.
    pub runtime_managers: Vec<String>,
    /// Programs the node runtime images hold besides the package managers.
    pub image_programs: Vec<String>,
    /// Program name → package that provides it, when they differ.
    pub bin_packages: BTreeMap<String, String>,
    /// Development tools: their presence in a start command is worth a note.
    pub dev_tools: Vec<String>,
    /// Build tools and where they write.
    pub build_tools: BTreeMap<String, BuildTool>,
    /// Flags naming a build's output directory or file.
    pub out_flags: Vec<String>,
    /// Next.js config files.
    pub next_configs: Vec<String>,
    /// Context files a start tool reads at run time.
    pub tool_files: BTreeMap<String, Vec<String>>,
    /// Context directories a built app still reads at run time.
    pub runtime_dirs: Vec<String>,
    /// Context file patterns a built app still reads at run time.
    pub runtime_files: Vec<String>,
    /// Context entries (name patterns) that only development uses.
    pub dev_only: Vec<String>,
    /// Programs whose RUN steps belong to the build (the split comes after the last one).
    pub build_programs: Vec<String>,
    /// System package installers (`apt-get`, `apk`).
    pub package_installers: Vec<String>,
    /// System packages only a build needs.
    pub build_packages: Vec<String>,
    /// ENV names that only matter to the build.
    pub build_env: Vec<String>,
    /// Runtime images by libc: `glibc`, `musl`.
    pub runtimes: BTreeMap<String, LinkRuntimes>,
    /// The Debian version of a node tag that names no release.
    pub default_debian: String,
    /// Debian version → Node majors with a distroless image.
    pub distroless_majors: BTreeMap<String, Vec<String>>,
    /// The node binary in the distroless images.
    pub distroless_node: String,
    /// LTS code name → major.
    pub lts_names: BTreeMap<String, String>,
    /// Program → runtime family → the command that installs it there.
    pub runtime_installs: BTreeMap<String, BTreeMap<String, String>>,
}

/// A lockfile and the package manager it means.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lockfile {
    /// File name at the package root.
    pub file: String,
    /// `npm`, `yarn`, `pnpm` or `bun`.
    pub pm: String,
}

/// Commands that drop devDependencies from node_modules.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Prune {
    /// npm 7 and later.
    pub npm: String,
    /// npm 6.
    pub npm_legacy: String,
    /// The first Node major whose npm knows `--omit=dev`.
    pub npm_omit_since: u32,
    /// pnpm.
    pub pnpm: String,
    /// yarn 1 with a yarn.lock.
    pub yarn: String,
    /// yarn 1 without a yarn.lock.
    pub yarn_nolock: String,
    /// yarn 2 and later.
    pub berry: String,
    /// bun.
    pub bun: String,
}

/// Where a build tool writes.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BuildTool {
    /// Default output directory (empty: next to the sources).
    pub out: String,
    /// Config files that may name another directory.
    #[serde(default)]
    pub configs: Vec<String>,
    /// The config key naming it.
    #[serde(default)]
    pub key: Option<String>,
    /// The config key naming the directory the output path is relative to (vite's `root`).
    #[serde(default)]
    pub root_key: Option<String>,
}

/// A package manager.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pm {
    Npm,
    Pnpm,
    /// yarn 1 (classic).
    Yarn,
    /// yarn 2 and later.
    Berry,
    Bun,
}

impl Pm {
    fn from_name(name: &str) -> Option<Pm> {
        match name {
            "npm" | "npx" => Some(Pm::Npm),
            "pnpm" | "pnpx" => Some(Pm::Pnpm),
            "yarn" | "yarnpkg" => Some(Pm::Yarn),
            "bun" | "bunx" => Some(Pm::Bun),
            _ => None,
        }
    }

    /// The program name.
    fn program(self) -> &'static str {
        match self {
            Pm::Npm => "npm",
            Pm::Pnpm => "pnpm",
            Pm::Yarn | Pm::Berry => "yarn",
            Pm::Bun => "bun",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Pm::Berry => "yarn berry",
            Pm::Yarn => "yarn 1",
            other => other.program(),
        }
    }
}

/// What the RUN steps do.
#[derive(Debug, Default)]
struct Steps {
    /// The package manager the first install used.
    install_pm: Option<Pm>,
    /// An install left devDependencies out.
    prod_install: bool,
    /// Any dependency install ran.
    installed: bool,
    /// Scripts run by name (`npm run build`).
    scripts: Vec<String>,
    /// Build tools run directly (`npx tsc`, `next build`), with their arguments.
    direct_tools: Vec<Vec<String>>,
    /// Source text of commands that install a package manager or global tool, with the
    /// packages or managers they provide.
    setups: Vec<(String, Vec<String>)>,
    /// Source text of RUN instructions installing system packages a runtime may need.
    system: Vec<(usize, String, Vec<String>)>,
    /// The last RUN that belongs to the build.
    last_build_run: Option<usize>,
}

/// How the container starts.
#[derive(Debug, Default)]
struct Start {
    /// The words to put in CMD/ENTRYPOINT instead (before the distroless adjustment).
    rewrite: Option<Vec<String>>,
    /// The node arguments that run the app (script file first non-flag), if known.
    node_args: Option<Vec<String>>,
    /// The package manager the start command keeps, if any.
    keeps_pm: Option<String>,
    /// Programs the start command (and its scripts) run.
    programs: Vec<String>,
    /// Modules loaded with `-r`/`--import`/`--loader`.
    preloads: Vec<String>,
    /// Every word of the start command and the scripts it runs (files it may name).
    named: Vec<String>,
    /// The ENTRYPOINT is docker-entrypoint.sh alone: CMD holds the whole command.
    entrypoint_only: bool,
    /// Remarks.
    notes: Vec<String>,
}

/// Analyses a Node.js Dockerfile.
pub fn analyze(input: &Input<'_, '_>, tpl: &Template) -> Result<Spec, Skip> {
    let (df, facts, ctx) = (input.df, input.facts, input.ctx);
    let n = df.instructions.len();
    let Some(run) = run_command(df, facts) else {
        return Err(Skip::Unsupported("no CMD or ENTRYPOINT starts the app".into()));
    };

    // package.json: the one that lands in the start command's WORKDIR, else the root one.
    let start_dir = facts.state(run.index).workdir.clone();
    let (pkg_rel, pkg_path) = find_package_json(input, &start_dir)
        .ok_or_else(|| Skip::Unsupported("no package.json from the build context is copied into the image".into()))?;
    let pkg_text = ctx.read(&pkg_rel).unwrap_or_default();
    let pkg: Value = serde_json::from_str(&pkg_text)
        .map_err(|e| Skip::Unsupported(format!("{pkg_rel} does not parse as JSON: {e}")))?;
    let ctx_dir = pkg_rel
        .strip_suffix("package.json")
        .unwrap_or("")
        .trim_end_matches('/')
        .to_string();
    let app = pkg_path
        .rsplit_once('/')
        .map_or("/".to_string(), |(d, _)| absolute("/", d));
    let rel = |name: &str| crate::context::join(&ctx_dir, name);
    let in_app = |name: &str| absolute(&app, name);

    let scripts: BTreeMap<String, String> = pkg
        .get("scripts")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
                .collect()
        })
        .unwrap_or_default();
    let dev_deps: Vec<String> = keys(&pkg, "devDependencies");
    let deps: Vec<String> = keys(&pkg, "dependencies");

    // Steps and the split point.
    let steps = scan_runs(input, tpl);
    let last_copy = facts.copies.iter().map(|c| c.index).filter(|&i| i < n).max();
    let Some(split) = [last_copy, steps.last_build_run].into_iter().flatten().max() else {
        return Err(Skip::Unsupported("nothing is copied into the image or built".into()));
    };
    if !steps.installed && !deps.is_empty() {
        return Err(Skip::Unsupported(
            "no npm/yarn/pnpm/bun install step found; node_modules would come from the build context".into(),
        ));
    }

    // Package manager: packageManager, then the lockfile, then what the Dockerfile runs.
    let (pm, pm_why) = package_manager(input, tpl, &pkg, &ctx_dir, &steps);

    if pm == Pm::Berry && steps.installed {
        let linker = ctx
            .read(&rel(".yarnrc.yml"))
            .and_then(|t| yaml_value(&t, "nodeLinker"))
            .unwrap_or_else(|| "pnp".into());
        if linker == "pnp" {
            return Err(Skip::Unsupported(
                "yarn Plug'n'Play installs no node_modules; set `nodeLinker: node-modules` in .yarnrc.yml".into(),
            ));
        }
    }

    // The build: scripts run by name plus tools run directly.
    let mut build_cmds: Vec<Vec<String>> = steps.direct_tools.clone();
    for s in &steps.scripts {
        collect_script_commands(&scripts, s, &mut build_cmds, 0);
    }
    let built = !build_cmds.is_empty();
    let next_standalone = built
        && build_cmds
            .iter()
            .any(|c| c.first().is_some_and(|p| p == "next") && c.get(1).is_some_and(|a| a == "build"))
        && tpl.next_configs.iter().any(|f| {
            ctx.read(&rel(f))
                .is_some_and(|t| config_string(&t, "output").as_deref() == Some("standalone"))
        });
    let roots = build_roots(input, tpl, &ctx_dir, &build_cmds);
    let outputs: Option<Vec<String>> = if built {
        build_outputs(input, tpl, &ctx_dir, &build_cmds)
    } else {
        Some(Vec::new())
    };

    // The start command.
    let base_image = &facts.image;
    let mut start = analyze_start(input, &run, &scripts, &ctx_dir)?;
    if next_standalone {
        let mut words = vec!["node".to_string(), "server.js".to_string()];
        start.keeps_pm = None;
        start.notes.clear();
        start
            .notes
            .push("Next.js `output: 'standalone'`: CMD runs its server.js".into());
        words.truncate(2);
        start.rewrite = Some(words.clone());
        start.node_args = Some(vec!["server.js".into()]);
        start.programs = vec!["node".into()];
    }

    // devDependencies the start command needs.
    let dev_needed: Option<(String, String)> = start
        .programs
        .iter()
        .chain(start.preloads.iter())
        .filter_map(|p| {
            let pkg_name = package_of(tpl, p);
            dev_deps.contains(&pkg_name).then(|| (p.clone(), pkg_name))
        })
        .next();

    // Runtime image.
    if !tpl.images.contains(&base_image.name) {
        return Err(Skip::Unsupported(format!(
            "the builder image {} is not a node image; dockslim picks Node.js runtimes from node images only",
            base_image.full
        )));
    }
    let mut tag = NodeTag::parse(base_image.tag(), input, tpl).map_err(Skip::Unsupported)?;
    // `FROM node:${NODE_VERSION}-alpine`: the runtime uses the same global ARG, so a
    // `--build-arg` moves both stages together (native modules need the same Node ABI).
    let mut repo = base_image.repo.clone();
    if let Some(Instruction::From(f)) = df.instructions.get(facts.from)
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
    let base = input.common.base_facts(base_image);
    let libc = if base.musl || tag.alpine.is_some() {
        "musl"
    } else {
        "glibc"
    };
    if input.runtime == Some(RuntimeKind::Scratch) {
        return Err(Skip::Unsupported(
            "runtime scratch was asked for, but a Node.js app needs a node runtime".into(),
        ));
    }
    if let Some(r) = input.runtime {
        let ok = match libc {
            "musl" => r == RuntimeKind::Alpine,
            _ => matches!(r, RuntimeKind::DebianSlim | RuntimeKind::Distroless),
        };
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
    let filled = |p: &str| tag.fill(p, &repo);
    for img in [
        &mut table.distroless,
        &mut table.alpine,
        &mut table.debian_slim,
        &mut table.scratch,
    ]
    .into_iter()
    .flatten()
    {
        img.image = filled(&img.image);
    }
    let debian = tag.debian.clone();
    let distroless_ok = tag
        .major
        .as_ref()
        .is_some_and(|m| tpl.distroless_majors.get(&debian).is_some_and(|v| v.contains(m)));
    if input.runtime == Some(RuntimeKind::Distroless) && !distroless_ok {
        return Err(Skip::Unsupported(format!(
            "there is no distroless Node.js image for Node {} on Debian {debian}",
            tag.major.as_deref().unwrap_or(&tag.version)
        )));
    }
    if !distroless_ok {
        table.distroless = None;
    }
    let distroless_wanted = input.runtime == Some(RuntimeKind::Distroless);
    if distroless_wanted && (start.keeps_pm.is_some() || start.node_args.is_none()) {
        return Err(Skip::Unsupported(format!(
            "runtime distroless was asked for, but the start command `{}` needs more than node",
            run.words.join(" ")
        )));
    }
    let needs = plan::needs(df, facts, split);
    let mut own: Vec<String> = tpl.image_programs.clone();
    own.extend(tpl.runtime_managers.iter().cloned());
    own.extend(run.words.first().cloned());
    own.extend(input.common.builtins.iter().cloned());
    // Tools a HEALTHCHECK or a later RUN calls that the node images lack but can install.
    let mut installs: Vec<String> = Vec::new();
    if input.runtime != Some(RuntimeKind::Distroless) {
        for p in needs.iter().flat_map(|n| n.programs.iter()) {
            let name = p.rsplit('/').next().unwrap_or(p).to_string();
            let lacking = !own.contains(&name)
                && !input.common.has_tool(RuntimeKind::DebianSlim, &name)
                && !input.common.has_tool(RuntimeKind::Alpine, &name);
            if lacking && tpl.runtime_installs.contains_key(&name) && !installs.contains(&name) {
                installs.push(name.clone());
                own.push(name);
            }
        }
    }
    let (kind, image, shell_note) = plan::choose_runtime(
        &table,
        "a Node.js app",
        input.runtime,
        &needs,
        input.common,
        &BaseFacts {
            musl: base.musl,
            alpine: base.alpine.clone(),
            codename: base.codename.clone(),
            debian: debian.clone(),
        },
        &own,
    )?;
    let distroless = kind == RuntimeKind::Distroless;
    let mut notes: Vec<String> = vec![format!("{} ({pm_why})", pm.label())];
    if let Some(t) = &tag.floating {
        notes.push(format!(
            "the runtime follows the builder's floating tag `{t}`; pin a major version"
        ));
    }
    if base_image.full.contains('@') {
        notes.push("the builder's digest does not apply to the runtime image: pin one".into());
    }
    notes.extend(shell_note);

    // Package managers the runtime must hold.
    let kw_lower = df.is_lowercase(facts.from);
    let kw = |k: &str| {
        if kw_lower {
            k.to_ascii_lowercase()
        } else {
            k.to_string()
        }
    };
    let mut runtime_lines: Vec<String> = Vec::new();
    let mut needed_progs: Vec<String> = Vec::new();
    if let Some(p) = &start.keeps_pm {
        needed_progs.push(p.clone());
    }
    if start.rewrite.is_none() || start.keeps_pm.is_some() {
        needed_progs.extend(start.programs.iter().cloned());
    }
    let mut setup_done: Vec<String> = Vec::new();
    for prog in &needed_progs {
        if tpl.runtime_managers.contains(prog) || tpl.image_programs.contains(prog) {
            continue;
        }
        let package = package_of(tpl, prog);
        let local = deps.contains(&package) || dev_deps.contains(&package);
        if local {
            continue;
        }
        let Some((text, _)) = steps
            .setups
            .iter()
            .find(|(_, provides)| provides.iter().any(|p| *p == package || *p == *prog))
        else {
            if Pm::from_name(prog).is_some() {
                return Err(Skip::Unsupported(format!(
                    "the start command runs {prog}, which the runtime image lacks and the Dockerfile does not install"
                )));
            }
            continue;
        };
        if !setup_done.contains(text) {
            setup_done.push(text.clone());
        }
    }
    if !setup_done.is_empty() {
        if !image.shell {
            return Err(Skip::Unsupported(format!(
                "the start command needs {} installed in the runtime, which {} cannot do",
                needed_progs.join(", "),
                image.image
            )));
        }
        runtime_lines.push(format!("{} {}", kw("RUN"), setup_done.join(" && ")));
        notes.push(format!(
            "`{}` repeated in the runtime stage for the start command",
            setup_done.join(" && ")
        ));
    }
    for p in &installs {
        if let Some(cmd) = tpl.runtime_installs.get(p).and_then(|m| m.get(kind.name())) {
            runtime_lines.push(format!("{} {cmd}", kw("RUN")));
            notes.push(format!(
                "{p} installed in the runtime stage for the HEALTHCHECK or RUN that calls it"
            ));
        }
    }
    for (line, text, pkgs) in &steps.system {
        if *line > split {
            continue;
        }
        if !image.shell {
            return Err(Skip::Unsupported(format!(
                "RUN at line {} installs system packages ({}) the app may need at run time; {} has no shell to install them",
                df.line(*line),
                pkgs.join(" "),
                image.image
            )));
        }
        if (kind == RuntimeKind::Alpine) != text.contains("apk") {
            continue;
        }
        runtime_lines.push(text.clone());
        notes.push(format!(
            "RUN at line {} repeated in the runtime stage: the app may need {} at run time",
            df.line(*line),
            pkgs.join(" ")
        ));
    }

    // Carries.
    let mut carries: Vec<Carry> = Vec::new();
    // A carry is redundant when an earlier one already brings the same builder path there.
    let add = |carries: &mut Vec<Carry>, from: String, to: String| {
        let covered = carries.iter().any(|c| {
            c.to == to
                || to
                    .strip_prefix(&format!("{}/", c.to.trim_end_matches('/')))
                    .is_some_and(|rest| from == format!("{}/{rest}", c.from.trim_end_matches('/')))
        });
        if covered {
            return;
        }
        let under = format!("{}/", to.trim_end_matches('/'));
        carries.retain(|c| !(c.from == c.to && c.to.starts_with(&under) && from == to));
        carries.push(Carry { from, to });
    };
    // The image path of a context entry of the package, unless missing or ignored.
    let image_path = |name: &str| -> Option<String> {
        let r = rel(name);
        if !(ctx.is_file(&r) || ctx.is_dir(&r)) || dockerignored(ctx, &r) {
            return None;
        }
        facts.image_path_of(ctx, &r, split + 1)
    };
    let mut prune_allowed = true;
    let mut whole_app = false;
    if next_standalone {
        add(&mut carries, in_app(".next/standalone"), app.clone());
        add(&mut carries, in_app(".next/static"), in_app(".next/static"));
        if ctx.is_dir(&rel("public")) && !dockerignored(ctx, &rel("public")) {
            add(&mut carries, in_app("public"), in_app("public"));
        }
        prune_allowed = false;
        notes.push("Next.js standalone output carries its own node_modules".into());
    } else {
        add(&mut carries, pkg_path.clone(), pkg_path.clone());
        if steps.installed {
            add(&mut carries, in_app("node_modules"), in_app("node_modules"));
        }
        let start_file = start
            .node_args
            .as_ref()
            .and_then(|a| script_file(a))
            .map(|f| absolute(&start_dir, &f));
        let start_file_in_outputs = match (&outputs, &start_file) {
            (Some(outs), Some(f)) => outs
                .iter()
                .any(|o| f.starts_with(&format!("{}/", in_app(o))) || *f == in_app(o)),
            _ => false,
        };
        match &outputs {
            Some(outs) if built && !outs.is_empty() && (start_file_in_outputs || start_file.is_none()) => {
                for o in outs {
                    add(&mut carries, in_app(o), in_app(o));
                }
                for d in tpl.runtime_dirs.iter() {
                    if ctx.is_dir(&rel(d))
                        && let Some(p) = image_path(d)
                    {
                        add(&mut carries, p.clone(), p);
                    }
                }
                for f in ctx.list(&ctx_dir) {
                    if ctx.is_file(&rel(&f))
                        && tpl.runtime_files.iter().any(|g| glob_match(g, &f))
                        && let Some(p) = image_path(&f)
                    {
                        add(&mut carries, p.clone(), p);
                    }
                }
            }
            Some(outs) if built && outs.is_empty() && start_file.is_some() => {
                // Output next to the sources: the app files, which hold it.
                for c in app_files(input, tpl, &ctx_dir, split, &start, &roots) {
                    add(&mut carries, c.clone(), c);
                }
            }
            Some(outs) if built => {
                // The start file lies outside the build output: the app files and the output.
                for c in app_files(input, tpl, &ctx_dir, split, &start, &roots) {
                    add(&mut carries, c.clone(), c);
                }
                for o in outs {
                    add(&mut carries, in_app(o), in_app(o));
                }
            }
            Some(_) => {
                for c in app_files(input, tpl, &ctx_dir, split, &start, &roots) {
                    add(&mut carries, c.clone(), c);
                }
            }
            None => {
                whole_app = true;
            }
        }
        // Whatever the start tool reads, and the start file itself when the build made it.
        for prog in &start.programs {
            for f in tpl.tool_files.get(prog).into_iter().flatten() {
                if let Some(p) = image_path(f) {
                    add(&mut carries, p.clone(), p);
                }
            }
        }
        for w in &start.named {
            if !w.starts_with('-')
                && let Some(p) = image_path(w.trim_start_matches("./"))
            {
                add(&mut carries, p.clone(), p);
            }
        }
        if let Some(f) = &start_file
            && f.starts_with(&app)
            && !carries
                .iter()
                .any(|c| *f == c.to || f.starts_with(&format!("{}/", c.to)))
        {
            add(&mut carries, f.clone(), f.clone());
        }
    }
    if whole_app {
        carries.clear();
        carries.push(Carry {
            from: app.clone(),
            to: app.clone(),
        });
        notes.push(format!("the build output is unknown: all of {app} carried"));
    }
    for p in input.extra_copy {
        let r = p.trim_start_matches("./").trim_end_matches('/');
        if let Some(path) = facts.image_path_of(ctx, r, split + 1) {
            add(&mut carries, path.clone(), path);
        } else if r.starts_with('/') {
            add(&mut carries, r.to_string(), r.to_string());
        }
    }

    // Prune.
    let mut builder_tail = Vec::new();
    if prune_allowed && steps.installed {
        if let Some((prog, package)) = &dev_needed {
            notes.push(format!(
                "devDependencies kept: the start command runs {prog} from the devDependency {package}"
            ));
        } else if input.prune == Some(false) {
            notes.push("devDependencies kept (config: prune = false)".into());
        } else if dev_deps.is_empty() {
            // Nothing to prune.
        } else if steps.prod_install {
            notes.push("the install already leaves devDependencies out".into());
        } else {
            let cmd = prune_command(tpl, pm, input, &ctx_dir, &tag);
            builder_tail.push(format!("{} {cmd}", kw("RUN")));
            notes.push(format!("devDependencies pruned with `{cmd}`"));
        }
    }
    for (tool, _) in dev_needed.iter() {
        if tpl.dev_tools.contains(tool) {
            notes.push(format!("{tool} is a development tool: consider building ahead of time"));
        }
    }

    // Start command.
    let mut replace_commands = Vec::new();
    if distroless {
        let node_args = start.node_args.clone().unwrap_or_default();
        match (&run.cmd, df.instructions.get(run.index)) {
            (None, Some(Instruction::Cmd(_))) => replace_commands.push((run.index, node_args)),
            (None, Some(Instruction::Entrypoint(_))) => {
                let mut w = vec![tpl.distroless_node.clone()];
                w.extend(node_args);
                replace_commands.push((run.index, w));
            }
            _ => {
                return Err(Skip::Unsupported(
                    "ENTRYPOINT with CMD arguments cannot be carried to distroless".into(),
                ));
            }
        }
        notes.push("distroless runs node itself: CMD names only the script".into());
    } else if let Some(w) = &start.rewrite {
        match (&run.cmd, start.entrypoint_only) {
            (None, _) => replace_commands.push((run.index, w.clone())),
            (Some((j, _)), true) => replace_commands.push((*j, w.clone())),
            (Some(_), false) => {}
        }
    }
    notes.extend(start.notes.iter().cloned());

    // USER node unless the file sets a USER.
    let sets_user = (facts.from + 1..n).any(|i| matches!(df.instructions[i], Instruction::User(_)));
    let run_after = (split + 1..n).find(|&i| matches!(df.instructions[i], Instruction::Run(_)));
    let mut env_hostname = None;
    if next_standalone && !facts.state(n).env.iter().any(|(k, _)| k == "HOSTNAME") {
        env_hostname = Some(format!("{} HOSTNAME=0.0.0.0", kw("ENV")));
        notes.push("HOSTNAME=0.0.0.0 so the standalone server listens on every interface".into());
    }
    runtime_lines.extend(env_hostname);
    if !sets_user && image.users.iter().any(|u| u == "node") {
        match run_after {
            Some(i) => notes.push(format!(
                "USER node not added: RUN at line {} runs in the runtime stage as root",
                df.line(i)
            )),
            None => {
                runtime_lines.push(format!("{} node", kw("USER")));
                notes.push("USER node added".into());
            }
        }
    }
    Ok(Spec {
        language: Language::Node,
        runtime: kind,
        image,
        split_after: split,
        builder_edits: Vec::new(),
        builder_tail,
        carries,
        runtime_lines,
        replace_commands,
        build_env: tpl.build_env.clone(),
        notes,
    })
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
    let (ctx, facts) = (input.ctx, input.facts);
    let n = input.df.instructions.len();
    let mut found: Vec<(String, String)> = Vec::new();
    for f in crate::context::find_files(ctx, "", "package.json", 400) {
        if !(f == "package.json" || f.ends_with("/package.json")) {
            continue;
        }
        if let Some(p) = facts.image_path_of(ctx, &f, n) {
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

/// Reads the RUN steps.
fn scan_runs(input: &Input<'_, '_>, tpl: &Template) -> Steps {
    let (df, facts) = (input.df, input.facts);
    let mut steps = Steps::default();
    for i in facts.from + 1..df.instructions.len() {
        let Instruction::Run(_) = &df.instructions[i] else {
            continue;
        };
        let state = facts.state(i);
        let node_env_prod = state.var("NODE_ENV") == Some("production");
        let mut is_build = false;
        for cmd in run_commands(df, i) {
            let (assigns, words) = shell::split_assignments(&cmd);
            let texts: Vec<String> = words.iter().map(|w| w.text.clone()).collect();
            let Some(first) = texts.first().map(String::as_str) else {
                continue;
            };
            let prog = first.rsplit('/').next().unwrap_or(first);
            if tpl.build_programs.iter().any(|p| p == prog) {
                is_build = true;
            }
            let env_prod = node_env_prod || assigns.iter().any(|a| a.text == "NODE_ENV=production");
            let source = source_of(df.text, &cmd);
            if tpl.package_installers.iter().any(|p| p == prog) {
                let pkgs = system_packages(&texts);
                let extra: Vec<String> = pkgs
                    .into_iter()
                    .filter(|p| !tpl.build_packages.iter().any(|b| b == p))
                    .collect();
                if !extra.is_empty() {
                    let text = df.source(i).to_string();
                    if !steps.system.iter().any(|(j, _, _)| *j == i) {
                        steps.system.push((i, text, extra));
                    } else if let Some(s) = steps.system.iter_mut().find(|(j, _, _)| *j == i) {
                        s.2.extend(extra);
                    }
                }
                continue;
            }
            if prog == "corepack" {
                let provides: Vec<String> = match texts.get(1).map(String::as_str) {
                    Some("enable") if texts.len() > 2 => {
                        texts[2..].iter().filter(|w| !w.starts_with('-')).cloned().collect()
                    }
                    Some("enable") => vec!["pnpm".into(), "yarn".into()],
                    Some("prepare" | "install") => texts[2..]
                        .iter()
                        .filter(|w| !w.starts_with('-'))
                        .map(|w| w.split('@').next().unwrap_or(w).to_string())
                        .collect(),
                    _ => Vec::new(),
                };
                steps.setups.push((source, provides));
                continue;
            }
            let Some(pm) = Pm::from_name(prog) else {
                if tpl.build_tools.contains_key(prog) {
                    steps.direct_tools.push(texts.clone());
                    is_build = true;
                }
                continue;
            };
            let sub = texts.get(1).map(String::as_str).unwrap_or("");
            let rest: Vec<&String> = texts.iter().skip(2).collect();
            let flags_prod = texts.iter().any(|w| tpl.prod_install_flags.iter().any(|f| f == w));
            let global = texts.iter().any(|w| w == "-g" || w == "--global") || (pm == Pm::Yarn && sub == "global");
            let pkg_args: Vec<String> = rest
                .iter()
                .filter(|w| !(w.starts_with('-') || (pm == Pm::Yarn && w.as_str() == "add")))
                .map(|w| w.to_string())
                .collect();
            if prog == "npx" || prog == "bunx" || prog == "pnpx" || (pm == Pm::Pnpm && sub == "dlx") {
                let tool: Vec<String> = texts
                    .iter()
                    .skip(if sub == "dlx" { 2 } else { 1 })
                    .skip_while(|w| w.starts_with('-'))
                    .cloned()
                    .collect();
                if tool.first().is_some_and(|t| tpl.build_tools.contains_key(t)) {
                    steps.direct_tools.push(tool);
                }
                continue;
            }
            match sub {
                "ci" | "install" | "i" | "add" | "" if !global => {
                    steps.installed = true;
                    steps.install_pm.get_or_insert(pm);
                    if flags_prod || (env_prod && pm != Pm::Bun) {
                        steps.prod_install = true;
                    }
                }
                "install" | "i" | "add" | "global" => {
                    let provides: Vec<String> = pkg_args.iter().map(|p| package_name_of_spec(p)).collect();
                    steps.setups.push((source, provides));
                }
                "run" | "run-script" => {
                    if let Some(s) = rest.iter().find(|w| !w.starts_with('-')) {
                        steps.scripts.push(s.to_string());
                    }
                }
                s if s.starts_with('-') => {}
                s if pm != Pm::Npm
                    && !matches!(
                        s,
                        "config"
                            | "set"
                            | "cache"
                            | "--version"
                            | "exec"
                            | "dlx"
                            | "prune"
                            | "workspaces"
                            | "workspace"
                            | "rebuild"
                            | "audit"
                            | "fetch"
                            | "store"
                            | "env"
                    ) =>
                {
                    steps.scripts.push(s.to_string());
                }
                _ => {}
            }
        }
        if is_build {
            steps.last_build_run = Some(i);
        }
    }
    steps
}

/// `pnpm@9.1.0` → `pnpm`, `@scope/x@1` → `@scope/x`.
fn package_name_of_spec(spec: &str) -> String {
    match spec.strip_prefix('@') {
        Some(rest) => format!("@{}", rest.split('@').next().unwrap_or(rest)),
        None => spec.split('@').next().unwrap_or(spec).to_string(),
    }
}

/// The packages an `apt-get install` / `apk add` names.
fn system_packages(words: &[String]) -> Vec<String> {
    let Some(at) = words.iter().position(|w| w == "install" || w == "add") else {
        return Vec::new();
    };
    words[at + 1..]
        .iter()
        .filter(|w| !w.starts_with('-'))
        .map(|w| w.split('=').next().unwrap_or(w).to_string())
        .collect()
}

/// The source text of one simple command (from its first word to its last).
fn source_of(text: &str, cmd: &[Word]) -> String {
    match (cmd.first(), cmd.last()) {
        (Some(a), Some(b)) if a.start <= b.end && b.end <= text.len() => text
            .get(a.start..b.end)
            .map(str::to_string)
            .unwrap_or_else(|| cmd.iter().map(|w| w.text.clone()).collect::<Vec<_>>().join(" ")),
        _ => cmd.iter().map(|w| w.text.clone()).collect::<Vec<_>>().join(" "),
    }
}

/// The package manager and why.
fn package_manager(input: &Input<'_, '_>, tpl: &Template, pkg: &Value, dir: &str, steps: &Steps) -> (Pm, String) {
    let ctx = input.ctx;
    let rel = |n: &str| crate::context::join(dir, n);
    let berry_files =
        ctx.is_file(&rel(".yarnrc.yml")) || ctx.read(&rel("yarn.lock")).is_some_and(|t| t.contains("__metadata:"));
    if let Some(field) = pkg.get("packageManager").and_then(Value::as_str) {
        let (name, version) = field.split_once('@').unwrap_or((field, ""));
        if let Some(pm) = Pm::from_name(name) {
            let major: u32 = version.split('.').next().and_then(|m| m.parse().ok()).unwrap_or(1);
            let pm = if pm == Pm::Yarn && major >= 2 { Pm::Berry } else { pm };
            return (pm, format!("packageManager {field}"));
        }
    }
    for l in &tpl.lockfiles {
        if ctx.is_file(&rel(&l.file))
            && let Some(pm) = Pm::from_name(&l.pm)
        {
            let pm = if pm == Pm::Yarn && berry_files { Pm::Berry } else { pm };
            return (pm, l.file.clone());
        }
    }
    match steps.install_pm {
        Some(Pm::Yarn) if berry_files => (Pm::Berry, "the Dockerfile runs yarn".into()),
        Some(pm) => (pm, format!("the Dockerfile runs {}", pm.program())),
        None => (Pm::Npm, "no lockfile".into()),
    }
}

/// Every simple command script `name` runs, following `npm run x` into other scripts.
fn collect_script_commands(scripts: &BTreeMap<String, String>, name: &str, out: &mut Vec<Vec<String>>, depth: usize) {
    if depth > 8 {
        return;
    }
    for pre in [format!("pre{name}"), name.to_string(), format!("post{name}")] {
        let Some(text) = scripts.get(&pre) else { continue };
        for cmd in shell::commands(text, '\\') {
            let words: Vec<String> = shell::split_assignments(&cmd)
                .1
                .iter()
                .map(|w| w.text.clone())
                .collect();
            let words = strip_wrappers(&words);
            if let Some(inner) = script_called(&words) {
                collect_script_commands(scripts, &inner, out, depth + 1);
            } else if !words.is_empty() {
                out.push(words);
            }
        }
    }
}

/// `cross-env A=1 node x` → `node x`; `npx tsc` → `tsc`.
fn strip_wrappers(words: &[String]) -> Vec<String> {
    let mut w: &[String] = words;
    loop {
        match w.first().map(String::as_str) {
            Some("cross-env" | "env" | "npx" | "exec" | "bunx" | "pnpx" | "dotenv" | "env-cmd") => {
                w = &w[1..];
                while w
                    .first()
                    .is_some_and(|x| x.starts_with('-') || shell::is_assignment(x) || x == "--")
                {
                    w = &w[1..];
                }
            }
            Some(_) if w.first().is_some_and(|x| shell::is_assignment(x)) => w = &w[1..],
            _ => return w.to_vec(),
        }
    }
}

/// The script a package-manager command runs (`npm run build`, `yarn build`, `pnpm start`).
fn script_called(words: &[String]) -> Option<String> {
    let pm = Pm::from_name(words.first()?.rsplit('/').next()?)?;
    let sub = words.get(1)?;
    match sub.as_str() {
        "run" | "run-script" => words.iter().skip(2).find(|w| !w.starts_with('-')).cloned(),
        "start" | "test" | "build" => Some(sub.clone()),
        s if pm != Pm::Npm && !s.starts_with('-') && !matches!(s, "install" | "add" | "exec" | "dlx" | "x") => {
            Some(s.to_string())
        }
        _ => None,
    }
}

/// Where the build writes, relative to the package root; `None` when unknown.
fn build_outputs(input: &Input<'_, '_>, tpl: &Template, dir: &str, cmds: &[Vec<String>]) -> Option<Vec<String>> {
    let ctx = input.ctx;
    let rel = |n: &str| crate::context::join(dir, n);
    let mut outs: Vec<String> = Vec::new();
    let mut unknown = false;
    for c in cmds {
        let Some(prog) = c.first().map(|p| p.rsplit('/').next().unwrap_or(p).to_string()) else {
            continue;
        };
        let Some(tool) = tpl.build_tools.get(&prog) else {
            continue;
        };
        // A flag naming the output wins.
        let mut flagged = None;
        let mut it = c.iter().skip(1);
        let mut project = None;
        while let Some(w) = it.next() {
            let (name, inline) = match w.split_once('=') {
                Some((n, v)) if n.starts_with('-') => (n, Some(v.to_string())),
                _ => (w.as_str(), None),
            };
            if tpl.out_flags.iter().any(|f| f == name) {
                flagged = inline.or_else(|| it.next().cloned());
            } else if matches!(name, "-p" | "--project") && prog == "tsc" {
                project = inline.or_else(|| it.next().cloned());
            }
        }
        let out = if let Some(f) = flagged {
            let f = f.trim_start_matches("./").to_string();
            // An output file (`--outfile=dist/app.js`) means its directory.
            let is_file = f
                .rsplit('/')
                .next()
                .is_some_and(|b| b.contains('.') && !b.starts_with('.'));
            if is_file {
                f.rsplit_once('/').map(|(d, _)| d.to_string()).unwrap_or_default()
            } else {
                f
            }
        } else {
            let mut from_config = None;
            if let Some(key) = &tool.key {
                let mut configs: Vec<String> = tool.configs.clone();
                if let Some(p) = &project {
                    let p = p.trim_start_matches("./");
                    let file = if p.ends_with(".json") {
                        p.to_string()
                    } else {
                        format!("{}/tsconfig.json", p.trim_end_matches('/'))
                    };
                    configs.insert(0, file);
                }
                for cfg in &configs {
                    if let Some(t) = ctx.read(&rel(cfg))
                        && let Some(v) = config_string(&t, key)
                    {
                        let mut base = cfg.rsplit_once('/').map_or("", |(d, _)| d).to_string();
                        if let Some(root) = tool.root_key.as_ref().and_then(|k| config_string(&t, k)) {
                            base = crate::context::join(&base, &root);
                        }
                        // Normalised inside the package; `..` above it stays visible.
                        let joined = crate::context::join(&base, &v);
                        let norm = absolute("/pkg", &joined);
                        from_config = Some(match norm.strip_prefix("/pkg/") {
                            Some(r) => r.to_string(),
                            None => joined,
                        });
                        break;
                    }
                }
            }
            from_config.unwrap_or_else(|| tool.out.clone())
        };
        let out = out.trim_end_matches('/').trim_start_matches("./").to_string();
        if out.is_empty() || out == "." {
            if tool.out.is_empty() {
                // Written next to the sources: the app files hold it.
                continue;
            }
            unknown = true;
            continue;
        }
        if out.starts_with('/') || out.starts_with("..") {
            unknown = true;
            continue;
        }
        if !outs.contains(&out) {
            outs.push(out);
        }
    }
    if unknown { None } else { Some(outs) }
}

/// Source directories a build tool reads from (vite's `root`): the build output replaces
/// them at run time.
fn build_roots(input: &Input<'_, '_>, tpl: &Template, dir: &str, cmds: &[Vec<String>]) -> Vec<String> {
    let mut out = Vec::new();
    for c in cmds {
        let Some(tool) = c
            .first()
            .and_then(|p| tpl.build_tools.get(p.rsplit('/').next().unwrap_or(p)))
        else {
            continue;
        };
        let Some(key) = &tool.root_key else { continue };
        for cfg in &tool.configs {
            if let Some(root) = input
                .ctx
                .read(&crate::context::join(dir, cfg))
                .and_then(|t| config_string(&t, key))
            {
                let root = root.trim_start_matches("./").trim_end_matches('/').to_string();
                if !root.is_empty() && root != "." && !root.contains("..") && !out.contains(&root) {
                    out.push(root);
                }
                break;
            }
        }
    }
    out
}

/// The string value of `key` in a JSON or JS config (`"outDir": "dist"`, `outDir: 'dist'`).
fn config_string(text: &str, key: &str) -> Option<String> {
    let mut rest = text;
    while let Some(p) = rest.find(key) {
        let before = rest[..p].chars().last();
        let after = &rest[p + key.len()..];
        rest = after;
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        let a = after.trim_start_matches(['"', '\'']).trim_start();
        let Some(a) = a.strip_prefix(':') else { continue };
        let a = a.trim_start();
        let Some(q) = a.chars().next().filter(|c| matches!(c, '"' | '\'' | '`')) else {
            continue;
        };
        let body = &a[1..];
        let end = body.find(q)?;
        return Some(body[..end].to_string());
    }
    None
}

/// A top-level scalar of a simple YAML file (`nodeLinker: node-modules`).
fn yaml_value(text: &str, key: &str) -> Option<String> {
    text.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        (k.trim() == key && !l.starts_with(char::is_whitespace)).then(|| v.trim().trim_matches(['"', '\'']).to_string())
    })
}

/// The package that provides program `prog`.
fn package_of(tpl: &Template, prog: &str) -> String {
    let base = prog.rsplit('/').next().unwrap_or(prog);
    // `-r ts-node/register` names a module: its package is the first element (two if scoped).
    if prog.contains('/') && !prog.starts_with('.') && !prog.starts_with('/') {
        let mut parts = prog.split('/');
        let first = parts.next().unwrap_or(prog);
        return if first.starts_with('@') {
            format!("{first}/{}", parts.next().unwrap_or(""))
        } else {
            first.to_string()
        };
    }
    tpl.bin_packages.get(base).cloned().unwrap_or_else(|| base.to_string())
}

/// Node flags that take a value as the next word.
const NODE_VALUE_FLAGS: [&str; 8] = [
    "-r",
    "--require",
    "--import",
    "--loader",
    "--experimental-loader",
    "--env-file",
    "--title",
    "--max-old-space-size",
];

/// The script file of `node ARGS` (first word that is not a flag or a flag's value).
fn script_file(args: &[String]) -> Option<String> {
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "-e" || a == "--eval" || a == "-p" || a == "--print" || a == "-" {
            return None;
        }
        if NODE_VALUE_FLAGS.contains(&a.as_str()) {
            it.next();
            continue;
        }
        if a.starts_with('-') {
            continue;
        }
        return Some(a.clone());
    }
    None
}

/// Modules preloaded by node flags.
fn preloads(args: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let (name, inline) = match a.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (a.as_str(), None),
        };
        if matches!(
            name,
            "-r" | "--require" | "--import" | "--loader" | "--experimental-loader"
        ) {
            if let Some(v) = inline.or_else(|| it.next().cloned())
                && !v.starts_with('.')
                && !v.starts_with('/')
            {
                out.push(v);
            }
        } else if !a.starts_with('-') {
            break;
        }
    }
    out
}

/// Reads the start command.
fn analyze_start(
    input: &Input<'_, '_>,
    run: &super::RunCommand,
    scripts: &BTreeMap<String, String>,
    dir: &str,
) -> Result<Start, Skip> {
    let mut start = Start::default();
    let mut words = run.words.clone();
    if let Some((_, c)) = &run.cmd {
        words.extend(c.iter().cloned());
    }
    let Some(first) = words.first().cloned() else {
        return Err(Skip::Unsupported("the start command is empty".into()));
    };
    let prog = first.rsplit('/').next().unwrap_or(&first).to_string();
    if prog == "docker-entrypoint.sh" {
        words.remove(0);
        start.entrypoint_only = run.words.len() == 1;
    }
    let Some(first) = words.first().cloned() else {
        return Err(Skip::Unsupported(
            "the start command only runs docker-entrypoint.sh".into(),
        ));
    };
    let prog = first.rsplit('/').next().unwrap_or(&first).to_string();
    start.named = words.clone();
    if prog == "node" || prog == "nodejs" {
        start.node_args = Some(words[1..].to_vec());
        start.preloads = preloads(&words[1..]);
        start.programs.push("node".into());
        return Ok(start);
    }
    let Some(pm) = Pm::from_name(&prog) else {
        // Anything else (pm2-runtime, a script): kept as is.
        start.programs.push(prog);
        if run.shell {
            for c in shell::commands(&run.words.join(" "), '\\').iter().skip(1) {
                if let Some(w) = c.first() {
                    start.programs.push(w.text.clone());
                }
            }
        }
        return Ok(start);
    };
    if prog == "npx" || prog == "bunx" || prog == "pnpx" {
        let rest = strip_wrappers(&words);
        start.keeps_pm = Some(prog.clone());
        start.programs.extend(rest.first().cloned());
        return Ok(start);
    }
    // `npm start`, `npm run x -- args`, `yarn x args`, `pnpm run x`.
    let Some(name) = script_called(&words) else {
        start.keeps_pm = Some(prog.clone());
        return Ok(start);
    };
    let pos = words.iter().position(|w| *w == name).unwrap_or(words.len());
    let mut extra: Vec<String> = words[(pos + 1).min(words.len())..].to_vec();
    if pm == Pm::Npm || extra.first().is_some_and(|w| w == "--") {
        extra = match extra.iter().position(|w| w == "--") {
            Some(p) => extra[p + 1..].to_vec(),
            None if pm == Pm::Npm => Vec::new(),
            None => extra,
        };
    }
    let script = match scripts.get(&name) {
        Some(s) => s.clone(),
        None if name == "start" && input.ctx.is_file(&crate::context::join(dir, "server.js")) => {
            "node server.js".into()
        }
        None => {
            return Err(Skip::Unsupported(format!(
                "the start command runs the script `{name}`, which package.json does not define"
            )));
        }
    };
    let shown = words.join(" ");
    // The commands the script runs (for devDependency and package-manager checks).
    let mut cmds = Vec::new();
    collect_script_commands(scripts, &name, &mut cmds, 0);
    if cmds.is_empty() && !scripts.contains_key(&name) {
        cmds.push(script.split_whitespace().map(str::to_string).collect());
    }
    for c in &cmds {
        start.named.extend(c.iter().skip(1).cloned());
        if let Some(p) = c.first() {
            let p = p.rsplit('/').next().unwrap_or(p).to_string();
            if p == "node" {
                start.preloads.extend(preloads(&c[1..]));
            }
            if !start.programs.contains(&p) {
                start.programs.push(p);
            }
        }
    }
    let has_hooks = scripts.contains_key(&format!("pre{name}")) || scripts.contains_key(&format!("post{name}"));
    let plain = shell::to_exec(&script, '\\')
        .filter(|w| w.first().is_some_and(|p| p == "node") && !w.iter().any(|x| shell::is_assignment(x)));
    let reads_npm_env = !has_hooks && plain.is_some() && reads_npm_env(input, dir);
    let rewritable = run.cmd.is_none() || start.entrypoint_only;
    match plain {
        Some(mut w) if !has_hooks && !reads_npm_env && rewritable => {
            w.extend(extra);
            start.notes.push(format!(
                "`{shown}` runs `{script}`: CMD starts node directly (signals reach it, no {} at run time)",
                pm.program()
            ));
            start.node_args = Some(w[1..].to_vec());
            start.rewrite = Some(w);
            start.programs = vec!["node".into()];
        }
        _ => {
            let why = if !rewritable {
                "it is split over ENTRYPOINT and CMD".to_string()
            } else if has_hooks {
                "its pre/post scripts run too".to_string()
            } else if reads_npm_env {
                "the app reads npm_* variables".to_string()
            } else {
                format!("`{script}` is not a plain node command")
            };
            start
                .notes
                .push(format!("`{shown}` kept ({prog} stays in the runtime): {why}"));
            start.keeps_pm = Some(prog.clone());
            if let Some(w) = &plain {
                start.node_args = Some(w[1..].to_vec());
            }
        }
    }
    Ok(start)
}

/// Whether the app's own sources read `npm_package_*` / `npm_lifecycle_*` / `npm_config_*`.
fn reads_npm_env(input: &Input<'_, '_>, dir: &str) -> bool {
    let mut files = Vec::new();
    for ext in [".js", ".mjs", ".cjs", ".ts"] {
        files.extend(crate::context::find_files(input.ctx, dir, ext, 300));
    }
    files.iter().take(300).any(|f| {
        input
            .ctx
            .read(f)
            .is_some_and(|t| t.contains("npm_package_") || t.contains("npm_lifecycle_") || t.contains("npm_config_"))
    })
}

/// The app files the Dockerfile copied in (image paths), minus what only development uses.
fn app_files(
    input: &Input<'_, '_>,
    tpl: &Template,
    dir: &str,
    split: usize,
    start: &Start,
    build_roots: &[String],
) -> Vec<String> {
    let (ctx, facts) = (input.ctx, input.facts);
    let wanted_dev: Vec<String> = start
        .programs
        .iter()
        .flat_map(|p| tpl.tool_files.get(p).cloned().unwrap_or_default())
        .collect();
    let mut names: Vec<String> = Vec::new();
    for c in facts.copies.iter().filter(|c| c.index <= split) {
        for s in &c.sources {
            if s == "." {
                for e in ctx.list("") {
                    names.push(e);
                }
            } else if s.contains('*') || s.contains('?') {
                let parent = s.rsplit_once('/').map_or("", |(d, _)| d);
                for e in ctx.list(parent) {
                    let p = crate::context::join(parent, &e);
                    if glob_match(s, &p) {
                        names.push(p);
                    }
                }
            } else {
                names.push(s.clone());
            }
        }
    }
    let mut out: Vec<String> = Vec::new();
    for r in names {
        let base = r.rsplit('/').next().unwrap_or(&r).to_string();
        let in_pkg = dir.is_empty() || r == dir || r.starts_with(&format!("{dir}/"));
        if !in_pkg {
            continue;
        }
        let dev =
            tpl.dev_only.iter().any(|g| glob_match(g, &base)) && !wanted_dev.contains(&base) && base != "package.json";
        if dev || dockerignored(ctx, &r) || build_roots.iter().any(|b| crate::context::join(dir, b) == r) {
            continue;
        }
        if !(ctx.is_file(&r) || ctx.is_dir(&r)) {
            continue;
        }
        if let Some(p) = facts.image_path_of(ctx, &r, split + 1)
            && !out.contains(&p)
        {
            out.push(p);
        }
    }
    out
}

/// The prune command for `pm`.
fn prune_command(tpl: &Template, pm: Pm, input: &Input<'_, '_>, dir: &str, tag: &NodeTag) -> String {
    match pm {
        Pm::Npm => {
            let old = tag
                .major
                .as_ref()
                .and_then(|m| m.parse::<u32>().ok())
                .is_some_and(|m| m < tpl.prune.npm_omit_since);
            if old {
                tpl.prune.npm_legacy.clone()
            } else {
                tpl.prune.npm.clone()
            }
        }
        Pm::Pnpm => tpl.prune.pnpm.clone(),
        Pm::Yarn => {
            if input.ctx.is_file(&crate::context::join(dir, "yarn.lock")) {
                tpl.prune.yarn.clone()
            } else {
                tpl.prune.yarn_nolock.clone()
            }
        }
        Pm::Berry => tpl.prune.berry.clone(),
        Pm::Bun => tpl.prune.bun.clone(),
    }
}

/// A node image tag, read.
#[derive(Debug, Clone)]
struct NodeTag {
    /// `20`, `20.11.1`, `lts`, `iron`.
    version: String,
    /// The major, when known.
    major: Option<String>,
    /// `-bookworm` or empty.
    codename: String,
    /// Debian version number of the release.
    debian: String,
    /// `alpine3.20` for alpine tags.
    alpine: Option<String>,
    /// A floating tag (`lts`, `current`) the runtime follows.
    floating: Option<String>,
}

impl NodeTag {
    fn parse(tag: &str, input: &Input<'_, '_>, tpl: &Template) -> Result<NodeTag, String> {
        let image = &input.facts.image.full;
        if tag.is_empty() || tag == "latest" {
            return Err(format!(
                "the builder image {image} names no Node.js version: pin one (e.g. node:20) so the runtime matches it"
            ));
        }
        let mut parts = tag.split('-');
        let version = parts.next().unwrap_or("").to_ascii_lowercase();
        let numeric = !version.is_empty() && version.chars().all(|c| c.is_ascii_digit() || c == '.');
        let (major, floating) = if numeric {
            (version.split('.').next().map(str::to_string), None)
        } else if let Some(m) = tpl.lts_names.get(&version) {
            (Some(m.clone()), None)
        } else if matches!(version.as_str(), "lts" | "current") {
            (None, Some(version.clone()))
        } else {
            return Err(format!(
                "the builder image {image} names no Node.js version: pin one (e.g. node:20) so the runtime matches it"
            ));
        };
        let mut codename = String::new();
        let mut debian = tpl.default_debian.clone();
        let mut alpine = None;
        for p in parts {
            if p == "slim" {
                continue;
            }
            if p.starts_with("alpine") {
                alpine = Some(p.to_string());
                continue;
            }
            if let Some(v) = input.common.debian.get(p) {
                codename = format!("-{p}");
                debian = v.clone();
                continue;
            }
            return Err(format!("the builder tag {tag} has a part ({p}) dockslim does not know"));
        }
        Ok(NodeTag {
            version,
            major,
            codename,
            debian,
            alpine,
            floating,
        })
    }

    /// Fills an image pattern.
    fn fill(&self, pattern: &str, repo: &str) -> String {
        pattern
            .replace("{repo}", repo)
            .replace("{version}", &self.version)
            .replace("{major}", self.major.as_deref().unwrap_or(&self.version))
            .replace("{codename}", &self.codename)
            .replace("{debian}", &self.debian)
            .replace("{alpine}", self.alpine.as_deref().unwrap_or("alpine"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_values() {
        assert_eq!(
            config_string("{ // c\n \"compilerOptions\": { \"outDir\": \"./dist\" } }", "outDir").as_deref(),
            Some("./dist")
        );
        assert_eq!(
            config_string("module.exports = { output: 'standalone' }", "output").as_deref(),
            Some("standalone")
        );
        assert_eq!(config_string("const x = { outputs: 'x' }", "output"), None);
    }

    #[test]
    fn node_words() {
        let w = |s: &str| s.split_whitespace().map(str::to_string).collect::<Vec<_>>();
        assert_eq!(
            script_file(&w("-r dotenv/config dist/main.js --port 1")).as_deref(),
            Some("dist/main.js")
        );
        assert_eq!(preloads(&w("--import tsx src/a.ts")), vec!["tsx".to_string()]);
        assert_eq!(script_called(&w("yarn run build")).as_deref(), Some("build"));
        assert_eq!(script_called(&w("pnpm build:prod")).as_deref(), Some("build:prod"));
        assert_eq!(script_called(&w("npm ci")), None);
        assert_eq!(
            strip_wrappers(&w("cross-env NODE_ENV=production node x.js")),
            w("node x.js")
        );
        assert_eq!(package_name_of_spec("@scope/x@1.2"), "@scope/x");
        assert_eq!(package_name_of_spec("pnpm@9"), "pnpm");
    }
}
