//! The loop: handles in a slab, the phases of one iteration, timers, immediates and next ticks.

use std::any::{Any, TypeId};
use std::collections::{HashMap, VecDeque};
use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};

use mio::{Events, Poll, Registry, Token};

use crate::pool;
use crate::remote::{Message, Remote, Shared};
use crate::slab::{Key, Slab};
use crate::stream::Pipes;
use crate::timer::{TimerKey, TimerQueue};

/// The size of the loop's shared read buffer unless [`LoopOptions::read_buffer_size`] says otherwise.
pub const DEFAULT_READ_BUFFER_SIZE: usize = 64 * 1024;

/// The number of thread-pool threads unless configured otherwise (libuv's `UV_THREADPOOL_SIZE`).
pub const DEFAULT_THREAD_POOL_SIZE: usize = 4;

/// The smallest interval a repeating timer runs at (Node clamps to 1 ms as well).
const MIN_INTERVAL: Duration = Duration::from_millis(1);

/// Longer delays are cut to this (about a century, i.e. never) so `now + delay` cannot overflow.
const MAX_DELAY: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

const WAKER_TOKEN: Token = Token(usize::MAX);

/// Identifies a handle (a socket, a listener, anything registered with the loop).
///
/// Ids are generational: once the handle is closed its id never refers to another handle.
///
/// ```
/// let mut lp = netcore::EventLoop::new()?;
/// let first = lp.insert_handle("state", |_, _, _| {});
/// assert_eq!(lp.handle::<&str>(first), Some(&"state"));
/// lp.remove_handle(first);
/// // The slot is reused, the id is not: the old id finds nothing.
/// let second = lp.insert_handle(7u32, |_, _, _| {});
/// assert_ne!(first, second);
/// assert!(lp.handle::<&str>(first).is_none() && !lp.contains_handle(first));
/// lp.remove_handle(second);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HandleId(pub(crate) Key);

impl HandleId {
    /// The mio token this handle's sources are registered under.
    pub fn token(self) -> Token {
        Token(self.0.index as usize)
    }
}

/// Identifies a timer made by [`EventLoop::set_timeout`] or [`EventLoop::set_interval`].
///
/// ```
/// use std::time::Duration;
/// let mut lp = netcore::EventLoop::new()?;
/// let never = lp.set_timeout(Duration::from_secs(60), |_| unreachable!("cleared"));
/// assert!(lp.is_timer_active(never));
/// lp.set_timeout(Duration::from_millis(1), move |lp| {
///     assert!(lp.clear_timer(never)); // `clearTimeout`: the loop then has nothing left
/// });
/// lp.run()?;
/// assert!(!lp.is_timer_active(never));
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TimerId(TimerKey);

/// Identifies an immediate made by [`EventLoop::set_immediate`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ImmediateId(Key);

/// Readiness reported for a handle: what the OS says can be done without blocking.
///
/// Readiness is a hint: a handler must tolerate spurious reports and treat `WouldBlock` as
/// "wait for the next one" (mio's contract, inherited).
///
/// ```
/// use netcore::Ready;
/// let ready = Ready::READABLE.union(Ready::READ_CLOSED);
/// assert!(ready.is_readable() && ready.is_read_closed());
/// assert!(!ready.is_writable());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Ready(u8);

impl Ready {
    /// Ready to read.
    pub const READABLE: Ready = Ready(1);
    /// Ready to write.
    pub const WRITABLE: Ready = Ready(2);
    /// The peer closed its writing side (a read returns 0).
    pub const READ_CLOSED: Ready = Ready(4);
    /// Our writing side is closed.
    pub const WRITE_CLOSED: Ready = Ready(8);
    /// The socket has a pending error.
    pub const ERROR: Ready = Ready(16);

