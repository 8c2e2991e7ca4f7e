//! One client connection: a socket, its response decoder, and the request it carries (one at a
//! time: no pipelining).
//!
//! The state lives in the loop's slab; the socket's handler is a thin [`ConnSocket`] that
//! forwards each socket event here, and the request's handler gets the response events.
//!
//! ```text
//!  socket data ─► buf ─► ResponseDecoder ─► on_information / on_response / on_data / on_end
//!                                              │ End, keep-alive: back to the agent (free list
//!                                              │ or the next queued request); else closed
//!                                              └ Upgrade: the socket is handed over
//! ```
//!
//! A connection that tunnels (an `https:` request through a proxy) first writes `CONNECT` on
//! the plain socket and reads the proxy's answer ([`tunnel`](super::tunnel)); its request's
//! bytes wait until the TLS layer is on the socket.

use std::time::Duration;

use bytes::BytesMut;
use netcore::{EventLoop, HandleId, Ready};
use netcore_tcp::{LayerFactory, Socket, SocketHandler, SocketId};

use super::agent::{self, AgentId, AgentOptions, DEFAULT_FREE_SOCKET_TIMEOUT};
use super::error::Error;
use super::exchange;
use super::tunnel::{Handshake, Outcome, Route};
use crate::proto::{Headers, ResponseDecoder, ResponseEvent, ResponseHead};

/// A connection's state, in the loop's slab.
pub(crate) struct Conn {
    socket: Option<SocketId>,
    agent: Option<AgentId>,
    route: Route,
    /// The `CONNECT` in progress, for a connection that tunnels.
    opening: Option<Opening>,
    decoder: ResponseDecoder,
    buf: BytesMut,
    request: Option<HandleId>,
    /// Requests assigned so far.
    served: u32,
    /// Destroyed, ending or handed over: its socket events are ignored.
    dead: bool,
    paused: bool,
    dispatching: bool,
    /// The server ended its side; handled once the buffer is parsed.
    eof: bool,
    /// A 101 (or a 2xx to CONNECT) head, waiting for the decoder's `Upgrade`.
    upgrade: Option<ResponseHead>,
    /// Nothing so far rules out another request on this connection.
    reusable: bool,
    /// The server's `Keep-Alive: timeout=N`, from the last response.
    hint: Option<Duration>,
    /// The agent's idle limit for a free socket (`None`: none).
    free_timeout: Option<Duration>,
    /// Counted in its agent's pool.
    pub(crate) in_agent: bool,
}

/// A tunnel being opened: the proxy's answer so far, and the layer to put on the socket then.
pub(crate) struct Opening {
    handshake: Handshake,
    layer: Option<LayerFactory>,
}

/// The socket's handler: forwards every event to the connection state.
pub(crate) struct ConnSocket {
    conn: HandleId,
}

fn get(lp: &mut EventLoop, conn: HandleId) -> Option<&mut Conn> {
    lp.handle_mut::<Conn>(conn)
}

fn no_ready(_: &mut EventLoop, _: HandleId, _: Ready) {}

/// The connection's socket, once it has one.
pub(crate) fn socket(lp: &EventLoop, conn: HandleId) -> Option<SocketId> {
    lp.handle::<Conn>(conn)?.socket
}

/// The socket requests may be written to: none while a tunnel is being opened.
pub(crate) fn ready_socket(lp: &EventLoop, conn: HandleId) -> Option<SocketId> {
    lp.handle::<Conn>(conn).filter(|c| c.opening.is_none())?.socket
}

