//! Timer queue for all transactions: a binary heap of deadlines with lazy deletion
//! (RFC 3261 §17 timers A–K, RFC 6026 L and M, all driven by the caller's clock).
//!
//! Invariants: each transaction records, per timer slot, the one deadline that is armed;
//! a heap entry is live only while its transaction exists and that slot still holds the
//! entry's (deadline, kind). Cancelled or superseded entries stay in the heap as stale
//! entries and are counted; once they outnumber the live ones the heap is rebuilt, so
//! memory stays proportional to the number of armed timers.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::Instant;

use super::slab::SlabKey;
use super::timers::{TimerKind, SLOTS};

/// Stale entries tolerated before a rebuild is considered.
const COMPACT_MIN_STALE: usize = 1024;

/// Which transaction a timer belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Owner {
    /// A server transaction.
    Server(SlabKey),
    /// A client transaction.
    Client(SlabKey),
}

/// One scheduled timer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Entry {
    /// When it fires.
    pub(crate) at: Instant,
    /// Whose it is.
    pub(crate) owner: Owner,
    /// Which timer.
    pub(crate) kind: TimerKind,
}

/// The armed deadline of each timer slot of one transaction.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Deadlines([Option<(Instant, TimerKind)>; SLOTS]);

impl Deadlines {
    /// Whether `entry` is the deadline currently armed in its slot.
    pub(crate) fn is_armed(&self, entry: &Entry) -> bool {
        self.0.get(entry.kind.slot()).copied().flatten() == Some((entry.at, entry.kind))
    }

    /// Disarms `entry` if it is the armed one; returns whether it was.
    pub(crate) fn take(&mut self, entry: &Entry) -> bool {
        match self.0.get_mut(entry.kind.slot()) {
            Some(slot) if *slot == Some((entry.at, entry.kind)) => {
                *slot = None;
                true
            }
            _ => false,
        }
    }

    /// When `kind` is due, if it is armed.
    pub(crate) fn deadline(&self, kind: TimerKind) -> Option<Instant> {
        match self.0.get(kind.slot()).copied().flatten() {
            Some((at, k)) if k == kind => Some(at),
            _ => None,
        }
    }

    /// Number of armed slots.
    pub(crate) fn armed(&self) -> usize {
        self.0.iter().filter(|s| s.is_some()).count()
    }
}

/// All pending timers, earliest first.
#[derive(Debug, Default)]
pub(crate) struct TimerQueue {
    heap: BinaryHeap<Reverse<Entry>>,
    stale: usize,
}

impl TimerQueue {
    /// Arms `kind` for `owner` at `at`, replacing whatever its slot held.
    pub(crate) fn arm(
        &mut self,
        deadlines: &mut Deadlines,
        owner: Owner,
        kind: TimerKind,
        at: Instant,
    ) {
        if let Some(slot) = deadlines.0.get_mut(kind.slot()) {
            if slot.replace((at, kind)).is_some() {
                self.stale += 1;
            }
            self.heap.push(Reverse(Entry { at, owner, kind }));
        }
    }

    /// Disarms `kind` if it is armed.
    pub(crate) fn cancel(&mut self, deadlines: &mut Deadlines, kind: TimerKind) {
        if let Some(slot) = deadlines.0.get_mut(kind.slot()) {
            if slot.is_some_and(|(_, k)| k == kind) {
                *slot = None;
                self.stale += 1;
            }
        }
    }

    /// Records that a transaction with these deadlines was removed.
    pub(crate) fn forget(&mut self, deadlines: &Deadlines) {
        self.stale += deadlines.armed();
    }

    /// The earliest entry, live or stale.
    pub(crate) fn peek(&self) -> Option<&Entry> {
        self.heap.peek().map(|Reverse(e)| e)
    }

    /// Removes the earliest entry.
    pub(crate) fn pop(&mut self) -> Option<Entry> {
        self.heap.pop().map(|Reverse(e)| e)
    }

    /// Records that a popped entry turned out to be stale.
    pub(crate) fn popped_stale(&mut self) {
        self.stale = self.stale.saturating_sub(1);
    }

    /// Whether stale entries dominate enough to justify a rebuild.
    pub(crate) fn needs_compaction(&self) -> bool {
        self.stale >= COMPACT_MIN_STALE && self.stale * 2 > self.heap.len()
    }

    /// Drops every entry for which `live` is false, and memory left over from a peak.
    pub(crate) fn compact(&mut self, mut live: impl FnMut(&Entry) -> bool) {
        self.heap.retain(|Reverse(e)| live(e));
        self.stale = 0;
        self.shrink();
    }

    /// Gives back the memory of a heap that a load peak grew and that is now mostly empty.
    pub(crate) fn shrink(&mut self) {
        if self.heap.capacity() > 1024 && self.heap.len() * 4 < self.heap.capacity() {
            self.heap.shrink_to(self.heap.len() * 2);
        }
    }

    /// Entries in the heap, live or stale.
    #[cfg(test)]
    pub(crate) fn heap_len(&self) -> usize {
        self.heap.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transaction::slab::Slab;
    use std::time::Duration;

    fn owner() -> Owner {
        let mut s = Slab::new();
        Owner::Server(s.insert(()))
    }

    #[test]
    fn earliest_first_and_rearm_makes_old_entry_stale() {
        let base = Instant::now();
        let o = owner();
        let mut q = TimerQueue::default();
        let mut d = Deadlines::default();
        q.arm(&mut d, o, TimerKind::G, base + Duration::from_secs(2));
        q.arm(&mut d, o, TimerKind::H, base + Duration::from_secs(1));
        q.arm(&mut d, o, TimerKind::G, base + Duration::from_secs(3));
        let first = q.pop().unwrap();
        assert_eq!(first.kind, TimerKind::H);
        assert!(d.take(&first));
        let second = q.pop().unwrap();
        assert_eq!(second.at, base + Duration::from_secs(2));
        assert!(!d.is_armed(&second));
        q.popped_stale();
        let third = q.pop().unwrap();
        assert!(d.take(&third));
        assert_eq!(d.armed(), 0);
        assert!(q.pop().is_none());
    }

    #[test]
    fn cancel_only_matching_kind() {
        let base = Instant::now();
        let o = owner();
        let mut q = TimerQueue::default();
        let mut d = Deadlines::default();
        q.arm(&mut d, o, TimerKind::H, base);
        q.cancel(&mut d, TimerKind::B);
        assert_eq!(d.armed(), 1);
        q.cancel(&mut d, TimerKind::H);
        assert_eq!(d.armed(), 0);
        assert_eq!(q.stale, 1);
    }

    #[test]
    fn compaction_drops_stale_entries() {
        let base = Instant::now();
        let o = owner();
        let mut q = TimerQueue::default();
        let mut d = Deadlines::default();
        for i in 0..3000u64 {
            q.arm(&mut d, o, TimerKind::E, base + Duration::from_millis(i));
        }
        assert!(q.needs_compaction());
        q.compact(|e| d.is_armed(e));
        assert_eq!(q.heap_len(), 1);
        assert!(!q.needs_compaction());
    }
}
