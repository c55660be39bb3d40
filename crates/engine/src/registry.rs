//! In-memory view of tenants and their users, the registrar's lookup table.
//!
//! Invariant: a tenant is found only by its own domain, and a user only inside its own
//! tenant; there is no lookup by extension across tenants. The only ways in from outside a
//! tenant are its numbers (a DID belongs to exactly one tenant) and the addresses of its
//! IP-authenticated trunks, both indexed here. The view is replaced tenant by tenant when
//! the store reports a change, so readers never see a half-updated tenant.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, RwLock};
use vpbx_model::{Domain, TenantId};
use vpbx_routing::TenantRouting;
use vpbx_sip_msg::Transport;
use vpbx_sip_proto::digest::Algorithm;
use vpbx_store::{MediaOptions, Tenant, User};

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

/// A SIP trunk of a tenant as the call core uses it (seed 000 §4.5 `sip_trunks`).
#[derive(Clone)]
pub struct TrunkView {
    /// Name, unique in the tenant.
    pub name: String,
    /// Carrier host as configured.
    pub host: String,
    /// Carrier port.
    pub port: u16,
    /// Transport to the carrier.
    pub transport: Transport,
    /// Where requests to the carrier go: `host:port` resolved when the trunk was loaded.
    pub addr: Option<SocketAddr>,
    /// Digest user name, if the carrier authenticates us.
    pub username: Option<String>,
    /// Digest password (decrypted from the store; never printed).
    pub secret: Option<String>,
    /// User part of From on calls out (seed `fromuser`); default: the caller's extension.
    pub from_user: Option<String>,
    /// Host part of From on calls out (seed `fromdomain`); default: the carrier host.
    pub from_domain: Option<String>,
    /// Whether vpbx registers to the carrier (RFC 3261 §10.2).
    pub register: bool,
    /// Most concurrent calls over the trunk.
    pub call_limit: Option<u32>,
    /// Codecs the carrier takes, by SDP encoding name (seed `allow=`).
    pub codecs: Vec<String>,
    /// INVITEs from the carrier's address are accepted without authentication (Asterisk
    /// `insecure=invite,port`).
    pub insecure: bool,
    /// Whether vpbx probes the carrier with OPTIONS (RFC 3261 §11).
    pub qualify: bool,
    /// A disabled trunk is never used.
    pub enabled: bool,
}

impl std::fmt::Debug for TrunkView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrunkView")
            .field("name", &self.name)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("addr", &self.addr)
            .field("username", &self.username)
            .field("secret", &self.secret.as_ref().map(|_| "set"))
            .finish_non_exhaustive()
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
    /// SIP trunks by name.
    pub trunks: HashMap<String, Arc<TrunkView>>,
    /// Numbers, directions and toll-fraud policy for routing decisions.
    pub routing: TenantRouting,
    /// Recording options (and, later, the other media applications').
    pub media: MediaOptions,
    /// IVR menus by name.
    pub menus: vpbx_ivr::MenuSet,
    /// The prompt held callers hear, looped (music on hold), if any.
    pub moh: Option<vpbx_model::PromptName>,
    /// Voicemail boxes by extension.
    pub voicemail: HashMap<String, vpbx_store::VoicemailBox>,
    /// Whether DISA numbers answer (seed 000 §4.6 `disa_enabled`).
    pub disa: bool,
    /// PIN hashes of the users allowed to use DISA, by extension.
    pub disa_pins: HashMap<String, String>,
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
            trunks: HashMap::new(),
            routing: TenantRouting::default(),
            media: MediaOptions::default(),
            menus: vpbx_ivr::MenuSet::default(),
            moh: None,
            voicemail: HashMap::new(),
            disa: false,
            disa_pins: HashMap::new(),
        }
    }

    /// The same view with the tenant's trunks and routing tables.
    pub fn with_routing(mut self, trunks: Vec<TrunkView>, routing: TenantRouting) -> Self {
        self.trunks = trunks
            .into_iter()
            .map(|t| (t.name.clone(), Arc::new(t)))
            .collect();
        self.routing = routing;
        self
    }
}

/// All tenants by domain, with the indexes that let calls in from outside.
#[derive(Debug, Default)]
pub struct Registry {
    by_domain: RwLock<HashMap<String, Arc<TenantView>>>,
    entry: RwLock<Entry>,
}

/// A trunk with its tenant.
pub type TenantTrunk = (Arc<TenantView>, Arc<TrunkView>);

/// Indexes rebuilt on every change: numbers (canonical digits) and trunk addresses.
#[derive(Debug, Default)]
struct Entry {
    by_number: HashMap<String, Arc<TenantView>>,
    by_trunk_ip: HashMap<IpAddr, Vec<TenantTrunk>>,
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

    /// The tenant owning a number (canonical digits), if any.
    pub fn by_number(&self, number: &str) -> Option<Arc<TenantView>> {
        self.entry().by_number.get(number).cloned()
    }

    /// Enabled IP-authenticated trunks whose carrier address is `ip`, with their tenants.
    pub fn trunks_at(&self, ip: IpAddr) -> Vec<TenantTrunk> {
        self.entry()
            .by_trunk_ip
            .get(&ip)
            .cloned()
            .unwrap_or_default()
    }

    /// Every enabled trunk of every enabled tenant (for registrations and probes).
    pub fn all_trunks(&self) -> Vec<TenantTrunk> {
        self.read()
            .values()
            .filter(|t| t.enabled)
            .flat_map(|t| {
                t.trunks
                    .values()
                    .filter(|k| k.enabled)
                    .map(|k| (t.clone(), k.clone()))
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    /// Replaces all tenants at once (start-up).
    pub fn replace_all(&self, tenants: Vec<TenantView>) {
        let map = tenants
            .into_iter()
            .map(|t| (t.domain.as_str().to_owned(), Arc::new(t)))
            .collect();
        let mut w = self.write();
        *w = map;
        self.reindex(&w);
    }

    /// Inserts or replaces one tenant.
    pub fn upsert(&self, tenant: TenantView) {
        let mut map = self.write();
        map.retain(|_, t| t.id != tenant.id);
        map.insert(tenant.domain.as_str().to_owned(), Arc::new(tenant));
        self.reindex(&map);
    }

    /// Removes a tenant by id; returns whether it was there.
    pub fn remove(&self, id: TenantId) -> bool {
        let mut map = self.write();
        let before = map.len();
        map.retain(|_, t| t.id != id);
        self.reindex(&map);
        map.len() != before
    }

    /// Rebuilds the number and trunk-address indexes (called under the write lock).
    fn reindex(&self, map: &HashMap<String, Arc<TenantView>>) {
        let mut entry = Entry::default();
        for tenant in map.values().filter(|t| t.enabled) {
            for n in &tenant.routing.numbers {
                entry
                    .by_number
                    .insert(n.number.as_str().to_owned(), tenant.clone());
            }
            for trunk in tenant.trunks.values().filter(|k| k.enabled && k.insecure) {
                if let Some(addr) = trunk.addr {
                    entry
                        .by_trunk_ip
                        .entry(addr.ip())
                        .or_default()
                        .push((tenant.clone(), trunk.clone()));
                }
            }
        }
        *self.entry.write().unwrap_or_else(|e| e.into_inner()) = entry;
    }

    fn entry(&self) -> std::sync::RwLockReadGuard<'_, Entry> {
        self.entry.read().unwrap_or_else(|e| e.into_inner())
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
