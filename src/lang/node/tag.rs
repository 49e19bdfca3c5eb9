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
    /// Reads the builder's tag; refuses one that names no Node.js version or has a part
    /// dockslim does not know.
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::MemContext;
    use crate::lang::testing::with_input;
    use crate::template::TemplateSet;

    fn parsed(tag: &str) -> Result<NodeTag, String> {
        with_input(&format!("FROM node:{tag}\n"), &MemContext::new(), |input| {
            NodeTag::parse(tag, input, &TemplateSet::builtin().node)
        })
    }

    #[test]
    fn versions_releases_and_alpine() {
        let t = parsed("20.11.1-bookworm-slim").expect("a tag");
        assert_eq!((t.version.as_str(), t.major.as_deref()), ("20.11.1", Some("20")));
        assert_eq!(
            (t.codename.as_str(), t.debian.as_str(), t.alpine.clone()),
            ("-bookworm", "12", None)
        );
        let t = parsed("22-alpine3.20").expect("a tag");
        assert_eq!((t.alpine.as_deref(), t.codename.as_str()), (Some("alpine3.20"), ""));
        let t = parsed("iron").expect("a tag");
        assert_eq!((t.major.as_deref(), t.floating.clone()), (Some("20"), None));
        let t = parsed("lts-slim").expect("a tag");
        assert_eq!((t.major.clone(), t.floating.as_deref()), (None, Some("lts")));
    }

    #[test]
    fn unreadable_tags_are_refused() {
        assert_eq!(
            parsed("latest").unwrap_err(),
            "the builder image node:latest names no Node.js version: pin one (e.g. node:20) so the runtime matches it"
        );
        assert!(parsed("hello").unwrap_err().contains("names no Node.js version"));
        assert_eq!(
            parsed("20-weird").unwrap_err(),
            "the builder tag 20-weird has a part (weird) dockslim does not know"
        );
    }

    #[test]
    fn patterns_are_filled() {
        let t = parsed("20-bookworm").expect("a tag");
        assert_eq!(
            t.fill("{repo}:{version}{codename}-slim", "node"),
            "node:20-bookworm-slim"
        );
        assert_eq!(t.fill("nodejs{major}-debian{debian}", "node"), "nodejs20-debian12");
        assert_eq!(t.fill("{repo}:{version}-{alpine}", "r/node"), "r/node:20-alpine");
    }
}
