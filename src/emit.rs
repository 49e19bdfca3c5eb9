//! Emit: the output edge. Unified diffs (`git apply` / `patch -p1` ready), optional colour,
//! and atomic in-place writes that keep permissions and write through symlinks.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use similar::TextDiff;

/// A unified diff from `old` to `new` with `a/<path>` and `b/<path>` headers.
pub fn unified_diff(old: &str, new: &str, path: &str) -> String {
    let diff = TextDiff::from_lines(old, new);
    let mut out = format!("--- a/{path}\n+++ b/{path}\n");
    for hunk in diff
        .unified_diff()
        .context_radius(3)
        .missing_newline_hint(true)
        .iter_hunks()
    {
        out.push_str(&hunk.to_string());
    }
    out
}

/// Colours a unified diff with ANSI escapes (headers bold, hunks cyan, removals red,
/// additions green).
pub fn colorize(diff: &str) -> String {
    let mut out = String::with_capacity(diff.len() + 256);
    for line in diff.split_inclusive('\n') {
        let (body, nl) = match line.strip_suffix('\n') {
            Some(b) => (b, "\n"),
            None => (line, ""),
        };
        let code = if body.starts_with("---") || body.starts_with("+++") {
            "1"
        } else if body.starts_with("@@") {
            "36"
        } else if body.starts_with('-') {
            "31"
        } else if body.starts_with('+') {
            "32"
        } else {
            ""
        };
        if code.is_empty() {
            out.push_str(line);
        } else {
            out.push_str(&format!("\x1b[{code}m{body}\x1b[0m{nl}"));
        }
    }
    out
}

/// Writes `contents` to `path` atomically: a temporary file in the same directory, then a
/// rename. A symlink is followed (the target is replaced, the link kept); the file's
/// permissions are kept. `expected` is what the file held when it was read: if it holds
/// something else now, nothing is written.
pub fn write_atomic(path: &Path, contents: &[u8], expected: &[u8]) -> io::Result<()> {
    let target: PathBuf = std::fs::canonicalize(path)?;
    let meta = std::fs::metadata(&target)?;
    if meta.permissions().readonly() {
        return Err(io::Error::new(io::ErrorKind::PermissionDenied, "the file is read-only"));
    }
    let dir = target.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new().prefix(".dockslim-").tempfile_in(dir)?;
    tmp.write_all(contents)?;
    tmp.as_file().set_permissions(meta.permissions())?;
    tmp.as_file().sync_all()?;
    if std::fs::read(&target)? != expected {
        return Err(io::Error::other("the file changed while dockslim was working on it"));
    }
    tmp.persist(&target).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_headers_and_no_newline_hint() {
        let d = unified_diff("a\nb", "a\nc", "x/Dockerfile");
        assert!(
            d.starts_with("--- a/x/Dockerfile\n+++ b/x/Dockerfile\n@@ -1,2 +1,2 @@\n"),
            "{d}"
        );
        assert!(d.contains("\\ No newline at end of file"), "{d}");
        assert_eq!(unified_diff("a\n", "a\n", "f"), "--- a/f\n+++ b/f\n");
    }

    #[test]
    fn colour_only_marks_lines() {
        let c = colorize("--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+b\n c\n");
        assert!(c.contains("\x1b[31m-a\x1b[0m\n"));
        assert!(c.contains("\x1b[32m+b\x1b[0m\n"));
        assert!(c.ends_with(" c\n"));
    }
}
