//! INVITE server transaction (RFC 3261 §17.2.1, Figure 7, as corrected by RFC 6026 §8.5–8.7:
//! a 2xx leads to Accepted, which absorbs INVITE retransmissions, passes ACKs to the TU and
//! lets the TU send further 2xx until Timer L).
//!
//! States: Proceeding → Completed (3xx–6xx) → Confirmed, or Proceeding → Accepted (2xx);
//! all end in Terminated.
//! Invariants: a 100 Trying goes out by itself 200 ms after the INVITE unless the TU sent a
//! response first (§17.2.1); every response is serialized once and its bytes re-sent for
//! retransmitted requests (the latest provisional in Proceeding, the final in Completed);
//! the transaction never retransmits a 2xx itself (that is the TU's job, RFC 6026 §8.5).

use std::time::Duration;

use vpbx_sip_msg::Response;

use super::ctx::{Ctx, StatusClass, Step};
use super::error::TransactionError;
use super::peer::Peer;
use super::timers::{TimerKind, TRYING_DELAY};
use super::wire::encode_response;

#[derive(Debug)]
enum State {
    /// Waiting for the TU; `trying` is the 100 not yet sent, `provisional` the bytes of
    /// the latest provisional response sent.
    Proceeding {
        trying: Option<Box<Response>>,
        provisional: Option<Vec<u8>>,
    },
    /// A 3xx–6xx was sent and is retransmitted by Timer G until the ACK.
    Completed {
        response: Vec<u8>,
        interval: Duration,
    },
    /// The ACK arrived; Timer I absorbs its retransmissions.
    Confirmed,
    /// A 2xx was sent (RFC 6026); Timer L absorbs INVITE retransmissions.
    Accepted,
}

/// What to do with an ACK matched to this transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AckAction {
    /// Part of the transaction (ACK of a non-2xx): swallow it.
    Absorb,
    /// ACK of a 2xx (RFC 6026 §8.7): the TU gets it.
    PassUp,
}

/// An INVITE server transaction (RFC 3261 §17.2.1).
#[derive(Debug)]
pub(crate) struct ServerInvite {
    dest: Peer,
    state: State,
}

impl ServerInvite {
    /// A new transaction answering to `dest`; `trying` is the 100 Trying it sends if the TU
    /// stays silent for 200 ms.
    pub(crate) fn start(ctx: &mut Ctx<'_>, dest: Peer, trying: Response) -> ServerInvite {
        ctx.arm(TimerKind::Trying, TRYING_DELAY);
        ServerInvite {
            dest,
            state: State::Proceeding {
                trying: Some(Box::new(trying)),
                provisional: None,
            },
        }
    }

    /// A retransmitted INVITE: re-send the latest provisional (sending the 100 Trying now if
    /// none went out yet) or the final response; absorbed in Confirmed and Accepted.
    pub(crate) fn on_retransmission(&mut self, ctx: &mut Ctx<'_>) {
        match &mut self.state {
            State::Proceeding {
                provisional: Some(bytes),
                ..
            } => ctx.send(self.dest, bytes.clone()),
            State::Proceeding {
                trying,
                provisional,
            } => {
                if let Some(t) = trying.take() {
                    ctx.cancel(TimerKind::Trying);
                    let bytes = encode_response(*t);
                    ctx.send(self.dest, bytes.clone());
                    *provisional = Some(bytes);
                }
            }
            State::Completed { response, .. } => ctx.send(self.dest, response.clone()),
            State::Confirmed | State::Accepted => {}
        }
    }

    /// An ACK matched this transaction.
    pub(crate) fn on_ack(&mut self, ctx: &mut Ctx<'_>) -> (AckAction, Step) {
        match self.state {
            State::Completed { .. } => {
                ctx.cancel(TimerKind::G);
                ctx.cancel(TimerKind::H);
                let linger = ctx.config.t4_or_zero(self.dest.is_reliable());
                if linger.is_zero() {
                    return (AckAction::Absorb, Step::Terminated);
                }
                ctx.arm(TimerKind::I, linger);
                self.state = State::Confirmed;
                (AckAction::Absorb, Step::Continue)
            }
            State::Accepted => (AckAction::PassUp, Step::Continue),
            State::Proceeding { .. } | State::Confirmed => (AckAction::Absorb, Step::Continue),
        }
    }

