//! DISA over the API (issue 5 item 7; seed 000 §4.6 `disa_enabled` for the tenant, then per
//! user): `/tenants/{domain}/options/disa` reads and switches the tenant's DISA and lists
//! the extensions allowed to use it; `/tenants/{domain}/users/{ext}/disa` gives one
//! extension a PIN (`PUT`) or takes DISA away from it (`DELETE`). What `vpbx tenant options
//! --disa` and `vpbx user disa` change.
//!
//! Invariants: a PIN is never returned nor stored, only its hash
//! (`vpbx_ivr::disa::DisaPin::hash`); a malformed PIN is refused naming `pin`; changes go
//! through the store's change feed, so a running server uses them for the next call;
//! admins read and change DISA, tenant users neither (403), other tenants 404.

use crate::auth::{Caller, Need};
use crate::extract::ApiJson;
use crate::{ApiError, ApiState};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use vpbx_ivr::disa::DisaPin;
use vpbx_model::Extension;
use vpbx_store::TenantStore;

/// The tenant's DISA as the API shows it.
#[derive(Serialize, ToSchema, PartialEq, Debug)]
pub struct DisaOut {
    /// Whether numbers routed `disa` answer.
    pub enabled: bool,
    /// The extensions that have a PIN, in order.
    pub users: Vec<String>,
}

/// `PUT /options/disa` body.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DisaBody {
    /// Whether numbers routed `disa` answer.
    pub enabled: bool,
}

/// `PUT /users/{ext}/disa` body.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DisaPinBody {
    /// The PIN the caller keys after the extension: 4 to 12 digits (only its hash is kept).
    pub pin: String,
}

/// The DISA settings of `ts`.
pub async fn disa_out(ts: &TenantStore) -> Result<DisaOut, ApiError> {
    Ok(DisaOut {
        enabled: ts.disa_enabled().await?,
        users: ts.disa_pins().await?.into_keys().collect(),
    })
}

/// Gives `ext` of `ts` the DISA PIN `pin`, naming `pin` when it is malformed.
pub async fn set_pin(ts: &TenantStore, ext: &Extension, pin: &str) -> Result<(), ApiError> {
    let pin: DisaPin = pin
        .trim()
        .parse()
        .map_err(|e: vpbx_ivr::disa::PinError| ApiError::invalid("pin", e.to_string()))?;
    ts.set_disa_pin(ext, Some(&pin.hash(ext))).await?;
    Ok(())
}

/// The tenant's DISA switch and the extensions allowed to use it.
#[utoipa::path(get, path = "/api/v1/tenants/{domain}/options/disa", tag = "users",
    params(("domain" = String, Path, description = "SIP domain")),
    responses((status = 200, body = DisaOut), (status = 403), (status = 404)),
    security(("token" = []), ("session" = [])))]
pub async fn get(
    State(state): State<ApiState>,
    caller: Caller,
    Path(domain): Path<String>,
) -> Result<Json<DisaOut>, ApiError> {
    let (_, ts) = caller.tenant(&state, &domain, Need::Read).await?;
    let mut out = disa_out(&ts).await?;
    out.users.sort();
    Ok(Json(out))
}

/// Switches DISA on or off for the tenant.
#[utoipa::path(put, path = "/api/v1/tenants/{domain}/options/disa", tag = "users",
    params(("domain" = String, Path, description = "SIP domain")),
    request_body = DisaBody,
    responses((status = 200, body = DisaOut), (status = 400), (status = 403), (status = 404)),
    security(("token" = []), ("session" = [])))]
pub async fn put(
    State(state): State<ApiState>,
    caller: Caller,
    Path(domain): Path<String>,
    ApiJson(body): ApiJson<DisaBody>,
) -> Result<Json<DisaOut>, ApiError> {
    let (_, ts) = caller.tenant(&state, &domain, Need::Write).await?;
    ts.set_disa_enabled(body.enabled).await?;
    let mut out = disa_out(&ts).await?;
    out.users.sort();
    Ok(Json(out))
}

/// Lets the extension dial out through DISA with this PIN (replacing an earlier one).
#[utoipa::path(put, path = "/api/v1/tenants/{domain}/users/{ext}/disa", tag = "users",
    params(("domain" = String, Path, description = "SIP domain"),
        ("ext" = String, Path, description = "extension")),
    request_body = DisaPinBody,
    responses((status = 204), (status = 400, description = "`field` is `pin`"),
        (status = 403), (status = 404)),
    security(("token" = []), ("session" = [])))]
pub async fn put_pin(
    State(state): State<ApiState>,
    caller: Caller,
    Path((domain, ext)): Path<(String, String)>,
    ApiJson(body): ApiJson<DisaPinBody>,
) -> Result<StatusCode, ApiError> {
    let (_, ts) = caller.tenant(&state, &domain, Need::Write).await?;
    let ext: Extension = ext.parse()?;
    set_pin(&ts, &ext, &body.pin).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Takes DISA away from the extension.
#[utoipa::path(delete, path = "/api/v1/tenants/{domain}/users/{ext}/disa", tag = "users",
    params(("domain" = String, Path, description = "SIP domain"),
        ("ext" = String, Path, description = "extension")),
    responses((status = 204), (status = 403), (status = 404)),
    security(("token" = []), ("session" = [])))]
pub async fn delete_pin(
    State(state): State<ApiState>,
    caller: Caller,
    Path((domain, ext)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let (_, ts) = caller.tenant(&state, &domain, Need::Write).await?;
    let ext: Extension = ext.parse()?;
    ts.set_disa_pin(&ext, None).await?;
    Ok(StatusCode::NO_CONTENT)
}
