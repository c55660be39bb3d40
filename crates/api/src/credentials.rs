//! Web passwords (argon2id, PHC strings), API tokens and session ids (32 random bytes,
//! hex, stored as SHA-256 hex), and the digest HA1 values a SIP password is kept as.
//!
//! Invariants: a clear password, token or session id is never stored or logged; password
//! checks run on the blocking pool (argon2 is deliberately slow); an unknown account is
//! checked against a dummy hash so it costs the same time as a wrong password.

use crate::ApiError;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::sync::OnceLock;
use vpbx_model::{Domain, Extension, Password};
use vpbx_sip_proto::digest::{ha1_hex, Algorithm};

/// Shortest web password accepted.
pub const MIN_PASSWORD: usize = 8;
/// Longest web password accepted.
pub const MAX_PASSWORD: usize = 256;

/// Hashes `password` with argon2id and a fresh salt; `Invalid("password")` if its length
/// is out of range.
pub fn hash_password(password: &str) -> Result<String, ApiError> {
    let len = password.chars().count();
    if !(MIN_PASSWORD..=MAX_PASSWORD).contains(&len) {
        return Err(ApiError::invalid(
            "password",
            format!("must be {MIN_PASSWORD} to {MAX_PASSWORD} characters"),
        ));
    }
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ApiError::Internal(format!("argon2: {e}")))
}

/// Whether `password` matches the PHC string `hash` (`false` for a malformed hash).
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// Like [`verify_password`] against `hash`, or against a dummy hash (always `false`, same
/// cost) when there is no account; runs on the blocking pool.
pub async fn check_password(password: String, hash: Option<String>) -> Result<bool, ApiError> {
    tokio::task::spawn_blocking(move || match hash {
        Some(h) => verify_password(&password, &h),
        None => {
            verify_password(&password, dummy_hash());
            false
        }
    })
    .await
    .map_err(|e| ApiError::Internal(format!("password check task: {e}")))
}

/// A hash of a random password, computed once.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        Argon2::default()
            .hash_password(random_secret().as_bytes(), &salt)
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}

/// 32 random bytes from the OS, as 64 hex digits: an API token or a session id.
pub fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// SHA-256 of `secret`, hex: what the store keeps of a token or session id.
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// The MD5 and SHA-256 digest HA1 of SIP user `ext` of tenant `domain` with password `pw`
/// (RFC 8760 §2; realm = the tenant's domain): what the store keeps of a SIP password.
pub fn sip_ha1s(domain: &Domain, ext: &Extension, pw: &Password) -> (String, String) {
    let ha1 = |alg| ha1_hex(alg, ext.as_str(), domain.as_str(), pw.expose());
    (ha1(Algorithm::Md5), ha1(Algorithm::Sha256))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_and_verify() {
        let h = hash_password("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("wrong horse", &h));
        assert!(!verify_password("x", "not a hash"));
        assert!(matches!(
            hash_password("short"),
            Err(ApiError::Invalid { field, .. }) if field == "password"
        ));
    }

    #[test]
    fn secrets_are_random_and_hashed() {
        let (a, b) = (random_secret(), random_secret());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_eq!(secret_hash(&a).len(), 64);
        assert_ne!(secret_hash(&a), a);
    }
}
