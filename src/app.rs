//! App: one Dockerfile path in, one [`FileReport`] out. This is the file-system edge the
//! command line calls: it finds the Dockerfile and its context, loads the config and the
//! templates, runs [`split`](crate::split), and writes when asked.

use std::path::{Path, PathBuf};

use crate::config::{self, Config};
use std::cell::RefCell;
use std::collections::HashMap;

use crate::context::{BuildContext, Cached, DirContext};
use crate::detect::Language;
use crate::emit;
use crate::plan::Summary;
use crate::template::{RuntimeKind, TemplateSet};
use crate::{Outcome, Skip};
use std::rc::Rc;

/// The build context of `dir`, shared by every Dockerfile of this run that uses it: 1,000
/// Dockerfiles in one directory ask the file system about it once, not 1,000 times. Nothing
/// dockslim writes (only Dockerfiles) is a file those questions read.
fn shared_context(dir: &Path) -> Rc<Cached<DirContext>> {
    thread_local! {
        static CONTEXTS: RefCell<HashMap<PathBuf, Rc<Cached<DirContext>>>> = RefCell::new(HashMap::new());
    }
    CONTEXTS.with(|c| {
        Rc::clone(
            c.borrow_mut()
                .entry(dir.to_path_buf())
                .or_insert_with(|| Rc::new(Cached::new(DirContext::new(dir.to_path_buf())))),
        )
    })
}

/// Files larger than this are refused: no real Dockerfile comes near it.
pub const MAX_FILE_BYTES: u64 = 4 << 20;

/// What the user asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Print a unified diff.
    Diff,
    /// Rewrite in place.
    Write,
    /// Print the diff, fail when anything would change.
    Check,
    /// Print the whole new file.
    Stdout,
}

/// The settings shared by every path of one run.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// Build context directory (default: the Dockerfile's directory).
    pub context: Option<PathBuf>,
    /// Config file (default: discovered).
    pub config: Option<PathBuf>,
    /// Language override.
    pub lang: Option<Language>,
    /// Runtime override.
    pub runtime: Option<RuntimeKind>,
    /// Whether to write the file.
    pub write: bool,
    /// Run the program as a non-root user even when the original runs it as root (`--nonroot`).
    pub nonroot: bool,
}

/// What happened to one path.
#[derive(Debug, Clone)]
pub enum FileReport {
    /// The file would be (or was) rewritten.
    Changed {
        /// Path as shown to the user.
        display: String,
        /// The original text.
        old: String,
        /// The new text.
        new: String,
        /// What the split did.
        summary: Summary,
    },
    /// Left as is, with the reason.
    LeftAsIs {
        /// Path as shown to the user.
        display: String,
        /// The original text.
        old: String,
        /// Why.
        reason: Skip,
    },
    /// The path could not be handled.
    Failed {
        /// Path as shown to the user.
        display: String,
        /// One line saying why.
        message: String,
    },
}

impl FileReport {
    /// The path as shown to the user.
    pub fn display(&self) -> &str {
        match self {
            FileReport::Changed { display, .. }
            | FileReport::LeftAsIs { display, .. }
            | FileReport::Failed { display, .. } => display,
        }
    }
}

/// A path as the user names it from the current directory.
pub fn display_path(path: &Path) -> String {
    static CWD: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
    let cwd = CWD.get_or_init(|| std::env::current_dir().ok()).clone();
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        cwd.clone().unwrap_or_default().join(path)
    };
    let shown = cwd
        .and_then(|c| abs.strip_prefix(&c).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf());
    let s = shown.to_string_lossy().replace('\\', "/");
    s.trim_start_matches("./").to_string()
}

/// The path a diff names the file `display` by (`display` as [`display_path`] gives it):
/// relative to the root of the git repository holding the file, as `git diff` shows it, so
/// that `git apply` and `patch -p1` take the diff from that root whatever the current directory
/// and however the path was written (`../x/Dockerfile`, absolute). Outside any repository it
/// is `display` itself, relative to the current directory.
pub fn patch_path(display: &str) -> String {
    if display == STDIN {
        return display.to_string();
    }
    let path = Path::new(display);
    let (Some(name), Some(parent)) = (path.file_name(), path.parent()) else {
        return display.to_string();
    };
    let parent = if parent.as_os_str().is_empty() {
        Path::new(".")
    } else {
        parent
    };
    // The directory with symlinks resolved (the file's own name kept: git tracks a link by
    // its name), so the repository root is found the way git finds it.
    let Some(dir) = crate::dirs::canonical(parent) else {
        return display.to_string();
    };
    match crate::dirs::git_root(&dir) {
        Some(root) => {
            let rel = dir.strip_prefix(root).unwrap_or(Path::new("")).join(name);
            rel.to_string_lossy().replace('\\', "/")
        }
        None => display.to_string(),
    }
}

