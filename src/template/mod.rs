//! Templates: the per-language TOML data (`templates/*.toml`) that says which images to use and
//! which files and variables matter. Embedded in the binary; a user's templates directory may
//! replace any of them. This module owns loading, the shared runtime tables, and filling image
//! patterns (`{debian}`, `{codename}`, `{alpine}`) from the builder image.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

use serde::Deserialize;

use crate::detect::{ImageRef, ancestors, file_name};

pub mod go;
pub mod node;
pub mod rust;

/// The runtime image families a user can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RuntimeKind {
    /// gcr.io/distroless/*: no shell.
    Distroless,
    /// alpine: musl + busybox.
    Alpine,
    /// scratch: nothing at all.
    Scratch,
    /// debian:*-slim: glibc + shell + apt.
    DebianSlim,
}

impl RuntimeKind {
    /// The name used on the command line and in config files.
    pub fn name(self) -> &'static str {
        match self {
            RuntimeKind::Distroless => "distroless",
            RuntimeKind::Alpine => "alpine",
            RuntimeKind::Scratch => "scratch",
            RuntimeKind::DebianSlim => "debian-slim",
        }
    }
}

impl fmt::Display for RuntimeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for RuntimeKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "distroless" => Ok(RuntimeKind::Distroless),
            "alpine" => Ok(RuntimeKind::Alpine),
            "scratch" => Ok(RuntimeKind::Scratch),
            "debian-slim" => Ok(RuntimeKind::DebianSlim),
            other => Err(format!(
                "unknown runtime `{other}` (expected distroless, alpine, scratch or debian-slim)"
            )),
        }
    }
}

/// One runtime image, as `[images.NAME]` in the templates describes it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuntimeImage {
    /// Image pattern of the variant that runs as root, e.g. `gcr.io/distroless/static-debian{debian}:latest`.
    pub image: String,
    /// Image pattern of the variant that runs as a non-root user, when the family publishes one.
    #[serde(default)]
    pub nonroot: Option<String>,
    /// The USER a non-root runtime gets when there is no `nonroot` image.
    #[serde(default)]
    pub nonroot_user: Option<String>,
    /// The image's own WORKDIR, when not `/`.
    #[serde(default)]
    pub workdir: Option<String>,
    /// The `nonroot` image's own WORKDIR, when not `/`.
    #[serde(default)]
    pub nonroot_workdir: Option<String>,
    /// Whether it has `/bin/sh`.
    #[serde(default)]
    pub shell: bool,
    /// Its package manager (`apt`, `apk`), if any.
    #[serde(default)]
    pub manager: Option<String>,
    /// Whether CA certificates must be copied from the builder (scratch).
    #[serde(default)]
    pub certs: bool,
    /// User names the image's /etc/passwd knows.
    #[serde(default)]
    pub users: Arc<[String]>,
    /// Packages whose files it already holds.
    #[serde(default)]
    pub provides: Arc<[String]>,
}

impl RuntimeImage {
    /// Whether the image already holds package `p` (a version pin allowed).
    pub fn provides(&self, p: &str) -> bool {
        let name = p.split(['=', '>', '<', '~']).next().unwrap_or(p);
        self.provides.iter().any(|x| x == name)
    }

    /// Fills the image patterns with `fill`.
    pub fn filled(&self, fill: impl Fn(&str) -> String) -> RuntimeImage {
        // Field by field: `..self.clone()` would copy the two patterns only to drop them.
        RuntimeImage {
            image: fill(&self.image),
            nonroot: self.nonroot.as_deref().map(&fill),
            nonroot_user: self.nonroot_user.clone(),
            workdir: self.workdir.clone(),
            nonroot_workdir: self.nonroot_workdir.clone(),
            shell: self.shell,
            manager: self.manager.clone(),
            certs: self.certs,
            users: Arc::clone(&self.users),
            provides: Arc::clone(&self.provides),
        }
    }
}

/// The runtime images that serve one way of linking (static, glibc, musl...), by family: each
/// value names an image of `[images]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkRuntimes {
    /// The choice when nobody asks for one.
    pub default: RuntimeKind,
    /// gcr.io/distroless.
    pub distroless: Option<String>,
    /// alpine.
    pub alpine: Option<String>,
    /// scratch.
    pub scratch: Option<String>,
    /// debian slim.
    #[serde(rename = "debian-slim")]
    pub debian_slim: Option<String>,
}

