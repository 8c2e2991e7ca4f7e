//! Layers: a record protocol between the wire and a socket's handler (TLS, in `netcore-tls`).
//!
//! ```text
//!   kernel ──wire bytes──▶ Layer::read_wire ──plaintext──▶ SocketHandler::on_data
//!   kernel ◀──wire bytes── Layer::write_plain ◀──plaintext── Socket::write
//! ```
//!
//! A socket with a layer keeps every event, the stream vocabulary and the backpressure of a plain
//! one: `data` carries plaintext, `write` takes plaintext and answers false past the high-water
//! mark (counting what the layer holds back), `end` closes the layer (TLS's close_notify) before the
//! FIN. One event is added: [`SocketHandler::on_secure`](crate::SocketHandler::on_secure) once the
//! layer's handshake completes. Code written against a plain socket (the http1 server, the
//! websocket binding) therefore runs over TLS unchanged.
//!
//! A layer is sans-IO: bytes in, bytes and plaintext out, never a socket.

use std::any::Any;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::Error;

/// What [`Layer::read_wire`] found besides plaintext.
///
/// ```
/// use netcore_tcp::LayerStatus;
/// // A read that completed the handshake: the socket emits `secure`, and `end` has not come.
/// let status = LayerStatus::new(true, false);
/// assert!(status.secured && !status.peer_closed);
/// assert_eq!(LayerStatus::default(), LayerStatus::new(false, false)); // plaintext only
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct LayerStatus {
    /// The handshake completed during this call: the socket emits `secure`.
    pub secured: bool,
    /// The peer closed its sending side cleanly (TLS close_notify): the socket emits `end`.
    pub peer_closed: bool,
}

impl LayerStatus {
    /// A status with both flags given.
    pub fn new(secured: bool, peer_closed: bool) -> LayerStatus {
        LayerStatus { secured, peer_closed }
    }
}

/// A record protocol between the wire and the handler: TLS, in `netcore-tls`.
///
/// ```text
///   kernel ──wire bytes──▶ Layer::read_wire ──plaintext──▶ SocketHandler::on_data
///   kernel ◀──wire bytes── Layer::write_plain ◀──plaintext── Socket::write
/// ```
///
/// A socket with a layer keeps every event and the backpressure of a plain one, plus
/// [`on_secure`](crate::SocketHandler::on_secure) once the handshake completes; code written for
/// plain sockets (the http1 server, the websocket binding) runs over TLS unchanged.
///
/// Every method appends the bytes it owes the peer to `wire`; the socket sends them. Errors are
/// fatal: the socket sends what `wire` holds (an alert), emits `error` and closes.
pub trait Layer: Any {
    /// The layer was installed on a connected socket: append the opening flight, if this side
    /// speaks first (a TLS client's ClientHello).
    fn start(&mut self, wire: &mut Vec<u8>) -> Result<(), Error>;
    /// Bytes read from the wire. Appends decoded plaintext to `plain`.
    fn read_wire(
        &mut self,
        input: &[u8],
        plain: &mut Vec<u8>,
        wire: &mut Vec<u8>,
    ) -> Result<LayerStatus, Error>;
    /// Plaintext the handler wrote. Before the handshake completes the layer may hold it back
    /// (see [`held`](Layer::held)) and release it into `wire` from a later `read_wire`.
    fn write_plain(&mut self, data: &[u8], wire: &mut Vec<u8>) -> Result<(), Error>;
    /// The handler ended its side: append the closing message (TLS close_notify).
    fn close(&mut self, wire: &mut Vec<u8>);
    /// The wire ended (TCP FIN) before the layer saw the peer close: `Err` names the failure
    /// (a truncation, or a handshake cut short); `Ok` lets the socket end normally.
    fn read_eof(&mut self) -> Result<(), Error>;
    /// Plaintext written but held back until the handshake completes, in bytes. The socket counts
    /// it in `writable_length` and against the high-water mark.
    fn held(&self) -> usize;
    /// Whether the handshake has completed.
    fn is_secure(&self) -> bool;
    /// How long the handshake may take from [`start`](Layer::start); past it the socket fails
    /// with [`timed_out`](Layer::timed_out)'s error. Default none.
    fn handshake_timeout(&self) -> Option<Duration> {
        None
    }
    /// The handshake timed out: the error to report (the layer stays failed).
    fn timed_out(&mut self) -> Error {
        Error::TimedOut
    }
    /// The layer as `Any`, for [`SocketId::layer`](crate::SocketId::layer).
    fn as_any(&self) -> &dyn Any;
}

type MakeLayer = dyn Fn(&str) -> Result<Box<dyn Layer>, Error> + Send + Sync;

/// Makes a layer for each socket: servers call it for every accepted connection, clients for
/// their one connection, with the host name the client connects to (empty on servers), which a
/// TLS client sends as SNI and verifies the certificate against.
///
/// ```
/// use netcore_tcp::{LayerFactory, SocketOptions};
/// let mut options = SocketOptions::default();
/// options.layer = None::<LayerFactory>; // `netcore_tls` builds factories
/// ```
#[derive(Clone)]
pub struct LayerFactory(Arc<MakeLayer>);

impl LayerFactory {
    /// A factory from a function of the host name.
    pub fn new(make: impl Fn(&str) -> Result<Box<dyn Layer>, Error> + Send + Sync + 'static) -> Self {
        LayerFactory(Arc::new(make))
    }

    /// Makes the layer for a connection to `host` (empty for an accepted connection).
    pub fn make(&self, host: &str) -> Result<Box<dyn Layer>, Error> {
        (self.0)(host)
    }
}

impl fmt::Debug for LayerFactory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LayerFactory")
    }
}
