//! Helpers shared by the integration tests: Node.js child processes (the real peer), the test
//! byte pattern, watchdogs and resource limits.
//!
//! Nothing here waits by sleeping: a test proceeds on loop events, on lines a Node helper prints
//! (`listening on ADDR`, …) and on process exit, and every wait has a deadline so a broken test
//! fails instead of hanging.
#![allow(dead_code, clippy::unwrap_used)]

use std::cell::RefCell;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::rc::Rc;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use netcore::EventLoop;
use netcore_tcp::{Error, Socket, SocketHandler, SocketId};

/// How long a loop may run before its watchdog fails the test.
pub const LOOP_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a Node helper may take to print a line or exit before it is killed.
pub const NODE_TIMEOUT: Duration = Duration::from_secs(40);

/// Bytes in the long echo runs.
pub const ECHO_BYTES: usize = 64 << 20;

/// Fails the test if `lp` is still running after [`LOOP_TIMEOUT`]. The timer is unreferenced, so
/// it does not keep the loop alive by itself.
pub fn watchdog(lp: &mut EventLoop, what: &'static str) {
    let t =
        lp.set_timeout(LOOP_TIMEOUT, move |_| panic!("{what}: the loop still runs after {LOOP_TIMEOUT:?}"));
    lp.unref_timer(t);
}

/// The byte at offset `i` of a test stream: the top byte of a multiplicative hash of the offset
/// (`Math.imul(i, 0x9e3779b1) >>> 24` in `node/common.js`), so a lost, repeated or reordered
/// chunk shows up as a mismatch.
pub fn pattern_byte(i: usize) -> u8 {
    ((i as u32).wrapping_mul(0x9e37_79b1) >> 24) as u8
}

/// The first [`ECHO_BYTES`] bytes of the pattern, computed once per test binary.
pub fn pattern() -> &'static [u8] {
    static PATTERN: OnceLock<Vec<u8>> = OnceLock::new();
    PATTERN.get_or_init(|| (0..ECHO_BYTES).map(pattern_byte).collect())
}

/// Panics naming the first offset where `data` differs from the pattern at `offset`.
pub fn check_pattern(data: &[u8], offset: usize) {
    let want = &pattern()[offset..offset + data.len()];
    if data != want {
        let i = data.iter().zip(want).position(|(a, b)| a != b).unwrap_or(0);
        panic!("byte {} differs: got {:#04x}, want {:#04x}", offset + i, data[i], want[i]);
    }
}

/// A unique Unix socket path in the temp directory (removed first if a stale one exists).
pub fn socket_path(name: &str) -> PathBuf {
    let p = std::env::temp_dir().join(format!("netcore-tcp-{}-{name}.sock", std::process::id()));
    let _ = std::fs::remove_file(&p);
    p
}

/// What a Node helper left behind when it exited.
#[derive(Debug)]
pub struct Exit {
    /// The exit status.
    pub status: ExitStatus,
    /// Lines printed and not consumed by [`Node::next_line`] (forwarded lines included).
    pub stdout: Vec<String>,
    /// Everything printed to stderr.
    pub stderr: String,
}

impl Exit {
    /// Panics with the helper's stderr unless it exited with status 0.
    pub fn assert_success(&self, what: &str) {
        assert!(
            self.status.success(),
            "{what}: node exited with {}\nstdout: {:?}\nstderr: {}",
            self.status,
            self.stdout,
            self.stderr
        );
    }
}

/// A Node.js helper script from `tests/node/` running as a child process. Its stdout is read
/// line by line on a thread; dropping it kills the process.
pub struct Node {
    name: String,
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Option<Receiver<String>>,
    forwarded: Arc<Mutex<Vec<String>>>,
    forwarder: Option<JoinHandle<()>>,
    eof: Receiver<()>,
    stderr: Option<JoinHandle<String>>,
    done: bool,
}

