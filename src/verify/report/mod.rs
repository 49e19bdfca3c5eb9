//! The report of one verification: the comparisons ([`behaviour`], [`files`], [`config`]) and
//! the verdict, with the sizes, what each image did, and one line per reason it failed.

use std::fmt;

pub mod behaviour;
pub mod config;
pub mod files;

use crate::verify::engine::Engine;
use crate::verify::probe::Observed;
use crate::verify::tail_lines;
use config::ConfigDiff;
use files::FilesCheck;

/// At most this many dropped files are named in a line.
const NAMED_FILES: usize = 8;

/// The result of a verification whose two builds succeeded.
#[derive(Debug, Clone)]
pub struct VerifyReport {
    pub engine: Engine,
    /// Size of the original image, in bytes.
    pub before_bytes: u64,
    /// Size of the rewritten image, in bytes.
    pub after_bytes: u64,
    /// The ports the images were probed on as servers (empty: run as programs).
    pub ports: Vec<u16>,
    /// The paths requested from each server.
    pub paths: Vec<String>,
    pub original: Observed,
    pub rewritten: Observed,
    /// The application files the rewrite dropped.
    pub files: FilesCheck,
    /// How the image configs differ.
    pub config: Vec<ConfigDiff>,
}

impl VerifyReport {
    /// How the two images behaved differently (run or served), one line each.
    pub fn behaviour_problems(&self) -> Vec<String> {
        behaviour::behaviour_problems(&self.original, &self.rewritten, self.ports.first().copied())
    }

    /// Same exit code and program output, or the same answers from the servers.
    pub fn same_behaviour(&self) -> bool {
        self.behaviour_problems().is_empty()
    }

    /// What "same behaviour" rests on, for the verdict: the answers or output compared, or, when
    /// neither image's port ever accepted a connection, only that both kept running (the
    /// program may listen elsewhere than its EXPOSE says).
    fn behaviour_seen(&self) -> String {
        match (&self.original, &self.rewritten) {
            (Observed::NeverListened { port, .. }, Observed::NeverListened { .. }) => format!(
                "same behaviour as far as seen: both kept running, but port {port} accepted \
                 connections on neither, so no response was compared"
            ),
            _ => "same behaviour".to_string(),
        }
    }

    /// The rewritten image is not larger than the original.
    pub fn not_larger(&self) -> bool {
        self.after_bytes <= self.before_bytes
    }

    /// Same behaviour, no application file dropped that the program may read, no config
    /// change that was not announced, not larger.
    pub fn passed(&self) -> bool {
        self.problems().is_empty()
    }

    /// after / before (0 when the original's size is 0).
    pub fn ratio(&self) -> f64 {
        if self.before_bytes == 0 {
            0.0
        } else {
            self.after_bytes as f64 / self.before_bytes as f64
        }
    }

    /// `dropped N files the program may read: a, b (and K more)`, when any.
    pub fn files_problem(&self) -> Option<String> {
        let may_read = &self.files.may_read;
        if may_read.is_empty() {
            return None;
        }
        Some(format!(
            "dropped {} the program may read: {}",
            plural(may_read.len(), "file"),
            name_some(may_read)
        ))
    }

    /// The reasons the verification failed, one line each (empty when it passed).
    pub fn problems(&self) -> Vec<String> {
        let mut p = self.behaviour_problems();
        p.extend(self.files_problem());
        p.extend(self.config.iter().filter(|d| !d.announced).map(ToString::to_string));
        if !self.not_larger() {
            p.push(format!(
                "the rewritten image is larger ({} > {})",
                human_bytes(self.after_bytes),
                human_bytes(self.before_bytes)
            ));
        }
        p
    }

