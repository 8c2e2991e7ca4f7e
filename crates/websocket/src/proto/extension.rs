//! `Sec-WebSocket-Extensions` (RFC 6455 §9.1) and the negotiation of permessage-deflate
//! (RFC 7692 §5, §7.1): what we are willing to do ([`DeflateConfig`]), what both sides agreed
//! ([`DeflateParams`]), and the checks that keep an offer or a response inside the RFC.
//!
//! ```text
//! client offer     permessage-deflate; client_max_window_bits, permessage-deflate     (preference order)
//!                    │ parse_extensions → [Extension]
//! server           DeflateConfig::accept_offers → DeflateParams (first acceptable offer)
//!                    │ DeflateParams::write_response → "permessage-deflate; client_max_window_bits=10"
//! client           DeflateConfig::verify_response → DeflateParams (or the connection fails)
//! both             DeflateParams::server_to_client / client_to_server → DirectionParams
//!                    → deflate::Compressor / deflate::Inflater
//! ```
//!
//! An offer that breaks a rule (an unknown or repeated parameter, a bad value) is declined and
//! the next one tried (RFC 7692 §5: "a server MUST decline"); a response that breaks one fails
//! the handshake (RFC 7692 §5: "a client MUST _Fail the WebSocket Connection_"). A header whose
//! syntax is broken (§9.1 grammar) is an [`ExtensionSyntaxError`] on both sides; the handshake
//! answers it with 400, as Node's `ws` does.
//!
//! Our compressor honours any window size from 8 to 15 bits (see [`super::deflate`]), so, unlike
//! zlib-based peers, we never decline an offer for its `server_max_window_bits`: we use the value
//! the client asked for (or a smaller one of ours).

use std::fmt;

use netcore_http1::proto::{is_tchar, is_token};

/// The extension's registered name (RFC 7692 §7).
pub const PERMESSAGE_DEFLATE: &str = "permessage-deflate";

/// Default [`DeflateConfig::threshold`]: messages shorter than this many bytes are sent
/// uncompressed (Node `ws`'s default, 1024).
pub const DEFAULT_THRESHOLD: usize = 1024;

/// Default [`DeflateConfig::level`]: zlib's default level, which Node `ws` uses.
pub const DEFAULT_LEVEL: u8 = 6;

// ----- the Sec-WebSocket-Extensions grammar (RFC 6455 §9.1) -----

/// One element of a `Sec-WebSocket-Extensions` list: an extension name and its parameters, in
/// the order received. Values arrive as tokens or quoted strings; a quoted value is kept
/// unescaped (RFC 6455 §9.1 requires it to be a token once unescaped).
///
/// ```
/// use netcore_websocket::proto::extension::parse_extensions;
/// let mut exts = Vec::new();
/// parse_extensions(b"Permessage-Deflate; server_no_context_takeover; client_max_window_bits=\"12\"", 0, &mut exts)?;
/// let ext = &exts[0];
/// assert!(ext.is_permessage_deflate()); // names compare without case
/// assert_eq!(ext.params().len(), 2);
/// assert_eq!(ext.param("SERVER_NO_CONTEXT_TAKEOVER").map(|p| p.value()), Some(None)); // bare
/// assert_eq!(ext.to_string(), "Permessage-Deflate; server_no_context_takeover; client_max_window_bits=12");
/// # Ok::<(), netcore_websocket::proto::extension::ExtensionSyntaxError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Extension {
    name: String,
    params: Vec<ExtensionParam>,
}

/// One `name[=value]` parameter of an [`Extension`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ExtensionParam {
    name: String,
    value: Option<String>,
}

impl ExtensionParam {
    /// The parameter's name, as received.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its value (unquoted), or `None` for a bare parameter such as `server_no_context_takeover`.
    pub fn value(&self) -> Option<&str> {
        self.value.as_deref()
    }
}

impl Extension {
    /// The extension's name as received (`permessage-deflate`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether this is permessage-deflate (names compare ASCII case-insensitively).
    pub fn is_permessage_deflate(&self) -> bool {
        self.name.eq_ignore_ascii_case(PERMESSAGE_DEFLATE)
    }

    /// The parameters in received order (repeats kept: the negotiation rejects them).
    pub fn params(&self) -> &[ExtensionParam] {
        &self.params
    }

    /// The first parameter named `name` (ASCII case-insensitive).
    pub fn param(&self, name: &str) -> Option<&ExtensionParam> {
        self.params.iter().find(|p| p.name.eq_ignore_ascii_case(name))
    }
}

impl fmt::Display for Extension {
    /// The extension in header syntax: `name; p; q=v` (every value is a token, so none is quoted).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        for p in &self.params {
            write!(f, "; {}", p.name)?;
            if let Some(v) = &p.value {
                write!(f, "={v}")?;
            }
        }
        Ok(())
    }
}

/// What broke the `Sec-WebSocket-Extensions` grammar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ExtensionSyntaxKind {
    /// An extension or parameter name was expected (a token, RFC 9110 §5.6.2).
    ExpectedToken,
    /// A parameter value was expected after `=`.
    ExpectedValue,
    /// A quoted-string value has no closing quote, or a character a quoted-string cannot hold.
    BadQuotedString,
    /// A quoted value is not a token once unescaped (RFC 6455 §9.1).
    QuotedValueNotToken,
    /// Something other than `;`, `,` or the end followed an element.
    UnexpectedByte,
}

