//! `/tenants`: list (each caller sees the tenants it belongs to; the platform admin all),
//! get, create-or-update by domain (PUT, platform admin), delete (platform admin).
//!
//! Invariants: PUT is idempotent (the same body twice leaves the same tenant and answers
//! the same body; 201 the first time, 200 after); a domain the caller may not see is 404.

use crate::auth::{Caller, Need};
use crate::extract::{ApiJson, ApiQuery};
use crate::page::{paginate, Page};
use crate::state::unix_now;
use crate::{ApiError, ApiState};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use vpbx_model::Domain;
use vpbx_store::Tenant;

/// A tenant as the API shows it.
#[derive(Serialize, ToSchema, PartialEq, Debug)]
pub struct TenantOut {
    /// The tenant's SIP domain.
    pub domain: String,
    /// Disabled tenants keep their data but get no service.
    pub enabled: bool,
    /// Creation time, unix seconds.
    pub created_at: i64,
}

impl From<Tenant> for TenantOut {
    fn from(t: Tenant) -> TenantOut {
        TenantOut {
            domain: t.domain.to_string(),
            enabled: t.enabled,
            created_at: t.created_at,
        }
    }
}

/// `GET /tenants` query.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TenantQuery {
    /// Only enabled (`true`) or disabled (`false`) tenants.
    pub enabled: Option<bool>,
    /// Page size, 1 to 1000 (default 100).
    pub limit: Option<u32>,
    /// Items to skip.
    pub offset: Option<usize>,
}

/// `PUT /tenants/{domain}` body.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TenantBody {
    /// Serve the tenant (default true).
    pub enabled: Option<bool>,
}

/// Lists tenants, ordered by domain.
#[utoipa::path(get, path = "/api/v1/tenants", tag = "tenants", params(TenantQuery),
    responses((status = 200, body = Page<TenantOut>)), security(("token" = []), ("session" = [])))]
pub async fn list(
    State(state): State<ApiState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<TenantQuery>,
) -> Result<Json<Page<TenantOut>>, ApiError> {
    let tenants: Vec<TenantOut> = state
        .store
        .list_tenants()
        .await?
        .into_iter()
        .filter(|t| caller.sees(&t.domain))
        .filter(|t| q.enabled.is_none_or(|e| e == t.enabled))
        .map(TenantOut::from)
        .collect();
    Ok(Json(paginate(tenants, q.limit, q.offset)?))
}

/// One tenant.
#[utoipa::path(get, path = "/api/v1/tenants/{domain}", tag = "tenants",
    params(("domain" = String, Path, description = "SIP domain")),
    responses((status = 200, body = TenantOut), (status = 404)), security(("token" = []), ("session" = [])))]
pub async fn get(
    State(state): State<ApiState>,
    caller: Caller,
    Path(domain): Path<String>,
) -> Result<Json<TenantOut>, ApiError> {
    let (tenant, _) = caller.tenant(&state, &domain, Need::Cdrs).await?;
    Ok(Json(tenant.into()))
}

/// Creates the tenant, or sets whether it is enabled (platform admin).
#[utoipa::path(put, path = "/api/v1/tenants/{domain}", tag = "tenants", request_body = TenantBody,
    params(("domain" = String, Path, description = "SIP domain")),
    responses((status = 201, body = TenantOut), (status = 200, body = TenantOut)),
    security(("token" = []), ("session" = [])))]
pub async fn put(
    State(state): State<ApiState>,
    caller: Caller,
    Path(domain): Path<String>,
    ApiJson(body): ApiJson<TenantBody>,
) -> Result<(StatusCode, Json<TenantOut>), ApiError> {
    if !caller.is_platform() {
        caller.tenant(&state, &domain, Need::Write).await?;
        return Err(ApiError::Forbidden);
    }
    let domain: Domain = domain.parse()?;
    let enabled = body.enabled.unwrap_or(true);
    let (status, tenant) = match state.store.tenant_by_domain(&domain).await? {
        Some(t) => (StatusCode::OK, t),
        None => (
            StatusCode::CREATED,
            state.store.create_tenant(&domain, unix_now()).await?,
        ),
    };
    if tenant.enabled != enabled {
        state.store.set_tenant_enabled(&domain, enabled).await?;
    }
    Ok((
        status,
        Json(TenantOut {
            enabled,
            ..tenant.into()
        }),
    ))
}

/// Deletes the tenant and everything it owns (platform admin).
#[utoipa::path(delete, path = "/api/v1/tenants/{domain}", tag = "tenants",
    params(("domain" = String, Path, description = "SIP domain")),
    responses((status = 204), (status = 404)), security(("token" = []), ("session" = [])))]
pub async fn delete(
    State(state): State<ApiState>,
    caller: Caller,
    Path(domain): Path<String>,
) -> Result<StatusCode, ApiError> {
    let (tenant, _) = caller.tenant(&state, &domain, Need::Write).await?;
    caller.require_platform()?;
    state.store.delete_tenant(&tenant.domain).await?;
    // The rows are gone (cascade); the tenant's files (voice prompts) go too. A failure
    // here leaves only unreachable files (tenant ids are never reused): log it.
    if let Some(data) = &state.config.data_dir {
        if let Err(e) = crate::prompts::remove_tenant_files(data, tenant.id) {
            tracing::warn!(tenant = %tenant.domain, error = %e, "cannot remove tenant files");
        }
    }
    Ok(StatusCode::NO_CONTENT)
}
