//! The HTTP/1.1 client (Node's `http.request`, `http.get` and `http.Agent`) on the netcore loop
//! and `netcore-tcp`.
//!
//! The codec in [`proto`](crate::proto) writes the request head and the chunked body and parses
//! the response; this module binds it to sockets. A request is made with [`request`] (or
//! [`get`]), written to through its [`ClientRequestId`] (a writable body stream with
//! backpressure, trailers, `Expect: 100-continue`), and its [`ResponseHandler`] gets the
//! response's events. Connections come from an [`Agent`]: keep-alive pools per `host:port`, with
//! Node's defaults.
//!
//! ```text
//!  request(lp, options, handler) ─► Agent: free socket for host:port? else connect (or queue)
//!  req.write / req.end ─► head + body (Content-Length or chunked) ─► one socket write per tick
//!  socket ─► ResponseDecoder ─► on_information* ─► on_response ─► on_data* ─► on_trailers? ─► on_end
//!                                               └─► on_upgrade (101, or 2xx to CONNECT)
//!  then on_close; the socket goes back to the agent (keep-alive) or is closed
//! ```
//!
//! Node's behaviour kept: the global agent keeps connections alive (Node 19+), `lifo`
//! scheduling, 256 free sockets per host, `req.reusedSocket`, errors named `ECONNREFUSED`,
//! `ECONNRESET` ("socket hang up"), `ETIMEDOUT`… Added: an idempotent request that finds its
//! reused connection closed before any response byte (the keep-alive race, RFC 9112 §9.3.1) is
//! sent again once on a fresh connection, and a free socket is retired a second before the
//! server's `Keep-Alive: timeout=N`. A [`Proxy`] (explicit, or `HTTP_PROXY`/`HTTPS_PROXY`/
//! `NO_PROXY` on request) gets an `http:` request in absolute form, and opens a `CONNECT`
//! tunnel for an `https:` one (TLS to the origin inside it; tunnels pooled per proxy and
//! origin); its `user:pass@` goes out as `Proxy-Authorization`, a request URL's as
//! `Authorization` (Node's `auth`). One request at a time per connection (no pipelining).
//! `https:` requests go through an agent whose sockets carry a TLS layer (`netcore_tls::https`
//! makes them: one agent per TLS configuration, pooling by `host:port`); a plain agent, the
//! global one included, refuses them with `ERR_INVALID_PROTOCOL`, as Node's `http.request`
//! does.
//!
//! Defaults: [`DEFAULT_MAX_FREE_SOCKETS`] free sockets per host, no cap on busy ones,
//! [`DEFAULT_FREE_SOCKET_TIMEOUT`] for a free socket, [`DEFAULT_CONTINUE_TIMEOUT`] for a body
//! behind `Expect: 100-continue`, a 64 KiB high-water mark for request bodies (the agent's
//! socket option), Node's header limits for responses ([`AgentOptions::limits`]).
//!
//! ```no_run
//! use bytes::Bytes;
//! use netcore::EventLoop;
//! use netcore_http1::client::{get, ClientRequest, ResponseHandler};
//! use netcore_http1::proto::ResponseHead;
//!
//! #[derive(Default)]
//! struct Body(Vec<u8>);
//! impl ResponseHandler for Body {
//!     fn on_response(&mut self, req: &mut ClientRequest<'_>, res: &ResponseHead) {
//!         println!("{} {} (reused socket: {})", res.status(), res.reason(), req.reused_socket());
//!     }
//!     fn on_data(&mut self, _req: &mut ClientRequest<'_>, data: Bytes) {
//!         self.0.extend_from_slice(&data);
//!     }
//!     fn on_end(&mut self, _req: &mut ClientRequest<'_>) {
//!         println!("{}", String::from_utf8_lossy(&self.0));
//!     }
//! }
//!
//! let mut lp = EventLoop::new()?;
//! get(&mut lp, "http://127.0.0.1:3000/hello", Body::default())?;
//! lp.run()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod agent;
mod conn;
mod error;
mod exchange;
mod handler;
mod options;
mod proxy;
mod request;
mod tunnel;
mod url;

use netcore::EventLoop;

pub use agent::{
    Agent, AgentId, AgentOptions, Scheduling, DEFAULT_FREE_SOCKET_TIMEOUT, DEFAULT_MAX_FREE_SOCKETS,
};
pub use error::Error;
pub use handler::{ResponseHandler, Upgrade};
pub use options::{AgentChoice, RequestOptions, ToRequestOptions, DEFAULT_CONTINUE_TIMEOUT};
pub use proxy::{basic_credentials, Proxy};
pub use request::{ClientRequest, ClientRequestId};
pub use url::{Protocol, Url, UrlError};

/// Starts a request (`http.request(options)`). Nothing is sent until the first
/// [`write`](ClientRequestId::write), [`end`](ClientRequestId::end) or
/// [`flush_headers`](ClientRequestId::flush_headers); the connection is found (or started) at
/// once. Errors here are the caller's: a method, path or header that cannot be written, or a
/// destroyed agent; everything later goes to the handler.
///
/// ```no_run
/// use netcore::EventLoop;
/// use netcore_http1::client::{request, ClientRequest, RequestOptions, ResponseHandler};
/// use netcore_http1::proto::ResponseHead;
///
/// struct Status;
/// impl ResponseHandler for Status {
///     fn on_response(&mut self, _req: &mut ClientRequest<'_>, res: &ResponseHead) {
///         println!("{}", res.status());
///     }
/// }
/// let mut lp = EventLoop::new()?;
/// let opts = RequestOptions::new("POST", "127.0.0.1", 3000, "/upload").header("Content-Type", "text/plain");
/// let req = request(&mut lp, opts, Status)?;
/// req.write(&mut lp, b"hello, "); // chunked: the body comes in pieces
/// req.end(&mut lp, b"world");
/// lp.run()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn request(
    lp: &mut EventLoop,
    options: RequestOptions,
    handler: impl ResponseHandler,
) -> Result<ClientRequestId, Error> {
    exchange::create(lp, options, Box::new(handler))
}

/// A `GET` of a URL or options, sent at once (`http.get`: [`request`] with the method set to
/// `GET`, then `end`).
///
/// ```no_run
/// # use netcore::EventLoop;
/// # use netcore_http1::client::{get, ClientRequest, ResponseHandler};
/// # use netcore_http1::proto::ResponseHead;
/// # struct Status;
/// # impl ResponseHandler for Status {
/// #     fn on_response(&mut self, _req: &mut ClientRequest<'_>, res: &ResponseHead) {}
/// # }
/// let mut lp = EventLoop::new()?;
/// get(&mut lp, "http://localhost:3000/?q=1", Status)?;
/// lp.run()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn get(
    lp: &mut EventLoop,
    target: impl ToRequestOptions,
    handler: impl ResponseHandler,
) -> Result<ClientRequestId, Error> {
    let mut options = target.to_request_options()?;
    options.method = "GET".into();
    let id = request(lp, options, handler)?;
    id.end(lp, b"");
    Ok(id)
}
