//! The response side of an exchange (Node's `ServerResponse`): status, headers, body, trailers,
//! interim responses. [`Response`] is the context a handler gets; [`ResponseId`] names the same
//! response later, from anywhere on the loop.

use netcore::{EventLoop, HandleId};
use netcore_tcp::SocketId;

use super::conn;
use super::headers::HeaderError;

/// Names one response; `Copy`, so a handler can keep it and answer later (after a timer, a
/// thread-pool job, another connection's event). Every method is a no-op once the connection is
/// gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ResponseId {
    pub(crate) conn: HandleId,
    pub(crate) socket: SocketId,
    pub(crate) seq: u64,
}

/// A response being written, with the loop at hand (`res` in Node).
///
/// Responses on a connection go out in request order, whatever order they are written in;
/// everything written during one callback leaves in one `write` to the socket.
pub struct Response<'a> {
    pub(crate) lp: &'a mut EventLoop,
    pub(crate) id: ResponseId,
}

impl std::fmt::Debug for Response<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Response").field("id", &self.id).finish()
    }
}

macro_rules! forward {
    ($( $(#[$m:meta])* fn $name:ident(&mut self $(, $arg:ident: $ty:ty)*) $(-> $ret:ty)?; )*) => {
        impl Response<'_> {
            $( $(#[$m])* pub fn $name(&mut self $(, $arg: $ty)*) $(-> $ret)? { self.id.$name(self.lp $(, $arg)*) } )*
        }
    };
}

forward! {
    /// See [`ResponseId::set_status`].
    fn set_status(&mut self, status: u16);
    /// See [`ResponseId::set_status_message`].
    fn set_status_message(&mut self, reason: &str) -> Result<(), HeaderError>;
    /// See [`ResponseId::set_header`].
    fn set_header(&mut self, name: &str, value: impl AsRef<[u8]>) -> Result<(), HeaderError>;
    /// See [`ResponseId::append_header`].
    fn append_header(&mut self, name: &str, value: impl AsRef<[u8]>) -> Result<(), HeaderError>;
    /// See [`ResponseId::remove_header`].
    fn remove_header(&mut self, name: &str) -> bool;
    /// See [`ResponseId::write_head`].
    fn write_head(&mut self, status: u16);
    /// See [`ResponseId::flush_headers`].
    fn flush_headers(&mut self);
    /// See [`ResponseId::write`].
    fn write(&mut self, data: &[u8]) -> bool;
    /// See [`ResponseId::end`].
    fn end(&mut self, data: &[u8]);
    /// See [`ResponseId::add_trailers`].
    fn add_trailers(&mut self, trailers: &[(&str, &[u8])]) -> Result<(), HeaderError>;
    /// See [`ResponseId::write_continue`].
    fn write_continue(&mut self);
    /// See [`ResponseId::write_early_hints`].
    fn write_early_hints(&mut self, headers: &[(&str, &[u8])]) -> Result<(), HeaderError>;
}

impl Response<'_> {
    /// The id of this response, to finish it later.
    pub fn id(&self) -> ResponseId {
        self.id
    }

    /// The loop: timers, the thread pool, other sockets.
    pub fn lp(&mut self) -> &mut EventLoop {
        self.lp
    }

    /// The connection's socket.
    pub fn socket(&self) -> SocketId {
        self.id.socket
    }

    /// See [`ResponseId::status`].
    pub fn status(&self) -> u16 {
        self.id.status(self.lp)
    }

    /// See [`ResponseId::get_header`].
    pub fn get_header(&self, name: &str) -> Option<&[u8]> {
        self.id.get_header(self.lp, name)
    }

    /// See [`ResponseId::headers_sent`].
    pub fn headers_sent(&self) -> bool {
        self.id.headers_sent(self.lp)
    }

    /// See [`ResponseId::finished`].
    pub fn finished(&self) -> bool {
        self.id.finished(self.lp)
    }
}

impl ResponseId {
    /// The connection's socket.
    pub fn socket(self) -> SocketId {
        self.socket
    }

    /// Sets the status code (`res.statusCode`; default 200). Ignored once the head is sent.
    pub fn set_status(self, lp: &mut EventLoop, status: u16) {
        conn::with_slot(lp, self, |s| {
            if !s.head_sent {
                s.status = status;
            }
        });
    }

    /// Sets the reason phrase (`res.statusMessage`; default: the standard one for the status).
    /// Checked like a header value (no CR, LF or other controls but HTAB); ignored once the head
    /// is sent.
    ///
    /// ```no_run
    /// # use netcore_http1::server::{Request, Response};
    /// # fn handle(_req: &Request<'_>, res: &mut Response<'_>) {
    /// res.set_status(200);
    /// res.set_status_message("Fine Thanks").unwrap();
    /// res.end(b"");
    /// # }
    /// ```
    pub fn set_status_message(self, lp: &mut EventLoop, reason: &str) -> Result<(), HeaderError> {
        super::headers::check_value(reason.as_bytes())?;
        conn::with_slot(lp, self, |s| {
            if !s.head_sent {
                s.reason = Some(reason.into());
            }
        });
        Ok(())
    }

    /// The status code.
    pub fn status(self, lp: &EventLoop) -> u16 {
        conn::slot(lp, self).map_or(0, |s| s.status)
    }

    /// Sets a header, replacing any of that name (`res.setHeader`). Names and values are checked
    /// (no CR, LF or other control characters): nothing a caller passes can split the response.
    pub fn set_header(
        self,
        lp: &mut EventLoop,
        name: &str,
        value: impl AsRef<[u8]>,
    ) -> Result<(), HeaderError> {
        conn::with_slot(lp, self, |s| {
            if s.head_sent {
                return Err(HeaderError::HeadersSent);
            }
            s.headers.set(name, value.as_ref())
        })
        .unwrap_or(Ok(()))
    }

    /// Adds a header, keeping others of that name (`res.appendHeader`), e.g. `Set-Cookie`.
    pub fn append_header(
        self,
        lp: &mut EventLoop,
        name: &str,
        value: impl AsRef<[u8]>,
    ) -> Result<(), HeaderError> {
        conn::with_slot(lp, self, |s| {
            if s.head_sent {
                return Err(HeaderError::HeadersSent);
            }
            s.headers.append(name, value.as_ref())
        })
        .unwrap_or(Ok(()))
    }

    /// The first value of a header set so far (`res.getHeader`).
    pub fn get_header<'a>(self, lp: &'a EventLoop, name: &str) -> Option<&'a [u8]> {
        conn::slot(lp, self)?.headers.get(name)
    }

    /// Removes every header of that name (`res.removeHeader`); false if there was none or the
    /// head is already sent.
    pub fn remove_header(self, lp: &mut EventLoop, name: &str) -> bool {
        conn::with_slot(lp, self, |s| !s.head_sent && s.headers.remove(name)).unwrap_or(false)
    }

    /// Sets the status; the head goes out with the first `write`, `end` or `flush_headers`
    /// (`res.writeHead`).
    pub fn write_head(self, lp: &mut EventLoop, status: u16) {
        self.set_status(lp, status);
    }

    /// Sends the head now, before any body (`res.flushHeaders`); the body is then chunked (or,
    /// for HTTP/1.0, delimited by closing the connection) unless a `Content-Length` was set.
    pub fn flush_headers(self, lp: &mut EventLoop) {
        conn::write_body(lp, self, &[], false);
    }

    /// Writes a piece of the body (`res.write`). Returns false once the connection's queue is
    /// past its high-water mark: wait for [`Handler::on_drain`](super::Handler::on_drain).
    pub fn write(self, lp: &mut EventLoop, data: &[u8]) -> bool {
        conn::write_body(lp, self, data, false)
    }

    /// Writes the last piece of the body and finishes the response (`res.end`). Without an
    /// earlier `write`, the body's length is known and sent as `Content-Length`.
    pub fn end(self, lp: &mut EventLoop, data: &[u8]) {
        conn::write_body(lp, self, data, true);
    }

    /// Trailer fields to send after a chunked body (`res.addTrailers`); ignored for a body with
    /// a `Content-Length` (there is nowhere to put them), as in Node.
    pub fn add_trailers(self, lp: &mut EventLoop, trailers: &[(&str, &[u8])]) -> Result<(), HeaderError> {
        conn::with_slot(lp, self, |s| {
            let list = s.trailers.get_or_insert_with(Default::default);
            trailers.iter().try_for_each(|(n, v)| list.append(n, v))
        })
        .unwrap_or(Ok(()))
    }

    /// Sends `100 Continue` (`res.writeContinue`): the client may send the body.
    pub fn write_continue(self, lp: &mut EventLoop) {
        conn::write_interim(lp, self, 100, &[]);
    }

    /// Sends `103 Early Hints` with these fields, typically `Link` (`res.writeEarlyHints`).
    pub fn write_early_hints(self, lp: &mut EventLoop, headers: &[(&str, &[u8])]) -> Result<(), HeaderError> {
        for (name, value) in headers {
            super::headers::check_name(name)?;
            super::headers::check_value(value)?;
        }
        conn::write_interim(lp, self, 103, headers);
        Ok(())
    }

    /// Whether the head has been sent (`res.headersSent`).
    pub fn headers_sent(self, lp: &EventLoop) -> bool {
        conn::slot(lp, self).map_or(true, |s| s.head_sent)
    }

    /// Whether `end` was called (`res.writableEnded`).
    pub fn finished(self, lp: &EventLoop) -> bool {
        conn::slot(lp, self).map_or(true, |s| s.ended)
    }
}
