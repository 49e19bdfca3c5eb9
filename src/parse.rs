//! Parse: the adapter over `parse-dockerfile`.
//!
//! It owns everything about reading Dockerfile text: the byte order mark, the line ending
//! style, whole-instruction byte spans (the parser only gives spans of the parts), and line
//! numbers for messages. Nothing here knows about languages or rewrites.

use std::ops::Range;

pub use parse_dockerfile::{Command, HealthcheckArguments, Instruction, JsonOrStringArray, Source};

/// A parsed Dockerfile: the text (without BOM), the parser's tree and one whole span per
/// instruction (keyword start to the end of its last line, newline excluded).
#[derive(Debug)]
pub struct Dockerfile<'a> {
    /// The text the spans index into (a leading BOM is already stripped).
    pub text: &'a str,
    /// The instructions, in file order.
    pub instructions: Vec<Instruction<'a>>,
    /// Whole-instruction spans, one per entry of `instructions`.
    pub spans: Vec<Range<usize>>,
    /// The escape character (`\` unless `# escape=` says otherwise).
    pub escape: char,
    /// The newline the file uses (`"\r\n"` when its first line ends so).
    pub newline: &'static str,
    /// Byte offset of each line's start, for line numbers without rescanning the text.
    line_starts: Vec<usize>,
}

/// A parse failure with its 1-based line number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based line of the error.
    pub line: usize,
    /// What the parser said.
    pub message: String,
}

/// Splits a leading UTF-8 byte order mark off `text`.
pub fn strip_bom(text: &str) -> (bool, &str) {
    match text.strip_prefix('\u{feff}') {
        Some(rest) => (true, rest),
        None => (false, text),
    }
}

/// The newline style of `text`: CRLF when its first line break is `\r\n`.
pub fn newline_of(text: &str) -> &'static str {
    match text.find('\n') {
        Some(i) if i > 0 && text.as_bytes()[i - 1] == b'\r' => "\r\n",
        _ => "\n",
    }
}

/// 1-based line number of byte `offset` in `text`.
pub fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end].iter().filter(|&&b| b == b'\n').count() + 1
}

/// Parses `text` (which must not start with a BOM: see [`strip_bom`]).
pub fn parse(text: &str) -> Result<Dockerfile<'_>, ParseError> {
    let (instructions, escape) = instructions(text).map_err(|e| ParseError {
        line: e.line(),
        // The alternate form leaves out the parser's own "at line L column C": callers
        // say the line once.
        message: format!("{e:#}"),
    })?;
    let spans = instructions
        .iter()
        .map(|ins| keyword_start(ins)..end_of_line(text, last_end(ins)))
        .collect();
    let mut line_starts = Vec::with_capacity(memchr::memchr_iter(b'\n', text.as_bytes()).count() + 1);
    line_starts.push(0);
    line_starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
    Ok(Dockerfile {
        text,
        instructions,
        spans,
        escape,
        newline: newline_of(text),
        line_starts,
    })
}

/// The instructions of `text` and its escape character, as `parse_dockerfile::parse` gives
/// them, without its list growing: the parser's stream goes into a list with room for one
/// instruction per line. The stream reports every error `parse` does but a stage name used
/// twice, so a text with two named stages goes through `parse` itself; an escape directive is
/// read by parsing what stands before the first instruction (directives, comments and blank
/// lines only) behind a stand-in FROM.
fn instructions(text: &str) -> Result<(Vec<Instruction<'_>>, char), parse_dockerfile::Error> {
    let mut list = Vec::with_capacity(memchr::memchr_iter(b'\n', text.as_bytes()).count() + 1);
    let mut named = 0;
    for ins in parse_dockerfile::parse_iter(text)? {
        let ins = ins?;
        named += usize::from(matches!(&ins, Instruction::From(f) if f.as_.is_some()));
        list.push(ins);
    }
    if named > 1 {
        let ast = parse_dockerfile::parse(text)?;
        let escape = escape_of(&ast);
        return Ok((ast.instructions, escape));
    }
    let head = &text[..list.first().map_or(0, keyword_start)];
    // Without the word `escape` (in any case) before the first instruction, no directive sets it.
    let names_escape = head.as_bytes().windows(6).any(|w| w.eq_ignore_ascii_case(b"escape"));
    let escape = match names_escape {
        false => '\\',
        true => escape_of(&parse_dockerfile::parse(&[head, "FROM scratch"].concat())?),
    };
    Ok((list, escape))
}

