//! A tiny `wscat`: Node `ws`'s `new WebSocket(url)` with stdin piped in and messages printed.
//!
//! `cargo run --release --example ws_client URL [--cacert FILE]`, e.g.
//! `cargo run --release --example ws_client ws://127.0.0.1:8080/` against the `ws_echo` example.
//! A `wss://` URL connects over TLS (`netcore_tls::wss::connect`), verifying the server against
//! the CAs in `--cacert` (a PEM file) or else the bundled Mozilla roots; a certificate that does
//! not verify fails with Node's code (`UNABLE_TO_GET_ISSUER_CERT_LOCALLY`…).
//!
//! Each line of stdin goes out as a text message (once the connection is open; lines typed
//! before wait). Each message received is printed on its own line: text as is, binary as
//! `<N bytes>`. When stdin ends, the client closes with 1000 and exits 0 once the closing
//! handshake is done. A failure (refused connection, a server that answers 404, a protocol
//! violation, a connection that ends without a closing handshake…) prints `error: MESSAGE
//! (NAME)` on stderr, NAME being Node's (`ECONNREFUSED`, `WS_ERR_INVALID_UTF8`…), and exits 1.
//!
//! As in Node's `readline`, stdin is read once the connection is open (`netcore::stdio`, on a
//! thread of its own: a blocking read never stalls the loop).
use std::io::Write;

use bytes::Bytes;
use netcore::EventLoop;
use netcore_websocket::client::{connect, ClientOptions};
use netcore_websocket::{Error, WebSocket, WebSocketHandler};

/// Prints what comes in; `failed` decides the exit status.
#[derive(Default)]
struct Client {
    failed: bool,
}

impl WebSocketHandler for Client {
    fn on_open(&mut self, ws: &mut WebSocket<'_>) {
        let id = ws.id();
        netcore::stdio::stdin(ws.lp()).on_line(ws.lp(), move |lp, line| match line {
            Some(line) => {
                id.send(lp, line.as_bytes(), false);
            }
            None => {
                let _ = id.close(lp, 1000, "");
            }
        });
    }

    fn on_message(&mut self, _ws: &mut WebSocket<'_>, data: Bytes, is_binary: bool) {
        let mut stdout = std::io::stdout().lock();
        let _ = if is_binary {
            writeln!(stdout, "<{} bytes>", data.len())
        } else {
            stdout.write_all(&data).and_then(|()| stdout.write_all(b"\n"))
        };
        let _ = stdout.flush();
    }

    fn on_error(&mut self, _ws: &mut WebSocket<'_>, error: &Error) {
        eprintln!("error: {}", netcore_examples::with_code(error, error.code()));
        self.failed = true;
    }

    fn on_close(&mut self, _lp: &mut EventLoop, code: u16, reason: &[u8]) {
        if code == 1006 && !self.failed {
            eprintln!("error: the connection closed without a closing handshake (1006)");
        } else if code != 1000 && code != 1005 && code != 1006 {
            eprintln!("closed by the server: {code} {}", String::from_utf8_lossy(reason));
        }
        if code == 1006 || self.failed {
            std::process::exit(1);
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    const USAGE: &str = "usage: ws_client URL [--cacert FILE]";
    let (mut url, mut cacert) = (None, None);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--cacert" => cacert = Some(args.next().ok_or(USAGE)?),
            _ if url.is_none() => url = Some(arg),
            _ => return Err(USAGE.into()),
        }
    }
    let url = url.ok_or(USAGE)?;
    let secure = url.get(..6).is_some_and(|s| s.eq_ignore_ascii_case("wss://"))
        || url.get(..8).is_some_and(|s| s.eq_ignore_ascii_case("https://"));
    let mut lp = EventLoop::new()?;
    let connected = if secure {
        let config = netcore_examples::tls_client_config(cacert.as_deref())?;
        netcore_tls::wss::connect(&mut lp, &url, ClientOptions::default(), &config, Client::default())
    } else {
        connect(&mut lp, &url, ClientOptions::default(), Client::default())
    };
    if let Err(e) = connected {
        eprintln!("error: {}", netcore_examples::with_code(&e, e.code()));
        std::process::exit(1);
    }
    lp.run()?;
    Ok(())
}
