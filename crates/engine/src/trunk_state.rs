//! What vpbx knows about each trunk's carrier right now: its OPTIONS health (RFC 3261
//! §11) and its outbound registration (§10.2), shared by the SIP core shards.
//!
//! Invariant: keys carry the tenant id, so a trunk of one tenant never shares state with
//! a same-named trunk of another.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use vpbx_model::TenantId;

/// File in the data directory where a running server publishes trunk states for
/// `vpbx trunk list` (rewritten every [`PUBLISH_EVERY`]; stale when older than that).
pub const STATUS_FILE: &str = "trunk-status.json";
/// How often the status file is rewritten.
pub const PUBLISH_EVERY: Duration = Duration::from_secs(2);

/// Health of a trunk's carrier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Health {
    /// Not probed yet, or probing is off.
    Unknown,
    /// The carrier answers OPTIONS.
    Up,
    /// The carrier stopped answering: calls skip the trunk (failover or 503 at once).
    Down,
}

/// State of one trunk.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TrunkState {
    /// OPTIONS health.
    pub health: Health,
    /// Outbound registration, as text (e.g. `registered`, `failed: 403 Forbidden`).
    pub registration: String,
}

/// Trunk states by (tenant, trunk name).
#[derive(Debug, Default)]
pub struct TrunkStates {
    map: Mutex<HashMap<(TenantId, String), TrunkState>>,
}

impl TrunkStates {
    /// Nothing known.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether the trunk is marked down.
    pub fn is_down(&self, tenant: TenantId, name: &str) -> bool {
        self.lock()
            .get(&(tenant, name.to_owned()))
            .is_some_and(|s| s.health == Health::Down)
    }

    /// Records a trunk's state.
    pub fn set(&self, tenant: TenantId, name: &str, state: TrunkState) {
        self.lock().insert((tenant, name.to_owned()), state);
    }

    /// Forgets a trunk that is gone.
    pub fn remove(&self, tenant: TenantId, name: &str) {
        self.lock().remove(&(tenant, name.to_owned()));
    }

    /// A copy of every state.
    pub fn all(&self) -> Vec<((TenantId, String), TrunkState)> {
        self.lock()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(TenantId, String), TrunkState>> {
        self.map.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// One published line of the status file.
#[derive(serde::Serialize)]
struct Published<'a> {
    tenant_id: i64,
    trunk: &'a str,
    #[serde(flatten)]
    state: &'a TrunkState,
}

/// Rewrites `<data>/trunk-status.json` with every trunk's state, atomically (write, then
/// rename), every [`PUBLISH_EVERY`] until the task is dropped.
pub async fn publish(states: Arc<TrunkStates>, data_dir: PathBuf) {
    let path = data_dir.join(STATUS_FILE);
    let tmp = data_dir.join(format!("{STATUS_FILE}.tmp"));
    let mut tick = tokio::time::interval(PUBLISH_EVERY);
    loop {
        tick.tick().await;
        let all = states.all();
        let lines: Vec<Published<'_>> = all
            .iter()
            .map(|((tenant, trunk), state)| Published {
                tenant_id: tenant.0,
                trunk,
                state,
            })
            .collect();
        let Ok(bytes) = serde_json::to_vec(&lines) else {
            continue;
        };
        let result = match tokio::fs::write(&tmp, bytes).await {
            Ok(()) => tokio::fs::rename(&tmp, &path).await,
            Err(e) => Err(e),
        };
        if let Err(e) = result {
            tracing::warn!(error = %e, "cannot publish trunk states");
        }
    }
}
