//! Message framing on top of a byte stream.
//!
//! # The data-chunking pitfall
//!
//! TCP delivers a stream of bytes, not a sequence of messages. One `data`
//! chunk may hold half a message, exactly one, or three and a half; where the
//! chunk boundaries fall depends on segment sizes, the peer's writes, Nagle,
//! the kernel's buffers and when the loop happened to read. Code that treats
//! each chunk as one message works on loopback in tests and breaks in
//! production. Node has the same trap (`socket.on('data')` hands out
//! arbitrary `Buffer`s; `readline` exists to fix it for lines).
//!
//! ```text
//!   peer writes:     "HELLO\n"        "WORLD\n"
//!   reader may see:  "HEL"  "LO\nWOR"  "LD\n"
//!   LineSplitter:          "HELLO"          "WORLD"
//! ```
//!
//! The decoders in this module turn chunks back into messages. They are
//! sans-IO: feed them whatever bytes a readable stream produced (`push`), and
//! they call you back once per complete message, in order. They never touch a
//! socket or a clock, so they work on any stream and are tested without one.
//!
//! - [`LineSplitter`]: newline-delimited text (`\n` or `\r\n`), as in many
//!   line protocols, JSON Lines and REPLs.
//! - [`LengthPrefixed`]: frames with a 4-byte big-endian length prefix, the
//!   simplest binary framing.
//!
//! # Zero copy and bounded memory
//!
//! A message that lies entirely inside the pushed chunk is handed to the
//! callback as a slice of that chunk: nothing is copied. Only the unfinished
//! tail of a chunk is buffered, and joined with the next chunk when it
//! arrives. The buffer is bounded by the message limit ([`DEFAULT_MAX_LINE`],
//! [`DEFAULT_MAX_FRAME`] or the value given to `new`): a message that grows
//! past the limit fails with [`FramingError::TooLarge`] as soon as that is
//! known, without waiting for its end. An idle decoder holding no partial
//! message keeps no large allocation.
//!
//! # Errors are sticky
//!
//! After a [`FramingError`] the decoder is failed: it drops its buffer, and
//! every later `push` returns the same error without looking at the input,
//! since the stream can no longer be split reliably. `reset` makes it usable
//! again (for a new stream).
//!
//! # Example
//!
//! ```
//! use netcore::framing::LineSplitter;
//!
//! let mut lines = LineSplitter::default();
//! let mut got = Vec::new();
//! // Three `data` chunks with boundaries that do not match the lines.
//! for chunk in [&b"HEL"[..], b"LO\r\nWOR", b"LD\nBYE"] {
//!     lines.push(chunk, |line| got.push(line.to_vec()))?;
//! }
//! assert_eq!(got, [b"HELLO".to_vec(), b"WORLD".to_vec()]);
//! // End of stream: the last line had no terminator.
//! assert_eq!(lines.finish()?, Some(b"BYE".to_vec()));
//! # Ok::<(), netcore::framing::FramingError>(())
//! ```
#![forbid(unsafe_code)]

use std::fmt;

/// Default limit of a [`LineSplitter`] line: 64 KiB (65 536 bytes).
///
/// Counts the bytes of the line without its `\n` or `\r\n` terminator. A
/// peer that sends a longer line gets [`FramingError::TooLarge`]; override
/// it with [`LineSplitter::new`].
pub const DEFAULT_MAX_LINE: usize = 64 * 1024;

/// Default limit of a [`LengthPrefixed`] frame: 16 MiB (16 777 216 bytes).
///
/// Counts the payload bytes, without the 4-byte length prefix. A frame that
/// declares a longer payload gets [`FramingError::TooLarge`] as soon as its
/// prefix is read; override it with [`LengthPrefixed::new`].
pub const DEFAULT_MAX_FRAME: usize = 16 * 1024 * 1024;

/// Above this many bytes of capacity, an empty internal buffer gives its
/// allocation back, so that an idle connection's decoder stays cheap.
const RETAINED_CAPACITY: usize = 4 * 1024;

/// Smallest allocation made when a decoder starts buffering a partial message.
const MIN_CAPACITY: usize = 64;

/// Length of the [`LengthPrefixed`] prefix.
const PREFIX_LEN: usize = 4;

/// Why a framing decoder or encoder gave up.
///
/// Every error from a decoder's `push` is fatal for that stream: the decoder
/// keeps returning it until `reset`.
///
/// ```
/// use netcore::framing::{FramingError, LineSplitter};
///
/// let mut lines = LineSplitter::new(4);
/// let err = lines.push(b"too long\n", |_| {}).unwrap_err();
/// assert_eq!(err, FramingError::TooLarge { size: 8, max: 4 });
/// assert_eq!(err.to_string(), "message of 8 bytes exceeds the limit of 4");
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FramingError {
    /// A message is longer than the configured limit (the remote peer's
    /// fault when decoding; the caller's when encoding).
    TooLarge {
        /// How many bytes the message had reached, or declared in its length
        /// prefix, when the limit tripped. Always greater than `max`. A line
        /// may be longer still: its end had not been seen yet.
        size: usize,
        /// The limit that was exceeded.
        max: usize,
    },
}

