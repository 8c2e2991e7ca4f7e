//! Reading: a burst waiting in the socket is read in full (edge-triggered readiness reports it
//! once), batched and one datagram per system call, in order and intact; a close inside
//! `on_message` stops delivery.
#![allow(clippy::unwrap_used)]

mod common;

use std::cell::RefCell;
use std::rc::Rc;

use common::{big_buffers, datagram_of, watchdog};
use netcore::EventLoop;
use netcore_udp::{bind, bind_with, on_message};

/// More than one readiness event serves (8 batches of 16), so the socket must requeue itself.
const BURST: u32 = 1000;

fn size(seq: u32) -> usize {
    (seq as usize * 37) % 3000
}

fn burst(batch_io: bool) {
    let mut lp = EventLoop::new().unwrap();
    watchdog(&mut lp, "burst");
    let got = Rc::new(RefCell::new(Vec::new()));
    let g = got.clone();
    let receiver = bind_with(
        &mut lp,
        "127.0.0.1:0",
        big_buffers(batch_io),
        on_message(move |s, data, rinfo| {
            assert!(!rinfo.truncated && rinfo.size == data.len());
            let mut got = g.borrow_mut();
            got.push(data.to_vec());
            if got.len() == BURST as usize {
                s.close();
            }
        }),
    )
    .unwrap();
    let to = receiver.local_address(&lp).unwrap();
    let sender = bind(&mut lp, "127.0.0.1:0", ()).unwrap();
    // All of them are waiting in the receiver's socket before the loop first polls it.
    for seq in 0..BURST {
        sender.send_to(&mut lp, &datagram_of(seq, size(seq)), to).unwrap();
    }
    sender.close(&mut lp);
    lp.run().unwrap();
    let got = got.borrow();
    assert_eq!(got.len(), BURST as usize);
    for (seq, d) in (0..BURST).zip(got.iter()) {
        assert!(*d == datagram_of(seq, size(seq)), "datagram {seq} differs");
    }
}

#[test]
fn a_waiting_burst_is_read_in_full_batched() {
    burst(true);
}

#[test]
fn a_waiting_burst_is_read_in_full_unbatched() {
    burst(false);
}

#[test]
fn close_inside_on_message_stops_delivery() {
    for batch_io in [true, false] {
        let mut lp = EventLoop::new().unwrap();
        watchdog(&mut lp, "close in batch");
        let got = Rc::new(RefCell::new(0));
        let g = got.clone();
        let receiver = bind_with(
            &mut lp,
            "127.0.0.1:0",
            big_buffers(batch_io),
            on_message(move |s, _data, _rinfo| {
                *g.borrow_mut() += 1;
                s.close();
            }),
        )
        .unwrap();
        let to = receiver.local_address(&lp).unwrap();
        let sender = bind(&mut lp, "127.0.0.1:0", ()).unwrap();
        for i in 0..5u8 {
            sender.send_to(&mut lp, &[i], to).unwrap();
        }
        sender.close(&mut lp);
        lp.run().unwrap();
        assert_eq!(*got.borrow(), 1, "datagrams delivered after close (batch_io {batch_io})");
    }
}
