//! Connection pooling (Node's `http.Agent`): keep-alive connections per `host:port`, reused for
//! later requests, a cap on sockets per host with a queue beyond it, and free sockets retired
//! before the server would close them.
//!
//! ```text
//!  request ─► free socket for host:port? ─yes─► reuse it (lifo: the newest; fifo: the oldest)
//!                 │ no
//!                 ▼
//!             fewer than max_sockets? ─yes─► connect
//!                 │ no
//!                 ▼
//!             queue ◄── a socket freed by a finished response goes to the queue's head first
//! ```

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use netcore::{EventLoop, HandleId, Ready};

use super::conn;
use super::error::Error;
use super::exchange;
use super::tunnel::Route;
use crate::proto::Limits;

/// Node's `maxFreeSockets`: free sockets kept per host (256).
pub const DEFAULT_MAX_FREE_SOCKETS: usize = 256;

/// How long a free socket waits for a request before it is closed, when the server sent no
/// `Keep-Alive: timeout=N` (4 s).
///
/// Node's global agent uses `timeout: 5000` and shortens it to one second under the server's
/// hint (`agent.keepSocketAlive`); against a Node server (`keepAliveTimeout` 5 s, hint
/// `timeout=5`) that is 4 s, which is our default whatever the server says, so that an
/// unhinted server with Node's default never closes a socket we are about to reuse.
pub const DEFAULT_FREE_SOCKET_TIMEOUT: Duration = Duration::from_secs(4);

/// Which free socket a request gets (Node's `scheduling`).
///
/// ```
/// use netcore_http1::client::{AgentOptions, Scheduling};
/// assert_eq!(AgentOptions::default().scheduling, Scheduling::Lifo);
/// let mut options = AgentOptions::default();
/// options.scheduling = Scheduling::Fifo; // spread requests over every kept-alive socket
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scheduling {
    /// The most recently used: few sockets stay warm and the rest time out (Node's default).
    #[default]
    Lifo,
    /// The least recently used: load spreads over every free socket.
    Fifo,
}

/// An agent's settings, with Node's global-agent defaults.
///
/// ```
/// use std::time::Duration;
/// use netcore_http1::client::{AgentOptions, DEFAULT_MAX_FREE_SOCKETS};
/// let defaults = AgentOptions::default();
/// assert!(defaults.keep_alive);
/// assert_eq!((defaults.max_sockets, defaults.max_free_sockets), (usize::MAX, DEFAULT_MAX_FREE_SOCKETS));
/// assert_eq!(defaults.free_socket_timeout, Duration::from_secs(4));
/// assert!(defaults.socket.no_delay);
/// // The struct is non-exhaustive: start from the defaults and assign.
/// let mut options = AgentOptions::default();
/// options.max_sockets = 8;
/// options.keep_alive = false; // `Connection: close` on every request
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AgentOptions {
    /// Keep connections open after a response for later requests (`keepAlive`; default true, as
    /// Node's global agent since Node 19). False sends `Connection: close`.
    pub keep_alive: bool,
    /// Sockets per `host:port`, busy, connecting and free together (`maxSockets`; default
    /// unlimited). Requests beyond it wait in a queue.
    pub max_sockets: usize,
    /// Free sockets kept per `host:port` (`maxFreeSockets`; default
    /// [`DEFAULT_MAX_FREE_SOCKETS`]); more are closed.
    pub max_free_sockets: usize,
    /// Which free socket a request gets (default [`Scheduling::Lifo`]).
    pub scheduling: Scheduling,
    /// A free socket's idle limit (default [`DEFAULT_FREE_SOCKET_TIMEOUT`]; zero: none), one
    /// second under the server's `Keep-Alive: timeout=N` if that is sooner. A hint of one second
    /// or less means the socket is not kept at all.
    pub free_socket_timeout: Duration,
    /// The response decoder's limits (header size and count, body size; default Node's).
    pub limits: Limits,
    /// The sockets' own settings (default: `no_delay` on, as Node's `http.request`). A
    /// [`layer`](netcore_tcp::SocketOptions::layer) makes this an `https:` agent (Node's
    /// `https.Agent`): every socket it opens speaks TLS, and it takes only `https:` requests.
    /// Its pools are keyed by `host:port` alone, so an agent serves one TLS configuration;
    /// pooling by host *and* TLS options, as Node's `https.globalAgent` does, is one agent per
    /// configuration (`netcore_tls::https::shared_agent`).
    pub socket: netcore_tcp::SocketOptions,
}

impl Default for AgentOptions {
    fn default() -> Self {
        Self {
            keep_alive: true,
            max_sockets: usize::MAX,
            max_free_sockets: DEFAULT_MAX_FREE_SOCKETS,
            scheduling: Scheduling::Lifo,
            free_socket_timeout: DEFAULT_FREE_SOCKET_TIMEOUT,
            limits: Limits::default(),
            socket: Self::default_socket(),
        }
    }
}

