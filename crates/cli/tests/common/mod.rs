//! Test harness: runs the real `vpbx` binary on a temporary data directory and drives it
//! with real SIP peers (sipp) on loopback. Every wait is bounded.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU16, AtomicU32, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Path of the binary under test.
pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_vpbx")
}

/// The repository root (for tests/sipp scenarios).
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

static NEXT_PORT: AtomicU16 = AtomicU16::new(0);

/// A port free on 127.0.0.1 for both UDP and TCP, distinct within this test process.
pub fn free_port() -> u16 {
    let _ = NEXT_PORT.compare_exchange(
        0,
        20_000 + (std::process::id() % 2_000) as u16 * 10,
        Ordering::SeqCst,
        Ordering::SeqCst,
    );
    loop {
        let p = NEXT_PORT.fetch_add(1, Ordering::SeqCst);
        let udp = UdpSocket::bind(("127.0.0.1", p)).is_ok();
        let tcp = TcpListener::bind(("127.0.0.1", p)).is_ok();
        if udp && tcp {
            return p;
        }
    }
}

/// Runs `vpbx --data DIR args...` to completion.
pub fn vpbx(data: &Path, args: &[&str]) -> Output {
    Command::new(bin())
        .arg("--data")
        .arg(data)
        .args(args)
        .output()
        .expect("run vpbx")
}

