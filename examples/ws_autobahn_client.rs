//! Our WebSocket client under the Autobahn|Testsuite's fuzzingserver (`scripts/autobahn.sh
//! client`): the suite's client protocol, every case on one loop, one after another.
//!
//! `cargo run --release --example ws_autobahn_client URL AGENT`, e.g.
//! `ws_autobahn_client ws://127.0.0.1:9001 netcore`:
//!
//! 1. `URL/getCaseCount`: the server sends the number of cases as a text message;
//! 2. for each case N from 1: `URL/runCase?case=N&agent=AGENT`, echoing every message back as it
//!    came (text as text, binary as binary) until the connection closes;
//! 3. `URL/updateReports?agent=AGENT`, which writes the reports; then exit 0.
//!
//! permessage-deflate is offered on every connection (the 12.* and 13.* cases need it; the
//! server may ask for `client_max_window_bits` or `client_no_context_takeover`). Errors inside a
//! case are what the case tests: they are printed and the next case starts. Exit 1 only if the
//! case count cannot be had or the reports cannot be updated.
use std::cell::Cell;
use std::rc::Rc;

use bytes::Bytes;
use netcore::EventLoop;
use netcore_websocket::client::{connect, ClientOptions};
use netcore_websocket::{Error, WebSocket, WebSocketHandler};

/// What the run shares between its connections.
struct Run {
    url: String,
    agent: String,
    failed: Rc<Cell<bool>>,
}

/// The phase a connection belongs to.
enum Step {
    /// Waits for the case count.
    Count { count: Option<u32> },
    /// Echoes for case `n` of `total`.
    Case { n: u32, total: u32 },
    /// Asks the server to write its reports.
    Reports,
}

struct Fuzzed {
    run: Rc<Run>,
    step: Step,
}

impl WebSocketHandler for Fuzzed {
    fn on_message(&mut self, ws: &mut WebSocket<'_>, data: Bytes, is_binary: bool) {
        match &mut self.step {
            Step::Count { count } => {
                *count = std::str::from_utf8(&data).ok().and_then(|s| s.trim().parse().ok());
            }
            Step::Case { .. } => {
                ws.send(&data, is_binary);
            }
            Step::Reports => {}
        }
    }

    fn on_error(&mut self, _ws: &mut WebSocket<'_>, error: &Error) {
        match self.step {
            Step::Case { n, .. } => {
                println!("case {n}: {}", netcore_examples::with_code(error, error.code()))
            }
            _ => {
                eprintln!("error: {}", netcore_examples::with_code(error, error.code()));
                self.run.failed.set(true);
            }
        }
    }

    fn on_close(&mut self, lp: &mut EventLoop, code: u16, _reason: &[u8]) {
        match self.step {
            Step::Count { count } => match count {
                Some(total) => {
                    println!("{total} cases");
                    next_case(lp, &self.run, 1, total);
                }
                None => {
                    eprintln!("error: no case count (closed with {code})");
                    self.run.failed.set(true);
                }
            },
            Step::Case { n, total } => next_case(lp, &self.run, n + 1, total),
            Step::Reports => println!("reports updated"),
        }
    }
}

/// Connects for one step; a connect that cannot start ends the run.
fn open(lp: &mut EventLoop, run: &Rc<Run>, path: &str, step: Step) {
    let url = format!("{}{path}", run.url);
    let handler = Fuzzed { run: run.clone(), step };
    if let Err(e) = connect(lp, &url, ClientOptions::default(), handler) {
        eprintln!("error: {}", netcore_examples::with_code(&e, e.code()));
        run.failed.set(true);
    }
}

/// Case `n`, or the reports once every case ran.
fn next_case(lp: &mut EventLoop, run: &Rc<Run>, n: u32, total: u32) {
    if n > total {
        let path = format!("/updateReports?agent={}", run.agent);
        open(lp, run, &path, Step::Reports);
    } else {
        let path = format!("/runCase?case={n}&agent={}", run.agent);
        open(lp, run, &path, Step::Case { n, total });
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(url), Some(agent), None) = (args.next(), args.next(), args.next()) else {
        return Err("usage: ws_autobahn_client URL AGENT".into());
    };
    let mut lp = EventLoop::new()?;
    let failed = Rc::new(Cell::new(false));
    let run = Rc::new(Run { url: url.trim_end_matches('/').to_owned(), agent, failed: failed.clone() });
    open(&mut lp, &run, "/getCaseCount", Step::Count { count: None });
    lp.run()?;
    if failed.get() {
        std::process::exit(1);
    }
    Ok(())
}