impl fmt::Display for FramingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FramingError::TooLarge { size, max } => {
                write!(f, "message of {size} bytes exceeds the limit of {max}")
            }
        }
    }
}

impl std::error::Error for FramingError {}

impl From<FramingError> for std::io::Error {
    /// Maps every framing error to [`std::io::ErrorKind::InvalidData`]: the
    /// bytes on the stream cannot be framed.
    fn from(err: FramingError) -> Self {
        std::io::Error::new(std::io::ErrorKind::InvalidData, err)
    }
}

/// Appends `data` to `buf`, growing it geometrically but never (on account of
/// growth) beyond `bound` bytes of capacity, the most the message may need.
fn append_bounded(buf: &mut Vec<u8>, data: &[u8], bound: usize) {
    let needed = buf.len() + data.len();
    if needed > buf.capacity() {
        let target = buf.capacity().saturating_mul(2).max(MIN_CAPACITY).min(bound).max(needed);
        buf.reserve_exact(target - buf.len());
    }
    buf.extend_from_slice(data);
}

/// Gives back a large allocation once the buffer holds no partial message.
fn release_if_idle(buf: &mut Vec<u8>) {
    if buf.is_empty() && buf.capacity() > RETAINED_CAPACITY {
        *buf = Vec::new();
    }
}

/// Position of the first `\n` in `bytes`.
fn find_newline(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|&b| b == b'\n')
}

/// Splits a byte stream into lines terminated by `\n` or `\r\n`.
///
/// Push each `data` chunk with [`push`](Self::push); the callback receives
/// every complete line, in order, without its terminator. A `\r` is only
/// removed when it comes right before the `\n`: a bare `\r` elsewhere is part
/// of the line. At end of stream, [`finish`](Self::finish) returns a last
/// line that had no terminator.
///
/// A line longer than the limit (terminator excluded) fails with
/// [`FramingError::TooLarge`] as soon as the buffered part exceeds it, so at
/// most `max_line + 1` bytes (the line and a `\r` that may be the start of
/// its terminator) are ever buffered.
///
/// ```
/// use netcore::framing::{FramingError, LineSplitter};
///
/// let mut lines = LineSplitter::new(8);
/// let mut got: Vec<String> = Vec::new();
/// lines.push(b"GET /\r\nHost: a", |l| got.push(String::from_utf8_lossy(l).into()))?;
/// assert_eq!(got, ["GET /"]);
/// assert_eq!(lines.buffered(), 7); // "Host: a" waits for its newline
/// lines.push(b"\r\n\r\n", |l| got.push(String::from_utf8_lossy(l).into()))?;
/// assert_eq!(got, ["GET /", "Host: a", ""]);
///
/// // Nine bytes without a newline cannot become a line of at most eight.
/// let err = lines.push(b"123456789", |_| {}).unwrap_err();
/// assert_eq!(err, FramingError::TooLarge { size: 9, max: 8 });
/// // The error is sticky until `reset`.
/// assert_eq!(lines.push(b"ok\n", |_| {}), Err(err));
/// lines.reset();
/// lines.push(b"ok\n", |l| assert_eq!(l, b"ok"))?;
/// # Ok::<(), FramingError>(())
/// ```
#[derive(Debug, Clone)]
pub struct LineSplitter {
    /// The start of an unfinished line (possibly ending with the `\r` of its
    /// terminator). Never contains `\n`.
    partial: Vec<u8>,
    max_line: usize,
    error: Option<FramingError>,
}

impl LineSplitter {
    /// A splitter whose lines may hold at most `max_line` bytes, not counting
    /// the `\n` or `\r\n` terminator.
    pub fn new(max_line: usize) -> Self {
        LineSplitter { partial: Vec::new(), max_line, error: None }
    }

    /// The line limit given to [`new`](Self::new).
    pub fn max_line(&self) -> usize {
        self.max_line
    }

    /// Feeds the next chunk of the stream, calling `on_line` once per
    /// complete line, in order, without the terminator.
    ///
    /// A line that lies entirely within `chunk` is passed as a slice of
    /// `chunk`; only a line that started in an earlier chunk is assembled in
    /// the internal buffer. An unfinished tail is buffered for the next call.
    ///
    /// # Errors
    ///
    /// [`FramingError::TooLarge`] when a line exceeds the limit. Lines before
    /// it have been delivered; nothing after it is. The error is sticky: this
    /// and every later call return it until [`reset`](Self::reset).
    ///
    /// ```
    /// use netcore::framing::LineSplitter;
    ///
    /// let mut lines = LineSplitter::default();
    /// let mut n = 0;
    /// lines.push(b"a\nb\nc", |_| n += 1)?;
    /// assert_eq!((n, lines.buffered()), (2, 1));
    /// # Ok::<(), netcore::framing::FramingError>(())
    /// ```
    pub fn push(&mut self, chunk: &[u8], mut on_line: impl FnMut(&[u8])) -> Result<(), FramingError> {
        if let Some(err) = self.error {
            return Err(err);
        }
        let mut rest = chunk;

        // Complete the line begun in an earlier chunk, if any.
        if !self.partial.is_empty() {
            let Some(nl) = find_newline(rest) else {
                return self.buffer_tail(rest);
            };
            let (head, tail) = rest.split_at(nl);
            let ends_with_cr = match head.last() {
                Some(&b) => b == b'\r',
                None => self.partial.last() == Some(&b'\r'),
            };
            let len = self.partial.len() + head.len() - usize::from(ends_with_cr);
            if len > self.max_line {
                return Err(self.fail(len));
            }
            self.partial.extend_from_slice(head);
            on_line(&self.partial[..len]);
            self.partial.clear();
            // Skip the `\n`.
            rest = &tail[1..];
        }

        // Lines wholly inside the chunk: zero copy.
        while let Some(nl) = find_newline(rest) {
            let mut line = &rest[..nl];
            if let [before @ .., b'\r'] = line {
                line = before;
            }
            if line.len() > self.max_line {
                return Err(self.fail(line.len()));
            }
            on_line(line);
            rest = &rest[nl + 1..];
        }
        self.buffer_tail(rest)
    }

