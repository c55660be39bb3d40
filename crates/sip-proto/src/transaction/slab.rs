//! A generational slab: O(1) insert, lookup and removal of transactions by id, without
//! hashing (used for ids and for checking timer entries).
//!
//! Invariants: a key is valid only while its slot holds a value inserted under that key's
//! generation; removing a value bumps the slot's generation, so stale keys (old ids, timer
//! entries of ended transactions) never reach a newer occupant of the same slot. Vacant
//! slots are reused lowest index first, so after a load peak the tail empties and
//! [`Slab::shrink`] can give its memory back; slots made after a shrink start above every
//! generation the dropped slots had, so old keys stay dead.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Below this many slots, shrinking is not worth it.
const SHRINK_MIN_SLOTS: usize = 1024;

/// Position and generation of one slab entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct SlabKey {
    index: usize,
    generation: u32,
}

#[derive(Debug)]
struct Slot<T> {
    generation: u32,
    value: Option<T>,
}

/// Storage for values addressed by [`SlabKey`].
#[derive(Debug)]
pub(crate) struct Slab<T> {
    slots: Vec<Slot<T>>,
    free: BinaryHeap<Reverse<usize>>,
    len: usize,
    fresh_generation: u32,
}

impl<T> Slab<T> {
    /// An empty slab.
    pub(crate) fn new() -> Self {
        Slab {
            slots: Vec::new(),
            free: BinaryHeap::new(),
            len: 0,
            fresh_generation: 0,
        }
    }

    /// Number of stored values.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The key the next [`Slab::insert`] will return.
    pub(crate) fn next_key(&self) -> SlabKey {
        match self.free.peek() {
            Some(&Reverse(index)) => SlabKey {
                index,
                generation: self
                    .slots
                    .get(index)
                    .map_or(self.fresh_generation, |s| s.generation),
            },
            None => SlabKey {
                index: self.slots.len(),
                generation: self.fresh_generation,
            },
        }
    }

    /// A fresh key that never refers to a value (for ids of things the slab does not
    /// keep); it is distinct from every key handed out before or after.
    pub(crate) fn retired_key(&mut self) -> SlabKey {
        let index = match self.free.pop() {
            Some(Reverse(index)) => index,
            None => {
                self.slots.push(Slot {
                    generation: self.fresh_generation,
                    value: None,
                });
                self.slots.len() - 1
            }
        };
        let generation = match self.slots.get_mut(index) {
            Some(slot) => {
                let generation = slot.generation;
                slot.generation = generation.wrapping_add(1);
                generation
            }
            None => self.fresh_generation,
        };
        self.free.push(Reverse(index));
        SlabKey { index, generation }
    }

    /// Stores `value` and returns its key.
    pub(crate) fn insert(&mut self, value: T) -> SlabKey {
        self.len += 1;
        if let Some(Reverse(index)) = self.free.pop() {
            if let Some(slot) = self.slots.get_mut(index) {
                slot.value = Some(value);
                return SlabKey {
                    index,
                    generation: slot.generation,
                };
            }
        }
        let index = self.slots.len();
        let generation = self.fresh_generation;
        self.slots.push(Slot {
            generation,
            value: Some(value),
        });
        SlabKey { index, generation }
    }

    /// Gives memory back after a peak: drops the vacant slots at the end when at most a
    /// quarter of the slots are in use.
    pub(crate) fn shrink(&mut self) {
        if self.slots.len() <= SHRINK_MIN_SLOTS || self.len * 4 > self.slots.len() {
            return;
        }
        let before = self.slots.len();
        while let Some(last) = self.slots.last() {
            if last.value.is_some() {
                break;
            }
            self.fresh_generation = self.fresh_generation.max(last.generation);
            self.slots.pop();
        }
        let n = self.slots.len();
        if n == before {
            return;
        }
        self.free.retain(|&Reverse(i)| i < n);
        self.slots.shrink_to(n * 2);
        self.free.shrink_to(self.free.len() * 2);
    }

