//! Files: what the runtime stage copies from the builder. The application directory (the
//! WORKDIR the program starts in) crosses whole, as the build left it: files copied in one by
//! one, files a RUN generated, `.env` files, whatever a later checkout adds. So does every other
//! path the Dockerfile placed (a COPY outside it, a directory a RUN created), and the built
//! binaries. Only what a rule proves build-only stays behind: the language's build-only paths
//! (sources trees outside the app, `vendor/`, cargo's `deps/`...), VCS metadata, caches and
//! temporary directories; those inside a copied directory are removed in the builder first.

use std::collections::BTreeSet;

use super::needs::Need;
use crate::Skip;
use crate::detect::absolute;
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
    same: BTreeSet<String>,
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
    let (df, model, common) = (input.df, input.model, input.common);
    let split = prog.split_after;
    let mut f = Files::default();
    let app_whole = !common.is_system_dir(app);
    if app_whole {
        push(&mut f, Carry::owned(app, chown));
        f.whole.push(app.to_string());
    }
    let build_only = |p: &str| prog.build_only.iter().any(|b| under(p, b));
    let needed = |p: &str| {
        let base = p.rsplit('/').next().unwrap_or(p);
        needs.iter().flat_map(|n| &n.programs).any(|x| x == p || x == base)
    };
    // Every placement from a COPY/ADD.
    for c in model.copies.iter().filter(|c| c.index <= split) {
        let dest = c.dest.trim_end_matches('/');
        let dest = if dest.is_empty() { "/" } else { dest };
        if f.whole.iter().any(|w| under(dest, w)) || build_only(dest) {
            continue;
        }
        let into_dir = c.dest.ends_with('/') || c.sources.len() > 1;
        let targets: Vec<String> = if !common.is_system_dir(dest) {
            vec![dest.to_string()]
        } else if into_dir
            && c.sources
                .iter()
                .all(|s| s != "." && !s.contains(['*', '?']) && !input.ctx.is_dir(s))
        {
            c.sources
                .iter()
                .map(|s| absolute(dest, s.rsplit('/').next().unwrap_or(s)))
                .collect()
        } else {
            return Err(Skip::Unsupported(format!(
                "COPY at line {} puts {} into {dest}, which dockslim cannot copy apart from the system: give the app a WORKDIR of its own",
                df.line(c.index),
                c.sources.join(" "),
            )));
        };
        for t in targets {
            // A tool copied into a system directory crosses when something runs it.
            let parent = t
                .rsplit_once('/')
                .map_or("/", |(d, _)| if d.is_empty() { "/" } else { d });
            if common.is_system_dir(parent) && !needed(&t) && is_bin_dir(parent) {
                continue;
            }
            push(&mut f, Carry::owned(&t, None));
        }
    }
    // Every path a RUN created or changed.
    for o in model.ops.iter().filter(|o| o.index <= split) {
        let paths = match &o.op {
            Op::Write(p) => p,
            Op::Chown { paths, .. } => paths,
            _ => continue,
        };
        for p in paths {
            if common.is_scratch(p) || common.is_system_dir(p) || build_only(p) || f.covers(p) {
                continue;
            }
            let parent = p
                .rsplit_once('/')
                .map_or("/", |(d, _)| if d.is_empty() { "/" } else { d });
            if is_bin_dir(parent) || parent.starts_with("/usr/") || parent.starts_with("/lib") {
                // A tool or library installed into the system: carried only when run.
                if !needed(p) {
                    continue;
                }
            }
            push(&mut f, Carry::owned(p, chown));
        }
    }
    // Extra paths from the config.
    for e in input.extra_copy {
        let rel = e.trim_start_matches("./").trim_end_matches('/');
        let path = if rel.starts_with('/') {
            Some(rel.to_string())
        } else {
            model.image_path_of(input.ctx, rel, split + 1)
        };
        if let Some(p) = path
            && !f.covers(&p)
        {
            push(&mut f, Carry::owned(&p, chown));
        }
    }
    // The built binaries.
    for a in &prog.artifacts {
        if a.from == a.to && f.whole.iter().any(|w| under(&a.to, w)) && !build_only(&a.from) {
            continue;
        }
        push(&mut f, a.clone());
    }
    // Build-only paths inside what crosses whole are removed in the builder first.
    let execs_git = needs.iter().flat_map(|n| &n.programs).any(|p| p == "git");
    let mut removals: Vec<String> = prog.build_only.clone();
    if app_whole && !execs_git && copied_from_context(input, ".git", split) {
        removals.push(absolute(app, ".git"));
    }
    for b in removals {
        if f.whole.iter().any(|w| under(&b, w) && b != *w) && !prog.artifacts.iter().any(|a| under(&a.from, &b)) {
            f.cleanup.push(b.clone());
        }
        f.dropped.push(b.clone());
        f.dropped.push(format!("{}/**", b.trim_end_matches('/')));
    }
    Ok(f)
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

impl Files {
    /// Whether a path copied to the same place already holds `path`.
    fn covers(&self, path: &str) -> bool {
        let mut p = path.trim_end_matches('/');
        loop {
            if self.same.contains(if p.is_empty() { "/" } else { p }) {
                return true;
            }
            match p.rsplit_once('/') {
                Some((parent, _)) => p = parent,
                None => return false,
            }
        }
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
    if f.covers(&c.to) {
        return;
    }
    // Paths inside the new one sort right after it: stop at the first that is not.
    let base = c.to.trim_end_matches('/');
    let below = |p: &String| p.len() > base.len() && p.starts_with(base) && p.as_bytes()[base.len()] == b'/';
    let inside: Vec<String> = f
        .same
        .range::<str, _>((std::ops::Bound::Excluded(base), std::ops::Bound::Unbounded))
        .skip_while(|p| !below(p) && p.starts_with(base))
        .take_while(|p| below(p))
        .cloned()
        .collect();
    if !inside.is_empty() {
        for p in &inside {
            f.same.remove(p);
        }
        f.carries.retain(|x| !(x.from == x.to && inside.contains(&x.to)));
    }
    f.same.insert(c.to.clone());
    f.carries.push(c);
}

#[cfg(test)]
mod tests {
    use super::*;

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
    }
}
