//! The comparisons: what the two images did (a program's exit code and output, or a server's
//! answers), which application files the rewrite dropped, and how the image configs differ.
//! Each returns plain data that [`super::report`] turns into the verdict.

use std::collections::BTreeSet;

use crate::summary::ConfigChange;

use super::engine::ImageConfig;
use super::files::{Listing, is_under};
use super::proc::RunOutcome;
use super::run::{Answer, Observed};

// ------------------------------------------------------------------------------------------------
// behaviour

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

/// Same program output (stdout without a package manager's banner).
pub fn same_stdout(a: &RunOutcome, b: &RunOutcome) -> bool {
    program_output(&a.stdout) == program_output(&b.stdout)
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
            } else if a.body != b.body {
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

// ------------------------------------------------------------------------------------------------
// files

/// Directories that belong to the system or a toolchain, never to the application.
const SYSTEM_DIRS: [&str; 8] = [
    "/",
    "/bin",
    "/sbin",
    "/usr/bin",
    "/usr/sbin",
    "/usr/local/bin",
    "/usr/local/sbin",
    "/usr/local",
];

/// The application directories of an image: its WORKDIR (unless `/`), and the directory of the
/// program its ENTRYPOINT/CMD starts, when that is named by a path (`./server`, `/app/bin/x`) and
/// is neither a system directory nor on the image's PATH (a toolchain's `bin`). A shell form's
/// first word counts as the program.
pub fn app_dirs(config: &ImageConfig) -> Vec<String> {
    let workdir = normalize_dir(config.workdir_or_root());
    let mut dirs = Vec::new();
    if workdir != "/" {
        dirs.push(workdir.clone());
    }
    let path_dirs: Vec<String> = config
        .env_var("PATH")
        .unwrap_or("")
        .split(':')
        .filter(|d| !d.is_empty())
        .map(normalize_dir)
        .collect();
    if let Some(program) = program_of(&config.argv())
        && program.contains('/')
    {
        let abs = if program.starts_with('/') {
            program
        } else {
            format!("{}/{program}", workdir.trim_end_matches('/'))
        };
        let parent = normalize_dir(
            abs.rsplit_once('/')
                .map_or("/", |(d, _)| if d.is_empty() { "/" } else { d }),
        );
        let system = SYSTEM_DIRS.contains(&parent.as_str()) || path_dirs.contains(&parent);
        if !system && !dirs.iter().any(|d| parent == *d || is_under(&parent, d)) {
            dirs.push(parent);
        }
    }
    dirs
}

/// The program an argv starts: its first word, or for `sh -c SCRIPT` the script's first word
/// (after `exec` and variable assignments).
fn program_of(argv: &[String]) -> Option<String> {
    let first = argv.first()?;
    let shell = ["sh", "bash", "ash", "dash"].contains(&first.rsplit('/').next().unwrap_or(""));
    if shell && argv.get(1).map(String::as_str) == Some("-c") {
        let script = argv.get(2)?;
        return script
            .split_whitespace()
            .find(|w| *w != "exec" && !w.contains('='))
            .map(|w| w.trim_matches(|c| c == '"' || c == '\'').to_string());
    }
    Some(first.clone())
}

/// `/a/b/./c/` → `/a/b/c`; `.`/`..` elements resolved; always absolute.
fn normalize_dir(d: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for p in d.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

/// What the files check found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FilesCheck {
    /// The application directories compared.
    pub dirs: Vec<String>,
    /// How many entries the original holds there.
    pub original_entries: usize,
    /// Dropped entries that the rewrite's rules call build-only.
    pub build_only: Vec<String>,
    /// Dropped entries the program may read: each fails verification.
    pub may_read: Vec<String>,
}

impl FilesCheck {
    /// Every entry present in the original and absent from the rewrite.
    pub fn dropped(&self) -> usize {
        self.build_only.len() + self.may_read.len()
    }
}

/// Compares the application directories: what the original holds there and the rewrite does
/// not, split by the build-only globs.
pub fn files_check(dirs: &[String], original: &Listing, rewritten: &Listing, build_only: &[String]) -> FilesCheck {
    let present = |e: &str| {
        let path = e.trim_end_matches('/');
        rewritten.entries.contains(path)
            || rewritten.entries.contains(&format!("{path}/"))
            || rewritten.under(path).next().is_some()
    };
    let mut check = FilesCheck {
        dirs: dirs.to_vec(),
        original_entries: original.entries.len(),
        ..FilesCheck::default()
    };
    for e in &original.entries {
        if present(e) {
            continue;
        }
        let path = e.trim_end_matches('/');
        if build_only.iter().any(|g| glob(g, path)) {
            check.build_only.push(e.clone());
        } else {
            check.may_read.push(e.clone());
        }
    }
    check
}

/// Whether absolute `path` matches glob `pattern`: `*` and `?` within one path element, `**`
/// as a whole element any number of elements (none included).
pub fn glob(pattern: &str, path: &str) -> bool {
    let p: Vec<&str> = pattern.split('/').filter(|s| !s.is_empty()).collect();
    let t: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    // ok[j]: p[..i] matches t[..j]
    let mut ok = vec![false; t.len() + 1];
    ok[0] = true;
    for pe in &p {
        let mut next = vec![false; t.len() + 1];
        if *pe == "**" {
            let mut any = false;
            for j in 0..=t.len() {
                any |= ok[j];
                next[j] = any;
            }
        } else {
            for j in 1..=t.len() {
                next[j] = ok[j - 1] && element_match(pe.as_bytes(), t[j - 1].as_bytes());
            }
        }
        ok = next;
    }
    ok[t.len()]
}

/// `*` and `?` wildcard match of one path element.
fn element_match(p: &[u8], t: &[u8]) -> bool {
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == b'?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

// ------------------------------------------------------------------------------------------------
// config

/// One difference between the two image configs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigDiff {
    /// `user`, `env NAME`, `workdir`, `entrypoint`, `cmd` or `exposed ports`.
    pub field: String,
    pub original: String,
    pub rewritten: String,
    /// The rewrite announced this change (see [`ConfigChange`]).
    pub announced: bool,
}

impl std::fmt::Display for ConfigDiff {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: original {}, rewritten {} ({})",
            self.field,
            self.original,
            self.rewritten,
            if self.announced { "announced" } else { "not announced" }
        )
    }
}

