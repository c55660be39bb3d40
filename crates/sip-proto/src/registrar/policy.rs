//! Local registrar policy: expiration bounds (RFC 3261 §10.3 step 7, §21.4.17) and a
//! per-address-of-record contact limit.
//!
//! Invariant: plain data; `apply` checks the minimum before it clamps to the maximum.

/// Limits a registrar applies to every REGISTER (RFC 3261 §10.3 step 7).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegistrarPolicy {
    /// Shortest accepted non-zero interval; shorter ones get 423 with Min-Expires
    /// (RFC 3261 §10.3 step 7, §20.23).
    pub min_expires: u32,
    /// Longest granted interval; longer requests are shortened (RFC 3261 §10.3 step 7).
    pub max_expires: u32,
    /// Interval used when neither the contact nor the request says (RFC 3261 §10.3 step 7).
    pub default_expires: u32,
    /// Most bindings one address of record may hold; more is refused with 403.
    pub max_contacts: usize,
}

impl Default for RegistrarPolicy {
    /// 60 s minimum, 3600 s maximum and default (RFC 3261 §10.2.1.1), ten contacts.
    fn default() -> Self {
        RegistrarPolicy {
            min_expires: 60,
            max_expires: 3600,
            default_expires: 3600,
            max_contacts: 10,
        }
    }
}
