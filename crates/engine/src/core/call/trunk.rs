//! Calls out through SIP trunks (seed 000 §4.5 `sip_trunks`, §4.5.3 directions): the
//! INVITE to the carrier (RFC 3261 §8.1.1) with the number as the direction rewrote it,
//! answering the carrier's digest challenge once (§22.2, RFC 8760 via
//! `sip_proto::digest::authorize`), and failover to the next trunk when a carrier fails
//! (408, 480, 5xx) or is marked down by its OPTIONS probe.
//!
//! Invariants: a trunk without a resolved address or marked down is never tried; each
//! branch answers at most one challenge, so a carrier refusing our credentials ends that
//! branch instead of looping.

use super::forks::{cseq_of, seal};
use super::{Call, Fork, OutLeg, Phase, Role, Timer};
use crate::core::SipCore;
use crate::registry::TrunkView;
use std::sync::Arc;
use std::time::Instant;
use vpbx_model::TenantId;
use vpbx_sip_msg::{HeaderName, Response, Transport, Uri};
use vpbx_sip_proto::digest::authorize;
use vpbx_sip_proto::transaction::Peer;

/// How long a carrier may stay silent (not even 100 Trying) before the next trunk is tried.
const CARRIER_SILENCE: std::time::Duration = std::time::Duration::from_secs(5);

/// Statuses after which the next trunk is tried: the carrier could not take the call, as
/// opposed to the callee refusing it.
fn fails_over(status: u16) -> bool {
    matches!(status, 408 | 480 | 500..=599)
}

impl SipCore {
    /// Whether a trunk can be tried now: enabled, its address known, not marked down.
    pub(super) fn trunk_usable(&self, tenant: TenantId, trunk: &TrunkView) -> bool {
        trunk.enabled
            && trunk.addr.is_some()
            && !self.shared.trunk_states.is_down(tenant, &trunk.name)
    }

    /// Sends the call's INVITE to `number` at `trunk` as branch `n`.
    pub(super) fn trunk_fork(
        &mut self,
        now: Instant,
        leg: &OutLeg,
        n: usize,
        trunk: Arc<TrunkView>,
        number: &str,
    ) -> Option<Fork> {
        let addr = trunk.addr?;
        let transport = trunk.transport;
        let param = match transport {
            Transport::Udp => String::new(),
            t => format!(";transport={}", t.as_str().to_ascii_lowercase()),
        };
        let host = bracketed(&trunk.host);
        let uri: Uri = format!("sip:{number}@{host}:{}{param}", trunk.port)
            .parse()
            .ok()?;
        let from_user = trunk.from_user.as_deref().unwrap_or(&leg.caller);
        let from_domain = trunk.from_domain.as_deref().unwrap_or(&host);
        let peer = Peer {
            transport,
            addr,
            conn: None,
        };
        let from = format!("<sip:{from_user}@{from_domain}>;tag={}", leg.tag);
        let to = format!("<sip:{number}@{host}>");
        let mut invite = self.leg_invite(leg, transport, uri, &[], &from, &to);
        if let Some(body) = &leg.body {
            let allowed =
                super::sdp::parse(body).and_then(|o| super::sdp::only_codecs(&o, &trunk.codecs));
            let Ok(offer) = allowed else {
                tracing::info!(call = %leg.uuid, trunk = %trunk.name, "the trunk allows none of the offered codecs");
                return None;
            };
            invite
                .headers
                .push(HeaderName::ContentType, "application/sdp");
            invite.body = offer.to_bytes();
        }
        seal(&mut invite);
        tracing::info!(call = %leg.uuid, trunk = %trunk.name, "call out through trunk");
        let tx = self.transactions.send_request(now, peer, invite.clone());
        self.calls.clients.insert(tx, (leg.key, Role::Fork(n)));
        self.calls.timers.push(std::cmp::Reverse((
            now + CARRIER_SILENCE,
            leg.key,
            Timer::CarrierSilent(n),
        )));
        Some(Fork {
            trunk: Some(trunk),
            auth_done: false,
            invite,
            peer,
            provisional: false,
            cancel_wanted: false,
            done: false,
        })
    }

    /// Answers a carrier's 401/407 to branch `n` once with the trunk's credentials
    /// (RFC 3261 §22.2: same Call-ID and tags, CSeq + 1, new branch); false when the
    /// branch cannot or may not answer it.
    pub(super) fn answer_carrier_challenge(
        &mut self,
        now: Instant,
        call: &mut Call,
        n: usize,
        response: &Response,
    ) -> bool {
        let Some(fork) = call.forks.get_mut(n) else {
            return false;
        };
        let Some(trunk) = fork.trunk.clone() else {
            return false;
        };
        let (Some(user), Some(secret)) = (&trunk.username, &trunk.secret) else {
            return false;
        };
        if fork.auth_done {
            return false;
        }
        let mut invite = fork.invite.clone();
        let cnonce = format!("{:016x}", rand::random::<u64>());
        if authorize(&mut invite, response, user, secret, &cnonce, 1).is_err() {
            return false;
        }
        invite.headers.remove(&HeaderName::Via);
        invite
            .headers
            .push_front(HeaderName::Via, self.via(fork.peer.transport));
        invite.headers.set(
            HeaderName::CSeq,
            format!("{} INVITE", cseq_of(&fork.invite) + 1),
        );
        seal(&mut invite);
        let tx = self
            .transactions
            .send_request(now, fork.peer, invite.clone());
        self.calls.clients.insert(tx, (call.key, Role::Fork(n)));
        fork.invite = invite;
        fork.auth_done = true;
        fork.provisional = false;
        true
    }

    /// After branch `n` failed with `status`, starts the next usable trunk; true if one
    /// was started.
    pub(super) fn fail_over(
        &mut self,
        now: Instant,
        call: &mut Call,
        n: usize,
        status: u16,
    ) -> bool {
        let from_trunk = call.forks.get(n).is_some_and(|f| f.trunk.is_some());
        if !from_trunk || !fails_over(status) {
            return false;
        }
        while let Some((trunk, number)) = call.attempts.pop_front() {
            if !self.trunk_usable(call.tenant, &trunk) {
                continue;
            }
            let out = call.out.clone();
            if let Some(fork) = self.trunk_fork(now, &out, call.forks.len(), trunk, &number) {
                call.forks.push(fork);
                return true;
            }
        }
        false
    }
}

impl SipCore {
    /// Branch `n` got nothing from its carrier in time: give up on it (it is cancelled if
    /// it answers later, RFC 3261 §9.1) and fail over; with no trunk left the caller gets
    /// 503 (the "fail fast with 503").
    pub(super) fn carrier_silent(&mut self, now: Instant, call: &mut Call, n: usize) {
        let Some(fork) = call.forks.get_mut(n) else {
            return;
        };
        if fork.done || fork.provisional || !matches!(call.phase, Phase::Early | Phase::Transfer) {
            return;
        }
        fork.cancel_wanted = true;
        tracing::info!(call = %call.uuid, "carrier silent; trying the next trunk");
        self.fork_failed(
            now,
            call,
            n,
            503,
            "Service Unavailable (carrier not answering)",
        );
    }
}

/// A host for a URI: IPv6 literals in brackets (RFC 3261 §25.1).
fn bracketed(host: &str) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host.to_owned()
    }
}
