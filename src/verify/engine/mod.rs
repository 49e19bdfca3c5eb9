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

pub mod image;
pub mod registry;

use crate::verify::proc::{RunOutcome, run_with_timeout};
use crate::verify::{VerifyError, Which, io_err, tail_lines};

pub use image::{ImageConfig, ImageInfo, parse_inspect};
pub use registry::{RegistryKind, RegistryProblem, registry_problem};

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
}
