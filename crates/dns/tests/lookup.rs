//! `lookup`: getaddrinfo on the thread pool, as `dns.lookup(name, {family, all: true})`.
#![allow(clippy::unwrap_used)]

mod common;

use std::net::{IpAddr, ToSocketAddrs};
use std::time::Duration;

use common::*;
use netcore::EventLoop;
use netcore_dns::{lookup, Code};

const LIMIT: Duration = Duration::from_secs(30);

/// What the system resolver says about `localhost`, in `family`, without duplicates.
fn system(family: u8) -> Vec<IpAddr> {
    let mut out: Vec<IpAddr> = Vec::new();
    for a in ("localhost", 0).to_socket_addrs().unwrap() {
        let ip = a.ip();
        let wanted = match family {
            4 => ip.is_ipv4(),
            6 => ip.is_ipv6(),
            _ => true,
        };
        if wanted && !out.contains(&ip) {
            out.push(ip);
        }
    }
    out
}

#[test]
fn localhost_in_each_family() {
    let mut lp = EventLoop::new().unwrap();
    let (v4, v6, any) = (slot(), slot(), slot());
    lookup(&mut lp, "localhost", 4, fill(&v4));
    lookup(&mut lp, "localhost", 6, fill(&v6));
    lookup(&mut lp, "localhost", 0, fill(&any));
    run(&mut lp, LIMIT);
    assert_eq!(take(&v4).unwrap(), [IpAddr::from([127, 0, 0, 1])]);
    assert_eq!(take(&any).unwrap(), system(0));
    // Where /etc/hosts has no `::1 localhost`, there is no IPv6 address for it: ENOTFOUND.
    match (take(&v6), system(6)) {
        (Ok(got), expected) => assert_eq!(got, expected),
        (Err(e), expected) => {
            assert!(expected.is_empty(), "{e} but the system has {expected:?}");
            assert_eq!(
                (e.kind, e.syscall, e.hostname.as_str()),
                (Code::NotFound, "getaddrinfo", "localhost")
            );
        }
    }
}

#[test]
fn identical_lookups_in_flight_share_one_job() {
    let mut lp = EventLoop::new().unwrap();
    let slots: Vec<_> = (0..5).map(|_| slot()).collect();
    for s in &slots {
        lookup(&mut lp, "localhost", 4, fill(s));
    }
    // Another family is another job.
    let other = slot();
    lookup(&mut lp, "localhost", 0, fill(&other));
    run(&mut lp, LIMIT);
    for s in &slots {
        assert_eq!(take(s).unwrap(), [IpAddr::from([127, 0, 0, 1])]);
    }
    assert!(take(&other).is_ok());
    assert_eq!(lp.lookup_jobs(), 2);
}

#[test]
fn addresses_answer_themselves_and_bad_names_fail_with_getaddrinfo() {
    let mut lp = EventLoop::new().unwrap();
    let (literal, wrong_family, missing) = (slot(), slot(), slot());
    lookup(&mut lp, "192.0.2.7", 0, fill(&literal));
    lookup(&mut lp, "::1", 4, fill(&wrong_family));
    lookup(&mut lp, "no-such-host.invalid", 0, fill(&missing));
    run(&mut lp, LIMIT);
    assert_eq!(take(&literal).unwrap(), [IpAddr::from([192, 0, 2, 7])]);
    assert_eq!(take(&wrong_family).unwrap_err().kind, Code::NotFound);
    let e = take(&missing).unwrap_err();
    // EAI_AGAIN where no DNS server is reachable at all.
    assert!(matches!(e.kind, Code::NotFound | Code::Again), "{e}");
    assert_eq!((e.syscall, e.hostname.as_str()), ("getaddrinfo", "no-such-host.invalid"));
    assert_eq!(lp.lookup_jobs(), 1);
}
