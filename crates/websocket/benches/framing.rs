//! The framing core's hot paths, each beside its ceiling or reference in the same group:
//! unmasking 1 MiB (ours, the byte loop, and a plain memcpy of 1 MiB, the ceiling), UTF-8
//! validation of 1 MiB of mixed text (ours whole and in 4 KiB pieces, and `std::str::from_utf8`),
//! and a stream of 1000 masked 32-byte text frames through `Session::receive` (beside the bare
//! header decode + unmask loop, the floor).
//!
//! Run: `cargo bench -p netcore-websocket --bench framing -- --warm-up-time 1 --measurement-time 3`;
//! compare the lines of one group as ratios from one run.
#![allow(missing_docs)]
use std::hint::black_box;

use bytes::BytesMut;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use netcore_websocket::proto::mask::{apply_mask, apply_mask_plain};
use netcore_websocket::proto::utf8::Utf8Validator;
use netcore_websocket::proto::{Config, Event, FrameHeader, MaskRng, Role, Session};

const MIB: usize = 1 << 20;

fn unmask(c: &mut Criterion) {
    let src: Vec<u8> = (0..MIB).map(|i| (i * 7 + 3) as u8).collect();
    let mut buf = src.clone();
    let key = [0x37, 0xfa, 0x21, 0x3d];
    let mut g = c.benchmark_group("unmask_1mib");
    g.throughput(Throughput::Bytes(MIB as u64));
    g.bench_function("memcpy (ceiling)", |b| b.iter(|| buf.copy_from_slice(black_box(&src))));
    g.bench_function("apply_mask", |b| b.iter(|| apply_mask(black_box(&mut buf), key, 0)));
    g.bench_function("apply_mask_plain", |b| b.iter(|| apply_mask_plain(black_box(&mut buf), key, 0)));
    g.finish();
}

/// 1 MiB of text like a chat log or JSON in several scripts: mostly ASCII, some 2-, 3- and
/// 4-byte characters.
fn mixed_text() -> Vec<u8> {
    let line = "{\"user\":\"zoë\",\"text\":\"Grüße aus Köln — 東京は晴れ 🌤, привет!\",\"ts\":1700000000}\n";
    let mut text = line.repeat(MIB / line.len() + 1).into_bytes();
    // Cut back to a character boundary at or below 1 MiB.
    let mut len = MIB;
    while std::str::from_utf8(&text[..len]).is_err() {
        len -= 1;
    }
    text.truncate(len);
    text
}

fn utf8(c: &mut Criterion) {
    let text = mixed_text();
    let mut g = c.benchmark_group("utf8_1mib_mixed");
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.bench_function("std::str::from_utf8", |b| b.iter(|| std::str::from_utf8(black_box(&text)).is_ok()));
    g.bench_function("Utf8Validator whole", |b| {
        b.iter(|| {
            let mut v = Utf8Validator::new();
            v.feed(black_box(&text)).is_ok() && v.finish().is_ok()
        })
    });
    g.bench_function("Utf8Validator 4KiB pieces", |b| {
        b.iter(|| {
            let mut v = Utf8Validator::new();
            for piece in black_box(&text).chunks(4096) {
                if v.feed(piece).is_err() {
                    return false;
                }
            }
            v.finish().is_ok()
        })
    });
    g.finish();
}

fn receive(c: &mut Criterion) {
    let mut client = Session::new(Role::Client, Config::default(), MaskRng::new(7));
    let mut stream = Vec::new();
    for i in 0..1000 {
        let text = format!("message {i:05} from the client...");
        assert_eq!(text.len(), 32);
        client.send_text(&text, &mut stream).expect("send");
    }
    let mut g = c.benchmark_group("receive_1000x32b_masked");
    g.throughput(Throughput::Bytes(stream.len() as u64));
    g.bench_function("Session::receive", |b| {
        b.iter_batched(
            || BytesMut::from(&stream[..]),
            |mut input| {
                let mut server = Session::new(Role::Server, Config::default(), MaskRng::new(0));
                let mut n = 0;
                while let Ok(Some(event)) = server.receive(&mut input) {
                    if let Event::Message { data, .. } = event {
                        n += data.len();
                    }
                }
                assert_eq!(n, 32_000);
            },
            BatchSize::SmallInput,
        )
    });
    g.bench_function("decode + unmask only (floor)", |b| {
        b.iter_batched(
            || stream.clone(),
            |mut input| {
                let mut pos = 0;
                while let Ok(Some((h, used))) = FrameHeader::decode(&input[pos..]) {
                    pos += used;
                    let end = pos + h.len as usize;
                    if let Some(key) = h.mask {
                        apply_mask(&mut input[pos..end], key, 0);
                    }
                    pos = end;
                }
                black_box(&input);
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

criterion_group!(benches, unmask, utf8, receive);
criterion_main!(benches);
