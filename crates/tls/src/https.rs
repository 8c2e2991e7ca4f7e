//! HTTPS (Node's `https`): the `netcore_http1` server and client over TLS.
//!
//! ```text
//!  https::listen ─► http1 server, every accepted socket with a TLS server session
//!  https::request ─► an http1 Agent whose sockets carry a TLS client session (SNI and
//!                    verification for the request's host) ─► the http1 client, unchanged
//! ```
//!
//! Nothing here speaks HTTP: an https server *is* an http1 server whose
//! `tcp.socket.layer` is a [`ServerConfig::layer_factory`], and an https agent an http1
//! [`Agent`] whose `socket.layer` is a [`ClientConfig::layer_factory`]. Handlers, requests,
//! responses, keep-alive and backpressure are the http1 crate's; a handler reads the TLS details
//! of its connection with [`session`](crate::session).
//!
//! | Node | netcore |
//! |---|---|
//! | `https.createServer(opts, fn).listen(port)` | [`listen`]`(lp, addr, &config, fn)` |
//! | `https.request(url, fn)`, `https.get` | [`request`], [`get`] (the loop's https agent) |
//! | `https.request({ ...opts, ca })` | [`request_with`], [`get_with`] (an agent per configuration) |
//! | `new https.Agent({ keepAlive, ca, ... })` | [`agent`]`(lp, &config, AgentOptions)` |
//! | `https.globalAgent` | [`global_agent`] |
//!
//! **Pooling by host and TLS options.** An http1 agent pools by `host:port`; its TLS options
//! are fixed when it is made. Node's `https.globalAgent` keys its pools by host *and* TLS
//! options (`ca`, `cert`, `servername`, …), so that a connection verified against one CA is
//! never reused for a request that asked for another. Here that is one agent per
//! configuration: [`shared_agent`] gives the loop's agent for a [`ClientConfig`] (configurations
//! are told apart by identity: clones of one built configuration share an agent, and its
//! session cache), and [`request_with`] uses it. Build a configuration once and reuse it.
//!
//! Defaults, as Node's `https.globalAgent`: keep-alive, the bundled Mozilla roots, certificates
//! verified against the host of the URL (SNI sent for names, not for addresses). An `https:`
//! request through a plain agent (`netcore_http1::client::request`) fails with Node's
//! `ERR_INVALID_PROTOCOL`, and an `http:` one through an https agent too. An `https:` request
//! with a [`proxy`](RequestOptions::proxy) opens a `CONNECT` tunnel through it and puts the
//! agent's TLS layer on the tunnel (SNI and verification for the origin); a proxy that refuses
//! the tunnel fails the request with `ERR_PROXY_TUNNEL` and its status.
//!
//! ```no_run
//! use netcore_http1::server::{Request, Response};
//! use netcore_tls::{Identity, ServerOptions};
//!
//! let mut lp = netcore::EventLoop::new()?;
//! let config = ServerOptions::new(Identity::from_pem_files("cert.pem", "key.pem")?).build()?;
//! // The seed's secure hello world.
//! let hello = |_: &Request<'_>, res: &mut Response<'_>| {
//!     res.set_status(200);
//!     res.end(b"hello world\n");
//! };
//! netcore_tls::https::listen(&mut lp, "127.0.0.1:3443", &config, hello)?;
//! lp.run()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use netcore::EventLoop;
use netcore_http1::client::{
    Agent, AgentChoice, AgentId, AgentOptions, ClientRequest, ClientRequestId, Error as ClientError,
    RequestOptions, ResponseHandler, ToRequestOptions, Upgrade,
};
use netcore_http1::proto::{Headers, ResponseHead};
use netcore_http1::server::{ServerHandler, ServerId, ServerOptions};

use crate::config::{ClientConfig, ClientOptions, ServerConfig};
use crate::Error;

