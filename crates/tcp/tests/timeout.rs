//! Idle timeouts against a quiet Node server: `on_timeout` fires once the socket has been idle
//! for its timeout (not before), leaves the socket open until we end it, and activity in either
//! direction postpones it.
#![allow(clippy::unwrap_used)]

mod common;

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use common::{watchdog, Node};
use netcore::EventLoop;
use netcore_tcp::{connect, Error, Socket, SocketHandler, SocketId};

type Events = Rc<RefCell<Vec<String>>>;

/// Sets a timeout at connect and says nothing; at `timeout` proves the socket still works with a
/// ping/pong round trip, then ends.
struct Idle {
    timeout: Duration,
    armed_at: Option<Instant>,
    events: Events,
}

impl SocketHandler for Idle {
    fn on_connect(&mut self, s: &mut Socket<'_>) {
        s.set_timeout(self.timeout);
        self.armed_at = Some(s.lp().now());
    }
    fn on_timeout(&mut self, s: &mut Socket<'_>) {
        let idle = self.armed_at.unwrap().elapsed();
        assert!(idle >= self.timeout, "timeout after {idle:?} of idleness, want {:?}", self.timeout);
        assert!(idle < self.timeout * 5, "timeout only after {idle:?}");
        assert!(s.is_open(), "a timeout closed the socket");
        self.events.borrow_mut().push("timeout".into());
        s.write(b"ping\n");
    }
    fn on_data(&mut self, s: &mut Socket<'_>, data: &[u8]) {
        assert_eq!(data, b"pong\n");
        self.events.borrow_mut().push("pong".into());
        s.end();
    }
    fn on_error(&mut self, _s: &mut Socket<'_>, e: &Error) {
        self.events.borrow_mut().push(format!("error {e}"));
    }
    fn on_close(&mut self, _lp: &mut EventLoop, _id: SocketId, had_error: bool) {
        self.events.borrow_mut().push(format!("close {had_error}"));
    }
}

#[test]
fn idle_timeout_fires_and_leaves_the_socket_open() {
    let mut node = Node::spawn("line_server.js", &[]);
    let addr = node.listening_on();
    let mut lp = EventLoop::new().unwrap();
    watchdog(&mut lp, "idle timeout");
    let events = Events::default();
    let idle = Idle { timeout: Duration::from_millis(200), armed_at: None, events: events.clone() };
    connect(&mut lp, &addr, idle);
    lp.run().unwrap();
    node.expect_success();
    assert_eq!(*events.borrow(), ["timeout", "pong", "close false"]);
}

const PINGS: usize = 5;
const PING_EVERY: Duration = Duration::from_millis(100);
const IDLE: Duration = Duration::from_millis(300);

/// Pings every [`PING_EVERY`] [`PINGS`] times with an [`IDLE`] timeout: the traffic must keep the
/// timeout from firing until [`IDLE`] after the last pong.
struct Busy {
    connected_at: Option<Instant>,
    last_activity: Option<Instant>,
    pongs: usize,
    events: Events,
}

fn ping_later(lp: &mut EventLoop, id: SocketId, left: usize) {
    lp.set_timeout(PING_EVERY, move |lp| {
        id.write(lp, b"ping\n");
        if left > 1 {
            ping_later(lp, id, left - 1);
        }
    });
}

impl SocketHandler for Busy {
    fn on_connect(&mut self, s: &mut Socket<'_>) {
        s.set_timeout(IDLE);
        self.connected_at = Some(s.lp().now());
        let id = s.id();
        ping_later(s.lp(), id, PINGS);
    }
    fn on_data(&mut self, s: &mut Socket<'_>, data: &[u8]) {
        assert_eq!(data, b"pong\n");
        self.pongs += 1;
        // The instant the socket's idle clock restarted from.
        self.last_activity = Some(s.lp().now());
    }
    fn on_timeout(&mut self, s: &mut Socket<'_>) {
        assert_eq!(self.pongs, PINGS, "the timeout fired while the connection was busy");
        let idle = self.last_activity.unwrap().elapsed();
        assert!(idle >= IDLE, "timeout after only {idle:?} of idleness");
        let total = self.connected_at.unwrap().elapsed();
        assert!(total >= PING_EVERY * PINGS as u32 + IDLE, "timeout {total:?} after connect");
        self.events.borrow_mut().push("timeout".into());
        s.end();
    }
    fn on_close(&mut self, _lp: &mut EventLoop, _id: SocketId, had_error: bool) {
        self.events.borrow_mut().push(format!("close {had_error}"));
    }
}

#[test]
fn activity_postpones_the_idle_timeout() {
    let mut node = Node::spawn("line_server.js", &[]);
    let addr = node.listening_on();
    let mut lp = EventLoop::new().unwrap();
    watchdog(&mut lp, "busy timeout");
    let events = Events::default();
    let busy = Busy { connected_at: None, last_activity: None, pongs: 0, events: events.clone() };
    connect(&mut lp, &addr, busy);
    lp.run().unwrap();
    node.expect_success();
    assert_eq!(*events.borrow(), ["timeout", "close false"]);
}
