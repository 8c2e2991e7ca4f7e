//! HTTPS through a forward proxy: the http1 client opens a `CONNECT` tunnel, puts the https
//! agent's TLS layer on it (SNI and verification for the origin, not the proxy), pools the
//! tunnel per (proxy, origin) so that keep-alive works through it, sends the proxy's
//! credentials on the `CONNECT` only, and fails with `ERR_PROXY_TUNNEL` and the status when
//! the proxy refuses.
//!
//! The proxy is a small blocking one on std threads (it answers one `CONNECT` per connection
//! and then copies bytes both ways), recording each `CONNECT` head it reads. Nothing waits by
//! sleeping: the client's handlers start the next step from their events, and the last one
//! closes the server, which ends the loop.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use std::cell::RefCell;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::rc::Rc;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use common::{port_of, Log, Pki, Recorder};
use netcore::EventLoop;
use netcore_http1::client::{AgentChoice, AgentOptions, ClientRequest, Proxy, RequestOptions};
use netcore_http1::server::{collect, Request, Response, ServerId};
use netcore_tls::{https, ServerConfig};

/// The `CONNECT` heads the proxy read, one string each: the request line, then each field
/// line, joined by `|`.
type Seen = Arc<Mutex<Vec<String>>>;

/// Starts the proxy on a thread; returns its port and what it saw. `credentials` is the
/// `Proxy-Authorization` it demands (407 without it).
fn start_proxy(credentials: Option<&'static str>) -> (u16, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Seen::default();
    let seen2 = seen.clone();
    std::thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(client) = client else { return };
            let seen = seen2.clone();
            std::thread::spawn(move || tunnel(client, credentials, &seen));
        }
    });
    (port, seen)
}

/// One proxy connection: reads the `CONNECT` head, answers, and relays.
fn tunnel(client: TcpStream, credentials: Option<&str>, seen: &Seen) {
    let mut reader = BufReader::new(client.try_clone().unwrap());
    let mut lines = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let line = line.trim_end().to_string();
        if line.is_empty() {
            break;
        }
        lines.push(line);
    }
    seen.lock().unwrap().push(lines.join("|"));
    let mut client = client;
    let authorized = credentials.map_or(true, |c| {
        lines.iter().any(|l| l.to_ascii_lowercase().starts_with("proxy-authorization:") && l.ends_with(c))
    });
    if !authorized {
        let refusal = "HTTP/1.1 407 Proxy Authentication Required\r\n\
                       Proxy-Authenticate: Basic realm=\"test\"\r\nContent-Length: 6\r\n\r\ndenied";
        let _ = client.write_all(refusal.as_bytes());
        return;
    }
    let target = lines.first().and_then(|l| l.split(' ').nth(1)).unwrap_or_default().to_string();
    let Ok(origin) = TcpStream::connect(&target) else {
        let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
        return;
    };
    client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n").unwrap();
    let (mut origin_r, mut client_w) = (origin.try_clone().unwrap(), client.try_clone().unwrap());
    let down = std::thread::spawn(move || {
        let _ = std::io::copy(&mut origin_r, &mut client_w);
        let _ = client_w.shutdown(std::net::Shutdown::Write);
    });
    // Whatever the reader buffered past the head belongs to the origin.
    let mut origin_w = origin;
    let _ = origin_w.write_all(reader.buffer());
    let mut rest = reader.into_inner();
    let mut buf = [0u8; 16 * 1024];
    loop {
        match rest.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if origin_w.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        }
    }
    let _ = origin_w.shutdown(std::net::Shutdown::Write);
    let _ = down.join();
}

/// Answers `METHOD URL host=HOST proxy-auth=BOOL sni=NAME body=BODY`.
fn echo_server(lp: &mut EventLoop, config: &ServerConfig) -> (ServerId, u16) {
    let echo = collect(1 << 20, |req: &Request<'_>, body: Bytes, res: &mut Response<'_>| {
        let socket = res.socket();
        let sni = netcore_tls::session(res.lp(), socket).and_then(|s| s.server_name().map(str::to_string));
        let host = req.head().headers().get("host").map(|h| String::from_utf8_lossy(h).into_owned());
        let line = format!(
            "{} {} host={} proxy-auth={} sni={} body={}",
            req.head().method(),
            req.url(),
            host.unwrap_or_default(),
            req.head().headers().get("proxy-authorization").is_some(),
            sni.unwrap_or_default(),
            String::from_utf8_lossy(&body)
        );
        res.end(line.as_bytes());
    });
    let server = https::listen(lp, "127.0.0.1:0", config, echo).unwrap();
    (server, port_of(lp, server))
}

