//! Requests inside a call's dialogs (RFC 3261 §12.2.2) and CANCEL of its INVITE (§9.2):
//! ACK ends our 2xx retransmissions (§13.3.1.4) and carries a late answer; BYE ends the
//! call (§15.1.2); re-INVITE (§14), UPDATE (RFC 3311) and other requests (INFO, RFC 6086)
//! are re-originated on the other side with SDP pointed at the relay, and their answers
//! come back the same way.
//!
//! Invariants: one offer at a time per call (a second gets 491, RFC 3261 §14.2); a request
//! for a dialog we do not know gets 481 (§12.2.2); hold (sendonly/inactive, RFC 3264 §8.4)
//! disarms the RTP timeout and resume re-arms it; when the tenant has music on hold, an
//! `inactive` hold reaches the held party as `sendonly` (vpbx sends the music, RFC 6337
//! §5.3) and the holder still gets the `inactive` answer its offer requires (RFC 3264
//! §6.1).

use super::forks::{seal, set_sdp};
use super::setup::not_acceptable;
use super::{idx, other, sdp, Call, Phase, Role};
use crate::core::SipCore;
use crate::media::Side;
use std::time::Instant;
use vpbx_sip_msg::{HeaderName, Method, Request, Response};
use vpbx_sip_proto::transaction::{Peer, ServerTxId};
use vpbx_store::{Disposition, HangupSide};

impl SipCore {
    /// A request carrying a To tag. Returns the immediate answer, if any (None also for ACK).
    pub(in crate::core) fn in_dialog(
        &mut self,
        now: Instant,
        tx: Option<ServerTxId>,
        request: &Request,
        peer: Peer,
    ) -> Option<Response> {
        let found = dialog_key(request).and_then(|k| self.calls.dialogs.get(&k).copied());
        let Some((key, side)) = found else {
            return (request.method != Method::Ack)
                .then(|| request.response(481, "Call/Transaction Does Not Exist", None));
        };
        let mut call = self.calls.map.remove(&key)?;
        let seq = request.headers.cseq().map_or(0, |c| c.seq);
        if let Some(d) = call.dialog_mut(side) {
            d.peer = peer;
            if request.method != Method::Ack {
                if d.remote_cseq.is_some_and(|last| seq <= last) {
                    self.put_back(key, call);
                    return Some(request.response(500, "CSeq Out of Order", None));
                }
                d.remote_cseq = Some(seq);
            }
        }
        let answer = match (request.method.clone(), tx) {
            (Method::Ack, _) => {
                self.ack(&mut call, side, request);
                None
            }
            (Method::Bye, Some(_)) => {
                let ok = request.response(200, "OK", None);
                match (call.phase, side) {
                    (Phase::Early, Side::A) => self.refuse_caller(
                        now,
                        &mut call,
                        (487, "Request Terminated"),
                        Disposition::Cancelled,
                        HangupSide::Caller,
                        "bye",
                    ),
                    _ => self.hang_up(now, &mut call, Some(side), "bye"),
                }
                Some(ok)
            }
            (Method::Info, Some(server))
                if side == Side::A && matches!(call.phase, Phase::Local | Phase::Transfer) =>
            {
                self.info_digit(now, &mut call, server, request);
                None
            }
            (_, Some(server)) => self.forward(now, &mut call, side, server, request),
            (_, None) => None,
        };
        self.put_back(key, call);
        answer
    }

    /// CANCEL of a caller's INVITE (RFC 3261 §9.2): 200 to the CANCEL, 487 to the INVITE
    /// if still unanswered, and every fork cancelled.
    pub(in crate::core) fn cancel(&mut self, now: Instant, request: &Request) -> Response {
        let key = self
            .transactions
            .invite_for_cancel(request)
            .and_then(|tx| self.calls.a_invites.get(&tx).copied());
        let Some(mut call) = key.and_then(|k| self.calls.map.remove(&k)) else {
            let tag = self.next_tag();
            return request.response(481, "Call/Transaction Does Not Exist", Some(&tag));
        };
        let key = call.key;
        if call.phase == Phase::Early {
            self.refuse_caller(
                now,
                &mut call,
                (487, "Request Terminated"),
                Disposition::Cancelled,
                HangupSide::Caller,
                "cancel",
            );
        }
        self.put_back(key, call);
        request.response(200, "OK", None)
    }

    fn ack(&mut self, call: &mut Call, side: Side, request: &Request) {
        call.retransmit[idx(side)] = None;
        if side != Side::A || call.phase != Phase::Answered {
            return;
        }
        let Some(cseq) = call.late_offer.take() else {
            return;
        };
        let body = sdp::parse(&request.body)
            .ok()
            .and_then(|answer| {
                if let Some((rtp, rtcp)) = sdp::remote_of(&answer) {
                    self.shared
                        .media
                        .set_remote(call.media.id, Side::A, rtp, rtcp);
                }
                sdp::for_relay(&answer, call.media.ip, call.media.b_port).ok()
            })
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        self.ack_b(call, cseq, body);
    }

