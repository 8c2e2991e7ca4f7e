//! Echoes of 10,000 datagrams (0 to 65,507 bytes, each checked byte for byte) against Node's
//! `dgram`, both ways: our server (batched and one datagram per system call) with a Node client,
//! and a Node echo server with our client; the same on `[::1]` with 500 datagrams.
//!
//! UDP may drop under pressure even on loopback, so senders keep a window (at most [`WINDOW`]
//! datagrams and [`WINDOW_BYTES`] unanswered) over raised kernel buffers, and send a datagram
//! again if it is unanswered after [`RETRANSMIT_AFTER`]; a test passes once every datagram came
//! back intact, and prints how many retransmits that took (`--nocapture` shows them).
//!
//! The receive slot is 64 KiB and UDP over IPv4 carries at most 65,507 bytes, so no datagram can
//! be truncated here: the tests check that `rinfo.size` is the length handed over and
//! `rinfo.truncated` is false for every datagram up to the largest (truncation itself is
//! covered by the unit test in `src/sys.rs`).
#![allow(clippy::unwrap_used)]

mod common;

use std::cell::RefCell;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::{Duration, Instant};

use common::{
    big_buffers, check_datagram, datagram, identify_datagram, size_of, watchdog, Node, ECHO_BUFFER, MAX_V4,
    RETRANSMIT_AFTER, WINDOW, WINDOW_BYTES,
};
use netcore::{EventLoop, TimerId};
use netcore_udp::{bind_with, Error, RemoteInfo, Socket, SocketHandler, SocketId};

/// Datagrams in the IPv4 echoes.
const COUNT: u32 = 10_000;

/// Datagrams in the IPv6 echoes.
const COUNT_V6: u32 = 500;

/// What our echo server saw.
#[derive(Debug, Default)]
struct ServerSeen {
    datagrams: usize,
    bytes: usize,
    largest: usize,
    empty: usize,
    errors: Vec<String>,
}

/// Sends every datagram back to its sender (`send_to(data, rinfo.address)`), after checking it
/// is one of the `count` test datagrams (Node builds them as we do).
struct EchoServer {
    seen: Rc<RefCell<ServerSeen>>,
    count: u32,
}

impl SocketHandler for EchoServer {
    fn on_message(&mut self, s: &mut Socket<'_>, data: &[u8], rinfo: &RemoteInfo) {
        assert_eq!(rinfo.size, data.len(), "rinfo.size");
        assert!(!rinfo.truncated, "a {}-byte datagram reported as truncated", data.len());
        check_datagram(data, self.count);
        let mut seen = self.seen.borrow_mut();
        seen.datagrams += 1;
        seen.bytes += data.len();
        seen.largest = seen.largest.max(data.len());
        seen.empty += usize::from(data.is_empty());
        if let Err(e) = s.send_to(data, rinfo.address) {
            seen.errors.push(format!("send_to: {e}"));
        }
    }
    fn on_error(&mut self, _s: &mut Socket<'_>, e: &Error) {
        self.seen.borrow_mut().errors.push(format!("on_error: {e}"));
    }
}

/// `ok COUNT retransmits R duplicates D` of `echo_client.js`: (R, D).
fn parse_client_report(out: &[String], count: u32) -> (u32, u32) {
    let line = out.iter().find(|l| l.starts_with("ok ")).unwrap_or_else(|| panic!("no ok line: {out:?}"));
    let w: Vec<&str> = line.split(' ').collect();
    assert_eq!((w[1], w[2], w[4]), (count.to_string().as_str(), "retransmits", "duplicates"), "{line}");
    (w[3].parse().unwrap(), w[5].parse().unwrap())
}

