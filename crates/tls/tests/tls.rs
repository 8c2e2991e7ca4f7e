//! Our TLS client against our TLS server on loopback, one loop per test: handshakes, ALPN, SNI,
//! mutual TLS, resumption, versions, STARTTLS, close_notify and truncation, backpressure, garbage
//! on the port, the handshake timeout, and the typed verification errors with Node's codes.
//!
//! Nothing waits by sleeping: handlers record into the loop's state, each client's `close` starts
//! the next client of the test's plan, and the last one closes the server, which ends the loop. A
//! watchdog timer fails a test that hangs.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use std::collections::{BTreeMap, VecDeque};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{Pki, StartTls};
use netcore::EventLoop;
use netcore_tcp::{ServerId, Socket, SocketHandler, SocketId};
use netcore_tls::{
    ClientConfig, ClientOptions, Error, Identity, ServerConfig, ServerOptions, TlsServerHandler, TlsSession,
    Version,
};
use rustls_pki_types::UnixTime;

/// An error as a handler saw it: Node's code, and the TLS error inside, if it is one.
#[derive(Debug, Clone)]
struct Seen {
    code: &'static str,
    tls: Option<Error>,
}

impl Seen {
    fn new(e: &netcore_tcp::Error) -> Seen {
        Seen { code: e.code(), tls: Error::from_socket(e).cloned() }
    }
}

fn codes(seen: &[Seen]) -> Vec<&'static str> {
    seen.iter().map(|s| s.code).collect()
}

/// What one client connection saw.
#[derive(Default, Debug)]
struct ClientLog {
    /// The events in order: `secure`, `data` (once per run of chunks), `drain`, `end`, `error`.
    events: Vec<&'static str>,
    /// At `secure`: "TLSv1.3 cn=Some(..) alpn=Some(..)".
    secure: Option<String>,
    reused: Option<bool>,
    /// At `secure`: what verification says of the server's certificate (`authorizationError`).
    auth_error: Option<Error>,
    data: Vec<u8>,
    errors: Vec<Seen>,
    /// What each `write` answered (the backpressure test).
    writes: Vec<bool>,
    closed: bool,
}

impl ClientLog {
    fn event(&mut self, e: &'static str) {
        if !(e == "data" && self.events.last() == Some(&"data")) {
            self.events.push(e);
        }
    }
}

/// What the handlers saw, kept in the loop.
#[derive(Default, Debug)]
struct Log {
    clients: Vec<ClientLog>,
    /// One line per secured server connection: "TLSv1.3 sni=.. alpn=.. peer=..".
    server_secure: Vec<String>,
    server_reused: Vec<bool>,
    /// What verification says of each secured connection's client certificate.
    server_auth: Vec<Option<Error>>,
    server_data: Vec<u8>,
    tls_client_errors: Vec<Seen>,
    /// The server's connection count once the garbage was dealt with.
    connections_after_garbage: Option<usize>,
}

fn log(lp: &mut EventLoop) -> &mut Log {
    lp.state_or_default::<Log>()
}

fn client_log(lp: &mut EventLoop, n: usize) -> &mut ClientLog {
    let l = log(lp);
    if l.clients.len() <= n {
        l.clients.resize_with(n + 1, ClientLog::default);
    }
    &mut l.clients[n]
}

fn cn(session: &TlsSession) -> Option<String> {
    session.peer_certificate().and_then(|c| c.subject.get("CN").map(str::to_string))
}

fn alpn(session: &TlsSession) -> Option<String> {
    session.alpn_protocol().map(|p| String::from_utf8_lossy(p).into_owned())
}

fn protocol(session: &TlsSession) -> &'static str {
    session.protocol().map_or("?", Version::name)
}

/// What the server logs of a secured connection: "TLSv1.3 sni=.. alpn=.. peer=..".
fn server_line(session: &TlsSession) -> String {
    let (sni, alpn, peer) = (session.server_name(), alpn(session), cn(session));
    format!("{} sni={sni:?} alpn={alpn:?} peer={peer:?}", protocol(session))
}

const GREETING: &[u8] = b"hello from the server";

/// What the server does with a secured connection.
#[derive(Clone, Copy)]
enum Serve {
    Echo,
    /// Writes [`GREETING`] and ends (close_notify, FIN).
    GreetThenEnd,
    /// Writes [`GREETING`] and destroys the socket: FIN without close_notify.
    GreetThenDestroy,
}

/// Records what the server saw once secure, then serves as told.
struct TestServer {
    serve: Serve,
    /// After this many `tlsClientError`s, start the plan's next client (the garbage test).
    next_after_errors: Option<usize>,
}

impl TestServer {
    fn new(serve: Serve) -> TestServer {
        TestServer { serve, next_after_errors: None }
    }
}

