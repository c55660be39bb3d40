//! The answerer side of the offer/answer model (RFC 3264 §6, §8) and the offerer's check of
//! an answer (RFC 3264 §6, §7), as pure functions.
//!
//! Invariants: an answer has exactly the offer's `m=` lines in the same order, each either
//! accepted with formats the offer listed (under the offerer's payload type numbers) or
//! rejected with port 0 and the offered format list; its `t=` lines equal the offer's; it
//! never sends more than the offerer receives nor receives more than the offerer sends.

use crate::attribute::Attribute;
use crate::capabilities::{LocalCodec, MediaCapabilities, MediaCapability};
use crate::connection::Connection;
use crate::direction::Direction;
use crate::error::NegotiationError;
use crate::events::EventSet;
use crate::media::MediaDescription;
use crate::payload::{PayloadType, RtpCodec};
use crate::rtpmap::{Fmtp, RtpMap};
use crate::session::SessionDescription;

/// Answers `offer` with what `local` supports (RFC 3264 §6).
///
/// Each offered stream takes the first unused local stream of the same media type that
/// accepts its transport profile. Formats are the intersection of the offer with the local
/// codecs, listed in local preference order (RFC 3264 §6.1 lets the answerer order them) and
/// under the offerer's payload type numbers; `telephone-event` keeps the events both sides
/// support (RFC 4733 §7.1.1). A stream is rejected with port 0 and the offered format list
/// when it is disabled in the offer (§8.2), not RTP, multicast, or shares no codec that can
/// carry media. The direction follows the RFC 3264 §6.1 table, treating an offered
/// RFC 2543 hold address `0.0.0.0`/`::` as "does not receive" (§8.4).
///
/// Fails with [`NegotiationError::NoAcceptableMedia`] when the offer has active streams and
/// none can be accepted (the session is refused with a 488).
pub fn answer(
    offer: &SessionDescription,
    local: &MediaCapabilities,
) -> Result<SessionDescription, NegotiationError> {
    let mut sdp = SessionDescription::new(local.origin.clone(), &local.session_name);
    sdp.connection = Some(Connection::new(local.address));
    sdp.timings = offer.timings.clone();
    let mut used = vec![false; local.media.len()];
    let mut any_active = false;
    for offered in &offer.media {
        any_active |= !offered.is_rejected();
        let stream =
            accept(offer, offered, &local.media, &mut used).unwrap_or_else(|| rejected(offered));
        sdp.media.push(stream);
    }
    if any_active && sdp.media.iter().all(MediaDescription::is_rejected) {
        return Err(NegotiationError::NoAcceptableMedia);
    }
    Ok(sdp)
}

/// The answer to a stream that cannot be accepted: port 0, same type, profile and formats
/// (RFC 3264 §6).
fn rejected(offered: &MediaDescription) -> MediaDescription {
    MediaDescription::new(
        offered.media.clone(),
        0,
        offered.proto.clone(),
        offered.formats.clone(),
    )
}

/// Accepts one offered stream with the first fitting unused local stream, if any
/// (RFC 3264 §6.1).
fn accept(
    offer: &SessionDescription,
    offered: &MediaDescription,
    caps: &[MediaCapability],
    used: &mut [bool],
) -> Option<MediaDescription> {
    let connection = offer.connection_of(offered)?;
    if offered.is_rejected()
        || !offered.proto.is_rtp()
        || connection.is_multicast()
        || offered.port_count.is_some_and(|n| n > 1)
    {
        return None;
    }
    let (index, cap) = caps.iter().enumerate().find(|(i, cap)| {
        !used.get(*i).copied().unwrap_or(true)
            && cap.media == offered.media
            && cap.protos.contains(&offered.proto)
    })?;
    let formats = choose_formats(offered, &cap.codecs);
    if !formats.iter().any(|f| !LocalCodec::is_auxiliary(&f.codec)) {
        return None;
    }
    if let Some(slot) = used.get_mut(index) {
        *slot = true;
    }
    let offered_dir = offer.direction_of(offered);
    let offered_dir = Direction::from_flags(
        offered_dir.sends(),
        offered_dir.receives() && !offer.has_hold_address(offered),
    );
    let mut m = MediaDescription::new(
        offered.media.clone(),
        cap.port,
        offered.proto.clone(),
        formats.iter().map(|f| f.payload_type.to_string()).collect(),
    );
    for f in &formats {
        m.attributes.push(Attribute::RtpMap(RtpMap {
            payload_type: f.payload_type,
            codec: f.codec.clone(),
        }));
        if let Some(params) = &f.fmtp {
            m.attributes.push(Attribute::Fmtp(Fmtp {
                payload_type: f.payload_type,
                params: params.clone(),
            }));
        }
    }
    m.attributes.extend(cap.ptime.map(Attribute::Ptime));
    m.attributes.extend(cap.maxptime.map(Attribute::MaxPtime));
    if cap.rtcp_mux && offered.rtcp_mux() {
        m.attributes.push(Attribute::RtcpMux);
    }
    m.attributes.push(Attribute::Direction(Direction::answer(
        offered_dir,
        cap.direction,
    )));
    Some(m)
}

