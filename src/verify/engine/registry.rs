//! Registry failures: an engine's build output that shows it could not get a base image (a short
//! name, an unreachable registry, an unknown tag, access denied), told as what to do.

use std::fmt;

/// What kind of registry failure an engine reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistryKind {
    /// A short image name (`golang:1.22`) and no registry configured to resolve it.
    ShortName,
    /// The registry could not be reached (DNS, connection, TLS, proxy).
    Unreachable,
    /// The registry does not have that image or tag.
    NotFound,
    /// The registry refused (login needed, or a private or misspelled repository).
    Denied,
}

/// A registry or image-name failure found in an engine's output, with what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryProblem {
    /// What went wrong.
    pub kind: RegistryKind,
    /// The image the engine named, when it did.
    pub image: Option<String>,
}

impl fmt::Display for RegistryProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let img = self.image.as_deref().map(|i| format!("`{i}`"));
        let name = img.as_deref().unwrap_or("a base image");
        match self.kind {
            RegistryKind::ShortName => {
                let example = self
                    .image
                    .as_deref()
                    .filter(|i| !i.contains('/'))
                    .map_or("docker.io/library/golang:1.22".to_string(), |i| {
                        format!("docker.io/library/{i}")
                    });
                write!(
                    f,
                    "{name} is a short image name the engine cannot resolve: write it fully qualified in FROM \
                     (e.g. {example}), or set unqualified-search-registries in /etc/containers/registries.conf"
                )
            }
            RegistryKind::Unreachable => write!(
                f,
                "the engine cannot reach the registry of {name}: check the network or proxy, or point the engine \
                 at a mirror (registries.conf for podman and buildah, registry-mirrors in Docker's daemon.json), \
                 or pull the image beforehand"
            ),
            RegistryKind::NotFound => write!(f, "{name} does not exist in its registry: check the image name and tag"),
            RegistryKind::Denied => write!(
                f,
                "the registry refused {name}: log in (`docker login` / `podman login`) or check the image name"
            ),
        }
    }
}

/// Finds a registry or short-name failure in an engine's output.
pub fn registry_problem(log: &str) -> Option<RegistryProblem> {
    let lower = log.to_ascii_lowercase();
    let has = |needles: &[&str]| needles.iter().any(|n| lower.contains(n));
    let kind = if has(&[
        "short-name",
        "unqualified-search-registries",
        "unqualified-search registries",
    ]) {
        RegistryKind::ShortName
    } else if has(&[
        "requested access to the resource is denied",
        "pull access denied",
        "unauthorized: ",
        "authentication required",
    ]) {
        RegistryKind::Denied
    } else if has(&["manifest unknown", "not found: manifest", "name unknown"]) {
        RegistryKind::NotFound
    } else if has(&[
        "pinging container registry",
        "no such host",
        "failed to resolve source metadata",
        "tls handshake timeout",
        "i/o timeout",
        "network is unreachable",
        "connection refused",
        "temporary failure in name resolution",
    ]) && has(&["registry", "docker://", "pull", "manifest", "resolve"])
    {
        RegistryKind::Unreachable
    } else {
        return None;
    };
    Some(RegistryProblem {
        kind,
        image: image_in_log(log),
    })
}

/// The image reference an engine's message names, by the phrasings of docker, podman and buildah.
fn image_in_log(log: &str) -> Option<String> {
    let after = |marker: &str, stop: &[&str]| -> Option<String> {
        let at = log.find(marker)? + marker.len();
        let rest = &log[at..];
        let end = stop.iter().filter_map(|s| rest.find(s)).min().unwrap_or(rest.len());
        let s = rest[..end].trim().trim_matches('"');
        (!s.is_empty() && !s.contains(char::is_whitespace)).then(|| s.to_string())
    };
    if let Some(s) = after("short-name \"", &["\""]) {
        return Some(s);
    }
    if let Some(s) = after("pull access denied for ", &[",", "\n"]) {
        return Some(s);
    }
    if let Some(s) = after("manifest for ", &[" not found", "\n"]) {
        return Some(s);
    }
    if let Some(at) = log.find("reading manifest ") {
        let rest = &log[at + "reading manifest ".len()..];
        let mut words = rest.split_whitespace();
        if let (Some(tag), Some("in"), Some(repo)) = (words.next(), words.next(), words.next()) {
            return Some(format!("{}:{tag}", repo.trim_end_matches(':')));
        }
    }
    if let Some(s) = after("failed to resolve source metadata for ", &[": ", "\n"]) {
        return Some(s);
    }
    after("docker://", &[": ", "\n"])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(log: &str) -> Option<RegistryKind> {
        registry_problem(log).map(|p| p.kind)
    }

    #[test]
    fn registry_failures_are_recognised() {
        let buildah_short = r#"Error: creating build container: short-name resolution enforced but cannot prompt without a TTY
short-name "golang:1.22" did not resolve to an alias and no unqualified-search registries are defined in "/etc/containers/registries.conf""#;
        let p = registry_problem(buildah_short).unwrap();
        assert_eq!(
            (p.kind, p.image.as_deref()),
            (RegistryKind::ShortName, Some("golang:1.22"))
        );
        let text = p.to_string();
        assert!(
            text.contains("docker.io/library/golang:1.22") && text.contains("registries.conf"),
            "{text}"
        );

        let podman_dns = "Error: creating build container: initializing source docker://docker.io/library/golang:1.22: \
            pinging container registry registry-1.docker.io: Get \"https://registry-1.docker.io/v2/\": dial tcp: \
            lookup registry-1.docker.io: no such host";
        let p = registry_problem(podman_dns).unwrap();
        assert_eq!(p.kind, RegistryKind::Unreachable);
        assert_eq!(p.image.as_deref(), Some("docker.io/library/golang:1.22"));

        let docker_denied = "pull access denied for nosuch/thing, repository does not exist or may require \
            'docker login': denied: requested access to the resource is denied";
        let p = registry_problem(docker_denied).unwrap();
        assert_eq!(
            (p.kind, p.image.as_deref()),
            (RegistryKind::Denied, Some("nosuch/thing"))
        );
        assert!(p.to_string().contains("docker login"));

        let p = registry_problem("Error: reading manifest 9.99 in docker.io/library/golang: manifest unknown").unwrap();
        assert_eq!(
            (p.kind, p.image.as_deref()),
            (RegistryKind::NotFound, Some("docker.io/library/golang:9.99"))
        );
        assert_eq!(
            kind("manifest for golang:9.99 not found: manifest unknown: manifest unknown"),
            Some(RegistryKind::NotFound)
        );
    }

    #[test]
    fn other_build_failures_are_not_registry_failures() {
        assert_eq!(
            kind("error: COPY failed: file not found in build context: main.go"),
            None
        );
        assert_eq!(kind("go: connection refused while compiling"), None);
        assert_eq!(kind("STEP 3/4: RUN go build\nmain.go:3:1: syntax error"), None);
    }
}
