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
    /// use netcore_http1::server::{listen, Request, Response};
    ///
    /// let mut lp = EventLoop::new()?;
    /// let server = listen(&mut lp, "127.0.0.1:0", |_: &Request<'_>, res: &mut Response<'_>| {
    ///     let id = res.id(); // answer later, from a timer
    ///     res.lp().set_timeout(Duration::from_millis(1), move |lp| {
    ///         id.write_head(lp, 201);
    ///         close_server(lp);
    ///         id.end(lp, b"made");
    ///     });
    /// })?;
    /// lp.set_state(server);
    /// let response = exchange(&mut lp, server, "POST /things HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n")?;
    /// assert!(response.starts_with("HTTP/1.1 201 Created\r\n") && response.ends_with("\r\n\r\nmade"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn write_head(self, lp: &mut EventLoop, status: u16) {
        self.set_status(lp, status);
    }

    /// Sends the head now, before any body (`res.flushHeaders`); the body is then chunked (or,
    /// for HTTP/1.0, delimited by closing the connection) unless a `Content-Length` was set.
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
    ///     let id = res.id();
    ///     id.flush_headers(res.lp()); // the body's length is not known yet: chunked
    ///     assert!(id.headers_sent(res.lp()));
    ///     close_server(res.lp());
    ///     id.end(res.lp(), b"late");
    /// })?;
    /// lp.set_state(server);
    /// let response = exchange(&mut lp, server, "GET / HTTP/1.1\r\nHost: a\r\n\r\n")?;
    /// assert!(response.contains("Transfer-Encoding: chunked\r\n"));
    /// assert!(response.ends_with("\r\n\r\n4\r\nlate\r\n0\r\n\r\n"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn flush_headers(self, lp: &mut EventLoop) {
        conn::write_body(lp, self, &[], false);
    }

    /// Writes a piece of the body (`res.write`). Returns false once the connection's queue is
    /// past its high-water mark: wait for [`Handler::on_drain`](super::Handler::on_drain).
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
    ///     let id = res.id();
    ///     assert!(id.write(res.lp(), b"hello, ")); // true: far below the high-water mark
    ///     close_server(res.lp());
    ///     id.end(res.lp(), b"world");
    /// })?;
    /// lp.set_state(server);
    /// let response = exchange(&mut lp, server, "GET / HTTP/1.1\r\nHost: a\r\n\r\n")?;
    /// assert!(response.ends_with("\r\n\r\n7\r\nhello, \r\n5\r\nworld\r\n0\r\n\r\n")); // chunked
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
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
    ///     let id = res.id();
    ///     id.set_header(res.lp(), "Trailer", "Digest").unwrap();
    ///     id.write(res.lp(), b"data"); // chunked: there is room for trailers
    ///     id.add_trailers(res.lp(), &[("Digest", b"sha-256=abc")]).unwrap();
    ///     close_server(res.lp());
    ///     id.end(res.lp(), b"");
    /// })?;
    /// lp.set_state(server);
    /// let response = exchange(&mut lp, server, "GET / HTTP/1.1\r\nHost: a\r\n\r\n")?;
    /// assert!(response.ends_with("4\r\ndata\r\n0\r\nDigest: sha-256=abc\r\n\r\n"), "{response}");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_trailers(self, lp: &mut EventLoop, trailers: &[(&str, &[u8])]) -> Result<(), HeaderError> {
        conn::with_slot(lp, self, |s| {
            let list = s.trailers.get_or_insert_with(Default::default);
            trailers.iter().try_for_each(|(n, v)| list.append(n, v))
        })
        .unwrap_or(Ok(()))
    }

    /// Sends `100 Continue` (`res.writeContinue`): the client may send the body.
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
    /// use netcore_http1::server::{Handler, Request, Response};
    ///
    /// #[derive(Clone)]
    /// struct Upload;
    /// impl Handler for Upload {
    ///     fn on_request(&mut self, _: &Request<'_>, _: &mut Response<'_>) {}
    ///     fn on_check_continue(&mut self, _: &Request<'_>, res: &mut Response<'_>) {
    ///         res.id().write_continue(res.lp()); // go ahead (or answer 417 instead)
    ///     }
    ///     fn on_end(&mut self, _: &Request<'_>, res: &mut Response<'_>) {
    ///         close_server(res.lp());
    ///         res.end(b"stored");
    ///     }
    /// }
    /// let mut lp = EventLoop::new()?;
    /// let server = netcore_http1::server::listen(&mut lp, "127.0.0.1:0", Upload)?;
    /// lp.set_state(server);
    /// let request = "PUT /f HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi";
    /// let response = exchange(&mut lp, server, request)?;
    /// assert!(response.starts_with("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n"), "{response}");
    /// assert!(response.ends_with("stored"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn write_continue(self, lp: &mut EventLoop) {
        conn::write_interim(lp, self, 100, &[]);
    }

    /// Sends `103 Early Hints` with these fields, typically `Link` (`res.writeEarlyHints`).
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
    /// use netcore_http1::server::{listen, HeaderError, Request, Response};
    ///
    /// let mut lp = EventLoop::new()?;
    /// let server = listen(&mut lp, "127.0.0.1:0", |_: &Request<'_>, res: &mut Response<'_>| {
    ///     let id = res.id();
    ///     id.write_early_hints(res.lp(), &[("Link", b"</style.css>; rel=preload; as=style")]).unwrap();
    ///     let bad = id.write_early_hints(res.lp(), &[("Link", b"a\r\nb")]);
    ///     assert_eq!(bad, Err(HeaderError::InvalidValue)); // and nothing sent
    ///     close_server(res.lp());
    ///     id.end(res.lp(), b"page");
    /// })?;
    /// lp.set_state(server);
    /// let response = exchange(&mut lp, server, "GET / HTTP/1.1\r\nHost: a\r\n\r\n")?;
    /// let hints = "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload; as=style\r\n\r\n";
    /// assert!(response.starts_with(hints) && response.contains("\r\n\r\nHTTP/1.1 200 OK\r\n"), "{response}");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
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
