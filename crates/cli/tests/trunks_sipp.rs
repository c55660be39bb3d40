//! SIP trunks, numbers (DIDs) and outbound directions through `vpbx serve`, with sipp
//! playing the carrier (issue 4; seed 000 §4.5-4.5.3): an outbound call answering the
//! carrier's digest challenge with the trunk's credentials (RFC 3261 §22.3), the number as
//! the direction rewrote it (strip, prefix, the seed's examples), failover across a
//! direction's trunks, international calls refused until the tenant allows them, calls
//! from an IP-authenticated carrier to a DID reaching the right extension of the right
//! tenant, unknown DIDs refused, and the trunk secret never shown or stored in clear.
//!
//! Every peer is a real sipp process with its own ports, bounded by `timeout -k` and
//! sipp's own `-timeout`, killed with its process group if the test ends first. vpbx
//! probes trunks with OPTIONS (qualify is on by default): the carrier scenarios answer
//! them as calls of their own and stop sipp after their one INVITE, so carriers run
//! without `-m` (a probe would otherwise use up `-m 1` before the call comes).

mod common;

use common::{
    caller_row, eventually, port, received, register, require_sipp, rtp_range, vpbx, vpbx_ok,
    Outcome, Phone, Running, Server,
};
use serde_json::Value;
use std::net::SocketAddr;
use std::path::Path;
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

/// The trunk secret of these tests: it must never show in clear.
const SECRET: &str = "s3cretpw";

// ---- The server and its peers. ----

/// A running server on a fresh data directory provisioned before it started.
struct Pbx {
    server: Server,
    work: tempfile::TempDir,
    _data: tempfile::TempDir,
}

impl Pbx {
    /// Runs each management command in `setup`, then starts `serve` with a private
    /// --rtp-ports range.
    fn start(setup: &[Vec<String>]) -> Pbx {
        Pbx::start_logging(setup, "info")
    }

    /// Like [`Pbx::start`] with the server's `RUST_LOG` set to `rust_log`.
    fn start_logging(setup: &[Vec<String>], rust_log: &str) -> Pbx {
        require_sipp();
        let data = tempfile::tempdir().expect("tempdir");
        for cmd in setup {
            let args: Vec<&str> = cmd.iter().map(String::as_str).collect();
            vpbx_ok(data.path(), &args);
        }
        let range = rtp_range();
        let server =
            Server::start_on_logging(data.path(), port(), &["--rtp-ports", &range], rust_log);
        Pbx {
            server,
            work: tempfile::tempdir().expect("tempdir"),
            _data: data,
        }
    }

    fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    fn data(&self) -> &Path {
        &self.server.data
    }

    /// A peer (sipp) working in a directory of its own under this test's work dir.
    fn phone(&self, scenario: &str) -> Phone {
        Phone::new(self.work.path(), scenario)
    }

    /// A carrier (sipp UAS) listening on `port`, playing `scenario` for one call.
    fn carrier(&self, scenario: &str, port: u16) -> Phone {
        self.phone(scenario).on_port(port).carrier()
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

    /// The tenant's CDRs now, newest first.
    fn cdrs_now(&self, domain: &str) -> Vec<Value> {
        let out = vpbx_ok(self.data(), &["cdr", "list", domain, "--json"]);
        serde_json::from_str::<Value>(&out)
            .expect("cdr list --json")
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// The tenant's CDRs, newest first, once there are at least `n` (bounded wait).
    fn cdrs_at_least(&self, domain: &str, n: usize) -> Vec<Value> {
        let mut rows = Vec::new();
        eventually(&format!("{n} CDR(s) in {domain}"), || {
            rows = self.cdrs_now(domain);
            rows.len() >= n
        });
        rows
    }

    /// The tenant's newest CDR once there are `n` (bounded wait).
    fn newest_cdr(&self, domain: &str, n: usize) -> Value {
        let rows = self.cdrs_at_least(domain, n);
        assert_eq!(rows.len(), n, "CDRs of {domain}: {rows:#?}");
        rows[0].clone()
    }

    /// `route trace` output for `to` dialed by `from`.
    fn trace(&self, domain: &str, from: &str, to: &str) -> String {
        vpbx_ok(
            self.data(),
            &["route", "trace", domain, "--from", from, "--to", to],
        )
    }

    /// How many times the server has logged reloading `domain`.
    fn reloads(&self, domain: &str) -> usize {
        self.server
            .log
            .lock()
            .unwrap()
            .iter()
            .filter(|l| l.contains("tenant reloaded") && l.contains(domain))
            .count()
    }
}

/// A management command as owned strings.
fn cmd(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| (*s).to_owned()).collect()
}

/// t1.example with 1000 and 1001 (password pEXTt1).
fn t1_setup() -> Vec<Vec<String>> {
    vec![
        cmd(&["tenant", "create", "t1.example"]),
        cmd(&["user", "add", "t1.example", "1000", "--password", "p1000t1"]),
        cmd(&["user", "add", "t1.example", "1001", "--password", "p1001t1"]),
    ]
}

/// 1000@t1.example calling `callee`.
fn t1_caller(callee: &str) -> String {
    caller_row("1000", "t1.example", "p1000t1", callee)
}

/// The value of header `name` in message `msg` (first occurrence).
fn header<'m>(msg: &'m str, name: &str) -> Option<&'m str> {
    msg.lines().find_map(|l| {
        let (n, v) = l.split_once(':')?;
        n.trim().eq_ignore_ascii_case(name).then_some(v.trim())
    })
}

