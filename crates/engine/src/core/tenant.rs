//! Which tenant a request is for: the domain of its Request-URI, or of its To header when
//! the Request-URI names a bare IP address (phones that register to an address).
//!
//! Invariant: an unknown domain and a disabled tenant are refused with a bare status
//! (404 / 403) and nothing else; the refusal never names other tenants or users.

use crate::registry::{Registry, TenantView};
use std::sync::Arc;
use vpbx_sip_msg::{Host, Request, Response};

/// Why a request has no tenant to serve it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No tenant has this domain (RFC 3261 §21.4.5, 404).
    UnknownDomain,
    /// The tenant exists but is disabled (403).
    Disabled,
}

impl Refusal {
    /// The bare response for this refusal.
    pub fn response(self, request: &Request, to_tag: &str) -> Response {
        match self {
            Refusal::UnknownDomain => request.response(404, "Not Found", Some(to_tag)),
            Refusal::Disabled => request.response(403, "Forbidden", Some(to_tag)),
        }
    }
}

/// The domain a request is addressed to, lower-case.
pub fn domain_of(request: &Request) -> Option<String> {
    match &request.uri.host {
        Host::Domain(d) if !d.is_empty() => Some(d.clone()),
        _ => match request.headers.to().ok()?.uri.host {
            Host::Domain(d) if !d.is_empty() => Some(d),
            _ => None,
        },
    }
}

/// The enabled tenant serving `request`.
pub fn resolve(registry: &Registry, request: &Request) -> Result<Arc<TenantView>, Refusal> {
    let domain = domain_of(request).ok_or(Refusal::UnknownDomain)?;
    let tenant = registry.by_domain(&domain).ok_or(Refusal::UnknownDomain)?;
    if tenant.enabled {
        Ok(tenant)
    } else {
        Err(Refusal::Disabled)
    }
}
