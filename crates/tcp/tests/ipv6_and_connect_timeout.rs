//! IPv6 listeners (loopback and dual-stack `::`), and the full-accept-queue fault: a connect the
//! server's kernel never answers surfaces as the socket's `timeout` event while still connecting
//! (Node's `socket.setTimeout` during connect), so the owner can give up.
#![allow(clippy::unwrap_used)]

use std::cell::RefCell;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::{Duration, Instant};

use netcore::EventLoop;
use netcore_tcp::{connect, connect_with, listen, Address, Socket, SocketHandler, SocketOptions};

type Log = Rc<RefCell<Vec<String>>>;

struct Client(Log);

impl SocketHandler for Client {
    fn on_connect(&mut self, s: &mut Socket<'_>) {
        let family = s.remote_address().unwrap().family();
        self.0.borrow_mut().push(format!("connect {family}"));
        s.end_with(b"ping");
    }
    fn on_data(&mut self, _: &mut Socket<'_>, d: &[u8]) {
        self.0.borrow_mut().push(String::from_utf8_lossy(d).into_owned());
    }
    fn on_timeout(&mut self, s: &mut Socket<'_>) {
        let connecting = s.id().is_connecting(s.lp());
        self.0.borrow_mut().push(format!("timeout connecting={connecting}"));
        s.destroy();
    }
}

fn echo_once(listen_on: &str, connect_to: impl Fn(u16) -> String) -> (Vec<String>, Address) {
    let mut lp = EventLoop::new().unwrap();
    let watchdog = lp.set_timeout(Duration::from_secs(20), |_| panic!("hung"));
    lp.unref_timer(watchdog);
    let seen: Rc<RefCell<Option<Address>>> = Rc::default();
    let seen2 = seen.clone();
    let server = listen(&mut lp, listen_on, move |s: &mut Socket<'_>| {
        *seen2.borrow_mut() = s.remote_address();
        let server = s.server().unwrap();
        server.close(s.lp()); // one connection, then the loop may end
        s.pipe(s.id());
    })
    .unwrap();
    let port = server.address(&lp).unwrap().port().unwrap();
    let log = Log::default();
    connect(&mut lp, &connect_to(port), Client(log.clone()));
    lp.run().unwrap();
    let peer = seen.borrow_mut().take().unwrap();
    let log = log.borrow().clone();
    (log, peer)
}

#[test]
fn an_ipv6_loopback_server_and_client() {
    let (log, peer) = echo_once("[::1]:0", |p| format!("[::1]:{p}"));
    assert_eq!(log, ["connect IPv6", "ping"]);
    assert_eq!(peer.family(), "IPv6");
}

#[test]
fn a_dual_stack_server_accepts_ipv4_clients() {
    let (log, peer) = echo_once("[::]:0", |p| format!("127.0.0.1:{p}"));
    assert_eq!(log, ["connect IPv4", "ping"]);
    // An IPv4 client of a dual-stack socket shows as an IPv4-mapped IPv6 address, as in Node.
    let ip = match peer.inet().unwrap() {
        SocketAddr::V6(a) => a.ip().to_ipv4_mapped().unwrap(),
        SocketAddr::V4(a) => *a.ip(),
    };
    assert!(ip.is_loopback());
}

#[test]
fn a_connect_to_a_full_accept_queue_times_out_while_connecting() {
    let hole = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    hole.bind(&"127.0.0.1:0".parse::<SocketAddr>().unwrap().into()).unwrap();
    hole.listen(0).unwrap();
    let addr = hole.local_addr().unwrap().as_socket().unwrap();
    let _queued: Vec<_> = (0..2)
        .filter_map(|_| std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(100)).ok())
        .collect();
    let mut lp = EventLoop::new().unwrap();
    let watchdog = lp.set_timeout(Duration::from_secs(20), |_| panic!("hung"));
    lp.unref_timer(watchdog);
    let log = Log::default();
    let mut options = SocketOptions::default();
    options.timeout = Some(Duration::from_millis(200));
    let started = Instant::now();
    let sock = connect_with(&mut lp, &addr.to_string(), options, Client(log.clone()));
    lp.run().unwrap();
    assert_eq!(*log.borrow(), ["timeout connecting=true"]);
    assert!(started.elapsed() >= Duration::from_millis(190));
    assert!(!sock.is_open(&lp));
}
