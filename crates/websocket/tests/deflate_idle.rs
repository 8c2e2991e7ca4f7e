//! Compression memory at scale: thousands of idle connections that negotiated permessage-deflate
//! and each sent one compressed message cost a few KiB each, not a zlib window each (the pain
//! point of Node `ws`, where every one of them keeps about 300 KiB of deflate and inflate state).
//!
//! One loop holds our server (deflate on, the default budget of
//! [`DEFAULT_MAX_DEFLATE_CONTEXTS`]) and [`CONNECTIONS`] of our clients (default options: they
//! offer permessage-deflate). Each client sends one compressible 2 KiB text message, checks the
//! echo, and stays idle. The heap is counted by a global allocator (its own test binary, one
//! test). Both ends of every connection live in this process, so the figures are per connection
//! pair; both ends draw on the same loop's budget of contexts.
//!
//! `benches/ws-idle-deflate.sh` measures the server alone at 10,000 connections, beside Node `ws`.
#![allow(clippy::unwrap_used, missing_docs)]

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use netcore::EventLoop;
use netcore_websocket::client::{connect, ClientOptions};
use netcore_websocket::proto::deflate::{CompressorState, InflaterState};
use netcore_websocket::proto::extension::DeflateConfig;
use netcore_websocket::server::{listen, ServerOptions, DEFAULT_MAX_DEFLATE_CONTEXTS};
use netcore_websocket::{WebSocket, WebSocketHandler, WebSocketId};

#[global_allocator]
static GLOBAL: netcore_testkit::Counting = netcore_testkit::Counting;

/// Connections (pairs of ends); 10,000 are in `benches/ws-idle-deflate.sh`.
const CONNECTIONS: usize = 2_000;

/// Clients connected at a time, so the listen backlog never overflows (a dropped SYN costs a 1 s
/// retransmission).
const WAVE: usize = 100;

/// Heap bound for one more idle compressed connection past the budget, both ends together:
/// measured about 10 KiB (two connection states and their sockets); a compressor and an
/// inflater per end would be about 710 KiB.
const MAX_MARGINAL: usize = 16 * 1024;

/// The message each client sends: 2 KiB of text that compresses well, above the default
/// threshold (1024).
fn message() -> Vec<u8> {
    b"netcore websocket idle deflate ".iter().copied().cycle().take(2048).collect()
}

#[derive(Default)]
struct Counts {
    echoed: usize,
    compressed: usize,
    failed: Vec<String>,
}

/// Sends the message once open, counts the echo and whether the connection is compressed.
struct Client {
    counts: Rc<RefCell<Counts>>,
    message: Rc<Vec<u8>>,
}

impl WebSocketHandler for Client {
    fn on_open(&mut self, ws: &mut WebSocket<'_>) {
        ws.send(&self.message, false);
    }

    fn on_message(&mut self, ws: &mut WebSocket<'_>, data: Bytes, is_binary: bool) {
        let compressed = ws.id().is_compressed(ws.lp());
        let mut counts = self.counts.borrow_mut();
        if is_binary || data[..] != self.message[..] {
            counts.failed.push(format!("bad echo: {} bytes, binary {is_binary}", data.len()));
        }
        counts.echoed += 1;
        counts.compressed += usize::from(compressed);
    }

    fn on_error(&mut self, _ws: &mut WebSocket<'_>, error: &netcore_websocket::Error) {
        self.counts.borrow_mut().failed.push(format!("{error:?}"));
    }
}

