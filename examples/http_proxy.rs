//! A forward HTTP proxy, the seed's proxy in Node:
//!
//! ```js
//! http.createServer((req, res) => {                      // GET http://host:port/path HTTP/1.1
//!   const { hostname, port, pathname, search } = new URL(req.url);
//!   const up = http.request({ hostname, port, path: pathname + search, method: req.method,
//!                             headers: req.headers }, (r) => {
//!     res.writeHead(r.statusCode, r.headers); r.pipe(res);
//!   });
//!   up.on('error', (e) => { res.writeHead(502); res.end(e.code); });
//!   req.pipe(up);
//! }).on('connect', (req, client, head) => {              // CONNECT host:port HTTP/1.1
//!   const [host, port] = req.url.split(':');
//!   const up = net.connect(port, host, () => {
//!     client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
//!     up.write(head); up.pipe(client); client.pipe(up);
//!   });
//! }).listen(8888);
//! ```
//!
//! `cargo run --release --example http_proxy [PORT]` (default 8888), then
//! `curl -x http://localhost:8888 http://example.com/` (a forwarded request) or
//! `curl -p -x http://localhost:8888 http://example.com/` (the same through a `CONNECT` tunnel,
//! as `https://` URLs always go).
//!
//! **Forwarding** (RFC 9110 §7.6, RFC 9112 §3.2.2). A request in absolute form goes to its origin
//! with our client (the global agent: upstream connections are kept alive and reused) in origin
//! form, with the client's header fields in their order and case, minus the hop-by-hop ones
//! ([`HOP_BY_HOP`] and any that `Connection` names) and minus `Host`, which is rebuilt from the
//! URL; `Via: 1.1 netcore` is added. The answer comes back the same way: status, end-to-end
//! fields, `Via`, then the body and any trailers. Both bodies stream with backpressure: when the
//! origin cannot take more of an upload the client's connection is paused until the upstream
//! request drains, and when the client cannot take more of a response the upstream response is
//! paused until the client's connection drains. `Expect: 100-continue` goes to the origin, and its
//! `100 Continue` comes back. An origin that cannot be reached (or fails before its head) gets
//! `502 Bad Gateway` with the error and its code in the body; one that fails mid-body gets the
//! client's connection cut, the only way left to say so. A request in origin form, meant for the
//! proxy itself, is `400 Bad Request`.
//!
//! **Tunnels** (RFC 9110 §9.3.6). `CONNECT host:port` takes the client's socket, connects to
//! `host:port`, answers `200 Connection Established`, forwards the bytes that came after the
//! `CONNECT` head, then pipes the two sockets into each other (`splice(2)` on Linux: the bytes never
//! enter user space), each end's FIN passed on to the other. A failed connect is answered
//! `502 Bad Gateway`; a connection that fails later closes the other one.
//!
//! The origin's status and reason phrase are passed on as they came. Left out: no
//! authentication, no access control (it listens on 127.0.0.1 only: do not expose it), no loop
//! detection, no cache.
use std::collections::HashMap;

use bytes::Bytes;
use netcore::EventLoop;
use netcore_http1::client::{
    request, ClientRequest, ClientRequestId, Error, RequestOptions, ResponseHandler, Url,
};
use netcore_http1::proto::{Headers, ResponseHead};
use netcore_http1::server::{listen, Handler, Request, RequestId, Response, ResponseId, Upgrade};
use netcore_tcp::{Socket, SocketHandler, SocketId};

/// Fields that describe one connection, not the message (RFC 9110 §7.6.1), never forwarded:
/// the standard ones plus the legacy `Keep-Alive` and `Proxy-Connection`.
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// What the proxy adds to both messages (RFC 9110 §7.6.3: a proxy must send `Via`).
const VIA: &str = "1.1 netcore";

/// The end-to-end fields of a header section: [`HOP_BY_HOP`] and the fields its `Connection`
/// names are dropped; the others keep their order and case.
fn end_to_end(headers: &Headers) -> Vec<(&str, &[u8])> {
    let named: Vec<&[u8]> = headers.tokens("connection").collect();
    let hop_by_hop = |name: &str| {
        HOP_BY_HOP.iter().any(|h| h.eq_ignore_ascii_case(name))
            || named.iter().any(|n| n.eq_ignore_ascii_case(name.as_bytes()))
    };
    headers.iter().filter(|(name, _)| !hop_by_hop(name)).collect()
}

/// One client connection's handler.
#[derive(Clone, Default)]
struct Proxy {
    /// The client request whose body is being read, and the upstream request it goes to.
    upload: Option<(RequestId, ClientRequestId)>,
    /// The upstream requests this connection started: stopped if the client goes away.
    upstreams: Vec<ClientRequestId>,
    /// The upstream socket of a `CONNECT` tunnel.
    tunnel: Option<SocketId>,
}

