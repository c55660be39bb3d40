//! The SDP printer: `Display` for every part of a description, in the line order of
//! RFC 8866 §5 and with CRLF line ends (RFC 8866 §5).
//!
//! Invariant: for every value the parser builds, parsing the printed text gives the same
//! value back (checked by the property tests); printing never fails or panics.

use std::fmt::{self, Display, Formatter};

use crate::attribute::{Attribute, Rtcp};
use crate::bandwidth::Bandwidth;
use crate::connection::{AddrType, Address, Connection, NetType};
use crate::direction::Direction;
use crate::media::{MediaDescription, MediaType, Proto};
use crate::rtpmap::{Fmtp, RtpMap};
use crate::session::{Origin, SessionDescription};
use crate::timing::{Repeat, Timing, TypedTime, ZoneAdjustment};

/// Writes `<kind>=<value>` and CRLF.
fn line(f: &mut Formatter<'_>, kind: char, value: impl Display) -> fmt::Result {
    write!(f, "{kind}={value}\r\n")
}

impl SessionDescription {
    /// The description as a message body (RFC 8866 §5, CRLF line ends).
    pub fn to_bytes(&self) -> Vec<u8> {
        self.to_string().into_bytes()
    }
}

impl Display for SessionDescription {
    /// Prints the whole description in RFC 8866 §5 order.
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        line(f, 'v', 0)?;
        line(f, 'o', &self.origin)?;
        line(f, 's', &self.session_name)?;
        if let Some(i) = &self.information {
            line(f, 'i', i)?;
        }
        if let Some(u) = &self.uri {
            line(f, 'u', u)?;
        }
        for e in &self.emails {
            line(f, 'e', e)?;
        }
        for p in &self.phones {
            line(f, 'p', p)?;
        }
        if let Some(c) = &self.connection {
            line(f, 'c', c)?;
        }
        for b in &self.bandwidths {
            line(f, 'b', b)?;
        }
        for t in &self.timings {
            write!(f, "{t}")?;
        }
        if let Some(k) = &self.key {
            line(f, 'k', k)?;
        }
        for a in &self.attributes {
            line(f, 'a', a)?;
        }
        for m in &self.media {
            write!(f, "{m}")?;
        }
        Ok(())
    }
}

impl Display for Origin {
    /// Prints the value of an `o=` line (RFC 8866 §5.2).
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} {} {} {}",
            self.username,
            self.session_id,
            self.session_version,
            self.net_type,
            self.addr_type,
            self.address
        )
    }
}

impl Display for NetType {
    /// Prints a `<nettype>` (RFC 8866 §5.2).
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            NetType::In => f.write_str("IN"),
            NetType::Other(s) => f.write_str(s),
        }
    }
}

impl Display for AddrType {
    /// Prints an `<addrtype>` (RFC 8866 §5.2).
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            AddrType::Ip4 => f.write_str("IP4"),
            AddrType::Ip6 => f.write_str("IP6"),
            AddrType::Other(s) => f.write_str(s),
        }
    }
}

impl Display for Address {
    /// Prints an address; IPv6 without brackets (RFC 8866 §9 `IP6-address`).
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Address::Ip(ip) => write!(f, "{ip}"),
            Address::Name(s) => f.write_str(s),
        }
    }
}

impl Display for Connection {
    /// Prints the value of a `c=` line with its multicast suffixes (RFC 8866 §5.7).
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.net_type, self.addr_type, self.address)?;
        if let Some(ttl) = self.ttl {
            write!(f, "/{ttl}")?;
        }
        if let Some(count) = self.count {
            write!(f, "/{count}")?;
        }
        Ok(())
    }
}

impl Display for Bandwidth {
    /// Prints the value of a `b=` line (RFC 8866 §5.8).
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.kind.as_str(), self.value)
    }
}

impl Display for TypedTime {
    /// Prints a typed time (RFC 8866 §5.10).
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.value)?;
        match self.unit {
            Some(unit) => write!(f, "{}", unit.letter()),
            None => Ok(()),
        }
    }
}

impl Display for Repeat {
    /// Prints the value of an `r=` line (RFC 8866 §5.10).
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.interval, self.duration)?;
        for o in &self.offsets {
            write!(f, " {o}")?;
        }
        Ok(())
    }
}

impl Display for ZoneAdjustment {
    /// Prints one `<adjustment time> <offset>` pair (RFC 8866 §5.11).
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.time, self.offset)
    }
}

