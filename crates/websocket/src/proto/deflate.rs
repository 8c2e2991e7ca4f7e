//! permessage-deflate's compressor and inflater (RFC 7692 §7.2), on `miniz_oxide` (flate2's
//! pure-Rust backend, used directly: flate2 does not expose the compression strategy we need).
//!
//! ```text
//! send     "Hello" ──Compressor::compress──▶ f2 48 cd c9 c9 07 00 [00 00 ff ff removed]  (RSV1 set)
//! receive  f2 48 cd c9 c9 07 00 ──Inflater::inflate (+ 00 00 ff ff)──▶ "Hello"
//! ```
//!
//! # Window sizes below 15 bits
//!
//! `miniz_oxide`'s compressor always searches a 32 KiB window. When the peer limited our window
//! (`*_max_window_bits` below 15, RFC 7692 §7.1.2), a back-reference farther than the agreed
//! window would be undecodable by a peer that allocated only that much, so the compressor then
//! runs miniz's RLE strategy: it only emits matches at distance 1 (runs of one byte), which are
//! valid for every window from 256 bytes up. That compresses repetitive text less well than a
//! full LZ77 search, but it is always correct; level 1 (miniz's fast path, which ignores the
//! strategy) is raised to 2 there. Level 0 sends stored blocks, valid for any window.
//!
//! The inflater always has a 32 KiB window (miniz's is fixed), which decodes anything a peer
//! limited to a smaller window can send; a smaller agreed window saves the peer memory, not us.
//!
//! # Limits and errors
//!
//! The inflater writes into the caller's buffer in bounded steps and stops as soon as a message
//! inflates past its `max_message_size`, with [`DeflateError::MessageTooBig`] (close code 1009):
//! it never inflates more than `max_message_size + 1` bytes of a message, so a "zip bomb" costs
//! no more than a message of the maximum size. Data that is not valid DEFLATE is
//! [`DeflateError::InvalidData`], close code 1007, as Node `ws` does (its `inflateOnError` sets
//! 1007; RFC 7692 §8 only says to _Fail the WebSocket Connection_). Either error is final: the
//! compressor or inflater keeps returning it.
//!
//! miniz's inflater does not reject a back-reference to before the start of the window (zlib's
//! "invalid distance too far back"): it reads stale or zero bytes from its ring buffer instead.
//! Such a message inflates to garbage rather than failing; a text message then fails UTF-8
//! validation.
//!
//! # Memory
//!
//! The two states dwarf everything else a connection holds, so they are separate objects
//! ([`CompressorState`], [`InflaterState`]) that a [`Compressor`] or [`Inflater`] allocates on
//! first use and can hand back between messages when the direction has no context takeover:
//! a binding keeps a bounded pool per loop and 10,000 idle connections then hold no windows.
//! With context takeover the state carries the LZ77 window from one message to the next and
//! must stay with its connection.
//!
//! | state | bytes | made of |
//! |---|---|---|
//! | [`CompressorState`] | [`CompressorState::SIZE`] (≈ 312 KiB) | miniz's LZ code buffer (64 KiB), output buffer (83 KiB), dictionary (32 KiB + 258), hash chains (2 × 64 KiB), Huffman tables (4 KiB) |
//! | [`InflaterState`] | [`InflaterState::SIZE`] (≈ 42 KiB) | the 32 KiB window and the decoder's Huffman tables (10 KiB) |
//!
//! (measured by `tests/deflate_memory.rs`: `size_of` plus every heap allocation).

use std::fmt;

use miniz_oxide::deflate::core::{
    compress_to_output, create_comp_flags_from_zip_params, CompressionStrategy, CompressorOxide, TDEFLFlush,
    TDEFLStatus,
};
use miniz_oxide::inflate::stream::{inflate, InflateState, MinReset};
use miniz_oxide::{DataFormat, MZError, MZFlush, MZStatus};

use super::extension::{DirectionParams, WindowBits};

/// The empty stored block a sync flush ends with: removed from each compressed message, added
/// back before inflating (RFC 7692 §7.2.1, §7.2.2).
pub const TRAILER: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

