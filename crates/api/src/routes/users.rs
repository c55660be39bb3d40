//! `/tenants/{domain}/users`: a tenant's SIP users (extensions): list, get,
//! create-or-update by extension (PUT), delete, password and limits.
//!
//! Invariants: only digest HA1 values of a SIP password are stored (RFC 8760 §2), never the
//! password, and none is ever returned; PUT is idempotent (same body twice, same user and
//! body); a limit of 0 is refused naming its field (omit it, or null, for no limit).

use crate::auth::{Caller, Need};
use crate::credentials::sip_ha1s;
use crate::extract::{ApiJson, ApiQuery};
use crate::page::{paginate, Page};
use crate::state::unix_now;
use crate::{ApiError, ApiState};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use vpbx_model::{DisplayName, Email, Extension, Password};
use vpbx_store::{NewUser, TenantStore, User};

/// A user as the API shows it (no credentials).
#[derive(Serialize, ToSchema, PartialEq, Debug)]
pub struct UserOut {
    /// Extension, also the SIP user name.
    pub extension: String,
    /// Display name.
    pub name: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// Most concurrent calls; null is no limit.
    pub call_limit: Option<u32>,
    /// Calls at which the extension is busy; null is never.
    pub busy_level: Option<u32>,
    /// Creation time, unix seconds.
    pub created_at: i64,
}

impl From<User> for UserOut {
    fn from(u: User) -> UserOut {
        UserOut {
            extension: u.extension.to_string(),
            name: u.name.map(|n| n.to_string()),
            email: u.email.map(|e| e.to_string()),
            call_limit: u.call_limit,
            busy_level: u.busy_level,
            created_at: u.created_at,
        }
    }
}

/// `GET /users` query.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UserQuery {
    /// Only extensions starting with these digits.
    pub prefix: Option<String>,
    /// Page size, 1 to 1000 (default 100).
    pub limit: Option<u32>,
    /// Items to skip.
    pub offset: Option<usize>,
}

/// `PUT /users/{ext}` body. On create `password` is required; on update an absent
/// password is kept, and name and e-mail cannot be changed yet.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserBody {
    /// SIP password, 6 to 128 characters (write-only).
    pub password: Option<String>,
    /// Display name.
    pub name: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// Most concurrent calls, at least 1; absent or null is no limit.
    pub call_limit: Option<u32>,
    /// Calls at which the extension is busy, at least 1; absent or null is never.
    pub busy_level: Option<u32>,
}

/// `PUT /users/{ext}/password` body.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordBody {
    /// New SIP password, 6 to 128 characters.
    pub password: String,
}

/// `PUT /users/{ext}/limits` body.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LimitsBody {
    /// Most concurrent calls, at least 1; absent or null is no limit.
    pub call_limit: Option<u32>,
    /// Calls at which the extension is busy, at least 1; absent or null is never.
    pub busy_level: Option<u32>,
}

/// Lists a tenant's users, ordered by extension.
#[utoipa::path(get, path = "/api/v1/tenants/{domain}/users", tag = "users", params(
    ("domain" = String, Path, description = "SIP domain"), UserQuery),
    responses((status = 200, body = Page<UserOut>)), security(("token" = []), ("session" = [])))]
pub async fn list(
    State(state): State<ApiState>,
    caller: Caller,
    Path(domain): Path<String>,
    ApiQuery(q): ApiQuery<UserQuery>,
) -> Result<Json<Page<UserOut>>, ApiError> {
    let (_, ts) = caller.tenant(&state, &domain, Need::Read).await?;
    let prefix = q.prefix.unwrap_or_default();
    let users: Vec<UserOut> = ts
        .list_users()
        .await?
        .into_iter()
        .filter(|u| u.extension.as_str().starts_with(&prefix))
        .map(UserOut::from)
        .collect();
    Ok(Json(paginate(users, q.limit, q.offset)?))
}

/// One user.
#[utoipa::path(get, path = "/api/v1/tenants/{domain}/users/{ext}", tag = "users", params(
    ("domain" = String, Path, description = "SIP domain"), ("ext" = String, Path, description = "extension")),
    responses((status = 200, body = UserOut), (status = 404)), security(("token" = []), ("session" = [])))]
pub async fn get(
    State(state): State<ApiState>,
    caller: Caller,
    Path((domain, ext)): Path<(String, String)>,
) -> Result<Json<UserOut>, ApiError> {
    let (_, ts) = caller.tenant(&state, &domain, Need::Read).await?;
    Ok(Json(existing(&ts, &ext.parse()?).await?.into()))
}

/// Creates the user, or updates its password and limits.
#[utoipa::path(put, path = "/api/v1/tenants/{domain}/users/{ext}", tag = "users", request_body = UserBody,
    params(("domain" = String, Path, description = "SIP domain"), ("ext" = String, Path, description = "extension")),
    responses((status = 201, body = UserOut), (status = 200, body = UserOut), (status = 400)),
    security(("token" = []), ("session" = [])))]
