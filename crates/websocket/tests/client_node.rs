//! Our client against Node `ws`'s `WebSocketServer` (`tests/node/server_for_client.js`), with
//! and without permessage-deflate: the server pings first (we answer with a Pong on our own),
//! echoes a non-ASCII text message (twice: the second one is where context takeover shows), a
//! binary one and 1 MiB of compressible bytes, and on "close-me" closes with 4003. Both sides
//! report what they saw: our handler's log, and the server's one JSON line (the Pong, the
//! extension it negotiated, how many of our messages came compressed, the close). Node `ws` 8
//! is installed from npm into `target/npm` if it is missing (`.ci/run` installs it first).
//!
//! No sleeps: the loop runs until the connection is gone, then the server's line is read to its
//! end; the server exits once its connection closes (`timeout 30` bounds it otherwise).
#![allow(clippy::unwrap_used, missing_docs)]

use std::cell::RefCell;
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::rc::Rc;
use std::time::Duration;

use bytes::Bytes;
use netcore::EventLoop;
use netcore_websocket::client::{connect, ClientOptions};
use netcore_websocket::proto::extension::DeflateConfig;
use netcore_websocket::{Error, WebSocket, WebSocketHandler};

/// Non-ASCII text: two- three- and four-byte UTF-8 sequences.
const TEXT: &str = "héllo wörld ✓ 🦀";
const BINARY: &[u8] = &[0, 1, 2, 0x80, 0xfe, 0xff];

/// 1 MiB that compresses well, even with a 512-byte window: short numbered lines.
fn big() -> Vec<u8> {
    let mut data = Vec::with_capacity(1 << 20);
    let mut i = 0u32;
    while data.len() < 1 << 20 {
        data.extend_from_slice(format!("line {i:06} of a compressible message\n").as_bytes());
        i += 1;
    }
    data.truncate(1 << 20);
    data
}

/// What our client saw, in order (a big message summarised).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seen {
    /// Whether permessage-deflate was agreed, as our side sees it.
    Open(bool),
    Ping(Vec<u8>),
    Text(String),
    Binary(Vec<u8>),
    /// A message of over 64 KiB: its length, whether it was binary, whether it equals [`big`].
    Big(usize, bool, bool),
    /// The error's name and its `Debug` form.
    Error(&'static str, String),
    Close(u16, String),
}

type Log = Rc<RefCell<Vec<Seen>>>;

/// Sends [`TEXT`] twice, [`BINARY`] and [`big`] once open; sends "close-me" once the four
/// echoes are back (by then the server's Ping, which came before them, has been answered).
struct Client {
    log: Log,
    big: Vec<u8>,
    echoes: usize,
}

impl WebSocketHandler for Client {
    fn on_open(&mut self, ws: &mut WebSocket<'_>) {
        let compressed = ws.id().is_compressed(ws.lp());
        self.log.borrow_mut().push(Seen::Open(compressed));
        ws.send_text(TEXT);
        ws.send_text(TEXT);
        ws.send(BINARY, true);
        ws.send(&self.big, true);
    }

    fn on_message(&mut self, ws: &mut WebSocket<'_>, data: Bytes, is_binary: bool) {
        let seen = if data.len() > 64 * 1024 {
            Seen::Big(data.len(), is_binary, data == self.big)
        } else if is_binary {
            Seen::Binary(data.to_vec())
        } else {
            Seen::Text(String::from_utf8(data.to_vec()).unwrap())
        };
        self.log.borrow_mut().push(seen);
        self.echoes += 1;
        if self.echoes == 4 {
            ws.send_text("close-me");
        }
    }

    fn on_ping(&mut self, _ws: &mut WebSocket<'_>, data: &[u8]) {
        self.log.borrow_mut().push(Seen::Ping(data.to_vec()));
    }

    fn on_error(&mut self, _ws: &mut WebSocket<'_>, e: &Error) {
        self.log.borrow_mut().push(Seen::Error(e.code(), format!("{e:?}")));
    }

    fn on_close(&mut self, _lp: &mut EventLoop, code: u16, reason: &[u8]) {
        self.log.borrow_mut().push(Seen::Close(code, String::from_utf8_lossy(reason).into_owned()));
    }
}

/// The Node server (under `timeout 30`), killed on drop if it is still there.
struct NodeServer(Child);