/// The user part of a request's Request-URI.
fn ruri_user(msg: &str) -> &str {
    let line = msg.lines().next().unwrap_or("");
    line.split_once("sip:")
        .and_then(|(_, rest)| rest.split_once('@'))
        .map_or("", |(user, _)| user)
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

/// Waits for `carrier` after `caller` ended, asserting both succeeded; when the caller
/// failed the carrier is stopped and its trace shown too.
#[track_caller]
fn carried(what: &str, caller: &Outcome, carrier: Running, pbx: &Pbx) -> Outcome {
    if !caller.ok {
        let carrier = carrier.stop();
        panic!(
            "{what} failed:\n{}\n--- carrier:\n{}\n--- server log:\n{}",
            caller.text,
            carrier.text,
            pbx.server.log_text()
        );
    }
    let carrier = carrier.wait();
    assert_ok(&format!("carrier of: {what}"), &carrier, pbx);
    carrier
}

/// An answered call from 1000@t1.example to `callee` (call_uac.xml, held 500 ms).
fn answered_call(pbx: &Pbx, callee: &str) -> Outcome {
    pbx.phone("call_uac.xml")
        .sub("@PCAP@", "")
        .sub("@HOLD_MS@", "500")
        .row(&t1_caller(callee))
        .uac(pbx.addr())
        .wait()
}

/// A call from 1000@t1.example to `callee` that must get `status` (call_uac_fail.xml).
fn failing_call(pbx: &Pbx, callee: &str, status: u16, check: &str) -> Outcome {
    pbx.phone("call_uac_fail.xml")
        .sub("@EXPECT@", status.to_string())
        .sub("@CHECK@", check)
        .sub("@BODY@", PCMA_OFFER)
        .row(&t1_caller(callee))
        .uac(pbx.addr())
        .wait()
}

/// The `@CHECK@` action requiring the final response's status line to match `regexp`.
fn check_status_line(regexp: &str) -> String {
    format!(
        r#"<action><ereg regexp="{regexp}" search_in="msg" check_it="true" assign_to="status"/><log message="status [$status]"/></action>"#
    )
}

/// A carrier delivering a call from `from` to `did` (carrier_uac.xml, no credentials).
fn carrier_call(pbx: &Pbx, scenario: &str, did: &str, from: &str) -> Outcome {
    pbx.phone(scenario)
        .key("did", did)
        .key("from", from)
        .uac(pbx.addr())
        .wait()
}

/// Asserts the CDR is an answered call from `caller` to `callee`.
#[track_caller]
fn assert_answered(cdr: &Value, caller: &str, callee: &str) {
    assert_eq!(cdr["disposition"], "ANSWERED", "{cdr:#}");
    assert_eq!(cdr["caller"], caller, "{cdr:#}");
    assert_eq!(cdr["callee"], callee, "{cdr:#}");
}

// ---- Outbound. ----

/// Seed 000 §4.5: a carrier that authenticates its customer. The INVITE carries the number
/// as the direction rewrote it (`other _9X.`, strip 1: 989001758964 -> 89001758964), the
/// retry after the 407 carries Proxy-Authorization for the trunk's username, and From is
/// the trunk's --from-user at its --from-domain.
#[test]
fn outbound_call_answers_the_carrier_challenge_with_the_trunk_credentials() {
    let carrier_port = port();
    let mut setup = t1_setup();
    setup.push(cmd(&[
        "trunk",
        "add",
        "t1.example",
        "carrier",
        "--host",
        "127.0.0.1",
        "--port",
        &carrier_port.to_string(),
        "--username",
        "acct",
        "--secret",
        SECRET,
        "--from-user",
        "74952216005",
        "--from-domain",
        "pbx.t1.example",
    ]));
    setup.push(cmd(&[
        "direction",
        "add",
        "t1.example",
        "other",
        "--pattern",
        "_9X.",
        "--strip",
        "1",
        "--trunk",
        "carrier",
    ]));
    let pbx = Pbx::start(&setup);
    let trace = pbx.trace("t1.example", "1000", "989001758964");
    assert!(
        trace.contains("strip 1 -> 89001758964")
            && trace.contains("1. trunk carrier B: 89001758964"),
        "route trace must show the number sent:\n{trace}"
    );

    let carrier = pbx.carrier("carrier_uas_auth.xml", carrier_port).uas();
    let caller = answered_call(&pbx, "989001758964");
    let carrier = carried(
        "caller through the authenticating carrier",
        &caller,
        carrier,
        &pbx,
    );

    let invites = carrier.received("INVITE");
    assert_eq!(
        invites.len(),
        2,
        "the carrier gets the INVITE and its retry with credentials:\n{}",
        carrier.text
    );
    for invite in &invites {
        assert_eq!(ruri_user(invite), "89001758964", "{invite}");
        let from = header(invite, "From").unwrap_or_default();
        assert!(
            from.starts_with("<sip:74952216005@pbx.t1.example>"),
            "From must be --from-user@--from-domain: {from}"
        );
    }
    assert!(header(&invites[0], "Proxy-Authorization").is_none());
    let auth = header(&invites[1], "Proxy-Authorization").unwrap_or_default();
    assert!(
        auth.starts_with("Digest ")
            && auth.contains(r#"username="acct""#)
            && auth.contains(r#"realm="carrier.example""#)
            && auth.contains(r#"nonce="4c2b1a0f9e8d7c6b""#),
        "Proxy-Authorization: {auth}"
    );
    assert!(
        carrier.logs.contains("sent number 89001758964 auth Digest"),
        "{}",
        carrier.logs
    );
    assert!(
        !carrier.messages.contains(SECRET),
        "the secret must not go over the wire:\n{}",
        carrier.messages
    );
    let cdr = pbx.newest_cdr("t1.example", 1);
    assert_answered(&cdr, "1000", "989001758964");
}

/// Seed 000 §4.5.3 (082 55123 -> 55123: pattern _082XXXXX, substruct4other 3) and §4.5.2
/// (+79257410726 -> 89257410726: regional drops '+', strip 1, prefix 8) through the wire,
/// to a carrier that does not authenticate; From is the caller's extension at the trunk's
/// host when the trunk has no --from-user/--from-domain.
#[test]
fn seed_digit_manipulation_reaches_the_carrier() {
    let carrier_port = port();
    let mut setup = t1_setup();
    setup.push(cmd(&[
        "trunk",
        "add",
        "t1.example",
        "city",
        "--host",
        "127.0.0.1",
        "--port",
        &carrier_port.to_string(),
    ]));
    setup.push(cmd(&[
        "direction",
        "add",
        "t1.example",
        "other",
        "--pattern",
        "_082XXXXX",
        "--strip",
        "3",
        "--trunk",
        "city",
    ]));
    setup.push(cmd(&[
        "direction",
        "add",
        "t1.example",
        "regional",
        "--strip",
        "1",
        "--prefix",
        "8",
        "--trunk",
        "city",
    ]));
    let pbx = Pbx::start(&setup);
    let cases = [("08255123", "55123"), ("+79257410726", "89257410726")];
    for (dialed, sent) in cases {
        let trace = pbx.trace("t1.example", "1000", dialed);
        assert!(
            trace.contains(&format!("1. trunk city B: {sent}")),
            "route trace for {dialed}:\n{trace}"
        );
    }

    for (dialed, sent) in cases {
        let carrier = pbx.carrier("carrier_uas.xml", carrier_port).uas();
        let caller = answered_call(&pbx, dialed);
        let carrier = carried(&format!("caller dialing {dialed}"), &caller, carrier, &pbx);
        let invites = carrier.received("INVITE");
        assert_eq!(invites.len(), 1, "{}", carrier.text);
        assert_eq!(ruri_user(&invites[0]), sent, "dialed {dialed}");
        let from = header(&invites[0], "From").unwrap_or_default();
        assert!(
            from.starts_with("<sip:1000@127.0.0.1>"),
            "From must default to the caller's extension at the trunk's host: {from}"
        );
        assert!(header(&invites[0], "Proxy-Authorization").is_none());
    }
    let cdrs = pbx.cdrs_at_least("t1.example", 2);
    assert_eq!(cdrs.len(), 2, "{cdrs:#?}");
    assert_answered(&cdrs[1], "1000", "08255123");
    assert_answered(&cdrs[0], "1000", "+79257410726");
}

/// A direction with two trunks: the first carrier answers 503, the call goes to the
/// second, which answers. When every trunk fails the caller gets a 5xx at once.
#[test]
fn failover_to_the_next_trunk_and_fast_failure_when_all_fail() {
    let (first_port, second_port) = (port(), port());
    let mut setup = t1_setup();
    for (name, p) in [("first", first_port), ("second", second_port)] {
        setup.push(cmd(&[
            "trunk",
            "add",
            "t1.example",
            name,
            "--host",
            "127.0.0.1",
            "--port",
            &p.to_string(),
        ]));
    }
    setup.push(cmd(&[
        "direction",
        "add",
        "t1.example",
        "regional",
        "--trunk",
        "first",
        "--trunk",
        "second",
    ]));
    let pbx = Pbx::start(&setup);
    let trace = pbx.trace("t1.example", "1000", "89001758964");
    assert!(
        trace.contains("1. trunk first B: 89001758964")
            && trace.contains("2. trunk second B: 89001758964"),
        "{trace}"
    );

    let first = pbx
        .carrier("carrier_uas_refuse.xml", first_port)
        .sub("@STATUS@", "503 Service Unavailable")
        .uas();
    let second = pbx.carrier("carrier_uas.xml", second_port).uas();
    let caller = answered_call(&pbx, "89001758964");
    let second = carried("caller answered by the second trunk", &caller, second, &pbx);
    let first = first.wait();
    assert_ok("first carrier refusing with 503", &first, &pbx);
    for (name, carrier) in [("first", &first), ("second", &second)] {
        let invites = carrier.received("INVITE");
        assert_eq!(invites.len(), 1, "{name}:\n{}", carrier.text);
        assert_eq!(ruri_user(&invites[0]), "89001758964");
    }
    let cdr = pbx.newest_cdr("t1.example", 1);
    assert_answered(&cdr, "1000", "89001758964");

    // Every trunk fails: the caller gets a 5xx without waiting on anything.
    let first = pbx
        .carrier("carrier_uas_refuse.xml", first_port)
        .sub("@STATUS@", "503 Service Unavailable")
        .uas();
    let second = pbx
        .carrier("carrier_uas_refuse.xml", second_port)
        .sub("@STATUS@", "503 Service Unavailable")
        .uas();
    let started = Instant::now();
    let caller = failing_call(&pbx, "89001758964", 503, "");
    let elapsed = started.elapsed();
    assert_ok("caller when every trunk fails (503)", &caller, &pbx);
    assert!(
        elapsed < Duration::from_secs(5),
        "failure must come at once, came after {elapsed:?}"
    );
    assert_ok("first carrier refusing again", &first.wait(), &pbx);
    assert_ok("second carrier refusing", &second.wait(), &pbx);
}

/// International calls are refused with 403 until the tenant allows them (seed 001's
/// default); the carrier receives nothing. Allowed live, the same call reaches it.
#[test]
fn international_call_refused_until_allowed() {
    let carrier_port = port();
    let mut setup = t1_setup();
    setup.push(cmd(&[
        "trunk",
        "add",
        "t1.example",
        "intl",
        "--host",
        "127.0.0.1",
        "--port",
        &carrier_port.to_string(),
    ]));
    setup.push(cmd(&[
        "direction",
        "add",
        "t1.example",
        "international",
        "--prefix",
        "810",
        "--trunk",
        "intl",
    ]));
    let pbx = Pbx::start(&setup);
    let dialed = "81049301234567";
    let trace = pbx.trace("t1.example", "1000", dialed);
    assert!(
        !trace.contains("1. trunk intl"),
        "no attempt while international is off:\n{trace}"
    );

    let carrier = pbx.carrier("carrier_uas.xml", carrier_port).limit(40).uas();
    let caller = failing_call(
        &pbx,
        dialed,
        403,
        &check_status_line("^SIP/2.0 403 Forbidden"),
    );
    assert_ok(
        "caller dialing abroad with international off (403)",
        &caller,
        &pbx,
    );
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        !carrier.got("INVITE"),
        "the carrier must receive nothing for a refused call"
    );

    let before = pbx.reloads("t1.example");
    vpbx_ok(
        pbx.data(),
        &["tenant", "allow", "t1.example", "--international", "on"],
    );
    eventually("the server reloads t1.example", || {
        pbx.reloads("t1.example") > before
    });
    let trace = pbx.trace("t1.example", "1000", dialed);
    assert!(
        trace.contains(&format!("1. trunk intl B: {dialed}")),
        "{trace}"
    );
    let caller = answered_call(&pbx, dialed);
    if !caller.ok {
        let c = carrier.stop();
        panic!("CARRIER:\n{}", c.text);
    }
    let carrier = carried("caller dialing abroad once allowed", &caller, carrier, &pbx);
    let invites = carrier.received("INVITE");
    assert_eq!(
        invites.len(),
        1,
        "only the allowed call reached the carrier:\n{}",
        carrier.text
    );
    assert_eq!(ruri_user(&invites[0]), dialed);
    let answered = pbx.newest_cdr("t1.example", 2);
    assert_answered(&answered, "1000", dialed);
}

/// A carrier that challenges again after the trunk's credentials fails that trunk only
/// (each branch answers one challenge): the call goes on to the next trunk; with no
/// other trunk the caller gets 503 at once, never the carrier's 407.
#[test]
fn carrier_refusing_the_credentials_fails_that_trunk_only() {
    let (strict_port, second_port) = (port(), port());
    let mut setup = t1_setup();
    setup.push(cmd(&[
        "trunk",
        "add",
        "t1.example",
        "strict",
        "--host",
        "127.0.0.1",
        "--port",
        &strict_port.to_string(),
        "--username",
        "acct",
        "--secret",
        SECRET,
    ]));
    setup.push(cmd(&[
        "trunk",
        "add",
        "t1.example",
        "second",
        "--host",
        "127.0.0.1",
        "--port",
        &second_port.to_string(),
    ]));
    setup.push(cmd(&[
        "direction",
        "add",
        "t1.example",
        "regional",
        "--trunk",
        "strict",
        "--trunk",
        "second",
    ]));
    setup.push(cmd(&[
        "direction",
        "add",
        "t1.example",
        "other",
        "--pattern",
        "_9X.",
        "--strip",
        "1",
        "--trunk",
        "strict",
    ]));
    let pbx = Pbx::start(&setup);

    let strict = pbx
        .carrier("carrier_uas_auth_reject.xml", strict_port)
        .uas();
    let second = pbx.carrier("carrier_uas.xml", second_port).uas();
    let caller = answered_call(&pbx, "89001758964");
    let second = carried("caller answered by the second trunk", &caller, second, &pbx);
    assert_eq!(second.received("INVITE").len(), 1, "{}", second.text);
    let strict = strict.wait();
    assert_ok("carrier refusing the credentials", &strict, &pbx);
    let invites = strict.received("INVITE");
    assert_eq!(
        invites.len(),
        2,
        "one answer to one challenge, no more:\n{}",
        strict.text
    );
    assert!(header(&invites[1], "Proxy-Authorization")
        .is_some_and(|a| a.contains(r#"username="acct""#)));
    assert_answered(&pbx.newest_cdr("t1.example", 1), "1000", "89001758964");

    let strict = pbx
        .carrier("carrier_uas_auth_reject.xml", strict_port)
        .uas();
    let started = Instant::now();
    let caller = failing_call(&pbx, "989001758964", 503, "");
    let elapsed = started.elapsed();
    assert_ok(
        "caller when the only trunk refuses the credentials (503)",
        &caller,
        &pbx,
    );
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
    assert_ok(
        "carrier refusing the credentials again",
        &strict.wait(),
        &pbx,
    );
}

/// A carrier that does not answer at all: the call moves on to the next trunk after a
/// bounded wait; with no other trunk the caller gets a failure, without hanging.
#[test]
fn silent_carrier_fails_over_and_never_hangs() {
    // Nobody listens on the dead trunk's port.
    let (dead_port, live_port) = (port(), port());
    let mut setup = t1_setup();
    for (name, p) in [("dead", dead_port), ("live", live_port)] {
        setup.push(cmd(&[
            "trunk",
            "add",
            "t1.example",
            name,
            "--host",
            "127.0.0.1",
            "--port",
            &p.to_string(),
        ]));
    }
    setup.push(cmd(&[
        "direction",
        "add",
        "t1.example",
        "regional",
        "--trunk",
        "dead",
        "--trunk",
        "live",
    ]));
    setup.push(cmd(&[
        "direction",
        "add",
        "t1.example",
        "other",
        "--pattern",
        "_9X.",
        "--strip",
        "1",
        "--trunk",
        "dead",
    ]));
    let pbx = Pbx::start(&setup);

    let live = pbx.carrier("carrier_uas.xml", live_port).uas();
    let started = Instant::now();
    let caller = answered_call(&pbx, "89001758964");
    let elapsed = started.elapsed();
    carried("caller answered by the live trunk", &caller, live, &pbx);
    assert!(
        elapsed < Duration::from_secs(12),
        "failover after a silent carrier took {elapsed:?}"
    );
    assert_answered(&pbx.newest_cdr("t1.example", 1), "1000", "89001758964");

    let started = Instant::now();
    let caller = failing_call(&pbx, "989001758964", 503, "");
    let elapsed = started.elapsed();
    // Issue 4: "calls fail over or fail fast with 503".
    assert!(
        caller.ok,
        "caller when the only carrier is silent must get 503:\n{}\n{}",
        caller.text,
        pbx.server.log_text()
    );
    assert!(
        elapsed < Duration::from_secs(10),
        "a silent carrier must not hang the call: {elapsed:?}"
    );
    let cdrs = pbx.cdrs_at_least("t1.example", 2);
    assert_ne!(cdrs[0]["disposition"], "ANSWERED", "{cdrs:#?}");
}

// ---- Inbound. ----

/// The two-tenant inbound set-up: each tenant has 1001, an insecure trunk at the same
/// carrier address (127.0.0.1:`trunk_port`, or `t2_host` for t2) and a number to its 1001.
fn inbound_setup(trunk_port: u16, t2_host: &str) -> Vec<Vec<String>> {
    let p = trunk_port.to_string();
    vec![
        cmd(&["tenant", "create", "t1.example"]),
        cmd(&["tenant", "create", "t2.example"]),
        cmd(&["user", "add", "t1.example", "1001", "--password", "p1001t1"]),
        cmd(&["user", "add", "t2.example", "1001", "--password", "p1001t2"]),
        cmd(&[
            "trunk",
            "add",
            "t1.example",
            "carrier",
            "--host",
            "127.0.0.1",
            "--port",
            &p,
            "--insecure",
        ]),
        cmd(&[
            "trunk",
            "add",
            "t2.example",
            "carrier",
            "--host",
            t2_host,
            "--port",
            &p,
            "--insecure",
        ]),
        cmd(&[
            "number",
            "add",
            "t1.example",
            "74952216005",
            "--trunk",
            "carrier",
            "--to",
            "ext:1001",
        ]),
        cmd(&[
            "number",
            "add",
            "t2.example",
            "74957654321",
            "--trunk",
            "carrier",
            "--to",
            "ext:1001",
        ]),
    ]
}

/// A call from the carrier's address to a DID rings the number's extension in the number's
/// tenant only, although the same carrier address serves both tenants; the CDR's caller is
/// the carrier's From number.
#[test]
fn inbound_did_reaches_the_right_extension_of_the_right_tenant() {
    let trunk_port = port();
    let pbx = Pbx::start(&inbound_setup(trunk_port, "127.0.0.1"));
    let (t1_port, t2_port) = (port(), port());
    pbx.register("1001", "t1.example", "p1001t1", t1_port);
    pbx.register("1001", "t2.example", "p1001t2", t2_port);

    let t1_phone = pbx
        .phone("call_uas.xml")
        .sub("@PCAP@", "")
        .on_port(t1_port)
        .uas();
    let t2_phone = pbx
        .phone("call_uas.xml")
        .sub("@PCAP@", "")
        .on_port(t2_port)
        .limit(40)
        .uas();
    let out = carrier_call(&pbx, "carrier_uac.xml", "74952216005", "79161234567");
    assert_ok("carrier calling t1's number", &out, &pbx);
    let t1_out = t1_phone.wait();
    assert_ok("t1's 1001 answering", &t1_out, &pbx);
    let invite = &t1_out.received("INVITE")[0];
    assert!(
        header(invite, "From").is_some_and(|f| f.contains("79161234567")),
        "the callee sees the carrier's caller: {invite}"
    );
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        !t2_phone.got("INVITE"),
        "t2's 1001 must not ring for t1's number"
    );
    let cdr = pbx.newest_cdr("t1.example", 1);
    assert_answered(&cdr, "79161234567", "1001");
    assert!(pbx.cdrs_now("t2.example").is_empty());

    // And the other way round: t2's number rings t2's phone only.
    let t1_phone = pbx
        .phone("call_uas.xml")
        .sub("@PCAP@", "")
        .on_port(t1_port)
        .uas();
    let out = carrier_call(&pbx, "carrier_uac.xml", "74957654321", "79160000002");
    assert_ok("carrier calling t2's number", &out, &pbx);
    assert_ok("t2's 1001 answering", &t2_phone.wait(), &pbx);
    std::thread::sleep(Duration::from_millis(300));
    let t1_out = t1_phone.stop();
    assert!(
        received(&t1_out.messages, "INVITE").is_empty(),
        "t1's 1001 must not ring for t2's number:\n{}",
        t1_out.text
    );
    let cdr = pbx.newest_cdr("t2.example", 1);
    assert_answered(&cdr, "79160000002", "1001");
    assert_eq!(pbx.cdrs_now("t1.example").len(), 1);
}

/// The forms a carrier sends a DID in: 74952216005, +74952216005 and the 10-digit national
/// 4952216005 all ring the number's extension.
#[test]
fn inbound_did_matches_the_forms_carriers_send() {
    let trunk_port = port();
    let pbx = Pbx::start(&inbound_setup(trunk_port, "127.0.0.1"));
    let t1_port = port();
    pbx.register("1001", "t1.example", "p1001t1", t1_port);
    let forms = ["74952216005", "+74952216005", "4952216005"];
    for (i, did) in forms.iter().enumerate() {
        let phone = pbx
            .phone("call_uas.xml")
            .sub("@PCAP@", "")
            .on_port(t1_port)
            .uas();
        let out = carrier_call(&pbx, "carrier_uac.xml", did, "79161234567");
        assert_ok(&format!("carrier calling {did}"), &out, &pbx);
        assert_ok(&format!("t1's 1001 answering {did}"), &phone.wait(), &pbx);
        let cdr = pbx.newest_cdr("t1.example", i + 1);
        assert_answered(&cdr, "79161234567", "1001");
    }
}

/// From the carrier's address, a DID configured nowhere, and a number of a tenant whose
/// trunk is at another address, set up no call (404, or a 407 as for a phone).
#[test]
fn unknown_did_from_the_carrier_sets_up_no_call() {
    let trunk_port = port();
    let pbx = Pbx::start(&inbound_setup(trunk_port, "127.0.0.2"));
    let (t1_port, t2_port) = (port(), port());
    pbx.register("1001", "t1.example", "p1001t1", t1_port);
    pbx.register("1001", "t2.example", "p1001t2", t2_port);
    let t1_phone = pbx
        .phone("call_uas.xml")
        .sub("@PCAP@", "")
        .on_port(t1_port)
        .uas();
    let t2_phone = pbx
        .phone("call_uas.xml")
        .sub("@PCAP@", "")
        .on_port(t2_port)
        .uas();
    for did in ["74950000000", "74957654321"] {
        let out = carrier_call(&pbx, "carrier_uac_nocall.xml", did, "79161234567");
        assert_ok(
            &format!("carrier calling {did}: must get 404 or 407, no call"),
            &out,
            &pbx,
        );
        assert!(
            out.logs.contains("final status 404") || out.logs.contains("final status 407"),
            "{}",
            out.text
        );
    }
    std::thread::sleep(Duration::from_millis(500));
    let (t1_out, t2_out) = (t1_phone.stop(), t2_phone.stop());
    for (name, out) in [("t1", &t1_out), ("t2", &t2_out)] {
        assert!(
            received(&out.messages, "INVITE").is_empty(),
            "{name}'s 1001 must not ring:\n{}",
            out.text
        );
    }
    for domain in ["t1.example", "t2.example"] {
        let cdrs = pbx.cdrs_now(domain);
        assert!(
            cdrs.iter().all(|c| c["disposition"] != "ANSWERED"),
            "{domain}: {cdrs:#?}"
        );
    }
}

// ---- The trunk secret. ----

/// Whether `needle` occurs in `hay`.
fn contains_bytes(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// The trunk secret shows as "set" in `trunk list` and `trunk show` (text and JSON), is
/// not logged by the server (debug level) while a call answers the carrier's challenge
/// with it, and is stored only as ciphertext in the data directory.
#[test]
fn trunk_secret_is_never_shown_logged_or_stored_in_clear() {
    let carrier_port = port();
    let mut setup = t1_setup();
    setup.push(cmd(&[
        "trunk",
        "add",
        "t1.example",
        "carrier",
        "--host",
        "127.0.0.1",
        "--port",
        &carrier_port.to_string(),
        "--username",
        "acct",
        "--secret",
        SECRET,
    ]));
    setup.push(cmd(&[
        "direction",
        "add",
        "t1.example",
        "regional",
        "--trunk",
        "carrier",
    ]));
    let pbx = Pbx::start_logging(&setup, "debug");
    for args in [
        &["trunk", "list", "t1.example"][..],
        &["trunk", "list", "t1.example", "--json"],
        &["trunk", "show", "t1.example", "carrier"],
        &["trunk", "show", "t1.example", "carrier", "--json"],
    ] {
        let out = vpbx(pbx.data(), args);
        assert!(out.status.success(), "{args:?}");
        let (stdout, stderr) = (
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        );
        assert!(
            !stdout.contains(SECRET) && !stderr.contains(SECRET),
            "{args:?} shows the secret:\n{stdout}{stderr}"
        );
        assert!(stdout.contains("set"), "{args:?}: {stdout}");
    }
    let json: Value = serde_json::from_str(&vpbx_ok(
        pbx.data(),
        &["trunk", "show", "t1.example", "carrier", "--json"],
    ))
    .expect("trunk show --json");
    assert_eq!(json["secret"], "set", "{json:#}");

    let carrier = pbx.carrier("carrier_uas_auth.xml", carrier_port).uas();
    let caller = answered_call(&pbx, "89001758964");
    let carrier = carried(
        "caller through the authenticating carrier",
        &caller,
        carrier,
        &pbx,
    );
    assert!(!carrier.messages.contains(SECRET));
    let log = pbx.server.log_text();
    assert!(
        log.contains("call out through trunk"),
        "the call went through the trunk:\n{log}"
    );
    assert!(
        !log.contains(SECRET),
        "the server log shows the secret:\n{log}"
    );

    assert!(
        pbx.data().join("trunk.key").is_file(),
        "the secret's key file is in the data directory"
    );
    let mut files = 0;
    for entry in std::fs::read_dir(pbx.data()).expect("data dir").flatten() {
        if entry.path().is_file() {
            files += 1;
            let bytes = std::fs::read(entry.path()).expect("read data file");
            assert!(
                !contains_bytes(&bytes, SECRET.as_bytes()),
                "{} holds the secret in clear",
                entry.path().display()
            );
        }
    }
    assert!(files >= 2, "the data directory has the database and keys");
}

// ---- Registration to a carrier. ----

/// RFC 3261 §10.2 with §22.2: vpbx registers a `--register` trunk with the carrier,
/// answers its 401 with the trunk credentials, and `vpbx trunk list` shows the trunk
/// registered and up (OPTIONS answered).
#[test]
fn registers_to_the_carrier_and_shows_it() {
    let carrier_port = port();
    let mut setup = t1_setup();
    setup.push(cmd(&[
        "trunk",
        "add",
        "t1.example",
        "carrier",
        "--host",
        "127.0.0.1",
        "--port",
        &carrier_port.to_string(),
        "--username",
        "acct",
        "--secret",
        SECRET,
        "--register",
    ]));
    let registrar = {
        let pbx = Pbx::start(&setup);
        let registrar = pbx
            .carrier("carrier_registrar.xml", carrier_port)
            .uas()
            .wait();
        assert_ok("carrier registrar", &registrar, &pbx);
        let mut shown = String::new();
        eventually("trunk list shows the registration", || {
            shown = vpbx_ok(pbx.data(), &["trunk", "list", "t1.example"]);
            shown.contains("registration registered")
        });
        let json: Value = serde_json::from_str(&vpbx_ok(
            pbx.data(),
            &["trunk", "list", "t1.example", "--json"],
        ))
        .expect("trunk list --json");
        assert_eq!(json[0]["status"]["registration"], "registered", "{json:#}");
        registrar
    };
    let registers = registrar.received("REGISTER");
    assert_eq!(registers.len(), 2, "{}", registrar.text);
    assert!(
        header(&registers[1], "Authorization").is_some_and(|a| a.contains("username=\"acct\"")),
        "{}",
        registers[1]
    );
    assert!(
        !registrar.text.contains(SECRET),
        "the secret never goes on the wire"
    );
}

// ---- DISA. ----

/// The DISA number of these tests and the caller's number.
const DISA_DID: &str = "74950000009";
const DISA_CALLER: &str = "74951112233";

/// t1.example with 1000, 1001 and 1002; DISA on; 1001 may use it with PIN 4821; a carrier
/// delivering the DISA number (`in`, insecure) and a trunk `out` on `out_port` for `_9X.`
/// (strip 1).
fn disa_setup(out_port: u16) -> Vec<Vec<String>> {
    let mut setup = t1_setup();
    setup.extend([
        cmd(&["user", "add", "t1.example", "1002", "--password", "p1002t1"]),
        cmd(&[
            "trunk",
            "add",
            "t1.example",
            "in",
            "--host",
            "127.0.0.1",
            "--port",
            "5999",
            "--insecure",
        ]),
        cmd(&[
            "trunk",
            "add",
            "t1.example",
            "out",
            "--host",
            "127.0.0.1",
            "--port",
            &out_port.to_string(),
        ]),
        cmd(&[
            "direction",
            "add",
            "t1.example",
            "other",
            "--pattern",
            "_9X.",
            "--strip",
            "1",
            "--trunk",
            "out",
        ]),
        cmd(&[
            "number",
            "add",
            "t1.example",
            DISA_DID,
            "--trunk",
            "in",
            "--to",
            "disa",
        ]),
        cmd(&["tenant", "options", "t1.example", "--disa", "on"]),
        cmd(&["user", "disa", "t1.example", "1001", "--pin", "4821"]),
    ]);
    setup
}

/// SIP INFO requests (`application/dtmf-relay`, RFC 3261 §13.3 in-dialog) for
/// carrier_uac_keys.xml's @KEYS@, one per key of `keys`, each answered 200, with 150 ms
/// between keys; a `,` pauses 1.5 s instead. CSeq numbers start at `cseq`; returns the XML
/// and the next CSeq.
fn info_keys(keys: &str, mut cseq: u32) -> (String, u32) {
    let mut xml = String::new();
    for key in keys.chars() {
        if key == ',' {
            xml.push_str("  <pause milliseconds=\"1500\"/>\n");
            continue;
        }
        if !xml.is_empty() {
            xml.push_str("  <pause milliseconds=\"150\"/>\n");
        }
        xml.push_str(&format!(
            r#"  <send retrans="500">
    <![CDATA[

      INFO [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      Max-Forwards: 70
      From: <sip:[from]@[local_ip]>;tag=[pid]K[call_number]
      To: <sip:[did]@[remote_ip]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: {cseq} INFO
      Content-Type: application/dtmf-relay
      Content-Length: [len]

      Signal={key}
      Duration=160

    ]]>
  </send>
  <recv response="200"/>
"#
        ));
        cseq += 1;
    }
    (xml, cseq)
}

/// carrier_uac_keys.xml's @TAIL@ when the caller hangs up after `hold_ms` (CSeq `cseq`).
fn caller_hangs_up(hold_ms: u32, cseq: u32) -> String {
    format!(
        r#"  <pause milliseconds="{hold_ms}"/>
  <send retrans="500">
    <![CDATA[

      BYE [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      Max-Forwards: 70
      From: <sip:[from]@[local_ip]>;tag=[pid]K[call_number]
      To: <sip:[did]@[remote_ip]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: {cseq} BYE
      Content-Length: 0

    ]]>
  </send>
  <recv response="200"/>
"#
    )
}

/// carrier_uac_keys.xml's @TAIL@ when vpbx hangs up: its BYE is answered 200.
const VPBX_HANGS_UP: &str = r#"  <recv request="BYE"/>
  <send>
    <![CDATA[

      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0

    ]]>
  </send>
"#;

/// A carrier's caller on the DISA number keying `keys` by SIP INFO, then `tail`.
fn disa_call(pbx: &Pbx, keys: &str, tail: impl FnOnce(u32) -> String) -> Running {
    let (xml, next) = info_keys(keys, 2);
    pbx.phone("carrier_uac_keys.xml")
        .sub("@KEYS@", xml)
        .sub("@TAIL@", tail(next))
        .key("did", DISA_DID)
        .key("from", DISA_CALLER)
        .limit(40)
        .uac(pbx.addr())
}

/// Issue 5 item 7: a caller on the DISA number keys extension 1001, its PIN and an outside
/// number; vpbx calls the number through the trunk 1001's directions allow, with 1001 as
/// the caller the carrier sees, and bridges the call (one ANSWERED CDR for the number).
/// The PIN never shows in the server's log.
#[test]
fn disa_caller_dials_out_through_a_trunk_as_the_user() {
    let out_port = port();
    let pbx = Pbx::start(&disa_setup(out_port));
    let options = vpbx_ok(pbx.data(), &["tenant", "options", "t1.example"]);
    assert!(options.contains("DISA on"), "{options}");

    let carrier = pbx.carrier("carrier_uas.xml", out_port).uas();
    let caller = disa_call(&pbx, "1001#4821#989001758964#", |cseq| {
        caller_hangs_up(2000, cseq)
    })
    .wait();
    let carrier = carried("DISA caller dialling out", &caller, carrier, &pbx);

    let invites = carrier.received("INVITE");
    assert_eq!(invites.len(), 1, "{}", carrier.text);
    assert_eq!(ruri_user(&invites[0]), "89001758964", "{}", invites[0]);
    let from = header(&invites[0], "From").unwrap_or_default();
    assert!(
        from.starts_with("<sip:1001@"),
        "the carrier sees the DISA user as the caller: {from}"
    );
    let cdr = pbx.newest_cdr("t1.example", 1);
    assert_answered(&cdr, DISA_CALLER, "989001758964");
    let log = pbx.server.log_text();
    assert!(
        log.contains("call answered by DISA") && log.contains("DISA: dialling as the user"),
        "{log}"
    );
    assert!(!log.contains("4821"), "the PIN must not be logged:\n{log}");
}

/// A caller who keys a wrong PIN, an extension without DISA and another wrong PIN is hung
/// up by vpbx after the third try, each refusal logged as a warning; no number is called.
#[test]
fn disa_hangs_up_after_three_wrong_pins() {
    let out_port = port();
    let pbx = Pbx::start(&disa_setup(out_port));
    let caller = disa_call(&pbx, "1001#0000#,1002#4821#,1001#1111#", |_| {
        VPBX_HANGS_UP.to_owned()
    })
    .wait();
    assert_ok("DISA caller refused three times", &caller, &pbx);
    let cdr = pbx.newest_cdr("t1.example", 1);
    assert_eq!(cdr["callee"], DISA_DID, "{cdr:#}");
    assert!(
        cdr["hangup_cause"]
            .as_str()
            .is_some_and(|c| c.contains("disa-auth-failed")),
        "{cdr:#}"
    );
    let log = pbx.server.log_text();
    assert_eq!(
        log.matches("DISA: wrong extension or PIN").count(),
        2,
        "{log}"
    );
    assert!(log.contains("DISA: too many wrong PINs"), "{log}");
    assert!(!log.contains("DISA: dialling"), "{log}");
}
