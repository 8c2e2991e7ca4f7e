//! UDP echo over loopback: our echo server on a loop thread, a std client in the bench thread
//! sending a window of 64-byte datagrams and reading every echo back. Batched I/O
//! (`recvmmsg`/`sendmmsg`) beside one-datagram-per-call, and a plain blocking std echo thread as
//! the floor.
#![allow(clippy::unwrap_used, missing_docs)] // criterion_group! generates undocumented items

use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use netcore_udp::{bind_with, on_message, BindOptions};

const WINDOW: usize = 32;

fn spawn_ours(batch_io: bool) -> SocketAddr {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut lp = netcore::EventLoop::new().unwrap();
        let mut options = BindOptions::default();
        options.batch_io = batch_io;
        options.recv_buffer_size = Some(4 << 20);
        let s = bind_with(
            &mut lp,
            "127.0.0.1:0",
            options,
            on_message(|s, d, r| {
                let _ = s.send_to(d, r.address);
            }),
        )
        .unwrap();
        tx.send(s.local_address(&lp).unwrap()).unwrap();
        lp.run().unwrap();
    });
    rx.recv().unwrap()
}

fn spawn_std() -> SocketAddr {
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = s.local_addr().unwrap();
    std::thread::spawn(move || {
        let mut buf = [0u8; 2048];
        while let Ok((n, from)) = s.recv_from(&mut buf) {
            let _ = s.send_to(&buf[..n], from);
        }
    });
    addr
}

/// Sends a window of datagrams and reads as many echoes back (a lost one times out and is
/// counted as done, so a drop cannot hang the bench).
fn round(client: &UdpSocket, server: SocketAddr) {
    let msg = [0x5au8; 64];
    for _ in 0..WINDOW {
        client.send_to(&msg, server).unwrap();
    }
    let mut buf = [0u8; 2048];
    for _ in 0..WINDOW {
        if client.recv_from(&mut buf).is_err() {
            break;
        }
    }
}

fn echo(c: &mut Criterion) {
    let mut g = c.benchmark_group("udp echo 64 B");
    g.throughput(Throughput::Elements(WINDOW as u64));
    g.sample_size(20).measurement_time(Duration::from_secs(3));
    for (name, server) in [
        ("netcore batched (recvmmsg/sendmmsg)", spawn_ours(true)),
        ("netcore one per call", spawn_ours(false)),
        ("blocking std thread (floor)", spawn_std()),
    ] {
        let client = UdpSocket::bind("127.0.0.1:0").unwrap();
        client.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
        g.bench_function(name, |b| b.iter(|| round(&client, server)));
    }
    g.finish();
}

criterion_group!(benches, echo);
criterion_main!(benches);
