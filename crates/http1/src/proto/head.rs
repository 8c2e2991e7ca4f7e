//! Request and response heads: parsed by `httparse`, checked further by us, and kept as
//! zero-copy views (offsets) into one `Bytes` buffer. Header names keep their case and order
//! (Node's `rawHeaders`); lookup is case-insensitive.

use std::ops::Range;

use bytes::Bytes;

use super::error::{ErrorKind, ParseError};
use super::limits::Limits;
use super::syntax::{is_tchar, trim_ows};

/// The protocol version of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Version {
    /// HTTP/1.0
    Http10,
    /// HTTP/1.1
    Http11,
}

impl Version {
    /// `"1.0"` or `"1.1"`, as Node's `httpVersion`.
    pub fn as_str(self) -> &'static str {
        match self {
            Version::Http10 => "1.0",
            Version::Http11 => "1.1",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    start: u32,
    end: u32,
}

impl Span {
    fn of(outer: &[u8], inner: &[u8]) -> Span {
        // An empty slice may point anywhere (httparse gives `""` for an empty reason).
        if inner.is_empty() {
            return Span { start: 0, end: 0 };
        }
        // Both slices come from one buffer, so the difference of their addresses is the offset.
        let start = (inner.as_ptr() as usize).wrapping_sub(outer.as_ptr() as usize);
        debug_assert!(start + inner.len() <= outer.len());
        Span { start: start as u32, end: (start + inner.len()) as u32 }
    }
    fn range(self) -> Range<usize> {
        self.start as usize..self.end as usize
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Field {
    name: Span,
    value: Span,
}

/// A header (or trailer) section: views into the message's buffer, in received order and case.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers {
    buf: Bytes,
    fields: Vec<Field>,
}

impl Headers {
    /// Number of field lines.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// Field `i`: its name as received (case kept) and its value (without surrounding whitespace).
    pub fn get_index(&self, i: usize) -> Option<(&str, &[u8])> {
        let f = self.fields.get(i)?;
        let name = std::str::from_utf8(&self.buf[f.name.range()]).unwrap_or_default();
        Some((name, &self.buf[f.value.range()]))
    }

    /// Every field line in received order: `(name as received, value)`, Node's `rawHeaders`.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[u8])> + '_ {
        (0..self.fields.len()).filter_map(|i| self.get_index(i))
    }

    /// Field lines as bytes: no UTF-8 check (httparse already guarantees names are tokens). The
    /// lookups below use it; the framing code calls them several times per message.
    fn raw_fields(&self) -> impl Iterator<Item = (&[u8], &[u8])> + '_ {
        self.fields.iter().map(|f| (&self.buf[f.name.range()], &self.buf[f.value.range()]))
    }

    /// The first value of `name`, matched case-insensitively.
    ///
    /// ```
    /// use netcore_http1::proto::{parse_request, Limits};
    /// let raw = b"GET / HTTP/1.1\r\nHost: a\r\nX-Thing: 1\r\n\r\n";
    /// let (_, head) = parse_request(raw, &Limits::default()).unwrap().unwrap();
    /// assert_eq!(head.headers().get("x-thing"), Some(&b"1"[..]));
    /// ```
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.raw_fields().find(|(n, _)| n.eq_ignore_ascii_case(name.as_bytes())).map(|(_, v)| v)
    }

    /// Every value of `name`, in order, matched case-insensitively.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.raw_fields().filter(move |(n, _)| n.eq_ignore_ascii_case(name.as_bytes())).map(|(_, v)| v)
    }

    /// The value of field `i` as a zero-copy `Bytes` slice of the message buffer.
    pub fn value_bytes(&self, i: usize) -> Option<Bytes> {
        self.fields.get(i).map(|f| self.buf.slice(f.value.range()))
    }

    /// Whether `name` is present.
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// The comma-separated tokens of every `name` field, trimmed, e.g. `Connection` or
    /// `Transfer-Encoding` (RFC 9110 §5.6.1 list syntax; empty elements are skipped).
    pub fn tokens<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.get_all(name).flat_map(|v| v.split(|b| *b == b',')).map(trim_ows).filter(|t| !t.is_empty())
    }

    /// Whether the token list of `name` contains `token`, case-insensitively.
    pub fn has_token(&self, name: &str, token: &str) -> bool {
        self.tokens(name).any(|t| t.eq_ignore_ascii_case(token.as_bytes()))
    }
}

