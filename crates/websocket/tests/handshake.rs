//! The opening handshake end to end: requests as browsers and Node `ws` send them, our client
//! against our server for every deflate configuration, and the agreed parameters driving a
//! compressor on one side and an inflater on the other.
#![allow(clippy::unwrap_used)]

use netcore_http1::proto::{parse_request, parse_response, Limits};
use netcore_websocket::proto::deflate::{Compressor, Inflater};
use netcore_websocket::proto::extension::{DeflateConfig, DeflateParams, WindowBits};
use netcore_websocket::proto::handshake::{
    validate_request, verify_response, write_accept, write_request, ClientKey, HandshakeError,
};
use netcore_websocket::proto::rng::MaskRng;

fn request(raw: &str) -> netcore_http1::proto::RequestHead {
    let raw = raw.replace('\n', "\r\n");
    let (len, head) = parse_request(raw.as_bytes(), &Limits::default()).unwrap().unwrap();
    assert_eq!(len, raw.len());
    head
}

const CHROME: &str = "GET /chat HTTP/1.1
Host: localhost:8080
Connection: Upgrade
Pragma: no-cache
Cache-Control: no-cache
User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36
Upgrade: websocket
Origin: http://localhost:8080
Sec-WebSocket-Version: 13
Accept-Encoding: gzip, deflate, br, zstd
Accept-Language: en-US,en;q=0.9
Sec-WebSocket-Key: x3JJHMbDL1EzLkh9GBhXDw==
Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits

";