/// Connects `n` clients in waves and runs the loop until every one has its echo back.
fn connect_idle(
    lp: &mut EventLoop,
    url: &str,
    n: usize,
    counts: &Rc<RefCell<Counts>>,
    message: &Rc<Vec<u8>>,
    ids: &mut Vec<WebSocketId>,
) {
    let deadline = Instant::now() + Duration::from_secs(30);
    let start = counts.borrow().echoed;
    for wave in 0..n.div_ceil(WAVE) {
        let want = start + ((wave + 1) * WAVE).min(n);
        for _ in counts.borrow().echoed..want {
            let client = Client { counts: counts.clone(), message: message.clone() };
            ids.push(connect(lp, url, ClientOptions::default(), client).unwrap());
        }
        while counts.borrow().echoed < want {
            assert!(Instant::now() < deadline, "only {} of {want} echoes after 30 s", counts.borrow().echoed);
            {
                let failed = &counts.borrow().failed;
                assert!(failed.is_empty(), "{failed:?}");
            }
            lp.run_once(Some(Duration::from_millis(50))).unwrap();
        }
    }
    // Let the server finish its turn (the echo is written before the client reads it).
    lp.run_once(Some(Duration::ZERO)).unwrap();
}

#[test]
fn thousands_of_idle_compressed_connections_share_a_bounded_set_of_windows() {
    netcore_testkit::ensure_nofile(2 * CONNECTIONS as u64 + 500);
    let mut lp = EventLoop::new().unwrap();
    let mut options = ServerOptions::default();
    options.deflate = Some(DeflateConfig::default());
    let server = listen(&mut lp, "127.0.0.1:0", options, |_head: &_| {
        |ws: &mut WebSocket<'_>, data: Bytes, is_binary: bool| {
            ws.send(&data, is_binary);
        }
    })
    .unwrap();
    let url = format!("ws://{}/", server.address(&lp).unwrap());
    let counts = Rc::new(RefCell::new(Counts::default()));
    let message = Rc::new(message());
    let mut clients = Vec::with_capacity(CONNECTIONS);
    lp.run_once(Some(Duration::ZERO)).unwrap();

    let before = netcore_testkit::live_bytes();
    // The first half spends the loop's budget of contexts (both ends of the first connections
    // keep their windows) and fills the pool; the second half is what every further connection
    // costs.
    connect_idle(&mut lp, &url, CONNECTIONS / 2, &counts, &message, &mut clients);
    let half = netcore_testkit::live_bytes();
    connect_idle(&mut lp, &url, CONNECTIONS - CONNECTIONS / 2, &counts, &message, &mut clients);
    let after = netcore_testkit::live_bytes();

    let Counts { echoed, compressed, failed } = &*counts.borrow();
    assert!(failed.is_empty(), "{failed:?}");
    assert_eq!((*echoed, *compressed), (CONNECTIONS, CONNECTIONS), "(echoed, compressed)");

    let window = CompressorState::SIZE + InflaterState::SIZE;
    let total = (after - before) as usize;
    let marginal = (after - half) as usize / (CONNECTIONS - CONNECTIONS / 2);
    let every_end_keeps_windows = 2 * CONNECTIONS * window;
    println!(
        "{CONNECTIONS} idle compressed connections (both ends): {} KiB of heap, {} bytes each; \
         {marginal} bytes for each past the first {}; \
         a window per end would be {} KiB ({} KiB per connection)",
        total / 1024,
        total / CONNECTIONS,
        CONNECTIONS / 2,
        every_end_keeps_windows / 1024,
        2 * window / 1024,
    );
    assert!(marginal < MAX_MARGINAL, "an idle compressed connection past the budget costs {marginal} bytes");
    // At most the budget's windows, the pool's few kept states, and the marginal cost of every
    // connection. The server grants context takeover to at most the budget's connections, and
    // here both ends of each are on this loop: up to twice the budget's windows (measured
    // about 66 MiB in all, 45 of them windows).
    let bound = (2 * DEFAULT_MAX_DEFLATE_CONTEXTS + 4) * window + CONNECTIONS * MAX_MARGINAL;
    assert!(total < bound, "{total} bytes of heap for {CONNECTIONS} connections, bound {bound}");
    assert!(total < every_end_keeps_windows / 10, "{total} bytes: not far below a window per end");

    for id in clients {
        id.terminate(&mut lp);
    }
    server.close(&mut lp);
    let watchdog = lp.set_timeout(Duration::from_secs(20), |_| panic!("the connections did not close"));
    lp.unref_timer(watchdog);
    lp.run().unwrap();
}
