//! End-to-end tests of the RFC 3261 §17 / RFC 6026 transaction layer through its public
//! API, on a simulated clock (a base `Instant` plus offsets; no wall-clock assertions).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use vpbx_sip_msg::{HeaderName, Message, Method, Request, Response, Transport};
use vpbx_sip_proto::transaction::{
    response_destination, ClientTxId, Incoming, Peer, ServerTxId, TimerConfig, TransactionError,
    TransactionEvent, TransactionLayer, Transmit,
};

// ---------------------------------------------------------------- helpers

/// Things that happened, with the simulated millisecond they happened at.
type Timed<T> = Vec<(u64, T)>;

struct Sim {
    base: Instant,
    layer: TransactionLayer,
}

impl Sim {
    fn new() -> Sim {
        Sim {
            base: Instant::now(),
            layer: TransactionLayer::new(TimerConfig::default()),
        }
    }

    fn at(&self, ms: u64) -> Instant {
        self.base + Duration::from_millis(ms)
    }

    fn ms(&self, t: Instant) -> u64 {
        u64::try_from(t.duration_since(self.base).as_millis()).unwrap()
    }

    fn transmits(&mut self) -> Vec<Transmit> {
        std::iter::from_fn(|| self.layer.poll_transmit()).collect()
    }

    fn events(&mut self) -> Vec<TransactionEvent> {
        std::iter::from_fn(|| self.layer.poll_event()).collect()
    }

    /// Runs timers up to `until`, returning (ms, transmit) and (ms, event) in order.
    fn run_until(&mut self, until: u64) -> (Timed<Transmit>, Timed<TransactionEvent>) {
        let mut sent = Vec::new();
        let mut events = Vec::new();
        while let Some(t) = self.layer.poll_timeout() {
            if self.ms(t) > until {
                break;
            }
            self.layer.handle_timeout(t);
            let ms = self.ms(t);
            sent.extend(self.transmits().into_iter().map(|x| (ms, x)));
            events.extend(self.events().into_iter().map(|e| (ms, e)));
        }
        (sent, events)
    }

    fn receive(&mut self, ms: u64, peer: Peer, text: &str) -> Incoming {
        let message = Message::parse(text.as_bytes()).unwrap();
        self.layer.receive(self.at(ms), peer, message)
    }
}

fn peer(transport: Transport) -> Peer {
    Peer {
        transport,
        addr: "192.0.2.1:5060".parse().unwrap(),
        conn: Some(1),
    }
}

fn request_text(method: &str, branch: &str, cseq_method: &str) -> String {
    format!(
        "{method} sip:bob@example.com SIP/2.0\r\n\
         Via: SIP/2.0/UDP 192.0.2.1:5060;branch={branch}\r\n\
         Max-Forwards: 70\r\nTo: <sip:bob@example.com>\r\n\
         From: <sip:alice@example.com>;tag=a1\r\nCall-ID: call-{branch}\r\n\
         CSeq: 1 {cseq_method}\r\nContent-Length: 0\r\n\r\n"
    )
}

fn request(method: &str, branch: &str) -> Request {
    match Message::parse(request_text(method, branch, method).as_bytes()) {
        Ok(Message::Request(r)) => r,
        other => panic!("{other:?}"),
    }
}

fn response_text(status: u16, method: &str, branch: &str) -> String {
    format!(
        "SIP/2.0 {status} Something\r\n\
         Via: SIP/2.0/UDP 192.0.2.1:5060;branch={branch}\r\n\
         To: <sip:bob@example.com>;tag=b2\r\n\
         From: <sip:alice@example.com>;tag=a1\r\nCall-ID: call-{branch}\r\n\
         CSeq: 1 {method}\r\nContent-Length: 0\r\n\r\n"
    )
}

fn ack_text(branch: &str) -> String {
    request_text("ACK", branch, "ACK").replace(
        "To: <sip:bob@example.com>\r\n",
        "To: <sip:bob@example.com>;tag=b2\r\n",
    )
}

fn parse(bytes: &[u8]) -> Message {
    Message::parse(bytes).unwrap()
}

fn status(bytes: &[u8]) -> u16 {
    match parse(bytes) {
        Message::Response(r) => r.status,
        Message::Request(r) => panic!("request {:?}", r.method),
    }
}

fn method(bytes: &[u8]) -> Method {
    match parse(bytes) {
        Message::Request(r) => r.method,
        Message::Response(r) => panic!("response {}", r.status),
    }
}

fn server_tx(incoming: Incoming) -> ServerTxId {
    match incoming {
        Incoming::Request { tx: Some(tx), .. } => tx,
        other => panic!("expected a new server transaction, got {other:?}"),
    }
}

fn answer(request: &Request, status: u16) -> Response {
    request.response(status, "Answer", Some("b2"))
}

const RETRANSMIT_TIMES: [u64; 10] = [
    500, 1500, 3500, 7500, 11_500, 15_500, 19_500, 23_500, 27_500, 31_500,
];

// ---------------------------------------------------------------- client, non-INVITE

