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
    pub fn set_header(self, lp: &mut EventLoop, name: &str, value: impl AsRef<[u8]>) -> Result<(), Error> {
        exchange::set_header(lp, self.0, name, value.as_ref())
    }

    /// Trailer fields to send after a chunked body (`req.addTrailers`); ignored for a body with a
    /// `Content-Length`. Checked at once: a name that is not a token or a value with a control
    /// character is refused.
    pub fn add_trailers(self, lp: &mut EventLoop, trailers: &[(&str, &[u8])]) -> Result<(), Error> {
        exchange::add_trailers(lp, self.0, trailers)
    }

    /// Aborts the request (as an `AbortSignal` does in Node): its connection, if any, is
    /// destroyed; `on_error` gets [`Error::Aborted`], then `on_close`.
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
