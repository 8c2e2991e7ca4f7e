//! What a request is made from (Node's `http.request(options)`): method, host, port, path,
//! headers, the agent to use, the timeout.

use std::time::Duration;

use super::agent::AgentId;
use super::error::Error;
use super::proxy::Proxy;
use super::tunnel::Route;
use super::url::{Protocol, Url};

/// Which agent a request's connection comes from (Node's `agent` option).
///
/// ```
/// use netcore_http1::client::{Agent, AgentChoice, AgentOptions, RequestOptions};
/// let mut lp = netcore::EventLoop::new()?;
/// assert_eq!(RequestOptions::default().agent, AgentChoice::Global);
/// let agent = Agent::new(&mut lp, AgentOptions::default());
/// let pooled = RequestOptions::new("GET", "127.0.0.1", 8080, "/").agent(AgentChoice::Agent(agent));
/// // `agent: false`: a connection of its own, closed after the response.
/// let alone = RequestOptions::new("GET", "127.0.0.1", 8080, "/").agent(AgentChoice::None);
/// assert_ne!(pooled.agent, alone.agent);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AgentChoice {
    /// The loop's global agent ([`Agent::global`](super::Agent::global)): keep-alive, as Node's
    /// `http.globalAgent` since Node 19. The default.
    #[default]
    Global,
    /// This agent.
    Agent(AgentId),
    /// No agent (Node's `agent: false`): a fresh connection, closed after the response
    /// (`Connection: close`).
    None,
}

/// A request's settings (Node's `http.request` options). Build one with
/// [`RequestOptions::new`] or [`RequestOptions::from_url`] and the chained setters, or start from
/// `default()` (a `GET /` to `localhost:80`, in the scheme of its agent) and assign fields.
///
/// ```
/// use std::time::Duration;
/// use netcore_http1::client::RequestOptions;
/// let opts = RequestOptions::from_url("http://127.0.0.1:8080/upload")?
///     .method("POST")
///     .header("Content-Type", "text/plain")
///     .timeout(Duration::from_secs(5));
/// assert_eq!((opts.host.as_str(), opts.port, opts.path.as_str()), ("127.0.0.1", 8080, "/upload"));
/// // Credentials in the URL become `auth` (sent as `Authorization: Basic …`), never shown by `Debug`.
/// let opts = RequestOptions::from_url("http://alice:s3cret@127.0.0.1:8080/")?;
/// assert_eq!(opts.auth.as_deref(), Some("alice:s3cret"));
/// assert!(!format!("{opts:?}").contains("s3cret"));
/// # Ok::<(), netcore_http1::client::Error>(())
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct RequestOptions {
    /// The scheme (Node's `protocol`): `None` (default) is the agent's, `https:` for an agent
    /// whose sockets carry a TLS layer (`netcore_tls::https`), else `http:`. A scheme the agent
    /// does not speak is refused with `ERR_INVALID_PROTOCOL`, as by Node's `http.request`
    /// given an `https:` URL. A URL sets it.
    pub protocol: Option<Protocol>,
    /// The method, case kept (default `GET`).
    pub method: String,
    /// The server's host name or address, IPv6 without brackets (default `localhost`).
    pub host: String,
    /// The server's port (default 80; set 443 for `https:`, or use a URL).
    pub port: u16,
    /// The request target: path and query (default `/`).
    pub path: String,
    /// Header fields, in order, names with their case kept. A `Host` is added (first) unless
    /// present or [`set_host`](Self::set_host) is false; `Connection` is added unless present;
    /// `Content-Length` or `Transfer-Encoding: chunked` is added from how the body is written.
    pub headers: Vec<(String, Vec<u8>)>,
    /// Where the connection comes from (default [`AgentChoice::Global`]).
    pub agent: AgentChoice,
    /// Emit [`on_timeout`](super::ResponseHandler::on_timeout) after this long without socket
    /// activity once the request has a socket (Node's `timeout` option; default none).
    pub timeout: Option<Duration>,
    /// Destroy the request with [`Error::TimedOut`] when [`timeout`](Self::timeout) passes,
    /// after `on_timeout` (default false: Node leaves it to the handler).
    pub abort_on_timeout: bool,
    /// Add a `Host` header when the headers have none (Node's `setHost`; default true).
    pub set_host: bool,
    /// How long a body held back for `Expect: 100-continue` waits for the server's
    /// `100 Continue` before it is sent anyway (default [`DEFAULT_CONTINUE_TIMEOUT`]; `None`
    /// waits for the 100 or a final response however long they take). RFC 9110 §10.1.1: a
    /// client need not wait indefinitely, since a server may not know the expectation.
    pub continue_timeout: Option<Duration>,
    /// Send the request through this forward proxy (default none; see
    /// [`proxy_from_env`](Self::proxy_from_env) for `HTTP_PROXY` and `HTTPS_PROXY`). An `http:`
    /// request goes to the proxy with its target in absolute form, the connection and the
    /// agent's pool being the proxy's (`host:port` of the proxy). An `https:` request opens a
    /// `CONNECT` tunnel to its origin through the proxy and speaks TLS inside it; the tunnel is
    /// pooled per proxy and origin (the pool named `"origin:port via [user@]proxy:port"`), and
    /// a proxy that answers the `CONNECT` with anything but 2xx fails the request with
    /// [`Error::ProxyTunnel`]. The proxy's credentials go out as `Proxy-Authorization`, on each
    /// absolute-form request or on the `CONNECT`, unless the headers set one.
    pub proxy: Option<Proxy>,
    /// Basic authentication, `user:password` (Node's `auth`): sent as
    /// `Authorization: Basic base64(user:password)` unless the headers set an `Authorization`
    /// (default none; a URL's `user:password@`, percent-decoded, sets it). `Debug` does not
    /// show it.
    pub auth: Option<String>,
}

