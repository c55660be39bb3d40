//! The initial INVITE from a caller (RFC 3261 §13.3, §8.2): tenant, proxy authentication
//! (§22.3, 407 with RFC 8760 challenges), callee lookup (404 unknown, 480 not registered),
//! call limits (486 busy callee, 480 caller over its limit), SDP offer (488), the media
//! session, and the INVITE forked to every contact of the callee (§16.6, §16.7).
//!
//! Invariants: nothing is reserved (media, call-limit units) unless the call is created;
//! the callee is looked up only inside the caller's tenant; the B side's Call-ID names
//! this shard so every message of the call meets here.

use super::{dialog::Dialog, sdp, target, Call, Fork, OutLeg, Phase, Role, Timer};
use crate::active::{Busy, Limits};
use crate::core::auth::Challenger;
use crate::core::{tenant, SipCore};
use crate::media::Side;
use crate::metrics::Metrics;
use crate::registry::{TenantView, TrunkView};
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Instant;
use vpbx_routing::{route_inbound, InboundTarget, Refusal, Target};
use vpbx_sip_msg::{HeaderName, Headers, Method, NameAddr, Request, Response, Transport};
use vpbx_sip_proto::transaction::{Peer, ServerTxId};
use vpbx_store::{Disposition, HangupSide, NewCdr};

/// Prefix of the Call-IDs vpbx gives its B sides; the two hex digits after it name the
/// shard that owns the call.
const B_PREFIX: &str = "vpbx-";

/// Call-ID of a B side owned by `shard` for call `uuid`.
pub fn b_leg_call_id(shard: u16, uuid: &str) -> String {
    format!("{B_PREFIX}{:02x}-{uuid}", shard & 0xff)
}

/// The shard a Call-ID created by [`b_leg_call_id`] names, if it is one.
pub fn shard_of_call_id(call_id: &str) -> Option<usize> {
    let hex = call_id.strip_prefix(B_PREFIX)?.get(..2)?;
    usize::from_str_radix(hex, 16).ok()
}

/// What `invite` learnt before admission: the tenant, who calls (an authenticated
/// extension or a carrier's caller), and where the call goes.
pub(super) struct Setup<'a> {
    pub(super) tenant: &'a TenantView,
    /// Caller as the CDR names it (extension or number).
    pub(super) caller: String,
    /// Key the caller's calls are counted under (an extension, or `trunk:NAME`).
    pub(super) caller_key: String,
    pub(super) caller_limits: Limits,
    /// Callee as the CDR names it (extension or dialed number).
    pub(super) callee: String,
    pub(super) dest: Destination,
    pub(super) from: &'a NameAddr,
    pub(super) tag: &'a str,
}

/// Where a call goes.
pub(super) enum Destination {
    /// Every registered contact of an extension, in parallel.
    Extension { ext: String, limits: Limits },
    /// Out through trunks, one after the other (failover), with the number as sent.
    Trunks(Vec<(Arc<TrunkView>, String)>),
    /// Answered by vpbx: this IVR menu of the tenant.
    Ivr(vpbx_model::IvrName),
    /// Answered by vpbx: DISA (the caller dials out as one of the tenant's users).
    Disa,
}

/// What answers a call vpbx takes itself.
enum LocalAnswer {
    Ivr(vpbx_model::IvrName),
    Disa,
}

impl LocalAnswer {
    /// The key the call's callee unit is counted under.
    fn key(&self) -> String {
        match self {
            LocalAnswer::Ivr(menu) => format!("ivr:{menu}"),
            LocalAnswer::Disa => "disa".to_owned(),
        }
    }
}

