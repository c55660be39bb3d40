//! Message waiting indication (RFC 3842 over RFC 6665) through `vpbx serve` with sipp as
//! the phones: a phone subscribes to its own box with digest authentication and hears
//! `Messages-Waiting: no`; a second phone leaves it a voicemail and the subscriber is
//! notified `yes` with `Voice-Message: 1/0`; the message is removed with
//! `vpbx voicemail remove` and the subscriber hears `no` again (the CLI's change reaches
//! the server through the change feed); then it unsubscribes and gets the final NOTIFY.
//!
//! Every sipp is bounded by `timeout -k` and its own `-timeout`, and killed with its
//! process group if the test ends first; every wait is bounded.

mod common;

use common::{
    caller_row, play_pcap, port, require_sipp, rtp_range, user_row, vpbx_ok, Phone, Server,
};
use serde_json::Value;
use std::time::{Duration, Instant};

/// Waits until `f` holds, at most 30 s (a slow machine may take a while to finish and
/// store a message); panics naming `what` otherwise.
fn wait_for(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// RFC 3842 §3.5, RFC 6665 §4.2.1.1, §4.2.2, §4.1.2.3: subscribe, NOTIFY on a new
/// voicemail and on its removal by the CLI, unsubscribe.
#[test]
fn subscriber_is_notified_of_a_new_voicemail_and_of_its_removal() {
    require_sipp();
    let data = tempfile::tempdir().expect("tempdir");
    let work = tempfile::tempdir().expect("tempdir");
    for cmd in [
        &["tenant", "create", "t1.example"][..],
        &["user", "add", "t1.example", "1000", "--password", "p1000t1"],
        &["user", "add", "t1.example", "1001", "--password", "p1001t1"],
        &["voicemail", "set", "t1.example", "1001", "--enable"],
    ] {
        vpbx_ok(data.path(), cmd);
    }
    let range = rtp_range();
    let server = Server::start_on(data.path(), port(), &["--rtp-ports", &range]);
    let log = || server.log_text();

    let subscriber = Phone::new(work.path(), "mwi_subscribe.xml")
        .row(&user_row("1001", "t1.example", "p1001t1"))
        .limit(120)
        .uac(server.addr());
    wait_for("the subscriber answered the first NOTIFY", || {
        subscriber.saw("Messages-Waiting: no")
    });

    // 1001 has no phone registered: the call goes to its voicemail box.
    let caller = Phone::new(work.path(), "call_uac.xml")
        .sub("@PCAP@", play_pcap())
        .sub("@HOLD_MS@", "5000")
        .row(&caller_row("1000", "t1.example", "p1000t1", "1001"))
        .limit(40)
        .uac(server.addr())
        .wait();
    assert!(
        caller.ok,
        "caller leaving a message failed:\n{}\n--- server:\n{}",
        caller.text,
        log()
    );
    let mut rows = Value::Null;
    wait_for("the voicemail is stored", || {
        let out = vpbx_ok(
            data.path(),
            &["voicemail", "list", "t1.example", "1001", "--json"],
        );
        rows = serde_json::from_str(&out).expect("voicemail list --json");
        rows.as_array().is_some_and(|a| a.len() == 1)
    });
    wait_for("the subscriber heard of the new message", || {
        subscriber.saw("Voice-Message: 1/0")
    });

    let id = rows[0]["id"].as_i64().expect("message id").to_string();
    vpbx_ok(
        data.path(),
        &["voicemail", "remove", "t1.example", "1001", &id],
    );
    let subscriber = subscriber.wait();
    assert!(
        subscriber.ok,
        "subscriber failed:\n{}\n--- server:\n{}",
        subscriber.text,
        log()
    );
    let messages = subscriber.messages;
    assert!(
        messages.contains("Messages-Waiting: yes") && messages.contains("terminated"),
        "{messages}"
    );
}
