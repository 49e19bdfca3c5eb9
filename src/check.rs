//! Check: the rewritten text parses as a two-stage Dockerfile, and how many layers its runtime
//! stage adds. This is the last gate before anything is handed back or written.
//!
//! Outside the edits the rewrite is the original text, which parsed, and the parser carries
//! nothing from one instruction to the next but the escape character and whether a FROM came
//! before. So only windows around the edits are parsed again: whole instructions from one
//! before the first edited one to one after the last, behind the original's directives and a
//! stand-in FROM. A window counts only when its parse ends on that last, untouched instruction
//! exactly where it stands in the rewrite: then the parser is back at an instruction boundary
//! in the same state, and the rest reads as it did in the original. When anything is not so
//! plain (a window that does not line up, an instruction without a known keyword offset, a
//! parse error), the whole text is parsed, as before; debug builds always parse it whole too
//! and compare.

use std::ops::Range;

use crate::Error;
use crate::parse::{Dockerfile, Instruction, keyword_start};
use crate::render::Edit;

/// Parses the rewrite `out` of `df` made by `edits`; returns how many layers (RUN, COPY, ADD)
/// its runtime stage makes. An error when it does not parse or does not have two stages.
pub fn runtime_layers(df: &Dockerfile<'_>, edits: &[Edit], out: &str) -> Result<usize, Error> {
    let partial = windowed(df, edits, out);
    if cfg!(debug_assertions)
        && let Some(n) = partial
    {
        assert_eq!(
            whole(out).ok(),
            Some(n),
            "the windowed check disagrees with the whole parse"
        );
    }
    match partial {
        Some(n) => Ok(n),
        None => whole(out),
    }
}

/// RUN, COPY and ADD each add a layer to the image.
pub fn makes_layer(ins: &Instruction<'_>) -> bool {
    matches!(ins, Instruction::Run(_) | Instruction::Copy(_) | Instruction::Add(_))
}

/// The whole text through the parser's instruction stream, each instruction dropped once
/// counted (the stream does not check stage names for duplicates; the rewrite names one stage
/// only).
fn whole(out: &str) -> Result<usize, Error> {
    let mut count = Count::default();
    for ins in parse_dockerfile::parse_iter(out).map_err(fail)? {
        count.add(&ins.map_err(fail)?);
    }
    count.two_stages()
}

fn fail(e: parse_dockerfile::Error) -> Error {
    Error::Internal(format!("the rewrite does not parse: {e:#}"))
}

/// Stages, and the layers of the last one, over an instruction stream.
#[derive(Default)]
struct Count {
    stages: usize,
    layers: usize,
}

impl Count {
    fn add(&mut self, ins: &Instruction<'_>) {
        if matches!(ins, Instruction::From(_)) {
            self.stages += 1;
            self.layers = 0;
        } else if makes_layer(ins) {
            self.layers += 1;
        }
    }

    fn two_stages(&self) -> Result<usize, Error> {
        match self.stages {
            2 => Ok(self.layers),
            n => Err(Error::Internal(format!("the rewrite has {n} stages"))),
        }
    }
}

/// The windowed check; `None` when it cannot vouch for the text (the whole parse decides).
fn windowed(df: &Dockerfile<'_>, edits: &[Edit], out: &str) -> Option<usize> {
    let spans = instruction_spans(df)?;
    let first_from = df.instructions.iter().position(|i| matches!(i, Instruction::From(_)))?;
    let mut count = Count::default();
    let mut windows = windows(spans, edits);
    // Up to the first FROM the parser still refuses other instructions (and a text without a
    // FROM): the windows that start there are parsed from the top, as one, through that FROM.
    if let Some(k) = windows.iter().rposition(|w| w.start <= first_from) {
        let mut end = windows[k].end.max(first_from + 1);
        while let Some(w) = windows.get(k + 1).filter(|w| w.start <= end) {
            end = end.max(w.end);
            windows.remove(k + 1);
        }
        windows.splice(..=k, std::iter::once(0..end));
    }
    let mut next = 0; // the first instruction not yet counted
    for w in windows {
        for ins in &df.instructions[next..w.start] {
            count.add(ins);
        }
        parse_window(df, spans, edits, out, &w, &mut count)?;
        next = w.end;
    }
    for ins in &df.instructions[next..] {
        count.add(ins);
    }
    count.two_stages().ok()
}

/// The instructions' spans (each from its keyword, as `parse::parse` made them), or `None`
/// unless they start strictly in order.
fn instruction_spans<'d>(df: &'d Dockerfile<'_>) -> Option<&'d [Range<usize>]> {
    let increasing = df.spans.windows(2).all(|p| p[0].start < p[1].start);
    (increasing && !df.spans.is_empty()).then_some(&df.spans)
}

