//! Our TLS server and client against real peers on loopback: OpenSSL's `s_client` and `s_server`,
//! and Node's `tls` module as client and server, with and without client certificates.
//!
//! The peer runs as a child process, killed when its guard drops; our side runs on the test's
//! loop. Nothing waits by sleeping: the tests proceed on loop events and on lines the peers print,
//! and every wait has a deadline. The PEMs are written under the system's temporary directory.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use common::Pki;
use netcore::EventLoop;
use netcore_tcp::{ServerId, Socket, SocketHandler, SocketId};
use netcore_tls::{ClientConfig, Error, ServerConfig, TlsServerHandler, TlsSession, Version};

/// How long any one wait for a peer may take.
const DEADLINE: Duration = Duration::from_secs(15);

/// A directory with the test PKI's PEMs, removed when dropped.
struct PemDir(PathBuf);

impl PemDir {
    fn new(pki: &Pki, test: &str) -> PemDir {
        let dir = std::env::temp_dir().join(format!("netcore-tls-interop-{}-{test}", std::process::id()));
        PemDir(pki.write_to(&dir))
    }

    fn file(&self, name: &str) -> String {
        self.0.join(name).display().to_string()
    }
}

impl Drop for PemDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A peer process: its stdout comes line by line; killed when dropped.
struct Peer {
    name: String,
    child: Child,
    lines: Receiver<String>,
    stderr: Option<JoinHandle<String>>,
    /// Every line read so far.
    seen: Vec<String>,
}

