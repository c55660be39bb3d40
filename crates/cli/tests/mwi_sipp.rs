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

use common::{port, port_block, repo, require_sipp, rtp_range, vpbx_ok, Server};
use serde_json::Value;
use std::net::SocketAddr;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// sipp's sample G.711 A-law RTP stream (about 7 s of audio).
const G711A_PCAP: &str = "/usr/share/sip-tester/g711a.pcap";

/// A sipp process running one scenario once, in a directory of its own.
struct Sipp {
    child: Option<Child>,
    dir: PathBuf,
    deadline: Instant,
}

impl Sipp {
    /// Starts `scenario` (tests/sipp) against `server` with `row` as its CSV line and the
    /// placeholders in `subs` filled; sipp gives up after `limit` seconds.
    fn start(
        work: &Path,
        name: &str,
        scenario: &str,
        subs: &[(&str, String)],
        row: &str,
        server: SocketAddr,
        limit: u64,
    ) -> Sipp {
        require_sipp();
        let dir = work.join(name);
        std::fs::create_dir_all(&dir).expect("sipp dir");
        let template = std::fs::read_to_string(repo().join("tests/sipp").join(scenario))
            .expect("scenario file");
        let xml = subs.iter().fold(template, |t, (k, v)| t.replace(k, v));
        let sf = dir.join(scenario);
        std::fs::write(&sf, xml).expect("scenario");
        let inf = dir.join("users.csv");
        std::fs::write(&inf, format!("SEQUENTIAL\n{row}\n")).expect("csv");
        let child = Command::new("timeout")
            .current_dir(&dir)
            .args(["-k", "2", &(limit + 5).to_string(), "sipp"])
            .arg(server.to_string())
            .arg("-sf")
            .arg(&sf)
            .arg("-inf")
            .arg(&inf)
            .args(["-m", "1", "-i", "127.0.0.1"])
            .args(["-p", &port().to_string()])
            .args(["-mp", &port_block(4).to_string()])
            .args(["-nostdin", "-trace_err", "-trace_msg"])
            .args(["-timeout", &format!("{limit}s")])
            .args(["-recv_timeout", "15000"])
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(dir.join("stdout")).expect("stdout"))
            .stderr(std::fs::File::create(dir.join("stderr")).expect("stderr"))
            .process_group(0)
            .spawn()
            .expect("spawn sipp");
        Sipp {
            child: Some(child),
            dir,
            deadline: Instant::now() + Duration::from_secs(limit + 10),
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

    /// The message trace so far.
    fn messages(&self) -> String {
        self.file_ending("_messages.log")
    }

    fn file_ending(&self, suffix: &str) -> String {
        let mut text = String::new();
        if let Ok(entries) = std::fs::read_dir(&self.dir) {
            for e in entries.flatten() {
                if e.file_name().to_string_lossy().ends_with(suffix) {
                    text.push_str(&std::fs::read_to_string(e.path()).unwrap_or_default());
                }
            }
        }
        text
    }

    /// Errors, stderr and the message trace, for assertion messages.
    fn report(&self) -> String {
        format!(
            "sipp in {}\n--- stderr:\n{}\n--- errors:\n{}\n--- messages:\n{}",
            self.dir.display(),
            std::fs::read_to_string(self.dir.join("stderr")).unwrap_or_default(),
            self.file_ending("_errors.log"),
            self.messages()
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

/// Waits until `f` holds, at most 30 s (a slow machine may take a while to finish and
/// store a message); panics naming `what` otherwise.
fn wait_for(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn auth_row(user: &str, domain: &str, password: &str) -> String {
    format!("{user};{domain};{password};[authentication username={user} password={password}]")
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

    let mut subscriber = Sipp::start(
        work.path(),
        "subscriber",
        "mwi_subscribe.xml",
        &[],
        &auth_row("1001", "t1.example", "p1001t1"),
        server.addr(),
        120,
    );
    wait_for("the subscriber answered the first NOTIFY", || {
        subscriber.messages().contains("Messages-Waiting: no")
    });

    // 1001 has no phone registered: the call goes to its voicemail box.
    let mut caller = Sipp::start(
        work.path(),
        "caller",
        "call_uac.xml",
        &[
            (
                "@PCAP@",
                format!(r#"<nop><action><exec play_pcap_audio="{G711A_PCAP}"/></action></nop>"#),
            ),
            ("@HOLD_MS@", "5000".into()),
        ],
        &format!("{};1001", auth_row("1000", "t1.example", "p1000t1")),
        server.addr(),
        40,
    );
    assert!(
        caller.wait(),
        "caller leaving a message failed:\n{}\n--- server:\n{}",
        caller.report(),
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
        subscriber.messages().contains("Voice-Message: 1/0")
    });

    let id = rows[0]["id"].as_i64().expect("message id").to_string();
    vpbx_ok(
        data.path(),
        &["voicemail", "remove", "t1.example", "1001", &id],
    );
    assert!(
        subscriber.wait(),
        "subscriber failed:\n{}\n--- server:\n{}",
        subscriber.report(),
        log()
    );
    let messages = subscriber.messages();
    assert!(
        messages.contains("Messages-Waiting: yes") && messages.contains("terminated"),
        "{messages}"
    );
}
