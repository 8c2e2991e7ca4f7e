//! The request side of an exchange (Node's `IncomingMessage` on a server): its head, and the
//! id that names it on the loop.

use std::ops::Deref;

use netcore::{EventLoop, HandleId};
use netcore_tcp::SocketId;

use crate::proto::RequestHead;

/// Names one request of one connection; `Copy`, so it can be kept and used later.
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
/// let server = listen(&mut lp, "127.0.0.1:0", |req: &Request<'_>, res: &mut Response<'_>| {
///     let id = req.id();
///     id.pause(res.lp()); // no more reading for now (backpressure)...
///     res.lp().set_immediate(move |lp| id.resume(lp)); // ...until the next turn
///     if id.index() == 1 {
///         close_server(res.lp()); // the connection ends after this last response
///     }
///     res.end(format!("request #{}", id.index()).as_bytes());
/// })?;
/// lp.set_state(server);
/// let pipelined = "GET /a HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.1\r\nHost: a\r\n\r\n";
/// let response = exchange(&mut lp, server, pipelined)?;
/// assert!(response.contains("request #0") && response.ends_with("request #1"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RequestId {
    pub(crate) conn: HandleId,
    pub(crate) socket: SocketId,
    pub(crate) seq: u64,
}

impl RequestId {
    /// The connection's socket.
    pub fn socket(self) -> SocketId {
        self.socket
    }

    /// Which request of the connection this is, counting from 0.
    pub fn index(self) -> u64 {
        self.seq
    }

    /// Stops reading the connection (the body's backpressure: `req.pause()`); no more
    /// `on_data` until [`resume`](Self::resume).
    pub fn pause(self, lp: &mut EventLoop) {
        super::conn::pause(lp, self.conn, true);
    }

    /// Reads again after [`pause`](Self::pause) (`req.resume()`).
    pub fn resume(self, lp: &mut EventLoop) {
        super::conn::pause(lp, self.conn, false);
    }
}

/// A request as its handler sees it: the parsed head (method, target, version, headers with
/// their case and order; it derefs to [`RequestHead`]) and its [`RequestId`].
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
/// let server = listen(&mut lp, "127.0.0.1:0", |req: &Request<'_>, res: &mut Response<'_>| {
///     // `req` derefs to the head: method, target, version, headers.
///     assert_eq!((req.method(), req.url(), req.version().as_str()), ("GET", "/search?q=rust", "1.1"));
///     let agent = req.headers().get("user-agent").unwrap_or_default();
///     close_server(res.lp());
///     res.end(agent);
/// })?;
/// lp.set_state(server);
/// let response = exchange(&mut lp, server, "GET /search?q=rust HTTP/1.1\r\nHost: a\r\nUser-Agent: doc\r\n\r\n")?;
/// assert!(response.ends_with("\r\n\r\ndoc"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Request<'a> {
    pub(crate) head: &'a RequestHead,
    pub(crate) id: RequestId,
}

impl Request<'_> {
    /// The request's id (for `pause`/`resume`, or to match body events to their request).
    pub fn id(&self) -> RequestId {
        self.id
    }

    /// The request target as sent (Node's `req.url`).
    pub fn url(&self) -> &str {
        self.head.target()
    }

    /// The parsed head.
    pub fn head(&self) -> &RequestHead {
        self.head
    }
}

impl Deref for Request<'_> {
    type Target = RequestHead;

    fn deref(&self) -> &RequestHead {
        self.head
    }
}
