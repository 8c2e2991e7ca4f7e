//! Our TLS server and client against real peers on loopback: OpenSSL's `s_client` and `s_server`,
//! and Node's `tls` module as client and server: handshakes, ALPN, mutual TLS, SNI picking,
//! resumption as each side observes it, STARTTLS, close_notify and truncation.
//!
//! The peer runs as a child process, killed when its guard drops; our side runs on the test's
//! loop. Nothing waits by sleeping: the tests proceed on loop events and on lines the peers print,
//! and every wait has a deadline. The PEMs are written under the system's temporary directory.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use std::io::Write;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use common::{Leaf, Pki, StartTls};
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

    /// Adds `leaf` as NAME.pem and NAME.key (the SNI certificates).
    fn add(&self, name: &str, leaf: &Leaf) {
        std::fs::write(self.0.join(format!("{name}.pem")), &leaf.cert_pem).unwrap();
        std::fs::write(self.0.join(format!("{name}.key")), &leaf.key_pem).unwrap();
    }

    fn path(&self) -> String {
        self.0.display().to_string()
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
        let (lines, stderr) = netcore_testkit::read_output(&mut child);
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

    /// Reads its stdout to the end and waits for it to exit on its own, its stdin still open;
    /// returns how it exited and its stderr.
    fn wait_exit(&mut self) -> (ExitStatus, String) {
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
        (status, stderr)
    }

    /// Closes its stdin, reads its stdout to the end and waits for it to exit; returns its stderr.
    fn finish(&mut self) -> String {
        drop(self.child.stdin.take());
        let (status, stderr) = self.wait_exit();
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

/// Starts `openssl s_server` on 127.0.0.1, a port of its choosing, with `args` added; returns it
/// and its port once it accepts. (Asked for port 0, it prints `ACCEPT 127.0.0.1:PORT`: no port
/// probed beforehand that someone else could take in between.)
fn s_server(args: &[&str]) -> (Peer, u16) {
    let mut all = vec!["s_server", "-accept", "127.0.0.1:0"];
    all.extend_from_slice(args);
    let mut peer = Peer::spawn("openssl", &all);
    let accept = peer.wait_for("ACCEPT 127.0.0.1:PORT", |l| l.starts_with("ACCEPT "));
    let port = accept.rsplit_once(':').and_then(|(_, p)| p.parse().ok());
    (peer, port.unwrap_or_else(|| panic!("no port in {accept:?}")))
}

/// What our side saw, kept in the loop.
#[derive(Default, Debug)]
struct Log {
    /// `on_secure` / `secureConnection`: "TLSv1.3 alpn=Some(..) cn=Some(..)".
    secure: Vec<String>,
    /// Servers: the SNI of each secured connection.
    sni: Vec<Option<String>>,
    /// `isSessionReused()` of each secured connection.
    reused: Vec<bool>,
    data: Vec<u8>,
    errors: Vec<String>,
    ended: bool,
}

fn log(lp: &mut EventLoop) -> &mut Log {
    lp.state_or_default::<Log>()
}

fn describe(session: &TlsSession) -> String {
    let cn = session.peer_certificate().and_then(|c| c.subject.get("CN").map(str::to_string));
    let alpn = session.alpn_protocol().map(|p| String::from_utf8_lossy(p).into_owned());
    format!("{} alpn={alpn:?} cn={cn:?}", session.protocol().map_or("?", Version::name))
}

fn error_line(e: &netcore_tcp::Error) -> String {
    format!("{} {:?}", e.code(), Error::from_socket(e))
}

/// Records a secured connection: what it negotiated, its SNI if a server, whether it resumed.
fn record_secure(s: &mut Socket<'_>) {
    let session = s.layer::<TlsSession>().expect("tls session");
    let line = describe(session);
    let sni = session.is_server().then(|| session.server_name().map(str::to_string)).flatten();
    let (server, reused) = (session.is_server(), session.is_session_reused());
    let l = log(s.lp());
    l.secure.push(line);
    if server {
        l.sni.push(sni);
    }
    l.reused.push(reused);
}

/// What our server does once a whole line came in.
#[derive(Clone, Copy)]
enum Serve {
    /// Echoes it and goes on.
    Echo,
    /// Echoes it and ends: close_notify, then FIN.
    EchoThenEnd,
    /// Echoes it and destroys the socket: FIN without close_notify.
    EchoThenDestroy,
}

/// Our echo server: records each secured connection and every error.
struct EchoServer(Serve);

impl TlsServerHandler for EchoServer {
    type Connection = Echo;
    fn on_secure_connection(&mut self, s: &mut Socket<'_>) -> Echo {
        record_secure(s);
        Echo(self.0)
    }
    fn on_tls_client_error(&mut self, lp: &mut EventLoop, _socket: SocketId, error: &netcore_tcp::Error) {
        log(lp).errors.push(format!("tlsClientError {}", error_line(error)));
    }
}

struct Echo(Serve);

impl SocketHandler for Echo {
    /// Only on a connection upgraded with STARTTLS: [`EchoServer`] gets a TLS server's
    /// connections once they are secure already, and records them then.
    fn on_secure(&mut self, s: &mut Socket<'_>) {
        record_secure(s);
    }
    fn on_data(&mut self, s: &mut Socket<'_>, data: &[u8]) {
        log(s.lp()).data.extend_from_slice(data);
        s.write(data);
        if data.ends_with(b"\n") {
            match self.0 {
                Serve::Echo => {}
                Serve::EchoThenEnd => s.end(),
                Serve::EchoThenDestroy => s.destroy(),
            }
        }
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
    serving(config, Serve::Echo, peer)
}

/// [`serve_while`], the server doing as `serve` says.
fn serving<T: Send + 'static>(
    config: &ServerConfig,
    serve: Serve,
    peer: impl FnOnce(u16) -> T + Send + 'static,
) -> (T, Log) {
    let config = config.clone();
    serve_with(move |lp| netcore_tls::listen(lp, "127.0.0.1:0", &config, EchoServer(serve)).unwrap(), peer)
}

/// Runs the server `listen` starts on the test's loop while `peer` talks to it, as
/// [`serve_while`] does.
fn serve_with<T: Send + 'static>(
    listen: impl FnOnce(&mut EventLoop) -> ServerId,
    peer: impl FnOnce(u16) -> T + Send + 'static,
) -> (T, Log) {
    let mut lp = common::test_loop();
    let srv = listen(&mut lp);
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
        record_secure(s);
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

/// Runs the client `connect` starts on a loop of its own until the loop ends; returns the log.
fn run_client(connect: impl FnOnce(&mut EventLoop)) -> Log {
    let mut lp = common::test_loop();
    connect(&mut lp);
    lp.run().unwrap();
    lp.take_state::<Log>().unwrap_or_default()
}

/// Runs our client with `config` against a peer listening on `port` until the client closes.
fn connect_to(port: u16, config: &ClientConfig, message: &'static [u8]) -> Log {
    run_client(|lp| {
        netcore_tls::connect(lp, &format!("127.0.0.1:{port}"), config, LineClient { message });
    })
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
        s_client_echo(port, &ca, &["-servername", "localhost", "-alpn", "netcore"])
    });
    let has = |s: &str| lines.iter().any(|l| l.trim() == s);
    assert!(has("ALPN protocol: netcore"), "{lines:#?}");
    assert!(has("Verify return code: 0 (ok)"), "{lines:#?}");
    // OpenSSL offers AES-256 first; our server's order picks AES-128 (`honor_cipher_order`).
    assert!(lines.iter().any(|l| l == "New, TLSv1.3, Cipher is TLS_AES_128_GCM_SHA256"), "{lines:#?}");
    assert_eq!(log.secure, ["TLSv1.3 alpn=Some(\"netcore\") cn=None"]);
    assert_eq!(log.data, b"hello from openssl\n");
    assert_eq!(log.errors, Vec::<String>::new());
    assert!(log.ended, "s_client's close_notify is a clean end");
}

