//! `/accounts`: web and API accounts — the platform admin manages every account, a tenant
//! admin those of its own tenant; tenant users manage none.
//!
//! Invariants: passwords are write-only and stored as argon2id hashes; a tenant admin can
//! neither see, create nor remove an account of another tenant (404, as if absent) nor
//! create a platform account (403); PUT is idempotent: an existing account with the same
//! role, tenant and extension keeps them and only takes the new password, a different
//! one is a 409 conflict. The rules are [`crate::accounts`]'s, shared with the web
//! cabinet.

use crate::accounts::{self as shared, AccountBody, Put};
use crate::auth::Caller;
use crate::extract::{ApiJson, ApiQuery};
use crate::page::{paginate, Page};
use crate::{ApiError, ApiState};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use vpbx_store::Account;

/// An account as the API shows it (never its password hash).
#[derive(Serialize, ToSchema)]
pub struct AccountOut {
    /// Login name.
    pub name: String,
    /// `platform`, `admin` or `user`.
    pub role: String,
    /// The tenant's domain (absent for the platform admin).
    pub tenant: Option<String>,
    /// The extension a tenant user is bound to.
    pub extension: Option<String>,
    /// Creation time, unix seconds.
    pub created_at: i64,
}

impl From<Account> for AccountOut {
    fn from(a: Account) -> AccountOut {
        AccountOut {
            name: a.name.to_string(),
            role: a.role.to_string(),
            tenant: a.domain.map(|d| d.to_string()),
            extension: a.extension.map(|e| e.to_string()),
            created_at: a.created_at,
        }
    }
}

/// `GET /accounts` query.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AccountQuery {
    /// Only accounts of this tenant (platform admin; a tenant admin sees only its own).
    pub tenant: Option<String>,
    /// Page size, 1 to 1000 (default 100).
    pub limit: Option<u32>,
    /// Items to skip.
    pub offset: Option<usize>,
}

/// Lists the accounts the caller manages, ordered by name.
#[utoipa::path(get, path = "/api/v1/accounts", tag = "accounts", params(AccountQuery),
    responses((status = 200, body = Page<AccountOut>), (status = 403)),
    security(("token" = []), ("session" = [])))]
pub async fn list(
    State(state): State<ApiState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<AccountQuery>,
) -> Result<Json<Page<AccountOut>>, ApiError> {
    let accounts: Vec<AccountOut> = shared::visible(&state, &caller, q.tenant.as_deref())
        .await?
        .into_iter()
        .map(AccountOut::from)
        .collect();
    Ok(Json(paginate(accounts, q.limit, q.offset)?))
}

/// Creates the account, or sets the password of the same account.
#[utoipa::path(put, path = "/api/v1/accounts/{name}", tag = "accounts", request_body = AccountBody,
    params(("name" = String, Path, description = "login name")),
    responses((status = 201, body = AccountOut), (status = 200, body = AccountOut),
        (status = 400), (status = 403), (status = 409)),
    security(("token" = []), ("session" = [])))]
pub async fn put(
    State(state): State<ApiState>,
    caller: Caller,
    Path(name): Path<String>,
    ApiJson(body): ApiJson<AccountBody>,
) -> Result<(StatusCode, Json<AccountOut>), ApiError> {
    let (put, account) = shared::put(&state, &caller, &name, &body).await?;
    let status = match put {
        Put::Created => StatusCode::CREATED,
        Put::PasswordSet => StatusCode::OK,
    };
    Ok((status, Json(account.into())))
}

/// Removes the account with its tokens and sessions (not the caller's own).
#[utoipa::path(delete, path = "/api/v1/accounts/{name}", tag = "accounts",
    params(("name" = String, Path, description = "login name")),
    responses((status = 204), (status = 404), (status = 409)),
    security(("token" = []), ("session" = [])))]
pub async fn delete(
    State(state): State<ApiState>,
    caller: Caller,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    shared::remove(&state, &caller, &name).await?;
    Ok(StatusCode::NO_CONTENT)
}
