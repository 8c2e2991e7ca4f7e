//! The HTTP/1.1 server (Node's `http.Server`) on the netcore loop and `netcore-tcp`.
//!
//! The codec in [`proto`](crate::proto) does the parsing and serializing; this module binds it to
//! sockets: one [`Handler`] per connection gets each request's head and body events and writes
//! its response through a [`Response`]. Responses go out in request order, everything written
//! in one callback leaves in one socket write (a pipelined burst costs one syscall), and the
//! timeouts, keep-alive and error answers follow Node's defaults.
//!
//! ```no_run
//! use netcore::EventLoop;
//! use netcore_http1::server::{listen, Request, Response};
//!
//! let mut lp = EventLoop::new()?;
//! let server = listen(&mut lp, "127.0.0.1:3000", |_req: &Request<'_>, res: &mut Response<'_>| {
//!     res.set_header("Content-Type", "text/plain").unwrap();
//!     res.end(b"Hello, world!\n");
//! })?;
//! println!("listening on {}", server.address(&lp).unwrap());
//! lp.run()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod collect;
mod conn;
mod handler;
mod headers;
mod request;
mod response;
mod upgrade;

use std::rc::Rc;
use std::time::Duration;

use netcore::{EventLoop, HandleId, Ready};
use netcore_tcp::{Address, Error, Socket};

pub use collect::{collect, Collect};
pub use handler::{Handler, ServerHandler};
pub use headers::HeaderError;
pub use request::{Request, RequestId};
pub use response::{Response, ResponseId};
pub use upgrade::Upgrade;

use crate::proto::Limits;
use handler::DynServerHandler;

/// Node's `server.headersTimeout`: a request head must arrive within 60 s.
pub const DEFAULT_HEADERS_TIMEOUT: Duration = Duration::from_secs(60);
/// Node's `server.requestTimeout`: a whole request must arrive within 300 s.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(300);
/// Node's `server.keepAliveTimeout`: an idle keep-alive connection closes after 5 s.
pub const DEFAULT_KEEP_ALIVE_TIMEOUT: Duration = Duration::from_secs(5);

/// A server's settings, with Node's defaults.
///
/// ```
/// # use std::io::{Read, Write};
/// # use netcore::EventLoop;
/// # use netcore_http1::server::ServerId;
/// # // Sends `request` from a plain socket, runs the loop to its end, returns the raw response.
/// # fn exchange(lp: &mut EventLoop, server: ServerId, request: &str) -> std::io::Result<String> {
/// #     let mut client = std::net::TcpStream::connect(server.address(lp).unwrap().to_string())?;
/// #     client.write_all(request.as_bytes())?;
/// #     client.shutdown(std::net::Shutdown::Write)?; // the server answers, then closes
/// #     lp.run()?;
/// #     let mut response = String::new();
/// #     client.read_to_string(&mut response)?;
/// #     Ok(response)
/// # }
/// # // What the handlers call when done: `ServerId::close`, the id kept in the loop's state.
/// # fn close_server(lp: &mut EventLoop) {
/// #     let server = *lp.state::<ServerId>().unwrap();
/// #     server.close(lp);
/// # }
/// use std::time::Duration;
/// use netcore_http1::server::{listen_with, Request, Response, ServerOptions};
///
/// let mut options = ServerOptions::default();
/// options.keep_alive_timeout = Duration::from_secs(2); // Node's `server.keepAliveTimeout = 2000`
/// let mut lp = EventLoop::new()?;
/// let server = listen_with(&mut lp, "127.0.0.1:0", options, |req: &Request<'_>, res: &mut Response<'_>| {
///     if req.id().index() == 1 {
///         close_server(res.lp());
///     }
///     res.end(b"ok");
/// })?;
/// lp.set_state(server);
/// let response = exchange(&mut lp, server, &"GET / HTTP/1.1\r\nHost: a\r\n\r\n".repeat(2))?;
/// assert!(response.contains("Keep-Alive: timeout=2\r\n"), "{response}"); // on the first
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ServerOptions {
    /// Time allowed for a request head from its first byte (or from the connection's start)
    /// (default [`DEFAULT_HEADERS_TIMEOUT`]); beyond it: `408` and close.
    pub headers_timeout: Duration,
    /// Time allowed for a whole request from its head (default [`DEFAULT_REQUEST_TIMEOUT`]).
    pub request_timeout: Duration,
    /// How long a keep-alive connection may sit idle between requests
    /// (default [`DEFAULT_KEEP_ALIVE_TIMEOUT`]).
    pub keep_alive_timeout: Duration,
    /// Close a connection after this many requests (`maxRequestsPerSocket`; default unlimited).
    pub max_requests_per_socket: Option<u32>,
    /// The codec's limits (header size, count, URL length, body size).
    pub limits: Limits,
    /// `write` returns false once this many bytes wait for the socket (default 64 KiB).
    pub high_water_mark: usize,
    /// The listener's and sockets' own settings (backlog, `SO_REUSEPORT`, idle `timeout`…).
    /// Sockets are always half-open (`allow_half_open`), as Node's HTTP server makes them, and
    /// default to `no_delay` (Node's `noDelay: true`).
    pub tcp: netcore_tcp::ServerOptions,
}

