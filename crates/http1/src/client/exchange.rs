//! One request's state, in the loop's slab: the head and body going out, what has come back,
//! and every transition between (written, attached to a connection, continued, answered,
//! retried, failed, closed).
//!
//! ```text
//!  write/end ─► out ──(next tick, one write)──► socket          held ◄─ body behind Expect: 100-continue
//!                 └─► replay (idempotent, ≤ high-water mark): sent again once if a reused
//!                     connection dies before any response byte (the keep-alive race)
//!  response End ─► complete ─► the connection goes back to the agent ─► on_close (next tick)
//!  failure ─────► finish(error) ───────────────────────────────────► on_error, on_close
//! ```

use std::time::Duration;

use bytes::Bytes;
use netcore::{EventLoop, HandleId, Ready, TimerId};
use netcore_tcp::SocketId;

use super::agent::{self, AgentId};
use super::conn;
use super::error::Error;
use super::handler::{ResponseHandler, Upgrade};
use super::options::{authority, AgentChoice, RequestOptions};
use super::proxy::basic_credentials;
use super::request::{ClientRequest, ClientRequestId};
use super::tunnel::Route;
use super::url::Protocol;
use crate::proto::encode::{write_request_head, BodyLength, EncodeError};
use crate::proto::{ChunkedEncoder, ResponseHead};

/// The request's state in the loop's slab.
pub(crate) struct Exchange {
    pub(crate) method: String,
    path: String,
    host_header: Option<String>,
    /// Where the connection goes (the agent's pool key, the address, a tunnel).
    pub(crate) route: Route,
    headers: Vec<(String, Vec<u8>)>,
    pub(crate) agent: Option<AgentId>,
    handler: Option<Box<dyn ResponseHandler>>,
    /// The connection the request is on, once it has one.
    pub(crate) conn: Option<HandleId>,
    /// Waiting in the agent's queue for a connection.
    pub(crate) queued: bool,
    // ----- the request going out -----
    head_sent: bool,
    body: BodyLength,
    /// Body bytes written so far.
    written: u64,
    chunked: ChunkedEncoder,
    trailers: Vec<(String, Vec<u8>)>,
    /// `end` was called: the whole request is in `out` (or `held`, or sent).
    ended: bool,
    /// Bytes for the socket, not yet handed to it.
    out: Vec<u8>,
    /// Body bytes held back until `100 Continue`.
    held: Vec<u8>,
    expect_continue: bool,
    continued: bool,
    continue_timeout: Option<Duration>,
    /// Sends the held body when no `100 Continue` came in time.
    continue_timer: Option<TimerId>,
    /// Everything handed to the socket so far, for one retry: kept for idempotent requests
    /// while it fits under the high-water mark.
    replay: Option<Vec<u8>>,
    retried: bool,
    /// The connection had served a request before this one (`req.reusedSocket`).
    pub(crate) reused: bool,
    /// The request lets the connection persist (an agent with keep-alive, no `Connection: close`).
    keep_alive: bool,
    need_drain: bool,
    flush_queued: bool,
    high_water_mark: usize,
    pub(crate) timeout: Option<Duration>,
    abort_on_timeout: bool,
    // ----- what came back -----
    /// A byte of a response (of any status) arrived on the current connection.
    response_started: bool,
    /// Over: detached from any connection, `on_close` is queued.
    closing: bool,
    error: Option<Error>,
}

pub(crate) fn get(lp: &mut EventLoop, id: HandleId) -> Option<&mut Exchange> {
    lp.handle_mut::<Exchange>(id)
}

pub(crate) fn peek(lp: &EventLoop, id: HandleId) -> Option<&Exchange> {
    lp.handle::<Exchange>(id)
}

fn no_ready(_: &mut EventLoop, _: HandleId, _: Ready) {}

/// Methods whose requests may be sent again (RFC 9110 §9.2.2; POST and PATCH are not).
fn is_idempotent(method: &str) -> bool {
    matches!(method, "GET" | "HEAD" | "OPTIONS" | "TRACE" | "PUT" | "DELETE")
}

