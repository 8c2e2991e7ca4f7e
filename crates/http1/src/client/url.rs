//! The `http://host:port/path?query` and `https://…` URLs a request can be made from (the part
//! of WHATWG URL parsing that `http.get(url)` needs, without a URL crate).

use std::fmt;

/// Why a URL string cannot be requested.
///
/// ```
/// use netcore_http1::client::{Url, UrlError};
/// assert_eq!(Url::parse("example.com/a"), Err(UrlError::MissingScheme));
/// assert_eq!(Url::parse("http://example.com:70000/"), Err(UrlError::InvalidPort));
/// let err = Url::parse("http://example.com/a b").unwrap_err();
/// assert_eq!((err.code(), err), ("ERR_UNESCAPED_CHARACTERS", UrlError::InvalidPath));
/// let err = Url::parse("ws://example.com/").unwrap_err();
/// assert_eq!(err.to_string(), r#"protocol "ws:" not supported"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum UrlError {
    /// No `scheme://` prefix (`ERR_INVALID_URL`).
    MissingScheme,
    /// A scheme other than `http:` and `https:`, or one not usable where it was given (an
    /// `https:` proxy) (`ERR_INVALID_PROTOCOL`).
    UnsupportedProtocol {
        /// The scheme given, with its colon (`"ftp:"`).
        protocol: String,
    },
    /// User information (`user:pass@`) that cannot be used: a malformed percent escape, a space
    /// or control character, or bytes that are not UTF-8 once decoded (`ERR_INVALID_URL`).
    UserInfo,
    /// An empty or malformed host (`ERR_INVALID_URL`).
    InvalidHost,
    /// A port that is not a number in `1..=65535` (`ERR_INVALID_URL`).
    InvalidPort,
    /// The path or query holds a space, a control character or a non-ASCII byte: percent-encode
    /// it first (`ERR_UNESCAPED_CHARACTERS`).
    InvalidPath,
}

impl UrlError {
    /// Node's error code for the same URL.
    ///
    /// ```
    /// use netcore_http1::client::{Url, UrlError};
    /// assert_eq!(UrlError::InvalidHost.code(), "ERR_INVALID_URL");
    /// assert_eq!(Url::parse("gopher://a/").unwrap_err().code(), "ERR_INVALID_PROTOCOL");
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            UrlError::UnsupportedProtocol { .. } => "ERR_INVALID_PROTOCOL",
            UrlError::InvalidPath => "ERR_UNESCAPED_CHARACTERS",
            _ => "ERR_INVALID_URL",
        }
    }
}

impl fmt::Display for UrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UrlError::MissingScheme => f.write_str("url has no scheme"),
            UrlError::UnsupportedProtocol { protocol } => {
                write!(f, "protocol {protocol:?} not supported")
            }
            UrlError::UserInfo => f.write_str("url has invalid user information"),
            UrlError::InvalidHost => f.write_str("url has an invalid host"),
            UrlError::InvalidPort => f.write_str("url has an invalid port"),
            UrlError::InvalidPath => f.write_str("url path contains unescaped characters"),
        }
    }
}

impl std::error::Error for UrlError {}

/// The scheme of a request (Node's `protocol` option): plain HTTP, or HTTP over TLS.
///
/// An `https:` request needs an agent whose sockets carry a TLS layer (`netcore_tls::https`
/// makes them); the plain agents refuse it with `ERR_INVALID_PROTOCOL`, as Node's
/// `http.request` does.
///
/// ```
/// use netcore_http1::client::Protocol;
/// assert_eq!((Protocol::Https.name(), Protocol::Https.default_port()), ("https:", 443));
/// assert!(!Protocol::Http.is_secure());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Protocol {
    /// `http:`, port 80 by default.
    #[default]
    Http,
    /// `https:`, port 443 by default.
    Https,
}

impl Protocol {
    /// Node's name, with the colon: `"http:"` or `"https:"`.
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Http => "http:",
            Protocol::Https => "https:",
        }
    }

    /// The port a URL without one means (80 or 443), left out of the `Host` header.
    pub fn default_port(self) -> u16 {
        match self {
            Protocol::Http => 80,
            Protocol::Https => 443,
        }
    }

    /// Whether this is `https:`.
    pub fn is_secure(self) -> bool {
        self == Protocol::Https
    }
}

/// An `http:` or `https:` URL split into what a request needs. The fragment is dropped (it
/// never goes to the server); an empty path becomes `/`. User information (`user:pass@`) is
/// percent-decoded into [`auth`](Self::auth), as Node's `urlToHttpOptions` does; `Debug` does
/// not show it.
///
/// ```
/// use netcore_http1::client::{Protocol, Url};
/// let url = Url::parse("http://example.com:8080/a/b?x=1#top")?;
/// assert_eq!((url.host(), url.port(), url.path()), ("example.com", 8080, "/a/b?x=1"));
/// let url = Url::parse("HTTP://[::1]?q")?;
/// assert_eq!((url.host(), url.port(), url.path()), ("::1", 80, "/?q"));
/// let url = Url::parse("https://example.com/")?;
/// assert_eq!((url.protocol(), url.port()), (Protocol::Https, 443));
/// assert_eq!(Url::parse("ftp://example.com/").unwrap_err().code(), "ERR_INVALID_PROTOCOL");
/// let url = Url::parse("http://al%40ice:s3cr%3At@example.com/")?;
/// assert_eq!(url.auth(), Some("al@ice:s3cr:t"));
/// assert!(!format!("{url:?}").contains("s3cr"));
/// # Ok::<(), netcore_http1::client::UrlError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Url {
    protocol: Protocol,
    host: String,
    port: u16,
    path: String,
    auth: Option<String>,
}

