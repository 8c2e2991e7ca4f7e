//! `ws_load`: a WebSocket echo load client with pre-masked frames, parsing only the server's
//! frame headers.
//!
//! ```text
//! ws_load ADDR [--conns N] [--size BYTES] [--window W] [--secs S] [--text] [--timeout S]
//!
//!   block of W pre-masked frames ──write up to W un-echoed──▶ server ──echo──▶ header parser
//!        ▲   (built once: masking costs nothing per message)                       │
//!        └────────────── each echoed frame frees a slot in the window ◀────────────┘
//! ```
//!
//! Each connection does a minimal client handshake (RFC 6455 §4.1, no extension offered, so
//! the server answers without compression) and then keeps `window` messages of `size` bytes in
//! flight: every echoed message is replaced at once, so a window above 1 pipelines messages and
//! the server finds many frames in one read. The frames are built once at start, already masked
//! (RFC 6455 §5.3), `window` distinct ones (distinct payloads and masking keys) laid out twice in
//! one buffer so that any run of up to `window` frames of the endless send stream is one
//! contiguous slice: sending costs the client a `write` and nothing per message.
//!
//! The echo is parsed frame header by frame header (RFC 6455 §5.2; the server's frames are
//! unmasked): each must be one final, unfragmented text or binary frame of the opcode sent, with
//! no RSV bit (no compression) and a length of exactly `size`. Of the payload, the first
//! [`HEAD_CHECK`] bytes, every [`SAMPLE_STRIDE`]-th byte and the last byte are compared with what
//! was sent, so a shifted, reordered or corrupted echo is caught at a cost independent of `size`.
//!
//! One thread drives every connection on a mio event loop (the client runs on one core, so more
//! threads would only add switches). After `secs` seconds no new message is sent, the messages
//! in flight are awaited, each connection sends a close frame and the run ends with exactly one
//! machine-readable line on stdout:
//!
//! ```text
//! messages=<echoed messages> bytes=<payload bytes echoed> secs=<elapsed> client_cpu=<s>
//! ```
//!
//! `secs` runs from the start of the load to the last echo; `client_cpu` is this process's CPU
//! time over that span (from `/proc/thread-self/schedstat`, `n/a` where there is none), so that a
//! client at 100 % of its core can be told from a saturated server. Any malformed or mismatching
//! echo, close, reset or stall (no echo for `--timeout` seconds) is reported on stderr and the
//! process exits with status 1; bad arguments exit with status 2. `benches/compare-ws.sh` drives
//! it against our `ws_echo` example and its peers.

