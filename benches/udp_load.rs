//! `udp_load`: a UDP echo load client that verifies every echoed datagram and survives loss.
//!
//! ```text
//! udp_load ADDR [--size BYTES] [--window N] [--secs S] [--sockets K]
//!
//!   socket thread k:  send seq s ──datagram(size)──▶ server ──echo──▶ recv, verify, resolve s
//!                        ▲                                                    │
//!                        └──── at most `window` unresolved datagrams ◀────────┘
//!                               (unanswered for LOSS_TIMEOUT → counted lost)
//! ```
//!
//! Each of the `sockets` client sockets has its own thread and its own ephemeral port, and is
//! `connect`ed to the server so it only hears the server. A datagram carries an 8-byte header (the
//! socket index in the top 16 bits, the sequence number in the low 48, little-endian) followed by
//! a deterministic payload derived from both, so a corrupted, truncated, padded or misdelivered
//! echo is caught. A socket keeps at most `window` datagrams unanswered; UDP may drop under load,
//! so a datagram unanswered for [`LOSS_TIMEOUT`] is counted lost and its slot in the window is
//! refilled. An echo that arrives after that is moved back from lost to echoed. After `secs`
//! seconds the sockets stop sending, wait out the datagrams still in flight, and the run ends with
//! exactly one machine-readable line on stdout:
//!
//! ```text
//! datagrams=<echoed and verified> lost=<never echoed> secs=<elapsed> rate=<datagrams per second>
//! ```
//!
//! `secs` runs from the start to the last verified echo. Exit status 1 when any echo did not match
//! what was sent (the summary is still printed, mismatches are not in `datagrams`), when nothing at
//! all came back within [`NO_ECHO_LIMIT`] (no summary), or on a socket error; status 2 on bad
//! arguments. `benches/compare-udp.sh` drives it against our `udp_echo` example and Node's seed
//! server.

use std::io::{self, ErrorKind};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

#[macro_use]
#[path = "load_common.rs"]
mod common;
use common::{describe, is_timeout, parse_args, parse_num, parse_secs, LoadError};

/// Default datagram size in bytes, header included (`--size`).
const DEFAULT_SIZE: usize = 64;
/// Default number of unanswered datagrams per socket (`--window`).
const DEFAULT_WINDOW: usize = 64;
/// Default run length in seconds (`--secs`).
const DEFAULT_SECS: f64 = 5.0;
/// Default number of client sockets, one thread each (`--sockets`).
const DEFAULT_SOCKETS: usize = 4;
/// Most client sockets (`--sockets`): each one is a thread.
const MAX_SOCKETS: usize = 1024;
/// Bytes of the header every datagram starts with: the smallest `--size`.
const HEADER_LEN: usize = 8;
/// Largest UDP payload over IPv4: 65535 - 8 (UDP header) - 20 (IPv4 header).
const MAX_SIZE: usize = 65_507;
/// How long a datagram may go unanswered before it is counted lost. Also the receive timeout:
/// a socket whose whole window was dropped waits this long, then refills it.
const LOSS_TIMEOUT: Duration = Duration::from_millis(50);
/// If no socket has had a single echo this long after the start, the run fails (nothing
/// listening, a firewall, a server that does not echo) instead of spinning for `--secs`.
const NO_ECHO_LIMIT: Duration = Duration::from_secs(2);
/// Longest a `send` may block (a full socket send buffer) before the run fails.
const SEND_TIMEOUT: Duration = Duration::from_secs(1);
/// Sequence numbers remembered per socket, a power of two. An echo older than this many sends
/// is ignored (counted stale); the largest `--window` is half of it.
const HISTORY: usize = 1 << 16;
/// Largest `--window`.
const MAX_WINDOW: usize = HISTORY / 2;
/// Bits of the header holding the sequence number; the socket index sits above them.
const SEQ_BITS: u32 = 48;
/// Period of the payload pattern. A prime, so that it does not divide common sizes.
const PATTERN_PERIOD: usize = 251;
/// Mismatches described on stderr per socket; the rest are only counted.
const MISMATCH_REPORTS: u64 = 3;

