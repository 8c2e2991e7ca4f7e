//! Where a request's connection goes ([`Route`]), and the `CONNECT` tunnel an `https:` request
//! opens through a forward proxy (RFC 9110 §9.3.6, RFC 9112 §3.2.3), as curl and Node's
//! `https` over `HTTPS_PROXY` do.
//!
//! ```text
//!  connect to the proxy (plain) ─► CONNECT origin:443 HTTP/1.1 / Host: origin:443
//!                                  [/ Proxy-Authorization: Basic …]
//!  proxy's head ─► 2xx: the agent's TLS layer goes on the socket (SNI: origin), the request
//!              │        follows inside; the socket is pooled per (proxy, origin)
//!              └► else: the request fails with `ERR_PROXY_TUNNEL` and the status
//! ```
//!
//! The state machine here is sans-IO ([`Handshake`]): bytes in, an [`Outcome`] out. The
//! connection ([`conn`](super::conn)) writes the `CONNECT` and installs the layer.

use bytes::{Bytes, BytesMut};

use super::options::authority;
use super::proxy::Proxy;
use crate::proto::encode::{write_request_head, BodyLength, EncodeError};
use crate::proto::{Limits, ParseError, ResponseDecoder, ResponseEvent};

/// Where a request's connection goes: the address the socket connects to, the agent's pool it
/// belongs to, and the tunnel to open first, if any.
#[derive(Clone)]
pub(crate) struct Route {
    /// The agent's pool key: the origin's `host:port`; the proxy's for `http:` through a proxy
    /// (one connection to the proxy carries requests for any origin); `origin via proxy` for a
    /// tunnel (a tunnel leads to one origin).
    pub(crate) key: String,
    /// `host:port` the socket connects to.
    pub(crate) addr: String,
    /// A `CONNECT` tunnel to open once connected.
    pub(crate) tunnel: Option<Tunnel>,
}

impl Route {
    /// Straight to the origin, or to an `http:` request's proxy.
    pub(crate) fn direct(addr: String) -> Route {
        Route { key: addr.clone(), addr, tunnel: None }
    }

    /// Through `proxy`'s tunnel to `host:port`.
    pub(crate) fn tunnel(proxy: &Proxy, host: &str, port: u16) -> Route {
        let target = authority(host, port, None);
        Route {
            key: format!("{target} via {}", proxy.pool_name()),
            addr: proxy.authority(),
            tunnel: Some(Tunnel {
                host: host.to_string(),
                authority: target,
                proxy_authorization: proxy.authorization(),
            }),
        }
    }
}

/// The far end of a tunnel.
#[derive(Clone)]
pub(crate) struct Tunnel {
    /// The origin's host: the TLS layer's server name.
    pub(crate) host: String,
    /// `host:port`, the `CONNECT` target and its `Host`.
    authority: String,
    /// `Basic …` for the proxy's credentials.
    proxy_authorization: Option<String>,
}

impl Tunnel {
    /// Appends the `CONNECT` request: the target in authority form, `Host` the same (RFC 9112
    /// §3.2.3, §3.2), the proxy's credentials, no body.
    pub(crate) fn write_connect(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let mut fields: Vec<(&str, &[u8])> = vec![("Host", self.authority.as_bytes())];
        if let Some(auth) = &self.proxy_authorization {
            fields.push(("Proxy-Authorization", auth.as_bytes()));
        }
        write_request_head(out, "CONNECT", &self.authority, 1, &fields, BodyLength::None)
    }
}

/// How the proxy answered the `CONNECT`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// A 2xx: the tunnel is open; these bytes came after the head (the origin's, normally none).
    Open(Bytes),
    /// Any other final status: no tunnel.
    Refused(u16),
}

/// Reads the proxy's answer to a `CONNECT`, with the agent's response limits.
pub(crate) struct Handshake {
    decoder: ResponseDecoder,
    buf: BytesMut,
    /// A 2xx head was read; the decoder's `Upgrade` follows.
    accepted: bool,
}

impl Handshake {
    pub(crate) fn new(limits: Limits) -> Handshake {
        let mut decoder = ResponseDecoder::new(limits);
        decoder.expect("CONNECT");
        Handshake { decoder, buf: BytesMut::new(), accepted: false }
    }

