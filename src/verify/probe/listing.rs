//! Listing files of an image: under a few directories of a mounted root file system (buildah,
//! podman) or of a `docker export` tar stream, without following symbolic links out of the
//! image. Also reads the image's `/etc/passwd`, to tell user names from numbers.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Component, Path};

/// At most this many entries are listed per image (a guard against a whole-disk WORKDIR).
pub const MAX_ENTRIES: usize = 500_000;

/// What an image holds under the directories asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Listing {
    /// Absolute paths of files, symbolic links and other non-directories, plus empty
    /// directories written with a trailing `/`.
    pub entries: BTreeSet<String>,
    /// The text of `/etc/passwd`, when the image has one.
    pub passwd: Option<String>,
}

impl Listing {
    /// The entries under directory `dir` (an absolute path).
    pub fn under<'a>(&'a self, dir: &'a str) -> impl Iterator<Item = &'a String> + 'a {
        self.entries.iter().filter(move |e| is_under(e, dir))
    }
}

/// Whether absolute path `path` lies inside directory `dir` (element-wise: `/app2` is not in `/app`).
pub fn is_under(path: &str, dir: &str) -> bool {
    let dir = dir.trim_end_matches('/');
    dir.is_empty() || path.strip_prefix(dir).is_some_and(|rest| rest.starts_with('/'))
}

/// Lists `dirs` (absolute paths inside the image) of the file system mounted at `root`.
pub fn list_mounted(root: &Path, dirs: &[String]) -> std::io::Result<Listing> {
    let mut l = Listing::default();
    for dir in dirs {
        if let Some(start) = inside(root, dir) {
            walk(&start, dir.trim_end_matches('/'), &mut l.entries)?;
        }
    }
    l.passwd = inside(root, "/etc/passwd")
        .filter(|p| p.symlink_metadata().is_ok_and(|m| m.is_file()))
        .and_then(|p| std::fs::read_to_string(p).ok());
    Ok(l)
}

/// `root` joined with absolute `path`, when every element of it exists and none is a symbolic
/// link (which would point outside the image when followed from here).
fn inside(root: &Path, path: &str) -> Option<std::path::PathBuf> {
    let mut p = root.to_path_buf();
    for c in Path::new(path).components() {
        match c {
            Component::Normal(name) => {
                p.push(name);
                let m = p.symlink_metadata().ok()?;
                if m.file_type().is_symlink() {
                    return None;
                }
            }
            Component::RootDir | Component::CurDir => {}
            Component::ParentDir | Component::Prefix(_) => return None,
        }
    }
    Some(p)
}

fn walk(dir: &Path, shown: &str, out: &mut BTreeSet<String>) -> std::io::Result<()> {
    let mut empty = true;
    let mut names: Vec<_> = std::fs::read_dir(dir)?.filter_map(Result::ok).collect();
    names.sort_by_key(|e| e.file_name());
    for e in names {
        if out.len() >= MAX_ENTRIES {
            return Ok(());
        }
        empty = false;
        let name = format!("{shown}/{}", e.file_name().to_string_lossy());
        if e.file_type()?.is_dir() {
            walk(&e.path(), &name, out)?;
        } else {
            out.insert(name);
        }
    }
    if empty && !shown.is_empty() {
        out.insert(format!("{shown}/"));
    }
    Ok(())
}

/// Lists `dirs` of a tar stream (`docker export`), reading it to the end.
pub fn list_tar(r: impl Read, dirs: &[String]) -> std::io::Result<Listing> {
    let wanted = |p: &str| dirs.iter().any(|d| is_under(p, d));
    let mut files = BTreeSet::new();
    let mut directories = BTreeSet::new();
    let mut passwd = None;
    for_each_entry(r, |path, kind, data| {
        if path == "/etc/passwd" && kind == b'0' {
            passwd = data.map(|d| String::from_utf8_lossy(d).into_owned());
        }
        if !wanted(path) || files.len() >= MAX_ENTRIES {
            return;
        }
        if kind == b'5' {
            directories.insert(path.to_string());
        } else {
            files.insert(path.to_string());
        }
    })?;
    let mut entries: BTreeSet<String> = directories
        .iter()
        .filter(|d| {
            let prefix = format!("{d}/");
            !files.iter().chain(&directories).any(|e| e.starts_with(&prefix))
        })
        .map(|d| format!("{d}/"))
        .collect();
    entries.extend(files);
    Ok(Listing { entries, passwd })
}

