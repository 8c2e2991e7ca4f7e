//! The resolver against a real DNS server: unbound on loopback, authoritative for the fixture
//! zones of `common` (every record type, CNAME chains, a TXT record only TCP can carry, a
//! reverse zone). Each test runs the loop until nothing keeps it alive: the callbacks must have
//! run by then, and the loop must not outlive them.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, UdpSocket};
use std::time::{Duration, Instant};

use common::*;
use netcore::EventLoop;
use netcore_dns::{Caa, Code, Error, Naptr, RData, RecordType, Resolver, ResolverOptions, Soa, Srv};

const LIMIT: Duration = Duration::from_secs(10);

fn www() -> Vec<(Ipv4Addr, u32)> {
    vec![(Ipv4Addr::new(192, 0, 2, 1), 60), (Ipv4Addr::new(192, 0, 2, 2), 60)]
}

fn sorted<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort();
    v
}

#[test]
fn resolve4_and_resolve6_report_every_address_with_its_ttl() {
    let server = fixture();
    let (mut lp, r) = resolver(&[server.addr()]);
    let (v4, v6) = (slot(), slot());
    r.resolve4(&mut lp, "www.netcore.test", fill(&v4));
    r.resolve6(&mut lp, "WWW.Netcore.Test.", fill(&v6));
    run(&mut lp, LIMIT);
    assert_eq!(sorted(take(&v4).unwrap()), www());
    assert_eq!(take(&v6).unwrap(), vec![("2001:db8::1".parse::<Ipv6Addr>().unwrap(), 70)]);
}

#[test]
fn cname_chains_are_followed_and_resolve_shows_every_link() {
    let server = fixture();
    let (mut lp, r) = resolver(&[server.addr()]);
    let (addrs, records, cname, alias) = (slot(), slot(), slot(), slot());
    r.resolve4(&mut lp, "c1.netcore.test", fill(&addrs));
    r.resolve(&mut lp, "c1.netcore.test", RecordType::A, fill(&records));
    r.resolve_cname(&mut lp, "c1.netcore.test", fill(&cname));
    r.resolve4(&mut lp, "alias.netcore.test", fill(&alias));
    run(&mut lp, LIMIT);
    assert_eq!(sorted(take(&addrs).unwrap()), www());
    assert_eq!(sorted(take(&alias).unwrap()), www());
    assert_eq!(take(&cname).unwrap(), vec![("c2.netcore.test".to_string(), 120)]);
    let records = take(&records).unwrap();
    let links: Vec<(String, String, u32)> = records
        .iter()
        .filter_map(|rec| match &rec.rdata {
            RData::Cname(to) => Some((rec.name.to_string(), to.to_string(), rec.ttl)),
            _ => None,
        })
        .collect();
    assert_eq!(
        links,
        [
            ("c1.netcore.test".to_string(), "c2.netcore.test".to_string(), 120),
            ("c2.netcore.test".to_string(), "c3.netcore.test".to_string(), 90),
            ("c3.netcore.test".to_string(), "www.netcore.test".to_string(), 30),
        ]
    );
    assert_eq!(records.iter().filter(|rec| rec.rtype() == RecordType::A).count(), 2);
}