/// A `Sec-WebSocket-Extensions` value that breaks RFC 6455 §9.1: what, and at which byte of the
/// field value (the `field`-th such field, from 0).
///
/// ```
/// use netcore_websocket::proto::extension::{parse_extensions, ExtensionSyntaxKind};
/// let err = parse_extensions(b"permessage-deflate; x=", 2, &mut Vec::new()).unwrap_err();
/// assert_eq!((err.kind, err.field, err.offset), (ExtensionSyntaxKind::ExpectedValue, 2, 22));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ExtensionSyntaxError {
    /// What was wrong.
    pub kind: ExtensionSyntaxKind,
    /// Which `Sec-WebSocket-Extensions` field line, from 0.
    pub field: usize,
    /// The byte offset in that field's value where parsing stopped.
    pub offset: usize,
}

impl fmt::Display for ExtensionSyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            ExtensionSyntaxKind::ExpectedToken => "expected a token",
            ExtensionSyntaxKind::ExpectedValue => "expected a parameter value",
            ExtensionSyntaxKind::BadQuotedString => "malformed quoted string",
            ExtensionSyntaxKind::QuotedValueNotToken => "quoted value is not a token",
            ExtensionSyntaxKind::UnexpectedByte => "unexpected character",
        };
        write!(f, "invalid sec-websocket-extensions field {}: {what} at byte {}", self.field, self.offset)
    }
}

impl std::error::Error for ExtensionSyntaxError {}

/// A cursor over one field value.
struct Cursor<'a> {
    s: &'a [u8],
    i: usize,
    field: usize,
}

impl<'a> Cursor<'a> {
    fn err(&self, kind: ExtensionSyntaxKind) -> ExtensionSyntaxError {
        ExtensionSyntaxError { kind, field: self.field, offset: self.i }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn skip_ows(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.i += 1;
        }
    }

    fn token(&mut self) -> Result<&'a str, ExtensionSyntaxError> {
        let start = self.i;
        while self.peek().is_some_and(is_tchar) {
            self.i += 1;
        }
        if start == self.i {
            return Err(self.err(ExtensionSyntaxKind::ExpectedToken));
        }
        // Only tchars, which are ASCII.
        Ok(std::str::from_utf8(&self.s[start..self.i]).unwrap_or_default())
    }

    /// A quoted-string (RFC 9110 §5.6.4), unescaped; the cursor is on the opening quote.
    fn quoted(&mut self) -> Result<String, ExtensionSyntaxError> {
        let open = self.i;
        self.i += 1;
        let mut value = Vec::new();
        loop {
            match self.peek() {
                None => return Err(self.err(ExtensionSyntaxKind::BadQuotedString)),
                Some(b'"') => {
                    self.i += 1;
                    break;
                }
                Some(b'\\') => {
                    self.i += 1;
                    match self.peek() {
                        Some(b) if b == b'\t' || (b' '..=b'~').contains(&b) || b >= 0x80 => value.push(b),
                        _ => return Err(self.err(ExtensionSyntaxKind::BadQuotedString)),
                    }
                    self.i += 1;
                }
                Some(b) if b == b'\t' || (b' '..=b'~').contains(&b) || b >= 0x80 => {
                    value.push(b);
                    self.i += 1;
                }
                Some(_) => return Err(self.err(ExtensionSyntaxKind::BadQuotedString)),
            }
        }
        if !is_token(&value) {
            return Err(ExtensionSyntaxError {
                kind: ExtensionSyntaxKind::QuotedValueNotToken,
                field: self.field,
                offset: open,
            });
        }
        // A token is ASCII.
        Ok(String::from_utf8(value).unwrap_or_default())
    }
}

/// Parses one `Sec-WebSocket-Extensions` field value, appending its extensions to `out` in
/// order. `field` is the field's position among the `Sec-WebSocket-Extensions` lines (for the
/// error). Empty list elements (`a, , b`) are skipped (RFC 9110 §5.6.1); whitespace around `;`,
/// `,` and `=` is allowed.
///
/// On error `out` keeps the extensions parsed before the bad one.
///
/// ```
/// use netcore_websocket::proto::extension::parse_extensions;
/// let mut exts = Vec::new();
/// parse_extensions(b"permessage-deflate; client_max_window_bits=\"10\", x-foo", 0, &mut exts).unwrap();
/// assert_eq!(exts.len(), 2);
/// assert_eq!(exts[0].param("client_max_window_bits").and_then(|p| p.value()), Some("10"));
/// assert_eq!(exts[1].to_string(), "x-foo");
/// assert!(parse_extensions(b"permessage-deflate; =1", 0, &mut exts).is_err());
/// ```
pub fn parse_extensions(
    value: &[u8],
    field: usize,
    out: &mut Vec<Extension>,
) -> Result<(), ExtensionSyntaxError> {
    let mut c = Cursor { s: value, i: 0, field };
    loop {
        c.skip_ows();
        match c.peek() {
            None => return Ok(()),
            Some(b',') => {
                c.i += 1;
                continue;
            }
            Some(_) => {}
        }
        let mut ext = Extension { name: c.token()?.to_owned(), params: Vec::new() };
        loop {
            c.skip_ows();
            match c.peek() {
                None => {
                    out.push(ext);
                    return Ok(());
                }
                Some(b',') => {
                    c.i += 1;
                    out.push(ext);
                    break;
                }
                Some(b';') => {
                    c.i += 1;
                    c.skip_ows();
                    let name = c.token()?.to_owned();
                    c.skip_ows();
                    let value = if c.peek() == Some(b'=') {
                        c.i += 1;
                        c.skip_ows();
                        match c.peek() {
                            Some(b'"') => Some(c.quoted()?),
                            Some(b) if is_tchar(b) => Some(c.token()?.to_owned()),
                            _ => return Err(c.err(ExtensionSyntaxKind::ExpectedValue)),
                        }
                    } else {
                        None
                    };
                    ext.params.push(ExtensionParam { name, value });
                }
                Some(_) => return Err(c.err(ExtensionSyntaxKind::UnexpectedByte)),
            }
        }
    }
}

