//! Configuration: identities (a certificate chain and its key), and the server's and client's
//! options (Node's `tls.createServer` and `tls.connect` options), built once into a shared
//! rustls configuration.

use std::fmt;
use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{ResolvesClientCert, WebPkiServerVerifier};
use rustls::crypto::CryptoProvider;
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::server::{ClientHello, ResolvesServerCert, WebPkiClientVerifier};
use rustls::sign::CertifiedKey;
use rustls::{DigitallySignedStruct, DistinguishedName, RootCertStore, SignatureScheme};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};

use crate::Error;

/// Node's default handshake timeout (`handshakeTimeout`, 120 s): a connection that has not
/// finished its handshake by then is closed with [`Error::HandshakeTimeout`].
pub const DEFAULT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(120);

/// Client sessions remembered for resumption, per client configuration (rustls's default).
pub const DEFAULT_SESSION_CACHE_SIZE: usize = 256;

/// The crypto provider every configuration uses: ring, with AES-128-GCM first among the suites
/// of each version, as browsers offer them. TLS 1.3's mandatory suite, TLS_AES_128_GCM_SHA256
/// (RFC 8446 §9.1), costs least: ten AES rounds instead of fourteen, and SHA-256, which CPUs with
/// SHA extensions compute several times faster than SHA-384, for the handshake's transcript and
/// key schedule.
pub(crate) fn provider() -> Arc<CryptoProvider> {
    static PROVIDER: OnceLock<Arc<CryptoProvider>> = OnceLock::new();
    PROVIDER
        .get_or_init(|| {
            use rustls::CipherSuite as C;
            let mut provider = rustls::crypto::ring::default_provider();
            provider.cipher_suites.sort_by_key(|s| {
                let tls12 = matches!(s, rustls::SupportedCipherSuite::Tls12(_));
                let aes128 = matches!(
                    s.suite(),
                    C::TLS13_AES_128_GCM_SHA256
                        | C::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
                        | C::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
                );
                (tls12, !aes128)
            });
            Arc::new(provider)
        })
        .clone()
}

/// A TLS protocol version.
///
/// ```
/// use netcore_tls::Version;
/// assert_eq!(Version::Tls13.name(), "TLSv1.3"); // as Node's `socket.getProtocol()`
/// assert!(Version::Tls12 < Version::Tls13); // ordered, as `minVersion`/`maxVersion` are
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Version {
    /// TLS 1.2 (Node's `'TLSv1.2'`).
    Tls12,
    /// TLS 1.3 (Node's `'TLSv1.3'`).
    Tls13,
}

impl Version {
    /// Node's name: `"TLSv1.2"` or `"TLSv1.3"`.
    pub fn name(self) -> &'static str {
        match self {
            Version::Tls12 => "TLSv1.2",
            Version::Tls13 => "TLSv1.3",
        }
    }
}

fn versions(min: Version, max: Version) -> Result<Vec<&'static rustls::SupportedProtocolVersion>, Error> {
    let all = [(Version::Tls12, &rustls::version::TLS12), (Version::Tls13, &rustls::version::TLS13)];
    let chosen: Vec<_> = all.iter().filter(|(v, _)| *v >= min && *v <= max).map(|(_, p)| *p).collect();
    if chosen.is_empty() {
        return Err(Error::Config { reason: format!("min_version {min:?} is above max_version {max:?}") });
    }
    Ok(chosen)
}

/// A certificate chain and its private key: what a server presents, or a client when asked
/// (Node's `key` and `cert`).
///
/// ```
/// # let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
/// # let (cert_pem, key_pem) = (cert.cert.pem(), cert.signing_key.serialize_pem());
/// let identity = netcore_tls::Identity::from_pem(cert_pem.as_bytes(), key_pem.as_bytes())?;
/// assert_eq!(identity.chain().len(), 1);
/// # Ok::<(), netcore_tls::Error>(())
/// ```
#[derive(Clone)]
pub struct Identity {
    key: Arc<CertifiedKey>,
}

