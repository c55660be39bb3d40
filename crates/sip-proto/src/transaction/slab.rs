//! A generational slab: O(1) insert, lookup and removal of transactions by id, without
//! hashing (used for ids and for checking timer entries).
//!
//! Invariants: a key is valid only while its slot holds a value inserted under that key's
//! generation; removing a value bumps the slot's generation, so stale keys (old ids, timer
//! entries of ended transactions) never reach a newer occupant of the same slot.

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
    free: Vec<usize>,
    len: usize,
}

impl<T> Slab<T> {
    /// An empty slab.
    pub(crate) fn new() -> Self {
        Slab {
            slots: Vec::new(),
            free: Vec::new(),
            len: 0,
        }
    }

    /// Number of stored values.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The key the next [`Slab::insert`] will return.
    pub(crate) fn next_key(&self) -> SlabKey {
        match self.free.last() {
            Some(&index) => SlabKey {
                index,
                generation: self.slots.get(index).map_or(0, |s| s.generation),
            },
            None => SlabKey {
                index: self.slots.len(),
                generation: 0,
            },
        }
    }

    /// A fresh key that never refers to a value (for ids of things the slab does not
    /// keep); it is distinct from every key handed out before or after.
    pub(crate) fn retired_key(&mut self) -> SlabKey {
        let index = match self.free.pop() {
            Some(index) => index,
            None => {
                self.slots.push(Slot {
                    generation: 0,
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
            None => 0,
        };
        self.free.push(index);
        SlabKey { index, generation }
    }

    /// Stores `value` and returns its key.
    pub(crate) fn insert(&mut self, value: T) -> SlabKey {
        self.len += 1;
        if let Some(index) = self.free.pop() {
            if let Some(slot) = self.slots.get_mut(index) {
                slot.value = Some(value);
                return SlabKey {
                    index,
                    generation: slot.generation,
                };
            }
        }
        let index = self.slots.len();
        self.slots.push(Slot {
            generation: 0,
            value: Some(value),
        });
        SlabKey {
            index,
            generation: 0,
        }
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
        self.free.push(key.index);
        self.len -= 1;
        Some(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
