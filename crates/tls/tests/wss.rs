//! Secure WebSockets (`netcore_tls::wss`): our server with our client, Node `ws` as either end
//! over `https`, and the scheme checks of the websocket client.
//!
//! Node `ws` 8 comes from `target/npm` (installed by `.ci/run`, or here with npm if missing).
//! Nothing waits by sleeping; a watchdog fails a test that hangs; Node runs under `timeout` or
//! is killed on drop.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use std::cell::RefCell;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::rc::Rc;
use std::sync::mpsc;
use std::time::Duration;

use bytes::Bytes;
use common::Pki;
use netcore::EventLoop;
use netcore_http1::server::ServerId;
use netcore_tls::wss;
use netcore_websocket::client::ClientOptions as WsClientOptions;
use netcore_websocket::server::ServerOptions as WsServerOptions;
use netcore_websocket::{Error, WebSocket, WebSocketHandler};

type Log = Rc<RefCell<Vec<String>>>;

fn watchdog(lp: &mut EventLoop) {
    let t = lp.set_timeout(Duration::from_secs(30), |_| panic!("the test ran 30 s"));
    lp.unref_timer(t);
}

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

fn port_of(lp: &EventLoop, server: ServerId) -> u16 {
    server.address(lp).unwrap().to_string().rsplit_once(':').unwrap().1.parse().unwrap()
}

#[test]
fn our_wss_client_and_server_echo() {
    let pki = Pki::new();
    let mut lp = EventLoop::new().unwrap();
    watchdog(&mut lp);
    let server =
        wss::listen(&mut lp, "127.0.0.1:0", &pki.server_config(), WsServerOptions::default(), |_: &_| Echo)
            .unwrap();
    let port = port_of(&lp, server);
    let log = Log::default();
    let client = Client { log: log.clone(), server: Some(server) };
    let url = format!("wss://localhost:{port}/chat");
    wss::connect(&mut lp, &url, WsClientOptions::default(), &pki.client_config(), client).unwrap();
    lp.run().unwrap();
    assert_eq!(*log.borrow(), ["open", "text héllo", "binary [0, 1, 2, 255]", "close 1000 done"]);
}

#[test]
fn an_untrusted_server_fails_the_handshake_with_nodes_code() {
    let pki = Pki::new();
    let mut lp = EventLoop::new().unwrap();
    watchdog(&mut lp);
    let server =
        wss::listen(&mut lp, "127.0.0.1:0", &pki.server_config(), WsServerOptions::default(), |_: &_| Echo)
            .unwrap();
    let port = port_of(&lp, server);
    let log = Log::default();
    let client = Client { log: log.clone(), server: Some(server) };
    // The bundled roots do not include the test CA.
    let config = netcore_tls::ClientOptions::default().build().unwrap();
    wss::connect(&mut lp, &format!("wss://127.0.0.1:{port}/"), WsClientOptions::default(), &config, client)
        .unwrap();
    lp.run().unwrap();
    assert_eq!(*log.borrow(), ["error UNABLE_TO_GET_ISSUER_CERT_LOCALLY", "close 1006 "]);
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

/// The `NODE_PATH` holding Node `ws` 8 (`target/npm/node_modules`), installed with npm if
/// missing, as the websocket crate's tests do.
fn node_ws() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let prefix = root.join("target/npm");
    let modules = prefix.join("node_modules");
    if !modules.join("ws/package.json").exists() {
        let status = Command::new("npm")
            .args(["install", "--silent", "--no-audit", "--no-fund", "--prefix"])
            .arg(&prefix)
            .arg("ws@8.23.0")
            .status()
            .expect("npm (Node's package manager) is needed for the Node ws tests");
        assert!(status.success(), "npm install ws failed");
    }
    modules
}

/// Runs `setup` on a loop of its own thread; returns the port it returned and a function that
/// stops the loop and joins the thread.
fn serve(setup: impl FnOnce(&mut EventLoop) -> u16 + Send + 'static) -> (u16, impl FnOnce()) {
    let (tx, rx) = mpsc::channel();
    let thread = std::thread::spawn(move || {
        let mut lp = EventLoop::new().unwrap();
        let port = setup(&mut lp);
        tx.send((port, lp.remote())).unwrap();
        let t = lp.set_timeout(Duration::from_secs(60), |_| panic!("server loop ran 60 s"));
        lp.unref_timer(t);
        lp.run().unwrap();
    });
    let (port, remote) = rx.recv_timeout(Duration::from_secs(10)).unwrap();
    (port, move || {
        remote.stop();
        thread.join().unwrap();
    })
}

#[test]
fn nodes_ws_client_connects_to_our_wss_server_with_the_ca() {
    let node_path = node_ws();
    let pki = Pki::new();
    let dir = pki.write_to(&scratch("node-client"));
    let config = pki.server_config();
    let (port, stop) = serve(move |lp| {
        let server =
            wss::listen(lp, "127.0.0.1:0", &config, WsServerOptions::default(), |_: &_| Echo).unwrap();
        port_of(lp, server)
    });
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

/// A process killed on drop.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn our_wss_client_connects_to_nodes_ws_over_https() {
    let node_path = node_ws();
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
    let mut child = Command::new("node")
        .args(["-e", script, key.to_str().unwrap(), cert.to_str().unwrap()])
        .env("NODE_PATH", &node_path)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let _node = Killed(child);
    let port: u16 =
        line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("{line:?}")).parse().unwrap();
    let mut lp = EventLoop::new().unwrap();
    watchdog(&mut lp);
    let log = Log::default();
    let client = Client { log: log.clone(), server: None };
    let url = format!("wss://localhost:{port}/x");
    wss::connect(&mut lp, &url, WsClientOptions::default(), &pki.client_config(), client).unwrap();
    lp.run().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(*log.borrow(), ["open", "text héllo", "binary [0, 1, 2, 255]", "close 1000 done"]);
}
