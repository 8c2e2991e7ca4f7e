//! The tls crate's error type, with Node's error names.

use std::fmt;
use std::io;
use std::sync::Arc;

use rustls::{AlertDescription, CertificateError};

/// Everything that can go wrong with a TLS socket or its configuration.
///
/// [`code`](Error::code) gives the name Node uses for the same failure (`CERT_HAS_EXPIRED`,
/// `ERR_TLS_CERT_ALTNAME_INVALID`, …). On a socket the error arrives as
/// [`netcore_tcp::Error::Layer`]; [`Error::from_socket`] gets this type back.
///
/// ```
/// use netcore_tcp::Layer;
/// use netcore_tls::{ClientOptions, Identity, ServerOptions, TlsSession};
///
/// // A server with a self-signed certificate, and a client that trusts only the bundled roots.
/// let made = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
/// let key = made.signing_key.serialize_pem();
/// let server = ServerOptions::new(Identity::from_pem(made.cert.pem().as_bytes(), key.as_bytes())?).build()?;
/// let mut s = TlsSession::server(&server)?;
/// let mut c = TlsSession::client(&ClientOptions::default().build()?, "localhost")?;
///
/// let (mut to_s, mut to_c) = (Vec::new(), Vec::new());
/// c.start(&mut to_s).unwrap();
/// s.read_wire(&to_s, &mut Vec::new(), &mut to_c).unwrap();
/// let err = c.read_wire(&to_c, &mut Vec::new(), &mut Vec::new()).unwrap_err();
/// // As Node reports it on the socket's `error` event:
/// assert_eq!(err.code(), "UNABLE_TO_GET_ISSUER_CERT_LOCALLY");
/// assert!(matches!(netcore_tls::Error::from_socket(&err), Some(netcore_tls::Error::UnknownIssuer)));
/// # Ok::<(), netcore_tls::Error>(())
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Error {
    // ----- the peer's certificate (verified by us) -----
    /// The peer's certificate has expired (`CERT_HAS_EXPIRED`).
    CertificateExpired,
    /// The peer's certificate is not valid yet (`CERT_NOT_YET_VALID`).
    CertificateNotYetValid,
    /// The peer's certificate does not name the host we connected to (`ERR_TLS_CERT_ALTNAME_INVALID`).
    HostnameMismatch {
        /// The name we expected.
        host: String,
    },
    /// The peer's certificate chains to no CA we trust (`UNABLE_TO_GET_ISSUER_CERT_LOCALLY`).
    UnknownIssuer,
    /// The peer's certificate is otherwise unacceptable (`ERR_TLS_CERT_INVALID`).
    BadCertificate {
        /// What was wrong with it.
        reason: String,
    },
    /// We require a client certificate and the client sent none (`ERR_TLS_CERT_REQUIRED`).
    CertificateRequired,

    // ----- the peer's protocol -----
    /// The peer aborted the handshake or the session with an alert (`ERR_SSL_TLSV1_ALERT_*`,
    /// `ERR_SSL_SSLV3_ALERT_*`, as OpenSSL names them).
    AlertReceived {
        /// The alert, e.g. `"UnknownCA"`.
        alert: String,
        /// Node's name for it.
        code: &'static str,
    },
    /// The peer's bytes are not TLS, e.g. a plain HTTP request on a TLS port
    /// (`ERR_SSL_WRONG_VERSION_NUMBER`).
    NotTls,
    /// No protocol version, cipher suite, key exchange group or signature scheme both sides
    /// accept: `ERR_SSL_UNSUPPORTED_PROTOCOL` for versions, `ERR_SSL_NO_SHARED_CIPHER` for the
    /// rest, as OpenSSL names them.
    NoCommonParameters {
        /// rustls's description of the mismatch.
        reason: String,
        /// Node's name for it.
        code: &'static str,
    },
    /// No ALPN protocol both sides accept (`ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL`).
    NoApplicationProtocol,
    /// Any other breach of the protocol by the peer, or a failure of ours (`ERR_SSL_PROTOCOL_ERROR`).
    Protocol {
        /// rustls's description.
        reason: String,
    },

    // ----- the connection -----
    /// The connection closed before the handshake completed (`ECONNRESET`, Node's "Client network
    /// socket disconnected before secure TLS connection was established").
    HandshakeEof,
    /// The connection closed without the peer's close_notify: the data may have been cut short
    /// by an attacker (`ERR_SSL_UNEXPECTED_EOF_WHILE_READING`).
    Truncated,
    /// The handshake did not complete in time (`ERR_TLS_HANDSHAKE_TIMEOUT`).
    HandshakeTimeout,

    // ----- configuration (ours) -----
    /// No PEM item of the kind needed was found (`ERR_OSSL_PEM_NO_START_LINE`).
    NoPemItem {
        /// What was looked for: `"certificate"` or `"private key"`.
        what: &'static str,
    },
    /// The private key is malformed, of an unsupported kind, or does not match the certificate
    /// (`ERR_OSSL_X509_KEY_VALUES_MISMATCH`).
    InvalidKey {
        /// rustls's description.
        reason: String,
    },
    /// The server name is neither a DNS name nor an IP address (`ERR_INVALID_ARG_VALUE`).
    InvalidServerName {
        /// What was given.
        name: String,
    },
    /// Any other unusable configuration (`ERR_INVALID_ARG_VALUE`).
    Config {
        /// What is wrong.
        reason: String,
    },
    /// Reading a file of the configuration failed.
    Io(Arc<io::Error>),
}

