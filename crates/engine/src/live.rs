//! Calls in progress as a dashboard sees them (issue 6: "active calls"): per tenant, each
//! call's id, parties, direction, state and times, shared by all shards and read by the
//! REST API and web cabinet.
//!
//! Invariants: a call is shown from its admission until it ends (the core's `end_call`
//! removes it; nothing else does); keys carry the tenant id, so one tenant's view never
//! holds another's calls; updating a call that is already shown allocates only when its
//! callee changes (an IVR transfer, voicemail), so the shards may publish on every event.

use std::collections::HashMap;
use std::sync::Mutex;
use vpbx_model::TenantId;

pub use vpbx_model::{ActiveCall, CallDirection, CallState};

/// A call's current view as the core publishes it, borrowed from the call.
#[derive(Debug, Clone, Copy)]
pub struct Snapshot<'a> {
    /// See [`ActiveCall::id`].
    pub id: &'a str,
    /// See [`ActiveCall::caller`].
    pub caller: &'a str,
    /// See [`ActiveCall::callee`].
    pub callee: &'a str,
    /// See [`ActiveCall::direction`].
    pub direction: CallDirection,
    /// See [`ActiveCall::state`].
    pub state: CallState,
    /// See [`ActiveCall::started_at`].
    pub started_at: i64,
    /// See [`ActiveCall::answered_at`].
    pub answered_at: Option<i64>,
}

/// Calls in progress by tenant, then by call id.
#[derive(Debug, Default)]
pub struct LiveCalls {
    calls: Mutex<HashMap<TenantId, HashMap<String, ActiveCall>>>,
}

impl LiveCalls {
    /// No calls.
    pub fn new() -> Self {
        Self::default()
    }

    /// Shows call `now` of `tenant` as it is now, adding it if it is new.
    pub fn show(&self, tenant: TenantId, now: Snapshot<'_>) {
        let mut calls = self.calls.lock().unwrap_or_else(|e| e.into_inner());
        let of_tenant = calls.entry(tenant).or_default();
        if let Some(call) = of_tenant.get_mut(now.id) {
            call.state = now.state;
            call.answered_at = now.answered_at;
            if call.callee != now.callee {
                now.callee.clone_into(&mut call.callee);
            }
            return;
        }
        of_tenant.insert(
            now.id.to_owned(),
            ActiveCall {
                id: now.id.to_owned(),
                caller: now.caller.to_owned(),
                callee: now.callee.to_owned(),
                direction: now.direction,
                state: now.state,
                started_at: now.started_at,
                answered_at: now.answered_at,
            },
        );
    }

    /// Forgets call `id` of `tenant`: it ended.
    pub fn end(&self, tenant: TenantId, id: &str) {
        let mut calls = self.calls.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(of_tenant) = calls.get_mut(&tenant) {
            of_tenant.remove(id);
            if of_tenant.is_empty() {
                calls.remove(&tenant);
            }
        }
    }

    /// The calls in progress of `tenant`, oldest first.
    pub fn of_tenant(&self, tenant: TenantId) -> Vec<ActiveCall> {
        let calls = self.calls.lock().unwrap_or_else(|e| e.into_inner());
        let mut list: Vec<ActiveCall> = calls
            .get(&tenant)
            .map(|c| c.values().cloned().collect())
            .unwrap_or_default();
        list.sort_by(|a, b| (a.started_at, &a.id).cmp(&(b.started_at, &b.id)));
        list
    }

    /// How many calls each tenant with calls in progress has.
    pub fn counts(&self) -> HashMap<TenantId, usize> {
        let calls = self.calls.lock().unwrap_or_else(|e| e.into_inner());
        calls.iter().map(|(t, c)| (*t, c.len())).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot<'a>(id: &'a str, callee: &'a str, state: CallState) -> Snapshot<'a> {
        Snapshot {
            id,
            caller: "1000",
            callee,
            direction: CallDirection::Internal,
            state,
            started_at: 1_000,
            answered_at: None,
        }
    }

    #[test]
    fn show_updates_in_place_and_end_forgets() {
        let live = LiveCalls::new();
        let t = TenantId(1);
        live.show(t, snapshot("a", "1001", CallState::Ringing));
        live.show(t, snapshot("b", "ivr:main", CallState::Ivr));
        live.show(
            t,
            Snapshot {
                answered_at: Some(2_000),
                ..snapshot("a", "1002", CallState::Answered)
            },
        );
        let calls = live.of_tenant(t);
        assert_eq!(calls.len(), 2);
        let a = calls.iter().find(|c| c.id == "a").expect("call a");
        assert_eq!(
            (a.callee.as_str(), a.state, a.answered_at),
            ("1002", CallState::Answered, Some(2_000))
        );
        assert_eq!(live.counts().get(&t), Some(&2));
        live.end(t, "a");
        live.end(t, "b");
        assert!(live.of_tenant(t).is_empty());
        assert!(live.counts().is_empty());
    }

    #[test]
    fn tenants_do_not_see_each_other() {
        let live = LiveCalls::new();
        live.show(TenantId(1), snapshot("a", "1001", CallState::Ringing));
        assert!(live.of_tenant(TenantId(2)).is_empty());
        live.end(TenantId(2), "a");
        assert_eq!(live.of_tenant(TenantId(1)).len(), 1);
    }
}