    /// The TU sends `response` of class `class`.
    pub(crate) fn respond(
        &mut self,
        ctx: &mut Ctx<'_>,
        class: StatusClass,
        response: Response,
    ) -> Result<Step, TransactionError> {
        match (&mut self.state, class) {
            (
                State::Proceeding {
                    trying,
                    provisional,
                },
                StatusClass::Provisional,
            ) => {
                if trying.take().is_some() {
                    ctx.cancel(TimerKind::Trying);
                }
                let bytes = encode_response(response);
                ctx.send(self.dest, bytes.clone());
                *provisional = Some(bytes);
            }
            (State::Proceeding { .. }, StatusClass::Success) => {
                ctx.cancel(TimerKind::Trying);
                ctx.send(self.dest, encode_response(response));
                ctx.arm(TimerKind::L, ctx.config.t1x64());
                self.state = State::Accepted;
            }
            (State::Proceeding { .. }, StatusClass::Failure) => {
                ctx.cancel(TimerKind::Trying);
                let bytes = encode_response(response);
                ctx.send(self.dest, bytes.clone());
                if !self.dest.is_reliable() {
                    ctx.arm(TimerKind::G, ctx.config.t1);
                }
                ctx.arm(TimerKind::H, ctx.config.t1x64());
                self.state = State::Completed {
                    response: bytes,
                    interval: ctx.config.t1,
                };
            }
            (State::Accepted, StatusClass::Success) => {
                ctx.send(self.dest, encode_response(response));
            }
            (State::Accepted | State::Completed { .. } | State::Confirmed, _) => {
                return Err(TransactionError::AlreadyFinal);
            }
        }
        Ok(Step::Continue)
    }

