//! Ending calls: BYE to the parties still up (RFC 3261 §15.1.1), the media session closed,
//! call-limit units given back and one CDR written; and the call timers (no answer,
//! 2xx retransmission, RTP timeout from the relay).
//!
//! Invariant: `end_call` acts once per call (the phase becomes `Ended`); a call is dropped
//! from its shard only once every fork has finished, so late responses still find it.

use super::app::IvrInput;
use super::{idx, Call, Phase, Role, Timer, T2};
use crate::core::SipCore;
use crate::media::{MediaEvent, MediaStats, Side};
use crate::recordings::estimated_bytes;
use std::cmp::Reverse;
use std::time::Instant;
use vpbx_sip_msg::Method;
use vpbx_sip_proto::transaction::{ClientTxId, TransactionEvent, Transmit};
use vpbx_store::{Disposition, HangupSide, NewCdr, Recording};

impl SipCore {
    /// Hangs up an answered call: BYE to every side but `by` (None: the system ends it).
    pub(super) fn hang_up(&mut self, now: Instant, call: &mut Call, by: Option<Side>, cause: &str) {
        if call.phase == Phase::Ended {
            return;
        }
        for n in 0..call.forks.len() {
            if !call.forks[n].done {
                self.cancel_fork(now, call, n);
            }
        }
        for side in [Side::A, Side::B] {
            if Some(side) == by {
                continue;
            }
            self.bye(now, call, side);
        }
        let who = match by {
            Some(Side::A) => HangupSide::Caller,
            Some(Side::B) => HangupSide::Callee,
            None => HangupSide::System,
        };
        let disposition = if call.answered.is_some() {
            Disposition::Answered
        } else {
            Disposition::Failed
        };
        self.end_call(now, call, disposition, who, cause.to_owned());
    }

    fn bye(&mut self, now: Instant, call: &mut Call, side: Side) {
        let Some(d) = call.dialog_mut(side) else {
            return;
        };
        let via = self.via(d.peer.transport);
        let mut bye = d.request(Method::Bye, &via, None);
        super::forks::seal(&mut bye);
        let peer = d.next_hop();
        let tx = self.transactions.send_request(now, peer, bye);
        self.calls.clients.insert(tx, (u64::MAX, Role::Fire));
    }

    /// Ends a call once: closes media, frees its call-limit units and indexes, writes the CDR.
    pub(super) fn end_call(
        &mut self,
        now: Instant,
        call: &mut Call,
        disposition: Disposition,
        side: HangupSide,
        cause: String,
    ) {
        if call.phase == Phase::Ended {
            return;
        }
        self.voicemail_left(now, call);
        call.phase = Phase::Ended;
        call.retransmit = [None, None];
        let stats = self.shared.media.close(call.media.id).unwrap_or_default();
        self.shared
            .active
            .release(call.tenant, &call.counted.0, &call.counted.1);
        self.shared.active.live().end(call.tenant, &call.uuid);
        self.calls
            .dialogs
            .remove(&(call.a.call_id.clone(), call.a.local_tag.clone()));
        if let Some(tag) = b_tag(call) {
            self.calls.dialogs.remove(&(call.b_call_id.clone(), tag));
        }
        self.calls.a_invites.remove(&call.a_tx);
        let ms = |t: Instant| {
            call.started_unix_ms.saturating_add(
                i64::try_from(t.duration_since(call.started).as_millis()).unwrap_or(i64::MAX),
            )
        };
        tracing::info!(call = %call.uuid, disposition = %disposition, hangup = %side, %cause, "call ended");
        let cdr = NewCdr {
            call_id: call.uuid.clone(),
            caller: call.caller.clone(),
            callee: call.callee.clone(),
            started_at: call.started_unix_ms,
            answered_at: call.answered.map(ms),
            ended_at: ms(now),
            disposition,
            hangup_side: side,
            hangup_cause: cause,
            codec_a: call.codec_a.clone(),
            codec_b: call.codec_b.clone(),
            quality: call.answered.map(|_| quality_json(&stats)),
            recording: None,
        };
        let cdr = NewCdr {
            recording: call.recording.take().map(|path| {
                let bytes = estimated_bytes(cdr.billsec_ms());
                self.shared
                    .recordings
                    .add(call.tenant, u64::try_from(bytes).unwrap_or(0));
                Recording { path, bytes }
            }),
            ..cdr
        };
        self.cdrs.push((call.tenant, cdr));
    }

    /// Ends an unanswered call: the caller's INVITE gets `status`, every fork still
    /// ringing is cancelled (RFC 3261 §9.1), and the CDR says `disposition`.
    pub(super) fn refuse_caller(
        &mut self,
        now: Instant,
        call: &mut Call,
        (status, reason): (u16, &str),
        disposition: Disposition,
        side: HangupSide,
        cause: &str,
    ) {
        let refusal = call
            .a_invite
            .response(status, reason, Some(&call.a.local_tag));
        self.reply(now, call.a_tx, refusal);
        for n in 0..call.forks.len() {
            self.cancel_fork(now, call, n);
        }
        self.end_call(now, call, disposition, side, cause.to_owned());
    }

    /// Puts a call back into the map unless it ended and has no fork left to wind down,
    /// and shows it as it is now in the live view of calls.
    pub(super) fn put_back(&mut self, key: u64, call: Call) {
        if call.phase == Phase::Ended && call.all_forks_done() {
            return;
        }
        self.show_live(&call);
        self.calls.map.insert(key, call);
    }

