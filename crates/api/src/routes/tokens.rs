//! `/tokens`: API tokens of the calling account — create (the secret is shown once),
//! list, revoke. The platform admin may list and revoke every account's tokens.
//!
//! Invariants: only the SHA-256 hash of a token is stored; a token acts as its account
//! with that account's role; an account other than the platform admin never sees or
//! revokes another account's token (404, as if absent). The rules are
//! [`crate::tokens`]'s, shared with the web cabinet.

use crate::auth::Caller;
use crate::extract::{ApiJson, ApiQuery};
use crate::page::{paginate, Page};
use crate::tokens as shared;
use crate::{ApiError, ApiState};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use vpbx_store::TokenRow;

/// A token as listed (never its secret).
#[derive(Serialize, ToSchema)]
pub struct TokenOut {
    /// Id, used to revoke it.
    pub id: i64,
    /// The account it acts as.
    pub account: String,
    /// Its label.
    pub label: String,
    /// Creation time, unix seconds.
    pub created_at: i64,
}

impl From<TokenRow> for TokenOut {
    fn from(t: TokenRow) -> TokenOut {
        TokenOut {
            id: t.id,
            account: t.account.to_string(),
            label: t.name,
            created_at: t.created_at,
        }
    }
}

/// A newly created token with its secret, shown only in this answer.
#[derive(Serialize, ToSchema)]
pub struct NewToken {
    /// The token's row.
    #[serde(flatten)]
    pub token: TokenOut,
    /// The secret to send as `Authorization: Bearer SECRET`.
    pub secret: String,
}

/// `POST /tokens` body.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenBody {
    /// A label to recognise the token by, 1 to 64 characters.
    pub label: String,
}

/// `GET /tokens` query.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TokenQuery {
    /// Tokens of this account (platform admin only; default: the caller's own).
    pub account: Option<String>,
    /// Page size, 1 to 1000 (default 100).
    pub limit: Option<u32>,
    /// Items to skip.
    pub offset: Option<usize>,
}

/// Lists API tokens: the caller's own, or another account's for the platform admin.
#[utoipa::path(get, path = "/api/v1/tokens", tag = "tokens", params(TokenQuery),
    responses((status = 200, body = Page<TokenOut>), (status = 403)),
    security(("token" = []), ("session" = [])))]
pub async fn list(
    State(state): State<ApiState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<TokenQuery>,
) -> Result<Json<Page<TokenOut>>, ApiError> {
    let tokens: Vec<TokenOut> = shared::list(&state, &caller, q.account.as_deref())
        .await?
        .into_iter()
        .map(TokenOut::from)
        .collect();
    Ok(Json(paginate(tokens, q.limit, q.offset)?))
}

/// Creates a token for the calling account; the secret is in this answer only. Send an
/// `Idempotency-Key` header to make a retry return the same token instead of a second.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "tokens", request_body = TokenBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "retry key, 1 to 255 visible characters")),
    responses((status = 201, body = NewToken), (status = 400)),
    security(("token" = []), ("session" = [])))]
pub async fn create(
    State(state): State<ApiState>,
    caller: Caller,
    ApiJson(body): ApiJson<TokenBody>,
) -> Result<(StatusCode, Json<NewToken>), ApiError> {
    let (row, secret) = shared::create(&state, &caller, &body.label).await?;
    Ok((
        StatusCode::CREATED,
        Json(NewToken {
            token: row.into(),
            secret,
        }),
    ))
}

/// Revokes a token: the caller's own, or any for the platform admin.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "tokens",
    params(("id" = i64, Path, description = "token id")),
    responses((status = 204), (status = 404)), security(("token" = []), ("session" = [])))]
pub async fn revoke(
    State(state): State<ApiState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    shared::revoke(&state, &caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
