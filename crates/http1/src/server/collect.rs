//! A handler that gathers each request's body, up to a limit, before answering: Node's
//! `let body = []; req.on('data', c => body.push(c)); req.on('end', () => …)`, with the bound
//! Node leaves to the user.

use bytes::{Bytes, BytesMut};

use super::handler::Handler;
use super::request::Request;
use super::response::Response;

/// Calls `f(request, body, response)` once each request's body is complete. A body over `limit`
/// bytes (by its `Content-Length`, or as it arrives) is answered `413 Payload Too Large` and
/// the connection closed, without buffering past the limit.
///
/// ```no_run
/// use bytes::Bytes;
/// use netcore::EventLoop;
/// use netcore_http1::server::{collect, listen, Request, Response};
///
/// let mut lp = EventLoop::new()?;
/// let echo = collect(1 << 20, |_req: &Request<'_>, body: Bytes, res: &mut Response<'_>| res.end(&body));
/// listen(&mut lp, "127.0.0.1:3000", echo)?;
/// lp.run()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn collect<F>(limit: usize, f: F) -> Collect<F>
where
    F: FnMut(&Request<'_>, Bytes, &mut Response<'_>) + Clone + 'static,
{
    Collect { f, limit, first: Bytes::new(), rest: BytesMut::new(), over: false }
}

/// See [`collect`].
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
/// use bytes::Bytes;
/// use netcore_http1::server::{collect, listen, Request, Response};
///
/// let mut lp = EventLoop::new()?;
/// let echo = collect(1024, |_: &Request<'_>, body: Bytes, res: &mut Response<'_>| {
///     close_server(res.lp());
///     res.end(&body); // the whole body, its chunks joined
/// });
/// let server = listen(&mut lp, "127.0.0.1:0", echo)?;
/// lp.set_state(server);
/// let chunked = "5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n";
/// let request = format!("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n{chunked}");
/// assert!(exchange(&mut lp, server, &request)?.ends_with("\r\n\r\nhello, world"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Collect<F> {
    f: F,
    limit: usize,
    /// A body that came in one piece is kept as it came (no copy); more pieces are joined.
    first: Bytes,
    rest: BytesMut,
    over: bool,
}

impl<F> std::fmt::Debug for Collect<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Collect").field("limit", &self.limit).finish_non_exhaustive()
    }
}

impl<F> Collect<F> {
    fn refuse(&mut self, res: &mut Response<'_>) {
        self.over = true;
        self.first = Bytes::new();
        self.rest = BytesMut::new();
        res.set_status(413);
        res.set_header("Connection", "close").ok();
        res.end(b"");
    }
}

impl<F> Handler for Collect<F>
where
    F: FnMut(&Request<'_>, Bytes, &mut Response<'_>) + Clone + 'static,
{
    fn on_request(&mut self, req: &Request<'_>, res: &mut Response<'_>) {
        self.over = false;
        self.first = Bytes::new();
        self.rest.clear();
        let declared = req
            .headers()
            .get("content-length")
            .and_then(|v| std::str::from_utf8(v).ok()?.parse::<u64>().ok());
        if declared.is_some_and(|n| n > self.limit as u64) {
            self.refuse(res);
        }
    }

    fn on_data(&mut self, _req: &Request<'_>, data: Bytes, res: &mut Response<'_>) {
        if self.over {
            return;
        }
        if self.first.len() + self.rest.len() + data.len() > self.limit {
            self.refuse(res);
        } else if self.first.is_empty() && self.rest.is_empty() {
            self.first = data;
        } else {
            if !self.first.is_empty() {
                self.rest.extend_from_slice(&std::mem::take(&mut self.first));
            }
            self.rest.extend_from_slice(&data);
        }
    }

    fn on_end(&mut self, req: &Request<'_>, res: &mut Response<'_>) {
        if self.over {
            return;
        }
        let body =
            if self.rest.is_empty() { std::mem::take(&mut self.first) } else { self.rest.split().freeze() };
        (self.f)(req, body, res);
    }
}