#[test]
fn two_requests_share_one_connect_tunnel_with_tls_to_the_origin() {
    let pki = Pki::new();
    let (proxy_port, seen) = start_proxy(Some("Basic YWxpY2U6czNjciN0"));
    let mut lp = common::test_loop();
    let (server, port) = echo_server(&mut lp, &pki.server_config());
    let agent = https::agent(&mut lp, &pki.client_config(), AgentOptions::default());
    // `alice:s3cr#t`, percent-encoded in the URL as curl and Node read it.
    let proxy = Proxy::parse(&format!("http://alice:s3cr%23t@127.0.0.1:{proxy_port}")).unwrap();
    let log = Log::default();
    let pool = format!("localhost:{port} via alice@127.0.0.1:{proxy_port}");
    let counts = Rc::new(RefCell::new(Vec::new()));
    let (log2, proxy2, counts2, pool2) = (log.clone(), proxy.clone(), counts.clone(), pool.clone());
    let second = move |req: &mut ClientRequest<'_>| {
        let lp = req.lp();
        // The tunnel is back in the agent, pooled per (proxy, origin).
        counts2.borrow_mut().push((agent.sockets(lp, &pool2), agent.free_sockets(lp, &pool2)));
        let url = format!("https://localhost:{port}/b?x=1");
        let options = RequestOptions::from_url(&url)
            .unwrap()
            .method("POST")
            .proxy(proxy2)
            .agent(AgentChoice::Agent(agent));
        let done = move |req: &mut ClientRequest<'_>| {
            let lp = req.lp();
            server.close(lp);
            agent.destroy(lp);
        };
        let id = https::request(lp, options, Recorder::new(&log2).then(done)).unwrap();
        id.end(lp, b"through the tunnel");
    };
    let url = format!("https://localhost:{port}/a");
    let options = RequestOptions::from_url(&url).unwrap().proxy(proxy).agent(AgentChoice::Agent(agent));
    https::get(&mut lp, options, Recorder::new(&log).then(second)).unwrap();
    lp.run().unwrap();
    // Origin-form requests inside TLS to the origin (SNI `localhost`, verified against the test
    // CA); the proxy's credentials never reach the origin.
    assert_eq!(
        *log.borrow(),
        [
            format!("200 GET /a host=localhost:{port} proxy-auth=false sni=localhost body= reused=false"),
            format!(
                "200 POST /b?x=1 host=localhost:{port} proxy-auth=false sni=localhost body=through the tunnel \
                 reused=true"
            ),
        ]
    );
    assert_eq!(*counts.borrow(), [(1, 1)]);
    // Exactly one CONNECT for both requests, in authority form, with the credentials.
    assert_eq!(
        *seen.lock().unwrap(),
        [format!(
            "CONNECT localhost:{port} HTTP/1.1|Host: localhost:{port}|Proxy-Authorization: Basic YWxpY2U6czNjciN0"
        )]
    );
}

#[test]
fn a_proxy_that_refuses_the_connect_fails_the_request_with_its_status() {
    let pki = Pki::new();
    let (proxy_port, seen) = start_proxy(Some("Basic c29tZW9uZTplbHNl"));
    let mut lp = common::test_loop();
    let (server, port) = echo_server(&mut lp, &pki.server_config());
    let config = pki.client_config();
    let log = Log::default();
    let (log2, config2) = (log.clone(), config.clone());
    let wrong = move |req: &mut ClientRequest<'_>| {
        // Wrong credentials: 407 again. `agent: false` gets a connection of its own.
        let lp = req.lp();
        let proxy = Proxy::new("127.0.0.1", proxy_port).with_auth("someone", "wrong");
        let url = format!("https://127.0.0.1:{port}/");
        let options = RequestOptions::from_url(&url).unwrap().proxy(proxy).agent(AgentChoice::None);
        let done = move |req: &mut ClientRequest<'_>| server.close(req.lp());
        https::get_with(lp, options, &config2, Recorder::new(&log2).then(done)).unwrap();
    };
    // No credentials at all.
    let url = format!("https://127.0.0.1:{port}/");
    let options = RequestOptions::from_url(&url).unwrap().proxy(Proxy::new("127.0.0.1", proxy_port));
    https::get_with(&mut lp, options, &config, Recorder::new(&log).then(wrong)).unwrap();
    lp.run().unwrap();
    let refused = "error ERR_PROXY_TUNNEL status=407: CONNECT tunnel failed, response 407 (ERR_PROXY_TUNNEL)";
    assert_eq!(*log.borrow(), [refused, refused]);
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(seen[0], format!("CONNECT 127.0.0.1:{port} HTTP/1.1|Host: 127.0.0.1:{port}"));
    assert!(seen[1].ends_with("|Proxy-Authorization: Basic c29tZW9uZTp3cm9uZw=="), "{}", seen[1]);
}

#[test]
fn an_unreachable_origin_behind_the_proxy_is_a_502() {
    let pki = Pki::new();
    let (proxy_port, _seen) = start_proxy(None);
    let mut lp = common::test_loop();
    let log = Log::default();
    // A port nothing listens on (the proxy's connect is refused).
    let closed = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("https://127.0.0.1:{closed}/");
    let options = RequestOptions::from_url(&url).unwrap().proxy(Proxy::new("127.0.0.1", proxy_port));
    https::get_with(&mut lp, options, &pki.client_config(), Recorder::new(&log).then(|_| {})).unwrap();
    lp.run().unwrap();
    assert_eq!(
        *log.borrow(),
        ["error ERR_PROXY_TUNNEL status=502: CONNECT tunnel failed, response 502 (ERR_PROXY_TUNNEL)"]
    );
}
