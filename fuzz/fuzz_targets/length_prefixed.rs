//! The length-prefixed decoder never panics, never buffers past its limit, and gives the same
//! frames whether the input arrives whole or split at a point the fuzzer picks.
#![no_main]
use libfuzzer_sys::fuzz_target;
use netcore::framing::LengthPrefixed;

fn run(max: usize, parts: &[&[u8]]) -> (Vec<Vec<u8>>, bool) {
    let mut d = LengthPrefixed::new(max);
    let mut frames = Vec::new();
    let mut failed = false;
    for p in parts {
        if d.push(p, |f| frames.push(f.to_vec())).is_err() {
            failed = true;
            break;
        }
        assert!(d.buffered() <= max + 4);
    }
    (frames, failed)
}

fuzz_target!(|input: (u16, u16, &[u8])| {
    let (max, split, data) = input;
    let max = usize::from(max);
    let at = usize::from(split) % (data.len() + 1);
    assert_eq!(run(max, &[data]), run(max, &[&data[..at], &data[at..]]));
});
