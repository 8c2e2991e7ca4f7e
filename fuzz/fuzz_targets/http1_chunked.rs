//! The chunked decoder never panics, keeps its promises about what it consumed (data ranges end
//! where the consumed bytes end, `None` only once the input is used up, nothing after `End`),
//! buffers no more than one trailer section, stays failed after an error, and gives the same data,
//! trailers, end, error and consumed length whether the input arrives whole, split at a point the
//! fuzzer picks, or one byte at a time.
//!
//! Input: one byte of flags (bit 0: a 4 KiB body limit, bit 1: at most 2 trailer fields, bit 2:
//! 8-byte chunk extensions), a little-endian `u16` split point, then the body's bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;
use netcore_http1::proto::{ChunkEvent, ChunkedDecoder, Limits, ParseError};

/// Small limits, so that inputs of a few hundred bytes reach every one of them.
fn limits(flags: u8) -> Limits {
    let mut limits = Limits::default();
    limits.max_header_size = 256;
    limits.max_headers = if flags & 2 != 0 { 2 } else { 16 };
    limits.max_chunk_extension = if flags & 4 != 0 { 8 } else { 64 };
    limits.max_body_size = (flags & 1 != 0).then_some(4096);
    limits
}

#[derive(Debug, Default, PartialEq)]
struct Outcome {
    data: Vec<u8>,
    trailers: Option<Vec<u8>>,
    ended: bool,
    error: Option<ParseError>,
    consumed: usize,
    body_len: u64,
    finish: Option<Result<(), ParseError>>,
}

fn run(limits: Limits, parts: &[&[u8]]) -> Outcome {
    let mut decoder = ChunkedDecoder::new(limits);
    let mut out = Outcome::default();
    'parts: for part in parts {
        let mut pos = 0;
        loop {
            let input = &part[pos..];
            let (used, event) = match decoder.decode(input) {
                Ok(r) => r,
                Err(e) => {
                    // The offending byte is in this input; how far the failed call got is not
                    // reported, so the error's offset stands for the consumed length.
                    assert!((out.consumed..out.consumed + input.len()).contains(&e.offset), "{e:?}");
                    out.consumed = e.offset;
                    assert_eq!(decoder.decode(input), Err(e), "a failed decoder stays failed");
                    assert_eq!(decoder.finish(), Err(e), "a failed decoder stays failed");
                    out.error = Some(e);
                    break 'parts;
                }
            };
            assert!(used <= input.len());
            out.consumed += used;
            assert_eq!(decoder.offset(), out.consumed);
            pos += used;
            match event {
                None => {
                    assert_eq!(used, input.len(), "None before the input is used up");
                    break;
                }
                Some(ChunkEvent::Data(range)) => {
                    assert!(!range.is_empty(), "empty data event");
                    assert_eq!(range.end, used, "data must end where the consumed bytes end");
                    out.data.extend_from_slice(&input[range]);
                }
                Some(ChunkEvent::Trailers(raw)) => {
                    assert!(out.trailers.is_none(), "two trailer sections");
                    assert!(raw.len() <= limits.max_header_size, "trailers over the limit");
                    assert!(raw.ends_with(b"\r\n\r\n"));
                    out.trailers = Some(raw);
                }
                Some(ChunkEvent::End) => {
                    assert!(decoder.is_finished());
                    // After End nothing more is consumed: the rest is the next message's.
                    assert_eq!(decoder.decode(&part[pos..]), Ok((0, None)));
                    out.ended = true;
                    break 'parts;
                }
            }
        }
    }
    if out.ended {
        assert_eq!(decoder.body_len(), out.data.len() as u64);
    }
    if let Some(max) = limits.max_body_size {
        assert!(out.data.len() as u64 <= max, "body over the limit");
    }
    out.body_len = decoder.body_len();
    if out.error.is_none() {
        out.finish = Some(decoder.finish());
    }
    out
}

fuzz_target!(|input: (u8, u16, &[u8])| {
    let (flags, split, data) = input;
    let limits = limits(flags);
    let at = usize::from(split) % (data.len() + 1);
    let whole = run(limits, &[data]);
    let split = run(limits, &[&data[..at], &data[at..]]);
    assert_eq!(whole, split, "split at {at}");
    let bytewise: Vec<&[u8]> = data.chunks(1).collect();
    assert_eq!(whole, run(limits, &bytewise), "one byte at a time");
});
