//! Non-INVITE client transaction (RFC 3261 §17.1.2, Figure 6).
//!
//! States: Trying → Proceeding → Completed → Terminated.
//! Invariants: the request bytes are kept only on unreliable transports (for Timer E,
//! doubling from T1 up to T2 in Trying, fixed at T2 in Proceeding); the final response
//! reaches the TU exactly once; Timer K is zero on reliable transports, so the
//! transaction ends with its final response there.

use std::time::Duration;

use super::ctx::{Ctx, StatusClass, Step};
use super::peer::Peer;
use super::timers::TimerKind;

/// RFC 3261 §17.1.2.2: a request kept for retransmission by Timer E.
#[derive(Debug)]
struct Retransmit {
    bytes: Vec<u8>,
    interval: Duration,
}

#[derive(Debug)]
enum State {
    /// Request sent, no response yet.
    Trying { retransmit: Option<Retransmit> },
    /// A provisional response arrived; retransmissions continue every T2.
    Proceeding { retransmit: Option<Retransmit> },
    /// A final response arrived; Timer K absorbs its retransmissions.
    Completed,
}

/// A non-INVITE client transaction (RFC 3261 §17.1.2).
#[derive(Debug)]
pub(crate) struct ClientNonInvite {
    peer: Peer,
    state: State,
}

impl ClientNonInvite {
    /// Sends the serialized request to `peer` and arms Timers E (unreliable only) and F.
    pub(crate) fn start(ctx: &mut Ctx<'_>, peer: Peer, bytes: Vec<u8>) -> ClientNonInvite {
        let retransmit = if peer.is_reliable() {
            ctx.send(peer, bytes);
            None
        } else {
            ctx.send(peer, bytes.clone());
            ctx.arm(TimerKind::E, ctx.config.t1);
            Some(Retransmit {
                bytes,
                interval: ctx.config.t1,
            })
        };
        ctx.arm(TimerKind::F, ctx.config.t1x64());
        ClientNonInvite {
            peer,
            state: State::Trying { retransmit },
        }
    }

    /// Handles a matched response; returns whether the TU gets it.
    pub(crate) fn on_response(&mut self, ctx: &mut Ctx<'_>, class: StatusClass) -> (bool, Step) {
        let state = std::mem::replace(&mut self.state, State::Completed);
        match (state, class) {
            (
                State::Trying { retransmit } | State::Proceeding { retransmit },
                StatusClass::Provisional,
            ) => {
                self.state = State::Proceeding { retransmit };
                (true, Step::Continue)
            }
            (State::Trying { .. } | State::Proceeding { .. }, _) => {
                ctx.cancel(TimerKind::E);
                ctx.cancel(TimerKind::F);
                let linger = ctx.config.t4_or_zero(self.peer.is_reliable());
                if linger.is_zero() {
                    return (true, Step::Terminated);
                }
                ctx.arm(TimerKind::K, linger);
                (true, Step::Continue)
            }
            (State::Completed, _) => (false, Step::Continue),
        }
    }

