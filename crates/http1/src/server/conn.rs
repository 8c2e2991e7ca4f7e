//! One server connection: the codec between the socket and the handler.
//!
//! The connection's state lives in the loop's slab (so a [`ResponseId`] reaches it from anywhere)
//! and the socket's handler is a thin [`HttpSocket`] that forwards the socket's events here.
//!
//! ```text
//!  socket data ─► buf ─► RequestDecoder ─► on_request / on_data / on_end ─► Handler
//!                                                                            │ res.write/end
//!  socket ◄── one write per callback ◄── out ◄── responses, in request order ◄┘
//! ```

use std::collections::VecDeque;
use std::rc::Rc;
use std::time::{Instant, SystemTime};

use bytes::BytesMut;
use netcore::{EventLoop, HandleId, Ready, TimerId};
use netcore_tcp::{Socket, SocketHandler, SocketId};

use super::handler::Handler;
use super::headers::HeaderList;
use super::request::{Request, RequestId};
use super::response::{Response, ResponseId};
use super::upgrade::Upgrade;
use super::{server_state, Config};
use crate::proto::encode::{write_response_head, write_response_head_iter, BodyLength, DateCache};
use crate::proto::{
    ChunkedEncoder, ErrorKind, ParseError, RequestDecoder, RequestEvent, RequestHead, Version,
};

/// Answers a connection may owe at once; beyond it the server reads no further requests (Node
/// stops reading a connection whose outgoing queue is full in the same way).
const MAX_PIPELINED: usize = 64;

/// A response slot, in request order.
pub(crate) struct Slot {
    pub(crate) seq: u64,
    pub(crate) status: u16,
    /// A reason phrase other than the standard one (`res.statusMessage`).
    pub(crate) reason: Option<Box<str>>,
    pub(crate) headers: HeaderList,
    pub(crate) trailers: Option<HeaderList>,
    pub(crate) head_sent: bool,
    pub(crate) ended: bool,
    /// The handler was given its request: it is owed an `on_response_close`.
    announced: bool,
    /// Its `write` returned false: `drain` is owed to it once it is on the wire and the socket
    /// has room.
    need_drain: bool,
    body: BodyLength,
    chunked: ChunkedEncoder,
    /// Bytes of this response written before it reached the front of the queue.
    pending: Vec<u8>,
    /// From the request: HEAD (no body goes out), its version, whether it allows keep-alive.
    head_request: bool,
    http10: bool,
    keep_alive: bool,
}

impl Slot {
    fn reset(&mut self, seq: u64, head: &RequestHead, keep_alive: bool) {
        self.seq = seq;
        self.status = 200;
        self.reason = None;
        self.headers.clear();
        self.trailers = None;
        self.head_sent = false;
        self.ended = false;
        self.announced = false;
        self.need_drain = false;
        self.body = BodyLength::None;
        self.chunked = ChunkedEncoder::new();
        self.pending.clear();
        self.head_request = head.method() == "HEAD";
        self.http10 = head.version() == Version::Http10;
        self.keep_alive = keep_alive;
    }

    fn new() -> Slot {
        Slot {
            seq: 0,
            status: 200,
            reason: None,
            headers: HeaderList::default(),
            trailers: None,
            head_sent: false,
            ended: false,
            announced: false,
            need_drain: false,
            body: BodyLength::None,
            chunked: ChunkedEncoder::new(),
            pending: Vec::new(),
            head_request: false,
            http10: false,
            keep_alive: true,
        }
    }
}

/// What the connection's one timer is waiting for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wait {
    /// Nothing (a request is being answered).
    None,
    /// The next request's head, since `since` (`headersTimeout`; after a response, the first
    /// byte must come within `keepAliveTimeout`).
    Head { since: Instant, keep_alive: bool },
    /// The rest of a request whose head came at `since` (`requestTimeout`).
    Body { since: Instant },
}

/// The connection's state, in the loop's slab.
pub(crate) struct Conn {
    socket: SocketId,
    server: HandleId,
    handler: Option<Box<dyn Handler>>,
    decoder: RequestDecoder,
    buf: BytesMut,
    out: Vec<u8>,
    slots: VecDeque<Slot>,
    /// A finished slot kept for the next request (its header buffers stay allocated).
    spare: Option<Slot>,
    /// Responses (by sequence number) that ended and left the queue, their last bytes still in
    /// `out`: finished once `out` goes to the socket.
    retired: Vec<u64>,
    /// `on_response_close` events owed to the handler: sequence number and `finished`.
    closes: Vec<(u64, bool)>,
    closes_queued: bool,
    /// Sequence number of the next request, and of the request whose body is being read.
    next_seq: u64,
    reading: Option<(u64, RequestHead)>,
    /// An upgrade or CONNECT request waiting for its `Upgrade` event.
    upgrade: Option<RequestHead>,
    /// No more requests are read: the connection ends once the queued responses are out.
    closing: bool,
    /// The socket was given to another handler ([`Upgrade::accept`]).
    handed_over: bool,
    /// The socket was handed to another handler or is closing: ignore its events.
    detached: bool,
    /// Inside a dispatch: writes gather in `out` and go out once at the end.
    dispatching: bool,
    flush_queued: bool,
    /// Reading stopped because [`MAX_PIPELINED`] answers are owed.
    backlogged: bool,
    drain_queued: bool,
    paused: bool,
    wait: Wait,
    /// When the current wait runs out, and the timer (which may fire earlier, see [`arm`]).
    deadline: Option<Instant>,
    timer: Option<(TimerId, Instant)>,
    date: DateCache,
    date_checked: Option<Instant>,
    /// The server's settings, shared by its connections.
    config: Rc<Config>,
}

