//! Host name lookup on the thread pool: libuv's `uv_getaddrinfo`, under Node's `dns.lookup` and
//! every connect by host name.
//!
//! The system resolver (`getaddrinfo`, so `/etc/hosts` and nsswitch apply) blocks, so it runs on
//! the loop's thread pool and the answer comes back to the loop. Identical lookups in flight at
//! the same time share one job. An optional cache ([`EventLoop::set_lookup_cache`]) keeps answers
//! for a fixed time: `getaddrinfo` reports no TTLs, so the time is the caller's choice.

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::fmt;
use std::net::{IpAddr, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

use crate::cache::ExpiringCache;
use crate::EventLoop;

/// Which address families a lookup returns (Node's `family`: 0, 4 or 6).
///
/// ```
/// use netcore::lookup::Family;
/// let mut lp = netcore::EventLoop::new()?;
/// lp.lookup("127.0.0.1", Family::V4, |_, found| assert_eq!(found.unwrap()[0].to_string(), "127.0.0.1"));
/// // An address literal of the other family is not an answer.
/// lp.lookup("127.0.0.1", Family::V6, |_, found| assert_eq!(found.unwrap_err().code, "ENOTFOUND"));
/// lp.run()?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Family {
    /// Both, in the order the system resolver gives them (Node's `verbatim` order).
    #[default]
    Any,
    /// IPv4 only.
    V4,
    /// IPv6 only.
    V6,
}

impl Family {
    fn admits(self, ip: &IpAddr) -> bool {
        match self {
            Family::Any => true,
            Family::V4 => ip.is_ipv4(),
            Family::V6 => ip.is_ipv6(),
        }
    }
}

/// Why a lookup failed, with Node's code.
///
/// ```
/// use netcore::lookup::Family;
/// let mut lp = netcore::EventLoop::new()?;
/// // An IPv6 literal asked for as IPv4: `ENOTFOUND`, as Node's `dns.lookup("::1", 4)` says.
/// lp.lookup("::1", Family::V4, |_, found| {
///     let e = found.unwrap_err();
///     assert_eq!((e.code, e.host.as_str()), ("ENOTFOUND", "::1"));
///     assert_eq!(e.to_string(), "getaddrinfo ENOTFOUND ::1");
/// });
/// lp.run()?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LookupError {
    /// Node's code: `ENOTFOUND` (no such name, or no address of the family asked for),
    /// `EAI_AGAIN` (the resolver could not be reached; try again), `EAI_FAIL` or `EIO`.
    pub code: &'static str,
    /// The name that was looked up.
    pub host: String,
}

impl fmt::Display for LookupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "getaddrinfo {} {}", self.code, self.host)
    }
}

impl std::error::Error for LookupError {}

/// The addresses a lookup found, in the resolver's order, without duplicates.
pub type Addresses = Arc<[IpAddr]>;

type Done = Box<dyn FnOnce(&mut EventLoop, Result<Addresses, LookupError>)>;
type Key = (String, Family);

/// The loop's lookups in flight and its cache.
struct Lookups {
    pending: HashMap<Key, Vec<Done>>,
    cache: ExpiringCache<Key, Addresses>,
    cache_ttl: Option<Duration>,
    /// Jobs started, for tests of the coalescing.
    jobs: u64,
}

impl Default for Lookups {
    fn default() -> Self {
        // No cache until the loop asks for one.
        Lookups { pending: HashMap::new(), cache: ExpiringCache::new(0), cache_ttl: None, jobs: 0 }
    }
}

/// The most answers [`EventLoop::set_lookup_cache`] keeps by default.
pub const DEFAULT_LOOKUP_CACHE_ENTRIES: usize = 256;

fn classify(e: &std::io::Error) -> &'static str {
    // std reports getaddrinfo's failures as text (gai_strerror) without the EAI code.
    let text = e.to_string();
    if text.contains("Temporary failure") {
        "EAI_AGAIN"
    } else if text.contains("Non-recoverable") {
        "EAI_FAIL"
    } else if e.raw_os_error().is_some() {
        "EIO"
    } else {
        "ENOTFOUND"
    }
}

fn resolve(host: &str, family: Family) -> Result<Vec<IpAddr>, &'static str> {
    let found = (host, 0u16).to_socket_addrs().map_err(|e| classify(&e))?;
    let mut out: Vec<IpAddr> = Vec::new();
    for addr in found {
        let ip = addr.ip();
        if family.admits(&ip) && !out.contains(&ip) {
            out.push(ip);
        }
    }
    if out.is_empty() {
        return Err("ENOTFOUND");
    }
    Ok(out)
}