/// Finds the Dockerfile for a PATH argument: the file itself, or `Dockerfile` /
/// `Containerfile` inside a directory.
pub fn resolve_path(path: &Path) -> Result<PathBuf, String> {
    resolve(path).map(|(p, _)| p)
}

/// [`resolve_path`], with what asking the file system about the file found gave (symlinks
/// followed), so that reading it does not ask again.
fn resolve(path: &Path) -> Result<(PathBuf, std::io::Result<std::fs::Metadata>), String> {
    let meta = std::fs::metadata(path);
    if meta.as_ref().is_ok_and(|m| m.is_dir()) {
        for name in ["Dockerfile", "Containerfile"] {
            let p = path.join(name);
            let m = std::fs::metadata(&p);
            if m.as_ref().is_ok_and(|m| m.is_file()) {
                return Ok((p, m));
            }
        }
        return Err("directory holds no Dockerfile or Containerfile".into());
    }
    // A path that names nothing at all says so here; a dangling symlink, or a file dockslim
    // may not reach, is judged by `read_text`.
    if meta.is_err() {
        std::fs::symlink_metadata(path).map_err(io_msg)?;
    }
    Ok((path.to_path_buf(), meta))
}

/// Reads a Dockerfile as text, refusing what clearly is not one. `meta` is what
/// [`resolve`] learnt of it: a FIFO or a device is refused before it is opened.
fn read_text(path: &Path, meta: std::io::Result<std::fs::Metadata>) -> Result<(Vec<u8>, String), String> {
    use std::io::Read as _;
    let meta = meta.map_err(io_msg)?;
    if !meta.is_file() {
        return Err("not a regular file".into());
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(too_large(meta.len()));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes))
        .map_err(io_msg)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large(bytes.len() as u64));
    }
    let text = as_text(&bytes)?;
    Ok((bytes, text))
}

fn too_large(len: u64) -> String {
    format!("file too large ({len} bytes; the limit is {MAX_FILE_BYTES} bytes)")
}

/// The bytes as Dockerfile text: no NUL byte, valid UTF-8.
fn as_text(bytes: &[u8]) -> Result<String, String> {
    if bytes.contains(&0) {
        return Err("binary file, not a Dockerfile".into());
    }
    String::from_utf8(bytes.to_vec()).map_err(|e| {
        format!(
            "not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        )
    })
}

fn io_msg(e: std::io::Error) -> String {
    if e.get_ref().is_some() {
        // dockslim's own message ("the file is read-only", "the file changed ...").
        return e.to_string();
    }
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

/// Handles one PATH argument.
pub fn process(arg: &Path, req: &Request) -> FileReport {
    let (path, meta) = match resolve(arg) {
        Ok(found) => found,
        Err(message) => {
            return FileReport::Failed {
                display: display_path(arg),
                message,
            };
        }
    };
    let display = display_path(&path);
    let (bytes, text) = match read_text(&path, meta) {
        Ok(t) => t,
        Err(message) => return FileReport::Failed { display, message },
    };
    let context_dir = req.context.clone().unwrap_or_else(|| match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    });
    let target = req.write.then_some((path.as_path(), bytes.as_slice()));
    split_text(display, text, &context_dir, req, target)
}

/// The name standard input goes by, as a PATH argument and in messages.
pub const STDIN: &str = "-";

/// Handles a Dockerfile read from `input` (standard input: `dockslim split -`). The build
/// context is `--context` or the current directory; nothing is ever written.
pub fn process_reader(mut input: impl std::io::Read, req: &Request) -> FileReport {
    use std::io::Read as _;
    let fail = |message: String| FileReport::Failed {
        display: STDIN.into(),
        message,
    };
    let mut bytes = Vec::new();
    if let Err(e) = input.by_ref().take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes) {
        return fail(io_msg(e));
    }
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return fail(too_large(bytes.len() as u64));
    }
    let text = match as_text(&bytes) {
        Ok(t) => t,
        Err(m) => return fail(m),
    };
    let context_dir = req.context.clone().unwrap_or_else(|| PathBuf::from("."));
    let req = Request {
        write: false,
        ..req.clone()
    };
    split_text(STDIN.into(), text, &context_dir, &req, None)
}

/// The PATH a bare `dockslim split` means: `Dockerfile`, or `Containerfile` when only that
/// one exists in the current directory.
pub fn default_path() -> PathBuf {
    let (docker, container) = (Path::new("Dockerfile"), Path::new("Containerfile"));
    if !docker.exists() && container.is_file() {
        container.to_path_buf()
    } else {
        docker.to_path_buf()
    }
}

