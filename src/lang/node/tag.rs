//! Tag: a node image tag read into its version, major, Debian release or alpine part, so the
//! runtime image is the same Node on the same libc (`node:20` → `node:20-slim`,
//! `node:20-alpine3.20` → itself).

use crate::lang::Input;
use crate::template::node::Template;

/// A node image tag, read.
#[derive(Debug, Clone)]
pub struct NodeTag {
    /// `20`, `20.11.1`, `lts`, `iron`.
    pub version: String,
    /// The major, when known.
    pub major: Option<String>,
    /// `-bookworm` or empty.
    pub codename: String,
    /// Debian version number of the release.
    pub debian: String,
    /// `alpine3.20` for alpine tags.
    pub alpine: Option<String>,
    /// A floating tag (`lts`, `current`) the runtime follows.
    pub floating: Option<String>,
}

impl NodeTag {
    pub fn parse(tag: &str, input: &Input<'_, '_>, tpl: &Template) -> Result<NodeTag, String> {
        let image = &input.model.image.full;
        if tag.is_empty() || tag == "latest" {
            return Err(format!(
                "the builder image {image} names no Node.js version: pin one (e.g. node:20) so the runtime matches it"
            ));
        }
        let mut parts = tag.split('-');
        let version = parts.next().unwrap_or("").to_ascii_lowercase();
        let numeric = !version.is_empty() && version.chars().all(|c| c.is_ascii_digit() || c == '.');
        let (major, floating) = if numeric {
            (version.split('.').next().map(str::to_string), None)
        } else if let Some(m) = tpl.lts_names.get(&version) {
            (Some(m.clone()), None)
        } else if matches!(version.as_str(), "lts" | "current") {
            (None, Some(version.clone()))
        } else {
            return Err(format!(
                "the builder image {image} names no Node.js version: pin one (e.g. node:20) so the runtime matches it"
            ));
        };
        let mut codename = String::new();
        let mut debian = tpl.default_debian.clone();
        let mut alpine = None;
        for p in parts {
            if p == "slim" {
                continue;
            }
            if p.starts_with("alpine") {
                alpine = Some(p.to_string());
                continue;
            }
            if let Some(v) = input.common.debian.get(p) {
                codename = format!("-{p}");
                debian = v.clone();
                continue;
            }
            return Err(format!("the builder tag {tag} has a part ({p}) dockslim does not know"));
        }
        Ok(NodeTag {
            version,
            major,
            codename,
            debian,
            alpine,
            floating,
        })
    }

    /// Fills an image pattern.
    pub fn fill(&self, pattern: &str, repo: &str) -> String {
        pattern
            .replace("{repo}", repo)
            .replace("{version}", &self.version)
            .replace("{major}", self.major.as_deref().unwrap_or(&self.version))
            .replace("{codename}", &self.codename)
            .replace("{debian}", &self.debian)
            .replace("{alpine}", self.alpine.as_deref().unwrap_or("alpine"))
    }
}