/// A format chosen for the answer.
struct Chosen {
    payload_type: PayloadType,
    codec: RtpCodec,
    fmtp: Option<String>,
}

/// Intersects the offered formats with the local codecs, in local preference order, each
/// under the first offered payload type carrying it (RFC 3264 §6.1).
fn choose_formats(offered: &MediaDescription, codecs: &[LocalCodec]) -> Vec<Chosen> {
    let offered_pts = offered.payload_types();
    let mut chosen: Vec<Chosen> = Vec::new();
    for local in codecs {
        let found = offered_pts.iter().find_map(|&pt| {
            let codec = offered.codec(pt)?;
            let taken = chosen.iter().any(|c| c.payload_type == pt);
            (!taken && codec.matches(&local.codec)).then_some((pt, codec))
        });
        let Some((payload_type, codec)) = found else {
            continue;
        };
        let offered_fmtp = offered.fmtp(payload_type).map(|f| f.params.as_str());
        let fmtp = if codec.is_telephone_event() {
            match telephone_events(offered_fmtp, local.fmtp.as_deref()) {
                Some(events) => Some(events),
                None => continue,
            }
        } else {
            local
                .fmtp
                .clone()
                .or_else(|| offered_fmtp.map(str::to_owned))
        };
        chosen.push(Chosen {
            payload_type,
            codec,
            fmtp,
        });
    }
    chosen
}

/// The telephone-event list to answer: events both sides support, `None` when there are
/// none; a missing or unreadable list means 0–15 (RFC 4733 §7.1.1).
fn telephone_events(offered: Option<&str>, local: Option<&str>) -> Option<String> {
    let read = |list: Option<&str>| {
        list.and_then(EventSet::parse)
            .unwrap_or_else(EventSet::default_dtmf)
    };
    let both = read(offered).intersection(&read(local));
    (!both.is_empty()).then(|| both.to_string())
}

/// Checks that `answer` is a valid answer to `offer` (RFC 3264 §6): same number and types
/// of `m=` lines, streams disabled in the offer stay disabled (§8.2), and each accepted RTP
/// stream lists at least one offered codec (§6.1).
pub fn check_answer(
    offer: &SessionDescription,
    answer: &SessionDescription,
) -> Result<(), NegotiationError> {
    if offer.media.len() != answer.media.len() {
        return Err(NegotiationError::StreamCount {
            offered: offer.media.len(),
            answered: answer.media.len(),
        });
    }
    for (index, (o, a)) in offer.media.iter().zip(&answer.media).enumerate() {
        if o.media != a.media {
            return Err(NegotiationError::MediaMismatch { index });
        }
        if a.is_rejected() {
            continue;
        }
        if o.is_rejected() {
            return Err(NegotiationError::Reactivated { index });
        }
        if o.proto.is_rtp() && !shares_codec(o, a) {
            return Err(NegotiationError::NoCommonFormat { index });
        }
    }
    Ok(())
}

/// Whether some answered format names a codec the offer listed (RFC 3264 §6.1).
fn shares_codec(offered: &MediaDescription, answered: &MediaDescription) -> bool {
    let offered: Vec<RtpCodec> = offered
        .payload_types()
        .into_iter()
        .filter_map(|pt| offered.codec(pt))
        .collect();
    answered
        .payload_types()
        .into_iter()
        .filter_map(|pt| answered.codec(pt))
        .any(|c| offered.iter().any(|o| o.matches(&c)))
}
