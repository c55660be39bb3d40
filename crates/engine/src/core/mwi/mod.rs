//! Message waiting indication: vpbx as the notifier of the `message-summary` event
//! package (RFC 3842) over SIP-specific event notification (RFC 6665).
//!
//! A phone SUBSCRIBEs to its own voicemail box; the SUBSCRIBE is authenticated like a
//! REGISTER (401, RFC 3261 §22.4), answered 200 (RFC 6665 §4.2.1.1) and followed at once by
//! a NOTIFY with the box's counts (§4.2.2). Every change of the box's counts reaches each
//! shard as a [`MailboxUpdate`] and becomes a NOTIFY to every subscription of that box in
//! the shard. In-dialog SUBSCRIBEs refresh or end a subscription (§4.1.2.2, §4.1.2.3);
//! an expired subscription gets a final NOTIFY `terminated;reason=timeout` (§4.2.2); a
//! NOTIFY answered 481, 408 or timing out ends the subscription (§4.2.2). In-dialog
//! SUBSCRIBEs are matched by Call-ID and both tags, not challenged again, as in-dialog
//! requests of calls are.
//!
//! Invariants: a user subscribes only to its own box in its own tenant; a subscription
//! lives in the shard its Call-ID picks, so its refreshes and the answers to its NOTIFYs
//! meet it there; at most one NOTIFY of a subscription is in flight (a change meanwhile is
//! sent when it is answered, with the counts current then), so NOTIFYs never overtake
//! each other.

#[cfg(test)]
mod tests;

use super::auth::Challenger;
use super::call::{seal, Dialog};
use super::{tenant, SipCore, ALLOW_EVENTS};
use crate::metrics::Metrics;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::time::{Duration, Instant};
use vpbx_model::TenantId;
use vpbx_sip_msg::{Contact, HeaderName, Method, Request, Response};
use vpbx_sip_proto::transaction::{ClientTxId, Peer, ServerTxId, TransactionEvent};

/// The event package served (RFC 3842 §3.1).
pub const EVENT: &str = "message-summary";
/// Body type of our NOTIFYs (RFC 3842 §3.5, §5).
pub const CONTENT_TYPE: &str = "application/simple-message-summary";
/// Shortest subscription accepted, seconds; shorter ones get 423 (RFC 6665 §4.2.1.1).
pub const MIN_EXPIRES: u32 = 60;
/// Longest subscription granted, seconds (RFC 6665 §4.2.1.1: the notifier may shorten).
pub const MAX_EXPIRES: u32 = 3600;
/// Duration of a SUBSCRIBE without Expires, seconds (RFC 6665 §4.1.2.1 lets the package
/// choose, RFC 3842 §3.4).
pub const DEFAULT_EXPIRES: u32 = 3600;
/// Subscriptions one box may hold in one shard; a new one beyond this ends the oldest
/// (a phone that restarts often leaves stale ones until they expire).
const MAX_PER_BOX: usize = 32;

/// Message counts of a voicemail box (RFC 3842 §5.2 `Voice-Message: new/old`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MessageCounts {
    /// Messages not yet heard.
    pub new: u32,
    /// Messages heard and kept.
    pub old: u32,
}

/// New counts of one box, for every shard to notify the box's subscribers (RFC 3842 §3.5).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MailboxUpdate {
    /// The box's tenant.
    pub tenant: TenantId,
    /// The box's extension.
    pub extension: String,
    /// Its counts now.
    pub counts: MessageCounts,
}

/// The `application/simple-message-summary` body for `account` (RFC 3842 §5.2), with no
/// urgent messages.
pub fn summary_body(account: &str, counts: MessageCounts) -> String {
    let waiting = if counts.new > 0 { "yes" } else { "no" };
    format!(
        "Messages-Waiting: {waiting}\r\nMessage-Account: {account}\r\nVoice-Message: {}/{} (0/0)\r\n",
        counts.new, counts.old
    )
}

