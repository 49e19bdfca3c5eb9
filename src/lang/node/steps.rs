//! Steps: what the RUN instructions of a Node image do: the dependency install (and whether it
//! already leaves devDependencies out), the scripts and build tools run, the commands that
//! install a package manager or a global tool, and where the build ends.

use super::pm::Pm;
use crate::lang::Input;
use crate::parse::Instruction;
use crate::shell;
use crate::template::node::Template;

/// What the RUN steps do.
#[derive(Debug, Default)]
pub struct Steps {
    /// The package manager the first install used.
    pub install_pm: Option<Pm>,
    /// An install left devDependencies out.
    pub prod_install: bool,
    /// Any dependency install ran.
    pub installed: bool,
    /// Scripts run by name (`npm run build`).
    pub scripts: Vec<String>,
    /// Build tools run directly (`npx tsc`, `next build`), with their arguments.
    pub direct_tools: Vec<Vec<String>>,
    /// Source text of commands that install a package manager or global tool, with the
    /// packages or managers they provide.
    pub setups: Vec<(String, Vec<String>)>,
    /// The last RUN that belongs to the build.
    pub last_build_run: Option<usize>,
}

/// Reads the RUN steps.
pub fn scan_runs(input: &Input<'_, '_>, tpl: &Template) -> Steps {
    let (df, model) = (input.df, input.model);
    let mut steps = Steps::default();
    for i in model.from + 1..df.instructions.len() {
        let Instruction::Run(_) = &df.instructions[i] else {
            continue;
        };
        let state = model.state(i);
        let node_env_prod = state.var("NODE_ENV") == Some("production");
        let mut is_build = false;
        for cmd in model.commands(i) {
            let assigns = cmd.assignments();
            let texts = cmd.texts();
            let Some(first) = texts.first().map(String::as_str) else {
                continue;
            };
            let prog = first.rsplit('/').next().unwrap_or(first);
            if tpl.build_programs.iter().any(|p| p == prog) {
                is_build = true;
            }
            let env_prod = node_env_prod || assigns.iter().any(|a| a.text == "NODE_ENV=production");
            let source = source_of(df.text, cmd);
            if crate::model::steps::manager_of(prog).is_some() {
                is_build = true;
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
                s if s.starts_with('-') && pm == Pm::Yarn && !global => {
                    // `yarn --production` and other flag-only yarn calls install.
                    steps.installed = true;
                    steps.install_pm.get_or_insert(pm);
                    if flags_prod || env_prod {
                        steps.prod_install = true;
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
pub fn package_name_of_spec(spec: &str) -> String {
    match spec.strip_prefix('@') {
        Some(rest) => format!("@{}", rest.split('@').next().unwrap_or(rest)),
        None => spec.split('@').next().unwrap_or(spec).to_string(),
    }
}

/// The source text of one simple command (from its first word to its last).
pub fn source_of(text: &str, cmd: &crate::model::Cmd) -> String {
    if cmd.nested {
        return cmd
            .texts()
            .iter()
            .map(|w| shell::quote(w))
            .collect::<Vec<_>>()
            .join(" ");
    }
    let words = cmd.program_words();
    match (words.first(), words.last()) {
        (Some(a), Some(b)) if a.start <= b.end && b.end <= text.len() => text
            .get(a.start..b.end)
            .map(str::to_string)
            .unwrap_or_else(|| cmd.texts().join(" ")),
        _ => cmd.texts().join(" "),
    }
}