    /// Re-originates an in-dialog request from `from` on the other side.
    fn forward(
        &mut self,
        now: Instant,
        call: &mut Call,
        from: Side,
        server: ServerTxId,
        request: &Request,
    ) -> Option<Response> {
        let to = other(from);
        if call.phase != Phase::Answered || call.b.is_none() {
            return Some(request.response(481, "Call/Transaction Does Not Exist", None));
        }
        let offers = matches!(request.method, Method::Invite | Method::Update);
        let mut body = request.body.clone();
        if offers {
            if call.offer_pending {
                return Some(request.response(491, "Request Pending", None));
            }
            if request.body.is_empty() {
                return Some(not_acceptable(request, "", "re-INVITE without an offer"));
            }
            let offer = match sdp::parse(&request.body) {
                Ok(o) => o,
                Err(e) => return Some(not_acceptable(request, "", &e.to_string())),
            };
            let mut relayed = match sdp::for_relay(&offer, call.media.ip, call.port_facing(to)) {
                Ok(r) => r,
                Err(e) => return Some(not_acceptable(request, "", &e.to_string())),
            };
            if request.method == Method::Invite && offer.is_hold() && self.has_music(call) {
                sdp::sendonly_for_music(&mut relayed);
            }
            if let Some((rtp, rtcp)) = sdp::remote_of(&offer) {
                self.shared.media.set_remote(call.media.id, from, rtp, rtcp);
            }
            call.hold[idx(from)] = offer.is_hold();
            call.offer_pending = true;
            body = relayed.to_bytes();
        }
        let transport = call.dialog_mut(to).map(|d| d.peer.transport)?;
        let via = self.via(transport);
        let contact = self.contact(transport);
        let dialog = call.dialog_mut(to)?;
        let mut out = dialog.request(request.method.clone(), &via, None);
        let peer = dialog.next_hop();
        if offers {
            out.headers.push(HeaderName::Contact, contact);
        }
        for name in [
            HeaderName::Other("Event".into()),
            HeaderName::Other("Info-Package".into()),
        ] {
            if let Some(v) = request.headers.get(&name) {
                out.headers.push(name.clone(), v);
            }
        }
        if !body.is_empty() {
            if let Some(ct) = request.headers.get(&HeaderName::ContentType) {
                out.headers.push(HeaderName::ContentType, ct);
            }
            out.body = body;
        }
        seal(&mut out);
        let client = self.transactions.send_request(now, peer, out);
        self.calls.clients.insert(
            client,
            (
                call.key,
                Role::Forward {
                    server,
                    from,
                    request: Box::new(request.clone()),
                },
            ),
        );
        None
    }

    /// The other side answered a request we re-originated for `from` (see [`Self::forward`]).
    pub(super) fn forwarded_response(
        &mut self,
        now: Instant,
        key: u64,
        server: ServerTxId,
        from: Side,
        request: &Request,
        response: Response,
    ) {
        if response.status < 200 {
            return;
        }
        let Some(mut call) = self.calls.map.remove(&key) else {
            let answer = request.response(response.status, &response.reason, None);
            self.reply(now, server, answer);
            return;
        };
        let to = other(from);
        let offers = matches!(request.method, Method::Invite | Method::Update);
        let mut answer = request.response(response.status, &response.reason, None);
        if offers {
            call.offer_pending = false;
        }
        if offers && (200..300).contains(&response.status) {
            if let Ok(theirs) = sdp::parse(&response.body) {
                if let Some((rtp, rtcp)) = sdp::remote_of(&theirs) {
                    self.shared.media.set_remote(call.media.id, to, rtp, rtcp);
                }
                call.hold[idx(to)] = theirs.is_hold();
                if let Ok(mut relayed) =
                    sdp::for_relay(&theirs, call.media.ip, call.port_facing(from))
                {
                    if let Ok(offer) = sdp::parse(&request.body) {
                        sdp::inactive_where_offered(&offer, &mut relayed);
                    }
                    set_sdp(&mut answer, relayed.to_bytes());
                }
                if request.method == Method::Invite {
                    self.music_on_hold(&mut call, from, &theirs);
                }
            }
            let on_hold = call.hold.iter().any(|h| *h);
            self.shared.media.set_timeout_armed(call.media.id, !on_hold);
            if let Some(d) = call.dialog_mut(from) {
                let transport = d.peer.transport;
                answer
                    .headers
                    .push(HeaderName::Contact, self.contact(transport));
            }
        }
        if request.method == Method::Invite && (200..300).contains(&response.status) {
            let cseq = response.headers.cseq().map_or(0, |c| c.seq);
            self.ack_side(&mut call, to, cseq);
            self.send_2xx(now, &mut call, from, server, answer);
        } else {
            if let Some(ct) = response.headers.get(&HeaderName::ContentType) {
                if answer.body.is_empty() && !response.body.is_empty() {
                    answer.headers.push(HeaderName::ContentType, ct);
                    answer.body = response.body.clone();
                }
            }
            self.reply(now, server, answer);
        }
        self.put_back(key, call);
    }

    /// Whether the tenant of `call` has music on hold, which [`Self::music_on_hold`] plays
    /// to the held side once a hold re-INVITE is answered (RFC 3264 §8.4).
    fn has_music(&self, call: &Call) -> bool {
        self.shared
            .registry
            .by_domain(&call.domain)
            .is_some_and(|t| t.moh.is_some())
    }

    /// ACKs a 2xx to a re-INVITE we sent to `side` (RFC 3261 §13.2.2.4).
    fn ack_side(&mut self, call: &mut Call, side: Side, cseq: u32) {
        let Some(d) = call.dialog_mut(side) else {
            return;
        };
        let via = self.via(d.peer.transport);
        let mut ack = d.request(Method::Ack, &via, Some(cseq));
        seal(&mut ack);
        let peer = d.next_hop();
        self.out.push_back(vpbx_sip_proto::transaction::Transmit {
            peer,
            bytes: vpbx_sip_msg::Message::Request(ack).to_bytes(),
        });
    }
}

/// The (Call-ID, our tag) a request inside one of our dialogs carries (RFC 3261 §12.2.2).
fn dialog_key(request: &Request) -> Option<(String, String)> {
    let call_id = request.headers.call_id().ok()?.to_owned();
    let to = request.headers.to().ok()?;
    Some((call_id, to.tag()?.to_owned()))
}