/// The ENV a Dockerfile's final stage sets itself (through `FROM <stage>` chains), as
/// `(name, value as written)`; what its base images set is not in it.
pub fn dockerfile_env(text: &str) -> Result<Vec<(String, String)>, String> {
    use crate::parse::Instruction;
    let (_, body) = crate::parse::strip_bom(text);
    let df = crate::parse::parse(body).map_err(|e| format!("parse error at line {}: {}", e.line, e.message))?;
    struct Stage {
        name: Option<String>,
        env: Vec<(String, String)>,
    }
    let mut stages: Vec<Stage> = Vec::new();
    for ins in &df.instructions {
        match ins {
            Instruction::From(f) => {
                let base = f.image.value.to_ascii_lowercase();
                let env = stages
                    .iter()
                    .rev()
                    .find(|s| s.name.as_deref() == Some(base.as_str()))
                    .map(|s| s.env.clone())
                    .unwrap_or_default();
                let name = f.as_.as_ref().map(|(_, n)| n.value.to_ascii_lowercase());
                stages.push(Stage { name, env });
            }
            Instruction::Env(e) => {
                if let Some(s) = stages.last_mut() {
                    s.env.extend(crate::detect::parse_env(&e.arguments.value, df.escape));
                }
            }
            _ => {}
        }
    }
    Ok(stages.pop().map(|s| s.env).unwrap_or_default())
}

