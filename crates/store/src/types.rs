//! The records the store hands out and takes in.
//!
//! Invariant: every field is already validated (model types); HA1 secrets are never
//! serialized.

use serde::Serialize;
use vpbx_model::{DisplayName, Domain, Email, Extension, TenantId, UserId};

/// A tenant: one SIP domain (RFC 3261 §19.1.1 host part) and everything under it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Tenant {
    /// Row id; never reused after deletion.
    pub id: TenantId,
    /// The tenant's SIP domain.
    pub domain: Domain,
    /// Disabled tenants keep their data but get no service.
    pub enabled: bool,
    /// Creation time, unix seconds.
    pub created_at: i64,
}

/// A user: one extension of a tenant, with its digest credentials (RFC 8760 HA1 values).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct User {
    /// Row id.
    pub id: UserId,
    /// The owning tenant.
    pub tenant: TenantId,
    /// The extension, unique within the tenant.
    pub extension: Extension,
    /// Display name, if set.
    pub name: Option<DisplayName>,
    /// E-mail address, if set.
    pub email: Option<Email>,
    /// HA1 = MD5(user:realm:password), hex (RFC 2617 §3.2.2.2, RFC 8760 §2).
    #[serde(skip)]
    pub ha1_md5: String,
    /// HA1 = SHA-256(user:realm:password), hex (RFC 8760 §2).
    #[serde(skip)]
    pub ha1_sha256: String,
    /// Most concurrent calls of the extension, incoming and outgoing together (Asterisk
    /// `call-limit`); `None` means no limit.
    pub call_limit: Option<u32>,
    /// At this many calls the extension is busy for new incoming calls (Asterisk
    /// `busylevel`); `None` means never busy by count.
    pub busy_level: Option<u32>,
    /// Creation time, unix seconds.
    pub created_at: i64,
}

/// A user to be added; the store assigns the id and tenant.
#[derive(Clone, Debug)]
pub struct NewUser {
    /// The extension, unique within the tenant.
    pub extension: Extension,
    /// Display name, if any.
    pub name: Option<DisplayName>,
    /// E-mail address, if any.
    pub email: Option<Email>,
    /// HA1 MD5 hex (RFC 8760 §2).
    pub ha1_md5: String,
    /// HA1 SHA-256 hex (RFC 8760 §2).
    pub ha1_sha256: String,
    /// Concurrent call limit (see [`User::call_limit`]); must not be `Some(0)`.
    pub call_limit: Option<u32>,
    /// Busy level (see [`User::busy_level`]); must not be `Some(0)`.
    pub busy_level: Option<u32>,
}

/// A registered contact as persisted (RFC 3261 §10.3; mirrors sip-proto's registrar
/// binding, with strings so the store does not depend on SIP crates).
#[derive(Clone, Debug, PartialEq)]
pub struct StoredBinding {
    /// The extension (address-of-record user part) the contact is bound to.
    pub extension: Extension,
    /// The Contact URI.
    pub uri: String,
    /// The Contact `q` parameter (RFC 3261 §20.10).
    pub q: Option<f32>,
    /// Expiry, unix seconds.
    pub expires_at: i64,
    /// Call-ID of the REGISTER that created or refreshed the binding (RFC 3261 §10.3 step 7).
    pub call_id: String,
    /// CSeq number of that REGISTER.
    pub cseq: u32,
    /// Path header URIs in order (RFC 3327 §5.3).
    pub path: Vec<String>,
    /// `+sip.instance` (RFC 5626 §4.1), if given.
    pub instance: Option<String>,
    /// User-Agent of the registering device, if given.
    pub user_agent: Option<String>,
    /// Where the REGISTER came from, "ip:port".
    pub source: String,
    /// Transport it came over, e.g. "UDP".
    pub transport: String,
}

/// One tenant whose tenant row or users changed, from the change feed.
#[derive(Clone, Debug, PartialEq)]
pub struct TenantChange {
    /// The tenant that changed.
    pub tenant_id: TenantId,
    /// Its current domain, or `None` if the tenant has been deleted.
    pub domain: Option<Domain>,
}
