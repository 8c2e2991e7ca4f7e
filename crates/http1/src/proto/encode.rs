//! Serializing message heads: the status or request line, the header section and the framing
//! headers (RFC 9112 §3, §4, §5, §6), appended to a caller-owned `Vec<u8>`.
//!
//! ```text
//! write_response_head(out, 1, 200, None, &[("Content-Type", b"text/plain")],
//!                     BodyLength::Known(5), Some(date), Some(true))
//!   out += "HTTP/1.1 200 OK\r\n"
//!          "Content-Type: text/plain\r\n"      user headers, in order, case kept
//!          "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"   unless the user set Date
//!          "Content-Length: 5\r\n"             unless the user set it (then it must agree)
//!          "\r\n"
//! ```
//!
//! Everything the caller supplies is checked before it reaches the wire: header names are tokens,
//! header values, the reason phrase and the request target carry no CR, LF, NUL or other control
//! character, so a value taken from a request cannot split the response (CWE-113). The framing
//! headers the caller set must agree with the [`BodyLength`] it passes, so the head never
//! announces a body other than the one that follows. On any error `out` is left exactly as it was.
//!
//! Nothing here allocates when `out` already has the capacity: callers reuse one buffer across
//! messages. The chunked body framing itself lives in the chunked module.

use super::syntax::{is_token, trim_ows};
use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How the body that follows a head is delimited (RFC 9112 §6).
///
/// ```
/// use netcore_http1::proto::encode::{write_request_head, write_response_head, BodyLength};
/// let mut out = Vec::new();
/// write_response_head(&mut out, 1, 200, None, &[], BodyLength::Chunked, None, None)?;
/// assert_eq!(out, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
/// out.clear();
/// write_response_head(&mut out, 1, 200, None, &[], BodyLength::UntilClose, None, None)?;
/// assert_eq!(out, b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
/// out.clear();
/// write_request_head(&mut out, "POST", "/up", 1, &[("Host", b"a")], BodyLength::Known(3))?;
/// assert_eq!(out, b"POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\n");
/// # Ok::<(), netcore_http1::proto::encode::EncodeError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BodyLength {
    /// Exactly this many bytes follow: `Content-Length: N` is written unless the caller set it.
    Known(u64),
    /// The body is sent with the chunked transfer coding: `Transfer-Encoding: chunked` is written
    /// unless the caller set a `Transfer-Encoding` whose final coding is `chunked`. HTTP/1.1 only.
    Chunked,
    /// No body follows and nothing is written about one: responses to `HEAD`, 1xx, 204 and 304
    /// responses, requests without a body. A `HEAD` or 304 response may still carry the caller's
    /// own `Content-Length` or `Transfer-Encoding` describing the representation
    /// (RFC 9110 §8.6, RFC 9112 §6.1); a 1xx or 204 response may not.
    None,
    /// Responses only: the body ends when the server closes the connection (RFC 9112 §6.3 item 8),
    /// as for an HTTP/1.0 response of unknown length. On HTTP/1.1 `Connection: close` is written
    /// unless the caller set `Connection`.
    UntilClose,
}

/// Why a head could not be written: which argument broke which rule. The caller's fault, always.
///
/// ```
/// use netcore_http1::proto::encode::{write_request_head, write_response_head, BodyLength, EncodeError};
/// let mut out = b"kept".to_vec();
/// let split: &[(&str, &[u8])] = &[("X-Ok", b"1"), ("Location", b"/a\r\nSet-Cookie: x=1")];
/// let err = write_response_head(&mut out, 1, 302, None, split, BodyLength::None, None, None).unwrap_err();
/// assert_eq!(err, EncodeError::InvalidHeaderValue { index: 1 });
/// assert_eq!(out, b"kept"); // nothing was written
/// let lying: &[(&str, &[u8])] = &[("Content-Length", b"9")];
/// let err = write_response_head(&mut out, 1, 200, None, lying, BodyLength::Known(5), None, None).unwrap_err();
/// assert_eq!(err, EncodeError::ContentLengthMismatch { index: 0 });
/// let err = write_request_head(&mut out, "GET", "/", 1, &[], BodyLength::None).unwrap_err();
/// assert_eq!((err, err.to_string().as_str()), (EncodeError::MissingHost, "http/1.1 request without a host header"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EncodeError {
    /// Header field `index` has an empty name or one that is not a token (RFC 9110 §5.1, §5.6.2).
    InvalidHeaderName {
        /// Position of the field in the caller's header list.
        index: usize,
    },
    /// Header field `index` has a value with CR, LF, NUL or another control character other than
    /// HTAB (RFC 9110 §5.5).
    InvalidHeaderValue {
        /// Position of the field in the caller's header list.
        index: usize,
    },
    /// The reason phrase has a control character other than HTAB (RFC 9112 §4).
    InvalidReason,
    /// The method is empty or not a token (RFC 9110 §9.1).
    InvalidMethod,
    /// The request target is empty or has a space, a control character or a non-ASCII byte
    /// (RFC 9112 §3.2).
    InvalidTarget,
    /// The status code is outside `100..=999` (RFC 9112 §4).
    InvalidStatus,
    /// The minor version is neither 0 nor 1: only HTTP/1.0 and HTTP/1.1 are written.
    InvalidVersion,
    /// The `Date` value has a control character (RFC 9110 §5.5).
    InvalidDate,
    /// Header field `index` is a `Content-Length` that contradicts the body length: it differs
    /// from [`BodyLength::Known`], is not a decimal number, is nonzero on a request without a
    /// body, or is present with `Chunked`, `UntilClose`, or on a 1xx or 204 response
    /// (RFC 9110 §8.6, RFC 9112 §6.2).
    ContentLengthMismatch {
        /// Position of the field in the caller's header list.
        index: usize,
    },
    /// Header field `index` is a `Transfer-Encoding` that contradicts the body length: present with
    /// `Known` or `UntilClose`, on a request without a body or a 1xx or 204 response, or, with
    /// `Chunked`, a coding list that does not end in `chunked` exactly once (RFC 9112 §6.1).
    TransferEncodingMismatch {
        /// Position of the field in the caller's header list.
        index: usize,
    },
    /// A 1xx, 204 or 304 response was given a body length other than [`BodyLength::None`]
    /// (RFC 9110 §6.4.1).
    BodyNotAllowed,
    /// [`BodyLength::Chunked`] on an HTTP/1.0 message (RFC 9112 §6.1).
    ChunkedRequiresHttp11,
    /// [`BodyLength::UntilClose`] on a request: a request body cannot be delimited by closing the
    /// connection (RFC 9112 §6.3 item 6).
    CloseDelimitedRequest,
    /// [`BodyLength::UntilClose`] with `keep_alive: Some(true)`: such a body ends the connection.
    CloseDelimitedKeepAlive,
    /// An HTTP/1.1 request without a `Host` header (RFC 9112 §3.2).
    MissingHost,
    /// Header field `index` is a second `Host` header (RFC 9112 §3.2).
    DuplicateHost {
        /// Position of the field in the caller's header list.
        index: usize,
    },
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EncodeError::InvalidHeaderName { index } => {
                write!(f, "header field {index}: name is empty or not a token")
            }
            EncodeError::InvalidHeaderValue { index } => {
                write!(f, "header field {index}: value contains a control character")
            }
            EncodeError::InvalidReason => f.write_str("reason phrase contains a control character"),
            EncodeError::InvalidMethod => f.write_str("method is empty or not a token"),
            EncodeError::InvalidTarget => f.write_str(
                "request target is empty or contains a space, a control character or a non-ascii byte",
            ),
            EncodeError::InvalidStatus => f.write_str("status code outside 100..=999"),
            EncodeError::InvalidVersion => f.write_str("http version is neither 1.0 nor 1.1"),
            EncodeError::InvalidDate => f.write_str("date value contains a control character"),
            EncodeError::ContentLengthMismatch { index } => {
                write!(f, "header field {index}: content-length contradicts the body length")
            }
            EncodeError::TransferEncodingMismatch { index } => {
                write!(f, "header field {index}: transfer-encoding contradicts the body length")
            }
            EncodeError::BodyNotAllowed => f.write_str("a 1xx, 204 or 304 response cannot have a body"),
            EncodeError::ChunkedRequiresHttp11 => f.write_str("chunked transfer coding requires http/1.1"),
            EncodeError::CloseDelimitedRequest => {
                f.write_str("a request body cannot be delimited by closing the connection")
            }
            EncodeError::CloseDelimitedKeepAlive => {
                f.write_str("a body delimited by closing the connection cannot keep the connection alive")
            }
            EncodeError::MissingHost => f.write_str("http/1.1 request without a host header"),
            EncodeError::DuplicateHost { index } => write!(f, "header field {index}: second host header"),
        }
    }
}

impl std::error::Error for EncodeError {}

