//! Responses to the forked INVITE (RFC 3261 §16.7 applied by a B2BUA): provisional
//! responses and early media go to the caller, the first 2xx wins and the other forks are
//! cancelled (§9.1), and when every fork failed the caller gets the best failure.
//!
//! Invariants: the caller gets exactly one final response; a 2xx that arrives after the
//! call was answered elsewhere or ended is acknowledged and then hung up (§15), so no
//! callee is left in a half-open dialog.

use super::{dialog::Dialog, sdp, Call, Phase, Retransmit, Role, Timer, T1};
use crate::core::SipCore;
use crate::media::Side;
use crate::recordings;
use std::cmp::Reverse;
use std::time::Instant;
use vpbx_sip_msg::{Contact, HeaderName, Message, Method, Request, Response};
use vpbx_sip_proto::transaction::{response_destination, ServerTxId, Transmit};
use vpbx_store::{Disposition, HangupSide};

impl SipCore {
    /// A response from fork `n` of call `key`.
    pub(super) fn fork_response(&mut self, now: Instant, key: u64, n: usize, response: Response) {
        let Some(mut call) = self.calls.map.remove(&key) else {
            return;
        };
        let given_up = call.forks.get(n).is_some_and(|f| f.done && f.cancel_wanted);
        if given_up && response.status >= 300 {
            self.put_back(key, call);
            return;
        }
        match response.status {
            100 => self.fork_trying(now, &mut call, n),
            101..=199 => self.fork_provisional(now, &mut call, n, &response),
            200..=299 => self.fork_answered(now, &mut call, n, &response),
            401 | 407 if self.answer_carrier_challenge(now, &mut call, n, &response) => {}
            // A challenge we cannot (or may no longer) answer is not the caller's to answer,
            // and relayed it would lack its challenge (RFC 3261 §21.4.2, §21.4.8): the
            // branch failed on our side, so the next trunk is tried (5xx).
            401 | 407 => self.fork_failed(
                now,
                &mut call,
                n,
                503,
                "Service Unavailable (authentication refused)",
            ),
            _ => self.fork_failed(now, &mut call, n, response.status, &response.reason),
        }
        self.put_back(key, call);
    }

    /// Fork `n` of call `key` timed out (RFC 3261 §8.1.3.1: treat as 408).
    pub(super) fn fork_timeout(&mut self, now: Instant, key: u64, n: usize) {
        if let Some(mut call) = self.calls.map.remove(&key) {
            if !call.forks.get(n).is_some_and(|f| f.done) {
                self.fork_failed(now, &mut call, n, 408, "Request Timeout");
            }
            self.put_back(key, call);
        }
    }

    /// 100 Trying: the branch is alive and may now be cancelled (RFC 3261 §9.1); nothing
    /// goes to the caller (§16.7: 100 is not forwarded).
    fn fork_trying(&mut self, now: Instant, call: &mut Call, n: usize) {
        let Some(fork) = call.forks.get_mut(n) else {
            return;
        };
        fork.provisional = true;
        if fork.cancel_wanted {
            self.cancel_fork(now, call, n);
        }
    }

    fn fork_provisional(&mut self, now: Instant, call: &mut Call, n: usize, response: &Response) {
        let Some(fork) = call.forks.get_mut(n) else {
            return;
        };
        fork.provisional = true;
        if fork.cancel_wanted {
            self.cancel_fork(now, call, n);
            return;
        }
        if call.phase != Phase::Early {
            return;
        }
        let mut relayed =
            call.a_invite
                .response(response.status, &response.reason, Some(&call.a.local_tag));
        relayed
            .headers
            .push(HeaderName::Contact, self.contact(call.a.peer.transport));
        copy_record_route(&call.a_invite, &mut relayed);
        if !response.body.is_empty() && call.late_offer.is_none() {
            if let Ok(answer) = sdp::parse(&response.body) {
                if let Ok(to_a) = sdp::for_relay(&answer, call.media.ip, call.media.a_port) {
                    if let Some((rtp, rtcp)) = sdp::remote_of(&answer) {
                        self.shared
                            .media
                            .set_remote(call.media.id, Side::B, rtp, rtcp);
                    }
                    set_sdp(&mut relayed, to_a.to_bytes());
                }
            }
        }
        self.reply(now, call.a_tx, relayed);
    }

