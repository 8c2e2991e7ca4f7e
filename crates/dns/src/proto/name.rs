//! Domain names (RFC 1035 §2.3.4, §3.1): validated labels, text form with escapes (§5.1), and
//! decoding with compression pointers (§4.1.4).
//!
//! A name is kept in its uncompressed wire form — length-prefixed labels ending with the empty
//! root label — so encoding is a copy and every limit is checked once, when the name is built.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::net::IpAddr;
use std::str::FromStr;

use super::error::Error;

/// The longest name, in wire form with its length bytes and the root label (RFC 1035 §2.3.4).
pub const MAX_NAME_LEN: usize = 255;

/// The longest label (RFC 1035 §2.3.4): its length byte has 6 bits.
pub const MAX_LABEL_LEN: usize = 63;

/// The most compression pointers followed while decoding one name. A name of 255 bytes has at
/// most 127 labels, so a real message never needs more; the bound stops a chain of pointers to
/// pointers from making each name cost a walk over the whole message.
pub const MAX_POINTER_HOPS: usize = 127;

/// A domain name: labels of 1 to 63 bytes (any bytes, RFC 2181 §11), at most 255 bytes in wire
/// form. Equality and hashing ignore ASCII case (RFC 4343); the case is kept and encoded as given.
///
/// Its text form is dotted, without the trailing dot (`www.example.com`, as Node's `dns` returns
/// names), the root is `.`; inside labels `.`, `\` and the master-file specials `"();@$` are
/// escaped with a backslash and bytes outside `!`..=`~` as `\DDD` (RFC 1035 §5.1, the escaping of
/// BIND and c-ares).
///
/// ```
/// use netcore_dns::proto::Name;
///
/// let name = Name::from_ascii("WWW.Example.com.")?;
/// assert_eq!(name, Name::from_ascii("www.example.com")?);
/// assert_eq!(name.to_string(), "WWW.Example.com");
/// assert_eq!(name.label_count(), 3);
/// assert_eq!(name.wire_len(), 17);
///
/// let odd = Name::from_labels([&b"a.b"[..], b"c d"])?;
/// assert_eq!(odd.to_string(), r"a\.b.c\032d");
/// assert_eq!(odd.to_string().parse::<Name>()?, odd);
/// assert_eq!(Name::root().to_string(), ".");
/// # Ok::<(), netcore_dns::proto::Error>(())
/// ```
#[derive(Clone)]
pub struct Name {
    /// Uncompressed wire form: `len label len label … 0`, at most 255 bytes, labels 1..=63.
    wire: Vec<u8>,
}

impl Name {
    /// The root name, `.`.
    pub fn root() -> Name {
        Name { wire: vec![0] }
    }

    /// Parses a name from its text form: dot-separated labels, the trailing dot optional, `\X`
    /// for a literal character and `\DDD` for a byte in decimal (RFC 1035 §5.1). `"."` is the
    /// root. Errors carry the offset into `text`.
    ///
    /// ```
    /// use netcore_dns::proto::{Error, Name};
    ///
    /// assert_eq!(Name::from_ascii(r"a\.b\255.com")?.label_count(), 2);
    /// assert_eq!(Name::from_ascii("a..com"), Err(Error::EmptyLabel { offset: 2 }));
    /// assert_eq!(Name::from_ascii(r"a\25"), Err(Error::BadEscape { offset: 1 }));
    /// assert_eq!(Name::from_ascii("café.fr"), Err(Error::NonAscii { offset: 3 }));
    /// # Ok::<(), Error>(())
    /// ```
    pub fn from_ascii(text: &str) -> Result<Name, Error> {
        if text == "." {
            return Ok(Name::root());
        }
        let bytes = text.as_bytes();
        let mut wire = Vec::with_capacity(bytes.len() + 2);
        let mut label_start = 0; // index in `wire` of the current label's length byte
        let mut label_text = 0; // index in `text` where the current label starts
        wire.push(0);
        let mut i = 0;
        while let Some(&c) = bytes.get(i) {
            let (byte, next) = match c {
                b'.' => {
                    close_label(&mut wire, label_start, label_text)?;
                    if i + 1 == bytes.len() {
                        // The trailing dot: the root label follows.
                        label_start = usize::MAX;
                        break;
                    }
                    label_start = wire.len();
                    label_text = i + 1;
                    wire.push(0);
                    i += 1;
                    continue;
                }
                b'\\' => unescape(bytes, i)?,
                0x80.. => return Err(Error::NonAscii { offset: i }),
                _ => (c, i + 1),
            };
            wire.push(byte);
            if wire.len() - label_start - 1 > MAX_LABEL_LEN {
                return Err(Error::LabelTooLong { offset: label_text });
            }
            if wire.len() + 1 > MAX_NAME_LEN {
                return Err(Error::NameTooLong { offset: label_text });
            }
            i = next;
        }
        if label_start != usize::MAX {
            close_label(&mut wire, label_start, label_text)?;
        }
        wire.push(0);
        Ok(Name { wire })
    }