#[test]
fn mx_ns_soa_srv_caa_and_naptr_are_decoded() {
    let server = fixture();
    let (mut lp, r) = resolver(&[server.addr()]);
    let (mx, ns, soa, srv, caa, naptr) = (slot(), slot(), slot(), slot(), slot(), slot());
    r.resolve_mx(&mut lp, "netcore.test", fill(&mx));
    r.resolve_ns(&mut lp, "netcore.test", fill(&ns));
    r.resolve_soa(&mut lp, "netcore.test", fill(&soa));
    r.resolve_srv(&mut lp, "_sip._udp.netcore.test", fill(&srv));
    r.resolve_caa(&mut lp, "netcore.test", fill(&caa));
    r.resolve_naptr(&mut lp, "naptr.netcore.test", fill(&naptr));
    run(&mut lp, LIMIT);

    let mx: Vec<(u16, String, u32)> =
        take(&mx).unwrap().into_iter().map(|(m, t)| (m.priority, m.exchange, t)).collect();
    assert_eq!(
        sorted(mx),
        [(10, "mail.netcore.test".to_string(), 300), (20, "mail2.netcore.test".to_string(), 300)]
    );
    let ns: Vec<String> = take(&ns).unwrap().into_iter().map(|(n, _)| n).collect();
    assert_eq!(sorted(ns), ["ns1.netcore.test", "ns2.netcore.test"]);
    let expected = Soa {
        nsname: "ns1.netcore.test".into(),
        hostmaster: "hostmaster.netcore.test".into(),
        serial: 2024010101,
        refresh: 3600,
        retry: 600,
        expire: 86400,
        minttl: 300,
    };
    assert_eq!(take(&soa).unwrap(), vec![(expected, 300)]);
    let srv: Vec<Srv> = take(&srv).unwrap().into_iter().map(|(s, _)| s).collect();
    let srv: Vec<_> = sorted(srv.into_iter().map(|s| (s.priority, s.weight, s.port, s.name)).collect());
    assert_eq!(
        srv,
        [(10, 60, 5060, "sip.netcore.test".to_string()), (20, 0, 5061, "sip2.netcore.test".to_string())]
    );
    let caa: Vec<Caa> = take(&caa).unwrap().into_iter().map(|(c, _)| c).collect();
    let caa: Vec<_> = sorted(caa.into_iter().map(|c| (c.critical, c.tag, c.value)).collect());
    assert_eq!(
        caa,
        [
            (false, "issue".to_string(), "ca.example".to_string()),
            (true, "iodef".to_string(), "mailto:security@netcore.test".to_string())
        ]
    );
    let naptr: Vec<Naptr> = take(&naptr).unwrap().into_iter().map(|(n, _)| n).collect();
    let mut naptr: Vec<_> = naptr
        .into_iter()
        .map(|n| (n.order, n.preference, n.flags, n.service, n.regexp, n.replacement))
        .collect();
    naptr.sort();
    assert_eq!(
        naptr,
        [
            (100, 10, "U".into(), "E2U+sip".into(), "!^.*$!sip:info@netcore.test!".into(), "".into()),
            (102, 10, "S".into(), "SIP+D2U".into(), "".into(), "_sip._udp.netcore.test".into()),
        ]
    );
}

#[test]
fn txt_records_keep_every_string_even_long_ones() {
    let server = fixture();
    let (mut lp, r) = resolver(&[server.addr()]);
    let (txt, long) = (slot(), slot());
    r.resolve_txt(&mut lp, "txt.netcore.test", fill(&txt));
    r.resolve_txt(&mut lp, "long.netcore.test", fill(&long));
    run(&mut lp, LIMIT);
    let txt: Vec<(Vec<String>, u32)> = sorted(take(&txt).unwrap());
    assert_eq!(
        txt,
        [(vec!["first".to_string(), "second".into(), "third".into()], 30), (vec!["v=spf1 -all".into()], 30)]
    );
    assert_eq!(take(&long).unwrap(), vec![(vec!["l".repeat(255), "tail".to_string()], 300)]);
}

/// 1,530 bytes of TXT do not fit the 1232 bytes our EDNS0 offers (nor 512 without EDNS0):
/// unbound answers with TC and no records, and only the TCP retry gets them.
#[test]
fn a_txt_record_too_large_for_udp_comes_over_tcp() {
    let server = fixture();
    let mut lp = EventLoop::new().unwrap();
    let edns = Resolver::new(&mut lp, options(&[server.addr()], Duration::from_secs(2), 2));
    let mut plain = options(&[server.addr()], Duration::from_secs(2), 2);
    plain.edns_payload = None;
    let plain = Resolver::new(&mut lp, plain);
    let (a, b) = (slot(), slot());
    edns.resolve_txt(&mut lp, "big.netcore.test", fill(&a));
    plain.resolve_txt(&mut lp, "big.netcore.test", fill(&b));
    run(&mut lp, LIMIT);
    assert_eq!(take(&a).unwrap(), vec![(big_txt(), 60)]);
    assert_eq!(take(&b).unwrap(), vec![(big_txt(), 60)]);
}