impl Peer {
    fn spawn(program: &str, args: &[&str]) -> Peer {
        let mut child = Command::new(program)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {program} (is it installed? .ci/run installs it): {e}"));
        let stdout = child.stdout.take().unwrap();
        let mut stderr = child.stderr.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = stderr.read_to_string(&mut s);
            s
        });
        Peer { name: program.to_string(), child, lines, stderr: Some(stderr), seen: Vec::new() }
    }

    fn stdin(&mut self) -> &mut ChildStdin {
        self.child.stdin.as_mut().unwrap()
    }

    /// Reads lines until one satisfies `want`, and returns it.
    fn wait_for(&mut self, what: &str, want: impl Fn(&str) -> bool) -> String {
        let until = Instant::now() + DEADLINE;
        loop {
            let left = until.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if want(&line) {
                        return line;
                    }
                }
                Err(e) => {
                    let _ = self.child.kill();
                    let stderr = self.stderr.take().and_then(|h| h.join().ok()).unwrap_or_default();
                    panic!(
                        "{} never printed {what} ({e:?}); stdout: {:#?}\nstderr: {stderr}",
                        self.name, self.seen
                    );
                }
            }
        }
    }

    /// Closes its stdin, reads its stdout to the end and waits for it to exit; returns its stderr.
    fn finish(&mut self) -> String {
        drop(self.child.stdin.take());
        let until = Instant::now() + DEADLINE;
        loop {
            match self.lines.recv_timeout(until.saturating_duration_since(Instant::now())) {
                Ok(line) => self.seen.push(line),
                Err(RecvTimeoutError::Disconnected) => break,
                Err(RecvTimeoutError::Timeout) => panic!("{} did not exit: {:#?}", self.name, self.seen),
            }
        }
        let status = self.child.wait().unwrap();
        let stderr = self.stderr.take().and_then(|h| h.join().ok()).unwrap_or_default();
        assert!(
            status.success(),
            "{} exited with {status}; stdout: {:#?}\nstderr: {stderr}",
            self.name,
            self.seen
        );
        stderr
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A free port for a peer that needs to be told one (`s_server -accept`).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// What our side saw, kept in the loop.
#[derive(Default, Debug)]
struct Log {
    /// `on_secure` / `secureConnection`: "TLSv1.3 alpn=Some(..) cn=Some(..)".
    secure: Vec<String>,
    data: Vec<u8>,
    errors: Vec<String>,
    ended: bool,
}

fn log(lp: &mut EventLoop) -> &mut Log {
    lp.state_or_default::<Log>()
}

fn watchdog(lp: &mut EventLoop) {
    let t = lp.set_timeout(Duration::from_secs(30), |_| panic!("test loop ran 30 s"));
    lp.unref_timer(t);
}

fn describe(session: &TlsSession) -> String {
    let cn = session.peer_certificate().and_then(|c| c.subject.get("CN").map(str::to_string));
    let alpn = session.alpn_protocol().map(|p| String::from_utf8_lossy(p).into_owned());
    format!("{} alpn={alpn:?} cn={cn:?}", session.protocol().map_or("?", Version::name))
}

fn error_line(e: &netcore_tcp::Error) -> String {
    format!("{} {:?}", e.code(), Error::from_socket(e))
}

/// Our echo server: records each secured connection and every error.
struct EchoServer;

impl TlsServerHandler for EchoServer {
    type Connection = Echo;
    fn on_secure_connection(&mut self, s: &mut Socket<'_>) -> Echo {
        let line = describe(s.layer::<TlsSession>().expect("tls session"));
        log(s.lp()).secure.push(line);
        Echo
    }
    fn on_tls_client_error(&mut self, lp: &mut EventLoop, _socket: SocketId, error: &netcore_tcp::Error) {
        log(lp).errors.push(format!("tlsClientError {}", error_line(error)));
    }
}

struct Echo;

impl SocketHandler for Echo {
    fn on_data(&mut self, s: &mut Socket<'_>, data: &[u8]) {
        log(s.lp()).data.extend_from_slice(data);
        s.write(data);
    }
    fn on_end(&mut self, s: &mut Socket<'_>) {
        log(s.lp()).ended = true;
    }
    fn on_error(&mut self, s: &mut Socket<'_>, e: &netcore_tcp::Error) {
        log(s.lp()).errors.push(error_line(e));
    }
}

/// The server the loop closes when the peer is done.
struct Serving(ServerId);

/// Serves TLS with `config` on the test's loop while `peer` (on its own thread, given our port)
/// talks to it; the server closes once `peer` returns. Returns what `peer` returned and the log.
fn serve_while<T: Send + 'static>(
    config: &ServerConfig,
    peer: impl FnOnce(u16) -> T + Send + 'static,
) -> (T, Log) {
    let mut lp = EventLoop::new().unwrap();
    watchdog(&mut lp);
    let srv = netcore_tls::listen(&mut lp, "127.0.0.1:0", config, EchoServer).unwrap();
    let port = srv.address(&lp).unwrap().port().unwrap();
    lp.set_state(Serving(srv));
    let remote = lp.remote();
    let talk = std::thread::spawn(move || {
        let result = catch_unwind(AssertUnwindSafe(|| peer(port)));
        // Whatever happened, the loop ends: the server closes after its last connection.
        let _ = remote.post(|lp| {
            if let Some(Serving(srv)) = lp.take_state::<Serving>() {
                srv.close(lp);
            }
        });
        result
    });
    lp.run().unwrap();
    let result = talk.join().unwrap().unwrap_or_else(|panic| resume_unwind(panic));
    (result, lp.take_state::<Log>().unwrap_or_default())
}

/// Our client: sends `message` once secure, ends once a whole line came back.
struct LineClient {
    message: &'static [u8],
}

impl SocketHandler for LineClient {
    fn on_secure(&mut self, s: &mut Socket<'_>) {
        let line = describe(s.layer::<TlsSession>().expect("tls session"));
        log(s.lp()).secure.push(line);
        s.write(self.message);
    }
    fn on_data(&mut self, s: &mut Socket<'_>, data: &[u8]) {
        let l = log(s.lp());
        l.data.extend_from_slice(data);
        if l.data.ends_with(b"\n") {
            s.end();
        }
    }
    fn on_end(&mut self, s: &mut Socket<'_>) {
        log(s.lp()).ended = true;
    }
    fn on_error(&mut self, s: &mut Socket<'_>, e: &netcore_tcp::Error) {
        log(s.lp()).errors.push(error_line(e));
    }
}