impl Identity {
    /// From PEM: a certificate chain (leaf first) and a private key (PKCS#8, PKCS#1 or SEC1).
    pub fn from_pem(chain_pem: &[u8], key_pem: &[u8]) -> Result<Identity, Error> {
        let chain = certificates_from_pem(chain_pem)?;
        let key =
            PrivateKeyDer::from_pem_slice(key_pem).map_err(|_| Error::NoPemItem { what: "private key" })?;
        Identity::from_der(chain, key)
    }

    /// From PEM files (Node's `key: fs.readFileSync(..)`, `cert: ..`).
    pub fn from_pem_files(chain: impl AsRef<Path>, key: impl AsRef<Path>) -> Result<Identity, Error> {
        Identity::from_pem(&std::fs::read(chain)?, &std::fs::read(key)?)
    }

    /// From DER: the chain, leaf first, and the private key.
    pub fn from_der(
        chain: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
    ) -> Result<Identity, Error> {
        if chain.is_empty() {
            return Err(Error::NoPemItem { what: "certificate" });
        }
        let signer = provider()
            .key_provider
            .load_private_key(key)
            .map_err(|e| Error::InvalidKey { reason: e.to_string() })?;
        let key = CertifiedKey::new(chain, signer);
        key.keys_match().map_err(|e| Error::InvalidKey { reason: e.to_string() })?;
        Ok(Identity { key: Arc::new(key) })
    }

    /// The certificate chain, leaf first.
    pub fn chain(&self) -> &[CertificateDer<'static>] {
        &self.key.cert
    }
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Identity").field("chain_len", &self.key.cert.len()).finish_non_exhaustive()
    }
}

/// Every certificate in a PEM bundle (Node's `ca` or `cert`), in order.
///
/// ```
/// assert!(netcore_tls::certificates_from_pem(b"not pem").is_err());
/// ```
pub fn certificates_from_pem(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, Error> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Error::Config { reason: format!("bad PEM certificate: {e}") })?;
    if certs.is_empty() {
        return Err(Error::NoPemItem { what: "certificate" });
    }
    Ok(certs)
}

