//! permessage-deflate's compressor and inflater: round trips (proptest) with and without context
//! takeover, over any fragment split, at every window size; an independent DEFLATE decoder that
//! checks our output and the distance of every back-reference (RFC 7692 §7.1.2: a limited window
//! must never be exceeded); the zip-bomb bound; corrupt input.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use netcore_websocket::proto::deflate::{Compressor, DeflateError, Inflater, TRAILER};
use netcore_websocket::proto::extension::{DirectionParams, WindowBits};
use proptest::prelude::*;

fn params(no_context_takeover: bool, bits: u8) -> DirectionParams {
    DirectionParams { no_context_takeover, max_window_bits: WindowBits::new(bits).expect("8..=15") }
}

/// Text-like data with repeats near and far, so that LZ77 finds matches at many distances.
fn sample(len: usize, seed: u64) -> Vec<u8> {
    let words: [&[u8]; 8] =
        [b"hello ", b"world ", b"websocket ", b"deflate ", b"\n", b"aaaaaaaa", b"{\"k\":1} ", b"z"];
    let mut x = seed | 1;
    let mut out = Vec::with_capacity(len + 16);
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        if x % 5 == 0 && out.len() > 64 {
            // A copy of something earlier: up to 20 KiB back.
            let back = (x as usize >> 8) % out.len().min(20_000) + 1;
            let start = out.len() - back;
            for i in 0..(x as usize >> 20) % 40 + 3 {
                let b = out[start + i % back];
                out.push(b);
            }
        } else {
            out.extend_from_slice(words[(x >> 3) as usize % words.len()]);
        }
    }
    out.truncate(len);
    out
}

// ----- an independent DEFLATE decoder (RFC 1951), after zlib's puff.c -----

struct Huffman {
    counts: [u16; 16],
    symbols: Vec<u16>,
}

impl Huffman {
    fn new(lengths: &[u8]) -> Huffman {
        let mut counts = [0u16; 16];
        for &l in lengths {
            counts[usize::from(l)] += 1;
        }
        counts[0] = 0;
        let mut offs = [0u16; 16];
        for len in 1..15 {
            offs[len + 1] = offs[len] + counts[len];
        }
        let mut symbols = vec![0; lengths.len()];
        for (sym, &l) in lengths.iter().enumerate() {
            if l != 0 {
                symbols[usize::from(offs[usize::from(l)])] = sym as u16;
                offs[usize::from(l)] += 1;
            }
        }
        Huffman { counts, symbols }
    }
}

struct Walker<'a> {
    data: &'a [u8],
    bit: usize,
    out: Vec<u8>,
    max_distance: usize,
}