impl TlsServerHandler for TestServer {
    type Connection = Echo;
    fn on_secure_connection(&mut self, s: &mut Socket<'_>) -> Echo {
        let session = s.layer::<TlsSession>().expect("tls session");
        let line = server_line(session);
        let reused = session.is_session_reused();
        let auth = session.authorization_error(UnixTime::now());
        let l = log(s.lp());
        l.server_secure.push(line);
        l.server_reused.push(reused);
        l.server_auth.push(auth);
        match self.serve {
            Serve::Echo => {}
            Serve::GreetThenEnd => s.end_with(GREETING),
            Serve::GreetThenDestroy => {
                s.write(GREETING);
                s.destroy();
            }
        }
        Echo
    }
    fn on_tls_client_error(&mut self, lp: &mut EventLoop, _socket: SocketId, error: &netcore_tcp::Error) {
        let l = log(lp);
        l.tls_client_errors.push(Seen::new(error));
        if Some(l.tls_client_errors.len()) == self.next_after_errors {
            // The failing socket leaves the server's list once this callback returns.
            lp.next_tick(|lp| {
                let count = lp.state::<Plan>().map(|p| p.server.connection_count(lp));
                log(lp).connections_after_garbage = count;
                next_client(lp);
            });
        }
    }
}

struct Echo;

impl SocketHandler for Echo {
    fn on_data(&mut self, s: &mut Socket<'_>, data: &[u8]) {
        log(s.lp()).server_data.extend_from_slice(data);
        s.write(data);
    }
}

/// Client number `n` of a plan: sends `message` (from `on_connect`, so it is held until the
/// handshake completes) and ends once it has read as much back.
struct Client {
    n: usize,
    message: &'static [u8],
    got: usize,
}

impl SocketHandler for Client {
    fn on_connect(&mut self, s: &mut Socket<'_>) {
        if !self.message.is_empty() {
            let ok = s.write(self.message);
            client_log(s.lp(), self.n).writes.push(ok);
        }
    }
    fn on_secure(&mut self, s: &mut Socket<'_>) {
        let session = s.layer::<TlsSession>().expect("tls session");
        let line = format!("{} cn={:?} alpn={:?}", protocol(session), cn(session), alpn(session));
        let reused = session.is_session_reused();
        let auth = session.authorization_error(UnixTime::now());
        let c = client_log(s.lp(), self.n);
        c.event("secure");
        c.secure = Some(line);
        c.reused = Some(reused);
        c.auth_error = auth;
    }
    fn on_data(&mut self, s: &mut Socket<'_>, data: &[u8]) {
        let c = client_log(s.lp(), self.n);
        c.event("data");
        c.data.extend_from_slice(data);
        self.got += data.len();
        if !self.message.is_empty() && self.got >= self.message.len() {
            s.end();
        }
    }
    fn on_end(&mut self, s: &mut Socket<'_>) {
        client_log(s.lp(), self.n).event("end");
    }
    fn on_error(&mut self, s: &mut Socket<'_>, e: &netcore_tcp::Error) {
        let c = client_log(s.lp(), self.n);
        c.event("error");
        c.errors.push(Seen::new(e));
    }
    fn on_close(&mut self, lp: &mut EventLoop, _id: SocketId, _had_error: bool) {
        client_log(lp, self.n).closed = true;
        next_client(lp);
    }
}

/// One client of a plan: its configuration and what it sends.
struct Step {
    config: ClientConfig,
    message: &'static [u8],
}

fn step(config: &ClientConfig, message: &'static [u8]) -> Step {
    Step { config: config.clone(), message }
}

/// The clients still to run against the server, one after the other.
struct Plan {
    server: ServerId,
    port: u16,
    steps: VecDeque<Step>,
    started: usize,
}

/// Starts the plan's next client (to 127.0.0.1; the configuration names the server), or closes
/// the server when none is left, which ends the loop once its connections are gone.
fn next_client(lp: &mut EventLoop) {
    let Some(plan) = lp.state_mut::<Plan>() else { return };
    let Some(step) = plan.steps.pop_front() else {
        let server = plan.server;
        server.close(lp);
        return;
    };
    let n = plan.started;
    plan.started += 1;
    let target = format!("127.0.0.1:{}", plan.port);
    netcore_tls::connect(lp, &target, &step.config, Client { n, message: step.message, got: 0 });
}

/// Gives the loop `server`'s plan of `steps`; returns the server's port.
fn setup(lp: &mut EventLoop, server: ServerId, steps: Vec<Step>) -> u16 {
    let port = server.address(lp).unwrap().port().unwrap();
    lp.set_state(Plan { server, port, steps: steps.into(), started: 0 });
    port
}

