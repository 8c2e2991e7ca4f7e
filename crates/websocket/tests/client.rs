//! The client on the loop against our own server (in the same loop), a plain HTTP server, raw TCP
//! peers that script the handshake byte for byte, and ports where nothing answers. Every test
//! runs its loop until nothing is left: handlers close the servers once the client is done; no
//! sleeps, and an unreferenced watchdog timer fails a test that hangs.
#![allow(clippy::unwrap_used, missing_docs)]

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use netcore::EventLoop;
use netcore_http1::proto::RequestHead;
use netcore_tcp::{Socket, SocketHandler};
use netcore_websocket::client::{connect, ClientOptions};
use netcore_websocket::proto::deflate::Inflater;
use netcore_websocket::proto::extension::{DeflateConfig, DirectionParams, WindowBits};
use netcore_websocket::proto::handshake::{accept_key, HandshakeError};
use netcore_websocket::server::{listen, ServerOptions};
use netcore_websocket::{Error, WebSocket, WebSocketHandler};

/// What one end of a connection saw, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seen {
    Open,
    Message(Vec<u8>, bool),
    Ping(Vec<u8>),
    Pong(Vec<u8>),
    /// The error's name and its `Debug` form.
    Error(&'static str, String),
    Close(u16, Vec<u8>),
}

type Log = Rc<RefCell<Vec<Seen>>>;

/// What runs when a client connection is gone (closing the servers, so the loop can end).
type Finish = Box<dyn FnOnce(&mut EventLoop)>;

/// Client frames a raw peer received: the first byte and the unmasked payload.
type Frames = Vec<(u8, Vec<u8>)>;

fn error(e: &Error) -> Seen {
    Seen::Error(e.code(), format!("{e:?}"))
}

/// A loop that panics if a test runs for 20 s (the timer does not keep the loop alive).
fn new_loop() -> EventLoop {
    let mut lp = EventLoop::new().unwrap();
    let t = lp.set_timeout(Duration::from_secs(20), |_| panic!("the test hung"));
    lp.unref_timer(t);
    lp
}

/// A client that sends `messages` and a Ping once open, closes with `close` once every echo and
/// the Pong came back, records everything, and runs `finish` when the connection is gone.
struct Client {
    log: Log,
    messages: Vec<(Vec<u8>, bool)>,
    ping: bool,
    close: Option<(u16, &'static str)>,
    finish: Option<Finish>,
}

impl Client {
    fn new(log: &Log, finish: impl FnOnce(&mut EventLoop) + 'static) -> Client {
        Client {
            log: log.clone(),
            messages: Vec::new(),
            ping: false,
            close: None,
            finish: Some(Box::new(finish)),
        }
    }

    fn maybe_close(&mut self, ws: &mut WebSocket<'_>) {
        let log = self.log.borrow();
        let echoed = log.iter().filter(|s| matches!(s, Seen::Message(..))).count();
        let ponged = log.iter().any(|s| matches!(s, Seen::Pong(_)));
        drop(log);
        if echoed == self.messages.len() && (ponged || !self.ping) {
            if let Some((code, reason)) = self.close.take() {
                ws.close(code, reason).unwrap();
            }
        }
    }
}

impl WebSocketHandler for Client {
    fn on_open(&mut self, ws: &mut WebSocket<'_>) {
        self.log.borrow_mut().push(Seen::Open);
        for (data, is_binary) in &self.messages {
            ws.send(data, *is_binary);
        }
        if self.ping {
            ws.ping(b"are you there").unwrap();
        }
        self.maybe_close(ws);
    }

    fn on_message(&mut self, ws: &mut WebSocket<'_>, data: Bytes, is_binary: bool) {
        self.log.borrow_mut().push(Seen::Message(data.to_vec(), is_binary));
        self.maybe_close(ws);
    }

    fn on_ping(&mut self, _ws: &mut WebSocket<'_>, data: &[u8]) {
        self.log.borrow_mut().push(Seen::Ping(data.to_vec()));
    }

    fn on_pong(&mut self, ws: &mut WebSocket<'_>, data: &[u8]) {
        self.log.borrow_mut().push(Seen::Pong(data.to_vec()));
        self.maybe_close(ws);
    }

