//! Running and probing: list a container's application files, then run what its image runs,
//! once like `docker run --rm` (a program), or as a server: start it, wait until its port
//! accepts connections, send the HTTP requests, stop it.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

pub mod http;
pub mod listing;

use crate::verify::engine::{Container, ImageConfig, Session};
use crate::verify::proc::{Background, RunOutcome, run_with_timeout};
use crate::verify::{VerifyError, Which};
use http::{HttpError, Response};
use listing::Listing;

/// Directories whose files a web server typically serves, under its working directory.
pub const STATIC_DIRS: [&str; 9] = [
    "static", "public", "assets", "www", "wwwroot", "dist", "build", "web", "site",
];

/// How to exercise each image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Ports to wait for; empty: the image is run as a program. Requests go to the first.
    pub ports: Vec<u16>,
    /// Paths to `GET`, in order.
    pub paths: Vec<String>,
    /// Time limit of a program's run.
    pub timeout: Duration,
    /// How long a server may take until its first port accepts connections.
    pub ready_timeout: Duration,
    /// Time limit of each request.
    pub request_timeout: Duration,
}

/// The answer to one request.
pub type Answer = Result<Response, HttpError>;

/// What an image did when it was run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Observed {
    /// It ran to its end or to the time limit: a program, or a server that ended before its
    /// port accepted connections.
    Ran(RunOutcome),
    /// It served: the answers to each path of the plan, whether each further port accepted
    /// connections, and its output until it was stopped.
    Served {
        answers: Vec<(String, Answer)>,
        other_ports: Vec<(u16, bool)>,
        output: RunOutcome,
    },
    /// It kept running but its port never accepted connections within the ready timeout.
    NeverListened { port: u16, output: RunOutcome },
}

impl Observed {
    /// The output of the run.
    pub fn output(&self) -> &RunOutcome {
        match self {
            Observed::Ran(o) => o,
            Observed::Served { output, .. } | Observed::NeverListened { output, .. } => output,
        }
    }
}

/// At most this many files are requested from each static directory.
pub const FILES_PER_STATIC_DIR: usize = 4;

/// The paths to request: `/`, then `extra` (a leading `/` added when missing), then files of
/// each static directory `listing` holds under `workdir` (one of each file extension, see
/// `pick_static_files`), both under the directory's name and at the root (`/static/style.css`
/// and `/style.css`: servers mount them either way).
pub fn requests(extra: &[String], listing: &Listing, workdir: &str) -> Vec<String> {
    let mut out = vec!["/".to_string()];
    let mut add = |p: String| {
        if !out.contains(&p) {
            out.push(p);
        }
    };
    for p in extra {
        add(if p.starts_with('/') { p.clone() } else { format!("/{p}") });
    }
    let base = workdir.trim_end_matches('/');
    for dir in STATIC_DIRS {
        let root = format!("{base}/{dir}");
        for rel in pick_static_files(listing, &root) {
            add(format!("/{dir}/{}", url_path(&rel)));
            add(format!("/{}", url_path(&rel)));
        }
    }
    out
}

/// Files under `root` (relative to it): the first of each file extension, shallowest first,
/// then by name, hidden files last; at most [`FILES_PER_STATIC_DIR`].
fn pick_static_files(listing: &Listing, root: &str) -> Vec<String> {
    let mut files: Vec<String> = listing
        .under(root)
        .filter(|e| !e.ends_with('/'))
        .map(|e| e[root.len() + 1..].to_string())
        .collect();
    files.sort_by_key(|rel| {
        (
            rel.split('/').any(|s| s.starts_with('.')),
            rel.matches('/').count(),
            rel.clone(),
        )
    });
    let ext = |rel: &str| {
        let name = rel.rsplit('/').next().unwrap_or(rel);
        name.rsplit_once('.')
            .map(|(_, e)| e.to_ascii_lowercase())
            .unwrap_or_default()
    };
    let mut seen = Vec::new();
    files
        .into_iter()
        .filter(|rel| {
            let e = ext(rel);
            let new = !seen.contains(&e);
            if new {
                seen.push(e);
            }
            new
        })
        .take(FILES_PER_STATIC_DIR)
        .collect()
}

/// Percent-encodes what may not stand in a URL path as is (`/` kept).
fn url_path(rel: &str) -> String {
    let mut s = String::new();
    for b in rel.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=:@".contains(&b) {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s
}

/// The application files of a container under `dirs`, and its `/etc/passwd`.
pub fn list_files(session: &mut Session, which: Which, c: &Container, dirs: &[String]) -> Result<Listing, VerifyError> {
    let fail = |e: std::io::Error| VerifyError::Run {
        which,
        message: format!("cannot list the image's files: {e}"),
    };
    match session.mount(which, c)? {
        Some(root) => {
            let listing = listing::list_mounted(&root, dirs).map_err(fail);
            session.unmount(c);
            listing
        }
        None => {
            let mut cmd = session.export_command(c);
            cmd.stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::null());
            let mut child = cmd.spawn().map_err(fail)?;
            let stdout = child
                .stdout
                .take()
                .ok_or_else(|| fail(std::io::Error::other("no stdout")))?;
            let listing = listing::list_tar(stdout, dirs);
            let status = child.wait().map_err(fail)?;
            if !status.success() {
                return Err(fail(std::io::Error::other(format!(
                    "{} export failed",
                    session.engine()
                ))));
            }
            listing.map_err(fail)
        }
    }
}

