//! Render: applies span edits to the original text. Everything outside the edits is copied
//! byte for byte; this is what keeps the diff minimal.

use std::ops::Range;

/// Replace `range` of the original text with `text` (an insertion when the range is empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    /// Byte range in the original text.
    pub range: Range<usize>,
    /// Replacement text.
    pub text: String,
}

impl Edit {
    /// Inserts `text` at `at`.
    pub fn insert(at: usize, text: impl Into<String>) -> Edit {
        Edit {
            range: at..at,
            text: text.into(),
        }
    }
    /// Replaces `range` with `text`.
    pub fn replace(range: Range<usize>, text: impl Into<String>) -> Edit {
        Edit {
            range,
            text: text.into(),
        }
    }
    /// Deletes `range`.
    pub fn delete(range: Range<usize>) -> Edit {
        Edit {
            range,
            text: String::new(),
        }
    }
}

/// Why edits could not be applied (a planning bug, never the user's input).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    /// Two edits touch the same bytes.
    #[error("overlapping edits at byte {0}")]
    Overlap(usize),
    /// An edit lies outside the text or splits a character.
    #[error("edit out of bounds at byte {0}")]
    OutOfBounds(usize),
}

/// Applies `edits` to `text`. Insertions at the same offset keep their order.
pub fn apply(text: &str, edits: &[Edit]) -> Result<String, RenderError> {
    let mut order: Vec<&Edit> = edits.iter().collect();
    order.sort_by_key(|e| (e.range.start, e.range.end));
    let mut out = String::with_capacity(text.len() + edits.iter().map(|e| e.text.len()).sum::<usize>());
    let mut pos = 0;
    for e in order {
        let r = &e.range;
        if r.start > r.end || r.end > text.len() || !text.is_char_boundary(r.start) || !text.is_char_boundary(r.end) {
            return Err(RenderError::OutOfBounds(r.start));
        }
        if r.start < pos {
            return Err(RenderError::Overlap(r.start));
        }
        out.push_str(&text[pos..r.start]);
        out.push_str(&e.text);
        pos = r.end;
    }
    out.push_str(&text[pos..]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applies_in_order() {
        let edits = [
            Edit::insert(3, "X"),
            Edit::replace(0..1, "a"),
            Edit::insert(3, "Y"),
            Edit::delete(4..5),
        ];
        assert_eq!(apply("ABCDEF", &edits).unwrap(), "aBCXYDF");
    }

    #[test]
    fn rejects_overlap() {
        assert_eq!(
            apply("abc", &[Edit::delete(0..2), Edit::delete(1..3)]),
            Err(RenderError::Overlap(1))
        );
        assert!(apply("abc", &[Edit::delete(2..9)]).is_err());
    }
}
