//! Package managers: which one the Dockerfile installs with (npm, pnpm, yarn 1, yarn berry,
//! bun: [`package_manager`]), the scripts a command runs (`npm run x` followed through
//! `pre`/`post` hooks and nested runs: [`collect_script_commands`], [`script_called`],
//! [`strip_wrappers`]), and the command that prunes devDependencies ([`prune_command`]).

use std::collections::BTreeMap;

use serde_json::Value;

use super::steps::Steps;
use super::tag::NodeTag;
use crate::lang::Input;
use crate::shell;
use crate::template::node::Template;

/// A package manager.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pm {
    /// npm.
    Npm,
    /// pnpm.
    Pnpm,
    /// yarn 1 (classic).
    Yarn,
    /// yarn 2 and later.
    Berry,
    /// bun.
    Bun,
}

impl Pm {
    /// The manager a program belongs to (`npx` is npm's, `pnpx` pnpm's).
    pub fn from_name(name: &str) -> Option<Pm> {
        match name {
            "npm" | "npx" => Some(Pm::Npm),
            "pnpm" | "pnpx" => Some(Pm::Pnpm),
            "yarn" | "yarnpkg" => Some(Pm::Yarn),
            "bun" | "bunx" => Some(Pm::Bun),
            _ => None,
        }
    }

    /// The program name.
    pub fn program(self) -> &'static str {
        match self {
            Pm::Npm => "npm",
            Pm::Pnpm => "pnpm",
            Pm::Yarn | Pm::Berry => "yarn",
            Pm::Bun => "bun",
        }
    }

    /// The name for messages (`yarn 1`, `yarn berry`).
    pub fn label(self) -> &'static str {
        match self {
            Pm::Berry => "yarn berry",
            Pm::Yarn => "yarn 1",
            other => other.program(),
        }
    }
}

/// The package manager and why.
pub fn package_manager(input: &Input<'_, '_>, tpl: &Template, pkg: &Value, dir: &str, steps: &Steps) -> (Pm, String) {
    let ctx = input.ctx;
    let rel = |n: &str| crate::context::join(dir, n);
    let field = pkg.get("packageManager").and_then(Value::as_str);
    let field_pm = field.and_then(|f| {
        let (name, version) = f.split_once('@').unwrap_or((f, ""));
        let pm = Pm::from_name(name)?;
        let major: u32 = version.split('.').next().and_then(|m| m.parse().ok()).unwrap_or(1);
        Some(if pm == Pm::Yarn && major >= 2 { Pm::Berry } else { pm })
    });
    let berry = field_pm == Some(Pm::Berry)
        || ctx.is_file(&rel(".yarnrc.yml"))
        || ctx.read(&rel("yarn.lock")).is_some_and(|t| t.contains("__metadata:"));
    // The manager the Dockerfile installs with decides; a stray lockfile does not.
    if let Some(pm) = steps.install_pm {
        let pm = if pm == Pm::Yarn && berry { Pm::Berry } else { pm };
        return (pm, format!("the Dockerfile installs with {}", pm.program()));
    }
    if let (Some(pm), Some(f)) = (field_pm, field) {
        return (pm, format!("packageManager {f}"));
    }
    for l in &tpl.lockfiles {
        if ctx.is_file(&rel(&l.file))
            && let Some(pm) = Pm::from_name(&l.pm)
        {
            let pm = if pm == Pm::Yarn && berry { Pm::Berry } else { pm };
            return (pm, l.file.clone());
        }
    }
    (Pm::Npm, "no lockfile".into())
}

