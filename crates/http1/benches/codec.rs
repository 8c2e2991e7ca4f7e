//! The codec's hot paths beside their floor or ceiling in the same group.
//!
//! - "parse request": a 3-header request and a 565-byte browser request through raw
//!   `httparse::Request::parse` (the floor: a stack header array as large as our default
//!   `max_headers`, initialised on each parse, nothing kept), the same with an uninitialised array
//!   (`parse_with_uninit_headers`, the lower floor), our `parse_request` (checks, offsets, the head
//!   copied into `Bytes`), `parse_request` plus the framing decision (the target's measure), and
//!   our `RequestDecoder` (head split off a reused `BytesMut`, framing
//!   decision, keep-alive, `End`).
//! - "serialize": a hello-world response written by `write_response_head` (fields validated,
//!   `Date` from the cache, into a reused buffer), beside plain `write!` calls that validate
//!   nothing and a `memcpy` of the finished bytes (the ceiling).
//! - "chunked": a 1 MiB body in 64 KiB chunks through `ChunkedDecoder` (zero-copy ranges), the
//!   same with the data copied out, and a plain `memcpy` of the same bytes (the ceiling).
//!
//! Run with `cargo bench -p netcore-http1 --bench codec`; compare the lines of one group as
//! ratios from one run.
#![allow(clippy::unwrap_used, missing_docs)]

use std::hint::black_box;
use std::mem::MaybeUninit;
use std::time::Duration;

use bytes::BytesMut;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use netcore_http1::proto::encode::{write_response_head, BodyLength, DateCache};
use netcore_http1::proto::{
    expects_continue, keep_alive, parse_request, request_body, wants_upgrade, ChunkEvent, ChunkedDecoder,
    ChunkedEncoder, Limits, RequestDecoder, RequestEvent, DEFAULT_MAX_HEADERS,
};

/// The TechEmpower plaintext request shape.
const SMALL: &[u8] =
    b"GET /plaintext HTTP/1.1\r\nHost: localhost\r\nAccept: */*\r\nConnection: keep-alive\r\n\r\n";

/// What a desktop browser sends for a page (565 bytes, 12 fields).
const BROWSER: &[u8] = b"GET /docs/index.html?lang=en HTTP/1.1\r\n\
Host: www.example.com\r\n\
Connection: keep-alive\r\n\
sec-ch-ua: \"Chromium\";v=\"124\", \"Not-A.Brand\";v=\"99\"\r\n\
sec-ch-ua-mobile: ?0\r\n\
sec-ch-ua-platform: \"Linux\"\r\n\
Upgrade-Insecure-Requests: 1\r\n\
User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36\r\n\
Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8\r\n\
Sec-Fetch-Site: none\r\n\
Accept-Encoding: gzip, deflate, br, zstd\r\n\
Accept-Language: en-US,en;q=0.9\r\n\
Cookie: session=8f2a1c; theme=dark\r\n\
\r\n";

