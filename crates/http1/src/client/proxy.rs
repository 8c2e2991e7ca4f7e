//! Forward proxies for `http:` requests: the request goes to the proxy with its target in
//! absolute form (`GET http://origin:port/path HTTP/1.1`, RFC 9112 §3.2.2), the `Host` header
//! still naming the origin. The proxy comes from the options, or, on request, from the
//! `HTTP_PROXY` and `NO_PROXY` environment variables (as curl reads them, and Node with
//! `NODE_USE_ENV_PROXY`).

use super::options::authority;
use super::url::{Protocol, Url, UrlError};

/// A forward proxy's address.
///
/// ```
/// use netcore_http1::client::Proxy;
/// let proxy = Proxy::parse("http://proxy.internal:3128")?;
/// assert_eq!((proxy.host(), proxy.port()), ("proxy.internal", 3128));
/// // NO_PROXY: exact hosts, domain suffixes, host:port, or `*`.
/// let p = Proxy::for_target("api.example.com", 80, Some("http://proxy:3128"), Some("localhost,.example.com"))?;
/// assert!(p.is_none());
/// let p = Proxy::for_target("example.org", 80, Some("http://proxy:3128"), Some("localhost,.example.com"))?;
/// assert_eq!(p.map(|p| p.port()), Some(3128));
/// # Ok::<(), netcore_http1::client::UrlError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proxy {
    host: String,
    port: u16,
}

impl Proxy {
    /// A proxy at `host:port`.
    pub fn new(host: &str, port: u16) -> Proxy {
        Proxy { host: host.to_string(), port }
    }

    /// A proxy from its URL, `http://host[:port]` (port 80 when none is given; a path is
    /// ignored). User information (`user:pass@`) and `https:` proxies are not supported yet.
    pub fn parse(url: &str) -> Result<Proxy, UrlError> {
        let url = Url::parse(url)?;
        if url.protocol() != Protocol::Http {
            return Err(UrlError::UnsupportedProtocol { protocol: url.protocol().name().to_string() });
        }
        Ok(Proxy { host: url.host().to_string(), port: url.port() })
    }

    /// The proxy's host.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The proxy's port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The proxy for a request to `host:port`, given the values of `HTTP_PROXY` and `NO_PROXY`:
    /// none if `http_proxy` is unset or empty, or if `no_proxy` excludes the target.
    ///
    /// `no_proxy` is a list separated by commas or whitespace: `*` excludes every host; a name
    /// excludes that host and its subdomains (`example.com` and `.example.com` both exclude
    /// `a.example.com`; `.example.com` and `*.example.com` also exclude `example.com`, as curl
    /// does); an address excludes itself (IPv6 with or without brackets); `:port` after an
    /// entry limits it to that port. Case does not matter. CIDR ranges are not supported.
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
}

/// Whether `no_proxy` names `host:port`.
fn excluded(host: &str, port: u16, no_proxy: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']').trim_end_matches('.');
    no_proxy.split([',', ' ', '\t', '\n']).map(str::trim).filter(|e| !e.is_empty()).any(|entry| {
        if entry == "*" {
            return true;
        }
        let (name, entry_port) = split_entry(entry);
        if entry_port.is_some_and(|p| p != port) {
            return false;
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
    }
}