/// Runs `steps` one after the other against a server with `config` serving as `handler` says.
fn run_with(config: &ServerConfig, handler: TestServer, steps: Vec<Step>) -> Log {
    let mut lp = common::test_loop();
    let srv = netcore_tls::listen(&mut lp, "127.0.0.1:0", config, handler).unwrap();
    setup(&mut lp, srv, steps);
    next_client(&mut lp);
    lp.run().unwrap();
    lp.take_state::<Log>().unwrap_or_default()
}

fn run(config: &ServerConfig, steps: Vec<Step>) -> Log {
    run_with(config, TestServer::new(Serve::Echo), steps)
}

/// A client configuration trusting the test CA, edited by `edit`.
fn client(pki: &Pki, edit: impl FnOnce(&mut ClientOptions)) -> ClientConfig {
    let mut o = pki.client_options();
    edit(&mut o);
    o.build().unwrap()
}

fn server(identity: Identity, edit: impl FnOnce(&mut ServerOptions)) -> ServerConfig {
    let mut o = ServerOptions::new(identity);
    edit(&mut o);
    o.build().unwrap()
}

fn named(name: &str) -> impl FnOnce(&mut ClientOptions) + '_ {
    move |o| o.server_name = Some(name.to_string())
}

#[test]
fn echo_over_tls13_with_alpn() {
    let pki = Pki::new();
    let config =
        server(pki.server.identity(), |o| o.alpn_protocols = vec![b"h2".to_vec(), b"netcore".to_vec()]);
    let c = client(&pki, |o| {
        o.alpn_protocols = vec![b"netcore".to_vec()];
        o.server_name = Some("localhost".into());
    });
    let log = run(&config, vec![step(&c, b"hello over tls")]);
    let c = &log.clients[0];
    assert_eq!(codes(&c.errors), Vec::<&str>::new());
    assert_eq!(log.server_data, b"hello over tls");
    assert_eq!(c.data, b"hello over tls");
    assert_eq!(c.secure.as_deref(), Some("TLSv1.3 cn=Some(\"netcore test server\") alpn=Some(\"netcore\")"));
    assert!(c.auth_error.is_none());
    assert_eq!(log.server_secure, ["TLSv1.3 sni=Some(\"localhost\") alpn=Some(\"netcore\") peer=None"]);
    // Our end sent close_notify; the echo server ended in turn, cleanly.
    assert_eq!(c.events, ["secure", "data", "end"]);
}

/// A client that refuses the server's certificate gets a typed error; the server gets the
/// client's alert as `tlsClientError` and serves the next client.
fn refused_then_served(identity: Identity, refusing: ClientConfig, served: ClientConfig) -> Log {
    let config = server(identity, |_| {});
    let log = run(&config, vec![step(&refusing, b"never sent"), step(&served, b"still serving")]);
    let (refused, ok) = (&log.clients[0], &log.clients[1]);
    assert_eq!(refused.events, ["error"], "{refused:?}");
    assert!(refused.closed);
    assert_eq!(codes(&ok.errors), Vec::<&str>::new());
    assert_eq!(ok.data, b"still serving");
    assert_eq!(log.server_data, b"still serving");
    assert_eq!(log.server_secure.len(), 1);
    log
}

#[test]
fn a_certificate_for_another_host_is_err_tls_cert_altname_invalid() {
    let pki = Pki::new();
    let log = refused_then_served(
        pki.wrong_host.identity(),
        client(&pki, named("localhost")),
        client(&pki, named("other.invalid")),
    );
    let seen = &log.clients[0].errors;
    assert_eq!(codes(seen), ["ERR_TLS_CERT_ALTNAME_INVALID"]);
    assert!(matches!(&seen[0].tls, Some(Error::HostnameMismatch { host }) if host == "localhost"));
    // rustls answers a name mismatch with bad_certificate, as OpenSSL does.
    assert_eq!(codes(&log.tls_client_errors), ["ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE"]);
    assert!(
        matches!(&log.tls_client_errors[0].tls, Some(Error::AlertReceived { alert, .. }) if alert == "BadCertificate")
    );
    assert_eq!(log.clients[1].secure.as_deref(), Some("TLSv1.3 cn=Some(\"other.invalid\") alpn=None"));
}

