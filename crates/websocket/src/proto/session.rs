//! The connection state machine for both roles (RFC 6455 §5, §7): bytes in, [`Event`]s out;
//! frames out into a caller-owned `Vec<u8>`.
//!
//! ```text
//!  socket bytes ──► input: BytesMut ──► Session::receive ──► Event::Message { data, text, compressed }
//!                   (caller appends)     (unmask in place,    Event::Ping / Pong (payload)
//!                                         UTF-8, limits)       Event::Close { code, reason }
//!  send / send_fragment / ping / pong / close ──► out: Vec<u8> ──► socket
//! ```
//!
//! Receiving. The caller appends what it read to one `BytesMut` and calls
//! [`Session::receive`] until it returns `Ok(None)`. An unfragmented message (the common case)
//! stays in that buffer until its last byte is in, is unmasked in place as it arrives, and is
//! handed out as a zero-copy `split_to().freeze()` of it; control frames likewise. The frames of
//! a fragmented message are unmasked into one reused `BytesMut` as their bytes arrive, so the
//! input buffer never holds more than one unfragmented frame (at most
//! [`Config::max_frame_size`] plus a 14-byte header). A text message is UTF-8-checked as its
//! bytes arrive, across fragments, and fails at the first impossible byte (§8.1).
//!
//! The rules checked: masking direction (§5.1: a server requires masked frames, a client
//! refuses them), RSV bits (§5.2: only RSV1, only when an extension allows it, only on a
//! message's first frame: RFC 7692 §6), reserved opcodes, minimal lengths (§5.2), control frames
//! at most 125 bytes and unfragmented, allowed between fragments (§5.4, §5.5), continuation
//! frames only inside a fragmented message and no new message before it ends (§5.4), Close
//! payloads (§5.5.1, §7.4), and the limits of [`Config`]. Any violation is fatal: the session
//! keeps returning the error; the caller should send a Close with [`Error::close_code`] and drop
//! the connection (§7.1.7, "fail the WebSocket connection").
//!
//! Protocol obligations are the caller's, never done behind its back: a Ping is answered by
//! [`Session::pong`] (§5.5.2), a received Close by [`Session::close`] (§5.5.1), after which a
//! server closes the TCP connection first (§7.1.1).
//!
//! Compression. With [`Config::rsv1_allowed`] (set once permessage-deflate is negotiated) a data
//! message may arrive with RSV1 on its first frame. It is delivered still compressed, all its
//! fragments joined as RFC 7692 §6.2 requires, as `Event::Message { compressed: true, .. }`;
//! for such a message this layer does *not* check UTF-8 (the bytes are deflate data): the
//! inflating layer must check the inflated text with [`utf8::validate`](super::utf8::validate)
//! or a [`Utf8Validator`], bound the inflated size (with [`Config::max_message_size`], as
//! [`Limit::MessageSize`]), and report failures through [`Session::fail`] so the session stays
//! failed like for any other violation. Sending: [`Session::send_compressed`] sets RSV1 on a
//! payload the extension layer already deflated.

use bytes::{Buf, Bytes, BytesMut};

use super::close::{check_close, close_payload_len, decode_close, encode_close, CloseCode};
use super::error::{Error, Limit};
use super::frame::{encode_frame, FrameHeader, Opcode, MAX_CONTROL_PAYLOAD};
use super::mask::apply_mask;
use super::rng::MaskRng;
use super::utf8::Utf8Validator;

/// One frame's payload (Node `ws`'s `maxPayload` default, 100 MiB).
pub const DEFAULT_MAX_FRAME_SIZE: usize = 100 * 1024 * 1024;
/// One message's payload, fragments together (Node `ws`'s `maxPayload` default, 100 MiB).
pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 100 * 1024 * 1024;
/// Frames in one message: 131 072, twice the 65 536 of Autobahn's largest fragmentation case
/// (9.3.1/9.4.1: 4 MiB in 64-byte fragments), so no conforming test suite trips it, while a peer
/// can no longer keep one message open forever with empty continuation frames.
pub const DEFAULT_MAX_FRAGMENTS: usize = 1 << 17;

/// Which end of the connection this session is: it decides the masking direction (§5.1).
///
/// ```
/// use netcore_websocket::proto::{Config, MaskRng, Role, Session};
/// let mut out = Vec::new();
/// Session::new(Role::Server, Config::default(), MaskRng::new(1)).send_text("hi", &mut out)?;
/// assert_eq!(out, b"\x81\x02hi"); // a server sends unmasked frames
/// out.clear();
/// Session::new(Role::Client, Config::default(), MaskRng::new(1)).send_text("hi", &mut out)?;
/// assert_eq!((out[1] & 0x80, out.len()), (0x80, 2 + 4 + 2)); // a client masks: the MASK bit and a key
/// # Ok::<(), netcore_websocket::proto::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Accepted the connection: receives masked frames, sends unmasked ones.
    Server,
    /// Opened the connection: receives unmasked frames, sends masked ones.
    Client,
}

/// Limits on what the peer may send, and the extension hook. Each field's default is Node `ws`'s
/// where it has one.
///
/// ```
/// use netcore_websocket::proto::session::{Config, DEFAULT_MAX_MESSAGE_SIZE};
/// let mut config = Config::default();
/// assert_eq!(config.max_message_size, DEFAULT_MAX_MESSAGE_SIZE);
/// config.max_message_size = 1 << 20;
/// config.rsv1_allowed = true; // permessage-deflate was negotiated
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// The largest payload of one frame, data or control (default [`DEFAULT_MAX_FRAME_SIZE`],
    /// 100 MiB). It bounds what the caller's input buffer must hold: an unfragmented message
    /// stays there until complete. Beyond it: [`Limit::FrameSize`], close code 1009.
    pub max_frame_size: usize,
    /// The largest message, all its fragments together, as received (compressed, for a
    /// compressed message) (default [`DEFAULT_MAX_MESSAGE_SIZE`], 100 MiB). It bounds the
    /// reassembly buffer. Beyond it: [`Limit::MessageSize`], close code 1009.
    pub max_message_size: usize,
    /// The most frames one message may have (default [`DEFAULT_MAX_FRAGMENTS`], 131 072). It
    /// bounds the work one message may cost beyond its bytes. Beyond it: [`Limit::Fragments`],
    /// close code 1008. Any value below 1 acts as 1 (no fragmentation).
    pub max_fragments: usize,
    /// Whether RSV1 may be set on a data message's first frame (default `false`): set it when
    /// permessage-deflate (RFC 7692) was negotiated. Such messages are delivered with
    /// `compressed: true`; RSV2 and RSV3 are always refused.
    pub rsv1_allowed: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            max_frame_size: DEFAULT_MAX_FRAME_SIZE,
            max_message_size: DEFAULT_MAX_MESSAGE_SIZE,
            max_fragments: DEFAULT_MAX_FRAGMENTS,
            rsv1_allowed: false,
        }
    }
}

