//! Build: where a Node build writes (tsc/vite/next/nest... outputs, from flags and config
//! files) and which source directories it reads from.

use crate::detect::absolute;
use crate::lang::Input;
use crate::template::node::Template;

/// Where the build writes, relative to the package root; `None` when unknown.
pub fn build_outputs(input: &Input<'_, '_>, tpl: &Template, dir: &str, cmds: &[Vec<String>]) -> Option<Vec<String>> {
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
pub fn build_roots(input: &Input<'_, '_>, tpl: &Template, dir: &str, cmds: &[Vec<String>]) -> Vec<String> {
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
