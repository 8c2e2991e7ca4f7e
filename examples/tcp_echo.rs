//! Echoes every byte back: Node's `net.createServer(s => s.pipe(s)).listen(3000)`.
//!
//! `cargo run --release --example tcp_echo [PORT]` (default 3000). The pipe uses `splice(2)` on
//! Linux, so the echoed bytes never enter user space.
use netcore_tcp::{listen, Socket};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut lp = netcore::EventLoop::new()?;
    let addr = format!("127.0.0.1:{}", netcore_examples::port_arg(3000));
    let server = listen(&mut lp, &addr, |s: &mut Socket<'_>| s.pipe(s.id()))?;
    println!("listening on {}", server.address(&lp).ok_or("no address")?);
    lp.run()?;
    Ok(())
}
