//! Compound RTCP parsing and §A.2 validation (RFC 3550 §6.1, §6.4.1, §6.4.2, §A.2) on
//! hand-built datagrams.

use vpbx_rtp::{Compound, Error, Report, ReportBlock};

fn header(first: u8, pt: u8, body_len: usize) -> Vec<u8> {
    let words = u16::try_from(body_len / 4).expect("small");
    let mut b = vec![first, pt];
    b.extend_from_slice(&words.to_be_bytes());
    b
}

fn block_bytes() -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(&0x1111_1111u32.to_be_bytes()); // ssrc
    b.extend_from_slice(&[51, 0xff, 0xff, 0xfe]); // fraction 51, cumulative -2
    b.extend_from_slice(&70_000u32.to_be_bytes()); // highest seq
    b.extend_from_slice(&160u32.to_be_bytes()); // jitter
    b.extend_from_slice(&0x1234_5678u32.to_be_bytes()); // lsr
    b.extend_from_slice(&65_536u32.to_be_bytes()); // dlsr
    b
}

fn sr() -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&0xaaaa_aaaau32.to_be_bytes());
    body.extend_from_slice(&0x0102_0304u32.to_be_bytes()); // NTP seconds
    body.extend_from_slice(&0x0506_0708u32.to_be_bytes()); // NTP fraction
    body.extend_from_slice(&8000u32.to_be_bytes());
    body.extend_from_slice(&50u32.to_be_bytes());
    body.extend_from_slice(&8000u32.to_be_bytes());
    body.extend_from_slice(&block_bytes());
    let mut p = header(0x81, 200, body.len());
    p.extend_from_slice(&body);
    p
}

fn rr(count: u8) -> Vec<u8> {
    let mut body = 0xbbbb_bbbbu32.to_be_bytes().to_vec();
    for _ in 0..count {
        body.extend_from_slice(&block_bytes());
    }
    let mut p = header(0x80 | count, 201, body.len());
    p.extend_from_slice(&body);
    p
}

fn sdes() -> Vec<u8> {
    let body = [0xbb, 0xbb, 0xbb, 0xbb, 1, 2, b'a', b'b', 0, 0, 0, 0];
    let mut p = header(0x81, 202, body.len());
    p.extend_from_slice(&body);
    p
}

fn expected_block() -> ReportBlock {
    ReportBlock {
        ssrc: 0x1111_1111,
        fraction_lost: 51,
        cumulative_lost: -2,
        highest_seq: 70_000,
        jitter: 160,
        lsr: 0x1234_5678,
        dlsr: 65_536,
    }
}

#[test]
fn sender_report_with_sdes() {
    let mut d = sr();
    d.extend_from_slice(&sdes());
    let c = Compound::parse(&d).expect("valid");
    assert_eq!(c.skipped, 1);
    assert_eq!(c.reports.len(), 1);
    let Report::Sender(s) = &c.reports[0] else {
        panic!("not an SR: {c:?}");
    };
    assert_eq!(s.ssrc, 0xaaaa_aaaa);
    assert_eq!(s.info.ntp_timestamp, 0x0102_0304_0506_0708);
    assert_eq!(s.info.ntp_middle(), 0x0304_0506);
    assert_eq!(s.info.rtp_timestamp, 8000);
    assert_eq!(s.info.packet_count, 50);
    assert_eq!(s.info.octet_count, 8000);
    assert_eq!(s.blocks, vec![expected_block()]);
    assert_eq!(c.reports[0].blocks(), &[expected_block()]);
    assert!(c.reports[0].sender_info().is_some());
}

#[test]
fn receiver_reports_bye_app_and_unknown_are_skipped() {
    let mut d = rr(2);
    d.extend_from_slice(&rr(0));
    d.extend_from_slice(&header(0x81, 203, 4)); // BYE
    d.extend_from_slice(&[0, 0, 0, 1]);
    d.extend_from_slice(&header(0x80, 204, 8)); // APP
    d.extend_from_slice(b"\0\0\0\x01name");
    d.extend_from_slice(&header(0x80, 206, 0)); // unknown (PSFB), empty
    let c = Compound::parse(&d).expect("valid");
    assert_eq!(c.skipped, 3);
    assert_eq!(c.reports.len(), 2);
    assert_eq!(c.reports[0].blocks(), &[expected_block(), expected_block()]);
    assert!(c.reports[1].blocks().is_empty());
    assert!(c.reports[1].sender_info().is_none());
}

#[test]
fn padding_on_the_last_packet() {
    let mut d = rr(1);
    let mut last = header(0xa0, 202, 8);
    last.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 4]);
    d.extend_from_slice(&last);
    assert_eq!(Compound::parse(&d).map(|c| c.skipped), Ok(1));

    let mut padded_rr = rr(1);
    padded_rr[0] |= 0x20;
    assert_eq!(Compound::parse(&padded_rr), Err(Error::NotReportFirst));
}

#[test]
fn a2_validation() {
    assert_eq!(
        Compound::parse(&[0x80, 201]),
        Err(Error::Truncated { needed: 4, len: 2 })
    );
    assert_eq!(Compound::parse(&sdes()), Err(Error::NotReportFirst));
    let mut v1 = rr(1);
    v1[0] = 0x41;
    assert_eq!(Compound::parse(&v1), Err(Error::Version(1)));
    let mut later_v1 = rr(0);
    let mut s = sdes();
    s[0] = 0x41;
    later_v1.extend_from_slice(&s);
    assert_eq!(Compound::parse(&later_v1), Err(Error::Version(1)));

    let mut short = rr(1);
    short.pop();
    assert_eq!(
        Compound::parse(&short),
        Err(Error::Length { len: short.len() })
    );
    let mut trailing = rr(1);
    trailing.extend_from_slice(&[0x80, 202]);
    assert_eq!(
        Compound::parse(&trailing),
        Err(Error::Length {
            len: trailing.len()
        })
    );

    let mut pad_middle = rr(0);
    let mut padded = sdes();
    padded[0] |= 0x20;
    pad_middle.extend_from_slice(&padded);
    pad_middle.extend_from_slice(&sdes());
    assert_eq!(Compound::parse(&pad_middle), Err(Error::PaddingNotLast));

    let mut zero_pad = rr(0);
    let mut last = header(0xa0, 202, 4);
    last.extend_from_slice(&[0, 0, 0, 0]);
    zero_pad.extend_from_slice(&last);
    assert_eq!(Compound::parse(&zero_pad), Err(Error::Padding));

    // RC says one block but the length holds none.
    let mut lying = rr(0);
    lying[0] = 0x81;
    assert_eq!(
        Compound::parse(&lying),
        Err(Error::Truncated { needed: 32, len: 8 })
    );
}
