//! One WebSocket connection on the loop: the sans-IO [`Session`] fed from a `netcore-tcp`
//! socket, its application's [`WebSocketHandler`], and permessage-deflate when agreed.
//!
//! ```text
//!  socket ─on_data─► input ─Session::receive─► Message (inflated, UTF-8 checked) ─► on_message
//!                                              Ping ─► Pong queued ─► on_ping
//!                                              Close ─► Close echoed ─► (server) end TCP
//!  send / ping / close ─► frames ─► out ─► one socket write per read (or at once, outside one)
//! ```
//!
//! The connection's state lives in the loop's handle table, so a [`WebSocketId`] reaches it
//! from anywhere on the loop (a timer, another connection's event) without shared pointers.

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use netcore::{EventLoop, HandleId, Ready, TimerId};
use netcore_tcp::{Socket, SocketHandler, SocketId};

use crate::error::Error;
use crate::handler::{WebSocket, WebSocketHandler};
use crate::pool::DeflatePool;
use crate::proto::deflate::{Compressor, Inflater};
use crate::proto::extension::DeflateParams;
use crate::proto::{utf8, CloseCode, Config, Event, MaskRng, MessageKind, Role, Session, State};

/// How long a connection waits for the peer's Close (or, as a client, for the server to end the
/// TCP connection) after sending its own, before destroying the socket (Node `ws`'s 30 s).
pub const DEFAULT_CLOSE_TIMEOUT: Duration = Duration::from_secs(30);

/// Bytes queued on the socket beyond which `send` returns false (Node's 16 KiB for sockets is
/// `ws`'s effective mark; we use the 64 KiB of our streams).
pub const DEFAULT_HIGH_WATER_MARK: usize = 64 * 1024;

/// A connection's handle: act on it from anywhere on its loop.
///
/// ```
/// use std::time::Duration;
/// use bytes::Bytes;
/// use netcore::EventLoop;
/// use netcore_websocket::{WebSocket, WebSocketHandler, WebSocketId};
///
/// /// Sends a tick every second from a timer: the timer holds the id, not the connection.
/// struct Ticker;
/// impl WebSocketHandler for Ticker {
///     fn on_open(&mut self, ws: &mut WebSocket<'_>) {
///         let id: WebSocketId = ws.id();
///         let timer = ws.lp().set_interval(Duration::from_secs(1), move |lp: &mut EventLoop| {
///             if id.is_open(lp) {
///                 id.send(lp, b"tick", false); // a closed connection's id is a harmless no-op
///             }
///         });
///         ws.lp().unref_timer(timer); // the connection, not its ticker, keeps the loop alive
///     }
///     fn on_message(&mut self, _ws: &mut WebSocket<'_>, _data: Bytes, _is_binary: bool) {}
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WebSocketId(pub(crate) HandleId);

/// Everything a connection is set up with once the handshake is done.
pub(crate) struct Setup {
    pub(crate) role: Role,
    pub(crate) config: Config,
    pub(crate) deflate: Option<(DeflateParams, usize, u8)>,
    pub(crate) close_timeout: Duration,
    pub(crate) high_water_mark: usize,
    pub(crate) protocol: Option<String>,
}

/// The compressor, the inflater and the threshold under which messages go uncompressed.
struct Deflate {
    compressor: Compressor,
    inflater: Inflater,
    threshold: usize,
    scratch: Vec<u8>,
}

impl Deflate {
    /// Whether either direction keeps its window between messages (state that cannot be pooled).
    fn keeps_history(&self) -> bool {
        !self.compressor.params().no_context_takeover || !self.inflater.params().no_context_takeover
    }

    /// After a compressed send: a buffer grown by one large message is not kept for the next.
    fn release_scratch(&mut self) {
        if self.scratch.capacity() > 64 * 1024 {
            self.scratch = Vec::new();
        }
    }
}