    /// Builds a name from its labels, most specific first (`["www", "example", "com"]`); no
    /// labels is the root. Labels may hold any bytes. Errors carry the offset in wire form.
    ///
    /// ```
    /// use netcore_dns::proto::{Error, Name};
    ///
    /// assert_eq!(Name::from_labels(["_sip", "_udp", "example", "com"])?.to_string(), "_sip._udp.example.com");
    /// assert_eq!(Name::from_labels(["a", ""]), Err(Error::EmptyLabel { offset: 2 }));
    /// assert_eq!(Name::from_labels([[b'x'; 64]]), Err(Error::LabelTooLong { offset: 0 }));
    /// # Ok::<(), Error>(())
    /// ```
    pub fn from_labels<I, L>(labels: I) -> Result<Name, Error>
    where
        I: IntoIterator<Item = L>,
        L: AsRef<[u8]>,
    {
        let mut wire = Vec::new();
        for label in labels {
            let label = label.as_ref();
            let offset = wire.len();
            if label.is_empty() {
                return Err(Error::EmptyLabel { offset });
            }
            if label.len() > MAX_LABEL_LEN {
                return Err(Error::LabelTooLong { offset });
            }
            if offset + 1 + label.len() + 1 > MAX_NAME_LEN {
                return Err(Error::NameTooLong { offset });
            }
            push_label(&mut wire, label);
        }
        wire.push(0);
        Ok(Name { wire })
    }