/// The most the inflater writes per step before checking the bound (a step is also cut to the
/// room left under the limit plus one byte, so a message never inflates past it by more).
const INFLATE_STEP: usize = 64 * 1024;

/// The least it asks room for per step.
const MIN_INFLATE_STEP: usize = 256;

/// Why compressing or inflating failed. Final: the compressor or inflater keeps returning it.
///
/// ```
/// use netcore_websocket::proto::deflate::{DeflateError, Inflater};
/// use netcore_websocket::proto::extension::DirectionParams;
/// let mut inflater = Inflater::new(DirectionParams::default(), 1 << 20);
/// let mut out = Vec::new();
/// let err = inflater.inflate(&[0xff, 0xff, 0xff], &mut out).unwrap_err(); // block type 3: reserved
/// assert_eq!((err, err.close_code()), (DeflateError::InvalidData, 1007));
/// let hello = [0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00];
/// assert_eq!(inflater.inflate(&hello, &mut out), Err(err)); // final: it stays failed
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DeflateError {
    /// A message inflated past the limit (the peer's fault): close with 1009 (RFC 6455 §7.4.1).
    /// Inflating stopped at once.
    MessageTooBig {
        /// Bytes of the message inflated when it stopped (more than `max`).
        size: usize,
        /// The limit.
        max: usize,
    },
    /// The compressed data is not valid DEFLATE (the peer's fault): close with 1007, as Node
    /// `ws` does.
    InvalidData,
    /// `miniz_oxide`'s compressor reported an error. Not expected (our output sink never
    /// refuses bytes): a bug, close with 1011.
    CompressorFailed,
}

impl DeflateError {
    /// The WebSocket close code to fail the connection with (RFC 6455 §7.4.1).
    ///
    /// ```
    /// use netcore_websocket::proto::deflate::DeflateError;
    /// assert_eq!(DeflateError::InvalidData.close_code(), 1007);
    /// assert_eq!(DeflateError::MessageTooBig { size: 11, max: 10 }.close_code(), 1009);
    /// ```
    pub fn close_code(&self) -> u16 {
        match self {
            DeflateError::MessageTooBig { .. } => 1009,
            DeflateError::InvalidData => 1007,
            DeflateError::CompressorFailed => 1011,
        }
    }
}

impl fmt::Display for DeflateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeflateError::MessageTooBig { size, max } => {
                write!(f, "inflated message too big: more than {max} bytes (stopped at {size})")
            }
            DeflateError::InvalidData => f.write_str("invalid compressed data"),
            DeflateError::CompressorFailed => f.write_str("compressor failed"),
        }
    }
}

impl std::error::Error for DeflateError {}

// ----- the compressor -----

/// miniz's flags for a direction: raw DEFLATE (no zlib header), RLE when the window is limited.
fn compressor_flags(params: DirectionParams, level: u8) -> u32 {
    let level = level.min(9);
    // Negative window bits: raw DEFLATE. The value is otherwise unused by miniz.
    let raw = -15;
    if params.max_window_bits >= WindowBits::MAX || level == 0 {
        return create_comp_flags_from_zip_params(level.into(), raw, CompressionStrategy::Default as i32);
    }
    // Distance-1 matches only (see the module docs). Level 1 is miniz's fast path, which
    // ignores the strategy: use 2.
    create_comp_flags_from_zip_params(level.max(2).into(), raw, CompressionStrategy::RLE as i32)
}

