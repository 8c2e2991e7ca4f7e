//! `/etc/resolv.conf`, read the way glibc and c-ares read it: `nameserver`, `search` (or
//! `domain`), and `options ndots:N timeout:N attempts:N`.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

/// At most this many name servers are kept, as glibc's `MAXNS`.
pub const MAX_NAMESERVERS: usize = 3;
/// At most this many search domains are kept (glibc's `MAXDNSRCH`).
pub const MAX_SEARCH: usize = 6;

/// The resolver settings of `resolv.conf`.
///
/// ```
/// use std::time::Duration;
/// use netcore_dns::ResolvConf;
/// let defaults = ResolvConf::default(); // glibc's, for an empty file
/// assert_eq!(defaults.nameservers, ["127.0.0.1:53".parse().unwrap()]);
/// assert_eq!((defaults.ndots, defaults.timeout, defaults.attempts), (1, Duration::from_secs(5), 2));
/// // Out-of-range options are clamped, as glibc does.
/// let conf = ResolvConf::parse("nameserver ::1\noptions timeout:99 attempts:0");
/// assert_eq!((conf.nameservers[0].port(), conf.timeout.as_secs(), conf.attempts), (53, 30, 1));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResolvConf {
    /// Servers to ask, in order, on port 53 (default `127.0.0.1:53` when none is listed, as glibc).
    pub nameservers: Vec<SocketAddr>,
    /// Domains appended to names with fewer than `ndots` dots (default none).
    pub search: Vec<String>,
    /// A name with at least this many dots is tried as given first (default 1, at most 15).
    pub ndots: u8,
    /// How long to wait for each server's answer (default 5 s, at most 30 s).
    pub timeout: Duration,
    /// Rounds through the server list before giving up (default 2, at most 5).
    pub attempts: u8,
}

impl Default for ResolvConf {
    fn default() -> Self {
        ResolvConf {
            nameservers: vec![SocketAddr::from(([127, 0, 0, 1], 53))],
            search: Vec::new(),
            ndots: 1,
            timeout: Duration::from_secs(5),
            attempts: 2,
        }
    }
}

impl ResolvConf {
    /// Reads `/etc/resolv.conf`; a missing or unreadable file gives the defaults.
    pub fn system() -> ResolvConf {
        std::fs::read_to_string("/etc/resolv.conf").map(|s| ResolvConf::parse(&s)).unwrap_or_default()
    }

    /// Parses the text of a `resolv.conf`. Unknown lines and bad values are skipped, as glibc does.
    ///
    /// ```
    /// let conf = netcore_dns::ResolvConf::parse("nameserver 10.0.0.1\nsearch a.test b.test\noptions ndots:2 timeout:1");
    /// assert_eq!(conf.nameservers[0].to_string(), "10.0.0.1:53");
    /// assert_eq!(conf.search, ["a.test", "b.test"]);
    /// assert_eq!((conf.ndots, conf.timeout.as_secs(), conf.attempts), (2, 1, 2));
    /// ```
    pub fn parse(text: &str) -> ResolvConf {
        let mut conf = ResolvConf { nameservers: Vec::new(), ..ResolvConf::default() };
        for line in text.lines() {
            let line = line.split(['#', ';']).next().unwrap_or("");
            let mut words = line.split_whitespace();
            match words.next() {
                Some("nameserver") => {
                    // An IPv6 address may carry a zone (`fe80::1%eth0`); the zone is dropped.
                    let Some(ip) = words.next().and_then(|w| w.split('%').next()?.parse::<IpAddr>().ok())
                    else {
                        continue;
                    };
                    if conf.nameservers.len() < MAX_NAMESERVERS {
                        conf.nameservers.push(SocketAddr::new(ip, 53));
                    }
                }
                // The last of `search` and `domain` wins.
                Some("search") => conf.search = words.take(MAX_SEARCH).map(str::to_string).collect(),
                Some("domain") => conf.search = words.next().map(str::to_string).into_iter().collect(),
                Some("options") => {
                    for option in words {
                        let (name, value) = option.split_once(':').unwrap_or((option, ""));
                        let value: Option<u32> = value.parse().ok();
                        match (name, value) {
                            ("ndots", Some(n)) => conf.ndots = n.min(15) as u8,
                            ("timeout", Some(n)) => {
                                conf.timeout = Duration::from_secs(u64::from(n.clamp(1, 30)))
                            }
                            ("attempts", Some(n)) => conf.attempts = n.clamp(1, 5) as u8,
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
        if conf.nameservers.is_empty() {
            conf.nameservers = ResolvConf::default().nameservers;
        }
        conf
    }

    /// The names to try for `name`, in order (glibc's search rule): a name ending in a dot is
    /// absolute and tried alone; one with at least `ndots` dots is tried as given first, then with
    /// each search domain; others with each search domain first, then as given.
    ///
    /// ```
    /// let conf = netcore_dns::ResolvConf::parse("search corp.test\noptions ndots:1");
    /// assert_eq!(conf.candidates("www"), ["www.corp.test", "www"]);
    /// assert_eq!(conf.candidates("a.example"), ["a.example", "a.example.corp.test"]);
    /// assert_eq!(conf.candidates("a.example."), ["a.example"]);
    /// ```
    pub fn candidates(&self, name: &str) -> Vec<String> {
        if let Some(absolute) = name.strip_suffix('.') {
            return vec![absolute.to_string()];
        }
        let searched = self.search.iter().map(|d| format!("{name}.{}", d.trim_end_matches('.')));
        let dots = name.bytes().filter(|b| *b == b'.').count();
        if dots >= usize::from(self.ndots) {
            std::iter::once(name.to_string()).chain(searched).collect()
        } else {
            searched.chain(std::iter::once(name.to_string())).collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_bounds_and_junk() {
        let conf = ResolvConf::parse(
            "# comment\nnameserver 1.1.1.1\nnameserver ::1\nnameserver fe80::1%eth0\nnameserver 9.9.9.9\n\
             nameserver not-an-ip\noptions ndots:99 timeout:0 attempts:9 rotate\nsearch a b c d e f g h\nbogus\n",
        );
        assert_eq!(conf.nameservers.len(), MAX_NAMESERVERS);
        assert_eq!(conf.nameservers[1], "[::1]:53".parse().unwrap());
        assert_eq!(conf.nameservers[2].ip().to_string(), "fe80::1");
        assert_eq!((conf.ndots, conf.timeout, conf.attempts), (15, Duration::from_secs(1), 5));
        assert_eq!(conf.search.len(), MAX_SEARCH);
        assert_eq!(ResolvConf::parse(""), ResolvConf::default());
        assert_eq!(ResolvConf::parse("domain x.test\nsearch y.test").search, ["y.test"]);
    }
}
