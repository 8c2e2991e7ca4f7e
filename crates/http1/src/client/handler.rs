//! What a request's owner does on each event (Node's `ClientRequest` and `IncomingMessage`
//! events), and the [`Upgrade`] a switched protocol hands over.

use bytes::Bytes;
use netcore::EventLoop;
use netcore_tcp::SocketId;

use super::error::Error;
use super::request::{ClientRequest, ClientRequestId};
use crate::proto::{Headers, ResponseHead};

/// The events of one request and its response. The handler is owned by the request and dropped
/// after [`on_close`](Self::on_close), which always comes last, exactly once.
///
/// In order: [`on_information`](Self::on_information) for each 1xx (with
/// [`on_continue`](Self::on_continue) first for a 100), then [`on_response`](Self::on_response),
/// [`on_data`](Self::on_data)*, [`on_trailers`](Self::on_trailers)?, [`on_end`](Self::on_end);
/// or [`on_upgrade`](Self::on_upgrade) instead of all of those for a 101 (or a 2xx to
/// `CONNECT`); or [`on_error`](Self::on_error) at any point. Then `on_close`.
///
/// ```no_run
/// use bytes::Bytes;
/// use netcore::EventLoop;
/// use netcore_http1::client::{get, ClientRequest, Error, ResponseHandler};
/// use netcore_http1::proto::ResponseHead;
///
/// struct Print;
/// impl ResponseHandler for Print {
///     fn on_response(&mut self, _req: &mut ClientRequest<'_>, res: &ResponseHead) {
///         println!("status {}", res.status());
///     }
///     fn on_data(&mut self, _req: &mut ClientRequest<'_>, data: Bytes) {
///         print!("{}", String::from_utf8_lossy(&data));
///     }
///     fn on_error(&mut self, _req: &mut ClientRequest<'_>, error: &Error) {
///         eprintln!("{error}");
///     }
/// }
/// let mut lp = EventLoop::new()?;
/// get(&mut lp, "http://127.0.0.1:3000/", Print)?;
/// lp.run()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait ResponseHandler: 'static {
    /// The final response head arrived (`response`). Its body follows as `on_data`.
    fn on_response(&mut self, req: &mut ClientRequest<'_>, res: &ResponseHead);

    /// A piece of the response body (`res.on('data')`), de-chunked. Call
    /// [`ClientRequest::pause`] to stop reading for a while.
    fn on_data(&mut self, req: &mut ClientRequest<'_>, data: Bytes) {
        let _ = (req, data);
    }

    /// The trailer section of a chunked response (`res.trailers`), before `on_end`.
    fn on_trailers(&mut self, req: &mut ClientRequest<'_>, trailers: &Headers) {
        let _ = (req, trailers);
    }

    /// The response is complete (`res.on('end')`). The connection is already back in its
    /// agent: a request made here reuses it.
    fn on_end(&mut self, req: &mut ClientRequest<'_>) {
        let _ = req;
    }

    /// The server sent `100 Continue` (`continue`): a body held back for
    /// `Expect: 100-continue` goes out now.
    fn on_continue(&mut self, req: &mut ClientRequest<'_>) {
        let _ = req;
    }

    /// An informational (1xx) response other than 101 (`information`), e.g. `103 Early Hints`.
    fn on_information(&mut self, req: &mut ClientRequest<'_>, info: &ResponseHead) {
        let _ = (req, info);
    }

    /// The request's write queue drained after [`write`](ClientRequestId::write) returned false
    /// (`drain`).
    fn on_drain(&mut self, req: &mut ClientRequest<'_>) {
        let _ = req;
    }

    /// The server switched protocols (101) or opened a tunnel (a 2xx to `CONNECT`)
    /// (`upgrade`/`connect`). Return true to take the socket: give it a new handler with
    /// [`SocketId::set_handler`]; the bytes that came after the head are in
    /// [`Upgrade::rest`]. The default declines and the socket is destroyed, as in Node without
    /// an `upgrade` listener.
    fn on_upgrade(&mut self, upgrade: &mut Upgrade<'_>) -> bool {
        let _ = upgrade;
        false
    }

    /// The socket was idle for the request's timeout (`timeout`). The request goes on unless
    /// the handler aborts it (or [`abort_on_timeout`](super::RequestOptions::abort_on_timeout)
    /// is set).
    fn on_timeout(&mut self, req: &mut ClientRequest<'_>) {
        let _ = req;
    }

    /// The request failed (`error`); `on_close` follows.
    fn on_error(&mut self, req: &mut ClientRequest<'_>, error: &Error) {
        let _ = (req, error);
    }

    /// The request is over (`close`), whichever way it ended; the handler is dropped after this.
    fn on_close(&mut self, lp: &mut EventLoop) {
        let _ = lp;
    }
}