impl Display for Timing {
    /// Prints the `t=` line with its `r=` lines and `z=` line, each ending in CRLF
    /// (RFC 8866 §5.9–§5.11).
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        line(f, 't', format_args!("{} {}", self.start, self.stop))?;
        for r in &self.repeats {
            line(f, 'r', r)?;
        }
        if !self.zones.is_empty() {
            f.write_str("z=")?;
            for (i, z) in self.zones.iter().enumerate() {
                if i > 0 {
                    f.write_str(" ")?;
                }
                write!(f, "{z}")?;
            }
            f.write_str("\r\n")?;
        }
        Ok(())
    }
}

impl Display for MediaType {
    /// Prints the media token (RFC 8866 §5.14).
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Display for Proto {
    /// Prints the protocol (RFC 8866 §5.14).
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Display for MediaDescription {
    /// Prints the `m=` line and the media-level lines in RFC 8866 §5 order.
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "m={} {}", self.media, self.port)?;
        if let Some(count) = self.port_count {
            write!(f, "/{count}")?;
        }
        write!(f, " {}", self.proto)?;
        for fmt in &self.formats {
            write!(f, " {fmt}")?;
        }
        f.write_str("\r\n")?;
        if let Some(i) = &self.information {
            line(f, 'i', i)?;
        }
        for c in &self.connections {
            line(f, 'c', c)?;
        }
        for b in &self.bandwidths {
            line(f, 'b', b)?;
        }
        if let Some(k) = &self.key {
            line(f, 'k', k)?;
        }
        for a in &self.attributes {
            line(f, 'a', a)?;
        }
        Ok(())
    }
}

impl Display for Direction {
    /// Prints the attribute name (RFC 8866 §6.7).
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Display for RtpMap {
    /// Prints an `rtpmap` value (RFC 8866 §6.6).
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let c = &self.codec;
        write!(f, "{} {}/{}", self.payload_type, c.encoding, c.clock_rate)?;
        match c.channels {
            Some(n) => write!(f, "/{n}"),
            None => Ok(()),
        }
    }
}

impl Display for Fmtp {
    /// Prints an `fmtp` value (RFC 8866 §6.15).
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.payload_type)?;
        if self.params.is_empty() {
            Ok(())
        } else {
            write!(f, " {}", self.params)
        }
    }
}

impl Display for Rtcp {
    /// Prints an `rtcp` value (RFC 3605 §2.1).
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.port)?;
        match &self.connection {
            Some(c) => write!(f, " {c}"),
            None => Ok(()),
        }
    }
}

impl Display for Attribute {
    /// Prints the text after `a=` (RFC 8866 §5.13).
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Attribute::RtpMap(m) => write!(f, "rtpmap:{m}"),
            Attribute::Fmtp(p) => write!(f, "fmtp:{p}"),
            Attribute::Ptime(p) => write!(f, "ptime:{p}"),
            Attribute::MaxPtime(p) => write!(f, "maxptime:{p}"),
            Attribute::Direction(d) => write!(f, "{d}"),
            Attribute::Rtcp(r) => write!(f, "rtcp:{r}"),
            Attribute::RtcpMux => f.write_str("rtcp-mux"),
            Attribute::Other { name, value: None } => f.write_str(name),
            Attribute::Other {
                name,
                value: Some(v),
            } => write!(f, "{name}:{v}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_crlf_in_rfc8866_order() {
        let text = "v=0\no=- 1 2 IN IP4 192.0.2.1\ns=-\nt=0 0\nr=7d 1h 0 25h\nz=2882844526 -1h 2898848070 0\na=recvonly\nm=audio 4000/2 RTP/AVP 0 101\nc=IN IP4 224.2.1.1/127/3\nb=AS:64\na=rtpmap:101 telephone-event/8000\na=fmtp:101 0-16\na=rtcp:4001 IN IP4 192.0.2.1\na=X-foo\n";
        let sdp = SessionDescription::parse(text);
        let printed = sdp.as_ref().map(ToString::to_string);
        assert_eq!(printed, Ok(text.replace('\n', "\r\n")));
        assert_eq!(
            sdp.map(|s| s.to_bytes()),
            Ok(text.replace('\n', "\r\n").into_bytes())
        );
    }

    #[test]
    fn empty_fmtp_and_rejected_media_print_without_trailing_space() {
        let text =
            "v=0\r\no=- 1 2 IN IP6 ::1\r\ns= \r\nt=0 0\r\nm=audio 0 RTP/AVP\r\na=fmtp:101\r\n";
        let printed = SessionDescription::parse(text).map(|s| s.to_string());
        assert_eq!(printed.as_deref(), Ok(text));
    }
}
