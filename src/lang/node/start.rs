//! Start: how a Node container starts. [`analyze_start`] reads the start command's words
//! (`start_words`, without `docker-entrypoint.sh`): `node ...` is read as it is, another
//! program is kept (`other_programs`), and `npm start` & co. (`script_start`) read the script
//! (`script_args`, `script_text`, `script_commands`) and become `node <file>` when the script
//! is a plain node command (`plain_node`) nothing else depends on (`node_rewrite`): signals then
//! reach node, and no package manager is needed at run time. The programs, preloaded modules
//! and files the start command names are collected for the devDependency and package-manager
//! checks; [`start_commands`] and [`startup_work`] find work done at start-up.

use std::collections::BTreeMap;

use super::pm::{Pm, collect_script_commands, script_called, strip_wrappers};
use crate::Skip;
use crate::detect::file_name;
use crate::lang::{Input, RunCommand};
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
    let base = file_name(prog);
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
    run: &RunCommand,
    scripts: &BTreeMap<String, String>,
    dir: &str,
) -> Result<Start, Skip> {
    let mut start = Start::default();
    let words = start_words(run, &mut start)?;
    let prog = program_of(&words[0]);
    start.named = words.clone();
    if prog == "node" || prog == "nodejs" {
        start.node_args = Some(words[1..].to_vec());
        start.preloads = preloads(&words[1..]);
        start.programs.push("node".into());
        return Ok(start);
    }
    let Some(pm) = Pm::from_name(&prog) else {
        // Anything else (pm2-runtime, a script): kept as is.
        other_programs(run, prog, &mut start);
        return Ok(start);
    };
    if prog == "npx" || prog == "bunx" || prog == "pnpx" {
        start.keeps_pm = Some(prog);
        start.programs.extend(strip_wrappers(&words).first().cloned());
        return Ok(start);
    }
    // `npm start`, `npm run x -- args`, `yarn x args`, `pnpm run x`.
    let Some(name) = script_called(&words) else {
        start.keeps_pm = Some(prog);
        return Ok(start);
    };
    script_start(input, run, scripts, dir, (&words, pm, &name), start)
}

/// The program name of a start word (`/usr/local/bin/node` → `node`).
fn program_of(word: &str) -> String {
    file_name(word).to_string()
}

/// The words of the start command (ENTRYPOINT then CMD), without a leading
/// `docker-entrypoint.sh` (noting when it is the whole ENTRYPOINT); refuses an empty one.
fn start_words(run: &RunCommand, start: &mut Start) -> Result<Vec<String>, Skip> {
    let mut words = run.all_words();
    let Some(first) = words.first() else {
        return Err(Skip::Unsupported("the start command is empty".into()));
    };
    if program_of(first) == "docker-entrypoint.sh" {
        words.remove(0);
        start.entrypoint_only = run.words.len() == 1;
    }
    if words.is_empty() {
        return Err(Skip::Unsupported(
            "the start command only runs docker-entrypoint.sh".into(),
        ));
    }
    Ok(words)
}

/// A start command that is neither node nor a package manager runs `prog`, and in shell form
/// the programs of its other commands too (`./wait.sh && pnpm start` runs pnpm).
fn other_programs(run: &RunCommand, prog: String, start: &mut Start) {
    start.programs.push(prog);
    if run.shell {
        for c in run.commands().iter().skip(1) {
            if let Some(w) = c.first() {
                start.programs.push(w.clone());
            }
        }
    }
}

/// `npm start` & co. (`call`: the start words, their package manager and the script's name):
/// the script's commands are collected, and the start becomes `node <file>` when the script is
/// a plain node command nothing else depends on.
fn script_start(
    input: &Input<'_, '_>,
    run: &RunCommand,
    scripts: &BTreeMap<String, String>,
    dir: &str,
    call: (&[String], Pm, &str),
    mut start: Start,
) -> Result<Start, Skip> {
    let (words, pm, name) = call;
    let prog = program_of(&words[0]);
    let extra = script_args(pm, words, name);
    let script = script_text(input, scripts, dir, name)?;
    script_commands(scripts, name, &script, &mut start);
    let shown = words.join(" ");
    let form = start_form(input, run, &start);
    match node_rewrite(input, scripts, dir, (name, &script), form) {
        Ok(mut w) => {
            w.extend(extra);
            start.notes.push(format!(
                "`{shown}` runs `{script}`: CMD starts node directly (signals reach it, no {} at run time)",
                pm.program()
            ));
            start.node_args = Some(w[1..].to_vec());
            start.rewrite = Some(w);
            start.programs = vec!["node".into()];
        }
        Err(why) => {
            start
                .notes
                .push(format!("`{shown}` kept ({prog} stays in the runtime): {why}"));
            start.keeps_pm = Some(prog);
            if let Some(w) = plain_node(&script) {
                start.node_args = Some(w[1..].to_vec());
            }
        }
    }
    Ok(start)
}