/// The socket's handler: forwards every event to the connection state.
pub(crate) struct HttpSocket {
    conn: HandleId,
}

fn get(lp: &mut EventLoop, conn: HandleId) -> Option<&mut Conn> {
    lp.handle_mut::<Conn>(conn)
}

fn no_ready(_: &mut EventLoop, _: HandleId, _: Ready) {}

/// A new connection of `server`: its state and the socket handler that feeds it.
pub(crate) fn accept(
    socket: &mut Socket<'_>,
    server: HandleId,
    handler: Box<dyn Handler>,
    config: Rc<Config>,
) -> HttpSocket {
    let id = socket.id();
    let lp = socket.lp();
    let now = lp.now();
    let conn = Conn {
        socket: id,
        server,
        handler: Some(handler),
        decoder: RequestDecoder::new(config.options.limits),
        buf: BytesMut::new(),
        out: Vec::new(),
        slots: VecDeque::new(),
        spare: None,
        retired: Vec::new(),
        closes: Vec::new(),
        closes_queued: false,
        next_seq: 0,
        reading: None,
        upgrade: None,
        closing: false,
        handed_over: false,
        detached: false,
        dispatching: false,
        flush_queued: false,
        backlogged: false,
        drain_queued: false,
        paused: false,
        wait: Wait::Head { since: now, keep_alive: false },
        deadline: None,
        timer: None,
        date: DateCache::default(),
        date_checked: None,
        config,
    };
    let hid = lp.insert_handle(conn, no_ready);
    // The socket keeps the loop alive, not its HTTP state.
    lp.unref_handle(hid);
    if let Some(s) = server_state(lp, server) {
        s.conns.push(hid);
    }
    arm(lp, hid);
    HttpSocket { conn: hid }
}

impl SocketHandler for HttpSocket {
    fn on_data(&mut self, socket: &mut Socket<'_>, data: &[u8]) {
        let lp = socket.lp();
        let now = lp.now();
        let Some(c) = get(lp, self.conn) else { return };
        if c.detached {
            return;
        }
        if let Wait::Head { keep_alive: true, .. } = c.wait {
            // The first byte of the next request: from now on its head has `headers_timeout`.
            c.wait = Wait::Head { since: now, keep_alive: false };
            arm(lp, self.conn);
        }
        dispatch_input(lp, self.conn, data);
    }

    fn on_end(&mut self, socket: &mut Socket<'_>) {
        let lp = socket.lp();
        let Some(c) = get(lp, self.conn) else { return };
        if c.detached {
            return;
        }
        // The peer will send nothing more (the server's sockets are half-open, as Node's): the
        // responses it is owed still go out, then ours ends. A request cut short gets no
        // answer; between requests this is a normal goodbye.
        c.closing = true;
        let socket = c.socket;
        if c.decoder.decode_eof().is_err() || c.slots.is_empty() {
            c.detached = true;
            socket.end(lp);
        }
    }

    fn on_drain(&mut self, socket: &mut Socket<'_>) {
        drain(socket.lp(), self.conn);
    }

    fn on_timeout(&mut self, socket: &mut Socket<'_>) {
        // The idle socket timeout (`server.timeout`): Node destroys the socket.
        socket.destroy();
    }

    fn on_close(&mut self, lp: &mut EventLoop, _id: SocketId, had_error: bool) {
        release(lp, self.conn, had_error);
    }
}

/// The connection is over for HTTP (its socket closed, or was handed to another protocol): the
/// `on_response_close` still owed (responses not written out are not finished), the handler's
/// `on_close`, then the state goes.
fn release(lp: &mut EventLoop, conn: HandleId, had_error: bool) {
    let Some(c) = get(lp, conn) else { return };
    let server = c.server;
    let socket = c.socket;
    let timer = c.timer.take();
    let handler = c.handler.take();
    // Nothing more is read or written for the callbacks below.
    c.detached = true;
    let unwritten = std::mem::take(&mut c.retired);
    c.closes.extend(unwritten.into_iter().map(|seq| (seq, false)));
    abandon_slots(c);
    let closes = std::mem::take(&mut c.closes);
    if let Some((t, _)) = timer {
        lp.clear_timer(t);
    }
    if let Some(s) = server_state(lp, server) {
        if let Some(i) = s.conns.iter().position(|h| *h == conn) {
            s.conns.swap_remove(i);
        }
    }
    if let Some(mut h) = handler {
        for (seq, finished) in closes {
            h.on_response_close(lp, ResponseId { conn, socket, seq }, finished);
        }
        h.on_close(lp, had_error);
    }
    lp.remove_handle(conn);
    super::maybe_closed(lp, server);
}

