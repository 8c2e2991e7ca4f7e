//! Allocations per request on the server's hot path: a keep-alive connection answering one
//! request after another (hello world, as `benches/compare-http.sh` loads it), counted on the
//! loop's thread by a counting allocator once warm. Two remain, both the request head's own
//! storage, which the handler may keep past the request: its bytes (one copy of the head) and
//! its field list. Everything else (the response, the slot, the output buffer, timers, the
//! `on_response_close` bookkeeping) reuses what the connection already holds.
#![allow(clippy::unwrap_used)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use netcore::EventLoop;
use netcore_http1::server::{listen, Request, Response};

#[global_allocator]
static GLOBAL: netcore_testkit::Counting = netcore_testkit::Counting;

const WARM: usize = 200;
const COUNTED: usize = 2_000;

/// Sends `n` requests one at a time on `stream`, reading each response whole.
fn requests(stream: &mut TcpStream, n: usize) {
    let mut buf = [0u8; 4096];
    for _ in 0..n {
        stream.write_all(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
        let mut got = Vec::new();
        while !(got.windows(4).any(|w| w == b"\r\n\r\n") && got.ends_with(b"Hello, world!\n")) {
            let read = stream.read(&mut buf).unwrap();
            assert!(read > 0, "the server closed");
            got.extend_from_slice(&buf[..read]);
        }
    }
}

#[test]
fn keep_alive_requests_allocate_only_the_request_heads_storage() {
    let mut lp = EventLoop::new().unwrap();
    let server = listen(&mut lp, "127.0.0.1:0", |_: &Request<'_>, res: &mut Response<'_>| {
        res.set_header("Content-Type", "text/plain").unwrap();
        res.end(b"Hello, world!\n");
    })
    .unwrap();
    let addr = server.address(&lp).unwrap().to_string();
    let (tx, rx) = mpsc::channel();
    let client = std::thread::spawn(move || {
        let mut stream = TcpStream::connect(addr).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        requests(&mut stream, WARM);
        // Warm: the loop's thread counts from the next message to the one after.
        tx.send(()).unwrap();
        requests(&mut stream, COUNTED);
        tx.send(()).unwrap();
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let turn = |lp: &mut EventLoop| {
        lp.run_once(Some(Duration::from_millis(10))).unwrap();
        assert!(Instant::now() < deadline, "the client did not finish");
    };
    while rx.try_recv().is_err() {
        turn(&mut lp);
    }
    let before = netcore_testkit::thread_allocations();
    while rx.try_recv().is_err() {
        turn(&mut lp);
    }
    let allocations = netcore_testkit::thread_allocations() - before;
    client.join().unwrap();
    // The head's two, and a handful for the loop's own bookkeeping; any more per request is a
    // regression.
    assert!(
        allocations <= 2 * COUNTED + COUNTED / 20,
        "{allocations} allocations for {COUNTED} requests on the loop's thread"
    );
    println!("{allocations} allocations for {COUNTED} requests");
}
