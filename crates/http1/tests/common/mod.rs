//! A server on its own loop thread, and a raw client that reads responses with the codec.
#![allow(dead_code, clippy::unwrap_used)]

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use bytes::BytesMut;
use netcore::{EventLoop, Remote};
use netcore_http1::proto::{Limits, ResponseDecoder, ResponseEvent};
use netcore_http1::server::ServerId;

/// How long a test waits for any one read.
pub const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// A server running on a loop thread; stopped when dropped.
pub struct Served {
    pub addr: SocketAddr,
    server: ServerId,
    remote: Remote,
    thread: Option<JoinHandle<()>>,
    /// Receives once when the loop returns (or its thread panics).
    exited: mpsc::Receiver<()>,
}

/// Starts a loop thread, runs `setup` on it (which starts the server) and waits until it listens.
pub fn serve(setup: impl FnOnce(&mut EventLoop) -> ServerId + Send + 'static) -> Served {
    let (tx, rx) = mpsc::channel();
    let (exit_tx, exited) = mpsc::channel();
    let thread = std::thread::spawn(move || {
        // Dropped when the thread ends, however it ends: the receiver wakes up.
        let _exit = exit_tx;
        let mut lp = EventLoop::new().unwrap();
        let server = setup(&mut lp);
        let addr = server.address(&lp).unwrap().to_string().parse::<SocketAddr>().unwrap();
        tx.send((addr, server, lp.remote())).unwrap();
        // A watchdog: no test runs this long.
        let t = lp.set_timeout(Duration::from_secs(60), |_| panic!("server loop ran 60 s"));
        lp.unref_timer(t);
        lp.run().unwrap();
    });
    let (addr, server, remote) = rx.recv_timeout(READ_TIMEOUT).unwrap();
    Served { addr, server, remote, thread: Some(thread), exited }
}

impl Served {
    pub fn connect(&self) -> Client {
        let stream = TcpStream::connect(self.addr).unwrap();
        stream.set_read_timeout(Some(READ_TIMEOUT)).unwrap();
        Client { stream, buf: BytesMut::new() }
    }

    /// The server's open HTTP connections, asked on its loop.
    pub fn connection_count(&self) -> usize {
        let (tx, rx) = mpsc::channel();
        let server = self.server;
        self.remote.post(move |lp| tx.send(server.connection_count(lp)).unwrap()).unwrap();
        rx.recv_timeout(READ_TIMEOUT).unwrap()
    }

    /// Waits for the loop to end by itself (the server closed and nothing else is left).
    pub fn wait_exit(mut self) {
        let t = self.thread.take().unwrap();
        // Disconnected (not a message) means the loop thread ended.
        let ended = self.exited.recv_timeout(READ_TIMEOUT);
        assert_eq!(ended, Err(mpsc::RecvTimeoutError::Disconnected), "the server loop did not end");
        t.join().unwrap();
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        self.remote.stop();
        if let Some(t) = self.thread.take() {
            let result = t.join();
            if !std::thread::panicking() {
                result.unwrap();
            }
        }
    }
}

/// A raw connection with a read-ahead buffer (responses may arrive several at once).
pub struct Client {
    pub stream: TcpStream,
    buf: BytesMut,
}

impl Read for Client {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if !self.buf.is_empty() {
            let n = out.len().min(self.buf.len());
            out[..n].copy_from_slice(&self.buf.split_to(n));
            return Ok(n);
        }
        self.stream.read(out)
    }
}

impl Write for Client {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.stream.write(data)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.stream.flush()
    }
}

/// One response as read off the wire.
#[derive(Debug, Default)]
pub struct Reply {
    pub status: u16,
    pub head: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub trailers: Vec<(String, String)>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone())
    }
}

fn pairs(h: &netcore_http1::proto::Headers) -> Vec<(String, String)> {
    h.iter().map(|(n, v)| (n.to_string(), String::from_utf8_lossy(v).into_owned())).collect()
}

/// Reads one response (an interim 1xx counts as one) to a GET.
pub fn read_response(c: &mut Client) -> Reply {
    let mut dec = ResponseDecoder::new(Limits::default());
    dec.expect("GET");
    let mut reply = Reply::default();
    loop {
        loop {
            match dec.decode(&mut c.buf).unwrap() {
                Some(ResponseEvent::Informational(h)) => {
                    return Reply {
                        status: h.status(),
                        head: String::from_utf8_lossy(h.raw()).into_owned(),
                        headers: pairs(h.headers()),
                        ..Reply::default()
                    };
                }
                Some(ResponseEvent::Head(h)) => {
                    reply.status = h.status();
                    reply.head = String::from_utf8_lossy(h.raw()).into_owned();
                    reply.headers = pairs(h.headers());
                }
                Some(ResponseEvent::Data(d)) => reply.body.extend_from_slice(&d),
                Some(ResponseEvent::Trailers(t)) => reply.trailers = pairs(&t),
                Some(ResponseEvent::End) | Some(ResponseEvent::Upgrade) => return reply,
                None => break,
            }
        }
        let mut chunk = [0u8; 16 * 1024];
        let n = c.stream.read(&mut chunk).unwrap();
        if n == 0 {
            if let Some(ResponseEvent::End) = dec.decode_eof().unwrap() {
                return reply;
            }
            panic!("connection closed inside a response: {reply:?}");
        }
        c.buf.extend_from_slice(&chunk[..n]);
    }
}

/// Everything until the server closes (what is buffered included).
pub fn read_until_close(c: &mut Client) -> Vec<u8> {
    let mut all = c.buf.split().to_vec();
    match c.stream.read_to_end(&mut all) {
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::ConnectionReset => {}
        Err(e) => panic!("read: {e} after {:?}", String::from_utf8_lossy(&all)),
    }
    all
}

#[allow(unused_imports)] // each test binary uses some of them
pub use netcore_testkit::ensure_nofile;

/// This process's resident memory in bytes (`VmRSS` of /proc/self/status).
pub fn rss_bytes() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse::<usize>().unwrap() * 1024
}
