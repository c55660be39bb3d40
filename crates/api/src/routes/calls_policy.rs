//! `/tenants/{domain}/options/calls`: the tenant's toll-fraud policy (what `vpbx tenant
//! allow` changes; issue 4, seed 001): whether international calls are allowed, and only
//! to which E.164 country or number prefixes. Emergency calls are always allowed.
//!
//! Invariants: each prefix is validated (digits only, naming `allow_prefixes[i]`); the
//! change goes through the store's change feed, so a running server uses it for the next
//! call; admins read and change it, tenant users neither (403), other tenants 404.

use crate::auth::{Caller, Need};
use crate::extract::ApiJson;
use crate::{ApiError, ApiState};
use axum::extract::{Path, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use vpbx_routing::{AllowPrefix, Policy};

/// The tenant's policy for calls abroad.
#[derive(Serialize, Deserialize, ToSchema, PartialEq, Debug)]
#[serde(deny_unknown_fields)]
pub struct CallsPolicy {
    /// Whether international calls are allowed at all.
    pub international_allowed: bool,
    /// When not empty, international calls go only to E.164 numbers starting with one of
    /// these (e.g. `39`, `37517`).
    #[serde(default)]
    pub allow_prefixes: Vec<String>,
}

impl From<Policy> for CallsPolicy {
    fn from(p: Policy) -> Self {
        CallsPolicy {
            international_allowed: p.international_allowed,
            allow_prefixes: p
                .allow_prefixes
                .iter()
                .map(|a| a.as_str().to_owned())
                .collect(),
        }
    }
}

/// The tenant's policy for calls abroad.
#[utoipa::path(get, path = "/api/v1/tenants/{domain}/options/calls", tag = "directions",
    params(("domain" = String, Path, description = "SIP domain")),
    responses((status = 200, body = CallsPolicy), (status = 403), (status = 404)),
    security(("token" = []), ("session" = [])))]
pub async fn get(
    State(state): State<ApiState>,
    caller: Caller,
    Path(domain): Path<String>,
) -> Result<Json<CallsPolicy>, ApiError> {
    let (_, ts) = caller.tenant(&state, &domain, Need::Read).await?;
    Ok(Json(ts.routing_policy().await?.into()))
}

/// Replaces the tenant's policy for calls abroad.
#[utoipa::path(put, path = "/api/v1/tenants/{domain}/options/calls", tag = "directions",
    params(("domain" = String, Path, description = "SIP domain")),
    request_body = CallsPolicy,
    responses((status = 200, body = CallsPolicy),
        (status = 400, description = "a malformed prefix: `field` is `allow_prefixes[i]`"),
        (status = 403), (status = 404)),
    security(("token" = []), ("session" = [])))]
pub async fn put(
    State(state): State<ApiState>,
    caller: Caller,
    Path(domain): Path<String>,
    ApiJson(body): ApiJson<CallsPolicy>,
) -> Result<Json<CallsPolicy>, ApiError> {
    let (_, ts) = caller.tenant(&state, &domain, Need::Write).await?;
    let allow_prefixes = body
        .allow_prefixes
        .iter()
        .enumerate()
        .map(|(i, p)| {
            p.parse::<AllowPrefix>()
                .map_err(|e| ApiError::invalid(&format!("allow_prefixes[{i}]"), e.to_string()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let policy = Policy {
        international_allowed: body.international_allowed,
        allow_prefixes,
    };
    ts.set_routing_policy(&policy).await?;
    Ok(Json(ts.routing_policy().await?.into()))
}
