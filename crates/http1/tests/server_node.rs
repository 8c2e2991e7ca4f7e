//! Node's `http` client against our server: `100-continue`, keep-alive reuse, chunked uploads
//! and answers with trailers, an upgrade hand-off.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use std::process::Command;

use bytes::Bytes;
use common::serve;
use netcore_http1::proto::Headers;
use netcore_http1::server::{listen, Handler, Request, Response, Upgrade};
use netcore_tcp::{on_data, Socket};

/// Echoes bodies as `url body` with the request's trailers as response trailers; takes
/// `Upgrade: echo` (sending `ping` first, then echoing).
#[derive(Clone, Default)]
struct Peer {
    body: Vec<u8>,
    trailers: Vec<(String, Vec<u8>)>,
}

impl Handler for Peer {
    fn on_request(&mut self, _req: &Request<'_>, _res: &mut Response<'_>) {
        self.body.clear();
        self.trailers.clear();
    }
    fn on_data(&mut self, _req: &Request<'_>, data: Bytes, _res: &mut Response<'_>) {
        self.body.extend_from_slice(&data);
    }
    fn on_trailers(&mut self, _req: &Request<'_>, t: &Headers, _res: &mut Response<'_>) {
        self.trailers = t.iter().map(|(n, v)| (n.to_string(), v.to_vec())).collect();
    }
    fn on_end(&mut self, req: &Request<'_>, res: &mut Response<'_>) {
        let t: Vec<(&str, &[u8])> = self.trailers.iter().map(|(n, v)| (n.as_str(), v.as_slice())).collect();
        if !t.is_empty() {
            res.set_header("Trailer", "X-A").unwrap();
            res.add_trailers(&t).unwrap();
            res.write(req.url().as_bytes());
        }
        res.end(format!(" {}", String::from_utf8_lossy(&self.body)).as_bytes());
    }
    fn on_upgrade(&mut self, up: &mut Upgrade<'_>) -> bool {
        let socket = up.socket();
        let lp = up.lp();
        socket.write(
            lp,
            b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\nping",
        );
        up.accept(on_data(|s: &mut Socket<'_>, d: &[u8]| {
            s.write(d);
        }))
    }
}

#[test]
fn nodes_client_speaks_with_our_server() {
    let s = serve(|lp| listen(lp, "127.0.0.1:0", Peer::default()).unwrap());
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/node/server_client.js");
    // `timeout`: a hung client fails the test instead of hanging it.
    let out = Command::new("timeout").args(["30", "node", script, &s.addr.to_string()]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let line = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        line.trim(),
        r#"{"continue":[true,200," hello"],"reused":19,"upload":[200,"/up abcdef",{"x-a":"1"}],"upgrade":[101,"pingpong"]}"#
    );
}