/// Empties the response queue: the responses whose requests the handler was given are owed an
/// `on_response_close` with `finished` false.
fn abandon_slots(c: &mut Conn) {
    let Conn { slots, closes, .. } = c;
    closes.extend(slots.drain(..).filter(|s| s.announced).map(|s| (s.seq, false)));
}

/// Responses that ended before the last write to the socket are finished: their
/// `on_response_close` is owed (on the next tick, as Node emits `close`).
fn written_out(lp: &mut EventLoop, conn: HandleId) {
    let Some(c) = get(lp, conn) else { return };
    if c.retired.is_empty() {
        return;
    }
    let Conn { retired, closes, .. } = c;
    closes.extend(retired.drain(..).map(|seq| (seq, true)));
    queue_closes(lp, conn);
}

/// Emits the `on_response_close` events owed on the next tick, if there are any.
fn queue_closes(lp: &mut EventLoop, conn: HandleId) {
    let Some(c) = get(lp, conn) else { return };
    if !c.closes.is_empty() && !std::mem::replace(&mut c.closes_queued, true) {
        // One loop-wide list and a tick that captures nothing (so boxing it allocates nothing):
        // a keep-alive request costs no allocation here.
        let pending = &mut lp.state_or_default::<PendingCloses>().0;
        pending.push(conn);
        if pending.len() == 1 {
            lp.next_tick(emit_pending_closes);
        }
    }
}

/// The connections with `on_response_close` events owed, for the next tick.
#[derive(Default)]
struct PendingCloses(Vec<HandleId>);

/// Emits the events owed by every connection in [`PendingCloses`]; the list's storage is kept.
fn emit_pending_closes(lp: &mut EventLoop) {
    let Some(pending) = lp.state_mut::<PendingCloses>() else { return };
    let mut conns = std::mem::take(&mut pending.0);
    for &conn in &conns {
        emit_closes(lp, conn);
    }
    conns.clear();
    if let Some(pending) = lp.state_mut::<PendingCloses>() {
        // Connections queued by the callbacks above have their own tick scheduled; keep them.
        if pending.0.is_empty() {
            pending.0 = conns;
        }
    }
}

/// Emits the `on_response_close` events owed. They run as a dispatch: what they write leaves in
/// one write, and a request they resume (the next one, say) is read once they return.
fn emit_closes(lp: &mut EventLoop, conn: HandleId) {
    let Some(c) = get(lp, conn) else { return };
    c.closes_queued = false;
    c.dispatching = true;
    let socket = c.socket;
    let mut closes = std::mem::take(&mut c.closes);
    for &(seq, finished) in &closes {
        let id = ResponseId { conn, socket, seq };
        call(lp, conn, |h, lp| h.on_response_close(lp, id, finished));
    }
    let Some(c) = get(lp, conn) else { return };
    c.dispatching = false;
    // The list's storage comes back for the next responses (unless the callbacks owed more).
    if c.closes.is_empty() {
        closes.clear();
        c.closes = closes;
    }
    if !c.detached {
        dispatch(lp, conn);
    }
}

/// [`Upgrade::accept`]: the socket now belongs to `handler`; this connection's HTTP state is
/// released once the `upgrade` callback returns.
pub(crate) fn hand_over(lp: &mut EventLoop, conn: HandleId) {
    if let Some(c) = get(lp, conn) {
        c.handed_over = true;
    }
}

/// Runs a handler callback with the handler taken out of the state (so the callback can reach
/// the state through the loop), then puts it back.
fn call(lp: &mut EventLoop, conn: HandleId, f: impl FnOnce(&mut dyn Handler, &mut EventLoop)) {
    let Some(mut h) = get(lp, conn).and_then(|c| c.handler.take()) else { return };
    f(&mut *h, lp);
    if let Some(c) = get(lp, conn) {
        c.handler = Some(h);
    }
}

/// Parses what the buffer holds and hands it to the handler; everything written meanwhile goes
/// out in one write at the end (a pipelined burst costs one syscall).
fn dispatch(lp: &mut EventLoop, conn: HandleId) {
    dispatch_input(lp, conn, &[]);
}

