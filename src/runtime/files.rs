//! Files: what the runtime stage copies from the builder. The application directory (the
//! WORKDIR the program starts in) crosses whole, as the build left it: files copied in one by
//! one, files a RUN generated, `.env` files, whatever a later checkout adds. So does every other
//! path the Dockerfile placed (a COPY outside it, a directory a RUN created), and the built
//! binaries. Only what a rule proves build-only stays behind: the language's build-only paths
//! (sources trees outside the app, `vendor/`, cargo's `deps/`...), VCS metadata, caches and
//! temporary directories; those inside a copied directory are removed in the builder first.

use std::collections::HashSet;
use std::hash::BuildHasher;

use foldhash::fast::FixedState;

use super::needs::Need;
use crate::Skip;
use crate::detect::{absolute, ancestors, dir_name, file_name};
use crate::lang::{Input, Program, dockerignored};
use crate::model::steps::Op;
use crate::plan::Carry;

/// The copies and the builder-side cleanup.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Files {
    /// Copies from the builder, in order.
    pub carries: Vec<Carry>,
    /// The paths copied to the same place, for the "already covered" question: each new path
    /// looks up its own ancestors, so merging stays linear in the number of copies.
    same: HashSet<String, FixedState>,
    /// Hashes of what comes before each `/` of the paths in `same` (their ancestors): a new
    /// path that is not here has nothing of `same` inside it. A collision costs a lookup.
    prefixes: HashSet<u64, FixedState>,
    /// Paths removed in the builder after the build.
    pub cleanup: Vec<String>,
    /// What stays behind on purpose, as globs (for the summary and `verify`).
    pub dropped: Vec<String>,
    /// The directories copied whole.
    pub whole: Vec<String>,
}

/// Whether `path` is `dir` or inside it.
pub fn under(path: &str, dir: &str) -> bool {
    let d = dir.trim_end_matches('/');
    path == dir || d.is_empty() || path.strip_prefix(d).is_some_and(|r| r.starts_with('/'))
}

/// Plans the copies. `app` is the directory the program starts in; `needs` name programs the
/// runtime stage runs (a tool the builder put in a system directory is copied only when one
/// of them is it); `chown` owns the program's files (non-root runtime).
pub fn plan(
    input: &Input<'_, '_>,
    prog: &Program,
    app: &str,
    needs: &[Need],
    chown: Option<&str>,
) -> Result<Files, Skip> {
    let at = At {
        input,
        prog,
        needs,
        chown,
    };
    let mut f = Files::with_room(input.model.ops.len() + input.model.copies.len() + prog.artifacts.len() + 1);
    app_dir(&at, app, &mut f);
    placements(&at, &mut f)?;
    run_writes(&at, &mut f);
    extras(&at, &mut f);
    artifacts(&at, &mut f);
    removals(&at, app, &mut f);
    Ok(f)
}

/// What the passes share.
struct At<'a, 'i, 'b> {
    input: &'a Input<'i, 'b>,
    prog: &'a Program,
    needs: &'a [Need],
    chown: Option<&'a str>,
}

impl At<'_, '_, '_> {
    /// Whether `p` is inside a path only the build uses.
    fn build_only(&self, p: &str) -> bool {
        self.prog.build_only.iter().any(|b| under(p, b))
    }

    /// Whether the runtime stage runs `p` (by path or name).
    fn needed(&self, p: &str) -> bool {
        let base = file_name(p);
        self.needs.iter().flat_map(|n| &n.programs).any(|x| x == p || x == base)
    }
}

/// The application directory crosses whole, unless it is a system directory.
fn app_dir(at: &At<'_, '_, '_>, app: &str, f: &mut Files) {
    if !at.input.common.is_system_dir(app) {
        push(f, Carry::owned(app, at.chown));
        f.whole.push(app.to_string());
    }
}

