//! Multicast on the loopback interface against Node's `dgram` (we receive a group, leave it and
//! receive nothing more from it; we send to a group Node joined), and broadcast permission.
#![allow(clippy::unwrap_used)]

mod common;

use std::cell::RefCell;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::ChildStdin;
use std::rc::Rc;
use std::time::Duration;

use common::{send_line, watchdog, Node};
use netcore::EventLoop;
use netcore_udp::{bind, bind_with, BindOptions, Error, RemoteInfo, SendId, Socket, SocketHandler, SocketId};

/// Multicast leaves and arrives by the loopback interface.
const LOOPBACK: Ipv4Addr = Ipv4Addr::LOCALHOST;

/// After the marker datagram that follows a group datagram, how long to go on listening for the
/// group datagram (it would have arrived before the marker; this only bounds the absence).
const GRACE: Duration = Duration::from_millis(100);

#[derive(Debug, Default)]
struct Log {
    messages: Vec<String>,
    errors: Vec<String>,
    left: bool,
}

type Shared = Rc<RefCell<Log>>;

/// Has Node send to the group and then to us directly (a marker), twice: as a member, and after
/// leaving the group. Node's stdin closes (and Node exits) when the socket is closed and drops
/// its handler.
struct GroupMember {
    group: Ipv4Addr,
    node: ChildStdin,
    log: Shared,
}

impl GroupMember {
    fn send_pair(&mut self, s: &Socket<'_>, n: u32) {
        let port = s.local_address().unwrap().port();
        send_line(&mut self.node, &format!("{}:{port} group-{n}", self.group));
        send_line(&mut self.node, &format!("127.0.0.1:{port} marker-{n}"));
    }
}

impl SocketHandler for GroupMember {
    fn on_listening(&mut self, s: &mut Socket<'_>) {
        self.send_pair(s, 1);
    }
    fn on_message(&mut self, s: &mut Socket<'_>, data: &[u8], rinfo: &RemoteInfo) {
        assert_eq!(rinfo.address.ip(), IpAddr::V4(LOOPBACK), "the sender's address");
        let text = String::from_utf8(data.to_vec()).unwrap();
        let id = s.id();
        let mut log = self.log.borrow_mut();
        log.messages.push(text.clone());
        let both = ["group-1", "marker-1"].iter().all(|m| log.messages.iter().any(|t| t == m));
        if both && !log.left {
            log.left = true;
            drop(log);
            id.drop_membership(s.lp(), self.group.into(), Some(LOOPBACK)).unwrap();
            self.send_pair(s, 2);
        } else if text == "marker-2" {
            s.lp().set_timeout(GRACE, move |lp| id.close(lp));
        }
    }
    fn on_error(&mut self, _s: &mut Socket<'_>, e: &Error) {
        self.log.borrow_mut().errors.push(e.to_string());
    }
}

#[test]
fn we_receive_a_group_until_we_drop_membership() {
    let mut node = Node::spawn("mcast_sender.js", &[]);
    assert_eq!(node.next_line(), "ready");
    let mut lp = EventLoop::new().unwrap();
    watchdog(&mut lp, "multicast member");
    let log = Shared::default();
    let group = Ipv4Addr::new(239, 255, 77, 1);
    let mut options = BindOptions::default();
    options.reuse_addr = true;
    let member = GroupMember { group, node: node.take_stdin(), log: log.clone() };
    let id = bind_with(&mut lp, "0.0.0.0:0", options, member).unwrap();
    id.add_membership(&mut lp, group.into(), Some(LOOPBACK)).unwrap();
    lp.run().unwrap();
    node.expect_success();
    let log = log.borrow();
    assert!(log.errors.is_empty(), "errors: {:?}", log.errors);
    let mut first: Vec<&str> = log.messages.iter().take(2).map(String::as_str).collect();
    first.sort_unstable();
    assert_eq!(first, ["group-1", "marker-1"]);
    assert_eq!(log.messages[2..], ["marker-2"], "a group datagram arrived after drop_membership");
}

