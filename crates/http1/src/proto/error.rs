//! Parse errors: what was wrong, at which byte, and which status code answers it.

use std::fmt;

/// What was wrong with a message, by the rule it broke.
///
/// ```
/// use bytes::BytesMut;
/// use netcore_http1::proto::{ErrorKind, Limits, RequestDecoder};
/// let mut dec = RequestDecoder::new(Limits::default());
/// let err = dec.decode(&mut BytesMut::from(&b"GET / HTTP/1.1\r\n\r\n"[..])).unwrap_err();
/// assert_eq!(err.kind, ErrorKind::InvalidHost); // HTTP/1.1 requires a Host
/// assert_eq!((err.kind.status(), err.kind.code()), (400, "HPE_INVALID_HOST"));
/// // Limits have their own kinds, and their own status codes.
/// assert_eq!((ErrorKind::UriTooLong.status(), ErrorKind::UriTooLong.code()), (414, "HPE_URI_TOO_LONG"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    // ----- the head (RFC 9112 §2-§5) -----
    /// A method that is not a token (RFC 9110 §9.1).
    InvalidMethod,
    /// A request target that is malformed (RFC 9112 §3.2).
    InvalidTarget,
    /// A request target that does not fit its method: authority-form only for `CONNECT`, `*` only
    /// for `OPTIONS` (RFC 9112 §3.2.3, §3.2.4).
    TargetFormMismatch,
    /// A version other than HTTP/1.0 or HTTP/1.1 (RFC 9112 §2.3). Status 505.
    UnsupportedVersion,
    /// A malformed status line (RFC 9112 §4).
    InvalidStatus,
    /// A header name that is not a token, or whitespace before the colon (RFC 9112 §5.1).
    InvalidHeaderName,
    /// A header value with a control character, NUL or bare CR (RFC 9110 §5.5).
    InvalidHeaderValue,
    /// Obsolete line folding (RFC 9112 §5.2).
    ObsoleteLineFolding,
    /// A malformed line ending or request/status line (RFC 9112 §2.2).
    InvalidLine,
    /// An HTTP/1.1 request without `Host`, with two, or with a malformed one (RFC 9112 §3.2).
    InvalidHost,
    // ----- framing (RFC 9112 §6) -----
    /// A `Content-Length` that is not a plain decimal number, or several that differ
    /// (RFC 9112 §6.3 item 5, RFC 9110 §8.6).
    InvalidContentLength,
    /// Both `Content-Length` and `Transfer-Encoding` in a request (RFC 9112 §6.1, §11.2).
    ContentLengthWithTransferEncoding,
    /// A request `Transfer-Encoding` whose final coding is not `chunked` (RFC 9112 §6.3 item 4).
    TransferEncodingNotChunked,
    /// A transfer coding this decoder does not implement (RFC 9112 §6.1). Status 501.
    UnsupportedTransferCoding,
    /// A chunk size that is not hex, overflows, is empty or has a prefix (RFC 9112 §7.1).
    InvalidChunkSize,
    /// A malformed chunk extension (RFC 9112 §7.1.1).
    InvalidChunkExtension,
    /// Missing CRLF after chunk data, or a bare LF/CR in the chunked framing (RFC 9112 §7.1).
    InvalidChunkTerminator,
    /// A malformed trailer section (RFC 9112 §7.1.2).
    InvalidTrailer,
    // ----- limits -----
    /// The header section is larger than allowed. Status 431.
    HeadersTooLarge,
    /// More header fields than allowed. Status 431.
    TooManyHeaders,
    /// The request target is longer than allowed. Status 414.
    UriTooLong,
    /// A chunk extension is longer than allowed. Status 400.
    ChunkExtensionTooLong,
    /// The body is larger than the caller allows. Status 413.
    BodyTooLarge,
    // ----- misuse and end of input -----
    /// The connection ended in the middle of a message.
    UnexpectedEof,
}

impl ErrorKind {
    /// The status code a server answers this with (400, 413, 414, 431, 501 or 505).
    ///
    /// ```
    /// use netcore_http1::proto::ErrorKind;
    /// assert_eq!(ErrorKind::HeadersTooLarge.status(), 431);
    /// assert_eq!(ErrorKind::ContentLengthWithTransferEncoding.status(), 400);
    /// ```
    pub fn status(self) -> u16 {
        match self {
            ErrorKind::UnsupportedVersion => 505,
            ErrorKind::UnsupportedTransferCoding => 501,
            ErrorKind::HeadersTooLarge | ErrorKind::TooManyHeaders => 431,
            ErrorKind::UriTooLong => 414,
            ErrorKind::BodyTooLarge => 413,
            _ => 400,
        }
    }

