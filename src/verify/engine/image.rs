//! Image configs: what `buildah inspect` and `docker|podman image inspect` say about an image's
//! user, env, workdir, entrypoint, cmd, exposed ports and size.

use serde::Deserialize;

use super::Engine;

/// What an image starts and how: the parts of its config that verification compares.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageConfig {
    /// USER as stored (`""` when none: root).
    pub user: String,
    /// ENV, in order.
    pub env: Vec<(String, String)>,
    /// WORKDIR (`""` when none: `/`).
    pub workdir: String,
    pub entrypoint: Vec<String>,
    pub cmd: Vec<String>,
    /// Exposed ports as stored, sorted (`8080/tcp`).
    pub exposed: Vec<String>,
}

impl ImageConfig {
    /// A config for tests: user, workdir, CMD and ENV.
    #[cfg(test)]
    pub(crate) fn with(user: &str, workdir: &str, cmd: &[&str], env: &[(&str, &str)]) -> ImageConfig {
        ImageConfig {
            user: user.into(),
            env: env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            workdir: workdir.into(),
            entrypoint: vec![],
            cmd: cmd.iter().map(|s| s.to_string()).collect(),
            exposed: vec![],
        }
    }

    /// ENTRYPOINT followed by CMD: what `docker run IMAGE` starts.
    pub fn argv(&self) -> Vec<String> {
        self.entrypoint.iter().chain(&self.cmd).cloned().collect()
    }