/// The type of a data message (§5.6).
///
/// ```
/// use bytes::BytesMut;
/// use netcore_websocket::proto::{Config, Event, MaskRng, MessageKind, Role, Session};
/// let mut client = Session::new(Role::Client, Config::default(), MaskRng::new(1));
/// let mut server = Session::new(Role::Server, Config::default(), MaskRng::new(2));
/// let mut wire = Vec::new();
/// client.send(MessageKind::Binary, &[0, 1, 2], &mut wire)?;
/// assert_eq!(wire[0], 0x82); // FIN, opcode 0x2
/// let event = server.receive(&mut BytesMut::from(&wire[..]))?;
/// assert_eq!(event, Some(Event::Message { data: vec![0, 1, 2].into(), text: false, compressed: false }));
/// # Ok::<(), netcore_websocket::proto::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageKind {
    /// UTF-8 text (opcode 0x1).
    Text,
    /// Arbitrary bytes (opcode 0x2).
    Binary,
}

impl MessageKind {
    fn opcode(self) -> Opcode {
        match self {
            MessageKind::Text => Opcode::Text,
            MessageKind::Binary => Opcode::Binary,
        }
    }
}

/// What [`Session::receive`] decoded.
///
/// ```
/// use bytes::BytesMut;
/// use netcore_websocket::proto::{Config, Event, MaskRng, Role, Session};
/// let mut client = Session::new(Role::Client, Config::default(), MaskRng::new(1));
/// let mut server = Session::new(Role::Server, Config::default(), MaskRng::new(2));
/// let mut wire = Vec::new();
/// client.ping(b"1", &mut wire)?;
/// let Some(Event::Ping(payload)) = server.receive(&mut BytesMut::from(&wire[..]))? else { panic!("a ping") };
/// let mut reply = Vec::new();
/// server.pong(&payload, &mut reply)?; // answering is the caller's job
/// assert_eq!(client.receive(&mut BytesMut::from(&reply[..]))?, Some(Event::Pong("1".into())));
/// # Ok::<(), netcore_websocket::proto::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A complete data message (§5.6).
    Message {
        /// The payload, unmasked, all fragments joined. For an unfragmented message a zero-copy
        /// slice of the caller's input buffer.
        data: Bytes,
        /// A text message: `data` is valid UTF-8, unless `compressed` (then it is checked after
        /// inflation, by the inflating layer).
        text: bool,
        /// The first frame had RSV1 ([`Config::rsv1_allowed`]): `data` is the deflated payload,
        /// fragments joined, to be inflated by the extension layer (RFC 7692 §6.2).
        compressed: bool,
    },
    /// A Ping (§5.5.2): answer it with [`Session::pong`] and the same payload, unless a Close
    /// was sent.
    Ping(Bytes),
    /// A Pong (§5.5.3), solicited or not.
    Pong(Bytes),
    /// The peer's Close (§5.5.1). If this side has not sent one, it must: call
    /// [`Session::close`] (typically echoing `code`). Nothing more is received after it.
    Close {
        /// The status code, `None` if the frame had none (reported as 1005 by Node).
        code: Option<CloseCode>,
        /// The reason: valid UTF-8, at most 123 bytes, possibly empty.
        reason: Bytes,
    },
}

/// Where the closing handshake stands (§7.1).
///
/// ```
/// use bytes::BytesMut;
/// use netcore_websocket::proto::{CloseCode, Config, MaskRng, Role, Session, State};
/// let mut server = Session::new(Role::Server, Config::default(), MaskRng::new(1));
/// assert_eq!(server.state(), State::Open);
/// // An unmasked frame from a client breaks RFC 6455 §5.1: the session fails, for good.
/// let err = server.receive(&mut BytesMut::from(&b"\x81\x02hi"[..])).unwrap_err();
/// assert_eq!(server.state(), State::Failed);
/// assert_eq!(server.receive(&mut BytesMut::new()), Err(err));
/// assert_eq!(err.close_code(), CloseCode::PROTOCOL_ERROR); // what to send before dropping it
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    /// Neither side has sent a Close.
    Open,
    /// This side sent a Close and waits for the peer's; received data is still delivered.
    CloseSent,
    /// The peer sent a Close and this side owes one ([`Session::close`]); sending continues to
    /// be allowed until then (§5.5.1 lets an endpoint finish the message it is sending).
    CloseReceived,
    /// Both Close frames went through: the TCP connection may be closed (first by the server,
    /// §7.1.1). Further input is discarded, sending is [`Error::Closed`].
    Closed,
    /// A fatal error ([`Session::receive`] keeps returning it); send a Close with its
    /// [`close_code`](Error::close_code) if none was sent, then drop the connection.
    Failed,
}

/// Where the payload of the frame being received goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// An unfragmented data message: left in the input and handed out whole.
    Message {
        text: bool,
        compressed: bool,
    },
    /// A fragment (first, middle or last) of a fragmented message: into the reassembly buffer.
    Fragment {
        text: bool,
        compressed: bool,
    },
    Ping,
    Pong,
    Close,
}

/// The frame whose payload is being received.
#[derive(Debug, Clone, Copy)]
struct RxFrame {
    target: Target,
    fin: bool,
    mask: Option<[u8; 4]>,
    /// Payload length (at most `max_frame_size`, so it fits).
    len: usize,
    /// Payload bytes unmasked (and UTF-8-checked) so far.
    done: usize,
    /// Whether its bytes go through the UTF-8 validator.
    validate: bool,
}

/// The fragmented message being received.
#[derive(Debug, Clone, Copy)]
struct RxMessage {
    text: bool,
    compressed: bool,
    len: u64,
    fragments: u64,
}

/// The fragmented message being sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct TxMessage {
    kind: MessageKind,
    compressed: bool,
}

/// One WebSocket connection's framing state, for either role, after the opening handshake.
///
/// ```
/// use bytes::BytesMut;
/// use netcore_websocket::proto::{CloseCode, Config, Event, MaskRng, MessageKind, Role, Session, State};
///
/// let mut client = Session::new(Role::Client, Config::default(), MaskRng::new(1));
/// let mut server = Session::new(Role::Server, Config::default(), MaskRng::new(2));
///
/// // The client sends (masked) into its output buffer; the bytes travel to the server.
/// let mut wire = Vec::new();
/// client.send_text("hello", &mut wire)?;
/// client.ping(b"are you there", &mut wire)?;
/// let mut input = BytesMut::from(&wire[..]);
/// assert_eq!(
///     server.receive(&mut input)?,
///     Some(Event::Message { data: "hello".into(), text: true, compressed: false })
/// );
/// assert_eq!(server.receive(&mut input)?, Some(Event::Ping("are you there".into())));
/// assert_eq!(server.receive(&mut input)?, None); // all consumed: read more from the socket
///
/// // The closing handshake: the server closes, the client echoes.
/// let mut wire = Vec::new();
/// server.close(Some(CloseCode::GOING_AWAY), "restart", &mut wire)?;
/// let mut input = BytesMut::from(&wire[..]);
/// let Some(Event::Close { code, .. }) = client.receive(&mut input)? else { panic!() };
/// assert_eq!(client.state(), State::CloseReceived);
/// let mut reply = Vec::new();
/// client.close(code, "", &mut reply)?;
/// assert_eq!(client.state(), State::Closed);
/// server.receive(&mut BytesMut::from(&reply[..]))?;
/// assert_eq!(server.state(), State::Closed);
/// # Ok::<(), netcore_websocket::proto::Error>(())
/// ```
#[derive(Debug)]
pub struct Session {
    role: Role,
    config: Config,
    rng: MaskRng,
    error: Option<Error>,
    close_sent: bool,
    close_received: bool,
    rx_frame: Option<RxFrame>,
    rx_message: Option<RxMessage>,
    /// The fragments of the message being received, unmasked; reused across messages.
    assembly: BytesMut,
    utf8: Utf8Validator,
    tx_message: Option<TxMessage>,
}