/// What the command line asked for.
#[derive(Debug, Clone)]
struct Config {
    /// Address of the echo server.
    addr: SocketAddr,
    /// Size in bytes of each datagram, header included.
    size: usize,
    /// Maximum unanswered datagrams per socket.
    window: usize,
    /// How long to keep sending.
    run_for: Duration,
    /// Number of client sockets.
    sockets: usize,
}

const USAGE: &str = "usage: udp_load ADDR [--size BYTES (64)] [--window N (64)] [--secs S (5)] \
[--sockets K (4)]";

impl Config {
    /// Parses `ADDR [--flag value]...` (program name already removed).
    fn parse(args: impl IntoIterator<Item = String>) -> Result<Config, String> {
        let mut size = DEFAULT_SIZE;
        let mut window = DEFAULT_WINDOW;
        let mut secs = DEFAULT_SECS;
        let mut sockets = DEFAULT_SOCKETS;
        let addr = parse_args(args, USAGE, &[], |flag, value| {
            let value = value.unwrap_or_default();
            match flag {
                "--size" => size = parse_num(flag, value)?,
                "--window" => window = parse_num(flag, value)?,
                "--secs" => secs = parse_secs(flag, value)?,
                "--sockets" => sockets = parse_num(flag, value)?,
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        if !(HEADER_LEN..=MAX_SIZE).contains(&size) {
            return Err(format!("--size must be {HEADER_LEN} to {MAX_SIZE} bytes, got {size}"));
        }
        if !(1..=MAX_WINDOW).contains(&window) {
            return Err(format!("--window must be 1 to {MAX_WINDOW}, got {window}"));
        }
        if !(1..=MAX_SOCKETS).contains(&sockets) {
            return Err(format!("--sockets must be 1 to {MAX_SOCKETS}, got {sockets}"));
        }
        Ok(Config { addr, size, window, run_for: Duration::from_secs_f64(secs), sockets })
    }
}

/// The datagrams one socket sends: an 8-byte header, then `size - 8` bytes of a periodic
/// pattern whose phase depends on the socket and the sequence number.
#[derive(Debug)]
struct Datagrams {
    /// Index of the socket, the top 16 bits of every header.
    socket: u64,
    /// Datagram size, header included.
    size: usize,
    /// `size + PATTERN_PERIOD` bytes of the pattern from phase 0, so that any phase can be
    /// borrowed as one slice.
    pattern: Vec<u8>,
}

impl Datagrams {
    /// The datagrams of socket `socket`, each `size` bytes.
    fn new(socket: usize, size: usize) -> Datagrams {
        let pattern = (0..size + PATTERN_PERIOD).map(|i| (i % PATTERN_PERIOD) as u8).collect();
        Datagrams { socket: socket as u64, size, pattern }
    }

    /// The header of datagram `seq`.
    fn header(&self, seq: u64) -> [u8; HEADER_LEN] {
        ((self.socket << SEQ_BITS) | seq).to_le_bytes()
    }

    /// The payload after the header of datagram `seq`.
    fn payload(&self, seq: u64) -> &[u8] {
        let phase = (seq.wrapping_mul(31).wrapping_add(self.socket * 37) % PATTERN_PERIOD as u64) as usize;
        &self.pattern[phase..phase + self.size - HEADER_LEN]
    }

    /// Writes datagram `seq` into `buf` (at least `size` bytes) and returns it.
    fn fill<'b>(&self, seq: u64, buf: &'b mut [u8]) -> &'b [u8] {
        buf[..HEADER_LEN].copy_from_slice(&self.header(seq));
        buf[HEADER_LEN..self.size].copy_from_slice(self.payload(seq));
        &buf[..self.size]
    }

    /// Checks an echo: `Ok(seq)` when it is exactly datagram `seq` of this socket, otherwise
    /// what is wrong with it.
    fn check(&self, echo: &[u8]) -> Result<u64, String> {
        if echo.len() < HEADER_LEN {
            return Err(format!("{}-byte echo, shorter than the {HEADER_LEN}-byte header", echo.len()));
        }
        let mut header = [0u8; HEADER_LEN];
        header.copy_from_slice(&echo[..HEADER_LEN]);
        let header = u64::from_le_bytes(header);
        let (socket, seq) = (header >> SEQ_BITS, header & ((1 << SEQ_BITS) - 1));
        if socket != self.socket {
            return Err(format!("echo of seq {seq} carries socket index {socket}"));
        }
        if echo.len() != self.size {
            return Err(format!("echo of seq {seq} is {} bytes, sent {}", echo.len(), self.size));
        }
        let want = self.payload(seq);
        if let Some(at) = echo[HEADER_LEN..].iter().zip(want).position(|(g, w)| g != w) {
            return Err(format!(
                "echo of seq {seq} differs at byte {}: expected {:#04x}, got {:#04x}",
                HEADER_LEN + at,
                want[at],
                echo[HEADER_LEN + at]
            ));
        }
        Ok(seq)
    }
}

/// Where one sent datagram stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    /// Sent, not answered yet, younger than [`LOSS_TIMEOUT`].
    InFlight,
    /// Echoed back and verified.
    Echoed,
    /// Unanswered for [`LOSS_TIMEOUT`] (until a late echo turns it into `Echoed`).
    Lost,
    /// Answered by an echo that did not match.
    Mismatched,
}

