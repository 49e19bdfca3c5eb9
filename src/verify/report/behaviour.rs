//! The behaviour comparison: how two runs of a program ended and what they printed, or how two
//! servers answered the same requests.

use crate::verify::probe::{Answer, Observed};
use crate::verify::proc::RunOutcome;

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

/// Same program output (stdout without a package manager's banner), in the same order or in
/// another ([`reordered`]).
pub fn same_stdout(a: &RunOutcome, b: &RunOutcome) -> bool {
    let (x, y) = (program_output(&a.stdout), program_output(&b.stdout));
    x == y || same_lines(x, y)
}

/// The same lines of program output in another order: what a program prints in an order that
/// varies from run to run (threads, or a hash map's iteration order, as Rocket's list of
/// response headers at start-up), not a difference the rewrite made.
pub fn reordered(a: &RunOutcome, b: &RunOutcome) -> bool {
    let (x, y) = (program_output(&a.stdout), program_output(&b.stdout));
    x != y && same_lines(x, y)
}

/// The same lines, in any order.
fn same_lines(x: &str, y: &str) -> bool {
    let (mut xs, mut ys): (Vec<&str>, Vec<&str>) = (x.lines().collect(), y.lines().collect());
    xs.sort_unstable();
    ys.sort_unstable();
    xs == ys
}

/// The same body, or the same lines of text in another order: a file the build generates in
/// an order that varies from build to build (CSS rules written from a hash map), since the two
/// images are built separately and dockslim never changes a file's content.
fn same_body(x: &[u8], y: &[u8]) -> bool {
    x == y
        || match (std::str::from_utf8(x), std::str::from_utf8(y)) {
            (Ok(x), Ok(y)) => x.len() == y.len() && same_lines(x, y),
            _ => false,
        }
}

/// How two runs of a program differ: how they ended, then their output.
pub fn run_problems(a: &RunOutcome, b: &RunOutcome) -> Vec<String> {
    let mut p = Vec::new();
    if a.timed_out != b.timed_out || a.exit_code != b.exit_code {
        let mut line = format!(
            "the runs ended differently: original {}, rewritten {}",
            a.status_text(),
            b.status_text()
        );
        if b.exit_code.is_some_and(|c| c != 0) && !b.last_stderr_line().is_empty() {
            line.push_str(&format!(" ({})", clip(b.last_stderr_line(), 160)));
        }
        p.push(line);
    }
    if !same_stdout(a, b) {
        p.push("stdout differs".to_string());
    }
    p
}

/// How the two images behaved differently: one line per difference, the first difference of
/// a server's answers only.
pub fn behaviour_problems(original: &Observed, rewritten: &Observed, port: Option<u16>) -> Vec<String> {
    let p = port.unwrap_or(0);
    let ended = |o: &RunOutcome| {
        let mut s = format!("{} before port {p} accepted connections", o.status_text());
        if !o.last_stderr_line().is_empty() {
            s.push_str(&format!(" ({})", clip(o.last_stderr_line(), 160)));
        }
        s
    };
    match (original, rewritten) {
        (Observed::Ran(a), Observed::Ran(b)) => run_problems(a, b),
        (Observed::NeverListened { output: a, .. }, Observed::NeverListened { output: b, .. }) => run_problems(a, b),
        (
            Observed::Served {
                answers: a,
                other_ports: pa,
                ..
            },
            Observed::Served {
                answers: b,
                other_ports: pb,
                ..
            },
        ) => {
            let mut out: Vec<String> = first_answer_difference(a, b).into_iter().collect();
            for ((port, x), (_, y)) in pa.iter().zip(pb) {
                if x != y {
                    out.push(format!(
                        "port {port}: {} in the original, {} in the rewrite",
                        open_text(*x),
                        open_text(*y)
                    ));
                }
            }
            out
        }
        (Observed::Served { .. }, Observed::Ran(b)) => {
            vec![format!(
                "port {p}: the original served, the rewritten image ended with {}",
                ended(b)
            )]
        }
        (Observed::Ran(a), Observed::Served { .. }) => {
            vec![format!(
                "port {p}: the original ended with {}, the rewritten image served",
                ended(a)
            )]
        }
        (Observed::Served { .. } | Observed::Ran(_), Observed::NeverListened { .. }) => {
            vec![format!(
                "port {p}: the rewritten image kept running but never accepted connections ({})",
                summary(original)
            )]
        }
        (Observed::NeverListened { .. }, Observed::Served { .. } | Observed::Ran(_)) => vec![format!(
            "port {p}: the original kept running without accepting connections, the rewritten image {}",
            summary(rewritten)
        )],
    }
}