    /// Node's (llhttp's) error code name for the same failure, e.g. `HPE_INVALID_METHOD`.
    ///
    /// ```
    /// use netcore_http1::proto::ErrorKind;
    /// assert_eq!(ErrorKind::InvalidMethod.code(), "HPE_INVALID_METHOD");
    /// assert_eq!(ErrorKind::TooManyHeaders.code(), "HPE_HEADER_OVERFLOW");
    /// ```
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::InvalidMethod => "HPE_INVALID_METHOD",
            ErrorKind::InvalidTarget | ErrorKind::TargetFormMismatch => "HPE_INVALID_URL",
            ErrorKind::UnsupportedVersion => "HPE_INVALID_VERSION",
            ErrorKind::InvalidStatus => "HPE_INVALID_STATUS",
            ErrorKind::InvalidHeaderName => "HPE_INVALID_HEADER_TOKEN",
            ErrorKind::InvalidHeaderValue | ErrorKind::ObsoleteLineFolding => "HPE_INVALID_HEADER_TOKEN",
            ErrorKind::InvalidLine => "HPE_CR_EXPECTED",
            ErrorKind::InvalidHost => "HPE_INVALID_HOST",
            ErrorKind::InvalidContentLength => "HPE_INVALID_CONTENT_LENGTH",
            ErrorKind::ContentLengthWithTransferEncoding => "HPE_UNEXPECTED_CONTENT_LENGTH",
            ErrorKind::TransferEncodingNotChunked | ErrorKind::UnsupportedTransferCoding => {
                "HPE_INVALID_TRANSFER_ENCODING"
            }
            ErrorKind::InvalidChunkSize => "HPE_INVALID_CHUNK_SIZE",
            ErrorKind::InvalidChunkExtension | ErrorKind::ChunkExtensionTooLong => {
                "HPE_CHUNK_EXTENSIONS_OVERFLOW"
            }
            ErrorKind::InvalidChunkTerminator => "HPE_STRICT",
            ErrorKind::InvalidTrailer => "HPE_INVALID_HEADER_TOKEN",
            ErrorKind::HeadersTooLarge | ErrorKind::TooManyHeaders => "HPE_HEADER_OVERFLOW",
            ErrorKind::UriTooLong => "HPE_URI_TOO_LONG",
            ErrorKind::BodyTooLarge => "HPE_BODY_TOO_LARGE",
            ErrorKind::UnexpectedEof => "HPE_INVALID_EOF_STATE",
        }
    }

    fn describe(self) -> &'static str {
        match self {
            ErrorKind::InvalidMethod => "invalid method",
            ErrorKind::InvalidTarget => "invalid request target",
            ErrorKind::TargetFormMismatch => "request target form does not fit the method",
            ErrorKind::UnsupportedVersion => "unsupported HTTP version",
            ErrorKind::InvalidStatus => "invalid status line",
            ErrorKind::InvalidHeaderName => "invalid header name",
            ErrorKind::InvalidHeaderValue => "invalid header value",
            ErrorKind::ObsoleteLineFolding => "obsolete line folding",
            ErrorKind::InvalidLine => "invalid line ending",
            ErrorKind::InvalidHost => "missing, duplicated or invalid Host header",
            ErrorKind::InvalidContentLength => "invalid Content-Length",
            ErrorKind::ContentLengthWithTransferEncoding => "both Content-Length and Transfer-Encoding",
            ErrorKind::TransferEncodingNotChunked => "request Transfer-Encoding does not end in chunked",
            ErrorKind::UnsupportedTransferCoding => "unsupported transfer coding",
            ErrorKind::InvalidChunkSize => "invalid chunk size",
            ErrorKind::InvalidChunkExtension => "invalid chunk extension",
            ErrorKind::InvalidChunkTerminator => "invalid chunk terminator",
            ErrorKind::InvalidTrailer => "invalid trailer section",
            ErrorKind::HeadersTooLarge => "header section too large",
            ErrorKind::TooManyHeaders => "too many header fields",
            ErrorKind::UriTooLong => "request target too long",
            ErrorKind::ChunkExtensionTooLong => "chunk extension too long",
            ErrorKind::BodyTooLarge => "body too large",
            ErrorKind::UnexpectedEof => "connection ended inside a message",
        }
    }
}

/// A parse error: the rule broken and the byte offset (from the start of the message) where
/// parsing stopped. Small and `Copy`; a failed decoder keeps returning it.
///
/// ```
/// use netcore_http1::proto::{ErrorKind, Limits, RequestDecoder};
///
/// // A request smuggling attempt: both framings at once (RFC 9112 §6.1).
/// let raw = b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n";
/// let err = RequestDecoder::new(Limits::default())
///     .decode(&mut bytes::BytesMut::from(&raw[..]))
///     .unwrap_err();
/// assert_eq!(err.kind, ErrorKind::ContentLengthWithTransferEncoding);
/// assert_eq!(err.status(), 400); // what a server answers
/// println!("{err}"); // the rule, the offset and llhttp's name for it
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseError {
    /// What was wrong.
    pub kind: ErrorKind,
    /// Where, counted from the first byte of the message.
    pub offset: usize,
}

impl ParseError {
    /// An error of `kind` at `offset`.
    pub fn new(kind: ErrorKind, offset: usize) -> Self {
        Self { kind, offset }
    }

    /// The status code a server answers with.
    pub fn status(&self) -> u16 {
        self.kind.status()
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {} ({})", self.kind.describe(), self.offset, self.kind.code())
    }
}

impl std::error::Error for ParseError {}
