//! Server behaviour with Node clients: `max_connections` closes the connections past the limit at
//! once (without data) while the others keep working, and `close()` stops accepting at once but
//! emits the server's `close` only after its last connection has closed.
#![allow(clippy::unwrap_used)]

mod common;

use std::cell::RefCell;
use std::rc::Rc;

use common::{watchdog, Node};
use netcore::EventLoop;
use netcore_tcp::{
    connect, listen, listen_with, Error, ServerHandler, ServerId, ServerOptions, Socket, SocketHandler,
    SocketId,
};

#[derive(Debug, Default)]
struct Seen {
    accepted: usize,
    peak: usize,
    errors: Vec<&'static str>,
}

struct Echo(Rc<RefCell<Seen>>);

impl SocketHandler for Echo {
    fn on_data(&mut self, s: &mut Socket<'_>, data: &[u8]) {
        s.write(data);
    }
    fn on_error(&mut self, _s: &mut Socket<'_>, e: &Error) {
        self.0.borrow_mut().errors.push(e.code());
    }
}

#[test]
fn max_connections_closes_the_third_connection_at_once() {
    let mut lp = EventLoop::new().unwrap();
    watchdog(&mut lp, "max connections");
    let mut options = ServerOptions::default();
    options.max_connections = Some(2);
    let seen = Rc::new(RefCell::new(Seen::default()));
    let s2 = seen.clone();
    let server = listen_with(&mut lp, "127.0.0.1:0", options, move |s: &mut Socket<'_>| {
        let open = s.server().unwrap().connection_count(s.lp());
        let mut seen = s2.borrow_mut();
        seen.accepted += 1;
        seen.peak = seen.peak.max(open);
        Echo(s2.clone())
    })
    .unwrap();
    let addr = server.address(&lp).unwrap().to_string();
    let mut node = Node::spawn("max_conn_client.js", &[&addr]);
    node.on_exit(&lp, move |lp| server.close(lp));
    lp.run().unwrap();
    assert_eq!(node.expect_success(), ["ok"]);
    let seen = seen.borrow();
    assert_eq!(seen.accepted, 2, "the connection past the limit reached the handler");
    assert_eq!(seen.peak, 2);
    assert!(seen.errors.is_empty(), "errors: {:?}", seen.errors);
}

/// Loop-local state of the close test.
struct CloseTest {
    server: ServerId,
    addr: String,
    conns: Vec<SocketId>,
    echoed: usize,
    events: Vec<String>,
}

fn log(lp: &mut EventLoop, event: String) {
    lp.state_mut::<CloseTest>().unwrap().events.push(event);
}

/// Echoes, then closes the server once both of Node's connections have been echoed.
struct Closing;

impl ServerHandler for Closing {
    type Connection = Conn;
    fn on_connection(&mut self, s: &mut Socket<'_>) -> Conn {
        let id = s.id();
        let t = s.lp().state_mut::<CloseTest>().unwrap();
        t.conns.push(id);
        Conn(t.conns.len() - 1)
    }
    fn on_error(&mut self, lp: &mut EventLoop, _server: ServerId, e: &Error) {
        log(lp, format!("server error {e}"));
    }
    fn on_close(&mut self, lp: &mut EventLoop, server: ServerId) {
        let conns = lp.state::<CloseTest>().unwrap().conns.clone();
        assert!(conns.iter().all(|c| !c.is_open(lp)), "server close while a connection is open");
        assert_eq!(server.connection_count(lp), 0);
        log(lp, "server close".into());
    }
}

/// Connection number `.0` of the server.
struct Conn(usize);

impl SocketHandler for Conn {
    fn on_data(&mut self, s: &mut Socket<'_>, data: &[u8]) {
        s.write(data);
        let t = s.lp().state_mut::<CloseTest>().unwrap();
        t.echoed += 1;
        t.events.push("echo".into());
        if t.echoed < 2 {
            return;
        }
        let (server, addr) = (t.server, t.addr.clone());
        server.close(s.lp());
        assert!(!server.is_listening(s.lp()));
        assert_eq!(server.connection_count(s.lp()), 2, "close() dropped open connections");
        log(s.lp(), "close()".into());
        connect(s.lp(), &addr, Probe);
    }
    fn on_error(&mut self, s: &mut Socket<'_>, e: &Error) {
        log(s.lp(), format!("conn {} error {e}", self.0));
    }
    fn on_close(&mut self, lp: &mut EventLoop, _id: SocketId, had_error: bool) {
        log(lp, format!("conn {} close {had_error}", self.0));
        let t = lp.state::<CloseTest>().unwrap();
        let (server, conns) = (t.server, t.conns.clone());
        if self.0 == 0 {
            assert_eq!(server.connection_count(lp), 1);
            conns[1].end(lp);
        }
    }
}

/// Connects after `close()`: must be refused; then ends the server's first connection.
struct Probe;

impl SocketHandler for Probe {
    fn on_connect(&mut self, s: &mut Socket<'_>) {
        log(s.lp(), "probe connected".into());
    }
    fn on_error(&mut self, s: &mut Socket<'_>, e: &Error) {
        log(s.lp(), format!("probe {}", e.code()));
    }
    fn on_close(&mut self, lp: &mut EventLoop, _id: SocketId, _had_error: bool) {
        log(lp, "probe close".into());
        let first = lp.state::<CloseTest>().unwrap().conns[0];
        first.end(lp);
    }
}

#[test]
fn close_stops_accepting_and_waits_for_the_last_connection() {
    let mut lp = EventLoop::new().unwrap();
    watchdog(&mut lp, "server close");
    let server = listen(&mut lp, "127.0.0.1:0", Closing).unwrap();
    let addr = server.address(&lp).unwrap().to_string();
    lp.set_state(CloseTest { server, addr: addr.clone(), conns: Vec::new(), echoed: 0, events: Vec::new() });
    let node = Node::spawn("two_clients.js", &[&addr]);
    lp.run().unwrap();
    assert_eq!(node.expect_success(), ["ok"]);
    assert_eq!(
        lp.state::<CloseTest>().unwrap().events,
        [
            "echo",
            "echo",
            "close()",
            "probe ECONNREFUSED",
            "probe close",
            "conn 0 close false",
            "conn 1 close false",
            "server close"
        ]
    );
}