fn summary(o: &Observed) -> String {
    match o {
        Observed::Served { .. } => "the original served".to_string(),
        Observed::Ran(r) => format!("ended with {}", r.status_text()),
        Observed::NeverListened { .. } => "never accepted connections".to_string(),
    }
}

fn open_text(open: bool) -> &'static str {
    if open { "accepts connections" } else { "closed" }
}

/// The first request whose answers differ, as one line.
pub fn first_answer_difference(a: &[(String, Answer)], b: &[(String, Answer)]) -> Option<String> {
    a.iter().zip(b).find_map(|((path, x), (_, y))| {
        let why = answer_difference(x, y)?;
        Some(format!("GET {path}: {why}"))
    })
}

fn answer_difference(x: &Answer, y: &Answer) -> Option<String> {
    match (x, y) {
        (Ok(a), Ok(b)) => {
            if a.status != b.status || a.content_type != b.content_type || a.location != b.location {
                Some(format!("original {}, rewritten {}", describe(x), describe(y)))
            } else if !same_body(&a.body, &b.body) {
                Some(format!(
                    "the bodies differ (original {} bytes, rewritten {} bytes)",
                    a.body.len(),
                    b.body.len()
                ))
            } else {
                None
            }
        }
        (Err(a), Err(b)) if a == b => None,
        _ => Some(format!("original {}, rewritten {}", describe(x), describe(y))),
    }
}

/// `200 text/css (27 bytes)`, `301 -> /new/`, or `no answer: ...`.
pub fn describe(a: &Answer) -> String {
    match a {
        Ok(r) => {
            let mut s = r.status.to_string();
            if let Some(t) = &r.content_type {
                s.push_str(&format!(" {t}"));
            }
            if let Some(l) = &r.location {
                s.push_str(&format!(" -> {l}"));
            }
            s.push_str(&format!(
                " ({} bytes{})",
                r.body.len(),
                if r.truncated { ", cut" } else { "" }
            ));
            s
        }
        Err(e) => format!("no answer: {e}"),
    }
}

fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::probe::http::{HttpError, Response};

    fn ok(out: &str) -> RunOutcome {
        RunOutcome {
            exit_code: Some(0),
            stdout: out.to_string(),
            ..RunOutcome::default()
        }
    }

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

    #[test]
    fn bodies_compare_by_bytes_or_by_text_lines_in_any_order() {
        // CSS rules written from a hash map at build time (scoreboard: maplant/my-website).
        assert!(same_body(b".a {}\n.b {}\n", b".b {}\n.a {}\n"));
        assert!(same_body(b"\xff\x00", b"\xff\x00"));
        assert!(!same_body(b"\xff\x00", b"\x00\xff"));
        assert!(!same_body(b".a {}\n.b {}\n", b".a {}\n.c {}\n"));
        assert!(!same_body(b".a {}\n", b".a {}\n.a {}\n"));
    }

    #[test]
    fn runs_compare_by_end_and_output() {
        assert!(run_problems(&ok("hi\n"), &ok("hi\n")).is_empty());
        assert_eq!(run_problems(&ok("hi\n"), &ok("ho\n")), ["stdout differs"]);
        // The same lines in another order are the same output; another line is not.
        assert!(run_problems(&ok("a\nb\nc\n"), &ok("b\na\nc\n")).is_empty());
        assert!(reordered(&ok("a\nb\n"), &ok("b\na\n")));
        assert!(!reordered(&ok("a\nb\n"), &ok("a\nb\n")));
        assert_eq!(run_problems(&ok("a\nb\n"), &ok("b\nb\n")), ["stdout differs"]);
        assert_eq!(run_problems(&ok("a\nb\n"), &ok("b\n")), ["stdout differs"]);
        let mut failed = ok("");
        failed.exit_code = Some(1);
        failed.stderr = "loading\nno CA certificates in the system pool\n".into();
        let p = run_problems(&ok("CA pool: ok\n"), &failed);
        assert_eq!(
            p,
            [
                "the runs ended differently: original exit 0, rewritten exit 1 (no CA certificates in the system pool)",
                "stdout differs"
            ]
        );
    }

    fn resp(status: u16, ct: &str, body: &str) -> Answer {
        Ok(Response {
            status,
            content_type: Some(ct.to_string()),
            location: None,
            body: body.as_bytes().to_vec(),
            truncated: false,
        })
    }

    fn served(answers: Vec<(&str, Answer)>) -> Observed {
        Observed::Served {
            answers: answers.into_iter().map(|(p, a)| (p.to_string(), a)).collect(),
            other_ports: vec![],
            output: RunOutcome::default(),
        }
    }

    #[test]
    fn servers_compare_by_their_first_different_answer() {
        let a = served(vec![
            ("/", resp(200, "text/html", "<h1>hi</h1>")),
            ("/static/style.css", resp(200, "text/css; charset=utf-8", "body{}")),
            ("/style.css", resp(404, "text/plain", "404 page not found\n")),
        ]);
        assert!(behaviour_problems(&a, &a.clone(), Some(8080)).is_empty());
        let b = served(vec![
            ("/", resp(200, "text/html", "<h1>hi</h1>")),
            (
                "/static/style.css",
                resp(404, "text/plain; charset=utf-8", "404 page not found\n"),
            ),
            ("/style.css", resp(500, "text/plain", "boom")),
        ]);
        assert_eq!(
            behaviour_problems(&a, &b, Some(8080)),
            [
                "GET /static/style.css: original 200 text/css; charset=utf-8 (6 bytes), rewritten 404 text/plain; charset=utf-8 (19 bytes)"
            ]
        );
        let c = served(vec![("/", resp(200, "text/html", "<h1>ho</h1>"))]);
        assert_eq!(
            behaviour_problems(&a, &c, Some(8080)),
            ["GET /: the bodies differ (original 11 bytes, rewritten 11 bytes)"]
        );
        let d = served(vec![("/", Err(HttpError::Io("reset".into())))]);
        assert_eq!(
            behaviour_problems(&a, &d, Some(8080)),
            ["GET /: original 200 text/html (11 bytes), rewritten no answer: reset"]
        );
    }

    #[test]
    fn a_server_that_does_not_start_is_named() {
        let a = served(vec![("/", resp(200, "text/html", "x"))]);
        let mut crashed = ok("");
        crashed.exit_code = Some(1);
        crashed.stderr = "listen tcp :80: bind: permission denied\n".into();
        assert_eq!(
            behaviour_problems(&a, &Observed::Ran(crashed.clone()), Some(80)),
            [
                "port 80: the original served, the rewritten image ended with exit 1 before port 80 accepted connections (listen tcp :80: bind: permission denied)"
            ]
        );
        let never = Observed::NeverListened {
            port: 80,
            output: RunOutcome::default(),
        };
        assert!(behaviour_problems(&a, &never, Some(80))[0].contains("never accepted connections"));
        // both ended before listening: compared as programs
        assert!(behaviour_problems(&Observed::Ran(ok("x")), &Observed::Ran(ok("x")), Some(80)).is_empty());
    }
}
