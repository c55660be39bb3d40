//! The UDP relay on loopback with real sockets: forwarding of RTP and RTCP both ways
//! (RFC 3550 §11), latching and symmetric RTP (RFC 4961), the RTP timeout, port pairs
//! returned on close, and the relay-side RTT of RFC 3550 §6.4.1.
//!
//! Every wait is bounded; each test uses its own port range so tests can run in parallel.

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::ops::RangeInclusive;
use std::time::Duration;

use tokio::net::UdpSocket;
use tokio::sync::mpsc::{self, UnboundedReceiver};
use vpbx_engine::media::relay::Relay;
use vpbx_engine::media::{
    MediaError, MediaEvent, MediaId, MediaPlane, MediaSession, MediaStats, Side,
};

const LOCAL: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
/// Upper bound for anything that should happen.
const WAIT: Duration = Duration::from_secs(3);
/// How long to listen for something that should not happen.
const QUIET: Duration = Duration::from_millis(200);

/// A party: one RTP and one RTCP socket on loopback.
struct Party {
    rtp: UdpSocket,
    rtcp: UdpSocket,
}

impl Party {
    async fn new() -> Party {
        Party {
            rtp: UdpSocket::bind((LOCAL, 0)).await.expect("bind rtp"),
            rtcp: UdpSocket::bind((LOCAL, 0)).await.expect("bind rtcp"),
        }
    }

    fn rtp_addr(&self) -> SocketAddr {
        self.rtp.local_addr().expect("rtp addr")
    }

    fn rtcp_addr(&self) -> SocketAddr {
        self.rtcp.local_addr().expect("rtcp addr")
    }
}

fn relay(
    ports: RangeInclusive<u16>,
    timeout: Duration,
) -> (Relay, UnboundedReceiver<(u64, MediaEvent)>) {
    let (tx, rx) = mpsc::unbounded_channel();
    (Relay::new(LOCAL, ports, timeout, tx, None), rx)
}

fn rtp_port(session: &MediaSession, side: Side) -> SocketAddr {
    let port = match side {
        Side::A => session.a_port,
        Side::B => session.b_port,
    };
    SocketAddr::new(session.ip, port)
}

fn rtcp_port(session: &MediaSession, side: Side) -> SocketAddr {
    let rtp = rtp_port(session, side);
    SocketAddr::new(rtp.ip(), rtp.port() + 1)
}

/// A minimal RTP packet (RFC 3550 §5.1), PCMU, sequence `seq`.
fn rtp(seq: u16) -> Vec<u8> {
    let mut p = vec![0x80, 0];
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(&[0, 0, 0, 160, 1, 2, 3, 4]);
    p.extend_from_slice(&[0xff; 160]);
    p
}

/// An SR without report blocks (RFC 3550 §6.4.1) whose NTP timestamp has middle bits
/// `ntp_middle`.
fn sender_report(ntp_middle: u32) -> Vec<u8> {
    let ntp = u64::from(ntp_middle) << 16;
    let mut p = vec![0x80, 200, 0, 6, 0, 0, 0, 0xb];
    p.extend_from_slice(&ntp.to_be_bytes());
    p.extend_from_slice(&[0; 12]);
    p
}

/// An RR with one report block (RFC 3550 §6.4.2).
fn receiver_report(lsr: u32, dlsr: u32) -> Vec<u8> {
    let mut p = vec![0x81, 201, 0, 7, 0, 0, 0, 0xa];
    p.extend_from_slice(&0xbu32.to_be_bytes());
    p.extend_from_slice(&[64, 0, 0, 5]); // fraction 1/4, 5 lost
    p.extend_from_slice(&100u32.to_be_bytes());
    p.extend_from_slice(&160u32.to_be_bytes()); // 20 ms at 8000 Hz
    p.extend_from_slice(&lsr.to_be_bytes());
    p.extend_from_slice(&dlsr.to_be_bytes());
    p
}

async fn within<T>(what: &str, future: impl Future<Output = T>) -> T {
    tokio::time::timeout(WAIT, future)
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
}

/// Receives one datagram; returns its bytes and source.
async fn recv(socket: &UdpSocket) -> (Vec<u8>, SocketAddr) {
    let mut buf = vec![0; 2048];
    let (len, from) = within("a datagram", socket.recv_from(&mut buf))
        .await
        .expect("recv");
    buf.truncate(len);
    (buf, from)
}

