//! Config: `dockslim.toml`, found in the build context directory or one of its parents up to
//! the repository root, or named with `--config`. Unknown keys are errors that name the key.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::detect::Language;
use crate::template::RuntimeKind;

/// The name of the config file.
pub const FILE_NAME: &str = "dockslim.toml";

/// The whole config file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Default runtime family for every language.
    pub runtime: Option<RuntimeKind>,
    /// A directory of templates (`go.toml`, `rust.toml`, `node.toml`, `common.toml`) that
    /// replace the built-in ones; relative to the config file.
    pub templates: Option<PathBuf>,
    /// Extra context paths to copy into every runtime stage.
    #[serde(default)]
    pub copy: Vec<String>,
    /// Run the program as a non-root user in the runtime stage even when the original runs
    /// it as root (`--nonroot`).
    pub nonroot: Option<bool>,
    /// Go settings.
    #[serde(default)]
    pub go: LangConfig,
    /// Rust settings.
    #[serde(default)]
    pub rust: LangConfig,
    /// Node.js settings.
    #[serde(default)]
    pub node: LangConfig,
}

/// Settings for one language.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LangConfig {
    /// Runtime family for this language.
    pub runtime: Option<RuntimeKind>,
    /// Extra context paths to copy into the runtime stage.
    #[serde(default)]
    pub copy: Vec<String>,
    /// Node.js: prune devDependencies (default true; false keeps them all).
    pub prune: Option<bool>,
    /// Non-root runtime for this language.
    pub nonroot: Option<bool>,
}

impl Config {
    /// The settings for `lang`.
    pub fn lang(&self, lang: Language) -> &LangConfig {
        match lang {
            Language::Go => &self.go,
            Language::Rust => &self.rust,
            Language::Node => &self.node,
        }
    }

    /// Parses config text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &Path) -> Result<Config, String> {
        let mut cfg: Config = toml::from_str(text).map_err(|e| format!("{}: {}", origin.display(), e.message()))?;
        if let Some(t) = &cfg.templates
            && t.is_relative()
        {
            cfg.templates = Some(origin.parent().unwrap_or(Path::new(".")).join(t));
        }
        Ok(cfg)
    }

    /// Reads and parses a config file.
    pub fn load(path: &Path) -> Result<Config, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Config::parse(&text, path)
    }
}

/// Looks for `dockslim.toml` in `dir` and its parents, stopping at the repository root (the
/// first directory holding `.git`).
/// Answers are remembered per directory for the life of the process, so that a run over many
/// Dockerfiles asks the file system about each shared parent once.
pub fn discover(dir: &Path) -> Option<PathBuf> {
    use std::cell::RefCell;
    use std::collections::HashMap;
    thread_local! {
        static SEEN: RefCell<HashMap<PathBuf, Option<PathBuf>>> = RefCell::new(HashMap::new());
    }
    let start = crate::dirs::canonical(dir).unwrap_or_else(|| dir.to_path_buf());
    let mut walked = Vec::new();
    let mut found = None;
    for d in start.ancestors() {
        if let Some(known) = SEEN.with(|s| s.borrow().get(d).cloned()) {
            found = known;
            break;
        }
        walked.push(d.to_path_buf());
        let candidate = d.join(FILE_NAME);
        if candidate.is_file() {
            found = Some(candidate);
            break;
        }
        if crate::dirs::has_git(d) {
            break;
        }
    }
    SEEN.with(|s| {
        let mut s = s.borrow_mut();
        for d in walked {
            s.insert(d, found.clone());
        }
    });
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_key_is_named() {
        let e = Config::parse(
            "runtime = \"alpine\"\n[go]\nruntme = \"x\"\n",
            Path::new("dockslim.toml"),
        )
        .unwrap_err();
        assert!(e.contains("runtme"), "{e}");
        let c = Config::parse(
            "runtime = \"scratch\"\ncopy = [\"a\"]\n[go]\nruntime = \"alpine\"\n",
            Path::new("d/dockslim.toml"),
        )
        .unwrap();
        assert_eq!(c.runtime, Some(RuntimeKind::Scratch));
        assert_eq!(c.lang(Language::Go).runtime, Some(RuntimeKind::Alpine));
    }
}