/// Runs our client with `config` against a peer listening on `port` until the client closes.
fn connect_to(port: u16, config: &ClientConfig, message: &'static [u8]) -> Log {
    let mut lp = EventLoop::new().unwrap();
    watchdog(&mut lp);
    netcore_tls::connect(&mut lp, &format!("127.0.0.1:{port}"), config, LineClient { message });
    lp.run().unwrap();
    lp.take_state::<Log>().unwrap_or_default()
}

fn alpn_server(pki: &Pki, edit: impl FnOnce(&mut netcore_tls::ServerOptions)) -> ServerConfig {
    let mut o = pki.server_options();
    o.alpn_protocols = vec![b"netcore".to_vec()];
    edit(&mut o);
    o.build().unwrap()
}

fn alpn_client(pki: &Pki, edit: impl FnOnce(&mut netcore_tls::ClientOptions)) -> ClientConfig {
    let mut o = pki.client_options();
    o.alpn_protocols = vec![b"netcore".to_vec()];
    o.server_name = Some("localhost".into());
    edit(&mut o);
    o.build().unwrap()
}

#[test]
fn openssl_s_client_against_our_server() {
    let pki = Pki::new();
    let pems = PemDir::new(&pki, "s_client");
    let ca = pems.file("ca.pem");
    let (lines, log) = serve_while(&alpn_server(&pki, |_| {}), move |port| {
        let connect = format!("127.0.0.1:{port}");
        let args = [
            "s_client",
            "-connect",
            &connect,
            "-CAfile",
            &ca,
            "-servername",
            "localhost",
            "-alpn",
            "netcore",
        ];
        let mut peer = Peer::spawn("openssl", &args);
        // Not a line s_client reads as a command (Q, R, k, K).
        peer.stdin().write_all(b"hello from openssl\n").unwrap();
        peer.wait_for("the echo", |l| l == "hello from openssl");
        // End of input: s_client sends close_notify and exits.
        peer.finish();
        peer.seen.clone()
    });
    let has = |s: &str| lines.iter().any(|l| l.trim() == s);
    assert!(has("ALPN protocol: netcore"), "{lines:#?}");
    assert!(has("Verify return code: 0 (ok)"), "{lines:#?}");
    assert!(lines.iter().any(|l| l.starts_with("New, TLSv1.3, Cipher is ")), "{lines:#?}");
    assert_eq!(log.secure, ["TLSv1.3 alpn=Some(\"netcore\") cn=None"]);
    assert_eq!(log.data, b"hello from openssl\n");
    assert_eq!(log.errors, Vec::<String>::new());
    assert!(log.ended, "s_client's close_notify is a clean end");
}

#[test]
fn our_client_against_openssl_s_server() {
    let pki = Pki::new();
    let pems = PemDir::new(&pki, "s_server");
    let port = free_port();
    let accept = format!("127.0.0.1:{port}");
    let (cert, key) = (pems.file("server.pem"), pems.file("server.key"));
    // -rev: a line comes back reversed; -naccept 1: exit after our connection.
    let args = [
        "s_server", "-accept", &accept, "-cert", &cert, "-key", &key, "-alpn", "netcore", "-rev", "-naccept",
        "1",
    ];
    let mut peer = Peer::spawn("openssl", &args);
    peer.wait_for("ACCEPT", |l| l == "ACCEPT");
    let log = connect_to(port, &alpn_client(&pki, |_| {}), b"hello netcore\n");
    assert_eq!(log.secure, ["TLSv1.3 alpn=Some(\"netcore\") cn=Some(\"netcore test server\")"]);
    assert_eq!(log.data, b"erocten olleh\n");
    assert_eq!(log.errors, Vec::<String>::new());
    peer.finish();
    assert!(peer.seen.iter().any(|l| l == "ALPN protocols selected: netcore"), "{:#?}", peer.seen);
}

