//! TLS servers (Node's `tls.createServer` + `listen`): a TCP server whose sockets carry a
//! [`TlsSession`] layer, with the `secureConnection` and `tlsClientError` events.

use netcore::{EventLoop, HandleId, Ready};
use netcore_tcp::{LayerFactory, ServerId, Socket, SocketHandler, SocketId};

use crate::config::ServerConfig;
use crate::session::TlsSession;

impl ServerConfig {
    /// The layer factory that puts a server session on every accepted socket: set it as
    /// `netcore_tcp::SocketOptions::layer` to serve any TCP protocol over TLS (the http1 server's
    /// `tcp.socket.layer` makes it an https server).
    pub fn layer_factory(&self) -> LayerFactory {
        let config = self.clone();
        LayerFactory::new(move |_| Ok(Box::new(TlsSession::server(&config)?)))
    }
}

/// What a TLS server's owner does on its events (Node's `tls.Server` events).
///
/// A closure `FnMut(&mut Socket) -> H` is a `TlsServerHandler` too: it makes the handler of each
/// connection once its handshake completed.
///
/// ```
/// use netcore::EventLoop;
/// use netcore_tcp::{ServerId, Socket, SocketHandler, SocketId};
/// use netcore_tls::{Identity, ServerOptions, TlsServerHandler};
///
/// struct Greeter;
/// impl TlsServerHandler for Greeter {
///     type Connection = ();
///     fn on_secure_connection(&mut self, s: &mut Socket<'_>) {
///         s.end_with(b"hello, secure world");
///     }
///     fn on_tls_client_error(&mut self, lp: &mut EventLoop, _: SocketId, error: &netcore_tcp::Error) {
///         // Not TLS at all: the handshake fails, the server would go on serving.
///         assert_eq!(error.code(), "ERR_SSL_WRONG_VERSION_NUMBER");
///         lp.state::<ServerId>().copied().unwrap().close(lp);
///     }
/// }
/// /// A client that speaks plain HTTP to the TLS port.
/// struct Plain;
/// impl SocketHandler for Plain {
///     fn on_connect(&mut self, s: &mut Socket<'_>) {
///         s.write(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
///     }
/// }
/// # let made = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
/// # let key = made.signing_key.serialize_pem();
/// # let identity = Identity::from_pem(made.cert.pem().as_bytes(), key.as_bytes())?;
/// let config = ServerOptions::new(identity).build()?;
/// let mut lp = EventLoop::new()?;
/// let server = netcore_tls::listen(&mut lp, "127.0.0.1:0", &config, Greeter)?;
/// lp.set_state(server); // for the handler to find
/// let addr = server.address(&lp).unwrap().to_string();
/// netcore_tcp::connect(&mut lp, &addr, Plain);
/// lp.run()?; // until the server closes, after the failed handshake
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait TlsServerHandler: 'static {
    /// The handler type of secured connections.
    type Connection: SocketHandler;
    /// A connection completed its handshake (`secureConnection`): return the handler that will
    /// own it. Its TLS details are readable now (`socket.layer::<TlsSession>()`).
    fn on_secure_connection(&mut self, socket: &mut Socket<'_>) -> Self::Connection;
    /// A connection failed before its handshake completed (`tlsClientError`): a client that
    /// sent garbage, refused our certificate, or timed out. The connection is closed; the server
    /// goes on serving.
    fn on_tls_client_error(&mut self, lp: &mut EventLoop, socket: SocketId, error: &netcore_tcp::Error) {
        let _ = (lp, socket, error);
    }
    /// The server is listening (`listening`).
    fn on_listening(&mut self, lp: &mut EventLoop, server: ServerId) {
        let _ = (lp, server);
    }
    /// The server closed and its last connection ended (`close`).
    fn on_close(&mut self, lp: &mut EventLoop, server: ServerId) {
        let _ = (lp, server);
    }
}

