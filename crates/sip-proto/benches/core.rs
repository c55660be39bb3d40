//! Protocol core throughput: digest verification and non-INVITE server transactions
//! (`cargo bench -p vpbx-sip-proto`).

use std::net::SocketAddr;
use std::time::{Duration, Instant};
use vpbx_sip_msg::{AuthParams, HeaderName, Message, Transport};
use vpbx_sip_proto::digest::{ha1_hex, Algorithm, DigestVerifier};
use vpbx_sip_proto::transaction::{Incoming, Peer, TimerConfig, TransactionLayer};
use vpbx_testkit::bench::measure;

fn credentials(v: &DigestVerifier, alg: Algorithm) -> AuthParams {
    let challenge = v
        .challenges(1_000, "t1.example", false)
        .into_iter()
        .find(|c| c.contains(alg.as_str()))
        .expect("challenge for the algorithm");
    let nonce = challenge
        .split("nonce=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("nonce")
        .to_owned();
    let ha1 = ha1_hex(alg, "1000", "t1.example", "p1000t1");
    let uri = "sip:127.0.0.1:5060";
    let digest = |s: &str| match alg {
        Algorithm::Md5 => {
            use md5::Digest;
            hex::encode(md5::Md5::digest(s.as_bytes()))
        }
        Algorithm::Sha256 => {
            use sha2::Digest;
            hex::encode(sha2::Sha256::digest(s.as_bytes()))
        }
    };
    let ha2 = digest(&format!("REGISTER:{uri}"));
    let response = digest(&format!("{ha1}:{nonce}:00000001:abcdef:auth:{ha2}"));
    AuthParams {
        scheme: "Digest".into(),
        params: vec![
            ("username".into(), "1000".into()),
            ("realm".into(), "t1.example".into()),
            ("nonce".into(), nonce),
            ("uri".into(), uri.into()),
            ("response".into(), response),
            ("algorithm".into(), alg.as_str().into()),
            ("cnonce".into(), "abcdef".into()),
            ("qop".into(), "auth".into()),
            ("nc".into(), "00000001".into()),
        ],
    }
}

fn register(n: u64) -> Message {
    let text = format!(
        "REGISTER sip:t1.example SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5172;branch=z9hG4bK-{n};rport\r\n\
         Max-Forwards: 70\r\nFrom: <sip:1000@t1.example>;tag={n}\r\nTo: <sip:1000@t1.example>\r\n\
         Call-ID: {n}@bench\r\nCSeq: 1 REGISTER\r\nContact: <sip:1000@127.0.0.1:5172>\r\n\
         Content-Length: 0\r\n\r\n"
    );
    Message::parse(text.as_bytes()).expect("bench message parses")
}

fn main() {
    let v = DigestVerifier::new([7; 32], 300);
    for alg in [Algorithm::Md5, Algorithm::Sha256] {
        let creds = credentials(&v, alg);
        let ha1 = ha1_hex(alg, "1000", "t1.example", "p1000t1");
        let name = format!("digest verify {}", alg.as_str());
        measure(&name, || {
            v.verify(1_001, "REGISTER", "t1.example", &creds, |_, _| {
                Some(ha1.clone())
            })
        });
    }
    measure("digest challenges (2 algorithms)", || {
        v.challenges(1_000, "t1.example", false)
    });

    let mut layer = TransactionLayer::new(TimerConfig::default());
    let peer = Peer {
        transport: Transport::Udp,
        addr: SocketAddr::from(([127, 0, 0, 1], 5172)),
        conn: None,
    };
    let base = Instant::now();
    let mut n = 0u64;
    let messages: Vec<Message> = (0..4096).map(register).collect();
    // Steady state: one new transaction per operation, each kept 32 s (Timer J) on a
    // simulated clock advancing 50 µs per request (20,000 requests/s).
    measure("server tx: receive+respond+expire (UDP)", || {
        n += 1;
        let now = base + Duration::from_micros(50 * n);
        let mut msg = messages[(n % 4096) as usize].clone();
        if let Message::Request(r) = &mut msg {
            r.headers.set(
                HeaderName::Via,
                format!("SIP/2.0/UDP 127.0.0.1:5172;branch=z9hG4bK-{n};rport"),
            );
        }
        if let Incoming::Request {
            tx: Some(tx),
            request,
            ..
        } = layer.receive(now, peer, msg)
        {
            let _ = layer.respond(now, tx, request.response(200, "OK", Some("t")));
        }
        while layer.poll_transmit().is_some() {}
        layer.handle_timeout(now);
        while layer.poll_event().is_some() {}
        layer.len()
    });
}