    fn on_error(&mut self, _ws: &mut WebSocket<'_>, e: &Error) {
        self.log.borrow_mut().push(error(e));
    }

    fn on_close(&mut self, lp: &mut EventLoop, code: u16, reason: &[u8]) {
        self.log.borrow_mut().push(Seen::Close(code, reason.to_vec()));
        if let Some(finish) = self.finish.take() {
            finish(lp);
        }
    }
}

/// Our server's side: echoes, records, and on open pings (then closes with `close` on the Pong).
#[derive(Clone)]
struct Peer {
    log: Log,
    ping_then_close: Option<(u16, &'static str)>,
}

impl WebSocketHandler for Peer {
    fn on_open(&mut self, ws: &mut WebSocket<'_>) {
        if self.ping_then_close.is_some() {
            ws.ping(b"hi").unwrap();
        }
    }

    fn on_message(&mut self, ws: &mut WebSocket<'_>, data: Bytes, is_binary: bool) {
        ws.send(&data, is_binary);
    }

    fn on_pong(&mut self, ws: &mut WebSocket<'_>, data: &[u8]) {
        self.log.borrow_mut().push(Seen::Pong(data.to_vec()));
        if let Some((code, reason)) = self.ping_then_close.take() {
            ws.close(code, reason).unwrap();
        }
    }

    fn on_error(&mut self, _ws: &mut WebSocket<'_>, e: &Error) {
        self.log.borrow_mut().push(error(e));
    }

    fn on_close(&mut self, _lp: &mut EventLoop, code: u16, reason: &[u8]) {
        self.log.borrow_mut().push(Seen::Close(code, reason.to_vec()));
    }
}

/// 1 MiB that compresses, but not to nothing.
fn big() -> Vec<u8> {
    (0..1 << 20).map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 27) as u8 + b'a').collect()
}

/// Text, binary, empty, 1 MiB and a Ping to our echo server and back, then a close from the
/// client; returns the extension offers the server saw.
fn exchange(deflate: bool) -> Vec<String> {
    let mut lp = new_loop();
    let (client_log, server_log) = (Log::default(), Log::default());
    let offers = Rc::new(RefCell::new(Vec::new()));
    let mut options = ServerOptions::default();
    options.deflate = deflate.then(DeflateConfig::default);
    let (slog, seen_offers) = (server_log.clone(), offers.clone());
    let server = listen(&mut lp, "127.0.0.1:0", options, move |head: &RequestHead| {
        let offer = head.headers().get("sec-websocket-extensions").unwrap_or_default();
        seen_offers.borrow_mut().push(String::from_utf8_lossy(offer).into_owned());
        Peer { log: slog.clone(), ping_then_close: None }
    })
    .unwrap();
    let url = format!("ws://{}/chat", server.address(&lp).unwrap());
    let messages = vec![
        ("héllo".as_bytes().to_vec(), false),
        (vec![0, 1, 2, 255], true),
        (Vec::new(), false),
        (big(), true),
        ("x".repeat(5000).into_bytes(), false),
    ];
    let mut client = Client::new(&client_log, move |lp| server.close(lp));
    client.messages = messages.clone();
    client.ping = true;
    client.close = Some((4001, "done"));
    let mut client_options = ClientOptions::default();
    if !deflate {
        client_options.deflate = None;
    }
    let started = Instant::now();
    connect(&mut lp, &url, client_options, client).unwrap();
    lp.run().unwrap();
    let mut want = vec![Seen::Open];
    want.extend(messages.into_iter().map(|(data, binary)| Seen::Message(data, binary)));
    want.push(Seen::Pong(b"are you there".to_vec()));
    want.push(Seen::Close(4001, b"done".to_vec()));
    assert_eq!(*client_log.borrow(), want);
    assert_eq!(*server_log.borrow(), [Seen::Close(4001, b"done".to_vec())]);
    // The server ended TCP after the closing handshake: the client did not wait out its timeout.
    assert!(started.elapsed() < Duration::from_secs(10));
    let offers = offers.borrow().clone();
    offers
}

#[test]
fn exchanges_messages_with_our_server() {
    assert_eq!(exchange(false), [""]);
}