fn serve_node_client(what: &'static str, addr: &str, count: u32, batch_io: bool) {
    let mut lp = EventLoop::new().unwrap();
    watchdog(&mut lp, what);
    let seen = Rc::new(RefCell::new(ServerSeen::default()));
    let server =
        bind_with(&mut lp, addr, big_buffers(batch_io), EchoServer { seen: seen.clone(), count }).unwrap();
    // Linux doubles what was asked for (and `rmem_max` may cap it, but not below the default).
    assert!(server.recv_buffer_size(&lp).unwrap() > 212_992, "SO_RCVBUF was not raised");
    let local = server.local_address(&lp).unwrap().to_string();
    let started = Instant::now();
    let mut node = Node::spawn("echo_client.js", &[&local, &count.to_string()]);
    node.on_exit(&lp, move |lp| server.close(lp));
    lp.run().unwrap();
    let out = node.expect_success();
    let (retransmits, duplicates) = parse_client_report(&out, count);
    let seen = seen.borrow();
    eprintln!(
        "{what}: {count} datagrams ({} bytes) echoed in {:?}; node client retransmits {retransmits}, \
         duplicates {duplicates}",
        seen.bytes,
        started.elapsed()
    );
    assert!(seen.errors.is_empty(), "errors: {:?}", seen.errors);
    let count = count as usize;
    assert!(
        (count..=count + retransmits as usize).contains(&seen.datagrams),
        "the server saw {} datagrams for {count} sent and {retransmits} retransmits",
        seen.datagrams
    );
    assert_eq!(seen.largest, MAX_V4);
    assert!(seen.empty >= 1, "the empty datagram never arrived");
}

#[test]
fn our_server_batched_echoes_node_client_10000_datagrams() {
    serve_node_client("batched server", "127.0.0.1:0", COUNT, true);
}

#[test]
fn our_server_unbatched_echoes_node_client_10000_datagrams() {
    serve_node_client("unbatched server", "127.0.0.1:0", COUNT, false);
}

#[test]
fn ipv6_our_server_echoes_node_client() {
    serve_node_client("IPv6 server", "[::1]:0", COUNT_V6, true);
}

/// Our windowed, retransmitting echo client.
#[derive(Debug)]
struct Client {
    peer: SocketAddr,
    count: u32,
    next: u32,
    /// Unanswered datagrams and when each was last sent.
    outstanding: HashMap<u32, Instant>,
    outstanding_bytes: usize,
    back: Vec<bool>,
    done: u32,
    retransmits: u32,
    duplicates: u32,
    errors: Vec<String>,
    timer: Option<TimerId>,
    finished: Option<Duration>,
    started: Instant,
}

impl Client {
    fn new(peer: SocketAddr, count: u32) -> Self {
        Client {
            peer,
            count,
            next: 0,
            outstanding: HashMap::new(),
            outstanding_bytes: 0,
            back: vec![false; count as usize],
            done: 0,
            retransmits: 0,
            duplicates: 0,
            errors: Vec::new(),
            timer: None,
            finished: None,
            started: Instant::now(),
        }
    }

    fn send(&mut self, lp: &mut EventLoop, id: SocketId, seq: u32) {
        if let Err(e) = id.send_to(lp, &datagram(seq), self.peer) {
            self.errors.push(format!("send_to {seq}: {e}"));
        }
    }

    fn pump(&mut self, lp: &mut EventLoop, id: SocketId) {
        while self.next < self.count
            && self.outstanding.len() < WINDOW
            && (self.outstanding.is_empty() || self.outstanding_bytes + size_of(self.next) <= WINDOW_BYTES)
        {
            let seq = self.next;
            self.next += 1;
            self.outstanding.insert(seq, Instant::now());
            self.outstanding_bytes += size_of(seq);
            self.send(lp, id, seq);
        }
    }

    fn retransmit(&mut self, lp: &mut EventLoop, id: SocketId) {
        let now = Instant::now();
        let due: Vec<u32> = self
            .outstanding
            .iter()
            .filter(|(_, at)| now - **at >= RETRANSMIT_AFTER)
            .map(|(s, _)| *s)
            .collect();
        for seq in due {
            self.outstanding.insert(seq, now);
            self.retransmits += 1;
            self.send(lp, id, seq);
        }
    }
}

struct ClientHandler(Rc<RefCell<Client>>);

