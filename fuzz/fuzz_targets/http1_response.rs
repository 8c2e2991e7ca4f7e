//! The response decoder never panics, keeps at most one header section buffered between reads,
//! stays failed after an error, and gives the same events (body data joined up), the same error
//! and the same leftover bytes whether the input arrives whole or split at a point the fuzzer
//! picks.
//!
//! Input: one byte of flags (bits 0-5: the methods of three requests sent, from GET, HEAD,
//! CONNECT, POST; bit 6: a 4 KiB body limit; bit 7: at most 4 header fields), a little-endian
//! `u16` split point, then the bytes of the connection.
#![no_main]
use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use netcore_http1::proto::{
    BodyKind, Headers, Limits, MessageInfo, ParseError, ResponseDecoder, ResponseEvent, ResponseHead,
};

const METHODS: [&str; 4] = ["GET", "HEAD", "CONNECT", "POST"];

/// Small limits, so that inputs of a few KiB reach every one of them.
fn limits(flags: u8) -> Limits {
    let mut limits = Limits::default();
    limits.max_header_size = 4096;
    limits.max_headers = if flags & 0x80 != 0 { 4 } else { 32 };
    limits.max_url_length = 1024;
    limits.max_chunk_extension = 64;
    limits.max_body_size = (flags & 0x40 != 0).then_some(4096);
    limits
}

#[derive(Debug, PartialEq)]
enum Event {
    Informational(ResponseHead),
    Head(ResponseHead, MessageInfo),
    Data(Vec<u8>),
    Trailers(Headers),
    End,
    Upgrade,
    Error(ParseError),
    Eof(Result<Option<ResponseEvent>, ParseError>),
    /// What was left in the buffer (after Upgrade or a closing message: the bytes not parsed).
    Rest(Vec<u8>),
}

fn run(flags: u8, limits: Limits, parts: &[&[u8]]) -> Vec<Event> {
    let mut decoder = ResponseDecoder::new(limits);
    for i in 0..3 {
        decoder.expect(METHODS[usize::from(flags >> (2 * i)) & 3]);
    }
    let mut buf = BytesMut::new();
    let mut events = Vec::new();
    let mut upgraded = false;
    let mut body_seen = 0u64;
    for part in parts {
        buf.extend_from_slice(part);
        loop {
            match decoder.decode(&mut buf) {
                Ok(None) => break,
                Ok(Some(ResponseEvent::Informational(head))) => {
                    assert!((100..200).contains(&head.status()) && head.status() != 101);
                    events.push(Event::Informational(head));
                }
                Ok(Some(ResponseEvent::Head(head))) => {
                    let info = *decoder.info().expect("a head sets the message info");
                    body_seen = 0;
                    events.push(Event::Head(head, info));
                }
                Ok(Some(ResponseEvent::Data(data))) => {
                    assert!(!data.is_empty(), "empty data event");
                    body_seen += data.len() as u64;
                    // Data events are cut where reads end: join them up.
                    match events.last_mut() {
                        Some(Event::Data(prev)) => prev.extend_from_slice(&data),
                        _ => events.push(Event::Data(data.to_vec())),
                    }
                }
                Ok(Some(ResponseEvent::Trailers(trailers))) => {
                    assert!(trailers.len() <= limits.max_headers);
                    events.push(Event::Trailers(trailers));
                }
                Ok(Some(ResponseEvent::End)) => {
                    match decoder.info().map(|i| i.body) {
                        Some(BodyKind::Length(n)) => assert_eq!(body_seen, n, "Content-Length body"),
                        Some(BodyKind::Empty) => assert_eq!(body_seen, 0, "empty body"),
                        _ => {}
                    }
                    events.push(Event::End);
                }
                Ok(Some(ResponseEvent::Upgrade)) => {
                    upgraded = true;
                    events.push(Event::Upgrade);
                }
                Err(e) => {
                    assert_eq!(decoder.decode(&mut buf), Err(e), "a failed decoder stays failed");
                    assert_eq!(decoder.decode_eof(), Err(e), "a failed decoder stays failed");
                    assert!(decoder.is_closed());
                    events.push(Event::Error(e));
                    return events;
                }
            }
        }
        // Bounded memory: while it still parses, the decoder leaves less than one header section
        // in the buffer, so the caller holds at most that plus one read.
        if !upgraded && !decoder.is_closed() {
            assert!(buf.len() <= limits.max_header_size, "{} bytes buffered", buf.len());
        }
    }
    events.push(Event::Eof(decoder.decode_eof()));
    events.push(Event::Rest(buf.to_vec()));
    events
}

fuzz_target!(|input: (u8, u16, &[u8])| {
    let (flags, split, data) = input;
    let limits = limits(flags);
    let at = usize::from(split) % (data.len() + 1);
    let whole = run(flags, limits, &[data]);
    let split = run(flags, limits, &[&data[..at], &data[at..]]);
    assert_eq!(whole, split, "split at {at}");
});
