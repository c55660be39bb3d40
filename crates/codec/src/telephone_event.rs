//! RTP telephone-events (RFC 4733): the §2.3 payload format, a per-stream receiver that
//! turns the packets of each event (start with marker, updates, three redundant end
//! packets, retransmissions, §2.5) into exactly one digit and its duration, a sender that
//! produces the packet sequence of one digit (§2.5.1), the DTMF event codes (§3.2), and
//! SIP INFO DTMF bodies (`application/dtmf-relay`, `application/dtmf`).
//!
//! Invariants: sans-IO (the caller passes RTP timestamp, marker and payload, and sends the
//! packets); parsers never panic on any bytes; a receiver's memory is fixed.

use crate::EventError;

/// Digits of the DTMF events 0–15 in event-code order (RFC 4733 §3.2 Table 7).
const DTMF_DIGITS: [char; 16] = [
    '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#', 'A', 'B', 'C', 'D',
];

/// RTP timestamp units between duration updates of a sent event: 50 ms at 8 kHz
/// (RFC 4733 §2.5.1.2 recommends 50 ms).
pub const UPDATE_INTERVAL: u16 = 400;

/// RTP timestamp units between the three end packets: 20 ms at 8 kHz (RFC 4733 §2.5.1.4).
pub const END_SPACING: u32 = 160;

/// Number of end packets sent per event (RFC 4733 §2.5.1.4: the final packet is sent
/// three times).
pub const END_PACKETS: usize = 3;

/// The digit of a DTMF event code 0–15 (RFC 4733 §3.2 Table 7).
pub fn event_to_digit(event: u8) -> Option<char> {
    DTMF_DIGITS.get(usize::from(event)).copied()
}

/// The event code of a DTMF digit, `A`–`D` case-insensitive (RFC 4733 §3.2 Table 7).
pub fn digit_to_event(digit: char) -> Option<u8> {
    let digit = digit.to_ascii_uppercase();
    DTMF_DIGITS
        .iter()
        .position(|&d| d == digit)
        .map(|i| i as u8)
}

/// One event block of a telephone-event payload (RFC 4733 §2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventPayload {
    /// Event code (RFC 4733 §2.3.1; DTMF 0–15, §3.2).
    pub event: u8,
    /// E bit: this packet reports the end of the event (§2.3.2).
    pub end: bool,
    /// Power level of the tone in −dBm0, 0–63 (§2.3.4); larger values are clamped to 63
    /// when built.
    pub volume: u8,
    /// Duration so far in RTP timestamp units, from the event's timestamp (§2.3.5).
    pub duration: u16,
}

impl EventPayload {
    /// Size of the event block in bytes (RFC 4733 §2.3).
    pub const LEN: usize = 4;

    /// Parses the first event block of `payload` (RFC 4733 §2.3; the R bit is ignored as
    /// §2.3.3 requires). Errors: [`EventError::Truncated`] below 4 bytes.
    pub fn parse(payload: &[u8]) -> Result<Self, EventError> {
        match payload {
            [event, flags, d0, d1, ..] => Ok(EventPayload {
                event: *event,
                end: flags & 0x80 != 0,
                volume: flags & 0x3f,
                duration: u16::from_be_bytes([*d0, *d1]),
            }),
            _ => Err(EventError::Truncated(payload.len())),
        }
    }

    /// The event block in network byte order, R bit zero (RFC 4733 §2.3).
    pub fn to_bytes(&self) -> [u8; 4] {
        let flags = (u8::from(self.end) << 7) | self.volume.min(63);
        let [d0, d1] = self.duration.to_be_bytes();
        [self.event, flags, d0, d1]
    }

    /// The DTMF digit of the event, if it is one (RFC 4733 §3.2).
    pub fn digit(&self) -> Option<char> {
        event_to_digit(self.event)
    }
}

/// What a telephone-event packet told the receiver.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReceivedEvent {
    /// The first packet of a new event: report the digit (once per event).
    Started {
        /// Event code.
        event: u8,
        /// RTP timestamp of the event's start.
        timestamp: u32,
    },
    /// The first end packet of an event already reported by `Started`.
    Ended {
        /// Event code.
        event: u8,
        /// RTP timestamp of the event's start.
        timestamp: u32,
        /// Total duration in RTP timestamp units (across long-event segments, §2.5.1.3).
        duration: u32,
    },
    /// An event whose first packet seen is already an end packet (the others were lost):
    /// the digit and its duration at once.
    StartedAndEnded {
        /// Event code.
        event: u8,
        /// RTP timestamp of the event's start.
        timestamp: u32,
        /// Total duration in RTP timestamp units.
        duration: u32,
    },
}

