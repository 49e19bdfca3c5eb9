//! Ignore: the inline opt-out. A `# dockslim: ignore` comment anywhere in a Dockerfile (its own
//! line, e.g. just above FROM, like hadolint's `# hadolint ignore=...`), or at the end of the
//! FROM line, leaves the file as is with the reason [`REASON`].

use crate::Skip;

/// The reason a file with an ignore comment is left as is.
pub const REASON: &str = "ignored by comment";

/// `Some(skip)` when `text` carries a `# dockslim: ignore` comment.
pub fn directive(text: &str) -> Option<Skip> {
    // Most files never hold `dockslim:`: every colon is found with a fast byte search, and
    // only a colon right after the word (spaces between allowed) calls for the line scan.
    let mentions = text.match_indices(':').any(|(i, _)| {
        let before = text[..i].trim_end().as_bytes();
        before.len() >= 8 && before[before.len() - 8..].eq_ignore_ascii_case(b"dockslim")
    });
    if !mentions {
        return None;
    }
    text.lines()
        .any(|line| is_ignore_line(line) || from_line_ends_with_ignore(line))
        .then(|| Skip::Unsupported(REASON.to_string()))
}

/// Whether `skip` is the one [`directive`] returns (a file the user opted out on purpose).
pub fn is_ignored(skip: &Skip) -> bool {
    matches!(skip, Skip::Unsupported(s) if s == REASON)
}

/// A comment line reading `# dockslim: ignore` (spacing and case free, text after it allowed).
fn is_ignore_line(line: &str) -> bool {
    let line = line.trim_start_matches('\u{feff}').trim_start();
    line.strip_prefix('#').is_some_and(is_ignore_comment)
}

/// `FROM image # dockslim: ignore`.
fn from_line_ends_with_ignore(line: &str) -> bool {
    let line = line.trim_start();
    let is_from = line.get(..4).is_some_and(|k| k.eq_ignore_ascii_case("from"))
        && line[4..].starts_with(|c: char| c.is_ascii_whitespace());
    is_from && line.split_once('#').is_some_and(|(_, rest)| is_ignore_comment(rest))
}

/// The text after `#`: `dockslim: ignore`, then the end, whitespace or anything after a space.
fn is_ignore_comment(rest: &str) -> bool {
    let rest = rest.trim_start();
    let Some(rest) = strip_prefix_ci(rest, "dockslim") else {
        return false;
    };
    let Some(rest) = rest.trim_start().strip_prefix(':') else {
        return false;
    };
    let Some(rest) = strip_prefix_ci(rest.trim_start(), "ignore") else {
        return false;
    };
    rest.is_empty() || rest.starts_with(|c: char| c.is_whitespace())
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| &s[prefix.len()..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comment_anywhere_or_on_the_from_line() {
        for text in [
            "# dockslim: ignore\nFROM golang:1.22\n",
            "FROM golang:1.22\nRUN go build .\n# dockslim: ignore\n",
            "FROM golang:1.22\n   #dockslim:ignore\n",
            "\u{feff}# DockSlim : Ignore  (we ship the toolchain on purpose)\r\nFROM golang:1.22\r\n",
            "FROM golang:1.22 # dockslim: ignore\n",
            "from golang:1.22 AS app   #  dockslim: ignore\n",
        ] {
            let skip = directive(text).unwrap_or_else(|| panic!("not ignored: {text:?}"));
            assert_eq!(skip.to_string(), "ignored by comment");
            assert!(is_ignored(&skip));
        }
    }

    #[test]
    fn other_comments_and_text_do_not_ignore() {
        for text in [
            "FROM golang:1.22\nRUN go build .\n",
            "# dockslim: ignored\nFROM golang:1.22\n",
            "# dockslim: ignore=DL3006\nFROM golang:1.22\n",
            "# hadolint ignore=DL3006\nFROM golang:1.22\n",
            "# dockslim ignore\nFROM golang:1.22\n",
            "FROM golang:1.22\nRUN echo '# dockslim: ignore'\n",
            "FROMX golang # dockslim: ignore\n",
            "# dockslim\nFROM golang:1.22\n# ignore: dockslim\n",
            "",
        ] {
            assert_eq!(directive(text), None, "{text:?}");
        }
        assert!(!is_ignored(&Skip::Unsupported("something else".into())));
        assert!(!is_ignored(&Skip::MultiStage(2)));
    }
}