impl std::fmt::Debug for RequestOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestOptions")
            .field("protocol", &self.protocol)
            .field("method", &self.method)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("path", &self.path)
            .field("headers", &self.headers)
            .field("agent", &self.agent)
            .field("timeout", &self.timeout)
            .field("abort_on_timeout", &self.abort_on_timeout)
            .field("set_host", &self.set_host)
            .field("continue_timeout", &self.continue_timeout)
            .field("proxy", &self.proxy)
            .field("auth", &self.auth.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// How long a body held for `Expect: 100-continue` waits for `100 Continue` (1 s, as curl).
pub const DEFAULT_CONTINUE_TIMEOUT: Duration = Duration::from_secs(1);

impl Default for RequestOptions {
    fn default() -> Self {
        Self {
            protocol: None,
            method: "GET".into(),
            host: "localhost".into(),
            port: 80,
            path: "/".into(),
            headers: Vec::new(),
            agent: AgentChoice::Global,
            timeout: None,
            abort_on_timeout: false,
            set_host: true,
            continue_timeout: Some(DEFAULT_CONTINUE_TIMEOUT),
            proxy: None,
            auth: None,
        }
    }
}

impl RequestOptions {
    /// A request for `method path` to `host:port`.
    ///
    /// ```
    /// use netcore_http1::client::RequestOptions;
    /// let opts = RequestOptions::new("DELETE", "::1", 8080, "/items/7");
    /// assert_eq!((opts.method.as_str(), opts.host.as_str(), opts.port), ("DELETE", "::1", 8080));
    /// assert_eq!((opts.protocol, opts.timeout), (None, None)); // the rest are the defaults
    /// ```
    pub fn new(method: &str, host: &str, port: u16, path: &str) -> Self {
        Self { method: method.into(), host: host.into(), port, path: path.into(), ..Self::default() }
    }

    /// A `GET` of an `http://` or `https://` URL (see [`Url::parse`]); the scheme is kept in
    /// [`protocol`](Self::protocol), the user information in [`auth`](Self::auth).
    pub fn from_url(url: &str) -> Result<Self, Error> {
        Url::parse(url)?.to_request_options()
    }

    /// Sets the scheme.
    ///
    /// ```
    /// use netcore_http1::client::{Protocol, RequestOptions};
    /// let opts = RequestOptions::new("GET", "example.com", 443, "/").protocol(Protocol::Https);
    /// assert_eq!(opts.protocol, Some(Protocol::Https));
    /// ```
    pub fn protocol(mut self, protocol: Protocol) -> Self {
        self.protocol = Some(protocol);
        self
    }

    /// Sets the method, its case kept.
    ///
    /// ```
    /// use netcore_http1::client::RequestOptions;
    /// let opts = RequestOptions::from_url("http://127.0.0.1:8080/")?.method("PATCH");
    /// assert_eq!(opts.method, "PATCH");
    /// # Ok::<(), netcore_http1::client::Error>(())
    /// ```
    pub fn method(mut self, method: &str) -> Self {
        self.method = method.into();
        self
    }

    /// Appends a header field; a repeated name is sent once per call, in order.
    ///
    /// ```
    /// use netcore_http1::client::RequestOptions;
    /// let opts = RequestOptions::new("GET", "127.0.0.1", 8080, "/")
    ///     .header("Accept", "text/html")
    ///     .header("Accept", b"application/json".as_slice());
    /// assert_eq!(opts.headers.len(), 2);
    /// assert_eq!(opts.get_header("accept"), Some(&b"text/html"[..])); // the first
    /// ```
    pub fn header(mut self, name: &str, value: impl AsRef<[u8]>) -> Self {
        self.headers.push((name.into(), value.as_ref().to_vec()));
        self
    }

    /// Sets the agent.
    pub fn agent(mut self, agent: AgentChoice) -> Self {
        self.agent = agent;
        self
    }

    /// Sets the [`timeout`](Self::timeout).
    ///
    /// ```
    /// use std::time::Duration;
    /// use netcore_http1::client::RequestOptions;
    /// let opts = RequestOptions::new("GET", "127.0.0.1", 8080, "/")
    ///     .timeout(Duration::from_secs(3))
    ///     .abort_on_timeout(true); // fail with ETIMEDOUT instead of only calling on_timeout
    /// assert_eq!((opts.timeout, opts.abort_on_timeout), (Some(Duration::from_secs(3)), true));
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Sets [`abort_on_timeout`](Self::abort_on_timeout).
    pub fn abort_on_timeout(mut self, abort: bool) -> Self {
        self.abort_on_timeout = abort;
        self
    }

    /// Sets the proxy.
    ///
    /// ```
    /// use netcore_http1::client::{Proxy, RequestOptions};
    /// let proxy = Proxy::parse("http://user:pass@proxy.internal:3128")?;
    /// let opts = RequestOptions::from_url("http://example.com/a?b")?.proxy(proxy);
    /// assert_eq!(opts.proxy.as_ref().map(|p| p.port()), Some(3128));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn proxy(mut self, proxy: Proxy) -> Self {
        self.proxy = Some(proxy);
        self
    }

    /// Sets [`auth`](Self::auth): `user:password`, not percent-encoded (Node's `auth` option).
    ///
    /// ```
    /// use netcore_http1::client::RequestOptions;
    /// let opts = RequestOptions::new("GET", "127.0.0.1", 8080, "/private").auth("alice:s3cret");
    /// assert_eq!(opts.auth.as_deref(), Some("alice:s3cret"));
    /// ```
    pub fn auth(mut self, user_password: &str) -> Self {
        self.auth = Some(user_password.to_string());
        self
    }

    /// Uses the proxy the environment names for this request's host and port: `http_proxy` (or
    /// `HTTP_PROXY`), `https_proxy` (or `HTTPS_PROXY`) for an `https:` request, unless
    /// `no_proxy` (or `NO_PROXY`) excludes the target (see [`Proxy::for_target`]). An opt-in,
    /// as in Node (`NODE_USE_ENV_PROXY`): nothing reads the environment otherwise. An `https:`
    /// request that finds a proxy goes through a `CONNECT` tunnel.
    ///
    /// ```
    /// use netcore_http1::client::RequestOptions;
    /// let opts = RequestOptions::from_url("http://127.0.0.1:8080/")?.proxy_from_env()?;
    /// # Ok::<(), netcore_http1::client::Error>(())
    /// ```
    pub fn proxy_from_env(mut self) -> Result<Self, Error> {
        self.proxy = match self.protocol {
            Some(Protocol::Https) => Proxy::from_env_for_https(&self.host, self.port)?,
            _ => Proxy::from_env(&self.host, self.port)?,
        };
        Ok(self)
    }

    /// The first value of a header, matched case-insensitively.
    ///
    /// ```
    /// use netcore_http1::client::RequestOptions;
    /// let opts = RequestOptions::new("POST", "127.0.0.1", 8080, "/").header("Content-Type", "text/plain");
    /// assert_eq!(opts.get_header("content-type"), Some(&b"text/plain"[..]));
    /// assert_eq!(opts.get_header("Host"), None); // added when the request is sent
    /// ```
    pub fn get_header(&self, name: &str) -> Option<&[u8]> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| &v[..])
    }

    /// `host:port` of the origin (`[v6]:port` for IPv6).
    pub(crate) fn authority(&self) -> String {
        authority(&self.host, self.port, None)
    }

    /// Where the connection goes for a request of `protocol`: the origin; the proxy for
    /// `http:`; a tunnel through the proxy for `https:`.
    pub(crate) fn route(&self, protocol: Protocol) -> Route {
        match &self.proxy {
            None => Route::direct(self.authority()),
            Some(p) if protocol.is_secure() => Route::tunnel(p, &self.host, self.port),
            Some(p) => Route::direct(p.authority()),
        }
    }

    /// The request target: as given, or in absolute form for `http:` through a proxy (RFC 9112
    /// §3.2.2; `CONNECT` keeps its authority form; inside a tunnel the origin form is kept).
    pub(crate) fn target(&self, protocol: Protocol) -> String {
        match &self.proxy {
            Some(_) if self.method != "CONNECT" && !protocol.is_secure() => {
                format!("http://{}{}", authority(&self.host, self.port, Some(80)), self.path)
            }
            _ => self.path.clone(),
        }
    }
}