impl Default for ServerOptions {
    fn default() -> Self {
        Self {
            headers_timeout: DEFAULT_HEADERS_TIMEOUT,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            keep_alive_timeout: DEFAULT_KEEP_ALIVE_TIMEOUT,
            max_requests_per_socket: None,
            limits: Limits::default(),
            high_water_mark: netcore_tcp::DEFAULT_HIGH_WATER_MARK,
            tcp: {
                // Node's HTTP server turns Nagle's algorithm off (`noDelay: true`).
                let mut tcp = netcore_tcp::ServerOptions::default();
                tcp.socket.no_delay = true;
                tcp
            },
        }
    }
}

/// What every connection of a server reads: its options, and the `Keep-Alive` value they imply.
struct Config {
    options: ServerOptions,
    /// `timeout=N` for the `Keep-Alive` header.
    keep_alive_hint: Box<[u8]>,
}

impl Config {
    fn new(options: ServerOptions) -> Rc<Config> {
        let hint = format!("timeout={}", options.keep_alive_timeout.as_secs()).into_bytes().into();
        Rc::new(Config { options, keep_alive_hint: hint })
    }
}

/// The server's state, in the loop's slab.
struct Server {
    tcp: Option<netcore_tcp::ServerId>,
    handler: Option<Box<dyn DynServerHandler>>,
    conns: Vec<HandleId>,
    config: Rc<Config>,
    closing: bool,
    closed: bool,
}

fn server_state(lp: &mut EventLoop, server: HandleId) -> Option<&mut Server> {
    lp.handle_mut::<Server>(server)
}

/// Names an HTTP server on its loop.
///
/// ```
/// # use std::io::{Read, Write};
/// # use netcore::EventLoop;
/// # use netcore_http1::server::ServerId;
/// # // Sends `request` from a plain socket, runs the loop to its end, returns the raw response.
/// # fn exchange(lp: &mut EventLoop, server: ServerId, request: &str) -> std::io::Result<String> {
/// #     let mut client = std::net::TcpStream::connect(server.address(lp).unwrap().to_string())?;
/// #     client.write_all(request.as_bytes())?;
/// #     client.shutdown(std::net::Shutdown::Write)?; // the server answers, then closes
/// #     lp.run()?;
/// #     let mut response = String::new();
/// #     client.read_to_string(&mut response)?;
/// #     Ok(response)
/// # }
/// # // What the handlers call when done: `ServerId::close`, the id kept in the loop's state.
/// # fn close_server(lp: &mut EventLoop) {
/// #     let server = *lp.state::<ServerId>().unwrap();
/// #     server.close(lp);
/// # }
/// use netcore_http1::server::{listen, Request, Response};
///
/// let mut lp = EventLoop::new()?;
/// let server = listen(&mut lp, "127.0.0.1:0", |_: &Request<'_>, res: &mut Response<'_>| {
///     let server = *res.lp().state::<ServerId>().unwrap();
///     assert_eq!(server.connection_count(res.lp()), 1);
///     server.close(res.lp()); // stop listening; this busy connection ends after its response
///     res.end(b"bye");
/// })?;
/// lp.set_state(server); // where the handler finds it
/// assert_ne!(server.address(&lp).unwrap().port(), Some(0)); // the port the OS chose
/// let response = exchange(&mut lp, server, "GET / HTTP/1.1\r\nHost: a\r\n\r\n")?;
/// assert!(response.starts_with("HTTP/1.1 200 OK\r\n") && response.ends_with("bye"), "{response:?}");
/// assert_eq!(server.address(&lp), None); // closed, and gone from the loop
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ServerId(HandleId);

fn no_ready(_: &mut EventLoop, _: HandleId, _: Ready) {}

/// Listens on `addr` (`"127.0.0.1:3000"`, port 0 for any) and serves HTTP with `handler`
/// (`http.createServer(handler).listen(...)`) and the default [`ServerOptions`].
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
    let state = Server {
        tcp: None,
        handler: Some(Box::new(handler)),
        conns: Vec::new(),
        config: Config::new(options.clone()),
        closing: false,
        closed: false,
    };
    let hid = lp.insert_handle(state, no_ready);
    lp.unref_handle(hid);
    // Half-open, as Node's HTTP server: a client that ends its side after a request still gets
    // the answer; the connection ends once the responses it is owed are out.
    let mut tcp_options = options.tcp.clone();
    tcp_options.socket.allow_half_open = true;
    let tcp = netcore_tcp::listen_with(lp, addr, tcp_options, TcpSide { server: hid });
    let tcp = match tcp {
        Ok(t) => t,
        Err(e) => {
            lp.remove_handle(hid);
            return Err(e);
        }
    };
    if let Some(s) = server_state(lp, hid) {
        s.tcp = Some(tcp);
    }
    Ok(ServerId(hid))
}

