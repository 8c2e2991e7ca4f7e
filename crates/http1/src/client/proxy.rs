//! Forward proxies. An `http:` request goes to the proxy with its target in absolute form
//! (`GET http://origin:port/path HTTP/1.1`, RFC 9112 §3.2.2), the `Host` header still naming the
//! origin; an `https:` request opens a tunnel first (`CONNECT origin:443 HTTP/1.1`, RFC 9110
//! §9.3.6) and speaks TLS to the origin through it. The proxy comes from the options, or, on
//! request, from the `HTTP_PROXY`, `HTTPS_PROXY` and `NO_PROXY` environment variables (as curl
//! reads them, and Node with `NODE_USE_ENV_PROXY`). Credentials in the proxy's URL
//! (`http://user:pass@proxy:3128`) go out as `Proxy-Authorization: Basic …`.

use std::fmt;
use std::net::IpAddr;

use super::options::authority;
use super::url::{Protocol, Url, UrlError};

/// A forward proxy's address, and the credentials it wants, if any. `Debug` never shows the
/// credentials.
///
/// ```
/// use netcore_http1::client::Proxy;
/// let proxy = Proxy::parse("http://proxy.internal:3128")?;
/// assert_eq!((proxy.host(), proxy.port()), ("proxy.internal", 3128));
/// // Credentials, percent-decoded, sent as `Proxy-Authorization: Basic …`.
/// let proxy = Proxy::parse("http://alice:s%40cret@proxy.internal:3128")?;
/// assert!(proxy.has_auth());
/// assert!(!format!("{proxy:?}").contains("cret"));
/// // NO_PROXY: exact hosts, domain suffixes, host:port, CIDR ranges, or `*`.
/// let no_proxy = Some("localhost,.example.com,10.0.0.0/8");
/// let p = Proxy::for_target("api.example.com", 80, Some("http://proxy:3128"), no_proxy)?;
/// assert!(p.is_none());
/// let p = Proxy::for_target("10.1.2.3", 80, Some("http://proxy:3128"), no_proxy)?;
/// assert!(p.is_none());
/// let p = Proxy::for_target("example.org", 80, Some("http://proxy:3128"), no_proxy)?;
/// assert_eq!(p.map(|p| p.port()), Some(3128));
/// # Ok::<(), netcore_http1::client::UrlError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Proxy {
    host: String,
    port: u16,
    /// `user:password`, decoded.
    auth: Option<String>,
}