impl Handler for Proxy {
    fn on_request(&mut self, req: &Request<'_>, res: &mut Response<'_>) {
        self.upload = None;
        // Only absolute-form targets are for someone else (RFC 9112 §3.2.2): `/path` is for us.
        let url = match Url::parse(req.target()) {
            Ok(url) => url,
            Err(e) => return bad_request(res, format!("{e} ({})", e.code())),
        };
        // An `https:` target comes through a `CONNECT` tunnel, never in absolute form.
        if url.protocol().is_secure() {
            return bad_request(res, "protocol \"https:\" not supported (ERR_INVALID_PROTOCOL)".into());
        }
        let mut options = RequestOptions::new(req.method(), url.host(), url.port(), url.path());
        // `Host` names the target in the URL, not what the client wrote (RFC 9112 §3.2.2): the
        // client adds it from the options.
        for (name, value) in end_to_end(req.headers()) {
            if !name.eq_ignore_ascii_case("host") {
                options = options.header(name, value);
            }
        }
        options = options.header("Via", VIA);
        let upstream = Upstream { req: req.id(), res: res.id() };
        match request(res.lp(), options, upstream) {
            Ok(up) => {
                self.upload = Some((req.id(), up));
                self.upstreams.retain(|u| u.is_open(res.lp()));
                self.upstreams.push(up);
            }
            Err(e) => {
                let id = res.id();
                bad_gateway(res.lp(), id, &e);
            }
        }
    }

    /// `Expect: 100-continue`: the origin decides, and its `100 Continue` is relayed (see
    /// [`Upstream::on_continue`]). The head goes out now, so the origin is asked at once.
    fn on_check_continue(&mut self, req: &Request<'_>, res: &mut Response<'_>) {
        self.on_request(req, res);
        if let Some((_, up)) = self.upload {
            up.flush_headers(res.lp());
        }
    }

    fn on_data(&mut self, req: &Request<'_>, data: Bytes, res: &mut Response<'_>) {
        let Some((_, up)) = self.upload.filter(|(id, _)| *id == req.id()) else { return };
        // Backpressure: the client's connection waits until the upstream request drains. A
        // failed upstream (already answered 502) takes nothing: the rest is read and dropped.
        if !up.write(res.lp(), &data) && up.is_open(res.lp()) {
            req.id().pause(res.lp());
        }
    }

    fn on_trailers(&mut self, req: &Request<'_>, trailers: &Headers, res: &mut Response<'_>) {
        if let Some((_, up)) = self.upload.filter(|(id, _)| *id == req.id()) {
            up.add_trailers(res.lp(), &end_to_end(trailers)).ok();
        }
    }

    fn on_end(&mut self, req: &Request<'_>, res: &mut Response<'_>) {
        if let Some((_, up)) = self.upload.take().filter(|(id, _)| *id == req.id()) {
            up.end(res.lp(), b"");
        }
    }

    /// The client's connection took what was queued: the upstream response stalled on it reads on.
    fn on_drain(&mut self, res: &mut Response<'_>) {
        let id = res.id();
        if let Some(up) = res.lp().state_mut::<Stalled>().and_then(|s| s.0.remove(&id)) {
            up.resume(res.lp());
        }
    }

    /// `CONNECT host:port`: the socket becomes a tunnel once `host:port` answers. (Any other
    /// upgrade is declined: it is forwarded as a plain request, its `Upgrade` field dropped.)
    fn on_upgrade(&mut self, upgrade: &mut Upgrade<'_>) -> bool {
        if !upgrade.is_connect() {
            return false;
        }
        let client = upgrade.socket();
        let authority = upgrade.head().target().to_string();
        let early = upgrade.take_rest();
        let lp = upgrade.lp();
        // Nothing more is read from the client until there is somewhere to put it. The socket
        // keeps the server's handler (no `set_handler`): once piped, its bytes go to the pipe,
        // and its close still reaches `on_close` below, which closes the upstream. (A new handler
        // would leave the server's state for this connection behind, never told of the close.)
        client.pause(lp);
        let tunnel = Tunnel { client, early, open: false };
        self.tunnel = Some(netcore_tcp::connect(lp, &authority, tunnel));
        true
    }

    /// The client is gone: whatever it started upstream is of no use to anyone.
    fn on_close(&mut self, lp: &mut EventLoop, _had_error: bool) {
        for up in self.upstreams.drain(..) {
            up.destroy(lp);
        }
        if let Some(tunnel) = self.tunnel.take() {
            tunnel.destroy(lp);
        }
    }
}

/// Upstream responses paused until the client's connection drains, by the response they feed:
/// kept in the loop's state, where both the upstream's handler and the connection's reach them.
#[derive(Default)]
struct Stalled(HashMap<ResponseId, ClientRequestId>);

/// One upstream request's handler: copies its response into the client's.
struct Upstream {
    req: RequestId,
    res: ResponseId,
}

impl ResponseHandler for Upstream {
    fn on_continue(&mut self, req: &mut ClientRequest<'_>) {
        self.res.write_continue(req.lp());
    }

