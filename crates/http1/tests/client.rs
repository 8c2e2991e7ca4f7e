//! The client against real Node servers (`tests/node/client_http_server.js`, a Node `http` server, and
//! `tests/node/client_raw_server.js`, a `net` server that misbehaves on purpose) and against our own
//! server: keep-alive reuse, agent limits and scheduling, request bodies both ways of framing,
//! trailers, `100-continue`, 1xx, upgrades, timeouts, connection errors, the keep-alive race and
//! the `Keep-Alive` hint. Each test runs the client's loop on the test thread.
#![allow(clippy::unwrap_used, missing_docs)]

mod client_common;

use std::time::{Duration, Instant};

use bytes::Bytes;
use client_common::{json_field, record, run, run_until, Node, Recorder};
use netcore::EventLoop;
use netcore_http1::client::{
    get, request, Agent, AgentChoice, AgentOptions, ClientRequest, Proxy, RequestOptions, ResponseHandler,
    Scheduling,
};
use netcore_http1::proto::ResponseHead;
use netcore_http1::server::{self, Handler, Request, Response};
use netcore_tcp::{Socket, SocketHandler};

fn url(node: &Node, path: &str) -> String {
    format!("http://{}{path}", node.addr)
}

fn opts(node: &Node, method: &str, path: &str) -> RequestOptions {
    RequestOptions::new(method, "127.0.0.1", node.port(), path)
}

/// GET /stats after everything else, with a fresh agent-less connection.
fn stats(lp: &mut EventLoop, node: &Node) -> String {
    let o = opts(node, "GET", "/stats").agent(AgentChoice::None);
    request(lp, o, Recorder::new("stats")).unwrap().end(lp, b"");
    run(lp);
    record(lp, "stats").text()
}

#[test]
fn get_reuses_the_keep_alive_connection() {
    let node = Node::start("client_http_server.js", &[]);
    let mut lp = EventLoop::new().unwrap();
    let second = url(&node, "/hello");
    get(
        &mut lp,
        url(&node, "/hello"),
        Recorder::new("a").then(move |lp| {
            get(lp, &second, Recorder::new("b")).unwrap();
        }),
    )
    .unwrap();
    run(&mut lp);
    let (a, b) = (record(&mut lp, "a"), record(&mut lp, "b"));
    assert_eq!(a.outline(), ["response 200", "data", "end", "close"]);
    assert_eq!(a.text(), "hello keep-alive");
    assert_eq!(a.reused, Some(false));
    assert_eq!(b.text(), "hello keep-alive");
    assert_eq!(b.reused, Some(true), "the second request reuses the socket");
    // The free socket does not keep the loop alive: `run` returned with it still open.
    assert_eq!(Agent::global(&mut lp).free_sockets(&lp, &node.addr), 1);
    let s = stats(&mut lp, &node);
    assert_eq!(json_field(&s, "connections").as_deref(), Some("2"), "{s}"); // ours + the stats one
    assert_eq!(json_field(&s, "requests").as_deref(), Some("2"), "{s}");
}

/// Starts a GET of `url` when the response ends, as Node code does in `res.on('end')`.
struct ThenGet {
    url: String,
}