#[test]
fn node_receives_our_multicast() {
    let group = Ipv4Addr::new(239, 255, 77, 2);
    let mut node = Node::spawn("mcast_receiver.js", &[&group.to_string(), "from-netcore"]);
    let port = node.listening_on().parse::<SocketAddr>().unwrap().port();
    let mut lp = EventLoop::new().unwrap();
    watchdog(&mut lp, "multicast sender");
    let errors = Rc::new(RefCell::new(Vec::new()));
    let e2 = errors.clone();
    struct Errors(Rc<RefCell<Vec<String>>>);
    impl SocketHandler for Errors {
        fn on_error(&mut self, _s: &mut Socket<'_>, e: &Error) {
            self.0.borrow_mut().push(e.to_string());
        }
    }
    let id = bind(&mut lp, "127.0.0.1:0", Errors(e2)).unwrap();
    id.set_multicast_interface_v4(&mut lp, LOOPBACK).unwrap();
    id.set_multicast_loopback(&mut lp, true).unwrap();
    id.set_multicast_ttl(&mut lp, 1).unwrap();
    let to = SocketAddr::new(group.into(), port);
    // Node joined before printing its address, so the first datagram arrives; the interval only
    // guards against a drop (it is unreferenced: the socket's close ends the loop).
    id.send_to(&mut lp, b"from-netcore", to).unwrap();
    let sends = Rc::new(RefCell::new(1));
    let s2 = sends.clone();
    let t = lp.set_interval(Duration::from_millis(200), move |lp| {
        if id.is_open(lp) {
            *s2.borrow_mut() += 1;
            id.send_to(lp, b"from-netcore", to).unwrap();
        }
    });
    lp.unref_timer(t);
    node.on_exit(&lp, move |lp| id.close(lp));
    let me = id.local_address(&lp).unwrap();
    lp.run().unwrap();
    let out = node.expect_success();
    eprintln!("multicast sender: {} sends for one datagram at node", sends.borrow());
    assert!(out.contains(&format!("got from-netcore from {me}")), "node printed {out:?}");
    assert!(errors.borrow().is_empty(), "errors: {:?}", errors.borrow());
}

/// Records error codes; on its own `go` datagram (inside a receive batch, so the sends are queued
/// and fail when flushed) sends to the broadcast address without permission, then closes.
struct Broadcaster {
    to: SocketAddr,
    events: Rc<RefCell<Vec<String>>>,
}

impl SocketHandler for Broadcaster {
    fn on_message(&mut self, s: &mut Socket<'_>, _data: &[u8], _rinfo: &RemoteInfo) {
        let id = s.id();
        id.set_broadcast(s.lp(), false).unwrap();
        s.send_to(b"everyone", self.to).unwrap();
        id.send_tracked(s.lp(), b"everyone", Some(self.to)).unwrap();
        // Not at once: closing drops the queue. The queue is flushed right after this batch.
        s.lp().set_immediate(move |lp| id.close(lp));
    }
    fn on_sent(&mut self, _s: &mut Socket<'_>, _id: SendId, result: Result<usize, &Error>) {
        self.events.borrow_mut().push(format!("sent {:?}", result.map_err(Error::code)));
    }
    fn on_error(&mut self, _s: &mut Socket<'_>, e: &Error) {
        self.events.borrow_mut().push(format!("error {}", e.code()));
    }
}

#[test]
fn broadcast_needs_set_broadcast() {
    let mut lp = EventLoop::new().unwrap();
    watchdog(&mut lp, "broadcast");
    let events = Rc::new(RefCell::new(Vec::new()));
    // Bound to 127.0.0.1, a limited broadcast leaves by the loopback interface (if at all); to a
    // port nobody uses, so only our `go` datagram arrives.
    let port = std::net::UdpSocket::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let to = SocketAddr::new(Ipv4Addr::BROADCAST.into(), port);
    let id: SocketId = bind(&mut lp, "127.0.0.1:0", Broadcaster { to, events: events.clone() }).unwrap();
    let e = id.send_to(&mut lp, b"everyone", to).unwrap_err();
    assert!(matches!(e, Error::Access), "{e}");
    assert_eq!(e.code(), "EACCES");
    id.set_broadcast(&mut lp, true).unwrap();
    // Allowed now; the sandbox may still have no route for it (ENETUNREACH and the like).
    let sent = id.send_to(&mut lp, b"everyone", to);
    eprintln!("broadcast after set_broadcast(true): {sent:?}");
    if let Err(e) = sent {
        assert!(!matches!(e, Error::Access), "still EACCES after set_broadcast: {e}");
    }
    id.set_broadcast(&mut lp, false).unwrap();
    assert!(matches!(id.send_to(&mut lp, b"everyone", to), Err(Error::Access)));
    // Queued sends (made while a receive batch is handled) report the same error later.
    let me = id.local_address(&lp).unwrap();
    id.send_to(&mut lp, b"go", me).unwrap();
    lp.run().unwrap();
    assert_eq!(*events.borrow(), ["error EACCES", "sent Err(\"EACCES\")"]);
}