/// A compressor's memory: miniz's whole deflate state (see the module docs for its size). Made
/// by [`Compressor`] on first use; taken out and given back with [`Compressor::detach_state`]
/// and [`Compressor::attach_state`] to share a pool between connections.
///
/// ```
/// use netcore_websocket::proto::deflate::{Compressor, CompressorState};
/// use netcore_websocket::proto::extension::DirectionParams;
/// let params = DirectionParams { no_context_takeover: true, ..Default::default() };
/// let mut pool = vec![CompressorState::new(params, 6)]; // shared by many connections
/// let mut compressor = Compressor::new(params, 6);
/// assert!(compressor.attach_state(pool.pop().unwrap()).is_none()); // taken
/// let mut out = Vec::new();
/// compressor.compress(b"Hello", &mut out)?;
/// assert_eq!(out, [0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]);
/// pool.extend(compressor.detach_state()); // back to the pool between messages
/// assert!(!compressor.has_state() && pool.len() == 1);
/// # Ok::<(), netcore_websocket::proto::deflate::DeflateError>(())
/// ```
pub struct CompressorState {
    inner: Box<CompressorOxide>,
    /// No history: fresh, or a full flush ended the last message. A state that is not clean
    /// (taken from a compressor with context takeover) is reset before reuse, so no connection
    /// can back-reference another's data.
    clean: bool,
}

impl CompressorState {
    /// The memory one state holds, in bytes: `size_of` plus miniz's heap buffers (measured by
    /// `tests/deflate_memory.rs`; miniz_oxide 0.8 on a 64-bit target).
    pub const SIZE: usize = 319_342;

    /// A fresh state (allocates [`CompressorState::SIZE`] bytes) for a direction with these
    /// parameters at this level. A state made for other parameters still works anywhere: a
    /// compressor rebuilds it to its own flags (another allocation) when it is attached.
    pub fn new(params: DirectionParams, level: u8) -> CompressorState {
        CompressorState::with_flags(compressor_flags(params, level))
    }

    fn with_flags(flags: u32) -> CompressorState {
        CompressorState { inner: Box::new(CompressorOxide::new(flags)), clean: true }
    }
}

impl fmt::Debug for CompressorState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CompressorState")
            .field("flags", &self.inner.flags())
            .field("clean", &self.clean)
            .finish()
    }
}

/// Compresses the messages of one direction (RFC 7692 §7.2.1): each message is DEFLATE data
/// ended by a sync flush whose trailing `00 00 ff ff` is removed. With context takeover each
/// message may refer back to the ones before; without, the window is emptied after each.
///
/// The state ([`CompressorState`]) is allocated on the first message.
///
/// ```
/// use netcore_websocket::proto::deflate::Compressor;
/// use netcore_websocket::proto::extension::DirectionParams;
/// let mut c = Compressor::new(DirectionParams::default(), 6);
/// let mut out = Vec::new();
/// c.compress(b"Hello", &mut out).unwrap();
/// assert_eq!(out, [0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]); // RFC 7692 §7.2.3.1
/// ```
#[derive(Debug)]
pub struct Compressor {
    params: DirectionParams,
    flags: u32,
    state: Option<CompressorState>,
    in_message: bool,
    failed: bool,
}

impl Compressor {
    /// A compressor honouring `params` (the direction we send: for a server,
    /// [`DeflateParams::server_to_client`](super::extension::DeflateParams::server_to_client)),
    /// at `level` 0 (stored) to 9 (above 9 counts as 9; usually
    /// [`DeflateConfig::level`](super::extension::DeflateConfig::level)). Allocates nothing
    /// until the first message.
    pub fn new(params: DirectionParams, level: u8) -> Compressor {
        Compressor {
            params,
            flags: compressor_flags(params, level),
            state: None,
            in_message: false,
            failed: false,
        }
    }

    /// The direction's parameters.
    pub fn params(&self) -> DirectionParams {
        self.params
    }

    /// Whether a message was started with [`Compressor::compress_part`] and not finished.
    pub fn is_in_message(&self) -> bool {
        self.in_message
    }

    /// Whether the compressor holds a state (memory) now.
    pub fn has_state(&self) -> bool {
        self.state.is_some()
    }

    /// Compresses one whole message, appending the payload to send (with RSV1 set) to `out`.
    pub fn compress(&mut self, message: &[u8], out: &mut Vec<u8>) -> Result<(), DeflateError> {
        self.compress_part(message, true, out)
    }