impl ResponseHandler for ThenGet {
    fn on_response(&mut self, _req: &mut ClientRequest<'_>, _res: &ResponseHead) {}
    fn on_end(&mut self, req: &mut ClientRequest<'_>) {
        get(req.lp(), &self.url, Recorder::new("from-end")).unwrap();
    }
}

#[test]
fn a_request_made_in_on_end_reuses_the_socket() {
    let node = Node::start("client_http_server.js", &[]);
    let mut lp = EventLoop::new().unwrap();
    get(&mut lp, url(&node, "/hello"), ThenGet { url: url(&node, "/hello") }).unwrap();
    run(&mut lp);
    let r = record(&mut lp, "from-end");
    assert_eq!((r.text().as_str(), r.reused), ("hello keep-alive", Some(true)));
}

#[test]
fn max_sockets_queues_the_requests_beyond_it() {
    let node = Node::start("client_http_server.js", &[]);
    let mut lp = EventLoop::new().unwrap();
    let mut options = AgentOptions::default();
    options.max_sockets = 2;
    let agent = Agent::new(&mut lp, options);
    for i in 0..5 {
        let o = opts(&node, "GET", "/slow?ms=30").agent(AgentChoice::Agent(agent));
        request(&mut lp, o, Recorder::new(&format!("r{i}"))).unwrap().end(&mut lp, b"");
    }
    assert_eq!(agent.sockets(&lp, &node.addr), 2);
    assert_eq!(agent.pending_requests(&lp, &node.addr), 3);
    // A queued request that is aborted leaves the queue.
    let o = opts(&node, "GET", "/slow?ms=30").agent(AgentChoice::Agent(agent));
    let dropped = request(&mut lp, o, Recorder::new("dropped")).unwrap();
    dropped.end(&mut lp, b"");
    assert_eq!(agent.pending_requests(&lp, &node.addr), 4);
    dropped.abort(&mut lp);
    assert_eq!(agent.pending_requests(&lp, &node.addr), 3);
    run(&mut lp);
    assert_eq!(record(&mut lp, "dropped").events, ["error ABORT_ERR", "close"]);
    let mut reused = 0;
    for i in 0..5 {
        let r = record(&mut lp, &format!("r{i}"));
        assert_eq!((r.status, r.text().as_str()), (200, "slow"), "{r:?}");
        reused += usize::from(r.reused == Some(true));
    }
    assert_eq!(reused, 3, "the queued requests went out on the two sockets");
    assert_eq!(agent.free_sockets(&lp, &node.addr), 2);
    let s = stats(&mut lp, &node);
    assert_eq!(json_field(&s, "connections").as_deref(), Some("3"), "{s}");
    assert_eq!(json_field(&s, "maxActive").as_deref(), Some("2"), "{s}");
    agent.destroy(&mut lp);
    assert!(!agent.is_alive(&lp));
}

#[test]
fn destroying_an_agent_fails_its_busy_and_queued_requests() {
    let node = Node::start("client_http_server.js", &[]);
    let mut lp = EventLoop::new().unwrap();
    let mut options = AgentOptions::default();
    options.max_sockets = 1;
    let agent = Agent::new(&mut lp, options);
    for name in ["busy", "queued"] {
        let o = opts(&node, "GET", "/hang").agent(AgentChoice::Agent(agent));
        request(&mut lp, o, Recorder::new(name)).unwrap().end(&mut lp, b"");
    }
    lp.set_timeout(Duration::from_millis(30), move |lp| agent.destroy(lp));
    run(&mut lp);
    assert_eq!(record(&mut lp, "busy").events, ["error ERR_AGENT_DESTROYED", "close"]);
    assert_eq!(record(&mut lp, "queued").events, ["error ERR_AGENT_DESTROYED", "close"]);
}

/// Two free sockets, freed one after the other: lifo hands out the newest, fifo the oldest.
fn scheduling_picks(scheduling: Scheduling) -> (u16, u16, u16) {
    let node = Node::start("client_http_server.js", &[]);
    let mut lp = EventLoop::new().unwrap();
    let mut options = AgentOptions::default();
    options.scheduling = scheduling;
    let agent = Agent::new(&mut lp, options);
    for (name, ms) in [("early", 5), ("late", 80)] {
        let o = opts(&node, "GET", &format!("/slow?ms={ms}")).agent(AgentChoice::Agent(agent));
        request(&mut lp, o, Recorder::new(name)).unwrap().end(&mut lp, b"");
    }
    run(&mut lp);
    assert_eq!(agent.free_sockets(&lp, &node.addr), 2);
    let o = opts(&node, "GET", "/hello").agent(AgentChoice::Agent(agent));
    request(&mut lp, o, Recorder::new("next")).unwrap().end(&mut lp, b"");
    run(&mut lp);
    let port = |lp: &mut EventLoop, name| record(lp, name).local_port.unwrap();
    (port(&mut lp, "early"), port(&mut lp, "late"), port(&mut lp, "next"))
}

#[test]
fn lifo_reuses_the_newest_free_socket_and_fifo_the_oldest() {
    let (_early, late, next) = scheduling_picks(Scheduling::Lifo);
    assert_eq!(next, late);
    let (early, _late, next) = scheduling_picks(Scheduling::Fifo);
    assert_eq!(next, early);
}

#[test]
fn chunked_upload_with_trailers_reaches_node() {
    let node = Node::start("client_http_server.js", &[]);
    let mut lp = EventLoop::new().unwrap();
    let req = request(&mut lp, opts(&node, "POST", "/echo"), Recorder::new("up")).unwrap();
    assert!(!req.headers_sent(&lp));
    assert_eq!(req.set_header(&mut lp, "X-Bad", "a\nb").unwrap_err().code(), "ERR_INVALID_CHAR");
    req.set_header(&mut lp, "Host", "example.test").unwrap();
    assert!(req.write(&mut lp, b"hello "));
    assert!(req.headers_sent(&lp));
    assert_eq!(req.set_header(&mut lp, "X-Late", "1").unwrap_err().code(), "ERR_HTTP_HEADERS_SENT");
    assert!(req.write(&mut lp, b"world"));
    req.add_trailers(&mut lp, &[("X-Sum", b"42")]).unwrap();
    req.end(&mut lp, b"");
    assert!(req.finished(&lp));
    run(&mut lp);
    let r = record(&mut lp, "up").text();
    assert_eq!(json_field(&r, "transferEncoding").as_deref(), Some("chunked"), "{r}");
    assert_eq!(json_field(&r, "contentLength").as_deref(), Some("null"), "{r}");
    assert_eq!(json_field(&r, "body").as_deref(), Some("hello world"), "{r}");
    assert_eq!(json_field(&r, "x-sum").as_deref(), Some("42"), "{r}");
    assert_eq!(json_field(&r, "host").as_deref(), Some("example.test"), "{r}");
}

#[test]
fn content_length_when_end_carries_the_whole_body() {
    let node = Node::start("client_http_server.js", &[]);
    let mut lp = EventLoop::new().unwrap();
    request(&mut lp, opts(&node, "POST", "/echo"), Recorder::new("whole")).unwrap().end(&mut lp, b"payload");
    request(&mut lp, opts(&node, "POST", "/echo"), Recorder::new("empty")).unwrap().end(&mut lp, b"");
    // The caller's Content-Length, with the body in pieces.
    let o = opts(&node, "PUT", "/echo").header("content-length", "4");
    let req = request(&mut lp, o, Recorder::new("declared")).unwrap();
    req.write(&mut lp, b"ab");
    req.end(&mut lp, b"cd");
    // No agent: `Connection: close`.
    let o = opts(&node, "POST", "/echo").agent(AgentChoice::None);
    request(&mut lp, o, Recorder::new("close")).unwrap().end(&mut lp, b"x");
    run(&mut lp);
    let field = |lp: &mut EventLoop, name, f| json_field(&record(lp, name).text(), f).unwrap();
    assert_eq!(field(&mut lp, "whole", "contentLength"), "7");
    assert_eq!(field(&mut lp, "whole", "transferEncoding"), "null");
    assert_eq!(field(&mut lp, "whole", "body"), "payload");
    assert_eq!(field(&mut lp, "whole", "connection"), "keep-alive");
    assert_eq!(field(&mut lp, "empty", "contentLength"), "0");
    assert_eq!(field(&mut lp, "declared", "contentLength"), "4");
    assert_eq!(field(&mut lp, "declared", "body"), "abcd");
    assert_eq!(field(&mut lp, "close", "connection"), "close");
    assert_eq!(field(&mut lp, "close", "body"), "x");
}

#[test]
fn a_body_longer_than_its_content_length_is_refused() {
    let node = Node::start("client_http_server.js", &[]);
    let mut lp = EventLoop::new().unwrap();
    let o = opts(&node, "PUT", "/echo").header("Content-Length", "2");
    let req = request(&mut lp, o, Recorder::new("over")).unwrap();
    assert!(!req.write(&mut lp, b"abc"));
    run(&mut lp);
    let r = record(&mut lp, "over");
    assert_eq!(r.events, ["error ERR_HTTP_CONTENT_LENGTH_MISMATCH", "close"]);
}

#[test]
fn chunked_response_with_trailers() {
    let node = Node::start("client_http_server.js", &[]);
    let mut lp = EventLoop::new().unwrap();
    get(&mut lp, url(&node, "/chunked"), Recorder::new("c")).unwrap();
    run(&mut lp);
    let r = record(&mut lp, "c");
    assert_eq!(r.header("transfer-encoding"), Some("chunked"));
    assert_eq!(r.text(), "one,two,three");
    assert_eq!(r.trailers, [("X-Checksum".to_string(), "abc".to_string())]);
    assert_eq!(r.outline(), ["response 200", "data", "trailers", "end", "close"]);
}

#[test]
fn expect_100_continue_holds_the_body_until_the_server_asks() {
    let node = Node::start("client_http_server.js", &[]);
    let mut lp = EventLoop::new().unwrap();
    let o = opts(&node, "POST", "/continue").header("Expect", "100-continue");
    let req = request(&mut lp, o, Recorder::new("c")).unwrap();
    req.end(&mut lp, b"the body");
    run(&mut lp);
    let r = record(&mut lp, "c");
    assert_eq!(r.outline(), ["continue", "information 100", "response 200", "data", "end", "close"]);
    let text = r.text();
    assert_eq!(json_field(&text, "early").as_deref(), Some("false"), "{text}");
    assert_eq!(json_field(&text, "body").as_deref(), Some("the body"), "{text}");
}

#[test]
fn a_held_body_goes_out_when_no_100_continue_comes_in_time() {
    // This server ignores the expectation: it waits for the body the head announced.
    let node = Node::start("client_raw_server.js", &["plain"]);
    let mut lp = EventLoop::new().unwrap();
    let mut o = opts(&node, "PUT", "/x").header("Expect", "100-continue");
    o.continue_timeout = Some(Duration::from_millis(150));
    request(&mut lp, o, Recorder::new("c")).unwrap().end(&mut lp, b"abcd");
    let started = Instant::now();
    run(&mut lp);
    assert!(started.elapsed() >= Duration::from_millis(140));
    let r = record(&mut lp, "c");
    assert_eq!(r.outline(), ["response 200", "data", "end", "close"]);
    assert_eq!(r.text(), "conn 1 req 1");
}

#[test]
fn head_responses_have_no_body_and_a_body_can_run_until_close() {
    let node = Node::start("client_http_server.js", &[]);
    let mut lp = EventLoop::new().unwrap();
    let second = url(&node, "/hello");
    let o = opts(&node, "HEAD", "/hello");
    let head = Recorder::new("head").then(move |lp| {
        get(lp, &second, Recorder::new("get")).unwrap();
    });
    request(&mut lp, o, head).unwrap().end(&mut lp, b"");
    run(&mut lp);
    let head = record(&mut lp, "head");
    assert_eq!(head.outline(), ["response 200", "end", "close"]);
    assert_eq!(head.header("content-length"), Some("16"));
    let get_after = record(&mut lp, "get");
    assert_eq!((get_after.text().as_str(), get_after.reused), ("hello keep-alive", Some(true)));

    let node = Node::start("client_raw_server.js", &["until-close"]);
    get(&mut lp, url(&node, "/"), Recorder::new("until-close")).unwrap();
    run(&mut lp);
    let r = record(&mut lp, "until-close");
    assert_eq!(r.outline(), ["response 200", "data", "end", "close"]);
    assert_eq!(r.text(), "body until close");
    assert_eq!(
        Agent::global(&mut lp).sockets(&lp, &node.addr),
        0,
        "a close-delimited body ends the connection"
    );
}

#[test]
fn informational_responses_come_before_the_response() {
    let node = Node::start("client_http_server.js", &[]);
    let mut lp = EventLoop::new().unwrap();
    get(&mut lp, url(&node, "/hints"), Recorder::new("h")).unwrap();
    run(&mut lp);
    let r = record(&mut lp, "h");
    assert_eq!(r.outline(), ["information 103", "response 200", "data", "end", "close"]);
    let (status, headers) = &r.informational[0];
    assert_eq!(*status, 103);
    assert!(headers.iter().any(|(n, v)| n.eq_ignore_ascii_case("link") && v == "</style.css>; rel=preload"));
    assert_eq!(r.text(), "after hints");
}

/// The upgraded socket's handler: collects what the server echoes until `want` arrived.
struct Echoed {
    got: Vec<u8>,
    want: &'static [u8],
}

#[derive(Default)]
struct UpgradeLog(Vec<u8>);

impl SocketHandler for Echoed {
    fn on_data(&mut self, socket: &mut Socket<'_>, data: &[u8]) {
        self.got.extend_from_slice(data);
        if self.got.ends_with(self.want) {
            let got = std::mem::take(&mut self.got);
            socket.lp().state_or_default::<UpgradeLog>().0 = got;
            socket.destroy();
        }
    }
}

#[test]
fn upgrade_hands_the_socket_over() {
    let node = Node::start("client_http_server.js", &[]);
    let mut lp = EventLoop::new().unwrap();
    let o = opts(&node, "GET", "/chat").header("Connection", "Upgrade").header("Upgrade", "echo");
    let handler = Recorder::new("u").on_upgrade(|up| {
        assert_eq!(up.head().headers().get("upgrade"), Some(&b"echo"[..]));
        let rest = up.take_rest().to_vec();
        let socket = up.socket();
        let lp = up.lp();
        let mut handler = Echoed { got: rest, want: b"welcome;ping" };
        socket.write(lp, b"ping");
        if handler.got.ends_with(handler.want) {
            handler.want = b"ping";
        }
        assert!(socket.set_handler(lp, handler));
        true
    });
    request(&mut lp, o, handler).unwrap().end(&mut lp, b"");
    run(&mut lp);
    let r = record(&mut lp, "u");
    assert_eq!(r.events, ["upgrade 101", "close"]);
    let echoed = std::mem::take(&mut lp.state_or_default::<UpgradeLog>().0);
    assert!(echoed.ends_with(b"ping"), "{:?}", String::from_utf8_lossy(&echoed));

    // CONNECT: a 2xx opens a tunnel, handed over the same way.
    let o = opts(&node, "CONNECT", "example.com:443");
    let handler = Recorder::new("tunnel").on_upgrade(|up| {
        assert_eq!(up.head().headers().get("x-target"), Some(&b"example.com:443"[..]));
        let handler = Echoed { got: up.take_rest().to_vec(), want: b"tunnel;ping" };
        let (socket, lp) = (up.socket(), up.lp());
        socket.write(lp, b"ping");
        socket.set_handler(lp, handler)
    });
    request(&mut lp, o, handler).unwrap().end(&mut lp, b"");
    run(&mut lp);
    assert_eq!(record(&mut lp, "tunnel").events, ["upgrade 200", "close"]);
    let echoed = std::mem::take(&mut lp.state_or_default::<UpgradeLog>().0);
    assert_eq!(echoed, b"tunnel;ping");
}

#[test]
fn timeout_is_reported_and_the_handler_decides() {
    let node = Node::start("client_http_server.js", &[]);
    let mut lp = EventLoop::new().unwrap();
    let o = opts(&node, "GET", "/hang").timeout(Duration::from_millis(100));
    let handler = Recorder::new("abort").on_timeout(|req| req.abort());
    request(&mut lp, o, handler).unwrap().end(&mut lp, b"");
    let o = opts(&node, "GET", "/hang").timeout(Duration::from_millis(100)).abort_on_timeout(true);
    request(&mut lp, o, Recorder::new("auto")).unwrap().end(&mut lp, b"");
    let started = Instant::now();
    run(&mut lp);
    assert!(started.elapsed() >= Duration::from_millis(90));
    assert_eq!(record(&mut lp, "abort").events, ["timeout", "error ABORT_ERR", "close"]);
    assert_eq!(record(&mut lp, "auto").events, ["timeout", "error ETIMEDOUT", "close"]);
}

#[test]
fn connection_refused_on_a_closed_port() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let mut lp = EventLoop::new().unwrap();
    get(&mut lp, format!("http://127.0.0.1:{port}/"), Recorder::new("r")).unwrap();
    run(&mut lp);
    let r = record(&mut lp, "r");
    assert_eq!(r.events, ["error ECONNREFUSED", "close"]);
}

