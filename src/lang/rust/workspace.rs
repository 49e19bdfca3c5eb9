//! Cargo workspaces in the build context: manifests, packages and their binary targets
//! (following Cargo's auto-discovery), workspace members, what a cargo command selects, and
//! `.cargo/config.toml`'s build settings. [`workspace_of`] reads the manifest, finds the root
//! (`root_manifest`: itself, `package.workspace`, or `enclosing_workspace`), then the members
//! (`members_of`, with `expand_member` and `is_excluded`); [`select`] and [`pick_run_bin`] read a
//! cargo command against it; [`cargo_config`] reads the config files.

use super::cargo::Cargo;
use crate::context::{BuildContext, join};
use crate::detect::{absolute, glob_match};

/// A Cargo package in the build context.
#[derive(Debug, Clone)]
pub struct Package {
    /// Context directory.
    pub dir: String,
    /// `package.name`.
    pub name: String,
    /// Binary targets.
    pub bins: Vec<String>,
    /// `package.default-run`.
    pub default_run: Option<String>,
}

/// The workspace a build runs in.
#[derive(Debug, Clone)]
pub struct Workspace {
    /// Context directory of the root manifest.
    pub root: String,
    /// Every member package (the root package first when there is one).
    pub members: Vec<Package>,
    /// `default-members`, as context directories.
    pub default_members: Option<Vec<String>>,
}

/// Reads a manifest as a TOML table.
pub fn manifest(ctx: &dyn BuildContext, dir: &str) -> Result<toml::Table, String> {
    let path = join(dir, "Cargo.toml");
    let text = ctx.read(&path).ok_or_else(|| format!("{path} cannot be read"))?;
    toml::from_str::<toml::Table>(&text).map_err(|e| {
        let first = e.to_string().lines().next().unwrap_or("").to_string();
        format!("{path} does not parse: {first}")
    })
}

/// A normalised context path: `dir` joined with `rel`, `..` resolved, `""` for the root.
pub fn ctx_path(dir: &str, rel: &str) -> String {
    absolute(&format!("/{dir}"), rel).trim_start_matches('/').to_string()
}

/// The parent of a context path (`""` for top-level entries).
pub fn ctx_parent(path: &str) -> Option<String> {
    if path.is_empty() {
        return None;
    }
    Some(path.rsplit_once('/').map_or(String::new(), |(d, _)| d.to_string()))
}

/// The string at `key` of table `t`.
pub fn str_key<'t>(t: &'t toml::Table, key: &str) -> Option<&'t str> {
    t.get(key).and_then(|v| v.as_str())
}

/// The strings of the array at `key` of table `t`.
pub fn str_list(t: &toml::Table, key: &str) -> Option<Vec<String>> {
    t.get(key)
        .and_then(|v| v.as_array())
        .map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect())
}