impl fmt::Debug for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Proxy")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("auth", &self.auth.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl Proxy {
    /// A proxy at `host:port`, without credentials.
    ///
    /// ```
    /// use netcore_http1::client::Proxy;
    /// let proxy = Proxy::new("10.0.0.1", 3128);
    /// assert_eq!((proxy.host(), proxy.port(), proxy.has_auth()), ("10.0.0.1", 3128, false));
    /// ```
    pub fn new(host: &str, port: u16) -> Proxy {
        Proxy { host: host.to_string(), port, auth: None }
    }

    /// A proxy from its URL, `http://[user:password@]host[:port]` (port 80 when none is given; a
    /// path is ignored). The user and password are percent-decoded. `https:` proxies (TLS to the
    /// proxy itself) are not supported.
    ///
    /// ```
    /// use netcore_http1::client::Proxy;
    /// let proxy = Proxy::parse("http://proxy.internal")?;
    /// assert_eq!(proxy.port(), 80);
    /// assert_eq!(Proxy::parse("https://proxy.internal:443").unwrap_err().code(), "ERR_INVALID_PROTOCOL");
    /// # Ok::<(), netcore_http1::client::UrlError>(())
    /// ```
    pub fn parse(url: &str) -> Result<Proxy, UrlError> {
        let url = Url::parse(url)?;
        if url.protocol() != Protocol::Http {
            return Err(UrlError::UnsupportedProtocol { protocol: url.protocol().name().to_string() });
        }
        Ok(Proxy { host: url.host().to_string(), port: url.port(), auth: url.auth().map(str::to_string) })
    }

    /// The same proxy with credentials (not percent-encoded), sent as
    /// `Proxy-Authorization: Basic base64(user:password)` (RFC 7617).
    ///
    /// ```
    /// use netcore_http1::client::Proxy;
    /// let proxy = Proxy::new("proxy.internal", 3128).with_auth("alice", "secret");
    /// assert_eq!(proxy, Proxy::parse("http://alice:secret@proxy.internal:3128")?);
    /// # Ok::<(), netcore_http1::client::UrlError>(())
    /// ```
    pub fn with_auth(mut self, user: &str, password: &str) -> Proxy {
        self.auth = Some(format!("{user}:{password}"));
        self
    }

    /// The proxy's host.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The proxy's port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Whether the proxy has credentials.
    pub fn has_auth(&self) -> bool {
        self.auth.is_some()
    }

    /// The proxy for a request to `host:port`, given the values of `HTTP_PROXY` (or
    /// `HTTPS_PROXY` for an `https:` request) and `NO_PROXY`: none if `http_proxy` is unset or
    /// empty, or if `no_proxy` excludes the target.
    ///
    /// `no_proxy` is a list separated by commas or whitespace: `*` excludes every host; a name
    /// excludes that host and its subdomains (`example.com` and `.example.com` both exclude
    /// `a.example.com`; `.example.com` and `*.example.com` also exclude `example.com`, as curl
    /// does); an address excludes itself (IPv6 with or without brackets); a CIDR range
    /// (`10.0.0.0/8`, `::1/128`, as curl 7.86+) excludes the addresses in it (a target given by
    /// name is not resolved for this; a range with an invalid prefix is ignored); `:port` after
    /// a name or address limits it to that port. Case does not matter.
    ///
    /// ```
    /// use netcore_http1::client::Proxy;
    /// let env = Some("proxy:3128"); // a bare host:port means http://
    /// assert_eq!(Proxy::for_target("example.com", 80, env, None)?, Some(Proxy::new("proxy", 3128)));
    /// assert_eq!(Proxy::for_target("example.com", 80, Some(""), None)?, None); // unset or empty
    /// assert_eq!(Proxy::for_target("localhost", 8080, env, Some("localhost:8080"))?, None);
    /// assert!(Proxy::for_target("localhost", 9090, env, Some("localhost:8080"))?.is_some());
    /// assert_eq!(Proxy::for_target("::1", 80, env, Some("::1/128"))?, None);
    /// # Ok::<(), netcore_http1::client::UrlError>(())
    /// ```
    pub fn for_target(
        host: &str,
        port: u16,
        http_proxy: Option<&str>,
        no_proxy: Option<&str>,
    ) -> Result<Option<Proxy>, UrlError> {
        let Some(proxy) = http_proxy.map(str::trim).filter(|p| !p.is_empty()) else { return Ok(None) };
        if no_proxy.is_some_and(|list| excluded(host, port, list)) {
            return Ok(None);
        }
        // A bare `host:port`, as people often write it, means http.
        let proxy = if proxy.contains("://") { proxy.to_string() } else { format!("http://{proxy}") };
        Proxy::parse(&proxy).map(Some)
    }

    /// [`for_target`](Self::for_target) with `http_proxy` (or `HTTP_PROXY`) and `no_proxy` (or
    /// `NO_PROXY`) from the environment; the lowercase names win, as in curl.
    ///
    /// ```
    /// use netcore_http1::client::Proxy;
    /// std::env::set_var("http_proxy", "http://proxy.internal:3128");
    /// std::env::set_var("no_proxy", ".internal");
    /// assert_eq!(Proxy::from_env("example.com", 80)?.map(|p| p.port()), Some(3128));
    /// assert_eq!(Proxy::from_env("db.internal", 5432)?, None);
    /// # Ok::<(), netcore_http1::client::UrlError>(())
    /// ```
    pub fn from_env(host: &str, port: u16) -> Result<Option<Proxy>, UrlError> {
        let var = |lower: &str, upper: &str| std::env::var(lower).or_else(|_| std::env::var(upper)).ok();
        let http_proxy = var("http_proxy", "HTTP_PROXY");
        let no_proxy = var("no_proxy", "NO_PROXY");
        Proxy::for_target(host, port, http_proxy.as_deref(), no_proxy.as_deref())
    }

    /// [`from_env`](Self::from_env) for an `https:` target: `https_proxy` (or `HTTPS_PROXY`).
    pub(crate) fn from_env_for_https(host: &str, port: u16) -> Result<Option<Proxy>, UrlError> {
        let var = |lower: &str, upper: &str| std::env::var(lower).or_else(|_| std::env::var(upper)).ok();
        let https_proxy = var("https_proxy", "HTTPS_PROXY");
        let no_proxy = var("no_proxy", "NO_PROXY");
        Proxy::for_target(host, port, https_proxy.as_deref(), no_proxy.as_deref())
    }

    /// `host:port` of the proxy, as a connection target and pool key.
    pub(crate) fn authority(&self) -> String {
        authority(&self.host, self.port, None)
    }

    /// The proxy as a tunnel's pool names it: `[user@]host:port` (never the password), so that
    /// a tunnel opened with one user's credentials is not reused for another's.
    pub(crate) fn pool_name(&self) -> String {
        match self.auth.as_deref().and_then(|a| a.split_once(':')) {
            Some((user, _)) => format!("{user}@{}", self.authority()),
            None => self.authority(),
        }
    }

    /// The `Proxy-Authorization` value for the proxy's credentials, if it has any.
    pub(crate) fn authorization(&self) -> Option<String> {
        self.auth.as_deref().map(basic_credentials)
    }
}

