//! Calls through `vpbx serve` (a B2BUA with anchored RTP) with sipp as both phones:
//! answered calls with RTP through the relay, refusals (RFC 3261 §21: 403, 404, 480, 486,
//! 488 with Warning), CANCEL (§9), parallel forking (§16.7), BYE from either side (§15),
//! hold and resume by re-INVITE (RFC 3264 §8.4), the RTP timeout, tenant isolation, and
//! the CDR each call leaves.
//!
//! Every phone is a real sipp process with its own ports, bounded by `timeout -k` and
//! sipp's own `-timeout`, killed with its process group if the test ends first.

mod common;

use common::{
    caller_row, eventually, ivr_setup, play_pcap, port, register, require_sipp, rtp_range, vpbx_ok,
    Outcome, Phone, Server,
};
use serde_json::Value;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A valid offer for call_uac_fail.xml's @BODY@.
const PCMA_OFFER: &str = "v=0\n\
    o=caller 1 1 IN IP4 127.0.0.1\n\
    s=-\n\
    c=IN IP4 127.0.0.1\n\
    t=0 0\n\
    m=audio [media_port] RTP/AVP 8 0\n\
    a=rtpmap:8 PCMA/8000\n\
    a=rtpmap:0 PCMU/8000\n";

/// A running server on a fresh data directory provisioned before it started.
struct Pbx {
    server: Server,
    work: tempfile::TempDir,
    _data: tempfile::TempDir,
}

impl Pbx {
    /// Runs each management command in `setup`, then starts `serve` with a private
    /// --rtp-ports range and `extra` arguments.
    fn start(setup: &[&[&str]], extra: &[&str]) -> Pbx {
        require_sipp();
        let data = tempfile::tempdir().expect("tempdir");
        for cmd in setup {
            vpbx_ok(data.path(), cmd);
        }
        let range = rtp_range();
        let mut args = vec!["--rtp-ports", range.as_str()];
        args.extend_from_slice(extra);
        let server = Server::start_on(data.path(), port(), &args);
        Pbx {
            server,
            work: tempfile::tempdir().expect("tempdir"),
            _data: data,
        }
    }

    /// The standard two-tenant set-up: 1000, 1001 and 1002 in t1.example, 1000 and 1001
    /// in t2.example (password pEXTtN).
    fn standard(extra: &[&str]) -> Pbx {
        Pbx::start(&standard_setup(), extra)
    }

    fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// A phone (sipp) working in a directory of its own under this test's work dir.
    fn phone(&self, scenario: &str) -> Phone {
        Phone::new(self.work.path(), scenario)
    }

    /// Registers `user@domain` with its Contact on `contact_port` (must succeed).
    fn register(&self, user: &str, domain: &str, password: &str, contact_port: u16) {
        register(
            self.work.path(),
            &self.server,
            user,
            domain,
            password,
            contact_port,
        );
    }

    /// The tenant's CDRs, newest first, once there are `n` of them (bounded wait).
    fn cdrs(&self, domain: &str, n: usize) -> Vec<Value> {
        let rows = self.cdrs_at_least(domain, n);
        assert_eq!(rows.len(), n, "CDRs of {domain}: {rows:#?}");
        rows
    }

    /// The tenant's CDRs, newest first, once there are at least `n` (bounded wait).
    fn cdrs_at_least(&self, domain: &str, n: usize) -> Vec<Value> {
        let mut rows = Vec::new();
        eventually(&format!("{n} CDR(s) in {domain}"), || {
            let out = vpbx_ok(&self.server.data, &["cdr", "list", domain, "--json"]);
            rows = serde_json::from_str::<Value>(&out)
                .expect("cdr list --json")
                .as_array()
                .cloned()
                .unwrap_or_default();
            rows.len() >= n
        });
        rows
    }

    /// The only CDR of the tenant (bounded wait).
    fn cdr(&self, domain: &str) -> Value {
        self.cdrs(domain, 1).remove(0)
    }
}

fn standard_setup() -> Vec<&'static [&'static str]> {
    vec![
        &["tenant", "create", "t1.example"],
        &["tenant", "create", "t2.example"],
        &["user", "add", "t1.example", "1000", "--password", "p1000t1"],
        &["user", "add", "t1.example", "1001", "--password", "p1001t1"],
        &["user", "add", "t1.example", "1002", "--password", "p1002t1"],
        &["user", "add", "t2.example", "1000", "--password", "p1000t2"],
        &["user", "add", "t2.example", "1001", "--password", "p1001t2"],
    ]
}