/// A new connection's state (not yet connecting) for `agent`'s pool `route.key`.
pub(crate) fn create(lp: &mut EventLoop, agent: Option<AgentId>, route: &Route) -> HandleId {
    let defaults = AgentOptions::default();
    let options = agent.and_then(|a| a.options(lp)).unwrap_or(&defaults);
    let free_timeout = Some(options.free_socket_timeout).filter(|t| !t.is_zero());
    let conn = Conn {
        socket: None,
        agent,
        route: route.clone(),
        opening: None,
        decoder: ResponseDecoder::new(options.limits),
        buf: BytesMut::new(),
        request: None,
        served: 0,
        dead: false,
        paused: false,
        dispatching: false,
        eof: false,
        upgrade: None,
        reusable: true,
        hint: None,
        free_timeout,
        in_agent: false,
    };
    let id = lp.insert_handle(conn, no_ready);
    // The socket keeps the loop alive, not this state.
    lp.unref_handle(id);
    id
}

/// Connects a new connection for request `req`.
pub(crate) fn start(lp: &mut EventLoop, conn: HandleId, req: HandleId) {
    // The request is attached first: a connect that fails at once reports to it.
    take_request(lp, conn, req);
    let Some(c) = lp.handle::<Conn>(conn) else { return };
    let (agent, route) = (c.agent, c.route.clone());
    let agent_options = agent.and_then(|a| a.options(lp));
    let limits = agent_options.map_or_else(Default::default, |o| o.limits);
    let mut options = agent_options.map_or_else(AgentOptions::default_socket, |o| o.socket.clone());
    let mut connect = Vec::new();
    if let Some(tunnel) = &route.tunnel {
        // The proxy is spoken to in plain HTTP; TLS starts inside the tunnel, with the origin.
        let layer = options.layer.take();
        if let Err(e) = tunnel.write_connect(&mut connect) {
            // Checked when the request was made; no socket will ever close this state.
            failed(lp, conn, Error::InvalidHead(e));
            lp.remove_handle(conn);
            return;
        }
        if let Some(c) = get(lp, conn) {
            c.opening = Some(Opening { handshake: Handshake::new(limits), layer });
        }
    }
    let socket = netcore_tcp::connect_with(lp, &route.addr, options, ConnSocket { conn });
    if let Some(c) = get(lp, conn) {
        c.socket.get_or_insert(socket);
    }
    if !connect.is_empty() {
        // Queued until the socket connects.
        socket.write(lp, &connect);
    }
    apply_timeout(lp, conn, req);
}

/// Bytes from the proxy while the tunnel opens: on its 2xx, the TLS layer goes on the socket
/// and the request is written into it; on anything else the request fails.
fn read_connect_answer(lp: &mut EventLoop, conn: HandleId, socket: SocketId, data: &[u8]) {
    let Some(c) = get(lp, conn) else { return };
    let (Some(opening), Some(req)) = (c.opening.as_mut(), c.request) else {
        kill(lp, conn);
        return;
    };
    let outcome = match opening.handshake.read(data) {
        Ok(None) => return,
        Ok(Some(outcome)) => outcome,
        Err(e) => {
            failed(lp, conn, Error::Parse(e));
            return;
        }
    };
    let rest = match outcome {
        Outcome::Open(rest) => rest,
        Outcome::Refused(status) => {
            // The rest of the answer (a 407's body) is not read: the connection is done.
            failed(lp, conn, Error::ProxyTunnel { status });
            return;
        }
    };
    let host = c.route.tunnel.as_ref().map(|t| t.host.clone()).unwrap_or_default();
    let Some(opening) = c.opening.take() else { return };
    if let Some(factory) = opening.layer {
        let layer = match factory.make(&host) {
            Ok(layer) => layer,
            Err(e) => {
                failed(lp, conn, Error::from(e));
                return;
            }
        };
        // Bytes after the proxy's head are the origin's: the layer reads them first.
        socket.set_layer(lp, layer, &rest);
    }
    exchange::tunnel_open(lp, req);
}

/// Gives a live connection (free, or just done with a request) to request `req`.
pub(crate) fn assign(lp: &mut EventLoop, conn: HandleId, req: HandleId) {
    take_request(lp, conn, req);
    if let Some(s) = socket(lp, conn) {
        s.ref_(lp);
    }
    apply_timeout(lp, conn, req);
}

