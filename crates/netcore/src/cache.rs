//! A small cache whose entries expire: answers kept for a time (DNS answers for their TTL), at
//! most a fixed number of them.

use std::collections::HashMap;
use std::hash::Hash;
use std::time::Instant;

/// A map of values that expire, bounded in entries: when full, the entry expiring soonest makes
/// room. Lookups take the time, so the cache never reads a clock itself.
///
/// ```
/// use std::time::{Duration, Instant};
/// let mut cache = netcore::cache::ExpiringCache::new(2);
/// let now = Instant::now();
/// cache.insert("a", 1, now + Duration::from_secs(5));
/// assert_eq!(cache.get(&"a", now), Some(&1));
/// assert_eq!(cache.get(&"a", now + Duration::from_secs(5)), None); // expired, and dropped
/// ```
#[derive(Debug, Clone)]
pub struct ExpiringCache<K, V> {
    entries: HashMap<K, (Instant, V)>,
    max: usize,
}

impl<K: Hash + Eq + Clone, V> ExpiringCache<K, V> {
    /// An empty cache of at most `max` entries (0 keeps nothing).
    pub fn new(max: usize) -> Self {
        ExpiringCache { entries: HashMap::new(), max }
    }

    /// The value for `key` if it has not expired at `now`; an expired one is dropped.
    pub fn get(&mut self, key: &K, now: Instant) -> Option<&V> {
        if self.entries.get(key).is_some_and(|(expiry, _)| *expiry <= now) {
            self.entries.remove(key);
        }
        self.entries.get(key).map(|(_, value)| value)
    }

    /// Keeps `value` for `key` until `expiry`, making room first if the cache is full.
    pub fn insert(&mut self, key: K, value: V, expiry: Instant) {
        if self.max == 0 {
            return;
        }
        if !self.entries.contains_key(&key) {
            self.trim(self.max - 1);
        }
        self.entries.insert(key, (expiry, value));
    }

    /// Changes the most entries kept, dropping those expiring soonest if there are too many.
    pub fn set_max(&mut self, max: usize) {
        self.max = max;
        self.trim(max);
    }

    /// How many entries are kept (expired ones included until looked up or pushed out).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing is kept.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Drops the entries expiring soonest until at most `max` are left.
    fn trim(&mut self, max: usize) {
        while self.entries.len() > max {
            let soonest = self.entries.iter().min_by_key(|(_, (expiry, _))| *expiry).map(|(k, _)| k.clone());
            match soonest {
                Some(k) => self.entries.remove(&k),
                None => break,
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ExpiringCache;
    use std::time::{Duration, Instant};

    #[test]
    fn full_caches_drop_what_expires_soonest_and_lowering_the_limit_trims() {
        let now = Instant::now();
        let at = |s| now + Duration::from_secs(s);
        let mut cache = ExpiringCache::new(2);
        cache.insert("a", 1, at(10));
        cache.insert("b", 2, at(5));
        cache.insert("c", 3, at(20));
        assert_eq!(cache.get(&"b", now), None);
        assert_eq!(cache.get(&"a", now), Some(&1));
        cache.insert("a", 4, at(30)); // a replacement makes no room
        assert_eq!(cache.len(), 2);
        cache.set_max(1);
        assert_eq!((cache.len(), cache.get(&"a", now).copied()), (1, Some(4)));
        cache.set_max(0);
        cache.insert("d", 5, at(1));
        assert!(cache.is_empty());
    }
}
