//! Compound RTCP packets (RFC 3550 §6.1): sender reports (§6.4.1), receiver reports
//! (§6.4.2) and their report blocks; SDES, BYE, APP and unknown packet types are skipped by
//! their length field. Validation follows RFC 3550 §A.2.
//!
//! Invariants: a [`Compound`] only exists for a datagram whose packets all have version 2,
//! whose first packet is an unpadded SR or RR, where only the last packet is padded and
//! whose length fields add up to the datagram size; [`Compound::parse`] never panics.

use crate::Error;

/// Packet type of a sender report (RFC 3550 §6.4.1, §12.1).
pub const PT_SR: u8 = 200;
/// Packet type of a receiver report (RFC 3550 §6.4.2, §12.1).
pub const PT_RR: u8 = 201;

/// Bytes of the common RTCP header: V, P, count, PT, length (RFC 3550 §6.4.1).
const HEADER_LEN: usize = 4;
/// Bytes of the sender info section of an SR (RFC 3550 §6.4.1).
const SENDER_INFO_LEN: usize = 20;
/// Bytes of one report block (RFC 3550 §6.4.1).
const BLOCK_LEN: usize = 24;

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// One reception report block: what a receiver saw of one source (RFC 3550 §6.4.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReportBlock {
    /// SSRC of the source this block is about (RFC 3550 §6.4.1 SSRC_n).
    pub ssrc: u32,
    /// Fraction of packets lost since the previous report, fixed point /256
    /// (RFC 3550 §6.4.1, §A.3).
    pub fraction_lost: u8,
    /// Cumulative packets lost, a 24-bit signed count: duplicates can make it negative
    /// (RFC 3550 §6.4.1).
    pub cumulative_lost: i32,
    /// Extended highest sequence number received (RFC 3550 §6.4.1, §A.1).
    pub highest_seq: u32,
    /// Interarrival jitter in timestamp units (RFC 3550 §6.4.1, §A.8).
    pub jitter: u32,
    /// Middle 32 bits of the NTP timestamp of the last SR received, 0 if none
    /// (RFC 3550 §6.4.1 LSR).
    pub lsr: u32,
    /// Delay since that SR was received, in units of 1/65536 s (RFC 3550 §6.4.1 DLSR).
    pub dlsr: u32,
}

impl ReportBlock {
    /// Reads one 24-byte block (RFC 3550 §6.4.1); `b` holds at least 24 bytes.
    fn read(b: &[u8]) -> ReportBlock {
        let lost = be32(b, 4);
        // Sign-extend the 24-bit cumulative count (RFC 3550 §6.4.1).
        let cumulative_lost = ((lost << 8) as i32) >> 8;
        ReportBlock {
            ssrc: be32(b, 0),
            fraction_lost: b[4],
            cumulative_lost,
            highest_seq: be32(b, 8),
            jitter: be32(b, 12),
            lsr: be32(b, 16),
            dlsr: be32(b, 20),
        }
    }
}

/// The sender info section of an SR (RFC 3550 §6.4.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SenderInfo {
    /// 64-bit NTP wallclock timestamp, seconds in the high word (RFC 3550 §4, §6.4.1).
    pub ntp_timestamp: u64,
    /// RTP timestamp corresponding to the NTP timestamp (RFC 3550 §6.4.1).
    pub rtp_timestamp: u32,
    /// Sender's packet count (RFC 3550 §6.4.1).
    pub packet_count: u32,
    /// Sender's octet count (RFC 3550 §6.4.1).
    pub octet_count: u32,
}

impl SenderInfo {
    /// The middle 32 bits of the NTP timestamp, the value receivers echo as LSR
    /// (RFC 3550 §6.4.1).
    pub fn ntp_middle(&self) -> u32 {
        // Bits 16..48 of the 64-bit value; the cast keeps exactly those 32 bits.
        (self.ntp_timestamp >> 16) as u32
    }
}

/// A sender report (RFC 3550 §6.4.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SenderReport {
    /// SSRC of the sender (RFC 3550 §6.4.1).
    pub ssrc: u32,
    /// The sender info section (RFC 3550 §6.4.1).
    pub info: SenderInfo,
    /// Reception report blocks (RFC 3550 §6.4.1), at most 31.
    pub blocks: Vec<ReportBlock>,
}

/// A receiver report (RFC 3550 §6.4.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceiverReport {
    /// SSRC of the packet sender (RFC 3550 §6.4.2).
    pub ssrc: u32,
    /// Reception report blocks (RFC 3550 §6.4.2), at most 31.
    pub blocks: Vec<ReportBlock>,
}