/// The `@CHECK@` actions requiring the final response's `header` to match `regexp`.
fn check_header(header: &str, regexp: &str) -> String {
    format!(
        r#"<action><ereg regexp="{regexp}" search_in="hdr" header="{header}:" check_it="true" assign_to="checked"/><log message="checked [$checked]"/></action>"#
    )
}

/// Asserts a sipp run succeeded, with everything needed to see why not.
#[track_caller]
fn assert_ok(what: &str, out: &Outcome, pbx: &Pbx) {
    assert!(
        out.ok,
        "{what} failed:\n{}\n--- server log:\n{}",
        out.text,
        pbx.server.log_text()
    );
}

/// A caller that must get `status` back (call_uac_fail.xml) with offer `body`.
fn failing_call(pbx: &Pbx, row: &str, status: u16, body: &str, check: &str) -> Outcome {
    pbx.phone("call_uac_fail.xml")
        .sub("@EXPECT@", status.to_string())
        .sub("@CHECK@", check)
        .sub("@BODY@", body)
        .row(row)
        .uac(pbx.addr())
        .wait()
}

fn quality_packets(cdr: &Value, leg: &str, field: &str) -> u64 {
    cdr["quality"][leg][field].as_u64().unwrap_or(0)
}

#[test]
fn answered_call_relays_rtp_both_ways_and_leaves_an_answered_cdr() {
    let pbx = Pbx::standard(&[]);
    let callee_port = port();
    pbx.register("1001", "t1.example", "p1001t1", callee_port);
    let callee = pbx
        .phone("call_uas.xml")
        .sub("@PCAP@", play_pcap())
        .on_port(callee_port)
        .uas();
    // The sample stream lasts about 7 s: the caller holds the call a little longer.
    let caller = pbx
        .phone("call_uac.xml")
        .sub("@PCAP@", play_pcap())
        .sub("@HOLD_MS@", "7600")
        .row(&caller_row("1000", "t1.example", "p1000t1", "1001"))
        .uac(pbx.addr())
        .wait();
    assert_ok("caller", &caller, &pbx);
    assert_ok("callee", &callee.wait(), &pbx);

    let cdr = pbx.cdr("t1.example");
    assert_eq!(cdr["disposition"], "ANSWERED", "{cdr:#}");
    assert_eq!(cdr["caller"], "1000", "{cdr:#}");
    assert_eq!(cdr["callee"], "1001", "{cdr:#}");
    assert_eq!(cdr["hangup_side"], "caller", "{cdr:#}");
    assert_eq!(cdr["hangup_cause"], "bye", "{cdr:#}");
    assert_eq!(cdr["codec_a"], "PCMA", "{cdr:#}");
    assert_eq!(cdr["codec_b"], "PCMA", "{cdr:#}");
    assert!(
        cdr["answered_at"].as_i64().is_some() && cdr["billsec_ms"].as_i64() > Some(5_000),
        "answered and held ~7.6 s: {cdr:#}"
    );
    // RTP went through the relay in both directions: in from the caller (A) and out to
    // the callee (B), in from the callee and out to the caller.
    for (leg, field) in [
        ("a", "packets_in"),
        ("b", "packets_out"),
        ("b", "packets_in"),
        ("a", "packets_out"),
    ] {
        assert!(
            quality_packets(&cdr, leg, field) > 100,
            "quality.{leg}.{field} must count the ~230 relayed packets: {cdr:#}"
        );
    }
}

#[test]
fn callee_refusing_busy_gives_the_caller_486_and_a_busy_cdr() {
    let pbx = Pbx::standard(&[]);
    let callee_port = port();
    pbx.register("1001", "t1.example", "p1001t1", callee_port);
    let callee = pbx
        .phone("call_uas_refuse.xml")
        .sub("@STATUS@", "486 Busy Here")
        .on_port(callee_port)
        .uas();
    let caller = failing_call(
        &pbx,
        &caller_row("1000", "t1.example", "p1000t1", "1001"),
        486,
        PCMA_OFFER,
        "",
    );
    assert_ok("caller expecting 486", &caller, &pbx);
    assert_ok("refusing callee", &callee.wait(), &pbx);
    let cdr = pbx.cdr("t1.example");
    assert_eq!(cdr["disposition"], "BUSY", "{cdr:#}");
    assert_eq!(cdr["billsec_ms"], 0, "{cdr:#}");
}

