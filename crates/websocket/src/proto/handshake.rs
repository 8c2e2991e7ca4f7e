//! The opening handshake (RFC 6455 §4) over `netcore_http1`'s parsed heads: the server checks
//! the client's upgrade request and writes the 101 (or a refusal); the client writes the request
//! and checks the 101.
//!
//! ```text
//! client  ClientKey::generate ─ write_request ──▶ GET /chat HTTP/1.1 … Sec-WebSocket-Key: dGhl…
//! server  parse_request ─ validate_request ─▶ ClientHandshake (protocols, origin, extension offers)
//!           ├─ write_accept ──▶ HTTP/1.1 101 Switching Protocols … Sec-WebSocket-Accept: s3pP…
//!           └─ write_reject ──▶ HTTP/1.1 4xx … Connection: close           (err.status())
//! client  parse_response ─ verify_response ─▶ Accepted { protocol, deflate }
//!                                            or UnexpectedResponse { status }   (Node ws's
//!                                               "unexpected-response")
//! ```
//!
//! What is the binding's job, not this module's: checking `Origin` or anything else before
//! accepting (Node `ws`'s `verifyClient`), choosing the subprotocol (its `handleProtocols`),
//! following redirects, timeouts.

use std::fmt;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use netcore_http1::proto::encode::{write_request_head, write_response_head_iter, BodyLength, EncodeError};
use netcore_http1::proto::{is_token, Headers, RequestHead, ResponseHead, Version};
use sha1::{Digest, Sha1};

use super::extension::NegotiationError;
use super::extension::{
    parse_extension_fields, DeflateConfig, DeflateParams, Extension, ExtensionSyntaxError,
};
use super::rng::MaskRng;

/// The GUID a server appends to the key before hashing (RFC 6455 §1.3).
pub const GUID: &[u8] = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// The only protocol version this implementation speaks (RFC 6455 §4.1).
pub const VERSION: &str = "13";

/// Why a handshake failed: the request's rule broken (the client's fault; the server answers
/// with [`HandshakeError::status`]), the response's rule broken (the server's fault; the client
/// fails the connection), or an argument we were given that cannot be written (our fault).
///
/// ```
/// use netcore_http1::proto::{parse_request, Limits};
/// use netcore_websocket::proto::handshake::{validate_request, HandshakeError};
/// let raw = b"GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
///             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n";
/// let (_, head) = parse_request(raw, &Limits::default()).unwrap().unwrap();
/// let err = validate_request(&head).unwrap_err();
/// assert_eq!((err, err.status(), err.is_local()), (HandshakeError::UnsupportedVersion, 426, false));
/// let mut answer = Vec::new();
/// err.write_response(&mut answer); // 426, with the version we speak
/// assert!(answer.starts_with(b"HTTP/1.1 426 Upgrade Required\r\n"));
/// assert!(answer.windows(25).any(|w| w == b"Sec-WebSocket-Version: 13"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HandshakeError {
    // ----- the request (server side) -----
    /// The method is not `GET` (RFC 6455 §4.1 item 2). Status 405, as Node `ws`.
    MethodNotGet,
    /// The request is not HTTP/1.1 (RFC 6455 §4.1 item 2). Status 400.
    HttpVersion,
    /// `Upgrade` does not list `websocket` (RFC 6455 §4.2.1 item 3; also checked in a response,
    /// RFC 6455 §4.1 item 2 of the client's checks). Status 400.
    InvalidUpgrade,
    /// `Connection` does not list `upgrade` (RFC 6455 §4.2.1 item 4; also in a response).
    /// Status 400.
    InvalidConnection,
    /// `Sec-WebSocket-Version` is missing, repeated, or not `13` (RFC 6455 §4.2.2, §4.4).
    /// Status 426, with `Sec-WebSocket-Version: 13` in the response.
    UnsupportedVersion,
    /// `Sec-WebSocket-Key` is missing, repeated, or not the base64 of 16 bytes
    /// (RFC 6455 §4.2.1 item 5). Status 400.
    InvalidKey,
    /// `Sec-WebSocket-Protocol` holds something other than distinct tokens (RFC 6455 §4.1:
    /// "non-empty strings ... unique"). Status 400.
    InvalidProtocols,
    /// `Origin` is repeated or not UTF-8. Status 400.
    InvalidOrigin,
    /// `Sec-WebSocket-Extensions` breaks the RFC 6455 §9.1 grammar (in a request or a
    /// response). Status 400, as Node `ws`.
    InvalidExtensions(ExtensionSyntaxError),

    // ----- the response (client side) -----
    /// The server answered with something other than 101 (Node `ws`'s `unexpected-response`).
    UnexpectedResponse {
        /// The response's status code.
        status: u16,
    },
    /// `Sec-WebSocket-Accept` is missing, repeated or wrong (RFC 6455 §4.1, client item 4).
    InvalidAccept,
    /// The server chose a subprotocol we did not offer, or more than one (RFC 6455 §4.1,
    /// client item 6).
    UnofferedProtocol,
    /// The response uses an extension we did not offer, or permessage-deflate twice
    /// (RFC 6455 §4.1, client item 5).
    UnofferedExtension,
    /// The server's permessage-deflate parameters are not legal for our offer (RFC 7692 §5).
    InvalidDeflateResponse(NegotiationError),

    // ----- our arguments -----
    /// The subprotocol passed to [`write_accept`] is not one the client offered, or one passed
    /// to [`write_request`] is not a token or is repeated.
    ProtocolNotOffered,
    /// The host passed to [`write_request`] is empty or not a URI host, or the path does not
    /// start with `/`.
    InvalidUrl,
    /// A header, path or status we were given cannot be written
    /// (`netcore_http1`'s serializer said why).
    Encode(EncodeError),
}

