//! Half-close against Node's `net`, both ways: with `allow_half_open` our side receives the
//! peer's `end`, still writes afterwards, and the peer (`allowHalfOpen: true`) receives that data
//! and then our end. Without it, our side ends as soon as the peer does.
#![allow(clippy::unwrap_used)]

mod common;

use std::cell::RefCell;
use std::rc::Rc;

use common::{watchdog, Node};
use netcore::EventLoop;
use netcore_tcp::{
    connect_with, listen_with, Error, ServerOptions, Socket, SocketHandler, SocketId, SocketOptions,
};

#[derive(Debug, Default)]
struct Seen {
    events: Vec<String>,
    received: Vec<u8>,
}

/// Collects what arrives; at `end` optionally writes `reply` (asserting the socket is still
/// writable) and ends.
struct HalfOpen {
    seen: Rc<RefCell<Seen>>,
    reply: Option<&'static [u8]>,
}

impl SocketHandler for HalfOpen {
    fn on_data(&mut self, _s: &mut Socket<'_>, data: &[u8]) {
        self.seen.borrow_mut().received.extend_from_slice(data);
    }
    fn on_end(&mut self, s: &mut Socket<'_>) {
        let received = String::from_utf8_lossy(&self.seen.borrow().received).into_owned();
        self.seen.borrow_mut().events.push(format!("end after {received:?}"));
        if let Some(reply) = self.reply {
            assert!(s.is_open(), "the socket closed at the peer's end despite allow_half_open");
            let more = s.write(reply);
            self.seen.borrow_mut().events.push(format!("wrote after end: {more}"));
            s.end();
        }
    }
    fn on_error(&mut self, _s: &mut Socket<'_>, e: &Error) {
        self.seen.borrow_mut().events.push(format!("error {e}"));
    }
    fn on_close(&mut self, _lp: &mut EventLoop, _id: SocketId, had_error: bool) {
        self.seen.borrow_mut().events.push(format!("close {had_error}"));
    }
}

fn half_open_server(allow_half_open: bool, reply: Option<&'static [u8]>) -> (Vec<String>, Vec<String>) {
    let mut lp = EventLoop::new().unwrap();
    watchdog(&mut lp, "half-open server");
    let mut options = ServerOptions::default();
    options.socket.allow_half_open = allow_half_open;
    let seen = Rc::new(RefCell::new(Seen::default()));
    let s2 = seen.clone();
    let server = listen_with(&mut lp, "127.0.0.1:0", options, move |_: &mut Socket<'_>| HalfOpen {
        seen: s2.clone(),
        reply,
    })
    .unwrap();
    let addr = server.address(&lp).unwrap().to_string();
    let expect = String::from_utf8(reply.unwrap_or_default().to_vec()).unwrap();
    let mut node = Node::spawn("half_open_client.js", &[&addr, &expect]);
    node.on_exit(&lp, move |lp| server.close(lp));
    lp.run().unwrap();
    let out = node.expect_success();
    let events = seen.borrow().events.clone();
    (events, out)
}

#[test]
fn our_server_writes_after_node_client_ends() {
    let (events, node) = half_open_server(true, Some(b"reply after end\n"));
    assert_eq!(node, ["ok"]);
    assert_eq!(events, [r#"end after "hello from node\n""#, "wrote after end: true", "close false"]);
}

#[test]
fn our_server_without_half_open_ends_with_the_peer() {
    // Node's client stays half-open and gets our end with no data: we ended on our own.
    let (events, node) = half_open_server(false, None);
    assert_eq!(node, ["ok"]);
    assert_eq!(events, [r#"end after "hello from node\n""#, "close false"]);
}

#[test]
fn our_client_writes_after_node_server_ends() {
    let mut node = Node::spawn("half_open_server.js", &[]);
    let addr = node.listening_on();
    let mut lp = EventLoop::new().unwrap();
    watchdog(&mut lp, "half-open client");
    let seen = Rc::new(RefCell::new(Seen::default()));
    let mut options = SocketOptions::default();
    options.allow_half_open = true;
    connect_with(&mut lp, &addr, options, HalfOpen { seen: seen.clone(), reply: Some(b"reply after end\n") });
    lp.run().unwrap();
    assert_eq!(node.expect_success(), ["ok"]);
    assert_eq!(
        seen.borrow().events,
        [r#"end after "hello from node\n""#, "wrote after end: true", "close false"]
    );
}
