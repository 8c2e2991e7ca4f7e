//! Message framing, RFC 9112 §6: how long a body is, and whether the connection persists.

use super::error::{ErrorKind, ParseError};
use super::head::{known, Headers, RequestHead, ResponseHead, Version};
use super::limits::Limits;
use super::syntax::{is_token, trim_ows};

/// How a message body is delimited (RFC 9112 §6.3).
///
/// ```
/// use netcore_http1::proto::{parse_response, response_body, BodyKind, Limits};
/// let limits = Limits::default();
/// let (_, head) = parse_response(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", &limits)?.unwrap();
/// assert_eq!(response_body(&head, "GET", &limits)?, BodyKind::Chunked);
/// assert_eq!(response_body(&head, "HEAD", &limits)?, BodyKind::Empty); // HEAD: never a body
/// let (_, head) = parse_response(b"HTTP/1.0 200 OK\r\n\r\n", &limits)?.unwrap();
/// assert_eq!(response_body(&head, "GET", &limits)?, BodyKind::UntilClose);
/// # Ok::<(), netcore_http1::proto::ParseError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    /// No body at all.
    Empty,
    /// Exactly this many bytes (`Content-Length`).
    Length(u64),
    /// The chunked transfer coding.
    Chunked,
    /// Everything until the connection closes (responses only).
    UntilClose,
}

/// Transfer codings we recognise (RFC 9110 §18.8 / the IANA registry); they are passed through
/// undecoded, as Node does, except `chunked`, which frames the message.
const KNOWN_CODINGS: &[&str] = &["chunked", "gzip", "x-gzip", "deflate", "compress", "x-compress"];

/// The message's `Transfer-Encoding`, if any: whether its final coding is chunked.
fn transfer_encoding(headers: &Headers, offset: usize) -> Result<Option<bool>, ParseError> {
    if !headers.has_known(known::TRANSFER_ENCODING) {
        return Ok(None);
    }
    let mut last_chunked = false;
    let mut chunked_seen = false;
    let mut any = false;
    for coding in headers.tokens("transfer-encoding") {
        // A coding may carry parameters (`gzip;q=1` is not valid here, but `name;param=v` is).
        let name = coding.split(|b| *b == b';').next().unwrap_or_default();
        let name = name.strip_suffix(b" ").unwrap_or(name);
        if !is_token(name) {
            return Err(ParseError::new(ErrorKind::UnsupportedTransferCoding, offset));
        }
        let chunked = name.eq_ignore_ascii_case(b"chunked");
        // RFC 9112 §6.1: chunked is applied at most once, and last.
        if chunked_seen {
            return Err(ParseError::new(ErrorKind::TransferEncodingNotChunked, offset));
        }
        chunked_seen |= chunked;
        last_chunked = chunked;
        any = true;
        if !KNOWN_CODINGS.iter().any(|k| name.eq_ignore_ascii_case(k.as_bytes())) {
            return Err(ParseError::new(ErrorKind::UnsupportedTransferCoding, offset));
        }
    }
    if !any {
        // `Transfer-Encoding:` with nothing in it.
        return Err(ParseError::new(ErrorKind::UnsupportedTransferCoding, offset));
    }
    Ok(Some(last_chunked))
}

/// Every `Content-Length` value must be the same plain decimal number (RFC 9110 §8.6; a list of
/// identical values is accepted, as RFC 9112 §6.3 item 5 allows).
fn content_length(headers: &Headers, offset: usize) -> Result<Option<u64>, ParseError> {
    let mut found: Option<u64> = None;
    if !headers.has_known(known::CONTENT_LENGTH) {
        return Ok(None);
    }
    for value in headers.get_all("content-length") {
        for part in value.split(|b| *b == b',') {
            let part = trim_ows(part);
            let bad = || ParseError::new(ErrorKind::InvalidContentLength, offset);
            if part.is_empty() || part.len() > 19 || !part.iter().all(u8::is_ascii_digit) {
                return Err(bad());
            }
            let n = part
                .iter()
                .try_fold(0u64, |acc, d| acc.checked_mul(10)?.checked_add(u64::from(d - b'0')))
                .ok_or_else(bad)?;
            match found {
                Some(prev) if prev != n => return Err(bad()),
                _ => found = Some(n),
            }
        }
    }
    Ok(found)
}

