//! The resolver against hostile and broken servers: a UDP socket in a thread answering with
//! crafted bytes. Answers with a wrong ID, from a wrong port or for another question are ignored
//! (the real answer after them is taken); a compression loop or a packet cut short is
//! `EBADRESP`; silence is `ETIMEOUT`; none of them hangs the loop or panics.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, UdpSocket};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use common::*;
use netcore::EventLoop;
use netcore_dns::{Code, Error, Message, RData, Rcode, Record, Resolver};

const LIMIT: Duration = Duration::from_secs(10);
const TIMEOUT: Duration = Duration::from_millis(200);
const STOP: &[u8] = b"netcore-hostile-stop";

/// A UDP server in a thread: `respond` gets each query and the socket to answer on.
struct Hostile {
    addr: SocketAddr,
    thread: Option<JoinHandle<()>>,
}

impl Hostile {
    fn start(respond: impl FnMut(&UdpSocket, &[u8], SocketAddr) + Send + 'static) -> Hostile {
        Hostile::start_on(UdpSocket::bind("127.0.0.1:0").unwrap(), respond)
    }

    fn start_on(
        socket: UdpSocket,
        mut respond: impl FnMut(&UdpSocket, &[u8], SocketAddr) + Send + 'static,
    ) -> Hostile {
        let addr = socket.local_addr().unwrap();
        let thread = std::thread::spawn(move || {
            let mut buf = [0u8; 65536];
            loop {
                let (n, from) = socket.recv_from(&mut buf).unwrap();
                if &buf[..n] == STOP {
                    break;
                }
                respond(&socket, &buf[..n], from);
            }
        });
        Hostile { addr, thread: Some(thread) }
    }
}