#[test]
fn reverse_reads_the_ptr_records_of_the_reverse_zone() {
    let server = fixture();
    let (mut lp, r) = resolver(&[server.addr()]);
    let (one, two, none) = (slot(), slot(), slot());
    r.reverse(&mut lp, IpAddr::from([192, 0, 2, 1]), fill(&one));
    r.reverse(&mut lp, IpAddr::from([192, 0, 2, 2]), fill(&two));
    r.reverse(&mut lp, IpAddr::from([192, 0, 2, 9]), fill(&none));
    run(&mut lp, LIMIT);
    assert_eq!(take(&one).unwrap(), ["www.netcore.test"]);
    assert_eq!(sorted(take(&two).unwrap()), ["www.netcore.test", "www2.netcore.test"]);
    assert_eq!(take(&none).unwrap_err(), Error::new(Code::NotFound, "getHostByAddr", "192.0.2.9"));
}

#[test]
fn nxdomain_is_enotfound_and_a_name_without_the_type_is_enodata() {
    let server = fixture();
    let (mut lp, r) = resolver(&[server.addr()]);
    let (nx, nodata, nodata_any, dangling, no_cname) = (slot(), slot(), slot(), slot(), slot());
    r.resolve4(&mut lp, "nope.netcore.test", fill(&nx));
    r.resolve_mx(&mut lp, "www.netcore.test", fill(&nodata));
    r.resolve(&mut lp, "ns1.netcore.test", RecordType::AAAA, fill(&nodata_any));
    r.resolve4(&mut lp, "dangling.netcore.test", fill(&dangling));
    r.resolve(&mut lp, "www.netcore.test", RecordType::CNAME, fill(&no_cname));
    run(&mut lp, LIMIT);
    let nx = take(&nx).unwrap_err();
    assert_eq!(nx, Error::new(Code::NotFound, "queryA", "nope.netcore.test"));
    assert_eq!(nx.to_string(), "queryA ENOTFOUND nope.netcore.test");
    assert_eq!(take(&nodata).unwrap_err(), Error::new(Code::NoData, "queryMx", "www.netcore.test"));
    assert_eq!(take(&nodata_any).unwrap_err(), Error::new(Code::NoData, "queryAaaa", "ns1.netcore.test"));
    assert_eq!(take(&no_cname).unwrap_err(), Error::new(Code::NoData, "queryCname", "www.netcore.test"));
    // A CNAME to a name that does not exist: unbound answers NOERROR with the CNAME alone (no
    // address: ENODATA, as c-ares); RFC 6604 would have NXDOMAIN (ENOTFOUND).
    let dangling = take(&dangling).unwrap_err();
    assert!(matches!(dangling.kind, Code::NoData | Code::NotFound), "{dangling}");
}

#[test]
fn a_bad_name_is_ebadname() {
    let (mut lp, r) = resolver(&["127.0.0.1:9".parse().unwrap()]);
    let (empty_label, too_long) = (slot(), slot());
    r.resolve4(&mut lp, "a..netcore.test", fill(&empty_label));
    r.resolve4(&mut lp, &format!("{}.test", "x".repeat(64)), fill(&too_long));
    run(&mut lp, LIMIT);
    assert_eq!(take(&empty_label).unwrap_err().kind, Code::BadName);
    assert_eq!(take(&too_long).unwrap_err().kind, Code::BadName);
}

/// A port nothing listens on: the kernel's ICMP port unreachable arrives on the connected socket
/// as ECONNREFUSED, long before the timeout.
#[test]
fn nothing_listening_is_econnrefused_at_once() {
    let dead = UdpSocket::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let mut lp = EventLoop::new().unwrap();
    let r = Resolver::new(&mut lp, options(&[dead], Duration::from_secs(5), 2));
    let got = slot();
    let start = Instant::now();
    r.resolve4(&mut lp, "www.netcore.test", fill(&got));
    run(&mut lp, LIMIT);
    assert_eq!(take(&got).unwrap_err(), Error::new(Code::ConnRefused, "queryA", "www.netcore.test"));
    assert!(start.elapsed() < Duration::from_secs(2), "took {:?}", start.elapsed());
}

#[test]
fn the_second_server_answers_when_the_first_stays_silent() {
    let server = fixture();
    // Bound and never read: datagrams to it vanish without an ICMP answer.
    let silent = UdpSocket::bind("127.0.0.1:0").unwrap();
    let mut lp = EventLoop::new().unwrap();
    let timeout = Duration::from_millis(200);
    let r = Resolver::new(&mut lp, options(&[silent.local_addr().unwrap(), server.addr()], timeout, 1));
    let got = slot();
    let start = Instant::now();
    r.resolve4(&mut lp, "www.netcore.test", fill(&got));
    run(&mut lp, LIMIT);
    assert_eq!(sorted(take(&got).unwrap()), www());
    assert!(
        start.elapsed() >= timeout,
        "answered in {:?}, before the first server's timeout",
        start.elapsed()
    );
    assert_eq!(r.servers(&mut lp), [silent.local_addr().unwrap(), server.addr()]);
}

