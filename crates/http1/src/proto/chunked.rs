//! The chunked transfer coding (RFC 9112 §7.1): a strict, incremental, zero-copy decoder and an
//! encoder.
//!
//! ```text
//!  bytes in (any split)                          events out (one per call)
//!  "5;name=val\r\n"        ─┐
//!  "hello"                  ├──►  ChunkedDecoder ──►  Data(range of the input)   "hello"
//!  "\r\n0\r\n"              │                         Trailers(Vec<u8>)          "Expires: never\r\n\r\n"
//!  "Expires: never\r\n\r\n"─┘                         End
//! ```
//!
//! The decoder is our own, not `httparse::parse_chunk_size`: that helper reads an empty size line as
//! zero and skips a bare LF inside a chunk extension, and a front end and a back end that disagree on
//! where a chunk ends is how requests are smuggled. Here a size is `1*HEXDIG` and nothing else, every
//! line ends in exactly CRLF, extensions follow the grammar of RFC 9112 §7.1.1, and the trailer
//! section is checked field by field (RFC 9112 §7.1.2). Everything the peer controls is bounded:
//! digits by [`MAX_CHUNK_SIZE_DIGITS`], extensions by [`Limits::max_chunk_extension`], trailers by
//! [`Limits::max_header_size`] and [`Limits::max_headers`], the body by [`Limits::max_body_size`].
//!
//! Node's counterpart is llhttp's chunked state machine behind `http.IncomingMessage`, and
//! `OutgoingMessage`'s chunked writer with `addTrailers`.
//!
//! ```
//! use netcore_http1::proto::{ChunkEvent, ChunkedDecoder, Limits};
//!
//! // A chunked body, then the next request on the same connection.
//! let input = b"4\r\nWiki\r\n5;lang=en\r\npedia\r\n0\r\nExpires: never\r\n\r\nGET / HTTP/1.1\r\n";
//! let mut decoder = ChunkedDecoder::new(Limits::default());
//! let (mut pos, mut data) = (0, Vec::new());
//! loop {
//!     let (consumed, event) = decoder.decode(&input[pos..])?;
//!     let base = pos;
//!     pos += consumed;
//!     match event {
//!         // The range is relative to the slice that was passed in.
//!         Some(ChunkEvent::Data(range)) => data.extend_from_slice(&input[base..][range]),
//!         // Checked field lines and the final CRLF, ready for `httparse::parse_headers`.
//!         Some(ChunkEvent::Trailers(raw)) => assert_eq!(raw, b"Expires: never\r\n\r\n"),
//!         Some(ChunkEvent::End) => break,
//!         None => unreachable!("the whole body was given"),
//!     }
//! }
//! assert_eq!(data, b"Wikipedia");
//! assert_eq!(&input[pos..], b"GET / HTTP/1.1\r\n");
//! # Ok::<(), netcore_http1::proto::ParseError>(())
//! ```

use std::fmt;
use std::ops::Range;

use super::error::{ErrorKind, ParseError};
use super::limits::Limits;
use super::syntax::is_tchar;

/// Hex digits accepted in one chunk-size, leading zeros included (32: sixteen significant digits
/// fill a `u64`, and as many leading zeros again is more than any sender writes). One more is
/// [`ErrorKind::InvalidChunkSize`], so a size line of endless zeros cannot keep the decoder busy.
pub const MAX_CHUNK_SIZE_DIGITS: usize = 32;

const CR: u8 = b'\r';
const LF: u8 = b'\n';
const SP: u8 = b' ';
const HTAB: u8 = b'\t';

// ---------------------------------------------------------------------------------------------
// Byte classes (RFC 9110 §5.6.2 token, §5.6.4 quoted-string, §5.5 field values)
// ---------------------------------------------------------------------------------------------

/// `BWS` / `OWS` (RFC 9110 §5.6.3).
fn is_ws(b: u8) -> bool {
    b == SP || b == HTAB
}

/// `VCHAR / obs-text`: a visible byte of a field value or quoted-pair (RFC 9110 §5.5).
fn is_field_vchar(b: u8) -> bool {
    (0x21..=0x7e).contains(&b) || b >= 0x80
}

/// `qdtext` (RFC 9110 §5.6.4): HTAB, SP, and visible bytes other than `"` and `\`.
fn is_qdtext(b: u8) -> bool {
    is_ws(b) || (is_field_vchar(b) && b != b'"' && b != b'\\')
}

fn hex_value(b: u8) -> Option<u64> {
    match b {
        b'0'..=b'9' => Some(u64::from(b - b'0')),
        b'a'..=b'f' => Some(u64::from(b - b'a' + 10)),
        b'A'..=b'F' => Some(u64::from(b - b'A' + 10)),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Events and trailers
// ---------------------------------------------------------------------------------------------

/// What [`ChunkedDecoder::decode`] found in its input.
///
/// ```
/// use netcore_http1::proto::{ChunkEvent, ChunkedDecoder, Limits};
/// let input = b"5\r\nhello\r\n0\r\nDigest: x\r\n\r\nNEXT";
/// let mut dec = ChunkedDecoder::new(Limits::default());
/// let (n, event) = dec.decode(input)?;
/// assert_eq!(event, Some(ChunkEvent::Data(3..8))); // input[3..8] == b"hello"
/// let (m, event) = dec.decode(&input[n..])?;
/// assert_eq!(event, Some(ChunkEvent::Trailers(b"Digest: x\r\n\r\n".to_vec())));
/// let (k, event) = dec.decode(&input[n + m..])?;
/// assert_eq!(event, Some(ChunkEvent::End));
/// assert_eq!(&input[n + m + k..], b"NEXT"); // the next message's bytes
/// # Ok::<(), netcore_http1::proto::ParseError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChunkEvent {
    /// Body data: this range of the slice passed to `decode` (never empty). Slice the caller's
    /// `Bytes` with it for a zero-copy body chunk. The range always ends where the consumed bytes
    /// end.
    Data(Range<usize>),
    /// The trailer section (RFC 9112 §7.1.2), complete and checked: every field name is a token,
    /// every value is free of controls other than HTAB, no line is folded, every line ends in CRLF.
    /// The bytes are the field lines as received, each with its CRLF, then the final CRLF: the
    /// shape `httparse::parse_headers` wants. Only sent when there is at least one field; `End`
    /// follows on the next call. What a recipient may do with the fields (RFC 9110 §6.5.1 forbids
    /// merging framing fields such as `Content-Length` into the header section) is the caller's
    /// call.
    Trailers(Vec<u8>),
    /// The body is over: the last chunk and the empty line after the trailer section are consumed.
    /// Bytes after it belong to the next message and are not consumed.
    End,
}

// ---------------------------------------------------------------------------------------------
// The decoder
// ---------------------------------------------------------------------------------------------

/// Where the decoder is in `chunked-body` (RFC 9112 §7.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// In `chunk-size`; `digits` hex digits so far (the value is in `ChunkedDecoder::size`).
    Size { digits: usize },
    /// Whitespace after the size: only `;` may follow (BWS belongs to a chunk-ext).
    SizeBws,
    /// After `;`: optional BWS, then an ext-name.
    ExtBeforeName,
    /// In an ext-name.
    ExtName,
    /// BWS after an ext-name: `=` or `;` must follow.
    ExtAfterName,
    /// After `=`: optional BWS, then a token or quoted-string.
    ExtBeforeValue,
    /// In a token ext-val.
    ExtToken,
    /// In a quoted-string ext-val.
    ExtQuoted,
    /// After `\` in a quoted-string.
    ExtQuotedPair,
    /// Right after a quoted-string's closing `"`.
    ExtQuotedEnd,
    /// BWS after an ext-val: `;` must follow.
    ExtAfterValue,
    /// After the size line's CR.
    SizeLf,
    /// In chunk-data, this many bytes to go.
    Data { remaining: u64 },
    /// After chunk-data: CR expected.
    DataCr,
    /// After chunk-data's CR: LF expected.
    DataLf,
    /// At the start of a trailer field line, or of the final empty line.
    TrailerLineStart,
    /// In a trailer field name.
    TrailerName,
    /// In a trailer field value (after the colon).
    TrailerValue,
    /// After a trailer field line's CR.
    TrailerLf,
    /// After the final empty line's CR.
    FinalLf,
    /// `Trailers` was handed out; `End` comes next.
    EndPending,
    /// `End` was handed out.
    Done,
    /// A fatal error, returned again on every call.
    Failed(ParseError),
}

