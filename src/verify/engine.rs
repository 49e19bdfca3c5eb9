//! Engine access: which container engine works here, and one [`Session`] with it that builds
//! images, reads their config and size, makes containers, gives access to a container's
//! file system, starts what the image runs, and removes everything it made when dropped.
//!
//! Engines: Docker (only when `docker info` succeeds, i.e. a daemon answers), Podman, or Buildah
//! (daemonless: `buildah from` + `buildah run` of the image's ENTRYPOINT+CMD, honouring
//! USER/WORKDIR/ENV; its containers share the host's network). Buildah and Podman inherit this
//! process's environment, so `CONTAINERS_STORAGE_CONF`, `STORAGE_DRIVER`, `BUILDAH_ISOLATION` and
//! `CONTAINERS_CONF` select an isolated store and settings when set (as `scripts/testbed/env.sh` does).

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::str::FromStr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Deserialize;

use super::proc::{RunOutcome, run_with_timeout};
use super::{VerifyError, Which, io_err, tail_lines};

/// A container engine that can build and run images.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Engine {
    Docker,
    Podman,
    Buildah,
}

impl Engine {
    /// The engine's command-line program.
    pub fn program(self) -> &'static str {
        match self {
            Engine::Docker => "docker",
            Engine::Podman => "podman",
            Engine::Buildah => "buildah",
        }
    }

    /// All engines, in the order [`find_engine`] tries them.
    pub const ALL: [Engine; 3] = [Engine::Docker, Engine::Podman, Engine::Buildah];

    /// Whether its containers share the host's network (so a server's port is the host's port,
    /// and two servers on one port must run one after the other).
    pub fn host_network(self) -> bool {
        self == Engine::Buildah
    }
}

impl fmt::Display for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.program())
    }
}

impl FromStr for Engine {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "docker" => Ok(Engine::Docker),
            "podman" => Ok(Engine::Podman),
            "buildah" => Ok(Engine::Buildah),
            other => Err(format!("unknown engine `{other}` (expected docker, podman or buildah)")),
        }
    }
}

// ------------------------------------------------------------------------------------------------
// discovery

/// Finds a working engine. With `preferred`, checks only that one. Otherwise tries, in order: Docker (only when
/// `docker info` succeeds: a `docker` CLI without a daemon does not count), Podman, Buildah.
pub fn find_engine(preferred: Option<Engine>) -> Result<Engine, VerifyError> {
    if let Some(e) = preferred {
        return probe(e)
            .map(|()| e)
            .map_err(|reason| VerifyError::EngineUnavailable { engine: e, reason });
    }
    let mut tried = Vec::new();
    for e in Engine::ALL {
        match probe(e) {
            Ok(()) => return Ok(e),
            Err(reason) => tried.push(format!("{e} ({reason})")),
        }
    }
    Err(VerifyError::NoEngine {
        tried: tried.join(", "),
    })
}

fn probe(e: Engine) -> Result<(), String> {
    let args: &[&str] = match e {
        Engine::Docker => &["info", "--format", "{{.ServerVersion}}"],
        Engine::Podman => &["version"],
        Engine::Buildah => &["version"],
    };
    let mut cmd = Command::new(e.program());
    cmd.args(args);
    match run_with_timeout(cmd, Some(Duration::from_secs(20))) {
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Err("not installed".to_string()),
        Err(err) => Err(err.to_string()),
        Ok(out) if out.timed_out => Err(format!("`{} {}` did not answer in 20 s", e.program(), args[0])),
        Ok(out) if out.exit_code == Some(0) => Ok(()),
        Ok(out) => {
            let msg = out
                .stderr
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("")
                .trim()
                .to_string();
            Err(match e {
                Engine::Docker => format!("`docker info` failed, no daemon? {msg}"),
                _ => format!("`{} {}` failed: {msg}", e.program(), args[0]),
            })
        }
    }
}

// ------------------------------------------------------------------------------------------------
// registry failures

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

// ------------------------------------------------------------------------------------------------
// image config

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

// ------------------------------------------------------------------------------------------------
// session

/// A container made by a [`Session`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Container {
    /// The engine's name for it.
    pub name: String,
}

/// Everything made during one verification; removed on drop.
pub struct Session {
    engine: Engine,
    id: String,
    /// A private temporary directory (removed on drop).
    pub tmp_dir: PathBuf,
    images: Vec<String>,
    containers: Vec<String>,
    mounted: Vec<String>,
}

static SESSION_COUNTER: AtomicU32 = AtomicU32::new(0);

impl Session {
    /// Starts a session: a unique id and a temporary directory.
    pub fn new(engine: Engine) -> Result<Self, VerifyError> {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let id = format!(
            "{}-{}-{:x}",
            std::process::id(),
            SESSION_COUNTER.fetch_add(1, Ordering::Relaxed),
            nanos
        );
        let tmp_dir = std::env::temp_dir().join(format!("dockslim-verify-{id}"));
        std::fs::create_dir_all(&tmp_dir).map_err(io_err(format!("cannot create {}", tmp_dir.display())))?;
        Ok(Session {
            engine,
            id,
            tmp_dir,
            images: Vec::new(),
            containers: Vec::new(),
            mounted: Vec::new(),
        })
    }

