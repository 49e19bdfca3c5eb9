//! Rust: finds the `cargo build` / `cargo install` that makes the binary the container runs,
//! or the `cargo run` that builds it at start-up (which then becomes a build step in the
//! builder and a direct start of the binary). The binary's name comes from Cargo.toml
//! (`[[bin]]`, `package.name` with src/main.rs, src/bin/*, `default-run`, workspace members)
//! and its path from the profile, `--target`, the target directory or the install root. The
//! runtime follows how the binary links: distroless/cc for glibc, distroless/static for musl,
//! debian-slim with the runtime packages of the native libraries its `-sys` crates link.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{Input, run_command, runtime_files};
use crate::Skip;
use crate::context::{BuildContext, join};
use crate::detect::{Language, absolute, glob_match, run_commands};
use crate::parse::{Command, Instruction};
use crate::plan::{self, Carry, Spec};
use crate::shell::{self, Word};
use crate::template::{LinkRuntimes, RuntimeKind};

/// `templates/rust.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Template {
    /// Builder image names (last path element) that mean Rust.
    pub images: Vec<String>,
    /// The builder image's own WORKDIR.
    pub default_workdir: String,
    /// CARGO_HOME in the rust image.
    pub cargo_home: String,
    /// CARGO_HOME in any other image.
    pub other_cargo_home: String,
    /// The rust image's PATH directories.
    pub path: Vec<String>,
    /// Directories on a runtime image's PATH.
    pub runtime_path: Vec<String>,
    /// Architectures (first element of a target triple) the runtime image runs.
    pub native_arch: Vec<String>,
    /// Builder images whose glibc matches the Debian release of their tag.
    pub glibc_builders: Vec<String>,
    /// The Debian release of a rust image whose tag names none, by the Rust version it starts at.
    pub tag_releases: Vec<TagRelease>,
    /// Debian releases with a distroless/cc image.
    pub distroless_releases: Vec<String>,
    /// ENV names (a trailing `*` matches any suffix) that only matter to the build.
    pub build_env: Vec<String>,
    /// Cargo flags that take a value.
    pub value_flags: Vec<String>,
    /// Context directories a program reads at run time.
    pub runtime_dirs: Vec<String>,
    /// Context file patterns a program reads at run time.
    pub runtime_files: Vec<String>,
    /// Context files never carried.
    pub skip_files: Vec<String>,
    /// Programs a RUN after the build may call and still belong to the builder.
    pub builder_programs: Vec<String>,
    /// `-dev` packages the full (non-slim, non-alpine) rust image holds.
    pub full_image_dev: Vec<String>,
    /// `-dev` packages that leave nothing to link at run time.
    pub build_only_dev: Vec<String>,
    /// `-sys` crates that need no library at run time on Linux.
    pub static_sys: Vec<String>,
    /// `-sys` crates that link a system library.
    pub sys: BTreeMap<String, SysCrate>,
    /// Runtime images by link kind: `glibc`, `glibc-packages`, `musl`.
    pub runtimes: BTreeMap<String, LinkRuntimes>,
}

/// The Debian release rust images are built on from a Rust version on.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TagRelease {
    /// The first Rust version (`1.70`) on this release.
    pub from: String,
    /// The Debian codename.
    pub codename: String,
}

/// The builder's base system. A rust image tag that names no Debian release (`rust:1.82`,
/// `rust:1-slim`, `rust:latest`) is on the release its Rust version shipped with, from the
/// template's `tag_releases`; a tag without a version is on the newest one.
fn base_facts(input: &Input<'_, '_>, tpl: &Template) -> crate::template::BaseFacts {
    let image = &input.facts.image;
    let mut base = input.common.base_facts(image);
    let tag = image.tag().to_ascii_lowercase();
    let named = input.common.debian.keys().any(|c| tag.contains(c.as_str()));
    if named || !tpl.images.contains(&image.name) {
        return base;
    }
    let version = |v: &str| -> Option<(u32, u32)> {
        let mut parts = v.split('.');
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next()?.parse().ok()?;
        Some((major, minor))
    };
    let head: String = tag.chars().take_while(|c| c.is_ascii_digit() || *c == '.').collect();
    let release = match version(&head) {
        Some(v) => tpl
            .tag_releases
            .iter()
            .rfind(|r| version(&r.from).is_some_and(|f| f <= v)),
        None => tpl.tag_releases.last(),
    };
    if let Some(r) = release
        && let Some(n) = input.common.debian.get(&r.codename)
    {
        base.codename = r.codename.clone();
        base.debian = n.clone();
    }
    base
}

/// A `-sys` crate that links a system library.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SysCrate {
    /// `-dev` packages that make it link the system library; without any of them it builds
    /// its own copy statically. Empty: it always links the system library.
    #[serde(default)]
    pub dev: Vec<String>,
    /// Crates whose presence in Cargo.lock means the library is compiled in.
    #[serde(default)]
    pub vendored_by: Vec<String>,
    /// Cargo features that compile the library in, when a manifest enables one (`"bundled"`,
    /// `"rusqlite/bundled"`).
    #[serde(default)]
    pub vendored_feature: Vec<String>,
    /// Runtime Debian packages by codename (`default` for any other).
    pub packages: BTreeMap<String, Vec<String>>,
    /// Codenames whose distroless/cc image already holds the library.
    #[serde(default)]
    pub in_distroless: Vec<String>,
}

/// One `cargo` command line, read.
#[derive(Debug, Clone, Default)]
struct Cargo {
    /// `+toolchain`, if given.
    toolchain: Option<String>,
    /// The subcommand (`build`, `install`, `run`).
    sub: String,
    /// The profile's output directory (`release`, `debug`, a custom profile's name).
    profile_dir: String,
    /// `--bin` values.
    bins: Vec<String>,
    /// `--bins`.
    all_bins: bool,
    /// Only non-binary targets were asked for (`--lib`, `--example`...).
    no_bins: bool,
    /// `-p` / `--package` values.
    packages: Vec<String>,
    /// `--workspace` / `--all`.
    workspace: bool,
    /// `--exclude` values.
    exclude: Vec<String>,
    /// `--target`.
    target: Option<String>,
    /// `--target-dir`.
    target_dir: Option<String>,
    /// `--manifest-path`.
    manifest_path: Option<String>,
    /// `cargo install --path`.
    path: Option<String>,
    /// `cargo install --root`.
    root: Option<String>,
    /// Feature flags, normalised, for comparing a build with a run.
    features: Vec<String>,
    /// `cargo install` crate names.
    crates: Vec<String>,
    /// The option words after the subcommand (before the program's arguments).
    options: Vec<String>,
    /// `cargo run`: the program's arguments.
    args: Vec<String>,
    /// `cargo run`: whether `--` was written.
    dashdash: bool,
}

