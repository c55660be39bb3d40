//! INVITE client transaction (RFC 3261 §17.1.1, Figure 5, as corrected by RFC 6026 §8.4:
//! 2xx responses lead to Accepted, where Timer M absorbs nothing and passes every 2xx up).
//!
//! States: Calling → Proceeding → Completed (3xx–6xx) or Accepted (2xx) → Terminated.
//! Invariants: the request bytes are kept only while Calling on an unreliable transport
//! (for Timer A); the ACK for a non-2xx is serialized once and re-sent for each
//! retransmitted final response; Timer C (RFC 3261 §16.6) bounds Proceeding so the
//! transaction always ends even if no final response ever arrives.

use std::time::Duration;

use vpbx_sip_msg::Response;

use super::ack::AckTemplate;
use super::ctx::{Ctx, StatusClass, Step};
use super::peer::Peer;
use super::timers::{TimerKind, TIMER_C};

/// RFC 3261 §17.1.1.2: a request kept for retransmission by Timer A.
#[derive(Debug)]
struct Retransmit {
    bytes: Vec<u8>,
    interval: Duration,
}

#[derive(Debug)]
enum State {
    /// Request sent, no response yet; retransmitting on unreliable transports.
    Calling { retransmit: Option<Retransmit> },
    /// A provisional response arrived.
    Proceeding,
    /// A 3xx–6xx arrived; the serialized ACK answers its retransmissions.
    Completed { ack: Vec<u8> },
    /// A 2xx arrived (RFC 6026): further 2xx go to the TU until Timer M.
    Accepted,
}

/// An INVITE client transaction (RFC 3261 §17.1.1).
#[derive(Debug)]
pub(crate) struct ClientInvite {
    peer: Peer,
    template: Box<AckTemplate>,
    state: State,
}

impl ClientInvite {
    /// Sends the serialized INVITE to `peer` and arms Timers A (unreliable only) and B.
    pub(crate) fn start(
        ctx: &mut Ctx<'_>,
        peer: Peer,
        template: AckTemplate,
        bytes: Vec<u8>,
    ) -> ClientInvite {
        let retransmit = if peer.is_reliable() {
            ctx.send(peer, bytes);
            None
        } else {
            ctx.send(peer, bytes.clone());
            ctx.arm(TimerKind::A, ctx.config.t1);
            Some(Retransmit {
                bytes,
                interval: ctx.config.t1,
            })
        };
        ctx.arm(TimerKind::B, ctx.config.t1x64());
        ClientInvite {
            peer,
            template: Box::new(template),
            state: State::Calling { retransmit },
        }
    }

    /// Handles a matched response; returns whether the TU gets it.
    pub(crate) fn on_response(
        &mut self,
        ctx: &mut Ctx<'_>,
        class: StatusClass,
        response: &Response,
    ) -> (bool, Step) {
        match (&self.state, class) {
            (State::Calling { .. } | State::Proceeding, StatusClass::Provisional) => {
                ctx.cancel(TimerKind::A);
                ctx.cancel(TimerKind::B);
                ctx.arm(TimerKind::C, TIMER_C);
                self.state = State::Proceeding;
                (true, Step::Continue)
            }
            (State::Calling { .. } | State::Proceeding, StatusClass::Success) => {
                ctx.cancel(TimerKind::A);
                ctx.cancel(TimerKind::B);
                ctx.cancel(TimerKind::C);
                ctx.arm(TimerKind::M, ctx.config.t1x64());
                self.state = State::Accepted;
                (true, Step::Continue)
            }
            (State::Calling { .. } | State::Proceeding, StatusClass::Failure) => {
                ctx.cancel(TimerKind::A);
                ctx.cancel(TimerKind::B);
                ctx.cancel(TimerKind::C);
                let ack = self.template.build(response);
                let linger = ctx.config.timer_d(self.peer.is_reliable());
                if linger.is_zero() {
                    ctx.send(self.peer, ack);
                    return (true, Step::Terminated);
                }
                ctx.send(self.peer, ack.clone());
                ctx.arm(TimerKind::D, linger);
                self.state = State::Completed { ack };
                (true, Step::Continue)
            }
            (State::Completed { ack }, StatusClass::Failure) => {
                ctx.send(self.peer, ack.clone());
                (false, Step::Continue)
            }
            (State::Accepted, StatusClass::Success) => (true, Step::Continue),
            (State::Completed { .. } | State::Accepted, _) => (false, Step::Continue),
        }
    }

