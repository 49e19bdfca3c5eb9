//! `dockslim verify`: build the original and the rewritten Dockerfile with a local container engine, run both
//! images once (like `docker run --rm`), and check that the rewrite behaves the same (exit code and stdout) and
//! that its image is not larger.
//!
//! Engines: Docker (only when `docker info` succeeds, i.e. a daemon answers), Podman, or Buildah (daemonless; the
//! run is done with `buildah from` + `buildah run` of the image's ENTRYPOINT+CMD, honouring USER/WORKDIR/ENV).
//! Buildah and Podman inherit this process's environment, so `CONTAINERS_STORAGE_CONF`, `STORAGE_DRIVER` and
//! `BUILDAH_ISOLATION` select an isolated store when set (as `scripts/testbed/env.sh` does).
//!
//! Every image, container and temporary file made here is removed before [`verify`] returns, also on failure.
//!
//! This module depends on `std`, `thiserror` only.

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::str::FromStr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

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

/// How to verify.
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    /// The engine to use; `None` picks the first that works (see [`find_engine`]).
    pub engine: Option<Engine>,
    /// Extra options for the run, placed before the image: `docker run --rm <run_args> IMAGE`,
    /// `podman run --rm <run_args> IMAGE`, `buildah run <run_args> CONTAINER -- ENTRYPOINT+CMD`.
    pub run_args: Vec<String>,
    /// Time limit of each run; a run still going then is killed and reported as timed out.
    pub timeout: Duration,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        VerifyOptions {
            engine: None,
            run_args: Vec::new(),
            timeout: Duration::from_secs(60),
        }
    }
}

/// What one run of an image did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunOutcome {
    /// The exit code; `None` when the run was killed (time limit) or ended by a signal.
    pub exit_code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    /// The run hit [`VerifyOptions::timeout`] and was killed.
    pub timed_out: bool,
}

impl RunOutcome {
    fn status_text(&self) -> String {
        match (self.timed_out, self.exit_code) {
            (true, _) => "killed at the time limit".to_string(),
            (false, Some(c)) => format!("exit {c}"),
            (false, None) => "killed by a signal".to_string(),
        }
    }
}

/// stdout without what npm, pnpm or yarn print around a package.json script they run (the
/// `> app@1.0.0 start` / `> node server.js` lines, yarn's `yarn run v1…`, `$ node app.js` and
/// `Done in 0.07s.`): not the program's output, and a rewrite that starts node directly does not
/// print it.
pub fn program_output(stdout: &str) -> &str {
    let mut s = stdout;
    // npm / pnpm: an optional blank line, then "> ..." lines, then a blank line.
    let body = s.strip_prefix('\n').unwrap_or(s);
    if body.starts_with("> ") {
        let mut rest = body;
        while let Some(line_end) = rest.strip_prefix("> ").and_then(|r| r.find('\n')) {
            rest = &rest[2 + line_end + 1..];
        }
        if let Some(after) = rest.strip_prefix('\n') {
            return after;
        }
    }
    // yarn 1.
    if s.starts_with("yarn run v") {
        let Some(p) = s.find('\n') else { return s };
        s = &s[p + 1..];
        if s.starts_with("$ ") {
            s = s.find('\n').map_or("", |p| &s[p + 1..]);
        }
        let trimmed = s.strip_suffix('\n').unwrap_or(s);
        let last_start = trimmed.rfind('\n').map_or(0, |p| p + 1);
        let last = &trimmed[last_start..];
        if last.starts_with("Done in ") && last.ends_with("s.") {
            s = &s[..last_start];
        }
    }
    s
}

/// The result of a verification whose two builds succeeded.
#[derive(Debug, Clone)]
pub struct VerifyReport {
    pub engine: Engine,
    /// Size of the original image, in bytes.
    pub before_bytes: u64,
    /// Size of the rewritten image, in bytes.
    pub after_bytes: u64,
    pub original: RunOutcome,
    pub rewritten: RunOutcome,
}

impl VerifyReport {
    /// Same exit code (or both killed at the time limit) and the same program output (stdout
    /// without a package manager's banner: see [`program_output`]).
    pub fn same_behaviour(&self) -> bool {
        self.original.timed_out == self.rewritten.timed_out
            && self.original.exit_code == self.rewritten.exit_code
            && self.same_stdout()
    }

    fn same_stdout(&self) -> bool {
        program_output(&self.original.stdout) == program_output(&self.rewritten.stdout)
    }