/// Calls `f(absolute path, type flag, data)` for every entry of a tar stream (ustar, GNU long
/// names, PAX paths). `data` is given only for small regular files (`/etc/passwd`).
fn for_each_entry(mut r: impl Read, mut f: impl FnMut(&str, u8, Option<&[u8]>)) -> std::io::Result<()> {
    let mut header = [0u8; 512];
    let mut long_name: Option<String> = None;
    loop {
        if !read_block(&mut r, &mut header)? || header.iter().all(|&b| b == 0) {
            return Ok(());
        }
        let size = octal(&header[124..136]);
        let kind = match header[156] {
            0 => b'0',
            k => k,
        };
        let keep = matches!(kind, b'L' | b'x') || (kind == b'0' && size <= 1 << 20);
        let data = read_data(&mut r, size, keep)?;
        match kind {
            b'L' => long_name = data.map(|d| cstr(&d)),
            b'x' => long_name = data.as_deref().and_then(pax_path).or(long_name),
            b'g' => {}
            _ => {
                let name = long_name.take().unwrap_or_else(|| {
                    let prefix = cstr(&header[345..500]);
                    let name = cstr(&header[..100]);
                    if &header[257..262] == b"ustar" && !prefix.is_empty() {
                        format!("{prefix}/{name}")
                    } else {
                        name
                    }
                });
                let path = format!("/{}", name.trim_start_matches("./").trim_start_matches('/'));
                let path = path.trim_end_matches('/');
                if !path.is_empty() {
                    f(path, kind, data.as_deref());
                }
            }
        }
    }
}

/// Reads one 512-byte block; `false` at a clean end of the stream.
fn read_block(r: &mut impl Read, block: &mut [u8; 512]) -> std::io::Result<bool> {
    let mut got = 0;
    while got < 512 {
        match r.read(&mut block[got..])? {
            0 if got == 0 => return Ok(false),
            0 => {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "tar stream cut short",
                ));
            }
            n => got += n,
        }
    }
    Ok(true)
}

/// Reads an entry's data padded to 512 bytes; keeps it when asked.
fn read_data(r: &mut impl Read, size: u64, keep: bool) -> std::io::Result<Option<Vec<u8>>> {
    let padded = size.div_ceil(512) * 512;
    if keep {
        let mut buf = vec![0u8; padded as usize];
        r.read_exact(&mut buf)?;
        buf.truncate(size as usize);
        Ok(Some(buf))
    } else {
        let copied = std::io::copy(&mut r.take(padded), &mut std::io::sink())?;
        if copied < padded {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "tar stream cut short",
            ));
        }
        Ok(None)
    }
}

/// A numeric header field: octal text, or big-endian base-256 when the high bit is set.
fn octal(field: &[u8]) -> u64 {
    if field.first().is_some_and(|b| b & 0x80 != 0) {
        return field[1..].iter().fold(0u64, |n, &b| (n << 8) | u64::from(b));
    }
    let text = cstr(field);
    u64::from_str_radix(text.trim(), 8).unwrap_or(0)
}

fn cstr(b: &[u8]) -> String {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    String::from_utf8_lossy(&b[..end]).into_owned()
}

