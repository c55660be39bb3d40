//! One registered contact of an address of record (RFC 3261 §10.3 step 7) with the data
//! needed to reach it: RFC 3327 Path, RFC 5626 instance, and the flow it arrived on.
//!
//! Invariant: a binding is live while `now < expires_at`; at `expires_at` it is gone.

use std::net::SocketAddr;

use vpbx_sip_msg::Transport;

/// A binding of an address of record to a contact address (RFC 3261 §10.3 step 7).
#[derive(Clone, Debug, PartialEq)]
pub struct Binding {
    /// The contact URI as printed (RFC 3261 §20.10), without header parameters.
    pub uri: String,
    /// The contact's `q` preference (RFC 3261 §20.10), if given.
    pub q: Option<f32>,
    /// Unix time (seconds) at which the binding expires (RFC 3261 §10.3 step 7).
    pub expires_at: u64,
    /// Call-ID of the REGISTER that last set it (RFC 3261 §10.3 step 7).
    pub call_id: String,
    /// CSeq number of that REGISTER (RFC 3261 §10.3 step 7).
    pub cseq: u32,
    /// Path header values of that REGISTER, as printed, in order (RFC 3327 §5.3).
    pub path: Vec<String>,
    /// The `+sip.instance` contact parameter without its quotes (RFC 5626 §4.1).
    pub instance: Option<String>,
    /// User-Agent header of that REGISTER.
    pub user_agent: Option<String>,
    /// Address the REGISTER came from (RFC 5626 §6 flow, NAT traversal).
    pub source: SocketAddr,
    /// Transport the REGISTER came over.
    pub transport: Transport,
}

impl Binding {
    /// Whether the binding is still valid at `now_unix` (RFC 3261 §10.3 step 7).
    pub(super) fn is_live(&self, now_unix: u64) -> bool {
        now_unix < self.expires_at
    }

    /// Seconds left at `now_unix`, for the `expires` contact parameter of a 200 OK (RFC 3261
    /// §10.3 step 8).
    pub(super) fn remaining(&self, now_unix: u64) -> u64 {
        self.expires_at.saturating_sub(now_unix)
    }

    /// Whether `other` differs only by a refresh (expiry and CSeq), so nothing observable
    /// about where to reach the contact changed.
    pub(super) fn same_but_refresh(&self, other: &Binding) -> bool {
        self.uri == other.uri
            && self.q == other.q
            && self.call_id == other.call_id
            && self.path == other.path
            && self.instance == other.instance
            && self.user_agent == other.user_agent
            && self.source == other.source
            && self.transport == other.transport
    }
}

/// Drops bindings expired at `now_unix` (RFC 3261 §10.3: an expired binding is removed);
/// returns whether any was dropped.
pub fn expire(bindings: &mut Vec<Binding>, now_unix: u64) -> bool {
    let before = bindings.len();
    bindings.retain(|b| b.is_live(now_unix));
    bindings.len() != before
}

#[cfg(test)]
mod tests {
    use super::*;

    fn binding(uri: &str, expires_at: u64) -> Binding {
        Binding {
            uri: uri.to_owned(),
            q: None,
            expires_at,
            call_id: "c".to_owned(),
            cseq: 1,
            path: Vec::new(),
            instance: None,
            user_agent: None,
            source: SocketAddr::from(([192, 0, 2, 1], 5060)),
            transport: Transport::Udp,
        }
    }

    #[test]
    fn expire_drops_only_expired() {
        let mut all = vec![binding("sip:a@x", 100), binding("sip:b@x", 101)];
        assert!(expire(&mut all, 100));
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].uri, "sip:b@x");
        assert!(!expire(&mut all, 100));
        assert!(expire(&mut all, 500));
        assert!(all.is_empty());
    }

    #[test]
    fn remaining_saturates() {
        let b = binding("sip:a@x", 100);
        assert_eq!(b.remaining(40), 60);
        assert_eq!(b.remaining(400), 0);
    }

    #[test]
    fn refresh_is_not_a_change() {
        let a = binding("sip:a@x", 100);
        let mut b = a.clone();
        b.expires_at = 900;
        b.cseq = 9;
        assert!(a.same_but_refresh(&b));
        b.source = SocketAddr::from(([192, 0, 2, 1], 5062));
        assert!(!a.same_but_refresh(&b));
    }
}