    /// The rewritten image is not larger than the original.
    pub fn not_larger(&self) -> bool {
        self.after_bytes <= self.before_bytes
    }

    /// Both built (a report exists only then), same exit code and stdout, rewritten image not larger.
    pub fn passed(&self) -> bool {
        self.same_behaviour() && self.not_larger()
    }

    /// after / before (0 when the original's size is 0).
    pub fn ratio(&self) -> f64 {
        if self.before_bytes == 0 {
            0.0
        } else {
            self.after_bytes as f64 / self.before_bytes as f64
        }
    }

    /// The reasons the verification failed (empty when it passed).
    pub fn problems(&self) -> Vec<String> {
        let mut p = Vec::new();
        if self.original.timed_out != self.rewritten.timed_out || self.original.exit_code != self.rewritten.exit_code {
            p.push(format!(
                "the runs ended differently: original {}, rewritten {}",
                self.original.status_text(),
                self.rewritten.status_text()
            ));
        }
        if !self.same_stdout() {
            p.push("stdout differs".to_string());
        }
        if !self.not_larger() {
            p.push(format!(
                "the rewritten image is larger ({} > {})",
                human_bytes(self.after_bytes),
                human_bytes(self.before_bytes)
            ));
        }
        p
    }
}

impl fmt::Display for VerifyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "engine:    {}", self.engine)?;
        let saved = self.before_bytes as i128 - self.after_bytes as i128;
        writeln!(
            f,
            "size:      original {}, rewritten {} ({:.1}% of the original, {} {})",
            human_bytes(self.before_bytes),
            human_bytes(self.after_bytes),
            self.ratio() * 100.0,
            if saved >= 0 { "saves" } else { "adds" },
            human_bytes(saved.unsigned_abs() as u64)
        )?;
        for (label, r) in [("original: ", &self.original), ("rewritten:", &self.rewritten)] {
            writeln!(
                f,
                "{label} {}, {} bytes of stdout, {} bytes of stderr",
                r.status_text(),
                r.stdout.len(),
                r.stderr.len()
            )?;
        }
        let problems = self.problems();
        if problems.is_empty() {
            writeln!(f, "verdict:   PASS (same exit code and stdout, image not larger)")?;
        } else {
            writeln!(f, "verdict:   FAIL: {}", problems.join("; "))?;
        }
        if self.original.stdout != self.rewritten.stdout {
            write!(f, "{}", diff_hint(&self.original.stdout, &self.rewritten.stdout))?;
        }
        if !self.same_behaviour() && !self.rewritten.stderr.trim().is_empty() {
            writeln!(f, "stderr of the rewritten run (last lines):")?;
            for line in tail_lines(&self.rewritten.stderr, 10) {
                writeln!(f, "  | {line}")?;
            }
        }
        Ok(())
    }
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
    #[error("the {which} Dockerfile failed to build:\n{log}")]
    Build { which: Which, log: String },
    #[error("could not run the {which} image: {message}")]
    Run { which: Which, message: String },
    #[error("could not measure the {which} image: {message}")]
    Inspect { which: Which, message: String },
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

// ------------------------------------------------------------------------------------------------
// engine discovery

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
// verify

/// Builds `original_dockerfile` and `rewritten_text` (written to a temporary `Dockerfile.dockslim` outside the
/// context) in `context`, runs both images with `opts.timeout`, measures them, removes them, and reports.
/// A failed build is an error ([`VerifyError::Build`]); different behaviour is a report whose
/// [`VerifyReport::passed`] is false.
pub fn verify(
    original_dockerfile: &Path,
    rewritten_text: &str,
    context: &Path,
    opts: &VerifyOptions,
) -> Result<VerifyReport, VerifyError> {
    let engine = find_engine(opts.engine)?;
    let mut session = Session::new(engine)?;
    let rewritten_path = session.tmp_dir.join("Dockerfile.dockslim");
    std::fs::write(&rewritten_path, rewritten_text)
        .map_err(io_err(format!("cannot write {}", rewritten_path.display())))?;

    let original_tag = session.tag("original");
    session.build(Which::Original, original_dockerfile, context, &original_tag)?;
    let rewritten_tag = session.tag("rewritten");
    session.build(Which::Rewritten, &rewritten_path, context, &rewritten_tag)?;

    let before_bytes = session.image_size(Which::Original, &original_tag)?;
    let after_bytes = session.image_size(Which::Rewritten, &rewritten_tag)?;
    let original = session.run(Which::Original, &original_tag, opts)?;
    let rewritten = session.run(Which::Rewritten, &rewritten_tag, opts)?;
    drop(session); // removes images, containers and the temporary directory
    Ok(VerifyReport {
        engine,
        before_bytes,
        after_bytes,
        original,
        rewritten,
    })
}

