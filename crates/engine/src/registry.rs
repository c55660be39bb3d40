//! In-memory view of tenants and their users, the registrar's lookup table.
//!
//! Invariant: a tenant is found only by its own domain, and a user only inside its own
//! tenant; there is no lookup by extension across tenants. The view is replaced tenant by
//! tenant when the store reports a change, so readers never see a half-updated tenant.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use vpbx_model::{Domain, TenantId};
use vpbx_sip_proto::digest::Algorithm;
use vpbx_store::{Tenant, User};

/// One user as the SIP core sees it: the digest secrets (HA1 per algorithm, RFC 8760 §3)
/// and the call limits the call core enforces.
#[derive(Debug, Clone)]
pub struct UserSecrets {
    /// HA1 for MD5, hex.
    pub ha1_md5: String,
    /// HA1 for SHA-256, hex.
    pub ha1_sha256: String,
    /// Most concurrent calls, incoming and outgoing together (Asterisk `call-limit`);
    /// `None` means no limit.
    pub call_limit: Option<u32>,
    /// At this many calls the extension is busy for new incoming calls (Asterisk
    /// `busylevel`); `None` means never busy by count.
    pub busy_level: Option<u32>,
}

impl UserSecrets {
    /// The HA1 for `alg`.
    pub fn ha1(&self, alg: Algorithm) -> &str {
        match alg {
            Algorithm::Md5 => &self.ha1_md5,
            Algorithm::Sha256 => &self.ha1_sha256,
        }
    }
}

/// One tenant as the SIP core sees it.
#[derive(Debug)]
pub struct TenantView {
    /// Row id.
    pub id: TenantId,
    /// The SIP domain, also the digest realm.
    pub domain: Domain,
    /// A disabled tenant is refused with 403.
    pub enabled: bool,
    /// Users by extension.
    pub users: HashMap<String, UserSecrets>,
}

impl TenantView {
    /// Builds the view from store rows.
    pub fn from_rows(tenant: &Tenant, users: &[User]) -> Self {
        let users = users
            .iter()
            .map(|u| {
                (
                    u.extension.as_str().to_owned(),
                    UserSecrets {
                        ha1_md5: u.ha1_md5.clone(),
                        ha1_sha256: u.ha1_sha256.clone(),
                        call_limit: u.call_limit,
                        busy_level: u.busy_level,
                    },
                )
            })
            .collect();
        Self {
            id: tenant.id,
            domain: tenant.domain.clone(),
            enabled: tenant.enabled,
            users,
        }
    }
}

/// All tenants by domain and by id.
#[derive(Debug, Default)]
pub struct Registry {
    by_domain: RwLock<HashMap<String, Arc<TenantView>>>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// The tenant serving `domain` (already lower-case), if any.
    pub fn by_domain(&self, domain: &str) -> Option<Arc<TenantView>> {
        self.read().get(domain).cloned()
    }

    /// Replaces all tenants at once (start-up).
    pub fn replace_all(&self, tenants: Vec<TenantView>) {
        let map = tenants
            .into_iter()
            .map(|t| (t.domain.as_str().to_owned(), Arc::new(t)))
            .collect();
        *self.write() = map;
    }

    /// Inserts or replaces one tenant.
    pub fn upsert(&self, tenant: TenantView) {
        let mut map = self.write();
        map.retain(|_, t| t.id != tenant.id);
        map.insert(tenant.domain.as_str().to_owned(), Arc::new(tenant));
    }

    /// Removes a tenant by id; returns whether it was there.
    pub fn remove(&self, id: TenantId) -> bool {
        let mut map = self.write();
        let before = map.len();
        map.retain(|_, t| t.id != id);
        map.len() != before
    }

    /// Number of tenants.
    pub fn len(&self) -> usize {
        self.read().len()
    }

    /// Whether there are no tenants.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<String, Arc<TenantView>>> {
        self.by_domain.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<String, Arc<TenantView>>> {
        self.by_domain.write().unwrap_or_else(|e| e.into_inner())
    }
}