    /// The name a reverse lookup asks for (Node's `dns.reverse`): `4.3.2.1.in-addr.arpa` for
    /// `1.2.3.4` (RFC 1035 §3.5), the 32 nibbles of an IPv6 address, least significant first,
    /// under `ip6.arpa` (RFC 3596 §2.5).
    ///
    /// ```
    /// use netcore_dns::proto::Name;
    ///
    /// let v4 = Name::reverse("192.0.2.1".parse()?);
    /// assert_eq!(v4.to_string(), "1.2.0.192.in-addr.arpa");
    /// let v6 = Name::reverse("2001:db8::567:89ab".parse()?);
    /// assert_eq!(v6.to_string(), "b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn reverse(ip: IpAddr) -> Name {
        let mut wire = Vec::with_capacity(74);
        match ip {
            IpAddr::V4(v4) => {
                for octet in v4.octets().iter().rev() {
                    push_label(&mut wire, octet.to_string().as_bytes());
                }
                push_label(&mut wire, b"in-addr");
            }
            IpAddr::V6(v6) => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                for octet in v6.octets().iter().rev() {
                    for nibble in [octet & 0x0f, octet >> 4] {
                        let digit = HEX.get(usize::from(nibble)).copied().unwrap_or(b'0');
                        push_label(&mut wire, &[digit]);
                    }
                }
                push_label(&mut wire, b"ip6");
            }
        }
        push_label(&mut wire, b"arpa");
        wire.push(0);
        Name { wire }
    }

    /// Whether this is the root name.
    pub fn is_root(&self) -> bool {
        self.wire.len() == 1
    }

    /// The number of labels, not counting the root's empty label (`www.example.com` has 3).
    pub fn label_count(&self) -> usize {
        self.labels().count()
    }

    /// The labels, most specific first, without the root's empty label.
    pub fn labels(&self) -> Labels<'_> {
        Labels { rest: &self.wire }
    }

    /// The length in uncompressed wire form, length bytes and root label included: 1 for the
    /// root, at most [`MAX_NAME_LEN`].
    pub fn wire_len(&self) -> usize {
        self.wire.len()
    }

    /// The uncompressed wire form (RFC 1035 §3.1). Comparing these compares names with case,
    /// as a resolver that randomises case (the "0x20" defence) needs.
    pub fn as_wire(&self) -> &[u8] {
        &self.wire
    }

    /// Whether `suffix` is this name or one of its ancestors, label by label, ignoring ASCII
    /// case: a resolver's bailiwick check. Every name ends with the root.
    ///
    /// ```
    /// use netcore_dns::proto::Name;
    ///
    /// let www = Name::from_ascii("www.Example.com")?;
    /// assert!(www.ends_with(&Name::from_ascii("example.COM")?));
    /// assert!(!www.ends_with(&Name::from_ascii("ample.com")?));
    /// assert!(www.ends_with(&Name::root()));
    /// # Ok::<(), netcore_dns::proto::Error>(())
    /// ```
    pub fn ends_with(&self, suffix: &Name) -> bool {
        let mut rest: &[u8] = &self.wire;
        loop {
            if rest.len() == suffix.wire.len() {
                return rest.eq_ignore_ascii_case(&suffix.wire);
            }
            match rest.split_first() {
                Some((&len, tail)) if len != 0 && rest.len() > suffix.wire.len() => {
                    rest = tail.get(usize::from(len)..).unwrap_or_default();
                }
                _ => return false,
            }
        }
    }

    /// Decodes the name at `start` in `msg`, following compression pointers (RFC 1035 §4.1.4).
    /// The labels before the first pointer must end by `end` (the end of the message or of the
    /// record's RDATA); pointers may reach any earlier byte. Returns the name and the offset just
    /// after it where it started (after its first pointer, if it has one).
    ///
    /// Loops are impossible by construction: each pointer must point before the start of the
    /// labels read so far (the name's start, then each earlier pointer's target), so the targets
    /// strictly decrease; and [`MAX_POINTER_HOPS`] bounds the work.
    pub(crate) fn decode(msg: &[u8], start: usize, end: usize) -> Result<(Name, usize), Error> {
        let mut buf = [0u8; MAX_NAME_LEN];
        let mut len = 0; // bytes of `buf` in use, without the root label
        let mut pos = start;
        let mut limit = end.min(msg.len());
        let mut segment = start; // where the labels being read started
        let mut next = None; // where the caller resumes: after the first pointer
        let mut last_pointer = None;
        let mut hops = 0;
        // Running out of bytes in the first segment is a truncated message; after a pointer, the
        // pointer is at fault.
        let past_end = |at: usize, last_pointer: Option<usize>| match last_pointer {
            None => Error::Truncated { offset: at },
            Some(offset) => Error::BadPointer { offset },
        };
        loop {
            let window = msg.get(..limit).unwrap_or_default();
            let &first = window.get(pos).ok_or_else(|| past_end(pos, last_pointer))?;
            match first >> 6 {
                0b00 if first == 0 => {
                    let root = buf.get_mut(len).ok_or(Error::NameTooLong { offset: pos })?;
                    *root = 0;
                    let wire = buf.get(..=len).unwrap_or_default().to_vec();
                    return Ok((Name { wire }, next.unwrap_or(pos + 1)));
                }
                0b00 => {
                    let label_len = usize::from(first);
                    let label_end = pos + 1 + label_len;
                    let label = window.get(pos..label_end).ok_or_else(|| past_end(pos, last_pointer))?;
                    // The root label must still fit after this one.
                    if len + label.len() + 1 > MAX_NAME_LEN {
                        return Err(Error::NameTooLong { offset: pos });
                    }
                    let dst =
                        buf.get_mut(len..len + label.len()).ok_or(Error::NameTooLong { offset: pos })?;
                    dst.copy_from_slice(label);
                    len += label.len();
                    pos = label_end;
                }
                0b11 => {
                    let &low = window.get(pos + 1).ok_or_else(|| past_end(pos, last_pointer))?;
                    let target = usize::from(first & 0x3f) << 8 | usize::from(low);
                    if target > pos {
                        return Err(Error::BadPointer { offset: pos });
                    }
                    if target >= segment {
                        return Err(Error::PointerLoop { offset: pos });
                    }
                    hops += 1;
                    if hops > MAX_POINTER_HOPS {
                        return Err(Error::TooManyPointers { offset: pos });
                    }
                    next.get_or_insert(pos + 2);
                    last_pointer = Some(pos);
                    segment = target;
                    pos = target;
                    limit = msg.len();
                }
                _ => return Err(Error::BadLabelType { offset: pos }),
            }
        }
    }
}

