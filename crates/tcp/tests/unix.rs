//! Unix domain sockets against Node's `net`: our `listen_path` server with a Node client
//! (`net.connect(path)`), and our `connect_path` client with a Node server (`server.listen(path)`),
//! each round trip checked byte by byte.
#![allow(clippy::unwrap_used)]

mod common;

use std::cell::RefCell;
use std::rc::Rc;

use common::{socket_path, watchdog, Log, Node, PatternClient};
use netcore::EventLoop;
use netcore_tcp::{connect_path, listen_path, Address, Error, Socket, SocketHandler};

const BYTES: usize = 4 << 20;

#[derive(Debug, Default)]
struct Seen {
    local: Option<Address>,
    read_at_end: Option<u64>,
    errors: Vec<&'static str>,
}

/// A `s.pipe(s)` echo that records the socket's address and byte count.
struct UnixEcho(Rc<RefCell<Seen>>);

impl SocketHandler for UnixEcho {
    fn on_end(&mut self, s: &mut Socket<'_>) {
        self.0.borrow_mut().read_at_end = Some(s.bytes_read());
    }
    fn on_error(&mut self, _s: &mut Socket<'_>, e: &Error) {
        self.0.borrow_mut().errors.push(e.code());
    }
}

#[test]
fn our_unix_server_with_node_client() {
    let path = socket_path("server");
    let mut lp = EventLoop::new().unwrap();
    watchdog(&mut lp, "unix server");
    let seen = Rc::new(RefCell::new(Seen::default()));
    let s2 = seen.clone();
    let server = listen_path(&mut lp, &path, move |s: &mut Socket<'_>| {
        s2.borrow_mut().local = s.local_address();
        s.pipe(s.id());
        UnixEcho(s2.clone())
    })
    .unwrap();
    assert_eq!(server.address(&lp), Some(Address::Unix(Some(path.clone()))));
    assert!(path.exists());
    let mut node = Node::spawn("echo_client.js", &[path.to_str().unwrap(), &BYTES.to_string()]);
    node.on_exit(&lp, move |lp| server.close(lp));
    lp.run().unwrap();
    assert_eq!(node.expect_success(), [format!("ok {BYTES}")]);
    let seen = seen.borrow();
    assert_eq!(seen.local, Some(Address::Unix(Some(path.clone()))));
    assert_eq!(seen.read_at_end, Some(BYTES as u64));
    assert!(seen.errors.is_empty(), "errors: {:?}", seen.errors);
    assert!(!path.exists(), "the socket file outlived the server");
}

#[test]
fn our_unix_client_with_node_server() {
    let path = socket_path("client");
    let mut node = Node::spawn("echo_server.js", &[path.to_str().unwrap()]);
    assert_eq!(node.listening_on(), path.to_str().unwrap());
    let mut lp = EventLoop::new().unwrap();
    watchdog(&mut lp, "unix client");
    let log = Log::default();
    connect_path(&mut lp, &path, PatternClient::new(BYTES, &log));
    lp.run().unwrap();
    node.expect_success();
    let log = log.borrow();
    assert_eq!(log.received, BYTES);
    assert_eq!(log.events, ["connect", "end", "close"]);
    assert_eq!(log.closed, Some(false));
}

#[test]
fn connect_path_to_nothing_is_an_error_then_close() {
    let path = socket_path("nothing");
    let mut lp = EventLoop::new().unwrap();
    watchdog(&mut lp, "unix nothing");
    let log = Log::default();
    connect_path(&mut lp, &path, common::Recorder(log.clone()));
    lp.run().unwrap();
    let log = log.borrow();
    // Node says ENOENT for a missing path.
    assert_eq!(log.events, ["error ENOENT", "close"]);
    assert_eq!(log.closed, Some(true));
}