/// The escape character a parsed Dockerfile's directives set (`\` by default).
fn escape_of(ast: &parse_dockerfile::Dockerfile<'_>) -> char {
    ast.parser_directives.escape.as_ref().map_or('\\', |d| d.value.value)
}

impl Dockerfile<'_> {
    /// The source text of instruction `i`.
    pub fn source(&self, i: usize) -> &str {
        &self.text[self.spans[i].clone()]
    }

    /// 1-based line where instruction `i` starts.
    pub fn line(&self, i: usize) -> usize {
        self.line_starts.partition_point(|&s| s <= self.spans[i].start)
    }

    /// The span of instruction `i` widened to whole lines: from its line start through its
    /// line break (for deleting it cleanly).
    pub fn line_span(&self, i: usize) -> Range<usize> {
        let span = &self.spans[i];
        let bytes = self.text.as_bytes();
        let start = memchr::memrchr(b'\n', &bytes[..span.start]).map_or(0, |p| p + 1);
        let end = match memchr::memchr(b'\n', &bytes[span.end..]) {
            Some(p) => span.end + p + 1,
            None => self.text.len(),
        };
        start..end
    }

    /// Byte offset just past the line break that ends instruction `i` (the text length when
    /// the instruction ends the file without a newline).
    pub fn after_line(&self, i: usize) -> usize {
        self.line_span(i).end
    }

    /// Whether the instruction keyword of `i` is written in lower case (`from`, `run`...).
    pub fn is_lowercase(&self, i: usize) -> bool {
        let src = self.source(i);
        src.chars()
            .take_while(|c| c.is_ascii_alphabetic())
            .all(|c| c.is_ascii_lowercase())
    }
}

/// End of the line holding byte `pos` (before its `\r\n` or `\n`).
fn end_of_line(text: &str, pos: usize) -> usize {
    let pos = pos.min(text.len());
    let mut end = match memchr::memchr(b'\n', &text.as_bytes()[pos..]) {
        Some(p) => pos + p,
        None => text.len(),
    };
    if end > pos && text.as_bytes()[end - 1] == b'\r' {
        end -= 1;
    }
    end.max(pos)
}

/// The keyword (the instruction's first byte).
pub fn keyword_start(ins: &Instruction<'_>) -> usize {
    use Instruction as I;
    match ins {
        I::Add(i) => i.add.span.start,
        I::Arg(i) => i.arg.span.start,
        I::Cmd(i) => i.cmd.span.start,
        I::Copy(i) => i.copy.span.start,
        I::Entrypoint(i) => i.entrypoint.span.start,
        I::Env(i) => i.env.span.start,
        I::Expose(i) => i.expose.span.start,
        I::From(i) => i.from.span.start,
        I::Healthcheck(i) => i.healthcheck.span.start,
        I::Label(i) => i.label.span.start,
        I::Maintainer(i) => i.maintainer.span.start,
        I::Onbuild(i) => i.onbuild.span.start,
        I::Run(i) => i.run.span.start,
        I::Shell(i) => i.shell.span.start,
        I::Stopsignal(i) => i.stopsignal.span.start,
        I::User(i) => i.user.span.start,
        I::Volume(i) => i.volume.span.start,
        I::Workdir(i) => i.workdir.span.start,
        _ => 0,
    }
}

fn command_end(c: &Command<'_>) -> usize {
    match c {
        Command::Exec(s) => s.span.end,
        Command::Shell(s) => s.span.end,
        _ => 0,
    }
}