use std::fmt;
use std::io::{self, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use mio::net::TcpStream as MioStream;
use mio::{Events, Interest, Poll, Token};

#[macro_use]
#[path = "load_common.rs"]
mod common;
use common::{describe, parse_args, parse_num, parse_secs, LoadError};

/// Default number of concurrent connections (`--conns`).
const DEFAULT_CONNS: usize = 64;
/// Default payload size in bytes of each message (`--size`).
const DEFAULT_SIZE: usize = 32;
/// Default number of messages in flight per connection (`--window`).
const DEFAULT_WINDOW: usize = 64;
/// Default run length in seconds (`--secs`).
const DEFAULT_SECS: f64 = 5.0;
/// Default stall timeout in seconds (`--timeout`): the longest the client waits for the server
/// to accept, answer the handshake or echo anything before it gives up.
const DEFAULT_TIMEOUT_SECS: f64 = 10.0;
/// The largest payload `--size` accepts: the whole send block (`2 * window` frames) must fit in
/// memory comfortably.
const MAX_SIZE: usize = 64 << 20;
/// The largest `--window`.
const MAX_WINDOW: usize = 4096;
/// Payload bytes at the start of every echoed message compared with what was sent (all of a
/// small message).
const HEAD_CHECK: usize = 64;
/// Beyond [`HEAD_CHECK`], every payload byte at an offset that is a multiple of this is
/// compared, plus the last.
const SAMPLE_STRIDE: usize = 4096;
/// Size of the buffer every read goes into (one, shared by the connections).
const READ_BUF: usize = 256 * 1024;
/// Longest the event loop sleeps, so the deadline and the stall timeout are noticed.
const POLL_TICK: Duration = Duration::from_millis(50);
/// Largest server handshake response accepted.
const MAX_RESPONSE_HEAD: usize = 8 * 1024;
/// The `Sec-WebSocket-Key` every connection sends: the sample nonce of RFC 6455 §1.3, whose
/// accept value is known, so the client needs no SHA-1. The key is a nonce against caches, not
/// a secret: a fixed one is legal for a load client.
const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";
/// The `Sec-WebSocket-Accept` the server must answer [`KEY`] with (RFC 6455 §1.3).
const ACCEPT: &str = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";
/// Opcodes (RFC 6455 §5.2).
const OP_TEXT: u8 = 0x1;
const OP_BINARY: u8 = 0x2;
const OP_CLOSE: u8 = 0x8;

/// What the command line asked for.
#[derive(Debug, Clone)]
struct Config {
    /// Address of the echo server.
    addr: SocketAddr,
    /// Number of concurrent connections.
    conns: usize,
    /// Payload bytes of each message.
    size: usize,
    /// Messages in flight per connection.
    window: usize,
    /// How long to keep sending.
    run_for: Duration,
    /// Text frames instead of binary.
    text: bool,
    /// Longest wait for any progress before the run fails.
    timeout: Duration,
}

const USAGE: &str = "usage: ws_load ADDR [--conns N (64)] [--size BYTES (32)] [--window W (64)] \
[--secs S (5)] [--text] [--timeout S (10)]";

impl Config {
    /// Parses `ADDR [--flag value]...` (program name already removed).
    fn parse(args: impl IntoIterator<Item = String>) -> Result<Config, String> {
        let mut conns = DEFAULT_CONNS;
        let mut size = DEFAULT_SIZE;
        let mut window = DEFAULT_WINDOW;
        let mut secs = DEFAULT_SECS;
        let mut text = false;
        let mut timeout = DEFAULT_TIMEOUT_SECS;
        let addr = parse_args(args, USAGE, &["--text"], |flag, value| {
            let value = value.unwrap_or_default();
            match flag {
                "--text" => text = true,
                "--conns" => conns = parse_num(flag, value)?,
                "--size" => size = parse_num(flag, value)?,
                "--window" => window = parse_num(flag, value)?,
                "--secs" => secs = parse_secs(flag, value)?,
                "--timeout" => timeout = parse_secs(flag, value)?,
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        if conns == 0 || size == 0 || window == 0 {
            return Err("--conns, --size and --window must be at least 1".to_owned());
        }
        if size > MAX_SIZE {
            return Err(format!("--size must be at most {MAX_SIZE}"));
        }
        if window > MAX_WINDOW {
            return Err(format!("--window must be at most {MAX_WINDOW}"));
        }
        if timeout == 0.0 {
            return Err("--timeout must be above 0".to_owned());
        }
        Ok(Config {
            addr,
            conns,
            size,
            window,
            run_for: Duration::from_secs_f64(secs),
            text,
            timeout: Duration::from_secs_f64(timeout),
        })
    }
}

/// Byte `i` of the payload of message `j` of the block: printable ASCII for text (valid UTF-8),
/// any byte but a few for binary. The period 251 (95 for text) is prime, so that neighbouring
/// messages differ at every offset and a shifted echo shows.
fn payload_byte(text: bool, j: usize, i: usize) -> u8 {
    let v = j.wrapping_mul(31).wrapping_add(i);
    if text {
        b' ' + (v % 95) as u8
    } else {
        (v % 251) as u8
    }
}

/// The messages every connection sends, built once: `frames` distinct messages, plain (for
/// checking echoes) and as masked client frames laid out twice in a row.
#[derive(Debug)]
struct Block {
    /// Payload bytes per message.
    size: usize,
    /// Distinct messages in the block (the window).
    frames: usize,
    /// Bytes of one masked frame, header included.
    frame_len: usize,
    /// The plain payloads, message `j` at `j * size`.
    plain: Vec<u8>,
    /// The masked frames, `2 * frames` of them: any run of up to `frames` frames from any frame
    /// boundary (and any tail of one) is a contiguous slice.
    wire: Vec<u8>,
    /// Opcode sent (and expected back).
    opcode: u8,
}

impl Block {
    /// Builds `frames` messages of `size` bytes.
    fn new(size: usize, frames: usize, text: bool) -> Block {
        let opcode = if text { OP_TEXT } else { OP_BINARY };
        let mut plain = Vec::with_capacity(size * frames);
        for j in 0..frames {
            plain.extend((0..size).map(|i| payload_byte(text, j, i)));
        }
        let mut one_pass = Vec::new();
        // Masking keys from a fixed xorshift: distinct per frame, never all zero.
        let mut state = 0x9E37_79B9_7F4A_7C15_u64;
        for j in 0..frames {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let key = (state as u32 | 1).to_be_bytes();
            encode_client_frame(&mut one_pass, opcode, &plain[j * size..(j + 1) * size], key);
        }
        let frame_len = one_pass.len() / frames;
        let mut wire = Vec::with_capacity(2 * one_pass.len());
        wire.extend_from_slice(&one_pass);
        wire.extend_from_slice(&one_pass);
        Block { size, frames, frame_len, plain, wire, opcode }
    }

    /// The bytes from stream offset `pos` up to `end` (`end - pos` at most `frames` frames): the
    /// send stream is the block's frames repeated forever.
    fn stream(&self, pos: u64, end: u64) -> &[u8] {
        let period = (self.frames * self.frame_len) as u64;
        let start = (pos % period) as usize;
        &self.wire[start..start + (end - pos) as usize]
    }

    /// The plain payload of the `k`-th message of a connection.
    fn payload(&self, k: u64) -> &[u8] {
        let j = (k % self.frames as u64) as usize;
        &self.plain[j * self.size..(j + 1) * self.size]
    }
}

/// Appends one final client frame (RFC 6455 §5.2) with `payload` masked by `key` (§5.3).
fn encode_client_frame(out: &mut Vec<u8>, opcode: u8, payload: &[u8], key: [u8; 4]) {
    out.push(0x80 | opcode);
    let len = payload.len();
    if len < 126 {
        out.push(0x80 | len as u8);
    } else if let Ok(len16) = u16::try_from(len) {
        out.push(0x80 | 126);
        out.extend_from_slice(&len16.to_be_bytes());
    } else {
        out.push(0x80 | 127);
        out.extend_from_slice(&(len as u64).to_be_bytes());
    }
    out.extend_from_slice(&key);
    out.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
}

/// What was wrong with the echo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EchoError {
    /// An RSV bit was set: the server compressed or extended a frame nobody negotiated.
    Reserved { message: u64, byte0: u8 },
    /// A frame without FIN, or a continuation frame: the echo was fragmented.
    Fragmented { message: u64, byte0: u8 },
    /// The server masked its frame (RFC 6455 §5.1 forbids it).
    Masked { message: u64 },
    /// The server sent a close frame.
    Closed { message: u64 },
    /// A frame of another opcode than the one sent (a ping, or text for binary).
    Opcode { message: u64, got: u8, want: u8 },
    /// A message of another length than the one sent.
    Length { message: u64, got: u64, want: u64 },
    /// A checked payload byte differs from what was sent.
    Payload { message: u64, offset: usize, got: u8, want: u8 },
}

impl fmt::Display for EchoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            EchoError::Reserved { message, byte0 } => {
                write!(f, "echo {message}: reserved bits set (first byte {byte0:#04x}), no extension was negotiated")
            }
            EchoError::Fragmented { message, byte0 } => {
                write!(f, "echo {message}: fragmented (first byte {byte0:#04x})")
            }
            EchoError::Masked { message } => write!(f, "echo {message}: the server masked its frame"),
            EchoError::Closed { message } => {
                write!(f, "the server sent a close frame after {message} echoes")
            }
            EchoError::Opcode { message, got, want } => {
                write!(f, "echo {message}: opcode {got:#x}, expected {want:#x}")
            }
            EchoError::Length { message, got, want } => {
                write!(f, "echo {message}: {got} payload bytes, expected {want}")
            }
            EchoError::Payload { message, offset, got, want } => {
                write!(f, "echo {message}: payload byte {offset} is {got:#04x}, expected {want:#04x}")
            }
        }
    }
}