/// The arguments a package-manager start command hands the script: after `--`, or (not npm)
/// the words after the script's name; npm hands nothing without `--`.
fn script_args(pm: Pm, words: &[String], name: &str) -> Vec<String> {
    let pos = words.iter().position(|w| w == name).unwrap_or(words.len());
    let extra: Vec<String> = words[(pos + 1).min(words.len())..].to_vec();
    if pm != Pm::Npm && extra.first().is_none_or(|w| w != "--") {
        return extra;
    }
    match extra.iter().position(|w| w == "--") {
        Some(p) => extra[p + 1..].to_vec(),
        None if pm == Pm::Npm => Vec::new(),
        None => extra,
    }
}

/// The text of script `name`; `start` without a script runs `node server.js` when the package
/// has one (npm's default).
fn script_text(
    input: &Input<'_, '_>,
    scripts: &BTreeMap<String, String>,
    dir: &str,
    name: &str,
) -> Result<String, Skip> {
    match scripts.get(name) {
        Some(s) => Ok(s.clone()),
        None if name == "start" && input.ctx.is_file(&crate::context::join(dir, "server.js")) => {
            Ok("node server.js".into())
        }
        None => Err(Skip::Unsupported(format!(
            "the start command runs the script `{name}`, which package.json does not define"
        ))),
    }
}

/// Collects the programs, preloaded modules and named words of the commands script `name`
/// (text `script`) runs, for the devDependency and package-manager checks.
fn script_commands(scripts: &BTreeMap<String, String>, name: &str, script: &str, start: &mut Start) {
    let mut cmds = Vec::new();
    collect_script_commands(scripts, name, &mut cmds, 0);
    if cmds.is_empty() && !scripts.contains_key(name) {
        cmds.push(script.split_whitespace().map(str::to_string).collect());
    }
    for c in &cmds {
        start.named.extend(c.iter().skip(1).cloned());
        if let Some(p) = c.first() {
            let p = program_of(p);
            if p == "node" {
                start.preloads.extend(preloads(&c[1..]));
            }
            if !start.programs.contains(&p) {
                start.programs.push(p);
            }
        }
    }
}

/// A script that is a single `node ...` command without variables, as exec-form words.
fn plain_node(script: &str) -> Option<Vec<String>> {
    shell::to_exec(script, '\\')
        .filter(|w| w.first().is_some_and(|p| p == "node") && !w.iter().any(|x| shell::is_assignment(x)))
}

/// Whether the start command's form lets exec-form node words replace it, or why not: split
/// over ENTRYPOINT and CMD (unless the ENTRYPOINT is `docker-entrypoint.sh` alone), or
/// needing its shell (`npm start && echo done`, `npm start -- --port $PORT`).
fn start_form(input: &Input<'_, '_>, run: &RunCommand, start: &Start) -> Result<(), String> {
    if run.cmd.is_some() && !start.entrypoint_only {
        return Err("it is split over ENTRYPOINT and CMD".into());
    }
    let parts = [Some(run.index), run.cmd.as_ref().map(|(j, _)| *j)];
    if parts
        .into_iter()
        .flatten()
        .any(|i| crate::lang::needs_shell_at(input.df, i))
    {
        return Err("it needs a shell (variables, operators or several commands)".into());
    }
    Ok(())
}

