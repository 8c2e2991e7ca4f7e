//! Helpers the workspace's tests share (a dev-dependency only): a counting global allocator, to
//! measure heap per connection and prove hot paths allocate nothing, and the process's
//! file-descriptor limit, for tests that hold thousands of sockets, [`Unbound`], a real DNS
//! server on loopback serving the tests' zone files, and for tests that talk to real peers
//! ([`read_output`] of a child process, and Node `ws` from npm: [`node_ws`]).
//!
//! ```
//! // In a test binary: every allocation of the process is counted.
//! #[global_allocator]
//! static ALLOC: netcore_testkit::Counting = netcore_testkit::Counting;
//!
//! let before = netcore_testkit::thread_allocations();
//! let v: Vec<u8> = Vec::with_capacity(16);
//! assert_eq!(netcore_testkit::thread_allocations() - before, 1);
//! assert!(netcore_testkit::live_bytes() >= 16);
//! # drop(v);
//! ```
#![deny(missing_docs)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, Command};
use std::sync::atomic::{AtomicIsize, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::thread::JoinHandle;

mod unbound;
pub use unbound::{unbound_path, Unbound};

/// A global allocator that forwards to the system allocator and counts: the bytes live in the
/// whole process, and the allocations made by the current thread. Install it with
/// `#[global_allocator]` in a test binary.
#[derive(Debug)]
pub struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

/// Bytes allocated and not yet freed, by every thread (while [`Counting`] is installed).
pub fn live_bytes() -> isize {
    LIVE.load(Ordering::Relaxed)
}

/// Allocations (and reallocations) made by this thread so far.
pub fn thread_allocations() -> usize {
    ALLOCATIONS.with(Cell::get)
}

// SAFETY: every call is forwarded unchanged to the system allocator; the counters are an atomic
// and a const-initialised thread-local `Cell`, neither of which allocates.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, passed on as is.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: `ptr` was allocated by `System` through this allocator with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(new_size as isize - layout.size() as isize, Ordering::Relaxed);
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        // SAFETY: the caller upholds `GlobalAlloc::realloc`'s contract, passed on as is.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// The soft and hard `RLIMIT_NOFILE` of this process.
#[allow(unsafe_code)]
pub fn nofile_limit() -> (libc::rlim_t, libc::rlim_t) {
    let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit writes one `rlimit` into the valid, exclusively borrowed struct we pass.
    let rc = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) };
    assert_eq!(rc, 0, "getrlimit: {}", std::io::Error::last_os_error());
    (lim.rlim_cur, lim.rlim_max)
}

/// Sets the soft `RLIMIT_NOFILE` of this process (the hard limit is kept).
#[allow(unsafe_code)]
pub fn set_nofile_soft(soft: libc::rlim_t) {
    let (_, hard) = nofile_limit();
    assert!(soft <= hard, "soft limit {soft} above the hard limit {hard}");
    let lim = libc::rlimit { rlim_cur: soft, rlim_max: hard };
    // SAFETY: setrlimit only reads the valid `rlimit` we pass; it changes no memory of ours.
    let rc = unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lim) };
    assert_eq!(rc, 0, "setrlimit: {}", std::io::Error::last_os_error());
}

/// Raises the soft `RLIMIT_NOFILE` to at least `want` (never lowers it); panics if the hard limit
/// is too low for the test to mean anything.
pub fn ensure_nofile(want: libc::rlim_t) {
    let (soft, hard) = nofile_limit();
    assert!(want <= hard, "this test needs {want} descriptors but the hard limit is {hard}");
    if soft < want {
        set_nofile_soft(want);
    }
}

/// Reads a child process's output on threads of their own, so that it never blocks on a full
/// pipe: its stdout line by line into the returned channel (which disconnects at the end of its
/// output), and its whole stderr, which the returned thread yields once the child closes it.
/// Both must have been piped (`Stdio::piped()`); panics otherwise.
///
/// ```
/// use std::process::{Command, Stdio};
/// let mut child = Command::new("sh")
///     .args(["-c", "echo one; echo two; echo oops >&2"])
///     .stdout(Stdio::piped())
///     .stderr(Stdio::piped())
///     .spawn()?;
/// let (lines, stderr) = netcore_testkit::read_output(&mut child);
/// assert_eq!(lines.iter().collect::<Vec<_>>(), ["one", "two"]);
/// assert_eq!(stderr.join().ok().as_deref(), Some("oops\n"));
/// child.wait()?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn read_output(child: &mut Child) -> (Receiver<String>, JoinHandle<String>) {
    let stdout = child.stdout.take().expect("the child's stdout is piped");
    let mut stderr = child.stderr.take().expect("the child's stderr is piped");
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let stderr = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    (lines, stderr)
}

/// The `NODE_PATH` holding Node `ws` 8: `target/npm/node_modules` of the workspace, where
/// `.ci/run` installs it; installed there with npm (`ws@8.23.0`) if it is missing. Panics if npm
/// is missing or fails.
pub fn node_ws() -> PathBuf {
    npm_package("ws", "8.23.0")
}

/// The `NODE_PATH` (`target/npm/node_modules` of the workspace) holding the npm package `name`,
/// installed there at `version` with npm if it is missing (`.ci/run` installs the tests'
/// packages up front). Panics if npm is missing or fails.
pub fn npm_package(name: &str, version: &str) -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let prefix = root.join("target/npm");
    let modules = prefix.join("node_modules");
    if !modules.join(name).join("package.json").exists() {
        let status = Command::new("npm")
            .args(["install", "--silent", "--no-audit", "--no-fund", "--prefix"])
            .arg(&prefix)
            .arg(format!("{name}@{version}"))
            .status()
            .expect("npm (Node's package manager) is needed for the tests that drive Node packages");
        assert!(status.success(), "npm install {name}@{version} failed");
    }
    modules
}

/// Runs `setup` on a new event loop of its own thread (a server under test, say) and returns
/// what `setup` returned (its address or port) with a function that stops that loop and joins
/// the thread. A watchdog panics the loop after 60 s: no test runs that long.
///
/// ```
/// // `setup` would start a server and return its port.
/// let (port, stop) = netcore_testkit::serve_on_thread(|_lp| 7u16);
/// assert_eq!(port, 7);
/// stop();
/// ```
pub fn serve_on_thread<T: Send + 'static>(
    setup: impl FnOnce(&mut netcore::EventLoop) -> T + Send + 'static,
) -> (T, impl FnOnce()) {
    let (tx, rx) = mpsc::channel();
    let thread = std::thread::spawn(move || {
        let mut lp = netcore::EventLoop::new().expect("an event loop");
        let made = setup(&mut lp);
        let _ = tx.send((made, lp.remote()));
        let t = lp.set_timeout(std::time::Duration::from_secs(60), |_| panic!("server loop ran 60 s"));
        lp.unref_timer(t);
        lp.run().expect("the server loop");
    });
    let (made, remote) =
        rx.recv_timeout(std::time::Duration::from_secs(10)).expect("the server loop started");
    (made, move || {
        remote.stop();
        thread.join().expect("the server loop ended");
    })
}