/// The subscriptions of one shard and the indexes that find them.
#[derive(Default)]
pub(super) struct Subscriptions {
    map: HashMap<u64, Subscription>,
    /// (Call-ID, our tag) → subscription (RFC 6665 §4.1.2.2: refreshes come in-dialog).
    dialogs: HashMap<(String, String), u64>,
    /// NOTIFYs in flight → their subscription.
    clients: HashMap<ClientTxId, u64>,
    /// Expiry times; an entry whose time differs from the subscription's is stale.
    timers: BinaryHeap<Reverse<(Instant, u64)>>,
    next: u64,
}

impl Subscriptions {
    fn remove(&mut self, id: u64) -> Option<Subscription> {
        let sub = self.map.remove(&id)?;
        self.dialogs
            .remove(&(sub.dialog.call_id.clone(), sub.dialog.local_tag.clone()));
        Some(sub)
    }
}

/// One subscription to a box (RFC 6665 §4.2.1: the notifier's state of a dialog).
struct Subscription {
    tenant: TenantId,
    domain: String,
    extension: String,
    /// The Event header's `id` parameter, echoed in our NOTIFYs (RFC 6665 §8.2.1).
    event_id: Option<String>,
    /// The subscriber's From tag (RFC 6665 §4.1.2.2: refreshes must match it).
    remote_tag: String,
    dialog: Dialog,
    expires_at: Instant,
    /// The box's counts as last learnt (sent, or to be sent once `in_flight` is answered).
    counts: MessageCounts,
    in_flight: Option<ClientTxId>,
    /// Something changed while a NOTIFY was in flight.
    pending: bool,
}

/// What a subscriber's Subscription-State says (RFC 6665 §8.2.3, §4.1.3).
enum State {
    /// `active;expires=N`.
    Active(u64),
    /// `terminated;reason=timeout` (expired, unsubscribed or a fetch, §4.2.1.4, §4.4.3).
    Timeout,
}

/// The Event header's package and `id` parameter (RFC 6665 §8.2.1, §7.2.1); `None` when
/// the header is missing.
fn event_of(request: &Request) -> Option<(String, Option<String>)> {
    let value = request.headers.get(&HeaderName::Event)?;
    let mut parts = value.split(';');
    let package = parts.next().unwrap_or("").trim().to_owned();
    let id = parts.find_map(|p| {
        let (name, v) = p.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("id")
            .then(|| v.trim().to_owned())
    });
    Some((package, id))
}

/// Whether the request's Accept (if any) allows our body type (RFC 3261 §20.1; absent:
/// the package's type, RFC 6665 §4.1.2.1).
fn accepts_summary(request: &Request) -> bool {
    let accept = HeaderName::Other("Accept".into());
    let values: Vec<&str> = request.headers.get_all(&accept).collect();
    values.is_empty()
        || values
            .iter()
            .flat_map(|v| v.split(','))
            .map(|range| range.split(';').next().unwrap_or("").trim())
            .any(|range| {
                range.eq_ignore_ascii_case(CONTENT_TYPE)
                    || range.eq_ignore_ascii_case("application/*")
                    || range == "*/*"
            })
}

/// Why a SUBSCRIBE is refused before its subscription is looked at.
enum Refused {
    /// RFC 3261 §21.4: a status and reason.
    Status(u16, String),
    /// RFC 6665 §7.2.2: 489 Bad Event with Allow-Events.
    BadEvent,
    /// RFC 6665 §4.2.1.1: 423 Interval Too Brief with Min-Expires.
    TooBrief,
}

impl Refused {
    fn response(self, request: &Request, tag: Option<&str>) -> Response {
        match self {
            Refused::Status(status, reason) => request.response(status, &reason, tag),
            Refused::BadEvent => {
                let mut r = request.response(489, "Bad Event", tag);
                r.headers.push(HeaderName::AllowEvents, ALLOW_EVENTS);
                r
            }
            Refused::TooBrief => {
                let mut r = request.response(423, "Interval Too Brief", tag);
                r.headers
                    .push(HeaderName::MinExpires, MIN_EXPIRES.to_string());
                r
            }
        }
    }
}