fn take_request(lp: &mut EventLoop, conn: HandleId, req: HandleId) {
    let method = exchange::peek(lp, req).map(|x| x.method.clone()).unwrap_or_default();
    let Some(c) = get(lp, conn) else { return };
    c.request = Some(req);
    // HEAD and CONNECT change how the response is framed.
    c.decoder.expect(&method);
    let reused = c.served > 0;
    c.served += 1;
    c.hint = None;
    exchange::attach(lp, req, conn, reused);
}

/// The request's idle timeout, or none (clearing a free socket's).
fn apply_timeout(lp: &mut EventLoop, conn: HandleId, req: HandleId) {
    let timeout = exchange::peek(lp, req).and_then(|x| x.timeout);
    if let Some(s) = socket(lp, conn) {
        s.set_timeout(lp, timeout.unwrap_or(Duration::ZERO));
    }
}

/// Sets the idle timeout of the request on this connection (`req.setTimeout`).
pub(crate) fn set_timeout(lp: &mut EventLoop, conn: HandleId, timeout: Duration) {
    if let Some(s) = socket(lp, conn) {
        s.set_timeout(lp, timeout);
    }
}

/// The connection joins its agent's free list: it no longer keeps the loop alive, and closes
/// after the free-socket timeout (shortened by the server's `Keep-Alive` hint).
pub(crate) fn idle(lp: &mut EventLoop, conn: HandleId) {
    let Some(c) = get(lp, conn) else { return };
    let timeout = idle_timeout(c);
    let Some(s) = c.socket else { return };
    s.unref(lp);
    s.set_timeout(lp, timeout.unwrap_or(Duration::ZERO));
}

/// How long a free socket may wait: the agent's limit, or one second under the server's
/// `Keep-Alive: timeout=N` if that is sooner (as Node's `agent.keepSocketAlive`), so that we
/// close it before the server does and a request never races the server's close.
fn idle_timeout(c: &Conn) -> Option<Duration> {
    let hinted = c.hint.map(|h| h.saturating_sub(Duration::from_secs(1)));
    match (c.free_timeout, hinted) {
        (Some(a), Some(h)) => Some(a.min(h)),
        (a, h) => a.or(h),
    }
}

/// Destroys the connection now; its request, if any, is the caller's business.
pub(crate) fn kill(lp: &mut EventLoop, conn: HandleId) {
    let Some(c) = get(lp, conn) else { return };
    if c.dead {
        return;
    }
    c.dead = true;
    c.request = None;
    let socket = c.socket;
    leave_agent(lp, conn);
    if let Some(s) = socket {
        s.destroy(lp);
    }
}

/// Closes the connection after a complete response that does not keep it (Node's
/// `destroySoon`): at once if nothing waits to be written, else with a FIN after the queue,
/// bounded by the free-socket timeout. It no longer keeps the loop alive.
fn retire(lp: &mut EventLoop, conn: HandleId) {
    let Some(c) = get(lp, conn) else { return };
    if c.dead {
        return;
    }
    c.dead = true;
    c.request = None;
    let socket = c.socket;
    leave_agent(lp, conn);
    let Some(s) = socket else { return };
    if s.writable_length(lp) == 0 {
        s.destroy(lp);
    } else {
        s.end(lp);
        s.unref(lp);
        s.set_timeout(lp, DEFAULT_FREE_SOCKET_TIMEOUT);
    }
}

fn leave_agent(lp: &mut EventLoop, conn: HandleId) {
    let Some(c) = get(lp, conn) else { return };
    if !std::mem::take(&mut c.in_agent) {
        return;
    }
    let (agent, route) = (c.agent, c.route.clone());
    if let Some(a) = agent {
        agent::remove_conn(lp, a, &route, conn);
    }
}