/// Listens on `addr` and serves HTTPS with `handler` and the default http1
/// [`ServerOptions`] (`https.createServer(options, handler).listen(port)`). Every connection
/// completes its TLS handshake before its first request is read; one that fails (a client that
/// refused our certificate, plain HTTP on the TLS port) is closed without reaching `handler`.
///
/// ```
/// use netcore_http1::server::{Request, Response};
/// # let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
/// # let (cert_pem, key_pem) = (cert.cert.pem(), cert.signing_key.serialize_pem());
/// let identity = netcore_tls::Identity::from_pem(cert_pem.as_bytes(), key_pem.as_bytes())?;
/// let config = netcore_tls::ServerOptions::new(identity).build()?;
/// let mut lp = netcore::EventLoop::new()?;
/// let hello = |_: &Request<'_>, res: &mut Response<'_>| res.end(b"hello world\n");
/// let server = netcore_tls::https::listen(&mut lp, "127.0.0.1:0", &config, hello)?;
/// assert!(server.address(&lp).is_some());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn listen(
    lp: &mut EventLoop,
    addr: &str,
    config: &ServerConfig,
    handler: impl ServerHandler,
) -> Result<ServerId, netcore_tcp::Error> {
    listen_with(lp, addr, config, ServerOptions::default(), handler)
}

/// [`listen`] with the http1 server's options (timeouts, limits, TCP options); their
/// `tcp.socket.layer` is replaced by `config`'s.
pub fn listen_with(
    lp: &mut EventLoop,
    addr: &str,
    config: &ServerConfig,
    mut options: ServerOptions,
    handler: impl ServerHandler,
) -> Result<ServerId, netcore_tcp::Error> {
    options.tcp.socket.layer = Some(config.layer_factory());
    netcore_http1::server::listen_with(lp, addr, options, handler)
}

/// A new https agent (`new https.Agent(options)`): an http1 [`Agent`] with `options` whose
/// sockets carry a TLS session of `config`, verifying each server as the host of the request
/// (or `config`'s `server_name`). It pools by `host:port` and takes only `https:` requests.
///
/// ```
/// use netcore_http1::client::{AgentChoice, AgentOptions, RequestOptions};
/// let mut lp = netcore::EventLoop::new()?;
/// let config = netcore_tls::ClientOptions::default().build()?;
/// let mut options = AgentOptions::default();
/// options.max_sockets = 4;
/// let agent = netcore_tls::https::agent(&mut lp, &config, options);
/// let request = RequestOptions::from_url("https://example.com/")?;
/// let request = request.agent(AgentChoice::Agent(agent));
/// # drop(request);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn agent(lp: &mut EventLoop, config: &ClientConfig, mut options: AgentOptions) -> AgentId {
    options.socket.layer = Some(config.layer_factory());
    Agent::new(lp, options)
}

/// The configuration of Node's defaults (the bundled roots, TLS 1.2 and 1.3), built once per
/// process; its session cache is shared by every loop.
fn default_config() -> Result<ClientConfig, Error> {
    static DEFAULT: OnceLock<Result<ClientConfig, Error>> = OnceLock::new();
    DEFAULT.get_or_init(|| ClientOptions::default().build()).clone()
}

/// The loop's https agents, one per client configuration (told apart by identity).
#[derive(Default)]
struct SharedAgents(Vec<(Arc<rustls::ClientConfig>, AgentId)>);

/// The loop's agent for `config` (default http1 [`AgentOptions`]: keep-alive, Node's
/// limits), made on first use and again after it is destroyed: Node's `https.globalAgent`
/// pooling the requests that carry these TLS options. Configurations are told apart by
/// identity: clones of one built configuration share the agent, two builds of equal options
/// do not.
pub fn shared_agent(lp: &mut EventLoop, config: &ClientConfig) -> AgentId {
    let found = lp
        .state_or_default::<SharedAgents>()
        .0
        .iter()
        .find(|(c, _)| Arc::ptr_eq(c, &config.rustls))
        .map(|(_, a)| *a);
    if let Some(a) = found.filter(|a| a.is_alive(lp)) {
        return a;
    }
    let a = agent(lp, config, AgentOptions::default());
    let agents = &mut lp.state_or_default::<SharedAgents>().0;
    agents.retain(|(c, _)| !Arc::ptr_eq(c, &config.rustls));
    agents.push((config.rustls.clone(), a));
    a
}