impl ReceivedEvent {
    /// The DTMF digit to act on: `Some` exactly once per event (for `Started` and
    /// `StartedAndEnded` of DTMF events 0–15).
    pub fn new_digit(&self) -> Option<char> {
        match *self {
            ReceivedEvent::Started { event, .. } | ReceivedEvent::StartedAndEnded { event, .. } => {
                event_to_digit(event)
            }
            ReceivedEvent::Ended { .. } => None,
        }
    }

    /// The event's total duration once it has ended.
    pub fn duration(&self) -> Option<u32> {
        match *self {
            ReceivedEvent::Started { .. } => None,
            ReceivedEvent::Ended { duration, .. }
            | ReceivedEvent::StartedAndEnded { duration, .. } => Some(duration),
        }
    }
}

/// The event being received.
#[derive(Debug, Clone, Copy)]
struct Current {
    event: u8,
    /// Timestamp of the event's first segment (the event's start).
    start: u32,
    /// Timestamp of the segment being received (§2.5.1.3 long events).
    segment: u32,
    /// Duration of the previous segments.
    base: u32,
    ended: bool,
}

/// How far back (RTP timestamp units, 10 s at 8 kHz) a packet older than the current
/// event is taken as a late retransmission; older still, the stream's timestamps jumped
/// and the packet starts a new event.
const STALE_WINDOW: u32 = 80_000;

/// Turns the telephone-event packets of one RTP stream (one SSRC) into one notice per
/// event start and end (RFC 4733 §2.5.2).
#[derive(Debug, Clone, Default)]
pub struct EventReceiver {
    current: Option<Current>,
}

impl EventReceiver {
    /// A receiver with no event seen.
    pub fn new() -> Self {
        Self::default()
    }

    /// Handles one telephone-event packet: its RTP `timestamp`, `marker` bit and
    /// `payload` (RFC 4733 §2.5.2). Returns a notice for the first packet of an event and
    /// for its first end packet; redundant end packets, retransmissions and late packets
    /// of earlier events give `None`.
    pub fn on_packet(
        &mut self,
        timestamp: u32,
        marker: bool,
        payload: &[u8],
    ) -> Result<Option<ReceivedEvent>, EventError> {
        let p = EventPayload::parse(payload)?;
        if let Some(cur) = self.current.as_mut() {
            let same_event = p.event == cur.event;
            if same_event && timestamp == cur.segment {
                return Ok(Self::update(cur, p));
            }
            // §2.5.1.3: a long event continues in a new segment, timestamp advanced by
            // the previous segment's duration (at most 0xFFFF), without marker.
            let advance = timestamp.wrapping_sub(cur.segment);
            if same_event && !cur.ended && !marker && advance > 0 && advance <= 0x1_0000 {
                cur.base = cur.base.saturating_add(advance);
                cur.segment = timestamp;
                return Ok(Self::update(cur, p));
            }
            // Late packets of earlier events (timestamps wrap, RFC 3550 §5.1).
            let age = cur.segment.wrapping_sub(timestamp);
            if age > 0 && age <= STALE_WINDOW {
                return Ok(None);
            }
        }
        // A new event; the previous one ends here even if its end packets were lost.
        let cur = Current {
            event: p.event,
            start: timestamp,
            segment: timestamp,
            base: 0,
            ended: p.end,
        };
        self.current = Some(cur);
        Ok(Some(if p.end {
            ReceivedEvent::StartedAndEnded {
                event: p.event,
                timestamp,
                duration: u32::from(p.duration),
            }
        } else {
            ReceivedEvent::Started {
                event: p.event,
                timestamp,
            }
        }))
    }

    fn update(cur: &mut Current, p: EventPayload) -> Option<ReceivedEvent> {
        if !p.end || cur.ended {
            return None;
        }
        cur.ended = true;
        Some(ReceivedEvent::Ended {
            event: cur.event,
            timestamp: cur.start,
            duration: cur.base + u32::from(p.duration),
        })
    }
}