/// The checks every SUBSCRIBE passes (RFC 6665 §4.2.1.1): Event is `message-summary`
/// (400 when missing, 489 otherwise), Expires readable and not under [`MIN_EXPIRES`]
/// unless 0, Accept allows our body (406). Returns the granted duration (0: unsubscribe
/// or fetch) and the Event `id`.
fn check(request: &Request) -> Result<(u32, Option<String>), Refused> {
    let Some((package, id)) = event_of(request) else {
        return Err(Refused::Status(
            400,
            "Bad Request (missing Event header)".into(),
        ));
    };
    if package != EVENT {
        return Err(Refused::BadEvent);
    }
    let granted = match request.headers.expires() {
        Err(e) => return Err(Refused::Status(400, format!("Bad Request ({e})"))),
        Ok(None) => DEFAULT_EXPIRES,
        Ok(Some(0)) => 0,
        Ok(Some(s)) if s < MIN_EXPIRES => return Err(Refused::TooBrief),
        Ok(Some(s)) => s.min(MAX_EXPIRES),
    };
    if !accepts_summary(request) {
        return Err(Refused::Status(406, "Not Acceptable".into()));
    }
    Ok((granted, id))
}

/// The subscriber's target from its Contact (RFC 6665 §4.1.2.1: SUBSCRIBE must have one);
/// Err is the 400 naming the header.
fn contact_target(request: &Request) -> Result<vpbx_sip_msg::Uri, Refused> {
    let bad = |why: String| Refused::Status(400, format!("Bad Request ({why})"));
    let contacts = request.headers.contacts().map_err(|e| bad(e.to_string()))?;
    contacts
        .into_iter()
        .find_map(|c| match c {
            Contact::Addr(a) => Some(a.uri),
            Contact::Star => None,
        })
        .ok_or_else(|| bad("missing Contact header".into()))
}

impl SipCore {
    /// MWI subscriptions alive in this shard (RFC 6665 §4.2.1).
    pub fn subscriptions(&self) -> usize {
        self.mwi.map.len()
    }

    /// A SUBSCRIBE (RFC 6665 §4.2.1): a new subscription without To tag, a refresh or an
    /// unsubscription with one. Returns the answer, or `None` once it was sent with the
    /// NOTIFY that follows it (§4.2.2: the 200 goes first).
    pub(super) fn subscribe(
        &mut self,
        now: Instant,
        now_unix: u64,
        tx: ServerTxId,
        request: &Request,
        peer: Peer,
    ) -> Option<Response> {
        let to_tag = request
            .headers
            .to()
            .ok()
            .and_then(|t| t.tag().map(str::to_owned));
        match to_tag {
            Some(tag) => self.refresh(now, tx, request, peer, &tag),
            None => self.new_subscription(now, now_unix, tx, request, peer),
        }
    }