/// [`dispatch`] with `input`, bytes just read. While nothing is buffered, a request's head is
/// parsed straight from `input` (copying the head only); whatever is left is buffered, as all of
/// it is when the connection holds a partial request or cannot take a new one now.
fn dispatch_input(lp: &mut EventLoop, conn: HandleId, mut input: &[u8]) {
    if let Some(c) = get(lp, conn) {
        c.dispatching = true;
    }
    loop {
        let Some(c) = get(lp, conn) else { return };
        if c.detached || c.closing || c.paused {
            break;
        }
        if c.reading.is_none() && c.slots.len() >= MAX_PIPELINED {
            // Enough answers owed: read no further until some are out (a pipelining client
            // cannot queue unbounded work or memory here).
            if !c.backlogged {
                c.backlogged = true;
                let socket = c.socket;
                socket.pause(lp);
            }
            break;
        }
        let mut from_input = None;
        if !input.is_empty() && c.buf.is_empty() {
            match c.decoder.decode_head(input) {
                Ok(Some((used, head))) => {
                    input = &input[used..];
                    from_input = Some(head);
                }
                Ok(None) => {}
                Err(e) => {
                    client_error(lp, conn, e);
                    break;
                }
            }
        }
        let event = match from_input {
            Some(head) => RequestEvent::Head(head),
            None => {
                if !input.is_empty() {
                    c.buf.extend_from_slice(input);
                    input = &[];
                }
                match c.decoder.decode(&mut c.buf) {
                    Ok(Some(event)) => event,
                    Ok(None) => break,
                    Err(e) => {
                        client_error(lp, conn, e);
                        break;
                    }
                }
            }
        };
        let socket = c.socket;
        match event {
            RequestEvent::Head(head) => {
                let info = c.decoder.info().copied();
                let seq = c.next_seq;
                c.next_seq += 1;
                let keep_alive = info.is_some_and(|i| i.keep_alive);
                let mut slot = c.spare.take().unwrap_or_else(Slot::new);
                slot.reset(seq, &head, keep_alive);
                if c.slots.capacity() == 0 {
                    // One at a time is the common case; pipelining grows it.
                    c.slots.reserve_exact(1);
                }
                c.slots.push_back(slot);
                let now = lp.now();
                if let Some(c) = get(lp, conn) {
                    c.wait = Wait::Body { since: now };
                }
                if info.is_some_and(|i| i.upgrade) {
                    if let Some(c) = get(lp, conn) {
                        c.upgrade = Some(head);
                    }
                    continue;
                }
                start_request(lp, conn, socket, seq, head, info.is_some_and(|i| i.expects_continue));
            }
            RequestEvent::Data(data) => with_request(lp, conn, |h, req, res| h.on_data(req, data, res)),
            RequestEvent::Trailers(t) => with_request(lp, conn, |h, req, res| h.on_trailers(req, &t, res)),
            RequestEvent::End => {
                if get(lp, conn).is_some_and(|c| c.upgrade.is_some()) {
                    continue;
                }
                with_request(lp, conn, |h, req, res| h.on_end(req, res));
                if let Some(c) = get(lp, conn) {
                    c.reading = None;
                }
                settle_wait(lp, conn);
            }
            RequestEvent::Upgrade => upgrade(lp, conn, socket),
        }
    }
    if let Some(c) = get(lp, conn) {
        c.dispatching = false;
        if !input.is_empty() && !c.detached {
            c.buf.extend_from_slice(input);
        }
    }
    flush(lp, conn);
}

fn start_request(
    lp: &mut EventLoop,
    conn: HandleId,
    socket: SocketId,
    seq: u64,
    head: RequestHead,
    cont: bool,
) {
    let id = ResponseId { conn, socket, seq };
    let rid = RequestId { conn, socket, seq };
    let expectation = !cont && head.version() == Version::Http11 && head.headers().contains("expect");
    with_slot(lp, id, |s| s.announced = true);
    call(lp, conn, |h, lp| {
        let req = Request { head: &head, id: rid };
        let res = &mut Response { lp, id };
        if cont {
            h.on_check_continue(&req, res);
        } else if expectation {
            h.on_check_expectation(&req, res);
        } else {
            h.on_request(&req, res);
        }
    });
    if let Some(c) = get(lp, conn) {
        c.reading = Some((seq, head));
    }
    arm(lp, conn);
}

/// Calls `f` with the request being read and its response.
fn with_request(
    lp: &mut EventLoop,
    conn: HandleId,
    f: impl FnOnce(&mut dyn Handler, &Request<'_>, &mut Response<'_>),
) {
    let Some(c) = get(lp, conn) else { return };
    let socket = c.socket;
    let Some((seq, head)) = c.reading.take() else { return };
    let id = ResponseId { conn, socket, seq };
    call(lp, conn, |h, lp| {
        f(h, &Request { head: &head, id: RequestId { conn, socket, seq } }, &mut Response { lp, id })
    });
    if let Some(c) = get(lp, conn) {
        if c.reading.is_none() {
            c.reading = Some((seq, head));
        }
    }
}