/// Methods Node sends without a body by default (no `Content-Length: 0` on an empty `end`).
fn bodiless_by_default(method: &str) -> bool {
    matches!(method, "GET" | "HEAD" | "DELETE" | "OPTIONS" | "TRACE" | "CONNECT")
}

fn parse_length(v: &[u8]) -> Option<u64> {
    std::str::from_utf8(v).ok()?.trim().parse().ok()
}

/// The first body call on a request, which decides its framing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FirstCall {
    Write,
    /// `end` with this many bytes, no `write` before.
    End(usize),
    FlushHeaders,
}

/// The framing, decided at the first body call as Node's `_implicitHeader` does: the caller's
/// `Content-Length` or `Transfer-Encoding`; else the length of a body given whole to `end`
/// (nothing at all for an empty body of a `GET`-like method); else chunked.
fn framing(
    content_length: Option<&[u8]>,
    transfer_encoding: bool,
    method: &str,
    first: FirstCall,
) -> BodyLength {
    if let Some(v) = content_length {
        // Unparsable: the encoder refuses it against any length.
        return parse_length(v).map_or(BodyLength::None, BodyLength::Known);
    }
    if transfer_encoding {
        return BodyLength::Chunked;
    }
    match first {
        FirstCall::End(0) | FirstCall::FlushHeaders if bodiless_by_default(method) => BodyLength::None,
        FirstCall::End(n) => BodyLength::Known(n as u64),
        FirstCall::Write | FirstCall::FlushHeaders => BodyLength::Chunked,
    }
}

/// Validates the options, stores the request and hands it to its agent.
pub(crate) fn create(
    lp: &mut EventLoop,
    mut options: RequestOptions,
    handler: Box<dyn ResponseHandler>,
) -> Result<ClientRequestId, Error> {
    let agent = match options.agent {
        AgentChoice::Global => Some(agent::Agent::global(lp)),
        AgentChoice::Agent(a) if !a.is_alive(lp) => return Err(Error::AgentDestroyed),
        AgentChoice::Agent(a) => Some(a),
        AgentChoice::None => None,
    };
    let agent_options = agent.and_then(|a| a.options(lp));
    // An agent whose sockets carry a layer (TLS) speaks `https:`; the others `http:`. A request
    // names its scheme or takes its agent's (Node's `protocol` defaults to `agent.protocol`).
    let secure_agent = agent_options.is_some_and(|o| o.socket.layer.is_some());
    let agent_protocol = if secure_agent { Protocol::Https } else { Protocol::Http };
    let protocol = options.protocol.unwrap_or(agent_protocol);
    if protocol != agent_protocol {
        return Err(Error::InvalidProtocol { protocol: protocol.name(), expected: agent_protocol.name() });
    }
    let agent_keep_alive = agent_options.is_some_and(|o| o.keep_alive);
    // The socket's mark: `write` returns false when the socket's would, and its `drain` is ours.
    let high_water_mark =
        agent_options.map_or(netcore_tcp::DEFAULT_HIGH_WATER_MARK, |o| o.socket.high_water_mark);
    let user_close = options.get_header("connection").is_some_and(|v| v.eq_ignore_ascii_case(b"close"));
    let has_host = options.get_header("host").is_some();
    let expect_continue =
        options.get_header("expect").is_some_and(|v| v.trim_ascii().eq_ignore_ascii_case(b"100-continue"));
    let idempotent = is_idempotent(&options.method);
    let route = options.route(protocol);
    let path = options.target(protocol);
    let mut headers = std::mem::take(&mut options.headers);
    // Node's `auth`: `Authorization: Basic …` unless the caller set one.
    if let Some(auth) = options.auth.as_deref().filter(|_| !has_field(&headers, "authorization")) {
        headers.push(("Authorization".into(), basic_credentials(auth).into_bytes()));
    }
    // An absolute-form request carries the proxy's credentials itself; a tunnel's go on the
    // `CONNECT`.
    if route.tunnel.is_none() && !has_field(&headers, "proxy-authorization") {
        if let Some(auth) = options.proxy.as_ref().and_then(|p| p.authorization()) {
            headers.push(("Proxy-Authorization".into(), auth.into_bytes()));
        }
    }
    let x = Exchange {
        path,
        route,
        host_header: (options.set_host && !has_host)
            .then(|| authority(&options.host, options.port, Some(protocol.default_port()))),
        method: options.method,
        headers,
        agent,
        handler: Some(handler),
        conn: None,
        queued: false,
        head_sent: false,
        body: BodyLength::None,
        written: 0,
        chunked: ChunkedEncoder::new(),
        trailers: Vec::new(),
        ended: false,
        out: Vec::new(),
        held: Vec::new(),
        expect_continue,
        continued: false,
        continue_timeout: options.continue_timeout,
        continue_timer: None,
        replay: idempotent.then(Vec::new),
        retried: false,
        reused: false,
        keep_alive: agent_keep_alive && !user_close,
        need_drain: false,
        flush_queued: false,
        high_water_mark,
        timeout: options.timeout,
        abort_on_timeout: options.abort_on_timeout,
        response_started: false,
        closing: false,
        error: None,
    };
    // Refuse a method, path or header that cannot be written now, not at the first write.
    let mut scratch = Vec::new();
    let framing = match (x.user_header("content-length"), x.user_header("transfer-encoding")) {
        (Some(v), _) => parse_length(v).map_or(BodyLength::None, BodyLength::Known),
        (None, Some(_)) => BodyLength::Chunked,
        (None, None) => BodyLength::None,
    };
    x.write_head(&mut scratch, framing).map_err(Error::InvalidHead)?;
    if let Some(tunnel) = &x.route.tunnel {
        tunnel.write_connect(&mut scratch).map_err(Error::InvalidHead)?;
    }
    let route = x.route.clone();
    // The socket keeps the loop alive, not the request's state.
    let id = lp.insert_handle(x, no_ready);
    lp.unref_handle(id);
    agent::add_request(lp, agent, &route, id);
    Ok(ClientRequestId(id))
}