    /// RFC 6665 §4.2.1.1 for a SUBSCRIBE outside a dialog: tenant, checks, digest
    /// authentication (RFC 3261 §22.4, as REGISTER), the box must be the user's own (403).
    fn new_subscription(
        &mut self,
        now: Instant,
        now_unix: u64,
        tx: ServerTxId,
        request: &Request,
        peer: Peer,
    ) -> Option<Response> {
        let tag = self.dialog_tag(request);
        let tenant = match tenant::resolve(&self.shared.registry, request) {
            Ok(t) => t,
            Err(refusal) => return Some(refusal.response(request, &tag)),
        };
        let checked = check(request).and_then(|(granted, id)| {
            let target = contact_target(request)?;
            let from = request
                .headers
                .from()
                .map_err(|e| Refused::Status(400, format!("Bad Request ({e})")))?;
            let to = request
                .headers
                .to()
                .map_err(|e| Refused::Status(400, format!("Bad Request ({e})")))?;
            Ok((granted, id, target, from, to))
        });
        let (granted, event_id, target, from, to) = match checked {
            Ok(c) => c,
            Err(refused) => return Some(refused.response(request, Some(&tag))),
        };
        let realm = tenant.domain.as_str();
        let username =
            match self.authenticate(now_unix, request, &tenant, Challenger::Server, peer, &tag) {
                Ok(username) => username,
                Err(answer) => return Some(answer),
            };
        let mailbox = request.uri.user.clone().or_else(|| to.uri.user.clone());
        if mailbox.as_deref() != Some(username.as_str()) {
            Metrics::inc(&self.shared.metrics.auth_failures);
            tracing::info!(tenant = realm, user = %username, mailbox = ?mailbox, "SUBSCRIBE to another mailbox refused");
            return Some(request.response(403, "Forbidden", Some(&tag)));
        }
        let (Ok(call_id), Some(remote_tag)) = (request.headers.call_id(), from.tag()) else {
            return Some(request.response(400, "Bad Request (From: no tag)", Some(&tag)));
        };
        let dialog = Dialog::uas(request, call_id, &from, &to, target, &tag, peer);
        let counts = self.shared.mailboxes.get(tenant.id, &username);
        let sub = Subscription {
            tenant: tenant.id,
            domain: realm.to_owned(),
            extension: username,
            event_id,
            remote_tag: remote_tag.to_owned(),
            dialog,
            expires_at: now + Duration::from_secs(u64::from(granted)),
            counts,
            in_flight: None,
            pending: false,
        };
        self.accepted(now, tx, request, granted, peer);
        if granted == 0 {
            // RFC 6665 §4.4.3: a fetch gets the state once and no subscription.
            self.send_final(now, sub);
            return None;
        }
        tracing::debug!(tenant = realm, extension = %sub.extension, expires = granted, "MWI subscription");
        self.limit_box(now, tenant.id, &sub.extension);
        let id = self.mwi.next;
        self.mwi.next += 1;
        self.mwi
            .dialogs
            .insert((sub.dialog.call_id.clone(), tag), id);
        self.mwi.timers.push(Reverse((sub.expires_at, id)));
        self.mwi.map.insert(id, sub);
        self.notify(now, id);
        None
    }

    /// RFC 6665 §4.1.2.2, §4.1.2.3: a SUBSCRIBE in a subscription's dialog refreshes it,
    /// or with Expires 0 ends it; an unknown dialog gets 481 (RFC 3261 §12.2.2).
    fn refresh(
        &mut self,
        now: Instant,
        tx: ServerTxId,
        request: &Request,
        peer: Peer,
        to_tag: &str,
    ) -> Option<Response> {
        let call_id = request.headers.call_id().unwrap_or("");
        let from_tag = request
            .headers
            .from()
            .ok()
            .and_then(|f| f.tag().map(str::to_owned));
        let found = self
            .mwi
            .dialogs
            .get(&(call_id.to_owned(), to_tag.to_owned()))
            .copied()
            .filter(|id| {
                self.mwi
                    .map
                    .get(id)
                    .is_some_and(|s| Some(&s.remote_tag) == from_tag.as_ref())
            });
        let Some(id) = found else {
            return Some(request.response(481, "Call/Transaction Does Not Exist", None));
        };
        let (granted, target) =
            match check(request).map(|(granted, _)| (granted, contact_target(request).ok())) {
                Ok(c) => c,
                Err(refused) => return Some(refused.response(request, None)),
            };
        let seq = request.headers.cseq().map_or(0, |c| c.seq);
        let sub = self.mwi.map.get_mut(&id)?;
        if sub.dialog.remote_cseq.is_some_and(|last| seq <= last) {
            return Some(request.response(500, "CSeq Out of Order", None));
        }
        sub.dialog.remote_cseq = Some(seq);
        sub.dialog.peer = peer;
        if let Some(target) = target {
            sub.dialog.remote_target = target;
        }
        self.accepted(now, tx, request, granted, peer);
        if granted == 0 {
            if let Some(sub) = self.mwi.remove(id) {
                tracing::debug!(tenant = %sub.domain, extension = %sub.extension, "MWI unsubscribed");
                self.send_final(now, sub);
            }
            return None;
        }
        let expires_at = now + Duration::from_secs(u64::from(granted));
        if let Some(sub) = self.mwi.map.get_mut(&id) {
            sub.expires_at = expires_at;
        }
        self.mwi.timers.push(Reverse((expires_at, id)));
        self.notify(now, id);
        None
    }

