//! Shell: just enough POSIX shell lexing to read the commands inside `RUN`, `CMD` and
//! `ENTRYPOINT` (words with their byte offsets, split at `&&`, `||`, `;`, `|` and newlines),
//! to tell whether a command needs a shell at all, and to write JSON exec arrays.

/// One shell word: its unquoted text and where it stands in the lexed string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// The word with quotes and escapes removed.
    pub text: String,
    /// Byte offset of the word's first byte.
    pub start: usize,
    /// Byte offset just past the word.
    pub end: usize,
    /// Whether the word holds an unquoted or double-quoted `$` or a backtick.
    pub expands: bool,
}

/// Splits `src` into simple commands (lists of words). `escape` is the Dockerfile escape
/// character, which joins continuation lines; comment lines inside a continuation are dropped,
/// as Docker does.
pub fn commands(src: &str, escape: char) -> Vec<Vec<Word>> {
    Lexer::new(src, escape).run().0
}

/// Whether `src` uses anything beyond plain words: expansions, operators, redirections,
/// globs, subshells, comments or several lines. Such a command needs `/bin/sh`.
pub fn needs_shell(src: &str, escape: char) -> bool {
    let (cmds, special) = Lexer::new(src, escape).run();
    special || cmds.len() > 1 || cmds.iter().flatten().any(|w| w.expands)
}

/// The exec-form words of a shell-form command, when it needs no shell.
pub fn to_exec(src: &str, escape: char) -> Option<Vec<String>> {
    if needs_shell(src, escape) {
        return None;
    }
    let mut cmds = commands(src, escape);
    let words = cmds.pop()?;
    (!words.is_empty()).then(|| words.into_iter().map(|w| w.text).collect())
}

/// Formats words as a Dockerfile JSON array: `["a", "b"]`.
pub fn json_array<S: AsRef<str>>(words: &[S]) -> String {
    let items: Vec<String> = words.iter().map(|w| json_string(w.as_ref())).collect();
    format!("[{}]", items.join(", "))
}

/// Formats one JSON string literal.
pub fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Quotes a word for a shell-form command line when it needs it.
pub fn quote(w: &str) -> String {
    if !w.is_empty() && w.chars().all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c)) {
        w.to_string()
    } else {
        format!("'{}'", w.replace('\'', r"'\''"))
    }
}

/// Splits leading `NAME=value` assignments off a simple command.
pub fn split_assignments(words: &[Word]) -> (&[Word], &[Word]) {
    let n = words.iter().take_while(|w| is_assignment(&w.text)).count();
    words.split_at(n)
}

/// Whether a word is a `NAME=value` assignment.
pub fn is_assignment(word: &str) -> bool {
    match word.bytes().position(|b| b == b'=') {
        Some(eq) => {
            let name = &word.as_bytes()[..eq];
            !name.is_empty()
                && !name[0].is_ascii_digit()
                && name.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
        }
        None => false,
    }
}

struct Lexer<'a> {
    src: &'a str,
    escape: char,
    pos: usize,
    cmds: Vec<Vec<Word>>,
    cur: Vec<Word>,
    word: Option<Word>,
    special: bool,
}

impl<'a> Lexer<'a> {
    fn new(src: &'a str, escape: char) -> Self {
        Lexer {
            src,
            escape,
            pos: 0,
            cmds: Vec::new(),
            cur: Vec::new(),
            word: None,
            special: false,
        }
    }

    fn peek(&self) -> Option<char> {
        match self.src.as_bytes().get(self.pos) {
            Some(&b) if b.is_ascii() => Some(char::from(b)),
            Some(_) => self.src[self.pos..].chars().next(),
            None => None,
        }
    }

    fn peek2(&self) -> Option<char> {
        let mut it = self.src[self.pos..].chars();
        it.next();
        it.next()
    }

    fn push_char(&mut self, c: char, expands: bool) {
        let w = self.word_at(self.pos);
        w.text.push(c);
        w.expands |= expands;
    }

