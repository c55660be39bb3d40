//! Transports against independent peers: TLS with the `openssl` client (RFC 3261 §26.2),
//! IPv6 with sipp, and several listen addresses at once.

mod common;

use common::{free_port, options_ping, vpbx_ok, Server, Sipp};
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

fn self_signed(dir: &std::path::Path) -> (String, String) {
    let cert = dir.join("cert.pem");
    let key = dir.join("key.pem");
    let ok = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=localhost",
            "-days",
            "1",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("openssl is needed (scripts/test.sh installs it)")
        .success();
    assert!(ok, "openssl req failed");
    (cert.display().to_string(), key.display().to_string())
}

#[test]
fn register_over_tls_with_openssl_client() {
    let certs = tempfile::tempdir().unwrap();
    let (cert, key) = self_signed(certs.path());
    let tls = format!("127.0.0.1:{}", free_port());
    let dir = tempfile::tempdir().unwrap();
    vpbx_ok(dir.path(), &["tenant", "create", "t1.example"]);
    vpbx_ok(
        dir.path(),
        &["user", "add", "t1.example", "1000", "--password", "p1000t1"],
    );
    let s = Server::start_on(
        dir.path(),
        free_port(),
        &["--tls", &tls, "--cert", &cert, "--key", &key],
    );
    let register = "REGISTER sip:t1.example SIP/2.0\r\n\
        Via: SIP/2.0/TLS 127.0.0.1:5999;branch=z9hG4bK-tls1\r\n\
        Max-Forwards: 70\r\nFrom: <sip:1000@t1.example>;tag=tls\r\n\
        To: <sip:1000@t1.example>\r\nCall-ID: tls@test\r\nCSeq: 1 REGISTER\r\n\
        Contact: <sip:1000@127.0.0.1:5999;transport=tls>\r\nContent-Length: 0\r\n\r\n";
    let mut child = Command::new("timeout")
        .args([
            "-k", "2", "10", "openssl", "s_client", "-quiet", "-connect", &tls,
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("openssl s_client");
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(register.as_bytes()).unwrap();
    // Keep stdin open until the answer had time to arrive, then let s_client exit.
    std::thread::sleep(Duration::from_secs(3));
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("SIP/2.0 401"),
        "TLS REGISTER must be challenged:\n{text}\n{}",
        s.log_text()
    );
    assert!(
        text.contains("WWW-Authenticate: Digest realm=\"t1.example\""),
        "{text}"
    );
}

#[test]
fn bad_certificate_path_is_a_clear_startup_error() {
    let dir = tempfile::tempdir().unwrap();
    let tls = format!("127.0.0.1:{}", free_port());
    let sip = format!("127.0.0.1:{}", free_port());
    let out = Command::new(common::bin())
        .arg("--data")
        .arg(dir.path())
        .args([
            "serve",
            "--sip",
            &sip,
            "--tls",
            &tls,
            "--cert",
            "/nonexistent.pem",
            "--key",
            "/nonexistent.key",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("error") && err.contains("/nonexistent.pem"),
        "{err}"
    );
}

#[test]
fn register_over_ipv6_with_sipp() {
    if std::net::UdpSocket::bind("[::1]:0").is_err() {
        eprintln!("skipped: ::1 cannot be bound on this machine");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let v6 = format!("[::1]:{port}");
    // The harness adds 127.0.0.1 on the same port (readiness is probed over IPv4).
    let s = Server::start_on(dir.path(), port, &["--sip", &v6]);
    vpbx_ok(&s.data, &["tenant", "create", "t1.example"]);
    vpbx_ok(
        &s.data,
        &["user", "add", "t1.example", "1000", "--password", "p1000t1"],
    );
    std::thread::sleep(Duration::from_millis(2500));
    let mut run = Sipp::new("register.xml", 200).user("1000", "t1.example", "p1000t1");
    run.local_ip = "::1";
    let (ok, out) = run.run(v6.parse().unwrap());
    assert!(ok, "REGISTER over IPv6:\n{out}\n{}", s.log_text());
}

#[test]
fn several_listen_addresses_answer() {
    let dir = tempfile::tempdir().unwrap();
    let (p1, p2) = (free_port(), free_port());
    let second = format!("127.0.0.1:{p2}");
    let s = Server::start_on(dir.path(), p1, &["--sip", &second]);
    assert!(options_ping(s.addr()).is_some());
    assert!(options_ping(second.parse().unwrap()).is_some());
}