/// A parsed request head (Node's `IncomingMessage` for a server).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestHead {
    method: Span,
    target: Span,
    version: Version,
    headers: Headers,
}

impl RequestHead {
    /// The method, e.g. `GET`.
    pub fn method(&self) -> &str {
        std::str::from_utf8(&self.headers.buf[self.method.range()]).unwrap_or_default()
    }
    /// The request target as sent (Node's `url`).
    pub fn target(&self) -> &str {
        std::str::from_utf8(&self.headers.buf[self.target.range()]).unwrap_or_default()
    }
    /// The version.
    pub fn version(&self) -> Version {
        self.version
    }
    /// The header section.
    pub fn headers(&self) -> &Headers {
        &self.headers
    }
    /// The whole head's bytes (start line to the empty line).
    pub fn raw(&self) -> &Bytes {
        &self.headers.buf
    }
}

/// A parsed response head (Node's `IncomingMessage` for a client).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseHead {
    status: u16,
    reason: Span,
    version: Version,
    headers: Headers,
}

impl ResponseHead {
    /// The status code.
    pub fn status(&self) -> u16 {
        self.status
    }
    /// The reason phrase as sent (may be empty).
    pub fn reason(&self) -> &str {
        std::str::from_utf8(&self.headers.buf[self.reason.range()]).unwrap_or_default()
    }
    /// The version.
    pub fn version(&self) -> Version {
        self.version
    }
    /// The header section.
    pub fn headers(&self) -> &Headers {
        &self.headers
    }
    /// The whole head's bytes.
    pub fn raw(&self) -> &Bytes {
        &self.headers.buf
    }
}