impl LinkRuntimes {
    /// The image name for `kind`, if this link kind allows it.
    pub fn get(&self, kind: RuntimeKind) -> Option<&str> {
        match kind {
            RuntimeKind::Distroless => self.distroless.as_deref(),
            RuntimeKind::Alpine => self.alpine.as_deref(),
            RuntimeKind::Scratch => self.scratch.as_deref(),
            RuntimeKind::DebianSlim => self.debian_slim.as_deref(),
        }
    }

    /// Leaves `kind` out.
    pub fn remove(&mut self, kind: RuntimeKind) {
        match kind {
            RuntimeKind::Distroless => self.distroless = None,
            RuntimeKind::Alpine => self.alpine = None,
            RuntimeKind::Scratch => self.scratch = None,
            RuntimeKind::DebianSlim => self.debian_slim = None,
        }
    }
}

/// What a builder image sets and holds (`[[builders]]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Builder {
    /// Image names (last path element).
    pub names: Vec<String>,
    /// `alpine`, `slim` or `*`: which tags the entry describes.
    pub tags: String,
    /// The image's WORKDIR.
    pub workdir: String,
    /// The image's ENV.
    pub env: Vec<(String, String)>,
    /// Packages whose files a program may read at run time.
    pub holds: Vec<String>,
    /// Programs a program may run.
    pub programs: Arc<[String]>,
    /// Where its time zone data is, if it has any (`/usr/share/zoneinfo`, or Go's
    /// `$GOROOT/lib/time/zoneinfo.zip`).
    #[serde(default)]
    pub zoneinfo: Option<String>,
}

/// System package rules (`[packages]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackageRules {
    /// Packages only a build uses (`*` at the end matches any suffix).
    pub build_only: Vec<String>,
    /// Name suffixes of packages only a build uses.
    pub build_only_suffixes: Vec<String>,
    /// Program -> the package that provides it.
    pub provides: BTreeMap<String, String>,
    /// Package names that differ in apk.
    pub apk: BTreeMap<String, String>,
    /// Install commands per package manager.
    pub install: BTreeMap<String, String>,
}

impl PackageRules {
    /// Whether package `name` (a version pin allowed) is only used by builds.
    pub fn build_only(&self, name: &str) -> bool {
        let n = name.split(['=', '>', '<', '~']).next().unwrap_or(name);
        self.build_only.iter().any(|p| match p.strip_suffix('*') {
            Some(prefix) => n.starts_with(prefix),
            None => p == n,
        }) || self.build_only_suffixes.iter().any(|s| n.ends_with(s.as_str()))
    }

    /// The package (named for `manager`) that provides `program`.
    pub fn package_for(&self, program: &str, manager: &str) -> Option<String> {
        let p = self.provides.get(file_name(program))?;
        Some(match manager {
            "apk" => self.apk.get(p).cloned().unwrap_or_else(|| p.clone()),
            _ => p.clone(),
        })
    }

    /// The runtime command that installs `packages` with `manager`.
    pub fn install_command(&self, manager: &str, packages: &[String], no_recommends: bool) -> Option<String> {
        let t = self.install.get(manager)?;
        Some(
            t.replace(
                "{recommends}",
                if no_recommends { "--no-install-recommends " } else { "" },
            )
            .replace("{packages}", &packages.join(" ")),
        )
    }
}

/// Data shared by every language: distributions, builder and runtime images, packages and the
/// tools each runtime family has.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Common {
    /// Debian codename → version number (`bookworm` → `12`).
    pub debian: BTreeMap<String, String>,
    /// The codename assumed when the builder tag names none.
    pub default_codename: String,
    /// The alpine release used when the builder is not alpine.
    pub default_alpine: String,
    /// Shell builtins: available wherever there is a shell.
    pub builtins: Vec<String>,
    /// Directories that are never copied whole.
    pub system_dirs: Vec<String>,
    /// Directories whose contents only builds use.
    pub scratch_dirs: Vec<String>,
    /// System package rules.
    pub packages: PackageRules,
    /// Builder images.
    pub builders: Vec<Builder>,
    /// Runtime images by name.
    pub images: BTreeMap<String, RuntimeImage>,
    /// Programs available in each runtime family (for RUN and HEALTHCHECK in the runtime stage).
    pub tools: BTreeMap<RuntimeKind, Vec<String>>,
    /// The lists above as sets, for lookups on every path and program ([`Common::index`]).
    #[serde(skip)]
    sets: Sets,
}