/// Our ALPN client sends `line` to `openssl s_server -alpn netcore` with the test's server
/// certificate and `args` added, for one connection; s_server sends the line back reversed.
/// Returns our log and what s_server printed until it exited.
fn against_rev_s_server(test: &str, args: &[&str], line: &'static [u8]) -> (Log, Vec<String>) {
    let pki = Pki::new();
    let pems = PemDir::new(&pki, test);
    let (cert, key) = (pems.file("server.pem"), pems.file("server.key"));
    // -rev: a line comes back reversed; -naccept 1: exit after our connection.
    let rev = ["-cert", &cert, "-key", &key, "-alpn", "netcore", "-rev", "-naccept", "1"];
    let (mut peer, port) = s_server(&[&rev[..], args].concat());
    let log = connect_to(port, &alpn_client(&pki, |_| {}), line);
    peer.finish();
    (log, peer.seen.clone())
}

#[test]
fn our_client_against_openssl_s_server() {
    let (log, lines) = against_rev_s_server("s_server", &[], b"hello netcore\n");
    assert_eq!(log.secure, ["TLSv1.3 alpn=Some(\"netcore\") cn=Some(\"netcore test server\")"]);
    assert_eq!(log.data, b"erocten olleh\n");
    assert_eq!(log.errors, Vec::<String>::new());
    assert!(lines.iter().any(|l| l == "ALPN protocols selected: netcore"), "{lines:#?}");
}