#[test]
fn cancel_ends_every_query_in_flight_with_ecancelled_and_the_resolver_goes_on() {
    let server = fixture();
    let silent = UdpSocket::bind("127.0.0.1:0").unwrap();
    let mut lp = EventLoop::new().unwrap();
    let r = Resolver::new(&mut lp, options(&[silent.local_addr().unwrap()], Duration::from_secs(30), 2));
    let (a, b) = (slot(), slot());
    r.resolve4(&mut lp, "www.netcore.test", fill(&a));
    r.resolve_txt(&mut lp, "txt.netcore.test", fill(&b));
    lp.set_timeout(Duration::from_millis(50), move |lp| r.cancel(lp));
    let start = Instant::now();
    run(&mut lp, LIMIT);
    assert!(start.elapsed() < Duration::from_secs(5), "cancel took {:?}", start.elapsed());
    assert_eq!(take(&a).unwrap_err(), Error::new(Code::Cancelled, "queryA", "www.netcore.test"));
    assert_eq!(take(&b).unwrap_err(), Error::new(Code::Cancelled, "queryTxt", "txt.netcore.test"));

    // New servers, and the same resolver answers again.
    r.set_servers(&mut lp, &[server.addr()]);
    let c = slot();
    r.resolve4(&mut lp, "www.netcore.test", fill(&c));
    run(&mut lp, LIMIT);
    assert_eq!(sorted(take(&c).unwrap()), www());
}

/// glibc's rules: a name with fewer than `ndots` dots tries the search domains first, one with
/// more is tried as given first, one ending in a dot is tried alone. The zone has
/// `nope.netcore.test.netcore.test` but no `nope.netcore.test`.
#[test]
fn search_domains_are_tried_in_order() {
    let server = fixture();
    let mut lp = EventLoop::new().unwrap();
    let mut o = options(&[server.addr()], Duration::from_secs(2), 2);
    o.search = Some(vec!["sub.netcore.test".into(), "netcore.test".into()]);
    let r = Resolver::new(&mut lp, o);
    let (short, relative, absolute) = (slot(), slot(), slot());
    // `www.sub.netcore.test` does not exist; `www.netcore.test` does.
    r.resolve4(&mut lp, "www", fill(&short));
    // As given (NXDOMAIN), then `nope.netcore.test.sub.netcore.test` (NXDOMAIN), then found.
    r.resolve4(&mut lp, "nope.netcore.test", fill(&relative));
    r.resolve4(&mut lp, "nope.netcore.test.", fill(&absolute));
    run(&mut lp, LIMIT);
    assert_eq!(sorted(take(&short).unwrap()), www());
    assert_eq!(take(&relative).unwrap(), [(Ipv4Addr::new(192, 0, 2, 99), 60)]);
    assert_eq!(take(&absolute).unwrap_err(), Error::new(Code::NotFound, "queryA", "nope.netcore.test."));
}

/// A name that exists without the type under one search domain and not at all under the last:
/// `ENODATA`, as c-ares, not the last name's `ENOTFOUND`.
#[test]
fn enodata_under_any_search_domain_wins_over_a_later_enotfound() {
    let server = fixture();
    let mut lp = EventLoop::new().unwrap();
    let mut o = options(&[server.addr()], Duration::from_secs(2), 2);
    o.search = Some(vec!["netcore.test".into(), "sub.netcore.test".into()]);
    let r = Resolver::new(&mut lp, o);
    let got = slot();
    // nope.netcore.test: NXDOMAIN; nope.netcore.test.netcore.test: an A, no MX;
    // nope.netcore.test.sub.netcore.test: NXDOMAIN.
    r.resolve_mx(&mut lp, "nope.netcore.test", fill(&got));
    run(&mut lp, LIMIT);
    assert_eq!(take(&got).unwrap_err(), Error::new(Code::NoData, "queryMx", "nope.netcore.test"));
}

