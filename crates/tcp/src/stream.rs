//! The OS stream under a socket: TCP or a Unix domain socket.

use std::fmt;
use std::io::{self, Read, Write};
use std::net::Shutdown;
use std::os::fd::{AsRawFd, RawFd};
use std::path::PathBuf;

use mio::{Interest, Registry, Token};

/// The address of a socket: an IP address and port, or a Unix socket path.
///
/// ```
/// use std::net::SocketAddr;
/// use netcore_tcp::Address;
///
/// let inet = Address::from("[::1]:8080".parse::<SocketAddr>().unwrap());
/// assert_eq!((inet.family(), inet.port()), ("IPv6", Some(8080)));
/// assert_eq!(inet.to_string(), "[::1]:8080");
/// let unix = Address::Unix(Some("/tmp/app.sock".into()));
/// assert_eq!((unix.family(), unix.port(), unix.inet()), ("unix", None, None));
/// assert_eq!(unix.to_string(), "/tmp/app.sock");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Address {
    /// An IPv4 or IPv6 address and port.
    Inet(std::net::SocketAddr),
    /// A Unix domain socket path (`None` for an unnamed socket).
    Unix(Option<PathBuf>),
}

impl Address {
    /// The IP address and port, if this is an internet address.
    pub fn inet(&self) -> Option<std::net::SocketAddr> {
        match self {
            Address::Inet(a) => Some(*a),
            Address::Unix(_) => None,
        }
    }

    /// The port, for an internet address.
    pub fn port(&self) -> Option<u16> {
        self.inet().map(|a| a.port())
    }

    /// Node's `family` string: `"IPv4"`, `"IPv6"` or `"unix"`.
    pub fn family(&self) -> &'static str {
        match self {
            Address::Inet(std::net::SocketAddr::V4(_)) => "IPv4",
            Address::Inet(std::net::SocketAddr::V6(_)) => "IPv6",
            Address::Unix(_) => "unix",
        }
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Address::Inet(a) => write!(f, "{a}"),
            Address::Unix(Some(p)) => write!(f, "{}", p.display()),
            Address::Unix(None) => f.write_str("(unnamed)"),
        }
    }
}

impl From<std::net::SocketAddr> for Address {
    fn from(a: std::net::SocketAddr) -> Self {
        Address::Inet(a)
    }
}

fn unix_addr(a: std::os::unix::net::SocketAddr) -> Address {
    Address::Unix(a.as_pathname().map(|p| p.to_path_buf()))
}

#[derive(Debug)]
pub(crate) enum Stream {
    Tcp(mio::net::TcpStream),
    Unix(mio::net::UnixStream),
}

impl Stream {
    pub(crate) fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.read(buf),
            Stream::Unix(s) => s.read(buf),
        }
    }

    pub(crate) fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.write(buf),
            Stream::Unix(s) => s.write(buf),
        }
    }

    pub(crate) fn write_vectored(&mut self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.write_vectored(bufs),
            Stream::Unix(s) => s.write_vectored(bufs),
        }
    }

    pub(crate) fn shutdown_write(&self) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => s.shutdown(Shutdown::Write),
            Stream::Unix(s) => s.shutdown(Shutdown::Write),
        }
    }

    pub(crate) fn register(&mut self, registry: &Registry, token: Token) -> io::Result<()> {
        let interest = Interest::READABLE | Interest::WRITABLE;
        match self {
            Stream::Tcp(s) => registry.register(s, token, interest),
            Stream::Unix(s) => registry.register(s, token, interest),
        }
    }

    pub(crate) fn deregister(&mut self, registry: &Registry) {
        let _ = match self {
            Stream::Tcp(s) => registry.deregister(s),
            Stream::Unix(s) => registry.deregister(s),
        };
    }

    pub(crate) fn take_error(&self) -> io::Result<Option<io::Error>> {
        match self {
            Stream::Tcp(s) => s.take_error(),
            Stream::Unix(s) => s.take_error(),
        }
    }

    pub(crate) fn peer_addr(&self) -> io::Result<Address> {
        match self {
            Stream::Tcp(s) => s.peer_addr().map(Address::Inet),
            Stream::Unix(s) => s.peer_addr().map(unix_addr),
        }
    }

    pub(crate) fn local_addr(&self) -> io::Result<Address> {
        match self {
            Stream::Tcp(s) => s.local_addr().map(Address::Inet),
            Stream::Unix(s) => s.local_addr().map(unix_addr),
        }
    }

    pub(crate) fn tcp(&self) -> Option<&mio::net::TcpStream> {
        match self {
            Stream::Tcp(s) => Some(s),
            Stream::Unix(_) => None,
        }
    }
}

impl AsRawFd for Stream {
    fn as_raw_fd(&self) -> RawFd {
        match self {
            Stream::Tcp(s) => s.as_raw_fd(),
            Stream::Unix(s) => s.as_raw_fd(),
        }
    }
}
