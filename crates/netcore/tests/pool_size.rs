//! `UV_THREADPOOL_SIZE` and [`LoopOptions::thread_pool_size`].
//!
//! The pool is process-wide and started once, by the first loop that queues work, so this lives
//! in a test binary of its own with a single test: nothing else can start the pool first or race
//! with the environment variable.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::sync::{mpsc, Arc, Barrier};
use std::thread;
use std::time::Duration;

use netcore::{EventLoop, LoopOptions, DEFAULT_THREAD_POOL_SIZE};

#[test]
fn uv_threadpool_size_sets_the_pool_size() {
    // Out-of-range or malformed values fall back to the default, as libuv does.
    for bad in ["0", "abc", "", "100000"] {
        std::env::set_var("UV_THREADPOOL_SIZE", bad);
        assert_eq!(LoopOptions::default().thread_pool_size, DEFAULT_THREAD_POOL_SIZE, "{bad:?}");
    }
    std::env::set_var("UV_THREADPOOL_SIZE", "3");
    let options = LoopOptions::default();
    assert_eq!(options.thread_pool_size, 3);

    let (tx, rx) = mpsc::channel();
    let worker = thread::spawn(move || {
        let mut lp = EventLoop::with_options(options).unwrap();
        // Jobs meet in threes: the pool needs three threads at once or this never finishes.
        let barrier = Arc::new(Barrier::new(3));
        for _ in 0..9 {
            let barrier = barrier.clone();
            lp.queue_work(
                move || {
                    barrier.wait();
                    thread::current().name().unwrap().to_owned()
                },
                |lp, name| {
                    lp.state_or_default::<BTreeSet<String>>().insert(name);
                },
            );
        }
        lp.run().unwrap();
        let names = lp.take_state::<BTreeSet<String>>().unwrap();
        tx.send(()).unwrap();
        names
    });
    rx.recv_timeout(Duration::from_secs(30)).expect("the jobs did not finish: too few pool threads");
    let names = worker.join().unwrap();
    // ...and no more than three threads exist to run them.
    let expected: BTreeSet<String> = (0..3).map(|i| format!("netcore-pool-{i}")).collect();
    assert_eq!(names, expected);
}