/// Every path a COPY/ADD placed outside the application directory; into a system directory
/// only files it names (a tool there crosses when something runs it).
fn placements(at: &At<'_, '_, '_>, f: &mut Files) -> Result<(), Skip> {
    let (input, common) = (at.input, at.input.common);
    for c in input.model.copies.iter().filter(|c| c.index <= at.prog.split_after) {
        let dest = c.dest.trim_end_matches('/');
        let dest = if dest.is_empty() { "/" } else { dest };
        if f.whole.iter().any(|w| under(dest, w)) || at.build_only(dest) {
            continue;
        }
        let into_dir = c.dest.ends_with('/') || c.sources.len() > 1;
        let named = c
            .sources
            .iter()
            .all(|s| s != "." && !s.contains(['*', '?']) && !input.ctx.is_dir(s));
        let targets: Vec<String> = if !common.is_system_dir(dest) {
            vec![dest.to_string()]
        } else if into_dir && named {
            c.sources.iter().map(|s| absolute(dest, file_name(s))).collect()
        } else {
            return Err(Skip::Unsupported(format!(
                "COPY at line {} puts {} into {dest}, which dockslim cannot copy apart from the system: give the app a WORKDIR of its own",
                input.df.line(c.index),
                c.sources.join(" "),
            )));
        };
        for t in targets {
            let p = dir_name(&t);
            if !(common.is_system_dir(p) && is_bin_dir(p) && !at.needed(&t)) {
                push(f, Carry::owned(&t, None));
            }
        }
    }
    Ok(())
}

/// Every path a RUN created or changed (`mkdir -p /data`, `chown app /var/log/app`), except
/// scratch and build-only paths; a tool or library installed into the system crosses only
/// when the runtime stage runs it.
fn run_writes(at: &At<'_, '_, '_>, f: &mut Files) {
    let common = at.input.common;
    for o in at.input.model.ops.iter().filter(|o| o.index <= at.prog.split_after) {
        let paths = match &o.op {
            Op::Write(p) => p,
            Op::Chown { paths, .. } => paths,
            _ => continue,
        };
        for p in paths {
            if common.is_scratch(p) || common.is_system_dir(p) || at.build_only(p) || f.covers(p) {
                continue;
            }
            let dir = dir_name(p);
            let system = is_bin_dir(dir) || dir.starts_with("/usr/") || dir.starts_with("/lib");
            if !system || at.needed(p) {
                push_uncovered(f, Carry::owned(p, at.chown));
            }
        }
    }
}

/// Extra paths the config names (`copy = [...]`).
fn extras(at: &At<'_, '_, '_>, f: &mut Files) {
    let input = at.input;
    for e in input.extra_copy {
        let rel = e.trim_start_matches("./").trim_end_matches('/');
        let path = if rel.starts_with('/') {
            Some(rel.to_string())
        } else {
            input.model.image_path_of(input.ctx, rel, at.prog.split_after + 1)
        };
        if let Some(p) = path
            && !f.covers(&p)
        {
            push(f, Carry::owned(&p, at.chown));
        }
    }
}

/// The built binaries, unless they already cross inside the application directory.
fn artifacts(at: &At<'_, '_, '_>, f: &mut Files) {
    for a in &at.prog.artifacts {
        let inside = a.from == a.to && f.whole.iter().any(|w| under(&a.to, w)) && !at.build_only(&a.from);
        if !inside {
            push(f, a.clone());
        }
    }
}

/// Build-only paths inside what crosses whole are removed in the builder first (and `.git`,
/// unless the program runs git); every build-only path is reported as dropped.
fn removals(at: &At<'_, '_, '_>, app: &str, f: &mut Files) {
    let (input, prog) = (at.input, at.prog);
    let execs_git = at.needs.iter().flat_map(|n| &n.programs).any(|p| p == "git");
    let mut removals: Vec<String> = prog.build_only.clone();
    if !f.whole.is_empty() && !execs_git && copied_from_context(input, ".git", prog.split_after) {
        removals.push(absolute(app, ".git"));
    }
    for b in removals {
        let inside = f.whole.iter().any(|w| under(&b, w) && b != *w);
        if inside && !prog.artifacts.iter().any(|a| under(&a.from, &b)) {
            f.cleanup.push(b.clone());
        }
        f.dropped.push(b.clone());
        f.dropped.push(format!("{}/**", b.trim_end_matches('/')));
    }
}