/// Reads `cargo [+tc] [global flags] SUB [flags] [-- args]`; `None` when `words` is not a
/// cargo command.
fn parse_cargo(words: &[String], tpl: &Template) -> Option<Cargo> {
    let first = words.first()?;
    if first.rsplit('/').next() != Some("cargo") {
        return None;
    }
    let mut c = Cargo::default();
    let mut i = 1;
    // Global part: toolchain and flags before the subcommand.
    while let Some(w) = words.get(i) {
        if let Some(tc) = w.strip_prefix('+') {
            c.toolchain = Some(tc.to_string());
            i += 1;
        } else if w.starts_with('-') {
            let name = w.trim_start_matches('-');
            let takes = !name.contains('=') && tpl.value_flags.iter().any(|f| f == name);
            i += if takes { 2 } else { 1 };
        } else {
            break;
        }
    }
    c.sub = match words.get(i)?.as_str() {
        "b" => "build".into(),
        "r" => "run".into(),
        s => s.to_string(),
    };
    let default_profile = if c.sub == "install" { "release" } else { "dev" };
    let mut profile = default_profile.to_string();
    let mut j = i + 1;
    let mut lib_or_other = false;
    while let Some(w) = words.get(j) {
        j += 1;
        if w == "--" {
            if c.sub == "run" {
                c.dashdash = true;
                c.args = words[j..].to_vec();
                break;
            }
            continue;
        }
        if !w.starts_with('-') || w == "-" {
            if c.sub == "run" {
                c.args = words[j - 1..].to_vec();
                break;
            }
            if c.sub == "install" {
                c.crates.push(w.clone());
            }
            c.options.push(w.clone());
            continue;
        }
        c.options.push(w.clone());
        let body = w.trim_start_matches('-');
        let (name, inline) = match body.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (body, None),
        };
        let takes = tpl.value_flags.iter().any(|f| f == name);
        let value = if takes && inline.is_none() {
            let v = words.get(j).cloned();
            if let Some(v) = &v {
                c.options.push(v.clone());
            }
            j += 1;
            v
        } else {
            inline
        };
        match name {
            "release" | "r" => profile = "release".into(),
            "debug" if c.sub == "install" => profile = "dev".into(),
            "profile" => profile = value.unwrap_or_default(),
            "bin" => c.bins.extend(value),
            "bins" => c.all_bins = true,
            "lib" | "example" | "examples" | "test" | "tests" | "bench" | "benches" => lib_or_other = true,
            "all-targets" => c.all_bins = true,
            "p" | "package" => c.packages.extend(value),
            "workspace" | "all" => c.workspace = true,
            "exclude" => c.exclude.extend(value),
            "target" => c.target = value,
            "target-dir" => c.target_dir = value,
            "manifest-path" => c.manifest_path = value,
            "path" => c.path = value,
            "root" => c.root = value,
            "features" | "F" => c.features.extend(
                value
                    .unwrap_or_default()
                    .split([',', ' '])
                    .filter(|s| !s.is_empty())
                    .map(|s| format!("+{s}")),
            ),
            "all-features" | "no-default-features" => c.features.push(format!("--{name}")),
            _ => {}
        }
    }
    c.no_bins = lib_or_other && c.bins.is_empty() && !c.all_bins;
    c.features.sort();
    c.features.dedup();
    c.profile_dir = match profile.as_str() {
        "dev" | "test" => "debug".into(),
        "bench" => "release".into(),
        p => p.to_string(),
    };
    Some(c)
}

/// A Cargo package in the build context.
#[derive(Debug, Clone)]
struct Package {
    /// Context directory.
    dir: String,
    /// `package.name`.
    name: String,
    /// Binary targets.
    bins: Vec<String>,
    /// `package.default-run`.
    default_run: Option<String>,
}

/// The workspace a build runs in.
#[derive(Debug, Clone)]
struct Workspace {
    /// Context directory of the root manifest.
    root: String,
    /// Every member package (the root package first when there is one).
    members: Vec<Package>,
    /// `default-members`, as context directories.
    default_members: Option<Vec<String>>,
}

/// Reads a manifest as a TOML table.
fn manifest(ctx: &dyn BuildContext, dir: &str) -> Result<toml::Table, String> {
    let path = join(dir, "Cargo.toml");
    let text = ctx.read(&path).ok_or_else(|| format!("{path} cannot be read"))?;
    toml::from_str::<toml::Table>(&text).map_err(|e| {
        let first = e.to_string().lines().next().unwrap_or("").to_string();
        format!("{path} does not parse: {first}")
    })
}

/// A normalised context path: `dir` joined with `rel`, `..` resolved, `""` for the root.
fn ctx_path(dir: &str, rel: &str) -> String {
    absolute(&format!("/{dir}"), rel).trim_start_matches('/').to_string()
}

/// The parent of a context path (`""` for top-level entries).
fn ctx_parent(path: &str) -> Option<String> {
    if path.is_empty() {
        return None;
    }
    Some(path.rsplit_once('/').map_or(String::new(), |(d, _)| d.to_string()))
}

fn str_key<'t>(t: &'t toml::Table, key: &str) -> Option<&'t str> {
    t.get(key).and_then(|v| v.as_str())
}

fn str_list(t: &toml::Table, key: &str) -> Option<Vec<String>> {
    t.get(key)
        .and_then(|v| v.as_array())
        .map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect())
}