impl Session {
    /// A session in the [`State::Open`] state. `rng` provides client masking keys (§5.3; use
    /// [`MaskRng::from_entropy`] outside tests); a server never draws from it.
    pub fn new(role: Role, config: Config, rng: MaskRng) -> Self {
        Self {
            role,
            config,
            rng,
            error: None,
            close_sent: false,
            close_received: false,
            rx_frame: None,
            rx_message: None,
            assembly: BytesMut::new(),
            utf8: Utf8Validator::new(),
            tx_message: None,
        }
    }

    /// This side's role.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The configuration it was made with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Where the closing handshake stands, or [`State::Failed`].
    pub fn state(&self) -> State {
        if self.error.is_some() {
            return State::Failed;
        }
        match (self.close_sent, self.close_received) {
            (false, false) => State::Open,
            (true, false) => State::CloseSent,
            (false, true) => State::CloseReceived,
            (true, true) => State::Closed,
        }
    }

    /// The fatal error, once there is one.
    pub fn error(&self) -> Option<Error> {
        self.error
    }

    /// Marks the session failed with `error`, unless it already failed: for a layer above that
    /// finds the peer at fault, e.g. an inflater with [`Error::InvalidCompressedData`],
    /// [`Error::InvalidUtf8`] or [`Limit::MessageSize`]. From then on [`receive`](Self::receive)
    /// returns it.
    pub fn fail(&mut self, error: Error) {
        self.error.get_or_insert(error);
    }

    /// Decodes the next event from the front of `input`, consuming what it used. `Ok(None)`:
    /// everything in `input` was used or is an incomplete frame kept for the next call; append
    /// more bytes (the same buffer, only appended to: the start of an incomplete frame may
    /// already be unmasked in place) and call again. Call until `Ok(None)` after every read.
    ///
    /// After the peer's Close, further input is discarded (`input` is cleared, §5.5.1). After an
    /// error, every call returns that error.
    pub fn receive(&mut self, input: &mut BytesMut) -> Result<Option<Event>, Error> {
        if let Some(e) = self.error {
            return Err(e);
        }
        if self.close_received {
            // RFC 6455 §5.5.1: the peer sends nothing after its Close; discard what comes.
            input.clear();
            return Ok(None);
        }
        let result = self.decode(input);
        if let Err(e) = result {
            self.error = Some(e);
        }
        result
    }

    fn decode(&mut self, input: &mut BytesMut) -> Result<Option<Event>, Error> {
        loop {
            let mut frame = match self.rx_frame {
                Some(frame) => frame,
                None => {
                    let Some((header, used)) = FrameHeader::decode(input)? else { return Ok(None) };
                    let frame = self.start_frame(&header)?;
                    input.advance(used);
                    frame
                }
            };
            if let Target::Fragment { text, compressed } = frame.target {
                // Stream the fragment's bytes into the reassembly buffer as they come.
                let n = input.len().min(frame.len - frame.done);
                if n > 0 {
                    let start = self.assembly.len();
                    self.assembly.extend_from_slice(&input[..n]);
                    input.advance(n);
                    let chunk = &mut self.assembly[start..];
                    if let Some(key) = frame.mask {
                        apply_mask(chunk, key, frame.done);
                    }
                    if frame.validate {
                        self.utf8.feed(chunk)?;
                    }
                    frame.done += n;
                }
                if frame.done < frame.len {
                    self.rx_frame = Some(frame);
                    return Ok(None);
                }
                self.rx_frame = None;
                if frame.fin {
                    self.rx_message = None;
                    if frame.validate {
                        self.utf8.finish()?;
                    }
                    // The buffer goes with the message: none of a large message's capacity stays
                    // behind with the session (an idle connection holds no peer-sized buffer).
                    let data = std::mem::take(&mut self.assembly).freeze();
                    return Ok(Some(Event::Message { data, text, compressed }));
                }
                continue;
            }
            // Whole in the input: unmask (and check) in place what has arrived since last time.
            let arrived = input.len().min(frame.len);
            if arrived > frame.done {
                let chunk = &mut input[frame.done..arrived];
                if let Some(key) = frame.mask {
                    apply_mask(chunk, key, frame.done);
                }
                if frame.validate {
                    self.utf8.feed(chunk)?;
                }
                frame.done = arrived;
            }
            if frame.done < frame.len {
                self.rx_frame = Some(frame);
                return Ok(None);
            }
            self.rx_frame = None;
            let payload = input.split_to(frame.len).freeze();
            return self.complete(frame, payload).map(Some);
        }
    }

    /// The connection-level rules for a new frame (the header-only ones are the decoder's).
    fn start_frame(&mut self, header: &FrameHeader) -> Result<RxFrame, Error> {
        // RFC 6455 §5.2: RSV bits only as a negotiated extension defines them; RFC 7692 §6:
        // permessage-deflate's RSV1 only on a data message's first frame.
        if header.rsv2 || header.rsv3 {
            return Err(Error::UnexpectedRsv2Rsv3);
        }
        if header.rsv1 {
            if !self.config.rsv1_allowed {
                return Err(Error::UnexpectedRsv1);
            }
            if !matches!(header.opcode, Opcode::Text | Opcode::Binary) {
                return Err(Error::MisplacedRsv1);
            }
        }
        // RFC 6455 §5.1: clients mask, servers do not.
        match (self.role, header.mask) {
            (Role::Server, None) => return Err(Error::UnmaskedFrame),
            (Role::Client, Some(_)) => return Err(Error::MaskedFrame),
            _ => {}
        }
        let max_frame = self.config.max_frame_size as u64;
        if header.len > max_frame {
            return Err(Error::LimitExceeded { what: Limit::FrameSize, size: header.len, max: max_frame });
        }
        let max_message = self.config.max_message_size as u64;
        let target = match header.opcode {
            // RFC 6455 §5.4: a continuation continues a fragmented message, or nothing.
            Opcode::Continuation => {
                let Some(message) = &mut self.rx_message else { return Err(Error::UnexpectedContinuation) };
                message.fragments += 1;
                let max_fragments = self.config.max_fragments.max(1) as u64;
                if message.fragments > max_fragments {
                    let size = message.fragments;
                    return Err(Error::LimitExceeded { what: Limit::Fragments, size, max: max_fragments });
                }
                message.len = message.len.saturating_add(header.len);
                if message.len > max_message {
                    let size = message.len;
                    return Err(Error::LimitExceeded { what: Limit::MessageSize, size, max: max_message });
                }
                Target::Fragment { text: message.text, compressed: message.compressed }
            }
            // RFC 6455 §5.4: no new message inside a fragmented one.
            Opcode::Text | Opcode::Binary => {
                if self.rx_message.is_some() {
                    return Err(Error::ExpectedContinuation);
                }
                if header.len > max_message {
                    let size = header.len;
                    return Err(Error::LimitExceeded { what: Limit::MessageSize, size, max: max_message });
                }
                let text = header.opcode == Opcode::Text;
                let compressed = header.rsv1;
                self.utf8.reset();
                if header.fin {
                    Target::Message { text, compressed }
                } else {
                    self.rx_message = Some(RxMessage { text, compressed, len: header.len, fragments: 1 });
                    Target::Fragment { text, compressed }
                }
            }
            Opcode::Close => Target::Close,
            Opcode::Ping => Target::Ping,
            Opcode::Pong => Target::Pong,
        };
        let validate = matches!(target, Target::Message { text: true, compressed: false })
            || matches!(target, Target::Fragment { text: true, compressed: false });
        Ok(RxFrame {
            target,
            fin: header.fin,
            mask: header.mask,
            len: header.len as usize,
            done: 0,
            validate,
        })
    }

