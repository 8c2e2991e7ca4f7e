//! Shared by the tls tests: a throwaway PKI made with rcgen, loop helpers (a loop with a
//! watchdog, a server loop on its own thread), Node servers as child processes, and both ends
//! of STARTTLS.
#![allow(dead_code, clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use bytes::Bytes;
use netcore::EventLoop;
use netcore_http1::client::{ClientRequest, Error as ClientError, ResponseHandler};
use netcore_http1::proto::ResponseHead;
use netcore_tcp::{Socket, SocketHandler, SocketId};
use netcore_tls::{ClientConfig, ClientOptions, Identity, ServerConfig, ServerOptions};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls_pki_types::CertificateDer;

/// One certificate and its key, as PEM.
pub struct Leaf {
    pub cert_pem: String,
    pub key_pem: String,
    pub der: CertificateDer<'static>,
}

impl Leaf {
    pub fn identity(&self) -> Identity {
        Identity::from_pem(self.cert_pem.as_bytes(), self.key_pem.as_bytes()).expect("identity")
    }
}

/// A CA and the certificates the tests need, all signed by it but `self_signed`.
pub struct Pki {
    pub ca: Leaf,
    /// `localhost` and `127.0.0.1`, CN "netcore test server".
    pub server: Leaf,
    /// `a.test`, for SNI.
    pub a: Leaf,
    /// `b.test`, for SNI.
    pub b: Leaf,
    /// `c.test`, for the SNI callback.
    pub c: Leaf,
    /// Valid for localhost but expired in 2021.
    pub expired: Leaf,
    /// Valid only for `other.invalid`.
    pub wrong_host: Leaf,
    /// A client certificate, CN "netcore test client".
    pub client: Leaf,
    /// A server certificate for localhost signed by nobody we trust.
    pub self_signed: Leaf,
}

fn leaf(
    names: &[&str],
    cn: &str,
    issuer: &Issuer<'_, KeyPair>,
    edit: impl FnOnce(&mut CertificateParams),
) -> Leaf {
    let key = KeyPair::generate().expect("key");
    let mut params =
        CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>()).expect("params");
    params.distinguished_name.push(DnType::CommonName, cn);
    params.distinguished_name.push(DnType::OrganizationName, "netcore");
    params.use_authority_key_identifier_extension = true;
    edit(&mut params);
    let cert = params.signed_by(&key, issuer).expect("sign");
    Leaf { cert_pem: cert.pem(), key_pem: key.serialize_pem(), der: cert.der().clone() }
}