/// One report packet of a compound packet (RFC 3550 §6.4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Report {
    /// An SR (RFC 3550 §6.4.1).
    Sender(SenderReport),
    /// An RR (RFC 3550 §6.4.2).
    Receiver(ReceiverReport),
}

impl Report {
    /// The reception report blocks of an SR or RR (RFC 3550 §6.4.1, §6.4.2).
    pub fn blocks(&self) -> &[ReportBlock] {
        match self {
            Report::Sender(sr) => &sr.blocks,
            Report::Receiver(rr) => &rr.blocks,
        }
    }

    /// The sender info if this is an SR (RFC 3550 §6.4.1).
    pub fn sender_info(&self) -> Option<&SenderInfo> {
        match self {
            Report::Sender(sr) => Some(&sr.info),
            Report::Receiver(_) => None,
        }
    }
}

/// A validated compound RTCP packet (RFC 3550 §6.1, §A.2) with its SR and RR packets.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Compound {
    /// The SR and RR packets in datagram order (RFC 3550 §6.4).
    pub reports: Vec<Report>,
    /// Number of other packets (SDES, BYE, APP, unknown) skipped by length (RFC 3550 §6.1).
    pub skipped: usize,
}

impl Compound {
    /// Validates and parses a compound RTCP datagram (RFC 3550 §6.1, checks of §A.2).
    pub fn parse(bytes: &[u8]) -> Result<Compound, Error> {
        let len = bytes.len();
        if len < HEADER_LEN {
            return Err(Error::Truncated {
                needed: HEADER_LEN,
                len,
            });
        }
        if bytes[0] & 0x20 != 0 || !matches!(bytes[1], PT_SR | PT_RR) {
            return Err(Error::NotReportFirst);
        }
        let mut compound = Compound::default();
        let mut at = 0;
        while at < len {
            let rest = &bytes[at..];
            if rest.len() < HEADER_LEN {
                return Err(Error::Length { len });
            }
            let version = rest[0] >> 6;
            if version != 2 {
                return Err(Error::Version(version));
            }
            let size = 4 * (usize::from(u16::from_be_bytes([rest[2], rest[3]])) + 1);
            if size > rest.len() {
                return Err(Error::Length { len });
            }
            let mut packet = &rest[..size];
            if rest[0] & 0x20 != 0 {
                if size != rest.len() {
                    return Err(Error::PaddingNotLast);
                }
                let pad = usize::from(packet[size - 1]);
                if pad == 0 || pad > size - HEADER_LEN {
                    return Err(Error::Padding);
                }
                packet = &packet[..size - pad];
            }
            match rest[1] {
                PT_SR => compound.reports.push(Report::Sender(parse_sr(packet)?)),
                PT_RR => compound.reports.push(Report::Receiver(parse_rr(packet)?)),
                _ => compound.skipped += 1,
            }
            at += size;
        }
        Ok(compound)
    }
}

/// Checks that `packet` holds `needed` bytes.
fn need(packet: &[u8], needed: usize) -> Result<(), Error> {
    if packet.len() < needed {
        Err(Error::Truncated {
            needed,
            len: packet.len(),
        })
    } else {
        Ok(())
    }
}

/// Reads `count` report blocks from `at` (RFC 3550 §6.4.1); the caller checked the size.
fn blocks(packet: &[u8], at: usize, count: usize) -> Vec<ReportBlock> {
    (0..count)
        .map(|i| ReportBlock::read(&packet[at + i * BLOCK_LEN..]))
        .collect()
}

/// Parses an SR without padding (RFC 3550 §6.4.1).
fn parse_sr(packet: &[u8]) -> Result<SenderReport, Error> {
    let count = usize::from(packet[0] & 0x1f);
    let start = HEADER_LEN + 4 + SENDER_INFO_LEN;
    need(packet, start + count * BLOCK_LEN)?;
    let ntp = (u64::from(be32(packet, 8)) << 32) | u64::from(be32(packet, 12));
    Ok(SenderReport {
        ssrc: be32(packet, 4),
        info: SenderInfo {
            ntp_timestamp: ntp,
            rtp_timestamp: be32(packet, 16),
            packet_count: be32(packet, 20),
            octet_count: be32(packet, 24),
        },
        blocks: blocks(packet, start, count),
    })
}

/// Parses an RR without padding (RFC 3550 §6.4.2).
fn parse_rr(packet: &[u8]) -> Result<ReceiverReport, Error> {
    let count = usize::from(packet[0] & 0x1f);
    let start = HEADER_LEN + 4;
    need(packet, start + count * BLOCK_LEN)?;
    Ok(ReceiverReport {
        ssrc: be32(packet, 4),
        blocks: blocks(packet, start, count),
    })
}
