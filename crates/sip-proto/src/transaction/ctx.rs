//! The side effects a transaction state machine may produce while handling one input
//! (RFC 3261 §17: pass messages to the transport, arm/cancel timers, inform the TU).
//!
//! Invariants: state machines never touch the layer's tables; they act only through a
//! [`Ctx`], which scopes timer operations to the transaction being driven, and report
//! their own end through [`Step`]. Output queues are drained by the caller in FIFO order.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::event::TransactionEvent;
use super::peer::{Peer, Transmit};
use super::queue::{Deadlines, Owner, TimerQueue};
use super::timers::{TimerConfig, TimerKind};

/// Whether a transaction survives the input it just handled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// Still alive.
    Continue,
    /// Entered the Terminated state (RFC 3261 §17): the layer removes it.
    Terminated,
    /// A transaction failure (Timer B, C, F or H): the layer tells the TU, then removes it.
    Failed,
}

/// Messages and events waiting for the caller.
#[derive(Debug, Default)]
pub(crate) struct Output {
    pub(crate) transmits: VecDeque<Transmit>,
    pub(crate) events: VecDeque<TransactionEvent>,
}

/// Everything a state machine may use while handling one input.
pub(crate) struct Ctx<'a> {
    /// Current time, from the caller.
    pub(crate) now: Instant,
    /// Timer values.
    pub(crate) config: &'a TimerConfig,
    /// Where transmits go.
    pub(crate) out: &'a mut Output,
    /// The layer's timer queue.
    pub(crate) queue: &'a mut TimerQueue,
    /// The driven transaction's armed timers.
    pub(crate) deadlines: &'a mut Deadlines,
    /// The driven transaction.
    pub(crate) owner: Owner,
}

impl Ctx<'_> {
    /// Queues `bytes` for `peer`.
    pub(crate) fn send(&mut self, peer: Peer, bytes: Vec<u8>) {
        self.out.transmits.push_back(Transmit { peer, bytes });
    }

    /// Arms `kind` to fire `after` from now.
    pub(crate) fn arm(&mut self, kind: TimerKind, after: Duration) {
        let at = self.now.checked_add(after).unwrap_or(self.now);
        self.queue.arm(self.deadlines, self.owner, kind, at);
    }

    /// Arms `kind` at `after` from now unless it is already armed to fire sooner.
    pub(crate) fn arm_no_later_than(&mut self, kind: TimerKind, after: Duration) {
        let at = self.now.checked_add(after).unwrap_or(self.now);
        if self.deadlines.deadline(kind).is_none_or(|d| d > at) {
            self.queue.arm(self.deadlines, self.owner, kind, at);
        }
    }

    /// Disarms `kind`.
    pub(crate) fn cancel(&mut self, kind: TimerKind) {
        self.queue.cancel(self.deadlines, kind);
    }
}

/// RFC 3261 §7.2 / §21 response classes as the transaction layer sees them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StatusClass {
    /// 1xx.
    Provisional,
    /// 2xx.
    Success,
    /// 3xx–6xx.
    Failure,
}

impl StatusClass {
    /// Classifies a status code; None outside 100..=699.
    pub(crate) fn of(status: u16) -> Option<StatusClass> {
        match status {
            100..=199 => Some(StatusClass::Provisional),
            200..=299 => Some(StatusClass::Success),
            300..=699 => Some(StatusClass::Failure),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_classes() {
        assert_eq!(StatusClass::of(99), None);
        assert_eq!(StatusClass::of(100), Some(StatusClass::Provisional));
        assert_eq!(StatusClass::of(199), Some(StatusClass::Provisional));
        assert_eq!(StatusClass::of(200), Some(StatusClass::Success));
        assert_eq!(StatusClass::of(299), Some(StatusClass::Success));
        assert_eq!(StatusClass::of(300), Some(StatusClass::Failure));
        assert_eq!(StatusClass::of(699), Some(StatusClass::Failure));
        assert_eq!(StatusClass::of(700), None);
    }
}
