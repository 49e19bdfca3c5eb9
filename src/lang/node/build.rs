//! Build: where a Node build writes (tsc/vite/next/nest... outputs, from flags and config
//! files) and which source directories it reads from. [`build_outputs`] reads each command
//! (`tool_output`): a flag naming the output (`output_flags`, `flag_dir`), else the tool's
//! config file (`config_output`), else the tool's default; [`build_roots`] reads vite's `root`.

use crate::detect::{absolute, file_name};
use crate::lang::Input;
use crate::template::node::{BuildTool, Template};

/// Where the build writes, relative to the package root; `None` when unknown.
pub fn build_outputs(input: &Input<'_, '_>, tpl: &Template, dir: &str, cmds: &[Vec<String>]) -> Option<Vec<String>> {
    let mut outs: Vec<String> = Vec::new();
    let mut unknown = false;
    for c in cmds {
        match tool_output(input, tpl, dir, c) {
            Output::Beside => {}
            Output::Unknown => unknown = true,
            Output::Dir(out) if !outs.contains(&out) => outs.push(out),
            Output::Dir(_) => {}
        }
    }
    if unknown { None } else { Some(outs) }
}

/// Where one build command writes.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Output {
    /// Not a build tool, or one that writes next to its sources (the app files hold it).
    Beside,
    /// Somewhere dockslim cannot tell (the package root, outside the package).
    Unknown,
    /// This directory of the package.
    Dir(String),
}

/// Where build command `c` of the package in context directory `dir` writes: a flag naming the
/// output, else the tool's config file, else the tool's default.
fn tool_output(input: &Input<'_, '_>, tpl: &Template, dir: &str, c: &[String]) -> Output {
    let Some(prog) = c.first().map(|p| file_name(p).to_string()) else {
        return Output::Beside;
    };
    let Some(tool) = tpl.build_tools.get(&prog) else {
        return Output::Beside;
    };
    let (flagged, project) = output_flags(tpl, &prog, c);
    let out = match flagged {
        Some(f) => flag_dir(&f),
        None => config_output(input, tool, dir, project.as_deref()).unwrap_or_else(|| tool.out.clone()),
    };
    let out = out.trim_end_matches('/').trim_start_matches("./").to_string();
    if out.is_empty() || out == "." {
        return if tool.out.is_empty() {
            Output::Beside
        } else {
            Output::Unknown
        };
    }
    if out.starts_with('/') || out.starts_with("..") {
        return Output::Unknown;
    }
    Output::Dir(out)
}

/// The output a flag of `c` names (`--outDir dist`, `-o=out`), and tsc's `-p`/`--project`.
fn output_flags(tpl: &Template, prog: &str, c: &[String]) -> (Option<String>, Option<String>) {
    let mut flagged = None;
    let mut project = None;
    let mut it = c.iter().skip(1);
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
    (flagged, project)
}

/// The directory an output flag's value names: an output file (`--outfile=dist/app.js`) means
/// its directory.
fn flag_dir(value: &str) -> String {
    let f = value.trim_start_matches("./").to_string();
    let is_file = f
        .rsplit('/')
        .next()
        .is_some_and(|b| b.contains('.') && !b.starts_with('.'));
    if is_file {
        f.rsplit_once('/').map(|(d, _)| d.to_string()).unwrap_or_default()
    } else {
        f
    }
}

/// The output directory `tool`'s config files name (`outDir`, relative to the config and to
/// vite's `root`), the `project` config first: normalised inside the package, with `..` above
/// it kept visible.
fn config_output(input: &Input<'_, '_>, tool: &BuildTool, dir: &str, project: Option<&str>) -> Option<String> {
    let key = tool.key.as_ref()?;
    let mut configs: Vec<String> = tool.configs.clone();
    if let Some(p) = project {
        let p = p.trim_start_matches("./");
        let file = if p.ends_with(".json") {
            p.to_string()
        } else {
            format!("{}/tsconfig.json", p.trim_end_matches('/'))
        };
        configs.insert(0, file);
    }
    configs.iter().find_map(|cfg| {
        let t = input.ctx.read(&crate::context::join(dir, cfg))?;
        let v = config_string(&t, key)?;
        let mut base = cfg.rsplit_once('/').map_or("", |(d, _)| d).to_string();
        if let Some(root) = tool.root_key.as_ref().and_then(|k| config_string(&t, k)) {
            base = crate::context::join(&base, &root);
        }
        let joined = crate::context::join(&base, &v);
        let norm = absolute("/pkg", &joined);
        Some(match norm.strip_prefix("/pkg/") {
            Some(r) => r.to_string(),
            None => joined,
        })
    })
}

