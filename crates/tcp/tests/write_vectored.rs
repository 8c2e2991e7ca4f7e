//! `write_vectored`: parts larger than the kernel takes at once arrive whole and in order,
//! the rest queued across part boundaries, and pieces written after them follow them.
#![allow(clippy::unwrap_used)]

use std::io::Read;
use std::net::TcpListener;
use std::sync::mpsc;

use netcore_tcp::{connect, Socket, SocketHandler};

/// Distinct bytes per part, so a misplaced or repeated slice shows.
fn part(seed: u8, len: usize) -> Vec<u8> {
    (0..len).map(|i| seed.wrapping_add((i % 251) as u8)).collect()
}

/// Writes once connected, so the first call goes straight to `writev`; then lets the reader
/// start (until then the kernel's buffers fill, and the rest is queued).
struct Writer {
    parts: Option<[Vec<u8>; 4]>,
    written: mpsc::Sender<()>,
}

impl SocketHandler for Writer {
    fn on_connect(&mut self, s: &mut Socket<'_>) {
        let Some([a, b, c, after]) = self.parts.take() else { return };
        let id = s.id();
        let below = id.write_vectored(s.lp(), &[&a, &b, &c]);
        assert!(!below, "5 MiB is past the high-water mark");
        // Queued behind them: another vectored write and a plain one.
        id.write_vectored(s.lp(), &[&b]);
        s.write(&after);
        s.end();
        self.written.send(()).unwrap();
    }
}

#[test]
fn parts_beyond_the_socket_buffer_arrive_whole_and_in_order() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let a = part(1, 3 << 20);
    let b = part(2, 5);
    let c = part(3, 2 << 20);
    let after = part(4, 70_000);
    let mut want = Vec::new();
    for p in [&a, &b, &c, &b, &after] {
        want.extend_from_slice(p);
    }
    let (written, start_reading) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        let (mut peer, _) = listener.accept().unwrap();
        start_reading.recv().unwrap();
        let mut got = Vec::new();
        peer.read_to_end(&mut got).unwrap();
        got
    });
    let mut lp = netcore::EventLoop::new().unwrap();
    connect(&mut lp, &addr, Writer { parts: Some([a, b, c, after]), written });
    lp.run().unwrap();
    let got = reader.join().unwrap();
    assert_eq!(got.len(), want.len());
    assert!(got == want, "bytes out of order");
}