/// Where the parser is in the echo stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ReadState {
    /// Collecting a frame header; `have` of its bytes are in `EchoReader::header`.
    Header { have: usize },
    /// Inside a payload, `offset` bytes of it already seen.
    Payload { offset: usize },
}

/// A push parser over the server's side of one connection: headers parsed, payloads sampled.
/// Input may be split anywhere.
#[derive(Debug)]
struct EchoReader {
    /// The state between two `feed`s.
    state: ReadState,
    /// A header split across reads (a server frame header is at most 10 bytes).
    header: [u8; 10],
    /// Messages echoed in full.
    echoed: u64,
}

/// Length of a server frame header from its first two bytes (RFC 6455 §5.2; no masking key).
fn header_len(byte1: u8) -> usize {
    match byte1 & 0x7F {
        126 => 4,
        127 => 10,
        _ => 2,
    }
}

impl EchoReader {
    fn new() -> EchoReader {
        EchoReader { state: ReadState::Header { have: 0 }, header: [0; 10], echoed: 0 }
    }

    /// Whether the parser is between frames.
    fn at_boundary(&self) -> bool {
        self.state == ReadState::Header { have: 0 }
    }

    /// Parses `input`, checking each echo against `block`; returns how many messages it
    /// completed.
    fn feed(&mut self, mut input: &[u8], block: &Block) -> Result<u64, EchoError> {
        let before = self.echoed;
        while !input.is_empty() {
            match self.state {
                ReadState::Header { have } => {
                    // The common case, a whole header in the input, is parsed in place.
                    let need = if have >= 2 {
                        header_len(self.header[1])
                    } else if have == 0 && input.len() >= 2 {
                        header_len(input[1])
                    } else {
                        usize::MAX
                    };
                    if have == 0 && input.len() >= need {
                        self.check_header(&input[..need], block)?;
                        input = &input[need..];
                    } else {
                        let want = if need == usize::MAX { 2 } else { need };
                        let take = (want - have).min(input.len());
                        self.header[have..have + take].copy_from_slice(&input[..take]);
                        input = &input[take..];
                        let have = have + take;
                        self.state = ReadState::Header { have };
                        if have == want && have >= 2 && header_len(self.header[1]) == have {
                            let header = self.header;
                            self.check_header(&header[..have], block)?;
                        }
                    }
                }
                ReadState::Payload { offset } => {
                    let take = (block.size - offset).min(input.len());
                    check_payload(block.payload(self.echoed), offset, &input[..take]).map_err(
                        |(at, got, want)| EchoError::Payload { message: self.echoed, offset: at, got, want },
                    )?;
                    input = &input[take..];
                    self.advance(offset + take, block.size);
                }
            }
        }
        Ok(self.echoed - before)
    }

