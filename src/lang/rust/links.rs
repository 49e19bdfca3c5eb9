//! Links: what a Rust binary links beyond libc, and the runtime packages that provide it. A
//! `-sys` crate counts only when the program itself can reach it in the dependency graph:
//! not through a build helper (bindgen's clang-sys), a dev- or build-dependency, or a
//! dependency for another target (`[target.'cfg(windows)'.dependencies]`). A build script's
//! `cargo:rustc-link-lib=NAME` links that library dynamically. [`native_links`] reads the lock
//! (`lock_graph`), what the program reaches (`reachable`, through `linux_deps` and
//! `target_applies`) and each `-sys` crate's rule (`links_system_library`); without a lock,
//! `links_without_lock` goes by the `-dev` packages installed (`installed_packages`).
//! [`build_script_links`] reads the build scripts.

use std::collections::{BTreeMap, BTreeSet};

use crate::Skip;
use crate::context::{BuildContext, join};
use crate::lang::Input;
use crate::model::steps::Op;
use crate::template::rust::{SysCrate, Template};

/// What the binary links beyond libc.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Links {
    /// Runtime packages, in order.
    pub packages: Vec<String>,
    /// Those that distroless/cc of this release already holds.
    pub in_distroless: Vec<String>,
    /// Why each library is linked (`pq-sys links libpq5`).
    pub reasons: Vec<String>,
}

impl Links {
    fn add(&mut self, why: String, pkgs: &[String], distroless: bool) {
        for p in pkgs {
            if !self.packages.contains(p) {
                self.packages.push(p.clone());
            }
            if distroless && !self.in_distroless.contains(p) {
                self.in_distroless.push(p.clone());
            }
        }
        self.reasons.push(why);
    }
}

/// Packages a RUN step installs (any manager).
pub fn installed_packages(input: &Input<'_, '_>) -> Vec<String> {
    input
        .model
        .ops
        .iter()
        .filter_map(|o| match &o.op {
            Op::Install { packages, .. } => Some(packages.iter().map(|p| p.split('=').next().unwrap_or(p).to_string())),
            _ => None,
        })
        .flatten()
        .collect()
}

/// The crates of Cargo.lock and their dependencies (names only).
pub fn lock_graph(lock: &str) -> BTreeMap<String, Vec<String>> {
    let mut graph: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let Ok(t) = toml::from_str::<toml::Table>(lock) else {
        return graph;
    };
    for p in t.get("package").and_then(|v| v.as_array()).into_iter().flatten() {
        let Some(name) = p.get("name").and_then(|v| v.as_str()) else {
            continue;
        };
        let deps: Vec<String> = p
            .get("dependencies")
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|d| d.as_str())
                    .map(|d| d.split_whitespace().next().unwrap_or(d).to_string())
                    .collect()
            })
            .unwrap_or_default();
        graph.entry(name.to_string()).or_default().extend(deps);
    }
    graph
}

/// Whether a `[target.X]` key of a manifest applies to a Linux build.
pub fn target_applies(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    if k.contains("not(") {
        return !(k.contains("unix") || k.contains("linux"));
    }
    if k.contains("linux") || k.contains("unix") {
        return true;
    }
    let other = [
        "windows",
        "macos",
        "ios",
        "android",
        "wasm",
        "freebsd",
        "openbsd",
        "netbsd",
        "darwin",
        "apple",
        "redox",
        "fuchsia",
        "solaris",
        "illumos",
        "emscripten",
    ];
    !other.iter().any(|o| k.contains(o))
}

/// The normal dependencies of a manifest that a Linux build uses.
fn linux_deps(m: &toml::Table) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut take = |t: Option<&toml::Value>| {
        for (k, v) in t.and_then(|d| d.as_table()).into_iter().flatten() {
            let name = v.get("package").and_then(|p| p.as_str()).unwrap_or(k);
            out.push(name.to_string());
        }
    };
    take(m.get("dependencies"));
    for (key, t) in m.get("target").and_then(|t| t.as_table()).into_iter().flatten() {
        if target_applies(key) {
            take(t.get("dependencies"));
        }
    }
    out
}

