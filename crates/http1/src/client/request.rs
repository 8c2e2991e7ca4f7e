//! The request side (Node's `ClientRequest`): a writable body stream, trailers, abort, timeout,
//! and the response's backpressure. [`ClientRequestId`] names a request from anywhere on the
//! loop; [`ClientRequest`] is the same with the loop at hand, as a handler gets it.

use std::time::Duration;

use netcore::{EventLoop, HandleId};
use netcore_tcp::SocketId;

use super::conn;
use super::error::Error;
use super::exchange;

/// Names one request; `Copy`, so it can be kept and written to later (from a timer, another
/// socket's event…). Every method is a no-op once the request is over.
///
/// The head goes out with the first [`write`](Self::write), [`end`](Self::end) or
/// [`flush_headers`](Self::flush_headers), its framing decided then, as in Node: the caller's
/// `Content-Length` or `Transfer-Encoding` if set; else `Content-Length` when `end(data)` is the
/// only body call (none at all for an empty `GET`, `HEAD`, `DELETE`, `OPTIONS`, `TRACE` or
/// `CONNECT`, `Content-Length: 0` for other methods); else the chunked coding. Everything
/// written in one callback leaves in one socket write.
///
/// ```
/// use bytes::Bytes;
/// use netcore::EventLoop;
/// use netcore_http1::client::{request, ClientRequest, RequestOptions, ResponseHandler};
/// use netcore_http1::proto::ResponseHead;
/// use netcore_http1::server::{self, Handler, Request, Response, ServerId};
///
/// // The server answers with the request's framing and body.
/// #[derive(Clone, Default)]
/// struct Echo(Vec<u8>);
/// impl Handler for Echo {
///     fn on_request(&mut self, _: &Request<'_>, _: &mut Response<'_>) {}
///     fn on_data(&mut self, _: &Request<'_>, data: Bytes, _: &mut Response<'_>) {
///         self.0.extend_from_slice(&data);
///     }
///     fn on_end(&mut self, req: &Request<'_>, res: &mut Response<'_>) {
///         let chunked = req.headers().has_token("transfer-encoding", "chunked");
///         res.end(format!("chunked={chunked} {}", String::from_utf8_lossy(&self.0)).as_bytes());
///     }
/// }
/// struct Expect(ServerId);
/// impl ResponseHandler for Expect {
///     fn on_response(&mut self, _: &mut ClientRequest<'_>, _: &ResponseHead) {}
///     fn on_data(&mut self, req: &mut ClientRequest<'_>, data: Bytes) {
///         assert_eq!(&data[..], b"chunked=true hello, world");
///         self.0.close(req.lp());
///     }
/// }
/// let mut lp = EventLoop::new()?;
/// let server = server::listen(&mut lp, "127.0.0.1:0", Echo::default())?;
/// let port = server.address(&lp).unwrap().port().unwrap();
/// let req = request(&mut lp, RequestOptions::new("POST", "127.0.0.1", port, "/"), Expect(server))?;
/// assert!(!req.headers_sent(&lp));
/// req.write(&mut lp, b"hello, "); // the head goes out, and the body is chunked
/// req.end(&mut lp, b"world");
/// assert!(req.headers_sent(&lp) && req.finished(&lp) && req.is_open(&lp));
/// lp.run()?;
/// assert!(!req.is_open(&lp));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientRequestId(pub(crate) HandleId);

impl ClientRequestId {
    /// Writes a piece of the body (`req.write`). Returns false once more than the high-water
    /// mark (the agent's socket `high_water_mark`, 64 KiB by default) waits to go out, the
    /// socket's queue included (the data is queued all the same): wait for
    /// [`on_drain`](super::ResponseHandler::on_drain). Also false, with the data dropped, after
    /// `end`, on a request framed without a body, or past the `Content-Length` (which destroys
    /// the request with [`Error::BodyLengthMismatch`]).
    pub fn write(self, lp: &mut EventLoop, data: &[u8]) -> bool {
        exchange::write_body(lp, self.0, data, false, false)
    }

    /// Writes the last piece of the body and finishes the request (`req.end(data)`). Without an
    /// earlier `write`, the body's length is known and sent as `Content-Length`.
    pub fn end(self, lp: &mut EventLoop, data: &[u8]) {
        exchange::write_body(lp, self.0, data, true, false);
    }

    /// Sends the head now, before any body (`req.flushHeaders`): the body is then chunked unless
    /// a `Content-Length` was set (and absent for a `GET`-like method). With
    /// `Expect: 100-continue` this asks the server before the body is ready.
    pub fn flush_headers(self, lp: &mut EventLoop) {
        exchange::write_body(lp, self.0, &[], false, true);
    }