impl HandshakeError {
    /// The status a server answers a request failing this check with: 405 for the method, 426
    /// for the version, 400 otherwise. (Client-side and argument errors answer 400 too, though a
    /// client sends no response.)
    ///
    /// ```
    /// use netcore_websocket::proto::handshake::HandshakeError;
    /// assert_eq!(HandshakeError::UnsupportedVersion.status(), 426);
    /// assert_eq!(HandshakeError::InvalidKey.status(), 400);
    /// ```
    pub fn status(&self) -> u16 {
        match self {
            HandshakeError::MethodNotGet => 405,
            HandshakeError::UnsupportedVersion => 426,
            _ => 400,
        }
    }

    /// The headers the refusal must carry: `Sec-WebSocket-Version: 13` for a version error
    /// (RFC 6455 §4.4), `Allow: GET` for the method; none otherwise.
    pub fn response_headers(&self) -> &'static [(&'static str, &'static [u8])] {
        match self {
            HandshakeError::UnsupportedVersion => &[("Sec-WebSocket-Version", b"13")],
            HandshakeError::MethodNotGet => &[("Allow", b"GET")],
            _ => &[],
        }
    }

    /// Whether the fault is ours (an argument we were given), not the peer's.
    pub fn is_local(&self) -> bool {
        matches!(
            self,
            HandshakeError::ProtocolNotOffered | HandshakeError::InvalidUrl | HandshakeError::Encode(_)
        )
    }

    /// Writes the refusal a server sends for this error: [`HandshakeError::status`], its
    /// [`HandshakeError::response_headers`], `Connection: close`, and the error's text as a
    /// `text/plain` body (see [`write_reject`]).
    pub fn write_response(&self, out: &mut Vec<u8>) {
        let body = self.to_string();
        // Our own status, headers and text always encode.
        let _ = write_reject(self.status(), &body, self.response_headers(), out);
    }
}

impl fmt::Display for HandshakeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HandshakeError::MethodNotGet => f.write_str("websocket upgrade request method is not get"),
            HandshakeError::HttpVersion => f.write_str("websocket upgrade request is not http/1.1"),
            HandshakeError::InvalidUpgrade => f.write_str("missing or invalid upgrade header"),
            HandshakeError::InvalidConnection => f.write_str("connection header does not list upgrade"),
            HandshakeError::UnsupportedVersion => f.write_str("missing or unsupported sec-websocket-version"),
            HandshakeError::InvalidKey => f.write_str("missing or invalid sec-websocket-key"),
            HandshakeError::InvalidProtocols => f.write_str("invalid sec-websocket-protocol header"),
            HandshakeError::InvalidOrigin => f.write_str("repeated or invalid origin header"),
            HandshakeError::InvalidExtensions(e) => e.fmt(f),
            HandshakeError::UnexpectedResponse { status } => {
                write!(f, "unexpected server response: {status}")
            }
            HandshakeError::InvalidAccept => f.write_str("missing or invalid sec-websocket-accept"),
            HandshakeError::UnofferedProtocol => {
                f.write_str("server chose a subprotocol that was not offered")
            }
            HandshakeError::UnofferedExtension => {
                f.write_str("server accepted an extension that was not offered")
            }
            HandshakeError::InvalidDeflateResponse(e) => {
                write!(f, "invalid permessage-deflate response: {e}")
            }
            HandshakeError::ProtocolNotOffered => {
                f.write_str("subprotocol was not offered or is not a token")
            }
            HandshakeError::InvalidUrl => f.write_str("invalid host or path"),
            HandshakeError::Encode(e) => write!(f, "cannot write handshake: {e}"),
        }
    }
}

impl std::error::Error for HandshakeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            HandshakeError::InvalidExtensions(e) => Some(e),
            HandshakeError::InvalidDeflateResponse(e) => Some(e),
            HandshakeError::Encode(e) => Some(e),
            _ => None,
        }
    }
}

impl From<EncodeError> for HandshakeError {
    fn from(e: EncodeError) -> Self {
        HandshakeError::Encode(e)
    }
}

// ----- keys -----

/// A `Sec-WebSocket-Accept` value: base64 of the SHA-1 of the key and the [`GUID`]
/// (RFC 6455 §4.2.2 item 5.4). 28 ASCII bytes.
///
/// ```
/// use netcore_websocket::proto::handshake::{accept_key, ClientKey};
/// let key = ClientKey::from_base64(b"dGhlIHNhbXBsZSBub25jZQ==").unwrap();
/// assert_eq!(key.accept(), accept_key(key.as_str().as_bytes()));
/// assert_eq!(key.accept().to_string(), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct AcceptKey([u8; 28]);

impl AcceptKey {
    /// The value as text.
    pub fn as_str(&self) -> &str {
        // Base64 output is ASCII.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The value's bytes.
    pub fn as_bytes(&self) -> &[u8; 28] {
        &self.0
    }
}

impl fmt::Debug for AcceptKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("AcceptKey").field(&self.as_str()).finish()
    }
}