fn has_field(headers: &[(String, Vec<u8>)], name: &str) -> bool {
    headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name))
}

impl Exchange {
    fn user_header(&self, name: &str) -> Option<&[u8]> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| &v[..])
    }

    /// The head: `Host` first (RFC 9110 §7.2: a user agent SHOULD send it first), the caller's
    /// fields in order, then `Connection` unless the caller set it.
    fn write_head(&self, out: &mut Vec<u8>, body: BodyLength) -> Result<(), EncodeError> {
        let mut fields: Vec<(&str, &[u8])> = Vec::with_capacity(self.headers.len() + 2);
        if let Some(host) = &self.host_header {
            fields.push(("Host", host.as_bytes()));
        }
        fields.extend(self.headers.iter().map(|(n, v)| (n.as_str(), &v[..])));
        if self.user_header("connection").is_none() {
            fields.push(("Connection", if self.keep_alive { b"keep-alive" } else { b"close" }));
        }
        write_request_head(out, &self.method, &self.path, 1, &fields, body)
    }

    fn waiting_for_continue(&self) -> bool {
        self.expect_continue && !self.continued
    }

    /// Bytes waiting to go out, the socket's queue included.
    fn backlog(&self, lp: &EventLoop) -> usize {
        let socket = self.conn.and_then(|c| conn::socket(lp, c));
        self.out.len() + self.held.len() + socket.map_or(0, |s| s.writable_length(lp))
    }
}