#[test]
fn our_client_against_openssl_s_server_over_tls12() {
    let pki = Pki::new();
    let pems = PemDir::new(&pki, "s_server12");
    let port = free_port();
    let accept = format!("127.0.0.1:{port}");
    let (cert, key) = (pems.file("server.pem"), pems.file("server.key"));
    let args = [
        "s_server", "-accept", &accept, "-cert", &cert, "-key", &key, "-alpn", "netcore", "-rev", "-naccept",
        "1", "-tls1_2",
    ];
    let mut peer = Peer::spawn("openssl", &args);
    peer.wait_for("ACCEPT", |l| l == "ACCEPT");
    let log = connect_to(port, &alpn_client(&pki, |_| {}), b"twelve\n");
    assert_eq!(log.secure, ["TLSv1.2 alpn=Some(\"netcore\") cn=Some(\"netcore test server\")"]);
    assert_eq!(log.data, b"evlewt\n");
    assert_eq!(log.errors, Vec::<String>::new());
    peer.finish();
}

/// Node's `tls.connect` to 127.0.0.1:PORT as `localhost`, trusting DIR/ca.pem; with `mtls`, it
/// presents DIR/client.pem. Prints what it negotiated, the echo of its line, and its events.
const NODE_CLIENT: &str = r#"
const tls = require('tls'), fs = require('fs'), path = require('path');
const [port, dir, mode] = process.argv.slice(1);
const read = (f) => fs.readFileSync(path.join(dir, f));
const opts = { host: '127.0.0.1', port: +port, servername: 'localhost', ca: read('ca.pem'), ALPNProtocols: ['netcore'] };
if (mode === 'mtls') Object.assign(opts, { key: read('client.key'), cert: read('client.pem') });
const s = tls.connect(opts, () => {
  const cn = s.getPeerCertificate().subject.CN;
  console.log(`secure ${s.getProtocol()} alpn=${s.alpnProtocol} authorized=${s.authorized} cn=${cn}`);
  s.write('hello from node\n');
});
let got = '';
s.setEncoding('utf8');
s.on('data', (d) => { got += d; if (got.endsWith('\n')) { console.log('echo ' + got.trim()); s.end(); } });
s.on('end', () => console.log('end'));
s.on('error', (e) => console.log('error ' + e.code));
s.on('close', () => console.log('close'));
"#;

/// Node's `tls.createServer` with DIR/server.pem on 127.0.0.1, port 0; with `mtls`, it requires a
/// client certificate from DIR/ca.pem. Echoes its one connection, prints what it negotiated and
/// its events, and exits when the connection closes or fails its handshake.
const NODE_SERVER: &str = r#"
const tls = require('tls'), fs = require('fs'), path = require('path');
const [dir, mode] = process.argv.slice(1);
const read = (f) => fs.readFileSync(path.join(dir, f));
const opts = { key: read('server.key'), cert: read('server.pem'), ALPNProtocols: ['netcore'] };
if (mode === 'mtls') Object.assign(opts, { requestCert: true, rejectUnauthorized: true, ca: read('ca.pem') });
const server = tls.createServer(opts, (s) => {
  const peer = s.getPeerCertificate();
  const cn = peer && peer.subject ? peer.subject.CN : '';
  console.log(`secure ${s.getProtocol()} alpn=${s.alpnProtocol} authorized=${s.authorized} cn=${cn}`);
  s.pipe(s);
  s.on('end', () => console.log('end'));
  s.on('error', (e) => console.log('error ' + e.code));
  s.on('close', () => { console.log('close'); server.close(); });
});
server.on('tlsClientError', (e) => { console.log('tlsClientError ' + e.code); server.close(); });
server.listen(0, '127.0.0.1', () => console.log('listening on ' + server.address().port));
"#;

/// Node's client (`mode` "mtls" presents a certificate) against our echo server with `config`;
/// returns Node's lines and our log.
fn node_client(pki: &Pki, test: &str, mode: &str, config: &ServerConfig) -> (Vec<String>, Log) {
    let pems = PemDir::new(pki, test);
    let dir = pems.0.display().to_string();
    let mode = mode.to_string();
    serve_while(config, move |port| {
        let mut peer = Peer::spawn("node", &["-e", NODE_CLIENT, &port.to_string(), &dir, &mode]);
        peer.wait_for("close", |l| l == "close");
        peer.finish();
        peer.seen.clone()
    })
}

