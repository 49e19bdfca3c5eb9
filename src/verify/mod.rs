//! `dockslim verify`: build the original and a rewritten (or any other) Dockerfile with a local
//! container engine and check that the rewrite behaves the same:
//!
//! - **behaviour**: a program is run once in each image (like `docker run --rm`) and must end
//!   the same way with the same stdout; a server (the image EXPOSEs a port, or `ports` names one)
//!   is started, waited for until its port accepts connections, sent the same `GET` requests, and
//!   must answer them alike (status, content type, redirect target, body), then stopped;
//! - **files**: every file of the application directories (WORKDIR and the program's directory)
//!   that the original holds and the rewrite does not is listed; each that the rewrite's rules do
//!   not call build-only fails;
//! - **config**: user, the ENV the Dockerfiles set themselves, workdir, entrypoint, cmd and
//!   exposed ports must match unless the rewrite announced the change;
//! - **size**: the rewritten image is not larger.
//!
//! The parts: [`engine`] (engine discovery, builds, inspecting images, containers and their file
//! systems, cleaning up), [`probe`] (running containers, waiting for a port, HTTP requests, listing
//! files) and [`report`] (the comparisons and the verdict). Every image, container and temporary file
//! made here is removed before [`verify`] returns, also on failure.

pub mod engine;
pub mod probe;
mod proc;
pub mod report;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::summary::{ConfigChange, Summary};

pub use engine::{Engine, RegistryKind, RegistryProblem, find_engine};
pub use probe::Observed;
pub use proc::RunOutcome;
pub use report::VerifyReport;
pub use report::behaviour::program_output;

use probe::listing::{self, Listing};
use report::{config, files};

/// How to verify.
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    /// The engine to use; `None` picks the first that works (see [`find_engine`]).
    pub engine: Option<Engine>,
    /// Extra options for the run, placed before the image: `docker create <run_args> IMAGE`,
    /// `podman create <run_args> IMAGE`, `buildah run <run_args> CONTAINER -- ENTRYPOINT+CMD`.
    pub run_args: Vec<String>,
    /// Time limit of each program run; a run still going then is killed and reported as timed out.
    pub timeout: Duration,
    /// Ports to probe the images on as servers; empty: the TCP ports the original EXPOSEs.
    pub ports: Vec<u16>,
    /// Paths to request besides `/` (and files of each static directory, see [`probe::requests`]).
    pub paths: Vec<String>,
    /// Also request one file of each static directory under the WORKDIR.
    pub static_files: bool,
    /// How long a server may take until its port accepts connections.
    pub ready_timeout: Duration,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        VerifyOptions {
            engine: None,
            run_args: Vec::new(),
            timeout: Duration::from_secs(60),
            ports: Vec::new(),
            paths: Vec::new(),
            static_files: true,
            ready_timeout: Duration::from_secs(60),
        }
    }
}

/// What the rewrite declares: the files it leaves out on purpose and the config changes it makes
/// on purpose. Nothing is declared for a Dockerfile that dockslim did not write.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rules {
    /// Absolute globs of build-only paths ([`Summary::dropped`]).
    pub build_only: Vec<String>,
    /// Config changes announced ([`Summary::announced`]).
    pub announced: Vec<ConfigChange>,
}

impl Rules {
    /// Everything dockslim's own rewrite declared.
    pub fn of_rewrite(s: &Summary) -> Rules {
        Rules {
            build_only: s.dropped.clone(),
            announced: s.announced.clone(),
        }
    }

    /// For another Dockerfile compared with `--against`: the build-only paths of dockslim's own
    /// split of the original (when it would rewrite it), and no announced change.
    pub fn for_other(own_split: Option<&Summary>) -> Rules {
        Rules {
            build_only: own_split.map(|s| s.dropped.clone()).unwrap_or_default(),
            announced: Vec::new(),
        }
    }
}

/// The Dockerfile compared with the original.
#[derive(Debug, Clone, Copy)]
pub enum Candidate<'a> {
    /// Text (dockslim's rewrite), written to a temporary file outside the context.
    Text(&'a str),
    /// A file (`--against`).
    File(&'a Path),
}

/// Which of the two Dockerfiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    Original,
    Rewritten,
}

