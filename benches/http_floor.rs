//! `http_floor`: the least a server can do per request on this machine's syscall model (epoll,
//! one `recv` and one `send` per round trip), as the floor that benches/compare-http.sh sets
//! beside the HTTP servers.
//!
//! ```text
//! http_floor [PORT]    PORT defaults to 3000; 0 picks a free port.
//! ```
//!
//! It is not an HTTP server: it parses nothing, only counts the `\r\n\r\n` that end request heads
//! (a wrk hello-world request has no body) and answers each with the same fixed bytes, hyper's
//! hello-world response (the shortest of the three peers'), with a constant `Date`. No timers,
//! no per-connection state but the match position and unsent bytes, no allocation per request.
//! What it costs per request is therefore the kernel's share plus as little user space as a
//! server can have, and its requests per CPU-second bound what any server built this way can
//! reach here.
//!
//! Binds 127.0.0.1, prints `listening on 127.0.0.1:PORT` (the real port) once listening and
//! serves until killed.

use std::io::{self, ErrorKind, Read, Write};
use std::net::SocketAddr;
use std::process::ExitCode;

use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token};

/// hyper's hello-world answer, byte for byte but for the constant date.
const RESPONSE: &[u8] = b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 14\r\n\
date: Sun, 22 Nov 2026 00:00:00 GMT\r\n\r\nHello, world!\n";
/// The end of a request head.
const END: &[u8; 4] = b"\r\n\r\n";
/// The listener's token; connections use their slot index.
const LISTENER: Token = Token(usize::MAX);
/// Bytes read per `recv`.
const READ_SIZE: usize = 64 * 1024;

/// Finds the ends of request heads in a byte stream, however it is split.
#[derive(Default)]
struct HeadEnds {
    /// How many bytes of [`END`] the input ended with so far.
    matched: usize,
}

impl HeadEnds {
    /// Counts the request heads `input` completes.
    fn count(&mut self, input: &[u8]) -> usize {
        let mut heads = 0;
        for &b in input {
            self.matched = if b == END[self.matched] { self.matched + 1 } else { usize::from(b == b'\r') };
            if self.matched == END.len() {
                heads += 1;
                self.matched = 0;
            }
        }
        heads
    }
}

struct Conn {
    stream: TcpStream,
    heads: HeadEnds,
    /// Answers not yet taken by the kernel.
    out: Vec<u8>,
}

impl Conn {
    /// Reads what is there and answers it. `Ok(false)`: the peer closed.
    fn on_readable(&mut self, buf: &mut [u8]) -> io::Result<bool> {
        loop {
            match self.stream.read(buf) {
                Ok(0) => return Ok(false),
                Ok(n) => {
                    let heads = self.heads.count(&buf[..n]);
                    for _ in 0..heads {
                        self.out.extend_from_slice(RESPONSE);
                    }
                    // Less than asked for: the socket is drained for now, and edge-triggered
                    // epoll reports the next bytes as a new edge.
                    if n < buf.len() {
                        break;
                    }
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        self.flush()?;
        Ok(true)
    }

    /// Writes what is owed until done or the kernel's buffer is full.
    fn flush(&mut self) -> io::Result<()> {
        let mut sent = 0;
        while sent < self.out.len() {
            match self.stream.write(&self.out[sent..]) {
                Ok(n) => sent += n,
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        self.out.drain(..sent);
        Ok(())
    }
}

fn serve(port: u16) -> io::Result<()> {
    let mut poll = Poll::new()?;
    let mut listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port)))?;
    poll.registry().register(&mut listener, LISTENER, Interest::READABLE)?;
    println!("listening on {}", listener.local_addr()?);
    io::stdout().flush()?;

    let mut conns: Vec<Option<Conn>> = Vec::new();
    let mut free: Vec<usize> = Vec::new();
    let mut events = Events::with_capacity(1024);
    let mut buf = vec![0; READ_SIZE];
    loop {
        match poll.poll(&mut events, None) {
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            other => other?,
        }
        for event in &events {
            if event.token() == LISTENER {
                loop {
                    let mut stream = match listener.accept() {
                        Ok((stream, _)) => stream,
                        Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                        // A reset before accept or a full descriptor table: that connection only.
                        Err(_) => break,
                    };
                    stream.set_nodelay(true)?;
                    let slot = free.pop().unwrap_or_else(|| {
                        conns.push(None);
                        conns.len() - 1
                    });
                    poll.registry().register(
                        &mut stream,
                        Token(slot),
                        Interest::READABLE | Interest::WRITABLE,
                    )?;
                    conns[slot] = Some(Conn { stream, heads: HeadEnds::default(), out: Vec::new() });
                }
                continue;
            }
            let slot = event.token().0;
            let Some(conn) = conns.get_mut(slot).and_then(Option::as_mut) else { continue };
            let open = if event.is_readable() || event.is_read_closed() {
                conn.on_readable(&mut buf).unwrap_or(false)
            } else {
                conn.flush().is_ok()
            };
            if !open {
                if let Some(mut conn) = conns[slot].take() {
                    poll.registry().deregister(&mut conn.stream)?;
                }
                free.push(slot);
            }
        }
    }
}

fn main() -> ExitCode {
    let port = match std::env::args().nth(1).map(|a| a.parse::<u16>()) {
        None => 3000,
        Some(Ok(port)) => port,
        Some(Err(_)) => {
            eprintln!("http_floor: usage: http_floor [PORT]");
            return ExitCode::from(2);
        }
    };
    match serve(port) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("http_floor: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_are_counted_however_the_input_is_split() {
        let wire = b"GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\n\r\r\n\r\n";
        assert_eq!(HeadEnds::default().count(wire), 2);
        let mut ends = HeadEnds::default();
        let split: usize = wire.iter().map(|b| ends.count(std::slice::from_ref(b))).sum();
        assert_eq!(split, 2);
    }
}
