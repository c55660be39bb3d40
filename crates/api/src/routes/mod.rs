//! The `/api/v1` router: one module per resource, the OpenAPI document built from their
//! `#[utoipa::path]` annotations, and the layers every request goes through (64 KiB body
//! limit — 20 MB on prompt uploads only —, tracing).

mod accounts;
mod admin;
mod calls;
mod calls_policy;
mod cdrs;
mod directions;
pub(crate) mod disa;
mod ivrs;
mod media;
pub(crate) mod moh;
mod numbers;
mod prompts;
mod registrations;
mod route_trace;
mod session;
mod tenants;
mod tokens;
mod trunks;
mod users;
mod voicemail;

use crate::{ApiError, ApiState};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::Router;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::TraceLayer;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::SwaggerUi;

/// Largest request body accepted, bytes.
pub const BODY_LIMIT: usize = 64 * 1024;

/// The OpenAPI document of `/api/v1`.
#[derive(OpenApi)]
#[openapi(
    info(title = "vpbx API", description = "Multi-tenant cloud PBX: tenants, users, trunks, numbers, directions, CDRs, accounts and API tokens"),
    paths(
        session::login, session::logout, session::captcha, session::me,
        tenants::list, tenants::get, tenants::put, tenants::delete,
        users::list, users::get, users::put, users::delete, users::password, users::limits,
        cdrs::list, registrations::list, calls::list, calls::counts_all,
        trunks::list, trunks::get, trunks::put, trunks::delete,
        numbers::list, numbers::put, numbers::delete,
        prompts::list, prompts::get, prompts::put, prompts::delete,
        directions::list, directions::create, directions::delete,
        route_trace::trace, admin::blocked,
        media::get_options, media::put_options, media::recording,
        accounts::list, accounts::put, accounts::delete,
        ivrs::list, ivrs::get, ivrs::put, ivrs::delete,
        tokens::list, tokens::create, tokens::revoke,
        voicemail::list, voicemail::get, voicemail::put, voicemail::delete,
        voicemail::messages, voicemail::audio, voicemail::delete_message,
        voicemail::patch_message,
        moh::get, moh::put, disa::get, disa::put, disa::put_pin, disa::delete_pin,
        calls_policy::get, calls_policy::put,
    ),
    modifiers(&Security)
)]
pub struct ApiDoc;

/// Adds the two authentication schemes: bearer token and session cookie.
struct Security;

impl Modify for Security {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                crate::auth::SESSION_COOKIE,
            ))),
        );
    }
}

