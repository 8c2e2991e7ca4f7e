//! Incremental UTF-8 validation across fragments (RFC 6455 §5.6, §8.1).
//!
//! A text message may be split into frames, and frames into reads, at any byte, even inside a
//! character. [`Utf8Validator`] checks the pieces as they come and fails at the first byte that
//! can never be part of valid UTF-8 (RFC 3629 §4): `C0`, `F5`…, a surrogate `ED A0`…, an
//! overlong `E0 80`… or `F0 80`…, a code point past U+10FFFF `F4 90`…, even when the sequence
//! is not finished yet. Autobahn's "fail fast on invalid UTF-8" cases (6.x) depend on it.
//!
//! The bulk of each piece goes through [`std::str::from_utf8`] (the standard library's
//! word-at-a-time ASCII fast path); only the at most three bytes of a character cut at the end
//! of a piece are carried over, and they are completed and checked by the same function on a
//! 4-byte buffer. `std`'s `error_len() == None` means exactly "incomplete, but every byte so far
//! can still start a valid character", which is the fail-fast rule.

use std::fmt;

/// Invalid UTF-8: `offset` is the index (counted from the start of everything fed since the
/// validator was created or last finished) of the first byte of the invalid sequence, like
/// [`std::str::Utf8Error::valid_up_to`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Utf8Error {
    /// Where the invalid (or, from [`Utf8Validator::finish`], unfinished) sequence starts.
    pub offset: usize,
}

impl fmt::Display for Utf8Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid utf-8 at byte {}", self.offset)
    }
}

impl std::error::Error for Utf8Error {}

/// Validates UTF-8 fed in pieces split anywhere; reports the first impossible byte as soon as it
/// is fed.
///
/// ```
/// use netcore_websocket::proto::utf8::{Utf8Error, Utf8Validator};
/// let text = "κόσμε".as_bytes();
/// let mut v = Utf8Validator::new();
/// v.feed(&text[..3])?; // cut inside "ό"
/// v.feed(&text[3..])?;
/// v.finish()?;
///
/// // A surrogate (ED A0 80) fails at its second byte, before the sequence is complete.
/// let mut v = Utf8Validator::new();
/// v.feed(b"ab\xed")?;
/// assert_eq!(v.feed(b"\xa0"), Err(Utf8Error { offset: 2 }));
/// # Ok::<(), Utf8Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct Utf8Validator {
    /// The unfinished character at the end of what was fed (`partial_len` bytes of it).
    partial: [u8; 4],
    partial_len: u8,
    /// Bytes validated so far (the offset of `partial[0]`).
    valid: usize,
    /// The first error: once failed, the validator keeps returning it.
    error: Option<Utf8Error>,
}

impl Utf8Validator {
    /// A validator at the start of a message.
    pub const fn new() -> Self {
        Self { partial: [0; 4], partial_len: 0, valid: 0, error: None }
    }

    /// Checks the next piece. Fails at the first byte that no continuation could make valid; an
    /// unfinished character at the end of `bytes` is kept for the next call. After an error, every
    /// call returns the same error until [`finish`](Self::finish) or [`reset`](Self::reset).
    pub fn feed(&mut self, mut bytes: &[u8]) -> Result<(), Utf8Error> {
        if let Some(e) = self.error {
            return Err(e);
        }
        if self.partial_len > 0 {
            // Complete the carried character with exactly the bytes it still needs.
            let have = usize::from(self.partial_len);
            let need = sequence_len(self.partial[0]).saturating_sub(have);
            let take = need.min(bytes.len());
            self.partial[have..have + take].copy_from_slice(&bytes[..take]);
            let have = have + take;
            match std::str::from_utf8(&self.partial[..have]) {
                Ok(_) => {
                    self.valid += have;
                    self.partial_len = 0;
                }
                // Still short (`take == bytes.len()`), and still possible.
                Err(e) if e.error_len().is_none() => {
                    self.partial_len = have as u8;
                    return Ok(());
                }
                Err(_) => return Err(self.fail(self.valid)),
            }
            bytes = &bytes[take..];
        }
        // Short ASCII pieces (chat, JSON) are the common case, and cheaper to check this way.
        if bytes.is_ascii() {
            self.valid += bytes.len();
            return Ok(());
        }
        match std::str::from_utf8(bytes) {
            Ok(_) => self.valid += bytes.len(),
            Err(e) => {
                let good = e.valid_up_to();
                if e.error_len().is_some() {
                    return Err(self.fail(self.valid + good));
                }
                let tail = &bytes[good..];
                self.partial[..tail.len()].copy_from_slice(tail);
                self.partial_len = tail.len() as u8;
                self.valid += good;
            }
        }
        Ok(())
    }