/// Whether a connection with `deflate` keeps compression history (counted in
/// [`DeflatePool::takeover`]).
fn keeps_history(deflate: &Option<Deflate>) -> bool {
    deflate.as_ref().is_some_and(Deflate::keeps_history)
}

pub(crate) struct Conn {
    session: Session,
    socket: SocketId,
    handler: Option<Box<dyn WebSocketHandler>>,
    input: BytesMut,
    out: Vec<u8>,
    /// Inside `on_data`: sends are gathered in `out` and written once at the end.
    dispatching: bool,
    deflate: Option<Deflate>,
    close_timeout: Duration,
    close_timer: Option<TimerId>,
    high_water_mark: usize,
    /// What `on_close` reports once the socket is gone.
    close_code: u16,
    close_reason: Bytes,
    /// The TCP connection was ended or destroyed by us.
    ending: bool,
    /// Client: the opening handshake is under way ([`create_opening`]); nothing is sent before
    /// [`open`], and `close` aborts the handshake.
    opening: bool,
    /// Reading stopped because more than the high-water mark is owed to a peer that does not
    /// read (a ping flood, an echo to a peer that never reads): it resumes on `drain`.
    reading_paused: bool,
    /// The agreed subprotocol.
    protocol: Option<String>,
    /// The agreed `Sec-WebSocket-Extensions` value (`ws.extensions`), `None` without any.
    extensions: Option<String>,
    /// The heartbeat's timer, and whether its last Ping is still unanswered.
    heartbeat: Option<TimerId>,
    awaiting_pong: bool,
}

fn get(lp: &mut EventLoop, id: WebSocketId) -> Option<&mut Conn> {
    lp.handle_mut::<Conn>(id.0)
}

fn no_ready(_: &mut EventLoop, _: HandleId, _: Ready) {}

/// A connection on `socket` (whose handshake is done): its state goes into the loop; the
/// returned socket handler must be given the socket's events (then [`start`]).
pub(crate) fn create(
    lp: &mut EventLoop,
    socket: SocketId,
    setup: Setup,
    handler: Box<dyn WebSocketHandler>,
) -> (WebSocketId, WsSocket) {
    let (session, deflate) = engine(setup.role, setup.config, setup.deflate);
    let takeover = keeps_history(&deflate);
    let conn = Conn {
        session,
        socket,
        handler: Some(handler),
        input: BytesMut::new(),
        out: Vec::new(),
        dispatching: false,
        deflate,
        close_timeout: setup.close_timeout,
        close_timer: None,
        high_water_mark: setup.high_water_mark,
        close_code: 1006,
        close_reason: Bytes::new(),
        ending: false,
        opening: false,
        reading_paused: false,
        protocol: setup.protocol,
        extensions: extensions_value(setup.deflate.as_ref()),
        heartbeat: None,
        awaiting_pong: false,
    };
    if takeover {
        DeflatePool::of(lp).takeover += 1;
    }
    let id = WebSocketId(lp.insert_handle(conn, no_ready));
    // The handle only holds state: the socket is what keeps the loop alive.
    lp.unref_handle(id.0);
    (id, WsSocket { id })
}

/// The `Sec-WebSocket-Extensions` value for what was agreed: the server's answer (RFC 7692
/// §7.1), written the way our server writes it (the same on both sides of our own connections).
fn extensions_value(deflate: Option<&(DeflateParams, usize, u8)>) -> Option<String> {
    let (params, _, _) = deflate?;
    let mut value = Vec::new();
    params.write_response(&mut value);
    // Only tokens, `;`, `=` and spaces.
    String::from_utf8(value).ok()
}

/// The session and, when agreed, the compressor and inflater (RFC 7692 §7.1: each side's own
/// direction's parameters).
fn engine(
    role: Role,
    mut config: Config,
    deflate: Option<(DeflateParams, usize, u8)>,
) -> (Session, Option<Deflate>) {
    config.rsv1_allowed = deflate.is_some();
    let deflate = deflate.map(|(params, threshold, level)| {
        let (ours, theirs) = match role {
            Role::Server => (params.server_to_client(), params.client_to_server()),
            Role::Client => (params.client_to_server(), params.server_to_client()),
        };
        Deflate {
            compressor: Compressor::new(ours, level),
            inflater: Inflater::new(theirs, config.max_message_size),
            threshold,
            scratch: Vec::new(),
        }
    });
    (Session::new(role, config, MaskRng::from_entropy()), deflate)
}

