//! `GET /tenants/{domain}/registrations`: the tenant's unexpired registrar bindings
//! (RFC 3261 §10.3) as persisted by the engine's write-behind (about 100 ms behind live).

use crate::auth::{Caller, Need};
use crate::extract::ApiQuery;
use crate::page::{paginate, Page};
use crate::state::unix_now;
use crate::{ApiError, ApiState};
use axum::extract::{Path, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use vpbx_store::StoredBinding;

/// One registered contact.
#[derive(Serialize, ToSchema)]
pub struct RegistrationOut {
    /// The registered extension.
    pub extension: String,
    /// The Contact URI.
    pub contact: String,
    /// Expiry, unix seconds.
    pub expires_at: i64,
    /// The device's User-Agent.
    pub user_agent: Option<String>,
    /// Where the REGISTER came from, "ip:port".
    pub source: String,
    /// Transport, e.g. UDP.
    pub transport: String,
}

impl From<StoredBinding> for RegistrationOut {
    fn from(b: StoredBinding) -> RegistrationOut {
        RegistrationOut {
            extension: b.extension.to_string(),
            contact: b.uri,
            expires_at: b.expires_at,
            user_agent: b.user_agent,
            source: b.source,
            transport: b.transport,
        }
    }
}

/// `GET /registrations` query.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct RegistrationQuery {
    /// Only this extension's contacts.
    pub extension: Option<String>,
    /// Page size, 1 to 1000 (default 100).
    pub limit: Option<u32>,
    /// Items to skip.
    pub offset: Option<usize>,
}

/// Lists registrations, ordered by extension.
#[utoipa::path(get, path = "/api/v1/tenants/{domain}/registrations", tag = "registrations",
    params(("domain" = String, Path, description = "SIP domain"), RegistrationQuery),
    responses((status = 200, body = Page<RegistrationOut>)), security(("token" = []), ("session" = [])))]
pub async fn list(
    State(state): State<ApiState>,
    caller: Caller,
    Path(domain): Path<String>,
    ApiQuery(q): ApiQuery<RegistrationQuery>,
) -> Result<Json<Page<RegistrationOut>>, ApiError> {
    let (_, ts) = caller.tenant(&state, &domain, Need::Read).await?;
    let items: Vec<RegistrationOut> = ts
        .list_bindings(unix_now())
        .await?
        .into_iter()
        .filter(|b| {
            q.extension
                .as_deref()
                .is_none_or(|e| e == b.extension.as_str())
        })
        .map(RegistrationOut::from)
        .collect();
    Ok(Json(paginate(items, q.limit, q.offset)?))
}
