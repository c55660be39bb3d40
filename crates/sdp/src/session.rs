//! The session description (RFC 8866 §5) with its origin (§5.2), and the views that combine
//! session and media level: effective connection (§5.7), effective direction (§6.7), RTP and
//! RTCP addresses (RFC 3605, RFC 5761), hold detection (RFC 3264 §8.4) and the version
//! increment of a modified session (RFC 3264 §8).
//!
//! Invariants: a parsed description has at least one time description and, for every
//! stream that is not rejected, a connection at media or session level. Text fields
//! (`s=`, `i=`, `u=`, `e=`, `p=`, `k=`) hold no CR, LF or NUL.

use std::net::{IpAddr, SocketAddr};

use crate::attribute::{self, Attribute};
use crate::bandwidth::Bandwidth;
use crate::connection::{AddrType, Address, Connection, NetType};
use crate::direction::Direction;
use crate::lex;
use crate::media::MediaDescription;
use crate::timing::Timing;

/// The `o=` line: `<username> <sess-id> <sess-version> <nettype> <addrtype>
/// <unicast-address>` (RFC 8866 §5.2).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Origin {
    /// User name on the originating host, `-` when there is none.
    pub username: String,
    /// Session id, verbatim (digits by RFC 8866 §5.2, not interpreted).
    pub session_id: String,
    /// Session version; increases with every modification (RFC 3264 §8).
    pub session_version: u64,
    /// Network type.
    pub net_type: NetType,
    /// Address type.
    pub addr_type: AddrType,
    /// Address of the originating host.
    pub address: Address,
}

/// A whole session description (RFC 8866 §5).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SessionDescription {
    /// `o=` (RFC 8866 §5.2).
    pub origin: Origin,
    /// `s=` (RFC 8866 §5.3); `" "` or `-` when meaningless.
    pub session_name: String,
    /// Session-level `i=` (RFC 8866 §5.4).
    pub information: Option<String>,
    /// `u=` (RFC 8866 §5.5).
    pub uri: Option<String>,
    /// `e=` lines (RFC 8866 §5.6).
    pub emails: Vec<String>,
    /// `p=` lines (RFC 8866 §5.6).
    pub phones: Vec<String>,
    /// Session-level `c=` (RFC 8866 §5.7).
    pub connection: Option<Connection>,
    /// Session-level `b=` lines (RFC 8866 §5.8).
    pub bandwidths: Vec<Bandwidth>,
    /// Time descriptions, at least one (RFC 8866 §5.9–§5.11).
    pub timings: Vec<Timing>,
    /// Obsolete session-level `k=`, verbatim (RFC 8866 §5.12).
    pub key: Option<String>,
    /// Session-level `a=` lines in order (RFC 8866 §5.13).
    pub attributes: Vec<Attribute>,
    /// Media descriptions in order (RFC 8866 §5.14).
    pub media: Vec<MediaDescription>,
}

impl Origin {
    /// An `o=<username> <session_id> <version> IN IP4|IP6 <ip>` line (RFC 8866 §5.2).
    pub fn new(username: &str, session_id: u64, session_version: u64, ip: IpAddr) -> Origin {
        Origin {
            username: username.to_owned(),
            session_id: session_id.to_string(),
            session_version,
            net_type: NetType::In,
            addr_type: AddrType::of(ip),
            address: Address::Ip(ip),
        }
    }

    /// Parses the value of an `o=` line (RFC 8866 §5.2).
    pub(crate) fn parse(value: &str) -> Option<Origin> {
        let f: Vec<&str> = lex::fields(value).collect();
        let [username, session_id, version, net, addr_type, address] = f.as_slice() else {
            return None;
        };
        let addr_type = AddrType::parse(addr_type)?;
        Some(Origin {
            username: (*username).to_owned(),
            session_id: (*session_id).to_owned(),
            session_version: lex::digits(version)?,
            net_type: NetType::parse(net)?,
            address: Address::parse(&addr_type, address)?,
            addr_type,
        })
    }
}

impl SessionDescription {
    /// A description with `o=`, `s=` and `t=0 0` only (RFC 8866 §5).
    pub fn new(origin: Origin, session_name: &str) -> SessionDescription {
        SessionDescription {
            origin,
            session_name: session_name.to_owned(),
            information: None,
            uri: None,
            emails: Vec::new(),
            phones: Vec::new(),
            connection: None,
            bandwidths: Vec::new(),
            timings: vec![Timing::default()],
            key: None,
            attributes: Vec::new(),
            media: Vec::new(),
        }
    }