impl fmt::Display for Which {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Which::Original => "original",
            Which::Rewritten => "rewritten",
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error(
        "no container engine found: {tried}. Install Docker (with a running daemon), Podman or Buildah, \
         or choose one explicitly"
    )]
    NoEngine { tried: String },
    #[error("container engine {engine} is not usable: {reason}")]
    EngineUnavailable { engine: Engine, reason: String },
    /// A build failed; `registry` is set when the engine's output shows a registry or image
    /// name problem, and then the message is what to do (the log stays in `log`).
    #[error("the {which} Dockerfile failed to build:{}", match registry {
        Some(p) => format!(" {p}"),
        None => format!("\n{log}"),
    })]
    Build {
        which: Which,
        log: String,
        registry: Option<RegistryProblem>,
    },
    #[error("could not run the {which} image: {message}")]
    Run { which: Which, message: String },
    #[error("could not measure the {which} image: {message}")]
    Inspect { which: Which, message: String },
    #[error("cannot read the {which} Dockerfile: {message}")]
    Dockerfile { which: Which, message: String },
    #[error(
        "port {port} is already in use on this machine, and {engine} runs containers on the host's network: \
         stop what listens there, or use another engine"
    )]
    PortBusy { port: u16, engine: Engine },
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

fn io_err(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> VerifyError {
    let context = context.into();
    move |source| VerifyError::Io { context, source }
}

fn tail_lines(s: &str, n: usize) -> Vec<&str> {
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(n)..].to_vec()
}

/// One image made from one Dockerfile, and what was learnt from it.
struct Side {
    tag: String,
    info: engine::ImageInfo,
    env: Vec<(String, String)>,
}

/// Builds `original_dockerfile` and the `candidate` in `context`, probes both images as
/// `opts` says, compares them by `rules`, removes everything, and reports. A failed build is
/// an error ([`VerifyError::Build`]); a difference is a report whose
/// [`VerifyReport::passed`] is false.
pub fn verify(
    original_dockerfile: &Path,
    candidate: Candidate<'_>,
    context: &Path,
    rules: &Rules,
    opts: &VerifyOptions,
) -> Result<VerifyReport, VerifyError> {
    // the files first: a bad one is said before any engine is looked for
    let read = |which: Which, p: &Path| {
        std::fs::read_to_string(p).map_err(|e| VerifyError::Dockerfile {
            which,
            message: format!("{}: {e}", p.display()),
        })
    };
    let env_of = |which: Which, text: &str| {
        config::dockerfile_env(text).map_err(|message| VerifyError::Dockerfile { which, message })
    };
    let original_env = env_of(Which::Original, &read(Which::Original, original_dockerfile)?)?;
    let candidate_text = match candidate {
        Candidate::Text(t) => t.to_string(),
        Candidate::File(p) => read(Which::Rewritten, p)?,
    };
    let rewritten_env = env_of(Which::Rewritten, &candidate_text)?;

    let engine = find_engine(opts.engine)?;
    let mut session = engine::Session::new(engine)?;
    let candidate_path: PathBuf = match candidate {
        Candidate::Text(t) => {
            let p = session.tmp_dir.join("Dockerfile.dockslim");
            std::fs::write(&p, t).map_err(io_err(format!("cannot write {}", p.display())))?;
            p
        }
        Candidate::File(p) => p.to_path_buf(),
    };

    let mut build = |which: Which, file: &Path, env: Vec<(String, String)>| -> Result<Side, VerifyError> {
        let tag = session.tag(which);
        session.build(which, file, context, &tag)?;
        let info = session.inspect(which, &tag)?;
        Ok(Side { tag, info, env })
    };
    let original = build(Which::Original, original_dockerfile, original_env)?;
    let rewritten = build(Which::Rewritten, &candidate_path, rewritten_env)?;

    let dirs = files::app_dirs(&original.info.config);
    let ports = if opts.ports.is_empty() {
        original.info.config.tcp_ports()
    } else {
        opts.ports.clone()
    };
    let mut plan = probe::Plan {
        ports,
        paths: Vec::new(),
        timeout: opts.timeout,
        ready_timeout: opts.ready_timeout,
        request_timeout: Duration::from_secs(15),
    };
    let (original_files, original_run) = examine(&mut session, Which::Original, &original, &dirs, &mut plan, opts)?;
    let (rewritten_files, rewritten_run) = examine(&mut session, Which::Rewritten, &rewritten, &dirs, &mut plan, opts)?;
    drop(session); // removes images, containers and the temporary directory

    let files = files::files_check(&dirs, &original_files, &rewritten_files, &rules.build_only);
    let inputs = config::ConfigInputs {
        original_env: &original.env,
        rewritten_env: &rewritten.env,
        original_passwd: original_files.passwd.as_deref(),
        rewritten_passwd: rewritten_files.passwd.as_deref(),
        announced: &rules.announced,
    };
    let config = config::config_diffs(&original.info.config, &rewritten.info.config, &inputs);
    Ok(VerifyReport {
        engine,
        before_bytes: original.info.size,
        after_bytes: rewritten.info.size,
        ports: plan.ports,
        paths: plan.paths,
        original: original_run,
        rewritten: rewritten_run,
        files,
        config,
    })
}