    /// The value of one ENV variable.
    pub fn env_var(&self, key: &str) -> Option<&str> {
        self.env.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// The exposed TCP ports, in order.
    pub fn tcp_ports(&self) -> Vec<u16> {
        self.exposed
            .iter()
            .filter_map(|p| match p.split_once('/') {
                Some((n, proto)) if proto.eq_ignore_ascii_case("tcp") => n.parse().ok(),
                None => p.parse().ok(),
                _ => None,
            })
            .collect()
    }

    /// The working directory, `/` when none is set.
    pub fn workdir_or_root(&self) -> &str {
        if self.workdir.is_empty() { "/" } else { &self.workdir }
    }
}

/// An image's config and size.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageInfo {
    pub config: ImageConfig,
    /// Bytes: the layers' sizes for buildah (uncompressed tars in local storage), the engine's
    /// own figure for docker and podman.
    pub size: u64,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawConfig {
    #[serde(rename = "User")]
    user: Option<String>,
    #[serde(rename = "Env")]
    env: Option<Vec<String>>,
    #[serde(rename = "WorkingDir")]
    workdir: Option<String>,
    #[serde(rename = "Entrypoint")]
    entrypoint: Option<Vec<String>>,
    #[serde(rename = "Cmd")]
    cmd: Option<Vec<String>>,
    #[serde(rename = "ExposedPorts")]
    exposed: Option<std::collections::BTreeMap<String, serde_json::Value>>,
}

impl From<RawConfig> for ImageConfig {
    fn from(r: RawConfig) -> Self {
        ImageConfig {
            user: r.user.unwrap_or_default(),
            env: r
                .env
                .unwrap_or_default()
                .into_iter()
                .map(|kv| match kv.split_once('=') {
                    Some((k, v)) => (k.to_string(), v.to_string()),
                    None => (kv, String::new()),
                })
                .collect(),
            workdir: r.workdir.unwrap_or_default(),
            entrypoint: r.entrypoint.unwrap_or_default(),
            cmd: r.cmd.unwrap_or_default(),
            exposed: r.exposed.unwrap_or_default().into_keys().collect(),
        }
    }
}

/// Parses `buildah inspect --type image` (an object holding `OCIv1.config` and the manifest as
/// a string) or `docker|podman image inspect` (an array of objects holding `Config` and `Size`).
pub fn parse_inspect(engine: Engine, json: &str) -> Result<ImageInfo, String> {
    #[derive(Deserialize)]
    struct Oci {
        #[serde(default)]
        config: RawConfig,
    }
    #[derive(Deserialize)]
    struct Buildah {
        #[serde(rename = "OCIv1")]
        oci: Oci,
        #[serde(rename = "Manifest")]
        manifest: String,
    }
    #[derive(Deserialize)]
    struct Docker {
        #[serde(rename = "Config", default)]
        config: RawConfig,
        #[serde(rename = "Size", default)]
        size: u64,
    }
    let bad = |e: serde_json::Error| format!("unexpected output of {engine} inspect: {e}");
    match engine {
        Engine::Buildah => {
            let b: Buildah = serde_json::from_str(json).map_err(bad)?;
            let size = manifest_layers_size(&b.manifest).ok_or("no layer sizes in the image manifest")?;
            Ok(ImageInfo {
                config: b.oci.config.into(),
                size,
            })
        }
        Engine::Docker | Engine::Podman => {
            let mut all: Vec<Docker> = serde_json::from_str(json).map_err(bad)?;
            let d = all
                .pop()
                .ok_or_else(|| format!("{engine} image inspect printed no image"))?;
            Ok(ImageInfo {
                config: d.config.into(),
                size: d.size,
            })
        }
    }
}

/// Sum of the `size` fields of the `layers` array of an OCI/Docker image manifest.
fn manifest_layers_size(manifest: &str) -> Option<u64> {
    #[derive(Deserialize)]
    struct Layer {
        size: u64,
    }
    #[derive(Deserialize)]
    struct Manifest {
        layers: Vec<Layer>,
    }
    let m: Manifest = serde_json::from_str(manifest).ok()?;
    Some(m.layers.iter().map(|l| l.size).sum())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layer_sizes_are_summed() {
        let m = r#"{"schemaVersion":2,"config":{"digest":"sha256:aa","size":481},"layers":[{"mediaType":"x","digest":"sha256:bb","size":3027456},{"digest":"sha256:cc","size": 100,"annotations":{"a":"]"}}],"annotations":{}}"#;
        assert_eq!(manifest_layers_size(m), Some(3027556));
        assert_eq!(manifest_layers_size(r#"{"layers":[]}"#), Some(0));
        assert_eq!(manifest_layers_size("{}"), None);
    }

    #[test]
    fn buildah_inspect_is_read() {
        let json = r#"{"Type":"buildah 0.0.1","Manifest":"{\"layers\":[{\"size\":10},{\"size\":5}]}",
            "OCIv1":{"config":{"User":"65532","ExposedPorts":{"8080/tcp":{},"53/udp":{}},
            "Env":["PATH=/usr/bin","A=b=c"],"WorkingDir":"/app","Cmd":["./server","-v"]}}}"#;
        let info = parse_inspect(Engine::Buildah, json).unwrap();
        assert_eq!(info.size, 15);
        let c = info.config;
        assert_eq!(c.user, "65532");
        assert_eq!(c.env_var("A"), Some("b=c"));
        assert_eq!(c.workdir_or_root(), "/app");
        assert_eq!(c.argv(), ["./server", "-v"]);
        assert_eq!(c.exposed, ["53/udp", "8080/tcp"]);
        assert_eq!(c.tcp_ports(), [8080]);
    }

    #[test]
    fn docker_and_podman_inspect_are_read() {
        let json = r#"[{"Id":"x","Size":3028949,"Config":{"User":"","Env":null,"Entrypoint":["/bin/app"],
            "Cmd":null,"WorkingDir":"","ExposedPorts":{"80/tcp":{}}}}]"#;
        let info = parse_inspect(Engine::Podman, json).unwrap();
        assert_eq!(info.size, 3028949);
        assert_eq!(info.config.argv(), ["/bin/app"]);
        assert_eq!(info.config.workdir_or_root(), "/");
        assert_eq!(info.config.tcp_ports(), [80]);
        assert!(parse_inspect(Engine::Docker, "[]").is_err());
        assert!(
            parse_inspect(Engine::Docker, "not json")
                .unwrap_err()
                .contains("docker inspect")
        );
    }
}
