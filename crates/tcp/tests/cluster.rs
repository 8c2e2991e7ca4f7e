//! Loop-per-core: N loops on N threads, each accepting on its own `SO_REUSEPORT` listener bound
//! to the same port; the kernel spreads the connections over the loops.
#![allow(clippy::unwrap_used)]

use std::io::Read;
use std::net::TcpStream;
use std::time::Duration;

use netcore::Cluster;
use netcore_tcp::{listen_with, ServerOptions, Socket};

#[test]
fn two_loops_share_one_port_with_reuse_port() {
    // Find a free port; the loops then bind it together.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let addr = format!("127.0.0.1:{port}");
    let bind = addr.clone();
    let cluster = Cluster::spawn(2, move |lp, index| {
        let mut options = ServerOptions::default();
        options.reuse_port = true;
        listen_with(lp, &bind, options, move |s: &mut Socket<'_>| {
            s.end_with(format!("{index}").as_bytes());
        })?;
        Ok(())
    })
    .unwrap();
    let mut seen = [0usize; 2];
    for _ in 0..64 {
        let mut c = TcpStream::connect(&addr).unwrap();
        c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut reply = String::new();
        c.read_to_string(&mut reply).unwrap();
        seen[reply.parse::<usize>().unwrap()] += 1;
    }
    cluster.stop();
    cluster.join().unwrap();
    assert_eq!(seen[0] + seen[1], 64);
    assert!(seen[0] > 0 && seen[1] > 0, "the kernel spread connections over both loops: {seen:?}");
}

#[test]
fn a_setup_error_is_returned_from_spawn() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let err = Cluster::spawn(2, move |lp, _| {
        listen_with(lp, &addr, ServerOptions::default(), |_: &mut Socket<'_>| ())?;
        Ok(())
    })
    .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::AddrInUse);
}
