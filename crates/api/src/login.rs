//! Logging in and out, shared by the JSON API (`POST /api/v1/login`, `/logout`) and the
//! web cabinet's login form.
//!
//! Invariants: the session id is 32 random bytes, sent once in an `HttpOnly`,
//! `SameSite=Strict` cookie (`Secure` over HTTPS), stored only hashed, valid
//! [`SESSION_SECONDS`]; every failed login counts against the source address (see
//! [`crate::throttle`]); a wrong user name and a wrong password get the same answer after
//! the same work.

use crate::auth::{session_cookie, SESSION_COOKIE};
use crate::credentials::{check_password, random_secret, secret_hash};
use crate::state::unix_now;
use crate::throttle::Gate;
use crate::{ApiError, ApiState};
use axum::http::{HeaderMap, HeaderValue};
use std::net::IpAddr;
use std::time::Instant;
use vpbx_store::{Account, AccountName};

/// How long a web session lasts, seconds.
pub const SESSION_SECONDS: i64 = 12 * 3600;

/// One login attempt as the client sent it.
pub struct Attempt {
    /// Account name.
    pub username: String,
    /// Password.
    pub password: String,
    /// The CAPTCHA challenge id and the answer given, if any.
    pub captcha: Option<(String, u32)>,
}

/// A successful login: the account and the `Set-Cookie` value carrying its new session.
pub struct LoggedIn {
    /// The account that logged in.
    pub account: Account,
    /// The session cookie to send.
    pub cookie: HeaderValue,
}

/// Checks `attempt` from `ip` against the login guard and the store and opens a session.
/// Fails `Blocked`, `CaptchaRequired` (no or a wrong CAPTCHA while one is required, or
/// the failure that made one required) or `Unauthorized`.
pub async fn log_in(state: &ApiState, ip: IpAddr, attempt: Attempt) -> Result<LoggedIn, ApiError> {
    let now = Instant::now();
    let refuse = |gate: Gate| match gate {
        Gate::Blocked(retry_after) => ApiError::Blocked { retry_after },
        Gate::Captcha => ApiError::CaptchaRequired,
        Gate::Open => ApiError::Unauthorized,
    };
    match state.guard.gate(ip, now) {
        Gate::Blocked(retry_after) => return Err(ApiError::Blocked { retry_after }),
        Gate::Captcha => {
            let solved = attempt
                .captcha
                .as_ref()
                .is_some_and(|(id, answer)| state.guard.solve_captcha(id, *answer, now));
            if !solved {
                return Err(refuse(state.guard.fail(ip, now, unix_now())));
            }
        }
        Gate::Open => {}
    }
    let account = match attempt.username.parse::<AccountName>() {
        Ok(name) => state.store.account_by_name(&name).await?,
        Err(_) => None,
    };
    let hash = account.as_ref().map(|a| a.password_hash.clone());
    let ok = check_password(attempt.password, hash).await?;
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
    let cookie = cookie(state, &session, SESSION_SECONDS)?;
    Ok(LoggedIn { account, cookie })
}

/// Ends the session of the request's cookie (if any); returns the `Set-Cookie` value that
/// clears the cookie.
pub async fn log_out(state: &ApiState, headers: &HeaderMap) -> Result<HeaderValue, ApiError> {
    if let Some(session) = session_cookie(headers) {
        state.store.delete_session(&secret_hash(session)).await?;
    }
    cookie(state, "", 0)
}

/// The session cookie with `value`, living `max_age` seconds (0 clears it).
fn cookie(state: &ApiState, value: &str, max_age: i64) -> Result<HeaderValue, ApiError> {
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={value}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}{secure}"
    ))
    .map_err(|e| ApiError::Internal(e.to_string()))
}