    /// Checks a complete header and moves into its payload.
    fn check_header(&mut self, h: &[u8], block: &Block) -> Result<(), EchoError> {
        let message = self.echoed;
        let (byte0, byte1) = (h[0], h[1]);
        let opcode = byte0 & 0x0F;
        if opcode == OP_CLOSE {
            return Err(EchoError::Closed { message });
        }
        if byte0 & 0x70 != 0 {
            return Err(EchoError::Reserved { message, byte0 });
        }
        if byte0 & 0x80 == 0 || opcode == 0 {
            return Err(EchoError::Fragmented { message, byte0 });
        }
        if opcode != block.opcode {
            return Err(EchoError::Opcode { message, got: opcode, want: block.opcode });
        }
        if byte1 & 0x80 != 0 {
            return Err(EchoError::Masked { message });
        }
        let len = match h.len() {
            4 => u64::from(u16::from_be_bytes([h[2], h[3]])),
            10 => u64::from_be_bytes([h[2], h[3], h[4], h[5], h[6], h[7], h[8], h[9]]),
            _ => u64::from(byte1 & 0x7F),
        };
        if len != block.size as u64 {
            return Err(EchoError::Length { message, got: len, want: block.size as u64 });
        }
        self.advance(0, block.size);
        Ok(())
    }

    /// Records `offset` payload bytes seen of a `size`-byte message.
    fn advance(&mut self, offset: usize, size: usize) {
        if offset == size {
            self.echoed += 1;
            self.state = ReadState::Header { have: 0 };
        } else {
            self.state = ReadState::Payload { offset };
        }
    }
}

/// Compares the sampled bytes of `got`, payload bytes `offset..` of a message whose plain
/// payload is `sent`: those below [`HEAD_CHECK`], at multiples of [`SAMPLE_STRIDE`], and the
/// last. On a mismatch returns (payload offset, byte got, byte expected).
fn check_payload(sent: &[u8], offset: usize, got: &[u8]) -> Result<(), (usize, u8, u8)> {
    let want = &sent[offset..offset + got.len()];
    let mismatch = |i: usize| Err((offset + i, got[i], want[i]));
    let head = HEAD_CHECK.saturating_sub(offset).min(got.len());
    if got[..head] != want[..head] {
        let i = (0..head).find(|&i| got[i] != want[i]).unwrap_or(0);
        return mismatch(i);
    }
    let mut i = offset.next_multiple_of(SAMPLE_STRIDE) - offset;
    while i < got.len() {
        if got[i] != want[i] {
            return mismatch(i);
        }
        i += SAMPLE_STRIDE;
    }
    if offset + got.len() == sent.len() && !got.is_empty() {
        let i = got.len() - 1;
        if got[i] != want[i] {
            return mismatch(i);
        }
    }
    Ok(())
}