    /// Sends the 200 to a SUBSCRIBE with the granted Expires and our Contact (RFC 6665
    /// §4.2.1.1) and the Record-Route copied (RFC 3261 §12.1.1).
    fn accepted(
        &mut self,
        now: Instant,
        tx: ServerTxId,
        request: &Request,
        granted: u32,
        peer: Peer,
    ) {
        let tag = self.dialog_tag(request);
        let mut ok = request.response(200, "OK", Some(&tag));
        for rr in request.headers.get_all(&HeaderName::RecordRoute) {
            ok.headers.push(HeaderName::RecordRoute, rr);
        }
        ok.headers.push(HeaderName::Expires, granted.to_string());
        ok.headers
            .push(HeaderName::Contact, self.contact(peer.transport));
        self.reply(now, tx, ok);
    }

    /// Keeps at most [`MAX_PER_BOX`] subscriptions of a box in this shard, ending the
    /// oldest to make room for a new one.
    fn limit_box(&mut self, now: Instant, tenant: TenantId, extension: &str) {
        let mut ids: Vec<u64> = self
            .mwi
            .map
            .iter()
            .filter(|(_, s)| s.tenant == tenant && s.extension == extension)
            .map(|(id, _)| *id)
            .collect();
        if ids.len() < MAX_PER_BOX {
            return;
        }
        ids.sort_unstable();
        for id in ids.iter().take(ids.len() + 1 - MAX_PER_BOX) {
            if let Some(sub) = self.mwi.remove(*id) {
                self.send_final(now, sub);
            }
        }
    }

    /// RFC 3842 §3.5: the counts of a box changed; every subscription to it in this shard
    /// is notified (after the NOTIFY in flight, if any).
    pub fn mailbox_changed(&mut self, now: Instant, update: &MailboxUpdate) {
        let ids: Vec<u64> = self
            .mwi
            .map
            .iter_mut()
            .filter(|(_, s)| s.tenant == update.tenant && s.extension == update.extension)
            .filter(|(_, s)| s.counts != update.counts)
            .map(|(id, s)| {
                s.counts = update.counts;
                *id
            })
            .collect();
        for id in ids {
            self.notify(now, id);
        }
    }

    /// Sends subscription `id` its state now, or marks it pending behind the NOTIFY in
    /// flight (RFC 6665 §4.2.2).
    fn notify(&mut self, now: Instant, id: u64) {
        let Some(peer) = self.mwi.map.get(&id).map(|s| s.dialog.peer) else {
            return;
        };
        let via_contact = self.via_contact(peer);
        let Some(sub) = self.mwi.map.get_mut(&id) else {
            return;
        };
        if sub.in_flight.is_some() {
            sub.pending = true;
            return;
        }
        sub.pending = false;
        let left = sub
            .expires_at
            .saturating_duration_since(now)
            .as_secs()
            .max(1);
        let request = notify_request(sub, State::Active(left), &via_contact);
        let next_hop = sub.dialog.next_hop();
        let tx = self.transactions.send_request(now, next_hop, request);
        sub.in_flight = Some(tx);
        self.mwi.clients.insert(tx, id);
    }

    /// Sends the final NOTIFY of a subscription that is already gone (RFC 6665 §4.2.2,
    /// `terminated;reason=timeout`); its answer changes nothing.
    fn send_final(&mut self, now: Instant, mut sub: Subscription) {
        let via_contact = self.via_contact(sub.dialog.peer);
        let request = notify_request(&mut sub, State::Timeout, &via_contact);
        let peer = sub.dialog.next_hop();
        self.transactions.send_request(now, peer, request);
    }

