//! Start: how a Node container starts. `npm start` & co. become `node <file>` when the script
//! is a plain node command (signals then reach node, and no package manager is needed at run
//! time); the programs, preloaded modules and files the start command names are collected
//! for the devDependency and package-manager checks.

use std::collections::BTreeMap;

use super::pm::{Pm, collect_script_commands, script_called, strip_wrappers};
use crate::Skip;
use crate::lang::Input;
use crate::shell;
use crate::template::node::Template;

/// How the container starts.
#[derive(Debug, Default)]
pub struct Start {
    /// The words to put in CMD/ENTRYPOINT instead (before the distroless adjustment).
    pub rewrite: Option<Vec<String>>,
    /// The node arguments that run the app (script file first non-flag), if known.
    pub node_args: Option<Vec<String>>,
    /// The package manager the start command keeps, if any.
    pub keeps_pm: Option<String>,
    /// Programs the start command (and its scripts) run.
    pub programs: Vec<String>,
    /// Modules loaded with `-r`/`--import`/`--loader`.
    pub preloads: Vec<String>,
    /// Every word of the start command and the scripts it runs (files it may name).
    pub named: Vec<String>,
    /// The ENTRYPOINT is docker-entrypoint.sh alone: CMD holds the whole command.
    pub entrypoint_only: bool,
    /// Remarks.
    pub notes: Vec<String>,
}

/// The package that provides program `prog`.
pub fn package_of(tpl: &Template, prog: &str) -> String {
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
pub fn script_file(args: &[String]) -> Option<String> {
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
pub fn preloads(args: &[String]) -> Vec<String> {
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
pub fn analyze_start(
    input: &Input<'_, '_>,
    run: &crate::lang::RunCommand,
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

/// Every simple command the start command runs, with the package.json scripts it calls
/// followed.
pub fn start_commands(run: &crate::lang::RunCommand, scripts: &BTreeMap<String, String>) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for c in run.commands() {
        let c = strip_wrappers(&c);
        let c = match c.first().map(|p| p.rsplit('/').next().unwrap_or(p)) {
            Some("docker-entrypoint.sh") => c[1..].to_vec(),
            _ => c,
        };
        match script_called(&c) {
            Some(name) if scripts.contains_key(&name) => collect_script_commands(scripts, &name, &mut out, 0),
            _ if !c.is_empty() => out.push(c),
            _ => {}
        }
    }
    out
}

/// What a start command does at start-up that the runtime stage could not, said as the end of
/// "the start command ...": installing packages, running migrations through a CLI, building.
pub fn startup_work(tpl: &Template, cmds: &[Vec<String>]) -> Option<String> {
    for c in cmds {
        let c = strip_wrappers(c);
        let Some(prog) = c.first().map(|p| p.rsplit('/').next().unwrap_or(p).to_string()) else {
            continue;
        };
        let joined = c.join(" ");
        let shown = format!("`{joined}`");
        let starts = |prefix: &str| joined == prefix || joined.starts_with(&format!("{prefix} "));
        if tpl.startup_installs.iter().any(|i| starts(i))
            || (prog == "npm" || prog == "yarn" || prog == "pnpm")
                && c.iter().any(|w| w == "-g" || w == "--global" || w == "global")
        {
            return Some(format!(
                "installs packages at start-up ({shown}); install them in the build instead"
            ));
        }
        let bare = c
            .iter()
            .skip_while(|w| matches!(w.as_str(), "npx" | "pnpx" | "bunx" | "-y" | "--yes"))
            .cloned()
            .collect::<Vec<_>>()
            .join(" ");
        if tpl
            .startup_migrations
            .iter()
            .any(|m| bare == *m || bare.starts_with(&format!("{m} ")) || bare.starts_with(&format!("{m}:")))
        {
            return Some(format!(
                "runs database migrations at start-up with a CLI ({shown}), which the runtime stage may lack"
            ));
        }
        if let Some(tool) = tpl.build_tools.get(&prog) {
            let builds = match &tool.command {
                Some(sub) => c.get(1).is_some_and(|w| w == sub),
                None => !c.iter().any(|w| w == "--noEmit" || w == "--version" || w == "--help"),
            };
            if builds {
                return Some(format!("builds at start-up ({shown}); build in the Dockerfile instead"));
            }
        }
    }
    None
}

/// Whether the app's own sources read `npm_package_*` / `npm_lifecycle_*` / `npm_config_*`.
pub fn reads_npm_env(input: &Input<'_, '_>, dir: &str) -> bool {
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
