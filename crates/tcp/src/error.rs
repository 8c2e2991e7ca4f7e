//! The tcp crate's error type, with Node's error names.

use std::fmt;
use std::io;
use std::sync::Arc;

/// Everything that can go wrong with a TCP server or socket.
///
/// [`code`](Error::code) gives the name Node uses for the same failure (`ECONNREFUSED`, …).
///
/// ```
/// use netcore_tcp::{connect, Error, Socket, SocketHandler};
///
/// struct Report;
/// impl SocketHandler for Report {
///     fn on_error(&mut self, _s: &mut Socket<'_>, e: &Error) {
///         // Node: `socket.on('error', e => e.code === 'ECONNREFUSED')`
///         assert_eq!(e.code(), "ECONNREFUSED");
///         assert_eq!(e.kind(), std::io::ErrorKind::ConnectionRefused);
///         assert!(matches!(e, Error::ConnectionRefused { .. }));
///     }
/// }
/// // A port nobody listens on: bind one, then let it go.
/// let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
/// let mut lp = netcore::EventLoop::new()?;
/// connect(&mut lp, &format!("127.0.0.1:{port}"), Report);
/// lp.run()?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The address is already in use (`EADDRINUSE`).
    AddrInUse {
        /// The address that was asked for.
        addr: String,
    },
    /// Not allowed to bind the address, e.g. a port below 1024 without privileges (`EACCES`).
    Access {
        /// The address that was asked for.
        addr: String,
    },
    /// The address is not available on this host (`EADDRNOTAVAIL`).
    AddrNotAvailable {
        /// The address that was asked for.
        addr: String,
    },
    /// Nothing listens at the address (`ECONNREFUSED`).
    ConnectionRefused {
        /// The address the last attempt went to.
        addr: String,
    },
    /// The peer reset the connection (`ECONNRESET`).
    ConnectionReset,
    /// Wrote to a connection the peer has closed (`EPIPE`).
    BrokenPipe,
    /// A connection attempt or operation timed out (`ETIMEDOUT`).
    TimedOut,
    /// The host name did not resolve (`ENOTFOUND`).
    HostNotFound {
        /// The name that was looked up.
        host: String,
    },
    /// `write` after `end` (`ERR_STREAM_WRITE_AFTER_END`).
    WriteAfterEnd,
    /// The process or system ran out of file descriptors (`EMFILE`/`ENFILE`); the server keeps
    /// the pending connections queued and resumes accepting when descriptors free up.
    TooManyOpenFiles,
    /// The address could not be parsed (`ERR_INVALID_ADDRESS`).
    InvalidAddress {
        /// What was given.
        input: String,
    },
    /// The socket or server is closed (`ERR_SOCKET_CLOSED`).
    Closed,
    /// The socket's layer (TLS) failed: `code` is Node's name for the failure, `error` the layer's
    /// own typed error, to downcast (`netcore_tls::Error`).
    Layer {
        /// Node's name, e.g. `"ERR_SSL_WRONG_VERSION_NUMBER"` or `"CERT_HAS_EXPIRED"`.
        code: &'static str,
        /// The layer's error.
        error: Arc<dyn std::error::Error + Send + Sync>,
    },
    /// Any other operating system error.
    Io(io::Error),
}

impl Error {
    /// Node's name for this error, e.g. `"ECONNREFUSED"`.
    ///
    /// ```
    /// let e = netcore_tcp::Error::ConnectionReset;
    /// assert_eq!(e.code(), "ECONNRESET");
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            Error::AddrInUse { .. } => "EADDRINUSE",
            Error::Access { .. } => "EACCES",
            Error::AddrNotAvailable { .. } => "EADDRNOTAVAIL",
            Error::ConnectionRefused { .. } => "ECONNREFUSED",
            Error::ConnectionReset => "ECONNRESET",
            Error::BrokenPipe => "EPIPE",
            Error::TimedOut => "ETIMEDOUT",
            Error::HostNotFound { .. } => "ENOTFOUND",
            Error::WriteAfterEnd => "ERR_STREAM_WRITE_AFTER_END",
            Error::TooManyOpenFiles => "EMFILE",
            Error::InvalidAddress { .. } => "ERR_INVALID_ADDRESS",
            Error::Closed => "ERR_SOCKET_CLOSED",
            Error::Layer { code, .. } => code,
            Error::Io(e) => errno_name(e),
        }
    }

    /// Classifies an I/O error from an operation on `addr`.
    pub fn from_io(e: io::Error, addr: impl fmt::Display) -> Error {
        match e.raw_os_error() {
            Some(libc::EADDRINUSE) => Error::AddrInUse { addr: addr.to_string() },
            Some(libc::EACCES) | Some(libc::EPERM) => Error::Access { addr: addr.to_string() },
            Some(libc::EADDRNOTAVAIL) => Error::AddrNotAvailable { addr: addr.to_string() },
            Some(libc::ECONNREFUSED) => Error::ConnectionRefused { addr: addr.to_string() },
            Some(libc::ECONNRESET) => Error::ConnectionReset,
            Some(libc::EPIPE) => Error::BrokenPipe,
            Some(libc::ETIMEDOUT) => Error::TimedOut,
            Some(libc::EMFILE) | Some(libc::ENFILE) => Error::TooManyOpenFiles,
            _ => Error::Io(e),
        }
    }

    /// The closest `io::ErrorKind`.
    pub fn kind(&self) -> io::ErrorKind {
        match self {
            Error::AddrInUse { .. } => io::ErrorKind::AddrInUse,
            Error::Access { .. } => io::ErrorKind::PermissionDenied,
            Error::AddrNotAvailable { .. } => io::ErrorKind::AddrNotAvailable,
            Error::ConnectionRefused { .. } => io::ErrorKind::ConnectionRefused,
            Error::ConnectionReset => io::ErrorKind::ConnectionReset,
            Error::BrokenPipe => io::ErrorKind::BrokenPipe,
            Error::TimedOut => io::ErrorKind::TimedOut,
            Error::HostNotFound { .. } => io::ErrorKind::NotFound,
            Error::WriteAfterEnd | Error::Closed => io::ErrorKind::NotConnected,
            Error::TooManyOpenFiles => io::ErrorKind::Other,
            Error::InvalidAddress { .. } => io::ErrorKind::InvalidInput,
            Error::Layer { .. } => io::ErrorKind::InvalidData,
            Error::Io(e) => e.kind(),
        }
    }
}