    fn via_contact(&self, peer: Peer) -> (String, String) {
        (self.via(peer.transport), self.contact(peer.transport))
    }

    /// A response to a NOTIFY of ours; false if `tx` is no NOTIFY of a subscription. A 481
    /// or 408 ends the subscription (RFC 6665 §4.2.2); after any other final answer the
    /// pending change, if any, is sent.
    pub(super) fn mwi_response(
        &mut self,
        now: Instant,
        tx: ClientTxId,
        response: &Response,
    ) -> bool {
        let Some(&id) = self.mwi.clients.get(&tx) else {
            return false;
        };
        if response.status < 200 {
            return true;
        }
        self.mwi.clients.remove(&tx);
        if matches!(response.status, 408 | 481) {
            if let Some(sub) = self.mwi.remove(id) {
                tracing::debug!(tenant = %sub.domain, extension = %sub.extension, status = response.status, "MWI subscription dropped");
            }
            return true;
        }
        self.notify_answered(now, id);
        true
    }

    /// Transaction events of our NOTIFYs; false if the event is not about one. A timeout
    /// ends the subscription (RFC 6665 §4.2.2).
    pub(super) fn mwi_event(&mut self, now: Instant, event: &TransactionEvent) -> bool {
        match *event {
            TransactionEvent::Timeout { tx } => {
                let Some(id) = self.mwi.clients.remove(&tx) else {
                    return false;
                };
                if let Some(sub) = self.mwi.remove(id) {
                    tracing::debug!(tenant = %sub.domain, extension = %sub.extension, "MWI subscriber does not answer; subscription dropped");
                }
                true
            }
            TransactionEvent::ClientTerminated { tx } => {
                let Some(id) = self.mwi.clients.remove(&tx) else {
                    return false;
                };
                self.notify_answered(now, id);
                true
            }
            TransactionEvent::AckTimeout { .. } | TransactionEvent::ServerTerminated { .. } => {
                false
            }
        }
    }

    fn notify_answered(&mut self, now: Instant, id: u64) {
        let Some(sub) = self.mwi.map.get_mut(&id) else {
            return;
        };
        sub.in_flight = None;
        if sub.pending {
            self.notify(now, id);
        }
    }

    /// Ends subscriptions whose time has come with a final NOTIFY (RFC 6665 §4.2.2).
    pub(super) fn mwi_timers(&mut self, now: Instant) {
        while let Some(Reverse((at, id))) = self.mwi.timers.peek().copied() {
            if at > now {
                break;
            }
            self.mwi.timers.pop();
            if self.mwi.map.get(&id).is_some_and(|s| s.expires_at == at) {
                if let Some(sub) = self.mwi.remove(id) {
                    tracing::debug!(tenant = %sub.domain, extension = %sub.extension, "MWI subscription expired");
                    self.send_final(now, sub);
                }
            }
        }
    }
}

/// A NOTIFY in the subscription's dialog (RFC 6665 §4.2.2, §8.2.3) carrying the box's
/// summary (RFC 3842 §5.2); `via_contact` is our top Via and Contact.
fn notify_request(sub: &mut Subscription, state: State, via_contact: &(String, String)) -> Request {
    let (via, contact) = via_contact;
    let mut r = sub.dialog.request(Method::Notify, via, None);
    let event = match &sub.event_id {
        Some(id) => format!("{EVENT};id={id}"),
        None => EVENT.to_owned(),
    };
    r.headers.push(HeaderName::Event, event);
    let state = match state {
        State::Active(left) => format!("active;expires={left}"),
        State::Timeout => "terminated;reason=timeout".to_owned(),
    };
    r.headers.push(HeaderName::SubscriptionState, state);
    r.headers.push(HeaderName::Contact, contact.clone());
    r.headers.push(HeaderName::ContentType, CONTENT_TYPE);
    let account = format!("sip:{}@{}", sub.extension, sub.domain);
    r.body = summary_body(&account, sub.counts).into_bytes();
    seal(&mut r);
    r
}
