//! `POST /login`, `POST /logout`, `GET /captcha`, `GET /me`: web sessions and who is
//! logged in.
//!
//! Invariants: as [`crate::login`], whose checks the web cabinet's login form shares: the
//! session id is sent once in an `HttpOnly`, `SameSite=Strict` cookie and stored only
//! hashed; every failed login counts against the source address; a wrong user name and a
//! wrong password get the same answer after the same work.

use crate::auth::Caller;
use crate::extract::{ApiJson, SourceIp};
use crate::login::{log_in, log_out, Attempt, LoggedIn};
use crate::{ApiError, ApiState};
use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use std::time::Instant;
use utoipa::ToSchema;
use vpbx_store::Account;

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
    let attempt = Attempt {
        username: req.username,
        password: req.password,
        captcha: req.captcha.map(|c| (c.id, c.answer)),
    };
    let LoggedIn { account, cookie } = log_in(&state, ip, attempt).await?;
    let mut response = Json(Me::from(&account)).into_response();
    response.headers_mut().insert(SET_COOKIE, cookie);
    Ok(response)
}

/// Ends the session of the cookie (if any) and clears the cookie.
#[utoipa::path(post, path = "/api/v1/logout", tag = "session",
    responses((status = 204, description = "logged out")))]
pub async fn logout(
    State(state): State<ApiState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let cookie = log_out(&state, &headers).await?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().insert(SET_COOKIE, cookie);
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
