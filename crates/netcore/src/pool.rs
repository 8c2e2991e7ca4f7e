//! The process-wide thread pool for blocking work (libuv's threadpool): file I/O, `getaddrinfo`,
//! anything that would block the loop. Jobs report back to their loop through its remote queue.

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex, OnceLock, PoisonError};

type Task = Box<dyn FnOnce() + Send>;

pub(crate) struct Pool {
    queue: Mutex<VecDeque<Task>>,
    ready: Condvar,
}

static POOL: OnceLock<&'static Pool> = OnceLock::new();

/// The pool, started with `size` threads by whichever loop needs it first.
pub(crate) fn global(size: usize) -> &'static Pool {
    POOL.get_or_init(|| {
        let pool: &'static Pool =
            Box::leak(Box::new(Pool { queue: Mutex::new(VecDeque::new()), ready: Condvar::new() }));
        for i in 0..size.max(1) {
            std::thread::Builder::new()
                .name(format!("netcore-pool-{i}"))
                .spawn(move || pool.work())
                .expect("spawning a thread-pool thread");
        }
        pool
    })
}

impl Pool {
    pub(crate) fn submit(&self, task: Task) {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner).push_back(task);
        self.ready.notify_one();
    }

    fn work(&self) {
        loop {
            let task = {
                let mut q = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
                loop {
                    if let Some(t) = q.pop_front() {
                        break t;
                    }
                    q = self.ready.wait(q).unwrap_or_else(PoisonError::into_inner);
                }
            };
            task();
        }
    }
}
