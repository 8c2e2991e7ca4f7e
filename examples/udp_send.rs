//! Sends one datagram and prints the reply if one comes within a second:
//! `cargo run --release --example udp_send HOST PORT MESSAGE`.
//! Exits 0 after a reply, 1 on an error (e.g. `ECONNREFUSED`: nothing listens there), 2 if no
//! reply came in time.
use std::net::ToSocketAddrs;
use std::time::Duration;

use netcore_udp::{bind, Error, RemoteInfo, Socket, SocketHandler};

struct Once;

impl SocketHandler for Once {
    fn on_message(&mut self, _: &mut Socket<'_>, msg: &[u8], _: &RemoteInfo) {
        println!("{}", String::from_utf8_lossy(msg));
        std::process::exit(0);
    }
    fn on_error(&mut self, _: &mut Socket<'_>, e: &Error) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [host, port, message] = args.as_slice() else {
        return Err("usage: udp_send HOST PORT MESSAGE".into());
    };
    let target = (host.as_str(), port.parse::<u16>()?).to_socket_addrs()?.next().ok_or("no address")?;
    let mut lp = netcore::EventLoop::new()?;
    let local = if target.is_ipv4() { "0.0.0.0:0" } else { "[::]:0" };
    let socket = bind(&mut lp, local, Once)?;
    // Connected, so an ICMP "port unreachable" comes back as ECONNREFUSED.
    socket.connect(&mut lp, target)?;
    socket.send(&mut lp, message.as_bytes())?;
    lp.set_timeout(Duration::from_secs(1), |_| {
        eprintln!("no reply within 1 s");
        std::process::exit(2);
    });
    lp.run()?;
    Ok(())
}
