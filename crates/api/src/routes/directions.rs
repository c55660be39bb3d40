//! `/tenants/{domain}/directions`: a tenant's outbound directions: list, create (POST,
//! idempotent by content), delete by id.
//!
//! Invariants: a direction has no natural key, so a POST whose direction equals an
//! existing one (every field) returns that one with 200 instead of adding a copy; a new
//! one is 201.

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
use vpbx_routing::{Direction, DirectionKind, Pattern, Prefix};
use vpbx_store::NewDirection;

/// A direction as the API shows it.
#[derive(Serialize, ToSchema, PartialEq, Debug)]
pub struct DirectionOut {
    /// Id, for DELETE.
    pub id: i64,
    /// regional, international, emergency or other.
    pub kind: String,
    /// Own Asterisk pattern; null uses the kind's built-in ones.
    pub pattern: Option<String>,
    /// Leading characters stripped.
    pub strip: u8,
    /// Digits put in front.
    pub prefix: String,
    /// Trunks in failover order.
    pub trunks: Vec<String>,
    /// Among equally specific directions, lower first.
    pub priority: u32,
    /// Whether it is used.
    pub enabled: bool,
}

impl From<Direction> for DirectionOut {
    fn from(d: Direction) -> DirectionOut {
        DirectionOut {
            id: d.id,
            kind: d.kind.to_string(),
            pattern: d.pattern.map(|p| p.to_string()),
            strip: d.strip,
            prefix: d.prefix.to_string(),
            trunks: d.trunks.iter().map(ToString::to_string).collect(),
            priority: d.priority,
            enabled: d.enabled,
        }
    }
}

/// `POST /directions` body.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DirectionBody {
    /// regional, international, emergency or other (needs `pattern`).
    pub kind: String,
    /// Asterisk pattern instead of the kind's built-in ones.
    pub pattern: Option<String>,
    /// Leading characters to strip (default 0).
    #[serde(default)]
    pub strip: u8,
    /// Digits to put in front (default none).
    #[serde(default)]
    pub prefix: String,
    /// Trunks in failover order; at least one.
    pub trunks: Vec<String>,
    /// Lower first among equally specific directions (default 1).
    pub priority: Option<u32>,
    /// Use the direction (default true).
    pub enabled: Option<bool>,
}

/// `GET /directions` query.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DirectionQuery {
    /// Only directions of this kind.
    pub kind: Option<String>,
    /// Page size, 1 to 1000 (default 100).
    pub limit: Option<u32>,
    /// Items to skip.
    pub offset: Option<usize>,
}

/// Lists a tenant's directions, ordered by id.
#[utoipa::path(get, path = "/api/v1/tenants/{domain}/directions", tag = "directions",
    params(("domain" = String, Path, description = "SIP domain"), DirectionQuery),
    responses((status = 200, body = Page<DirectionOut>)), security(("token" = []), ("session" = [])))]
pub async fn list(
    State(state): State<ApiState>,
    caller: Caller,
    Path(domain): Path<String>,
    ApiQuery(q): ApiQuery<DirectionQuery>,
) -> Result<Json<Page<DirectionOut>>, ApiError> {
    let (_, ts) = caller.tenant(&state, &domain, Need::Read).await?;
    let kind = q
        .kind
        .as_deref()
        .map(str::parse::<DirectionKind>)
        .transpose()?;
    let items: Vec<DirectionOut> = ts
        .list_directions()
        .await?
        .into_iter()
        .filter(|d| kind.is_none_or(|k| k == d.kind))
        .map(DirectionOut::from)
        .collect();
    Ok(Json(paginate(items, q.limit, q.offset)?))
}

/// Adds a direction, or returns the identical existing one.
#[utoipa::path(post, path = "/api/v1/tenants/{domain}/directions", tag = "directions",
    request_body = DirectionBody, params(("domain" = String, Path, description = "SIP domain")),
    responses((status = 201, body = DirectionOut), (status = 200, body = DirectionOut), (status = 400)),
    security(("token" = []), ("session" = [])))]
pub async fn create(
    State(state): State<ApiState>,
    caller: Caller,
    Path(domain): Path<String>,
    ApiJson(body): ApiJson<DirectionBody>,
) -> Result<(StatusCode, Json<DirectionOut>), ApiError> {
    let (_, ts) = caller.tenant(&state, &domain, Need::Write).await?;
    if body.trunks.is_empty() {
        return Err(ApiError::invalid("trunks", "name at least one trunk"));
    }
    let new = NewDirection {
        kind: body.kind.parse()?,
        pattern: body.pattern.as_deref().map(Pattern::parse).transpose()?,
        strip: body.strip,
        prefix: body.prefix.parse::<Prefix>()?,
        trunks: body
            .trunks
            .iter()
            .map(|t| t.parse::<TrunkName>())
            .collect::<Result<_, _>>()?,
        priority: body.priority.unwrap_or(1),
        enabled: body.enabled.unwrap_or(true),
    };
    let same = ts.list_directions().await?.into_iter().find(|d| {
        d.kind == new.kind
            && d.pattern == new.pattern
            && d.strip == new.strip
            && d.prefix == new.prefix
            && d.trunks == new.trunks
            && d.priority == new.priority
            && d.enabled == new.enabled
    });
    if let Some(existing) = same {
        return Ok((StatusCode::OK, Json(existing.into())));
    }
    let added = ts.add_direction(&new, unix_now()).await?;
    Ok((StatusCode::CREATED, Json(added.into())))
}

/// Removes direction `id`.
#[utoipa::path(delete, path = "/api/v1/tenants/{domain}/directions/{id}", tag = "directions",
    params(("domain" = String, Path, description = "SIP domain"), ("id" = i64, Path, description = "direction id")),
    responses((status = 204), (status = 404)), security(("token" = []), ("session" = [])))]
pub async fn delete(
    State(state): State<ApiState>,
    caller: Caller,
    Path((domain, id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let (_, ts) = caller.tenant(&state, &domain, Need::Write).await?;
    let id: i64 = id
        .parse()
        .map_err(|_| ApiError::invalid("id", "must be a direction id (a number)"))?;
    ts.remove_direction(id).await?;
    Ok(StatusCode::NO_CONTENT)
}