/// A strict, push-style decoder for a `Transfer-Encoding: chunked` body (RFC 9112 §7.1).
///
/// Feed it the bytes after the header section with [`decode`](Self::decode); it consumes framing,
/// hands out data as ranges of the input (zero-copy, as much as is available at once), then the
/// trailers and the end. It never reads past the body's final CRLF. Sans-IO: no buffering of data,
/// no allocation except for a trailer section.
///
/// Error offsets count from the start of the body, or from the offset given to
/// [`starting_at`](Self::starting_at). After an error the decoder keeps returning it.
///
/// ```
/// use netcore_http1::proto::{ChunkEvent, ChunkedDecoder, Limits};
///
/// let body = b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\nnext message";
/// let mut decoder = ChunkedDecoder::new(Limits::default());
/// let (mut input, mut data) = (&body[..], Vec::new());
/// loop {
///     let (used, event) = decoder.decode(input)?;
///     match event {
///         Some(ChunkEvent::Data(range)) => data.extend_from_slice(&input[range]),
///         Some(ChunkEvent::End) => { input = &input[used..]; break }
///         _ => {}
///     }
///     input = &input[used..];
/// }
/// assert_eq!(data, b"hello world");
/// assert_eq!(input, b"next message"); // never reads past the body
/// # Ok::<(), netcore_http1::proto::ParseError>(())
/// ```
#[derive(Debug, Clone)]
pub struct ChunkedDecoder {
    state: State,
    /// Offset of the next input byte: the base plus everything consumed so far.
    offset: usize,
    /// The chunk-size being read.
    size: u64,
    /// Bytes of the current size line after its digits, up to its CR.
    ext_len: usize,
    /// Data bytes declared by the chunks so far.
    body_len: u64,
    /// Bytes of the trailer section so far.
    trailer_len: usize,
    /// The trailer section being collected (bounded by `max_header_size`).
    trailers: Vec<u8>,
    /// Field lines in the trailer section so far.
    trailer_fields: usize,
    max_chunk_extension: usize,
    max_header_size: usize,
    max_headers: usize,
    max_body_size: Option<u64>,
}

impl ChunkedDecoder {
    /// A decoder for one body under `limits`, with error offsets counted from the body's first byte.
    pub fn new(limits: Limits) -> Self {
        Self::starting_at(limits, 0)
    }

    /// A decoder whose error offsets start at `offset`: pass the header section's length to get
    /// offsets counted from the first byte of the message.
    pub fn starting_at(limits: Limits, offset: usize) -> Self {
        Self {
            state: State::Size { digits: 0 },
            offset,
            size: 0,
            ext_len: 0,
            body_len: 0,
            trailer_len: 0,
            trailers: Vec::new(),
            trailer_fields: 0,
            max_chunk_extension: limits.max_chunk_extension,
            max_header_size: limits.max_header_size,
            max_headers: limits.max_headers,
            max_body_size: limits.max_body_size,
        }
    }

    /// Decodes from the start of `input`: returns how many bytes were consumed and at most one
    /// event.
    ///
    /// The caller loops, passing the unconsumed rest each time, until it gets `None`:
    /// - `(n, Some(Data(range)))`: `input[range]` is body data and `range.end == n`; call again with
    ///   `&input[n..]` (which may be empty).
    /// - `(n, Some(Trailers(t)))`: the trailer section; call again (even with an empty slice) for
    ///   `End`.
    /// - `(n, Some(End))`: the body is complete; `input[n..]` is the next message's.
    /// - `(n, None)`: all of `input` was consumed (`n == input.len()`) and more is needed; after
    ///   `End`, always `(0, None)`.
    ///
    /// # Errors
    ///
    /// A [`ParseError`] at the offending byte: `InvalidChunkSize` (not `1*HEXDIG`, more than
    /// [`MAX_CHUNK_SIZE_DIGITS`] digits, over `u64`, whitespace not followed by `;`),
    /// `InvalidChunkExtension`, `ChunkExtensionTooLong`, `InvalidChunkTerminator` (a bare LF on a
    /// size line, a CR not followed by LF, no CRLF right after chunk data or as the final line),
    /// `InvalidTrailer` (any fault in a trailer field line, obsolete folding included),
    /// `HeadersTooLarge`, `TooManyHeaders` and `BodyTooLarge`. The decoder then stays failed.
    pub fn decode(&mut self, input: &[u8]) -> Result<(usize, Option<ChunkEvent>), ParseError> {
        let mut pos = 0;
        let event = loop {
            match self.state {
                State::Failed(error) => return Err(error),
                State::Done => break None,
                State::EndPending => {
                    self.state = State::Done;
                    break Some(ChunkEvent::End);
                }
                // The fast path: all the data that is here, at once, no per-byte work.
                State::Data { remaining } => {
                    let available = input.len() - pos;
                    if available == 0 {
                        break None;
                    }
                    let take = usize::try_from(remaining).map_or(available, |r| r.min(available));
                    let start = pos;
                    pos += take;
                    let left = remaining - take as u64;
                    self.state = if left == 0 { State::DataCr } else { State::Data { remaining: left } };
                    break Some(ChunkEvent::Data(start..pos));
                }
                _ => {
                    let Some(&byte) = input.get(pos) else { break None };
                    let at = self.offset.saturating_add(pos);
                    match self.step(byte, at) {
                        Ok(event) => {
                            pos += 1;
                            if event.is_some() {
                                break event;
                            }
                        }
                        Err(error) => {
                            self.state = State::Failed(error);
                            return Err(error);
                        }
                    }
                }
            }
        };
        self.offset = self.offset.saturating_add(pos);
        Ok((pos, event))
    }

