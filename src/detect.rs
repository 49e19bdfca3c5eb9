//! Detect: what the single stage does. It walks the instructions once and records, before each
//! one, the WORKDIR, ENV, ARG and USER in force and where COPY put context files; it names the
//! builder image and picks the language. Language modules (`lang::*`) read these facts.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use crate::context::BuildContext;
use crate::model::Model;
use crate::parse::{Command, Dockerfile, Instruction};
use crate::shell;

/// A language dockslim knows how to split.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Language {
    /// Go: `go build` / `go install`.
    Go,
    /// Rust: `cargo build` / `cargo install`.
    Rust,
    /// Node.js: npm, yarn, pnpm, bun.
    Node,
}

impl Language {
    /// All languages, in detection order.
    pub const ALL: [Language; 3] = [Language::Go, Language::Rust, Language::Node];

    /// The lowercase name (`go`, `rust`, `node`).
    pub fn name(self) -> &'static str {
        match self {
            Language::Go => "go",
            Language::Rust => "rust",
            Language::Node => "node",
        }
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Language {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "go" | "golang" => Ok(Language::Go),
            "rust" => Ok(Language::Rust),
            "node" | "nodejs" | "node.js" => Ok(Language::Node),
            other => Err(format!("unknown language `{other}` (expected go, rust or node)")),
        }
    }
}

/// An image reference split into its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// The whole reference as written (ARG defaults substituted).
    pub full: String,
    /// Repository without tag or digest (`docker.io/library/golang` → as written).
    pub repo: String,
    /// The last path element of the repository (`golang`).
    pub name: String,
    /// The tag, if any.
    pub tag: Option<String>,
}

impl ImageRef {
    /// Parses `image[:tag][@digest]`.
    pub fn parse(full: &str) -> ImageRef {
        let no_digest = full.split('@').next().unwrap_or(full);
        let last_slash = no_digest.rfind('/').map_or(0, |p| p + 1);
        let (repo, tag) = match no_digest[last_slash..].rfind(':') {
            Some(p) => (
                &no_digest[..last_slash + p],
                Some(no_digest[last_slash + p + 1..].to_string()),
            ),
            None => (no_digest, None),
        };
        let name = file_name(repo).to_ascii_lowercase();
        ImageRef {
            full: full.to_string(),
            repo: repo.to_string(),
            name,
            tag,
        }
    }

    /// The tag, or `""`.
    pub fn tag(&self) -> &str {
        self.tag.as_deref().unwrap_or("")
    }
}

/// Joins `path` to `base` and normalises `.` and `..`.
pub fn absolute(base: &str, path: &str) -> String {
    // The common case, paths already clean, without rebuilding them part by part.
    if let Some(rest) = path.strip_prefix('/') {
        if rest.is_empty() || clean_parts(rest) {
            return path.to_string();
        }
    } else if let Some(b) = base.strip_prefix('/')
        && (b.is_empty() || clean_parts(b))
        && clean_parts(path)
    {
        return if b.is_empty() {
            ["/", path].concat()
        } else {
            [base, "/", path].concat()
        };
    }
    normalise(base, path)
}

/// Whether every `/`-separated part of `parts` is a name (not empty, `.` or `..`).
fn clean_parts(parts: &str) -> bool {
    // Over bytes: paths are short, and a byte loop beats a searcher set up per part.
    parts
        .as_bytes()
        .split(|&b| b == b'/')
        .all(|p| !p.is_empty() && p != b"." && p != b"..")
}