/// Parses every `Sec-WebSocket-Extensions` field of a header section, in order.
///
/// ```
/// use netcore_http1::proto::{parse_request, Limits};
/// use netcore_websocket::proto::extension::parse_extension_fields;
/// let raw = b"GET / HTTP/1.1\r\nHost: a\r\nSec-WebSocket-Extensions: a\r\nsec-websocket-extensions: b; c\r\n\r\n";
/// let (_, head) = parse_request(raw, &Limits::default()).unwrap().unwrap();
/// let exts = parse_extension_fields(head.headers()).unwrap();
/// assert_eq!(exts.iter().map(|e| e.to_string()).collect::<Vec<_>>(), ["a", "b; c"]);
/// ```
pub fn parse_extension_fields(
    headers: &netcore_http1::proto::Headers,
) -> Result<Vec<Extension>, ExtensionSyntaxError> {
    let mut out = Vec::new();
    for (field, value) in headers.get_all("sec-websocket-extensions").enumerate() {
        parse_extensions(value, field, &mut out)?;
    }
    Ok(out)
}

// ----- permessage-deflate's parameters (RFC 7692 §7.1) -----

/// A base-2 logarithm of an LZ77 window size, 8 to 15 (RFC 7692 §7.1.2: 256 bytes to 32 KiB).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WindowBits(u8);

impl WindowBits {
    /// The smallest window RFC 7692 allows: 8 bits, 256 bytes.
    pub const MIN: WindowBits = WindowBits(8);
    /// The largest and default window: 15 bits, 32 KiB.
    pub const MAX: WindowBits = WindowBits(15);

    /// `bits` if it is in `8..=15`.
    ///
    /// ```
    /// use netcore_websocket::proto::extension::WindowBits;
    /// assert_eq!(WindowBits::new(10).map(|w| w.window_size()), Some(1024));
    /// assert!(WindowBits::new(7).is_none() && WindowBits::new(16).is_none());
    /// ```
    pub const fn new(bits: u8) -> Option<WindowBits> {
        if bits >= 8 && bits <= 15 {
            Some(WindowBits(bits))
        } else {
            None
        }
    }

    /// The number of bits.
    pub const fn get(self) -> u8 {
        self.0
    }

    /// The window's size in bytes, `1 << bits`.
    pub const fn window_size(self) -> usize {
        1 << self.0
    }

    /// A parameter value: `8`…`15`, digits only, no sign, no leading zero, no whitespace
    /// (RFC 7692 §7.1.2.1: `1*DIGIT` in 8..=15; leading zeros are refused like Node `ws` would
    /// not write them).
    fn parse(value: &str) -> Option<WindowBits> {
        if value.is_empty() || value.len() > 2 || value.starts_with('0') {
            return None;
        }
        if !value.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        value.parse().ok().and_then(WindowBits::new)
    }
}

impl fmt::Display for WindowBits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Why a permessage-deflate offer was declined or a response refused (RFC 7692 §5, §7.1).
///
/// ```
/// use netcore_websocket::proto::extension::{parse_extensions, DeflateConfig, NegotiationError, WindowBits};
/// let mut config = DeflateConfig::default();
/// config.server_max_window_bits = WindowBits::new(10); // the client asks for a small server window
/// let mut response = Vec::new();
/// parse_extensions(b"permessage-deflate", 0, &mut response).unwrap(); // the server ignored it
/// assert_eq!(config.verify_response(&response[0]), Err(NegotiationError::ServerMaxWindowBitsRefused));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NegotiationError {
    /// A parameter RFC 7692 does not define (for an offer, or for a response).
    UnknownParameter,
    /// The same parameter twice in one element.
    DuplicateParameter,
    /// A value where none is allowed (`*_no_context_takeover`), none where one is required
    /// (`server_max_window_bits`; `client_max_window_bits` in a response), or a window size
    /// outside 8..=15.
    InvalidValue,
    /// The response accepts permessage-deflate more than once.
    RepeatedResponse,
    /// We asked for `server_no_context_takeover` and the response does not grant it
    /// (RFC 7692 §7.1.1.1).
    ServerNoContextTakeoverRefused,
    /// We asked for `server_max_window_bits=N` and the response omits it or names a larger
    /// window (RFC 7692 §7.1.2.1).
    ServerMaxWindowBitsRefused,
    /// The response's `client_max_window_bits` is larger than the value we offered
    /// (RFC 7692 §7.1.2.2). (We always offer the parameter, so a response may carry it.)
    ClientMaxWindowBitsTooLarge,
}