    fn fork_answered(&mut self, now: Instant, call: &mut Call, n: usize, response: &Response) {
        let Some(fork) = call.forks.get_mut(n) else {
            return;
        };
        fork.done = true;
        let to_tag = response
            .headers
            .to()
            .ok()
            .and_then(|t| t.tag().map(str::to_owned));
        let winner = call.b.as_ref().map(|b| b.remote.clone());
        let Some(dialog) = b_dialog(call, n, response) else {
            return;
        };
        let transfer = call.phase == Phase::Transfer;
        if call.phase != Phase::Early && !transfer {
            let same = winner.is_some_and(|w| to_tag.is_some_and(|t| w.contains(t.as_str())));
            if same {
                if let Some(ack) = &call.b_ack {
                    let peer = dialog.next_hop();
                    self.out.push_back(Transmit {
                        peer,
                        bytes: ack.clone(),
                    });
                }
            } else {
                self.ack_and_bye(now, dialog);
            }
            return;
        }
        let answer = sdp::parse(&response.body).and_then(|theirs| {
            sdp::for_relay(&theirs, call.media.ip, call.media.a_port).map(|to_a| (theirs, to_a))
        });
        let (theirs, to_a) = match answer {
            Ok(pair) => pair,
            Err(e) => {
                tracing::info!(call = %call.uuid, error = %e, "callee answered with unusable SDP");
                self.ack_and_bye(now, dialog);
                self.fork_failed(now, call, n, 488, "Not Acceptable Here");
                return;
            }
        };
        if let Some((rtp, rtcp)) = sdp::remote_of(&theirs) {
            self.shared
                .media
                .set_remote(call.media.id, Side::B, rtp, rtcp);
        }
        call.codec_b = sdp::codec_of(&theirs);
        call.b = Some(dialog);
        if transfer {
            self.transfer_answered(call);
        } else {
            call.codec_a = call.codec_b.clone();
            call.phase = Phase::Answered;
            call.answered = Some(now);
        }
        if call.record {
            let path = recordings::relative_path(call.tenant, call.started_unix_ms, &call.uuid);
            if self.shared.media.record(call.media.id, &path, false) {
                tracing::info!(call = %call.uuid, %path, "recording the call");
                call.recording = Some(path);
            }
        }
        if call.late_offer.is_none() {
            let cseq = cseq_of(&call.forks[n].invite);
            self.ack_b(call, cseq, Vec::new());
        } else {
            call.late_offer = Some(cseq_of(&call.forks[n].invite));
        }
        for other in 0..call.forks.len() {
            if other != n && !call.forks[other].done {
                self.cancel_fork(now, call, other);
            }
        }
        if transfer {
            return;
        }
        let mut ok = call.a_invite.response(200, "OK", Some(&call.a.local_tag));
        ok.headers
            .push(HeaderName::Contact, self.contact(call.a.peer.transport));
        ok.headers.push(HeaderName::Allow, crate::core::ALLOW);
        copy_record_route(&call.a_invite, &mut ok);
        set_sdp(&mut ok, to_a.to_bytes());
        tracing::info!(call = %call.uuid, codec = call.codec_a.as_deref().unwrap_or("-"), "call answered");
        self.send_2xx(now, call, Side::A, call.a_tx, ok);
    }

