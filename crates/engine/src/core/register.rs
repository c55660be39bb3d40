//! REGISTER handling (RFC 3261 §10.3): tenant by domain, digest authentication
//! (RFC 8760), then the registrar rules of `sip-proto` applied to the location service.
//!
//! Invariants: a user can only bind its own address of record inside its own tenant;
//! unknown users and wrong passwords get the same answer (403 after a challenge) so
//! extensions cannot be enumerated.

use super::auth::Challenger;
use super::{date, tenant, SipCore};
use crate::metrics::Metrics;
use vpbx_sip_msg::{HeaderName, Host, Request, Response};
use vpbx_sip_proto::registrar;
use vpbx_sip_proto::transaction::Peer;

impl SipCore {
    pub(super) fn register(&mut self, now_unix: u64, request: &Request, peer: Peer) -> Response {
        let tag = self.next_tag();
        let tenant = match tenant::resolve(&self.shared.registry, request) {
            Ok(t) => t,
            Err(refusal) => return refusal.response(request, &tag),
        };
        let to = match request.headers.to() {
            Ok(to) => to,
            Err(e) => return request.response(400, &format!("Bad Request ({e})"), Some(&tag)),
        };
        if let Host::Domain(d) = &to.uri.host {
            if d != tenant.domain.as_str() {
                return request.response(404, "Not Found", Some(&tag));
            }
        }
        let username =
            match self.authenticate(now_unix, request, &tenant, Challenger::Server, peer, &tag) {
                Ok(username) => username,
                Err(answer) => return answer,
            };
        if to.uri.user.as_deref() != Some(username.as_str()) {
            Metrics::inc(&self.shared.metrics.auth_failures);
            return request.response(403, "Forbidden", Some(&tag));
        }
        let policy = &self.shared.policy;
        let result = self
            .shared
            .location
            .update(tenant.id, &username, |bindings| {
                let update = registrar::apply(
                    policy,
                    now_unix,
                    bindings,
                    request,
                    peer.addr,
                    peer.transport,
                )?;
                *bindings = update.bindings;
                Ok::<_, registrar::RegisterError>((bindings.clone(), update.changed))
            });
        match result {
            Ok((bindings, changed)) => {
                Metrics::inc(&self.shared.metrics.registrations);
                let mut ok = registrar::ok_response(request, &bindings, now_unix, &tag);
                ok.headers.push(HeaderName::Date, date::http_date(now_unix));
                ok.headers
                    .push(HeaderName::AllowEvents, super::ALLOW_EVENTS);
                if changed {
                    self.saves.push((tenant.id, username, bindings));
                }
                ok
            }
            Err(e) => registrar::error_response(request, &e, &tag),
        }
    }
}
