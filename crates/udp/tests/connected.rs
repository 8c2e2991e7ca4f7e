//! Connected sockets against Node's `dgram`: `send` without an address, `send_to` refused while
//! connected, only the peer's datagrams delivered, `disconnect`; and `ECONNREFUSED` from the ICMP
//! answer to a datagram sent to a port nobody has bound, after which the socket still works.
#![allow(clippy::unwrap_used)]

mod common;

use std::cell::RefCell;
use std::net::SocketAddr;
use std::process::ChildStdin;
use std::rc::Rc;

use common::{send_line, watchdog, Node};
use netcore::EventLoop;
use netcore_udp::{bind, bind_with, BindOptions, Error, RemoteInfo, SendId, Socket, SocketHandler};

#[derive(Debug, Default)]
struct Log {
    /// Events in order: `connect`, `sent N`, `error CODE`, `close`.
    events: Vec<String>,
    /// Datagrams received: (from, text).
    messages: Vec<(SocketAddr, String)>,
}

type Shared = Rc<RefCell<Log>>;

/// Connects to Node's socket `a`, checks what a connected socket may and may not do, has Node's
/// socket `b` send to it (not delivered) and then `a` (delivered), disconnects and talks to `b`.
struct ConnectedPeer {
    a: SocketAddr,
    b: SocketAddr,
    node: ChildStdin,
    log: Shared,
}

impl SocketHandler for ConnectedPeer {
    fn on_listening(&mut self, s: &mut Socket<'_>) {
        let id = s.id();
        // Not yet connected: `send` needs an address.
        assert!(matches!(s.send(b"nowhere"), Err(Error::NotConnected)));
        assert!(matches!(id.disconnect(s.lp()), Err(Error::NotConnected)));
        id.connect(s.lp(), self.a).unwrap();
    }
    fn on_connect(&mut self, s: &mut Socket<'_>) {
        self.log.borrow_mut().events.push("connect".into());
        let id = s.id();
        assert_eq!(s.remote_address(), Some(self.a));
        for to in [self.a, self.b] {
            let e = s.send_to(b"addressed", to).unwrap_err();
            assert!(matches!(e, Error::AlreadyConnected), "{e}");
            assert_eq!(e.code(), "ERR_SOCKET_DGRAM_IS_CONNECTED");
        }
        assert!(matches!(id.connect(s.lp(), self.b), Err(Error::AlreadyConnected)));
        assert!(matches!(id.send_tracked(s.lp(), b"addressed", Some(self.a)), Err(Error::AlreadyConnected)));
        s.send(b"hello").unwrap();
        id.send_tracked(s.lp(), b"tracked", None).unwrap();
    }
    fn on_sent(&mut self, _s: &mut Socket<'_>, _id: SendId, result: Result<usize, &Error>) {
        self.log.borrow_mut().events.push(format!("sent {}", result.unwrap()));
    }
    fn on_message(&mut self, s: &mut Socket<'_>, data: &[u8], rinfo: &RemoteInfo) {
        let text = String::from_utf8(data.to_vec()).unwrap();
        self.log.borrow_mut().messages.push((rinfo.address, text.clone()));
        let me = s.local_address().unwrap();
        match text.as_str() {
            "tracked" => {
                // Node's `b` sends first, then `a`: on loopback they arrive in that order, so
                // `from-a` arriving proves the three `from-b` were not delivered.
                for _ in 0..3 {
                    send_line(&mut self.node, &format!("b {me} from-b"));
                }
                send_line(&mut self.node, &format!("a {me} from-a"));
            }
            "from-a" => {
                let id = s.id();
                id.disconnect(s.lp()).unwrap();
                assert_eq!(s.remote_address(), None);
                assert!(matches!(s.send(b"unaddressed"), Err(Error::NotConnected)));
                assert!(matches!(id.disconnect(s.lp()), Err(Error::NotConnected)));
                // Linux (and so Node) unbinds a port picked by the kernel (bind to port 0) on
                // disconnect; the next send binds a new one. The echo still finds us.
                s.send_to(b"to-b", self.b).unwrap();
            }
            "to-b" => s.close(),
            _ => {}
        }
    }
    fn on_error(&mut self, _s: &mut Socket<'_>, e: &Error) {
        self.log.borrow_mut().events.push(format!("error {}", e.code()));
    }
    fn on_close(&mut self, _lp: &mut EventLoop, _id: netcore_udp::SocketId) {
        self.log.borrow_mut().events.push("close".into());
    }
}

