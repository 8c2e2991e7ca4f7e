//! The WebSocket opening handshake never panics, and what our server writes our client accepts:
//! the bytes, parsed as a request, go through `validate_request` and, if valid, the deflate
//! negotiation and `write_accept`, whose 101 must parse and pass `verify_response` with the same
//! key, protocols and parameters; a refusal must parse with the error's status. The bytes,
//! parsed as a response, go through `verify_response`. As a `Sec-WebSocket-Extensions` value,
//! they must parse, print and parse again to the same list, and any offer our server accepts
//! must produce an answer our client accepts with the same parameters.
//!
//! Input: one byte of flags (bits 0-1: the server's window limits, bit 2: it forces
//! `server_no_context_takeover`, bit 3: deflate disabled, bits 4-7: the client's key nonce
//! byte), then the bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;
use netcore_http1::proto::{parse_request, parse_response, Limits};
use netcore_websocket::proto::extension::{parse_extensions, DeflateConfig, WindowBits};
use netcore_websocket::proto::handshake::{validate_request, verify_response, write_accept, ClientKey};

fn config(flags: u8) -> DeflateConfig {
    let mut c = DeflateConfig::default();
    c.server_max_window_bits = (flags & 1 != 0).then_some(WindowBits::MIN);
    c.client_max_window_bits = (flags & 2 != 0).then(|| WindowBits::new(11)).flatten();
    c.server_no_context_takeover = flags & 4 != 0;
    c.enabled = flags & 8 == 0;
    c
}

fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_header_size = 4096;
    limits.max_headers = 32;
    limits
}

fuzz_target!(|input: (u8, &[u8])| {
    let (flags, data) = input;
    let server = config(flags);
    // A client config that accepts any legal answer: it asks for nothing.
    let client = DeflateConfig::default();

    if let Ok(Some((_, head))) = parse_request(data, &limits()) {
        match validate_request(&head) {
            Ok(hs) => {
                assert_eq!(ClientKey::from_base64(hs.key().as_str().as_bytes()), Some(*hs.key()));
                let params = hs.negotiate_deflate(&server);
                let protocol = hs.protocols().last().map(String::as_str);
                let mut out = Vec::new();
                write_accept(&hs, protocol, params.as_ref(), &[], &mut out)
                    .expect("an accept always encodes");
                let (len, response) =
                    parse_response(&out, &limits()).expect("our 101 parses").expect("our 101 is complete");
                assert_eq!(len, out.len());
                let offered: Vec<&str> = hs.protocols().iter().map(String::as_str).collect();
                let accepted = verify_response(&response, hs.key(), &offered, Some(&client))
                    .expect("our client accepts");
                assert_eq!(accepted.protocol.as_deref(), protocol);
                assert_eq!(accepted.deflate, params);
            }
            Err(e) => {
                assert!(!e.is_local());
                assert!(matches!(e.status(), 400 | 405 | 426));
                let mut out = Vec::new();
                e.write_response(&mut out);
                let (_, refusal) =
                    parse_response(&out, &limits()).expect("our refusal parses").expect("complete");
                assert_eq!(refusal.status(), e.status());
            }
        }
    }

    if let Ok(Some((_, head))) = parse_response(data, &limits()) {
        let key = ClientKey::from_nonce([flags >> 4; 16]);
        let _ = verify_response(&head, &key, &["chat", "superchat"], Some(&server));
        let _ = verify_response(&head, &key, &[], None);
    }

    let mut extensions = Vec::new();
    if parse_extensions(data, 0, &mut extensions).is_ok() {
        let printed: Vec<String> = extensions.iter().map(|e| e.to_string()).collect();
        let mut again = Vec::new();
        parse_extensions(printed.join(", ").as_bytes(), 0, &mut again).expect("printed extensions parse");
        assert_eq!(again, extensions);
        if let Some(params) = server.accept_offers(&extensions) {
            let mut answer = Vec::new();
            params.write_response(&mut answer);
            let mut parsed = Vec::new();
            parse_extensions(&answer, 0, &mut parsed).expect("our answer parses");
            assert_eq!(parsed.len(), 1);
            assert_eq!(client.verify_response(&parsed[0]), Ok(params));
        }
    }
});
