//! Peers that break the rules, against our server over real sockets: each gets the close code
//! RFC 6455 §7.4.1 gives its fault, and its connection is closed.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use bytes::Bytes;
use netcore_websocket::server::{listen, ServerOptions};
use netcore_websocket::{WebSocket, WebSocketHandler};

const KEY: [u8; 4] = [1, 2, 3, 4];

/// Echoes, and closes (4000) when told `close`.
struct Echo;

impl WebSocketHandler for Echo {
    fn on_message(&mut self, ws: &mut WebSocket<'_>, data: Bytes, is_binary: bool) {
        if &data[..] == b"close" {
            ws.close(4000, "bye").unwrap();
        } else {
            ws.send(&data, is_binary);
        }
    }
}

fn server(options: ServerOptions) -> (String, impl FnOnce()) {
    common::serve(move |lp| {
        let server = listen(lp, "127.0.0.1:0", options, |_head: &_| Echo).unwrap();
        server.address(lp).unwrap().to_string()
    })
}

/// A raw client past the opening handshake.
fn connect(addr: &str) -> TcpStream {
    common::raw_handshake(addr, "").0
}

/// A client frame: `b0` as on the wire, masked with [`KEY`] when `masked`.
fn frame(b0: u8, masked: bool, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![b0];
    let m = if masked { 0x80 } else { 0 };
    match payload.len() {
        n if n < 126 => out.push(m | n as u8),
        n if n < 65536 => {
            out.push(m | 126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            out.push(m | 127);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    if masked {
        out.extend_from_slice(&KEY);
        out.extend(payload.iter().enumerate().map(|(i, b)| b ^ KEY[i % 4]));
    } else {
        out.extend_from_slice(payload);
    }
    out
}

/// Everything the server sends until it closes the connection.
fn read_to_end(s: &mut TcpStream) -> Vec<u8> {
    let mut all = Vec::new();
    s.read_to_end(&mut all).unwrap();
    all
}

/// The close code of the first Close frame in `wire` (server frames: unmasked).
fn close_code(wire: &[u8]) -> Option<u16> {
    let mut at = 0;
    while at + 2 <= wire.len() {
        let (b0, len7) = (wire[at], usize::from(wire[at + 1] & 0x7f));
        let (len, start) = match len7 {
            126 => (usize::from(u16::from_be_bytes([wire[at + 2], wire[at + 3]])), at + 4),
            127 => (u64::from_be_bytes(wire[at + 2..at + 10].try_into().unwrap()) as usize, at + 10),
            n => (n, at + 2),
        };
        if b0 & 0x0f == 0x8 {
            return (len >= 2).then(|| u16::from_be_bytes([wire[start], wire[start + 1]]));
        }
        at = start + len;
    }
    None
}

fn fault(options: ServerOptions, bytes: &[u8]) -> Option<u16> {
    let (addr, stop) = server(options);
    let mut s = connect(&addr);
    s.write_all(bytes).unwrap();
    let code = close_code(&read_to_end(&mut s));
    stop();
    code
}

#[test]
fn a_reserved_opcode_gets_1002() {
    assert_eq!(fault(ServerOptions::default(), &frame(0x83, true, b"x")), Some(1002));
}

#[test]
fn rsv_bits_without_an_extension_get_1002() {
    assert_eq!(fault(ServerOptions::default(), &frame(0xc1, true, b"x")), Some(1002));
}

#[test]
fn an_unmasked_client_frame_gets_1002() {
    assert_eq!(fault(ServerOptions::default(), &frame(0x81, false, b"hi")), Some(1002));
}

#[test]
fn invalid_utf8_text_gets_1007() {
    assert_eq!(fault(ServerOptions::default(), &frame(0x81, true, &[0xce, 0xba, 0xff])), Some(1007));
}

#[test]
fn a_message_over_max_payload_gets_1009() {
    let mut options = ServerOptions::default();
    options.max_payload = 1000;
    assert_eq!(fault(options, &frame(0x82, true, &[0; 1001])), Some(1009));
}

#[test]
fn garbage_gets_a_close_and_the_connection_ends() {
    let garbage: Vec<u8> = (0..64u8).map(|i| i.wrapping_mul(97) | 0x70).collect();
    assert_eq!(fault(ServerOptions::default(), &garbage), Some(1002));
}

#[test]
fn a_peer_that_never_answers_close_is_dropped_after_the_close_timeout() {
    let mut options = ServerOptions::default();
    options.close_timeout = Duration::from_millis(200);
    let (addr, stop) = server(options);
    let mut s = connect(&addr);
    s.write_all(&frame(0x81, true, b"close")).unwrap();
    let start = Instant::now();
    // The server's Close, then (no answer from us) the end of the connection.
    let wire = read_to_end(&mut s);
    assert_eq!(close_code(&wire), Some(4000));
    let waited = start.elapsed();
    assert!(waited >= Duration::from_millis(150) && waited < Duration::from_secs(5), "{waited:?}");
    stop();
}

#[test]
fn a_peer_that_stops_mid_frame_and_leaves_gets_its_close_callback() {
    let (addr, stop) = server(ServerOptions::default());
    let mut s = connect(&addr);
    let whole = frame(0x82, true, &[7; 300]);
    s.write_all(&whole[..100]).unwrap();
    s.shutdown(std::net::Shutdown::Write).unwrap();
    // The server ends its side too: no Close frame (the handshake never happened), just the end.
    let wire = read_to_end(&mut s);
    assert_eq!(close_code(&wire), None);
    stop();
}