    /// Compresses the next part of a message sent in fragments, appending this fragment's
    /// payload to `out`; `last` ends the message. Each part ends with a sync flush, so a
    /// fragment carries everything given so far (as Node `ws` does); only the last part's
    /// trailing `00 00 ff ff` is removed. RSV1 goes on the first fragment only (RFC 7692 §6.1).
    ///
    /// ```
    /// use netcore_websocket::proto::deflate::{Compressor, Inflater};
    /// use netcore_websocket::proto::extension::DirectionParams;
    /// let (mut c, mut i) = (Compressor::new(DirectionParams::default(), 6), Inflater::new(DirectionParams::default(), 1 << 20));
    /// let (mut f1, mut f2, mut text) = (Vec::new(), Vec::new(), Vec::new());
    /// c.compress_part(b"Hello, ", false, &mut f1).unwrap();
    /// c.compress_part(b"world", true, &mut f2).unwrap();
    /// i.inflate_part(&f1, false, &mut text).unwrap();
    /// i.inflate_part(&f2, true, &mut text).unwrap();
    /// assert_eq!(text, b"Hello, world");
    /// ```
    pub fn compress_part(&mut self, data: &[u8], last: bool, out: &mut Vec<u8>) -> Result<(), DeflateError> {
        if self.failed {
            return Err(DeflateError::CompressorFailed);
        }
        let flags = self.flags;
        let state = self.state.get_or_insert_with(|| CompressorState::with_flags(flags));
        state.clean = false;
        self.in_message = !last;
        // RFC 7692 §7.2.1: end with a sync flush. Without context takeover the last part ends
        // with a full flush instead, which is a sync flush that also empties the window.
        let flush = if last && self.params.no_context_takeover { TDEFLFlush::Full } else { TDEFLFlush::Sync };
        let start = out.len();
        let mut input = data;
        loop {
            let (status, used) = compress_to_output(&mut state.inner, input, flush, |chunk| {
                out.extend_from_slice(chunk);
                true
            });
            input = input.get(used..).unwrap_or_default();
            let ok = matches!(status, TDEFLStatus::Okay | TDEFLStatus::Done);
            if ok && input.is_empty() {
                break;
            }
            if !ok || used == 0 {
                self.failed = true;
                return Err(DeflateError::CompressorFailed);
            }
        }
        if last {
            // RFC 7692 §7.2.1: remove the 4 octets of the empty stored block.
            if out.len() < start + TRAILER.len() || !out.ends_with(&TRAILER) {
                self.failed = true;
                return Err(DeflateError::CompressorFailed);
            }
            out.truncate(out.len() - TRAILER.len());
            state.clean = self.params.no_context_takeover;
        }
        Ok(())
    }

    /// Takes the state out, between messages of a direction without context takeover (its
    /// window is empty then, so it can serve any connection: put it in a pool). `None` when
    /// the direction has context takeover, a message is unfinished, or there is no state.
    pub fn detach_state(&mut self) -> Option<CompressorState> {
        if !self.params.no_context_takeover || self.in_message {
            return None;
        }
        self.state.take()
    }

    /// Gives the compressor a state (from a pool) for its next message. A state that still
    /// holds history is reset first, one made for other flags is rebuilt. If the compressor
    /// already has a state, the given one is handed back untouched.
    pub fn attach_state(&mut self, mut state: CompressorState) -> Option<CompressorState> {
        if self.state.is_some() {
            return Some(state);
        }
        if state.inner.flags() as u32 != self.flags {
            state = CompressorState::with_flags(self.flags);
        } else if !state.clean {
            state.inner.reset();
            state.clean = true;
        }
        self.state = Some(state);
        None
    }
}

// ----- the inflater -----

