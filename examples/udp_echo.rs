//! Echoes every datagram to its sender: Node's
//! `s.on('message', (msg, rinfo) => s.send(msg, rinfo.port, rinfo.address)); s.bind(41234)`.
//!
//! `cargo run --release --example udp_echo [PORT]` (default 41234). On Linux a burst of datagrams
//! is read with one `recvmmsg` and the echoes leave with one `sendmmsg`.
use netcore_udp::{bind, on_message};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut lp = netcore::EventLoop::new()?;
    let addr = format!("127.0.0.1:{}", netcore_examples::port_arg(41234));
    let socket = bind(
        &mut lp,
        &addr,
        on_message(|s, msg, rinfo| {
            if let Err(e) = s.send_to(msg, rinfo.address) {
                eprintln!("send to {}: {e}", rinfo.address);
            }
        }),
    )?;
    println!("listening on {}", socket.local_address(&lp).ok_or("no address")?);
    lp.run()?;
    Ok(())
}