impl Node {
    /// Starts `node tests/node/<script> <args…>`.
    pub fn spawn(script: &str, args: &[&str]) -> Node {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/node").join(script);
        let mut child = Command::new("node")
            .arg(&path)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start node {}: {e}", path.display()));
        let stdout = child.stdout.take().unwrap();
        let mut stderr = child.stderr.take().unwrap();
        let (tx, lines) = mpsc::channel();
        let (eof_tx, eof) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let _ = tx.send(line);
            }
            let _ = eof_tx.send(());
        });
        let stderr = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = stderr.read_to_string(&mut s);
            s
        });
        Node {
            name: script.to_string(),
            stdin: child.stdin.take(),
            child,
            lines: Some(lines),
            forwarded: Arc::default(),
            forwarder: None,
            eof,
            stderr: Some(stderr),
            done: false,
        }
    }

    /// The process id, for messages.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// The next line the helper prints. Panics (killing it) on exit or after [`NODE_TIMEOUT`].
    pub fn next_line(&mut self) -> String {
        let lines = self.lines.as_ref().expect("lines are forwarded to the loop");
        match lines.recv_timeout(NODE_TIMEOUT) {
            Ok(line) => line,
            Err(RecvTimeoutError::Timeout) => self.fail("no line within the timeout"),
            Err(RecvTimeoutError::Disconnected) => self.fail("exited before printing the expected line"),
        }
    }

    /// Waits for the `listening on ADDR` line of a Node server and returns `ADDR`.
    pub fn listening_on(&mut self) -> String {
        loop {
            let line = self.next_line();
            if let Some(addr) = line.strip_prefix("listening on ") {
                return addr.to_string();
            }
        }
    }

    /// Takes the helper's stdin, to send it command lines from a handler.
    pub fn take_stdin(&mut self) -> ChildStdin {
        self.stdin.take().expect("stdin already taken")
    }

    /// Sends one command line to the helper.
    pub fn send(&mut self, line: &str) {
        send_line(self.stdin.as_mut().expect("stdin already taken"), line);
    }

    /// Delivers each line the helper prints to `f` on the loop (through a [`netcore::Remote`]),
    /// and then `None` once its stdout closes (it exited). The callback must be `Send`: reach
    /// loop-local state through [`EventLoop::state_mut`].
    pub fn forward_lines(
        &mut self,
        lp: &EventLoop,
        f: impl Fn(&mut EventLoop, Option<&str>) + Send + Sync + 'static,
    ) {
        let lines = self.lines.take().expect("lines already forwarded");
        let remote = lp.remote();
        let f = Arc::new(f);
        let forwarded = self.forwarded.clone();
        self.forwarder = Some(std::thread::spawn(move || {
            for line in lines.iter() {
                forwarded.lock().unwrap().push(line.clone());
                let f = f.clone();
                if remote.post(move |lp| f(lp, Some(&line))).is_err() {
                    return;
                }
            }
            let _ = remote.post(move |lp| f(lp, None));
        }));
    }

    /// Runs `f` on the loop once the helper has exited (its stdout closed).
    pub fn on_exit(&mut self, lp: &EventLoop, f: impl Fn(&mut EventLoop) + Send + Sync + 'static) {
        self.forward_lines(lp, move |lp, line| {
            if line.is_none() {
                f(lp)
            }
        });
    }

    /// Waits (at most [`NODE_TIMEOUT`]) for the helper to exit and returns what it left.
    pub fn finish(mut self) -> Exit {
        drop(self.stdin.take());
        let deadline = Instant::now() + NODE_TIMEOUT;
        let mut stdout = Vec::new();
        if let Some(lines) = self.lines.take() {
            loop {
                match lines.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                    Ok(line) => stdout.push(line),
                    Err(RecvTimeoutError::Disconnected) => break,
                    Err(RecvTimeoutError::Timeout) => self.fail("did not exit within the timeout"),
                }
            }
        } else if let Err(RecvTimeoutError::Timeout) =
            self.eof.recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            self.fail("did not exit within the timeout");
        }
        // Stdout is closed, so the forwarding thread has every line and only posts them on.
        if let Some(forwarder) = self.forwarder.take() {
            let _ = forwarder.join();
            stdout.splice(0..0, std::mem::take(&mut *self.forwarded.lock().unwrap()));
        }
        let status = self.child.wait().unwrap();
        self.done = true;
        let stderr = self.stderr.take().map(|h| h.join().unwrap_or_default()).unwrap_or_default();
        Exit { status, stdout, stderr }
    }

    /// [`finish`](Self::finish), then panics unless the helper exited with status 0; returns the
    /// remaining stdout lines.
    pub fn expect_success(self) -> Vec<String> {
        let name = self.name.clone();
        let exit = self.finish();
        exit.assert_success(&name);
        exit.stdout
    }

    fn fail(&mut self, why: &str) -> ! {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.done = true;
        let stderr = self.stderr.take().map(|h| h.join().unwrap_or_default()).unwrap_or_default();
        panic!("node {} (pid {}): {why}\nstderr: {stderr}", self.name, self.child.id());
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        if !self.done {
            let _ = self.child.kill();
            let _ = self.child.wait();
            // A test failing elsewhere (a watchdog, an assertion) drops us: show what Node said.
            if std::thread::panicking() {
                let stderr = self.stderr.take().map(|h| h.join().unwrap_or_default()).unwrap_or_default();
                eprintln!("node {} (killed) stderr:\n{stderr}", self.name);
            }
        }
    }
}

/// Writes `line` and a newline to a helper's stdin.
pub fn send_line(stdin: &mut ChildStdin, line: &str) {
    stdin
        .write_all(format!("{line}\n").as_bytes())
        .and_then(|()| stdin.flush())
        .expect("write to node's stdin");
}

/// What a socket handler saw, in order, for assertions after the loop has run.
#[derive(Debug, Default)]
pub struct Record {
    /// Event names in order: `connect`, `end`, `drain`, `timeout`, `error`, `close`.
    pub events: Vec<String>,
    /// Node codes of the errors.
    pub errors: Vec<&'static str>,
    /// `had_error` of the close event.
    pub closed: Option<bool>,
    /// Bytes received.
    pub received: usize,
}

/// A shared [`Record`].
pub type Log = Rc<RefCell<Record>>;