#[test]
fn a_reset_inside_the_response_is_an_error_not_a_hang() {
    let node = Node::start("client_raw_server.js", &["reset"]);
    let mut lp = EventLoop::new().unwrap();
    get(&mut lp, url(&node, "/"), Recorder::new("r")).unwrap();
    run(&mut lp);
    let r = record(&mut lp, "r");
    assert_eq!(r.error.as_deref(), Some("ECONNRESET"), "{r:?}");
    assert!(!r.events.contains(&"end".to_string()), "{r:?}");
    assert_eq!(r.events.last().map(String::as_str), Some("close"));
}

#[test]
fn a_response_cut_short_by_a_close_is_premature() {
    let node = Node::start("client_raw_server.js", &["cut"]);
    let mut lp = EventLoop::new().unwrap();
    get(&mut lp, url(&node, "/"), Recorder::new("r")).unwrap();
    run(&mut lp);
    let r = record(&mut lp, "r");
    assert_eq!(r.outline(), ["response 200", "data", "error ECONNRESET", "close"]);
    assert_eq!(r.text(), "partial");
    assert!(r.error_text.unwrap().starts_with("aborted"));
}

#[test]
fn a_malformed_response_is_a_parse_error() {
    let node = Node::start("client_raw_server.js", &["garbage"]);
    let mut lp = EventLoop::new().unwrap();
    get(&mut lp, url(&node, "/"), Recorder::new("r")).unwrap();
    run(&mut lp);
    assert_eq!(record(&mut lp, "r").events, ["error HPE_INVALID_STATUS", "close"]);
}

