//! The files check: the application directories of an image, and which of the files the
//! original holds there the rewrite dropped, split by the rewrite's build-only globs.

use crate::verify::engine::ImageConfig;
use crate::verify::probe::listing::{Listing, is_under};

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
        let parent = normalize_dir(crate::detect::dir_name(&abs));
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
pub(super) fn normalize_dir(d: &str) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn config(user: &str, workdir: &str, argv: &[&str], env: &[(&str, &str)]) -> ImageConfig {
        ImageConfig::with(user, workdir, argv, env)
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
}
