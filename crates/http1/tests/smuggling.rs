//! Request smuggling and edge cases, each with the RFC section it comes from. Every case runs the
//! raw bytes through [`RequestDecoder`] and checks the messages it yields or the rule it reports
//! (and so the status code). Where llhttp (Node's parser) differs, the comment says why the RFC
//! decides.
#![allow(clippy::unwrap_used)]

use bytes::BytesMut;
use netcore_http1::proto::{ErrorKind, Limits, ParseError, RequestDecoder, RequestEvent};

mod cases;

use cases::{Messages, Reject, CASES, K};

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