impl fmt::Display for NegotiationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NegotiationError::UnknownParameter => "unknown permessage-deflate parameter",
            NegotiationError::DuplicateParameter => "repeated permessage-deflate parameter",
            NegotiationError::InvalidValue => "invalid permessage-deflate parameter value",
            NegotiationError::RepeatedResponse => "permessage-deflate accepted more than once",
            NegotiationError::ServerNoContextTakeoverRefused => {
                "server_no_context_takeover was requested but not granted"
            }
            NegotiationError::ServerMaxWindowBitsRefused => {
                "server_max_window_bits was requested but not granted"
            }
            NegotiationError::ClientMaxWindowBitsTooLarge => {
                "client_max_window_bits is larger than the value offered"
            }
        })
    }
}

impl std::error::Error for NegotiationError {}

/// The four parameters of one permessage-deflate element, checked for repeats and values.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct RawParams {
    server_no_context_takeover: bool,
    client_no_context_takeover: bool,
    server_max_window_bits: Option<WindowBits>,
    /// `Some(None)`: present without a value (allowed in an offer only).
    client_max_window_bits: Option<Option<WindowBits>>,
}

/// The parameters RFC 7692 §7.1 defines, in [`RawParams::parse`]'s order.
const PARAMS: [&str; 4] = [
    "server_no_context_takeover",
    "client_no_context_takeover",
    "server_max_window_bits",
    "client_max_window_bits",
];

impl RawParams {
    /// RFC 7692 §7.1: the parameters of an offer (`response == false`) or a response.
    fn parse(ext: &Extension, response: bool) -> Result<RawParams, NegotiationError> {
        let mut p = RawParams::default();
        let mut seen = [false; 4];
        for param in ext.params() {
            let name = param.name();
            let index = PARAMS
                .iter()
                .position(|known| name.eq_ignore_ascii_case(known))
                .ok_or(NegotiationError::UnknownParameter)?;
            if std::mem::replace(&mut seen[index], true) {
                return Err(NegotiationError::DuplicateParameter);
            }
            let bits = |v: Option<&str>| v.and_then(WindowBits::parse).ok_or(NegotiationError::InvalidValue);
            match index {
                // §7.1.1.1, §7.1.1.2: no value.
                0 | 1 if param.value().is_some() => return Err(NegotiationError::InvalidValue),
                0 => p.server_no_context_takeover = true,
                1 => p.client_no_context_takeover = true,
                // §7.1.2.1: always with a value.
                2 => p.server_max_window_bits = Some(bits(param.value())?),
                // §7.1.2.2: a value is optional in an offer, required in a response.
                _ => {
                    p.client_max_window_bits = Some(match param.value() {
                        None if !response => None,
                        v => Some(bits(v)?),
                    })
                }
            }
        }
        Ok(p)
    }
}

/// What we are willing to do for permessage-deflate, for either role. `Default`: enabled, context
/// takeover allowed both ways, 15-bit windows, threshold 1024, level 6 (Node `ws`'s defaults;
/// `ws` enables the extension by default on clients but not on servers: the binding chooses).
///
/// ```
/// use netcore_websocket::proto::extension::{parse_extensions, DeflateConfig, WindowBits};
/// // A server that keeps no compression state between messages, and small client windows.
/// let mut server = DeflateConfig::default();
/// server.server_no_context_takeover = true;
/// server.client_max_window_bits = WindowBits::new(10);
/// let mut offer = Vec::new();
/// DeflateConfig::default().write_offer(&mut offer); // what a default client offers
/// let mut offers = Vec::new();
/// parse_extensions(&offer, 0, &mut offers).unwrap();
/// let agreed = server.accept_offers(&offers).unwrap();
/// assert!(agreed.server_no_context_takeover);
/// assert_eq!(agreed.client_max_window_bits, WindowBits::new(10));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct DeflateConfig {
    /// Whether to offer (client) or accept (server) the extension at all. Default `true`.
    pub enabled: bool,
    /// Server: always answer with `server_no_context_takeover`, so our compressor holds no
    /// state between messages (its memory can go back to a pool). Client: ask for it (and fail
    /// if the server refuses). Either way an offer that asks for it is accepted. Default `false`.
    pub server_no_context_takeover: bool,
    /// Server: always answer with `client_no_context_takeover`, so our inflater holds no state
    /// between messages. Client: declare it (we then reset our compressor after each message).
    /// Default `false`.
    pub client_no_context_takeover: bool,
    /// The largest window the server's compressor may use. Server: the window we use (the
    /// smaller of this and the client's `server_max_window_bits`), announced in the response.
    /// Client: asked for with `server_max_window_bits` (a server that grants less is fine, one
    /// that ignores it fails the handshake). `None` (default): 15 bits unless the client asks
    /// for less.
    pub server_max_window_bits: Option<WindowBits>,
    /// The largest window the client's compressor may use. Server: asked of the client with
    /// `client_max_window_bits` (an offer without that parameter is then declined, as Node
    /// `ws` does). Client: offered as `client_max_window_bits=N`; `None` (default) offers the
    /// bare parameter, which lets the server choose any size (we honour any).
    pub client_max_window_bits: Option<WindowBits>,
    /// Messages shorter than this many bytes are sent uncompressed (the session's rule).
    /// Default [`DEFAULT_THRESHOLD`] (1024), as Node `ws`.
    pub threshold: usize,
    /// The compression level, 0 (stored blocks only) to 9 (smallest output); higher is slower.
    /// Default [`DEFAULT_LEVEL`] (6).
    pub level: u8,
}