/// Whether context path `rel` reaches the image before instruction `split` (a COPY brings it
/// in and `.dockerignore` does not keep it out).
pub fn copied_from_context(input: &Input<'_, '_>, rel: &str, split: usize) -> bool {
    (input.ctx.is_dir(rel) || input.ctx.is_file(rel))
        && !dockerignored(input.ctx, rel)
        && input.model.image_path_of(input.ctx, rel, split + 1).is_some()
}

/// A directory of executables.
fn is_bin_dir(dir: &str) -> bool {
    matches!(
        dir,
        "/bin" | "/sbin" | "/usr/bin" | "/usr/sbin" | "/usr/local/bin" | "/usr/local/sbin"
    )
}

/// The hash `Files` keeps of a path.
fn hash(p: &str) -> u64 {
    FixedState::default().hash_one(p)
}

impl Files {
    /// Empty, with room for about `n` copies.
    fn with_room(n: usize) -> Files {
        Files {
            carries: Vec::with_capacity(n),
            same: HashSet::with_capacity_and_hasher(n, FixedState::default()),
            prefixes: HashSet::with_capacity_and_hasher(2 * n, FixedState::default()),
            ..Files::default()
        }
    }

    /// Whether a path copied to the same place already holds `path`.
    fn covers(&self, path: &str) -> bool {
        ancestors(path).any(|p| self.same.contains(if p.is_empty() { "/" } else { p }))
    }

    /// Records `path` as copied to the same place.
    fn insert_same(&mut self, path: String) {
        for i in path.bytes().enumerate().filter(|(_, b)| *b == b'/').map(|(i, _)| i) {
            self.prefixes.insert(hash(&path[..i]));
        }
        self.same.insert(path);
    }
}

/// `carries` in order, without those another copy to the same place already holds.
pub fn merge(carries: Vec<Carry>) -> Vec<Carry> {
    let mut f = Files::default();
    for c in carries {
        push(&mut f, c);
    }
    f.carries
}

/// Adds a carry unless one already covers it; drops those it covers.
fn push(f: &mut Files, c: Carry) {
    if c.from != c.to {
        f.carries.push(c);
        return;
    }
    if !f.covers(&c.to) {
        push_uncovered(f, c);
    }
}

