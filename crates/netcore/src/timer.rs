//! The timer queue: a sans-IO priority queue of deadlines with O(log n) insert and O(1) cancel.
//!
//! Deadlines live in a binary min-heap ordered by `(deadline, sequence)`, so timers that fall due at
//! the same instant fire in the order they were scheduled (Node's order). Values live in a
//! generational slab; cancelling frees the slab slot at once and leaves a stale heap entry behind,
//! skipped when it surfaces. When stale entries outnumber live ones the heap is rebuilt, so memory
//! stays proportional to the live timers whatever the churn (idle timeouts reset on every read).
//! The queue never reads a clock: every call that needs the time is given it.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::Instant;

use crate::slab::{Key, Slab};

/// Identifies one scheduled timer in a [`TimerQueue`]; stale once the timer is cancelled or fired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TimerKey(pub(crate) Key);

#[derive(Debug)]
struct Entry<T> {
    deadline: Instant,
    seq: u64,
    value: T,
}

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct HeapItem {
    deadline: Instant,
    seq: u64,
    index: u32,
}

/// A queue of values that fall due at given instants.
///
/// ```
/// use std::time::{Duration, Instant};
/// use netcore::timer::TimerQueue;
///
/// let t0 = Instant::now();
/// let mut q = TimerQueue::new();
/// let late = q.insert(t0 + Duration::from_millis(20), "late");
/// q.insert(t0 + Duration::from_millis(10), "early");
/// assert_eq!(q.next_deadline(), Some(t0 + Duration::from_millis(10)));
/// assert_eq!(q.cancel(late), Some("late"));
/// let due: Vec<_> = std::iter::from_fn(|| q.pop_due(t0 + Duration::from_secs(1), u64::MAX))
///     .map(|(_, v)| v)
///     .collect();
/// assert_eq!(due, ["early"]);
/// ```
#[derive(Debug)]
pub struct TimerQueue<T> {
    heap: BinaryHeap<Reverse<HeapItem>>,
    entries: Slab<Entry<T>>,
    next_seq: u64,
}

impl<T> Default for TimerQueue<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> TimerQueue<T> {
    /// An empty queue.
    pub fn new() -> Self {
        Self { heap: BinaryHeap::new(), entries: Slab::default(), next_seq: 0 }
    }

    /// How many timers are scheduled.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no timer is scheduled.
    pub fn is_empty(&self) -> bool {
        self.entries.len() == 0
    }

    /// The sequence number the next insert or reschedule will get; timers scheduled from now on
    /// compare greater or equal. [`pop_due`](Self::pop_due) uses it to leave timers scheduled during
    /// a timers phase for the next one.
    pub fn next_sequence(&self) -> u64 {
        self.next_seq
    }

    /// Schedules `value` to fall due at `deadline`. O(log n).
    pub fn insert(&mut self, deadline: Instant, value: T) -> TimerKey {
        let seq = self.bump();
        let key = self.entries.insert(Entry { deadline, seq, value });
        self.heap.push(Reverse(HeapItem { deadline, seq, index: key.index }));
        TimerKey(key)
    }

    /// Moves a scheduled timer to a new deadline, keeping its key. Returns false if the key is stale.
    pub fn reschedule(&mut self, key: TimerKey, deadline: Instant) -> bool {
        let seq = self.bump();
        let Some(entry) = self.entries.get_mut(key.0) else { return false };
        entry.deadline = deadline;
        entry.seq = seq;
        self.heap.push(Reverse(HeapItem { deadline, seq, index: key.0.index }));
        self.maybe_compact();
        true
    }

    /// Cancels a timer and returns its value, or `None` if the key is stale. O(1) amortised.
    pub fn cancel(&mut self, key: TimerKey) -> Option<T> {
        let entry = self.entries.remove(key.0)?;
        self.maybe_compact();
        Some(entry.value)
    }

    /// The value of a scheduled timer.
    pub fn get(&self, key: TimerKey) -> Option<&T> {
        self.entries.get(key.0).map(|e| &e.value)
    }

    /// The value of a scheduled timer, mutably.
    pub fn get_mut(&mut self, key: TimerKey) -> Option<&mut T> {
        self.entries.get_mut(key.0).map(|e| &mut e.value)
    }

    /// The deadline of a scheduled timer.
    pub fn deadline(&self, key: TimerKey) -> Option<Instant> {
        self.entries.get(key.0).map(|e| e.deadline)
    }

    /// The earliest deadline of any scheduled timer.
    pub fn next_deadline(&mut self) -> Option<Instant> {
        self.skip_stale();
        self.heap.peek().map(|Reverse(item)| item.deadline)
    }

    /// Removes and returns the earliest timer whose deadline is at or before `now` and whose
    /// sequence number is below `before_seq`, or `None` if there is none.
    pub fn pop_due(&mut self, now: Instant, before_seq: u64) -> Option<(TimerKey, T)> {
        let (key, _) = self.peek_due(now, before_seq)?;
        let entry = self.entries.remove(key.0)?;
        Some((key, entry.value))
    }

    /// Like [`pop_due`](Self::pop_due) but leaves the timer scheduled (its heap entry is consumed;
    /// call [`reschedule`](Self::reschedule) or [`cancel`](Self::cancel) next). Returns the key and
    /// the deadline it fell due at.
    pub fn take_due(&mut self, now: Instant, before_seq: u64) -> Option<(TimerKey, Instant)> {
        let (key, deadline) = self.peek_due(now, before_seq)?;
        self.heap.pop();
        Some((key, deadline))
    }