/// Bookkeeping of one socket: the fate of its last [`HISTORY`] sequence numbers.
#[derive(Debug)]
struct Ledger {
    /// Fate and send time of seq `s`, at index `s % HISTORY` (valid for `s` in
    /// `next - HISTORY..next`).
    slots: Vec<(Fate, Instant)>,
    /// The next sequence number to send.
    next: u64,
    /// No datagram below this seq is in flight.
    oldest: u64,
    /// Datagrams in flight.
    in_flight: usize,
    /// Counters, see [`SocketReport`].
    report: SocketReport,
}

/// What one socket saw.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct SocketReport {
    /// Datagrams sent.
    sent: u64,
    /// Datagrams echoed and verified (including late ones).
    echoed: u64,
    /// Datagrams never echoed.
    lost: u64,
    /// Echoes that did not match what was sent.
    mismatched: u64,
    /// Echoes that arrived after being counted lost (and were moved back to `echoed`).
    late: u64,
    /// Second echoes of a datagram already answered, and echoes too old to look up.
    duplicates: u64,
    /// `ECONNREFUSED` reports (ICMP port unreachable: nothing listening on the port).
    refused: u64,
}

/// How an echo changed the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Resolved {
    /// A datagram in flight (or counted lost) was answered.
    Answered,
    /// Nothing was waiting for this echo.
    Duplicate,
}

impl Ledger {
    /// An empty ledger; `now` fills the unused slots.
    fn new(now: Instant) -> Ledger {
        Ledger {
            slots: vec![(Fate::Echoed, now); HISTORY],
            next: 0,
            oldest: 0,
            in_flight: 0,
            report: SocketReport::default(),
        }
    }

    /// The slot of `seq`.
    fn slot(&mut self, seq: u64) -> &mut (Fate, Instant) {
        &mut self.slots[(seq % HISTORY as u64) as usize]
    }

    /// Records that the next datagram was sent at `now` and returns its seq. The caller keeps
    /// `in_flight` below `MAX_WINDOW`, so the slot reused is never in flight for long: if it
    /// still is, that datagram is counted lost first.
    fn record_send(&mut self, now: Instant) -> u64 {
        while self.next - self.oldest >= HISTORY as u64 {
            self.expire_oldest();
        }
        let seq = self.next;
        *self.slot(seq) = (Fate::InFlight, now);
        self.next += 1;
        self.in_flight += 1;
        self.report.sent += 1;
        seq
    }