#[test]
fn busy_level_486_and_call_limit_480_come_from_vpbx_itself() {
    let mut setup = standard_setup();
    setup.push(&["user", "limits", "t1.example", "1001", "--busy-level", "1"]);
    setup.push(&["user", "limits", "t1.example", "1000", "--call-limit", "1"]);
    let pbx = Pbx::start(&setup, &[]);
    let callee_port = port();
    pbx.register("1001", "t1.example", "p1001t1", callee_port);
    let callee = pbx
        .phone("call_uas.xml")
        .sub("@PCAP@", "")
        .on_port(callee_port)
        .uas();
    let first = pbx
        .phone("call_uac.xml")
        .sub("@PCAP@", "")
        .sub("@HOLD_MS@", "5000")
        .row(&caller_row("1000", "t1.example", "p1000t1", "1001"))
        .uac(pbx.addr());
    eventually(
        "the first call is answered (the callee got its ACK)",
        || callee.saw("ACK sip:"),
    );
    // The only contact of 1001 is busy in the first call; sipp as that contact would
    // fail its scenario on a second INVITE, so the 486 must come from vpbx.
    let second = failing_call(
        &pbx,
        &caller_row("1002", "t1.example", "p1002t1", "1001"),
        486,
        PCMA_OFFER,
        "",
    );
    assert_ok("second caller expecting 486", &second, &pbx);
    // The first caller is at its --call-limit 1: calling a registered 1002 gets 480.
    pbx.register("1002", "t1.example", "p1002t1", port());
    let third = failing_call(
        &pbx,
        &caller_row("1000", "t1.example", "p1000t1", "1002"),
        480,
        PCMA_OFFER,
        r#"<action><ereg regexp="^SIP/2.0 480 Call Limit Reached" search_in="msg" check_it="true" assign_to="limit"/><log message="[$limit]"/></action>"#,
    );
    assert_ok("caller over its call limit expecting 480", &third, &pbx);
    assert_ok("first caller", &first.wait(), &pbx);
    let callee = callee.wait();
    assert_ok("callee of the first call", &callee, &pbx);
    assert_eq!(
        callee.messages.matches("INVITE sip:").count(),
        1,
        "the busy callee saw one INVITE only:\n{}",
        callee.messages
    );
    // The refused calls' CDRs, if any, must say BUSY and FAILED. vpbx at af5767f refused
    // both at admission, before a call exists, and wrote no CDR for them although
    // `Disposition::Busy` is documented as "486/600, or over its busy level"; CDRs for
    // refusals are being added, so their presence is not asserted yet.
    let mut cdrs = Vec::new();
    eventually("the first call's CDR", || {
        cdrs = pbx.cdrs_at_least("t1.example", 1);
        cdrs.iter()
            .any(|r| r["caller"] == "1000" && r["callee"] == "1001")
    });
    let answered = cdrs
        .iter()
        .find(|r| r["caller"] == "1000" && r["callee"] == "1001")
        .expect("first call's CDR");
    assert_eq!(answered["disposition"], "ANSWERED", "{cdrs:#?}");
    for refused in cdrs.iter().filter(|r| r["caller"] == "1002") {
        assert_eq!(refused["disposition"], "BUSY", "{cdrs:#?}");
    }
    for refused in cdrs.iter().filter(|r| r["callee"] == "1002") {
        assert_eq!(refused["disposition"], "FAILED", "{cdrs:#?}");
    }
}

#[test]
fn caller_cancel_while_ringing_cancels_the_callee() {
    let pbx = Pbx::standard(&[]);
    let callee_port = port();
    pbx.register("1001", "t1.example", "p1001t1", callee_port);
    let callee = pbx.phone("call_uas_ring.xml").on_port(callee_port).uas();
    let caller = pbx
        .phone("call_uac_cancel.xml")
        .row(&caller_row("1000", "t1.example", "p1000t1", "1001"))
        .uac(pbx.addr())
        .wait();
    assert_ok(
        "cancelling caller (200 to CANCEL, 487 to INVITE)",
        &caller,
        &pbx,
    );
    let callee = callee.wait();
    assert_ok("ringing callee (gets CANCEL, answers 487)", &callee, &pbx);
    let cdr = pbx.cdr("t1.example");
    assert_eq!(cdr["disposition"], "CANCELLED", "{cdr:#}");
    assert_eq!(cdr["hangup_side"], "caller", "{cdr:#}");
    assert!(cdr["answered_at"].is_null(), "{cdr:#}");
}