    fn end_word(&mut self) {
        if let Some(mut w) = self.word.take() {
            w.end = self.pos;
            if self.cur.capacity() == 0 {
                // Room for a typical command's words at once.
                self.cur = Vec::with_capacity(8);
            }
            self.cur.push(w);
        }
    }

    fn end_command(&mut self) {
        self.end_word();
        if !self.cur.is_empty() {
            self.cmds.push(std::mem::take(&mut self.cur));
        }
    }

    /// Skips a line continuation (escape char + newline) and any comment lines after it.
    fn continuation(&mut self) -> bool {
        let rest = &self.src[self.pos..];
        let Some(after) = rest.strip_prefix(self.escape) else {
            return false;
        };
        let nl = if after.starts_with("\r\n") {
            2
        } else if after.starts_with('\n') {
            1
        } else {
            return false;
        };
        self.pos += self.escape.len_utf8() + nl;
        loop {
            let rest = &self.src[self.pos..];
            let trimmed = rest.trim_start_matches([' ', '\t']);
            if trimmed.starts_with('#') {
                self.pos += rest.find('\n').map_or(rest.len(), |p| p + 1);
            } else if trimmed.starts_with('\n') || trimmed.starts_with("\r\n") {
                // An empty continuation line: Docker drops it too.
                self.pos += rest.find('\n').map_or(rest.len(), |p| p + 1);
            } else {
                break;
            }
        }
        true
    }

    fn run(mut self) -> (Vec<Vec<Word>>, bool) {
        while let Some(c) = self.peek() {
            if c == self.escape && self.continuation() {
                continue;
            }
            self.step(c);
        }
        self.end_command();
        (self.cmds, self.special)
    }

    /// Consumes the token that starts with `c`.
    fn step(&mut self, c: char) {
        match c {
            ' ' | '\t' | '\r' => {
                if self.word.is_some() {
                    self.end_word();
                }
                self.pos += 1;
            }
            '\n' | ';' => {
                self.end_command();
                self.pos += 1;
            }
            '&' | '|' => self.operator(c),
            '(' | ')' | '<' | '>' | '{' | '}' | '*' | '?' | '[' | ']' | '~' => self.special_char(c),
            '#' if self.word.is_none() => self.comment(),
            '\'' => self.single_quoted(),
            '"' => self.double_quoted(),
            '\\' => self.backslash(),
            '$' | '`' => self.substitution(c),
            c => self.plain_run(c),
        }
    }

    /// `&&`, `||`, `|` or `&` (a background job, which needs a shell).
    fn operator(&mut self, c: char) {
        self.end_command();
        self.pos += 1;
        if self.peek() == Some(c) {
            self.pos += 1;
        } else if c == '&' {
            self.special = true;
        }
    }

    /// Subshells, redirections, braces and globs: kept in words, but they need a shell.
    fn special_char(&mut self, c: char) {
        self.special = true;
        match c {
            '(' | ')' => self.end_command(),
            '<' | '>' => self.end_word(),
            _ => self.push_char(c, false),
        }
        self.pos += 1;
    }

    fn comment(&mut self) {
        self.special = true;
        let rest = &self.src[self.pos..];
        self.pos += rest.find('\n').unwrap_or(rest.len());
    }

    fn single_quoted(&mut self) {
        let rest = &self.src[self.pos + 1..];
        let n = memchr::memchr(b'\'', rest.as_bytes());
        let piece = &rest[..n.unwrap_or(rest.len())];
        self.word_with(self.pos, piece.len()).text.push_str(piece);
        self.pos += 1 + n.map_or(rest.len(), |n| n + 1);
    }

    fn double_quoted(&mut self) {
        // Room for the text up to the next double quote, which usually closes it.
        let room = memchr::memchr(b'"', &self.src.as_bytes()[self.pos + 1..]).unwrap_or(0);
        self.word_with(self.pos, room);
        self.pos += 1;
        // The escape character is `\` or a backquote; another one turns off the plain runs.
        let escape = u8::try_from(self.escape).ok().filter(u8::is_ascii);
        while let Some(q) = self.peek() {
            // A run of characters that mean nothing inside double quotes, in one piece.
            if let Some(e) = escape {
                let rest = &self.src[self.pos..];
                let n = rest
                    .bytes()
                    .position(|b| matches!(b, b'"' | b'\\' | b'$' | b'`') || b == e)
                    .unwrap_or(rest.len());
                if n > 0 {
                    self.append_str(&rest[..n]);
                    self.pos += n;
                    continue;
                }
            }
            if q == self.escape && self.continuation() {
                continue;
            }
            self.pos += q.len_utf8();
            match q {
                '"' => break,
                '\\' => self.quoted_escape(),
                '$' | '`' => self.append(q, true),
                q => self.append(q, false),
            }
        }
    }

