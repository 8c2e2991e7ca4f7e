//! Error handling as Node's `net` docs show it: a server that finds its port taken
//! (`EADDRINUSE`) says so and tries again a second later, until the port is free:
//!
//! ```js
//! server.on('error', (e) => {
//!   if (e.code === 'EADDRINUSE') {
//!     console.error('Address in use, retrying...');
//!     setTimeout(() => { server.close(); server.listen(PORT, HOST); }, 1000);
//!   }
//! });
//! ```
//!
//! `cargo run --release --example tcp_errors [PORT]` (default 8124) while something else holds
//! the port (`nc -l 127.0.0.1 8124`): it prints `Address in use, retrying...` on stderr each
//! second, then `listening on ADDR` once the port is free, and echoes like `tcp_echo`. Any other
//! error (`EACCES` for a port below 1024…) is printed with its Node code and exits 1.
//!
//! Where Node emits the failure as the server's `error` event, `listen` returns it: the error
//! is a typed [`netcore_tcp::Error`], and its [`code`](netcore_tcp::Error::code) is Node's name.
use std::time::Duration;

use netcore::EventLoop;
use netcore_tcp::{listen, Socket};

fn try_listen(lp: &mut EventLoop, addr: String) {
    match listen(lp, &addr, |s: &mut Socket<'_>| s.pipe(s.id())) {
        Ok(server) => println!("listening on {}", server.address(lp).map_or(addr, |a| a.to_string())),
        Err(e) if e.code() == "EADDRINUSE" => {
            eprintln!("Address in use, retrying...");
            lp.set_timeout(Duration::from_secs(1), move |lp| try_listen(lp, addr));
        }
        Err(e) => {
            eprintln!("error: {e} ({})", e.code());
            std::process::exit(1);
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut lp = EventLoop::new()?;
    try_listen(&mut lp, format!("127.0.0.1:{}", netcore_examples::port_arg(8124)));
    lp.run()?;
    Ok(())
}