/// [`Common`]'s lists as sets.
#[derive(Debug, Clone, Default)]
struct Sets {
    system: HashSet<String, Fnv>,
    scratch: HashSet<String, Fnv>,
    tools: HashMap<RuntimeKind, HashSet<String, Fnv>>,
}

type Fnv = std::hash::BuildHasherDefault<crate::model::vars::Fnv>;

/// What a builder image tells about its base system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseFacts {
    /// The builder is alpine (musl).
    pub musl: bool,
    /// Alpine release (`3.20`): the builder's own, else the default.
    pub alpine: String,
    /// Debian codename: the builder's own, else the default.
    pub codename: String,
    /// Debian version number for the codename.
    pub debian: String,
}

impl Common {
    /// Reads the base system off a builder image tag.
    pub fn base_facts(&self, image: &ImageRef) -> BaseFacts {
        let tag = image.tag().to_ascii_lowercase();
        let musl = tag.contains("alpine") || image.name.contains("alpine");
        let alpine = tag
            .split("alpine")
            .nth(1)
            .map(|v| {
                v.chars()
                    .take_while(|c| c.is_ascii_digit() || *c == '.')
                    .collect::<String>()
            })
            .filter(|v| v.contains('.'))
            .unwrap_or_else(|| self.default_alpine.clone());
        let codename = self
            .debian
            .keys()
            .find(|c| tag.contains(c.as_str()))
            .cloned()
            .unwrap_or_else(|| self.default_codename.clone());
        let debian = self.debian.get(&codename).cloned().unwrap_or_default();
        BaseFacts {
            musl,
            alpine,
            codename,
            debian,
        }
    }

    /// The `[[builders]]` entry for a builder image, if one describes it.
    pub fn builder(&self, image: &ImageRef) -> Option<&Builder> {
        let tag = image.tag().to_ascii_lowercase();
        let variant = if tag.contains("alpine") || image.name.contains("alpine") {
            "alpine"
        } else if tag.contains("slim") {
            "slim"
        } else {
            "*"
        };
        self.builders
            .iter()
            .filter(|b| b.names.contains(&image.name))
            .find(|b| b.tags == variant || b.tags == "*")
    }

    /// Whether `path` is a system directory (never copied whole).
    pub fn is_system_dir(&self, path: &str) -> bool {
        let p = path.trim_end_matches('/');
        self.sets.system.contains(if p.is_empty() { "/" } else { p })
    }

    /// Whether `path` lies in a directory whose contents only builds use.
    pub fn is_scratch(&self, path: &str) -> bool {
        ancestors(path)
            .take_while(|p| !p.is_empty())
            .any(|p| self.sets.scratch.contains(p))
    }

    /// Builds the lookup sets; [`TemplateSet::load`] calls it once.
    pub fn index(&mut self) {
        self.sets = Sets {
            system: self.system_dirs.iter().cloned().collect(),
            scratch: self.scratch_dirs.iter().cloned().collect(),
            tools: self
                .tools
                .iter()
                .map(|(k, v)| (*k, v.iter().cloned().collect()))
                .collect(),
        };
    }

    /// Whether the runtime family `kind` has `program`.
    pub fn has_tool(&self, kind: RuntimeKind, program: &str) -> bool {
        let name = file_name(program);
        self.sets.tools.get(&kind).is_some_and(|t| t.contains(name))
    }

    /// Whether `program` is a shell builtin (`exit`, `cd`, `export`...).
    pub fn is_builtin(&self, program: &str) -> bool {
        self.builtins.iter().any(|b| b == program)
    }
}

/// Fills `{debian}`, `{codename}` and `{alpine}` in an image pattern.
pub fn fill(pattern: &str, base: &BaseFacts) -> String {
    fill_with(pattern, |key| match key {
        "debian" => Some(base.debian.as_str()),
        "codename" => Some(base.codename.as_str()),
        "alpine" => Some(base.alpine.as_str()),
        _ => None,
    })
}