fn root_store(ca: &[CertificateDer<'static>]) -> Result<RootCertStore, Error> {
    let mut roots = RootCertStore::empty();
    for cert in ca {
        roots
            .add(cert.clone())
            .map_err(|e| Error::Config { reason: format!("unusable CA certificate: {e}") })?;
    }
    Ok(roots)
}

/// Picks the server's certificate for the name a client asks for (Node's `SNICallback`, made
/// synchronous): `None` falls back to the server's default identity.
///
/// ```
/// use std::sync::Arc;
/// use netcore_tls::{Identity, ServerOptions, SniCallback};
///
/// let identity = |name: &str| {
///     let made = rcgen::generate_simple_self_signed(vec![name.to_string()]).unwrap();
///     let key = made.signing_key.serialize_pem();
///     Identity::from_pem(made.cert.pem().as_bytes(), key.as_bytes()).unwrap()
/// };
/// let api = identity("api.example");
/// // An identity for the names it knows; the default one for the rest.
/// let pick: SniCallback = Arc::new(move |name: &str| (name == "api.example").then(|| api.clone()));
/// assert!(pick("api.example").is_some() && pick("www.example").is_none());
/// let mut options = ServerOptions::new(identity("www.example"));
/// options.sni_callback = Some(pick);
/// let _config = options.build()?;
/// # Ok::<(), netcore_tls::Error>(())
/// ```
pub type SniCallback = Arc<dyn Fn(&str) -> Option<Identity> + Send + Sync>;

/// A server's TLS options (Node's `tls.createServer` options). Build once with
/// [`build`](ServerOptions::build); every connection shares the result.
///
/// ```
/// use netcore_tls::{Identity, ServerOptions, Version};
///
/// let made = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
/// let key = made.signing_key.serialize_pem();
/// let mut options = ServerOptions::new(Identity::from_pem(made.cert.pem().as_bytes(), key.as_bytes())?);
/// options.alpn_protocols = vec![b"http/1.1".to_vec()]; // `ALPNProtocols`
/// options.min_version = Version::Tls13; // `minVersion: 'TLSv1.3'`
/// let config = options.build()?; // once; every connection shares it
/// assert_eq!(config.handshake_timeout(), netcore_tls::DEFAULT_HANDSHAKE_TIMEOUT);
/// # Ok::<(), netcore_tls::Error>(())
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct ServerOptions {
    /// The default certificate and key (`key`, `cert`); may be `None` if every name is covered by
    /// [`sni`](Self::sni) or the callback.
    pub identity: Option<Identity>,
    /// Certificates by server name: exact names, or `*.example.com` for one label (Node's
    /// `server.addContext`). Default empty.
    pub sni: Vec<(String, Identity)>,
    /// Picks a certificate for names [`sni`](Self::sni) does not cover (`SNICallback`). Default none.
    pub sni_callback: Option<SniCallback>,
    /// ALPN protocols in order of preference, e.g. `b"http/1.1"` (`ALPNProtocols`). A client that
    /// offers only others is refused with `no_application_protocol`. Default none: no ALPN.
    pub alpn_protocols: Vec<Vec<u8>>,
    /// Ask clients for a certificate (`requestCert`, default false).
    pub request_cert: bool,
    /// With `request_cert`: refuse clients without a certificate signed by [`ca`](Self::ca)
    /// (`rejectUnauthorized`, default true). When false, any certificate is accepted and
    /// [`TlsSession::authorization_error`](crate::TlsSession::authorization_error) says whether it verified.
    pub reject_unauthorized: bool,
    /// CAs that sign acceptable client certificates (`ca`). Default empty.
    pub ca: Vec<CertificateDer<'static>>,
    /// Issue session tickets for TLS 1.3 and 1.2 resumption (default true); without them the
    /// server still resumes from its in-memory session cache.
    pub session_tickets: bool,
    /// Lowest protocol version accepted (`minVersion`, default TLS 1.2).
    pub min_version: Version,
    /// Highest protocol version accepted (`maxVersion`, default TLS 1.3).
    pub max_version: Version,
    /// Connections that have not completed their handshake by then are closed
    /// (`handshakeTimeout`, default [`DEFAULT_HANDSHAKE_TIMEOUT`]).
    pub handshake_timeout: Duration,
    /// Pick the cipher suite by the server's order, AES-128-GCM first, rather than the client's
    /// (`honorCipherOrder`, default true). Every suite offered is strong; the server's order only
    /// picks the cheapest the client accepts.
    pub honor_cipher_order: bool,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            identity: None,
            sni: Vec::new(),
            sni_callback: None,
            alpn_protocols: Vec::new(),
            request_cert: false,
            reject_unauthorized: true,
            ca: Vec::new(),
            session_tickets: true,
            honor_cipher_order: true,
            min_version: Version::Tls12,
            max_version: Version::Tls13,
            handshake_timeout: DEFAULT_HANDSHAKE_TIMEOUT,
        }
    }
}

impl fmt::Debug for ServerOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerOptions")
            .field("identity", &self.identity)
            .field("sni", &self.sni.iter().map(|(n, _)| n).collect::<Vec<_>>())
            .field("sni_callback", &self.sni_callback.is_some())
            .field("alpn_protocols", &self.alpn_protocols)
            .field("request_cert", &self.request_cert)
            .field("reject_unauthorized", &self.reject_unauthorized)
            .field("ca", &self.ca.len())
            .field("min_version", &self.min_version)
            .field("max_version", &self.max_version)
            .finish_non_exhaustive()
    }
}

