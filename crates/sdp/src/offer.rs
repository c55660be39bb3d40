//! The offerer side of the offer/answer model (RFC 3264 §5, §8): building an initial offer
//! from local capabilities and the hold/resume re-offers of RFC 3264 §8.4.
//!
//! Invariants: every offered codec has a distinct payload type (static ones keep their
//! RFC 3551 number unless told otherwise, dynamic ones take free numbers from 96 up) and
//! an `a=rtpmap`; re-offers keep every `m=` line in place and increment the `o=` version.

use crate::attribute::Attribute;
use crate::capabilities::{MediaCapabilities, MediaCapability};
use crate::connection::Connection;
use crate::direction::Direction;
use crate::media::{MediaDescription, Proto};
use crate::payload::PayloadType;
use crate::rtpmap::{Fmtp, RtpMap};
use crate::session::SessionDescription;

/// Builds an initial offer listing every local stream and codec (RFC 3264 §5.1): the
/// session-level `c=` is the local address, each stream offers its first profile, its codecs
/// in preference order with `a=rtpmap` (and `a=fmtp` when set), `a=ptime`, `a=maxptime`,
/// `a=rtcp-mux` and its direction. Dynamic codecs beyond the 32 dynamic numbers are left out.
pub fn offer(local: &MediaCapabilities) -> SessionDescription {
    let mut sdp = SessionDescription::new(local.origin.clone(), &local.session_name);
    sdp.connection = Some(Connection::new(local.address));
    sdp.media = local.media.iter().map(offer_stream).collect();
    sdp
}

/// One offered stream (RFC 3264 §5.1).
fn offer_stream(cap: &MediaCapability) -> MediaDescription {
    let proto = cap.protos.first().cloned().unwrap_or(Proto::RtpAvp);
    let mut m = MediaDescription::new(cap.media.clone(), cap.port, proto, Vec::new());
    let mut taken: Vec<PayloadType> = cap
        .codecs
        .iter()
        .filter_map(|c| c.payload_type.or_else(|| c.codec.static_payload_type()))
        .collect();
    let mut assigned: Vec<PayloadType> = Vec::new();
    for codec in &cap.codecs {
        let pt = codec
            .payload_type
            .or_else(|| codec.codec.static_payload_type())
            .or_else(|| {
                let free = (96..=127)
                    .filter_map(PayloadType::new)
                    .find(|pt| !taken.contains(pt))?;
                taken.push(free);
                Some(free)
            });
        let Some(pt) = pt.filter(|pt| !assigned.contains(pt)) else {
            continue;
        };
        assigned.push(pt);
        m.formats.push(pt.to_string());
        m.attributes.push(Attribute::RtpMap(RtpMap {
            payload_type: pt,
            codec: codec.codec.clone(),
        }));
        if let Some(params) = &codec.fmtp {
            m.attributes.push(Attribute::Fmtp(Fmtp {
                payload_type: pt,
                params: params.clone(),
            }));
        }
    }
    m.attributes.extend(cap.ptime.map(Attribute::Ptime));
    m.attributes.extend(cap.maxptime.map(Attribute::MaxPtime));
    if cap.rtcp_mux {
        m.attributes.push(Attribute::RtcpMux);
    }
    m.attributes.push(Attribute::Direction(cap.direction));
    m
}

/// A re-offer putting the peer on hold (RFC 3264 §8.4): every active stream that was
/// `sendrecv` becomes `sendonly`, `recvonly` becomes `inactive`; the `o=` version is
/// incremented (RFC 3264 §8). `previous` is the last description sent.
pub fn hold_offer(previous: &SessionDescription) -> SessionDescription {
    redirect(previous, |d| Direction::from_flags(d.sends(), false))
}

/// A re-offer taking the peer off hold (RFC 3264 §8.4): every active stream becomes
/// `sendrecv`; the `o=` version is incremented (RFC 3264 §8).
pub fn resume_offer(previous: &SessionDescription) -> SessionDescription {
    redirect(previous, |_| Direction::SendRecv)
}

/// Applies `change` to the direction of every active stream, at media level, and
/// increments the version (RFC 3264 §8).
fn redirect(
    previous: &SessionDescription,
    change: impl Fn(Direction) -> Direction,
) -> SessionDescription {
    let mut next = previous.next_version();
    let directions: Vec<Direction> = next.media.iter().map(|m| next.direction_of(m)).collect();
    for (m, d) in next.media.iter_mut().zip(directions) {
        if !m.is_rejected() {
            m.set_direction(change(d));
        }
    }
    next
}
