//! Secure WebSockets (`netcore_tls::wss`): our server with our client, Node `ws` as either end
//! over `https`, and the scheme checks of the websocket client.
//!
//! Node `ws` 8 comes from `target/npm` (installed by `.ci/run`, or here with npm if missing).
//! Nothing waits by sleeping; a watchdog fails a test that hangs; Node runs under `timeout` or
//! is killed on drop.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use std::cell::RefCell;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::rc::Rc;

use bytes::Bytes;
use common::{listening, port_of, serve, Pki};
use netcore::EventLoop;
use netcore_http1::server::ServerId;
use netcore_tls::{wss, ClientConfig, ServerConfig};
use netcore_websocket::client::ClientOptions as WsClientOptions;
use netcore_websocket::server::ServerOptions as WsServerOptions;
use netcore_websocket::{Error, WebSocket, WebSocketHandler};

type Log = Rc<RefCell<Vec<String>>>;

fn scratch(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("netcore-wss-{}-{name}", std::process::id()))
}

/// Echoes every message.
struct Echo;

impl WebSocketHandler for Echo {
    fn on_message(&mut self, ws: &mut WebSocket<'_>, data: Bytes, is_binary: bool) {
        ws.send(&data, is_binary);
    }
}

/// Sends a text and a binary message, records the echoes, closes with 1000 after the second;
/// at the close, stops the server (if any) so that the loop ends.
struct Client {
    log: Log,
    server: Option<ServerId>,
}

impl WebSocketHandler for Client {
    fn on_open(&mut self, ws: &mut WebSocket<'_>) {
        self.log.borrow_mut().push("open".into());
        ws.send_text("héllo");
        ws.send(&[0, 1, 2, 255], true);
    }
    fn on_message(&mut self, ws: &mut WebSocket<'_>, data: Bytes, is_binary: bool) {
        let line = if is_binary {
            format!("binary {:?}", &data[..])
        } else {
            format!("text {}", String::from_utf8_lossy(&data))
        };
        self.log.borrow_mut().push(line);
        if is_binary {
            ws.close(1000, "done").unwrap();
        }
    }
    fn on_error(&mut self, _ws: &mut WebSocket<'_>, error: &Error) {
        self.log.borrow_mut().push(format!("error {}", error.code()));
    }
    fn on_close(&mut self, lp: &mut EventLoop, code: u16, reason: &[u8]) {
        self.log.borrow_mut().push(format!("close {code} {}", String::from_utf8_lossy(reason)));
        if let Some(s) = self.server {
            s.close(lp);
        }
    }
}

/// Our wss server echoing every message; returns it and its port.
fn echo_server(lp: &mut EventLoop, config: &ServerConfig) -> (ServerId, u16) {
    let server = wss::listen(lp, "127.0.0.1:0", config, WsServerOptions::default(), |_: &_| Echo).unwrap();
    (server, port_of(lp, server))
}

/// Runs our [`Client`] to `url` with `config` on `lp` until the loop ends (the client closes
/// `server`, if any, at its close); returns what it logged.
fn run_client(lp: &mut EventLoop, url: &str, config: &ClientConfig, server: Option<ServerId>) -> Vec<String> {
    let log = Log::default();
    let client = Client { log: log.clone(), server };
    wss::connect(lp, url, WsClientOptions::default(), config, client).unwrap();
    lp.run().unwrap();
    log.take()
}

/// Our [`Client`] with `config` against our echo server with `pki`'s server certificate, on one
/// loop, at the URL `url` makes of the server's port; returns what the client logged.
fn against_our_server(pki: &Pki, config: &ClientConfig, url: impl FnOnce(u16) -> String) -> Vec<String> {
    let mut lp = common::test_loop();
    let (server, port) = echo_server(&mut lp, &pki.server_config());
    run_client(&mut lp, &url(port), config, Some(server))
}

#[test]
fn our_wss_client_and_server_echo() {
    let pki = Pki::new();
    let log = against_our_server(&pki, &pki.client_config(), |port| format!("wss://localhost:{port}/chat"));
    assert_eq!(log, ["open", "text héllo", "binary [0, 1, 2, 255]", "close 1000 done"]);
}

