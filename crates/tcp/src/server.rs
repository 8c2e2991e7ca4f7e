//! Servers (Node's `net.Server`): listen, accept, track connections, close.

use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::time::Duration;

use netcore::{EventLoop, HandleId, Ready, TimerId};
use socket2::{Domain, Protocol, Type};

use crate::socket::{self, Socket, SocketHandler, SocketId, SocketOptions};
use crate::stream::{Address, Stream};
use crate::Error;

/// Node's default listen backlog.
pub const DEFAULT_BACKLOG: i32 = 511;

/// Connections accepted per readiness event before the listener yields to other handles.
const ACCEPTS_PER_EVENT: usize = 64;

/// Settings for a server.
///
/// ```
/// use netcore_tcp::{listen_with, ServerOptions, Socket};
///
/// let mut options = ServerOptions::default();
/// assert_eq!(options.backlog, netcore_tcp::DEFAULT_BACKLOG);
/// options.max_connections = Some(1_000); // `server.maxConnections`
/// options.reuse_port = true; // one listener per loop on the same port (`netcore::Cluster`)
/// options.socket.no_delay = true; // applied to every accepted socket
/// let mut lp = netcore::EventLoop::new()?;
/// let server = listen_with(&mut lp, "127.0.0.1:0", options, |s: &mut Socket<'_>| s.pipe(s.id()))?;
/// server.close(&mut lp);
/// lp.run()?;
/// # Ok::<(), netcore_tcp::Error>(())
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ServerOptions {
    /// The kernel's queue of connections not yet accepted (default [`DEFAULT_BACKLOG`], 511).
    pub backlog: i32,
    /// Set `SO_REUSEPORT` so several loops can each bind the same port (default false).
    pub reuse_port: bool,
    /// For an IPv6 address, refuse IPv4-mapped connections (default false: `::` is dual-stack).
    pub ipv6_only: bool,
    /// Close connections beyond this many at once (`server.maxConnections`; default unlimited).
    pub max_connections: Option<usize>,
    /// How long to wait before accepting again after running out of file descriptors
    /// (default 100 ms; a closing connection of this server retries sooner).
    pub emfile_backoff: Duration,
    /// Options applied to every accepted socket.
    pub socket: SocketOptions,
}

impl Default for ServerOptions {
    fn default() -> Self {
        Self {
            backlog: DEFAULT_BACKLOG,
            reuse_port: false,
            ipv6_only: false,
            max_connections: None,
            emfile_backoff: Duration::from_millis(100),
            socket: SocketOptions::default(),
        }
    }
}

/// What a server's owner does on each of its events (Node's `net.Server` events).
///
/// A closure `FnMut(&mut Socket) -> H` is a `ServerHandler` too: it makes the handler of each
/// new connection, which is all most servers need.
///
/// ```
/// use netcore::EventLoop;
/// use netcore_tcp::{listen, on_data, OnData, ServerHandler, ServerId, Socket};
///
/// /// A server that counts its connections and closes once it has listened.
/// struct Counting { accepted: usize }
/// impl ServerHandler for Counting {
///     type Connection = OnData<fn(&mut Socket<'_>, &[u8])>;
///     fn on_connection(&mut self, socket: &mut Socket<'_>) -> Self::Connection {
///         self.accepted += 1;
///         socket.write(b"hello\n");
///         on_data(|s, d| { s.write(d); })
///     }
///     fn on_listening(&mut self, lp: &mut EventLoop, server: ServerId) {
///         println!("listening on {}", server.address(lp).unwrap());
///         server.close(lp); // a real server would keep going
///     }
///     fn on_close(&mut self, _lp: &mut EventLoop, _server: ServerId) {
///         println!("closed after {} connections", self.accepted);
///     }
/// }
/// let mut lp = EventLoop::new()?;
/// listen(&mut lp, "127.0.0.1:0", Counting { accepted: 0 })?;
/// lp.run()?;
/// # Ok::<(), netcore_tcp::Error>(())
/// ```
pub trait ServerHandler: 'static {
    /// The handler type of accepted sockets.
    type Connection: SocketHandler;
    /// A connection was accepted (`connection`): return the handler that will own it. The socket
    /// can already be written to (a greeting).
    fn on_connection(&mut self, socket: &mut Socket<'_>) -> Self::Connection;
    /// The server is listening (`listening`), emitted on the next tick after `listen`.
    fn on_listening(&mut self, lp: &mut EventLoop, server: ServerId) {
        let _ = (lp, server);
    }
    /// Accepting failed (`error`), e.g. [`Error::TooManyOpenFiles`]; the server keeps going.
    fn on_error(&mut self, lp: &mut EventLoop, server: ServerId, error: &Error) {
        let _ = (lp, server, error);
    }
    /// The server closed and its last connection ended (`close`).
    fn on_close(&mut self, lp: &mut EventLoop, server: ServerId) {
        let _ = (lp, server);
    }
}

