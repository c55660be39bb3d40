//! The location service: current bindings per (tenant, extension) (RFC 3261 §10.2).
//!
//! Sharded by key so that registrations of different users never wait on one lock.
//! Invariant: keys always carry the tenant id, so one tenant's bindings are unreachable
//! from another tenant's requests.

use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Mutex;
use vpbx_model::TenantId;
use vpbx_sip_proto::registrar::{self, Binding};

const SHARDS: usize = 32;

type Key = (TenantId, String);

/// Bindings by (tenant, extension).
#[derive(Debug)]
pub struct Location {
    shards: Vec<Mutex<HashMap<Key, Vec<Binding>>>>,
}

impl Default for Location {
    fn default() -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
        }
    }
}

impl Location {
    /// An empty location service.
    pub fn new() -> Self {
        Self::default()
    }

    fn shard(&self, tenant: TenantId, ext: &str) -> &Mutex<HashMap<Key, Vec<Binding>>> {
        let mut h = DefaultHasher::new();
        tenant.hash(&mut h);
        ext.hash(&mut h);
        &self.shards[(h.finish() as usize) % SHARDS]
    }

    /// Runs `f` on the bindings of one address of record under its shard lock, storing
    /// the result back (an empty set removes the entry).
    pub fn update<R>(
        &self,
        tenant: TenantId,
        ext: &str,
        f: impl FnOnce(&mut Vec<Binding>) -> R,
    ) -> R {
        let mut shard = lock(self.shard(tenant, ext));
        let key = (tenant, ext.to_owned());
        let mut bindings = shard.remove(&key).unwrap_or_default();
        let r = f(&mut bindings);
        if !bindings.is_empty() {
            shard.insert(key, bindings);
        }
        r
    }

    /// A copy of the current bindings of one address of record.
    pub fn lookup(&self, tenant: TenantId, ext: &str) -> Vec<Binding> {
        lock(self.shard(tenant, ext))
            .get(&(tenant, ext.to_owned()))
            .cloned()
            .unwrap_or_default()
    }

    /// Drops expired bindings everywhere; returns the keys that changed.
    pub fn expire(&self, now_unix: u64) -> Vec<(TenantId, String)> {
        let mut changed = Vec::new();
        for shard in &self.shards {
            let mut shard = lock(shard);
            shard.retain(|key, bindings| {
                if registrar::expire(bindings, now_unix) {
                    changed.push(key.clone());
                }
                !bindings.is_empty()
            });
        }
        changed
    }

    /// Drops every binding of a tenant, or only those whose extension `keep` rejects.
    pub fn retain_tenant(&self, tenant: TenantId, keep: impl Fn(&str) -> bool) {
        for shard in &self.shards {
            lock(shard).retain(|(t, ext), _| *t != tenant || keep(ext));
        }
    }

    /// Number of bindings per tenant.
    pub fn counts(&self) -> HashMap<TenantId, usize> {
        let mut out = HashMap::new();
        for shard in &self.shards {
            for ((t, _), b) in lock(shard).iter() {
                *out.entry(*t).or_default() += b.len();
            }
        }
        out
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
