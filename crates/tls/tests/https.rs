//! HTTPS: the http1 server and client over TLS (`netcore_tls::https`), against each other, curl
//! and Node's `https`; the scheme checks of the http1 client; and how an agent treats a TLS
//! connection the server closes without close_notify (idle: dropped quietly; reused under a
//! request: the request is sent again).
//!
//! Nothing waits by sleeping: handlers record into shared logs and start the next step from
//! their events; the last step closes the server, which ends the loop. A watchdog fails a test
//! that hangs; external processes run under `timeout` or are killed on drop.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use std::cell::RefCell;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::rc::Rc;
use std::time::Duration;

use bytes::Bytes;
use common::{listening, port_of, serve, Log, Pki, Recorder};
use netcore::EventLoop;
use netcore_http1::client::{AgentChoice, AgentId, AgentOptions, ClientRequest, RequestOptions};
use netcore_http1::server::{collect, Request, Response, ServerId};
use netcore_tcp::{Socket, SocketHandler};
use netcore_tls::{https, ServerConfig};

/// A scratch directory of this test process.
fn scratch(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("netcore-https-{}-{name}", std::process::id()))
}

/// Answers `METHOD URL tls=VERSION host=HOST body=BODY`; returns the server and its port.
fn echo_server(lp: &mut EventLoop, config: &ServerConfig) -> (ServerId, u16) {
    let echo = collect(1 << 20, |req: &Request<'_>, body: Bytes, res: &mut Response<'_>| {
        let socket = res.socket();
        let version = netcore_tls::session(res.lp(), socket).and_then(|s| s.protocol()).map(|v| v.name());
        let host = req.head().headers().get("host").map(|h| String::from_utf8_lossy(h).into_owned());
        let line = format!(
            "{} {} tls={} host={} body={}",
            req.head().method(),
            req.url(),
            version.unwrap_or("none"),
            host.unwrap_or_default(),
            String::from_utf8_lossy(&body)
        );
        res.set_header("Content-Type", "text/plain").unwrap();
        res.end(line.as_bytes());
    });
    let server = https::listen(lp, "127.0.0.1:0", config, echo).unwrap();
    (server, port_of(lp, server))
}

#[test]
fn get_then_post_reuse_one_tls_connection_of_the_agent() {
    let pki = Pki::new();
    let mut lp = common::test_loop();
    let (server, port) = echo_server(&mut lp, &pki.server_config());
    let agent = https::agent(&mut lp, &pki.client_config(), AgentOptions::default());
    let authority = format!("127.0.0.1:{port}");
    let log = Log::default();
    let counts = Rc::new(RefCell::new(Vec::new()));
    let (log2, counts2, authority2) = (log.clone(), counts.clone(), authority.clone());
    let post = move |req: &mut ClientRequest<'_>| {
        let lp = req.lp();
        // The socket is back in the agent before `on_end`: one socket, free.
        counts2.borrow_mut().push((agent.sockets(lp, &authority2), agent.free_sockets(lp, &authority2)));
        let url = format!("https://127.0.0.1:{port}/b?x=1");
        let options = RequestOptions::from_url(&url).unwrap().method("POST").agent(AgentChoice::Agent(agent));
        let done = move |req: &mut ClientRequest<'_>| {
            let lp = req.lp();
            server.close(lp);
            agent.destroy(lp);
        };
        let id = https::request(lp, options, Recorder::new(&log2).then(done)).unwrap();
        id.write(lp, b"hello ");
        id.end(lp, b"tls");
    };
    let url = format!("https://127.0.0.1:{port}/a");
    let options = RequestOptions::from_url(&url).unwrap().agent(AgentChoice::Agent(agent));
    https::get(&mut lp, options, Recorder::new(&log).then(post)).unwrap();
    lp.run().unwrap();
    assert_eq!(
        *log.borrow(),
        [
            format!("200 GET /a tls=TLSv1.3 host=127.0.0.1:{port} body= reused=false"),
            format!("200 POST /b?x=1 tls=TLSv1.3 host=127.0.0.1:{port} body=hello tls reused=true"),
        ]
    );
    assert_eq!(*counts.borrow(), [(1, 1)]);
}