const FIREFOX: &str = "GET /chat HTTP/1.1
Host: localhost:8080
User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0
Accept: */*
Accept-Language: en-US,en;q=0.5
Accept-Encoding: gzip, deflate, br, zstd
Sec-WebSocket-Version: 13
Origin: http://localhost:8080
Sec-WebSocket-Protocol: graphql-ws, graphql-transport-ws
Sec-WebSocket-Extensions: permessage-deflate
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==
Connection: keep-alive, Upgrade
Pragma: no-cache
Cache-Control: no-cache
Upgrade: websocket

";

const NODE_WS: &str = "GET / HTTP/1.1
Sec-WebSocket-Version: 13
Sec-WebSocket-Key: AQIDBAUGBwgJCgsMDQ4PEA==
Connection: Upgrade
Upgrade: websocket
Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits
Host: 127.0.0.1:8080

";

#[test]
fn browsers_and_node_ws() {
    let chrome = validate_request(&request(CHROME)).unwrap();
    assert_eq!(chrome.origin(), Some("http://localhost:8080"));
    assert!(chrome.protocols().is_empty());
    assert_eq!(chrome.key().accept().as_str(), "HSmrc0sMlYUkAGmm5OPpG2HaGWk=");
    assert_eq!(chrome.negotiate_deflate(&DeflateConfig::default()), Some(DeflateParams::default()));

    let firefox = validate_request(&request(FIREFOX)).unwrap();
    assert_eq!(firefox.protocols(), ["graphql-ws", "graphql-transport-ws"]);
    // Firefox offers no client_max_window_bits: a server that requires one goes without.
    let mut wants_small_client_window = DeflateConfig::default();
    wants_small_client_window.client_max_window_bits = WindowBits::new(10);
    assert_eq!(firefox.negotiate_deflate(&wants_small_client_window), None);
    assert_eq!(
        chrome.negotiate_deflate(&wants_small_client_window).unwrap().client_max_window_bits,
        WindowBits::new(10)
    );

    let mut out = Vec::new();
    write_accept(&firefox, Some("graphql-transport-ws"), None, &[], &mut out).unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n"
    );

    let node = validate_request(&request(NODE_WS)).unwrap();
    assert!(node.origin().is_none());
    let mut out = Vec::new();
    let params = node.negotiate_deflate(&DeflateConfig::default());
    write_accept(&node, None, params.as_ref(), &[], &mut out).unwrap();
    // What Node `ws`'s server answers with its default perMessageDeflate.
    assert!(out.ends_with(b"\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n"));
}

#[test]
fn a_plain_http_request_is_refused_with_the_right_status() {
    let plain = "GET / HTTP/1.1\nHost: a\n\n";
    let err = validate_request(&request(plain)).unwrap_err();
    assert_eq!((err, err.status()), (HandshakeError::InvalidUpgrade, 400));
    let old = FIREFOX.replace("Sec-WebSocket-Version: 13", "Sec-WebSocket-Version: 8");
    let err = validate_request(&request(&old)).unwrap_err();
    assert_eq!(err.status(), 426);
    let mut out = Vec::new();
    err.write_response(&mut out);
    let (_, head) = parse_response(&out, &Limits::default()).unwrap().unwrap();
    assert_eq!(head.status(), 426);
    assert_eq!(head.headers().get("sec-websocket-version"), Some(&b"13"[..]));
    assert!(head.headers().has_token("connection", "close"));
}

/// Our client and our server agree for every pair of configurations, and the agreed parameters
/// carry messages both ways.
#[test]
fn client_and_server_agree_and_talk() {
    let bits = |n| WindowBits::new(n);
    let mut configs = Vec::new();
    for snct in [false, true] {
        for cnct in [false, true] {
            for (sb, cb) in [(None, None), (bits(9), None), (None, bits(8)), (bits(12), bits(11))] {
                let mut c = DeflateConfig::default();
                c.server_no_context_takeover = snct;
                c.client_no_context_takeover = cnct;
                c.server_max_window_bits = sb;
                c.client_max_window_bits = cb;
                configs.push(c);
            }
        }
    }
    let mut rng = MaskRng::new(7);
    let message: Vec<u8> = b"the quick brown fox jumps over the lazy dog; ".repeat(200);
    for client_config in &configs {
        for server_config in &configs {
            let key = ClientKey::generate(&mut rng);
            let mut wire = Vec::new();
            write_request(
                &mut wire,
                "example.com",
                Some(8443),
                "/ws?x=1",
                &key,
                &["v2", "v1"],
                Some(client_config),
                &[],
            )
            .unwrap();
            let (_, head) = parse_request(&wire, &Limits::default()).unwrap().unwrap();
            let hs = validate_request(&head).unwrap();
            let agreed = hs.negotiate_deflate(server_config);
            // A server requiring a client window accepts our client (it always offers one).
            let agreed = agreed.expect("our offer is always acceptable to our server");
            let mut answer = Vec::new();
            write_accept(&hs, Some("v1"), Some(&agreed), &[], &mut answer).unwrap();
            let (_, head) = parse_response(&answer, &Limits::default()).unwrap().unwrap();
            let accepted = verify_response(&head, &key, &["v2", "v1"], Some(client_config))
                .unwrap_or_else(|e| panic!("{e}: {client_config:?} / {server_config:?}"));
            assert_eq!(accepted.protocol.as_deref(), Some("v1"));
            let seen = accepted.deflate.unwrap();
            assert_eq!(seen, agreed);

            // Server to client, then client to server, three messages each.
            for (send, recv) in [
                (seen.server_to_client(), agreed.server_to_client()),
                (seen.client_to_server(), agreed.client_to_server()),
            ] {
                let mut c = Compressor::new(send, 6);
                let mut i = Inflater::new(recv, 1 << 20);
                for _ in 0..3 {
                    let mut payload = Vec::new();
                    c.compress(&message, &mut payload).unwrap();
                    // A full window finds the repeats; a limited one (RLE) only Huffman-codes.
                    let bound = if send.max_window_bits == WindowBits::MAX {
                        message.len() / 4
                    } else {
                        message.len() * 2 / 3
                    };
                    assert!(payload.len() < bound, "{} bytes at {:?}", payload.len(), send);
                    let mut text = Vec::new();
                    i.inflate(&payload, &mut text).unwrap();
                    assert_eq!(text, message);
                }
            }
        }
    }
}

#[test]
fn deflate_disabled_on_either_side() {
    let mut off = DeflateConfig::default();
    off.enabled = false;
    let key = ClientKey::from_nonce([9; 16]);
    let mut wire = Vec::new();
    write_request(&mut wire, "h", None, "/", &key, &[], Some(&off), &[]).unwrap();
    assert!(!String::from_utf8_lossy(&wire).contains("Sec-WebSocket-Extensions"));
    wire.clear();
    write_request(&mut wire, "h", None, "/", &key, &[], Some(&DeflateConfig::default()), &[]).unwrap();
    let (_, head) = parse_request(&wire, &Limits::default()).unwrap().unwrap();
    let hs = validate_request(&head).unwrap();
    assert_eq!(hs.negotiate_deflate(&off), None);
    let mut answer = Vec::new();
    write_accept(&hs, None, None, &[], &mut answer).unwrap();
    let (_, head) = parse_response(&answer, &Limits::default()).unwrap().unwrap();
    let accepted = verify_response(&head, &key, &[], Some(&DeflateConfig::default())).unwrap();
    assert_eq!(accepted.deflate, None);
}
