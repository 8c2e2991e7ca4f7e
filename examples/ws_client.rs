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
//! stdin is read on a thread of its own: a blocking read never stalls the loop. Each line is
//! posted to the loop with `lp.remote()`.
use std::cell::Cell;
use std::collections::VecDeque;
use std::io::{BufRead, Write};
use std::rc::Rc;

use bytes::Bytes;
use netcore::EventLoop;
use netcore_websocket::client::{connect, ClientOptions};
use netcore_websocket::{Error, WebSocket, WebSocketHandler, WebSocketId};

/// Lines from stdin waiting for the connection to open, kept in the loop's state.
#[derive(Default)]
struct Outbox {
    lines: VecDeque<String>,
    /// stdin ended: close once the lines are out.
    eof: bool,
    /// The connection, once open.
    open: Option<WebSocketId>,
}

/// Sends what is waiting; after stdin's end, starts the closing handshake.
fn flush(lp: &mut EventLoop) {
    let Some(ws) = lp.state::<Outbox>().and_then(|o| o.open) else { return };
    while let Some(line) = lp.state_mut::<Outbox>().and_then(|o| o.lines.pop_front()) {
        // `send` returning false only asks to slow down; the line is queued all the same.
        ws.send(lp, line.as_bytes(), false);
    }
    if lp.state::<Outbox>().is_some_and(|o| o.eof) && ws.is_open(lp) {
        let _ = ws.close(lp, 1000, "");
    }
}

/// Prints messages; records how the connection ended.
struct Print {
    failed: Rc<Cell<bool>>,
}

impl WebSocketHandler for Print {
    fn on_open(&mut self, ws: &mut WebSocket<'_>) {
        let id = ws.id();
        let lp = ws.lp();
        lp.state_or_default::<Outbox>().open = Some(id);
        flush(lp);
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
        self.failed.set(true);
    }

    fn on_close(&mut self, lp: &mut EventLoop, code: u16, reason: &[u8]) {
        lp.state_or_default::<Outbox>().open = None;
        if code == 1006 {
            if !self.failed.get() {
                eprintln!("error: the connection closed without a closing handshake (1006)");
            }
            self.failed.set(true);
        } else if code != 1000 && code != 1005 {
            eprintln!("closed by the server: {code} {}", String::from_utf8_lossy(reason));
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
    lp.set_state(Outbox::default());
    let failed = Rc::new(Cell::new(false));
    let print = Print { failed: failed.clone() };
    let connected = if secure {
        let config = netcore_examples::tls_client_config(cacert.as_deref())?;
        netcore_tls::wss::connect(&mut lp, &url, ClientOptions::default(), &config, print)
    } else {
        connect(&mut lp, &url, ClientOptions::default(), print)
    };
    if let Err(e) = connected {
        eprintln!("error: {}", netcore_examples::with_code(&e, e.code()));
        std::process::exit(1);
    }
    let remote = lp.remote();
    // Not joined: the loop ends with the connection, and the process with it, even while this
    // thread is blocked reading.
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            let posted = remote.post(move |lp| {
                lp.state_or_default::<Outbox>().lines.push_back(line);
                flush(lp);
            });
            if posted.is_err() {
                return;
            }
        }
        let _ = remote.post(|lp| {
            lp.state_or_default::<Outbox>().eof = true;
            flush(lp);
        });
    });
    lp.run()?;
    if failed.get() {
        std::process::exit(1);
    }
    Ok(())
}