/// The TCP server's handler: makes each connection's HTTP state.
struct TcpSide {
    server: HandleId,
}

impl netcore_tcp::ServerHandler for TcpSide {
    type Connection = conn::HttpSocket;

    fn on_connection(&mut self, socket: &mut Socket<'_>) -> conn::HttpSocket {
        let state = server_state(socket.lp(), self.server);
        let (handler, config) = match state {
            Some(s) => (s.handler.take(), s.config.clone()),
            None => (None, Config::new(ServerOptions::default())),
        };
        let per_conn = match handler {
            Some(mut h) => {
                let made = h.on_connection(socket);
                if let Some(s) = server_state(socket.lp(), self.server) {
                    s.handler = Some(h);
                }
                made
            }
            None => Box::new(|_: &Request<'_>, res: &mut Response<'_>| {
                res.set_status(503);
                res.end(b"");
            }),
        };
        conn::accept(socket, self.server, per_conn, config)
    }

    fn on_listening(&mut self, lp: &mut EventLoop, _server: netcore_tcp::ServerId) {
        let id = ServerId(self.server);
        let Some(mut h) = server_state(lp, self.server).and_then(|s| s.handler.take()) else { return };
        h.on_listening(lp, id);
        if let Some(s) = server_state(lp, self.server) {
            s.handler = Some(h);
        }
    }

    fn on_close(&mut self, lp: &mut EventLoop, _server: netcore_tcp::ServerId) {
        let Some(s) = server_state(lp, self.server) else { return };
        s.closed = true;
        maybe_closed(lp, self.server);
    }
}

/// Emits the server's `close` once the listener is closed and no connection is left.
fn maybe_closed(lp: &mut EventLoop, server: HandleId) {
    let Some(s) = server_state(lp, server) else { return };
    if !s.closed || !s.conns.is_empty() {
        return;
    }
    let Some(mut h) = s.handler.take() else { return };
    h.on_close(lp, ServerId(server));
    lp.remove_handle(server);
}

impl ServerId {
    /// The address the server listens on (`server.address()`).
    pub fn address(self, lp: &EventLoop) -> Option<Address> {
        lp.handle::<Server>(self.0)?.tcp?.address(lp)
    }

    /// Open connections.
    pub fn connection_count(self, lp: &EventLoop) -> usize {
        lp.handle::<Server>(self.0).map_or(0, |s| s.conns.len())
    }

    /// Stops accepting and closes idle connections; busy ones close after their response
    /// (`server.close()`, as Node 19+). `close` is emitted when the last one is gone.
    pub fn close(self, lp: &mut EventLoop) {
        let Some(s) = server_state(lp, self.0) else { return };
        if s.closing {
            return;
        }
        s.closing = true;
        let tcp = s.tcp;
        if let Some(t) = tcp {
            t.close(lp);
        }
        self.close_idle_connections(lp);
    }