impl<F, H> TlsServerHandler for F
where
    F: FnMut(&mut Socket<'_>) -> H + 'static,
    H: SocketHandler,
{
    type Connection = H;
    fn on_secure_connection(&mut self, socket: &mut Socket<'_>) -> H {
        self(socket)
    }
}

trait DynHandler {
    fn on_secure_connection(&mut self, socket: &mut Socket<'_>) -> Box<dyn SocketHandler>;
    fn on_tls_client_error(&mut self, lp: &mut EventLoop, socket: SocketId, error: &netcore_tcp::Error);
    fn on_listening(&mut self, lp: &mut EventLoop, server: ServerId);
    fn on_close(&mut self, lp: &mut EventLoop, server: ServerId);
}

impl<T: TlsServerHandler> DynHandler for T {
    fn on_secure_connection(&mut self, socket: &mut Socket<'_>) -> Box<dyn SocketHandler> {
        Box::new(TlsServerHandler::on_secure_connection(self, socket))
    }
    fn on_tls_client_error(&mut self, lp: &mut EventLoop, socket: SocketId, error: &netcore_tcp::Error) {
        TlsServerHandler::on_tls_client_error(self, lp, socket, error)
    }
    fn on_listening(&mut self, lp: &mut EventLoop, server: ServerId) {
        TlsServerHandler::on_listening(self, lp, server)
    }
    fn on_close(&mut self, lp: &mut EventLoop, server: ServerId) {
        TlsServerHandler::on_close(self, lp, server)
    }
}

/// The user's handler, kept in a loop handle that the TCP server's handler and every
/// handshaking socket can reach.
struct Shared {
    handler: Option<Box<dyn DynHandler>>,
}

fn no_ready(_: &mut EventLoop, _: HandleId, _: Ready) {}

fn with_handler<R>(
    lp: &mut EventLoop,
    hid: HandleId,
    f: impl FnOnce(&mut dyn DynHandler, &mut EventLoop) -> R,
) -> Option<R> {
    let mut h = lp.handle_mut::<Shared>(hid)?.handler.take()?;
    let r = f(&mut *h, lp);
    if let Some(s) = lp.handle_mut::<Shared>(hid) {
        s.handler = Some(h);
    }
    Some(r)
}

/// Listens on `addr` and serves TLS: each connection is handed to `handler` once its handshake
/// completed (`tls.createServer(options, listener).listen(port)`).
///
/// ```no_run
/// use netcore_tcp::Socket;
/// use netcore_tls::{Identity, ServerOptions};
/// let mut lp = netcore::EventLoop::new()?;
/// let identity = Identity::from_pem_files("cert.pem", "key.pem")?;
/// let config = ServerOptions::new(identity).build()?;
/// netcore_tls::listen(&mut lp, "127.0.0.1:8000", &config, |_s: &mut Socket<'_>| {
///     netcore_tcp::on_data(|s: &mut Socket<'_>, data: &[u8]| {
///         s.write(data);
///     })
/// })?;
/// lp.run()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn listen(
    lp: &mut EventLoop,
    addr: &str,
    config: &ServerConfig,
    handler: impl TlsServerHandler,
) -> Result<ServerId, netcore_tcp::Error> {
    listen_with(lp, addr, config, netcore_tcp::ServerOptions::default(), handler)
}

/// [`listen`] with TCP server options (backlog, `SO_REUSEPORT`, socket options).
pub fn listen_with(
    lp: &mut EventLoop,
    addr: &str,
    config: &ServerConfig,
    mut options: netcore_tcp::ServerOptions,
    handler: impl TlsServerHandler,
) -> Result<ServerId, netcore_tcp::Error> {
    options.socket.layer = Some(config.layer_factory());
    let hid = lp.insert_handle(Shared { handler: Some(Box::new(handler)) }, no_ready);
    lp.unref_handle(hid);
    match netcore_tcp::listen_with(lp, addr, options, TcpSide { hid }) {
        Ok(id) => Ok(id),
        Err(e) => {
            lp.remove_handle(hid);
            Err(e)
        }
    }
}

struct TcpSide {
    hid: HandleId,
}

impl netcore_tcp::ServerHandler for TcpSide {
    type Connection = Handshaking;

    fn on_connection(&mut self, _socket: &mut Socket<'_>) -> Handshaking {
        Handshaking { hid: self.hid }
    }
    fn on_listening(&mut self, lp: &mut EventLoop, server: ServerId) {
        with_handler(lp, self.hid, |h, lp| h.on_listening(lp, server));
    }
    fn on_close(&mut self, lp: &mut EventLoop, server: ServerId) {
        with_handler(lp, self.hid, |h, lp| h.on_close(lp, server));
        lp.remove_handle(self.hid);
    }
}

/// A connection's handler until its handshake completes; then the user's takes over.
struct Handshaking {
    hid: HandleId,
}

impl SocketHandler for Handshaking {
    fn on_secure(&mut self, socket: &mut Socket<'_>) {
        let id = socket.id();
        let hid = self.hid;
        let made = with_handler(socket.lp(), hid, |h, lp| h.on_secure_connection(&mut Socket::new(lp, id)));
        match made {
            Some(handler) => {
                id.set_handler(socket.lp(), handler);
            }
            None => socket.destroy(),
        }
    }

    fn on_error(&mut self, socket: &mut Socket<'_>, error: &netcore_tcp::Error) {
        let id = socket.id();
        with_handler(socket.lp(), self.hid, |h, lp| h.on_tls_client_error(lp, id, error));
    }
}