    /// The event for a frame received whole.
    fn complete(&mut self, frame: RxFrame, payload: Bytes) -> Result<Event, Error> {
        Ok(match frame.target {
            Target::Message { text, compressed } | Target::Fragment { text, compressed } => {
                if frame.validate {
                    self.utf8.finish()?;
                }
                Event::Message { data: payload, text, compressed }
            }
            Target::Ping => Event::Ping(payload),
            Target::Pong => Event::Pong(payload),
            Target::Close => {
                // RFC 6455 §5.5.1, §7.4: empty, or a valid code and a UTF-8 reason.
                let (code, reason) = decode_close(&payload)?;
                let start = payload.len() - reason.len();
                self.close_received = true;
                Event::Close { code, reason: payload.slice(start..) }
            }
        })
    }

    /// Sends a whole message in one frame (FIN set, RSV1 clear), masked if this is a client.
    /// For text the caller guarantees UTF-8 (see [`send_text`](Self::send_text)). Errors:
    /// [`Error::Closed`] after this side's Close, [`Error::MessageInProgress`] during a
    /// fragmented send, the fatal error of a failed session.
    pub fn send(&mut self, kind: MessageKind, payload: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
        self.can_send(false)?;
        self.write_frame(kind.opcode(), true, false, payload, out);
        Ok(())
    }

    /// Sends the header of a whole, unmasked message of `len` bytes, for the caller to send the
    /// payload right after it as it is: a server's large messages leave without being copied
    /// into `out` (a client's must be masked, so for a client this writes nothing and returns
    /// `Ok(false)`: use [`send`](Self::send)). Checked as `send` is.
    ///
    /// ```
    /// use netcore_websocket::proto::{Config, MaskRng, MessageKind, Role, Session};
    /// let mut server = Session::new(Role::Server, Config::default(), MaskRng::new(0));
    /// let (mut whole, mut head) = (Vec::new(), Vec::new());
    /// server.send(MessageKind::Binary, &[7; 300], &mut whole)?;
    /// assert!(server.send_header(MessageKind::Binary, 300, &mut head)?);
    /// head.extend_from_slice(&[7; 300]); // the payload, as it is
    /// assert_eq!(head, whole);
    /// let mut client = Session::new(Role::Client, Config::default(), MaskRng::new(0));
    /// assert!(!client.send_header(MessageKind::Binary, 300, &mut head)?);
    /// # Ok::<(), netcore_websocket::proto::Error>(())
    /// ```
    pub fn send_header(&mut self, kind: MessageKind, len: usize, out: &mut Vec<u8>) -> Result<bool, Error> {
        if self.role == Role::Client {
            return Ok(false);
        }
        self.can_send(false)?;
        let header = FrameHeader { fin: true, len: len as u64, ..FrameHeader::new(kind.opcode(), 0) };
        header.encode(out);
        Ok(true)
    }

    /// Sends a text message in one frame: [`send`](Self::send) with UTF-8 guaranteed by type.
    pub fn send_text(&mut self, text: &str, out: &mut Vec<u8>) -> Result<(), Error> {
        self.send(MessageKind::Text, text.as_bytes(), out)
    }

    /// Sends a binary message in one frame.
    pub fn send_binary(&mut self, data: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
        self.send(MessageKind::Binary, data, out)
    }

    /// Sends a whole message in one frame with RSV1 set: `payload` is already compressed by the
    /// extension layer (RFC 7692 §6). [`Error::CompressionNotNegotiated`] unless
    /// [`Config::rsv1_allowed`]; otherwise as [`send`](Self::send).
    pub fn send_compressed(
        &mut self,
        kind: MessageKind,
        payload: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), Error> {
        self.can_send(true)?;
        self.write_frame(kind.opcode(), true, true, payload, out);
        Ok(())
    }

    /// Sends one fragment of a message (§5.4), for streaming or large messages: the first call
    /// starts a `kind` message, the following ones continue it (with the same `kind`, else
    /// [`Error::FragmentMismatch`]), the one with `last` ends it. Control frames (ping, pong,
    /// close) may go between fragments; whole messages may not.
    ///
    /// ```
    /// use netcore_websocket::proto::{Config, MaskRng, MessageKind, Role, Session};
    /// let mut server = Session::new(Role::Server, Config::default(), MaskRng::new(0));
    /// let mut out = Vec::new();
    /// server.send_fragment(MessageKind::Text, b"Hel", false, &mut out)?;
    /// server.send_fragment(MessageKind::Text, b"lo", true, &mut out)?;
    /// assert_eq!(out, b"\x01\x03Hel\x80\x02lo"); // RFC 6455 §5.7
    /// # Ok::<(), netcore_websocket::proto::Error>(())
    /// ```
    pub fn send_fragment(
        &mut self,
        kind: MessageKind,
        payload: &[u8],
        last: bool,
        out: &mut Vec<u8>,
    ) -> Result<(), Error> {
        self.fragment(TxMessage { kind, compressed: false }, payload, last, out)
    }

    /// [`send_fragment`](Self::send_fragment) for a compressed message: RSV1 is set on its
    /// first frame (RFC 7692 §6.1); every fragment of the message must be sent with this
    /// method. [`Error::CompressionNotNegotiated`] unless [`Config::rsv1_allowed`].
    pub fn send_fragment_compressed(
        &mut self,
        kind: MessageKind,
        payload: &[u8],
        last: bool,
        out: &mut Vec<u8>,
    ) -> Result<(), Error> {
        self.fragment(TxMessage { kind, compressed: true }, payload, last, out)
    }

    /// Whether [`send`](Self::send) (or [`send_compressed`](Self::send_compressed) when
    /// `compressed`) would take a whole message now, without sending anything: an extension
    /// layer checks this before it advances its compressor for a message that would be refused.
    pub fn can_send(&self, compressed: bool) -> Result<(), Error> {
        self.check_send()?;
        if compressed && !self.config.rsv1_allowed {
            return Err(Error::CompressionNotNegotiated);
        }
        match self.tx_message {
            Some(_) => Err(Error::MessageInProgress),
            None => Ok(()),
        }
    }

    /// Whether the next fragment of a `kind` message (compressed or not) would be taken now,
    /// without sending anything; see [`can_send`](Self::can_send).
    pub fn can_send_fragment(&self, kind: MessageKind, compressed: bool) -> Result<(), Error> {
        self.fragment_frame(TxMessage { kind, compressed }).map(|_| ())
    }

    /// The fragmented message being sent, if one is: whether it is compressed.
    pub fn sending_compressed(&self) -> Option<bool> {
        self.tx_message.map(|m| m.compressed)
    }

