//! Node `ws` against our server: its client sends text, binary, 1 MiB and a ping, with and
//! without permessage-deflate, and closes; our server echoes. Node `ws` 8 is installed from npm
//! into `target/npm` if it is missing (`.ci/run` installs it first).
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use std::process::Command;

use bytes::Bytes;
use netcore_websocket::proto::extension::DeflateConfig;
use netcore_websocket::server::{listen, ServerOptions};
use netcore_websocket::{WebSocket, WebSocketHandler};

/// Echoes; records nothing (the client checks what came back).
struct Echo;

impl WebSocketHandler for Echo {
    fn on_message(&mut self, ws: &mut WebSocket<'_>, data: Bytes, is_binary: bool) {
        ws.send(&data, is_binary);
    }
}

#[test]
fn nodes_ws_client_speaks_with_our_server() {
    let node_path = netcore_testkit::node_ws();
    let (addr, stop) = common::serve(|lp| {
        let mut options = ServerOptions::default();
        options.deflate = Some(DeflateConfig::default());
        let server = listen(lp, "127.0.0.1:0", options, |_head: &_| Echo).unwrap();
        server.address(lp).unwrap().to_string()
    });
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/node/client_to_server.js");
    let out = Command::new("timeout")
        .args(["30", "node", script, &format!("ws://{addr}/")])
        .env("NODE_PATH", &node_path)
        .output()
        .unwrap();
    stop();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let line = String::from_utf8(out.stdout).unwrap();
    let one = |extensions: &str| {
        format!(
            r#"{{"protocol":"chat","extensions":"{extensions}","messages":[["héllo",false],["000102ff",true],["big",true,true]],"pong":"are you there","close":[4001,"done"]}}"#
        )
    };
    let want = format!(r#"{{"plain":{},"deflate":{}}}"#, one(""), one("permessage-deflate"));
    assert_eq!(line.trim(), want);
}