impl fmt::Display for AcceptKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The `Sec-WebSocket-Accept` value for a `Sec-WebSocket-Key` value `key` (as sent: the
/// base64 text, not the decoded bytes).
///
/// ```
/// use netcore_websocket::proto::handshake::accept_key;
/// // RFC 6455 §1.3
/// assert_eq!(accept_key(b"dGhlIHNhbXBsZSBub25jZQ==").as_str(), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
/// ```
pub fn accept_key(key: &[u8]) -> AcceptKey {
    let mut sha = Sha1::new();
    sha.update(key);
    sha.update(GUID);
    let digest = sha.finalize();
    let mut out = [0u8; 28];
    // 20 bytes always encode to 28.
    let _ = BASE64.encode_slice(digest, &mut out);
    AcceptKey(out)
}

/// A client's `Sec-WebSocket-Key`: 16 random bytes, base64-encoded (24 ASCII bytes,
/// RFC 6455 §4.1 item 7).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientKey([u8; 24]);

impl ClientKey {
    /// A fresh key from `rng` (seed it from the OS, [`MaskRng::from_entropy`]; RFC 6455 §4.1
    /// asks for a nonce "randomly selected").
    ///
    /// ```
    /// use netcore_websocket::proto::{handshake::ClientKey, rng::MaskRng};
    /// let key = ClientKey::generate(&mut MaskRng::new(1));
    /// assert_eq!(key.as_str().len(), 24);
    /// assert!(ClientKey::from_base64(key.as_str().as_bytes()).is_some());
    /// ```
    pub fn generate(rng: &mut MaskRng) -> ClientKey {
        let mut nonce = [0u8; 16];
        rng.fill(&mut nonce);
        ClientKey::from_nonce(nonce)
    }

    /// The key for a given 16-byte nonce.
    ///
    /// ```
    /// use netcore_websocket::proto::handshake::ClientKey;
    /// // RFC 6455 §4.1's example nonce.
    /// let key = ClientKey::from_nonce(*b"the sample nonce");
    /// assert_eq!(key.as_str(), "dGhlIHNhbXBsZSBub25jZQ==");
    /// assert_eq!(key.accept().as_str(), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    /// ```
    pub fn from_nonce(nonce: [u8; 16]) -> ClientKey {
        let mut out = [0u8; 24];
        // 16 bytes always encode to 24.
        let _ = BASE64.encode_slice(nonce, &mut out);
        ClientKey(out)
    }

    /// A received key value, if it is the padded base64 of exactly 16 bytes (surrounding
    /// whitespace is not allowed: header values arrive trimmed).
    pub fn from_base64(value: &[u8]) -> Option<ClientKey> {
        let text: [u8; 24] = value.try_into().ok()?;
        let mut nonce = [0u8; 18];
        match BASE64.decode_slice(text, &mut nonce) {
            Ok(16) => Some(ClientKey(text)),
            _ => None,
        }
    }

    /// The key as sent.
    pub fn as_str(&self) -> &str {
        // Base64 output is ASCII.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The `Sec-WebSocket-Accept` value a server must answer with.
    pub fn accept(&self) -> AcceptKey {
        accept_key(&self.0)
    }
}

impl fmt::Debug for ClientKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ClientKey").field(&self.as_str()).finish()
    }
}

// ----- the server side -----

/// A valid upgrade request, as the server sees it: what the client asked for.
///
/// ```
/// use netcore_http1::proto::{parse_request, Limits};
/// use netcore_websocket::proto::extension::DeflateConfig;
/// use netcore_websocket::proto::handshake::validate_request;
/// let raw = b"GET /chat HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
///             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
///             Origin: https://example.com\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n";
/// let (_, head) = parse_request(raw, &Limits::default()).unwrap().unwrap();
/// let hs = validate_request(&head).unwrap();
/// assert_eq!(hs.key().accept().as_str(), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
/// assert_eq!((hs.origin(), hs.protocols().len()), (Some("https://example.com"), 0));
/// assert!(hs.extensions()[0].is_permessage_deflate());
/// assert!(hs.negotiate_deflate(&DeflateConfig::default()).is_some()); // compression agreed
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientHandshake {
    key: ClientKey,
    protocols: Vec<String>,
    origin: Option<String>,
    extensions: Vec<Extension>,
}

impl ClientHandshake {
    /// The client's `Sec-WebSocket-Key`.
    pub fn key(&self) -> &ClientKey {
        &self.key
    }

    /// The subprotocols the client offered, in its order of preference (`Sec-WebSocket-Protocol`,
    /// every field joined; empty when it offered none).
    pub fn protocols(&self) -> &[String] {
        &self.protocols
    }

    /// The `Origin` header, if any (browsers send it; RFC 6455 §10.2). Checking it is the
    /// application's job.
    pub fn origin(&self) -> Option<&str> {
        self.origin.as_deref()
    }

    /// The extensions the client offered, in order (`Sec-WebSocket-Extensions`, every field).
    pub fn extensions(&self) -> &[Extension] {
        &self.extensions
    }

    /// The permessage-deflate parameters to accept, per `config` (see
    /// [`DeflateConfig::accept_offers`]), or `None` to go without.
    pub fn negotiate_deflate(&self, config: &DeflateConfig) -> Option<DeflateParams> {
        config.accept_offers(&self.extensions)
    }
}

