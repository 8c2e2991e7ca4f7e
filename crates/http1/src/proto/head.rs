//! Request and response heads: parsed by `httparse`, checked further by us, and kept as
//! zero-copy views (offsets) into one `Bytes` buffer. Header names keep their case and order
//! (Node's `rawHeaders`); lookup is case-insensitive.

use bytes::Bytes;

use super::error::{ErrorKind, ParseError};
use super::fields::{Field, Span};
use super::limits::Limits;
use super::syntax::{is_host, is_tchar, trim_ows};

/// The protocol version of a message.
///
/// ```
/// use netcore_http1::proto::{parse_request, Limits, Version};
/// let (_, head) = parse_request(b"GET / HTTP/1.0\r\n\r\n", &Limits::default())?.unwrap();
/// assert_eq!(head.version(), Version::Http10);
/// assert_eq!(head.version().as_str(), "1.0"); // Node's `req.httpVersion`
/// assert!(Version::Http10 < Version::Http11);
/// # Ok::<(), netcore_http1::proto::ParseError>(())
/// ```
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

/// The fields the framing rules read, as bits: noted in the same pass that records the fields
/// (with the `Connection` options read there too), so that deciding a message's framing looks
/// again only at `Content-Length`, `Transfer-Encoding` and `Expect`, and only when present.
pub(crate) mod known {
    use super::super::syntax::{eq_folded, trim_ows};

    pub(crate) const HOST: u16 = 1;
    pub(crate) const CONTENT_LENGTH: u16 = 1 << 1;
    pub(crate) const TRANSFER_ENCODING: u16 = 1 << 2;
    pub(crate) const CONNECTION: u16 = 1 << 3;
    pub(crate) const UPGRADE: u16 = 1 << 4;
    pub(crate) const EXPECT: u16 = 1 << 5;
    /// A second `Host` field.
    pub(crate) const HOST_REPEATED: u16 = 1 << 6;
    /// `Connection` lists `close`.
    pub(crate) const CLOSE: u16 = 1 << 7;
    /// `Connection` lists `keep-alive`.
    pub(crate) const KEEP_ALIVE: u16 = 1 << 8;
    /// `Connection` lists `upgrade`.
    pub(crate) const CONNECTION_UPGRADE: u16 = 1 << 9;

    /// The one name of each length the framing reads, by length: `(name, bit)`.
    const BY_LENGTH: [(&[u8], u16); 18] = {
        let mut t: [(&[u8], u16); 18] = [(b"", 0); 18];
        t[4] = (b"host", HOST);
        t[6] = (b"expect", EXPECT);
        t[7] = (b"upgrade", UPGRADE);
        t[10] = (b"connection", CONNECTION);
        t[14] = (b"content-length", CONTENT_LENGTH);
        t[17] = (b"transfer-encoding", TRANSFER_ENCODING);
        t
    };

    /// The bit of a field name, or 0 for any other name. The length picks the one candidate and
    /// its first letter rejects most other names (`Accept`, `User-Agent`, `Cookie`…) with one
    /// table load and one comparison, so a name costs at most one case-insensitive comparison.
    #[inline]
    pub(crate) fn bit(name: &[u8]) -> u16 {
        let Some(&(want, bit)) = BY_LENGTH.get(name.len()) else { return 0 };
        match (name.first(), want.first()) {
            (Some(n), Some(w)) if n | 0x20 == *w && eq_folded(name, want) => bit,
            _ => 0,
        }
    }

    /// The options a `Connection` value lists (RFC 9110 §7.6.1: comma-separated tokens).
    pub(crate) fn connection_options(value: &[u8]) -> u16 {
        // The common value is one option (httparse already trimmed the value).
        match value.len() {
            5 if eq_folded(value, b"close") => return CLOSE,
            10 if eq_folded(value, b"keep-alive") => return KEEP_ALIVE,
            _ => {}
        }
        let mut bits = 0;
        for token in value.split(|b| *b == b',') {
            // Each token is compared with the one option of its length.
            let token = trim_ows(token);
            bits |= match token.len() {
                5 if eq_folded(token, b"close") => CLOSE,
                7 if eq_folded(token, b"upgrade") => CONNECTION_UPGRADE,
                10 if eq_folded(token, b"keep-alive") => KEEP_ALIVE,
                _ => 0,
            };
        }
        bits
    }
}