#[test]
fn a_certificate_from_an_unknown_ca_is_unknown_issuer() {
    let pki = Pki::new();
    let log = refused_then_served(
        pki.self_signed.identity(),
        client(&pki, named("localhost")),
        client(&pki, |o| {
            o.server_name = Some("localhost".into());
            o.reject_unauthorized = false;
        }),
    );
    let seen = &log.clients[0].errors;
    assert_eq!(codes(seen), ["UNABLE_TO_GET_ISSUER_CERT_LOCALLY"]);
    assert!(matches!(seen[0].tls, Some(Error::UnknownIssuer)));
    assert_eq!(codes(&log.tls_client_errors), ["ERR_SSL_TLSV1_ALERT_UNKNOWN_CA"]);
    // The client that let it in can still tell it is not authorized (`authorizationError`).
    assert!(matches!(log.clients[1].auth_error, Some(Error::UnknownIssuer)), "{:?}", log.clients[1]);
}

#[test]
fn an_expired_certificate_is_cert_has_expired() {
    let pki = Pki::new();
    let log = refused_then_served(
        pki.expired.identity(),
        pki.client_config(),
        client(&pki, |o| o.reject_unauthorized = false),
    );
    let seen = &log.clients[0].errors;
    assert_eq!(codes(seen), ["CERT_HAS_EXPIRED"]);
    assert!(matches!(seen[0].tls, Some(Error::CertificateExpired)));
    assert_eq!(codes(&log.tls_client_errors), ["ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED"]);
    assert!(matches!(log.clients[1].auth_error, Some(Error::CertificateExpired)), "{:?}", log.clients[1]);
    assert_eq!(log.clients[1].secure.as_deref(), Some("TLSv1.3 cn=Some(\"expired\") alpn=None"));
}

#[test]
fn mutual_tls_rejects_clients_without_a_trusted_certificate() {
    let pki = Pki::new();
    let config = server(pki.server.identity(), |o| pki.request_client_cert(o, true));
    let anonymous = pki.client_config();
    let trusted = client(&pki, |o| o.identity = Some(pki.client.identity()));
    let stranger = client(&pki, |o| o.identity = Some(pki.self_signed.identity()));
    let log = run(&config, vec![step(&anonymous, b"anon"), step(&trusted, b"mtls"), step(&stranger, b"who")]);

    // TLS 1.3: the client finishes first, then learns of the refusal from the server's alert.
    let anon = &log.clients[0];
    assert_eq!(codes(&anon.errors), ["ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED"], "{anon:?}");
    assert!(anon.data.is_empty());
    let who = &log.clients[2];
    assert_eq!(codes(&who.errors), ["ERR_SSL_TLSV1_ALERT_UNKNOWN_CA"], "{who:?}");
    assert!(who.data.is_empty());
    assert_eq!(codes(&log.tls_client_errors), ["ERR_TLS_CERT_REQUIRED", "UNABLE_TO_GET_ISSUER_CERT_LOCALLY"]);
    assert!(matches!(log.tls_client_errors[0].tls, Some(Error::CertificateRequired)));
    assert!(matches!(log.tls_client_errors[1].tls, Some(Error::UnknownIssuer)));

    let ok = &log.clients[1];
    assert_eq!(codes(&ok.errors), Vec::<&str>::new());
    assert_eq!(ok.data, b"mtls");
    assert_eq!(log.server_data, b"mtls");
    assert_eq!(log.server_secure, ["TLSv1.3 sni=None alpn=None peer=Some(\"netcore test client\")"]);
    assert!(log.server_auth[0].is_none());
}

#[test]
fn mutual_tls_without_reject_unauthorized_reports_the_authorization_error() {
    let pki = Pki::new();
    let config = server(pki.server.identity(), |o| pki.request_client_cert(o, false));
    let stranger = client(&pki, |o| o.identity = Some(pki.self_signed.identity()));
    let trusted = client(&pki, |o| o.identity = Some(pki.client.identity()));
    let anonymous = pki.client_config();
    let log = run(&config, vec![step(&stranger, b"one"), step(&trusted, b"two"), step(&anonymous, b"three")]);
    assert_eq!(codes(&log.tls_client_errors), Vec::<&str>::new());
    assert_eq!(log.server_data, b"onetwothree");
    let peers: Vec<_> = log.server_secure.iter().map(|l| l.split_once(" peer=").unwrap().1).collect();
    assert_eq!(peers, ["Some(\"self-signed\")", "Some(\"netcore test client\")", "None"]);
    let auth: Vec<_> = log.server_auth.iter().map(|e| e.as_ref().map(Error::code)).collect();
    assert_eq!(auth, [Some("UNABLE_TO_GET_ISSUER_CERT_LOCALLY"), None, Some("ERR_TLS_CERT_REQUIRED")]);
    assert!(matches!(log.server_auth[0], Some(Error::UnknownIssuer)));
}