/// Writes a response head: status line, the caller's headers in order with their case kept, the
/// `Date`, `Connection` and framing headers the caller left out, and the empty line.
///
/// - `version_minor`: 0 or 1, for `HTTP/1.0` or `HTTP/1.1`.
/// - `reason`: `None` writes the canonical phrase ([`canonical_reason`]; empty for an unknown
///   code); `Some` is written as given, if it is only HTAB, SP, VCHAR and obs-text.
/// - `body`: `Known(n)` adds `Content-Length: n`, `Chunked` adds `Transfer-Encoding: chunked`,
///   unless set; a framing header the caller set must agree (see [`EncodeError`]). 1xx, 204 and
///   304 responses take [`BodyLength::None`]; so does a response to `HEAD`, whose
///   `Content-Length`, if wanted, the caller sets.
/// - `date`: when `Some` and the headers have no `Date`, writes `Date: <value>` (use
///   [`DateCache::value`]).
/// - `keep_alive`: `Some(false)` writes `Connection: close`; `Some(true)` on HTTP/1.0 writes
///   `Connection: keep-alive`; neither when the caller set `Connection`. [`BodyLength::UntilClose`]
///   on HTTP/1.1 implies `Connection: close`.
///
/// On error nothing is written: `out` is left as it was.
///
/// ```
/// use netcore_http1::proto::encode::{write_response_head, BodyLength};
/// let mut out = Vec::with_capacity(256);
/// let headers: &[(&str, &[u8])] = &[("Content-Type", b"text/plain")];
/// write_response_head(&mut out, 1, 200, None, headers, BodyLength::Known(5), None, None).unwrap();
/// assert_eq!(out, b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\n");
/// let evil: &[(&str, &[u8])] = &[("Location", b"/a\r\nSet-Cookie: x=1")];
/// assert!(write_response_head(&mut out, 1, 302, None, evil, BodyLength::None, None, None).is_err());
/// ```
#[allow(clippy::too_many_arguments)] // each argument is one decision the caller makes
pub fn write_response_head(
    out: &mut Vec<u8>,
    version_minor: u8,
    status: u16,
    reason: Option<&str>,
    headers: &[(&str, &[u8])],
    body: BodyLength,
    date: Option<&[u8]>,
    keep_alive: Option<bool>,
) -> Result<(), EncodeError> {
    let reason = reason.unwrap_or_else(|| canonical_reason(status).unwrap_or(""));
    out.reserve(head_size(reason.len(), headers));
    let response = Response { version_minor, status, reason, body, date, keep_alive };
    let start = out.len();
    response.write(out, fields(headers)).inspect_err(|_| out.truncate(start))
}

/// [`write_response_head`] over any iterator of `(name, value)` byte pairs (a server keeping its
/// fields in its own storage passes them without building a slice first). Names and values are
/// checked the same way.
///
/// ```
/// use netcore_http1::proto::encode::{write_response_head_iter, BodyLength};
/// let mut out = Vec::new();
/// let fields = [(&b"X-A"[..], &b"1"[..])];
/// write_response_head_iter(&mut out, 1, 204, None, fields.into_iter(), BodyLength::None, None, None).unwrap();
/// assert_eq!(out, b"HTTP/1.1 204 No Content\r\nX-A: 1\r\n\r\n");
/// ```
#[allow(clippy::too_many_arguments)] // each argument is one decision the caller makes
pub fn write_response_head_iter<'h>(
    out: &mut Vec<u8>,
    version_minor: u8,
    status: u16,
    reason: Option<&str>,
    headers: impl Iterator<Item = (&'h [u8], &'h [u8])> + Clone,
    body: BodyLength,
    date: Option<&[u8]>,
    keep_alive: Option<bool>,
) -> Result<(), EncodeError> {
    let reason = reason.unwrap_or_else(|| canonical_reason(status).unwrap_or(""));
    let fixed = 16 + 37 + 24 + 38 + 2 + reason.len();
    out.reserve(
        headers.clone().fold(fixed, |n, (name, value)| n.saturating_add(name.len() + value.len() + 4)),
    );
    let response = Response { version_minor, status, reason, body, date, keep_alive };
    let start = out.len();
    response.write(out, headers).inspect_err(|_| out.truncate(start))
}

/// Writes a request head: request line, the caller's headers in order with their case kept, the
/// framing header the caller left out, and the empty line.
///
/// - `method`: a token (`GET`, `POST`, …; case is kept, methods are case-sensitive).
/// - `target`: origin-form (`/path?query`), absolute-form, authority-form or `*`, written as
///   given: non-empty, ASCII, no space or control character (percent-encode the rest).
/// - `version_minor`: 0 or 1. An HTTP/1.1 request needs exactly one `Host` header.
/// - `body`: `Known(n)` adds `Content-Length: n`, `Chunked` adds `Transfer-Encoding: chunked`,
///   unless set; `None` for no body (a caller's `Content-Length` must then be 0);
///   `UntilClose` is an error.
///
/// On error nothing is written: `out` is left as it was.
///
/// ```
/// use netcore_http1::proto::encode::{write_request_head, BodyLength};
/// let mut out = Vec::new();
/// let headers: &[(&str, &[u8])] = &[("Host", b"example.com")];
/// write_request_head(&mut out, "POST", "/upload", 1, headers, BodyLength::Chunked).unwrap();
/// assert_eq!(out, b"POST /upload HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n");
/// ```
pub fn write_request_head(
    out: &mut Vec<u8>,
    method: &str,
    target: &str,
    version_minor: u8,
    headers: &[(&str, &[u8])],
    body: BodyLength,
) -> Result<(), EncodeError> {
    out.reserve(head_size(method.len() + target.len(), headers));
    let request = Request { method, target, version_minor, body };
    let start = out.len();
    request.write(out, fields(headers)).inspect_err(|_| out.truncate(start))
}

/// The reason phrase IANA registers for `status` (RFC 9110 §15 and the HTTP Status Code
/// Registry), or `None` for an unassigned code.
///
/// Node's `http.STATUS_CODES` differs in three places: it says `Payload Too Large` (413) and
/// `Unprocessable Entity` (422), the names before RFC 9110, and adds `Bandwidth Limit Exceeded`
/// (509). `418 I'm a Teapot` is kept as Node has it.
pub fn canonical_reason(status: u16) -> Option<&'static str> {
    Some(match status {
        100 => "Continue",
        101 => "Switching Protocols",
        102 => "Processing",
        103 => "Early Hints",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        203 => "Non-Authoritative Information",
        204 => "No Content",
        205 => "Reset Content",
        206 => "Partial Content",
        207 => "Multi-Status",
        208 => "Already Reported",
        226 => "IM Used",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        305 => "Use Proxy",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        407 => "Proxy Authentication Required",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Content Too Large",
        414 => "URI Too Long",
        415 => "Unsupported Media Type",
        416 => "Range Not Satisfiable",
        417 => "Expectation Failed",
        418 => "I'm a Teapot",
        421 => "Misdirected Request",
        422 => "Unprocessable Content",
        423 => "Locked",
        424 => "Failed Dependency",
        425 => "Too Early",
        426 => "Upgrade Required",
        428 => "Precondition Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        451 => "Unavailable For Legal Reasons",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        506 => "Variant Also Negotiates",
        507 => "Insufficient Storage",
        508 => "Loop Detected",
        510 => "Not Extended",
        511 => "Network Authentication Required",
        _ => return None,
    })
}

// ----- the writers, over any iterator of (name, value) byte pairs -----

type Field<'h> = (&'h [u8], &'h [u8]);

fn fields<'h>(headers: &'h [(&'h str, &'h [u8])]) -> impl Iterator<Item = Field<'h>> {
    headers.iter().map(|&(name, value)| (name.as_bytes(), value))
}

/// An upper bound on the head's size, reserved once so that a cold buffer grows once.
fn head_size(line: usize, headers: &[(&str, &[u8])]) -> usize {
    // Line overhead, `Date`, `Connection` and `Content-Length` lines, the empty line.
    let fixed = 16 + 37 + 24 + 38 + 2;
    headers.iter().fold(line + fixed, |n, (name, value)| n.saturating_add(name.len() + value.len() + 4))
}

struct Response<'a> {
    version_minor: u8,
    status: u16,
    reason: &'a str,
    body: BodyLength,
    date: Option<&'a [u8]>,
    keep_alive: Option<bool>,
}

impl Response<'_> {
    /// Writes the head; the caller truncates `out` on error.
    fn write<'h>(
        &self,
        out: &mut Vec<u8>,
        headers: impl Iterator<Item = Field<'h>>,
    ) -> Result<(), EncodeError> {
        let &Response { version_minor, status, reason, body, date, keep_alive } = self;
        if !(100..=999).contains(&status) {
            return Err(EncodeError::InvalidStatus);
        }
        // RFC 9112 §4: reason-phrase = 1*( HTAB / SP / VCHAR / obs-text )
        if !is_field_value(reason.as_bytes()) {
            return Err(EncodeError::InvalidReason);
        }
        // RFC 9110 §6.4.1: 1xx, 204 and 304 responses end with the header section.
        let bodiless = status < 200 || status == 204 || status == 304;
        if bodiless && body != BodyLength::None {
            return Err(EncodeError::BodyNotAllowed);
        }
        if body == BodyLength::UntilClose && keep_alive == Some(true) {
            return Err(EncodeError::CloseDelimitedKeepAlive);
        }
        let framing = Framing::new(
            body,
            version_minor,
            Role::Response { no_framing_headers: status < 200 || status == 204 },
        )?;

        // RFC 9112 §4: status-line = HTTP-version SP status-code SP [ reason-phrase ] CRLF
        out.extend_from_slice(version_bytes(version_minor));
        out.push(b' ');
        out.extend_from_slice(&three_digits(status));
        out.push(b' ');
        out.extend_from_slice(reason.as_bytes());
        out.extend_from_slice(b"\r\n");

        let seen = write_fields(out, headers, &framing)?;

        if let (Some(date), false) = (date, seen.date) {
            if !is_field_value(date) {
                return Err(EncodeError::InvalidDate);
            }
            write_field(out, b"Date", date);
        }
        if !seen.connection {
            let close = keep_alive == Some(false) || (body == BodyLength::UntilClose && version_minor == 1);
            if close {
                write_field(out, b"Connection", b"close");
            } else if keep_alive == Some(true) && version_minor == 0 {
                // RFC 9112 §9.3: an HTTP/1.0 connection persists only when asked to.
                write_field(out, b"Connection", b"keep-alive");
            }
        }
        framing.finish(out, &seen)
    }
}

