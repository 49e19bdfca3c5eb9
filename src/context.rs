//! Build context access: the files beside the Dockerfile that detection reads (go.mod,
//! Cargo.toml, package.json, the directory listing...). A trait keeps the pipeline pure and
//! testable: [`DirContext`] reads a real directory, [`MemContext`] holds files in memory.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// Read-only access to a build context. Paths are relative, `/`-separated, without `./`.
pub trait BuildContext {
    /// The text of a file, if it exists and is UTF-8.
    fn read(&self, path: &str) -> Option<String>;
    /// Whether `path` is a directory (`""` is the context root).
    fn is_dir(&self, path: &str) -> bool;
    /// Whether `path` is a regular file.
    fn is_file(&self, path: &str) -> bool;
    /// Names of the entries of directory `path`, sorted.
    fn list(&self, path: &str) -> Vec<String>;
}

/// Files found under `dir` (recursively, at most `limit` of them) whose name ends with `suffix`.
pub fn find_files(ctx: &dyn BuildContext, dir: &str, suffix: &str, limit: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_string()];
    while let Some(d) = stack.pop() {
        for name in ctx.list(&d) {
            if out.len() >= limit {
                return out;
            }
            let path = join(&d, &name);
            if ctx.is_dir(&path) {
                if !matches!(name.as_str(), ".git" | "node_modules" | "target") {
                    stack.push(path);
                }
            } else if name.ends_with(suffix) {
                out.push(path);
            }
        }
    }
    out
}

/// Joins two relative context paths.
pub fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() || dir == "." {
        name.to_string()
    } else {
        format!("{}/{}", dir.trim_end_matches('/'), name)
    }
}

/// A build context on disk.
#[derive(Debug, Clone)]
pub struct DirContext {
    root: PathBuf,
}

impl DirContext {
    /// A context rooted at `root`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        DirContext { root: root.into() }
    }

    fn path(&self, rel: &str) -> PathBuf {
        let rel = rel.trim_start_matches("./").trim_start_matches('/');
        if rel.is_empty() || rel == "." {
            self.root.clone()
        } else {
            self.root.join(Path::new(rel))
        }
    }
}

/// Files larger than this are not read for detection.
const MAX_READ: u64 = 4 << 20;

impl BuildContext for DirContext {
    fn read(&self, path: &str) -> Option<String> {
        let p = self.path(path);
        let meta = std::fs::metadata(&p).ok()?;
        if !meta.is_file() || meta.len() > MAX_READ {
            return None;
        }
        std::fs::read_to_string(p).ok()
    }
    fn is_dir(&self, path: &str) -> bool {
        self.path(path).is_dir()
    }
    fn is_file(&self, path: &str) -> bool {
        self.path(path).is_file()
    }
    fn list(&self, path: &str) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.path(path))
            .map(|rd| {
                rd.filter_map(|e| e.ok())
                    .filter_map(|e| e.file_name().into_string().ok())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }
}

/// A build context held in memory (tests, fuzzing, benchmarks).
#[derive(Debug, Clone, Default)]
pub struct MemContext {
    files: BTreeMap<String, String>,
}

impl MemContext {
    /// An empty context.
    pub fn new() -> Self {
        Self::default()
    }
    /// Adds a file.
    pub fn with(mut self, path: &str, text: &str) -> Self {
        self.files.insert(path.to_string(), text.to_string());
        self
    }
}

impl BuildContext for MemContext {
    fn read(&self, path: &str) -> Option<String> {
        self.files.get(path).cloned()
    }
    fn is_dir(&self, path: &str) -> bool {
        path.is_empty()
            || self
                .files
                .keys()
                .any(|k| k.strip_prefix(path).is_some_and(|rest| rest.starts_with('/')))
    }
    fn is_file(&self, path: &str) -> bool {
        self.files.contains_key(path)
    }
    fn list(&self, path: &str) -> Vec<String> {
        let prefix = if path.is_empty() {
            String::new()
        } else {
            format!("{path}/")
        };
        let mut names: Vec<String> = self
            .files
            .keys()
            .filter_map(|k| k.strip_prefix(&prefix))
            .map(|rest| rest.split('/').next().unwrap_or(rest).to_string())
            .collect();
        names.dedup();
        names
    }
}

/// A build context that asks the wrapped one each question once: detection looks at the
/// same few files (go.mod, package.json, the root listing...) many times, and on a busy or
/// virtualised disk each look is a system call.
pub struct Cached<C> {
    inner: C,
    reads: RefCell<HashMap<String, Option<String>>>,
    dirs: RefCell<HashMap<String, bool>>,
    files: RefCell<HashMap<String, bool>>,
    lists: RefCell<HashMap<String, Vec<String>>>,
}

impl<C: BuildContext> Cached<C> {
    /// Wraps `inner`.
    pub fn new(inner: C) -> Self {
        Cached {
            inner,
            reads: RefCell::default(),
            dirs: RefCell::default(),
            files: RefCell::default(),
            lists: RefCell::default(),
        }
    }
}

fn memo<T: Clone>(map: &RefCell<HashMap<String, T>>, key: &str, ask: impl FnOnce() -> T) -> T {
    if let Some(v) = map.borrow().get(key) {
        return v.clone();
    }
    let v = ask();
    map.borrow_mut().insert(key.to_string(), v.clone());
    v
}

impl<C: BuildContext> BuildContext for Cached<C> {
    fn read(&self, path: &str) -> Option<String> {
        memo(&self.reads, path, || self.inner.read(path))
    }
    fn is_dir(&self, path: &str) -> bool {
        memo(&self.dirs, path, || self.inner.is_dir(path))
    }
    fn is_file(&self, path: &str) -> bool {
        memo(&self.files, path, || self.inner.is_file(path))
    }
    fn list(&self, path: &str) -> Vec<String> {
        memo(&self.lists, path, || self.inner.list(path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    /// Counts how often each question reaches the wrapped context.
    #[derive(Default)]
    struct Counting {
        asked: Cell<usize>,
    }

    impl BuildContext for Counting {
        fn read(&self, path: &str) -> Option<String> {
            self.asked.set(self.asked.get() + 1);
            (path == "go.mod").then(|| "module m\n".to_string())
        }
        fn is_dir(&self, path: &str) -> bool {
            self.asked.set(self.asked.get() + 1);
            path.is_empty()
        }
        fn is_file(&self, path: &str) -> bool {
            self.asked.set(self.asked.get() + 1);
            path == "go.mod"
        }
        fn list(&self, _: &str) -> Vec<String> {
            self.asked.set(self.asked.get() + 1);
            vec!["go.mod".into()]
        }
    }

    #[test]
    fn cached_context_asks_once_and_answers_the_same() {
        let c = Cached::new(Counting::default());
        for _ in 0..3 {
            assert_eq!(c.read("go.mod").as_deref(), Some("module m\n"));
            assert_eq!(c.read("nope"), None);
            assert!(c.is_dir("") && !c.is_dir("src"));
            assert!(c.is_file("go.mod") && !c.is_file("x"));
            assert_eq!(c.list(""), vec!["go.mod".to_string()]);
        }
        assert_eq!(c.inner.asked.get(), 7);
    }
}