    fn observed_line(&self, o: &Observed) -> String {
        match o {
            Observed::Ran(r) => {
                let how = if self.ports.is_empty() {
                    String::new()
                } else {
                    format!(" before port {} accepted connections", self.ports[0])
                };
                format!(
                    "{}{how}, {} bytes of stdout, {} bytes of stderr",
                    r.status_text(),
                    r.stdout.len(),
                    r.stderr.len()
                )
            }
            Observed::Served { answers, .. } => {
                let codes: Vec<String> = answers
                    .iter()
                    .map(|(p, a)| match a {
                        Ok(r) => format!("{p} {}", r.status),
                        Err(_) => format!("{p} no answer"),
                    })
                    .collect();
                format!("served: {}", codes.join(", "))
            }
            Observed::NeverListened { port, .. } => {
                format!("kept running, port {port} never accepted connections")
            }
        }
    }

    fn fmt_files(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.files;
        if c.dirs.is_empty() {
            return writeln!(
                f,
                "files:     not compared (WORKDIR is / and the program lives in a system directory)"
            );
        }
        write!(
            f,
            "files:     {}: {} in the original",
            c.dirs.join(", "),
            plural(c.original_entries, "entry")
        )?;
        if c.dropped() == 0 {
            return writeln!(f, ", none dropped");
        }
        writeln!(
            f,
            "; dropped {} ({} build-only by the rewrite's rules)",
            c.dropped(),
            c.build_only.len()
        )?;
        match self.files_problem() {
            Some(line) => writeln!(f, "           {line}"),
            None => Ok(()),
        }
    }
}

fn plural(n: usize, what: &str) -> String {
    match (n, what) {
        (1, _) => format!("1 {what}"),
        (_, "entry") => format!("{n} entries"),
        _ => format!("{n} {what}s"),
    }
}

fn name_some(items: &[String]) -> String {
    let mut s = items.iter().take(NAMED_FILES).cloned().collect::<Vec<_>>().join(", ");
    if items.len() > NAMED_FILES {
        s.push_str(&format!(" (and {} more)", items.len() - NAMED_FILES));
    }
    s
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
        if !self.ports.is_empty() {
            let ports: Vec<String> = self.ports.iter().map(u16::to_string).collect();
            writeln!(f, "server:    port {}, GET {}", ports.join(", "), self.paths.join(" "))?;
        }
        writeln!(f, "original:  {}", self.observed_line(&self.original))?;
        writeln!(f, "rewritten: {}", self.observed_line(&self.rewritten))?;
        self.fmt_files(f)?;
        if self.config.is_empty() {
            writeln!(
                f,
                "config:    same user, env, workdir, entrypoint, cmd and exposed ports"
            )?;
        } else {
            writeln!(f, "config:    {} differ:", plural(self.config.len(), "field"))?;
            for d in &self.config {
                writeln!(f, "  - {d}")?;
            }
        }
        let problems = self.problems();
        if problems.is_empty() {
            writeln!(
                f,
                "verdict:   PASS ({}, no application file dropped the program may read, \
                 only announced config changes, image not larger)",
                self.behaviour_seen()
            )?;
        } else {
            writeln!(f, "verdict:   FAIL")?;
            for p in &problems {
                writeln!(f, "  - {p}")?;
            }
        }
        let (a, b) = (self.original.output(), self.rewritten.output());
        if matches!((&self.original, &self.rewritten), (Observed::Ran(_), Observed::Ran(_))) && a.stdout != b.stdout {
            if behaviour::reordered(a, b) {
                writeln!(
                    f,
                    "stdout:    the same lines in another order (the program's order varies between runs)"
                )?;
            } else {
                write!(f, "{}", diff_hint(&a.stdout, &b.stdout))?;
            }
        }
        if !self.same_behaviour() && !b.stderr.trim().is_empty() {
            writeln!(f, "stderr of the rewritten run (last lines):")?;
            for line in tail_lines(&b.stderr, 10) {
                writeln!(f, "  | {line}")?;
            }
        }
        Ok(())
    }
}

