//! Summary: what a rewrite did, for people (the one-line story on stderr) and for programs
//! (JSON/SARIF output, `dockslim verify`, which must tell a change the rewrite announced from
//! one it did not).

use std::fmt;

use crate::detect::Language;

/// A change to the image's configuration that the rewrite makes on purpose. `dockslim verify`
/// accepts a difference between the two images' configs only when it is announced here.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ConfigChange {
    /// CMD differs (e.g. `npm start` became `node server.js`, shell form became exec form).
    Cmd,
    /// ENTRYPOINT differs (e.g. distroless node, `cargo run` replaced by the binary).
    Entrypoint,
    /// HEALTHCHECK differs (shell form became exec form).
    Healthcheck,
    /// The runtime user differs (only when a non-root runtime was asked for).
    User,
    /// An ENV the rewrite adds to the runtime stage (e.g. `HOSTNAME=0.0.0.0`).
    EnvAdded(String),
    /// An ENV of the builder that the runtime stage leaves out because only the build reads it.
    EnvDropped(String),
}

impl fmt::Display for ConfigChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigChange::Cmd => f.write_str("cmd"),
            ConfigChange::Entrypoint => f.write_str("entrypoint"),
            ConfigChange::Healthcheck => f.write_str("healthcheck"),
            ConfigChange::User => f.write_str("user"),
            ConfigChange::EnvAdded(k) => write!(f, "env+{k}"),
            ConfigChange::EnvDropped(k) => write!(f, "env-{k}"),
        }
    }
}

/// The story of one rewrite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Language detected.
    pub language: Language,
    /// Builder image.
    pub builder: String,
    /// Runtime image.
    pub runtime: String,
    /// The user the program runs as in the runtime stage, as USER would name it (`root`
    /// when the original sets none).
    pub user: String,
    /// System packages the runtime stage installs.
    pub packages: Vec<String>,
    /// Paths copied from the builder into the runtime stage.
    pub carried: Vec<String>,
    /// What the runtime stage leaves behind on purpose because only the build uses it:
    /// absolute glob patterns (`*` within one path element, `**` any depth), e.g.
    /// `/app/target/release/deps/**` or `/app/node_modules/**` after a prune.
    pub dropped: Vec<String>,
    /// Config changes made on purpose.
    pub announced: Vec<ConfigChange>,
    /// Remarks.
    pub notes: Vec<String>,
}

/// How many carried paths the one-line summary names.
const CARRIED_SHOWN: usize = 8;

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} -> {} ({}); runs as {}; carried ",
            self.builder, self.runtime, self.language, self.user,
        )?;
        // One line stays readable: the first paths, then how many more (`--format json` and
        // the diff have them all).
        let shown = if self.carried.len() > CARRIED_SHOWN + 1 {
            CARRIED_SHOWN
        } else {
            self.carried.len()
        };
        f.write_str(&self.carried[..shown].join(", "))?;
        if shown < self.carried.len() {
            write!(f, " and {} more", self.carried.len() - shown)?;
        }
        if !self.packages.is_empty() {
            write!(f, "; installs {}", self.packages.join(" "))?;
        }
        for n in &self.notes {
            write!(f, "; {n}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(carried: usize) -> Summary {
        Summary {
            language: Language::Go,
            builder: "golang:1.22".into(),
            runtime: "alpine:3.20".into(),
            user: "root".into(),
            packages: vec!["tzdata".into()],
            carried: (0..carried).map(|i| format!("/opt/s{i}")).collect(),
            dropped: Vec::new(),
            announced: Vec::new(),
            notes: vec!["a note".into()],
        }
    }

    #[test]
    fn one_line_names_the_first_carried_paths() {
        assert_eq!(
            summary(2).to_string(),
            "golang:1.22 -> alpine:3.20 (go); runs as root; carried /opt/s0, /opt/s1; installs tzdata; a note"
        );
        assert!(summary(9).to_string().contains("/opt/s7, /opt/s8; installs"));
        let long = summary(240).to_string();
        assert!(long.contains("carried /opt/s0, "), "{long}");
        assert!(long.contains("/opt/s7 and 232 more; installs tzdata"), "{long}");
        assert!(!long.contains("/opt/s8"), "{long}");
    }
}
