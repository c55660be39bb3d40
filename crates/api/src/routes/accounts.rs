//! `/accounts`: web and API accounts — the platform admin manages every account, a tenant
//! admin those of its own tenant; tenant users manage none.
//!
//! Invariants: passwords are write-only and stored as argon2id hashes; a tenant admin can
//! neither see, create nor remove an account of another tenant (404, as if absent) nor
//! create a platform account (403); PUT is idempotent: an existing account with the same
//! role, tenant and extension keeps them and only takes the new password, a different
//! one is a 409 conflict.

use crate::auth::Caller;
use crate::credentials::hash_password;
use crate::extract::{ApiJson, ApiQuery};
use crate::page::{paginate, Page};
use crate::state::unix_now;
use crate::{ApiError, ApiState};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use vpbx_model::{Domain, Extension};
use vpbx_store::{Account, AccountName, NewAccount, Role};

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

/// `PUT /accounts/{name}` body.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountBody {
    /// `platform` (platform admin only), `admin` or `user`.
    pub role: String,
    /// The tenant's domain; required for `admin` and `user`.
    pub tenant: Option<String>,
    /// The extension a `user` is bound to (its own CDRs).
    pub extension: Option<String>,
    /// Password, 8 to 256 characters (write-only).
    pub password: String,
}

/// Whether the caller may see or manage `account`.
fn manages(caller: &Caller, account: &Account) -> bool {
    caller.is_platform() || (caller.0.role == Role::Admin && caller.0.tenant == account.tenant)
}

/// `Forbidden` unless the caller is the platform admin or a tenant admin.
fn require_admin(caller: &Caller) -> Result<(), ApiError> {
    match caller.0.role {
        Role::Platform | Role::Admin => Ok(()),
        Role::User => Err(ApiError::Forbidden),
    }
}

/// The account `name` if it exists and the caller manages it, else 404.
async fn managed(state: &ApiState, caller: &Caller, name: &str) -> Result<Account, ApiError> {
    let name: AccountName = name.parse()?;
    state
        .store
        .account_by_name(&name)
        .await?
        .filter(|a| manages(caller, a))
        .ok_or_else(|| ApiError::NotFound("account".into()))
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
    require_admin(&caller)?;
    let tenant: Option<Domain> = q.tenant.as_deref().map(str::parse).transpose()?;
    let accounts: Vec<AccountOut> = state
        .store
        .list_accounts()
        .await?
        .into_iter()
        .filter(|a| manages(&caller, a))
        .filter(|a| tenant.is_none() || a.domain == tenant)
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
    require_admin(&caller)?;
    let name: AccountName = name.parse()?;
    let role: Role = body
        .role
        .parse()
        .map_err(|_| ApiError::invalid("role", "must be platform, admin or user"))?;
    if role == Role::Platform && !caller.is_platform() {
        return Err(ApiError::Forbidden);
    }
    let tenant = match (role, body.tenant.as_deref()) {
        (Role::Platform, None) => None,
        (Role::Platform, Some(_)) => {
            return Err(ApiError::invalid("tenant", "a platform account has none"))
        }
        (_, None) => return Err(ApiError::invalid("tenant", "required for admin and user")),
        (_, Some(domain)) => {
            let domain: Domain = domain.parse()?;
            if !caller.sees(&domain) {
                return Err(ApiError::NotFound("tenant".into()));
            }
            let tenant = state
                .store
                .tenant_by_domain(&domain)
                .await?
                .ok_or_else(|| ApiError::NotFound("tenant".into()))?;
            Some(tenant.id)
        }
    };
    let extension: Option<Extension> = body.extension.as_deref().map(str::parse).transpose()?;
    if extension.is_some() && role != Role::User {
        return Err(ApiError::invalid(
            "extension",
            "only a tenant user is bound to one",
        ));
    }
    let password_hash = hash_password(&body.password)?;
    if let Some(existing) = state.store.account_by_name(&name).await? {
        if !manages(&caller, &existing) {
            return Err(ApiError::Conflict("account name is taken".into()));
        }
        if (existing.role, existing.tenant, &existing.extension) != (role, tenant, &extension) {
            return Err(ApiError::Conflict(
                "account exists with another role, tenant or extension".into(),
            ));
        }
        state
            .store
            .set_account_password(&name, &password_hash)
            .await?;
        return Ok((StatusCode::OK, Json(existing.into())));
    }
    let new = NewAccount {
        name,
        password_hash,
        role,
        tenant,
        extension,
    };
    let account = state.store.add_account(&new, unix_now()).await?;
    Ok((StatusCode::CREATED, Json(account.into())))
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
    require_admin(&caller)?;
    let account = managed(&state, &caller, &name).await?;
    if account.id == caller.0.id {
        return Err(ApiError::Conflict("an account cannot remove itself".into()));
    }
    state.store.remove_account(&account.name).await?;
    Ok(StatusCode::NO_CONTENT)
}
