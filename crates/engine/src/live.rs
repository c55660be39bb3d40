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

/// Which way a call crosses the PBX.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Between parties of the tenant (an extension calling an extension or an IVR).
    Internal,
    /// From a carrier to the tenant.
    Inbound,
    /// From an extension out through a trunk.
    Outbound,
}

impl Direction {
    /// Lower-case name: `internal`, `inbound`, `outbound`.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Internal => "internal",
            Direction::Inbound => "inbound",
            Direction::Outbound => "outbound",
        }
    }
}

/// Where a call in progress is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallState {
    /// The callee's phones (or a trunk, or an IVR transfer target) are being rung.
    Ringing,
    /// Caller and callee are talking.
    Answered,
    /// vpbx answered and the caller is in an IVR menu.
    Ivr,
    /// Answered, and one side holds the other (RFC 3264 §8.4).
    OnHold,
    /// The caller is leaving a voicemail message.
    Voicemail,
}

impl CallState {
    /// Lower-case name: `ringing`, `answered`, `ivr`, `on_hold`, `voicemail`.
    pub fn as_str(self) -> &'static str {
        match self {
            CallState::Ringing => "ringing",
            CallState::Answered => "answered",
            CallState::Ivr => "ivr",
            CallState::OnHold => "on_hold",
            CallState::Voicemail => "voicemail",
        }
    }
}

/// One call in progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveCall {
    /// The call's uuid (as in its CDR and `X-VPBX-Call-ID`).
    pub id: String,
    /// Caller: an extension, or the carrier's calling number.
    pub caller: String,
    /// Callee: an extension, a dialed number, or an application (`ivr:NAME`).
    pub callee: String,
    /// Which way the call goes.
    pub direction: Direction,
    /// Where it is now.
    pub state: CallState,
    /// When the caller's INVITE was admitted, unix ms.
    pub started_at: i64,
    /// When it was answered (by a callee or by vpbx), unix ms.
    pub answered_at: Option<i64>,
}

/// A call's current view as the core publishes it, borrowed from the call.
#[derive(Debug, Clone, Copy)]
pub struct Snapshot<'a> {
    /// See [`LiveCall::id`].
    pub id: &'a str,
    /// See [`LiveCall::caller`].
    pub caller: &'a str,
    /// See [`LiveCall::callee`].
    pub callee: &'a str,
    /// See [`LiveCall::direction`].
    pub direction: Direction,
    /// See [`LiveCall::state`].
    pub state: CallState,
    /// See [`LiveCall::started_at`].
    pub started_at: i64,
    /// See [`LiveCall::answered_at`].
    pub answered_at: Option<i64>,
}

/// Calls in progress by tenant, then by call id.
#[derive(Debug, Default)]
pub struct LiveCalls {
    calls: Mutex<HashMap<TenantId, HashMap<String, LiveCall>>>,
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
            LiveCall {
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
    pub fn of_tenant(&self, tenant: TenantId) -> Vec<LiveCall> {
        let calls = self.calls.lock().unwrap_or_else(|e| e.into_inner());
        let mut list: Vec<LiveCall> = calls
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
            direction: Direction::Internal,
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