    /// Handles an expired timer.
    pub(crate) fn on_timer(&mut self, ctx: &mut Ctx<'_>, kind: TimerKind) -> Step {
        match (&mut self.state, kind) {
            (
                State::Calling {
                    retransmit: Some(r),
                },
                TimerKind::A,
            ) => {
                ctx.send(self.peer, r.bytes.clone());
                r.interval = r.interval.saturating_mul(2);
                ctx.arm(TimerKind::A, r.interval);
                Step::Continue
            }
            (State::Calling { .. }, TimerKind::B) | (State::Proceeding, TimerKind::C) => {
                Step::Failed
            }
            (State::Completed { .. }, TimerKind::D) | (State::Accepted, TimerKind::M) => {
                Step::Terminated
            }
            _ => Step::Continue,
        }
    }

    /// RFC 3261 §9.1: once a CANCEL is sent, the INVITE waits at most 64*T1 more for its
    /// final response.
    pub(crate) fn on_cancel_sent(&mut self, ctx: &mut Ctx<'_>) {
        if matches!(self.state, State::Proceeding) {
            ctx.arm_no_later_than(TimerKind::C, ctx.config.t1x64());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transaction::testutil::{peer, req, resp, Harness};
    use crate::transaction::wire::encode_request;
    use vpbx_sip_msg::{Message, Method, Transport};

    fn start(h: &mut Harness, transport: Transport) -> ClientInvite {
        let invite = req("INVITE", "ci");
        let template = AckTemplate::from_request(&invite);
        let bytes = encode_request(invite);
        ClientInvite::start(&mut h.ctx(0), peer(transport), template, bytes)
    }

    fn class(status: u16) -> StatusClass {
        StatusClass::of(status).unwrap()
    }

    #[test]
    fn udp_arms_a_and_b_and_a_doubles_without_cap() {
        let mut h = Harness::new();
        let mut tx = start(&mut h, Transport::Udp);
        assert_eq!(h.sent().len(), 1);
        assert_eq!(h.armed(TimerKind::A), Some(500));
        assert_eq!(h.armed(TimerKind::B), Some(32_000));
        let mut now = 500;
        for expected in [1000, 2000, 4000, 8000, 16000] {
            assert_eq!(tx.on_timer(&mut h.ctx(now), TimerKind::A), Step::Continue);
            assert_eq!(h.sent().len(), 1);
            now += expected;
            assert_eq!(h.armed(TimerKind::A), Some(u128::from(now)));
        }
        assert_eq!(tx.on_timer(&mut h.ctx(32_000), TimerKind::B), Step::Failed);
    }

    #[test]
    fn reliable_transport_never_retransmits() {
        let mut h = Harness::new();
        let mut tx = start(&mut h, Transport::Tcp);
        assert_eq!(h.sent().len(), 1);
        assert_eq!(h.armed(TimerKind::A), None);
        assert_eq!(h.armed(TimerKind::B), Some(32_000));
        assert_eq!(tx.on_timer(&mut h.ctx(500), TimerKind::A), Step::Continue);
        assert!(h.sent().is_empty());
    }

    #[test]
    fn provisional_stops_a_and_b_and_arms_c() {
        let mut h = Harness::new();
        let mut tx = start(&mut h, Transport::Udp);
        let ringing = resp(180, "INVITE", "ci");
        assert_eq!(
            tx.on_response(&mut h.ctx(100), class(180), &ringing),
            (true, Step::Continue)
        );
        assert_eq!(h.armed(TimerKind::A), None);
        assert_eq!(h.armed(TimerKind::B), None);
        assert_eq!(h.armed(TimerKind::C), Some(181_100));
        assert_eq!(
            tx.on_response(&mut h.ctx(5_000), class(183), &ringing),
            (true, Step::Continue)
        );
        assert_eq!(h.armed(TimerKind::C), Some(186_000));
        tx.on_cancel_sent(&mut h.ctx(10_000));
        assert_eq!(h.armed(TimerKind::C), Some(42_000));
        assert_eq!(tx.on_timer(&mut h.ctx(42_000), TimerKind::C), Step::Failed);
    }

    #[test]
    fn cancel_before_provisional_leaves_b_alone() {
        let mut h = Harness::new();
        let mut tx = start(&mut h, Transport::Udp);
        tx.on_cancel_sent(&mut h.ctx(100));
        assert_eq!(h.armed(TimerKind::B), Some(32_000));
        assert_eq!(h.armed(TimerKind::C), None);
    }

    #[test]
    fn failure_sends_ack_and_absorbs_retransmissions_until_d() {
        let mut h = Harness::new();
        let mut tx = start(&mut h, Transport::Udp);
        h.sent();
        let busy = resp(486, "INVITE", "ci");
        assert_eq!(
            tx.on_response(&mut h.ctx(700), class(486), &busy),
            (true, Step::Continue)
        );
        let sent = h.sent();
        assert_eq!(sent.len(), 1);
        let Ok(Message::Request(ack)) = Message::parse(&sent[0].bytes) else {
            panic!("ACK expected");
        };
        assert_eq!(ack.method, Method::Ack);
        assert_eq!(h.armed(TimerKind::D), Some(32_700));
        assert_eq!(h.armed_count(), 1);
        assert_eq!(
            tx.on_response(&mut h.ctx(900), class(486), &busy),
            (false, Step::Continue)
        );
        assert_eq!(h.sent()[0].bytes, sent[0].bytes);
        assert_eq!(
            tx.on_response(&mut h.ctx(950), class(180), &busy),
            (false, Step::Continue)
        );
        assert!(h.sent().is_empty());
        assert_eq!(
            tx.on_timer(&mut h.ctx(32_700), TimerKind::D),
            Step::Terminated
        );
    }

    #[test]
    fn failure_on_reliable_transport_terminates_at_once() {
        let mut h = Harness::new();
        let mut tx = start(&mut h, Transport::Tls);
        h.sent();
        let busy = resp(603, "INVITE", "ci");
        assert_eq!(
            tx.on_response(&mut h.ctx(10), class(603), &busy),
            (true, Step::Terminated)
        );
        assert_eq!(h.sent().len(), 1);
        assert_eq!(h.armed_count(), 0);
    }

    #[test]
    fn success_enters_accepted_and_passes_every_2xx() {
        let mut h = Harness::new();
        let mut tx = start(&mut h, Transport::Udp);
        h.sent();
        let ok = resp(200, "INVITE", "ci");
        assert_eq!(
            tx.on_response(&mut h.ctx(10), class(200), &ok),
            (true, Step::Continue)
        );
        assert_eq!(h.armed(TimerKind::M), Some(32_010));
        assert_eq!(h.armed_count(), 1);
        assert_eq!(
            tx.on_response(&mut h.ctx(500), class(200), &ok),
            (true, Step::Continue)
        );
        assert_eq!(
            tx.on_response(&mut h.ctx(600), class(180), &ok),
            (false, Step::Continue)
        );
        assert_eq!(
            tx.on_response(&mut h.ctx(700), class(500), &ok),
            (false, Step::Continue)
        );
        assert!(h.sent().is_empty(), "no ACK for 2xx from the transaction");
        assert_eq!(tx.on_timer(&mut h.ctx(1000), TimerKind::D), Step::Continue);
        assert_eq!(
            tx.on_timer(&mut h.ctx(32_010), TimerKind::M),
            Step::Terminated
        );
    }
}
