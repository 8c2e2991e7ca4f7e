//! What the resolver tests share: the fixture zones served by a real unbound on loopback, a
//! resolver pointed at a server, and running the loop until the callbacks are done.
#![allow(dead_code)]

use std::cell::RefCell;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Duration;

use netcore::EventLoop;
use netcore_dns::{Resolver, ResolverOptions};
pub use netcore_testkit::Unbound;

/// Strings of the TXT record too large for a 1232-byte UDP answer: six of 255 bytes.
pub fn big_txt() -> Vec<String> {
    (0..6).map(|i| char::from(b'a' + i).to_string().repeat(255)).collect()
}

/// The forward zone: every record type the resolver decodes, CNAME chains, a name with only an
/// A record (for ENODATA), a TXT record of 1,530 bytes (only TCP can carry it), and
/// `nope.netcore.test.netcore.test` (while `nope.netcore.test` does not exist) for the search
/// rules. Every record states its TTL (a record without one takes the previous record's).
pub fn forward_zone() -> String {
    let big: Vec<String> = big_txt().iter().map(|s| format!("\"{s}\"")).collect();
    let long = "l".repeat(255);
    format!(
        r#"$ORIGIN netcore.test.
@ 300 IN SOA ns1 hostmaster 2024010101 3600 600 86400 300
@ 300 IN NS ns1
@ 300 IN NS ns2
@ 300 IN MX 10 mail
@ 300 IN MX 20 mail2
@ 300 IN CAA 0 issue "ca.example"
@ 300 IN CAA 128 iodef "mailto:security@netcore.test"
ns1 300 IN A 192.0.2.53
ns2 300 IN A 192.0.2.54
mail 300 IN A 192.0.2.25
www 60 IN A 192.0.2.1
www 60 IN A 192.0.2.2
www 70 IN AAAA 2001:db8::1
alias 120 IN CNAME www
c1 120 IN CNAME c2
c2 90 IN CNAME c3
c3 30 IN CNAME www
dangling 300 IN CNAME nowhere
nope.netcore.test 60 IN A 192.0.2.99
_sip._udp 300 IN SRV 10 60 5060 sip
_sip._udp 300 IN SRV 20 0 5061 sip2
txt 30 IN TXT "v=spf1 -all"
txt 30 IN TXT "first" "second" "third"
long 300 IN TXT "{long}" "tail"
big 60 IN TXT {big}
naptr 300 IN NAPTR 100 10 "U" "E2U+sip" "!^.*$!sip:info@netcore.test!" .
naptr 300 IN NAPTR 102 10 "S" "SIP+D2U" "" _sip._udp
"#,
        big = big.join(" ")
    )
}

/// The reverse zone of 192.0.2.0/24.
pub const REVERSE_ZONE: &str = "$ORIGIN 2.0.192.in-addr.arpa.
@ 300 IN SOA ns1.netcore.test. hostmaster.netcore.test. 1 3600 600 86400 300
@ 300 IN NS ns1.netcore.test.
1 300 IN PTR www.netcore.test.
2 300 IN PTR www.netcore.test.
2 300 IN PTR www2.netcore.test.
";

/// unbound serving the fixture zones.
pub fn fixture() -> Unbound {
    Unbound::start(&[("netcore.test.", &forward_zone()), ("2.0.192.in-addr.arpa.", REVERSE_ZONE)])
}

/// Options for tests: these servers, no search domains, `timeout` per server and `tries` rounds.
pub fn options(servers: &[SocketAddr], timeout: Duration, tries: u8) -> ResolverOptions {
    let mut o = ResolverOptions::default();
    o.servers = Some(servers.to_vec());
    o.search = Some(Vec::new());
    o.timeout = Some(timeout);
    o.tries = Some(tries);
    o
}

/// A loop and a resolver asking `servers` (2 s per server, 2 rounds).
pub fn resolver(servers: &[SocketAddr]) -> (EventLoop, Resolver) {
    let mut lp = EventLoop::new().expect("loop");
    let r = Resolver::new(&mut lp, options(servers, Duration::from_secs(2), 2));
    (lp, r)
}

/// Where a callback leaves its result.
pub type Slot<T> = Rc<RefCell<Option<T>>>;

/// An empty slot.
pub fn slot<T>() -> Slot<T> {
    Rc::new(RefCell::new(None))
}

/// A callback that fills `slot`.
pub fn fill<T: 'static>(slot: &Slot<T>) -> impl FnOnce(&mut EventLoop, T) + 'static {
    let slot = slot.clone();
    move |_, value| {
        assert!(slot.borrow_mut().replace(value).is_none(), "a callback ran twice");
    }
}

/// Runs the loop until nothing keeps it alive: the queries' timers do while they are in flight,
/// the resolver and its idle sockets do not. A watchdog (which does not keep the loop alive
/// either) fails the test if the loop does not end within `limit`.
pub fn run(lp: &mut EventLoop, limit: Duration) {
    let watchdog = lp.set_timeout(limit, move |_| panic!("the loop still runs after {limit:?}"));
    lp.unref_timer(watchdog);
    lp.run().expect("run");
    lp.clear_timer(watchdog);
}

/// The value a callback left, after [`run`].
pub fn take<T>(slot: &Slot<T>) -> T {
    slot.borrow_mut().take().expect("the loop ended before the callback ran")
}
