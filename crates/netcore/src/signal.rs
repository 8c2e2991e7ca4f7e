//! Signal watchers: libuv's `uv_signal_t`, Node's `process.on('SIGINT', …)`.
//!
//! A watcher turns a POSIX signal into a callback on the loop, where it may do anything a
//! callback may (close servers, write, set timers). The signal handler itself only writes a byte
//! to a socket pair (the self-pipe pattern, through `signal-hook`); the loop polls the other end
//! like any socket. Several deliveries before the loop looks are coalesced into one callback, as
//! in libuv.
//!
//! As in Node, a watcher does not keep the loop alive: a program that only waits for Ctrl-C
//! has nothing to wait for. Watching a signal replaces its default action (SIGINT no longer
//! ends the process), and it stays replaced after [`SignalId::close`]: `signal-hook` cannot put
//! the default action back, so a closed watcher's signal is ignored from then on. Programs
//! that watch a termination signal therefore keep their watcher and, on a second delivery,
//! exit at once (see the example).
//!
//! ```
//! use netcore::signal::{on_signal, Signal};
//! use netcore::EventLoop;
//!
//! let mut lp = EventLoop::new()?;
//! let mut count = 0;
//! let watcher = on_signal(&mut lp, Signal::User1, move |lp, signal| {
//!     count += 1;
//!     println!("{} ({count})", signal.name());
//!     if count == 2 {
//!         std::process::exit(130); // a second delivery: no more waiting
//!     }
//!     lp.stop(); // the first: shut down through the loop
//! })?;
//! // Keep the loop alive until the signal comes, then raise it ourselves.
//! let alive = lp.set_timeout(std::time::Duration::from_secs(10), |_| {});
//! signal_hook::low_level::raise(Signal::User1.number())?;
//! lp.run()?;
//! lp.clear_timer(alive);
//! watcher.close(&mut lp);
//! # Ok::<(), std::io::Error>(())
//! ```
use std::fmt;
use std::io::{self, Read};
use std::os::unix::net::UnixStream;

use mio::Interest;
use signal_hook::consts;

use crate::{EventLoop, HandleId, Ready};

/// A signal a watcher can be set on. The fatal and job-control signals (`SIGKILL`, `SIGSTOP`,
/// `SIGSEGV`, …) cannot be watched, as in Node.
///
/// ```
/// use netcore::signal::Signal;
/// assert_eq!(Signal::Interrupt.number(), 2); // SIGINT is 2 on every POSIX system
/// assert_eq!(Signal::Hangup.to_string(), "SIGHUP");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Signal {
    /// `SIGINT`: Ctrl-C in a terminal.
    Interrupt,
    /// `SIGTERM`: a polite request to end (`kill PID`, service managers).
    Terminate,
    /// `SIGHUP`: the terminal went away; by convention, reload configuration.
    Hangup,
    /// `SIGQUIT`: Ctrl-\ in a terminal.
    Quit,
    /// `SIGUSR1` (Node reserves it for its inspector; here it is free).
    User1,
    /// `SIGUSR2`.
    User2,
    /// `SIGWINCH`: the terminal was resized.
    WindowChange,
}

impl Signal {
    /// The signal's number on this platform.
    pub fn number(self) -> i32 {
        match self {
            Signal::Interrupt => consts::SIGINT,
            Signal::Terminate => consts::SIGTERM,
            Signal::Hangup => consts::SIGHUP,
            Signal::Quit => consts::SIGQUIT,
            Signal::User1 => consts::SIGUSR1,
            Signal::User2 => consts::SIGUSR2,
            Signal::WindowChange => consts::SIGWINCH,
        }
    }

    /// The signal's name as Node spells it: `"SIGINT"`, `"SIGTERM"`, …
    ///
    /// ```
    /// assert_eq!(netcore::signal::Signal::Terminate.name(), "SIGTERM");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Signal::Interrupt => "SIGINT",
            Signal::Terminate => "SIGTERM",
            Signal::Hangup => "SIGHUP",
            Signal::Quit => "SIGQUIT",
            Signal::User1 => "SIGUSR1",
            Signal::User2 => "SIGUSR2",
            Signal::WindowChange => "SIGWINCH",
        }
    }
}

impl fmt::Display for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

type Callback = Box<dyn FnMut(&mut EventLoop, Signal)>;

/// A watcher's state in the loop: the read end of its socket pair and its callback (taken out
/// while it runs).
struct Watcher {
    signal: Signal,
    rx: mio::net::UnixStream,
    registration: signal_hook::SigId,
    callback: Option<Callback>,
}

/// A signal watcher on a loop, made by [`on_signal`].
///
/// ```
/// use std::{cell::Cell, rc::Rc};
/// use netcore::signal::{on_signal, Signal};
///
/// let mut lp = netcore::EventLoop::new()?;
/// let seen = Rc::new(Cell::new(None));
/// let s = seen.clone();
/// let watcher = on_signal(&mut lp, Signal::User2, move |lp, signal| {
///     s.set(Some(signal));
///     lp.stop();
/// })?;
/// watcher.ref_loop(&mut lp); // make the loop wait for it (watchers start unreferenced)
/// signal_hook::low_level::raise(Signal::User2.number())?;
/// lp.run()?;
/// assert_eq!(seen.get(), Some(Signal::User2));
/// watcher.close(&mut lp);
/// assert!(!watcher.is_open(&lp));
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignalId(HandleId);

