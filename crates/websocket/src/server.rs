//! Node `ws`'s `WebSocketServer`: standalone on a port ([`listen`]), or attached to a
//! `netcore-http1` server's `upgrade` event ([`handle_upgrade`], `ws`'s `noServer` mode); a
//! [`Router`] serves several paths, each with its own handlers, either way ([`listen_router`],
//! [`Router::handle_upgrade`]).

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;
use std::time::Duration;

use netcore::EventLoop;
use netcore_http1::proto::RequestHead;
use netcore_http1::server::{Handler, Request, Response, ServerId, Upgrade};

use crate::conn::{self, Setup, WebSocketId, DEFAULT_CLOSE_TIMEOUT, DEFAULT_HIGH_WATER_MARK};
use crate::error::Error;
use crate::handler::WebSocketHandler;
use crate::pool::DeflatePool;
use crate::proto::extension::DeflateConfig;
use crate::proto::handshake::{validate_request, write_accept, write_reject};
use crate::proto::session::DEFAULT_MAX_MESSAGE_SIZE;
use crate::proto::{Config, Role};

/// A server's settings (Node `ws`'s `WebSocketServer` options). `Default`: no compression (as
/// `ws`), 100 MiB messages, 30 s close timeout, 64 KiB high-water mark, any path.
///
/// ```
/// use std::time::Duration;
/// use netcore_websocket::proto::extension::DeflateConfig;
/// use netcore_websocket::server::{listen, ServerOptions};
/// use netcore_websocket::WebSocket;
///
/// let mut options = ServerOptions::default();
/// options.deflate = Some(DeflateConfig::default()); // `perMessageDeflate: true`
/// options.max_payload = 1 << 20; // `maxPayload`: 1 MiB, then close 1009
/// options.path = Some("/chat".into()); // `path`: other targets get 400
/// options.close_timeout = Duration::from_secs(5);
/// let mut lp = netcore::EventLoop::new()?;
/// let server = listen(&mut lp, "127.0.0.1:0", options, |_head: &_| {
///     |ws: &mut WebSocket<'_>, data: bytes::Bytes, is_binary: bool| {
///         ws.send(&data, is_binary);
///     }
/// })?;
/// server.close(&mut lp);
/// lp.run()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ServerOptions {
    /// permessage-deflate (`perMessageDeflate`): `None` (default) declines every offer.
    pub deflate: Option<DeflateConfig>,
    /// The largest message and frame accepted (`maxPayload`, default 100 MiB); beyond: 1009.
    pub max_payload: usize,
    /// The wait for the closing handshake to finish before the socket is destroyed.
    pub close_timeout: Duration,
    /// Bytes queued beyond which `send` returns false.
    pub high_water_mark: usize,
    /// Only upgrade requests for this path (the target without its query) are accepted
    /// (`path`); others get 400. `None` (default): any. For several paths, each with its own
    /// handlers (and 404 for the others), use a [`Router`].
    pub path: Option<String>,
    /// The most connections on one loop that may keep compression history between messages
    /// (default [`DEFAULT_MAX_DEFLATE_CONTEXTS`]); those beyond are answered with
    /// `server_no_context_takeover` and `client_no_context_takeover` and share pooled states
    /// between messages, so compressed connections cost no window each.
    pub max_deflate_contexts: usize,
    /// The HTTP server's own options (timeouts, head limits) for [`listen`].
    pub http: netcore_http1::server::ServerOptions,
}

/// Connections per loop that may keep their own compression windows (about 355 KiB each: 64 of
/// them take about 22 MiB).
pub const DEFAULT_MAX_DEFLATE_CONTEXTS: usize = 64;

impl Default for ServerOptions {
    fn default() -> Self {
        Self {
            deflate: None,
            max_payload: DEFAULT_MAX_MESSAGE_SIZE,
            close_timeout: DEFAULT_CLOSE_TIMEOUT,
            high_water_mark: DEFAULT_HIGH_WATER_MARK,
            path: None,
            max_deflate_contexts: DEFAULT_MAX_DEFLATE_CONTEXTS,
            http: netcore_http1::server::ServerOptions::default(),
        }
    }
}

