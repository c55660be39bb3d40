//! Who is calling and what they may touch: the [`Caller`] extractor (API token or session
//! cookie) and the tenant access rules.
//!
//! Invariants: a request without a valid token or unexpired session is 401 before any
//! handler runs; the platform admin may do everything; a tenant admin reaches only its own
//! tenant, and any other domain is 404 whether it exists or not (checked before the store
//! is asked, so timing does not tell either); a tenant user may only read the CDRs and the
//! voicemail of its own extension, anything else in its tenant is 403.

use crate::credentials::secret_hash;
use crate::state::unix_now;
use crate::{ApiError, ApiState};
use axum::extract::FromRequestParts;
use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use vpbx_model::Domain;
use vpbx_store::{Account, Role, Tenant, TenantStore};

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "vpbx_session";

/// The authenticated account of a request.
pub struct Caller(pub Account);

/// What a tenant-scoped handler is about to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    /// Read the tenant's configuration (admins).
    Read,
    /// Change the tenant's configuration (admins).
    Write,
    /// Read call records (admins; users their own).
    Cdrs,
    /// Read voicemail boxes and messages (admins; users their own extension's).
    Mailbox,
}

impl FromRequestParts<ApiState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &ApiState) -> Result<Self, ApiError> {
        let account = if let Some(token) = bearer(parts) {
            state.store.account_by_token(&secret_hash(token)).await?
        } else if let Some(session) = session_cookie(&parts.headers) {
            state
                .store
                .account_by_session(&secret_hash(session), unix_now())
                .await?
        } else {
            None
        };
        account.map(Caller).ok_or(ApiError::Unauthorized)
    }
}

/// The token of an `Authorization: Bearer` header, if any.
fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// The session id of the session cookie, if any.
pub fn session_cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value)
        .filter(|v| !v.is_empty())
}

impl Caller {
    /// Whether this is the platform admin.
    pub fn is_platform(&self) -> bool {
        self.0.role == Role::Platform
    }

    /// `Forbidden` unless this is the platform admin.
    pub fn require_platform(&self) -> Result<(), ApiError> {
        if self.is_platform() {
            Ok(())
        } else {
            Err(ApiError::Forbidden)
        }
    }

    /// Whether the caller belongs to the tenant `domain` (the platform admin to all).
    pub fn sees(&self, domain: &Domain) -> bool {
        self.is_platform() || self.0.domain.as_ref() == Some(domain)
    }

    /// The tenant `domain` and its store, if the caller may do `need` there: 404 for a
    /// tenant that does not exist or is not the caller's, 403 for a role that may not.
    pub async fn tenant(
        &self,
        state: &ApiState,
        domain: &str,
        need: Need,
    ) -> Result<(Tenant, TenantStore), ApiError> {
        let not_found = || ApiError::NotFound("tenant".into());
        let domain: Domain = match domain.parse() {
            Ok(d) => d,
            Err(e) if self.is_platform() => return Err(e.into()),
            Err(_) => return Err(not_found()),
        };
        if !self.sees(&domain) {
            return Err(not_found());
        }
        if self.0.role == Role::User && !matches!(need, Need::Cdrs | Need::Mailbox) {
            return Err(ApiError::Forbidden);
        }
        let tenant = state
            .store
            .tenant_by_domain(&domain)
            .await?
            .ok_or_else(not_found)?;
        let ts = state.store.tenant(tenant.id);
        Ok((tenant, ts))
    }
}