impl ServerOptions {
    /// Options with `identity` as the default certificate.
    pub fn new(identity: Identity) -> ServerOptions {
        ServerOptions { identity: Some(identity), ..ServerOptions::default() }
    }

    /// Builds the configuration all the server's connections share.
    pub fn build(&self) -> Result<ServerConfig, Error> {
        if self.identity.is_none() && self.sni.is_empty() && self.sni_callback.is_none() {
            return Err(Error::Config {
                reason: "a server needs an identity, sni entries or a callback".into(),
            });
        }
        let provider = provider();
        let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(&versions(self.min_version, self.max_version)?)
            .map_err(|e| Error::Config { reason: e.to_string() })?;
        let roots = Arc::new(root_store(&self.ca)?);
        let recheck = if self.request_cert && !self.ca.is_empty() {
            let v = WebPkiClientVerifier::builder_with_provider(roots.clone(), provider.clone())
                .allow_unauthenticated()
                .build()
                .map_err(|e| Error::Config { reason: e.to_string() })?;
            Some(v)
        } else {
            None
        };
        let builder = match (self.request_cert, self.reject_unauthorized, &recheck) {
            (false, _, _) => builder.with_no_client_auth(),
            (true, true, None) => {
                return Err(Error::Config {
                    reason: "request_cert with reject_unauthorized needs a ca".into(),
                })
            }
            (true, true, Some(_)) => {
                let v = WebPkiClientVerifier::builder_with_provider(roots.clone(), provider.clone())
                    .build()
                    .map_err(|e| Error::Config { reason: e.to_string() })?;
                builder.with_client_cert_verifier(v)
            }
            (true, false, _) => builder.with_client_cert_verifier(Arc::new(AcceptAnyClient {
                hints: recheck.as_ref().map(|v| v.root_hint_subjects().to_vec()).unwrap_or_default(),
                provider: provider.clone(),
            })),
        };
        let resolver = ServerCertResolver {
            default: self.identity.clone(),
            by_name: self.sni.clone(),
            callback: self.sni_callback.clone(),
        };
        let mut config = builder.with_cert_resolver(Arc::new(resolver));
        config.alpn_protocols = self.alpn_protocols.clone();
        config.ignore_client_order = self.honor_cipher_order;
        if self.session_tickets {
            config.ticketer =
                rustls::crypto::ring::Ticketer::new().map_err(|e| Error::Config { reason: e.to_string() })?;
        }
        Ok(ServerConfig { rustls: Arc::new(config), recheck, handshake_timeout: self.handshake_timeout })
    }
}

/// A built server configuration, shared by every connection (cheap to clone).
///
/// ```
/// use std::sync::Arc;
/// use netcore_tls::{Identity, ServerOptions, DEFAULT_HANDSHAKE_TIMEOUT};
/// # let made = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
/// # let key = made.signing_key.serialize_pem();
/// # let identity = Identity::from_pem(made.cert.pem().as_bytes(), key.as_bytes())?;
/// let mut options = ServerOptions::new(identity);
/// options.alpn_protocols = vec![b"http/1.1".to_vec()];
/// let config = options.build()?;
/// assert_eq!(config.handshake_timeout(), DEFAULT_HANDSHAKE_TIMEOUT);
/// assert_eq!(config.rustls().alpn_protocols, [b"http/1.1".to_vec()]);
/// let shared = config.clone(); // the same rustls configuration, not a copy
/// assert!(Arc::ptr_eq(shared.rustls(), config.rustls()));
/// # Ok::<(), netcore_tls::Error>(())
/// ```
#[derive(Clone)]
pub struct ServerConfig {
    pub(crate) rustls: Arc<rustls::ServerConfig>,
    /// Verifies client certificates after the fact when they were accepted unverified.
    pub(crate) recheck: Option<Arc<dyn ClientCertVerifier>>,
    pub(crate) handshake_timeout: Duration,
}