/// Answers an upgrade request from a `netcore-http1` server (`wss.handleUpgrade`): validates
/// the handshake (RFC 6455 §4.2.1), agrees on permessage-deflate if `options` allow it, picks the
/// first subprotocol offered (`ws`'s default), writes the `101` and hands the socket to a new
/// connection with `handler`. A bad handshake is answered with its status (400, or 426 with the
/// supported version) and the connection is closed. Either way the socket is taken: return true
/// from `on_upgrade`.
///
/// ```no_run
/// use netcore_http1::server::{listen, Handler, Request, Response, Upgrade};
/// use netcore_websocket::server::{handle_upgrade, ServerOptions};
/// use netcore_websocket::WebSocket;
///
/// #[derive(Clone)]
/// struct App;
///
/// impl Handler for App {
///     fn on_request(&mut self, _req: &Request<'_>, res: &mut Response<'_>) {
///         res.end(b"plain HTTP here\n");
///     }
///     fn on_upgrade(&mut self, up: &mut Upgrade<'_>) -> bool {
///         let echo = |ws: &mut WebSocket<'_>, data: bytes::Bytes, binary: bool| {
///             ws.send(&data, binary);
///         };
///         let _ = handle_upgrade(up, &ServerOptions::default(), echo);
///         true
///     }
/// }
///
/// let mut lp = netcore::EventLoop::new()?;
/// listen(&mut lp, "127.0.0.1:8080", App)?;
/// lp.run()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn handle_upgrade(
    upgrade: &mut Upgrade<'_>,
    options: &ServerOptions,
    handler: impl WebSocketHandler,
) -> Result<WebSocketId, Error> {
    upgrade_with(upgrade, options, Box::new(handler))
}

/// [`handle_upgrade`] with a boxed handler.
fn upgrade_with(
    upgrade: &mut Upgrade<'_>,
    options: &ServerOptions,
    handler: Box<dyn WebSocketHandler>,
) -> Result<WebSocketId, Error> {
    let socket = upgrade.socket();
    let mut out = Vec::new();
    if let Some(path) = &options.path {
        if upgrade.head().target().split('?').next() != Some(path.as_str()) {
            // `ws` answers an upgrade for another path with 400.
            let _ = write_reject(400, "Bad Request", &[], &mut out);
            let lp = upgrade.lp();
            socket.end_with(lp, &out);
            return Err(Error::Rejected { status: 400 });
        }
    }
    // Past the loop's budget of compression windows, compress without context takeover.
    let budget_spent = DeflatePool::of(upgrade.lp()).takeover >= options.max_deflate_contexts;
    let accepted = validate_request(upgrade.head()).and_then(|handshake| {
        let deflate = options.deflate.as_ref().and_then(|config| {
            let mut config = *config;
            if budget_spent {
                config.server_no_context_takeover = true;
                config.client_no_context_takeover = true;
            }
            handshake.negotiate_deflate(&config).map(|params| (params, config.threshold, config.level))
        });
        let protocol = handshake.protocols().first().cloned();
        write_accept(&handshake, protocol.as_deref(), deflate.as_ref().map(|d| &d.0), &[], &mut out)?;
        Ok((deflate, protocol))
    });
    let lp = upgrade.lp();
    let (deflate, protocol) = match accepted {
        Ok(agreed) => agreed,
        Err(e) => {
            out.clear();
            e.write_response(&mut out);
            socket.end_with(lp, &out);
            return Err(Error::Handshake(e));
        }
    };
    socket.write(lp, &out);
    let rest = upgrade.take_rest();
    let config = Config {
        max_frame_size: options.max_payload,
        max_message_size: options.max_payload,
        ..Config::default()
    };
    let setup = Setup {
        role: Role::Server,
        config,
        deflate,
        close_timeout: options.close_timeout,
        high_water_mark: options.high_water_mark,
        protocol,
    };
    // The socket goes to the connection; the HTTP server lets go of it.
    let (id, events) = conn::create(upgrade.lp(), socket, setup, handler);
    if !upgrade.accept(events) {
        conn::discard(upgrade.lp(), id);
        return Err(Error::Protocol(crate::proto::Error::Closed));
    }
    conn::start(upgrade.lp(), id, &rest);
    Ok(id)
}

