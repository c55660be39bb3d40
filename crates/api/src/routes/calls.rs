//! Calls in progress: `GET /tenants/{domain}/calls` lists a tenant's (a tenant user only
//! its own, like CDRs), `GET /calls` counts them per tenant for the platform admin.
//!
//! Invariants: the engine's live view is read, never changed; without an engine (an API
//! run alone) the lists are empty.

use crate::auth::{Caller, Need};
use crate::live::{counts, visible, ActiveCall};
use crate::{ApiError, ApiState};
use axum::extract::{Path, State};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

/// A tenant's calls in progress.
#[derive(Serialize, ToSchema)]
pub struct CallList {
    /// The calls, oldest first.
    pub items: Vec<ActiveCall>,
}

/// How many calls one tenant has in progress.
#[derive(Serialize, ToSchema)]
pub struct TenantCalls {
    /// The tenant's SIP domain.
    pub domain: String,
    /// Its calls in progress.
    pub calls: usize,
}

/// Calls in progress of every tenant.
#[derive(Serialize, ToSchema)]
pub struct CallCounts {
    /// Every tenant, by domain.
    pub items: Vec<TenantCalls>,
    /// All calls in progress.
    pub total: usize,
}

/// Lists a tenant's calls in progress.
#[utoipa::path(get, path = "/api/v1/tenants/{domain}/calls", tag = "calls",
    params(("domain" = String, Path, description = "SIP domain")),
    responses((status = 200, body = CallList), (status = 404)),
    security(("token" = []), ("session" = [])))]
pub async fn list(
    State(state): State<ApiState>,
    caller: Caller,
    Path(domain): Path<String>,
) -> Result<Json<CallList>, ApiError> {
    let (tenant, _) = caller.tenant(&state, &domain, Need::Cdrs).await?;
    Ok(Json(CallList {
        items: visible(&state, &caller, tenant.id),
    }))
}

/// Counts the calls in progress of every tenant (platform admin).
#[utoipa::path(get, path = "/api/v1/calls", tag = "calls",
    responses((status = 200, body = CallCounts), (status = 403)),
    security(("token" = []), ("session" = [])))]
pub async fn counts_all(
    State(state): State<ApiState>,
    caller: Caller,
) -> Result<Json<CallCounts>, ApiError> {
    caller.require_platform()?;
    let counts = counts(&state);
    let mut items: Vec<TenantCalls> = state
        .store
        .list_tenants()
        .await?
        .into_iter()
        .map(|t| TenantCalls {
            calls: counts.get(&t.id).copied().unwrap_or(0),
            domain: t.domain.to_string(),
        })
        .collect();
    items.sort_by(|a, b| a.domain.cmp(&b.domain));
    let total = items.iter().map(|t| t.calls).sum();
    Ok(Json(CallCounts { items, total }))
}