impl ServerConfig {
    /// A configuration from a rustls one, for settings these options do not cover.
    pub fn from_rustls(config: Arc<rustls::ServerConfig>) -> ServerConfig {
        ServerConfig { rustls: config, recheck: None, handshake_timeout: DEFAULT_HANDSHAKE_TIMEOUT }
    }

    /// The rustls configuration inside.
    pub fn rustls(&self) -> &Arc<rustls::ServerConfig> {
        &self.rustls
    }

    /// How long a connection may take to complete its handshake.
    pub fn handshake_timeout(&self) -> Duration {
        self.handshake_timeout
    }
}

impl fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerConfig").field("alpn", &self.rustls.alpn_protocols).finish_non_exhaustive()
    }
}

struct ServerCertResolver {
    default: Option<Identity>,
    by_name: Vec<(String, Identity)>,
    callback: Option<SniCallback>,
}

impl fmt::Debug for ServerCertResolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerCertResolver").field("names", &self.by_name.len()).finish_non_exhaustive()
    }
}

/// Whether `pattern` (a name or `*.suffix`) covers `name`, ignoring ASCII case (RFC 4343).
fn name_matches(pattern: &str, name: &str) -> bool {
    match pattern.strip_prefix("*.") {
        Some(suffix) => name
            .split_once('.')
            .is_some_and(|(label, rest)| !label.is_empty() && rest.eq_ignore_ascii_case(suffix)),
        None => pattern.eq_ignore_ascii_case(name),
    }
}

impl ResolvesServerCert for ServerCertResolver {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        // rustls hands the SNI over lowercased already: no copy per handshake.
        if let Some(name) = hello.server_name() {
            if let Some((_, id)) = self.by_name.iter().find(|(p, _)| name_matches(p, name)) {
                return Some(id.key.clone());
            }
            if let Some(id) = self.callback.as_ref().and_then(|cb| cb(name)) {
                return Some(id.key);
            }
        }
        self.default.as_ref().map(|id| id.key.clone())
    }
}

/// The handshake-signature methods both accept-any verifiers share: certificates go unchecked,
/// but the peer must still prove it holds the certificate's key.
macro_rules! signature_checks {
    () => {
        fn verify_tls12_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            let algorithms = &self.provider.signature_verification_algorithms;
            rustls::crypto::verify_tls12_signature(message, cert, dss, algorithms)
        }
        fn verify_tls13_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            let algorithms = &self.provider.signature_verification_algorithms;
            rustls::crypto::verify_tls13_signature(message, cert, dss, algorithms)
        }
        fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
            self.provider.signature_verification_algorithms.supported_schemes()
        }
    };
}

/// Requests a client certificate and accepts any (Node's `requestCert` without
/// `rejectUnauthorized`); the handshake still proves the client holds the key.
#[derive(Debug)]
struct AcceptAnyClient {
    hints: Vec<DistinguishedName>,
    provider: Arc<CryptoProvider>,
}

impl ClientCertVerifier for AcceptAnyClient {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &self.hints
    }
    fn client_auth_mandatory(&self) -> bool {
        false
    }
    fn verify_client_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        Ok(ClientCertVerified::assertion())
    }
    signature_checks!();
}