/// The connection died with `error`: its request is sent again on a fresh connection if it
/// was the keep-alive race, else it fails with `error`.
pub(crate) fn failed(lp: &mut EventLoop, conn: HandleId, error: Error) {
    let Some(c) = get(lp, conn) else { return };
    if c.dead {
        return;
    }
    c.dead = true;
    let req = c.request.take();
    let socket = c.socket;
    let (agent, route, in_agent) = (c.agent, c.route.clone(), c.in_agent);
    if let Some(s) = socket {
        s.destroy(lp);
    }
    let retry = req.filter(|r| exchange::can_retry(lp, *r, &error));
    if let Some(r) = retry {
        exchange::prepare_retry(lp, r);
        let fresh = create(lp, agent, &route);
        if let (true, Some(a)) = (in_agent, agent) {
            // The fresh connection takes the dead one's place in the pool.
            if let Some(c) = get(lp, conn) {
                c.in_agent = false;
            }
            agent::replace_conn(lp, a, &route.key, conn, fresh);
        }
        start(lp, fresh, r);
        return;
    }
    leave_agent(lp, conn);
    if let Some(r) = req {
        exchange::connection_lost(lp, r, error);
    }
}

/// Marks a connection counted in its agent's pool.
pub(crate) fn set_in_agent(lp: &mut EventLoop, conn: HandleId) {
    if let Some(c) = get(lp, conn) {
        c.in_agent = true;
    }
}

/// Pauses or resumes reading the response (its body's backpressure).
pub(crate) fn set_paused(lp: &mut EventLoop, conn: HandleId, paused: bool) {
    let Some(c) = get(lp, conn) else { return };
    if c.dead {
        return;
    }
    c.paused = paused;
    let socket = c.socket;
    let Some(s) = socket else { return };
    if paused {
        s.pause(lp);
    } else {
        s.resume(lp);
        // Whatever is buffered (and a FIN that came meanwhile) is handled on the next tick, as
        // Node's `resume` is: never from inside one of the handler's own callbacks.
        lp.next_tick(move |lp| {
            if get(lp, conn).is_some_and(|c| !c.dispatching && !c.paused) {
                dispatch(lp, conn);
            }
        });
    }
}

impl SocketHandler for ConnSocket {
    fn on_data(&mut self, socket: &mut Socket<'_>, data: &[u8]) {
        let id = socket.id();
        let lp = socket.lp();
        let Some(c) = get(lp, self.conn) else { return };
        if c.dead {
            return;
        }
        c.socket.get_or_insert(id);
        if c.opening.is_some() {
            read_connect_answer(lp, self.conn, id, data);
            return;
        }
        let Some(req) = c.request else {
            // Bytes on a free connection answer nothing: it cannot be trusted with a request.
            kill(lp, self.conn);
            return;
        };
        c.buf.extend_from_slice(data);
        exchange::response_started(lp, req);
        dispatch(lp, self.conn);
    }

    fn on_end(&mut self, socket: &mut Socket<'_>) {
        let lp = socket.lp();
        let Some(c) = get(lp, self.conn) else { return };
        if c.dead {
            return;
        }
        c.eof = true;
        if c.opening.is_some() {
            // The proxy closed before answering the `CONNECT`.
            failed(lp, self.conn, Error::SocketHangUp);
            return;
        }
        if c.request.is_none() {
            // The server closed a free connection: it leaves the pool.
            kill(lp, self.conn);
            return;
        }
        dispatch(lp, self.conn);
    }

    fn on_drain(&mut self, socket: &mut Socket<'_>) {
        let lp = socket.lp();
        let Some(req) = get(lp, self.conn).filter(|c| !c.dead).and_then(|c| c.request) else { return };
        exchange::drained(lp, req);
    }

    fn on_timeout(&mut self, socket: &mut Socket<'_>) {
        let lp = socket.lp();
        let Some(c) = get(lp, self.conn) else { return };
        let (dead, request) = (c.dead, c.request);
        if dead {
            // A retired connection whose FIN did not get through in time.
            socket.destroy();
            return;
        }
        match request {
            Some(req) => exchange::timed_out(lp, req),
            // A free socket idle for its timeout closes.
            None => kill(lp, self.conn),
        }
    }