#[test]
fn the_keep_alive_race_is_retried_once_on_a_fresh_connection() {
    let mut node = Node::start("client_raw_server.js", &["race"]);
    let mut lp = EventLoop::new().unwrap();
    let second = url(&node, "/b");
    get(
        &mut lp,
        url(&node, "/a"),
        Recorder::new("a").then(move |lp| {
            get(lp, &second, Recorder::new("b")).unwrap();
        }),
    )
    .unwrap();
    run(&mut lp);
    let b = record(&mut lp, "b");
    assert_eq!(b.outline(), ["response 200", "data", "end", "close"], "{b:?}");
    assert_eq!(b.text(), "conn 2 req 1");
    assert!(b.retried);
    assert_eq!(b.reused, Some(false), "the retry is on a fresh connection");
    let lines: Vec<String> = (0..3).map(|_| node.next_line()).collect();
    assert_eq!(lines, ["request GET /a on 1", "request GET /b on 1", "request GET /b on 2"]);
}

#[test]
fn a_post_is_not_retried_after_the_keep_alive_race() {
    let node = Node::start("client_raw_server.js", &["race"]);
    let mut lp = EventLoop::new().unwrap();
    let o = opts(&node, "POST", "/b");
    get(
        &mut lp,
        url(&node, "/a"),
        Recorder::new("a").then(move |lp| {
            request(lp, o, Recorder::new("b")).unwrap().end(lp, b"data");
        }),
    )
    .unwrap();
    run(&mut lp);
    let b = record(&mut lp, "b");
    assert_eq!(b.events, ["error ECONNRESET", "close"], "{b:?}");
    assert_eq!(b.error_text.as_deref(), Some("socket hang up (ECONNRESET)"));
}