    fn peek_due(&mut self, now: Instant, before_seq: u64) -> Option<(TimerKey, Instant)> {
        self.skip_stale();
        let Reverse(top) = self.heap.peek()?;
        if top.deadline > now || top.seq >= before_seq {
            return None;
        }
        let (key, _) = self.entries.get_by_index_mut(top.index)?;
        Some((TimerKey(key), top.deadline))
    }

    fn bump(&mut self) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        seq
    }

    /// Pops heap entries whose timer was cancelled or rescheduled since they were pushed.
    fn skip_stale(&mut self) {
        while let Some(Reverse(top)) = self.heap.peek() {
            let live = matches!(
                self.entries.get_by_index_mut(top.index),
                Some((_, e)) if e.seq == top.seq
            );
            if live {
                return;
            }
            self.heap.pop();
        }
    }

    fn maybe_compact(&mut self) {
        let live = self.entries.len();
        if self.heap.len() > 2 * live + 1024 {
            let entries = &mut self.entries;
            let mut items = std::mem::take(&mut self.heap).into_vec();
            items.retain(
                |Reverse(it)| matches!(entries.get_by_index_mut(it.index), Some((_, e)) if e.seq == it.seq),
            );
            self.heap = BinaryHeap::from(items);
        }
    }

    /// Heap entries held, live and stale (for tests and memory accounting).
    #[doc(hidden)]
    pub fn heap_len(&self) -> usize {
        self.heap.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn drain(q: &mut TimerQueue<u32>, now: Instant) -> Vec<u32> {
        std::iter::from_fn(|| q.pop_due(now, u64::MAX)).map(|(_, v)| v).collect()
    }

    #[test]
    fn fires_in_deadline_then_insertion_order() {
        let t0 = Instant::now();
        let mut q = TimerQueue::new();
        q.insert(t0 + ms(30), 3);
        q.insert(t0 + ms(10), 1);
        q.insert(t0 + ms(20), 2);
        q.insert(t0 + ms(10), 11);
        assert_eq!(drain(&mut q, t0 + ms(15)), [1, 11]);
        assert_eq!(drain(&mut q, t0 + ms(100)), [2, 3]);
        assert!(q.is_empty());
    }

    #[test]
    fn cancel_is_final_and_stale_keys_miss() {
        let t0 = Instant::now();
        let mut q = TimerQueue::new();
        let a = q.insert(t0, 1);
        assert_eq!(q.cancel(a), Some(1));
        assert_eq!(q.cancel(a), None);
        let b = q.insert(t0, 2);
        assert_eq!(q.cancel(a), None, "a stale key must not cancel the slot's new timer");
        assert_eq!(drain(&mut q, t0), [2]);
        assert_eq!(q.cancel(b), None);
    }

    #[test]
    fn reschedule_moves_deadline_and_keeps_key() {
        let t0 = Instant::now();
        let mut q = TimerQueue::new();
        let a = q.insert(t0 + ms(10), 1);
        q.insert(t0 + ms(20), 2);
        assert!(q.reschedule(a, t0 + ms(30)));
        assert_eq!(drain(&mut q, t0 + ms(25)), [2]);
        assert_eq!(q.deadline(a), Some(t0 + ms(30)));
        assert_eq!(drain(&mut q, t0 + ms(30)), [1]);
    }

    #[test]
    fn sequence_barrier_defers_timers_added_during_a_phase() {
        let t0 = Instant::now();
        let mut q = TimerQueue::new();
        q.insert(t0, 1);
        let barrier = q.next_sequence();
        q.insert(t0, 2);
        assert_eq!(q.pop_due(t0, barrier).map(|(_, v)| v), Some(1));
        assert_eq!(q.pop_due(t0, barrier).map(|(_, v)| v), None);
        assert_eq!(q.pop_due(t0, u64::MAX).map(|(_, v)| v), Some(2));
    }

    #[test]
    fn churn_keeps_heap_bounded() {
        let t0 = Instant::now();
        let mut q = TimerQueue::new();
        let keys: Vec<_> = (0..100).map(|i| q.insert(t0 + ms(1000 + i), i as u32)).collect();
        for round in 0..10_000u64 {
            let k = keys[(round % 100) as usize];
            assert!(q.reschedule(k, t0 + ms(2000 + round)));
        }
        assert!(q.heap_len() <= 2 * 100 + 1024 + 1, "heap grew to {}", q.heap_len());
        assert_eq!(q.len(), 100);
        assert_eq!(drain(&mut q, t0 + ms(1_000_000)).len(), 100);
    }

    #[test]
    fn a_million_timers() {
        let t0 = Instant::now();
        let mut q = TimerQueue::new();
        let keys: Vec<_> = (0..1_000_000u32).map(|i| q.insert(t0 + ms(u64::from(i % 997)), i)).collect();
        for k in keys.iter().step_by(2) {
            assert!(q.cancel(*k).is_some());
        }
        assert_eq!(q.len(), 500_000);
        let fired = drain(&mut q, t0 + ms(10_000));
        assert_eq!(fired.len(), 500_000);
        assert!(fired.iter().all(|v| v % 2 == 1));
    }
}
