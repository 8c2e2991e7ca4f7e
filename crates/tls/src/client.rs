//! TLS clients (Node's `tls.connect`) and STARTTLS (Node's `new tls.TLSSocket(socket)`).

use netcore::EventLoop;
use netcore_tcp::{LayerFactory, SocketHandler, SocketId, SocketOptions};

use crate::config::{ClientConfig, ServerConfig};
use crate::session::TlsSession;
use crate::Error;

impl ClientConfig {
    /// The layer factory that puts a client session on a connecting socket, verifying the
    /// server as the host connected to (or the configured `server_name`). Set it as
    /// `netcore_tcp::SocketOptions::layer` to speak any TCP client protocol over TLS.
    pub fn layer_factory(&self) -> LayerFactory {
        let config = self.clone();
        LayerFactory::new(move |host| Ok(Box::new(TlsSession::client(&config, host)?)))
    }
}

/// Connects to `target` (`"host:port"`) over TLS (`tls.connect`). The handler's `on_connect`
/// fires when TCP connects, `on_secure` when the handshake completed (`secureConnect`); writes
/// made before are held and sent once the session is secure. A failed handshake or verification
/// reaches `on_error` as [`netcore_tcp::Error::Layer`] (see [`Error::from_socket`]).
///
/// ```no_run
/// use netcore_tcp::{Socket, SocketHandler};
/// struct Hello;
/// impl SocketHandler for Hello {
///     fn on_secure(&mut self, s: &mut Socket<'_>) {
///         s.end_with(b"hello");
///     }
/// }
/// let mut lp = netcore::EventLoop::new()?;
/// let config = netcore_tls::ClientOptions::default().build()?;
/// netcore_tls::connect(&mut lp, "example.com:443", &config, Hello);
/// lp.run()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn connect(
    lp: &mut EventLoop,
    target: &str,
    config: &ClientConfig,
    handler: impl SocketHandler,
) -> SocketId {
    connect_with(lp, target, config, SocketOptions::default(), handler)
}

/// [`connect`] with socket options.
pub fn connect_with(
    lp: &mut EventLoop,
    target: &str,
    config: &ClientConfig,
    mut options: SocketOptions,
    handler: impl SocketHandler,
) -> SocketId {
    options.layer = Some(config.layer_factory());
    netcore_tcp::connect_with(lp, target, options, handler)
}

/// STARTTLS, client side: from now on `socket` speaks TLS as a client verifying `host`; its
/// handler gets `on_secure` once the handshake completed, then plaintext as before.
pub fn upgrade_client(
    lp: &mut EventLoop,
    socket: SocketId,
    config: &ClientConfig,
    host: &str,
) -> Result<(), Error> {
    let session = TlsSession::client(config, host)?;
    if !socket.set_layer(lp, Box::new(session), &[]) {
        return Err(Error::Config { reason: "the socket is closed".into() });
    }
    Ok(())
}

/// STARTTLS, server side: from now on `socket` speaks TLS as a server. `head` holds bytes the
/// handler already read past the STARTTLS command (the start of a ClientHello), usually empty.
pub fn upgrade_server(
    lp: &mut EventLoop,
    socket: SocketId,
    config: &ServerConfig,
    head: &[u8],
) -> Result<(), Error> {
    let session = TlsSession::server(config)?;
    if !socket.set_layer(lp, Box::new(session), head) {
        return Err(Error::Config { reason: "the socket is closed".into() });
    }
    Ok(())
}

/// The TLS session of `socket`, if it has one (`tlsSocket.getProtocol()`, `.alpnProtocol`, …).
pub fn session(lp: &EventLoop, socket: SocketId) -> Option<&TlsSession> {
    socket.layer::<TlsSession>(lp)
}