/// The instruction ranges to parse again: from one before the first instruction an edit
/// touches to one after the last (an instruction holds its text and what follows it up to the
/// next keyword), merged where they meet. An edit's window thus never starts or ends at one of
/// its bytes, and the instruction that ends a window (unless it ends the file) is untouched.
fn windows(spans: &[Range<usize>], edits: &[Edit]) -> Vec<Range<usize>> {
    let n = spans.len();
    let holding = |at: usize| spans.partition_point(|s| s.start <= at).saturating_sub(1);
    let mut ranges: Vec<Range<usize>> = edits
        .iter()
        .map(|e| {
            let first = holding(e.range.start);
            let last = holding(e.range.end.saturating_sub(1).max(e.range.start));
            first.saturating_sub(1)..(last + 2).min(n)
        })
        .collect();
    ranges.sort_by_key(|r| r.start);
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(ranges.len());
    for r in ranges {
        match merged.last_mut() {
            Some(m) if r.start <= m.end => m.end = m.end.max(r.end),
            _ => merged.push(r),
        }
    }
    merged
}

/// Parses the rewrite's text of window `w` (instructions `w.start..w.end` of the original, with
/// the edits inside them) and counts it; `None` unless it parses and, when more follows, ends
/// on its last instruction exactly where that stands in the rewrite.
fn parse_window(
    df: &Dockerfile<'_>,
    spans: &[Range<usize>],
    edits: &[Edit],
    out: &str,
    w: &Range<usize>,
    count: &mut Count,
) -> Option<()> {
    let to_end = w.end == spans.len();
    let out_begin = if w.start == 0 {
        0
    } else {
        to_out(edits, spans[w.start].start)?
    };
    let out_end = if to_end {
        out.len()
    } else {
        to_out(edits, spans[w.end].start)?
    };
    let body = out.get(out_begin..out_end)?;
    // Behind the original's directives and a stand-in FROM, the parser is in the state it is
    // in at this point of the whole text.
    let text = if w.start == 0 {
        body.to_string()
    } else {
        [&df.text[..spans[0].start], "FROM scratch", df.newline, body].concat()
    };
    // Where the untouched instruction that ends the window starts in `text`.
    let last_at = match to_end {
        true => None,
        false => Some(text.len() - body.len() + to_out(edits, spans[w.end - 1].start)?.checked_sub(out_begin)?),
    };
    let mut stand_in = w.start != 0;
    let mut last = None;
    for ins in parse_dockerfile::parse_iter(&text).ok()? {
        let ins = ins.ok()?;
        if std::mem::take(&mut stand_in) {
            continue;
        }
        last = Some(keyword_start(&ins));
        count.add(&ins);
    }
    (to_end || last == last_at).then_some(())
}

