//! Helpers shared by the integration tests: Node.js child processes (the real peer), the test
//! datagrams, a watchdog.
//!
//! Nothing here waits by sleeping: a test proceeds on loop events, on datagrams, on lines a Node
//! helper prints (`listening on ADDR`, …) and on process exit, and every wait has a deadline so
//! a broken test fails instead of hanging.
#![allow(dead_code, clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use netcore::EventLoop;
use netcore_udp::BindOptions;

/// How long a loop may run before its watchdog fails the test.
pub const LOOP_TIMEOUT: Duration = Duration::from_secs(20);

/// How long a Node helper may take to print a line or exit before it is killed.
pub const NODE_TIMEOUT: Duration = Duration::from_secs(25);

/// The largest UDP payload over IPv4: 65,535 minus the IPv4 (20) and UDP (8) headers.
pub const MAX_V4: usize = 65_507;

/// `SO_RCVBUF`/`SO_SNDBUF` of both ends of the echo tests (Linux doubles it; `rmem_max` caps it).
pub const ECHO_BUFFER: usize = 4 << 20;

/// Datagrams a sender may have unanswered at once.
pub const WINDOW: usize = 32;

/// Bytes a sender may have unanswered at once (fewer datagrams when they are large).
pub const WINDOW_BYTES: usize = 1 << 20;

/// A datagram not answered within this long is sent again.
pub const RETRANSMIT_AFTER: Duration = Duration::from_millis(200);

/// Fails the test if `lp` is still running after [`LOOP_TIMEOUT`]. The timer is unreferenced, so
/// it does not keep the loop alive by itself.
pub fn watchdog(lp: &mut EventLoop, what: &'static str) {
    let t =
        lp.set_timeout(LOOP_TIMEOUT, move |_| panic!("{what}: the loop still runs after {LOOP_TIMEOUT:?}"));
    lp.unref_timer(t);
}

/// Bind options with [`ECHO_BUFFER`]-sized kernel buffers.
pub fn big_buffers(batch_io: bool) -> BindOptions {
    let mut o = BindOptions::default();
    o.recv_buffer_size = Some(ECHO_BUFFER);
    o.send_buffer_size = Some(ECHO_BUFFER);
    o.batch_io = batch_io;
    o
}

// ----- the test datagrams (`node/common.js` builds the same) ---------------------------------

/// Sizes of the first datagrams: the edges (0 to 3 are also the datagrams too short to carry a
/// sequence number: datagram `n < 4` is the only one of `n` bytes).
const SPECIAL: [usize; 14] = [0, 1, 2, 3, MAX_V4, 4, MAX_V4 - 1, 1472, 1473, 1500, 8192, 9000, 32768, 65000];

fn mix(seq: u32) -> u32 {
    let mut h = seq.wrapping_mul(0x9e37_79b1);
    h ^= h >> 15;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h
}

/// The size of datagram `seq`: the [`SPECIAL`] ones first, then a quarter spread over
/// 4..=65,507, a quarter over 4..=9,000 and half over 4..=1,472 bytes.
pub fn size_of(seq: u32) -> usize {
    if let Some(&n) = SPECIAL.get(seq as usize) {
        return n;
    }
    let h = mix(seq) as usize;
    4 + match seq % 4 {
        0 => h % (MAX_V4 - 3),
        1 => h % 8997,
        _ => h % 1469,
    }
}

/// 128 KiB of the byte pattern `imul(i, 0x9e3779b1) >>> 24`.
fn pattern() -> &'static [u8] {
    static PATTERN: OnceLock<Vec<u8>> = OnceLock::new();
    PATTERN.get_or_init(|| (0..2 * 65_536u32).map(|i| (i.wrapping_mul(0x9e37_79b1) >> 24) as u8).collect())
}

/// Datagram `seq` of `size` bytes: the sequence number (little-endian u32, cut to the size) then
/// the pattern from an offset that depends on `seq`, so every datagram differs.
pub fn datagram_of(seq: u32, size: usize) -> Vec<u8> {
    let mut d = Vec::with_capacity(size);
    d.extend_from_slice(&seq.to_le_bytes()[..size.min(4)]);
    if size > 4 {
        let off = (seq as usize * 7919) % 65_536;
        d.extend_from_slice(&pattern()[off + 4..off + size]);
    }
    d
}

/// Datagram `seq` of the echo tests (its size is [`size_of`]).
pub fn datagram(seq: u32) -> Vec<u8> {
    datagram_of(seq, size_of(seq))
}

/// Which datagram `data` is, after checking it byte for byte; panics on a mismatch.
pub fn check_datagram(data: &[u8], count: u32) -> u32 {
    identify_datagram(data, count).unwrap_or_else(|e| panic!("{e}"))
}

/// Which datagram `data` is, or what is wrong with it.
pub fn identify_datagram(data: &[u8], count: u32) -> Result<u32, String> {
    let seq = match data.len() {
        n @ 0..=3 => n as u32,
        _ => u32::from_le_bytes([data[0], data[1], data[2], data[3]]),
    };
    if seq >= count {
        return Err(format!("datagram of {} bytes with sequence number {seq} of {count}", data.len()));
    }
    if data.len() != size_of(seq) {
        return Err(format!("datagram {seq} has {} bytes, want {}", data.len(), size_of(seq)));
    }
    let want = datagram(seq);
    if data == want {
        return Ok(seq);
    }
    let i = data.iter().zip(&want).position(|(a, b)| a != b).unwrap_or(0);
    Err(format!("datagram {seq}: byte {i} differs: got {:#04x}, want {:#04x}", data[i], want[i]))
}

// ----- Node helpers --------------------------------------------------------------------------

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

    /// The next line the helper prints. Panics (killing it) on exit or after [`NODE_TIMEOUT`].
    pub fn next_line(&mut self) -> String {
        let lines = self.lines.as_ref().expect("lines are forwarded to the loop");
        match lines.recv_timeout(NODE_TIMEOUT) {
            Ok(line) => line,
            Err(RecvTimeoutError::Timeout) => self.fail("no line within the timeout"),
            Err(RecvTimeoutError::Disconnected) => self.fail("exited before printing the expected line"),
        }
    }

    /// Waits for the `listening on ADDR` line of a Node socket and returns `ADDR`.
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

    /// Closes the helper's stdin, waits (at most [`NODE_TIMEOUT`]) for it to exit and returns
    /// what it left.
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