#[test]
fn many_queries_in_flight_each_get_their_own_answer() {
    let server = fixture();
    let (mut lp, r) = resolver(&[server.addr()]);
    let names = ["www", "c1", "alias", "nope", "ns1", "ns2", "mail"];
    let mut slots = Vec::new();
    for i in 0..300 {
        let name = format!("{}.netcore.test", names[i % names.len()]);
        let s = slot();
        r.resolve4(&mut lp, &name, fill(&s));
        slots.push((name, s));
    }
    run(&mut lp, LIMIT);
    for (name, s) in slots {
        let got = take(&s);
        let expected: Result<HashSet<Ipv4Addr>, Code> = match name.split('.').next().unwrap() {
            "www" | "c1" | "alias" => Ok([[192, 0, 2, 1], [192, 0, 2, 2]].map(Ipv4Addr::from).into()),
            "nope" => Err(Code::NotFound),
            "ns1" => Ok([Ipv4Addr::new(192, 0, 2, 53)].into()),
            "ns2" => Ok([Ipv4Addr::new(192, 0, 2, 54)].into()),
            _ => Ok([Ipv4Addr::new(192, 0, 2, 25)].into()),
        };
        assert_eq!(
            got.map(|v| v.into_iter().map(|(ip, _)| ip).collect()).map_err(|e| e.kind),
            expected,
            "{name}"
        );
    }
}

#[test]
fn with_the_cache_a_repeat_is_answered_without_the_server() {
    let server = fixture();
    let addr = server.addr();
    let mut lp = EventLoop::new().unwrap();
    let mut o = options(&[addr], Duration::from_millis(300), 1);
    o.cache = true;
    let cached = Resolver::new(&mut lp, o);
    let uncached = Resolver::new(&mut lp, options(&[addr], Duration::from_millis(300), 1));
    let first = slot();
    cached.resolve4(&mut lp, "www.netcore.test", fill(&first));
    run(&mut lp, LIMIT);
    assert_eq!(sorted(take(&first).unwrap()), www());

    drop(server);
    let (again, without) = (slot(), slot());
    cached.resolve4(&mut lp, "www.netcore.test", fill(&again));
    uncached.resolve4(&mut lp, "www.netcore.test", fill(&without));
    run(&mut lp, LIMIT);
    assert_eq!(sorted(take(&again).unwrap()), www());
    assert!(matches!(take(&without).unwrap_err().kind, Code::ConnRefused | Code::Timeout));
}

#[test]
fn resolve_any_returns_records() {
    let server = fixture();
    let (mut lp, r) = resolver(&[server.addr()]);
    let got = slot();
    r.resolve_any(&mut lp, "www.netcore.test", fill(&got));
    run(&mut lp, LIMIT);
    // Servers may answer ANY with everything or with one record set (RFC 8482).
    let records = take(&got).unwrap();
    assert!(!records.is_empty());
    assert!(records.iter().all(|rec| rec.name.to_string() == "www.netcore.test"));
}

/// The resolver and its idle sockets never keep the loop alive; only queries in flight do.
#[test]
fn an_idle_resolver_does_not_keep_the_loop_alive() {
    let server = fixture();
    let mut lp = EventLoop::new().unwrap();
    let _idle = Resolver::new(&mut lp, ResolverOptions::default());
    assert!(!lp.is_alive());
    let r = Resolver::new(&mut lp, options(&[server.addr()], Duration::from_secs(30), 2));
    let got = slot();
    r.resolve4(&mut lp, "www.netcore.test", fill(&got));
    assert!(lp.is_alive());
    let start = Instant::now();
    run(&mut lp, LIMIT);
    assert!(take(&got).is_ok());
    // Its UDP socket is still open, for the next query, and the loop ended all the same.
    assert!(lp.handle_count() >= 2);
    assert!(!lp.is_alive());
    assert!(start.elapsed() < Duration::from_secs(5));
}

#[test]
fn no_servers_is_econnrefused_not_a_hang() {
    let mut lp = EventLoop::new().unwrap();
    let r = Resolver::new(&mut lp, options(&[], Duration::from_secs(1), 1));
    let got = slot();
    r.resolve4(&mut lp, "www.netcore.test", fill(&got));
    run(&mut lp, LIMIT);
    assert_eq!(take(&got).unwrap_err().kind, Code::ConnRefused);
    assert!(r.servers(&mut lp).is_empty());
}