/// Runs a management command that must succeed; returns its stdout.
pub fn vpbx_ok(data: &Path, args: &[&str]) -> String {
    let out = vpbx(data, args);
    assert!(
        out.status.success(),
        "vpbx {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs a management command that must be refused with a one-line reason; returns that
/// line (stderr without its trailing newline).
pub fn fails_with_one_line(data: &Path, args: &[&str]) -> String {
    let out = vpbx(data, args);
    let err = String::from_utf8_lossy(&out.stderr).trim_end().to_owned();
    assert!(
        !out.status.success() && err.lines().count() == 1,
        "vpbx {args:?} should fail with one line: {err}"
    );
    err
}

/// Flags every test server gets unless the test sets them: short registrations allowed,
/// and no web API (its default port is shared by every server of a parallel test run).
fn default_flags(extra: &[&str]) -> Vec<&'static str> {
    let mut flags = Vec::new();
    if !extra.contains(&"--min-expires") {
        flags.extend(["--min-expires", "1"]);
    }
    if !extra.contains(&"--http") {
        flags.extend(["--http", "off"]);
    }
    flags
}

/// A running `vpbx serve`, killed on drop.
pub struct Server {
    pub child: Child,
    pub data: PathBuf,
    pub port: u16,
    pub log: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    _dir: Option<tempfile::TempDir>,
}

impl Server {
    /// Starts a server on a fresh data directory.
    pub fn start(extra: &[&str]) -> Server {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().to_path_buf();
        let mut s = Server::start_on(&data, free_port(), extra);
        s._dir = Some(dir);
        s
    }

    /// Starts a server on `data` and `port`, waiting until it answers OPTIONS.
    pub fn start_on(data: &Path, port: u16, extra: &[&str]) -> Server {
        Server::start_on_logging(data, port, extra, "info")
    }

    /// Like [`Server::start_on`] with `RUST_LOG` set to `rust_log` (e.g. "debug"), for
    /// tests that inspect what the server logs at a finer level.
    pub fn start_on_logging(data: &Path, port: u16, extra: &[&str], rust_log: &str) -> Server {
        let sip = format!("127.0.0.1:{port}");
        let mut child = Command::new(bin())
            .arg("--data")
            .arg(data)
            .args(["serve", "--sip", &sip])
            .args(default_flags(extra))
            .args(extra)
            .env("RUST_LOG", rust_log)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn vpbx serve");
        let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let pipes: [Option<Box<dyn std::io::Read + Send>>; 2] = [
            child.stdout.take().map(|p| Box::new(p) as _),
            child.stderr.take().map(|p| Box::new(p) as _),
        ];
        for pipe in pipes.into_iter().flatten() {
            let log = log.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                    log.lock().unwrap().push(line);
                }
            });
        }
        let server = Server {
            child,
            data: data.to_path_buf(),
            port,
            log,
            _dir: None,
        };
        server.wait_ready();
        server
    }

    /// Starts a server on `data` and a SIP port of its own with the REST API and web
    /// cabinet on a free loopback port (`--http`), waiting until both answer; returns the
    /// server and the HTTP address.
    pub fn start_with_http(data: &Path, extra: &[&str]) -> (Server, SocketAddr) {
        let http = SocketAddr::from(([127, 0, 0, 1], free_port()));
        let flag = http.to_string();
        let mut args = vec!["--http", flag.as_str()];
        args.extend_from_slice(extra);
        let server = Server::start_on(data, port(), &args);
        eventually(&format!("HTTP on {http}"), || {
            std::net::TcpStream::connect_timeout(&http, Duration::from_millis(200)).is_ok()
        });
        (server, http)
    }

    /// SIP address of the server.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if options_ping(self.addr()).is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!(
            "server did not answer OPTIONS: {:?}",
            self.log.lock().unwrap()
        );
    }

    /// Stops the server with SIGTERM and waits for it to exit.
    pub fn stop(mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("server did not stop on SIGTERM");
    }

    /// Whether the server process is still running.
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Lines the server has logged so far.
    pub fn log_text(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends OPTIONS over UDP and returns the status line of the answer, if any came.
pub fn options_ping(addr: SocketAddr) -> Option<String> {
    let s = UdpSocket::bind("127.0.0.1:0").ok()?;
    s.set_read_timeout(Some(Duration::from_millis(500))).ok()?;
    let local = s.local_addr().ok()?;
    let msg = format!(
        "OPTIONS sip:{addr} SIP/2.0\r\nVia: SIP/2.0/UDP {local};branch=z9hG4bK-{n}\r\n\
         Max-Forwards: 70\r\nFrom: <sip:probe@{local}>;tag=p{n}\r\nTo: <sip:{addr}>\r\n\
         Call-ID: ping-{n}@test\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n",
        n = rand_u32()
    );
    s.send_to(msg.as_bytes(), addr).ok()?;
    let mut buf = [0u8; 4096];
    let (n, _) = s.recv_from(&mut buf).ok()?;
    let text = String::from_utf8_lossy(&buf[..n]).into_owned();
    text.lines().next().map(str::to_owned)
}

/// A pseudo-random number for branches and tags.
pub fn rand_u32() -> u32 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(Instant::now().elapsed().as_nanos());
    h.finish() as u32
}

/// Whether sipp is installed; tests need it (scripts/test.sh installs it).
pub fn require_sipp() {
    assert!(
        Command::new("sipp").arg("-v").output().is_ok(),
        "sipp is missing: run scripts/test.sh (it installs sip-tester) or apt-get install sip-tester"
    );
}

/// One sipp run against `server`, one call per CSV row.
pub struct Sipp<'a> {
    pub scenario: &'a str,
    pub expect: u16,
    pub check: String,
    pub rows: Vec<String>,
    pub keys: Vec<(&'a str, String)>,
    pub transport: &'a str,
    pub local_ip: &'a str,
    pub method: String,
    /// What replaces `@BODY@` (the SDP offer of call_uac_fail.xml).
    pub body: String,
}

impl<'a> Sipp<'a> {
    /// A run of `scenario` (a file in tests/sipp) expecting final status `expect`.
    pub fn new(scenario: &'a str, expect: u16) -> Self {
        Sipp {
            scenario,
            expect,
            check: String::new(),
            rows: Vec::new(),
            keys: vec![("expires", "60".into())],
            transport: "u1",
            local_ip: "127.0.0.1",
            method: "REGISTER".into(),
            body: String::new(),
        }
    }

