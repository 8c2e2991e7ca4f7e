//! The examples written for the README's table of Node's docs examples (`tcp_errors`), run as a
//! user runs them. (`cargo test` builds the examples first.)
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::Duration;

mod common;
use common::{example, Server};

/// Node's `EADDRINUSE` retry: while the port is held the example says so on stderr, once it is
/// free it listens there and echoes.
#[test]
fn tcp_errors_retries_while_the_port_is_taken() {
    let holder = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = holder.local_addr().unwrap().port().to_string();
    let mut child = Command::new(example("tcp_errors"))
        .arg(&port)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The event, not a wait: the first refusal is reported, then the port is freed.
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    assert_eq!(line, "Address in use, retrying...\n");
    drop(holder);
    // A retry a second later takes the port and says so on stdout.
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let addr = line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("printed {line:?}"));
    let server = Server(child, addr.to_string());
    assert!(server.1.ends_with(&format!(":{port}")), "listening on {}", server.1);

    let mut c = TcpStream::connect(&server.1).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    c.write_all(b"hello").unwrap();
    c.shutdown(std::net::Shutdown::Write).unwrap();
    let mut back = String::new();
    c.read_to_string(&mut back).unwrap();
    assert_eq!(back, "hello");
}
