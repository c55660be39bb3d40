//! REGISTER handling (RFC 3261 §10.3): tenant by domain, digest authentication
//! (RFC 8760), then the registrar rules of `sip-proto` applied to the location service.
//!
//! Invariants: a user can only bind its own address of record inside its own tenant;
//! unknown users and wrong passwords get the same answer (403 after a challenge) so
//! extensions cannot be enumerated.

use super::{date, tenant, SipCore};
use crate::metrics::Metrics;
use vpbx_sip_msg::{HeaderName, Host, Request, Response};
use vpbx_sip_proto::digest::{Rejection, Verdict};
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
        let realm = tenant.domain.as_str();
        let verdict = self.shared.verifier.verify_request(
            now_unix,
            request,
            &HeaderName::Authorization,
            realm,
            |user, alg| tenant.users.get(user).map(|s| s.ha1(alg).to_owned()),
        );
        let username = match verdict {
            Verdict::Authenticated { username } => username,
            Verdict::Missing | Verdict::Rejected(Rejection::ForgedNonce) => {
                return self.challenge(now_unix, request, realm, false, &tag)
            }
            Verdict::Stale => return self.challenge(now_unix, request, realm, true, &tag),
            Verdict::Rejected(why) => {
                Metrics::inc(&self.shared.metrics.auth_failures);
                tracing::info!(tenant = realm, source = %peer.addr, reason = %why, "REGISTER authentication failed");
                return request.response(403, "Forbidden", Some(&tag));
            }
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

    pub(super) fn challenge(
        &self,
        now_unix: u64,
        request: &Request,
        realm: &str,
        stale: bool,
        tag: &str,
    ) -> Response {
        let mut r = request.response(401, "Unauthorized", Some(tag));
        for c in self.shared.verifier.challenges(now_unix, realm, stale) {
            r.headers.push(HeaderName::WwwAuthenticate, c);
        }
        r
    }
}