/// One packet of a sent event: all share the event's RTP timestamp (RFC 4733 §2.5.1.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventPacket {
    /// When to send it, in RTP timestamp units after the event's start.
    pub send_at: u32,
    /// RTP marker bit: set on the first packet of the event only (§2.5.1.2).
    pub marker: bool,
    /// The payload.
    pub payload: EventPayload,
}

/// The packets that send DTMF event `event` lasting `duration` timestamp units
/// (RFC 4733 §2.5.1): a start packet with marker and duration 0, an update every
/// [`UPDATE_INTERVAL`] carrying the duration so far, and [`END_PACKETS`] end packets
/// with the full duration, [`END_SPACING`] apart. Errors: [`EventError::NotDtmf`] for an
/// event above 15.
pub fn digit_packets(event: u8, volume: u8, duration: u16) -> Result<Vec<EventPacket>, EventError> {
    if event_to_digit(event).is_none() {
        return Err(EventError::NotDtmf(event));
    }
    let packet = |send_at: u32, marker: bool, end: bool, duration: u16| EventPacket {
        send_at,
        marker,
        payload: EventPayload {
            event,
            end,
            volume: volume.min(63),
            duration,
        },
    };
    let mut packets = vec![packet(0, true, false, 0)];
    let mut at = UPDATE_INTERVAL;
    while at < duration {
        packets.push(packet(u32::from(at), false, false, at));
        at = at.saturating_add(UPDATE_INTERVAL);
    }
    for i in 0..END_PACKETS as u32 {
        packets.push(packet(
            u32::from(duration) + i * END_SPACING,
            false,
            true,
            duration,
        ));
    }
    Ok(packets)
}

/// A DTMF digit received in a SIP INFO request body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SipInfoDtmf {
    /// The digit: `0-9`, `*`, `#`, `A-D`.
    pub digit: char,
    /// Duration in milliseconds, when the body gives one (`Duration=` of
    /// `application/dtmf-relay`).
    pub duration_ms: Option<u32>,
}

/// A digit written as itself or as its event code (`"11"` for `#`, RFC 4733 §3.2), as
/// SIP INFO senders variously do.
fn parse_signal(value: &str) -> Result<char, EventError> {
    let value = value.trim();
    let mut chars = value.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        if let Some(event) = digit_to_event(c) {
            return event_to_digit(event).ok_or(EventError::Body);
        }
    }
    value
        .parse::<u8>()
        .ok()
        .and_then(event_to_digit)
        .ok_or(EventError::Body)
}

/// Parses a SIP INFO DTMF body by its `Content-Type` (parameters ignored, ASCII
/// case-insensitive): `application/dtmf-relay` (`Signal=5` and optional `Duration=160`
/// lines, in ms) or `application/dtmf` (the digit alone). Errors:
/// [`EventError::ContentType`] for other types, [`EventError::Body`] for a body without a
/// valid digit.
pub fn parse_sip_info(content_type: &str, body: &[u8]) -> Result<SipInfoDtmf, EventError> {
    let media_type = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let text = std::str::from_utf8(body).map_err(|_| EventError::Body)?;
    match media_type.as_str() {
        "application/dtmf" => Ok(SipInfoDtmf {
            digit: parse_signal(text)?,
            duration_ms: None,
        }),
        "application/dtmf-relay" => {
            let mut digit = None;
            let mut duration_ms = None;
            for line in text.lines() {
                let Some((key, value)) = line.split_once('=') else {
                    continue;
                };
                match key.trim().to_ascii_lowercase().as_str() {
                    "signal" => digit = Some(parse_signal(value)?),
                    "duration" => duration_ms = value.trim().parse().ok(),
                    _ => {}
                }
            }
            Ok(SipInfoDtmf {
                digit: digit.ok_or(EventError::Body)?,
                duration_ms,
            })
        }
        _ => Err(EventError::ContentType),
    }
}

/// An `application/dtmf-relay` body for `digit` lasting `duration_ms`
/// (`Signal=5\r\nDuration=160\r\n`).
pub fn dtmf_relay_body(digit: char, duration_ms: u32) -> String {
    format!("Signal={digit}\r\nDuration={duration_ms}\r\n")
}

#[cfg(test)]
mod tests;
