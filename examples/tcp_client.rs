//! Sends its stdin to a TCP server and prints what comes back; exits when the server ends.
//! Node: `const s = net.connect(port, host); process.stdin.pipe(s); s.pipe(process.stdout)`.
//!
//! `cargo run --release --example tcp_client HOST PORT`
use std::io::{Read, Write};
use std::sync::mpsc;

use netcore_tcp::{connect, Error, Socket, SocketHandler};

/// Stdin flow control: the reader thread waits for this before reading the next chunk.
struct Credit(mpsc::SyncSender<()>, bool);

struct Client;

impl SocketHandler for Client {
    fn on_data(&mut self, _: &mut Socket<'_>, data: &[u8]) {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(data).and_then(|_| out.flush());
    }
    fn on_drain(&mut self, s: &mut Socket<'_>) {
        if let Some(Credit(tx, waiting)) = s.lp().state_mut::<Credit>() {
            if std::mem::take(waiting) {
                let _ = tx.send(());
            }
        }
    }
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
    let sock = connect(&mut lp, &format!("{host}:{port}"), Client);
    let (tx, credit) = mpsc::sync_channel(1);
    lp.set_state(Credit(tx, false));
    let remote = lp.remote();
    std::thread::spawn(move || {
        let mut buf = vec![0; 64 * 1024];
        loop {
            let n = std::io::stdin().read(&mut buf).unwrap_or(0);
            let chunk = buf[..n].to_vec();
            let posted = remote.post(move |lp| {
                if chunk.is_empty() {
                    return sock.end(lp);
                }
                let more = sock.write(lp, &chunk);
                if let Some(Credit(tx, waiting)) = lp.state_mut::<Credit>() {
                    if more {
                        let _ = tx.send(());
                    } else {
                        *waiting = true;
                    }
                }
            });
            if n == 0 || posted.is_err() || credit.recv().is_err() {
                return;
            }
        }
    });
    lp.run()?;
    Ok(())
}
