//! What a WebSocket connection tells its application (Node `ws`'s `WebSocket` events), and the
//! context the application acts through.

use bytes::Bytes;
use netcore::EventLoop;

use crate::conn::WebSocketId;
use crate::error::Error;

/// A connection's events. Every method has a default but [`on_message`](Self::on_message).
///
/// A closure `FnMut(&mut WebSocket<'_>, Bytes, bool)` is a handler that only takes messages.
///
/// ```
/// use bytes::Bytes;
/// use netcore_websocket::{WebSocket, WebSocketHandler};
///
/// /// Echoes every message and counts them.
/// struct Echo { seen: u64 }
///
/// impl WebSocketHandler for Echo {
///     fn on_message(&mut self, ws: &mut WebSocket<'_>, data: Bytes, is_binary: bool) {
///         self.seen += 1;
///         ws.send(&data, is_binary);
///     }
/// }
/// ```
pub trait WebSocketHandler: 'static {
    /// The handshake is done (`open`): the connection can send.
    fn on_open(&mut self, ws: &mut WebSocket<'_>) {
        let _ = ws;
    }

    /// A whole message (`message`): inflated if it was compressed, UTF-8 checked if text.
    fn on_message(&mut self, ws: &mut WebSocket<'_>, data: Bytes, is_binary: bool);

    /// A Ping (`ping`); the Pong was already queued.
    fn on_ping(&mut self, ws: &mut WebSocket<'_>, data: &[u8]) {
        let _ = (ws, data);
    }

    /// A Pong (`pong`).
    fn on_pong(&mut self, ws: &mut WebSocket<'_>, data: &[u8]) {
        let _ = (ws, data);
    }

    /// The socket's buffer went below the high-water mark after a send returned false (`drain`).
    fn on_drain(&mut self, ws: &mut WebSocket<'_>) {
        let _ = ws;
    }

    /// Something went wrong (`error`): a peer's protocol violation (the connection is being
    /// closed with the matching code) or a socket error. `on_close` follows.
    fn on_error(&mut self, ws: &mut WebSocket<'_>, error: &Error) {
        let _ = (ws, error);
    }

    /// The connection is gone (`close`): `code` is the peer's close code, 1005 if its Close had
    /// none, 1006 if the connection ended without a closing handshake.
    fn on_close(&mut self, lp: &mut EventLoop, code: u16, reason: &[u8]) {
        let _ = (lp, code, reason);
    }
}

impl<F> WebSocketHandler for F
where
    F: FnMut(&mut WebSocket<'_>, Bytes, bool) + 'static,
{
    fn on_message(&mut self, ws: &mut WebSocket<'_>, data: Bytes, is_binary: bool) {
        self(ws, data, is_binary)
    }
}

/// A connection inside one of its events: send on it, close it, reach the loop.
///
/// ```
/// use bytes::Bytes;
/// use netcore::EventLoop;
/// use netcore_websocket::client::{connect, ClientOptions};
/// use netcore_websocket::server::{listen, ServerOptions};
/// use netcore_websocket::{WebSocket, WebSocketHandler};
///
/// /// Pings, then sends a message once the Pong is back, then closes after the echo.
/// struct Client;
/// impl WebSocketHandler for Client {
///     fn on_open(&mut self, ws: &mut WebSocket<'_>) {
///         ws.ping(b"are you there?").unwrap();
///         assert!(ws.ping(&[0; 126]).is_err()); // control frames carry at most 125 bytes
///     }
///     fn on_pong(&mut self, ws: &mut WebSocket<'_>, data: &[u8]) {
///         assert_eq!(data, b"are you there?"); // the server answered on its own
///         ws.send_text("hello");
///     }
///     fn on_message(&mut self, ws: &mut WebSocket<'_>, data: Bytes, is_binary: bool) {
///         assert_eq!((&data[..], is_binary), (&b"hello"[..], false));
///         ws.close(1000, "done").unwrap();
///     }
///     fn on_close(&mut self, lp: &mut EventLoop, code: u16, reason: &[u8]) {
///         assert_eq!((code, reason), (1000, &b"done"[..]));
///         let server = lp.state::<netcore_http1::server::ServerId>().copied().unwrap();
///         server.close(lp);
///     }
/// }
/// let mut lp = EventLoop::new()?;
/// let server = listen(&mut lp, "127.0.0.1:0", ServerOptions::default(), |_head: &_| {
///     |ws: &mut WebSocket<'_>, data: Bytes, is_binary: bool| {
///         ws.send(&data, is_binary); // echo
///     }
/// })?;
/// lp.set_state(server);
/// let url = format!("ws://{}/", server.address(&lp).unwrap());
/// connect(&mut lp, &url, ClientOptions::default(), Client)?;
/// lp.run()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct WebSocket<'a> {
    pub(crate) lp: &'a mut EventLoop,
    pub(crate) id: WebSocketId,
}

impl std::fmt::Debug for WebSocket<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebSocket").field("id", &self.id).finish()
    }
}

impl WebSocket<'_> {
    /// The connection's id, to act on it later from elsewhere (a timer, another connection).
    pub fn id(&self) -> WebSocketId {
        self.id
    }

    /// The loop.
    pub fn lp(&mut self) -> &mut EventLoop {
        self.lp
    }

    /// Sends a message, binary or text (text must be UTF-8: see [`send_text`](Self::send_text)).
    /// Returns false once more than the high-water mark is queued: wait for `on_drain`.
    pub fn send(&mut self, data: &[u8], is_binary: bool) -> bool {
        self.id.send(self.lp, data, is_binary)
    }

    /// Sends a text message.
    pub fn send_text(&mut self, text: &str) -> bool {
        self.id.send(self.lp, text.as_bytes(), false)
    }

    /// Sends a Ping (at most 125 bytes).
    pub fn ping(&mut self, data: &[u8]) -> Result<(), Error> {
        self.id.ping(self.lp, data)
    }

    /// Sends an unsolicited Pong (at most 125 bytes).
    pub fn pong(&mut self, data: &[u8]) -> Result<(), Error> {
        self.id.pong(self.lp, data)
    }

    /// Starts the closing handshake (`ws.close(code, reason)`).
    pub fn close(&mut self, code: u16, reason: &str) -> Result<(), Error> {
        self.id.close(self.lp, code, reason)
    }

    /// Destroys the connection at once (`ws.terminate()`).
    pub fn terminate(&mut self) {
        self.id.terminate(self.lp)
    }

    /// Bytes queued and not yet taken by the kernel (`ws.bufferedAmount`).
    pub fn buffered_amount(&self) -> usize {
        self.id.buffered_amount(self.lp)
    }
}
