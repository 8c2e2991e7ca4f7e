//! The seed's WebSocket echo server, with permessage-deflate on: Node `ws`'s
//! `new WebSocketServer({ port: 8080, perMessageDeflate: true }).on('connection', ws =>
//! ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })))`.
//!
//! `cargo run --release --example ws_echo [PORT]` (default 8080); prints `listening on ADDR`.
use bytes::Bytes;
use netcore_websocket::proto::extension::DeflateConfig;
use netcore_websocket::server::{listen, ServerOptions};
use netcore_websocket::WebSocket;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut lp = netcore::EventLoop::new()?;
    let addr = format!("127.0.0.1:{}", netcore_examples::port_arg(8080));
    let mut options = ServerOptions::default();
    options.deflate = Some(DeflateConfig::default());
    let server = listen(&mut lp, &addr, options, |_head: &_| {
        |ws: &mut WebSocket<'_>, data: Bytes, is_binary: bool| {
            ws.send(&data, is_binary);
        }
    })?;
    println!("listening on {}", server.address(&lp).ok_or("no address")?);
    lp.run()?;
    Ok(())
}