/// What [`ResponseHandler::on_upgrade`] gets: the response, the socket and the bytes of the new
/// protocol that came with the head (Node's `(res, socket, head)`).
///
/// ```
/// use netcore::EventLoop;
/// use netcore_http1::client::{request, ClientRequest, RequestOptions, ResponseHandler, Upgrade};
/// use netcore_http1::proto::ResponseHead;
/// use netcore_tcp::{listen, on_data, ServerId, Socket};
///
/// struct Switch(ServerId);
/// impl ResponseHandler for Switch {
///     fn on_response(&mut self, _: &mut ClientRequest<'_>, _: &ResponseHead) {
///         unreachable!("a 101 goes to on_upgrade");
///     }
///     fn on_upgrade(&mut self, up: &mut Upgrade<'_>) -> bool {
///         assert_eq!(up.head().status(), 101);
///         assert_eq!(&up.take_rest()[..], b"first bytes of the new protocol");
///         self.0.close(up.lp());
///         false // declined: the socket is destroyed (true: give it a handler of yours)
///     }
/// }
/// let mut lp = EventLoop::new()?;
/// // A server that switches at once, and speaks first in the new protocol.
/// let server = listen(&mut lp, "127.0.0.1:0", |_: &mut Socket<'_>| on_data(|s, _| {
///     s.write(b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: demo\r\n\r\n\
///               first bytes of the new protocol");
/// }))?;
/// let port = server.address(&lp).unwrap().port().unwrap();
/// let opts = RequestOptions::new("GET", "127.0.0.1", port, "/")
///     .header("Connection", "Upgrade")
///     .header("Upgrade", "demo");
/// request(&mut lp, opts, Switch(server))?.end(&mut lp, b"");
/// lp.run()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Upgrade<'a> {
    pub(crate) lp: &'a mut EventLoop,
    pub(crate) request: ClientRequestId,
    pub(crate) socket: SocketId,
    pub(crate) head: ResponseHead,
    pub(crate) rest: Bytes,
}

impl std::fmt::Debug for Upgrade<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Upgrade").field("socket", &self.socket).field("head", &self.head).finish()
    }
}

impl Upgrade<'_> {
    /// The loop.
    pub fn lp(&mut self) -> &mut EventLoop {
        self.lp
    }

    /// The request that was upgraded.
    pub fn request(&self) -> ClientRequestId {
        self.request
    }

    /// The connection's socket: yours if `on_upgrade` returns true.
    pub fn socket(&self) -> SocketId {
        self.socket
    }

    /// The response head (`101 Switching Protocols` with its `Upgrade`, or the `CONNECT` answer).
    pub fn head(&self) -> &ResponseHead {
        &self.head
    }

    /// The bytes that arrived after the head (Node's `head` argument). Taking them leaves an
    /// empty buffer.
    pub fn take_rest(&mut self) -> Bytes {
        std::mem::take(&mut self.rest)
    }

    /// The bytes after the head, without taking them.
    pub fn rest(&self) -> &Bytes {
        &self.rest
    }
}
