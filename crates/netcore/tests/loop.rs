//! The event loop through its public API: phase order as Node documents it, timers, ref/unref,
//! stopping, cross-thread posts, the thread pool, clusters, `pipe` and a million timers.
//!
//! No test waits by sleeping: everything synchronises through loop events, remote posts and
//! channels, and every test runs under [`bounded`], which fails it if it takes too long.
#![allow(clippy::unwrap_used)]

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use netcore::stream::{self, PipeOptions, Readable, StreamHandle, Writable};
use netcore::{Cluster, EventLoop, HandleId, LoopClosed, Ready, TimerId};

const ZERO: Duration = Duration::ZERO;
const HOUR: Duration = Duration::from_secs(3600);
const LIMIT: Duration = Duration::from_secs(30);

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Runs `f` on its own thread and fails the test if it has not finished within `limit`.
fn bounded_for<T: Send + 'static>(limit: Duration, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    let worker = thread::spawn(move || {
        let value = f();
        let _ = tx.send(());
        value
    });
    match rx.recv_timeout(limit) {
        // Disconnected: `f` panicked and dropped the sender; join() hands the panic over.
        Ok(()) | Err(mpsc::RecvTimeoutError::Disconnected) => match worker.join() {
            Ok(v) => v,
            Err(panic) => std::panic::resume_unwind(panic),
        },
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("test did not finish within {limit:?}"),
    }
}

fn bounded<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    bounded_for(LIMIT, f)
}

/// What happened, in order, kept in the loop's own state.
#[derive(Default)]
struct Log(Vec<String>);

fn log(lp: &mut EventLoop, what: impl Into<String>) {
    lp.state_or_default::<Log>().0.push(what.into());
}

fn take_log(lp: &mut EventLoop) -> Vec<String> {
    lp.take_state::<Log>().map(|l| l.0).unwrap_or_default()
}

/// A handle that owns nothing and never becomes ready: something to keep a loop alive with.
fn keep_alive(lp: &mut EventLoop) -> HandleId {
    fn never(_: &mut EventLoop, _: HandleId, _: Ready) {}
    lp.insert_handle((), never)
}

// ----- a real socket as an I/O source --------------------------------------------------------

type OnRead = Box<dyn FnMut(&mut EventLoop, HandleId, &[u8])>;

/// The loop's end of a Unix socket pair, with a callback for what it reads.
struct Sock {
    stream: mio::net::UnixStream,
    on_read: Option<OnRead>,
}

fn sock_ready(lp: &mut EventLoop, id: HandleId, _ready: Ready) {
    let Some(sock) = lp.handle_mut::<Sock>(id) else { return };
    let mut data = Vec::new();
    let mut buf = [0u8; 256];
    loop {
        match sock.stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => data.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) => panic!("read failed: {e}"),
        }
    }
    if data.is_empty() {
        return;
    }
    let Some(mut on_read) = sock.on_read.take() else { return };
    on_read(lp, id, &data);
    if let Some(sock) = lp.handle_mut::<Sock>(id) {
        sock.on_read.get_or_insert(on_read);
    }
}

/// Registers the loop's end of a fresh socket pair as a handle; returns the other end.
fn socket_handle(
    lp: &mut EventLoop,
    on_read: impl FnMut(&mut EventLoop, HandleId, &[u8]) + 'static,
) -> (std::os::unix::net::UnixStream, HandleId) {
    let (ours, peer) = std::os::unix::net::UnixStream::pair().unwrap();
    ours.set_nonblocking(true).unwrap();
    let stream = mio::net::UnixStream::from_std(ours);
    let id = lp.insert_handle(Sock { stream, on_read: Some(Box::new(on_read)) }, sock_ready);
    let (sock, registry) = lp.handle_and_registry::<Sock>(id).unwrap();
    registry.register(&mut sock.stream, id.token(), mio::Interest::READABLE).unwrap();
    (peer, id)
}

fn close_socket_handle(lp: &mut EventLoop, id: HandleId) {
    if let Some((sock, registry)) = lp.handle_and_registry::<Sock>(id) {
        registry.deregister(&mut sock.stream).unwrap();
    }
    lp.remove_handle(id);
}

// ----- phases ----------------------------------------------------------------------------------