/// The `path` record of a PAX extended header (`"27 path=some/long/name\n"`).
fn pax_path(data: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(data);
    text.lines()
        .filter_map(|rec| rec.split_once(' ').map(|(_, kv)| kv))
        .find_map(|kv| kv.strip_prefix("path=").map(str::to_string))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dirs(d: &[&str]) -> Vec<String> {
        d.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn under_is_element_wise() {
        assert!(is_under("/app/static/a.css", "/app"));
        assert!(is_under("/app/x", "/app/"));
        assert!(!is_under("/app2/x", "/app"));
        assert!(!is_under("/app", "/app"));
        assert!(is_under("/anything", "/"));
    }

    #[test]
    fn a_mounted_tree_is_listed_without_leaving_it() {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        std::fs::create_dir_all(r.join("app/static/css")).unwrap();
        std::fs::create_dir_all(r.join("app/uploads")).unwrap();
        std::fs::create_dir_all(r.join("etc")).unwrap();
        std::fs::write(r.join("app/static/css/site.css"), "x").unwrap();
        std::fs::write(r.join("app/.env"), "A=1").unwrap();
        std::fs::write(r.join("etc/passwd"), "root:x:0:0::/root:/bin/sh\n").unwrap();
        std::os::unix::fs::symlink("/etc", r.join("app/hostetc")).unwrap();
        std::os::unix::fs::symlink("/usr", r.join("srv")).unwrap();
        let l = list_mounted(r, &dirs(&["/app", "/srv", "/nowhere"])).unwrap();
        let got: Vec<&str> = l.entries.iter().map(String::as_str).collect();
        assert_eq!(
            got,
            ["/app/.env", "/app/hostetc", "/app/static/css/site.css", "/app/uploads/"]
        );
        assert_eq!(l.passwd.as_deref(), Some("root:x:0:0::/root:/bin/sh\n"));
        assert_eq!(l.under("/app/static").count(), 1);
    }

    /// A ustar header for `name` of `kind` with `data`.
    fn entry(name: &str, kind: u8, data: &[u8]) -> Vec<u8> {
        let mut h = [0u8; 512];
        h[..name.len()].copy_from_slice(name.as_bytes());
        h[124..135].copy_from_slice(format!("{:011o}", data.len()).as_bytes());
        h[156] = kind;
        h[257..263].copy_from_slice(b"ustar\0");
        let mut out = h.to_vec();
        out.extend_from_slice(data);
        out.resize(512 + data.len().div_ceil(512) * 512, 0);
        out
    }

    #[test]
    fn a_tar_stream_is_listed() {
        let long = format!("app/{}/deep.txt", "d".repeat(120));
        let mut tar = Vec::new();
        tar.extend(entry("app/", b'5', b""));
        tar.extend(entry("app/server", b'0', &[7u8; 700]));
        tar.extend(entry("app/empty/", b'5', b""));
        tar.extend(entry(
            "./etc/passwd",
            b'0',
            b"nonroot:x:65532:65532::/home/nonroot:/sbin/nologin\n",
        ));
        tar.extend(entry("././@LongLink", b'L', format!("{long}\0").as_bytes()));
        tar.extend(entry("app/ddd", b'0', b"long"));
        tar.extend(entry("PaxHeaders/x", b'x', b"30 path=app/from-pax.txt\n"));
        tar.extend(entry("app/short", b'0', b""));
        tar.extend(entry("usr/bin/go", b'0', b""));
        tar.extend([0u8; 1024]);
        let l = list_tar(tar.as_slice(), &dirs(&["/app"])).unwrap();
        let got: Vec<&str> = l.entries.iter().map(String::as_str).collect();
        let long_abs = format!("/{long}");
        assert_eq!(
            got,
            [long_abs.as_str(), "/app/empty/", "/app/from-pax.txt", "/app/server"]
        );
        assert!(l.passwd.unwrap().starts_with("nonroot:x:65532"));
    }

    #[test]
    fn a_cut_tar_stream_is_an_error() {
        let tar = entry("app/server", b'0', &[1u8; 2000]);
        assert!(list_tar(&tar[..1000], &dirs(&["/app"])).is_err());
        assert_eq!(list_tar(&[][..], &dirs(&["/app"])).unwrap(), Listing::default());
    }

    #[test]
    fn numeric_fields() {
        assert_eq!(octal(b"00000001750\0"), 0o1750);
        assert_eq!(octal(&[0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00]), 256);
    }
}