/// The package of the manifest in context directory `dir`, with its binary targets, following
/// Cargo's target auto-discovery: src/main.rs is the package's binary, src/bin/X.rs and
/// src/bin/X/main.rs are binaries named X, and a `[[bin]]` with the same name or path replaces
/// the discovered one.
fn package_at(ctx: &dyn BuildContext, dir: &str, m: &toml::Table) -> Option<Package> {
    let pkg = m.get("package").and_then(|v| v.as_table())?;
    let name = str_key(pkg, "name")?.to_string();
    let autobins = pkg.get("autobins").and_then(|v| v.as_bool()).unwrap_or(true);
    let mut explicit: Vec<(String, Option<String>)> = Vec::new();
    if let Some(bins) = m.get("bin").and_then(|v| v.as_array()) {
        for b in bins.iter().filter_map(|b| b.as_table()) {
            if let Some(n) = str_key(b, "name") {
                let path = str_key(b, "path").map(|p| ctx_path("", p.trim_start_matches("./")));
                explicit.push((n.to_string(), path));
            }
        }
    }
    let mut found: Vec<(String, String)> = Vec::new();
    if autobins {
        if ctx.is_file(&join(dir, "src/main.rs")) {
            found.push((name.clone(), "src/main.rs".into()));
        }
        let bin_dir = join(dir, "src/bin");
        for entry in ctx.list(&bin_dir) {
            let p = join(&bin_dir, &entry);
            if let Some(stem) = entry.strip_suffix(".rs").filter(|_| ctx.is_file(&p)) {
                found.push((stem.to_string(), format!("src/bin/{entry}")));
            } else if ctx.is_file(&join(&p, "main.rs")) {
                found.push((entry.clone(), format!("src/bin/{entry}/main.rs")));
            }
        }
    }
    let mut bins: Vec<String> = explicit.iter().map(|(n, _)| n.clone()).collect();
    for (n, p) in found {
        let replaced = explicit
            .iter()
            .any(|(en, ep)| *en == n || ep.as_deref() == Some(p.as_str()));
        if !replaced {
            bins.push(n);
        }
    }
    bins.dedup();
    Some(Package {
        dir: dir.to_string(),
        name,
        bins,
        default_run: str_key(pkg, "default-run").map(str::to_string),
    })
}

/// Context directories matching a workspace `members` pattern below `root`.
fn expand_member(ctx: &dyn BuildContext, root: &str, pattern: &str) -> Vec<String> {
    let pattern = pattern.trim_start_matches("./").trim_end_matches('/');
    let mut dirs = vec![root.to_string()];
    for part in pattern.split('/') {
        let mut next = Vec::new();
        for d in &dirs {
            if part.contains(['*', '?']) {
                for e in ctx.list(d) {
                    let p = join(d, &e);
                    if glob_match(part, &e) && ctx.is_dir(&p) {
                        next.push(p);
                    }
                }
            } else {
                next.push(ctx_path(d, part));
            }
        }
        dirs = next;
    }
    dirs.into_iter()
        .filter(|d| ctx.is_file(&join(d, "Cargo.toml")))
        .collect()
}

/// The workspace of the package (or virtual manifest) in context directory `dir`.
fn workspace_of(ctx: &dyn BuildContext, dir: &str) -> Result<Workspace, String> {
    let m = manifest(ctx, dir)?;
    let mut root = None;
    if m.contains_key("workspace") {
        root = Some((dir.to_string(), m.clone()));
    } else if let Some(rel) = m
        .get("package")
        .and_then(|p| p.as_table())
        .and_then(|p| str_key(p, "workspace"))
    {
        let r = ctx_path(dir, rel);
        root = Some((r.clone(), manifest(ctx, &r)?));
    } else {
        let mut cur = ctx_parent(dir);
        while let Some(c) = cur {
            let parent = ctx
                .is_file(&join(&c, "Cargo.toml"))
                .then(|| manifest(ctx, &c).ok())
                .flatten();
            if let Some(pm) = parent
                && let Some(ws) = pm.get("workspace").and_then(|w| w.as_table())
            {
                let members: Vec<String> = str_list(ws, "members")
                    .unwrap_or_default()
                    .iter()
                    .flat_map(|p| expand_member(ctx, &c, p))
                    .collect();
                let excluded = str_list(ws, "exclude").unwrap_or_default().iter().any(|e| {
                    let e = ctx_path(&c, e);
                    dir == e || dir.starts_with(&format!("{e}/"))
                });
                if members.iter().any(|x| x == dir) && !excluded {
                    root = Some((c.clone(), pm.clone()));
                }
                break;
            }
            cur = ctx_parent(&c);
        }
    }
    let Some((root_dir, rm)) = root else {
        let members = package_at(ctx, dir, &m).into_iter().collect();
        return Ok(Workspace {
            root: dir.to_string(),
            members,
            default_members: None,
        });
    };
    let ws = rm
        .get("workspace")
        .and_then(|w| w.as_table())
        .cloned()
        .unwrap_or_default();
    let exclude: Vec<String> = str_list(&ws, "exclude")
        .unwrap_or_default()
        .iter()
        .map(|e| ctx_path(&root_dir, e))
        .collect();
    let mut members: Vec<Package> = package_at(ctx, &root_dir, &rm).into_iter().collect();
    for pattern in str_list(&ws, "members").unwrap_or_default() {
        for d in expand_member(ctx, &root_dir, &pattern) {
            let is_excluded = exclude.iter().any(|e| d == *e || d.starts_with(&format!("{e}/")));
            if is_excluded || members.iter().any(|p| p.dir == d) {
                continue;
            }
            if let Some(p) = package_at(ctx, &d, &manifest(ctx, &d)?) {
                members.push(p);
            }
        }
    }
    // A path dependency of a member is a member too; the package being built always is.
    if !members.iter().any(|p| p.dir == dir)
        && let Some(p) = package_at(ctx, dir, &m)
    {
        members.push(p);
    }
    let default_members =
        str_list(&ws, "default-members").map(|ds| ds.iter().flat_map(|p| expand_member(ctx, &root_dir, p)).collect());
    Ok(Workspace {
        root: root_dir,
        members,
        default_members,
    })
}

/// What a cargo command builds: the packages and binaries it selects.
#[derive(Debug, Clone)]
struct Selection {
    /// The workspace.
    ws: Workspace,
    /// The packages selected.
    packages: Vec<Package>,
    /// The binaries built, by name.
    bins: Vec<String>,
}

/// The packages and binaries `c`, run with its manifest in context directory `dir`, selects.
fn select(ctx: &dyn BuildContext, dir: &str, c: &Cargo) -> Result<Selection, String> {
    let ws = workspace_of(ctx, dir)?;
    let packages: Vec<Package> = if !c.packages.is_empty() {
        let mut out = Vec::new();
        for name in &c.packages {
            let name = name.split('@').next().unwrap_or(name);
            let name = name.rsplit_once('#').map_or(name, |(_, n)| n);
            let Some(p) = ws.members.iter().find(|p| p.name == name) else {
                return Err(format!(
                    "package `{name}` (-p) is not a member of the workspace at {}",
                    shown_dir(&ws.root)
                ));
            };
            out.push(p.clone());
        }
        out
    } else if c.workspace {
        ws.members
            .iter()
            .filter(|p| !c.exclude.contains(&p.name))
            .cloned()
            .collect()
    } else if let Some(p) = ws
        .members
        .iter()
        .find(|p| p.dir == dir)
        .filter(|_| dir != ws.root || ws.default_members.is_none())
    {
        vec![p.clone()]
    } else {
        match &ws.default_members {
            Some(dm) => ws.members.iter().filter(|p| dm.contains(&p.dir)).cloned().collect(),
            None => ws.members.clone(),
        }
    };
    let bins: Vec<String> = if c.no_bins {
        Vec::new()
    } else if !c.bins.is_empty() {
        c.bins.clone()
    } else {
        packages.iter().flat_map(|p| p.bins.iter().cloned()).collect()
    };
    Ok(Selection { ws, packages, bins })
}

