//! REGISTER against the real server with sipp as the independent peer (RFC 3261 §10,
//! RFC 8760 digest): right password 200, wrong password 403 after the challenge,
//! unknown or disabled tenant refused, expiry honoured, TCP, live CLI changes.

mod common;

use common::{eventually, vpbx_ok, Server, Sipp};
use std::time::Duration;

fn provision(s: &Server) {
    vpbx_ok(&s.data, &["tenant", "create", "t1.example"]);
    vpbx_ok(&s.data, &["tenant", "create", "t2.example"]);
    vpbx_ok(
        &s.data,
        &["user", "add", "t1.example", "1000", "--password", "p1000t1"],
    );
    vpbx_ok(
        &s.data,
        &["user", "add", "t2.example", "1000", "--password", "p1000t2"],
    );
}

fn status(s: &Server) -> serde_json::Value {
    serde_json::from_str(&vpbx_ok(&s.data, &["status", "--json"])).unwrap()
}

fn contacts(s: &Server, domain: &str) -> u64 {
    status(s)
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["domain"] == domain)
        .map(|t| t["contacts"].as_u64().unwrap())
        .unwrap_or(0)
}

#[test]
fn register_right_wrong_and_foreign_passwords() {
    let s = Server::start(&[]);
    std::thread::sleep(Duration::from_millis(1500));
    provision(&s);
    std::thread::sleep(Duration::from_millis(2500));
    let (ok, out) = Sipp::new("register.xml", 200)
        .user("1000", "t1.example", "p1000t1")
        .run(s.addr());
    assert!(ok, "right password must give 200:\n{out}\n{}", s.log_text());
    let (ok, out) = Sipp::new("register.xml", 403)
        .user("1000", "t1.example", "wrong-password")
        .run(s.addr());
    assert!(ok, "wrong password must give 403:\n{out}");
    // Tenant B's password for the same extension does not open tenant A.
    let (ok, out) = Sipp::new("register.xml", 403)
        .user("1000", "t1.example", "p1000t2")
        .run(s.addr());
    assert!(ok, "another tenant's password must give 403:\n{out}");
    // An unknown user looks exactly like a wrong password.
    let (ok, out) = Sipp::new("register.xml", 403)
        .user("1999", "t1.example", "whatever1")
        .run(s.addr());
    assert!(ok, "unknown user must give 403 after a challenge:\n{out}");
    eventually("t1 shows one contact", || contacts(&s, "t1.example") == 1);
    assert_eq!(contacts(&s, "t2.example"), 0, "tenant B untouched");
}

#[test]
fn unknown_and_disabled_tenants_are_refused() {
    let s = Server::start(&[]);
    provision(&s);
    let (ok, out) = Sipp::new("request_expect.xml", 404)
        .user("1000", "nosuch.example", "x")
        .run(s.addr());
    assert!(ok, "unknown tenant must give 404:\n{out}");
    vpbx_ok(&s.data, &["tenant", "disable", "t1.example"]);
    eventually("disabled tenant gives 403", || {
        Sipp::new("request_expect.xml", 403)
            .user("1000", "t1.example", "x")
            .run(s.addr())
            .0
    });
    vpbx_ok(&s.data, &["tenant", "enable", "t1.example"]);
    eventually("re-enabled tenant registers", || {
        Sipp::new("register.xml", 200)
            .user("1000", "t1.example", "p1000t1")
            .run(s.addr())
            .0
    });
}

#[test]
fn expiry_is_honoured_and_bounds_enforced() {
    let s = Server::start(&["--max-expires", "120"]);
    provision(&s);
    std::thread::sleep(Duration::from_millis(2500));
    let (ok, out) = Sipp::new("register.xml", 200)
        .user("1000", "t1.example", "p1000t1")
        .key("expires", "2")
        .check_header("Contact", "expires=2([^0-9]|$)")
        .run(s.addr());
    assert!(ok, "2 s registration must be granted as asked:\n{out}");
    eventually("one contact", || contacts(&s, "t1.example") == 1);
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(
        contacts(&s, "t1.example"),
        0,
        "binding must expire after 2 s"
    );

    let (ok, out) = Sipp::new("register.xml", 200)
        .user("1000", "t1.example", "p1000t1")
        .key("expires", "7200")
        .check_header("Contact", "expires=120")
        .run(s.addr());
    assert!(ok, "7200 s must be cut to --max-expires 120:\n{out}");
}

#[test]
fn interval_too_brief_gets_423() {
    let s = Server::start(&["--min-expires", "60"]);
    provision(&s);
    std::thread::sleep(Duration::from_millis(2500));
    let (ok, out) = Sipp::new("register.xml", 423)
        .user("1000", "t1.example", "p1000t1")
        .key("expires", "10")
        .check_header("Min-Expires", "60")
        .run(s.addr());
    assert!(
        ok,
        "expires below the minimum must give 423 with Min-Expires:\n{out}"
    );
}

#[test]
fn register_over_tcp() {
    let s = Server::start(&[]);
    provision(&s);
    std::thread::sleep(Duration::from_millis(2500));
    let mut run = Sipp::new("register.xml", 200).user("1000", "t2.example", "p1000t2");
    run.transport = "t1";
    let (ok, out) = run.run(s.addr());
    assert!(ok, "REGISTER over TCP:\n{out}\n{}", s.log_text());
    eventually("t2 shows one contact", || contacts(&s, "t2.example") == 1);
}

#[test]
fn cli_changes_apply_without_restart() {
    let s = Server::start(&[]);
    provision(&s);
    vpbx_ok(
        &s.data,
        &[
            "user",
            "add",
            "t1.example",
            "1001",
            "--password",
            "first-pw",
        ],
    );
    eventually("new user registers", || {
        Sipp::new("register.xml", 200)
            .user("1001", "t1.example", "first-pw")
            .run(s.addr())
            .0
    });
    vpbx_ok(
        &s.data,
        &[
            "user",
            "passwd",
            "t1.example",
            "1001",
            "--password",
            "second-pw",
        ],
    );
    eventually("old password refused", || {
        Sipp::new("register.xml", 403)
            .user("1001", "t1.example", "first-pw")
            .run(s.addr())
            .0
    });
    let (ok, out) = Sipp::new("register.xml", 200)
        .user("1001", "t1.example", "second-pw")
        .run(s.addr());
    assert!(ok, "new password accepted:\n{out}");
    vpbx_ok(&s.data, &["user", "remove", "t1.example", "1001"]);
    eventually("removed user refused", || {
        Sipp::new("register.xml", 403)
            .user("1001", "t1.example", "second-pw")
            .run(s.addr())
            .0
    });
    vpbx_ok(&s.data, &["tenant", "delete", "t2.example", "--yes"]);
    eventually("deleted tenant unknown", || {
        Sipp::new("request_expect.xml", 404)
            .user("1000", "t2.example", "x")
            .run(s.addr())
            .0
    });
}

#[test]
fn registrations_survive_restart() {
    let dir = tempfile::tempdir().unwrap();
    let port = common::free_port();
    let s = Server::start_on(dir.path(), port, &[]);
    provision(&s);
    std::thread::sleep(Duration::from_millis(2500));
    let (ok, out) = Sipp::new("register.xml", 200)
        .user("1000", "t1.example", "p1000t1")
        .key("expires", "600")
        .run(s.addr());
    assert!(ok, "{out}");
    s.stop();
    let s = Server::start_on(dir.path(), port, &[]);
    assert_eq!(contacts(&s, "t1.example"), 1);
    assert!(
        s.log_text().contains("registrations=1"),
        "server must load the registration at start:\n{}",
        s.log_text()
    );
}
