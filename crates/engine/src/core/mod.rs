//! The sans-IO SIP core of one shard: transaction layer plus the transaction user
//! (registrar, OPTIONS, calls, MWI subscriptions, refusals), driven by messages and a time
//! value.
//!
//! `handle` takes one parsed message, `handle_timeout` advances timers; what must be sent
//! comes out of `poll_transmit`, bindings to persist out of `drain_saves`. It owns no
//! socket, task or clock, so it runs the same in the server and in tests.
//!
//! Invariant: every request that reaches the transaction user gets exactly one final
//! response through its server transaction; tenant data is reached only through the
//! tenant named by the request's domain.

mod auth;
mod call;
pub(crate) mod date;
mod ingress;
mod mwi;
mod options;
mod register;
mod tenant;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod trunk_tests;
mod trunks;

pub use call::{b_leg_call_id, shard_of_call_id, VoicemailDone};
pub use ingress::{decode, Rejected};
pub use mwi::{MailboxUpdate, MessageCounts};

use crate::active::ActiveCalls;
use crate::location::Location;
use crate::media::MediaPlane;
use crate::metrics::Metrics;
use crate::registry::Registry;
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use vpbx_model::TenantId;
use vpbx_sip_msg::{HeaderName, Message, Method, Request, Response};
use vpbx_sip_proto::digest::DigestVerifier;
use vpbx_sip_proto::registrar::{Binding, RegistrarPolicy};
use vpbx_sip_proto::transaction::{
    response_destination, stamp_received, Incoming, Peer, ServerTxId, TimerConfig,
    TransactionLayer, Transmit,
};
use vpbx_store::NewCdr;

/// Value of the Server header on every response (RFC 3261 §20.35).
pub const SERVER: &str = "vpbx";
/// Methods this server accepts (RFC 3261 §20.5).
pub const ALLOW: &str = "INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, UPDATE, INFO, SUBSCRIBE";
/// Event packages this server notifies (RFC 6665 §8.2.2; RFC 3842 message waiting).
pub const ALLOW_EVENTS: &str = "message-summary";
/// Option tags this server supports (RFC 3261 §20.37).
pub const SUPPORTED: &[&str] = &["path"];

/// State shared by all shards: tenants, bindings, the digest verifier, policy, counters,
/// the media plane and calls in progress per extension.
pub struct Shared {
    /// Tenants and users.
    pub registry: Arc<Registry>,
    /// Current bindings.
    pub location: Arc<Location>,
    /// Digest challenges and verification.
    pub verifier: DigestVerifier,
    /// Registration interval limits.
    pub policy: RegistrarPolicy,
    /// Counters.
    pub metrics: Arc<Metrics>,
    /// RTP relays for calls.
    pub media: Arc<dyn MediaPlane>,
    /// Calls in progress per extension (call limits).
    pub active: Arc<ActiveCalls>,
    /// Our SIP address as written in Via and Contact of requests we originate.
    pub sip_addr: SocketAddr,
    /// How long a callee may ring before the caller gets 480 (the seed's Dial timeout).
    pub ring_timeout: Duration,
    /// Call limit of extensions without their own (`None`: unlimited).
    pub default_call_limit: Option<u32>,
    /// Health and registration of every trunk.
    pub trunk_states: Arc<crate::trunk_state::TrunkStates>,
    /// Recording quota use per tenant.
    pub recordings: Arc<crate::recordings::RecordingBook>,
    /// Data directory (tenants' prompts are under `tenants/<id>/prompts/`).
    pub data_dir: std::path::PathBuf,
    /// Message counts of voicemail boxes (the first NOTIFY of an MWI subscription).
    pub mailboxes: Arc<crate::mailbox::Mailboxes>,
}

/// A changed binding set to persist: (tenant, extension, new bindings).
pub type Save = (TenantId, String, Vec<Binding>);
/// A finished call's record to persist.
pub type Cdr = (TenantId, NewCdr);

/// One shard of the SIP core.
pub struct SipCore {
    shared: Arc<Shared>,
    transactions: TransactionLayer,
    out: VecDeque<Transmit>,
    saves: Vec<Save>,
    cdrs: Vec<Cdr>,
    voicemails: Vec<VoicemailDone>,
    calls: call::Calls,
    trunks: trunks::TrunkAgents,
    mwi: mwi::Subscriptions,
    shard: u16,
    tag_prefix: u32,
    tag_seq: u64,
}