impl Default for DeflateConfig {
    fn default() -> Self {
        DeflateConfig {
            enabled: true,
            server_no_context_takeover: false,
            client_no_context_takeover: false,
            server_max_window_bits: None,
            client_max_window_bits: None,
            threshold: DEFAULT_THRESHOLD,
            level: DEFAULT_LEVEL,
        }
    }
}

/// The agreed permessage-deflate parameters of one connection: what each side's compressor
/// must honour. A window of `None` is 15 bits (the parameter was absent).
///
/// ```
/// use netcore_websocket::proto::extension::{DeflateParams, WindowBits};
/// let mut agreed = DeflateParams::default();
/// agreed.client_max_window_bits = WindowBits::new(9);
/// agreed.server_no_context_takeover = true;
/// let down = agreed.server_to_client(); // what the server's compressor honours
/// assert!(down.no_context_takeover && down.max_window_bits == WindowBits::MAX);
/// let up = agreed.client_to_server();
/// assert!(!up.no_context_takeover && up.max_window_bits.get() == 9);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct DeflateParams {
    /// The server resets its compressor after every message (RFC 7692 §7.1.1.1).
    pub server_no_context_takeover: bool,
    /// The client resets its compressor after every message (RFC 7692 §7.1.1.2).
    pub client_no_context_takeover: bool,
    /// The server's compressor window limit (RFC 7692 §7.1.2.1).
    pub server_max_window_bits: Option<WindowBits>,
    /// The client's compressor window limit (RFC 7692 §7.1.2.2).
    pub client_max_window_bits: Option<WindowBits>,
}

/// The parameters of one direction of a connection: what the sender's compressor must honour
/// and what the receiver's inflater may rely on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DirectionParams {
    /// The sender resets its LZ77 window after every message, so the receiver may too.
    pub no_context_takeover: bool,
    /// The sender's LZ77 window is at most this large.
    pub max_window_bits: WindowBits,
}

impl Default for DirectionParams {
    /// Context takeover, 15-bit window: what an extension without parameters means.
    fn default() -> Self {
        DirectionParams { no_context_takeover: false, max_window_bits: WindowBits::MAX }
    }
}

impl DeflateParams {
    /// Messages the server sends: its compressor, the client's inflater.
    pub fn server_to_client(&self) -> DirectionParams {
        DirectionParams {
            no_context_takeover: self.server_no_context_takeover,
            max_window_bits: self.server_max_window_bits.unwrap_or(WindowBits::MAX),
        }
    }

    /// Messages the client sends: its compressor, the server's inflater.
    pub fn client_to_server(&self) -> DirectionParams {
        DirectionParams {
            no_context_takeover: self.client_no_context_takeover,
            max_window_bits: self.client_max_window_bits.unwrap_or(WindowBits::MAX),
        }
    }

    /// Appends the server's `Sec-WebSocket-Extensions` value accepting these parameters.
    ///
    /// ```
    /// use netcore_websocket::proto::extension::{DeflateParams, WindowBits};
    /// let mut params = DeflateParams::default();
    /// params.client_no_context_takeover = true;
    /// params.client_max_window_bits = WindowBits::new(10);
    /// let mut out = Vec::new();
    /// params.write_response(&mut out);
    /// assert_eq!(out, b"permessage-deflate; client_no_context_takeover; client_max_window_bits=10");
    /// ```
    pub fn write_response(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(PERMESSAGE_DEFLATE.as_bytes());
        if self.server_no_context_takeover {
            out.extend_from_slice(b"; server_no_context_takeover");
        }
        if self.client_no_context_takeover {
            out.extend_from_slice(b"; client_no_context_takeover");
        }
        if let Some(bits) = self.server_max_window_bits {
            push_bits(out, b"; server_max_window_bits=", bits);
        }
        if let Some(bits) = self.client_max_window_bits {
            push_bits(out, b"; client_max_window_bits=", bits);
        }
    }
}

fn push_bits(out: &mut Vec<u8>, name: &[u8], bits: WindowBits) {
    out.extend_from_slice(name);
    if bits.0 >= 10 {
        out.push(b'1');
    }
    out.push(b'0' + bits.0 % 10);
}

impl DeflateConfig {
    /// Server: the parameters of the first acceptable permessage-deflate offer among
    /// `extensions` (the client's list, in its order of preference), or `None` to go without
    /// compression (disabled, no offer, or none acceptable). Other extensions are ignored.
    ///
    /// RFC 7692 §7.1: an offer is declined if it breaks a rule ([`NegotiationError`]), or if we
    /// require `client_max_window_bits` and it lacks the parameter. Otherwise: the
    /// `*_no_context_takeover` flags are the offer's or ours; the server window is the smaller
    /// of the offer's and ours (either may be absent); the client window is ours if the offer
    /// allows us to set one, else the value the client offered, echoed.
    ///
    /// ```
    /// use netcore_websocket::proto::extension::{parse_extensions, DeflateConfig, WindowBits};
    /// let mut offers = Vec::new();
    /// parse_extensions(b"permessage-deflate; foo, permessage-deflate; server_max_window_bits=10", 0, &mut offers)
    ///     .unwrap();
    /// let params = DeflateConfig::default().accept_offers(&offers).unwrap(); // the first is declined
    /// assert_eq!(params.server_max_window_bits, WindowBits::new(10));
    /// ```
    pub fn accept_offers(&self, extensions: &[Extension]) -> Option<DeflateParams> {
        if !self.enabled {
            return None;
        }
        extensions.iter().filter(|e| e.is_permessage_deflate()).find_map(|offer| self.accept_offer(offer))
    }

