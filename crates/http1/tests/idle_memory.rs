//! Heap per idle keep-alive HTTP connection: 10,000 connections from a Node client, each after
//! one request, measured with a counting allocator between 1,000 and 10,000 held connections.
//! The target is under 2 KiB each (hyper and Node spend about 9–12 KiB): between requests a
//! connection keeps no read buffer, and its response slot and output buffer are small.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use netcore::EventLoop;
use netcore_http1::server::{listen_with, Request, Response, ServerOptions};

#[global_allocator]
static GLOBAL: netcore_testkit::Counting = netcore_testkit::Counting;

const CONNECTIONS: usize = 10_000;
const WARM: usize = 1_000;

#[test]
fn ten_thousand_idle_keep_alive_connections_cost_under_two_kibibytes_each() {
    common::ensure_nofile(CONNECTIONS as libc::rlim_t + 1000);
    let mut lp = EventLoop::new().unwrap();
    let mut options = ServerOptions::default();
    // Long enough that no connection times out while the test counts.
    options.keep_alive_timeout = Duration::from_secs(120);
    let server = listen_with(&mut lp, "127.0.0.1:0", options, |_: &Request<'_>, res: &mut Response<'_>| {
        res.set_header("Content-Type", "text/plain").unwrap();
        res.end(b"Hello, world!\n");
    })
    .unwrap();
    let addr = server.address(&lp).unwrap().to_string();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../benches/node/http_idle_clients.js");
    let mut node = Command::new("node")
        .args([script, &addr, &CONNECTIONS.to_string(), &WARM.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("node is installed");
    let stdout = node.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let _ = tx.send(line.unwrap_or_default());
        }
    });
    // Runs the loop until the client prints `want`.
    let wait_for = |lp: &mut EventLoop, want: String| {
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            lp.run_once(Some(Duration::from_millis(20))).unwrap();
            if let Ok(line) = rx.try_recv() {
                assert_eq!(line, want);
                return;
            }
            assert!(Instant::now() < deadline, "no `{want}` from the client");
        }
    };
    wait_for(&mut lp, format!("held {WARM}"));
    let before = netcore_testkit::live_bytes();
    writeln!(node.stdin.as_mut().unwrap(), "go").unwrap();
    wait_for(&mut lp, format!("held {CONNECTIONS}"));
    let after = netcore_testkit::live_bytes();
    assert_eq!(server.connection_count(&lp), CONNECTIONS);
    let per_conn = (after - before) as f64 / (CONNECTIONS - WARM) as f64;
    println!("heap per idle keep-alive connection: {per_conn:.0} bytes ({CONNECTIONS} connections)");
    drop(node.stdin.take());
    server.close_all_connections(&mut lp);
    server.close(&mut lp);
    lp.run().unwrap();
    let _ = node.wait();
    assert!(per_conn < 2048.0, "an idle keep-alive connection costs {per_conn:.0} bytes of heap");
}