/// Appends one label: its length byte and its bytes. The caller has checked the length.
fn push_label(wire: &mut Vec<u8>, label: &[u8]) {
    wire.push(u8::try_from(label.len()).unwrap_or(u8::MAX));
    wire.extend_from_slice(label);
}

/// Writes the length of the label whose length byte is at `label_start` (text parsing).
fn close_label(wire: &mut [u8], label_start: usize, label_text: usize) -> Result<(), Error> {
    let len = wire.len() - label_start - 1;
    if len == 0 {
        return Err(Error::EmptyLabel { offset: label_text });
    }
    if let Some(b) = wire.get_mut(label_start) {
        *b = u8::try_from(len).map_err(|_| Error::LabelTooLong { offset: label_text })?;
    }
    Ok(())
}

/// The byte a backslash escape at `at` stands for and the offset after it (RFC 1035 §5.1).
fn unescape(text: &[u8], at: usize) -> Result<(u8, usize), Error> {
    let bad = Error::BadEscape { offset: at };
    match text.get(at + 1) {
        Some(d) if d.is_ascii_digit() => {
            let digits = text.get(at + 1..at + 4).ok_or(bad)?;
            let mut value: u16 = 0;
            for &d in digits {
                if !d.is_ascii_digit() {
                    return Err(bad);
                }
                value = value * 10 + u16::from(d - b'0');
            }
            Ok((u8::try_from(value).map_err(|_| bad)?, at + 4))
        }
        Some(&c) if c.is_ascii() => Ok((c, at + 2)),
        _ => Err(bad),
    }
}

/// The labels of a [`Name`], most specific first; see [`Name::labels`].
#[derive(Debug, Clone)]
pub struct Labels<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Labels<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        let (&len, tail) = self.rest.split_first()?;
        let label = tail.get(..usize::from(len))?;
        if label.is_empty() {
            self.rest = &[];
            return None;
        }
        self.rest = tail.get(label.len()..).unwrap_or_default();
        Some(label)
    }
}

impl PartialEq for Name {
    /// ASCII case-insensitive (RFC 4343 §3). Length bytes are under 64, never letters.
    fn eq(&self, other: &Name) -> bool {
        self.wire.eq_ignore_ascii_case(&other.wire)
    }
}

impl Eq for Name {}

impl Hash for Name {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_usize(self.wire.len());
        for b in &self.wire {
            state.write_u8(b.to_ascii_lowercase());
        }
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_root() {
            return f.write_str(".");
        }
        for (i, label) in self.labels().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            for &b in label {
                match b {
                    b'.' | b'\\' | b'"' | b'(' | b')' | b';' | b'@' | b'$' => {
                        write!(f, "\\{}", char::from(b))?
                    }
                    0x21..=0x7e => write!(f, "{}", char::from(b))?,
                    _ => write!(f, "\\{b:03}")?,
                }
            }
        }
        Ok(())
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Name({self})")
    }
}

impl FromStr for Name {
    type Err = Error;