/// The field lines httparse found, as offsets into `buf`.
fn fields_of(buf: &[u8], headers: &[httparse::Header<'_>]) -> Vec<Field> {
    headers
        .iter()
        .map(|h| Field { name: Span::of(buf, h.name.as_bytes()), value: Span::of(buf, h.value) })
        .collect()
}

/// A complete head larger than the limit (an incomplete one is checked by [`partial`]).
fn check_head_size(len: usize, limits: &Limits) -> Result<(), ParseError> {
    let max = max_header_size(limits);
    if len > max {
        return Err(ParseError::new(ErrorKind::HeadersTooLarge, max));
    }
    Ok(())
}

/// The configured limit, capped so every offset fits the `u32` of a [`Span`].
fn max_header_size(limits: &Limits) -> usize {
    limits.max_header_size.min(u32::MAX as usize)
}

/// Stack space for httparse's header array; `Limits::max_headers` above it is capped here.
const HEADER_ARRAY: usize = 128;

fn version_of(minor: Option<u8>) -> Version {
    if minor == Some(0) {
        Version::Http10
    } else {
        Version::Http11
    }
}

/// Parses a request head from the start of `buf`. `Ok(None)`: incomplete, feed more. On success
/// returns the head's length and the head (which copies nothing: it keeps `Bytes` of the head).
///
/// ```
/// use netcore_http1::proto::{parse_request, Limits};
/// let raw = b"GET /hello HTTP/1.1\r\nHost: example.com\r\n\r\nrest";
/// let (len, head) = parse_request(raw, &Limits::default()).unwrap().unwrap();
/// assert_eq!((len, head.method(), head.target()), (42, "GET", "/hello"));
/// assert!(parse_request(b"GET / HT", &Limits::default()).unwrap().is_none());
/// ```
pub fn parse_request(buf: &[u8], limits: &Limits) -> Result<Option<(usize, RequestHead)>, ParseError> {
    let Some((len, mut head)) = request_parts(buf, limits)? else { return Ok(None) };
    head.headers.buf = Bytes::copy_from_slice(&buf[..len]);
    Ok(Some((len, head)))
}

/// The head's offsets, with an empty buffer: the callers attach the bytes (copied or split off).
fn request_parts(buf: &[u8], limits: &Limits) -> Result<Option<(usize, RequestHead)>, ParseError> {
    // Left uninitialised: httparse writes only the fields it finds (no 4 KiB fill per request).
    let mut storage = [const { std::mem::MaybeUninit::<httparse::Header<'_>>::uninit() }; HEADER_ARRAY];
    let max = limits.max_headers.min(HEADER_ARRAY);
    let mut req = httparse::Request::new(&mut []);
    let len = match req.parse_with_uninit_headers(buf, &mut storage[..max]) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return partial(buf, limits, true).map(|_| None),
        Err(e) => return Err(classify(buf, e, true)),
    };
    check_head_size(len, limits)?;
    let method = req.method.unwrap_or_default();
    let target = req.path.unwrap_or_default();
    if target.len() > limits.max_url_length {
        return Err(ParseError::new(ErrorKind::UriTooLong, method.len() + 1 + limits.max_url_length));
    }
    let version = version_of(req.version);
    check_target(method, target, method.len() + 1)?;
    let fields = fields_of(buf, req.headers);
    let method = Span::of(buf, method.as_bytes());
    let target = Span::of(buf, target.as_bytes());
    if version == Version::Http11 {
        check_host(buf, &fields)?;
    }
    let head = RequestHead { method, target, version, headers: Headers { buf: Bytes::new(), fields } };
    Ok(Some((len, head)))
}

/// Like [`parse_request`], taking the head out of `buf` without copying: on success the head's
/// bytes are split off the front of `buf` and frozen.
pub fn parse_request_from(
    buf: &mut bytes::BytesMut,
    limits: &Limits,
) -> Result<Option<RequestHead>, ParseError> {
    let Some((len, mut head)) = request_parts(buf, limits)? else { return Ok(None) };
    head.headers.buf = buf.split_to(len).freeze();
    Ok(Some(head))
}

/// Parses a response head from the start of `buf` (see [`parse_request`]).
///
/// ```
/// use netcore_http1::proto::{parse_response, Limits};
/// let raw = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
/// let (_, head) = parse_response(raw, &Limits::default()).unwrap().unwrap();
/// assert_eq!((head.status(), head.reason()), (404, "Not Found"));
/// ```
pub fn parse_response(buf: &[u8], limits: &Limits) -> Result<Option<(usize, ResponseHead)>, ParseError> {
    let Some((len, mut head)) = response_parts(buf, limits)? else { return Ok(None) };
    head.headers.buf = Bytes::copy_from_slice(&buf[..len]);
    Ok(Some((len, head)))
}

fn response_parts(buf: &[u8], limits: &Limits) -> Result<Option<(usize, ResponseHead)>, ParseError> {
    let mut storage = [httparse::EMPTY_HEADER; HEADER_ARRAY];
    let max = limits.max_headers.min(HEADER_ARRAY);
    let mut res = httparse::Response::new(&mut storage[..max]);
    let len = match res.parse(buf) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return partial(buf, limits, false).map(|_| None),
        Err(e) => return Err(classify(buf, e, false)),
    };
    check_head_size(len, limits)?;
    let status = res.code.unwrap_or_default();
    if !(100..=999).contains(&status) {
        return Err(ParseError::new(ErrorKind::InvalidStatus, 9));
    }
    let reason = Span::of(buf, res.reason.unwrap_or_default().as_bytes());
    let fields = fields_of(buf, res.headers);
    let head = ResponseHead {
        status,
        reason,
        version: version_of(res.version),
        headers: Headers { buf: Bytes::new(), fields },
    };
    Ok(Some((len, head)))
}

/// Like [`parse_response`], splitting the head off `buf` without copying.
pub fn parse_response_from(
    buf: &mut bytes::BytesMut,
    limits: &Limits,
) -> Result<Option<ResponseHead>, ParseError> {
    let Some((len, mut head)) = response_parts(buf, limits)? else { return Ok(None) };
    head.headers.buf = buf.split_to(len).freeze();
    Ok(Some(head))
}

/// Parses a trailer section (field lines and the final empty line) into headers.
pub fn parse_trailers(buf: &[u8], limits: &Limits) -> Result<Headers, ParseError> {
    check_head_size(buf.len(), limits)?;
    let mut storage = [httparse::EMPTY_HEADER; HEADER_ARRAY];
    let max = limits.max_headers.min(HEADER_ARRAY);
    match httparse::parse_headers(buf, &mut storage[..max]) {
        Ok(httparse::Status::Complete((_, fields))) => {
            Ok(Headers { buf: Bytes::copy_from_slice(buf), fields: fields_of(buf, fields) })
        }
        Ok(httparse::Status::Partial) => Err(ParseError::new(ErrorKind::InvalidTrailer, buf.len())),
        Err(httparse::Error::TooManyHeaders) => Err(ParseError::new(ErrorKind::TooManyHeaders, 0)),
        Err(_) => Err(ParseError::new(ErrorKind::InvalidTrailer, locate(buf, 0).map_or(0, |(_, at)| at))),
    }
}

/// An incomplete head: fail early once it can no longer fit the limits (memory stays bounded).
fn partial(buf: &[u8], limits: &Limits, request: bool) -> Result<(), ParseError> {
    if request {
        let line_end = buf.iter().position(|b| *b == b'\n');
        // The request line alone: method, target and version; 16 bytes covers method and version.
        if line_end.is_none() && buf.len() > limits.max_url_length + 32 {
            return Err(ParseError::new(ErrorKind::UriTooLong, buf.len()));
        }
    }
    let max = max_header_size(limits);
    if buf.len() > max {
        return Err(ParseError::new(ErrorKind::HeadersTooLarge, max));
    }
    Ok(())
}

/// Turns httparse's error into our kind, with the offset of the offending byte where we can find it.
fn classify(buf: &[u8], e: httparse::Error, request: bool) -> ParseError {
    let line_end = buf.iter().position(|b| *b == b'\n').unwrap_or(buf.len());
    match e {
        httparse::Error::TooManyHeaders => ParseError::new(ErrorKind::TooManyHeaders, line_end),
        httparse::Error::Version => {
            // "HTTP/d.d" with other digits is a version we do not support (505); anything else
            // in that place is a malformed line (400).
            let line = &buf[..line_end];
            // The version is the request line's third token (the status line's first); httparse
            // stopped in it. "HTTP/" DIGIT ["." DIGIT] is a version we do not support (505),
            // judged on the bytes present so that any split of the input gives the same answer;
            // anything else there (a space in the target, "HTTP/1.x") is a malformed line (400).
            let token = if request {
                line.split(|b| *b == b' ').nth(2).unwrap_or_default()
            } else {
                line.split(|b| *b == b' ').next().unwrap_or_default()
            };
            let token = token.strip_suffix(b"\r").unwrap_or(token);
            // Decided on the bytes up to the first one httparse refuses, so that any split
            // gives the same answer: another major digit, or a minor digit other than 0 and 1,
            // is a version we do not support (505); anything else is a malformed line.
            let unsupported = token.starts_with(b"HTTP/")
                && match (token.get(5), token.get(6), token.get(7)) {
                    (Some(major), ..) if major.is_ascii_digit() && *major != b'1' => true,
                    (Some(b'1'), Some(b'.'), Some(minor)) => minor.is_ascii_digit(),
                    _ => false,
                };
            let well_formed = unsupported;
            let kind = if well_formed { ErrorKind::UnsupportedVersion } else { ErrorKind::InvalidLine };
            // The version token's first byte (counted from the line, so an empty token still has a
            // place), or for a malformed line the first byte that breaks it.
            let token_start = if request {
                line.iter().enumerate().filter(|(_, b)| **b == b' ').nth(1).map_or(line.len(), |(i, _)| i + 1)
            } else {
                0
            };
            let at = match kind {
                ErrorKind::InvalidLine if request => request_line_error(line).unwrap_or(token_start),
                _ => token_start,
            };
            ParseError::new(kind, at)
        }
        httparse::Error::Token if request => {
            // A bad method, or bad characters in the target: whichever part is malformed.
            let method_end = buf.iter().position(|b| *b == b' ').unwrap_or(buf.len());
            if method_end == 0 || !buf[..method_end].iter().all(|b| is_tchar(*b)) {
                ParseError::new(ErrorKind::InvalidMethod, 0)
            } else {
                ParseError::new(ErrorKind::InvalidTarget, method_end + 1)
            }
        }
        httparse::Error::Token => ParseError::new(ErrorKind::InvalidLine, 0),
        httparse::Error::Status => ParseError::new(ErrorKind::InvalidStatus, 9),
        // httparse's kind for these depends on how much input had arrived, so we judge the bytes
        // ourselves: a CR not followed by LF in the request line, else the first offending byte of
        // the field lines. The same answer wherever the input was split.
        httparse::Error::NewLine | httparse::Error::HeaderName | httparse::Error::HeaderValue => {
            let bad_start = if request {
                request_line_error(&buf[..line_end])
            } else {
                status_line_error(&buf[..line_end])
            };
            match (bad_start, locate(buf, line_end + 1)) {
                (Some(at), _) => ParseError::new(ErrorKind::InvalidLine, at),
                (None, Some((kind, at))) => ParseError::new(kind, at),
                (None, None) => {
                    let kind = match e {
                        httparse::Error::HeaderName => ErrorKind::InvalidHeaderName,
                        httparse::Error::HeaderValue => ErrorKind::InvalidHeaderValue,
                        _ => ErrorKind::InvalidLine,
                    };
                    ParseError::new(kind, line_end)
                }
            }
        }
    }
}

/// The first byte of a request line (without its LF) that breaks `method SP target SP
/// HTTP/1.x [CR]`, scanning left to right as httparse does; `None` if the line is fine so far.
fn request_line_error(line: &[u8]) -> Option<usize> {
    let mut i = line.iter().position(|b| !is_tchar(*b))?;
    if i == 0 || line[i] != b' ' {
        return Some(i);
    }
    i += 1;
    while i < line.len() && line[i] != b' ' {
        if line[i] < 0x21 || line[i] == 0x7f {
            return Some(i);
        }
        i += 1;
    }
    i += 1;
    for (k, want) in b"HTTP/1.".iter().enumerate() {
        match line.get(i + k) {
            None => return None,
            Some(b) if b != want => return Some(i + k),
            Some(_) => {}
        }
    }
    i += 7;
    match line.get(i) {
        None => return None,
        Some(b'0') | Some(b'1') => {}
        Some(_) => return Some(i),
    }
    i += 1;
    match line.get(i) {
        None => None,
        Some(b'\r') if i + 1 == line.len() => None,
        Some(_) => Some(i),
    }
}

/// The first byte of a status line (without its LF) that breaks `HTTP/1.x SP 3DIGIT [SP reason]
/// [CR]`, scanning left to right; `None` if the line is fine so far.
fn status_line_error(line: &[u8]) -> Option<usize> {
    for (k, want) in b"HTTP/1.".iter().enumerate() {
        match line.get(k) {
            None => return None,
            Some(b) if b != want => return Some(k),
            Some(_) => {}
        }
    }
    match line.get(7) {
        None => return None,
        Some(b'0') | Some(b'1') => {}
        Some(_) => return Some(7),
    }
    match line.get(8) {
        None => return None,
        Some(b' ') => {}
        Some(_) => return Some(8),
    }
    for k in 9..12 {
        match line.get(k) {
            None => return None,
            Some(b) if b.is_ascii_digit() => {}
            Some(_) => return Some(k),
        }
    }
    match line.get(12) {
        None => return None,
        Some(b'\r') if line.len() == 13 => return None,
        Some(b' ') => {}
        Some(_) => return Some(12),
    }
    for (i, b) in line.iter().enumerate().skip(13) {
        if *b == b'\r' && i + 1 == line.len() {
            return None;
        }
        if (*b < 0x20 && *b != b'\t') || *b == 0x7f {
            return Some(i);
        }
    }
    None
}

/// Finds the first offending byte in the field lines starting at `from`: obs-fold, a bad name
/// character (or whitespace before the colon), or a bad value character.
fn locate(buf: &[u8], from: usize) -> Option<(ErrorKind, usize)> {
    let mut i = from;
    while i < buf.len() {
        let line_start = i;
        match buf[i] {
            b'\r' | b'\n' => return None, // the empty line: the section ended
            b' ' | b'\t' => return Some((ErrorKind::ObsoleteLineFolding, i)),
            _ => {}
        }
        // RFC 9112 §5.1: no whitespace between the name and the colon.
        while i < buf.len() && buf[i] != b':' {
            if !is_tchar(buf[i]) {
                return Some((ErrorKind::InvalidHeaderName, i));
            }
            i += 1;
        }
        if i == line_start {
            return Some((ErrorKind::InvalidHeaderName, i));
        }
        i += 1;
        while i < buf.len() && buf[i] != b'\n' {
            let b = buf[i];
            if b == b'\r' {
                if buf.get(i + 1) != Some(&b'\n') {
                    return Some((ErrorKind::InvalidHeaderValue, i));
                }
            } else if (b < 0x20 && b != b'\t') || b == 0x7f {
                return Some((ErrorKind::InvalidHeaderValue, i));
            }
            i += 1;
        }
        i += 1;
    }
    None
}

/// RFC 9112 §3.2.1-§3.2.4: which target forms fit which methods.
fn check_target(method: &str, target: &str, offset: usize) -> Result<(), ParseError> {
    let t = target.as_bytes();
    let fail = |kind| Err(ParseError::new(kind, offset));
    if t.is_empty() {
        return fail(ErrorKind::InvalidTarget);
    }
    if method == "CONNECT" {
        // authority-form: host:port, nothing else.
        let Some((host, port)) = target.rsplit_once(':') else { return fail(ErrorKind::TargetFormMismatch) };
        let port_ok = !port.is_empty() && port.len() <= 5 && port.bytes().all(|b| b.is_ascii_digit());
        if host.is_empty() || !port_ok || target.contains('/') || target.contains('@') {
            return fail(ErrorKind::TargetFormMismatch);
        }
        return Ok(());
    }
    if t == b"*" {
        return if method == "OPTIONS" { Ok(()) } else { fail(ErrorKind::TargetFormMismatch) };
    }
    if t[0] == b'/' {
        return Ok(()); // origin-form
    }
    // absolute-form: scheme ":" hier-part, the scheme a letter then letters, digits, + - .
    match target.split_once("://") {
        Some((scheme, _))
            if !scheme.is_empty()
                && scheme.as_bytes()[0].is_ascii_alphabetic()
                && scheme.bytes().all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b)) =>
        {
            Ok(())
        }
        _ => fail(ErrorKind::TargetFormMismatch),
    }
}