    /// Adds a caller's CSV row for call_uac*.xml:
    /// user;domain;password;[authentication];callee.
    pub fn call(mut self, user: &str, domain: &str, password: &str, callee: &str) -> Self {
        self.rows.push(format!(
            "{user};{domain};{password};[authentication username={user} password={password}];{callee}"
        ));
        self
    }

    /// Sets the SDP offer that replaces `@BODY@`.
    pub fn body(mut self, sdp: &str) -> Self {
        self.body = sdp.to_owned();
        self
    }

    /// Adds a CSV row user;domain;password with its sipp auth keyword.
    pub fn user(mut self, user: &str, domain: &str, password: &str) -> Self {
        self.rows.push(format!(
            "{user};{domain};{password};[authentication username={user} password={password}]"
        ));
        self
    }

    /// Sets a `-key`.
    pub fn key(mut self, k: &'a str, v: impl Into<String>) -> Self {
        self.keys.retain(|(n, _)| *n != k);
        self.keys.push((k, v.into()));
        self
    }

    /// Requires the final response's `header` to match `regexp` (sipp ereg).
    pub fn check_header(mut self, header: &str, regexp: &str) -> Self {
        self.check = format!(
            r#"<action><ereg regexp="{regexp}" search_in="hdr" header="{header}:" check_it="true" assign_to="checked"/><log message="checked [$checked]"/></action>"#
        );
        self
    }

    /// Runs sipp to completion (bounded) and returns (success, combined output).
    pub fn run(self, server: SocketAddr) -> (bool, String) {
        require_sipp();
        let dir = tempfile::tempdir().expect("tempdir");
        let template = std::fs::read_to_string(repo().join("tests/sipp").join(self.scenario))
            .expect("scenario file");
        let xml = template
            .replace("@EXPECT@", &self.expect.to_string())
            .replace("@CHECK@", &self.check)
            .replace("@METHOD@", &self.method)
            .replace("@BODY@", &self.body);
        let sf = dir.path().join("scenario.xml");
        std::fs::write(&sf, xml).unwrap();
        let inf = dir.path().join("users.csv");
        std::fs::write(&inf, format!("SEQUENTIAL\n{}\n", self.rows.join("\n"))).unwrap();
        let port = free_port();
        let mut cmd = Command::new("timeout");
        cmd.current_dir(dir.path())
            .args(["-k", "5", "60", "sipp"])
            .arg(server.to_string())
            .arg("-sf")
            .arg(&sf)
            .arg("-inf")
            .arg(&inf)
            .args(["-m", &self.rows.len().max(1).to_string()])
            .args([
                "-i",
                self.local_ip,
                "-p",
                &port.to_string(),
                "-t",
                self.transport,
            ])
            .args([
                "-nostdin",
                "-timeout",
                "30s",
                "-recv_timeout",
                "5000",
                "-trace_err",
            ])
            .args(["-key", "contact_port", &port.to_string()]);
        for (k, v) in &self.keys {
            cmd.args(["-key", k, v]);
        }
        let out = cmd.output().expect("run sipp");
        let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
        text.push_str(&String::from_utf8_lossy(&out.stderr));
        if let Ok(entries) = std::fs::read_dir(dir.path()) {
            for e in entries.flatten() {
                if e.file_name().to_string_lossy().ends_with("errors.log") {
                    text.push_str(&std::fs::read_to_string(e.path()).unwrap_or_default());
                }
            }
        }
        (out.status.success(), text)
    }
}

static NEXT_BLOCK: AtomicU16 = AtomicU16::new(0);

