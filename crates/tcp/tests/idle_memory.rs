//! Heap per idle connection: 10,000 idle connections from a Node client, measured with a
//! counting allocator. The target is under 1 KiB each: an idle socket owns no read buffer and no
//! write queue (reads land in the loop's shared buffer, libuv style).
#![allow(clippy::unwrap_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use netcore::EventLoop;
use netcore_tcp::{listen, on_data, Socket};

#[global_allocator]
static GLOBAL: netcore_testkit::Counting = netcore_testkit::Counting;

const CONNECTIONS: usize = 10_000;

#[test]
fn ten_thousand_idle_connections_cost_under_a_kibibyte_each() {
    common::ensure_nofile(CONNECTIONS as libc::rlim_t + 1000);
    let mut lp = EventLoop::new().unwrap();
    // A user-space echo server; its connections stay idle.
    let server = listen(&mut lp, "127.0.0.1:0", |_: &mut Socket<'_>| {
        on_data(|s, d| {
            s.write(d);
        })
    })
    .unwrap();
    let addr = server.address(&lp).unwrap().to_string();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/node/idle_clients.js");
    let mut node = Command::new("node")
        .args([script, &addr, &CONNECTIONS.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("node is installed");
    let stdout = node.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let line = BufReader::new(stdout).lines().next();
        let _ = tx.send(line.and_then(|l| l.ok()).unwrap_or_default());
    });
    // Warm the loop's own buffers before the baseline.
    lp.run_once(Some(Duration::ZERO)).unwrap();
    let before = netcore_testkit::live_bytes();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let mut after = None;
    while std::time::Instant::now() < deadline {
        lp.run_once(Some(Duration::from_millis(50))).unwrap();
        if server.connection_count(&lp) == CONNECTIONS {
            after = Some(netcore_testkit::live_bytes());
            break;
        }
    }
    let after = after.unwrap_or_else(|| panic!("only {} connections arrived", server.connection_count(&lp)));
    assert_eq!(rx.recv_timeout(Duration::from_secs(30)).unwrap(), format!("connected {CONNECTIONS}"));
    let per_conn = (after - before) as f64 / CONNECTIONS as f64;
    println!("heap per idle connection: {per_conn:.0} bytes ({CONNECTIONS} connections)");
    for id in server.connections(&lp) {
        id.destroy(&mut lp);
    }
    server.close(&mut lp);
    drop(node.stdin.take());
    lp.run().unwrap();
    let _ = node.wait();
    assert!(per_conn < 1024.0, "an idle connection costs {per_conn:.0} bytes of heap");
}
