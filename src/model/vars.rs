//! Vars: the ENV and ARG values of a stage as one append-only log, so that every instruction's
//! view of them costs two integers instead of a copy. A lookup finds the last definition before
//! a position with a binary search over that name's own positions: walking a stage stays linear
//! in its length however many ENV lines it has.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// FNV-1a: variable names are short, and SipHash's DoS resistance buys nothing here.
#[derive(Debug, Clone, Copy)]
pub struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// An append-only log of `NAME=value` definitions with a per-name index.
#[derive(Debug, Default, Clone)]
pub struct VarLog {
    entries: Vec<(String, Option<String>)>,
    index: HashMap<String, Vec<usize>, BuildHasherDefault<Fnv>>,
}

impl VarLog {
    /// Appends a definition; returns the new length (the view that includes it).
    pub fn push(&mut self, name: String, value: Option<String>) -> usize {
        let at = self.entries.len();
        match self.index.get_mut(&name) {
            Some(positions) => positions.push(at),
            None => {
                self.index.insert(name.clone(), vec![at]);
            }
        }
        self.entries.push((name, value));
        at + 1
    }

    /// The number of definitions so far.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing is defined.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The last definition of `name` among the first `len` entries: `Some(None)` for an ARG
    /// declared without a default.
    pub fn get(&self, len: usize, name: &str) -> Option<Option<&str>> {
        let positions = self.index.get(name)?;
        let n = positions.partition_point(|&p| p < len);
        let p = *positions.get(n.checked_sub(1)?)?;
        Some(self.entries[p].1.as_deref())
    }

    /// The definitions in `from..len`, in order (a name may appear more than once).
    pub fn range(&self, from: usize, len: usize) -> impl Iterator<Item = (&str, &str)> {
        self.entries[from.min(len)..len.min(self.entries.len())]
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_deref().unwrap_or("")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_see_only_what_came_before() {
        let mut log = VarLog::default();
        let a = log.push("A".into(), Some("1".into()));
        let b = log.push("B".into(), None);
        let a2 = log.push("A".into(), Some("2".into()));
        assert_eq!(log.get(0, "A"), None);
        assert_eq!(log.get(a, "A"), Some(Some("1")));
        assert_eq!(log.get(b, "B"), Some(None));
        assert_eq!(log.get(b, "A"), Some(Some("1")));
        assert_eq!(log.get(a2, "A"), Some(Some("2")));
        assert_eq!(log.get(a2, "C"), None);
        let seen: Vec<_> = log.range(0, a2).collect();
        assert_eq!(seen, vec![("A", "1"), ("B", ""), ("A", "2")]);
    }

    #[test]
    fn many_definitions_stay_cheap() {
        let mut log = VarLog::default();
        let mut lens = Vec::new();
        for i in 0..10_000 {
            lens.push(log.push(format!("V{}", i % 100), Some(i.to_string())));
        }
        assert_eq!(log.get(lens[9_999], "V99"), Some(Some("9999")));
        assert_eq!(log.get(lens[150], "V50"), Some(Some("150")));
    }
}
