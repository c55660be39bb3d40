//! The media plane seen from the call core: anchored RTP relays (RFC 3550 RTP/RTCP,
//! RFC 4961 symmetric RTP, latching for NAT).
//!
//! A call gets one [`MediaSession`]: side A faces the caller, side B the callee(s), each
//! with an RTP/RTCP port pair (even/odd, RFC 3550 §11) on the media address. The core
//! rewrites SDP to point each party at its side and tells the plane where each party
//! said it receives ([`MediaPlane::set_remote`]). Packets arriving on side A are sent out
//! of side B's socket to B's remote, and the other way round, so each party sends to and
//! receives from one address (symmetric RTP).
//!
//! Invariants: the core never touches sockets; everything it learns back (RTP timeout)
//! arrives as a [`MediaEvent`] carrying the `owner` token it gave at `open`.

pub mod app;
pub mod ports;
pub mod prompts;
pub mod recorder;
pub mod relay;

use std::net::{IpAddr, SocketAddr};

/// Which party a side of a session faces.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Side {
    /// The caller.
    A,
    /// The callee.
    B,
}

/// Identifies a session in its media plane.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MediaId(pub u64);

/// A relay opened for a call: where each side listens (RTP port; RTCP is port + 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MediaSession {
    /// Session id for later calls.
    pub id: MediaId,
    /// Address advertised in SDP c= lines (RFC 8866 §5.7).
    pub ip: IpAddr,
    /// RTP port of the side facing the caller.
    pub a_port: u16,
    /// RTP port of the side facing the callee.
    pub b_port: u16,
}

/// Quality of one leg as measured by the relay (RFC 3550 §6.4 report blocks, §6.4.1 jitter).
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LegQuality {
    /// RTP packets received from this leg's party.
    pub packets_in: u64,
    /// RTP packets sent to this leg's party.
    pub packets_out: u64,
    /// RTP packets from this leg's party dropped (unexpected source).
    pub dropped: u64,
    /// Packets the party reported lost in its last RTCP report block (cumulative, §6.4.1).
    pub lost: Option<i64>,
    /// Fraction lost in the party's last report, 0..=1.
    pub fraction_lost: Option<f64>,
    /// Interarrival jitter the party last reported, milliseconds.
    pub jitter_ms: Option<f64>,
    /// Round-trip time between the relay and the party from LSR/DLSR, milliseconds.
    pub rtt_ms: Option<f64>,
}

/// What a session measured by the time it closed.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct MediaStats {
    /// Leg facing the caller.
    pub a: LegQuality,
    /// Leg facing the callee.
    pub b: LegQuality,
}

/// Something the media plane reports to the core.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MediaEvent {
    /// No RTP arrived on either side for the configured timeout while timeouts were armed
    /// (the seed's `rtptimeout`): the call is dead.
    Timeout,
    /// The party facing an application pressed a key (RFC 4733 or in-band DTMF).
    Digit(char),
    /// The prompts an application was told to play have all been sent.
    PlaybackDone,
}

/// What an application plays to its party.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Playback {
    /// These WAV files one after the other (any format the codec crate reads; converted
    /// to 8 kHz mono); a missing or broken file is skipped with a log line.
    Files(Vec<std::path::PathBuf>),
    /// These WAV files one after the other, over and over until replaced (music on hold).
    Loop(Vec<std::path::PathBuf>),
    /// A call-progress tone until replaced.
    Tone(vpbx_codec::CallProgress),
    /// The half-second 1 kHz beep before a voicemail message is recorded; reported as
    /// [`MediaEvent::PlaybackDone`] like a file.
    Beep,
    /// Silence.
    Silence,
}

/// Why a session could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    /// Every port pair of the configured range is in use.
    #[error("no free RTP port pair in the configured range")]
    PortsExhausted,
    /// Binding a socket failed.
    #[error("cannot bind an RTP socket: {0}")]
    Bind(#[from] std::io::Error),
}

/// The media plane as the call core uses it; the engine's [`relay::Relay`] implements it
/// over UDP sockets, tests use a fake.
pub trait MediaPlane: Send + Sync {
    /// Opens a session for a call; `owner` comes back with every [`MediaEvent`].
    fn open(&self, owner: u64) -> Result<MediaSession, MediaError>;
    /// Sets where the party of `side` receives RTP and RTCP (from its SDP, RFC 3264 §5);
    /// latching may later move it to the address packets really come from.
    fn set_remote(&self, id: MediaId, side: Side, rtp: SocketAddr, rtcp: SocketAddr);
    /// Arms (true) or disarms (false, e.g. while on hold) the RTP timeout.
    fn set_timeout_armed(&self, id: MediaId, armed: bool);
    /// Starts recording the session into `relative` (a path under the data directory) as
    /// stereo WAV, caller left, or with `caller_only` the caller alone in mono (a
    /// voicemail message); false if it cannot (no recorder, disk nearly full). The
    /// recording ends when the session closes.
    fn record(&self, id: MediaId, relative: &str, caller_only: bool) -> bool;
    /// Makes `side` talk to vpbx instead of the other side (an IVR): from now on its
    /// packets are not relayed but watched for digits, and it hears what [`play`] says
    /// (silence until then). [`bridge`] ends it.
    ///
    /// [`play`]: MediaPlane::play
    /// [`bridge`]: MediaPlane::bridge
    fn start_app(&self, id: MediaId, side: Side, config: app::AppConfig);
    /// Replaces what the application on `side` plays; a finished file list is reported
    /// as [`MediaEvent::PlaybackDone`].
    fn play(&self, id: MediaId, side: Side, playback: Playback);
    /// Ends the application on `side`: its packets are relayed to the other side again.
    fn bridge(&self, id: MediaId, side: Side);
    /// Closes the session, frees its ports and returns what it measured.
    fn close(&self, id: MediaId) -> Option<MediaStats>;
}