/// Node's server (`mode` "mtls" requires a client certificate) against our client with
/// `config`; returns Node's lines and our log.
fn node_server(pki: &Pki, test: &str, mode: &str, config: &ClientConfig) -> (Vec<String>, Log) {
    let pems = PemDir::new(pki, test);
    let dir = pems.0.display().to_string();
    let mut peer = Peer::spawn("node", &["-e", NODE_SERVER, &dir, mode]);
    let listening = peer.wait_for("listening on PORT", |l| l.starts_with("listening on "));
    let port = listening.rsplit_once(' ').unwrap().1.parse().unwrap();
    let log = connect_to(port, config, b"hello from netcore\n");
    peer.wait_for("close", |l| l == "close" || l.starts_with("tlsClientError "));
    peer.finish();
    (peer.seen[1..].to_vec(), log)
}

#[test]
fn node_client_against_our_server() {
    let pki = Pki::new();
    let (lines, log) = node_client(&pki, "node_client", "", &alpn_server(&pki, |_| {}));
    assert_eq!(
        lines,
        [
            "secure TLSv1.3 alpn=netcore authorized=true cn=netcore test server",
            "echo hello from node",
            "end",
            "close"
        ]
    );
    assert_eq!(log.secure, ["TLSv1.3 alpn=Some(\"netcore\") cn=None"]);
    assert_eq!(log.data, b"hello from node\n");
    assert_eq!(log.errors, Vec::<String>::new());
    assert!(log.ended, "Node's end() sends close_notify: a clean end");
}

#[test]
fn node_client_with_a_certificate_against_our_mutual_tls_server() {
    let pki = Pki::new();
    let config = alpn_server(&pki, |o| {
        o.request_cert = true;
        o.reject_unauthorized = true;
        o.ca = vec![pki.ca.der.clone()];
    });
    let (lines, log) = node_client(&pki, "node_client_mtls", "mtls", &config);
    assert_eq!(lines[0], "secure TLSv1.3 alpn=netcore authorized=true cn=netcore test server");
    assert_eq!(lines[1..], ["echo hello from node", "end", "close"]);
    assert_eq!(log.secure, ["TLSv1.3 alpn=Some(\"netcore\") cn=Some(\"netcore test client\")"]);
    assert_eq!(log.data, b"hello from node\n");
    assert_eq!(log.errors, Vec::<String>::new());
}

#[test]
fn our_client_against_a_node_server() {
    let pki = Pki::new();
    let (lines, log) = node_server(&pki, "node_server", "", &alpn_client(&pki, |_| {}));
    assert_eq!(lines, ["secure TLSv1.3 alpn=netcore authorized=false cn=", "end", "close"]);
    assert_eq!(log.secure, ["TLSv1.3 alpn=Some(\"netcore\") cn=Some(\"netcore test server\")"]);
    assert_eq!(log.data, b"hello from netcore\n");
    assert_eq!(log.errors, Vec::<String>::new());
    assert!(log.ended, "Node's end sends close_notify: a clean end");
}

#[test]
fn our_client_with_a_certificate_against_a_node_mutual_tls_server() {
    let pki = Pki::new();
    let config = alpn_client(&pki, |o| o.identity = Some(pki.client.identity()));
    let (lines, log) = node_server(&pki, "node_server_mtls", "mtls", &config);
    assert_eq!(lines, ["secure TLSv1.3 alpn=netcore authorized=true cn=netcore test client", "end", "close"]);
    assert_eq!(log.data, b"hello from netcore\n");
    assert_eq!(log.errors, Vec::<String>::new());
}

#[test]
fn our_client_without_a_certificate_is_refused_by_a_node_mutual_tls_server() {
    let pki = Pki::new();
    let (lines, log) = node_server(&pki, "node_server_refuses", "mtls", &alpn_client(&pki, |_| {}));
    // OpenSSL refuses in TLS 1.3 after our Finished: we learn it from its alert.
    assert_eq!(lines, ["tlsClientError ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE"]);
    assert_eq!(log.errors.len(), 1, "{log:?}");
    assert!(log.errors[0].starts_with("ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED "), "{log:?}");
    assert!(log.data.is_empty());
}
