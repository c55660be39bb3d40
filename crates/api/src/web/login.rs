//! `GET /login`, `POST /login`, `POST /logout`: the login form (with the CAPTCHA question
//! when the address needs one) over [`crate::login`], the same checks as the API's login.
//!
//! Invariants: a failed login says only "wrong user name or password" (or that a CAPTCHA
//! or a wait is needed); after logging in the browser goes to `next` only when it is a
//! local path, else to `/`; logout needs the form token like every other POST; a login
//! posted from another site (login CSRF: `Sec-Fetch-Site: cross-site`, or an `Origin`
//! that is not this host, as browsers send with every cross-site form POST) is refused
//! with 403 before any password is checked (OWASP "login CSRF"; RFC 6454 §7 Origin).

use super::layout::public_page;
use super::session::{blocked_text, local_path, NoFields, Posted};
use crate::extract::SourceIp;
use crate::login::{log_in, log_out, Attempt, LoggedIn};
use crate::throttle::Gate;
use crate::{ApiError, ApiState};
use axum::extract::{Form, State};
use axum::http::header::SET_COOKIE;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use serde::Deserialize;
use std::net::IpAddr;
use std::time::Instant;

/// `GET /login` query.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LoginQuery {
    /// Where to go after logging in.
    pub next: String,
}

/// `POST /login` form.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LoginForm {
    /// Account name.
    pub username: String,
    /// Password.
    pub password: String,
    /// Where to go after logging in.
    pub next: String,
    /// The CAPTCHA challenge id the form was shown with.
    pub captcha_id: String,
    /// The answer to it.
    pub captcha_answer: String,
}

/// The login form.
pub async fn form(
    State(state): State<ApiState>,
    SourceIp(ip): SourceIp,
    axum::extract::Query(q): axum::extract::Query<LoginQuery>,
) -> Response {
    render(&state, ip, &q.next, "", None).into_response()
}

/// Checks the form and, on success, sets the session cookie and goes to `next`.
pub async fn submit(
    State(state): State<ApiState>,
    SourceIp(ip): SourceIp,
    headers: axum::http::HeaderMap,
    Form(f): Form<LoginForm>,
) -> Result<Response, ApiError> {
    if from_another_site(&headers) {
        tracing::info!(source = %ip, "login form posted from another site; refused");
        let message = "This login form was sent from another site. Open this page and log in here.";
        return Ok((
            StatusCode::FORBIDDEN,
            render(&state, ip, &f.next, "", Some(message)),
        )
            .into_response());
    }
    let captcha = (!f.captcha_id.is_empty()).then(|| {
        (
            f.captcha_id.clone(),
            f.captcha_answer.trim().parse().unwrap_or(u32::MAX),
        )
    });
    let attempt = Attempt {
        username: f.username.clone(),
        password: f.password,
        captcha,
    };
    match log_in(&state, ip, attempt).await {
        Ok(LoggedIn { cookie, .. }) => {
            let to = local_path(&f.next).unwrap_or("/");
            let mut response = Redirect::to(to).into_response();
            response.headers_mut().insert(SET_COOKIE, cookie);
            Ok(response)
        }
        Err(e @ (ApiError::Unauthorized | ApiError::CaptchaRequired)) => {
            let message = match e {
                ApiError::CaptchaRequired => "Wrong user name, password or answer.",
                _ => "Wrong user name or password.",
            };
            Ok((
                StatusCode::UNAUTHORIZED,
                render(&state, ip, &f.next, &f.username, Some(message)),
            )
                .into_response())
        }
        Err(ApiError::Blocked { retry_after }) => Ok((
            StatusCode::TOO_MANY_REQUESTS,
            render(
                &state,
                ip,
                &f.next,
                &f.username,
                Some(&blocked_text(retry_after)),
            ),
        )
            .into_response()),
        Err(e) => Err(e),
    }
}

/// Whether a request was sent by a page of another site: the browser says so
/// (`Sec-Fetch-Site: cross-site`), or its `Origin` (RFC 6454 §7) names another host than
/// the `Host` it was sent to (an opaque `null` origin counts as another site). Requests
/// without either header (scripts, older browsers) are let through: the session cookie's
/// `SameSite=Strict` still keeps them from riding on a browser session.
fn from_another_site(headers: &axum::http::HeaderMap) -> bool {
    let value = |name: axum::http::header::HeaderName| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    if value(axum::http::HeaderName::from_static("sec-fetch-site")) == Some("cross-site") {
        return true;
    }
    let Some(origin) = value(axum::http::header::ORIGIN) else {
        return false;
    };
    let authority = origin
        .split_once("://")
        .map(|(_, rest)| rest.trim_end_matches('/'));
    match (authority, value(axum::http::header::HOST)) {
        (Some(a), Some(host)) => !a.eq_ignore_ascii_case(host),
        _ => true,
    }
}

/// Ends the session and goes to the login form.
pub async fn logout(
    State(state): State<ApiState>,
    headers: axum::http::HeaderMap,
    _: Posted<NoFields>,
) -> Result<Response, ApiError> {
    let cookie = log_out(&state, &headers).await?;
    let mut response = Redirect::to("/login").into_response();
    response.headers_mut().insert(SET_COOKIE, cookie);
    Ok(response)
}

/// The login form for a request from `ip`, with a CAPTCHA question when the address needs
/// one and `error` above it.
fn render(state: &ApiState, ip: IpAddr, next: &str, username: &str, error: Option<&str>) -> Markup {
    let captcha = match state.guard.gate(ip, Instant::now()) {
        Gate::Captcha => Some(state.guard.new_captcha(Instant::now())),
        Gate::Open | Gate::Blocked(_) => None,
    };
    let next = local_path(next).unwrap_or("/");
    public_page(
        "Log in",
        html! {
            form.card method="post" action="/login" {
                @if let Some(e) = error { p.error role="alert" { (e) } }
                input type="hidden" name="next" value=(next);
                label { "User name"
                    input name="username" value=(username) autocomplete="username" required autofocus;
                }
                label { "Password"
                    input type="password" name="password" autocomplete="current-password" required;
                }
                @if let Some((id, question)) = &captcha {
                    input type="hidden" name="captcha_id" value=(id);
                    label { (question)
                        input name="captcha_answer" inputmode="numeric" autocomplete="off" required;
                    }
                }
                button type="submit" { "Log in" }
            }
        },
    )
}