    /// Moves `oldest` one step, counting the datagram there lost if it is still in flight.
    fn expire_oldest(&mut self) {
        let seq = self.oldest;
        let slot = self.slot(seq);
        if slot.0 == Fate::InFlight {
            slot.0 = Fate::Lost;
            self.in_flight -= 1;
            self.report.lost += 1;
        }
        self.oldest += 1;
    }

    /// Counts lost every datagram in flight since `LOSS_TIMEOUT` before `now`. Datagrams are
    /// sent in seq order, so they expire in seq order too.
    fn expire(&mut self, now: Instant) {
        while self.oldest < self.next {
            let (fate, sent_at) = *self.slot(self.oldest);
            if fate == Fate::InFlight && now.saturating_duration_since(sent_at) < LOSS_TIMEOUT {
                break;
            }
            self.expire_oldest();
        }
    }

    /// Records a verified echo of `seq`. `Err` when `seq` was never sent.
    fn record_echo(&mut self, seq: u64) -> Result<Resolved, String> {
        self.resolve(seq, Fate::Echoed)
    }

    /// Records a mismatched echo whose header names `seq` (it answers `seq`, badly).
    fn record_mismatch(&mut self, seq: Option<u64>) {
        self.report.mismatched += 1;
        if let Some(seq) = seq {
            // A header naming an unsent or long-gone seq changes nothing else.
            let _ = self.resolve(seq, Fate::Mismatched);
        }
    }

    /// Gives `seq` its final fate `to`, fixing the counters.
    fn resolve(&mut self, seq: u64, to: Fate) -> Result<Resolved, String> {
        if seq >= self.next {
            return Err(format!("echo of seq {seq}, which was never sent (next is {})", self.next));
        }
        if self.next - seq > HISTORY as u64 {
            self.report.duplicates += 1;
            return Ok(Resolved::Duplicate);
        }
        let slot = self.slot(seq);
        let from = slot.0;
        match from {
            Fate::Echoed | Fate::Mismatched => {
                self.report.duplicates += 1;
                return Ok(Resolved::Duplicate);
            }
            Fate::InFlight | Fate::Lost => slot.0 = to,
        }
        if from == Fate::InFlight {
            self.in_flight -= 1;
        } else {
            self.report.lost -= 1;
            self.report.late += 1;
        }
        if to == Fate::Echoed {
            self.report.echoed += 1;
        }
        Ok(Resolved::Answered)
    }
}

/// What every socket thread shares.
#[derive(Debug, Default)]
struct Shared {
    /// Some socket has had an echo.
    any_echo: AtomicBool,
    /// Some socket failed; the others stop.
    failed: AtomicBool,
}

/// What one socket thread returns.
#[derive(Debug)]
struct SocketRun {
    /// Its counters.
    report: SocketReport,
    /// When its last verified echo arrived (`None`: never).
    last_echo: Option<Instant>,
}

/// Opens a client socket, bound to an ephemeral port and connected to the server.
fn open_socket(cfg: &Config) -> io::Result<UdpSocket> {
    let local: SocketAddr = match cfg.addr {
        SocketAddr::V4(_) => (Ipv4Addr::UNSPECIFIED, 0).into(),
        SocketAddr::V6(_) => (Ipv6Addr::UNSPECIFIED, 0).into(),
    };
    let socket = UdpSocket::bind(local)?;
    socket.connect(cfg.addr)?;
    socket.set_read_timeout(Some(LOSS_TIMEOUT))?;
    socket.set_write_timeout(Some(SEND_TIMEOUT))?;
    Ok(socket)
}

