//! fastwebsockets' WebSocket echo server, upgraded through hyper 1 on a tokio current-thread
//! runtime: a peer our `ws_echo` example is measured against in benches/compare-ws.sh. It is
//! fastwebsockets' own `examples/echo_server.rs` with a port argument: every text or binary
//! message (fragments collected by `FragmentCollector`) is written back as it came; no extension
//! is negotiated (fastwebsockets has no permessage-deflate); pings are answered and a close is
//! echoed by the library (auto-pong and auto-close, its defaults).
//!
//!   ws_fastwebsockets [PORT]    PORT defaults to 8080; 0 picks a free port.
//!
//! Binds 127.0.0.1 and prints `listening on 127.0.0.1:PORT` (the real port) once listening.
//!
//! Each `write_frame` is written to the socket at once (one `write`, or a `writev` of header
//! and payload for payloads above 1 KiB): fastwebsockets does not batch the replies to the
//! frames of one read.

use std::io::Write;
use std::net::SocketAddr;

use fastwebsockets::{upgrade, FragmentCollector, OpCode, WebSocketError};
use http_body_util::Empty;
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

async fn echo(fut: upgrade::UpgradeFut) -> Result<(), WebSocketError> {
    let mut ws = fut.await?;
    // Both are the defaults, spelt out as the docs suggest for an echo server: vectored writes
    // send a large payload without copying it behind its header, and the mask is applied, so
    // the payload read is the plain one that is sent back.
    ws.set_writev(true);
    ws.set_auto_apply_mask(true);
    let mut ws = FragmentCollector::new(ws);
    loop {
        let frame = ws.read_frame().await?;
        match frame.opcode {
            OpCode::Close => break,
            OpCode::Text | OpCode::Binary => ws.write_frame(frame).await?,
            _ => {}
        }
    }
    Ok(())
}

async fn upgrade_request(mut req: Request<Incoming>) -> Result<Response<Empty<Bytes>>, WebSocketError> {
    let (response, fut) = upgrade::upgrade(&mut req)?;
    tokio::task::spawn(async move {
        // As in fastwebsockets' example: no cooperative-budget yields inside the echo loop.
        // A client that goes away mid-message is its own problem, not the server's.
        let _ = tokio::task::unconstrained(echo(fut)).await;
    });
    Ok(response)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let port: u16 = match std::env::args().nth(1) {
        None => 8080,
        Some(arg) => arg.parse().map_err(|_| format!("ws_fastwebsockets: bad port {arg:?}"))?,
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
        tokio::task::spawn(async move {
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service_fn(upgrade_request))
                .with_upgrades()
                .await;
        });
    }
}
