//! The client's error type: what failed, grouped by cause, with Node's error names.

use std::fmt;
use std::io;

use super::url::UrlError;
use crate::proto::encode::EncodeError;
use crate::proto::{ParseError, TrailerError};

/// Everything that can go wrong with a client request.
///
/// Grouped by cause: the connection (`ECONNREFUSED`, `ECONNRESET`, `EPIPE`, `ETIMEDOUT`,
/// `ENOTFOUND`, and a socket that closed before or inside the response), the server's response
/// ([`Parse`](Error::Parse)), and the caller's misuse (a bad URL, header or body length).
/// [`code`](Error::code) gives the name Node uses for the same failure.
///
/// ```
/// use netcore_http1::client::Error;
/// assert_eq!(Error::SocketHangUp.code(), "ECONNRESET");
/// assert_eq!(Error::SocketHangUp.to_string(), "socket hang up (ECONNRESET)");
/// let refused = Error::from(netcore_tcp::Error::ConnectionRefused { addr: "127.0.0.1:1".into() });
/// assert_eq!(refused.code(), "ECONNREFUSED");
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    // ----- the connection -----
    /// Nothing listens at the address (`ECONNREFUSED`).
    ConnectionRefused {
        /// The address the last attempt went to.
        addr: String,
    },
    /// The server reset the connection (`ECONNRESET`, Node's "read ECONNRESET").
    ConnectionReset,
    /// Wrote to a connection the server has closed (`EPIPE`).
    BrokenPipe,
    /// The connection attempt timed out, or the request's own
    /// [`timeout`](super::RequestOptions::timeout) passed with
    /// [`abort_on_timeout`](super::RequestOptions::abort_on_timeout) set (`ETIMEDOUT`).
    TimedOut,
    /// The host name did not resolve (`ENOTFOUND`).
    HostNotFound {
        /// The name that was looked up.
        host: String,
    },
    /// The connection closed before any response arrived (Node's `ECONNRESET` "socket hang up").
    SocketHangUp,
    /// The connection closed inside the response: its body is incomplete (Node's `ECONNRESET`
    /// "aborted" on the response; `stream.finished` calls it `ERR_STREAM_PREMATURE_CLOSE`).
    PrematureClose,
    /// Any other socket error, with its own code.
    Socket(netcore_tcp::Error),
    // ----- the server's response -----
    /// The response is not valid HTTP/1.1 (`HPE_*`, llhttp's names).
    Parse(ParseError),
    // ----- the caller -----
    /// The request was aborted with [`abort`](super::ClientRequestId::abort) (`ABORT_ERR`).
    Aborted,
    /// The agent was destroyed before the request got a socket (`ERR_AGENT_DESTROYED`).
    AgentDestroyed,
    /// The URL could not be used.
    Url(UrlError),
    /// The request's scheme is not the one its agent speaks (`ERR_INVALID_PROTOCOL`): an
    /// `https:` request on a plain agent (Node's `http.request` refuses it the same way; make
    /// it with `netcore_tls::https`), or an `http:` one on an agent whose sockets carry TLS.
    InvalidProtocol {
        /// The request's scheme, `"https:"` or `"http:"`.
        protocol: &'static str,
        /// The agent's.
        expected: &'static str,
    },
    /// The proxy answered the `CONNECT` that opens an `https:` request's tunnel with a status
    /// other than 2xx: 407 wants (other) credentials, 403 forbids the origin, 502 could not reach
    /// it (`ERR_PROXY_TUNNEL`, Node's name; curl says "CONNECT tunnel failed, response 407").
    ProxyTunnel {
        /// The proxy's status code.
        status: u16,
    },
    /// The method, path or a header cannot be written (`ERR_INVALID_HTTP_TOKEN`,
    /// `ERR_INVALID_CHAR`, `ERR_UNESCAPED_CHARACTERS`…).
    InvalidHead(EncodeError),
    /// A trailer field cannot be written.
    InvalidTrailer(TrailerError),
    /// A header was set after the head went out (`ERR_HTTP_HEADERS_SENT`).
    HeadersSent,
    /// The body written differs from the `Content-Length` the head announced
    /// (`ERR_HTTP_CONTENT_LENGTH_MISMATCH`): the request is destroyed rather than let the extra
    /// bytes be read as another request.
    BodyLengthMismatch {
        /// The announced length.
        expected: u64,
        /// Bytes written (at least; writing stops at the first excess).
        written: u64,
    },
}