/// Opens every socket, runs the load and returns the summary line and whether every echo
/// matched.
fn run(cfg: &Config) -> Result<(String, bool), LoadError> {
    let mut sockets = Vec::with_capacity(cfg.sockets);
    for i in 0..cfg.sockets {
        sockets.push(open_socket(cfg).map_err(|e| fail!("socket {i}: open for {}: {e}", cfg.addr))?);
    }
    let shared = Arc::new(Shared::default());
    // Every socket thread and the main thread start the clock together.
    let start_line = Arc::new(Barrier::new(cfg.sockets + 1));
    let mut threads = Vec::with_capacity(cfg.sockets);
    for (i, socket) in sockets.into_iter().enumerate() {
        let (cfg, shared, start_line) = (cfg.clone(), Arc::clone(&shared), Arc::clone(&start_line));
        let thread = thread::Builder::new()
            .name(format!("socket-{i}"))
            .spawn(move || {
                start_line.wait();
                let result = socket_side(&cfg, i, &socket, &shared);
                if result.is_err() {
                    shared.failed.store(true, Ordering::Relaxed);
                }
                result
            })
            .map_err(|e| fail!("socket {i}: spawn thread: {e}"))?;
        threads.push(thread);
    }
    start_line.wait();
    let start = Instant::now();

    let mut total = SocketReport::default();
    let mut last = None;
    let mut errors = Vec::new();
    for (i, thread) in threads.into_iter().enumerate() {
        match thread.join().unwrap_or_else(|_| Err(fail!("thread panicked"))) {
            Ok(run) => {
                let r = &run.report;
                total.sent += r.sent;
                total.echoed += r.echoed;
                total.lost += r.lost;
                total.mismatched += r.mismatched;
                total.late += r.late;
                total.duplicates += r.duplicates;
                total.refused += r.refused;
                last = last.max(run.last_echo);
            }
            Err(e) => errors.push(format!("socket {i}: {e}")),
        }
    }
    if !errors.is_empty() {
        for e in &errors {
            eprintln!("udp_load: {e}");
        }
        return Err(fail!("{} of {} sockets failed", errors.len(), cfg.sockets));
    }
    let Some(last) = last else {
        let refused = if total.refused > 0 { " (connection refused: nothing listening?)" } else { "" };
        return Err(fail!("no datagram was echoed ({} sent){refused}", total.sent));
    };
    if total.late + total.duplicates + total.refused > 0 {
        eprintln!(
            "udp_load: note: {} late echoes (counted echoed), {} duplicate or stale echoes \
             (ignored), {} connection-refused reports",
            total.late, total.duplicates, total.refused
        );
    }
    let secs = last.saturating_duration_since(start).as_secs_f64();
    let rate = if secs > 0.0 { total.echoed as f64 / secs } else { 0.0 };
    let summary = format!("datagrams={} lost={} secs={secs:.3} rate={rate:.0}", total.echoed, total.lost);
    if total.mismatched > 0 {
        eprintln!(
            "udp_load: error: {} echoes did not match what was sent (the first {MISMATCH_REPORTS} \
             per socket are shown above)",
            total.mismatched
        );
    }
    Ok((summary, total.mismatched == 0))
}