/// [`absolute`], part by part.
fn normalise(base: &str, path: &str) -> String {
    let mut out = String::with_capacity(base.len() + path.len() + 2);
    let parts = if path.starts_with('/') {
        None
    } else {
        Some(base.split('/'))
    };
    for p in parts.into_iter().flatten().chain(path.split('/')) {
        match p {
            "" | "." => {}
            ".." => {
                let cut = out.rfind('/').unwrap_or(0);
                out.truncate(cut);
            }
            p => {
                out.push('/');
                out.push_str(p);
            }
        }
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

/// [`expand`], without a copy when `s` holds no `$`.
pub fn expand_cow<'s>(s: &'s str, lookup: impl Fn(&str) -> Option<String>) -> std::borrow::Cow<'s, str> {
    if s.contains('$') {
        std::borrow::Cow::Owned(expand(s, lookup))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// Expands `$NAME`, `${NAME}`, `${NAME:-default}` and `${NAME:+alt}` with `lookup`; unknown
/// variables expand to nothing, as in Docker.
pub fn expand(s: &str, lookup: impl Fn(&str) -> Option<String>) -> String {
    if !s.contains('$') {
        return s.to_string();
    }
    let mut out = String::new();
    let mut rest = s;
    while let Some(p) = rest.find('$') {
        out.push_str(&rest[..p]);
        let after = &rest[p + 1..];
        if let Some(body) = after.strip_prefix('{') {
            let Some(close) = body.find('}') else {
                out.push_str(&rest[p..]);
                return out;
            };
            let inner = &body[..close];
            let value = if let Some((name, default)) = inner.split_once(":-") {
                lookup(name)
                    .filter(|v| !v.is_empty())
                    .unwrap_or_else(|| default.to_string())
            } else if let Some((name, alt)) = inner.split_once(":+") {
                lookup(name)
                    .filter(|v| !v.is_empty())
                    .map(|_| alt.to_string())
                    .unwrap_or_default()
            } else {
                lookup(inner).unwrap_or_default()
            };
            out.push_str(&value);
            rest = &body[close + 1..];
        } else {
            let n = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            if n == 0 {
                out.push('$');
                rest = after;
            } else {
                out.push_str(&lookup(&after[..n]).unwrap_or_default());
                rest = &after[n..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Parses an ENV instruction's arguments: `K=V K2="v 2"` or the legacy `K value with spaces`.
/// Plain words are borrowed from `args`; what quotes or escapes changed is owned.
pub fn parse_env(args: &str, escape: char) -> Vec<(Cow<'_, str>, Cow<'_, str>)> {
    // Plain words (no quotes, escapes or line breaks): split them without the shell lexer.
    let plain = !args
        .bytes()
        .any(|b| matches!(b, b'"' | b'\'' | b'\\' | b'`' | b'\n' | b'#'))
        && (matches!(escape, '\\' | '`') || !args.contains(escape));
    if plain {
        // One printable ASCII word, the usual `ENV NAME=value`.
        let t = args.trim();
        if t.bytes().all(|b| b.is_ascii_graphic())
            && let Some((k, v)) = t.split_once('=')
        {
            return vec![(k.into(), v.into())];
        }
        let mut words = args.split_whitespace();
        let first = words.clone().next().unwrap_or("");
        if !first.contains('=') {
            let k = words.next().unwrap_or("");
            return vec![(k.into(), words.collect::<Vec<_>>().join(" ").into())];
        }
        return words
            .filter_map(|w| w.split_once('=').map(|(k, v)| (k.into(), v.into())))
            .collect();
    }
    let trimmed = args.trim_start();
    let first = trimmed.split_whitespace().next().unwrap_or("");
    if !first.contains('=') {
        let (k, v) = trimmed.split_once(char::is_whitespace).unwrap_or((trimmed, ""));
        let v = v.trim();
        let v = shell::commands(v, escape)
            .into_iter()
            .flatten()
            .map(|w| w.text)
            .collect::<Vec<_>>()
            .join(" ");
        return vec![(k.into(), v.into())];
    }
    shell::commands(args, escape)
        .into_iter()
        .flatten()
        .filter_map(|w| {
            w.text
                .split_once('=')
                .map(|(k, v)| (k.to_string().into(), v.to_string().into()))
        })
        .collect()
}

/// Parses an ARG instruction's arguments: `NAME[=default] ...`.
pub fn parse_arg(args: &str) -> Vec<(String, Option<String>)> {
    shell::commands(args, '\\')
        .into_iter()
        .flatten()
        .map(|w| match w.text.split_once('=') {
            Some((k, v)) => (k.to_string(), Some(v.to_string())),
            None => (w.text, None),
        })
        .collect()
}

/// The last part of `path` (after its last `/`), or `path` when it has none:
/// `path.rsplit('/').next()`, without the char searcher's setup (these are short).
pub fn file_name(path: &str) -> &str {
    match path.bytes().rposition(|b| b == b'/') {
        Some(i) => &path[i + 1..],
        None => path,
    }
}

/// The directory of `path` (before its last `/`), `/` for a top-level path or one without a
/// `/`: `path.rsplit_once('/').map_or("/", |(d, _)| if d.is_empty() { "/" } else { d })`.
pub fn dir_name(path: &str) -> &str {
    match path.bytes().rposition(|b| b == b'/') {
        Some(0) | None => "/",
        Some(i) => &path[..i],
    }
}

/// `path` without trailing `/`, then each directory above it, by byte: `/a/b`, `/a`, `` (the
/// root, as the empty string); `a/b`, `a`.
pub fn ancestors(path: &str) -> impl Iterator<Item = &str> {
    std::iter::successors(Some(path.trim_end_matches('/')), |p| {
        p.bytes().rposition(|b| b == b'/').map(|i| &p[..i])
    })
}

/// Whether `path` lies inside directory `dir` (`dir/...`, not `dir` itself).
pub fn is_under(path: &str, dir: &str) -> bool {
    path.strip_prefix(dir).is_some_and(|rest| rest.starts_with('/'))
}

/// Whether `text` mentions variable `name` as `$name...` or `${name...`: the same test as
/// `text.contains("$name") || text.contains("${name")`, without building either string.
pub fn mentions_var(text: &str, name: &str) -> bool {
    text.match_indices('$').any(|(i, _)| {
        let rest = &text[i + 1..];
        rest.strip_prefix('{').unwrap_or(rest).starts_with(name)
    })
}

/// A tiny glob: `*` matches within one path element, `?` one character.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    if !pattern.contains(['*', '?']) {
        return pattern == text;
    }
    if let Some(suffix) = pattern.strip_prefix('*')
        && !suffix.contains(['*', '?'])
    {
        return text.len() >= suffix.len()
            && text.ends_with(suffix)
            && !text[..text.len() - suffix.len()].contains('/');
    }
    // Dynamic programming over (pattern, text) positions: linear in each, never exponential.
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    // ok[j]: pattern[..i] matches text[..j].
    let mut ok = vec![false; t.len() + 1];
    let mut next = vec![false; t.len() + 1];
    ok[0] = true;
    for &pc in p {
        next[0] = false;
        if pc == b'*' {
            next[0] = ok[0];
            for j in 1..=t.len() {
                next[j] = ok[j] || (next[j - 1] && t[j - 1] != b'/');
            }
        } else {
            for j in 1..=t.len() {
                let c = t[j - 1];
                next[j] = ok[j - 1] && (c == pc || (pc == b'?' && c != b'/'));
            }
        }
        std::mem::swap(&mut ok, &mut next);
    }
    ok[t.len()]
}

/// The words of an exec- or shell-form command, and whether it was shell form.
pub fn command_words(c: &Command<'_>, escape: char) -> (Vec<String>, bool) {
    match c {
        Command::Exec(e) => (e.value.iter().map(|w| w.value.to_string()).collect(), false),
        Command::Shell(s) => {
            let words = shell::commands(s.value, escape).into_iter().next().unwrap_or_default();
            (words.into_iter().map(|w| w.text).collect(), true)
        }
        _ => (Vec::new(), false),
    }
}

/// Picks the language: the builder image name first, then the tools the RUN steps call, then
/// the files in the build context.
pub fn detect_language(
    df: &Dockerfile<'_>,
    model: &Model,
    ctx: &dyn BuildContext,
    images: &[(Language, &[String])],
) -> Option<Language> {
    let from = model.from;
    let image = &model.image;
    for (lang, names) in images {
        if names.contains(&image.name) {
            return Some(*lang);
        }
    }
    let tool = |program: Option<&str>| match program {
        Some("go") => Some(Language::Go),
        Some("cargo") => Some(Language::Rust),
        Some("npm" | "yarn" | "pnpm" | "bun" | "corepack" | "npx") => Some(Language::Node),
        _ => None,
    };
    for i in from + 1..df.instructions.len() {
        for cmd in model.commands(i) {
            if let Some(lang) = tool(cmd.program()) {
                return Some(lang);
            }
        }
    }
    // The start command (`CMD ["cargo", "run"]` builds at start-up).
    for ins in &df.instructions[from + 1..] {
        let words = match ins {
            Instruction::Cmd(c) => command_words(&c.arguments, df.escape).0,
            Instruction::Entrypoint(e) => command_words(&e.arguments, df.escape).0,
            _ => continue,
        };
        if let Some(lang) = tool(words.first().map(String::as_str)) {
            return Some(lang);
        }
    }
    if ctx.is_file("go.mod") {
        return Some(Language::Go);
    }
    if ctx.is_file("Cargo.toml") {
        return Some(Language::Rust);
    }
    if ctx.is_file("package.json") {
        return Some(Language::Node);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names() {
        for p in ["/usr/bin/git", "git", "/app/", "/a", "/", "", "a/b", "/é/ü"] {
            assert_eq!(file_name(p), p.rsplit('/').next().unwrap_or(p), "{p}");
            let dir = p
                .rsplit_once('/')
                .map_or("/", |(d, _)| if d.is_empty() { "/" } else { d });
            assert_eq!(dir_name(p), dir, "{p}");
        }
        fn up(p: &str) -> Vec<&str> {
            ancestors(p).collect()
        }
        assert_eq!(up("/usr/lib/x/"), ["/usr/lib/x", "/usr/lib", "/usr", ""]);
        assert_eq!(up("a/b"), ["a/b", "a"]);
        assert_eq!(up("/"), [""]);
        assert_eq!(up(""), [""]);
    }

    #[test]
    fn path_and_variable_tests_without_building_strings() {
        assert!(is_under("/app/bin", "/app") && !is_under("/app", "/app") && !is_under("/apple", "/app"));
        for (text, name) in [
            ("$GOOS", "GOOS"),
            ("x-${GOOS}-y", "GOOS"),
            ("${GOOS:-linux}", "GOOS"),
            ("$GOOSX", "GOOS"),
            ("GOOS", "GOOS"),
            ("$ {GOOS}", "GOOS"),
            ("$$", "GOOS"),
            ("${", "GOOS"),
            ("a$", "GOOS"),
        ] {
            let expected = text.contains(&format!("${name}")) || text.contains(&format!("${{{name}"));
            assert_eq!(mentions_var(text, name), expected, "{text:?}");
        }
    }

    #[test]
    fn absolute_takes_clean_paths_as_they_are_and_normalises_the_rest() {
        let bases = ["/", "/app", "/app/", "/a/./b", "/a/../b", "//x", "rel", "", "/a//b"];
        let paths = [
            "", ".", "..", "/", "/x", "/x/", "/x/./y", "/x/../y", "//y", "x", "x/y", "./x", "x/", "x/..", "../x",
            "x//y", "/x/y/..",
        ];
        for b in bases {
            for p in paths {
                assert_eq!(absolute(b, p), normalise(b, p), "absolute({b:?}, {p:?})");
            }
        }
        assert_eq!(absolute("/app", "bin/server"), "/app/bin/server");
        assert_eq!(absolute("/", "app"), "/app");
        assert_eq!(absolute("/app", "../etc/./x"), "/etc/x");
    }

    #[test]
    fn image_refs() {
        let r = ImageRef::parse("docker.io/library/golang:1.22-alpine3.20@sha256:abc");
        assert_eq!(r.name, "golang");
        assert_eq!(r.tag(), "1.22-alpine3.20");
        let r = ImageRef::parse("localhost:5000/rust");
        assert_eq!(r.name, "rust");
        assert_eq!(r.tag, None);
    }

    #[test]
    fn globs() {
        assert!(glob_match("*.yml", "a.yml"));
        assert!(!glob_match("*.yml", "d/a.yml"));
        assert!(glob_match("d/*.y?l", "d/a.yml"));
        assert!(glob_match("*", ""));
        assert!(!glob_match("a*b", "acd"));
        let many = "*".repeat(60) + "x";
        assert!(!glob_match(&many, &"a".repeat(200)));
    }

    #[test]
    fn expands_variables() {
        let look = |k: &str| (k == "V").then(|| "1.22".to_string());
        assert_eq!(expand("golang:${V}-alpine", look), "golang:1.22-alpine");
        assert_eq!(expand("a${X:-b}$V", look), "ab1.22");
    }

    #[test]
    fn env_forms() {
        assert_eq!(parse_env("K some value", '\\'), vec![("K".into(), "some value".into())]);
        assert_eq!(
            parse_env("A=1 B=\"x y\"", '\\'),
            vec![("A".into(), "1".into()), ("B".into(), "x y".into())]
        );
        let pairs = |t: &str| -> Vec<(String, String)> {
            parse_env(t, '\\')
                .into_iter()
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        };
        let owned = |v: &[(&str, &str)]| -> Vec<(String, String)> {
            v.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
        };
        assert_eq!(pairs("  STEP_1=done\t"), owned(&[("STEP_1", "done")]));
        assert_eq!(pairs("=x"), owned(&[("", "x")]));
        assert_eq!(pairs("A=1\u{a0}B=2"), owned(&[("A", "1"), ("B", "2")]));
        assert_eq!(pairs("A=1\u{b}B=2"), owned(&[("A", "1"), ("B", "2")]));
        assert_eq!(pairs("A=é"), owned(&[("A", "é")]));
    }
}