#[test]
fn our_client_against_openssl_s_server_over_tls12() {
    let (log, _) = against_rev_s_server("s_server12", &["-tls1_2"], b"twelve\n");
    assert_eq!(log.secure, ["TLSv1.2 alpn=Some(\"netcore\") cn=Some(\"netcore test server\")"]);
    assert_eq!(log.data, b"evlewt\n");
    assert_eq!(log.errors, Vec::<String>::new());
}

/// What every Node script here starts with: `report(s, then)` prints a socket's `end`,
/// `error CODE` and `close` events, running `then` after `close`; `endAfterEcho(s)` reads back
/// the line written to `s`, prints `echo LINE` and ends.
const NODE_PRELUDE: &str = r#"
const report = (s, then = () => {}) => {
  s.on('end', () => console.log('end'));
  s.on('error', (e) => console.log('error ' + e.code));
  s.on('close', () => { console.log('close'); then(); });
};
const endAfterEcho = (s) => {
  let got = '';
  s.setEncoding('utf8');
  s.on('data', (d) => { got += d; if (got.endsWith('\n')) { console.log('echo ' + got.trim()); s.end(); } });
};
"#;

/// Starts Node on `script`, after [`NODE_PRELUDE`], with `args`.
fn node(script: &str, args: &[&str]) -> Peer {
    let script = format!("{NODE_PRELUDE}{script}");
    Peer::spawn("node", &[&["-e", script.as_str()][..], args].concat())
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
endAfterEcho(s);
report(s);
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
  report(s, () => server.close());
});
server.on('tlsClientError', (e) => { console.log('tlsClientError ' + e.code); server.close(); });
server.listen(0, '127.0.0.1', () => console.log('listening on ' + server.address().port));
"#;

/// Node's client (`mode` "mtls" presents a certificate) against our echo server with `config`;
/// returns Node's lines and our log.
fn node_client(pki: &Pki, test: &str, mode: &str, config: &ServerConfig) -> (Vec<String>, Log) {
    let pems = PemDir::new(pki, test);
    let (dir, mode) = (pems.path(), mode.to_string());
    serve_while(config, move |port| {
        let mut peer = node(NODE_CLIENT, &[&port.to_string(), &dir, &mode]);
        peer.wait_for("close", |l| l == "close");
        peer.finish();
        peer.seen.clone()
    })
}