#[test]
fn parallel_forking_first_answer_wins_and_the_other_contact_is_cancelled() {
    let pbx = Pbx::standard(&[]);
    let (answering_port, ringing_port) = (port(), port());
    pbx.register("1001", "t1.example", "p1001t1", answering_port);
    pbx.register("1001", "t1.example", "p1001t1", ringing_port);
    let ringing = pbx.phone("call_uas_ring.xml").on_port(ringing_port).uas();
    let answering = pbx
        .phone("call_uas.xml")
        .sub("@PCAP@", "")
        .on_port(answering_port)
        .uas();
    let caller = pbx
        .phone("call_uac.xml")
        .sub("@PCAP@", "")
        .sub("@HOLD_MS@", "1000")
        .row(&caller_row("1000", "t1.example", "p1000t1", "1001"))
        .uac(pbx.addr())
        .wait();
    assert_ok("caller", &caller, &pbx);
    assert_ok("answering contact", &answering.wait(), &pbx);
    assert_ok(
        "ringing contact (must get CANCEL after the other answered)",
        &ringing.wait(),
        &pbx,
    );
    let cdr = pbx.cdr("t1.example");
    assert_eq!(cdr["disposition"], "ANSWERED", "{cdr:#}");
    assert_eq!(cdr["hangup_side"], "caller", "{cdr:#}");
}

#[test]
fn refusals_without_reaching_a_callee() {
    let pbx = Pbx::standard(&[]);
    let row = |callee: &str| caller_row("1000", "t1.example", "p1000t1", callee);
    let out = failing_call(&pbx, &row("1999"), 404, PCMA_OFFER, "");
    assert_ok("unknown extension must give 404", &out, &pbx);
    let out = failing_call(&pbx, &row("1001"), 480, PCMA_OFFER, "");
    assert_ok("unregistered callee must give 480", &out, &pbx);
    let out = failing_call(
        &pbx,
        &caller_row("1000", "t1.example", "wrong-password", "1001"),
        403,
        PCMA_OFFER,
        "",
    );
    assert_ok("wrong password must give 403", &out, &pbx);

    // The callee is registered (nobody listens there): SDP is judged before forking.
    pbx.register("1001", "t1.example", "p1001t1", port());
    let out = failing_call(
        &pbx,
        &row("1001"),
        488,
        "v=0\nthis is not sdp\n",
        &check_header("Warning", "malformed SDP"),
    );
    assert_ok("malformed SDP must give 488 with a Warning", &out, &pbx);
    let g729_only = "v=0\n\
        o=caller 1 1 IN IP4 127.0.0.1\n\
        s=-\n\
        c=IN IP4 127.0.0.1\n\
        t=0 0\n\
        m=audio [media_port] RTP/AVP 18\n\
        a=rtpmap:18 G729/8000\n";
    let out = failing_call(
        &pbx,
        &row("1001"),
        488,
        g729_only,
        &check_header("Warning", "codec"),
    );
    assert_ok("an offer with only G.729 must give 488", &out, &pbx);
}

#[test]
fn tenants_are_isolated_for_calls() {
    let pbx = Pbx::standard(&[]);
    let t2_port = port();
    pbx.register("1001", "t2.example", "p1001t2", t2_port);
    let t2_phone = pbx
        .phone("call_uas.xml")
        .sub("@PCAP@", "")
        .on_port(t2_port)
        .uas();

    // 1001@t1.example is not registered; t2's 1001 is not its contact.
    let out = failing_call(
        &pbx,
        &caller_row("1000", "t1.example", "p1000t1", "1001"),
        480,
        PCMA_OFFER,
        "",
    );
    assert_ok("t1 calling its unregistered 1001 must give 480", &out, &pbx);
    // t1's credentials do not open t2 (realm t2.example): refused after the challenge.
    let out = failing_call(
        &pbx,
        &caller_row("1000", "t2.example", "p1000t1", "1001"),
        403,
        PCMA_OFFER,
        "",
    );
    assert_ok(
        "t1's password presented to t2 must give 403, no call",
        &out,
        &pbx,
    );
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        !t2_phone.saw("INVITE"),
        "t2's phone must not be called by t1:\n{}",
        t2_phone.stop().text
    );
    drop(t2_phone);

    // Control: the same phone does get t2's own calls.
    let t2_phone = pbx
        .phone("call_uas.xml")
        .sub("@PCAP@", "")
        .on_port(t2_port)
        .uas();
    let out = pbx
        .phone("call_uac.xml")
        .sub("@PCAP@", "")
        .sub("@HOLD_MS@", "300")
        .row(&caller_row("1000", "t2.example", "p1000t2", "1001"))
        .uac(pbx.addr())
        .wait();
    assert_ok("t2 calling its own 1001", &out, &pbx);
    assert_ok("t2's 1001 answering its own tenant", &t2_phone.wait(), &pbx);
    assert_eq!(pbx.cdr("t2.example")["disposition"], "ANSWERED");
}