#[test]
fn a_free_socket_is_retired_before_the_servers_keep_alive_timeout() {
    // The server closes idle connections after 2 s and says `Keep-Alive: timeout=2`.
    let mut node = Node::start("client_http_server.js", &["2000"]);
    let mut lp = EventLoop::new().unwrap();
    let agent = Agent::new(&mut lp, AgentOptions::default());
    let o = opts(&node, "GET", "/hello").agent(AgentChoice::Agent(agent));
    request(&mut lp, o, Recorder::new("r")).unwrap().end(&mut lp, b"");
    run(&mut lp);
    assert_eq!(record(&mut lp, "r").header("keep-alive"), Some("timeout=2"));
    assert_eq!(agent.free_sockets(&lp, &node.addr), 1);
    let freed = Instant::now();
    let addr = node.addr.clone();
    run_until(&mut lp, Duration::from_secs(5), |lp| agent.free_sockets(lp, &addr) == 0);
    let idle = freed.elapsed();
    assert!(idle >= Duration::from_millis(900) && idle < Duration::from_millis(1900), "{idle:?}");
    // The client closed it: the server saw our FIN, a second before its own timeout.
    let line = node.next_line();
    let ms: u64 =
        line.strip_prefix("client ended after ").unwrap().strip_suffix(" ms").unwrap().parse().unwrap();
    assert!(ms < 1900, "{line}");
}