#[test]
fn non_invite_client_udp_timer_e_schedule_then_timer_f() {
    let mut sim = Sim::new();
    let tx = sim.layer.send_request(
        sim.at(0),
        peer(Transport::Udp),
        request("OPTIONS", "z9hG4bKo1"),
    );
    let first = sim.transmits();
    assert_eq!(first.len(), 1);
    assert_eq!(method(&first[0].bytes), Method::Options);
    let (sent, events) = sim.run_until(100_000);
    let times: Vec<u64> = sent.iter().map(|(t, _)| *t).collect();
    assert_eq!(times, RETRANSMIT_TIMES);
    assert!(sent.iter().all(|(_, x)| x.bytes == first[0].bytes));
    assert_eq!(
        events,
        vec![
            (32_000, TransactionEvent::Timeout { tx }),
            (32_000, TransactionEvent::ClientTerminated { tx }),
        ]
    );
    assert!(sim.layer.is_empty());
    assert_eq!(sim.layer.poll_timeout(), None);
}

#[test]
fn non_invite_client_tcp_sends_once_and_times_out() {
    let mut sim = Sim::new();
    let tx = sim.layer.send_request(
        sim.at(0),
        peer(Transport::Tcp),
        request("OPTIONS", "z9hG4bKo2"),
    );
    assert_eq!(sim.transmits().len(), 1);
    let (sent, events) = sim.run_until(100_000);
    assert!(sent.is_empty());
    assert_eq!(events[0], (32_000, TransactionEvent::Timeout { tx }));
}

#[test]
fn non_invite_client_final_response_once_then_timer_k() {
    let mut sim = Sim::new();
    let tx = sim.layer.send_request(
        sim.at(0),
        peer(Transport::Udp),
        request("REGISTER", "z9hG4bKr1"),
    );
    sim.transmits();
    let r = sim.receive(
        100,
        peer(Transport::Udp),
        &response_text(100, "REGISTER", "z9hG4bKr1"),
    );
    assert!(
        matches!(r, Incoming::Response { tx: t, ref response } if t == tx && response.status == 100)
    );
    let r = sim.receive(
        200,
        peer(Transport::Udp),
        &response_text(200, "REGISTER", "z9hG4bKr1"),
    );
    assert!(
        matches!(r, Incoming::Response { tx: t, ref response } if t == tx && response.status == 200)
    );
    let r = sim.receive(
        300,
        peer(Transport::Udp),
        &response_text(200, "REGISTER", "z9hG4bKr1"),
    );
    assert_eq!(r, Incoming::Absorbed);
    assert_eq!(sim.layer.poll_timeout(), Some(sim.at(5_200)));
    let (sent, events) = sim.run_until(100_000);
    assert!(sent.is_empty());
    assert_eq!(
        events,
        vec![(5_200, TransactionEvent::ClientTerminated { tx })]
    );
}

#[test]
fn response_with_other_cseq_method_does_not_match() {
    let mut sim = Sim::new();
    sim.layer.send_request(
        sim.at(0),
        peer(Transport::Udp),
        request("INVITE", "z9hG4bKm1"),
    );
    let r = sim.receive(
        10,
        peer(Transport::Udp),
        &response_text(200, "CANCEL", "z9hG4bKm1"),
    );
    assert_eq!(r, Incoming::Absorbed);
}

// ---------------------------------------------------------------- client, INVITE

#[test]
fn invite_client_udp_timer_a_doubles_then_timer_b() {
    let mut sim = Sim::new();
    let tx = sim.layer.send_request(
        sim.at(0),
        peer(Transport::Udp),
        request("INVITE", "z9hG4bKi1"),
    );
    assert_eq!(sim.transmits().len(), 1);
    let (sent, events) = sim.run_until(100_000);
    let times: Vec<u64> = sent.iter().map(|(t, _)| *t).collect();
    assert_eq!(times, [500, 1500, 3500, 7500, 15_500, 31_500]);
    assert_eq!(
        events,
        vec![
            (32_000, TransactionEvent::Timeout { tx }),
            (32_000, TransactionEvent::ClientTerminated { tx }),
        ]
    );
}

#[test]
fn invite_client_non_2xx_generates_ack_and_absorbs_retransmissions() {
    let mut sim = Sim::new();
    let p = peer(Transport::Udp);
    let tx = sim
        .layer
        .send_request(sim.at(0), p, request("INVITE", "z9hG4bKi2"));
    sim.transmits();
    let r = sim.receive(100, p, &response_text(486, "INVITE", "z9hG4bKi2"));
    assert!(matches!(r, Incoming::Response { tx: t, .. } if t == tx));
    let acks = sim.transmits();
    assert_eq!(acks.len(), 1);
    assert_eq!(acks[0].peer, p);
    let Message::Request(ack) = parse(&acks[0].bytes) else {
        panic!("ACK expected")
    };
    assert_eq!(ack.method, Method::Ack);
    assert_eq!(ack.headers.top_via().unwrap().branch(), Some("z9hG4bKi2"));
    assert_eq!(ack.headers.to().unwrap().tag(), Some("b2"));
    assert_eq!(ack.headers.cseq().unwrap().method, Method::Ack);
    let r = sim.receive(600, p, &response_text(486, "INVITE", "z9hG4bKi2"));
    assert_eq!(r, Incoming::Absorbed);
    assert_eq!(sim.transmits()[0].bytes, acks[0].bytes);
    let (sent, events) = sim.run_until(100_000);
    assert!(sent.is_empty(), "no retransmission of INVITE after final");
    assert_eq!(
        events,
        vec![(32_100, TransactionEvent::ClientTerminated { tx })]
    );
}

