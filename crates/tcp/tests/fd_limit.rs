//! Running out of file descriptors (`EMFILE`). This file is a test binary of its own because it
//! lowers the process's `RLIMIT_NOFILE`, which would starve tests running beside it.
//!
//! With only a few spare descriptors, a Node client (a child process, so our limit does not bind
//! it) opens more connections than our server can accept. The server must report
//! `Error::TooManyOpenFiles` (`EMFILE`), leave the rest waiting in the kernel's backlog without
//! spinning the CPU, and accept and serve every one of them once connections close.
#![allow(clippy::unwrap_used)]

mod common;

use std::cell::RefCell;
use std::process::ChildStdin;
use std::rc::Rc;
use std::time::Duration;

use common::{cpu_time, nofile_limit, open_fds, send_line, set_nofile_soft, watchdog, Node};
use netcore::EventLoop;
use netcore_tcp::{listen, Error, ServerHandler, ServerId, Socket, SocketHandler, SocketId};

/// Connections the Node client opens: well past what the spare descriptors allow.
const CONNECTIONS: usize = 100;
/// Descriptors left free above those open when the test starts.
const SPARE_FDS: usize = 40;
/// How long the server sits at the limit, every pending connection stuck, while we measure.
const WINDOW: Duration = Duration::from_millis(500);

#[derive(Debug, Default)]
struct Seen {
    accepted: usize,
    emfile: usize,
    /// Accepted connections and `EMFILE` reports when the window opened and when it closed.
    window: Option<((usize, usize), (usize, usize))>,
    window_cpu: Option<Duration>,
    other_errors: Vec<String>,
    closed: usize,
}

type Shared = Rc<RefCell<Seen>>;

struct Starved {
    seen: Shared,
    node_stdin: Rc<RefCell<Option<ChildStdin>>>,
}

struct Echo(Shared);

impl SocketHandler for Echo {
    fn on_data(&mut self, s: &mut Socket<'_>, data: &[u8]) {
        s.write(data);
    }
    fn on_error(&mut self, _s: &mut Socket<'_>, e: &Error) {
        self.0.borrow_mut().other_errors.push(format!("socket: {e}"));
    }
    fn on_close(&mut self, _lp: &mut EventLoop, _id: SocketId, _had_error: bool) {
        self.0.borrow_mut().closed += 1;
    }
}

impl ServerHandler for Starved {
    type Connection = Echo;
    fn on_connection(&mut self, _s: &mut Socket<'_>) -> Echo {
        self.seen.borrow_mut().accepted += 1;
        Echo(self.seen.clone())
    }
    fn on_error(&mut self, lp: &mut EventLoop, _server: ServerId, e: &Error) {
        let mut seen = self.seen.borrow_mut();
        if !matches!(e, Error::TooManyOpenFiles) {
            seen.other_errors.push(format!("server: {e}"));
            return;
        }
        assert_eq!(e.code(), "EMFILE");
        seen.emfile += 1;
        let Some(mut stdin) = self.node_stdin.borrow_mut().take() else { return };
        // The first EMFILE: measure the CPU the loop burns while stuck at the limit, then let
        // Node close the connections it has had echoed.
        let start = (seen.accepted, seen.emfile);
        let cpu0 = cpu_time();
        let s2 = self.seen.clone();
        lp.set_timeout(WINDOW, move |_lp| {
            let mut seen = s2.borrow_mut();
            seen.window_cpu = Some(cpu_time() - cpu0);
            seen.window = Some((start, (seen.accepted, seen.emfile)));
            send_line(&mut stdin, "close");
        });
    }
}

#[test]
fn emfile_is_reported_without_spinning_and_the_server_recovers() {
    let mut lp = EventLoop::new().unwrap();
    watchdog(&mut lp, "fd limit");
    let seen = Shared::default();
    let node_stdin = Rc::default();
    let starved = Starved { seen: seen.clone(), node_stdin: Rc::clone(&node_stdin) };
    let server = listen(&mut lp, "127.0.0.1:0", starved).unwrap();
    let addr = server.address(&lp).unwrap().to_string();
    // Node starts before the limit is lowered (a child inherits it) and connects at once; the
    // connections wait in our backlog until the loop runs.
    let mut node = Node::spawn("fd_clients.js", &[&addr, &CONNECTIONS.to_string()]);
    *node_stdin.borrow_mut() = Some(node.take_stdin());
    node.on_exit(&lp, move |lp| server.close(lp));

    let (soft, _) = nofile_limit();
    let limit = (open_fds() + SPARE_FDS) as libc::rlim_t;
    assert!(limit < soft, "the soft limit {soft} is already below {limit}");
    set_nofile_soft(limit);
    let ran = lp.run();
    set_nofile_soft(soft);
    ran.unwrap();

    let out = node.expect_success();
    let seen = seen.borrow();
    assert!(seen.other_errors.is_empty(), "errors: {:?}", seen.other_errors);
    // One shortage, reported once: it lasts until the backlog has been emptied.
    assert_eq!(seen.emfile, 1, "EMFILE reports");
    let ((accepted0, emfile0), (accepted1, emfile1)) = seen.window.unwrap();
    assert!(accepted0 < CONNECTIONS && accepted0 + 10 >= SPARE_FDS, "EMFILE after {accepted0} connections");
    assert_eq!(accepted1, accepted0, "accepted while out of descriptors");
    // Retries back off (100 ms by default) instead of spinning, and a shortage is reported once.
    assert_eq!(emfile1, emfile0, "EMFILE reported again while still out of descriptors");
    let cpu = seen.window_cpu.unwrap();
    assert!(cpu < WINDOW / 5, "the loop burnt {cpu:?} of CPU in {WINDOW:?} while stuck at the limit");
    // Recovery: Node closed the connections it had echoed, and every other one was then accepted
    // and served.
    assert_eq!(out, [format!("echoed {accepted0}"), format!("done {CONNECTIONS}")]);
    assert_eq!(seen.accepted, CONNECTIONS);
    assert_eq!(seen.closed, CONNECTIONS);
    println!(
        "limit {limit}: EMFILE after {accepted0} connections, {} reports in all, {cpu:?} CPU in {WINDOW:?}",
        seen.emfile
    );
}