impl Drop for Hostile {
    fn drop(&mut self) {
        let _ = UdpSocket::bind("127.0.0.1:0").and_then(|s| s.send_to(STOP, self.addr));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The answer a correct server gives: `name A 192.0.2.1` with TTL 60.
fn answer(query: &[u8], ip: [u8; 4]) -> Message {
    let query = Message::decode(query).unwrap();
    let mut response = Message::response_to(&query);
    let name = query.questions[0].name.clone();
    response.answers.push(Record::new(name, 60, RData::A(Ipv4Addr::from(ip))));
    response
}

fn bytes(m: &Message) -> Vec<u8> {
    m.encode_to_vec().unwrap()
}

/// One query for `www.hostile.test` A to `server`, `tries` rounds; the result and how long it took.
fn ask(server: SocketAddr, tries: u8) -> (Result<Vec<(Ipv4Addr, u32)>, Error>, Duration) {
    let mut lp = EventLoop::new().unwrap();
    let r = Resolver::new(&mut lp, options(&[server], TIMEOUT, tries));
    let got = slot();
    let start = Instant::now();
    r.resolve4(&mut lp, "www.hostile.test", fill(&got));
    run(&mut lp, LIMIT);
    (take(&got), start.elapsed())
}

const RIGHT: [u8; 4] = [192, 0, 2, 1];
const WRONG: [u8; 4] = [6, 6, 6, 6];

fn right() -> Vec<(Ipv4Addr, u32)> {
    vec![(Ipv4Addr::from(RIGHT), 60)]
}

#[test]
fn an_answer_with_a_wrong_id_is_ignored() {
    let server = Hostile::start(|s, q, from| {
        let mut forged = answer(q, WRONG);
        forged.header.id ^= 0x5a5a;
        s.send_to(&bytes(&forged), from).unwrap();
        s.send_to(&bytes(&answer(q, RIGHT)), from).unwrap();
    });
    assert_eq!(ask(server.addr, 1).0.unwrap(), right());
}

#[test]
fn an_answer_from_a_wrong_port_is_ignored() {
    let server = Hostile::start(|s, q, from| {
        let elsewhere = UdpSocket::bind("127.0.0.1:0").unwrap();
        elsewhere.send_to(&bytes(&answer(q, WRONG)), from).unwrap();
        s.send_to(&bytes(&answer(q, RIGHT)), from).unwrap();
    });
    assert_eq!(ask(server.addr, 1).0.unwrap(), right());
}

#[test]
fn an_answer_to_another_question_is_ignored() {
    let server = Hostile::start(|s, q, from| {
        let mut other = answer(q, WRONG);
        other.questions[0].name = "www.elsewhere.test".parse().unwrap();
        other.answers[0].name = other.questions[0].name.clone();
        s.send_to(&bytes(&other), from).unwrap();
        // The query sent back, QR clear: not an answer.
        s.send_to(q, from).unwrap();
        s.send_to(&bytes(&answer(q, RIGHT)), from).unwrap();
    });
    assert_eq!(ask(server.addr, 1).0.unwrap(), right());
}

/// More datagrams than one readiness event serves (128), small enough that the kernel's receive
/// buffer keeps them all.
#[test]
fn garbage_with_other_ids_is_ignored() {
    let server = Hostile::start(|s, q, from| {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for i in 0..150u16 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = (seed % 100) as usize;
            let mut junk: Vec<u8> = (0..len).map(|j| (seed >> (j % 56)) as u8).collect();
            // Never the query's ID.
            let id = (u16::from_be_bytes([q[0], q[1]]) ^ (i + 1)).to_be_bytes();
            if junk.len() >= 2 {
                junk[..2].copy_from_slice(&id);
            }
            s.send_to(&junk, from).unwrap();
        }
        s.send_to(&bytes(&answer(q, RIGHT)), from).unwrap();
    });
    assert_eq!(ask(server.addr, 1).0.unwrap(), right());
}

#[test]
fn the_answer_twice_calls_back_once() {
    let server = Hostile::start(|s, q, from| {
        let b = bytes(&answer(q, RIGHT));
        for _ in 0..3 {
            s.send_to(&b, from).unwrap();
        }
    });
    // `fill` panics if the callback runs twice.
    assert_eq!(ask(server.addr, 1).0.unwrap(), right());
}

/// An answer whose owner name is a pointer to itself: not backwards, so never followed.
#[test]
fn a_compression_loop_is_ebadresp() {
    let server = Hostile::start(|s, q, from| {
        let query = Message::decode(q).unwrap();
        let mut m = bytes(&Message::response_to(&query));
        // Header, question, then one answer in place of the OPT record (ARCOUNT 0).
        let question_end = 12 + query.questions[0].name.wire_len() + 4;
        m.truncate(question_end);
        m[6..12].copy_from_slice(&[0, 1, 0, 0, 0, 0]);
        let here = m.len() as u16;
        m.extend_from_slice(&(0xc000 | here).to_be_bytes());
        m.extend_from_slice(&[0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1]);
        s.send_to(&m, from).unwrap();
    });
    let (result, took) = ask(server.addr, 1);
    assert_eq!(result.unwrap_err(), Error::new(Code::BadResponse, "queryA", "www.hostile.test"));
    assert!(took < TIMEOUT, "a bad answer fails at once, took {took:?}");
}

#[test]
fn a_packet_cut_short_is_ebadresp() {
    let server = Hostile::start(|s, q, from| {
        let b = bytes(&answer(q, RIGHT));
        s.send_to(&b[..b.len() - 15], from).unwrap();
    });
    assert_eq!(ask(server.addr, 1).0.unwrap_err().kind, Code::BadResponse);
    let header_only = Hostile::start(|s, q, from| {
        let b = bytes(&answer(q, RIGHT));
        s.send_to(&b[..7], from).unwrap();
    });
    assert_eq!(ask(header_only.addr, 1).0.unwrap_err().kind, Code::BadResponse);
}

#[test]
fn silence_is_etimeout_after_every_try() {
    let asked = Arc::new(AtomicUsize::new(0));
    let counter = asked.clone();
    let server = Hostile::start(move |_, _, _| {
        counter.fetch_add(1, Ordering::SeqCst);
    });
    let (result, took) = ask(server.addr, 2);
    assert_eq!(result.unwrap_err(), Error::new(Code::Timeout, "queryA", "www.hostile.test"));
    assert!(took >= 2 * TIMEOUT && took < LIMIT / 2, "took {took:?}");
    drop(server);
    assert_eq!(asked.load(Ordering::SeqCst), 2, "one query per try");
}

#[test]
fn servfail_and_refused_move_on_to_the_next_server() {
    let failing = |rcode: Rcode| {
        Hostile::start(move |s, q, from| {
            let mut m = Message::response_to(&Message::decode(q).unwrap());
            m.header.rcode = rcode;
            s.send_to(&bytes(&m), from).unwrap();
        })
    };
    let (servfail, refused) = (failing(Rcode::SERV_FAIL), failing(Rcode::REFUSED));
    let good = Hostile::start(|s, q, from| {
        s.send_to(&bytes(&answer(q, RIGHT)), from).unwrap();
    });
    let mut lp = EventLoop::new().unwrap();
    let both = Resolver::new(&mut lp, options(&[servfail.addr, refused.addr, good.addr], TIMEOUT, 1));
    let alone = Resolver::new(&mut lp, options(&[servfail.addr], TIMEOUT, 2));
    let only_refused = Resolver::new(&mut lp, options(&[refused.addr], TIMEOUT, 1));
    let (a, b, c) = (slot(), slot(), slot());
    both.resolve4(&mut lp, "www.hostile.test", fill(&a));
    alone.resolve4(&mut lp, "www.hostile.test", fill(&b));
    only_refused.resolve4(&mut lp, "www.hostile.test", fill(&c));
    let start = Instant::now();
    run(&mut lp, LIMIT);
    assert_eq!(take(&a).unwrap(), right());
    assert_eq!(take(&b).unwrap_err().kind, Code::ServFail);
    assert_eq!(take(&c).unwrap_err().kind, Code::Refused);
    assert!(start.elapsed() < TIMEOUT, "failures are answers, not timeouts: {:?}", start.elapsed());
}

/// A TCP listener on the hostile server's port (the resolver retries there after TC):
/// `serve` gets each connection's query and writes what it likes. Returns the connections count.
fn tcp_side(
    port: u16,
    mut serve: impl FnMut(&mut std::net::TcpStream, &[u8]) + Send + 'static,
) -> Arc<AtomicUsize> {
    let listener = TcpListener::bind(("127.0.0.1", port)).unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            count.fetch_add(1, Ordering::SeqCst);
            let mut len = [0u8; 2];
            if stream.read_exact(&mut len).is_err() {
                continue;
            }
            let mut q = vec![0; usize::from(u16::from_be_bytes(len))];
            if stream.read_exact(&mut q).is_err() {
                continue;
            }
            serve(&mut stream, &q);
        }
    });
    accepted
}