/// Client: a connection whose opening handshake is under way on `socket` (whose events the
/// client's handshake keeps until [`open`]). Its id is usable at once: `send` refuses, `close`
/// and `terminate` destroy the socket (the client then reports [`fail_opening`]).
pub(crate) fn create_opening(
    lp: &mut EventLoop,
    socket: SocketId,
    setup: Setup,
    handler: Box<dyn WebSocketHandler>,
) -> WebSocketId {
    let (id, _) = create(lp, socket, setup, handler);
    if let Some(c) = get(lp, id) {
        c.opening = true;
    }
    id
}

/// Client: the handshake succeeded with `deflate` agreed (or not); the returned socket handler
/// must be given the socket's events (then [`start`]). `None` if the connection is gone.
pub(crate) fn open(
    lp: &mut EventLoop,
    id: WebSocketId,
    deflate: Option<(DeflateParams, usize, u8)>,
    protocol: Option<String>,
) -> Option<WsSocket> {
    let c = get(lp, id)?;
    c.extensions = extensions_value(deflate.as_ref());
    let (session, deflate) = engine(c.session.role(), *c.session.config(), deflate);
    c.session = session;
    let takeover = keeps_history(&deflate);
    c.deflate = deflate;
    c.opening = false;
    c.protocol = protocol;
    if takeover {
        DeflatePool::of(lp).takeover += 1;
    }
    Some(WsSocket { id })
}

/// A session's `ping` or `pong`.
type ControlFrame = fn(&mut Session, &[u8], &mut Vec<u8>) -> Result<(), crate::proto::Error>;

/// What a connection leaves when it goes: its handler and what `on_close` reports.
type Remains = (Option<Box<dyn WebSocketHandler>>, u16, Bytes);

/// The connection's state leaves the loop: its timers stop and its share of compression memory
/// is released.
fn remove(lp: &mut EventLoop, id: WebSocketId) -> Option<Remains> {
    let c = get(lp, id)?;
    let timers = [c.close_timer.take(), c.heartbeat.take()];
    let out = (c.handler.take(), c.close_code, std::mem::take(&mut c.close_reason));
    let takeover = keeps_history(&c.deflate);
    for t in timers.into_iter().flatten() {
        lp.clear_timer(t);
    }
    if takeover {
        let pool = DeflatePool::of(lp);
        pool.takeover = pool.takeover.saturating_sub(1);
    }
    lp.remove_handle(id.0);
    Some(out)
}

/// Client: the handshake failed with `error` (the socket is closed): the application hears
/// `on_error`, then `on_close` with 1006 (§7.1.5: no closing handshake), and the connection is
/// gone.
pub(crate) fn fail_opening(lp: &mut EventLoop, id: WebSocketId, error: &Error) {
    call(lp, id, |h, ws| h.on_error(ws, error));
    if let Some((Some(mut h), _, _)) = remove(lp, id) {
        h.on_close(lp, 1006, b"");
    }
}

/// The connection has its socket's events: `on_open`, then the bytes that came after the
/// handshake.
pub(crate) fn start(lp: &mut EventLoop, id: WebSocketId, rest: &[u8]) {
    call(lp, id, |h, ws| h.on_open(ws));
    if !rest.is_empty() {
        receive(lp, id, rest);
    }
}

/// Drops a connection that never got its socket.
pub(crate) fn discard(lp: &mut EventLoop, id: WebSocketId) {
    remove(lp, id);
}