    /// Buffers `tail` (which holds no `\n`) after the partial line, or fails
    /// if the line is now known to be too long.
    fn buffer_tail(&mut self, tail: &[u8]) -> Result<(), FramingError> {
        let total = self.partial.len() + tail.len();
        let last = tail.last().or(self.partial.last());
        // A trailing `\r` may turn out to be the start of a `\r\n`.
        let known = total - usize::from(last == Some(&b'\r'));
        if known > self.max_line {
            return Err(self.fail(known));
        }
        append_bounded(&mut self.partial, tail, self.max_line.saturating_add(1));
        release_if_idle(&mut self.partial);
        Ok(())
    }

    /// Enters the failed state with a line of `size` bytes.
    fn fail(&mut self, size: usize) -> FramingError {
        let err = FramingError::TooLarge { size, max: self.max_line };
        self.error = Some(err);
        self.partial = Vec::new();
        err
    }

    /// Ends the stream: takes the last line if it had no terminator.
    ///
    /// Returns `Ok(None)` when the stream ended right after a line terminator
    /// (or was empty). A `\r` at the very end is kept, since no `\n` followed
    /// it. The splitter is then empty and can take a new stream.
    ///
    /// # Errors
    ///
    /// The sticky error, if the splitter has failed;
    /// [`FramingError::TooLarge`] if the unterminated line (with its final
    /// `\r`) exceeds the limit.
    ///
    /// ```
    /// use netcore::framing::LineSplitter;
    ///
    /// let mut lines = LineSplitter::default();
    /// lines.push(b"one\ntwo", |_| {})?;
    /// assert_eq!(lines.finish()?, Some(b"two".to_vec()));
    /// assert_eq!(lines.finish()?, None);
    /// # Ok::<(), netcore::framing::FramingError>(())
    /// ```
    pub fn finish(&mut self) -> Result<Option<Vec<u8>>, FramingError> {
        if let Some(err) = self.error {
            return Err(err);
        }
        if self.partial.is_empty() {
            return Ok(None);
        }
        if self.partial.len() > self.max_line {
            return Err(self.fail(self.partial.len()));
        }
        Ok(Some(std::mem::take(&mut self.partial)))
    }

    /// How many bytes of an unfinished line are buffered (0 after an error).
    pub fn buffered(&self) -> usize {
        self.partial.len()
    }

    /// Clears the buffered bytes and any error, keeping the limit: the
    /// splitter is as new.
    pub fn reset(&mut self) {
        self.partial = Vec::new();
        self.error = None;
    }
}

impl Default for LineSplitter {
    /// A splitter with the [`DEFAULT_MAX_LINE`] limit.
    fn default() -> Self {
        LineSplitter::new(DEFAULT_MAX_LINE)
    }
}

/// What a [`LengthPrefixed`] decoder is in the middle of.
#[derive(Debug, Clone, Copy)]
enum FrameState {
    /// Reading the length prefix; `have` of its bytes are in `bytes`.
    Prefix { bytes: [u8; PREFIX_LEN], have: usize },
    /// Reading a payload of `len` bytes; those received so far are buffered.
    Payload { len: usize },
}

impl FrameState {
    const START: FrameState = FrameState::Prefix { bytes: [0; PREFIX_LEN], have: 0 };
}

/// Decodes (and encodes) frames made of a 4-byte big-endian unsigned length
/// followed by that many payload bytes.
///
/// ```text
///   +------+------+------+------+---------------------------+
///   |  payload length, u32 BE   |  payload (length bytes)   |
///   +------+------+------+------+---------------------------+
/// ```
///
/// Push each `data` chunk with [`push`](Self::push); the callback receives
/// every complete payload, in order. A declared length above the limit fails
/// with [`FramingError::TooLarge`] as soon as the prefix is read, before any
/// of the payload is buffered; memory is also never reserved ahead of the
/// bytes actually received, so a lying prefix costs nothing.
///
/// At end of stream, `buffered() != 0` means the stream stopped in the middle
/// of a frame.
///
/// ```
/// use netcore::framing::LengthPrefixed;
///
/// let mut wire = Vec::new();
/// LengthPrefixed::encode(b"hello", &mut wire)?;
/// LengthPrefixed::encode(b"", &mut wire)?;
/// assert_eq!(wire, b"\0\0\0\x05hello\0\0\0\0");
///
/// let mut frames = LengthPrefixed::default();
/// let mut got = Vec::new();
/// for chunk in wire.chunks(3) {
///     frames.push(chunk, |frame| got.push(frame.to_vec()))?;
/// }
/// assert_eq!(got, [b"hello".to_vec(), Vec::new()]);
/// assert_eq!(frames.buffered(), 0);
/// # Ok::<(), netcore::framing::FramingError>(())
/// ```
#[derive(Debug, Clone)]
pub struct LengthPrefixed {
    state: FrameState,
    /// The payload bytes received so far of a frame that spans chunks.
    payload: Vec<u8>,
    max_frame: usize,
    error: Option<FramingError>,
}