#[test]
fn invite_client_non_2xx_over_tcp_terminates_at_once() {
    let mut sim = Sim::new();
    let p = peer(Transport::Tcp);
    let tx = sim
        .layer
        .send_request(sim.at(0), p, request("INVITE", "z9hG4bKi3"));
    sim.transmits();
    let r = sim.receive(100, p, &response_text(404, "INVITE", "z9hG4bKi3"));
    assert!(matches!(r, Incoming::Response { .. }));
    assert_eq!(method(&sim.transmits()[0].bytes), Method::Ack);
    assert_eq!(
        sim.events(),
        vec![TransactionEvent::ClientTerminated { tx }]
    );
    assert!(sim.layer.is_empty());
}

#[test]
fn invite_client_accepted_passes_2xx_retransmissions_to_tu() {
    let mut sim = Sim::new();
    let p = peer(Transport::Udp);
    let tx = sim
        .layer
        .send_request(sim.at(0), p, request("INVITE", "z9hG4bKi4"));
    sim.transmits();
    assert!(matches!(
        sim.receive(50, p, &response_text(180, "INVITE", "z9hG4bKi4")),
        Incoming::Response { .. }
    ));
    for ms in [100, 600, 1600] {
        let r = sim.receive(ms, p, &response_text(200, "INVITE", "z9hG4bKi4"));
        assert!(
            matches!(r, Incoming::Response { tx: t, ref response } if t == tx && response.status == 200)
        );
    }
    assert!(sim.transmits().is_empty(), "ACK for 2xx belongs to the TU");
    let (sent, events) = sim.run_until(1_000_000);
    assert!(sent.is_empty());
    assert_eq!(
        events,
        vec![(32_100, TransactionEvent::ClientTerminated { tx })]
    );
}

#[test]
fn invite_client_proceeding_ends_by_timer_c_or_after_cancel() {
    let mut sim = Sim::new();
    let p = peer(Transport::Udp);
    let tx = sim
        .layer
        .send_request(sim.at(0), p, request("INVITE", "z9hG4bKi5"));
    sim.receive(100, p, &response_text(180, "INVITE", "z9hG4bKi5"));
    sim.transmits();
    let (sent, events) = sim.run_until(1_000_000);
    assert!(sent.is_empty(), "no retransmissions in Proceeding");
    assert_eq!(events[0], (181_100, TransactionEvent::Timeout { tx }));

    let tx = sim
        .layer
        .send_request(sim.at(200_000), p, request("INVITE", "z9hG4bKi6"));
    sim.receive(200_100, p, &response_text(180, "INVITE", "z9hG4bKi6"));
    let cancel = sim
        .layer
        .send_request(sim.at(210_000), p, request("CANCEL", "z9hG4bKi6"));
    let r = sim.receive(210_050, p, &response_text(200, "CANCEL", "z9hG4bKi6"));
    assert!(matches!(r, Incoming::Response { tx: t, .. } if t == cancel));
    let (_, events) = sim.run_until(1_000_000);
    assert!(events.contains(&(242_000, TransactionEvent::Timeout { tx })));
    assert!(sim.layer.is_empty());
}

#[test]
fn ack_sent_by_tu_has_no_transaction() {
    let mut sim = Sim::new();
    let tx = sim
        .layer
        .send_request(sim.at(0), peer(Transport::Udp), request("ACK", "z9hG4bKa1"));
    assert_eq!(method(&sim.transmits()[0].bytes), Method::Ack);
    assert_eq!(
        sim.events(),
        vec![TransactionEvent::ClientTerminated { tx }]
    );
    assert!(sim.layer.is_empty());
    assert_eq!(sim.layer.poll_timeout(), None);
    let other =
        sim.layer
            .send_request(sim.at(0), peer(Transport::Udp), request("ACK", "z9hG4bKa2"));
    assert_ne!(tx, other);
}

// ---------------------------------------------------------------- server, INVITE