fn shown_dir(dir: &str) -> String {
    if dir.is_empty() {
        "the context root".into()
    } else {
        format!("{dir}/")
    }
}

/// One binary a build step makes.
#[derive(Debug, Clone)]
struct Built {
    /// The binary's name.
    bin: String,
    /// Where it is in the builder image (after any `mv`/`cp`).
    path: String,
    /// Where cargo wrote it.
    original: String,
}

/// One `cargo build` / `cargo install` step.
#[derive(Debug, Clone)]
struct Build {
    /// Instruction index.
    index: usize,
    /// The command.
    cargo: Cargo,
    /// The binaries it makes.
    built: Vec<Built>,
    /// The target triple, if any.
    triple: Option<String>,
    /// The context directory of the workspace root.
    ws_root: String,
}

/// Where a build is, for reading its environment.
struct Site<'s> {
    /// Instruction index.
    index: usize,
    /// Working directory.
    cwd: String,
    /// Command-prefix assignments.
    assigns: &'s [(String, String)],
}

/// Resolves a cargo command into the binaries it makes and their paths.
fn resolve(input: &Input<'_, '_>, tpl: &Template, c: &Cargo, site: &Site<'_>) -> Result<Build, String> {
    let (facts, ctx) = (input.facts, input.ctx);
    let state = facts.state(site.index);
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
            .unwrap_or_else(|| {
                if tpl.images.contains(&input.facts.image.name) {
                    tpl.cargo_home.clone()
                } else {
                    tpl.other_cargo_home.clone()
                }
            });
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

/// The one binary `cargo run` runs, or why there is none.
fn pick_run_bin(sel: &Selection, c: &Cargo) -> Result<String, String> {
    if let Some(b) = c.bins.first() {
        return Ok(b.clone());
    }
    if let [p] = sel.packages.as_slice()
        && let Some(d) = &p.default_run
    {
        return Ok(d.clone());
    }
    match sel.bins.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err("`cargo run` finds no binary target in the package".into()),
        many => Err(format!(
            "several binaries ({}) and nothing picks one (no --bin, no default-run)",
            many.join(", ")
        )),
    }
}

/// `[build] target` and `target-dir` from a `.cargo/config.toml` in the context.
#[derive(Debug, Default)]
struct CargoConfig {
    target: Option<String>,
    /// (context directory holding `.cargo`, the value).
    target_dir: Option<(String, String)>,
}

fn cargo_config(ctx: &dyn BuildContext, root: &str, dir: &str) -> CargoConfig {
    let mut out = CargoConfig::default();
    // Cargo reads the configs from the working directory up; the nearest one wins.
    let mut dirs = vec![dir.to_string()];
    let mut cur = ctx_parent(dir);
    while let Some(c) = cur {
        dirs.push(c.clone());
        if c == root || c.is_empty() {
            break;
        }
        cur = ctx_parent(&c);
    }
    for d in dirs.iter().rev() {
        for name in [".cargo/config.toml", ".cargo/config"] {
            let Some(text) = ctx.read(&join(d, name)) else { continue };
            let Ok(t) = toml::from_str::<toml::Table>(&text) else {
                continue;
            };
            let Some(build) = t.get("build").and_then(|b| b.as_table()) else {
                continue;
            };
            if let Some(v) = str_key(build, "target") {
                out.target = Some(v.to_string());
            }
            if let Some(v) = str_key(build, "target-dir") {
                out.target_dir = Some((d.clone(), v.to_string()));
            }
        }
    }
    out
}

/// The context directory whose Cargo.toml lands at `image_dir/Cargo.toml` before instruction
/// `before`.
fn ctx_dir_for(input: &Input<'_, '_>, image_dir: &str, before: usize) -> Option<String> {
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
        .find(|f| input.facts.image_path_of(input.ctx, f, before).as_deref() == Some(want.as_str()))
        .map(|f| {
            f.strip_suffix("Cargo.toml")
                .unwrap_or("")
                .trim_end_matches('/')
                .to_string()
        })
}

/// Where context directory `dir`'s Cargo.toml directory is in the image before `before`.
fn image_dir_of(input: &Input<'_, '_>, dir: &str, before: usize) -> Option<String> {
    let p = input.facts.image_path_of(input.ctx, &join(dir, "Cargo.toml"), before)?;
    p.strip_suffix("/Cargo.toml")
        .map(|d| if d.is_empty() { "/".to_string() } else { d.to_string() })
}