const LBASE: [u16; 29] = [
    3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195,
    227, 258,
];
const LEXT: [u8; 29] =
    [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DBASE: [u16; 30] = [
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073,
    4097, 6145, 8193, 12289, 16385, 24577,
];
const DEXT: [u8; 30] =
    [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];

impl Walker<'_> {
    fn bits(&mut self, n: usize) -> Result<usize, String> {
        let mut v = 0;
        for i in 0..n {
            let byte = *self.data.get(self.bit / 8).ok_or("out of input")?;
            v |= usize::from((byte >> (self.bit % 8)) & 1) << i;
            self.bit += 1;
        }
        Ok(v)
    }

    fn decode(&mut self, h: &Huffman) -> Result<u16, String> {
        let (mut code, mut first, mut index) = (0i32, 0i32, 0i32);
        for len in 1..16 {
            code |= self.bits(1)? as i32;
            let count = i32::from(h.counts[len]);
            if code - count < first {
                return Ok(h.symbols[(index + (code - first)) as usize]);
            }
            index += count;
            first += count;
            first <<= 1;
            code <<= 1;
        }
        Err("bad code".into())
    }

    fn codes(&mut self, lit: &Huffman, dist: &Huffman) -> Result<(), String> {
        loop {
            let sym = usize::from(self.decode(lit)?);
            if sym < 256 {
                self.out.push(sym as u8);
            } else if sym == 256 {
                return Ok(());
            } else {
                let s = sym - 257;
                let len =
                    usize::from(*LBASE.get(s).ok_or("bad length")?) + self.bits(usize::from(LEXT[s]))?;
                let d = usize::from(self.decode(dist)?);
                let distance =
                    usize::from(*DBASE.get(d).ok_or("bad distance")?) + self.bits(usize::from(DEXT[d]))?;
                if distance > self.out.len() {
                    return Err("distance too far back".into());
                }
                self.max_distance = self.max_distance.max(distance);
                for _ in 0..len {
                    let b = self.out[self.out.len() - distance];
                    self.out.push(b);
                }
            }
        }
    }

    /// Decodes blocks until the input ends on a block boundary (as a permessage-deflate message
    /// with its trailer does) or a final block ends.
    fn message(&mut self, data: &[u8]) -> Result<(), String> {
        let mut joined = data.to_vec();
        joined.extend_from_slice(&TRAILER);
        let mut w = Walker { data: &joined, bit: 0, out: std::mem::take(&mut self.out), max_distance: 0 };
        let result = w.blocks();
        self.out = w.out;
        self.max_distance = self.max_distance.max(w.max_distance);
        result
    }

    fn blocks(&mut self) -> Result<(), String> {
        while self.bit < self.data.len() * 8 {
            let last = self.bits(1)?;
            match self.bits(2)? {
                0 => {
                    self.bit = self.bit.div_ceil(8) * 8;
                    let len = self.bits(16)?;
                    let nlen = self.bits(16)?;
                    if len != !nlen & 0xffff {
                        return Err("stored length".into());
                    }
                    for _ in 0..len {
                        let b = self.bits(8)? as u8;
                        self.out.push(b);
                    }
                }
                1 => {
                    let mut l = [8u8; 288];
                    l[144..256].fill(9);
                    l[256..280].fill(7);
                    self.codes(&Huffman::new(&l), &Huffman::new(&[5; 30]))?;
                }
                2 => {
                    let nlen = self.bits(5)? + 257;
                    let ndist = self.bits(5)? + 1;
                    let ncode = self.bits(4)? + 4;
                    const ORDER: [usize; 19] =
                        [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];
                    let mut cl = [0u8; 19];
                    for &i in &ORDER[..ncode] {
                        cl[i] = self.bits(3)? as u8;
                    }
                    let clh = Huffman::new(&cl);
                    let mut lengths = Vec::with_capacity(nlen + ndist);
                    while lengths.len() < nlen + ndist {
                        let sym = self.decode(&clh)?;
                        let (value, repeat) = match sym {
                            0..=15 => (sym as u8, 1),
                            16 => (*lengths.last().ok_or("repeat at start")?, 3 + self.bits(2)?),
                            17 => (0, 3 + self.bits(3)?),
                            _ => (0, 11 + self.bits(7)?),
                        };
                        lengths.extend(std::iter::repeat(value).take(repeat));
                    }
                    let (lit, dist) = lengths.split_at(nlen);
                    self.codes(&Huffman::new(lit), &Huffman::new(&dist[..ndist]))?;
                }
                _ => return Err("block type 3".into()),
            }
            if last == 1 {
                return Ok(());
            }
        }
        Ok(())
    }
}

fn walker() -> Walker<'static> {
    Walker { data: &[], bit: 0, out: Vec::new(), max_distance: 0 }
}

/// Compresses `messages` (each in `parts` pieces), checks every message with the walker and our
/// inflater, and returns the largest back-reference distance.
fn check(p: DirectionParams, level: u8, messages: &[Vec<u8>], parts: usize) -> usize {
    let mut c = Compressor::new(p, level);
    let mut i = Inflater::new(p, 1 << 24);
    let mut w = walker();
    let mut max_distance = 0;
    for m in messages {
        let mut wire = Vec::new();
        let chunk = m.len() / parts + 1;
        let mut pieces: Vec<&[u8]> = m.chunks(chunk).collect();
        if pieces.is_empty() {
            pieces.push(&[]);
        }
        for (k, piece) in pieces.iter().enumerate() {
            c.compress_part(piece, k + 1 == pieces.len(), &mut wire).unwrap();
        }
        if p.no_context_takeover {
            w = walker();
        }
        let start = w.out.len();
        w.message(&wire).unwrap();
        assert_eq!(&w.out[start..], &m[..], "walker");
        max_distance = max_distance.max(w.max_distance);
        w.max_distance = 0;
        let mut text = Vec::new();
        i.inflate(&wire, &mut text).unwrap();
        assert_eq!(text, *m, "inflater");
    }
    max_distance
}

