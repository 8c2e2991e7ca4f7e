//! Helpers of the client tests: a Node server as a child process, a handler that records every
//! event into the loop's state, and loop runners with deadlines.
//!
//! Nothing waits by sleeping: a test proceeds on loop events and on lines the Node server prints,
//! and every wait has a deadline so that a broken test fails instead of hanging.
#![allow(dead_code, clippy::unwrap_used)]

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::Receiver;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use bytes::Bytes;
use netcore::EventLoop;
use netcore_http1::client::{ClientRequest, Error, ResponseHandler, Upgrade};
use netcore_http1::proto::{Headers, ResponseHead};

/// How long a loop may run before its watchdog fails the test.
pub const LOOP_TIMEOUT: Duration = Duration::from_secs(10);

/// A Node helper from `tests/node/`; killed when dropped.
pub struct Node {
    child: Child,
    lines: Receiver<String>,
    stderr: Option<JoinHandle<String>>,
    /// The address from its `listening on ADDR` line.
    pub addr: String,
}

impl Node {
    /// Starts `node tests/node/<script> <args…>` and waits for `listening on ADDR`.
    pub fn start(script: &str, args: &[&str]) -> Node {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/node").join(script);
        let mut child = Command::new("node")
            .arg(&path)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start node {}: {e}", path.display()));
        let (lines, stderr) = netcore_testkit::read_output(&mut child);
        let mut node = Node { child, lines, stderr: Some(stderr), addr: String::new() };
        loop {
            let line = node.next_line();
            if let Some(addr) = line.strip_prefix("listening on ") {
                node.addr = addr.to_string();
                return node;
            }
        }
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.addr.rsplit_once(':').unwrap().1.parse().unwrap()
    }

    /// The next line it prints (at most 10 s away).
    pub fn next_line(&mut self) -> String {
        match self.lines.recv_timeout(LOOP_TIMEOUT) {
            Ok(line) => line,
            Err(e) => {
                let _ = self.child.kill();
                let _ = self.child.wait();
                let stderr = self.stderr.take().map(|h| h.join().unwrap_or_default()).unwrap_or_default();
                panic!("node: no line ({e})\nstderr: {stderr}");
            }
        }
    }

