//! Calls in progress over the REST API of a running `vpbx serve` (issue 6 dashboard): a
//! real sipp call between two extensions shows in `GET /tenants/{domain}/calls` as
//! answered while it is up, another tenant's admin gets 404 for it and sees no call of
//! its own, the platform admin counts it, and the list is empty again once the call ended.
//!
//! Every sipp is bounded by `timeout -k` and its own `-timeout`, and killed with its
//! process group if the test ends first; every wait is bounded.

mod common;

use common::{eventually, port, port_block, repo, require_sipp, rtp_range, vpbx_ok, Server};
use serde_json::Value;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long the caller keeps the call up, ms: long enough to be seen on a busy machine.
const HOLD_MS: &str = "8000";

/// A sipp process running one scenario once, in a directory of its own.
struct Sipp {
    child: Option<Child>,
    dir: PathBuf,
    deadline: Instant,
}

impl Sipp {
    /// Starts `scenario` (tests/sipp, in a directory named after it under `work`) on SIP
    /// port `sip_port` with the placeholders in `subs` filled, `row` as its CSV line and
    /// `keys` as `-key`s; a caller or registering phone sends to `server`, a callee
    /// (`None`) waits. sipp gives up after 30 s.
    fn start(
        work: &Path,
        scenario: &str,
        subs: &[(&str, &str)],
        row: &str,
        keys: &[(&str, String)],
        sip_port: u16,
        server: Option<SocketAddr>,
    ) -> Sipp {
        const LIMIT: u64 = 30;
        require_sipp();
        let dir = work.join(scenario.trim_end_matches(".xml"));
        std::fs::create_dir_all(&dir).expect("sipp dir");
        let template = std::fs::read_to_string(repo().join("tests/sipp").join(scenario))
            .expect("scenario file");
        let xml = subs.iter().fold(template, |t, (k, v)| t.replace(k, v));
        let sf = dir.join(scenario);
        std::fs::write(&sf, xml).expect("scenario");
        let mut cmd = Command::new("timeout");
        cmd.current_dir(&dir)
            .args(["-k", "2", &(LIMIT + 5).to_string(), "sipp"]);
        if let Some(server) = server {
            cmd.arg(server.to_string());
        }
        cmd.arg("-sf").arg(&sf);
        if !row.is_empty() {
            let inf = dir.join("users.csv");
            std::fs::write(&inf, format!("SEQUENTIAL\n{row}\n")).expect("csv");
            cmd.arg("-inf").arg(&inf);
        }
        cmd.args(["-m", "1", "-i", "127.0.0.1"])
            .args(["-p", &sip_port.to_string()])
            .args(["-mp", &port_block(4).to_string()])
            .args(["-nostdin", "-trace_err", "-trace_msg"])
            .args(["-timeout", &format!("{LIMIT}s")])
            .args(["-recv_timeout", "15000"]);
        for (k, v) in keys {
            cmd.args(["-key", k, v]);
        }
        let child = cmd
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(dir.join("stdout")).expect("stdout"))
            .stderr(std::fs::File::create(dir.join("stderr")).expect("stderr"))
            .process_group(0)
            .spawn()
            .expect("spawn sipp");
        Sipp {
            child: Some(child),
            dir,
            deadline: Instant::now() + Duration::from_secs(LIMIT + 10),
        }
    }

    /// Waits (bounded) for sipp to finish; whether it went through the whole scenario.
    fn wait(&mut self) -> bool {
        let Some(mut child) = self.child.take() else {
            return false;
        };
        loop {
            match child.try_wait() {
                Ok(Some(status)) => return status.success(),
                Ok(None) if Instant::now() < self.deadline => {
                    std::thread::sleep(Duration::from_millis(50))
                }
                _ => {
                    kill_group(&mut child);
                    return false;
                }
            }
        }
    }

    /// Errors, stderr and the message trace, for assertion messages.
    fn report(&self) -> String {
        let ending = |suffix: &str| {
            let mut text = String::new();
            for e in std::fs::read_dir(&self.dir).into_iter().flatten().flatten() {
                if e.file_name().to_string_lossy().ends_with(suffix) {
                    text.push_str(&std::fs::read_to_string(e.path()).unwrap_or_default());
                }
            }
            text
        };
        format!(
            "sipp in {}\n--- stderr:\n{}\n--- errors:\n{}\n--- messages:\n{}",
            self.dir.display(),
            std::fs::read_to_string(self.dir.join("stderr")).unwrap_or_default(),
            ending("_errors.log"),
            ending("_messages.log")
        )
    }
}

impl Drop for Sipp {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            kill_group(&mut child);
        }
    }
}

/// Kills `timeout` and the sipp under it (their own process group) and reaps it.
fn kill_group(child: &mut Child) {
    if let Ok(None) = child.try_wait() {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", child.id())])
            .stderr(Stdio::null())
            .status();
        let _ = child.kill();
    }
    let _ = child.wait();
}

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
    let mut register = Sipp::start(
        work.path(),
        "register.xml",
        &[("@EXPECT@", "200"), ("@CHECK@", "")],
        "1001;t1.example;p1001t1;[authentication username=1001 password=p1001t1]",
        &[
            ("contact_port", callee_port.to_string()),
            ("expires", "300".into()),
        ],
        port(),
        Some(server.addr()),
    );
    assert!(register.wait(), "REGISTER 1001: {}", register.report());
    let mut callee = Sipp::start(
        work.path(),
        "call_uas.xml",
        &[("@PCAP@", "")],
        "",
        &[],
        callee_port,
        None,
    );
    let mut caller = Sipp::start(
        work.path(),
        "call_uac.xml",
        &[("@PCAP@", ""), ("@HOLD_MS@", HOLD_MS)],
        "1000;t1.example;p1000t1;[authentication username=1000 password=p1000t1];1001",
        &[],
        port(),
        Some(server.addr()),
    );

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

    assert!(caller.wait(), "caller: {}", caller.report());
    assert!(callee.wait(), "callee: {}", callee.report());
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
