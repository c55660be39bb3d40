//! vpbx REST API under `/api/v1` (issue 6, first slice): web/API accounts with argon2id
//! passwords, API tokens and session cookies, login throttling with a CAPTCHA stand-in and
//! address blocks, and JSON resources for tenants, users, CDRs (with CSV export), calls in
//! progress (the engine's view, see `live`), registrations, trunks, numbers, directions,
//! route traces, media options, music on hold,
//! voicemail boxes and messages (see `voicemail`) and call recordings (streamed, with Range
//! requests; see `recordings`), described by an OpenAPI
//! document at `/api/v1/openapi.json` (Swagger UI at `/api/v1/docs/`); and the
//! server-rendered web cabinet at `/` over the same rules (see `web`).
//!
//! Invariants: every handler reaches tenant data only through
//! [`auth::Caller::tenant`], which enforces the role rules (a tenant admin never sees
//! another tenant: 404); writes go through the store, which appends to the change feed, so
//! a running engine picks them up; no error text but a field name and reason reaches the
//! client (internal errors are logged and answered `{"error":"internal"}`).

pub mod accounts;
pub mod auth;
pub mod cdr_search;
pub mod credentials;
mod error;
pub mod extract;
mod https;
pub mod idempotency;
pub mod live;
pub mod login;
pub mod page;
pub mod prompts;
pub mod recordings;
mod routes;
mod state;
pub mod throttle;
pub mod tokens;
pub mod voicemail;
mod web;

pub use error::ApiError;
pub use https::{serve_tls, HANDSHAKE_TIMEOUT};
pub use routes::{router, ApiDoc, BODY_LIMIT};
pub use state::{unix_now, ApiConfig, ApiState};

use std::future::Future;
use std::net::SocketAddr;
use tokio::net::TcpListener;

/// Serves the API on `listener` until `shutdown` completes; each request knows its peer
/// address (for login throttling).
pub async fn serve(
    listener: TcpListener,
    state: ApiState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
