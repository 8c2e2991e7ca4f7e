//! A request that switches protocols or opens a tunnel (Node's `upgrade` and `connect` events):
//! the socket, the head, and the bytes that came after the head.

use bytes::Bytes;
use netcore::{EventLoop, HandleId};
use netcore_tcp::{SocketHandler, SocketId};

use crate::proto::RequestHead;

/// What [`Handler::on_upgrade`](super::Handler::on_upgrade) gets: answer on [`socket`](Self::socket)
/// yourself and give it to its new protocol with [`accept`](Self::accept).
///
/// ```
/// # use std::io::{Read, Write};
/// # use netcore::EventLoop;
/// # use netcore_http1::server::ServerId;
/// # // Sends `request` from a plain socket, runs the loop to its end, returns the raw response.
/// # fn exchange(lp: &mut EventLoop, server: ServerId, request: &str) -> std::io::Result<String> {
/// #     let mut client = std::net::TcpStream::connect(server.address(lp).unwrap().to_string())?;
/// #     client.write_all(request.as_bytes())?;
/// #     client.shutdown(std::net::Shutdown::Write)?; // then the upgraded socket can end
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
/// use netcore_http1::server::{listen, Handler, Request, Response, Upgrade};
/// use netcore_tcp::{on_data, Socket};
///
/// #[derive(Clone)]
/// struct Shout; // a toy protocol: answers its first bytes in capitals, then ends
/// impl Handler for Shout {
///     fn on_request(&mut self, _: &Request<'_>, res: &mut Response<'_>) {
///         res.set_status(426);
///         res.end(b"");
///     }
///     fn on_upgrade(&mut self, up: &mut Upgrade<'_>) -> bool {
///         assert_eq!(up.head().headers().get("upgrade"), Some(&b"shout"[..]));
///         let (socket, rest) = (up.socket(), up.take_rest());
///         socket.write(up.lp(), b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: shout\r\n\r\n");
///         socket.end_with(up.lp(), &rest.to_ascii_uppercase());
///         let taken = up.accept(on_data(|_: &mut Socket<'_>, _: &[u8]| {}));
///         close_server(up.lp());
///         taken
///     }
/// }
/// let mut lp = EventLoop::new()?;
/// let server = listen(&mut lp, "127.0.0.1:0", Shout)?;
/// lp.set_state(server);
/// let request = "GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: shout\r\n\r\nhello";
/// let response = exchange(&mut lp, server, request)?;
/// assert!(response.starts_with("HTTP/1.1 101 Switching Protocols\r\n") && response.ends_with("\r\n\r\nHELLO"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Upgrade<'a> {
    pub(crate) lp: &'a mut EventLoop,
    pub(crate) conn: HandleId,
    pub(crate) socket: SocketId,
    pub(crate) head: RequestHead,
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

    /// The connection's socket.
    pub fn socket(&self) -> SocketId {
        self.socket
    }

    /// The request head (`Upgrade`, `Sec-WebSocket-Key`… or the `CONNECT` authority).
    pub fn head(&self) -> &RequestHead {
        &self.head
    }

    /// Whether this is a `CONNECT` tunnel request rather than an `Upgrade`.
    pub fn is_connect(&self) -> bool {
        self.head.method() == "CONNECT"
    }

    /// The bytes that arrived after the head (Node's `head` argument): the first bytes of the
    /// new protocol. Taking them leaves an empty buffer.
    pub fn take_rest(&mut self) -> Bytes {
        std::mem::take(&mut self.rest)
    }

    /// Gives the socket to `handler` (a WebSocket connection, a tunnel…): every later event of
    /// the socket goes there, and the HTTP connection is released (its handler's `on_close`
    /// runs after `on_upgrade` returns). Return true from `on_upgrade` after calling it.
    ///
    /// Taking the socket without `accept` (returning true and, say, piping it) keeps the HTTP
    /// connection until the socket closes, and its `on_close` comes then.
    pub fn accept(&mut self, handler: impl SocketHandler) -> bool {
        let taken = self.socket.set_handler(self.lp, handler);
        if taken {
            super::conn::hand_over(self.lp, self.conn);
        }
        taken
    }

    /// The bytes after the head, without taking them.
    pub fn rest(&self) -> &Bytes {
        &self.rest
    }
}