    /// Server: the answer to one permessage-deflate offer, or `None` to decline it.
    pub fn accept_offer(&self, offer: &Extension) -> Option<DeflateParams> {
        let p = RawParams::parse(offer, false).ok()?;
        // RFC 7692 §7.1.2.1: use the offered value or a smaller one; we may limit ourselves even
        // if the offer did not ask.
        let server_max_window_bits = match (p.server_max_window_bits, self.server_max_window_bits) {
            (Some(asked), Some(ours)) => Some(asked.min(ours)),
            (asked, ours) => asked.or(ours),
        };
        // RFC 7692 §7.1.2.2: only an offer with the parameter lets us answer with it.
        let client_max_window_bits = match (p.client_max_window_bits, self.client_max_window_bits) {
            (None, Some(_)) => return None,
            (None, None) => None,
            (Some(None), ours) => ours,
            (Some(Some(offered)), Some(ours)) => Some(offered.min(ours)),
            (Some(Some(offered)), None) => Some(offered),
        };
        Some(DeflateParams {
            server_no_context_takeover: p.server_no_context_takeover || self.server_no_context_takeover,
            client_no_context_takeover: p.client_no_context_takeover || self.client_no_context_takeover,
            server_max_window_bits,
            client_max_window_bits,
        })
    }

    /// Client: appends our offer (one element, no fallback) to `out`.
    ///
    /// ```
    /// use netcore_websocket::proto::extension::DeflateConfig;
    /// let mut out = Vec::new();
    /// DeflateConfig::default().write_offer(&mut out);
    /// assert_eq!(out, b"permessage-deflate; client_max_window_bits");
    /// ```
    pub fn write_offer(&self, out: &mut Vec<u8>) {
        // What we ask for is written as a response would state it...
        let asked = DeflateParams {
            server_no_context_takeover: self.server_no_context_takeover,
            client_no_context_takeover: self.client_no_context_takeover,
            server_max_window_bits: self.server_max_window_bits,
            client_max_window_bits: self.client_max_window_bits,
        };
        asked.write_response(out);
        // ...and as we honour any client window (see the module docs), a bare parameter says so.
        if self.client_max_window_bits.is_none() {
            out.extend_from_slice(b"; client_max_window_bits");
        }
    }

