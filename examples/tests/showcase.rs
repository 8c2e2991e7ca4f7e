//! The showcase as a user meets it: every layer answers on its address, the chat room joins a
//! real browser (headless Chromium driven by playwright-core) and a TCP client, `/dns` answers
//! from the system resolver and from a real DNS server (unbound), and SIGTERM shuts it all down
//! through the loop. (`cargo test` builds the examples first.)
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::Receiver;
use std::time::Duration;

use netcore_testkit::Unbound;

mod common;
use common::example;

/// How long any one step may take before the test fails instead of hanging.
const STEP: Duration = Duration::from_secs(20);

/// A running showcase on free ports, killed on drop: its addresses by kind (`http`, `ws`,
/// `https`, `tcp`, `udp`) and the rest of its stdout.
struct Showcase {
    child: Child,
    addrs: HashMap<String, String>,
    lines: Receiver<String>,
}

impl Showcase {
    fn start(extra: &[&str]) -> Showcase {
        let mut child = Command::new(example("showcase"))
            .args(["--http", "0", "--https", "0", "--tcp", "0", "--udp", "0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (lines, _stderr) = netcore_testkit::read_output(&mut child);
        let mut addrs = HashMap::new();
        loop {
            let line = lines.recv_timeout(STEP).expect("the showcase printed its addresses");
            if line.starts_with("ready") {
                break;
            }
            let (kind, rest) = line.split_once(' ').unwrap();
            let url = rest.trim_start().strip_prefix("listening on ").unwrap();
            let addr = url.split_whitespace().next().unwrap();
            addrs.insert(kind.to_string(), addr.to_string());
        }
        Showcase { child, addrs, lines }
    }

    fn addr(&self, kind: &str) -> &str {
        &self.addrs[kind]
    }

    /// `host:port` of an address printed as a URL or as a bare address.
    fn host_port(&self, kind: &str) -> String {
        let addr = self.addr(kind);
        let addr = addr.split_once("://").map_or(addr, |(_, rest)| rest);
        addr.trim_end_matches('/').to_string()
    }

    fn port(&self, kind: &str) -> String {
        self.host_port(kind).rsplit_once(':').unwrap().1.to_string()
    }
}

impl Drop for Showcase {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A plain HTTP/1.1 GET over a std socket: the status line and the body.
fn get(host_port: &str, target: &str) -> (String, String) {
    let mut s = TcpStream::connect(host_port).unwrap();
    s.set_read_timeout(Some(STEP)).unwrap();
    write!(s, "GET {target} HTTP/1.1\r\nHost: {host_port}\r\nConnection: close\r\n\r\n").unwrap();
    let mut response = String::new();
    s.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    (head.lines().next().unwrap().to_string(), body.to_string())
}

/// A TCP chat member: the lines it receives.
struct Member {
    stream: TcpStream,
    reader: BufReader<TcpStream>,
}

impl Member {
    fn join(addr: &str) -> Member {
        let stream = TcpStream::connect(addr).unwrap();
        stream.set_read_timeout(Some(STEP)).unwrap();
        let reader = BufReader::new(stream.try_clone().unwrap());
        Member { stream, reader }
    }

    fn line(&mut self) -> String {
        let mut line = String::new();
        self.reader.read_line(&mut line).unwrap();
        line
    }
}

#[test]
fn every_layer_answers_on_its_address() {
    let showcase = Showcase::start(&[]);

    // HTTP: the chat page, naming the TCP chat's real port.
    let (status, page) = get(&showcase.host_port("http"), "/");
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(page.contains("<title>netcore showcase: chat</title>"));
    assert!(page.contains(&format!("nc 127.0.0.1 {}", showcase.port("tcp"))), "{page}");
    let (status, _) = get(&showcase.host_port("http"), "/nowhere");
    assert_eq!(status, "HTTP/1.1 404 Not Found");

    // HTTPS: hello world over TLS, through curl (the certificate is self-signed: -k).
    let https = Command::new("curl")
        .args(["-sk", "--max-time", "20"])
        .arg(format!("https://{}/", showcase.host_port("https")))
        .output()
        .expect("curl is installed (.ci/run installs it)");
    assert!(https.status.success(), "{https:?}");
    assert_eq!(String::from_utf8_lossy(&https.stdout), "hello world\n");

    // UDP: the echo.
    let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
    udp.set_read_timeout(Some(STEP)).unwrap();
    udp.send_to(b"ping over udp", showcase.addr("udp")).unwrap();
    let mut buf = [0u8; 64];
    let (n, from) = udp.recv_from(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"ping over udp");
    assert_eq!(from.to_string(), showcase.addr("udp"));

    // TCP: two members of the room hear each other, and not themselves.
    let mut ann = Member::join(showcase.addr("tcp"));
    assert!(ann.line().starts_with("* welcome, nc:"));
    let mut ben = Member::join(showcase.addr("tcp"));
    assert!(ben.line().starts_with("* welcome, nc:"));
    assert!(ann.line().ends_with(" joined\n"));
    ann.stream.write_all(b"hello ben\n").unwrap();
    assert!(ben.line().ends_with("> hello ben\n"));
    ben.stream.write_all(b"hi ann\n").unwrap();
    assert!(ann.line().ends_with("> hi ann\n"));
}

#[test]
fn dns_answers_from_lookup_and_from_a_real_server() {
    let zone = "$ORIGIN example.test.\n@ 300 IN SOA ns1 hostmaster 1 3600 600 86400 300\n\
                @ 300 IN NS ns1\nns1 300 IN A 192.0.2.53\nwww 60 IN A 192.0.2.1\n";
    let unbound = Unbound::start(&[("example.test.", zone)]);
    let server = unbound.addr().to_string();
    let showcase = Showcase::start(&["--dns-server", &server]);

    // The name percent-encoded, as a browser's form sends it: `www%2Eexample.test`.
    let (status, body) = get(&showcase.host_port("http"), "/dns?name=www%2Eexample.test");
    assert_eq!(status, "HTTP/1.1 200 OK");
    // getaddrinfo knows nothing of the test zone; the resolver asks unbound.
    assert!(body.starts_with("{\"name\":\"www.example.test\",\"lookup\":{\"error\":\"E"), "{body}");
    assert!(body.contains("\"resolve4\":[{\"address\":\"192.0.2.1\",\"ttl\":"), "{body}");

    let (_, body) = get(&showcase.host_port("http"), "/dns?name=localhost");
    assert!(body.contains("\"lookup\":[{\"address\":\"127.0.0.1\",\"family\":4}"), "{body}");
    assert!(body.contains("\"resolve4\":"), "{body}");

    let (status, _) = get(&showcase.host_port("http"), "/dns");
    assert_eq!(status, "HTTP/1.1 400 Bad Request");
}

#[test]
fn sigterm_shuts_everything_down_through_the_loop() {
    let mut showcase = Showcase::start(&[]);
    let mut member = Member::join(showcase.addr("tcp"));
    assert!(member.line().starts_with("* welcome"));

    let kill = Command::new("kill").args(["-TERM", &showcase.child.id().to_string()]).status().unwrap();
    assert!(kill.success());
    assert_eq!(showcase.lines.recv_timeout(STEP).unwrap(), "SIGTERM: shutting down");
    // The room says goodbye, then the server ends the member's connection.
    assert_eq!(member.line(), "* the server is shutting down\n");
    assert_eq!(member.line(), "", "then EOF");
    assert_eq!(showcase.lines.recv_timeout(STEP).unwrap(), "bye");
    let status = showcase.child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    // Nothing listens any more.
    assert!(TcpStream::connect(showcase.addr("tcp")).is_err());
}

/// Debian's Chromium, which `.ci/run` installs (`apt-get install chromium`).
fn chromium() -> PathBuf {
    let path = std::env::var_os("CHROMIUM").map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from);
    assert!(path.exists(), "{} is missing: install Debian's chromium (.ci/run does)", path.display());
    path
}

#[test]
fn two_browsers_and_a_tcp_client_share_the_chat_room() {
    let chromium = chromium();
    let node_path = netcore_testkit::npm_package("playwright-core", "1.64.1");
    let showcase = Showcase::start(&[]);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let artifacts = root.join("../target/test-artifacts");
    std::fs::create_dir_all(&artifacts).unwrap();
    let screenshot = artifacts.join("showcase-chat.png");
    let _ = std::fs::remove_file(&screenshot);

    let out = Command::new("timeout")
        .arg("90")
        .arg("node")
        .arg(root.join("tests/browser/chat.mjs"))
        .arg(format!("http://{}/", showcase.host_port("http")))
        .arg(showcase.port("tcp"))
        .arg(&screenshot)
        .env("NODE_PATH", node_path)
        .env("CHROMIUM", chromium)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "stdout: {stdout}\nstderr: {}", String::from_utf8_lossy(&out.stderr));
    // What the script saw, checked here too: each line reached the other two members.
    let tcp_name = stdout.split("\"tcpName\":\"").nth(1).and_then(|s| s.split('"').next()).unwrap();
    for expected in [
        "\"alice\":[\"* bob joined\"",
        "alice> hello from alice",
        "bob> hi from bob",
        &format!("{tcp_name}> hey from a terminal"),
        &format!("* {tcp_name} left"),
        "\"lookup\":[{\"address\":\"127.0.0.1\",\"family\":4}]",
    ] {
        assert!(stdout.contains(expected), "missing {expected:?} in {stdout}");
    }
    let png = std::fs::read(&screenshot).unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 10_000, "a real screenshot");
}