impl Pki {
    pub fn new() -> Pki {
        let ca_key = KeyPair::generate().expect("key");
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("params");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.distinguished_name.push(DnType::CommonName, "netcore test CA");
        ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_cert = ca_params.self_signed(&ca_key).expect("ca");
        let ca =
            Leaf { cert_pem: ca_cert.pem(), key_pem: ca_key.serialize_pem(), der: ca_cert.der().clone() };
        let issuer = Issuer::new(ca_params, ca_key);
        let server_auth =
            |p: &mut CertificateParams| p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let server = leaf(&["localhost", "127.0.0.1"], "netcore test server", &issuer, server_auth);
        let a = leaf(&["a.test"], "a.test", &issuer, server_auth);
        let b = leaf(&["b.test"], "b.test", &issuer, server_auth);
        let c = leaf(&["c.test"], "c.test", &issuer, server_auth);
        let expired = leaf(&["localhost", "127.0.0.1"], "expired", &issuer, |p| {
            p.not_before = rcgen::date_time_ymd(2020, 1, 1);
            p.not_after = rcgen::date_time_ymd(2021, 1, 1);
        });
        let wrong_host = leaf(&["other.invalid"], "other.invalid", &issuer, server_auth);
        let client = leaf(&[], "netcore test client", &issuer, |p| {
            p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth]
        });
        let self_key = KeyPair::generate().expect("key");
        let mut self_params = CertificateParams::new(vec!["localhost".to_string()]).expect("params");
        self_params.distinguished_name.push(DnType::CommonName, "self-signed");
        let self_cert = self_params.self_signed(&self_key).expect("self");
        let self_signed = Leaf {
            cert_pem: self_cert.pem(),
            key_pem: self_key.serialize_pem(),
            der: self_cert.der().clone(),
        };
        Pki { ca, server, a, b, c, expired, wrong_host, client, self_signed }
    }

    /// Server options presenting the localhost certificate.
    pub fn server_options(&self) -> ServerOptions {
        ServerOptions::new(self.server.identity())
    }

    pub fn server_config(&self) -> ServerConfig {
        self.server_options().build().expect("server config")
    }

    /// Has `o` ask for a client certificate from the test CA (mutual TLS); `reject_unauthorized`
    /// as Node's: refuse a client without a trusted one, or let it in unauthorized.
    pub fn request_client_cert(&self, o: &mut ServerOptions, reject_unauthorized: bool) {
        o.request_cert = true;
        o.reject_unauthorized = reject_unauthorized;
        o.ca = vec![self.ca.der.clone()];
    }

    /// Client options trusting only the test CA.
    pub fn client_options(&self) -> ClientOptions {
        let mut o = ClientOptions::default();
        o.ca = Some(vec![self.ca.der.clone()]);
        o
    }

    pub fn client_config(&self) -> ClientConfig {
        self.client_options().build().expect("client config")
    }

    /// Writes every PEM into `dir` (for openssl, curl and Node): `ca.pem`, `server.pem`,
    /// `server.key`, `client.pem`, `client.key`.
    pub fn write_to(&self, dir: &Path) -> PathBuf {
        std::fs::create_dir_all(dir).expect("dir");
        for (name, content) in [
            ("ca.pem", &self.ca.cert_pem),
            ("server.pem", &self.server.cert_pem),
            ("server.key", &self.server.key_pem),
            ("client.pem", &self.client.cert_pem),
            ("client.key", &self.client.key_pem),
        ] {
            std::fs::write(dir.join(name), content).expect("write pem");
        }
        dir.to_path_buf()
    }
}

/// How long a test's loop may run before its watchdog fails the test.
pub const WATCHDOG: Duration = Duration::from_secs(30);

/// A new loop with a watchdog: an unreferenced timer that fails the test once the loop has run
/// [`WATCHDOG`].
pub fn test_loop() -> EventLoop {
    let mut lp = EventLoop::new().unwrap();
    let t = lp.set_timeout(WATCHDOG, |_| panic!("the test loop ran {WATCHDOG:?}"));
    lp.unref_timer(t);
    lp
}

/// The port an http1 server (https, wss) listens on.
pub fn port_of(lp: &EventLoop, server: netcore_http1::server::ServerId) -> u16 {
    server.address(lp).unwrap().port().unwrap()
}

/// Runs `setup` on a loop of its own thread; returns the port it returned and a function that
/// stops the loop and joins the thread.
pub fn serve(setup: impl FnOnce(&mut EventLoop) -> u16 + Send + 'static) -> (u16, impl FnOnce()) {
    netcore_testkit::serve_on_thread(setup)
}

