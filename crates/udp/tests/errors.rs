//! Typed errors (bad destinations, oversized datagrams, an address in use, use after close), the
//! size limits at and one past the edge, `on_close`, `unref`, and socket options.
#![allow(clippy::unwrap_used)]

mod common;

use std::cell::RefCell;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::rc::Rc;

use common::{watchdog, MAX_V4};
use netcore::EventLoop;
use netcore_udp::{bind, bind_with, BindOptions, Error, RemoteInfo, Socket, SocketHandler, SocketId};

/// The largest UDP payload over IPv6 (without jumbograms): 65,535 minus the UDP header.
const MAX_V6: usize = 65_527;

#[derive(Debug, Default)]
struct Log {
    events: Vec<String>,
    /// (from, size, data length, truncated) of each datagram.
    datagrams: Vec<(SocketAddr, usize, usize, bool)>,
}

type Shared = Rc<RefCell<Log>>;

/// Records everything; closes the socket after `close_after` datagrams.
struct Recorder {
    log: Shared,
    close_after: usize,
}

impl Recorder {
    fn new(log: &Shared, close_after: usize) -> Self {
        Recorder { log: log.clone(), close_after }
    }
}

impl SocketHandler for Recorder {
    fn on_listening(&mut self, _s: &mut Socket<'_>) {
        self.log.borrow_mut().events.push("listening".into());
    }
    fn on_message(&mut self, s: &mut Socket<'_>, data: &[u8], rinfo: &RemoteInfo) {
        let mut log = self.log.borrow_mut();
        log.datagrams.push((rinfo.address, rinfo.size, data.len(), rinfo.truncated));
        if log.datagrams.len() == self.close_after {
            s.close();
        }
    }
    fn on_connect(&mut self, _s: &mut Socket<'_>) {
        self.log.borrow_mut().events.push("connect".into());
    }
    fn on_error(&mut self, _s: &mut Socket<'_>, e: &Error) {
        self.log.borrow_mut().events.push(format!("error {}", e.code()));
    }
    fn on_close(&mut self, _lp: &mut EventLoop, _id: SocketId) {
        self.log.borrow_mut().events.push("close".into());
    }
}

#[test]
fn bad_destinations_and_oversized_datagrams_are_refused_at_once() {
    let mut lp = EventLoop::new().unwrap();
    watchdog(&mut lp, "send errors");
    let log = Shared::default();
    let id = bind(&mut lp, "127.0.0.1:0", Recorder::new(&log, 2)).unwrap();
    let me = id.local_address(&lp).unwrap();

    let e = id.send_to(&mut lp, b"x", "127.0.0.1:0".parse().unwrap()).unwrap_err();
    assert!(matches!(e, Error::InvalidAddress { .. }), "{e}");
    assert_eq!(e.code(), "ERR_SOCKET_BAD_ADDRESS");
    let e = id.send_to(&mut lp, b"x", "[::1]:9".parse().unwrap()).unwrap_err();
    assert!(matches!(e, Error::InvalidAddress { .. }), "an IPv6 destination from an IPv4 socket: {e}");
    let e = id.connect(&mut lp, "127.0.0.1:0".parse().unwrap()).unwrap_err();
    assert!(matches!(e, Error::InvalidAddress { .. }), "{e}");
    let e = id.send(&mut lp, b"x").unwrap_err();
    assert!(matches!(e, Error::NotConnected), "{e}");
    assert_eq!(e.code(), "ERR_SOCKET_DGRAM_NOT_CONNECTED");

    let e = id.send_to(&mut lp, &vec![0; 70_000], me).unwrap_err();
    assert!(matches!(e, Error::MessageTooLarge { size: 70_000 }), "{e}");
    assert_eq!(e.code(), "EMSGSIZE");
    let e = id.send_tracked(&mut lp, &vec![0; MAX_V4 + 1], Some(me)).unwrap_err();
    assert!(matches!(e, Error::MessageTooLarge { size } if size == MAX_V4 + 1), "{e}");

    // At the limit it goes, and arrives whole. An IPv4-mapped IPv6 destination is IPv4.
    id.send_to(&mut lp, &vec![7; MAX_V4], me).unwrap();
    let mapped: SocketAddr = format!("[::ffff:127.0.0.1]:{}", me.port()).parse().unwrap();
    id.send_to(&mut lp, b"mapped", mapped).unwrap();
    lp.run().unwrap();
    let log = log.borrow();
    assert_eq!(log.events, ["listening", "close"]);
    assert_eq!(log.datagrams, [(me, MAX_V4, MAX_V4, false), (me, 6, 6, false)]);
}

