//! Happy Eyeballs (RFC 8305) on loopback: a refused first address falls back at once (§5: a
//! failed attempt starts the next without waiting), and a first address that never answers (its
//! SYNs are dropped by a full accept queue) is raced by the next one after the 250 ms connection
//! attempt delay; the first to connect wins.
#![allow(clippy::unwrap_used)]

mod common;

use std::cell::RefCell;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::{Duration, Instant};

use netcore::EventLoop;
use netcore_tcp::{connect_addrs, listen, Error, ServerId, Socket, SocketHandler, SocketOptions};

type Outcome = Rc<RefCell<Option<Result<(SocketAddr, Duration), String>>>>;

struct Probe {
    started: Instant,
    outcome: Outcome,
    server: ServerId,
}

impl SocketHandler for Probe {
    fn on_connect(&mut self, s: &mut Socket<'_>) {
        let peer = s.remote_address().unwrap().inet().unwrap();
        *self.outcome.borrow_mut() = Some(Ok((peer, self.started.elapsed())));
        s.destroy();
        let server = self.server;
        server.close(s.lp());
    }
    fn on_error(&mut self, s: &mut Socket<'_>, e: &Error) {
        *self.outcome.borrow_mut() = Some(Err(e.code().to_string()));
        let server = self.server;
        server.close(s.lp());
    }
}

fn race(first: SocketAddr) -> (SocketAddr, Duration, SocketAddr) {
    let mut lp = EventLoop::new().unwrap();
    let watchdog = lp.set_timeout(Duration::from_secs(20), |_| panic!("happy eyeballs hung"));
    lp.unref_timer(watchdog);
    let server = listen(&mut lp, "127.0.0.1:0", |_: &mut Socket<'_>| ()).unwrap();
    let good = server.address(&lp).unwrap().inet().unwrap();
    let outcome = Outcome::default();
    let probe = Probe { started: Instant::now(), outcome: outcome.clone(), server };
    connect_addrs(&mut lp, &[first, good], SocketOptions::default(), probe);
    lp.run().unwrap();
    let result = outcome.borrow_mut().take().expect("connect or error");
    let (peer, elapsed) = result.unwrap();
    (peer, elapsed, good)
}

#[test]
fn a_refused_ipv6_address_falls_back_to_ipv4_at_once() {
    let (_reserved, closed) = common::refused_port("[::1]");
    let (peer, elapsed, good) = race(closed);
    assert_eq!(peer, good);
    assert!(elapsed < Duration::from_millis(200), "fallback after a refusal took {elapsed:?}");
}

#[test]
fn an_unanswered_address_is_raced_after_the_attempt_delay() {
    // A listener with a full accept queue: the kernel drops further SYNs, so a connect to it
    // neither succeeds nor fails for a second or more.
    let hole = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    hole.bind(&"127.0.0.1:0".parse::<SocketAddr>().unwrap().into()).unwrap();
    hole.listen(0).unwrap();
    let hole_addr = hole.local_addr().unwrap().as_socket().unwrap();
    let _queued: Vec<_> = (0..2)
        .filter_map(|_| std::net::TcpStream::connect_timeout(&hole_addr, Duration::from_millis(100)).ok())
        .collect();
    let (peer, elapsed, good) = race(hole_addr);
    assert_eq!(peer, good, "the second address won");
    assert!(
        elapsed >= Duration::from_millis(240),
        "the second attempt started after the delay, not {elapsed:?}"
    );
    assert!(
        elapsed < Duration::from_millis(900),
        "the race did not wait for the first attempt to time out: {elapsed:?}"
    );
}

#[test]
fn every_address_refused_is_econnrefused() {
    let mut lp = EventLoop::new().unwrap();
    let (_ra, a) = common::refused_port("127.0.0.1");
    let (_rb, b) = common::refused_port("[::1]");
    let server = listen(&mut lp, "127.0.0.1:0", |_: &mut Socket<'_>| ()).unwrap();
    let outcome = Outcome::default();
    connect_addrs(
        &mut lp,
        &[a, b],
        SocketOptions::default(),
        Probe { started: Instant::now(), outcome: outcome.clone(), server },
    );
    lp.run().unwrap();
    assert_eq!(outcome.borrow_mut().take().unwrap().unwrap_err(), "ECONNREFUSED");
}