/// Adds a same-place carry that no other covers; drops those it covers.
fn push_uncovered(f: &mut Files, c: Carry) {
    // Paths inside the new one start with `base/`; only an ancestor of one of them looks.
    let base = c.to.trim_end_matches('/');
    if f.prefixes.contains(&hash(base)) {
        let prefix = format!("{base}/");
        let inside: HashSet<String, FixedState> = f.same.iter().filter(|p| p.starts_with(&prefix)).cloned().collect();
        if !inside.is_empty() {
            f.same.retain(|p| !inside.contains(p));
            f.carries.retain(|x| !(x.from == x.to && inside.contains(&x.to)));
        }
    }
    f.insert_same(c.to.clone());
    f.carries.push(c);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::MemContext;
    use crate::lang::testing::{program, with_input};

    /// The copies' destinations for `text` (split after instruction `split`), or the refusal.
    fn copies(text: &str, ctx: &MemContext, split: usize, needs: &[Need]) -> Result<Vec<String>, String> {
        with_input(text, ctx, |input| {
            let app = input.model.end().workdir.to_string();
            plan(input, &program(split), &app, needs, None)
                .map(|f| f.carries.iter().map(|c| c.to.clone()).collect())
                .map_err(|e| e.to_string())
        })
    }

    #[test]
    fn the_application_directory_and_placements_outside_it() {
        let ctx = MemContext::new()
            .with("app.conf", "x")
            .with("tool", "#!/bin/sh\n")
            .with("main.go", "");
        let df = "FROM golang:1.22\nWORKDIR /srv\nCOPY . .\nCOPY app.conf /etc/app/\nCOPY tool /usr/local/bin/\nCMD [\"x\"]\n";
        assert_eq!(copies(df, &ctx, 4, &[]).unwrap(), ["/srv", "/etc/app"]);
        // A tool in a system directory crosses when something runs it.
        let run = Need {
            what: "CMD".into(),
            shell: false,
            programs: vec!["tool".into()],
        };
        assert_eq!(
            copies(df, &ctx, 4, &[run]).unwrap(),
            ["/srv", "/etc/app", "/usr/local/bin/tool"]
        );
        // No application directory of its own: refused.
        let e = copies("FROM node:20\nCOPY . .\nCMD [\"node\", \"x\"]\n", &ctx, 1, &[]).unwrap_err();
        assert!(e.contains("give the app a WORKDIR"), "{e}");
    }

    #[test]
    fn paths_a_run_creates() {
        let df = "FROM golang:1.22\nWORKDIR /app\nRUN mkdir -p /data /tmp/x /app/logs && curl -o /usr/local/bin/migrate https://e/m\nCMD [\"x\"]\n";
        assert_eq!(copies(df, &MemContext::new(), 2, &[]).unwrap(), ["/app", "/data"]);
    }

    #[test]
    fn build_only_paths_inside_are_removed_first() {
        let ctx = MemContext::new()
            .with("vendor/m.txt", "")
            .with(".git/HEAD", "")
            .with("main.go", "");
        let df = "FROM golang:1.22\nWORKDIR /app\nCOPY . .\nRUN go build -o app .\nCMD [\"./app\"]\n";
        with_input(df, &ctx, |input| {
            let mut prog = program(3);
            prog.build_only = vec!["/app/vendor".into()];
            let f = plan(input, &prog, "/app", &[], None).unwrap();
            assert_eq!(f.cleanup, ["/app/vendor", "/app/.git"]);
            assert!(f.dropped.contains(&"/app/vendor/**".to_string()));
            // A program that runs git keeps .git.
            let git = Need {
                what: "the program".into(),
                shell: false,
                programs: vec!["git".into()],
            };
            assert_eq!(
                plan(input, &prog, "/app", &[git], None).unwrap().cleanup,
                ["/app/vendor"]
            );
        });
    }

    #[test]
    fn paths_under_dirs() {
        assert!(under("/app/x", "/app") && under("/app", "/app") && under("/a", "/"));
        assert!(!under("/apple", "/app"));
    }

    #[test]
    fn covered_carries_merge() {
        let mut f = Files::default();
        push(&mut f, Carry::same("/app/static"));
        push(&mut f, Carry::same("/app"));
        push(&mut f, Carry::same("/app/x"));
        assert_eq!(f.carries, vec![Carry::same("/app")]);
        // A sibling that shares a prefix is neither inside nor covering; `/` covers all.
        let mut f = Files::default();
        for p in ["/opt/a/b", "/opt/ab", "/opt/a", "/srv/x/", "/srv/x"] {
            push(&mut f, Carry::same(p));
        }
        let tos: Vec<&str> = f.carries.iter().map(|c| c.to.as_str()).collect();
        assert_eq!(tos, ["/opt/ab", "/opt/a", "/srv/x"]);
        assert!(f.covers("/opt/a/c") && !f.covers("/opt/abc") && !f.covers("/op"));
        push(&mut f, Carry::same("/"));
        assert_eq!(f.carries, vec![Carry::same("/")]);
        assert!(f.covers("/anything"));
    }
}
