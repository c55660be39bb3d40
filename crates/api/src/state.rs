//! What every handler shares: the store, the trunk-secret key, the login guard, the
//! configuration and the engine's calls in progress.
//!
//! Invariant: cheap to clone (everything behind `Arc` or already shared).

use crate::idempotency::IdempotencyCache;
use crate::throttle::LoginGuard;
use std::sync::Arc;
use vpbx_store::{SecretBox, Store};

/// Settings of the API that are not in the store.
#[derive(Clone, Debug, Default)]
pub struct ApiConfig {
    /// Mark the session cookie `Secure` (set when the API is served over HTTPS).
    pub secure_cookies: bool,
    /// The data directory (`--data`), where tenant files such as voice prompts live
    /// (`DATA/tenants/<id>/prompts/`); `None` turns the prompt routes off (404).
    pub data_dir: Option<std::path::PathBuf>,
}

/// The state handed to every handler.
#[derive(Clone)]
pub struct ApiState {
    /// The database.
    pub store: Store,
    /// Key sealing trunk secrets (`<data>/trunk.key`).
    pub secrets: Arc<SecretBox>,
    /// Failed-login accounting, CAPTCHAs and blocks per source address.
    pub guard: Arc<LoginGuard>,
    /// Answers kept for `Idempotency-Key` retries.
    pub idempotency: Arc<IdempotencyCache>,
    /// Settings.
    pub config: ApiConfig,
    /// The engine's calls in progress; `None` when the API runs without an engine.
    pub live: Option<Arc<dyn crate::live::LiveCalls>>,
}

impl ApiState {
    /// State over `store`, sealing trunk secrets with `secrets`.
    pub fn new(store: Store, secrets: SecretBox, config: ApiConfig) -> ApiState {
        ApiState {
            store,
            secrets: Arc::new(secrets),
            guard: Arc::new(LoginGuard::default()),
            idempotency: Arc::new(IdempotencyCache::default()),
            config,
            live: None,
        }
    }

    /// The same state, showing the calls in progress of `live` (the engine's view).
    pub fn with_live_calls(self, live: Arc<dyn crate::live::LiveCalls>) -> ApiState {
        ApiState {
            live: Some(live),
            ..self
        }
    }
}

/// Seconds since 1970 now (0 if the clock is before 1970).
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