    /// Handles an expired timer.
    pub(crate) fn on_timer(&mut self, ctx: &mut Ctx<'_>, kind: TimerKind) -> Step {
        match (&mut self.state, kind) {
            (
                State::Proceeding {
                    trying,
                    provisional,
                },
                TimerKind::Trying,
            ) => {
                if let Some(t) = trying.take() {
                    let bytes = encode_response(*t);
                    ctx.send(self.dest, bytes.clone());
                    *provisional = Some(bytes);
                }
                Step::Continue
            }
            (State::Completed { response, interval }, TimerKind::G) => {
                ctx.send(self.dest, response.clone());
                *interval = ctx.config.double_capped(*interval);
                ctx.arm(TimerKind::G, *interval);
                Step::Continue
            }
            (State::Completed { .. }, TimerKind::H) => Step::Failed,
            (State::Confirmed, TimerKind::I) | (State::Accepted, TimerKind::L) => Step::Terminated,
            _ => Step::Continue,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transaction::testutil::{peer, req, resp, Harness};
    use vpbx_sip_msg::{Message, Transport};

    fn class(status: u16) -> StatusClass {
        StatusClass::of(status).unwrap()
    }

    fn start(h: &mut Harness, transport: Transport) -> ServerInvite {
        let invite = req("INVITE", "si");
        let trying = invite.response(100, "Trying", None);
        ServerInvite::start(&mut h.ctx(0), peer(transport), trying)
    }

    fn status_of(bytes: &[u8]) -> u16 {
        match Message::parse(bytes) {
            Ok(Message::Response(r)) => r.status,
            other => panic!("not a response: {other:?}"),
        }
    }

    #[test]
    fn trying_sent_after_200ms_and_resent_on_retransmission() {
        let mut h = Harness::new();
        let mut tx = start(&mut h, Transport::Udp);
        assert!(h.sent().is_empty());
        assert_eq!(h.armed(TimerKind::Trying), Some(200));
        assert_eq!(
            tx.on_timer(&mut h.ctx(200), TimerKind::Trying),
            Step::Continue
        );
        let sent = h.sent();
        assert_eq!(sent.len(), 1);
        assert_eq!(status_of(&sent[0].bytes), 100);
        tx.on_retransmission(&mut h.ctx(500));
        assert_eq!(h.sent()[0].bytes, sent[0].bytes);
    }

    #[test]
    fn tu_answer_within_200ms_suppresses_trying() {
        let mut h = Harness::new();
        let mut tx = start(&mut h, Transport::Udp);
        let ringing = resp(180, "INVITE", "si");
        assert_eq!(
            tx.respond(&mut h.ctx(50), class(180), ringing),
            Ok(Step::Continue)
        );
        assert_eq!(h.armed(TimerKind::Trying), None);
        assert_eq!(status_of(&h.sent()[0].bytes), 180);
        assert_eq!(
            tx.on_timer(&mut h.ctx(200), TimerKind::Trying),
            Step::Continue
        );
        assert!(h.sent().is_empty());
        tx.on_retransmission(&mut h.ctx(300));
        assert_eq!(status_of(&h.sent()[0].bytes), 180);
    }

    #[test]
    fn retransmission_before_any_response_sends_trying_now() {
        let mut h = Harness::new();
        let mut tx = start(&mut h, Transport::Udp);
        tx.on_retransmission(&mut h.ctx(100));
        assert_eq!(status_of(&h.sent()[0].bytes), 100);
        assert_eq!(h.armed(TimerKind::Trying), None);
    }

    #[test]
    fn failure_retransmitted_by_g_capped_at_t2_until_h() {
        let mut h = Harness::new();
        let mut tx = start(&mut h, Transport::Udp);
        let busy = resp(486, "INVITE", "si");
        assert_eq!(
            tx.respond(&mut h.ctx(0), class(486), busy),
            Ok(Step::Continue)
        );
        assert_eq!(h.sent().len(), 1);
        assert_eq!(h.armed(TimerKind::H), Some(32_000));
        let mut fired = Vec::new();
        while let Some(at) = h
            .armed(TimerKind::G)
            .and_then(|a| u64::try_from(a).ok())
            .filter(|a| *a < 32_000)
        {
            fired.push(at);
            assert_eq!(tx.on_timer(&mut h.ctx(at), TimerKind::G), Step::Continue);
            assert_eq!(status_of(&h.sent()[0].bytes), 486);
        }
        assert_eq!(
            fired,
            [500, 1500, 3500, 7500, 11_500, 15_500, 19_500, 23_500, 27_500, 31_500]
        );
        assert_eq!(tx.on_timer(&mut h.ctx(32_000), TimerKind::H), Step::Failed);
    }

    #[test]
    fn ack_confirms_and_timer_i_terminates() {
        let mut h = Harness::new();
        let mut tx = start(&mut h, Transport::Udp);
        let busy = resp(404, "INVITE", "si");
        tx.respond(&mut h.ctx(0), class(404), busy).unwrap();
        h.sent();
        tx.on_retransmission(&mut h.ctx(100));
        assert_eq!(status_of(&h.sent()[0].bytes), 404);
        assert_eq!(
            tx.on_ack(&mut h.ctx(200)),
            (AckAction::Absorb, Step::Continue)
        );
        assert_eq!(h.armed(TimerKind::G), None);
        assert_eq!(h.armed(TimerKind::H), None);
        assert_eq!(h.armed(TimerKind::I), Some(5200));
        assert_eq!(
            tx.on_ack(&mut h.ctx(300)),
            (AckAction::Absorb, Step::Continue)
        );
        tx.on_retransmission(&mut h.ctx(400));
        assert!(h.sent().is_empty());
        assert_eq!(
            tx.respond(&mut h.ctx(500), class(200), resp(200, "INVITE", "si")),
            Err(TransactionError::AlreadyFinal)
        );
        assert_eq!(
            tx.on_timer(&mut h.ctx(5200), TimerKind::I),
            Step::Terminated
        );
    }

    #[test]
    fn reliable_failure_has_no_g_and_ack_terminates() {
        let mut h = Harness::new();
        let mut tx = start(&mut h, Transport::Tcp);
        tx.respond(&mut h.ctx(0), class(500), resp(500, "INVITE", "si"))
            .unwrap();
        assert_eq!(h.armed(TimerKind::G), None);
        assert_eq!(h.armed(TimerKind::H), Some(32_000));
        assert_eq!(
            tx.on_ack(&mut h.ctx(10)),
            (AckAction::Absorb, Step::Terminated)
        );
        assert_eq!(h.armed_count(), 0);
    }

    #[test]
    fn accepted_absorbs_invites_passes_acks_and_lets_tu_resend_2xx() {
        let mut h = Harness::new();
        let mut tx = start(&mut h, Transport::Udp);
        let ok = resp(200, "INVITE", "si");
        tx.respond(&mut h.ctx(0), class(200), ok.clone()).unwrap();
        assert_eq!(h.sent().len(), 1);
        assert_eq!(h.armed(TimerKind::L), Some(32_000));
        assert_eq!(h.armed_count(), 1);
        tx.on_retransmission(&mut h.ctx(500));
        assert!(h.sent().is_empty(), "INVITE retransmission absorbed");
        assert_eq!(
            tx.respond(&mut h.ctx(500), class(200), ok),
            Ok(Step::Continue)
        );
        assert_eq!(h.sent().len(), 1);
        assert_eq!(
            tx.respond(&mut h.ctx(600), class(486), resp(486, "INVITE", "si")),
            Err(TransactionError::AlreadyFinal)
        );
        assert_eq!(
            tx.respond(&mut h.ctx(600), class(180), resp(180, "INVITE", "si")),
            Err(TransactionError::AlreadyFinal)
        );
        assert_eq!(
            tx.on_ack(&mut h.ctx(700)),
            (AckAction::PassUp, Step::Continue)
        );
        assert_eq!(
            tx.on_timer(&mut h.ctx(32_000), TimerKind::L),
            Step::Terminated
        );
    }

    #[test]
    fn ack_while_proceeding_is_absorbed() {
        let mut h = Harness::new();
        let mut tx = start(&mut h, Transport::Udp);
        assert_eq!(
            tx.on_ack(&mut h.ctx(10)),
            (AckAction::Absorb, Step::Continue)
        );
        assert_eq!(h.armed(TimerKind::Trying), Some(200));
    }
}
