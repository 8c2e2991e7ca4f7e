//! The examples as a user runs them: each binary is started with port 0, its `listening on ADDR`
//! line is read, and plain `std` clients talk to it. (`cargo test` builds the examples first.)
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

mod common;
use common::{example, Server};

impl Server {
    /// The server process's resident memory (`VmRSS`), in KiB.
    fn rss_kib(&self) -> u64 {
        rss_kib(self.0.id())
    }
    /// How many file descriptors the server process has open.
    fn open_fds(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.0.id())).unwrap().count()
    }
    fn connect(&self) -> TcpStream {
        let s = TcpStream::connect(&self.1).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s
    }
}

fn read_line(r: &mut BufReader<TcpStream>) -> String {
    let mut line = String::new();
    r.read_line(&mut line).unwrap();
    line
}

#[test]
fn tcp_echo_echoes_and_ends_with_the_client() {
    let server = Server::start("tcp_echo");
    let mut c = server.connect();
    let data: Vec<u8> = (0..1_000_000u32).map(|i| (i % 251) as u8).collect();
    let writer = {
        let mut w = c.try_clone().unwrap();
        let data = data.clone();
        std::thread::spawn(move || {
            w.write_all(&data).unwrap();
            w.shutdown(Shutdown::Write).unwrap();
        })
    };
    let mut back = Vec::new();
    c.read_to_end(&mut back).unwrap();
    writer.join().unwrap();
    assert!(back == data, "echo differs");
}

#[test]
fn tcp_client_sends_stdin_and_prints_the_reply() {
    let server = Server::start("tcp_echo");
    let (host, port) = server.1.rsplit_once(':').unwrap();
    let mut client = Command::new(example("tcp_client"))
        .args([host, port])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    client.stdin.take().unwrap().write_all(b"hello\nworld\n").unwrap();
    let out = client.wait_with_output().unwrap();
    assert!(out.status.success());
    assert_eq!(out.stdout, b"hello\nworld\n");
}

#[test]
fn tcp_client_reports_a_refused_connection() {
    // Bound, not listening: connects are refused and nobody else can take the port meanwhile.
    let reserved = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    reserved.bind(&"127.0.0.1:0".parse::<std::net::SocketAddr>().unwrap().into()).unwrap();
    let port = reserved.local_addr().unwrap().as_socket().unwrap().port();
    let out = Command::new(example("tcp_client"))
        .args(["127.0.0.1", &port.to_string()])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("ECONNREFUSED"));
}

#[test]
fn tcp_chat_relays_lines_and_survives_a_vanished_client() {
    let server = Server::start("tcp_chat");
    let mut a = BufReader::new(server.connect());
    assert!(read_line(&mut a).starts_with("Welcome "));
    let b = server.connect();
    let b_name = b.local_addr().unwrap().to_string();
    let mut b = BufReader::new(b);
    assert!(read_line(&mut b).starts_with("Welcome "));
    assert_eq!(read_line(&mut a), format!("{b_name} joined the chat\n"));
    // A line in two TCP chunks is one chat line.
    b.get_mut().write_all(b"hel").unwrap();
    b.get_mut().flush().unwrap();
    b.get_mut().write_all(b"lo\r\n").unwrap();
    assert_eq!(read_line(&mut a), format!("{b_name}> hello\n"));
    // B vanishes with a reset; A hears it left and the room keeps working.
    socket2::SockRef::from(b.get_ref()).set_linger(Some(Duration::ZERO)).unwrap();
    drop(b);
    assert_eq!(read_line(&mut a), format!("{b_name} left the chat\n"));
    let mut c = BufReader::new(server.connect());
    assert!(read_line(&mut c).starts_with("Welcome "));
    assert!(read_line(&mut a).ends_with("joined the chat\n"));
    a.get_mut().write_all(b"still here\n").unwrap();
    assert!(read_line(&mut c).ends_with("> still here\n"));
}

