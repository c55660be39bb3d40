//! A real softphone-to-softphone call through vpbx: two baresip instances register as
//! 1000 and 1001 of t1.example, 1000 calls 1001, the callee answers automatically, both
//! send a sine tone from a WAV file (1000 Hz from the caller, 1500 Hz from the callee),
//! and each records what it receives and decodes. The test proves that audio really
//! crossed vpbx's RTP relay in both directions: each phone receives RTP from a relay port
//! of vpbx (not from the other phone), the callee hears 1000 Hz and the caller hears
//! 1500 Hz (Goertzel over the recordings), and the CDR reports the call ANSWERED in PCMA
//! with packets relayed on both legs. The tenant records its calls, so vpbx's own stereo
//! recording must hold the caller's 1000 Hz on the left channel and the callee's 1500 Hz on
//! the right, linked from the CDR.
//!
//! Needs baresip (1.0.0 as packaged by Debian) and sox; scripts/test.sh installs them.

mod common;

use common::{free_port_block, ivr_setup, repo, vpbx_ok, Server};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Sample rate of G.711 and of every WAV file here.
const RATE: f64 = 8000.0;
/// Tone the caller (1000) sends.
const CALLER_HZ: f64 = 1000.0;
/// Tone the callee (1001) sends.
const CALLEE_HZ: f64 = 1500.0;
/// How long the call carries audio before the caller hangs up.
const TALK: Duration = Duration::from_secs(5);

/// Fails with a hint when a tool the test drives is missing.
fn require(tool: &str, probe: &[&str], package: &str) {
    assert!(
        Command::new(tool)
            .args(probe)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok(),
        "{tool} is missing: run scripts/test.sh (it installs {package}) or apt-get install {package}"
    );
}

