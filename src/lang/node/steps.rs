//! Steps: what the RUN instructions of a Node image do: the dependency install (and whether it
//! already leaves devDependencies out), the scripts and build tools run, the commands that
//! install a package manager or a global tool, and where the build ends. [`scan_runs`] reads
//! each simple command (`read_command`): system package managers and build tools belong to the
//! build, `corepack` is a setup (`corepack_provides`), `npx`/`pnpm dlx` run a tool
//! (`executed_tool`), and other package-manager commands (`read_pm_command`) install
//! (`installed`), set up a global tool, or run a script.

use super::pm::Pm;
use crate::detect::file_name;
use crate::lang::Input;
use crate::model::Cmd;
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
        let node_env_prod = model.state(i).var("NODE_ENV") == Some("production");
        let mut is_build = false;
        for cmd in model.commands(i) {
            is_build |= read_command(df.text, tpl, cmd, node_env_prod, &mut steps);
        }
        if is_build {
            steps.last_build_run = Some(i);
        }
    }
    steps
}

/// Records what one simple command of a RUN does (in a stage whose NODE_ENV is production when
/// `node_env_prod`); returns whether it belongs to the build.
fn read_command(text: &str, tpl: &Template, cmd: &Cmd, node_env_prod: bool, steps: &mut Steps) -> bool {
    let texts = cmd.texts();
    let Some(first) = texts.first().map(String::as_str) else {
        return false;
    };
    let prog = file_name(first);
    let is_build = tpl.build_programs.iter().any(|p| p == prog);
    if crate::model::steps::manager_of(prog).is_some() {
        return true;
    }
    if prog == "corepack" {
        steps.setups.push((source_of(text, cmd), corepack_provides(&texts)));
        return is_build;
    }
    let Some(pm) = Pm::from_name(prog) else {
        if tpl.build_tools.contains_key(prog) {
            steps.direct_tools.push(texts.clone());
            return true;
        }
        return is_build;
    };
    if prog == "npx" || prog == "bunx" || prog == "pnpx" || (pm == Pm::Pnpm && texts.get(1).is_some_and(|s| s == "dlx"))
    {
        steps.direct_tools.extend(executed_tool(tpl, &texts));
        return is_build;
    }
    let env_prod = node_env_prod || cmd.assignments().iter().any(|a| a.text == "NODE_ENV=production");
    let call = PmCall {
        pm,
        words: &texts,
        env_prod,
    };
    read_pm_command(&call, tpl, || source_of(text, cmd), steps);
    is_build
}

/// What `corepack enable [NAMES]` / `corepack prepare|install SPEC...` provides.
fn corepack_provides(texts: &[String]) -> Vec<String> {
    match texts.get(1).map(String::as_str) {
        Some("enable") if texts.len() > 2 => texts[2..].iter().filter(|w| !w.starts_with('-')).cloned().collect(),
        Some("enable") => vec!["pnpm".into(), "yarn".into()],
        Some("prepare" | "install") => texts[2..]
            .iter()
            .filter(|w| !w.starts_with('-'))
            .map(|w| w.split('@').next().unwrap_or(w).to_string())
            .collect(),
        _ => Vec::new(),
    }
}

/// The build tool `npx TOOL ...` / `pnpm dlx TOOL ...` runs, with its arguments, when the
/// templates know it.
fn executed_tool(tpl: &Template, texts: &[String]) -> Option<Vec<String>> {
    let dlx = texts.get(1).is_some_and(|s| s == "dlx");
    let tool: Vec<String> = texts
        .iter()
        .skip(if dlx { 2 } else { 1 })
        .skip_while(|w| w.starts_with('-'))
        .cloned()
        .collect();
    tool.first()
        .is_some_and(|t| tpl.build_tools.contains_key(t))
        .then_some(tool)
}

/// One package-manager command of a RUN.
struct PmCall<'w> {
    /// The manager.
    pm: Pm,
    /// Its words, the program first.
    words: &'w [String],
    /// Whether NODE_ENV is production for it.
    env_prod: bool,
}

/// Subcommands of pnpm, yarn and bun that are not the name of a script.
const NOT_SCRIPTS: [&str; 14] = [
    "config",
    "set",
    "cache",
    "--version",
    "exec",
    "dlx",
    "prune",
    "workspaces",
    "workspace",
    "rebuild",
    "audit",
    "fetch",
    "store",
    "env",
];

