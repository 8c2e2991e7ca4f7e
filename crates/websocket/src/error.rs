//! The binding's error: what the sans-IO core, the handshake or the socket reported.

use std::fmt;

use crate::proto::handshake::HandshakeError;

/// Why a WebSocket operation or connection failed.
///
/// ```
/// use netcore_websocket::{Error, WebSocket, WebSocketHandler};
///
/// struct Log;
/// impl WebSocketHandler for Log {
///     fn on_message(&mut self, _ws: &mut WebSocket<'_>, _data: bytes::Bytes, _is_binary: bool) {}
///     fn on_error(&mut self, _ws: &mut WebSocket<'_>, error: &Error) {
///         // Node's name, and the close code the connection is failed with, if the peer broke a rule.
///         eprintln!("{error} ({}), close code {:?}", error.code(), error.close_code());
///     }
/// }
/// let e = Error::Protocol(netcore_websocket::proto::Error::InvalidUtf8 { offset: 3 });
/// assert_eq!((e.code(), e.close_code()), ("WS_ERR_INVALID_UTF8", Some(1007)));
/// # let _ = Log;
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A framing rule broken by the peer (the connection is failed with
    /// [`proto::Error::close_code`](crate::proto::Error::close_code)), or a send this side may
    /// not make (after its Close, a control payload over 125 bytes…).
    Protocol(crate::proto::Error),
    /// The opening handshake failed.
    Handshake(HandshakeError),
    /// The socket failed (`ECONNRESET`, `EPIPE`…).
    Socket(netcore_tcp::Error),
    /// The server refused the upgrade with this status (a path it does not serve).
    Rejected {
        /// The HTTP status sent.
        status: u16,
    },
    /// Client: the URL cannot be connected to (Node `ws` throws a `SyntaxError`): not
    /// `ws://host[:port][/path][?query]` or `wss://…`, or a `wss:` URL on a socket without a TLS
    /// layer (use `netcore_tls::wss::connect`), or a `ws:` URL on one with.
    InvalidUrl {
        /// The URL given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Client: the server's answer to the opening handshake is not an HTTP/1.1 response head,
    /// or its head exceeds the limits (`HPE_*`, llhttp's names).
    InvalidResponse(netcore_http1::proto::ParseError),
    /// Client: the server closed the connection before its answer to the opening handshake was
    /// complete (Node's "socket hang up", `ECONNRESET`).
    SocketHangUp,
    /// Client: the opening handshake did not finish in time (Node `ws`'s "Opening handshake has
    /// timed out"); the socket was destroyed.
    HandshakeTimeout,
    /// Client: `close` or `terminate` was called during the opening handshake (Node `ws`'s
    /// "WebSocket was closed before the connection was established").
    ClosedBeforeOpen,
    /// A Ping or Pong on a connection still in its opening handshake (Node `ws`'s "WebSocket
    /// is not open: readyState 0 (CONNECTING)").
    NotOpen,
}

impl Error {
    /// The close code that answers this error, where one does.
    pub fn close_code(&self) -> Option<u16> {
        match self {
            Error::Protocol(e) => Some(e.close_code().get()),
            _ => None,
        }
    }

    /// A name for the error, Node's where it has one: the socket's (`ECONNREFUSED`,
    /// `ECONNRESET`…), Node `ws`'s `WS_ERR_*` for a peer's protocol violation, llhttp's `HPE_*`
    /// for a malformed handshake response; otherwise a name of ours in the same style
    /// (`WS_ERR_UNEXPECTED_RESPONSE`, `WS_ERR_HANDSHAKE_TIMEOUT`…).
    ///
    /// ```
    /// use netcore_websocket::proto::handshake::HandshakeError;
    /// use netcore_websocket::Error;
    /// let refused = Error::Socket(netcore_tcp::Error::ConnectionRefused { addr: "127.0.0.1:1".into() });
    /// assert_eq!(refused.code(), "ECONNREFUSED");
    /// let e = Error::Handshake(HandshakeError::UnexpectedResponse { status: 404 });
    /// assert_eq!(e.code(), "WS_ERR_UNEXPECTED_RESPONSE");
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            Error::Protocol(e) => e.node_code().unwrap_or("WS_ERR_PROTOCOL"),
            Error::Handshake(HandshakeError::UnexpectedResponse { .. }) => "WS_ERR_UNEXPECTED_RESPONSE",
            Error::Handshake(_) => "WS_ERR_INVALID_HANDSHAKE",
            Error::Socket(e) => e.code(),
            Error::Rejected { .. } => "WS_ERR_REJECTED",
            Error::InvalidUrl { .. } => "ERR_INVALID_URL",
            Error::InvalidResponse(e) => e.kind.code(),
            Error::SocketHangUp => "ECONNRESET",
            Error::HandshakeTimeout => "WS_ERR_HANDSHAKE_TIMEOUT",
            Error::ClosedBeforeOpen => "WS_ERR_CLOSED_BEFORE_OPEN",
            Error::NotOpen => "WS_ERR_NOT_OPEN",
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Protocol(e) => e.fmt(f),
            Error::Handshake(e) => e.fmt(f),
            Error::Socket(e) => e.fmt(f),
            Error::Rejected { status } => write!(f, "upgrade refused with status {status}"),
            Error::InvalidUrl { url, reason } => write!(f, "invalid websocket url {url:?}: {reason}"),
            Error::InvalidResponse(e) => write!(f, "invalid handshake response: {e}"),
            Error::SocketHangUp => f.write_str("socket hang up (ECONNRESET)"),
            Error::HandshakeTimeout => f.write_str("opening handshake has timed out"),
            Error::ClosedBeforeOpen => {
                f.write_str("websocket was closed before the connection was established")
            }
            Error::NotOpen => f.write_str("websocket is not open: its opening handshake is under way"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Protocol(e) => Some(e),
            Error::Handshake(e) => Some(e),
            Error::Socket(e) => Some(e),
            Error::InvalidResponse(e) => Some(e),
            _ => None,
        }
    }
}

impl From<crate::proto::Error> for Error {
    fn from(e: crate::proto::Error) -> Self {
        Error::Protocol(e)
    }
}

impl From<HandshakeError> for Error {
    fn from(e: HandshakeError) -> Self {
        Error::Handshake(e)
    }
}
