//! Non-INVITE server transaction (RFC 3261 §17.2.2, Figure 8).
//!
//! States: Trying → Proceeding → Completed → Terminated.
//! Invariants: retransmitted requests are absorbed in Trying and answered with the stored
//! bytes of the latest response afterwards; every response is serialized once; Timer J is
//! zero on reliable transports, so the transaction ends with its final response there.

use vpbx_sip_msg::Response;

use super::ctx::{Ctx, StatusClass, Step};
use super::error::TransactionError;
use super::peer::Peer;
use super::timers::TimerKind;
use super::wire::encode_response;

#[derive(Debug)]
enum State {
    /// Waiting for the TU.
    Trying,
    /// A provisional response was sent.
    Proceeding { provisional: Vec<u8> },
    /// The final response was sent; Timer J absorbs request retransmissions.
    Completed { response: Vec<u8> },
}

/// A non-INVITE server transaction (RFC 3261 §17.2.2).
#[derive(Debug)]
pub(crate) struct ServerNonInvite {
    dest: Peer,
    state: State,
}

impl ServerNonInvite {
    /// A new transaction whose responses go to `dest`.
    pub(crate) fn new(dest: Peer) -> ServerNonInvite {
        ServerNonInvite {
            dest,
            state: State::Trying,
        }
    }

    /// A retransmitted request: re-send the latest response, if any.
    pub(crate) fn on_retransmission(&mut self, ctx: &mut Ctx<'_>) {
        match &self.state {
            State::Trying => {}
            State::Proceeding { provisional: bytes } | State::Completed { response: bytes } => {
                ctx.send(self.dest, bytes.clone());
            }
        }
    }

    /// The TU sends `response` of class `class`.
    pub(crate) fn respond(
        &mut self,
        ctx: &mut Ctx<'_>,
        class: StatusClass,
        response: Response,
    ) -> Result<Step, TransactionError> {
        if matches!(self.state, State::Completed { .. }) {
            return Err(TransactionError::AlreadyFinal);
        }
        let bytes = encode_response(response);
        if class == StatusClass::Provisional {
            ctx.send(self.dest, bytes.clone());
            self.state = State::Proceeding { provisional: bytes };
            return Ok(Step::Continue);
        }
        let linger = ctx.config.timer_j(self.dest.is_reliable());
        if linger.is_zero() {
            ctx.send(self.dest, bytes);
            return Ok(Step::Terminated);
        }
        ctx.send(self.dest, bytes.clone());
        ctx.arm(TimerKind::J, linger);
        self.state = State::Completed { response: bytes };
        Ok(Step::Continue)
    }

    /// Handles an expired timer.
    pub(crate) fn on_timer(&mut self, kind: TimerKind) -> Step {
        match (&self.state, kind) {
            (State::Completed { .. }, TimerKind::J) => Step::Terminated,
            _ => Step::Continue,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transaction::testutil::{peer, resp, Harness};
    use vpbx_sip_msg::Transport;

    fn class(status: u16) -> StatusClass {
        StatusClass::of(status).unwrap()
    }

    #[test]
    fn trying_absorbs_then_latest_response_is_resent() {
        let mut h = Harness::new();
        let mut tx = ServerNonInvite::new(peer(Transport::Udp));
        tx.on_retransmission(&mut h.ctx(0));
        assert!(h.sent().is_empty());
        let trying = resp(100, "BYE", "sn");
        assert_eq!(
            tx.respond(&mut h.ctx(10), class(100), trying),
            Ok(Step::Continue)
        );
        let first = h.sent();
        tx.on_retransmission(&mut h.ctx(20));
        assert_eq!(h.sent()[0].bytes, first[0].bytes);
        assert_eq!(
            tx.respond(&mut h.ctx(30), class(200), resp(200, "BYE", "sn")),
            Ok(Step::Continue)
        );
        let ok = h.sent();
        assert_eq!(h.armed(TimerKind::J), Some(32_030));
        tx.on_retransmission(&mut h.ctx(40));
        assert_eq!(h.sent()[0].bytes, ok[0].bytes);
        assert_eq!(
            tx.respond(&mut h.ctx(50), class(200), resp(200, "BYE", "sn")),
            Err(TransactionError::AlreadyFinal)
        );
        assert_eq!(tx.on_timer(TimerKind::J), Step::Terminated);
    }

    #[test]
    fn reliable_final_terminates_at_once() {
        let mut h = Harness::new();
        let mut tx = ServerNonInvite::new(peer(Transport::Ws));
        assert_eq!(
            tx.respond(&mut h.ctx(10), class(404), resp(404, "BYE", "sn")),
            Ok(Step::Terminated)
        );
        assert_eq!(h.sent().len(), 1);
        assert_eq!(h.armed_count(), 0);
    }

    #[test]
    fn unrelated_timers_are_ignored() {
        let mut tx = ServerNonInvite::new(peer(Transport::Udp));
        assert_eq!(tx.on_timer(TimerKind::J), Step::Continue);
        assert_eq!(tx.on_timer(TimerKind::G), Step::Continue);
    }
}