impl fmt::Debug for Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Url")
            .field("protocol", &self.protocol)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("path", &self.path)
            .field("auth", &self.auth.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl Url {
    /// Parses `http://host[:port][/path][?query][#fragment]` (or `https://…`). The scheme and host are
    /// case-insensitive (the host is lowercased, as WHATWG URL does); an IPv6 host is written in
    /// brackets and returned without them.
    ///
    /// ```
    /// use netcore_http1::client::{Protocol, Url};
    /// let url = Url::parse("  HTTPS://API.Example.com/v1/items?page=2#frag ")?;
    /// assert_eq!((url.protocol(), url.host(), url.port()), (Protocol::Https, "api.example.com", 443));
    /// assert_eq!(url.path(), "/v1/items?page=2"); // the fragment never goes to the server
    /// assert_eq!(Url::parse("http://[::1]:8080")?.host(), "::1");
    /// # Ok::<(), netcore_http1::client::UrlError>(())
    /// ```
    pub fn parse(input: &str) -> Result<Url, UrlError> {
        let input = input.trim_matches(|c: char| c.is_ascii_whitespace() || c.is_ascii_control());
        let (scheme, rest) = input.split_once("://").ok_or(UrlError::MissingScheme)?;
        if scheme.is_empty() || !scheme.bytes().all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b)) {
            return Err(UrlError::MissingScheme);
        }
        let protocol = if scheme.eq_ignore_ascii_case("http") {
            Protocol::Http
        } else if scheme.eq_ignore_ascii_case("https") {
            Protocol::Https
        } else {
            return Err(UrlError::UnsupportedProtocol {
                protocol: format!("{}:", scheme.to_ascii_lowercase()),
            });
        };
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        // WHATWG URL: the last `@` ends the user information.
        let (auth, authority) = match authority.rsplit_once('@') {
            Some((userinfo, host)) => (decode_userinfo(userinfo)?, host),
            None => (None, authority),
        };
        let (host, port) = split_authority(authority, protocol.default_port())?;
        let tail = tail.split_once('#').map_or(tail, |(before, _)| before);
        let path = if tail.starts_with('/') { tail.to_string() } else { format!("/{tail}") };
        // RFC 9112 §3.2: what goes on the request line is ASCII without whitespace.
        if !path.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(UrlError::InvalidPath);
        }
        Ok(Url { protocol, host, port, path, auth })
    }

    /// The decoded user information, `user:password` (Node's `auth` option, which
    /// `http.request(url)` sends as `Authorization: Basic …`); `None` when the URL has none.
    ///
    /// ```
    /// use netcore_http1::client::Url;
    /// assert_eq!(Url::parse("http://bob:p%20w@example.com/")?.auth(), Some("bob:p w"));
    /// assert_eq!(Url::parse("http://example.com/")?.auth(), None);
    /// # Ok::<(), netcore_http1::client::UrlError>(())
    /// ```
    pub fn auth(&self) -> Option<&str> {
        self.auth.as_deref()
    }

    /// The scheme: `http:` or `https:`.
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// The host name or address (without IPv6 brackets).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The port (the scheme's default, 80 or 443, when the URL names none).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The path and query (Node's `path`), at least `/`.
    pub fn path(&self) -> &str {
        &self.path
    }
}

/// `user[:password]`, each part percent-decoded, joined as `user:password` (Node's
/// `decodeURIComponent(url.username) + ':' + decodeURIComponent(url.password)`); `None` when
/// both are empty.
fn decode_userinfo(userinfo: &str) -> Result<Option<String>, UrlError> {
    if !userinfo.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(UrlError::UserInfo);
    }
    let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
    if user.is_empty() && password.is_empty() {
        return Ok(None);
    }
    let user = percent_decode(user).ok_or(UrlError::UserInfo)?;
    let password = percent_decode(password).ok_or(UrlError::UserInfo)?;
    Ok(Some(format!("{user}:{password}")))
}