/// The first port of `len` consecutive ports (`len` even, first port even) free for UDP and
/// TCP on every address, for media port ranges and peers that bind several ports. They
/// come from 61000-65499, above Linux's ephemeral ports and away from `free_port`'s
/// window, so a busy machine's random sockets and load tests' relays rarely sit there;
/// distinct within this test process.
pub fn free_port_block(len: u16) -> u16 {
    assert!(
        len >= 2 && len.is_multiple_of(2) && len <= 64,
        "block of {len} ports"
    );
    const LO: u16 = 61_000;
    const SPAN: u16 = 4_500;
    let _ = NEXT_BLOCK.compare_exchange(
        0,
        LO + (std::process::id() % 70) as u16 * 64,
        Ordering::SeqCst,
        Ordering::SeqCst,
    );
    for _ in 0..SPAN / 2 {
        let mut start = NEXT_BLOCK.fetch_add(2, Ordering::SeqCst);
        if start < LO || start + len > LO + SPAN {
            start = LO;
            NEXT_BLOCK.store(LO + 2, Ordering::SeqCst);
        }
        if (start..start + len).all(|p| {
            UdpSocket::bind(("0.0.0.0", p)).is_ok() && TcpListener::bind(("0.0.0.0", p)).is_ok()
        }) {
            NEXT_BLOCK.store(start + len, Ordering::SeqCst);
            return start;
        }
    }
    panic!("no {len} consecutive free ports in {LO}-{}", LO + SPAN - 1);
}

/// Waits (bounded) until `f` holds.
pub fn eventually(what: &str, mut f: impl FnMut() -> bool) {
    for _ in 0..40 {
        if f() {
            return;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    panic!("timed out waiting for: {what}");
}

/// First port of the band the sipp call and trunk tests take their ports from: below vpbx's default RTP
/// range (10000-20000), `free_port`'s window (20000 and up), Linux's ephemeral ports
/// (32768-60999), `free_port_block`'s 61000-65499 and sipp's defaults (5060, 6000, 8888).
const BAND_LO: u16 = 2_112;
/// Ports in a block claimed by one test process.
const BLOCK: u16 = 64;
/// Blocks in the band (2112-4927).
const BLOCKS: u16 = 44;

/// The blocks this process holds (their lock files stay open, hence locked, until the
/// process exits) and the next port to hand out in the newest one.
struct Ports {
    _locks: Vec<std::fs::File>,
    next: u16,
    end: u16,
}

static PORTS: Mutex<Ports> = Mutex::new(Ports {
    _locks: Vec::new(),
    next: 0,
    end: 0,
});

/// Claims a block of the band for this process: an exclusive lock on its file in the
/// temp dir, so that test processes running at the same time (this file's, other
/// engineers') never hand out the same ports, which `free_port`'s per-pid window cannot
/// promise. Returns the lock and the block's first port.
fn claim_block() -> (std::fs::File, u16) {
    let dir = std::env::temp_dir().join("vpbx-test-ports");
    std::fs::create_dir_all(&dir).expect("port lock dir");
    let first = (std::process::id() % u32::from(BLOCKS)) as u16;
    for i in 0..BLOCKS {
        let b = (first + i) % BLOCKS;
        let Ok(file) = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join(format!("block-{b}.lock")))
        else {
            continue;
        };
        if file.try_lock().is_ok() {
            return (file, BAND_LO + b * BLOCK);
        }
    }
    panic!("every port block in {BAND_LO}+ is held by other test processes");
}

/// `n` consecutive ports free on 127.0.0.1 for UDP and TCP, the first even when `even`,
/// none handed out before by any process using this scheme.
pub fn ports(n: u16, even: bool) -> u16 {
    assert!(n <= BLOCK);
    let mut p = PORTS.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        let mut start = p.next + u16::from(even && p.next % 2 == 1);
        if start == 0 || start + n > p.end {
            let (lock, lo) = claim_block();
            p._locks.push(lock);
            (p.next, p.end) = (lo, lo + BLOCK);
            start = lo;
        }
        p.next = start + n;
        let free = (start..start + n).all(|port| {
            UdpSocket::bind(("127.0.0.1", port)).is_ok()
                && TcpListener::bind(("127.0.0.1", port)).is_ok()
        });
        if free {
            return start;
        }
    }
}