/// The `node ...` words that can replace script `name` (text `script`), or why the package
/// manager stays: the start command's `form` does not allow it, pre/post scripts run, the
/// script is not a plain node command, or the app reads `npm_*` variables.
fn node_rewrite(
    input: &Input<'_, '_>,
    scripts: &BTreeMap<String, String>,
    dir: &str,
    (name, script): (&str, &str),
    form: Result<(), String>,
) -> Result<Vec<String>, String> {
    form?;
    if scripts.contains_key(&format!("pre{name}")) || scripts.contains_key(&format!("post{name}")) {
        return Err("its pre/post scripts run too".into());
    }
    let Some(words) = plain_node(script) else {
        return Err(format!("`{script}` is not a plain node command"));
    };
    if reads_npm_env(input, dir) {
        return Err("the app reads npm_* variables".into());
    }
    Ok(words)
}

/// Every simple command the start command runs, with the package.json scripts it calls
/// followed.
pub fn start_commands(run: &RunCommand, scripts: &BTreeMap<String, String>) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for c in run.commands() {
        let c = strip_wrappers(&c);
        let c = match c.first().map(|p| file_name(p)) {
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
        let Some(prog) = c.first().map(|p| file_name(p).to_string()) else {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::MemContext;
    use crate::lang::run_command;
    use crate::lang::testing::{with_input, words};
    use crate::template::TemplateSet;

    fn tpl() -> &'static Template {
        &TemplateSet::builtin().node
    }

    fn scripts(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    /// The start of a node:20 image whose start command is `start_lines`.
    fn start_of(start_lines: &str, s: &BTreeMap<String, String>, ctx: &MemContext) -> Result<Start, String> {
        let df = format!("FROM node:20\nWORKDIR /app\nCOPY . .\n{start_lines}\n");
        with_input(&df, ctx, |input| {
            let run = run_command(input.df, input.model).expect("a start command");
            analyze_start(input, &run, s, "").map_err(|e| e.to_string())
        })
    }

    #[test]
    fn node_starts_are_read_directly() {
        let s = start_of(
            "CMD [\"node\", \"-r\", \"dotenv/config\", \"dist/main.js\"]",
            &scripts(&[]),
            &MemContext::new(),
        )
        .expect("a start");
        assert_eq!(s.node_args, Some(words("-r dotenv/config dist/main.js")));
        assert_eq!(
            (s.preloads.clone(), s.programs.clone()),
            (words("dotenv/config"), words("node"))
        );
        assert_eq!((s.rewrite.clone(), s.keeps_pm.clone()), (None, None));
        let s = start_of(
            "ENTRYPOINT [\"docker-entrypoint.sh\"]\nCMD [\"node\", \"a.js\"]",
            &scripts(&[]),
            &MemContext::new(),
        )
        .expect("a start");
        assert!(s.entrypoint_only);
        assert_eq!(s.named, words("node a.js"));
    }

    #[test]
    fn empty_and_entrypoint_only_starts_are_refused() {
        let none = scripts(&[]);
        assert_eq!(
            start_of("CMD []", &none, &MemContext::new()).unwrap_err(),
            "the start command is empty"
        );
        assert_eq!(
            start_of("ENTRYPOINT [\"docker-entrypoint.sh\"]", &none, &MemContext::new()).unwrap_err(),
            "the start command only runs docker-entrypoint.sh"
        );
    }

    #[test]
    fn other_programs_are_kept() {
        let s = start_of(
            "CMD pm2-runtime start ecosystem.config.js",
            &scripts(&[]),
            &MemContext::new(),
        )
        .expect("a start");
        assert_eq!(s.programs, words("pm2-runtime"));
        let s = start_of(
            "CMD [\"sh\", \"-c\", \"./wait.sh && node a.js\"]",
            &scripts(&[]),
            &MemContext::new(),
        )
        .expect("a start");
        assert_eq!(s.programs, words("wait.sh node"));
        let s = start_of(
            "CMD [\"npx\", \"-y\", \"serve\", \"dist\"]",
            &scripts(&[]),
            &MemContext::new(),
        )
        .expect("a start");
        assert_eq!(
            (s.keeps_pm.as_deref(), s.programs.clone()),
            (Some("npx"), words("serve"))
        );
        let s = start_of("CMD [\"npm\", \"ci\"]", &scripts(&[]), &MemContext::new()).expect("a start");
        assert_eq!((s.keeps_pm.as_deref(), s.programs.len()), (Some("npm"), 0));
    }

    #[test]
    fn a_plain_start_script_becomes_node() {
        let s = scripts(&[("start", "node --enable-source-maps dist/server.js")]);
        let st = start_of(
            "CMD [\"npm\", \"start\", \"--\", \"--port\", \"80\"]",
            &s,
            &MemContext::new(),
        )
        .expect("a start");
        assert_eq!(
            st.rewrite,
            Some(words("node --enable-source-maps dist/server.js --port 80"))
        );
        assert_eq!(
            st.node_args,
            Some(words("--enable-source-maps dist/server.js --port 80"))
        );
        assert_eq!(st.programs, words("node"));
        assert_eq!(
            st.notes,
            [
                "`npm start -- --port 80` runs `node --enable-source-maps dist/server.js`: CMD starts node directly (signals reach it, no npm at run time)"
            ]
        );
        // npm's default start script.
        let ctx = MemContext::new().with("server.js", "");
        let st = start_of("CMD [\"npm\", \"start\"]", &scripts(&[]), &ctx).expect("a start");
        assert_eq!(st.rewrite, Some(words("node server.js")));
        assert_eq!(
            start_of("CMD [\"npm\", \"start\"]", &scripts(&[]), &MemContext::new()).unwrap_err(),
            "the start command runs the script `start`, which package.json does not define"
        );
    }

    #[test]
    fn the_package_manager_stays_when_something_depends_on_it() {
        let kept = |cmd: &str, s: &BTreeMap<String, String>, ctx: &MemContext| {
            let st = start_of(cmd, s, ctx).expect("a start");
            assert_eq!(st.rewrite, None);
            (st.keeps_pm.unwrap_or_default(), st.notes.join(" "))
        };
        let hooks = scripts(&[("start", "node a.js"), ("prestart", "node migrate.js")]);
        let (pm, why) = kept("CMD [\"npm\", \"start\"]", &hooks, &MemContext::new());
        assert_eq!(pm, "npm");
        assert!(why.ends_with("its pre/post scripts run too"), "{why}");
        let shell = scripts(&[("start", "NODE_ENV=production node a.js")]);
        let (_, why) = kept("CMD [\"yarn\", \"start\"]", &shell, &MemContext::new());
        assert_eq!(
            why,
            "`yarn start` kept (yarn stays in the runtime): `NODE_ENV=production node a.js` is not a plain node command"
        );
        let plain = scripts(&[("start", "node a.js")]);
        let reads = MemContext::new().with("a.js", "console.log(process.env.npm_package_version)");
        let (_, why) = kept("CMD [\"npm\", \"start\"]", &plain, &reads);
        assert!(why.ends_with("the app reads npm_* variables"), "{why}");
        let (_, why) = kept("ENTRYPOINT [\"npm\"]\nCMD [\"start\"]", &plain, &MemContext::new());
        assert!(why.ends_with("it is split over ENTRYPOINT and CMD"), "{why}");
        // The node arguments are still known.
        let st = start_of("CMD [\"npm\", \"start\"]", &hooks, &MemContext::new()).expect("a start");
        assert_eq!(st.node_args, Some(words("a.js")));
    }

    #[test]
    fn script_arguments() {
        assert_eq!(
            script_args(Pm::Npm, &words("npm run serve -- -p 1"), "serve"),
            words("-p 1")
        );
        assert_eq!(
            script_args(Pm::Npm, &words("npm run serve -p 1"), "serve"),
            Vec::<String>::new()
        );
        assert_eq!(script_args(Pm::Yarn, &words("yarn serve -p 1"), "serve"), words("-p 1"));
        assert_eq!(
            script_args(Pm::Pnpm, &words("pnpm serve -- -p 1"), "serve"),
            words("-p 1")
        );
        assert_eq!(
            script_args(Pm::Yarn, &words("yarn start"), "start"),
            Vec::<String>::new()
        );
    }

    #[test]
    fn script_commands_collect_programs_and_preloads() {
        let s = scripts(&[
            ("start", "npm run build && node -r ts-node/register src/a.ts"),
            ("build", "tsc"),
        ]);
        let mut st = Start::default();
        script_commands(&s, "start", "unused", &mut st);
        assert_eq!(st.programs, words("tsc node"));
        assert_eq!(st.preloads, words("ts-node/register"));
        assert_eq!(st.named, words("-r ts-node/register src/a.ts"));
        // A script that is not in package.json (npm's default) is read from its text.
        let mut st = Start::default();
        script_commands(&s, "serve", "node server.js", &mut st);
        assert_eq!(
            (st.programs.clone(), st.named.clone()),
            (words("node"), words("server.js"))
        );
    }

    #[test]
    fn plain_node_commands() {
        assert_eq!(plain_node("node dist/a.js --x"), Some(words("node dist/a.js --x")));
        assert_eq!(plain_node("node a.js && node b.js"), None);
        assert_eq!(plain_node("tsx a.ts"), None);
        assert_eq!(plain_node("node $FILE"), None);
    }

    #[test]
    fn start_forms_that_node_words_cannot_replace() {
        let form = |lines: &str| {
            let df = format!("FROM node:20\n{lines}\n");
            with_input(&df, &MemContext::new(), |input| {
                let run = run_command(input.df, input.model).expect("a start command");
                let mut st = Start::default();
                start_words(&run, &mut st).expect("words");
                start_form(input, &run, &st)
            })
        };
        let shell = Err("it needs a shell (variables, operators or several commands)".to_string());
        assert_eq!(form("CMD npm start"), Ok(()));
        assert_eq!(form("CMD npm start && echo stopped"), shell);
        assert_eq!(form("CMD npm start -- --port $PORT"), shell);
        assert_eq!(form("CMD [\"sh\", \"-c\", \"npm start && echo stopped\"]"), shell);
        assert_eq!(
            form("ENTRYPOINT [\"docker-entrypoint.sh\"]\nCMD [\"sh\", \"-c\", \"npm start; echo x\"]"),
            shell
        );
        assert_eq!(
            form("ENTRYPOINT [\"docker-entrypoint.sh\"]\nCMD [\"npm\", \"start\"]"),
            Ok(())
        );
        assert_eq!(
            form("ENTRYPOINT [\"npm\"]\nCMD [\"start\"]"),
            Err("it is split over ENTRYPOINT and CMD".to_string())
        );
    }

    #[test]
    fn node_rewrite_reasons_in_order() {
        with_input("FROM node:20\n", &MemContext::new(), |input| {
            let s = scripts(&[("start", "node a.js"), ("poststart", "x")]);
            assert_eq!(
                node_rewrite(
                    input,
                    &s,
                    "",
                    ("start", "node a.js"),
                    Err("it is split over ENTRYPOINT and CMD".into())
                ),
                Err("it is split over ENTRYPOINT and CMD".into())
            );
            assert_eq!(
                node_rewrite(input, &s, "", ("start", "node a.js"), Ok(())),
                Err("its pre/post scripts run too".into())
            );
            assert_eq!(
                node_rewrite(input, &s, "", ("serve", "node a.js"), Ok(())),
                Ok(words("node a.js"))
            );
        });
    }

    #[test]
    fn packages_of_programs_and_modules() {
        assert_eq!(package_of(tpl(), "tsc"), "typescript");
        assert_eq!(package_of(tpl(), "./node_modules/.bin/nest"), "@nestjs/cli");
        assert_eq!(package_of(tpl(), "ts-node/register"), "ts-node");
        assert_eq!(package_of(tpl(), "@babel/register/x"), "@babel/register");
        assert_eq!(package_of(tpl(), "next"), "next");
    }

    #[test]
    fn script_files_and_preloads_of_node_arguments() {
        assert_eq!(
            script_file(&words("--max-old-space-size 512 -r x dist/a.js b")),
            Some("dist/a.js".into())
        );
        assert_eq!(script_file(&words("-e console.log(1)")), None);
        assert_eq!(script_file(&words("--inspect")), None);
        assert_eq!(
            preloads(&words("--import=tsx -r ./local.js --loader ts-node/esm a.js -r late")),
            words("tsx ts-node/esm")
        );
    }

    #[test]
    fn start_commands_follow_scripts() {
        let df = "FROM node:20\nCMD [\"sh\", \"-c\", \"npm run migrate && cross-env A=1 node a.js\"]\n";
        let s = scripts(&[("migrate", "prisma migrate deploy")]);
        with_input(df, &MemContext::new(), |input| {
            let run = run_command(input.df, input.model).expect("a start command");
            assert_eq!(
                start_commands(&run, &s),
                vec![words("prisma migrate deploy"), words("node a.js")]
            );
        });
        let df = "FROM node:20\nENTRYPOINT [\"docker-entrypoint.sh\"]\nCMD [\"npm\", \"run\", \"migrate\"]\n";
        with_input(df, &MemContext::new(), |input| {
            let run = run_command(input.df, input.model).expect("a start command");
            assert_eq!(start_commands(&run, &s), vec![words("prisma migrate deploy")]);
        });
    }

    #[test]
    fn work_at_start_up() {
        let work = |cmd: &str| startup_work(tpl(), &[words(cmd)]);
        assert_eq!(
            work("npm ci --omit=dev").as_deref(),
            Some("installs packages at start-up (`npm ci --omit=dev`); install them in the build instead")
        );
        assert!(work("yarn global add pm2").is_some_and(|w| w.starts_with("installs packages")));
        assert_eq!(
            work("npx prisma migrate deploy").as_deref(),
            Some(
                "runs database migrations at start-up with a CLI (`prisma migrate deploy`), which the runtime stage may lack"
            )
        );
        assert_eq!(
            work("next build").as_deref(),
            Some("builds at start-up (`next build`); build in the Dockerfile instead")
        );
        assert_eq!(work("next start"), None);
        assert_eq!(work("tsc --noEmit"), None);
        assert!(work("tsc -p .").is_some());
        assert_eq!(work("node a.js"), None);
    }

    #[test]
    fn npm_variables_in_the_sources() {
        let ctx = MemContext::new()
            .with("app/a.js", "process.env.npm_lifecycle_event")
            .with("b.ts", "const x = 1");
        with_input("FROM node:20\n", &ctx, |input| {
            assert!(reads_npm_env(input, "app"));
            assert!(reads_npm_env(input, ""));
        });
        with_input("FROM node:20\n", &MemContext::new().with("b.ts", "x"), |input| {
            assert!(!reads_npm_env(input, ""))
        });
    }

    #[test]
    fn program_names_and_start_words() {
        assert_eq!(program_of("/usr/local/bin/node"), "node");
        with_input(
            "FROM node:20\nENTRYPOINT [\"/usr/local/bin/docker-entrypoint.sh\", \"x\"]\nCMD [\"y\"]\n",
            &MemContext::new(),
            |input| {
                let run = run_command(input.df, input.model).expect("a start command");
                let mut st = Start::default();
                assert_eq!(start_words(&run, &mut st), Ok(words("x y")));
                assert!(!st.entrypoint_only);
            },
        );
    }

    #[test]
    fn script_passes_read_directly() {
        with_input(
            "FROM node:20\nCMD [\"pm2-runtime\", \"app.js\"]\n",
            &MemContext::new(),
            |input| {
                let run = run_command(input.df, input.model).expect("a start command");
                let mut st = Start::default();
                other_programs(&run, "pm2-runtime".into(), &mut st);
                assert_eq!(st.programs, words("pm2-runtime"));
            },
        );
        // Shell form: the programs of the later commands too.
        with_input(
            "FROM node:20\nCMD ./wait.sh && A=1 pnpm start\n",
            &MemContext::new(),
            |input| {
                let run = run_command(input.df, input.model).expect("a start command");
                let mut st = Start::default();
                other_programs(&run, "wait.sh".into(), &mut st);
                assert_eq!(st.programs, words("wait.sh pnpm"));
            },
        );
        let s = scripts(&[("serve", "node --inspect srv.js")]);
        with_input(
            "FROM node:20\nCMD [\"yarn\", \"serve\", \"-p\", \"1\"]\n",
            &MemContext::new(),
            |input| {
                let run = run_command(input.df, input.model).expect("a start command");
                assert_eq!(
                    script_text(input, &s, "", "serve").as_deref(),
                    Ok("node --inspect srv.js")
                );
                assert!(script_text(input, &s, "", "start").is_err());
                let w = words("yarn serve -p 1");
                let st = script_start(input, &run, &s, "", (&w, Pm::Yarn, "serve"), Start::default()).expect("a start");
                assert_eq!(st.rewrite, Some(words("node --inspect srv.js -p 1")));
            },
        );
    }
}
