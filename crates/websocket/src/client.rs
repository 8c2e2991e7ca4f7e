//! Node `ws`'s client, `new WebSocket(url, protocols, options)`: the opening handshake over a
//! `netcore-tcp` connection, then the same connection machinery as the server's, as
//! [`Role::Client`] (masked frames out, the server closes TCP first).
//!
//! ```text
//!  connect(url) ─► WebSocketId at once ─► TCP connect ─► GET /path HTTP/1.1 … Sec-WebSocket-Key
//!  response head (≤ Limits) ─► parse_response ─► verify_response (accept key, protocol, deflate)
//!    ├─ 1xx but 101 (100 Continue, 103 Early Hints) ─► skipped, the next head is parsed
//!    ├─ 101 as asked ─► on_open, frames (the bytes after the head first) ─► … ─► on_close(code)
//!    └─ anything else ─► on_error (ECONNREFUSED, WS_ERR_UNEXPECTED_RESPONSE, timeout…) ─► on_close(1006)
//! ```
//!
//! The connection's [`WebSocketId`] exists from the start: `close` or `terminate` before the
//! handshake is done aborts it (`on_error` with [`Error::ClosedBeforeOpen`], then `on_close`
//! with 1006, as Node `ws`); `send` returns false and `ping` is [`Error::NotOpen`] until
//! `on_open`.
//!
//! Defaults, as Node `ws` where it has one: permessage-deflate offered (with
//! `client_max_window_bits`, so the server may limit our window), 100 MiB messages, a 30 s close
//! timeout, `TCP_NODELAY`; and, where `ws` has no limit, a [`DEFAULT_HANDSHAKE_TIMEOUT`] of 30 s
//! for the whole opening handshake and `netcore_http1`'s head limits for the response (16 KiB,
//! 100 fields).
//!
//! `wss:` is the same over a TLS socket: [`ClientOptions::socket`] carries the TLS layer
//! (`netcore_tls::wss::connect` sets it from a TLS configuration); without a layer a `wss:` URL
//! is refused, and with one a `ws:` URL is.

use std::time::Duration;

use bytes::BytesMut;
use netcore::{EventLoop, HandleId, Ready, TimerId};
use netcore_http1::client::Url;
use netcore_http1::proto::{parse_response, Limits};
use netcore_tcp::{Socket, SocketHandler, SocketId, SocketOptions};

use crate::conn::{self, Setup, WebSocketId, DEFAULT_CLOSE_TIMEOUT, DEFAULT_HIGH_WATER_MARK};
use crate::error::Error;
use crate::handler::WebSocketHandler;
use crate::proto::extension::DeflateConfig;
use crate::proto::handshake::{verify_response, write_request, ClientKey};
use crate::proto::session::DEFAULT_MAX_MESSAGE_SIZE;
use crate::proto::{Config, MaskRng, Role};

/// The time the whole opening handshake may take, from the TCP connect to the last byte of the
/// server's `101` head (30 s, like the close timeout). Node `ws` has no default
/// (`handshakeTimeout` unset): a server that accepts the TCP connection and never answers would
/// hold the connection forever.
pub const DEFAULT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(30);