#[test]
fn hold_and_resume_by_re_invite() {
    let pbx = Pbx::standard(&[]);
    let callee_port = port();
    pbx.register("1001", "t1.example", "p1001t1", callee_port);
    let callee = pbx.phone("call_uas_hold.xml").on_port(callee_port).uas();
    let caller = pbx
        .phone("call_uac_hold.xml")
        .sub("@HOLD_MS@", "300")
        .row(&caller_row("1000", "t1.example", "p1000t1", "1001"))
        .uac(pbx.addr())
        .wait();
    assert_ok("caller holding and resuming", &caller, &pbx);
    assert_ok("callee answering hold and resume", &callee.wait(), &pbx);
    let cdr = pbx.cdr("t1.example");
    assert_eq!(cdr["disposition"], "ANSWERED", "{cdr:#}");
    assert_eq!(cdr["hangup_side"], "caller", "{cdr:#}");
    assert_eq!(
        quality_packets(&cdr, "b", "packets_out"),
        0,
        "no music on hold configured, and no phone sent RTP: {cdr:#}"
    );
}

/// Music on hold (issue 5): with the tenant's `--moh` prompt set, the held callee hears it
/// from the relay for as long as the caller holds (2 s here: about 100 packets of 20 ms),
/// although neither phone sends any RTP; the resume re-INVITE stops it.
#[test]
fn held_party_hears_the_tenants_music_on_hold() {
    music_on_hold_call("sendonly");
}

/// The same with a holder that puts the call on hold with `a=inactive`: the held callee's
/// scenario requires `a=sendonly` in the hold offer it gets (vpbx sends it the music,
/// RFC 3264 §8.4, RFC 6337 §5.3), and the holder requires `a=inactive` in its answer
/// (RFC 3264 §6.1) although the callee answered `a=recvonly`.
#[test]
fn held_party_hears_music_on_hold_when_the_holder_sends_inactive() {
    music_on_hold_call("inactive");
}

