//! The send queue never drops: 2,000 tracked datagrams of 1 KiB queued in one go, over a minimal
//! `SO_SNDBUF`, each reported sent (`on_sent(Ok(1024))`, in order, no error) and each received by
//! a Node socket that checks it byte for byte.
//!
//! On loopback the kernel never answers a UDP send with `EAGAIN` (the loopback device releases
//! a datagram's send-buffer charge as it hands it over), so sends from a timer callback go out at
//! once and the queue stays empty (its count is printed); sends made while a receive batch is
//! handled are corked and all queued, then leave together (in `sendmmsg` batches).
#![allow(clippy::unwrap_used)]

mod common;

use std::cell::RefCell;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Duration;

use common::{datagram_of, watchdog, Node};
use netcore::EventLoop;
use netcore_udp::{bind_with, BindOptions, Error, RemoteInfo, SendId, Socket, SocketHandler, SocketId};

const COUNT: u32 = 2_000;
const SIZE: usize = 1024;

#[derive(Debug, Default)]
struct Log {
    /// `send_queue_count` right after the last datagram was queued.
    queued: Option<usize>,
    ids: Vec<SendId>,
    sent: Vec<SendId>,
    errors: Vec<String>,
}

type Shared = Rc<RefCell<Log>>;

fn queue_all(lp: &mut EventLoop, id: SocketId, to: SocketAddr, log: &Shared) {
    let mut ids = Vec::with_capacity(COUNT as usize);
    for seq in 0..COUNT {
        ids.push(id.send_tracked(lp, &datagram_of(seq, SIZE), Some(to)).unwrap());
    }
    let mut log = log.borrow_mut();
    log.queued = Some(id.send_queue_count(lp));
    log.ids = ids;
}

/// Counts the reports; closes the socket after the last. With `corked`, queues everything when
/// its own `go` datagram arrives (inside a receive batch).
struct Sender {
    to: SocketAddr,
    corked: bool,
    log: Shared,
}

impl SocketHandler for Sender {
    fn on_listening(&mut self, s: &mut Socket<'_>) {
        let (id, to, log) = (s.id(), self.to, self.log.clone());
        if self.corked {
            let me = s.local_address().unwrap();
            s.send_to(b"go", me).unwrap();
        } else {
            s.lp().set_timeout(Duration::ZERO, move |lp| queue_all(lp, id, to, &log));
        }
    }
    fn on_message(&mut self, s: &mut Socket<'_>, data: &[u8], rinfo: &RemoteInfo) {
        assert_eq!((data, Some(rinfo.address)), (&b"go"[..], s.local_address()));
        let id = s.id();
        queue_all(s.lp(), id, self.to, &self.log);
    }
    fn on_sent(&mut self, s: &mut Socket<'_>, id: SendId, result: Result<usize, &Error>) {
        let mut log = self.log.borrow_mut();
        match result {
            Ok(n) => assert_eq!(n, SIZE),
            Err(e) => log.errors.push(format!("on_sent: {e}")),
        }
        log.sent.push(id);
        if log.sent.len() == COUNT as usize {
            assert_eq!(s.id().send_queue_count(s.lp()), 0);
            s.close();
        }
    }
    fn on_error(&mut self, _s: &mut Socket<'_>, e: &Error) {
        self.log.borrow_mut().errors.push(format!("on_error: {e}"));
    }
}

fn queue_to_node(what: &'static str, corked: bool, batch_io: bool) {
    let mut node = Node::spawn("count_receiver.js", &["127.0.0.1", &COUNT.to_string(), &SIZE.to_string()]);
    let to: SocketAddr = node.listening_on().parse().unwrap();
    let mut lp = EventLoop::new().unwrap();
    watchdog(&mut lp, what);
    let log = Shared::default();
    let mut options = BindOptions::default();
    options.send_buffer_size = Some(1); // the kernel's minimum (4,608 bytes on Linux)
    options.batch_io = batch_io;
    let id = bind_with(&mut lp, "127.0.0.1:0", options, Sender { to, corked, log: log.clone() }).unwrap();
    assert!(id.send_buffer_size(&lp).unwrap() < 16 * 1024);
    lp.run().unwrap();
    assert_eq!(node.expect_success(), [format!("ok {COUNT}")]);
    let log = log.borrow();
    eprintln!("{what}: send_queue_count after queuing {COUNT}: {:?}", log.queued);
    assert!(log.errors.is_empty(), "errors: {:?}", log.errors);
    assert_eq!(log.sent, log.ids, "every tracked send reported once, in order");
    if corked {
        assert_eq!(log.queued, Some(COUNT as usize));
    }
}

#[test]
fn sends_queued_inside_a_receive_batch_all_go_out_batched() {
    queue_to_node("corked, batched", true, true);
}

#[test]
fn sends_queued_inside_a_receive_batch_all_go_out_unbatched() {
    queue_to_node("corked, unbatched", true, false);
}

#[test]
fn sends_from_a_timer_callback_all_go_out() {
    queue_to_node("timer", false, true);
}

/// Queues tracked sends inside a receive batch and closes at once: each is cancelled.
struct CloseWithQueue(Rc<RefCell<Vec<String>>>);

impl SocketHandler for CloseWithQueue {
    fn on_listening(&mut self, s: &mut Socket<'_>) {
        let me = s.local_address().unwrap();
        s.send_to(b"go", me).unwrap();
    }
    fn on_message(&mut self, s: &mut Socket<'_>, _data: &[u8], _rinfo: &RemoteInfo) {
        let (id, to) = (s.id(), "127.0.0.1:9".parse().unwrap());
        for _ in 0..3 {
            id.send_tracked(s.lp(), b"never", Some(to)).unwrap();
        }
        assert_eq!(id.send_queue_count(s.lp()), 3);
        s.close();
        assert_eq!(id.send_queue_count(s.lp()), 0);
    }
    fn on_sent(&mut self, _s: &mut Socket<'_>, _id: SendId, result: Result<usize, &Error>) {
        self.0.borrow_mut().push(match result {
            Ok(n) => format!("sent {n}"),
            Err(e) => format!("not sent: {}", e.code()),
        });
    }
    fn on_close(&mut self, _lp: &mut EventLoop, _id: SocketId) {
        self.0.borrow_mut().push("close".into());
    }
}

#[test]
fn close_cancels_queued_tracked_sends() {
    let mut lp = EventLoop::new().unwrap();
    watchdog(&mut lp, "close with queue");
    let log = Rc::new(RefCell::new(Vec::new()));
    netcore_udp::bind(&mut lp, "127.0.0.1:0", CloseWithQueue(log.clone())).unwrap();
    lp.run().unwrap();
    let closed = "not sent: ERR_SOCKET_DGRAM_NOT_RUNNING";
    assert_eq!(*log.borrow(), [closed, closed, closed, "close"]);
}
