//! Encryption of trunk secrets at rest: ChaCha20-Poly1305 (RFC 8439 §2.8) with a 32-byte
//! key kept in `<data dir>/trunk.key`.
//!
//! Invariants:
//! - The key file is created once, atomically (written to a temporary file with mode 0600,
//!   then hard-linked into place, so two processes starting at once agree on one key), and
//!   is refused when group or others may read it or when it is not exactly 32 bytes.
//! - Every sealed value is `nonce (12 random bytes) || ciphertext || tag (16 bytes)`; a
//!   nonce is never reused with the key because each one is drawn from the OS RNG.
//! - Neither the key nor a plain secret appears in any `Debug` output or error message.

use crate::StoreError;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use std::fmt;
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

/// Name of the key file inside the data directory.
pub const KEY_FILE: &str = "trunk.key";
/// Length of the key in bytes (RFC 8439 §2.8).
const KEY_LEN: usize = 32;
/// Length of the nonce in bytes (RFC 8439 §2.8).
const NONCE_LEN: usize = 12;
/// Length of the Poly1305 tag in bytes (RFC 8439 §2.8).
const TAG_LEN: usize = 16;

/// Seals and opens trunk secrets with the data directory's key (RFC 8439 §2.8 AEAD).
#[derive(Clone)]
pub struct SecretBox {
    cipher: ChaCha20Poly1305,
}

/// A secret as stored: `nonce || ciphertext || tag`. Its `Debug` shows only the length.
#[derive(Clone, PartialEq, Eq)]
pub struct SealedSecret(pub Vec<u8>);

impl fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretBox(***)")
    }
}

impl fmt::Debug for SealedSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SealedSecret({} bytes)", self.0.len())
    }
}

impl SecretBox {
    /// Loads `<data_dir>/trunk.key`, creating the directory (mode 0700) and a fresh random
    /// key (mode 0600) when missing. `Invalid` if the file has the wrong length or is
    /// readable by group or others; `Io` if it cannot be read or written.
    pub fn open_or_create(data_dir: &Path) -> Result<SecretBox, StoreError> {
        let mut dir = std::fs::DirBuilder::new();
        dir.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut dir, 0o700);
        dir.create(data_dir)?;
        let path = data_dir.join(KEY_FILE);
        if !path.exists() {
            create_key_file(data_dir, &path)?;
        }
        check_mode(&path)?;
        let bytes = std::fs::read(&path)?;
        if bytes.len() != KEY_LEN {
            return Err(StoreError::Invalid(format!(
                "{}: expected {KEY_LEN} bytes, found {}",
                path.display(),
                bytes.len()
            )));
        }
        Ok(SecretBox::from_key(Key::from_slice(&bytes)))
    }

    /// A box with an explicit key (tests, and a future key from a secrets manager).
    pub fn from_bytes(key: [u8; KEY_LEN]) -> SecretBox {
        SecretBox::from_key(Key::from_slice(&key))
    }

    fn from_key(key: &Key) -> SecretBox {
        SecretBox {
            cipher: ChaCha20Poly1305::new(key),
        }
    }

    /// Encrypts `plain` under a fresh random nonce (RFC 8439 §2.8): `nonce || ct || tag`.
    pub fn seal(&self, plain: &str) -> Result<SealedSecret, StoreError> {
        let nonce = ChaCha20Poly1305::generate_nonce(&mut OsRng);
        let ct = self
            .cipher
            .encrypt(&nonce, plain.as_bytes())
            .map_err(|_| StoreError::Invalid("secret too long to encrypt".into()))?;
        let mut out = Vec::with_capacity(NONCE_LEN + ct.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        Ok(SealedSecret(out))
    }

    /// Decrypts a value made by [`SecretBox::seal`] with the same key. `Corrupt` when it is
    /// truncated, was altered, or was sealed with another key (RFC 8439 §2.8 tag check).
    pub fn open(&self, sealed: &[u8]) -> Result<String, StoreError> {
        let corrupt = || {
            StoreError::Corrupt(
                "trunk secret cannot be decrypted (altered, or sealed with another trunk.key)"
                    .into(),
            )
        };
        if sealed.len() < NONCE_LEN + TAG_LEN {
            return Err(corrupt());
        }
        let (nonce, ct) = sealed.split_at(NONCE_LEN);
        let plain = self
            .cipher
            .decrypt(Nonce::from_slice(nonce), ct)
            .map_err(|_| corrupt())?;
        String::from_utf8(plain).map_err(|_| corrupt())
    }
}

/// Writes a fresh key to a private temporary file and links it to `path`; if another
/// process linked its key first, that one wins and ours is discarded.
fn create_key_file(dir: &Path, path: &Path) -> Result<(), StoreError> {
    let key = ChaCha20Poly1305::generate_key(&mut OsRng);
    static ATTEMPT: AtomicU64 = AtomicU64::new(0);
    let attempt = ATTEMPT.fetch_add(1, Ordering::Relaxed);
    let tmp = dir.join(format!("{KEY_FILE}.{}.{attempt}.tmp", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options.open(&tmp).and_then(|mut f| {
        f.write_all(&key)?;
        f.sync_all()
    });
    let linked = written.and_then(|()| std::fs::hard_link(&tmp, path));
    let removed = std::fs::remove_file(&tmp);
    match linked {
        Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => Err(e.into()),
        _ => Ok(removed?),
    }
}

/// `Invalid` if the key file may be read or written by group or others.
#[cfg(unix)]
fn check_mode(path: &Path) -> Result<(), StoreError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)?.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(StoreError::Invalid(format!(
            "{}: permissions {mode:04o} let others read the key (chmod 600)",
            path.display()
        )));
    }
    Ok(())
}

/// Non-Unix systems have no mode bits to check.
#[cfg(not(unix))]
fn check_mode(_path: &Path) -> Result<(), StoreError> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_round_trip_with_fresh_nonces() {
        let b = SecretBox::from_bytes([7; 32]);
        let a = b.seal("sdfsddf^$#$").unwrap();
        let c = b.seal("sdfsddf^$#$").unwrap();
        assert_ne!(a, c, "each seal draws a new nonce");
        assert_eq!(a.0.len(), NONCE_LEN + 11 + TAG_LEN);
        assert_eq!(b.open(&a.0).unwrap(), "sdfsddf^$#$");
        assert_eq!(format!("{a:?}"), "SealedSecret(39 bytes)");
        assert_eq!(format!("{b:?}"), "SecretBox(***)");
    }

    #[test]
    fn tampered_or_short_values_fail() {
        let b = SecretBox::from_bytes([1; 32]);
        let mut s = b.seal("pw").unwrap().0;
        if let Some(last) = s.last_mut() {
            *last ^= 1;
        }
        assert!(matches!(b.open(&s), Err(StoreError::Corrupt(_))));
        assert!(matches!(b.open(&[0; 27]), Err(StoreError::Corrupt(_))));
    }
}