struct Request<'a> {
    method: &'a str,
    target: &'a str,
    version_minor: u8,
    body: BodyLength,
}

impl Request<'_> {
    /// Writes the head; the caller truncates `out` on error.
    fn write<'h>(
        &self,
        out: &mut Vec<u8>,
        headers: impl Iterator<Item = Field<'h>>,
    ) -> Result<(), EncodeError> {
        let &Request { method, target, version_minor, body } = self;
        if !is_token(method.as_bytes()) {
            return Err(EncodeError::InvalidMethod);
        }
        // RFC 9112 §3.2: the target is a URI reference (ASCII, no whitespace) or `*`.
        if target.is_empty() || !target.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(EncodeError::InvalidTarget);
        }
        if body == BodyLength::UntilClose {
            return Err(EncodeError::CloseDelimitedRequest);
        }
        let framing = Framing::new(body, version_minor, Role::Request)?;

        // RFC 9112 §3: request-line = method SP request-target SP HTTP-version CRLF
        out.extend_from_slice(method.as_bytes());
        out.push(b' ');
        out.extend_from_slice(target.as_bytes());
        out.push(b' ');
        out.extend_from_slice(version_bytes(version_minor));
        out.extend_from_slice(b"\r\n");

        let seen = write_fields(out, headers, &framing)?;
        // RFC 9112 §3.2: a client MUST send Host in every HTTP/1.1 request.
        if version_minor == 1 && !seen.host {
            return Err(EncodeError::MissingHost);
        }
        framing.finish(out, &seen)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Request,
    /// `no_framing_headers`: a 1xx or 204 response, which may carry neither `Content-Length` nor
    /// `Transfer-Encoding` (RFC 9110 §8.6, RFC 9112 §6.1).
    Response {
        no_framing_headers: bool,
    },
}

/// The body length and what it allows of the caller's framing headers.
struct Framing {
    body: BodyLength,
    role: Role,
}

/// What the caller's header section already says.
#[derive(Default)]
struct Seen {
    date: bool,
    connection: bool,
    host: bool,
    content_length: bool,
    /// Index of the last `Transfer-Encoding` field, if any.
    transfer_encoding: Option<usize>,
    /// Whether `chunked` was the last transfer coding so far.
    chunked: bool,
}

impl Framing {
    fn new(body: BodyLength, version_minor: u8, role: Role) -> Result<Framing, EncodeError> {
        if version_minor > 1 {
            return Err(EncodeError::InvalidVersion);
        }
        if body == BodyLength::Chunked && version_minor == 0 {
            return Err(EncodeError::ChunkedRequiresHttp11);
        }
        Ok(Framing { body, role })
    }

    /// Checks a caller's `Content-Length` against the body length.
    fn check_content_length(&self, index: usize, value: &[u8]) -> Result<(), EncodeError> {
        let length = parse_decimal(value);
        let ok = match (self.body, self.role) {
            (BodyLength::Known(n), _) => length == Some(n),
            (BodyLength::None, Role::Request) => length == Some(0),
            // RFC 9110 §8.6: a HEAD or 304 response may tell the representation's length.
            (BodyLength::None, Role::Response { no_framing_headers }) => {
                !no_framing_headers && length.is_some()
            }
            // RFC 9112 §6.2: never with Transfer-Encoding; a close-delimited body has no length.
            (BodyLength::Chunked | BodyLength::UntilClose, _) => false,
        };
        if ok {
            Ok(())
        } else {
            Err(EncodeError::ContentLengthMismatch { index })
        }
    }

    /// Checks a caller's `Transfer-Encoding` against the body length.
    fn check_transfer_encoding(
        &self,
        index: usize,
        value: &[u8],
        seen: &mut Seen,
    ) -> Result<(), EncodeError> {
        let mismatch = Err(EncodeError::TransferEncodingMismatch { index });
        match (self.body, self.role) {
            (BodyLength::Chunked, _) => {
                // RFC 9112 §6.1: chunked is applied once, and last. List elements may be empty
                // (RFC 9110 §5.6.1) and a coding may have parameters.
                for coding in value.split(|&b| b == b',') {
                    let name = trim_ows(coding.split(|&b| b == b';').next().unwrap_or_default());
                    if name.is_empty() {
                        continue;
                    }
                    if seen.chunked {
                        return mismatch;
                    }
                    seen.chunked = name.eq_ignore_ascii_case(b"chunked");
                }
                Ok(())
            }
            (BodyLength::None, Role::Response { no_framing_headers: false }) => Ok(()), // HEAD, 304
            _ => mismatch,
        }
    }

    /// Adds the framing header the caller left out, then ends the head.
    fn finish(&self, out: &mut Vec<u8>, seen: &Seen) -> Result<(), EncodeError> {
        match self.body {
            BodyLength::Known(n) if !seen.content_length => {
                out.extend_from_slice(b"Content-Length: ");
                write_decimal(out, n);
                out.extend_from_slice(b"\r\n");
            }
            BodyLength::Chunked => match seen.transfer_encoding {
                None => write_field(out, b"Transfer-Encoding", b"chunked"),
                Some(index) if !seen.chunked => return Err(EncodeError::TransferEncodingMismatch { index }),
                Some(_) => {}
            },
            _ => {}
        }
        out.extend_from_slice(b"\r\n");
        Ok(())
    }
}

/// Checks and writes the caller's fields in order, noting the ones that matter to us.
fn write_fields<'h>(
    out: &mut Vec<u8>,
    headers: impl Iterator<Item = Field<'h>>,
    framing: &Framing,
) -> Result<Seen, EncodeError> {
    let mut seen = Seen::default();
    for (index, (name, value)) in headers.enumerate() {
        // RFC 9110 §5.1: field-name = token
        if !is_token(name) {
            return Err(EncodeError::InvalidHeaderName { index });
        }
        // RFC 9110 §5.5: no CR, LF, NUL or other CTL but HTAB. This is what stops response
        // splitting through a value that came from the peer.
        if !is_field_value(value) {
            return Err(EncodeError::InvalidHeaderValue { index });
        }
        match name.len() {
            4 if name.eq_ignore_ascii_case(b"date") => seen.date = true,
            4 if name.eq_ignore_ascii_case(b"host") && framing.role == Role::Request => {
                if seen.host {
                    return Err(EncodeError::DuplicateHost { index });
                }
                seen.host = true;
            }
            10 if name.eq_ignore_ascii_case(b"connection") => seen.connection = true,
            14 if name.eq_ignore_ascii_case(b"content-length") => {
                framing.check_content_length(index, value)?;
                seen.content_length = true;
            }
            17 if name.eq_ignore_ascii_case(b"transfer-encoding") => {
                framing.check_transfer_encoding(index, value, &mut seen)?;
                seen.transfer_encoding = Some(index);
            }
            _ => {}
        }
        write_field(out, name, value);
    }
    Ok(seen)
}

fn write_field(out: &mut Vec<u8>, name: &[u8], value: &[u8]) {
    // RFC 9112 §5: field-line = field-name ":" OWS field-value OWS
    out.extend_from_slice(name);
    out.extend_from_slice(b": ");
    out.extend_from_slice(value);
    out.extend_from_slice(b"\r\n");
}

fn version_bytes(version_minor: u8) -> &'static [u8] {
    if version_minor == 0 {
        b"HTTP/1.0"
    } else {
        b"HTTP/1.1"
    }
}

/// `n` in `100..=999` as three ASCII digits.
fn three_digits(n: u16) -> [u8; 3] {
    [b'0' + (n / 100 % 10) as u8, b'0' + (n / 10 % 10) as u8, b'0' + (n % 10) as u8]
}

fn write_decimal(out: &mut Vec<u8>, mut n: u64) {
    let mut buf = [0u8; 20]; // u64::MAX has 20 digits
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&buf[i..]);
}

/// RFC 9110 §8.6: `Content-Length = 1*DIGIT`, optional whitespace around it.
fn parse_decimal(value: &[u8]) -> Option<u64> {
    let digits = trim_ows(value);
    if digits.is_empty() {
        return None;
    }
    digits.iter().try_fold(0u64, |n, &b| {
        if b.is_ascii_digit() {
            n.checked_mul(10)?.checked_add(u64::from(b - b'0'))
        } else {
            None
        }
    })
}

