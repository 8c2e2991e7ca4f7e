//! 64 MiB echoes against Node's `net`, both ways: our server (a `splice` pipe, and a user-space
//! echo with pause/resume backpressure) with a Node client that checks every byte, and a Node
//! echo server with our client checking every byte.
#![allow(clippy::unwrap_used)]

mod common;

use std::cell::RefCell;
use std::rc::Rc;

use common::{watchdog, Log, Node, PatternClient, Record, ECHO_BYTES};
use netcore::EventLoop;
use netcore_tcp::{connect, listen, Error, Socket, SocketHandler};

/// What the server side saw of its one connection.
#[derive(Debug, Default)]
struct Seen {
    connections: usize,
    read_at_end: Vec<u64>,
    errors: Vec<&'static str>,
}

type Shared = Rc<RefCell<Seen>>;

/// Records the end and errors of a piped (`s.pipe(s)`) connection; the pipe moves the bytes.
struct PipeEcho(Shared);

impl SocketHandler for PipeEcho {
    fn on_end(&mut self, s: &mut Socket<'_>) {
        self.0.borrow_mut().read_at_end.push(s.bytes_read());
    }
    fn on_error(&mut self, _s: &mut Socket<'_>, e: &Error) {
        self.0.borrow_mut().errors.push(e.code());
    }
}

/// Echoes in user space: `write` what arrives, pause when `write` says false, resume at `drain`.
struct UserEcho {
    seen: Shared,
    pauses: usize,
}

impl SocketHandler for UserEcho {
    fn on_data(&mut self, s: &mut Socket<'_>, data: &[u8]) {
        if !s.write(data) {
            self.pauses += 1;
            s.pause();
        }
    }
    fn on_drain(&mut self, s: &mut Socket<'_>) {
        let id = s.id();
        assert!(id.is_paused(s.lp()), "drain without an earlier false write");
        s.resume();
    }
    fn on_end(&mut self, s: &mut Socket<'_>) {
        assert!(self.pauses > 0, "64 MiB echoed without backpressure ever engaging");
        self.seen.borrow_mut().read_at_end.push(s.bytes_read());
    }
    fn on_error(&mut self, _s: &mut Socket<'_>, e: &Error) {
        self.seen.borrow_mut().errors.push(e.code());
    }
}

fn serve_node_echo_client(what: &'static str, user_space: bool) {
    let mut lp = EventLoop::new().unwrap();
    watchdog(&mut lp, what);
    let seen = Shared::default();
    let s2 = seen.clone();
    let server = listen(&mut lp, "127.0.0.1:0", move |s: &mut Socket<'_>| -> Box<dyn SocketHandler> {
        s2.borrow_mut().connections += 1;
        if user_space {
            Box::new(UserEcho { seen: s2.clone(), pauses: 0 })
        } else {
            s.pipe(s.id());
            Box::new(PipeEcho(s2.clone()))
        }
    })
    .unwrap();
    let addr = server.address(&lp).unwrap().to_string();
    let mut node = Node::spawn("echo_client.js", &[&addr, &ECHO_BYTES.to_string()]);
    node.on_exit(&lp, move |lp| server.close(lp));
    lp.run().unwrap();
    let out = node.expect_success();
    assert_eq!(out, [format!("ok {ECHO_BYTES}")]);
    let seen = seen.borrow();
    assert_eq!(seen.connections, 1);
    assert_eq!(seen.read_at_end, [ECHO_BYTES as u64]);
    assert!(seen.errors.is_empty(), "errors: {:?}", seen.errors);
}

#[test]
fn splice_pipe_echo_server_with_node_client_64mib() {
    serve_node_echo_client("splice echo", false);
}

#[test]
fn user_space_echo_server_with_node_client_64mib() {
    serve_node_echo_client("user-space echo", true);
}

#[test]
fn our_client_with_node_echo_server_64mib() {
    let mut node = Node::spawn("echo_server.js", &["127.0.0.1"]);
    let addr = node.listening_on();
    let mut lp = EventLoop::new().unwrap();
    watchdog(&mut lp, "client echo");
    let log = Log::default();
    connect(&mut lp, &addr, PatternClient::new(ECHO_BYTES, &log));
    lp.run().unwrap();
    node.expect_success();
    let log: &Record = &log.borrow();
    assert_eq!(log.received, ECHO_BYTES, "events: {:?}", log.events);
    assert_eq!(log.events, ["connect", "end", "close"]);
    assert_eq!(log.closed, Some(false));
}