/// The package of the manifest in context directory `dir`, with its binary targets, following
/// Cargo's target auto-discovery: src/main.rs is the package's binary, src/bin/X.rs and
/// src/bin/X/main.rs are binaries named X, and a `[[bin]]` with the same name or path replaces
/// the discovered one.
pub fn package_at(ctx: &dyn BuildContext, dir: &str, m: &toml::Table) -> Option<Package> {
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
pub fn expand_member(ctx: &dyn BuildContext, root: &str, pattern: &str) -> Vec<String> {
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
pub fn workspace_of(ctx: &dyn BuildContext, dir: &str) -> Result<Workspace, String> {
    let m = manifest(ctx, dir)?;
    let Some((root_dir, rm)) = root_manifest(ctx, dir, &m)? else {
        return Ok(Workspace {
            root: dir.to_string(),
            members: package_at(ctx, dir, &m).into_iter().collect(),
            default_members: None,
        });
    };
    let ws = rm
        .get("workspace")
        .and_then(|w| w.as_table())
        .cloned()
        .unwrap_or_default();
    let mut members = members_of(ctx, &root_dir, &rm, &ws)?;
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

/// The root manifest (its directory and table) of the workspace that manifest `m` in `dir`
/// belongs to: `m` itself when it has `[workspace]`, the one its `package.workspace` names,
/// else the nearest parent workspace that has it as a member; `None` for a lone package.
fn root_manifest(ctx: &dyn BuildContext, dir: &str, m: &toml::Table) -> Result<Option<(String, toml::Table)>, String> {
    if m.contains_key("workspace") {
        return Ok(Some((dir.to_string(), m.clone())));
    }
    if let Some(rel) = m
        .get("package")
        .and_then(|p| p.as_table())
        .and_then(|p| str_key(p, "workspace"))
    {
        let r = ctx_path(dir, rel);
        let rm = manifest(ctx, &r)?;
        return Ok(Some((r, rm)));
    }
    Ok(enclosing_workspace(ctx, dir))
}

/// The nearest manifest above `dir` with a `[workspace]`, when that workspace has `dir` as a
/// member (a workspace further up is never considered).
fn enclosing_workspace(ctx: &dyn BuildContext, dir: &str) -> Option<(String, toml::Table)> {
    let mut cur = ctx_parent(dir);
    while let Some(c) = cur {
        let parent = ctx
            .is_file(&join(&c, "Cargo.toml"))
            .then(|| manifest(ctx, &c).ok())
            .flatten();
        if let Some(pm) = parent
            && let Some(ws) = pm.get("workspace").and_then(|w| w.as_table())
        {
            let member = str_list(ws, "members")
                .unwrap_or_default()
                .iter()
                .any(|p| expand_member(ctx, &c, p).iter().any(|x| x == dir));
            return (member && !is_excluded(&c, ws, dir)).then(|| (c.clone(), pm.clone()));
        }
        cur = ctx_parent(&c);
    }
    None
}

/// Whether workspace `ws` at context directory `root` excludes `dir` (or a directory above it).
fn is_excluded(root: &str, ws: &toml::Table, dir: &str) -> bool {
    str_list(ws, "exclude").unwrap_or_default().iter().any(|e| {
        let e = ctx_path(root, e);
        dir == e || dir.starts_with(&format!("{e}/"))
    })
}

/// The packages of workspace `ws` whose root manifest `rm` is in `root`: the root package
/// first, then each `members` pattern's packages that `exclude` leaves in.
fn members_of(ctx: &dyn BuildContext, root: &str, rm: &toml::Table, ws: &toml::Table) -> Result<Vec<Package>, String> {
    let mut members: Vec<Package> = package_at(ctx, root, rm).into_iter().collect();
    for pattern in str_list(ws, "members").unwrap_or_default() {
        for d in expand_member(ctx, root, &pattern) {
            if is_excluded(root, ws, &d) || members.iter().any(|p| p.dir == d) {
                continue;
            }
            if let Some(p) = package_at(ctx, &d, &manifest(ctx, &d)?) {
                members.push(p);
            }
        }
    }
    Ok(members)
}

/// What a cargo command builds: the packages and binaries it selects.
#[derive(Debug, Clone)]
pub struct Selection {
    /// The workspace.
    pub ws: Workspace,
    /// The packages selected.
    pub packages: Vec<Package>,
    /// The binaries built, by name.
    pub bins: Vec<String>,
}

/// The packages and binaries `c`, run with its manifest in context directory `dir`, selects.
pub fn select(ctx: &dyn BuildContext, dir: &str, c: &Cargo) -> Result<Selection, String> {
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

/// A context directory as messages show it.
pub fn shown_dir(dir: &str) -> String {
    if dir.is_empty() {
        "the context root".into()
    } else {
        format!("{dir}/")
    }
}

/// The one binary `cargo run` runs, or why there is none.
pub fn pick_run_bin(sel: &Selection, c: &Cargo) -> Result<String, String> {
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
pub struct CargoConfig {
    /// `[build] target`.
    pub target: Option<String>,
    /// (context directory holding `.cargo`, the value).
    pub target_dir: Option<(String, String)>,
}

/// The `[build]` settings for a cargo run in context directory `dir` of the workspace at
/// `root`: every `.cargo/config.toml` (or `.cargo/config`) from `root` (the context root when
/// `root` is not above `dir`) down to `dir`, the nearest one winning.
pub fn cargo_config(ctx: &dyn BuildContext, root: &str, dir: &str) -> CargoConfig {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::MemContext;

    #[test]
    fn discovers_binaries() {
        let ctx = MemContext::new()
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
        let ctx = MemContext::new()
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

    fn pkg(name: &str) -> String {
        format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\n")
    }

    /// A workspace: `crates/api` (binary api), `crates/cli` (binaries cli and extra), `crates/core`
    /// (library), `crates/old` excluded.
    fn ws_ctx(root_extra: &str) -> MemContext {
        MemContext::new()
            .with(
                "Cargo.toml",
                &format!("[workspace]\nmembers = [\"crates/*\"]\nexclude = [\"crates/old\"]\n{root_extra}"),
            )
            .with("crates/api/Cargo.toml", &pkg("api"))
            .with("crates/api/src/main.rs", "")
            .with(
                "crates/cli/Cargo.toml",
                &format!("{}default-run = \"cli\"\n", pkg("cli")),
            )
            .with("crates/cli/src/main.rs", "")
            .with("crates/cli/src/bin/extra/main.rs", "")
            .with("crates/core/Cargo.toml", &pkg("core"))
            .with("crates/core/src/lib.rs", "")
            .with("crates/old/Cargo.toml", &pkg("old"))
            .with("crates/old/src/main.rs", "")
    }

    #[test]
    fn manifests_and_paths() {
        let ctx = MemContext::new()
            .with("Cargo.toml", "[package\n")
            .with("a/Cargo.toml", &pkg("a"));
        assert!(
            manifest(&ctx, "")
                .unwrap_err()
                .starts_with("Cargo.toml does not parse: ")
        );
        assert_eq!(manifest(&ctx, "b").unwrap_err(), "b/Cargo.toml cannot be read");
        let m = manifest(&ctx, "a").expect("a manifest");
        let p = m.get("package").and_then(|p| p.as_table()).expect("[package]");
        assert_eq!(str_key(p, "name"), Some("a"));
        assert_eq!(str_key(p, "missing"), None);
        let t: toml::Table = toml::from_str("xs = [\"a\", 1, \"b\"]").expect("toml");
        assert_eq!(str_list(&t, "xs"), Some(vec!["a".to_string(), "b".to_string()]));
        assert_eq!(ctx_path("", "./a/"), "a");
        assert_eq!(ctx_path("a", ".."), "");
        assert_eq!(ctx_parent("a/b"), Some("a".to_string()));
        assert_eq!(ctx_parent("a"), Some(String::new()));
        assert_eq!(ctx_parent(""), None);
        assert_eq!(
            (shown_dir(""), shown_dir("a")),
            ("the context root".to_string(), "a/".to_string())
        );
    }

    #[test]
    fn package_targets_and_default_run() {
        let ctx = ws_ctx("");
        let m = manifest(&ctx, "crates/cli").expect("manifest");
        let p = package_at(&ctx, "crates/cli", &m).expect("package");
        assert_eq!(
            (p.name.as_str(), p.bins.clone(), p.default_run.as_deref()),
            ("cli", vec!["cli".to_string(), "extra".to_string()], Some("cli"))
        );
        let off = MemContext::new()
            .with(
                "Cargo.toml",
                "[package]\nname = \"x\"\nautobins = false\n[[bin]]\nname = \"only\"\n",
            )
            .with("src/main.rs", "");
        let m = manifest(&off, "").expect("manifest");
        assert_eq!(package_at(&off, "", &m).expect("package").bins, ["only"]);
        let virt: toml::Table = toml::from_str("[workspace]\n").expect("toml");
        assert!(package_at(&off, "", &virt).is_none());
    }

    #[test]
    fn member_patterns_expand_to_manifest_directories() {
        let ctx = ws_ctx("");
        let mut all = expand_member(&ctx, "", "crates/*");
        all.sort();
        assert_eq!(all, ["crates/api", "crates/cli", "crates/core", "crates/old"]);
        assert_eq!(expand_member(&ctx, "", "./crates/api/"), ["crates/api"]);
        assert!(expand_member(&ctx, "", "crates/none").is_empty());
    }

    #[test]
    fn roots_are_found_three_ways() {
        let ctx = ws_ctx("").with("tools/x/Cargo.toml", &format!("{}workspace = \"../..\"\n", pkg("x")));
        let m = manifest(&ctx, "").expect("root");
        assert_eq!(
            root_manifest(&ctx, "", &m).expect("ok").map(|r| r.0),
            Some(String::new())
        );
        let m = manifest(&ctx, "tools/x").expect("x");
        assert_eq!(
            root_manifest(&ctx, "tools/x", &m).expect("ok").map(|r| r.0),
            Some(String::new())
        );
        assert_eq!(
            enclosing_workspace(&ctx, "crates/api").map(|r| r.0),
            Some(String::new())
        );
        // Excluded, or not a member: a package on its own.
        assert!(enclosing_workspace(&ctx, "crates/old").is_none());
        assert!(enclosing_workspace(&ctx, "tools/x").is_none());
        let ws: toml::Table = toml::from_str("exclude = [\"crates/old\"]").expect("toml");
        assert!(is_excluded("", &ws, "crates/old") && is_excluded("", &ws, "crates/old/sub"));
        assert!(!is_excluded("", &ws, "crates/older"));
    }

    #[test]
    fn members_leave_out_excluded_packages() {
        let ctx = ws_ctx("");
        let rm = manifest(&ctx, "").expect("root");
        let ws = rm.get("workspace").and_then(|w| w.as_table()).expect("[workspace]");
        let mut names: Vec<String> = members_of(&ctx, "", &rm, ws)
            .expect("members")
            .into_iter()
            .map(|p| p.name)
            .collect();
        names.sort();
        assert_eq!(names, ["api", "cli", "core"]);
        // The excluded package builds on its own.
        let alone = workspace_of(&ctx, "crates/old").expect("workspace");
        assert_eq!((alone.root.as_str(), alone.members.len()), ("crates/old", 1));
    }

    fn cargo(line: &str) -> Cargo {
        super::super::cargo::parse_cargo(
            &crate::lang::testing::words(line),
            &crate::template::TemplateSet::builtin().rust,
        )
        .expect("a cargo line")
    }

    fn selected(ctx: &MemContext, dir: &str, line: &str) -> Result<Vec<String>, String> {
        select(ctx, dir, &cargo(line)).map(|s| {
            let mut b = s.bins;
            b.sort();
            b
        })
    }

    #[test]
    fn selections() {
        let ctx = ws_ctx("");
        assert_eq!(
            selected(&ctx, "", "cargo build"),
            Ok(vec!["api".into(), "cli".into(), "extra".into()])
        );
        assert_eq!(selected(&ctx, "", "cargo build -p api"), Ok(vec!["api".into()]));
        assert_eq!(
            selected(&ctx, "", "cargo build --workspace --exclude cli"),
            Ok(vec!["api".into()])
        );
        assert_eq!(
            selected(&ctx, "crates/cli", "cargo build"),
            Ok(vec!["cli".into(), "extra".into()])
        );
        assert_eq!(selected(&ctx, "", "cargo build --bin extra"), Ok(vec!["extra".into()]));
        assert_eq!(selected(&ctx, "", "cargo build --lib"), Ok(vec![]));
        assert_eq!(
            selected(&ctx, "", "cargo build -p nope"),
            Err("package `nope` (-p) is not a member of the workspace at the context root".into())
        );
        let dm = ws_ctx("default-members = [\"crates/api\"]\n");
        assert_eq!(selected(&dm, "", "cargo build"), Ok(vec!["api".into()]));
    }

    #[test]
    fn the_run_binary() {
        let ctx = ws_ctx("");
        let pick = |dir: &str, line: &str| {
            let c = cargo(line);
            pick_run_bin(&select(&ctx, dir, &c).expect("selection"), &c)
        };
        assert_eq!(pick("crates/cli", "cargo run"), Ok("cli".into()));
        assert_eq!(pick("crates/api", "cargo run"), Ok("api".into()));
        assert_eq!(pick("", "cargo run --bin extra"), Ok("extra".into()));
        assert_eq!(
            pick("", "cargo run"),
            Err("several binaries (api, cli, extra) and nothing picks one (no --bin, no default-run)".into())
        );
        assert_eq!(
            pick("crates/core", "cargo run"),
            Err("`cargo run` finds no binary target in the package".into())
        );
    }

    #[test]
    fn cargo_config_nearest_wins() {
        let ctx = ws_ctx("")
            .with(
                ".cargo/config.toml",
                "[build]\ntarget = \"x86_64-unknown-linux-musl\"\ntarget-dir = \"out\"\n",
            )
            .with("crates/api/.cargo/config", "[build]\ntarget-dir = \"../../t\"\n");
        let c = cargo_config(&ctx, "", "crates/api");
        assert_eq!(c.target.as_deref(), Some("x86_64-unknown-linux-musl"));
        assert_eq!(c.target_dir, Some(("crates/api".to_string(), "../../t".to_string())));
        let c = cargo_config(&ctx, "", "crates/cli");
        assert_eq!(c.target_dir, Some((String::new(), "out".to_string())));
        assert_eq!(cargo_config(&MemContext::new(), "", "").target, None);
    }
}
