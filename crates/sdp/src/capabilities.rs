//! What the local side (the B2BUA leg) supports, as input to offer/answer (RFC 3264 §5, §6):
//! codecs in preference order, transport profiles, packet time, direction and the local
//! address and ports per stream.
//!
//! Invariant: plain data; nothing here is validated against a peer, that is the job of
//! [`crate::negotiate`] and [`mod@crate::offer`].

use std::net::IpAddr;

use crate::direction::Direction;
use crate::media::{MediaType, Proto};
use crate::payload::{PayloadType, RtpCodec};
use crate::session::Origin;

/// A codec the local side can send and receive (RFC 3264 §5.1, §6.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalCodec {
    /// Encoding name, clock rate, channels (RFC 8866 §6.6).
    pub codec: RtpCodec,
    /// Payload type to use when offering; `None` uses the static number (RFC 3551 §6) or
    /// the first free dynamic one. Answers always keep the offerer's numbers.
    pub payload_type: Option<PayloadType>,
    /// Format parameters (RFC 8866 §6.15); for `telephone-event` the supported events
    /// (RFC 4733 §7.1.1).
    pub fmtp: Option<String>,
}

/// The local side of one media stream (RFC 3264 §5.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MediaCapability {
    /// Media type it can serve.
    pub media: MediaType,
    /// Local RTP port.
    pub port: u16,
    /// Accepted transport profiles; the first one is offered (RFC 3264 §5.1).
    pub protos: Vec<Proto>,
    /// Codecs in preference order.
    pub codecs: Vec<LocalCodec>,
    /// Desired packet time in ms (RFC 8866 §6.4).
    pub ptime: Option<u32>,
    /// Maximum packet time in ms (RFC 8866 §6.5).
    pub maxptime: Option<u32>,
    /// Direction the local side wants (RFC 3264 §6.1).
    pub direction: Direction,
    /// Whether RTP and RTCP may share the port (RFC 5761 §5.1.1).
    pub rtcp_mux: bool,
}

/// Everything the local side puts into an offer or answer (RFC 3264 §5, §6).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MediaCapabilities {
    /// The local `o=` line; its version is the caller's to keep (RFC 3264 §8).
    pub origin: Origin,
    /// The `s=` line.
    pub session_name: String,
    /// Local media address, printed as the session-level `c=` (RFC 8866 §5.7).
    pub address: IpAddr,
    /// Streams the local side can serve, in order.
    pub media: Vec<MediaCapability>,
}

impl LocalCodec {
    /// A codec without fixed payload type or parameters.
    pub fn new(codec: RtpCodec) -> LocalCodec {
        LocalCodec {
            codec,
            payload_type: None,
            fmtp: None,
        }
    }

    /// `PCMU/8000`, static payload type 0 (RFC 3551 §4.5.14).
    pub fn pcmu() -> LocalCodec {
        LocalCodec::new(RtpCodec::new("PCMU", 8000, None))
    }

    /// `PCMA/8000`, static payload type 8 (RFC 3551 §4.5.14).
    pub fn pcma() -> LocalCodec {
        LocalCodec::new(RtpCodec::new("PCMA", 8000, None))
    }

    /// `G722/8000`, static payload type 9 (RFC 3551 §4.5.2).
    pub fn g722() -> LocalCodec {
        LocalCodec::new(RtpCodec::new("G722", 8000, None))
    }

    /// `telephone-event/8000` with events `0-16` offered as payload type 101
    /// (RFC 4733 §7.1.1).
    pub fn telephone_event() -> LocalCodec {
        LocalCodec {
            codec: RtpCodec::new("telephone-event", 8000, None),
            payload_type: PayloadType::new(101),
            fmtp: Some("0-16".to_owned()),
        }
    }

    /// The same codec offered under payload type `pt`.
    pub fn with_payload_type(mut self, pt: PayloadType) -> LocalCodec {
        self.payload_type = Some(pt);
        self
    }

    /// The same codec with format parameters `fmtp` (RFC 8866 §6.15).
    pub fn with_fmtp(mut self, fmtp: &str) -> LocalCodec {
        self.fmtp = Some(fmtp.to_owned());
        self
    }

    /// Whether this is an auxiliary format that cannot carry a call alone: RFC 4733
    /// telephone-event or RFC 3389 comfort noise.
    pub(crate) fn is_auxiliary(codec: &RtpCodec) -> bool {
        codec.is_telephone_event() || codec.encoding.eq_ignore_ascii_case("CN")
    }
}

impl MediaCapability {
    /// An `RTP/AVP` audio stream on `port`, `sendrecv`, with `codecs` in preference order
    /// (RFC 3551, RFC 3264 §5.1).
    pub fn audio(port: u16, codecs: Vec<LocalCodec>) -> MediaCapability {
        MediaCapability {
            media: MediaType::Audio,
            port,
            protos: vec![Proto::RtpAvp],
            codecs,
            ptime: None,
            maxptime: None,
            direction: Direction::SendRecv,
            rtcp_mux: false,
        }
    }
}

impl MediaCapabilities {
    /// Capabilities with session name `-` (RFC 8866 §5.3).
    pub fn new(origin: Origin, address: IpAddr, media: Vec<MediaCapability>) -> Self {
        MediaCapabilities {
            origin,
            session_name: "-".to_owned(),
            address,
            media,
        }
    }
}
