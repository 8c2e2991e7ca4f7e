//! Writing a head into a buffer that already has the room allocates nothing.
//!
//! A counting global allocator sees every allocation of this test binary; the count is kept per
//! thread so that the test harness's own threads do not disturb it.

#![allow(unsafe_code)] // a counting global allocator can only be written with `unsafe impl`

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::time::{Duration, UNIX_EPOCH};

use netcore_http1::proto::encode::{write_request_head, write_response_head, BodyLength, DateCache};

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: every call is forwarded unchanged to the system allocator; the counter is a
// const-initialised thread-local `Cell`, which itself never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, passed on as is.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `System` through this allocator with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        // SAFETY: the caller upholds `GlobalAlloc::realloc`'s contract, passed on as is.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations_in(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    f();
    ALLOCATIONS.with(Cell::get) - before
}

#[test]
fn hello_world_response_allocates_nothing() {
    let mut out = Vec::with_capacity(4096);
    let mut date = DateCache::default();
    let headers: &[(&str, &[u8])] = &[("Content-Type", b"text/plain"), ("X-Powered-By", b"netcore")];
    let n = allocations_in(|| {
        for second in 0..100u64 {
            out.clear();
            date.update(UNIX_EPOCH + Duration::from_secs(1_700_000_000 + second));
            write_response_head(
                &mut out,
                1,
                200,
                None,
                headers,
                BodyLength::Known(12),
                Some(date.value()),
                Some(true),
            )
            .unwrap();
            out.extend_from_slice(b"Hello World\n");
        }
    });
    assert_eq!(n, 0);
    assert!(out.starts_with(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"));
    assert!(out.ends_with(b"Content-Length: 12\r\n\r\nHello World\n"));
}

#[test]
fn request_and_rejected_heads_allocate_nothing() {
    let mut out = Vec::with_capacity(4096);
    let ok: &[(&str, &[u8])] = &[("Host", b"example.com"), ("Accept", b"*/*")];
    let evil: &[(&str, &[u8])] = &[("Host", b"example.com"), ("X", b"a\r\nb")];
    let n = allocations_in(|| {
        for _ in 0..100 {
            out.clear();
            write_request_head(&mut out, "POST", "/upload?x=1", 1, ok, BodyLength::Chunked).unwrap();
            assert!(write_request_head(&mut out, "GET", "/", 1, evil, BodyLength::None).is_err());
            assert!(
                write_response_head(&mut out, 1, 200, Some("\n"), &[], BodyLength::None, None, None).is_err()
            );
        }
    });
    assert_eq!(n, 0);
    assert!(out.ends_with(b"Transfer-Encoding: chunked\r\n\r\n"));
}