/// Everything made during one verification; removed on drop.
struct Session {
    engine: Engine,
    id: String,
    tmp_dir: PathBuf,
    images: Vec<String>,
    containers: Vec<String>,
}

static SESSION_COUNTER: AtomicU32 = AtomicU32::new(0);

impl Session {
    fn new(engine: Engine) -> Result<Self, VerifyError> {
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
        })
    }

    fn tag(&self, which: &str) -> String {
        format!("localhost/dockslim-verify:{}-{which}", self.id)
    }

    fn cmd(&self) -> Command {
        Command::new(self.engine.program())
    }

    fn build(&mut self, which: Which, dockerfile: &Path, context: &Path, tag: &str) -> Result<(), VerifyError> {
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
                log: tail_lines(&log, 60).join("\n"),
            });
        }
        Ok(())
    }

    fn image_size(&self, which: Which, image: &str) -> Result<u64, VerifyError> {
        let inspect_err = |message: String| VerifyError::Inspect { which, message };
        let mut cmd = self.cmd();
        match self.engine {
            Engine::Docker | Engine::Podman => {
                cmd.args(["image", "inspect", "--format", "{{.Size}}", image]);
            }
            Engine::Buildah => {
                cmd.args(["inspect", "--type", "image", "--format", "{{.Manifest}}", image]);
            }
        }
        let out = run_with_timeout(cmd, Some(Duration::from_secs(120))).map_err(|e| inspect_err(e.to_string()))?;
        if out.exit_code != Some(0) {
            return Err(inspect_err(out.stderr.trim().to_string()));
        }
        match self.engine {
            Engine::Docker | Engine::Podman => out
                .stdout
                .trim()
                .parse::<u64>()
                .map_err(|e| inspect_err(format!("unexpected size `{}`: {e}", out.stdout.trim()))),
            Engine::Buildah => manifest_layers_size(&out.stdout)
                .ok_or_else(|| inspect_err("no layer sizes in the image manifest".to_string())),
        }
    }

    fn run(&mut self, which: Which, image: &str, opts: &VerifyOptions) -> Result<RunOutcome, VerifyError> {
        match self.engine {
            Engine::Docker | Engine::Podman => {
                let name = format!("dockslim-verify-{}-{which}", self.id);
                self.containers.push(name.clone());
                let mut cmd = self.cmd();
                cmd.args(["run", "--rm", "--name", &name])
                    .args(&opts.run_args)
                    .arg(image);
                let out = run_with_timeout(cmd, Some(opts.timeout)).map_err(|e| VerifyError::Run {
                    which,
                    message: e.to_string(),
                })?;
                Ok(out)
            }
            Engine::Buildah => {
                let argv = self.buildah_argv(which, image)?;
                let mut from = self.cmd();
                from.args(["from", "--pull=never", "-q", image]);
                let out = self.step(which, from, Duration::from_secs(600), "buildah from")?;
                let container = out.stdout.trim().to_string();
                self.containers.push(container.clone());
                let mut cmd = self.cmd();
                cmd.arg("run")
                    .args(&opts.run_args)
                    .arg(&container)
                    .arg("--")
                    .args(&argv);
                let out = run_with_timeout(cmd, Some(opts.timeout)).map_err(|e| VerifyError::Run {
                    which,
                    message: e.to_string(),
                })?;
                self.remove_container(&container);
                Ok(out)
            }
        }
    }

    /// Runs an engine step that must succeed; failing to start or a non-zero exit is a `Run`
    /// error naming the step.
    fn step(&self, which: Which, cmd: Command, timeout: Duration, what: &str) -> Result<RunOutcome, VerifyError> {
        let out = run_with_timeout(cmd, Some(timeout)).map_err(|e| VerifyError::Run {
            which,
            message: e.to_string(),
        })?;
        if out.exit_code != Some(0) {
            return Err(VerifyError::Run {
                which,
                message: format!("{what}: {}", out.stderr.trim()),
            });
        }
        Ok(out)
    }

    /// ENTRYPOINT + CMD of a buildah image (buildah 1.28's templates have no `json`: NUL-separated strings).
    fn buildah_argv(&self, which: Which, image: &str) -> Result<Vec<String>, VerifyError> {
        const FORMAT: &str = r#"{{range .OCIv1.Config.Entrypoint}}{{printf "%s\x00" .}}{{end}}{{printf "\x01"}}{{range .OCIv1.Config.Cmd}}{{printf "%s\x00" .}}{{end}}"#;
        let mut cmd = self.cmd();
        cmd.args(["inspect", "--type", "image", "--format", FORMAT, image]);
        let out = self.step(which, cmd, Duration::from_secs(120), "buildah inspect")?;
        let text = out.stdout.trim_end_matches('\n');
        let (entrypoint, cmd) = text.split_once('\u{1}').ok_or_else(|| VerifyError::Run {
            which,
            message: format!("unexpected output of buildah inspect: {text:?}"),
        })?;
        let argv: Vec<String> = [entrypoint, cmd]
            .iter()
            .flat_map(|part| part.split_terminator('\0').map(str::to_string))
            .collect();
        if argv.is_empty() {
            return Err(VerifyError::Run {
                which,
                message: "the image has neither ENTRYPOINT nor CMD".to_string(),
            });
        }
        Ok(argv)
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

// ------------------------------------------------------------------------------------------------
// helpers

/// Runs a command with stdin closed, capturing stdout/stderr; kills its whole process group at `timeout`.
fn run_with_timeout(mut cmd: Command, timeout: Option<Duration>) -> std::io::Result<RunOutcome> {
    use std::os::unix::process::CommandExt;
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let mut child = cmd.spawn()?;
    let out_reader = spawn_reader(child.stdout.take());
    let err_reader = spawn_reader(child.stderr.take());
    let start = Instant::now();
    let mut timed_out = false;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if timeout.is_some_and(|t| start.elapsed() >= t) {
            timed_out = true;
            kill_group(&mut child);
            break child.wait()?;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stdout = out_reader.join().unwrap_or_default();
    let stderr = err_reader.join().unwrap_or_default();
    Ok(RunOutcome {
        exit_code: if timed_out { None } else { status.code() },
        stdout,
        stderr,
        timed_out,
    })
}

fn spawn_reader<R: Read + Send + 'static>(pipe: Option<R>) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut p) = pipe {
            let _ = p.read_to_end(&mut buf);
        }
        String::from_utf8_lossy(&buf).into_owned()
    })
}