fn upgrade(lp: &mut EventLoop, conn: HandleId, socket: SocketId) {
    let Some(c) = get(lp, conn) else { return };
    let Some(head) = c.upgrade.take() else { return };
    let rest = c.buf.split().freeze();
    let seq = c.next_seq - 1;
    let connect = head.is_connect();
    // Responses to earlier requests go out first.
    flush(lp, conn);
    let Some(mut h) = get(lp, conn).and_then(|c| c.handler.take()) else { return };
    let mut up = Upgrade { lp, conn, socket, head, rest };
    let taken = h.on_upgrade(&mut up);
    let Upgrade { head, rest, .. } = up;
    let Some(c) = get(lp, conn) else { return };
    c.handler = Some(h);
    if taken {
        c.detached = true;
        abandon_slots(c);
        let handed_over = c.handed_over;
        if let Some((t, _)) = c.timer.take() {
            lp.clear_timer(t);
        }
        if handed_over {
            // Another handler has the socket: its close will not reach this state.
            release(lp, conn, false);
        } else {
            queue_closes(lp, conn);
        }
        // Otherwise the socket still reports here (the handler pipes it, say): the state waits
        // for its close and `on_close`.
        return;
    }
    c.decoder.decline_upgrade();
    // Put the bytes back: they are HTTP after all.
    if !rest.is_empty() {
        let mut buf = BytesMut::with_capacity(rest.len() + c.buf.len());
        buf.extend_from_slice(&rest);
        buf.extend_from_slice(&c.buf);
        c.buf = buf;
    }
    if connect {
        let id = ResponseId { conn, socket, seq };
        id.set_status(lp, 405);
        id.set_header(lp, "Connection", "close").ok();
        id.end(lp, b"");
        if let Some(c) = get(lp, conn) {
            c.closing = true;
        }
        return;
    }
    start_request(lp, conn, socket, seq, head, false);
    with_request(lp, conn, |h, req, res| h.on_end(req, res));
    if let Some(c) = get(lp, conn) {
        c.reading = None;
    }
    settle_wait(lp, conn);
}

/// Sets what the timer waits for from the connection's state: the rest of a request being read,
/// nothing while responses are owed, else the next request (within `keep_alive_timeout`).
fn settle_wait(lp: &mut EventLoop, conn: HandleId) {
    let now = lp.now();
    let Some(c) = get(lp, conn) else { return };
    let wait = if c.reading.is_some() {
        match c.wait {
            Wait::Body { since } => Wait::Body { since },
            _ => Wait::Body { since: now },
        }
    } else if !c.slots.is_empty() || c.closing || c.detached {
        Wait::None
    } else if matches!(c.wait, Wait::Head { keep_alive: true, .. }) {
        return;
    } else {
        Wait::Head { since: now, keep_alive: true }
    };
    c.wait = wait;
    arm(lp, conn);
}

/// The peer sent something that is not HTTP: the handler decides, by default a status and close.
fn client_error(lp: &mut EventLoop, conn: HandleId, e: ParseError) {
    let Some(c) = get(lp, conn) else { return };
    let socket = c.socket;
    c.closing = true;
    let mut answer = true;
    call(lp, conn, |h, lp| answer = h.on_client_error(lp, socket, &e));
    if !answer {
        return;
    }
    let Some(c) = get(lp, conn) else { return };
    // Responses already queued go first; a half-written one cannot be followed by anything.
    if c.slots.iter().any(|s| s.head_sent && !s.ended) {
        c.detached = true;
        socket.destroy(lp);
        return;
    }
    // What ended before goes out ahead of the error; the rest is never answered.
    let Conn { retired, closes, .. } = &mut *c;
    closes.extend(retired.drain(..).map(|seq| (seq, true)));
    abandon_slots(c);
    let status = if e.kind == ErrorKind::UnexpectedEof { 400 } else { e.status() };
    let mut head = Vec::new();
    let _ = write_response_head(&mut head, 1, status, None, &[], BodyLength::Known(0), None, Some(false));
    c.out.extend_from_slice(&head);
    c.detached = true;
    let out = std::mem::take(&mut c.out);
    socket.write(lp, &out);
    socket.end(lp);
    queue_closes(lp, conn);
}

/// Pauses or resumes reading (the request body's backpressure).
pub(crate) fn pause(lp: &mut EventLoop, conn: HandleId, paused: bool) {
    let Some(c) = get(lp, conn) else { return };
    c.paused = paused;
    let (socket, backlogged) = (c.socket, c.backlogged);
    if paused {
        socket.pause(lp);
    } else {
        if !backlogged {
            socket.resume(lp);
        }
        if !get(lp, conn).is_some_and(|c| c.dispatching) {
            dispatch(lp, conn);
        }
    }
}