/// Every simple command script `name` runs, following `npm run x` into other scripts.
pub fn collect_script_commands(
    scripts: &BTreeMap<String, String>,
    name: &str,
    out: &mut Vec<Vec<String>>,
    depth: usize,
) {
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
pub fn strip_wrappers(words: &[String]) -> Vec<String> {
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
pub fn script_called(words: &[String]) -> Option<String> {
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

/// The prune command for `pm`.
pub fn prune_command(tpl: &Template, pm: Pm, input: &Input<'_, '_>, dir: &str, tag: &NodeTag) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::MemContext;
    use crate::lang::testing::{with_input, words};
    use crate::template::TemplateSet;

    fn tpl() -> &'static Template {
        &TemplateSet::builtin().node
    }

    fn manager(ctx: &MemContext, json: &str, install_pm: Option<Pm>) -> (Pm, String) {
        let pkg: Value = serde_json::from_str(json).expect("json");
        let steps = Steps {
            install_pm,
            ..Steps::default()
        };
        with_input("FROM node:20\n", ctx, |input| {
            package_manager(input, tpl(), &pkg, "", &steps)
        })
    }

    #[test]
    fn the_install_then_the_field_then_the_lockfile_decide() {
        let ctx = MemContext::new().with("pnpm-lock.yaml", "");
        assert_eq!(
            manager(&ctx, "{}", Some(Pm::Npm)),
            (Pm::Npm, "the Dockerfile installs with npm".into())
        );
        assert_eq!(
            manager(&ctx, r#"{"packageManager": "yarn@1.22.19"}"#, None),
            (Pm::Yarn, "packageManager yarn@1.22.19".into())
        );
        assert_eq!(manager(&ctx, r#"{"packageManager": "yarn@4.1.0"}"#, None).0, Pm::Berry);
        assert_eq!(manager(&ctx, "{}", None), (Pm::Pnpm, "pnpm-lock.yaml".into()));
        assert_eq!(manager(&MemContext::new(), "{}", None), (Pm::Npm, "no lockfile".into()));
        // yarn installing in a berry project is berry.
        let berry = MemContext::new().with(".yarnrc.yml", "");
        assert_eq!(manager(&berry, "{}", Some(Pm::Yarn)).0, Pm::Berry);
        let lock = MemContext::new().with("yarn.lock", "__metadata:\n  version: 8\n");
        assert_eq!(manager(&lock, "{}", None), (Pm::Berry, "yarn.lock".into()));
    }

    #[test]
    fn names_and_labels() {
        assert_eq!(Pm::from_name("pnpx"), Some(Pm::Pnpm));
        assert_eq!(Pm::from_name("yarnpkg"), Some(Pm::Yarn));
        assert_eq!(Pm::from_name("deno"), None);
        assert_eq!((Pm::Berry.program(), Pm::Berry.label()), ("yarn", "yarn berry"));
        assert_eq!((Pm::Yarn.label(), Pm::Bun.label()), ("yarn 1", "bun"));
    }

    fn scripts(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn script_commands_follow_hooks_and_nested_runs() {
        let s = scripts(&[
            ("prebuild", "rimraf dist"),
            ("build", "npm run compile && cross-env NODE_ENV=production vite build"),
            ("compile", "tsc -p ."),
            ("loop", "npm run loop"),
        ]);
        let mut out = Vec::new();
        collect_script_commands(&s, "build", &mut out, 0);
        assert_eq!(out, vec![words("rimraf dist"), words("tsc -p ."), words("vite build")]);
        // A script that runs itself ends.
        let mut out = Vec::new();
        collect_script_commands(&s, "loop", &mut out, 0);
        assert!(out.is_empty());
    }

    #[test]
    fn wrappers_and_called_scripts() {
        assert_eq!(strip_wrappers(&words("cross-env A=1 B=2 node x")), words("node x"));
        assert_eq!(strip_wrappers(&words("npx --yes tsc")), words("tsc"));
        assert_eq!(strip_wrappers(&words("A=1 env -i node x")), words("node x"));
        assert_eq!(strip_wrappers(&words("node x")), words("node x"));
        assert_eq!(
            script_called(&words("npm run --silent build")).as_deref(),
            Some("build")
        );
        assert_eq!(script_called(&words("npm start")).as_deref(), Some("start"));
        assert_eq!(script_called(&words("npm ci")), None);
        assert_eq!(script_called(&words("yarn dev")).as_deref(), Some("dev"));
        assert_eq!(script_called(&words("pnpm install")), None);
        assert_eq!(script_called(&words("node a.js")), None);
    }

    #[test]
    fn prune_commands_by_manager() {
        let ctx = MemContext::new().with("yarn.lock", "");
        with_input("FROM node:20\n", &ctx, |input| {
            let tag = |t: &str| NodeTag::parse(t, input, tpl()).expect("a tag");
            assert_eq!(
                prune_command(tpl(), Pm::Npm, input, "", &tag("20")),
                "npm prune --omit=dev"
            );
            assert_eq!(
                prune_command(tpl(), Pm::Npm, input, "", &tag("14")),
                "npm prune --production"
            );
            assert_eq!(
                prune_command(tpl(), Pm::Npm, input, "", &tag("lts")),
                "npm prune --omit=dev"
            );
            assert_eq!(
                prune_command(tpl(), Pm::Yarn, input, "", &tag("20")),
                "yarn install --production --frozen-lockfile --prefer-offline"
            );
            assert_eq!(
                prune_command(tpl(), Pm::Yarn, input, "sub", &tag("20")),
                "yarn install --production --prefer-offline"
            );
            assert_eq!(
                prune_command(tpl(), Pm::Pnpm, input, "", &tag("20")),
                "pnpm prune --prod"
            );
        });
    }
}