/// One connection under load.
#[derive(Debug)]
struct Conn {
    stream: MioStream,
    /// The echo parser.
    reader: EchoReader,
    /// Messages committed to the send stream (written or still to write).
    queued: u64,
    /// Bytes of the send stream written so far.
    written: u64,
}

impl Conn {
    /// Queues messages up to `window` un-echoed ones.
    fn top_up(&mut self, window: usize) {
        self.queued = self.reader.echoed + window as u64;
    }

    /// Writes queued bytes until done or the socket would block.
    fn flush(&mut self, block: &Block) -> io::Result<()> {
        let end = self.queued * block.frame_len as u64;
        while self.written < end {
            match self.stream.write(block.stream(self.written, end)) {
                Ok(0) => return Err(ErrorKind::WriteZero.into()),
                Ok(n) => self.written += n as u64,
                Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(()),
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Reads until the socket would block; returns the messages completed.
    fn drain(&mut self, buf: &mut [u8], block: &Block) -> Result<u64, String> {
        let mut done = 0;
        loop {
            match self.stream.read(buf) {
                Ok(0) => {
                    return Err(format!("server closed the connection after {} echoes", self.reader.echoed))
                }
                Ok(n) => done += self.reader.feed(&buf[..n], block).map_err(|e| e.to_string())?,
                Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(done),
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(format!("read after {} echoes: {}", self.reader.echoed, describe(&e))),
            }
        }
    }

    /// Whether every queued message was written and echoed.
    fn idle(&self) -> bool {
        self.reader.echoed == self.queued && self.reader.at_boundary()
    }
}

/// Opens one connection and does the client handshake (RFC 6455 §4.1); returns the stream and
/// any bytes the server sent after its response head.
fn handshake(cfg: &Config) -> Result<(TcpStream, Vec<u8>), String> {
    let mut stream = TcpStream::connect_timeout(&cfg.addr, cfg.timeout)
        .map_err(|e| format!("connect to {}: {e}", cfg.addr))?;
    stream.set_nodelay(true).map_err(|e| format!("set TCP_NODELAY: {e}"))?;
    stream.set_read_timeout(Some(cfg.timeout)).map_err(|e| format!("set timeout: {e}"))?;
    stream.set_write_timeout(Some(cfg.timeout)).map_err(|e| format!("set timeout: {e}"))?;
    let request = format!(
        "GET / HTTP/1.1\r\nHost: {}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: {KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n",
        cfg.addr
    );
    stream.write_all(request.as_bytes()).map_err(|e| format!("send handshake: {}", describe(&e)))?;
    let mut head = Vec::new();
    let mut chunk = [0u8; 1024];
    let end = loop {
        if let Some(i) = head.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        if head.len() > MAX_RESPONSE_HEAD {
            return Err(format!("handshake response head over {MAX_RESPONSE_HEAD} bytes"));
        }
        match stream.read(&mut chunk) {
            Ok(0) => return Err("server closed the connection during the handshake".to_owned()),
            Ok(n) => head.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(format!("read handshake response: {}", describe(&e))),
        }
    };
    let rest = head.split_off(end);
    check_response(&head)?;
    Ok((stream, rest))
}

/// Checks a server handshake response head (RFC 6455 §4.2.2): status 101, the accept value for
/// [`KEY`], and no extension (none was offered).
fn check_response(head: &[u8]) -> Result<(), String> {
    let text = String::from_utf8_lossy(head);
    let mut lines = text.split("\r\n");
    let status = lines.next().unwrap_or("");
    if !status.starts_with("HTTP/1.1 101") {
        return Err(format!("handshake refused: {status:?}"));
    }
    let mut accept = None;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else { continue };
        let (name, value) = (name.trim(), value.trim());
        if name.eq_ignore_ascii_case("sec-websocket-accept") {
            accept = Some(value);
        } else if name.eq_ignore_ascii_case("sec-websocket-extensions") {
            return Err(format!("server chose extensions {value:?} though none was offered"));
        }
    }
    match accept {
        Some(ACCEPT) => Ok(()),
        Some(other) => Err(format!("wrong Sec-WebSocket-Accept {other:?}, expected {ACCEPT:?}")),
        None => Err("no Sec-WebSocket-Accept in the handshake response".to_owned()),
    }
}

/// CPU time of the calling thread so far, from `/proc/thread-self/schedstat` (its first field,
/// nanoseconds on the CPU), or `None` where there is no such file.
fn thread_cpu() -> Option<Duration> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns = s.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}

/// Connects every connection, runs the load and returns the summary line.
fn run(cfg: &Config) -> Result<String, LoadError> {
    let block = Block::new(cfg.size, cfg.window, cfg.text);
    let mut poll = Poll::new().map_err(|e| fail!("create poll: {e}"))?;
    let mut conns = Vec::with_capacity(cfg.conns);
    for i in 0..cfg.conns {
        let (stream, rest) = handshake(cfg).map_err(|e| fail!("connection {i}: {e}"))?;
        stream.set_nonblocking(true).map_err(|e| fail!("connection {i}: set non-blocking: {e}"))?;
        let mut stream = MioStream::from_std(stream);
        poll.registry()
            .register(&mut stream, Token(i), Interest::READABLE | Interest::WRITABLE)
            .map_err(|e| fail!("connection {i}: register: {e}"))?;
        let mut reader = EchoReader::new();
        // Nothing was sent yet, so anything after the head is an unsolicited frame.
        if !rest.is_empty() {
            let got = reader.feed(&rest, &block).map_err(|e| fail!("connection {i}: {e}"));
            if got? > 0 || !reader.at_boundary() {
                return Err(fail!("connection {i}: the server sent a frame before any message"));
            }
        }
        conns.push(Conn { stream, reader, queued: 0, written: 0 });
    }

    let mut events = Events::with_capacity(cfg.conns.max(64));
    let mut buf = vec![0u8; READ_BUF];
    let cpu_start = thread_cpu();
    let start = Instant::now();
    let deadline = start + cfg.run_for;
    let mut last_echo = start;
    let mut last_progress = start;
    let mut stopping = false;
    for (i, conn) in conns.iter_mut().enumerate() {
        conn.top_up(cfg.window);
        conn.flush(&block).map_err(|e| fail!("connection {i}: write: {}", describe(&e)))?;
    }
    loop {
        poll.poll(&mut events, Some(POLL_TICK)).map_err(|e| fail!("poll: {e}"))?;
        let now = Instant::now();
        stopping |= now >= deadline;
        for event in events.iter() {
            let i = event.token().0;
            let conn = &mut conns[i];
            let done = conn.drain(&mut buf, &block).map_err(|e| fail!("connection {i}: {e}"))?;
            if done > 0 {
                last_echo = now;
                last_progress = now;
                if !stopping {
                    conn.top_up(cfg.window);
                }
            }
            conn.flush(&block).map_err(|e| fail!("connection {i}: write: {}", describe(&e)))?;
        }
        if stopping && conns.iter().all(Conn::idle) {
            break;
        }
        if now.duration_since(last_progress) > cfg.timeout {
            let waiting = conns.iter().filter(|c| !c.idle()).count();
            return Err(fail!(
                "no echo for {:.1}s ({waiting} connections waiting)",
                cfg.timeout.as_secs_f64()
            ));
        }
    }
    let cpu = match (cpu_start, thread_cpu()) {
        (Some(a), Some(b)) => format!("{:.3}", b.saturating_sub(a).as_secs_f64()),
        _ => "n/a".to_owned(),
    };

    // A clean close (RFC 6455 §5.5.1), code 1000; the server's answer is not awaited.
    let mut close = Vec::new();
    encode_client_frame(&mut close, OP_CLOSE, &1000u16.to_be_bytes(), [0x5A, 0xC3, 0x96, 0x0F]);
    for conn in &mut conns {
        let _ = conn.stream.write(&close);
    }

    let messages: u64 = conns.iter().map(|c| c.reader.echoed).sum();
    let bytes = messages * cfg.size as u64;
    let secs = last_echo.duration_since(start).as_secs_f64();
    Ok(format!("messages={messages} bytes={bytes} secs={secs:.3} client_cpu={cpu}"))
}

fn main() -> ExitCode {
    common::main_with("ws_load", USAGE, Config::parse, run)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> impl Iterator<Item = String> + '_ {
        s.split_whitespace().map(str::to_owned)
    }