/// Node's server (`mode` "mtls" requires a client certificate) against our client with
/// `config`; returns Node's lines and our log.
fn node_server(pki: &Pki, test: &str, mode: &str, config: &ClientConfig) -> (Vec<String>, Log) {
    let pems = PemDir::new(pki, test);
    let mut peer = node(NODE_SERVER, &[&pems.path(), mode]);
    let port = listening_port(&mut peer);
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
    let config = alpn_server(&pki, |o| pki.request_client_cert(o, true));
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

/// `openssl s_client` to our echo server on 127.0.0.1:PORT, trusting `ca`, with `args` added:
/// sends a line and reads its echo (and, before it, any session tickets). Returns it running.
fn s_client_hello(port: u16, ca: &str, args: &[&str]) -> Peer {
    let connect = format!("127.0.0.1:{port}");
    let mut all = vec!["s_client", "-connect", connect.as_str(), "-CAfile", ca];
    all.extend_from_slice(args);
    let mut peer = Peer::spawn("openssl", &all);
    // Not a line s_client reads as a command (Q, R, k, K).
    peer.stdin().write_all(b"hello from openssl\n").unwrap();
    peer.wait_for("the echo", |l| l == "hello from openssl");
    peer
}

/// [`s_client_hello`], then closes its stdin, on which s_client sends close_notify and exits.
/// Returns what it printed.
fn s_client_echo(port: u16, ca: &str, args: &[&str]) -> Vec<String> {
    let mut peer = s_client_hello(port, ca, args);
    peer.finish();
    peer.seen.clone()
}

/// The first of `lines` that starts with `prefix` (once trimmed).
fn line_with<'a>(lines: &'a [String], prefix: &str) -> &'a str {
    let mut trimmed = lines.iter().map(|l| l.trim());
    trimmed.find(|l| l.starts_with(prefix)).unwrap_or_else(|| panic!("no {prefix:?} in {lines:#?}"))
}

/// Node's `tls.connect` to 127.0.0.1:PORT, COUNT times in sequence, as SERVERNAME, trusting
/// DIR/ca.pem; each connection after the first offers the session the one before received
/// (`{session}`). Each sends a line; once it came back (and, if another connection follows, a
/// session arrived) the client ends, unless MODE is `wait`: then it waits for the server to end.
const NODE_SESSIONS_CLIENT: &str = r#"
const tls = require('tls'), fs = require('fs'), path = require('path');
const [port, dir, servername, count, mode] = process.argv.slice(1);
const ca = fs.readFileSync(path.join(dir, 'ca.pem'));
let session;
function connect(left) {
  const s = tls.connect({ host: '127.0.0.1', port: +port, servername, ca, session }, () => {
    // Empty ({}) on a resumed session: Node keeps no peer chain in a session it resumes.
    const cn = (s.getPeerCertificate().subject || {}).CN;
    console.log(`secure ${s.getProtocol()} cn=${cn} authorized=${s.authorized} reused=${s.isSessionReused()}`);
    s.write('hello from node\n');
  });
  let got = '', fresh = false, ended = false;
  const done = () => {
    if (ended || mode === 'wait' || !got.endsWith('\n') || (left > 1 && !fresh)) return;
    ended = true;
    s.end();
  };
  s.on('session', (t) => { session = t; fresh = true; done(); });
  s.setEncoding('utf8');
  s.on('data', (d) => { got += d; if (got.endsWith('\n')) console.log('echo ' + got.trim()); done(); });
  report(s, () => { if (left > 1) connect(left - 1); });
}
connect(+count);
"#;

/// Runs [`NODE_SESSIONS_CLIENT`] against our server on `port`; returns what it printed.
fn node_sessions_client(port: u16, dir: &str, servername: &str, count: usize, mode: &str) -> Vec<String> {
    let (port, count) = (port.to_string(), count.to_string());
    let mut peer = node(NODE_SESSIONS_CLIENT, &[&port, dir, servername, &count, mode]);
    peer.finish();
    peer.seen.clone()
}