    /// The opcode and RSV1 of `message`'s next fragment, or why it cannot be sent.
    fn fragment_frame(&self, message: TxMessage) -> Result<(Opcode, bool), Error> {
        self.check_send()?;
        if message.compressed && !self.config.rsv1_allowed {
            return Err(Error::CompressionNotNegotiated);
        }
        match self.tx_message {
            None => Ok((message.kind.opcode(), message.compressed)),
            Some(current) if current == message => Ok((Opcode::Continuation, false)),
            Some(_) => Err(Error::FragmentMismatch),
        }
    }

    fn fragment(
        &mut self,
        message: TxMessage,
        payload: &[u8],
        last: bool,
        out: &mut Vec<u8>,
    ) -> Result<(), Error> {
        let (opcode, rsv1) = self.fragment_frame(message)?;
        self.write_frame(opcode, last, rsv1, payload, out);
        self.tx_message = if last { None } else { Some(message) };
        Ok(())
    }

    /// Sends a Ping (§5.5.2); the payload is at most 125 bytes
    /// ([`Error::ControlPayloadTooLong`]).
    pub fn ping(&mut self, payload: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
        self.control(Opcode::Ping, payload, out)
    }

    /// Sends a Pong (§5.5.3): the answer to a Ping carries its payload; an unsolicited one is a
    /// heartbeat. At most 125 bytes.
    pub fn pong(&mut self, payload: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
        self.control(Opcode::Pong, payload, out)
    }

    fn control(&mut self, opcode: Opcode, payload: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
        self.check_send()?;
        if payload.len() > MAX_CONTROL_PAYLOAD {
            return Err(Error::ControlPayloadTooLong { len: payload.len() });
        }
        self.write_frame(opcode, true, false, payload, out);
        Ok(())
    }

    /// Sends this side's Close (§5.5.1): to start the closing handshake, to answer the peer's
    /// (echoing its code is customary), or to fail the connection after an error (with
    /// [`Error::close_code`]; allowed in [`State::Failed`]). `code` `None` sends an empty
    /// payload; a reason needs a code ([`Error::ReasonWithoutCode`]) and at most 123 bytes
    /// ([`Error::CloseReasonTooLong`]); a second Close is [`Error::Closed`]. Nothing can be sent
    /// after it; an unfinished fragmented send is abandoned.
    pub fn close(&mut self, code: Option<CloseCode>, reason: &str, out: &mut Vec<u8>) -> Result<(), Error> {
        if self.close_sent {
            return Err(Error::Closed);
        }
        check_close(code, reason)?;
        let len = close_payload_len(code, reason);
        let header = FrameHeader { mask: self.next_mask(), ..FrameHeader::new(Opcode::Close, len as u64) };
        out.reserve(header.encoded_len() + len);
        header.encode(out);
        let start = out.len();
        encode_close(code, reason, out)?;
        if let Some(key) = header.mask {
            apply_mask(&mut out[start..], key, 0);
        }
        self.close_sent = true;
        self.tx_message = None;
        Ok(())
    }