/// Checks a request is a WebSocket opening handshake (RFC 6455 §4.2.1) and returns what the
/// client asked for. The checks, in order: method `GET` (405), HTTP/1.1, `Upgrade: websocket`,
/// `Connection: upgrade`, `Sec-WebSocket-Version: 13` (426), `Sec-WebSocket-Key`, then the
/// optional `Sec-WebSocket-Protocol`, `Origin` and `Sec-WebSocket-Extensions` (400 each).
/// `Host` was checked by the HTTP parser.
///
/// ```
/// use netcore_http1::proto::{parse_request, Limits};
/// use netcore_websocket::proto::handshake::{validate_request, write_accept};
/// let raw = b"GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\n\
///             Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
///             Origin: http://example.com\r\nSec-WebSocket-Protocol: chat, superchat\r\n\
///             Sec-WebSocket-Version: 13\r\n\r\n";
/// let (_, head) = parse_request(raw, &Limits::default()).unwrap().unwrap();
/// let hs = validate_request(&head).unwrap();
/// assert_eq!(hs.protocols(), ["chat", "superchat"]);
/// let mut out = Vec::new();
/// write_accept(&hs, Some("chat"), None, &[], &mut out).unwrap();
/// assert_eq!(
///     out,
///     b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
///       Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: chat\r\n\r\n"
/// );
/// ```
pub fn validate_request(head: &RequestHead) -> Result<ClientHandshake, HandshakeError> {
    if head.method() != "GET" {
        return Err(HandshakeError::MethodNotGet);
    }
    if head.version() != Version::Http11 {
        return Err(HandshakeError::HttpVersion);
    }
    let h = head.headers();
    check_upgrade(h)?;
    // RFC 6455 §4.2.2 item 4 / §4.4: anything but exactly one "13" is answered with 426.
    match single(h, "sec-websocket-version") {
        Some(v) if v == VERSION.as_bytes() => {}
        _ => return Err(HandshakeError::UnsupportedVersion),
    }
    let key =
        single(h, "sec-websocket-key").and_then(ClientKey::from_base64).ok_or(HandshakeError::InvalidKey)?;
    let protocols = parse_protocols(h)?;
    let mut origins = h.get_all("origin");
    let origin = match (origins.next(), origins.next()) {
        (None, _) => None,
        (Some(v), None) => {
            Some(std::str::from_utf8(v).map_err(|_| HandshakeError::InvalidOrigin)?.to_owned())
        }
        (Some(_), Some(_)) => return Err(HandshakeError::InvalidOrigin),
    };
    let extensions = parse_extension_fields(h).map_err(HandshakeError::InvalidExtensions)?;
    Ok(ClientHandshake { key, protocols, origin, extensions })
}

/// `Upgrade` lists `websocket` and `Connection` lists `upgrade` (RFC 6455 §4.2.1 items 3-4,
/// §4.1 client items 2-3): tokens, ASCII case-insensitive.
fn check_upgrade(h: &Headers) -> Result<(), HandshakeError> {
    if !h.has_token("upgrade", "websocket") {
        return Err(HandshakeError::InvalidUpgrade);
    }
    if !h.has_token("connection", "upgrade") {
        return Err(HandshakeError::InvalidConnection);
    }
    Ok(())
}

/// The value of the one field named `name`; `None` if absent or repeated.
fn single<'a>(h: &'a Headers, name: &'a str) -> Option<&'a [u8]> {
    let mut all = h.get_all(name);
    match (all.next(), all.next()) {
        (Some(v), None) => Some(v),
        _ => None,
    }
}

/// The offered subprotocols: distinct tokens, in order (empty list elements are skipped,
/// RFC 9110 §5.6.1).
fn parse_protocols(h: &Headers) -> Result<Vec<String>, HandshakeError> {
    let mut protocols: Vec<String> = Vec::new();
    for token in h.tokens("sec-websocket-protocol") {
        // A token is ASCII.
        let token = std::str::from_utf8(token).ok().filter(|t| is_token(t.as_bytes()));
        match token {
            Some(t) if !protocols.iter().any(|p| p == t) => protocols.push(t.to_owned()),
            _ => return Err(HandshakeError::InvalidProtocols),
        }
    }
    Ok(protocols)
}

/// Writes the `101 Switching Protocols` response accepting `handshake` (RFC 6455 §4.2.2 item
/// 5): `Upgrade`, `Connection`, `Sec-WebSocket-Accept`, then `Sec-WebSocket-Protocol` if
/// `protocol` is given (it must be one the client offered: choosing it is the application's
/// call, Node `ws`'s `handleProtocols`), `Sec-WebSocket-Extensions` if `deflate` is given (from
/// [`ClientHandshake::negotiate_deflate`]), and `extra_headers` as given (Node `ws`'s `headers`
/// event: don't add `Connection` or `Upgrade` there).
///
/// On error nothing is written.
pub fn write_accept(
    handshake: &ClientHandshake,
    protocol: Option<&str>,
    deflate: Option<&DeflateParams>,
    extra_headers: &[(&str, &[u8])],
    out: &mut Vec<u8>,
) -> Result<(), HandshakeError> {
    if let Some(p) = protocol {
        if !handshake.protocols.iter().any(|offered| offered == p) {
            return Err(HandshakeError::ProtocolNotOffered);
        }
    }
    let accept = handshake.key.accept();
    let mut extensions = Vec::new();
    if let Some(params) = deflate {
        params.write_response(&mut extensions);
    }
    let fixed: [(&[u8], &[u8]); 3] = [
        (b"Upgrade", b"websocket"),
        (b"Connection", b"Upgrade"),
        (b"Sec-WebSocket-Accept", accept.as_bytes()),
    ];
    let optional = [
        protocol.map(|p| (&b"Sec-WebSocket-Protocol"[..], p.as_bytes())),
        deflate.map(|_| (&b"Sec-WebSocket-Extensions"[..], &extensions[..])),
    ];
    let headers = fixed
        .iter()
        .copied()
        .chain(optional.iter().flatten().copied())
        .chain(extra_headers.iter().map(|(n, v)| (n.as_bytes(), *v)));
    write_response_head_iter(out, 1, 101, None, headers, BodyLength::None, None, None)?;
    Ok(())
}