    /// A backslash inside double quotes escapes only `"`, `\\`, `$` and `` ` ``.
    fn quoted_escape(&mut self) {
        if let Some(n) = self.peek() {
            self.pos += n.len_utf8();
            if !matches!(n, '"' | '\\' | '$' | '`') {
                self.append('\\', false);
            }
            self.append(n, false);
        }
    }

    fn backslash(&mut self) {
        self.pos += 1;
        if let Some(n) = self.peek() {
            self.push_char_at(n, self.pos - 1);
            self.pos += n.len_utf8();
        }
    }

    /// `$` or a backquote: the word expands; `$(` or a lone backquote needs a shell.
    fn substitution(&mut self, c: char) {
        self.push_char(c, true);
        self.pos += 1;
        if self.peek() == Some('(') || self.peek2().is_none() && c == '`' {
            self.special = true;
        }
    }

    /// A run of ordinary characters goes into the word in one piece.
    fn plain_run(&mut self, c: char) {
        let rest = &self.src[self.pos..];
        let escape = self.escape;
        // The characters that end a run are ASCII, so with an ASCII escape character (as
        // Docker's `\` and backquote are) a byte scan finds the same place.
        let end = match u8::try_from(escape).ok().filter(u8::is_ascii) {
            Some(e) => rest.bytes().position(|b| b == e || ENDS_PLAIN_RUN[usize::from(b)]),
            None => rest.find(|x: char| x == escape || ends_plain_run(x)),
        };
        let n = end.unwrap_or(rest.len()).max(c.len_utf8());
        let start = self.pos;
        self.word_with(start, n).text.push_str(&rest[..n]);
        self.pos += n;
    }

    /// The current word, started at `start` if there is none yet.
    fn word_at(&mut self, start: usize) -> &mut Word {
        self.word.get_or_insert_with(|| Word {
            text: String::new(),
            start,
            end: start,
            expands: false,
        })
    }

    /// The current word, started at `start` with room for `room` bytes if there is none yet
    /// (one allocation of the right size instead of a string grown from nothing).
    fn word_with(&mut self, start: usize, room: usize) -> &mut Word {
        self.word.get_or_insert_with(|| Word {
            text: String::with_capacity(room),
            start,
            end: start,
            expands: false,
        })
    }

    fn push_char_at(&mut self, c: char, start: usize) {
        self.word_at(start).text.push(c);
    }

    fn append_str(&mut self, s: &str) {
        if let Some(w) = self.word.as_mut() {
            w.text.push_str(s);
        }
    }

    fn append(&mut self, c: char, expands: bool) {
        if let Some(w) = self.word.as_mut() {
            w.text.push(c);
            w.expands |= expands;
        }
    }
}

/// [`ends_plain_run`] by byte: only ASCII bytes end a run.
const ENDS_PLAIN_RUN: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 128 {
        t[b] = ends_plain_run(b as u8 as char);
        b += 1;
    }
    t
};

