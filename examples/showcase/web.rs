//! The HTTP side: the chat page at `/`, the room's WebSocket at `/chat`, and `/dns?name=`.
use std::fmt::Write as _;
use std::net::IpAddr;

use netcore::EventLoop;
use netcore_dns::Resolver;
use netcore_http1::server::{Handler, Request, Response, ResponseId, Upgrade};
use netcore_websocket::server::{Router, ServerOptions};

use netcore_examples::json_string;

use crate::room::{WebMember, MAX_LINE};

/// The page: plain HTML and JavaScript, no build step. `{{TCP_PORT}}` is filled in at start.
const PAGE: &str = include_str!("page.html");

/// One HTTP connection's handler (cloned for each connection; the router and resolver are
/// shared handles).
#[derive(Clone)]
pub struct Site {
    page: bytes::Bytes,
    chat: Router,
    ws: ServerOptions,
    resolver: Resolver,
}

impl Site {
    /// The site, resolving `/dns` queries with `resolver`; the page names the TCP chat's port.
    pub fn new(resolver: Resolver, tcp_port: u16) -> Site {
        let page = PAGE.replace("{{TCP_PORT}}", &tcp_port.to_string()).into();
        let mut ws = ServerOptions::default();
        ws.max_payload = MAX_LINE;
        let chat = Router::new()
            .route("/chat", |head: &netcore_http1::proto::RequestHead| WebMember::new(head.target()));
        Site { page, chat, ws, resolver }
    }
}

impl Handler for Site {
    fn on_request(&mut self, req: &Request<'_>, res: &mut Response<'_>) {
        let (path, query) = req.target().split_once('?').unwrap_or((req.target(), ""));
        match (req.method(), path) {
            ("GET" | "HEAD", "/") => {
                let _ = res.set_header("content-type", "text/html; charset=utf-8");
                res.end(&self.page);
            }
            ("GET", "/dns") => match query_value(query, "name") {
                Some(name) if !name.is_empty() && name.len() <= 253 => {
                    let id = res.id();
                    dns(res.lp(), self.resolver, id, name)
                }
                _ => reply(res, 400, "{\"error\":\"give a name: /dns?name=localhost\"}\n"),
            },
            ("GET", "/chat") => reply(res, 426, "{\"error\":\"a WebSocket endpoint\"}\n"),
            _ => reply(res, 404, "{\"error\":\"not found\"}\n"),
        }
    }

    fn on_upgrade(&mut self, up: &mut Upgrade<'_>) -> bool {
        // `/chat` becomes a room member; any other path gets 404.
        let _ = self.chat.handle_upgrade(up, &self.ws);
        true
    }
}

/// Ends `res` with a JSON body.
fn reply(res: &mut Response<'_>, status: u16, json: &str) {
    let id = res.id();
    reply_later(res.lp(), id, status, json);
}

/// Ends the response `res` with a JSON body, from a callback after `on_request` returned.
fn reply_later(lp: &mut EventLoop, res: ResponseId, status: u16, json: &str) {
    res.set_status(lp, status);
    let _ = res.set_header(lp, "content-type", "application/json");
    res.end(lp, json.as_bytes());
}

/// The value of `key` in a query string, percent-decoded (`+` is a space).
fn query_value(query: &str, key: &str) -> Option<String> {
    let raw = query.split('&').find_map(|pair| pair.strip_prefix(key)?.strip_prefix('='))?;
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let digit = |b: u8| (b as char).to_digit(16);
                out.push((digit(bytes[i + 1])? * 16 + digit(bytes[i + 2])?) as u8);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// `/dns?name=`: `dns.lookup(name, {all: true})` and `resolver.resolve4(name, {ttl: true})` side
/// by side, answered once both are in.
fn dns(lp: &mut EventLoop, resolver: Resolver, res: ResponseId, name: String) {
    netcore_dns::lookup(lp, &name.clone(), 0, move |lp, looked_up| {
        let mut lookup = String::new();
        match looked_up {
            Ok(addresses) => {
                lookup.push('[');
                for (i, ip) in addresses.iter().enumerate() {
                    let family = if matches!(ip, IpAddr::V4(_)) { 4 } else { 6 };
                    let comma = if i > 0 { "," } else { "" };
                    let _ = write!(lookup, "{comma}{{\"address\":\"{ip}\",\"family\":{family}}}");
                }
                lookup.push(']');
            }
            Err(e) => lookup = format!("{{\"error\":\"{}\"}}", e.code()),
        }
        resolver.resolve4(lp, &name.clone(), move |lp, resolved| {
            let resolve4 = match resolved {
                Ok(records) => {
                    let items: Vec<String> = records
                        .iter()
                        .map(|(ip, ttl)| format!("{{\"address\":\"{ip}\",\"ttl\":{ttl}}}"))
                        .collect();
                    format!("[{}]", items.join(","))
                }
                Err(e) => format!("{{\"error\":\"{}\"}}", e.code()),
            };
            let body =
                format!("{{\"name\":{},\"lookup\":{lookup},\"resolve4\":{resolve4}}}\n", json_string(&name));
            reply_later(lp, res, 200, &body);
        });
    });
}