/// A client connection's settings (Node `ws`'s `protocols` and `WebSocket` options).
/// `Default`: no subprotocol, no extra header, permessage-deflate offered, 30 s handshake
/// timeout, 100 MiB messages, 30 s close timeout, 64 KiB high-water mark, `netcore_http1`'s head
/// limits for the response, `TCP_NODELAY`.
///
/// ```
/// use std::time::Duration;
/// use netcore_websocket::client::ClientOptions;
///
/// let mut options = ClientOptions::default().protocol("chat").header("Origin", "http://example.com");
/// options.handshake_timeout = Some(Duration::from_secs(5));
/// options.deflate = None; // no permessage-deflate offer
/// assert_eq!(options.protocols, ["chat"]);
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ClientOptions {
    /// The subprotocols offered (`protocols`), in order of preference: distinct tokens. The
    /// server may choose one or none. Default none.
    pub protocols: Vec<String>,
    /// Extra request header fields (`headers`): `Origin`, cookies, authorization… Don't set
    /// the handshake's own (`Upgrade`, `Connection`, `Sec-WebSocket-*`). Default none.
    pub headers: Vec<(String, Vec<u8>)>,
    /// The permessage-deflate offer (`perMessageDeflate`): `Some` (default,
    /// `DeflateConfig::default()`, as Node `ws` offers it) or `None` for no offer. A server
    /// may accept it with `client_max_window_bits`, `client_no_context_takeover` or a smaller
    /// `server_max_window_bits`; our compressor and inflater honour any of them.
    pub deflate: Option<DeflateConfig>,
    /// The most the opening handshake may take (`handshakeTimeout`), from the connect to the
    /// response head's last byte; then the socket is destroyed and the handler hears
    /// [`Error::HandshakeTimeout`]. Default [`DEFAULT_HANDSHAKE_TIMEOUT`] (30 s); `None`: no
    /// limit.
    pub handshake_timeout: Option<Duration>,
    /// The largest message and frame accepted (`maxPayload`, default 100 MiB); beyond: 1009.
    pub max_payload: usize,
    /// The wait for the closing handshake (and then for the server to close TCP) before the
    /// socket is destroyed (default 30 s).
    pub close_timeout: Duration,
    /// Bytes queued beyond which `send` returns false (default 64 KiB).
    pub high_water_mark: usize,
    /// The limits on the server's response head (default `Limits::default()`: 16 KiB, 100
    /// fields); beyond them the handshake fails with [`Error::InvalidResponse`].
    pub limits: Limits,
    /// The TCP socket's options (default: `SocketOptions::default()` with `no_delay`, as
    /// Node `ws` sets on its sockets). A [`layer`](SocketOptions::layer) (TLS, from
    /// `netcore_tls`) makes the connection `wss:`: the URL must then be `wss:` (or `https:`).
    pub socket: SocketOptions,
}

impl Default for ClientOptions {
    fn default() -> Self {
        let mut socket = SocketOptions::default();
        socket.no_delay = true;
        Self {
            protocols: Vec::new(),
            headers: Vec::new(),
            deflate: Some(DeflateConfig::default()),
            handshake_timeout: Some(DEFAULT_HANDSHAKE_TIMEOUT),
            max_payload: DEFAULT_MAX_MESSAGE_SIZE,
            close_timeout: DEFAULT_CLOSE_TIMEOUT,
            high_water_mark: DEFAULT_HIGH_WATER_MARK,
            limits: Limits::default(),
            socket,
        }
    }
}

impl ClientOptions {
    /// Adds a subprotocol to offer, after those already listed.
    pub fn protocol(mut self, protocol: &str) -> Self {
        self.protocols.push(protocol.to_owned());
        self
    }

    /// Adds a request header field.
    pub fn header(mut self, name: &str, value: impl AsRef<[u8]>) -> Self {
        self.headers.push((name.to_owned(), value.as_ref().to_vec()));
        self
    }
}