fn framed(m: &[u8]) -> Vec<u8> {
    let mut out = (m.len() as u16).to_be_bytes().to_vec();
    out.extend_from_slice(m);
    out
}

/// TC with the answer cut mid-record (RFC 2181 §9 allows it): the records do not decode, the
/// header and question do, and the resolver asks again over TCP, once however often the
/// truncated answer repeats.
#[test]
fn a_truncated_answer_cut_mid_record_is_retried_over_tcp_once() {
    let server = Hostile::start(|s, q, from| {
        let mut m = answer(q, RIGHT);
        m.header.tc = true;
        let b = bytes(&m);
        for _ in 0..3 {
            s.send_to(&b[..b.len() - 3], from).unwrap();
        }
    });
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let connections = tcp_side(server.addr.port(), move |stream, q| {
        log.lock().unwrap().push(q.to_vec());
        let _ = stream.write_all(&framed(&bytes(&answer(q, RIGHT))));
    });
    assert_eq!(ask(server.addr, 1).0.unwrap(), right());
    assert_eq!(connections.load(Ordering::SeqCst), 1);
    assert_eq!(seen.lock().unwrap().len(), 1);
}

#[test]
fn tc_with_no_tcp_listener_is_econnrefused() {
    let server = Hostile::start(|s, q, from| {
        let mut m = Message::response_to(&Message::decode(q).unwrap());
        m.header.tc = true;
        s.send_to(&bytes(&m), from).unwrap();
    });
    assert_eq!(ask(server.addr, 1).0.unwrap_err().kind, Code::ConnRefused);
}

#[test]
fn a_tcp_answer_cut_short_or_overlong_is_ebadresp() {
    for how in ["cut", "overlong", "empty"] {
        let server = Hostile::start(|s, q, from| {
            let mut m = Message::response_to(&Message::decode(q).unwrap());
            m.header.tc = true;
            s.send_to(&bytes(&m), from).unwrap();
        });
        tcp_side(server.addr.port(), move |stream, q| {
            let full = framed(&bytes(&answer(q, RIGHT)));
            let _ = match how {
                "cut" => stream.write_all(&full[..full.len() / 2]),
                "overlong" => stream.write_all(&[&full[..], b"junk"].concat()),
                _ => stream.write_all(&[0, 0]),
            };
        });
        let (result, took) = ask(server.addr, 1);
        assert_eq!(result.unwrap_err().kind, Code::BadResponse, "{how}");
        assert!(took < TIMEOUT, "{how}: took {took:?}");
    }
}

