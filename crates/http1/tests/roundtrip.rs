//! Properties over the whole codec: any request or response our serializer writes is decoded
//! back to the same message (method/status, target, headers in order and case, body, trailers),
//! and splitting the bytes anywhere, into any number of pieces, yields the same events.
#![allow(clippy::unwrap_used)]

use bytes::BytesMut;
use netcore_http1::proto::encode::{write_request_head, write_response_head, BodyLength};
use netcore_http1::proto::{
    ChunkedEncoder, Limits, RequestDecoder, RequestEvent, ResponseDecoder, ResponseEvent,
};
use proptest::prelude::*;

#[derive(Debug, Clone, PartialEq, Eq)]
struct Message {
    start: String,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
    trailers: Vec<(String, Vec<u8>)>,
}

fn name() -> impl Strategy<Value = String> {
    "[A-Za-z][A-Za-z0-9-]{0,12}".prop_filter("reserved framing fields", |n| {
        !["host", "content-length", "transfer-encoding", "connection", "expect", "upgrade", "trailer", "date"]
            .contains(&n.to_ascii_lowercase().as_str())
    })
}

fn value() -> impl Strategy<Value = Vec<u8>> {
    // Visible ASCII and obs-text, inner spaces and tabs; no leading/trailing whitespace (a
    // receiver strips it, RFC 9110 §5.5).
    proptest::collection::vec(prop_oneof![0x21u8..=0x7e, 0x80u8..=0xff, Just(b' '), Just(b'\t')], 0..24)
        .prop_map(|mut v| {
            while v.first().is_some_and(|b| *b == b' ' || *b == b'\t') {
                v.remove(0);
            }
            while v.last().is_some_and(|b| *b == b' ' || *b == b'\t') {
                v.pop();
            }
            v
        })
}

fn fields(max: usize) -> impl Strategy<Value = Vec<(String, Vec<u8>)>> {
    proptest::collection::vec((name(), value()), 0..max)
}

/// (chunked?, body split into chunks)
fn body() -> impl Strategy<Value = (bool, Vec<Vec<u8>>)> {
    (any::<bool>(), proptest::collection::vec(proptest::collection::vec(any::<u8>(), 1..300), 0..5))
}

fn encode_body(out: &mut Vec<u8>, chunked: bool, chunks: &[Vec<u8>], trailers: &[(String, Vec<u8>)]) {
    if chunked {
        let mut enc = ChunkedEncoder::new();
        for c in chunks {
            enc.encode_chunk(c, out);
        }
        let t: Vec<(&str, &[u8])> = trailers.iter().map(|(n, v)| (n.as_str(), v.as_slice())).collect();
        enc.encode_end(&t, out).unwrap();
    } else {
        for c in chunks {
            out.extend_from_slice(c);
        }
    }
}

fn pieces(raw: &[u8], cuts: &[usize]) -> Vec<Vec<u8>> {
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (raw.len() + 1)).collect();
    points.sort_unstable();
    let mut out = Vec::new();
    let mut last = 0;
    for p in points.into_iter().chain([raw.len()]) {
        out.push(raw[last..p].to_vec());
        last = p;
    }
    out
}

/// Decodes `parts` as a server reads them. With `from_input`, as our server does: while nothing
/// is buffered, a head is taken straight from the part just read (`decode_head`) and only the
/// rest is buffered; the events must be the same either way.
fn decode_requests(parts: &[Vec<u8>], from_input: bool) -> Vec<Message> {
    let mut dec = RequestDecoder::new(Limits::default());
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    let mut cur: Option<Message> = None;
    for part in parts {
        let mut input = &part[..];
        loop {
            let mut event = None;
            if from_input && buf.is_empty() && !input.is_empty() {
                if let Some((used, head)) = dec.decode_head(input).unwrap() {
                    input = &input[used..];
                    event = Some(RequestEvent::Head(head));
                }
            }
            if event.is_none() {
                buf.extend_from_slice(input);
                input = &[];
                event = dec.decode(&mut buf).unwrap();
            }
            let Some(ev) = event else { break };
            match ev {
                RequestEvent::Head(h) => {
                    cur = Some(Message {
                        start: format!("{} {}", h.method(), h.target()),
                        headers: h.headers().iter().map(|(n, v)| (n.to_string(), v.to_vec())).collect(),
                        body: Vec::new(),
                        trailers: Vec::new(),
                    })
                }
                RequestEvent::Data(d) => cur.as_mut().unwrap().body.extend_from_slice(&d),
                RequestEvent::Trailers(t) => {
                    cur.as_mut().unwrap().trailers =
                        t.iter().map(|(n, v)| (n.to_string(), v.to_vec())).collect()
                }
                RequestEvent::End => out.push(cur.take().unwrap()),
                RequestEvent::Upgrade => unreachable!(),
            }
        }
    }
    out
}

