//! `vpbx serve --demo`: the README's quick start. It prints SIP credentials for two
//! extensions and a web cabinet login for the demo tenant's admin, and that login works.

mod common;

use common::Server;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// POSTs a JSON body to `path` on `addr` and returns the raw response.
fn post(addr: SocketAddr, path: &str, body: &str) -> String {
    let mut tcp = TcpStream::connect(addr).expect("connect");
    tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        tcp,
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut out = String::new();
    let _ = tcp.read_to_string(&mut out);
    out
}

#[test]
fn demo_prints_working_sip_and_web_credentials() {
    let dir = tempfile::tempdir().unwrap();
    let (server, http) = Server::start_with_http(dir.path(), &["--demo"]);
    let log = server.log_text();
    assert!(
        log.contains("extension 1000  user 1000  password "),
        "{log}"
    );
    let line = log
        .lines()
        .find(|l| l.starts_with("Web cabinet: "))
        .unwrap_or_else(|| panic!("no web cabinet line: {log}"));
    assert!(line.contains(&format!("http://{http}/")), "{line}");
    let password = line
        .split("password ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no password in {line}"));
    let ok = post(
        http,
        "/api/v1/login",
        &format!(r#"{{"username":"demo","password":"{password}"}}"#),
    );
    assert!(ok.starts_with("HTTP/1.1 200"), "{ok}");
    assert!(ok.contains("demo.vpbx.test"), "{ok}");
    let wrong = post(
        http,
        "/api/v1/login",
        r#"{"username":"demo","password":"not-the-password"}"#,
    );
    assert!(wrong.starts_with("HTTP/1.1 401"), "{wrong}");
    server.stop();
}
