//! Digest algorithms of RFC 8760 §2 (MD5 and SHA-256, no `-sess` variants) and the HA1
//! derivation of RFC 7616 §3.4.2.
//!
//! Invariant: `as_str` and `FromStr` round-trip; parsing is case-insensitive.

use std::fmt;
use std::str::FromStr;

use super::hash::hex_digest;
use super::verdict::Rejection;

/// A digest hash algorithm (RFC 8760 §2.1, RFC 7616 §6.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// `MD5` (RFC 2617 §3.2.1), the default when a credential names no algorithm.
    Md5,
    /// `SHA-256` (RFC 7616 §6.1, RFC 8760 §2.1), preferred by RFC 8760 §2.4.
    Sha256,
}

impl Algorithm {
    /// The token used in the `algorithm` parameter (RFC 7616 §3.3): `"MD5"` or `"SHA-256"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Md5 => "MD5",
            Algorithm::Sha256 => "SHA-256",
        }
    }

    /// Length of a hex-encoded digest of this algorithm (RFC 7616 §3.4: lower-case hex).
    pub(super) fn hex_len(self) -> usize {
        match self {
            Algorithm::Md5 => 32,
            Algorithm::Sha256 => 64,
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Algorithm {
    type Err = Rejection;

    /// Parses an `algorithm` token case-insensitively (RFC 7616 §3.3); `-sess` variants and
    /// anything else are [`Rejection::UnsupportedAlgorithm`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.eq_ignore_ascii_case("MD5") {
            Ok(Algorithm::Md5)
        } else if s.eq_ignore_ascii_case("SHA-256") {
            Ok(Algorithm::Sha256)
        } else {
            Err(Rejection::UnsupportedAlgorithm)
        }
    }
}

/// HA1 = H(username ":" realm ":" password) as lower-case hex (RFC 7616 §3.4.2); this is
/// the secret a store keeps per user and algorithm instead of the password.
pub fn ha1_hex(alg: Algorithm, username: &str, realm: &str, password: &str) -> String {
    hex_digest(
        alg,
        &[username.as_bytes(), realm.as_bytes(), password.as_bytes()],
    )
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_case_insensitively() {
        for alg in [Algorithm::Md5, Algorithm::Sha256] {
            assert_eq!(alg.as_str().parse::<Algorithm>(), Ok(alg));
            assert_eq!(alg.as_str().to_lowercase().parse::<Algorithm>(), Ok(alg));
            assert_eq!(alg.to_string(), alg.as_str());
        }
    }

    #[test]
    fn sess_and_unknown_algorithms_are_unsupported() {
        for name in ["MD5-sess", "SHA-256-sess", "SHA-512-256", "", "md"] {
            assert_eq!(
                name.parse::<Algorithm>(),
                Err(Rejection::UnsupportedAlgorithm)
            );
        }
    }

    /// RFC 2617 §3.5: HA1 of Mufasa / testrealm@host.com / "Circle Of Life".
    #[test]
    fn rfc2617_ha1() {
        assert_eq!(
            ha1_hex(
                Algorithm::Md5,
                "Mufasa",
                "testrealm@host.com",
                "Circle Of Life"
            ),
            "939e7578ed9e3c518a452acee763bce9"
        );
    }

    #[test]
    fn ha1_lengths() {
        assert_eq!(ha1_hex(Algorithm::Md5, "a", "b", "c").len(), 32);
        assert_eq!(ha1_hex(Algorithm::Sha256, "a", "b", "c").len(), 64);
    }
}