    /// Ends the message: an error if a character is unfinished (or an error was already found).
    /// The validator is then reset for the next message either way.
    pub fn finish(&mut self) -> Result<(), Utf8Error> {
        let result = match self.error {
            Some(e) => Err(e),
            None if self.partial_len > 0 => Err(Utf8Error { offset: self.valid }),
            None => Ok(()),
        };
        self.reset();
        result
    }

    /// Forgets everything fed: back to the start of a message.
    pub fn reset(&mut self) {
        *self = Self::new();
    }

    /// Whether nothing has been fed since the start of the message.
    pub fn is_empty(&self) -> bool {
        self.valid == 0 && self.partial_len == 0 && self.error.is_none()
    }

    fn fail(&mut self, offset: usize) -> Utf8Error {
        let e = Utf8Error { offset };
        self.error = Some(e);
        e
    }
}

/// Validates a whole message at once, e.g. a text message after inflation (RFC 7692 §6.2: a
/// compressed text message is checked after decompression).
///
/// ```
/// use netcore_websocket::proto::utf8::{validate, Utf8Error};
/// assert_eq!(validate("héllo".as_bytes()), Ok(()));
/// assert_eq!(validate(b"ok\xf4\x90\x80\x80"), Err(Utf8Error { offset: 2 }));
/// assert_eq!(validate(b"cut\xe2\x82"), Err(Utf8Error { offset: 3 }));
/// ```
pub fn validate(bytes: &[u8]) -> Result<(), Utf8Error> {
    std::str::from_utf8(bytes).map(drop).map_err(|e| Utf8Error { offset: e.valid_up_to() })
}

