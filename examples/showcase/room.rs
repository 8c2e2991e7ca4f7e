//! The chat room: one room for the TCP chat (`nc`) and the browser page (WebSocket `/chat`).
//!
//! The room lives in the loop's state ([`EventLoop::state_mut`]): the TCP server (whose
//! connections are the `nc` members) and the open WebSocket members. A line from either side
//! goes to everyone else; a browser member also gets its own line back, so its page shows what
//! the room saw.
use netcore::framing::LineSplitter;
use netcore::EventLoop;
use netcore_tcp::{ServerId, Socket, SocketHandler, SocketId};
use netcore_websocket::{WebSocket, WebSocketHandler, WebSocketId};

/// The longest line (TCP) or message (WebSocket) a member may say, in bytes.
pub const MAX_LINE: usize = 4096;

/// A member that has this much queued and unread is dropped: the room does not buffer
/// without bound for someone who stopped reading.
const MAX_BACKLOG: usize = 1 << 20;

/// Who is in the room.
#[derive(Default)]
pub struct Room {
    tcp: Option<ServerId>,
    web: Vec<WebSocketId>,
}

impl Room {
    /// The TCP chat's server: its connections are members.
    pub fn set_tcp(lp: &mut EventLoop, server: ServerId) {
        lp.state_or_default::<Room>().tcp = Some(server);
    }

    /// Sends `line` (without its newline) to every member but the TCP socket `except` (whose
    /// user sees their own typing); browser members get it as one text message each.
    fn say(lp: &mut EventLoop, except: Option<SocketId>, line: &str) {
        let Some(room) = lp.state::<Room>() else { return };
        let (tcp, web) = (room.tcp, room.web.clone());
        if let Some(server) = tcp {
            server.broadcast(lp, format!("{line}\n").as_bytes(), except);
            for socket in server.connections(lp) {
                if socket.writable_length(lp) > MAX_BACKLOG {
                    socket.destroy(lp);
                }
            }
        }
        for ws in web {
            ws.send(lp, line.as_bytes(), false);
            if ws.buffered_amount(lp) > MAX_BACKLOG {
                ws.terminate(lp);
            }
        }
    }

    /// Tells every member that the server is going away, and closes the browser members' connections
    /// with 1001 (the TCP members are ended by their server's shutdown).
    pub fn shut_down(lp: &mut EventLoop) {
        Room::say(lp, None, "* the server is shutting down");
        let web = lp.state_mut::<Room>().map(|r| std::mem::take(&mut r.web)).unwrap_or_default();
        for ws in web {
            let _ = ws.close(lp, 1001, "server shutting down");
        }
        if let Some(server) = lp.state::<Room>().and_then(|r| r.tcp) {
            for socket in server.connections(lp) {
                socket.end(lp);
            }
        }
    }
}

/// A member on the TCP chat port (`nc 127.0.0.1 8124`).
pub struct TcpMember {
    name: String,
    lines: LineSplitter,
}

impl TcpMember {
    /// Greets the new member and announces it.
    pub fn join(s: &mut Socket<'_>) -> TcpMember {
        let name =
            s.remote_address().map_or_else(|| "nc".into(), |a| format!("nc:{}", a.port().unwrap_or(0)));
        s.write(format!("* welcome, {name} (the browser chat is in this room too)\n").as_bytes());
        let me = s.id();
        Room::say(s.lp(), Some(me), &format!("* {name} joined"));
        TcpMember { name, lines: LineSplitter::new(MAX_LINE) }
    }
}

impl SocketHandler for TcpMember {
    fn on_data(&mut self, s: &mut Socket<'_>, data: &[u8]) {
        let mut said = Vec::new();
        let parsed = self.lines.push(data, |line| said.push(String::from_utf8_lossy(line).into_owned()));
        let me = s.id();
        for line in said {
            Room::say(s.lp(), Some(me), &format!("{}> {line}", self.name));
        }
        if let Err(e) = parsed {
            s.end_with(format!("* {e}\n").as_bytes());
        }
    }

    fn on_close(&mut self, lp: &mut EventLoop, id: SocketId, _had_error: bool) {
        Room::say(lp, Some(id), &format!("* {} left", self.name));
    }
}

/// A member on the browser page (WebSocket `/chat?name=...`).
pub struct WebMember {
    name: String,
}

impl WebMember {
    /// A member named by the page (`?name=`, letters, digits, `-` and `_`, at most 24), or `web`.
    pub fn new(target: &str) -> WebMember {
        let name = target
            .split_once('?')
            .and_then(|(_, query)| query.split('&').find_map(|pair| pair.strip_prefix("name=")))
            .map(|n| n.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').take(24))
            .map(String::from_iter)
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "web".into());
        WebMember { name }
    }
}

impl WebSocketHandler for WebMember {
    fn on_open(&mut self, ws: &mut WebSocket<'_>) {
        let me = ws.id();
        ws.lp().state_or_default::<Room>().web.push(me);
        Room::say(ws.lp(), None, &format!("* {} joined", self.name));
    }

    fn on_message(&mut self, ws: &mut WebSocket<'_>, data: bytes::Bytes, is_binary: bool) {
        if is_binary {
            let _ = ws.close(1003, "text only");
            return;
        }
        // A text message is valid UTF-8 (the codec checked); one line per message.
        let text = String::from_utf8_lossy(&data);
        for line in text.lines().filter(|l| !l.is_empty()) {
            Room::say(ws.lp(), None, &format!("{}> {line}", self.name));
        }
    }

    fn on_close(&mut self, lp: &mut EventLoop, _code: u16, _reason: &[u8]) {
        // The closed connection is no longer open: keep the members that are.
        let web = lp.state_mut::<Room>().map(|r| std::mem::take(&mut r.web)).unwrap_or_default();
        let open: Vec<WebSocketId> = web.into_iter().filter(|ws| ws.is_open(lp)).collect();
        lp.state_or_default::<Room>().web = open;
        Room::say(lp, None, &format!("* {} left", self.name));
    }
}
