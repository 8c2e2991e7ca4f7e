//! 1,000 concurrent connections: a Node client opens them all at once, each sends a line and
//! waits for its echo, and none closes before all are echoed, so our server holds all 1,000 at
//! the same time.
#![allow(clippy::unwrap_used)]

mod common;

use std::cell::RefCell;
use std::rc::Rc;

use common::{ensure_nofile, nofile_limit, watchdog, Node};
use netcore::EventLoop;
use netcore_tcp::{listen, Error, Socket, SocketHandler, SocketId};

const CONNECTIONS: usize = 1000;

#[derive(Debug, Default)]
struct Seen {
    accepted: usize,
    peak: usize,
    closed: usize,
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
    fn on_close(&mut self, _lp: &mut EventLoop, _id: SocketId, _had_error: bool) {
        self.0.borrow_mut().closed += 1;
    }
}

#[test]
fn a_thousand_concurrent_node_clients() {
    // Our side needs one descriptor per connection plus a few; stay well under the hard limit.
    let want = (CONNECTIONS + 200) as libc::rlim_t;
    let (_, hard) = nofile_limit();
    assert!(want * 2 <= hard, "hard RLIMIT_NOFILE {hard} is too close to the {want} descriptors needed");
    ensure_nofile(want);

    let mut lp = EventLoop::new().unwrap();
    watchdog(&mut lp, "1000 connections");
    let seen = Rc::new(RefCell::new(Seen::default()));
    let s2 = seen.clone();
    let server = listen(&mut lp, "127.0.0.1:0", move |s: &mut Socket<'_>| {
        let server = s.server().unwrap();
        let open = server.connection_count(s.lp());
        let mut seen = s2.borrow_mut();
        seen.accepted += 1;
        seen.peak = seen.peak.max(open);
        Echo(s2.clone())
    })
    .unwrap();
    let addr = server.address(&lp).unwrap().to_string();
    let mut node = Node::spawn("many_clients.js", &[&addr, &CONNECTIONS.to_string()]);
    node.on_exit(&lp, move |lp| server.close(lp));
    lp.run().unwrap();
    assert_eq!(node.expect_success(), [format!("echoed {CONNECTIONS}")]);
    let seen = seen.borrow();
    assert_eq!(seen.accepted, CONNECTIONS);
    assert_eq!(seen.peak, CONNECTIONS, "the connections were not all open at once");
    assert_eq!(seen.closed, CONNECTIONS);
    assert!(seen.errors.is_empty(), "errors: {:?}", seen.errors);
}