/// Node's `tls.createServer` with DIR/server.pem, and DIR/a.pem for `a.test`
/// (`server.addContext`), on 127.0.0.1, port 0; exits after COUNT connections closed. MODE
/// `echo` echoes; `end` answers the client's first data with `bye` and `end()`; `destroy` writes
/// `bye` and, once written, `destroy()`s: TCP closes without close_notify.
const NODE_SESSIONS_SERVER: &str = r#"
const tls = require('tls'), fs = require('fs'), path = require('path');
const [dir, mode, count] = process.argv.slice(1);
const read = (f) => fs.readFileSync(path.join(dir, f));
let closed = 0;
const server = tls.createServer({ key: read('server.key'), cert: read('server.pem') }, (s) => {
  console.log(`secure ${s.getProtocol()} servername=${s.servername} reused=${s.isSessionReused()}`);
  // Not right in this listener: in TLS 1.3 an end() here sends data, then OpenSSL's session
  // tickets, then FIN without close_notify. After the client's data it is a clean close.
  if (mode === 'echo') s.pipe(s);
  else if (mode === 'end') s.once('data', () => s.end('bye'));
  else if (mode === 'destroy') s.once('data', () => s.write('bye', () => s.destroy()));
  report(s, () => { if (++closed === +count) server.close(); });
});
server.addContext('a.test', { key: read('a.key'), cert: read('a.pem') });
server.on('tlsClientError', (e) => { console.log('tlsClientError ' + e.code); server.close(); });
server.listen(0, '127.0.0.1', () => console.log('listening on ' + server.address().port));
"#;

/// The port a Node server printed in its `listening on PORT` line.
fn listening_port(peer: &mut Peer) -> u16 {
    let listening = peer.wait_for("listening on PORT", |l| l.starts_with("listening on "));
    listening.rsplit_once(' ').unwrap().1.parse().unwrap()
}

/// Runs [`NODE_SESSIONS_SERVER`] in `mode` while our client connects once per configuration,
/// one after the other, sending a line; returns what Node printed after listening, and our log
/// of each connection.
fn node_sessions_server(
    pki: &Pki,
    test: &str,
    mode: &str,
    configs: &[&ClientConfig],
) -> (Vec<String>, Vec<Log>) {
    let pems = PemDir::new(pki, test);
    pems.add("a", &pki.a);
    let count = configs.len().to_string();
    let mut peer = node(NODE_SESSIONS_SERVER, &[&pems.path(), mode, &count]);
    let port = listening_port(&mut peer);
    let logs = configs.iter().map(|c| connect_to(port, c, b"hello from netcore\n")).collect();
    peer.finish();
    (peer.seen[1..].to_vec(), logs)
}

fn named(pki: &Pki, name: &str) -> ClientConfig {
    let mut o = pki.client_options();
    o.server_name = Some(name.into());
    o.build().unwrap()
}

#[test]
fn our_server_picks_the_certificate_by_sni_for_openssl_and_node() {
    let pki = Pki::new();
    let pems = PemDir::new(&pki, "sni_server");
    let (ca, dir) = (pems.file("ca.pem"), pems.path());
    let mut o = pki.server_options();
    o.sni = vec![("a.test".into(), pki.a.identity()), ("b.test".into(), pki.b.identity())];
    let ((openssl, node), log) = serve_while(&o.build().unwrap(), move |port| {
        let names = ["a.test", "b.test", "localhost"];
        let openssl: Vec<_> = names.iter().map(|n| s_client_echo(port, &ca, &["-servername", n])).collect();
        (openssl, node_sessions_client(port, &dir, "b.test", 1, ""))
    });
    let subjects: Vec<_> = openssl.iter().map(|lines| line_with(lines, "subject=")).collect();
    assert_eq!(
        subjects,
        [
            "subject=CN = a.test, O = netcore",
            "subject=CN = b.test, O = netcore",
            "subject=CN = netcore test server, O = netcore"
        ]
    );
    for lines in &openssl {
        assert_eq!(line_with(lines, "Verify return code: "), "Verify return code: 0 (ok)");
    }
    // Node checks the name too: authorized means b.test's certificate was for b.test.
    assert_eq!(
        node,
        ["secure TLSv1.3 cn=b.test authorized=true reused=false", "echo hello from node", "end", "close"]
    );
    let sni: Vec<_> = log.sni.iter().map(Option::as_deref).collect();
    assert_eq!(sni, [Some("a.test"), Some("b.test"), Some("localhost"), Some("b.test")]);
    assert_eq!(log.errors, Vec::<String>::new());
}