/// Opens a WebSocket connection to `url` (`new WebSocket(url, protocols, options)`):
/// `ws://host[:port][/path][?query]` (`http:` is taken as `ws:`, as Node `ws` does; a fragment
/// is dropped), or `wss://` (port 443 by default; `https:` alike) when
/// [`ClientOptions::socket`] carries a TLS layer (see `netcore_tls::wss::connect`). Returns the
/// connection's id at once; `handler` hears `on_open` once the server accepted, or `on_error` and `on_close` (1006) if the connection or the handshake fails: a
/// refused or reset connection ([`Error::Socket`], `ECONNREFUSED`…), a response other than
/// `101` ([`HandshakeError::UnexpectedResponse`](crate::proto::handshake::HandshakeError) with
/// its status, Node `ws`'s `unexpected-response`), a `101` that breaks RFC 6455 §4.1
/// ([`Error::Handshake`]), a malformed or oversized head ([`Error::InvalidResponse`]), the
/// server closing first ([`Error::SocketHangUp`]), or the [`ClientOptions::handshake_timeout`].
///
/// Credentials in the URL (`ws://user:pass@host/`) go out as `Authorization: Basic`, as `ws`
/// sends them, unless [`ClientOptions::headers`] has an `Authorization` of its own.
///
/// Errors returned here are the caller's: a URL that is not `ws:` or `wss:`, or whose scheme
/// does not match the socket (`wss:` without a TLS layer, `ws:` with one) ([`Error::InvalidUrl`]),
/// a subprotocol that is not a token or is repeated, or a header that cannot be written
/// ([`Error::Handshake`]).
///
/// ```
/// use bytes::Bytes;
/// use netcore_websocket::client::{connect, ClientOptions};
/// use netcore_websocket::server::{listen, ServerOptions};
/// use netcore_websocket::{WebSocket, WebSocketHandler};
///
/// /// Says hello, prints the answer, closes; then stops the server so the loop can end.
/// struct Hello {
///     server: netcore_http1::server::ServerId,
/// }
///
/// impl WebSocketHandler for Hello {
///     fn on_open(&mut self, ws: &mut WebSocket<'_>) {
///         ws.send_text("hello");
///     }
///     fn on_message(&mut self, ws: &mut WebSocket<'_>, data: Bytes, _is_binary: bool) {
///         assert_eq!(&data[..], b"hello");
///         ws.close(1000, "bye").unwrap();
///     }
///     fn on_close(&mut self, lp: &mut netcore::EventLoop, code: u16, reason: &[u8]) {
///         assert_eq!((code, reason), (1000, &b"bye"[..]));
///         self.server.close(lp);
///     }
/// }
///
/// let mut lp = netcore::EventLoop::new()?;
/// // An echo server on the same loop.
/// let server = listen(&mut lp, "127.0.0.1:0", ServerOptions::default(), |_head: &_| {
///     |ws: &mut WebSocket<'_>, data: Bytes, is_binary: bool| {
///         ws.send(&data, is_binary);
///     }
/// })?;
/// let url = format!("ws://{}/", server.address(&lp).unwrap());
/// connect(&mut lp, &url, ClientOptions::default(), Hello { server })?;
/// lp.run()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn connect(
    lp: &mut EventLoop,
    url: &str,
    options: ClientOptions,
    handler: impl WebSocketHandler,
) -> Result<WebSocketId, Error> {
    let target = Target::parse(url, options.socket.layer.is_some())?;
    let key = ClientKey::generate(&mut MaskRng::from_entropy());
    let mut request = Vec::new();
    {
        let protocols: Vec<&str> = options.protocols.iter().map(String::as_str).collect();
        let mut headers: Vec<(&str, &[u8])> =
            options.headers.iter().map(|(name, value)| (name.as_str(), value.as_slice())).collect();
        // `ws://user:pass@host/`: Basic credentials, as `ws` sends them, unless set by hand.
        let authorization = target.auth.as_deref().map(netcore_http1::client::basic_credentials);
        if let Some(value) = &authorization {
            if !headers.iter().any(|(name, _)| name.eq_ignore_ascii_case("authorization")) {
                headers.push(("Authorization", value.as_bytes()));
            }
        }
        // RFC 6455 §4.1 item 4, RFC 9110 §7.2: `Host` carries the port unless it is the default.
        let port = (target.port != target.default_port()).then_some(target.port);
        write_request(
            &mut request,
            &target.host,
            port,
            &target.path,
            &key,
            &protocols,
            options.deflate.as_ref(),
            &headers,
        )?;
    }
    let ClientOptions {
        protocols,
        deflate,
        handshake_timeout,
        max_payload,
        close_timeout,
        high_water_mark,
        limits,
        socket: socket_options,
        ..
    } = options;
    // The handshake's state goes into the loop first: a connect that fails at once reports to
    // it (and the report reaches the application from the socket's `close`, on a later turn).
    let opening = Opening {
        ws: None,
        socket: None,
        key,
        protocols,
        deflate: deflate.filter(|d| d.enabled),
        limits,
        head: BytesMut::new(),
        timer: None,
        error: None,
    };
    let handle = lp.insert_handle(opening, no_ready);
    // The socket keeps the loop alive, not this state.
    lp.unref_handle(handle);
    let socket = netcore_tcp::connect_with(lp, &target.authority(), socket_options, OpeningSocket { handle });
    // Queued until the connection is up.
    socket.write(lp, &request);
    let config = Config { max_frame_size: max_payload, max_message_size: max_payload, ..Config::default() };
    let setup =
        Setup { role: Role::Client, config, deflate: None, close_timeout, high_water_mark, protocol: None };
    let ws = conn::create_opening(lp, socket, setup, Box::new(handler));
    let timer = handshake_timeout.map(|t| {
        let timer = lp.set_timeout(t, move |lp| timed_out(lp, handle));
        lp.unref_timer(timer);
        timer
    });
    if let Some(o) = lp.handle_mut::<Opening>(handle) {
        o.ws = Some(ws);
        o.socket = Some(socket);
        o.timer = timer;
    }
    Ok(ws)
}