impl Conn {
    /// Where response `seq` sits in the queue, if it is still queued (slots are in request
    /// order, so it is the distance from the front).
    fn index_of(&self, seq: u64) -> Option<usize> {
        let first = self.slots.front()?.seq;
        let index = usize::try_from(seq.checked_sub(first)?).ok()?;
        (index < self.slots.len()).then_some(index)
    }
}

/// The slot of a response, if it is still queued.
pub(crate) fn slot(lp: &EventLoop, id: ResponseId) -> Option<&Slot> {
    let c = lp.handle::<Conn>(id.conn)?;
    c.slots.get(c.index_of(id.seq)?)
}

/// Runs `f` on the slot of a response, if it is still queued.
pub(crate) fn with_slot<T>(lp: &mut EventLoop, id: ResponseId, f: impl FnOnce(&mut Slot) -> T) -> Option<T> {
    let c = get(lp, id.conn)?;
    let index = c.index_of(id.seq)?;
    c.slots.get_mut(index).map(f)
}

/// The `Date` value, refreshed at most once a second of loop time.
fn date<'a>(cache: &'a mut DateCache, checked: &mut Option<Instant>, now: Instant) -> &'a [u8] {
    if !checked.is_some_and(|t| now.duration_since(t).as_secs() < 1) {
        cache.update(SystemTime::now());
        *checked = Some(now);
    }
    cache.value()
}

/// Writes body bytes (and the head first, if it is not out yet); `last` ends the response.
pub(crate) fn write_body(lp: &mut EventLoop, id: ResponseId, data: &[u8], last: bool) -> bool {
    let now = lp.now();
    let server = lp.handle::<Conn>(id.conn).map(|c| c.server);
    let server_closing = server.and_then(|s| lp.handle::<super::Server>(s)).is_some_and(|s| s.closing);
    let Some(c) = get(lp, id.conn) else { return false };
    if c.detached {
        return false;
    }
    let Some(index) = c.index_of(id.seq) else { return false };
    if c.slots[index].ended {
        return false;
    }
    let closing_server = c.closing || server_closing;
    let max_reached =
        c.config.options.max_requests_per_socket.is_some_and(|max| c.next_seq >= u64::from(max));
    let Conn { slots, out, config, date: date_cache, date_checked, .. } = c;
    let date_value = date(date_cache, date_checked, now);
    let keep_alive_hint = &config.keep_alive_hint[..];
    let slot = &mut slots[index];
    let at_front = index == 0;
    let mut pending = std::mem::take(&mut slot.pending);
    let sink: &mut Vec<u8> = if at_front { out } else { &mut pending };
    if !slot.head_sent {
        let no_body = slot.head_request || matches!(slot.status, 100..=199 | 204 | 304);
        let user_length = slot
            .headers
            .get("content-length")
            .and_then(|v| std::str::from_utf8(v).ok()?.trim().parse::<u64>().ok());
        let user_chunked = slot.headers.has("transfer-encoding");
        slot.body = if no_body {
            BodyLength::None
        } else if let Some(n) = user_length {
            BodyLength::Known(n)
        } else if user_chunked {
            BodyLength::Chunked
        } else if last {
            BodyLength::Known(data.len() as u64)
        } else if slot.http10 {
            BodyLength::UntilClose
        } else {
            BodyLength::Chunked
        };
        let user_close = slot.headers.get("connection").is_some_and(|v| v.eq_ignore_ascii_case(b"close"));
        let keep = slot.keep_alive
            && !closing_server
            && !max_reached
            && !user_close
            && slot.body != BodyLength::UntilClose;
        slot.keep_alive = keep;
        // Node's `Connection: keep-alive` and `Keep-Alive: timeout=N` (the hint lets a client
        // retire the connection before we do), unless the handler set `Connection`.
        let announce = keep && !slot.headers.has("connection");
        let extra = [(&b"Connection"[..], &b"keep-alive"[..]), (&b"Keep-Alive"[..], keep_alive_hint)];
        let extra = &extra[..if announce { 2 } else { 0 }];
        let written = write_response_head_iter(
            sink,
            1,
            slot.status,
            slot.reason.as_deref(),
            slot.headers.raw().chain(extra.iter().copied()),
            slot.body,
            Some(date_value),
            Some(keep),
        );
        if written.is_err() {
            // A status outside 100..=999, or a Content-Length that contradicts the body: the
            // caller's bug, answered as Node does with a server error.
            let _ = write_response_head(
                sink,
                1,
                500,
                None,
                &[],
                BodyLength::Known(0),
                Some(date_value),
                Some(false),
            );
            slot.body = BodyLength::None;
            slot.keep_alive = false;
        }
        slot.head_sent = true;
    }
    // A bodiless response (HEAD, 1xx, 204, 304) was given `BodyLength::None` above.
    if !data.is_empty() {
        match slot.body {
            BodyLength::Chunked => slot.chunked.encode_chunk(data, sink),
            BodyLength::None => {}
            _ => sink.extend_from_slice(data),
        }
    }
    if last {
        if slot.body == BodyLength::Chunked {
            let trailers: Vec<(&str, &[u8])> = slot.trailers.iter().flat_map(|t| t.iter()).collect();
            if slot.chunked.encode_end(&trailers, sink).is_err() {
                let _ = slot.chunked.encode_end(&[], sink);
            }
        }
        slot.ended = true;
    }
    if !at_front {
        slot.pending = pending;
    }
    if last {
        retire(lp, id.conn);
    }
    schedule_flush(lp, id.conn);
    below_high_water(lp, id)
}

