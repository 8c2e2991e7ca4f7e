//! The udp crate's error type, with Node's error names.

use std::fmt;
use std::io;

/// Everything that can go wrong with a UDP socket.
///
/// ```
/// use netcore_udp::{bind, on_message, Error};
/// let mut lp = netcore::EventLoop::new()?;
/// let first = bind(&mut lp, "127.0.0.1:0", on_message(|_, _, _| {}))?;
/// let taken = first.local_address(&lp).unwrap().to_string();
/// // Node's `reuseAddr` is off by default: a second socket on the same port is refused.
/// let e = bind(&mut lp, &taken, on_message(|_, _, _| {})).unwrap_err();
/// assert!(matches!(&e, Error::AddrInUse { addr } if *addr == taken));
/// assert_eq!(e.code(), "EADDRINUSE");
/// first.close(&mut lp);
/// # Ok::<(), Error>(())
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The address is already in use (`EADDRINUSE`).
    AddrInUse {
        /// The address asked for.
        addr: String,
    },
    /// Not permitted (`EACCES`): binding a privileged port, or sending to a broadcast address
    /// without [`SocketId::set_broadcast`](crate::SocketId::set_broadcast).
    Access,
    /// A connected socket's peer has no socket at its port: the ICMP port-unreachable answer to
    /// an earlier datagram (`ECONNREFUSED`).
    ConnectionRefused,
    /// The address cannot be used: unparsable, port 0 as a destination, or the wrong family for
    /// the socket (`ERR_SOCKET_BAD_ADDRESS`/`EINVAL`/`EAFNOSUPPORT`).
    InvalidAddress {
        /// What was given.
        input: String,
    },
    /// The datagram is larger than the protocol allows (`EMSGSIZE`).
    MessageTooLarge {
        /// Its size in bytes.
        size: usize,
    },
    /// `send` without an address on an unconnected socket (`ERR_SOCKET_DGRAM_NOT_CONNECTED`).
    NotConnected,
    /// `connect` on a socket that is already connected (`ERR_SOCKET_DGRAM_IS_CONNECTED`).
    AlreadyConnected,
    /// The socket is closed (`ERR_SOCKET_DGRAM_NOT_RUNNING`).
    Closed,
    /// Any other operating-system error.
    Io(io::Error),
}

impl Error {
    /// Node's name for this error.
    ///
    /// ```
    /// assert_eq!(netcore_udp::Error::Access.code(), "EACCES");
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            Error::AddrInUse { .. } => "EADDRINUSE",
            Error::Access => "EACCES",
            Error::ConnectionRefused => "ECONNREFUSED",
            Error::InvalidAddress { .. } => "ERR_SOCKET_BAD_ADDRESS",
            Error::MessageTooLarge { .. } => "EMSGSIZE",
            Error::NotConnected => "ERR_SOCKET_DGRAM_NOT_CONNECTED",
            Error::AlreadyConnected => "ERR_SOCKET_DGRAM_IS_CONNECTED",
            Error::Closed => "ERR_SOCKET_DGRAM_NOT_RUNNING",
            Error::Io(e) => match e.raw_os_error() {
                Some(libc::ENOBUFS) => "ENOBUFS",
                Some(libc::ENETUNREACH) => "ENETUNREACH",
                Some(libc::EHOSTUNREACH) => "EHOSTUNREACH",
                Some(libc::EADDRNOTAVAIL) => "EADDRNOTAVAIL",
                _ => "EIO",
            },
        }
    }

    /// Classifies an OS error from an operation on `addr` with a datagram of `size` bytes.
    pub(crate) fn from_io(e: io::Error, addr: impl fmt::Display, size: usize) -> Error {
        match e.raw_os_error() {
            Some(libc::EADDRINUSE) => Error::AddrInUse { addr: addr.to_string() },
            Some(libc::EACCES) | Some(libc::EPERM) => Error::Access,
            Some(libc::ECONNREFUSED) => Error::ConnectionRefused,
            Some(libc::EMSGSIZE) => Error::MessageTooLarge { size },
            Some(libc::EINVAL) | Some(libc::EAFNOSUPPORT) | Some(libc::EDESTADDRREQ) => {
                Error::InvalidAddress { input: addr.to_string() }
            }
            _ => Error::Io(e),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::AddrInUse { addr } => write!(f, "address {addr} is already in use"),
            Error::Access => f.write_str("permission denied"),
            Error::ConnectionRefused => f.write_str("the peer refused the datagram (port unreachable)"),
            Error::InvalidAddress { input } => write!(f, "invalid address {input:?}"),
            Error::MessageTooLarge { size } => write!(f, "datagram of {size} bytes is too large"),
            Error::NotConnected => f.write_str("send without an address on an unconnected socket"),
            Error::AlreadyConnected => f.write_str("the socket is already connected"),
            Error::Closed => f.write_str("the socket is closed"),
            Error::Io(e) => write!(f, "{e}"),
        }?;
        write!(f, " ({})", self.code())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<Error> for io::Error {
    fn from(e: Error) -> io::Error {
        match e {
            Error::Io(e) => e,
            other => io::Error::other(other.to_string()),
        }
    }
}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Error {
        Error::from_io(e, "", 0)
    }
}
