//! What the loopback tests share: a server loop on its own thread, and a raw client's handshake.
//! (Node `ws` from npm is `netcore_testkit::node_ws`.)
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use netcore::EventLoop;

/// Runs `setup` on a new loop thread; returns what it returned (an address) and a function that
/// stops the loop and joins the thread.
pub fn serve(setup: impl FnOnce(&mut EventLoop) -> String + Send + 'static) -> (String, impl FnOnce()) {
    netcore_testkit::serve_on_thread(setup)
}

/// A raw client's opening handshake (key `dGhlIHNhbXBsZSBub25jZQ==`, RFC 6455 §1.3), with
/// `extra` header lines (each ending in CRLF); returns the socket, past a `101`, and the head.
pub fn raw_handshake(addr: &str, extra: &str) -> (TcpStream, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n{extra}\r\n"
    )
    .unwrap();
    let mut head = Vec::new();
    let mut byte = [0];
    while !head.ends_with(b"\r\n\r\n") {
        s.read_exact(&mut byte).unwrap();
        head.push(byte[0]);
    }
    let head = String::from_utf8(head).unwrap();
    assert!(head.starts_with("HTTP/1.1 101 "), "{head}");
    (s, head)
}