    /// The same description with the `o=` version incremented, as a modified offer must
    /// carry (RFC 3264 §8); saturates at `u64::MAX`.
    pub fn next_version(&self) -> SessionDescription {
        let mut next = self.clone();
        next.origin.session_version = next.origin.session_version.saturating_add(1);
        next
    }

    /// Whether `self` repeats `previous` unchanged: same `o=` line including the version,
    /// which RFC 3264 §8 requires for a description that does not change the session
    /// (e.g. a session refresh re-INVITE).
    pub fn is_unchanged_from(&self, previous: &SessionDescription) -> bool {
        self.origin == previous.origin
    }

    /// The session-level direction attribute, if any (RFC 8866 §6.7).
    pub fn direction_attribute(&self) -> Option<Direction> {
        attribute::direction_in(&self.attributes)
    }

    /// The first session-level attribute named `name` (RFC 8866 §5.13).
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name() == name)
    }

    /// The direction of `media`: its own attribute, else the session-level one, else
    /// `sendrecv` (RFC 8866 §6.7).
    pub fn direction_of(&self, media: &MediaDescription) -> Direction {
        media
            .direction_attribute()
            .or_else(|| self.direction_attribute())
            .unwrap_or_default()
    }

    /// The connection of `media`: its first `c=`, else the session-level one
    /// (RFC 8866 §5.7).
    pub fn connection_of<'a>(&'a self, media: &'a MediaDescription) -> Option<&'a Connection> {
        media.connections.first().or(self.connection.as_ref())
    }

    /// Where `media` wants to receive RTP: connection address and port; `None` for a
    /// rejected stream or a connection that is not an IP literal (RFC 8866 §5.7, §5.14).
    pub fn rtp_address(&self, media: &MediaDescription) -> Option<SocketAddr> {
        if media.is_rejected() {
            return None;
        }
        let ip = self.connection_of(media)?.ip()?;
        Some(SocketAddr::new(ip, media.port))
    }

    /// Where `media` wants to receive RTCP: the `a=rtcp` port and address (RFC 3605 §2.1),
    /// else the RTP address under `a=rtcp-mux` (RFC 5761 §5.1.1), else the next port
    /// (RFC 3550 §11).
    pub fn rtcp_address(&self, media: &MediaDescription) -> Option<SocketAddr> {
        let rtp = self.rtp_address(media)?;
        if let Some(rtcp) = media.rtcp() {
            let ip = match &rtcp.connection {
                Some(c) => c.ip()?,
                None => rtp.ip(),
            };
            return Some(SocketAddr::new(ip, rtcp.port));
        }
        if media.rtcp_mux() {
            return Some(rtp);
        }
        Some(SocketAddr::new(rtp.ip(), rtp.port().checked_add(1)?))
    }

    /// Whether `media` uses ICE: `a=ice-ufrag` at media or session level (RFC 8839 §5.4).
    pub fn uses_ice(&self, media: &MediaDescription) -> bool {
        media.attribute("ice-ufrag").is_some() || self.attribute("ice-ufrag").is_some()
    }

    /// Whether `media` has the RFC 2543 hold address `0.0.0.0`/`::` (RFC 3264 §8.4). With ICE
    /// that address is only a placeholder for candidates still to come (RFC 8840 §4.1.1)
    /// and does not count.
    pub fn has_hold_address(&self, media: &MediaDescription) -> bool {
        self.connection_of(media)
            .is_some_and(Connection::is_unspecified)
            && !self.uses_ice(media)
    }

    /// Whether `media` is put on hold: an active stream whose direction is `sendonly` or
    /// `inactive`, or that has the RFC 2543 hold address (RFC 3264 §8.4).
    pub fn is_media_on_hold(&self, media: &MediaDescription) -> bool {
        !media.is_rejected()
            && (!self.direction_of(media).receives() || self.has_hold_address(media))
    }

    /// Whether the whole session is on hold: at least one active stream and every active
    /// stream on hold (RFC 3264 §8.4).
    pub fn is_hold(&self) -> bool {
        let mut active = self.media.iter().filter(|m| !m.is_rejected()).peekable();
        active.peek().is_some() && active.all(|m| self.is_media_on_hold(m))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::{MediaType, Proto};
    use std::net::Ipv4Addr;

    fn ip(last: u8) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(192, 0, 2, last))
    }

    fn audio(port: u16) -> MediaDescription {
        MediaDescription::new(MediaType::Audio, port, Proto::RtpAvp, vec!["0".into()])
    }

    fn sdp() -> SessionDescription {
        let mut s = SessionDescription::new(Origin::new("-", 1, 1, ip(1)), "-");
        s.connection = Some(Connection::new(ip(1)));
        s.media.push(audio(4000));
        s
    }

    #[test]
    fn rfc8866_s5_2_origin() {
        let o = Origin::parse("jdoe 3724394400 3724394405 IN IP4 198.51.100.1");
        assert_eq!(o.as_ref().map(|o| o.session_version), Some(3724394405));
        assert_eq!(o.map(|o| o.session_id), Some("3724394400".to_owned()));
        assert!(Origin::parse("- 1 x IN IP4 1.2.3.4").is_none());
        assert!(Origin::parse("- 1 1 IN IP4").is_none());
        assert!(Origin::parse("- 1 1 IN IP6 1.2.3.4").is_none());
        assert!(Origin::parse("- 1 1 IN IP4 host.example.com").is_some());
    }

    #[test]
    fn rfc3264_s8_next_version_increments_only_the_version() {
        let s = sdp();
        let n = s.next_version();
        assert_eq!(n.origin.session_version, 2);
        assert_eq!(n.origin.session_id, s.origin.session_id);
        assert!(!n.is_unchanged_from(&s));
        assert!(s.clone().is_unchanged_from(&s));
        let mut max = sdp();
        max.origin.session_version = u64::MAX;
        assert_eq!(max.next_version().origin.session_version, u64::MAX);
    }

    #[test]
    fn rfc8866_s6_7_media_direction_overrides_session() {
        let mut s = sdp();
        assert_eq!(s.direction_of(&s.media[0]), Direction::SendRecv);
        s.attributes.push(Attribute::Direction(Direction::SendOnly));
        assert_eq!(s.direction_of(&s.media[0]), Direction::SendOnly);
        s.media[0].set_direction(Direction::RecvOnly);
        assert_eq!(s.direction_of(&s.media[0]), Direction::RecvOnly);
    }

    #[test]
    fn rfc3264_s8_4_hold_detection() {
        let mut s = sdp();
        assert!(!s.is_hold());
        s.media[0].set_direction(Direction::SendOnly);
        assert!(s.is_hold());
        s.media[0].set_direction(Direction::Inactive);
        assert!(s.is_hold());
        s.media[0].set_direction(Direction::RecvOnly);
        assert!(!s.is_hold());
        let mut s = sdp();
        s.connection = Some(Connection::default());
        assert!(s.is_hold(), "RFC 2543 c=0.0.0.0");
        s.media[0]
            .attributes
            .extend(Attribute::parse("ice-ufrag:F7gI"));
        assert!(!s.is_hold(), "RFC 8840 placeholder with ICE");
        let mut s = sdp();
        s.media[0].port = 0;
        assert!(!s.is_hold(), "no active stream");
    }

    #[test]
    fn rtp_and_rtcp_addresses() {
        let mut s = sdp();
        let m = s.media[0].clone();
        assert_eq!(s.rtp_address(&m), Some(SocketAddr::new(ip(1), 4000)));
        assert_eq!(
            s.rtcp_address(&m),
            Some(SocketAddr::new(ip(1), 4001)),
            "RFC 3550 §11"
        );
        let mut mux = m.clone();
        mux.attributes.push(Attribute::RtcpMux);
        assert_eq!(
            s.rtcp_address(&mux),
            Some(SocketAddr::new(ip(1), 4000)),
            "RFC 5761"
        );
        let mut explicit = m.clone();
        explicit
            .attributes
            .extend(Attribute::parse("rtcp:5000 IN IP4 192.0.2.9"));
        assert_eq!(
            s.rtcp_address(&explicit),
            Some(SocketAddr::new(ip(9), 5000)),
            "RFC 3605"
        );
        let mut own = m.clone();
        own.connections.push(Connection::new(ip(7)));
        assert_eq!(s.rtp_address(&own), Some(SocketAddr::new(ip(7), 4000)));
        let mut top = m.clone();
        top.port = u16::MAX;
        assert_eq!(s.rtcp_address(&top), None);
        s.media[0].port = 0;
        assert_eq!(s.rtp_address(&s.media[0]), None);
    }
}