#[test]
fn invite_server_sends_100_trying_after_200ms() {
    let mut sim = Sim::new();
    let p = peer(Transport::Udp);
    let tx = server_tx(sim.receive(0, p, &request_text("INVITE", "z9hG4bKs1", "INVITE")));
    assert!(sim.transmits().is_empty());
    assert_eq!(sim.layer.poll_timeout(), Some(sim.at(200)));
    let (sent, _) = sim.run_until(200);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].0, 200);
    let Message::Response(trying) = parse(&sent[0].1.bytes) else {
        panic!()
    };
    assert_eq!(trying.status, 100);
    assert_eq!(trying.headers.to().unwrap().tag(), None);
    assert_eq!(sent[0].1.peer.addr, p.addr);
    assert_eq!(
        sim.layer.poll_timeout(),
        None,
        "no timers while the TU decides"
    );
    assert_eq!(sim.layer.len(), 1);
    let _ = tx;
}

#[test]
fn invite_server_without_trying_when_tu_answers_quickly() {
    let mut sim = Sim::new();
    let p = peer(Transport::Udp);
    let Incoming::Request {
        tx: Some(tx),
        request: invite,
        ..
    } = sim.receive(0, p, &request_text("INVITE", "z9hG4bKs2", "INVITE"))
    else {
        panic!()
    };
    sim.layer
        .respond(sim.at(150), tx, answer(&invite, 180))
        .unwrap();
    let (sent, _) = sim.run_until(10_000);
    assert!(sent.is_empty());
    assert_eq!(status(&sim.transmits()[0].bytes), 180);
    let r = sim.receive(500, p, &request_text("INVITE", "z9hG4bKs2", "INVITE"));
    assert_eq!(r, Incoming::Absorbed);
    assert_eq!(status(&sim.transmits()[0].bytes), 180);
}

#[test]
fn invite_server_non_2xx_timer_g_capped_then_timer_h() {
    let mut sim = Sim::new();
    let p = peer(Transport::Udp);
    let Incoming::Request {
        tx: Some(tx),
        request: invite,
        ..
    } = sim.receive(0, p, &request_text("INVITE", "z9hG4bKs3", "INVITE"))
    else {
        panic!()
    };
    sim.layer
        .respond(sim.at(0), tx, answer(&invite, 486))
        .unwrap();
    let first = sim.transmits();
    assert_eq!(status(&first[0].bytes), 486);
    let (sent, events) = sim.run_until(100_000);
    let times: Vec<u64> = sent.iter().map(|(t, _)| *t).collect();
    assert_eq!(times, RETRANSMIT_TIMES);
    assert!(sent.iter().all(|(_, x)| x.bytes == first[0].bytes));
    assert_eq!(
        events,
        vec![
            (32_000, TransactionEvent::AckTimeout { tx }),
            (32_000, TransactionEvent::ServerTerminated { tx }),
        ]
    );
    assert_eq!(
        sim.layer.respond(sim.at(40_000), tx, answer(&invite, 200)),
        Err(TransactionError::UnknownTransaction)
    );
}

#[test]
fn invite_server_ack_stops_retransmissions_then_timer_i() {
    let mut sim = Sim::new();
    let p = peer(Transport::Udp);
    let Incoming::Request {
        tx: Some(tx),
        request: invite,
        ..
    } = sim.receive(0, p, &request_text("INVITE", "z9hG4bKs4", "INVITE"))
    else {
        panic!()
    };
    sim.layer
        .respond(sim.at(0), tx, answer(&invite, 603))
        .unwrap();
    sim.transmits();
    let (sent, _) = sim.run_until(600);
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sim.receive(700, p, &ack_text("z9hG4bKs4")),
        Incoming::Absorbed
    );
    assert_eq!(
        sim.receive(800, p, &ack_text("z9hG4bKs4")),
        Incoming::Absorbed
    );
    assert_eq!(
        sim.receive(900, p, &request_text("INVITE", "z9hG4bKs4", "INVITE")),
        Incoming::Absorbed
    );
    assert!(sim.transmits().is_empty());
    let (sent, events) = sim.run_until(100_000);
    assert!(sent.is_empty());
    assert_eq!(
        events,
        vec![(5_700, TransactionEvent::ServerTerminated { tx })]
    );
}

#[test]
fn invite_server_over_tcp_no_g_and_ack_terminates() {
    let mut sim = Sim::new();
    let p = peer(Transport::Tcp);
    let Incoming::Request {
        tx: Some(tx),
        request: invite,
        ..
    } = sim.receive(0, p, &request_text("INVITE", "z9hG4bKs5", "INVITE"))
    else {
        panic!()
    };
    sim.layer
        .respond(sim.at(0), tx, answer(&invite, 480))
        .unwrap();
    let sent = sim.transmits();
    assert_eq!(sent[0].peer, p, "same connection");
    assert_eq!(
        sim.layer.poll_timeout(),
        Some(sim.at(32_000)),
        "only Timer H"
    );
    assert_eq!(
        sim.receive(10, p, &ack_text("z9hG4bKs5")),
        Incoming::Absorbed
    );
    assert_eq!(
        sim.events(),
        vec![TransactionEvent::ServerTerminated { tx }]
    );
    assert!(sim.layer.is_empty());
}