#[test]
fn an_untrusted_server_fails_the_handshake_with_nodes_code() {
    // The bundled roots do not include the test CA.
    let config = netcore_tls::ClientOptions::default().build().unwrap();
    let log = against_our_server(&Pki::new(), &config, |port| format!("wss://127.0.0.1:{port}/"));
    assert_eq!(log, ["error UNABLE_TO_GET_ISSUER_CERT_LOCALLY", "close 1006 "]);
}

#[test]
fn schemes_that_do_not_match_the_socket_are_refused() {
    let pki = Pki::new();
    let mut lp = EventLoop::new().unwrap();
    let log = Log::default();
    let client = || Client { log: log.clone(), server: None };
    let e = netcore_websocket::client::connect(
        &mut lp,
        "wss://127.0.0.1:1/",
        WsClientOptions::default(),
        client(),
    )
    .unwrap_err();
    assert_eq!(e.code(), "ERR_INVALID_URL");
    assert!(e.to_string().contains("netcore_tls::wss::connect"), "{e}");
    let config = pki.client_config();
    let e = wss::connect(&mut lp, "ws://127.0.0.1:1/", WsClientOptions::default(), &config, client())
        .unwrap_err();
    assert_eq!(e.code(), "ERR_INVALID_URL");
    assert!(e.to_string().contains("use a wss: url"), "{e}");
    lp.run().unwrap();
    assert!(log.borrow().is_empty());
}

#[test]
fn nodes_ws_client_connects_to_our_wss_server_with_the_ca() {
    let node_path = netcore_testkit::node_ws();
    let pki = Pki::new();
    let dir = pki.write_to(&scratch("node-client"));
    let config = pki.server_config();
    let (port, stop) = serve(move |lp| echo_server(lp, &config).1);
    let script = r#"
const WebSocket = require('ws');
const fs = require('fs');
const [ca, port] = process.argv.slice(1);
const ws = new WebSocket(`wss://localhost:${port}/`, { ca: fs.readFileSync(ca) });
const seen = [];
ws.on('open', () => { seen.push(ws._socket.getProtocol()); ws.send('from node'); ws.send(Buffer.from([9, 8, 7])); });
ws.on('message', (data, isBinary) => {
  seen.push(isBinary ? [...data].join(',') : data.toString());
  if (isBinary) ws.close(1000, 'bye');
});
ws.on('close', (code, reason) => { seen.push(`${code} ${reason}`); console.log(JSON.stringify(seen)); });
ws.on('error', (e) => { console.error(e); process.exit(1); });
"#;
    let ca = dir.join("ca.pem");
    let out = Command::new("timeout")
        .args(["30", "node", "-e", script, ca.to_str().unwrap(), &port.to_string()])
        .env("NODE_PATH", &node_path)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    stop();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().trim(),
        r#"["TLSv1.3","from node","9,8,7","1000 bye"]"#
    );
}

#[test]
fn our_wss_client_connects_to_nodes_ws_over_https() {
    let node_path = netcore_testkit::node_ws();
    let pki = Pki::new();
    let dir = pki.write_to(&scratch("node-server"));
    let script = r#"
const https = require('https');
const fs = require('fs');
const { WebSocketServer } = require('ws');
const [key, cert] = process.argv.slice(1);
const server = https.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert) });
const wss = new WebSocketServer({ server });
wss.on('connection', (ws, req) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
});
server.listen(0, '127.0.0.1', () => console.log('listening on ' + server.address().port));
"#;
    let key = dir.join("server.key");
    let cert = dir.join("server.pem");
    let mut node = Command::new("node");
    node.args(["-e", script]).arg(&key).arg(&cert).env("NODE_PATH", &node_path);
    let (_node, port) = listening(&mut node);
    let mut lp = common::test_loop();
    let url = format!("wss://localhost:{port}/x");
    let log = run_client(&mut lp, &url, &pki.client_config(), None);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(log, ["open", "text héllo", "binary [0, 1, 2, 255]", "close 1000 done"]);
}
