//! Faults with Node's error codes, and connecting by name: a Node peer's reset
//! (`resetAndDestroy()`) is `ECONNRESET` (or `EPIPE` while writing) on our side, then
//! `close(had_error = true)`; a closed port is `ECONNREFUSED`; a name that does not resolve is
//! `ENOTFOUND`; `localhost` reaches a server on `127.0.0.1` whatever order the resolver gives.
#![allow(clippy::unwrap_used)]

mod common;

use std::cell::RefCell;
use std::net::{SocketAddr, ToSocketAddrs};
use std::rc::Rc;

use common::{watchdog, Log, Node, Recorder};
use netcore::EventLoop;
use netcore_tcp::{connect, listen, Address, Error, Socket, SocketHandler, SocketId};

/// Writes `first` at connect, then records everything.
struct SayThenRecord(&'static [u8], Recorder);

impl SocketHandler for SayThenRecord {
    fn on_connect(&mut self, s: &mut Socket<'_>) {
        self.1.on_connect(s);
        s.write(self.0);
    }
    fn on_data(&mut self, s: &mut Socket<'_>, data: &[u8]) {
        self.1.on_data(s, data)
    }
    fn on_end(&mut self, s: &mut Socket<'_>) {
        self.1.on_end(s)
    }
    fn on_error(&mut self, s: &mut Socket<'_>, e: &Error) {
        self.1.on_error(s, e)
    }
    fn on_close(&mut self, lp: &mut EventLoop, id: SocketId, had_error: bool) {
        self.1.on_close(lp, id, had_error)
    }
}

fn assert_reset(log: &Log, before: &[&str]) {
    let log = log.borrow();
    assert_eq!(log.errors.len(), 1, "events: {:?}", log.events);
    let code = log.errors[0];
    assert!(code == "ECONNRESET" || code == "EPIPE", "error {code}");
    let mut want: Vec<String> = before.iter().map(|s| s.to_string()).collect();
    want.extend([format!("error {code}"), "close".into()]);
    assert_eq!(log.events, want);
    assert_eq!(log.closed, Some(true));
}

#[test]
fn node_server_reset_is_econnreset_then_close_with_error() {
    let mut node = Node::spawn("line_server.js", &[]);
    let addr = node.listening_on();
    let mut lp = EventLoop::new().unwrap();
    watchdog(&mut lp, "server reset");
    let log = Log::default();
    connect(&mut lp, &addr, SayThenRecord(b"reset\n", Recorder(log.clone())));
    lp.run().unwrap();
    node.expect_success();
    assert_reset(&log, &["connect"]);
}

#[test]
fn node_client_reset_is_econnreset_on_our_server() {
    let mut lp = EventLoop::new().unwrap();
    watchdog(&mut lp, "client reset");
    let log = Log::default();
    let l2 = log.clone();
    let server = listen(&mut lp, "127.0.0.1:0", move |s: &mut Socket<'_>| {
        s.write(b"hello\n");
        Recorder(l2.clone())
    })
    .unwrap();
    let addr = server.address(&lp).unwrap().to_string();
    let mut node = Node::spawn("reset_client.js", &[&addr]);
    node.on_exit(&lp, move |lp| server.close(lp));
    lp.run().unwrap();
    node.expect_success();
    assert_reset(&log, &[]);
}

#[test]
fn closed_port_is_econnrefused_then_close_with_error() {
    let (_reserved, refused) = common::refused_port("127.0.0.1");
    let port = refused.port();
    let mut lp = EventLoop::new().unwrap();
    watchdog(&mut lp, "refused");
    let log = Log::default();
    connect(&mut lp, &format!("127.0.0.1:{port}"), Recorder(log.clone()));
    lp.run().unwrap();
    let log = log.borrow();
    assert_eq!(log.events, ["error ECONNREFUSED", "close"]);
    assert_eq!(log.closed, Some(true));
}

#[test]
fn unresolvable_host_is_enotfound() {
    let mut lp = EventLoop::new().unwrap();
    watchdog(&mut lp, "not found");
    let log = Log::default();
    connect(&mut lp, "nonexistent.invalid:80", Recorder(log.clone()));
    let bad = Log::default();
    connect(&mut lp, "no-port-here", Recorder(bad.clone()));
    lp.run().unwrap();
    assert_eq!(log.borrow().events, ["error ENOTFOUND", "close"]);
    assert_eq!(log.borrow().closed, Some(true));
    assert_eq!(bad.borrow().events, ["error ERR_INVALID_ADDRESS", "close"]);
}

/// Says hello at connect, remembers whom it reached and what came back.
struct Hello {
    peer: Rc<RefCell<Option<Address>>>,
    log: Log,
}

impl SocketHandler for Hello {
    fn on_connect(&mut self, s: &mut Socket<'_>) {
        *self.peer.borrow_mut() = s.remote_address();
        s.end_with(b"hello\n");
    }
    fn on_data(&mut self, s: &mut Socket<'_>, data: &[u8]) {
        assert_eq!(data, b"hello\n");
        Recorder(self.log.clone()).on_data(s, data);
    }
    fn on_error(&mut self, s: &mut Socket<'_>, e: &Error) {
        Recorder(self.log.clone()).on_error(s, e);
    }
    fn on_close(&mut self, lp: &mut EventLoop, id: SocketId, had_error: bool) {
        Recorder(self.log.clone()).on_close(lp, id, had_error);
    }
}

#[test]
fn localhost_reaches_an_ipv4_only_node_server() {
    let mut node = Node::spawn("echo_server.js", &["127.0.0.1"]);
    let addr: SocketAddr = node.listening_on().parse().unwrap();
    let resolved: Vec<SocketAddr> = ("localhost", addr.port()).to_socket_addrs().unwrap().collect();
    // Where `localhost` also resolves to ::1 (listed first on many systems), that attempt is
    // refused and Happy Eyeballs goes on to 127.0.0.1 at once.
    println!("localhost resolves to {resolved:?}");
    let mut lp = EventLoop::new().unwrap();
    watchdog(&mut lp, "localhost");
    let peer = Rc::new(RefCell::new(None));
    let log = Log::default();
    let started = std::time::Instant::now();
    connect(&mut lp, &format!("localhost:{}", addr.port()), Hello { peer: peer.clone(), log: log.clone() });
    lp.run().unwrap();
    node.expect_success();
    assert_eq!(*peer.borrow(), Some(Address::Inet(addr)));
    let log = log.borrow();
    assert_eq!(log.received, 6);
    assert_eq!(log.events, ["close"]);
    // A refused ::1 must not cost the 250 ms attempt delay.
    assert!(started.elapsed() < std::time::Duration::from_millis(250) || resolved.len() == 1);
}
