//! Calls in progress per extension, shared by all shards, for the per-extension call limit
//! and busy level of the seed platform's sip.conf (`call-limit`, `busylevel`).
//!
//! Invariant: a call holds one unit for its caller and one for its callee from admission
//! until it ends, taken and given back under one lock, so two shards can never both admit
//! the call that crosses a limit. Keys carry the tenant id: one tenant's calls never count
//! against another's extensions.
//!
//! It also carries the [`LiveCalls`] view of the same calls (who, state, times) for the
//! dashboard; the core keeps it in step from admission to the end of each call.

use crate::live::LiveCalls;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use vpbx_model::TenantId;

/// Why a call was not admitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Busy {
    /// The caller is at its call limit.
    Caller,
    /// The callee is at its busy level (or call limit).
    Callee,
}

/// Limits of one extension: `call_limit` caps its calls in both directions, `busy_level`
/// the number of calls at which it is busy for new incoming calls.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Limits {
    /// Maximum concurrent calls, incoming and outgoing.
    pub call_limit: Option<u32>,
    /// Concurrent calls at which new incoming calls get 486.
    pub busy_level: Option<u32>,
}

/// Counts of calls in progress by (tenant, extension), and their live view.
#[derive(Debug, Default)]
pub struct ActiveCalls {
    counts: Mutex<HashMap<(TenantId, String), u32>>,
    live: Arc<LiveCalls>,
}

impl ActiveCalls {
    /// No calls.
    pub fn new() -> Self {
        Self::default()
    }

    /// The calls in progress with their parties, state and times (for the dashboard).
    pub fn live(&self) -> &Arc<LiveCalls> {
        &self.live
    }

    /// Admits a call from `caller` to `callee` of `tenant`, or says who is busy.
    pub fn admit(
        &self,
        tenant: TenantId,
        caller: (&str, Limits),
        callee: (&str, Limits),
    ) -> Result<(), Busy> {
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        let count = |ext: &str| counts.get(&(tenant, ext.to_owned())).copied().unwrap_or(0);
        if caller.1.call_limit.is_some_and(|l| count(caller.0) >= l) {
            return Err(Busy::Caller);
        }
        let busy_at = match (callee.1.busy_level, callee.1.call_limit) {
            (Some(b), Some(l)) => Some(b.min(l)),
            (b, l) => b.or(l),
        };
        if busy_at.is_some_and(|b| count(callee.0) >= b) {
            return Err(Busy::Callee);
        }
        for ext in [caller.0, callee.0] {
            *counts.entry((tenant, ext.to_owned())).or_insert(0) += 1;
        }
        Ok(())
    }

    /// Moves the unit a call holds under `from` to `to` in one step (a DISA call becomes
    /// the identified user's call), unless `to` is at its call limit (`Busy::Caller`).
    pub fn move_unit(&self, tenant: TenantId, from: &str, to: (&str, Limits)) -> Result<(), Busy> {
        if from == to.0 {
            return Ok(());
        }
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        let held = counts.get(&(tenant, to.0.to_owned())).copied().unwrap_or(0);
        if to.1.call_limit.is_some_and(|l| held >= l) {
            return Err(Busy::Caller);
        }
        *counts.entry((tenant, to.0.to_owned())).or_insert(0) += 1;
        let key = (tenant, from.to_owned());
        if let Some(n) = counts.get_mut(&key) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                counts.remove(&key);
            }
        }
        Ok(())
    }

    /// Gives back what `admit` took for a call.
    pub fn release(&self, tenant: TenantId, caller: &str, callee: &str) {
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        for ext in [caller, callee] {
            let key = (tenant, ext.to_owned());
            if let Some(n) = counts.get_mut(&key) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    counts.remove(&key);
                }
            }
        }
    }

    /// Calls in progress of one extension.
    pub fn count(&self, tenant: TenantId, ext: &str) -> u32 {
        let counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        counts.get(&(tenant, ext.to_owned())).copied().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(call_limit: Option<u32>, busy_level: Option<u32>) -> Limits {
        Limits {
            call_limit,
            busy_level,
        }
    }

    #[test]
    fn busy_level_refuses_incoming_and_release_frees() {
        let a = ActiveCalls::new();
        let t = TenantId(1);
        let free = Limits::default();
        assert_eq!(
            a.admit(t, ("1000", free), ("1001", limits(None, Some(1)))),
            Ok(())
        );
        assert_eq!(
            a.admit(t, ("1002", free), ("1001", limits(None, Some(1)))),
            Err(Busy::Callee)
        );
        a.release(t, "1000", "1001");
        assert_eq!(a.count(t, "1001"), 0);
        assert_eq!(
            a.admit(t, ("1002", free), ("1001", limits(None, Some(1)))),
            Ok(())
        );
    }

    #[test]
    fn call_limit_counts_both_directions() {
        let a = ActiveCalls::new();
        let t = TenantId(1);
        let one = limits(Some(1), None);
        let free = Limits::default();
        assert_eq!(a.admit(t, ("1000", one), ("1001", free)), Ok(()));
        assert_eq!(a.admit(t, ("1000", one), ("1002", free)), Err(Busy::Caller));
        assert_eq!(a.admit(t, ("1002", free), ("1000", one)), Err(Busy::Callee));
    }

    #[test]
    fn a_unit_moves_to_a_user_under_its_limit_only() {
        let a = ActiveCalls::new();
        let t = TenantId(1);
        let one = limits(Some(1), None);
        let free = Limits::default();
        assert_eq!(a.admit(t, ("trunk:in", free), ("disa", free)), Ok(()));
        assert_eq!(a.move_unit(t, "disa", ("1000", one)), Ok(()));
        assert_eq!((a.count(t, "disa"), a.count(t, "1000")), (0, 1));
        assert_eq!(a.move_unit(t, "1000", ("1000", one)), Ok(()), "already its");
        assert_eq!(a.admit(t, ("trunk:in", free), ("disa", free)), Ok(()));
        assert_eq!(
            a.move_unit(t, "disa", ("1000", one)),
            Err(Busy::Caller),
            "1000 is at its limit"
        );
        assert_eq!(a.count(t, "disa"), 1, "nothing moved");
        a.release(t, "trunk:in", "1000");
        assert_eq!(a.count(t, "1000"), 0);
    }

    #[test]
    fn tenants_do_not_share_counts() {
        let a = ActiveCalls::new();
        let one = limits(None, Some(1));
        let free = Limits::default();
        assert_eq!(a.admit(TenantId(1), ("1000", free), ("1001", one)), Ok(()));
        assert_eq!(a.admit(TenantId(2), ("1000", free), ("1001", one)), Ok(()));
    }
}