impl AgentOptions {
    /// Socket options for HTTP: Nagle off (Node's `noDelay: true`).
    pub(crate) fn default_socket() -> netcore_tcp::SocketOptions {
        let mut options = netcore_tcp::SocketOptions::default();
        options.no_delay = true;
        options
    }
}

/// The sockets and waiting requests of one `host:port`.
#[derive(Debug, Default)]
struct Pool {
    /// Every socket counted against `max_sockets`: connecting, busy and free.
    conns: Vec<HandleId>,
    free: VecDeque<HandleId>,
    queue: VecDeque<HandleId>,
}

/// A connection pool (Node's `http.Agent`), kept in the loop; named by its [`AgentId`].
///
/// ```no_run
/// use netcore::EventLoop;
/// use netcore_http1::client::{request, Agent, AgentChoice, AgentOptions, RequestOptions};
/// # use netcore_http1::client::{ClientRequest, ResponseHandler};
/// # use netcore_http1::proto::ResponseHead;
/// # struct Ignore;
/// # impl ResponseHandler for Ignore {
/// #     fn on_response(&mut self, _: &mut ClientRequest<'_>, _: &ResponseHead) {}
/// # }
/// let mut lp = EventLoop::new()?;
/// let mut options = AgentOptions::default();
/// options.max_sockets = 2;
/// let agent = Agent::new(&mut lp, options);
/// for i in 0..10 {
///     let opts = RequestOptions::new("GET", "127.0.0.1", 3000, &format!("/{i}"))
///         .agent(AgentChoice::Agent(agent));
///     let req = request(&mut lp, opts, Ignore)?;
///     req.end(&mut lp, b"");
/// }
/// lp.run()?; // ten requests over two connections
/// agent.destroy(&mut lp);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Agent {
    options: AgentOptions,
    pools: HashMap<String, Pool>,
}

/// Names an [`Agent`] on its loop. `Copy`; every method is a no-op once it is destroyed.
///
/// ```
/// use netcore::EventLoop;
/// use netcore_http1::client::{get, Agent, AgentChoice, AgentId, AgentOptions, RequestOptions};
/// use netcore_http1::client::{ClientRequest, Error, ResponseHandler};
/// use netcore_http1::proto::ResponseHead;
/// use netcore_http1::server::{self, Request, Response, ServerId};
///
/// struct Check { agent: AgentId, authority: String, server: ServerId }
/// impl ResponseHandler for Check {
///     fn on_response(&mut self, _: &mut ClientRequest<'_>, _: &ResponseHead) {}
///     fn on_end(&mut self, req: &mut ClientRequest<'_>) {
///         // The kept-alive connection is back in the pool, free for the next request.
///         assert_eq!(self.agent.free_sockets(req.lp(), &self.authority), 1);
///         self.server.close(req.lp());
///     }
///     fn on_error(&mut self, _: &mut ClientRequest<'_>, error: &Error) {
///         panic!("{error}");
///     }
/// }
/// let mut lp = EventLoop::new()?;
/// let server = server::listen(&mut lp, "127.0.0.1:0", |_: &Request<'_>, res: &mut Response<'_>| res.end(b"ok"))?;
/// let authority = server.address(&lp).unwrap().to_string(); // "127.0.0.1:<port>"
/// let agent = Agent::new(&mut lp, AgentOptions::default());
/// let opts = RequestOptions::from_url(&format!("http://{authority}/"))?.agent(AgentChoice::Agent(agent));
/// get(&mut lp, opts, Check { agent, authority: authority.clone(), server })?;
/// assert_eq!(agent.sockets(&lp, &authority), 1); // connecting already
/// lp.run()?;
/// agent.destroy(&mut lp);
/// assert!(!agent.is_alive(&lp));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AgentId(HandleId);

/// The loop's global agent, made on first use.
#[derive(Default)]
struct GlobalAgent(Option<AgentId>);

fn no_ready(_: &mut EventLoop, _: HandleId, _: Ready) {}

fn state(lp: &mut EventLoop, agent: AgentId) -> Option<&mut Agent> {
    lp.handle_mut::<Agent>(agent.0)
}

impl Agent {
    /// A new agent (`new http.Agent(options)`). It does not keep the loop alive; its busy
    /// sockets do, its free ones do not.
    #[allow(clippy::new_ret_no_self)] // the agent lives in the loop: the caller gets its id
    pub fn new(lp: &mut EventLoop, options: AgentOptions) -> AgentId {
        let id = lp.insert_handle(Agent { options, pools: HashMap::new() }, no_ready);
        lp.unref_handle(id);
        AgentId(id)
    }