/// Runs a handler callback with the handler taken out of the state, then puts it back.
pub(crate) fn call(
    lp: &mut EventLoop,
    id: HandleId,
    f: impl FnOnce(&mut dyn ResponseHandler, &mut ClientRequest<'_>),
) {
    let Some(mut h) = get(lp, id).and_then(|x| x.handler.take()) else { return };
    f(&mut *h, &mut ClientRequest { lp, id: ClientRequestId(id) });
    if let Some(x) = get(lp, id) {
        if x.handler.is_none() {
            x.handler = Some(h);
        }
    }
}

/// Writes body bytes (the head first, if it is not out yet); `last` ends the request. Returns
/// false past the high-water mark, or if the request cannot take the bytes.
pub(crate) fn write_body(
    lp: &mut EventLoop,
    id: HandleId,
    data: &[u8],
    last: bool,
    flush_only: bool,
) -> bool {
    let Some(x) = get(lp, id) else { return false };
    if x.closing || x.ended {
        return false;
    }
    if !x.head_sent {
        let first = if flush_only {
            FirstCall::FlushHeaders
        } else if last {
            FirstCall::End(data.len())
        } else {
            FirstCall::Write
        };
        let body = framing(
            x.user_header("content-length"),
            x.user_header("transfer-encoding").is_some(),
            &x.method,
            first,
        );
        let mut out = std::mem::take(&mut x.out);
        let written = x.write_head(&mut out, body);
        x.out = out;
        if let Err(e) = written {
            fail(lp, id, Error::InvalidHead(e));
            return false;
        }
        x.body = body;
        x.head_sent = true;
    }
    let held = x.waiting_for_continue();
    let Exchange { out, held: held_buf, chunked, .. } = x;
    let sink = if held { held_buf } else { out };
    let len = data.len() as u64;
    match x.body {
        BodyLength::Known(n) => {
            if x.written + len > n {
                let written = x.written + len;
                fail(lp, id, Error::BodyLengthMismatch { expected: n, written });
                return false;
            }
            sink.extend_from_slice(data);
        }
        BodyLength::Chunked => chunked.encode_chunk(data, sink),
        // A body on a request framed without one has nowhere to go.
        BodyLength::None | BodyLength::UntilClose => {
            if !data.is_empty() {
                return false;
            }
        }
    }
    x.written += len;
    if last {
        if let BodyLength::Known(n) = x.body {
            if x.written != n {
                let written = x.written;
                fail(lp, id, Error::BodyLengthMismatch { expected: n, written });
                return false;
            }
        }
        if x.body == BodyLength::Chunked {
            let sink = if held { &mut x.held } else { &mut x.out };
            let trailers: Vec<(&str, &[u8])> = x.trailers.iter().map(|(n, v)| (n.as_str(), &v[..])).collect();
            if let Err(e) = x.chunked.encode_end(&trailers, sink) {
                fail(lp, id, Error::InvalidTrailer(e));
                return false;
            }
        }
        x.ended = true;
    }
    schedule_flush(lp, id);
    let Some(x) = peek(lp, id) else { return false };
    let ok = x.backlog(lp) < x.high_water_mark;
    if !ok {
        if let Some(x) = get(lp, id) {
            x.need_drain = true;
        }
    }
    ok
}

/// Sets or replaces a header before the head goes out.
pub(crate) fn set_header(lp: &mut EventLoop, id: HandleId, name: &str, value: &[u8]) -> Result<(), Error> {
    let Some(x) = get(lp, id) else { return Ok(()) };
    if x.head_sent || x.closing {
        return Err(Error::HeadersSent);
    }
    let index = x.headers.iter().position(|(n, _)| n.eq_ignore_ascii_case(name)).unwrap_or(x.headers.len());
    if !crate::proto::encode::is_field_name(name) {
        return Err(Error::InvalidHead(EncodeError::InvalidHeaderName { index }));
    }
    if !crate::proto::encode::is_field_value(value) {
        return Err(Error::InvalidHead(EncodeError::InvalidHeaderValue { index }));
    }
    x.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    let index = index.min(x.headers.len());
    x.headers.insert(index, (name.to_string(), value.to_vec()));
    if name.eq_ignore_ascii_case("expect") {
        x.expect_continue = value.trim_ascii().eq_ignore_ascii_case(b"100-continue");
    }
    if name.eq_ignore_ascii_case("host") {
        x.host_header = None;
    }
    if name.eq_ignore_ascii_case("connection") && value.eq_ignore_ascii_case(b"close") {
        x.keep_alive = false;
    }
    Ok(())
}

/// Adds trailer fields, sent after a chunked body.
pub(crate) fn add_trailers(
    lp: &mut EventLoop,
    id: HandleId,
    trailers: &[(&str, &[u8])],
) -> Result<(), Error> {
    // The encoder checks every field without writing anything on error.
    ChunkedEncoder::new().encode_end(trailers, &mut Vec::new()).map_err(Error::InvalidTrailer)?;
    let Some(x) = get(lp, id) else { return Ok(()) };
    if x.ended || x.closing {
        return Err(Error::HeadersSent);
    }
    x.trailers.extend(trailers.iter().map(|(n, v)| (n.to_string(), v.to_vec())));
    Ok(())
}

fn schedule_flush(lp: &mut EventLoop, id: HandleId) {
    let Some(x) = get(lp, id) else { return };
    if x.flush_queued {
        return;
    }
    x.flush_queued = true;
    lp.next_tick(move |lp| flush(lp, id));
}

/// Hands `out` to the socket in one write (keeping a copy for a retry), and reports `drain`
/// if it was owed and the backlog is below the mark.
fn flush(lp: &mut EventLoop, id: HandleId) {
    let Some(x) = get(lp, id) else { return };
    x.flush_queued = false;
    if x.closing {
        return;
    }
    // Nothing goes out before the connection is ready (a tunnel is open): `tunnel_open` flushes.
    let Some(socket) = x.conn.and_then(|c| conn::ready_socket(lp, c)) else { return };
    let Some(x) = get(lp, id) else { return };
    let mut out = std::mem::take(&mut x.out);
    if !out.is_empty() {
        let hwm = x.high_water_mark;
        if let Some(replay) = &mut x.replay {
            if replay.len() + out.len() <= hwm {
                replay.extend_from_slice(&out);
            } else {
                x.replay = None;
            }
        }
        socket.write(lp, &out);
        out.clear();
        if let Some(x) = get(lp, id) {
            x.out = out;
        }
    }
    arm_continue_timer(lp, id);
    drained(lp, id);
}

/// Once the head is out with `Expect: 100-continue`, the held body waits at most
/// `continue_timeout` for the server's answer.
fn arm_continue_timer(lp: &mut EventLoop, id: HandleId) {
    let Some(x) = get(lp, id) else { return };
    if !x.head_sent || !x.waiting_for_continue() || x.continue_timer.is_some() {
        return;
    }
    let Some(delay) = x.continue_timeout else { return };
    let timer = lp.set_timeout(delay, move |lp| {
        if let Some(x) = get(lp, id) {
            x.continue_timer = None;
        }
        continued(lp, id);
    });
    lp.unref_timer(timer);
    if let Some(x) = get(lp, id) {
        x.continue_timer = Some(timer);
    }
}

fn clear_continue_timer(lp: &mut EventLoop, id: HandleId) {
    if let Some(t) = get(lp, id).and_then(|x| x.continue_timer.take()) {
        lp.clear_timer(t);
    }
}

/// The socket's queue drained (or a flush left the backlog low): `on_drain` if it is owed.
pub(crate) fn drained(lp: &mut EventLoop, id: HandleId) {
    let Some(x) = peek(lp, id) else { return };
    if !x.need_drain || x.closing || x.backlog(lp) >= x.high_water_mark {
        return;
    }
    if let Some(x) = get(lp, id) {
        x.need_drain = false;
    }
    call(lp, id, |h, req| h.on_drain(req));
}

/// The request got connection `c` (fresh, or `reused` from the agent's free list).
pub(crate) fn attach(lp: &mut EventLoop, id: HandleId, c: HandleId, reused: bool) {
    let Some(x) = get(lp, id) else { return };
    x.conn = Some(c);
    x.queued = false;
    x.reused = reused;
    x.response_started = false;
    schedule_flush(lp, id);
}

/// The connection's tunnel opened: what was written so far goes into it.
pub(crate) fn tunnel_open(lp: &mut EventLoop, id: HandleId) {
    schedule_flush(lp, id);
}

/// A byte of the response arrived.
pub(crate) fn response_started(lp: &mut EventLoop, id: HandleId) {
    if let Some(x) = get(lp, id) {
        x.response_started = true;
    }
}

/// `100 Continue` (or no answer within `continue_timeout`): the held body goes out.
pub(crate) fn continued(lp: &mut EventLoop, id: HandleId) {
    clear_continue_timer(lp, id);
    let Some(x) = get(lp, id) else { return };
    if x.waiting_for_continue() {
        x.continued = true;
        let held = std::mem::take(&mut x.held);
        x.out.extend_from_slice(&held);
        schedule_flush(lp, id);
    }
}

/// The final response head arrived. Returns false if the connection cannot carry another
/// request after it: a body held for `100 Continue` was announced and never sent.
pub(crate) fn final_response(lp: &mut EventLoop, id: HandleId) -> bool {
    clear_continue_timer(lp, id);
    let Some(x) = get(lp, id) else { return true };
    if x.waiting_for_continue() && x.head_sent && x.body != BodyLength::None {
        // RFC 9110 §10.1.1: a final status instead of 100 means the body is not wanted.
        x.held = Vec::new();
        x.continued = true;
        return false;
    }
    true
}

/// The response is complete: the request is over. Returns whether it leaves the connection
/// fit for another request (all of it sent, keep-alive allowed).
pub(crate) fn complete(lp: &mut EventLoop, id: HandleId) -> bool {
    let Some(x) = get(lp, id) else { return false };
    let clean = x.ended && x.out.is_empty() && x.held.is_empty() && !x.flush_queued && x.keep_alive;
    x.conn = None;
    finish(lp, id, None);
    clean
}

/// The connection answered with a protocol switch: the handler may take the socket. Returns
/// whether it did.
pub(crate) fn upgraded(
    lp: &mut EventLoop,
    id: HandleId,
    socket: SocketId,
    head: ResponseHead,
    rest: Bytes,
) -> bool {
    let Some(mut h) = get(lp, id).and_then(|x| x.handler.take()) else { return false };
    let mut up = Upgrade { lp, request: ClientRequestId(id), socket, head, rest };
    let taken = h.on_upgrade(&mut up);
    if let Some(x) = get(lp, id) {
        x.handler = Some(h);
        x.conn = None;
    }
    finish(lp, id, None);
    taken
}

/// The socket was idle for the request's timeout.
pub(crate) fn timed_out(lp: &mut EventLoop, id: HandleId) {
    call(lp, id, |h, req| h.on_timeout(req));
    if get(lp, id).is_some_and(|x| x.abort_on_timeout && !x.closing) {
        fail(lp, id, Error::TimedOut);
    }
}

/// Whether a request that lost its connection with `error` is sent again: the keep-alive race
/// (RFC 9112 §9.3.1) on an idempotent request whose every byte is still at hand, once.
pub(crate) fn can_retry(lp: &EventLoop, id: HandleId, error: &Error) -> bool {
    let Some(x) = peek(lp, id) else { return false };
    x.reused
        && !x.response_started
        && !x.retried
        && !x.closing
        && x.replay.is_some()
        && error.is_stale_connection()
        && x.agent.map_or(true, |a| a.is_alive(lp))
}

/// Queues everything sent so far again, for a fresh connection.
pub(crate) fn prepare_retry(lp: &mut EventLoop, id: HandleId) {
    let Some(x) = get(lp, id) else { return };
    x.retried = true;
    x.conn = None;
    let mut out = x.replay.take().unwrap_or_default();
    out.extend_from_slice(&x.out);
    x.out = out;
}

/// The connection died under the request (not retried): the request fails with `error`.
pub(crate) fn connection_lost(lp: &mut EventLoop, id: HandleId, error: Error) {
    if let Some(x) = get(lp, id) {
        x.conn = None;
    }
    finish(lp, id, Some(error));
}

/// Ends the request from its side (`abort`, `destroy`, a misuse, a timeout): its connection,
/// if any, is destroyed; a queued request leaves the queue.
pub(crate) fn fail(lp: &mut EventLoop, id: HandleId, error: Error) {
    stop(lp, id, Some(error));
}

/// [`fail`] without an error (`destroy`).
pub(crate) fn stop(lp: &mut EventLoop, id: HandleId, error: Option<Error>) {
    let Some(x) = get(lp, id) else { return };
    if x.closing {
        return;
    }
    let conn = x.conn.take();
    let queued = std::mem::take(&mut x.queued);
    let (agent, key) = (x.agent, x.route.key.clone());
    if let Some(c) = conn {
        conn::kill(lp, c);
    } else if queued {
        if let Some(a) = agent {
            agent::dequeue(lp, a, &key, id);
        }
    }
    finish(lp, id, error);
}

/// Marks the request over and queues `on_error` (if `error`) and `on_close` for the next tick:
/// a handler is never re-entered from its own callback.
fn finish(lp: &mut EventLoop, id: HandleId, error: Option<Error>) {
    let Some(x) = get(lp, id) else { return };
    if x.closing {
        return;
    }
    x.closing = true;
    x.error = error;
    if let Some(t) = x.continue_timer.take() {
        lp.clear_timer(t);
    }
    let Some(x) = get(lp, id) else { return };
    x.need_drain = false;
    x.out = Vec::new();
    x.held = Vec::new();
    x.replay = None;
    lp.next_tick(move |lp| close(lp, id));
}

fn close(lp: &mut EventLoop, id: HandleId) {
    let Some(x) = get(lp, id) else { return };
    let error = x.error.take();
    if let Some(e) = error {
        call(lp, id, |h, req| h.on_error(req, &e));
    }
    let handler = get(lp, id).and_then(|x| x.handler.take());
    if let Some(mut h) = handler {
        h.on_close(lp);
    }
    lp.remove_handle(id);
}

/// Whether the request is waiting in a queue or on a connection (not over).
pub(crate) fn is_open(lp: &EventLoop, id: HandleId) -> bool {
    peek(lp, id).is_some_and(|x| !x.closing)
}

/// `req.headersSent`.
pub(crate) fn head_sent(lp: &EventLoop, id: HandleId) -> bool {
    peek(lp, id).map_or(true, |x| x.head_sent)
}

/// `req.writableEnded`.
pub(crate) fn ended(lp: &EventLoop, id: HandleId) -> bool {
    peek(lp, id).map_or(true, |x| x.ended || x.closing)
}

/// Whether the request was sent again on a fresh connection after the keep-alive race.
pub(crate) fn retried(lp: &EventLoop, id: HandleId) -> bool {
    peek(lp, id).is_some_and(|x| x.retried)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The caller's `Content-Length`, whether it set `Transfer-Encoding`, the method, the first
    /// body call, and the framing that follows.
    type Case = (Option<&'static [u8]>, bool, &'static str, FirstCall, BodyLength);

    #[test]
    fn framing_follows_node() {
        use FirstCall::*;
        let cases: &[Case] = &[
            (None, false, "GET", End(0), BodyLength::None),
            (None, false, "HEAD", End(0), BodyLength::None),
            (None, false, "DELETE", FlushHeaders, BodyLength::None),
            (None, false, "POST", End(0), BodyLength::Known(0)),
            (None, false, "PATCH", End(5), BodyLength::Known(5)),
            (None, false, "GET", End(5), BodyLength::Known(5)),
            (None, false, "POST", Write, BodyLength::Chunked),
            (None, false, "GET", Write, BodyLength::Chunked),
            (None, false, "PUT", FlushHeaders, BodyLength::Chunked),
            (Some(b"12"), false, "POST", Write, BodyLength::Known(12)),
            (Some(b" 3 "), false, "POST", End(0), BodyLength::Known(3)),
            (Some(b"x"), false, "POST", End(1), BodyLength::None),
            (None, true, "POST", End(3), BodyLength::Chunked),
        ];
        for &(cl, te, method, first, want) in cases {
            assert_eq!(framing(cl, te, method, first), want, "{cl:?} {te} {method} {first:?}");
        }
    }

    #[test]
    fn only_idempotent_methods_are_retried() {
        for m in ["GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"] {
            assert!(is_idempotent(m), "{m}");
        }
        for m in ["POST", "PATCH", "CONNECT", "get"] {
            assert!(!is_idempotent(m), "{m}");
        }
    }
}