/// The crates the program can reach: from the workspace members' Linux dependencies through
/// Cargo.lock, never through a build helper.
fn reachable(
    ctx: &dyn BuildContext,
    lock: &BTreeMap<String, Vec<String>>,
    manifests: &[String],
    tpl: &Template,
) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut stack: Vec<String> = Vec::new();
    for m in manifests {
        let Some(t) = ctx.read(m).and_then(|text| toml::from_str::<toml::Table>(&text).ok()) else {
            continue;
        };
        if let Some(name) = t.get("package").and_then(|p| p.get("name")).and_then(|n| n.as_str()) {
            seen.insert(name.to_string());
        }
        stack.extend(linux_deps(&t));
    }
    // A lock that records no dependency at all cannot tell what the program uses: every
    // crate in it counts.
    if !lock.values().any(|d| !d.is_empty()) {
        seen.extend(lock.keys().cloned());
        return seen;
    }
    while let Some(c) = stack.pop() {
        if tpl.build_helpers.contains(&c) || !seen.insert(c.clone()) {
            continue;
        }
        stack.extend(lock.get(&c).into_iter().flatten().cloned());
    }
    seen
}

/// What the binary of the workspace at `ws_root` links, on Debian `codename` (`full_image`:
/// the builder holds the full rust image's `-dev` packages).
pub fn native_links(
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
    let add = |name: &str, sys: &SysCrate, links: &mut Links| {
        let pkgs = sys
            .packages
            .get(codename)
            .or_else(|| sys.packages.get("default"))
            .cloned()
            .unwrap_or_default();
        let distroless = sys.in_distroless.iter().any(|c| c == codename);
        links.add(format!("{name} links {}", pkgs.join(" + ")), &pkgs, distroless);
    };
    let manifests: Vec<String> = crate::context::find_files(input.ctx, "", "Cargo.toml", 500)
        .into_iter()
        .filter(|f| f == "Cargo.toml" || f.ends_with("/Cargo.toml"))
        .collect();
    let lock_path = join(ws_root, "Cargo.lock");
    let Some(lock) = input.ctx.read(&lock_path) else {
        return links_without_lock(tpl, &installed, links, add);
    };
    let graph = lock_graph(&lock);
    let used = reachable(input.ctx, &graph, &manifests, tpl);
    let texts: Vec<String> = manifests.iter().filter_map(|f| input.ctx.read(f)).collect();
    for n in graph.keys() {
        if !(n.ends_with("-sys") || n.ends_with("_sys")) || tpl.static_sys.contains(n) || !used.contains(n) {
            continue;
        }
        let Some(sys) = tpl.sys.get(n) else {
            return Err(Skip::Unsupported(format!(
                "{lock_path} has {n}, a binding to a native library whose run-time package dockslim does not know (add it to [sys] in templates/rust.toml)"
            )));
        };
        if links_system_library(sys, &graph, &texts, &dev) {
            add(n, sys, &mut links);
        }
    }
    Ok(links)
}

/// Whether `-sys` crate `sys` links the system library rather than compiling its own copy in:
/// no vendoring crate in the lock (`graph`), no vendoring feature in the manifests' `texts`,
/// and its `-dev` package (when it names one) among the builder's `dev` packages.
fn links_system_library(
    sys: &SysCrate,
    graph: &BTreeMap<String, Vec<String>>,
    texts: &[String],
    dev: &[String],
) -> bool {
    if sys.vendored_by.iter().any(|v| graph.contains_key(v)) {
        return false;
    }
    let enabled = |f: &String| {
        texts
            .iter()
            .any(|m| m.contains(&format!("\"{f}\"")) || m.contains(&format!("/{f}\"")))
    };
    if sys.vendored_feature.iter().any(enabled) {
        return false;
    }
    // Without its -dev package the crate builds its own copy in.
    sys.dev.is_empty() || sys.dev.iter().any(|d| dev.contains(d))
}