#[test]
fn one_iteration_runs_timers_then_io_then_immediates_then_close() {
    bounded(|| {
        let mut lp = EventLoop::new().unwrap();
        // Everything is ready before the loop starts, so all of it belongs to the first iteration.
        // Registered in the reverse of the expected order, so insertion order cannot explain it.
        lp.defer_close(|lp| log(lp, "close"));
        lp.set_immediate(|lp| log(lp, "check"));
        let (mut peer, sock) = socket_handle(&mut lp, |lp, id, _| {
            log(lp, "io: socket");
            close_socket_handle(lp, id);
        });
        peer.write_all(b"x").unwrap();
        lp.remote().post(|lp| log(lp, "io: remote")).unwrap();
        lp.set_timeout(ZERO, |lp| log(lp, "timers"));
        lp.run().unwrap();
        let got = take_log(&mut lp);
        assert_eq!(got.len(), 5, "{got:?}");
        assert_eq!(got[0], "timers");
        // The two I/O callbacks come in whatever order the OS reports them, but both in the poll
        // phase: after the timers and before the check phase of the same iteration.
        let mut io = [got[1].as_str(), got[2].as_str()];
        io.sort_unstable();
        assert_eq!(io, ["io: remote", "io: socket"]);
        assert_eq!(got[3], "check");
        assert_eq!(got[4], "close");
        assert!(!lp.contains_handle(sock));
    });
}

#[test]
fn callbacks_scheduled_from_an_io_callback_run_tick_immediate_close_then_timer() {
    bounded(|| {
        let mut lp = EventLoop::new().unwrap();
        lp.remote()
            .post(|lp| {
                log(lp, "io");
                lp.set_timeout(ZERO, |lp| log(lp, "timeout"));
                lp.defer_close(|lp| log(lp, "close"));
                lp.set_immediate(|lp| log(lp, "immediate"));
                lp.next_tick(|lp| log(lp, "tick"));
            })
            .unwrap();
        lp.run().unwrap();
        assert_eq!(take_log(&mut lp), ["io", "tick", "immediate", "close", "timeout"]);
    });
}

#[test]
fn next_tick_runs_after_the_current_callback_before_other_due_timers() {
    bounded(|| {
        let mut lp = EventLoop::new().unwrap();
        lp.next_tick(|lp| log(lp, "tick before run"));
        lp.set_timeout(ZERO, |lp| {
            log(lp, "timer 1");
            lp.set_immediate(|lp| {
                log(lp, "immediate 1");
                lp.next_tick(|lp| log(lp, "tick from immediate"));
            });
            lp.set_immediate(|lp| log(lp, "immediate 2"));
            lp.next_tick(|lp| {
                log(lp, "tick a");
                // Ticks queued by ticks still run before anything else.
                lp.next_tick(|lp| log(lp, "tick b"));
            });
        });
        lp.set_timeout(ZERO, |lp| log(lp, "timer 2"));
        lp.defer_close(|lp| {
            log(lp, "close");
            lp.next_tick(|lp| log(lp, "tick from close"));
        });
        lp.run().unwrap();
        assert_eq!(
            take_log(&mut lp),
            [
                "tick before run",
                "timer 1",
                "tick a",
                "tick b",
                "timer 2",
                "immediate 1",
                "tick from immediate",
                "immediate 2",
                "close",
                "tick from close",
            ]
        );
    });
}

#[test]
fn a_remote_post_from_a_timer_runs_in_the_same_iterations_poll_phase() {
    bounded(|| {
        let mut lp = EventLoop::new().unwrap();
        lp.set_timeout(ZERO, |lp| {
            log(lp, "timer");
            lp.set_immediate(|lp| log(lp, "immediate"));
            lp.remote().post(|lp| log(lp, "io")).unwrap();
            lp.next_tick(|lp| log(lp, "tick"));
        });
        lp.run().unwrap();
        assert_eq!(take_log(&mut lp), ["timer", "tick", "io", "immediate"]);
    });
}

/// Node: "If both are called within an I/O cycle, the immediate callback is always executed
/// first." Rounds through remote posts (the poll phase) chained from the immediates.
#[test]
fn immediate_before_zero_timeout_from_a_remote_post() {
    const ROUNDS: usize = 200;
    fn round(lp: &mut EventLoop, k: usize) {
        log(lp, format!("io {k}"));
        lp.set_timeout(ZERO, move |lp| log(lp, format!("timeout {k}")));
        lp.set_immediate(move |lp| {
            log(lp, format!("immediate {k}"));
            if k + 1 < ROUNDS {
                lp.remote().post(move |lp| round(lp, k + 1)).unwrap();
            }
        });
    }
    bounded(|| {
        let mut lp = EventLoop::new().unwrap();
        lp.remote().post(|lp| round(lp, 0)).unwrap();
        // The posts do not keep the loop alive by themselves; a 0 ms timer does each round.
        lp.set_timeout(ZERO, |_| {});
        lp.run().unwrap();
        let expected: Vec<String> = (0..ROUNDS)
            .flat_map(|k| [format!("io {k}"), format!("immediate {k}"), format!("timeout {k}")])
            .collect();
        assert_eq!(take_log(&mut lp), expected);
    });
}

