//! The sans-IO core: one TLS session between wire bytes and plaintext.
//!
//! ```text
//!   wire bytes ──read_wire──▶ rustls ──▶ plaintext (+ handshake replies, alerts to send)
//!   plaintext ──write_plain─▶ rustls ──▶ wire bytes (held back until the handshake completes)
//! ```
//!
//! [`TlsSession`] wraps a rustls connection behind [`netcore_tcp::Layer`]: it never touches a
//! socket or a clock, so tests and benchmarks drive two of them against each other in memory.
//! After a fatal error the session stays failed and keeps returning that error.

use std::any::Any;
use std::io::{BufRead, Write};
use std::sync::Arc;
use std::time::Duration;

use netcore_tcp::{Layer, LayerStatus};
use rustls::client::WebPkiServerVerifier;
use rustls::server::danger::ClientCertVerifier;
use rustls::{Connection, HandshakeKind};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};

use crate::cert::PeerCertificate;
use crate::config::{ClientConfig, ServerConfig, Version};
use crate::Error;

/// How a peer's certificate can be verified again after the handshake, for
/// [`TlsSession::authorization_error`].
enum Recheck {
    None,
    Server(Arc<WebPkiServerVerifier>),
    Client(Arc<dyn ClientCertVerifier>),
}

/// One TLS session: a rustls connection with netcore's layer contract.
///
/// ```
/// use netcore_tcp::Layer;
/// use netcore_tls::{ClientOptions, Identity, ServerOptions, TlsSession};
///
/// let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
/// let identity = Identity::from_pem(cert.cert.pem().as_bytes(), cert.signing_key.serialize_pem().as_bytes())?;
/// let server = ServerOptions::new(identity).build()?;
/// let mut ca = ClientOptions::default();
/// ca.ca = Some(vec![cert.cert.der().clone()]);
/// let client = ca.build()?;
///
/// let mut c = TlsSession::client(&client, "localhost")?;
/// let mut s = TlsSession::server(&server)?;
/// let (mut to_s, mut to_c, mut plain) = (Vec::new(), Vec::new(), Vec::new());
/// c.start(&mut to_s).unwrap();
/// c.write_plain(b"hello", &mut to_s).unwrap(); // held until the handshake completes
/// while !(c.is_secure() && s.is_secure() && to_s.is_empty() && to_c.is_empty()) {
///     s.read_wire(&std::mem::take(&mut to_s), &mut plain, &mut to_c).unwrap();
///     c.read_wire(&std::mem::take(&mut to_c), &mut Vec::new(), &mut to_s).unwrap();
/// }
/// assert_eq!(plain, b"hello");
/// # Ok::<(), netcore_tls::Error>(())
/// ```
pub struct TlsSession {
    conn: Connection,
    /// The name a client verified the server against; empty on servers.
    host: String,
    /// Plaintext written before the handshake completed.
    held: Vec<u8>,
    peer_closed: bool,
    failed: Option<Error>,
    recheck: Recheck,
    handshake_timeout: Duration,
}

impl std::fmt::Debug for TlsSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsSession")
            .field("server", &matches!(self.conn, Connection::Server(_)))
            .field("secure", &self.is_secure())
            .field("host", &self.host)
            .finish_non_exhaustive()
    }
}

impl TlsSession {
    /// A client session that verifies the server as `host` (or the configured server name) and
    /// sends that name as SNI (a DNS name; an IP address is verified but not sent).
    pub fn client(config: &ClientConfig, host: &str) -> Result<TlsSession, Error> {
        let name = config.name_for(host).to_string();
        let server_name = ServerName::try_from(name.clone())
            .map_err(|_| Error::InvalidServerName { name: name.clone() })?;
        let mut conn = rustls::ClientConnection::new(config.rustls.clone(), server_name)
            .map_err(|e| Error::from_rustls(e, true, &name))?;
        // Our socket bounds what is queued (the high-water mark); rustls need not drop writes.
        conn.set_buffer_limit(None);
        Ok(TlsSession {
            conn: Connection::Client(conn),
            host: name,
            held: Vec::new(),
            peer_closed: false,
            failed: None,
            recheck: Recheck::Server(config.verifier.clone()),
            handshake_timeout: config.handshake_timeout,
        })
    }

    /// A server session.
    pub fn server(config: &ServerConfig) -> Result<TlsSession, Error> {
        let mut conn = rustls::ServerConnection::new(config.rustls.clone())
            .map_err(|e| Error::from_rustls(e, true, ""))?;
        conn.set_buffer_limit(None);
        Ok(TlsSession {
            conn: Connection::Server(conn),
            host: String::new(),
            held: Vec::new(),
            peer_closed: false,
            failed: None,
            recheck: config.recheck.clone().map_or(Recheck::None, Recheck::Client),
            handshake_timeout: config.handshake_timeout,
        })
    }