    /// The loop's global agent (`http.globalAgent`): default [`AgentOptions`], made on first use
    /// (again after it is destroyed).
    ///
    /// ```
    /// use netcore_http1::client::Agent;
    /// let mut lp = netcore::EventLoop::new()?;
    /// let global = Agent::global(&mut lp);
    /// assert_eq!(Agent::global(&mut lp), global); // one per loop
    /// assert!(global.options(&lp).unwrap().keep_alive);
    /// global.destroy(&mut lp);
    /// assert_ne!(Agent::global(&mut lp), global); // a fresh one
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn global(lp: &mut EventLoop) -> AgentId {
        if let Some(id) = lp.state_or_default::<GlobalAgent>().0 {
            if id.is_alive(lp) {
                return id;
            }
        }
        let id = Agent::new(lp, AgentOptions::default());
        lp.state_or_default::<GlobalAgent>().0 = Some(id);
        id
    }
}

impl AgentId {
    /// Whether the agent exists (it was not destroyed).
    pub fn is_alive(self, lp: &EventLoop) -> bool {
        lp.handle::<Agent>(self.0).is_some()
    }

    /// The agent's settings; `None` once it is destroyed.
    ///
    /// ```
    /// use netcore_http1::client::{Agent, AgentOptions};
    /// let mut lp = netcore::EventLoop::new()?;
    /// let mut options = AgentOptions::default();
    /// options.max_sockets = 2;
    /// let agent = Agent::new(&mut lp, options);
    /// assert_eq!(agent.options(&lp).map(|o| o.max_sockets), Some(2));
    /// agent.destroy(&mut lp);
    /// assert!(agent.options(&lp).is_none());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn options(self, lp: &EventLoop) -> Option<&AgentOptions> {
        lp.handle::<Agent>(self.0).map(|a| &a.options)
    }

    /// Free sockets for `authority` (`"host:port"`, `"[::1]:port"`), as in Node's
    /// `agent.freeSockets`. Through a proxy the pool is the proxy's `"host:port"` for `http:`
    /// requests, and `"origin:port via [user@]proxy:port"` for the tunnels of `https:` ones.
    pub fn free_sockets(self, lp: &EventLoop, authority: &str) -> usize {
        self.pool(lp, authority).map_or(0, |p| p.free.len())
    }

    /// Open sockets for `authority`: connecting, busy and free.
    pub fn sockets(self, lp: &EventLoop, authority: &str) -> usize {
        self.pool(lp, authority).map_or(0, |p| p.conns.len())
    }

    /// Requests for `authority` waiting for a socket (`agent.requests`).
    pub fn pending_requests(self, lp: &EventLoop, authority: &str) -> usize {
        self.pool(lp, authority).map_or(0, |p| p.queue.len())
    }

    fn pool<'a>(self, lp: &'a EventLoop, authority: &str) -> Option<&'a Pool> {
        lp.handle::<Agent>(self.0)?.pools.get(authority)
    }

    /// Destroys every socket of the agent, busy or free (`agent.destroy()`): requests on them
    /// and requests still waiting fail with [`Error::AgentDestroyed`]. The id is dead after this.
    ///
    /// ```
    /// use std::{cell::Cell, rc::Rc};
    /// use netcore::EventLoop;
    /// use netcore_http1::client::{get, Agent, AgentChoice, AgentOptions, RequestOptions};
    /// use netcore_http1::client::{ClientRequest, Error, ResponseHandler};
    /// use netcore_http1::proto::ResponseHead;
    ///
    /// struct ExpectDestroyed(Rc<Cell<u32>>);
    /// impl ResponseHandler for ExpectDestroyed {
    ///     fn on_response(&mut self, _: &mut ClientRequest<'_>, _: &ResponseHead) {}
    ///     fn on_error(&mut self, _: &mut ClientRequest<'_>, error: &Error) {
    ///         assert_eq!(error.code(), "ERR_AGENT_DESTROYED");
    ///         self.0.set(self.0.get() + 1);
    ///     }
    /// }
    /// let failed = Rc::new(Cell::new(0));
    /// let mut lp = EventLoop::new()?;
    /// let mut options = AgentOptions::default();
    /// options.max_sockets = 1;
    /// let agent = Agent::new(&mut lp, options);
    /// for _ in 0..3 {
    ///     let opts = RequestOptions::new("GET", "127.0.0.1", 9, "/").agent(AgentChoice::Agent(agent));
    ///     get(&mut lp, opts, ExpectDestroyed(failed.clone()))?;
    /// }
    /// // One socket connecting, two requests queued behind it.
    /// assert_eq!((agent.sockets(&lp, "127.0.0.1:9"), agent.pending_requests(&lp, "127.0.0.1:9")), (1, 2));
    /// agent.destroy(&mut lp);
    /// lp.run()?;
    /// assert_eq!(failed.get(), 3);
    /// assert!(!agent.is_alive(&lp));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn destroy(self, lp: &mut EventLoop) {
        let Some(agent) = lp.remove_handle(self.0) else { return };
        let Ok(agent) = agent.downcast::<Agent>() else { return };
        for (_, pool) in agent.pools {
            for req in pool.queue {
                if let Some(x) = exchange::get(lp, req) {
                    x.queued = false;
                }
                exchange::connection_lost(lp, req, Error::AgentDestroyed);
            }
            for c in pool.conns {
                conn::failed(lp, c, Error::AgentDestroyed);
            }
        }
    }
}