impl Error {
    /// Node's name for this error.
    ///
    /// ```
    /// assert_eq!(netcore_tls::Error::CertificateExpired.code(), "CERT_HAS_EXPIRED");
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            Error::CertificateExpired => "CERT_HAS_EXPIRED",
            Error::CertificateNotYetValid => "CERT_NOT_YET_VALID",
            Error::HostnameMismatch { .. } => "ERR_TLS_CERT_ALTNAME_INVALID",
            Error::UnknownIssuer => "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
            Error::BadCertificate { .. } => "ERR_TLS_CERT_INVALID",
            Error::CertificateRequired => "ERR_TLS_CERT_REQUIRED",
            Error::AlertReceived { code, .. } => code,
            Error::NotTls => "ERR_SSL_WRONG_VERSION_NUMBER",
            Error::NoCommonParameters { code, .. } => code,
            Error::NoApplicationProtocol => "ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL",
            Error::Protocol { .. } => "ERR_SSL_PROTOCOL_ERROR",
            Error::HandshakeEof => "ECONNRESET",
            Error::Truncated => "ERR_SSL_UNEXPECTED_EOF_WHILE_READING",
            Error::HandshakeTimeout => "ERR_TLS_HANDSHAKE_TIMEOUT",
            Error::NoPemItem { .. } => "ERR_OSSL_PEM_NO_START_LINE",
            Error::InvalidKey { .. } => "ERR_OSSL_X509_KEY_VALUES_MISMATCH",
            Error::InvalidServerName { .. } | Error::Config { .. } => "ERR_INVALID_ARG_VALUE",
            Error::Io(e) => match e.kind() {
                io::ErrorKind::NotFound => "ENOENT",
                io::ErrorKind::PermissionDenied => "EACCES",
                _ => "EIO",
            },
        }
    }

    /// The TLS error inside a socket's error, if it is one.
    ///
    /// ```
    /// use netcore_tls::Error;
    /// let socket_error: netcore_tcp::Error = Error::UnknownIssuer.into();
    /// assert_eq!(socket_error.code(), "UNABLE_TO_GET_ISSUER_CERT_LOCALLY");
    /// assert!(matches!(Error::from_socket(&socket_error), Some(Error::UnknownIssuer)));
    /// ```
    pub fn from_socket(error: &netcore_tcp::Error) -> Option<&Error> {
        match error {
            netcore_tcp::Error::Layer { error, .. } => error.downcast_ref(),
            _ => None,
        }
    }

    /// Classifies a rustls error; `host` is the name a client verified against.
    pub(crate) fn from_rustls(e: rustls::Error, handshaking: bool, host: &str) -> Error {
        use rustls::Error as R;
        match e {
            R::InvalidCertificate(c) => match c {
                CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                    Error::CertificateExpired
                }
                CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                    Error::CertificateNotYetValid
                }
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                    Error::HostnameMismatch { host: host.to_string() }
                }
                CertificateError::UnknownIssuer => Error::UnknownIssuer,
                other => Error::BadCertificate { reason: format!("{other:?}") },
            },
            R::NoCertificatesPresented => Error::CertificateRequired,
            R::AlertReceived(alert) => {
                Error::AlertReceived { alert: format!("{alert:?}"), code: alert_code(alert) }
            }
            R::InvalidMessage(_) if handshaking => Error::NotTls,
            R::PeerIncompatible(p) => {
                use rustls::PeerIncompatible as P;
                let code = match p {
                    P::ServerDoesNotSupportTls12Or13
                    | P::ServerTlsVersionIsDisabledByOurConfig
                    | P::SupportedVersionsExtensionRequired
                    | P::Tls12NotOffered
                    | P::Tls12NotOfferedOrEnabled => "ERR_SSL_UNSUPPORTED_PROTOCOL",
                    _ => "ERR_SSL_NO_SHARED_CIPHER",
                };
                Error::NoCommonParameters { reason: format!("{p:?}"), code }
            }
            R::NoApplicationProtocol => Error::NoApplicationProtocol,
            other => Error::Protocol { reason: other.to_string() },
        }
    }
}