/// A random call id in UUID form (RFC 9562 §5.4 layout, version 4).
fn new_uuid() -> String {
    let v: u128 = rand::random();
    let v = (v & !(0xf << 76) | (0x4 << 76)) & !(0x3 << 62) | (0x2 << 62);
    let h = format!("{v:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

impl SipCore {
    /// Handles an INVITE without To tag. A returned response is the final answer; `None`
    /// means a call was created and answers later.
    pub(in crate::core) fn invite(
        &mut self,
        now: Instant,
        now_unix: u64,
        tx: ServerTxId,
        request: &Request,
        peer: Peer,
    ) -> Option<Response> {
        if let Some(answer) = self.carrier_invite(now, now_unix, tx, request, peer) {
            return answer;
        }
        let tag = self.dialog_tag(request);
        let tenant = match tenant::resolve(&self.shared.registry, request) {
            Ok(t) => t,
            Err(refusal) => return Some(refusal.response(request, &tag)),
        };
        let from = match request.headers.from() {
            Ok(f) => f,
            Err(e) => {
                return Some(request.response(400, &format!("Bad Request ({e})"), Some(&tag)))
            }
        };
        let caller =
            match self.authenticate(now_unix, request, &tenant, Challenger::Proxy, peer, &tag) {
                Ok(caller) => caller,
                Err(answer) => return Some(answer),
            };
        if from.uri.user.as_deref() != Some(caller.as_str()) {
            Metrics::inc(&self.shared.metrics.auth_failures);
            return Some(request.response(403, "Forbidden", Some(&tag)));
        }
        let Some(dialed) = request.uri.user.clone() else {
            return Some(request.response(404, "Not Found", Some(&tag)));
        };
        let caller_limits = tenant
            .users
            .get(&caller)
            .map(|u| Limits {
                call_limit: u.call_limit.or(self.shared.default_call_limit),
                busy_level: u.busy_level,
            })
            .unwrap_or_default();
        let dest = match self.destination(&tenant, &caller, &dialed) {
            Ok(d) => d,
            Err((status, reason)) => {
                let refusal = request.response(status, &reason, Some(&tag));
                if status != 404 {
                    self.refused(tenant.id, caller, dialed, now_unix, &refusal);
                }
                return Some(refusal);
            }
        };
        let setup = Setup {
            tenant: &tenant,
            caller: caller.clone(),
            caller_key: caller.clone(),
            caller_limits,
            callee: dialed.clone(),
            dest,
            from: &from,
            tag: &tag,
        };
        self.admit_and_fork(now, now_unix, tx, request, peer, setup)
    }

    /// Starts a call set up by `invite` or by a carrier's INVITE; a refusal gets a CDR.
    pub(super) fn admit_and_fork(
        &mut self,
        now: Instant,
        now_unix: u64,
        tx: ServerTxId,
        request: &Request,
        peer: Peer,
        setup: Setup<'_>,
    ) -> Option<Response> {
        let (tenant, caller, callee) =
            (setup.tenant.id, setup.caller.clone(), setup.callee.clone());
        match self.start_call(now, now_unix, tx, request, peer, setup) {
            Ok(()) => None,
            Err(refusal) => {
                self.refused(tenant, caller, callee, now_unix, &refusal);
                Some(refusal)
            }
        }
    }

    /// Where a call from extension `caller` to `dialed` goes (seed 000 §4.5.3 directions,
    /// `vpbx_routing::decide`): an extension of the tenant first, else trunks; refusals as
    /// (status, reason): 404 no route, 484 not a number, 403 not allowed (toll fraud).
    pub(super) fn destination(
        &self,
        tenant: &TenantView,
        caller: &str,
        dialed: &str,
    ) -> Result<Destination, (u16, String)> {
        let extension = |ext: &str| {
            tenant.users.get(ext).map(|u| Destination::Extension {
                ext: ext.to_owned(),
                limits: Limits {
                    call_limit: u.call_limit.or(self.shared.default_call_limit),
                    busy_level: u.busy_level,
                },
            })
        };
        if let Some(d) = extension(dialed) {
            return Ok(d);
        }
        match route_inbound(&tenant.routing, dialed) {
            Some(InboundTarget::Ivr(menu)) => return Ok(Destination::Ivr(menu)),
            Some(InboundTarget::Disa) => return Ok(Destination::Disa),
            _ => {}
        }
        let Ok(from) = caller.parse::<vpbx_model::Extension>() else {
            return Err((404, "Not Found".into()));
        };
        match vpbx_routing::decide(&tenant.routing, &from, dialed).target {
            Target::Extension { extension: ext } => {
                extension(ext.as_str()).ok_or((404, "Not Found".into()))
            }
            Target::Trunks { attempts } => {
                let trunks: Vec<_> = attempts
                    .into_iter()
                    .filter_map(|a| {
                        let trunk = tenant.trunks.get(a.trunk.as_str())?;
                        trunk.enabled.then(|| (trunk.clone(), a.number))
                    })
                    .collect();
                if trunks.is_empty() {
                    return Err((503, "Service Unavailable (no usable trunk)".into()));
                }
                Ok(Destination::Trunks(trunks))
            }
            Target::Refused { refusal } => Err(match refusal {
                Refusal::InvalidNumber(_) => (484, "Address Incomplete".into()),
                Refusal::NotAllowed(why) => (403, format!("Forbidden ({why})")),
                _ => (404, "Not Found".into()),
            }),
        }
    }

    /// Admits the call (limits, SDP, media) and forks it, or says why not.
    fn start_call(
        &mut self,
        now: Instant,
        now_unix: u64,
        tx: ServerTxId,
        request: &Request,
        peer: Peer,
        setup: Setup<'_>,
    ) -> Result<(), Response> {
        let Setup {
            tenant,
            caller,
            caller_key,
            caller_limits,
            callee,
            dest,
            from,
            tag,
        } = setup;
        let realm = tenant.domain.as_str();
        let tag = tag.to_owned();
        let max_forwards = match request.headers.max_forwards() {
            Ok(m) => m.unwrap_or(70),
            Err(e) => return Err(request.response(400, &format!("Bad Request ({e})"), Some(&tag))),
        };
        if max_forwards == 0 {
            return Err(request.response(483, "Too Many Hops", Some(&tag)));
        }
        let offer = if request.body.is_empty() {
            None
        } else {
            match sdp::parse(&request.body) {
                Ok(o) => Some(o),
                Err(e) => return Err(not_acceptable(request, &tag, &e.to_string())),
            }
        };
        let local_app = match &dest {
            Destination::Ivr(menu) => Some(LocalAnswer::Ivr(menu.clone())),
            Destination::Disa => Some(LocalAnswer::Disa),
            _ => None,
        };
        let (contacts, trunks, callee_key, callee_limits) = match dest {
            Destination::Extension { ext, limits } => {
                let contacts: Vec<_> = self
                    .shared
                    .location
                    .lookup(tenant.id, &ext)
                    .into_iter()
                    .filter(|b| b.expires_at > now_unix)
                    .collect();
                let voicemail = tenant.voicemail.get(&ext).is_some_and(|b| b.enabled);
                if contacts.is_empty() && !voicemail {
                    return Err(request.response(480, "Temporarily Unavailable", Some(&tag)));
                }
                (contacts, VecDeque::new(), ext, limits)
            }
            Destination::Ivr(_) | Destination::Disa => {
                if matches!(local_app, Some(LocalAnswer::Disa)) && !tenant.disa {
                    return Err(request.response(403, "Forbidden (DISA is off)", Some(&tag)));
                }
                let Some(o) = &offer else {
                    return Err(not_acceptable(
                        request,
                        &tag,
                        "vpbx answers with an SDP answer: send an offer",
                    ));
                };
                if let Err(e) = sdp::local_answer(o, std::net::Ipv4Addr::LOCALHOST.into(), 9) {
                    return Err(not_acceptable(request, &tag, &e.to_string()));
                }
                let key = local_app.as_ref().map(LocalAnswer::key).unwrap_or_default();
                (Vec::new(), VecDeque::new(), key, Limits::default())
            }
            Destination::Trunks(trunks) => {
                let trunks: VecDeque<_> = trunks
                    .into_iter()
                    .filter(|(t, _)| self.trunk_usable(tenant.id, t))
                    .collect();
                let Some((first, _)) = trunks.front() else {
                    return Err(request.response(
                        503,
                        "Service Unavailable (trunks down)",
                        Some(&tag),
                    ));
                };
                let limits = Limits {
                    call_limit: first.call_limit,
                    busy_level: None,
                };
                let key = format!("trunk:{}", first.name);
                (Vec::new(), trunks, key, limits)
            }
        };
        match self.shared.active.admit(
            tenant.id,
            (&caller_key, caller_limits),
            (&callee_key, callee_limits),
        ) {
            Ok(()) => {}
            Err(Busy::Callee) => return Err(request.response(486, "Busy Here", Some(&tag))),
            Err(Busy::Caller) => {
                return Err(request.response(480, "Call Limit Reached", Some(&tag)))
            }
        }
        let key = self.calls.next;
        self.calls.next += 1;
        let owner = (u64::from(self.shard) << 48) | key;
        let media = match self.shared.media.open(owner) {
            Ok(m) => m,
            Err(e) => {
                self.shared
                    .active
                    .release(tenant.id, &caller_key, &callee_key);
                tracing::warn!(error = %e, "no media for a new call");
                return Err(request.response(503, "Service Unavailable", Some(&tag)));
            }
        };
        let b_offer = match &offer {
            Some(o) => match sdp::for_relay(o, media.ip, media.b_port) {
                Ok(b) => {
                    if let Some((rtp, rtcp)) = sdp::remote_of(o) {
                        self.shared.media.set_remote(media.id, Side::A, rtp, rtcp);
                    }
                    Some(b)
                }
                Err(e) => {
                    self.shared.media.close(media.id);
                    self.shared
                        .active
                        .release(tenant.id, &caller_key, &callee_key);
                    return Err(not_acceptable(request, &tag, &e.to_string()));
                }
            },
            None => None,
        };

        let uuid = new_uuid();
        let b_call_id = b_leg_call_id(self.shard, &uuid);
        let b_tag = self.next_tag();
        let mut b_from = NameAddr::new(from.uri.clone());
        b_from.display = from.display.clone();
        b_from.params.set("tag", Some(&b_tag));
        let b_from = b_from.to_string();
        let b_to = format!("<sip:{callee}@{}>", tenant.domain.as_str());
        let a = a_dialog(request, peer, &tag);
        let Some(a) = a else {
            self.shared.media.close(media.id);
            self.shared
                .active
                .release(tenant.id, &caller_key, &callee_key);
            return Err(request.response(400, "Bad Request (dialog headers)", Some(&tag)));
        };
        tracing::info!(call = %uuid, tenant = realm, %caller, %callee, contacts = contacts.len(), trunks = trunks.len(), "call setup");

        let b_body = b_offer.map(|b| b.to_bytes());
        let mut attempts = trunks;
        let leg = OutLeg {
            key,
            uuid: uuid.clone(),
            call_id: b_call_id.clone(),
            tag: b_tag.clone(),
            caller: caller.clone(),
            max_forwards: max_forwards - 1,
            body: b_body.clone(),
        };
        let mut forks = self.contact_forks(now, &leg, &b_from, &b_to, &contacts, 0);
        while let Some((trunk, number)) = attempts.pop_front() {
            if let Some(fork) = self.trunk_fork(now, &leg, forks.len(), trunk, &number) {
                forks.push(fork);
                break;
            }
        }
        let to_voicemail = forks.is_empty() && local_app.is_none();
        let has_box = tenant.voicemail.get(&callee_key).is_some_and(|b| b.enabled);
        if to_voicemail && !has_box {
            self.shared.media.close(media.id);
            self.shared
                .active
                .release(tenant.id, &caller_key, &callee_key);
            return Err(request.response(480, "Temporarily Unavailable", Some(&tag)));
        }
        let late_offer = offer.is_none().then_some(1);
        self.calls
            .dialogs
            .insert((a.call_id.clone(), tag.clone()), (key, Side::A));
        self.calls
            .dialogs
            .insert((b_call_id.clone(), b_tag), (key, Side::B));
        self.calls.a_invites.insert(tx, key);
        self.calls.timers.push(std::cmp::Reverse((
            now + self.shared.ring_timeout,
            key,
            Timer::NoAnswer,
        )));
        let call = Call {
            key,
            uuid,
            tenant: tenant.id,
            domain: tenant.domain.to_string(),
            caller,
            callee,
            counted: (caller_key, callee_key),
            out: leg,
            attempts,
            media,
            phase: Phase::Early,
            a_invite: request.clone(),
            a_tx: tx,
            a,
            b: None,
            b_call_id,
            b_from,
            forks,
            late_offer,
            b_ack: None,
            failure: None,
            retransmit: [None, None],
            hold: [false, false],
            offer_pending: false,
            started: now,
            started_unix_ms: i64::try_from(now_unix).unwrap_or(0).saturating_mul(1000),
            answered: None,
            codec_a: None,
            codec_b: None,
            record: self.shared.recordings.may_record(tenant),
            recording: None,
            ivr: None,
            moh: None,
            voicemail: None,
        };
        let mut call = call;
        if to_voicemail {
            let ext = call.callee.clone();
            if !self.send_to_voicemail(now, &mut call, &ext) {
                let refusal =
                    call.a_invite
                        .response(480, "Temporarily Unavailable", Some(&call.a.local_tag));
                self.reply(now, call.a_tx, refusal);
                self.end_call(
                    now,
                    &mut call,
                    Disposition::NoAnswer,
                    HangupSide::System,
                    "480 Temporarily Unavailable".into(),
                );
            }
            self.put_back(key, call);
            return Ok(());
        }
        let Some(local) = local_app else {
            self.put_back(key, call);
            return Ok(());
        };
        let answered = match &local {
            LocalAnswer::Ivr(menu) => self.answer_with_ivr(now, now_unix, &mut call, tenant, menu),
            LocalAnswer::Disa => self.answer_with_disa(now, &mut call),
        };
        if let Err((status, reason)) = answered {
            let refusal = call
                .a_invite
                .response(status, &reason, Some(&call.a.local_tag));
            self.reply(now, call.a_tx, refusal);
            self.end_call(
                now,
                &mut call,
                Disposition::Failed,
                HangupSide::System,
                format!("{status} {reason}"),
            );
        }
        self.put_back(key, call);
        Ok(())
    }

    /// An INVITE of `leg` without body (RFC 3261 §8.1.1): its Call-ID, CSeq 1, `from` with
    /// our tag, `to`, the `route` set, and our Contact for `transport`.
    pub(super) fn leg_invite(
        &self,
        leg: &OutLeg,
        transport: Transport,
        uri: vpbx_sip_msg::Uri,
        route: &[String],
        from: &str,
        to: &str,
    ) -> Request {
        let mut headers = Headers::new();
        headers.push(HeaderName::Via, self.via(transport));
        headers.push(HeaderName::MaxForwards, leg.max_forwards.to_string());
        for r in route {
            headers.push(HeaderName::Route, r.clone());
        }
        headers.push(HeaderName::From, from.to_owned());
        headers.push(HeaderName::To, to.to_owned());
        headers.push(HeaderName::CallId, leg.call_id.clone());
        headers.push(HeaderName::CSeq, "1 INVITE");
        headers.push(HeaderName::Contact, self.contact(transport));
        headers.push(HeaderName::Allow, crate::core::ALLOW);
        headers.push(HeaderName::Other("X-VPBX-Call-ID".into()), leg.uuid.clone());
        Request {
            method: Method::Invite,
            uri,
            headers,
            body: Vec::new(),
        }
    }

    /// The INVITE of `leg` sent to every contact in `contacts` (RFC 3261 §16.6 semantics,
    /// one branch each), numbered from `first`.
    pub(super) fn contact_forks(
        &mut self,
        now: Instant,
        leg: &OutLeg,
        b_from: &str,
        b_to: &str,
        contacts: &[vpbx_sip_proto::registrar::Binding],
        first: usize,
    ) -> Vec<Fork> {
        let mut forks = Vec::with_capacity(contacts.len());
        for binding in contacts {
            let Ok(uri) = binding.uri.parse::<vpbx_sip_msg::Uri>() else {
                continue;
            };
            let dest = target::binding_peer(binding);
            let mut invite = self.leg_invite(leg, dest.transport, uri, &binding.path, b_from, b_to);
            if let Some(b) = &leg.body {
                invite
                    .headers
                    .push(HeaderName::ContentType, "application/sdp");
                invite.body = b.clone();
            }
            super::forks::seal(&mut invite);
            let client = self.transactions.send_request(now, dest, invite.clone());
            let n = first + forks.len();
            self.calls.clients.insert(client, (leg.key, Role::Fork(n)));
            forks.push(Fork {
                invite,
                trunk: None,
                auth_done: false,
                peer: dest,
                provisional: false,
                cancel_wanted: false,
                done: false,
            });
        }
        forks
    }

    /// CDR of a call refused after authentication (busy, unavailable, bad SDP...), as
    /// Asterisk writes one for a failed Dial.
    fn refused(
        &mut self,
        tenant: vpbx_model::TenantId,
        caller: String,
        callee: String,
        now_unix: u64,
        refusal: &Response,
    ) {
        let disposition = match refusal.status {
            486 | 600 | 603 => Disposition::Busy,
            _ => Disposition::Failed,
        };
        let at = i64::try_from(now_unix).unwrap_or(0).saturating_mul(1000);
        self.cdrs.push((
            tenant,
            NewCdr {
                call_id: new_uuid(),
                caller,
                callee,
                started_at: at,
                answered_at: None,
                ended_at: at,
                disposition,
                hangup_side: HangupSide::System,
                hangup_cause: format!("{} {}", refusal.status, refusal.reason),
                codec_a: None,
                codec_b: None,
                quality: None,
                recording: None,
            },
        ));
    }

    /// Top Via for a request we originate (RFC 3261 §8.1.1.7, RFC 3581 §3 rport).
    pub(in crate::core) fn via(&self, transport: Transport) -> String {
        let branch: u64 = rand::random();
        format!(
            "SIP/2.0/{} {};branch=z9hG4bK{branch:016x};rport",
            transport.as_str(),
            self.shared.sip_addr
        )
    }

    /// Our Contact for dialogs over `transport` (RFC 3261 §8.1.1.8).
    pub(in crate::core) fn contact(&self, transport: Transport) -> String {
        match transport {
            Transport::Udp => format!("<sip:{}>", self.shared.sip_addr),
            t => format!(
                "<sip:{};transport={}>",
                self.shared.sip_addr,
                t.as_str().to_ascii_lowercase()
            ),
        }
    }
}

/// The caller's dialog as vpbx sees it as UAS (RFC 3261 §12.1.1).
fn a_dialog(request: &Request, peer: Peer, tag: &str) -> Option<Dialog> {
    let from = request.headers.from().ok()?;
    let to = request.headers.to().ok()?;
    let contact = request
        .headers
        .contacts()
        .ok()?
        .into_iter()
        .find_map(|c| match c {
            vpbx_sip_msg::Contact::Addr(a) => Some(a.uri),
            vpbx_sip_msg::Contact::Star => None,
        })?;
    let call_id = request.headers.call_id().ok()?;
    Some(Dialog::uas(
        request, call_id, &from, &to, contact, tag, peer,
    ))
}

/// 488 with the reason in a Warning header (RFC 3261 §20.43, code 399 "miscellaneous").
pub(super) fn not_acceptable(request: &Request, tag: &str, why: &str) -> Response {
    let mut r = request.response(488, "Not Acceptable Here", Some(tag));
    let why = why.replace('"', "'");
    r.headers
        .push(HeaderName::Warning, format!("399 vpbx \"{why}\""));
    r
}