/// `host:port`, IPv6 in brackets; the port left out when it is `default_port` (the form of a
/// `Host` header, RFC 9110 §7.2).
pub(crate) fn authority(host: &str, port: u16, default_port: Option<u16>) -> String {
    let host = if host.contains(':') { format!("[{host}]") } else { host.to_string() };
    if Some(port) == default_port {
        host
    } else {
        format!("{host}:{port}")
    }
}

/// What [`get`](super::get) accepts: a URL string or [`RequestOptions`].
///
/// ```
/// use netcore_http1::client::{RequestOptions, ToRequestOptions, Url};
/// let from_str = "http://127.0.0.1:8080/x?y=1".to_request_options()?;
/// let from_url = Url::parse("http://127.0.0.1:8080/x?y=1")?.to_request_options()?;
/// assert_eq!((from_str.port, from_str.path.as_str()), (8080, "/x?y=1"));
/// assert_eq!((from_url.host, from_url.path), (from_str.host, from_str.path));
/// // Options pass through unchanged; a bad URL is the caller's error.
/// assert_eq!(RequestOptions::new("PUT", "a", 1, "/").to_request_options()?.method, "PUT");
/// assert_eq!("ftp://a/".to_request_options().unwrap_err().code(), "ERR_INVALID_PROTOCOL");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait ToRequestOptions {
    /// The options this stands for.
    fn to_request_options(self) -> Result<RequestOptions, Error>;
}

