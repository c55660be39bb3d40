//! The sans-IO SIP core of one shard: transaction layer plus the transaction user
//! (registrar, OPTIONS, refusals), driven by messages and a time value.
//!
//! `handle` takes one parsed message, `handle_timeout` advances timers; what must be sent
//! comes out of `poll_transmit`, bindings to persist out of `drain_saves`. It owns no
//! socket, task or clock, so it runs the same in the server and in tests.
//!
//! Invariant: every request that reaches the transaction user gets exactly one final
//! response through its server transaction; tenant data is reached only through the
//! tenant named by the request's domain.

mod date;
mod ingress;
mod options;
mod register;
mod tenant;

pub use ingress::{decode, Rejected};

use crate::location::Location;
use crate::metrics::Metrics;
use crate::registry::Registry;
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Instant;
use vpbx_model::TenantId;
use vpbx_sip_msg::{HeaderName, Message, Method, Request, Response};
use vpbx_sip_proto::digest::DigestVerifier;
use vpbx_sip_proto::registrar::{Binding, RegistrarPolicy};
use vpbx_sip_proto::transaction::{
    response_destination, stamp_received, Incoming, Peer, TimerConfig, TransactionLayer, Transmit,
};

/// Value of the Server header on every response (RFC 3261 §20.35).
pub const SERVER: &str = "vpbx";
/// Methods this server accepts (RFC 3261 §20.5).
pub const ALLOW: &str = "INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER";
/// Option tags this server supports (RFC 3261 §20.37).
pub const SUPPORTED: &[&str] = &["path"];

/// State shared by all shards: tenants, bindings, the digest verifier, policy, counters.
#[derive(Debug)]
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
}

/// A changed binding set to persist: (tenant, extension, new bindings).
pub type Save = (TenantId, String, Vec<Binding>);

/// One shard of the SIP core.
pub struct SipCore {
    shared: Arc<Shared>,
    transactions: TransactionLayer,
    out: VecDeque<Transmit>,
    saves: Vec<Save>,
    tag_prefix: u32,
    tag_seq: u64,
}

impl SipCore {
    /// A shard using `shared` state; `tag_prefix` makes its To tags unique among shards
    /// and restarts (RFC 3261 §19.3: tags must be globally unique).
    pub fn new(shared: Arc<Shared>, timers: TimerConfig, tag_prefix: u32) -> Self {
        Self {
            shared,
            transactions: TransactionLayer::new(timers),
            out: VecDeque::new(),
            saves: Vec::new(),
            tag_prefix,
            tag_seq: 0,
        }
    }

    /// Handles one message received from `peer`. `now` drives timers, `now_unix`
    /// (seconds since 1970) stamps nonces and binding expiry.
    pub fn handle(&mut self, now: Instant, now_unix: u64, peer: Peer, message: Message) {
        let request = match message {
            Message::Response(_) => {
                self.transactions.receive(now, peer, message);
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
                let resp = request.response(400, &format!("Bad Request ({e})"), None);
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
                let response = finish(self.respond_to(now_unix, &request, peer));
                // The transaction was created by this very call; it cannot be gone.
                let _ = self.transactions.respond(now, tx, response);
            }
            Incoming::Request { tx: None, .. } | Incoming::Response { .. } | Incoming::Absorbed => {
            }
        }
    }

    /// Advances timers to `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.transactions.poll_timeout().is_some_and(|t| t <= now) {
            self.transactions.handle_timeout(now);
        }
        while self.transactions.poll_event().is_some() {}
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

    /// Live transactions in this shard.
    pub fn transactions(&self) -> usize {
        self.transactions.len()
    }

    fn respond_to(&mut self, now_unix: u64, request: &Request, peer: Peer) -> Response {
        if let Some(resp) = self.unsupported_extensions(request) {
            return resp;
        }
        match request.method {
            Method::Register => self.register(now_unix, request, peer),
            Method::Options => options::answer(request, &self.next_tag()),
            Method::Cancel | Method::Bye => request.response(
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
}

/// Adds the Server header and puts Content-Length last, matching the body.
fn finish(mut response: Response) -> Response {
    response.headers.remove(&HeaderName::ContentLength);
    response.headers.push(HeaderName::Server, SERVER);
    response
        .headers
        .push(HeaderName::ContentLength, response.body.len().to_string());
    response
}