#[test]
fn requests_with_a_configuration_share_its_agent_and_agent_false_gets_its_own_connection() {
    let pki = Pki::new();
    let mut lp = common::test_loop();
    let (server, port) = echo_server(&mut lp, &pki.server_config());
    let config = pki.client_config();
    let shared = https::shared_agent(&mut lp, &config);
    // Clones share the agent (and the session cache); another build of the same options does not.
    assert_eq!(https::shared_agent(&mut lp, &config.clone()), shared);
    assert_ne!(https::shared_agent(&mut lp, &pki.client_config()), shared);
    let authority = format!("127.0.0.1:{port}");
    let log = Log::default();
    let free = Rc::new(RefCell::new(None));
    let (log2, free2, config2) = (log.clone(), free.clone(), config.clone());
    let one_off = move |req: &mut ClientRequest<'_>| {
        let lp = req.lp();
        *free2.borrow_mut() = Some(shared.free_sockets(lp, &authority));
        let url = format!("https://127.0.0.1:{port}/own");
        let options = RequestOptions::from_url(&url).unwrap().agent(AgentChoice::None);
        let done = move |req: &mut ClientRequest<'_>| {
            let lp = req.lp();
            server.close(lp);
            shared.destroy(lp);
        };
        https::get_with(lp, options, &config2, Recorder::new(&log2).then(done)).unwrap();
    };
    let url = format!("https://127.0.0.1:{port}/shared");
    https::get_with(&mut lp, url.as_str(), &config, Recorder::new(&log).then(one_off)).unwrap();
    // The loop ends: the one-off agent's connection closed after its response, nothing is left.
    lp.run().unwrap();
    assert_eq!(
        *log.borrow(),
        [
            format!("200 GET /shared tls=TLSv1.3 host=127.0.0.1:{port} body= reused=false"),
            format!("200 GET /own tls=TLSv1.3 host=127.0.0.1:{port} body= reused=false"),
        ]
    );
    assert_eq!(*free.borrow(), Some(1), "the shared agent kept the first connection");
}

#[test]
fn the_global_agent_verifies_against_the_bundled_roots() {
    // Our server's certificate is signed by the test CA, which no bundled root vouches for.
    let pki = Pki::new();
    let mut lp = common::test_loop();
    let (server, port) = echo_server(&mut lp, &pki.server_config());
    let log = Log::default();
    let url = format!("https://127.0.0.1:{port}/");
    https::get(&mut lp, url.as_str(), Recorder::new(&log).then(move |req| server.close(req.lp()))).unwrap();
    let global = https::global_agent(&mut lp).unwrap();
    assert_eq!(https::global_agent(&mut lp).unwrap(), global);
    lp.run().unwrap();
    assert_eq!(*log.borrow(), ["error UNABLE_TO_GET_ISSUER_CERT_LOCALLY"]);
}