/// RFC 9112 §6.3 for a request: chunked if `Transfer-Encoding` ends in chunked, else
/// `Content-Length`, else no body. Both at once, a final coding other than chunked, or
/// `Transfer-Encoding` in HTTP/1.0 are rejected: the request-smuggling cases (§6.1, §11.2).
///
/// ```
/// use netcore_http1::proto::{parse_request, request_body, BodyKind, Limits};
/// let raw = b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello";
/// let (_, head) = parse_request(raw, &Limits::default()).unwrap().unwrap();
/// assert_eq!(request_body(&head, &Limits::default()).unwrap(), BodyKind::Length(5));
/// ```
pub fn request_body(head: &RequestHead, limits: &Limits) -> Result<BodyKind, ParseError> {
    let at = head.raw().len();
    let te = transfer_encoding(head.headers(), at)?;
    let cl = content_length(head.headers(), at)?;
    match (te, cl) {
        (Some(_), Some(_)) => Err(ParseError::new(ErrorKind::ContentLengthWithTransferEncoding, at)),
        (Some(_), None) if head.version() == Version::Http10 => {
            Err(ParseError::new(ErrorKind::TransferEncodingNotChunked, at))
        }
        (Some(true), None) => Ok(BodyKind::Chunked),
        (Some(false), None) => Err(ParseError::new(ErrorKind::TransferEncodingNotChunked, at)),
        (None, Some(n)) => {
            if limits.max_body_size.is_some_and(|max| n > max) {
                return Err(ParseError::new(ErrorKind::BodyTooLarge, at));
            }
            Ok(if n == 0 { BodyKind::Empty } else { BodyKind::Length(n) })
        }
        (None, None) => Ok(BodyKind::Empty),
    }
}

/// RFC 9112 §6.3 for a response to a request with method `method`: none for HEAD, 1xx, 204 and
/// 304; none for a 2xx to CONNECT (a tunnel follows); else Transfer-Encoding (chunked, or until
/// close if its last coding is not chunked), else Content-Length, else until close.
pub fn response_body(head: &ResponseHead, method: &str, limits: &Limits) -> Result<BodyKind, ParseError> {
    let status = head.status();
    if method == "HEAD" || (100..200).contains(&status) || status == 204 || status == 304 {
        return Ok(BodyKind::Empty);
    }
    if method == "CONNECT" && (200..300).contains(&status) {
        return Ok(BodyKind::Empty);
    }
    let at = head.raw().len();
    // A response's Transfer-Encoding overrides its Content-Length (§6.3 item 3).
    match transfer_encoding(head.headers(), at) {
        Ok(Some(true)) => return Ok(BodyKind::Chunked),
        Ok(Some(false)) => return Ok(BodyKind::UntilClose),
        Ok(None) => {}
        Err(e) if e.kind == ErrorKind::UnsupportedTransferCoding => return Ok(BodyKind::UntilClose),
        Err(e) => return Err(e),
    }
    match content_length(head.headers(), at)? {
        Some(n) if limits.max_body_size.is_some_and(|max| n > max) => {
            Err(ParseError::new(ErrorKind::BodyTooLarge, at))
        }
        Some(0) => Ok(BodyKind::Empty),
        Some(n) => Ok(BodyKind::Length(n)),
        None => Ok(BodyKind::UntilClose),
    }
}

/// Whether the connection persists after this message (RFC 9112 §9.3): HTTP/1.1 unless
/// `Connection: close`; HTTP/1.0 only with `Connection: keep-alive`.
pub fn keep_alive(version: Version, headers: &Headers) -> bool {
    ConnectionOptions::of(headers).keep_alive(version)
}

/// Whether a request asks to switch protocols (`Connection: upgrade` and an `Upgrade` field,
/// RFC 9110 §7.8).
pub fn wants_upgrade(head: &RequestHead) -> bool {
    ConnectionOptions::of(head.headers()).upgrade()
}

/// Whether a request carries `Expect: 100-continue` (RFC 9110 §10.1.1).
pub fn expects_continue(head: &RequestHead) -> bool {
    head.version() == Version::Http11
        && head.headers().has_known(known::EXPECT)
        && head.headers().get("expect").is_some_and(|v| v.eq_ignore_ascii_case(b"100-continue"))
}

/// The `Connection` options that matter to framing, read while the head was parsed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ConnectionOptions(u16);

impl ConnectionOptions {
    pub(crate) fn of(headers: &Headers) -> Self {
        Self(
            if headers.has_known(known::CLOSE) { known::CLOSE } else { 0 }
                | if headers.has_known(known::KEEP_ALIVE) { known::KEEP_ALIVE } else { 0 }
                | if headers.has_known(known::CONNECTION_UPGRADE) && headers.has_known(known::UPGRADE) {
                    known::CONNECTION_UPGRADE
                } else {
                    0
                },
        )
    }

    /// RFC 9112 §9.3: HTTP/1.1 persists unless `close`; HTTP/1.0 only with `keep-alive`.
    pub(crate) fn keep_alive(self, version: Version) -> bool {
        self.0 & known::CLOSE == 0 && (version == Version::Http11 || self.0 & known::KEEP_ALIVE != 0)
    }

    /// `Connection: upgrade` with an `Upgrade` field.
    pub(crate) fn upgrade(self) -> bool {
        self.0 & known::CONNECTION_UPGRADE != 0
    }
}
