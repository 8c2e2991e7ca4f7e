//! tokio-tungstenite's WebSocket echo server on a tokio current-thread runtime: a peer our
//! `ws_echo` example is measured against in benches/compare-ws.sh. Every text or binary message
//! is sent back as it came; no extension is negotiated (tungstenite has no permessage-deflate);
//! pings are answered and a close is echoed by tungstenite itself. The message and frame limits
//! are tungstenite's defaults (64 MiB and 16 MiB), above the 1 MiB messages of the bench.
//!
//!   ws_tungstenite [PORT]    PORT defaults to 8080; 0 picks a free port.
//!
//! Binds 127.0.0.1 and prints `listening on 127.0.0.1:PORT` (the real port) once listening.
//!
//! The echo is tokio-tungstenite's own example (`examples/echo-server.rs`): the read half
//! forwarded into the write half. `forward` feeds the sink while the stream has messages ready
//! and flushes only when it would wait, so the replies to the messages of one read leave in one
//! write.

use std::io::Write;
use std::net::SocketAddr;

use futures_util::{future, StreamExt, TryStreamExt};
use tokio::net::{TcpListener, TcpStream};

async fn echo(stream: TcpStream) -> Result<(), tokio_tungstenite::tungstenite::Error> {
    let ws = tokio_tungstenite::accept_async(stream).await?;
    let (write, read) = ws.split();
    read.try_filter(|msg| future::ready(msg.is_text() || msg.is_binary())).forward(write).await
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let port: u16 = match std::env::args().nth(1) {
        None => 8080,
        Some(arg) => arg.parse().map_err(|_| format!("ws_tungstenite: bad port {arg:?}"))?,
    };
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port))).await?;
    let mut stdout = std::io::stdout();
    writeln!(stdout, "listening on {}", listener.local_addr()?)?;
    stdout.flush()?;

    loop {
        // Accept errors are per connection: keep serving the others.
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        // A client that goes away mid-message is its own problem, not the server's.
        tokio::task::spawn(async move {
            let _ = echo(stream).await;
        });
    }
}