/// Records a package-manager command: a dependency install, a global install (a setup the
/// runtime may need, with its `source` text), or a script run.
fn read_pm_command(call: &PmCall<'_>, tpl: &Template, source: impl FnOnce() -> String, steps: &mut Steps) {
    let (pm, texts) = (call.pm, call.words);
    let sub = texts.get(1).map(String::as_str).unwrap_or("");
    let rest: Vec<&String> = texts.iter().skip(2).collect();
    let flags_prod = texts.iter().any(|w| tpl.prod_install_flags.iter().any(|f| f == w));
    let global = texts.iter().any(|w| w == "-g" || w == "--global") || (pm == Pm::Yarn && sub == "global");
    match sub {
        "ci" | "install" | "i" | "add" | "" if !global => {
            installed(steps, pm, flags_prod || (call.env_prod && pm != Pm::Bun));
        }
        "install" | "i" | "add" | "global" => {
            let provides: Vec<String> = rest
                .iter()
                .filter(|w| !(w.starts_with('-') || (pm == Pm::Yarn && w.as_str() == "add")))
                .map(|p| package_name_of_spec(p))
                .collect();
            steps.setups.push((source(), provides));
        }
        "run" | "run-script" => {
            if let Some(s) = rest.iter().find(|w| !w.starts_with('-')) {
                steps.scripts.push(s.to_string());
            }
        }
        // `yarn --production` and other flag-only yarn calls install.
        s if s.starts_with('-') && pm == Pm::Yarn && !global => installed(steps, pm, flags_prod || call.env_prod),
        s if s.starts_with('-') => {}
        s if pm != Pm::Npm && !NOT_SCRIPTS.contains(&s) => steps.scripts.push(s.to_string()),
        _ => {}
    }
}

/// Records a dependency install with `pm`, leaving devDependencies out when `prod`.
fn installed(steps: &mut Steps, pm: Pm, prod: bool) {
    steps.installed = true;
    steps.install_pm.get_or_insert(pm);
    if prod {
        steps.prod_install = true;
    }
}

/// `pnpm@9.1.0` → `pnpm`, `@scope/x@1` → `@scope/x`.
pub fn package_name_of_spec(spec: &str) -> String {
    match spec.strip_prefix('@') {
        Some(rest) => format!("@{}", rest.split('@').next().unwrap_or(rest)),
        None => spec.split('@').next().unwrap_or(spec).to_string(),
    }
}