    fn on_error(&mut self, socket: &mut Socket<'_>, error: &netcore_tcp::Error) {
        let id = socket.id();
        let lp = socket.lp();
        let error = Error::from(error.clone());
        if let Some(c) = get(lp, self.conn) {
            c.socket.get_or_insert(id);
        }
        failed(lp, self.conn, error);
    }

    fn on_close(&mut self, lp: &mut EventLoop, _id: SocketId, _had_error: bool) {
        if get(lp, self.conn).is_some_and(|c| !c.dead) {
            failed(lp, self.conn, Error::SocketHangUp);
        }
        lp.remove_handle(self.conn);
    }
}

/// The server's `Keep-Alive: timeout=N` (seconds), if it sent one.
fn keep_alive_hint(headers: &Headers) -> Option<Duration> {
    headers.tokens("keep-alive").find_map(|param| {
        let (name, value) = std::str::from_utf8(param).ok()?.split_once('=')?;
        if !name.trim().eq_ignore_ascii_case("timeout") {
            return None;
        }
        value.trim().trim_matches('"').parse::<u64>().ok().map(Duration::from_secs)
    })
}

/// Parses what the buffer holds and hands it to the request's handler.
fn dispatch(lp: &mut EventLoop, conn: HandleId) {
    if let Some(c) = get(lp, conn) {
        c.dispatching = true;
    }
    loop {
        let Some(c) = get(lp, conn) else { return };
        if c.dead || c.paused {
            break;
        }
        let Some(req) = c.request else { break };
        let event = match c.decoder.decode(&mut c.buf) {
            Ok(Some(event)) => event,
            Ok(None) => {
                if c.eof {
                    end_of_stream(lp, conn, req);
                }
                break;
            }
            Err(e) => {
                failed(lp, conn, Error::Parse(e));
                break;
            }
        };
        match event {
            ResponseEvent::Informational(head) => {
                if head.status() == 100 {
                    exchange::continued(lp, req);
                    exchange::call(lp, req, |h, r| h.on_continue(r));
                }
                exchange::call(lp, req, |h, r| h.on_information(r, &head));
            }
            ResponseEvent::Head(head) => {
                if c.decoder.info().is_some_and(|i| i.upgrade) {
                    c.upgrade = Some(head);
                    continue;
                }
                c.hint = keep_alive_hint(head.headers());
                if !exchange::final_response(lp, req) {
                    if let Some(c) = get(lp, conn) {
                        c.reusable = false;
                    }
                }
                exchange::call(lp, req, |h, r| h.on_response(r, &head));
            }
            ResponseEvent::Data(data) => exchange::call(lp, req, |h, r| h.on_data(r, data)),
            ResponseEvent::Trailers(trailers) => exchange::call(lp, req, |h, r| h.on_trailers(r, &trailers)),
            ResponseEvent::End => {
                if c.upgrade.is_some() {
                    continue;
                }
                response_complete(lp, conn, req);
            }
            ResponseEvent::Upgrade => {
                upgrade(lp, conn, req);
                break;
            }
        }
    }
    if let Some(c) = get(lp, conn) {
        c.dispatching = false;
    }
}

/// The server ended its side with the buffer parsed: the end of a body read until close, or a
/// response cut short.
fn end_of_stream(lp: &mut EventLoop, conn: HandleId, req: HandleId) {
    let Some(c) = get(lp, conn) else { return };
    match c.decoder.decode_eof() {
        Ok(Some(ResponseEvent::End)) => response_complete(lp, conn, req),
        // Before the response (or between a 1xx and it): "socket hang up".
        Ok(_) => failed(lp, conn, Error::SocketHangUp),
        Err(_) => failed(lp, conn, Error::PrematureClose),
    }
}

