//! Engine settings, filled by the CLI from flags.

use std::net::SocketAddr;
use std::path::PathBuf;
use vpbx_sip_proto::digest::Algorithm;
use vpbx_sip_proto::registrar::RegistrarPolicy;

/// A TLS listener: address, PEM certificate chain and PEM private key (RFC 3261 §26.2.1).
#[derive(Clone, Debug)]
pub struct TlsConfig {
    /// Where to listen.
    pub addr: SocketAddr,
    /// PEM file with the certificate chain.
    pub cert: PathBuf,
    /// PEM file with the private key.
    pub key: PathBuf,
}

/// Everything `vpbx serve` needs to run.
#[derive(Clone, Debug)]
pub struct EngineConfig {
    /// Data directory (database, nonce key).
    pub data_dir: PathBuf,
    /// UDP and TCP listeners, one of each per address.
    pub sip: Vec<SocketAddr>,
    /// Optional TLS listener.
    pub tls: Option<TlsConfig>,
    /// Registration interval limits.
    pub registrar: RegistrarPolicy,
    /// Digest algorithms offered in challenges, most preferred first (RFC 8760 §2.4).
    pub digest_algorithms: Vec<Algorithm>,
    /// Lifetime of digest nonces in seconds.
    pub nonce_ttl_secs: u64,
    /// How often the store is polled for CLI changes.
    pub reload_interval: std::time::Duration,
}

impl EngineConfig {
    /// Defaults: UDP+TCP on 0.0.0.0:5060, no TLS, registrar 60..3600 s, digest MD5 then
    /// SHA-256 (MD5 first because many deployed phones, and sipp, answer the first
    /// challenge and know only MD5), nonces 300 s, reload every second.
    pub fn new(data_dir: PathBuf) -> Self {
        Self {
            data_dir,
            sip: vec![SocketAddr::from(([0, 0, 0, 0], 5060))],
            tls: None,
            registrar: RegistrarPolicy::default(),
            digest_algorithms: vec![Algorithm::Md5, Algorithm::Sha256],
            nonce_ttl_secs: 300,
            reload_interval: std::time::Duration::from_secs(1),
        }
    }
}