/// `3.0 MB`, `812 B`.
pub fn human_bytes(b: u64) -> String {
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
    use crate::verify::proc::RunOutcome;

    fn report(a: RunOutcome, b: RunOutcome, before: u64, after: u64) -> VerifyReport {
        VerifyReport {
            engine: Engine::Buildah,
            before_bytes: before,
            after_bytes: after,
            ports: vec![],
            paths: vec![],
            original: Observed::Ran(a),
            rewritten: Observed::Ran(b),
            files: FilesCheck::default(),
            config: vec![],
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
    fn a_pass_without_any_answer_says_so() {
        // masneto/cronicas-app: EXPOSE 3000, the server listens on 8080.
        let never = |o: RunOutcome| Observed::NeverListened { port: 3000, output: o };
        let mut r = report(ok(""), ok(""), 1000, 10);
        (r.original, r.rewritten, r.ports) = (never(ok("")), never(ok("")), vec![3000]);
        let text = r.to_string();
        assert!(r.passed(), "{text}");
        assert!(
            text.contains("PASS (same behaviour as far as seen: both kept running, but port 3000 accepted connections on neither, so no response was compared, no application file"),
            "{text}"
        );
        // Output that was compared keeps the plain wording.
        assert!(
            report(ok("hi\n"), ok("hi\n"), 1000, 10)
                .to_string()
                .contains("PASS (same behaviour, no")
        );
    }

    #[test]
    fn the_same_lines_in_another_order_pass_and_say_so() {
        // Rocket prints its default response headers in hash-map order (scoreboard:
        // cdesch/hello_rust_web).
        let r = report(
            ok("start\n>> X-Frame-Options\n>> Permissions-Policy\n"),
            ok("start\n>> Permissions-Policy\n>> X-Frame-Options\n"),
            1000,
            10,
        );
        let text = r.to_string();
        assert!(r.passed(), "{text}");
        assert!(text.contains("stdout:    the same lines in another order"), "{text}");
        assert!(!text.contains("first differs"), "{text}");
    }

    #[test]
    fn dropped_files_and_config_changes_fail_one_line_each() {
        let mut r = report(ok("x"), ok("x"), 1000, 10);
        r.files = FilesCheck {
            dirs: vec!["/app".into()],
            original_entries: 12,
            build_only: vec!["/app/main.go".into()],
            may_read: vec!["/app/.env".into()],
        };
        r.config = vec![
            ConfigDiff {
                field: "cmd".into(),
                original: "[\"./server\"]".into(),
                rewritten: "[\"/app/server\"]".into(),
                announced: true,
            },
            ConfigDiff {
                field: "user".into(),
                original: "root (none set)".into(),
                rewritten: "65532".into(),
                announced: false,
            },
        ];
        assert_eq!(
            r.problems(),
            [
                "dropped 1 file the program may read: /app/.env",
                "user: original root (none set), rewritten 65532 (not announced)"
            ]
        );
        let text = r.to_string();
        assert!(
            text.contains("files:     /app: 12 entries in the original; dropped 2 (1 build-only"),
            "{text}"
        );
        assert!(
            text.contains("  - cmd: original [\"./server\"], rewritten [\"/app/server\"] (announced)"),
            "{text}"
        );
        assert!(text.contains("verdict:   FAIL\n  - dropped 1 file"), "{text}");
        // only build-only files dropped and only announced changes: passes
        r.files.may_read.clear();
        r.config.remove(1);
        assert!(r.passed(), "{r}");
    }

    #[test]
    fn many_dropped_files_are_counted_not_all_named() {
        let mut r = report(ok(""), ok(""), 1, 1);
        r.files.dirs = vec!["/srv".into()];
        r.files.may_read = (0..20).map(|i| format!("/srv/f{i:02}")).collect();
        let line = r.files_problem().unwrap();
        assert!(
            line.starts_with("dropped 20 files the program may read: /srv/f00, /srv/f01"),
            "{line}"
        );
        assert!(line.ends_with("/srv/f07 (and 12 more)"), "{line}");
    }

    #[test]
    fn sizes_read_well() {
        assert_eq!(human_bytes(812), "812 B");
        assert_eq!(human_bytes(3_027_556), "3.0 MB");
        assert_eq!(human_bytes(1_234_000_000), "1.2 GB");
    }
}