/// A field name: a token (RFC 9110 §5.1). Shared with the server's and client's header setters.
pub(crate) fn is_field_name(name: &str) -> bool {
    is_token(name.as_bytes())
}

/// HTAB, SP, VCHAR and obs-text: everything but the other controls (NUL, CR, LF, DEL, …).
/// Shared with the server's and client's header setters.
pub(crate) fn is_field_value(s: &[u8]) -> bool {
    // Eight bytes at a time: a word with no byte below 0x20 and none equal to 0x7f is clean.
    // A word that may hold one (HTAB is below 0x20 and allowed) is checked byte by byte.
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    const DELS: u64 = u64::from_ne_bytes([0x7f; 8]);
    let is_value_byte = |b: u8| (b >= 0x20 && b != 0x7f) || b == b'\t';
    let mut words = s.chunks_exact(8);
    for word in &mut words {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(word);
        let x = u64::from_ne_bytes(bytes);
        // Bit Twiddling Hacks, "determine if a word has a byte less than n" (exact for n <= 128).
        let below_space = x.wrapping_sub(ONES * 0x20) & !x & HIGHS;
        let d = x ^ DELS;
        let del = d.wrapping_sub(ONES) & !d & HIGHS;
        if below_space | del != 0 && !word.iter().all(|&b| is_value_byte(b)) {
            return false;
        }
    }
    words.remainder().iter().all(|&b| is_value_byte(b))
}

// ----- the Date header -----

/// The last second [`imf_fixdate`] can express: 9999-12-31T23:59:59Z.
const MAX_SECOND: u64 = 253_402_300_799;

/// The `Date` header value (RFC 9110 §6.6.1), formatted at most once a second.
///
/// The clock is the caller's: call [`update`](DateCache::update) with the loop's current time
/// (once per turn is fine: within the same second it only compares two integers), then use
/// [`value`](DateCache::value) as the `date` argument of [`write_response_head`].
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use netcore_http1::proto::encode::DateCache;
/// let mut date = DateCache::default();
/// date.update(UNIX_EPOCH + Duration::from_secs(784_111_777));
/// assert_eq!(date.value(), b"Sun, 06 Nov 1994 08:49:37 GMT");
/// ```
#[derive(Clone)]
pub struct DateCache {
    /// The second (since the Unix epoch, clamped) that `value` shows.
    second: u64,
    value: [u8; 29],
}

impl DateCache {
    /// A cache showing `now`.
    pub fn new(now: SystemTime) -> DateCache {
        let second = unix_second(now);
        DateCache { second, value: format_imf_fixdate(second) }
    }

    /// Moves the cache to `now`; formats the date only when the whole second changed.
    pub fn update(&mut self, now: SystemTime) {
        let second = unix_second(now);
        if second != self.second {
            self.second = second;
            self.value = format_imf_fixdate(second);
        }
    }

    /// The date as IMF-fixdate, e.g. `Sun, 06 Nov 1994 08:49:37 GMT`: always 29 ASCII bytes.
    pub fn value(&self) -> &[u8] {
        &self.value
    }
}

impl Default for DateCache {
    /// A cache showing the Unix epoch, `Thu, 01 Jan 1970 00:00:00 GMT`, until updated.
    fn default() -> DateCache {
        DateCache { second: 0, value: format_imf_fixdate(0) }
    }
}

impl fmt::Debug for DateCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("DateCache").field(&String::from_utf8_lossy(&self.value)).finish()
    }
}

/// `now` as IMF-fixdate (RFC 9110 §5.6.7), e.g. `Sun, 06 Nov 1994 08:49:37 GMT`.
///
/// A clock before 1970 reads as the epoch and one past 9999 as `Fri, 31 Dec 9999 23:59:59 GMT`:
/// the format has four year digits.
pub fn imf_fixdate(now: SystemTime) -> [u8; 29] {
    format_imf_fixdate(unix_second(now))
}

fn unix_second(now: SystemTime) -> u64 {
    now.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO).as_secs().min(MAX_SECOND)
}