/// Sends an interim (1xx) response ahead of the final one.
pub(crate) fn write_interim(lp: &mut EventLoop, id: ResponseId, status: u16, headers: &[(&str, &[u8])]) {
    let Some(c) = get(lp, id.conn) else { return };
    let Some(index) = c.index_of(id.seq) else { return };
    if c.slots[index].head_sent || c.slots[index].http10 {
        return;
    }
    let Conn { slots, out, .. } = c;
    let sink = if index == 0 { out } else { &mut slots[index].pending };
    let _ = write_response_head(sink, 1, status, None, headers, BodyLength::None, None, None);
    schedule_flush(lp, id.conn);
}

/// Pops finished responses off the front, moving the next one's early bytes out.
fn retire(lp: &mut EventLoop, conn: HandleId) {
    let Some(c) = get(lp, conn) else { return };
    while c.slots.front().is_some_and(|s| s.ended) {
        let Some(done) = c.slots.pop_front() else { break };
        if !done.keep_alive {
            c.closing = true;
        }
        if done.announced {
            c.retired.push(done.seq);
        }
        if let Some(next) = c.slots.front_mut() {
            c.out.append(&mut next.pending);
        }
        if c.spare.is_none() {
            c.spare = Some(done);
        }
    }
    if c.backlogged && c.slots.len() < MAX_PIPELINED {
        c.backlogged = false;
        let (socket, paused, dispatching) = (c.socket, c.paused, c.dispatching);
        if !paused {
            socket.resume(lp);
        }
        if !dispatching {
            // The requests already read wait in the buffer.
            lp.next_tick(move |lp| dispatch(lp, conn));
        }
    }
    let Some(c) = get(lp, conn) else { return };
    if c.slots.is_empty() {
        if c.closing {
            c.detached = true;
        }
        settle_wait(lp, conn);
    }
}

/// Whether the bytes waiting for this response are under the high-water mark; if not, `drain` is
/// owed once they are. For the response on the wire that is what the socket and `out` hold; for
/// a later one, what it has buffered (it cannot leave before the ones ahead of it, and must not
/// hold up their `drain`).
fn below_high_water(lp: &mut EventLoop, id: ResponseId) -> bool {
    let Some(c) = lp.handle::<Conn>(id.conn) else { return false };
    let hwm = c.config.options.high_water_mark;
    let queued = match c.index_of(id.seq) {
        Some(index) if index > 0 => c.slots[index].pending.len(),
        // On the wire (or finished): what `out` and the socket hold.
        _ => c.out.len() + c.socket.writable_length(lp),
    };
    let below = queued < hwm;
    if !below {
        with_slot(lp, id, |s| s.need_drain = true);
    }
    below
}

/// Emits `drain` to the handler (the response at the front of the queue).
fn drain(lp: &mut EventLoop, conn: HandleId) {
    let Some(c) = get(lp, conn) else { return };
    if c.detached {
        return;
    }
    let socket = c.socket;
    let Some(front) = c.slots.front_mut().filter(|s| s.need_drain) else { return };
    front.need_drain = false;
    let id = ResponseId { conn, socket, seq: front.seq };
    // As a dispatch (see `emit_closes`): a request the handler resumes from here is read once
    // it returns, not while its handler is out for this call.
    c.dispatching = true;
    call(lp, conn, |h, lp| h.on_drain(&mut Response { lp, id }));
    let Some(c) = get(lp, conn) else { return };
    c.dispatching = false;
    flush(lp, conn);
    if get(lp, conn).is_some_and(|c| !c.detached) {
        dispatch(lp, conn);
    }
}

fn schedule_flush(lp: &mut EventLoop, conn: HandleId) {
    let Some(c) = get(lp, conn) else { return };
    if c.dispatching || c.flush_queued {
        return;
    }
    c.flush_queued = true;
    lp.next_tick(move |lp| flush(lp, conn));
}