/// The same guarantee from the readable callback of a real socket.
#[test]
fn immediate_before_zero_timeout_from_a_socket_callback() {
    const ROUNDS: usize = 100;
    bounded(|| {
        let mut lp = EventLoop::new().unwrap();
        let mut k = 0;
        let (mut peer, _sock) = socket_handle(&mut lp, move |lp, id, data| {
            assert_eq!(data, b"x");
            let round = k;
            k += 1;
            log(lp, format!("io {round}"));
            lp.set_timeout(ZERO, move |lp| log(lp, format!("timeout {round}")));
            lp.set_immediate(move |lp| {
                log(lp, format!("immediate {round}"));
                if round + 1 < ROUNDS {
                    let peer = lp.state_mut::<std::os::unix::net::UnixStream>().unwrap();
                    peer.write_all(b"x").unwrap();
                } else {
                    close_socket_handle(lp, id);
                }
            });
        });
        peer.write_all(b"x").unwrap();
        lp.set_state(peer);
        lp.run().unwrap();
        let expected: Vec<String> = (0..ROUNDS)
            .flat_map(|k| [format!("io {k}"), format!("immediate {k}"), format!("timeout {k}")])
            .collect();
        assert_eq!(take_log(&mut lp), expected);
    });
}

#[test]
fn immediates_queued_during_the_check_phase_run_in_the_next_iteration() {
    bounded(|| {
        let mut lp = EventLoop::new().unwrap();
        lp.set_immediate(|lp| {
            log(lp, "A");
            lp.set_immediate(|lp| log(lp, "B"));
            lp.set_timeout(ZERO, |lp| log(lp, "T"));
            lp.defer_close(|lp| log(lp, "C"));
        });
        lp.run().unwrap();
        // C: this iteration's close phase; T: the next iteration's timers; then B in its check.
        assert_eq!(take_log(&mut lp), ["A", "C", "T", "B"]);
    });
}

#[test]
fn cleared_immediates_do_not_run() {
    bounded(|| {
        let mut lp = EventLoop::new().unwrap();
        let a = lp.set_immediate(|lp| log(lp, "a"));
        lp.set_immediate(|lp| log(lp, "b"));
        let c = lp.set_immediate(|lp| log(lp, "c"));
        assert!(lp.clear_immediate(a));
        assert!(!lp.clear_immediate(a));
        lp.set_immediate(move |lp| {
            log(lp, "d");
        });
        assert!(lp.clear_immediate(c));
        lp.run().unwrap();
        assert_eq!(take_log(&mut lp), ["b", "d"]);
        assert!(!lp.is_alive());
    });
}

// ----- timers ----------------------------------------------------------------------------------

#[test]
fn an_interval_repeats_and_clears_itself_from_its_own_callback() {
    bounded(|| {
        let mut lp = EventLoop::new().unwrap();
        let start = lp.now();
        let id = lp.set_interval(ms(2), |lp| {
            let count = {
                let n = lp.state_or_default::<u32>();
                *n += 1;
                *n
            };
            if count == 5 {
                let id = *lp.state::<TimerId>().unwrap();
                assert!(lp.clear_timer(id), "clearing a running interval succeeds");
                assert!(!lp.is_timer_active(id));
                assert!(!lp.clear_timer(id));
            }
        });
        lp.set_state(id);
        assert!(lp.is_timer_active(id));
        // run() returns: the cleared interval no longer keeps the loop alive.
        lp.run().unwrap();
        assert_eq!(*lp.state::<u32>().unwrap(), 5);
        assert!(!lp.is_timer_active(id));
        assert_eq!(lp.active_timers(), 0);
        // Five periods have passed on the loop's clock.
        assert!(lp.now() - start >= ms(10), "{:?}", lp.now() - start);
    });
}

#[test]
fn timers_with_equal_deadlines_fire_in_insertion_order() {
    bounded(|| {
        let mut lp = EventLoop::new().unwrap();
        // `now` does not move between these calls, so equal delays make equal deadlines.
        for i in 0..100 {
            let delay = if i % 2 == 0 { ms(2) } else { ms(1) };
            lp.set_timeout(delay, move |lp| log(lp, i.to_string()));
        }
        lp.run().unwrap();
        let expected: Vec<String> = (0..100)
            .filter(|i| i % 2 == 1)
            .chain((0..100).filter(|i| i % 2 == 0))
            .map(|i| i.to_string())
            .collect();
        assert_eq!(take_log(&mut lp), expected);
    });
}

#[test]
fn a_timer_set_during_the_timers_phase_waits_for_the_next_iteration() {
    bounded(|| {
        let mut lp = EventLoop::new().unwrap();
        lp.set_timeout(ZERO, |lp| {
            log(lp, "outer");
            lp.set_timeout(ZERO, |lp| log(lp, "inner"));
            lp.set_immediate(|lp| log(lp, "immediate"));
        });
        lp.run().unwrap();
        assert_eq!(take_log(&mut lp), ["outer", "immediate", "inner"]);
    });
}

