//! The connection's own duties over real sockets: fragmented (streamed) sends, the heartbeat,
//! reading that stops while a peer does not read what it is owed, and the loop's budget of
//! compression windows.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use std::cell::RefCell;
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::rc::Rc;
use std::time::Duration;

use bytes::Bytes;
use netcore::EventLoop;
use netcore_websocket::client::{connect, ClientOptions};
use netcore_websocket::proto::extension::DeflateConfig;
use netcore_websocket::server::{listen, ServerOptions};
use netcore_websocket::{WebSocket, WebSocketHandler};

fn new_loop() -> EventLoop {
    let mut lp = EventLoop::new().unwrap();
    let t = lp.set_timeout(Duration::from_secs(20), |_| panic!("the test hung"));
    lp.unref_timer(t);
    lp
}

/// Answers "stream" with one message sent in three fragments; answers "deflate?" with whether
/// compression was agreed and whether this connection got context takeover slots left.
struct Streamer;

impl WebSocketHandler for Streamer {
    fn on_message(&mut self, ws: &mut WebSocket<'_>, data: Bytes, _is_binary: bool) {
        match &data[..] {
            b"stream" => {
                let id = ws.id();
                let part = vec![b'x'; 40_000];
                id.send_fragment(ws.lp(), b"<", false, false);
                id.send_fragment(ws.lp(), &part, false, false);
                // A Ping may go between fragments (RFC 6455 §5.4).
                ws.ping(b"between").unwrap();
                id.send_fragment(ws.lp(), b">", false, true);
            }
            b"burst" => {
                // Small frames gathered in this turn, a large message that leaves at once
                // (without being copied into the frame buffer), then more small ones: the peer
                // must get them in this order.
                let id = ws.id();
                ws.send(b"before", false);
                ws.ping(b"p").unwrap();
                id.send(ws.lp(), &vec![b'y'; 300_000], true);
                ws.send(b"after", false);
            }
            b"refused" => {
                // Sends refused mid-message (a binary fragment, a whole message) must not reach
                // the compressor: the last fragment repeats them, and would point back into
                // bytes the peer's inflater never saw.
                let id = ws.id();
                id.send_fragment(ws.lp(), b"<", false, false);
                assert!(!id.send_fragment(ws.lp(), REPEATED, true, false));
                assert!(!id.send(ws.lp(), REPEATED, false));
                id.send_fragment(ws.lp(), REPEATED, false, true);
            }
            other => {
                let other = other.to_vec();
                ws.send(&other, false);
            }
        }
    }
}

const REPEATED: &[u8] = b"a phrase long enough to be found again, a phrase long enough to be found again";

/// Sends `request`, records the messages, closes after `want` of them.
struct Reader {
    got: Rc<RefCell<Vec<Vec<u8>>>>,
    server: Option<netcore_http1::server::ServerId>,
    request: &'static str,
    want: usize,
}

impl WebSocketHandler for Reader {
    fn on_open(&mut self, ws: &mut WebSocket<'_>) {
        ws.send_text(self.request);
    }
    fn on_message(&mut self, ws: &mut WebSocket<'_>, data: Bytes, _is_binary: bool) {
        self.got.borrow_mut().push(data.to_vec());
        if self.got.borrow().len() == self.want {
            ws.close(1000, "").unwrap();
        }
    }
    fn on_close(&mut self, lp: &mut EventLoop, _code: u16, _reason: &[u8]) {
        if let Some(s) = self.server.take() {
            s.close(lp);
        }
    }
}

#[test]
fn a_fragmented_send_arrives_as_one_message_with_and_without_compression() {
    for deflate in [false, true] {
        let mut lp = new_loop();
        let mut options = ServerOptions::default();
        options.deflate = deflate.then(DeflateConfig::default);
        let server = listen(&mut lp, "127.0.0.1:0", options, |_head: &_| Streamer).unwrap();
        let url = format!("ws://{}/", server.address(&lp).unwrap());
        let got = Rc::new(RefCell::new(Vec::new()));
        let reader = Reader { got: got.clone(), server: Some(server), request: "stream", want: 1 };
        connect(&mut lp, &url, ClientOptions::default(), reader).unwrap();
        lp.run().unwrap();
        let want = [b"<".to_vec(), vec![b'x'; 40_000], b">".to_vec()].concat();
        assert_eq!(*got.borrow(), [want], "deflate {deflate}");
    }
}

#[test]
fn a_large_send_leaves_in_order_with_the_small_frames_around_it() {
    let mut lp = new_loop();
    let server = listen(&mut lp, "127.0.0.1:0", ServerOptions::default(), |_head: &_| Streamer).unwrap();
    let url = format!("ws://{}/", server.address(&lp).unwrap());
    let got = Rc::new(RefCell::new(Vec::new()));
    let reader = Reader { got: got.clone(), server: Some(server), request: "burst", want: 3 };
    connect(&mut lp, &url, ClientOptions::default(), reader).unwrap();
    lp.run().unwrap();
    assert_eq!(*got.borrow(), [b"before".to_vec(), vec![b'y'; 300_000], b"after".to_vec()]);
}