    /// Bytes from the proxy: the outcome once the head is complete, `None` until then. 1xx
    /// heads are skipped.
    pub(crate) fn read(&mut self, data: &[u8]) -> Result<Option<Outcome>, ParseError> {
        self.buf.extend_from_slice(data);
        loop {
            match self.decoder.decode(&mut self.buf)? {
                None => return Ok(None),
                Some(ResponseEvent::Head(head)) => {
                    let status = head.status();
                    if !(200..300).contains(&status) {
                        return Ok(Some(Outcome::Refused(status)));
                    }
                    self.accepted = true;
                }
                Some(ResponseEvent::Upgrade) if self.accepted => {
                    return Ok(Some(Outcome::Open(self.buf.split().freeze())));
                }
                // 1xx, and the empty body before the switch.
                Some(_) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::ErrorKind;

    /// What reading a whole answer gives.
    type Read = Result<Option<Outcome>, ErrorKind>;

    fn feed_every_split(input: &[u8], want: &Read) {
        for split in 0..=input.len() {
            let mut h = Handshake::new(Limits::default());
            let first = h.read(&input[..split]);
            let got = match first {
                // What comes after the split would go to the layer, after `rest`.
                Ok(Some(Outcome::Open(rest))) => {
                    Ok(Some(Outcome::Open([&rest[..], &input[split..]].concat().into())))
                }
                Ok(Some(o)) => Ok(Some(o)),
                Ok(None) => h.read(&input[split..]),
                Err(e) => Err(e),
            };
            assert_eq!(&got.map_err(|e| e.kind), want, "split at {split}");
        }
        // Byte by byte.
        let mut h = Handshake::new(Limits::default());
        let mut got = Ok(None);
        for (i, b) in input.iter().enumerate() {
            got = h.read(std::slice::from_ref(b));
            if let Ok(Some(Outcome::Open(rest))) = &got {
                got = Ok(Some(Outcome::Open([&rest[..], &input[i + 1..]].concat().into())));
            }
            if !matches!(got, Ok(None)) {
                break;
            }
        }
        assert_eq!(&got.map_err(|e| e.kind), want, "byte by byte");
    }

    #[test]
    fn reads_the_proxys_answer_at_every_split() {
        let open = |rest: &'static [u8]| Ok(Some(Outcome::Open(Bytes::from_static(rest))));
        let cases: &[(&[u8], Read)] = &[
            (b"HTTP/1.1 200 Connection established\r\n\r\n", open(b"")),
            (b"HTTP/1.0 200 OK\r\nProxy-Agent: x\r\n\r\n", open(b"")),
            (b"HTTP/1.1 204 No Content\r\n\r\n\x16\x03\x03", open(b"\x16\x03\x03")),
            (b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n\r\n", open(b"")),
            // A 2xx to CONNECT has no body, whatever it says (RFC 9110 §9.3.6).
            (b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", open(b"")),
            (
                b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 3\r\n\r\nno!",
                Ok(Some(Outcome::Refused(407))),
            ),
            (b"HTTP/1.1 502 Bad Gateway\r\n\r\n", Ok(Some(Outcome::Refused(502)))),
            (b"HTTP/1.1 301 Moved\r\nLocation: /\r\n\r\n", Ok(Some(Outcome::Refused(301)))),
            (b"HTTP/1.1 200 Connection established\r\n", Ok(None)),
        ];
        for (input, want) in cases {
            feed_every_split(input, want);
        }
    }

    #[test]
    fn a_bad_or_oversized_answer_is_a_parse_error() {
        let mut h = Handshake::new(Limits::default());
        assert!(h.read(b"SSH-2.0-OpenSSH\r\n\r\n").is_err());
        let limits = Limits { max_header_size: 64, ..Limits::default() };
        let mut h = Handshake::new(limits);
        let big = format!("HTTP/1.1 200 OK\r\nX: {}\r\n\r\n", "a".repeat(100));
        assert_eq!(h.read(big.as_bytes()).map_err(|e| e.kind), Err(ErrorKind::HeadersTooLarge));
    }

    #[test]
    fn writes_the_connect_request() {
        let proxy = Proxy::new("proxy", 3128).with_auth("Aladdin", "open sesame");
        let route = Route::tunnel(&proxy, "::1", 8443);
        assert_eq!(
            (route.key.as_str(), route.addr.as_str()),
            ("[::1]:8443 via Aladdin@proxy:3128", "proxy:3128")
        );
        let mut out = Vec::new();
        route.tunnel.as_ref().map(|t| t.write_connect(&mut out)).transpose().unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "CONNECT [::1]:8443 HTTP/1.1\r\nHost: [::1]:8443\r\n\
             Proxy-Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n\r\n"
        );
        let route = Route::tunnel(&Proxy::new("proxy", 3128), "example.com", 443);
        assert_eq!(route.key, "example.com:443 via proxy:3128");
        let mut out = Vec::new();
        route.tunnel.as_ref().map(|t| t.write_connect(&mut out)).transpose().unwrap();
        assert_eq!(out, b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n");
    }
}