#[test]
fn ipv6_carries_65527_bytes_and_not_one_more() {
    let mut lp = EventLoop::new().unwrap();
    watchdog(&mut lp, "IPv6 limit");
    let log = Shared::default();
    let id = bind(&mut lp, "[::1]:0", Recorder::new(&log, 1)).unwrap();
    let me = id.local_address(&lp).unwrap();
    let e = id.send_to(&mut lp, &vec![0; MAX_V6 + 1], me).unwrap_err();
    assert!(matches!(e, Error::MessageTooLarge { .. }), "{e}");
    id.send_to(&mut lp, &vec![7; MAX_V6], me).unwrap();
    lp.run().unwrap();
    let log = log.borrow();
    assert_eq!(log.datagrams, [(me, MAX_V6, MAX_V6, false)], "events: {:?}", log.events);
}

#[test]
fn dual_stack_socket_talks_to_ipv4() {
    let mut lp = EventLoop::new().unwrap();
    watchdog(&mut lp, "dual stack");
    let v4_log = Shared::default();
    let v4 = bind(&mut lp, "127.0.0.1:0", Recorder::new(&v4_log, 1)).unwrap();
    let v6_log = Shared::default();
    let v6 = bind(&mut lp, "[::]:0", Recorder::new(&v6_log, 1)).unwrap();
    let v6_port = v6.local_address(&lp).unwrap().port();
    let v4_addr = v4.local_address(&lp).unwrap();
    // An IPv4 destination from a dual-stack socket goes out IPv4-mapped.
    v6.send_to(&mut lp, b"to v4", v4_addr).unwrap();
    v4.send_to(&mut lp, b"to v6", SocketAddr::new(Ipv4Addr::LOCALHOST.into(), v6_port)).unwrap();
    lp.run().unwrap();
    let (from_v6, _, _, _) = v4_log.borrow().datagrams[0];
    assert_eq!(from_v6, SocketAddr::new(Ipv4Addr::LOCALHOST.into(), v6_port));
    let (from_v4, ..) = v6_log.borrow().datagrams[0];
    assert_eq!(from_v4.ip(), "::ffff:127.0.0.1".parse::<IpAddr>().unwrap());
    let rinfo = RemoteInfo { address: from_v4, size: 5, truncated: false };
    assert_eq!((rinfo.family(), rinfo.port()), ("IPv6", v4_addr.port()));
}

#[test]
fn address_in_use_unless_reused() {
    let mut lp = EventLoop::new().unwrap();
    watchdog(&mut lp, "address in use");
    let first = bind(&mut lp, "127.0.0.1:0", ()).unwrap();
    let addr = first.local_address(&lp).unwrap().to_string();
    let e = bind(&mut lp, &addr, ()).unwrap_err();
    assert!(matches!(&e, Error::AddrInUse { addr: a } if *a == addr), "{e}");
    assert_eq!(e.code(), "EADDRINUSE");
    let e = bind(&mut lp, "not an address", ()).unwrap_err();
    assert!(matches!(e, Error::InvalidAddress { .. }), "{e}");
    first.close(&mut lp);

    let mut reuse = BindOptions::default();
    reuse.reuse_addr = true;
    let a = bind_with(&mut lp, "127.0.0.1:0", reuse.clone(), ()).unwrap();
    let addr = a.local_address(&lp).unwrap().to_string();
    let b = bind_with(&mut lp, &addr, reuse, ()).unwrap();
    assert_eq!(b.local_address(&lp).unwrap().to_string(), addr);
    a.close(&mut lp);
    b.close(&mut lp);
    lp.run().unwrap();
}

fn assert_all_closed(lp: &mut EventLoop, id: SocketId) {
    let to: SocketAddr = "127.0.0.1:9".parse().unwrap();
    assert!(!id.is_open(lp));
    assert_eq!(id.local_address(lp), None);
    assert_eq!(id.send_queue_count(lp), 0);
    let group: IpAddr = Ipv4Addr::new(239, 255, 77, 3).into();
    let results: Vec<(&str, Result<(), Error>)> = vec![
        ("send_to", id.send_to(lp, b"x", to)),
        ("send", id.send(lp, b"x")),
        ("send_tracked", id.send_tracked(lp, b"x", Some(to)).map(|_| ())),
        ("connect", id.connect(lp, to)),
        ("disconnect", id.disconnect(lp)),
        ("set_broadcast", id.set_broadcast(lp, true)),
        ("set_ttl", id.set_ttl(lp, 9)),
        ("set_multicast_ttl", id.set_multicast_ttl(lp, 9)),
        ("set_multicast_loopback", id.set_multicast_loopback(lp, true)),
        ("set_multicast_interface_v4", id.set_multicast_interface_v4(lp, Ipv4Addr::LOCALHOST)),
        ("add_membership", id.add_membership(lp, group, None)),
        ("drop_membership", id.drop_membership(lp, group, None)),
        ("set_recv_buffer_size", id.set_recv_buffer_size(lp, 1 << 16)),
        ("set_send_buffer_size", id.set_send_buffer_size(lp, 1 << 16)),
        ("recv_buffer_size", id.recv_buffer_size(lp).map(|_| ())),
        ("send_buffer_size", id.send_buffer_size(lp).map(|_| ())),
    ];
    for (op, r) in results {
        match r {
            Err(Error::Closed) => {}
            other => panic!("{op} after close: {other:?}"),
        }
    }
}

