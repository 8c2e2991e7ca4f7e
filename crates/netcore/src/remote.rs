//! Cross-thread wake-ups: a `Send` handle that posts closures onto a loop (libuv's `uv_async_t`).

use std::any::Any;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use crate::EventLoop;

pub(crate) enum Message {
    Call(Box<dyn FnOnce(&mut EventLoop) + Send>),
    JobDone(u32, std::thread::Result<Box<dyn Any + Send>>),
}

pub(crate) struct Shared {
    queue: Mutex<Vec<Message>>,
    waker: mio::Waker,
    stop: AtomicBool,
    closed: AtomicBool,
}

impl Shared {
    pub(crate) fn new(waker: mio::Waker) -> Self {
        Self {
            queue: Mutex::new(Vec::new()),
            waker,
            stop: AtomicBool::new(false),
            closed: AtomicBool::new(false),
        }
    }

    /// Queues a message and wakes the loop if it may be asleep. Returns false once the loop is gone.
    pub(crate) fn push(&self, msg: Message) -> bool {
        if self.closed.load(Ordering::Acquire) {
            return false;
        }
        let was_empty = {
            let mut q = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
            let was_empty = q.is_empty();
            q.push(msg);
            was_empty
        };
        // A non-empty queue means a wake-up is already on its way: one syscall per batch.
        if was_empty {
            let _ = self.waker.wake();
        }
        true
    }

    /// Puts messages back at the front of the queue, ahead of anything posted since, and wakes the
    /// loop to deliver them.
    pub(crate) fn push_front(&self, mut msgs: Vec<Message>) {
        {
            let mut q = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
            msgs.append(&mut q);
            *q = msgs;
        }
        let _ = self.waker.wake();
    }

    pub(crate) fn take_messages(&self) -> Vec<Message> {
        std::mem::take(&mut *self.queue.lock().unwrap_or_else(PoisonError::into_inner))
    }

    pub(crate) fn take_stop(&self) -> bool {
        self.stop.swap(false, Ordering::AcqRel)
    }

    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::Release);
        self.take_messages();
    }
}

/// The loop is gone: a [`Remote`] could not deliver.
///
/// ```
/// let lp = netcore::EventLoop::new()?;
/// let remote = lp.remote();
/// drop(lp);
/// assert_eq!(remote.post(|_| {}), Err(netcore::LoopClosed));
/// assert!(remote.is_closed());
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoopClosed;

impl fmt::Display for LoopClosed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the event loop has been dropped")
    }
}

impl std::error::Error for LoopClosed {}

/// A `Send + Clone` handle to an [`EventLoop`], usable from any thread.
///
/// Posted closures run on the loop's thread in the poll phase, in the order they were posted; a
/// burst of posts costs one wake-up. A remote does not keep the loop alive by itself.
///
/// ```
/// use std::time::Duration;
/// let mut lp = netcore::EventLoop::new()?;
/// let remote = lp.remote();
/// // Keep the loop alive until the other thread has spoken.
/// let guard = lp.set_timeout(Duration::from_secs(10), |_| unreachable!());
/// std::thread::spawn(move || {
///     remote.post(move |lp| { lp.clear_timer(guard); }).unwrap();
/// });
/// lp.run()?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone)]
pub struct Remote {
    shared: Arc<Shared>,
}

impl fmt::Debug for Remote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Remote").field("closed", &self.shared.closed.load(Ordering::Relaxed)).finish()
    }
}

impl Remote {
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        Self { shared }
    }

    /// Runs `f` on the loop's thread.
    ///
    /// ```
    /// let mut lp = netcore::EventLoop::new()?;
    /// let remote = lp.remote();
    /// let worker = std::thread::spawn(move || {
    ///     remote.post(|lp| lp.set_state("posted from a thread")).is_ok()
    /// });
    /// assert!(worker.join().unwrap());
    /// lp.run_once(Some(std::time::Duration::from_secs(5)))?; // the post arrives in the poll phase
    /// assert_eq!(lp.state::<&str>(), Some(&"posted from a thread"));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn post(&self, f: impl FnOnce(&mut EventLoop) + Send + 'static) -> Result<(), LoopClosed> {
        if self.shared.push(Message::Call(Box::new(f))) {
            Ok(())
        } else {
            Err(LoopClosed)
        }
    }

    /// Makes the loop's [`run`](EventLoop::run) return at the end of its current iteration.
    pub fn stop(&self) {
        self.shared.stop.store(true, Ordering::Release);
        let _ = self.shared.waker.wake();
    }

    /// Whether the loop has been dropped.
    pub fn is_closed(&self) -> bool {
        self.shared.closed.load(Ordering::Acquire)
    }
}