    /// Whether the body is complete (the final CRLF was consumed).
    pub fn is_finished(&self) -> bool {
        matches!(self.state, State::EndPending | State::Done)
    }

    /// Data bytes declared by the chunks read so far (the body's length once finished).
    pub fn body_len(&self) -> u64 {
        self.body_len
    }

    /// The offset of the next byte to decode (the starting offset plus all bytes consumed).
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// The connection ended: `Ok` if the body is complete, otherwise `UnexpectedEof` at the
    /// current offset (and the decoder fails), or the error it already failed with.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::UnexpectedEof`] if the body is not complete, or the earlier error.
    pub fn finish(&mut self) -> Result<(), ParseError> {
        match self.state {
            State::EndPending | State::Done => Ok(()),
            State::Failed(error) => Err(error),
            _ => {
                let error = ParseError::new(ErrorKind::UnexpectedEof, self.offset);
                self.state = State::Failed(error);
                Err(error)
            }
        }
    }

    /// One framing byte at absolute offset `at`. Every transition of the machine is here, except
    /// the data fast path and the end in `decode`.
    fn step(&mut self, b: u8, at: usize) -> Result<Option<ChunkEvent>, ParseError> {
        use ErrorKind::*;
        let fail = |kind| Err(ParseError::new(kind, at));

        // Chunk extensions (RFC 9112 §7.1.1): bounded, and a bare LF ends nothing.
        if matches!(
            self.state,
            State::SizeBws
                | State::ExtBeforeName
                | State::ExtName
                | State::ExtAfterName
                | State::ExtBeforeValue
                | State::ExtToken
                | State::ExtQuoted
                | State::ExtQuotedPair
                | State::ExtQuotedEnd
                | State::ExtAfterValue
        ) {
            if b == LF {
                return fail(InvalidChunkTerminator);
            }
            if b != CR {
                self.ext_len += 1;
                if self.ext_len > self.max_chunk_extension {
                    return fail(ChunkExtensionTooLong);
                }
            }
        }
        // The trailer section and final CRLF (RFC 9112 §7.1.2), bounded like a header section.
        if matches!(
            self.state,
            State::TrailerLineStart
                | State::TrailerName
                | State::TrailerValue
                | State::TrailerLf
                | State::FinalLf
        ) {
            self.trailer_len += 1;
            if self.trailer_len > self.max_header_size {
                return fail(HeadersTooLarge);
            }
        }

        self.state = match self.state {
            // chunk-size = 1*HEXDIG (RFC 9112 §7.1)
            State::Size { digits } => {
                if let Some(digit) = hex_value(b) {
                    let digits = digits + 1;
                    if digits > MAX_CHUNK_SIZE_DIGITS {
                        return fail(InvalidChunkSize);
                    }
                    let Some(size) = self.size.checked_mul(16).and_then(|s| s.checked_add(digit)) else {
                        return fail(InvalidChunkSize);
                    };
                    if self.max_body_size.is_some_and(|max| self.body_len.saturating_add(size) > max) {
                        return fail(BodyTooLarge);
                    }
                    self.size = size;
                    State::Size { digits }
                } else if digits == 0 {
                    // Empty size line, `+5`, ` 5`, `-1`, `;ext` without a size...
                    return fail(InvalidChunkSize);
                } else {
                    match b {
                        CR => State::SizeLf,
                        b';' => self.extension_byte(State::ExtBeforeName, at)?,
                        SP | HTAB => self.extension_byte(State::SizeBws, at)?,
                        LF => return fail(InvalidChunkTerminator),
                        // `0x5`, `5g`...
                        _ => return fail(InvalidChunkSize),
                    }
                }
            }
            // chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
            State::SizeBws => match b {
                SP | HTAB => State::SizeBws,
                b';' => State::ExtBeforeName,
                // Whitespace is only allowed before an extension: `5 \r\n` is not a size line.
                _ => return fail(InvalidChunkSize),
            },
            State::ExtBeforeName => match b {
                SP | HTAB => State::ExtBeforeName,
                _ if is_tchar(b) => State::ExtName,
                _ => return fail(InvalidChunkExtension),
            },
            State::ExtName => match b {
                _ if is_tchar(b) => State::ExtName,
                SP | HTAB => State::ExtAfterName,
                b'=' => State::ExtBeforeValue,
                b';' => State::ExtBeforeName,
                CR => State::SizeLf,
                _ => return fail(InvalidChunkExtension),
            },
            State::ExtAfterName => match b {
                SP | HTAB => State::ExtAfterName,
                b'=' => State::ExtBeforeValue,
                b';' => State::ExtBeforeName,
                _ => return fail(InvalidChunkExtension),
            },
            State::ExtBeforeValue => match b {
                SP | HTAB => State::ExtBeforeValue,
                b'"' => State::ExtQuoted,
                _ if is_tchar(b) => State::ExtToken,
                _ => return fail(InvalidChunkExtension),
            },
            State::ExtToken => match b {
                _ if is_tchar(b) => State::ExtToken,
                SP | HTAB => State::ExtAfterValue,
                b';' => State::ExtBeforeName,
                CR => State::SizeLf,
                _ => return fail(InvalidChunkExtension),
            },
            // quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE (RFC 9110 §5.6.4)
            State::ExtQuoted => match b {
                b'"' => State::ExtQuotedEnd,
                b'\\' => State::ExtQuotedPair,
                _ if is_qdtext(b) => State::ExtQuoted,
                _ => return fail(InvalidChunkExtension),
            },
            State::ExtQuotedPair => match b {
                _ if is_ws(b) || is_field_vchar(b) => State::ExtQuoted,
                _ => return fail(InvalidChunkExtension),
            },
            State::ExtQuotedEnd => match b {
                SP | HTAB => State::ExtAfterValue,
                b';' => State::ExtBeforeName,
                CR => State::SizeLf,
                _ => return fail(InvalidChunkExtension),
            },
            State::ExtAfterValue => match b {
                SP | HTAB => State::ExtAfterValue,
                b';' => State::ExtBeforeName,
                _ => return fail(InvalidChunkExtension),
            },
            State::SizeLf => {
                if b != LF {
                    return fail(InvalidChunkTerminator);
                }
                let size = std::mem::take(&mut self.size);
                self.ext_len = 0;
                if size == 0 {
                    // last-chunk = 1*("0") [ chunk-ext ] CRLF
                    State::TrailerLineStart
                } else {
                    self.body_len = self.body_len.saturating_add(size);
                    State::Data { remaining: size }
                }
            }
            // Handled in `decode`; kept total for the compiler.
            State::Data { .. } => self.state,
            // chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
            State::DataCr => match b {
                CR => State::DataLf,
                _ => return fail(InvalidChunkTerminator),
            },
            State::DataLf => match b {
                LF => State::Size { digits: 0 },
                _ => return fail(InvalidChunkTerminator),
            },
            // trailer-section = *( field-line CRLF ); field-line = field-name ":" OWS field-value OWS
            State::TrailerLineStart => match b {
                CR => State::FinalLf,
                _ if is_tchar(b) => {
                    if self.trailer_fields >= self.max_headers {
                        return fail(TooManyHeaders);
                    }
                    self.trailer_fields += 1;
                    self.trailers.push(b);
                    State::TrailerName
                }
                LF => return fail(InvalidChunkTerminator),
                // Whitespace here is obsolete line folding (RFC 9112 §5.2); `:` an empty name.
                _ => return fail(InvalidTrailer),
            },
            State::TrailerName => match b {
                _ if is_tchar(b) => {
                    self.trailers.push(b);
                    State::TrailerName
                }
                b':' => {
                    self.trailers.push(b);
                    State::TrailerValue
                }
                // Whitespace before the colon (RFC 9112 §5.1), a line without a colon...
                _ => return fail(InvalidTrailer),
            },
            State::TrailerValue => match b {
                CR => {
                    self.trailers.push(b);
                    State::TrailerLf
                }
                _ if is_ws(b) || is_field_vchar(b) => {
                    self.trailers.push(b);
                    State::TrailerValue
                }
                // NUL, other controls, DEL, a bare LF.
                _ => return fail(InvalidTrailer),
            },
            State::TrailerLf => match b {
                LF => {
                    self.trailers.push(b);
                    State::TrailerLineStart
                }
                _ => return fail(InvalidTrailer),
            },
            // chunked-body = *chunk last-chunk trailer-section CRLF
            State::FinalLf => match b {
                LF => {
                    if self.trailer_fields == 0 {
                        self.state = State::Done;
                        return Ok(Some(ChunkEvent::End));
                    }
                    let mut trailers = std::mem::take(&mut self.trailers);
                    trailers.extend_from_slice(b"\r\n");
                    self.state = State::EndPending;
                    return Ok(Some(ChunkEvent::Trailers(trailers)));
                }
                _ => return fail(InvalidChunkTerminator),
            },
            State::EndPending | State::Done | State::Failed(_) => self.state,
        };
        Ok(None)
    }

