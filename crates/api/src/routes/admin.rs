//! `GET /admin/blocked`: addresses blocked after repeated failed logins (platform admin).

use crate::auth::Caller;
use crate::extract::ApiQuery;
use crate::page::{paginate, Page};
use crate::state::unix_now;
use crate::{ApiError, ApiState};
use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use std::time::Instant;
use utoipa::{IntoParams, ToSchema};

/// A blocked source address.
#[derive(Serialize, ToSchema)]
pub struct BlockedOut {
    /// The IP address.
    pub address: String,
    /// When the block started, unix seconds.
    pub since: i64,
    /// When it ends, unix seconds.
    pub until: i64,
}

/// `GET /admin/blocked` query.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct BlockedQuery {
    /// Page size, 1 to 1000 (default 100).
    pub limit: Option<u32>,
    /// Items to skip.
    pub offset: Option<usize>,
}

/// Lists the addresses blocked now.
#[utoipa::path(get, path = "/api/v1/admin/blocked", tag = "admin", params(BlockedQuery),
    responses((status = 200, body = Page<BlockedOut>), (status = 403)),
    security(("token" = []), ("session" = [])))]
pub async fn blocked(
    State(state): State<ApiState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<BlockedQuery>,
) -> Result<Json<Page<BlockedOut>>, ApiError> {
    caller.require_platform()?;
    let items = state
        .guard
        .blocked(Instant::now(), unix_now())
        .into_iter()
        .map(|b| BlockedOut {
            address: b.address.to_string(),
            since: b.since,
            until: b.until,
        })
        .collect();
    Ok(Json(paginate(items, q.limit, q.offset)?))
}