/// A standalone WebSocket server on `addr` (`new WebSocketServer({ port })`): every upgrade
/// request that passes the handshake becomes a connection with the handler `connection` makes
/// from its request head; plain HTTP requests get `426 Upgrade Required`, as from `ws`.
///
/// ```no_run
/// use netcore_websocket::server::{listen, ServerOptions};
/// use netcore_websocket::WebSocket;
///
/// let mut lp = netcore::EventLoop::new()?;
/// let server = listen(&mut lp, "127.0.0.1:8080", ServerOptions::default(), |_head: &_| {
///     |ws: &mut WebSocket<'_>, data: bytes::Bytes, binary: bool| {
///         ws.send(&data, binary);
///     }
/// })?;
/// println!("listening on {}", server.address(&lp).unwrap());
/// lp.run()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn listen<F, H>(
    lp: &mut EventLoop,
    addr: &str,
    options: ServerOptions,
    connection: F,
) -> Result<ServerId, netcore_tcp::Error>
where
    F: FnMut(&RequestHead) -> H + Clone + 'static,
    H: WebSocketHandler,
{
    let http = options.http.clone();
    let handler = Standalone { options: Rc::new(options), connection };
    netcore_http1::server::listen_with(lp, addr, http, handler)
}

/// The HTTP side of a standalone server: 426 for requests, the handshake for upgrades.
#[derive(Clone)]
struct Standalone<F> {
    options: Rc<ServerOptions>,
    connection: F,
}

impl<F, H> Handler for Standalone<F>
where
    F: FnMut(&RequestHead) -> H + Clone + 'static,
    H: WebSocketHandler,
{
    fn on_request(&mut self, _req: &Request<'_>, res: &mut Response<'_>) {
        upgrade_required(res);
    }

    fn on_upgrade(&mut self, upgrade: &mut Upgrade<'_>) -> bool {
        if upgrade.is_connect() {
            return false;
        }
        let handler = (self.connection)(upgrade.head());
        let _ = handle_upgrade(upgrade, &self.options, handler);
        true
    }
}

/// Makes a route's handler from an upgrade request's head.
type Factory = dyn FnMut(&RequestHead) -> Box<dyn WebSocketHandler>;

/// Upgrade requests routed by path, each path with its own handler factory: Node `ws`'s
/// `noServer` servers, one per path, picked by `request.url` in the `upgrade` listener.
///
/// A route matches a request whose target, without its query (`?…`), is exactly the route's
/// path: `/chat` matches `/chat` and `/chat?room=1`, not `/chat/`, `/chat/1` or `/Chat` (no
/// prefixes, patterns, trailing-slash folding, case folding or percent-decoding). An upgrade to
/// a path without a route is answered `404 Not Found` and its connection closed. The first
/// route added for a path wins.
///
/// A factory is shared by every HTTP connection of the server (the loop is single-threaded), so
/// it may keep state across them, such as a count of connections.
///
/// ```no_run
/// use netcore_websocket::server::{listen_router, Router, ServerOptions};
/// use netcore_websocket::WebSocket;
///
/// let router = Router::new()
///     .route("/echo", |_head: &_| {
///         |ws: &mut WebSocket<'_>, data: bytes::Bytes, binary: bool| {
///             ws.send(&data, binary);
///         }
///     })
///     .route("/shout", |_head: &_| {
///         |ws: &mut WebSocket<'_>, data: bytes::Bytes, _binary: bool| {
///             ws.send_text(&String::from_utf8_lossy(&data).to_uppercase());
///         }
///     });
/// let mut lp = netcore::EventLoop::new()?;
/// listen_router(&mut lp, "127.0.0.1:8080", ServerOptions::default(), router)?;
/// lp.run()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Default)]
pub struct Router {
    routes: Vec<(String, Rc<RefCell<Factory>>)>,
}

impl fmt::Debug for Router {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Router")
            .field("paths", &self.routes.iter().map(|(p, _)| p).collect::<Vec<_>>())
            .finish()
    }
}

impl Router {
    /// A router without routes (every upgrade gets 404).
    pub fn new() -> Router {
        Router::default()
    }

    /// Adds a route: upgrades to `path` (matched exactly, without the query) get a connection
    /// with the handler `factory` makes from the request head.
    pub fn route<F, H>(mut self, path: &str, mut factory: F) -> Router
    where
        F: FnMut(&RequestHead) -> H + 'static,
        H: WebSocketHandler,
    {
        let boxed = move |head: &RequestHead| -> Box<dyn WebSocketHandler> { Box::new(factory(head)) };
        self.routes.push((path.to_owned(), Rc::new(RefCell::new(boxed))));
        self
    }