fn parse_request_group(c: &mut Criterion) {
    let limits = Limits::default();
    let mut group = c.benchmark_group("parse request");
    for (name, input) in [("3 headers", SMALL), ("browser", BROWSER)] {
        group.throughput(Throughput::Bytes(input.len() as u64));

        group.bench_with_input(BenchmarkId::new("httparse", name), input, |b, input| {
            b.iter(|| {
                let mut headers = [httparse::EMPTY_HEADER; DEFAULT_MAX_HEADERS];
                let mut req = httparse::Request::new(&mut headers);
                let status = req.parse(black_box(input)).unwrap();
                black_box(&req);
                status.unwrap()
            });
        });

        // The same without initialising the array first (httparse's `MaybeUninit` entry point, as
        // hyper uses it): the floor for a parser that does not pay for the array up front.
        group.bench_with_input(BenchmarkId::new("httparse uninit", name), input, |b, input| {
            b.iter(|| {
                let mut headers =
                    [const { MaybeUninit::<httparse::Header<'_>>::uninit() }; DEFAULT_MAX_HEADERS];
                let mut req = httparse::Request::new(&mut []);
                let status = req.parse_with_uninit_headers(black_box(input), &mut headers).unwrap();
                black_box(&req);
                status.unwrap()
            });
        });

        group.bench_with_input(BenchmarkId::new("parse_request", name), input, |b, input| {
            b.iter(|| parse_request(black_box(input), &limits).unwrap().unwrap());
        });

        // The target's measure: the head and the framing decision (body length, keep-alive,
        // 100-continue, upgrade), beside raw httparse above.
        group.bench_with_input(BenchmarkId::new("parse_request + framing", name), input, |b, input| {
            b.iter(|| {
                let (len, head) = parse_request(black_box(input), &limits).unwrap().unwrap();
                let body = request_body(&head, &limits).unwrap();
                let keep = keep_alive(head.version(), head.headers());
                black_box((len, &head, body, keep, expects_continue(&head), wants_upgrade(&head)));
            });
        });

        group.bench_with_input(BenchmarkId::new("RequestDecoder", name), input, |b, input| {
            let mut decoder = RequestDecoder::new(limits);
            let mut buf = BytesMut::with_capacity(4096);
            b.iter(|| {
                buf.extend_from_slice(black_box(input));
                let Some(RequestEvent::Head(head)) = decoder.decode(&mut buf).unwrap() else {
                    panic!("no head")
                };
                black_box(&head);
                let body = decoder.info().unwrap().body;
                assert_eq!(decoder.decode(&mut buf).unwrap(), Some(RequestEvent::End));
                // `head` is dropped here, so the next `extend_from_slice` reclaims the buffer.
                body
            });
        });
    }
    group.finish();
}

/// 1 MiB of body in 64 KiB chunks, chunked-encoded.
fn chunked_body() -> (Vec<u8>, usize) {
    let chunk: Vec<u8> = (0..64 * 1024).map(|i| (i % 251) as u8).collect();
    let mut encoder = ChunkedEncoder::new();
    let mut wire = Vec::new();
    for _ in 0..16 {
        encoder.encode_chunk(&chunk, &mut wire);
    }
    encoder.encode_end(&[], &mut wire).unwrap();
    (wire, 16 * chunk.len())
}

fn chunked_group(c: &mut Criterion) {
    let (wire, body_len) = chunked_body();
    let limits = Limits::default();
    let mut group = c.benchmark_group("chunked");
    group.throughput(Throughput::Bytes(wire.len() as u64));

    // Zero-copy: the decoder only hands out ranges of its input.
    group.bench_function("ChunkedDecoder", |b| {
        b.iter(|| {
            let input = black_box(&wire[..]);
            let mut decoder = ChunkedDecoder::new(limits);
            let (mut pos, mut data) = (0, 0);
            loop {
                let (used, event) = decoder.decode(&input[pos..]).unwrap();
                let base = pos;
                pos += used;
                match event {
                    Some(ChunkEvent::Data(range)) => data += black_box(&input[base..][range]).len(),
                    Some(ChunkEvent::End) => break,
                    other => panic!("{other:?}"),
                }
            }
            assert_eq!(data, body_len);
        });
    });

    // What a consumer that wants the body contiguous pays: decode and copy out.
    group.bench_function("ChunkedDecoder + copy", |b| {
        let mut out = Vec::with_capacity(body_len);
        b.iter(|| {
            out.clear();
            let input = black_box(&wire[..]);
            let mut decoder = ChunkedDecoder::new(limits);
            let mut pos = 0;
            loop {
                let (used, event) = decoder.decode(&input[pos..]).unwrap();
                let base = pos;
                pos += used;
                match event {
                    Some(ChunkEvent::Data(range)) => out.extend_from_slice(&input[base..][range]),
                    Some(ChunkEvent::End) => break,
                    other => panic!("{other:?}"),
                }
            }
            black_box(&out);
        });
    });

    // The ceiling for "bytes in, body out": one memcpy of the same bytes.
    group.bench_function("memcpy", |b| {
        let mut out = vec![0u8; wire.len()];
        b.iter(|| {
            out.copy_from_slice(black_box(&wire[..]));
            black_box(&out);
        });
    });
    group.finish();
}

/// A hello-world response: status line, two fields, `Date`, `Content-Length`, the body.
fn serialize_group(c: &mut Criterion) {
    let mut group = c.benchmark_group("serialize");
    let headers: &[(&str, &[u8])] = &[("Content-Type", b"text/plain"), ("X-Powered-By", b"netcore")];
    let date = DateCache::default();
    let write = |out: &mut Vec<u8>| {
        out.clear();
        write_response_head(
            out,
            1,
            200,
            None,
            black_box(headers),
            BodyLength::Known(12),
            Some(date.value()),
            Some(true),
        )
        .unwrap();
        out.extend_from_slice(b"Hello World\n");
    };
    let mut expected = Vec::new();
    write(&mut expected);
    group.throughput(Throughput::Bytes(expected.len() as u64));

    group.bench_function("write_response_head", |b| {
        let mut out = Vec::with_capacity(4096);
        b.iter(|| {
            write(&mut out);
            black_box(&out);
        });
    });

    // What a serializer without validation or a reused buffer typically does: `write!` each part.
    group.bench_function("write! (unchecked)", |b| {
        use std::io::Write;
        let mut out = Vec::with_capacity(4096);
        b.iter(|| {
            out.clear();
            write!(out, "HTTP/1.1 {} {}\r\n", black_box(200), black_box("OK")).unwrap();
            for (name, value) in black_box(headers) {
                write!(out, "{name}: ").unwrap();
                out.extend_from_slice(value);
                out.extend_from_slice(b"\r\n");
            }
            out.extend_from_slice(b"Date: ");
            out.extend_from_slice(date.value());
            write!(out, "\r\nConnection: keep-alive\r\nContent-Length: {}\r\n\r\n", 12).unwrap();
            out.extend_from_slice(b"Hello World\n");
            black_box(&out);
        });
    });

    // The ceiling: copying the finished bytes.
    group.bench_function("memcpy", |b| {
        let mut out = Vec::with_capacity(4096);
        b.iter(|| {
            out.clear();
            out.extend_from_slice(black_box(&expected));
            black_box(&out);
        });
    });
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(50)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
}

criterion_group! {
    name = benches;
    config = config();
    targets = parse_request_group, chunked_group, serialize_group
}
criterion_main!(benches);
