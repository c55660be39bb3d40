//! Bad input against the real server: garbage datagrams, bad headers, hostile TCP peers,
//! oversize messages, and wrong CLI arguments. Nothing may panic or stop the server.

mod common;

use common::{free_port, options_ping, vpbx, vpbx_ok, Server};
use std::io::{Read, Write};
use std::net::{TcpStream, UdpSocket};
use std::time::{Duration, Instant};

const REGISTER: &str = "REGISTER sip:t1.example SIP/2.0\r\n\
Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-robust\r\n\
Max-Forwards: 70\r\n\
From: <sip:1000@t1.example>;tag=r1\r\n\
To: <sip:1000@t1.example>\r\n\
Call-ID: robust@test\r\n\
CSeq: 1 REGISTER\r\n\
Contact: <sip:1000@127.0.0.1:9>\r\n\
Content-Length: 0\r\n\r\n";

/// A small deterministic generator so failures can be replayed.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

fn garbage_datagrams() -> Vec<Vec<u8>> {
    let mut rng = Lcg(42);
    let mut out: Vec<Vec<u8>> = Vec::new();
    for i in 0..500 {
        let len = (rng.next() % 1400) as usize + 1;
        out.push((0..len).map(|_| rng.next() as u8).collect());
        let cut = (rng.next() as usize) % REGISTER.len();
        out.push(REGISTER.as_bytes()[..cut].to_vec());
        out.push(format!("INVITE sip:{i}@x SIP/2.0\r\n\r\n").into_bytes());
        let mut binary = REGISTER.as_bytes().to_vec();
        let at = (rng.next() as usize) % binary.len();
        binary[at] = 0;
        out.push(binary);
    }
    out.push(
        format!(
            "OPTIONS sip:x SIP/2.0\r\nSubject: {}\r\n\r\n",
            "a".repeat(10_000)
        )
        .into_bytes(),
    );
    out.push(
        format!(
            "OPTIONS sip:x SIP/2.0\r\n{}\r\n",
            "X-A: b\r\n".repeat(5_000)
        )
        .into_bytes(),
    );
    out.push(b"SIP/2.0 200 OK\r\n\r\n".to_vec());
    out.push(b"\r\n\r\n".to_vec());
    out
}

#[test]
fn garbage_datagrams_are_dropped_counted_and_rate_limited() {
    let s = Server::start(&[]);
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    let datagrams = garbage_datagrams();
    for d in &datagrams {
        let _ = sock.send_to(d, s.addr());
    }
    let mut s = s;
    assert!(s.alive(), "server must survive garbage");
    let deadline = Instant::now() + Duration::from_secs(20);
    while options_ping(s.addr()).is_none() {
        assert!(
            Instant::now() < deadline,
            "server stopped answering after garbage"
        );
    }
    let log = s.log_text();
    let lines = log.matches("dropped bad SIP input").count();
    assert!(lines >= 1, "bad input must be logged:\n{log}");
    assert!(
        lines < datagrams.len() / 10,
        "bad-input log must be rate limited: {lines} lines for {} datagrams",
        datagrams.len()
    );
    assert!(log.contains("127.0.0.1:"), "log names the source:\n{log}");
    assert!(!log.contains("panicked"), "{log}");
}

fn udp_exchange(server: std::net::SocketAddr, msg: &str) -> String {
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let port = sock.local_addr().unwrap().port();
    sock.send_to(
        msg.replace("127.0.0.1:9", &format!("127.0.0.1:{port}"))
            .as_bytes(),
        server,
    )
    .unwrap();
    let mut buf = [0u8; 8192];
    let (n, _) = sock.recv_from(&mut buf).expect("an answer");
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

#[test]
fn bad_headers_get_400_naming_the_header() {
    let s = Server::start(&[]);
    for (bad, header) in [
        ("CSeq: 1 REGISTER", "CSeq: abc REGISTER"),
        ("Max-Forwards: 70", "Max-Forwards: lots"),
        ("CSeq: 1 REGISTER", "CSeq: 1 INVITE"),
    ] {
        let msg = REGISTER
            .replace(bad, header)
            .replace("robust@test", &format!("robust-{}@test", header.len()));
        let answer = udp_exchange(s.addr(), &msg);
        let status = answer.lines().next().unwrap_or_default();
        assert!(status.starts_with("SIP/2.0 400"), "{header}: {answer}");
        let name = header.split(':').next().unwrap();
        assert!(
            status.contains(name),
            "400 reason must name {name}: {status}"
        );
    }
}

fn closed_within(stream: &mut TcpStream, limit: Duration) -> bool {
    stream
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let deadline = Instant::now() + limit;
    let mut buf = [0u8; 4096];
    while Instant::now() < deadline {
        match stream.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(e)
                if e.kind() == std::io::ErrorKind::WouldBlock
                    || e.kind() == std::io::ErrorKind::TimedOut => {}
            Err(_) => return true,
        }
    }
    false
}

