//! Builds: every `cargo build` / `cargo install --path` of the stage, resolved to the binaries
//! it makes and where they are in the image (profile, `--target`, the target directory,
//! `.cargo/config.toml`, the install root), followed through later `mv`/`cp`.

use super::cargo::{Cargo, parse_cargo};
use super::workspace::{cargo_config, pick_run_bin, select};
use crate::context::join;
use crate::detect::absolute;
use crate::lang::Input;
use crate::parse::Instruction;
use crate::template::rust::Template;

/// One binary a build step makes.
#[derive(Debug, Clone)]
pub struct Built {
    /// The binary's name.
    pub bin: String,
    /// Where it is in the builder image (after any `mv`/`cp`).
    pub path: String,
    /// Where cargo wrote it.
    pub original: String,
}

/// One `cargo build` / `cargo install` step.
#[derive(Debug, Clone)]
pub struct Build {
    /// Instruction index.
    pub index: usize,
    /// The command.
    pub cargo: Cargo,
    /// The binaries it makes.
    pub built: Vec<Built>,
    /// The target triple, if any.
    pub triple: Option<String>,
    /// The context directory of the workspace root.
    pub ws_root: String,
}

/// Where a build is, for reading its environment.
pub struct Site<'s> {
    /// Instruction index.
    pub index: usize,
    /// Working directory.
    pub cwd: String,
    /// Command-prefix assignments.
    pub assigns: &'s [(String, String)],
}

/// Resolves a cargo command into the binaries it makes and their paths.
pub fn resolve(input: &Input<'_, '_>, tpl: &Template, c: &Cargo, site: &Site<'_>) -> Result<Build, String> {
    let (model, ctx) = (input.model, input.ctx);
    let state = model.state(site.index);
    let var = |k: &str| -> Option<String> {
        site.assigns
            .iter()
            .rev()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .or_else(|| state.var(k).map(str::to_string))
            .filter(|v| !v.is_empty())
    };
    let at = if site.index < input.df.instructions.len() {
        format!("at line {}", input.df.line(site.index))
    } else {
        "in the start command".to_string()
    };
    let manifest_image_dir = match (&c.manifest_path, &c.path) {
        (Some(m), _) => {
            let p = absolute(&site.cwd, m);
            p.rsplit_once('/').map_or(
                "/".to_string(),
                |(d, _)| if d.is_empty() { "/".into() } else { d.to_string() },
            )
        }
        (None, Some(p)) => absolute(&site.cwd, p),
        (None, None) if c.sub == "install" => {
            return Err(format!(
                "`cargo install` {at} installs {} from a registry, not this project",
                c.crates.join(", ")
            ));
        }
        (None, None) => site.cwd.clone(),
    };
    let dir = ctx_dir_for(input, &manifest_image_dir, site.index).ok_or_else(|| {
        format!(
            "the Cargo.toml that `cargo {}` {at} reads ({}) is not copied from the build context",
            c.sub,
            absolute(&manifest_image_dir, "Cargo.toml")
        )
    })?;
    let sel = select(ctx, &dir, c)?;
    let root_image = image_dir_of(input, &sel.ws.root, site.index).unwrap_or_else(|| manifest_image_dir.clone());
    let config = cargo_config(ctx, &sel.ws.root, &dir);
    let triple = c
        .target
        .clone()
        .or_else(|| var("CARGO_BUILD_TARGET"))
        .or_else(|| config.target.clone());
    let bins = if c.sub == "run" {
        vec![pick_run_bin(&sel, c)?]
    } else {
        sel.bins.clone()
    };
    let out_dir = if c.sub == "install" {
        let root = c
            .root
            .clone()
            .map(|r| absolute(&site.cwd, &r))
            .or_else(|| var("CARGO_INSTALL_ROOT").map(|r| absolute(&site.cwd, &r)))
            .or_else(|| var("CARGO_HOME").map(|r| absolute(&site.cwd, &r)))
            .unwrap_or_else(|| tpl.default_cargo_home.clone());
        absolute(&root, "bin")
    } else {
        let target_dir = c
            .target_dir
            .clone()
            .or_else(|| var("CARGO_TARGET_DIR"))
            .or_else(|| var("CARGO_BUILD_TARGET_DIR"))
            .map(|d| absolute(&site.cwd, &d))
            .or_else(|| {
                config.target_dir.as_ref().map(|(base, d)| {
                    let base_image = image_dir_of(input, base, site.index).unwrap_or_else(|| root_image.clone());
                    absolute(&base_image, d)
                })
            })
            .unwrap_or_else(|| absolute(&root_image, "target"));
        match &triple {
            Some(t) => absolute(&target_dir, &format!("{t}/{}", c.profile_dir)),
            None => absolute(&target_dir, &c.profile_dir),
        }
    };
    let built = bins
        .into_iter()
        .map(|bin| {
            let path = absolute(&out_dir, &bin);
            Built {
                bin,
                original: path.clone(),
                path,
            }
        })
        .collect();
    Ok(Build {
        index: site.index,
        cargo: c.clone(),
        built,
        triple,
        ws_root: sel.ws.root,
    })
}

