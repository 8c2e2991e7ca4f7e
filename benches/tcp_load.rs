//! `tcp_load`: a TCP echo load client that verifies every echoed byte.
//!
//! ```text
//! tcp_load ADDR [--conns N] [--size BYTES] [--secs S] [--window BYTES] [--timeout S]
//!
//!   writer thread ──chunk(size)──▶ server ──echo──▶ reader thread
//!        ▲                                              │
//!        └──── waits while sent - echoed + size > window ◀┘
//! ```
//!
//! Each connection gets a writer and a reader thread over blocking `std::net` sockets. The
//! writer sends `size`-byte chunks of a deterministic, per-connection pattern and never keeps
//! more than `window` bytes un-echoed in flight; the reader checks every echoed byte against the
//! same pattern. After `secs` seconds the writer half-closes (`shutdown(Write)`), the reader drains
//! the rest of the echo, and the run ends with exactly one machine-readable line on stdout:
//!
//! ```text
//! bytes=<total echoed bytes verified> secs=<elapsed> gbps=<GB/s, 1e9 bytes>
//! ```
//!
//! Any mismatch, short echo, extra data, reset or stall (no progress for `--timeout` seconds)
//! is reported on stderr and the process exits with status 1; bad arguments exit with status 2.
//! `benches/compare-tcp.sh` drives it against our `tcp_echo` example and Node's seed server.