#[test]
fn exchanges_compressed_messages_with_our_server() {
    // Node `ws`'s default offer.
    assert_eq!(exchange(true), ["permessage-deflate; client_max_window_bits"]);
}

#[test]
fn answers_the_servers_ping_and_its_close() {
    let mut lp = new_loop();
    let (client_log, server_log) = (Log::default(), Log::default());
    let slog = server_log.clone();
    let server = listen(&mut lp, "127.0.0.1:0", ServerOptions::default(), move |_: &RequestHead| Peer {
        log: slog.clone(),
        ping_then_close: Some((4002, "bye")),
    })
    .unwrap();
    let url = format!("ws://{}", server.address(&lp).unwrap());
    let client = Client::new(&client_log, move |lp| server.close(lp));
    let mut options = ClientOptions::default();
    // Were the client to miss the server's end of TCP, the test would take this long.
    options.close_timeout = Duration::from_secs(60);
    let started = Instant::now();
    connect(&mut lp, &url, options, client).unwrap();
    lp.run().unwrap();
    assert_eq!(
        *client_log.borrow(),
        [Seen::Open, Seen::Ping(b"hi".to_vec()), Seen::Close(4002, b"bye".to_vec())]
    );
    assert_eq!(*server_log.borrow(), [Seen::Pong(b"hi".to_vec()), Seen::Close(4002, b"bye".to_vec())]);
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn a_plain_http_server_is_an_unexpected_response() {
    let mut lp = new_loop();
    let server = netcore_http1::server::listen(
        &mut lp,
        "127.0.0.1:0",
        |_req: &netcore_http1::server::Request<'_>, res: &mut netcore_http1::server::Response<'_>| {
            res.set_status(404);
            res.end(b"not here");
        },
    )
    .unwrap();
    let url = format!("ws://{}/nowhere", server.address(&lp).unwrap());
    let log = Log::default();
    let id = connect(&mut lp, &url, ClientOptions::default(), Client::new(&log, move |lp| server.close(lp)))
        .unwrap();
    assert!(!id.is_open(&lp));
    lp.run().unwrap();
    let status = HandshakeError::UnexpectedResponse { status: 404 };
    assert_eq!(
        *log.borrow(),
        [error(&Error::Handshake(status)), Seen::Close(1006, Vec::new())],
        "the application can tell the status"
    );
    assert_eq!(Error::Handshake(status).code(), "WS_ERR_UNEXPECTED_RESPONSE");
}

#[test]
fn a_refused_connection_is_econnrefused() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut lp = new_loop();
    let log = Log::default();
    connect(&mut lp, &format!("ws://127.0.0.1:{port}/"), ClientOptions::default(), Client::new(&log, |_| {}))
        .unwrap();
    lp.run().unwrap();
    let log = log.borrow();
    assert!(matches!(log[0], Seen::Error("ECONNREFUSED", _)), "{log:?}");
    assert_eq!(log[1..], [Seen::Close(1006, Vec::new())]);
}

#[test]
fn a_server_that_never_answers_times_out() {
    // The kernel completes the TCP handshake into the backlog; nobody ever reads.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("ws://{}/", silent.local_addr().unwrap());
    let mut lp = new_loop();
    let log = Log::default();
    let mut options = ClientOptions::default();
    options.handshake_timeout = Some(Duration::from_millis(200));
    let started = Instant::now();
    connect(&mut lp, &url, options, Client::new(&log, |_| {})).unwrap();
    lp.run().unwrap();
    assert!(started.elapsed() >= Duration::from_millis(200));
    assert_eq!(*log.borrow(), [error(&Error::HandshakeTimeout), Seen::Close(1006, Vec::new())]);
}