#[test]
fn invite_server_accepted_absorbs_retransmissions_and_passes_ack() {
    let mut sim = Sim::new();
    let p = peer(Transport::Udp);
    let Incoming::Request {
        tx: Some(tx),
        request: invite,
        ..
    } = sim.receive(0, p, &request_text("INVITE", "z9hG4bKs6", "INVITE"))
    else {
        panic!()
    };
    let ok = answer(&invite, 200);
    sim.layer.respond(sim.at(10), tx, ok.clone()).unwrap();
    assert_eq!(status(&sim.transmits()[0].bytes), 200);
    assert_eq!(
        sim.receive(500, p, &request_text("INVITE", "z9hG4bKs6", "INVITE")),
        Incoming::Absorbed
    );
    assert!(sim.transmits().is_empty());
    sim.layer.respond(sim.at(510), tx, ok.clone()).unwrap();
    assert_eq!(status(&sim.transmits()[0].bytes), 200);
    assert_eq!(
        sim.layer.respond(sim.at(520), tx, answer(&invite, 500)),
        Err(TransactionError::AlreadyFinal)
    );
    let r = sim.receive(600, p, &ack_text("z9hG4bKs6"));
    assert!(
        matches!(r, Incoming::Request { tx: None, ref request, .. } if request.method == Method::Ack)
    );
    let (sent, events) = sim.run_until(100_000);
    assert!(sent.is_empty());
    assert_eq!(
        events,
        vec![(32_010, TransactionEvent::ServerTerminated { tx })]
    );
}

#[test]
fn ack_for_unknown_transaction_goes_to_tu() {
    let mut sim = Sim::new();
    let r = sim.receive(0, peer(Transport::Udp), &ack_text("z9hG4bKnew"));
    assert!(matches!(r, Incoming::Request { tx: None, .. }));
    assert!(sim.layer.is_empty());
}

// ---------------------------------------------------------------- server, non-INVITE

#[test]
fn non_invite_server_absorbs_and_resends_then_timer_j() {
    let mut sim = Sim::new();
    let p = peer(Transport::Udp);
    let Incoming::Request {
        tx: Some(tx),
        request: bye,
        ..
    } = sim.receive(0, p, &request_text("BYE", "z9hG4bKn1", "BYE"))
    else {
        panic!()
    };
    assert_eq!(
        sim.layer.poll_timeout(),
        None,
        "no automatic 100 for non-INVITE"
    );
    assert_eq!(
        sim.receive(500, p, &request_text("BYE", "z9hG4bKn1", "BYE")),
        Incoming::Absorbed
    );
    assert!(sim.transmits().is_empty());
    sim.layer
        .respond(sim.at(600), tx, answer(&bye, 200))
        .unwrap();
    let ok = sim.transmits();
    assert_eq!(
        sim.receive(1500, p, &request_text("BYE", "z9hG4bKn1", "BYE")),
        Incoming::Absorbed
    );
    assert_eq!(sim.transmits()[0].bytes, ok[0].bytes);
    assert_eq!(
        sim.layer.respond(sim.at(1600), tx, answer(&bye, 500)),
        Err(TransactionError::AlreadyFinal)
    );
    let (_, events) = sim.run_until(100_000);
    assert_eq!(
        events,
        vec![(32_600, TransactionEvent::ServerTerminated { tx })]
    );
}

#[test]
fn non_invite_server_over_tcp_ends_with_final_response() {
    let mut sim = Sim::new();
    let p = peer(Transport::Tls);
    let Incoming::Request {
        tx: Some(tx),
        request: msg,
        ..
    } = sim.receive(0, p, &request_text("MESSAGE", "z9hG4bKn2", "MESSAGE"))
    else {
        panic!()
    };
    sim.layer.respond(sim.at(1), tx, answer(&msg, 202)).unwrap();
    assert_eq!(sim.transmits()[0].peer, p);
    assert_eq!(
        sim.events(),
        vec![TransactionEvent::ServerTerminated { tx }]
    );
    assert!(sim.layer.is_empty());
}

#[test]
fn respond_rejects_bad_input() {
    let mut sim = Sim::new();
    let p = peer(Transport::Udp);
    let Incoming::Request {
        tx: Some(tx),
        request: opt,
        ..
    } = sim.receive(0, p, &request_text("OPTIONS", "z9hG4bKn3", "OPTIONS"))
    else {
        panic!()
    };
    let mut bad = answer(&opt, 200);
    bad.status = 99;
    assert_eq!(
        sim.layer.respond(sim.at(1), tx, bad.clone()),
        Err(TransactionError::InvalidStatus(99))
    );
    bad.status = 700;
    assert_eq!(
        sim.layer.respond(sim.at(1), tx, bad),
        Err(TransactionError::InvalidStatus(700))
    );
    assert!(sim.transmits().is_empty());
    sim.layer.respond(sim.at(1), tx, answer(&opt, 200)).unwrap();
    sim.run_until(100_000);
    assert_eq!(
        sim.layer.respond(sim.at(100_000), tx, answer(&opt, 200)),
        Err(TransactionError::UnknownTransaction)
    );
}

// ---------------------------------------------------------------- CANCEL, matching

