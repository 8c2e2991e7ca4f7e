//! A generational slab: O(1) insert and remove, keys that go stale when their slot is reused.

/// A key into a [`Slab`]: a slot index and the generation it was issued for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Key {
    pub(crate) index: u32,
    pub(crate) generation: u32,
}

#[derive(Debug)]
enum Slot<T> {
    Occupied { generation: u32, value: T },
    Vacant { generation: u32, next_free: u32 },
}

const NONE: u32 = u32::MAX;

/// Values in reusable slots. A removed key never matches the value that later takes its slot.
#[derive(Debug)]
pub(crate) struct Slab<T> {
    slots: Vec<Slot<T>>,
    free_head: u32,
    len: usize,
}

impl<T> Default for Slab<T> {
    fn default() -> Self {
        Self { slots: Vec::new(), free_head: NONE, len: 0 }
    }
}

impl<T> Slab<T> {
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn insert(&mut self, value: T) -> Key {
        self.len += 1;
        if self.free_head != NONE {
            let index = self.free_head;
            let slot = &mut self.slots[index as usize];
            let (generation, next_free) = match *slot {
                Slot::Vacant { generation, next_free } => (generation, next_free),
                Slot::Occupied { .. } => unreachable!("free list points at an occupied slot"),
            };
            self.free_head = next_free;
            *slot = Slot::Occupied { generation, value };
            Key { index, generation }
        } else {
            let index = u32::try_from(self.slots.len()).expect("slab holds fewer than 2^32 slots");
            assert!(index != NONE, "slab full");
            self.slots.push(Slot::Occupied { generation: 0, value });
            Key { index, generation: 0 }
        }
    }

    pub(crate) fn get(&self, key: Key) -> Option<&T> {
        match self.slots.get(key.index as usize) {
            Some(Slot::Occupied { generation, value }) if *generation == key.generation => Some(value),
            _ => None,
        }
    }

    pub(crate) fn get_mut(&mut self, key: Key) -> Option<&mut T> {
        match self.slots.get_mut(key.index as usize) {
            Some(Slot::Occupied { generation, value }) if *generation == key.generation => Some(value),
            _ => None,
        }
    }

    /// The occupant of slot `index`, whatever its generation, with its key.
    pub(crate) fn get_by_index_mut(&mut self, index: u32) -> Option<(Key, &mut T)> {
        match self.slots.get_mut(index as usize) {
            Some(Slot::Occupied { generation, value }) => {
                Some((Key { index, generation: *generation }, value))
            }
            _ => None,
        }
    }

    pub(crate) fn remove(&mut self, key: Key) -> Option<T> {
        let slot = self.slots.get_mut(key.index as usize)?;
        match slot {
            Slot::Occupied { generation, .. } if *generation == key.generation => {
                let next = Slot::Vacant { generation: generation.wrapping_add(1), next_free: self.free_head };
                let old = std::mem::replace(slot, next);
                self.free_head = key.index;
                self.len -= 1;
                match old {
                    Slot::Occupied { value, .. } => Some(value),
                    Slot::Vacant { .. } => None,
                }
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_keys_miss_after_reuse() {
        let mut s = Slab::default();
        let a = s.insert("a");
        assert_eq!(s.remove(a), Some("a"));
        let b = s.insert("b");
        assert_eq!(a.index, b.index);
        assert_eq!(s.get(a), None);
        assert_eq!(s.get(b), Some(&"b"));
        assert_eq!(s.remove(a), None);
        assert_eq!(s.len(), 1);
    }
}