/// A client that sends `total` bytes of the pattern with backpressure (pausing when `write` says
/// false, going on at `drain`), ends, and checks every byte that comes back (an echo).
pub struct PatternClient {
    pub total: usize,
    pub chunk: usize,
    pub sent: usize,
    pub ended: bool,
    pub log: Log,
}

impl PatternClient {
    /// A client for `total` bytes, sent 64 KiB at a time.
    pub fn new(total: usize, log: &Log) -> Self {
        PatternClient { total, chunk: 64 * 1024, sent: 0, ended: false, log: log.clone() }
    }

    fn pump(&mut self, s: &mut Socket<'_>) {
        while self.sent < self.total {
            let n = self.chunk.min(self.total - self.sent);
            let more = s.write(&pattern()[self.sent..self.sent + n]);
            self.sent += n;
            if !more {
                return;
            }
        }
        if !std::mem::replace(&mut self.ended, true) {
            s.end();
        }
    }
}

impl SocketHandler for PatternClient {
    fn on_connect(&mut self, s: &mut Socket<'_>) {
        self.log.borrow_mut().events.push("connect".into());
        self.pump(s);
    }
    fn on_data(&mut self, _s: &mut Socket<'_>, data: &[u8]) {
        let mut log = self.log.borrow_mut();
        assert!(log.received + data.len() <= self.total, "more bytes came back than were sent");
        check_pattern(data, log.received);
        log.received += data.len();
    }
    fn on_end(&mut self, _s: &mut Socket<'_>) {
        self.log.borrow_mut().events.push("end".into());
    }
    fn on_drain(&mut self, s: &mut Socket<'_>) {
        self.pump(s);
    }
    fn on_error(&mut self, _s: &mut Socket<'_>, e: &Error) {
        let mut log = self.log.borrow_mut();
        log.events.push(format!("error {e}"));
        log.errors.push(e.code());
    }
    fn on_close(&mut self, _lp: &mut EventLoop, _id: SocketId, had_error: bool) {
        let mut log = self.log.borrow_mut();
        log.events.push("close".into());
        log.closed = Some(had_error);
    }
}

/// Records every event of a socket into a [`Log`]; `on_data` echoes nothing.
pub struct Recorder(pub Log);

impl SocketHandler for Recorder {
    fn on_connect(&mut self, _s: &mut Socket<'_>) {
        self.0.borrow_mut().events.push("connect".into());
    }
    fn on_data(&mut self, _s: &mut Socket<'_>, data: &[u8]) {
        self.0.borrow_mut().received += data.len();
    }
    fn on_end(&mut self, _s: &mut Socket<'_>) {
        self.0.borrow_mut().events.push("end".into());
    }
    fn on_drain(&mut self, _s: &mut Socket<'_>) {
        self.0.borrow_mut().events.push("drain".into());
    }
    fn on_timeout(&mut self, _s: &mut Socket<'_>) {
        self.0.borrow_mut().events.push("timeout".into());
    }
    fn on_error(&mut self, _s: &mut Socket<'_>, e: &Error) {
        let mut log = self.0.borrow_mut();
        log.events.push(format!("error {}", e.code()));
        log.errors.push(e.code());
    }
    fn on_close(&mut self, _lp: &mut EventLoop, _id: SocketId, had_error: bool) {
        let mut log = self.0.borrow_mut();
        log.events.push("close".into());
        log.closed = Some(had_error);
    }
}

#[allow(unused_imports)] // each test binary uses some of them
pub use netcore_testkit::{ensure_nofile, nofile_limit, set_nofile_soft};

/// Descriptors open in this process now.
pub fn open_fds() -> usize {
    // The directory stream itself holds one descriptor while it is read.
    std::fs::read_dir("/proc/self/fd").map(|d| d.count().saturating_sub(1)).unwrap_or(0)
}

/// CPU time (user + system) this process has used so far, all threads.
#[allow(unsafe_code)]
pub fn cpu_time() -> Duration {
    // SAFETY: an all-zero `rusage` is a valid value of this plain C struct.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage writes one `rusage` into the valid, exclusively borrowed struct we pass.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    assert_eq!(rc, 0, "getrusage: {}", std::io::Error::last_os_error());
    let tv =
        |t: libc::timeval| Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64);
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

/// A port nothing listens on (`ip` as in an address: `127.0.0.1`, `[::1]`), held so nobody else can take it while the test runs: a socket
/// bound to it without `listen`, so connects get RST (`ECONNREFUSED`). A port merely freed by
/// dropping a listener can be reused at once by a parallel test or picked as a source port.
#[allow(dead_code)]
pub fn refused_port(ip: &str) -> (socket2::Socket, std::net::SocketAddr) {
    let addr: std::net::SocketAddr = format!("{ip}:0").parse().unwrap();
    let s = socket2::Socket::new(socket2::Domain::for_address(addr), socket2::Type::STREAM, None).unwrap();
    s.bind(&addr.into()).unwrap();
    let bound = s.local_addr().unwrap().as_socket().unwrap();
    (s, bound)
}