    /// Whether this is the server side.
    pub fn is_server(&self) -> bool {
        matches!(self.conn, Connection::Server(_))
    }

    /// The negotiated protocol version (`socket.getProtocol()`), once known.
    pub fn protocol(&self) -> Option<Version> {
        match self.conn.protocol_version()? {
            rustls::ProtocolVersion::TLSv1_2 => Some(Version::Tls12),
            rustls::ProtocolVersion::TLSv1_3 => Some(Version::Tls13),
            _ => None,
        }
    }

    /// The negotiated cipher suite's IANA name (`socket.getCipher().standardName`), e.g.
    /// `"TLS13_AES_128_GCM_SHA256"`.
    pub fn cipher(&self) -> Option<&'static str> {
        self.conn.negotiated_cipher_suite()?.suite().as_str()
    }

    /// The ALPN protocol both sides chose (`socket.alpnProtocol`).
    pub fn alpn_protocol(&self) -> Option<&[u8]> {
        self.conn.alpn_protocol()
    }

    /// The server name: the SNI a server received, or the name a client verified against
    /// (`socket.servername`).
    pub fn server_name(&self) -> Option<&str> {
        match &self.conn {
            Connection::Server(s) => s.server_name(),
            Connection::Client(_) => Some(&self.host),
        }
    }

    /// The peer's certificate chain as sent, leaf first (DER).
    pub fn peer_certificates(&self) -> Option<&[CertificateDer<'static>]> {
        self.conn.peer_certificates()
    }

    /// The peer's certificate, read (`socket.getPeerCertificate()`); `None` if it sent none or
    /// it cannot be read.
    pub fn peer_certificate(&self) -> Option<PeerCertificate> {
        PeerCertificate::parse(self.peer_certificates()?.first()?).ok()
    }

    /// Whether the session was resumed rather than fully negotiated (`socket.isSessionReused()`).
    pub fn is_session_reused(&self) -> bool {
        self.conn.handshake_kind() == Some(HandshakeKind::Resumed)
    }

    /// Why the peer's certificate does not verify, `None` if it does (`socket.authorizationError`;
    /// `socket.authorized` is this being `None`). Meaningful once the handshake completed, when the
    /// configuration let an unverified peer in (`reject_unauthorized: false`); a session that
    /// verified during the handshake is authorized. `now` is the time to verify at.
    pub fn authorization_error(&self, now: UnixTime) -> Option<Error> {
        let chain = self.peer_certificates();
        let (leaf, rest) = match chain.and_then(|c| c.split_first()) {
            Some(split) => split,
            None => return Some(Error::CertificateRequired),
        };
        let result = match &self.recheck {
            Recheck::None => return Some(Error::UnknownIssuer),
            Recheck::Server(v) => {
                let name = ServerName::try_from(self.host.as_str()).ok()?;
                rustls::client::danger::ServerCertVerifier::verify_server_cert(
                    &**v,
                    leaf,
                    rest,
                    &name,
                    &[],
                    now,
                )
                .map(|_| ())
            }
            Recheck::Client(v) => v.verify_client_cert(leaf, rest, now).map(|_| ()),
        };
        result.err().map(|e| Error::from_rustls(e, false, &self.host))
    }

    fn fail(&mut self, e: rustls::Error, wire: &mut Vec<u8>) -> netcore_tcp::Error {
        // rustls queued an alert telling the peer why: send it with the error.
        self.flush(wire);
        let err = Error::from_rustls(e, self.conn.is_handshaking(), &self.host);
        self.failed = Some(err.clone());
        err.into()
    }

    fn flush(&mut self, wire: &mut Vec<u8>) {
        while self.conn.wants_write() {
            // Writing into a Vec cannot fail or block.
            if self.conn.write_tls(wire).is_err() {
                break;
            }
        }
    }

    fn drain_plaintext(&mut self, plain: &mut Vec<u8>) {
        let mut reader = self.conn.reader();
        while let Ok(chunk) = reader.fill_buf() {
            if chunk.is_empty() {
                break;
            }
            let n = chunk.len();
            plain.extend_from_slice(chunk);
            reader.consume(n);
        }
    }
}

impl Layer for TlsSession {
    fn start(&mut self, wire: &mut Vec<u8>) -> Result<(), netcore_tcp::Error> {
        self.flush(wire);
        Ok(())
    }