/// The users' identities as comparable text: `root` for none, 0 or root; names resolved to
/// numbers through each image's /etc/passwd; a group equal to the user's own primary group left out.
pub fn user_identity(user: &str, passwd: Option<&str>) -> String {
    let (u, g) = match user.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (user, None),
    };
    let entry = passwd.and_then(|p| {
        p.lines()
            .map(|l| l.split(':').collect::<Vec<_>>())
            .find(|f| f.len() >= 4 && (f[0] == u || (f[2] == u && !u.is_empty())))
    });
    let uid = match (u, &entry) {
        ("" | "root" | "0", _) => "0".to_string(),
        (_, Some(f)) => f[2].to_string(),
        (u, None) => u.to_string(),
    };
    let primary = entry
        .as_ref()
        .map(|f| f[3].to_string())
        .or((uid == "0").then(|| "0".to_string()));
    let group = g.filter(|g| {
        let g_num = if *g == "root" { "0" } else { g };
        Some(g_num.to_string()) != primary
    });
    let uid = if uid == "0" { "root".to_string() } else { uid };
    match group {
        Some(g) => format!("{uid}:{g}"),
        None => uid,
    }
}

/// Everything [`config_diffs`] compares beside the two configs.
pub struct ConfigInputs<'a> {
    /// ENV the original Dockerfile sets itself ([`dockerfile_env`]).
    pub original_env: &'a [(String, String)],
    /// ENV the rewritten Dockerfile sets itself.
    pub rewritten_env: &'a [(String, String)],
    /// Each image's /etc/passwd.
    pub original_passwd: Option<&'a str>,
    pub rewritten_passwd: Option<&'a str>,
    /// The changes the rewrite announced.
    pub announced: &'a [ConfigChange],
}

