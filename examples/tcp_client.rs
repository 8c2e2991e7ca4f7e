//! Sends its stdin to a TCP server and prints what comes back; exits when the server ends.
//! Node: `const s = net.connect(port, host); process.stdin.pipe(s); s.pipe(process.stdout)`.
//!
//! `cargo run --release --example tcp_client HOST PORT`
use netcore::stdio::{stdin, stdout};
use netcore::stream::{pipe, PipeOptions};
use netcore_tcp::{connect, Error, Socket, SocketHandler};

struct Client;

impl SocketHandler for Client {
    fn on_error(&mut self, _: &mut Socket<'_>, e: &Error) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(host), Some(port)) = (args.next(), args.next()) else {
        return Err("usage: tcp_client HOST PORT".into());
    };
    let mut lp = netcore::EventLoop::new()?;
    let socket = connect(&mut lp, &format!("{host}:{port}"), Client);
    let (input, output) = (stdin(&mut lp), stdout(&mut lp));
    input.unref(&mut lp); // the server's end, not stdin's, ends the program
    pipe(&mut lp, input, socket, PipeOptions::default());
    pipe(&mut lp, socket, output, PipeOptions::default());
    lp.run()?;
    Ok(())
}
