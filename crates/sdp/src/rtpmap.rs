//! Typed `a=rtpmap` (RFC 8866 §6.6) and `a=fmtp` (RFC 8866 §6.15) attribute values.
//!
//! Invariants: an [`RtpMap`] encoding name is non-empty and holds neither `/` nor
//! whitespace, and its channel count is at least one; [`Fmtp`] parameters hold no leading or
//! trailing whitespace. The parser only builds such values, so they print and parse back
//! unchanged.

use crate::lex;
use crate::payload::{PayloadType, RtpCodec};

/// `a=rtpmap:<payload type> <encoding name>/<clock rate>[/<encoding parameters>]`
/// (RFC 8866 §6.6).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RtpMap {
    /// The payload type being mapped.
    pub payload_type: PayloadType,
    /// Encoding name, clock rate and channel count.
    pub codec: RtpCodec,
}

/// `a=fmtp:<format> <format specific parameters>` for an RTP payload type (RFC 8866 §6.15).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Fmtp {
    /// The payload type the parameters apply to.
    pub payload_type: PayloadType,
    /// The parameters, verbatim (e.g. `0-16`, `annexb=no`, `maxplaybackrate=48000;useinbandfec=1`).
    pub params: String,
}

impl RtpMap {
    /// Parses an `rtpmap` attribute value (RFC 8866 §6.6).
    pub(crate) fn parse(value: &str) -> Option<RtpMap> {
        let (pt, rest) = lex::split_word(value.trim_matches([' ', '\t']));
        let payload_type = PayloadType::parse(pt)?;
        if !lex::is_non_ws(rest) {
            return None;
        }
        let mut parts = rest.split('/');
        let encoding = parts.next().filter(|e| !e.is_empty())?;
        let clock_rate = lex::digits(parts.next()?)?;
        let channels = match parts.next() {
            None => None,
            Some(c) => Some(lex::digits::<u16>(c).filter(|&c| c > 0)?),
        };
        if parts.next().is_some() {
            return None;
        }
        Some(RtpMap {
            payload_type,
            codec: RtpCodec::new(encoding, clock_rate, channels),
        })
    }
}

impl Fmtp {
    /// Parses an `fmtp` attribute value whose format is an RTP payload type
    /// (RFC 8866 §6.15).
    pub(crate) fn parse(value: &str) -> Option<Fmtp> {
        let (pt, params) = lex::split_word(value.trim_matches([' ', '\t']));
        Some(Fmtp {
            payload_type: PayloadType::parse(pt)?,
            params: params.to_owned(),
        })
    }

    /// The `;`-separated `name[=value]` parameters, trimmed (the common convention of
    /// RFC 4855 §3 media type parameters).
    pub fn parameters(&self) -> impl Iterator<Item = (&str, Option<&str>)> {
        self.params
            .split(';')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| match p.split_once('=') {
                Some((name, value)) => (name.trim(), Some(value.trim())),
                None => (p, None),
            })
    }

    /// The value of parameter `name` (compared ignoring ASCII case), if present.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.parameters()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .and_then(|(_, v)| v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc8866_s6_6_rtpmap() {
        let m = RtpMap::parse("96 opus/48000/2");
        assert_eq!(
            m.map(|m| (m.payload_type.get(), m.codec)),
            Some((96, RtpCodec::new("opus", 48000, Some(2))))
        );
        let m = RtpMap::parse("0 PCMU/8000 ");
        assert_eq!(m.map(|m| m.codec), Some(RtpCodec::new("PCMU", 8000, None)));
        for bad in [
            "",
            "96",
            "96 opus",
            "96 opus/x",
            "96 /8000",
            "96 opus/48000/0",
            "96 opus/48000/2/1",
            "128 opus/48000",
            "96 op us/48000",
        ] {
            assert_eq!(RtpMap::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn rfc8866_s6_15_fmtp() {
        let f = Fmtp::parse("101 0-16");
        assert_eq!(f.as_ref().map(|f| f.params.as_str()), Some("0-16"));
        let f = Fmtp::parse("111 maxplaybackrate=48000; useinbandfec=1;stereo");
        let f = f.as_ref();
        assert_eq!(f.and_then(|f| f.get("UseInbandFec")), Some("1"));
        assert_eq!(f.and_then(|f| f.get("stereo")), None);
        assert_eq!(f.map(|f| f.parameters().count()), Some(3));
        assert_eq!(Fmtp::parse("101").map(|f| f.params), Some(String::new()));
        assert_eq!(Fmtp::parse("t38 x"), None);
    }
}