/// The differences between the configs: user, the ENV the Dockerfiles set themselves, workdir,
/// entrypoint, cmd, exposed ports.
pub fn config_diffs(original: &ImageConfig, rewritten: &ImageConfig, inputs: &ConfigInputs<'_>) -> Vec<ConfigDiff> {
    let announced = |c: ConfigChange| inputs.announced.contains(&c);
    let mut out = Vec::new();
    let mut diff = |field: String, o: String, r: String, ann: bool| {
        if o != r {
            out.push(ConfigDiff {
                field,
                original: o,
                rewritten: r,
                announced: ann,
            });
        }
    };
    let (uo, ur) = (
        user_identity(&original.user, inputs.original_passwd),
        user_identity(&rewritten.user, inputs.rewritten_passwd),
    );
    if uo != ur {
        let shown = |u: &str| {
            if u.is_empty() {
                "root (none set)".to_string()
            } else {
                u.to_string()
            }
        };
        diff(
            "user".into(),
            shown(&original.user),
            shown(&rewritten.user),
            announced(ConfigChange::User),
        );
    }
    let keys: BTreeSet<&str> = inputs
        .original_env
        .iter()
        .chain(inputs.rewritten_env)
        .map(|(k, _)| k.as_str())
        .collect();
    let written = |env: &[(String, String)], k: &str| env.iter().rev().find(|(x, _)| x == k).map(|(_, v)| v.clone());
    for k in keys {
        let (o, r) = (original.env_var(k), rewritten.env_var(k));
        if o == r {
            continue;
        }
        // `ENV PATH=/app/bin:$PATH` in both: the difference is the base images'
        let (wo, wr) = (written(inputs.original_env, k), written(inputs.rewritten_env, k));
        if wo.is_some() && wo == wr && wo.as_deref().is_some_and(|v| v.contains('$')) {
            continue;
        }
        let ann = match (o, r) {
            (Some(_), None) => announced(ConfigChange::EnvDropped(k.to_string())),
            _ => announced(ConfigChange::EnvAdded(k.to_string())),
        };
        let shown = |v: Option<&str>| v.map_or("unset".to_string(), |v| format!("{v:?}"));
        diff(format!("env {k}"), shown(o), shown(r), ann);
    }
    diff(
        "workdir".into(),
        normalize_dir(original.workdir_or_root()),
        normalize_dir(rewritten.workdir_or_root()),
        false,
    );
    let words = |w: &[String]| serde_json::to_string(w).unwrap_or_default();
    diff(
        "entrypoint".into(),
        words(&original.entrypoint),
        words(&rewritten.entrypoint),
        announced(ConfigChange::Entrypoint),
    );
    diff(
        "cmd".into(),
        words(&original.cmd),
        words(&rewritten.cmd),
        announced(ConfigChange::Cmd),
    );
    let ports = |c: &ImageConfig| {
        if c.exposed.is_empty() {
            "(none)".to_string()
        } else {
            c.exposed.join(" ")
        }
    };
    diff("exposed ports".into(), ports(original), ports(rewritten), false);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::http::Response;

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
    fn runs_compare_by_end_and_output() {
        assert!(run_problems(&ok("hi\n"), &ok("hi\n")).is_empty());
        assert_eq!(run_problems(&ok("hi\n"), &ok("ho\n")), ["stdout differs"]);
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
        let d = served(vec![("/", Err(crate::verify::http::HttpError::Io("reset".into())))]);
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

    fn config(user: &str, workdir: &str, argv: &[&str], env: &[(&str, &str)]) -> ImageConfig {
        ImageConfig {
            user: user.into(),
            env: env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            workdir: workdir.into(),
            entrypoint: vec![],
            cmd: argv.iter().map(|s| s.to_string()).collect(),
            exposed: vec![],
        }
    }

    #[test]
    fn application_dirs_are_the_workdir_and_the_programs_dir() {
        let path = (
            "PATH",
            "/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        );
        assert_eq!(app_dirs(&config("", "/app", &["./server"], &[path])), ["/app"]);
        assert_eq!(
            app_dirs(&config("", "/src", &["/opt/app/bin/server"], &[path])),
            ["/src", "/opt/app/bin"]
        );
        assert_eq!(app_dirs(&config("", "/app", &["./bin/server"], &[path])), ["/app"]);
        // programs found on PATH, system and toolchain directories are not the application's
        assert!(app_dirs(&config("", "/", &["hello"], &[path])).is_empty());
        assert!(app_dirs(&config("", "", &["/usr/local/bin/hello"], &[path])).is_empty());
        assert!(app_dirs(&config("", "/", &["/go/bin/app"], &[path])).is_empty());
        assert_eq!(
            app_dirs(&config(
                "",
                "/",
                &["/bin/sh", "-c", "exec /srv/run.sh --port 80"],
                &[path]
            )),
            ["/srv"]
        );
        assert_eq!(
            app_dirs(&config("", "/srv/../srv/app/", &["node", "x.js"], &[])),
            ["/srv/app"]
        );
    }

    #[test]
    fn globs() {
        assert!(glob("/app/**", "/app/a/b/c.go"));
        assert!(glob("/app/**/*.go", "/app/main.go"));
        assert!(glob("/app/**/*.go", "/app/internal/x/y.go"));
        assert!(!glob("/app/**/*.go", "/app/static/y.css"));
        assert!(glob("/app/*.go", "/app/main.go"));
        assert!(!glob("/app/*.go", "/app/x/main.go"));
        assert!(glob("/app/go.???", "/app/go.mod"));
        assert!(glob("/app/target/**", "/app/target"));
        assert!(!glob("/app/target/**", "/app/targets/x"));
        assert!(glob("/**/.git/**", "/src/repo/.git/HEAD"));
        assert!(glob("/a/*b*c", "/a/xxbyyc"));
        assert!(!glob("/a/*b*c", "/a/xxbyy"));
    }

    fn listing(paths: &[&str]) -> Listing {
        Listing {
            entries: paths.iter().map(|s| s.to_string()).collect(),
            passwd: None,
        }
    }

    #[test]
    fn dropped_files_are_split_by_the_build_only_rules() {
        let orig = listing(&[
            "/app/.env",
            "/app/go.mod",
            "/app/main.go",
            "/app/server",
            "/app/static/style.css",
            "/app/uploads/",
            "/app/cache/",
        ]);
        let new = listing(&["/app/server", "/app/cache/x"]);
        let c = files_check(
            &["/app".into()],
            &orig,
            &new,
            &["/app/*.go".into(), "/app/go.mod".into()],
        );
        assert_eq!(c.build_only, ["/app/go.mod", "/app/main.go"]);
        assert_eq!(c.may_read, ["/app/.env", "/app/static/style.css", "/app/uploads/"]);
        assert_eq!((c.dropped(), c.original_entries), (5, 7));
        let none = files_check(&["/app".into()], &orig, &orig, &[]);
        assert_eq!(none.dropped(), 0);
    }

    #[test]
    fn users_compare_by_identity() {
        let passwd = "root:x:0:0:root:/root:/bin/sh\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n";
        assert_eq!(user_identity("", None), "root");
        assert_eq!(user_identity("0:0", None), "root");
        assert_eq!(user_identity("root:root", Some(passwd)), "root");
        assert_eq!(user_identity("nonroot", Some(passwd)), "65532");
        assert_eq!(user_identity("65532:65532", Some(passwd)), "65532");
        assert_eq!(user_identity("65532:65532", None), "65532:65532");
        assert_eq!(user_identity("nonroot:staff", Some(passwd)), "65532:staff");
        assert_eq!(user_identity("app", None), "app");
    }

    #[test]
    fn dockerfile_env_is_the_final_stage_chains() {
        let text = "FROM golang:1.22 AS builder\nENV CGO_ENABLED=0 GOFLAGS=-mod=vendor\n\
                    FROM builder AS dev\nENV MODE=dev\n\
                    FROM gcr.io/distroless/static-debian12 AS base\nENV APP_CONFIG=config/app.json\n\
                    FROM base\nENV PATH=/app/bin:$PATH\nENV LEGACY value with spaces\n";
        let env = dockerfile_env(text).unwrap();
        assert_eq!(
            env,
            [
                ("APP_CONFIG".to_string(), "config/app.json".to_string()),
                ("PATH".to_string(), "/app/bin:$PATH".to_string()),
                ("LEGACY".to_string(), "value with spaces".to_string()),
            ]
        );
        assert_eq!(
            dockerfile_env("FROM a AS b\nENV X=1\nFROM b\n").unwrap(),
            [("X".into(), "1".into())]
        );
        assert!(dockerfile_env("RUN x\n").is_err());
    }

    #[test]
    fn config_differences_name_what_was_not_announced() {
        let path = ("PATH", "/go/bin:/usr/bin");
        let mut orig = config(
            "",
            "/app",
            &["./server"],
            &[path, ("APP_MODE", "prod"), ("CGO_ENABLED", "0")],
        );
        orig.exposed = vec!["8080/tcp".into()];
        let mut new = config(
            "65532",
            "/app",
            &["/app/server"],
            &[("PATH", "/usr/bin"), ("HOSTNAME", "0.0.0.0")],
        );
        new.exposed = vec![];
        let orig_env = vec![("APP_MODE".into(), "prod".into()), ("CGO_ENABLED".into(), "0".into())];
        let new_env = vec![("HOSTNAME".into(), "0.0.0.0".into())];
        let announced = [ConfigChange::Cmd, ConfigChange::EnvAdded("HOSTNAME".into())];
        let inputs = ConfigInputs {
            original_env: &orig_env,
            rewritten_env: &new_env,
            original_passwd: None,
            rewritten_passwd: None,
            announced: &announced,
        };
        let lines: Vec<String> = config_diffs(&orig, &new, &inputs)
            .iter()
            .map(|d| d.to_string())
            .collect();
        assert_eq!(
            lines,
            [
                "user: original root (none set), rewritten 65532 (not announced)",
                "env APP_MODE: original \"prod\", rewritten unset (not announced)",
                "env CGO_ENABLED: original \"0\", rewritten unset (not announced)",
                "env HOSTNAME: original unset, rewritten \"0.0.0.0\" (announced)",
                "cmd: original [\"./server\"], rewritten [\"/app/server\"] (announced)",
                "exposed ports: original 8080/tcp, rewritten (none) (not announced)",
            ]
        );
        // PATH is not compared unless a Dockerfile sets it; `$PATH` in both is the bases' difference
        let o = config("", "/", &[], &[("PATH", "/app/bin:/go/bin:/usr/bin")]);
        let n = config("", "/", &[], &[("PATH", "/app/bin:/usr/bin")]);
        let env = vec![("PATH".to_string(), "/app/bin:$PATH".to_string())];
        let inputs = ConfigInputs {
            original_env: &env,
            rewritten_env: &env,
            original_passwd: None,
            rewritten_passwd: None,
            announced: &[],
        };
        assert!(config_diffs(&o, &n, &inputs).is_empty());
    }
}