    /// Whether a read may make progress.
    pub fn is_readable(self) -> bool {
        self.0 & (1 | 4 | 16) != 0
    }
    /// Whether a write may make progress.
    pub fn is_writable(self) -> bool {
        self.0 & (2 | 8 | 16) != 0
    }
    /// Whether the peer closed its writing side.
    pub fn is_read_closed(self) -> bool {
        self.0 & 4 != 0
    }
    /// Whether an error is pending.
    pub fn is_error(self) -> bool {
        self.0 & 16 != 0
    }
    /// Both sets together.
    pub fn union(self, other: Ready) -> Ready {
        Ready(self.0 | other.0)
    }

    fn from_event(e: &mio::event::Event) -> Ready {
        let mut r = 0;
        if e.is_readable() {
            r |= 1;
        }
        if e.is_writable() {
            r |= 2;
        }
        if e.is_read_closed() {
            r |= 4;
        }
        if e.is_write_closed() {
            r |= 8;
        }
        if e.is_error() {
            r |= 16;
        }
        Ready(r)
    }
}

/// Called when a handle's sources report readiness.
pub type ReadyFn = fn(&mut EventLoop, HandleId, Ready);

struct HandleSlot {
    state: Box<dyn Any>,
    on_ready: ReadyFn,
    refed: bool,
    /// Readiness queued by [`EventLoop::requeue`]; the id is in `pending` while this is non-empty.
    requeued: Ready,
}

enum TimerCallback {
    Once(Box<dyn FnOnce(&mut EventLoop)>),
    Repeat(Box<dyn FnMut(&mut EventLoop)>),
}

struct TimerEntry {
    callback: Option<TimerCallback>,
    interval: Option<Duration>,
    refed: bool,
}

type Job = Box<dyn FnOnce(&mut EventLoop, Box<dyn Any + Send>)>;

/// A callback run once with the loop.
type Callback = Box<dyn FnOnce(&mut EventLoop)>;

/// Settings for a new [`EventLoop`].
///
/// ```
/// let mut options = netcore::LoopOptions::default();
/// assert_eq!(options.read_buffer_size, netcore::DEFAULT_READ_BUFFER_SIZE);
/// options.read_buffer_size = 16 * 1024; // smaller reads, less memory per loop
/// let mut lp = netcore::EventLoop::with_options(options)?;
/// lp.run()?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct LoopOptions {
    /// Size of the one read buffer all of the loop's sockets read into (default
    /// [`DEFAULT_READ_BUFFER_SIZE`], 64 KiB). An idle socket owns no read buffer.
    pub read_buffer_size: usize,
    /// Threads in the process-wide pool that runs blocking work (default: `UV_THREADPOOL_SIZE` from
    /// the environment, else [`DEFAULT_THREAD_POOL_SIZE`]). The first loop to start the pool sets it.
    pub thread_pool_size: usize,
    /// How many readiness events one poll returns at most (default 1024).
    pub events_capacity: usize,
}

impl Default for LoopOptions {
    fn default() -> Self {
        let pool = std::env::var("UV_THREADPOOL_SIZE")
            .ok()
            .and_then(|v| v.parse::<usize>().ok())
            .filter(|n| (1..=1024).contains(n))
            .unwrap_or(DEFAULT_THREAD_POOL_SIZE);
        Self { read_buffer_size: DEFAULT_READ_BUFFER_SIZE, thread_pool_size: pool, events_capacity: 1024 }
    }
}

/// A single-threaded event loop: Node's libuv loop, on mio.
///
/// See the [crate docs](crate) for the phases of an iteration and the ownership model.
///
/// ```
/// use std::time::Duration;
/// let mut lp = netcore::EventLoop::new()?;
/// lp.set_timeout(Duration::from_millis(5), |lp| {
///     println!("timer");
///     lp.set_immediate(|_| println!("immediate: the check phase of the same iteration"));
/// });
/// lp.run()?; // returns when nothing keeps the loop alive
/// assert!(!lp.is_alive());
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct EventLoop {
    poll: Poll,
    events: Events,
    handles: Slab<HandleSlot>,
    refs: usize,
    timers: TimerQueue<TimerEntry>,
    refed_timers: usize,
    immediates: Slab<Callback>,
    immediate_order: VecDeque<Key>,
    ticks: VecDeque<Callback>,
    closing: VecDeque<Callback>,
    pending: Vec<HandleId>,
    jobs: Slab<Job>,
    shared: Arc<Shared>,
    now: Instant,
    stop: bool,
    read_buf: Vec<u8>,
    options: LoopOptions,
    state: HashMap<TypeId, Box<dyn Any>>,
    pub(crate) pipes: Pipes,
}