/// Runs `f` with the connection's handler (taken out of the state for the call).
fn call(lp: &mut EventLoop, id: WebSocketId, f: impl FnOnce(&mut dyn WebSocketHandler, &mut WebSocket<'_>)) {
    let Some(c) = get(lp, id) else { return };
    let Some(mut handler) = c.handler.take() else { return };
    f(&mut *handler, &mut WebSocket { lp, id });
    if let Some(c) = get(lp, id) {
        c.handler.get_or_insert(handler);
    }
}

/// Bytes read: every event they complete, then one write of everything owed.
fn receive(lp: &mut EventLoop, id: WebSocketId, data: &[u8]) {
    let Some(c) = get(lp, id) else { return };
    if c.ending {
        return;
    }
    c.dispatching = true;
    c.input.extend_from_slice(data);
    loop {
        let Some(c) = get(lp, id) else { return };
        let event = match c.session.receive(&mut c.input) {
            Ok(Some(event)) => event,
            Ok(None) => break,
            Err(e) => {
                fail(lp, id, e);
                break;
            }
        };
        match event {
            Event::Message { data, text, compressed } => {
                let data = if compressed {
                    match inflate(lp, id, &data, text) {
                        Ok(data) => data,
                        Err(e) => {
                            if let Some(c) = get(lp, id) {
                                c.session.fail(e);
                            }
                            fail(lp, id, e);
                            break;
                        }
                    }
                } else {
                    data
                };
                call(lp, id, |h, ws| h.on_message(ws, data, !text));
            }
            Event::Ping(payload) => {
                if c.session.state() == State::Open {
                    // RFC 6455 §5.5.2: a Pong with the same payload, as soon as practical.
                    let _ = c.session.pong(&payload, &mut c.out);
                }
                call(lp, id, |h, ws| h.on_ping(ws, &payload));
            }
            Event::Pong(payload) => {
                c.awaiting_pong = false;
                call(lp, id, |h, ws| h.on_pong(ws, &payload));
            }
            Event::Close { code, reason } => {
                c.close_code = code.map_or(1005, CloseCode::get);
                c.close_reason = reason;
                if c.session.state() == State::CloseReceived {
                    // §5.5.1: answer with a Close, echoing the code and reason (as Node `ws`).
                    let reason = std::str::from_utf8(&c.close_reason).unwrap_or_default();
                    let _ = c.session.close(code, reason, &mut c.out);
                }
                closed(lp, id);
            }
        }
    }
    if let Some(c) = get(lp, id) {
        c.dispatching = false;
        // Messages took their bytes; a buffer a large frame grew is not kept while idle.
        if c.input.is_empty() && c.input.capacity() > 64 * 1024 {
            c.input = BytesMut::new();
        }
    }
    flush(lp, id);
    // A peer that sends faster than it reads what it is owed (pongs, echoes) waits until it has
    // read: the queue stays near the high-water mark instead of growing without bound.
    let Some(c) = lp.handle::<Conn>(id.0) else { return };
    let (socket, mark) = (c.socket, c.high_water_mark);
    if !c.reading_paused && !c.ending && socket.writable_length(lp) > mark {
        if let Some(c) = get(lp, id) {
            c.reading_paused = true;
        }
        socket.pause(lp);
    }
}

/// Inflates a compressed message and checks its text (RFC 7692 §6.2; the core leaves both to
/// us). Without context takeover the inflater's state is borrowed from the loop's pool.
fn inflate(
    lp: &mut EventLoop,
    id: WebSocketId,
    data: &[u8],
    text: bool,
) -> Result<Bytes, crate::proto::Error> {
    let wants_state = get(lp, id)
        .and_then(|c| c.deflate.as_ref())
        .is_some_and(|d| !d.inflater.has_state() && d.inflater.params().no_context_takeover);
    let pooled = if wants_state { DeflatePool::of(lp).take_inflater() } else { None };
    let Some(d) = get(lp, id).and_then(|c| c.deflate.as_mut()) else {
        return Err(crate::proto::Error::UnexpectedRsv1);
    };
    if let Some(state) = pooled {
        let _ = d.inflater.attach_state(state);
    }
    // Inflated into its own buffer, which becomes the message: no copy, nothing kept.
    let mut message = Vec::new();
    let result = d.inflater.inflate(data, &mut message);
    let spare = d.inflater.detach_state();
    let result = result.map_err(|e| match e {
        crate::proto::deflate::DeflateError::MessageTooBig { size, max } => {
            crate::proto::Error::LimitExceeded {
                what: crate::proto::Limit::MessageSize,
                size: size as u64,
                max: max as u64,
            }
        }
        _ => crate::proto::Error::InvalidCompressedData,
    });
    let result = result.and_then(|()| {
        if text {
            utf8::validate(&message).map_err(|e| crate::proto::Error::InvalidUtf8 { offset: e.offset })?;
        }
        Ok(Bytes::from(message))
    });
    if let Some(state) = spare {
        DeflatePool::of(lp).give_inflater(state);
    }
    result
}

/// Compresses `data` into the connection's scratch buffer (one whole message, or the next part
/// of a fragmented one), borrowing a pooled state when the direction has no context takeover.
fn compress(lp: &mut EventLoop, id: WebSocketId, data: &[u8], last: bool) -> bool {
    let wants_state = get(lp, id)
        .and_then(|c| c.deflate.as_ref())
        .is_some_and(|d| !d.compressor.has_state() && d.compressor.params().no_context_takeover);
    let pooled = if wants_state { DeflatePool::of(lp).take_compressor() } else { None };
    let Some(d) = get(lp, id).and_then(|c| c.deflate.as_mut()) else { return false };
    if let Some(state) = pooled {
        let _ = d.compressor.attach_state(state);
    }
    d.scratch.clear();
    let ok = d.compressor.compress_part(data, last, &mut d.scratch).is_ok();
    if let Some(state) = d.compressor.detach_state() {
        DeflatePool::of(lp).give_compressor(state);
    }
    ok
}

/// The peer broke a rule: tell the application, send the Close its error calls for, and end the
/// connection (RFC 6455 §7.1.7, "fail the WebSocket connection").
fn fail(lp: &mut EventLoop, id: WebSocketId, e: crate::proto::Error) {
    let Some(c) = get(lp, id) else { return };
    let _ = c.session.close(Some(e.close_code()), "", &mut c.out);
    c.close_code = 1006;
    call(lp, id, |h, ws| h.on_error(ws, &Error::Protocol(e)));
    end(lp, id);
}

/// Both Close frames went through: the server ends the TCP connection (§7.1.1); a client waits
/// for the server to, up to the close timeout.
fn closed(lp: &mut EventLoop, id: WebSocketId) {
    let Some(c) = get(lp, id) else { return };
    if c.session.state() != State::Closed {
        return;
    }
    match c.session.role() {
        Role::Server => end(lp, id),
        Role::Client => arm_close_timer(lp, id),
    }
}

/// Flushes what is owed and ends the TCP connection (after the queue drains).
fn end(lp: &mut EventLoop, id: WebSocketId) {
    write_out(lp, id);
    let Some(c) = get(lp, id) else { return };
    if c.ending {
        return;
    }
    c.ending = true;
    let socket = c.socket;
    socket.end(lp);
    // A peer that never reads would keep the queue, and the socket, forever.
    arm_close_timer(lp, id);
}

fn arm_close_timer(lp: &mut EventLoop, id: WebSocketId) {
    let Some(c) = get(lp, id) else { return };
    if c.close_timer.is_some() {
        return;
    }
    let (socket, timeout) = (c.socket, c.close_timeout);
    let timer = lp.set_timeout(timeout, move |lp| socket.destroy(lp));
    lp.unref_timer(timer);
    if let Some(c) = get(lp, id) {
        c.close_timer = Some(timer);
    }
}

/// Writes what the connection owes, unless inside `on_data` (then it goes at the end of it).
fn flush(lp: &mut EventLoop, id: WebSocketId) {
    if get(lp, id).is_some_and(|c| !c.dispatching) {
        write_out(lp, id);
    }
}

/// Writes what the connection owes now.
fn write_out(lp: &mut EventLoop, id: WebSocketId) {
    write_out_then(lp, id, &[]);
}

/// Writes what the connection owes now, then `payload` (a large message's, behind its header in
/// `out`), in one vectored write.
fn write_out_then(lp: &mut EventLoop, id: WebSocketId, payload: &[u8]) {
    let Some(c) = get(lp, id) else { return };
    if c.out.is_empty() || c.ending {
        return;
    }
    let socket = c.socket;
    let mut out = std::mem::take(&mut c.out);
    socket.write_vectored(lp, &[&out, payload]);
    if let Some(c) = get(lp, id) {
        // The buffer comes back for the next frames (its capacity is kept only while small).
        if c.out.is_empty() && out.capacity() <= 64 * 1024 {
            out.clear();
            c.out = out;
        }
    }
}

/// Messages at least this large leave without being copied into the connection's frame buffer
/// (a server's: a client's are masked, which needs the copy).
const DIRECT_SEND: usize = 64 * 1024;

impl WebSocketId {
    /// Sends a message (`ws.send(data, { binary })`): compressed when permessage-deflate was
    /// agreed and the message reaches the threshold. Returns false once more than the
    /// high-water mark is queued (wait for `on_drain`), or if the connection cannot send.
    pub fn send(self, lp: &mut EventLoop, data: &[u8], is_binary: bool) -> bool {
        let Some(c) = get(lp, self) else { return false };
        if c.opening {
            return false;
        }
        let kind = if is_binary { MessageKind::Binary } else { MessageKind::Text };
        let wants_compression = c.deflate.as_ref().is_some_and(|d| data.len() >= d.threshold);
        // Checked before compressing: a refused send must not advance the compressor.
        if c.session.can_send(wants_compression).is_err() {
            return false;
        }
        let compressed = wants_compression && compress(lp, self, data, true);
        let Some(c) = get(lp, self) else { return false };
        if !compressed && data.len() >= DIRECT_SEND && !c.ending {
            // A large message leaves as it is, behind its header and whatever this turn
            // gathered, in one vectored write: no copy into `out` (a client's, which must be
            // masked, is encoded as usual).
            match c.session.send_header(kind, data.len(), &mut c.out) {
                Ok(true) => {
                    write_out_then(lp, self, data);
                    return self.below_high_water_mark(lp);
                }
                Ok(false) => {}
                Err(_) => return false,
            }
        }
        let Some(c) = get(lp, self) else { return false };
        let sent = match c.deflate.as_mut() {
            Some(d) if compressed => {
                let sent = c.session.send_compressed(kind, &d.scratch, &mut c.out);
                d.release_scratch();
                sent
            }
            _ => c.session.send(kind, data, &mut c.out),
        };
        if sent.is_err() {
            return false;
        }
        flush(lp, self);
        self.below_high_water_mark(lp)
    }

    /// Sends one fragment of a message (RFC 6455 §5.4), for a message streamed as it is
    /// produced: the first call starts it, the one with `last` ends it; `is_binary` must stay the
    /// same throughout. With permessage-deflate the whole message is compressed, each fragment
    /// carrying what was compressed so far. Other messages wait until it ends (`send` returns
    /// false meanwhile); pings and pongs may go between fragments. Returns as `send` does.
    ///
    /// ```no_run
    /// # fn f(lp: &mut netcore::EventLoop, ws: netcore_websocket::WebSocketId) {
    /// ws.send_fragment(lp, b"Hel", false, false);
    /// ws.send_fragment(lp, b"lo", false, true); // the peer gets one text message, "Hello"
    /// # }
    /// ```
    pub fn send_fragment(self, lp: &mut EventLoop, data: &[u8], is_binary: bool, last: bool) -> bool {
        let Some(c) = get(lp, self) else { return false };
        if c.opening {
            return false;
        }
        let kind = if is_binary { MessageKind::Binary } else { MessageKind::Text };
        let compressed = c.session.sending_compressed().unwrap_or(c.deflate.is_some());
        // Checked before compressing: a refused fragment must not advance the compressor, whose
        // window the peer's inflater follows.
        if c.session.can_send_fragment(kind, compressed).is_err() {
            return false;
        }
        if compressed && !compress(lp, self, data, last) {
            return false;
        }
        let Some(c) = get(lp, self) else { return false };
        let sent = match c.deflate.as_mut() {
            Some(d) if compressed => {
                let sent = c.session.send_fragment_compressed(kind, &d.scratch, last, &mut c.out);
                d.release_scratch();
                sent
            }
            _ => c.session.send_fragment(kind, data, last, &mut c.out),
        };
        if sent.is_err() {
            return false;
        }
        flush(lp, self);
        self.below_high_water_mark(lp)
    }

    fn below_high_water_mark(self, lp: &EventLoop) -> bool {
        let mark = lp.handle::<Conn>(self.0).map_or(0, |c| c.high_water_mark);
        self.buffered_amount(lp) < mark
    }

    /// Pings the peer every `interval` and destroys the connection if the previous Ping's Pong
    /// has not come back by the next one (Node `ws`'s documented heartbeat, built in): a peer
    /// that vanished without a FIN is noticed within two intervals. Any Pong counts.
    ///
    /// ```no_run
    /// # fn f(lp: &mut netcore::EventLoop, ws: netcore_websocket::WebSocketId) {
    /// ws.heartbeat(lp, std::time::Duration::from_secs(30));
    /// # }
    /// ```
    pub fn heartbeat(self, lp: &mut EventLoop, interval: Duration) {
        let Some(c) = get(lp, self) else { return };
        let old = c.heartbeat.take();
        c.awaiting_pong = false;
        if let Some(t) = old {
            lp.clear_timer(t);
        }
        let timer = lp.set_interval(interval, move |lp| {
            let Some(c) = get(lp, self) else { return };
            if c.awaiting_pong {
                self.terminate(lp);
                return;
            }
            c.awaiting_pong = true;
            let _ = self.ping(lp, b"");
        });
        lp.unref_timer(timer);
        if let Some(c) = get(lp, self) {
            c.heartbeat = Some(timer);
        }
    }

    /// The subprotocol agreed in the handshake (`ws.protocol`), if any.
    pub fn protocol(self, lp: &EventLoop) -> Option<&str> {
        lp.handle::<Conn>(self.0).and_then(|c| c.protocol.as_deref())
    }

    /// Whether permessage-deflate was agreed (`ws.extensions` names it).
    pub fn is_compressed(self, lp: &EventLoop) -> bool {
        lp.handle::<Conn>(self.0).is_some_and(|c| c.deflate.is_some())
    }

    /// The extensions agreed in the handshake (`ws.extensions`, as the browser's
    /// `WebSocket.extensions`): the `Sec-WebSocket-Extensions` value with the agreed
    /// parameters, e.g. `permessage-deflate; client_max_window_bits=15`; `None` when none was
    /// agreed (and on a client until `on_open`). Both ends of a connection report the same
    /// parameters: the server's answer, in our server's order (no-context-takeover flags, then
    /// window sizes), whatever order a server wrote them in.
    pub fn extensions(self, lp: &EventLoop) -> Option<&str> {
        lp.handle::<Conn>(self.0).and_then(|c| c.extensions.as_deref())
    }

    /// Sends a Ping (at most 125 bytes).
    pub fn ping(self, lp: &mut EventLoop, data: &[u8]) -> Result<(), Error> {
        self.control(lp, data, Session::ping)
    }

    /// Sends a Pong (at most 125 bytes).
    pub fn pong(self, lp: &mut EventLoop, data: &[u8]) -> Result<(), Error> {
        self.control(lp, data, Session::pong)
    }

    /// A control frame through `frame` (the session's `ping` or `pong`).
    fn control(self, lp: &mut EventLoop, data: &[u8], frame: ControlFrame) -> Result<(), Error> {
        let Some(c) = get(lp, self) else { return Err(Error::Protocol(crate::proto::Error::Closed)) };
        if c.opening {
            return Err(Error::NotOpen);
        }
        frame(&mut c.session, data, &mut c.out)?;
        flush(lp, self);
        Ok(())
    }

    /// Starts the closing handshake with `code` (1000, 1001…, 3000–4999) and a reason of at most
    /// 123 bytes; the socket is destroyed if the handshake does not finish within the close
    /// timeout. A client still in its opening handshake aborts it instead (`on_error` with
    /// [`Error::ClosedBeforeOpen`], then `on_close` with 1006), as Node `ws`.
    pub fn close(self, lp: &mut EventLoop, code: u16, reason: &str) -> Result<(), Error> {
        let Some(c) = get(lp, self) else { return Err(Error::Protocol(crate::proto::Error::Closed)) };
        if c.opening {
            self.terminate(lp);
            return Ok(());
        }
        let code = CloseCode::new(code).ok_or(crate::proto::Error::InvalidCloseCode(code))?;
        c.session.close(Some(code), reason, &mut c.out)?;
        flush(lp, self);
        closed(lp, self);
        arm_close_timer(lp, self);
        Ok(())
    }

    /// Destroys the connection at once (`ws.terminate()`); a client's opening handshake is
    /// aborted.
    pub fn terminate(self, lp: &mut EventLoop) {
        if let Some(c) = get(lp, self) {
            c.ending = true;
            let socket = c.socket;
            socket.destroy(lp);
        }
    }

    /// Bytes queued and not yet taken by the kernel (`ws.bufferedAmount`).
    pub fn buffered_amount(self, lp: &EventLoop) -> usize {
        lp.handle::<Conn>(self.0).map_or(0, |c| c.out.len() + c.socket.writable_length(lp))
    }

    /// Whether the connection is open for sending (`readyState === OPEN`).
    pub fn is_open(self, lp: &EventLoop) -> bool {
        lp.handle::<Conn>(self.0).is_some_and(|c| c.session.state() == State::Open && !c.ending && !c.opening)
    }
}

/// The socket's events, forwarded to the connection.
pub(crate) struct WsSocket {
    id: WebSocketId,
}

impl SocketHandler for WsSocket {
    fn on_data(&mut self, socket: &mut Socket<'_>, data: &[u8]) {
        receive(socket.lp(), self.id, data);
    }

    fn on_end(&mut self, socket: &mut Socket<'_>) {
        // The peer's FIN: after a closing handshake the normal end, before it an abnormal one
        // (1006). Either way ours follows.
        end(socket.lp(), self.id);
    }

    fn on_drain(&mut self, socket: &mut Socket<'_>) {
        let lp = socket.lp();
        if let Some(c) = get(lp, self.id) {
            if std::mem::take(&mut c.reading_paused) {
                let socket = c.socket;
                socket.resume(lp);
            }
        }
        call(lp, self.id, |h, ws| h.on_drain(ws));
    }

    fn on_error(&mut self, socket: &mut Socket<'_>, error: &netcore_tcp::Error) {
        let lp = socket.lp();
        let Some(c) = get(lp, self.id) else { return };
        c.ending = true;
        if c.session.state() == State::Closed {
            // Both Close frames went through: a reset now only ends TCP (servers such as
            // Autobahn's abort the connection once the closing handshake is done), and
            // `on_close` reports the peer's code.
            return;
        }
        let e = Error::Socket(error.clone());
        call(lp, self.id, |h, ws| h.on_error(ws, &e));
    }

    fn on_close(&mut self, lp: &mut EventLoop, _id: SocketId, _had_error: bool) {
        // Without a Close from the peer the code stays 1006 (§7.1.5).
        if let Some((Some(mut h), code, reason)) = remove(lp, self.id) {
            h.on_close(lp, code, &reason);
        }
    }
}