fn decode_responses(parts: &[Vec<u8>], count: usize) -> Vec<Message> {
    let mut dec = ResponseDecoder::new(Limits::default());
    for _ in 0..count {
        dec.expect("GET");
    }
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    let mut cur: Option<Message> = None;
    for part in parts {
        buf.extend_from_slice(part);
        while let Some(ev) = dec.decode(&mut buf).unwrap() {
            match ev {
                ResponseEvent::Head(h) => {
                    cur = Some(Message {
                        start: format!("{} {}", h.status(), h.reason()),
                        headers: h.headers().iter().map(|(n, v)| (n.to_string(), v.to_vec())).collect(),
                        body: Vec::new(),
                        trailers: Vec::new(),
                    })
                }
                ResponseEvent::Data(d) => cur.as_mut().unwrap().body.extend_from_slice(&d),
                ResponseEvent::Trailers(t) => {
                    cur.as_mut().unwrap().trailers =
                        t.iter().map(|(n, v)| (n.to_string(), v.to_vec())).collect()
                }
                ResponseEvent::End => out.push(cur.take().unwrap()),
                other => unreachable!("{other:?}"),
            }
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn requests_round_trip_under_any_split(
        msgs in proptest::collection::vec(
            (prop_oneof![Just("GET"), Just("POST"), Just("PUT"), Just("DELETE"), Just("PATCH")],
             "/[a-z0-9/._~-]{0,20}", fields(6), body(), fields(3)),
            1..4),
        cuts in proptest::collection::vec(any::<usize>(), 0..8),
    ) {
        let mut raw = Vec::new();
        let mut want = Vec::new();
        for (method, target, headers, (chunked, chunks), trailers) in &msgs {
            let mut all: Vec<(&str, &[u8])> = vec![("Host", b"example.com")];
            all.extend(headers.iter().map(|(n, v)| (n.as_str(), v.as_slice())));
            let len: usize = chunks.iter().map(Vec::len).sum();
            let framing = if *chunked { BodyLength::Chunked } else { BodyLength::Known(len as u64) };
            let before = raw.len();
            write_request_head(&mut raw, method, target, 1, &all, framing).unwrap();
            // What the serializer added after the user's fields (Content-Length or
            // Transfer-Encoding) is part of the message too: read it back from the bytes.
            let (_, head) = netcore_http1::proto::parse_request(&raw[before..], &Limits::default()).unwrap().unwrap();
            encode_body(&mut raw, *chunked, chunks, trailers);
            want.push(Message {
                start: format!("{method} {target}"),
                headers: head.headers().iter().map(|(n, v)| (n.to_string(), v.to_vec())).collect(),
                body: chunks.concat(),
                trailers: if *chunked { trailers.clone() } else { Vec::new() },
            });
            // The user's fields come first, in order and case.
            for (i, (n, v)) in headers.iter().enumerate() {
                prop_assert_eq!(&want.last().unwrap().headers[i + 1], &(n.clone(), v.clone()));
            }
        }
        let bytewise: Vec<Vec<u8>> = raw.iter().map(|b| vec![*b]).collect();
        for from_input in [false, true] {
            prop_assert_eq!(&decode_requests(&[raw.clone()], from_input), &want);
            prop_assert_eq!(&decode_requests(&pieces(&raw, &cuts), from_input), &want);
            prop_assert_eq!(&decode_requests(&bytewise, from_input), &want);
        }
    }

    #[test]
    fn responses_round_trip_under_any_split(
        msgs in proptest::collection::vec((200u16..=599, fields(6), body(), fields(3)), 1..4),
        cuts in proptest::collection::vec(any::<usize>(), 0..8),
    ) {
        let msgs: Vec<_> = msgs.into_iter().filter(|(s, ..)| *s != 204 && *s != 304).collect();
        let mut raw = Vec::new();
        let mut want = Vec::new();
        for (status, headers, (chunked, chunks), trailers) in &msgs {
            let all: Vec<(&str, &[u8])> = headers.iter().map(|(n, v)| (n.as_str(), v.as_slice())).collect();
            let len: usize = chunks.iter().map(Vec::len).sum();
            let framing = if *chunked { BodyLength::Chunked } else { BodyLength::Known(len as u64) };
            let before = raw.len();
            write_response_head(&mut raw, 1, *status, None, &all, framing, None, None).unwrap();
            let (_, head) = netcore_http1::proto::parse_response(&raw[before..], &Limits::default()).unwrap().unwrap();
            encode_body(&mut raw, *chunked, chunks, trailers);
            want.push(Message {
                start: format!("{} {}", status, head.reason()),
                headers: head.headers().iter().map(|(n, v)| (n.to_string(), v.to_vec())).collect(),
                body: chunks.concat(),
                trailers: if *chunked { trailers.clone() } else { Vec::new() },
            });
        }
        prop_assert_eq!(decode_responses(&[raw.clone()], msgs.len()), want.clone());
        prop_assert_eq!(decode_responses(&pieces(&raw, &cuts), msgs.len()), want);
    }
}