impl std::fmt::Debug for EventLoop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventLoop")
            .field("handles", &self.handles.len())
            .field("refs", &self.refs)
            .field("timers", &self.timers.len())
            .field("immediates", &self.immediates.len())
            .field("jobs", &self.jobs.len())
            .finish_non_exhaustive()
    }
}

impl EventLoop {
    /// A loop with default options.
    ///
    /// ```
    /// let mut lp = netcore::EventLoop::new()?;
    /// lp.set_timeout(std::time::Duration::from_millis(1), |_| println!("tick"));
    /// lp.run()?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn new() -> io::Result<Self> {
        Self::with_options(LoopOptions::default())
    }

    /// A loop with the given options.
    pub fn with_options(options: LoopOptions) -> io::Result<Self> {
        let poll = Poll::new()?;
        let waker = mio::Waker::new(poll.registry(), WAKER_TOKEN)?;
        Ok(Self {
            poll,
            events: Events::with_capacity(options.events_capacity.max(16)),
            handles: Slab::default(),
            refs: 0,
            timers: TimerQueue::new(),
            refed_timers: 0,
            immediates: Slab::default(),
            immediate_order: VecDeque::new(),
            ticks: VecDeque::new(),
            closing: VecDeque::new(),
            pending: Vec::new(),
            jobs: Slab::default(),
            shared: Arc::new(Shared::new(waker)),
            now: Instant::now(),
            stop: false,
            read_buf: Vec::new(),
            options,
            state: HashMap::new(),
            pipes: Pipes::default(),
        })
    }

    /// The loop's idea of the current time: updated once per iteration, before the timers run
    /// (libuv's `uv_now`). Call [`update_time`](Self::update_time) to refresh it.
    pub fn now(&self) -> Instant {
        self.now
    }

    /// Refreshes [`now`](Self::now) from the clock.
    pub fn update_time(&mut self) {
        self.now = Instant::now();
    }

    /// A `Send + Clone` handle for posting work onto this loop from other threads.
    pub fn remote(&self) -> Remote {
        Remote::new(self.shared.clone())
    }

    /// Makes [`run`](Self::run) return at the end of the current iteration (`uv_stop`).
    pub fn stop(&mut self) {
        self.stop = true;
    }

    /// Whether anything keeps the loop running: a referenced handle or timer, an immediate, a
    /// pending thread-pool job, a close callback or a next tick (`uv_loop_alive`).
    pub fn is_alive(&self) -> bool {
        self.refs > 0
            || self.refed_timers > 0
            || !self.immediate_order.is_empty()
            || self.jobs.len() > 0
            || !self.closing.is_empty()
            || !self.pending.is_empty()
            || !self.ticks.is_empty()
    }

    /// Runs the loop until nothing keeps it alive or [`stop`](Self::stop) is called.
    ///
    /// Each iteration runs these phases in order (libuv's, as Node documents them):
    /// 1. **timers**: callbacks of timers whose deadline has passed, earliest first;
    /// 2. **poll**: waits for I/O (not at all if immediates or close callbacks are queued, at
    ///    most until the next timer otherwise) and runs the I/O callbacks, including work posted
    ///    through a [`Remote`] and completed thread-pool jobs;
    /// 3. **check**: immediates queued before this phase began;
    /// 4. **close**: close callbacks (`close` events).
    ///
    /// The next-tick queue is drained after every single callback of every phase.
    pub fn run(&mut self) -> io::Result<()> {
        self.drain_ticks();
        loop {
            if self.take_stop() {
                break;
            }
            self.update_time();
            self.run_timers();
            if self.take_stop() {
                break;
            }
            self.run_poll()?;
            self.run_immediates();
            self.run_closing();
            if !self.is_alive() {
                break;
            }
        }
        Ok(())
    }

    /// Runs one iteration of the loop, waiting for I/O at most `max_wait`. Returns whether the
    /// loop is still alive.
    pub fn run_once(&mut self, max_wait: Option<Duration>) -> io::Result<bool> {
        self.drain_ticks();
        self.update_time();
        self.run_timers();
        // Never longer than `run` would wait: not at all with callbacks queued or nothing alive,
        // at most until the next timer (libuv's UV_RUN_ONCE).
        let timeout = match (self.poll_timeout(), max_wait) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.poll_io(timeout)?;
        self.run_immediates();
        self.run_closing();
        // As libuv, a stop request lasts for the run call it interrupts, not the next one.
        self.take_stop();
        Ok(self.is_alive())
    }

    fn take_stop(&mut self) -> bool {
        let remote = self.shared.take_stop();
        std::mem::take(&mut self.stop) || remote
    }

    // ----- timers -------------------------------------------------------------------------

    /// Calls `f` once after `delay` (`setTimeout`). The timer keeps the loop alive until it
    /// fires or is cleared, unless [`unref_timer`](Self::unref_timer) is called.
    pub fn set_timeout(&mut self, delay: Duration, f: impl FnOnce(&mut EventLoop) + 'static) -> TimerId {
        self.add_timer(delay, None, TimerCallback::Once(Box::new(f)))
    }

    /// Calls `f` every `interval` (at least 1 ms) until cleared (`setInterval`).
    ///
    /// ```
    /// use std::time::Duration;
    /// let mut lp = netcore::EventLoop::new()?;
    /// let mut ticks = 0;
    /// let timer = lp.set_interval(Duration::from_millis(1), move |_| ticks += 1);
    /// lp.set_timeout(Duration::from_millis(20), move |lp| {
    ///     assert!(lp.clear_timer(timer)); // `clearInterval`: the loop can end
    /// });
    /// lp.run()?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn set_interval(&mut self, interval: Duration, f: impl FnMut(&mut EventLoop) + 'static) -> TimerId {
        let interval = interval.clamp(MIN_INTERVAL, MAX_DELAY);
        self.add_timer(interval, Some(interval), TimerCallback::Repeat(Box::new(f)))
    }

    fn add_timer(&mut self, delay: Duration, interval: Option<Duration>, cb: TimerCallback) -> TimerId {
        self.refed_timers += 1;
        let entry = TimerEntry { callback: Some(cb), interval, refed: true };
        TimerId(self.timers.insert(self.deadline_after(delay), entry))
    }

    fn deadline_after(&self, delay: Duration) -> Instant {
        self.now + delay.min(MAX_DELAY)
    }

    /// Cancels a timer (`clearTimeout`/`clearInterval`). Returns false if it already fired or was
    /// cleared. Safe to call from the timer's own callback.
    pub fn clear_timer(&mut self, id: TimerId) -> bool {
        match self.timers.cancel(id.0) {
            Some(entry) => {
                if entry.refed {
                    self.refed_timers -= 1;
                }
                true
            }
            None => false,
        }
    }

    /// Restarts a timer's countdown from now, with `delay` (`timeout.refresh()`, which reuses
    /// the original delay). Returns false if the timer already fired or was cleared.
    pub fn refresh_timer(&mut self, id: TimerId, delay: Duration) -> bool {
        self.timers.reschedule(id.0, self.deadline_after(delay))
    }

    /// Whether the timer is still scheduled.
    pub fn is_timer_active(&self, id: TimerId) -> bool {
        self.timers.get(id.0).is_some()
    }

    /// Stops the timer from keeping the loop alive (`timeout.unref()`).
    pub fn unref_timer(&mut self, id: TimerId) {
        if let Some(e) = self.timers.get_mut(id.0) {
            if std::mem::replace(&mut e.refed, false) {
                self.refed_timers -= 1;
            }
        }
    }

    /// Makes the timer keep the loop alive again (`timeout.ref()`).
    pub fn ref_timer(&mut self, id: TimerId) {
        if let Some(e) = self.timers.get_mut(id.0) {
            if !std::mem::replace(&mut e.refed, true) {
                self.refed_timers += 1;
            }
        }
    }

    /// Number of scheduled timers.
    pub fn active_timers(&self) -> usize {
        self.timers.len()
    }

    fn run_timers(&mut self) {
        let barrier = self.timers.next_sequence();
        while let Some((key, due)) = self.timers.take_due(self.now, barrier) {
            let Some(entry) = self.timers.get_mut(key) else { continue };
            let Some(cb) = entry.callback.take() else { continue };
            match (cb, entry.interval) {
                (TimerCallback::Repeat(mut f), Some(interval)) => {
                    let next = (due + interval).max(self.now);
                    self.timers.reschedule(key, next);
                    f(self);
                    if let Some(entry) = self.timers.get_mut(key) {
                        if entry.callback.is_none() {
                            entry.callback = Some(TimerCallback::Repeat(f));
                        }
                    }
                }
                (cb, _) => {
                    if let Some(entry) = self.timers.cancel(key) {
                        if entry.refed {
                            self.refed_timers -= 1;
                        }
                    }
                    match cb {
                        TimerCallback::Once(f) => f(self),
                        TimerCallback::Repeat(mut f) => f(self),
                    }
                }
            }
            self.drain_ticks();
        }
    }

    // ----- immediates and ticks ----------------------------------------------------------

    /// Calls `f` in the check phase of this iteration, after I/O (`setImmediate`). Immediates
    /// queued while the check phase runs wait for the next iteration.
    pub fn set_immediate(&mut self, f: impl FnOnce(&mut EventLoop) + 'static) -> ImmediateId {
        let key = self.immediates.insert(Box::new(f));
        self.immediate_order.push_back(key);
        ImmediateId(key)
    }

    /// Cancels an immediate that has not run yet (`clearImmediate`).
    pub fn clear_immediate(&mut self, id: ImmediateId) -> bool {
        self.immediates.remove(id.0).is_some()
    }

    /// Calls `f` as soon as the current callback returns, before any other event
    /// (`process.nextTick`).
    ///
    /// ```
    /// let mut lp = netcore::EventLoop::new()?;
    /// let order = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    /// let (a, b) = (order.clone(), order.clone());
    /// lp.set_immediate(move |_| a.borrow_mut().push("immediate"));
    /// lp.next_tick(move |_| b.borrow_mut().push("tick"));
    /// lp.run()?;
    /// assert_eq!(*order.borrow(), ["tick", "immediate"]);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn next_tick(&mut self, f: impl FnOnce(&mut EventLoop) + 'static) {
        self.ticks.push_back(Box::new(f));
    }

    /// Calls `f` in the close phase of this iteration: where `close` events are emitted.
    pub fn defer_close(&mut self, f: impl FnOnce(&mut EventLoop) + 'static) {
        self.closing.push_back(Box::new(f));
    }

    fn drain_ticks(&mut self) {
        while let Some(f) = self.ticks.pop_front() {
            f(self);
        }
    }

    fn run_immediates(&mut self) {
        let n = self.immediate_order.len();
        for _ in 0..n {
            let Some(key) = self.immediate_order.pop_front() else { break };
            if let Some(f) = self.immediates.remove(key) {
                f(self);
                self.drain_ticks();
            }
        }
        // Cleared immediates leave keys behind; drop them so `is_alive` stays truthful.
        while let Some(&key) = self.immediate_order.front() {
            if self.immediates.get(key).is_some() {
                break;
            }
            self.immediate_order.pop_front();
        }
    }

    fn run_closing(&mut self) {
        let n = self.closing.len();
        for _ in 0..n {
            let Some(f) = self.closing.pop_front() else { break };
            f(self);
            self.drain_ticks();
        }
    }

    // ----- I/O -----------------------------------------------------------------------------

    fn run_poll(&mut self) -> io::Result<()> {
        let timeout = self.poll_timeout();
        self.poll_io(timeout)
    }

    /// How long the poll phase may block: not at all when callbacks are queued or nothing keeps
    /// the loop alive, else until the next timer (`None`: no timer, no limit).
    fn poll_timeout(&mut self) -> Option<Duration> {
        let busy = !self.immediate_order.is_empty()
            || !self.closing.is_empty()
            || !self.pending.is_empty()
            || !self.ticks.is_empty()
            || self.stop
            || !self.is_alive();
        if busy {
            Some(Duration::ZERO)
        } else {
            self.timers.next_deadline().map(|d| d.saturating_duration_since(Instant::now()))
        }
    }

    fn poll_io(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        let timeout = if self.pending.is_empty() { timeout } else { Some(Duration::ZERO) };
        // Round a sub-millisecond wait up so a timer due in 0.3 ms does not spin through polls.
        let timeout = timeout.map(|t| if t.is_zero() { t } else { t.max(Duration::from_millis(1)) });
        let mut events = std::mem::replace(&mut self.events, Events::with_capacity(0));
        if events.capacity() == 0 {
            // A callback panicked during the last dispatch, so the buffer was never put back; an
            // empty one would make every later poll fail with EINVAL.
            events = Events::with_capacity(self.options.events_capacity.max(16));
        }
        match self.poll.poll(&mut events, timeout) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                self.events = events;
                return Err(e);
            }
        }
        self.update_time();
        for event in events.iter() {
            if event.token() == WAKER_TOKEN {
                self.run_remote();
                continue;
            }
            let index = event.token().0 as u32;
            self.dispatch(index, None, Ready::from_event(event));
        }
        self.events = events;
        if !self.pending.is_empty() {
            let mut batch = std::mem::take(&mut self.pending);
            for id in batch.drain(..) {
                let Some(slot) = self.handles.get_mut(id.0) else { continue };
                let ready = std::mem::take(&mut slot.requeued);
                self.dispatch(id.0.index, Some(id), ready);
            }
            // Keep the allocation for the next iteration if nothing was queued meanwhile.
            if self.pending.is_empty() {
                self.pending = batch;
            }
        }
        Ok(())
    }

    fn dispatch(&mut self, index: u32, expect: Option<HandleId>, ready: Ready) {
        let Some((key, slot)) = self.handles.get_by_index_mut(index) else { return };
        if expect.is_some_and(|id| id.0 != key) {
            return;
        }
        let f = slot.on_ready;
        f(self, HandleId(key), ready);
        self.drain_ticks();
    }

    fn run_remote(&mut self) {
        let shared = self.shared.clone();
        let mut batch = Undelivered { shared: &shared, rest: shared.take_messages().into_iter() };
        for msg in batch.rest.by_ref() {
            match msg {
                Message::Call(f) => f(self),
                Message::JobDone(index, result) => {
                    let Some((key, _)) = self.jobs.get_by_index_mut(index) else { continue };
                    let Some(done) = self.jobs.remove(key) else { continue };
                    match result {
                        Ok(value) => done(self, value),
                        Err(panic) => std::panic::resume_unwind(panic),
                    }
                }
            }
            self.drain_ticks();
        }
    }

    // ----- the thread pool ---------------------------------------------------------------

    /// Runs `work` on the thread pool and then `done` with its result back on this loop
    /// (`uv_queue_work`). The pending job keeps the loop alive. A panic in `work` is resumed on the
    /// loop's thread when the result would have been delivered.
    ///
    /// ```
    /// let mut lp = netcore::EventLoop::new()?;
    /// lp.queue_work(|| (1..=10u64).product::<u64>(), |_lp, n| assert_eq!(n, 3_628_800));
    /// lp.run()?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn queue_work<T, W, D>(&mut self, work: W, done: D)
    where
        T: Send + 'static,
        W: FnOnce() -> T + Send + 'static,
        D: FnOnce(&mut EventLoop, T) + 'static,
    {
        let key =
            self.jobs.insert(Box::new(move |lp, value: Box<dyn Any + Send>| match value.downcast::<T>() {
                Ok(v) => done(lp, *v),
                Err(_) => unreachable!("a job's result has the type it was queued with"),
            }));
        let shared = self.shared.clone();
        let index = key.index;
        pool::global(self.options.thread_pool_size).submit(Box::new(move || {
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work))
                .map(|v| Box::new(v) as Box<dyn Any + Send>);
            shared.push(Message::JobDone(index, result));
        }));
    }

    /// Thread-pool jobs queued by this loop whose results have not been delivered yet.
    pub fn pending_jobs(&self) -> usize {
        self.jobs.len()
    }

    // ----- handles: the interface for crates that bind sockets onto the loop ----------------

    /// The mio registry, to register a handle's sources under [`HandleId::token`].
    pub fn registry(&self) -> &Registry {
        self.poll.registry()
    }

    /// Adds a handle: `state` is kept in the loop's slab and `on_ready` is called with the loop
    /// whenever a source registered under the handle's token is ready. The handle is referenced
    /// (keeps the loop alive) until [`unref_handle`](Self::unref_handle) or removal.
    ///
    /// ```
    /// use netcore::{EventLoop, HandleId, Ready};
    ///
    /// // What a binding crate does (netcore-tcp's sockets are handles): state in the loop's slab, and a
    /// // function called with the loop on readiness for sources registered under `id.token()`.
    /// struct Counter(u32);
    /// fn on_ready(lp: &mut EventLoop, id: HandleId, _ready: Ready) {
    ///     if let Some(c) = lp.handle_mut::<Counter>(id) {
    ///         c.0 += 1;
    ///     }
    /// }
    /// let mut lp = EventLoop::new()?;
    /// let id = lp.insert_handle(Counter(0), on_ready);
    /// assert!(lp.has_ref(id)); // a referenced handle keeps `run` going
    /// lp.unref_handle(id);
    /// lp.run()?; // returns at once: nothing referenced
    /// assert!(lp.remove_handle(id).is_some());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn insert_handle<T: Any>(&mut self, state: T, on_ready: ReadyFn) -> HandleId {
        self.refs += 1;
        HandleId(self.handles.insert(HandleSlot {
            state: Box::new(state),
            on_ready,
            refed: true,
            requeued: Ready::default(),
        }))
    }

    /// Removes a handle and returns its state. Deregister its sources first (or drop them).
    pub fn remove_handle(&mut self, id: HandleId) -> Option<Box<dyn Any>> {
        let slot = self.handles.remove(id.0)?;
        if slot.refed {
            self.refs -= 1;
        }
        Some(slot.state)
    }

    /// Whether the handle exists.
    pub fn contains_handle(&self, id: HandleId) -> bool {
        self.handles.get(id.0).is_some()
    }

    /// The handle's state, if it exists and is a `T`.
    pub fn handle<T: Any>(&self, id: HandleId) -> Option<&T> {
        self.handles.get(id.0)?.state.downcast_ref()
    }

    /// The handle's state, mutably, if it exists and is a `T`.
    pub fn handle_mut<T: Any>(&mut self, id: HandleId) -> Option<&mut T> {
        self.handles.get_mut(id.0)?.state.downcast_mut()
    }

    /// The handle's state and the registry together, to (re)register its sources.
    pub fn handle_and_registry<T: Any>(&mut self, id: HandleId) -> Option<(&mut T, &Registry)> {
        let state = self.handles.get_mut(id.0)?.state.downcast_mut()?;
        Some((state, self.poll.registry()))
    }

    /// Stops the handle from keeping the loop alive (`handle.unref()`).
    pub fn unref_handle(&mut self, id: HandleId) {
        if let Some(slot) = self.handles.get_mut(id.0) {
            if std::mem::replace(&mut slot.refed, false) {
                self.refs -= 1;
            }
        }
    }

    /// Makes the handle keep the loop alive again (`handle.ref()`).
    pub fn ref_handle(&mut self, id: HandleId) {
        if let Some(slot) = self.handles.get_mut(id.0) {
            if !std::mem::replace(&mut slot.refed, true) {
                self.refs += 1;
            }
        }
    }

    /// Whether the handle keeps the loop alive.
    pub fn has_ref(&self, id: HandleId) -> bool {
        self.handles.get(id.0).is_some_and(|s| s.refed)
    }

    /// Number of live handles.
    pub fn handle_count(&self) -> usize {
        self.handles.len()
    }

    /// Reports `ready` for the handle again in the next poll phase, without waiting for the OS.
    /// Edge-triggered readiness is not repeated, so a handle that stops draining a source before
    /// `WouldBlock` (to be fair to others, or because it was paused and is now resumed) queues
    /// itself here.
    pub fn requeue(&mut self, id: HandleId, ready: Ready) {
        // O(1): the slot remembers what is queued, so a handle is listed at most once.
        let Some(slot) = self.handles.get_mut(id.0) else { return };
        if slot.requeued == Ready::default() {
            self.pending.push(id);
        }
        slot.requeued = slot.requeued.union(ready);
    }

    /// Takes the loop's shared read buffer (allocating it on first use). Give it back with
    /// [`restore_read_buffer`](Self::restore_read_buffer) so the next read reuses it: one buffer
    /// serves every socket of the loop, so an idle socket owns none (libuv allocates on read too).
    pub fn take_read_buffer(&mut self) -> Vec<u8> {
        let mut buf = std::mem::take(&mut self.read_buf);
        if buf.len() < self.options.read_buffer_size {
            buf.resize(self.options.read_buffer_size, 0);
        }
        buf
    }

    /// Returns the read buffer taken by [`take_read_buffer`](Self::take_read_buffer).
    pub fn restore_read_buffer(&mut self, buf: Vec<u8>) {
        if buf.len() >= self.read_buf.len() {
            self.read_buf = buf;
        }
    }

    // ----- loop-local state --------------------------------------------------------------

    /// Stores a value of type `T` in the loop, replacing any earlier one: state shared by many
    /// handlers of this loop (a chat room, a cache) without `Rc<RefCell<_>>`.
    ///
    /// ```
    /// #[derive(Default)]
    /// struct Hits(u32);
    /// let mut lp = netcore::EventLoop::new()?;
    /// lp.set_state(Hits::default());
    /// lp.state_mut::<Hits>().unwrap().0 += 1;
    /// assert_eq!(lp.state::<Hits>().unwrap().0, 1);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn set_state<T: Any>(&mut self, value: T) {
        self.state.insert(TypeId::of::<T>(), Box::new(value));
    }

    /// The loop's value of type `T`, if set.
    pub fn state<T: Any>(&self) -> Option<&T> {
        self.state.get(&TypeId::of::<T>())?.downcast_ref()
    }

    /// The loop's value of type `T`, mutably, if set.
    pub fn state_mut<T: Any>(&mut self) -> Option<&mut T> {
        self.state.get_mut(&TypeId::of::<T>())?.downcast_mut()
    }

    /// The loop's value of type `T`, inserting `T::default()` first if there is none.
    pub fn state_or_default<T: Any + Default>(&mut self) -> &mut T {
        self.state
            .entry(TypeId::of::<T>())
            .or_insert_with(|| Box::new(T::default()))
            .downcast_mut()
            .expect("state is keyed by its own TypeId")
    }

    /// Removes and returns the loop's value of type `T`.
    pub fn take_state<T: Any>(&mut self) -> Option<T> {
        self.state.remove(&TypeId::of::<T>())?.downcast().ok().map(|b| *b)
    }
}

/// The messages of a remote batch not delivered yet. If a callback panics (a job's panic is resumed
/// on purpose) they go back to the front of the queue, so a caught panic loses no other post.
struct Undelivered<'a> {
    shared: &'a Shared,
    rest: std::vec::IntoIter<Message>,
}

impl Drop for Undelivered<'_> {
    fn drop(&mut self) {
        if self.rest.len() > 0 {
            self.shared.push_front(self.rest.by_ref().collect());
        }
    }
}

impl Drop for EventLoop {
    fn drop(&mut self) {
        self.shared.close();
    }
}