    fn check_send(&self) -> Result<(), Error> {
        if self.close_sent {
            return Err(Error::Closed);
        }
        match self.error {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    fn next_mask(&mut self) -> Option<[u8; 4]> {
        match self.role {
            // RFC 6455 §5.3: a fresh, unpredictable key for every frame a client sends.
            Role::Client => Some(self.rng.mask()),
            Role::Server => None,
        }
    }

    fn write_frame(&mut self, opcode: Opcode, fin: bool, rsv1: bool, payload: &[u8], out: &mut Vec<u8>) {
        let header = FrameHeader { fin, rsv1, mask: self.next_mask(), ..FrameHeader::new(opcode, 0) };
        encode_frame(header, payload, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

    /// A raw frame, any bits: `b0` is FIN|RSV|opcode as on the wire; masked with `KEY` when
    /// `masked`.
    fn raw(b0: u8, masked: bool, payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let opcode = Opcode::try_from(b0 & 0x0f).unwrap_or(Opcode::Binary);
        let header = FrameHeader {
            fin: b0 & 0x80 != 0,
            rsv1: b0 & 0x40 != 0,
            rsv2: b0 & 0x20 != 0,
            rsv3: b0 & 0x10 != 0,
            opcode,
            mask: masked.then_some(KEY),
            len: 0,
        };
        encode_frame(header, payload, &mut out);
        out[0] = b0; // keep reserved opcodes as given
        out
    }

    /// A masked frame, as a client sends them.
    fn c(b0: u8, payload: &[u8]) -> Vec<u8> {
        raw(b0, true, payload)
    }

    fn cat(frames: &[Vec<u8>]) -> Vec<u8> {
        frames.concat()
    }

    fn server() -> Session {
        Session::new(Role::Server, Config::default(), MaskRng::new(1))
    }

    fn client() -> Session {
        Session::new(Role::Client, Config::default(), MaskRng::new(2))
    }

    fn msg(data: &[u8], text: bool) -> Event {
        Event::Message { data: Bytes::copy_from_slice(data), text, compressed: false }
    }

    /// Feeds `chunks` one after another, draining events after each; stops at the first error.
    fn feed(session: &mut Session, chunks: &[&[u8]]) -> (Vec<Event>, Option<Error>) {
        let mut input = BytesMut::new();
        let mut events = Vec::new();
        for chunk in chunks {
            input.extend_from_slice(chunk);
            loop {
                match session.receive(&mut input) {
                    Ok(Some(e)) => events.push(e),
                    Ok(None) => break,
                    Err(e) => {
                        assert_eq!(session.receive(&mut input), Err(e), "a failed session stays failed");
                        assert_eq!(session.state(), State::Failed);
                        return (events, Some(e));
                    }
                }
            }
        }
        (events, None)
    }

    /// The outcome of `bytes` fed whole, byte by byte, and split at every point (in two): all
    /// must agree; returns it.
    fn split_feed(make: fn() -> Session, bytes: &[u8]) -> (Vec<Event>, Option<Error>) {
        let whole = feed(&mut make(), &[bytes]);
        let bytewise: Vec<&[u8]> = bytes.chunks(1).collect();
        assert_eq!(feed(&mut make(), &bytewise), whole, "byte by byte");
        for at in 0..=bytes.len() {
            let (a, b) = bytes.split_at(at);
            assert_eq!(feed(&mut make(), &[a, b]), whole, "split at {at}");
        }
        whole
    }

    fn server_gets(bytes: &[u8]) -> (Vec<Event>, Option<Error>) {
        split_feed(server, bytes)
    }

    /// RFC 6455 §5.7's examples, received by the side each is meant for, split every way.
    #[test]
    fn rfc6455_5_7_examples_split_at_every_point() {
        let (events, err) = split_feed(client, b"\x81\x05Hello");
        assert_eq!((events, err), (vec![msg(b"Hello", true)], None));
        let masked = b"\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58";
        assert_eq!(server_gets(masked), (vec![msg(b"Hello", true)], None));
        let fragmented = b"\x01\x03Hel\x80\x02lo";
        assert_eq!(split_feed(client, fragmented), (vec![msg(b"Hello", true)], None));
        let ping = b"\x89\x05Hello";
        assert_eq!(split_feed(client, ping), (vec![Event::Ping("Hello".into())], None));
        let pong = b"\x8a\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58";
        assert_eq!(server_gets(pong), (vec![Event::Pong("Hello".into())], None));
        let mut big = b"\x82\x7e\x01\x00".to_vec();
        big.extend((0..=255u8).collect::<Vec<_>>());
        let (events, _) = feed(&mut client(), &[&big]);
        assert_eq!(events, vec![msg(&big[4..], false)]);
    }

    /// A mixed stream, split at every point: a fragmented text message with a ping and a pong
    /// between its fragments, an empty binary message, a multi-byte character cut across
    /// fragments, a 16-bit-length frame, then a Close.
    #[test]
    fn mixed_stream_split_at_every_point() {
        let text = "snow ☃ and 𝄞 clef";
        let bytes = text.as_bytes();
        let long = vec![0xa5u8; 300];
        let stream = cat(&[
            c(0x01, &bytes[..6]), // cut inside ☃
            c(0x89, b"p"),
            c(0x00, &bytes[6..15]), // cut inside 𝄞
            c(0x8a, b""),
            c(0x80, &bytes[15..]),
            c(0x82, b""),
            c(0x02, b""),
            c(0x80, b""),
            c(0x82, &long),
            c(0x88, b"\x03\xe8done"),
        ]);
        let (events, err) = server_gets(&stream);
        assert_eq!(err, None);
        assert_eq!(
            events,
            vec![
                Event::Ping("p".into()),
                Event::Pong(Bytes::new()),
                msg(bytes, true),
                msg(b"", false),
                msg(b"", false),
                msg(&long, false),
                Event::Close { code: Some(CloseCode::NORMAL), reason: "done".into() },
            ]
        );
    }

    /// RFC 6455 §5.1: a server closes on unmasked frames, a client on masked ones.
    #[test]
    fn rfc6455_5_1_masking_direction() {
        assert_eq!(server_gets(&raw(0x81, false, b"hi")), (vec![], Some(Error::UnmaskedFrame)));
        assert_eq!(server_gets(&raw(0x89, false, b"")), (vec![], Some(Error::UnmaskedFrame)));
        assert_eq!(split_feed(client, &raw(0x82, true, b"hi")), (vec![], Some(Error::MaskedFrame)));
        assert_eq!(split_feed(client, &raw(0x88, true, b"")), (vec![], Some(Error::MaskedFrame)));
    }

    /// RFC 6455 §5.2: reserved opcodes and RSV bits without an extension; a length not in its
    /// minimal form or with the top bit set. Each after a good message, which is still
    /// delivered.
    #[test]
    fn rfc6455_5_2_frame_rules() {
        let ok = c(0x81, b"ok");
        let cases: &[(Vec<u8>, Error)] = &[
            (c(0x83, b""), Error::ReservedOpcode(3)),
            (c(0x87, b"x"), Error::ReservedOpcode(7)),
            (c(0x8b, b""), Error::ReservedOpcode(0xb)),
            (c(0x8f, b"x"), Error::ReservedOpcode(0xf)),
            (c(0xc1, b"x"), Error::UnexpectedRsv1),
            (c(0xa1, b"x"), Error::UnexpectedRsv2Rsv3),
            (c(0x91, b"x"), Error::UnexpectedRsv2Rsv3),
            (c(0xf9, b""), Error::UnexpectedRsv2Rsv3),
            (b"\x82\xfe\x00\x05\x37\xfa\x21\x3dHello".to_vec(), Error::NonMinimalLength),
            (b"\x82\xff\x00\x00\x00\x00\x00\x00\x01\x00".to_vec(), Error::NonMinimalLength),
            (b"\x82\xff\x80\x00\x00\x00\x00\x00\x00\x00".to_vec(), Error::LengthOverflow),
        ];
        for (frame, err) in cases {
            let stream = cat(&[ok.clone(), frame.clone(), ok.clone()]);
            assert_eq!(server_gets(&stream), (vec![msg(b"ok", true)], Some(*err)), "{frame:02x?}");
        }
    }

    /// RFC 6455 §5.4: fragmentation rules; control frames may come between fragments.
    #[test]
    fn rfc6455_5_4_fragmentation() {
        let cases: &[(Vec<u8>, Vec<Event>, Option<Error>)] = &[
            (c(0x80, b"x"), vec![], Some(Error::UnexpectedContinuation)),
            (c(0x00, b"x"), vec![], Some(Error::UnexpectedContinuation)),
            (
                cat(&[c(0x81, b"a"), c(0x80, b"b")]),
                vec![msg(b"a", true)],
                Some(Error::UnexpectedContinuation),
            ),
            (cat(&[c(0x01, b"a"), c(0x81, b"b")]), vec![], Some(Error::ExpectedContinuation)),
            (cat(&[c(0x01, b"a"), c(0x02, b"b")]), vec![], Some(Error::ExpectedContinuation)),
            (
                cat(&[c(0x02, b"a"), c(0x89, b"1"), c(0x00, b"b"), c(0x8a, b"2"), c(0x80, b"c")]),
                vec![Event::Ping("1".into()), Event::Pong("2".into()), msg(b"abc", false)],
                None,
            ),
        ];
        for (stream, events, err) in cases {
            assert_eq!(&server_gets(stream), &(events.clone(), *err), "{stream:02x?}");
        }
    }

    /// RFC 6455 §5.5: control frames carry at most 125 bytes and are not fragmented.
    #[test]
    fn rfc6455_5_5_control_frames() {
        let at_limit = vec![7u8; 125];
        assert_eq!(server_gets(&c(0x89, &at_limit)), (vec![Event::Ping(at_limit.clone().into())], None));
        let past = vec![7u8; 126];
        assert_eq!(server_gets(&c(0x89, &past)), (vec![], Some(Error::ControlFrameTooLong)));
        assert_eq!(server_gets(&c(0x8a, &past)), (vec![], Some(Error::ControlFrameTooLong)));
        assert_eq!(server_gets(&c(0x09, b"")), (vec![], Some(Error::FragmentedControlFrame)));
        assert_eq!(server_gets(&c(0x08, b"")), (vec![], Some(Error::FragmentedControlFrame)));
    }

    /// RFC 6455 §5.5.1 / §7.4: Close payloads, and nothing is received after a Close.
    #[test]
    fn rfc6455_5_5_1_close_frames() {
        let cases: &[(Vec<u8>, Vec<Event>, Option<Error>)] = &[
            (c(0x88, b""), vec![Event::Close { code: None, reason: Bytes::new() }], None),
            (
                c(0x88, b"\x0f\xa0caf\xc3\xa9"),
                vec![Event::Close { code: CloseCode::new(4000), reason: "café".into() }],
                None,
            ),
            (c(0x88, b"\x03"), vec![], Some(Error::InvalidClosePayload)),
            (c(0x88, b"\x03\xed"), vec![], Some(Error::InvalidCloseCode(1005))),
            (c(0x88, b"\x03\xee"), vec![], Some(Error::InvalidCloseCode(1006))),
            (c(0x88, b"\x03\xe7"), vec![], Some(Error::InvalidCloseCode(999))),
            (c(0x88, b"\x03\xe8\xff"), vec![], Some(Error::InvalidUtf8 { offset: 0 })),
            // After the Close: data, garbage, even invalid frames are discarded.
            (
                cat(&[c(0x88, b"\x03\xe8"), c(0x81, b"late"), b"\xff\xff\xff".to_vec()]),
                vec![Event::Close { code: Some(CloseCode::NORMAL), reason: Bytes::new() }],
                None,
            ),
        ];
        for (stream, events, err) in cases {
            assert_eq!(&server_gets(stream), &(events.clone(), *err), "{stream:02x?}");
        }
    }

    /// RFC 6455 §5.5.1 / §7.1: the closing handshake from either side, and what each state
    /// allows.
    #[test]
    fn rfc6455_7_1_closing_handshake() {
        // The peer closes first: we owe the echo, may still send, then are Closed.
        let mut s = server();
        let mut input = BytesMut::from(&c(0x88, b"\x03\xe9")[..]);
        let event = s.receive(&mut input).unwrap();
        assert_eq!(event, Some(Event::Close { code: Some(CloseCode::GOING_AWAY), reason: Bytes::new() }));
        assert_eq!(s.state(), State::CloseReceived);
        let mut out = Vec::new();
        s.send_text("last words", &mut out).unwrap();
        s.close(Some(CloseCode::GOING_AWAY), "", &mut out).unwrap();
        assert_eq!(s.state(), State::Closed);
        assert_eq!(&out[out.len() - 4..], b"\x88\x02\x03\xe9");
        assert_eq!(s.send_text("more", &mut out), Err(Error::Closed));
        assert_eq!(s.ping(b"", &mut out), Err(Error::Closed));
        assert_eq!(s.close(None, "", &mut out), Err(Error::Closed));
        let mut more = BytesMut::from(&c(0x81, b"x")[..]);
        assert_eq!(s.receive(&mut more), Ok(None));
        assert!(more.is_empty(), "input after the Close is discarded");

        // We close first: data still arrives until the peer's Close.
        let mut s = server();
        let mut out = Vec::new();
        s.close(Some(CloseCode::NORMAL), "bye", &mut out).unwrap();
        assert_eq!(out, b"\x88\x05\x03\xe8bye");
        assert_eq!(s.state(), State::CloseSent);
        let stream = cat(&[c(0x82, b"in flight"), c(0x88, b"\x03\xe8")]);
        let (events, err) = feed(&mut s, &[&stream]);
        assert_eq!(err, None);
        assert_eq!(events[0], msg(b"in flight", false));
        assert_eq!(s.state(), State::Closed);
    }

    /// RFC 6455 §5.6 / §8.1: text is UTF-8, checked across fragments, and a fragment fails as
    /// soon as it is in, before the message ends (Autobahn 6.4.x).
    #[test]
    fn rfc6455_8_1_utf8_fails_fast_per_fragment() {
        let cases: &[(Vec<u8>, Vec<Event>, Option<Error>)] = &[
            (c(0x81, b"ok\xff"), vec![], Some(Error::InvalidUtf8 { offset: 2 })),
            (c(0x81, b"cut\xe2\x82"), vec![], Some(Error::InvalidUtf8 { offset: 3 })),
            (cat(&[c(0x01, b"ab\xe2"), c(0x80, b"\x82\xac")]), vec![msg("ab€".as_bytes(), true)], None),
            (cat(&[c(0x01, b"ab\xe2"), c(0x80, b"\x82")]), vec![], Some(Error::InvalidUtf8 { offset: 2 })),
            (
                cat(&[c(0x01, b"ab"), c(0x00, b"\xed\xa0\x80")]),
                vec![],
                Some(Error::InvalidUtf8 { offset: 2 }),
            ),
            // Binary is not checked.
            (c(0x82, b"\xff\xfe"), vec![msg(b"\xff\xfe", false)], None),
        ];
        for (stream, events, err) in cases {
            assert_eq!(&server_gets(stream), &(events.clone(), *err), "{stream:02x?}");
        }
        // Fail fast: the invalid first fragment fails with the rest of the message (and even the
        // rest of that fragment) not yet arrived.
        let first = c(0x01, b"\xf4\x90xxxxxxxxxxxxxxx");
        let (_, err) = feed(&mut server(), &[&first[..8]]);
        assert_eq!(err, Some(Error::InvalidUtf8 { offset: 0 }));
        let single = c(0x81, b"\xc0xxxxxxxxxxxxxxxxxxx");
        let (_, err) = feed(&mut server(), &[&single[..7]]);
        assert_eq!(err, Some(Error::InvalidUtf8 { offset: 0 }));
    }

    fn limited(max_frame: usize, max_message: usize, max_fragments: usize) -> Session {
        let config = Config {
            max_frame_size: max_frame,
            max_message_size: max_message,
            max_fragments,
            ..Config::default()
        };
        Session::new(Role::Server, config, MaskRng::new(0))
    }

    /// Every limit at its value (accepted) and one past (refused, before the payload arrives).
    #[test]
    fn limits_at_and_one_past() {
        let frame_at = c(0x82, &[1; 10]);
        assert_eq!(feed(&mut limited(10, 100, 4), &[&frame_at]).1, None);
        let frame_past = c(0x82, &[1; 11]);
        let err = Error::LimitExceeded { what: Limit::FrameSize, size: 11, max: 10 };
        assert_eq!(feed(&mut limited(10, 100, 4), &[&frame_past[..6]]).1, Some(err), "header alone");
        assert_eq!(err.close_code(), CloseCode::TOO_BIG);

        let message_at = cat(&[c(0x02, &[1; 10]), c(0x00, &[2; 10]), c(0x80, &[3; 5])]);
        assert_eq!(feed(&mut limited(10, 25, 4), &[&message_at]).1, None);
        let message_past = cat(&[c(0x02, &[1; 10]), c(0x00, &[2; 10]), c(0x80, &[3; 6])]);
        let err = Error::LimitExceeded { what: Limit::MessageSize, size: 26, max: 25 };
        assert_eq!(feed(&mut limited(10, 25, 4), &[&message_past]).1, Some(err));
        let single_past = c(0x82, &[1; 26]);
        assert_eq!(feed(&mut limited(100, 25, 4), &[&single_past]).1, Some(err));

        let four = cat(&[c(0x01, b"a"), c(0x00, b"b"), c(0x00, b"c"), c(0x80, b"d")]);
        let (events, err) = feed(&mut limited(10, 100, 4), &[&four]);
        assert_eq!((events, err), (vec![msg(b"abcd", true)], None));
        let five = cat(&[c(0x01, b"a"), c(0x00, b"b"), c(0x00, b"c"), c(0x00, b"d"), c(0x80, b"e")]);
        let err = Error::LimitExceeded { what: Limit::Fragments, size: 5, max: 4 };
        assert_eq!(feed(&mut limited(10, 100, 4), &[&five]).1, Some(err));
        assert_eq!(err.close_code(), CloseCode::POLICY);
        // Control frames count against the frame limit, not the message's.
        assert_eq!(
            feed(&mut limited(3, 100, 4), &[&c(0x89, b"four")]).1.map(|e| e.close_code()),
            Some(CloseCode::TOO_BIG)
        );
    }

    /// RFC 7692 §6: with RSV1 allowed, it marks a data message's first frame only; the message
    /// is delivered compressed (fragments joined) and not UTF-8-checked.
    #[test]
    fn rfc7692_6_rsv1_on_the_first_frame_only() {
        fn make() -> Session {
            let config = Config { rsv1_allowed: true, ..Config::default() };
            Session::new(Role::Server, config, MaskRng::new(0))
        }
        let compressed =
            |data: &[u8], text| Event::Message { data: Bytes::copy_from_slice(data), text, compressed: true };
        let cases: &[(Vec<u8>, Vec<Event>, Option<Error>)] = &[
            (c(0xc1, b"\xf2\x48\xcd"), vec![compressed(b"\xf2\x48\xcd", true)], None),
            (cat(&[c(0x41, b"\xff"), c(0x80, b"\xfe")]), vec![compressed(b"\xff\xfe", true)], None),
            (
                cat(&[c(0x42, b"a"), c(0x89, b""), c(0x80, b"b")]),
                vec![Event::Ping(Bytes::new()), compressed(b"ab", false)],
                None,
            ),
            (cat(&[c(0x01, b"a"), c(0xc0, b"b")]), vec![], Some(Error::MisplacedRsv1)),
            (c(0xc9, b""), vec![], Some(Error::MisplacedRsv1)),
            (c(0xc8, b""), vec![], Some(Error::MisplacedRsv1)),
            (c(0xe1, b""), vec![], Some(Error::UnexpectedRsv2Rsv3)),
            (c(0x81, b"\xff"), vec![], Some(Error::InvalidUtf8 { offset: 0 })),
        ];
        for (stream, events, err) in cases {
            assert_eq!(&split_feed(make, stream), &(events.clone(), *err), "{stream:02x?}");
        }
    }

    #[test]
    fn an_unfragmented_message_is_a_zero_copy_slice_of_the_input() {
        let mut s = server();
        let frame = c(0x82, &[9; 64]);
        let mut input = BytesMut::with_capacity(256);
        input.extend_from_slice(&frame);
        let base = input.as_ptr() as usize;
        let Some(Event::Message { data, .. }) = s.receive(&mut input).unwrap() else { panic!() };
        assert_eq!(data.as_ptr() as usize, base + 6, "the payload was not copied");
        assert_eq!(&data[..], &[9; 64]);
    }

    #[test]
    fn a_failed_session_stays_failed_and_can_still_close() {
        let mut s = server();
        let mut input = BytesMut::from(&c(0x83, b"")[..]);
        assert_eq!(s.receive(&mut input), Err(Error::ReservedOpcode(3)));
        input.extend_from_slice(&c(0x81, b"fine"));
        assert_eq!(s.receive(&mut input), Err(Error::ReservedOpcode(3)));
        assert_eq!(s.state(), State::Failed);
        assert_eq!(s.error(), Some(Error::ReservedOpcode(3)));
        let mut out = Vec::new();
        assert_eq!(s.send_text("x", &mut out), Err(Error::ReservedOpcode(3)));
        s.close(Some(Error::ReservedOpcode(3).close_code()), "", &mut out).unwrap();
        assert_eq!(out, b"\x88\x02\x03\xea");
        // `fail` keeps the first error.
        s.fail(Error::InvalidCompressedData);
        assert_eq!(s.error(), Some(Error::ReservedOpcode(3)));
        let mut fresh = server();
        fresh.fail(Error::InvalidCompressedData);
        assert_eq!(fresh.receive(&mut BytesMut::new()), Err(Error::InvalidCompressedData));
    }

    /// RFC 6455 §5.3: a client masks every frame with a fresh key; a server never masks.
    #[test]
    fn rfc6455_5_3_sending_masks_by_role() {
        let mut cl = client();
        let mut out = Vec::new();
        cl.send_binary(b"abcd", &mut out).unwrap();
        cl.send_binary(b"abcd", &mut out).unwrap();
        let (h1, n1) = FrameHeader::decode(&out).unwrap().unwrap();
        let (h2, _) = FrameHeader::decode(&out[n1 + 4..]).unwrap().unwrap();
        assert!(h1.mask.is_some() && h2.mask.is_some());
        assert_ne!(h1.mask, h2.mask, "a fresh key per frame");
        let (events, err) = feed(&mut server(), &[&out]);
        assert_eq!((events, err), (vec![msg(b"abcd", false), msg(b"abcd", false)], None));

        let mut sv = server();
        let mut out = Vec::new();
        sv.send_binary(b"abcd", &mut out).unwrap();
        assert_eq!(out, b"\x82\x04abcd");
    }

    #[test]
    fn sending_rules() {
        let mut s = server();
        let mut out = Vec::new();
        assert_eq!(s.ping(&[0; 126], &mut out), Err(Error::ControlPayloadTooLong { len: 126 }));
        s.pong(&[0; 125], &mut out).unwrap();
        assert_eq!(
            s.send_compressed(MessageKind::Text, b"x", &mut out),
            Err(Error::CompressionNotNegotiated)
        );
        assert_eq!(
            s.send_fragment_compressed(MessageKind::Text, b"x", true, &mut out),
            Err(Error::CompressionNotNegotiated)
        );
        assert_eq!(s.close(None, "why", &mut out), Err(Error::ReasonWithoutCode));
        let long = "x".repeat(124);
        assert_eq!(
            s.close(Some(CloseCode::NORMAL), &long, &mut out),
            Err(Error::CloseReasonTooLong { len: 124 })
        );
        assert_eq!(s.state(), State::Open, "misuse changes nothing");

        let mut out = Vec::new();
        s.send_fragment(MessageKind::Binary, b"a", false, &mut out).unwrap();
        assert_eq!(s.send_binary(b"x", &mut out), Err(Error::MessageInProgress));
        assert_eq!(s.send_fragment(MessageKind::Text, b"x", false, &mut out), Err(Error::FragmentMismatch));
        s.ping(b"between", &mut out).unwrap();
        s.send_fragment(MessageKind::Binary, b"b", false, &mut out).unwrap();
        s.send_fragment(MessageKind::Binary, b"c", true, &mut out).unwrap();
        s.send_binary(b"next", &mut out).unwrap();
        assert_eq!(out, b"\x02\x01a\x89\x07between\x00\x01b\x80\x01c\x82\x04next");

        let config = Config { rsv1_allowed: true, ..Config::default() };
        let mut s = Session::new(Role::Server, config, MaskRng::new(0));
        let mut out = Vec::new();
        s.send_compressed(MessageKind::Text, b"z", &mut out).unwrap();
        s.send_fragment_compressed(MessageKind::Binary, b"a", false, &mut out).unwrap();
        assert_eq!(s.send_fragment(MessageKind::Binary, b"b", true, &mut out), Err(Error::FragmentMismatch));
        s.send_fragment_compressed(MessageKind::Binary, b"b", true, &mut out).unwrap();
        assert_eq!(out, b"\xc1\x01z\x42\x01a\x80\x01b");
    }

    #[test]
    fn closing_abandons_a_fragmented_send() {
        let mut s = client();
        let mut out = Vec::new();
        s.send_fragment(MessageKind::Text, b"part", false, &mut out).unwrap();
        s.close(Some(CloseCode::NORMAL), "", &mut out).unwrap();
        assert_eq!(s.send_fragment(MessageKind::Text, b"rest", true, &mut out), Err(Error::Closed));
        let (events, err) = feed(&mut server(), &[&out]);
        assert_eq!(err, None);
        assert_eq!(events, vec![Event::Close { code: Some(CloseCode::NORMAL), reason: Bytes::new() }]);
    }
}