/// Source directories a build tool reads from (vite's `root`): the build output replaces
/// them at run time.
pub fn build_roots(input: &Input<'_, '_>, tpl: &Template, dir: &str, cmds: &[Vec<String>]) -> Vec<String> {
    let mut out = Vec::new();
    for c in cmds {
        let Some(tool) = c.first().and_then(|p| tpl.build_tools.get(file_name(p))) else {
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
pub fn config_string(text: &str, key: &str) -> Option<String> {
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
pub fn yaml_value(text: &str, key: &str) -> Option<String> {
    text.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        (k.trim() == key && !l.starts_with(char::is_whitespace)).then(|| v.trim().trim_matches(['"', '\'']).to_string())
    })
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

    fn outputs(ctx: &MemContext, dir: &str, cmds: &[&str]) -> Option<Vec<String>> {
        let cmds: Vec<Vec<String>> = cmds.iter().map(|c| words(c)).collect();
        with_input("FROM node:20\n", ctx, |input| build_outputs(input, tpl(), dir, &cmds))
    }

    #[test]
    fn outputs_from_flags_configs_and_defaults() {
        let ctx = MemContext::new().with("tsconfig.json", "{ \"compilerOptions\": { \"outDir\": \"./build/\" } }");
        assert_eq!(outputs(&ctx, "", &["tsc"]), Some(words("build")));
        assert_eq!(outputs(&ctx, "", &["tsc --outDir lib"]), Some(words("lib")));
        assert_eq!(
            outputs(&ctx, "", &["next build", "vite build", "next build"]),
            Some(words(".next dist"))
        );
        assert_eq!(
            outputs(&ctx, "", &["esbuild src/a.ts --bundle --outfile=out/app.js"]),
            Some(words("out"))
        );
        assert_eq!(outputs(&ctx, "", &["prisma generate"]), Some(vec![]));
    }

    #[test]
    fn unknown_outputs() {
        let ctx = MemContext::new();
        // tsc without outDir writes beside the sources: nothing to name.
        assert_eq!(outputs(&ctx, "", &["tsc"]), Some(vec![]));
        assert_eq!(outputs(&ctx, "", &["webpack -o ."]), None);
        assert_eq!(outputs(&ctx, "", &["vite build --outDir ../public"]), None);
        assert_eq!(outputs(&ctx, "", &["vite build --outDir /srv/www"]), None);
    }

    #[test]
    fn tool_outputs() {
        let ctx = MemContext::new().with(
            "web/vite.config.ts",
            "export default { root: 'client', build: { outDir: '../dist' } }",
        );
        with_input("FROM node:20\n", &ctx, |input| {
            assert_eq!(
                tool_output(input, tpl(), "web", &words("vite build")),
                Output::Dir("dist".into())
            );
            assert_eq!(
                tool_output(input, tpl(), "web", &words("./node_modules/.bin/nest build")),
                Output::Dir("dist".into())
            );
            assert_eq!(
                tool_output(input, tpl(), "web", &words("node build.js")),
                Output::Beside
            );
            assert_eq!(tool_output(input, tpl(), "web", &[]), Output::Beside);
        });
    }

    #[test]
    fn output_flags_and_their_directories() {
        assert_eq!(
            output_flags(tpl(), "tsc", &words("tsc -p tsconfig.build.json --outDir=out")),
            (Some("out".into()), Some("tsconfig.build.json".into()))
        );
        assert_eq!(
            output_flags(tpl(), "babel", &words("babel src -d lib -p x")),
            (Some("lib".into()), None)
        );
        assert_eq!(flag_dir("./dist/app.js"), "dist");
        assert_eq!(flag_dir("app.js"), "");
        assert_eq!(flag_dir("dist/.cache"), "dist/.cache");
        assert_eq!(flag_dir("out"), "out");
    }

    #[test]
    fn config_outputs_follow_the_project_and_root() {
        let ctx = MemContext::new()
            .with("app/tsconfig.json", "{\"outDir\": \"a\"}")
            .with("app/server/tsconfig.json", "{\"outDir\": \"../dist/server\"}")
            .with("app/tsconfig.up.json", "{\"outDir\": \"../../up\"}");
        let tsc = &tpl().build_tools["tsc"];
        with_input("FROM node:20\n", &ctx, |input| {
            assert_eq!(config_output(input, tsc, "app", None).as_deref(), Some("a"));
            assert_eq!(
                config_output(input, tsc, "app", Some("./server/")).as_deref(),
                Some("dist/server")
            );
            assert_eq!(
                config_output(input, tsc, "app", Some("tsconfig.up.json")).as_deref(),
                Some("../../up")
            );
            // next has no config key.
            assert_eq!(config_output(input, &tpl().build_tools["next"], "app", None), None);
        });
    }

    #[test]
    fn build_roots_are_vite_roots() {
        let ctx = MemContext::new().with("vite.config.js", "export default { root: \"./client/\" }");
        with_input("FROM node:20\n", &ctx, |input| {
            let cmds = vec![words("vite build"), words("tsc")];
            assert_eq!(build_roots(input, tpl(), "", &cmds), words("client"));
        });
        let up = MemContext::new().with("vite.config.js", "export default { root: '../x' }");
        with_input("FROM node:20\n", &up, |input| {
            assert!(build_roots(input, tpl(), "", &[words("vite build")]).is_empty());
        });
    }

    #[test]
    fn config_strings_and_yaml_values() {
        assert_eq!(
            config_string("{\"outDir\": \"dist\"}", "outDir").as_deref(),
            Some("dist")
        );
        assert_eq!(
            config_string("{ myoutDir: 'x', outDir: `y` }", "outDir").as_deref(),
            Some("y")
        );
        assert_eq!(config_string("outDir = 'x'", "outDir"), None);
        assert_eq!(
            yaml_value("nodeLinker: \"node-modules\"\n", "nodeLinker").as_deref(),
            Some("node-modules")
        );
        assert_eq!(yaml_value("a:\n  nodeLinker: pnp\n", "nodeLinker"), None);
    }
}