#[test]
fn connected_socket_talks_only_to_its_peer_until_disconnect() {
    let mut node = Node::spawn("peers.js", &[]);
    let line = node.listening_on();
    let (a, b) = line.split_once(' ').unwrap();
    let (a, b): (SocketAddr, SocketAddr) = (a.parse().unwrap(), b.parse().unwrap());
    let mut lp = EventLoop::new().unwrap();
    watchdog(&mut lp, "connected");
    let log = Shared::default();
    let handler = ConnectedPeer { a, b, node: node.take_stdin(), log: log.clone() };
    bind(&mut lp, "127.0.0.1:0", handler).unwrap();
    lp.run().unwrap();
    node.expect_success();
    let log = log.borrow();
    assert_eq!(log.events, ["connect", "sent 7", "close"]);
    let mut got: Vec<(SocketAddr, &str)> = log.messages.iter().map(|(f, t)| (*f, t.as_str())).collect();
    assert_eq!(got.pop(), Some((b, "to-b")), "messages: {:?}", log.messages);
    got.sort();
    assert_eq!(got, [(a, "from-a"), (a, "hello"), (a, "tracked")], "a datagram from b was delivered");
}

/// A port with nothing bound: a socket bound and closed at once (UDP ports are not held in
/// TIME_WAIT, and a parallel test taking this very port in between is very unlikely).
fn unbound_port() -> SocketAddr {
    let s = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    s.local_addr().unwrap()
}

/// Connects to a dead port and sends: expects `ECONNREFUSED` in `on_error`, then disconnects,
/// connects to a Node echo server and expects its echo.
struct Refused {
    dead: SocketAddr,
    echo: SocketAddr,
    log: Shared,
}

impl SocketHandler for Refused {
    fn on_listening(&mut self, s: &mut Socket<'_>) {
        let id = s.id();
        id.connect(s.lp(), self.dead).unwrap();
    }
    fn on_connect(&mut self, s: &mut Socket<'_>) {
        self.log.borrow_mut().events.push("connect".into());
        let text: &[u8] = if s.remote_address() == Some(self.dead) { b"ping" } else { b"after" };
        s.send(text).unwrap();
    }
    fn on_error(&mut self, s: &mut Socket<'_>, e: &Error) {
        self.log.borrow_mut().events.push(format!("error {}", e.code()));
        assert!(matches!(e, Error::ConnectionRefused), "{e}");
        assert!(s.id().is_open(s.lp()));
        let id = s.id();
        id.disconnect(s.lp()).unwrap();
        id.connect(s.lp(), self.echo).unwrap();
    }
    fn on_message(&mut self, s: &mut Socket<'_>, data: &[u8], rinfo: &RemoteInfo) {
        let text = String::from_utf8(data.to_vec()).unwrap();
        self.log.borrow_mut().messages.push((rinfo.address, text));
        s.close();
    }
    fn on_close(&mut self, _lp: &mut EventLoop, _id: netcore_udp::SocketId) {
        self.log.borrow_mut().events.push("close".into());
    }
}

fn connection_refused(batch_io: bool) {
    let mut node = Node::spawn("echo_server.js", &["127.0.0.1"]);
    let echo: SocketAddr = node.listening_on().parse().unwrap();
    let mut lp = EventLoop::new().unwrap();
    watchdog(&mut lp, "ECONNREFUSED");
    let log = Shared::default();
    let mut options = BindOptions::default();
    options.batch_io = batch_io;
    let handler = Refused { dead: unbound_port(), echo, log: log.clone() };
    bind_with(&mut lp, "127.0.0.1:0", options, handler).unwrap();
    lp.run().unwrap();
    assert_eq!(node.expect_success(), ["echoed 1"]);
    let log = log.borrow();
    assert_eq!(log.events, ["connect", "error ECONNREFUSED", "connect", "close"]);
    assert_eq!(log.messages, [(echo, "after".to_string())]);
}

#[test]
fn connection_refused_is_reported_and_the_socket_stays_usable_batched() {
    connection_refused(true);
}

#[test]
fn connection_refused_is_reported_and_the_socket_stays_usable_unbatched() {
    connection_refused(false);
}