/// Formats a second since the epoch, at most [`MAX_SECOND`].
fn format_imf_fixdate(second: u64) -> [u8; 29] {
    const DAYS: [&[u8; 3]; 7] = [b"Sun", b"Mon", b"Tue", b"Wed", b"Thu", b"Fri", b"Sat"];
    const MONTHS: [&[u8; 3]; 12] =
        [b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec"];
    let second = second.min(MAX_SECOND);
    let days = second / 86_400;
    let in_day = second % 86_400;
    let (year, month, day) = civil_from_days(days);
    // 1970-01-01 was a Thursday.
    let weekday = DAYS[((days + 4) % 7) as usize];

    let mut v = *b"Thu, 01 Jan 1970 00:00:00 GMT";
    v[0..3].copy_from_slice(weekday);
    v[5..7].copy_from_slice(&two_digits(day));
    v[8..11].copy_from_slice(MONTHS[(month - 1) as usize]);
    v[12..14].copy_from_slice(&two_digits(year / 100));
    v[14..16].copy_from_slice(&two_digits(year % 100));
    v[17..19].copy_from_slice(&two_digits(in_day / 3600));
    v[20..22].copy_from_slice(&two_digits(in_day / 60 % 60));
    v[23..25].copy_from_slice(&two_digits(in_day % 60));
    v
}

fn two_digits(n: u64) -> [u8; 2] {
    [b'0' + (n / 10 % 10) as u8, b'0' + (n % 10) as u8]
}

/// Days since 1970-01-01 to the proleptic Gregorian (year, month 1-12, day 1-31): Howard
/// Hinnant's `civil_from_days`, on unsigned numbers since the day is never before the epoch.
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    // Count from 0000-03-01, so that the leap day ends each 4-, 100- and 400-year cycle.
    let z = days + 719_468;
    let era = z / 146_097; // 400-year eras
    let doe = z - era * 146_097; // day of era, 0..=146096
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // year of era, 0..=399
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // day of the March-based year, 0..=365
    let mp = (5 * doy + 2) / 153; // month from March, 0..=11
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

// ----- the `http` crate's types -----

/// Writes the head of an `http::Response` (see [`write_response_head`]).
///
/// The reason phrase is the canonical one; the version must be HTTP/1.0 or HTTP/1.1. Header
/// names come out lowercase, as `http` stores them.
#[cfg(feature = "http")]
pub fn write_response_parts(
    out: &mut Vec<u8>,
    parts: &http::response::Parts,
    body: BodyLength,
    date: Option<&[u8]>,
    keep_alive: Option<bool>,
) -> Result<(), EncodeError> {
    let status = parts.status.as_u16();
    let reason = canonical_reason(status).unwrap_or("");
    let version_minor = http_version_minor(parts.version)?;
    let response = Response { version_minor, status, reason, body, date, keep_alive };
    let start = out.len();
    response.write(out, http_fields(&parts.headers)).inspect_err(|_| out.truncate(start))
}

/// Writes the head of an `http::Request` (see [`write_request_head`]).
///
/// The target is the URI's authority for `CONNECT`, its path and query otherwise (`/` when it has
/// none). When the headers have no `Host` and the URI has an authority, `host` is written from
/// it (without user info).
#[cfg(feature = "http")]
pub fn write_request_parts(
    out: &mut Vec<u8>,
    parts: &http::request::Parts,
    body: BodyLength,
) -> Result<(), EncodeError> {
    let version_minor = http_version_minor(parts.version)?;
    let authority = parts.uri.authority().map(|a| {
        // RFC 9110 §7.2: Host is the authority without userinfo.
        let a = a.as_str();
        a.rsplit_once('@').map_or(a, |(_, host)| host)
    });
    let target = if parts.method == http::Method::CONNECT {
        authority.ok_or(EncodeError::InvalidTarget)?
    } else {
        parts.uri.path_and_query().map_or("/", |pq| pq.as_str())
    };
    let host = match authority {
        Some(host) if !parts.headers.contains_key(http::header::HOST) => {
            Some((&b"host"[..], host.as_bytes()))
        }
        _ => None,
    };
    let request = Request { method: parts.method.as_str(), target, version_minor, body };
    let start = out.len();
    request.write(out, http_fields(&parts.headers).chain(host)).inspect_err(|_| out.truncate(start))
}

#[cfg(feature = "http")]
fn http_version_minor(version: http::Version) -> Result<u8, EncodeError> {
    match version {
        http::Version::HTTP_10 => Ok(0),
        http::Version::HTTP_11 => Ok(1),
        _ => Err(EncodeError::InvalidVersion),
    }
}

#[cfg(feature = "http")]
fn http_fields(headers: &http::HeaderMap) -> impl Iterator<Item = Field<'_>> {
    headers.iter().map(|(name, value)| (name.as_str().as_bytes(), value.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    type Headers<'a> = &'a [(&'a str, &'a [u8])];
    /// version, status, reason, headers, body, date, keep-alive, and what should come of them.
    type ResponseCase<'a, T> =
        (u8, u16, Option<&'a str>, Headers<'a>, BodyLength, Option<&'a [u8]>, Option<bool>, T);

    fn response(
        minor: u8,
        status: u16,
        reason: Option<&str>,
        headers: Headers<'_>,
        body: BodyLength,
        date: Option<&[u8]>,
        keep_alive: Option<bool>,
    ) -> Result<String, EncodeError> {
        let mut out = b"prefix".to_vec();
        let result = write_response_head(&mut out, minor, status, reason, headers, body, date, keep_alive);
        match result {
            Ok(()) => Ok(String::from_utf8_lossy(&out[6..]).into_owned()),
            Err(e) => {
                assert_eq!(out, b"prefix", "out changed by a failed write ({e})");
                Err(e)
            }
        }
    }

    fn request(
        method: &str,
        target: &str,
        minor: u8,
        headers: Headers<'_>,
        body: BodyLength,
    ) -> Result<String, EncodeError> {
        let mut out = b"prefix".to_vec();
        match write_request_head(&mut out, method, target, minor, headers, body) {
            Ok(()) => Ok(String::from_utf8_lossy(&out[6..]).into_owned()),
            Err(e) => {
                assert_eq!(out, b"prefix", "out changed by a failed write ({e})");
                Err(e)
            }
        }
    }

    const NO_BODY: BodyLength = BodyLength::None;

    const DATE: &[u8] = b"Sun, 06 Nov 1994 08:49:37 GMT";

    #[test]
    fn response_heads() {
        use BodyLength::{Chunked, Known, UntilClose};
        #[rustfmt::skip]
        let cases: &[ResponseCase<'_, &str>] = &[
            (1, 200, None, &[], Known(0), None, None,
             "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
            (1, 200, None, &[("Content-Type", b"text/plain")], Known(12), Some(DATE), None,
             "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n\
              Content-Length: 12\r\n\r\n"),
            // case and order kept, duplicates kept
            (1, 200, None, &[("x-B", b"1"), ("X-a", b"2"), ("x-B", b"3")], NO_BODY, None, None,
             "HTTP/1.1 200 OK\r\nx-B: 1\r\nX-a: 2\r\nx-B: 3\r\n\r\n"),
            (1, 404, None, &[], Chunked, None, None,
             "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n"),
            (1, 200, Some("Fine"), &[], Known(u64::MAX), None, None,
             "HTTP/1.1 200 Fine\r\nContent-Length: 18446744073709551615\r\n\r\n"),
            (1, 200, Some(""), &[], NO_BODY, None, None, "HTTP/1.1 200 \r\n\r\n"),
            (1, 599, None, &[], NO_BODY, None, None, "HTTP/1.1 599 \r\n\r\n"),
            (1, 999, None, &[], NO_BODY, None, None, "HTTP/1.1 999 \r\n\r\n"),
            (1, 100, None, &[], NO_BODY, Some(DATE), None,
             "HTTP/1.1 100 Continue\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n\r\n"),
            (1, 103, None, &[("Link", b"</s.css>; rel=preload")], NO_BODY, None, None,
             "HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n"),
            (1, 101, None, &[("Upgrade", b"websocket"), ("Connection", b"Upgrade")], NO_BODY, None, None,
             "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"),
            (1, 204, None, &[], NO_BODY, None, Some(true), "HTTP/1.1 204 No Content\r\n\r\n"),
            (1, 304, None, &[("ETag", b"\"x\"")], NO_BODY, None, None,
             "HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n"),
            // the user's Date wins, wherever it is and however it is spelled
            (1, 200, None, &[("dAtE", b"Mon, 07 Nov 1994 00:00:00 GMT")], Known(0), Some(DATE), None,
             "HTTP/1.1 200 OK\r\ndAtE: Mon, 07 Nov 1994 00:00:00 GMT\r\nContent-Length: 0\r\n\r\n"),
            // the user's Content-Length, when it agrees, is not repeated
            (1, 200, None, &[("content-length", b"5")], Known(5), None, None,
             "HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n"),
            (1, 200, None, &[("Content-Length", b" 5 "), ("Content-Length", b"5")], Known(5), None, None,
             "HTTP/1.1 200 OK\r\nContent-Length:  5 \r\nContent-Length: 5\r\n\r\n"),
            (1, 200, None, &[("Transfer-Encoding", b"gzip, chunked")], Chunked, None, None,
             "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"),
            (1, 200, None, &[("Transfer-Encoding", b"gzip"), ("transfer-encoding", b"CHUNKED ;x=1 ,")],
             Chunked, None, None,
             "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\ntransfer-encoding: CHUNKED ;x=1 ,\r\n\r\n"),
            // HEAD and 304 responses may describe the representation
            (1, 200, None, &[("Content-Length", b"1234")], NO_BODY, None, None,
             "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n"),
            (1, 304, None, &[("Transfer-Encoding", b"chunked")], NO_BODY, None, None,
             "HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n"),
            // values: HTAB, inner spaces, obs-text, empty
            (1, 200, None, &[("X", b"a\tb c\x80\xff"), ("Y", b"")], NO_BODY, None, None,
             "HTTP/1.1 200 OK\r\nX: a\tb c\u{fffd}\u{fffd}\r\nY: \r\n\r\n"),
            // every tchar in a name
            (1, 200, None, &[("!#$%&'*+-.^_`|~09azAZ", b"v")], NO_BODY, None, None,
             "HTTP/1.1 200 OK\r\n!#$%&'*+-.^_`|~09azAZ: v\r\n\r\n"),
            (0, 200, Some("OK\tfine \u{e9}"), &[], UntilClose, None, None,
             "HTTP/1.0 200 OK\tfine \u{e9}\r\n\r\n"),
        ];
        for (i, &(minor, status, reason, headers, body, date, keep_alive, want)) in cases.iter().enumerate() {
            let got = response(minor, status, reason, headers, body, date, keep_alive);
            assert_eq!(got.as_deref(), Ok(want), "case {i}");
        }
    }

    #[test]
    fn keep_alive_rules() {
        use BodyLength::{Known, UntilClose};
        #[rustfmt::skip]
        let cases: &[(u8, Headers<'_>, BodyLength, Option<bool>, &str)] = &[
            (1, &[], Known(0), None, ""),
            (1, &[], Known(0), Some(true), ""),
            (1, &[], Known(0), Some(false), "Connection: close\r\n"),
            (0, &[], Known(0), None, ""),
            (0, &[], Known(0), Some(true), "Connection: keep-alive\r\n"),
            (0, &[], Known(0), Some(false), "Connection: close\r\n"),
            // the user's Connection wins
            (1, &[("connection", b"keep-alive")], Known(0), Some(false), "connection: keep-alive\r\n"),
            (0, &[("Connection", b"close")], Known(0), Some(true), "Connection: close\r\n"),
            // a close-delimited body closes the connection
            (1, &[], UntilClose, None, "Connection: close\r\n"),
            (1, &[], UntilClose, Some(false), "Connection: close\r\n"),
            (0, &[], UntilClose, None, ""),
            (0, &[], UntilClose, Some(false), "Connection: close\r\n"),
            (1, &[("Connection", b"close")], UntilClose, None, "Connection: close\r\n"),
        ];
        for (i, &(minor, headers, body, keep_alive, want)) in cases.iter().enumerate() {
            let got = response(minor, 200, None, headers, body, None, keep_alive).unwrap();
            let line = if minor == 0 { "HTTP/1.0 200 OK\r\n" } else { "HTTP/1.1 200 OK\r\n" };
            let length = if body == Known(0) { "Content-Length: 0\r\n" } else { "" };
            assert_eq!(got, format!("{line}{want}{length}\r\n"), "case {i}");
        }
    }

    #[test]
    fn response_errors() {
        use BodyLength::{Chunked, Known, UntilClose};
        use EncodeError::*;
        #[rustfmt::skip]
        let cases: &[ResponseCase<'_, EncodeError>] = &[
            // response splitting through a value
            (1, 200, None, &[("A", b"1"), ("Location", b"/a\r\nSet-Cookie: x=1")], NO_BODY, None, None,
             InvalidHeaderValue { index: 1 }),
            (1, 200, None, &[("X", b"a\0b")], NO_BODY, None, None, InvalidHeaderValue { index: 0 }),
            (1, 200, None, &[("X", b"a\rb")], NO_BODY, None, None, InvalidHeaderValue { index: 0 }),
            (1, 200, None, &[("X", b"a\nb")], NO_BODY, None, None, InvalidHeaderValue { index: 0 }),
            (1, 200, None, &[("X", b"a\x7fb")], NO_BODY, None, None, InvalidHeaderValue { index: 0 }),
            (1, 200, None, &[("X", b"\x1b[31m")], NO_BODY, None, None, InvalidHeaderValue { index: 0 }),
            (1, 200, None, &[("X", b"a\r\n b")], NO_BODY, None, None, InvalidHeaderValue { index: 0 }),
            // names
            (1, 200, None, &[("", b"v")], NO_BODY, None, None, InvalidHeaderName { index: 0 }),
            (1, 200, None, &[("A", b""), ("X Y", b"v")], NO_BODY, None, None, InvalidHeaderName { index: 1 }),
            (1, 200, None, &[("X:Y", b"v")], NO_BODY, None, None, InvalidHeaderName { index: 0 }),
            (1, 200, None, &[("X ", b"v")], NO_BODY, None, None, InvalidHeaderName { index: 0 }),
            (1, 200, None, &[("X\r\nY", b"v")], NO_BODY, None, None, InvalidHeaderName { index: 0 }),
            (1, 200, None, &[("X\"", b"v")], NO_BODY, None, None, InvalidHeaderName { index: 0 }),
            (1, 200, None, &[("\u{e9}", b"v")], NO_BODY, None, None, InvalidHeaderName { index: 0 }),
            (1, 200, None, &[("X(", b"v")], NO_BODY, None, None, InvalidHeaderName { index: 0 }),
            // reason, status, version, date
            (1, 200, Some("OK\r\nX: y"), &[], NO_BODY, None, None, InvalidReason),
            (1, 200, Some("O\0K"), &[], NO_BODY, None, None, InvalidReason),
            (1, 200, Some("\n"), &[], NO_BODY, None, None, InvalidReason),
            (1, 99, None, &[], NO_BODY, None, None, InvalidStatus),
            (1, 0, None, &[], NO_BODY, None, None, InvalidStatus),
            (1, 1000, None, &[], NO_BODY, None, None, InvalidStatus),
            (2, 200, None, &[], NO_BODY, None, None, InvalidVersion),
            (1, 200, None, &[], NO_BODY, Some(b"Sun\r\nX: y"), None, InvalidDate),
            // framing
            (1, 200, None, &[("Content-Length", b"6")], Known(5), None, None, ContentLengthMismatch { index: 0 }),
            (1, 200, None, &[("Content-Length", b"5"), ("Content-Length", b"6")], Known(5), None, None,
             ContentLengthMismatch { index: 1 }),
            (1, 200, None, &[("Content-Length", b"+5")], Known(5), None, None, ContentLengthMismatch { index: 0 }),
            (1, 200, None, &[("Content-Length", b"")], Known(0), None, None, ContentLengthMismatch { index: 0 }),
            (1, 200, None, &[("Content-Length", b"5, 5")], Known(5), None, None, ContentLengthMismatch { index: 0 }),
            (1, 200, None, &[("Content-Length", b"18446744073709551616")], Known(0), None, None,
             ContentLengthMismatch { index: 0 }),
            (1, 200, None, &[("Content-Length", b"5")], Chunked, None, None, ContentLengthMismatch { index: 0 }),
            (1, 200, None, &[("Content-Length", b"5")], UntilClose, None, None, ContentLengthMismatch { index: 0 }),
            (1, 200, None, &[("Content-Length", b"x")], NO_BODY, None, None, ContentLengthMismatch { index: 0 }),
            (1, 204, None, &[("Content-Length", b"0")], NO_BODY, None, None, ContentLengthMismatch { index: 0 }),
            (1, 100, None, &[("Content-Length", b"0")], NO_BODY, None, None, ContentLengthMismatch { index: 0 }),
            (1, 200, None, &[("Transfer-Encoding", b"chunked")], Known(5), None, None,
             TransferEncodingMismatch { index: 0 }),
            (1, 200, None, &[("Transfer-Encoding", b"chunked")], UntilClose, None, None,
             TransferEncodingMismatch { index: 0 }),
            (1, 204, None, &[("Transfer-Encoding", b"chunked")], NO_BODY, None, None,
             TransferEncodingMismatch { index: 0 }),
            (1, 200, None, &[("Transfer-Encoding", b"gzip")], Chunked, None, None,
             TransferEncodingMismatch { index: 0 }),
            (1, 200, None, &[("Transfer-Encoding", b"chunked, gzip")], Chunked, None, None,
             TransferEncodingMismatch { index: 0 }),
            (1, 200, None, &[("Transfer-Encoding", b"chunked"), ("X", b"y"), ("Transfer-Encoding", b"chunked")],
             Chunked, None, None, TransferEncodingMismatch { index: 2 }),
            (1, 200, None, &[("Transfer-Encoding", b"")], Chunked, None, None, TransferEncodingMismatch { index: 0 }),
            (1, 100, None, &[], Known(0), None, None, BodyNotAllowed),
            (1, 204, None, &[], Chunked, None, None, BodyNotAllowed),
            (1, 304, None, &[], Known(5), None, None, BodyNotAllowed),
            (1, 199, None, &[], UntilClose, None, None, BodyNotAllowed),
            (0, 200, None, &[], Chunked, None, None, ChunkedRequiresHttp11),
            (1, 200, None, &[], UntilClose, None, Some(true), CloseDelimitedKeepAlive),
        ];
        for (i, &(minor, status, reason, headers, body, date, keep_alive, want)) in cases.iter().enumerate() {
            let got = response(minor, status, reason, headers, body, date, keep_alive);
            assert_eq!(got, Err(want), "case {i}");
        }
    }

    #[test]
    fn request_heads() {
        use BodyLength::{Chunked, Known};
        #[rustfmt::skip]
        let cases: &[(&str, &str, u8, Headers<'_>, BodyLength, &str)] = &[
            ("GET", "/", 1, &[("Host", b"a")], NO_BODY, "GET / HTTP/1.1\r\nHost: a\r\n\r\n"),
            ("GET", "/p?q=1&r=%20#f", 0, &[], NO_BODY, "GET /p?q=1&r=%20#f HTTP/1.0\r\n\r\n"),
            ("POST", "/", 1, &[("host", b"a"), ("Content-Type", b"x")], Known(3),
             "POST / HTTP/1.1\r\nhost: a\r\nContent-Type: x\r\nContent-Length: 3\r\n\r\n"),
            ("PUT", "/", 1, &[("Host", b"a")], Chunked,
             "PUT / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"),
            ("POST", "/", 1, &[("Host", b"a"), ("Content-Length", b"0")], NO_BODY,
             "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n"),
            ("POST", "/", 1, &[("Host", b"a"), ("Content-Length", b"3")], Known(3),
             "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\n"),
            ("OPTIONS", "*", 1, &[("Host", b"a")], NO_BODY, "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n"),
            ("CONNECT", "a:443", 1, &[("Host", b"a:443")], NO_BODY, "CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n"),
            ("GET", "http://a/b", 1, &[("Host", b"a")], NO_BODY, "GET http://a/b HTTP/1.1\r\nHost: a\r\n\r\n"),
            ("M-SEARCH", "*", 1, &[("HOST", b"239.255.255.250:1900")], NO_BODY,
             "M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\n\r\n"),
            // an empty Host is allowed (RFC 9112 §3.2)
            ("GET", "/", 1, &[("Host", b"")], NO_BODY, "GET / HTTP/1.1\r\nHost: \r\n\r\n"),
        ];
        for (i, &(method, target, minor, headers, body, want)) in cases.iter().enumerate() {
            assert_eq!(request(method, target, minor, headers, body).as_deref(), Ok(want), "case {i}");
        }
    }

    #[test]
    fn request_errors() {
        use BodyLength::{Chunked, Known, UntilClose};
        use EncodeError::*;
        let host: (&str, &[u8]) = ("Host", b"a");
        #[rustfmt::skip]
        let cases: &[(&str, &str, u8, Headers<'_>, BodyLength, EncodeError)] = &[
            ("", "/", 1, &[host], NO_BODY, InvalidMethod),
            ("G ET", "/", 1, &[host], NO_BODY, InvalidMethod),
            ("GET /evil HTTP/1.1\r\nX:", "/", 1, &[host], NO_BODY, InvalidMethod),
            ("GET(", "/", 1, &[host], NO_BODY, InvalidMethod),
            ("GET", "", 1, &[host], NO_BODY, InvalidTarget),
            ("GET", "/a b", 1, &[host], NO_BODY, InvalidTarget),
            ("GET", "/a\r\nX: y", 1, &[host], NO_BODY, InvalidTarget),
            ("GET", "/a\tb", 1, &[host], NO_BODY, InvalidTarget),
            ("GET", "/a\0", 1, &[host], NO_BODY, InvalidTarget),
            ("GET", "/a\x7f", 1, &[host], NO_BODY, InvalidTarget),
            ("GET", "/caf\u{e9}", 1, &[host], NO_BODY, InvalidTarget),
            ("GET", "/", 3, &[host], NO_BODY, InvalidVersion),
            ("GET", "/", 1, &[host, ("X", b"\r\n")], NO_BODY, InvalidHeaderValue { index: 1 }),
            ("GET", "/", 1, &[host, ("X Y", b"1")], NO_BODY, InvalidHeaderName { index: 1 }),
            ("GET", "/", 1, &[], NO_BODY, MissingHost),
            ("GET", "/", 1, &[("X", b"y")], Known(1), MissingHost),
            ("GET", "/", 1, &[host, ("host", b"b")], NO_BODY, DuplicateHost { index: 1 }),
            ("POST", "/", 1, &[host], UntilClose, CloseDelimitedRequest),
            ("POST", "/", 0, &[], Chunked, ChunkedRequiresHttp11),
            ("POST", "/", 1, &[host, ("Content-Length", b"2")], Known(3), ContentLengthMismatch { index: 1 }),
            ("POST", "/", 1, &[host, ("Content-Length", b"2")], NO_BODY, ContentLengthMismatch { index: 1 }),
            ("POST", "/", 1, &[host, ("Content-Length", b"2")], Chunked, ContentLengthMismatch { index: 1 }),
            ("POST", "/", 1, &[host, ("Transfer-Encoding", b"chunked")], NO_BODY,
             TransferEncodingMismatch { index: 1 }),
            ("POST", "/", 1, &[host, ("Transfer-Encoding", b"chunked")], Known(1),
             TransferEncodingMismatch { index: 1 }),
            ("POST", "/", 1, &[host, ("Transfer-Encoding", b"gzip")], Chunked,
             TransferEncodingMismatch { index: 1 }),
        ];
        for (i, &(method, target, minor, headers, body, want)) in cases.iter().enumerate() {
            assert_eq!(request(method, target, minor, headers, body), Err(want), "case {i}");
        }
    }

    #[test]
    fn failed_write_keeps_out_and_its_capacity() {
        let mut out = Vec::with_capacity(1024);
        out.extend_from_slice(b"HTTP/1.1 200 OK\r\n\r\nbody");
        let ptr = out.as_ptr();
        let long = [b'a'; 300];
        let headers: Headers<'_> = &[("A", &long), ("B", &long), ("C", b"\n")];
        let result = write_response_head(&mut out, 1, 200, None, headers, BodyLength::None, None, None);
        assert_eq!(result, Err(EncodeError::InvalidHeaderValue { index: 2 }));
        assert_eq!(out, b"HTTP/1.1 200 OK\r\n\r\nbody");
        assert_eq!((out.as_ptr(), out.capacity()), (ptr, 1024));
        // a late error: after all fields are written
        let headers: Headers<'_> = &[("A", &long), ("Transfer-Encoding", b"gzip")];
        let result = write_response_head(&mut out, 1, 200, None, headers, BodyLength::Chunked, None, None);
        assert_eq!(result, Err(EncodeError::TransferEncodingMismatch { index: 1 }));
        assert_eq!(out, b"HTTP/1.1 200 OK\r\n\r\nbody");
    }

    #[test]
    fn appends_after_existing_bytes() {
        let mut out = Vec::new();
        let headers: Headers<'_> = &[("Host", b"a")];
        write_request_head(&mut out, "GET", "/1", 1, headers, BodyLength::None).unwrap();
        write_request_head(&mut out, "GET", "/2", 1, headers, BodyLength::None).unwrap();
        assert_eq!(out, b"GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n");
    }

    #[test]
    fn every_status_has_three_digits_and_known_reasons_are_valid() {
        let mut out = Vec::new();
        for status in 100..=999 {
            out.clear();
            let body = if status < 200 || status == 204 || status == 304 {
                BodyLength::None
            } else {
                BodyLength::Known(0)
            };
            write_response_head(&mut out, 1, status, None, &[], body, None, None).unwrap();
            let reason = canonical_reason(status).unwrap_or("");
            let want = format!("HTTP/1.1 {status} {reason}\r\n");
            assert!(out.starts_with(want.as_bytes()), "{status}");
        }
        assert_eq!(canonical_reason(429), Some("Too Many Requests"));
        assert_eq!(canonical_reason(306), None);
        assert_eq!(canonical_reason(99), None);
    }

    fn is_field_value_bytewise(s: &[u8]) -> bool {
        s.iter().all(|&b| (b >= 0x20 && b != 0x7f) || b == b'\t')
    }

    #[test]
    fn field_value_check_agrees_with_the_bytewise_rule() {
        // Every byte at every position of every length up to 20, in words of different fillers.
        for filler in [b'a', b' ', b'\t', 0x21, 0x7e, 0x80, 0xa0, 0xff] {
            for odd in 0..=255u8 {
                for at in 0..20 {
                    let mut v = [filler; 20];
                    v[at] = odd;
                    for len in 0..=20 {
                        let s = &v[..len];
                        assert_eq!(is_field_value(s), is_field_value_bytewise(s), "{s:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn error_display_is_lowercase_without_period() {
        let all = [
            EncodeError::InvalidHeaderName { index: 3 },
            EncodeError::InvalidHeaderValue { index: 3 },
            EncodeError::InvalidReason,
            EncodeError::InvalidMethod,
            EncodeError::InvalidTarget,
            EncodeError::InvalidStatus,
            EncodeError::InvalidVersion,
            EncodeError::InvalidDate,
            EncodeError::ContentLengthMismatch { index: 3 },
            EncodeError::TransferEncodingMismatch { index: 3 },
            EncodeError::BodyNotAllowed,
            EncodeError::ChunkedRequiresHttp11,
            EncodeError::CloseDelimitedRequest,
            EncodeError::CloseDelimitedKeepAlive,
            EncodeError::MissingHost,
            EncodeError::DuplicateHost { index: 3 },
        ];
        for e in all {
            let s = e.to_string();
            assert!(!s.ends_with('.') && s.chars().next().is_some_and(|c| !c.is_uppercase()), "{s}");
        }
        assert_eq!(
            EncodeError::InvalidHeaderValue { index: 3 }.to_string(),
            "header field 3: value contains a control character"
        );
    }

    // ----- dates -----

    fn at(second: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(second)
    }

    /// Days from 1970-01-01 by counting years, for checking `civil_from_days`.
    fn days_before_year(year: u64) -> u64 {
        (1970..year).map(|y| if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 { 366 } else { 365 }).sum()
    }

    #[test]
    fn imf_fixdate_known_dates() {
        let cases: &[(u64, &str)] = &[
            (0, "Thu, 01 Jan 1970 00:00:00 GMT"),
            (784_111_777, "Sun, 06 Nov 1994 08:49:37 GMT"), // RFC 9110 §5.6.7
            (951_782_400, "Tue, 29 Feb 2000 00:00:00 GMT"), // leap: divisible by 400
            (951_868_799, "Tue, 29 Feb 2000 23:59:59 GMT"),
            (951_868_800, "Wed, 01 Mar 2000 00:00:00 GMT"),
            (1_709_164_800, "Thu, 29 Feb 2024 00:00:00 GMT"),
            (1_709_251_199, "Thu, 29 Feb 2024 23:59:59 GMT"),
            (4_107_456_000, "Sun, 28 Feb 2100 00:00:00 GMT"),
            (4_107_542_400, "Mon, 01 Mar 2100 00:00:00 GMT"), // 2100 is not a leap year
            (2_147_483_647, "Tue, 19 Jan 2038 03:14:07 GMT"), // i32 seconds run out
            (2_147_483_648, "Tue, 19 Jan 2038 03:14:08 GMT"),
            (1_000_000_000, "Sun, 09 Sep 2001 01:46:40 GMT"),
            (946_684_799, "Fri, 31 Dec 1999 23:59:59 GMT"),
            (253_402_300_799, "Fri, 31 Dec 9999 23:59:59 GMT"),
            (253_402_300_800, "Fri, 31 Dec 9999 23:59:59 GMT"), // clamped
            (u64::MAX / 4, "Fri, 31 Dec 9999 23:59:59 GMT"),
        ];
        for &(second, want) in cases {
            assert_eq!(std::str::from_utf8(&imf_fixdate(at(second))), Ok(want), "{second}");
        }
        // before the epoch: clamped
        let before = UNIX_EPOCH - Duration::from_secs(86_400);
        assert_eq!(&imf_fixdate(before), b"Thu, 01 Jan 1970 00:00:00 GMT");
        // sub-second parts do not round
        assert_eq!(
            &imf_fixdate(at(59) + Duration::from_nanos(999_999_999)),
            b"Thu, 01 Jan 1970 00:00:59 GMT"
        );
    }

    #[test]
    fn civil_from_days_agrees_with_counting() {
        // Every 1 January and 1 March from 1970 to 9999, and the day before each.
        for year in 1970..=9999u64 {
            let jan1 = days_before_year(year);
            assert_eq!(civil_from_days(jan1), (year, 1, 1), "{year}");
            if year > 1970 {
                assert_eq!(civil_from_days(jan1 - 1), (year - 1, 12, 31), "{year}");
            }
            let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
            let mar1 = jan1 + 31 + if leap { 29 } else { 28 };
            assert_eq!(civil_from_days(mar1), (year, 3, 1), "{year}");
            assert_eq!(civil_from_days(mar1 - 1), (year, 2, if leap { 29 } else { 28 }), "{year}");
        }
    }

    #[test]
    fn date_cache_formats_once_a_second() {
        let mut cache = DateCache::default();
        assert_eq!(cache.value(), b"Thu, 01 Jan 1970 00:00:00 GMT");
        cache.update(at(784_111_777));
        assert_eq!(cache.value(), DATE);
        assert_eq!(cache.value().len(), 29);
        // Scribble on the cached value: an update within the same second must not touch it.
        cache.value = *b"not recomputed within second!";
        cache.update(at(784_111_777) + Duration::from_millis(999));
        assert_eq!(cache.value(), b"not recomputed within second!");
        assert_eq!(cache.second, 784_111_777);
        cache.update(at(784_111_778));
        assert_eq!(cache.value(), b"Sun, 06 Nov 1994 08:49:38 GMT");
        // a clock that steps back is followed too
        cache.update(at(0));
        assert_eq!(cache.value(), b"Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(DateCache::new(at(951_782_400)).value(), b"Tue, 29 Feb 2000 00:00:00 GMT");
        assert_eq!(format!("{:?}", DateCache::new(at(0))), "DateCache(\"Thu, 01 Jan 1970 00:00:00 GMT\")");
    }

    #[test]
    fn date_cache_value_is_a_valid_date_argument() {
        let mut cache = DateCache::default();
        cache.update(at(1_700_000_000));
        let mut out = Vec::new();
        write_response_head(&mut out, 1, 200, None, &[], BodyLength::Known(0), Some(cache.value()), None)
            .unwrap();
        assert_eq!(
            out,
            b"HTTP/1.1 200 OK\r\nDate: Tue, 14 Nov 2023 22:13:20 GMT\r\nContent-Length: 0\r\n\r\n"
        );
    }

    // ----- round trips through httparse -----

    mod roundtrip {
        use super::super::*;
        use proptest::prelude::*;

        fn name() -> impl Strategy<Value = String> {
            "[!#$%&'*+.^_`|~0-9A-Za-z-]{1,24}".prop_filter("framing and hop names are handled apart", |n| {
                !["content-length", "transfer-encoding", "date", "connection", "host"]
                    .iter()
                    .any(|s| n.eq_ignore_ascii_case(s))
            })
        }

        /// A field value as RFC 9110 §5.5 defines it: no whitespace at either end.
        fn value() -> impl Strategy<Value = Vec<u8>> {
            let vchar = prop_oneof![0x21u8..=0x7e, 0x80u8..=0xff];
            let inner = prop_oneof![4 => vchar.clone(), 1 => Just(b' '), 1 => Just(b'\t')];
            prop_oneof![
                Just(Vec::new()),
                (vchar.clone(), proptest::collection::vec(inner, 0..40), vchar).prop_map(
                    |(a, mut mid, b)| {
                        mid.insert(0, a);
                        mid.push(b);
                        mid
                    }
                ),
            ]
        }

        fn fields() -> impl Strategy<Value = Vec<(String, Vec<u8>)>> {
            proptest::collection::vec((name(), value()), 0..32)
        }

        fn borrowed(fields: &[(String, Vec<u8>)]) -> Vec<(&str, &[u8])> {
            fields.iter().map(|(n, v)| (n.as_str(), v.as_slice())).collect()
        }

        proptest! {
            #[test]
            fn response_heads_parse_back(
                fields in fields(),
                status in 200u16..=999,
                reason in "[ \t!-~\u{80}-\u{10ffff}]{0,20}",
                length in any::<u64>(),
                minor in 0u8..=1,
            ) {
                let headers = borrowed(&fields);
                let mut out = Vec::new();
                let body = if status == 204 || status == 304 { BodyLength::None } else { BodyLength::Known(length) };
                write_response_head(&mut out, minor, status, Some(&reason), &headers, body, None, None).unwrap();

                let mut parsed = [httparse::EMPTY_HEADER; 40];
                let mut response = httparse::Response::new(&mut parsed);
                let status_ = response.parse(&out).unwrap();
                prop_assert_eq!(status_, httparse::Status::Complete(out.len()));
                prop_assert_eq!(response.version, Some(minor));
                prop_assert_eq!(response.code, Some(status));
                // httparse hands back the reason only when it is ASCII (obs-text reads as "")
                let want = if reason.is_ascii() { reason.trim_matches([' ', '\t']) } else { "" };
                prop_assert_eq!(response.reason.map(|r| r.trim_matches([' ', '\t'])), Some(want));
                let mut got: Vec<(&str, &[u8])> = response.headers.iter().map(|h| (h.name, h.value)).collect();
                if let BodyLength::Known(n) = body {
                    let n = n.to_string();
                    prop_assert_eq!(got.pop(), Some(("Content-Length", n.as_bytes())));
                }
                prop_assert_eq!(got, headers);
            }

            #[test]
            fn request_heads_parse_back(
                fields in fields(),
                method in "[!#$%&'*+.^_`|~0-9A-Za-z-]{1,12}",
                target in "/[!-~]{0,40}",
                host in "[a-z0-9.-]{0,20}(:[0-9]{1,5})?",
                chunked in any::<bool>(),
            ) {
                let mut headers = vec![("Host", host.as_bytes())];
                headers.extend(borrowed(&fields));
                let mut out = Vec::new();
                let body = if chunked { BodyLength::Chunked } else { BodyLength::None };
                write_request_head(&mut out, &method, &target, 1, &headers, body).unwrap();

                let mut parsed = [httparse::EMPTY_HEADER; 40];
                let mut request = httparse::Request::new(&mut parsed);
                prop_assert_eq!(request.parse(&out).unwrap(), httparse::Status::Complete(out.len()));
                prop_assert_eq!(request.method, Some(method.as_str()));
                prop_assert_eq!(request.path, Some(target.as_str()));
                prop_assert_eq!(request.version, Some(1));
                let mut got: Vec<(&str, &[u8])> = request.headers.iter().map(|h| (h.name, h.value)).collect();
                if chunked {
                    prop_assert_eq!(got.pop(), Some(("Transfer-Encoding", &b"chunked"[..])));
                }
                prop_assert_eq!(got, headers);
            }

            #[test]
            fn field_value_check_agrees_on_any_bytes(v in proptest::collection::vec(any::<u8>(), 0..64)) {
                prop_assert_eq!(is_field_value(&v), super::is_field_value_bytewise(&v));
            }

            #[test]
            fn any_input_is_written_whole_or_not_at_all(
                name in proptest::collection::vec(any::<u8>(), 0..8),
                value in proptest::collection::vec(any::<u8>(), 0..8),
                reason in proptest::collection::vec(any::<u8>(), 0..8),
            ) {
                let name = String::from_utf8_lossy(&name);
                let reason = String::from_utf8_lossy(&reason);
                let headers: &[(&str, &[u8])] = &[(&name, &value)];
                let mut out = b"x".to_vec();
                match write_response_head(&mut out, 1, 200, Some(&reason), headers, BodyLength::None, None, None) {
                    Err(_) => prop_assert_eq!(out, b"x"),
                    Ok(()) => {
                        // what was written parses, and has exactly the lines we meant
                        let mut parsed = [httparse::EMPTY_HEADER; 2];
                        let mut response = httparse::Response::new(&mut parsed);
                        prop_assert!(matches!(response.parse(&out[1..]), Ok(httparse::Status::Complete(_))));
                        prop_assert_eq!(response.headers.len(), 1);
                    }
                }
            }
        }
    }

    // ----- the `http` crate -----

    #[cfg(feature = "http")]
    #[test]
    fn http_parts() {
        let (parts, ()) = http::Response::builder()
            .status(404)
            .header("Content-Type", "text/plain")
            .header("x-a", "1")
            .body(())
            .unwrap()
            .into_parts();
        let mut out = Vec::new();
        write_response_parts(&mut out, &parts, BodyLength::Known(3), Some(DATE), Some(false)).unwrap();
        assert_eq!(
            out,
            b"HTTP/1.1 404 Not Found\r\ncontent-type: text/plain\r\nx-a: 1\r\n\
              Date: Sun, 06 Nov 1994 08:49:37 GMT\r\nConnection: close\r\nContent-Length: 3\r\n\r\n"
        );

        let (parts, ()) =
            http::Response::builder().version(http::Version::HTTP_2).body(()).unwrap().into_parts();
        let mut out = b"x".to_vec();
        assert_eq!(
            write_response_parts(&mut out, &parts, BodyLength::None, None, None),
            Err(EncodeError::InvalidVersion)
        );
        assert_eq!(out, b"x");

        let (parts, ()) = http::Request::builder()
            .method("POST")
            .uri("http://user:pw@example.com:8080/a/b?c=d")
            .header("Accept", "*/*")
            .body(())
            .unwrap()
            .into_parts();
        let mut out = Vec::new();
        write_request_parts(&mut out, &parts, BodyLength::Chunked).unwrap();
        assert_eq!(
            out,
            b"POST /a/b?c=d HTTP/1.1\r\naccept: */*\r\nhost: example.com:8080\r\n\
              Transfer-Encoding: chunked\r\n\r\n"
        );

        let (parts, ()) = http::Request::builder()
            .method("CONNECT")
            .uri("example.com:443")
            .header("Host", "example.com:443")
            .body(())
            .unwrap()
            .into_parts();
        let mut out = Vec::new();
        write_request_parts(&mut out, &parts, BodyLength::None).unwrap();
        assert_eq!(out, b"CONNECT example.com:443 HTTP/1.1\r\nhost: example.com:443\r\n\r\n");

        let (parts, ()) = http::Request::builder().uri("/only/path").body(()).unwrap().into_parts();
        let mut out = Vec::new();
        assert_eq!(write_request_parts(&mut out, &parts, BodyLength::None), Err(EncodeError::MissingHost));
        let (parts, ()) =
            http::Request::builder().uri("/").version(http::Version::HTTP_10).body(()).unwrap().into_parts();
        write_request_parts(&mut out, &parts, BodyLength::None).unwrap();
        assert_eq!(out, b"GET / HTTP/1.0\r\n\r\n");
    }
}