    /// The engine this session drives.
    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// A tag unique to this session.
    pub fn tag(&self, which: Which) -> String {
        format!("localhost/dockslim-verify:{}-{which}", self.id)
    }

    fn cmd(&self) -> Command {
        Command::new(self.engine.program())
    }

    /// Runs an engine step that must succeed; failing to start or a non-zero exit is a `Run`
    /// error naming the step.
    fn step(&self, which: Which, cmd: Command, timeout: Duration, what: &str) -> Result<RunOutcome, VerifyError> {
        let out = run_with_timeout(cmd, Some(timeout)).map_err(|e| VerifyError::Run {
            which,
            message: format!("{what}: {e}"),
        })?;
        if out.exit_code != Some(0) {
            let why = if out.timed_out {
                format!("no answer in {} s", timeout.as_secs())
            } else {
                out.stderr.trim().to_string()
            };
            return Err(VerifyError::Run {
                which,
                message: format!("{what}: {why}"),
            });
        }
        Ok(out)
    }

    /// Builds `dockerfile` in `context` as `tag`.
    pub fn build(&mut self, which: Which, dockerfile: &Path, context: &Path, tag: &str) -> Result<(), VerifyError> {
        let mut cmd = self.cmd();
        match self.engine {
            Engine::Buildah => {
                cmd.args(["bud", "--layers=false", "--rm", "--force-rm"]);
            }
            // BuildKit (docker) removes its build containers by itself
            Engine::Docker => {
                cmd.arg("build");
            }
            Engine::Podman => {
                cmd.args(["build", "--layers=false", "--rm", "--force-rm"]);
            }
        }
        cmd.arg("-f").arg(dockerfile).arg("-t").arg(tag).arg(context);
        self.images.push(tag.to_string()); // removed on drop even if the build fails half-way
        let out = run_with_timeout(cmd, None).map_err(io_err(format!("cannot start {}", self.engine.program())))?;
        if out.exit_code != Some(0) {
            let mut log = out.stdout;
            if !out.stderr.is_empty() {
                if !log.is_empty() && !log.ends_with('\n') {
                    log.push('\n');
                }
                log.push_str(&out.stderr);
            }
            return Err(VerifyError::Build {
                which,
                registry: registry_problem(&log),
                log: tail_lines(&log, 60).join("\n"),
            });
        }
        Ok(())
    }

    /// The image's config and size.
    pub fn inspect(&self, which: Which, image: &str) -> Result<ImageInfo, VerifyError> {
        let mut cmd = self.cmd();
        match self.engine {
            Engine::Docker | Engine::Podman => cmd.args(["image", "inspect", image]),
            Engine::Buildah => cmd.args(["inspect", "--type", "image", image]),
        };
        let inspect_err = |message: String| VerifyError::Inspect { which, message };
        let out = run_with_timeout(cmd, Some(Duration::from_secs(120))).map_err(|e| inspect_err(e.to_string()))?;
        if out.exit_code != Some(0) {
            return Err(inspect_err(out.stderr.trim().to_string()));
        }
        parse_inspect(self.engine, &out.stdout).map_err(inspect_err)
    }

    /// Makes a container of `image` without starting it. Docker and Podman publish each of
    /// `ports` on a free port of 127.0.0.1 and take `run_args` here; Buildah takes them at run.
    pub fn create(
        &mut self,
        which: Which,
        image: &str,
        ports: &[u16],
        run_args: &[String],
    ) -> Result<Container, VerifyError> {
        let mut cmd = self.cmd();
        let name = match self.engine {
            Engine::Buildah => {
                cmd.args(["from", "--pull=never", "-q", image]);
                None
            }
            Engine::Docker | Engine::Podman => {
                let name = format!("dockslim-verify-{}-{which}", self.id);
                cmd.args(["create", "--name", &name]);
                for p in ports {
                    cmd.arg("-p").arg(format!("127.0.0.1::{p}"));
                }
                cmd.args(run_args).arg(image);
                Some(name)
            }
        };
        let what = format!("{} {}", self.engine, if name.is_some() { "create" } else { "from" });
        let out = self.step(which, cmd, Duration::from_secs(600), &what)?;
        let name = name.unwrap_or_else(|| out.stdout.trim().to_string());
        self.containers.push(name.clone());
        Ok(Container { name })
    }

    /// Mounts the container's file system (buildah, podman) and returns where; `None` for
    /// docker, whose file system is read through [`Session::export_command`].
    pub fn mount(&mut self, which: Which, c: &Container) -> Result<Option<PathBuf>, VerifyError> {
        if self.engine == Engine::Docker {
            return Ok(None);
        }
        let mut cmd = self.cmd();
        cmd.args(["mount", &c.name]);
        let what = format!("{} mount", self.engine);
        let out = self.step(which, cmd, Duration::from_secs(300), &what)?;
        self.mounted.push(c.name.clone());
        Ok(Some(PathBuf::from(out.stdout.trim())))
    }

