//! TLS trunks (RFC 3261 §26.2.1): vpbx opens the TLS connection to the carrier itself,
//! checks the carrier's certificate against the system store plus `--carrier-ca`, and
//! sends its OPTIONS probes and the INVITE over it. The carrier here is an independent
//! rustls server with a certificate for `localhost` issued by a private test CA.

mod common;

use common::{free_port, vpbx_ok, Server};
use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
use std::io::Read;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A private CA (PEM) and a `localhost` server certificate with its key (DER) it issued.
fn certificates() -> (String, Vec<u8>, Vec<u8>) {
    let ca_key = KeyPair::generate().expect("CA key");
    let mut ca = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_cert = ca.self_signed(&ca_key).expect("CA certificate");
    let key = KeyPair::generate().expect("server key");
    let leaf = CertificateParams::new(vec!["localhost".to_owned()])
        .expect("server params")
        .signed_by(&key, &ca_cert, &ca_key)
        .expect("server certificate");
    (ca_cert.pem(), leaf.der().to_vec(), key.serialize_der())
}

/// A TLS carrier on `listener` recording everything it receives, until `deadline`.
fn carrier(listener: TcpListener, cert: Vec<u8>, key: Vec<u8>) -> Arc<Mutex<String>> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocols")
        .with_no_client_auth()
        .with_single_cert(
            vec![rustls::pki_types::CertificateDer::from(cert)],
            rustls::pki_types::PrivatePkcs8KeyDer::from(key).into(),
        )
        .expect("server config");
    let config = Arc::new(config);
    let seen = Arc::new(Mutex::new(String::new()));
    let out = seen.clone();
    listener.set_nonblocking(true).expect("nonblocking");
    std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            let Ok((tcp, _)) = listener.accept() else {
                std::thread::sleep(Duration::from_millis(20));
                continue;
            };
            let config = config.clone();
            let out = out.clone();
            std::thread::spawn(move || {
                let _ = tcp.set_nonblocking(false);
                let _ = tcp.set_read_timeout(Some(Duration::from_secs(10)));
                let Ok(conn) = rustls::ServerConnection::new(config) else {
                    return;
                };
                let mut tls = rustls::StreamOwned::new(conn, tcp);
                let mut buf = [0u8; 8192];
                while let Ok(n) = tls.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    out.lock()
                        .unwrap()
                        .push_str(&String::from_utf8_lossy(&buf[..n]));
                }
            });
        }
    });
    seen
}

#[test]
fn tls_trunk_is_probed_over_a_verified_tls_connection() {
    let (ca_pem, cert, key) = certificates();
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("carrier-ca.pem");
    std::fs::write(&ca, ca_pem).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = carrier(listener, cert, key);

    let data = dir.path().join("data");
    vpbx_ok(&data, &["tenant", "create", "t1.example"]);
    vpbx_ok(
        &data,
        &["user", "add", "t1.example", "1000", "--password", "p1000t1"],
    );
    vpbx_ok(
        &data,
        &[
            "trunk",
            "add",
            "t1.example",
            "tlsc",
            "--host",
            "localhost",
            "--port",
            &port.to_string(),
            "--transport",
            "tls",
        ],
    );
    let ca_arg = ca.display().to_string();
    let server = Server::start_on(&data, free_port(), &["--carrier-ca", &ca_arg]);
    let deadline = Instant::now() + Duration::from_secs(20);
    while !seen.lock().unwrap().contains("OPTIONS sip:localhost:") && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    let text = seen.lock().unwrap().clone();
    assert!(
        text.contains("OPTIONS sip:localhost:") && text.contains("Via: SIP/2.0/TLS "),
        "the carrier must get vpbx's probe over TLS:\n{text}\n{}",
        server.log_text()
    );
    assert!(
        !server.log_text().contains("cannot open a connection"),
        "{}",
        server.log_text()
    );
}

#[test]
fn an_untrusted_carrier_certificate_is_refused() {
    let (_, cert, key) = certificates();
    let dir = tempfile::tempdir().unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = carrier(listener, cert, key);
    let data = dir.path().join("data");
    vpbx_ok(&data, &["tenant", "create", "t1.example"]);
    vpbx_ok(
        &data,
        &[
            "trunk",
            "add",
            "t1.example",
            "tlsc",
            "--host",
            "localhost",
            "--port",
            &port.to_string(),
            "--transport",
            "tls",
        ],
    );
    let server = Server::start_on(&data, free_port(), &[]);
    let deadline = Instant::now() + Duration::from_secs(20);
    while !server.log_text().contains("cannot open a connection") && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    let log = server.log_text();
    assert!(
        log.contains("cannot open a connection") && log.contains("invalid peer certificate"),
        "{log}"
    );
    assert!(
        !seen.lock().unwrap().contains("OPTIONS"),
        "nothing is sent to a carrier that failed verification"
    );
}
