//! SIP digest authentication. Server side: RFC 3261 §22.4 with the RFC 8760 algorithms
//! (MD5 and SHA-256) and the RFC 7616 §3.4.1 response formulas, `qop=auth` only. Client
//! side ([`authorize`], RFC 3261 §22.2, §22.3): answers 401/407 challenges with the
//! strongest offered algorithm.
//!
//! Invariants:
//! - Stored secrets are HA1 hex strings (RFC 7616 §3.4.2), one per algorithm; passwords are
//!   never handled except by [`ha1_hex`], which provisioning uses to derive them.
//! - Nonces are stateless: they carry their issue time and an HMAC-SHA256 over that time
//!   and the realm, so any node with the same secret can check them.
//! - The client never answers a `-sess`, `auth-int`-only or non-Digest challenge.
//! - An unknown user costs the same work as a known one and yields the same
//!   [`Rejection::BadResponse`] as a wrong password.

mod algorithm;
mod client;
mod hash;
mod nonce;
mod verdict;
mod verifier;

#[cfg(test)]
mod tests;

pub use algorithm::{ha1_hex, Algorithm};
pub use client::{answer_challenge, authorize, best_challenge, challenge_headers, ChallengeError};
pub use verdict::{Rejection, Verdict};
pub use verifier::DigestVerifier;