#[test]
fn close_or_terminate_before_open_aborts_the_handshake() {
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("ws://{}/", silent.local_addr().unwrap());
    let mut lp = new_loop();
    let (a, b) = (Log::default(), Log::default());
    let first = connect(&mut lp, &url, ClientOptions::default(), Client::new(&a, |_| {})).unwrap();
    let second = connect(&mut lp, &url, ClientOptions::default(), Client::new(&b, |_| {})).unwrap();
    // Nothing goes out before the handshake is done.
    assert!(!first.send(&mut lp, b"early", false));
    assert!(matches!(first.ping(&mut lp, b""), Err(Error::NotOpen)));
    assert!(!first.is_open(&lp));
    first.close(&mut lp, 1000, "").unwrap();
    second.terminate(&mut lp);
    lp.run().unwrap();
    for log in [a, b] {
        assert_eq!(*log.borrow(), [error(&Error::ClosedBeforeOpen), Seen::Close(1006, Vec::new())]);
    }
}

#[test]
fn urls_that_cannot_be_connected_to_are_refused_at_once() {
    let mut lp = new_loop();
    for url in ["wss://127.0.0.1/", "ftp://a/", "127.0.0.1:80", "ws://a b/", "ws://:80/"] {
        let log = Log::default();
        let e = connect(&mut lp, url, ClientOptions::default(), Client::new(&log, |_| {})).unwrap_err();
        assert!(matches!(e, Error::InvalidUrl { .. }), "{url}: {e}");
    }
    let log = Log::default();
    let bad_protocol = ClientOptions::default().protocol("not a token");
    let e = connect(&mut lp, "ws://127.0.0.1:1/", bad_protocol, Client::new(&log, |_| {})).unwrap_err();
    assert!(matches!(e, Error::Handshake(HandshakeError::ProtocolNotOffered)), "{e}");
    lp.run().unwrap();
    assert!(log.borrow().is_empty());
}

// ----- raw peers: the handshake byte for byte -------------------------------------------------

/// What a raw peer does with the client's request head (and the key's accept value); returns
/// the bytes to answer with, and whether to end the connection after them.
type Answer = Rc<dyn Fn(&str, &str) -> (Vec<u8>, bool)>;

/// A TCP peer that reads the request head, answers as scripted, and records the client's frames
/// (unmasked) after it.
struct RawPeer {
    answer: Answer,
    request: Rc<RefCell<String>>,
    frames: Rc<RefCell<Frames>>,
    buf: Vec<u8>,
    answered: bool,
}

impl SocketHandler for RawPeer {
    fn on_data(&mut self, s: &mut Socket<'_>, data: &[u8]) {
        self.buf.extend_from_slice(data);
        if !self.answered {
            let Some(end) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") else { return };
            let head = String::from_utf8(self.buf.drain(..end + 4).collect()).unwrap();
            let key = head
                .lines()
                .find_map(|l| l.strip_prefix("Sec-WebSocket-Key: "))
                .map(|k| accept_key(k.as_bytes()).as_str().to_owned())
                .unwrap_or_default();
            *self.request.borrow_mut() = head.clone();
            let (bytes, end_after) = (self.answer)(&head, &key);
            self.answered = true;
            if end_after {
                s.end_with(&bytes);
                return;
            }
            s.write(&bytes);
        }
        // Client frames: masked, short enough for a 16-bit length in these tests.
        while let Some((first, payload, used)) = client_frame(&self.buf) {
            self.buf.drain(..used);
            self.frames.borrow_mut().push((first, payload.clone()));
            if first & 0x0f == 0x8 {
                // Its Close answers ours: the server ends TCP (RFC 6455 §7.1.1).
                s.end();
            }
        }
    }
}

/// One masked client frame from the front of `buf`: its first byte, the unmasked payload and
/// the bytes it took.
fn client_frame(buf: &[u8]) -> Option<(u8, Vec<u8>, usize)> {
    let (&first, &second) = (buf.first()?, buf.get(1)?);
    assert!(second & 0x80 != 0, "client frames are masked");
    let (len, mut at) = match second & 0x7f {
        126 => (u16::from_be_bytes([*buf.get(2)?, *buf.get(3)?]) as usize, 4),
        127 => panic!("no test frame is that long"),
        n => (n as usize, 2),
    };
    let mask: [u8; 4] = buf.get(at..at + 4)?.try_into().unwrap();
    at += 4;
    let payload = buf.get(at..at + len)?;
    let unmasked = payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]).collect();
    Some((first, unmasked, at + len))
}

