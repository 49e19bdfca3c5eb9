//! Child processes: run an engine command with a time limit, or keep one running in the
//! background (a server) and stop it later. Stdin is closed, stdout and stderr are captured,
//! and each child leads its own process group so that stopping it stops everything it started.

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// What one run of a command (or of an image) did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunOutcome {
    /// The exit code; `None` when the run was killed (time limit) or ended by a signal.
    pub exit_code: Option<i32>,
    /// Everything it wrote to stdout (lossy UTF-8).
    pub stdout: String,
    /// Everything it wrote to stderr (lossy UTF-8).
    pub stderr: String,
    /// The run hit its time limit and was killed.
    pub timed_out: bool,
}

impl RunOutcome {
    /// `exit 3`, `killed at the time limit` or `killed by a signal`.
    pub fn status_text(&self) -> String {
        match (self.timed_out, self.exit_code) {
            (true, _) => "killed at the time limit".to_string(),
            (false, Some(c)) => format!("exit {c}"),
            (false, None) => "killed by a signal".to_string(),
        }
    }

    /// The last non-blank line of stderr that the program wrote, trimmed (empty when there is
    /// none): what an engine adds about the run itself is skipped (buildah's `subprocess exited
    /// with status 1`, `Error: exit status 1`).
    pub fn last_stderr_line(&self) -> &str {
        self.stderr
            .lines()
            .rev()
            .map(str::trim)
            .find(|l| !l.is_empty() && !is_engine_noise(l))
            .unwrap_or("")
    }
}

/// A line an engine prints about how the container's process ended, not the program's own.
fn is_engine_noise(line: &str) -> bool {
    line.starts_with("subprocess exited ")
        || line.starts_with("Error: exit status ")
        || line.starts_with("error running container: ")
}

/// Runs a command with stdin closed, capturing stdout/stderr; kills its whole process group at `timeout`.
pub fn run_with_timeout(cmd: Command, timeout: Option<Duration>) -> std::io::Result<RunOutcome> {
    let mut bg = Background::spawn(cmd)?;
    let start = Instant::now();
    loop {
        if !bg.alive()? {
            return bg.finish(false);
        }
        if timeout.is_some_and(|t| start.elapsed() >= t) {
            kill_group(&mut bg.child, Duration::from_secs(3));
            return bg.finish(true);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A command running in the background, in its own process group, with its output captured.
pub struct Background {
    child: Child,
    out: Option<JoinHandle<String>>,
    err: Option<JoinHandle<String>>,
}

impl Background {
    /// Starts `cmd` with stdin closed and stdout/stderr piped.
    pub fn spawn(mut cmd: Command) -> std::io::Result<Background> {
        use std::os::unix::process::CommandExt;
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0);
        let mut child = cmd.spawn()?;
        let out = Some(spawn_reader(child.stdout.take()));
        let err = Some(spawn_reader(child.stderr.take()));
        Ok(Background { child, out, err })
    }

    /// Whether it is still running.
    pub fn alive(&mut self) -> std::io::Result<bool> {
        Ok(self.child.try_wait()?.is_none())
    }

    /// Waits up to `grace` for it to end by itself, then stops its process group (TERM, then KILL).
    /// `killed` says whether the caller stopped it on purpose (a server, a time limit).
    pub fn stop(mut self, grace: Duration, killed: bool) -> std::io::Result<RunOutcome> {
        let deadline = Instant::now() + grace;
        while Instant::now() < deadline {
            if !self.alive()? {
                return self.finish(killed);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        kill_group(&mut self.child, Duration::from_secs(3));
        self.finish(killed)
    }

    fn finish(mut self, timed_out: bool) -> std::io::Result<RunOutcome> {
        let status = self.child.wait()?;
        let stdout = self.out.take().and_then(|h| h.join().ok()).unwrap_or_default();
        let stderr = self.err.take().and_then(|h| h.join().ok()).unwrap_or_default();
        Ok(RunOutcome {
            exit_code: if timed_out { None } else { status.code() },
            stdout,
            stderr,
            timed_out,
        })
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            kill_group(&mut self.child, Duration::from_secs(3));
            let _ = self.child.wait();
        }
    }
}

fn spawn_reader<R: Read + Send + 'static>(pipe: Option<R>) -> JoinHandle<String> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut p) = pipe {
            let _ = p.read_to_end(&mut buf);
        }
        String::from_utf8_lossy(&buf).into_owned()
    })
}

/// SIGTERM to the child's process group, up to `grace` to stop, then SIGKILL (std has no
/// killpg: kill(1) does it).
fn kill_group(child: &mut Child, grace: Duration) {
    let pgid = child.id();
    let signal = |sig: &str| {
        let _ = Command::new("kill")
            .args(["-s", sig, "--", &format!("-{pgid}")])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    };
    signal("TERM");
    let deadline = Instant::now() + grace;
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    signal("KILL");
    let _ = child.kill();
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn exit_code_and_both_streams_are_kept() {
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "echo out; echo err >&2; echo last err >&2; exit 7"]);
        let out = run_with_timeout(cmd, Some(Duration::from_secs(20))).unwrap();
        assert_eq!(out.exit_code, Some(7));
        assert_eq!((out.stdout.as_str(), out.stderr.as_str()), ("out\n", "err\nlast err\n"));
        assert_eq!(out.last_stderr_line(), "last err");
        let buildah = RunOutcome {
            stderr: "listen tcp :80: bind: permission denied\nsubprocess exited with status 1\n\
                     subprocess exited with status 1\nError: exit status 1\n"
                .into(),
            ..RunOutcome::default()
        };
        assert_eq!(buildah.last_stderr_line(), "listen tcp :80: bind: permission denied");
        assert_eq!(out.status_text(), "exit 7");
    }

    #[test]
    fn a_background_child_is_stopped_with_its_output() {
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "echo serving; exec sleep 30"]);
        let mut bg = Background::spawn(cmd).unwrap();
        std::thread::sleep(Duration::from_millis(200));
        assert!(bg.alive().unwrap());
        let t = Instant::now();
        let out = bg.stop(Duration::ZERO, true).unwrap();
        assert!(t.elapsed() < Duration::from_secs(10));
        assert!(out.timed_out && out.exit_code.is_none());
        assert_eq!(out.stdout, "serving\n");
    }

    #[test]
    fn a_background_child_that_ends_keeps_its_exit_code() {
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "echo bye >&2; exit 4"]);
        let bg = Background::spawn(cmd).unwrap();
        let out = bg.stop(Duration::from_secs(10), false).unwrap();
        assert_eq!(out.exit_code, Some(4));
        assert_eq!(out.status_text(), "exit 4");
    }
}