/// The loop's https agent of Node's defaults (`https.globalAgent`): keep-alive, the bundled
/// Mozilla roots. Made on first use (again after it is destroyed). Fails only if the default
/// configuration cannot be built.
pub fn global_agent(lp: &mut EventLoop) -> Result<AgentId, Error> {
    Ok(shared_agent(lp, &default_config()?))
}

/// Starts an `https:` request (`https.request(options)`) on the loop's https agent
/// ([`global_agent`]), or the agent `options` names; [`AgentChoice::None`] gets a connection of
/// its own, closed after the response (Node's `agent: false`). The request itself is the http1
/// client's: write its body through the returned id, hear the response in `handler`. A
/// certificate that does not verify reaches `on_error` as the socket's error, with Node's name
/// (`UNABLE_TO_GET_ISSUER_CERT_LOCALLY`, `ERR_TLS_CERT_ALTNAME_INVALID`…; see
/// [`Error::from_socket`]).
///
/// The options' [`protocol`](RequestOptions::protocol) is `https:` unless given (an `http:` one
/// is refused with `ERR_INVALID_PROTOCOL`); their port is theirs: 443 must be set, as
/// [`RequestOptions::from_url`] does for an `https://` URL.
///
/// ```no_run
/// use netcore_http1::client::{ClientRequest, RequestOptions, ResponseHandler};
/// use netcore_http1::proto::ResponseHead;
///
/// struct Status;
/// impl ResponseHandler for Status {
///     fn on_response(&mut self, _req: &mut ClientRequest<'_>, res: &ResponseHead) {
///         println!("{}", res.status());
///     }
/// }
/// let mut lp = netcore::EventLoop::new()?;
/// let options = RequestOptions::from_url("https://example.com/upload")?.method("POST");
/// let req = netcore_tls::https::request(&mut lp, options, Status)?;
/// req.end(&mut lp, b"hello");
/// lp.run()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn request(
    lp: &mut EventLoop,
    options: RequestOptions,
    handler: impl ResponseHandler,
) -> Result<ClientRequestId, ClientError> {
    let config = default_config().map_err(|e| ClientError::from(netcore_tcp::Error::from(e)))?;
    request_with(lp, options, &config, handler)
}

/// [`request`] with a TLS configuration of its own (Node's `https.request` with `ca`, `cert`,
/// `servername`, `rejectUnauthorized`… among the options): [`AgentChoice::Global`] takes the
/// loop's agent for `config` ([`shared_agent`]), [`AgentChoice::None`] a connection of its own
/// with `config`. An agent named by [`AgentChoice::Agent`] keeps its own configuration
/// (`config` is not used): make it with [`agent`].
///
/// ```no_run
/// # use netcore_http1::client::{ClientRequest, RequestOptions, ResponseHandler};
/// # use netcore_http1::proto::ResponseHead;
/// # struct Status;
/// # impl ResponseHandler for Status {
/// #     fn on_response(&mut self, _req: &mut ClientRequest<'_>, _res: &ResponseHead) {}
/// # }
/// let mut lp = netcore::EventLoop::new()?;
/// let config = netcore_tls::ClientOptions::with_ca_pem(&std::fs::read("ca.pem")?)?.build()?;
/// let options = RequestOptions::from_url("https://localhost:3443/")?;
/// let req = netcore_tls::https::request_with(&mut lp, options, &config, Status)?;
/// req.end(&mut lp, b"");
/// lp.run()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn request_with(
    lp: &mut EventLoop,
    mut options: RequestOptions,
    config: &ClientConfig,
    handler: impl ResponseHandler,
) -> Result<ClientRequestId, ClientError> {
    match options.agent {
        AgentChoice::Global => {
            options.agent = AgentChoice::Agent(shared_agent(lp, config));
            netcore_http1::client::request(lp, options, handler)
        }
        AgentChoice::Agent(_) => netcore_http1::client::request(lp, options, handler),
        AgentChoice::None => {
            // Node's `agent: false`: an agent of default options (no keep-alive) for this request
            // alone, destroyed once it is over.
            let mut agent_options = AgentOptions::default();
            agent_options.keep_alive = false;
            let one_off = agent(lp, config, agent_options);
            options.agent = AgentChoice::Agent(one_off);
            let result =
                netcore_http1::client::request(lp, options, OneOff { inner: handler, agent: one_off });
            if result.is_err() {
                one_off.destroy(lp);
            }
            result
        }
    }
}

