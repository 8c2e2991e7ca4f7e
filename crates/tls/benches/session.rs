//! In-memory TLS: our [`TlsSession`] pair beside a bare rustls pair, the ceiling.
//!
//! ```text
//!   handshake/full   client + server sessions made, pumped to secure (TLS 1.3, ECDSA P-256)
//!   bulk/16KiB       1 MiB client → server in 16 KiB writes, decrypted on the server
//!   bulk/64KiB       the same in 64 KiB writes
//! ```
//!
//! Both sides of each comparison share the very same `Arc<rustls::ClientConfig>` and
//! `Arc<rustls::ServerConfig>` (ours from `ClientOptions`/`ServerOptions`, the bare pair from
//! `ClientConfig::rustls()`/`ServerConfig::rustls()`), so the difference is the adapter alone. The
//! bare pair is pumped the way rustls documents: `read_tls` + `process_new_packets` +
//! `reader().read` in, `writer().write_all` + `write_tls` into a `Vec` out. Like our sessions, its
//! connections have no buffer limit (`set_buffer_limit(None)`): the limit is a policy, not work.
//!
//! The full handshake has resumption off on both sides: the client keeps no sessions
//! (`session_cache_size = 0`) and the server sends no TLS 1.3 tickets (`send_tls13_tickets = 0`;
//! it would otherwise send two, which the client decrypts and drops).
//!
//!   taskset -c 1 cargo bench -p netcore-tls --bench session
//!   taskset -c 1 cargo bench -p netcore-tls --bench session -- bulk/16KiB     # one group
//!
//! Quote the ratios ours/bare from one run, not the absolute times. Pin it (`taskset`): on a busy
//! two-core machine an unpinned run moves between cores and the two sides of a group, measured
//! one after the other, can differ by 10 % for nothing; pinned, their intervals are within 1 %.
#![allow(missing_docs)] // criterion_group! generates undocumented items

use std::hint::black_box;
use std::io::{ErrorKind, Read, Write};
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use netcore_tcp::Layer;
use netcore_tls::{ClientConfig, ClientOptions, Identity, ServerConfig, ServerOptions, TlsSession};
use rustls::{ClientConnection, ConnectionCommon, ServerConnection};
use rustls_pki_types::ServerName;

const HOST: &str = "localhost";
/// Application data moved per bulk iteration.
const BULK: usize = 1 << 20;
/// A bare connection's plaintext reads: the size of a socket's read buffer.
const READ_BUF: usize = 64 * 1024;

/// The configurations both pairs share: an rcgen ECDSA P-256 self-signed certificate for
/// `localhost`, trusted by the client as its only CA; resumption off on both sides.
fn configs() -> (ClientConfig, ServerConfig) {
    let cert = rcgen::generate_simple_self_signed(vec![HOST.into()]).expect("rcgen certificate");
    let identity =
        Identity::from_pem(cert.cert.pem().as_bytes(), cert.signing_key.serialize_pem().as_bytes())
            .expect("identity");
    let mut server = ServerOptions::new(identity);
    server.session_tickets = false;
    let server = server.build().expect("server config");
    // No tickets either (rustls's stateful cache would still send two): a full handshake only.
    let mut rustls_server = (**server.rustls()).clone();
    rustls_server.send_tls13_tickets = 0;
    let server = ServerConfig::from_rustls(Arc::new(rustls_server));

    let mut client = ClientOptions::default();
    client.ca = Some(vec![cert.cert.der().clone()]);
    client.session_cache_size = 0;
    let client = client.build().expect("client config");
    (client, server)
}

// --- ours -----------------------------------------------------------------------------------

/// A connected pair of our sessions (the doctest's pump in crates/tls/src/session.rs).
fn ours_pair(client: &ClientConfig, server: &ServerConfig) -> (TlsSession, TlsSession) {
    let mut c = TlsSession::client(client, HOST).expect("client session");
    let mut s = TlsSession::server(server).expect("server session");
    let (mut to_s, mut to_c, mut plain) = (Vec::new(), Vec::new(), Vec::new());
    c.start(&mut to_s).expect("start");
    while !(c.is_secure() && s.is_secure() && to_s.is_empty() && to_c.is_empty()) {
        s.read_wire(&to_s, &mut plain, &mut to_c).expect("server read_wire");
        to_s.clear();
        c.read_wire(&to_c, &mut plain, &mut to_s).expect("client read_wire");
        to_c.clear();
    }
    (c, s)
}

/// Buffers a bulk run reuses across iterations, as a socket reuses its own.
#[derive(Default)]
struct Buffers {
    wire: Vec<u8>,
    back: Vec<u8>,
    plain: Vec<u8>,
}