/// The context directory whose Cargo.toml lands at `image_dir/Cargo.toml` before instruction
/// `before`.
pub fn ctx_dir_for(input: &Input<'_, '_>, image_dir: &str, before: usize) -> Option<String> {
    let want = absolute(image_dir, "Cargo.toml");
    let mut candidates = Vec::new();
    if input.ctx.is_file("Cargo.toml") {
        candidates.push("Cargo.toml".to_string());
    }
    for f in crate::context::find_files(input.ctx, "", "Cargo.toml", 2000) {
        if (f.ends_with("/Cargo.toml")) && !candidates.contains(&f) {
            candidates.push(f);
        }
    }
    candidates
        .into_iter()
        .find(|f| input.model.image_path_of(input.ctx, f, before).as_deref() == Some(want.as_str()))
        .map(|f| {
            f.strip_suffix("Cargo.toml")
                .unwrap_or("")
                .trim_end_matches('/')
                .to_string()
        })
}

/// Where context directory `dir`'s Cargo.toml directory is in the image before `before`.
pub fn image_dir_of(input: &Input<'_, '_>, dir: &str, before: usize) -> Option<String> {
    let p = input.model.image_path_of(input.ctx, &join(dir, "Cargo.toml"), before)?;
    p.strip_suffix("/Cargo.toml")
        .map(|d| if d.is_empty() { "/".to_string() } else { d.to_string() })
}

/// Every `cargo build` / `cargo install --path` in the stage; the second list holds the
/// reasons some could not be resolved.
pub fn find_builds(input: &Input<'_, '_>, tpl: &Template) -> (Vec<Build>, Vec<String>) {
    let (df, model) = (input.df, input.model);
    let mut out: Vec<Build> = Vec::new();
    let mut problems = Vec::new();
    for i in model.from + 1..df.instructions.len() {
        if !matches!(df.instructions[i], Instruction::Run(_)) {
            continue;
        }
        for cmd in model.commands(i) {
            let texts = cmd.texts();
            let cwd = cmd.cwd.clone();
            if let Some(last) = out.last_mut().filter(|b| b.index == i) {
                for b in &mut last.built {
                    track_move(&texts, &cwd, &mut b.path, tpl);
                }
            }
            let Some(c) = parse_cargo(&texts, tpl) else { continue };
            if !matches!(c.sub.as_str(), "build" | "install") {
                continue;
            }
            if c.sub == "install" && c.path.is_none() && !c.crates.is_empty() {
                continue; // a tool from a registry
            }
            let assigns: Vec<(String, String)> = cmd
                .assignments()
                .iter()
                .filter_map(|w| w.text.split_once('=').map(|(k, v)| (k.to_string(), v.to_string())))
                .collect();
            let site = Site {
                index: i,
                cwd: cwd.clone(),
                assigns: &assigns,
            };
            match resolve(input, tpl, &c, &site) {
                Ok(b) => out.push(b),
                Err(e) => problems.push(e),
            }
        }
    }
    (out, problems)
}

/// Follows `mv`/`cp`/`install` of the binary at `artifact` to its new place.
pub fn track_move(words: &[String], cwd: &str, artifact: &mut String, tpl: &Template) {
    crate::lang::follow_move(words, cwd, artifact, |d| {
        tpl.runtime_path.iter().any(|p| p == d) || d == "/usr/local/cargo/bin"
    });
}

/// Cache mounts (`RUN --mount=type=cache,target=X`) of instruction `i`.
pub fn cache_mounts(input: &Input<'_, '_>, i: usize) -> Vec<String> {
    let Instruction::Run(r) = &input.df.instructions[i] else {
        return Vec::new();
    };
    let state = input.model.state(i);
    r.options
        .iter()
        .filter(|o| o.name.value == "mount")
        .filter_map(|o| o.value.as_ref().map(|v| v.value.to_string()))
        .filter_map(|v| {
            let kv: Vec<(&str, &str)> = v.split(',').filter_map(|p| p.split_once('=')).collect();
            let is_cache = kv.iter().any(|(k, t)| *k == "type" && matches!(*t, "cache" | "tmpfs"));
            let target = kv
                .iter()
                .find(|(k, _)| matches!(*k, "target" | "dst" | "destination"))
                .map(|(_, t)| state.resolve(t));
            target.filter(|_| is_cache)
        })
        .collect()
}
