//! Cargo workspaces in the build context: manifests, packages and their binary targets
//! (following Cargo's auto-discovery), workspace members, what a cargo command selects, and
//! `.cargo/config.toml`'s build settings.

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

pub fn str_key<'t>(t: &'t toml::Table, key: &str) -> Option<&'t str> {
    t.get(key).and_then(|v| v.as_str())
}

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
    pub target: Option<String>,
    /// (context directory holding `.cargo`, the value).
    pub target_dir: Option<(String, String)>,
}

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