#[test]
fn sni_picks_the_certificate_by_name() {
    let pki = Pki::new();
    let c = pki.c.identity();
    let config = server(pki.server.identity(), |o| {
        o.sni = vec![("a.test".into(), pki.a.identity()), ("b.test".into(), pki.b.identity())];
        o.sni_callback = Some(Arc::new(move |name: &str| (name == "c.test").then(|| c.clone())));
    });
    let names = ["a.test", "b.test", "c.test", "localhost", "z.test"];
    let steps = names.iter().map(|n| step(&client(&pki, named(n)), b"sni")).collect();
    let log = run(&config, steps);
    let seen: Vec<_> = log.clients.iter().map(|c| c.secure.clone().unwrap_or_default()).collect();
    assert_eq!(
        seen,
        [
            "TLSv1.3 cn=Some(\"a.test\") alpn=None",
            "TLSv1.3 cn=Some(\"b.test\") alpn=None",
            "TLSv1.3 cn=Some(\"c.test\") alpn=None",
            "TLSv1.3 cn=Some(\"netcore test server\") alpn=None",
            "",
        ]
    );
    let sni: Vec<_> = log.server_secure.iter().map(|l| l.split(' ').nth(1).unwrap()).collect();
    assert_eq!(
        sni,
        ["sni=Some(\"a.test\")", "sni=Some(\"b.test\")", "sni=Some(\"c.test\")", "sni=Some(\"localhost\")"]
    );
    // A name nobody covers gets the default certificate, which the client refuses.
    let z = &log.clients[4];
    assert_eq!(codes(&z.errors), ["ERR_TLS_CERT_ALTNAME_INVALID"]);
    assert!(matches!(&z.errors[0].tls, Some(Error::HostnameMismatch { host }) if host == "z.test"));
}

/// Two connections in sequence from one client configuration (and its session cache).
fn resumed(server_max: Version) -> Log {
    let pki = Pki::new();
    let config = server(pki.server.identity(), |o| o.max_version = server_max);
    let c = pki.client_config();
    // Each reads its echo before closing: by then a TLS 1.3 client has its tickets.
    run(&config, vec![step(&c, b"first"), step(&c.clone(), b"second")])
}

#[test]
fn the_second_connection_resumes_tls13() {
    let log = resumed(Version::Tls13);
    let reused: Vec<_> = log.clients.iter().map(|c| c.reused).collect();
    assert_eq!(reused, [Some(false), Some(true)]);
    assert_eq!(log.server_reused, [false, true]);
    assert_eq!(log.server_data, b"firstsecond");
    // A resumed session still names the server (the certificate comes from the ticket).
    assert_eq!(log.clients[1].secure.as_deref(), Some("TLSv1.3 cn=Some(\"netcore test server\") alpn=None"));
}

#[test]
fn the_second_connection_resumes_tls12() {
    let log = resumed(Version::Tls12);
    let reused: Vec<_> = log.clients.iter().map(|c| c.reused).collect();
    assert_eq!(reused, [Some(false), Some(true)]);
    assert_eq!(log.server_reused, [false, true]);
    assert!(log.server_secure.iter().all(|l| l.starts_with("TLSv1.2 ")), "{:?}", log.server_secure);
}

#[test]
fn versions_are_negotiated_within_both_ranges() {
    let pki = Pki::new();
    let tls12 = server(pki.server.identity(), |o| o.max_version = Version::Tls12);
    let log = run(&tls12, vec![step(&pki.client_config(), b"v")]);
    assert!(log.clients[0].secure.as_deref().unwrap().starts_with("TLSv1.2 "));
    assert_eq!(log.server_secure, ["TLSv1.2 sni=None alpn=None peer=None"]);
    assert_eq!(log.clients[0].data, b"v");

    // A client that insists on 1.3 against a server that stops at 1.2.
    let only13 = client(&pki, |o| o.min_version = Version::Tls13);
    let log = run(&tls12, vec![step(&only13, b"v")]);
    let seen = &log.clients[0].errors;
    assert_eq!(codes(seen), ["ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION"]);
    assert!(matches!(&seen[0].tls, Some(Error::AlertReceived { alert, .. }) if alert == "ProtocolVersion"));
    assert_eq!(codes(&log.tls_client_errors), ["ERR_SSL_UNSUPPORTED_PROTOCOL"]);
    assert!(matches!(log.tls_client_errors[0].tls, Some(Error::NoCommonParameters { .. })));

    // And the other way round.
    let tls13 = server(pki.server.identity(), |o| o.min_version = Version::Tls13);
    let only12 = client(&pki, |o| o.max_version = Version::Tls12);
    let log = run(&tls13, vec![step(&only12, b"v")]);
    assert_eq!(codes(&log.clients[0].errors), ["ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION"]);
    assert_eq!(codes(&log.tls_client_errors), ["ERR_SSL_UNSUPPORTED_PROTOCOL"]);
}