#[test]
fn clearing_a_fired_timer_returns_false() {
    bounded(|| {
        let mut lp = EventLoop::new().unwrap();
        let fired = lp.set_timeout(ZERO, |lp| log(lp, "fired"));
        let pending = lp.set_timeout(HOUR, |_| unreachable!());
        assert!(lp.clear_timer(pending));
        assert!(!lp.clear_timer(pending), "a second clear finds nothing");
        lp.run().unwrap();
        assert_eq!(take_log(&mut lp), ["fired"]);
        assert!(!lp.is_timer_active(fired));
        assert!(!lp.clear_timer(fired));
        assert!(!lp.refresh_timer(fired, ms(1)));
        // A new timer may take the fired one's slot; the old id must not reach it.
        let fresh = lp.set_timeout(HOUR, |_| {});
        assert!(!lp.clear_timer(fired));
        assert!(lp.is_timer_active(fresh));
        assert!(lp.clear_timer(fresh));
    });
}

#[test]
fn refresh_timer_postpones_the_deadline() {
    bounded(|| {
        let mut lp = EventLoop::new().unwrap();
        let start = lp.now();
        let a = lp.set_timeout(ms(20), move |lp| {
            log(lp, "a");
            assert!(lp.now() - start >= ms(30), "fired after {:?}", lp.now() - start);
        });
        lp.set_timeout(ms(10), move |lp| {
            log(lp, "b refreshes a");
            // A new 20 ms countdown from now (>= 10 ms): a is due at 30 ms or later.
            assert!(lp.refresh_timer(a, ms(20)));
        });
        lp.set_timeout(ms(25), |lp| log(lp, "c"));
        lp.run().unwrap();
        assert_eq!(take_log(&mut lp), ["b refreshes a", "c", "a"]);
    });
}

#[test]
fn huge_delays_do_not_overflow() {
    bounded(|| {
        let mut lp = EventLoop::new().unwrap();
        let a = lp.set_timeout(Duration::MAX, |_| unreachable!());
        let b = lp.set_interval(Duration::MAX, |_| unreachable!());
        lp.unref_timer(a);
        lp.unref_timer(b);
        assert!(lp.refresh_timer(a, Duration::MAX));
        lp.run().unwrap();
        assert!(lp.clear_timer(a));
        assert!(lp.clear_timer(b));
    });
}

// ----- ref and unref ---------------------------------------------------------------------------

#[test]
fn run_returns_at_once_with_only_unrefed_timers_and_handles() {
    bounded(|| {
        let mut lp = EventLoop::new().unwrap();
        assert!(!lp.is_alive());
        let t = lp.set_timeout(HOUR, |_| unreachable!());
        let i = lp.set_interval(HOUR, |_| unreachable!());
        let h = keep_alive(&mut lp);
        assert!(lp.is_alive() && lp.has_ref(h));
        lp.unref_timer(t);
        lp.unref_timer(i);
        lp.unref_handle(h);
        lp.unref_handle(h); // idempotent
        assert!(!lp.has_ref(h));
        assert!(!lp.is_alive());
        let before = Instant::now();
        lp.run().unwrap();
        assert!(before.elapsed() < Duration::from_secs(5));
        assert!(lp.is_timer_active(t) && lp.is_timer_active(i) && lp.contains_handle(h));
    });
}

#[test]
fn an_unrefed_interval_fires_while_something_else_keeps_the_loop_alive() {
    bounded(|| {
        let mut lp = EventLoop::new().unwrap();
        let ticker = lp.set_interval(ms(1), |lp| *lp.state_or_default::<u32>() += 1);
        lp.unref_timer(ticker);
        lp.set_timeout(ms(20), |lp| log(lp, "done"));
        lp.run().unwrap();
        assert_eq!(take_log(&mut lp), ["done"]);
        // The interval is due before the 20 ms timer, so it fired at least once.
        assert!(*lp.state::<u32>().unwrap() >= 1);
        // It is still scheduled, yet the loop returned.
        assert!(lp.is_timer_active(ticker));
        assert!(!lp.is_alive());
    });
}