impl<F, H> ServerHandler for F
where
    F: FnMut(&mut Socket<'_>) -> H + 'static,
    H: SocketHandler,
{
    type Connection = H;
    fn on_connection(&mut self, socket: &mut Socket<'_>) -> H {
        self(socket)
    }
}

trait DynServerHandler {
    fn on_connection(&mut self, socket: &mut Socket<'_>) -> Box<dyn SocketHandler>;
    fn on_listening(&mut self, lp: &mut EventLoop, server: ServerId);
    fn on_error(&mut self, lp: &mut EventLoop, server: ServerId, error: &Error);
    fn on_close(&mut self, lp: &mut EventLoop, server: ServerId);
}

impl<T: ServerHandler> DynServerHandler for T {
    fn on_connection(&mut self, socket: &mut Socket<'_>) -> Box<dyn SocketHandler> {
        Box::new(ServerHandler::on_connection(self, socket))
    }
    fn on_listening(&mut self, lp: &mut EventLoop, server: ServerId) {
        ServerHandler::on_listening(self, lp, server)
    }
    fn on_error(&mut self, lp: &mut EventLoop, server: ServerId, error: &Error) {
        ServerHandler::on_error(self, lp, server, error)
    }
    fn on_close(&mut self, lp: &mut EventLoop, server: ServerId) {
        ServerHandler::on_close(self, lp, server)
    }
}

enum Listener {
    Tcp(mio::net::TcpListener),
    Unix(mio::net::UnixListener, PathBuf),
}

struct ServerState {
    listener: Option<Listener>,
    handler: Option<Box<dyn DynServerHandler>>,
    conns: Vec<SocketId>,
    options: ServerOptions,
    address: Address,
    closing: bool,
    close_emitted: bool,
    accept_blocked: bool,
    /// `EMFILE` was reported and the backlog has not been emptied since: retries stay quiet.
    emfile_reported: bool,
    retry_timer: Option<TimerId>,
}

/// Names a server on its loop.
///
/// ```
/// use netcore_tcp::{connect, listen, on_data, Socket};
///
/// let mut lp = netcore::EventLoop::new()?;
/// let server = listen(&mut lp, "127.0.0.1:0", |s: &mut Socket<'_>| {
///     let server = s.server().unwrap(); // the server that accepted this socket
///     assert_eq!(server.connection_count(s.lp()), 1);
///     server.close(s.lp()); // stop accepting; this connection stays open
///     s.write(b"hello");
/// })?;
/// let addr = server.address(&lp).unwrap(); // the real port, not 0
/// assert!(server.is_listening(&lp) && addr.port() != Some(0));
/// connect(&mut lp, &addr.to_string(), on_data(|s, d| {
///     assert_eq!(d, b"hello");
///     s.end();
/// }));
/// lp.run()?; // until the server's `close`: its last connection has ended
/// assert!(!server.is_listening(&lp));
/// # Ok::<(), netcore_tcp::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ServerId(HandleId);

/// Listens on `addr` (`"127.0.0.1:3000"`, `"[::]:0"`, `"localhost:8080"`; port 0 picks a free
/// port) and serves each connection with the handler `handler` makes for it (`net.createServer`
/// + `listen`). A host name is resolved before binding.
///
/// ```
/// use netcore_tcp::{listen, Socket, SocketHandler};
/// struct Echo;
/// impl SocketHandler for Echo {
///     fn on_data(&mut self, s: &mut Socket<'_>, data: &[u8]) {
///         s.write(data);
///     }
/// }
/// let mut lp = netcore::EventLoop::new()?;
/// let server = listen(&mut lp, "127.0.0.1:0", |_: &mut Socket<'_>| Echo)?;
/// println!("listening on {}", server.address(&lp).unwrap());
/// server.close(&mut lp); // a real server would lp.run() here
/// lp.run()?;
/// # Ok::<(), netcore_tcp::Error>(())
/// ```
pub fn listen(lp: &mut EventLoop, addr: &str, handler: impl ServerHandler) -> Result<ServerId, Error> {
    listen_with(lp, addr, ServerOptions::default(), handler)
}

/// [`listen`] with options.
pub fn listen_with(
    lp: &mut EventLoop,
    addr: &str,
    options: ServerOptions,
    handler: impl ServerHandler,
) -> Result<ServerId, Error> {
    let sockaddr = resolve(addr)?;
    let listener = bind_tcp(sockaddr, &options).map_err(|e| Error::from_io(e, sockaddr))?;
    let address = Address::Inet(listener.local_addr().map_err(Error::Io)?);
    add_server(lp, Listener::Tcp(listener), address, options, Box::new(handler))
}

/// Listens on a Unix domain socket at `path` (`server.listen(path)`). The path is removed when
/// the server closes; an existing path is `EADDRINUSE`, as in Node.
pub fn listen_path(
    lp: &mut EventLoop,
    path: impl AsRef<Path>,
    handler: impl ServerHandler,
) -> Result<ServerId, Error> {
    let path = path.as_ref().to_path_buf();
    let listener = mio::net::UnixListener::bind(&path).map_err(|e| Error::from_io(e, path.display()))?;
    let address = Address::Unix(Some(path.clone()));
    add_server(lp, Listener::Unix(listener, path), address, ServerOptions::default(), Box::new(handler))
}

fn resolve(addr: &str) -> Result<SocketAddr, Error> {
    if let Ok(a) = addr.parse::<SocketAddr>() {
        return Ok(a);
    }
    let invalid = || Error::InvalidAddress { input: addr.to_string() };
    let (host, _) = addr.rsplit_once(':').ok_or_else(invalid)?;
    let mut addrs = addr.to_socket_addrs().map_err(|_| Error::HostNotFound { host: host.to_string() })?;
    addrs.next().ok_or_else(|| Error::HostNotFound { host: host.to_string() })
}

fn bind_tcp(addr: SocketAddr, options: &ServerOptions) -> io::Result<mio::net::TcpListener> {
    let socket = socket2::Socket::new(
        Domain::for_address(addr),
        Type::STREAM.nonblocking().cloexec(),
        Some(Protocol::TCP),
    )?;
    socket.set_reuse_address(true)?;
    if options.reuse_port {
        socket.set_reuse_port(true)?;
    }
    if addr.is_ipv6() {
        socket.set_only_v6(options.ipv6_only)?;
    }
    socket.bind(&addr.into())?;
    socket.listen(options.backlog)?;
    Ok(mio::net::TcpListener::from_std(socket.into()))
}

fn add_server(
    lp: &mut EventLoop,
    mut listener: Listener,
    address: Address,
    options: ServerOptions,
    handler: Box<dyn DynServerHandler>,
) -> Result<ServerId, Error> {
    let state = ServerState {
        listener: None,
        handler: Some(handler),
        conns: Vec::new(),
        options,
        address,
        closing: false,
        close_emitted: false,
        accept_blocked: false,
        emfile_reported: false,
        retry_timer: None,
    };
    let hid = lp.insert_handle(state, on_ready);
    let token = hid.token();
    let registered = match &mut listener {
        Listener::Tcp(l) => lp.registry().register(l, token, mio::Interest::READABLE),
        Listener::Unix(l, _) => lp.registry().register(l, token, mio::Interest::READABLE),
    };
    if let Err(e) = registered {
        lp.remove_handle(hid);
        return Err(Error::Io(e));
    }
    if let Some(s) = lp.handle_mut::<ServerState>(hid) {
        s.listener = Some(listener);
    }
    let id = ServerId(hid);
    lp.next_tick(move |lp| with_handler(lp, id, |h, lp| h.on_listening(lp, id)));
    Ok(id)
}

fn with_handler(lp: &mut EventLoop, id: ServerId, f: impl FnOnce(&mut dyn DynServerHandler, &mut EventLoop)) {
    let Some(s) = lp.handle_mut::<ServerState>(id.0) else { return };
    let Some(mut h) = s.handler.take() else { return };
    f(&mut *h, lp);
    if let Some(s) = lp.handle_mut::<ServerState>(id.0) {
        if s.handler.is_none() {
            s.handler = Some(h);
        }
    }
}

fn on_ready(lp: &mut EventLoop, hid: HandleId, _ready: Ready) {
    let id = ServerId(hid);
    for _ in 0..ACCEPTS_PER_EVENT {
        let Some(s) = lp.handle_mut::<ServerState>(hid) else { return };
        if s.closing || s.accept_blocked {
            return;
        }
        let accepted = match s.listener.as_ref() {
            Some(Listener::Tcp(l)) => l.accept().map(|(st, _)| Stream::Tcp(st)),
            Some(Listener::Unix(l, _)) => l.accept().map(|(st, _)| Stream::Unix(st)),
            None => return,
        };
        match accepted {
            Ok(stream) => {
                let full = s.options.max_connections.is_some_and(|max| s.conns.len() >= max);
                if full {
                    drop(stream);
                    continue;
                }
                accept(lp, id, stream);
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                // The backlog is empty: any shortage is over.
                s.emfile_reported = false;
                return;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if e.kind() == io::ErrorKind::ConnectionAborted => {}
            Err(e)
                if matches!(
                    e.raw_os_error(),
                    Some(libc::EMFILE) | Some(libc::ENFILE) | Some(libc::ENOBUFS) | Some(libc::ENOMEM)
                ) =>
            {
                block_accepting(lp, id);
                return;
            }
            Err(e) => {
                let err = Error::from_io(e, "");
                with_handler(lp, id, |h, lp| h.on_error(lp, id, &err));
                return;
            }
        }
    }
    lp.requeue(hid, Ready::READABLE);
}

/// Out of descriptors: stop accepting (the pending connections wait in the backlog), report it
/// once, and try again after a back-off or as soon as one of our connections closes. No busy loop.
fn block_accepting(lp: &mut EventLoop, id: ServerId) {
    let Some(s) = lp.handle_mut::<ServerState>(id.0) else { return };
    s.accept_blocked = true;
    // Once per shortage: failing again before the backlog has been emptied is no news.
    let report = !std::mem::replace(&mut s.emfile_reported, true);
    let backoff = s.options.emfile_backoff;
    let timer = lp.set_timeout(backoff, move |lp| {
        if let Some(s) = lp.handle_mut::<ServerState>(id.0) {
            s.retry_timer = None;
        }
        unblock_accepting(lp, id);
    });
    lp.unref_timer(timer);
    if let Some(s) = lp.handle_mut::<ServerState>(id.0) {
        if let Some(old) = s.retry_timer.replace(timer) {
            lp.clear_timer(old);
        }
    }
    if report {
        with_handler(lp, id, |h, lp| h.on_error(lp, id, &Error::TooManyOpenFiles));
    }
}

fn unblock_accepting(lp: &mut EventLoop, id: ServerId) {
    let Some(s) = lp.handle_mut::<ServerState>(id.0) else { return };
    if std::mem::take(&mut s.accept_blocked) {
        if let Some(t) = s.retry_timer.take() {
            lp.clear_timer(t);
        }
        lp.requeue(id.0, Ready::READABLE);
    }
}

fn accept(lp: &mut EventLoop, id: ServerId, stream: Stream) {
    let Some(s) = lp.handle_mut::<ServerState>(id.0) else { return };
    let options = s.options.socket.clone();
    let layer = options.layer.as_ref().map(|f| f.make(""));
    let sock = match socket::insert(lp, Some(stream), Box::new(()), options) {
        Ok(sock) => sock,
        Err(e) => {
            let err = Error::from_io(e, "");
            with_handler(lp, id, |h, lp| h.on_error(lp, id, &err));
            return;
        }
    };
    let Some(s) = lp.handle_mut::<ServerState>(id.0) else { return };
    let slot = s.conns.len();
    s.conns.push(sock);
    socket::set_server_slot(lp, sock, Some((id, slot)));
    match layer {
        Some(Ok(layer)) => socket::set_layer(lp, sock, layer, &[]),
        Some(Err(e)) => {
            socket::destroy(lp, sock, Some(e));
            return;
        }
        None => {}
    }
    let mut made = None;
    with_handler(lp, id, |h, lp| made = Some(h.on_connection(&mut Socket::new(lp, sock))));
    if let (Some(handler), Some(c)) = (made, socket::conn_mut(lp, sock)) {
        c.handler = Some(handler);
    }
}

/// Called by a closing socket of this server.
pub(crate) fn remove_connection(lp: &mut EventLoop, id: ServerId, slot: usize, sock: SocketId) {
    let Some(s) = lp.handle_mut::<ServerState>(id.0) else { return };
    if s.conns.get(slot) != Some(&sock) {
        return;
    }
    s.conns.swap_remove(slot);
    let moved = s.conns.get(slot).copied();
    let blocked = s.accept_blocked;
    let finished = s.closing && s.conns.is_empty();
    if let Some(m) = moved {
        socket::set_server_slot(lp, m, Some((id, slot)));
    }
    if blocked {
        unblock_accepting(lp, id);
    }
    if finished {
        emit_close(lp, id);
    }
}

fn emit_close(lp: &mut EventLoop, id: ServerId) {
    let Some(s) = lp.handle_mut::<ServerState>(id.0) else { return };
    if std::mem::replace(&mut s.close_emitted, true) {
        return;
    }
    lp.defer_close(move |lp| {
        let Some(state) = lp.remove_handle(id.0) else { return };
        let Ok(mut state) = state.downcast::<ServerState>() else { return };
        if let Some(mut h) = state.handler.take() {
            h.on_close(lp, id);
        }
    });
}

impl ServerId {
    /// The bound address, with the real port after port 0 (`server.address()`).
    pub fn address(self, lp: &EventLoop) -> Option<Address> {
        Some(lp.handle::<ServerState>(self.0)?.address.clone())
    }

    /// How many connections are open (`server.getConnections`).
    pub fn connection_count(self, lp: &EventLoop) -> usize {
        lp.handle::<ServerState>(self.0).map_or(0, |s| s.conns.len())
    }

    /// The open connections, as a snapshot.
    pub fn connections(self, lp: &EventLoop) -> Vec<SocketId> {
        lp.handle::<ServerState>(self.0).map_or_else(Vec::new, |s| s.conns.clone())
    }

    /// Writes `data` to every open connection except `except` (a chat room's broadcast).
    pub fn broadcast(self, lp: &mut EventLoop, data: &[u8], except: Option<SocketId>) {
        let mut i = 0;
        loop {
            let Some(s) = lp.handle::<ServerState>(self.0) else { return };
            let Some(&sock) = s.conns.get(i) else { return };
            i += 1;
            if Some(sock) != except {
                sock.write(lp, data);
            }
        }
    }

    /// Stops accepting; `close` is emitted once the last connection has ended (`server.close()`).
    pub fn close(self, lp: &mut EventLoop) {
        let Some((s, registry)) = lp.handle_and_registry::<ServerState>(self.0) else { return };
        if std::mem::replace(&mut s.closing, true) {
            return;
        }
        match s.listener.take() {
            Some(Listener::Tcp(mut l)) => {
                let _ = registry.deregister(&mut l);
            }
            Some(Listener::Unix(mut l, path)) => {
                let _ = registry.deregister(&mut l);
                let _ = std::fs::remove_file(path);
            }
            None => {}
        }
        let empty = s.conns.is_empty();
        if let Some(t) = s.retry_timer.take() {
            lp.clear_timer(t);
        }
        // The open connections keep the loop alive from here on.
        lp.unref_handle(self.0);
        if empty {
            emit_close(lp, self);
        }
    }

    /// Whether the server is still accepting.
    pub fn is_listening(self, lp: &EventLoop) -> bool {
        lp.handle::<ServerState>(self.0).is_some_and(|s| !s.closing)
    }

    /// Stops the server from keeping the loop alive (`server.unref()`).
    pub fn unref(self, lp: &mut EventLoop) {
        lp.unref_handle(self.0)
    }

    /// Makes the server keep the loop alive again (`server.ref()`).
    pub fn ref_(self, lp: &mut EventLoop) {
        if self.is_listening(lp) {
            lp.ref_handle(self.0)
        }
    }

    /// Sets or clears the connection limit (`server.maxConnections`).
    pub fn set_max_connections(self, lp: &mut EventLoop, max: Option<usize>) {
        if let Some(s) = lp.handle_mut::<ServerState>(self.0) {
            s.options.max_connections = max;
        }
    }
}