/// Where a `ws:` or `wss:` URL points.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Target {
    /// `wss:` (or `https:`).
    secure: bool,
    /// Lowercase, without IPv6 brackets.
    host: String,
    port: u16,
    /// The path and query, at least `/`.
    path: String,
    /// `user:password` from the URL, percent-decoded: sent as `Authorization: Basic` (as `ws`).
    auth: Option<String>,
}

impl Target {
    /// `ws://host[:port][/path][?query][#fragment]` (or `http:`), or `wss:` (or `https:`): the
    /// secure schemes only on a socket with a TLS layer (`tls`), the plain ones only without.
    fn parse(url: &str, tls: bool) -> Result<Target, Error> {
        let invalid = |reason: String| Error::InvalidUrl { url: url.to_owned(), reason };
        let trimmed = url.trim_matches(|c: char| c.is_ascii_whitespace() || c.is_ascii_control());
        let Some((scheme, rest)) = trimmed.split_once("://") else {
            return Err(invalid("no ws:// scheme".to_owned()));
        };
        let secure = match scheme.to_ascii_lowercase().as_str() {
            "ws" | "http" => false,
            "wss" | "https" => true,
            _ => return Err(invalid(format!("the scheme must be ws or wss, not {scheme:?}"))),
        };
        if secure && !tls {
            return Err(invalid(format!(
                "{scheme}: needs tls on the socket: connect with netcore_tls::wss::connect"
            )));
        }
        if !secure && tls {
            return Err(invalid(format!("{scheme}: on a tls socket: use a wss: url")));
        }
        // The rest is what an `http:` (`https:`) URL has: `netcore_http1`'s parser checks it.
        let base = if secure { "https" } else { "http" };
        let parsed = Url::parse(&format!("{base}://{rest}")).map_err(|e| invalid(e.to_string()))?;
        Ok(Target {
            secure,
            host: parsed.host().to_owned(),
            port: parsed.port(),
            path: parsed.path().to_owned(),
            auth: parsed.auth().map(str::to_owned),
        })
    }

    /// The port a URL without one means, left out of `Host` (RFC 6455 §3: 80, or 443 for wss).
    fn default_port(&self) -> u16 {
        if self.secure {
            443
        } else {
            80
        }
    }

