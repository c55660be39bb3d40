//! Web and API accounts as the API's `/accounts` and the web cabinet's accounts page
//! manage them: who may see which account, an account's fields checked from a request,
//! and creating, re-putting and removing one.
//!
//! Invariants: passwords are stored only as argon2id hashes ([`hash_password`]); the
//! platform admin manages every account, a tenant admin only the admin and user accounts
//! of its own tenant (any other is 404, as if absent), a tenant user none (403); only the
//! platform admin creates a platform account (403); no account removes itself (409), so
//! the last platform admin always stays.

use crate::auth::Caller;
use crate::credentials::hash_password;
use crate::state::unix_now;
use crate::{ApiError, ApiState};
use serde::Deserialize;
use utoipa::ToSchema;
use vpbx_model::{Domain, Extension, TenantId};
use vpbx_store::{Account, AccountName, NewAccount, Role, StoreError};

/// An account to create or put: the body of `PUT /accounts/{name}` and the cabinet's form.
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

/// What an account put changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Put {
    /// A new account was created.
    Created,
    /// The same account existed; only its password was replaced.
    PasswordSet,
}

/// Whether the caller may see or manage `account`.
pub fn manages(caller: &Caller, account: &Account) -> bool {
    caller.is_platform() || (caller.0.role == Role::Admin && caller.0.tenant == account.tenant)
}

/// `Forbidden` unless the caller is the platform admin or a tenant admin.
pub fn require_admin(caller: &Caller) -> Result<(), ApiError> {
    match caller.0.role {
        Role::Platform | Role::Admin => Ok(()),
        Role::User => Err(ApiError::Forbidden),
    }
}

/// The account `name` if it exists and the caller manages it, else 404.
pub async fn managed(state: &ApiState, caller: &Caller, name: &str) -> Result<Account, ApiError> {
    let name: AccountName = name.parse()?;
    state
        .store
        .account_by_name(&name)
        .await?
        .filter(|a| manages(caller, a))
        .ok_or_else(|| ApiError::NotFound("account".into()))
}

/// The accounts the caller manages, ordered by name; only those of tenant `tenant` when
/// given. `Forbidden` for a tenant user.
pub async fn visible(
    state: &ApiState,
    caller: &Caller,
    tenant: Option<&str>,
) -> Result<Vec<Account>, ApiError> {
    require_admin(caller)?;
    let tenant: Option<Domain> = tenant.map(str::parse).transpose()?;
    Ok(state
        .store
        .list_accounts()
        .await?
        .into_iter()
        .filter(|a| manages(caller, a))
        .filter(|a| tenant.is_none() || a.domain == tenant)
        .collect())
}

/// The role, tenant and extension of `body`, checked against what the caller may give.
async fn fields(
    state: &ApiState,
    caller: &Caller,
    body: &AccountBody,
) -> Result<(Role, Option<TenantId>, Option<Extension>), ApiError> {
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
    Ok((role, tenant, extension))
}

/// Creates account `name` from `body`, or sets the password of the same account (same
/// role, tenant and extension); another account of that name is a 409 conflict.
pub async fn put(
    state: &ApiState,
    caller: &Caller,
    name: &str,
    body: &AccountBody,
) -> Result<(Put, Account), ApiError> {
    require_admin(caller)?;
    let name: AccountName = name.parse()?;
    let (role, tenant, extension) = fields(state, caller, body).await?;
    let password_hash = hash_password(&body.password)?;
    if let Some(existing) = state.store.account_by_name(&name).await? {
        if !manages(caller, &existing) {
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
        return Ok((Put::PasswordSet, existing));
    }
    let new = NewAccount {
        name,
        password_hash,
        role,
        tenant,
        extension,
    };
    let account = state.store.add_account(&new, unix_now()).await?;
    Ok((Put::Created, account))
}

/// Creates account `name` from `body`; a name already taken is a 409 conflict whatever
/// the account (the cabinet's create form never changes an existing account).
pub async fn create(
    state: &ApiState,
    caller: &Caller,
    name: &str,
    body: &AccountBody,
) -> Result<Account, ApiError> {
    require_admin(caller)?;
    let name: AccountName = name.parse()?;
    let (role, tenant, extension) = fields(state, caller, body).await?;
    let password_hash = hash_password(&body.password)?;
    let new = NewAccount {
        name,
        password_hash,
        role,
        tenant,
        extension,
    };
    match state.store.add_account(&new, unix_now()).await {
        Err(StoreError::AlreadyExists(_)) => {
            Err(ApiError::Conflict("account name is taken".into()))
        }
        other => Ok(other?),
    }
}

/// Sets the password of account `name`, which the caller must manage (else 404); its web
/// sessions end, its API tokens stay.
pub async fn set_password(
    state: &ApiState,
    caller: &Caller,
    name: &str,
    password: &str,
) -> Result<(), ApiError> {
    require_admin(caller)?;
    let account = managed(state, caller, name).await?;
    let password_hash = hash_password(password)?;
    state
        .store
        .set_account_password(&account.name, &password_hash)
        .await?;
    Ok(())
}

/// Removes account `name` with its tokens and sessions: one the caller manages (else
/// 404), never the caller's own (409).
pub async fn remove(state: &ApiState, caller: &Caller, name: &str) -> Result<(), ApiError> {
    require_admin(caller)?;
    let account = managed(state, caller, name).await?;
    if account.id == caller.0.id {
        return Err(ApiError::Conflict("an account cannot remove itself".into()));
    }
    state.store.remove_account(&account.name).await?;
    Ok(())
}
