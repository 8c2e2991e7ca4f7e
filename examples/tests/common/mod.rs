//! What the examples' tests share: finding a built example, running an example server until the
//! test drops it, and the `ws_client` round trip.
#![allow(dead_code, clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};

/// The built example `name`: `target/<profile>/deps/TEST-HASH` → `target/<profile>/examples/NAME`
/// (`cargo test` builds the examples first).
pub fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent().unwrap().parent().unwrap().join("examples").join(name)
}

/// A running example server, killed on drop: its process and the address it printed.
pub struct Server(pub Child, pub String);

impl Server {
    /// Starts example `name` with port 0.
    pub fn start(name: &str) -> Server {
        Server::start_with(name, &["0"])
    }

    /// Starts example `name` with these arguments (one of them port 0).
    pub fn start_with(name: &str, args: &[&str]) -> Server {
        Server::spawn(Command::new(example(name)).args(args))
    }

    /// Starts `command` with stdout piped and waits for its `listening on ADDR` line.
    pub fn spawn(command: &mut Command) -> Server {
        let mut child = command.stdout(Stdio::piped()).spawn().unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let addr = line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("printed {line:?}"));
        Server(child, addr.to_string())
    }

    /// The port of the address it printed.
    pub fn port(&self) -> &str {
        self.1.rsplit_once(':').unwrap().1
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `ws_client URL ARGS…` (under `timeout 30`) sends two stdin lines, one of them not ASCII, to an
/// echo server; they must come back on stdout, with nothing on stderr. Returns nothing: it asserts.
pub fn ws_client_echoes(url: &str, args: &[&str]) {
    let mut client = Command::new("timeout")
        .arg("30")
        .arg(example("ws_client"))
        .arg(url)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    client.stdin.take().unwrap().write_all("hello\nwörld\n".as_bytes()).unwrap();
    // stdin's end closes the connection with 1000; the client exits once the server answered.
    let out: Output = client.wait_with_output().unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "hello\nwörld\n");
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
}