    /// `host:port` for `netcore_tcp::connect` (an IPv6 address bracketed).
    fn authority(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

/// A client connection during its opening handshake, in the loop's handle table until the
/// handshake succeeds or the socket closes.
struct Opening {
    /// The connection the application holds (set right after the connect starts).
    ws: Option<WebSocketId>,
    socket: Option<SocketId>,
    key: ClientKey,
    protocols: Vec<String>,
    /// The offer we made, if any.
    deflate: Option<DeflateConfig>,
    limits: Limits,
    /// The response head so far (at most the limits' size: the parser fails beyond).
    head: BytesMut,
    timer: Option<TimerId>,
    /// Why the handshake failed, reported when the socket has closed.
    error: Option<Error>,
}

fn no_ready(_: &mut EventLoop, _: HandleId, _: Ready) {}

fn opening(lp: &mut EventLoop, handle: HandleId) -> Option<&mut Opening> {
    lp.handle_mut::<Opening>(handle)
}

/// The handshake fails with `error` (the first one counts): the socket is destroyed, and its
/// `close` reports.
fn fail(lp: &mut EventLoop, handle: HandleId, error: Error) {
    let Some(o) = opening(lp, handle) else { return };
    o.error.get_or_insert(error);
    if let Some(socket) = o.socket {
        socket.destroy(lp);
    }
}

fn timed_out(lp: &mut EventLoop, handle: HandleId) {
    if let Some(o) = opening(lp, handle) {
        o.timer = None;
    }
    fail(lp, handle, Error::HandshakeTimeout);
}

/// Bytes of the server's answer: once the head is complete, the connection opens or fails.
fn response(lp: &mut EventLoop, handle: HandleId, socket: SocketId, data: &[u8]) {
    let Some(o) = opening(lp, handle) else { return };
    if o.error.is_some() {
        return;
    }
    o.head.extend_from_slice(data);
    // A head ends with a line feed: without one in these bytes it is still incomplete (parsing
    // again would only cost, a byte at a time quadratically), unless it outgrew the limit.
    if !data.contains(&b'\n') && o.head.len() <= o.limits.max_header_size {
        return;
    }
    let verdict = loop {
        match parse_response(&o.head, &o.limits) {
            Ok(None) => return,
            Err(e) => break Err(Error::InvalidResponse(e)),
            // RFC 9110 §15.2: a client must be able to parse one or more 1xx responses before
            // the final one (100 Continue, 103 Early Hints…): skipped, each head within the
            // limits. `101` is the final answer to an upgrade (§15.2.2).
            Ok(Some((len, head))) if is_interim(head.status()) => {
                let _ = o.head.split_to(len);
            }
            Ok(Some((len, head))) => {
                let protocols: Vec<&str> = o.protocols.iter().map(String::as_str).collect();
                break match verify_response(&head, &o.key, &protocols, o.deflate.as_ref()) {
                    Ok(accepted) => Ok((len, accepted)),
                    Err(e) => Err(Error::Handshake(e)),
                };
            }
        }
    };
    let (len, accepted) = match verdict {
        Ok(done) => done,
        Err(e) => return fail(lp, handle, e),
    };
    // RFC 7692 §7.1: our compressor and inflater follow the agreed parameters, with our
    // threshold and level.
    let deflate = match (accepted.deflate, o.deflate) {
        (Some(params), Some(config)) => Some((params, config.threshold, config.level)),
        _ => None,
    };
    // Whatever followed the head is the server's first frames.
    let rest = o.head.split_off(len);
    let ws = o.ws;
    let Some(Ok(o)) = lp.remove_handle(handle).map(|state| state.downcast::<Opening>()) else { return };
    if let Some(t) = o.timer {
        lp.clear_timer(t);
    }
    let Some(events) = ws.and_then(|ws| conn::open(lp, ws, deflate, accepted.protocol.clone())) else {
        socket.destroy(lp);
        return;
    };
    // The socket's events go to the connection from now on (this handler is dropped when the
    // current callback returns).
    socket.set_handler(lp, events);
    if let Some(ws) = ws {
        conn::start(lp, ws, &rest);
    }
}

/// An informational (1xx) status other than `101`: an interim response the client skips.
fn is_interim(status: u16) -> bool {
    (100..200).contains(&status) && status != 101
}

/// The socket closed before the handshake succeeded: the application hears why.
fn closed(lp: &mut EventLoop, handle: HandleId) {
    let Some(Ok(o)) = lp.remove_handle(handle).map(|state| state.downcast::<Opening>()) else { return };
    if let Some(t) = o.timer {
        lp.clear_timer(t);
    }
    // No error of ours or the socket's: the application closed or terminated the connection.
    let error = o.error.unwrap_or(Error::ClosedBeforeOpen);
    if let Some(ws) = o.ws {
        conn::fail_opening(lp, ws, &error);
    }
}

/// The socket's events during the opening handshake.
struct OpeningSocket {
    handle: HandleId,
}

impl SocketHandler for OpeningSocket {
    fn on_data(&mut self, socket: &mut Socket<'_>, data: &[u8]) {
        let id = socket.id();
        response(socket.lp(), self.handle, id, data);
    }

    fn on_end(&mut self, socket: &mut Socket<'_>) {
        // The server closed before its head was complete (Node: "socket hang up").
        fail(socket.lp(), self.handle, Error::SocketHangUp);
    }

    fn on_error(&mut self, socket: &mut Socket<'_>, error: &netcore_tcp::Error) {
        let error = Error::Socket(error.clone());
        fail(socket.lp(), self.handle, error);
    }

    fn on_close(&mut self, lp: &mut EventLoop, _id: SocketId, _had_error: bool) {
        closed(lp, self.handle);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(url: &str) -> Result<(String, u16, String), String> {
        Target::parse(url, false).map(|t| (t.host, t.port, t.path)).map_err(|e| e.to_string())
    }

    #[test]
    fn parses_ws_urls() {
        let cases: &[(&str, (&str, u16, &str))] = &[
            ("ws://a", ("a", 80, "/")),
            ("WS://A.Example:8080/chat?x=1#frag", ("a.example", 8080, "/chat?x=1")),
            (
                "ws://127.0.0.1:9001/runCase?case=1&agent=netcore",
                ("127.0.0.1", 9001, "/runCase?case=1&agent=netcore"),
            ),
            ("ws://[::1]:3000", ("::1", 3000, "/")),
            ("http://a/b", ("a", 80, "/b")),
        ];
        for (url, (host, port, path)) in cases {
            assert_eq!(target(url), Ok(((*host).to_owned(), *port, (*path).to_owned())), "{url}");
        }
        let t = Target::parse("ws://[::1]:3000", false).unwrap();
        assert_eq!(t.authority(), "[::1]:3000");
        let t = Target::parse("ws://us%20er:p%40ss@a/", false).unwrap();
        assert_eq!((t.host.as_str(), t.auth.as_deref()), ("a", Some("us er:p@ss")));
    }

    #[test]
    fn parses_wss_urls_for_a_tls_socket() {
        for (url, port) in [("wss://a/x", 443), ("WSS://a:8443/x", 8443), ("https://a/x", 443)] {
            let t = Target::parse(url, true).unwrap_or_else(|e| panic!("{url}: {e}"));
            assert_eq!((t.secure, t.host.as_str(), t.port, t.path.as_str()), (true, "a", port, "/x"));
            assert_eq!(t.default_port(), 443);
        }
        let e = Target::parse("ws://a/", true).unwrap_err();
        assert!(e.to_string().contains("use a wss: url"), "{e}");
        assert_eq!(e.code(), "ERR_INVALID_URL");
    }

    #[test]
    fn refuses_other_urls() {
        for url in [
            "wss://a/",
            "https://a/",
            "ftp://a/",
            "a:80",
            "ws://",
            "ws://a:0/",
            "ws://a/b c",
            "ws://u:%zz@a/",
        ] {
            let e = Target::parse(url, false).unwrap_err();
            assert!(matches!(e, Error::InvalidUrl { .. }), "{url}: {e}");
            assert_eq!(e.code(), "ERR_INVALID_URL");
        }
        assert!(target("wss://a/").unwrap_err().contains("netcore_tls::wss::connect"));
    }
}