    pub(super) fn fork_failed(
        &mut self,
        now: Instant,
        call: &mut Call,
        n: usize,
        status: u16,
        reason: &str,
    ) {
        if let Some(fork) = call.forks.get_mut(n) {
            fork.done = true;
        }
        if call.phase == Phase::Transfer {
            if self.fail_over(now, call, n, status) {
                return;
            }
            if call.all_forks_done() {
                tracing::info!(call = %call.uuid, status, "IVR transfer failed; back to the menu");
                self.back_to_menu(now, call);
            }
            return;
        }
        if call.phase != Phase::Early {
            return;
        }
        if better_failure(status, call.failure.as_ref().map(|f| f.0)) {
            call.failure = Some((status, reason.to_owned()));
        }
        if self.fail_over(now, call, n, status) {
            return;
        }
        if status >= 600 {
            for other in 0..call.forks.len() {
                if !call.forks[other].done {
                    self.cancel_fork(now, call, other);
                }
            }
        } else if !call.all_forks_done() {
            return;
        }
        let ext = call.callee.clone();
        if self.send_to_voicemail(now, call, &ext) {
            return;
        }
        let (status, reason) = call
            .failure
            .clone()
            .unwrap_or((480, "Temporarily Unavailable".into()));
        let (status, reason) = if status == 408 {
            (480, "Temporarily Unavailable".to_owned())
        } else {
            (status, reason)
        };
        let disposition = match status {
            486 | 600 | 603 => Disposition::Busy,
            408 | 480 | 487 => Disposition::NoAnswer,
            _ => Disposition::Failed,
        };
        let refusal = call
            .a_invite
            .response(status, &reason, Some(&call.a.local_tag));
        self.reply(now, call.a_tx, refusal);
        self.end_call(
            now,
            call,
            disposition,
            HangupSide::Callee,
            format!("{status} {reason}"),
        );
    }

    /// Cancels fork `n` (RFC 3261 §9.1): at once if it answered provisionally, else as soon
    /// as it does.
    pub(super) fn cancel_fork(&mut self, now: Instant, call: &mut Call, n: usize) {
        let Some(fork) = call.forks.get_mut(n) else {
            return;
        };
        let given_up = fork.done && fork.cancel_wanted;
        if fork.done && !given_up {
            return;
        }
        if !fork.provisional {
            fork.cancel_wanted = true;
            return;
        }
        fork.cancel_wanted = false;
        let invite = &fork.invite;
        let mut cancel = Request {
            method: Method::Cancel,
            uri: invite.uri.clone(),
            headers: vpbx_sip_msg::Headers::new(),
            body: Vec::new(),
        };
        for name in [
            HeaderName::Via,
            HeaderName::MaxForwards,
            HeaderName::Route,
            HeaderName::From,
            HeaderName::To,
            HeaderName::CallId,
        ] {
            let values: Vec<String> = invite.headers.get_all(&name).map(str::to_owned).collect();
            let values = if name == HeaderName::Via {
                values.into_iter().take(1).collect()
            } else {
                values
            };
            for v in values {
                cancel.headers.push(name.clone(), v);
            }
        }
        cancel
            .headers
            .push(HeaderName::CSeq, format!("{} CANCEL", cseq_of(invite)));
        seal(&mut cancel);
        let tx = self.transactions.send_request(now, fork.peer, cancel);
        self.calls.clients.insert(tx, (u64::MAX, Role::Fire));
    }

    /// ACKs the callee's 2xx (RFC 3261 §13.2.2.4), with `body` (the caller's late answer).
    pub(super) fn ack_b(&mut self, call: &mut Call, cseq: u32, body: Vec<u8>) {
        let Some(b) = call.b.as_mut() else {
            return;
        };
        let via = self.via(b.peer.transport);
        let mut ack = b.request(Method::Ack, &via, Some(cseq));
        if !body.is_empty() {
            ack.headers.push(HeaderName::ContentType, "application/sdp");
            ack.body = body;
        }
        seal(&mut ack);
        let peer = b.next_hop();
        let bytes = Message::Request(ack).to_bytes();
        call.b_ack = Some(bytes.clone());
        self.out.push_back(Transmit { peer, bytes });
    }

    /// ACKs a 2xx we do not want and hangs the dialog up at once (RFC 3261 §15).
    fn ack_and_bye(&mut self, now: Instant, mut dialog: Dialog) {
        let cseq = dialog.local_cseq;
        let via = self.via(dialog.peer.transport);
        let mut ack = dialog.request(Method::Ack, &via, Some(cseq));
        seal(&mut ack);
        let peer = dialog.next_hop();
        self.out.push_back(Transmit {
            peer,
            bytes: Message::Request(ack).to_bytes(),
        });
        let via = self.via(dialog.peer.transport);
        let mut bye = dialog.request(Method::Bye, &via, None);
        seal(&mut bye);
        let tx = self.transactions.send_request(now, peer, bye);
        self.calls.clients.insert(tx, (u64::MAX, Role::Fire));
    }

