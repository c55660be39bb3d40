//! `/tenants/{domain}/numbers`: a tenant's numbers (DIDs): list, create-or-replace by
//! number (PUT), delete.
//!
//! Invariants: the number in the path is parsed in any usual form (`+7(495)2216005`,
//! `74952216005`) and stored canonical; PUT with the same body twice leaves one number with
//! the same trunk and target; a replace that fails puts the old row back.

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
use vpbx_model::TrunkName;
use vpbx_routing::{InboundTarget, PhoneNumber};
use vpbx_store::NumberRow;

/// A number as the API shows it.
#[derive(Serialize, ToSchema, PartialEq, Debug)]
pub struct NumberOut {
    /// Canonical digits, as carriers send them.
    pub number: String,
    /// As people write it.
    pub display: String,
    /// The trunk the carrier delivers it on.
    pub trunk: String,
    /// Where its calls go, e.g. `ext:1000`.
    pub target: String,
    /// Creation time, unix seconds.
    pub created_at: i64,
}

impl From<NumberRow> for NumberOut {
    fn from(n: NumberRow) -> NumberOut {
        NumberOut {
            number: n.number.to_string(),
            display: n.display,
            trunk: n.trunk.to_string(),
            target: n.target.to_string(),
            created_at: n.created_at,
        }
    }
}

/// `PUT /numbers/{number}` body.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NumberBody {
    /// The trunk the carrier delivers the number on.
    pub trunk: String,
    /// Where incoming calls go: `ext:NNNN`.
    pub target: String,
}

/// `GET /numbers` query.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct NumberQuery {
    /// Only numbers delivered on this trunk.
    pub trunk: Option<String>,
    /// Page size, 1 to 1000 (default 100).
    pub limit: Option<u32>,
    /// Items to skip.
    pub offset: Option<usize>,
}

/// Lists a tenant's numbers, ordered by number.
#[utoipa::path(get, path = "/api/v1/tenants/{domain}/numbers", tag = "numbers",
    params(("domain" = String, Path, description = "SIP domain"), NumberQuery),
    responses((status = 200, body = Page<NumberOut>)), security(("token" = []), ("session" = [])))]
pub async fn list(
    State(state): State<ApiState>,
    caller: Caller,
    Path(domain): Path<String>,
    ApiQuery(q): ApiQuery<NumberQuery>,
) -> Result<Json<Page<NumberOut>>, ApiError> {
    let (_, ts) = caller.tenant(&state, &domain, Need::Read).await?;
    let items: Vec<NumberOut> = ts
        .list_numbers()
        .await?
        .into_iter()
        .filter(|n| q.trunk.as_deref().is_none_or(|t| t == n.trunk.as_str()))
        .map(NumberOut::from)
        .collect();
    Ok(Json(paginate(items, q.limit, q.offset)?))
}

/// Adds the number, or changes its trunk and target.
#[utoipa::path(put, path = "/api/v1/tenants/{domain}/numbers/{number}", tag = "numbers", request_body = NumberBody,
    params(("domain" = String, Path, description = "SIP domain"), ("number" = String, Path, description = "the number")),
    responses((status = 201, body = NumberOut), (status = 200, body = NumberOut), (status = 409)),
    security(("token" = []), ("session" = [])))]
pub async fn put(
    State(state): State<ApiState>,
    caller: Caller,
    Path((domain, number)): Path<(String, String)>,
    ApiJson(body): ApiJson<NumberBody>,
) -> Result<(StatusCode, Json<NumberOut>), ApiError> {
    let (_, ts) = caller.tenant(&state, &domain, Need::Write).await?;
    let number = PhoneNumber::parse("number", &number)?;
    let trunk: TrunkName = body.trunk.parse()?;
    let target: InboundTarget = body.target.parse()?;
    let old = ts
        .list_numbers()
        .await?
        .into_iter()
        .find(|n| n.number == number);
    let Some(old) = old else {
        let row = ts.add_number(&number, &trunk, &target, unix_now()).await?;
        return Ok((StatusCode::CREATED, Json(row.into())));
    };
    if old.trunk == trunk && old.target == target {
        return Ok((StatusCode::OK, Json(old.into())));
    }
    ts.remove_number(&number).await?;
    match ts
        .add_number(&number, &trunk, &target, old.created_at)
        .await
    {
        Ok(row) => Ok((StatusCode::OK, Json(row.into()))),
        Err(e) => {
            ts.add_number(&old.number, &old.trunk, &old.target, old.created_at)
                .await?;
            Err(e.into())
        }
    }
}

/// Removes the number.
#[utoipa::path(delete, path = "/api/v1/tenants/{domain}/numbers/{number}", tag = "numbers",
    params(("domain" = String, Path, description = "SIP domain"), ("number" = String, Path, description = "the number")),
    responses((status = 204), (status = 404)), security(("token" = []), ("session" = [])))]
pub async fn delete(
    State(state): State<ApiState>,
    caller: Caller,
    Path((domain, number)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let (_, ts) = caller.tenant(&state, &domain, Need::Write).await?;
    ts.remove_number(&PhoneNumber::parse("number", &number)?)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
