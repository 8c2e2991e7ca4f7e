//! Writing a head into a buffer that already has the room allocates nothing.
//!
//! A counting global allocator sees every allocation of this test binary; the count is kept per
//! thread so that the test harness's own threads do not disturb it.

use std::time::{Duration, UNIX_EPOCH};

use netcore_http1::proto::encode::{write_request_head, write_response_head, BodyLength, DateCache};

#[global_allocator]
static GLOBAL: netcore_testkit::Counting = netcore_testkit::Counting;

fn allocations_in(f: impl FnOnce()) -> usize {
    let before = netcore_testkit::thread_allocations();
    f();
    netcore_testkit::thread_allocations() - before
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
