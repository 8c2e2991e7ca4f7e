//! Decoding and encoding a typical response: one question, a CNAME and four A records whose
//! names are compressed, and an OPT record — what `dns.resolve4()` on a CDN-hosted name gets
//! back. A plain copy of the same bytes is the floor.
#![allow(clippy::unwrap_used, missing_docs)] // criterion_group! generates undocumented items

use std::hint::black_box;
use std::net::Ipv4Addr;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use netcore_dns::{Message, Name, RData, Record, RecordType};

fn typical_response() -> Message {
    let name = Name::from_ascii("www.example.com").unwrap();
    let edge = Name::from_ascii("www.example.com.cdn.example.net").unwrap();
    let query = Message::query(0x4a1f, name.clone(), RecordType::A, true, Some(1232));
    let mut response = Message::response_to(&query);
    response.header.ra = true;
    response.answers.push(Record::new(name, 3600, RData::Cname(edge.clone())));
    for i in 1..=4 {
        response.answers.push(Record::new(edge.clone(), 60, RData::A(Ipv4Addr::new(192, 0, 2, i))));
    }
    response
}

fn codec(c: &mut Criterion) {
    let message = typical_response();
    let bytes = message.encode_to_vec().unwrap();
    let mut group = c.benchmark_group("dns_typical_response");
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.bench_function("decode", |b| b.iter(|| Message::decode(black_box(&bytes)).unwrap()));
    let mut out = Vec::with_capacity(512);
    group.bench_function("encode", |b| {
        b.iter(|| {
            out.clear();
            black_box(&message).encode(&mut out).unwrap();
            black_box(out.len())
        })
    });
    group.bench_function("copy_floor", |b| b.iter(|| black_box(black_box(&bytes).to_vec())));
    group.finish();
}

criterion_group!(benches, codec);
criterion_main!(benches);
