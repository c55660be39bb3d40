//! `GET /tenants/{domain}/route-trace?from=EXT&to=NUMBER`: where a call would go and why,
//! every rule considered (like ECSS-10 `routing/trace`, seed 002), from the stored
//! configuration; nothing is dialled.

use crate::auth::{Caller, Need};
use crate::extract::ApiQuery;
use crate::{ApiError, ApiState};
use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;
use vpbx_model::Extension;
use vpbx_routing::{decide, Decision, TenantRouting};

/// `GET /route-trace` query.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TraceQuery {
    /// The calling extension.
    pub from: String,
    /// The dialled number.
    pub to: String,
}

/// Traces the routing decision of one call.
#[utoipa::path(get, path = "/api/v1/tenants/{domain}/route-trace", tag = "routing",
    params(("domain" = String, Path, description = "SIP domain"), TraceQuery),
    responses((status = 200, description = "the decision: target and trace", body = Object)),
    security(("token" = []), ("session" = [])))]
pub async fn trace(
    State(state): State<ApiState>,
    caller: Caller,
    Path(domain): Path<String>,
    ApiQuery(q): ApiQuery<TraceQuery>,
) -> Result<Json<Decision>, ApiError> {
    let (_, ts) = caller.tenant(&state, &domain, Need::Read).await?;
    let from: Extension = q
        .from
        .parse()
        .map_err(|e: vpbx_model::ModelError| ApiError::invalid("from", e.reason))?;
    if q.to.is_empty() {
        return Err(ApiError::invalid("to", "give the dialled number"));
    }
    let routing: TenantRouting = ts.load_routing().await?.into();
    Ok(Json(decide(&routing, &from, &q.to)))
}