/// The response is complete: the connection goes back to its agent (to the next queued request
/// or the free list) if both sides allow, else it is closed; then `on_end`. As in Node, the
/// socket is free before the handler hears of the end, so a request made in `on_end` reuses it.
fn response_complete(lp: &mut EventLoop, conn: HandleId, req: HandleId) {
    let clean = exchange::complete(lp, req);
    release_or_retire(lp, conn, clean);
    exchange::call(lp, req, |h, r| h.on_end(r));
}

fn release_or_retire(lp: &mut EventLoop, conn: HandleId, clean: bool) {
    let Some(c) = get(lp, conn) else { return };
    c.request = None;
    if c.dead {
        return;
    }
    let hint_too_short = c.hint.is_some_and(|h| h <= Duration::from_secs(1));
    let keep = clean
        && c.reusable
        && !c.eof
        && c.buf.is_empty()
        && !c.decoder.is_closed()
        && c.decoder.info().is_some_and(|i| i.keep_alive)
        && !hint_too_short;
    let (agent, key) = (c.agent, c.route.key.clone());
    if keep {
        if let Some(a) = agent {
            if agent::release(lp, a, &key, conn) {
                return;
            }
        }
    }
    retire(lp, conn);
}

/// 101 or a 2xx to CONNECT: the socket goes to the request's handler, with the bytes after the
/// head; declined, it is destroyed.
fn upgrade(lp: &mut EventLoop, conn: HandleId, req: HandleId) {
    let Some(c) = get(lp, conn) else { return };
    let (Some(head), Some(socket)) = (c.upgrade.take(), c.socket) else {
        failed(lp, conn, Error::SocketHangUp);
        return;
    };
    c.dead = true;
    c.request = None;
    let rest = c.buf.split().freeze();
    leave_agent(lp, conn);
    socket.set_timeout(lp, Duration::ZERO);
    if !exchange::upgraded(lp, req, socket, head, rest) {
        socket.destroy(lp);
    }
    lp.remove_handle(conn);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::{parse_response, Limits};

    fn hint(value: &str) -> Option<Duration> {
        let raw = format!("HTTP/1.1 200 OK\r\nKeep-Alive: {value}\r\n\r\n");
        let (_, head) = parse_response(raw.as_bytes(), &Limits::default()).unwrap().unwrap();
        keep_alive_hint(head.headers())
    }

    #[test]
    fn reads_the_keep_alive_timeout() {
        assert_eq!(hint("timeout=5"), Some(Duration::from_secs(5)));
        assert_eq!(hint("timeout=5, max=1000"), Some(Duration::from_secs(5)));
        assert_eq!(hint("max=10, Timeout = 2"), Some(Duration::from_secs(2)));
        assert_eq!(hint("timeout=\"7\""), Some(Duration::from_secs(7)));
        assert_eq!(hint("max=10"), None);
        assert_eq!(hint("timeout=soon"), None);
        assert_eq!(hint("timeout=-1"), None);
    }

    #[test]
    fn a_free_socket_leaves_a_second_before_the_server_would_close_it() {
        let secs = Duration::from_secs;
        let timeout = |free: Option<Duration>, hint: Option<Duration>| {
            let mut conn = Conn {
                socket: None,
                agent: None,
                route: Route::direct(String::new()),
                opening: None,
                decoder: ResponseDecoder::new(Limits::default()),
                buf: BytesMut::new(),
                request: None,
                served: 0,
                dead: false,
                paused: false,
                dispatching: false,
                eof: false,
                upgrade: None,
                reusable: true,
                hint: None,
                free_timeout: free,
                in_agent: false,
            };
            conn.hint = hint;
            idle_timeout(&conn)
        };
        assert_eq!(timeout(Some(secs(4)), None), Some(secs(4)));
        assert_eq!(timeout(Some(secs(4)), Some(secs(5))), Some(secs(4)));
        assert_eq!(timeout(Some(secs(4)), Some(secs(2))), Some(secs(1)));
        assert_eq!(timeout(None, Some(secs(3))), Some(secs(2)));
        assert_eq!(timeout(None, None), None);
    }
}