#[test]
fn a_node_server_picks_its_context_by_our_clients_server_name() {
    let pki = Pki::new();
    let (lines, logs) = node_sessions_server(&pki, "sni_client", "echo", &[&named(&pki, "a.test")]);
    assert_eq!(lines, ["secure TLSv1.3 servername=a.test reused=false", "end", "close"]);
    let log = &logs[0];
    assert_eq!(log.secure, ["TLSv1.3 alpn=None cn=Some(\"a.test\")"]);
    assert_eq!(log.data, b"hello from netcore\n");
    assert_eq!(log.errors, Vec::<String>::new());
}

#[test]
fn openssl_s_client_resumes_with_our_server_over_tls13_and_tls12() {
    let pki = Pki::new();
    let pems = PemDir::new(&pki, "s_client_resume");
    let (ca, sess) = (pems.file("ca.pem"), pems.file("session.pem"));
    let (runs, log) = serve_while(&pki.server_config(), move |port| {
        let mut runs = Vec::new();
        for version in ["-tls1_3", "-tls1_2"] {
            let args = ["-servername", "localhost", version];
            // The first saves the session its tickets carry; the second offers it.
            let first = s_client_echo(port, &ca, &[&args[..], &["-sess_out", &sess]].concat());
            let second = s_client_echo(port, &ca, &[&args[..], &["-sess_in", &sess]].concat());
            runs.push((first, second));
        }
        runs
    });
    for ((first, second), version) in runs.iter().zip(["TLSv1.3", "TLSv1.2"]) {
        line_with(first, &format!("New, {version}, Cipher is "));
        line_with(second, &format!("Reused, {version}, Cipher is "));
    }
    assert_eq!(log.reused, [false, true, false, true]);
    let versions: Vec<_> = log.secure.iter().map(|l| l.split(' ').next().unwrap()).collect();
    assert_eq!(versions, ["TLSv1.3", "TLSv1.3", "TLSv1.2", "TLSv1.2"]);
    assert_eq!(log.errors, Vec::<String>::new());
}

#[test]
fn node_client_resumes_with_our_server() {
    let pki = Pki::new();
    let pems = PemDir::new(&pki, "node_client_resume");
    let dir = pems.path();
    let (lines, log) =
        serve_while(&pki.server_config(), move |port| node_sessions_client(port, &dir, "localhost", 2, ""));
    let secure: Vec<_> = lines.iter().filter(|l| l.starts_with("secure ")).collect();
    assert_eq!(
        secure,
        [
            "secure TLSv1.3 cn=netcore test server authorized=true reused=false",
            // Node's getPeerCertificate() of a resumed session is empty, whoever the server.
            "secure TLSv1.3 cn=undefined authorized=true reused=true"
        ]
    );
    assert_eq!(lines.iter().filter(|l| *l == "echo hello from node").count(), 2, "{lines:#?}");
    assert_eq!(log.reused, [false, true]);
    assert_eq!(log.errors, Vec::<String>::new());
}

#[test]
fn our_client_resumes_with_a_node_server() {
    let pki = Pki::new();
    // One configuration, so one session cache, for both connections.
    let config = named(&pki, "localhost");
    let (lines, logs) = node_sessions_server(&pki, "node_server_resume", "echo", &[&config, &config]);
    assert_eq!(
        lines,
        [
            "secure TLSv1.3 servername=localhost reused=false",
            "end",
            "close",
            "secure TLSv1.3 servername=localhost reused=true",
            "end",
            "close"
        ]
    );
    let reused: Vec<_> = logs.iter().map(|l| l.reused.clone()).collect();
    assert_eq!(reused, [[false], [true]]);
    // The resumed session still names the server.
    assert_eq!(logs[1].secure, ["TLSv1.3 alpn=None cn=Some(\"netcore test server\")"]);
    assert!(logs.iter().all(|l| l.errors.is_empty() && l.data == b"hello from netcore\n"), "{logs:?}");
}

const STARTTLS_LINE: &[u8] = b"hello after STARTTLS\n";