/// The source text of one simple command (from its first word to its last).
pub fn source_of(text: &str, cmd: &Cmd) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::MemContext;
    use crate::lang::testing::{with_input, words};
    use crate::template::TemplateSet;

    fn tpl() -> &'static Template {
        &TemplateSet::builtin().node
    }

    fn steps(runs: &str) -> Steps {
        let df = format!("FROM node:20\nWORKDIR /app\nCOPY . .\n{runs}");
        with_input(&df, &MemContext::new(), |input| scan_runs(input, tpl()))
    }

    #[test]
    fn installs_are_found_with_their_manager() {
        let s = steps("RUN corepack enable\nRUN pnpm install --frozen-lockfile\nRUN npm ci\n");
        assert!(s.installed && !s.prod_install);
        assert_eq!(s.install_pm, Some(Pm::Pnpm));
        assert!(steps("RUN npm ci --omit=dev\n").prod_install);
        assert!(steps("ENV NODE_ENV=production\nRUN npm ci\n").prod_install);
        assert!(steps("RUN NODE_ENV=production yarn install\n").prod_install);
        // bun installs devDependencies whatever NODE_ENV says.
        assert!(!steps("ENV NODE_ENV=production\nRUN bun install\n").prod_install);
        let s = steps("RUN yarn --production\n");
        assert!(s.installed && s.prod_install && s.install_pm == Some(Pm::Yarn));
        assert!(!steps("RUN npm install -g pm2\n").installed);
    }

    #[test]
    fn scripts_and_build_tools() {
        let s = steps(
            "RUN npm run build -- --prod\nRUN yarn generate\nRUN pnpm exec x\nRUN npx tsc -p .\nRUN pnpm dlx vite build\nRUN next build\nRUN npx cowsay hi\n",
        );
        assert_eq!(s.scripts, words("build generate"));
        assert_eq!(
            s.direct_tools,
            vec![words("tsc -p ."), words("vite build"), words("next build")]
        );
        assert_eq!(s.last_build_run, Some(9));
    }

    #[test]
    fn setups_record_what_they_provide() {
        let s = steps(
            "RUN corepack enable && corepack prepare pnpm@9.1.0 --activate\nRUN npm install -g @nestjs/cli@10 pm2\nRUN yarn global add serve\n",
        );
        let provides: Vec<(String, Vec<String>)> = s.setups;
        assert_eq!(
            provides,
            vec![
                ("corepack enable".to_string(), words("pnpm yarn")),
                ("corepack prepare pnpm@9.1.0 --activate".to_string(), words("pnpm")),
                (
                    "npm install -g @nestjs/cli@10 pm2".to_string(),
                    words("@nestjs/cli pm2")
                ),
                ("yarn global add serve".to_string(), words("serve")),
            ]
        );
    }

    #[test]
    fn the_build_ends_at_the_last_build_run() {
        let s = steps("RUN npm ci\nRUN apt-get update\nRUN mkdir -p /data && chown node /data\n");
        assert_eq!(s.last_build_run, Some(4));
        assert_eq!(steps("RUN mkdir /data\n").last_build_run, None);
    }

    #[test]
    fn corepack_and_executed_tools() {
        assert_eq!(corepack_provides(&words("corepack enable pnpm")), words("pnpm"));
        assert_eq!(corepack_provides(&words("corepack install -g yarn@4")), words("yarn"));
        assert!(corepack_provides(&words("corepack disable")).is_empty());
        assert_eq!(executed_tool(tpl(), &words("npx --yes tsc")), Some(words("tsc")));
        assert_eq!(
            executed_tool(tpl(), &words("pnpm dlx next build")),
            Some(words("next build"))
        );
        assert_eq!(executed_tool(tpl(), &words("npx prisma generate")), None);
    }

    #[test]
    fn package_manager_commands() {
        let read = |line: &str, env_prod: bool| {
            let w = words(line);
            let mut s = Steps::default();
            let call = PmCall {
                pm: Pm::from_name(&w[0]).expect("a manager"),
                words: &w,
                env_prod,
            };
            read_pm_command(&call, tpl(), || "src".to_string(), &mut s);
            s
        };
        let s = read("npm install", true);
        assert!(s.installed && s.prod_install);
        let s = read("npm i -g typescript", false);
        assert_eq!(
            (s.installed, s.setups.clone()),
            (false, vec![("src".to_string(), words("typescript"))])
        );
        assert_eq!(read("pnpm build", false).scripts, words("build"));
        assert!(read("npm build", false).scripts.is_empty());
        assert!(read("pnpm store prune", false).scripts.is_empty());
        assert!(read("npm --version", false).scripts.is_empty() && !read("npm --version", false).installed);
        let mut s = Steps::default();
        installed(&mut s, Pm::Bun, false);
        installed(&mut s, Pm::Npm, true);
        assert_eq!((s.install_pm, s.prod_install), (Some(Pm::Bun), true));
    }

    #[test]
    fn specs_and_sources() {
        assert_eq!(package_name_of_spec("pnpm@9.1.0"), "pnpm");
        assert_eq!(package_name_of_spec("@scope/x@1"), "@scope/x");
        assert_eq!(package_name_of_spec("serve"), "serve");
        let df = "FROM node:20\nRUN npm i -g  pm2 && su node -c 'npm i -g \"a b\"'\n";
        with_input(df, &MemContext::new(), |input| {
            let cmds = input.model.commands(1);
            assert_eq!(source_of(df, &cmds[0]), "npm i -g  pm2");
            // cmds[1] is the `su` wrapper, cmds[2] what it runs.
            assert!(cmds[2].nested);
            assert_eq!(source_of(df, &cmds[2]), "npm i -g 'a b'");
        });
    }

    #[test]
    fn one_command_read_directly() {
        let df = "FROM node:20\nRUN apt-get install -y python3 && corepack enable && npx tsc && make && NODE_ENV=production npm ci\n";
        with_input(df, &MemContext::new(), |input| {
            let cmds = input.model.commands(1);
            let mut s = Steps::default();
            let reads: Vec<bool> = cmds.iter().map(|c| read_command(df, tpl(), c, false, &mut s)).collect();
            assert_eq!(reads, [true, true, true, false, true]);
            assert_eq!(s.setups, vec![("corepack enable".to_string(), words("pnpm yarn"))]);
            assert_eq!(s.direct_tools, vec![words("tsc")]);
            assert!(s.installed && s.prod_install);
        });
    }
}