/// A call of t1.example (music on hold `music`) whose caller holds for 2 s with `hold`
/// (`sendonly` or `inactive`) and resumes.
fn music_on_hold_call(hold: &str) {
    // RFC 3264 §6.1: an inactive offer is answered inactive.
    let answer = if hold == "inactive" {
        "inactive"
    } else {
        "recvonly"
    };
    let mut setup = standard_setup();
    setup.extend_from_slice(&[
        &[
            "prompt",
            "add",
            "t1.example",
            "music",
            "--say",
            "Please hold the line",
        ][..],
        &["tenant", "options", "t1.example", "--moh", "music"],
    ]);
    let pbx = Pbx::start(&setup, &[]);
    let callee_port = port();
    pbx.register("1001", "t1.example", "p1001t1", callee_port);
    let callee = pbx.phone("call_uas_hold.xml").on_port(callee_port).uas();
    let caller = pbx
        .phone("call_uac_hold.xml")
        .sub("@HOLD_MS@", "2000")
        .sub("      a=sendonly", format!("      a={hold}"))
        .sub(
            r#"<ereg regexp="a=recvonly""#,
            format!(r#"<ereg regexp="a={answer}""#),
        )
        .row(&caller_row("1000", "t1.example", "p1000t1", "1001"))
        .uac(pbx.addr())
        .wait();
    assert_ok("caller holding for 2 s", &caller, &pbx);
    assert_ok("held callee", &callee.wait(), &pbx);
    let cdr = pbx.cdr("t1.example");
    let moh = quality_packets(&cdr, "b", "packets_out");
    assert!(
        (60..=140).contains(&moh),
        "about 100 packets of music during the 2 s hold, got {moh}: {cdr:#}"
    );
    let log = pbx.server.log_text();
    assert!(
        log.contains("music on hold plays") && log.contains("music on hold stops"),
        "{log}"
    );
}

#[test]
fn rtp_timeout_hangs_up_both_sides() {
    let pbx = Pbx::standard(&["--rtp-timeout", "2"]);
    let callee_port = port();
    pbx.register("1001", "t1.example", "p1001t1", callee_port);
    let callee = pbx
        .phone("call_uas_wait_bye.xml")
        .on_port(callee_port)
        .uas();
    let started = Instant::now();
    let caller = pbx
        .phone("call_uac_wait_bye.xml")
        .row(&caller_row("1000", "t1.example", "p1000t1", "1001"))
        .uac(pbx.addr())
        .wait();
    let callee = callee.wait();
    let elapsed = started.elapsed();
    assert_ok("caller waiting for vpbx's BYE", &caller, &pbx);
    assert_ok("callee waiting for vpbx's BYE", &callee, &pbx);
    assert!(
        elapsed >= Duration::from_millis(1_500) && elapsed < Duration::from_secs(9),
        "BYE must come about 2 s after the answer, came after {elapsed:?}"
    );
    let cdr = pbx.cdr("t1.example");
    assert_eq!(cdr["disposition"], "ANSWERED", "{cdr:#}");
    assert_eq!(cdr["hangup_side"], "system", "{cdr:#}");
    assert_eq!(cdr["hangup_cause"], "rtp-timeout", "{cdr:#}");
}

#[test]
fn callee_hangs_up_with_bye() {
    let pbx = Pbx::standard(&[]);
    let callee_port = port();
    pbx.register("1001", "t1.example", "p1001t1", callee_port);
    let callee = pbx.phone("call_uas_bye.xml").on_port(callee_port).uas();
    let caller = pbx
        .phone("call_uac_wait_bye.xml")
        .row(&caller_row("1000", "t1.example", "p1000t1", "1001"))
        .uac(pbx.addr())
        .wait();
    assert_ok("caller receiving the callee's BYE", &caller, &pbx);
    assert_ok("callee hanging up", &callee.wait(), &pbx);
    let cdr = pbx.cdr("t1.example");
    assert_eq!(cdr["disposition"], "ANSWERED", "{cdr:#}");
    assert_eq!(cdr["hangup_side"], "callee", "{cdr:#}");
    assert_eq!(cdr["hangup_cause"], "bye", "{cdr:#}");
}

/// An IVR menu answers a number (issue 5): a phone dialing it gets vpbx's own 200 with
/// vpbx's SDP, presses 1 (an RFC 4733 telephone-event) during the menu
/// prompt, and is put through to 1001, whose phone answers; the call ends with the
/// caller's BYE reaching 1001 and one ANSWERED CDR naming 1001. (The digit is sipp's own
/// RFC 4733 capture of key 1: sipp 3.6's `play_dtmf` sends empty events.) Without a digit,
/// the menu repeats and then hangs up by itself; a key sent by SIP INFO works like RFC 4733.
#[test]
fn ivr_answers_plays_the_menu_and_transfers_on_a_digit() {
    let ivr = ivr_setup(&["--timeout", "2", "--repeats", "2"]);
    let ivr: Vec<Vec<&str>> = ivr
        .iter()
        .map(|cmd| cmd.iter().map(String::as_str).collect())
        .collect();
    let mut setup: Vec<&[&str]> = standard_setup();
    setup.extend(ivr.iter().map(Vec::as_slice));
    let pbx = Pbx::start(&setup, &[]);
    let callee_port = port();
    pbx.register("1001", "t1.example", "p1001t1", callee_port);
    let callee = pbx
        .phone("call_uas.xml")
        .sub("@PCAP@", "")
        .on_port(callee_port)
        .uas();
    let caller = pbx
        .phone("call_uac.xml")
        .sub(
            "@PCAP@",
            r#"<pause milliseconds="1500"/><nop><action><exec play_pcap_audio="/usr/share/sip-tester/dtmf_2833_1.pcap"/></action></nop>"#,
        )
        .sub("@HOLD_MS@", "4000")
        .row(&caller_row("1000", "t1.example", "p1000t1", "74950000001"))
        .uac(pbx.addr())
        .wait();
    assert_ok("caller in the IVR", &caller, &pbx);
    assert_ok("callee reached through the IVR", &callee.wait(), &pbx);
    let cdr = pbx.cdr("t1.example");
    assert_eq!(cdr["disposition"], "ANSWERED", "{cdr:#}");
    assert_eq!(cdr["caller"], "1000", "{cdr:#}");
    assert_eq!(cdr["callee"], "1001", "{cdr:#}");
    assert_eq!(cdr["hangup_side"], "caller", "{cdr:#}");
    assert!(
        quality_packets(&cdr, "a", "packets_out") > 50,
        "vpbx played the menu to the caller: {cdr:#}"
    );
    let log = pbx.server.log_text();
    assert!(log.contains("IVR transfer answered"), "{log}");

    // No digit: two rounds of the menu (2 s wait each), then vpbx hangs up by itself.
    let caller = pbx
        .phone("call_uac_wait_bye.xml")
        .row(&caller_row("1000", "t1.example", "p1000t1", "74950000001"))
        .uac(pbx.addr())
        .wait();
    assert_ok("caller left in the IVR without a digit", &caller, &pbx);
    let cdrs = pbx.cdrs("t1.example", 2);
    assert_eq!(cdrs[0]["hangup_side"], "system", "{cdrs:#?}");
    assert_eq!(cdrs[0]["hangup_cause"], "ivr-hangup", "{cdrs:#?}");

    // The key by SIP INFO (application/dtmf-relay), as many desk phones send it.
    let callee = pbx
        .phone("call_uas.xml")
        .sub("@PCAP@", "")
        .on_port(callee_port)
        .uas();
    let caller = pbx
        .phone("call_uac.xml")
        .sub("@PCAP@", INFO_KEY_1)
        .sub("CSeq: 3 BYE", "CSeq: 4 BYE")
        .sub("@HOLD_MS@", "3000")
        .row(&caller_row("1000", "t1.example", "p1000t1", "74950000001"))
        .uac(pbx.addr())
        .wait();
    assert_ok("caller pressing 1 by SIP INFO", &caller, &pbx);
    assert_ok("callee reached by the INFO key", &callee.wait(), &pbx);
    let cdrs = pbx.cdrs("t1.example", 3);
    assert_eq!(cdrs[0]["callee"], "1001", "{cdrs:#?}");
    assert!(pbx.server.log_text().contains("DTMF by SIP INFO"));
}

/// The `@PCAP@` of call_uac.xml sending key 1 by SIP INFO 1.5 s into the call.
const INFO_KEY_1: &str = r#"<pause milliseconds="1500"/>
  <send retrans="500">
    <![CDATA[

      INFO [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
      Max-Forwards: 70
      From: "Caller [field0]" <sip:[field0]@[field1]>;tag=[pid]C[call_number]
      To: <sip:[field4]@[field1]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 3 INFO
      Content-Type: application/dtmf-relay
      Content-Length: [len]

      Signal=1
      Duration=160

    ]]>
  </send>
  <recv response="200"/>"#;

/// A one-message SMTP sink on 127.0.0.1 (RFC 5321 minimal server side): accepts one
/// session within 60 s and returns the DATA it received.
fn smtp_sink() -> (u16, std::thread::JoinHandle<String>) {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind SMTP sink");
    let port = listener.local_addr().expect("addr").port();
    listener.set_nonblocking(true).expect("nonblocking");
    let handle = std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(60);
        let stream = loop {
            match listener.accept() {
                Ok((s, _)) => break s,
                Err(_) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(_) => return String::new(),
            }
        };
        stream.set_nonblocking(false).expect("blocking");
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .expect("timeout");
        let mut out = stream.try_clone().expect("clone");
        let mut reader = BufReader::new(stream);
        let _ = out.write_all(b"220 sink ESMTP\r\n");
        let mut data = String::new();
        let mut in_data = false;
        let mut line = String::new();
        while reader.read_line(&mut line).is_ok_and(|n| n > 0) {
            if in_data {
                if line == ".\r\n" {
                    in_data = false;
                    let _ = out.write_all(b"250 queued\r\n");
                } else {
                    data.push_str(&line);
                }
            } else {
                let upper = line.to_ascii_uppercase();
                let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                    b"250 sink\r\n"
                } else if upper.starts_with("DATA") {
                    in_data = true;
                    b"354 go on\r\n"
                } else if upper.starts_with("QUIT") {
                    let _ = out.write_all(b"221 bye\r\n");
                    break;
                } else {
                    b"250 ok\r\n"
                };
                let _ = out.write_all(reply);
            }
            line.clear();
        }
        data
    });
    (port, handle)
}