/// Writes a refusal of an upgrade request: `status` with its canonical reason, `headers`,
/// `Connection: close` (the connection ends after it), and `body` as `text/plain` (Node `ws`
/// answers its handshake errors this way). For a [`HandshakeError`], use
/// [`HandshakeError::write_response`].
///
/// On error nothing is written.
///
/// ```
/// use netcore_websocket::proto::handshake::write_reject;
/// let mut out = Vec::new();
/// write_reject(403, "forbidden origin", &[], &mut out).unwrap();
/// assert_eq!(
///     out,
///     b"HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\
///       Content-Length: 16\r\n\r\nforbidden origin"
/// );
/// ```
pub fn write_reject(
    status: u16,
    body: &str,
    headers: &[(&str, &[u8])],
    out: &mut Vec<u8>,
) -> Result<(), HandshakeError> {
    if (100..200).contains(&status) {
        return Err(HandshakeError::Encode(EncodeError::InvalidStatus));
    }
    let content_type: (&[u8], &[u8]) = (b"Content-Type", b"text/plain; charset=utf-8");
    let fields = headers.iter().map(|(n, v)| (n.as_bytes(), *v)).chain(std::iter::once(content_type));
    let body_length =
        if status == 204 || status == 304 { BodyLength::None } else { BodyLength::Known(body.len() as u64) };
    write_response_head_iter(out, 1, status, None, fields, body_length, None, Some(false))?;
    if body_length != BodyLength::None {
        out.extend_from_slice(body.as_bytes());
    }
    Ok(())
}

// ----- the client side -----

/// What the server accepted (RFC 6455 §4.1, client items 5-6).
///
/// ```
/// use netcore_http1::proto::{parse_response, Limits};
/// use netcore_websocket::proto::extension::DeflateConfig;
/// use netcore_websocket::proto::handshake::{verify_response, ClientKey};
/// let key = ClientKey::from_nonce(*b"the sample nonce");
/// let raw = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
///             Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\
///             Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover\r\n\r\n";
/// let (_, head) = parse_response(raw, &Limits::default()).unwrap().unwrap();
/// let accepted = verify_response(&head, &key, &[], Some(&DeflateConfig::default())).unwrap();
/// assert_eq!(accepted.protocol, None);
/// assert!(accepted.deflate.is_some_and(|d| d.server_no_context_takeover));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Accepted {
    /// The subprotocol the server chose (`None`: none; RFC 6455 allows a server to choose
    /// none of those offered, which browsers accept. Node `ws` fails such a handshake; a
    /// binding wanting that checks this field).
    pub protocol: Option<String>,
    /// The agreed permessage-deflate parameters, or `None` without compression.
    pub deflate: Option<DeflateParams>,
}

/// Writes the client's opening handshake (RFC 6455 §4.1): `GET path HTTP/1.1`, `Host`
/// (`host`, bracketed if an IPv6 address, with `:port` when given: pass `None` for the
/// scheme's default port, as browsers do), `Upgrade`, `Connection`, `Sec-WebSocket-Key`,
/// `Sec-WebSocket-Version: 13`, `Sec-WebSocket-Protocol` when `protocols` is not empty (each a
/// token, no repeats), `Sec-WebSocket-Extensions` with our permessage-deflate offer when
/// `deflate` is given and enabled, then `extra_headers` (e.g. `Origin`, cookies).
///
/// On error nothing is written.
///
/// ```
/// use netcore_websocket::proto::handshake::{write_request, ClientKey};
/// let key = ClientKey::from_nonce(*b"the sample nonce");
/// let mut out = Vec::new();
/// write_request(&mut out, "server.example.com", None, "/chat", &key, &["chat"], None, &[]).unwrap();
/// assert_eq!(
///     out,
///     b"GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
///       Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
///       Sec-WebSocket-Protocol: chat\r\n\r\n"
/// );
/// ```
#[allow(clippy::too_many_arguments)] // each argument is one part of the request
pub fn write_request(
    out: &mut Vec<u8>,
    host: &str,
    port: Option<u16>,
    path: &str,
    key: &ClientKey,
    protocols: &[&str],
    deflate: Option<&DeflateConfig>,
    extra_headers: &[(&str, &[u8])],
) -> Result<(), HandshakeError> {
    for (i, p) in protocols.iter().enumerate() {
        if !is_token(p.as_bytes()) || protocols[..i].contains(p) {
            return Err(HandshakeError::ProtocolNotOffered);
        }
    }
    // RFC 3986 §3.2.2 host (reg-name, IPv4, or an IPv6 literal, bracketed or not); RFC 6455
    // §3: the resource name starts with "/" (empty means "/").
    let host_ok = !host.is_empty()
        && host.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=%:[]".contains(&b));
    if !host_ok || !(path.is_empty() || path.starts_with('/')) {
        return Err(HandshakeError::InvalidUrl);
    }
    // RFC 3986 §3.2.2: an IPv6 address is bracketed in an authority.
    let ipv6 = host.contains(':') && !host.starts_with('[');
    let host_value = match (ipv6, port) {
        (true, Some(port)) => format!("[{host}]:{port}"),
        (true, None) => format!("[{host}]"),
        (false, Some(port)) => format!("{host}:{port}"),
        (false, None) => host.to_owned(),
    };
    let protocol_value = protocols.join(", ");
    let mut offer = Vec::new();
    if let Some(config) = deflate.filter(|c| c.enabled) {
        config.write_offer(&mut offer);
    }
    let mut headers: Vec<(&str, &[u8])> = Vec::with_capacity(8 + extra_headers.len());
    headers.extend_from_slice(&[
        ("Host", host_value.as_bytes()),
        ("Upgrade", b"websocket"),
        ("Connection", b"Upgrade"),
        ("Sec-WebSocket-Key", key.0.as_slice()),
        ("Sec-WebSocket-Version", VERSION.as_bytes()),
    ]);
    if !protocols.is_empty() {
        headers.push(("Sec-WebSocket-Protocol", protocol_value.as_bytes()));
    }
    if !offer.is_empty() {
        headers.push(("Sec-WebSocket-Extensions", &offer));
    }
    headers.extend_from_slice(extra_headers);
    let path = if path.is_empty() { "/" } else { path };
    write_request_head(out, "GET", path, 1, &headers, BodyLength::None)?;
    Ok(())
}

