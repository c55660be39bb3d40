//! Media descriptions: the `m=` line (RFC 8866 §5.14) with its media-level `i=`, `c=`, `b=`,
//! `k=` and `a=` lines, and the views of them that do not depend on the session level.
//!
//! Invariants: for an RTP profile ([`Proto::is_rtp`]) every format is a payload type
//! 0..=127 when built by the parser; `port_count` is at least one; `Other` media types and
//! protocols are tokens (protocols: `/`-separated tokens) different from the known ones.

use crate::attribute::{self, Attribute, Rtcp};
use crate::bandwidth::Bandwidth;
use crate::connection::Connection;
use crate::direction::Direction;
use crate::lex;
use crate::payload::{PayloadType, RtpCodec};
use crate::rtpmap::{Fmtp, RtpMap};

/// The media type of an `m=` line (RFC 8866 §5.14, §8.2.2).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum MediaType {
    /// `audio`.
    Audio,
    /// `video`.
    Video,
    /// `text`.
    Text,
    /// `application`.
    Application,
    /// `message`.
    Message,
    /// `image` (T.38 fax, RFC 6466).
    Image,
    /// Any other token, verbatim.
    Other(String),
}

/// The transport protocol of an `m=` line (RFC 8866 §5.14, §8.2.3).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Proto {
    /// `udp` (RFC 8866 §5.14).
    Udp,
    /// `RTP/AVP` (RFC 3551).
    RtpAvp,
    /// `RTP/SAVP` (RFC 3711).
    RtpSavp,
    /// `RTP/AVPF` (RFC 4585).
    RtpAvpf,
    /// `RTP/SAVPF` (RFC 5124).
    RtpSavpf,
    /// `UDP/TLS/RTP/SAVP`, DTLS-SRTP (RFC 5764 §8).
    UdpTlsRtpSavp,
    /// `UDP/TLS/RTP/SAVPF`, DTLS-SRTP with feedback (RFC 5764 §8).
    UdpTlsRtpSavpf,
    /// Any other protocol (e.g. `udptl`, `TCP/RTP/AVP`), verbatim.
    Other(String),
}

/// A media description (RFC 8866 §5.14 and the lines that follow its `m=` line).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MediaDescription {
    /// Media type.
    pub media: MediaType,
    /// Transport port; 0 rejects or disables the stream (RFC 3264 §6, §8.2).
    pub port: u16,
    /// Number of ports (`<port>/<number of ports>`), if given.
    pub port_count: Option<u16>,
    /// Transport protocol.
    pub proto: Proto,
    /// Media formats (`<fmt>`); RTP payload type numbers for RTP profiles.
    pub formats: Vec<String>,
    /// Media title `i=` (RFC 8866 §5.4).
    pub information: Option<String>,
    /// Media-level `c=` lines (RFC 8866 §5.7); several only for layered multicast.
    pub connections: Vec<Connection>,
    /// Media-level `b=` lines (RFC 8866 §5.8).
    pub bandwidths: Vec<Bandwidth>,
    /// Obsolete `k=` line, verbatim (RFC 8866 §5.12).
    pub key: Option<String>,
    /// Media-level `a=` lines in order (RFC 8866 §5.13).
    pub attributes: Vec<Attribute>,
}

/// Why an `m=` line value is invalid (RFC 8866 §5.14).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MediaLineError {
    /// Port or port count is not a number in range.
    Port,
    /// Anything else.
    Malformed,
}

impl MediaType {
    /// The media token (RFC 8866 §5.14).
    pub fn as_str(&self) -> &str {
        match self {
            MediaType::Audio => "audio",
            MediaType::Video => "video",
            MediaType::Text => "text",
            MediaType::Application => "application",
            MediaType::Message => "message",
            MediaType::Image => "image",
            MediaType::Other(s) => s,
        }
    }

    /// Parses a media token (RFC 8866 §5.14).
    fn parse(s: &str) -> Option<MediaType> {
        Some(match s {
            "audio" => MediaType::Audio,
            "video" => MediaType::Video,
            "text" => MediaType::Text,
            "application" => MediaType::Application,
            "message" => MediaType::Message,
            "image" => MediaType::Image,
            _ if lex::is_token(s) => MediaType::Other(s.to_owned()),
            _ => return None,
        })
    }
}

impl Proto {
    /// The protocol text (RFC 8866 §5.14).
    pub fn as_str(&self) -> &str {
        match self {
            Proto::Udp => "udp",
            Proto::RtpAvp => "RTP/AVP",
            Proto::RtpSavp => "RTP/SAVP",
            Proto::RtpAvpf => "RTP/AVPF",
            Proto::RtpSavpf => "RTP/SAVPF",
            Proto::UdpTlsRtpSavp => "UDP/TLS/RTP/SAVP",
            Proto::UdpTlsRtpSavpf => "UDP/TLS/RTP/SAVPF",
            Proto::Other(s) => s,
        }
    }