    /// A server frame (unmasked) with the given first byte and payload.
    fn server_frame(byte0: u8, payload: &[u8]) -> Vec<u8> {
        let mut out = vec![byte0];
        let len = payload.len();
        if len < 126 {
            out.push(len as u8);
        } else if let Ok(l) = u16::try_from(len) {
            out.push(126);
            out.extend_from_slice(&l.to_be_bytes());
        } else {
            out.push(127);
            out.extend_from_slice(&(len as u64).to_be_bytes());
        }
        out.extend_from_slice(payload);
        out
    }

    /// The echo of messages `0..n` of `block`, as one byte stream.
    fn echo_stream(block: &Block, n: u64) -> Vec<u8> {
        (0..n).flat_map(|k| server_frame(0x80 | block.opcode, block.payload(k))).collect()
    }

    /// Feeds `input` split at the given points; returns the messages completed or the error.
    fn feed_split(block: &Block, input: &[u8], splits: &[usize]) -> Result<u64, EchoError> {
        let mut reader = EchoReader::new();
        let mut done = 0;
        let mut from = 0;
        for &at in splits.iter().chain([input.len()].iter()) {
            done += reader.feed(&input[from..at], block)?;
            from = at;
        }
        assert!(reader.at_boundary());
        Ok(done)
    }