#[test]
fn ref_timer_and_ref_handle_reverse_unref() {
    bounded(|| {
        let mut lp = EventLoop::new().unwrap();
        let t = lp.set_timeout(ms(5), |lp| log(lp, "fired"));
        lp.unref_timer(t);
        lp.ref_timer(t);
        lp.ref_timer(t); // idempotent: one ref, not two
        lp.run().unwrap();
        assert_eq!(take_log(&mut lp), ["fired"]);
        assert!(!lp.is_alive());

        let h = keep_alive(&mut lp);
        lp.unref_handle(h);
        lp.ref_handle(h);
        lp.ref_handle(h);
        assert!(lp.has_ref(h));
        lp.set_timeout(ms(1), move |lp| {
            log(lp, "removing");
            lp.remove_handle(h);
        });
        lp.run().unwrap();
        assert_eq!(take_log(&mut lp), ["removing"]);
        assert!(!lp.is_alive());
    });
}

// ----- stopping --------------------------------------------------------------------------------

#[test]
fn stop_from_a_callback_returns_from_run_and_run_resumes() {
    bounded(|| {
        let mut lp = EventLoop::new().unwrap();
        let interval = lp.set_interval(ms(1), |lp| {
            let n = lp.state_or_default::<u32>();
            *n += 1;
            if *n % 3 == 0 {
                lp.stop();
            }
        });
        lp.run().unwrap();
        assert_eq!(*lp.state::<u32>().unwrap(), 3);
        assert!(lp.is_timer_active(interval) && lp.is_alive());
        // The stop request was used up: a second run goes on until the next stop.
        lp.run().unwrap();
        assert_eq!(*lp.state::<u32>().unwrap(), 6);
        assert!(lp.clear_timer(interval));
    });
}

#[test]
fn remote_stop_wakes_a_loop_blocked_in_poll() {
    bounded(|| {
        let mut lp = EventLoop::new().unwrap();
        let remote = lp.remote();
        let guard = lp.set_timeout(HOUR, |_| unreachable!());
        let (running_tx, running_rx) = mpsc::channel();
        remote.post(move |_| running_tx.send(()).unwrap()).unwrap();
        let stopper = thread::spawn(move || {
            // The loop has run our post: it is in (or about to re-enter) a poll that would
            // otherwise wait an hour for its timer.
            running_rx.recv().unwrap();
            remote.stop();
        });
        lp.run().unwrap();
        stopper.join().unwrap();
        assert!(lp.is_timer_active(guard), "run returned because of stop, not the timer");
        assert!(lp.clear_timer(guard));
    });
}

// ----- remotes ---------------------------------------------------------------------------------

#[test]
fn posts_from_many_threads_arrive_exactly_once_in_per_thread_order() {
    const THREADS: usize = 8;
    const POSTS: usize = 10_000;
    #[derive(Default)]
    struct Seen(Vec<Vec<usize>>, usize);
    bounded(|| {
        let mut lp = EventLoop::new().unwrap();
        lp.set_state(Seen(vec![Vec::new(); THREADS], 0));
        let guard = keep_alive(&mut lp);
        let posters: Vec<_> = (0..THREADS)
            .map(|t| {
                let remote = lp.remote();
                thread::spawn(move || {
                    for i in 0..POSTS {
                        remote
                            .post(move |lp| {
                                let seen = lp.state_mut::<Seen>().unwrap();
                                seen.0[t].push(i);
                                seen.1 += 1;
                                if seen.1 == THREADS * POSTS {
                                    lp.remove_handle(guard);
                                }
                            })
                            .unwrap();
                    }
                })
            })
            .collect();
        lp.run().unwrap();
        for p in posters {
            p.join().unwrap();
        }
        let seen = lp.take_state::<Seen>().unwrap();
        assert_eq!(seen.1, THREADS * POSTS);
        for (t, order) in seen.0.iter().enumerate() {
            assert!(order.iter().copied().eq(0..POSTS), "thread {t}'s posts arrived out of order or twice");
        }
    });
}

#[test]
fn posting_to_a_dropped_loop_fails_with_loop_closed() {
    bounded(|| {
        let lp = EventLoop::new().unwrap();
        let remote = lp.remote();
        assert!(!remote.is_closed());
        drop(lp);
        assert!(remote.is_closed());
        assert_eq!(remote.post(|_| unreachable!()), Err(LoopClosed));
        assert_eq!(LoopClosed.to_string(), "the event loop has been dropped");
        remote.stop(); // harmless
    });
}

#[test]
fn a_panicking_post_loses_neither_later_posts_nor_the_loop() {
    bounded(|| {
        let mut lp = EventLoop::new().unwrap();
        let remote = lp.remote();
        // Both posts are queued before the loop runs, so they arrive in the same batch.
        remote.post(|_| panic!("first post panics")).unwrap();
        remote.post(|lp| log(lp, "second")).unwrap();
        let caught = catch_unwind(AssertUnwindSafe(|| lp.run()));
        assert!(caught.is_err());
        // The loop can still poll, and the post behind the panic is delivered.
        lp.run().unwrap();
        assert_eq!(take_log(&mut lp), ["second"]);
        remote.post(|lp| log(lp, "third")).unwrap();
        lp.set_timeout(ZERO, |_| {});
        lp.run().unwrap();
        assert_eq!(take_log(&mut lp), ["third"]);
    });
}

