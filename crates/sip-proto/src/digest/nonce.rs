//! Stateless server nonces (RFC 7616 §3.3 "nonce", §5.4 nonce lifetime advice).
//!
//! Format: 16 lower-case hex digits of the issue time (unix seconds) followed by 32 hex digits
//! of HMAC-SHA256(secret, issue-time-BE64 || realm) truncated to 128 bits: 48 printable
//! characters, never a quote or backslash.
//!
//! Invariant: `check` accepts exactly the nonces `make` produced for the same realm and
//! secret; it does not judge freshness (the caller compares the returned issue time).

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

const TIME_HEX: usize = 16;
const TAG_BYTES: usize = 16;
const NONCE_LEN: usize = TIME_HEX + 2 * TAG_BYTES;

/// The keyed HMAC that makes and checks nonces; cloned per use so the key schedule is
/// computed once.
#[derive(Clone)]
pub(super) struct NonceKey {
    mac: HmacSha256,
}

impl NonceKey {
    /// Keys the nonce HMAC with a 32-byte secret (RFC 2104: a key shorter than the block is
    /// zero-padded, which is done here explicitly).
    pub(super) fn new(secret: &[u8; 32]) -> NonceKey {
        let mut key = hmac::digest::Key::<HmacSha256>::default();
        for (k, s) in key.iter_mut().zip(secret) {
            *k = *s;
        }
        NonceKey {
            mac: <HmacSha256 as hmac::digest::KeyInit>::new(&key),
        }
    }

    fn tag(&self, issued: u64, realm: &str) -> HmacSha256 {
        let mut mac = self.mac.clone();
        mac.update(&issued.to_be_bytes());
        mac.update(realm.as_bytes());
        mac
    }

    /// A nonce for `realm` issued at `issued` (unix seconds).
    pub(super) fn make(&self, issued: u64, realm: &str) -> String {
        let tag = self.tag(issued, realm).finalize().into_bytes();
        let mut nonce = format!("{issued:016x}");
        nonce.push_str(&hex::encode(tag.get(..TAG_BYTES).unwrap_or_default()));
        nonce
    }

    /// The issue time of a nonce we made for `realm`, or `None` when it is not ours.
    pub(super) fn check(&self, nonce: &str, realm: &str) -> Option<u64> {
        let bytes = nonce.as_bytes();
        if bytes.len() != NONCE_LEN {
            return None;
        }
        let (time_hex, tag_hex) = bytes.split_at(TIME_HEX);
        let mut time = [0u8; 8];
        hex::decode_to_slice(time_hex, &mut time).ok()?;
        let mut tag = [0u8; TAG_BYTES];
        hex::decode_to_slice(tag_hex, &mut tag).ok()?;
        let issued = u64::from_be_bytes(time);
        self.tag(issued, realm)
            .verify_truncated_left(&tag)
            .ok()
            .map(|()| issued)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> NonceKey {
        NonceKey::new(&[7u8; 32])
    }

    #[test]
    fn round_trip() {
        let nonce = key().make(1_700_000_000, "acme.example");
        assert_eq!(nonce.len(), NONCE_LEN);
        assert!(nonce.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(key().check(&nonce, "acme.example"), Some(1_700_000_000));
    }

    #[test]
    fn bound_to_realm_and_secret() {
        let nonce = key().make(5, "acme.example");
        assert_eq!(key().check(&nonce, "other.example"), None);
        assert_eq!(
            NonceKey::new(&[8u8; 32]).check(&nonce, "acme.example"),
            None
        );
    }

    #[test]
    fn tampered_time_or_tag_is_rejected() {
        let nonce = key().make(5, "r");
        let later = format!("{:016x}{}", 6_000u64, nonce.get(TIME_HEX..).unwrap_or(""));
        assert_eq!(key().check(&later, "r"), None);
        let mut flipped = nonce.clone().into_bytes();
        if let Some(last) = flipped.last_mut() {
            *last = if *last == b'0' { b'1' } else { b'0' };
        }
        let flipped = String::from_utf8(flipped).unwrap_or_default();
        assert_eq!(key().check(&flipped, "r"), None);
    }

    #[test]
    fn garbage_never_panics() {
        for junk in [
            "",
            "x",
            "é",
            &"z".repeat(NONCE_LEN),
            &"é".repeat(24),
            "\"\"",
        ] {
            assert_eq!(key().check(junk, "r"), None);
        }
    }
}
