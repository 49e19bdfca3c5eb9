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
    /// The entries of directory `path` with their kinds, sorted by name. A context that
    /// learns the kinds while listing (a directory on disk) says so here, which lets
    /// [`Cached`] answer questions about the entries without asking again.
    fn entries(&self, path: &str) -> Vec<(String, Kind)> {
        self.list(path)
            .into_iter()
            .map(|name| {
                let child = join(path, &name);
                let kind = if self.is_dir(&child) {
                    Kind::Dir
                } else if self.is_file(&child) {
                    Kind::File
                } else {
                    Kind::Other
                };
                (name, kind)
            })
            .collect()
    }
}

/// What a directory entry is, as its listing tells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A regular file.
    File,
    /// A directory.
    Dir,
    /// A symlink (the listing does not say what it points to).
    Link,
    /// Anything else (a socket, a device...).
    Other,
}

/// Files found under `dir` (recursively, at most `limit` of them) whose name ends with `suffix`.
pub fn find_files(ctx: &dyn BuildContext, dir: &str, suffix: &str, limit: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_string()];
    while let Some(d) = stack.pop() {
        for (name, kind) in ctx.entries(&d) {
            if out.len() >= limit {
                return out;
            }
            let path = join(&d, &name);
            let is_dir = match kind {
                Kind::Dir => true,
                Kind::Link => ctx.is_dir(&path),
                Kind::File | Kind::Other => false,
            };
            if is_dir {
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
        use std::io::Read as _;
        let p = self.path(path);
        // Asked by name before opening: opening a FIFO would wait for a writer.
        let meta = std::fs::metadata(&p).ok()?;
        if !meta.is_file() || meta.len() > MAX_READ {
            return None;
        }
        // Read through `take`, which, unlike `File`'s own `read_to_string`, does not ask the
        // open file its size and position again.
        let mut text = String::with_capacity(meta.len() as usize);
        std::fs::File::open(p)
            .ok()?
            .take(MAX_READ)
            .read_to_string(&mut text)
            .ok()?;
        Some(text)
    }
    fn is_dir(&self, path: &str) -> bool {
        self.path(path).is_dir()
    }
    fn is_file(&self, path: &str) -> bool {
        self.path(path).is_file()
    }
    fn list(&self, path: &str) -> Vec<String> {
        self.entries(path).into_iter().map(|(name, _)| name).collect()
    }
    fn entries(&self, path: &str) -> Vec<(String, Kind)> {
        let mut entries: Vec<(String, Kind)> = std::fs::read_dir(self.path(path))
            .map(|rd| {
                rd.filter_map(|e| e.ok())
                    .filter_map(|e| {
                        // The kind comes with the listing on Linux file systems (d_type).
                        let kind = match e.file_type() {
                            Ok(t) if t.is_file() => Kind::File,
                            Ok(t) if t.is_dir() => Kind::Dir,
                            Ok(t) if t.is_symlink() => Kind::Link,
                            _ => Kind::Other,
                        };
                        Some((e.file_name().into_string().ok()?, kind))
                    })
                    .collect()
            })
            .unwrap_or_default();
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        entries
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
/// virtualised disk each look is a system call. Once a directory is listed, whether one of
/// its entries exists and is a file or a directory is answered from the listing; the root
/// is listed at the first question about one of its entries, as detection lists it anyway.
pub struct Cached<C> {
    inner: C,
    reads: RefCell<HashMap<String, Option<String>>>,
    dirs: RefCell<HashMap<String, bool>>,
    files: RefCell<HashMap<String, bool>>,
    lists: RefCell<HashMap<String, Vec<(String, Kind)>>>,
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

    /// What the listing of `path`'s directory says `path` is: `Some(None)` when the listing
    /// has no such name, `None` when it cannot tell (the directory was not listed, the
    /// entry is a symlink, or the path is not a plain `dir/name`).
    fn listed(&self, path: &str) -> Option<Option<Kind>> {
        let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
        if matches!(name, "" | "." | "..") || path.starts_with('/') || path.starts_with("./") {
            return None;
        }
        if dir.is_empty() && !self.lists.borrow().contains_key("") {
            let root = self.inner.entries("");
            self.lists.borrow_mut().insert(String::new(), root);
        }
        let lists = self.lists.borrow();
        let entries = lists.get(dir)?;
        match entries.binary_search_by(|(n, _)| n.as_str().cmp(name)) {
            Err(_) => Some(None),
            Ok(i) if entries[i].1 == Kind::Link => None,
            Ok(i) => Some(Some(entries[i].1)),
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
        if self.listed(path) == Some(None) {
            return None;
        }
        memo(&self.reads, path, || self.inner.read(path))
    }
    fn is_dir(&self, path: &str) -> bool {
        match self.listed(path) {
            Some(kind) => kind == Some(Kind::Dir),
            None => memo(&self.dirs, path, || self.inner.is_dir(path)),
        }
    }
    fn is_file(&self, path: &str) -> bool {
        match self.listed(path) {
            Some(kind) => kind == Some(Kind::File),
            None => memo(&self.files, path, || self.inner.is_file(path)),
        }
    }
    fn list(&self, path: &str) -> Vec<String> {
        self.entries(path).into_iter().map(|(name, _)| name).collect()
    }
    fn entries(&self, path: &str) -> Vec<(String, Kind)> {
        memo(&self.lists, path, || self.inner.entries(path))
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
        // The root listing (a list, then an is_dir and an is_file for its one entry), the
        // read of go.mod, and is_dir(""): "nope", "src" and "x" are not in the listing.
        assert_eq!(c.inner.asked.get(), 5);
    }

    /// A tree with every kind of entry: files, directories, symlinks to each, a dangling one.
    fn tree() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path();
        std::fs::create_dir_all(p.join("src/cmd")).unwrap();
        std::fs::write(p.join("go.mod"), "module m\n").unwrap();
        std::fs::write(p.join("src/main.go"), "package main\n").unwrap();
        std::fs::write(p.join("src/cmd/x.go"), "package cmd\n").unwrap();
        std::os::unix::fs::symlink("src", p.join("link-dir")).unwrap();
        std::os::unix::fs::symlink("go.mod", p.join("link-file")).unwrap();
        std::os::unix::fs::symlink("missing", p.join("dangling")).unwrap();
        dir
    }

    #[test]
    fn cached_dir_context_answers_as_the_disk_does() {
        let dir = tree();
        let disk = DirContext::new(dir.path());
        let cached = Cached::new(DirContext::new(dir.path()));
        let paths = [
            "",
            ".",
            "go.mod",
            "src",
            "src/",
            "src/main.go",
            "src/cmd",
            "src/cmd/x.go",
            "src/none",
            "link-dir",
            "link-dir/main.go",
            "link-file",
            "dangling",
            "nope",
            "./go.mod",
            "src/../go.mod",
            "src//main.go",
        ];
        // Twice, and listing src between the rounds, so that answers from a listing count.
        for round in 0..2 {
            for p in paths {
                let at = format!("{p:?} in round {round}");
                assert_eq!(cached.is_file(p), disk.is_file(p), "is_file {at}");
                assert_eq!(cached.is_dir(p), disk.is_dir(p), "is_dir {at}");
                assert_eq!(cached.read(p), disk.read(p), "read {at}");
            }
            assert_eq!(cached.list("src"), disk.list("src"));
        }
        assert_eq!(cached.entries(""), disk.entries(""));
        assert_eq!(find_files(&cached, "", ".go", 10), find_files(&disk, "", ".go", 10));
        let mut found = find_files(&disk, "", ".go", 10);
        found.sort();
        assert_eq!(
            found,
            ["link-dir/cmd/x.go", "link-dir/main.go", "src/cmd/x.go", "src/main.go"]
        );
    }

    #[test]
    fn a_listing_tells_kinds() {
        let dir = tree();
        let kinds = DirContext::new(dir.path()).entries("");
        let names: Vec<(&str, Kind)> = kinds.iter().map(|(n, k)| (n.as_str(), *k)).collect();
        assert_eq!(
            names,
            [
                ("dangling", Kind::Link),
                ("go.mod", Kind::File),
                ("link-dir", Kind::Link),
                ("link-file", Kind::Link),
                ("src", Kind::Dir),
            ]
        );
    }
}