impl Drop for NodeServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `server_for_client.js` in `config`; returns it, its address and its stdout (past the
/// `listening on` line).
fn node_server(config: &str) -> (NodeServer, String, BufReader<ChildStdout>) {
    let node_path = netcore_testkit::node_ws();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/node/server_for_client.js");
    let mut child = Command::new("timeout")
        .args(["30", "node", script, config])
        .env("NODE_PATH", &node_path)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let server = NodeServer(child);
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let addr = line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("node printed {line:?}"));
    (server, addr.to_owned(), stdout)
}

/// Runs our client against the Node server in `config`; returns what the client saw and the
/// server's JSON line.
fn run(config: &str, deflate: Option<DeflateConfig>) -> (Vec<Seen>, String) {
    let (mut server, addr, mut stdout) = node_server(config);
    let mut lp = EventLoop::new().unwrap();
    // A watchdog that does not keep the loop alive.
    let t = lp.set_timeout(Duration::from_secs(20), |_| panic!("the test hung"));
    lp.unref_timer(t);
    let log = Log::default();
    let mut options = ClientOptions::default();
    options.deflate = deflate;
    let client = Client { log: log.clone(), big: big(), echoes: 0 };
    connect(&mut lp, &format!("ws://{addr}/"), options, client).unwrap();
    lp.run().unwrap();
    // The server prints its line when its connection closes, then exits.
    let mut report = String::new();
    stdout.read_to_string(&mut report).unwrap();
    let status = server.0.wait().unwrap();
    assert!(status.success(), "node server: {status}, printed {report:?}");
    let log = log.borrow().clone();
    (log, report.trim().to_owned())
}

/// What the client must see, compression agreed or not.
fn expected_log(compressed: bool) -> Vec<Seen> {
    vec![
        Seen::Open(compressed),
        Seen::Ping(b"node ping".to_vec()),
        Seen::Text(TEXT.to_owned()),
        Seen::Text(TEXT.to_owned()),
        Seen::Binary(BINARY.to_vec()),
        Seen::Big(1 << 20, true, true),
        Seen::Close(4003, "node says bye".to_owned()),
    ]
}

/// The server's line: the Pong it got, the extension it answered with, how many of our five
/// messages were compressed, and the close it heard (our echo of its 4003).
fn report(extensions: &str, compressed: usize) -> String {
    format!(
        r#"{{"pong":"node ping","extensions":"{extensions}","compressed":{compressed},"close":[4003,"node says bye"]}}"#
    )
}

/// Our offer, compressing every message (as the server does with `threshold: 0`).
fn deflate_everything() -> DeflateConfig {
    let mut config = DeflateConfig::default();
    config.threshold = 0;
    config
}

#[test]
fn our_client_speaks_with_nodes_ws_server_without_compression() {
    let (log, line) = run("plain", None);
    assert_eq!(log, expected_log(false));
    assert_eq!(line, report("", 0));
}

#[test]
fn our_client_goes_uncompressed_when_nodes_server_declines_its_offer() {
    // We offer permessage-deflate; the server (perMessageDeflate: false) ignores the offer.
    let (log, line) = run("plain", Some(DeflateConfig::default()));
    assert_eq!(log, expected_log(false));
    assert_eq!(line, report("", 0));
}

#[test]
fn our_client_speaks_permessage_deflate_with_nodes_ws_server() {
    let (log, line) = run("deflate", Some(deflate_everything()));
    assert_eq!(log, expected_log(true));
    assert_eq!(line, report("permessage-deflate", 5));
}

#[test]
fn our_client_honours_no_context_takeover_and_a_10_bit_server_window() {
    // The server resets its compressor after each message and uses a 1 KiB window; it tells us
    // to reset ours: our second copy of TEXT must not refer back to the first, or Node's
    // inflater (reset after each message) fails.
    let (log, line) = run("no-context", Some(deflate_everything()));
    assert_eq!(log, expected_log(true));
    assert_eq!(
        line,
        report(
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10",
            5
        )
    );
}

#[test]
fn our_client_honours_the_servers_client_max_window_bits() {
    // A 512-byte window for our compressor: a reference further back and Node's inflater fails
    // ("invalid distance too far back").
    let (log, line) = run("client-window", Some(deflate_everything()));
    assert_eq!(log, expected_log(true));
    assert_eq!(line, report("permessage-deflate; client_max_window_bits=9", 5));
}