/// No lock file: the `-dev` packages the Dockerfile installs are all there is to go by.
fn links_without_lock(
    tpl: &Template,
    installed: &[String],
    mut links: Links,
    add: impl Fn(&str, &SysCrate, &mut Links),
) -> Result<Links, Skip> {
    for p in installed.iter().filter(|p| p.ends_with("-dev")) {
        if tpl.build_only_dev.contains(p) {
            continue;
        }
        let by_dev = tpl.sys.iter().find(|(_, s)| s.dev.contains(p));
        let by_name = match p.as_str() {
            "libssl-dev" => tpl.sys.get_key_value("openssl-sys"),
            "libpq-dev" => tpl.sys.get_key_value("pq-sys"),
            _ => None,
        };
        match by_dev.or(by_name) {
            Some((n, s)) => add(n, s, &mut links),
            None => {
                return Err(Skip::Unsupported(format!(
                    "the build installs {p} and there is no Cargo.lock to tell whether the program links it; its run-time package is unknown"
                )));
            }
        }
    }
    Ok(links)
}

/// Libraries the workspace's build scripts link dynamically (`cargo:rustc-link-lib=NAME`),
/// with their runtime packages for package manager `family` (`apt`, `apk`).
pub fn build_script_links(ctx: &dyn BuildContext, tpl: &Template, family: &str) -> Result<Links, Skip> {
    let mut links = Links::default();
    for f in crate::context::find_files(ctx, "", "build.rs", 200) {
        if !(f == "build.rs" || f.ends_with("/build.rs")) {
            continue;
        }
        let Some(text) = ctx.read(&f) else { continue };
        let mut rest = text.as_str();
        while let Some(p) = rest.find("rustc-link-lib=") {
            rest = &rest[p + "rustc-link-lib=".len()..];
            let value: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || "_-+.=:".contains(*c))
                .collect();
            let (kind, name) = value.split_once('=').unwrap_or(("dylib", &value));
            if kind.starts_with("static") || name.is_empty() || name.contains('{') {
                continue;
            }
            let name = name.split(':').next().unwrap_or(name);
            let Some(pkgs) = tpl.link_libs.get(name) else {
                return Err(Skip::Unsupported(format!(
                    "{f} links lib{name} dynamically; dockslim does not know its run-time package (add it to [link_libs] in templates/rust.toml)"
                )));
            };
            let pkgs = pkgs.get(family).cloned().unwrap_or_default();
            if !pkgs.is_empty() {
                links.add(format!("{f} links lib{name}"), &pkgs, false);
            }
        }
    }
    Ok(links)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::MemContext;
    use crate::lang::testing::with_input;

    fn tpl() -> Template {
        crate::template::TemplateSet::builtin().rust.clone()
    }

    const LOCK: &str = r#"
[[package]]
name = "app"
version = "0.1.0"
dependencies = ["bindgen", "winapi-util", "libsqlite3-sys 0.28.0"]

[[package]]
name = "bindgen"
version = "0.69.0"
dependencies = ["clang-sys"]

[[package]]
name = "clang-sys"
version = "1.0.0"

[[package]]
name = "winapi-util"
version = "0.1.0"
dependencies = ["mystery-sys"]

[[package]]
name = "mystery-sys"
version = "0.1.0"

