//! A request that switches protocols or opens a tunnel (Node's `upgrade` and `connect` events):
//! the socket, the head, and the bytes that came after the head.

use bytes::Bytes;
use netcore::{EventLoop, HandleId};
use netcore_tcp::{SocketHandler, SocketId};

use crate::proto::RequestHead;

/// What [`Handler::on_upgrade`](super::Handler::on_upgrade) gets: answer on [`socket`](Self::socket)
/// yourself and give it to its new protocol with [`accept`](Self::accept).
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