    /// [`Name::from_ascii`].
    fn from_str(s: &str) -> Result<Name, Error> {
        Name::from_ascii(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(s: &str) -> Name {
        Name::from_ascii(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn text_forms() {
        let table: [(&str, Result<&[u8], Error>); 18] = [
            (".", Ok(b"\0")),
            ("com", Ok(b"\x03com\0")),
            ("com.", Ok(b"\x03com\0")),
            ("www.example.com", Ok(b"\x03www\x07example\x03com\0")),
            (r"a\.b.c", Ok(b"\x03a.b\x01c\0")),
            (r"\\", Ok(b"\x01\\\0")),
            (r"\000\255", Ok(b"\x02\x00\xff\0")),
            (r"a\ b", Ok(b"\x03a b\0")),
            ("", Err(Error::EmptyLabel { offset: 0 })),
            ("..", Err(Error::EmptyLabel { offset: 0 })),
            (".com", Err(Error::EmptyLabel { offset: 0 })),
            ("com..", Err(Error::EmptyLabel { offset: 4 })),
            ("a..b", Err(Error::EmptyLabel { offset: 2 })),
            (r"a\", Err(Error::BadEscape { offset: 1 })),
            (r"\256", Err(Error::BadEscape { offset: 0 })),
            (r"\1a1", Err(Error::BadEscape { offset: 0 })),
            ("\u{e9}", Err(Error::NonAscii { offset: 0 })),
            (r"a\é", Err(Error::BadEscape { offset: 1 })),
        ];
        for (text, want) in table {
            let got = Name::from_ascii(text);
            assert_eq!(got.as_ref().map(Name::as_wire).map_err(|e| *e), want, "{text:?}");
        }
    }

    #[test]
    fn display_escapes_like_bind() {
        let table: [(&[&[u8]], &str); 5] = [
            (&[], "."),
            (&[b"www", b"example", b"com"], "www.example.com"),
            (&[b"a.b", b"c\\d"], r"a\.b.c\\d"),
            (&[b"\x00 \x7f\xff"], r"\000\032\127\255"),
            (&[b"\"();@$"], r#"\"\(\)\;\@\$"#),
        ];
        for (labels, text) in table {
            let n = Name::from_labels(labels.iter()).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(n.to_string(), text);
            assert_eq!(name(text).as_wire(), n.as_wire(), "{text} parses back");
        }
    }

    #[test]
    fn label_and_name_limits_at_and_past() {
        let l63 = "a".repeat(63);
        assert_eq!(name(&l63).wire_len(), 65);
        assert_eq!(Name::from_ascii(&"a".repeat(64)), Err(Error::LabelTooLong { offset: 0 }));
        // 3 × (1 + 63) + (1 + 61) + 1 = 255.
        let at = format!("{l63}.{l63}.{l63}.{}", "b".repeat(61));
        assert_eq!(name(&at).wire_len(), MAX_NAME_LEN);
        assert_eq!(name(&format!("{at}.")).wire_len(), MAX_NAME_LEN);
        let past = format!("{l63}.{l63}.{l63}.{}", "b".repeat(62));
        assert_eq!(Name::from_ascii(&past), Err(Error::NameTooLong { offset: 192 }));
        let labels = [l63.as_str(), &l63, &l63, &"b".repeat(62)];
        assert_eq!(Name::from_labels(labels), Err(Error::NameTooLong { offset: 192 }));
        // 127 one-byte labels are 255 bytes; 128 are not.
        assert_eq!(name(&["x"; 127].join(".")).wire_len(), 255);
        assert!(matches!(Name::from_ascii(&["x"; 128].join(".")), Err(Error::NameTooLong { .. })));
    }

    #[test]
    fn case_insensitive_rfc4343() {
        use std::collections::hash_map::DefaultHasher;
        let hash = |n: &Name| {
            let mut h = DefaultHasher::new();
            n.hash(&mut h);
            h.finish()
        };
        let (a, b) = (name("Example.COM"), name("example.com"));
        assert_eq!(a, b);
        assert_eq!(hash(&a), hash(&b));
        assert_ne!(a.as_wire(), b.as_wire());
        assert_ne!(name("example.com"), name("example.co"));
        // Only ASCII letters fold: 0xC9 and 0xE9 differ.
        assert_ne!(name(r"\201"), name(r"\233"));
    }

    #[test]
    fn labels_and_ends_with() {
        let n = name("a.b.c");
        assert_eq!(n.labels().collect::<Vec<_>>(), [b"a", b"b", b"c"]);
        assert_eq!(Name::root().labels().count(), 0);
        assert!(n.ends_with(&name("B.c")) && n.ends_with(&n) && !n.ends_with(&name("a.b")));
        assert!(!name("c").ends_with(&n));
        assert!(!name("xb.c").ends_with(&name("b.c")));
    }

    /// RFC 1035 §4.1.4: F.ISI.ARPA at 20, FOO.F.ISI.ARPA at 40 as "FOO" and a pointer to 20, ARPA
    /// at 64 as a pointer to 26, and the root at 92.
    #[test]
    fn rfc1035_4_1_4_compression() {
        let mut msg = vec![0u8; 93];
        let mut put = |at: usize, bytes: &[u8]| msg[at..at + bytes.len()].copy_from_slice(bytes);
        put(20, b"\x01F\x03ISI\x04ARPA\0");
        put(40, b"\x03FOO\xc0\x14");
        put(64, b"\xc0\x1a");
        put(92, b"\0");
        let table = [(20, "F.ISI.ARPA", 32), (40, "FOO.F.ISI.ARPA", 46), (64, "ARPA", 66), (92, ".", 93)];
        for (at, text, next) in table {
            let (n, after) = Name::decode(&msg, at, msg.len()).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!((n.to_string().as_str(), after), (text, next));
        }
    }

    #[test]
    fn pointer_rules() {
        let decode = |msg: &[u8], at: usize| Name::decode(msg, at, msg.len()).map(|(n, _)| n.to_string());
        // A pointer to itself.
        assert_eq!(decode(&[0, 0, 0xc0, 2], 2), Err(Error::PointerLoop { offset: 2 }));
        // Two pointers to each other: whichever is read first, one of them points forwards.
        let pair = [0xc0, 2, 0xc0, 0];
        assert_eq!(decode(&pair, 0), Err(Error::BadPointer { offset: 0 }));
        assert_eq!(decode(&pair, 2), Err(Error::BadPointer { offset: 0 }));
        // A forward pointer to a valid name.
        assert_eq!(decode(&[0xc0, 2, 1, b'a', 0], 0), Err(Error::BadPointer { offset: 0 }));
        // A pointer into the name's own labels.
        assert_eq!(decode(&[1, b'a', 0xc0, 0], 0), Err(Error::PointerLoop { offset: 2 }));
        // A label that jumps over a pointer, back to the label: the target is not below the
        // segment start.
        assert_eq!(decode(&[0, 3, 0xc0, 1, 0, 0xc0, 1], 5), Err(Error::PointerLoop { offset: 5 }));
        // A pointer past the end of the message.
        assert_eq!(decode(&[0xff, 0xff], 0), Err(Error::BadPointer { offset: 0 }));
        // A pointer to a name that runs off the end.
        assert_eq!(decode(&[3, b'a', 0xc0, 0], 2), Err(Error::BadPointer { offset: 2 }));
        // A pointer cut in half.
        assert_eq!(decode(&[1, b'a', 0xc0], 0), Err(Error::Truncated { offset: 2 }));
        // Label types 01 and 10.
        assert_eq!(decode(&[0x41, 0], 0), Err(Error::BadLabelType { offset: 0 }));
        assert_eq!(decode(&[1, b'a', 0x80], 0), Err(Error::BadLabelType { offset: 2 }));
        // A chain: each pointer points to the one before it.
        let mut chain = vec![0u8];
        for i in 0..=MAX_POINTER_HOPS {
            let target = if i == 0 { 0 } else { 1 + 2 * (i - 1) };
            chain.extend_from_slice(&[0xc0 | (target >> 8) as u8, target as u8]);
        }
        let last = chain.len() - 2;
        assert_eq!(decode(&chain, last - 2), Ok(".".to_owned()));
        assert_eq!(decode(&chain, last), Err(Error::TooManyPointers { offset: 1 }));
    }

    #[test]
    fn decoded_name_limits() {
        // Four labels of 63, 63, 63 and 61 bytes: 255 in wire form, split by a pointer.
        let mut msg = Vec::new();
        for len in [63u8, 61] {
            msg.push(len);
            msg.extend(std::iter::repeat(b'x').take(usize::from(len)));
        }
        msg.push(0);
        let tail = msg.len();
        for _ in 0..2 {
            msg.push(63);
            msg.extend(std::iter::repeat(b'y').take(63));
        }
        msg.extend_from_slice(&[0xc0, 0]);
        let (n, next) = Name::decode(&msg, tail, msg.len()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((n.wire_len(), next), (255, msg.len()));
        // One byte more: a 62-byte label.
        msg[64] = 62;
        msg.insert(65, b'x');
        let tail = tail + 1;
        assert_eq!(Name::decode(&msg, tail, msg.len()).err(), Some(Error::NameTooLong { offset: 64 }));
        // A name without its root label, cut at `end`.
        assert_eq!(Name::decode(b"\x01a\x00", 0, 2).err(), Some(Error::Truncated { offset: 2 }));
        assert_eq!(Name::decode(b"\x03ab", 0, 3).err(), Some(Error::Truncated { offset: 0 }));
    }
}
