//! The seed's secure hello world: Node's
//! `https.createServer({ key, cert }, (req, res) => { res.writeHead(200); res.end('hello world\n') })
//! .listen(3443)`.
//!
//! `cargo run --release --example https_hello [PORT] [--cert FILE --key FILE]` (default port
//! 3443), then `curl -k https://localhost:3443/` (or `--cacert FILE` for the given certificate's
//! CA). Without `--cert` and `--key` a self-signed certificate for `localhost` and `127.0.0.1`
//! is made at start, and its SHA-256 fingerprint printed on stderr to check what clients are
//! shown (`openssl s_client -connect localhost:3443 | openssl x509 -noout -fingerprint -sha256`).
use netcore_http1::server::{Request, Response};
use netcore_tls::ServerOptions;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (port, identity) =
        netcore_examples::tls_server_args("https_hello [PORT] [--cert FILE --key FILE]", 3443);
    let config = ServerOptions::new(identity).build()?;
    let mut lp = netcore::EventLoop::new()?;
    let addr = format!("127.0.0.1:{port}");
    let server =
        netcore_tls::https::listen(&mut lp, &addr, &config, |_: &Request<'_>, res: &mut Response<'_>| {
            res.set_status(200);
            res.end(b"hello world\n");
        })?;
    println!("listening on {}", server.address(&lp).ok_or("no address")?);
    lp.run()?;
    Ok(())
}