impl LengthPrefixed {
    /// A decoder accepting payloads of at most `max_frame` bytes (the prefix
    /// not counted).
    pub fn new(max_frame: usize) -> Self {
        LengthPrefixed { state: FrameState::START, payload: Vec::new(), max_frame, error: None }
    }

    /// The frame limit given to [`new`](Self::new).
    pub fn max_frame(&self) -> usize {
        self.max_frame
    }

    /// Appends one frame, the 4-byte big-endian length of `payload` and then
    /// `payload`, to `out`.
    ///
    /// # Errors
    ///
    /// [`FramingError::TooLarge`] (with `max` = `u32::MAX`) if the length
    /// does not fit the prefix; `out` is then unchanged.
    ///
    /// ```
    /// use netcore::framing::LengthPrefixed;
    ///
    /// let mut out = b"already queued ".to_vec();
    /// LengthPrefixed::encode(b"hi", &mut out)?;
    /// assert_eq!(out, b"already queued \0\0\0\x02hi");
    /// # Ok::<(), netcore::framing::FramingError>(())
    /// ```
    pub fn encode(payload: &[u8], out: &mut Vec<u8>) -> Result<(), FramingError> {
        let prefix = encode_prefix(payload.len())?;
        out.reserve(PREFIX_LEN + payload.len());
        out.extend_from_slice(&prefix);
        out.extend_from_slice(payload);
        Ok(())
    }

    /// Feeds the next chunk of the stream, calling `on_frame` once per
    /// complete payload, in order.
    ///
    /// A payload that lies entirely within `chunk` is passed as a slice of
    /// `chunk`; only a payload that spans chunks is assembled in the internal
    /// buffer. An unfinished prefix or payload is kept for the next call.
    ///
    /// # Errors
    ///
    /// [`FramingError::TooLarge`] when a prefix declares more than the limit.
    /// Frames before it have been delivered; nothing after it is. The error is
    /// sticky: this and every later call return it until
    /// [`reset`](Self::reset).
    ///
    /// ```
    /// use netcore::framing::{FramingError, LengthPrefixed};
    ///
    /// let mut frames = LengthPrefixed::new(4);
    /// let mut got = Vec::new();
    /// let res = frames.push(b"\0\0\0\x01a\0\0\0\x05", |f| got.push(f.to_vec()));
    /// assert_eq!(got, [b"a".to_vec()]);
    /// assert_eq!(res, Err(FramingError::TooLarge { size: 5, max: 4 }));
    /// ```
    pub fn push(&mut self, chunk: &[u8], mut on_frame: impl FnMut(&[u8])) -> Result<(), FramingError> {
        if let Some(err) = self.error {
            return Err(err);
        }
        let mut rest = chunk;
        loop {
            match self.state {
                FrameState::Prefix { mut bytes, have } => {
                    if rest.is_empty() {
                        break;
                    }
                    let take = (PREFIX_LEN - have).min(rest.len());
                    bytes[have..have + take].copy_from_slice(&rest[..take]);
                    rest = &rest[take..];
                    if have + take < PREFIX_LEN {
                        self.state = FrameState::Prefix { bytes, have: have + take };
                        break;
                    }
                    // A length that does not fit in usize is over any limit.
                    let len = usize::try_from(u32::from_be_bytes(bytes)).unwrap_or(usize::MAX);
                    if len > self.max_frame {
                        return Err(self.fail(len));
                    }
                    self.state = FrameState::Payload { len };
                }
                FrameState::Payload { len } => {
                    if self.payload.is_empty() && rest.len() >= len {
                        // The whole payload is in this chunk: zero copy.
                        let (frame, tail) = rest.split_at(len);
                        on_frame(frame);
                        rest = tail;
                    } else {
                        let take = (len - self.payload.len()).min(rest.len());
                        append_bounded(&mut self.payload, &rest[..take], len);
                        rest = &rest[take..];
                        if self.payload.len() < len {
                            break;
                        }
                        on_frame(&self.payload);
                        self.payload.clear();
                    }
                    self.state = FrameState::START;
                }
            }
        }
        release_if_idle(&mut self.payload);
        Ok(())
    }

    /// Enters the failed state after a prefix declaring `size` bytes.
    fn fail(&mut self, size: usize) -> FramingError {
        let err = FramingError::TooLarge { size, max: self.max_frame };
        self.error = Some(err);
        self.state = FrameState::START;
        self.payload = Vec::new();
        err
    }