/// Runs a client with `options` against a raw peer answering with `answer`; returns the
/// client's log, the request head and the frames the peer got.
fn against_raw_peer(
    options: ClientOptions,
    reply: Option<Vec<u8>>,
    answer: impl Fn(&str, &str) -> (Vec<u8>, bool) + 'static,
) -> (Vec<Seen>, String, Frames) {
    against_raw_peer_as("", options, reply, answer)
}

/// [`against_raw_peer`] with `userinfo` (`user:pass@`) in the URL.
fn against_raw_peer_as(
    userinfo: &str,
    options: ClientOptions,
    reply: Option<Vec<u8>>,
    answer: impl Fn(&str, &str) -> (Vec<u8>, bool) + 'static,
) -> (Vec<Seen>, String, Frames) {
    let mut lp = new_loop();
    let answer: Answer = Rc::new(answer);
    let (request, frames) = (Rc::new(RefCell::new(String::new())), Rc::new(RefCell::new(Vec::new())));
    let (r, f) = (request.clone(), frames.clone());
    let server = netcore_tcp::listen(&mut lp, "127.0.0.1:0", move |_: &mut Socket<'_>| RawPeer {
        answer: answer.clone(),
        request: r.clone(),
        frames: f.clone(),
        buf: Vec::new(),
        answered: false,
    })
    .unwrap();
    let url = format!("ws://{userinfo}{}/chat?room=1", server.address(&lp).unwrap());
    let log = Log::default();
    let mut client = Client::new(&log, move |lp| server.close(lp));
    if let Some(reply) = reply {
        client.messages = vec![(reply, false)];
        client.close = Some((1000, ""));
    }
    connect(&mut lp, &url, options, client).unwrap();
    lp.run().unwrap();
    let log = log.borrow().clone();
    let (request, frames) = (request.borrow().clone(), frames.borrow().clone());
    (log, request, frames)
}

/// A 101 for `accept` with `extra` header lines.
fn switching(accept: &str, extra: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {accept}\r\n{extra}\r\n"
    )
    .into_bytes()
}

#[test]
fn takes_the_servers_deflate_parameters_and_its_first_frames() {
    let options =
        ClientOptions::default().protocol("chat").protocol("superchat").header("Origin", "http://o.test");
    let reply = "hello again ".repeat(200).into_bytes();
    let (log, request, frames) = against_raw_peer(options, Some(reply.clone()), |_, accept| {
        let mut out = switching(
            accept,
            "Sec-WebSocket-Protocol: chat\r\n\
             Sec-WebSocket-Extensions: permessage-deflate; client_no_context_takeover; client_max_window_bits=9\r\n",
        );
        // RFC 7692 §7.2.3.1: "Hello", compressed, in the same packet as the head.
        out.extend_from_slice(&[0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]);
        (out, false)
    });
    let lines: Vec<&str> = request.lines().collect();
    assert_eq!(lines[0], "GET /chat?room=1 HTTP/1.1");
    assert!(lines[1].starts_with("Host: 127.0.0.1:"), "{request}");
    for want in [
        "Upgrade: websocket",
        "Connection: Upgrade",
        "Sec-WebSocket-Version: 13",
        "Sec-WebSocket-Protocol: chat, superchat",
        "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits",
        "Origin: http://o.test",
    ] {
        assert!(lines.contains(&want), "{want} in {request}");
    }
    assert_eq!(log[..2], [Seen::Open, Seen::Message(b"Hello".to_vec(), false)], "{log:?}");
    // The client's message went out compressed (FIN + RSV1, text), then its Close.
    assert_eq!(frames.len(), 2, "{frames:?}");
    assert_eq!(frames[0].0, 0xc1);
    let mut inflater = Inflater::new(DirectionParams::default(), 1 << 20);
    let mut inflated = Vec::new();
    inflater.inflate(&frames[0].1, &mut inflated).unwrap();
    assert_eq!(inflated, reply);
    // Smaller, if not by much: a window under 15 bits makes our compressor match runs only.
    assert!(frames[0].1.len() < reply.len() / 2, "{} bytes", frames[0].1.len());
    assert_eq!(frames[1], (0x88, vec![0x03, 0xe8]));
    // The peer ended TCP without a Close of its own: no closing handshake.
    assert_eq!(log[2..], [Seen::Close(1006, Vec::new())]);
}

