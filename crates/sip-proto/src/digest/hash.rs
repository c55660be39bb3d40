//! Allocation-free hex digests `H(a ":" b ":" ...)` (RFC 7616 §3.4) and a constant-time
//! comparison of hex strings.
//!
//! Invariant: a [`HexDigest`] always holds exactly `Algorithm::hex_len` lower-case hex
//! digits.

use std::fmt;

use md5::Md5;
use sha2::{Digest, Sha256};

use super::algorithm::Algorithm;

/// A lower-case hex digest kept on the stack (64 bytes fit SHA-256).
#[derive(Clone, Copy)]
pub(super) struct HexDigest {
    buf: [u8; 64],
    len: usize,
}

impl HexDigest {
    /// Builds a digest value from caller-supplied hex (a stored HA1): `None` unless it is
    /// exactly `alg.hex_len()` hex digits. Upper-case digits are folded to lower case.
    pub(super) fn from_hex(alg: Algorithm, hex: &str) -> Option<HexDigest> {
        let len = alg.hex_len();
        if hex.len() != len || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let mut buf = [0u8; 64];
        for (out, b) in buf.iter_mut().zip(hex.bytes()) {
            *out = b.to_ascii_lowercase();
        }
        Some(HexDigest { buf, len })
    }

    /// The hex digits as bytes.
    pub(super) fn as_bytes(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or_default()
    }
}

impl fmt::Display for HexDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.as_bytes()
            .iter()
            .try_for_each(|&b| fmt::Write::write_char(f, char::from(b)))
    }
}

/// `H(parts joined by ":")` as lower-case hex, RFC 7616 §3.4 notation.
pub(super) fn hex_digest(alg: Algorithm, parts: &[&[u8]]) -> HexDigest {
    match alg {
        Algorithm::Md5 => run::<Md5>(parts),
        Algorithm::Sha256 => run::<Sha256>(parts),
    }
}

fn run<D: Digest>(parts: &[&[u8]]) -> HexDigest {
    let mut hasher = D::new();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            hasher.update(b":");
        }
        hasher.update(part);
    }
    let sum = hasher.finalize();
    let mut buf = [0u8; 64];
    let mut len = 0;
    for (pair, byte) in buf.chunks_exact_mut(2).zip(sum.iter()) {
        if let [hi, lo] = pair {
            *hi = hex_digit(byte >> 4);
            *lo = hex_digit(byte & 0x0f);
            len += 2;
        }
    }
    HexDigest { buf, len }
}

/// The lower-case hex digit of a nibble (`n < 16`).
fn hex_digit(n: u8) -> u8 {
    if n < 10 {
        b'0' + n
    } else {
        b'a' + (n - 10)
    }
}

/// Compares an expected lower-case hex digest with a received one, ASCII case-insensitively
/// and in time independent of where they differ (lengths are public).
pub(super) fn ct_eq_hex(expected: &[u8], received: &[u8]) -> bool {
    if expected.len() != received.len() {
        return false;
    }
    let diff = expected
        .iter()
        .zip(received)
        .fold(0u8, |acc, (e, r)| acc | (e ^ r.to_ascii_lowercase()));
    std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_vectors() {
        assert_eq!(
            hex_digest(Algorithm::Md5, &[b""]).to_string(),
            "d41d8cd98f00b204e9800998ecf8427e"
        );
        assert_eq!(
            hex_digest(Algorithm::Sha256, &[b"abc"]).to_string(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn parts_are_joined_with_colons() {
        assert_eq!(
            hex_digest(Algorithm::Sha256, &[b"a", b"b", b"c"]).to_string(),
            hex_digest(Algorithm::Sha256, &[b"a:b:c"]).to_string()
        );
    }

    #[test]
    fn from_hex_checks_length_and_digits() {
        let md5 = "939E7578ED9E3C518A452ACEE763BCE9";
        let parsed = HexDigest::from_hex(Algorithm::Md5, md5).map(|h| h.to_string());
        assert_eq!(parsed.as_deref(), Some("939e7578ed9e3c518a452acee763bce9"));
        assert!(HexDigest::from_hex(Algorithm::Sha256, md5).is_none());
        assert!(HexDigest::from_hex(Algorithm::Md5, &"g".repeat(32)).is_none());
        assert!(HexDigest::from_hex(Algorithm::Md5, "é").is_none());
    }

    #[test]
    fn constant_time_compare() {
        assert!(ct_eq_hex(b"abc123", b"ABC123"));
        assert!(!ct_eq_hex(b"abc123", b"abc124"));
        assert!(!ct_eq_hex(b"abc123", b"abc12"));
        assert!(!ct_eq_hex(b"", b"a"));
    }
}