/// A `GET` of an `https://` URL or options, sent at once (`https.get`): [`request`], then `end`.
///
/// ```no_run
/// # use netcore_http1::client::{ClientRequest, ResponseHandler};
/// # use netcore_http1::proto::ResponseHead;
/// # struct Status;
/// # impl ResponseHandler for Status {
/// #     fn on_response(&mut self, _req: &mut ClientRequest<'_>, _res: &ResponseHead) {}
/// # }
/// let mut lp = netcore::EventLoop::new()?;
/// netcore_tls::https::get(&mut lp, "https://example.com/", Status)?;
/// lp.run()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn get(
    lp: &mut EventLoop,
    target: impl ToRequestOptions,
    handler: impl ResponseHandler,
) -> Result<ClientRequestId, ClientError> {
    let config = default_config().map_err(|e| ClientError::from(netcore_tcp::Error::from(e)))?;
    get_with(lp, target, &config, handler)
}

/// [`get`] with a TLS configuration (see [`request_with`]).
pub fn get_with(
    lp: &mut EventLoop,
    target: impl ToRequestOptions,
    config: &ClientConfig,
    handler: impl ResponseHandler,
) -> Result<ClientRequestId, ClientError> {
    let mut options = target.to_request_options()?;
    options.method = "GET".into();
    let id = request_with(lp, options, config, handler)?;
    id.end(lp, b"");
    Ok(id)
}

/// The handler of a request on an agent of its own: destroys the agent when the request is over.
struct OneOff<H> {
    inner: H,
    agent: AgentId,
}

impl<H: ResponseHandler> ResponseHandler for OneOff<H> {
    fn on_response(&mut self, req: &mut ClientRequest<'_>, res: &ResponseHead) {
        self.inner.on_response(req, res)
    }
    fn on_data(&mut self, req: &mut ClientRequest<'_>, data: Bytes) {
        self.inner.on_data(req, data)
    }
    fn on_trailers(&mut self, req: &mut ClientRequest<'_>, trailers: &Headers) {
        self.inner.on_trailers(req, trailers)
    }
    fn on_end(&mut self, req: &mut ClientRequest<'_>) {
        self.inner.on_end(req)
    }
    fn on_continue(&mut self, req: &mut ClientRequest<'_>) {
        self.inner.on_continue(req)
    }
    fn on_information(&mut self, req: &mut ClientRequest<'_>, info: &ResponseHead) {
        self.inner.on_information(req, info)
    }
    fn on_drain(&mut self, req: &mut ClientRequest<'_>) {
        self.inner.on_drain(req)
    }
    fn on_upgrade(&mut self, upgrade: &mut Upgrade<'_>) -> bool {
        self.inner.on_upgrade(upgrade)
    }
    fn on_timeout(&mut self, req: &mut ClientRequest<'_>) {
        self.inner.on_timeout(req)
    }
    fn on_error(&mut self, req: &mut ClientRequest<'_>, error: &ClientError) {
        self.inner.on_error(req, error)
    }
    fn on_close(&mut self, lp: &mut EventLoop) {
        self.inner.on_close(lp);
        // The connection was closed (or handed over by an upgrade): nothing of the agent's is
        // left to destroy but its entry in the loop.
        self.agent.destroy(lp);
    }
}

#[cfg(test)]
mod tests {
    use super::default_config;

    #[test]
    fn the_default_configuration_builds() {
        assert!(default_config().is_ok());
    }
}