/// A client that sends nothing against a server that greets it, serving as `serve` says.
fn greeted(serve: Serve) -> Log {
    let pki = Pki::new();
    run_with(&pki.server_config(), TestServer::new(serve), vec![step(&pki.client_config(), b"")])
}

#[test]
fn a_server_that_ends_sends_close_notify() {
    let log = greeted(Serve::GreetThenEnd);
    let c = &log.clients[0];
    assert_eq!(c.data, GREETING);
    assert_eq!(c.events, ["secure", "data", "end"]);
    assert_eq!(codes(&c.errors), Vec::<&str>::new());
    assert_eq!(codes(&log.tls_client_errors), Vec::<&str>::new());
}

#[test]
fn an_eof_without_close_notify_is_a_truncation() {
    let log = greeted(Serve::GreetThenDestroy);
    let c = &log.clients[0];
    // What came before the cut still arrived.
    assert_eq!(c.data, GREETING);
    assert_eq!(c.events, ["secure", "data", "error"]);
    assert_eq!(codes(&c.errors), ["ERR_SSL_UNEXPECTED_EOF_WHILE_READING"]);
    assert!(matches!(c.errors[0].tls, Some(Error::Truncated)));
}

const STARTTLS_MESSAGE: &[u8] = b"secret after STARTTLS";

/// Our server's side of a connection upgraded with STARTTLS: logs it once secure as
/// [`TestServer`] does, echoes, and logs its errors as `tlsClientError`s.
struct StartTlsEcho;

impl SocketHandler for StartTlsEcho {
    fn on_secure(&mut self, s: &mut Socket<'_>) {
        let line = server_line(s.layer::<TlsSession>().expect("tls session"));
        log(s.lp()).server_secure.push(line);
    }
    fn on_data(&mut self, s: &mut Socket<'_>, data: &[u8]) {
        Echo.on_data(s, data);
    }
    fn on_error(&mut self, s: &mut Socket<'_>, e: &netcore_tcp::Error) {
        log(s.lp()).tls_client_errors.push(Seen::new(e));
    }
}

/// Our client's side of a connection upgraded with STARTTLS: the plan's [`Client`], but sending
/// its message once secure.
struct SendOnSecure(Client);

impl SocketHandler for SendOnSecure {
    fn on_secure(&mut self, s: &mut Socket<'_>) {
        self.0.on_secure(s);
        s.write(self.0.message);
    }
    fn on_data(&mut self, s: &mut Socket<'_>, data: &[u8]) {
        self.0.on_data(s, data);
    }
    fn on_end(&mut self, s: &mut Socket<'_>) {
        self.0.on_end(s);
    }
    fn on_error(&mut self, s: &mut Socket<'_>, e: &netcore_tcp::Error) {
        self.0.on_error(s, e);
    }
    fn on_close(&mut self, lp: &mut EventLoop, id: SocketId, had_error: bool) {
        self.0.on_close(lp, id, had_error);
    }
}

#[test]
fn starttls_upgrades_a_plain_connection_on_both_sides() {
    let pki = Pki::new();
    let (server_config, client_config) = (pki.server_config(), pki.client_config());
    let mut lp = common::test_loop();
    let upgrading = move |_: &mut Socket<'_>| StartTls::server(&server_config, StartTlsEcho);
    let srv = netcore_tcp::listen(&mut lp, "127.0.0.1:0", upgrading).unwrap();
    let port = setup(&mut lp, srv, Vec::new());
    let client = Client { n: 0, message: STARTTLS_MESSAGE, got: 0 };
    let starttls = StartTls::client(&client_config, SendOnSecure(client));
    netcore_tcp::connect(&mut lp, &format!("127.0.0.1:{port}"), starttls);
    lp.run().unwrap();
    let log = lp.take_state::<Log>().unwrap();
    let c = &log.clients[0];
    assert_eq!(codes(&c.errors), Vec::<&str>::new());
    assert_eq!(c.events, ["secure", "data", "end"]);
    assert_eq!(c.secure.as_deref(), Some("TLSv1.3 cn=Some(\"netcore test server\") alpn=None"));
    assert_eq!(c.data, STARTTLS_MESSAGE);
    assert_eq!(log.server_data, STARTTLS_MESSAGE);
    assert_eq!(log.server_secure, ["TLSv1.3 sni=Some(\"localhost\") alpn=None peer=None"]);
    assert_eq!(codes(&log.tls_client_errors), Vec::<&str>::new());
}

const FLOOD: usize = 1 << 20;
const FLOOD_CHUNK: usize = 64 << 10;

fn flood_byte(i: usize) -> u8 {
    (i % 251) as u8 ^ (i >> 16) as u8
}

