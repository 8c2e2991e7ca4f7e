//! The seed's hello world: Node's
//! `http.createServer((req, res) => { res.writeHead(200, {'Content-Type': 'text/plain'});
//! res.end('Hello, world!\n') }).listen(3000)`.
//!
//! `cargo run --release --example http_hello [PORT]` (default 3000), then `curl localhost:3000`.
use netcore_http1::server::{listen, Request, Response};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut lp = netcore::EventLoop::new()?;
    let addr = format!("127.0.0.1:{}", netcore_examples::port_arg(3000));
    let server = listen(&mut lp, &addr, |_: &Request<'_>, res: &mut Response<'_>| {
        res.set_header("Content-Type", "text/plain").ok();
        res.end(b"Hello, world!\n");
    })?;
    println!("listening on {}", server.address(&lp).ok_or("no address")?);
    lp.run()?;
    Ok(())
}