#[test]
fn credentials_in_the_url_go_out_as_basic_authorization() {
    // `ws` sends `Authorization: Basic` for `ws://user:pass@host/` (percent-decoded first).
    let (_, request, _) =
        against_raw_peer_as("al%20ice:se%40cret@", ClientOptions::default(), None, |_, _| {
            (b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n".to_vec(), false)
        });
    let basic = netcore_http1::client::basic_credentials("al ice:se@cret");
    assert!(request.lines().any(|l| l == format!("Authorization: {basic}")), "{request}");
    // A field set by hand wins over the URL's.
    let options = ClientOptions::default().header("Authorization", "Bearer t");
    let (_, request, _) = against_raw_peer_as("u:p@", options, None, |_, _| {
        (b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n".to_vec(), false)
    });
    let fields: Vec<&str> = request.lines().filter(|l| l.starts_with("Authorization:")).collect();
    assert_eq!(fields, ["Authorization: Bearer t"], "{request}");
}

#[test]
fn a_wrong_accept_key_fails_the_handshake() {
    let (log, _, frames) = against_raw_peer(ClientOptions::default(), None, |_, _| {
        (switching("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", ""), false)
    });
    assert_eq!(log, [error(&Error::Handshake(HandshakeError::InvalidAccept)), Seen::Close(1006, Vec::new())]);
    assert!(frames.is_empty());
}

#[test]
fn an_extension_not_offered_fails_the_handshake() {
    let mut options = ClientOptions::default();
    options.deflate = None;
    let (log, request, _) = against_raw_peer(options, None, |_, accept| {
        (switching(accept, "Sec-WebSocket-Extensions: permessage-deflate\r\n"), false)
    });
    assert!(!request.contains("Sec-WebSocket-Extensions"), "{request}");
    assert_eq!(
        log,
        [error(&Error::Handshake(HandshakeError::UnofferedExtension)), Seen::Close(1006, Vec::new())]
    );
}

#[test]
fn a_server_that_hangs_up_before_answering() {
    let (log, _, _) =
        against_raw_peer(ClientOptions::default(), None, |_, _| (b"HTTP/1.1 101 Swi".to_vec(), true));
    assert_eq!(log, [error(&Error::SocketHangUp), Seen::Close(1006, Vec::new())]);
}

#[test]
fn an_oversized_response_head_is_refused() {
    let (log, _, _) = against_raw_peer(ClientOptions::default(), None, |_, accept| {
        let filler = format!("X-Filler: {}\r\n", "a".repeat(20 * 1024));
        (switching(accept, &filler), false)
    });
    assert!(matches!(log[0], Seen::Error("HPE_HEADER_OVERFLOW", _)), "{log:?}");
    assert_eq!(log[1..], [Seen::Close(1006, Vec::new())]);
    // The same without a single line feed: the limit holds all the same.
    let (log, _, _) = against_raw_peer(ClientOptions::default(), None, |_, _| {
        let mut line = b"HTTP/1.1 101 ".to_vec();
        line.resize(20 * 1024, b'a');
        (line, false)
    });
    assert!(matches!(log[0], Seen::Error("HPE_HEADER_OVERFLOW", _)), "{log:?}");
}

#[test]
fn informational_responses_before_the_101_are_skipped() {
    // RFC 9110 §15.2: 103 Early Hints and 100 Continue are interim; the 101 is the answer, and
    // the server's first frame ("hi") follows it in the same packet.
    let (log, _, frames) = against_raw_peer(ClientOptions::default(), Some(b"yo".to_vec()), |_, accept| {
        let mut out = b"HTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\nHTTP/1.1 100 Continue\r\n\r\n".to_vec();
        out.extend_from_slice(&switching(accept, ""));
        out.extend_from_slice(&[0x81, 0x02, b'h', b'i']);
        (out, false)
    });
    assert_eq!(log, [Seen::Open, Seen::Message(b"hi".to_vec(), false), Seen::Close(1006, Vec::new())]);
    assert_eq!(frames, [(0x81, b"yo".to_vec()), (0x88, vec![0x03, 0xe8])]);
}

#[test]
fn an_informational_response_is_not_the_answer() {
    // After the interim responses, a final status other than 101 is still unexpected.
    let (log, _, _) = against_raw_peer(ClientOptions::default(), None, |_, _| {
        (
            b"HTTP/1.1 103 Early Hints\r\n\r\nHTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n".to_vec(),
            false,
        )
    });
    let status = HandshakeError::UnexpectedResponse { status: 403 };
    assert_eq!(log, [error(&Error::Handshake(status)), Seen::Close(1006, Vec::new())]);
    // Nothing but interim responses, then the server hangs up.
    let (log, _, _) = against_raw_peer(ClientOptions::default(), None, |_, _| {
        (b"HTTP/1.1 100 Continue\r\n\r\n".to_vec(), true)
    });
    assert_eq!(log, [error(&Error::SocketHangUp), Seen::Close(1006, Vec::new())]);
}

/// What `extensions` reports on one end once open; closes the connection (the client side).
struct Extensions {
    seen: Rc<RefCell<Vec<Option<String>>>>,
    close: bool,
    finish: Option<Finish>,
}

impl WebSocketHandler for Extensions {
    fn on_open(&mut self, ws: &mut WebSocket<'_>) {
        let id = ws.id();
        self.seen.borrow_mut().push(id.extensions(ws.lp()).map(str::to_owned));
        assert_eq!(id.is_compressed(ws.lp()), id.extensions(ws.lp()).is_some());
        if self.close {
            ws.close(1000, "").unwrap();
        }
    }

    fn on_message(&mut self, _ws: &mut WebSocket<'_>, _data: Bytes, _is_binary: bool) {}

    fn on_close(&mut self, lp: &mut EventLoop, _code: u16, _reason: &[u8]) {
        if let Some(finish) = self.finish.take() {
            finish(lp);
        }
    }
}

/// The `extensions` the server's and the client's connections report.
fn agreed_extensions(server: Option<DeflateConfig>, client: Option<DeflateConfig>) -> Vec<Option<String>> {
    let mut lp = new_loop();
    let seen = Rc::new(RefCell::new(Vec::new()));
    let mut options = ServerOptions::default();
    options.deflate = server;
    let server_seen = seen.clone();
    let server = listen(&mut lp, "127.0.0.1:0", options, move |_: &RequestHead| Extensions {
        seen: server_seen.clone(),
        close: false,
        finish: None,
    })
    .unwrap();
    let url = format!("ws://{}/", server.address(&lp).unwrap());
    let mut client_options = ClientOptions::default();
    client_options.deflate = client;
    let id = connect(
        &mut lp,
        &url,
        client_options,
        Extensions { seen: seen.clone(), close: true, finish: Some(Box::new(move |lp| server.close(lp))) },
    )
    .unwrap();
    // Nothing is agreed before the handshake.
    assert_eq!(id.extensions(&lp), None);
    lp.run().unwrap();
    let seen = seen.borrow().clone();
    seen
}

#[test]
fn extensions_name_what_was_agreed_on_both_sides() {
    // The server's answer to Node `ws`'s default offer, the same on both ends (server first:
    // its `on_open` runs once it wrote the 101).
    let deflate = Some("permessage-deflate".to_owned());
    assert_eq!(
        agreed_extensions(Some(DeflateConfig::default()), Some(DeflateConfig::default())),
        [deflate.clone(), deflate]
    );
    let mut server = DeflateConfig::default();
    server.server_no_context_takeover = true;
    server.client_max_window_bits = WindowBits::new(10);
    assert_eq!(
        agreed_extensions(Some(server), Some(DeflateConfig::default())),
        [
            Some("permessage-deflate; server_no_context_takeover; client_max_window_bits=10".to_owned()),
            Some("permessage-deflate; server_no_context_takeover; client_max_window_bits=10".to_owned()),
        ]
    );
    // Nothing agreed: the server declines, or the client offers nothing.
    assert_eq!(agreed_extensions(None, Some(DeflateConfig::default())), [None, None]);
    assert_eq!(agreed_extensions(Some(DeflateConfig::default()), None), [None, None]);
}