#[test]
fn a_send_refused_mid_message_leaves_the_compressed_stream_intact() {
    let mut lp = new_loop();
    let mut options = ServerOptions::default();
    options.deflate = Some(DeflateConfig::default());
    let server = listen(&mut lp, "127.0.0.1:0", options, |_head: &_| Streamer).unwrap();
    let url = format!("ws://{}/", server.address(&lp).unwrap());
    let got = Rc::new(RefCell::new(Vec::new()));
    let reader = Reader { got: got.clone(), server: Some(server), request: "refused", want: 1 };
    connect(&mut lp, &url, ClientOptions::default(), reader).unwrap();
    lp.run().unwrap();
    assert_eq!(*got.borrow(), [[b"<", REPEATED].concat()]);
}

/// A raw client past the opening handshake (no compression).
fn raw_connect(addr: &str) -> TcpStream {
    common::raw_handshake(addr, "").0
}

/// Turns the heartbeat on for every connection.
struct Beating;

impl WebSocketHandler for Beating {
    fn on_open(&mut self, ws: &mut WebSocket<'_>) {
        let id = ws.id();
        id.heartbeat(ws.lp(), Duration::from_millis(50));
    }
    fn on_message(&mut self, _ws: &mut WebSocket<'_>, _data: Bytes, _is_binary: bool) {}
}

#[test]
fn the_heartbeat_drops_a_peer_that_never_answers_pings() {
    let (addr, stop) = common::serve(|lp| {
        let server = listen(lp, "127.0.0.1:0", ServerOptions::default(), |_head: &_| Beating).unwrap();
        server.address(lp).unwrap().to_string()
    });
    let mut s = raw_connect(&addr);
    // Pings come (opcode 9, empty), no Pong goes back, and the server gives up: the end of the
    // stream, within the read timeout.
    let mut wire = Vec::new();
    s.read_to_end(&mut wire).unwrap();
    assert!(wire.len() >= 2 && wire[0] == 0x89 && wire[1] == 0, "{wire:?}");
    stop();
}

/// Echoes.
struct Echo;

impl WebSocketHandler for Echo {
    fn on_message(&mut self, ws: &mut WebSocket<'_>, data: Bytes, is_binary: bool) {
        ws.send(&data, is_binary);
    }
}

#[test]
fn a_peer_that_floods_pings_without_reading_is_not_read_either() {
    let (addr, stop) = common::serve(|lp| {
        let server = listen(lp, "127.0.0.1:0", ServerOptions::default(), |_head: &_| Echo).unwrap();
        server.address(lp).unwrap().to_string()
    });
    let mut s = raw_connect(&addr);
    // 1000 masked Pings of 125 bytes per write; their Pongs pile up unread on our side, until
    // the server stops reading and the write blocks (the timeout is how the block shows).
    let mut ping = vec![0x89, 0x80 | 125, 1, 2, 3, 4];
    ping.extend((0..125).map(|i| (i as u8) ^ [1, 2, 3, 4][i % 4]));
    let batch: Vec<u8> = ping.iter().copied().cycle().take(ping.len() * 1000).collect();
    s.set_write_timeout(Some(Duration::from_secs(1))).unwrap();
    let mut written = 0usize;
    let limit = 256 << 20;
    loop {
        match s.write(&batch) {
            Ok(n) => written += n,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => break,
            Err(e) => panic!("{e}"),
        }
        assert!(written < limit, "the server read {written} bytes of pings it could not answer");
    }
    stop();
}

/// A raw client's handshake offering permessage-deflate; returns the socket and the agreed
/// extension line.
fn raw_deflate_connect(addr: &str) -> (TcpStream, String) {
    let offer = "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n";
    let (s, head) = common::raw_handshake(addr, offer);
    let line = head.lines().find(|l| l.to_ascii_lowercase().starts_with("sec-websocket-extensions:"));
    (s, line.unwrap_or_default().to_string())
}

#[test]
fn past_the_loops_budget_compression_keeps_no_history() {
    let (addr, stop) = common::serve(|lp| {
        let mut options = ServerOptions::default();
        options.deflate = Some(DeflateConfig::default());
        options.max_deflate_contexts = 1;
        let server = listen(lp, "127.0.0.1:0", options, |_head: &_| Echo).unwrap();
        server.address(lp).unwrap().to_string()
    });
    // The first connection takes the loop's one slot: plain permessage-deflate.
    let (_first, agreed) = raw_deflate_connect(&addr);
    assert!(agreed.contains("permessage-deflate") && !agreed.contains("no_context_takeover"), "{agreed}");
    // The second is told to keep no history, either way.
    let (_second, agreed) = raw_deflate_connect(&addr);
    assert!(
        agreed.contains("server_no_context_takeover") && agreed.contains("client_no_context_takeover"),
        "{agreed}"
    );
    stop();
}