/// Finds request `req` a connection: a free one, a new one, or a place in the queue. Without an
/// agent: a new connection of its own.
pub(crate) fn add_request(lp: &mut EventLoop, agent: Option<AgentId>, route: &Route, req: HandleId) {
    let Some(a) = agent.filter(|a| a.is_alive(lp)) else {
        let c = conn::create(lp, None, route);
        conn::start(lp, c, req);
        return;
    };
    let Some(state) = state(lp, a) else { return };
    let (lifo, max) = (state.options.scheduling == Scheduling::Lifo, state.options.max_sockets);
    let pool = state.pools.entry(route.key.clone()).or_default();
    let free = if lifo { pool.free.pop_back() } else { pool.free.pop_front() };
    if let Some(c) = free {
        conn::assign(lp, c, req);
        return;
    }
    if pool.conns.len() >= max {
        pool.queue.push_back(req);
        if let Some(x) = exchange::get(lp, req) {
            x.queued = true;
        }
        return;
    }
    open(lp, a, route, req);
}

/// A new connection for `req`, counted in the pool.
fn open(lp: &mut EventLoop, agent: AgentId, route: &Route, req: HandleId) {
    let c = conn::create(lp, Some(agent), route);
    if let Some(pool) = state(lp, agent).and_then(|s| s.pools.get_mut(&route.key)) {
        pool.conns.push(c);
        conn::set_in_agent(lp, c);
    }
    conn::start(lp, c, req);
}

/// A connection finished a response and may carry another request: it goes to the first
/// queued request, or to the free list. Returns false if the agent has no room for it (the
/// caller closes it).
pub(crate) fn release(lp: &mut EventLoop, agent: AgentId, key: &str, c: HandleId) -> bool {
    let Some(state) = state(lp, agent) else { return false };
    let max_free = state.options.max_free_sockets;
    let Some(pool) = state.pools.get_mut(key) else { return false };
    if let Some(req) = pool.queue.pop_front() {
        if let Some(x) = exchange::get(lp, req) {
            x.queued = false;
        }
        conn::assign(lp, c, req);
        return true;
    }
    if pool.free.len() >= max_free {
        return false;
    }
    pool.free.push_back(c);
    conn::idle(lp, c);
    true
}

/// A connection closed: it leaves the pool, and a queued request gets a new one in its place.
pub(crate) fn remove_conn(lp: &mut EventLoop, agent: AgentId, route: &Route, c: HandleId) {
    let key = route.key.as_str();
    let Some(state) = state(lp, agent) else { return };
    let max = state.options.max_sockets;
    let Some(pool) = state.pools.get_mut(key) else { return };
    pool.conns.retain(|x| *x != c);
    pool.free.retain(|x| *x != c);
    let next = if pool.conns.len() < max { pool.queue.pop_front() } else { None };
    if pool.conns.is_empty() && pool.queue.is_empty() {
        state.pools.remove(key);
    }
    if let Some(req) = next {
        if let Some(x) = exchange::get(lp, req) {
            x.queued = false;
        }
        open(lp, agent, route, req);
    }
}

/// A retried request's fresh connection takes the dead one's place in the pool.
pub(crate) fn replace_conn(lp: &mut EventLoop, agent: AgentId, key: &str, old: HandleId, fresh: HandleId) {
    let Some(pool) = state(lp, agent).and_then(|s| s.pools.get_mut(key)) else { return };
    pool.free.retain(|x| *x != old);
    match pool.conns.iter_mut().find(|x| **x == old) {
        Some(slot) => *slot = fresh,
        None => pool.conns.push(fresh),
    }
    conn::set_in_agent(lp, fresh);
}

/// A queued request was aborted: it leaves the queue.
pub(crate) fn dequeue(lp: &mut EventLoop, agent: AgentId, key: &str, req: HandleId) {
    if let Some(pool) = state(lp, agent).and_then(|s| s.pools.get_mut(key)) {
        pool.queue.retain(|x| *x != req);
    }
}