    #[test]
    fn config_defaults() {
        let cfg = Config::parse(args("127.0.0.1:1")).expect("valid");
        assert_eq!((cfg.conns, cfg.size, cfg.window, cfg.text), (64, 32, 64, false));
        assert_eq!(cfg.run_for, Duration::from_secs(5));
    }

    #[test]
    fn config_rejects_bad_arguments() {
        for bad in [
            "",
            "127.0.0.1:1 --size 0",
            "127.0.0.1:1 --conns 0",
            "127.0.0.1:1 --window 0",
            "127.0.0.1:1 --window 5000",
            "127.0.0.1:1 --size 99999999999",
            "127.0.0.1:1 --secs",
            "127.0.0.1:1 --bogus 1",
            "127.0.0.1:1 127.0.0.1:2",
        ] {
            assert!(Config::parse(args(bad)).is_err(), "{bad:?} accepted");
        }
    }

    /// RFC 6455 §5.7: a single-frame masked text message "Hello".
    #[test]
    fn client_frame_rfc6455_5_7_masked_hello() {
        let mut out = Vec::new();
        encode_client_frame(&mut out, OP_TEXT, b"Hello", [0x37, 0xfa, 0x21, 0x3d]);
        assert_eq!(out, [0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]);
    }

    #[test]
    fn client_frame_length_encodings() {
        for (len, header) in [(125, 6), (126, 8), (65535, 8), (65536, 14)] {
            let mut out = Vec::new();
            encode_client_frame(&mut out, OP_BINARY, &vec![7; len], [1, 2, 3, 4]);
            assert_eq!(out.len(), header + len, "len {len}");
        }
    }

    #[test]
    fn block_stream_is_contiguous_from_any_offset() {
        let block = Block::new(40, 3, false);
        let period = (3 * block.frame_len) as u64;
        let one_pass = &block.wire[..period as usize];
        for pos in [0, 1, block.frame_len as u64, period - 1, period, 5 * period + 7] {
            let end = pos + period;
            let s = block.stream(pos, end);
            for (n, &b) in s.iter().enumerate() {
                assert_eq!(b, one_pass[((pos + n as u64) % period) as usize]);
            }
        }
    }

    #[test]
    fn block_frames_unmask_to_their_payloads() {
        for text in [false, true] {
            let block = Block::new(300, 4, text);
            for j in 0..4 {
                let f = &block.wire[j * block.frame_len..(j + 1) * block.frame_len];
                assert_eq!(f[0], 0x80 | block.opcode);
                let key = [f[4], f[5], f[6], f[7]];
                let plain: Vec<u8> = f[8..].iter().enumerate().map(|(i, b)| b ^ key[i % 4]).collect();
                assert_eq!(plain, block.payload(j as u64));
                if text {
                    assert!(std::str::from_utf8(&plain).is_ok());
                }
            }
        }
    }