    fn on_response(&mut self, req: &mut ClientRequest<'_>, head: &ResponseHead) {
        let (lp, res) = (req.lp(), self.res);
        res.set_status(lp, head.status());
        res.set_status_message(lp, head.reason()).ok();
        for (name, value) in end_to_end(head.headers()) {
            // The origin's fields were checked by our parser; one the server refuses is dropped.
            res.append_header(lp, name, value).ok();
        }
        res.append_header(lp, "Via", VIA).ok();
        // The head goes to the client now, before any of the body: framed by the origin's
        // `Content-Length` if it sent one, else chunked.
        res.flush_headers(lp);
    }

    fn on_data(&mut self, req: &mut ClientRequest<'_>, data: Bytes) {
        let res = self.res;
        if res.finished(req.lp()) {
            return req.destroy(); // The client went away.
        }
        if !res.write(req.lp(), &data) {
            req.pause();
            let id = req.id();
            req.lp().state_or_default::<Stalled>().0.insert(res, id);
        }
    }

    fn on_trailers(&mut self, req: &mut ClientRequest<'_>, trailers: &Headers) {
        self.res.add_trailers(req.lp(), &end_to_end(trailers)).ok();
    }

    fn on_end(&mut self, req: &mut ClientRequest<'_>) {
        self.res.end(req.lp(), b"");
    }

    /// The upstream request took what was queued: read more of the client's upload.
    fn on_drain(&mut self, req: &mut ClientRequest<'_>) {
        self.req.resume(req.lp());
    }

    fn on_error(&mut self, req: &mut ClientRequest<'_>, error: &Error) {
        let lp = req.lp();
        if self.res.headers_sent(lp) {
            // Mid-body: a status can no longer be sent, and a clean end would look complete.
            self.res.socket().destroy(lp);
        } else {
            bad_gateway(lp, self.res, error);
        }
        // If the upload was waiting on this request, let the rest of it be read (and dropped).
        self.req.resume(lp);
    }

    fn on_close(&mut self, lp: &mut EventLoop) {
        if let Some(stalled) = lp.state_mut::<Stalled>() {
            stalled.0.remove(&self.res);
        }
    }
}

/// `400 Bad Request` for a request the proxy cannot forward.
fn bad_request(res: &mut Response<'_>, why: String) {
    res.set_status(400);
    res.set_header("Content-Type", "text/plain").ok();
    let body = format!(
        "bad request: {why}: this is a forward proxy, ask it for an absolute URL \
         (curl -x http://PROXY http://host/path)\n"
    );
    res.end(body.as_bytes());
}

/// `502 Bad Gateway`, with the upstream's error (and its Node code) in the body.
fn bad_gateway(lp: &mut EventLoop, res: ResponseId, error: &Error) {
    res.set_status(lp, 502);
    res.set_header(lp, "Content-Type", "text/plain").ok();
    // `Display` ends with the code: "connection to … refused (ECONNREFUSED)".
    res.end(lp, format!("bad gateway: {error}\n").as_bytes());
}

/// The upstream side of a `CONNECT` tunnel.
struct Tunnel {
    /// The client's socket, taken from the HTTP server.
    client: SocketId,
    /// What the client sent after its `CONNECT` head (Node's `head`), for the upstream.
    early: Bytes,
    /// Connected and piped.
    open: bool,
}

impl SocketHandler for Tunnel {
    fn on_connect(&mut self, upstream: &mut Socket<'_>) {
        self.open = true;
        let (client, up) = (self.client, upstream.id());
        let lp = upstream.lp();
        client.write(lp, b"HTTP/1.1 200 Connection Established\r\n\r\n");
        if !self.early.is_empty() {
            up.write(lp, &self.early);
        }
        // Both ways, with backpressure; each side's end ends the other (and `pipe` resumes the
        // paused client).
        client.pipe(lp, up);
        up.pipe(lp, client);
    }

    fn on_error(&mut self, upstream: &mut Socket<'_>, error: &netcore_tcp::Error) {
        if self.open {
            return; // `on_close` closes the client.
        }
        let body = format!("bad gateway: {error} ({})\n", error.code());
        let head = format!(
            "HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\
             Connection: close\r\n\r\n",
            body.len()
        );
        let (client, lp) = (self.client, upstream.lp());
        client.write(lp, head.as_bytes());
        client.end_with(lp, body.as_bytes());
        // Read on, so that the client's own end (or reset) is seen and the socket can close.
        client.resume(lp);
    }

    fn on_close(&mut self, lp: &mut EventLoop, _id: SocketId, had_error: bool) {
        if !self.open {
            return;
        }
        if had_error {
            self.client.destroy(lp);
        } else {
            self.client.end(lp);
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut lp = EventLoop::new()?;
    let addr = format!("127.0.0.1:{}", netcore_examples::port_arg(8888));
    let server = listen(&mut lp, &addr, Proxy::default())?;
    println!("listening on {}", server.address(&lp).ok_or("no address")?);
    lp.run()?;
    Ok(())
}