    /// Parses a protocol: `token *("/" token)` (RFC 8866 §9 `proto`).
    fn parse(s: &str) -> Option<Proto> {
        Some(match s {
            "udp" => Proto::Udp,
            "RTP/AVP" => Proto::RtpAvp,
            "RTP/SAVP" => Proto::RtpSavp,
            "RTP/AVPF" => Proto::RtpAvpf,
            "RTP/SAVPF" => Proto::RtpSavpf,
            "UDP/TLS/RTP/SAVP" => Proto::UdpTlsRtpSavp,
            "UDP/TLS/RTP/SAVPF" => Proto::UdpTlsRtpSavpf,
            _ if s.split('/').all(lex::is_token) => Proto::Other(s.to_owned()),
            _ => return None,
        })
    }

    /// Whether formats are RTP payload types: any profile containing `RTP/`
    /// (RFC 8866 §5.14: for RTP profiles `<fmt>` is a payload type number).
    pub fn is_rtp(&self) -> bool {
        match self {
            Proto::Udp => false,
            Proto::Other(s) => s.to_ascii_uppercase().contains("RTP/"),
            _ => true,
        }
    }
}

impl MediaDescription {
    /// A media description with no optional lines (RFC 8866 §5.14).
    pub fn new(media: MediaType, port: u16, proto: Proto, formats: Vec<String>) -> Self {
        MediaDescription {
            media,
            port,
            port_count: None,
            proto,
            formats,
            information: None,
            connections: Vec::new(),
            bandwidths: Vec::new(),
            key: None,
            attributes: Vec::new(),
        }
    }

    /// Parses the value of an `m=` line (RFC 8866 §5.14).
    pub(crate) fn parse_line(value: &str) -> Result<MediaDescription, MediaLineError> {
        let mut it = lex::fields(value);
        let media = it.next().and_then(MediaType::parse);
        let ports = it.next().ok_or(MediaLineError::Malformed)?;
        let proto = it.next().and_then(Proto::parse);
        let (media, proto) = media.zip(proto).ok_or(MediaLineError::Malformed)?;
        let (port, count) = match ports.split_once('/') {
            Some((port, count)) => (port, Some(count)),
            None => (ports, None),
        };
        let port = lex::digits(port).ok_or(MediaLineError::Port)?;
        let port_count = match count {
            None => None,
            Some(c) => Some(
                lex::digits::<u16>(c)
                    .filter(|&c| c > 0)
                    .ok_or(MediaLineError::Port)?,
            ),
        };
        let formats: Vec<String> = it.map(str::to_owned).collect();
        if proto.is_rtp() && formats.iter().any(|f| PayloadType::parse(f).is_none()) {
            return Err(MediaLineError::Malformed);
        }
        let mut m = MediaDescription::new(media, port, proto, formats);
        m.port_count = port_count;
        Ok(m)
    }

    /// Whether the stream is rejected or disabled: port 0 (RFC 3264 §6, §8.2).
    pub fn is_rejected(&self) -> bool {
        self.port == 0
    }

    /// The formats that are RTP payload types, in order (RFC 8866 §5.14).
    pub fn payload_types(&self) -> Vec<PayloadType> {
        self.formats
            .iter()
            .filter_map(|f| PayloadType::parse(f))
            .collect()
    }

    /// The `a=rtpmap` for `pt`, if any (RFC 8866 §6.6).
    pub fn rtpmap(&self, pt: PayloadType) -> Option<&RtpMap> {
        self.attributes.iter().find_map(|a| match a {
            Attribute::RtpMap(m) if m.payload_type == pt => Some(m),
            _ => None,
        })
    }

    /// The `a=fmtp` for `pt`, if any (RFC 8866 §6.15).
    pub fn fmtp(&self, pt: PayloadType) -> Option<&Fmtp> {
        self.attributes.iter().find_map(|a| match a {
            Attribute::Fmtp(f) if f.payload_type == pt => Some(f),
            _ => None,
        })
    }

    /// The codec of `pt`: its `a=rtpmap`, else its static assignment (RFC 8866 §6.6,
    /// RFC 3551 §6).
    pub fn codec(&self, pt: PayloadType) -> Option<RtpCodec> {
        match self.rtpmap(pt) {
            Some(m) => Some(m.codec.clone()),
            None => pt.static_codec(),
        }
    }

    /// The `a=ptime` value in milliseconds (RFC 8866 §6.4).
    pub fn ptime(&self) -> Option<u32> {
        self.attributes.iter().find_map(|a| match a {
            Attribute::Ptime(p) => Some(*p),
            _ => None,
        })
    }

    /// The `a=maxptime` value in milliseconds (RFC 8866 §6.5).
    pub fn maxptime(&self) -> Option<u32> {
        self.attributes.iter().find_map(|a| match a {
            Attribute::MaxPtime(p) => Some(*p),
            _ => None,
        })
    }

    /// The media-level direction attribute, if any; the session level supplies the default
    /// (RFC 8866 §6.7).
    pub fn direction_attribute(&self) -> Option<Direction> {
        attribute::direction_in(&self.attributes)
    }