/// Replaces each `{key}` of `pattern` with `value(key)` in one pass; unknown keys stay.
pub fn fill_with<'v>(pattern: &str, value: impl Fn(&str) -> Option<&'v str>) -> String {
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after
            .find('}')
            .and_then(|close| value(&after[..close]).map(|v| (close, v)))
        {
            Some((close, v)) => {
                out.push_str(v);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The embedded template text for `name` (`common`, `go`, `rust`, `node`).
pub fn embedded(name: &str) -> Option<&'static str> {
    match name {
        "common" => Some(include_str!("../../templates/common.toml")),
        "go" => Some(include_str!("../../templates/go.toml")),
        "rust" => Some(include_str!("../../templates/rust.toml")),
        "node" => Some(include_str!("../../templates/node.toml")),
        _ => None,
    }
}

/// The embedded template `name` as JSON, written from its TOML at build time (`build.rs`).
fn embedded_json(name: &str) -> Option<&'static str> {
    match name {
        "common" => Some(include_str!(concat!(env!("OUT_DIR"), "/common.json"))),
        "go" => Some(include_str!(concat!(env!("OUT_DIR"), "/go.json"))),
        "rust" => Some(include_str!(concat!(env!("OUT_DIR"), "/rust.json"))),
        "node" => Some(include_str!(concat!(env!("OUT_DIR"), "/node.json"))),
        _ => None,
    }
}

/// Parses template `name`: from `user_dir/<name>.toml` when that exists, else the embedded one
/// (read from its JSON form, the same data: TOML takes several times as long to read).
pub fn load<T: for<'de> Deserialize<'de>>(name: &str, user_dir: Option<&Path>) -> Result<T, String> {
    match user_dir.map(|d| d.join(format!("{name}.toml"))) {
        Some(p) if p.is_file() => {
            let text = std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))?;
            toml::from_str(&text).map_err(|e| format!("{}: {e}", p.display()))
        }
        _ => {
            let json = embedded_json(name).ok_or_else(|| format!("no template named {name}"))?;
            serde_json::from_str(json).map_err(|e| format!("templates/{name}.toml (built in): {e}"))
        }
    }
}

/// Every template, parsed once.
#[derive(Debug, Clone)]
pub struct TemplateSet {
    /// Shared data.
    pub common: Common,
    /// Go.
    pub go: go::Template,
    /// Rust.
    pub rust: rust::Template,
    /// Node.js.
    pub node: node::Template,
}

impl TemplateSet {
    /// The built-in templates, with any file in `user_dir` taking the place of its twin.
    pub fn load(user_dir: Option<&Path>) -> Result<TemplateSet, String> {
        Ok(TemplateSet {
            common: {
                let mut c: Common = load("common", user_dir)?;
                c.index();
                c
            },
            go: load("go", user_dir)?,
            rust: load("rust", user_dir)?,
            node: load("node", user_dir)?,
        })
    }

    /// The built-in templates.
    pub fn builtin() -> &'static TemplateSet {
        static SET: std::sync::OnceLock<TemplateSet> = std::sync::OnceLock::new();
        SET.get_or_init(|| match TemplateSet::load(None) {
            Ok(set) => set,
            // The embedded templates are tested; failing here is a build defect.
            Err(e) => panic!("built-in templates do not parse: {e}"),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::fmt::Debug;

    use super::*;

    /// Template `name` read from its TOML and from the JSON the build wrote.
    fn both<T: for<'de> Deserialize<'de> + Debug>(name: &str) -> (String, String) {
        let from_toml: T = toml::from_str(embedded(name).unwrap()).unwrap();
        let from_json: T = serde_json::from_str(embedded_json(name).unwrap()).unwrap();
        (format!("{from_toml:#?}"), format!("{from_json:#?}"))
    }

    #[test]
    fn built_in_json_reads_as_the_toml() {
        let pairs = [
            both::<Common>("common"),
            both::<go::Template>("go"),
            both::<rust::Template>("rust"),
            both::<node::Template>("node"),
        ];
        for (name, (t, j)) in ["common", "go", "rust", "node"].iter().zip(pairs) {
            assert!(t.len() > 1000, "{name}: {t}");
            assert_eq!(t, j, "{name}");
        }
        assert!(embedded_json("nope").is_none() && load::<Common>("nope", None).is_err());
    }

    #[test]
    fn scratch_paths_and_what_lies_inside_them() {
        let set = TemplateSet::load(None).unwrap();
        let c = &set.common;
        for p in ["/tmp", "/tmp/", "/tmp/x/y", "/var/lib/apt/lists", "/root/.cache/pip"] {
            assert!(c.is_scratch(p), "{p}");
        }
        for p in [
            "/",
            "",
            "/tmpx",
            "/opt/tmp",
            "/var/lib",
            "/var/lib/aptx/y",
            "tmp",
            "/root",
        ] {
            assert!(!c.is_scratch(p), "{p}");
        }
    }
}