/// A header (or trailer) section: views into the message's buffer, in received order and case.
///
/// ```
/// use netcore_http1::proto::{parse_request, Limits};
///
/// let raw = b"GET / HTTP/1.1\r\nHost: a\r\nAccept: text/html\r\nConnection: keep-alive, Upgrade\r\naccept: */*\r\n\r\n";
/// let (_, head) = parse_request(raw, &Limits::default())?.expect("a whole head");
/// let headers = head.headers();
/// assert_eq!(headers.get("ACCEPT"), Some(&b"text/html"[..])); // names match without case
/// assert_eq!(headers.get_all("accept").count(), 2);
/// assert!(headers.has_token("connection", "upgrade")); // comma lists, tokens without case
/// // Names keep their case and order as received (Node's `rawHeaders`).
/// assert_eq!(headers.iter().map(|(name, _)| name).collect::<Vec<_>>(), ["Host", "Accept", "Connection", "accept"]);
/// # Ok::<(), netcore_http1::proto::ParseError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers {
    buf: Bytes,
    fields: Vec<Field>,
    /// [`known`] bits of the names present and the `Connection` options.
    known: u16,
}

impl Headers {
    /// The bytes of `span`. Every span is taken from httparse's slices of this buffer; were one
    /// ever outside it, it reads as empty rather than panicking (the check is the bounds check
    /// that slicing makes anyway, so parsing needs none of its own).
    #[inline]
    fn at(&self, span: Span) -> &[u8] {
        self.buf.get(span.range()).unwrap_or_default()
    }