// ----- run_once --------------------------------------------------------------------------------

#[test]
fn run_once_does_not_wait_for_io_while_immediates_are_queued() {
    bounded(|| {
        let mut lp = EventLoop::new().unwrap();
        let guard = keep_alive(&mut lp);
        lp.set_immediate(|lp| log(lp, "immediate"));
        // A referenced handle with no source would block a `None` poll forever; the queued
        // immediate must make this iteration's poll non-blocking, as in libuv's UV_RUN_ONCE.
        assert!(lp.run_once(None).unwrap());
        assert_eq!(take_log(&mut lp), ["immediate"]);
        lp.defer_close(|lp| log(lp, "close"));
        assert!(lp.run_once(None).unwrap());
        assert_eq!(take_log(&mut lp), ["close"]);
        lp.set_timeout(ms(1), move |lp| {
            log(lp, "timer");
            lp.remove_handle(guard);
        });
        // Each call waits for the timer at most, not forever.
        while lp.run_once(None).unwrap() {}
        assert_eq!(take_log(&mut lp), ["timer"]);
        // Nothing keeps the loop alive: no reason to wait at all.
        assert!(!lp.run_once(None).unwrap());
    });
}

// ----- the thread pool -------------------------------------------------------------------------

#[test]
fn a_hundred_jobs_deliver_their_results_on_the_loop_thread() {
    bounded(|| {
        let mut lp = EventLoop::new().unwrap();
        let loop_thread = thread::current().id();
        for i in 0..100u64 {
            lp.queue_work(
                move || (i * i, thread::current().id()),
                move |lp, (square, worker)| {
                    assert_eq!(thread::current().id(), loop_thread, "results arrive on the loop thread");
                    assert_ne!(worker, loop_thread, "work runs on the pool");
                    assert_eq!(square, i * i);
                    lp.state_or_default::<Vec<u64>>().push(i);
                },
            );
        }
        assert_eq!(lp.pending_jobs(), 100);
        lp.run().unwrap();
        assert_eq!(lp.pending_jobs(), 0);
        let mut done = lp.take_state::<Vec<u64>>().unwrap();
        done.sort_unstable();
        assert!(done.into_iter().eq(0..100));
    });
}

#[test]
fn a_pending_job_keeps_the_loop_alive() {
    bounded(|| {
        let mut lp = EventLoop::new().unwrap();
        let (release_tx, release_rx) = mpsc::channel::<()>();
        // The job cannot finish before the loop has run its first check phase and gone idle
        // with nothing but the job to wait for.
        lp.queue_work(move || release_rx.recv().unwrap(), |lp, ()| log(lp, "done"));
        lp.set_immediate(move |lp| {
            log(lp, "released");
            release_tx.send(()).unwrap();
        });
        assert!(lp.is_alive());
        lp.run().unwrap();
        assert_eq!(take_log(&mut lp), ["released", "done"]);
        assert_eq!(lp.pending_jobs(), 0);
    });
}

#[test]
fn a_panicking_job_resumes_its_panic_on_the_loop_thread() {
    bounded(|| {
        let mut lp = EventLoop::new().unwrap();
        lp.queue_work(|| -> u32 { panic!("job exploded") }, |_, _| unreachable!());
        let caught = catch_unwind(AssertUnwindSafe(|| lp.run())).unwrap_err();
        let message = caught.downcast_ref::<&str>().copied().unwrap_or_default();
        assert_eq!(message, "job exploded");
        assert_eq!(lp.pending_jobs(), 0);
        // The loop is still usable afterwards.
        lp.queue_work(|| 7, |lp, n| log(lp, format!("got {n}")));
        lp.run().unwrap();
        assert_eq!(take_log(&mut lp), ["got 7"]);
    });
}

// ----- clusters --------------------------------------------------------------------------------