#[test]
fn response_backpressure_pauses_and_resumes_reading() {
    let node = Node::start("client_http_server.js", &[]);
    let mut lp = EventLoop::new().unwrap();
    let handler = Recorder::new("big").on_data(|req| {
        // Every piece pauses the response; a timer resumes it.
        req.pause();
        let id = req.id();
        req.lp().set_timeout(Duration::from_millis(1), move |lp| id.resume(lp));
    });
    get(&mut lp, url(&node, "/big?n=1048576"), handler).unwrap();
    run(&mut lp);
    let r = record(&mut lp, "big");
    assert_eq!(r.body.len(), 1 << 20);
    assert_eq!(r.events.last().map(String::as_str), Some("close"));
    assert!(r.events.contains(&"end".to_string()));
}

#[test]
fn resume_from_another_callback_loses_no_event() {
    // Paused in `on_response`, resumed from `on_timeout` (the paused socket goes idle): the body
    // events that follow reach the handler, which is out of the state during `on_timeout`.
    let node = Node::start("client_http_server.js", &[]);
    let mut lp = EventLoop::new().unwrap();
    let o = opts(&node, "GET", "/big?n=200000").timeout(Duration::from_millis(50));
    let handler = Recorder::new("r").on_response(|req| req.pause()).on_timeout(|req| {
        req.set_timeout(Duration::ZERO);
        req.resume();
    });
    request(&mut lp, o, handler).unwrap().end(&mut lp, b"");
    run(&mut lp);
    let r = record(&mut lp, "r");
    assert_eq!(r.body.len(), 200_000);
    assert_eq!(r.outline(), ["response 200", "timeout", "data", "end", "close"]);
}

/// Writes `total` bytes in 16 KiB pieces, waiting for `on_drain` whenever `write` says so.
struct Uploader {
    left: usize,
    drains: usize,
    waited: bool,
    reply: Vec<u8>,
}

impl Uploader {
    fn pump(&mut self, req: &mut ClientRequest<'_>) {
        while self.left > 0 {
            let n = self.left.min(16 * 1024);
            self.left -= n;
            if !req.write(&vec![b'u'; n]) {
                self.waited = true;
                return;
            }
        }
        req.end(b"");
    }
}

#[derive(Default)]
struct UploadLog(usize, bool, String);