impl SocketHandler for ClientHandler {
    fn on_listening(&mut self, s: &mut Socket<'_>) {
        let id = s.id();
        let shared = self.0.clone();
        let timer =
            s.lp().set_interval(Duration::from_millis(50), move |lp| shared.borrow_mut().retransmit(lp, id));
        let mut c = self.0.borrow_mut();
        c.timer = Some(timer);
        c.started = Instant::now();
        c.pump(s.lp(), id);
    }
    fn on_message(&mut self, s: &mut Socket<'_>, data: &[u8], rinfo: &RemoteInfo) {
        let mut c = self.0.borrow_mut();
        assert_eq!(rinfo.address, c.peer, "a datagram from elsewhere");
        assert_eq!(rinfo.size, data.len(), "rinfo.size");
        assert!(!rinfo.truncated, "a {}-byte datagram reported as truncated", data.len());
        let seq = check_datagram(data, c.count);
        if std::mem::replace(&mut c.back[seq as usize], true) {
            c.duplicates += 1;
            return;
        }
        c.done += 1;
        if c.outstanding.remove(&seq).is_some() {
            c.outstanding_bytes -= data.len();
        }
        if c.done == c.count {
            c.finished = Some(c.started.elapsed());
            if let Some(t) = c.timer.take() {
                s.lp().clear_timer(t);
            }
            s.close();
        } else {
            let id = s.id();
            c.pump(s.lp(), id);
        }
    }
    fn on_error(&mut self, _s: &mut Socket<'_>, e: &Error) {
        self.0.borrow_mut().errors.push(format!("on_error: {e}"));
    }
}

fn client_with_node_server(what: &'static str, host: &str, count: u32) {
    let mut node = Node::spawn("echo_server.js", &[host]);
    let peer: SocketAddr = node.listening_on().parse().unwrap();
    let mut lp = EventLoop::new().unwrap();
    watchdog(&mut lp, what);
    let client = Rc::new(RefCell::new(Client::new(peer, count)));
    let local = if peer.is_ipv4() { "127.0.0.1:0" } else { "[::1]:0" };
    let id = bind_with(&mut lp, local, big_buffers(true), ClientHandler(client.clone())).unwrap();
    assert!(id.send_buffer_size(&lp).unwrap() >= ECHO_BUFFER.min(212_992));
    lp.run().unwrap();
    let out = node.expect_success();
    let c = client.borrow();
    eprintln!(
        "{what}: {count} datagrams echoed in {:?}; our client retransmits {}, duplicates {}; node: {out:?}",
        c.finished, c.retransmits, c.duplicates
    );
    assert!(c.errors.is_empty(), "errors: {:?}", c.errors);
    assert_eq!(c.done, count);
    assert!(c.back.iter().all(|b| *b));
    let echoed: u32 = out
        .iter()
        .find_map(|l| l.strip_prefix("echoed "))
        .unwrap_or_else(|| panic!("no echoed line: {out:?}"))
        .parse()
        .unwrap();
    assert!(
        (count..=count + c.retransmits).contains(&echoed),
        "node echoed {echoed} for {count} sent and {} retransmits",
        c.retransmits
    );
}

#[test]
fn our_client_with_node_echo_server_10000_datagrams() {
    client_with_node_server("client", "127.0.0.1", COUNT);
}

#[test]
fn ipv6_our_client_with_node_echo_server() {
    client_with_node_server("IPv6 client", "::1", COUNT_V6);
}

#[test]
fn test_datagrams_are_checked_byte_for_byte() {
    for seq in [0, 1, 3, 4, 5, 13, 14, 9_999] {
        assert_eq!(identify_datagram(&datagram(seq), COUNT), Ok(seq));
    }
    assert_eq!(datagram(4).len(), MAX_V4);
    let mut d = datagram(20);
    let last = d.len() - 1;
    d[last] ^= 1;
    assert!(identify_datagram(&d, COUNT).unwrap_err().contains("differs"));
    assert!(identify_datagram(&datagram(20)[..10], COUNT).unwrap_err().contains("bytes, want"));
    assert!(identify_datagram(&datagram(20), 20).unwrap_err().contains("sequence number"));
}