/// Checks the server's response to our handshake (RFC 6455 §4.1, the client's checks; RFC 7692
/// §5 for the extension): status 101 (anything else is [`HandshakeError::UnexpectedResponse`]:
/// the caller may read its body, follow a redirect…), `Upgrade: websocket`,
/// `Connection: upgrade`, the `Sec-WebSocket-Accept` for `key`, a subprotocol among
/// `protocols` (the ones we offered), and extensions among those we offered (`deflate`: the
/// config we wrote the offer from, or `None`).
///
/// ```
/// use netcore_http1::proto::{parse_response, Limits};
/// use netcore_websocket::proto::handshake::{verify_response, ClientKey, HandshakeError};
/// let key = ClientKey::from_nonce(*b"the sample nonce");
/// let raw = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
///             Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: chat\r\n\r\n";
/// let (_, head) = parse_response(raw, &Limits::default()).unwrap().unwrap();
/// let accepted = verify_response(&head, &key, &["chat", "superchat"], None).unwrap();
/// assert_eq!(accepted.protocol.as_deref(), Some("chat"));
/// let (_, head) = parse_response(b"HTTP/1.1 403 Forbidden\r\n\r\n", &Limits::default()).unwrap().unwrap();
/// assert_eq!(verify_response(&head, &key, &[], None), Err(HandshakeError::UnexpectedResponse { status: 403 }));
/// ```
pub fn verify_response(
    head: &ResponseHead,
    key: &ClientKey,
    protocols: &[&str],
    deflate: Option<&DeflateConfig>,
) -> Result<Accepted, HandshakeError> {
    if head.status() != 101 {
        return Err(HandshakeError::UnexpectedResponse { status: head.status() });
    }
    let h = head.headers();
    check_upgrade(h)?;
    match single(h, "sec-websocket-accept") {
        Some(v) if v == key.accept().as_bytes() => {}
        _ => return Err(HandshakeError::InvalidAccept),
    }
    let mut chosen = h.get_all("sec-websocket-protocol");
    let protocol = match (chosen.next(), chosen.next()) {
        (None, _) => None,
        (Some(v), None) => match protocols.iter().find(|p| p.as_bytes() == v) {
            Some(p) => Some((*p).to_owned()),
            None => return Err(HandshakeError::UnofferedProtocol),
        },
        (Some(_), Some(_)) => return Err(HandshakeError::UnofferedProtocol),
    };
    let extensions = parse_extension_fields(h).map_err(HandshakeError::InvalidExtensions)?;
    let config = deflate.filter(|c| c.enabled);
    let mut agreed = None;
    for ext in &extensions {
        let Some(config) = config.filter(|_| ext.is_permessage_deflate()) else {
            return Err(HandshakeError::UnofferedExtension);
        };
        if agreed.is_some() {
            return Err(HandshakeError::InvalidDeflateResponse(NegotiationError::RepeatedResponse));
        }
        agreed = Some(config.verify_response(ext).map_err(HandshakeError::InvalidDeflateResponse)?);
    }
    Ok(Accepted { protocol, deflate: agreed })
}

#[cfg(test)]
mod tests {
    use super::*;
    use netcore_http1::proto::{parse_request, parse_response, Limits};

    const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";
    const ACCEPT: &str = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

    fn request(lines: &[&str]) -> RequestHead {
        let raw = format!("{}\r\n\r\n", lines.join("\r\n"));
        parse_request(raw.as_bytes(), &Limits::default()).unwrap().unwrap().1
    }

    fn response(lines: &[&str]) -> ResponseHead {
        let raw = format!("{}\r\n\r\n", lines.join("\r\n"));
        parse_response(raw.as_bytes(), &Limits::default()).unwrap().unwrap().1
    }

    const GOOD: [&str; 6] = [
        "GET /chat HTTP/1.1",
        "Host: server.example.com",
        "Upgrade: websocket",
        "Connection: Upgrade",
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version: 13",
    ];

    /// `GOOD` with line `i` replaced (or removed when `with` is empty) and `extra` added.
    fn variant(i: usize, with: &str, extra: &[&str]) -> RequestHead {
        let mut lines: Vec<&str> = GOOD.to_vec();
        if with.is_empty() {
            lines.remove(i);
        } else {
            lines[i] = with;
        }
        lines.extend_from_slice(extra);
        request(&lines)
    }

    #[test]
    fn rfc6455_1_3_accept_key() {
        assert_eq!(accept_key(KEY.as_bytes()).as_str(), ACCEPT);
        assert_eq!(ClientKey::from_base64(KEY.as_bytes()).unwrap().accept().as_str(), ACCEPT);
    }