impl SipCore {
    /// Shard number `shard` using `shared` state; `tag_prefix` makes its To tags unique
    /// among shards and restarts (RFC 3261 §19.3: tags must be globally unique).
    pub fn new(shared: Arc<Shared>, timers: TimerConfig, shard: u16, tag_prefix: u32) -> Self {
        Self {
            shared,
            transactions: TransactionLayer::new(timers),
            out: VecDeque::new(),
            saves: Vec::new(),
            cdrs: Vec::new(),
            voicemails: Vec::new(),
            calls: call::Calls::default(),
            trunks: trunks::TrunkAgents::default(),
            mwi: mwi::Subscriptions::default(),
            shard,
            tag_prefix,
            tag_seq: 0,
        }
    }

    /// Handles one message received from `peer`. `now` drives timers, `now_unix`
    /// (seconds since 1970) stamps nonces and binding expiry.
    pub fn handle(&mut self, now: Instant, now_unix: u64, peer: Peer, message: Message) {
        let request = match message {
            Message::Response(_) => {
                if let Incoming::Response { tx, response } =
                    self.transactions.receive(now, peer, message)
                {
                    if !self.mwi_response(now, tx, &response)
                        && !self.trunk_response(now, tx, &response)
                    {
                        self.call_response(now, tx, response);
                    }
                }
                self.drain_events(now);
                return;
            }
            Message::Request(r) => r,
        };
        if let Err(e) = request.validate() {
            Metrics::inc(&self.shared.metrics.bad_requests);
            self.shared
                .metrics
                .warn_bad_input(peer.addr, &e.to_string());
            if request.method != Method::Ack {
                let tag = self.next_tag();
                let resp = request.response(400, &format!("Bad Request ({e})"), Some(&tag));
                self.send_stateless(&request, peer, resp);
            }
            return;
        }
        let mut request = request;
        stamp_received(&mut request, peer.addr);
        match self
            .transactions
            .receive(now, peer, Message::Request(request))
        {
            Incoming::Request {
                tx: Some(tx),
                request,
                peer,
            } => {
                if let Some(response) = self.route(now, now_unix, tx, &request, peer) {
                    self.reply(now, tx, response);
                }
            }
            Incoming::Request {
                tx: None,
                request,
                peer,
            } => {
                self.in_dialog(now, None, &request, peer);
            }
            Incoming::Response { .. } | Incoming::Absorbed => {}
        }
        self.drain_events(now);
    }

    /// Sends `response` on server transaction `tx` (Server header, Content-Length last).
    fn reply(&mut self, now: Instant, tx: ServerTxId, response: Response) {
        // The transaction is live or the response is moot (already final): both are fine.
        let _ = self.transactions.respond(now, tx, finish(response));
    }

    /// Picks the handler of a request: a dialog's, a new call's, or the server's own.
    fn route(
        &mut self,
        now: Instant,
        now_unix: u64,
        tx: ServerTxId,
        request: &Request,
        peer: Peer,
    ) -> Option<Response> {
        if let Some(resp) = self.unsupported_extensions(request) {
            return Some(resp);
        }
        let in_dialog = request.headers.to().is_ok_and(|to| to.tag().is_some());
        match request.method {
            Method::Cancel => Some(self.cancel(now, request)),
            Method::Register | Method::Options if !in_dialog => {
                Some(self.respond_to(now_unix, request, peer))
            }
            Method::Subscribe => self.subscribe(now, now_unix, tx, request, peer),
            _ if in_dialog => self.in_dialog(now, Some(tx), request, peer),
            Method::Invite => self.invite(now, now_unix, tx, request, peer),
            _ => Some(self.respond_to(now_unix, request, peer)),
        }
    }

    fn drain_events(&mut self, now: Instant) {
        while let Some(event) = self.transactions.poll_event() {
            if self.mwi_event(now, &event) {
                continue;
            }
            if let vpbx_sip_proto::transaction::TransactionEvent::Timeout { tx } = event {
                if self.trunk_timeout(now, tx) {
                    continue;
                }
            }
            self.call_event(now, event);
        }
    }