fn errno_name(e: &io::Error) -> &'static str {
    match e.raw_os_error() {
        Some(libc::ENETUNREACH) => "ENETUNREACH",
        Some(libc::EHOSTUNREACH) => "EHOSTUNREACH",
        Some(libc::ENOENT) => "ENOENT",
        Some(libc::ENOTCONN) => "ENOTCONN",
        Some(libc::EINVAL) => "EINVAL",
        Some(libc::ENOBUFS) => "ENOBUFS",
        Some(libc::ENOMEM) => "ENOMEM",
        Some(libc::EAFNOSUPPORT) => "EAFNOSUPPORT",
        _ => "EIO",
    }
}

/// A copy keeps the variant, so the Node name survives (`ECONNREFUSED` stays `ECONNREFUSED`);
/// an `Io` error is rebuilt from its OS error number, or its kind and message.
///
/// ```
/// let e = netcore_tcp::Error::ConnectionRefused { addr: "127.0.0.1:1".into() };
/// assert_eq!(e.clone().code(), "ECONNREFUSED");
/// ```
impl Clone for Error {
    fn clone(&self) -> Error {
        match self {
            Error::AddrInUse { addr } => Error::AddrInUse { addr: addr.clone() },
            Error::Access { addr } => Error::Access { addr: addr.clone() },
            Error::AddrNotAvailable { addr } => Error::AddrNotAvailable { addr: addr.clone() },
            Error::ConnectionRefused { addr } => Error::ConnectionRefused { addr: addr.clone() },
            Error::ConnectionReset => Error::ConnectionReset,
            Error::BrokenPipe => Error::BrokenPipe,
            Error::TimedOut => Error::TimedOut,
            Error::HostNotFound { host } => Error::HostNotFound { host: host.clone() },
            Error::WriteAfterEnd => Error::WriteAfterEnd,
            Error::TooManyOpenFiles => Error::TooManyOpenFiles,
            Error::InvalidAddress { input } => Error::InvalidAddress { input: input.clone() },
            Error::Closed => Error::Closed,
            Error::Layer { code, error } => Error::Layer { code, error: error.clone() },
            Error::Io(io) => Error::Io(match io.raw_os_error() {
                Some(errno) => io::Error::from_raw_os_error(errno),
                None => io::Error::new(io.kind(), io.to_string()),
            }),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::AddrInUse { addr } => write!(f, "address {addr} is already in use"),
            Error::Access { addr } => write!(f, "permission denied binding {addr}"),
            Error::AddrNotAvailable { addr } => write!(f, "address {addr} is not available"),
            Error::ConnectionRefused { addr } => write!(f, "connection to {addr} refused"),
            Error::ConnectionReset => f.write_str("connection reset by peer"),
            Error::BrokenPipe => f.write_str("write to a connection the peer has closed"),
            Error::TimedOut => f.write_str("operation timed out"),
            Error::HostNotFound { host } => write!(f, "host {host} not found"),
            Error::WriteAfterEnd => f.write_str("write after end"),
            Error::TooManyOpenFiles => f.write_str("too many open files"),
            Error::InvalidAddress { input } => write!(f, "invalid address {input:?}"),
            Error::Closed => f.write_str("socket is closed"),
            Error::Layer { error, .. } => write!(f, "{error}"),
            Error::Io(e) => write!(f, "{e}"),
        }?;
        write!(f, " ({})", self.code())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io(e) => Some(e),
            Error::Layer { error, .. } => Some(&**error),
            _ => None,
        }
    }
}

impl From<Error> for io::Error {
    fn from(e: Error) -> io::Error {
        match e {
            Error::Io(e) => e,
            other => io::Error::new(other.kind(), other.to_string()),
        }
    }
}

impl From<io::Error> for Error {
    /// Classifies an OS error by its errno (`ECONNRESET` becomes [`Error::ConnectionReset`], …).
    fn from(e: io::Error) -> Error {
        Error::from_io(e, "")
    }
}