fn kill_group(child: &mut Child) {
    let pgid = child.id();
    // SIGTERM to the group, a moment to stop, then SIGKILL (std has no killpg: use kill(1))
    let signal = |sig: &str| {
        let _ = Command::new("kill")
            .args(["-s", sig, "--", &format!("-{pgid}")])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    };
    signal("TERM");
    let deadline = Instant::now() + Duration::from_secs(3);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    signal("KILL");
    let _ = child.kill();
}

/// Sum of the `size` fields of the `layers` array of an OCI/Docker image manifest.
fn manifest_layers_size(manifest: &str) -> Option<u64> {
    let start = manifest.find("\"layers\"")?;
    let rest = &manifest[start + "\"layers\"".len()..];
    let open = rest.find('[')?;
    let body = &rest[open + 1..];
    // find the matching ']' (skipping strings)
    let (mut depth, mut in_str, mut esc, mut end) = (0i32, false, false, None);
    for (i, ch) in body.char_indices() {
        if in_str {
            match (esc, ch) {
                (true, _) => esc = false,
                (false, '\\') => esc = true,
                (false, '"') => in_str = false,
                _ => {}
            }
            continue;
        }
        match ch {
            '"' => in_str = true,
            '[' | '{' => depth += 1,
            '}' => depth -= 1,
            ']' if depth == 0 => {
                end = Some(i);
                break;
            }
            ']' => depth -= 1,
            _ => {}
        }
    }
    let layers = &body[..end?];
    let mut total = 0u64;
    let mut rest = layers;
    while let Some(pos) = rest.find("\"size\"") {
        rest = &rest[pos + "\"size\"".len()..];
        let after_colon = rest.trim_start().strip_prefix(':')?.trim_start();
        let digits: String = after_colon.chars().take_while(|c| c.is_ascii_digit()).collect();
        total += digits.parse::<u64>().ok()?;
    }
    Some(total)
}

