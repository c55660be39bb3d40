//! Calls in progress, as the engine running next to the API sees them: the read-only
//! [`LiveCalls`] handle the API is given (by `vpbx serve`, over the engine's live view),
//! the calls it returns (`vpbx_model`'s, as the engine holds them; their JSON shape), and
//! the role rule shared by `GET /tenants/{domain}/calls` and the cabinet's dashboard.
//!
//! Invariants: without a handle (an API run without an engine) every tenant has no calls;
//! a tenant user sees only calls from or to its own extension (and none without one),
//! like its CDRs.

use crate::auth::Caller;
use crate::ApiState;
use std::collections::HashMap;
use vpbx_model::TenantId;
use vpbx_store::Role;

pub use vpbx_model::{ActiveCall, CallDirection, CallState};

/// Read-only view of the calls in progress of every tenant.
pub trait LiveCalls: Send + Sync {
    /// The calls in progress of `tenant`, oldest first.
    fn of_tenant(&self, tenant: TenantId) -> Vec<ActiveCall>;
    /// How many calls each tenant has in progress (tenants without calls may be absent).
    fn counts(&self) -> HashMap<TenantId, usize>;
}

/// The calls in progress of `tenant` that `caller` may see (the caller was already
/// admitted to the tenant by [`Caller::tenant`]).
pub fn visible(state: &ApiState, caller: &Caller, tenant: TenantId) -> Vec<ActiveCall> {
    let Some(live) = &state.live else {
        return Vec::new();
    };
    let mut calls = live.of_tenant(tenant);
    if caller.0.role == Role::User {
        let own = caller.0.extension.as_ref().map(|e| e.as_str());
        calls.retain(|c| own.is_some_and(|e| c.caller == e || c.callee == e));
    }
    calls
}

/// Calls in progress per tenant; empty without an engine.
pub fn counts(state: &ApiState) -> HashMap<TenantId, usize> {
    state
        .live
        .as_ref()
        .map(|live| live.counts())
        .unwrap_or_default()
}
