//! The HTTPS certificate of `vpbx serve --https` when none is configured: a self-signed
//! one (RFC 5280) made on first start and kept in `DATA/https/`, so browsers that were
//! told to trust it once keep trusting it across restarts.
//!
//! Invariants: an existing pair is reused as it is; the key file is created owner-only
//! (0600); the certificate names `localhost`, 127.0.0.1, ::1 and the listen address.

use anyhow::Context;
use rcgen::{date_time_ymd, CertificateParams, DistinguishedName, DnType, KeyPair, SanType};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};

/// Certificate and key files of the HTTPS listener.
pub struct CertFiles {
    /// PEM certificate.
    pub cert: PathBuf,
    /// PEM private key.
    pub key: PathBuf,
}

/// Returns `DATA/https/cert.pem` and `key.pem`, creating a self-signed pair for `listen`
/// first when they do not exist yet.
pub fn ensure(data: &Path, listen: SocketAddr) -> anyhow::Result<CertFiles> {
    let dir = data.join("https");
    let files = CertFiles {
        cert: dir.join("cert.pem"),
        key: dir.join("key.pem"),
    };
    if files.cert.exists() && files.key.exists() {
        return Ok(files);
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let key = KeyPair::generate().context("cannot generate the HTTPS key")?;
    let mut params = CertificateParams::new(vec!["localhost".to_owned()])
        .context("cannot build the HTTPS certificate")?;
    let mut ips = vec![
        IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(Ipv6Addr::LOCALHOST),
    ];
    if !listen.ip().is_unspecified() && !ips.contains(&listen.ip()) {
        ips.push(listen.ip());
    }
    params
        .subject_alt_names
        .extend(ips.into_iter().map(SanType::IpAddress));
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, "vpbx self-signed");
    params.distinguished_name = name;
    let year = this_year();
    params.not_before = date_time_ymd(year - 1, 1, 1);
    params.not_after = date_time_ymd(year + 10, 1, 1);
    let cert = params
        .self_signed(&key)
        .context("cannot sign the HTTPS certificate")?;
    write_private(&files.key, key.serialize_pem().as_bytes())?;
    std::fs::write(&files.cert, cert.pem())
        .with_context(|| format!("cannot write {}", files.cert.display()))?;
    tracing::info!(
        cert = %files.cert.display(),
        sha256 = %fingerprint(cert.der()),
        "made a self-signed HTTPS certificate; give --https-cert/--https-key for a real one"
    );
    Ok(files)
}

/// The certificate's SHA-256 fingerprint as browsers show it (`AB:CD:...`).
fn fingerprint(der: &[u8]) -> String {
    Sha256::digest(der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// The current year (UTC), close enough for certificate validity bounds.
fn this_year() -> i32 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    1970 + i32::try_from(secs / 31_556_952).unwrap_or(0)
}

/// Writes `bytes` to a new file only its owner can read.
fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(bytes)
        .with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_once_then_reused() {
        let dir = tempfile::tempdir().unwrap();
        let listen: SocketAddr = "127.0.0.1:8443".parse().unwrap();
        let first = ensure(dir.path(), listen).unwrap();
        let pem = std::fs::read(&first.cert).unwrap();
        assert!(std::str::from_utf8(&pem)
            .unwrap()
            .starts_with("-----BEGIN CERTIFICATE-----"));
        let again = ensure(dir.path(), listen).unwrap();
        assert_eq!(std::fs::read(&again.cert).unwrap(), pem);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&first.key).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(vpbx_engine::transport::tls::acceptor(&first.cert, &first.key).is_ok());
    }
}