    /// Sets a header, replacing any of that name (`req.setHeader`), until the head is sent.
    ///
    /// ```
    /// # use netcore_http1::client::{request, ClientRequest, RequestOptions, ResponseHandler};
    /// # use netcore_http1::proto::ResponseHead;
    /// # struct Ignore;
    /// # impl ResponseHandler for Ignore {
    /// #     fn on_response(&mut self, _: &mut ClientRequest<'_>, _: &ResponseHead) {}
    /// # }
    /// # let mut lp = netcore::EventLoop::new()?;
    /// let req = request(&mut lp, RequestOptions::new("POST", "127.0.0.1", 9, "/"), Ignore)?;
    /// req.set_header(&mut lp, "Content-Type", "application/json")?;
    /// req.flush_headers(&mut lp);
    /// let late = req.set_header(&mut lp, "X-Late", "1").unwrap_err();
    /// assert_eq!(late.code(), "ERR_HTTP_HEADERS_SENT");
    /// # req.destroy(&mut lp);
    /// # lp.run()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn set_header(self, lp: &mut EventLoop, name: &str, value: impl AsRef<[u8]>) -> Result<(), Error> {
        exchange::set_header(lp, self.0, name, value.as_ref())
    }

    /// Trailer fields to send after a chunked body (`req.addTrailers`); ignored for a body with a
    /// `Content-Length`. Checked at once: a name that is not a token or a value with a control
    /// character is refused.
    ///
    /// ```
    /// # use netcore_http1::client::{request, ClientRequest, RequestOptions, ResponseHandler};
    /// # use netcore_http1::proto::ResponseHead;
    /// # struct Ignore;
    /// # impl ResponseHandler for Ignore {
    /// #     fn on_response(&mut self, _: &mut ClientRequest<'_>, _: &ResponseHead) {}
    /// # }
    /// # let mut lp = netcore::EventLoop::new()?;
    /// let req = request(&mut lp, RequestOptions::new("POST", "127.0.0.1", 9, "/"), Ignore)?;
    /// req.add_trailers(&mut lp, &[("Digest", b"sha-256=abc")])?;
    /// assert_eq!(req.add_trailers(&mut lp, &[("bad name", b"x")]).unwrap_err().code(), "ERR_INVALID_HTTP_TOKEN");
    /// # req.destroy(&mut lp);
    /// # lp.run()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_trailers(self, lp: &mut EventLoop, trailers: &[(&str, &[u8])]) -> Result<(), Error> {
        exchange::add_trailers(lp, self.0, trailers)
    }

    /// Aborts the request (as an `AbortSignal` does in Node): its connection, if any, is
    /// destroyed; `on_error` gets [`Error::Aborted`], then `on_close`.
    ///
    /// ```
    /// use netcore_http1::client::{get, ClientRequest, Error, ResponseHandler};
    /// # use netcore_http1::proto::ResponseHead;
    /// struct ExpectAbort;
    /// impl ResponseHandler for ExpectAbort {
    /// #   fn on_response(&mut self, _: &mut ClientRequest<'_>, _: &ResponseHead) {}
    ///     fn on_error(&mut self, _: &mut ClientRequest<'_>, error: &Error) {
    ///         assert_eq!(error.code(), "ABORT_ERR");
    ///     }
    /// }
    /// let mut lp = netcore::EventLoop::new()?;
    /// let req = get(&mut lp, "http://127.0.0.1:9/", ExpectAbort)?;
    /// req.abort(&mut lp);
    /// assert!(!req.is_open(&lp));
    /// lp.run()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn abort(self, lp: &mut EventLoop) {
        exchange::fail(lp, self.0, Error::Aborted);
    }

    /// Destroys the request quietly (`req.destroy()`): its connection, if any, is destroyed and
    /// only `on_close` follows.
    pub fn destroy(self, lp: &mut EventLoop) {
        exchange::stop(lp, self.0, None);
    }

    /// Stops reading the response (`res.pause()`): no `on_data` until
    /// [`resume`](Self::resume), and TCP flow control holds the server back.
    pub fn pause(self, lp: &mut EventLoop) {
        if let Some(c) = exchange::peek(lp, self.0).and_then(|x| x.conn) {
            conn::set_paused(lp, c, true);
        }
    }

    /// Reads the response again after [`pause`](Self::pause) (`res.resume()`).
    pub fn resume(self, lp: &mut EventLoop) {
        if let Some(c) = exchange::peek(lp, self.0).and_then(|x| x.conn) {
            conn::set_paused(lp, c, false);
        }
    }

    /// Emits [`on_timeout`](super::ResponseHandler::on_timeout) after `timeout` without socket
    /// activity; zero disables (`req.setTimeout`).
    pub fn set_timeout(self, lp: &mut EventLoop, timeout: Duration) {
        let Some(x) = exchange::get(lp, self.0) else { return };
        x.timeout = (!timeout.is_zero()).then_some(timeout);
        if let Some(c) = x.conn {
            conn::set_timeout(lp, c, timeout);
        }
    }

    /// Whether the request went out on a connection that had carried an earlier request
    /// (`req.reusedSocket`). False after a keep-alive race retry: that one is fresh.
    pub fn reused_socket(self, lp: &EventLoop) -> bool {
        exchange::peek(lp, self.0).is_some_and(|x| x.reused)
    }

    /// Whether the request was sent a second time, on a fresh connection, after its reused
    /// connection closed before any response (the keep-alive race).
    pub fn retried(self, lp: &EventLoop) -> bool {
        exchange::retried(lp, self.0)
    }

    /// The request's socket, once it has one (`req.socket`).
    pub fn socket(self, lp: &EventLoop) -> Option<SocketId> {
        conn::socket(lp, exchange::peek(lp, self.0)?.conn?)
    }

    /// Whether the head has been written (`req.headersSent`).
    pub fn headers_sent(self, lp: &EventLoop) -> bool {
        exchange::head_sent(lp, self.0)
    }

    /// Whether `end` was called or the request is over (`req.writableEnded`).
    pub fn finished(self, lp: &EventLoop) -> bool {
        exchange::ended(lp, self.0)
    }

    /// Whether the request is still going: not complete, failed, aborted or destroyed.
    pub fn is_open(self, lp: &EventLoop) -> bool {
        exchange::is_open(lp, self.0)
    }
}