#[test]
fn cancel_has_its_own_transaction_and_finds_its_invite() {
    let mut sim = Sim::new();
    let p = peer(Transport::Udp);
    let invite_tx = server_tx(sim.receive(0, p, &request_text("INVITE", "z9hG4bKc1", "INVITE")));
    let Incoming::Request {
        tx: Some(cancel_tx),
        request: cancel,
        ..
    } = sim.receive(100, p, &request_text("CANCEL", "z9hG4bKc1", "CANCEL"))
    else {
        panic!()
    };
    assert_ne!(cancel_tx, invite_tx);
    assert_eq!(sim.layer.invite_for_cancel(&cancel), Some(invite_tx));
    let stray = request("CANCEL", "z9hG4bKc2");
    assert_eq!(sim.layer.invite_for_cancel(&stray), None);
    let mut other_host = cancel.clone();
    other_host.headers.set(
        HeaderName::Via,
        "SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bKc1",
    );
    assert_eq!(
        sim.layer.invite_for_cancel(&other_host),
        None,
        "sent-by differs"
    );
    let opts = server_tx(sim.receive(150, p, &request_text("OPTIONS", "z9hG4bKc3", "OPTIONS")));
    assert_ne!(opts, invite_tx);
    assert_eq!(
        sim.layer.invite_for_cancel(&request("CANCEL", "z9hG4bKc3")),
        None,
        "an OPTIONS transaction is not an INVITE"
    );
}

#[test]
fn same_branch_different_sent_by_are_different_transactions() {
    let mut sim = Sim::new();
    let p = peer(Transport::Udp);
    let a = server_tx(sim.receive(0, p, &request_text("OPTIONS", "z9hG4bKdup", "OPTIONS")));
    let text = request_text("OPTIONS", "z9hG4bKdup", "OPTIONS")
        .replace("192.0.2.1:5060", "192.0.2.2:5060");
    let b = server_tx(sim.receive(0, p, &text));
    assert_ne!(a, b);
    assert_eq!(sim.layer.len(), 2);
}

#[test]
fn rfc2543_requests_match_without_magic_cookie() {
    let mut sim = Sim::new();
    let p = peer(Transport::Udp);
    let Incoming::Request {
        tx: Some(tx),
        request: invite,
        ..
    } = sim.receive(0, p, &request_text("INVITE", "old1", "INVITE"))
    else {
        panic!()
    };
    assert_eq!(
        sim.receive(100, p, &request_text("INVITE", "old1", "INVITE")),
        Incoming::Absorbed
    );
    sim.layer
        .respond(sim.at(150), tx, answer(&invite, 486))
        .unwrap();
    sim.transmits();
    assert_eq!(sim.receive(200, p, &ack_text("old1")), Incoming::Absorbed);
    let (sent, _) = sim.run_until(100_000);
    assert!(sent.is_empty(), "ACK matched: no Timer G retransmissions");
    let no_branch = request_text("INVITE", "x", "INVITE").replace(";branch=x", "");
    let t2 = server_tx(sim.receive(0, p, &no_branch));
    assert_eq!(sim.receive(10, p, &no_branch), Incoming::Absorbed);
    let _ = t2;
}

// ---------------------------------------------------------------- routing, strays

#[test]
fn responses_follow_received_and_rport() {
    let mut sim = Sim::new();
    let nat = Peer {
        transport: Transport::Udp,
        addr: "203.0.113.5:40123".parse().unwrap(),
        conn: Some(9),
    };
    let text = request_text("INVITE", "z9hG4bKnat", "INVITE")
        .replace("192.0.2.1:5060;branch", "10.0.0.5:5060;rport;branch");
    let Incoming::Request { request, .. } = sim.receive(0, nat, &text) else {
        panic!()
    };
    let via = request.headers.top_via().unwrap();
    assert_eq!(via.received(), Some("203.0.113.5"));
    assert_eq!(via.rport(), Some(Some(40123)));
    assert_eq!(response_destination(&via, nat), nat);
    let (sent, _) = sim.run_until(200);
    assert_eq!(sent[0].1.peer, nat, "100 Trying goes back through the NAT");
    let Message::Response(trying) = parse(&sent[0].1.bytes) else {
        panic!()
    };
    assert_eq!(trying.headers.top_via().unwrap().rport(), Some(Some(40123)));
}

#[test]
fn stray_and_broken_messages_are_absorbed() {
    let mut sim = Sim::new();
    let p = peer(Transport::Udp);
    assert_eq!(
        sim.receive(0, p, &response_text(200, "INVITE", "z9hG4bKnone")),
        Incoming::Absorbed
    );
    assert_eq!(
        sim.receive(
            0,
            p,
            "SIP/2.0 200 OK\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"
        ),
        Incoming::Absorbed
    );
    assert_eq!(
        sim.receive(
            0,
            p,
            "OPTIONS sip:x@example.com SIP/2.0\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
        ),
        Incoming::Absorbed
    );
    sim.layer
        .send_request(sim.at(0), p, request("OPTIONS", "z9hG4bKst"));
    let weird = response_text(200, "OPTIONS", "z9hG4bKst").replace("SIP/2.0 200", "SIP/2.0 099");
    if let Ok(m) = Message::parse(weird.as_bytes()) {
        assert_eq!(sim.layer.receive(sim.at(1), p, m), Incoming::Absorbed);
    }
    assert!(sim.events().is_empty());
    assert_eq!(sim.layer.len(), 1);
}