[[package]]
name = "libsqlite3-sys"
version = "0.28.0"
"#;

    #[test]
    fn only_crates_the_program_reaches_count() {
        let graph = lock_graph(LOCK);
        assert_eq!(graph["app"], vec!["bindgen", "winapi-util", "libsqlite3-sys"]);
        let ctx = MemContext::new().with(
            "Cargo.toml",
            "[package]\nname = \"app\"\n[dependencies]\nlibsqlite3-sys = \"0.28\"\n[build-dependencies]\nbindgen = \"0.69\"\n[target.'cfg(windows)'.dependencies]\nwinapi-util = \"0.1\"\n",
        );
        let used = reachable(&ctx, &graph, &["Cargo.toml".into()], &tpl());
        assert!(used.contains("libsqlite3-sys"));
        assert!(!used.contains("clang-sys") && !used.contains("mystery-sys"));
    }

    #[test]
    fn target_tables() {
        assert!(
            target_applies("cfg(unix)")
                && target_applies("x86_64-unknown-linux-gnu")
                && target_applies("cfg(target_os = \"linux\")")
        );
        assert!(
            !target_applies("cfg(windows)")
                && !target_applies("cfg(target_os = \"macos\")")
                && !target_applies("cfg(not(unix))")
        );
        assert!(target_applies("cfg(not(windows))"));
    }

    #[test]
    fn build_scripts_name_their_libraries() {
        let ctx = MemContext::new().with(
            "build.rs",
            "fn main() { println!(\"cargo:rustc-link-lib=z\"); println!(\"cargo:rustc-link-lib=static=foo\"); }",
        );
        let l = build_script_links(&ctx, &tpl(), "apt").unwrap();
        assert_eq!(l.packages, vec!["zlib1g"]);
        let ctx = MemContext::new().with("build.rs", "println!(\"cargo::rustc-link-lib=dylib=weird\");");
        assert!(build_script_links(&ctx, &tpl(), "apt").is_err());
    }

    fn input_links(df: &str, ctx: &MemContext, full: bool) -> Result<Links, String> {
        with_input(df, ctx, |input| {
            native_links(input, &tpl(), "", "bookworm", full).map_err(|e| e.to_string())
        })
    }

    const SQLITE_LOCK: &str = "[[package]]\nname = \"app\"\nversion = \"0.1.0\"\ndependencies = [\"libsqlite3-sys\"]\n\n[[package]]\nname = \"libsqlite3-sys\"\nversion = \"0.28.0\"\n";

    fn sqlite_app(features: &str) -> MemContext {
        MemContext::new()
            .with(
                "Cargo.toml",
                &format!(
                    "[package]\nname = \"app\"\n[dependencies]\nlibsqlite3-sys = {{ version = \"0.28\"{features} }}\n"
                ),
            )
            .with("Cargo.lock", SQLITE_LOCK)
    }

    #[test]
    fn installed_packages_drop_their_pins() {
        let df = "FROM rust:1.80\nRUN apt-get update && apt-get install -y libpq-dev=15.1 pkg-config\nRUN apk add --no-cache musl-dev\n";
        with_input(df, &MemContext::new(), |input| {
            assert_eq!(installed_packages(input), ["libpq-dev", "pkg-config", "musl-dev"]);
        });
    }

    #[test]
    fn linux_dependencies_include_unix_target_tables() {
        let m: toml::Table = toml::from_str(
            "[dependencies]\na = \"1\"\nb = { package = \"real-b\", version = \"1\" }\n[dev-dependencies]\nt = \"1\"\n[target.'cfg(unix)'.dependencies]\nu = \"1\"\n[target.'cfg(windows)'.dependencies]\nw = \"1\"\n",
        )
        .expect("toml");
        assert_eq!(linux_deps(&m), ["a", "real-b", "u"]);
    }

    #[test]
    fn sys_crates_link_their_library_only_when_the_build_can() {
        let df = "FROM rust:1.80-slim\nRUN apt-get install -y libsqlite3-dev\n";
        let l = input_links(df, &sqlite_app(""), false).expect("links");
        assert_eq!(l.packages, ["libsqlite3-0"]);
        assert_eq!(l.reasons, ["libsqlite3-sys links libsqlite3-0"]);
        // Without the -dev package the crate compiles its own copy; the full image has it.
        let slim = "FROM rust:1.80-slim\n";
        assert!(
            input_links(slim, &sqlite_app(""), false)
                .expect("links")
                .packages
                .is_empty()
        );
        assert_eq!(
            input_links(slim, &sqlite_app(""), true).expect("links").packages,
            ["libsqlite3-0"]
        );
        // The `bundled` feature compiles it in.
        let bundled = sqlite_app(", features = [\"bundled\"]");
        assert!(input_links(df, &bundled, false).expect("links").packages.is_empty());
    }

    #[test]
    fn the_vendoring_rules() {
        let t = tpl();
        let sqlite = &t.sys["libsqlite3-sys"];
        let graph = lock_graph(SQLITE_LOCK);
        let dev = vec!["libsqlite3-dev".to_string()];
        assert!(links_system_library(sqlite, &graph, &[], &dev));
        assert!(!links_system_library(sqlite, &graph, &[], &[]));
        assert!(!links_system_library(
            sqlite,
            &graph,
            &["features = [\"bundled\"]".to_string()],
            &dev
        ));
        let mut vendored = graph.clone();
        vendored.insert("sqlx-sqlite".into(), Vec::new());
        assert!(!links_system_library(sqlite, &vendored, &[], &dev));
        // A crate without -dev packages always links.
        assert!(links_system_library(&t.sys["pq-sys"], &graph, &[], &[]));
    }

    #[test]
    fn unknown_sys_crates_are_refused_and_static_ones_ignored() {
        let lock = "[[package]]\nname = \"app\"\nversion = \"0.1.0\"\ndependencies = [\"weird-sys\", \"linux-raw-sys\"]\n\n[[package]]\nname = \"weird-sys\"\nversion = \"1.0.0\"\n\n[[package]]\nname = \"linux-raw-sys\"\nversion = \"0.4.0\"\n";
        let ctx = MemContext::new()
            .with(
                "Cargo.toml",
                "[package]\nname = \"app\"\n[dependencies]\nweird-sys = \"1\"\nlinux-raw-sys = \"0.4\"\n",
            )
            .with("Cargo.lock", lock);
        let err = input_links("FROM rust:1.80\n", &ctx, true).unwrap_err();
        assert!(
            err.starts_with("Cargo.lock has weird-sys, a binding to a native library"),
            "{err}"
        );
        let ok = ctx.with("Cargo.lock", &lock.replace("weird-sys", "other"));
        assert!(
            input_links("FROM rust:1.80\n", &ok, true)
                .expect("links")
                .packages
                .is_empty()
        );
    }

    #[test]
    fn other_platforms_bindings_in_the_lock_link_nothing() {
        // mio 0.6, as in nnlama/rust_k8s_webserver: Cargo.lock lists its Fuchsia and winapi 0.2
        // bindings whatever the target.
        let pkg = |n: &str, deps: &str| {
            format!("[[package]]\nname = \"{n}\"\nversion = \"0.1.0\"\ndependencies = [{deps}]\n\n")
        };
        let lock = [
            pkg("app", "\"mio\""),
            pkg("mio", "\"fuchsia-zircon-sys\", \"kernel32-sys\", \"ws2_32-sys\""),
            pkg("fuchsia-zircon-sys", ""),
            pkg("kernel32-sys", ""),
            pkg("ws2_32-sys", ""),
        ]
        .concat();
        let ctx = MemContext::new()
            .with(
                "Cargo.toml",
                "[package]\nname = \"app\"\n[dependencies]\nmio = \"0.6\"\n",
            )
            .with("Cargo.lock", &lock);
        let links = input_links("FROM rust:1.80\n", &ctx, true).expect("links");
        assert!(links.packages.is_empty(), "{:?}", links.packages);
    }

    #[test]
    fn without_a_lock_the_dev_packages_decide() {
        let ctx = MemContext::new().with("Cargo.toml", "[package]\nname = \"app\"\n");
        let df = "FROM rust:1.80-slim\nRUN apt-get install -y libssl-dev libc6-dev\n";
        assert_eq!(
            input_links(df, &ctx, false).expect("links").packages,
            ["libssl3", "ca-certificates"]
        );
        let df = "FROM rust:1.80-slim\nRUN apt-get install -y libfoo-dev\n";
        assert_eq!(
            input_links(df, &ctx, false).unwrap_err(),
            "the build installs libfoo-dev and there is no Cargo.lock to tell whether the program links it; its run-time package is unknown"
        );
    }

    #[test]
    fn links_without_a_lock_read_directly() {
        let t = tpl();
        let add = |name: &str, sys: &SysCrate, l: &mut Links| {
            let pkgs = sys.packages.get("default").cloned().unwrap_or_default();
            l.add(format!("{name} links {}", pkgs.join(" + ")), &pkgs, false);
        };
        let installed = vec![
            "libpq-dev".to_string(),
            "musl-dev".to_string(),
            "pkg-config".to_string(),
        ];
        let l = links_without_lock(&t, &installed, Links::default(), add).expect("links");
        assert_eq!(l.packages, ["libpq5"]);
        assert_eq!(l.reasons, ["pq-sys links libpq5"]);
        let l = links_without_lock(&t, &["zlib1g-dev".to_string()], Links::default(), add).expect("links");
        assert_eq!(l.packages, ["zlib1g"]);
    }
}