/// `Basic base64(user:password)`, the value of an `Authorization` or `Proxy-Authorization`
/// field (RFC 7617 §2; the credentials as UTF-8, as Node's `Buffer.from(auth)`).
///
/// ```
/// use netcore_http1::client::basic_credentials;
/// assert_eq!(basic_credentials("Aladdin:open sesame"), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
/// ```
pub fn basic_credentials(user_pass: &str) -> String {
    use base64::Engine as _;
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(user_pass))
}

/// Whether `no_proxy` names `host:port`.
fn excluded(host: &str, port: u16, no_proxy: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']').trim_end_matches('.');
    let host_ip = host.parse::<IpAddr>().ok();
    no_proxy.split([',', ' ', '\t', '\n']).map(str::trim).filter(|e| !e.is_empty()).any(|entry| {
        if entry == "*" {
            return true;
        }
        if let Some((net, prefix)) = entry.rsplit_once('/') {
            // A CIDR range only ever matches an address; it takes no port.
            return host_ip.is_some_and(|ip| in_cidr(ip, net, prefix));
        }
        let (name, entry_port) = split_entry(entry);
        if entry_port.is_some_and(|p| p != port) {
            return false;
        }
        // An address compares as an address (`::1` names `0:0::1`), never as a domain suffix:
        // `0.0.1` does not take in `127.0.0.1` (curl reads them the same way).
        if let Some(ip) = host_ip {
            return name.parse::<IpAddr>().is_ok_and(|entry_ip| entry_ip == ip);
        }
        let name = name.strip_prefix("*.").or_else(|| name.strip_prefix('.')).unwrap_or(name);
        let name = name.trim_end_matches('.');
        if name.is_empty() {
            return false;
        }
        // `example.com` and `.example.com` alike take in the subdomains, as curl reads them.
        host.eq_ignore_ascii_case(name)
            || (host.len() > name.len()
                && host.as_bytes()[host.len() - name.len() - 1] == b'.'
                && host.get(host.len() - name.len()..).is_some_and(|tail| tail.eq_ignore_ascii_case(name)))
    })
}

