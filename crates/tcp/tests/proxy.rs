//! `pipe` between two different sockets: a tiny TCP proxy. Our server pipes each accepted socket
//! to a new client connection to a Node echo server and back; a Node client sends 16 MiB through
//! it and checks every echoed byte. Half-close travels through the proxy (`allow_half_open` on
//! both legs, as a Node proxy needs `allowHalfOpen`).
#![allow(clippy::unwrap_used)]

mod common;

use std::cell::RefCell;
use std::rc::Rc;

use common::{watchdog, Node};
use netcore::EventLoop;
use netcore_tcp::{
    connect_with, listen_with, Error, ServerOptions, Socket, SocketHandler, SocketId, SocketOptions,
};

const BYTES: usize = 16 << 20;

#[derive(Debug, Default)]
struct Seen {
    upstream_connected: usize,
    closed: Vec<(&'static str, bool)>,
    errors: Vec<String>,
    client_read: u64,
    upstream_read: u64,
}

type Shared = Rc<RefCell<Seen>>;

/// One leg of the proxy: records its end, errors and close; the upstream leg may set up the pipes
/// when it connects.
struct Leg {
    name: &'static str,
    seen: Shared,
    /// For the upstream leg piped at connect: the accepted client socket.
    pipe_at_connect: Option<SocketId>,
}

impl SocketHandler for Leg {
    fn on_connect(&mut self, s: &mut Socket<'_>) {
        self.seen.borrow_mut().upstream_connected += 1;
        if let Some(client) = self.pipe_at_connect {
            // Both legs are open now, so on Linux both directions are spliced.
            let up = s.id();
            up.pipe(s.lp(), client);
            client.pipe(s.lp(), up);
        }
    }
    fn on_end(&mut self, s: &mut Socket<'_>) {
        let read = s.bytes_read();
        let mut seen = self.seen.borrow_mut();
        match self.name {
            "client" => seen.client_read = read,
            _ => seen.upstream_read = read,
        }
    }
    fn on_error(&mut self, _s: &mut Socket<'_>, e: &Error) {
        self.seen.borrow_mut().errors.push(format!("{}: {e}", self.name));
    }
    fn on_close(&mut self, _lp: &mut EventLoop, _id: SocketId, had_error: bool) {
        self.seen.borrow_mut().closed.push((self.name, had_error));
    }
}

fn proxy(what: &'static str, pipe_at_accept: bool) {
    let mut upstream = Node::spawn("echo_server.js", &["127.0.0.1"]);
    let upstream_addr = upstream.listening_on();
    let mut lp = EventLoop::new().unwrap();
    watchdog(&mut lp, what);
    let mut options = ServerOptions::default();
    options.socket.allow_half_open = true;
    let seen = Shared::default();
    let s2 = seen.clone();
    let server = listen_with(&mut lp, "127.0.0.1:0", options, move |s: &mut Socket<'_>| {
        let client = s.id();
        let mut up_options = SocketOptions::default();
        up_options.allow_half_open = true;
        let leg = Leg { name: "upstream", seen: s2.clone(), pipe_at_connect: None };
        if pipe_at_accept {
            // The upstream leg is still connecting: the generic stream pipe queues into it.
            let up = connect_with(s.lp(), &upstream_addr, up_options, leg);
            client.pipe(s.lp(), up);
            up.pipe(s.lp(), client);
        } else {
            s.pause();
            connect_with(s.lp(), &upstream_addr, up_options, Leg { pipe_at_connect: Some(client), ..leg });
        }
        Leg { name: "client", seen: s2.clone(), pipe_at_connect: None }
    })
    .unwrap();
    let addr = server.address(&lp).unwrap().to_string();
    let mut node = Node::spawn("echo_client.js", &[&addr, &BYTES.to_string()]);
    node.on_exit(&lp, move |lp| server.close(lp));
    lp.run().unwrap();
    assert_eq!(node.expect_success(), [format!("ok {BYTES}")]);
    upstream.expect_success();
    let seen = seen.borrow();
    assert!(seen.errors.is_empty(), "errors: {:?}", seen.errors);
    assert_eq!(seen.upstream_connected, 1);
    assert_eq!(seen.client_read, BYTES as u64);
    assert_eq!(seen.upstream_read, BYTES as u64);
    let mut closed = seen.closed.clone();
    closed.sort();
    assert_eq!(closed, [("client", false), ("upstream", false)]);
}

#[test]
fn proxy_spliced_after_upstream_connects_16mib() {
    proxy("spliced proxy", false);
}

#[test]
fn proxy_piped_while_upstream_connects_16mib() {
    proxy("early-piped proxy", true);
}