    /// [`Headers::at`] as a zero-copy `Bytes`.
    fn bytes_at(&self, span: Span) -> Bytes {
        match self.buf.get(span.range()) {
            Some(_) => self.buf.slice(span.range()),
            None => Bytes::new(),
        }
    }

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
        let name = std::str::from_utf8(self.at(f.name)).unwrap_or_default();
        Some((name, self.at(f.value)))
    }

    /// Every field line in received order: `(name as received, value)`, Node's `rawHeaders`.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[u8])> + '_ {
        (0..self.fields.len()).filter_map(|i| self.get_index(i))
    }

    /// Whether a field with this [`known`] bit is present (no scan).
    pub(crate) fn has_known(&self, bit: u16) -> bool {
        self.known & bit != 0
    }

    /// The values of the fields named `name`, skipping the scan when `name` is a [`known`] field
    /// that is absent.
    fn values<'a>(&'a self, name: &'a [u8]) -> impl Iterator<Item = &'a [u8]> + 'a {
        let bit = known::bit(name);
        let fields = if bit != 0 && self.known & bit == 0 { &[][..] } else { &self.fields[..] };
        fields.iter().filter(move |f| self.at(f.name).eq_ignore_ascii_case(name)).map(|f| self.at(f.value))
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
        let name = name.as_bytes();
        let bit = known::bit(name);
        if bit != 0 && self.known & bit == 0 {
            return None;
        }
        let field = self.fields.iter().find(|f| self.at(f.name).eq_ignore_ascii_case(name))?;
        Some(self.at(field.value))
    }

    /// Every value of `name`, in order, matched case-insensitively.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.values(name.as_bytes())
    }

    /// The value of field `i` as a zero-copy `Bytes` slice of the message buffer.
    pub fn value_bytes(&self, i: usize) -> Option<Bytes> {
        self.fields.get(i).map(|f| self.bytes_at(f.value))
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
///
/// ```
/// use netcore_http1::proto::{parse_request, Limits, Version};
/// let raw = b"PUT /files/a.txt?v=2 HTTP/1.0\r\nHost: example.com\r\nContent-Length: 0\r\n\r\n";
/// let (len, head) = parse_request(raw, &Limits::default())?.expect("a whole head");
/// assert_eq!((head.method(), head.target(), head.version()), ("PUT", "/files/a.txt?v=2", Version::Http10));
/// assert_eq!(head.headers().get("host"), Some(&b"example.com"[..]));
/// assert_eq!((head.raw().len(), len), (raw.len(), raw.len())); // the head's own bytes
/// # Ok::<(), netcore_http1::proto::ParseError>(())
/// ```
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
        std::str::from_utf8(self.headers.at(self.method)).unwrap_or_default()
    }
    /// Whether the method is `CONNECT` (no UTF-8 check, for the framing decision).
    pub(crate) fn is_connect(&self) -> bool {
        self.headers.at(self.method) == b"CONNECT"
    }
    /// The request target as sent (Node's `url`).
    pub fn target(&self) -> &str {
        std::str::from_utf8(self.headers.at(self.target)).unwrap_or_default()
    }
    /// The request target as a zero-copy `Bytes` slice of the head.
    ///
    /// ```
    /// use netcore_http1::proto::{parse_request, Limits};
    /// let raw = b"GET /a?b HTTP/1.1\r\nHost: x\r\n\r\n";
    /// let (_, head) = parse_request(raw, &Limits::default()).unwrap().unwrap();
    /// assert_eq!(head.target_bytes(), "/a?b");
    /// ```
    pub fn target_bytes(&self) -> Bytes {
        self.headers.bytes_at(self.target)
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
///
/// ```
/// use netcore_http1::proto::{parse_response, Limits, Version};
/// let raw = b"HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 9\r\n\r\nnot found";
/// let (len, head) = parse_response(raw, &Limits::default())?.expect("a whole head");
/// assert_eq!((head.status(), head.reason(), head.version()), (404, "Not Found", Version::Http11));
/// assert_eq!(head.headers().get("content-length"), Some(&b"9"[..]));
/// assert_eq!(&raw[len..], b"not found"); // the body is not part of the head
/// # Ok::<(), netcore_http1::proto::ParseError>(())
/// ```
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
        std::str::from_utf8(self.headers.at(self.reason)).unwrap_or_default()
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

/// The field lines httparse found, as offsets into `buf`, with their [`known`] bits and the
/// first `Host` field.
fn fields_of(buf: &[u8], headers: &[httparse::Header<'_>]) -> (Vec<Field>, u16, Option<Field>) {
    let mut known = 0;
    let mut host = None;
    // httparse takes every name and value from `buf`: the offsets are plain differences. (Were
    // one ever outside `buf`, `Headers::at` would read it as empty; nothing here can panic.)
    let base = buf.as_ptr() as usize;
    let offset = |s: &[u8]| (s.as_ptr() as usize).wrapping_sub(base);
    // One pass, sized up front (a mapped slice iterator: no capacity check per field).
    let fields: Vec<Field> = headers
        .iter()
        .map(|h| {
            let (n0, v0) = (offset(h.name.as_bytes()), offset(h.value));
            let field = Field {
                name: Span { start: n0 as u32, end: n0.wrapping_add(h.name.len()) as u32 },
                value: Span { start: v0 as u32, end: v0.wrapping_add(h.value.len()) as u32 },
            };
            let bit = known::bit(h.name.as_bytes());
            if bit == known::HOST {
                if host.is_some() {
                    known |= known::HOST_REPEATED;
                }
                host = Some(field);
            } else if bit == known::CONNECTION {
                known |= known::connection_options(h.value);
            }
            known |= bit;
            field
        })
        .collect();
    (fields, known, host)
}

/// A complete head larger than the limit (an incomplete one stops at [`head_window`]).
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
pub fn parse_request(mut buf: &[u8], limits: &Limits) -> Result<Option<(usize, RequestHead)>, ParseError> {
    request_parts(&mut buf, limits)
}

/// Where a head's bytes come from: a borrowed slice (copied once the head is complete) or a
/// connection's buffer (split off, no copy). The head is built once, with its bytes in place.
trait Source {
    fn bytes(&self) -> &[u8];
    fn take(&mut self, len: usize) -> Bytes;
}

impl Source for &[u8] {
    fn bytes(&self) -> &[u8] {
        self
    }
    fn take(&mut self, len: usize) -> Bytes {
        Bytes::copy_from_slice(&self[..len])
    }
}

impl Source for bytes::BytesMut {
    fn bytes(&self) -> &[u8] {
        self
    }
    fn take(&mut self, len: usize) -> Bytes {
        self.split_to(len).freeze()
    }
}

fn request_parts(src: &mut impl Source, limits: &Limits) -> Result<Option<(usize, RequestHead)>, ParseError> {
    let buf = src.bytes();
    let (window, overrun) = request_window(buf, limits);
    // Left uninitialised: httparse writes only the fields it finds (no 4 KiB fill per request).
    let mut storage = [const { std::mem::MaybeUninit::<httparse::Header<'_>>::uninit() }; HEADER_ARRAY];
    let max = limits.max_headers.min(HEADER_ARRAY);
    let mut req = httparse::Request::new(&mut []);
    let len = match req.parse_with_uninit_headers(&buf[..window], &mut storage[..max]) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return overrun.map_or(Ok(None), Err),
        Err(e) => return Err(classify(&buf[..window], e, true)),
    };
    check_head_size(len, limits)?;
    let method = req.method.unwrap_or_default();
    let target = req.path.unwrap_or_default();
    let version = version_of(req.version);
    check_target(method, target, method.len() + 1)?;
    let (fields, known, host) = fields_of(buf, req.headers);
    let method = Span::of(buf, method.as_bytes());
    let target = Span::of(buf, target.as_bytes());
    if version == Version::Http11 {
        check_host(buf, &fields, known, host)?;
    }
    let headers = Headers { buf: src.take(len), fields, known };
    Ok(Some((len, RequestHead { method, target, version, headers })))
}

/// Like [`parse_request`], taking the head out of `buf` without copying: on success the head's
/// bytes are split off the front of `buf` and frozen.
pub fn parse_request_from(
    buf: &mut bytes::BytesMut,
    limits: &Limits,
) -> Result<Option<RequestHead>, ParseError> {
    Ok(request_parts(buf, limits)?.map(|(_, head)| head))
}

/// Parses a response head from the start of `buf` (see [`parse_request`]).
///
/// ```
/// use netcore_http1::proto::{parse_response, Limits};
/// let raw = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
/// let (_, head) = parse_response(raw, &Limits::default()).unwrap().unwrap();
/// assert_eq!((head.status(), head.reason()), (404, "Not Found"));
/// ```
pub fn parse_response(mut buf: &[u8], limits: &Limits) -> Result<Option<(usize, ResponseHead)>, ParseError> {
    response_parts(&mut buf, limits)
}

fn response_parts(
    src: &mut impl Source,
    limits: &Limits,
) -> Result<Option<(usize, ResponseHead)>, ParseError> {
    let buf = src.bytes();
    let (window, overrun) = head_window(buf, limits);
    let mut storage = [httparse::EMPTY_HEADER; HEADER_ARRAY];
    let max = limits.max_headers.min(HEADER_ARRAY);
    let mut res = httparse::Response::new(&mut storage[..max]);
    let len = match res.parse(&buf[..window]) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return overrun.map_or(Ok(None), Err),
        Err(e) => return Err(classify(&buf[..window], e, false)),
    };
    check_head_size(len, limits)?;
    let status = res.code.unwrap_or_default();
    if !(100..=999).contains(&status) {
        return Err(ParseError::new(ErrorKind::InvalidStatus, 9));
    }
    let reason = Span::of(buf, res.reason.unwrap_or_default().as_bytes());
    let (fields, known, _) = fields_of(buf, res.headers);
    let version = version_of(res.version);
    let headers = Headers { buf: src.take(len), fields, known };
    Ok(Some((len, ResponseHead { status, reason, version, headers })))
}

/// Like [`parse_response`], splitting the head off `buf` without copying.
pub fn parse_response_from(
    buf: &mut bytes::BytesMut,
    limits: &Limits,
) -> Result<Option<ResponseHead>, ParseError> {
    Ok(response_parts(buf, limits)?.map(|(_, head)| head))
}

/// Parses a trailer section (field lines and the final empty line) into headers.
pub fn parse_trailers(buf: &[u8], limits: &Limits) -> Result<Headers, ParseError> {
    check_head_size(buf.len(), limits)?;
    let mut storage = [httparse::EMPTY_HEADER; HEADER_ARRAY];
    let max = limits.max_headers.min(HEADER_ARRAY);
    match httparse::parse_headers(buf, &mut storage[..max]) {
        Ok(httparse::Status::Complete((_, fields))) => {
            let (fields, known, _) = fields_of(buf, fields);
            Ok(Headers { buf: Bytes::copy_from_slice(buf), fields, known })
        }
        Ok(httparse::Status::Partial) => Err(ParseError::new(ErrorKind::InvalidTrailer, buf.len())),
        Err(httparse::Error::TooManyHeaders) => Err(ParseError::new(ErrorKind::TooManyHeaders, 0)),
        Err(_) => Err(ParseError::new(ErrorKind::InvalidTrailer, locate(buf, 0).map_or(0, |(_, at)| at))),
    }
}

/// How much of `buf` httparse may look at, and the error to give if the head is still
/// incomplete there.
///
/// A limit is a place in the input: the first byte past it. Parsing stops there, so a head that
/// runs past a limit fails at that byte, and a malformed byte before it is reported instead, in
/// exactly the same way whether the bytes came at once or a few at a time (deciding on whatever
/// had arrived would let the split choose between the two errors). Memory stays bounded: nothing
/// past the limit is ever waited for.
fn head_window(buf: &[u8], limits: &Limits) -> (usize, Option<ParseError>) {
    let max = max_header_size(limits);
    if buf.len() > max {
        (max, Some(ParseError::new(ErrorKind::HeadersTooLarge, max)))
    } else {
        (buf.len(), None)
    }
}

/// [`head_window`] for a request, which also stops at the request line's limits: the target's
/// byte `max_url_length`, and the line's byte `max_url_length + 32` when no line end came before
/// it (a method and version that long are not HTTP). Both give 414.
fn request_window(buf: &[u8], limits: &Limits) -> (usize, Option<ParseError>) {
    let (window, overrun) = head_window(buf, limits);
    let max_url = limits.max_url_length;
    let line_max = max_url.saturating_add(32);
    // The target starts at byte 2 or later, so no limit of the line can be reached before this.
    if window <= max_url.saturating_add(2) {
        return (window, overrun);
    }
    let scan = &buf[..window.min(line_max.saturating_add(1))];
    let line_end = scan.iter().position(|b| *b == b'\n');
    let line = &scan[..line_end.unwrap_or(scan.len())];
    let mut over = (line_end.is_none() && scan.len() > line_max).then_some(line_max);
    if let Some(space) = line.iter().position(|b| *b == b' ') {
        let start = space + 1;
        let target = &line[start..];
        let target_len = target.iter().position(|b| matches!(b, b' ' | b'\r')).unwrap_or(target.len());
        if target_len > max_url {
            over = Some(over.map_or(start + max_url, |o| o.min(start + max_url)));
        }
    }
    match over {
        Some(at) if at < window => (at, Some(ParseError::new(ErrorKind::UriTooLong, at))),
        _ => (window, overrun),
    }
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
fn check_host(buf: &[u8], fields: &[Field], known: u16, host: Option<Field>) -> Result<(), ParseError> {
    let (Some(host), 0) = (host, known & known::HOST_REPEATED) else {
        return Err(ParseError::new(
            ErrorKind::InvalidHost,
            fields.first().map_or(0, |f| f.name.start as usize),
        ));
    };
    let value = buf.get(host.value.range()).unwrap_or_default();
    if !is_host(value) {
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
    fn a_span_outside_the_buffer_reads_as_empty() {
        let outside = Field { name: Span { start: 1, end: 9 }, value: Span { start: 5, end: 2 } };
        let h = Headers { buf: Bytes::from_static(b"ab"), fields: vec![outside], known: 0 };
        assert_eq!(h.get_index(0), Some(("", &b""[..])));
        assert_eq!(h.value_bytes(0), Some(Bytes::new()));
        assert_eq!(h.get("x"), None);
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