#[test]
fn schemes_and_agents_that_do_not_match_are_refused_at_once() {
    let pki = Pki::new();
    let mut lp = EventLoop::new().unwrap();
    let log = Log::default();
    // Node's `http.get('https://…')`.
    let e = netcore_http1::client::get(&mut lp, "https://127.0.0.1:1/", Recorder::new(&log)).unwrap_err();
    assert_eq!(e.code(), "ERR_INVALID_PROTOCOL");
    assert!(e.to_string().contains("netcore_tls::https"), "{e}");
    let options = RequestOptions::from_url("https://127.0.0.1:1/").unwrap().agent(AgentChoice::None);
    let e = netcore_http1::client::request(&mut lp, options, Recorder::new(&log)).unwrap_err();
    assert_eq!(e.code(), "ERR_INVALID_PROTOCOL");
    // Node's `https.get('http://…')`.
    let config = pki.client_config();
    let e = https::get_with(&mut lp, "http://127.0.0.1:1/", &config, Recorder::new(&log)).unwrap_err();
    assert_eq!(e.code(), "ERR_INVALID_PROTOCOL");
    assert!(e.to_string().contains(r#"expected "https:""#), "{e}");
    // Options without a scheme take the agent's.
    let options = RequestOptions::new("GET", "127.0.0.1", 1, "/");
    let id = https::request_with(&mut lp, options, &config, Recorder::new(&log)).unwrap();
    id.destroy(&mut lp);
    lp.run().unwrap();
    assert!(log.borrow().is_empty(), "{:?}", log.borrow());
}

/// What the raw server does with the requests of one connection.
#[derive(Clone, Copy)]
enum Close {
    /// Answer the first request, then close without close_notify.
    AfterFirstResponse,
    /// Answer the first request; close without close_notify when the second arrives.
    OnSecondRequest,
}

/// A TLS server speaking just enough HTTP: `200 ok` (keep-alive) per request head, and
/// connections closed with a bare FIN as `close` says.
struct Raw {
    close: Close,
    heads: usize,
    buf: Vec<u8>,
}

impl SocketHandler for Raw {
    fn on_data(&mut self, s: &mut Socket<'_>, data: &[u8]) {
        self.buf.extend_from_slice(data);
        while let Some(end) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
            self.buf.drain(..end + 4);
            self.heads += 1;
            match (self.close, self.heads) {
                (Close::OnSecondRequest, 2) => {
                    s.destroy();
                    return;
                }
                _ => {
                    s.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nKeep-Alive: timeout=5\r\n\r\nok");
                }
            }
            if let Close::AfterFirstResponse = self.close {
                // A bare FIN once the response is out: no close_notify.
                if s.writable_length() == 0 {
                    s.destroy();
                    return;
                }
            }
        }
    }
    fn on_drain(&mut self, s: &mut Socket<'_>) {
        if let Close::AfterFirstResponse = self.close {
            s.destroy();
        }
    }
}

/// Two GETs on one agent to a [`Raw`] server that closes as `close` says: the second goes out
/// once `ready` holds for the agent and the server's authority, checked from the end of the first
/// response on and every 5 ms after; the last response closes the server and destroys the
/// agent. Returns what the two recorded and how many connections the server accepted.
fn two_gets_on_one_agent(
    close: Close,
    ready: impl Fn(&mut EventLoop, AgentId, &str) -> bool + 'static,
) -> (Vec<String>, usize) {
    let pki = Pki::new();
    let mut lp = common::test_loop();
    let connections = Rc::new(RefCell::new(0));
    let count = connections.clone();
    let server =
        netcore_tls::listen(&mut lp, "127.0.0.1:0", &pki.server_config(), move |_s: &mut Socket<'_>| {
            *count.borrow_mut() += 1;
            Raw { close, heads: 0, buf: Vec::new() }
        })
        .unwrap();
    let port = server.address(&lp).unwrap().port().unwrap();
    let agent = https::agent(&mut lp, &pki.client_config(), AgentOptions::default());
    let authority = format!("127.0.0.1:{port}");
    let log = Log::default();
    let url = format!("https://127.0.0.1:{port}/");
    let options = RequestOptions::from_url(&url).unwrap().agent(AgentChoice::Agent(agent));
    let log2 = log.clone();
    let second = move |req: &mut ClientRequest<'_>| {
        fn poll(lp: &mut EventLoop, check: Rc<dyn Fn(&mut EventLoop) -> bool>) {
            if !check(lp) {
                lp.set_timeout(Duration::from_millis(5), move |lp| poll(lp, check));
            }
        }
        let check: Rc<dyn Fn(&mut EventLoop) -> bool> = Rc::new(move |lp: &mut EventLoop| {
            if !ready(lp, agent, &authority) {
                return false;
            }
            let options = RequestOptions::from_url(&url).unwrap().agent(AgentChoice::Agent(agent));
            let done = move |req: &mut ClientRequest<'_>| {
                let lp = req.lp();
                server.close(lp);
                agent.destroy(lp);
            };
            https::get(lp, options, Recorder::new(&log2).then(done)).unwrap();
            true
        });
        poll(req.lp(), check);
    };
    https::get(&mut lp, options, Recorder::new(&log).then(second)).unwrap();
    lp.run().unwrap();
    let connections = *connections.borrow();
    (log.take(), connections)
}

#[test]
fn an_idle_connection_closed_without_close_notify_leaves_the_pool_quietly() {
    // After the response, the free socket hears the truncation: it must leave the pool without
    // an error reaching anyone. Then a second request gets a fresh connection.
    let empty_pool = |lp: &mut EventLoop, agent: AgentId, authority: &str| agent.sockets(lp, authority) == 0;
    let (log, connections) = two_gets_on_one_agent(Close::AfterFirstResponse, empty_pool);
    assert_eq!(log, ["200 ok reused=false", "200 ok reused=false"]);
    assert_eq!(connections, 2);
}

#[test]
fn a_reused_connection_closed_without_close_notify_is_retried_once() {
    // The second GET goes out on the kept connection; the server closes it on reading the head
    // (the keep-alive race, with TLS's bare FIN): the GET is sent again on a new connection.
    let (log, connections) = two_gets_on_one_agent(Close::OnSecondRequest, |_, _, _| true);
    assert_eq!(log, ["200 ok reused=false", "200 ok reused=false"]);
    assert_eq!(connections, 2);
}