#[test]
fn request_without_branch_gets_a_transaction_that_times_out() {
    let mut sim = Sim::new();
    let text = request_text("OPTIONS", "x", "OPTIONS").replace(";branch=x", "");
    let Message::Request(r) = parse(text.as_bytes()) else {
        panic!()
    };
    let tx = sim.layer.send_request(sim.at(0), peer(Transport::Tcp), r);
    let (_, events) = sim.run_until(100_000);
    assert_eq!(events[0], (32_000, TransactionEvent::Timeout { tx }));
}

#[test]
fn custom_timer_values_are_used() {
    let mut sim = Sim::new();
    sim.layer = TransactionLayer::new(TimerConfig {
        t1: Duration::from_millis(100),
        t2: Duration::from_millis(400),
        t4: Duration::from_secs(1),
    });
    let tx = sim.layer.send_request(
        sim.at(0),
        peer(Transport::Udp),
        request("OPTIONS", "z9hG4bKcfg"),
    );
    assert_eq!(sim.transmits().len(), 1);
    let (sent, events) = sim.run_until(100_000);
    let times: Vec<u64> = sent.iter().map(|(t, _)| *t).take(5).collect();
    assert_eq!(times, [100, 300, 700, 1100, 1500]);
    assert_eq!(events[0], (6_400, TransactionEvent::Timeout { tx }));
}

// ---------------------------------------------------------------- scale

#[test]
fn many_concurrent_transactions_all_end() {
    let mut sim = Sim::new();
    let p = peer(Transport::Udp);
    let n: u32 = 5_000;
    let mut clients = Vec::new();
    let mut servers = Vec::new();
    for i in 0..n {
        let ms = u64::from(i % 1000);
        let method = if i % 2 == 0 { "INVITE" } else { "OPTIONS" };
        clients.push(sim.layer.send_request(
            sim.at(ms),
            p,
            request(method, &format!("z9hG4bKc{i}")),
        ));
        let Incoming::Request {
            tx: Some(tx),
            request: r,
            ..
        } = sim.receive(
            ms,
            p,
            &request_text(method, &format!("z9hG4bKs{i}"), method),
        )
        else {
            panic!()
        };
        servers.push((tx, r));
    }
    assert_eq!(sim.layer.len(), 2 * n as usize);
    for (i, (tx, r)) in servers.iter().enumerate() {
        let status = [200, 486, 404][i % 3];
        sim.layer
            .respond(sim.at(1_000), *tx, answer(r, status))
            .unwrap();
    }
    for i in 0..n {
        let method = if i % 2 == 0 { "INVITE" } else { "OPTIONS" };
        let r = sim.receive(
            1_500,
            p,
            &response_text(200, method, &format!("z9hG4bKc{i}")),
        );
        assert!(matches!(r, Incoming::Response { .. }));
    }
    sim.transmits();
    let (_, events) = sim.run_until(10_000_000);
    assert!(sim.layer.is_empty());
    let mut ended: HashMap<String, usize> = HashMap::new();
    for (_, e) in &events {
        if let TransactionEvent::ServerTerminated { tx } = e {
            *ended.entry(format!("{tx:?}")).or_default() += 1;
        }
        if let TransactionEvent::ClientTerminated { tx } = e {
            *ended.entry(format!("{tx:?}c")).or_default() += 1;
        }
    }
    assert_eq!(ended.len(), 2 * n as usize);
    assert!(ended.values().all(|c| *c == 1));
}

// ---------------------------------------------------------------- property test

