//! The examples as a user runs them: each binary is started with port 0, its `listening on ADDR`
//! line is read, and plain `std` clients talk to it. (`cargo test` builds the examples first.)
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

fn example(name: &str) -> PathBuf {
    // target/<profile>/deps/examples-HASH → target/<profile>/examples/NAME
    let exe = std::env::current_exe().unwrap();
    exe.parent().unwrap().parent().unwrap().join("examples").join(name)
}

/// A running example server, killed on drop.
struct Server(Child, String);

impl Server {
    fn start(name: &str) -> Server {
        Server::start_with(name, &["0"])
    }
    /// Starts `name` with these arguments (one of them port 0).
    fn start_with(name: &str, args: &[&str]) -> Server {
        let mut child = Command::new(example(name)).args(args).stdout(Stdio::piped()).spawn().unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let addr =
            line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("{name} printed {line:?}"));
        Server(child, addr.to_string())
    }
    /// The server process's resident memory (`VmRSS`), in KiB.
    fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.0.id())).unwrap();
        let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
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

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
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

#[test]
fn http_file_server_streams_64_mib_to_a_slow_client_in_flat_memory() {
    const SIZE: usize = 64 << 20;
    let site = Site::new(SIZE);
    let server = site.serve();
    let before = server.rss_kib();
    let mut r = BufReader::with_capacity(64 * 1024, server.connect());
    r.get_mut().write_all(b"GET /big.bin HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
    let head = read_head(&mut r);
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n") && content_length(&head) == SIZE, "{head}");
    let block = pattern();
    // A slow reader: 64 KiB, then a pause, eight times. The server must wait, not buffer.
    let mut buf = vec![0u8; 256 * 1024];
    let (mut off, mut peak) = (0, 0);
    for _ in 0..8 {
        r.read_exact(&mut buf[..64 * 1024]).unwrap();
        assert_pattern(&block, off, &buf[..64 * 1024]);
        off += 64 * 1024;
        std::thread::sleep(Duration::from_millis(60));
        peak = peak.max(server.rss_kib());
    }
    eprintln!("http_file_server RSS: {before} KiB at start, {peak} KiB at most while the client dawdled");
    assert!(peak < 40 * 1024, "RSS {peak} KiB while a slow client reads 64 MiB");
    // Then the rest at full speed.
    while off < SIZE {
        let n = r.read(&mut buf).unwrap();
        assert!(n > 0, "closed after {off} bytes");
        assert_pattern(&block, off, &buf[..n]);
        off += n;
    }
    assert_eq!(off, SIZE);
    eprintln!("http_file_server RSS after the whole file: {} KiB", server.rss_kib());
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
    let wait_for = |what: &str, want: usize| {
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while server.open_fds() != want {
            assert!(std::time::Instant::now() < deadline, "{what}: {} fds, not {want}", server.open_fds());
            std::thread::sleep(Duration::from_millis(10));
        }
    };
    let idle = server.open_fds();
    let mut r = BufReader::new(server.connect());
    r.get_mut().write_all(b"GET /big.bin HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
    read_head(&mut r);
    // The socket and the file; the transfer then waits for the client, which never reads again.
    wait_for("mid-file", idle + 2);
    std::thread::sleep(Duration::from_millis(100));
    drop(r);
    wait_for("after the client left", idle);
    let out = curl(&[&format!("http://{}/hello.txt", server.1)]);
    assert!(out.ends_with(HELLO), "{out}");
}
