//! The request side of an exchange (Node's `IncomingMessage` on a server): its head, and the
//! id that names it on the loop.

use std::ops::Deref;

use netcore::{EventLoop, HandleId};
use netcore_tcp::SocketId;

use crate::proto::RequestHead;

/// Names one request of one connection; `Copy`, so it can be kept and used later.
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