/// Runs what the image of `c` runs, as `plan` says.
pub fn exercise(
    session: &Session,
    which: Which,
    c: &Container,
    config: &ImageConfig,
    run_args: &[String],
    plan: &Plan,
) -> Result<Observed, VerifyError> {
    let run_err = |e: std::io::Error| VerifyError::Run {
        which,
        message: e.to_string(),
    };
    let cmd = session.start_command(which, c, config, run_args)?;
    let Some(&port) = plan.ports.first() else {
        let out = run_with_timeout(cmd, Some(plan.timeout)).map_err(run_err)?;
        return Ok(Observed::Ran(out));
    };
    if session.engine().host_network()
        && let Some(addr) = session.address(c, port)
        && http::knock(addr, Duration::from_millis(500)).is_open(true)
    {
        return Err(VerifyError::PortBusy {
            port,
            engine: session.engine(),
        });
    }
    let mut bg = Background::spawn(cmd).map_err(run_err)?;
    let ready = wait_ready(session, c, port, &mut bg, plan.ready_timeout).map_err(run_err)?;
    // docker and podman stop the container (`stop`), then the attached client ends by itself;
    // buildah's run is stopped by stopping its process group
    let direct = session.engine().host_network();
    let grace = if direct {
        Duration::ZERO
    } else {
        Duration::from_secs(10)
    };
    let observed = match ready {
        Ready::Exited => Observed::Ran(bg.stop(Duration::ZERO, false).map_err(run_err)?),
        Ready::Never => {
            session.stop(c);
            Observed::NeverListened {
                port,
                output: bg.stop(grace, true).map_err(run_err)?,
            }
        }
        Ready::At(addr) => {
            let answers = plan
                .paths
                .iter()
                .map(|p| (p.clone(), http::get(addr, p, plan.request_timeout)))
                .collect();
            let other_ports = plan.ports[1..]
                .iter()
                .map(|&p| {
                    let open = session
                        .address(c, p)
                        .is_some_and(|a| http::knock(a, Duration::from_secs(2)).is_open(direct));
                    (p, open)
                })
                .collect();
            session.stop(c);
            let output = bg.stop(grace, true).map_err(run_err)?;
            Observed::Served {
                answers,
                other_ports,
                output,
            }
        }
    };
    if session.engine().host_network() {
        wait_closed(session, c, port, Duration::from_secs(15));
    }
    Ok(observed)
}

enum Ready {
    At(SocketAddr),
    Exited,
    Never,
}

/// Waits until `port` of `c` accepts connections, the run ends, or `limit` passes.
fn wait_ready(
    session: &Session,
    c: &Container,
    port: u16,
    bg: &mut Background,
    limit: Duration,
) -> std::io::Result<Ready> {
    let deadline = Instant::now() + limit;
    let mut addr = None;
    while Instant::now() < deadline {
        if !bg.alive()? {
            return Ok(Ready::Exited);
        }
        if addr.is_none() {
            addr = session.address(c, port);
        }
        if let Some(a) = addr
            && http::knock(a, Duration::from_secs(2)).is_open(session.engine().host_network())
        {
            return Ok(Ready::At(a));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    Ok(if bg.alive()? { Ready::Never } else { Ready::Exited })
}

/// Waits (bounded) until nothing accepts connections on the host's `port` any more, so that
/// the next server can take it.
fn wait_closed(session: &Session, c: &Container, port: u16, limit: Duration) {
    let Some(addr) = session.address(c, port) else { return };
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline && http::knock(addr, Duration::from_millis(300)).is_open(true) {
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing(paths: &[&str]) -> Listing {
        Listing {
            entries: paths.iter().map(|s| s.to_string()).collect(),
            passwd: None,
        }
    }

    #[test]
    fn requests_root_extra_paths_and_one_file_per_static_dir() {
        let l = listing(&[
            "/app/static/css/site.css",
            "/app/static/index.html",
            "/app/static/style.css",
            "/app/static/.hidden",
            "/app/public/img/a b.png",
            "/app/public/empty/",
            "/app/main.go",
            "/other/static/x.css",
        ]);
        let got = requests(&["health".to_string(), "/".to_string()], &l, "/app");
        assert_eq!(
            got,
            [
                "/",
                "/health",
                "/static/index.html",
                "/index.html",
                "/static/style.css",
                "/style.css",
                "/static/.hidden",
                "/.hidden",
                "/public/img/a%20b.png",
                "/img/a%20b.png"
            ]
        );
        let many = listing(&[
            "/s/static/a.a",
            "/s/static/b.b",
            "/s/static/c.c",
            "/s/static/d.d",
            "/s/static/e.e",
        ]);
        assert_eq!(requests(&[], &many, "/s").len(), 1 + 2 * FILES_PER_STATIC_DIR);
    }

    #[test]
    fn requests_without_static_dirs_are_root_only() {
        assert_eq!(requests(&[], &listing(&["/srv/server"]), "/srv/"), ["/"]);
        assert_eq!(
            requests(&[], &listing(&["/static/a.js"]), "/"),
            ["/", "/static/a.js", "/a.js"]
        );
    }
}