/// Runs a command to completion under `timeout 30`; returns its stdout, failing on its failure.
fn run(program: &str, args: &[&str]) -> String {
    let out =
        Command::new("timeout").arg("30").arg(program).args(args).stdin(Stdio::null()).output().unwrap();
    assert!(out.status.success(), "{program} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn curl_trusts_our_https_server_with_the_ca_and_keeps_the_connection() {
    let pki = Pki::new();
    let dir = pki.write_to(&scratch("curl"));
    let ca = dir.join("ca.pem");
    let ca = ca.to_str().unwrap();
    let config = pki.server_config();
    let (port, stop) = serve(move |lp| {
        let echo = collect(1 << 20, |req: &Request<'_>, body: Bytes, res: &mut Response<'_>| {
            let line =
                format!("{} {} body={}", req.head().method(), req.url(), String::from_utf8_lossy(&body));
            res.end(line.as_bytes());
        });
        let server = https::listen(lp, "127.0.0.1:0", &config, echo).unwrap();
        port_of(lp, server)
    });
    let url = format!("https://localhost:{port}/x?y=1");
    let out = run("curl", &["-sS", "--cacert", ca, "-d", "hello", &url]);
    assert_eq!(out, "POST /x?y=1 body=hello");
    // Two URLs on one command line: one TLS connection for both.
    let quiet = ["-sS", "--cacert", ca, "-o", "/dev/null", "-o", "/dev/null", "-w", "%{num_connects} "];
    let out = run("curl", &[&quiet[..], &[&url, &url]].concat());
    assert_eq!(out, "1 0 ");
    // Without the CA, curl refuses the certificate.
    let out = Command::new("timeout").args(["30", "curl", "-sS", &url]).output().unwrap();
    assert!(!out.status.success());
    stop();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn nodes_https_get_trusts_our_server_with_the_ca() {
    let pki = Pki::new();
    let dir = pki.write_to(&scratch("node-client"));
    let config = pki.server_config();
    let (port, stop) = serve(move |lp| echo_server(lp, &config).1);
    let script = r#"
const https = require('https');
const fs = require('fs');
const [ca, port] = process.argv.slice(1);
const agent = new https.Agent({ keepAlive: true, ca: fs.readFileSync(ca) });
const get = (path, next) => https.get({ host: 'localhost', port, path, agent }, (res) => {
  let body = '';
  const protocol = res.socket.getProtocol();
  res.setEncoding('utf8');
  res.on('data', (c) => (body += c));
  res.on('end', () => {
    console.log(res.statusCode, body, protocol, res.req.reusedSocket);
    // The socket goes back to the agent after `end`: the next request reuses it.
    setImmediate(next);
  });
}).on('error', (e) => { console.error(e); process.exit(1); });
get('/one', () => get('/two', () => agent.destroy()));
"#;
    let ca = dir.join("ca.pem");
    let out = run("node", &["-e", script, ca.to_str().unwrap(), &port.to_string()]);
    stop();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(
        out,
        format!(
            "200 GET /one tls=TLSv1.3 host=localhost:{port} body= TLSv1.3 false\n\
             200 GET /two tls=TLSv1.3 host=localhost:{port} body= TLSv1.3 true\n"
        )
    );
}

#[test]
fn our_client_speaks_with_nodes_https_server() {
    let pki = Pki::new();
    let dir = pki.write_to(&scratch("node-server"));
    let script = r#"
const https = require('https');
const fs = require('fs');
const [key, cert] = process.argv.slice(1);
const server = https.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert) }, (req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    res.end(`${req.method} ${req.url} ${req.socket.getProtocol()} host=${req.headers.host} body=${body}`);
  });
});
server.listen(0, '127.0.0.1', () => console.log('listening on ' + server.address().port));
"#;
    let key = dir.join("server.key");
    let cert = dir.join("server.pem");
    let (_node, port) = listening(Command::new("node").args(["-e", script]).arg(&key).arg(&cert));
    let mut lp = common::test_loop();
    let config = pki.client_config();
    let log = Log::default();
    let (log2, config2) = (log.clone(), config.clone());
    let post = move |req: &mut ClientRequest<'_>| {
        let lp = req.lp();
        let url = format!("https://localhost:{port}/up");
        let options = RequestOptions::from_url(&url).unwrap().method("PUT");
        let shared = https::shared_agent(lp, &config2);
        let done = move |req: &mut ClientRequest<'_>| shared.destroy(req.lp());
        let id = https::request_with(lp, options, &config2, Recorder::new(&log2).then(done)).unwrap();
        id.end(lp, b"data");
    };
    let url = format!("https://localhost:{port}/down");
    https::get_with(&mut lp, url.as_str(), &config, Recorder::new(&log).then(post)).unwrap();
    lp.run().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(
        *log.borrow(),
        [
            format!("200 GET /down TLSv1.3 host=localhost:{port} body= reused=false"),
            format!("200 PUT /up TLSv1.3 host=localhost:{port} body=data reused=true"),
        ]
    );
}