/// Runs a command to completion (with a deadline) and returns its stdout.
fn run(cmd: &mut Command) -> String {
    let out = cmd.stdin(Stdio::null()).output().unwrap();
    assert!(out.status.success(), "{cmd:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn http_hello_answers_curl_and_keeps_the_connection() {
    let server = Server::start("http_hello");
    let url = format!("http://{}/", server.1);
    let out = run(Command::new("curl").args(["-s", "-i", "--max-time", "10", &url]));
    assert!(out.starts_with("HTTP/1.1 200 OK\r\n"), "{out}");
    assert!(out.contains("Content-Type: text/plain\r\n"), "{out}");
    assert!(out.ends_with("\r\n\r\nHello, world!\n"), "{out}");
    // Two URLs on one command line: curl reuses the keep-alive connection.
    let quiet = ["-s", "-o", "/dev/null", "-o", "/dev/null", "-w", "%{num_connects} ", "--max-time", "10"];
    let out = run(Command::new("curl").args(quiet).args([&url, &url]));
    assert_eq!(out, "1 0 ");
}

#[test]
fn http_echo_reports_what_curl_sent() {
    let server = Server::start("http_echo");
    let url = format!("http://{}/path?x=1", server.1);
    let out =
        run(Command::new("curl").args(["-s", "--max-time", "10", "-H", "X-Case: Yes", "-d", "hello", &url]));
    assert!(
        out.starts_with(r#"{"method":"POST","url":"/path?x=1","version":"1.1","headers":[["Host","#),
        "{out}"
    );
    assert!(out.contains(r#"["X-Case","Yes"]"#), "{out}");
    assert!(out.contains(r#""body_base64":"aGVsbG8=""#), "{out}");
}

#[test]
fn http_echo_serves_nodes_client_with_keep_alive_chunked_uploads_and_trailers() {
    let server = Server::start("http_echo");
    let (host, port) = server.1.rsplit_once(':').unwrap();
    // Node's own client: a keep-alive agent (the second request must reuse the socket), then a
    // chunked upload with trailers.
    let script = r#"
const http = require('http');
const [host, port] = process.argv.slice(1);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
function get(path) {
  return new Promise((ok, fail) => {
    const req = http.get({ host, port, path, agent }, res => {
      let body = ''; res.setEncoding('utf8');
      res.on('data', d => body += d);
      res.on('end', () => ok({ status: res.statusCode, reused: req.reusedSocket, body: JSON.parse(body) }));
    });
    req.on('error', fail);
  });
}
(async () => {
  const a = await get('/a'); const b = await get('/b');
  const upload = await new Promise((ok, fail) => {
    const req = http.request({ host, port, path: '/up', method: 'PUT', agent, headers: { 'Trailer': 'X-Sum' } }, res => {
      let body = ''; res.on('data', d => body += d); res.on('end', () => ok(JSON.parse(body)));
    });
    req.on('error', fail);
    req.write('hello '); req.write('world');
    req.addTrailers({ 'X-Sum': '42' });
    req.end();
  });
  console.log(JSON.stringify({ a: [a.status, a.reused, a.body.url], b: [b.status, b.reused, b.body.url],
    up: [upload.method, Buffer.from(upload.body_base64, 'base64').toString(), upload.trailers] }));
  agent.destroy();
})().catch(e => { console.error(e); process.exit(1); });
"#;
    let out = run(Command::new("node").args(["-e", script, host, port]));
    assert_eq!(
        out.trim(),
        r#"{"a":[200,false,"/a"],"b":[200,true,"/b"],"up":["PUT","hello world",[["X-Sum","42"]]]}"#
    );
}

/// A directory for `http_file_server`, removed on drop: `site/` (served) holds `index.html`,
/// `hello.txt`, `data.json`, `a b.txt`, an empty `sub/`, `big.bin` (`big` bytes of [`pattern`])
/// and `escape`, a symlink to `../secret.txt`, which lies outside it.
struct Site(PathBuf);

const HELLO: &str = "hello from the file server, 0123456789\n";

impl Site {
    fn new(big: usize) -> Site {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
        let base = std::env::temp_dir().join(format!("netcore-files-{}-{nanos}", std::process::id()));
        let site = base.join("site");
        std::fs::create_dir_all(site.join("sub")).unwrap();
        std::fs::write(base.join("secret.txt"), "top secret\n").unwrap();
        std::os::unix::fs::symlink("../secret.txt", site.join("escape")).unwrap();
        std::fs::write(site.join("index.html"), "<h1>home</h1>\n").unwrap();
        std::fs::write(site.join("hello.txt"), HELLO).unwrap();
        std::fs::write(site.join("data.json"), "{\"a\":1}").unwrap();
        std::fs::write(site.join("a b.txt"), "spaced").unwrap();
        let mut f = std::fs::File::create(site.join("big.bin")).unwrap();
        let block = pattern();
        let mut left = big;
        while left > 0 {
            let n = left.min(block.len());
            f.write_all(&block[..n]).unwrap();
            left -= n;
        }
        Site(base)
    }
    fn serve(&self) -> Server {
        Server::start_with("http_file_server", &[self.0.join("site").to_str().unwrap(), "0"])
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `big.bin`'s content from offset 0: byte `i` is `i % 251`. Its length is a multiple of 251, so
/// it repeats seamlessly, and `&pattern()[off % 251..][..n]` is the file's bytes at `off`.
fn pattern() -> Vec<u8> {
    (0..251 * 4096).map(|i| (i % 251) as u8).collect()
}

/// `curl -s -i` with extra arguments: the status line, headers and body as one string.
fn curl(args: &[&str]) -> String {
    run(Command::new("curl").args(["-s", "-i", "--max-time", "10"]).args(args))
}

#[test]
fn http_file_server_serves_files_with_their_types_and_head() {
    let site = Site::new(0);
    let server = site.serve();
    let url = |path: &str| format!("http://{}{path}", server.1);
    let out = curl(&[&url("/")]);
    assert!(out.starts_with("HTTP/1.1 200 OK\r\n"), "{out}");
    assert!(out.contains("Content-Type: text/html; charset=utf-8\r\n"), "{out}");
    assert!(out.ends_with("\r\n\r\n<h1>home</h1>\n"), "{out}");
    let out = curl(&[&url("/hello.txt?x=1")]);
    assert!(out.contains("Content-Type: text/plain; charset=utf-8\r\n"), "{out}");
    assert!(out.contains(&format!("Content-Length: {}\r\n", HELLO.len())), "{out}");
    assert!(out.contains("Accept-Ranges: bytes\r\n") && out.contains("Last-Modified: "), "{out}");
    assert!(out.ends_with(&format!("\r\n\r\n{HELLO}")), "{out}");
    let out = curl(&[&url("/data.json")]);
    assert!(out.contains("Content-Type: application/json\r\n") && out.ends_with("{\"a\":1}"), "{out}");
    let out = curl(&[&url("/a%20b.txt")]);
    assert!(out.ends_with("\r\n\r\nspaced"), "{out}");
    // HEAD: the same head, no body.
    let out = curl(&["-I", &url("/hello.txt")]);
    assert!(out.starts_with("HTTP/1.1 200 OK\r\n"), "{out}");
    assert!(out.contains(&format!("Content-Length: {}\r\n", HELLO.len())), "{out}");
    assert!(out.ends_with("\r\n\r\n"), "{out}");
    // Missing files, a directory without index.html, and a method other than GET and HEAD.
    for path in ["/missing.txt", "/sub/", "/sub/nope/", "/hello.txt/x"] {
        let out = curl(&[&url(path)]);
        assert!(out.starts_with("HTTP/1.1 404 Not Found\r\n"), "{path}: {out}");
    }
    let out = curl(&["-X", "DELETE", &url("/hello.txt")]);
    assert!(out.starts_with("HTTP/1.1 405 Method Not Allowed\r\n"), "{out}");
    assert!(out.contains("Allow: GET, HEAD\r\n"), "{out}");
}

#[test]
fn http_file_server_refuses_to_leave_its_directory() {
    let site = Site::new(0);
    let server = site.serve();
    let paths = [
        "/../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/sub/..%2f..%2f..%2fetc/passwd",
        "/sub/%2E%2E/%2e%2E/secret.txt",
        "/../secret.txt",
        "/escape",
        // `etc/passwd` under the root (404), not the absolute path.
        "/%2fetc%2fpasswd",
    ];
    for path in paths {
        let out = curl(&["--path-as-is", &format!("http://{}{path}", server.1)]);
        let refused = out.starts_with("HTTP/1.1 403 ") || out.starts_with("HTTP/1.1 404 ");
        assert!(refused && !out.contains("root:") && !out.contains("secret"), "{path}: {out}");
    }
    let out = curl(&[&format!("http://{}/%00", server.1)]);
    assert!(out.starts_with("HTTP/1.1 400 "), "{out}");
}

#[test]
fn http_file_server_answers_single_byte_ranges() {
    let site = Site::new(0);
    let server = site.serve();
    let url = format!("http://{}/hello.txt", server.1);
    let len = HELLO.len();
    let cases = [("10-19", 10, 20), ("-5", len - 5, len), ("30-", 30, len), ("5-999", 5, len)];
    for (range, start, end) in cases {
        let out = curl(&["-r", range, &url]);
        assert!(out.starts_with("HTTP/1.1 206 Partial Content\r\n"), "{range}: {out}");
        assert!(out.contains(&format!("Content-Range: bytes {start}-{}/{len}\r\n", end - 1)), "{out}");
        assert!(out.ends_with(&format!("\r\n\r\n{}", &HELLO[start..end])), "{range}: {out}");
    }
    let out = curl(&["-r", "1000-2000", &url]);
    assert!(out.starts_with("HTTP/1.1 416 "), "{out}");
    assert!(out.contains(&format!("Content-Range: bytes */{len}\r\n")), "{out}");
    // Several ranges are answered with the whole file.
    let out = curl(&["-r", "0-1,5-6", &url]);
    assert!(out.starts_with("HTTP/1.1 200 OK\r\n") && out.ends_with(&format!("\r\n\r\n{HELLO}")), "{out}");
}

/// Asserts that `data` is `big.bin`'s content from offset `from`.
fn assert_pattern(block: &[u8], from: usize, data: &[u8]) {
    let step = block.len() - 251;
    for (i, piece) in data.chunks(step).enumerate() {
        let off = from + i * step;
        assert!(piece == &block[off % 251..][..piece.len()], "wrong bytes at {off}");
    }
}

/// Reads a response head, up to and including its empty line.
fn read_head(r: &mut BufReader<TcpStream>) -> String {
    let mut head = String::new();
    while !head.ends_with("\r\n\r\n") {
        assert!(r.read_line(&mut head).unwrap() > 0, "closed in the head: {head:?}");
    }
    head
}

/// A response head's `Content-Length`.
fn content_length(head: &str) -> usize {
    head.lines().find_map(|l| l.strip_prefix("Content-Length: ")).unwrap().parse().unwrap()
}

/// Polls `ready` (it reads another process's `/proc`, which has no event to wait on) until it
/// holds, failing after five seconds with `what`.
fn poll_until(what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while !ready() {
        assert!(std::time::Instant::now() < deadline, "{what}: still not so after 5 s");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A process's resident memory (KiB), from `/proc`.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// Bytes the server must have sent ahead of a slow reader before it samples the server.
const AHEAD: usize = 512 * 1024;

/// Blocks until at least `AHEAD` bytes wait unread in the socket's receive queue: the server has
/// sent as far ahead of the client as the client lets it (`MSG_PEEK | MSG_WAITALL` returns once
/// that many bytes are queued, without taking them).
fn wait_until_ahead(s: &TcpStream) {
    let mut peek = vec![std::mem::MaybeUninit::<u8>::uninit(); AHEAD];
    let n = socket2::SockRef::from(s).recv_with_flags(&mut peek, libc::MSG_PEEK | libc::MSG_WAITALL).unwrap();
    assert_eq!(n, AHEAD, "the server stopped sending with the client {n} bytes behind");
}

/// A slow reader of a patterned body, eight times: it lets the server get `AHEAD` bytes ahead
/// (the client is the slow side; an event, not a pause), samples the server's memory, then reads
/// 64 KiB. Returns the bytes read and the server's peak RSS meanwhile, in KiB.
fn read_slowly(r: &mut BufReader<TcpStream>, block: &[u8], server: &Server) -> (usize, u64) {
    // A fixed receive buffer (the kernel doubles it) with room for `AHEAD` bytes and more.
    socket2::SockRef::from(r.get_ref()).set_recv_buffer_size(2 * AHEAD).unwrap();
    let mut buf = vec![0u8; 64 * 1024];
    let (mut off, mut peak) = (0, 0);
    for _ in 0..8 {
        wait_until_ahead(r.get_ref());
        peak = peak.max(server.rss_kib());
        r.read_exact(&mut buf).unwrap();
        assert_pattern(block, off, &buf);
        off += buf.len();
    }
    (off, peak)
}

/// Reads the rest of a patterned body of `size` bytes, from `off`.
fn read_rest(r: &mut BufReader<TcpStream>, block: &[u8], mut off: usize, size: usize) {
    let mut buf = vec![0u8; 256 * 1024];
    while off < size {
        let n = r.read(&mut buf).unwrap();
        assert!(n > 0, "closed after {off} bytes");
        assert_pattern(block, off, &buf[..n]);
        off += n;
    }
    assert_eq!(off, size);
}

/// Where [`sparse_file`] marks its content: every 16 MiB.
const MARK: u64 = 16 << 20;

/// A sparse file of `size` bytes (holes: no disk but a block per mark) that is zero except for
/// its position as 8 big-endian bytes at each multiple of [`MARK`], so a lost, repeated or
/// misplaced piece shows at the next mark.
fn sparse_file(path: &std::path::Path, size: u64) {
    use std::os::unix::fs::FileExt;
    let f = std::fs::File::create(path).unwrap();
    f.set_len(size).unwrap();
    for at in (0..size).step_by(MARK as usize) {
        f.write_all_at(&at.to_be_bytes(), at).unwrap();
    }
}

/// A slow reader of [`sparse_file`]'s content, `size` bytes, all of it: before each 512 KiB it
/// lets the server get [`AHEAD`] bytes ahead (the client is the slow side throughout: an event,
/// not a pause) and samples the server's memory. Returns the bytes read and the server's peak
/// RSS, in KiB.
fn read_sparse_slowly(r: &mut BufReader<TcpStream>, size: u64, server: &Server) -> (u64, u64) {
    const STEP: usize = 512 * 1024;
    // A fixed receive buffer (the kernel doubles it) with room for `AHEAD` bytes and more.
    socket2::SockRef::from(r.get_ref()).set_recv_buffer_size(2 * AHEAD).unwrap();
    let zeros = vec![0u8; STEP];
    let mut buf = vec![0u8; STEP];
    let (mut off, mut peak) = (0u64, 0);
    while off < size {
        let n = (size - off).min(STEP as u64) as usize;
        if n == STEP && size - off > AHEAD as u64 {
            wait_until_ahead(r.get_ref());
        }
        peak = peak.max(server.rss_kib());
        r.read_exact(&mut buf[..n]).unwrap();
        // Pieces start at multiples of `STEP`, which divides `MARK`: a mark is at a piece's start.
        let data = if off % MARK == 0 {
            assert_eq!(buf[..8], off.to_be_bytes(), "wrong mark at {off}");
            &buf[8..n]
        } else {
            &buf[..n]
        };
        // Compared as slices (one `memcmp`), not byte by byte: this is a debug build.
        assert!(data == &zeros[..data.len()], "wrong bytes in the {n} at {off}");
        off += n as u64;
    }
    (off, peak)
}

#[test]
fn http_file_server_streams_1_gib_to_a_slow_client_in_flat_memory() {
    const SIZE: u64 = 1 << 30;
    let site = Site::new(0);
    sparse_file(&site.0.join("site/huge.bin"), SIZE);
    let server = site.serve();
    let before = server.rss_kib();
    let mut r = BufReader::with_capacity(64 * 1024, server.connect());
    r.get_mut().write_all(b"GET /huge.bin HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
    let head = read_head(&mut r);
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n") && content_length(&head) as u64 == SIZE, "{head}");
    // A slow reader from the first byte to the last: the server must wait, not buffer.
    let started = std::time::Instant::now();
    let (got, peak) = read_sparse_slowly(&mut r, SIZE, &server);
    assert_eq!(got, SIZE);
    eprintln!(
        "http_file_server RSS: {before} KiB at start, {peak} KiB at most while a slow client read 1 GiB \
         in {:.1?}",
        started.elapsed()
    );
    // Flat: a few chunks and the socket's queue, whatever the file's size (the whole file would
    // be 1048576 KiB).
    assert!(peak < before + 16 * 1024, "RSS {peak} KiB (from {before}) while a slow client reads 1 GiB");
    // Nothing after the body, and the connection serves another request.
    r.get_mut().write_all(b"GET /hello.txt HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
    let head = read_head(&mut r);
    let mut body = vec![0u8; content_length(&head)];
    r.read_exact(&mut body).unwrap();
    assert_eq!(body, HELLO.as_bytes());
}

#[test]
fn http_file_server_answers_pipelined_requests_in_order() {
    const SIZE: usize = 4 << 20;
    let site = Site::new(SIZE);
    let server = site.serve();
    let mut r = BufReader::new(server.connect());
    let get = |path: &str, extra: &str| format!("GET {path} HTTP/1.1\r\nHost: a\r\n{extra}\r\n");
    let burst = [
        get("/big.bin", ""),
        get("/missing", ""),
        get("/big.bin", "Range: bytes=1000-\r\n"),
        get("/hello.txt", ""),
    ];
    r.get_mut().write_all(burst.concat().as_bytes()).unwrap();
    let block = pattern();
    let expected =
        [("200 OK", 0, SIZE), ("404 Not Found", 0, 10), ("206 Partial Content", 1000, SIZE - 1000)];
    for (status, from, len) in expected {
        let head = read_head(&mut r);
        assert!(
            head.starts_with(&format!("HTTP/1.1 {status}\r\n")) && content_length(&head) == len,
            "{head}"
        );
        let mut body = vec![0u8; len];
        r.read_exact(&mut body).unwrap();
        if status != "404 Not Found" {
            assert_pattern(&block, from, &body);
        }
    }
    let head = read_head(&mut r);
    let mut body = vec![0u8; content_length(&head)];
    r.read_exact(&mut body).unwrap();
    assert_eq!(body, HELLO.as_bytes());
}

#[test]
fn http_file_server_closes_the_file_when_the_client_goes_away() {
    let site = Site::new(32 << 20);
    let server = site.serve();
    let idle = server.open_fds();
    let mut r = BufReader::new(server.connect());
    r.get_mut().write_all(b"GET /big.bin HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
    read_head(&mut r);
    // The socket and the file; the transfer then waits for the client, which never reads again.
    poll_until("socket and file open mid-file", || server.open_fds() == idle + 2);
    drop(r);
    poll_until("both closed after the client left", || server.open_fds() == idle);
    let out = curl(&[&format!("http://{}/hello.txt", server.1)]);
    assert!(out.ends_with(HELLO), "{out}");
}

/// A port nothing listens on: bound, not listening, so connects are refused and nobody else can
/// take the port while the socket is kept.
fn refused_port() -> (socket2::Socket, u16) {
    let reserved = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    reserved.bind(&"127.0.0.1:0".parse::<std::net::SocketAddr>().unwrap().into()).unwrap();
    let port = reserved.local_addr().unwrap().as_socket().unwrap().port();
    (reserved, port)
}

/// A Node.js server running `script`, which must print `listening on ADDR` first; killed on drop.
fn node_server(script: &str) -> Server {
    let mut child = Command::new("node").args(["-e", script]).stdout(Stdio::piped()).spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let addr = line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("node printed {line:?}"));
    Server(child, addr.to_string())
}

/// `http_get` with these arguments: its exit status, stdout and stderr.
fn http_get(args: &[&str]) -> std::process::Output {
    Command::new(example("http_get")).args(args).stdin(Stdio::null()).output().unwrap()
}

#[test]
fn http_get_prints_the_body_and_with_i_the_head_as_received() {
    let server = Server::start("http_hello");
    let url = format!("http://{}/", server.1);
    let out = http_get(&[&url]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(out.stdout, b"Hello, world!\n");
    // `-i`: the status line and the fields as the server sent them, CRLF line ends, as curl -i.
    let out = http_get(&[&url, "-i"]);
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"), "{text}");
    assert!(text.contains("\r\nContent-Length: 14\r\n"), "{text}");
    assert!(text.ends_with("\r\n\r\nHello, world!\n"), "{text}");
    // The same head as curl prints.
    let curl = curl(&[&url]);
    let (ours, theirs) = (text.split("\r\n\r\n").next(), curl.split("\r\n\r\n").next());
    let strip_date = |h: &str| h.lines().filter(|l| !l.starts_with("Date: ")).collect::<Vec<_>>().join("\n");
    assert_eq!(strip_date(ours.unwrap()), strip_date(theirs.unwrap()));
}

#[test]
fn http_get_streams_a_chunked_binary_body_as_it_arrives() {
    // The first chunk (every byte value) goes out at once; the rest only after `/release` is
    // requested: http_get must have printed the first chunk while the response is still open.
    // (After 5 s the server gives up waiting and `/release` answers `late`.)
    let script = r#"
const http = require('http');
let held = null;
const server = http.createServer((req, res) => {
  if (req.url === '/release') {
    if (!held) return res.end('late');
    res.end('ok'); held.write('second '); held.end('and last\n'); held = null; return;
  }
  res.writeHead(200, 'Fine Thanks', { 'X-Mixed-Case': 'Yes', 'content-type': 'application/octet-stream' });
  res.write(Buffer.from([...Array(256).keys()]));
  held = res;
  setTimeout(() => { if (held === res) { held = null; res.end('gave up\n'); } }, 5000);
});
server.listen(0, '127.0.0.1', () => console.log('listening on 127.0.0.1:' + server.address().port));
"#;
    let server = node_server(script);
    let mut child = Command::new(example("http_get"))
        .args([&format!("http://{}/stream", server.1), "-i"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut head = String::new();
    while !head.ends_with("\r\n\r\n") {
        assert!(stdout.read_line(&mut head).unwrap() > 0, "{head}");
    }
    // The reason phrase and the fields as received, in their order and case.
    assert!(head.starts_with("HTTP/1.1 200 Fine Thanks\r\nX-Mixed-Case: Yes\r\ncontent-type: "), "{head}");
    assert!(head.contains("\r\nTransfer-Encoding: chunked\r\n"), "{head}");
    let mut first = [0u8; 256];
    stdout.read_exact(&mut first).unwrap();
    assert!(first.iter().enumerate().all(|(i, &b)| b as usize == i), "{first:?}");
    let release =
        run(Command::new("curl").args(["-s", "--max-time", "10", &format!("http://{}/release", server.1)]));
    assert_eq!(release, "ok");
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    assert_eq!(rest, "second and last\n");
    assert!(child.wait().unwrap().success());
}

#[test]
fn http_get_reports_errors_with_nodes_codes() {
    let (_reserved, port) = refused_port();
    let out = http_get(&[&format!("http://127.0.0.1:{port}/")]);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("ECONNREFUSED") && stderr.contains("refused"), "{stderr}");
    let out = http_get(&["https://example.com/"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("ERR_INVALID_PROTOCOL"), "{out:?}");
}

/// `curl -s -i` through the proxy at `proxy`, with extra arguments.
fn curl_via(proxy: &Server, args: &[&str]) -> String {
    curl(&[&["-x", &format!("http://{}", proxy.1)], args].concat())
}

#[test]
fn http_proxy_forwards_requests_in_absolute_form() {
    let hello = Server::start("http_hello");
    let proxy = Server::start("http_proxy");
    let out = curl_via(&proxy, &[&format!("http://{}/", hello.1)]);
    assert!(out.starts_with("HTTP/1.1 200 OK\r\n"), "{out}");
    assert!(
        out.contains("\r\nContent-Type: text/plain\r\n") && out.contains("\r\nVia: 1.1 netcore\r\n"),
        "{out}"
    );
    assert!(out.ends_with("\r\n\r\nHello, world!\n"), "{out}");
    // A request for the proxy itself (origin form) is refused.
    let out = curl(&[&format!("http://{}/", proxy.1)]);
    assert!(out.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{out}");
}

#[test]
fn http_proxy_forwards_the_body_and_drops_hop_by_hop_fields() {
    let echo = Server::start("http_echo");
    let proxy = Server::start("http_proxy");
    let url = format!("http://{}/upload?x=1", echo.1);
    let fields = [
        "Proxy-Connection: keep-alive",
        "Proxy-Authorization: Basic Zm9vOmJhcg==",
        "Connection: keep-alive, X-Hop",
        "X-Hop: dropped",
        "TE: trailers",
        "X-End-To-End: Kept",
    ];
    let headers: Vec<&str> = fields.iter().flat_map(|f| ["-H", f]).collect();
    let out = curl_via(&proxy, &[&headers[..], &["-d", "hello through the proxy", &url]].concat());
    assert!(out.starts_with("HTTP/1.1 200 OK\r\n"), "{out}");
    let json = out.split("\r\n\r\n").nth(1).unwrap();
    // Origin form upstream, `Host` from the URL, the end-to-end fields in order, `Via` added.
    let want_start =
        format!(r#"{{"method":"POST","url":"/upload?x=1","version":"1.1","headers":[["Host","{}"]"#, echo.1);
    assert!(json.starts_with(&want_start), "{json}");
    assert!(
        json.contains(r#"["X-End-To-End","Kept"]"#) && json.contains(r#"["Via","1.1 netcore"]"#),
        "{json}"
    );
    for hop in ["Proxy-Connection", "Proxy-Authorization", "X-Hop", "TE", "keep-alive, X-Hop"] {
        assert!(!json.contains(&format!("\"{hop}\"")), "{hop} forwarded: {json}");
    }
    // base64("hello through the proxy")
    assert!(json.contains(r#""body_base64":"aGVsbG8gdGhyb3VnaCB0aGUgcHJveHk=""#), "{json}");
    // A chunked upload arrives chunked: its `Transfer-Encoding` (and `Trailer`) belonged to the
    // hop, the origin gets the proxy's own.
    let out = curl_via(
        &proxy,
        &["-H", "Transfer-Encoding: chunked", "-H", "Trailer: X-Sum", "--data-binary", "chunked body", &url],
    );
    let json = out.split("\r\n\r\n").nth(1).unwrap();
    assert!(json.contains(r#"["Transfer-Encoding","chunked"]"#), "{json}");
    assert!(json.contains(r#""body_base64":"Y2h1bmtlZCBib2R5""#) && !json.contains(r#""Trailer""#), "{json}");
}

#[test]
fn http_proxy_answers_502_when_the_origin_refuses() {
    let proxy = Server::start("http_proxy");
    let (_reserved, port) = refused_port();
    let out = curl_via(&proxy, &[&format!("http://127.0.0.1:{port}/")]);
    assert!(out.starts_with("HTTP/1.1 502 Bad Gateway\r\n"), "{out}");
    assert!(
        out.ends_with(&format!(
            "\r\n\r\nbad gateway: connection to 127.0.0.1:{port} refused (ECONNREFUSED)\n"
        )),
        "{out}"
    );
    // The same through CONNECT: the 502 comes on the raw socket, then it closes.
    let mut c = proxy.connect();
    write!(c, "CONNECT 127.0.0.1:{port} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n").unwrap();
    let mut answer = String::new();
    c.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 502 Bad Gateway\r\n"), "{answer}");
    assert!(answer.contains("ECONNREFUSED"), "{answer}");
}

#[test]
fn http_proxy_tunnels_connect_and_closes_both_ends() {
    let hello = Server::start("http_hello");
    let proxy = Server::start("http_proxy");
    let idle = proxy.open_fds();
    // `-p`: CONNECT to the origin, then plain HTTP inside the tunnel.
    let out = curl_via(&proxy, &["-p", &format!("http://{}/", hello.1)]);
    assert!(out.starts_with("HTTP/1.1 200 Connection Established\r\n\r\n"), "{out}");
    assert!(out.contains("\r\n\r\nHTTP/1.1 200 OK\r\n"), "{out}");
    assert!(!out.contains("Via: "), "the tunnel is not forwarding: {out}");
    assert!(out.ends_with("\r\n\r\nHello, world!\n"), "{out}");
    // Bytes sent right behind the CONNECT head (Node's `head`) reach the origin first, and the
    // origin's answer comes back; when the client ends, the tunnel ends both ways.
    let mut c = proxy.connect();
    let get = "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";
    write!(c, "CONNECT {} HTTP/1.1\r\nHost: {}\r\n\r\n{get}", hello.1, hello.1).unwrap();
    let mut answer = String::new();
    c.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200 Connection Established\r\n\r\nHTTP/1.1 200 OK\r\n"), "{answer}");
    assert!(answer.ends_with("\r\n\r\nHello, world!\n"), "{answer}");
    drop(c);
    // Both sockets of each tunnel are closed.
    poll_until("the proxy back to its idle descriptors", || proxy.open_fds() == idle);
}

#[test]
fn http_proxy_streams_both_ways_with_backpressure() {
    const SIZE: usize = 32 << 20;
    // Download: a slow client reads a 32 MiB file through the proxy; the proxy must not hold it.
    let site = Site::new(SIZE);
    let files = site.serve();
    let proxy = Server::start("http_proxy");
    let mut r = BufReader::with_capacity(64 * 1024, proxy.connect());
    write!(r.get_mut(), "GET http://{}/big.bin HTTP/1.1\r\nHost: {}\r\n\r\n", files.1, files.1).unwrap();
    let head = read_head(&mut r);
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n") && content_length(&head) == SIZE, "{head}");
    let block = pattern();
    let (off, peak) = read_slowly(&mut r, &block, &proxy);
    eprintln!("http_proxy RSS: {peak} KiB at most while a slow client downloads 32 MiB");
    assert!(peak < 24 * 1024, "proxy RSS {peak} KiB while a slow client downloads 32 MiB");
    read_rest(&mut r, &block, off, SIZE);
    // Upload: an origin that reads nothing for a while; the proxy must hold the client back.
    let script = r#"
const http = require('http');
const server = http.createServer((req, res) => {
  req.pause();
  setTimeout(() => {
    let n = 0;
    req.on('data', d => n += d.length);
    req.on('end', () => res.end(String(n)));
    req.resume();
  }, 600);
});
server.listen(0, '127.0.0.1', () => console.log('listening on 127.0.0.1:' + server.address().port));
"#;
    let slow = node_server(script);
    let mut c = proxy.connect();
    write!(c, "POST http://{}/ HTTP/1.1\r\nHost: {}\r\nContent-Length: {SIZE}\r\n\r\n", slow.1, slow.1)
        .unwrap();
    // The proxy's memory is sampled after every block the upload gets in (the origin holds it
    // back for 600 ms first, so most writes wait on the proxy).
    let writer = {
        let mut w = c.try_clone().unwrap();
        let pid = proxy.0.id();
        std::thread::spawn(move || {
            let block = pattern();
            let (mut left, mut peak) = (SIZE, rss_kib(pid));
            while left > 0 {
                let n = left.min(block.len());
                w.write_all(&block[..n]).unwrap();
                left -= n;
                peak = peak.max(rss_kib(pid));
            }
            peak
        })
    };
    let peak = writer.join().unwrap();
    eprintln!("http_proxy RSS: {peak} KiB at most while the origin holds a 32 MiB upload back");
    assert!(peak < 24 * 1024, "proxy RSS {peak} KiB while the origin holds a 32 MiB upload back");
    let mut r = BufReader::new(c);
    let head = read_head(&mut r);
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    let mut body = vec![0u8; content_length(&head)];
    r.read_exact(&mut body).unwrap();
    assert_eq!(body, SIZE.to_string().as_bytes());
}

#[test]
fn http_proxy_relays_trailers_and_100_continue_for_nodes_client() {
    let echo = Server::start("http_echo");
    let proxy = Server::start("http_proxy");
    let (host, port) = proxy.1.rsplit_once(':').unwrap();
    // Node's client sends absolute-form targets to the proxy; an inline origin sends trailers.
    let script = r#"
const http = require('http');
const [host, port, echo] = process.argv.slice(1);
setTimeout(() => { console.error('timed out'); process.exit(1); }, 8000).unref();
const origin = http.createServer((req, res) => {
  res.writeHead(200, { 'Trailer': 'X-Checksum' });
  res.write('part one, ');
  res.addTrailers({ 'X-Checksum': 'abc' });
  res.end('part two');
});
function via(path, method, headers, send) {
  return new Promise((ok, fail) => {
    const req = http.request({ host, port, path, method, headers }, res => {
      let data = ''; res.setEncoding('utf8');
      res.on('data', d => data += d);
      res.on('end', () => ok({ status: res.statusCode, data, trailers: res.trailers, via: res.headers.via }));
    });
    req.on('error', fail);
    send(req);
  });
}
origin.listen(0, '127.0.0.1', async () => {
  const a = await via(`http://127.0.0.1:${origin.address().port}/`, 'GET', {}, req => req.end());
  const b = await via(`http://${echo}/up`, 'PUT', { 'Trailer': 'X-Sum' }, req => {
    req.write('hello '); req.write('world'); req.addTrailers({ 'X-Sum': '42' }); req.end();
  });
  // The body goes only once the origin's 100 Continue has come back through the proxy.
  const c = await via(`http://${echo}/cont`, 'POST', { 'Expect': '100-continue', 'Content-Length': '5' }, req => {
    req.on('continue', () => req.end('12345'));
    req.flushHeaders();
  });
  const echoed = r => { const j = JSON.parse(r.data); return [j.method, Buffer.from(j.body_base64, 'base64').toString(), j.trailers]; };
  console.log(JSON.stringify({ a: [a.status, a.data, a.trailers, a.via], b: echoed(b), c: [c.status, ...echoed(c)] }));
  origin.close();
})
"#;
    let out = run(Command::new("node").args(["-e", script, host, port, &echo.1]));
    assert_eq!(
        out.trim(),
        r#"{"a":[200,"part one, part two",{"x-checksum":"abc"},"1.1 netcore"],"b":["PUT","hello world",[["X-Sum","42"]]],"c":[200,"POST","12345",[]]}"#
    );
}

#[test]
fn ws_client_sends_stdin_lines_to_ws_echo_and_prints_the_echoes() {
    let server = Server::start("ws_echo");
    common::ws_client_echoes(&format!("ws://{}/", server.1), &[]);
}

#[test]
fn ws_client_reports_a_refused_connection() {
    let (_reserved, port) = refused_port();
    let out = Command::new(example("ws_client"))
        .arg(format!("ws://127.0.0.1:{port}/"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success(), "{out:?}");
    assert!(out.stdout.is_empty(), "{out:?}");
    // `error: MESSAGE (NAME)`, the name once.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr, format!("error: connection to 127.0.0.1:{port} refused (ECONNREFUSED)\n"));
}

#[test]
fn ws_echo_answers_a_plain_get_with_426() {
    let server = Server::start("ws_echo");
    let out = curl(&[&format!("http://{}/", server.1)]);
    assert!(out.starts_with("HTTP/1.1 426 Upgrade Required\r\n"), "{out}");
    assert!(out.ends_with("\r\n\r\nUpgrade Required"), "{out}");
}
