//! The server against raw sockets: keep-alive, pipelining, chunked bodies and trailers,
//! `100-continue`, malformed requests, timeouts, deferred answers, upgrades. Each test runs a
//! server on its own loop thread and talks to it with `std::net::TcpStream`.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use bytes::Bytes;
use common::{read_response, read_until_close, serve, Served};
use netcore::EventLoop;
use netcore_http1::proto::Headers;
use netcore_http1::server::{listen, listen_with, Handler, Request, Response, ServerOptions, Upgrade};
use netcore_tcp::{on_data, Socket};

fn hello(lp: &mut EventLoop) -> netcore_http1::server::ServerId {
    listen(lp, "127.0.0.1:0", |req: &Request<'_>, res: &mut Response<'_>| {
        res.set_header("Content-Type", "text/plain").unwrap();
        let body = format!("hello {}", req.url());
        res.end(body.as_bytes());
    })
    .unwrap()
}

#[test]
fn keep_alive_serves_several_requests_on_one_connection() {
    let s = serve(hello);
    let mut c = s.connect();
    for i in 0..5 {
        write!(c, "GET /{i} HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
        let r = read_response(&mut c);
        assert_eq!(r.status, 200);
        assert_eq!(r.body, format!("hello /{i}").as_bytes());
        assert_eq!(r.header("content-length").as_deref(), Some("8"));
        assert!(r.header("date").is_some());
        assert_eq!(r.header("connection").as_deref(), Some("keep-alive"), "{:?}", r.head);
        assert_eq!(r.header("keep-alive").as_deref(), Some("timeout=5"), "{:?}", r.head);
    }
}

#[test]
fn a_hundred_pipelined_requests_are_answered_in_order() {
    let s = serve(hello);
    let mut c = s.connect();
    let burst: String = (0..100).map(|i| format!("GET /{i} HTTP/1.1\r\nHost: a\r\n\r\n")).collect();
    c.write_all(burst.as_bytes()).unwrap();
    for i in 0..100 {
        let r = read_response(&mut c);
        assert_eq!(r.body, format!("hello /{i}").as_bytes());
    }
}

/// Echoes the body and trailers it received, as `len:body|trailer=value`.
#[derive(Clone, Default)]
struct BodyEcho {
    body: Vec<u8>,
    trailers: String,
}

impl Handler for BodyEcho {
    fn on_request(&mut self, _req: &Request<'_>, _res: &mut Response<'_>) {
        self.body.clear();
        self.trailers.clear();
    }
    fn on_data(&mut self, _req: &Request<'_>, data: Bytes, _res: &mut Response<'_>) {
        self.body.extend_from_slice(&data);
    }
    fn on_trailers(&mut self, _req: &Request<'_>, t: &Headers, _res: &mut Response<'_>) {
        for (n, v) in t.iter() {
            self.trailers.push_str(&format!("{n}={}", String::from_utf8_lossy(v)));
        }
    }
    fn on_end(&mut self, _req: &Request<'_>, res: &mut Response<'_>) {
        // Answer chunked, with a trailer, to exercise that side too.
        res.add_trailers(&[("X-Len", self.body.len().to_string().as_bytes())]).unwrap();
        res.write(format!("{}:", self.body.len()).as_bytes());
        res.write(&self.body);
        res.end(format!("|{}", self.trailers).as_bytes());
    }
}

#[test]
fn chunked_bodies_and_trailers_both_ways() {
    let s = serve(|lp| listen(lp, "127.0.0.1:0", BodyEcho::default()).unwrap());
    let mut c = s.connect();
    c.write_all(b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-T: 1\r\n\r\n")
        .unwrap();
    let r = read_response(&mut c);
    assert_eq!(r.header("transfer-encoding").as_deref(), Some("chunked"));
    assert_eq!(String::from_utf8_lossy(&r.body), "11:hello world|X-T=1");
    assert_eq!(r.trailers, [("X-Len".to_string(), "11".to_string())]);
}

#[test]
fn expect_100_continue_is_answered_before_the_body() {
    let s = serve(|lp| listen(lp, "127.0.0.1:0", BodyEcho::default()).unwrap());
    let mut c = s.connect();
    c.write_all(b"PUT / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n").unwrap();
    let interim = read_response(&mut c);
    assert_eq!(interim.status, 100);
    c.write_all(b"abc").unwrap();
    let r = read_response(&mut c);
    assert_eq!(r.status, 200);
    assert_eq!(String::from_utf8_lossy(&r.body), "3:abc|");
    // Any other expectation: 417.
    c.write_all(b"PUT / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nExpect: teapot\r\n\r\n").unwrap();
    assert_eq!(read_response(&mut c).status, 417);
}

#[test]
fn malformed_requests_get_their_status_and_a_closed_connection() {
    let s = serve(hello);
    let long_url = format!("GET /{} HTTP/1.1\r\nHost: a\r\n\r\n", "a".repeat(9000));
    let big_header = format!("GET / HTTP/1.1\r\nHost: a\r\nX: {}\r\n\r\n", "a".repeat(17000));
    let cases: [(&[u8], u16); 8] = [
        (b"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\n\r\n", 400),
        (b"GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505),
        // RFC 9112 §6.1: a request whose final coding is not chunked is 400; an unknown coding 501.
        (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", 400),
        (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: foo, chunked\r\n\r\n", 501),
        (b"GET / HTTP/1.1\r\nHost: a\r\nBad Name: x\r\n\r\n", 400),
        (long_url.as_bytes(), 414),
        (big_header.as_bytes(), 431),
    ];
    for (raw, status) in cases {
        let mut c = s.connect();
        c.write_all(raw).unwrap();
        let all = read_until_close(&mut c);
        let text = String::from_utf8_lossy(&all);
        assert!(text.starts_with(&format!("HTTP/1.1 {status} ")), "{status}: {text:?}");
        assert!(text.contains("Connection: close\r\n"), "{text:?}");
    }
}

#[test]
fn a_closing_request_ends_the_connection_and_nothing_after_it_is_parsed() {
    let s = serve(hello);
    let mut c = s.connect();
    c.write_all(
        b"GET /1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n",
    )
    .unwrap();
    let all = String::from_utf8(read_until_close(&mut c)).unwrap();
    assert!(all.contains("hello /1"));
    assert!(!all.contains("smuggled"), "{all}");
    assert!(all.contains("Connection: close\r\n"));
}

#[test]
fn http_1_0_without_keep_alive_closes_and_a_streamed_body_ends_at_close() {
    let s = serve(|lp| {
        listen(lp, "127.0.0.1:0", |_: &Request<'_>, res: &mut Response<'_>| {
            res.write(b"part one, ");
            res.end(b"part two");
        })
        .unwrap()
    });
    let mut c = s.connect();
    c.write_all(b"GET / HTTP/1.0\r\n\r\n").unwrap();
    let all = String::from_utf8(read_until_close(&mut c)).unwrap();
    assert!(!all.contains("Transfer-Encoding"), "{all}");
    assert!(all.ends_with("\r\n\r\npart one, part two"), "{all}");
    // HTTP/1.1: the same body is chunked.
    let mut c = s.connect();
    c.write_all(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
    let r = read_response(&mut c);
    assert_eq!(r.header("transfer-encoding").as_deref(), Some("chunked"));
    assert_eq!(r.body, b"part one, part two");
}

#[test]
fn head_responses_carry_no_body() {
    let s = serve(hello);
    let mut c = s.connect();
    c.write_all(b"HEAD / HTTP/1.1\r\nHost: a\r\n\r\nGET /next HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        c.read_exact(&mut byte).unwrap();
        head.push(byte[0]);
    }
    assert!(head.starts_with(b"HTTP/1.1 200 OK\r\n"));
    // The next bytes are the second response, not a body.
    let r = read_response(&mut c);
    assert_eq!(r.body, b"hello /next");
}

/// Answers `/slow` after 50 ms and everything else at once: responses must still go out in
/// request order.
#[test]
fn a_late_answer_keeps_its_place_in_the_pipeline() {
    let s = serve(|lp| {
        listen(lp, "127.0.0.1:0", |req: &Request<'_>, res: &mut Response<'_>| {
            if req.url() == "/slow" {
                let id = res.id();
                res.lp().set_timeout(Duration::from_millis(50), move |lp| id.end(lp, b"slow"));
            } else {
                res.end(b"fast");
            }
        })
        .unwrap()
    });
    let mut c = s.connect();
    c.write_all(b"GET /slow HTTP/1.1\r\nHost: a\r\n\r\nGET /fast HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
    assert_eq!(read_response(&mut c).body, b"slow");
    assert_eq!(read_response(&mut c).body, b"fast");
}

fn short_timeouts() -> ServerOptions {
    let mut o = ServerOptions::default();
    o.keep_alive_timeout = Duration::from_millis(200);
    o.headers_timeout = Duration::from_millis(300);
    o.request_timeout = Duration::from_millis(600);
    o
}

#[test]
fn an_idle_keep_alive_connection_is_closed_after_keep_alive_timeout() {
    let s = serve(|lp| listen_with(lp, "127.0.0.1:0", short_timeouts(), BodyEcho::default()).unwrap());
    let mut c = s.connect();
    c.write_all(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
    read_response(&mut c);
    let start = Instant::now();
    assert!(read_until_close(&mut c).is_empty());
    let waited = start.elapsed();
    assert!(waited >= Duration::from_millis(150) && waited < Duration::from_secs(3), "{waited:?}");
}

#[test]
fn a_trickled_head_gets_408_after_headers_timeout() {
    let s = serve(|lp| listen_with(lp, "127.0.0.1:0", short_timeouts(), BodyEcho::default()).unwrap());
    let mut c = s.connect();
    let start = Instant::now();
    c.write_all(b"GET / HTTP/1.1\r\nHo").unwrap();
    let all = String::from_utf8(read_until_close(&mut c)).unwrap();
    assert!(all.starts_with("HTTP/1.1 408 "), "{all}");
    assert!(start.elapsed() < Duration::from_secs(3));
    // A body that stalls: 408 after request_timeout.
    let mut c = s.connect();
    c.write_all(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc").unwrap();
    let all = String::from_utf8(read_until_close(&mut c)).unwrap();
    assert!(all.starts_with("HTTP/1.1 408 "), "{all}");
}

#[test]
fn max_requests_per_socket_closes_after_the_last_one() {
    let s = serve(|lp| {
        let mut o = ServerOptions::default();
        o.max_requests_per_socket = Some(2);
        listen_with(lp, "127.0.0.1:0", o, BodyEcho::default()).unwrap()
    });
    let mut c = s.connect();
    c.write_all(b"GET / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n")
        .unwrap();
    let all = String::from_utf8(read_until_close(&mut c)).unwrap();
    assert_eq!(all.matches("HTTP/1.1 200 OK").count(), 2, "{all}");
    assert!(all.contains("Connection: close"));
}

/// Takes `Upgrade: echo` requests: answers 101 and echoes raw bytes from then on.
#[derive(Clone)]
struct EchoUpgrade;

impl Handler for EchoUpgrade {
    fn on_request(&mut self, _req: &Request<'_>, res: &mut Response<'_>) {
        res.end(b"plain");
    }
    fn on_upgrade(&mut self, up: &mut Upgrade<'_>) -> bool {
        if up.head().headers().get("upgrade") != Some(b"echo") {
            return false;
        }
        let socket = up.socket();
        let rest = up.take_rest();
        let lp = up.lp();
        socket.write(lp, b"HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\nUpgrade: echo\r\n\r\n");
        socket.write(lp, &rest);
        up.accept(on_data(|s: &mut Socket<'_>, d: &[u8]| {
            s.write(d);
        }))
    }
}

#[test]
fn an_upgrade_hands_the_socket_and_the_bytes_after_the_head_to_the_handler() {
    let s = serve(|lp| listen(lp, "127.0.0.1:0", EchoUpgrade).unwrap());
    let mut c = s.connect();
    c.write_all(b"GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\nearly").unwrap();
    let r = read_response(&mut c);
    assert_eq!(r.status, 101);
    let mut buf = [0u8; 5];
    c.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"early");
    c.write_all(b"later").unwrap();
    c.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"later");
    // The accepted socket is no longer an HTTP connection of the server.
    assert_eq!(s.connection_count(), 0);
    // A declined upgrade is an ordinary request.
    let mut c = s.connect();
    c.write_all(b"GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: other\r\n\r\n").unwrap();
    assert_eq!(read_response(&mut c).body, b"plain");
    // CONNECT without a taker: 405.
    let mut c = s.connect();
    c.write_all(b"CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n").unwrap();
    let all = String::from_utf8(read_until_close(&mut c)).unwrap();
    assert!(all.starts_with("HTTP/1.1 405 "), "{all}");
}

#[test]
fn response_splitting_is_refused() {
    let s = serve(|lp| {
        listen(lp, "127.0.0.1:0", |_: &Request<'_>, res: &mut Response<'_>| {
            let refused = res.set_header("Location", "/a\r\nSet-Cookie: evil=1").is_err();
            res.end(if refused { b"refused" } else { b"accepted" });
        })
        .unwrap()
    });
    let mut c = s.connect();
    c.write_all(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
    assert_eq!(read_response(&mut c).body, b"refused");
}

#[test]
fn server_close_finishes_in_flight_requests_and_closes_idle_connections() {
    let s: Served = serve(|lp| {
        let server = std::rc::Rc::new(std::cell::Cell::new(None));
        let inner = server.clone();
        let id = listen(lp, "127.0.0.1:0", move |req: &Request<'_>, res: &mut Response<'_>| {
            if req.url() == "/close" {
                if let Some(s) = inner.get() {
                    netcore_http1::server::ServerId::close(s, res.lp());
                }
            }
            res.end(b"ok");
        })
        .unwrap();
        server.set(Some(id));
        id
    });
    let mut idle = s.connect();
    idle.write_all(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
    read_response(&mut idle);
    let mut c = s.connect();
    c.write_all(b"GET /close HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
    let all = String::from_utf8(read_until_close(&mut c)).unwrap();
    assert!(all.contains("Connection: close") && all.ends_with("ok"), "{all}");
    assert!(read_until_close(&mut idle).is_empty());
    drop((c, idle));
    s.wait_exit();
}

#[test]
fn server_close_right_after_end_still_sends_that_response() {
    // Node: a connection whose response is not yet written out is not idle, so `close()` (its
    // `closeIdleConnections`) leaves it until the response has gone.
    let s: Served = serve(|lp| {
        let server = std::rc::Rc::new(std::cell::Cell::new(None));
        let inner = server.clone();
        let id = listen(lp, "127.0.0.1:0", move |_: &Request<'_>, res: &mut Response<'_>| {
            res.end(b"last words");
            if let Some(s) = inner.get() {
                netcore_http1::server::ServerId::close(s, res.lp());
            }
        })
        .unwrap();
        server.set(Some(id));
        id
    });
    let mut c = s.connect();
    c.write_all(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
    let all = String::from_utf8(read_until_close(&mut c)).unwrap();
    assert!(all.starts_with("HTTP/1.1 200 OK\r\n") && all.ends_with("last words"), "{all:?}");
    drop(c);
    s.wait_exit();
}

#[test]
fn five_thousand_slowloris_connections_neither_starve_others_nor_grow_memory() {
    const SLOW: usize = 5000;
    common::ensure_nofile(4 * SLOW as libc::rlim_t);
    let s = serve(|lp| {
        let mut o = short_timeouts();
        o.headers_timeout = Duration::from_secs(3);
        listen_with(lp, "127.0.0.1:0", o, BodyEcho::default()).unwrap()
    });
    let before = common::rss_bytes();
    let mut slow: Vec<common::Client> = Vec::with_capacity(SLOW);
    for i in 0..SLOW {
        let mut c = s.connect();
        c.write_all(b"GET / HTTP/1.1\r\nX-Slow: ").unwrap();
        slow.push(c);
        if i % 1000 == 999 {
            // Meanwhile an ordinary client is served at once.
            let mut c = s.connect();
            let start = Instant::now();
            c.write_all(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
            assert_eq!(read_response(&mut c).status, 200);
            assert!(start.elapsed() < Duration::from_millis(500), "{:?}", start.elapsed());
        }
    }
    // Another trickled byte each: still no growth beyond the bytes held.
    for c in &mut slow {
        c.write_all(b"a").unwrap();
    }
    let grown = common::rss_bytes().saturating_sub(before);
    // Both ends of every connection live in this process; the server's share of the growth is
    // its connection state and the few bytes each sent.
    eprintln!("resident memory grew {} bytes per slow connection (both ends)", grown / SLOW);
    assert!(grown / SLOW < 16 * 1024, "{} bytes per slow connection", grown / SLOW);
    // They all get 408 once the header timeout passes, and are closed.
    for c in slow.iter_mut().step_by(250) {
        let all = String::from_utf8(read_until_close(c)).unwrap();
        assert!(all.starts_with("HTTP/1.1 408 "), "{all}");
    }
}

mod cases;

/// Every request the codec rejects, sent to a live server: the status the codec names, with
/// `Connection: close`, and the connection closed.
#[test]
fn every_rejected_case_gets_its_status_from_a_live_server() {
    let s = serve(|lp| listen(lp, "127.0.0.1:0", BodyEcho::default()).unwrap());
    let mut checked = 0;
    for case in cases::CASES {
        let cases::Reject(kinds) = case.expect else { continue };
        let mut c = s.connect();
        c.write_all(case.raw.as_bytes()).unwrap();
        // Some cases end mid-body: say so, as a client that stopped sending would.
        c.stream.shutdown(std::net::Shutdown::Write).unwrap();
        let all = String::from_utf8_lossy(&read_until_close(&mut c)).into_owned();
        let ok = kinds.iter().any(|k| all.starts_with(&format!("HTTP/1.1 {} ", k.status())));
        assert!(ok, "{} (RFC {}): {all:?}", case.name, case.rfc);
        assert!(all.contains("Connection: close\r\n"), "{}: {all:?}", case.name);
        checked += 1;
    }
    assert!(checked >= 40, "{checked} rejected cases");
}

#[test]
fn a_gibibyte_streams_with_bounded_memory() {
    const TOTAL: u64 = 1 << 30;
    let s = serve(|lp| listen(lp, "127.0.0.1:0", Streams::new(TOTAL)).unwrap());
    let mut c = s.connect();
    c.write_all(b"GET /big HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
    // Read the head, then count the body without keeping it.
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        c.read_exact(&mut byte).unwrap();
        head.push(byte[0]);
    }
    assert!(String::from_utf8_lossy(&head).contains(&format!("Content-Length: {TOTAL}\r\n")));
    let mut got = 0u64;
    let mut buf = vec![0u8; 256 * 1024];
    while got < TOTAL {
        let n = c.read(&mut buf).unwrap();
        assert!(n > 0, "closed after {got} bytes");
        assert!(buf[..n].iter().all(|b| *b == b'x'));
        got += n as u64;
    }
    assert_eq!(got, TOTAL);
}

/// Reads bodies at its own pace: pauses the request after each piece and resumes from a timer.
#[derive(Clone, Default)]
struct SlowReader {
    got: usize,
    pauses: usize,
}

impl Handler for SlowReader {
    fn on_request(&mut self, _req: &Request<'_>, _res: &mut Response<'_>) {
        self.got = 0;
    }
    fn on_data(&mut self, req: &Request<'_>, data: Bytes, res: &mut Response<'_>) {
        self.got += data.len();
        if self.pauses < 5 {
            self.pauses += 1;
            let id = req.id();
            id.pause(res.lp());
            res.lp().set_timeout(Duration::from_millis(5), move |lp| id.resume(lp));
        }
    }
    fn on_end(&mut self, _req: &Request<'_>, res: &mut Response<'_>) {
        res.end(format!("{} {}", self.got, self.pauses).as_bytes());
    }
}

#[test]
fn a_paused_request_body_resumes_where_it_stopped() {
    let s = serve(|lp| listen(lp, "127.0.0.1:0", SlowReader::default()).unwrap());
    let mut c = s.connect();
    let body = vec![b'b'; 4 << 20];
    write!(c, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: {}\r\n\r\n", body.len()).unwrap();
    let mut writer = c.stream.try_clone().unwrap();
    let t = std::thread::spawn(move || writer.write_all(&body).unwrap());
    let r = read_response(&mut c);
    t.join().unwrap();
    assert_eq!(String::from_utf8(r.body).unwrap(), format!("{} 5", 4 << 20));
}

/// Loop-per-core: two loops, one `SO_REUSEPORT` listener each on the same port; the kernel
/// spreads connections over both and each answers with its index.
#[test]
fn two_loops_serve_one_port() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let addr = format!("127.0.0.1:{port}");
    let bind = addr.clone();
    let cluster = netcore::Cluster::spawn(2, move |lp, index| {
        let mut options = ServerOptions::default();
        options.tcp.reuse_port = true;
        let handler = move |_: &Request<'_>, res: &mut Response<'_>| res.end(index.to_string().as_bytes());
        listen_with(lp, &bind, options, handler).map_err(|e| std::io::Error::other(e.to_string()))?;
        Ok(())
    })
    .unwrap();
    let mut seen = [0usize; 2];
    for _ in 0..64 {
        let mut c = std::net::TcpStream::connect(&addr).unwrap();
        c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        c.write_all(b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n").unwrap();
        let mut all = String::new();
        c.read_to_string(&mut all).unwrap();
        seen[all.rsplit("\r\n\r\n").next().unwrap().parse::<usize>().unwrap()] += 1;
    }
    cluster.stop();
    cluster.join().unwrap();
    assert!(seen[0] > 0 && seen[1] > 0, "both loops served: {seen:?}");
}

#[test]
fn collect_gathers_bodies_up_to_its_limit() {
    use netcore_http1::server::collect;
    let s = serve(|lp| {
        let echo = collect(1000, |req: &Request<'_>, body: Bytes, res: &mut Response<'_>| {
            res.end(format!("{} {}", req.url(), body.len()).as_bytes())
        });
        listen(lp, "127.0.0.1:0", echo).unwrap()
    });
    let mut c = s.connect();
    c.write_all(b"POST /one HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello").unwrap();
    assert_eq!(read_response(&mut c).body, b"/one 5");
    c.write_all(b"POST /chunks HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")
        .unwrap();
    assert_eq!(read_response(&mut c).body, b"/chunks 5");
    // Over the limit by its Content-Length: 413 at once, and the connection closes.
    c.write_all(b"POST /big HTTP/1.1\r\nHost: a\r\nContent-Length: 5000\r\n\r\n").unwrap();
    let all = String::from_utf8(read_until_close(&mut c)).unwrap();
    assert!(all.starts_with("HTTP/1.1 413 "), "{all}");
    // Over the limit as it arrives (chunked): 413.
    let mut c = s.connect();
    c.write_all(b"POST /big HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n").unwrap();
    for _ in 0..3 {
        c.write_all(format!("1f4\r\n{}\r\n", "x".repeat(500)).as_bytes()).unwrap();
    }
    let all = String::from_utf8(read_until_close(&mut c)).unwrap();
    assert!(all.starts_with("HTTP/1.1 413 "), "{all}");
}

#[test]
fn a_client_that_ends_its_side_still_gets_a_late_answer() {
    let s = serve(|lp| {
        listen(lp, "127.0.0.1:0", |_: &Request<'_>, res: &mut Response<'_>| {
            let id = res.id();
            res.lp().set_timeout(Duration::from_millis(30), move |lp| id.end(lp, b"late"));
        })
        .unwrap()
    });
    let mut c = s.connect();
    c.write_all(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
    c.stream.shutdown(std::net::Shutdown::Write).unwrap();
    let all = String::from_utf8(read_until_close(&mut c)).unwrap();
    assert!(all.starts_with("HTTP/1.1 200 OK\r\n") && all.ends_with("late"), "{all}");
}

/// Streams `total` bytes per request with backpressure, several responses at once: each
/// response's progress is kept by its id, `write` returning false stops it, and `drain` continues
/// the one at the front. The socket's queue must stay bounded meanwhile.
#[derive(Clone)]
struct Streams {
    total: u64,
    open: Vec<(netcore_http1::server::ResponseId, u64)>,
}

impl Streams {
    fn new(total: u64) -> Self {
        Streams { total, open: Vec::new() }
    }

    fn pump(&mut self, res: &mut Response<'_>) {
        let Some(i) = self.open.iter().position(|(id, _)| *id == res.id()) else { return };
        let chunk = vec![b'x'; 64 * 1024];
        loop {
            let sent = &mut self.open[i].1;
            if *sent >= self.total {
                res.end(b"");
                self.open.remove(i);
                return;
            }
            let n = (self.total - *sent).min(chunk.len() as u64) as usize;
            *sent += n as u64;
            let more = res.write(&chunk[..n]);
            let queued = res.socket().writable_length(res.lp());
            assert!(queued <= 256 * 1024, "queued {queued} bytes");
            if !more {
                return;
            }
        }
    }
}

impl Handler for Streams {
    fn on_request(&mut self, _req: &Request<'_>, res: &mut Response<'_>) {
        res.set_header("Content-Length", self.total.to_string()).unwrap();
        self.open.push((res.id(), 0));
        self.pump(res);
    }
    fn on_drain(&mut self, res: &mut Response<'_>) {
        self.pump(res);
    }
}

/// Two pipelined 5 MB responses: the second fills its own buffer past the high-water mark while
/// the first is on the wire, and the first must still get `drain` (it once did not).
#[test]
fn pipelined_streams_both_finish() {
    let s = serve(|lp| listen(lp, "127.0.0.1:0", Streams::new(5_000_000)).unwrap());
    let mut c = s.connect();
    c.write_all(b"GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
    for _ in 0..2 {
        let r = read_response(&mut c);
        assert_eq!(r.body.len(), 5_000_000);
    }
}

#[test]
fn a_custom_reason_phrase_is_sent_and_checked() {
    let s = serve(|lp| {
        listen(lp, "127.0.0.1:0", |_: &Request<'_>, res: &mut Response<'_>| {
            assert!(res.set_status_message("Bad\r\nX: 1").is_err());
            res.set_status(299);
            res.set_status_message("Fine Thanks").unwrap();
            res.end(b"");
        })
        .unwrap()
    });
    let mut c = s.connect();
    c.write_all(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
    let r = read_response(&mut c);
    assert!(r.head.starts_with("HTTP/1.1 299 Fine Thanks\r\n"), "{}", r.head);
}

/// Answers each request 1 ms later and counts how many are owed at once: a client pipelining
/// 300 requests gets all 300, in order, while the server never owes more than its bound.
#[derive(Clone, Default)]
struct Late {
    owed: std::rc::Rc<std::cell::Cell<usize>>,
    most: std::rc::Rc<std::cell::Cell<usize>>,
}

impl Handler for Late {
    fn on_request(&mut self, req: &Request<'_>, res: &mut Response<'_>) {
        self.owed.set(self.owed.get() + 1);
        self.most.set(self.most.get().max(self.owed.get()));
        let (id, owed, most, url) = (res.id(), self.owed.clone(), self.most.clone(), req.url().to_string());
        res.lp().set_timeout(Duration::from_millis(1), move |lp| {
            owed.set(owed.get() - 1);
            id.end(lp, format!("{url} {}", most.get()).as_bytes());
        });
    }
}

#[test]
fn a_deep_pipeline_is_read_no_faster_than_it_is_answered() {
    let s = serve(|lp| listen(lp, "127.0.0.1:0", Late::default()).unwrap());
    let mut c = s.connect();
    let burst: String = (0..300).map(|i| format!("GET /{i} HTTP/1.1\r\nHost: a\r\n\r\n")).collect();
    c.write_all(burst.as_bytes()).unwrap();
    let mut most = 0;
    for i in 0..300 {
        let body = String::from_utf8(read_response(&mut c).body).unwrap();
        let (url, seen) = body.split_once(' ').unwrap();
        assert_eq!(url, format!("/{i}"));
        most = most.max(seen.parse::<usize>().unwrap());
    }
    assert!(most <= 64, "{most} answers owed at once");
}

/// What [`Recorder`] saw, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seen {
    /// `on_request`, with the target.
    Request(String),
    /// `on_response_close`: the target of its request, and `finished`.
    ResponseClose(String, bool),
    /// A `write` or `on_drain` on a response after its `on_response_close`.
    WriteAfterClose(String),
    /// `on_close` and its `had_error`.
    Close(bool),
}

/// Reports its connection's events to the test thread. `/stream` answers an endless body with
/// backpressure (it never ends), `/upload` sends its head and waits for a body that never
/// comes, anything else gets `ok` at once.
#[derive(Clone)]
struct Recorder {
    tx: std::sync::mpsc::Sender<Seen>,
    targets: std::collections::HashMap<netcore_http1::server::ResponseId, String>,
    closed: Vec<netcore_http1::server::ResponseId>,
}

impl Recorder {
    fn serve() -> (Served, std::sync::mpsc::Receiver<Seen>) {
        let (tx, rx) = std::sync::mpsc::channel();
        let handler = Recorder { tx, targets: Default::default(), closed: Vec::new() };
        (serve(move |lp| listen(lp, "127.0.0.1:0", handler).unwrap()), rx)
    }

    fn pump(&mut self, res: &mut Response<'_>) {
        let chunk = [b'x'; 16 * 1024];
        while res.write(&chunk) {}
        if self.closed.contains(&res.id()) {
            self.tx.send(Seen::WriteAfterClose(self.targets[&res.id()].clone())).unwrap();
        }
    }
}

impl Handler for Recorder {
    fn on_request(&mut self, req: &Request<'_>, res: &mut Response<'_>) {
        self.targets.insert(res.id(), req.url().to_string());
        self.tx.send(Seen::Request(req.url().to_string())).unwrap();
        match req.url() {
            "/stream" => self.pump(res),
            "/upload" => res.flush_headers(),
            _ => res.end(b"ok"),
        }
    }
    fn on_drain(&mut self, res: &mut Response<'_>) {
        self.pump(res);
    }
    fn on_response_close(
        &mut self,
        _lp: &mut EventLoop,
        res: netcore_http1::server::ResponseId,
        finished: bool,
    ) {
        self.closed.push(res);
        self.tx.send(Seen::ResponseClose(self.targets[&res].clone(), finished)).unwrap();
    }
    fn on_close(&mut self, _lp: &mut EventLoop, had_error: bool) {
        self.tx.send(Seen::Close(had_error)).unwrap();
    }
}

/// The next `n` events.
fn next_seen(rx: &std::sync::mpsc::Receiver<Seen>, n: usize) -> Vec<Seen> {
    (0..n).map(|_| rx.recv_timeout(common::READ_TIMEOUT).unwrap()).collect()
}

#[test]
fn an_orderly_end_closes_each_response_finished_then_the_connection_without_error() {
    let (s, rx) = Recorder::serve();
    let mut c = s.connect();
    c.write_all(b"GET /a HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
    for _ in 0..2 {
        assert_eq!(read_response(&mut c).body, b"ok");
    }
    // The client ends its side; the server ends its own and the socket closes cleanly.
    c.stream.shutdown(std::net::Shutdown::Write).unwrap();
    assert!(read_until_close(&mut c).is_empty());
    let seen = next_seen(&rx, 5);
    use Seen::*;
    let request = |t: &str| Request(t.into());
    let finished = |t: &str| ResponseClose(t.into(), true);
    // Each response's close comes after it went out (maybe after the next request arrived).
    assert!(
        seen == [request("/a"), finished("/a"), request("/b"), finished("/b"), Close(false)]
            || seen == [request("/a"), request("/b"), finished("/a"), finished("/b"), Close(false)],
        "{seen:?}"
    );
}

#[test]
fn a_reset_mid_request_closes_its_response_unfinished_and_the_connection_with_error() {
    let (s, rx) = Recorder::serve();
    let mut c = s.connect();
    c.write_all(b"POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\nabc").unwrap();
    assert_eq!(next_seen(&rx, 1), [Seen::Request("/upload".into())]);
    // The head the server flushed arrives; closing with it unread sends a reset (RFC 1122
    // §4.2.2.13), not a FIN.
    c.stream.peek(&mut [0u8; 1]).unwrap();
    drop(c);
    assert_eq!(next_seen(&rx, 2), [Seen::ResponseClose("/upload".into(), false), Seen::Close(true)]);
}

/// Also a regression test: a handler writing from `on_drain` to a connection whose socket had
/// just died was once called back for `drain` forever, the loop never reaching its close phase.
#[test]
fn a_client_leaving_mid_body_closes_the_streamed_response_unfinished() {
    let (s, rx) = Recorder::serve();
    let mut c = s.connect();
    c.write_all(b"GET /stream HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
    assert_eq!(next_seen(&rx, 1), [Seen::Request("/stream".into())]);
    // Part of the body, then the client is gone with the server blocked on it.
    let mut part = vec![0u8; 256 * 1024];
    c.read_exact(&mut part).unwrap();
    drop(c);
    let seen = next_seen(&rx, 2);
    assert_eq!(seen[0], Seen::ResponseClose("/stream".into(), false), "{seen:?}");
    assert!(matches!(seen[1], Seen::Close(_)), "{seen:?}");
    // Nothing wrote to it after its close (no `drain` came), and nothing else is reported.
    drop(s);
    assert_eq!(rx.try_iter().collect::<Vec<_>>(), []);
}

/// Reads one request at a time: reading stops at each request's end and resumes when its
/// response closes.
#[derive(Clone, Default)]
struct OneAtATime {
    paused: Option<netcore_http1::server::RequestId>,
}

impl Handler for OneAtATime {
    fn on_request(&mut self, _req: &Request<'_>, _res: &mut Response<'_>) {}
    fn on_end(&mut self, req: &Request<'_>, res: &mut Response<'_>) {
        assert!(self.paused.is_none(), "a request read before the last response closed");
        req.id().pause(res.lp());
        self.paused = Some(req.id());
        res.end(req.url().as_bytes());
    }
    fn on_response_close(
        &mut self,
        lp: &mut EventLoop,
        _res: netcore_http1::server::ResponseId,
        finished: bool,
    ) {
        assert!(finished);
        if let Some(req) = self.paused.take() {
            req.resume(lp);
        }
    }
}

#[test]
fn a_request_resumed_from_on_response_close_is_read_then() {
    let s = serve(|lp| listen(lp, "127.0.0.1:0", OneAtATime::default()).unwrap());
    let mut c = s.connect();
    let burst: String = (0..3).map(|i| format!("GET /{i} HTTP/1.1\r\nHost: a\r\n\r\n")).collect();
    c.write_all(burst.as_bytes()).unwrap();
    for i in 0..3 {
        assert_eq!(read_response(&mut c).body, format!("/{i}").as_bytes());
    }
}

/// Streams each response past the high-water mark with reading paused, and ends it (and
/// resumes reading) from `on_drain`, as a file server does.
#[derive(Clone, Default)]
struct EndOnDrain {
    paused: Option<(netcore_http1::server::RequestId, String)>,
}

/// Four times the default high-water mark: `write` says stop on the first chunk.
const DRAIN_BODY: usize = 256 * 1024;

impl Handler for EndOnDrain {
    fn on_request(&mut self, _req: &Request<'_>, _res: &mut Response<'_>) {}
    fn on_end(&mut self, req: &Request<'_>, res: &mut Response<'_>) {
        assert!(self.paused.is_none(), "a request read before the last response ended");
        req.id().pause(res.lp());
        self.paused = Some((req.id(), req.url().to_string()));
        res.set_header("content-length", (DRAIN_BODY + req.url().len()).to_string()).unwrap();
        assert!(!res.write(&vec![b'x'; DRAIN_BODY]), "past the high-water mark");
    }
    fn on_drain(&mut self, res: &mut Response<'_>) {
        let Some((req, url)) = self.paused.take() else { return };
        res.end(url.as_bytes());
        req.resume(res.lp());
    }
}

#[test]
fn a_request_resumed_from_on_drain_is_read_then() {
    let s = serve(|lp| listen(lp, "127.0.0.1:0", EndOnDrain::default()).unwrap());
    let mut c = s.connect();
    let burst: String = (0..3).map(|i| format!("GET /{i} HTTP/1.1\r\nHost: a\r\n\r\n")).collect();
    c.write_all(burst.as_bytes()).unwrap();
    for i in 0..3 {
        let body = read_response(&mut c).body;
        assert_eq!(body.len(), DRAIN_BODY + 2);
        assert_eq!(&body[DRAIN_BODY..], format!("/{i}").as_bytes());
    }
}