    /// Replaces the media-level direction attributes by `direction` (RFC 8866 §6.7,
    /// RFC 3264 §8.4), keeping the position of the first one.
    pub fn set_direction(&mut self, direction: Direction) {
        let at = self
            .attributes
            .iter()
            .position(|a| matches!(a, Attribute::Direction(_)))
            .unwrap_or(self.attributes.len());
        self.attributes
            .retain(|a| !matches!(a, Attribute::Direction(_)));
        let at = at.min(self.attributes.len());
        self.attributes.insert(at, Attribute::Direction(direction));
    }

    /// The `a=rtcp` attribute, if any (RFC 3605 §2.1).
    pub fn rtcp(&self) -> Option<&Rtcp> {
        self.attributes.iter().find_map(|a| match a {
            Attribute::Rtcp(r) => Some(r),
            _ => None,
        })
    }

    /// Whether `a=rtcp-mux` is present (RFC 5761 §5.1.1).
    pub fn rtcp_mux(&self) -> bool {
        self.attributes.contains(&Attribute::RtcpMux)
    }

    /// The first attribute named `name` (RFC 8866 §5.13), typed or not.
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc8866_s5_14_media_line() {
        let m = MediaDescription::parse_line("audio 49170 RTP/AVP 0 8 101");
        let m = m.as_ref().ok();
        assert_eq!(m.map(|m| m.port), Some(49170));
        assert_eq!(m.map(|m| m.payload_types().len()), Some(3));
        let m = MediaDescription::parse_line("video 49170/2 RTP/AVPF 96");
        assert_eq!(m.ok().and_then(|m| m.port_count), Some(2));
        let m = MediaDescription::parse_line("image 9 udptl t38");
        assert_eq!(
            m.map(|m| (m.media, m.proto, m.formats)),
            Ok((
                MediaType::Image,
                Proto::Other("udptl".into()),
                vec!["t38".into()]
            ))
        );
        let m = MediaDescription::parse_line("audio 9 UDP/TLS/RTP/SAVPF 111");
        assert_eq!(m.map(|m| m.proto), Ok(Proto::UdpTlsRtpSavpf));
        let m = MediaDescription::parse_line("audio 0 RTP/AVP");
        assert!(m.is_ok_and(|m| m.is_rejected() && m.formats.is_empty()));
    }

    #[test]
    fn bad_ports_and_formats() {
        use MediaLineError::*;
        for (line, err) in [
            ("audio 70000 RTP/AVP 0", Port),
            ("audio -1 RTP/AVP 0", Port),
            ("audio x RTP/AVP 0", Port),
            ("audio 4000/0 RTP/AVP 0", Port),
            ("audio 4000/x RTP/AVP 0", Port),
            ("audio 4000 RTP/AVP 128", Malformed),
            ("audio 4000 RTP/AVP PCMU", Malformed),
            ("audio 4000", Malformed),
            ("audio", Malformed),
            ("au(dio 4000 RTP/AVP 0", Malformed),
            ("audio 4000 RTP//AVP 0", Malformed),
        ] {
            assert_eq!(MediaDescription::parse_line(line), Err(err), "{line}");
        }
    }

    #[test]
    fn proto_classification() {
        assert!(Proto::RtpAvp.is_rtp());
        assert!(Proto::UdpTlsRtpSavpf.is_rtp());
        assert!(Proto::Other("TCP/RTP/AVP".into()).is_rtp());
        assert!(!Proto::Udp.is_rtp());
        assert!(!Proto::Other("udptl".into()).is_rtp());
    }

    #[test]
    fn set_direction_replaces_in_place() {
        let mut m = MediaDescription::new(MediaType::Audio, 4000, Proto::RtpAvp, vec!["0".into()]);
        m.attributes = vec![
            Attribute::Ptime(20),
            Attribute::Direction(Direction::SendRecv),
            Attribute::RtcpMux,
            Attribute::Direction(Direction::SendRecv),
        ];
        m.set_direction(Direction::SendOnly);
        assert_eq!(
            m.attributes,
            vec![
                Attribute::Ptime(20),
                Attribute::Direction(Direction::SendOnly),
                Attribute::RtcpMux
            ]
        );
        let mut m = MediaDescription::new(MediaType::Audio, 4000, Proto::RtpAvp, vec![]);
        m.set_direction(Direction::Inactive);
        assert_eq!(m.direction_attribute(), Some(Direction::Inactive));
    }

    #[test]
    fn codec_falls_back_to_static_table() {
        let mut m = MediaDescription::new(
            MediaType::Audio,
            4000,
            Proto::RtpAvp,
            vec!["0".into(), "96".into(), "97".into()],
        );
        m.attributes
            .push(Attribute::parse("rtpmap:96 opus/48000/2").unwrap_or(Attribute::RtcpMux));
        assert_eq!(
            m.codec(PayloadType::PCMU),
            Some(RtpCodec::new("PCMU", 8000, None))
        );
        let pt = |n| PayloadType::new(n).unwrap_or(PayloadType::PCMU);
        assert_eq!(m.codec(pt(96)), Some(RtpCodec::new("opus", 48000, Some(2))));
        assert_eq!(m.codec(pt(97)), None);
    }
}