/// Drives one socket: keeps `cfg.window` datagrams unanswered until `cfg.run_for` has passed,
/// then waits for (or gives up on) the ones still in flight.
fn socket_side(
    cfg: &Config,
    index: usize,
    socket: &UdpSocket,
    shared: &Shared,
) -> Result<SocketRun, LoadError> {
    let start = Instant::now();
    let deadline = start + cfg.run_for;
    let datagrams = Datagrams::new(index, cfg.size);
    let mut ledger = Ledger::new(start);
    let mut out = vec![0u8; cfg.size];
    // One byte more than a datagram, so that an over-long echo shows up as such.
    let mut buf = vec![0u8; cfg.size + 1];
    let mut last_echo = None;
    let mut sending = true;
    loop {
        if shared.failed.load(Ordering::Relaxed) {
            break; // another socket has the real error
        }
        let mut now = Instant::now();
        if sending && now >= deadline {
            sending = false;
        }
        while sending && ledger.in_flight < cfg.window {
            let seq = ledger.next;
            match socket.send(datagrams.fill(seq, &mut out)) {
                Ok(_) => {
                    ledger.record_send(now);
                }
                // A pending ICMP port unreachable from an earlier datagram; this one was not
                // sent. Receive (or time out) before trying again.
                Err(e) if e.kind() == ErrorKind::ConnectionRefused => {
                    ledger.report.refused += 1;
                    break;
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(fail!("send of seq {seq}: {}", describe(&e))),
            }
            now = Instant::now();
        }
        if !sending && ledger.in_flight == 0 {
            break;
        }
        match socket.recv(&mut buf) {
            Ok(n) => {
                now = Instant::now();
                match datagrams.check(&buf[..n]) {
                    Ok(seq) => {
                        if ledger.record_echo(seq).map_err(LoadError)? == Resolved::Answered {
                            last_echo = Some(now);
                            shared.any_echo.store(true, Ordering::Relaxed);
                        }
                    }
                    Err(what) => {
                        let named = (n >= HEADER_LEN).then(|| {
                            let mut header = [0u8; HEADER_LEN];
                            header.copy_from_slice(&buf[..HEADER_LEN]);
                            u64::from_le_bytes(header)
                        });
                        // Resolve the seq the header names only if it names this socket.
                        let seq = named
                            .filter(|h| h >> SEQ_BITS == index as u64)
                            .map(|h| h & ((1 << SEQ_BITS) - 1));
                        if ledger.report.mismatched < MISMATCH_REPORTS {
                            eprintln!("udp_load: socket {index}: {what}");
                        }
                        ledger.record_mismatch(seq);
                    }
                }
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) if e.kind() == ErrorKind::ConnectionRefused => ledger.report.refused += 1,
            Err(e) if is_timeout(&e) => now = Instant::now(),
            Err(e) => return Err(fail!("recv after {} echoes: {}", ledger.report.echoed, describe(&e))),
        }
        ledger.expire(now);
        if last_echo.is_none()
            && now.saturating_duration_since(start) >= NO_ECHO_LIMIT
            && !shared.any_echo.load(Ordering::Relaxed)
        {
            let refused = if ledger.report.refused > 0 { ", connection refused" } else { "" };
            return Err(fail!(
                "nothing echoed within {:.0}s ({} datagrams sent to {}{refused})",
                NO_ECHO_LIMIT.as_secs_f64(),
                ledger.report.sent,
                cfg.addr
            ));
        }
    }
    // Whatever is still in flight (only after another socket failed) is lost.
    while ledger.oldest < ledger.next {
        ledger.expire_oldest();
    }
    Ok(SocketRun { report: ledger.report, last_echo })
}

fn main() -> ExitCode {
    common::main_with("udp_load", USAGE, Config::parse, run)
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
        assert_eq!((cfg.size, cfg.window, cfg.sockets), (64, 64, 4));
        assert_eq!(cfg.run_for, Duration::from_secs(5));
    }

    #[test]
    fn rejects_bad_arguments() {
        for bad in [
            "",
            "127.0.0.1:1 --size 7",
            "127.0.0.1:1 --size 65508",
            "127.0.0.1:1 --window 0",
            "127.0.0.1:1 --window 32769",
            "127.0.0.1:1 --sockets 0",
            "127.0.0.1:1 --secs -1",
            "127.0.0.1:1 --secs",
            "127.0.0.1:1 --bogus 1",
            "127.0.0.1:1 127.0.0.1:2",
        ] {
            assert!(Config::parse(args(bad)).is_err(), "{bad:?} accepted");
        }
        let edge = Config::parse(args("127.0.0.1:1 --size 8 --window 32768 --secs 0.5")).expect("valid");
        assert_eq!((edge.size, edge.window), (8, 32768));
        assert_eq!(edge.run_for, Duration::from_millis(500));
    }

    #[test]
    fn datagrams_round_trip_and_differ_by_seq_and_socket() {
        for size in [HEADER_LEN, 9, 64, 1500] {
            let d = Datagrams::new(3, size);
            let mut buf = vec![0u8; size];
            for seq in [0u64, 1, 250, 251, (1 << SEQ_BITS) - 1] {
                assert_eq!(d.check(d.fill(seq, &mut buf)), Ok(seq), "size {size} seq {seq}");
            }
        }
        let (a, b) = (Datagrams::new(0, 64), Datagrams::new(1, 64));
        let (mut x, mut y) = ([0u8; 64], [0u8; 64]);
        assert_ne!(a.fill(5, &mut x), a.fill(6, &mut y));
        assert!(b.check(a.fill(5, &mut x)).is_err(), "another socket's echo accepted");
    }

    #[test]
    fn check_rejects_corrupt_short_and_long_echoes() {
        let d = Datagrams::new(0, 64);
        let mut buf = [0u8; 65];
        d.fill(9, &mut buf);
        let mut corrupt = buf;
        corrupt[40] ^= 1;
        assert!(d.check(&corrupt[..64]).expect_err("corrupt").contains("byte 40"));
        assert!(d.check(&buf[..63]).is_err());
        assert!(d.check(&buf[..65]).is_err());
        assert!(d.check(&buf[..3]).is_err());
    }

    #[test]
    fn ledger_counts_echoes_losses_late_echoes_and_duplicates() {
        let t0 = Instant::now();
        let mut l = Ledger::new(t0);
        for _ in 0..4 {
            l.record_send(t0);
        }
        assert_eq!(l.record_echo(1), Ok(Resolved::Answered));
        assert_eq!(l.record_echo(1), Ok(Resolved::Duplicate));
        assert!(l.record_echo(4).is_err(), "unsent seq accepted");
        l.expire(t0 + LOSS_TIMEOUT / 2);
        assert_eq!((l.in_flight, l.report.lost), (3, 0));
        l.expire(t0 + LOSS_TIMEOUT);
        assert_eq!((l.in_flight, l.report.lost), (0, 3));
        assert_eq!(l.record_echo(2), Ok(Resolved::Answered)); // late
        l.record_mismatch(Some(3));
        let r = &l.report;
        assert_eq!((r.sent, r.echoed, r.lost, r.late, r.duplicates, r.mismatched), (4, 2, 1, 2, 1, 1));
        assert_eq!(r.sent, r.echoed + r.lost + r.mismatched);
    }

    #[test]
    fn ledger_expires_in_order_and_keeps_young_datagrams() {
        let t0 = Instant::now();
        let mut l = Ledger::new(t0);
        l.record_send(t0);
        l.record_send(t0 + LOSS_TIMEOUT);
        l.expire(t0 + LOSS_TIMEOUT);
        assert_eq!((l.in_flight, l.report.lost, l.oldest), (1, 1, 1));
    }

    #[test]
    fn ledger_reuses_history_slots_without_losing_count() {
        let t0 = Instant::now();
        let mut l = Ledger::new(t0);
        l.record_send(t0); // seq 0 stays in flight
        for seq in 1..=HISTORY as u64 {
            l.record_send(t0);
            assert_eq!(l.record_echo(seq), Ok(Resolved::Answered));
        }
        // Sending seq HISTORY reused seq 0's slot and counted it lost.
        let r = &l.report;
        assert_eq!((r.sent, r.echoed, r.lost, l.in_flight), (HISTORY as u64 + 1, HISTORY as u64, 1, 0));
        assert_eq!(l.record_echo(0), Ok(Resolved::Duplicate)); // too old to look up
    }
}
