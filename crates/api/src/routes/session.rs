//! `POST /login`, `POST /logout`, `GET /captcha`, `GET /me`: web sessions and who is
//! logged in.
//!
//! Invariants: the session id is 32 random bytes, sent once in an `HttpOnly`,
//! `SameSite=Strict` cookie (`Secure` over HTTPS), stored only hashed, valid 12 hours;
//! every failed login counts against the source address (see [`crate::throttle`]); a
//! wrong user name and a wrong password get the same answer after the same work.

use crate::auth::{session_cookie, Caller, SESSION_COOKIE};
use crate::credentials::{check_password, random_secret, secret_hash};
use crate::extract::{ApiJson, SourceIp};
use crate::state::unix_now;
use crate::throttle::Gate;
use crate::{ApiError, ApiState};
use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use std::time::Instant;
use utoipa::ToSchema;
use vpbx_store::{Account, AccountName};

/// How long a web session lasts, seconds.
pub const SESSION_SECONDS: i64 = 12 * 3600;

/// `POST /login` body.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// Account name.
    pub username: String,
    /// Password.
    pub password: String,
    /// The solved CAPTCHA, required after 3 failed logins from the address.
    pub captcha: Option<CaptchaAnswer>,
}

/// An answer to a `GET /captcha` challenge.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaptchaAnswer {
    /// The challenge id.
    pub id: String,
    /// The sum asked for.
    pub answer: u32,
}

/// A CAPTCHA challenge (a stand-in: a small sum, see `crate::throttle`).
#[derive(Serialize, ToSchema)]
pub struct Captcha {
    /// Send back as `captcha.id`.
    pub id: String,
    /// The question, e.g. "What is 3 + 4?".
    pub question: String,
}

/// The logged-in account.
#[derive(Serialize, ToSchema)]
pub struct Me {
    /// Account name.
    pub username: String,
    /// `platform`, `admin` or `user`.
    pub role: String,
    /// The tenant's domain (absent for the platform admin).
    pub tenant: Option<String>,
    /// The bound extension of a tenant user.
    pub extension: Option<String>,
}

impl From<&Account> for Me {
    fn from(a: &Account) -> Me {
        Me {
            username: a.name.to_string(),
            role: a.role.to_string(),
            tenant: a.domain.as_ref().map(ToString::to_string),
            extension: a.extension.as_ref().map(ToString::to_string),
        }
    }
}

/// Logs in and sets the session cookie.
#[utoipa::path(post, path = "/api/v1/login", tag = "session", request_body = LoginRequest,
    responses((status = 200, body = Me), (status = 401, description = "unauthorized or captcha_required"),
              (status = 429, description = "address blocked")))]
pub async fn login(
    State(state): State<ApiState>,
    SourceIp(ip): SourceIp,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<Response, ApiError> {
    let now = Instant::now();
    let refuse = |gate: Gate| match gate {
        Gate::Blocked(retry_after) => ApiError::Blocked { retry_after },
        Gate::Captcha => ApiError::CaptchaRequired,
        Gate::Open => ApiError::Unauthorized,
    };
    match state.guard.gate(ip, now) {
        Gate::Blocked(retry_after) => return Err(ApiError::Blocked { retry_after }),
        Gate::Captcha => {
            let solved = req
                .captcha
                .as_ref()
                .is_some_and(|c| state.guard.solve_captcha(&c.id, c.answer, now));
            if !solved {
                return Err(refuse(state.guard.fail(ip, now, unix_now())));
            }
        }
        Gate::Open => {}
    }
    let account = match req.username.parse::<AccountName>() {
        Ok(name) => state.store.account_by_name(&name).await?,
        Err(_) => None,
    };
    let hash = account.as_ref().map(|a| a.password_hash.clone());
    let ok = check_password(req.password, hash).await?;
    let Some(account) = account.filter(|_| ok) else {
        return Err(refuse(state.guard.fail(ip, now, unix_now())));
    };
    state.guard.succeed(ip);
    let session = random_secret();
    let now_unix = unix_now();
    state
        .store
        .create_session(
            &secret_hash(&session),
            account.id,
            now_unix + SESSION_SECONDS,
            now_unix,
        )
        .await?;
    tracing::info!(account = %account.name, "web login");
    let cookie = format!(
        "{SESSION_COOKIE}={session}; HttpOnly; SameSite=Strict; Path=/; Max-Age={SESSION_SECONDS}{}",
        if state.config.secure_cookies { "; Secure" } else { "" }
    );
    let mut response = Json(Me::from(&account)).into_response();
    response.headers_mut().insert(
        SET_COOKIE,
        HeaderValue::from_str(&cookie).map_err(|e| ApiError::Internal(e.to_string()))?,
    );
    Ok(response)
}

/// Ends the session of the cookie (if any) and clears the cookie.
#[utoipa::path(post, path = "/api/v1/logout", tag = "session",
    responses((status = 204, description = "logged out")))]
pub async fn logout(
    State(state): State<ApiState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if let Some(session) = session_cookie(&headers) {
        state.store.delete_session(&secret_hash(session)).await?;
    }
    let cookie = format!("{SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().insert(
        SET_COOKIE,
        HeaderValue::from_str(&cookie).map_err(|e| ApiError::Internal(e.to_string()))?,
    );
    Ok(response)
}

/// A new CAPTCHA challenge for the login form.
#[utoipa::path(get, path = "/api/v1/captcha", tag = "session", responses((status = 200, body = Captcha)))]
pub async fn captcha(State(state): State<ApiState>) -> Json<Captcha> {
    let (id, question) = state.guard.new_captcha(Instant::now());
    Json(Captcha { id, question })
}

/// The account the request authenticates as.
#[utoipa::path(get, path = "/api/v1/me", tag = "session",
    responses((status = 200, body = Me), (status = 401)), security(("token" = []), ("session" = [])))]
pub async fn me(Caller(account): Caller) -> Json<Me> {
    Json(Me::from(&account))
}