#[test]
fn a_cluster_runs_each_setup_on_its_own_thread_and_stop_ends_it() {
    bounded(|| {
        let (tx, rx) = mpsc::channel();
        let cluster = Cluster::spawn(2, move |lp, index| {
            let me = thread::current();
            tx.send((index, me.id(), me.name().map(str::to_owned))).unwrap();
            // Keep the loop busy until stopped.
            lp.set_timeout(HOUR, |_| unreachable!());
            Ok(())
        })
        .unwrap();
        let mut setups: Vec<_> = rx.iter().take(2).collect();
        setups.sort_by_key(|s| s.0);
        assert_eq!(setups[0].0, 0);
        assert_eq!(setups[1].0, 1);
        assert_ne!(setups[0].1, setups[1].1);
        for (index, id, name) in &setups {
            assert_ne!(*id, thread::current().id());
            assert_eq!(name.as_deref(), Some(format!("netcore-loop-{index}").as_str()));
        }
        // Each loop runs posts on the thread its setup ran on.
        assert_eq!(cluster.remotes().len(), 2);
        let (reply_tx, reply_rx) = mpsc::channel();
        for remote in cluster.remotes() {
            let reply_tx = reply_tx.clone();
            remote.post(move |_| reply_tx.send(thread::current().id()).unwrap()).unwrap();
        }
        let mut replies: Vec<_> = reply_rx.iter().take(2).collect();
        let mut expected: Vec<_> = setups.iter().map(|s| s.1).collect();
        replies.sort_by_key(|id| format!("{id:?}"));
        expected.sort_by_key(|id| format!("{id:?}"));
        assert_eq!(replies, expected);
        let remotes = cluster.remotes().to_vec();
        cluster.stop();
        cluster.join().unwrap();
        assert!(remotes.iter().all(|r| r.is_closed()));
    });
}

#[test]
fn a_cluster_setup_error_is_returned_from_spawn() {
    bounded(|| {
        let started: Arc<Mutex<Vec<netcore::Remote>>> = Arc::default();
        let record = started.clone();
        let err = Cluster::spawn(2, move |lp, index| {
            if index == 1 {
                return Err(io::Error::new(io::ErrorKind::AddrInUse, "loop 1 could not bind"));
            }
            record.lock().unwrap().push(lp.remote());
            lp.set_timeout(HOUR, |_| unreachable!());
            Ok(())
        })
        .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AddrInUse);
        assert_eq!(err.to_string(), "loop 1 could not bind");
        // The loop that did start was stopped and joined before spawn returned.
        let started = started.lock().unwrap();
        assert_eq!(started.len(), 1);
        assert!(started[0].is_closed());
    });
}

// ----- streams and pipe ------------------------------------------------------------------------

/// A toy readable: hands out its chunks whenever it is flowing and ready.
#[derive(Debug, Clone, Copy)]
struct Source(HandleId);

struct SourceState {
    chunks: VecDeque<Vec<u8>>,
    paused: bool,
    ended: bool,
    pauses: usize,
    resumes: usize,
}

impl StreamHandle for Source {
    fn handle_id(self) -> HandleId {
        self.0
    }
}

impl Readable for Source {
    fn pause(self, lp: &mut EventLoop) {
        let s = lp.handle_mut::<SourceState>(self.0).unwrap();
        s.paused = true;
        s.pauses += 1;
    }
    fn resume(self, lp: &mut EventLoop) {
        let s = lp.handle_mut::<SourceState>(self.0).unwrap();
        s.paused = false;
        s.resumes += 1;
        lp.requeue(self.0, Ready::READABLE);
    }
}

fn source_ready(lp: &mut EventLoop, id: HandleId, _ready: Ready) {
    loop {
        let Some(s) = lp.handle_mut::<SourceState>(id) else { return };
        if s.paused || s.ended {
            return;
        }
        match s.chunks.pop_front() {
            Some(chunk) => assert!(stream::emit_data(lp, id, &chunk), "the source is piped"),
            None => {
                s.ended = true;
                stream::emit_end(lp, id);
                lp.unref_handle(id);
                return;
            }
        }
    }
}

/// A toy writable that moves at most `rate` bytes per loop turn and has a tiny high-water mark.
#[derive(Debug, Clone, Copy)]
struct Sink(HandleId);

struct SinkState {
    queue: VecDeque<u8>,
    high_water_mark: usize,
    rate: usize,
    written: Vec<u8>,
    need_drain: bool,
    end_requested: bool,
    ended: bool,
    refused: usize,
    drains: usize,
    max_queued: usize,
}

impl StreamHandle for Sink {
    fn handle_id(self) -> HandleId {
        self.0
    }
}

impl Writable for Sink {
    fn write(self, lp: &mut EventLoop, data: &[u8]) -> bool {
        let s = lp.handle_mut::<SinkState>(self.0).unwrap();
        assert!(!s.end_requested, "write after end");
        s.queue.extend(data);
        s.max_queued = s.max_queued.max(s.queue.len());
        let ok = s.queue.len() < s.high_water_mark;
        if !ok {
            s.need_drain = true;
            s.refused += 1;
        }
        lp.requeue(self.0, Ready::WRITABLE);
        ok
    }
    fn end(self, lp: &mut EventLoop) {
        lp.handle_mut::<SinkState>(self.0).unwrap().end_requested = true;
        lp.requeue(self.0, Ready::WRITABLE);
    }
}