impl ResponseHandler for Uploader {
    fn on_response(&mut self, _req: &mut ClientRequest<'_>, _res: &ResponseHead) {}
    fn on_data(&mut self, _req: &mut ClientRequest<'_>, data: Bytes) {
        self.reply.extend_from_slice(&data);
    }
    fn on_drain(&mut self, req: &mut ClientRequest<'_>) {
        self.drains += 1;
        self.pump(req);
    }
    fn on_close(&mut self, lp: &mut EventLoop) {
        let reply = String::from_utf8_lossy(&self.reply).into_owned();
        lp.set_state(UploadLog(self.drains, self.waited, reply));
    }
}

#[test]
fn request_backpressure_waits_for_drain() {
    let node = Node::start("client_http_server.js", &[]);
    let mut lp = EventLoop::new().unwrap();
    let total = 4 << 20;
    let piece = 16 * 1024;
    // Four pieces fill the 64 KiB mark (nothing leaves before the next tick); the handler
    // writes the rest from `on_drain`.
    let handler = Uploader { left: total - 4 * piece, drains: 0, waited: true, reply: Vec::new() };
    let req = request(&mut lp, opts(&node, "POST", "/sink"), handler).unwrap();
    let accepted: Vec<bool> = (0..4).map(|_| req.write(&mut lp, &vec![b'u'; piece])).collect();
    assert_eq!(accepted, [true, true, true, false]);
    run(&mut lp);
    let log = lp.take_state::<UploadLog>().unwrap();
    assert!(log.1);
    assert!(log.0 >= 1, "on_drain came");
    assert_eq!(log.2, total.to_string());
}

/// Echoes each request body back as `METHOD body`.
#[derive(Clone, Default)]
struct Echo(Vec<u8>);

impl Handler for Echo {
    fn on_request(&mut self, _req: &Request<'_>, _res: &mut Response<'_>) {
        self.0.clear();
    }
    fn on_data(&mut self, _req: &Request<'_>, data: Bytes, _res: &mut Response<'_>) {
        self.0.extend_from_slice(&data);
    }
    fn on_end(&mut self, req: &Request<'_>, res: &mut Response<'_>) {
        let body = format!("{} {}", req.method(), String::from_utf8_lossy(&self.0));
        res.end(body.as_bytes());
    }
}

#[test]
fn our_client_against_our_server_on_one_loop() {
    let mut lp = EventLoop::new().unwrap();
    let srv = server::listen(&mut lp, "127.0.0.1:0", Echo::default()).unwrap();
    let port: u16 = srv.address(&lp).unwrap().to_string().rsplit_once(':').unwrap().1.parse().unwrap();
    let agent = Agent::new(&mut lp, AgentOptions::default());
    let o = RequestOptions::new("POST", "127.0.0.1", port, "/").agent(AgentChoice::Agent(agent));
    let second = o.clone().method("PUT");
    let handler = Recorder::new("post").then(move |lp| {
        let req = request(lp, second, Recorder::new("put").then(move |lp| srv.close(lp))).unwrap();
        req.write(lp, b"chunk ");
        req.end(lp, b"two");
    });
    let req = request(&mut lp, o, handler).unwrap();
    req.end(&mut lp, b"one");
    run(&mut lp);
    let (post, put) = (record(&mut lp, "post"), record(&mut lp, "put"));
    assert_eq!(post.text(), "POST one");
    assert_eq!(put.text(), "PUT chunk two");
    assert_eq!(put.reused, Some(true));
    assert_eq!(post.header("keep-alive"), Some("timeout=5"));
}

#[test]
fn a_request_can_be_aborted_before_and_after_its_response_starts() {
    let node = Node::start("client_http_server.js", &[]);
    let mut lp = EventLoop::new().unwrap();
    let req = get(&mut lp, url(&node, "/hello"), Recorder::new("early")).unwrap();
    req.abort(&mut lp);
    assert!(!req.is_open(&lp));
    let handler = Recorder::new("mid").on_response(|req| req.destroy());
    get(&mut lp, url(&node, "/big?n=1000000"), handler).unwrap();
    run(&mut lp);
    assert_eq!(record(&mut lp, "early").events, ["error ABORT_ERR", "close"]);
    assert_eq!(record(&mut lp, "mid").events, ["response 200", "close"]);
}

#[test]
fn bad_urls_and_heads_are_refused_at_once() {
    let mut lp = EventLoop::new().unwrap();
    let e = get(&mut lp, "https://example.com/", Recorder::new("x")).unwrap_err();
    assert_eq!(e.code(), "ERR_INVALID_PROTOCOL");
    let e = get(&mut lp, "http://a b/", Recorder::new("x")).unwrap_err();
    assert_eq!(e.code(), "ERR_INVALID_URL");
    let o = RequestOptions::new("GET", "127.0.0.1", 1, "/").header("X-Evil", "a\r\nInjected: 1");
    assert_eq!(request(&mut lp, o, Recorder::new("x")).unwrap_err().code(), "ERR_INVALID_CHAR");
    let o = RequestOptions::new("GE T", "127.0.0.1", 1, "/");
    assert_eq!(request(&mut lp, o, Recorder::new("x")).unwrap_err().code(), "ERR_INVALID_HTTP_TOKEN");
    let o = RequestOptions::new("GET", "127.0.0.1", 1, "/a b");
    assert_eq!(request(&mut lp, o, Recorder::new("x")).unwrap_err().code(), "ERR_UNESCAPED_CHARACTERS");
    let o = RequestOptions::new("POST", "127.0.0.1", 1, "/").header("Content-Length", "five");
    let e = request(&mut lp, o, Recorder::new("x")).unwrap_err();
    assert_eq!(e.code(), "ERR_HTTP_INVALID_HEADER_VALUE", "{e}");
    let agent = Agent::new(&mut lp, AgentOptions::default());
    agent.destroy(&mut lp);
    let o = RequestOptions::new("GET", "127.0.0.1", 1, "/").agent(AgentChoice::Agent(agent));
    assert_eq!(request(&mut lp, o, Recorder::new("x")).unwrap_err().code(), "ERR_AGENT_DESTROYED");
}

#[test]
fn requests_go_through_a_forward_proxy_in_absolute_form() {
    let origin = Node::start("client_http_server.js", &[]);
    let mut proxy = Node::start("client_proxy.js", &[]);
    let mut lp = EventLoop::new().unwrap();
    let agent = Agent::new(&mut lp, AgentOptions::default());
    let via = Proxy::new("127.0.0.1", proxy.port());
    let o = opts(&origin, "GET", "/hello?x=1").proxy(via.clone()).agent(AgentChoice::Agent(agent));
    let second = opts(&origin, "POST", "/echo").proxy(via).agent(AgentChoice::Agent(agent));
    let first = Recorder::new("first").then(move |lp| {
        request(lp, second, Recorder::new("second")).unwrap().end(lp, b"through");
    });
    request(&mut lp, o, first).unwrap().end(&mut lp, b"");
    run(&mut lp);
    assert!(record(&mut lp, "first").text().starts_with("hello"));
    let second = record(&mut lp, "second");
    assert_eq!(json_field(&second.text(), "body").as_deref(), Some("through"));
    assert_eq!(second.reused, Some(true), "the connection to the proxy is reused");
    assert_eq!(agent.free_sockets(&lp, &proxy.addr), 1, "the pool is the proxy's");
    let host = &origin.addr;
    assert_eq!(proxy.next_line(), format!("proxy GET http://{host}/hello?x=1 host={host}"));
    assert_eq!(proxy.next_line(), format!("proxy POST http://{host}/echo host={host}"));
}

#[test]
fn credentials_go_to_the_proxy_and_the_origin_as_basic() {
    let origin = Node::start("client_http_server.js", &[]);
    let mut proxy = Node::start("client_proxy.js", &[]);
    let mut lp = EventLoop::new().unwrap();
    // `http://user:pass@proxy`, percent-decoded (Node's `auth`, curl's proxy user).
    let via = Proxy::parse(&format!("http://Aladdin:open%20sesame@{}", proxy.addr)).unwrap();
    // A request URL's `user:pass@` is `Authorization` (Node's `http.request(url)`).
    let o = RequestOptions::from_url(&format!("http://al%40ice:pw@{}/hello", origin.addr)).unwrap();
    request(&mut lp, o.proxy(via.clone()), Recorder::new("url")).unwrap().end(&mut lp, b"");
    run(&mut lp);
    // The `auth` option; a caller's own `Authorization` wins over it.
    let o = opts(&origin, "GET", "/hello").auth("bob:x").proxy(via.clone());
    request(&mut lp, o, Recorder::new("option")).unwrap().end(&mut lp, b"");
    run(&mut lp);
    let o = opts(&origin, "GET", "/hello").auth("bob:x").header("authorization", "Bearer t").proxy(via);
    request(&mut lp, o, Recorder::new("own")).unwrap().end(&mut lp, b"");
    run(&mut lp);
    for name in ["url", "option", "own"] {
        assert_eq!(record(&mut lp, name).text(), "hello keep-alive", "{name}");
    }
    let host = &origin.addr;
    let proxy_auth = "proxy-auth=Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==";
    // base64("al@ice:pw"), base64("bob:x").
    assert_eq!(
        proxy.next_line(),
        format!("proxy GET http://{host}/hello host={host} {proxy_auth} auth=Basic YWxAaWNlOnB3")
    );
    assert_eq!(
        proxy.next_line(),
        format!("proxy GET http://{host}/hello host={host} {proxy_auth} auth=Basic Ym9iOng=")
    );
    assert_eq!(
        proxy.next_line(),
        format!("proxy GET http://{host}/hello host={host} {proxy_auth} auth=Bearer t")
    );
}