/// RFC 9112 §3.2: an HTTP/1.1 request has exactly one Host, with a valid (possibly empty)
/// authority.
fn check_host(buf: &[u8], fields: &[Field]) -> Result<(), ParseError> {
    let mut hosts = fields.iter().filter(|f| buf[f.name.range()].eq_ignore_ascii_case(b"host"));
    let (Some(host), None) = (hosts.next(), hosts.next()) else {
        return Err(ParseError::new(
            ErrorKind::InvalidHost,
            fields.first().map_or(0, |f| f.name.start as usize),
        ));
    };
    let value = &buf[host.value.range()];
    let ok = value.iter().all(|b| b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:%[]".contains(b));
    if !ok {
        return Err(ParseError::new(ErrorKind::InvalidHost, host.value.start as usize));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(raw: &str) -> Result<Option<(usize, RequestHead)>, ParseError> {
        parse_request(raw.as_bytes(), &Limits::default())
    }

    fn req_err(raw: &str) -> ParseError {
        match req(raw) {
            Err(e) => e,
            Ok(r) => panic!("accepted {raw:?}: {r:?}"),
        }
    }

    #[test]
    fn keeps_raw_case_and_order_with_case_insensitive_lookup() {
        let (_, h) = req("GET /a?b HTTP/1.1\r\nHost: x\r\nX-A: 1\r\nx-a: 2\r\nACCEPT:  */* \r\n\r\n")
            .unwrap()
            .unwrap();
        let pairs: Vec<_> = h.headers().iter().map(|(n, v)| (n.to_string(), v.to_vec())).collect();
        assert_eq!(
            pairs,
            [
                ("Host".into(), b"x".to_vec()),
                ("X-A".into(), b"1".to_vec()),
                ("x-a".into(), b"2".to_vec()),
                ("ACCEPT".into(), b"*/*".to_vec())
            ]
        );
        assert_eq!(h.headers().get_all("x-A").collect::<Vec<_>>(), [b"1", b"2"]);
        assert_eq!((h.method(), h.target(), h.version()), ("GET", "/a?b", Version::Http11));
    }

    #[test]
    fn rfc9112_3_2_host_rules() {
        assert_eq!(req_err("GET / HTTP/1.1\r\n\r\n").kind, ErrorKind::InvalidHost);
        assert_eq!(req_err("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n").kind, ErrorKind::InvalidHost);
        assert_eq!(req_err("GET / HTTP/1.1\r\nHost: a b\r\n\r\n").kind, ErrorKind::InvalidHost);
        assert!(req("GET / HTTP/1.1\r\nHost:\r\n\r\n").unwrap().is_some(), "an empty Host is allowed");
        assert!(req("GET / HTTP/1.0\r\n\r\n").unwrap().is_some(), "HTTP/1.0 needs no Host");
    }

    #[test]
    fn rfc9112_3_2_target_forms() {
        assert!(req("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n").unwrap().is_some());
        assert_eq!(req_err("GET * HTTP/1.1\r\nHost: a\r\n\r\n").kind, ErrorKind::TargetFormMismatch);
        assert!(req("CONNECT a.example:443 HTTP/1.1\r\nHost: a.example:443\r\n\r\n").unwrap().is_some());
        assert_eq!(req_err("CONNECT /x HTTP/1.1\r\nHost: a\r\n\r\n").kind, ErrorKind::TargetFormMismatch);
        assert_eq!(
            req_err("GET a.example:443 HTTP/1.1\r\nHost: a\r\n\r\n").kind,
            ErrorKind::TargetFormMismatch
        );
        assert!(req("GET http://a.example/x HTTP/1.1\r\nHost: a.example\r\n\r\n").unwrap().is_some());
    }

    #[test]
    fn header_errors_are_located() {
        let e = req_err("GET / HTTP/1.1\r\nHost: a\r\nBad Name: x\r\n\r\n");
        assert_eq!((e.kind, e.offset), (ErrorKind::InvalidHeaderName, 28));
        let e = req_err("GET / HTTP/1.1\r\nHost : a\r\n\r\n");
        assert_eq!((e.kind, e.offset), (ErrorKind::InvalidHeaderName, 20));
        let e = req_err("GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n folded\r\n\r\n");
        assert_eq!(e.kind, ErrorKind::ObsoleteLineFolding);
        let e = req_err("GET / HTTP/1.1\r\nHost: a\r\nX: a\0b\r\n\r\n");
        assert_eq!((e.kind, e.offset), (ErrorKind::InvalidHeaderValue, 29));
        let e = req_err("GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n");
        assert_eq!(e.kind, ErrorKind::InvalidHeaderValue);
    }

    #[test]
    fn versions_and_methods() {
        assert_eq!(req_err("GET / HTTP/2.0\r\n\r\n").kind, ErrorKind::UnsupportedVersion);
        assert_eq!(req_err("GET / HTTP/2.0\r\n\r\n").status(), 505);
        assert_eq!(req_err("GET / HTTX/1.1\r\n\r\n").status(), 400);
        assert_eq!(req_err("G(T / HTTP/1.1\r\nHost: a\r\n\r\n").kind, ErrorKind::InvalidMethod);
    }

    #[test]
    fn limits_trip_early_and_at_the_edge() {
        let limits = Limits { max_header_size: 64, ..Limits::default() };
        let ok = format!("GET / HTTP/1.1\r\nHost: a\r\nX: {}\r\n\r\n", "v".repeat(64 - 32));
        assert_eq!(ok.len(), 64);
        assert!(parse_request(ok.as_bytes(), &limits).unwrap().is_some());
        let over = format!("GET / HTTP/1.1\r\nHost: a\r\nX: {}\r\n\r\n", "v".repeat(64 - 31));
        assert_eq!(parse_request(over.as_bytes(), &limits).unwrap_err().status(), 431);
        // An unfinished head past the limit fails without waiting for its end.
        let partial = format!("GET / HTTP/1.1\r\nX: {}", "v".repeat(100));
        assert_eq!(parse_request(partial.as_bytes(), &limits).unwrap_err().status(), 431);
        let long_url = format!("GET /{} HTTP/1.1\r\nHost: a\r\n\r\n", "u".repeat(9000));
        assert_eq!(req_err(&long_url).status(), 414);
        let many: String = (0..101).map(|i| format!("X{i}: v\r\n")).collect();
        assert_eq!(req_err(&format!("GET / HTTP/1.1\r\nHost: a\r\n{many}\r\n")).status(), 431);
    }

    #[test]
    fn responses() {
        let (len, h) =
            parse_response(b"HTTP/1.0 200 OK\r\nA: b\r\n\r\nbody", &Limits::default()).unwrap().unwrap();
        assert_eq!((len, h.status(), h.reason(), h.version()), (25, 200, "OK", Version::Http10));
        let (_, h) = parse_response(b"HTTP/1.1 204 \r\n\r\n", &Limits::default()).unwrap().unwrap();
        assert_eq!((h.status(), h.reason()), (204, ""));
        assert!(parse_response(b"HTTP/1.1 20 OK\r\n\r\n", &Limits::default()).is_err());
    }

    #[test]
    fn tokens_split_lists() {
        let (_, h) = req(
            "GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive , Upgrade\r\nConnection: ,close\r\n\r\n",
        )
        .unwrap()
        .unwrap();
        let t: Vec<_> = h.headers().tokens("connection").collect();
        assert_eq!(t, [&b"keep-alive"[..], b"Upgrade", b"close"]);
        assert!(h.headers().has_token("Connection", "upgrade"));
    }
}