fn sink_ready(lp: &mut EventLoop, id: HandleId, _ready: Ready) {
    let Some(s) = lp.handle_mut::<SinkState>(id) else { return };
    let n = s.rate.min(s.queue.len());
    let moved: Vec<u8> = s.queue.drain(..n).collect();
    s.written.extend(moved);
    if !s.queue.is_empty() {
        lp.requeue(id, Ready::WRITABLE);
        return;
    }
    if std::mem::take(&mut s.need_drain) {
        s.drains += 1;
        stream::emit_drain(lp, id);
    }
    let Some(s) = lp.handle_mut::<SinkState>(id) else { return };
    if s.end_requested && !s.ended && s.queue.is_empty() {
        s.ended = true;
        lp.unref_handle(id);
    }
}

fn toy_pair(lp: &mut EventLoop, chunks: &[Vec<u8>]) -> (Source, Sink) {
    let src = Source(lp.insert_handle(
        SourceState {
            chunks: chunks.iter().cloned().collect(),
            paused: true,
            ended: false,
            pauses: 0,
            resumes: 0,
        },
        source_ready,
    ));
    let dst = Sink(lp.insert_handle(
        SinkState {
            queue: VecDeque::new(),
            high_water_mark: 8,
            rate: 3,
            written: Vec::new(),
            need_drain: false,
            end_requested: false,
            ended: false,
            refused: 0,
            drains: 0,
            max_queued: 0,
        },
        sink_ready,
    ));
    (src, dst)
}

#[test]
fn pipe_applies_backpressure_both_ways_and_propagates_end() {
    bounded(|| {
        let mut lp = EventLoop::new().unwrap();
        let chunks: Vec<Vec<u8>> = (0..100).map(|i| format!("<{i:03}>").into_bytes()).collect();
        let (src, dst) = toy_pair(&mut lp, &chunks);
        stream::pipe(&mut lp, src, dst, PipeOptions::default());
        assert!(stream::is_piped(&lp, src.0));
        lp.run().unwrap();

        let s = lp.handle::<SourceState>(src.0).unwrap();
        let d = lp.handle::<SinkState>(dst.0).unwrap();
        assert_eq!(d.written, chunks.concat(), "every byte, in order");
        assert!(s.ended && d.end_requested && d.ended, "the source's end ended the sink");
        assert!(!stream::is_piped(&lp, src.0), "the pipe detached at the end");
        // Writable → readable: every refused write paused the source at once, so the queue never
        // grew past one chunk beyond the high-water mark.
        assert!(d.refused > 1);
        assert_eq!(s.pauses, d.refused);
        assert!(d.max_queued < d.high_water_mark + 5, "queued {}", d.max_queued);
        // Drain → readable: each pause was undone by a drain (plus the resume that started the pipe).
        assert_eq!(d.drains, d.refused);
        assert_eq!(s.resumes, s.pauses + 1);
    });
}

#[test]
fn pipe_with_end_false_leaves_the_writable_open() {
    bounded(|| {
        let mut lp = EventLoop::new().unwrap();
        let chunks = vec![b"abc".to_vec(), b"def".to_vec()];
        let (src, dst) = toy_pair(&mut lp, &chunks);
        let mut options = PipeOptions::default();
        options.end = false;
        stream::pipe(&mut lp, src, dst, options);
        lp.unref_handle(dst.0);
        lp.run().unwrap();
        let d = lp.handle::<SinkState>(dst.0).unwrap();
        assert_eq!(d.written, b"abcdef");
        assert!(!d.end_requested);
        assert!(!stream::is_piped(&lp, src.0));
    });
}

// ----- scale -----------------------------------------------------------------------------------

#[test]
fn a_million_active_timers() {
    const N: u64 = 1_000_000;
    bounded_for(Duration::from_secs(120), || {
        let mut lp = EventLoop::new().unwrap();
        let started = Instant::now();
        let ids: Vec<TimerId> =
            (0..N).map(|i| lp.set_timeout(HOUR + ms(i % 10_000), |_| unreachable!())).collect();
        assert_eq!(lp.active_timers(), N as usize);
        // An iteration with a million timers scheduled and none due.
        lp.set_immediate(|lp| log(lp, "turn"));
        assert!(lp.run_once(Some(ZERO)).unwrap());
        assert_eq!(take_log(&mut lp), ["turn"]);
        for id in &ids {
            assert!(lp.clear_timer(*id));
        }
        assert_eq!(lp.active_timers(), 0);
        assert!(!lp.is_alive());
        lp.run().unwrap();
        let took = started.elapsed();
        // Generous for an unoptimised build on a busy machine; a release build takes well under 1 s.
        assert!(took < Duration::from_secs(60), "a million timers took {took:?}");
    });
}
