//! Request smuggling and edge cases, each with the RFC section it comes from. Every case runs the
//! raw bytes through [`RequestDecoder`] and checks the messages it yields or the rule it reports
//! (and so the status code). Where llhttp (Node's parser) differs, the comment says why the RFC
//! decides.
#![allow(clippy::unwrap_used)]

use bytes::BytesMut;
use netcore_http1::proto::{ErrorKind, Limits, ParseError, RequestDecoder, RequestEvent};

enum Expect {
    /// Each message as "METHOD target body", then "UPGRADE" if the decoder handed the rest over.
    Messages(&'static [&'static str]),
    /// Rejected with one of these kinds.
    Reject(&'static [ErrorKind]),
}

use ErrorKind as K;
use Expect::{Messages, Reject};

const CHUNK_FRAMING: &[ErrorKind] =
    &[K::InvalidChunkSize, K::InvalidChunkExtension, K::InvalidChunkTerminator, K::InvalidTrailer];

struct Case {
    name: &'static str,
    rfc: &'static str,
    raw: &'static str,
    expect: Expect,
}

const CASES: &[Case] = &[
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

fn limits() -> Limits {
    Limits::default()
}

fn run(raw: &[u8], limits: Limits) -> Result<Vec<String>, ErrorKind> {
    let mut dec = RequestDecoder::new(limits);
    let mut buf = BytesMut::from(raw);
    let mut out = Vec::new();
    let mut current = String::new();
    loop {
        match dec.decode(&mut buf) {
            Ok(None) => break,
            Ok(Some(RequestEvent::Head(h))) => {
                current = format!("{} {} ", h.method(), h.target());
                if dec.info().is_some_and(|i| i.expects_continue) {
                    current.push_str("\0continue");
                }
            }
            Ok(Some(RequestEvent::Data(d))) => {
                current.insert_str(current.find('\0').unwrap_or(current.len()), &String::from_utf8_lossy(&d))
            }
            Ok(Some(RequestEvent::Trailers(t))) => {
                let names: Vec<_> = t.iter().map(|(n, _)| n.to_string()).collect();
                current.push_str(&format!(" trailers={}", names.join(",")));
            }
            Ok(Some(RequestEvent::End)) => out.push(std::mem::take(&mut current).replace('\0', " ")),
            Ok(Some(RequestEvent::Upgrade)) => {
                out.push(format!("UPGRADE rest={}", buf.iter().map(|b| char::from(*b)).collect::<String>()));
                break;
            }
            Err(e) => {
                // A failed decoder stays failed.
                assert_eq!(dec.decode(&mut buf).unwrap_err(), e);
                return Err(e.kind);
            }
        }
    }
    Ok(out)
}

#[test]
fn smuggling_and_edge_cases() {
    assert!(CASES.len() >= 60, "{} cases", CASES.len());
    let limits = limits();
    let mut failures = Vec::new();
    for case in CASES {
        let got = run(case.raw.as_bytes(), limits);
        let ok = match (&case.expect, &got) {
            (Messages(want), Ok(msgs)) => want.iter().map(|s| s.to_string()).collect::<Vec<_>>() == *msgs,
            (Reject(kinds), Err(kind)) => kinds.contains(kind),
            _ => false,
        };
        if !ok {
            failures.push(format!("{} (RFC {}): got {got:?}", case.name, case.rfc));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n")
    );
}

#[test]
fn every_case_gives_the_same_result_under_any_split() {
    for case in CASES {
        let raw = case.raw.as_bytes();
        let whole = run(raw, limits());
        for at in 0..=raw.len() {
            let err = feed_requests(&[&raw[..at], &raw[at..]]).1.map(|e| e.kind);
            match (&whole, err) {
                (Err(k), Some(e)) => assert_eq!(*k, e, "{} split at {at}", case.name),
                (Ok(_), None) => {}
                (w, e) => panic!("{} split at {at}: whole {w:?}, split error {e:?}", case.name),
            }
        }
    }
}

/// Feeds `parts` one after another into a request decoder: the events it yields (summarised)
/// and the error it stops with, if any. An upgrade ends the HTTP part of the stream.
fn feed_requests(parts: &[&[u8]]) -> (Vec<String>, Option<ParseError>) {
    feed_requests_with(limits(), parts)
}

fn feed_requests_with(limits: Limits, parts: &[&[u8]]) -> (Vec<String>, Option<ParseError>) {
    let mut dec = RequestDecoder::new(limits);
    let mut buf = BytesMut::new();
    let mut events = Vec::new();
    for part in parts {
        buf.extend_from_slice(part);
        loop {
            match dec.decode(&mut buf) {
                Ok(Some(RequestEvent::Upgrade)) => {
                    events.push("UPGRADE".to_string());
                    return (events, None);
                }
                Ok(Some(ev)) => events.push(summary(&ev)),
                Ok(None) => break,
                Err(e) => return (events, Some(e)),
            }
        }
    }
    (events, None)
}

fn summary(ev: &RequestEvent) -> String {
    match ev {
        RequestEvent::Head(h) => format!("head {} {}", h.method(), h.target()),
        RequestEvent::Data(d) => format!("data {}", d.len()),
        RequestEvent::Trailers(t) => format!("trailers {}", t.len()),
        RequestEvent::End => "end".into(),
        RequestEvent::Upgrade => "upgrade".into(),
    }
}

#[test]
fn a_body_over_the_limit_is_413_before_any_byte_of_it() {
    let mut l = Limits::default();
    l.max_body_size = Some(1_000_000);
    let raw = b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1000001\r\n\r\n";
    assert_eq!(run(raw, l), Err(K::BodyTooLarge));
    let raw = b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1000000\r\n\r\n";
    assert_eq!(run(raw, l), Ok(vec![]), "at the limit: accepted, waiting for the body");
}

#[test]
fn status_codes_follow_the_rule_broken() {
    assert_eq!(K::ContentLengthWithTransferEncoding.status(), 400);
    assert_eq!(K::UnsupportedTransferCoding.status(), 501);
    assert_eq!(K::UnsupportedVersion.status(), 505);
    assert_eq!(K::HeadersTooLarge.status(), 431);
    assert_eq!(K::UriTooLong.status(), 414);
    assert_eq!(K::BodyTooLarge.status(), 413);
}

/// The limits `fuzz/fuzz_targets/http1_request.rs` runs with: small, so inputs of a few KiB reach
/// them; the flags byte picks a body limit (bit 0) and a 4-field limit (bit 1).
fn fuzz_limits(flags: u8) -> Limits {
    let mut limits = Limits::default();
    limits.max_header_size = 4096;
    limits.max_headers = if flags & 2 != 0 { 4 } else { 32 };
    limits.max_url_length = 1024;
    limits.max_chunk_extension = 64;
    limits.max_body_size = (flags & 1 != 0).then_some(4096);
    limits
}

/// Inputs the fuzzer found (`fuzz/fuzz_targets/http1_request.rs`), kept as regressions and replayed
/// with the fuzzer's limits: the error, offset included, must not depend on where the input was
/// split (an invalid CR in the request line once reported the end of whatever had arrived so far;
/// a target over the limit once reported it at the end of what had arrived, or lost to a bad byte
/// further on when the input came whole).
#[test]
fn fuzz_regressions_give_the_same_error_under_any_split() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if !path.file_name().unwrap().to_string_lossy().starts_with("fuzz-request-") {
            continue;
        }
        seen += 1;
        // A fuzzer input: a flags byte and a split point (u8, u16), then the bytes themselves.
        let file = std::fs::read(&path).unwrap();
        let raw = &file[3.min(file.len())..];
        let limits = fuzz_limits(file.first().copied().unwrap_or(0));
        let whole = feed_requests_with(limits, &[raw]);
        for at in 0..=raw.len() {
            let split = feed_requests_with(limits, &[&raw[..at], &raw[at..]]);
            assert_eq!(split, whole, "{} split at {at}", path.display());
        }
    }
    assert!(seen >= 3);
}

/// The same for the response decoder's fuzz finding (a status-line error's offset once depended
/// on how much of the line had arrived).
#[test]
fn response_fuzz_regressions_give_the_same_error_under_any_split() {
    use netcore_http1::proto::ResponseDecoder;
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if !path.file_name().unwrap().to_string_lossy().starts_with("fuzz-response-") {
            continue;
        }
        seen += 1;
        let file = std::fs::read(&path).unwrap();
        let raw = &file[3.min(file.len())..];
        let outcome = |parts: [&[u8]; 2]| {
            let mut dec = ResponseDecoder::new(Limits::default());
            dec.expect("GET");
            let mut buf = BytesMut::new();
            let mut events = Vec::new();
            for part in parts {
                buf.extend_from_slice(part);
                loop {
                    match dec.decode(&mut buf) {
                        Ok(Some(ev)) => events.push(format!("{ev:?}")),
                        Ok(None) => break,
                        Err(e) => return (events, Some(e)),
                    }
                }
            }
            (events, None)
        };
        let whole = outcome([raw, &[]]);
        for at in 0..=raw.len() {
            assert_eq!(outcome([&raw[..at], &raw[at..]]), whole, "{} split at {at}", path.display());
        }
    }
    assert!(seen >= 1);
}