    /// The value stored under `key`, if it is still there.
    pub(crate) fn get(&self, key: SlabKey) -> Option<&T> {
        self.slots
            .get(key.index)
            .filter(|s| s.generation == key.generation)
            .and_then(|s| s.value.as_ref())
    }

    /// Mutable access to the value stored under `key`, if it is still there.
    pub(crate) fn get_mut(&mut self, key: SlabKey) -> Option<&mut T> {
        self.slots
            .get_mut(key.index)
            .filter(|s| s.generation == key.generation)
            .and_then(|s| s.value.as_mut())
    }

    /// Removes and returns the value stored under `key`; the key becomes invalid.
    pub(crate) fn remove(&mut self, key: SlabKey) -> Option<T> {
        let slot = self
            .slots
            .get_mut(key.index)
            .filter(|s| s.generation == key.generation)?;
        let value = slot.value.take()?;
        slot.generation = slot.generation.wrapping_add(1);
        self.free.push(Reverse(key.index));
        self.len -= 1;
        Some(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shrink_releases_tail_and_keeps_old_keys_dead() {
        let mut slab = Slab::new();
        let keys: Vec<_> = (0..5000).map(|i| slab.insert(i)).collect();
        for k in &keys[1..] {
            slab.remove(*k);
        }
        slab.shrink();
        assert!(slab.slots.len() < 10, "tail released: {}", slab.slots.len());
        assert_eq!(slab.get(keys[0]), Some(&0));
        for k in &keys[1..] {
            assert_eq!(slab.get(*k), None);
        }
        let fresh: Vec<_> = (0..5000).map(|i| slab.insert(i + 10_000)).collect();
        for (old, new) in keys[1..].iter().zip(&fresh) {
            assert_ne!(old, new, "a new key never equals an old one");
            assert_eq!(slab.get(*old), None);
        }
    }

    #[test]
    fn lowest_vacant_slot_is_reused_first() {
        let mut slab = Slab::new();
        let keys: Vec<_> = (0..10).map(|i| slab.insert(i)).collect();
        slab.remove(keys[7]);
        slab.remove(keys[2]);
        slab.remove(keys[5]);
        assert_eq!(slab.insert(100).index, 2);
        assert_eq!(slab.insert(101).index, 5);
    }

    #[test]
    fn insert_get_remove() {
        let mut s = Slab::new();
        let a = s.insert("a");
        let b = s.insert("b");
        assert_eq!(s.len(), 2);
        assert_eq!(s.get(a), Some(&"a"));
        assert_eq!(s.remove(a), Some("a"));
        assert_eq!(s.get(a), None);
        assert_eq!(s.remove(a), None);
        assert_eq!(s.get(b), Some(&"b"));
        assert_eq!(s.len(), 1);
    }

    #[test]
    fn next_key_predicts_insert() {
        let mut s = Slab::new();
        let k = s.next_key();
        assert_eq!(s.insert(1), k);
        s.remove(k);
        let k2 = s.next_key();
        assert_ne!(k, k2);
        assert_eq!(s.insert(2), k2);
    }

    #[test]
    fn retired_keys_are_unique_and_dead() {
        let mut s: Slab<u8> = Slab::new();
        let a = s.retired_key();
        let b = s.retired_key();
        assert_ne!(a, b);
        assert_eq!(s.get(a), None);
        assert_eq!(s.len(), 0);
        let c = s.insert(1);
        assert_ne!(c, a);
        assert_ne!(c, b);
        assert_eq!(s.next_key(), s.next_key());
    }

    #[test]
    fn reused_slot_does_not_answer_old_key() {
        let mut s = Slab::new();
        let a = s.insert(1);
        s.remove(a);
        let c = s.insert(2);
        assert_ne!(a, c);
        assert_eq!(s.get(a), None);
        assert_eq!(s.get(c), Some(&2));
        if let Some(v) = s.get_mut(c) {
            *v = 3;
        }
        assert_eq!(s.get(c), Some(&3));
        assert_eq!(s.get_mut(a), None);
    }
}
