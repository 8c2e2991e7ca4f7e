//! The binding's error: what the sans-IO core, the handshake or the socket reported.

use std::fmt;

use crate::proto::handshake::HandshakeError;

/// Why a WebSocket operation or connection failed.
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
}

impl Error {
    /// The close code that answers this error, where one does.
    pub fn close_code(&self) -> Option<u16> {
        match self {
            Error::Protocol(e) => Some(e.close_code().get()),
            _ => None,
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
        }
    }
}

impl std::error::Error for Error {}

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