/// A client's TLS options (Node's `tls.connect` options). Build once with
/// [`build`](ClientOptions::build) and share the result: its session cache is what lets later
/// connections resume.
///
/// ```
/// use netcore_tls::ClientOptions;
///
/// let made = rcgen::generate_simple_self_signed(vec!["api.internal".into()]).unwrap();
/// // Node's `{ ca: fs.readFileSync('ca.pem'), servername: 'api.internal' }`.
/// let mut options = ClientOptions::with_ca_pem(made.cert.pem().as_bytes())?;
/// options.server_name = Some("api.internal".into()); // SNI and verification, whatever host we dial
/// options.alpn_protocols = vec![b"http/1.1".to_vec()];
/// let config = options.build()?; // build once and share: its session cache lets later connections resume
/// # let _ = config;
/// # Ok::<(), netcore_tls::Error>(())
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ClientOptions {
    /// The name sent as SNI and verified against the certificate (`servername`). Default: the
    /// host connected to.
    pub server_name: Option<String>,
    /// CAs to trust instead of the bundled Mozilla roots (`ca`). Default none: the bundled roots.
    pub ca: Option<Vec<CertificateDer<'static>>>,
    /// Verify the server's certificate (`rejectUnauthorized`, default true). Turn off only with
    /// [`danger_accept_invalid_certs`](Self::danger_accept_invalid_certs).
    pub reject_unauthorized: bool,
    /// ALPN protocols to offer, in order of preference (`ALPNProtocols`). Default none.
    pub alpn_protocols: Vec<Vec<u8>>,
    /// The client's certificate and key, for servers that ask (`key`, `cert`). Default none.
    pub identity: Option<Identity>,
    /// Sessions remembered for resumption (default [`DEFAULT_SESSION_CACHE_SIZE`]; 0 disables).
    pub session_cache_size: usize,
    /// Lowest protocol version offered (`minVersion`, default TLS 1.2).
    pub min_version: Version,
    /// Highest protocol version offered (`maxVersion`, default TLS 1.3).
    pub max_version: Version,
    /// The handshake must complete within this (default [`DEFAULT_HANDSHAKE_TIMEOUT`]).
    pub handshake_timeout: Duration,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            server_name: None,
            ca: None,
            reject_unauthorized: true,
            alpn_protocols: Vec::new(),
            identity: None,
            session_cache_size: DEFAULT_SESSION_CACHE_SIZE,
            min_version: Version::Tls12,
            max_version: Version::Tls13,
            handshake_timeout: DEFAULT_HANDSHAKE_TIMEOUT,
        }
    }
}

impl ClientOptions {
    /// Options trusting exactly the CAs in `ca_pem` (Node's `ca: fs.readFileSync('ca.pem')`).
    pub fn with_ca_pem(ca_pem: &[u8]) -> Result<ClientOptions, Error> {
        Ok(ClientOptions { ca: Some(certificates_from_pem(ca_pem)?), ..ClientOptions::default() })
    }

    /// **Dangerous**: accept any server certificate, expired, self-signed or for another host
    /// (Node's `rejectUnauthorized: false`). The connection is encrypted but not authenticated: anyone
    /// on the path can read and change it. For tests against throwaway certificates only;
    /// [`TlsSession::authorization_error`](crate::TlsSession::authorization_error) still tells what
    /// verification would have said.
    pub fn danger_accept_invalid_certs(mut self) -> ClientOptions {
        self.reject_unauthorized = false;
        self
    }

    /// Builds the configuration connections share.
    pub fn build(&self) -> Result<ClientConfig, Error> {
        let provider = provider();
        let roots = match &self.ca {
            Some(ca) => root_store(ca)?,
            None => RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() },
        };
        let verifier = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
            .build()
            .map_err(|e| Error::Config { reason: e.to_string() })?;
        let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(&versions(self.min_version, self.max_version)?)
            .map_err(|e| Error::Config { reason: e.to_string() })?;
        let builder = if self.reject_unauthorized {
            builder.with_webpki_verifier(verifier.clone())
        } else {
            builder.dangerous().with_custom_certificate_verifier(Arc::new(AcceptAnyServer { provider }))
        };
        let mut config = match &self.identity {
            Some(id) => builder.with_client_cert_resolver(Arc::new(ClientCert(id.key.clone()))),
            None => builder.with_no_client_auth(),
        };
        config.alpn_protocols = self.alpn_protocols.clone();
        config.resumption = if self.session_cache_size == 0 {
            rustls::client::Resumption::disabled()
        } else {
            rustls::client::Resumption::in_memory_sessions(self.session_cache_size)
        };
        if let Some(name) = &self.server_name {
            ServerName::try_from(name.clone())
                .map_err(|_| Error::InvalidServerName { name: name.clone() })?;
        }
        Ok(ClientConfig {
            rustls: Arc::new(config),
            verifier,
            server_name: self.server_name.clone(),
            handshake_timeout: self.handshake_timeout,
        })
    }
}