impl EventLoop {
    /// Looks `host` up with the system resolver on the thread pool and calls `done` on the loop
    /// with the addresses (`dns.lookup(host, {family, all: true})`). An IP address answers itself;
    /// identical lookups in flight share one job; a cached answer (see
    /// [`set_lookup_cache`](Self::set_lookup_cache)) answers at once. `done` always runs on a later
    /// turn of the loop, never inside this call.
    ///
    /// ```
    /// use netcore::lookup::Family;
    /// let mut lp = netcore::EventLoop::new()?;
    /// lp.lookup("localhost", Family::Any, |_lp, result| {
    ///     let addrs = result.expect("localhost resolves");
    ///     assert!(addrs.iter().all(|ip| ip.is_loopback()));
    /// });
    /// lp.run()?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn lookup(
        &mut self,
        host: &str,
        family: Family,
        done: impl FnOnce(&mut EventLoop, Result<Addresses, LookupError>) + 'static,
    ) {
        if let Ok(ip) = host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>() {
            let result = if family.admits(&ip) {
                Ok(Addresses::from(vec![ip]))
            } else {
                Err(LookupError { code: "ENOTFOUND", host: host.to_string() })
            };
            self.next_tick(move |lp| done(lp, result));
            return;
        }
        let key = (host.to_ascii_lowercase(), family);
        let now = self.now();
        let lookups = self.state_or_default::<Lookups>();
        if let Some(addrs) = lookups.cache.get(&key, now) {
            let addrs = addrs.clone();
            self.next_tick(move |lp| done(lp, Ok(addrs)));
            return;
        }
        match lookups.pending.entry(key) {
            Entry::Occupied(mut waiting) => waiting.get_mut().push(Box::new(done)),
            Entry::Vacant(slot) => {
                let key = slot.key().clone();
                slot.insert(vec![Box::new(done)]);
                lookups.jobs += 1;
                let name = key.0.clone();
                self.queue_work(move || resolve(&name, family), move |lp, result| finish(lp, key, result));
            }
        }
    }

    /// Keeps lookup answers for `ttl` (none: no cache, the default), at most `max_entries` of them;
    /// the oldest answer makes room for a new one.
    pub fn set_lookup_cache(&mut self, ttl: Option<Duration>, max_entries: usize) {
        let lookups = self.state_or_default::<Lookups>();
        lookups.cache_ttl = ttl;
        lookups.cache.set_max(if ttl.is_some() { max_entries } else { 0 });
    }

    /// Thread-pool jobs lookups have started on this loop (coalesced lookups share one).
    pub fn lookup_jobs(&self) -> u64 {
        self.state::<Lookups>().map_or(0, |l| l.jobs)
    }
}

fn finish(lp: &mut EventLoop, key: Key, result: Result<Vec<IpAddr>, &'static str>) {
    let now = lp.now();
    let lookups = lp.state_or_default::<Lookups>();
    let waiting = lookups.pending.remove(&key).unwrap_or_default();
    let result = match result {
        Ok(addrs) => Ok(Addresses::from(addrs)),
        Err(code) => Err(LookupError { code, host: key.0.clone() }),
    };
    if let (Ok(addrs), Some(ttl)) = (&result, lookups.cache_ttl) {
        lookups.cache.insert(key, addrs.clone(), now + ttl);
    }
    for done in waiting {
        done(lp, result.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::rc::Rc;

    #[test]
    fn identical_lookups_in_flight_share_one_job() {
        let mut lp = EventLoop::new().expect("loop");
        let answers = Rc::new(RefCell::new(Vec::new()));
        for _ in 0..5 {
            let answers = answers.clone();
            lp.lookup("localhost", Family::Any, move |_, r| answers.borrow_mut().push(r.is_ok()));
        }
        lp.run().expect("run");
        assert_eq!(*answers.borrow(), vec![true; 5]);
        assert_eq!(lp.lookup_jobs(), 1);
    }

    #[test]
    fn the_cache_answers_until_its_ttl() {
        let mut lp = EventLoop::new().expect("loop");
        lp.set_lookup_cache(Some(Duration::from_secs(60)), 4);
        lp.lookup("localhost", Family::Any, |lp, r| {
            assert!(r.is_ok());
            lp.lookup("LOCALHOST", Family::Any, |_, r| assert!(r.is_ok()));
        });
        lp.run().expect("run");
        assert_eq!(lp.lookup_jobs(), 1);
    }

    #[test]
    fn addresses_answer_themselves_and_unknown_names_fail_with_enotfound() {
        let mut lp = EventLoop::new().expect("loop");
        lp.lookup("::1", Family::V4, |_, r| assert_eq!(r.expect_err("v6 asked as v4").code, "ENOTFOUND"));
        lp.lookup("127.0.0.1", Family::Any, |_, r| {
            assert_eq!(&*r.expect("literal"), &[IpAddr::from([127, 0, 0, 1])])
        });
        lp.lookup("no-such-host.invalid", Family::Any, |_, r| {
            // EAI_AGAIN where no resolver is reachable at all.
            assert!(matches!(r.expect_err("invalid TLD").code, "ENOTFOUND" | "EAI_AGAIN"))
        });
        lp.run().expect("run");
        assert_eq!(lp.lookup_jobs(), 1);
    }
}
