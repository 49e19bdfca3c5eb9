//! What the directories around a Dockerfile say about where it lives: their canonical path
//! and whether they hold a `.git`. Both are asked of the file system once per directory per
//! run, since 1,000 Dockerfiles in 1,000 directories of one repository share every parent.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

thread_local! {
    static CANONICAL: RefCell<HashMap<PathBuf, Option<PathBuf>>> = RefCell::new(HashMap::new());
    static GIT: RefCell<HashMap<PathBuf, bool>> = RefCell::new(HashMap::new());
}

/// `dir` with symlinks and `..` resolved, as `std::fs::canonicalize` gives it; `None` when it
/// cannot be resolved (it does not exist, or a parent may not be entered).
pub fn canonical(dir: &Path) -> Option<PathBuf> {
    if let Some(known) = CANONICAL.with(|c| c.borrow().get(dir).cloned()) {
        return known;
    }
    let found = std::fs::canonicalize(dir).ok();
    CANONICAL.with(|c| c.borrow_mut().insert(dir.to_path_buf(), found.clone()));
    found
}

/// Whether `dir` holds a `.git` (a directory, or the file a worktree or submodule has).
pub fn has_git(dir: &Path) -> bool {
    if let Some(known) = GIT.with(|g| g.borrow().get(dir).copied()) {
        return known;
    }
    let found = dir.join(".git").exists();
    GIT.with(|g| g.borrow_mut().insert(dir.to_path_buf(), found));
    found
}

/// The nearest directory from `dir` upwards (`dir` canonical) that holds a `.git`.
pub fn git_root(dir: &Path) -> Option<&Path> {
    dir.ancestors().find(|d| has_git(d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_the_file_systems() {
        let tmp = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(tmp.path()).unwrap();
        std::fs::create_dir_all(root.join("repo/.git")).unwrap();
        std::fs::create_dir_all(root.join("repo/a/b")).unwrap();
        std::os::unix::fs::symlink(root.join("repo/a"), root.join("link")).unwrap();
        for _ in 0..2 {
            assert_eq!(canonical(&root.join("link/b")), Some(root.join("repo/a/b")));
            assert_eq!(canonical(&root.join("repo/a/../a")), Some(root.join("repo/a")));
            assert_eq!(canonical(&root.join("none")), None);
            assert_eq!(git_root(&root.join("repo/a/b")), Some(root.join("repo").as_path()));
            assert!(has_git(&root.join("repo")) && !has_git(&root.join("repo/a")));
        }
    }
}