/// Voicemail (issue 5, seed 001): a call to an extension with no phone registered goes to
/// its box; the caller hears the beep and talks (sipp's A-law sample); the message is
/// stored, listed by `vpbx voicemail list`, and mailed through SMTP with the WAV attached.
#[test]
fn unreachable_extension_takes_a_voicemail_that_is_mailed() {
    let (smtp_port, sink) = smtp_sink();
    let mut setup = standard_setup();
    setup.push(&[
        "voicemail",
        "set",
        "t1.example",
        "1001",
        "--enable",
        "--email",
        "bob@example.com",
    ]);
    let smtp = format!("127.0.0.1:{smtp_port}");
    let pbx = Pbx::start(
        &setup,
        &[
            "--smtp",
            &smtp,
            "--smtp-security",
            "none",
            "--smtp-from",
            "pbx@example.com",
        ],
    );
    let caller = pbx
        .phone("call_uac.xml")
        .sub("@PCAP@", play_pcap())
        .sub("@HOLD_MS@", "7000")
        .row(&caller_row("1000", "t1.example", "p1000t1", "1001"))
        .uac(pbx.addr())
        .wait();
    assert_ok("caller leaving a message", &caller, &pbx);
    let mail = sink.join().expect("SMTP sink");
    assert!(
        mail.contains("bob@example.com") && mail.contains("audio/wav"),
        "mail:\n{mail}\nserver:\n{}",
        pbx.server.log_text()
    );
    let list = vpbx_ok(
        pbx._data.path(),
        &["voicemail", "list", "t1.example", "1001", "--json"],
    );
    let rows: Value = serde_json::from_str(&list).expect("JSON");
    assert_eq!(rows.as_array().map(Vec::len), Some(1), "{list}");
    assert_eq!(rows[0]["caller"], "1000", "{list}");
    let ms = rows[0]["duration_ms"].as_u64().unwrap_or(0);
    assert!(ms > 4000, "about 6 s of message: {list}");
    let cdr = pbx.cdr("t1.example");
    assert_eq!(cdr["disposition"], "ANSWERED", "{cdr:#}");
    assert_eq!(cdr["callee"], "1001", "{cdr:#}");
}

