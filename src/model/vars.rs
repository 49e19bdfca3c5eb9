//! Vars: the ENV and ARG values of a stage as one append-only log, so that every instruction's
//! view of them costs two integers instead of a copy. A lookup finds the last definition before
//! a position with a binary search over that name's own positions: walking a stage stays linear
//! in its length however many ENV lines it has.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::rc::Rc;

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

/// An append-only log of `NAME=value` definitions. A short log is searched from its end; past
/// [`INDEXED_FROM`] entries a per-name index keeps each lookup logarithmic.
#[derive(Debug, Default, Clone)]
pub struct VarLog {
    entries: Vec<(Rc<str>, Option<Rc<str>>)>,
    index: Option<Index>,
}

/// Where each name is defined, by the name's hash, in order.
type Index = HashMap<u64, Positions, BuildHasherDefault<KeyHash>>;

/// The index's keys are FNV hashes already: hashing them again would only cost time.
#[derive(Debug, Default, Clone, Copy)]
struct KeyHash(u64);

impl Hasher for KeyHash {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is called (the keys are u64s); other input is folded in as FNV does.
        let mut h = Fnv(self.0);
        h.write(bytes);
        self.0 = h.0;
    }
    fn write_u64(&mut self, key: u64) {
        self.0 = key;
    }
}

/// Positions in the log, in order; most names are defined once, which needs no list.
#[derive(Debug, Clone, Default)]
struct Positions {
    first: usize,
    more: Vec<usize>,
    set: bool,
}

impl Positions {
    fn push(&mut self, at: usize) {
        if self.set {
            self.more.push(at);
        } else {
            (self.first, self.set) = (at, true);
        }
    }

    /// The positions before `len`, last first.
    fn before(&self, len: usize) -> impl Iterator<Item = usize> + '_ {
        let n = self.more.partition_point(|&p| p < len);
        let first = (self.set && self.first < len).then_some(self.first);
        self.more[..n].iter().rev().copied().chain(first)
    }
}

/// The index's key for `name`.
fn key(name: &str) -> u64 {
    let mut h = Fnv::default();
    h.write(name.as_bytes());
    h.finish()
}

/// The log length from which lookups go through the per-name index.
pub const INDEXED_FROM: usize = 32;

impl VarLog {
    /// Appends a definition; returns the new length (the view that includes it).
    pub fn push(&mut self, name: Rc<str>, value: Option<Rc<str>>) -> usize {
        let at = self.entries.len();
        if let Some(index) = self.index.as_mut() {
            index.entry(key(&name)).or_default().push(at);
        }
        self.entries.push((name, value));
        if self.index.is_none() && self.entries.len() >= INDEXED_FROM {
            let mut index = Index::with_capacity_and_hasher(self.entries.capacity(), Default::default());
            for (i, (n, _)) in self.entries.iter().enumerate() {
                index.entry(key(n)).or_default().push(i);
            }
            self.index = Some(index);
        }
        at + 1
    }

    /// Makes room for `additional` more definitions.
    pub fn reserve(&mut self, additional: usize) {
        self.entries.reserve(additional);
        if let Some(index) = self.index.as_mut() {
            index.reserve(additional);
        }
    }

    /// The name defined at position `at`.
    pub fn name(&self, at: usize) -> &str {
        &self.entries[at].0
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
        self.find(len, name).map(|p| self.entries[p].1.as_deref())
    }

    /// The position of the last definition of `name` among the first `len` entries (for
    /// lists kept beside the log, at the same positions).
    pub fn find(&self, len: usize, name: &str) -> Option<usize> {
        let Some(index) = &self.index else {
            let seen = &self.entries[..len.min(self.entries.len())];
            return seen.iter().rposition(|(n, _)| &**n == name);
        };
        // Names whose hashes collide share a list: the last entry of this name.
        index
            .get(&key(name))?
            .before(len)
            .find(|&p| &*self.entries[p].0 == name)
    }

    /// The definitions in `from..len`, in order (a name may appear more than once).
    pub fn range(&self, from: usize, len: usize) -> impl Iterator<Item = (&str, &str)> {
        self.entries[from.min(len)..len.min(self.entries.len())]
            .iter()
            .map(|(k, v)| (&**k, v.as_deref().unwrap_or("")))
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
    fn positions_before_a_view_last_first() {
        let mut p = Positions::default();
        assert_eq!(p.before(9).count(), 0);
        for at in [3, 5, 8] {
            p.push(at);
        }
        assert_eq!(p.before(9).collect::<Vec<_>>(), [8, 5, 3]);
        assert_eq!(p.before(8).collect::<Vec<_>>(), [5, 3]);
        assert_eq!(p.before(4).collect::<Vec<_>>(), [3]);
        assert_eq!(p.before(3).count(), 0);
    }

    #[test]
    fn many_definitions_stay_cheap() {
        let mut log = VarLog::default();
        let mut lens = Vec::new();
        for i in 0..10_000 {
            lens.push(log.push(format!("V{}", i % 100).into(), Some(i.to_string().into())));
        }
        assert_eq!(log.get(lens[9_999], "V99"), Some(Some("9999")));
        assert_eq!(log.get(lens[150], "V50"), Some(Some("150")));
        // Views taken before the index was built read the same through it.
        assert_eq!(log.get(lens[3], "V2"), Some(Some("2")));
        assert_eq!(log.get(lens[3], "V4"), None);
    }

    #[test]
    fn short_and_indexed_logs_agree() {
        let mut short = VarLog::default();
        let mut long = VarLog::default();
        for i in 0..INDEXED_FROM {
            long.push(format!("PAD{i}").into(), None);
        }
        let (mut s_lens, mut l_lens) = (Vec::new(), Vec::new());
        for (n, v) in [("A", Some("1")), ("B", None), ("A", Some("2"))] {
            s_lens.push(short.push(n.into(), v.map(Rc::from)));
            l_lens.push(long.push(n.into(), v.map(Rc::from)));
        }
        for (s, l) in s_lens.iter().zip(&l_lens) {
            for name in ["A", "B", "C"] {
                assert_eq!(short.get(*s, name), long.get(*l, name), "{name} at {s}");
            }
        }
    }
}