pub async fn put(
    State(state): State<ApiState>,
    caller: Caller,
    Path((domain, ext)): Path<(String, String)>,
    ApiJson(body): ApiJson<UserBody>,
) -> Result<(StatusCode, Json<UserOut>), ApiError> {
    let (tenant, ts) = caller.tenant(&state, &domain, Need::Write).await?;
    let ext: Extension = ext.parse()?;
    let password = body
        .password
        .as_deref()
        .map(str::parse::<Password>)
        .transpose()?;
    let name = body
        .name
        .as_deref()
        .map(str::parse::<DisplayName>)
        .transpose()?;
    let email = body.email.as_deref().map(str::parse::<Email>).transpose()?;
    check_limits(body.call_limit, body.busy_level)?;
    let Some(user) = ts.get_user(&ext).await? else {
        let password =
            password.ok_or_else(|| ApiError::invalid("password", "required to create a user"))?;
        let (ha1_md5, ha1_sha256) = sip_ha1s(&tenant.domain, &ext, &password);
        let new = NewUser {
            extension: ext,
            name,
            email,
            ha1_md5,
            ha1_sha256,
            call_limit: body.call_limit,
            busy_level: body.busy_level,
        };
        let user = ts.add_user(&new, unix_now()).await?;
        return Ok((StatusCode::CREATED, Json(user.into())));
    };
    if name.is_some() && name != user.name {
        return Err(ApiError::invalid(
            "name",
            "cannot be changed on an existing user yet",
        ));
    }
    if email.is_some() && email != user.email {
        return Err(ApiError::invalid(
            "email",
            "cannot be changed on an existing user yet",
        ));
    }
    if let Some(password) = password {
        let (md5, sha) = sip_ha1s(&tenant.domain, &ext, &password);
        ts.set_password(&ext, &md5, &sha).await?;
    }
    ts.set_limits(&ext, body.call_limit, body.busy_level)
        .await?;
    Ok((StatusCode::OK, Json(existing(&ts, &ext).await?.into())))
}

/// Removes the user and its registrations.
#[utoipa::path(delete, path = "/api/v1/tenants/{domain}/users/{ext}", tag = "users", params(
    ("domain" = String, Path, description = "SIP domain"), ("ext" = String, Path, description = "extension")),
    responses((status = 204), (status = 404)), security(("token" = []), ("session" = [])))]
pub async fn delete(
    State(state): State<ApiState>,
    caller: Caller,
    Path((domain, ext)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let (_, ts) = caller.tenant(&state, &domain, Need::Write).await?;
    ts.remove_user(&ext.parse()?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Changes the user's SIP password.
#[utoipa::path(put, path = "/api/v1/tenants/{domain}/users/{ext}/password", tag = "users",
    request_body = PasswordBody, params(("domain" = String, Path, description = "SIP domain"),
    ("ext" = String, Path, description = "extension")),
    responses((status = 204), (status = 404)), security(("token" = []), ("session" = [])))]
pub async fn password(
    State(state): State<ApiState>,
    caller: Caller,
    Path((domain, ext)): Path<(String, String)>,
    ApiJson(body): ApiJson<PasswordBody>,
) -> Result<StatusCode, ApiError> {
    let (tenant, ts) = caller.tenant(&state, &domain, Need::Write).await?;
    let ext: Extension = ext.parse()?;
    let password: Password = body.password.parse()?;
    let (md5, sha) = sip_ha1s(&tenant.domain, &ext, &password);
    ts.set_password(&ext, &md5, &sha).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sets the user's call limit and busy level.
#[utoipa::path(put, path = "/api/v1/tenants/{domain}/users/{ext}/limits", tag = "users",
    request_body = LimitsBody, params(("domain" = String, Path, description = "SIP domain"),
    ("ext" = String, Path, description = "extension")),
    responses((status = 200, body = UserOut), (status = 404)), security(("token" = []), ("session" = [])))]
pub async fn limits(
    State(state): State<ApiState>,
    caller: Caller,
    Path((domain, ext)): Path<(String, String)>,
    ApiJson(body): ApiJson<LimitsBody>,
) -> Result<Json<UserOut>, ApiError> {
    let (_, ts) = caller.tenant(&state, &domain, Need::Write).await?;
    let ext: Extension = ext.parse()?;
    check_limits(body.call_limit, body.busy_level)?;
    ts.set_limits(&ext, body.call_limit, body.busy_level)
        .await?;
    Ok(Json(existing(&ts, &ext).await?.into()))
}

/// The user `ext`, or 404.
async fn existing(ts: &TenantStore, ext: &Extension) -> Result<User, ApiError> {
    ts.get_user(ext)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("extension {ext}")))
}

/// `Invalid` naming the limit that is 0.
fn check_limits(call_limit: Option<u32>, busy_level: Option<u32>) -> Result<(), ApiError> {
    for (field, value) in [("call_limit", call_limit), ("busy_level", busy_level)] {
        if value == Some(0) {
            return Err(ApiError::invalid(
                field,
                "must be at least 1 (omit it for no limit)",
            ));
        }
    }
    Ok(())
}