#[test]
fn hostile_tcp_peers_are_disconnected() {
    let s = Server::start(&[]);
    let mut garbage = TcpStream::connect(s.addr()).unwrap();
    garbage
        .write_all(b"\x16\x03\x01 this is not SIP at all\r\n\r\n")
        .unwrap();
    assert!(
        closed_within(&mut garbage, Duration::from_secs(10)),
        "garbage peer must be disconnected"
    );

    let mut liar = TcpStream::connect(s.addr()).unwrap();
    let big = REGISTER.replace("Content-Length: 0", "Content-Length: 70000");
    liar.write_all(big.as_bytes()).unwrap();
    let _ = liar.write_all(&vec![b'a'; 70_000]);
    assert!(
        closed_within(&mut liar, Duration::from_secs(10)),
        "oversize body must be refused"
    );

    let mut huge = TcpStream::connect(s.addr()).unwrap();
    let head = format!("OPTIONS sip:x SIP/2.0\r\nX-Pad: {}\r\n", "p".repeat(70_000));
    let _ = huge.write_all(head.as_bytes());
    assert!(
        closed_within(&mut huge, Duration::from_secs(10)),
        "headers over 64 KiB must be refused"
    );

    let mut s = s;
    assert!(s.alive());
    assert!(
        options_ping(s.addr()).is_some(),
        "server still serves others"
    );
    assert!(s.log_text().contains("dropped bad SIP input"));
}

#[test]
fn tcp_keepalive_and_pipelined_requests_on_one_connection() {
    let dir = tempfile::tempdir().unwrap();
    vpbx_ok(dir.path(), &["tenant", "create", "t1.example"]);
    let s = Server::start_on(dir.path(), free_port(), &[]);
    let mut c = TcpStream::connect(s.addr()).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    c.write_all(b"\r\n\r\n").unwrap();
    let mut pong = [0u8; 2];
    c.read_exact(&mut pong).unwrap();
    assert_eq!(&pong, b"\r\n", "RFC 5626 §3.5.1 pong");

    let local = c.local_addr().unwrap();
    let one = REGISTER
        .replace("SIP/2.0/UDP 127.0.0.1:9", &format!("SIP/2.0/TCP {local}"))
        .replace("127.0.0.1:9", &local.to_string());
    let two = one
        .replace("robust@test", "robust-2@test")
        .replace("z9hG4bK-robust", "z9hG4bK-robust-2");
    c.write_all(format!("{one}{two}").as_bytes()).unwrap();
    let mut got = String::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut buf = [0u8; 8192];
    while got.matches("SIP/2.0 401").count() < 2 && Instant::now() < deadline {
        match c.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.push_str(&String::from_utf8_lossy(&buf[..n])),
            Err(_) => break,
        }
    }
    assert_eq!(
        got.matches("SIP/2.0 401").count(),
        2,
        "both answered on the same connection:\n{got}"
    );
}

#[test]
fn cli_errors_are_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    vpbx_ok(dir.path(), &["tenant", "create", "t1.example"]);
    let cases: &[&[&str]] = &[
        &[
            "user",
            "add",
            "nosuch.example",
            "1000",
            "--password",
            "secret-1",
        ],
        &[
            "user",
            "add",
            "bad domain",
            "1000",
            "--password",
            "secret-1",
        ],
        &["user", "add", "t1.example", "10a", "--password", "secret-1"],
        &["user", "add", "t1.example", "1000", "--password", "x"],
        &[
            "user",
            "add",
            "t1.example",
            "1000",
            "--password",
            "secret-1",
            "--email",
            "nope",
        ],
        &["tenant", "delete", "t1.example"],
        &["tenant", "create", "t1.example"],
        &["tenant", "create", "127.0.0.1"],
        &["user", "remove", "t1.example", "4242"],
        &["user", "import", "/nonexistent/file.csv"],
    ];
    for args in cases {
        let out = vpbx(dir.path(), args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} must fail");
        assert!(err.starts_with("error"), "{args:?}: {err}");
        assert_eq!(
            err.trim_end().lines().count(),
            1,
            "{args:?} one line: {err}"
        );
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
    let out = vpbx(dir.path(), &["frobnicate"]);
    assert_eq!(out.status.code(), Some(2), "usage errors exit 2");
    assert!(String::from_utf8_lossy(&out.stderr).contains("error"));
    assert!(
        vpbx_ok(dir.path(), &["tenant", "list"]).contains("t1.example"),
        "data intact"
    );
}