    /// How many bytes of an unfinished frame (prefix and payload) are
    /// buffered (0 after an error).
    pub fn buffered(&self) -> usize {
        match self.state {
            FrameState::Prefix { have, .. } => have,
            FrameState::Payload { .. } => PREFIX_LEN + self.payload.len(),
        }
    }

    /// Clears the buffered bytes and any error, keeping the limit: the
    /// decoder is as new.
    pub fn reset(&mut self) {
        self.state = FrameState::START;
        self.payload = Vec::new();
        self.error = None;
    }
}

impl Default for LengthPrefixed {
    /// A decoder with the [`DEFAULT_MAX_FRAME`] limit.
    fn default() -> Self {
        LengthPrefixed::new(DEFAULT_MAX_FRAME)
    }
}

/// The length prefix for a payload of `len` bytes.
fn encode_prefix(len: usize) -> Result<[u8; PREFIX_LEN], FramingError> {
    match u32::try_from(len) {
        Ok(len) => Ok(len.to_be_bytes()),
        Err(_) => {
            Err(FramingError::TooLarge { size: len, max: usize::try_from(u32::MAX).unwrap_or(usize::MAX) })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Everything a decoder produced for one input: the messages, then the
    /// error if any (with its size dropped, as that depends on how far the
    /// input had been seen) or the unterminated tail.
    #[derive(Debug, PartialEq, Eq)]
    struct Outcome {
        messages: Vec<Vec<u8>>,
        /// `Err(max)` on a `TooLarge` error, `Ok(tail)` otherwise.
        end: Result<Option<Vec<u8>>, usize>,
    }

    fn normalize(err: FramingError) -> usize {
        match err {
            FramingError::TooLarge { size, max } => {
                assert!(size > max, "reported size {size} not above {max}");
                max
            }
        }
    }

    fn split_lines(max: usize, chunks: &[&[u8]]) -> Outcome {
        let mut splitter = LineSplitter::new(max);
        let mut messages = Vec::new();
        for chunk in chunks {
            if let Err(err) = splitter.push(chunk, |l| messages.push(l.to_vec())) {
                return Outcome { messages, end: Err(normalize(err)) };
            }
            assert!(splitter.buffered() <= max + 1, "buffer exceeds the limit");
        }
        Outcome { messages, end: splitter.finish().map_err(normalize) }
    }

    fn decode_frames(max: usize, chunks: &[&[u8]]) -> Outcome {
        let mut decoder = LengthPrefixed::new(max);
        let mut messages = Vec::new();
        for chunk in chunks {
            if let Err(err) = decoder.push(chunk, |f| messages.push(f.to_vec())) {
                return Outcome { messages, end: Err(normalize(err)) };
            }
            assert!(decoder.buffered() <= max + PREFIX_LEN);
        }
        let tail = decoder.buffered();
        Outcome { messages, end: Ok((tail > 0).then(|| vec![0; tail])) }
    }

    /// Cuts `input` at the given sorted positions.
    fn cut<'a>(input: &'a [u8], points: &[usize]) -> Vec<&'a [u8]> {
        let mut chunks = Vec::new();
        let mut start = 0;
        for &p in points {
            chunks.push(&input[start..p]);
            start = p;
        }
        chunks.push(&input[start..]);
        chunks
    }

    /// Asserts that feeding `input` whole, byte by byte, and in two pieces
    /// at every split point gives the same outcome; returns it.
    fn split_feed(decode: impl Fn(&[&[u8]]) -> Outcome, input: &[u8]) -> Outcome {
        let whole = decode(&[input]);
        let bytes: Vec<&[u8]> = input.chunks(1).collect();
        assert_eq!(decode(&bytes), whole, "byte by byte: {input:?}");
        for at in 0..=input.len() {
            assert_eq!(decode(&cut(input, &[at])), whole, "split at {at}: {input:?}");
        }
        whole
    }

    fn lines(list: &[&str]) -> Vec<Vec<u8>> {
        list.iter().map(|l| l.as_bytes().to_vec()).collect()
    }

    fn ok(messages: &[&str], tail: Option<&str>) -> Outcome {
        Outcome { messages: lines(messages), end: Ok(tail.map(|t| t.as_bytes().to_vec())) }
    }

    fn too_large(messages: &[&str], max: usize) -> Outcome {
        Outcome { messages: lines(messages), end: Err(max) }
    }

    #[test]
    fn line_table() {
        let cases: &[(&str, usize, &[u8], Outcome)] = &[
            ("empty input", 8, b"", ok(&[], None)),
            ("one lf line", 8, b"abc\n", ok(&["abc"], None)),
            ("one crlf line", 8, b"abc\r\n", ok(&["abc"], None)),
            ("mixed terminators", 8, b"a\r\nb\nc\r\n", ok(&["a", "b", "c"], None)),
            ("empty lines", 8, b"\n\r\n\n", ok(&["", "", ""], None)),
            ("bare cr kept", 8, b"a\rb\n", ok(&["a\rb"], None)),
            ("lone cr line", 8, b"\r\r\n", ok(&["\r"], None)),
            ("unterminated tail", 8, b"a\nbc", ok(&["a"], Some("bc"))),
            ("trailing cr kept at end", 8, b"a\nb\r", ok(&["a"], Some("b\r"))),
            ("lf exactly at limit", 4, b"abcd\n", ok(&["abcd"], None)),
            ("crlf exactly at limit", 4, b"abcd\r\n", ok(&["abcd"], None)),
            ("lf one past limit", 4, b"abcde\n", too_large(&[], 4)),
            ("crlf one past limit", 4, b"abcde\r\n", too_large(&[], 4)),
            ("cr inside counts", 4, b"abc\rd\n", too_large(&[], 4)),
            ("tail exactly at limit", 4, b"x\nabcd", ok(&["x"], Some("abcd"))),
            ("tail one past limit", 4, b"x\nabcde", too_large(&["x"], 4)),
            ("tail limit then cr", 4, b"abcd\r", too_large(&[], 4)),
            ("later lines dropped", 2, b"a\nbbb\nc\n", too_large(&["a"], 2)),
            ("zero limit", 0, b"\n\r\n", ok(&["", ""], None)),
            ("zero limit one past", 0, b"\na\n", too_large(&[""], 0)),
        ];
        for (name, max, input, want) in cases {
            let got = split_feed(|c| split_lines(*max, c), input);
            assert_eq!(&got, want, "{name}");
        }
    }

    #[test]
    fn line_error_sizes() {
        let mut s = LineSplitter::new(4);
        assert_eq!(s.push(b"abcdefg\r\n", |_| {}), Err(FramingError::TooLarge { size: 7, max: 4 }));
        // Trips on the partial line, without waiting for the newline.
        let mut s = LineSplitter::new(4);
        assert_eq!(s.push(b"abcd", |_| {}), Ok(()));
        assert_eq!(s.push(b"\r", |_| {}), Ok(()));
        assert_eq!(s.buffered(), 5);
        assert_eq!(s.push(b"x", |_| {}), Err(FramingError::TooLarge { size: 6, max: 4 }));
        assert_eq!(s.buffered(), 0);
        // A partial line that had been buffered, completed past the limit.
        let mut s = LineSplitter::new(4);
        assert_eq!(s.push(b"abc", |_| {}), Ok(()));
        assert_eq!(s.push(b"de\n", |_| {}), Err(FramingError::TooLarge { size: 5, max: 4 }));
        // At the end of the stream the trailing `\r` is part of the line.
        let mut s = LineSplitter::new(4);
        assert_eq!(s.push(b"abcd\r", |_| {}), Ok(()));
        assert_eq!(s.finish(), Err(FramingError::TooLarge { size: 5, max: 4 }));
    }

    #[test]
    fn line_error_is_sticky_until_reset() {
        let mut s = LineSplitter::new(3);
        let mut got = Vec::new();
        let err = FramingError::TooLarge { size: 4, max: 3 };
        assert_eq!(s.push(b"ab\ncdef", |l| got.push(l.to_vec())), Err(err));
        assert_eq!(s.push(b"\nok\n", |l| got.push(l.to_vec())), Err(err));
        assert_eq!(s.push(b"", |l| got.push(l.to_vec())), Err(err));
        assert_eq!(s.finish(), Err(err));
        assert_eq!(got, lines(&["ab"]));
        assert_eq!(s.buffered(), 0);

        s.reset();
        assert_eq!(s.max_line(), 3);
        assert_eq!(s.push(b"ok\nte", |l| got.push(l.to_vec())), Ok(()));
        assert_eq!(got, lines(&["ab", "ok"]));
        assert_eq!(s.finish(), Ok(Some(b"te".to_vec())));
    }

    #[test]
    fn line_reset_drops_partial() {
        let mut s = LineSplitter::default();
        assert_eq!(s.max_line(), DEFAULT_MAX_LINE);
        assert_eq!(s.push(b"half", |_| {}), Ok(()));
        s.reset();
        assert_eq!(s.buffered(), 0);
        let mut got = Vec::new();
        assert_eq!(s.push(b"new\n", |l| got.push(l.to_vec())), Ok(()));
        assert_eq!(got, lines(&["new"]));
    }

    #[test]
    fn lines_within_chunk_are_zero_copy() {
        let chunk = b"one\r\ntwo\nthr";
        let range = chunk.as_ptr_range();
        let mut s = LineSplitter::default();
        let mut n = 0;
        let res = s.push(chunk, |l| {
            assert!(range.contains(&l.as_ptr()), "line not borrowed from chunk");
            n += 1;
        });
        assert_eq!((res, n, s.buffered()), (Ok(()), 2, 3));
        // The joined line comes from the buffer, the ones after it from the chunk.
        let chunk = b"ee\nfour\n";
        let range = chunk.as_ptr_range();
        let mut from_chunk = Vec::new();
        let res = s.push(chunk, |l| from_chunk.push(range.contains(&l.as_ptr())));
        assert_eq!((res, from_chunk), (Ok(()), vec![false, true]));
    }

    #[test]
    fn line_buffer_is_released_when_idle() {
        let mut s = LineSplitter::default();
        let long = vec![b'x'; 20_000];
        assert_eq!(s.push(&long, |_| {}), Ok(()));
        assert!(s.partial.capacity() <= DEFAULT_MAX_LINE + 1);
        assert_eq!(s.push(b"\n", |l| assert_eq!(l.len(), 20_000)), Ok(()));
        assert_eq!(s.buffered(), 0);
        assert!(s.partial.capacity() <= RETAINED_CAPACITY);
    }

    #[test]
    fn line_buffer_never_exceeds_limit() {
        let mut s = LineSplitter::new(1000);
        for _ in 0..1000 {
            assert_eq!(s.push(b"x", |_| {}), Ok(()));
        }
        assert_eq!(s.push(b"\r", |_| {}), Ok(()));
        assert!(s.partial.capacity() <= 1001);
        assert_eq!(s.push(b"\n", |l| assert_eq!(l.len(), 1000)), Ok(()));
    }

    fn frame(payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        assert_eq!(LengthPrefixed::encode(payload, &mut out), Ok(()));
        out
    }

    #[test]
    fn frame_table() {
        let two = [frame(b"ab"), frame(b""), frame(b"xyz")].concat();
        let big = [frame(b"a"), frame(b"12345"), frame(b"b")].concat();
        let cases: &[(&str, usize, &[u8], Outcome)] = &[
            ("empty input", 4, b"", ok(&[], None)),
            ("empty frame", 4, b"\0\0\0\0", ok(&[""], None)),
            ("several", 4, &two, ok(&["ab", "", "xyz"], None)),
            ("exactly at limit", 4, &frame(b"abcd"), ok(&["abcd"], None)),
            ("one past limit", 4, &frame(b"abcde"), too_large(&[], 4)),
            ("later frames dropped", 4, &big, too_large(&["a"], 4)),
            ("lying prefix", 4, b"\xff\xff\xff\xff", too_large(&[], 4)),
            ("partial prefix", 4, b"\0\0", ok(&[], Some("\0\0"))),
            ("partial payload", 4, b"\0\0\0\x03ab", ok(&[], Some("\0\0\0\0\0\0"))),
            ("zero limit", 0, &[frame(b""), frame(b"")].concat(), ok(&["", ""], None)),
        ];
        for (name, max, input, want) in cases {
            let got = split_feed(|c| decode_frames(*max, c), input);
            assert_eq!(&got, want, "{name}");
        }
    }

    #[test]
    fn frame_error_is_sticky_until_reset() {
        let mut d = LengthPrefixed::new(8);
        let err = FramingError::TooLarge { size: 0x0100_0000, max: 8 };
        assert_eq!(d.push(b"\x01\0\0\0", |_| {}), Err(err));
        assert_eq!(d.push(&frame(b"ok"), |_| panic!("failed decoder")), Err(err));
        assert_eq!(d.buffered(), 0);
        d.reset();
        assert_eq!(d.max_frame(), 8);
        let mut got = Vec::new();
        assert_eq!(d.push(&frame(b"ok"), |f| got.push(f.to_vec())), Ok(()));
        assert_eq!(got, lines(&["ok"]));
    }

    #[test]
    fn frame_reset_drops_partial() {
        let mut d = LengthPrefixed::default();
        assert_eq!(d.max_frame(), DEFAULT_MAX_FRAME);
        assert_eq!(d.push(b"\0\0\0\x09abc", |_| {}), Ok(()));
        assert_eq!(d.buffered(), 7);
        d.reset();
        assert_eq!(d.buffered(), 0);
        let mut got = Vec::new();
        assert_eq!(d.push(&frame(b"new"), |f| got.push(f.to_vec())), Ok(()));
        assert_eq!(got, lines(&["new"]));
    }

    #[test]
    fn frames_within_chunk_are_zero_copy() {
        let chunk = [frame(b"one"), frame(b"two"), b"\0\0\0\x05th".to_vec()].concat();
        let range = chunk.as_ptr_range();
        let mut d = LengthPrefixed::default();
        let mut n = 0;
        let res = d.push(&chunk, |f| {
            assert!(range.contains(&f.as_ptr()), "frame not borrowed from chunk");
            n += 1;
        });
        assert_eq!((res, n, d.buffered()), (Ok(()), 2, 6));
    }

    #[test]
    fn frame_memory_follows_received_bytes() {
        let mut d = LengthPrefixed::default();
        // A prefix declaring the maximum reserves nothing by itself.
        let prefix = encode_prefix(DEFAULT_MAX_FRAME).unwrap_or_default();
        assert_eq!(d.push(&prefix, |_| {}), Ok(()));
        assert_eq!(d.payload.capacity(), 0);
        assert_eq!(d.push(&[0; 1000], |_| {}), Ok(()));
        assert!(d.payload.capacity() < 4096);

        // A payload assembled across chunks never over-allocates past its length.
        let mut d = LengthPrefixed::default();
        let payload = vec![7u8; 100_000];
        let wire = frame(&payload);
        let mut n = 0;
        for chunk in wire.chunks(999) {
            assert_eq!(d.push(chunk, |f| assert_eq!(f, &payload[..])), Ok(()));
            assert!(d.payload.capacity() <= payload.len());
            n += 1;
        }
        assert!(n > 1);
        assert!(d.payload.capacity() <= RETAINED_CAPACITY);
    }

    #[test]
    fn encode_prefix_limits() {
        assert_eq!(encode_prefix(0), Ok([0, 0, 0, 0]));
        assert_eq!(encode_prefix(0x0102_0304), Ok([1, 2, 3, 4]));
        let max = usize::try_from(u32::MAX).unwrap_or(usize::MAX);
        assert_eq!(encode_prefix(max), Ok([0xff; 4]));
        if let Some(over) = max.checked_add(1) {
            assert_eq!(encode_prefix(over), Err(FramingError::TooLarge { size: over, max }));
        }
    }

    #[test]
    fn error_display_and_io() {
        let err = FramingError::TooLarge { size: 70_000, max: DEFAULT_MAX_LINE };
        assert_eq!(err.to_string(), "message of 70000 bytes exceeds the limit of 65536");
        let io: std::io::Error = err.into();
        assert_eq!(io.kind(), std::io::ErrorKind::InvalidData);
    }

    /// The specification of `LineSplitter`, written the obvious way.
    fn reference_lines(max: usize, input: &[u8]) -> Outcome {
        let mut messages = Vec::new();
        let mut segments: Vec<&[u8]> = input.split(|&b| b == b'\n').collect();
        let tail = segments.pop().unwrap_or_default();
        for seg in segments {
            let line = seg.strip_suffix(b"\r").unwrap_or(seg);
            if line.len() > max {
                return Outcome { messages, end: Err(max) };
            }
            messages.push(line.to_vec());
        }
        let end = if tail.len() > max { Err(max) } else { Ok((!tail.is_empty()).then(|| tail.to_vec())) };
        Outcome { messages, end }
    }

    /// Sorted cut points in `0..=len` drawn from `picks`.
    fn points(len: usize, picks: &[prop::sample::Index]) -> Vec<usize> {
        let mut p: Vec<usize> = picks.iter().map(|i| i.index(len + 1)).collect();
        p.sort_unstable();
        p
    }

    const MAX: usize = 12;

    fn line_strategy(allow_trailing_cr: bool) -> impl Strategy<Value = Vec<u8>> {
        prop::collection::vec(prop::sample::select(vec![b'a', b'\r', 0xff, b' ']), 0..=MAX)
            .prop_filter("a lone LF line cannot end in CR", move |l| {
                allow_trailing_cr || l.last() != Some(&b'\r')
            })
    }

    proptest! {
        #[test]
        fn prop_lf_lines_round_trip(
            lines in prop::collection::vec(line_strategy(false), 0..10),
            picks in prop::collection::vec(any::<prop::sample::Index>(), 0..6),
        ) {
            let input = lines.join(&b"\n"[..]);
            let got = split_lines(MAX, &cut(&input, &points(input.len(), &picks)));
            let mut want = lines.clone();
            let tail = want.pop().filter(|t| !t.is_empty());
            prop_assert_eq!(got, Outcome { messages: want, end: Ok(tail) });
        }

        #[test]
        fn prop_crlf_lines_round_trip(
            lines in prop::collection::vec(line_strategy(true), 0..10),
            picks in prop::collection::vec(any::<prop::sample::Index>(), 0..6),
        ) {
            // Every line terminated, so a line may end in `\r` itself.
            let input: Vec<u8> = lines.iter().flat_map(|l| [&l[..], &b"\r\n"[..]].concat()).collect();
            let got = split_lines(MAX, &cut(&input, &points(input.len(), &picks)));
            prop_assert_eq!(got, Outcome { messages: lines, end: Ok(None) });
        }

        #[test]
        fn prop_lines_match_reference(
            input in prop::collection::vec(prop::sample::select(vec![b'a', b'\r', b'\n']), 0..40),
            max in 0usize..6,
            picks in prop::collection::vec(any::<prop::sample::Index>(), 0..6),
        ) {
            let got = split_lines(max, &cut(&input, &points(input.len(), &picks)));
            prop_assert_eq!(got, reference_lines(max, &input));
        }

        #[test]
        fn prop_frames_round_trip(
            payloads in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..40), 0..10),
            picks in prop::collection::vec(any::<prop::sample::Index>(), 0..8),
        ) {
            let mut wire = Vec::new();
            for p in &payloads {
                prop_assert_eq!(LengthPrefixed::encode(p, &mut wire), Ok(()));
            }
            let got = decode_frames(40, &cut(&wire, &points(wire.len(), &picks)));
            prop_assert_eq!(got, Outcome { messages: payloads, end: Ok(None) });
        }

        #[test]
        fn prop_frames_stop_at_first_oversized(
            payloads in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..12), 0..10),
            max in 0usize..10,
            picks in prop::collection::vec(any::<prop::sample::Index>(), 0..8),
        ) {
            let mut wire = Vec::new();
            for p in &payloads {
                prop_assert_eq!(LengthPrefixed::encode(p, &mut wire), Ok(()));
            }
            let got = decode_frames(max, &cut(&wire, &points(wire.len(), &picks)));
            let ok_count = payloads.iter().take_while(|p| p.len() <= max).count();
            let end = if ok_count < payloads.len() { Err(max) } else { Ok(None) };
            prop_assert_eq!(got, Outcome { messages: payloads[..ok_count].to_vec(), end });
        }
    }
}
