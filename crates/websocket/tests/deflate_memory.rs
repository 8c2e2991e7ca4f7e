//! The memory a compressor's and an inflater's state hold: `size_of` plus every heap allocation,
//! counted by a global allocator (its own test binary, one test, so nothing else allocates
//! meanwhile). The documented `CompressorState::SIZE` and `InflaterState::SIZE` must match.
#![allow(unsafe_code)] // a counting wrapper around the system allocator, test-only
#![allow(clippy::unwrap_used)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use netcore_websocket::proto::deflate::{Compressor, CompressorState, Inflater, InflaterState};
use netcore_websocket::proto::extension::{DirectionParams, WindowBits};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every method forwards to `System` with the caller's arguments unchanged; the counter
// is only arithmetic on the sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Ordering::SeqCst);
        // SAFETY: forwarded as is.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Ordering::SeqCst);
        // SAFETY: forwarded as is.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::SeqCst);
        // SAFETY: forwarded as is.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(new_size, Ordering::SeqCst);
        LIVE.fetch_sub(layout.size(), Ordering::SeqCst);
        // SAFETY: forwarded as is.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Heap bytes `make` leaves allocated (the value kept alive), plus the value's own size.
fn footprint<T>(make: impl FnOnce() -> T) -> (usize, T) {
    let before = LIVE.load(Ordering::SeqCst);
    let value = make();
    let heap = LIVE.load(Ordering::SeqCst) - before;
    (heap + std::mem::size_of::<T>(), value)
}

#[test]
fn state_sizes_are_as_documented() {
    let (compressor, c) = footprint(|| CompressorState::new(DirectionParams::default(), 6));
    let (inflater, i) = footprint(InflaterState::new);
    println!("CompressorState: {compressor} bytes, InflaterState: {inflater} bytes");
    assert_eq!(compressor, CompressorState::SIZE, "CompressorState::SIZE");
    assert_eq!(inflater, InflaterState::SIZE, "InflaterState::SIZE");
    // A limited window uses the same memory (miniz's buffers are fixed).
    let params = DirectionParams { no_context_takeover: true, max_window_bits: WindowBits::MIN };
    let (limited, l) = footprint(|| CompressorState::new(params, 6));
    assert_eq!(limited, CompressorState::SIZE);
    drop((c, i, l));

    // Idle compressors and inflaters hold nothing on the heap, and one message allocates
    // exactly one state each (plus the output the caller owns).
    let (idle, (mut comp, mut infl)) = footprint(|| {
        let p = DirectionParams { no_context_takeover: true, ..DirectionParams::default() };
        (Compressor::new(p, 6), Inflater::new(p, 1 << 20))
    });
    assert_eq!(idle, std::mem::size_of::<(Compressor, Inflater)>());
    let mut wire = Vec::with_capacity(4096);
    let mut text = Vec::with_capacity(4096);
    let before = LIVE.load(Ordering::SeqCst);
    comp.compress(&[b'a'; 2000], &mut wire).unwrap();
    infl.inflate(&wire, &mut text).unwrap();
    let grown = LIVE.load(Ordering::SeqCst) - before;
    let states = CompressorState::SIZE - std::mem::size_of::<CompressorState>() + InflaterState::SIZE
        - std::mem::size_of::<InflaterState>();
    assert_eq!(grown, states);
    // Detached between messages (no context takeover), they go back to the pool.
    let pool = (comp.detach_state().unwrap(), infl.detach_state().unwrap());
    drop(pool);
    assert_eq!(LIVE.load(Ordering::SeqCst), before);
    drop((wire, text));
}