/// Node's plain `net.connect` to 127.0.0.1:PORT: sends `STARTTLS\r\n`, and on the reply wraps the
/// socket with `tls.connect({socket})` as `localhost`, trusting DIR/ca.pem; sends a line and
/// ends once it came back.
const NODE_STARTTLS_CLIENT: &str = r#"
const net = require('net'), tls = require('tls'), fs = require('fs'), path = require('path');
const [port, dir] = process.argv.slice(1);
const ca = fs.readFileSync(path.join(dir, 'ca.pem'));
const raw = net.connect(+port, '127.0.0.1', () => raw.write('STARTTLS\r\n'));
let reply = '';
const onReply = (d) => {
  reply += d;
  if (!reply.endsWith('\r\n')) return;
  console.log('reply ' + reply.trim());
  raw.removeListener('data', onReply);
  const s = tls.connect({ socket: raw, servername: 'localhost', ca }, () => {
    const cn = s.getPeerCertificate().subject.CN;
    console.log(`secure ${s.getProtocol()} authorized=${s.authorized} cn=${cn}`);
    s.write('hello after STARTTLS\n');
  });
  endAfterEcho(s);
  report(s);
};
raw.on('data', onReply);
"#;

/// Node's plain `net.createServer` on 127.0.0.1, port 0: on `STARTTLS\r\n` it answers `OK\r\n`
/// and wraps the socket with `new tls.TLSSocket(socket, {isServer: true})` presenting
/// DIR/server.pem, then echoes; exits when its one connection closes.
const NODE_STARTTLS_SERVER: &str = r#"
const net = require('net'), tls = require('tls'), fs = require('fs'), path = require('path');
const [dir] = process.argv.slice(1);
const read = (f) => fs.readFileSync(path.join(dir, f));
const server = net.createServer((raw) => {
  let command = '';
  const onCommand = (d) => {
    command += d;
    if (!command.endsWith('\r\n')) return;
    console.log('command ' + command.trim());
    raw.removeListener('data', onCommand);
    raw.write('OK\r\n');
    const s = new tls.TLSSocket(raw, { isServer: true, key: read('server.key'), cert: read('server.pem') });
    s.on('secure', () => console.log(`secure ${s.getProtocol()} servername=${s.servername}`));
    s.pipe(s);
    report(s, () => server.close());
  };
  raw.on('data', onCommand);
});
server.listen(0, '127.0.0.1', () => console.log('listening on ' + server.address().port));
"#;

#[test]
fn node_client_upgrades_with_starttls_to_our_server() {
    let pki = Pki::new();
    let pems = PemDir::new(&pki, "starttls_node_client");
    let (config, dir) = (pki.server_config(), pems.path());
    // Upgraded, it echoes as our TLS server does.
    let starttls = move |_: &mut Socket<'_>| StartTls::server(&config, Echo(Serve::Echo));
    let (lines, log) = serve_with(
        move |lp| netcore_tcp::listen(lp, "127.0.0.1:0", starttls).unwrap(),
        move |port| {
            let mut peer = node(NODE_STARTTLS_CLIENT, &[&port.to_string(), &dir]);
            peer.finish();
            peer.seen.clone()
        },
    );
    assert_eq!(
        lines,
        [
            "reply OK",
            "secure TLSv1.3 authorized=true cn=netcore test server",
            "echo hello after STARTTLS",
            "end",
            "close"
        ]
    );
    assert_eq!(log.secure, ["TLSv1.3 alpn=None cn=None"]);
    assert_eq!(log.sni, [Some("localhost".to_string())]);
    assert_eq!(log.data, STARTTLS_LINE);
    assert_eq!(log.errors, Vec::<String>::new());
    assert!(log.ended, "Node's end() after STARTTLS sends close_notify");
}