use std::io::{self, ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::process::ExitCode;
use std::sync::{Arc, Barrier, Condvar, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

#[macro_use]
#[path = "load_common.rs"]
mod common;
use common::{describe, is_timeout, parse_args, parse_num, parse_secs, LoadError};

/// Default number of concurrent connections (`--conns`).
const DEFAULT_CONNS: usize = 8;
/// Default size in bytes of each write (`--size`).
const DEFAULT_SIZE: usize = 64 * 1024;
/// Default run length in seconds (`--secs`).
const DEFAULT_SECS: f64 = 5.0;
/// Default window, in multiples of `--size` (`--window`).
const DEFAULT_WINDOW_CHUNKS: usize = 4;
/// Default I/O timeout in seconds (`--timeout`): the longest the client waits for the server
/// to accept a connection, take a write or echo anything before it gives up.
const DEFAULT_TIMEOUT_SECS: f64 = 10.0;
/// How long a connection waits for the server's FIN after everything was echoed. A server
/// that keeps the half-open connection is not an error, only worth a warning.
const EOF_GRACE: Duration = Duration::from_secs(2);
/// How often a writer blocked on a full window re-checks the deadline and the failure flag.
const WINDOW_POLL: Duration = Duration::from_millis(100);
/// Period of the byte pattern. A prime, so that it does not divide common chunk sizes and a
/// dropped, duplicated or reordered chunk shifts the pattern and shows up as a mismatch.
const PATTERN_PERIOD: usize = 251;

/// What the command line asked for.
#[derive(Debug, Clone)]
struct Config {
    /// Address of the echo server.
    addr: SocketAddr,
    /// Number of concurrent connections.
    conns: usize,
    /// Size in bytes of each write.
    size: usize,
    /// How long to keep writing.
    run_for: Duration,
    /// Maximum un-echoed bytes in flight per connection.
    window: usize,
    /// Longest wait on any single socket operation before the run fails.
    timeout: Duration,
}

const USAGE: &str = "usage: tcp_load ADDR [--conns N (8)] [--size BYTES (65536)] [--secs S (5)] \
[--window BYTES (4*size)] [--timeout S (10)]";

impl Config {
    /// Parses `ADDR [--flag value]...` (program name already removed).
    fn parse(args: impl IntoIterator<Item = String>) -> Result<Config, String> {
        let mut conns = DEFAULT_CONNS;
        let mut size = DEFAULT_SIZE;
        let mut secs = DEFAULT_SECS;
        let mut window = None;
        let mut timeout = DEFAULT_TIMEOUT_SECS;
        let addr = parse_args(args, USAGE, &[], |flag, value| {
            let value = value.unwrap_or_default();
            match flag {
                "--conns" => conns = parse_num(flag, value)?,
                "--size" => size = parse_num(flag, value)?,
                "--secs" => secs = parse_secs(flag, value)?,
                "--window" => window = Some(parse_num(flag, value)?),
                "--timeout" => timeout = parse_secs(flag, value)?,
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        if conns == 0 || size == 0 {
            return Err("--conns and --size must be at least 1".to_owned());
        }
        if timeout == 0.0 {
            return Err("--timeout must be above 0".to_owned());
        }
        let window = match window {
            Some(w) => w,
            None => size.checked_mul(DEFAULT_WINDOW_CHUNKS).ok_or("--size too large")?,
        };
        if window < size {
            return Err(format!("--window ({window}) must be at least --size ({size})"));
        }
        Ok(Config {
            addr,
            conns,
            size,
            run_for: Duration::from_secs_f64(secs),
            window,
            timeout: Duration::from_secs_f64(timeout),
        })
    }
}

/// The deterministic byte stream each connection sends: byte `i` of the stream of connection
/// `c` is `(i + c * 37) % PATTERN_PERIOD`. Holding one period more than a chunk lets any
/// stretch of up to `size` bytes be borrowed as a single slice.
#[derive(Debug)]
struct Pattern {
    /// `size + PATTERN_PERIOD` bytes of the periodic pattern, starting at phase 0.
    bytes: Vec<u8>,
}

impl Pattern {
    /// Builds the pattern for stretches of at most `max_len` bytes.
    fn new(max_len: usize) -> Pattern {
        let bytes = (0..max_len + PATTERN_PERIOD).map(|i| (i % PATTERN_PERIOD) as u8).collect();
        Pattern { bytes }
    }

    /// The `len` bytes starting at stream offset `offset` (`len` at most the `max_len` given
    /// to [`Pattern::new`]).
    fn at(&self, offset: u64, len: usize) -> &[u8] {
        let phase = (offset % PATTERN_PERIOD as u64) as usize;
        &self.bytes[phase..phase + len]
    }
}

/// Byte counters of one connection, shared by its writer and reader.
#[derive(Debug, Default)]
struct FlowState {
    /// Bytes the writer has committed to send (counted before the write, so that the reader
    /// can never see more echo than this).
    sent: u64,
    /// Bytes echoed back and verified.
    echoed: u64,
    /// The writer has stopped and half-closed; `sent` is final.
    writer_done: bool,
    /// One side failed; the other should stop.
    failed: bool,
}

/// Flow control between the writer and the reader of one connection.
#[derive(Debug, Default)]
struct Flow {
    /// The counters.
    state: Mutex<FlowState>,
    /// Signalled whenever `echoed`, `writer_done` or `failed` changes.
    changed: Condvar,
}

impl Flow {
    /// Locks the counters, ignoring poisoning (the counters stay consistent under any panic).
    fn lock(&self) -> MutexGuard<'_, FlowState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Marks the connection failed and wakes the other side.
    fn fail(&self) {
        self.lock().failed = true;
        self.changed.notify_all();
    }
}

/// What one connection achieved.
#[derive(Debug)]
struct ConnReport {
    /// Bytes echoed and verified.
    echoed: u64,
    /// When the last echoed byte arrived (not when the FIN did).
    finished: Instant,
}

/// Connects every connection, runs the load and returns the summary line.
fn run(cfg: &Config) -> Result<String, LoadError> {
    let pattern = Arc::new(Pattern::new(cfg.size));
    let mut streams = Vec::with_capacity(cfg.conns);
    for i in 0..cfg.conns {
        let stream = TcpStream::connect_timeout(&cfg.addr, cfg.timeout)
            .map_err(|e| fail!("connection {i}: connect to {}: {e}", cfg.addr))?;
        configure(&stream, cfg.timeout).map_err(|e| fail!("connection {i}: setup: {e}"))?;
        streams.push(stream);
    }

    // Every writer and the main thread start the clock together, after all threads exist.
    let start_line = Arc::new(Barrier::new(cfg.conns + 1));
    let mut conns = Vec::with_capacity(cfg.conns);
    for (i, stream) in streams.into_iter().enumerate() {
        let read_half = stream.try_clone().map_err(|e| fail!("connection {i}: clone socket: {e}"))?;
        let flow = Arc::new(Flow::default());
        let base = i as u64 * 37;
        let writer = {
            let (cfg, flow, pattern, start_line) =
                (cfg.clone(), Arc::clone(&flow), Arc::clone(&pattern), Arc::clone(&start_line));
            thread::Builder::new()
                .name(format!("writer-{i}"))
                .spawn(move || {
                    start_line.wait();
                    let result = write_side(&cfg, stream, &flow, &pattern, base);
                    if result.is_err() {
                        flow.fail();
                    }
                    result
                })
                .map_err(|e| fail!("connection {i}: spawn writer: {e}"))?
        };
        let reader = {
            let (cfg, pattern) = (cfg.clone(), Arc::clone(&pattern));
            thread::Builder::new()
                .name(format!("reader-{i}"))
                .spawn(move || {
                    let result = read_side(&cfg, read_half, &flow, &pattern, base);
                    if result.is_err() {
                        flow.fail();
                    }
                    result
                })
                .map_err(|e| fail!("connection {i}: spawn reader: {e}"))?
        };
        conns.push((writer, reader));
    }
    start_line.wait();
    let start = Instant::now();

    let mut total = 0u64;
    let mut last = start;
    let mut failed = 0;
    for (i, (writer, reader)) in conns.into_iter().enumerate() {
        let written = writer.join().unwrap_or_else(|_| Err(fail!("writer thread panicked")));
        let echoed = reader.join().unwrap_or_else(|_| Err(fail!("reader thread panicked")));
        // The reader's error is the root cause when both fail (a mismatch makes it reset the
        // socket, which then fails the writer), so report it first.
        match (echoed, written) {
            (Ok(report), Ok(())) => {
                total += report.echoed;
                last = last.max(report.finished);
            }
            (Err(e), _) | (Ok(_), Err(e)) => {
                eprintln!("tcp_load: connection {i}: {e}");
                failed += 1;
            }
        }
    }
    if failed > 0 {
        return Err(fail!("{failed} of {} connections failed", cfg.conns));
    }
    let secs = last.duration_since(start).as_secs_f64();
    let gbps = if secs > 0.0 { total as f64 / secs / 1e9 } else { 0.0 };
    Ok(format!("bytes={total} secs={secs:.3} gbps={gbps:.6}"))
}

/// Bounds every blocking call on `stream` by `timeout` and disables Nagle's algorithm, so
/// small `--size` runs measure the server, not the 40 ms delayed-ACK interaction.
fn configure(stream: &TcpStream, timeout: Duration) -> io::Result<()> {
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))
}

/// Sends chunks until `cfg.run_for` has passed, keeping at most `cfg.window` bytes un-echoed,
/// then half-closes.
fn write_side(
    cfg: &Config,
    mut stream: TcpStream,
    flow: &Flow,
    pattern: &Pattern,
    base: u64,
) -> Result<(), LoadError> {
    let deadline = Instant::now() + cfg.run_for;
    let size = cfg.size as u64;
    let window = cfg.window as u64;
    loop {
        let offset = {
            let mut state = flow.lock();
            while !state.failed && state.sent - state.echoed + size > window {
                if Instant::now() >= deadline {
                    break;
                }
                state = flow.changed.wait_timeout(state, WINDOW_POLL).unwrap_or_else(|e| e.into_inner()).0;
            }
            if state.failed {
                // The reader has the real error; stop quietly.
                return Ok(());
            }
            if Instant::now() >= deadline {
                break;
            }
            let offset = state.sent;
            state.sent += size;
            offset
        };
        if let Err(e) = stream.write_all(pattern.at(base + offset, cfg.size)) {
            let _ = stream.shutdown(Shutdown::Both);
            return Err(fail!("write at byte {offset}: {}", describe(&e)));
        }
    }
    // Mark the writer done before the FIN goes out: a fast server can echo our FIN back before
    // this thread runs again, and the reader must then see a finished writer.
    flow.lock().writer_done = true;
    flow.changed.notify_all();
    stream.shutdown(Shutdown::Write).map_err(|e| fail!("half-close: {e}"))
}

/// Reads and verifies the echo until the writer is done and everything it sent came back,
/// then waits briefly for the server's FIN.
fn read_side(
    cfg: &Config,
    mut stream: TcpStream,
    flow: &Flow,
    pattern: &Pattern,
    base: u64,
) -> Result<ConnReport, LoadError> {
    let mut buf = vec![0u8; cfg.size];
    let mut echoed = 0u64;
    let mut last_echo = Instant::now();
    let mut draining = false;
    let result = loop {
        match stream.read(&mut buf) {
            Ok(0) => {
                let state = flow.lock();
                if state.writer_done && echoed == state.sent {
                    break Ok(());
                }
                break Err(fail!(
                    "server closed the connection after echoing {echoed} of {} bytes",
                    state.sent
                ));
            }
            Ok(n) => {
                let got = &buf[..n];
                let want = pattern.at(base + echoed, n);
                if got != want {
                    let at = got.iter().zip(want).position(|(g, w)| g != w).unwrap_or(0);
                    break Err(fail!(
                        "echo mismatch at stream byte {}: expected {:#04x}, got {:#04x}",
                        echoed + at as u64,
                        want[at],
                        got[at]
                    ));
                }
                echoed += n as u64;
                last_echo = Instant::now();
                let mut state = flow.lock();
                if echoed > state.sent {
                    break Err(fail!("server echoed {echoed} bytes but only {} were sent", state.sent));
                }
                state.echoed = echoed;
                if state.writer_done && echoed == state.sent && !draining {
                    draining = true;
                    // Everything is back; only the FIN is missing. Do not wait long for it.
                    if let Err(e) = stream.set_read_timeout(Some(EOF_GRACE.min(cfg.timeout))) {
                        break Err(fail!("set read timeout: {e}"));
                    }
                }
                drop(state);
                flow.changed.notify_all();
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) if is_timeout(&e) => {
                let state = flow.lock();
                if state.writer_done && echoed == state.sent {
                    eprintln!(
                        "tcp_load: warning: server kept the connection open {:.1}s after \
                         echoing everything (no FIN after our half-close)",
                        EOF_GRACE.min(cfg.timeout).as_secs_f64()
                    );
                    break Ok(());
                }
                if state.failed {
                    break Ok(()); // the writer has the real error
                }
                break Err(fail!(
                    "no echo for {:.1}s (echoed {echoed} of {} bytes sent)",
                    cfg.timeout.as_secs_f64(),
                    state.sent
                ));
            }
            Err(e) => {
                if flow.lock().failed {
                    break Ok(()); // we were reset by our own writer after its error
                }
                break Err(fail!("read after {echoed} echoed bytes: {}", describe(&e)));
            }
        }
    };
    if result.is_err() {
        // Unblock the writer if it is stuck in a write.
        let _ = stream.shutdown(Shutdown::Both);
    }
    result.map(|()| ConnReport { echoed, finished: last_echo })
}

fn main() -> ExitCode {
    common::main_with("tcp_load", USAGE, Config::parse, run)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> impl Iterator<Item = String> + '_ {
        s.split_whitespace().map(str::to_owned)
    }

    #[test]
    fn defaults() {
        let cfg = Config::parse(args("127.0.0.1:1")).expect("valid");
        assert_eq!((cfg.conns, cfg.size, cfg.window), (8, 65536, 4 * 65536));
        assert_eq!(cfg.run_for, Duration::from_secs(5));
    }

    #[test]
    fn window_defaults_to_four_chunks_of_the_given_size() {
        let cfg = Config::parse(args("127.0.0.1:1 --size 100 --secs 0.5")).expect("valid");
        assert_eq!((cfg.size, cfg.window), (100, 400));
        assert_eq!(cfg.run_for, Duration::from_millis(500));
    }

    #[test]
    fn rejects_bad_arguments() {
        for bad in [
            "",
            "127.0.0.1:1 --size 0",
            "127.0.0.1:1 --conns 0",
            "127.0.0.1:1 --size 10 --window 9",
            "127.0.0.1:1 --secs -1",
            "127.0.0.1:1 --secs",
            "127.0.0.1:1 --bogus 1",
            "127.0.0.1:1 127.0.0.1:2",
        ] {
            assert!(Config::parse(args(bad)).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn pattern_is_periodic_and_sliceable_at_any_offset() {
        let p = Pattern::new(1000);
        for offset in [0u64, 1, 250, 251, 252, 10_000_019] {
            let s = p.at(offset, 1000);
            for (k, &b) in s.iter().enumerate() {
                assert_eq!(b as u64, (offset + k as u64) % PATTERN_PERIOD as u64, "offset {offset}");
            }
        }
    }
}