/// OpenSSL's names for alerts, as Node reports them.
fn alert_code(alert: AlertDescription) -> &'static str {
    match alert {
        AlertDescription::HandshakeFailure => "ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE",
        AlertDescription::BadCertificate => "ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE",
        AlertDescription::CertificateExpired => "ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED",
        AlertDescription::CertificateUnknown => "ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN",
        AlertDescription::UnknownCA => "ERR_SSL_TLSV1_ALERT_UNKNOWN_CA",
        AlertDescription::ProtocolVersion => "ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION",
        AlertDescription::DecryptError => "ERR_SSL_TLSV1_ALERT_DECRYPT_ERROR",
        AlertDescription::InternalError => "ERR_SSL_TLSV1_ALERT_INTERNAL_ERROR",
        AlertDescription::NoApplicationProtocol => "ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL",
        AlertDescription::CertificateRequired => "ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED",
        AlertDescription::UnrecognisedName => "ERR_SSL_TLSV1_UNRECOGNIZED_NAME",
        AlertDescription::AccessDenied => "ERR_SSL_TLSV1_ALERT_ACCESS_DENIED",
        AlertDescription::DecodeError => "ERR_SSL_TLSV1_ALERT_DECODE_ERROR",
        AlertDescription::IllegalParameter => "ERR_SSL_SSLV3_ALERT_ILLEGAL_PARAMETER",
        _ => "ERR_SSL_TLSV1_ALERT",
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::CertificateExpired => f.write_str("certificate has expired"),
            Error::CertificateNotYetValid => f.write_str("certificate is not yet valid"),
            Error::HostnameMismatch { host } => write!(f, "certificate is not valid for {host:?}"),
            Error::UnknownIssuer => f.write_str("unable to get local issuer certificate"),
            Error::BadCertificate { reason } => write!(f, "invalid certificate: {reason}"),
            Error::CertificateRequired => f.write_str("peer did not present a certificate"),
            Error::AlertReceived { alert, .. } => write!(f, "peer sent alert {alert}"),
            Error::NotTls => f.write_str("peer did not speak TLS (wrong version number)"),
            Error::NoCommonParameters { reason, .. } => write!(f, "no common protocol parameters: {reason}"),
            Error::NoApplicationProtocol => f.write_str("no application protocol in common (ALPN)"),
            Error::Protocol { reason } => write!(f, "tls protocol error: {reason}"),
            Error::HandshakeEof => {
                f.write_str("socket disconnected before secure TLS connection was established")
            }
            Error::Truncated => f.write_str("connection closed without close_notify (truncated)"),
            Error::HandshakeTimeout => f.write_str("TLS handshake timeout"),
            Error::NoPemItem { what } => write!(f, "no PEM {what} found"),
            Error::InvalidKey { reason } => write!(f, "unusable private key: {reason}"),
            Error::InvalidServerName { name } => write!(f, "invalid server name {name:?}"),
            Error::Config { reason } => write!(f, "invalid TLS configuration: {reason}"),
            Error::Io(e) => write!(f, "{e}"),
        }?;
        write!(f, " ({})", self.code())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io(e) => Some(&**e),
            _ => None,
        }
    }
}

impl From<Error> for netcore_tcp::Error {
    fn from(e: Error) -> netcore_tcp::Error {
        netcore_tcp::Error::Layer { code: e.code(), error: Arc::new(e) }
    }
}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Error {
        Error::Io(Arc::new(e))
    }
}