/// `data` through our pair in `write`-byte writes; returns the plaintext bytes the server got.
fn ours_bulk(c: &mut TlsSession, s: &mut TlsSession, data: &[u8], write: usize, b: &mut Buffers) -> usize {
    let mut got = 0;
    for chunk in data.chunks(write) {
        c.write_plain(chunk, &mut b.wire).expect("write_plain");
        s.read_wire(&b.wire, &mut b.plain, &mut b.back).expect("read_wire");
        b.wire.clear();
        b.back.clear();
        got += b.plain.len();
        b.plain.clear();
    }
    got
}

// --- bare rustls ----------------------------------------------------------------------------

/// One bare read: `input` through `read_tls` + `process_new_packets`, the plaintext read out into
/// `buf` (counted, returned), replies appended to `wire`.
fn bare_read<D>(
    conn: &mut ConnectionCommon<D>,
    mut input: &[u8],
    buf: &mut [u8],
    wire: &mut Vec<u8>,
) -> usize {
    let mut got = 0;
    while !input.is_empty() {
        conn.read_tls(&mut input).expect("read_tls");
        conn.process_new_packets().expect("process_new_packets");
        loop {
            match conn.reader().read(buf) {
                Ok(0) => break,
                Ok(n) => got += black_box(&buf[..n]).len(),
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) => panic!("reader: {e}"),
            }
        }
    }
    while conn.wants_write() {
        conn.write_tls(wire).expect("write_tls");
    }
    got
}

/// A connected bare pair from the same rustls configurations, pumped like ours.
fn bare_pair(client: &ClientConfig, server: &ServerConfig) -> (ClientConnection, ServerConnection) {
    let name = ServerName::try_from(HOST).expect("server name");
    let mut c = ClientConnection::new(client.rustls().clone(), name).expect("client connection");
    let mut s = ServerConnection::new(server.rustls().clone()).expect("server connection");
    c.set_buffer_limit(None);
    s.set_buffer_limit(None);
    let (mut to_s, mut to_c) = (Vec::new(), Vec::new());
    let mut buf = vec![0; READ_BUF];
    while c.wants_write() {
        c.write_tls(&mut to_s).expect("write_tls");
    }
    while c.is_handshaking() || s.is_handshaking() || !to_s.is_empty() || !to_c.is_empty() {
        bare_read(&mut s, &to_s, &mut buf, &mut to_c);
        to_s.clear();
        bare_read(&mut c, &to_c, &mut buf, &mut to_s);
        to_c.clear();
    }
    (c, s)
}

/// `data` through the bare pair in `write`-byte writes; returns the plaintext bytes received.
fn bare_bulk(
    c: &mut ClientConnection,
    s: &mut ServerConnection,
    data: &[u8],
    write: usize,
    b: &mut Buffers,
) -> usize {
    let mut got = 0;
    for chunk in data.chunks(write) {
        c.writer().write_all(chunk).expect("write_all");
        while c.wants_write() {
            c.write_tls(&mut b.wire).expect("write_tls");
        }
        got += bare_read(s, &b.wire, &mut b.plain, &mut b.back);
        b.wire.clear();
        b.back.clear();
    }
    got
}

// --- benches --------------------------------------------------------------------------------

fn handshake(cr: &mut Criterion) {
    let (client, server) = configs();
    let mut g = cr.benchmark_group("handshake");
    g.throughput(Throughput::Elements(1));
    g.bench_function("full/ours", |b| b.iter(|| ours_pair(&client, &server)));
    g.bench_function("full/bare_rustls", |b| b.iter(|| bare_pair(&client, &server)));
    g.finish();
}

fn bulk(cr: &mut Criterion) {
    let (client, server) = configs();
    let data: Vec<u8> = (0..BULK).map(|i| (i * 31 % 251) as u8).collect();
    for write in [16 * 1024, 64 * 1024] {
        let mut g = cr.benchmark_group(format!("bulk/{}KiB", write / 1024));
        g.throughput(Throughput::Bytes(BULK as u64));

        let (mut c, mut s) = ours_pair(&client, &server);
        let mut bufs = Buffers::default();
        assert_eq!(ours_bulk(&mut c, &mut s, &data, write, &mut bufs), BULK);
        g.bench_function(BenchmarkId::new("ours", "1MiB"), |b| {
            b.iter(|| ours_bulk(&mut c, &mut s, &data, write, &mut bufs))
        });

        let (mut c, mut s) = bare_pair(&client, &server);
        let mut bufs = Buffers { plain: vec![0; READ_BUF], ..Buffers::default() };
        assert_eq!(bare_bulk(&mut c, &mut s, &data, write, &mut bufs), BULK);
        g.bench_function(BenchmarkId::new("bare_rustls", "1MiB"), |b| {
            b.iter(|| bare_bulk(&mut c, &mut s, &data, write, &mut bufs))
        });
        g.finish();
    }
}

criterion_group!(benches, handshake, bulk);
criterion_main!(benches);