    /// Counts the first byte of a chunk extension (the `;` or BWS after the size) and moves on.
    fn extension_byte(&mut self, next: State, at: usize) -> Result<State, ParseError> {
        self.ext_len = 1;
        if self.ext_len > self.max_chunk_extension {
            return Err(ParseError::new(ErrorKind::ChunkExtensionTooLong, at));
        }
        Ok(next)
    }
}

// ---------------------------------------------------------------------------------------------
// The encoder
// ---------------------------------------------------------------------------------------------

/// A trailer field [`ChunkedEncoder::encode_end`] refused to write, since it would let a value
/// end the message early or start another one (response splitting).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TrailerError {
    /// The name of field `index` is empty or not a token (RFC 9110 §5.6.2).
    InvalidName {
        /// The field's position in the list passed in.
        index: usize,
    },
    /// The value of field `index` has CR, LF, NUL or another control byte other than HTAB at
    /// byte `offset` of the value (RFC 9110 §5.5).
    InvalidValue {
        /// The field's position in the list passed in.
        index: usize,
        /// The offending byte's position in the value.
        offset: usize,
    },
}

impl TrailerError {
    /// Node's error code for the same misuse of `addTrailers`.
    pub fn code(self) -> &'static str {
        match self {
            TrailerError::InvalidName { .. } => "ERR_INVALID_HTTP_TOKEN",
            TrailerError::InvalidValue { .. } => "ERR_INVALID_CHAR",
        }
    }
}

impl fmt::Display for TrailerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrailerError::InvalidName { index } => write!(f, "trailer field {index} has an invalid name"),
            TrailerError::InvalidValue { index, offset } => {
                write!(f, "trailer field {index} has an invalid byte at {offset} of its value")
            }
        }
    }
}

impl std::error::Error for TrailerError {}

/// Writes the chunked transfer coding (RFC 9112 §7.1) into a caller-owned buffer: lowercase hex
/// sizes (as Node writes them), no extensions, CRLF line endings.
///
/// ```
/// use netcore_http1::proto::ChunkedEncoder;
///
/// let mut encoder = ChunkedEncoder::new();
/// let mut out = Vec::new();
/// encoder.encode_chunk(b"hello world, ", &mut out);
/// encoder.encode_chunk(b"", &mut out); // skipped: an empty chunk would end the body
/// encoder.encode_end(&[("Expires", b"never")], &mut out)?;
/// assert_eq!(out, b"d\r\nhello world, \r\n0\r\nExpires: never\r\n\r\n");
/// # Ok::<(), netcore_http1::proto::TrailerError>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct ChunkedEncoder {
    finished: bool,
}

impl ChunkedEncoder {
    /// An encoder at the start of a body.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends `data` as one chunk: size line, data, CRLF. Empty `data` writes nothing, since a
    /// zero-size chunk is the last chunk. After [`encode_end`](Self::encode_end) it writes nothing
    /// either: the body is over.
    pub fn encode_chunk(&mut self, data: &[u8], out: &mut Vec<u8>) {
        if data.is_empty() || self.finished {
            return;
        }
        out.reserve(data.len() + 20);
        self.encode_chunk_header(data.len(), out);
        out.extend_from_slice(data);
        out.extend_from_slice(b"\r\n");
    }

    /// Appends only the size line of a chunk of `len` bytes (`{len:x}\r\n`), for a vectored write
    /// that sends the data from its own buffer; the caller then sends the data and `\r\n`. Writes
    /// nothing for `len == 0` or after the end.
    pub fn encode_chunk_header(&mut self, len: usize, out: &mut Vec<u8>) {
        if len == 0 || self.finished {
            return;
        }
        push_hex(len as u64, out);
        out.extend_from_slice(b"\r\n");
    }

    /// Appends the last chunk, the trailer fields as `name: value` lines, and the final CRLF
    /// (RFC 9112 §7.1.2). Checks every field before writing anything. After the first successful
    /// call it writes nothing.
    ///
    /// # Errors
    ///
    /// [`TrailerError`] if a name is not a token or a value holds CR, LF, NUL or another control
    /// byte other than HTAB; `out` is then untouched.
    pub fn encode_end(&mut self, trailers: &[(&str, &[u8])], out: &mut Vec<u8>) -> Result<(), TrailerError> {
        if self.finished {
            return Ok(());
        }
        for (index, (name, value)) in trailers.iter().enumerate() {
            if name.is_empty() || !name.bytes().all(is_tchar) {
                return Err(TrailerError::InvalidName { index });
            }
            if let Some(offset) = value.iter().position(|&b| !(is_ws(b) || is_field_vchar(b))) {
                return Err(TrailerError::InvalidValue { index, offset });
            }
        }
        out.extend_from_slice(b"0\r\n");
        for (name, value) in trailers {
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(value);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"\r\n");
        self.finished = true;
        Ok(())
    }

