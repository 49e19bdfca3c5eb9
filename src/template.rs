//! Templates: the per-language TOML data (`templates/*.toml`) that says which images to use and
//! which files and variables matter. Embedded in the binary; a user's templates directory may
//! replace any of them. This module owns loading, the shared runtime tables, and filling image
//! patterns (`{debian}`, `{codename}`, `{alpine}`) from the builder image.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::str::FromStr;

use serde::Deserialize;

use crate::detect::ImageRef;

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

/// One runtime image choice.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuntimeImage {
    /// Image pattern, e.g. `gcr.io/distroless/static-debian{debian}:nonroot`.
    pub image: String,
    /// Whether it has `/bin/sh`.
    #[serde(default)]
    pub shell: bool,
    /// The image's own WORKDIR, when not `/`.
    #[serde(default)]
    pub workdir: Option<String>,
    /// Whether CA certificates must be copied from the builder (scratch).
    #[serde(default)]
    pub certs: bool,
    /// User names the image's /etc/passwd knows.
    #[serde(default)]
    pub users: Vec<String>,
}

/// The runtime choices for one way of linking (static, glibc, musl...).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkRuntimes {
    /// The choice when nobody asks for one.
    pub default: RuntimeKind,
    /// gcr.io/distroless.
    pub distroless: Option<RuntimeImage>,
    /// alpine.
    pub alpine: Option<RuntimeImage>,
    /// scratch.
    pub scratch: Option<RuntimeImage>,
    /// debian slim.
    #[serde(rename = "debian-slim")]
    pub debian_slim: Option<RuntimeImage>,
}

impl LinkRuntimes {
    /// The image for `kind`, if this link kind allows it.
    pub fn get(&self, kind: RuntimeKind) -> Option<&RuntimeImage> {
        match kind {
            RuntimeKind::Distroless => self.distroless.as_ref(),
            RuntimeKind::Alpine => self.alpine.as_ref(),
            RuntimeKind::Scratch => self.scratch.as_ref(),
            RuntimeKind::DebianSlim => self.debian_slim.as_ref(),
        }
    }
}

/// Data shared by every language: distributions and the tools each runtime family has.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Common {
    /// Debian codename → version number (`bookworm` → `12`).
    pub debian: BTreeMap<String, String>,
    /// The codename assumed when the builder tag names none.
    pub default_codename: String,
    /// The alpine release used when the builder is not alpine.
    pub default_alpine: String,
    /// Programs available in each runtime family (for RUN and HEALTHCHECK in the runtime stage).
    pub tools: BTreeMap<RuntimeKind, Vec<String>>,
    /// Shell builtins: available wherever there is a shell.
    pub builtins: Vec<String>,
}

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

    /// Whether the runtime family `kind` has `program`.
    pub fn has_tool(&self, kind: RuntimeKind, program: &str) -> bool {
        let name = program.rsplit('/').next().unwrap_or(program);
        self.tools.get(&kind).is_some_and(|t| t.iter().any(|p| p == name))
    }

    /// Whether `program` is a shell builtin (`exit`, `cd`, `export`...).
    pub fn is_builtin(&self, program: &str) -> bool {
        self.builtins.iter().any(|b| b == program)
    }
}

/// Fills `{debian}`, `{codename}` and `{alpine}` in an image pattern.
pub fn fill(pattern: &str, base: &BaseFacts) -> String {
    pattern
        .replace("{debian}", &base.debian)
        .replace("{codename}", &base.codename)
        .replace("{alpine}", &base.alpine)
}

/// The embedded template text for `name` (`common`, `go`, `rust`, `node`).
pub fn embedded(name: &str) -> Option<&'static str> {
    match name {
        "common" => Some(include_str!("../templates/common.toml")),
        "go" => Some(include_str!("../templates/go.toml")),
        "rust" => Some(include_str!("../templates/rust.toml")),
        "node" => Some(include_str!("../templates/node.toml")),
        _ => None,
    }
}

/// Parses template `name`: from `user_dir/<name>.toml` when that exists, else the embedded one.
pub fn load<T: for<'de> Deserialize<'de>>(name: &str, user_dir: Option<&Path>) -> Result<T, String> {
    let (text, origin) = match user_dir.map(|d| d.join(format!("{name}.toml"))) {
        Some(p) if p.is_file() => {
            let text = std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))?;
            (text, p.display().to_string())
        }
        _ => (
            embedded(name)
                .ok_or_else(|| format!("no template named {name}"))?
                .to_string(),
            format!("templates/{name}.toml (built in)"),
        ),
    };
    toml::from_str(&text).map_err(|e| format!("{origin}: {e}"))
}

/// Every template, parsed once.
#[derive(Debug, Clone)]
pub struct TemplateSet {
    /// Shared data.
    pub common: Common,
    /// Go.
    pub go: crate::lang::go::Template,
    /// Rust.
    pub rust: crate::lang::rust::Template,
    /// Node.js.
    pub node: crate::lang::node::Template,
}

impl TemplateSet {
    /// The built-in templates, with any file in `user_dir` taking the place of its twin.
    pub fn load(user_dir: Option<&Path>) -> Result<TemplateSet, String> {
        Ok(TemplateSet {
            common: load("common", user_dir)?,
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
