//! The line splitter never panics, never buffers past its limit, and gives the same lines
//! whether the input arrives whole or split at a point the fuzzer picks.
#![no_main]
use libfuzzer_sys::fuzz_target;
use netcore::framing::LineSplitter;

fn run(max: usize, parts: &[&[u8]]) -> (Vec<Vec<u8>>, bool) {
    let mut s = LineSplitter::new(max);
    let mut lines = Vec::new();
    let mut failed = false;
    for p in parts {
        if s.push(p, |l| lines.push(l.to_vec())).is_err() {
            failed = true;
            break;
        }
        assert!(s.buffered() <= max + 1);
    }
    (lines, failed)
}

fuzz_target!(|input: (u8, u16, &[u8])| {
    let (max, split, data) = input;
    let max = usize::from(max) + 1;
    let at = usize::from(split) % (data.len() + 1);
    let whole = run(max, &[data]);
    let split = run(max, &[&data[..at], &data[at..]]);
    assert_eq!(whole, split);
});
