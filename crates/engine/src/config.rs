//! Engine settings, filled by the CLI from flags.

use std::net::{IpAddr, SocketAddr};
use std::ops::RangeInclusive;
use std::path::PathBuf;
use std::time::Duration;
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
    pub reload_interval: Duration,
    /// UDP ports for RTP/RTCP relay sockets (RTP on even ports, RTCP on the next odd one,
    /// RFC 3550 §11).
    pub rtp_ports: RangeInclusive<u16>,
    /// A call that has received no RTP or RTCP for this long (and is not on hold) is hung
    /// up, like Asterisk's `rtptimeout` in the seed; `Duration::ZERO` disables the check.
    pub rtp_timeout: Duration,
    /// Address written into SDP for relayed media. `None`: the IP of the first `sip`
    /// address, or, when that is unspecified (0.0.0.0 / ::), the host's primary IP (the
    /// engine resolves it at start).
    pub media_ip: Option<IpAddr>,
    /// How long a callee may ring before the caller gets 480 (the seed's Dial timeout).
    pub ring_timeout: Duration,
    /// Call limit of extensions that have none of their own (`None`: unlimited), so a
    /// flood of INVITEs to one extension is refused with 486 instead of ringing it without
    /// end.
    pub default_call_limit: Option<u32>,
    /// Extra CA certificates (PEM) trusted for TLS trunks, besides the system store.
    pub carrier_ca: Option<PathBuf>,
    /// Where voicemail is mailed from (`vpbx serve --smtp ...`); `None`: voicemail is
    /// kept but not mailed.
    pub smtp: Option<vpbx_mail::SmtpConfig>,
    /// Free space the data disk must keep, in bytes: below it no new call is recorded and
    /// an `ALARM` line is logged (calls in progress and their recordings go on).
    pub recording_min_free: u64,
}

impl EngineConfig {
    /// Defaults: UDP+TCP on 0.0.0.0:5060, no TLS, registrar 60..3600 s, digest challenges
    /// with MD5 only (phones built on libre before 2.x, e.g. baresip 1.0, give up on a 401
    /// that also offers SHA-256, and sipp 3.6 answers only MD5; SHA-256 is offered when
    /// configured, RFC 8760 §2.4), nonces 300 s, reload every second, RTP ports
    /// 10000..=20000, RTP timeout 60 s, media address derived from the SIP address, callees
    /// ring for at most 60 s, extensions without their own call limit take at most 20 calls,
    /// calls are recorded while the data disk has at least 256 MiB free.
    pub fn new(data_dir: PathBuf) -> Self {
        Self {
            data_dir,
            sip: vec![SocketAddr::from(([0, 0, 0, 0], 5060))],
            tls: None,
            registrar: RegistrarPolicy::default(),
            digest_algorithms: vec![Algorithm::Md5],
            nonce_ttl_secs: 300,
            reload_interval: Duration::from_secs(1),
            rtp_ports: 10_000..=20_000,
            rtp_timeout: Duration::from_secs(60),
            media_ip: None,
            ring_timeout: Duration::from_secs(60),
            default_call_limit: Some(20),
            carrier_ca: None,
            smtp: None,
            recording_min_free: crate::recordings::MIN_FREE_BYTES,
        }
    }
}
