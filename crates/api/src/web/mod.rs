//! The web cabinet (issue 6 item 4): server-rendered HTML pages (maud) at `/` for the
//! platform admin, tenant admins and tenant users, over the same store and the same access
//! rules as the REST API ([`crate::auth::Caller::tenant`]).
//!
//! Pages: `/login`, `/logout`, `/` (dashboard), `/t/{domain}/users`, `/t/{domain}/numbers`
//! (numbers, directions, route trace), `/t/{domain}/options` (with music on hold),
//! `/t/{domain}/prompts`, `/t/{domain}/ivr`, `/t/{domain}/voicemail`, `/t/{domain}/cdrs`,
//! `/admin/tenants`, `/admin/tenants/{domain}/trunks`, `/accounts` (web and API accounts)
//! and `/tokens` (API tokens); one stylesheet at
//! `/static/cabinet.css`.
//!
//! Invariants: plain HTML forms, no JavaScript; a change is a POST whose CSRF token is
//! checked ([`session::Posted`]) and that answers with a redirect to the page it came from
//! (POST-redirect-GET) or, when a field is wrong, the page again with the error next to
//! its form naming the field (400); a page asked for without a session redirects to the
//! login form, which returns only to local paths; every response forbids framing and
//! loading from other sites.

mod accounts;
mod admin;
mod cdrs;
mod dashboard;
mod ivr;
mod layout;
mod login;
mod numbers;
mod options;
mod prompts;
mod session;
mod tokens;
mod users;
mod voicemail;

use crate::ApiState;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS,
    X_FRAME_OPTIONS,
};
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

/// The cabinet's stylesheet.
const CSS: &str = include_str!("cabinet.css");

/// The cabinet's routes, to merge into the API router before its state is given.
pub fn router() -> Router<ApiState> {
    let t = "/t/{domain}";
    let admin = "/admin/tenants/{domain}";
    Router::new()
        .route("/static/cabinet.css", get(stylesheet))
        .route("/login", get(login::form).post(login::submit))
        .route("/logout", post(login::logout))
        .route("/", get(dashboard::page))
        .route(&format!("{t}/users"), get(users::page).post(users::add))
        .route(
            &format!("{t}/users/{{ext}}/password"),
            post(users::password),
        )
        .route(&format!("{t}/users/{{ext}}/delete"), post(users::remove))
        .route(
            &format!("{t}/numbers"),
            get(numbers::page).post(numbers::add),
        )
        .route(
            &format!("{t}/numbers/{{number}}/delete"),
            post(numbers::remove),
        )
        .route(&format!("{t}/directions"), post(numbers::add_direction))
        .route(
            &format!("{t}/directions/{{id}}/delete"),
            post(numbers::remove_direction),
        )
        .route(
            &format!("{t}/options"),
            get(options::page).post(options::save),
        )
        .route(
            &format!("{t}/options/recording"),
            post(options::save_recording),
        )
        .route(&format!("{t}/options/moh"), post(options::save_moh))
        .route(&format!("{t}/options/disa"), post(options::save_disa))
        .route(
            &format!("{t}/options/disa/pin"),
            post(options::save_disa_pin),
        )
        .route(
            &format!("{t}/options/disa/{{ext}}/remove"),
            post(options::remove_disa_pin),
        )
        .route(&format!("{t}/prompts"), get(prompts::page))
        .route(&format!("{t}/prompts/say"), post(prompts::say))
        .route(
            &format!("{t}/prompts/{{name}}/delete"),
            post(prompts::remove),
        )
        .route(&format!("{t}/ivr"), get(ivr::list).post(ivr::save))
        .route(&format!("{t}/ivr/{{name}}"), get(ivr::show))
        .route(&format!("{t}/ivr/{{name}}/delete"), post(ivr::remove))
        .route(
            &format!("{t}/voicemail"),
            get(voicemail::list).post(voicemail::create),
        )
        .route(
            &format!("{t}/voicemail/{{ext}}"),
            get(voicemail::show).post(voicemail::save),
        )
        .route(
            &format!("{t}/voicemail/{{ext}}/delete"),
            post(voicemail::remove),
        )
        .route(
            &format!("{t}/voicemail/{{ext}}/messages/{{id}}/delete"),
            post(voicemail::remove_message),
        )
        .route(
            &format!("{t}/voicemail/{{ext}}/messages/{{id}}/heard"),
            post(voicemail::heard),
        )
        .route(&format!("{t}/cdrs"), get(cdrs::page))
        .route("/accounts", get(accounts::page).post(accounts::add))
        .route("/accounts/{name}/password", post(accounts::password))
        .route("/accounts/{name}/delete", post(accounts::remove))
        .route("/tokens", get(tokens::page).post(tokens::create))
        .route("/tokens/{id}/revoke", post(tokens::revoke))
        .route("/admin/tenants", get(admin::tenants).post(admin::create))
        .route(&format!("{admin}/enable"), post(admin::enable))
        .route(&format!("{admin}/disable"), post(admin::disable))
        .route(&format!("{admin}/delete"), post(admin::delete))
        .route(
            &format!("{admin}/trunks"),
            get(admin::trunks).post(admin::add_trunk),
        )
        .route(
            &format!("{admin}/trunks/{{name}}/delete"),
            post(admin::remove_trunk),
        )
        .layer(axum::middleware::map_response(protect))
}

/// The cabinet's prompt upload alone, with its larger body limit: merge it outside the
/// global [`crate::BODY_LIMIT`] layer.
pub fn upload_router(state: ApiState) -> Router {
    prompts::upload_router()
        .layer(axum::middleware::map_response(protect))
        .with_state(state)
}

/// Adds the headers every cabinet response carries: no framing (clickjacking), nothing
/// loaded or posted but from this site, no content sniffing, no referrer to other sites.
async fn protect(mut response: Response) -> Response {
    let headers = response.headers_mut();
    for (name, value) in [
        (
            CONTENT_SECURITY_POLICY,
            "default-src 'self'; frame-ancestors 'none'; form-action 'self'",
        ),
        (X_FRAME_OPTIONS, "DENY"),
        (X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (REFERRER_POLICY, "same-origin"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

/// `GET /static/cabinet.css`.
async fn stylesheet() -> impl IntoResponse {
    (
        [
            (CONTENT_TYPE, "text/css; charset=utf-8"),
            (CACHE_CONTROL, "public, max-age=3600"),
        ],
        CSS,
    )
}