/// A process killed on drop.
pub struct Killed(pub Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `command`, a server whose first line on stdout is `listening on PORT` (a Node script's
/// `server.listen(0, …)` callback); returns it, killed on drop, and the port.
pub fn listening(command: &mut Command) -> (Killed, u16) {
    let mut child = command.stdout(Stdio::piped()).spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let child = Killed(child);
    let port =
        line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("{command:?} printed {line:?}"));
    (child, port.parse().unwrap())
}

/// Which end of STARTTLS a plain connection is, with the configuration its TLS layer gets.
enum Side {
    /// Sends `STARTTLS\r\n` once connected; upgrades, for `localhost`, on the answer `OK\r\n`.
    Client(ClientConfig),
    /// Waits for `STARTTLS\r\n`, answers `OK\r\n` in plain and upgrades, whatever came after
    /// the command being TLS already.
    Server(ServerConfig),
}

/// STARTTLS on a plain connection, either end: the plain exchange, then the TLS layer goes on.
/// The data once upgraded, and the `secure`, `end`, `error` and `close` events, go to `secured`.
pub struct StartTls<H> {
    side: Side,
    /// The plain bytes so far: the command, or the answer.
    plain: Vec<u8>,
    upgraded: bool,
    secured: H,
}

impl<H> StartTls<H> {
    pub fn client(config: &ClientConfig, secured: H) -> StartTls<H> {
        StartTls { side: Side::Client(config.clone()), plain: Vec::new(), upgraded: false, secured }
    }

    pub fn server(config: &ServerConfig, secured: H) -> StartTls<H> {
        StartTls { side: Side::Server(config.clone()), plain: Vec::new(), upgraded: false, secured }
    }
}

impl<H: SocketHandler> SocketHandler for StartTls<H> {
    fn on_connect(&mut self, s: &mut Socket<'_>) {
        if let Side::Client(_) = self.side {
            s.write(b"STARTTLS\r\n");
        }
    }
    fn on_data(&mut self, s: &mut Socket<'_>, data: &[u8]) {
        if self.upgraded {
            self.secured.on_data(s, data);
            return;
        }
        self.plain.extend_from_slice(data);
        let Some(at) = self.plain.windows(2).position(|w| w == b"\r\n") else { return };
        self.upgraded = true;
        let id = s.id();
        match &self.side {
            Side::Client(config) => {
                assert_eq!(self.plain, b"OK\r\n");
                netcore_tls::upgrade_client(s.lp(), id, config, "localhost").unwrap();
            }
            Side::Server(config) => {
                assert_eq!(&self.plain[..at], b"STARTTLS");
                // Plain, before the layer goes on; whatever came after the command is TLS already.
                s.write(b"OK\r\n");
                let head = self.plain.split_off(at + 2);
                netcore_tls::upgrade_server(s.lp(), id, config, &head).unwrap();
            }
        }
    }
    fn on_secure(&mut self, s: &mut Socket<'_>) {
        self.secured.on_secure(s);
    }
    fn on_end(&mut self, s: &mut Socket<'_>) {
        self.secured.on_end(s);
    }
    fn on_error(&mut self, s: &mut Socket<'_>, e: &netcore_tcp::Error) {
        self.secured.on_error(s, e);
    }
    fn on_close(&mut self, lp: &mut EventLoop, id: SocketId, had_error: bool) {
        self.secured.on_close(lp, id, had_error);
    }
}

/// A log of what happened, in order.
pub type Log = std::rc::Rc<std::cell::RefCell<Vec<String>>>;

pub type Step = Box<dyn FnOnce(&mut ClientRequest<'_>)>;

/// Records a response as `STATUS BODY reused=BOOL`, or `error CODE` (with `status=N: MESSAGE`
/// for a proxy's refusal); runs `then` at the end.
pub struct Recorder {
    log: Log,
    status: u16,
    body: Vec<u8>,
    then: Option<Step>,
}

impl Recorder {
    pub fn new(log: &Log) -> Recorder {
        Recorder { log: log.clone(), status: 0, body: Vec::new(), then: None }
    }
    pub fn then(mut self, f: impl FnOnce(&mut ClientRequest<'_>) + 'static) -> Recorder {
        self.then = Some(Box::new(f));
        self
    }
}

impl ResponseHandler for Recorder {
    fn on_response(&mut self, _req: &mut ClientRequest<'_>, res: &ResponseHead) {
        self.status = res.status();
    }
    fn on_data(&mut self, _req: &mut ClientRequest<'_>, data: Bytes) {
        self.body.extend_from_slice(&data);
    }
    fn on_end(&mut self, req: &mut ClientRequest<'_>) {
        let line =
            format!("{} {} reused={}", self.status, String::from_utf8_lossy(&self.body), req.reused_socket());
        self.log.borrow_mut().push(line);
        if let Some(f) = self.then.take() {
            f(req);
        }
    }
    fn on_error(&mut self, req: &mut ClientRequest<'_>, error: &ClientError) {
        let mut line = format!("error {}", error.code());
        if let ClientError::ProxyTunnel { status } = error {
            line.push_str(&format!(" status={status}: {error}"));
        }
        self.log.borrow_mut().push(line);
        if let Some(f) = self.then.take() {
            f(req);
        }
    }
}