    /// Every line printed so far, without waiting.
    pub fn printed(&self) -> Vec<String> {
        self.lines.try_iter().collect()
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `lp` until nothing keeps it alive, failing the test after [`LOOP_TIMEOUT`].
pub fn run(lp: &mut EventLoop) {
    let t = lp.set_timeout(LOOP_TIMEOUT, |_| panic!("the loop still runs after {LOOP_TIMEOUT:?}"));
    lp.unref_timer(t);
    lp.run().unwrap();
    lp.clear_timer(t);
}

/// Runs `lp` until `done` holds, failing the test after `limit`. A referenced timer keeps the
/// loop waiting meanwhile, even when only unreferenced sockets and timers are left.
pub fn run_until(lp: &mut EventLoop, limit: Duration, mut done: impl FnMut(&mut EventLoop) -> bool) {
    let deadline = Instant::now() + limit;
    let keep = lp.set_timeout(limit, |_| {});
    while !done(lp) {
        assert!(Instant::now() < deadline, "the condition did not hold within {limit:?}");
        lp.run_once(Some(Duration::from_millis(20))).unwrap();
    }
    lp.clear_timer(keep);
}

/// What happened to one request.
#[derive(Debug, Default, Clone)]
pub struct Record {
    /// Event names in order: `information 103`, `continue`, `response 200`, `data`, `trailers`,
    /// `end`, `upgrade`, `timeout`, `drain`, `error CODE`, `close`.
    pub events: Vec<String>,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub trailers: Vec<(String, String)>,
    pub error: Option<String>,
    pub error_text: Option<String>,
    pub reused: Option<bool>,
    pub retried: bool,
    pub local_port: Option<u16>,
    pub informational: Vec<(u16, Vec<(String, String)>)>,
}

impl Record {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The events without the repeated `data`.
    pub fn outline(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for e in &self.events {
            if e == "data" && out.last() == Some(&"data") {
                continue;
            }
            out.push(e);
        }
        out
    }
}

/// Every request's record, by name, in the loop's state.
#[derive(Default)]
pub struct Log(pub HashMap<String, Record>);

/// The record named `name`.
pub fn record(lp: &mut EventLoop, name: &str) -> Record {
    lp.state_or_default::<Log>().0.get(name).cloned().unwrap_or_default()
}

fn pairs(h: &Headers) -> Vec<(String, String)> {
    h.iter().map(|(n, v)| (n.to_string(), String::from_utf8_lossy(v).into_owned())).collect()
}

type Hook = Box<dyn FnMut(&mut ClientRequest<'_>)>;
type CloseHook = Box<dyn FnOnce(&mut EventLoop)>;
type UpgradeHook = Box<dyn FnMut(&mut Upgrade<'_>) -> bool>;

/// A handler that records every event under its name, with optional hooks.
pub struct Recorder {
    name: String,
    on_response: Option<Hook>,
    on_data: Option<Hook>,
    on_timeout: Option<Hook>,
    on_drain: Option<Hook>,
    on_upgrade: Option<UpgradeHook>,
    then: Option<CloseHook>,
}

impl Recorder {
    pub fn new(name: &str) -> Recorder {
        Recorder {
            name: name.to_string(),
            on_response: None,
            on_data: None,
            on_timeout: None,
            on_drain: None,
            on_upgrade: None,
            then: None,
        }
    }

    /// Runs `f` after `on_close` (to start the next request).
    pub fn then(mut self, f: impl FnOnce(&mut EventLoop) + 'static) -> Self {
        self.then = Some(Box::new(f));
        self
    }

    pub fn on_response(mut self, f: impl FnMut(&mut ClientRequest<'_>) + 'static) -> Self {
        self.on_response = Some(Box::new(f));
        self
    }

    pub fn on_data(mut self, f: impl FnMut(&mut ClientRequest<'_>) + 'static) -> Self {
        self.on_data = Some(Box::new(f));
        self
    }

    pub fn on_timeout(mut self, f: impl FnMut(&mut ClientRequest<'_>) + 'static) -> Self {
        self.on_timeout = Some(Box::new(f));
        self
    }

    pub fn on_drain(mut self, f: impl FnMut(&mut ClientRequest<'_>) + 'static) -> Self {
        self.on_drain = Some(Box::new(f));
        self
    }

    pub fn on_upgrade(mut self, f: impl FnMut(&mut Upgrade<'_>) -> bool + 'static) -> Self {
        self.on_upgrade = Some(Box::new(f));
        self
    }

    fn with(&self, lp: &mut EventLoop, f: impl FnOnce(&mut Record)) {
        f(lp.state_or_default::<Log>().0.entry(self.name.clone()).or_default())
    }

    fn event(&self, lp: &mut EventLoop, e: impl Into<String>) {
        let e = e.into();
        self.with(lp, |r| r.events.push(e));
    }
}

impl ResponseHandler for Recorder {
    fn on_response(&mut self, req: &mut ClientRequest<'_>, res: &ResponseHead) {
        let reused = req.reused_socket();
        let retried = req.retried();
        let socket = req.socket();
        let local_port = socket.and_then(|s| s.local_address(req.lp())).and_then(|a| {
            let a = a.to_string();
            a.rsplit_once(':').and_then(|(_, p)| p.parse().ok())
        });
        let (status, headers) = (res.status(), pairs(res.headers()));
        self.with(req.lp(), |r| {
            r.events.push(format!("response {status}"));
            r.status = status;
            r.headers = headers;
            r.reused = Some(reused);
            r.retried = retried;
            r.local_port = local_port;
        });
        if let Some(f) = &mut self.on_response {
            f(req);
        }
    }

    fn on_data(&mut self, req: &mut ClientRequest<'_>, data: Bytes) {
        self.with(req.lp(), |r| {
            r.events.push("data".into());
            r.body.extend_from_slice(&data);
        });
        if let Some(f) = &mut self.on_data {
            f(req);
        }
    }

    fn on_trailers(&mut self, req: &mut ClientRequest<'_>, trailers: &Headers) {
        let t = pairs(trailers);
        self.with(req.lp(), |r| {
            r.events.push("trailers".into());
            r.trailers = t;
        });
    }

    fn on_end(&mut self, req: &mut ClientRequest<'_>) {
        self.event(req.lp(), "end");
    }

    fn on_continue(&mut self, req: &mut ClientRequest<'_>) {
        self.event(req.lp(), "continue");
    }

    fn on_information(&mut self, req: &mut ClientRequest<'_>, info: &ResponseHead) {
        let (status, headers) = (info.status(), pairs(info.headers()));
        self.with(req.lp(), |r| {
            r.events.push(format!("information {status}"));
            r.informational.push((status, headers));
        });
    }

    fn on_drain(&mut self, req: &mut ClientRequest<'_>) {
        self.event(req.lp(), "drain");
        if let Some(f) = &mut self.on_drain {
            f(req);
        }
    }

    fn on_upgrade(&mut self, upgrade: &mut Upgrade<'_>) -> bool {
        let status = upgrade.head().status();
        self.event(upgrade.lp(), format!("upgrade {status}"));
        match &mut self.on_upgrade {
            Some(f) => f(upgrade),
            None => false,
        }
    }

    fn on_timeout(&mut self, req: &mut ClientRequest<'_>) {
        self.event(req.lp(), "timeout");
        if let Some(f) = &mut self.on_timeout {
            f(req);
        }
    }

    fn on_error(&mut self, req: &mut ClientRequest<'_>, error: &Error) {
        let (code, text) = (error.code().to_string(), error.to_string());
        self.with(req.lp(), |r| {
            r.events.push(format!("error {code}"));
            r.error = Some(code);
            r.error_text = Some(text);
        });
    }

    fn on_close(&mut self, lp: &mut EventLoop) {
        self.event(lp, "close");
        if let Some(f) = self.then.take() {
            f(lp);
        }
    }
}

/// A value of a flat JSON object's string or number field (enough for the Node servers' replies).
pub fn json_field(json: &str, name: &str) -> Option<String> {
    let key = format!("\"{name}\":");
    let start = json.find(&key)? + key.len();
    let rest = &json[start..];
    if let Some(s) = rest.strip_prefix('"') {
        let mut out = String::new();
        let mut chars = s.chars();
        while let Some(c) = chars.next() {
            match c {
                '"' => return Some(out),
                '\\' => out.push(chars.next()?),
                c => out.push(c),
            }
        }
        None
    } else {
        let end = rest.find([',', '}']).unwrap_or(rest.len());
        Some(rest[..end].trim().to_string())
    }
}