async fn assert_silent(socket: &UdpSocket) {
    let mut buf = [0; 2048];
    let got = tokio::time::timeout(QUIET, socket.recv_from(&mut buf)).await;
    assert!(got.is_err(), "unexpected datagram {got:?}");
}

/// Polls the session's stats until `ready` holds.
async fn stats_when(relay: &Relay, id: MediaId, ready: impl Fn(&MediaStats) -> bool) -> MediaStats {
    within("stats", async {
        loop {
            let stats = relay.stats(id).expect("session open");
            if ready(&stats) {
                return stats;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
}

#[tokio::test]
async fn forwards_rtp_and_rtcp_both_ways() {
    let (relay, _events) = relay(42_000..=42_019, Duration::from_secs(60));
    let session = relay.open(1).expect("open");
    let (a, b) = (Party::new().await, Party::new().await);
    relay.set_remote(session.id, Side::A, a.rtp_addr(), a.rtcp_addr());
    relay.set_remote(session.id, Side::B, b.rtp_addr(), b.rtcp_addr());

    a.rtp
        .send_to(&rtp(1), rtp_port(&session, Side::A))
        .await
        .expect("send");
    assert_eq!(recv(&b.rtp).await, (rtp(1), rtp_port(&session, Side::B)));
    b.rtp
        .send_to(&rtp(2), rtp_port(&session, Side::B))
        .await
        .expect("send");
    assert_eq!(recv(&a.rtp).await, (rtp(2), rtp_port(&session, Side::A)));

    let sr = sender_report(7);
    a.rtcp
        .send_to(&sr, rtcp_port(&session, Side::A))
        .await
        .expect("send");
    assert_eq!(
        recv(&b.rtcp).await,
        (sr.clone(), rtcp_port(&session, Side::B))
    );
    b.rtcp
        .send_to(b"not even RTCP", rtcp_port(&session, Side::B))
        .await
        .expect("send");
    assert_eq!(
        recv(&a.rtcp).await,
        (b"not even RTCP".to_vec(), rtcp_port(&session, Side::A))
    );

    let stats = relay.close(session.id).expect("stats");
    assert_eq!(
        (stats.a.packets_in, stats.a.packets_out, stats.a.dropped),
        (1, 1, 0)
    );
    assert_eq!(
        (stats.b.packets_in, stats.b.packets_out, stats.b.dropped),
        (1, 1, 0)
    );
    assert_eq!(relay.close(session.id), None);
}

#[tokio::test]
async fn latches_to_the_real_source_and_drops_others() {
    let (relay, _events) = relay(42_020..=42_039, Duration::from_secs(60));
    let session = relay.open(1).expect("open");
    let (a, b, intruder) = (Party::new().await, Party::new().await, Party::new().await);
    // A's SDP names an address behind its NAT; packets really come from `a`.
    let sdp_rtp: SocketAddr = "127.0.0.1:9".parse().expect("addr");
    let sdp_rtcp: SocketAddr = "127.0.0.1:11".parse().expect("addr");
    relay.set_remote(session.id, Side::A, sdp_rtp, sdp_rtcp);
    relay.set_remote(session.id, Side::B, b.rtp_addr(), b.rtcp_addr());

    // Before A sent anything, B's media goes to the SDP address, not to `a`.
    b.rtp
        .send_to(&rtp(1), rtp_port(&session, Side::B))
        .await
        .expect("send");
    assert_silent(&a.rtp).await;

    a.rtp
        .send_to(&rtp(2), rtp_port(&session, Side::A))
        .await
        .expect("send");
    assert_eq!(recv(&b.rtp).await.0, rtp(2));
    b.rtp
        .send_to(&rtp(3), rtp_port(&session, Side::B))
        .await
        .expect("send");
    assert_eq!(recv(&a.rtp).await.0, rtp(3), "latched to the real source");

    // RTCP latches on its own: still the SDP address until A sends RTCP.
    b.rtcp
        .send_to(&sender_report(1), rtcp_port(&session, Side::B))
        .await
        .expect("send");
    assert_silent(&a.rtcp).await;
    a.rtcp
        .send_to(&receiver_report(0, 0), rtcp_port(&session, Side::A))
        .await
        .expect("send");
    assert_eq!(recv(&b.rtcp).await.0, receiver_report(0, 0));
    b.rtcp
        .send_to(&sender_report(2), rtcp_port(&session, Side::B))
        .await
        .expect("send");
    assert_eq!(recv(&a.rtcp).await.0, sender_report(2));

    // A third party is not forwarded and counts as dropped on A's leg.
    intruder
        .rtp
        .send_to(&rtp(66), rtp_port(&session, Side::A))
        .await
        .expect("send");
    intruder
        .rtcp
        .send_to(&sender_report(66), rtcp_port(&session, Side::A))
        .await
        .expect("send");
    assert_silent(&b.rtp).await;
    assert_silent(&b.rtcp).await;
    let stats = stats_when(&relay, session.id, |s| s.a.dropped == 1).await;
    assert_eq!((stats.a.packets_in, stats.b.packets_in), (1, 2));
    assert_eq!(
        stats.b.dropped, 0,
        "B's first packet went to A's SDP address"
    );
    assert_eq!(stats.a.packets_out, 2);
    relay.close(session.id).expect("stats");
}

#[tokio::test]
async fn no_remote_yet_drops() {
    let (relay, _events) = relay(42_040..=42_059, Duration::from_secs(60));
    let session = relay.open(1).expect("open");
    let a = Party::new().await;
    a.rtp
        .send_to(&rtp(1), rtp_port(&session, Side::A))
        .await
        .expect("send");
    let stats = stats_when(&relay, session.id, |s| s.a.packets_in == 1).await;
    assert_eq!(stats.a.dropped, 1);
    relay.close(session.id).expect("stats");
}

#[tokio::test]
async fn set_remote_unlatches() {
    let (relay, _events) = relay(42_060..=42_079, Duration::from_secs(60));
    let session = relay.open(1).expect("open");
    let (old, new, b) = (Party::new().await, Party::new().await, Party::new().await);
    relay.set_remote(session.id, Side::A, old.rtp_addr(), old.rtcp_addr());
    relay.set_remote(session.id, Side::B, b.rtp_addr(), b.rtcp_addr());
    old.rtp
        .send_to(&rtp(1), rtp_port(&session, Side::A))
        .await
        .expect("send");
    assert_eq!(recv(&b.rtp).await.0, rtp(1));

    // A re-INVITE moves A: B's media follows at once, and `new` may latch.
    relay.set_remote(session.id, Side::A, new.rtp_addr(), new.rtcp_addr());
    b.rtp
        .send_to(&rtp(2), rtp_port(&session, Side::B))
        .await
        .expect("send");
    assert_eq!(recv(&new.rtp).await.0, rtp(2));
    new.rtp
        .send_to(&rtp(3), rtp_port(&session, Side::A))
        .await
        .expect("send");
    assert_eq!(recv(&b.rtp).await.0, rtp(3));
    old.rtp
        .send_to(&rtp(4), rtp_port(&session, Side::A))
        .await
        .expect("send");
    assert_silent(&b.rtp).await;
    let stats = stats_when(&relay, session.id, |s| s.a.dropped == 1).await;
    assert_eq!(stats.a.packets_in, 2);
    relay.close(session.id).expect("stats");
}

#[tokio::test]
async fn timeout_fires_once_when_armed_only() {
    let timeout = Duration::from_millis(300);
    let (relay, mut events) = relay(42_080..=42_099, timeout);
    let armed = relay.open(1).expect("open");
    let disarmed = relay.open(2).expect("open");
    relay.set_timeout_armed(disarmed.id, false);
    let kept_alive = relay.open(3).expect("open");
    let a = Party::new().await;

    let started = tokio::time::Instant::now();
    let feeder = async {
        for seq in 0..12 {
            a.rtp
                .send_to(&rtp(seq), rtp_port(&kept_alive, Side::A))
                .await
                .expect("send");
            tokio::time::sleep(Duration::from_millis(60)).await;
        }
    };
    let (_, first) = tokio::join!(feeder, within("a timeout", events.recv()));
    assert_eq!(first, Some((1, MediaEvent::Timeout)));
    assert!(started.elapsed() >= timeout);
    // RTP kept the fed session alive; it would time out 300 ms after the feeder stops.
    relay.close(kept_alive.id).expect("stats");
    // Only the armed silent session timed out, and only once.
    let more = tokio::time::timeout(Duration::from_millis(600), events.recv()).await;
    assert!(more.is_err(), "unexpected {more:?}");

    // Re-arming restarts the clock.
    let rearmed = tokio::time::Instant::now();
    relay.set_timeout_armed(disarmed.id, true);
    assert_eq!(
        within("a timeout", events.recv()).await,
        Some((2, MediaEvent::Timeout))
    );
    assert!(rearmed.elapsed() >= timeout - Duration::from_millis(20));
    for session in [armed, disarmed] {
        relay.close(session.id).expect("stats");
    }
}

#[tokio::test]
async fn zero_timeout_never_fires() {
    let (relay, mut events) = relay(42_140..=42_143, Duration::ZERO);
    let session = relay.open(1).expect("open");
    let more = tokio::time::timeout(Duration::from_millis(300), events.recv()).await;
    assert!(more.is_err(), "`--rtp-timeout 0` means never: {more:?}");
    relay.close(session.id).expect("stats");
}

#[tokio::test]
async fn close_frees_ports_and_exhaustion_is_reported() {
    let (relay, _events) = relay(42_100..=42_103, Duration::from_secs(60));
    let metrics = tokio::runtime::Handle::current().metrics();
    let session = relay.open(1).expect("open");
    assert_eq!(metrics.num_alive_tasks(), 1);
    assert!(matches!(relay.open(2), Err(MediaError::PortsExhausted)));
    let (a, b) = (Party::new().await, Party::new().await);
    relay.set_remote(session.id, Side::A, a.rtp_addr(), a.rtcp_addr());
    relay.set_remote(session.id, Side::B, b.rtp_addr(), b.rtcp_addr());
    a.rtp
        .send_to(&rtp(1), rtp_port(&session, Side::A))
        .await
        .expect("send");
    recv(&b.rtp).await;

    let stats = relay.close(session.id).expect("stats");
    assert_eq!((stats.a.packets_in, stats.b.packets_out), (1, 1));
    within("the task to end", async {
        while metrics.num_alive_tasks() > 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    let again = within("ports to come back", async {
        loop {
            match relay.open(3) {
                Ok(session) => return session,
                Err(MediaError::PortsExhausted) => {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                Err(e) => panic!("open: {e}"),
            }
        }
    })
    .await;
    let mut ports = [again.a_port, again.b_port];
    ports.sort_unstable();
    assert_eq!(ports, [42_100, 42_102]);
    relay.close(again.id).expect("stats");
}

#[tokio::test]
async fn rtt_from_a_forwarded_sr_and_the_returned_rr() {
    let (relay, _events) = relay(42_120..=42_139, Duration::from_secs(60));
    let session = relay.open(1).expect("open");
    let (a, b) = (Party::new().await, Party::new().await);
    relay.set_remote(session.id, Side::A, a.rtp_addr(), a.rtcp_addr());
    relay.set_remote(session.id, Side::B, b.rtp_addr(), b.rtcp_addr());

    // B's SR reaches A through the relay; A answers 100 ms later with DLSR = 100 ms.
    b.rtcp
        .send_to(&sender_report(0x1234_5678), rtcp_port(&session, Side::B))
        .await
        .expect("send");
    recv(&a.rtcp).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let dlsr = 65_536 / 10;
    a.rtcp
        .send_to(
            &receiver_report(0x1234_5678, dlsr),
            rtcp_port(&session, Side::A),
        )
        .await
        .expect("send");
    recv(&b.rtcp).await;

    let stats = stats_when(&relay, session.id, |s| s.a.rtt_ms.is_some()).await;
    let rtt = stats.a.rtt_ms.expect("rtt");
    assert!((0.0..50.0).contains(&rtt), "rtt {rtt} ms");
    assert_eq!(stats.a.lost, Some(5));
    assert_eq!(stats.a.fraction_lost, Some(0.25));
    assert_eq!(stats.a.jitter_ms, Some(20.0));
    assert_eq!(stats.b.rtt_ms, None);
    let closed = relay.close(session.id).expect("stats");
    assert_eq!(closed.a.rtt_ms, Some(rtt));
}