    /// Handles an expired timer.
    pub(crate) fn on_timer(&mut self, ctx: &mut Ctx<'_>, kind: TimerKind) -> Step {
        match (&mut self.state, kind) {
            (
                State::Trying {
                    retransmit: Some(r),
                },
                TimerKind::E,
            ) => {
                ctx.send(self.peer, r.bytes.clone());
                r.interval = ctx.config.double_capped(r.interval);
                ctx.arm(TimerKind::E, r.interval);
                Step::Continue
            }
            (
                State::Proceeding {
                    retransmit: Some(r),
                },
                TimerKind::E,
            ) => {
                ctx.send(self.peer, r.bytes.clone());
                r.interval = ctx.config.t2;
                ctx.arm(TimerKind::E, r.interval);
                Step::Continue
            }
            (State::Trying { .. } | State::Proceeding { .. }, TimerKind::F) => Step::Failed,
            (State::Completed, TimerKind::K) => Step::Terminated,
            _ => Step::Continue,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transaction::testutil::{peer, Harness};
    use vpbx_sip_msg::Transport;

    fn class(status: u16) -> StatusClass {
        StatusClass::of(status).unwrap()
    }

    fn start(h: &mut Harness, transport: Transport) -> ClientNonInvite {
        ClientNonInvite::start(&mut h.ctx(0), peer(transport), b"OPTIONS".to_vec())
    }

    #[test]
    fn timer_e_doubles_to_t2_then_f_fails() {
        let mut h = Harness::new();
        let mut tx = start(&mut h, Transport::Udp);
        assert_eq!(h.sent().len(), 1);
        assert_eq!(h.armed(TimerKind::E), Some(500));
        assert_eq!(h.armed(TimerKind::F), Some(32_000));
        let mut fired = Vec::new();
        while let Some(at) = h
            .armed(TimerKind::E)
            .and_then(|a| u64::try_from(a).ok())
            .filter(|a| *a < 32_000)
        {
            fired.push(at);
            assert_eq!(tx.on_timer(&mut h.ctx(at), TimerKind::E), Step::Continue);
            assert_eq!(h.sent().len(), 1);
        }
        assert_eq!(
            fired,
            [500, 1500, 3500, 7500, 11_500, 15_500, 19_500, 23_500, 27_500, 31_500]
        );
        assert_eq!(tx.on_timer(&mut h.ctx(32_000), TimerKind::F), Step::Failed);
    }

    #[test]
    fn proceeding_retransmits_every_t2() {
        let mut h = Harness::new();
        let mut tx = start(&mut h, Transport::Udp);
        h.sent();
        assert_eq!(
            tx.on_response(&mut h.ctx(100), class(100)),
            (true, Step::Continue)
        );
        assert_eq!(h.armed(TimerKind::E), Some(500));
        assert_eq!(tx.on_timer(&mut h.ctx(500), TimerKind::E), Step::Continue);
        assert_eq!(h.armed(TimerKind::E), Some(4500));
        assert_eq!(tx.on_timer(&mut h.ctx(4500), TimerKind::E), Step::Continue);
        assert_eq!(h.armed(TimerKind::E), Some(8500));
        assert_eq!(h.sent().len(), 2);
    }

    #[test]
    fn final_response_once_then_k() {
        let mut h = Harness::new();
        let mut tx = start(&mut h, Transport::Udp);
        h.sent();
        assert_eq!(
            tx.on_response(&mut h.ctx(100), class(200)),
            (true, Step::Continue)
        );
        assert_eq!(h.armed(TimerKind::K), Some(5100));
        assert_eq!(h.armed_count(), 1);
        assert_eq!(
            tx.on_response(&mut h.ctx(200), class(200)),
            (false, Step::Continue)
        );
        assert_eq!(
            tx.on_response(&mut h.ctx(300), class(100)),
            (false, Step::Continue)
        );
        assert_eq!(tx.on_timer(&mut h.ctx(400), TimerKind::E), Step::Continue);
        assert!(h.sent().is_empty());
        assert_eq!(
            tx.on_timer(&mut h.ctx(5100), TimerKind::K),
            Step::Terminated
        );
    }

    #[test]
    fn reliable_transport_has_no_e_and_zero_k() {
        let mut h = Harness::new();
        let mut tx = start(&mut h, Transport::Tcp);
        assert_eq!(h.armed(TimerKind::E), None);
        assert_eq!(h.armed(TimerKind::F), Some(32_000));
        assert_eq!(
            tx.on_response(&mut h.ctx(10), class(100)),
            (true, Step::Continue)
        );
        assert_eq!(
            tx.on_response(&mut h.ctx(20), class(404)),
            (true, Step::Terminated)
        );
        assert_eq!(h.armed_count(), 0);
    }
}