impl Error {
    /// Node's name for this error, e.g. `"ECONNREFUSED"`.
    ///
    /// ```
    /// use netcore_http1::client::Error;
    /// assert_eq!(Error::Aborted.code(), "ABORT_ERR");
    /// assert_eq!(Error::PrematureClose.code(), "ECONNRESET");
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            Error::ConnectionRefused { .. } => "ECONNREFUSED",
            Error::ConnectionReset | Error::SocketHangUp | Error::PrematureClose => "ECONNRESET",
            Error::BrokenPipe => "EPIPE",
            Error::TimedOut => "ETIMEDOUT",
            Error::HostNotFound { .. } => "ENOTFOUND",
            Error::Socket(e) => e.code(),
            Error::Parse(e) => e.kind.code(),
            Error::Aborted => "ABORT_ERR",
            Error::AgentDestroyed => "ERR_AGENT_DESTROYED",
            Error::Url(e) => e.code(),
            Error::InvalidProtocol { .. } => "ERR_INVALID_PROTOCOL",
            Error::ProxyTunnel { .. } => "ERR_PROXY_TUNNEL",
            Error::InvalidHead(e) => match e {
                EncodeError::InvalidHeaderName { .. } | EncodeError::InvalidMethod => {
                    "ERR_INVALID_HTTP_TOKEN"
                }
                EncodeError::InvalidHeaderValue { .. } => "ERR_INVALID_CHAR",
                EncodeError::InvalidTarget => "ERR_UNESCAPED_CHARACTERS",
                // A framing header or `Host` that contradicts the request.
                _ => "ERR_HTTP_INVALID_HEADER_VALUE",
            },
            Error::InvalidTrailer(e) => e.code(),
            Error::HeadersSent => "ERR_HTTP_HEADERS_SENT",
            Error::BodyLengthMismatch { .. } => "ERR_HTTP_CONTENT_LENGTH_MISMATCH",
        }
    }

    /// The closest `io::ErrorKind`.
    pub fn kind(&self) -> io::ErrorKind {
        match self {
            Error::ConnectionRefused { .. } => io::ErrorKind::ConnectionRefused,
            Error::ConnectionReset | Error::SocketHangUp => io::ErrorKind::ConnectionReset,
            Error::PrematureClose => io::ErrorKind::UnexpectedEof,
            Error::BrokenPipe => io::ErrorKind::BrokenPipe,
            Error::TimedOut => io::ErrorKind::TimedOut,
            Error::HostNotFound { .. } => io::ErrorKind::NotFound,
            Error::Socket(e) => e.kind(),
            Error::Parse(_) => io::ErrorKind::InvalidData,
            Error::Aborted | Error::AgentDestroyed => io::ErrorKind::Interrupted,
            Error::ProxyTunnel { status: 401 | 403 | 407 } => io::ErrorKind::PermissionDenied,
            Error::ProxyTunnel { .. } => io::ErrorKind::ConnectionRefused,
            Error::Url(_)
            | Error::InvalidProtocol { .. }
            | Error::InvalidHead(_)
            | Error::InvalidTrailer(_)
            | Error::HeadersSent
            | Error::BodyLengthMismatch { .. } => io::ErrorKind::InvalidInput,
        }
    }

    /// Whether the failure may be the keep-alive race: the server closed a reused connection as
    /// the request went out (reset, broken pipe, or closed before any response byte; over TLS,
    /// closed without its close_notify, which servers often skip on an idle connection).
    pub(crate) fn is_stale_connection(&self) -> bool {
        match self {
            Error::ConnectionReset | Error::BrokenPipe | Error::SocketHangUp => true,
            Error::Socket(e) => e.code() == TLS_TRUNCATED,
            _ => false,
        }
    }
}

/// Node's name for a TLS connection that ended without the peer's close_notify (what
/// `netcore_tls` reports as its socket layer's error).
pub(crate) const TLS_TRUNCATED: &str = "ERR_SSL_UNEXPECTED_EOF_WHILE_READING";

