//! Calls in progress over the REST API of a running `vpbx serve` (issue 6 dashboard): a
//! real sipp call between two extensions shows in `GET /tenants/{domain}/calls` as
//! answered while it is up, another tenant's admin gets 404 for it and sees no call of
//! its own, the platform admin counts it, and the list is empty again once the call ended.
//!
//! Every sipp is bounded by `timeout -k` and its own `-timeout`, and killed with its
//! process group if the test ends first; every wait is bounded.

mod common;

use common::{
    caller_row, eventually, port, register, require_sipp, rtp_range, vpbx_ok, Phone, Server,
};
use serde_json::Value;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::Duration;

/// How long the caller keeps the call up, ms: long enough to be seen on a busy machine.
const HOLD_MS: &str = "8000";

/// `GET path` on the API at `http` with bearer `token`: the status and the JSON body.
fn get(http: SocketAddr, path: &str, token: &str) -> (u16, Value) {
    let mut tcp = TcpStream::connect_timeout(&http, Duration::from_secs(5)).expect("connect");
    tcp.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    write!(
        tcp,
        "GET {path} HTTP/1.0\r\nHost: {http}\r\nAuthorization: Bearer {token}\r\n\r\n"
    )
    .expect("request");
    let mut raw = String::new();
    let _ = tcp.read_to_string(&mut raw);
    let status = raw
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = raw
        .split_once("\r\n\r\n")
        .and_then(|(_, b)| serde_json::from_str(b).ok())
        .unwrap_or(Value::Null);
    (status, body)
}

/// A fresh API token of account `name`.
fn token(data: &Path, name: &str) -> String {
    let out = vpbx_ok(data, &["token", "create", "--account", name]);
    out.lines().last().expect("token line").trim().to_owned()
}

/// The calls in `body`'s `items`.
fn items(body: &Value) -> Vec<Value> {
    body["items"].as_array().cloned().unwrap_or_default()
}

#[test]
fn a_sipp_call_shows_answered_to_its_tenant_only_and_leaves_the_list_when_it_ends() {
    require_sipp();
    let data = tempfile::tempdir().expect("tempdir");
    let work = tempfile::tempdir().expect("tempdir");
    for cmd in [
        &["tenant", "create", "t1.example"][..],
        &["tenant", "create", "t2.example"],
        &["user", "add", "t1.example", "1000", "--password", "p1000t1"],
        &["user", "add", "t1.example", "1001", "--password", "p1001t1"],
        &["user", "add", "t2.example", "1000", "--password", "p1000t2"],
        &[
            "account",
            "add",
            "admin1",
            "--password",
            "admin1-pass",
            "--tenant",
            "t1.example",
            "--role",
            "admin",
        ],
        &[
            "account",
            "add",
            "admin2",
            "--password",
            "admin2-pass",
            "--tenant",
            "t2.example",
            "--role",
            "admin",
        ],
        &[
            "account",
            "add",
            "root",
            "--password",
            "root-pass1",
            "--admin",
        ],
    ] {
        vpbx_ok(data.path(), cmd);
    }
    let (admin1, admin2, root) = (
        token(data.path(), "admin1"),
        token(data.path(), "admin2"),
        token(data.path(), "root"),
    );
    let range = rtp_range();
    let (server, http) = Server::start_with_http(data.path(), &["--rtp-ports", &range]);
    let calls_t1 = "/api/v1/tenants/t1.example/calls";

    let (status, body) = get(http, calls_t1, &admin1);
    assert_eq!(
        (status, items(&body).len()),
        (200, 0),
        "no call yet: {body}"
    );

    let callee_port = port();
    register(
        work.path(),
        &server,
        "1001",
        "t1.example",
        "p1001t1",
        callee_port,
    );
    let callee = Phone::new(work.path(), "call_uas.xml")
        .sub("@PCAP@", "")
        .on_port(callee_port)
        .limit(30)
        .uas();
    let caller = Phone::new(work.path(), "call_uac.xml")
        .sub("@PCAP@", "")
        .sub("@HOLD_MS@", HOLD_MS)
        .row(&caller_row("1000", "t1.example", "p1000t1", "1001"))
        .limit(30)
        .uac(server.addr());

    let mut call = Value::Null;
    eventually("the call shows answered in t1.example's calls", || {
        let (status, body) = get(http, calls_t1, &admin1);
        call = items(&body).first().cloned().unwrap_or(Value::Null);
        status == 200 && call["state"] == "answered"
    });
    assert_eq!(call["caller"], "1000", "{call}");
    assert_eq!(call["callee"], "1001", "{call}");
    assert_eq!(call["direction"], "internal", "{call}");
    let (started, answered) = (call["started_at"].as_i64(), call["answered_at"].as_i64());
    assert!(
        started.is_some() && answered >= started,
        "answered after it started: {call}"
    );

    let (status, _) = get(http, calls_t1, &admin2);
    assert_eq!(
        status, 404,
        "another tenant's admin does not see t1.example"
    );
    let (status, body) = get(http, "/api/v1/tenants/t2.example/calls", &admin2);
    assert_eq!(
        (status, items(&body).len()),
        (200, 0),
        "t2 has no call: {body}"
    );
    let (status, body) = get(http, "/api/v1/calls", &root);
    assert_eq!(status, 200, "{body}");
    assert!(body["total"].as_u64() >= Some(1), "counted: {body}");

    let caller = caller.wait();
    assert!(caller.ok, "caller: {}", caller.text);
    let callee = callee.wait();
    assert!(callee.ok, "callee: {}", callee.text);
    eventually("t1.example has no call in progress", || {
        let (status, body) = get(http, calls_t1, &admin1);
        status == 200 && items(&body).is_empty()
    });
    eventually("the CDR carries the live call's id", || {
        let cdrs = vpbx_ok(data.path(), &["cdr", "list", "t1.example", "--json"]);
        let cdrs: Value = serde_json::from_str(&cdrs).expect("cdr list --json");
        cdrs.as_array()
            .into_iter()
            .flatten()
            .any(|c| c["call_id"] == call["id"])
    });
    drop(server);
}