/// Writes [`FLOOD`] bytes in [`FLOOD_CHUNK`] writes, the first before the handshake completes,
/// pausing whenever `write` answers false until `drain`; ends once all came back.
struct Flood {
    sent: usize,
    got: usize,
    /// `writable_length` and `is_secure` right after the first write.
    first: Option<(usize, bool)>,
}

impl Flood {
    fn pump(&mut self, s: &mut Socket<'_>) {
        while self.sent < FLOOD {
            let chunk: Vec<u8> = (self.sent..self.sent + FLOOD_CHUNK).map(flood_byte).collect();
            self.sent += FLOOD_CHUNK;
            let ok = s.write(&chunk);
            if self.first.is_none() {
                self.first = Some((s.writable_length(), s.is_secure()));
            }
            client_log(s.lp(), 0).writes.push(ok);
            if !ok {
                return;
            }
        }
    }
}

impl SocketHandler for Flood {
    fn on_connect(&mut self, s: &mut Socket<'_>) {
        self.pump(s);
        assert_eq!(self.first, Some((FLOOD_CHUNK, false)), "held plaintext counts as queued");
    }
    fn on_secure(&mut self, s: &mut Socket<'_>) {
        client_log(s.lp(), 0).event("secure");
    }
    fn on_drain(&mut self, s: &mut Socket<'_>) {
        client_log(s.lp(), 0).event("drain");
        self.pump(s);
    }
    fn on_data(&mut self, s: &mut Socket<'_>, data: &[u8]) {
        let start = self.got;
        self.got += data.len();
        client_log(s.lp(), 0).event("data");
        if let Some(i) = data.iter().zip(start..).position(|(b, i)| *b != flood_byte(i)) {
            panic!("byte {} came back wrong", start + i);
        }
        if self.got >= FLOOD {
            s.end();
        }
    }
    fn on_error(&mut self, s: &mut Socket<'_>, e: &netcore_tcp::Error) {
        client_log(s.lp(), 0).errors.push(Seen::new(e));
    }
    fn on_close(&mut self, lp: &mut EventLoop, _id: SocketId, _had_error: bool) {
        client_log(lp, 0).closed = true;
        assert_eq!(self.got, FLOOD);
        next_client(lp);
    }
}

#[test]
fn backpressure_counts_plaintext_held_during_the_handshake() {
    let pki = Pki::new();
    let mut lp = common::test_loop();
    let srv = netcore_tls::listen(&mut lp, "127.0.0.1:0", &pki.server_config(), TestServer::new(Serve::Echo))
        .unwrap();
    let port = setup(&mut lp, srv, Vec::new());
    let flood = Flood { sent: 0, got: 0, first: None };
    netcore_tls::connect(&mut lp, &format!("127.0.0.1:{port}"), &pki.client_config(), flood);
    lp.run().unwrap();
    let log = lp.take_state::<Log>().unwrap();
    let c = &log.clients[0];
    assert_eq!(codes(&c.errors), Vec::<&str>::new());
    assert!(c.closed);
    // 64 KiB held before the handshake is at the high-water mark: the first write says wait.
    assert!(!c.writes[0]);
    assert_eq!(c.writes.len(), FLOOD / FLOOD_CHUNK);
    // `secure` first, then the `drain` the held plaintext owed (Node's order).
    assert_eq!(c.events[..2], ["secure", "drain"]);
    let drains = c.events.iter().filter(|e| **e == "drain").count();
    assert!(drains >= 1, "{:?}", c.events);
    assert_eq!(drains, c.writes.iter().filter(|w| !**w).count(), "one drain per false write");
    assert_eq!(log.server_data.len(), FLOOD);
    assert!(log.server_data.iter().enumerate().all(|(i, b)| *b == flood_byte(i)));
}

const GARBAGE_CONNECTIONS: usize = 1000;
const GARBAGE_BATCH: usize = 100;

/// Connection `i`'s 64 bytes that are not a ClientHello: a plain HTTP request, noise whose first
/// byte is no TLS content type, or a well-framed handshake record full of noise.
fn garbage(i: usize) -> Vec<u8> {
    let mut x = (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let mut noise = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x as u8
    };
    match i % 3 {
        0 => b"GET / HTTP/1.1\r\n\r\n".to_vec(),
        1 => {
            let mut v: Vec<u8> = (0..64).map(|_| noise()).collect();
            v[0] |= 0x80;
            v
        }
        _ => {
            // handshake record, TLS 1.0, 59 bytes: ClientHello, 55 bytes of noise.
            let mut v = vec![0x16, 0x03, 0x01, 0x00, 59, 0x01, 0x00, 0x00, 55];
            v.extend((0..55).map(|_| noise()));
            v
        }
    }
}