    /// Closes every connection that is between requests (`server.closeIdleConnections()`).
    ///
    /// ```
    /// # use std::io::{Read, Write};
    /// # use netcore::EventLoop;
    /// # use netcore_http1::server::ServerId;
    /// # // Sends `request` from a plain socket, runs the loop to its end, returns the raw response.
    /// # fn exchange(lp: &mut EventLoop, server: ServerId, request: &str) -> std::io::Result<String> {
    /// #     let mut client = std::net::TcpStream::connect(server.address(lp).unwrap().to_string())?;
    /// #     client.write_all(request.as_bytes())?;
    /// #     client.shutdown(std::net::Shutdown::Write)?; // the server answers, then closes
    /// #     lp.run()?;
    /// #     let mut response = String::new();
    /// #     client.read_to_string(&mut response)?;
    /// #     Ok(response)
    /// # }
    /// # // What the handlers call when done: `ServerId::close`, the id kept in the loop's state.
    /// # fn close_server(lp: &mut EventLoop) {
    /// #     let server = *lp.state::<ServerId>().unwrap();
    /// #     server.close(lp);
    /// # }
    /// use netcore_http1::server::{listen, Request, Response};
    ///
    /// let mut lp = EventLoop::new()?;
    /// let server = listen(&mut lp, "127.0.0.1:0", |_: &Request<'_>, res: &mut Response<'_>| {
    ///     let server = *res.lp().state::<ServerId>().unwrap();
    ///     server.close_idle_connections(res.lp()); // the silent client's, not this busy one
    ///     server.close(res.lp());
    ///     res.end(b"ok");
    /// })?;
    /// lp.set_state(server);
    /// let mut silent = std::net::TcpStream::connect(server.address(&lp).unwrap().to_string())?;
    /// let response = exchange(&mut lp, server, "GET / HTTP/1.1\r\nHost: a\r\n\r\n")?;
    /// assert!(response.ends_with("ok"));
    /// let mut nothing = String::new();
    /// silent.read_to_string(&mut nothing)?; // closed without a word
    /// assert_eq!(nothing, "");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn close_idle_connections(self, lp: &mut EventLoop) {
        let conns = lp.handle::<Server>(self.0).map(|s| s.conns.clone()).unwrap_or_default();
        for c in conns {
            conn::close_if_idle(lp, c);
        }
    }

    /// Closes every connection at once (`server.closeAllConnections()`).
    ///
    /// ```
    /// # use std::io::{Read, Write};
    /// # use netcore::EventLoop;
    /// # use netcore_http1::server::ServerId;
    /// # // Sends `request` from a plain socket, runs the loop to its end, returns the raw response.
    /// # fn exchange(lp: &mut EventLoop, server: ServerId, request: &str) -> std::io::Result<String> {
    /// #     let mut client = std::net::TcpStream::connect(server.address(lp).unwrap().to_string())?;
    /// #     client.write_all(request.as_bytes())?;
    /// #     client.shutdown(std::net::Shutdown::Write)?; // the server answers, then closes
    /// #     lp.run()?;
    /// #     let mut response = String::new();
    /// #     client.read_to_string(&mut response)?;
    /// #     Ok(response)
    /// # }
    /// # // What the handlers call when done: `ServerId::close`, the id kept in the loop's state.
    /// # fn close_server(lp: &mut EventLoop) {
    /// #     let server = *lp.state::<ServerId>().unwrap();
    /// #     server.close(lp);
    /// # }
    /// use netcore_http1::server::{listen, Request, Response};
    ///
    /// let mut lp = EventLoop::new()?;
    /// let server = listen(&mut lp, "127.0.0.1:0", |_: &Request<'_>, res: &mut Response<'_>| {
    ///     let server = *res.lp().state::<ServerId>().unwrap();
    ///     server.close(res.lp()); // stop listening...
    ///     server.close_all_connections(res.lp()); // ...and drop even this request, unanswered
    /// })?;
    /// lp.set_state(server);
    /// let response = exchange(&mut lp, server, "GET / HTTP/1.1\r\nHost: a\r\n\r\n")?;
    /// assert_eq!(response, "");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn close_all_connections(self, lp: &mut EventLoop) {
        let conns = lp.handle::<Server>(self.0).map(|s| s.conns.clone()).unwrap_or_default();
        for c in conns {
            if let Some(socket) = conn::socket_of(lp, c) {
                socket.destroy(lp);
            }
        }
    }

    /// Lets the loop end while the server listens (`server.unref()`).
    ///
    /// ```
    /// # use std::io::{Read, Write};
    /// # use netcore::EventLoop;
    /// # use netcore_http1::server::ServerId;
    /// # // Sends `request` from a plain socket, runs the loop to its end, returns the raw response.
    /// # fn exchange(lp: &mut EventLoop, server: ServerId, request: &str) -> std::io::Result<String> {
    /// #     let mut client = std::net::TcpStream::connect(server.address(lp).unwrap().to_string())?;
    /// #     client.write_all(request.as_bytes())?;
    /// #     client.shutdown(std::net::Shutdown::Write)?; // the server answers, then closes
    /// #     lp.run()?;
    /// #     let mut response = String::new();
    /// #     client.read_to_string(&mut response)?;
    /// #     Ok(response)
    /// # }
    /// # // What the handlers call when done: `ServerId::close`, the id kept in the loop's state.
    /// # fn close_server(lp: &mut EventLoop) {
    /// #     let server = *lp.state::<ServerId>().unwrap();
    /// #     server.close(lp);
    /// # }
    /// use netcore_http1::server::{listen, Request, Response};
    ///
    /// let mut lp = EventLoop::new()?;
    /// let server = listen(&mut lp, "127.0.0.1:0", |_: &Request<'_>, res: &mut Response<'_>| res.end(b""))?;
    /// server.unref(&mut lp);
    /// lp.run()?; // returns at once: a listening server alone does not keep the loop alive
    /// assert!(server.address(&lp).is_some()); // still listening
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn unref(self, lp: &mut EventLoop) {
        if let Some(t) = lp.handle::<Server>(self.0).and_then(|s| s.tcp) {
            t.unref(lp);
        }
    }
}
