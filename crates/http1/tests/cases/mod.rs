//! The table of request-smuggling and edge cases, each with the RFC section it comes from:
//! shared by the codec's tests (`smuggling.rs`) and the server's (`server.rs`), which sends every
//! rejected case to a live server and checks the status it answers with.
#![allow(dead_code)]

pub use netcore_http1::proto::ErrorKind;

pub use netcore_http1::proto::ErrorKind as K;
pub use Expect::{Messages, Reject};

pub enum Expect {
    /// Each message as "METHOD target body", then "UPGRADE" if the decoder handed the rest over.
    Messages(&'static [&'static str]),
    /// Rejected with one of these kinds.
    Reject(&'static [ErrorKind]),
}

pub const CHUNK_FRAMING: &[ErrorKind] =
    &[K::InvalidChunkSize, K::InvalidChunkExtension, K::InvalidChunkTerminator, K::InvalidTrailer];

pub struct Case {
    pub name: &'static str,
    pub rfc: &'static str,
    pub raw: &'static str,
    pub expect: Expect,
}

pub const CASES: &[Case] = &[
    // ----- accepted -----
    Case { name: "simple GET", rfc: "9112 §3", raw: "GET / HTTP/1.1\r\nHost: a\r\n\r\n", expect: Messages(&["GET / "]) },
    Case { name: "content-length body", rfc: "9112 §6.2", raw: "POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello", expect: Messages(&["POST /p hello"]) },
    Case { name: "chunked body", rfc: "9112 §7.1", raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", expect: Messages(&["POST / hello world"]) },
    Case { name: "chunk extension", rfc: "9112 §7.1.1", raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;name=value\r\nhello\r\n0\r\n\r\n", expect: Messages(&["POST / hello"]) },
    Case { name: "quoted chunk extension", rfc: "9112 §7.1.1", raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;n=\"a b\"\r\nhello\r\n0\r\n\r\n", expect: Messages(&["POST / hello"]) },
    Case { name: "trailers", rfc: "9112 §7.1.2", raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\nX-Sum: 1\r\n\r\n", expect: Messages(&["POST / hi trailers=X-Sum"]) },
    Case { name: "pipelined requests", rfc: "9112 §9.3.2", raw: "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n", expect: Messages(&["GET /1 ", "GET /2 "]) },
    Case { name: "identical content-length list", rfc: "9112 §6.3 item 5", raw: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2, 2\r\n\r\nhi", expect: Messages(&["POST / hi"]) },
    Case { name: "identical content-length fields", rfc: "9110 §8.6", raw: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nhi", expect: Messages(&["POST / hi"]) },
    Case { name: "HTTP/1.0 keep-alive", rfc: "9112 §9.3", raw: "GET /1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /2 HTTP/1.0\r\n\r\n", expect: Messages(&["GET /1 ", "GET /2 "]) },
    Case { name: "HTTP/1.0 closes: next bytes never parsed", rfc: "9112 §9.3", raw: "GET /1 HTTP/1.0\r\n\r\nGET /smuggled HTTP/1.0\r\n\r\n", expect: Messages(&["GET /1 "]) },
    Case { name: "Connection: close ends parsing", rfc: "9112 §9.6", raw: "GET /1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n", expect: Messages(&["GET /1 "]) },
    Case { name: "gzip then chunked", rfc: "9112 §6.1", raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n", expect: Messages(&["POST / hi"]) },
    Case { name: "coding names are case-insensitive", rfc: "9112 §7", raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: CHUNKED\r\n\r\n2\r\nhi\r\n0\r\n\r\n", expect: Messages(&["POST / hi"]) },
    Case { name: "OPTIONS asterisk", rfc: "9112 §3.2.4", raw: "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", expect: Messages(&["OPTIONS * "]) },
    Case { name: "CONNECT hands the rest over", rfc: "9112 §3.2.3", raw: "CONNECT a.example:443 HTTP/1.1\r\nHost: a.example:443\r\n\r\nTLS-BYTES", expect: Messages(&["CONNECT a.example:443 ", "UPGRADE rest=TLS-BYTES"]) },
    Case { name: "upgrade hands the rest over", rfc: "9110 §7.8", raw: "GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n\x01\x00", expect: Messages(&["GET /ws ", "UPGRADE rest=\u{1}\u{0}"]) },
    Case { name: "absolute-form", rfc: "9112 §3.2.2", raw: "GET http://a.example/x HTTP/1.1\r\nHost: a.example\r\n\r\n", expect: Messages(&["GET http://a.example/x "]) },
    Case { name: "expect 100-continue is reported", rfc: "9110 §10.1.1", raw: "POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi", expect: Messages(&["POST / hi continue"]) },
    Case { name: "chunk size with leading zeros", rfc: "9112 §7.1", raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0002\r\nhi\r\n0\r\n\r\n", expect: Messages(&["POST / hi"]) },
    Case { name: "empty Host", rfc: "9112 §3.2", raw: "GET / HTTP/1.1\r\nHost:\r\n\r\n", expect: Messages(&["GET / "]) },
    Case { name: "obs-text in a value", rfc: "9110 §5.5", raw: "GET / HTTP/1.1\r\nHost: a\r\nX: caf\u{e9}\r\n\r\n", expect: Messages(&["GET / "]) },
    Case { name: "tab in a value", rfc: "9110 §5.5", raw: "GET / HTTP/1.1\r\nHost: a\r\nX: a\tb\r\n\r\n", expect: Messages(&["GET / "]) },
    Case { name: "content-length zero", rfc: "9112 §6.2", raw: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n", expect: Messages(&["POST / ", "GET /2 "]) },
    // ----- framing: smuggling (RFC 9112 §6.1, §6.3, §11.2) -----
    Case { name: "content-length and transfer-encoding", rfc: "9112 §6.1, §11.2", raw: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", expect: Reject(&[K::ContentLengthWithTransferEncoding]) },
    Case { name: "transfer-encoding then content-length", rfc: "9112 §6.1, §11.2", raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n", expect: Reject(&[K::ContentLengthWithTransferEncoding]) },
    Case { name: "differing content-length list", rfc: "9112 §6.3 item 5", raw: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 6\r\n\r\nhello", expect: Reject(&[K::InvalidContentLength]) },
    Case { name: "differing content-length fields", rfc: "9112 §6.3 item 5", raw: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello", expect: Reject(&[K::InvalidContentLength]) },
    Case { name: "content-length with a sign", rfc: "9110 §8.6", raw: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\nhello", expect: Reject(&[K::InvalidContentLength]) },
    Case { name: "negative content-length", rfc: "9110 §8.6", raw: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", expect: Reject(&[K::InvalidContentLength]) },
    Case { name: "content-length with inner space", rfc: "9110 §8.6", raw: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1 2\r\n\r\n", expect: Reject(&[K::InvalidContentLength]) },
    Case { name: "hex content-length", rfc: "9110 §8.6", raw: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x5\r\n\r\n", expect: Reject(&[K::InvalidContentLength]) },
    Case { name: "empty content-length", rfc: "9110 §8.6", raw: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n", expect: Reject(&[K::InvalidContentLength]) },
    Case { name: "content-length overflow", rfc: "9110 §8.6", raw: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n", expect: Reject(&[K::InvalidContentLength]) },
    Case { name: "final coding not chunked", rfc: "9112 §6.3 item 4", raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", expect: Reject(&[K::TransferEncodingNotChunked]) },
    Case { name: "gzip only", rfc: "9112 §6.3 item 4", raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", expect: Reject(&[K::TransferEncodingNotChunked]) },
    Case { name: "chunked twice", rfc: "9112 §6.1", raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n", expect: Reject(&[K::TransferEncodingNotChunked]) },
    Case { name: "chunked in two fields twice", rfc: "9112 §6.1", raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", expect: Reject(&[K::TransferEncodingNotChunked]) },
    Case { name: "unknown coding (501)", rfc: "9112 §6.1", raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: foo, chunked\r\n\r\n0\r\n\r\n", expect: Reject(&[K::UnsupportedTransferCoding]) },
    Case { name: "transfer-encoding in HTTP/1.0", rfc: "9112 §6.1", raw: "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", expect: Reject(&[K::TransferEncodingNotChunked]) },
    Case { name: "empty transfer-encoding", rfc: "9112 §6.1", raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n\r\n", expect: Reject(&[K::UnsupportedTransferCoding]) },
    // ----- field syntax (RFC 9112 §5, RFC 9110 §5.5) -----
    Case { name: "obsolete line folding", rfc: "9112 §5.2", raw: "GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n 2\r\n\r\n", expect: Reject(&[K::ObsoleteLineFolding]) },
    Case { name: "folded transfer-encoding", rfc: "9112 §5.2", raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n chunked\r\n\r\n", expect: Reject(&[K::ObsoleteLineFolding]) },
    Case { name: "space before colon", rfc: "9112 §5.1", raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n", expect: Reject(&[K::InvalidHeaderName]) },
    Case { name: "tab before colon", rfc: "9112 §5.1", raw: "GET / HTTP/1.1\r\nHost\t: a\r\n\r\n", expect: Reject(&[K::InvalidHeaderName]) },
    Case { name: "bare CR in a value", rfc: "9112 §2.2", raw: "GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n", expect: Reject(&[K::InvalidHeaderValue]) },
    Case { name: "NUL in a value", rfc: "9110 §5.5", raw: "GET / HTTP/1.1\r\nHost: a\r\nX: a\0b\r\n\r\n", expect: Reject(&[K::InvalidHeaderValue]) },
    Case { name: "DEL in a value", rfc: "9110 §5.5", raw: "GET / HTTP/1.1\r\nHost: a\r\nX: a\x7fb\r\n\r\n", expect: Reject(&[K::InvalidHeaderValue]) },
    Case { name: "control character in a value", rfc: "9110 §5.5", raw: "GET / HTTP/1.1\r\nHost: a\r\nX: a\x01b\r\n\r\n", expect: Reject(&[K::InvalidHeaderValue]) },
    Case { name: "delimiter in a name", rfc: "9110 §5.1", raw: "GET / HTTP/1.1\r\nHost: a\r\nX(Y): 1\r\n\r\n", expect: Reject(&[K::InvalidHeaderName]) },
    Case { name: "empty name", rfc: "9110 §5.1", raw: "GET / HTTP/1.1\r\nHost: a\r\n: 1\r\n\r\n", expect: Reject(&[K::InvalidHeaderName]) },
    // ----- request line and target (RFC 9112 §3) -----
    Case { name: "invalid method token", rfc: "9110 §9.1", raw: "G@T / HTTP/1.1\r\nHost: a\r\n\r\n", expect: Reject(&[K::InvalidMethod]) },
    Case { name: "space in the target", rfc: "9112 §3.2", raw: "GET /a b HTTP/1.1\r\nHost: a\r\n\r\n", expect: Reject(&[K::InvalidLine, K::UnsupportedVersion, K::InvalidTarget]) },
    Case { name: "unsupported version (505)", rfc: "9112 §2.3", raw: "GET / HTTP/2.0\r\nHost: a\r\n\r\n", expect: Reject(&[K::UnsupportedVersion]) },
    Case { name: "malformed version", rfc: "9112 §2.3", raw: "GET / HTTP/1.x\r\nHost: a\r\n\r\n", expect: Reject(&[K::InvalidLine]) },
    Case { name: "missing Host", rfc: "9112 §3.2", raw: "GET / HTTP/1.1\r\n\r\n", expect: Reject(&[K::InvalidHost]) },
    Case { name: "duplicated Host", rfc: "9112 §3.2", raw: "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", expect: Reject(&[K::InvalidHost]) },
    Case { name: "malformed Host", rfc: "9112 §3.2", raw: "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", expect: Reject(&[K::InvalidHost]) },
    Case { name: "CONNECT with origin-form", rfc: "9112 §3.2.3", raw: "CONNECT /x HTTP/1.1\r\nHost: a\r\n\r\n", expect: Reject(&[K::TargetFormMismatch]) },
    Case { name: "GET with authority-form", rfc: "9112 §3.2.3", raw: "GET a.example:443 HTTP/1.1\r\nHost: a\r\n\r\n", expect: Reject(&[K::TargetFormMismatch]) },
    Case { name: "asterisk with GET", rfc: "9112 §3.2.4", raw: "GET * HTTP/1.1\r\nHost: a\r\n\r\n", expect: Reject(&[K::TargetFormMismatch]) },
    // ----- chunked framing (RFC 9112 §7.1) -----
    Case { name: "non-hex chunk size", rfc: "9112 §7.1", raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n", expect: Reject(CHUNK_FRAMING) },
    Case { name: "empty chunk-size line", rfc: "9112 §7.1", raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n\r\nhello\r\n0\r\n\r\n", expect: Reject(CHUNK_FRAMING) },
    Case { name: "signed chunk size", rfc: "9112 §7.1", raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n+5\r\nhello\r\n0\r\n\r\n", expect: Reject(CHUNK_FRAMING) },
    Case { name: "0x chunk size", rfc: "9112 §7.1", raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n", expect: Reject(CHUNK_FRAMING) },
    Case { name: "chunk size overflow", rfc: "9112 §7.1", raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff1\r\n", expect: Reject(CHUNK_FRAMING) },
    Case { name: "bare LF after chunk size", rfc: "9112 §7.1", raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n", expect: Reject(CHUNK_FRAMING) },
    Case { name: "bare LF in a chunk extension", rfc: "9112 §7.1.1", raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;a\nb\r\nhello\r\n0\r\n\r\n", expect: Reject(CHUNK_FRAMING) },
    Case { name: "missing CRLF after chunk data", rfc: "9112 §7.1", raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloX\r\n0\r\n\r\n", expect: Reject(CHUNK_FRAMING) },
    Case { name: "space before chunk size", rfc: "9112 §7.1", raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n 5\r\nhello\r\n0\r\n\r\n", expect: Reject(CHUNK_FRAMING) },
    Case { name: "obs-fold in trailers", rfc: "9112 §7.1.2", raw: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: 1\r\n 2\r\n\r\n", expect: Reject(&[K::InvalidTrailer, K::ObsoleteLineFolding]) },
];
