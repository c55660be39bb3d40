//! Digest authentication of requests from phones (RFC 3261 §22, RFC 8760): REGISTER and
//! SUBSCRIBE are challenged as a registrar or notifier (401, §22.4), INVITE as a proxy
//! (407, §22.3).
//!
//! Invariants: credentials are checked only against users of the request's tenant, whose
//! domain is the realm; unknown users and wrong passwords cost the same and get the same
//! 403, so extensions cannot be enumerated; an expired nonce gets a new challenge with
//! `stale=true`.

use super::SipCore;
use crate::metrics::Metrics;
use crate::registry::TenantView;
use vpbx_sip_msg::{HeaderName, Request, Response};
use vpbx_sip_proto::digest::{Rejection, Verdict};
use vpbx_sip_proto::transaction::Peer;

/// Who challenges a request, which decides the headers and the status of the challenge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Challenger {
    /// A registrar or notifier: Authorization, 401 with WWW-Authenticate.
    Server,
    /// A proxy: Proxy-Authorization, 407 with Proxy-Authenticate.
    Proxy,
}

impl Challenger {
    /// The header the request's credentials come in.
    fn credentials(self) -> HeaderName {
        match self {
            Self::Server => HeaderName::Authorization,
            Self::Proxy => HeaderName::ProxyAuthorization,
        }
    }

    /// Status and reason of the challenge, and the header its challenges go in.
    fn challenge(self) -> (u16, &'static str, HeaderName) {
        match self {
            Self::Server => (401, "Unauthorized", HeaderName::WwwAuthenticate),
            Self::Proxy => (
                407,
                "Proxy Authentication Required",
                HeaderName::ProxyAuthenticate,
            ),
        }
    }
}

impl SipCore {
    /// Checks the digest credentials of `request` against the users of `tenant`. Ok is the
    /// authenticated user; Err is the answer to send: a challenge (missing credentials,
    /// forged or stale nonce) or 403 (counted as an authentication failure and logged with
    /// the method and `peer`). Every answer carries To tag `tag`.
    pub(super) fn authenticate(
        &self,
        now_unix: u64,
        request: &Request,
        tenant: &TenantView,
        challenger: Challenger,
        peer: Peer,
        tag: &str,
    ) -> Result<String, Response> {
        let realm = tenant.domain.as_str();
        let verdict = self.shared.verifier.verify_request(
            now_unix,
            request,
            &challenger.credentials(),
            realm,
            |user, alg| tenant.users.get(user).map(|s| s.ha1(alg).to_owned()),
        );
        match verdict {
            Verdict::Authenticated { username } => Ok(username),
            Verdict::Missing | Verdict::Rejected(Rejection::ForgedNonce) => {
                Err(self.challenge(now_unix, request, realm, challenger, false, tag))
            }
            Verdict::Stale => Err(self.challenge(now_unix, request, realm, challenger, true, tag)),
            Verdict::Rejected(why) => {
                Metrics::inc(&self.shared.metrics.auth_failures);
                tracing::info!(tenant = realm, source = %peer.addr, reason = %why, "{} authentication failed", request.method);
                Err(request.response(403, "Forbidden", Some(tag)))
            }
        }
    }

    /// A challenge of `challenger` for `realm` with every algorithm offered (RFC 8760 §2.4).
    fn challenge(
        &self,
        now_unix: u64,
        request: &Request,
        realm: &str,
        challenger: Challenger,
        stale: bool,
        tag: &str,
    ) -> Response {
        let (status, reason, header) = challenger.challenge();
        let mut r = request.response(status, reason, Some(tag));
        for c in self.shared.verifier.challenges(now_unix, realm, stale) {
            r.headers.push(header.clone(), c);
        }
        r
    }
}