/// Lists one image's application files, then runs it. The requests are chosen from the
/// original's files (`plan.paths` is empty until then) and sent alike to both.
fn examine(
    session: &mut engine::Session,
    which: Which,
    side: &Side,
    dirs: &[String],
    plan: &mut probe::Plan,
    opts: &VerifyOptions,
) -> Result<(Listing, Observed), VerifyError> {
    let mut list_dirs = dirs.to_vec();
    let workdir = side.info.config.workdir_or_root().to_string();
    let covered = dirs.iter().any(|d| *d == workdir || listing::is_under(&workdir, d));
    if which == Which::Original && opts.static_files && !covered {
        // the static directories of a WORKDIR that is not an application directory (`/`)
        let base = workdir.trim_end_matches('/');
        list_dirs.extend(probe::STATIC_DIRS.iter().map(|d| format!("{base}/{d}")));
    }
    let c = session.create(which, &side.tag, &plan.ports, &opts.run_args)?;
    let listing = probe::list_files(session, which, &c, &list_dirs)?;
    if which == Which::Original && !plan.ports.is_empty() && plan.paths.is_empty() {
        let none = Listing::default();
        plan.paths = probe::requests(&opts.paths, if opts.static_files { &listing } else { &none }, &workdir);
    }
    let observed = probe::exercise(session, which, &c, &side.info.config, &opts.run_args, plan);
    session.remove(&c);
    // the files check compares the application directories only
    let listing = Listing {
        entries: listing
            .entries
            .into_iter()
            .filter(|e| dirs.iter().any(|d| listing::is_under(e, d)))
            .collect(),
        passwd: listing.passwd,
    };
    Ok((listing, observed?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_failures_read_as_what_to_do() {
        let e = VerifyError::Build {
            which: Which::Original,
            log: "STEP 1/4: FROM golang:1.22\nError: ... short-name \"golang:1.22\" did not resolve".into(),
            registry: engine::registry_problem("short-name \"golang:1.22\" did not resolve to an alias"),
        };
        let text = e.to_string();
        assert!(text.starts_with("the original Dockerfile failed to build: `golang:1.22` is a short image name"));
        assert!(!text.contains('\n') && !text.contains("STEP 1/4"), "{text}");
        let e = VerifyError::Build {
            which: Which::Rewritten,
            log: "COPY failed".into(),
            registry: None,
        };
        assert_eq!(e.to_string(), "the rewritten Dockerfile failed to build:\nCOPY failed");
    }

    #[test]
    fn rules_of_a_rewrite_and_of_another_file() {
        let s = Summary {
            language: crate::detect::Language::Go,
            builder: "golang:1.22".into(),
            runtime: "gcr.io/distroless/static-debian12".into(),
            user: "root".into(),
            packages: vec![],
            carried: vec![],
            dropped: vec!["/app/**/*.go".into()],
            announced: vec![ConfigChange::Cmd],
            notes: vec![],
        };
        assert_eq!(Rules::of_rewrite(&s).announced, [ConfigChange::Cmd]);
        let other = Rules::for_other(Some(&s));
        assert_eq!(
            (other.build_only.as_slice(), other.announced.len()),
            (["/app/**/*.go".to_string()].as_slice(), 0)
        );
        assert_eq!(Rules::for_other(None), Rules::default());
    }

    #[test]
    fn tail_keeps_the_last_lines() {
        assert_eq!(tail_lines("a\nb\nc\n", 2), ["b", "c"]);
        assert_eq!(tail_lines("a", 5), ["a"]);
    }
}
