//! TCP echo throughput over loopback: a blocking `std::net::TcpStream` client in the bench thread
//! writes 64 KiB and reads the 64 KiB back; the server runs on a loop in another thread.
//!
//! Servers side by side, to read as ratios from one run:
//! - `splice pipe`: `s.pipe(s.id())`, bytes move kernel → pipe → kernel (`splice(2)` on Linux);
//! - `on_data → write`: every chunk passes through the loop's read buffer and `write`;
//! - `std thread (floor)`: a blocking read/write loop on a thread of its own, no event loop.
#![allow(clippy::unwrap_used, missing_docs)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::mpsc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use netcore::EventLoop;
use netcore_tcp::{listen, Socket, SocketHandler};

const CHUNK: usize = 64 * 1024;

/// Echoes in user space, pausing reads while the write queue is over its high-water mark.
struct Echo;

impl SocketHandler for Echo {
    fn on_data(&mut self, s: &mut Socket<'_>, data: &[u8]) {
        if !s.write(data) {
            s.pause();
        }
    }
    fn on_drain(&mut self, s: &mut Socket<'_>) {
        s.resume();
    }
}

#[derive(Clone, Copy)]
enum Server {
    Splice,
    OnData,
}

/// Starts an echo server on a loop thread; stop it through the returned remote.
fn spawn_loop_server(kind: Server) -> (SocketAddr, netcore::Remote, JoinHandle<()>) {
    let (tx, rx) = mpsc::channel();
    let thread = thread::spawn(move || {
        let mut lp = EventLoop::new().unwrap();
        let server = match kind {
            Server::Splice => listen(&mut lp, "127.0.0.1:0", |s: &mut Socket<'_>| s.pipe(s.id())),
            Server::OnData => listen(&mut lp, "127.0.0.1:0", |_: &mut Socket<'_>| Echo),
        }
        .unwrap();
        let addr = server.address(&lp).unwrap().inet().unwrap();
        tx.send((addr, lp.remote())).unwrap();
        lp.run().unwrap();
    });
    let (addr, remote) = rx.recv().unwrap();
    (addr, remote, thread)
}

/// The floor: one blocking thread echoing one connection.
fn spawn_std_server() -> (SocketAddr, JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let thread = thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        let mut buf = vec![0u8; CHUNK];
        loop {
            match conn.read(&mut buf) {
                Ok(0) | Err(_) => return,
                Ok(n) => {
                    if conn.write_all(&buf[..n]).is_err() {
                        return;
                    }
                }
            }
        }
    });
    (addr, thread)
}

fn round_trip(client: &mut TcpStream, out: &[u8], back: &mut [u8]) {
    client.write_all(out).unwrap();
    client.read_exact(back).unwrap();
}

fn echo(c: &mut Criterion) {
    let mut g = c.benchmark_group("tcp echo 64 KiB");
    g.throughput(Throughput::Bytes(CHUNK as u64));
    let out: Vec<u8> = (0..CHUNK).map(|i| (i % 251) as u8).collect();
    let mut back = vec![0u8; CHUNK];

    for (name, kind) in [("splice pipe", Server::Splice), ("on_data → write", Server::OnData)] {
        let (addr, remote, server) = spawn_loop_server(kind);
        let mut client = TcpStream::connect(addr).unwrap();
        client.set_nodelay(true).unwrap();
        round_trip(&mut client, &out, &mut back);
        assert_eq!(back, out, "{name} echoes what it gets");
        g.bench_function(name, |b| b.iter(|| round_trip(&mut client, &out, &mut back)));
        drop(client);
        remote.stop();
        server.join().unwrap();
    }

    let (addr, server) = spawn_std_server();
    let mut client = TcpStream::connect(addr).unwrap();
    client.set_nodelay(true).unwrap();
    round_trip(&mut client, &out, &mut back);
    assert_eq!(back, out);
    g.bench_function("std thread (floor)", |b| b.iter(|| round_trip(&mut client, &out, &mut back)));
    drop(client);
    server.join().unwrap();
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = echo
}
criterion_main!(benches);