    fn read_wire(
        &mut self,
        mut input: &[u8],
        plain: &mut Vec<u8>,
        wire: &mut Vec<u8>,
    ) -> Result<LayerStatus, netcore_tcp::Error> {
        if let Some(e) = &self.failed {
            return Err(e.clone().into());
        }
        let was_handshaking = self.conn.is_handshaking();
        // RFC 8446 §6.1: what follows the peer's close_notify is ignored. rustls then takes no more
        // input (`read_tls` answers 0), so the loop must stop there, or one read holding a
        // close_notify and more bytes would spin forever.
        while !input.is_empty() && !self.peer_closed {
            match self.conn.read_tls(&mut input) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) => {
                    let err = Error::Protocol { reason: e.to_string() };
                    self.failed = Some(err.clone());
                    return Err(err.into());
                }
            }
            match self.conn.process_new_packets() {
                Ok(state) => self.peer_closed |= state.peer_has_closed(),
                Err(e) => return Err(self.fail(e, wire)),
            }
            self.drain_plaintext(plain);
        }
        let secured = was_handshaking && !self.conn.is_handshaking();
        if secured && !self.held.is_empty() {
            let held = std::mem::take(&mut self.held);
            // Unbounded buffer: rustls takes it all.
            let _ = self.conn.writer().write_all(&held);
        }
        self.flush(wire);
        Ok(LayerStatus::new(secured, self.peer_closed))
    }

    fn write_plain(&mut self, data: &[u8], wire: &mut Vec<u8>) -> Result<(), netcore_tcp::Error> {
        if let Some(e) = &self.failed {
            return Err(e.clone().into());
        }
        if self.conn.is_handshaking() {
            self.held.extend_from_slice(data);
            return Ok(());
        }
        let _ = self.conn.writer().write_all(data);
        self.flush(wire);
        Ok(())
    }

    fn close(&mut self, wire: &mut Vec<u8>) {
        self.conn.send_close_notify();
        self.flush(wire);
    }

    fn read_eof(&mut self) -> Result<(), netcore_tcp::Error> {
        if let Some(e) = &self.failed {
            return Err(e.clone().into());
        }
        if self.peer_closed {
            return Ok(());
        }
        let err = if self.conn.is_handshaking() { Error::HandshakeEof } else { Error::Truncated };
        self.failed = Some(err.clone());
        Err(err.into())
    }

    fn held(&self) -> usize {
        self.held.len()
    }

    fn is_secure(&self) -> bool {
        !self.conn.is_handshaking() && self.failed.is_none()
    }

    fn handshake_timeout(&self) -> Option<Duration> {
        Some(self.handshake_timeout)
    }

    fn timed_out(&mut self) -> netcore_tcp::Error {
        self.failed = Some(Error::HandshakeTimeout);
        Error::HandshakeTimeout.into()
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ClientOptions, Identity, ServerOptions};

    /// A secured client/server pair, pumped in memory.
    fn pair() -> (TlsSession, TlsSession) {
        let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).expect("cert");
        let key = cert.signing_key.serialize_pem();
        let identity = Identity::from_pem(cert.cert.pem().as_bytes(), key.as_bytes()).expect("identity");
        let server = ServerOptions::new(identity).build().expect("server");
        let options = ClientOptions { ca: Some(vec![cert.cert.der().clone()]), ..ClientOptions::default() };
        let mut c = TlsSession::client(&options.build().expect("client"), "localhost").expect("session");
        let mut s = TlsSession::server(&server).expect("session");
        let (mut to_s, mut to_c) = (Vec::new(), Vec::new());
        c.start(&mut to_s).expect("start");
        while !(c.is_secure() && s.is_secure() && to_s.is_empty() && to_c.is_empty()) {
            s.read_wire(&std::mem::take(&mut to_s), &mut Vec::new(), &mut to_c).expect("server");
            c.read_wire(&std::mem::take(&mut to_c), &mut Vec::new(), &mut to_s).expect("client");
        }
        (c, s)
    }

    #[test]
    fn bytes_after_close_notify_in_one_read_are_ignored_not_spun_on() {
        let (mut c, mut s) = pair();
        // More than rustls takes per `read_tls` (4 KiB): data, close_notify, then junk.
        let mut wire = Vec::new();
        c.write_plain(&[b'x'; 3000], &mut wire).expect("write");
        c.close(&mut wire);
        wire.extend_from_slice(&[0x17, 0x03, 0x03, 0x00, 0x10]);
        wire.extend_from_slice(&[0u8; 2000]);
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut plain = Vec::new();
            let status = s.read_wire(&wire, &mut plain, &mut Vec::new()).expect("read");
            let _ = tx.send((status, plain.len()));
        });
        let (status, plain) =
            rx.recv_timeout(std::time::Duration::from_secs(10)).expect("read_wire returned");
        assert!(status.peer_closed);
        assert_eq!(plain, 3000);
    }
}