fn human_bytes(b: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut v = b as f64;
    let mut u = 0;
    while v >= 1000.0 && u < UNITS.len() - 1 {
        v /= 1000.0;
        u += 1;
    }
    if u == 0 {
        format!("{b} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

fn tail_lines(s: &str, n: usize) -> Vec<&str> {
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(n)..].to_vec()
}

/// A short hint at where two outputs first differ.
fn diff_hint(original: &str, rewritten: &str) -> String {
    let (a, b): (Vec<&str>, Vec<&str>) = (original.lines().collect(), rewritten.lines().collect());
    let first = (0..a.len().max(b.len())).find(|&i| a.get(i) != b.get(i)).unwrap_or(0);
    let show = |l: Option<&&str>| match l {
        Some(l) => format!("{l:?}"),
        None => "(no line)".to_string(),
    };
    format!(
        "stdout first differs at line {} ({} vs {} lines):\n  original:  {}\n  rewritten: {}\n",
        first + 1,
        a.len(),
        b.len(),
        show(a.get(first)),
        show(b.get(first))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_parses_and_prints() {
        assert_eq!("Buildah".parse::<Engine>().unwrap(), Engine::Buildah);
        assert_eq!(Engine::Docker.to_string(), "docker");
        assert!("rkt".parse::<Engine>().is_err());
    }

    #[test]
    fn layer_sizes_are_summed() {
        let m = r#"{"schemaVersion":2,"config":{"digest":"sha256:aa","size":481},"layers":[{"mediaType":"x","digest":"sha256:bb","size":3027456},{"digest":"sha256:cc","size": 100,"annotations":{"a":"]"}}],"annotations":{}}"#;
        assert_eq!(manifest_layers_size(m), Some(3027556));
        assert_eq!(manifest_layers_size(r#"{"layers":[]}"#), Some(0));
        assert_eq!(manifest_layers_size("{}"), None);
    }

    fn report(a: RunOutcome, b: RunOutcome, before: u64, after: u64) -> VerifyReport {
        VerifyReport {
            engine: Engine::Buildah,
            before_bytes: before,
            after_bytes: after,
            original: a,
            rewritten: b,
        }
    }

    fn ok(out: &str) -> RunOutcome {
        RunOutcome {
            exit_code: Some(0),
            stdout: out.to_string(),
            stderr: String::new(),
            timed_out: false,
        }
    }

    #[test]
    fn verdicts() {
        let r = report(ok("hi\n"), ok("hi\n"), 1000, 10);
        assert!(r.passed(), "{r}");
        assert!(r.to_string().contains("PASS"));
        let r = report(ok("hi\n"), ok("ho\n"), 1000, 10);
        assert!(!r.passed());
        let text = r.to_string();
        assert!(text.contains("FAIL") && text.contains("line 1"), "{text}");
        let r = report(ok("hi\n"), ok("hi\n"), 10, 1000);
        assert!(!r.passed() && r.to_string().contains("larger"));
        let mut failed = ok("hi\n");
        failed.exit_code = Some(127);
        assert!(!report(ok("hi\n"), failed, 1000, 10).passed());
    }

    #[test]
    fn timeout_kills_the_process_group() {
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "echo start; sleep 30 & sleep 30; echo never"]);
        let t = Instant::now();
        let out = run_with_timeout(cmd, Some(Duration::from_millis(300))).unwrap();
        assert!(out.timed_out && out.exit_code.is_none());
        assert_eq!(out.stdout, "start\n");
        assert!(t.elapsed() < Duration::from_secs(10));
    }

    #[test]
    fn missing_program_is_not_found() {
        let err = run_with_timeout(Command::new("dockslim-no-such-program"), None).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    }
}

#[cfg(test)]
mod banner_tests {
    use super::program_output;

    #[test]
    fn package_manager_banners_are_not_program_output() {
        assert_eq!(
            program_output("\n> app@1.0.0 start\n> node server.js\n\nhello\n"),
            "hello\n"
        );
        assert_eq!(
            program_output("yarn run v1.22.22\n$ node src/app.js\nhello\nDone in 0.07s.\n"),
            "hello\n"
        );
        assert_eq!(program_output("hello\n> not a banner\n"), "hello\n> not a banner\n");
        assert_eq!(
            program_output("> quoted\nline without blank\n"),
            "> quoted\nline without blank\n"
        );
    }
}