/// An inflater's memory: miniz's inflate state with its 32 KiB window (see the module docs).
/// Made by [`Inflater`] on first use; taken out and given back with
/// [`Inflater::detach_state`] and [`Inflater::attach_state`].
///
/// ```
/// use netcore_websocket::proto::deflate::{Inflater, InflaterState};
/// use netcore_websocket::proto::extension::DirectionParams;
/// let params = DirectionParams { no_context_takeover: true, ..Default::default() };
/// let mut pool = vec![InflaterState::new()]; // shared by many connections
/// let mut inflater = Inflater::new(params, 1 << 20);
/// assert!(inflater.attach_state(pool.pop().unwrap()).is_none()); // taken
/// let mut out = Vec::new();
/// inflater.inflate(&[0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00], &mut out)?;
/// assert_eq!(out, b"Hello");
/// pool.extend(inflater.detach_state()); // back to the pool between messages
/// assert!(!inflater.has_state() && pool.len() == 1);
/// # Ok::<(), netcore_websocket::proto::deflate::DeflateError>(())
/// ```
pub struct InflaterState {
    inner: Box<InflateState>,
}

impl InflaterState {
    /// The memory one state holds, in bytes (measured by `tests/deflate_memory.rs`).
    pub const SIZE: usize = 43_304;

    /// A fresh state (allocates [`InflaterState::SIZE`] bytes).
    pub fn new() -> InflaterState {
        InflaterState { inner: InflateState::new_boxed(DataFormat::Raw) }
    }

    fn reset(&mut self) {
        self.inner.reset_as(MinReset);
    }
}

impl Default for InflaterState {
    fn default() -> Self {
        InflaterState::new()
    }
}

impl fmt::Debug for InflaterState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InflaterState").finish_non_exhaustive()
    }
}

/// Inflates the messages of one direction (RFC 7692 §7.2.2): appends `00 00 ff ff` to each
/// message's payload and inflates it, bounded by `max_message_size`.
///
/// A message whose DEFLATE data ends with a final block (BFINAL, RFC 7692 §7.2.3.4) ends the
/// stream: the rest of its payload is ignored (as zlib does) and the next message starts with
/// an empty window.
///
/// ```
/// use netcore_websocket::proto::deflate::{DeflateError, Inflater};
/// use netcore_websocket::proto::extension::DirectionParams;
/// let mut i = Inflater::new(DirectionParams::default(), 4);
/// let mut out = Vec::new();
/// assert_eq!(i.inflate(&[0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00], &mut out),
///            Err(DeflateError::MessageTooBig { size: 5, max: 4 }));
/// ```
#[derive(Debug)]
pub struct Inflater {
    params: DirectionParams,
    max_message_size: usize,
    state: Option<InflaterState>,
    /// Bytes of the current message inflated so far.
    produced: usize,
    in_message: bool,
    /// A final block ended the DEFLATE stream in this message.
    stream_ended: bool,
    failed: Option<DeflateError>,
}

impl Inflater {
    /// An inflater for the direction we receive (for a server,
    /// [`DeflateParams::client_to_server`](super::extension::DeflateParams::client_to_server)),
    /// failing any message that inflates to more than `max_message_size` bytes (the session's
    /// message limit). Allocates nothing until the first message.
    pub fn new(params: DirectionParams, max_message_size: usize) -> Inflater {
        Inflater {
            params,
            max_message_size,
            state: None,
            produced: 0,
            in_message: false,
            stream_ended: false,
            failed: None,
        }
    }

    /// The direction's parameters.
    pub fn params(&self) -> DirectionParams {
        self.params
    }

    /// The limit on a message's inflated size.
    pub fn max_message_size(&self) -> usize {
        self.max_message_size
    }

    /// Changes the limit, from the next message on.
    pub fn set_max_message_size(&mut self, max: usize) {
        self.max_message_size = max;
    }

    /// Whether a message was started with [`Inflater::inflate_part`] and not finished.
    pub fn is_in_message(&self) -> bool {
        self.in_message
    }

    /// Whether the inflater holds a state (memory) now.
    pub fn has_state(&self) -> bool {
        self.state.is_some()
    }

    /// Inflates one whole message's payload, appending the message to `out`. On error `out`
    /// may hold part of the message (at most `max_message_size + 1` bytes of it): discard it.
    pub fn inflate(&mut self, payload: &[u8], out: &mut Vec<u8>) -> Result<(), DeflateError> {
        self.inflate_part(payload, true, out)
    }