/// A built client configuration (cheap to clone; clones share the session cache).
///
/// ```
/// use std::sync::Arc;
/// use netcore_tls::{ClientOptions, DEFAULT_HANDSHAKE_TIMEOUT};
/// let mut options = ClientOptions::default(); // the bundled Mozilla roots
/// options.alpn_protocols = vec![b"http/1.1".to_vec()];
/// let config = options.build()?;
/// assert_eq!(config.handshake_timeout(), DEFAULT_HANDSHAKE_TIMEOUT);
/// assert_eq!(config.rustls().alpn_protocols, [b"http/1.1".to_vec()]);
/// assert!(Arc::ptr_eq(config.clone().rustls(), config.rustls())); // one session cache
/// // A bad `servername` is refused when building, not at the first connection.
/// options.server_name = Some("not a host name".into());
/// assert!(options.build().is_err());
/// # Ok::<(), netcore_tls::Error>(())
/// ```
#[derive(Clone)]
pub struct ClientConfig {
    pub(crate) rustls: Arc<rustls::ClientConfig>,
    /// The verifier of `ca` (or the bundled roots), also used to re-check an unverified peer.
    pub(crate) verifier: Arc<WebPkiServerVerifier>,
    pub(crate) server_name: Option<String>,
    pub(crate) handshake_timeout: Duration,
}

impl ClientConfig {
    /// The rustls configuration inside.
    pub fn rustls(&self) -> &Arc<rustls::ClientConfig> {
        &self.rustls
    }

    /// How long a connection may take to complete its handshake.
    pub fn handshake_timeout(&self) -> Duration {
        self.handshake_timeout
    }

    /// The name connections verify against: the configured one, else `host`.
    pub(crate) fn name_for<'a>(&'a self, host: &'a str) -> &'a str {
        self.server_name.as_deref().unwrap_or(host)
    }
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field("server_name", &self.server_name)
            .field("alpn", &self.rustls.alpn_protocols)
            .finish_non_exhaustive()
    }
}

#[derive(Debug)]
struct ClientCert(Arc<CertifiedKey>);

impl ResolvesClientCert for ClientCert {
    fn resolve(&self, _hints: &[&[u8]], _schemes: &[SignatureScheme]) -> Option<Arc<CertifiedKey>> {
        Some(self.0.clone())
    }
    fn has_certs(&self) -> bool {
        true
    }
}

/// Accepts any server certificate; signatures are still checked (see
/// [`ClientOptions::danger_accept_invalid_certs`]).
#[derive(Debug)]
struct AcceptAnyServer {
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for AcceptAnyServer {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }
    signature_checks!();
}

#[cfg(test)]
mod tests {
    use super::{name_matches, provider};
    use rustls::CipherSuite as C;

    #[test]
    fn aes_128_gcm_leads_each_version() {
        let suites: Vec<C> = provider().cipher_suites.iter().map(|s| s.suite()).collect();
        assert_eq!(suites[0], C::TLS13_AES_128_GCM_SHA256);
        let first12 = suites.iter().position(|s| !format!("{s:?}").starts_with("TLS13")).unwrap();
        assert!(suites[..first12].iter().all(|s| format!("{s:?}").starts_with("TLS13")));
        assert!(format!("{:?}", suites[first12]).contains("AES_128_GCM"));
    }

    #[test]
    fn wildcards_cover_one_label() {
        assert!(name_matches("*.example.com", "a.example.com"));
        assert!(!name_matches("*.example.com", "a.b.example.com"));
        assert!(!name_matches("*.example.com", "example.com"));
        assert!(name_matches("example.com", "example.com"));
    }
}