/// Calls `callback` on the loop each time `signal` arrives (deliveries that arrive before the
/// loop gets to them are coalesced into one call). The watcher does not keep the loop alive.
///
/// Errors: the signal cannot be watched, or the socket pair cannot be made or registered.
pub fn on_signal(
    lp: &mut EventLoop,
    signal: Signal,
    callback: impl FnMut(&mut EventLoop, Signal) + 'static,
) -> io::Result<SignalId> {
    let (rx, tx) = UnixStream::pair()?;
    rx.set_nonblocking(true)?;
    tx.set_nonblocking(true)?;
    let rx = mio::net::UnixStream::from_std(rx);
    // From here on the signal's default action is replaced; `tx` belongs to signal-hook.
    let registration = signal_hook::low_level::pipe::register(signal.number(), tx)?;
    let watcher = Watcher { signal, rx, registration, callback: Some(Box::new(callback)) };
    let id = lp.insert_handle(watcher, on_ready);
    lp.unref_handle(id);
    let registered = match lp.handle_and_registry::<Watcher>(id) {
        Some((watcher, registry)) => registry.register(&mut watcher.rx, id.token(), Interest::READABLE),
        None => Ok(()),
    };
    if let Err(e) = registered {
        SignalId(id).close(lp);
        return Err(e);
    }
    Ok(SignalId(id))
}

impl SignalId {
    /// Stops watching (`process.removeListener`). The signal stays caught: see the module docs.
    pub fn close(self, lp: &mut EventLoop) {
        if let Some(watcher) = lp.handle_mut::<Watcher>(self.0) {
            signal_hook::low_level::unregister(watcher.registration);
        }
        if let Some((watcher, registry)) = lp.handle_and_registry::<Watcher>(self.0) {
            let _ = registry.deregister(&mut watcher.rx);
        }
        lp.remove_handle(self.0);
    }

    /// Makes the watcher keep the loop alive (`ref()`); watchers start unreferenced.
    pub fn ref_loop(self, lp: &mut EventLoop) {
        lp.ref_handle(self.0);
    }

    /// Stops the watcher from keeping the loop alive again (`unref()`).
    pub fn unref_loop(self, lp: &mut EventLoop) {
        lp.unref_handle(self.0);
    }

    /// Whether the watcher is still open.
    pub fn is_open(self, lp: &EventLoop) -> bool {
        lp.handle::<Watcher>(self.0).is_some()
    }
}

fn on_ready(lp: &mut EventLoop, id: HandleId, _ready: Ready) {
    let Some(watcher) = lp.handle_mut::<Watcher>(id) else { return };
    // Empty the pair first, then act: a signal that arrives while the callback runs writes a
    // new byte and wakes the loop again (signal-hook's documented order).
    let mut delivered = false;
    let mut buf = [0u8; 64];
    loop {
        match watcher.rx.read(&mut buf) {
            Ok(0) => break,
            Ok(_) => delivered = true,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    if !delivered {
        return;
    }
    let signal = watcher.signal;
    let Some(mut callback) = watcher.callback.take() else { return };
    callback(lp, signal);
    if let Some(watcher) = lp.handle_mut::<Watcher>(id) {
        watcher.callback = Some(callback);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::rc::Rc;
    use std::time::Duration;

    #[test]
    fn a_raised_signal_reaches_the_callback_on_the_loop() {
        let mut lp = EventLoop::new().expect("loop");
        let seen = Rc::new(Cell::new(0));
        let s = seen.clone();
        let watcher = on_signal(&mut lp, Signal::User2, move |lp, signal| {
            assert_eq!(signal, Signal::User2);
            s.set(s.get() + 1);
            lp.stop();
        })
        .expect("watch");
        assert!(!lp.has_ref(watcher.0), "a watcher does not keep the loop alive");
        let guard = lp.set_timeout(Duration::from_secs(10), |_| panic!("the signal never came"));
        signal_hook::low_level::raise(Signal::User2.number()).expect("raise");
        lp.run().expect("run");
        lp.clear_timer(guard);
        assert_eq!(seen.get(), 1);
        watcher.close(&mut lp);
        assert!(!watcher.is_open(&lp));
        assert_eq!(lp.handle_count(), 0);
    }

    #[test]
    fn deliveries_before_the_loop_looks_are_coalesced() {
        let mut lp = EventLoop::new().expect("loop");
        let seen = Rc::new(Cell::new(0));
        let s = seen.clone();
        let watcher =
            on_signal(&mut lp, Signal::WindowChange, move |_, _| s.set(s.get() + 1)).expect("watch");
        for _ in 0..3 {
            signal_hook::low_level::raise(Signal::WindowChange.number()).expect("raise");
        }
        // Referenced, the watcher keeps a loop turn waiting for it; one turn delivers all three.
        watcher.ref_loop(&mut lp);
        lp.run_once(Some(Duration::from_secs(10))).expect("turn");
        assert_eq!(seen.get(), 1);
        watcher.close(&mut lp);
    }
}