#[test]
fn rfc7692_7_1_2_a_limited_window_is_never_exceeded() {
    let messages: Vec<Vec<u8>> = (0..4).map(|s| sample(40_000, s + 1)).collect();
    for level in [1, 6, 9] {
        for takeover in [false, true] {
            // The full window uses far matches (the walker sees them)...
            let far = check(params(!takeover, 15), level, &messages, 1);
            assert!(far > 1 << 14, "level {level}: the sample has far repeats ({far})");
            // ...a limited one only distance 1, valid for any window from 256 bytes.
            for bits in 8..15 {
                let d = check(params(!takeover, bits), level, &messages, 3);
                assert!(d <= 1, "level {level}, {bits} bits: distance {d}");
            }
        }
    }
    // Level 0: stored blocks, no references at all.
    assert_eq!(check(params(false, 9), 0, &messages, 2), 0);
}

#[test]
fn without_context_takeover_no_message_refers_to_another() {
    let hello = b"Hello, Hello, Hello".to_vec();
    let messages = [hello.clone(), hello.clone(), hello];
    let mut c = Compressor::new(params(true, 15), 6);
    let wires: Vec<Vec<u8>> = messages
        .iter()
        .map(|m| {
            let mut out = Vec::new();
            c.compress(m, &mut out).unwrap();
            out
        })
        .collect();
    // Each message compresses alone. (The first differs from the next ones only because
    // miniz's hash chains treat position 0 as their end, so its first bytes cannot be matched.)
    assert_eq!(wires[1], wires[2]);
    for wire in &wires {
        let mut w = walker();
        w.message(wire).unwrap(); // a fresh walker: "distance too far back" if it referred back
        assert_eq!(w.out, b"Hello, Hello, Hello");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn round_trips_across_splits(
        messages in prop::collection::vec(
            prop_oneof![
                prop::collection::vec(any::<u8>(), 0..3000),
                prop::collection::vec(prop::sample::select(b"ab \n".to_vec()), 0..5000),
                (0usize..20_000, any::<u64>()).prop_map(|(n, s)| sample(n, s)),
            ],
            1..5,
        ),
        no_context_takeover in any::<bool>(),
        bits in 8u8..=15,
        level in 0u8..=9,
        send_parts in 1usize..5,
        splits in prop::collection::vec(any::<prop::sample::Index>(), 0..4),
    ) {
        let p = params(no_context_takeover, bits);
        let mut c = Compressor::new(p, level);
        let mut i = Inflater::new(p, 1 << 20);
        for m in &messages {
            let mut wire = Vec::new();
            let chunk = m.len() / send_parts + 1;
            let pieces: Vec<&[u8]> = if m.is_empty() { vec![&[][..]] } else { m.chunks(chunk).collect() };
            for (k, piece) in pieces.iter().enumerate() {
                c.compress_part(piece, k + 1 == pieces.len(), &mut wire).unwrap();
            }
            // The receiver gets the payload cut anywhere.
            let mut cuts: Vec<usize> = splits.iter().map(|s| s.index(wire.len() + 1)).collect();
            cuts.push(0);
            cuts.push(wire.len());
            cuts.sort_unstable();
            let mut text = Vec::new();
            for (k, pair) in cuts.windows(2).enumerate() {
                i.inflate_part(&wire[pair[0]..pair[1]], k + 2 == cuts.len(), &mut text).unwrap();
            }
            prop_assert_eq!(&text, m);
        }
    }

    #[test]
    fn the_bound_holds_for_any_limit(len in 0usize..50_000, max in 0usize..60_000, seed in any::<u64>()) {
        let m = sample(len, seed);
        let mut c = Compressor::new(DirectionParams::default(), 6);
        let mut wire = Vec::new();
        c.compress(&m, &mut wire).unwrap();
        let mut i = Inflater::new(DirectionParams::default(), max);
        let mut text = Vec::new();
        match i.inflate(&wire, &mut text) {
            Ok(()) => prop_assert!(len <= max && text == m),
            Err(DeflateError::MessageTooBig { size, max: m2 }) => {
                prop_assert!(len > max && m2 == max && size == max + 1 && text.len() == max + 1);
            }
            Err(e) => prop_assert!(false, "{}", e),
        }
    }

    #[test]
    fn garbage_never_panics(data in prop::collection::vec(any::<u8>(), 0..2000), max in 0usize..100_000) {
        let mut i = Inflater::new(DirectionParams::default(), max);
        let mut out = Vec::new();
        match i.inflate(&data, &mut out) {
            Ok(()) => prop_assert!(out.len() <= max),
            Err(DeflateError::MessageTooBig { .. }) => prop_assert!(out.len() == max + 1),
            Err(_) => {}
        }
    }
}

/// 1 GiB of zeros in about 1 MiB of DEFLATE: one block for the first MiB, then the same block
/// repeated (with context takeover, each MiB of zeros after the first compresses identically).
fn bomb(mib: usize) -> Vec<u8> {
    let zeros = vec![0u8; 1 << 20];
    let mut c = Compressor::new(DirectionParams::default(), 1);
    let (mut first, mut second, mut third) = (Vec::new(), Vec::new(), Vec::new());
    c.compress_part(&zeros, false, &mut first).unwrap();
    c.compress_part(&zeros, false, &mut second).unwrap();
    c.compress_part(&zeros, false, &mut third).unwrap();
    assert_eq!(second, third, "the repeated block is stable");
    let mut out = first;
    for _ in 1..mib {
        out.extend_from_slice(&second);
    }
    out
}

#[test]
fn a_zip_bomb_fails_fast_at_the_bound() {
    // The construction is sound: 4 MiB of it inflates to 4 MiB of zeros.
    let small = bomb(4);
    let mut i = Inflater::new(DirectionParams::default(), 4 << 20);
    let mut out = Vec::new();
    i.inflate(&small, &mut out).unwrap();
    assert!(out.len() == 4 << 20 && out.iter().all(|&b| b == 0));

    let big = bomb(1024);
    assert!(big.len() < 8 << 20, "1 GiB in {} bytes", big.len());
    let mut i = Inflater::new(DirectionParams::default(), 1 << 20);
    let mut out = Vec::new();
    let start = Instant::now();
    // Whole, and fed in fragments: the bound counts the message.
    assert_eq!(
        i.inflate(&big, &mut out),
        Err(DeflateError::MessageTooBig { size: (1 << 20) + 1, max: 1 << 20 })
    );
    assert_eq!(out.len(), (1 << 20) + 1);
    let mut i = Inflater::new(DirectionParams::default(), 1 << 20);
    let mut out = Vec::new();
    let mut result = Ok(());
    for piece in big.chunks(1000) {
        result = i.inflate_part(piece, false, &mut out);
        if result.is_err() {
            break;
        }
    }
    assert_eq!(result, Err(DeflateError::MessageTooBig { size: (1 << 20) + 1, max: 1 << 20 }));
    // Inflating 2 MiB, even unoptimised, is far from inflating 1 GiB.
    assert!(start.elapsed() < Duration::from_secs(5), "{:?}", start.elapsed());
}

#[test]
fn corrupt_input_is_invalid_data_with_close_code_1007() {
    let mut c = Compressor::new(DirectionParams::default(), 6);
    let mut wire = Vec::new();
    c.compress(&sample(5000, 3), &mut wire).unwrap();
    let mut failures = 0;
    for at in (0..wire.len()).step_by(7) {
        let mut bad = wire.clone();
        bad[at] ^= 0x55;
        let mut i = Inflater::new(DirectionParams::default(), 1 << 20);
        let mut out = Vec::new();
        match i.inflate(&bad, &mut out) {
            Err(e) => {
                assert_eq!(e, DeflateError::InvalidData);
                assert_eq!(e.close_code(), 1007);
                failures += 1;
            }
            // A flipped literal can still decode (to other bytes): DEFLATE has no checksum.
            Ok(()) => assert!(out != sample(5000, 3) || bad == wire),
        }
    }
    assert!(failures > 0);
}
