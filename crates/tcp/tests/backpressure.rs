//! Backpressure against Node's `net`, both ways: our client writing to a Node server that does not
//! read gets `false` from `write` (with more than the high-water mark queued) and `drain` only
//! after Node resumes; a Node client writing to our paused server gets `false` and `'drain'` only
//! after we resume. And an end that arrives while we are paused is seen once we resume.
#![allow(clippy::unwrap_used)]

mod common;

use std::cell::{Cell, RefCell};
use std::process::ChildStdin;
use std::rc::Rc;
use std::time::Duration;

use common::{pattern, send_line, watchdog, Log, Node, Recorder};
use netcore::EventLoop;
use netcore_tcp::{connect, listen, Error, Socket, SocketHandler, SocketId, DEFAULT_HIGH_WATER_MARK};

/// How long a side that stopped reading keeps still before it reads again: long enough to show
/// that nothing moves meanwhile.
const HOLD: Duration = Duration::from_millis(200);

/// Writes 64 KiB chunks until `write` says false, holds for [`HOLD`] (the queue must not drain
/// while Node does not read), then tells the Node server to resume reading; expects `drain` only
/// after that, and ends.
struct Filler {
    node_stdin: Option<ChildStdin>,
    resumed: Rc<Cell<bool>>,
    written: Rc<Cell<usize>>,
    events: Rc<RefCell<Vec<String>>>,
}

impl SocketHandler for Filler {
    fn on_connect(&mut self, s: &mut Socket<'_>) {
        let chunk = &pattern()[..64 * 1024];
        loop {
            let more = s.write(chunk);
            self.written.set(self.written.get() + chunk.len());
            if !more {
                break;
            }
            assert!(self.written.get() < 1 << 30, "write never returned false for a peer that does not read");
        }
        let queued = s.writable_length();
        assert!(queued >= DEFAULT_HIGH_WATER_MARK, "write returned false with only {queued} bytes queued");
        assert!(queued <= DEFAULT_HIGH_WATER_MARK + chunk.len(), "{queued} bytes queued");
        self.events.borrow_mut().push("write false".into());
        let (id, mut stdin, resumed) = (s.id(), self.node_stdin.take().unwrap(), self.resumed.clone());
        s.lp().set_timeout(HOLD, move |lp| {
            assert!(id.writable_length(lp) > 0, "the queue drained while the peer did not read");
            send_line(&mut stdin, "resume");
            resumed.set(true);
        });
    }
    fn on_drain(&mut self, s: &mut Socket<'_>) {
        assert!(self.resumed.get(), "drain before the peer was told to resume");
        assert_eq!(s.writable_length(), 0);
        self.events.borrow_mut().push("drain".into());
        s.end();
    }
    fn on_error(&mut self, _s: &mut Socket<'_>, e: &Error) {
        self.events.borrow_mut().push(format!("error {e}"));
    }
    fn on_close(&mut self, _lp: &mut EventLoop, _id: SocketId, had_error: bool) {
        self.events.borrow_mut().push(format!("close {had_error}"));
    }
}

#[test]
fn our_client_drains_only_after_node_server_resumes() {
    let mut node = Node::spawn("paused_server.js", &[]);
    let addr = node.listening_on();
    let mut lp = EventLoop::new().unwrap();
    watchdog(&mut lp, "client backpressure");
    let events = Rc::new(RefCell::new(Vec::new()));
    let written = Rc::new(Cell::new(0));
    let filler = Filler {
        node_stdin: Some(node.take_stdin()),
        resumed: Rc::default(),
        written: written.clone(),
        events: events.clone(),
    };
    let sock = connect(&mut lp, &addr, filler);
    lp.run().unwrap();
    assert!(!sock.is_open(&lp));
    let out = node.expect_success();
    assert_eq!(*events.borrow(), ["write false", "drain", "close false"]);
    // Node counted every byte we wrote: nothing was lost while the queue was held back.
    assert_eq!(out, [format!("received {}", written.get())]);
    assert!(written.get() > DEFAULT_HIGH_WATER_MARK);
}

