//! What a server's owner does on each event: [`Handler`] per connection (Node's `request`,
//! `checkContinue`, `upgrade`, `clientError`… and the request's `data`/`end`), and
//! [`ServerHandler`], which makes one for each connection.

use bytes::Bytes;
use netcore::EventLoop;
use netcore_tcp::{Socket, SocketId};

use super::request::Request;
use super::response::{Response, ResponseId};
use super::upgrade::Upgrade;
use super::ServerId;
use crate::proto::{Headers, ParseError};

/// The events of one connection's requests. Requests on a connection come in order; each event
/// names its request (`req.id()`), and each response goes out in request order whenever it is
/// written, so a handler may answer later (from a timer or a thread-pool job) through
/// [`Response::id`].
///
/// A closure `FnMut(&Request, &mut Response)` is a `Handler` (every other event keeps its
/// default), and a `Handler + Clone` is a [`ServerHandler`] (cloned for each connection):
///
/// ```no_run
/// use netcore::EventLoop;
/// use netcore_http1::server::{listen, Request, Response};
/// let mut lp = EventLoop::new()?;
/// listen(&mut lp, "127.0.0.1:3000", |_req: &Request<'_>, res: &mut Response<'_>| {
///     res.set_header("Content-Type", "text/plain").unwrap();
///     res.end(b"Hello, world!\n");
/// })?;
/// lp.run()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait Handler: 'static {
    /// A request head arrived (`request`). The body, if any, follows as [`on_data`](Self::on_data)
    /// and [`on_end`](Self::on_end); without them it is read and dropped.
    fn on_request(&mut self, req: &Request<'_>, res: &mut Response<'_>);

    /// A piece of the request body (`req.on('data')`), de-chunked.
    fn on_data(&mut self, req: &Request<'_>, data: Bytes, res: &mut Response<'_>) {
        let _ = (req, data, res);
    }

    /// The request body's trailer section (`req.trailers`), before [`on_end`](Self::on_end).
    fn on_trailers(&mut self, req: &Request<'_>, trailers: &Headers, res: &mut Response<'_>) {
        let _ = (req, trailers, res);
    }

    /// The request is complete (`req.on('end')`).
    fn on_end(&mut self, req: &Request<'_>, res: &mut Response<'_>) {
        let _ = (req, res);
    }

    /// The connection's write queue drained after a `write` returned false (`res.on('drain')`);
    /// `res` is the response at the head of the queue.
    fn on_drain(&mut self, res: &mut Response<'_>) {
        let _ = res;
    }

    /// The request carries `Expect: 100-continue` (`checkContinue`). The default answers
    /// `100 Continue` and handles the request as usual; to refuse the body, answer with a final
    /// status (417, 413…) instead.
    fn on_check_continue(&mut self, req: &Request<'_>, res: &mut Response<'_>) {
        res.write_continue();
        self.on_request(req, res);
    }

    /// The request carries an `Expect` other than `100-continue` (`checkExpectation`). The
    /// default answers `417 Expectation Failed`.
    fn on_check_expectation(&mut self, req: &Request<'_>, res: &mut Response<'_>) {
        let _ = req;
        res.set_status(417);
        res.end(b"");
    }

    /// A request asked to switch protocols (`upgrade`: `Connection: upgrade` with `Upgrade`) or
    /// to open a tunnel (`connect`: `CONNECT`). Return true to take the socket: answer on it
    /// (`101 Switching Protocols`, or `200` for a tunnel) and give it a new handler with
    /// [`Upgrade::accept`]; the bytes after the head are in [`Upgrade::rest`]. The
    /// default declines: an `Upgrade` request is then handled as an ordinary request, and a
    /// `CONNECT` gets `405 Method Not Allowed`.
    fn on_upgrade(&mut self, upgrade: &mut Upgrade<'_>) -> bool {
        let _ = upgrade;
        false
    }

    /// The peer sent something that is not HTTP (`clientError`). Return true (the default) to
    /// answer with the codec's status (400, 413, 414, 431, 501 or 505) and `Connection: close`,
    /// then close; return false to deal with the socket yourself.
    fn on_client_error(&mut self, lp: &mut EventLoop, socket: SocketId, error: &ParseError) -> bool {
        let _ = (lp, socket, error);
        true
    }

    /// A response is over (`res.on('close')`, and its request's `req.on('close')`): each
    /// request given to [`on_request`](Self::on_request) (or `on_check_continue`,
    /// `on_check_expectation`) gets exactly one, in request order, on a later tick. `finished`
    /// is true once the whole response was handed to the socket (`res.writableFinished`; the
    /// socket may still be sending it); false when the connection closed first (the client went
    /// away, a timeout, `destroy`), and then the response's [`ResponseId`] methods do nothing.
    /// Stop whatever still produces its body here.
    ///
    /// ```
    /// use netcore::EventLoop;
    /// use netcore_http1::server::{Handler, Request, Response, ResponseId};
    ///
    /// struct Counter {
    ///     aborted: u64,
    /// }
    ///
    /// impl Handler for Counter {
    ///     fn on_request(&mut self, _req: &Request<'_>, res: &mut Response<'_>) {
    ///         res.end(b"hi\n");
    ///     }
    ///     fn on_response_close(&mut self, _lp: &mut EventLoop, _res: ResponseId, finished: bool) {
    ///         if !finished {
    ///             self.aborted += 1;
    ///         }
    ///     }
    /// }
    /// # let _ = Counter { aborted: 0 };
    /// ```
    fn on_response_close(&mut self, lp: &mut EventLoop, res: ResponseId, finished: bool) {
        let _ = (lp, res, finished);
    }

    /// The connection closed (`close`), after the `on_response_close` of each of its responses;
    /// the handler is dropped after this. `had_error` is the socket's (Node's `hadError`): true
    /// when it closed on an error (reset by the peer, a failed write), false on an orderly end,
    /// a `destroy`, or a socket given to another protocol by [`Upgrade::accept`].
    ///
    /// ```
    /// use netcore::EventLoop;
    /// use netcore_http1::server::{Handler, Request, Response};
    ///
    /// struct Logged;
    ///
    /// impl Handler for Logged {
    ///     fn on_request(&mut self, _req: &Request<'_>, res: &mut Response<'_>) {
    ///         res.end(b"hi\n");
    ///     }
    ///     fn on_close(&mut self, _lp: &mut EventLoop, had_error: bool) {
    ///         if had_error {
    ///             eprintln!("connection lost");
    ///         }
    ///     }
    /// }
    /// # let _ = Logged;
    /// ```
    fn on_close(&mut self, lp: &mut EventLoop, had_error: bool) {
        let _ = (lp, had_error);
    }
}