    /// Whether [`encode_end`](Self::encode_end) has written the end of the body.
    pub fn is_finished(&self) -> bool {
        self.finished
    }
}

/// Appends `n` in lowercase hex without leading zeros.
fn push_hex(mut n: u64, out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut buf = [0u8; 16];
    let mut start = buf.len();
    loop {
        start -= 1;
        buf[start] = HEX[(n & 0xf) as usize];
        n >>= 4;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&buf[start..]);
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Everything a decode run produced.
    #[derive(Debug, Default, PartialEq, Eq)]
    struct Outcome {
        data: Vec<u8>,
        trailers: Option<Vec<u8>>,
        ended: bool,
        consumed: usize,
        error: Option<ParseError>,
    }

    /// Feeds `input` cut at `splits` (sorted, deduplicated, clamped) the way a connection would,
    /// checking the `decode` contract on every call.
    fn feed(limits: &Limits, input: &[u8], splits: &[usize]) -> Outcome {
        let mut points: Vec<usize> = splits.iter().map(|&s| s.min(input.len())).collect();
        points.push(input.len());
        points.sort_unstable();
        points.dedup();
        let mut decoder = ChunkedDecoder::new(*limits);
        let mut out = Outcome::default();
        let mut start = 0;
        for end in points {
            let piece = &input[start..end];
            let mut pos = 0;
            loop {
                let (n, event) = match decoder.decode(&piece[pos..]) {
                    Ok(step) => step,
                    Err(error) => {
                        // Sticky: the same error again, whatever comes next.
                        assert_eq!(decoder.decode(b"0\r\n\r\n"), Err(error));
                        assert_eq!(decoder.finish(), Err(error));
                        // What was consumed before a fatal error is moot: the offset says where.
                        out.error = Some(error);
                        out.consumed = 0;
                        return out;
                    }
                };
                let base = pos;
                pos += n;
                out.consumed += n;
                assert_eq!(decoder.offset(), start + pos);
                match event {
                    None => {
                        assert_eq!(pos, piece.len(), "None means all input was consumed");
                        break;
                    }
                    Some(ChunkEvent::Data(range)) => {
                        assert!(!range.is_empty());
                        assert_eq!(base + range.end, pos);
                        out.data.extend_from_slice(&piece[base + range.start..base + range.end]);
                    }
                    Some(ChunkEvent::Trailers(trailers)) => {
                        assert!(!trailers.is_empty());
                        assert!(out.trailers.replace(trailers).is_none());
                    }
                    Some(ChunkEvent::End) => {
                        assert!(decoder.is_finished());
                        assert_eq!(decoder.decode(b"more"), Ok((0, None)));
                        assert_eq!(decoder.finish(), Ok(()));
                        out.ended = true;
                        return out;
                    }
                }
            }
            start = end;
        }
        out
    }

    fn whole(input: &[u8]) -> Outcome {
        feed(&Limits::default(), input, &[])
    }

    /// Decodes `input` whole, byte by byte, and split at every point: all must agree.
    fn decode_all_ways(limits: &Limits, input: &[u8]) -> Outcome {
        let reference = feed(limits, input, &[]);
        let bytewise: Vec<usize> = (1..input.len()).collect();
        assert_eq!(feed(limits, input, &bytewise), reference, "byte by byte");
        for split in 0..=input.len() {
            assert_eq!(feed(limits, input, &[split]), reference, "split at {split}");
        }
        reference
    }

    fn error_of(limits: &Limits, input: &[u8]) -> Option<ParseError> {
        decode_all_ways(limits, input).error
    }

    fn limits() -> Limits {
        Limits::default()
    }

    // ----- valid bodies -----

    #[test]
    fn rfc9112_7_1_chunked_body() {
        let input = b"4\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\n\r\n";
        let out = decode_all_ways(&limits(), input);
        assert_eq!(out.data, b"Wikipedia in\r\n\r\nchunks.");
        assert!(out.ended);
        assert_eq!(out.trailers, None);
        assert_eq!(out.consumed, input.len());
    }

    #[test]
    fn rfc9112_7_1_only_last_chunk() {
        let out = decode_all_ways(&limits(), b"0\r\n\r\n");
        assert!(out.ended && out.data.is_empty() && out.error.is_none());
    }

    #[test]
    fn rfc9112_7_1_last_chunk_with_leading_zeros() {
        // last-chunk = 1*("0") [ chunk-ext ] CRLF
        let out = decode_all_ways(&limits(), b"000\r\n\r\n");
        assert!(out.ended);
    }

    #[test]
    fn rfc9112_7_1_hex_sizes_in_either_case() {
        let mut input = b"a\r\n0123456789\r\nA\r\n0123456789\r\n0010\r\n".to_vec();
        input.extend_from_slice(&[b'x'; 16]);
        input.extend_from_slice(b"\r\n0\r\n\r\n");
        let out = decode_all_ways(&limits(), &input);
        assert_eq!(out.data.len(), 36);
        assert!(out.ended);
    }

    #[test]
    fn rfc9112_7_1_largest_size_is_accepted() {
        // Sixteen digits fill a u64; with leading zeros up to MAX_CHUNK_SIZE_DIGITS.
        let mut dec = ChunkedDecoder::new(limits());
        assert_eq!(dec.decode(b"ffffffffffffffff\r\nab"), Ok((20, Some(ChunkEvent::Data(18..20)))));
        let mut dec = ChunkedDecoder::new(limits());
        let line = format!("{}1\r\nx", "0".repeat(MAX_CHUNK_SIZE_DIGITS - 1));
        assert_eq!(dec.decode(line.as_bytes()), Ok((line.len(), Some(ChunkEvent::Data(34..35)))));
    }

    #[test]
    fn rfc9112_7_1_1_chunk_extensions() {
        let input = b"5;a\r\nhello\r\n5 ; a = b ;c=\"d \\\" e\"\r\nworld\r\n\
                      1;x=y;z\r\n!\r\n1\t;\tq=\"\"\r\n?\r\n0;last=\"\x80\"\r\n\r\n";
        let out = decode_all_ways(&limits(), input);
        assert_eq!(out.data, b"helloworld!?");
        assert!(out.ended);
    }

    #[test]
    fn rfc9112_7_1_2_trailer_section() {
        let input = b"3\r\nabc\r\n0\r\nExpires: never\r\nX-Sum:\t 12 34 \t\r\nEmpty:\r\n\r\nNEXT";
        let out = decode_all_ways(&limits(), input);
        assert_eq!(out.data, b"abc");
        assert!(out.ended);
        assert_eq!(out.consumed, input.len() - 4);
        let raw = out.trailers.expect("trailers");
        assert_eq!(raw, b"Expires: never\r\nX-Sum:\t 12 34 \t\r\nEmpty:\r\n\r\n");
        // The raw section ends in the empty line, as httparse::parse_headers expects.
        let fields = httparse_fields(&raw);
        assert_eq!(fields, [field("Expires", b"never"), field("X-Sum", b"12 34"), field("Empty", b"")]);
    }

    fn field(name: &str, value: &[u8]) -> (String, Vec<u8>) {
        (name.to_owned(), value.to_vec())
    }

    /// The fields of a trailer section as httparse reads them (what the message decoder does).
    fn httparse_fields(raw: &[u8]) -> Vec<(String, Vec<u8>)> {
        let mut headers = [httparse::EMPTY_HEADER; 16];
        let parsed = httparse::parse_headers(raw, &mut headers).expect("httparse accepts it");
        let httparse::Status::Complete((len, fields)) = parsed else { panic!("partial") };
        assert_eq!(len, raw.len());
        fields.iter().map(|h| field(h.name, h.value)).collect()
    }

    #[test]
    fn trailers_then_end_on_empty_input() {
        let mut dec = ChunkedDecoder::new(limits());
        let input = b"0\r\nA: 1\r\n\r\n";
        let (n, event) = dec.decode(input).expect("valid");
        assert_eq!(n, input.len());
        assert!(matches!(event, Some(ChunkEvent::Trailers(_))));
        assert!(dec.is_finished());
        assert_eq!(dec.decode(&[]), Ok((0, Some(ChunkEvent::End))));
        assert_eq!(dec.decode(&[]), Ok((0, None)));
    }

    #[test]
    fn data_is_handed_out_at_once() {
        let body = vec![7u8; 64 * 1024];
        let mut input = b"10000\r\n".to_vec();
        input.extend_from_slice(&body);
        input.extend_from_slice(b"\r\n0\r\n\r\n");
        let mut dec = ChunkedDecoder::new(limits());
        assert_eq!(dec.decode(&input), Ok((7 + 65536, Some(ChunkEvent::Data(7..7 + 65536)))));
        assert_eq!(dec.decode(&input[7 + 65536..]), Ok((7, Some(ChunkEvent::End))));
        assert_eq!(dec.body_len(), 65536);
    }

    #[test]
    fn errors_offsets_start_where_told() {
        let mut dec = ChunkedDecoder::starting_at(limits(), 100);
        assert_eq!(dec.decode(b"5\r\nhello!"), Ok((8, Some(ChunkEvent::Data(3..8)))));
        assert_eq!(dec.offset(), 108);
        assert_eq!(dec.decode(b"!"), Err(ParseError::new(ErrorKind::InvalidChunkTerminator, 108)));
    }

    #[test]
    fn eof_inside_the_body_is_an_error() {
        let mut dec = ChunkedDecoder::new(limits());
        assert_eq!(dec.decode(b"5\r\nhel"), Ok((6, Some(ChunkEvent::Data(3..6)))));
        assert_eq!(dec.finish(), Err(ParseError::new(ErrorKind::UnexpectedEof, 6)));
        assert_eq!(dec.decode(b"lo"), Err(ParseError::new(ErrorKind::UnexpectedEof, 6)));
    }

    // ----- malformed bodies: one case per rule -----

    #[test]
    fn malformed_table() {
        use ErrorKind::*;
        let cases: &[(&str, &[u8], ErrorKind, usize)] = &[
            ("empty size line", b"\r\nhello\r\n0\r\n\r\n", InvalidChunkSize, 0),
            ("bare LF as size line", b"\n0\r\n\r\n", InvalidChunkSize, 0),
            ("plus sign", b"+5\r\nhello\r\n0\r\n\r\n", InvalidChunkSize, 0),
            ("minus sign", b"-1\r\nx\r\n0\r\n\r\n", InvalidChunkSize, 0),
            ("0x prefix", b"0x5\r\nhello\r\n0\r\n\r\n", InvalidChunkSize, 1),
            ("leading space", b" 5\r\nhello\r\n0\r\n\r\n", InvalidChunkSize, 0),
            ("leading tab", b"\t5\r\nhello\r\n0\r\n\r\n", InvalidChunkSize, 0),
            ("BWS before CRLF without extension", b"5 \r\nhello\r\n0\r\n\r\n", InvalidChunkSize, 2),
            ("tab before CRLF without extension", b"5\t\r\nhello\r\n0\r\n\r\n", InvalidChunkSize, 2),
            ("non-hex digit", b"5g\r\nhello\r\n0\r\n\r\n", InvalidChunkSize, 1),
            ("digit after whitespace", b"5 5\r\nhello\r\n0\r\n\r\n", InvalidChunkSize, 2),
            ("extension without size", b";a\r\n0\r\n\r\n", InvalidChunkSize, 0),
            ("u64 overflow", b"fffffffffffffffff\r\n", InvalidChunkSize, 16),
            ("u64 overflow, 18 digits", b"ffffffffffffffffff\r\n", InvalidChunkSize, 16),
            ("size with bare LF", b"5\nhello\r\n0\r\n\r\n", InvalidChunkTerminator, 1),
            ("size with bare CR", b"5\rhello\r\n0\r\n\r\n", InvalidChunkTerminator, 2),
            ("size line CR CR LF", b"5\r\r\nhello\r\n0\r\n\r\n", InvalidChunkTerminator, 2),
            ("extension with bare LF", b"5;a\nhello\r\n0\r\n\r\n", InvalidChunkTerminator, 3),
            ("extension value with bare LF", b"5;a=b\nhello\r\n0\r\n\r\n", InvalidChunkTerminator, 5),
            ("quoted extension with bare LF", b"5;a=\"b\nc\"\r\nhello\r\n", InvalidChunkTerminator, 6),
            ("extension with bare CR", b"5;a\rb\r\nhello\r\n", InvalidChunkTerminator, 4),
            ("extension without name", b"5;\r\nhello\r\n0\r\n\r\n", InvalidChunkExtension, 2),
            ("extension name not a token", b"5;a@b\r\nhello\r\n", InvalidChunkExtension, 3),
            ("empty extension between semicolons", b"5;a;;b\r\nhello\r\n", InvalidChunkExtension, 4),
            ("BWS after extension name before CRLF", b"5;a \r\nhello\r\n", InvalidChunkExtension, 4),
            ("BWS after extension value before CRLF", b"5;a=b \r\nhello\r\n", InvalidChunkExtension, 6),
            ("extension value missing", b"5;a=\r\nhello\r\n", InvalidChunkExtension, 4),
            ("extension value not a token", b"5;a=b\"c\"\r\nhello\r\n", InvalidChunkExtension, 5),
            ("extension value with a second equals sign", b"5;a=b=c\r\nhello\r\n", InvalidChunkExtension, 5),
            ("unterminated quoted extension", b"5;a=\"x\r\nhello\r\n", InvalidChunkExtension, 6),
            ("control byte in quoted extension", b"5;a=\"\x01\"\r\nhello\r\n", InvalidChunkExtension, 5),
            ("DEL in quoted extension", b"5;a=\"\x7f\"\r\nhello\r\n", InvalidChunkExtension, 5),
            ("bad quoted-pair", b"5;a=\"\\\x01\"\r\nhello\r\n", InvalidChunkExtension, 6),
            ("text after quoted extension", b"5;a=\"x\"y\r\nhello\r\n", InvalidChunkExtension, 7),
            ("missing CRLF after data", b"5\r\nhello0\r\n\r\n", InvalidChunkTerminator, 8),
            ("data longer than declared", b"5\r\nhelloo\r\n0\r\n\r\n", InvalidChunkTerminator, 8),
            ("data shorter than declared", b"6\r\nhello\r\n0\r\n\r\n", InvalidChunkTerminator, 9),
            ("bare LF after data", b"5\r\nhello\n0\r\n\r\n", InvalidChunkTerminator, 8),
            ("bare CR after data", b"5\r\nhello\r0\r\n\r\n", InvalidChunkTerminator, 9),
            ("last chunk with bare LF", b"0\n\r\n", InvalidChunkTerminator, 1),
            ("final line is a bare LF", b"0\r\n\n", InvalidChunkTerminator, 3),
            ("final line CR without LF", b"0\r\n\rX", InvalidChunkTerminator, 4),
            ("trailer with obs-fold", b"0\r\nA: b\r\n c\r\n\r\n", InvalidTrailer, 9),
            ("trailer with tab obs-fold", b"0\r\nA: b\r\n\tc\r\n\r\n", InvalidTrailer, 9),
            ("trailer with space before colon", b"0\r\nA : b\r\n\r\n", InvalidTrailer, 4),
            ("trailer without colon", b"0\r\nAb\r\n\r\n", InvalidTrailer, 5),
            ("trailer with empty name", b"0\r\n: b\r\n\r\n", InvalidTrailer, 3),
            ("trailer name not a token", b"0\r\nA(b: c\r\n\r\n", InvalidTrailer, 4),
            ("trailer value with bare LF", b"0\r\nA: b\n\r\n", InvalidTrailer, 7),
            ("trailer value with bare CR", b"0\r\nA: b\rc\r\n\r\n", InvalidTrailer, 8),
            ("trailer value with NUL", b"0\r\nA: \0\r\n\r\n", InvalidTrailer, 6),
            ("trailer value with DEL", b"0\r\nA: \x7f\r\n\r\n", InvalidTrailer, 6),
            ("trailer value with a control byte", b"0\r\nA: b\x1bc\r\n\r\n", InvalidTrailer, 7),
        ];
        assert!(cases.len() >= 25);
        for &(rule, input, kind, offset) in cases {
            assert_eq!(error_of(&limits(), input), Some(ParseError::new(kind, offset)), "{rule}");
        }
    }

    #[test]
    fn too_many_size_digits() {
        let mut input = "0".repeat(MAX_CHUNK_SIZE_DIGITS).into_bytes();
        input.extend_from_slice(b"5\r\nhello\r\n0\r\n\r\n");
        let expected = ParseError::new(ErrorKind::InvalidChunkSize, MAX_CHUNK_SIZE_DIGITS);
        assert_eq!(error_of(&limits(), &input), Some(expected));
    }

    // ----- limits: at the limit, and one past -----

    #[test]
    fn chunk_extension_limit() {
        let limits = Limits { max_chunk_extension: 8, ..Limits::default() };
        // ";abc=def" is 8 bytes: accepted; the limit is per chunk.
        let ok = decode_all_ways(&limits, b"1;abc=def\r\nx\r\n1 ;abc=de\r\ny\r\n0;abc=def\r\n\r\n");
        assert_eq!(ok.error, None);
        assert_eq!(ok.data, b"xy");
        let over = ParseError::new(ErrorKind::ChunkExtensionTooLong, 9);
        assert_eq!(error_of(&limits, b"1;abc=defg\r\nx\r\n0\r\n\r\n"), Some(over));
        assert_eq!(error_of(&limits, b"1  ;abc=de\r\nx\r\n0\r\n\r\n"), Some(over));
        let none = Limits { max_chunk_extension: 0, ..Limits::default() };
        assert_eq!(error_of(&none, b"1;a\r\n"), Some(ParseError::new(ErrorKind::ChunkExtensionTooLong, 1)));
        assert_eq!(error_of(&none, b"1 ;a\r\n"), Some(ParseError::new(ErrorKind::ChunkExtensionTooLong, 1)));
    }

    #[test]
    fn huge_extension_is_refused_at_the_default_limit() {
        let mut input = b"1;a=".to_vec();
        input.resize(3 + DEFAULT_EXT + 10, b'x');
        let mut dec = ChunkedDecoder::new(limits());
        let error = ParseError::new(ErrorKind::ChunkExtensionTooLong, 1 + DEFAULT_EXT);
        assert_eq!(dec.decode(&input), Err(error));
        // And the accepted maximum.
        input.truncate(1 + DEFAULT_EXT);
        input.extend_from_slice(b"\r\nz\r\n0\r\n\r\n");
        assert!(whole(&input).ended);
    }

    const DEFAULT_EXT: usize = super::super::limits::DEFAULT_MAX_CHUNK_EXTENSION;

    #[test]
    fn trailer_size_limit() {
        // The trailer section, final CRLF included, is 14 bytes.
        let input = b"0\r\nA: 1\r\nB: 2\r\n\r\n";
        let at = Limits { max_header_size: 14, ..Limits::default() };
        assert!(decode_all_ways(&at, input).ended);
        let past = Limits { max_header_size: 13, ..Limits::default() };
        assert_eq!(error_of(&past, input), Some(ParseError::new(ErrorKind::HeadersTooLarge, 16)));
        // The empty section needs two bytes.
        let tiny = Limits { max_header_size: 1, ..Limits::default() };
        assert_eq!(error_of(&tiny, b"0\r\n\r\n"), Some(ParseError::new(ErrorKind::HeadersTooLarge, 4)));
    }

    #[test]
    fn trailer_count_limit() {
        let input = b"0\r\nA: 1\r\nB: 2\r\n\r\n";
        let at = Limits { max_headers: 2, ..Limits::default() };
        assert_eq!(decode_all_ways(&at, input).trailers.map(|t| httparse_fields(&t).len()), Some(2));
        let past = Limits { max_headers: 1, ..Limits::default() };
        assert_eq!(error_of(&past, input), Some(ParseError::new(ErrorKind::TooManyHeaders, 9)));
    }

    #[test]
    fn body_size_limit() {
        let input = b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
        let at = Limits { max_body_size: Some(5), ..Limits::default() };
        assert_eq!(decode_all_ways(&at, input).data, b"abcde");
        let past = Limits { max_body_size: Some(4), ..Limits::default() };
        assert_eq!(error_of(&past, input), Some(ParseError::new(ErrorKind::BodyTooLarge, 8)));
        // Refused while reading the size, before any of the chunk arrives.
        let zero = Limits { max_body_size: Some(0), ..Limits::default() };
        assert_eq!(error_of(&zero, b"0001\r\n"), Some(ParseError::new(ErrorKind::BodyTooLarge, 3)));
        assert!(decode_all_ways(&zero, b"0\r\n\r\n").ended);
    }

    // ----- the encoder -----

    #[test]
    fn encoder_writes_chunks_and_end() {
        let mut enc = ChunkedEncoder::new();
        let mut out = Vec::new();
        enc.encode_chunk(b"Wiki", &mut out);
        enc.encode_chunk(&[], &mut out);
        enc.encode_chunk(&[b'x'; 0x1f0], &mut out);
        assert!(out.starts_with(b"4\r\nWiki\r\n1f0\r\nxxx"));
        enc.encode_end(&[], &mut out).expect("no trailers");
        assert!(out.ends_with(b"x\r\n0\r\n\r\n"));
        assert!(enc.is_finished());
        let len = out.len();
        enc.encode_chunk(b"late", &mut out);
        enc.encode_end(&[("A", b"b")], &mut out).expect("no-op");
        assert_eq!(out.len(), len);
    }

    #[test]
    fn encoder_chunk_header() {
        let mut out = Vec::new();
        let mut enc = ChunkedEncoder::new();
        enc.encode_chunk_header(0, &mut out);
        enc.encode_chunk_header(65536, &mut out);
        enc.encode_chunk_header(1, &mut out);
        assert_eq!(out, b"10000\r\n1\r\n");
        let mut hex = Vec::new();
        push_hex(u64::MAX, &mut hex);
        assert_eq!(hex, b"ffffffffffffffff");
    }

    #[test]
    fn encoder_refuses_response_splitting() {
        let cases: &[(&str, &[u8], TrailerError)] = &[
            ("", b"v", TrailerError::InvalidName { index: 0 }),
            ("A B", b"v", TrailerError::InvalidName { index: 0 }),
            ("A:", b"v", TrailerError::InvalidName { index: 0 }),
            ("A\r\n", b"v", TrailerError::InvalidName { index: 0 }),
            ("Ä", b"v", TrailerError::InvalidName { index: 0 }),
            ("A", b"v\r\n\r\nHTTP/1.1 200 OK", TrailerError::InvalidValue { index: 0, offset: 1 }),
            ("A", b"v\nX: y", TrailerError::InvalidValue { index: 0, offset: 1 }),
            ("A", b"\rX", TrailerError::InvalidValue { index: 0, offset: 0 }),
            ("A", b"a\0", TrailerError::InvalidValue { index: 0, offset: 1 }),
            ("A", b"\x7f", TrailerError::InvalidValue { index: 0, offset: 0 }),
        ];
        for (name, value, expected) in cases {
            let mut enc = ChunkedEncoder::new();
            let mut out = b"1\r\nx\r\n".to_vec();
            let trailers = [("Ok", &b"fine\tvalue \x80"[..]), (*name, *value)];
            let expected = match *expected {
                TrailerError::InvalidName { .. } => TrailerError::InvalidName { index: 1 },
                TrailerError::InvalidValue { offset, .. } => TrailerError::InvalidValue { index: 1, offset },
            };
            assert_eq!(enc.encode_end(&trailers, &mut out), Err(expected), "{name:?} {value:?}");
            assert_eq!(out, b"1\r\nx\r\n", "nothing written");
            assert!(!enc.is_finished());
        }
        assert_eq!(TrailerError::InvalidName { index: 2 }.to_string(), "trailer field 2 has an invalid name");
        assert_eq!(TrailerError::InvalidValue { index: 0, offset: 3 }.code(), "ERR_INVALID_CHAR");
    }

    // ----- properties -----

    const TCHARS: &[u8] = b"!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

    fn trailer_name() -> impl Strategy<Value = String> {
        proptest::collection::vec(proptest::sample::select(TCHARS), 1..12)
            .prop_map(|bytes| bytes.into_iter().map(char::from).collect())
    }

    fn trailer_value() -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(prop_oneof![Just(b'\t'), 0x20u8..=0x7e, 0x80u8..=0xff], 0..24)
    }

    use crate::proto::syntax::trim_ows;

    proptest! {
        #[test]
        fn encoder_decoder_round_trip(
            chunks in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..300), 0..8),
            trailers in proptest::collection::vec((trailer_name(), trailer_value()), 0..5),
            splits in proptest::collection::vec(any::<proptest::sample::Index>(), 0..8),
            next in proptest::collection::vec(any::<u8>(), 0..8),
        ) {
            let mut enc = ChunkedEncoder::new();
            let mut wire = Vec::new();
            for chunk in &chunks {
                enc.encode_chunk(chunk, &mut wire);
            }
            let fields: Vec<(&str, &[u8])> =
                trailers.iter().map(|(n, v)| (n.as_str(), v.as_slice())).collect();
            enc.encode_end(&fields, &mut wire).expect("valid trailers");
            let body_len = wire.len();
            wire.extend_from_slice(&next);

            let splits: Vec<usize> = splits.iter().map(|i| i.index(wire.len() + 1)).collect();
            let out = feed(&Limits::default(), &wire, &splits);
            prop_assert_eq!(out.error, None);
            prop_assert!(out.ended);
            prop_assert_eq!(out.consumed, body_len);
            prop_assert_eq!(out.data, chunks.concat());
            let got = out.trailers.as_deref().map(httparse_fields).unwrap_or_default();
            let want: Vec<(String, Vec<u8>)> =
                trailers.iter().map(|(n, v)| (n.clone(), trim_ows(v).to_vec())).collect();
            prop_assert_eq!(got, want);
        }

        #[test]
        fn any_split_gives_the_same_outcome(
            chunks in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 1..40), 0..4),
            mutations in proptest::collection::vec(
                (any::<proptest::sample::Index>(), prop_oneof![
                    Just(b'\r'), Just(b'\n'), Just(b' '), Just(b';'), Just(b'='), Just(b'"'),
                    Just(b'0'), Just(b':'), Just(b'\t'), any::<u8>(),
                ]),
                0..4,
            ),
            splits in proptest::collection::vec(any::<proptest::sample::Index>(), 0..6),
        ) {
            let mut enc = ChunkedEncoder::new();
            let mut wire = Vec::new();
            for chunk in &chunks {
                enc.encode_chunk(chunk, &mut wire);
            }
            enc.encode_end(&[("X-A", b"1")], &mut wire).expect("valid trailers");
            for (at, byte) in &mutations {
                let i = at.index(wire.len());
                wire[i] = *byte;
            }
            let limits = Limits { max_chunk_extension: 16, max_header_size: 32, ..Limits::default() };
            let reference = feed(&limits, &wire, &[]);
            let splits: Vec<usize> = splits.iter().map(|i| i.index(wire.len() + 1)).collect();
            prop_assert_eq!(&feed(&limits, &wire, &splits), &reference);
            let bytewise: Vec<usize> = (1..wire.len()).collect();
            prop_assert_eq!(&feed(&limits, &wire, &bytewise), &reference);
        }

        #[test]
        fn arbitrary_bytes_never_panic(input in proptest::collection::vec(any::<u8>(), 0..256)) {
            let out = feed(&Limits::default(), &input, &[input.len() / 2]);
            prop_assert!(out.consumed <= input.len());
        }
    }
}