    /// Advances timers to `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.transactions.poll_timeout().is_some_and(|t| t <= now) {
            self.transactions.handle_timeout(now);
        }
        self.drain_events(now);
        self.call_timers(now);
        self.mwi_timers(now);
        self.run_trunks(now);
        self.drain_events(now);
        self.calls.shrink_when_idle();
    }

    /// Next datagram or stream write to perform.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.out
            .pop_front()
            .or_else(|| self.transactions.poll_transmit())
    }

    /// Binding sets changed since the last call, to persist.
    pub fn drain_saves(&mut self) -> Vec<Save> {
        std::mem::take(&mut self.saves)
    }

    /// Records of calls that ended since the last call, to persist.
    pub fn drain_cdrs(&mut self) -> Vec<Cdr> {
        std::mem::take(&mut self.cdrs)
    }

    /// Voicemail messages left since the last call, to store and mail.
    pub fn drain_voicemails(&mut self) -> Vec<VoicemailDone> {
        std::mem::take(&mut self.voicemails)
    }

    /// Calls in progress in this shard.
    pub fn calls(&self) -> usize {
        self.calls.len()
    }

    /// Live transactions in this shard.
    pub fn transactions(&self) -> usize {
        self.transactions.len()
    }

    fn respond_to(&mut self, now_unix: u64, request: &Request, peer: Peer) -> Response {
        match request.method {
            Method::Register => self.register(now_unix, request, peer),
            Method::Options => options::answer(request, &self.next_tag()),
            Method::Bye => request.response(
                481,
                "Call/Transaction Does Not Exist",
                Some(&self.next_tag()),
            ),
            _ => match tenant::resolve(&self.shared.registry, request) {
                Err(refusal) => refusal.response(request, &self.next_tag()),
                Ok(_) => {
                    let mut r = request.response(501, "Not Implemented", Some(&self.next_tag()));
                    r.headers.push(HeaderName::Allow, ALLOW);
                    r
                }
            },
        }
    }

    /// RFC 3261 §8.2.2.3: a Require naming an extension we lack gets 420 + Unsupported.
    fn unsupported_extensions(&mut self, request: &Request) -> Option<Response> {
        if matches!(request.method, Method::Ack | Method::Cancel) {
            return None;
        }
        let unknown: Vec<&str> = request
            .headers
            .get_all(&HeaderName::Require)
            .filter(|t| !SUPPORTED.iter().any(|s| s.eq_ignore_ascii_case(t.trim())))
            .collect();
        if unknown.is_empty() {
            return None;
        }
        let mut r = request.response(420, "Bad Extension", Some(&self.next_tag()));
        for t in unknown {
            r.headers.push(HeaderName::Unsupported, t.trim());
        }
        Some(r)
    }

    fn send_stateless(&mut self, request: &Request, peer: Peer, response: Response) {
        let response = finish(response);
        let dest = request
            .headers
            .top_via()
            .map(|via| response_destination(&via, peer))
            .unwrap_or(peer);
        self.out.push_back(Transmit {
            peer: dest,
            bytes: Message::Response(response).to_bytes(),
        });
    }

    fn next_tag(&mut self) -> String {
        self.tag_seq += 1;
        format!("{:08x}{:x}", self.tag_prefix, self.tag_seq)
    }

    /// Our To tag for every response to INVITEs of one Call-ID and From tag, so the 407 and
    /// the final answer to the authenticated retry carry the same tag: several UAs (sipp
    /// among them) keep the first tag they saw for the whole Call-ID, and Asterisk behaves
    /// the same way (RFC 3261 §19.3 only asks for uniqueness, which the prefix keeps).
    fn dialog_tag(&self, request: &Request) -> String {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        request.headers.call_id().unwrap_or("").hash(&mut h);
        request
            .headers
            .from()
            .ok()
            .and_then(|f| f.tag().map(str::to_owned))
            .hash(&mut h);
        format!("{:08x}d{:016x}", self.tag_prefix, h.finish())
    }
}

/// Adds the Server header and puts Content-Length last, matching the body.
pub(crate) fn finish(mut response: Response) -> Response {
    response.headers.remove(&HeaderName::ContentLength);
    response.headers.push(HeaderName::Server, SERVER);
    response
        .headers
        .push(HeaderName::ContentLength, response.body.len().to_string());
    response
}
