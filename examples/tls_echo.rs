//! The seed's TLS echo server: Node's
//! `tls.createServer({ key, cert }, s => s.pipe(s)).listen(8000)`.
//!
//! `cargo run --release --example tls_echo [PORT] [--cert FILE --key FILE]` (default port 8000),
//! then `openssl s_client -connect localhost:8000` and type. Without `--cert` and `--key` a
//! self-signed certificate for `localhost` and `127.0.0.1` is made at start, and its SHA-256
//! fingerprint printed on stderr. The echo is the TCP pipe of `tcp_echo`, through the TLS layer
//! (so in user space: `splice(2)` cannot see plaintext), with the same backpressure; a client's
//! close_notify ends the echo, which answers with its own.
use netcore_tcp::Socket;
use netcore_tls::ServerOptions;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (port, identity) =
        netcore_examples::tls_server_args("tls_echo [PORT] [--cert FILE --key FILE]", 8000);
    let config = ServerOptions::new(identity).build()?;
    let mut lp = netcore::EventLoop::new()?;
    let addr = format!("127.0.0.1:{port}");
    let server = netcore_tls::listen(&mut lp, &addr, &config, |s: &mut Socket<'_>| s.pipe(s.id()))?;
    println!("listening on {}", server.address(&lp).ok_or("no address")?);
    lp.run()?;
    Ok(())
}