fn sources_end(src: &[Source<'_>]) -> usize {
    src.iter()
        .map(|s| match s {
            // A here-document ends with its terminator line, which starts where the body ends.
            Source::HereDoc(h) => h.span.end,
            Source::Path(p) => p.span.end,
            #[allow(unreachable_patterns)]
            _ => 0,
        })
        .max()
        .unwrap_or(0)
}

/// The largest byte offset any part of `ins` reaches.
fn last_end(ins: &Instruction<'_>) -> usize {
    use Instruction as I;
    match ins {
        I::Add(i) => i.dest.span.end.max(sources_end(&i.src)),
        I::Copy(i) => i.dest.span.end.max(sources_end(&i.src)),
        I::Arg(i) => i.arguments.span.end.max(i.arg.span.end),
        I::Cmd(i) => command_end(&i.arguments),
        I::Entrypoint(i) => command_end(&i.arguments),
        I::Env(i) => i.arguments.span.end,
        I::Expose(i) => i
            .arguments
            .iter()
            .map(|a| a.span.end)
            .max()
            .unwrap_or(i.expose.span.end),
        I::From(i) => match &i.as_ {
            Some((_, name)) => name.span.end,
            None => i.image.span.end,
        },
        I::Healthcheck(i) => match &i.arguments {
            HealthcheckArguments::Cmd { arguments, .. } => command_end(arguments),
            HealthcheckArguments::None { none, .. } => none.span.end,
            #[allow(unreachable_patterns)]
            _ => i.healthcheck.span.end,
        },
        I::Label(i) => i.arguments.span.end,
        I::Maintainer(i) => i.name.span.end,
        I::Onbuild(i) => last_end(&i.instruction),
        I::Run(i) => {
            let heredoc = i.here_docs.iter().map(|h| h.span.end).max().unwrap_or(0);
            command_end(&i.arguments).max(heredoc)
        }
        I::Shell(i) => i.arguments.iter().map(|a| a.span.end).max().unwrap_or(i.shell.span.end),
        I::Stopsignal(i) => i.arguments.span.end,
        I::User(i) => i.arguments.span.end,
        I::Volume(i) => match &i.arguments {
            JsonOrStringArray::Json(s) => s.span.end,
            JsonOrStringArray::String(v) => v.iter().map(|a| a.span.end).max().unwrap_or(0),
        },
        I::Workdir(i) => i.arguments.span.end,
        _ => keyword_start(ins),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_spans_cover_continuations_and_heredocs() {
        let text = "FROM a AS b\nRUN <<EOF\necho hi\nEOF\nRUN echo a \\\n  b\r\nCMD [\"x\"]";
        let df = parse(text).unwrap();
        assert_eq!(df.source(0), "FROM a AS b");
        assert_eq!(df.source(1), "RUN <<EOF\necho hi\nEOF");
        assert_eq!(df.source(2), "RUN echo a \\\n  b");
        assert_eq!(df.source(3), "CMD [\"x\"]");
        assert_eq!(df.line(3), 7);
        assert_eq!(df.after_line(3), text.len());
    }

    #[test]
    fn bom_and_newlines() {
        assert_eq!(strip_bom("\u{feff}FROM a"), (true, "FROM a"));
        assert_eq!(newline_of("FROM a\r\nRUN x\r\n"), "\r\n");
        assert_eq!(newline_of("FROM a\n"), "\n");
    }

    #[test]
    fn error_has_line() {
        let e = parse("FROM a\nCOPY x\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(
            !e.message.contains("line"),
            "the line is said once, by the caller: {}",
            e.message
        );
    }

    #[test]
    fn the_stream_reads_as_the_whole_parse() {
        let texts = [
            "FROM a\nRUN x\n",
            "# syntax=docker/dockerfile:1\n# escape=`\nFROM a\nRUN x `\n  y\n",
            "  # ESCAPE = `\n\n  FROM a\nRUN x `\n  y\n",
            "# comment first\n# escape=`\nFROM a\nRUN x \\\n  y\n",
            "ARG V=1\nFROM a:$V AS b\nCOPY . .\n",
            "FROM a AS b\nFROM c AS d\n",
            "FROM a AS b\nFROM c AS b\n",
            "# escape=x\nFROM a\n",
            "RUN x\nFROM a\n",
        ];
        for text in texts {
            let whole = parse_dockerfile::parse(text);
            let ours = instructions(text);
            match (&whole, &ours) {
                (Ok(ast), Ok((list, escape))) => {
                    assert_eq!(format!("{:?}", ast.instructions), format!("{list:?}"), "{text:?}");
                    assert_eq!(escape_of(ast), *escape, "{text:?}");
                }
                (Err(a), Err(b)) => assert_eq!(format!("{a:#}"), format!("{b:#}"), "{text:?}"),
                _ => panic!("{text:?}: parse gave {whole:?}, the stream {ours:?}"),
            }
        }
        assert_eq!(instructions(texts[1]).unwrap().1, '`');
        assert_eq!(
            instructions(texts[3]).unwrap().1,
            '\\',
            "a directive after a comment is a comment"
        );
        assert!(instructions(texts[6]).is_err(), "a stage name used twice");
    }

    #[test]
    fn no_stage_is_line_zero() {
        for text in ["", "# only\n# comments\n", "\n \n"] {
            assert_eq!(parse(text).unwrap_err().line, 0, "{text:?}");
        }
    }
}
