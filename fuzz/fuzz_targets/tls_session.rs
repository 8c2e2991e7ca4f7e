//! A TLS session fed arbitrary wire bytes, split anywhere, never panics and never yields
//! plaintext (no handshake can complete without the peer's keys); once it fails it stays failed.
//!
//! Input: one byte choosing the role (bit 0: client) and the split size (bits 1-7), then the bytes.
#![no_main]
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use netcore_tcp::Layer;
use netcore_tls::{ClientConfig, ClientOptions, Identity, ServerConfig, ServerOptions, TlsSession};

fn configs() -> &'static (ServerConfig, ClientConfig) {
    static CONFIGS: OnceLock<(ServerConfig, ClientConfig)> = OnceLock::new();
    CONFIGS.get_or_init(|| {
        let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).expect("cert");
        let identity = Identity::from_pem(cert.cert.pem().as_bytes(), cert.signing_key.serialize_pem().as_bytes())
            .expect("identity");
        let server = ServerOptions::new(identity).build().expect("server");
        let mut client = ClientOptions::default();
        client.ca = Some(vec![cert.cert.der().clone()]);
        (server, client.build().expect("client"))
    })
}

fuzz_target!(|input: (u8, &[u8])| {
    let (flags, data) = input;
    let (server, client) = configs();
    let mut session = if flags & 1 == 1 {
        TlsSession::client(client, "localhost").expect("client session")
    } else {
        TlsSession::server(server).expect("server session")
    };
    let (mut plain, mut wire) = (Vec::new(), Vec::new());
    session.start(&mut wire).expect("start");
    let split = usize::from(flags >> 1).max(1);
    let mut failed = false;
    for chunk in data.chunks(split) {
        let result = session.read_wire(chunk, &mut plain, &mut wire);
        assert!(!(failed && result.is_ok()), "a failed session must stay failed");
        failed |= result.is_err();
    }
    assert!(plain.is_empty());
    assert!(!session.is_secure());
    assert!(session.read_eof().is_err());
});