/// Sends every garbage connection from plain blocking sockets, [`GARBAGE_BATCH`] at a time, and
/// reads each to its close. Returns how many were answered with bytes (an alert) first.
fn send_garbage(addr: SocketAddr) -> usize {
    let mut answered = 0;
    for batch in (0..GARBAGE_CONNECTIONS).step_by(GARBAGE_BATCH) {
        let mut conns = Vec::new();
        for i in batch..batch + GARBAGE_BATCH {
            let mut c = TcpStream::connect(addr).unwrap();
            c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            c.write_all(&garbage(i)).unwrap();
            conns.push(c);
        }
        for (i, mut c) in conns.into_iter().enumerate() {
            let mut got = Vec::new();
            match c.read_to_end(&mut got) {
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
                Err(e) => panic!("garbage connection {} was not closed: {e}", batch + i),
            }
            answered += usize::from(!got.is_empty());
        }
    }
    answered
}

#[test]
fn garbage_instead_of_a_client_hello_is_refused_and_the_server_goes_on() {
    let pki = Pki::new();
    let started = Instant::now();
    let mut lp = common::test_loop();
    let handler = TestServer { serve: Serve::Echo, next_after_errors: Some(GARBAGE_CONNECTIONS) };
    let srv = netcore_tls::listen(&mut lp, "127.0.0.1:0", &pki.server_config(), handler).unwrap();
    // The good client starts once the last garbage connection has failed.
    let port = setup(&mut lp, srv, vec![step(&pki.client_config(), b"after the garbage")]);
    let sender = std::thread::spawn(move || send_garbage(SocketAddr::from(([127, 0, 0, 1], port))));
    lp.run().unwrap();
    let answered = sender.join().unwrap();
    let log = lp.take_state::<Log>().unwrap();

    let mut by_code = BTreeMap::new();
    for seen in &log.tls_client_errors {
        *by_code.entry(seen.code).or_insert(0) += 1;
    }
    assert_eq!(log.tls_client_errors.len(), GARBAGE_CONNECTIONS, "{by_code:?}");
    // Not a TLS record, or a handshake record that is no ClientHello: the peer does not speak TLS.
    for seen in &log.tls_client_errors {
        assert!(matches!(seen.tls, Some(Error::NotTls)), "{seen:?} (all: {by_code:?})");
    }
    assert_eq!(by_code.keys().collect::<Vec<_>>(), [&"ERR_SSL_WRONG_VERSION_NUMBER"]);
    assert_eq!(log.connections_after_garbage, Some(0));
    let c = &log.clients[0];
    assert_eq!(codes(&c.errors), Vec::<&str>::new());
    assert_eq!(c.data, b"after the garbage");
    // Each was told why with an alert before the close, as OpenSSL does.
    assert_eq!(answered, GARBAGE_CONNECTIONS);
    assert!(started.elapsed() < Duration::from_secs(10), "took {:?}", started.elapsed());
}

/// A plain TCP client that connects and says nothing.
struct Silent;

impl SocketHandler for Silent {
    fn on_end(&mut self, s: &mut Socket<'_>) {
        client_log(s.lp(), 0).event("end");
    }
    fn on_error(&mut self, s: &mut Socket<'_>, e: &netcore_tcp::Error) {
        client_log(s.lp(), 0).errors.push(Seen::new(e));
    }
    fn on_close(&mut self, lp: &mut EventLoop, _id: SocketId, _had_error: bool) {
        client_log(lp, 0).closed = true;
        next_client(lp);
    }
}

#[test]
fn a_silent_client_hits_the_handshake_timeout() {
    let pki = Pki::new();
    let config = server(pki.server.identity(), |o| o.handshake_timeout = Duration::from_millis(200));
    let mut lp = common::test_loop();
    let srv = netcore_tls::listen(&mut lp, "127.0.0.1:0", &config, TestServer::new(Serve::Echo)).unwrap();
    let port = setup(&mut lp, srv, Vec::new());
    let started = Instant::now();
    netcore_tcp::connect(&mut lp, &format!("127.0.0.1:{port}"), Silent);
    lp.run().unwrap();
    let elapsed = started.elapsed();
    let log = lp.take_state::<Log>().unwrap();
    assert_eq!(codes(&log.tls_client_errors), ["ERR_TLS_HANDSHAKE_TIMEOUT"]);
    assert!(matches!(log.tls_client_errors[0].tls, Some(Error::HandshakeTimeout)));
    // The server closed the connection: the silent client saw its FIN.
    let c = &log.clients[0];
    assert_eq!(c.events, ["end"]);
    assert!(c.closed);
    assert!(elapsed >= Duration::from_millis(200) && elapsed < Duration::from_secs(5), "{elapsed:?}");
}
