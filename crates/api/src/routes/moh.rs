//! `/tenants/{domain}/options/moh`: the tenant's music on hold (what `vpbx tenant options
//! --moh` changes): the prompt a held caller hears in a loop, or none.
//!
//! Invariants: the prompt must be one of the tenant's (a refused one names the field
//! `prompt`); the change goes through the store's change feed, so a running server uses it
//! for the next hold; admins read and change it, tenant users neither (403).

use crate::auth::{Caller, Need};
use crate::extract::ApiJson;
use crate::{ApiError, ApiState};
use axum::extract::{Path, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use vpbx_model::PromptName;
use vpbx_store::{StoreError, TenantStore};

/// The tenant's music on hold as the API shows it.
#[derive(Serialize, ToSchema, PartialEq, Debug)]
pub struct MohOut {
    /// The prompt played to held callers; null: music on hold is off.
    pub prompt: Option<String>,
}

/// `PUT /options/moh` body.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MohBody {
    /// A prompt of the tenant; null turns music on hold off (required either way, so a
    /// forgotten field does not turn it off).
    #[serde(deserialize_with = "Option::deserialize")]
    pub prompt: Option<String>,
}

/// The music on hold of `ts`.
async fn moh_out(ts: &TenantStore) -> Result<MohOut, ApiError> {
    Ok(MohOut {
        prompt: ts.moh().await?.map(|p| p.to_string()),
    })
}

/// The tenant's music on hold.
#[utoipa::path(get, path = "/api/v1/tenants/{domain}/options/moh", tag = "prompts",
    params(("domain" = String, Path, description = "SIP domain")),
    responses((status = 200, body = MohOut)), security(("token" = []), ("session" = [])))]
pub async fn get(
    State(state): State<ApiState>,
    caller: Caller,
    Path(domain): Path<String>,
) -> Result<Json<MohOut>, ApiError> {
    let (_, ts) = caller.tenant(&state, &domain, Need::Read).await?;
    Ok(Json(moh_out(&ts).await?))
}

/// Sets the prompt held callers hear, or with `{"prompt": null}` turns music on hold off.
#[utoipa::path(put, path = "/api/v1/tenants/{domain}/options/moh", tag = "prompts",
    params(("domain" = String, Path, description = "SIP domain")),
    request_body = MohBody,
    responses((status = 200, body = MohOut),
        (status = 400, description = "no such prompt, or a malformed name: `field` is `prompt`")),
    security(("token" = []), ("session" = [])))]
pub async fn put(
    State(state): State<ApiState>,
    caller: Caller,
    Path(domain): Path<String>,
    ApiJson(body): ApiJson<MohBody>,
) -> Result<Json<MohOut>, ApiError> {
    let (_, ts) = caller.tenant(&state, &domain, Need::Write).await?;
    set(&ts, body.prompt.as_deref()).await?;
    Ok(Json(moh_out(&ts).await?))
}

/// Sets the music on hold of `ts` to `prompt` (`None` or blank: off), naming `prompt` when
/// it is malformed or no prompt of the tenant.
pub async fn set(ts: &TenantStore, prompt: Option<&str>) -> Result<(), ApiError> {
    let prompt = prompt
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            p.parse::<PromptName>()
                .map_err(|e| ApiError::invalid("prompt", e.reason))
        })
        .transpose()?;
    match ts.set_moh(prompt.as_ref()).await {
        Err(StoreError::NotFound(what)) if what.starts_with("prompt ") => Err(ApiError::invalid(
            "prompt",
            format!("{what} does not exist in this tenant"),
        )),
        other => Ok(other?),
    }
}
