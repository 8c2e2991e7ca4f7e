//! Our TLS client against our TLS server on loopback, one loop: handshakes, ALPN, SNI, mutual
//! TLS, resumption, STARTTLS, close_notify and truncation, and the typed verification errors.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use std::time::Duration;

use common::Pki;
use netcore::EventLoop;
use netcore_tcp::{ServerId, Socket, SocketHandler, SocketId};
use netcore_tls::{ClientConfig, Error, ServerConfig, TlsServerHandler, TlsSession, Version};

/// What the handlers saw, kept in the loop.
#[derive(Default, Debug)]
struct Log {
    client_secure: Vec<String>,
    client_data: Vec<u8>,
    client_errors: Vec<String>,
    client_ended: bool,
    server_secure: Vec<String>,
    server_data: Vec<u8>,
    tls_client_errors: Vec<String>,
    reused: Vec<bool>,
    closed: usize,
}

fn log(lp: &mut EventLoop) -> &mut Log {
    lp.state_or_default::<Log>()
}

fn watchdog(lp: &mut EventLoop) {
    let t = lp.set_timeout(Duration::from_secs(20), |_| panic!("test loop ran 20 s"));
    lp.unref_timer(t);
}

/// Echoes, records what the server saw once secure.
struct EchoServer;

impl TlsServerHandler for EchoServer {
    type Connection = Echo;
    fn on_secure_connection(&mut self, s: &mut Socket<'_>) -> Echo {
        let session = s.layer::<TlsSession>().expect("tls session");
        let cn = session.peer_certificate().and_then(|c| c.subject.get("CN").map(str::to_string));
        let alpn = session.alpn_protocol().map(|p| String::from_utf8_lossy(p).into_owned());
        let line = format!("sni={:?} alpn={alpn:?} peer={cn:?}", session.server_name());
        log(s.lp()).server_secure.push(line);
        Echo
    }
    fn on_tls_client_error(&mut self, lp: &mut EventLoop, _socket: SocketId, error: &netcore_tcp::Error) {
        log(lp).tls_client_errors.push(error.code().to_string());
    }
}

struct Echo;

impl SocketHandler for Echo {
    fn on_data(&mut self, s: &mut Socket<'_>, data: &[u8]) {
        log(s.lp()).server_data.extend_from_slice(data);
        s.write(data);
    }
}

/// Sends `message` once secure, ends after reading it back.
struct Client {
    message: &'static [u8],
    got: usize,
}

impl Client {
    fn new(message: &'static [u8]) -> Client {
        Client { message, got: 0 }
    }
}

impl SocketHandler for Client {
    fn on_connect(&mut self, s: &mut Socket<'_>) {
        // Written before the handshake: held, then sent once secure.
        s.write(self.message);
    }
    fn on_secure(&mut self, s: &mut Socket<'_>) {
        let session = s.layer::<TlsSession>().expect("tls session");
        let cn = session.peer_certificate().and_then(|c| c.subject.get("CN").map(str::to_string));
        let line = format!(
            "{} {:?} cn={cn:?} alpn={:?}",
            session.protocol().map_or("?", Version::name),
            session.cipher().is_some(),
            session.alpn_protocol().map(|p| String::from_utf8_lossy(p).into_owned())
        );
        let reused = session.is_session_reused();
        let l = log(s.lp());
        l.client_secure.push(line);
        l.reused.push(reused);
    }
    fn on_data(&mut self, s: &mut Socket<'_>, data: &[u8]) {
        log(s.lp()).client_data.extend_from_slice(data);
        self.got += data.len();
        if self.got >= self.message.len() {
            s.end();
        }
    }
    fn on_end(&mut self, s: &mut Socket<'_>) {
        log(s.lp()).client_ended = true;
    }
    fn on_error(&mut self, s: &mut Socket<'_>, e: &netcore_tcp::Error) {
        let typed = Error::from_socket(e).map(|t| format!("{t:?}")).unwrap_or_default();
        log(s.lp()).client_errors.push(format!("{} {typed}", e.code()));
    }
    fn on_close(&mut self, lp: &mut EventLoop, _id: SocketId, _had_error: bool) {
        log(lp).closed += 1;
        // The exchange is over: the server stops, and the loop with it.
        if let Some(Server(srv)) = lp.take_state::<Server>() {
            srv.close(lp);
        }
    }
}

/// Runs one exchange: a server with `server`, a client with `client` to `host` (via
/// 127.0.0.1), until the client closes; returns the log.
fn exchange(server: &ServerConfig, client: &ClientConfig, host: Option<&str>, message: &'static [u8]) -> Log {
    let mut lp = EventLoop::new().unwrap();
    watchdog(&mut lp);
    let srv = netcore_tls::listen(&mut lp, "127.0.0.1:0", server, EchoServer).unwrap();
    let port = srv.address(&lp).unwrap().port().unwrap();
    let target = format!("{}:{port}", host.unwrap_or("127.0.0.1"));
    netcore_tls::connect(&mut lp, &target, client, Client::new(message));
    run_until_client_closed(&mut lp, srv);
    lp.take_state::<Log>().unwrap_or_default()
}

/// The server the client closes when it is done.
struct Server(ServerId);

fn run_until_client_closed(lp: &mut EventLoop, srv: ServerId) {
    lp.set_state(Server(srv));
    lp.run().unwrap();
}

#[test]
fn echo_over_tls13_with_alpn() {
    let pki = Pki::new();
    let mut so = pki.server_options();
    so.alpn_protocols = vec![b"h2".to_vec(), b"netcore".to_vec()];
    let mut co = pki.client_options();
    co.alpn_protocols = vec![b"netcore".to_vec()];
    co.server_name = Some("localhost".into());
    let log = exchange(&so.build().unwrap(), &co.build().unwrap(), None, b"hello over tls");
    assert_eq!(log.client_errors, Vec::<String>::new());
    assert_eq!(log.server_data, b"hello over tls");
    assert_eq!(log.client_data, b"hello over tls");
    assert_eq!(
        log.client_secure,
        vec!["TLSv1.3 true cn=Some(\"netcore test server\") alpn=Some(\"netcore\")"]
    );
    assert_eq!(log.server_secure, vec!["sni=Some(\"localhost\") alpn=Some(\"netcore\") peer=None"]);
    // Our end sent close_notify; the echo server ended in turn, cleanly.
    assert!(log.client_ended);
}