    /// Client: checks the server's acceptance of the offer [`DeflateConfig::write_offer`] wrote,
    /// and returns the agreed parameters (RFC 7692 §5, §7.1). The caller has checked that
    /// `response` is a permessage-deflate element and the only one.
    ///
    /// ```
    /// use netcore_websocket::proto::extension::{parse_extensions, DeflateConfig, NegotiationError};
    /// let config = DeflateConfig::default();
    /// let mut r = Vec::new();
    /// parse_extensions(b"permessage-deflate; client_max_window_bits=9", 0, &mut r).unwrap();
    /// let params = config.verify_response(&r[0]).unwrap();
    /// assert_eq!(params.client_to_server().max_window_bits.get(), 9);
    /// r.clear();
    /// parse_extensions(b"permessage-deflate; client_max_window_bits", 0, &mut r).unwrap();
    /// assert_eq!(config.verify_response(&r[0]), Err(NegotiationError::InvalidValue));
    /// ```
    pub fn verify_response(&self, response: &Extension) -> Result<DeflateParams, NegotiationError> {
        let p = RawParams::parse(response, true)?;
        if self.server_no_context_takeover && !p.server_no_context_takeover {
            return Err(NegotiationError::ServerNoContextTakeoverRefused);
        }
        if let Some(ours) = self.server_max_window_bits {
            // (`Option::is_none_or` is newer than the MSRV.)
            if !matches!(p.server_max_window_bits, Some(granted) if granted <= ours) {
                return Err(NegotiationError::ServerMaxWindowBitsRefused);
            }
        }
        let response_client_bits = p.client_max_window_bits.flatten();
        if let (Some(ours), Some(theirs)) = (self.client_max_window_bits, response_client_bits) {
            if theirs > ours {
                return Err(NegotiationError::ClientMaxWindowBitsTooLarge);
            }
        }
        Ok(DeflateParams {
            server_no_context_takeover: p.server_no_context_takeover,
            client_no_context_takeover: p.client_no_context_takeover || self.client_no_context_takeover,
            server_max_window_bits: p.server_max_window_bits,
            // What we offered binds us even if the server did not repeat it.
            client_max_window_bits: response_client_bits.or(self.client_max_window_bits),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Vec<Extension>, ExtensionSyntaxError> {
        let mut out = Vec::new();
        parse_extensions(s.as_bytes(), 0, &mut out).map(|()| out)
    }

    fn one(s: &str) -> Extension {
        let mut v = parse(s).unwrap();
        assert_eq!(v.len(), 1, "{s}");
        v.remove(0)
    }

    fn bits(n: u8) -> Option<WindowBits> {
        WindowBits::new(n)
    }

    #[test]
    fn rfc6455_9_1_grammar() {
        let ok: &[(&str, &[&str])] = &[
            ("", &[]),
            (" , ,", &[]),
            ("a", &["a"]),
            ("a;b", &["a; b"]),
            ("a ; b = 1 ;c, d", &["a; b=1; c", "d"]),
            ("a; b=\"12\"", &["a; b=12"]),
            ("a; b=\"x\\yz\"", &["a; b=xyz"]),
            ("a,,b", &["a", "b"]),
            ("\ta\t;\tb\t", &["a; b"]),
        ];
        for (input, want) in ok {
            let got: Vec<String> = parse(input).unwrap().iter().map(|e| e.to_string()).collect();
            assert_eq!(&got, want, "{input:?}");
        }
        use ExtensionSyntaxKind::*;
        let bad: &[(&str, ExtensionSyntaxKind, usize)] = &[
            (";a", ExpectedToken, 0),
            ("a;", ExpectedToken, 2),
            ("a; =1", ExpectedToken, 3),
            ("a; b=", ExpectedValue, 5),
            ("a; b=,", ExpectedValue, 5),
            ("a; b=\"1", BadQuotedString, 7),
            ("a; b=\"1 2\"", QuotedValueNotToken, 5),
            ("a; b=\"\"", QuotedValueNotToken, 5),
            ("a; b=\"\x01\"", BadQuotedString, 6),
            ("a b", UnexpectedByte, 2),
            ("a; b=1 2", UnexpectedByte, 7),
            ("a; b c", UnexpectedByte, 5),
            ("a/b", UnexpectedByte, 1),
            ("a;\"b\"", ExpectedToken, 2),
        ];
        for &(input, kind, offset) in bad {
            let e = parse(input).unwrap_err();
            assert_eq!((e.kind, e.offset), (kind, offset), "{input:?}");
        }
    }

    #[test]
    fn window_bits_values() {
        for v in ["8", "9", "10", "15"] {
            assert!(WindowBits::parse(v).is_some(), "{v}");
        }
        for v in ["", "7", "16", "08", "+9", " 9", "9 ", "100", "1a", "٣"] {
            assert!(WindowBits::parse(v).is_none(), "{v}");
        }
    }

    #[test]
    fn rfc7692_5_offers_breaking_a_rule_are_declined() {
        let c = DeflateConfig::default();
        for offer in [
            "permessage-deflate; x",
            "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
            "permessage-deflate; client_max_window_bits; CLIENT_MAX_WINDOW_BITS=10",
            "permessage-deflate; server_no_context_takeover=1",
            "permessage-deflate; client_no_context_takeover=\"x\"",
            "permessage-deflate; server_max_window_bits",
            "permessage-deflate; server_max_window_bits=16",
            "permessage-deflate; server_max_window_bits=7",
            "permessage-deflate; client_max_window_bits=0",
        ] {
            assert_eq!(c.accept_offers(&[one(offer)]), None, "{offer}");
        }
        // The next offer is tried.
        let offers = parse("permessage-deflate; x, x-other, permessage-deflate").unwrap();
        assert_eq!(c.accept_offers(&offers), Some(DeflateParams::default()));
        // Disabled: nothing accepted.
        let off = DeflateConfig { enabled: false, ..c };
        assert_eq!(off.accept_offers(&offers), None);
    }

    #[test]
    fn rfc7692_7_1_server_answers() {
        let c = DeflateConfig::default();
        let p = |s: &str| DeflateParams {
            server_no_context_takeover: s.contains("snct"),
            client_no_context_takeover: s.contains("cnct"),
            ..DeflateParams::default()
        };
        // (config tweak, offer, expected answer)
        let cases: Vec<(DeflateConfig, &str, Option<DeflateParams>)> = vec![
            (c, "permessage-deflate", Some(p(""))),
            (c, "PerMessage-Deflate", Some(p(""))),
            (c, "permessage-deflate; server_no_context_takeover", Some(p("snct"))),
            (c, "permessage-deflate; client_no_context_takeover", Some(p("cnct"))),
            (DeflateConfig { server_no_context_takeover: true, ..c }, "permessage-deflate", Some(p("snct"))),
            (DeflateConfig { client_no_context_takeover: true, ..c }, "permessage-deflate", Some(p("cnct"))),
            // §7.1.2.1: the offered server window, or a smaller one of ours.
            (
                c,
                "permessage-deflate; server_max_window_bits=10",
                Some(DeflateParams { server_max_window_bits: bits(10), ..p("") }),
            ),
            (
                DeflateConfig { server_max_window_bits: bits(9), ..c },
                "permessage-deflate; server_max_window_bits=10",
                Some(DeflateParams { server_max_window_bits: bits(9), ..p("") }),
            ),
            (
                DeflateConfig { server_max_window_bits: bits(12), ..c },
                "permessage-deflate; server_max_window_bits=8",
                Some(DeflateParams { server_max_window_bits: bits(8), ..p("") }),
            ),
            (
                DeflateConfig { server_max_window_bits: bits(12), ..c },
                "permessage-deflate",
                Some(DeflateParams { server_max_window_bits: bits(12), ..p("") }),
            ),
            // §7.1.2.2: a bare client_max_window_bits lets us choose; without it we cannot.
            (c, "permessage-deflate; client_max_window_bits", Some(p(""))),
            (
                DeflateConfig { client_max_window_bits: bits(10), ..c },
                "permessage-deflate; client_max_window_bits",
                Some(DeflateParams { client_max_window_bits: bits(10), ..p("") }),
            ),
            (DeflateConfig { client_max_window_bits: bits(10), ..c }, "permessage-deflate", None),
            (
                DeflateConfig { client_max_window_bits: bits(10), ..c },
                "permessage-deflate; client_max_window_bits=9",
                Some(DeflateParams { client_max_window_bits: bits(9), ..p("") }),
            ),
            (
                c,
                "permessage-deflate; client_max_window_bits=11",
                Some(DeflateParams { client_max_window_bits: bits(11), ..p("") }),
            ),
        ];
        for (config, offer, want) in cases {
            assert_eq!(config.accept_offers(&[one(offer)]), want, "{offer} with {config:?}");
        }
    }

    #[test]
    fn rfc7692_7_1_3_examples() {
        // "asking the server to use an LZ77 sliding window with a size of 1,024 bytes or less
        // and declaring that the client supports the client_max_window_bits parameter", with a
        // fallback offer.
        let offers = parse(
            "permessage-deflate; client_max_window_bits; server_max_window_bits=10, \
             permessage-deflate; client_max_window_bits",
        )
        .unwrap();
        let got = DeflateConfig::default().accept_offers(&offers).unwrap();
        let mut out = Vec::new();
        got.write_response(&mut out);
        assert_eq!(out, b"permessage-deflate; server_max_window_bits=10");
        assert_eq!(got.server_to_client().max_window_bits.get(), 10);
        assert_eq!(got.client_to_server(), DirectionParams::default());
    }

    #[test]
    fn rfc7692_7_1_client_checks_the_response() {
        let c = DeflateConfig::default();
        use NegotiationError::*;
        let cases: Vec<(DeflateConfig, &str, Result<DeflateParams, NegotiationError>)> = vec![
            (c, "permessage-deflate", Ok(DeflateParams::default())),
            (
                c,
                "permessage-deflate; server_no_context_takeover; client_no_context_takeover",
                Ok(DeflateParams {
                    server_no_context_takeover: true,
                    client_no_context_takeover: true,
                    ..DeflateParams::default()
                }),
            ),
            (
                c,
                "permessage-deflate; server_max_window_bits=8; client_max_window_bits=8",
                Ok(DeflateParams {
                    server_max_window_bits: bits(8),
                    client_max_window_bits: bits(8),
                    ..DeflateParams::default()
                }),
            ),
            (c, "permessage-deflate; x=1", Err(UnknownParameter)),
            (
                c,
                "permessage-deflate; server_max_window_bits=9; server_max_window_bits=9",
                Err(DuplicateParameter),
            ),
            (c, "permessage-deflate; client_max_window_bits", Err(InvalidValue)),
            (c, "permessage-deflate; server_max_window_bits", Err(InvalidValue)),
            (c, "permessage-deflate; client_no_context_takeover=true", Err(InvalidValue)),
            (
                DeflateConfig { server_no_context_takeover: true, ..c },
                "permessage-deflate",
                Err(ServerNoContextTakeoverRefused),
            ),
            (
                DeflateConfig { server_max_window_bits: bits(10), ..c },
                "permessage-deflate",
                Err(ServerMaxWindowBitsRefused),
            ),
            (
                DeflateConfig { server_max_window_bits: bits(10), ..c },
                "permessage-deflate; server_max_window_bits=11",
                Err(ServerMaxWindowBitsRefused),
            ),
            (
                DeflateConfig { server_max_window_bits: bits(10), ..c },
                "permessage-deflate; server_max_window_bits=9",
                Ok(DeflateParams { server_max_window_bits: bits(9), ..DeflateParams::default() }),
            ),
            (
                DeflateConfig { client_max_window_bits: bits(10), ..c },
                "permessage-deflate; client_max_window_bits=11",
                Err(ClientMaxWindowBitsTooLarge),
            ),
            // What we offered binds us even when the answer does not repeat it.
            (
                DeflateConfig { client_max_window_bits: bits(10), client_no_context_takeover: true, ..c },
                "permessage-deflate",
                Ok(DeflateParams {
                    client_max_window_bits: bits(10),
                    client_no_context_takeover: true,
                    ..DeflateParams::default()
                }),
            ),
        ];
        for (config, response, want) in cases {
            assert_eq!(config.verify_response(&one(response)), want, "{response} with {config:?}");
        }
    }

    #[test]
    fn offers_round_trip_through_the_server() {
        // Whatever we offer as a client, our server accepts, and our client accepts the answer.
        for snct in [false, true] {
            for cnct in [false, true] {
                for sbits in [None, bits(8), bits(12), bits(15)] {
                    for cbits in [None, bits(9), bits(15)] {
                        let client = DeflateConfig {
                            server_no_context_takeover: snct,
                            client_no_context_takeover: cnct,
                            server_max_window_bits: sbits,
                            client_max_window_bits: cbits,
                            ..DeflateConfig::default()
                        };
                        let mut offer = Vec::new();
                        client.write_offer(&mut offer);
                        let mut offers = Vec::new();
                        parse_extensions(&offer, 0, &mut offers).unwrap();
                        for server in [
                            DeflateConfig::default(),
                            DeflateConfig { server_max_window_bits: bits(11), ..DeflateConfig::default() },
                            DeflateConfig { client_max_window_bits: bits(10), ..DeflateConfig::default() },
                            DeflateConfig { server_no_context_takeover: true, ..DeflateConfig::default() },
                        ] {
                            let agreed = server.accept_offers(&offers).unwrap();
                            let mut answer = Vec::new();
                            agreed.write_response(&mut answer);
                            let mut r = Vec::new();
                            parse_extensions(&answer, 0, &mut r).unwrap();
                            let seen = client.verify_response(&r[0]).unwrap();
                            assert_eq!(seen, agreed, "{:?} / {:?}", String::from_utf8_lossy(&offer), server);
                        }
                    }
                }
            }
        }
    }
}
