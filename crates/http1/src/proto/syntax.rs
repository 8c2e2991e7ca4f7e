//! Byte classes of RFC 9110 §5.6 shared by the parser, the framing rules, the chunked codec and
//! the serializer: one table, one trim.

/// A byte class as a table, so the hot loops do one load per byte: ASCII letters and digits, and
/// the bytes of `others`.
const fn alphanumeric_and(others: &[u8]) -> [bool; 256] {
    let mut table = [false; 256];
    let mut i = 0;
    while i < 256 {
        table[i] = (i as u8).is_ascii_alphanumeric();
        i += 1;
    }
    let mut j = 0;
    while j < others.len() {
        table[others[j] as usize] = true;
        j += 1;
    }
    table
}

/// `tchar` (RFC 9110 §5.6.2).
static TCHAR: [bool; 256] = alphanumeric_and(b"!#$%&'*+-.^_`|~");

/// Whether `b` is a `tchar` (RFC 9110 §5.6.2).
///
/// ```
/// assert!(netcore_http1::proto::is_tchar(b'~') && !netcore_http1::proto::is_tchar(b','));
/// ```
pub fn is_tchar(b: u8) -> bool {
    TCHAR[usize::from(b)]
}

/// The bytes a `Host` value may hold (RFC 3986 §3.2.2 `reg-name`, `IP-literal` brackets and
/// `:port`: unreserved, sub-delims, `%`, `:`, `[`, `]`).
static HOST_CHAR: [bool; 256] = alphanumeric_and(b"-._~!$&'()*+,;=:%[]");

/// Whether every byte of `s` may appear in a `Host` value.
pub(crate) fn is_host(s: &[u8]) -> bool {
    s.iter().all(|&b| HOST_CHAR[usize::from(b)])
}

/// Whether `s` is a `token`: one or more `tchar` (RFC 9110 §5.6.2).
///
/// ```
/// assert!(netcore_http1::proto::is_token(b"chat.v2") && !netcore_http1::proto::is_token(b""));
/// ```
pub fn is_token(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(|&b| is_tchar(b))
}

/// `s` without leading and trailing `OWS` (SP / HTAB, RFC 9110 §5.6.3).
pub(crate) fn trim_ows(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

/// Whether `s` equals `lower` ignoring ASCII case, where `lower` is lowercase letters and `-`.
///
/// Setting bit 0x20 folds `A`-`Z` onto `a`-`z`; the only other byte it folds onto a wanted one
/// is CR onto `-`, and a parsed name or value never holds a CR. So this is exact for field names
/// and values, and cheaper than `eq_ignore_ascii_case` (one OR a byte, no table).
#[inline]
pub(crate) fn eq_folded(s: &[u8], lower: &[u8]) -> bool {
    debug_assert!(lower.iter().all(|b| b.is_ascii_lowercase() || *b == b'-'));
    if s.len() != lower.len() {
        return false;
    }
    // Eight bytes a step (the names and options compared here are 4 to 17 bytes long).
    let mut s_words = s.chunks_exact(8);
    let mut lower_words = lower.chunks_exact(8);
    for (a, b) in (&mut s_words).zip(&mut lower_words) {
        let a = u64::from_le_bytes(a.try_into().unwrap_or_default());
        let b = u64::from_le_bytes(b.try_into().unwrap_or_default());
        if a | 0x2020_2020_2020_2020 != b {
            return false;
        }
    }
    s_words.remainder().iter().zip(lower_words.remainder()).all(|(a, b)| a | 0x20 == *b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eq_folded_matches_only_case_variants() {
        for want in b"abcdefghijklmnopqrstuvwxyz-" {
            for b in 0..=255u8 {
                if b == b'\r' {
                    continue;
                }
                assert_eq!(eq_folded(&[b], &[*want]), b.to_ascii_lowercase() == *want, "{b:#04x}");
            }
        }
        assert!(eq_folded(b"Keep-Alive", b"keep-alive"));
        assert!(!eq_folded(b"keep-alive ", b"keep-alive"));
        assert!(eq_folded(b"TRANSFER-ENCODING", b"transfer-encoding"));
        assert!(!eq_folded(b"Transfer-Encodinf", b"transfer-encoding"));
        assert!(!eq_folded(b"Transfer_Encoding", b"transfer-encoding"));
    }

    #[test]
    fn tchar_and_host_char_are_exactly_their_rfc_sets() {
        let listed: &[u8] = b"!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
        for b in 0..=255u8 {
            assert_eq!(is_tchar(b), listed.contains(&b), "byte {b:#04x}");
        }
        assert!(!is_token(b""));
        let host: &[u8] =
            b"-._~!$&'()*+,;=:%[]0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
        for b in 0..=255u8 {
            assert_eq!(is_host(&[b]), host.contains(&b), "byte {b:#04x}");
        }
        assert_eq!(trim_ows(b" \t a b \t"), b"a b");
        assert_eq!(trim_ows(b" \t"), b"");
    }
}