    /// Sends a 2xx to an INVITE on `tx` and keeps resending it to `side` until the ACK
    /// (RFC 3261 §13.3.1.4).
    pub(super) fn send_2xx(
        &mut self,
        now: Instant,
        call: &mut Call,
        side: Side,
        tx: ServerTxId,
        response: Response,
    ) {
        let response = crate::core::finish(response);
        let from = match side {
            Side::A => call.a.peer,
            Side::B => call.b.as_ref().map_or(call.a.peer, |b| b.peer),
        };
        let peer = response
            .headers
            .top_via()
            .map(|v| response_destination(&v, from))
            .unwrap_or(from);
        let bytes = Message::Response(response.clone()).to_bytes();
        let _ = self.transactions.respond(now, tx, response);
        if !peer.is_reliable() {
            call.retransmit[super::idx(side)] = Some(Retransmit {
                bytes,
                peer,
                interval: T1,
                due: now + T1,
                give_up: now + 64 * T1,
            });
            self.calls.timers.push(Reverse((
                now + T1,
                call.key,
                Timer::Retransmit(side.into()),
            )));
        }
    }
}

/// The callee's dialog from fork `n`'s 2xx (RFC 3261 §12.1.2).
fn b_dialog(call: &Call, n: usize, response: &Response) -> Option<Dialog> {
    let fork = call.forks.get(n)?;
    let to = response.headers.to().ok()?;
    let target = response
        .headers
        .contacts()
        .ok()?
        .into_iter()
        .find_map(|c| match c {
            Contact::Addr(a) => Some(a.uri),
            Contact::Star => None,
        })
        .unwrap_or_else(|| fork.invite.uri.clone());
    let mut route_set: Vec<String> = response
        .headers
        .get_all(&HeaderName::RecordRoute)
        .map(str::to_owned)
        .collect();
    route_set.reverse();
    let local = fork.invite.headers.get(&HeaderName::From)?.to_owned();
    Some(Dialog {
        call_id: call.b_call_id.clone(),
        local,
        local_tag: call.out.tag.clone(),
        remote: to.to_string(),
        remote_target: target,
        route_set,
        local_cseq: cseq_of(&fork.invite),
        remote_cseq: None,
        peer: fork.peer,
    })
}

/// Sets Content-Length last, matching the body (RFC 3261 §20.14; required on streams).
pub(in crate::core) fn seal(request: &mut Request) {
    request.headers.remove(&HeaderName::ContentLength);
    request
        .headers
        .push(HeaderName::ContentLength, request.body.len().to_string());
}

/// CSeq number of a request we built.
pub(super) fn cseq_of(request: &Request) -> u32 {
    request.headers.cseq().map_or(1, |c| c.seq)
}

/// Sets an SDP body (RFC 3261 §20.15 Content-Type).
pub(super) fn set_sdp(response: &mut Response, body: Vec<u8>) {
    response
        .headers
        .push(HeaderName::ContentType, "application/sdp");
    response.body = body;
}

/// RFC 3261 §12.1.1: a UAS copies Record-Route into responses that establish a dialog.
pub(super) fn copy_record_route(request: &Request, response: &mut Response) {
    for rr in request.headers.get_all(&HeaderName::RecordRoute) {
        response.headers.push(HeaderName::RecordRoute, rr);
    }
}

/// RFC 3261 §16.7 step 6, simplified for one caller: 6xx beats everything, then the
/// lowest class, and among 4xx a busy beats an unavailable.
fn better_failure(status: u16, best: Option<u16>) -> bool {
    let rank = |s: u16| match s {
        600..=699 => 0,
        486 => 1,
        400..=499 if s != 408 && s != 480 && s != 487 => 2,
        480 | 487 => 3,
        300..=399 => 4,
        500..=599 => 5,
        _ => 6,
    };
    best.is_none_or(|b| rank(status) < rank(b))
}