    /// A response to a client transaction of some call.
    pub(in crate::core) fn call_response(
        &mut self,
        now: Instant,
        tx: ClientTxId,
        response: vpbx_sip_msg::Response,
    ) {
        let Some((key, role)) = self.calls.clients.get(&tx).cloned() else {
            return;
        };
        match role {
            Role::Fork(n) => self.fork_response(now, key, n, response),
            Role::Forward {
                server,
                from,
                request,
            } => self.forwarded_response(now, key, server, from, &request, response),
            Role::Fire => {}
        }
    }

    /// Transaction-layer events that concern calls (RFC 3261 §17: timeouts, terminations).
    pub(in crate::core) fn call_event(&mut self, now: Instant, event: TransactionEvent) {
        match event {
            TransactionEvent::Timeout { tx } => match self.calls.clients.get(&tx).cloned() {
                Some((key, Role::Fork(n))) => self.fork_timeout(now, key, n),
                Some((
                    key,
                    Role::Forward {
                        server,
                        from,
                        request,
                    },
                )) => {
                    let timeout = vpbx_sip_msg::Response {
                        status: 408,
                        reason: "Request Timeout".into(),
                        headers: vpbx_sip_msg::Headers::new(),
                        body: Vec::new(),
                    };
                    self.forwarded_response(now, key, server, from, &request, timeout);
                }
                _ => {}
            },
            TransactionEvent::ClientTerminated { tx } => {
                if let Some((key, Role::Fork(n))) = self.calls.clients.remove(&tx) {
                    if let Some(mut call) = self.calls.map.remove(&key) {
                        if let Some(f) = call.forks.get_mut(n) {
                            f.done = true;
                        }
                        self.put_back(key, call);
                    }
                }
            }
            TransactionEvent::ServerTerminated { .. } | TransactionEvent::AckTimeout { .. } => {}
        }
    }

    /// Fires due call timers.
    pub(in crate::core) fn call_timers(&mut self, now: Instant) {
        while let Some(Reverse((at, key, timer))) = self.calls.timers.peek().copied() {
            if at > now {
                break;
            }
            self.calls.timers.pop();
            let Some(mut call) = self.calls.map.remove(&key) else {
                continue;
            };
            match timer {
                Timer::NoAnswer if call.phase == Phase::Early => {
                    let ext = call.callee.clone();
                    if !self.send_to_voicemail(now, &mut call, &ext) {
                        self.refuse_caller(
                            now,
                            &mut call,
                            (480, "Temporarily Unavailable"),
                            Disposition::NoAnswer,
                            HangupSide::System,
                            "no-answer",
                        );
                    }
                }
                Timer::Retransmit(side) => self.retransmit(now, &mut call, side.into()),
                Timer::CarrierSilent(n) => self.carrier_silent(now, &mut call, n),
                Timer::Ivr(generation) => {
                    self.ivr_input(now, &mut call, IvrInput::Timer(generation));
                }
                Timer::Transfer(first)
                    if call.phase == Phase::Transfer
                        && call.forks.len() > first
                        && !call.forks[first..].iter().all(|f| f.done) =>
                {
                    tracing::info!(call = %call.uuid, "IVR transfer not answered; back to the menu");
                    self.back_to_menu(now, &mut call);
                }
                Timer::Voicemail(generation) => self.voicemail_timer(now, &mut call, generation),
                Timer::NoAnswer | Timer::Transfer(_) => {}
            }
            self.put_back(key, call);
        }
    }

    fn retransmit(&mut self, now: Instant, call: &mut Call, side: Side) {
        let i = idx(side);
        let Some(r) = call.retransmit[i].as_mut() else {
            return;
        };
        if now < r.due {
            return;
        }
        if now >= r.give_up {
            call.retransmit[i] = None;
            tracing::info!(call = %call.uuid, "no ACK for our 2xx; hanging up");
            self.hang_up(now, call, None, "no-ack");
            return;
        }
        self.out.push_back(Transmit {
            peer: r.peer,
            bytes: r.bytes.clone(),
        });
        r.interval = (r.interval * 2).min(T2);
        r.due = (now + r.interval).min(r.give_up);
        self.calls
            .timers
            .push(Reverse((r.due, call.key, Timer::Retransmit(side.into()))));
    }

    /// Something the media plane reported for the call it was opened with as `owner`.
    pub fn handle_media_event(&mut self, now: Instant, owner: u64, event: MediaEvent) {
        let key = owner & ((1 << 48) - 1);
        let Some(mut call) = self.calls.map.remove(&key) else {
            return;
        };
        match event {
            MediaEvent::Timeout => {
                tracing::info!(call = %call.uuid, "no RTP from either side; hanging up");
                self.hang_up(now, &mut call, None, "rtp-timeout");
            }
            MediaEvent::Digit(d) if call.voicemail.is_some() => {
                self.voicemail_digit(now, &mut call, d);
            }
            MediaEvent::Digit(d) => self.ivr_input(now, &mut call, IvrInput::Digit(d)),
            MediaEvent::PlaybackDone if call.voicemail.is_some() => {
                self.voicemail_played(now, &mut call);
            }
            MediaEvent::PlaybackDone => self.ivr_input(now, &mut call, IvrInput::PlaybackDone),
        }
        self.put_back(key, call);
    }
}

/// Our tag toward the callee.
fn b_tag(call: &Call) -> Option<String> {
    call.b_from
        .parse::<vpbx_sip_msg::NameAddr>()
        .ok()
        .and_then(|f| f.tag().map(str::to_owned))
}

/// Per-leg quality as stored in the CDR: `{"a": {...}, "b": {...}}`.
fn quality_json(stats: &MediaStats) -> serde_json::Value {
    serde_json::json!({ "a": stats.a, "b": stats.b })
}
