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
        let mut child = Command::new(example(name)).arg("0").stdout(Stdio::piped()).spawn().unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let addr =
            line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("{name} printed {line:?}"));
        Server(child, addr.to_string())
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