/// Decodes `%XX` escapes; `None` for a malformed escape or a result that is not UTF-8 (where
/// `decodeURIComponent` throws).
pub(crate) fn percent_decode(input: &str) -> Option<String> {
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// `host[:port]` or `[v6][:port]`; `default_port` when none is given.
fn split_authority(authority: &str, default_port: u16) -> Result<(String, u16), UrlError> {
    let (host, port) = if let Some(inner) = authority.strip_prefix('[') {
        let (v6, after) = inner.split_once(']').ok_or(UrlError::InvalidHost)?;
        if v6.is_empty() || !v6.bytes().all(|b| b.is_ascii_hexdigit() || b":.".contains(&b)) {
            return Err(UrlError::InvalidHost);
        }
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':').ok_or(UrlError::InvalidHost)?),
        };
        (v6, port)
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    let host_ok = !host.is_empty()
        && (authority.starts_with('[')
            || host.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b)));
    if !host_ok {
        return Err(UrlError::InvalidHost);
    }
    let port = match port {
        // `http://host:/` is the default port, as WHATWG URL reads it.
        None | Some("") => default_port,
        Some(p) if p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()) => match p.parse::<u16>() {
            Ok(n) if n > 0 => n,
            _ => return Err(UrlError::InvalidPort),
        },
        Some(_) => return Err(UrlError::InvalidPort),
    };
    Ok((host.to_ascii_lowercase(), port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_forms_a_request_uses() {
        let cases: &[(&str, (&str, u16, &str))] = &[
            ("http://a", ("a", 80, "/")),
            ("http://a/", ("a", 80, "/")),
            ("http://A.Example:81", ("a.example", 81, "/")),
            ("http://a:/x", ("a", 80, "/x")),
            ("http://a?q=1", ("a", 80, "/?q=1")),
            ("http://a/p?q#f", ("a", 80, "/p?q")),
            ("http://a#f", ("a", 80, "/")),
            ("http://127.0.0.1:8080/x/y", ("127.0.0.1", 8080, "/x/y")),
            ("http://[::1]:3000/z", ("::1", 3000, "/z")),
            ("http://[::ffff:1.2.3.4]", ("::ffff:1.2.3.4", 80, "/")),
            ("  http://a/  ", ("a", 80, "/")),
            ("https://a", ("a", 443, "/")),
            ("HTTPS://a:/x", ("a", 443, "/x")),
            ("https://a:8443/p", ("a", 8443, "/p")),
        ];
        for (input, (host, port, path)) in cases {
            let url = Url::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!((url.host(), url.port(), url.path()), (*host, *port, *path), "{input}");
        }
    }

    #[test]
    fn rejects_with_a_typed_error() {
        let cases: &[(&str, UrlError)] = &[
            ("example.com/", UrlError::MissingScheme),
            ("://a", UrlError::MissingScheme),
            ("wss://a/", UrlError::UnsupportedProtocol { protocol: "wss:".into() }),
            ("FTP://a/", UrlError::UnsupportedProtocol { protocol: "ftp:".into() }),
            ("http://u:%zz@a/", UrlError::UserInfo),
            ("http://u:%4@a/", UrlError::UserInfo),
            ("http://%ff:p@a/", UrlError::UserInfo),
            ("http://u:p\x01@a/", UrlError::UserInfo),
            ("http://u:p@/", UrlError::InvalidHost),
            ("http:///x", UrlError::InvalidHost),
            ("http://a b/", UrlError::InvalidHost),
            ("http://[::1/", UrlError::InvalidHost),
            ("http://[zz]/", UrlError::InvalidHost),
            ("http://[::1]x/", UrlError::InvalidHost),
            ("http://a:0/", UrlError::InvalidPort),
            ("http://a:65536/", UrlError::InvalidPort),
            ("http://a:-1/", UrlError::InvalidPort),
            ("http://a:8o/", UrlError::InvalidPort),
            ("http://a/b c", UrlError::InvalidPath),
            ("http://a/\u{e9}", UrlError::InvalidPath),
        ];
        for (input, want) in cases {
            assert_eq!(Url::parse(input).as_ref(), Err(want), "{input}");
        }
        assert_eq!(UrlError::InvalidPath.code(), "ERR_UNESCAPED_CHARACTERS");
        assert_eq!(UrlError::InvalidHost.code(), "ERR_INVALID_URL");
    }

    #[test]
    fn decodes_user_information() {
        let cases: &[(&str, Option<&str>, &str)] = &[
            ("http://a/", None, "a"),
            ("http://u:p@a/", Some("u:p"), "a"),
            ("http://u@a/", Some("u:"), "a"),
            ("http://:p@a/", Some(":p"), "a"),
            ("http://@a/", None, "a"),
            ("http://u%3Ax:p%40q@a:81/", Some("u:x:p@q"), "a"),
            ("http://u:p:q@a/", Some("u:p:q"), "a"),
            ("http://u@v:p@a/", Some("u@v:p"), "a"),
            ("http://%C3%A9:%20@[::1]/", Some("\u{e9}: "), "::1"),
            ("https://u:p@a/x@y", Some("u:p"), "a"),
        ];
        for &(input, auth, host) in cases {
            let url = Url::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!((url.auth(), url.host()), (auth, host), "{input}");
        }
        let url = Url::parse("http://user:hunter2@a/").unwrap();
        let debug = format!("{url:?}");
        assert!(!debug.contains("hunter2") && !debug.contains("user"), "{debug}");
    }

    #[test]
    fn keeps_the_scheme() {
        assert_eq!(Url::parse("http://a/").map(|u| u.protocol()), Ok(Protocol::Http));
        assert_eq!(Url::parse("hTTps://a/").map(|u| u.protocol()), Ok(Protocol::Https));
    }
}