impl From<netcore_tcp::Error> for Error {
    /// Node's socket errors keep their names: `ECONNREFUSED`, `ECONNRESET`, `EPIPE`, `ETIMEDOUT`
    /// and `ENOTFOUND` become their own variants, the rest [`Error::Socket`].
    fn from(e: netcore_tcp::Error) -> Error {
        match e {
            netcore_tcp::Error::ConnectionRefused { addr } => Error::ConnectionRefused { addr },
            netcore_tcp::Error::ConnectionReset => Error::ConnectionReset,
            netcore_tcp::Error::BrokenPipe => Error::BrokenPipe,
            netcore_tcp::Error::TimedOut => Error::TimedOut,
            netcore_tcp::Error::HostNotFound { host } => Error::HostNotFound { host },
            other => Error::Socket(other),
        }
    }
}

impl From<UrlError> for Error {
    fn from(e: UrlError) -> Error {
        Error::Url(e)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::ConnectionRefused { addr } => write!(f, "connection to {addr} refused"),
            Error::ConnectionReset => f.write_str("connection reset by the server"),
            Error::BrokenPipe => f.write_str("write to a connection the server has closed"),
            Error::TimedOut => f.write_str("timed out"),
            Error::HostNotFound { host } => write!(f, "host {host} not found"),
            Error::SocketHangUp => f.write_str("socket hang up"),
            Error::PrematureClose => f.write_str("aborted: the connection closed inside the response"),
            Error::Socket(e) => return write!(f, "{e}"),
            Error::Parse(e) => return write!(f, "invalid response: {e}"),
            Error::Aborted => f.write_str("the request was aborted"),
            Error::AgentDestroyed => f.write_str("the agent was destroyed"),
            Error::Url(e) => write!(f, "{e}"),
            Error::InvalidProtocol { protocol, expected } => {
                write!(f, "protocol {protocol:?} not supported, expected {expected:?}")?;
                if *protocol == "https:" {
                    f.write_str(" (an https: request needs a tls agent: netcore_tls::https)")?;
                }
                Ok(())
            }
            Error::ProxyTunnel { status } => write!(f, "CONNECT tunnel failed, response {status}"),
            Error::InvalidHead(e) => write!(f, "cannot write the request head: {e}"),
            Error::InvalidTrailer(e) => write!(f, "cannot write the trailers: {e}"),
            Error::HeadersSent => f.write_str("cannot set headers after they are sent"),
            Error::BodyLengthMismatch { expected, written } => {
                write!(f, "body of {written} bytes does not match content-length {expected}")
            }
        }?;
        write!(f, " ({})", self.code())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Socket(e) => Some(e),
            Error::Parse(e) => Some(e),
            Error::Url(e) => Some(e),
            Error::InvalidHead(e) => Some(e),
            Error::InvalidTrailer(e) => Some(e),
            _ => None,
        }
    }
}

impl From<Error> for io::Error {
    fn from(e: Error) -> io::Error {
        io::Error::new(e.kind(), e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Truncated;
    impl fmt::Display for Truncated {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("truncated")
        }
    }
    impl std::error::Error for Truncated {}

    #[test]
    fn a_tls_connection_closed_without_close_notify_may_be_the_keep_alive_race() {
        let layer = |code| netcore_tcp::Error::Layer { code, error: std::sync::Arc::new(Truncated) };
        assert!(Error::from(layer(TLS_TRUNCATED)).is_stale_connection());
        assert!(!Error::from(layer("CERT_HAS_EXPIRED")).is_stale_connection());
        assert!(Error::SocketHangUp.is_stale_connection());
        assert!(!Error::PrematureClose.is_stale_connection());
    }

    #[test]
    fn scheme_errors_have_nodes_names() {
        let e = Error::InvalidProtocol { protocol: "https:", expected: "http:" };
        assert_eq!(e.code(), "ERR_INVALID_PROTOCOL");
        assert!(e.to_string().starts_with(r#"protocol "https:" not supported, expected "http:""#), "{e}");
        let e = Error::ProxyTunnel { status: 407 };
        assert_eq!(e.code(), "ERR_PROXY_TUNNEL");
        assert_eq!(e.to_string(), "CONNECT tunnel failed, response 407 (ERR_PROXY_TUNNEL)");
        assert_eq!(e.kind(), io::ErrorKind::PermissionDenied);
        assert_eq!(Error::ProxyTunnel { status: 502 }.kind(), io::ErrorKind::ConnectionRefused);
    }
}