    #[test]
    fn rfc6455_4_2_1_request_rules() {
        use HandshakeError::*;
        let cases: Vec<(RequestHead, Result<(), HandshakeError>)> = vec![
            (request(&GOOD), Ok(())),
            (variant(0, "POST /chat HTTP/1.1", &[]), Err(MethodNotGet)),
            (variant(0, "get /chat HTTP/1.1", &[]), Err(MethodNotGet)),
            (variant(0, "GET /chat HTTP/1.0", &[]), Err(HttpVersion)),
            (variant(2, "", &[]), Err(InvalidUpgrade)),
            (variant(2, "Upgrade: h2c", &[]), Err(InvalidUpgrade)),
            (variant(2, "Upgrade: WebSocket", &[]), Ok(())),
            (variant(2, "Upgrade: foo, websocket", &[]), Ok(())),
            (variant(3, "", &[]), Err(InvalidConnection)),
            (variant(3, "Connection: keep-alive", &[]), Err(InvalidConnection)),
            (variant(3, "Connection: keep-alive, UPGRADE", &[]), Ok(())),
            (variant(5, "", &[]), Err(UnsupportedVersion)),
            (variant(5, "Sec-WebSocket-Version: 8", &[]), Err(UnsupportedVersion)),
            (variant(5, "Sec-WebSocket-Version: 13, 8", &[]), Err(UnsupportedVersion)),
            (
                variant(5, "Sec-WebSocket-Version: 13", &["Sec-WebSocket-Version: 13"]),
                Err(UnsupportedVersion),
            ),
            (variant(4, "", &[]), Err(InvalidKey)),
            (variant(4, "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ", &[]), Err(InvalidKey)),
            (variant(4, "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=", &[]), Err(InvalidKey)),
            (variant(4, "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZXg=", &[]), Err(InvalidKey)), // 17 bytes
            (variant(4, "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZR==", &[]), Err(InvalidKey)), // trailing bits
            (variant(4, "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25j!Q==", &[]), Err(InvalidKey)),
            (
                variant(
                    4,
                    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
                    &["Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA=="],
                ),
                Err(InvalidKey),
            ),
            (request(&[&GOOD[..], &["Sec-WebSocket-Protocol: a, a"]].concat()), Err(InvalidProtocols)),
            (
                request(&[&GOOD[..], &["Sec-WebSocket-Protocol: a", "Sec-WebSocket-Protocol: a"]].concat()),
                Err(InvalidProtocols),
            ),
            (request(&[&GOOD[..], &["Sec-WebSocket-Protocol: a b"]].concat()), Err(InvalidProtocols)),
            (request(&[&GOOD[..], &["Sec-WebSocket-Protocol: a/b"]].concat()), Err(InvalidProtocols)),
            (request(&[&GOOD[..], &["Sec-WebSocket-Protocol: a,, b"]].concat()), Ok(())),
            (request(&[&GOOD[..], &["Origin: http://a", "Origin: http://b"]].concat()), Err(InvalidOrigin)),
            (
                request(&[&GOOD[..], &["Sec-WebSocket-Extensions: permessage-deflate; =1"]].concat()),
                Err(InvalidExtensions(ExtensionSyntaxError {
                    kind: super::super::extension::ExtensionSyntaxKind::ExpectedToken,
                    field: 0,
                    offset: 20,
                })),
            ),
            // An offer we would decline is no error: the server goes without.
            (request(&[&GOOD[..], &["Sec-WebSocket-Extensions: permessage-deflate; x"]].concat()), Ok(())),
        ];
        for (i, (head, want)) in cases.into_iter().enumerate() {
            assert_eq!(
                validate_request(&head).map(|_| ()),
                want,
                "case {i}: {:?}",
                String::from_utf8_lossy(head.raw())
            );
        }
    }