/// Whether `ip` is in the range `net/prefix` (`10.0.0.0/8`, `[fd00::]/8`, `::1/128`). A
/// malformed network or a prefix longer than the address matches nothing.
fn in_cidr(ip: IpAddr, net: &str, prefix: &str) -> bool {
    let net = net.strip_prefix('[').and_then(|n| n.strip_suffix(']')).unwrap_or(net);
    let (Ok(net), Ok(prefix)) = (net.parse::<IpAddr>(), prefix.parse::<u32>()) else { return false };
    match (ip, net) {
        (IpAddr::V4(ip), IpAddr::V4(net)) if prefix <= 32 => {
            let mask = u32::MAX.checked_shl(32 - prefix).unwrap_or(0);
            u32::from(ip) & mask == u32::from(net) & mask
        }
        (IpAddr::V6(ip), IpAddr::V6(net)) if prefix <= 128 => {
            let mask = u128::MAX.checked_shl(128 - prefix).unwrap_or(0);
            u128::from(ip) & mask == u128::from(net) & mask
        }
        _ => false,
    }
}

/// `name[:port]`, `[v6][:port]` or a bare IPv6 address.
fn split_entry(entry: &str) -> (&str, Option<u16>) {
    if let Some(rest) = entry.strip_prefix('[') {
        let (v6, after) = rest.split_once(']').unwrap_or((rest, ""));
        return (v6, after.strip_prefix(':').and_then(|p| p.parse().ok()));
    }
    match entry.rsplit_once(':') {
        // More than one colon: an IPv6 address without brackets.
        Some((name, _)) if name.contains(':') => (entry, None),
        Some((name, port)) => match port.parse() {
            Ok(p) => (name, Some(p)),
            Err(_) => (entry, None),
        },
        None => (entry, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_proxy_entries() {
        let cases: &[(&str, u16, &str, bool)] = &[
            ("example.com", 80, "*", true),
            ("example.com", 80, "example.com", true),
            ("EXAMPLE.com", 80, "example.COM", true),
            ("a.example.com", 80, "example.com", true),
            ("a.example.com", 80, ".example.com", true),
            ("example.com", 80, ".example.com", true),
            ("a.b.example.com", 80, "*.example.com", true),
            ("notexample.com", 80, "example.com", false),
            ("example.com.evil", 80, "example.com", false),
            ("example.com", 80, "example.com:8080", false),
            ("example.com", 8080, "example.com:8080", true),
            ("example.com", 80, "other.org, example.com", true),
            ("example.com", 80, "other.org example.com", true),
            ("example.com", 80, "", false),
            ("example.com", 80, ".", false),
            ("127.0.0.1", 3000, "localhost,127.0.0.1", true),
            ("127.0.0.10", 3000, "127.0.0.1", false),
            ("::1", 80, "::1", true),
            ("::1", 80, "[::1]", true),
            ("::1", 8080, "[::1]:8080", true),
            ("::1", 80, "[::1]:8080", false),
            ("example.com.", 80, "example.com", true),
            // Addresses compare as addresses.
            ("0:0::1", 80, "::1", true),
            ("::1", 80, "0:0:0:0:0:0:0:1", true),
            ("127.0.0.1", 80, "127.0.0.1:80", true),
            ("127.0.0.1", 81, "127.0.0.1:80", false),
            ("127.0.0.1", 80, "0.0.1", false),
            ("127.0.0.1", 80, ".0.0.1", false),
            ("10.0.0.1", 80, "localhost", false),
            // CIDR ranges (curl 7.86+).
            ("10.1.2.3", 80, "10.0.0.0/8", true),
            ("11.1.2.3", 80, "10.0.0.0/8", false),
            ("192.168.1.77", 80, "192.168.1.0/24", true),
            ("192.168.2.1", 80, "192.168.1.0/24", false),
            ("192.168.1.77", 80, "192.168.1.5/24", true),
            ("127.0.0.1", 80, "127.0.0.1/32", true),
            ("127.0.0.2", 80, "127.0.0.1/32", false),
            ("8.8.8.8", 80, "0.0.0.0/0", true),
            ("::1", 80, "0.0.0.0/0", false),
            ("::1", 80, "::1/128", true),
            ("::2", 80, "::1/128", false),
            ("[::1]", 80, "::1/128", true),
            ("fd12:3456::1", 80, "fd00::/8", true),
            ("fe80::1", 80, "fd00::/8", false),
            ("fd12:3456::1", 80, "[fd00::]/8", true),
            ("2001:db8::1", 80, "::/0", true),
            ("10.1.2.3", 80, "::/0", false),
            ("10.1.2.3", 80, "other.org, 10.0.0.0/8", true),
            // A range never matches a name: nothing is resolved.
            ("localhost", 80, "127.0.0.0/8", false),
            ("10.example.com", 80, "10.0.0.0/8", false),
            // Invalid ranges are ignored, the rest of the list still counts.
            ("10.1.2.3", 80, "10.0.0.0/33", false),
            ("::1", 80, "::1/129", false),
            ("10.1.2.3", 80, "10.0.0.0/-1", false),
            ("10.1.2.3", 80, "10.0.0.0/", false),
            ("10.1.2.3", 80, "10.0.0/8", false),
            ("10.1.2.3", 80, "/8", false),
            ("10.1.2.3", 80, "10.0.0.0/8x", false),
            ("10.1.2.3", 80, "10.0.0.0/99999999999999999999", false),
            ("10.1.2.3", 80, "10.0.0.0/33, 10.1.2.3", true),
            ("example.com", 80, "10.0.0.0/33,example.com", true),
        ];
        for &(host, port, list, want) in cases {
            assert_eq!(excluded(host, port, list), want, "{host}:{port} in {list:?}");
        }
    }

    #[test]
    fn proxy_for_a_target() {
        let p = Proxy::for_target("a", 80, Some("proxy:3128"), None).unwrap();
        assert_eq!(p, Some(Proxy::new("proxy", 3128)));
        assert_eq!(Proxy::for_target("a", 80, Some(" "), None).unwrap(), None);
        assert_eq!(Proxy::for_target("a", 80, None, None).unwrap(), None);
        assert_eq!(Proxy::for_target("a", 80, Some("http://p:1"), Some("a")).unwrap(), None);
        let e = Proxy::for_target("a", 80, Some("https://p:1"), None).unwrap_err();
        assert_eq!(e.code(), "ERR_INVALID_PROTOCOL");
        assert_eq!(Proxy::parse("http://[::1]:8080/ignored").unwrap().authority(), "[::1]:8080");
        let p = Proxy::for_target("a", 80, Some("u:p@proxy:3128"), None).unwrap();
        assert_eq!(p, Some(Proxy::new("proxy", 3128).with_auth("u", "p")));
    }

    #[test]
    fn credentials_go_out_as_basic_and_never_in_debug() {
        // RFC 7617 §2's example, and base64's padding cases (RFC 4648 §10).
        assert_eq!(basic_credentials("Aladdin:open sesame"), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
        assert_eq!(basic_credentials(""), "Basic ");
        assert_eq!(basic_credentials("f"), "Basic Zg==");
        assert_eq!(basic_credentials("fo"), "Basic Zm8=");
        assert_eq!(basic_credentials("foo"), "Basic Zm9v");
        assert_eq!(basic_credentials("foob"), "Basic Zm9vYg==");
        assert_eq!(basic_credentials("\u{e9}:\u{ff}"), "Basic w6k6w78=");
        let p = Proxy::parse("http://us%20er:p%40ss@proxy:3128").unwrap();
        assert_eq!(p.authorization().as_deref(), Some(basic_credentials("us er:p@ss").as_str()));
        assert_eq!(p.pool_name(), "us er@proxy:3128");
        assert_eq!(Proxy::new("proxy", 1).pool_name(), "proxy:1");
        assert_eq!(Proxy::new("proxy", 1).authorization(), None);
        let debug = format!("{p:?}");
        assert!(!debug.contains("p@ss") && !debug.contains("us er"), "{debug}");
        assert!(debug.contains("redacted"), "{debug}");
    }
}