#[test]
fn our_client_upgrades_with_starttls_to_a_node_server() {
    let pki = Pki::new();
    let pems = PemDir::new(&pki, "starttls_node_server");
    let mut peer = node(NODE_STARTTLS_SERVER, &[&pems.path()]);
    let port = listening_port(&mut peer);
    let log = run_client(|lp| {
        // Upgraded, it sends [`STARTTLS_LINE`] once secure and ends once it came back.
        let client = StartTls::client(&pki.client_config(), LineClient { message: STARTTLS_LINE });
        netcore_tcp::connect(lp, &format!("127.0.0.1:{port}"), client);
    });
    peer.finish();
    assert_eq!(peer.seen[1..], ["command STARTTLS", "secure TLSv1.3 servername=localhost", "end", "close"]);
    assert_eq!(log.secure, ["TLSv1.3 alpn=None cn=Some(\"netcore test server\")"]);
    assert_eq!(log.data, STARTTLS_LINE);
    assert_eq!(log.errors, Vec::<String>::new());
    assert!(log.ended, "Node's end() on a TLSSocket it wrapped sends close_notify");
}

#[test]
fn a_node_server_that_ends_sends_close_notify() {
    let pki = Pki::new();
    let (lines, logs) = node_sessions_server(&pki, "node_server_end", "end", &[&pki.client_config()]);
    // Node's `end` is our close_notify answering its own.
    assert_eq!(lines, ["secure TLSv1.3 servername=false reused=false", "end", "close"]);
    let log = &logs[0];
    assert_eq!(log.data, b"bye");
    assert_eq!(log.errors, Vec::<String>::new());
    assert!(log.ended, "data, then a clean end");
}

#[test]
fn a_node_server_destroyed_without_close_notify_is_a_truncation() {
    let pki = Pki::new();
    let (lines, logs) = node_sessions_server(&pki, "node_server_destroy", "destroy", &[&pki.client_config()]);
    assert_eq!(lines, ["secure TLSv1.3 servername=false reused=false", "close"]);
    let log = &logs[0];
    // What came before the cut still arrived.
    assert_eq!(log.data, b"bye");
    assert_eq!(log.errors, ["ERR_SSL_UNEXPECTED_EOF_WHILE_READING Some(Truncated)"]);
    assert!(!log.ended);
}

#[test]
fn our_server_ending_sends_close_notify_to_openssl_and_node() {
    let pki = Pki::new();
    let pems = PemDir::new(&pki, "server_end");
    let (ca, dir) = (pems.file("ca.pem"), pems.path());
    let ((openssl, stderr, node), log) = serving(&pki.server_config(), Serve::EchoThenEnd, move |port| {
        let mut peer = s_client_hello(port, &ca, &["-servername", "localhost"]);
        // Its stdin stays open: it exits because our server closed.
        let (status, stderr) = peer.wait_exit();
        assert!(status.success(), "s_client exited with {status}: {:#?}\n{stderr}", peer.seen);
        let node = node_sessions_client(port, &dir, "localhost", 1, "wait");
        (peer.seen.clone(), stderr, node)
    });
    // s_client prints `closed` when it reads close_notify, and complains of an EOF without one.
    assert_eq!(openssl.last().map(String::as_str), Some("closed"), "{openssl:#?}");
    assert!(!stderr.contains("unexpected eof"), "{stderr}");
    // Node reports an EOF without close_notify as a plain end too; here it had one.
    assert_eq!(
        node,
        [
            "secure TLSv1.3 cn=netcore test server authorized=true reused=false",
            "echo hello from node",
            "end",
            "close"
        ]
    );
    // Both answered with their own close_notify.
    assert_eq!(log.errors, Vec::<String>::new());
    assert!(log.ended);
    assert_eq!(log.data, b"hello from openssl\nhello from node\n");
}

#[test]
fn our_server_destroying_is_a_truncation_for_openssl() {
    let pki = Pki::new();
    let pems = PemDir::new(&pki, "server_destroy");
    let ca = pems.file("ca.pem");
    let ((status, stderr), log) = serving(&pki.server_config(), Serve::EchoThenDestroy, move |port| {
        let mut peer = s_client_hello(port, &ca, &["-servername", "localhost"]);
        peer.wait_exit()
    });
    assert!(!status.success(), "{stderr}");
    assert!(stderr.contains(":unexpected eof while reading:"), "{stderr}");
    assert_eq!(log.errors, Vec::<String>::new());
}
