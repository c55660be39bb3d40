//! Calls from carriers (seed 000 §4.5.1 `dial_numbers`): an INVITE from the address of an
//! IP-authenticated trunk (Asterisk `insecure=invite,port`) to one of the numbers of that
//! trunk's tenant rings the number's target; no digest is asked of the carrier.
//!
//! Invariants: the tenant comes from the number (a number belongs to one tenant) and must
//! own a trunk at the request's source address, so a carrier can only reach the tenants it
//! serves; a request that names no such number falls back to the ordinary phone path
//! (digest), so phones sharing the carrier's address are not let in unauthenticated.

use super::setup::{Destination, Setup};
use crate::active::Limits;
use crate::core::SipCore;
use crate::registry::TenantTrunk;
use std::time::Instant;
use vpbx_routing::{route_inbound, InboundTarget, PhoneNumber};
use vpbx_sip_msg::{Request, Response};
use vpbx_sip_proto::transaction::{Peer, ServerTxId};

impl SipCore {
    /// Handles an INVITE from a carrier if it is one (its source is an insecure trunk and
    /// it names a number of that trunk's tenant); `None` when it is not a carrier call.
    pub(in crate::core) fn carrier_invite(
        &mut self,
        now: Instant,
        now_unix: u64,
        tx: ServerTxId,
        request: &Request,
        peer: Peer,
    ) -> Option<Option<Response>> {
        let carriers = self.shared.registry.trunks_at(peer.addr.ip());
        if carriers.is_empty() {
            return None;
        }
        let sent = request.uri.user.clone()?;
        let (tenant, trunk) = carrier_for(&self.shared.registry, &carriers, &sent)?;
        let tag = self.dialog_tag(request);
        let (callee, dest) = match route_inbound(&tenant.routing, &sent) {
            Some(InboundTarget::Extension(ext)) => {
                let ext = ext.as_str().to_owned();
                let Some(user) = tenant.users.get(&ext) else {
                    return Some(Some(request.response(404, "Not Found", Some(&tag))));
                };
                let limits = Limits {
                    call_limit: user.call_limit.or(self.shared.default_call_limit),
                    busy_level: user.busy_level,
                };
                (ext.clone(), Destination::Extension { ext, limits })
            }
            Some(InboundTarget::Ivr(menu)) => (sent.clone(), Destination::Ivr(menu)),
            Some(InboundTarget::Disa) => (sent.clone(), Destination::Disa),
            _ => return Some(Some(request.response(404, "Not Found", Some(&tag)))),
        };
        let Ok(from) = request.headers.from() else {
            return Some(Some(request.response(
                400,
                "Bad Request (From)",
                Some(&tag),
            )));
        };
        let caller = from
            .uri
            .user
            .clone()
            .unwrap_or_else(|| "anonymous".to_owned());
        tracing::info!(tenant = %tenant.domain, trunk = %trunk.name, number = %sent, to = %callee, "call from carrier");
        let setup = Setup {
            tenant: &tenant,
            caller,
            caller_key: format!("trunk:{}", trunk.name),
            caller_limits: Limits {
                call_limit: trunk.call_limit,
                busy_level: None,
            },
            callee,
            dest,
            from: &from,
            tag: &tag,
        };
        Some(self.admit_and_fork(now, now_unix, tx, request, peer, setup))
    }
}

/// The tenant owning number `sent` (as the carrier sent it; a Russian 10-digit national
/// form is tried with country code 7) and its trunk among `carriers`.
fn carrier_for(
    registry: &crate::registry::Registry,
    carriers: &[TenantTrunk],
    sent: &str,
) -> Option<TenantTrunk> {
    let number = PhoneNumber::parse("number", sent).ok()?;
    let tenant = registry.by_number(number.as_str()).or_else(|| {
        (sent.len() == 10)
            .then(|| registry.by_number(&format!("7{sent}")))
            .flatten()
    })?;
    carriers
        .iter()
        .find(|(t, _)| t.id == tenant.id)
        .map(|(_, k)| (tenant.clone(), k.clone()))
}