#[test]
fn everything_after_close_is_closed_and_on_close_fires_once() {
    let mut lp = EventLoop::new().unwrap();
    watchdog(&mut lp, "after close");
    let plain_log = Shared::default();
    let plain = bind(&mut lp, "127.0.0.1:0", Recorder::new(&plain_log, usize::MAX)).unwrap();
    let connected_log = Shared::default();
    let connected = bind(&mut lp, "127.0.0.1:0", Recorder::new(&connected_log, usize::MAX)).unwrap();
    connected.connect(&mut lp, "127.0.0.1:9".parse().unwrap()).unwrap();
    for id in [plain, connected] {
        assert!(id.is_open(&lp));
        id.close(&mut lp);
        id.close(&mut lp);
        // Closed, whether or not connected (not AlreadyConnected, NotConnected, …).
        assert_all_closed(&mut lp, id);
    }
    assert_eq!(Error::Closed.code(), "ERR_SOCKET_DGRAM_NOT_RUNNING");
    lp.run().unwrap();
    // `on_listening` and `on_connect` were queued for the next tick; closing before it came must
    // not produce them after close (Node emits no `listening`/`connect` for a socket closed first).
    assert_eq!(plain_log.borrow().events, ["close"]);
    assert_eq!(connected_log.borrow().events, ["close"]);
    for id in [plain, connected] {
        assert_all_closed(&mut lp, id);
        id.close(&mut lp);
    }
    lp.run().unwrap();
    assert_eq!(plain_log.borrow().events, ["close"]);
    assert_eq!(connected_log.borrow().events, ["close"]);
}

#[test]
fn unref_socket_lets_run_return() {
    let mut lp = EventLoop::new().unwrap();
    watchdog(&mut lp, "unref");
    let log = Shared::default();
    let id = bind(&mut lp, "127.0.0.1:0", Recorder::new(&log, usize::MAX)).unwrap();
    id.unref(&mut lp);
    lp.run().unwrap();
    assert!(id.is_open(&lp));
    assert_eq!(log.borrow().events, ["listening"]);
    assert!(!lp.is_alive());
    id.ref_(&mut lp);
    assert!(lp.is_alive(), "a referenced socket keeps the loop alive");
    id.unref(&mut lp);
    assert!(!lp.is_alive());
    id.ref_(&mut lp);
    id.close(&mut lp);
    lp.run().unwrap();
    assert_eq!(log.borrow().events, ["listening", "close"]);
}

#[test]
fn socket_options_take_effect() {
    let mut lp = EventLoop::new().unwrap();
    watchdog(&mut lp, "options");
    let mut options = BindOptions::default();
    options.recv_buffer_size = Some(1 << 20);
    options.send_buffer_size = Some(1 << 20);
    let v4 = bind_with(&mut lp, "127.0.0.1:0", options, ()).unwrap();
    // Linux doubles the size asked for.
    assert!(v4.recv_buffer_size(&lp).unwrap() >= 1 << 20);
    assert!(v4.send_buffer_size(&lp).unwrap() >= 1 << 20);
    v4.set_recv_buffer_size(&mut lp, 1 << 16).unwrap();
    assert!((1 << 16..1 << 20).contains(&v4.recv_buffer_size(&lp).unwrap()));
    v4.set_ttl(&mut lp, 17).unwrap();
    v4.set_multicast_ttl(&mut lp, 3).unwrap();
    v4.set_multicast_loopback(&mut lp, false).unwrap();
    v4.set_broadcast(&mut lp, true).unwrap();
    let e = v4.set_ttl(&mut lp, 1000).unwrap_err();
    assert!(matches!(e, Error::Io(_)), "{e}");
    let mut v6_only = BindOptions::default();
    v6_only.ipv6_only = true;
    let v6 = bind_with(&mut lp, "[::1]:0", v6_only, ()).unwrap();
    v6.set_ttl(&mut lp, 17).unwrap();
    v6.set_multicast_ttl(&mut lp, 3).unwrap();
    v6.set_multicast_loopback(&mut lp, true).unwrap();
    v6.set_multicast_interface_v6(&mut lp, 1).unwrap();
    v4.close(&mut lp);
    v6.close(&mut lp);
    lp.run().unwrap();
}