    /// Unmounts what [`Session::mount`] mounted.
    pub fn unmount(&mut self, c: &Container) {
        if let Some(i) = self.mounted.iter().position(|m| m == &c.name) {
            self.mounted.remove(i);
            let mut cmd = self.cmd();
            cmd.args(["umount", &c.name]);
            let _ = run_with_timeout(cmd, Some(Duration::from_secs(120)));
        }
    }

    /// The command whose stdout is the container's file system as a tar stream.
    pub fn export_command(&self, c: &Container) -> Command {
        let mut cmd = self.cmd();
        cmd.args(["export", &c.name]);
        cmd
    }

    /// The command that runs what the image runs in `c`, attached: `buildah run RUN_ARGS C --
    /// ENTRYPOINT+CMD`, or `docker|podman start -a C`.
    pub fn start_command(
        &self,
        which: Which,
        c: &Container,
        config: &ImageConfig,
        run_args: &[String],
    ) -> Result<Command, VerifyError> {
        let mut cmd = self.cmd();
        match self.engine {
            Engine::Buildah => {
                let argv = config.argv();
                if argv.is_empty() {
                    return Err(VerifyError::Run {
                        which,
                        message: "the image has neither ENTRYPOINT nor CMD".to_string(),
                    });
                }
                cmd.arg("run").args(run_args).arg(&c.name).arg("--").args(argv);
            }
            Engine::Docker | Engine::Podman => {
                cmd.args(["start", "-a", &c.name]);
            }
        }
        Ok(cmd)
    }

    /// Where the container's `port` answers from this machine: the host's own port for buildah,
    /// the published port for docker and podman (`None` until the container runs).
    pub fn address(&self, c: &Container, port: u16) -> Option<SocketAddr> {
        if self.engine.host_network() {
            return Some(SocketAddr::from((Ipv4Addr::LOCALHOST, port)));
        }
        let mut cmd = self.cmd();
        cmd.args(["port", &c.name, &format!("{port}/tcp")]);
        let out = run_with_timeout(cmd, Some(Duration::from_secs(30))).ok()?;
        published_address(&out.stdout)
    }

    /// Stops a running container (docker, podman; buildah's run is stopped by killing it).
    pub fn stop(&self, c: &Container) {
        if self.engine == Engine::Buildah {
            return;
        }
        let mut cmd = self.cmd();
        cmd.args(["stop", "-t", "5", &c.name]);
        let _ = run_with_timeout(cmd, Some(Duration::from_secs(60)));
    }

    /// Removes a container now (also done on drop).
    pub fn remove(&mut self, c: &Container) {
        self.unmount(c);
        self.remove_container(&c.name.clone());
    }

    fn remove_container(&mut self, c: &str) {
        let mut cmd = self.cmd();
        match self.engine {
            Engine::Buildah => cmd.args(["rm", c]),
            Engine::Docker | Engine::Podman => cmd.args(["rm", "-f", c]),
        };
        let _ = run_with_timeout(cmd, Some(Duration::from_secs(120)));
        self.containers.retain(|x| x != c);
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        for m in std::mem::take(&mut self.mounted) {
            let mut cmd = self.cmd();
            cmd.args(["umount", &m]);
            let _ = run_with_timeout(cmd, Some(Duration::from_secs(120)));
        }
        for c in std::mem::take(&mut self.containers) {
            self.remove_container(&c);
        }
        for image in std::mem::take(&mut self.images).into_iter().rev() {
            let mut cmd = self.cmd();
            cmd.args(["rmi", "-f", &image]);
            let _ = run_with_timeout(cmd, Some(Duration::from_secs(120)));
        }
        let _ = std::fs::remove_dir_all(&self.tmp_dir);
    }
}

/// The first address `docker|podman port` printed (`0.0.0.0:49153`, `[::]:49153`), as a
/// loopback address to connect to.
fn published_address(out: &str) -> Option<SocketAddr> {
    out.lines().find_map(|l| {
        let a: SocketAddr = l.trim().parse().ok()?;
        Some(if a.ip().is_unspecified() {
            SocketAddr::from((Ipv4Addr::LOCALHOST, a.port()))
        } else {
            a
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_parses_and_prints() {
        assert_eq!("Buildah".parse::<Engine>().unwrap(), Engine::Buildah);
        assert_eq!(Engine::Docker.to_string(), "docker");
        assert!("rkt".parse::<Engine>().is_err());
        assert!(Engine::Buildah.host_network() && !Engine::Podman.host_network());
    }

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

    #[test]
    fn published_addresses_point_at_loopback() {
        assert_eq!(
            published_address("0.0.0.0:49153\n[::]:49153\n"),
            Some("127.0.0.1:49153".parse().unwrap())
        );
        assert_eq!(
            published_address("127.0.0.1:40001\n"),
            Some("127.0.0.1:40001".parse().unwrap())
        );
        assert_eq!(published_address("Error: no public port\n"), None);
    }

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
