//! Secure WebSockets (`wss:`): the `netcore_websocket` server and client over TLS.
//!
//! As with [`https`](crate::https), nothing here speaks WebSocket: a wss server is a websocket
//! server whose HTTP server's sockets carry a TLS server session, and a wss client a websocket
//! client whose socket carries a TLS client session, verifying the server as the URL's host.
//! Frames, limits, compression and close codes are the websocket crate's.
//!
//! | Node `ws` | netcore |
//! |---|---|
//! | `new WebSocketServer({ server: https.createServer(opts) })` | [`listen`]`(lp, addr, &config, options, fn)` |
//! | `new WebSocket('wss://…', { ca, ... })` | [`connect`]`(lp, url, options, &config, handler)` |
//!
//! To serve WebSockets beside HTTPS on one port, answer upgrades from an
//! [`https::listen`](crate::https::listen) handler with
//! `netcore_websocket::server::handle_upgrade`, exactly as on a plain http1 server.
//!
//! ```no_run
//! use bytes::Bytes;
//! use netcore_tls::{Identity, ServerOptions};
//! use netcore_websocket::WebSocket;
//!
//! let mut lp = netcore::EventLoop::new()?;
//! let config = ServerOptions::new(Identity::from_pem_files("cert.pem", "key.pem")?).build()?;
//! let options = netcore_websocket::server::ServerOptions::default();
//! netcore_tls::wss::listen(&mut lp, "127.0.0.1:8443", &config, options, |_head: &_| {
//!     |ws: &mut WebSocket<'_>, data: Bytes, is_binary: bool| {
//!         ws.send(&data, is_binary);
//!     }
//! })?;
//! lp.run()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use netcore::EventLoop;
use netcore_http1::proto::RequestHead;
use netcore_http1::server::ServerId;
use netcore_websocket::{WebSocketHandler, WebSocketId};

use crate::config::{ClientConfig, ServerConfig};

/// A standalone wss server on `addr`: [`netcore_websocket::server::listen`] with every
/// connection secured by `config` (`options.http.tcp.socket.layer` is replaced by its
/// layer). Each upgrade that passes the handshake becomes a connection with the handler
/// `connection` makes from its request head; plain HTTPS requests get `426 Upgrade Required`.
pub fn listen<F, H>(
    lp: &mut EventLoop,
    addr: &str,
    config: &ServerConfig,
    mut options: netcore_websocket::server::ServerOptions,
    connection: F,
) -> Result<ServerId, netcore_tcp::Error>
where
    F: FnMut(&RequestHead) -> H + Clone + 'static,
    H: WebSocketHandler,
{
    options.http.tcp.socket.layer = Some(config.layer_factory());
    netcore_websocket::server::listen(lp, addr, options, connection)
}

/// Opens a `wss:` connection (`new WebSocket('wss://host/path', options)`):
/// [`netcore_websocket::client::connect`] with the socket secured by `config`, which verifies
/// the server as the URL's host (or its `server_name`). `url` is `wss://host[:port][/path]`
/// (port 443 by default; `https:` alike); a `ws:` URL is refused
/// ([`netcore_websocket::Error::InvalidUrl`]). The handshake timeout of `options` covers the
/// TLS handshake too; a certificate that does not verify reaches `on_error` as
/// [`netcore_websocket::Error::Socket`] with Node's name (see
/// [`Error::from_socket`](crate::Error::from_socket)), then `on_close` with 1006.
///
/// ```no_run
/// use bytes::Bytes;
/// use netcore_websocket::{WebSocket, WebSocketHandler};
///
/// struct Hello;
/// impl WebSocketHandler for Hello {
///     fn on_open(&mut self, ws: &mut WebSocket<'_>) {
///         ws.send_text("hello");
///     }
///     fn on_message(&mut self, ws: &mut WebSocket<'_>, data: Bytes, _is_binary: bool) {
///         println!("{}", String::from_utf8_lossy(&data));
///         let _ = ws.close(1000, "");
///     }
/// }
/// let mut lp = netcore::EventLoop::new()?;
/// let config = netcore_tls::ClientOptions::default().build()?;
/// let options = netcore_websocket::client::ClientOptions::default();
/// netcore_tls::wss::connect(&mut lp, "wss://example.com/chat", options, &config, Hello)?;
/// lp.run()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn connect(
    lp: &mut EventLoop,
    url: &str,
    mut options: netcore_websocket::client::ClientOptions,
    config: &ClientConfig,
    handler: impl WebSocketHandler,
) -> Result<WebSocketId, netcore_websocket::Error> {
    options.socket.layer = Some(config.layer_factory());
    netcore_websocket::client::connect(lp, url, options, handler)
}