/// Where offset `at` of the original (an instruction's keyword, outside every edit) lands in
/// the rewrite: shifted by every edit before it.
fn to_out(edits: &[Edit], at: usize) -> Option<usize> {
    edits.iter().filter(|e| e.range.start < at).try_fold(at, |pos, e| {
        (pos + e.text.len()).checked_sub(e.range.end.checked_sub(e.range.start)?)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse;
    use crate::render::apply;

    #[test]
    fn the_output_must_be_two_stages() {
        assert_eq!(whole("FROM a AS b\nRUN x\n\nFROM c\nCOPY --from=b /x /x\n"), Ok(1));
        assert_eq!(
            whole("FROM a AS b\nRUN x\nFROM c\nENV A=1\nRUN y\nCOPY --from=b /x /x\nADD y /y\nCMD [\"x\"]\n"),
            Ok(3),
            "RUN, COPY and ADD of the runtime stage only"
        );
        assert!(matches!(whole("FROM a\n"), Err(Error::Internal(m)) if m.contains("1 stages")));
        assert!(matches!(whole("FROM a\nHEALTHCHECK\n"), Err(Error::Internal(m)) if m.contains("does not parse")));
    }

    /// The windowed verdict on `text` with `edits`, the whole parse's, and the rewrite.
    fn both(text: &str, edits: &[Edit]) -> (Option<usize>, Result<usize, Error>, String) {
        let df = parse(text).unwrap();
        let out = apply(text, edits).unwrap();
        (windowed(&df, edits, &out), whole(&out), out)
    }

    /// An edit at the first byte of `what` in `text`.
    fn at(text: &str, what: &str) -> usize {
        text.find(what).unwrap()
    }

    const TEXT: &str = "# syntax=docker/dockerfile:1\nFROM golang:1.22\nWORKDIR /src\nRUN mkdir a\n# deps\n\
                        RUN mkdir b\nCOPY . .\nRUN go build -o /app .\nRUN echo a && \\\n    echo b\nEXPOSE 80\n\
                        CMD [\"/app\"]\n";

    #[test]
    fn a_split_is_checked_in_windows() {
        let edits = [
            Edit::insert(at(TEXT, "golang:1.22") + 11, " AS builder"),
            Edit::insert(at(TEXT, "go build"), "CGO_ENABLED=0 "),
            Edit::delete(at(TEXT, "EXPOSE")..at(TEXT, "CMD")),
            Edit::insert(TEXT.len(), "\nFROM scratch\nCOPY --from=builder /app /app\nEXPOSE 80\n"),
        ];
        let (windowed, whole, out) = both(TEXT, &edits);
        assert!(
            out.contains("RUN CGO_ENABLED=0 go build") && out.ends_with("EXPOSE 80\n"),
            "{out}"
        );
        assert_eq!((windowed, whole), (Some(1), Ok(1)));
        // The windows: FROM and WORKDIR, COPY to the end; the two mkdir RUNs are not parsed again.
        let df = parse(TEXT).unwrap();
        assert_eq!(windows(&df.spans, &edits), [0..2, 4..9]);
    }

    #[test]
    fn an_edit_that_runs_into_the_next_instruction_goes_to_the_whole_parse() {
        // A continuation left open joins the untouched WORKDIR to the RUN: the window's parse
        // does not end where WORKDIR stands, so it does not vouch.
        let text = "FROM a\nRUN x\nRUN y\nWORKDIR /w\nRUN p\nRUN q\nCMD q\n";
        let y = at(text, "RUN y");
        let edits = [
            Edit::replace(y..y + 5, "RUN y \\"),
            Edit::insert(text.len(), "FROM b\n"),
        ];
        let (windowed, whole, out) = both(text, &edits);
        assert!(out.contains("RUN y \\\nWORKDIR"), "{out}");
        let df = parse(text).unwrap();
        assert_eq!(windows(&df.spans, &edits), [1..4, 5..7]);
        assert_eq!(windowed, None);
        assert_eq!(whole, Ok(0), "the whole text parses: WORKDIR is part of the RUN");
        // Left open at the end of the file, it takes in what the rewrite adds: the stages are miscounted by neither.
        let edits = [Edit::insert(text.len(), "RUN z \\\nFROM b\n")];
        let (windowed, whole, _) = both(text, &edits);
        assert_eq!(
            (windowed, whole.ok()),
            (None, None),
            "one stage: FROM b is part of the RUN"
        );
    }

    #[test]
    fn windows_keep_the_escape_directive_and_here_documents() {
        let text = "# escape=`\nFROM a\nRUN x\nRUN <<EOF\necho hi\nEOF\nRUN y `\n  z\nENV A=1\nCMD q\n";
        let edits = [
            Edit::insert(at(text, "RUN y"), "RUN w `\n  v\n"),
            Edit::insert(text.len(), "FROM b\nRUN c `\n  d\nCOPY --from=0 /a /a\n"),
        ];
        let (windowed, whole, _) = both(text, &edits);
        assert_eq!((windowed, whole), (Some(2), Ok(2)));
        // The first edit's window starts at the heredoc RUN, not at the top: it is parsed behind
        // the `# escape=` line (without it, the backquotes would not continue the lines).
        let df = parse(text).unwrap();
        assert_eq!(windows(&df.spans, &edits[..1]), vec![2..5]);
    }

    #[test]
    fn text_that_does_not_parse_gets_the_parsers_error() {
        let text = "FROM a\nRUN x\nRUN y\nCMD q\n";
        let edits = [
            Edit::insert(at(text, "RUN y"), "HEALTHCHECK\n"),
            Edit::insert(text.len(), "FROM b\n"),
        ];
        let df = parse(text).unwrap();
        let out = apply(text, &edits).unwrap();
        assert_eq!(windowed(&df, &edits, &out), None);
        assert!(matches!(runtime_layers(&df, &edits, &out), Err(Error::Internal(m)) if m.contains("does not parse")));
    }

    #[test]
    fn before_the_first_from_the_window_starts_at_the_top() {
        let text = "ARG V=1\nARG W=2\nFROM a:$V\nRUN x\nCMD q\n";
        // An instruction put before FROM fails in the whole text; a window behind a stand-in FROM would take it.
        let edits = [
            Edit::insert(at(text, "FROM a"), "RUN early\n"),
            Edit::insert(text.len(), "FROM b\n"),
        ];
        let (windowed, whole, _) = both(text, &edits);
        assert_eq!((windowed, whole.ok()), (None, None));
        let edits = [
            Edit::insert(at(text, ":$V") + 3, " AS builder"),
            Edit::insert(text.len(), "FROM b\nRUN y\n"),
        ];
        assert_eq!(both(text, &edits).0, Some(1));
        // Two windows before FROM become one from the top.
        let text =
            "ARG A=1\nARG B=2\nARG C=3\nARG D=4\nARG E=5\nARG F=6\nARG G=7\nFROM a\nRUN x\nRUN y\nRUN z\nCMD q\n";
        let edits = [
            Edit::insert(at(text, "ARG B"), "ARG B0=0\n"),
            Edit::insert(at(text, "ARG F"), "ARG F0=0\n"),
            Edit::insert(text.len(), "FROM b\n"),
        ];
        let df = parse(text).unwrap();
        assert_eq!(windows(&df.spans, &edits), [0..3, 4..7, 10..12]);
        assert_eq!(both(text, &edits).0, Some(0));
    }

    /// Texts written the ways real Dockerfiles are, and snippets an edit may put in or take out.
    const TEXTS: [&str; 6] = [
        "ARG A=1\nARG B=2\nARG C=3\n# c\nARG D=4\nARG E=5\nARG F=6\nFROM a\nRUN x\nRUN y\nCMD q\n",
        "# syntax=docker/dockerfile:1\nARG V=1\nFROM golang:$V\nWORKDIR /src\nRUN a && \\\n  # c\n  b\nCOPY . .\nCMD x\n",
        "# escape=`\nFROM a\nRUN x `\n  y\nRUN <<EOF\necho hi\nEOF\n\n# end\nENV A=1 B=2\nEXPOSE 80\n",
        "FROM a\r\nRUN x\r\nRUN y \\\r\n  z\r\nUSER app\r\nCMD [\"q\"]\r\n",
        "from a as b\n  run x\n\n\ncopy <<EOF /f\nline\nEOF\nentrypoint [\"e\"]",
        "FROM a\nRUN x \\\n\nRUN y\nHEALTHCHECK CMD c\nCMD q\n",
    ];
    const SNIPPETS: [&str; 12] = [
        "RUN a \\\n",
        "FROM b\n",
        "\n",
        "# c\n",
        " AS builder",
        "COPY --from=0 /a /a\n",
        "HEALTHCHECK\n",
        "\\\n",
        "RUN <<EOF\nhi\n",
        "EOF\n",
        "`\n",
        "RUN c\nFROM d\nCOPY --from=0 /x /x\n",
    ];

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(2048))]

        /// Whatever the edits, the windowed check agrees with the whole parse or leaves it to it.
        #[test]
        fn windows_agree_with_the_whole_parse(
            t in 0..TEXTS.len(),
            picks in proptest::collection::vec((0..200usize, 0..3usize, 0..SNIPPETS.len()), 1..5),
            stage in proptest::bool::ANY,
        ) {
            let text = TEXTS[t];
            let lines: Vec<usize> = std::iter::once(0)
                .chain(text.match_indices('\n').map(|(i, _)| i + 1))
                .collect();
            let mut edits: Vec<Edit> = Vec::new();
            for (p, kind, k) in picks {
                // At a line start, inside a line, or over a whole line (as the plan's edits are).
                let line = lines[p % lines.len()];
                let edit = match kind {
                    0 => Edit::insert(line, SNIPPETS[k]),
                    1 => {
                        let at = (line + p % 7).min(text.len());
                        if !text.is_char_boundary(at) { continue; }
                        Edit::insert(at, SNIPPETS[k])
                    }
                    _ => {
                        let end = text[line..].find('\n').map_or(text.len(), |n| line + n + 1);
                        Edit::replace(line..end, SNIPPETS[k])
                    }
                };
                if edits.iter().all(|e| e.range.end <= edit.range.start || edit.range.end <= e.range.start) {
                    edits.push(edit);
                }
            }
            if stage {
                // As every split ends: a runtime stage after the last line.
                edits.push(Edit::insert(text.len(), "\nFROM z\nRUN r\n"));
            }
            let df = parse(text).unwrap();
            let Ok(out) = apply(text, &edits) else { return Ok(()) };
            let windowed = windowed(&df, &edits, &out);
            proptest::prop_assert!(windowed.is_none() || whole(&out) == Ok(windowed.unwrap()), "{out:?}");
        }
    }
}
