//! The encoder's output and its name compression table (RFC 1035 §4.1.4).
//!
//! Every name written records where each of its suffixes starts (while the offset is below
//! 0x4000, the most a pointer can hold). A later name looks for its longest suffix already in the
//! table, writes the labels before it and a pointer to it. Suffixes are found by a hash of their
//! wire bytes and confirmed by comparing them with what was written, so a collision costs a
//! comparison, never a wrong pointer. Matches are exact, case included: a pointer copies the case
//! of its target, and a name must be encoded as given (RFC 4343 §4.1).

use super::name::{Name, MAX_POINTER_HOPS};

/// The largest offset a compression pointer can hold: 14 bits.
const MAX_POINTER_TARGET: usize = 0x3fff;

/// A message being encoded: appends to the caller's buffer, offsets counted from where the
/// message starts in it (`base`, so that a TCP length prefix before it does not shift pointers).
pub(crate) struct Writer<'a> {
    out: &'a mut Vec<u8>,
    base: usize,
    /// (hash of a suffix's wire bytes, its offset).
    table: Vec<(u64, u16)>,
}

impl<'a> Writer<'a> {
    pub(crate) fn new(out: &'a mut Vec<u8>) -> Writer<'a> {
        let base = out.len();
        Writer { out, base, table: Vec::with_capacity(16) }
    }

    /// Bytes written so far.
    pub(crate) fn len(&self) -> usize {
        self.out.len() - self.base
    }

    pub(crate) fn u8(&mut self, v: u8) {
        self.out.push(v);
    }

    pub(crate) fn u16(&mut self, v: u16) {
        self.out.extend_from_slice(&v.to_be_bytes());
    }

    pub(crate) fn u32(&mut self, v: u32) {
        self.out.extend_from_slice(&v.to_be_bytes());
    }

    pub(crate) fn bytes(&mut self, v: &[u8]) {
        self.out.extend_from_slice(v);
    }

    /// Overwrites the 16-bit value at message offset `at` (an RDLENGTH written as a placeholder).
    pub(crate) fn patch_u16(&mut self, at: usize, v: u16) {
        if let Some(dst) = self.out.get_mut(self.base + at..self.base + at + 2) {
            dst.copy_from_slice(&v.to_be_bytes());
        }
    }

    /// Writes `name`, compressed if `compress` (owner names, questions, the RDATA of the RFC 1035
    /// types); either way its suffixes become targets for later names.
    pub(crate) fn name(&mut self, name: &Name, compress: bool) {
        let wire = name.as_wire();
        // The hashes of the first suffixes, computed while looking them up and reused when they
        // are recorded (names rarely have more labels).
        let mut hashes = [0u64; 8];
        let mut hashed = 0;
        // The longest suffix already written: where it starts in `wire`, and its offset.
        let mut found = None;
        let mut start = 0;
        while let Some(&len) = wire.get(start) {
            if len == 0 || !compress || self.table.is_empty() {
                break;
            }
            let suffix = wire.get(start..).unwrap_or_default();
            let hash = fnv1a(suffix);
            if let Some(slot) = hashes.get_mut(hashed) {
                *slot = hash;
                hashed += 1;
            }
            let mut entries = self.table.iter();
            if let Some(&(_, offset)) =
                entries.find(|&&(h, offset)| h == hash && self.written_equals(usize::from(offset), suffix))
            {
                found = Some((start, offset));
                break;
            }
            start += 1 + usize::from(len);
        }
        // Write the labels before it (all of them, without one), each a new suffix to point to.
        let stop = found.map_or(wire.len() - 1, |(start, _)| start);
        let name_at = self.len();
        let mut start = 0;
        let mut i = 0;
        while start < stop {
            let offset = name_at + start;
            if offset <= MAX_POINTER_TARGET {
                let hash = match hashes.get(i) {
                    Some(&hash) if i < hashed => hash,
                    _ => fnv1a(wire.get(start..).unwrap_or_default()),
                };
                self.table.push((hash, offset as u16));
            }
            start += 1 + usize::from(wire.get(start).copied().unwrap_or(0));
            i += 1;
        }
        self.out.extend_from_slice(wire.get(..stop).unwrap_or_default());
        match found {
            Some((_, offset)) => self.u16(0xc000 | offset),
            None => self.u8(0),
        }
    }

    /// Whether the name written at `offset` is `suffix` (uncompressed wire form), byte for byte.
    fn written_equals(&self, mut offset: usize, suffix: &[u8]) -> bool {
        let msg = self.out.get(self.base..).unwrap_or_default();
        let mut at = 0;
        let mut hops = 0;
        loop {
            let Some(&len) = msg.get(offset) else { return false };
            if len & 0xc0 == 0xc0 {
                let Some(&low) = msg.get(offset + 1) else { return false };
                offset = usize::from(len & 0x3f) << 8 | usize::from(low);
                hops += 1;
                if hops > MAX_POINTER_HOPS {
                    return false;
                }
                continue;
            }
            let n = 1 + usize::from(len);
            if msg.get(offset..offset + n) != suffix.get(at..at + n) {
                return false;
            }
            if len == 0 {
                return at + 1 == suffix.len();
            }
            offset += n;
            at += n;
        }
    }
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// FNV-1a over a suffix's wire bytes.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash = FNV_OFFSET;
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(FNV_PRIME);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(s: &str) -> Name {
        Name::from_ascii(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn longest_suffix_is_pointed_to() {
        let mut out = vec![0xaa, 0xbb]; // a TCP length prefix: offsets start after it
        let mut w = Writer::new(&mut out);
        w.name(&name("www.example.com"), true);
        w.name(&name("mail.example.com"), true);
        w.name(&name("www.example.com"), true);
        w.name(&name("com"), true);
        w.name(&name("."), true);
        w.name(&name("EXAMPLE.com"), true);
        w.name(&name("example.com"), false);
        assert_eq!(
            &out[2..],
            b"\x03www\x07example\x03com\x00\
              \x04mail\xc0\x04\
              \xc0\x00\
              \xc0\x0c\
              \x00\
              \x07EXAMPLE\xc0\x0c\
              \x07example\x03com\x00"
        );
    }

    #[test]
    fn no_pointer_to_offsets_past_0x3fff() {
        let mut out = Vec::new();
        let mut w = Writer::new(&mut out);
        w.bytes(&[0; MAX_POINTER_TARGET]);
        w.name(&name("a.b"), true); // "a" at 0x3fff, "b" at 0x4001
        w.name(&name("a.b"), true);
        w.name(&name("b"), true);
        assert_eq!(&out[MAX_POINTER_TARGET..], b"\x01a\x01b\x00\xff\xff\x01b\x00");
    }
}