    /// Inflates the next piece of a message's payload (a fragment, or any part of one),
    /// appending what it inflates to `out`; `last` ends the message. The size bound counts the
    /// whole message across pieces.
    pub fn inflate_part(&mut self, data: &[u8], last: bool, out: &mut Vec<u8>) -> Result<(), DeflateError> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        let result = self.feed(data, out).and_then(|()| if last { self.feed(&TRAILER, out) } else { Ok(()) });
        if let Err(e) = result {
            self.failed = Some(e);
            return Err(e);
        }
        self.in_message = !last;
        if last {
            self.produced = 0;
            if self.params.no_context_takeover || self.stream_ended {
                if let Some(state) = &mut self.state {
                    state.reset();
                }
            }
            self.stream_ended = false;
        }
        Ok(())
    }

    /// Runs `input` through the inflater in bounded steps.
    fn feed(&mut self, mut input: &[u8], out: &mut Vec<u8>) -> Result<(), DeflateError> {
        let state = &mut self.state.get_or_insert_with(InflaterState::new).inner;
        while !self.stream_ended {
            // Write into the buffer's spare capacity, or about 4x the input (DEFLATE rarely does
            // better), so a small message does not grow the caller's buffer by a whole step;
            // a bigger output grows it as a `Vec` grows. Never more than one byte past the
            // limit, to tell "exactly at the limit" from "over".
            let room = self.max_message_size.saturating_sub(self.produced).saturating_add(1);
            let spare = out.capacity() - out.len();
            let step =
                spare.max(input.len().saturating_mul(4)).clamp(MIN_INFLATE_STEP, INFLATE_STEP).min(room);
            let start = out.len();
            out.resize(start + step, 0);
            let r = inflate(state, input, &mut out[start..], MZFlush::None);
            out.truncate(start + r.bytes_written);
            input = input.get(r.bytes_consumed..).unwrap_or_default();
            self.produced = self.produced.saturating_add(r.bytes_written);
            if self.produced > self.max_message_size {
                return Err(DeflateError::MessageTooBig { size: self.produced, max: self.max_message_size });
            }
            match r.status {
                Ok(MZStatus::StreamEnd) => self.stream_ended = true,
                // Ok: progress; Buf: nothing more to do without more input.
                Ok(_) | Err(MZError::Buf) => {
                    if r.bytes_consumed == 0 && r.bytes_written == 0 {
                        return if input.is_empty() { Ok(()) } else { Err(DeflateError::InvalidData) };
                    }
                }
                Err(_) => return Err(DeflateError::InvalidData),
            }
        }
        Ok(())
    }

    /// Takes the state out between messages of a direction without context takeover (it was
    /// reset at the end of the last message): put it in a pool. `None` when the direction has
    /// context takeover, a message is unfinished, or there is no state.
    pub fn detach_state(&mut self) -> Option<InflaterState> {
        if !self.params.no_context_takeover || self.in_message {
            return None;
        }
        self.state.take()
    }

    /// Gives the inflater a state (from a pool) for its next message; it is reset first. If
    /// the inflater already has a state, the given one is handed back untouched.
    pub fn attach_state(&mut self, mut state: InflaterState) -> Option<InflaterState> {
        if self.state.is_some() {
            return Some(state);
        }
        state.reset();
        self.state = Some(state);
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HELLO: [u8; 7] = [0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00];

    fn takeover() -> DirectionParams {
        DirectionParams::default()
    }

    fn no_takeover() -> DirectionParams {
        DirectionParams { no_context_takeover: true, ..DirectionParams::default() }
    }

    fn inflate_all(params: DirectionParams, messages: &[&[u8]]) -> Result<Vec<Vec<u8>>, DeflateError> {
        let mut i = Inflater::new(params, 1 << 20);
        messages
            .iter()
            .map(|m| {
                let mut out = Vec::new();
                i.inflate(m, &mut out).map(|()| out)
            })
            .collect()
    }

    #[test]
    fn rfc7692_7_2_3_1_a_message_compressed_using_1_compressed_deflate_block() {
        assert_eq!(inflate_all(takeover(), &[&HELLO]).unwrap(), [b"Hello"]);
        // The same message in two fragments.
        let mut i = Inflater::new(takeover(), 100);
        let mut out = Vec::new();
        i.inflate_part(&[0xf2, 0x48, 0xcd], false, &mut out).unwrap();
        i.inflate_part(&[0xc9, 0xc9, 0x07, 0x00], true, &mut out).unwrap();
        assert_eq!(out, b"Hello");
        // And ours is byte for byte the RFC's.
        let mut c = Compressor::new(takeover(), 6);
        let mut z = Vec::new();
        c.compress(b"Hello", &mut z).unwrap();
        assert_eq!(z, HELLO);
    }

    #[test]
    fn rfc7692_7_2_3_2_sharing_lz77_sliding_window() {
        let second = [0xf2, 0x00, 0x11, 0x00, 0x00];
        assert_eq!(inflate_all(takeover(), &[&HELLO, &second]).unwrap(), [b"Hello", b"Hello"]);
        let mut c = Compressor::new(takeover(), 6);
        let (mut a, mut b) = (Vec::new(), Vec::new());
        c.compress(b"Hello", &mut a).unwrap();
        c.compress(b"Hello", &mut b).unwrap();
        assert_eq!((a.as_slice(), b.as_slice()), (&HELLO[..], &second[..]));
        // Without context takeover the second message stands alone.
        let mut c = Compressor::new(no_takeover(), 6);
        let (mut a, mut b) = (Vec::new(), Vec::new());
        c.compress(b"Hello", &mut a).unwrap();
        c.compress(b"Hello", &mut b).unwrap();
        assert_eq!((a.as_slice(), b.as_slice()), (&HELLO[..], &HELLO[..]));
    }

    #[test]
    fn rfc7692_7_2_3_3_using_a_deflate_block_with_no_compression() {
        let stored = [0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00];
        assert_eq!(inflate_all(takeover(), &[&stored]).unwrap(), [b"Hello"]);
        // Level 0 writes stored blocks.
        let mut c = Compressor::new(takeover(), 0);
        let mut z = Vec::new();
        c.compress(b"Hello", &mut z).unwrap();
        assert_eq!(inflate_all(takeover(), &[&z]).unwrap(), [b"Hello"]);
    }

    #[test]
    fn rfc7692_7_2_3_4_using_a_deflate_block_with_bfinal_set_to_1() {
        let last = [0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00];
        // The stream ends; the next message starts a new one.
        assert_eq!(inflate_all(takeover(), &[&last, &HELLO, &last]).unwrap(), [b"Hello", b"Hello", b"Hello"]);
    }

    #[test]
    fn rfc7692_7_2_3_5_two_deflate_blocks_in_one_message() {
        let two = [0xf2, 0x48, 0x05, 0x00, 0x00, 0x00, 0xff, 0xff, 0xca, 0xc9, 0xc9, 0x07, 0x00];
        assert_eq!(inflate_all(takeover(), &[&two]).unwrap(), [b"Hello"]);
    }

    #[test]
    fn rfc7692_7_2_3_6_generating_an_empty_fragment() {
        let mut i = Inflater::new(takeover(), 100);
        let mut out = Vec::new();
        i.inflate_part(&[0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00, 0x00, 0xff, 0xff], false, &mut out)
            .unwrap();
        i.inflate_part(&[0x00], true, &mut out).unwrap();
        assert_eq!(out, b"Hello");
        // An empty payload is an empty message.
        assert_eq!(inflate_all(takeover(), &[&[]]).unwrap(), [b""]);
        // And an empty message compresses to something that inflates to nothing.
        let mut c = Compressor::new(takeover(), 6);
        let mut z = Vec::new();
        c.compress(b"", &mut z).unwrap();
        assert_eq!(inflate_all(takeover(), &[&z]).unwrap(), [b""]);
    }

    #[test]
    fn the_bound_is_exact() {
        for (max, ok) in [(5, true), (4, false)] {
            let mut i = Inflater::new(takeover(), max);
            let mut out = b"prefix".to_vec();
            let r = i.inflate(&HELLO, &mut out);
            assert_eq!(r.is_ok(), ok, "max {max}");
            if ok {
                assert_eq!(out, b"prefixHello");
            } else {
                assert_eq!(r, Err(DeflateError::MessageTooBig { size: 5, max: 4 }));
                assert_eq!(out.len(), 6 + 5, "at most max + 1 bytes inflated");
                // Failed for good.
                assert_eq!(i.inflate(&HELLO, &mut out), r);
            }
        }
        // The bound counts a message across its fragments and restarts with the next one.
        let mut i = Inflater::new(takeover(), 5);
        let mut out = Vec::new();
        i.inflate_part(&HELLO[..3], false, &mut out).unwrap();
        i.inflate_part(&HELLO[3..], true, &mut out).unwrap();
        i.inflate(&[0xf2, 0x00, 0x11, 0x00, 0x00], &mut out).unwrap();
        assert_eq!(out, b"HelloHello");
    }

    #[test]
    fn corrupt_data_fails_for_good() {
        for bad in [&[0xff, 0xff, 0xff][..], &[0x07], &[0x00, 0x05, 0x00, 0x00, 0x00, 1, 2, 3, 4, 5]] {
            let mut i = Inflater::new(takeover(), 1000);
            let mut out = Vec::new();
            assert_eq!(i.inflate(bad, &mut out), Err(DeflateError::InvalidData), "{bad:x?}");
            assert_eq!(i.inflate(&HELLO, &mut out), Err(DeflateError::InvalidData));
        }
    }

    #[test]
    fn states_detach_only_between_messages_without_context_takeover() {
        let mut c = Compressor::new(takeover(), 6);
        let mut out = Vec::new();
        c.compress(b"Hello", &mut out).unwrap();
        assert!(c.detach_state().is_none(), "context takeover keeps the window");

        let mut c = Compressor::new(no_takeover(), 6);
        assert!(c.detach_state().is_none() && !c.has_state(), "nothing allocated yet");
        c.compress_part(b"Hel", false, &mut out).unwrap();
        assert!(c.detach_state().is_none(), "mid-message");
        c.compress_part(b"lo", true, &mut out).unwrap();
        let state = c.detach_state().expect("between messages");
        assert!(!c.has_state());
        // Another connection takes it: its output does not depend on the first one's data.
        let mut d = Compressor::new(no_takeover(), 6);
        assert!(d.attach_state(state).is_none());
        let mut z = Vec::new();
        d.compress(b"Hello", &mut z).unwrap();
        assert_eq!(z, HELLO);

        // A state with history, or made for other flags, is cleaned before reuse.
        let mut t = Compressor::new(takeover(), 6);
        t.compress(b"Hello", &mut Vec::new()).unwrap();
        let mut dirty = t.state.take().unwrap();
        assert!(!dirty.clean);
        dirty = match d.attach_state(dirty) {
            Some(back) => back, // d already has one
            None => unreachable!(),
        };
        d.detach_state().unwrap();
        d.attach_state(dirty);
        let mut z = Vec::new();
        d.compress(b"Hello", &mut z).unwrap();
        assert_eq!(z, HELLO, "no reference to the other connection's Hello");
        let rle = CompressorState::new(
            DirectionParams { no_context_takeover: true, max_window_bits: WindowBits::MIN },
            6,
        );
        let mut e = Compressor::new(no_takeover(), 6);
        e.attach_state(rle);
        assert_eq!(e.state.as_ref().map(|s| s.inner.flags() as u32), Some(e.flags));

        let mut i = Inflater::new(no_takeover(), 100);
        i.inflate(&HELLO, &mut Vec::new()).unwrap();
        let s = i.detach_state().unwrap();
        let mut j = Inflater::new(takeover(), 100);
        j.attach_state(s);
        let mut out = Vec::new();
        j.inflate(&HELLO, &mut out).unwrap();
        assert_eq!(out, b"Hello");
        assert!(j.detach_state().is_none());
    }
}