    /// Whether a route matches `target` (a request target: its query is ignored).
    pub fn matches(&self, target: &str) -> bool {
        self.find(target).is_some()
    }

    fn find(&self, target: &str) -> Option<&Rc<RefCell<Factory>>> {
        let path = target.split_once('?').map_or(target, |(path, _)| path);
        self.routes.iter().find(|(p, _)| p == path).map(|(_, f)| f)
    }

    /// Answers an upgrade request from a `netcore-http1` server by its route: as
    /// [`handle_upgrade`] with the handler the route's factory makes, or `404 Not Found` (and
    /// [`Error::Rejected`]) when no route matches. Either way the socket is taken: return true
    /// from `on_upgrade`. `options.path`, if set, is checked as well (leave it `None`).
    ///
    /// ```no_run
    /// use netcore_http1::server::{listen, Handler, Request, Response, Upgrade};
    /// use netcore_websocket::server::{Router, ServerOptions};
    /// use netcore_websocket::WebSocket;
    ///
    /// #[derive(Clone)]
    /// struct App {
    ///     router: Router,
    /// }
    ///
    /// impl Handler for App {
    ///     fn on_request(&mut self, _req: &Request<'_>, res: &mut Response<'_>) {
    ///         res.end(b"plain HTTP here\n");
    ///     }
    ///     fn on_upgrade(&mut self, up: &mut Upgrade<'_>) -> bool {
    ///         let _ = self.router.handle_upgrade(up, &ServerOptions::default());
    ///         true
    ///     }
    /// }
    ///
    /// let echo = |_head: &_| {
    ///     |ws: &mut WebSocket<'_>, data: bytes::Bytes, binary: bool| {
    ///         ws.send(&data, binary);
    ///     }
    /// };
    /// let mut lp = netcore::EventLoop::new()?;
    /// listen(&mut lp, "127.0.0.1:8080", App { router: Router::new().route("/echo", echo) })?;
    /// lp.run()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn handle_upgrade(
        &self,
        upgrade: &mut Upgrade<'_>,
        options: &ServerOptions,
    ) -> Result<WebSocketId, Error> {
        let Some(factory) = self.find(upgrade.head().target()) else {
            let mut out = Vec::new();
            let _ = write_reject(404, "Not Found", &[], &mut out);
            let socket = upgrade.socket();
            socket.end_with(upgrade.lp(), &out);
            return Err(Error::Rejected { status: 404 });
        };
        // A factory gets no loop, so it cannot reach the router again while borrowed.
        let handler = (factory.borrow_mut())(upgrade.head());
        upgrade_with(upgrade, options, handler)
    }
}

/// A standalone WebSocket server on `addr` serving the paths of `router` (Node `ws`'s
/// `noServer` servers behind one HTTP server's `upgrade` listener): an upgrade to a routed
/// path becomes a connection with that route's handler, one to another path gets `404 Not
/// Found`, and plain HTTP requests get `426 Upgrade Required`, as from [`listen`].
pub fn listen_router(
    lp: &mut EventLoop,
    addr: &str,
    options: ServerOptions,
    router: Router,
) -> Result<ServerId, netcore_tcp::Error> {
    let http = options.http.clone();
    let handler = Routed { options: Rc::new(options), router };
    netcore_http1::server::listen_with(lp, addr, http, handler)
}

/// The HTTP side of a routed standalone server.
#[derive(Clone)]
struct Routed {
    options: Rc<ServerOptions>,
    router: Router,
}

impl Handler for Routed {
    fn on_request(&mut self, _req: &Request<'_>, res: &mut Response<'_>) {
        upgrade_required(res);
    }

    fn on_upgrade(&mut self, upgrade: &mut Upgrade<'_>) -> bool {
        if upgrade.is_connect() {
            return false;
        }
        let _ = self.router.handle_upgrade(upgrade, &self.options);
        true
    }
}

/// `ws`'s answer to a plain HTTP request.
fn upgrade_required(res: &mut Response<'_>) {
    res.set_status(426);
    let _ = res.set_header("Content-Type", "text/plain");
    res.end(b"Upgrade Required");
}
