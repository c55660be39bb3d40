//! Calls in progress, as the engine running next to the API sees them: the read-only
//! [`LiveCalls`] handle the API is given (by `vpbx serve`, over the engine's live view),
//! the JSON shape of a call, and the role rule shared by `GET /tenants/{domain}/calls`
//! and the cabinet's dashboard.
//!
//! Invariants: without a handle (an API run without an engine) every tenant has no calls;
//! a tenant user sees only calls from or to its own extension (and none without one),
//! like its CDRs.

use crate::auth::Caller;
use crate::ApiState;
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;
use vpbx_model::TenantId;
use vpbx_store::Role;

/// Which way a call goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CallDirection {
    /// Between parties of the tenant (extensions, an IVR).
    Internal,
    /// From a carrier to the tenant.
    Inbound,
    /// From an extension out through a trunk.
    Outbound,
}

/// Where a call in progress is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CallState {
    /// The callee is being rung.
    Ringing,
    /// Caller and callee are talking.
    Answered,
    /// The caller is in an IVR menu.
    Ivr,
    /// One side holds the other.
    OnHold,
    /// The caller is leaving a voicemail message.
    Voicemail,
}

impl CallState {
    /// How the cabinet names the state.
    pub fn label(self) -> &'static str {
        match self {
            CallState::Ringing => "ringing",
            CallState::Answered => "answered",
            CallState::Ivr => "in IVR",
            CallState::OnHold => "on hold",
            CallState::Voicemail => "voicemail",
        }
    }
}

/// One call in progress.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct ActiveCall {
    /// The call id, as in its CDR once it ends (and the `X-VPBX-Call-ID` header).
    pub id: String,
    /// Caller: an extension, or the carrier's calling number.
    pub caller: String,
    /// Callee: an extension, a dialed number, or an IVR menu (`ivr:NAME`).
    pub callee: String,
    /// Which way the call goes.
    pub direction: CallDirection,
    /// Where it is now.
    pub state: CallState,
    /// When it started, unix ms.
    pub started_at: i64,
    /// When it was answered (by a callee, an IVR or voicemail), unix ms.
    pub answered_at: Option<i64>,
}

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