/// Query IDs are random (RFC 5452 §9.2), not a counter.
#[test]
fn query_ids_are_random() {
    let ids = Arc::new(Mutex::new(Vec::new()));
    let log = ids.clone();
    let server = Hostile::start(move |s, q, from| {
        log.lock().unwrap().push(u16::from_be_bytes([q[0], q[1]]));
        s.send_to(&bytes(&answer(q, RIGHT)), from).unwrap();
    });
    let mut lp = EventLoop::new().unwrap();
    let r = Resolver::new(&mut lp, options(&[server.addr], Duration::from_secs(2), 1));
    let got: Vec<_> = (0..100).map(|_| slot()).collect();
    for s in &got {
        r.resolve4(&mut lp, "www.hostile.test", fill(s));
    }
    run(&mut lp, LIMIT);
    assert!(got.iter().all(|s| take(s).is_ok()));
    drop(server);
    let ids = ids.lock().unwrap().clone();
    assert_eq!(ids.len(), 100);
    let distinct: std::collections::HashSet<u16> = ids.iter().copied().collect();
    assert_eq!(distinct.len(), 100, "IDs in flight to one server are unique");
    let steps = ids.windows(2).filter(|w| w[1].wrapping_sub(w[0]) == 1).count();
    assert!(steps < 5, "{steps} consecutive IDs: a counter?");
}

/// Every query in flight may have its answer waiting in the socket at once: the resolver's
/// receive buffer holds a burst of 600 answers (about 500 KB as the kernel counts them; the
/// usual 208 KiB default drops half). The server collects every query first, answers them all,
/// and only then does the loop read.
#[test]
fn a_burst_of_answers_to_many_queries_in_flight_is_not_dropped() {
    const N: usize = 600;
    let rmem_max: usize = std::fs::read_to_string("/proc/sys/net/core/rmem_max")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0);
    if rmem_max < 1 << 20 {
        eprintln!("skipped: net.core.rmem_max is {rmem_max}, which caps every receive buffer below 1 MiB");
        return;
    }
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::DGRAM, None).unwrap();
    socket.set_recv_buffer_size(4 << 20).unwrap();
    socket.bind(&SocketAddr::from(([127, 0, 0, 1], 0)).into()).unwrap();
    let (answered_tx, answered_rx) = std::sync::mpsc::channel();
    let mut queries = Vec::new();
    let server = Hostile::start_on(socket.into(), move |s, q, from| {
        queries.push(q.to_vec());
        if queries.len() == N {
            for q in queries.drain(..) {
                s.send_to(&bytes(&answer(&q, RIGHT)), from).unwrap();
            }
            answered_tx.send(()).unwrap();
        }
    });
    let mut lp = EventLoop::new().unwrap();
    let r = Resolver::new(&mut lp, options(&[server.addr], Duration::from_secs(2), 1));
    let got: Vec<_> = (0..N).map(|_| slot()).collect();
    for s in &got {
        r.resolve4(&mut lp, "www.hostile.test", fill(s));
    }
    // Every query left at once (the loop has not run); every answer is now in our socket.
    answered_rx.recv_timeout(LIMIT).expect("the server got every query and answered");
    run(&mut lp, LIMIT);
    let failed = got.iter().filter(|s| take(s).is_err()).count();
    assert_eq!(failed, 0, "{failed} of {N} answers dropped");
}

#[test]
fn a_ttl_with_its_top_bit_set_is_not_cached() {
    // RFC 2181 §8: such a TTL counts as 0, so the cache must not keep the answer (for decades).
    let asked = Arc::new(AtomicUsize::new(0));
    let count = asked.clone();
    let server = Hostile::start(move |s, q, from| {
        count.fetch_add(1, Ordering::SeqCst);
        let mut a = answer(q, RIGHT);
        a.answers[0].ttl = u32::MAX;
        s.send_to(&bytes(&a), from).unwrap();
    });
    let mut lp = EventLoop::new().unwrap();
    let mut o = options(&[server.addr], TIMEOUT, 1);
    o.cache = true;
    let r = Resolver::new(&mut lp, o);
    let (first, second) = (slot(), slot());
    r.resolve4(&mut lp, "www.hostile.test", fill(&first));
    run(&mut lp, LIMIT);
    r.resolve4(&mut lp, "www.hostile.test", fill(&second));
    run(&mut lp, LIMIT);
    assert!(take(&first).is_ok() && take(&second).is_ok());
    assert_eq!(asked.load(Ordering::SeqCst), 2);
}