/// WAV files under `dir`, at any depth.
fn wav_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(wav_files(&path));
        } else if path.extension().is_some_and(|e| e == "wav") {
            found.push(path);
        }
    }
    found
}

/// A call of a recording tenant (`tenant options --record on`) with RTP both ways (the
/// sample stream, about 3 s of it), on a server started with `extra`; returns its CDR once
/// both phones finished.
fn recorded_tenant_call(extra: &[&str]) -> (Pbx, Value) {
    let mut setup = standard_setup();
    setup.push(&["tenant", "options", "t1.example", "--record", "on"]);
    let pbx = Pbx::start(&setup, extra);
    let callee_port = port();
    pbx.register("1001", "t1.example", "p1001t1", callee_port);
    let callee = pbx
        .phone("call_uas.xml")
        .sub("@PCAP@", play_pcap())
        .on_port(callee_port)
        .uas();
    let caller = pbx
        .phone("call_uac.xml")
        .sub("@PCAP@", play_pcap())
        .sub("@HOLD_MS@", "3000")
        .row(&caller_row("1000", "t1.example", "p1000t1", "1001"))
        .uac(pbx.addr())
        .wait();
    assert_ok("caller", &caller, &pbx);
    assert_ok("callee", &callee.wait(), &pbx);
    let cdr = pbx.cdr("t1.example");
    assert_eq!(cdr["disposition"], "ANSWERED", "{cdr:#}");
    for (leg, field) in [
        ("a", "packets_in"),
        ("b", "packets_out"),
        ("b", "packets_in"),
        ("a", "packets_out"),
    ] {
        assert!(
            quality_packets(&cdr, leg, field) > 50,
            "quality.{leg}.{field} must count the relayed packets of ~3 s: {cdr:#}"
        );
    }
    (pbx, cdr)
}

/// Issue 5, recordings filling the disk: with less free space than `--recording-min-free`
/// (set here beyond any disk, so the disk counts as full) the server logs its ALARM line
/// at start, and a call of a recording tenant is still answered with RTP relayed both
/// ways, only not recorded: no WAV file is written and its CDR links no recording.
#[test]
fn full_disk_raises_the_alarm_and_calls_go_on_unrecorded() {
    let (pbx, cdr) = recorded_tenant_call(&["--recording-min-free", "1000000000"]);
    assert!(cdr["recording"].is_null(), "no recording: {cdr:#}");
    let files = wav_files(&pbx.server.data.join("recordings"));
    assert!(files.is_empty(), "no recording written: {files:?}");
    let log = pbx.server.log_text();
    assert!(
        log.contains("ALARM: data disk nearly full: new calls are not recorded"),
        "{log}"
    );
}

/// The control of the test above: the same call on a server with the default threshold
/// (256 MiB, which the test disk has) is recorded, its CDR links the file and no ALARM
/// is logged.
#[test]
fn recording_tenant_call_is_recorded_while_the_disk_has_room() {
    let (pbx, cdr) = recorded_tenant_call(&[]);
    let path = cdr["recording"]["path"]
        .as_str()
        .unwrap_or_else(|| panic!("the CDR links a recording: {cdr:#}"));
    let file = pbx.server.data.join(path);
    eventually(&format!("{} written", file.display()), || {
        std::fs::metadata(&file).is_ok_and(|m| m.len() > 44 + 4 * 8000)
    });
    assert_eq!(wav_files(&pbx.server.data.join("recordings")), [file]);
    assert!(!pbx.server.log_text().contains("ALARM"));
}