#[derive(Clone, Debug)]
enum Op {
    Send {
        invite: bool,
        tcp: bool,
        branch: u8,
    },
    SendCancel {
        branch: u8,
    },
    Reply {
        status: u16,
        invite: bool,
        branch: u8,
    },
    Request {
        method: u8,
        tcp: bool,
        branch: u8,
    },
    Answer {
        pick: usize,
        status: u16,
    },
    Advance {
        ms: u64,
    },
    Garbage {
        text: String,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let status = prop::sample::select(vec![100u16, 180, 183, 200, 202, 302, 404, 486, 503, 603]);
    prop_oneof![
        (any::<bool>(), any::<bool>(), 0u8..6).prop_map(|(invite, tcp, branch)| Op::Send {
            invite,
            tcp,
            branch
        }),
        (0u8..6).prop_map(|branch| Op::SendCancel { branch }),
        (status.clone(), any::<bool>(), 0u8..6).prop_map(|(status, invite, branch)| Op::Reply {
            status,
            invite,
            branch
        }),
        (0u8..5, any::<bool>(), 0u8..6).prop_map(|(method, tcp, branch)| Op::Request {
            method,
            tcp,
            branch
        }),
        (any::<usize>(), status).prop_map(|(pick, status)| Op::Answer { pick, status }),
        (0u64..40_000).prop_map(|ms| Op::Advance { ms }),
        "[ -~\r\n]{0,200}".prop_map(|text| Op::Garbage { text }),
    ]
}

fn prop_peer(tcp: bool) -> Peer {
    let addr: SocketAddr = "192.0.2.1:5060".parse().unwrap();
    Peer {
        transport: if tcp { Transport::Tcp } else { Transport::Udp },
        addr,
        conn: None,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_sequences_never_panic_and_drain_to_empty(ops in prop::collection::vec(op(), 0..60)) {
        let mut sim = Sim::new();
        let mut now = 0u64;
        let mut servers: Vec<(ServerTxId, Request)> = Vec::new();
        let mut clients: Vec<ClientTxId> = Vec::new();
        let mut terminated_servers: Vec<ServerTxId> = Vec::new();
        let mut terminated_clients: Vec<ClientTxId> = Vec::new();
        let drain = |sim: &mut Sim, ts: &mut Vec<ServerTxId>, tc: &mut Vec<ClientTxId>| {
            sim.transmits();
            for e in sim.events() {
                match e {
                    TransactionEvent::ServerTerminated { tx } => ts.push(tx),
                    TransactionEvent::ClientTerminated { tx } => tc.push(tx),
                    _ => {}
                }
            }
        };
        for op in ops {
            match op {
                Op::Send { invite, tcp, branch } => {
                    let m = if invite { "INVITE" } else { "OPTIONS" };
                    let tx = sim.layer.send_request(sim.at(now), prop_peer(tcp), request(m, &format!("z9hG4bKp{branch}")));
                    clients.push(tx);
                }
                Op::SendCancel { branch } => {
                    let tx = sim.layer.send_request(sim.at(now), prop_peer(false), request("CANCEL", &format!("z9hG4bKp{branch}")));
                    clients.push(tx);
                }
                Op::Reply { status, invite, branch } => {
                    let m = if invite { "INVITE" } else { "OPTIONS" };
                    sim.receive(now, prop_peer(false), &response_text(status, m, &format!("z9hG4bKp{branch}")));
                }
                Op::Request { method, tcp, branch } => {
                    let m = ["INVITE", "ACK", "CANCEL", "BYE", "INVITE"][usize::from(method)];
                    let text = if m == "ACK" { ack_text(&format!("z9hG4bKq{branch}")) } else { request_text(m, &format!("z9hG4bKq{branch}"), m) };
                    if let Incoming::Request { tx: Some(tx), request, .. } = sim.receive(now, prop_peer(tcp), &text) {
                        servers.push((tx, request));
                    }
                }
                Op::Answer { pick, status } => {
                    if !servers.is_empty() {
                        let (tx, r) = &servers[pick % servers.len()];
                        let _ = sim.layer.respond(sim.at(now), *tx, answer(r, status));
                    }
                }
                Op::Advance { ms } => {
                    now += ms;
                    sim.layer.handle_timeout(sim.at(now));
                    if let Some(t) = sim.layer.poll_timeout() {
                        prop_assert!(t > sim.at(now), "due timers left after handle_timeout");
                    }
                }
                Op::Garbage { text } => {
                    if let Ok(m) = Message::parse(text.as_bytes()) {
                        let _ = sim.layer.receive(sim.at(now), prop_peer(false), m);
                    }
                }
            }
            drain(&mut sim, &mut terminated_servers, &mut terminated_clients);
        }
        // The TU's duty: every server transaction gets a final response.
        for (tx, r) in &servers {
            let _ = sim.layer.respond(sim.at(now), *tx, answer(r, 500));
        }
        drain(&mut sim, &mut terminated_servers, &mut terminated_clients);
        let mut guard = 0;
        while let Some(t) = sim.layer.poll_timeout() {
            sim.layer.handle_timeout(t);
            drain(&mut sim, &mut terminated_servers, &mut terminated_clients);
            guard += 1;
            prop_assert!(guard < 100_000, "timers never settle");
        }
        prop_assert!(sim.layer.is_empty());
        prop_assert_eq!(sim.layer.len(), 0);
        let mut ts = terminated_servers.clone();
        ts.sort();
        ts.dedup();
        prop_assert_eq!(ts.len(), terminated_servers.len(), "a server tx ended twice");
        let mut known: Vec<ServerTxId> = servers.iter().map(|(t, _)| *t).collect();
        known.sort();
        known.dedup();
        prop_assert_eq!(ts, known);
        let mut tc = terminated_clients.clone();
        tc.sort();
        tc.dedup();
        prop_assert_eq!(tc.len(), terminated_clients.len(), "a client tx ended twice");
        let mut kc = clients.clone();
        kc.sort();
        prop_assert_eq!(tc, kc);
    }
}