    #[test]
    fn statuses_and_refusals() {
        let mut out = Vec::new();
        HandshakeError::UnsupportedVersion.write_response(&mut out);
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("HTTP/1.1 426 Upgrade Required\r\n"), "{text}");
        assert!(
            text.contains("\r\nSec-WebSocket-Version: 13\r\n") && text.contains("\r\nConnection: close\r\n")
        );
        assert!(text.ends_with("\r\n\r\nmissing or unsupported sec-websocket-version"));
        let mut out = Vec::new();
        HandshakeError::MethodNotGet.write_response(&mut out);
        assert!(out.starts_with(b"HTTP/1.1 405 Method Not Allowed\r\nAllow: GET\r\n"));
        // Bad arguments write nothing.
        let mut out = b"keep".to_vec();
        assert!(write_reject(403, "x", &[("Bad Name", b"v")], &mut out).is_err());
        assert!(write_reject(101, "x", &[], &mut out).is_err());
        assert!(write_reject(403, "x", &[("X", b"a\r\nb")], &mut out).is_err());
        assert_eq!(out, b"keep");
        for e in [HandshakeError::InvalidKey, HandshakeError::UnexpectedResponse { status: 500 }] {
            let s = e.to_string();
            assert_eq!(s, s.to_lowercase());
            assert!(!s.ends_with('.'));
        }
    }

    #[test]
    fn accept_checks_the_chosen_protocol_and_writes_deflate() {
        let hs = validate_request(&request(
            &[
                &GOOD[..],
                &[
                    "Sec-WebSocket-Protocol: chat",
                    "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits",
                ],
            ]
            .concat(),
        ))
        .unwrap();
        let mut out = Vec::new();
        assert_eq!(
            write_accept(&hs, Some("superchat"), None, &[], &mut out),
            Err(HandshakeError::ProtocolNotOffered)
        );
        assert!(out.is_empty());
        let config = DeflateConfig {
            client_max_window_bits: super::super::extension::WindowBits::new(10),
            ..DeflateConfig::default()
        };
        let params = hs.negotiate_deflate(&config).unwrap();
        write_accept(&hs, Some("chat"), Some(&params), &[("X-Powered-By", b"netcore")], &mut out).unwrap();
        let head = parse_response(&out, &Limits::default()).unwrap().unwrap().1;
        assert_eq!(
            head.headers().get("sec-websocket-extensions"),
            Some(&b"permessage-deflate; client_max_window_bits=10"[..])
        );
        assert_eq!(head.headers().get("x-powered-by"), Some(&b"netcore"[..]));
        let accepted = verify_response(&head, hs.key(), &["chat"], Some(&DeflateConfig::default())).unwrap();
        assert_eq!(accepted, Accepted { protocol: Some("chat".into()), deflate: Some(params) });
        assert!(write_accept(&hs, None, None, &[("X", b"\n")], &mut Vec::new()).is_err());
    }

    #[test]
    fn rfc6455_4_1_response_rules() {
        use HandshakeError::*;
        let key = ClientKey::from_base64(KEY.as_bytes()).unwrap();
        let ok = [
            "HTTP/1.1 101 Switching Protocols",
            "Upgrade: websocket",
            "Connection: Upgrade",
            "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=",
        ];
        let with = |extra: &[&str]| response(&[&ok[..], extra].concat());
        let without = |i: usize| {
            let mut l = ok.to_vec();
            l.remove(i);
            response(&l)
        };
        let deflate = DeflateConfig::default();
        type Case<'a> =
            (ResponseHead, &'a [&'a str], Option<&'a DeflateConfig>, Result<Accepted, HandshakeError>);
        let cases: Vec<Case<'_>> = vec![
            (with(&[]), &[], None, Ok(Accepted { protocol: None, deflate: None })),
            (response(&["HTTP/1.1 200 OK"]), &[], None, Err(UnexpectedResponse { status: 200 })),
            (
                response(&["HTTP/1.1 302 Found", "Location: /x"]),
                &[],
                None,
                Err(UnexpectedResponse { status: 302 }),
            ),
            (without(1), &[], None, Err(InvalidUpgrade)),
            (without(2), &[], None, Err(InvalidConnection)),
            (without(3), &[], None, Err(InvalidAccept)),
            (
                response(&[&ok[..3], &["Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xoo="]].concat()),
                &[],
                None,
                Err(InvalidAccept),
            ),
            (with(&["Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="]), &[], None, Err(InvalidAccept)),
            (
                with(&["Sec-WebSocket-Protocol: chat"]),
                &["chat"],
                None,
                Ok(Accepted { protocol: Some("chat".into()), deflate: None }),
            ),
            (with(&[]), &["chat"], None, Ok(Accepted { protocol: None, deflate: None })),
            (with(&["Sec-WebSocket-Protocol: chat"]), &[], None, Err(UnofferedProtocol)),
            (with(&["Sec-WebSocket-Protocol: Chat"]), &["chat"], None, Err(UnofferedProtocol)),
            (
                with(&["Sec-WebSocket-Protocol: chat, superchat"]),
                &["chat", "superchat"],
                None,
                Err(UnofferedProtocol),
            ),
            (
                with(&["Sec-WebSocket-Protocol: chat", "Sec-WebSocket-Protocol: chat"]),
                &["chat"],
                None,
                Err(UnofferedProtocol),
            ),
            (with(&["Sec-WebSocket-Extensions: permessage-deflate"]), &[], None, Err(UnofferedExtension)),
            (
                with(&["Sec-WebSocket-Extensions: x-webkit-deflate-frame"]),
                &[],
                Some(&deflate),
                Err(UnofferedExtension),
            ),
            (
                with(&["Sec-WebSocket-Extensions: permessage-deflate, permessage-deflate"]),
                &[],
                Some(&deflate),
                Err(InvalidDeflateResponse(NegotiationError::RepeatedResponse)),
            ),
            (
                with(&["Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits"]),
                &[],
                Some(&deflate),
                Err(InvalidDeflateResponse(NegotiationError::InvalidValue)),
            ),
            (
                with(&["Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover"]),
                &[],
                Some(&deflate),
                Ok(Accepted {
                    protocol: None,
                    deflate: Some(DeflateParams {
                        server_no_context_takeover: true,
                        ..DeflateParams::default()
                    }),
                }),
            ),
            (with(&[]), &[], Some(&deflate), Ok(Accepted { protocol: None, deflate: None })),
        ];
        for (i, (head, protocols, deflate, want)) in cases.into_iter().enumerate() {
            assert_eq!(
                verify_response(&head, &key, protocols, deflate),
                want,
                "case {i}: {:?}",
                String::from_utf8_lossy(head.raw())
            );
        }
    }

    #[test]
    fn request_round_trips_through_the_server() {
        let mut rng = MaskRng::new(42);
        let key = ClientKey::generate(&mut rng);
        let mut out = Vec::new();
        let deflate = DeflateConfig::default();
        write_request(
            &mut out,
            "::1",
            Some(8080),
            "",
            &key,
            &["a", "b"],
            Some(&deflate),
            &[("Origin", b"http://x")],
        )
        .unwrap();
        let head = parse_request(&out, &Limits::default()).unwrap().unwrap().1;
        assert_eq!(head.target(), "/");
        assert_eq!(head.headers().get("host"), Some(&b"[::1]:8080"[..]));
        let hs = validate_request(&head).unwrap();
        assert_eq!(
            (hs.key(), hs.protocols(), hs.origin()),
            (&key, &["a".to_owned(), "b".to_owned()][..], Some("http://x"))
        );
        assert_eq!(hs.negotiate_deflate(&deflate), Some(DeflateParams::default()));
        // Arguments that cannot be written leave `out` alone.
        let mut out = Vec::new();
        let bad: &[(&[&str], &str, &str)] = &[
            (&["a", "a"], "h", "/"),
            (&["a b"], "h", "/"),
            (&[], "", "/"),
            (&[], "a b", "/"),
            (&[], "a/b", "/"),
            (&[], "h", "chat"),
            (&[], "h", "/a b"),
        ];
        for (protocols, host, path) in bad {
            assert!(
                write_request(&mut out, host, None, path, &key, protocols, None, &[]).is_err(),
                "{protocols:?} {host} {path}"
            );
        }
        assert!(out.is_empty());
    }
}
