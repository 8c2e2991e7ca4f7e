//! Limits on everything the peer controls, with Node's defaults.

/// Node's `maxHeaderSize`: the whole header section, request line included (16 KiB).
pub const DEFAULT_MAX_HEADER_SIZE: usize = 16 * 1024;
/// Header fields per message (Node's `maxHeadersCount` is 2000; 100 is httparse's practical
/// stack array and more than any real client sends).
pub const DEFAULT_MAX_HEADERS: usize = 100;
/// The request target's length (8 KiB, the limit most servers apply; beyond: 414).
pub const DEFAULT_MAX_URL_LENGTH: usize = 8 * 1024;
/// One chunk's extensions (Node 20 bounds them at 16 KiB; beyond: 400).
pub const DEFAULT_MAX_CHUNK_EXTENSION: usize = 16 * 1024;

/// Limits for one decoder. Each field's default is Node's (or the documented constant).
///
/// ```
/// use bytes::BytesMut;
/// use netcore_http1::proto::{ErrorKind, Limits, RequestDecoder};
///
/// let mut limits = Limits::default();
/// limits.max_url_length = 16; // a server for short paths only
/// let mut decoder = RequestDecoder::new(limits);
/// let mut buf = BytesMut::from(&b"GET /a/very/long/path/indeed HTTP/1.1\r\nHost: a\r\n\r\n"[..]);
/// let err = decoder.decode(&mut buf).unwrap_err();
/// assert_eq!((err.kind, err.status()), (ErrorKind::UriTooLong, 414));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Bytes in the header section, start line included (default [`DEFAULT_MAX_HEADER_SIZE`]);
    /// beyond it: 431. Trailers count against it too. Values above `u32::MAX` act as `u32::MAX`.
    pub max_header_size: usize,
    /// Header fields in one section (default [`DEFAULT_MAX_HEADERS`]); beyond it: 431.
    pub max_headers: usize,
    /// Bytes in the request target (default [`DEFAULT_MAX_URL_LENGTH`]); beyond it: 414.
    pub max_url_length: usize,
    /// Bytes of extensions on one chunk-size line (default [`DEFAULT_MAX_CHUNK_EXTENSION`]).
    pub max_chunk_extension: usize,
    /// Bytes in one body (default: no limit); beyond it: 413.
    pub max_body_size: Option<u64>,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_header_size: DEFAULT_MAX_HEADER_SIZE,
            max_headers: DEFAULT_MAX_HEADERS,
            max_url_length: DEFAULT_MAX_URL_LENGTH,
            max_chunk_extension: DEFAULT_MAX_CHUNK_EXTENSION,
            max_body_size: None,
        }
    }
}