    /// Every length encoding, fed whole, byte by byte and split at every point: the same count.
    #[test]
    fn reader_split_feed_gives_the_same_count() {
        for size in [1, 32, 125, 126, 300, 65535, 65536, 70_000] {
            let block = Block::new(size, 3, false);
            let input = echo_stream(&block, 4);
            assert_eq!(feed_split(&block, &input, &[]), Ok(4), "size {size} whole");
            if input.len() <= 2000 {
                let every: Vec<usize> = (1..input.len()).collect();
                assert_eq!(feed_split(&block, &input, &every), Ok(4), "size {size} bytewise");
            }
            let points: Vec<usize> = if input.len() <= 2000 {
                (1..input.len()).collect()
            } else {
                // The header and payload edges of every frame, and a few inside.
                let fl = input.len() / 4;
                (0..4).flat_map(|f| [1, 2, 3, 4, 5, 9, 10, 11, fl / 2, fl - 1].map(|o| f * fl + o)).collect()
            };
            for at in points {
                assert_eq!(feed_split(&block, &input, &[at]), Ok(4), "size {size} split at {at}");
            }
        }
    }

    #[test]
    fn reader_rejects_bad_echoes() {
        let block = Block::new(32, 2, false);
        let good = block.payload(0).to_vec();
        let cases: Vec<(Vec<u8>, EchoError)> = vec![
            (server_frame(0x88, &[0x03, 0xe8]), EchoError::Closed { message: 0 }),
            (server_frame(0xC2, &good), EchoError::Reserved { message: 0, byte0: 0xC2 }),
            (server_frame(0x02, &good), EchoError::Fragmented { message: 0, byte0: 0x02 }),
            (server_frame(0x80, &good), EchoError::Fragmented { message: 0, byte0: 0x80 }),
            (server_frame(0x81, &good), EchoError::Opcode { message: 0, got: 1, want: 2 }),
            (server_frame(0x89, &good), EchoError::Opcode { message: 0, got: 9, want: 2 }),
            (server_frame(0x82, &good[..31]), EchoError::Length { message: 0, got: 31, want: 32 }),
            (
                {
                    let mut f = server_frame(0x82, &good);
                    f[1] |= 0x80;
                    f
                },
                EchoError::Masked { message: 0 },
            ),
            (
                // The second message's payload where the first's belongs.
                server_frame(0x82, block.payload(1)),
                EchoError::Payload { message: 0, offset: 0, got: block.payload(1)[0], want: good[0] },
            ),
        ];
        for (input, want) in cases {
            let mut reader = EchoReader::new();
            assert_eq!(reader.feed(&input, &block), Err(want), "{input:02x?}");
            // Byte by byte, the same error.
            let mut reader = EchoReader::new();
            let got = input.iter().try_for_each(|b| reader.feed(std::slice::from_ref(b), &block).map(drop));
            assert_eq!(got, Err(want), "{input:02x?} bytewise");
        }
    }

    #[test]
    fn payload_sampling_checks_head_strides_and_last_byte() {
        let size = 3 * SAMPLE_STRIDE + 10;
        let block = Block::new(size, 1, false);
        let sent = block.payload(0);
        for (at, caught) in [
            (0, true),
            (HEAD_CHECK - 1, true),
            (HEAD_CHECK, false),
            (SAMPLE_STRIDE, true),
            (2 * SAMPLE_STRIDE + 1, false),
            (size - 1, true),
        ] {
            let mut echo = sent.to_vec();
            echo[at] ^= 0xFF;
            let input = server_frame(0x82, &echo);
            let want = if caught {
                Err(EchoError::Payload { message: 0, offset: at, got: echo[at], want: sent[at] })
            } else {
                Ok(1)
            };
            // Whole, and split just before the corrupted byte.
            assert_eq!(feed_split(&block, &input, &[]), want, "byte {at}");
            let mut reader = EchoReader::new();
            let cut = 4 + at;
            let got =
                reader.feed(&input[..cut], &block).and_then(|a| Ok(a + reader.feed(&input[cut..], &block)?));
            assert_eq!(got, want, "byte {at}, split");
        }
    }

    #[test]
    fn handshake_response_checks() {
        let ok = format!("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nsec-websocket-accept: {ACCEPT}\r\n\r\n");
        assert_eq!(check_response(ok.as_bytes()), Ok(()));
        for bad in [
            "HTTP/1.1 400 Bad Request\r\n\r\n".to_owned(),
            "HTTP/1.1 101 Switching Protocols\r\nSec-WebSocket-Accept: nope\r\n\r\n".to_owned(),
            "HTTP/1.1 101 Switching Protocols\r\n\r\n".to_owned(),
            format!("HTTP/1.1 101 OK\r\nSec-WebSocket-Accept: {ACCEPT}\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n"),
        ] {
            assert!(check_response(bad.as_bytes()).is_err(), "{bad:?}");
        }
    }
}