/// A request during one of its handler's callbacks: the request's operations, plus the loop.
///
/// ```
/// use netcore::EventLoop;
/// use netcore_http1::client::{get, ClientRequest, RequestOptions, ResponseHandler};
/// use netcore_http1::proto::ResponseHead;
/// use netcore_http1::server::{self, Request, Response, ServerId};
///
/// struct Twice { server: ServerId, port: u16, second: bool }
/// impl ResponseHandler for Twice {
///     fn on_response(&mut self, req: &mut ClientRequest<'_>, res: &ResponseHead) {
///         assert_eq!(res.status(), 200);
///         assert_eq!(req.reused_socket(), self.second); // keep-alive: the second reuses the first's
///     }
///     fn on_end(&mut self, req: &mut ClientRequest<'_>) {
///         if self.second {
///             self.server.close(req.lp());
///         } else {
///             // Handlers reach the loop through the request: start the next one.
///             let next = Twice { second: true, ..*self };
///             get(req.lp(), RequestOptions::new("GET", "127.0.0.1", self.port, "/"), next).unwrap();
///         }
///     }
/// }
/// let mut lp = EventLoop::new()?;
/// let server = server::listen(&mut lp, "127.0.0.1:0", |_: &Request<'_>, res: &mut Response<'_>| res.end(b"ok"))?;
/// let port = server.address(&lp).unwrap().port().unwrap();
/// get(&mut lp, RequestOptions::new("GET", "127.0.0.1", port, "/"), Twice { server, port, second: false })?;
/// lp.run()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct ClientRequest<'a> {
    pub(crate) lp: &'a mut EventLoop,
    pub(crate) id: ClientRequestId,
}

impl std::fmt::Debug for ClientRequest<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientRequest").field("id", &self.id).finish_non_exhaustive()
    }
}

macro_rules! forward {
    ($( $(#[$m:meta])* fn $name:ident(&mut self $(, $arg:ident: $ty:ty)*) $(-> $ret:ty)?; )*) => {
        impl ClientRequest<'_> {
            $( $(#[$m])* pub fn $name(&mut self $(, $arg: $ty)*) $(-> $ret)? { self.id.$name(self.lp $(, $arg)*) } )*
        }
    };
}

forward! {
    /// See [`ClientRequestId::write`].
    fn write(&mut self, data: &[u8]) -> bool;
    /// See [`ClientRequestId::end`].
    fn end(&mut self, data: &[u8]);
    /// See [`ClientRequestId::flush_headers`].
    fn flush_headers(&mut self);
    /// See [`ClientRequestId::set_header`].
    fn set_header(&mut self, name: &str, value: impl AsRef<[u8]>) -> Result<(), Error>;
    /// See [`ClientRequestId::add_trailers`].
    fn add_trailers(&mut self, trailers: &[(&str, &[u8])]) -> Result<(), Error>;
    /// See [`ClientRequestId::abort`].
    fn abort(&mut self);
    /// See [`ClientRequestId::destroy`].
    fn destroy(&mut self);
    /// See [`ClientRequestId::pause`].
    fn pause(&mut self);
    /// See [`ClientRequestId::resume`].
    fn resume(&mut self);
    /// See [`ClientRequestId::set_timeout`].
    fn set_timeout(&mut self, timeout: Duration);
}

impl ClientRequest<'_> {
    /// The request's id, to act on it later.
    pub fn id(&self) -> ClientRequestId {
        self.id
    }

    /// The loop: timers, the thread pool, other sockets and requests.
    pub fn lp(&mut self) -> &mut EventLoop {
        self.lp
    }

    /// See [`ClientRequestId::reused_socket`].
    pub fn reused_socket(&self) -> bool {
        self.id.reused_socket(self.lp)
    }

    /// See [`ClientRequestId::retried`].
    pub fn retried(&self) -> bool {
        self.id.retried(self.lp)
    }

    /// See [`ClientRequestId::socket`].
    pub fn socket(&self) -> Option<SocketId> {
        self.id.socket(self.lp)
    }

    /// See [`ClientRequestId::headers_sent`].
    pub fn headers_sent(&self) -> bool {
        self.id.headers_sent(self.lp)
    }

    /// See [`ClientRequestId::finished`].
    pub fn finished(&self) -> bool {
        self.id.finished(self.lp)
    }
}