/// Every `cargo build` / `cargo install --path` in the stage; the second list holds the
/// reasons some could not be resolved.
fn find_builds(input: &Input<'_, '_>, tpl: &Template) -> (Vec<Build>, Vec<String>) {
    let (df, facts) = (input.df, input.facts);
    let mut out: Vec<Build> = Vec::new();
    let mut problems = Vec::new();
    for i in facts.from + 1..df.instructions.len() {
        if !matches!(df.instructions[i], Instruction::Run(_)) {
            continue;
        }
        let mut cwd = facts.state(i).workdir.clone();
        for cmd in run_commands(df, i) {
            let (assigns, words) = shell::split_assignments(&cmd);
            let Some(first) = words.first() else { continue };
            if first.text == "cd" {
                if let Some(dir) = words.get(1) {
                    cwd = absolute(&cwd, &dir.text);
                }
                continue;
            }
            if let Some(last) = out.last_mut().filter(|b| b.index == i) {
                for b in &mut last.built {
                    track_move(&cmd, &cwd, &mut b.path, tpl);
                }
            }
            let texts: Vec<String> = words.iter().map(|w| w.text.clone()).collect();
            let Some(c) = parse_cargo(&texts, tpl) else { continue };
            if !matches!(c.sub.as_str(), "build" | "install") {
                continue;
            }
            if c.sub == "install" && c.path.is_none() && !c.crates.is_empty() {
                continue; // a tool from a registry
            }
            let assigns: Vec<(String, String)> = assigns
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
fn track_move(cmd: &[Word], cwd: &str, artifact: &mut String, tpl: &Template) {
    super::follow_move(cmd, cwd, artifact, |d| {
        tpl.path.iter().chain(&tpl.runtime_path).any(|p| p == d)
    });
}

/// Cache mounts (`RUN --mount=type=cache,target=X`) of instruction `i`.
fn cache_mounts(input: &Input<'_, '_>, i: usize) -> Vec<String> {
    let Instruction::Run(r) = &input.df.instructions[i] else {
        return Vec::new();
    };
    let state = input.facts.state(i);
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

/// Packages a RUN step installs with apt-get, apt or apk.
fn installed_packages(input: &Input<'_, '_>) -> Vec<String> {
    let (df, facts) = (input.df, input.facts);
    let mut out = Vec::new();
    for i in facts.from + 1..df.instructions.len() {
        for cmd in run_commands(df, i) {
            let words: Vec<&str> = shell::split_assignments(&cmd)
                .1
                .iter()
                .map(|w| w.text.as_str())
                .collect();
            let Some(first) = words.first() else { continue };
            let verb = match *first {
                "apt-get" | "apt" => "install",
                "apk" => "add",
                _ => continue,
            };
            let Some(at) = words.iter().position(|w| *w == verb) else {
                continue;
            };
            for w in &words[at + 1..] {
                if !w.starts_with('-') {
                    out.push(w.split('=').next().unwrap_or(w).to_string());
                }
            }
        }
    }
    out
}

/// What the binary links beyond libc, and the runtime packages that provide it.
#[derive(Debug, Default)]
struct Links {
    /// Runtime packages, in order.
    packages: Vec<String>,
    /// Those that distroless/cc of this release already holds.
    in_distroless: Vec<String>,
    /// Why each library is linked (`pq-sys → libpq5`).
    reasons: Vec<String>,
}

/// Reads Cargo.lock (and the packages the Dockerfile installs) for native libraries.
fn native_links(
    input: &Input<'_, '_>,
    tpl: &Template,
    ws_root: &str,
    codename: &str,
    full_image: bool,
) -> Result<Links, Skip> {
    let installed = installed_packages(input);
    let mut dev: Vec<String> = installed.clone();
    if full_image {
        dev.extend(tpl.full_image_dev.iter().cloned());
    }
    let mut links = Links::default();
    let add = |crate_name: &str, sys: &SysCrate, links: &mut Links| {
        let pkgs = sys
            .packages
            .get(codename)
            .or_else(|| sys.packages.get("default"))
            .cloned()
            .unwrap_or_default();
        let distroless = sys.in_distroless.iter().any(|c| c == codename);
        for p in &pkgs {
            if !links.packages.contains(p) {
                links.packages.push(p.clone());
            }
            if distroless && !links.in_distroless.contains(p) {
                links.in_distroless.push(p.clone());
            }
        }
        links.reasons.push(format!("{crate_name} links {}", pkgs.join(" + ")));
    };
    let lock_path = join(ws_root, "Cargo.lock");
    if let Some(lock) = input.ctx.read(&lock_path) {
        let names: Vec<String> = lock
            .lines()
            .filter_map(|l| l.trim().strip_prefix("name = \""))
            .filter_map(|l| l.strip_suffix('"'))
            .map(str::to_string)
            .collect();
        let manifests: Vec<String> = crate::context::find_files(input.ctx, "", "Cargo.toml", 500)
            .iter()
            .filter(|f| *f == "Cargo.toml" || f.ends_with("/Cargo.toml"))
            .filter_map(|f| input.ctx.read(f))
            .collect();
        for n in &names {
            if !(n.ends_with("-sys") || n.ends_with("_sys")) || tpl.static_sys.contains(n) {
                continue;
            }
            let Some(sys) = tpl.sys.get(n) else {
                return Err(Skip::Unsupported(format!(
                    "{lock_path} has {n}, a binding to a native library whose run-time package dockslim does not know (add it to [sys] in templates/rust.toml)"
                )));
            };
            if sys.vendored_by.iter().any(|v| names.contains(v)) {
                continue;
            }
            let enabled = |f: &String| {
                manifests
                    .iter()
                    .any(|m| m.contains(&format!("\"{f}\"")) || m.contains(&format!("/{f}\"")))
            };
            if sys.vendored_feature.iter().any(enabled) {
                continue;
            }
            if !sys.dev.is_empty() && !sys.dev.iter().any(|d| dev.contains(d)) {
                continue; // built in from the crate's own copy
            }
            add(n, sys, &mut links);
        }
    } else {
        // No lock file: the -dev packages the Dockerfile installs are all there is to go by.
        for p in installed.iter().filter(|p| p.ends_with("-dev")) {
            if tpl.build_only_dev.contains(p) {
                continue;
            }
            let by_dev = tpl.sys.iter().find(|(_, s)| s.dev.contains(p));
            let by_name = (p == "libssl-dev")
                .then(|| tpl.sys.get_key_value("openssl-sys"))
                .flatten()
                .or_else(|| (p == "libpq-dev").then(|| tpl.sys.get_key_value("pq-sys")).flatten());
            match by_dev.or(by_name) {
                Some((n, s)) => add(n, s, &mut links),
                None => {
                    return Err(Skip::Unsupported(format!(
                        "the build installs {p} and there is no Cargo.lock to tell whether the program links it; its run-time package is unknown"
                    )));
                }
            }
        }
    }
    Ok(links)
}

/// ENV names set in the stage that match the template's build-only patterns.
fn build_env_names(input: &Input<'_, '_>, tpl: &Template) -> Vec<String> {
    let (df, facts) = (input.df, input.facts);
    let mut out = Vec::new();
    for ins in df.instructions.iter().skip(facts.from + 1) {
        if let Instruction::Env(e) = ins {
            for (k, _) in crate::detect::parse_env(&e.arguments.value, df.escape) {
                let hit = tpl.build_env.iter().any(|p| match p.strip_suffix('*') {
                    Some(prefix) => k.starts_with(prefix),
                    None => *p == k,
                });
                if hit && !out.contains(&k) {
                    out.push(k);
                }
            }
        }
    }
    out
}

/// Quotes a word for a shell-form RUN line when it needs it.
fn sh_word(w: &str) -> String {
    if !w.is_empty() && w.chars().all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c)) {
        w.to_string()
    } else {
        format!("'{}'", w.replace('\'', r"'\''"))
    }
}

/// Analyses a Rust Dockerfile.
pub fn analyze(input: &Input<'_, '_>, tpl: &Template) -> Result<Spec, Skip> {
    let (df, facts) = (input.df, input.facts);
    let unsupported = |s: String| Skip::Unsupported(s);
    let (builds, problems) = find_builds(input, tpl);
    let Some(run) = run_command(df, facts) else {
        return Err(unsupported("no CMD or ENTRYPOINT runs the built binary".into()));
    };
    let mut words = run.words.clone();
    if let Some((_, c)) = &run.cmd {
        words.extend(c.iter().cloned());
    }
    let program = words.first().cloned().unwrap_or_default();
    let end = df.instructions.len();
    let final_state = facts.state(end);
    let mut notes = Vec::new();
    let mut builder_tail = Vec::new();
    let mut replace_commands = Vec::new();
    let mut own = Vec::new();
    let build_env = build_env_names(input, tpl);

    // Which binary runs, which build makes it, and where the builder stage ends.
    let (build, built, split, command): (Build, Built, usize, Vec<String>) = match parse_cargo(&words, tpl) {
        Some(c) if c.sub == "run" => {
            if run.shell {
                let args = match &df.instructions[run.index] {
                    Instruction::Cmd(x) => Some(&x.arguments),
                    Instruction::Entrypoint(x) => Some(&x.arguments),
                    _ => None,
                };
                if let Some(Command::Shell(s)) = args {
                    {
                        if shell::needs_shell(s.value, df.escape) {
                            return Err(unsupported(format!(
                                "the `cargo run` command at line {} needs a shell (variables, operators or several commands)",
                                df.line(run.index)
                            )));
                        }
                    }
                }
            }
            let shell_entrypoint = run.shell && matches!(df.instructions[run.index], Instruction::Entrypoint(_));
            let has_cmd = (run.index + 1..end).any(|i| matches!(df.instructions[i], Instruction::Cmd(_)));
            if shell_entrypoint && has_cmd {
                return Err(unsupported(format!(
                    "shell-form ENTRYPOINT at line {} ignores CMD; the binary in exec form would not",
                    df.line(run.index)
                )));
            }
            if let Some((_, cmd_words)) = &run.cmd {
                let ep_has_dashdash = run.words.iter().any(|w| w == "--");
                if !ep_has_dashdash && cmd_words.iter().any(|w| w.starts_with('-')) {
                    return Err(unsupported(format!(
                        "CMD hands cargo its own options through the `cargo run` ENTRYPOINT at line {}",
                        df.line(run.index)
                    )));
                }
            }
            let site = Site {
                index: end,
                cwd: final_state.workdir.clone(),
                assigns: &[],
            };
            let wanted = resolve(input, tpl, &c, &site).map_err(unsupported)?;
            let Some(target) = wanted.built.first().cloned() else {
                return Err(unsupported("`cargo run` finds no binary target".into()));
            };
            // Reuse the last build when it made this very binary with the same features and
            // nothing that could change the sources comes after it.
            let reusable = builds.last().filter(|b| {
                b.cargo.sub == "build"
                    && b.cargo.features == c.features
                    && b.built.iter().any(|x| x.original == target.original)
                    && (b.index + 1..end).all(|i| match &df.instructions[i] {
                        Instruction::Copy(_) | Instruction::Add(_) => !copies_sources(input, i),
                        Instruction::Run(_) => finishing(input, tpl, i) || !touches_sources(input, i),
                        // A build variable set later makes `cargo run` compile again.
                        Instruction::Env(e) => crate::detect::parse_env(&e.arguments.value, df.escape)
                            .iter()
                            .all(|(k, _)| !build_env.contains(k)),
                        _ => true,
                    })
            });
            let (build, built, split) = match reusable {
                Some(b) => {
                    let built = b
                        .built
                        .iter()
                        .find(|x| x.original == target.original)
                        .cloned()
                        .unwrap_or(target);
                    let split = extend_split(input, tpl, b.index, &mut built.path.clone());
                    (b.clone(), built, split)
                }
                None => {
                    let split = (facts.from + 1..end)
                        .rev()
                        .find(|&i| {
                            matches!(
                                df.instructions[i],
                                Instruction::Run(_)
                                    | Instruction::Copy(_)
                                    | Instruction::Add(_)
                                    | Instruction::Workdir(_)
                                    | Instruction::Env(_)
                                    | Instruction::Arg(_)
                                    | Instruction::User(_)
                                    | Instruction::Shell(_)
                            )
                        })
                        .unwrap_or(facts.from);
                    let mut line = vec!["cargo".to_string()];
                    line.extend(c.toolchain.iter().map(|t| format!("+{t}")));
                    line.push("build".into());
                    line.extend(c.options.iter().cloned());
                    let text: Vec<String> = line.iter().map(|w| sh_word(w)).collect();
                    let kw = if df.is_lowercase(facts.from) { "run" } else { "RUN" };
                    let cmd = text.join(" ");
                    builder_tail.push(format!("{kw} {cmd}"));
                    notes.push(format!(
                        "the original compiled at start-up (`cargo run`): the builder now runs `{cmd}`"
                    ));
                    (wanted.clone(), target, split)
                }
            };
            notes.push(format!("`cargo run` replaced by the binary `{}`", built.bin));
            own.push(program.clone());
            let mut new_words = vec![built.bin.clone()];
            let ep_args: Vec<String> = {
                let ep = parse_cargo(&run.words, tpl).map(|x| x.args).unwrap_or_default();
                if run.cmd.is_some() { ep } else { c.args.clone() }
            };
            new_words.extend(ep_args);
            replace_commands.push((run.index, new_words.clone()));
            let mut command = new_words;
            if let Some((_, cw)) = &run.cmd {
                command.extend(cw.iter().cloned());
            }
            (build, built, split, command)
        }
        _ => {
            if builds.is_empty() {
                if let Some(p) = problems.last() {
                    return Err(unsupported(p.clone()));
                }
                return Err(unsupported(
                    "no `cargo build`, `cargo install --path` or `cargo run` found".into(),
                ));
            }
            let state = facts.state(run.index);
            let path_dirs: Vec<String> = match state.var("PATH") {
                Some(p) => p.split(':').map(str::to_string).collect(),
                None => tpl.path.clone(),
            };
            let resolves = |artifact: &str| -> bool {
                if program.contains('/') {
                    final_state.resolve(&program) == artifact
                } else {
                    let (dir, name) = artifact.rsplit_once('/').unwrap_or(("", artifact));
                    name == program && path_dirs.iter().any(|d| absolute("/", d) == absolute("/", dir))
                }
            };
            // Follow the binary through finishing RUN steps after each build.
            let mut found = None;
            for b in builds.iter().rev() {
                for x in &b.built {
                    let mut path = x.path.clone();
                    let split = extend_split(input, tpl, b.index, &mut path);
                    if resolves(&path) {
                        let mut x = x.clone();
                        x.path = path;
                        found = Some((b.clone(), x, split));
                        break;
                    }
                }
                if found.is_some() {
                    break;
                }
            }
            let Some((build, built, split)) = found else {
                if let Some(p) = problems.last() {
                    return Err(unsupported(p.clone()));
                }
                let made: Vec<&str> = builds
                    .iter()
                    .flat_map(|b| b.built.iter().map(|x| x.path.as_str()))
                    .collect();
                return Err(unsupported(match made.as_slice() {
                    [] => "the build makes no binary".to_string(),
                    _ => format!(
                        "the start command runs `{program}`, not a binary the build makes ({})",
                        made.join(", ")
                    ),
                }));
            };
            (build, built, split, words.clone())
        }
    };

    // The binary must be in the image, not in a cache mount.
    for i in build.index..=split {
        for m in cache_mounts(input, i) {
            if built.path == m || built.path.starts_with(&format!("{m}/")) {
                return Err(unsupported(format!(
                    "the binary {} is in the cache mount {m} of line {}, which the image does not keep",
                    built.path,
                    df.line(i)
                )));
            }
        }
    }

    // How it links.
    let base = base_facts(input, tpl);
    let musl = match &build.triple {
        Some(t) => {
            let arch = t.split('-').next().unwrap_or("");
            if !tpl.native_arch.iter().any(|a| a == arch) {
                return Err(unsupported(format!(
                    "the build cross-compiles for {t}; the runtime platform is unclear"
                )));
            }
            t.contains("musl")
        }
        None => base.musl,
    };
    let links = if musl {
        Links::default()
    } else {
        if !tpl.glibc_builders.contains(&facts.image.name) {
            return Err(unsupported(format!(
                "the binary links the glibc of {}, which no Debian runtime image is known to match",
                facts.image.full
            )));
        }
        let tag = facts.image.tag().to_ascii_lowercase();
        let full = facts.image.name == "rust" && !tag.contains("slim") && !tag.contains("alpine");
        native_links(input, tpl, &build.ws_root, &base.codename, full)?
    };
    let extra: Vec<&String> = links
        .packages
        .iter()
        .filter(|p| !links.in_distroless.contains(p))
        .collect();
    let link = if musl {
        "musl"
    } else if extra.is_empty() && tpl.distroless_releases.contains(&base.codename) {
        "glibc"
    } else {
        "glibc-packages"
    };
    let table = tpl
        .runtimes
        .get(link)
        .ok_or_else(|| unsupported(format!("templates/rust.toml has no runtimes.{link} table")))?;
    let what = if musl {
        "a static musl binary".to_string()
    } else if links.packages.is_empty() {
        "a glibc binary".to_string()
    } else {
        format!("a glibc binary that needs {}", links.packages.join(", "))
    };
    let needs = plan::needs(df, facts, split);
    own.push(built.path.clone());
    own.push(built.bin.clone());
    let (kind, image, shell_note) =
        plan::choose_runtime(table, &what, input.runtime, &needs, input.common, &base, &own)?;
    let mut runtime_lines = Vec::new();
    if !links.packages.is_empty() {
        if kind == RuntimeKind::Distroless {
            notes.push(format!("{} ({} has them)", links.reasons.join(", "), image.image));
        } else if kind == RuntimeKind::DebianSlim {
            let kw = if df.is_lowercase(facts.from) { "run" } else { "RUN" };
            runtime_lines.push(format!(
                "{kw} apt-get update && apt-get install -y --no-install-recommends {} && rm -rf /var/lib/apt/lists/*",
                links.packages.join(" ")
            ));
            notes.push(format!("{}: installed in the runtime stage", links.reasons.join(", ")));
        }
    }
    notes.extend(shell_note);
    if !musl && !tpl.distroless_releases.contains(&base.codename) {
        notes.push(format!(
            "no distroless image for Debian {}: debian-slim of that release",
            base.codename
        ));
    }
    if build.cargo.profile_dir != "release" && built.original.contains(&format!("/{}/", build.cargo.profile_dir)) {
        notes.push(format!("{} profile kept", build.cargo.profile_dir));
    }

    // Where the binary goes.
    let cargo_run = !replace_commands.is_empty();
    let to = if cargo_run {
        format!("/usr/local/bin/{}", built.bin)
    } else if !program.contains('/') {
        let dir = built.path.rsplit_once('/').map_or("/", |(d, _)| d);
        if tpl.runtime_path.iter().any(|d| d == dir) {
            built.path.clone()
        } else {
            format!("/usr/local/bin/{}", built.bin)
        }
    } else {
        built.path.clone()
    };
    let mut carries = vec![Carry {
        from: built.path.clone(),
        to: to.clone(),
    }];
    // Files the Rust source names in string literals (fs::read_to_string("Rocket.toml")...).
    let sources: Vec<String> = crate::context::find_files(input.ctx, "", ".rs", 2000)
        .into_iter()
        .filter(|f| {
            let under = |d: &str| f.starts_with(&format!("{d}/")) || f.contains(&format!("/{d}/"));
            !f.ends_with("build.rs")
                && !["tests", "benches", "examples", "target", "fuzz"]
                    .iter()
                    .any(|d| under(d))
        })
        .collect();
    let mut extra = input.extra_copy.to_vec();
    extra.extend(super::literal_paths(input.ctx, &sources, &tpl.skip_files));
    let input = &Input {
        extra_copy: &extra,
        ..*input
    };
    for c in runtime_files(
        input,
        &tpl.runtime_dirs,
        &tpl.runtime_files,
        &tpl.skip_files,
        split,
        &command,
    ) {
        if c.to != built.path && c.to != to && !carries.iter().any(|x| x.to == c.to) {
            carries.push(c);
        }
    }
    Ok(Spec {
        language: Language::Rust,
        runtime: kind,
        image,
        split_after: split,
        builder_edits: Vec::new(),
        builder_tail,
        carries,
        runtime_lines,
        replace_commands,
        build_env,
        notes,
    })
}

/// Whether COPY/ADD `i` may bring Rust sources or manifests (which would make `cargo run`
/// compile again), or reads from another stage or a URL.
fn copies_sources(input: &Input<'_, '_>, i: usize) -> bool {
    let Some(c) = input.facts.copies.iter().find(|c| c.index == i) else {
        return true;
    };
    let ctx = input.ctx;
    c.sources.iter().any(|s| {
        if s == "." || s.contains(['*', '?']) {
            return true;
        }
        if ctx.is_dir(s) {
            return !crate::context::find_files(ctx, s, ".rs", 1).is_empty()
                || !crate::context::find_files(ctx, s, "Cargo.toml", 1).is_empty()
                || !crate::context::find_files(ctx, s, "Cargo.lock", 1).is_empty();
        }
        let name = s.rsplit('/').next().unwrap_or(s);
        !ctx.is_file(s)
            || name.ends_with(".rs")
            || name == "Cargo.toml"
            || name == "Cargo.lock"
            || name.starts_with(".cargo")
    })
}

/// Whether RUN `i` may change what `cargo run` compiles: it calls cargo or rustc for
/// anything but a build, or names sources or manifests.
fn touches_sources(input: &Input<'_, '_>, i: usize) -> bool {
    run_commands(input.df, i).iter().any(|c| {
        let words = shell::split_assignments(c).1;
        let program = words
            .first()
            .map(|w| w.text.rsplit('/').next().unwrap_or(""))
            .unwrap_or("");
        matches!(program, "cargo" | "rustc" | "rustup" | "git" | "sh" | "bash")
            || words.iter().any(|w| {
                let t = w.text.as_str();
                t.ends_with(".rs")
                    || t.contains("Cargo.")
                    || t == "src"
                    || t.starts_with("src/")
                    || t.contains("/src")
                    || t == "."
                    || t == "./"
                    || t.contains("build.rs")
            })
    })
}

/// Whether RUN `i` only finishes a build (strip, chmod, mv, cleanup).
fn finishing(input: &Input<'_, '_>, tpl: &Template, i: usize) -> bool {
    run_commands(input.df, i).iter().all(|c| {
        let words = shell::split_assignments(c).1;
        words.first().is_some_and(|w| {
            tpl.builder_programs.contains(&w.text)
                && (w.text != "cargo"
                    || words
                        .get(1)
                        .is_some_and(|s| matches!(s.text.as_str(), "build" | "install" | "clean" | "b")))
        })
    })
}

/// Extends the builder stage over the RUN steps right after build `index` that only finish
/// it, following the binary at `path` through them; returns the last such instruction.
fn extend_split(input: &Input<'_, '_>, tpl: &Template, index: usize, path: &mut String) -> usize {
    let df = input.df;
    let mut split = index;
    for i in index + 1..df.instructions.len() {
        match &df.instructions[i] {
            Instruction::Run(_) => {
                if !finishing(input, tpl, i) {
                    break;
                }
                let mut cwd = input.facts.state(i).workdir.clone();
                for c in run_commands(df, i) {
                    let words = shell::split_assignments(&c).1;
                    if words.first().is_some_and(|w| w.text == "cd")
                        && let Some(d) = words.get(1)
                    {
                        cwd = absolute(&cwd, &d.text);
                    }
                    track_move(&c, &cwd, path, tpl);
                }
                split = i;
            }
            Instruction::Copy(_) | Instruction::Add(_) | Instruction::Workdir(_) => break,
            _ => {}
        }
    }
    split
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tpl() -> Template {
        crate::template::TemplateSet::builtin().rust.clone()
    }

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn reads_cargo_lines() {
        let t = tpl();
        let c = parse_cargo(
            &words("cargo build --release --bin api -p web --target x86_64-unknown-linux-musl"),
            &t,
        )
        .expect("cargo");
        assert_eq!(c.sub, "build");
        assert_eq!(c.profile_dir, "release");
        assert_eq!(c.bins, ["api"]);
        assert_eq!(c.packages, ["web"]);
        assert_eq!(c.target.as_deref(), Some("x86_64-unknown-linux-musl"));
        let c = parse_cargo(
            &words("cargo +nightly run --profile dev --features a,b -- --port 80"),
            &t,
        )
        .expect("cargo");
        assert_eq!(c.toolchain.as_deref(), Some("nightly"));
        assert_eq!(c.profile_dir, "debug");
        assert_eq!(c.args, ["--port", "80"]);
        assert_eq!(c.options, ["--profile", "dev", "--features", "a,b"]);
        let c = parse_cargo(&words("cargo run --release serve now"), &t).expect("cargo");
        assert_eq!(c.args, ["serve", "now"]);
        let c = parse_cargo(&words("cargo install --path . --root /opt/app"), &t).expect("cargo");
        assert_eq!(c.profile_dir, "release");
        assert_eq!(c.root.as_deref(), Some("/opt/app"));
        assert!(parse_cargo(&words("rustc main.rs"), &t).is_none());
    }

    #[test]
    fn discovers_binaries() {
        let ctx = crate::context::MemContext::new()
            .with(
                "Cargo.toml",
                "[package]\nname = \"app\"\nversion = \"0.1.0\"\n\n[[bin]]\nname = \"server\"\npath = \"src/main.rs\"\n",
            )
            .with("src/main.rs", "fn main() {}")
            .with("src/bin/tool.rs", "fn main() {}");
        let m = manifest(&ctx, "").expect("manifest");
        let p = package_at(&ctx, "", &m).expect("package");
        assert_eq!(p.bins, ["server", "tool"]);
    }

    #[test]
    fn workspace_members() {
        let ctx = crate::context::MemContext::new()
            .with(
                "Cargo.toml",
                "[workspace]\nmembers = [\"crates/*\"]\nexclude = [\"crates/old\"]\n",
            )
            .with("crates/api/Cargo.toml", "[package]\nname = \"api\"\n")
            .with("crates/api/src/main.rs", "")
            .with("crates/old/Cargo.toml", "[package]\nname = \"old\"\n")
            .with("crates/old/src/main.rs", "")
            .with("crates/core/Cargo.toml", "[package]\nname = \"core\"\n")
            .with("crates/core/src/lib.rs", "");
        let ws = workspace_of(&ctx, "").expect("workspace");
        let names: Vec<&str> = ws.members.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["api", "core"]);
        let ws = workspace_of(&ctx, "crates/api").expect("workspace");
        assert_eq!(ws.root, "");
        assert_eq!(ctx_path("a/b", "../c"), "a/c");
    }
}