/// The whole API: `/api/v1/...`, the OpenAPI document at `/api/v1/openapi.json` and
/// Swagger UI (vendored assets) at `/api/v1/docs/`.
pub fn router(state: ApiState) -> Router {
    let tenant = "/api/v1/tenants/{domain}";
    // PUT of a prompt takes up to 20 MB: merged below, outside the global body limit.
    let prompt_upload = prompts::upload_router(state.clone(), tenant);
    let web_upload = crate::web::upload_router(state.clone());
    let api = Router::new()
        .route("/api/v1/login", post(session::login))
        .route("/api/v1/logout", post(session::logout))
        .route("/api/v1/captcha", get(session::captcha))
        .route("/api/v1/me", get(session::me))
        .route("/api/v1/tenants", get(tenants::list))
        .route(
            tenant,
            get(tenants::get).put(tenants::put).delete(tenants::delete),
        )
        .route(&format!("{tenant}/users"), get(users::list))
        .route(
            &format!("{tenant}/users/{{ext}}"),
            get(users::get).put(users::put).delete(users::delete),
        )
        .route(
            &format!("{tenant}/users/{{ext}}/password"),
            put(users::password),
        )
        .route(
            &format!("{tenant}/users/{{ext}}/limits"),
            put(users::limits),
        )
        .route(&format!("{tenant}/cdrs"), get(cdrs::list))
        .route(
            &format!("{tenant}/cdrs/{{call_id}}/recording"),
            get(media::recording),
        )
        .route(
            &format!("{tenant}/options/media"),
            get(media::get_options).put(media::put_options),
        )
        .route(
            &format!("{tenant}/options/moh"),
            get(moh::get).put(moh::put),
        )
        .route(
            &format!("{tenant}/options/calls"),
            get(calls_policy::get).put(calls_policy::put),
        )
        .route(
            &format!("{tenant}/options/disa"),
            get(disa::get).put(disa::put),
        )
        .route(
            &format!("{tenant}/users/{{ext}}/disa"),
            put(disa::put_pin).delete(disa::delete_pin),
        )
        .route(&format!("{tenant}/voicemail"), get(voicemail::list))
        .route(
            &format!("{tenant}/voicemail/{{ext}}"),
            get(voicemail::get)
                .put(voicemail::put)
                .delete(voicemail::delete),
        )
        .route(
            &format!("{tenant}/voicemail/{{ext}}/messages"),
            get(voicemail::messages),
        )
        .route(
            &format!("{tenant}/voicemail/{{ext}}/messages/{{id}}"),
            axum::routing::delete(voicemail::delete_message).patch(voicemail::patch_message),
        )
        .route(
            &format!("{tenant}/voicemail/{{ext}}/messages/{{id}}/audio"),
            get(voicemail::audio),
        )
        .route(&format!("{tenant}/registrations"), get(registrations::list))
        .route(&format!("{tenant}/calls"), get(calls::list))
        .route("/api/v1/calls", get(calls::counts_all))
        .route(&format!("{tenant}/trunks"), get(trunks::list))
        .route(
            &format!("{tenant}/trunks/{{name}}"),
            get(trunks::get).put(trunks::put).delete(trunks::delete),
        )
        .route(&format!("{tenant}/numbers"), get(numbers::list))
        .route(
            &format!("{tenant}/numbers/{{number}}"),
            put(numbers::put).delete(numbers::delete),
        )
        .route(
            &format!("{tenant}/directions"),
            get(directions::list).post(directions::create),
        )
        .route(
            &format!("{tenant}/directions/{{id}}"),
            axum::routing::delete(directions::delete),
        )
        .route(&format!("{tenant}/prompts"), get(prompts::list))
        .route(
            &format!("{tenant}/prompts/{{name}}"),
            get(prompts::get).delete(prompts::delete),
        )
        .route(&format!("{tenant}/route-trace"), get(route_trace::trace))
        .route("/api/v1/admin/blocked", get(admin::blocked))
        .route(&format!("{tenant}/ivrs"), get(ivrs::list))
        .route(
            &format!("{tenant}/ivrs/{{name}}"),
            get(ivrs::get).put(ivrs::put).delete(ivrs::delete),
        )
        .route("/api/v1/accounts", get(accounts::list))
        .route(
            "/api/v1/accounts/{name}",
            put(accounts::put).delete(accounts::delete),
        )
        .route("/api/v1/tokens", get(tokens::list).post(tokens::create))
        .route("/api/v1/tokens/{id}", axum::routing::delete(tokens::revoke))
        .merge(crate::web::router())
        .fallback(|| async { ApiError::NotFound("no such endpoint".into()) })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::idempotency::layer,
        ))
        .with_state(state);
    api.merge(SwaggerUi::new("/api/v1/docs").url("/api/v1/openapi.json", ApiDoc::openapi()))
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT))
        .merge(prompt_upload)
        .merge(web_upload)
        .layer(axum::middleware::map_response(json_too_large))
        .layer(TraceLayer::new_for_http())
}

/// Turns the body-limit layer's plain 413 (sent when Content-Length is over the limit,
/// before any handler runs) into the API's JSON error.
async fn json_too_large(response: Response) -> Response {
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v == HeaderValue::from_static("application/json"));
    if response.status() == StatusCode::PAYLOAD_TOO_LARGE && !is_json {
        ApiError::TooLarge.into_response()
    } else {
        response
    }
}