impl<F> Handler for F
where
    F: FnMut(&Request<'_>, &mut Response<'_>) + 'static,
{
    fn on_request(&mut self, req: &Request<'_>, res: &mut Response<'_>) {
        self(req, res)
    }
}

/// The server's own events, and the maker of each connection's [`Handler`] (Node's `connection`,
/// `listening`, `close`). Any `Handler + Clone` is one: each connection gets a clone.
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
/// use netcore_http1::server::{listen, Request, Response, ServerHandler};
/// use netcore_tcp::Socket;
///
/// struct Numbered(u32); // numbers its connections
/// impl ServerHandler for Numbered {
///     type Connection = Box<dyn FnMut(&Request<'_>, &mut Response<'_>)>;
///     fn on_connection(&mut self, _socket: &mut Socket<'_>) -> Self::Connection {
///         self.0 += 1;
///         let n = self.0;
///         Box::new(move |_: &Request<'_>, res: &mut Response<'_>| {
///             close_server(res.lp());
///             res.end(format!("connection {n}").as_bytes());
///         })
///     }
/// }
/// let mut lp = EventLoop::new()?;
/// let server = listen(&mut lp, "127.0.0.1:0", Numbered(0))?;
/// lp.set_state(server);
/// let response = exchange(&mut lp, server, "GET / HTTP/1.1\r\nHost: a\r\n\r\n")?;
/// assert!(response.ends_with("connection 1"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait ServerHandler: 'static {
    /// The handler type of connections.
    type Connection: Handler;

    /// A connection was accepted (`connection`): return its handler.
    fn on_connection(&mut self, socket: &mut Socket<'_>) -> Self::Connection;

    /// The server is listening (`listening`).
    fn on_listening(&mut self, lp: &mut EventLoop, server: ServerId) {
        let _ = (lp, server);
    }

    /// The server closed and its last connection ended (`close`).
    fn on_close(&mut self, lp: &mut EventLoop, server: ServerId) {
        let _ = (lp, server);
    }
}

impl<H: Handler + Clone> ServerHandler for H {
    type Connection = H;

    fn on_connection(&mut self, socket: &mut Socket<'_>) -> H {
        let _ = socket;
        self.clone()
    }
}

/// [`ServerHandler`] behind a pointer: the server state is not generic.
pub(crate) trait DynServerHandler {
    fn on_connection(&mut self, socket: &mut Socket<'_>) -> Box<dyn Handler>;
    fn on_listening(&mut self, lp: &mut EventLoop, server: ServerId);
    fn on_close(&mut self, lp: &mut EventLoop, server: ServerId);
}

impl<T: ServerHandler> DynServerHandler for T {
    fn on_connection(&mut self, socket: &mut Socket<'_>) -> Box<dyn Handler> {
        Box::new(ServerHandler::on_connection(self, socket))
    }
    fn on_listening(&mut self, lp: &mut EventLoop, server: ServerId) {
        ServerHandler::on_listening(self, lp, server)
    }
    fn on_close(&mut self, lp: &mut EventLoop, server: ServerId) {
        ServerHandler::on_close(self, lp, server)
    }
}
