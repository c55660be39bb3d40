//! `vpbx serve --https`: the API and web cabinet over TLS with a self-signed certificate
//! made on first start (kept across restarts) or a configured one, session cookies marked
//! `Secure`, and a client that does not speak TLS turned away without harm.

mod common;

use common::{free_port, vpbx_ok, Server};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// Sends one HTTP/1.1 request over TLS to 127.0.0.1:`port`, trusting only `cert_pem`
/// (and checking it names 127.0.0.1), and returns the whole response.
fn https(port: u16, cert_pem: &[u8], request: &str) -> String {
    let mut roots = rustls::RootCertStore::empty();
    let cert = CertificateDer::from_pem_slice(cert_pem).expect("PEM cert");
    roots.add(cert).expect("trust the server certificate");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocols")
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from("127.0.0.1").expect("server name");
    let conn = rustls::ClientConnection::new(Arc::new(config), name).expect("client");
    let tcp = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    tls.write_all(request.as_bytes()).expect("send request");
    let mut response = Vec::new();
    let _ = tls.read_to_end(&mut response);
    String::from_utf8_lossy(&response).into_owned()
}

/// A GET of `path` that closes the connection after the response.
fn get(path: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn self_signed_on_first_start_kept_across_restarts_and_cookies_secure() {
    let dir = tempfile::tempdir().unwrap();
    vpbx_ok(
        dir.path(),
        &[
            "account",
            "add",
            "root",
            "--admin",
            "--password",
            "root-pass-1",
        ],
    );
    let port = free_port();
    let https_addr = format!("127.0.0.1:{port}");
    let server = Server::start_on(dir.path(), free_port(), &["--https", &https_addr]);
    let cert_path = dir.path().join("https/cert.pem");
    let cert = read(&cert_path);

    let me = https(port, &cert, &get("/api/v1/me"));
    assert!(me.starts_with("HTTP/1.1 401"), "{me}");

    let body = r#"{"username":"root","password":"root-pass-1"}"#;
    let login = https(
        port,
        &cert,
        &format!(
            "POST /api/v1/login HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ),
    );
    assert!(login.starts_with("HTTP/1.1 200"), "{login}");
    let cookie = login
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("set-cookie:"))
        .unwrap_or_else(|| panic!("no cookie: {login}"));
    assert!(cookie.contains("; Secure"), "{cookie}");

    let mut plain = TcpStream::connect(("127.0.0.1", port)).unwrap();
    plain
        .set_read_timeout(Some(Duration::from_secs(15)))
        .unwrap();
    plain.write_all(get("/api/v1/me").as_bytes()).unwrap();
    let mut junk = Vec::new();
    let _ = plain.read_to_end(&mut junk);
    assert!(
        !String::from_utf8_lossy(&junk).contains("HTTP/1.1 200"),
        "plain HTTP on the HTTPS port must not be served"
    );

    server.stop();
    let server = Server::start_on(dir.path(), free_port(), &["--https", &https_addr]);
    assert_eq!(
        read(&cert_path),
        cert,
        "the certificate is made once, then kept"
    );
    let me = https(port, &cert, &get("/api/v1/me"));
    assert!(me.starts_with("HTTP/1.1 401"), "{me}");
    server.stop();
}

#[test]
fn configured_certificate_is_used_and_a_bad_one_stops_startup() {
    let dir = tempfile::tempdir().unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    params
        .subject_alt_names
        .push(rcgen::SanType::IpAddress([127, 0, 0, 1].into()));
    let cert = params.self_signed(&key).unwrap();
    let (cert_path, key_path) = (dir.path().join("c.pem"), dir.path().join("k.pem"));
    std::fs::write(&cert_path, cert.pem()).unwrap();
    std::fs::write(&key_path, key.serialize_pem()).unwrap();
    let port = free_port();
    let https_addr = format!("127.0.0.1:{port}");
    let (c, k) = (cert_path.to_str().unwrap(), key_path.to_str().unwrap());
    let server = Server::start_on(
        dir.path(),
        free_port(),
        &["--https", &https_addr, "--https-cert", c, "--https-key", k],
    );
    let me = https(port, cert.pem().as_bytes(), &get("/api/v1/me"));
    assert!(me.starts_with("HTTP/1.1 401"), "{me}");
    assert!(
        !dir.path().join("https").exists(),
        "no self-signed one made"
    );
    server.stop();

    let out = common::vpbx(
        dir.path(),
        &[
            "serve",
            "--http",
            "off",
            "--sip",
            &format!("127.0.0.1:{}", free_port()),
            "--https",
            &https_addr,
            "--https-cert",
            k,
            "--https-key",
            k,
        ],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("HTTPS certificate"), "{err}");
}