/// Waits (bounded) until `f` holds.
fn wait_until(timeout: Duration, mut f: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if f() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A running baresip with its own config directory, commands on stdin, and its output
/// collected; killed on drop.
struct Baresip {
    name: &'static str,
    dir: PathBuf,
    child: Child,
    stdin: Option<ChildStdin>,
    out: Arc<Mutex<String>>,
}

impl Baresip {
    /// Writes DIR/config and DIR/accounts from tests/baresip and starts `baresip -f DIR`.
    fn start(
        name: &'static str,
        root: &Path,
        user: &str,
        password: &str,
        vpbx_port: u16,
        source: &Path,
        rtp_ports: &str,
    ) -> Baresip {
        let dir = root.join(name);
        let rec = dir.join("rec");
        std::fs::create_dir_all(&rec).expect("baresip dir");
        let template = |file: &str| {
            std::fs::read_to_string(repo().join("tests/baresip").join(file))
                .unwrap_or_else(|e| panic!("tests/baresip/{file}: {e}"))
        };
        // UDP and TCP on the port, TLS on the port + 1.
        let sip_port = free_port_block(2);
        let config = template("config.template")
            .replace("@SIP_PORT@", &sip_port.to_string())
            .replace("@SOURCE_WAV@", &source.display().to_string())
            .replace("@RTP_PORTS@", rtp_ports)
            .replace("@SND_PATH@", &rec.display().to_string());
        std::fs::write(dir.join("config"), config).unwrap();
        let accounts = template("accounts.template")
            .replace("@USER@", user)
            .replace("@PASSWORD@", password)
            .replace("@VPBX_PORT@", &vpbx_port.to_string());
        std::fs::write(dir.join("accounts"), accounts).unwrap();

        let mut child = Command::new("baresip")
            .arg("-f")
            .arg(&dir)
            // Backstop: quits by itself even if this test process dies without Drop.
            .args(["-t", "60"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn baresip (run scripts/test.sh to install it)");
        let out = Arc::new(Mutex::new(String::new()));
        for pipe in [
            child
                .stdout
                .take()
                .map(|p| Box::new(p) as Box<dyn Read + Send>),
            child
                .stderr
                .take()
                .map(|p| Box::new(p) as Box<dyn Read + Send>),
        ]
        .into_iter()
        .flatten()
        {
            let out = out.clone();
            std::thread::spawn(move || {
                let mut pipe = pipe;
                let mut buf = [0u8; 4096];
                while let Ok(n) = pipe.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    out.lock()
                        .unwrap()
                        .push_str(&String::from_utf8_lossy(&buf[..n]));
                }
            });
        }
        let stdin = child.stdin.take();
        Baresip {
            name,
            dir,
            child,
            stdin,
            out,
        }
    }

    /// Everything baresip printed so far.
    fn text(&self) -> String {
        self.out.lock().unwrap().clone()
    }

    /// What baresip printed, without the call status line it redraws ten times a second
    /// ("[0:00:03] audio=64000/64000 (bit/s)").
    fn log(&self) -> String {
        let mut text = self.text();
        while let Some(start) = text.find("[0:") {
            match text[start..].find("(bit/s)") {
                Some(len) => {
                    let end = start + len + "(bit/s)".len();
                    let end = end + text[end..].len() - text[end..].trim_start_matches(' ').len();
                    text.replace_range(start..end, "");
                }
                None => break,
            }
        }
        text
    }

    /// Waits (bounded) until baresip printed `needle`.
    fn wait_for(&self, needle: &str, timeout: Duration) -> bool {
        wait_until(timeout, || self.out.lock().unwrap().contains(needle))
    }

    /// Types a long command (`/dial ...`) on baresip's stdin.
    fn command(&mut self, cmd: &str) {
        if let Some(stdin) = self.stdin.as_mut() {
            let _ = stdin.write_all(format!("/{cmd}\n").as_bytes());
            let _ = stdin.flush();
        }
    }

    /// Asks baresip to quit and waits (bounded) for it, killing it if it lingers.
    fn quit(&mut self) {
        self.command("quit");
        let exited = wait_until(Duration::from_secs(3), || {
            matches!(self.child.try_wait(), Ok(Some(_)))
        });
        if !exited {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    /// The WAV file of the audio this phone received and decoded (sndfile's `-dec.wav`).
    fn received_wav(&self) -> Option<PathBuf> {
        std::fs::read_dir(self.dir.join("rec"))
            .ok()?
            .flatten()
            .map(|e| e.path())
            .find(|p| p.to_string_lossy().ends_with("-dec.wav"))
    }

    /// Remote RTP ports this phone said it receives from ("receiving from 127.0.0.1:P").
    fn rtp_sources(&self) -> Vec<u16> {
        let text = self.text();
        text.split("receiving from ")
            .skip(1)
            .filter_map(|rest| {
                let addr: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ':')
                    .collect();
                addr.rsplit(':').next()?.parse().ok()
            })
            .collect()
    }
}

impl Drop for Baresip {
    fn drop(&mut self) {
        self.stdin.take();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The samples of a mono 16-bit PCM 8 kHz WAV file.
fn read_wav(path: &Path) -> Vec<i16> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WAVE",
        "{}: not a WAV file",
        path.display()
    );
    let u16_at = |i: usize| u16::from_le_bytes([bytes[i], bytes[i + 1]]);
    let u32_at =
        |i: usize| u32::from_le_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
    let mut pos = 12;
    let mut format = None;
    while pos + 8 <= bytes.len() {
        let id = &bytes[pos..pos + 4];
        let size = u32_at(pos + 4) as usize;
        let body = pos + 8;
        if id == b"fmt " && body + 16 <= bytes.len() {
            format = Some((
                u16_at(body),
                u16_at(body + 2),
                u32_at(body + 4),
                u16_at(body + 14),
            ));
        } else if id == b"data" {
            let (tag, channels, rate, bits) =
                format.unwrap_or_else(|| panic!("{}: data before fmt", path.display()));
            assert_eq!(
                (tag, channels, rate, bits),
                (1, 1, RATE as u32, 16),
                "{}: want PCM mono 8 kHz 16 bit",
                path.display()
            );
            // A file still being written may carry a size of 0 or too large: take what is there.
            let end = if size == 0 || body + size > bytes.len() {
                bytes.len()
            } else {
                body + size
            };
            return bytes[body..end]
                .chunks_exact(2)
                .map(|b| i16::from_le_bytes([b[0], b[1]]))
                .collect();
        }
        pos = body + size + (size & 1);
    }
    panic!("{}: no data chunk", path.display());
}

/// Power of `freq` in `block` (Goertzel).
fn goertzel(block: &[i16], freq: f64) -> f64 {
    let k = 2.0 * (2.0 * std::f64::consts::PI * freq / RATE).cos();
    let (mut s1, mut s2) = (0.0, 0.0);
    for &x in block {
        let s0 = f64::from(x) + k * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    s1 * s1 + s2 * s2 - k * s1 * s2
}

/// What a recording holds, in 20 ms blocks (160 samples: 1000 and 1500 Hz are exact bins).
#[derive(Debug)]
struct ToneReport {
    /// 20 ms blocks recorded.
    blocks: usize,
    /// Loud blocks where `want` is at least 100 times (20 dB) stronger than `other`.
    tone_blocks: usize,
    /// Loud blocks where `other` is stronger than `want`.
    wrong_blocks: usize,
    /// Power at `want` over power at `other`, summed over the whole recording.
    ratio: f64,
}

fn analyse(samples: &[i16], want: f64, other: f64) -> ToneReport {
    let (mut tone_blocks, mut wrong_blocks, mut p_want, mut p_other) = (0, 0, 0.0, 0.0);
    let blocks = samples.chunks_exact(160);
    let n = blocks.len();
    for block in blocks {
        let rms = (block.iter().map(|&x| f64::from(x).powi(2)).sum::<f64>() / 160.0).sqrt();
        let (w, o) = (goertzel(block, want), goertzel(block, other));
        p_want += w;
        p_other += o;
        if rms < 500.0 {
            continue;
        }
        if w > 100.0 * o {
            tone_blocks += 1;
        } else if o > w {
            wrong_blocks += 1;
        }
    }
    ToneReport {
        blocks: n,
        tone_blocks,
        wrong_blocks,
        ratio: p_want / p_other.max(1.0),
    }
}

/// Generates `seconds` of a sine at `freq` as a 16-bit mono 8 kHz WAV with sox.
fn tone(path: &Path, freq: f64, seconds: u32) {
    let out = Command::new("sox")
        .args(["-n", "-r", "8000", "-c", "1", "-b", "16"])
        .arg(path)
        .args(["synth", &seconds.to_string(), "sine", &freq.to_string()])
        .args(["vol", "0.5"])
        .output()
        .expect("run sox (run scripts/test.sh to install it)");
    assert!(
        out.status.success(),
        "sox failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn baresip_call_carries_audio_both_ways_through_the_relay() {
    require("baresip", &["-h"], "baresip-core");
    require("sox", &["--version"], "sox");
    // One budget for every wait below, so the whole test stays well under 40 s.
    let deadline = Instant::now() + Duration::from_secs(34);
    let step = |secs: u64| {
        Duration::from_secs(secs).min(deadline.saturating_duration_since(Instant::now()))
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path();

    let caller_wav = root.join("tone1000.wav");
    let callee_wav = root.join("tone1500.wav");
    tone(&caller_wav, CALLER_HZ, 20);
    tone(&callee_wav, CALLEE_HZ, 20);

    let data = root.join("vpbx");
    vpbx_ok(&data, &["tenant", "create", "t1.example"]);
    vpbx_ok(
        &data,
        &["user", "add", "t1.example", "1000", "--password", "p1000t1"],
    );
    vpbx_ok(
        &data,
        &["user", "add", "t1.example", "1001", "--password", "p1001t1"],
    );
    vpbx_ok(
        &data,
        &["tenant", "options", "t1.example", "--record", "on"],
    );

    // vpbx relays on its own block of ports (4 RTP/RTCP pairs; the call takes 2) and each
    // phone gets a block of 2 pairs of its own (baresip draws its RTP port at random from
    // its range, even-aligned, and gives up after 64 busy draws), all checked free now, so
    // the port each phone receives RTP from tells whether it came through the relay.
    let lo = free_port_block(8);
    let hi = lo + 7;
    let relay = format!("{lo}-{hi}");
    let phone_ports = || {
        let p = free_port_block(4);
        format!("{p}-{}", p + 3)
    };
    // baresip 1.0.0 (libre 1.1.0) gives up on a 401/407 that carries any challenge
    // other than MD5 ("Register: Function not implemented"), so offer MD5 alone.
    let server = Server::start_on(
        &data,
        free_port_block(2),
        &["--rtp-ports", &relay, "--digest", "md5"],
    );

    let mut callee = Baresip::start(
        "callee",
        root,
        "1001",
        "p1001t1",
        server.port,
        &callee_wav,
        &phone_ports(),
    );
    let mut caller = Baresip::start(
        "caller",
        root,
        "1000",
        "p1000t1",
        server.port,
        &caller_wav,
        &phone_ports(),
    );
    let report = |what: &str, caller: &Baresip, callee: &Baresip| -> String {
        format!(
            "{what}\n--- caller baresip ({}):\n{}\n--- callee baresip ({}):\n{}\n--- vpbx:\n{}",
            caller.dir.display(),
            caller.log(),
            callee.dir.display(),
            callee.log(),
            server.log_text()
        )
    };

    for phone in [&callee, &caller] {
        assert!(
            phone.wait_for("registered successfully", step(10)),
            "{}",
            report(
                &format!("{} did not register", phone.name),
                &caller,
                &callee
            )
        );
    }

    caller.command("dial sip:1001@t1.example");
    for phone in [&caller, &callee] {
        assert!(
            phone.wait_for("Call established", step(10)),
            "{}",
            report(
                &format!("{}: call not established", phone.name),
                &caller,
                &callee
            )
        );
    }
    for phone in [&caller, &callee] {
        assert!(
            phone.wait_for("incoming rtp for 'audio' established", step(5)),
            "{}",
            report(&format!("{}: no RTP arrived", phone.name), &caller, &callee)
        );
    }
    std::thread::sleep(TALK);

    caller.command("hangup");
    for phone in [&caller, &callee] {
        assert!(
            phone.wait_for("terminated", step(10)),
            "{}",
            report(
                &format!("{}: call did not end", phone.name),
                &caller,
                &callee
            )
        );
    }
    // The call is over, so sndfile has closed its files; quitting is just tidy.
    caller.quit();
    callee.quit();

    // Both phones got their RTP from vpbx's relay ports, never from each other.
    for phone in [&caller, &callee] {
        let sources = phone.rtp_sources();
        assert!(
            !sources.is_empty() && sources.iter().all(|p| (lo..=hi).contains(p)),
            "{}",
            report(
                &format!(
                    "{}: RTP came from {sources:?}, not from the relay {relay}",
                    phone.name
                ),
                &caller,
                &callee
            )
        );
    }

    // Each phone heard the other's tone, and not its own.
    for (phone, want, other) in [
        (&callee, CALLER_HZ, CALLEE_HZ),
        (&caller, CALLEE_HZ, CALLER_HZ),
    ] {
        let wav = phone.received_wav().unwrap_or_else(|| {
            panic!(
                "{}",
                report(
                    &format!("{}: no -dec.wav recording", phone.name),
                    &caller,
                    &callee
                )
            )
        });
        let tones = analyse(&read_wav(&wav), want, other);
        eprintln!("{} heard {want} Hz: {tones:?}", phone.name);
        assert!(
            tones.tone_blocks >= 100
                && tones.tone_blocks * 10 >= tones.blocks * 8
                && tones.wrong_blocks <= 5
                && tones.ratio > 1000.0,
            "{}",
            report(
                &format!(
                    "{}: recording {} does not carry a clear {want} Hz tone \
                     (need >= 100 blocks of 20 ms, 80 % of them): {tones:?}",
                    phone.name,
                    wav.display()
                ),
                &caller,
                &callee
            )
        );
    }

    // The CDR: answered in PCMA on both legs, RTP relayed both ways on both legs.
    let mut cdrs = serde_json::Value::Null;
    let written = wait_until(step(10), || {
        cdrs = serde_json::from_str(&vpbx_ok(&data, &["cdr", "list", "t1.example", "--json"]))
            .expect("cdr list --json");
        cdrs.as_array().is_some_and(|a| !a.is_empty())
    });
    assert!(
        written,
        "{}",
        report("no CDR was written", &caller, &callee)
    );
    let cdr = &cdrs[0];
    assert_eq!(
        cdrs.as_array().unwrap().len(),
        1,
        "one call, one CDR: {cdrs:#}"
    );
    assert_eq!(cdr["disposition"], "ANSWERED", "{cdr:#}");
    assert_eq!(cdr["caller"], "1000", "{cdr:#}");
    assert_eq!(cdr["callee"], "1001", "{cdr:#}");
    assert_eq!(cdr["codec_a"], "PCMA", "{cdr:#}");
    assert_eq!(cdr["codec_b"], "PCMA", "{cdr:#}");
    assert_eq!(cdr["hangup_side"], "caller", "{cdr:#}");
    assert_eq!(cdr["hangup_cause"], "bye", "{cdr:#}");
    for leg in ["a", "b"] {
        for dir in ["packets_in", "packets_out"] {
            let n = cdr["quality"][leg][dir].as_u64().unwrap_or(0);
            assert!(
                n >= 100,
                "leg {leg} {dir} = {n}, want >= 100 (2 s): {cdr:#}"
            );
        }
    }

    // vpbx's own recording: stereo, the caller's tone left, the callee's right.
    let path = cdr["recording"]["path"]
        .as_str()
        .unwrap_or_else(|| panic!("the CDR links no recording: {cdr:#}"));
    assert!(path.starts_with("recordings/"), "{path}");
    let file = data.join(path);
    let mut reader = hound::WavReader::open(&file)
        .unwrap_or_else(|e| panic!("{}: {e}\n{}", file.display(), server.log_text()));
    let spec = reader.spec();
    assert_eq!(
        (spec.channels, spec.sample_rate, spec.bits_per_sample),
        (2, 8000, 16)
    );
    let samples: Vec<i16> = reader.samples::<i16>().map(Result::unwrap).collect();
    let (left, right): (Vec<i16>, Vec<i16>) = samples.chunks_exact(2).map(|f| (f[0], f[1])).unzip();
    for (channel, want, other, name) in [
        (&left, CALLER_HZ, CALLEE_HZ, "left (caller)"),
        (&right, CALLEE_HZ, CALLER_HZ, "right (callee)"),
    ] {
        let tones = analyse(channel, want, other);
        eprintln!("recording {name}: {tones:?}");
        assert!(
            tones.tone_blocks >= 100 && tones.wrong_blocks <= 5 && tones.ratio > 1000.0,
            "recording {name} does not carry a clear {want} Hz tone: {tones:?}"
        );
    }
}

/// Writes what a caller in an IVR "says": `silence` seconds, the in-band DTMF tone of
/// `digit` (ITU-T Q.23, 100 ms), then a sine at `hz` for `talk` seconds (8 kHz mono WAV).
fn dtmf_then_tone(path: &Path, silence: u32, digit: char, hz: f64, talk: u32) {
    let mut samples = vec![0i16; (silence * 8000) as usize];
    let dtmf = vpbx_codec::DtmfGenerator::new(&digit.to_string(), Default::default())
        .expect("a DTMF digit");
    samples.extend(dtmf);
    samples.extend((0..talk * 8000).map(|i| {
        let t = f64::from(i) / RATE;
        (8000.0 * (2.0 * std::f64::consts::PI * hz * t).sin()) as i16
    }));
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 8000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut wav = hound::WavWriter::create(path, spec).expect("create WAV");
    for s in samples {
        wav.write_sample(s).expect("write WAV");
    }
    wav.finalize().expect("finish WAV");
}

/// Issue 5: a softphone drives an IVR with in-band DTMF. baresip (PCMA, no
/// telephone-event) calls a number routed to a menu; vpbx answers and plays the menu; the
/// caller's audio carries the key 1 as a DTMF tone after 3 s of silence, which vpbx's
/// Goertzel detector hears; the IVR rings 1001 (a second baresip, answering by itself),
/// and once bridged 1001 hears the caller's 1000 Hz tone through the relay.
#[test]
fn baresip_in_band_dtmf_drives_the_ivr_to_an_extension() {
    require("baresip", &["-h"], "baresip-core");
    let deadline = Instant::now() + Duration::from_secs(40);
    let step = |secs: u64| {
        Duration::from_secs(secs).min(deadline.saturating_duration_since(Instant::now()))
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path();
    let caller_wav = root.join("dtmf1-then-1000.wav");
    dtmf_then_tone(&caller_wav, 3, '1', CALLER_HZ, 25);
    let callee_wav = root.join("tone1500.wav");
    dtmf_then_tone(&callee_wav, 0, '#', CALLEE_HZ, 25);

    let data = root.join("vpbx");
    for cmd in [
        &["tenant", "create", "t1.example"][..],
        &["user", "add", "t1.example", "1000", "--password", "p1000t1"],
        &["user", "add", "t1.example", "1001", "--password", "p1001t1"],
    ] {
        vpbx_ok(&data, cmd);
    }
    for cmd in ivr_setup(&["--timeout", "10"]) {
        let args: Vec<&str> = cmd.iter().map(String::as_str).collect();
        vpbx_ok(&data, &args);
    }
    let lo = free_port_block(8);
    let relay = format!("{lo}-{}", lo + 7);
    let phone_ports = || {
        let p = free_port_block(4);
        format!("{p}-{}", p + 3)
    };
    let server = Server::start_on(
        &data,
        free_port_block(2),
        &["--rtp-ports", &relay, "--digest", "md5"],
    );
    let callee = Baresip::start(
        "callee",
        root,
        "1001",
        "p1001t1",
        server.port,
        &callee_wav,
        &phone_ports(),
    );
    let mut caller = Baresip::start(
        "caller",
        root,
        "1000",
        "p1000t1",
        server.port,
        &caller_wav,
        &phone_ports(),
    );
    let report = |what: &str, caller: &Baresip, callee: &Baresip| {
        format!(
            "{what}\n--- caller:\n{}\n--- callee:\n{}\n--- vpbx:\n{}",
            caller.log(),
            callee.log(),
            server.log_text()
        )
    };
    for phone in [&callee, &caller] {
        assert!(
            phone.wait_for("registered successfully", step(10)),
            "{}",
            report(
                &format!("{} did not register", phone.name),
                &caller,
                &callee
            )
        );
    }
    caller.command("dial sip:74950000001@t1.example");
    assert!(
        callee.wait_for("Call established", step(15)),
        "{}",
        report(
            "the IVR did not put the caller through to 1001",
            &caller,
            &callee
        )
    );
    std::thread::sleep(Duration::from_secs(3));
    caller.command("hangup");
    assert!(
        callee.wait_for("terminated", step(10)),
        "{}",
        report("1001's call did not end", &caller, &callee)
    );
    let log = server.log_text();
    assert!(
        log.contains("IVR digit") && log.contains("IVR transfer answered"),
        "{log}"
    );
    let wav = callee
        .received_wav()
        .unwrap_or_else(|| panic!("{}", report("1001 recorded nothing", &caller, &callee)));
    let tones = analyse(&read_wav(&wav), CALLER_HZ, CALLEE_HZ);
    assert!(
        tones.tone_blocks >= 50 && tones.wrong_blocks <= 5,
        "{}",
        report(
            &format!("1001 did not hear the caller's tone: {tones:?}"),
            &caller,
            &callee
        )
    );
}