/// Loop-local state of the server test: the paused connection and Node's progress.
#[derive(Default)]
struct Paused {
    sock: Option<SocketId>,
    node_blocked: bool,
    node_stdin: Option<ChildStdin>,
    held: bool,
    resumed: bool,
}

/// Once the connection is paused and Node's `write` has returned false, keeps the connection
/// paused for [`HOLD`], then tells Node and resumes.
fn maybe_resume(lp: &mut EventLoop) {
    let p = lp.state_mut::<Paused>().unwrap();
    let (Some(sock), true, false) = (p.sock, p.node_blocked, p.held) else { return };
    p.held = true;
    lp.set_timeout(HOLD, move |lp| {
        assert_eq!(sock.bytes_read(lp), 0, "a paused socket read");
        assert!(sock.is_paused(lp));
        let p = lp.state_mut::<Paused>().unwrap();
        send_line(p.node_stdin.as_mut().unwrap(), "resumed");
        p.resumed = true;
        sock.resume(lp);
    });
}

#[test]
fn node_client_drains_only_after_our_server_resumes() {
    const BYTES: usize = 16 << 20;
    let mut lp = EventLoop::new().unwrap();
    watchdog(&mut lp, "server backpressure");
    let log = Log::default();
    let l2 = log.clone();
    let server = listen(&mut lp, "127.0.0.1:0", move |s: &mut Socket<'_>| {
        s.pause();
        let id = s.id();
        let p = s.lp().state_mut::<Paused>().unwrap();
        assert!(p.sock.replace(id).is_none(), "a second connection");
        maybe_resume(s.lp());
        Recorder(l2.clone())
    })
    .unwrap();
    let addr = server.address(&lp).unwrap().to_string();
    let mut node = Node::spawn("blocked_client.js", &[&addr, &BYTES.to_string()]);
    lp.set_state(Paused { node_stdin: Some(node.take_stdin()), ..Paused::default() });
    node.forward_lines(&lp, move |lp, line| match line {
        Some("blocked") => {
            lp.state_mut::<Paused>().unwrap().node_blocked = true;
            maybe_resume(lp);
        }
        Some(_) => {}
        None => server.close(lp),
    });
    lp.run().unwrap();
    assert!(lp.state::<Paused>().unwrap().resumed);
    let out = node.expect_success();
    assert_eq!(out, ["blocked", "drained"]);
    let log = log.borrow();
    assert_eq!(log.received, BYTES);
    assert_eq!(log.events, ["end", "close"]);
    assert_eq!(log.closed, Some(false));
}

/// Regression: data and FIN that arrive while a socket is paused are both seen after `resume`.
/// The readiness events came (and went) while paused; before the fix the socket read the data
/// after `resume`, stopped at the short read expecting another edge, and never saw the end.
fn end_while_paused(bytes: usize) {
    let mut lp = EventLoop::new().unwrap();
    watchdog(&mut lp, "end while paused");
    let log = Log::default();
    let l2 = log.clone();
    let server = listen(&mut lp, "127.0.0.1:0", move |s: &mut Socket<'_>| {
        s.pause();
        let id = s.id();
        s.lp().set_state(id);
        Recorder(l2.clone())
    })
    .unwrap();
    let addr = server.address(&lp).unwrap().to_string();
    let mut node = Node::spawn("send_and_end.js", &[&addr, &bytes.to_string()]);
    node.forward_lines(&lp, move |lp, line| match line {
        // Everything Node sent, FIN included, is in our socket's kernel buffer now.
        Some("finished") => {
            let sock = *lp.state::<SocketId>().unwrap();
            assert_eq!(sock.bytes_read(lp), 0, "a paused socket read");
            sock.resume(lp);
        }
        Some(_) => {}
        None => server.close(lp),
    });
    lp.run().unwrap();
    assert_eq!(node.expect_success(), ["finished"]);
    let log = log.borrow();
    assert_eq!(log.received, bytes);
    assert_eq!(log.events, ["end", "close"]);
}

#[test]
fn end_while_paused_is_seen_after_resume() {
    end_while_paused(5);
}