/// The characters that end a run of ordinary word characters.
const fn ends_plain_run(x: char) -> bool {
    matches!(
        x,
        ' ' | '\t'
            | '\r'
            | '\n'
            | ';'
            | '&'
            | '|'
            | '('
            | ')'
            | '<'
            | '>'
            | '{'
            | '}'
            | '*'
            | '?'
            | '['
            | ']'
            | '~'
            | '\''
            | '"'
            | '\\'
            | '$'
            | '`'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(src: &str) -> Vec<Vec<String>> {
        commands(src, '\\')
            .into_iter()
            .map(|c| c.into_iter().map(|w| w.text).collect())
            .collect()
    }

    #[test]
    fn splits_chains_and_quotes() {
        assert_eq!(
            texts("CGO_ENABLED=0 go build -ldflags \"-s -w\" -o /app && echo 'a b'"),
            vec![
                vec!["CGO_ENABLED=0", "go", "build", "-ldflags", "-s -w", "-o", "/app"],
                vec!["echo", "a b"]
            ]
        );
    }

    #[test]
    fn continuation_lines_and_comments() {
        assert_eq!(
            texts("go mod download \\\n  # fetch\n  && go build \\\n\n -o x"),
            vec![vec!["go", "mod", "download"], vec!["go", "build", "-o", "x"]]
        );
    }

    #[test]
    fn quoted_text_in_runs_and_by_character() {
        // Plain runs inside double quotes end at what means something there.
        assert_eq!(
            texts(r#"echo "a b\"c\$d\x $E `f`" 'g "h" \i' x"#),
            vec![vec!["echo", r#"a b"c$d\x $E `f`"#, r#"g "h" \i"#, "x"]]
        );
        let w = &commands("echo \"x $HOME y\"", '\\')[0][1];
        assert!(w.expands && w.text == "x $HOME y" && (w.start, w.end) == (5, 16));
        // A continuation inside double quotes joins the lines; with the backquote escape too.
        assert_eq!(texts("echo \"a \\\nb\""), vec![vec!["echo", "a b"]]);
        assert_eq!(
            commands("echo \"a `\nb\\c\"", '`')
                .into_iter()
                .flatten()
                .map(|w| w.text)
                .collect::<Vec<_>>(),
            ["echo", "a b\\c"]
        );
        // An unclosed quote runs to the end.
        assert_eq!(texts("echo 'abc"), vec![vec!["echo", "abc"]]);
        assert_eq!(texts("echo \"abc"), vec![vec!["echo", "abc"]]);
    }

    #[test]
    fn plain_runs_with_other_scripts() {
        // Runs end at the same places when they hold non-ASCII text, with either escape.
        for esc in ['\\', '`'] {
            let words: Vec<Vec<String>> = commands("echo h\u{e9}llo;w\u{f6}rld\u{1F600}>x \u{e9}", esc)
                .into_iter()
                .map(|c| c.into_iter().map(|w| w.text).collect())
                .collect();
            assert_eq!(
                words,
                vec![vec!["echo", "h\u{e9}llo"], vec!["w\u{f6}rld\u{1F600}", "x", "\u{e9}"]],
                "{esc}"
            );
        }
        assert_eq!(texts("a\u{e9}\\ b"), vec![vec!["a\u{e9} b"]]);
        for b in 0..=255u8 {
            assert_eq!(
                ENDS_PLAIN_RUN[usize::from(b)],
                b.is_ascii() && ends_plain_run(char::from(b)),
                "{b}"
            );
        }
    }

    #[test]
    fn assignments() {
        for (w, yes) in [
            ("A1_=x", true),
            ("_=", true),
            ("GOOS=linux=x", true),
            ("1A=x", false),
            ("=x", false),
            ("A-B=x", false),
            ("é=1", false),
            ("plain", false),
        ] {
            assert_eq!(is_assignment(w), yes, "{w}");
        }
    }

    #[test]
    fn word_offsets() {
        let c = commands("cd src && go build .", '\\');
        assert_eq!(c[1][0].start, 10);
        assert_eq!(c[1][2].end, 20);
    }

    #[test]
    fn shell_detection() {
        assert!(!needs_shell("./app --name world", '\\'));
        assert!(needs_shell("./app --port $PORT", '\\'));
        assert!(needs_shell("./app > log", '\\'));
        assert!(needs_shell("a && b", '\\'));
        assert_eq!(to_exec("./app \"a b\"", '\\').unwrap(), vec!["./app", "a b"]);
        assert!(to_exec("", '\\').is_none());
    }

    #[test]
    fn json() {
        assert_eq!(json_array(&["a", "b\"c"]), r#"["a", "b\"c"]"#);
    }
}