/// Splits `text` with the config and templates of `context_dir`; `target` is the file to
/// write (with the bytes it held when read) when the request says to write.
fn split_text(
    display: String,
    text: String,
    context_dir: &Path,
    req: &Request,
    target: Option<(&Path, &[u8])>,
) -> FileReport {
    let fail = |message: String| FileReport::Failed {
        display: display.clone(),
        message,
    };
    let ctx = shared_context(context_dir);
    if !ctx.is_dir("") {
        return fail(format!("build context {} is not a directory", context_dir.display()));
    }
    let mut config = match req.config.clone().or_else(|| config::discover(context_dir)) {
        Some(p) => match Config::load(&p) {
            Ok(c) => c,
            Err(m) => return fail(format!("config: {m}")),
        },
        None => Config::default(),
    };
    if req.nonroot {
        config.nonroot = Some(true);
    }
    let owned;
    let templates = match &config.templates {
        Some(dir) => match TemplateSet::load(Some(dir)) {
            Ok(t) => {
                owned = t;
                &owned
            }
            Err(m) => return fail(format!("templates: {m}")),
        },
        None => TemplateSet::builtin(),
    };
    let opts = crate::Options {
        lang: req.lang,
        runtime: req.runtime,
        config: &config,
        templates,
    };
    match crate::split(&text, &*ctx, &opts) {
        Err(e) => fail(e.to_string()),
        Ok(Outcome::LeftAsIs(reason)) => FileReport::LeftAsIs {
            display,
            old: text,
            reason,
        },
        Ok(Outcome::Rewritten { text: new, summary }) => {
            if let Some((path, bytes)) = target
                && let Err(e) = emit::write_atomic(path, new.as_bytes(), bytes)
            {
                return fail(format!("not written: {}", io_msg(e)));
            }
            FileReport::Changed {
                display,
                old: text,
                new,
                summary,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contexts_are_shared_within_a_run() {
        let dir = tempfile::tempdir().unwrap();
        let a = shared_context(dir.path());
        let b = shared_context(dir.path());
        assert!(Rc::ptr_eq(&a, &b), "one cache per context directory");
        let other = tempfile::tempdir().unwrap();
        assert!(!Rc::ptr_eq(&a, &shared_context(other.path())));
    }
    #[test]
    fn patch_path_is_relative_to_the_repository_root() {
        let tmp = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(tmp.path()).unwrap();
        let repo = root.join("repo");
        std::fs::create_dir_all(repo.join(".git")).unwrap();
        std::fs::create_dir_all(repo.join("svc/api")).unwrap();
        std::fs::create_dir_all(root.join("loose")).unwrap();
        let file = repo.join("svc/api/Dockerfile");
        std::fs::write(&file, "FROM x\n").unwrap();
        assert_eq!(patch_path(&file.to_string_lossy()), "svc/api/Dockerfile");
        let dotted = repo.join("svc/../svc/api/Dockerfile");
        assert_eq!(patch_path(&dotted.to_string_lossy()), "svc/api/Dockerfile");
        // A symlinked directory is followed to the repository it lives in.
        std::os::unix::fs::symlink(repo.join("svc"), root.join("link")).unwrap();
        let via_link = root.join("link/api/Dockerfile");
        assert_eq!(patch_path(&via_link.to_string_lossy()), "svc/api/Dockerfile");
        // Outside any repository the path stays as given.
        let loose = root.join("loose/Dockerfile").to_string_lossy().into_owned();
        assert_eq!(patch_path(&loose), loose);
        assert_eq!(patch_path(STDIN), "-");
    }

    #[test]
    fn reader_input_is_checked_like_a_file() {
        let req = Request::default();
        let msg = |r: FileReport| match r {
            FileReport::Failed { display, message } => format!("{display}: {message}"),
            other => panic!("not an error: {other:?}"),
        };
        assert_eq!(
            msg(process_reader(&b"FROM x\0"[..], &req)),
            "-: binary file, not a Dockerfile"
        );
        assert_eq!(
            msg(process_reader(&b"FROM \xff"[..], &req)),
            "-: not UTF-8 text (invalid byte at offset 5)"
        );
        let big = vec![b'#'; MAX_FILE_BYTES as usize + 1];
        assert!(msg(process_reader(&big[..], &req)).starts_with("-: file too large"));
        assert_eq!(
            msg(process_reader(&b"\n\n"[..], &req)),
            "-: empty file, not a Dockerfile"
        );
        match process_reader(&b"# dockslim: ignore\nFROM golang:1.22\n"[..], &req) {
            FileReport::LeftAsIs { display, reason, old } => {
                assert_eq!(
                    (display.as_str(), reason.to_string().as_str()),
                    ("-", "ignored by comment")
                );
                assert!(old.starts_with("# dockslim: ignore"));
            }
            other => panic!("{other:?}"),
        }
    }
}
