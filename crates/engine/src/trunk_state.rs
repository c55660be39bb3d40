//! What vpbx knows about each trunk's carrier right now: its OPTIONS health (RFC 3261
//! §11) and its outbound registration (§10.2), shared by the SIP core shards.
//!
//! Invariant: keys carry the tenant id, so a trunk of one tenant never shares state with
//! a same-named trunk of another.

use std::collections::HashMap;
use std::sync::Mutex;
use vpbx_model::TenantId;

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