/// A port of its own for a SIP listener (server or phone).
pub fn port() -> u16 {
    ports(1, false)
}

/// `n` consecutive ports of their own, the first even (media ports, RTP ranges).
pub fn port_block(n: u16) -> u16 {
    ports(n, true)
}

/// An even-aligned `--rtp-ports` range of its own for one server (8 RTP/RTCP pairs).
pub fn rtp_range() -> String {
    let lo = port_block(16);
    format!("{lo}-{}", lo + 15)
}

/// The number, prompt and menu of the IVR call tests in t1.example (the tests add the
/// users): a carrier trunk for the number, a spoken prompt `menu`, menu `main` made with
/// `vpbx ivr add ... main --prompt menu` plus `ivr_flags`, key 1 ringing 1001, and number
/// 74950000001 routed to the menu.
pub fn ivr_setup(ivr_flags: &[&str]) -> Vec<Vec<String>> {
    let mut add = vec!["ivr", "add", "t1.example", "main", "--prompt", "menu"];
    add.extend_from_slice(ivr_flags);
    [
        &[
            "trunk",
            "add",
            "t1.example",
            "carrier",
            "--host",
            "127.0.0.1",
            "--port",
            "5999",
        ][..],
        &[
            "prompt",
            "add",
            "t1.example",
            "menu",
            "--say",
            "Press one for sales",
        ],
        &add,
        &["ivr", "option", "t1.example", "main", "1", "ext:1001"],
        &[
            "number",
            "add",
            "t1.example",
            "74950000001",
            "--trunk",
            "carrier",
            "--to",
            "ivr:main",
        ],
    ]
    .iter()
    .map(|cmd| cmd.iter().map(|a| (*a).to_owned()).collect())
    .collect()
}

/// sipp's sample G.711 A-law RTP stream (about 7 s of audio).
pub const G711A_PCAP: &str = "/usr/share/sip-tester/g711a.pcap";