impl ToRequestOptions for RequestOptions {
    fn to_request_options(self) -> Result<RequestOptions, Error> {
        Ok(self)
    }
}

impl ToRequestOptions for &str {
    fn to_request_options(self) -> Result<RequestOptions, Error> {
        RequestOptions::from_url(self)
    }
}

impl ToRequestOptions for &String {
    fn to_request_options(self) -> Result<RequestOptions, Error> {
        RequestOptions::from_url(self)
    }
}

impl ToRequestOptions for String {
    fn to_request_options(self) -> Result<RequestOptions, Error> {
        RequestOptions::from_url(&self)
    }
}

impl ToRequestOptions for &Url {
    fn to_request_options(self) -> Result<RequestOptions, Error> {
        let mut options =
            RequestOptions::new("GET", self.host(), self.port(), self.path()).protocol(self.protocol());
        options.auth = self.auth().map(str::to_string);
        Ok(options)
    }
}

impl ToRequestOptions for Url {
    fn to_request_options(self) -> Result<RequestOptions, Error> {
        (&self).to_request_options()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_host_header_leaves_out_the_schemes_default_port() {
        // RFC 9110 §7.2, as Node: `Host: a` for port 80 over http and 443 over https.
        assert_eq!(authority("a", 80, Some(Protocol::Http.default_port())), "a");
        assert_eq!(authority("a", 443, Some(Protocol::Http.default_port())), "a:443");
        assert_eq!(authority("a", 443, Some(Protocol::Https.default_port())), "a");
        assert_eq!(authority("a", 80, Some(Protocol::Https.default_port())), "a:80");
        assert_eq!(authority("::1", 443, Some(443)), "[::1]");
        assert_eq!(authority("::1", 443, None), "[::1]:443");
    }

    #[test]
    fn a_url_sets_the_scheme() {
        let o = RequestOptions::from_url("https://a/x").unwrap();
        assert_eq!((o.protocol, o.port), (Some(Protocol::Https), 443));
        let o = RequestOptions::from_url("http://a/x").unwrap();
        assert_eq!((o.protocol, o.port), (Some(Protocol::Http), 80));
        assert_eq!(RequestOptions::default().protocol, None);
    }

    #[test]
    fn a_proxy_routes_http_in_absolute_form_and_https_through_a_tunnel() {
        let proxy = Proxy::new("proxy", 3128);
        let o = RequestOptions::new("GET", "a", 8080, "/x?y").proxy(proxy.clone());
        let route = o.route(Protocol::Http);
        assert_eq!(
            (route.key.as_str(), route.addr.as_str(), route.tunnel.is_some()),
            ("proxy:3128", "proxy:3128", false)
        );
        assert_eq!(o.target(Protocol::Http), "http://a:8080/x?y");
        let route = o.route(Protocol::Https);
        assert_eq!(
            (route.key.as_str(), route.addr.as_str(), route.tunnel.is_some()),
            ("a:8080 via proxy:3128", "proxy:3128", true)
        );
        assert_eq!(o.target(Protocol::Https), "/x?y");
        let o = RequestOptions::new("GET", "a", 8080, "/x");
        assert_eq!(o.route(Protocol::Https).key, "a:8080");
        assert_eq!(o.target(Protocol::Http), "/x");
    }
}