/// The length of the sequence a valid lead byte starts (RFC 3629 §3).
fn sequence_len(lead: u8) -> usize {
    match lead {
        0xc2..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf4 => 4,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Feeds `bytes` split at every pair of points; the outcome must match `expected`, and an
    /// error must be reported by the `feed` that delivers the byte at `fail_at` (fail fast), not
    /// later.
    fn check_every_split(bytes: &[u8], expected: Result<(), usize>, fail_at: Option<usize>) {
        for i in 0..=bytes.len() {
            for j in i..=bytes.len() {
                let mut v = Utf8Validator::new();
                let pieces = [&bytes[..i], &bytes[i..j], &bytes[j..]];
                let mut end = 0;
                let mut got = Ok(());
                for piece in pieces {
                    end += piece.len();
                    if let Err(e) = v.feed(piece) {
                        if let Some(at) = fail_at {
                            assert!(end > at, "{bytes:02x?} split {i},{j}: failed before byte {at}");
                            assert!(end - piece.len() <= at, "{bytes:02x?} split {i},{j}: failed late");
                        }
                        got = Err(e.offset);
                        break;
                    }
                }
                if got.is_ok() {
                    got = v.finish().map_err(|e| e.offset);
                }
                assert_eq!(got, expected, "{bytes:02x?} split at {i},{j}");
            }
        }
    }

    /// Every class of valid and invalid sequence (RFC 3629 §4's table), with its error offset
    /// and the byte at which it must fail.
    /// Bytes, the verdict (the error's offset), and the byte at which it must fail.
    type Case<'a> = (&'a [u8], Result<(), usize>, Option<usize>);

    #[test]
    fn rfc3629_every_class_split_at_every_point() {
        #[rustfmt::skip]
        let cases: &[Case<'_>] = &[
            (b"", Ok(()), None),
            (b"plain ascii", Ok(()), None),
            ("héllo wörld".as_bytes(), Ok(()), None),
            ("€ and 𝄞 and 中文".as_bytes(), Ok(()), None),
            (b"\x7f\xc2\x80\xdf\xbf", Ok(()), None),                 // 1- and 2-byte bounds
            (b"\xe0\xa0\x80\xef\xbf\xbf", Ok(()), None),             // 3-byte bounds
            (b"\xed\x9f\xbf\xee\x80\x80", Ok(()), None),             // around the surrogates
            (b"\xf0\x90\x80\x80\xf4\x8f\xbf\xbf", Ok(()), None),     // U+10000, U+10FFFF
            (b"ab\x80", Err(2), Some(2)),                            // lone continuation
            (b"ab\xc0\x80", Err(2), Some(2)),                        // C0: always overlong
            (b"ab\xc1\xbf", Err(2), Some(2)),                        // C1: always overlong
            (b"ab\xf5\x80\x80\x80", Err(2), Some(2)),                // F5: past U+10FFFF
            (b"ab\xff", Err(2), Some(2)),
            (b"ab\xe0\x80\x80", Err(2), Some(3)),                    // overlong 3-byte
            (b"ab\xe0\x9f\xbf", Err(2), Some(3)),
            (b"ab\xf0\x80\x80\x80", Err(2), Some(3)),                // overlong 4-byte
            (b"ab\xf0\x8f\xbf\xbf", Err(2), Some(3)),
            (b"ab\xed\xa0\x80", Err(2), Some(3)),                    // surrogate D800
            (b"ab\xed\xbf\xbf", Err(2), Some(3)),                    // surrogate DFFF
            (b"ab\xf4\x90\x80\x80", Err(2), Some(3)),                // U+110000
            (b"ab\xc3x", Err(2), Some(3)),                           // missing continuation
            (b"ab\xe2\x82x", Err(2), Some(4)),
            (b"ab\xf0\x9f\x98x", Err(2), Some(5)),
            (b"ab\xc3", Err(2), None),                               // cut at the end
            (b"ab\xe2\x82", Err(2), None),
            (b"ab\xf0\x9f\x98", Err(2), None),
            (b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80edited", Err(11), Some(12)),
        ];
        for &(bytes, expected, fail_at) in cases {
            check_every_split(bytes, expected, fail_at);
        }
    }

    #[test]
    fn a_failed_validator_stays_failed_until_finish() {
        let mut v = Utf8Validator::new();
        assert_eq!(v.feed(b"x\xff"), Err(Utf8Error { offset: 1 }));
        assert_eq!(v.feed(b"fine"), Err(Utf8Error { offset: 1 }));
        assert_eq!(v.finish(), Err(Utf8Error { offset: 1 }));
        assert!(v.is_empty());
        assert_eq!(v.feed(b"fine"), Ok(()));
        assert_eq!(v.finish(), Ok(()));
    }

    proptest! {
        /// On random bytes (mostly valid text with noise), fed in random pieces: the same verdict
        /// and offset as `std::str::from_utf8` on the whole.
        #[test]
        fn pieces_agree_with_std(
            text in "\\PC{0,40}",
            noise in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..3),
            cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..5),
        ) {
            let mut bytes = text.into_bytes();
            for (at, b) in noise {
                let i = at.index(bytes.len() + 1);
                bytes.insert(i, b);
            }
            let mut points: Vec<usize> = cuts.iter().map(|c| c.index(bytes.len() + 1)).collect();
            points.sort_unstable();
            let mut v = Utf8Validator::new();
            let mut last = 0;
            let mut got = Ok(());
            for p in points.into_iter().chain([bytes.len()]) {
                if let Err(e) = v.feed(&bytes[last..p]) {
                    got = Err(e);
                    break;
                }
                last = p;
            }
            if got.is_ok() {
                got = v.finish();
            }
            prop_assert_eq!(got, validate(&bytes));
        }
    }
}