/// Writes what `out` holds to the socket; ends the socket once the last response is out on a
/// closing connection.
fn flush(lp: &mut EventLoop, conn: HandleId) {
    let Some(c) = get(lp, conn) else { return };
    c.flush_queued = false;
    let socket = c.socket;
    let finished = c.closing && c.slots.is_empty();
    let mut out = std::mem::take(&mut c.out);
    // The socket emits its own `drain` only when its `write` said stop; if ours said stop but
    // the socket took everything under its mark, `drain` is due now.
    let socket_full = !out.is_empty() && !socket.write(lp, &out);
    out.clear();
    written_out(lp, conn);
    let open = socket.is_open(lp);
    let Some(c) = get(lp, conn) else { return };
    c.out = out;
    let front_waits = c.slots.front().is_some_and(|s| s.need_drain);
    // A socket that is gone (its `close` comes later, in the loop's close phase) owes no
    // `drain`: a handler writing from `on_drain` would otherwise be called back again and
    // again, and the loop would never reach that phase.
    if front_waits && !socket_full && !c.drain_queued && open {
        let hwm = c.config.options.high_water_mark;
        if socket.writable_length(lp) < hwm {
            if let Some(c) = get(lp, conn) {
                c.drain_queued = true;
            }
            lp.next_tick(move |lp| {
                if let Some(c) = get(lp, conn) {
                    c.drain_queued = false;
                }
                drain(lp, conn);
            });
        }
    }
    let Some(c) = get(lp, conn) else { return };
    if c.buf.is_empty() && c.buf.capacity() > 0 && c.slots.is_empty() && c.reading.is_none() {
        // Idle between requests: give the read buffer back (an idle connection costs little).
        c.buf = BytesMut::new();
    }
    if finished {
        c.detached = true;
        socket.end(lp);
    }
}

/// (Re)arms the connection's timer for what it waits for now.
fn arm(lp: &mut EventLoop, conn: HandleId) {
    let Some(c) = get(lp, conn) else { return };
    c.deadline = match c.wait {
        Wait::None => None,
        Wait::Head { since, keep_alive: true } => Some(since + c.config.options.keep_alive_timeout),
        Wait::Head { since, keep_alive: false } => Some(since + c.config.options.headers_timeout),
        Wait::Body { since } => Some(since + c.config.options.request_timeout),
    };
    // A timer already set to fire no later than the deadline stays: when it fires it looks at
    // the deadline then and sets itself again for the rest. A request on a keep-alive
    // connection moves the deadline without touching the timer queue.
    let Some(deadline) = c.deadline else { return };
    if c.timer.is_some_and(|(_, at)| at <= deadline) {
        return;
    }
    if let Some((t, _)) = c.timer.take() {
        lp.clear_timer(t);
    }
    let delay = deadline.saturating_duration_since(lp.now());
    let t = lp.set_timeout(delay, move |lp| expired(lp, conn));
    lp.unref_timer(t);
    if let Some(c) = get(lp, conn) {
        c.timer = Some((t, deadline));
    }
}

/// The timer fired: a head or body that did not come in time gets 408; an idle keep-alive
/// connection is closed quietly.
fn expired(lp: &mut EventLoop, conn: HandleId) {
    let now = lp.now();
    let Some(c) = get(lp, conn) else { return };
    c.timer = None;
    match c.deadline {
        None => return,
        Some(d) if d > now => {
            // The deadline moved on since the timer was set.
            arm(lp, conn);
            return;
        }
        Some(_) => {}
    }
    let socket = c.socket;
    match c.wait {
        Wait::None => {}
        Wait::Head { keep_alive: true, .. } => {
            c.detached = true;
            socket.destroy(lp);
        }
        Wait::Head { .. } | Wait::Body { .. } => {
            c.detached = true;
            c.closing = true;
            let answered = c.slots.iter().any(|s| s.head_sent);
            if answered {
                socket.destroy(lp);
            } else {
                let mut head = Vec::new();
                let _ = write_response_head(
                    &mut head,
                    1,
                    408,
                    None,
                    &[],
                    BodyLength::Known(0),
                    None,
                    Some(false),
                );
                socket.write(lp, &head);
                socket.end(lp);
            }
        }
    }
}

/// Whether the connection is between requests (for `close_idle_connections`).
/// `closeIdleConnections` for one connection: one between requests is closed, at once if
/// nothing is owed to its socket, else as soon as the last response has gone out (Node counts a
/// connection idle only once its response has finished).
pub(crate) fn close_if_idle(lp: &mut EventLoop, conn: HandleId) {
    let Some(c) = get(lp, conn) else { return };
    if !(c.slots.is_empty() && c.reading.is_none() && c.buf.is_empty()) {
        return;
    }
    let socket = c.socket;
    if c.dispatching || !c.out.is_empty() {
        // The last response is still in `out`: the flush that writes it ends the socket.
        c.closing = true;
        schedule_flush(lp, conn);
    } else if socket.writable_length(lp) > 0 {
        // Written, not yet taken by the kernel: FIN after it.
        if let Some(c) = get(lp, conn) {
            c.detached = true;
        }
        socket.end(lp);
    } else {
        socket.destroy(lp);
    }
}

/// The connection's socket.
pub(crate) fn socket_of(lp: &EventLoop, conn: HandleId) -> Option<SocketId> {
    lp.handle::<Conn>(conn).map(|c| c.socket)
}