/// The `@PCAP@` action of call_uac.xml/call_uas.xml playing the sample A-law stream.
pub fn play_pcap() -> String {
    format!(r#"<nop><action><exec play_pcap_audio="{G711A_PCAP}"/></action></nop>"#)
}

/// A CSV row user;domain;password;[authentication] (register.xml, mwi_subscribe.xml).
pub fn user_row(user: &str, domain: &str, password: &str) -> String {
    format!("{user};{domain};{password};[authentication username={user} password={password}]")
}

/// A caller CSV row for call_uac*.xml: caller;domain;password;[authentication];callee.
pub fn caller_row(user: &str, domain: &str, password: &str, callee: &str) -> String {
    format!("{};{callee}", user_row(user, domain, password))
}

/// Registers `user@domain` with `server` with its Contact on `contact_port`, sipp working
/// under `work`; the registration must succeed.
pub fn register(
    work: &Path,
    server: &Server,
    user: &str,
    domain: &str,
    password: &str,
    contact_port: u16,
) {
    let out = Phone::new(work, "register.xml")
        .sub("@EXPECT@", "200")
        .sub("@CHECK@", "")
        .row(&user_row(user, domain, password))
        .key("contact_port", contact_port.to_string())
        .key("expires", "300")
        .uac(server.addr())
        .wait();
    assert!(
        out.ok,
        "REGISTER {user}@{domain} failed:\n{}\n{}",
        out.text,
        server.log_text()
    );
}

static PHONE_SEQ: AtomicU32 = AtomicU32::new(0);

/// One sipp process playing one phone or carrier for one scenario, in a directory of its
/// own; bounded by `timeout -k` and its own `-timeout`.
pub struct Phone {
    dir: PathBuf,
    scenario: String,
    subs: Vec<(String, String)>,
    row: Option<String>,
    keys: Vec<(String, String)>,
    /// `-m`, or none when 0.
    calls: u32,
    /// SIP port.
    port: u16,
    /// Media (RTP) port.
    media: u16,
    /// sipp's -timeout, seconds; the process is killed a little after.
    limit: u64,
    /// Whether to pass -recv_timeout.
    recv_timeout: bool,
}

impl Phone {
    /// A phone playing `scenario` (a file in tests/sipp) once, in a new directory under
    /// `work`, on SIP and media ports of its own, for at most 20 s.
    pub fn new(work: &Path, scenario: &str) -> Phone {
        let n = PHONE_SEQ.fetch_add(1, Ordering::SeqCst);
        let dir = work.join(format!("{n:02}-{}", scenario.trim_end_matches(".xml")));
        std::fs::create_dir_all(&dir).expect("phone dir");
        Phone {
            dir,
            scenario: scenario.to_owned(),
            subs: Vec::new(),
            row: None,
            keys: Vec::new(),
            calls: 1,
            port: port(),
            media: port_block(4),
            limit: 20,
            recv_timeout: true,
        }
    }

    /// Replaces `placeholder` in the scenario template.
    pub fn sub(mut self, placeholder: &str, value: impl Into<String>) -> Self {
        self.subs.push((placeholder.to_owned(), value.into()));
        self
    }

    /// The CSV row (`-inf`) of a caller.
    pub fn row(mut self, row: &str) -> Self {
        self.row = Some(row.to_owned());
        self
    }

    /// Adds a `-key`.
    pub fn key(mut self, k: &str, v: impl Into<String>) -> Self {
        self.keys.push((k.to_owned(), v.into()));
        self
    }

    /// Uses SIP port `port` (a registered Contact, a trunk's address).
    pub fn on_port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Runs at most `secs` seconds.
    pub fn limit(mut self, secs: u64) -> Self {
        self.limit = secs;
        self
    }

    /// A carrier (carrier_uas*.xml): no `-m`, as the scenario answers vpbx's OPTIONS
    /// probes as calls of their own and stops sipp after its one INVITE; no per-message
    /// timeout while it waits for that INVITE.
    pub fn carrier(mut self) -> Self {
        self.calls = 0;
        self.recv_timeout = false;
        self.limit = 30;
        self
    }

    /// Starts sipp as a caller (UAC) towards `server`.
    pub fn uac(self, server: SocketAddr) -> Running {
        self.spawn(Some(server))
    }

    /// Starts sipp as a callee (UAS) waiting on its port.
    pub fn uas(self) -> Running {
        self.spawn(None)
    }

    fn spawn(self, server: Option<SocketAddr>) -> Running {
        let template = std::fs::read_to_string(repo().join("tests/sipp").join(&self.scenario))
            .expect("scenario file");
        let xml = self
            .subs
            .iter()
            .fold(template, |t, (k, v)| t.replace(k.as_str(), v));
        for placeholder in ["@PCAP@", "@HOLD_MS@", "@BODY@", "@STATUS@", "@EXPECT@"] {
            assert!(
                !xml.contains(placeholder),
                "unfilled placeholder {placeholder} in {}",
                self.scenario
            );
        }
        let sf = self.dir.join(&self.scenario);
        std::fs::write(&sf, xml).unwrap();
        let mut cmd = Command::new("timeout");
        cmd.current_dir(&self.dir)
            .args(["-k", "2", &(self.limit + 5).to_string(), "sipp"]);
        if let Some(server) = server {
            cmd.arg(server.to_string());
        }
        cmd.arg("-sf").arg(&sf);
        if let Some(row) = &self.row {
            let inf = self.dir.join("users.csv");
            std::fs::write(&inf, format!("SEQUENTIAL\n{row}\n")).unwrap();
            cmd.arg("-inf").arg(&inf);
        }
        if self.calls > 0 {
            cmd.args(["-m", &self.calls.to_string()]);
        }
        cmd.args(["-i", "127.0.0.1"])
            .args(["-p", &self.port.to_string()])
            .args(["-mp", &self.media.to_string()])
            .args(["-nostdin", "-trace_err", "-trace_msg", "-trace_logs"])
            .args(["-timeout", &format!("{}s", self.limit)]);
        if self.recv_timeout {
            cmd.args(["-recv_timeout", "15000"]);
        }
        for (k, v) in &self.keys {
            cmd.args(["-key", k, v]);
        }
        cmd.stdin(Stdio::null())
            .stdout(std::fs::File::create(self.dir.join("stdout")).unwrap())
            .stderr(std::fs::File::create(self.dir.join("stderr")).unwrap())
            .process_group(0);
        let child = cmd.spawn().expect("spawn sipp");
        Running {
            child: Some(child),
            dir: self.dir,
            deadline: Instant::now() + Duration::from_secs(self.limit + 10),
            port: self.port,
        }
    }
}

/// The outcome of one sipp run.
pub struct Outcome {
    /// sipp exited 0: its calls went through the whole scenario.
    pub ok: bool,
    /// Exit status, errors, scenario logs and the message trace, for assertion messages.
    pub text: String,
    /// The message trace alone.
    pub messages: String,
    /// What the scenario logged (`<log>`).
    pub logs: String,
}

impl Outcome {
    /// The requests of `method` this peer received, each as its full text.
    pub fn received(&self, method: &str) -> Vec<String> {
        received(&self.messages, method)
    }
}

/// The requests of `method` in a sipp message trace that sipp received.
pub fn received(messages: &str, method: &str) -> Vec<String> {
    messages
        .split("----------------------------------------------- ")
        .filter(|chunk| chunk.contains("message received"))
        .filter_map(|chunk| {
            let body = chunk.split_once(":\n\n")?.1;
            body.starts_with(&format!("{method} sip:"))
                .then(|| body.to_owned())
        })
        .collect()
}

/// A sipp process; killed with its process group when dropped unfinished.
pub struct Running {
    child: Option<Child>,
    dir: PathBuf,
    deadline: Instant,
    port: u16,
}

impl Running {
    /// Waits (bounded) for sipp to finish.
    pub fn wait(mut self) -> Outcome {
        let mut child = self.child.take().expect("child");
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None) if Instant::now() < self.deadline => {
                    std::thread::sleep(Duration::from_millis(50))
                }
                _ => {
                    kill_group(&mut child);
                    break None;
                }
            }
        };
        self.outcome(status)
    }

    /// Stops sipp now (a peer that must not have been called) and returns what it saw.
    pub fn stop(mut self) -> Outcome {
        let mut child = self.child.take().expect("child");
        kill_group(&mut child);
        let mut out = self.outcome(None);
        out.ok = false;
        out
    }

    /// Whether the message trace shows `needle` yet (e.g. the callee got its ACK).
    pub fn saw(&self, needle: &str) -> bool {
        self.file_ending("_messages.log").contains(needle)
    }

    /// Whether the message trace shows a received `method` request yet.
    pub fn got(&self, method: &str) -> bool {
        !received(&self.file_ending("_messages.log"), method).is_empty()
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

    fn outcome(&self, status: Option<std::process::ExitStatus>) -> Outcome {
        let messages = self.file_ending("_messages.log");
        let logs = self.file_ending("_logs.log");
        let stderr = std::fs::read_to_string(self.dir.join("stderr")).unwrap_or_default();
        let text = format!(
            "sipp on port {} ({}): exit {status:?}\n--- stderr:\n{stderr}\n--- errors:\n{}\n--- logs:\n{logs}\n--- messages:\n{messages}",
            self.port,
            self.dir.display(),
            self.file_ending("_errors.log"),
        );
        Outcome {
            ok: status.is_some_and(|s| s.success()),
            text,
            messages,
            logs,
        }
    }
}

impl Drop for Running {
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
