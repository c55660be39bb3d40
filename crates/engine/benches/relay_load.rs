//! Load benchmark of the anchored RTP relay ([`vpbx_engine::media::relay::Relay`]): N
//! concurrent G.711 calls through one relay on loopback, measuring what the relay adds.
//!
//! The relay runs on its own tokio runtime like `vpbx serve` (multi-thread, 2 workers,
//! mimalloc). N sessions are opened on 127.0.0.1; each call gets two "phones" (one
//! connected, non-blocking UDP socket per party) in generator threads that are not part
//! of the relay's runtime. Every 20 ms each phone sends a 172-byte RTP packet (12-byte
//! header, 160-byte A-law payload, PT 8, RFC 3550 §5.1) carrying its monotonic send time;
//! calls are staggered evenly over the 20 ms period. Receiver threads wait on epoll and
//! drain ready sockets with `recvmmsg`.
//!
//! Measured, per run, on one summary line: packets sent/received/lost per direction,
//! one-way added latency (receive time − send time, p50/p90/p99/max), RFC 3550 §6.4.1
//! interarrival jitter per stream (mean and max over streams, from RTP timestamps; and the
//! relay-only variant from the send times), CPU of the relay's worker threads and of the
//! generator threads separately (`/proc/self/task/*/schedstat`) and of the whole machine
//! (`/proc/stat`: busy; softirq, where the kernel's loopback delivery of both sides is
//! accounted; `foreign`, busy time outside this process), kernel UDP buffer drops
//! (`/proc/net/snmp`), VmRSS before opening, with N idle sessions, under load (peak) and
//! 5 s after closing, and µs per `open`/`close`.
//!
//! ```sh
//! cargo bench -p vpbx-engine --bench relay_load -- --calls 2000 --seconds 20
//! ```
//!
//! Flags: `--calls N` (default 2000), `--seconds S` (default 20), `--gen-threads K`
//! (default 1: K sender and K receiver threads), `--record` (every call is also recorded
//! to a stereo WAV in a temporary directory, as a tenant with recording on; the summary
//! then adds the audio chunks the recorder dropped and the 20 ms gaps found inside the
//! files). Each call needs 6 file descriptors (4 relay
//! sockets, 2 phones); the soft RLIMIT_NOFILE is raised to the hard limit at start and a
//! too-large N is refused with the largest N that fits. Linux only.
//!
//! **Prompt playback** (`--play`, `--prompt PATH`, `--once`, `--play-tone`): instead of
//! relaying, every session runs a media application on side A (an IVR or music on hold as
//! `vpbx serve` starts it: `start_app` with PCMA, then `play`) that sends a prompt to one
//! listening phone per call; nothing is sent to the relay. `--play` plays a generated
//! 4 s 8 kHz 16-bit WAV (written to a temporary directory) with `Playback::Loop`,
//! `--prompt PATH` plays that WAV instead, `--once` uses `Playback::Files` (the prompt
//! once, then silence packets: the stream goes on at 50 packets/s either way) and
//! `--play-tone` plays ringback (`Playback::Tone`). After a one-second warm-up the
//! phones are measured for `--seconds`: packets received per stream against the
//! 50 packets/s of RFC 3551 §4.2 G.711 packetization (min/median/max over streams),
//! sequence-number gaps (RFC 3550 §5.1: lost), inter-arrival gaps p50/p99/max from the
//! kernel's receive timestamps (`SO_TIMESTAMPNS`; on loopback the packet arrives inside
//! the relay's `sendto`, so this is the jitter of the relay's 20 ms sending clock, not of
//! the listening thread) and gaps over 40 ms (`late`: a phone with a
//! one-packet jitter buffer would have run dry), RFC 3550 §6.4.1 jitter, and the same CPU
//! and RSS figures as above.
//!
//! ```sh
//! cargo bench -p vpbx-engine --bench relay_load -- --calls 1000 --seconds 10 --play
//! ```

use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use vpbx_codec::Codec;
use vpbx_engine::media::app::AppConfig;
use vpbx_engine::media::recorder::Recorder;
use vpbx_engine::media::relay::Relay;
use vpbx_engine::media::{MediaEvent, MediaPlane, Playback, Side};

/// Same allocator as `vpbx serve`, so the RSS figures match the server's.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

const LOCAL: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
/// G.711 packetization time.
const PERIOD: Duration = Duration::from_millis(20);
/// 12-byte RTP header + 160 samples of A-law.
const PACKET: usize = 172;
/// RTP payload type of PCMA (RFC 3551 §6).
const PCMA: u8 = 8;
/// 8 kHz RTP clock: nanoseconds per timestamp unit.
const NS_PER_TICK: i64 = 125_000;
/// Latency histogram: 1 µs buckets below this many µs, then [`COARSE_US`] buckets.
const FINE_US: u64 = 10_000;
/// Width of the histogram buckets above [`FINE_US`].
const COARSE_US: u64 = 100;
/// Number of histogram buckets: up to 10 s, the last bucket takes the rest.
const BUCKETS: usize = (FINE_US + 10_000_000 / COARSE_US) as usize;
/// First even port of the relay's range (below the kernel's ephemeral range 32768+, which
/// the phones use).
const PORT_BASE: u16 = 16_000;
/// File descriptors kept aside for the runtime, epoll, /proc reads and stdio.
const FD_SLACK: u64 = 256;
/// The sender sleeps at least this long between bursts, so it wakes at most ~5,000 times/s.
const MIN_SLEEP: Duration = Duration::from_micros(200);
/// recvmmsg batch per ready socket.
const BATCH: usize = 8;
/// Time given to the last packets in flight after the senders stop.
const DRAIN: Duration = Duration::from_millis(500);
/// How long a sender that cannot keep up may go on past the end of the run; packets
/// scheduled but not sent by then are reported as `unsent`, not as loss.
const GRACE: Duration = Duration::from_secs(1);

struct Args {
    calls: usize,
    seconds: u64,
    gen_threads: usize,
    record: bool,
    play: Option<Play>,
}

/// What the applications play in the playback benchmark.
#[derive(Clone, Debug)]
enum Play {
    /// A WAV file (`None`: a generated one), looped or once.
    Prompt {
        path: Option<std::path::PathBuf>,
        once: bool,
    },
    /// Ringback tone.
    Tone,
}

fn parse_args() -> Args {
    let mut args = Args {
        calls: 2000,
        seconds: 20,
        gen_threads: 1,
        record: false,
        play: None,
    };
    let (mut prompt, mut once, mut play, mut tone) = (None, false, false, false);
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = |name: &str| -> u64 {
            it.next()
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| fail(&format!("{name} needs a positive integer")))
        };
        match flag.as_str() {
            "--calls" => args.calls = value("--calls") as usize,
            "--seconds" => args.seconds = value("--seconds"),
            "--gen-threads" => args.gen_threads = value("--gen-threads") as usize,
            "--record" => args.record = true,
            "--play" => play = true,
            "--once" => once = true,
            "--play-tone" => tone = true,
            "--prompt" => {
                prompt = Some(
                    it.next()
                        .map(std::path::PathBuf::from)
                        .unwrap_or_else(|| fail("--prompt needs a WAV file")),
                );
            }
            // Passed by `cargo bench` to every bench target.
            "--bench" => {}
            other => fail(&format!(
                "unknown argument {other:?}; usage: relay_load [--calls N] [--seconds S] \
                 [--gen-threads K] [--record] [--play [--prompt WAV] [--once] | --play-tone]"
            )),
        }
    }
    if tone && (play || prompt.is_some() || once) {
        fail("--play-tone excludes --play, --prompt and --once");
    }
    if tone {
        args.play = Some(Play::Tone);
    } else if play || prompt.is_some() || once {
        args.play = Some(Play::Prompt { path: prompt, once });
    }
    if args.play.is_some() && args.record {
        fail("--record measures the relay; it does not combine with --play");
    }
    if args.calls == 0 || args.seconds == 0 || args.gen_threads == 0 {
        fail("--calls, --seconds and --gen-threads must be at least 1");
    }
    args
}

fn fail(message: &str) -> ! {
    eprintln!("relay_load: {message}");
    std::process::exit(2);
}

/// Raises the soft RLIMIT_NOFILE to the hard limit; returns (soft, hard) afterwards.
fn raise_nofile() -> (u64, u64) {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: plain syscalls on a local struct.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return (0, 0);
        }
        limit.rlim_cur = limit.rlim_max;
        libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit);
    }
    (limit.rlim_cur, limit.rlim_max)
}

/// CLOCK_MONOTONIC in nanoseconds (the clock behind `Instant`).
fn mono_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: writes the local timespec only.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// VmRSS of this process in MiB.
fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// CPU time (ns) of every thread of this process, by thread name.
fn thread_cpu() -> Vec<(u64, String, u64)> {
    let mut out = Vec::new();
    let Ok(dir) = std::fs::read_dir("/proc/self/task") else {
        return out;
    };
    for entry in dir.flatten() {
        let path = entry.path();
        let Some(tid) = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.parse().ok())
        else {
            continue;
        };
        let comm = std::fs::read_to_string(path.join("comm")).unwrap_or_default();
        let ns = std::fs::read_to_string(path.join("schedstat"))
            .ok()
            .and_then(|s| s.split_whitespace().next().and_then(|v| v.parse().ok()))
            .unwrap_or(0);
        out.push((tid, comm.trim().to_owned(), ns));
    }
    out
}

/// CPU seconds used between two [`thread_cpu`] snapshots: (relay workers, generator, rest).
fn cpu_split(before: &[(u64, String, u64)], after: &[(u64, String, u64)]) -> (f64, f64, f64) {
    let (mut relay, mut generator, mut rest) = (0u64, 0u64, 0u64);
    for (tid, name, ns) in after {
        let start = before
            .iter()
            .find(|(t, _, _)| t == tid)
            .map_or(0, |(_, _, ns)| *ns);
        let used = ns.saturating_sub(start);
        if name.starts_with("relay-worker") {
            relay += used;
        } else if name.starts_with("gen-") {
            generator += used;
        } else {
            rest += used;
        }
    }
    let s = |ns: u64| ns as f64 / 1e9;
    (s(relay), s(generator), s(rest))
}

/// Jiffies of the whole machine from the first line of /proc/stat: (busy, softirq, steal,
/// total); busy counts user, system, irq and softirq time, not steal.
fn machine_jiffies() -> [u64; 4] {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let fields: Vec<u64> = stat
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .skip(1)
        .filter_map(|v| v.parse().ok())
        .collect();
    let field = |i: usize| fields.get(i).copied().unwrap_or(0);
    let total: u64 = fields.iter().take(8).sum();
    let busy = field(0) + field(1) + field(2) + field(5) + field(6);
    [busy, field(6), field(7), total]
}

/// UDP RcvbufErrors and SndbufErrors of the whole machine (/proc/net/snmp).
fn udp_buffer_errors() -> (u64, u64) {
    let snmp = std::fs::read_to_string("/proc/net/snmp").unwrap_or_default();
    let mut udp = snmp.lines().filter(|l| l.starts_with("Udp:"));
    let (Some(names), Some(values)) = (udp.next(), udp.next()) else {
        return (0, 0);
    };
    let get = |key: &str| {
        names
            .split_whitespace()
            .position(|n| n == key)
            .and_then(|i| values.split_whitespace().nth(i))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (get("RcvbufErrors"), get("SndbufErrors"))
}

/// The two phones of one call: party A talks to the relay's side A, party B to side B.
struct Phones {
    /// Index 0: party A (its packets go A→B), 1: party B (B→A).
    sockets: [UdpSocket; 2],
}

/// What a sender thread did.
#[derive(Default)]
struct SendReport {
    /// Packets accepted by the kernel, per direction (0: A→B, 1: B→A).
    sent: [u64; 2],
    /// Sends refused (e.g. a full socket buffer): never on the wire, not counted as loss.
    errors: u64,
    /// Largest delay between a packet's scheduled and actual send time.
    max_lag: Duration,
}

/// Sends both directions of calls `k`, `k + step`, … every 20 ms, each call at its own
/// offset in the period, until `end`.
fn send(calls: &[Phones], k: usize, step: usize, start: Instant, end: Instant) -> SendReport {
    let n = calls.len();
    let mine: Vec<usize> = (k..n).step_by(step).collect();
    let offsets: Vec<Duration> = mine
        .iter()
        .map(|&i| PERIOD.mul_f64(i as f64 / n as f64))
        .collect();
    let mut packets: Vec<[[u8; PACKET]; 2]> = mine
        .iter()
        .map(|&i| {
            let leg = |party: usize| {
                let mut p = [0xd5u8; PACKET]; // A-law silence
                p[0] = 0x80; // V=2
                p[1] = PCMA;
                let ssrc = (2 * i + party) as u32 ^ 0x5a5a_0000;
                p[8..12].copy_from_slice(&ssrc.to_be_bytes());
                // Random-looking initial sequence number and timestamp (RFC 3550 §5.1).
                let init = ssrc.wrapping_mul(2_654_435_761);
                p[2..4].copy_from_slice(&(init as u16).to_be_bytes());
                p[4..8].copy_from_slice(&init.to_be_bytes());
                p
            };
            [leg(0), leg(1)]
        })
        .collect();
    let mut report = SendReport::default();
    if mine.is_empty() {
        return report;
    }
    let (mut period, mut j, mut first) = (0u32, 0usize, true);
    loop {
        let due = start + PERIOD * period + offsets[j];
        let now = Instant::now();
        if due >= end || now >= end + GRACE {
            break;
        }
        if due > now {
            thread::sleep((due - now).max(MIN_SLEEP));
            continue;
        }
        report.max_lag = report.max_lag.max(now - due);
        for (party, packet) in packets[j].iter_mut().enumerate() {
            if !first {
                let seq = u16::from_be_bytes([packet[2], packet[3]]).wrapping_add(1);
                packet[2..4].copy_from_slice(&seq.to_be_bytes());
                let ts = u32::from_be_bytes([packet[4], packet[5], packet[6], packet[7]])
                    .wrapping_add(160);
                packet[4..8].copy_from_slice(&ts.to_be_bytes());
            }
            packet[12..20].copy_from_slice(&mono_ns().to_be_bytes());
            match calls[mine[j]].sockets[party].send(&packet[..]) {
                Ok(_) => report.sent[party] += 1,
                Err(_) => report.errors += 1,
            }
        }
        j += 1;
        if j == mine.len() {
            j = 0;
            period += 1;
            first = false;
        }
    }
    report
}

/// Receiving state of one stream (one phone's socket, fed by the other phone of its call).
#[derive(Default)]
struct Stream {
    received: u64,
    /// Previous packet: arrival (ns), RTP timestamp, send time (ns).
    prev: Option<(u64, u32, u64)>,
    /// RFC 3550 §6.4.1 estimator on RTP timestamps, ns.
    jitter: f64,
    /// Same estimator on the send times in the payload: what the relay alone adds, ns.
    relay_jitter: f64,
}

/// What a receiver thread measured.
struct RecvReport {
    /// Packets received per direction (0: A→B, i.e. on party B's socket; 1: B→A).
    received: [u64; 2],
    /// Datagrams that were not our RTP packets.
    bad: u64,
    /// Added latency histogram, see [`bucket`].
    hist: Vec<u64>,
    max_latency_ns: u64,
    /// Per stream with at least two packets: (jitter ms, relay-only jitter ms).
    jitter_ms: Vec<(f64, f64)>,
}

/// Waits on epoll for the phones of calls `k`, `k + step`, … and drains ready sockets
/// with `recvmmsg` until `stop`.
fn receive(calls: &[Phones], k: usize, step: usize, stop: &AtomicBool) -> RecvReport {
    // SAFETY: creates a descriptor owned and closed by this function.
    let epoll = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
    assert!(epoll >= 0, "epoll_create1 failed");
    // Stream 2 * m + party: the socket of `party` of this thread's m-th call.
    let mut fds = Vec::new();
    for phones in calls.iter().skip(k).step_by(step) {
        for socket in &phones.sockets {
            let fd = socket.as_raw_fd();
            let mut event = libc::epoll_event {
                events: libc::EPOLLIN as u32,
                u64: fds.len() as u64,
            };
            // SAFETY: `fd` is a live socket, `event` a valid local.
            let r = unsafe { libc::epoll_ctl(epoll, libc::EPOLL_CTL_ADD, fd, &mut event) };
            assert_eq!(r, 0, "epoll_ctl failed");
            fds.push(fd);
        }
    }
    let mut streams: Vec<Stream> = (0..fds.len()).map(|_| Stream::default()).collect();
    let mut report = RecvReport {
        received: [0; 2],
        bad: 0,
        hist: vec![0; BUCKETS],
        max_latency_ns: 0,
        jitter_ms: Vec::new(),
    };
    let mut buffers = vec![[0u8; 2048]; BATCH];
    let mut iovecs: Vec<libc::iovec> = buffers
        .iter_mut()
        .map(|b| libc::iovec {
            iov_base: b.as_mut_ptr().cast(),
            iov_len: b.len(),
        })
        .collect();
    // SAFETY: mmsghdr is plain data; all-zero is a valid value.
    let mut headers: Vec<libc::mmsghdr> =
        (0..BATCH).map(|_| unsafe { std::mem::zeroed() }).collect();
    for (header, iovec) in headers.iter_mut().zip(iovecs.iter_mut()) {
        header.msg_hdr.msg_iov = iovec;
        header.msg_hdr.msg_iovlen = 1;
    }
    let mut events = vec![libc::epoll_event { events: 0, u64: 0 }; 1024];
    while !stop.load(Ordering::Relaxed) {
        // SAFETY: `events` outlives the call and holds `events.len()` entries.
        let ready =
            unsafe { libc::epoll_wait(epoll, events.as_mut_ptr(), events.len() as i32, 20) };
        for event in events.iter().take(ready.max(0) as usize) {
            let index = event.u64 as usize;
            // SAFETY: headers point at `iovecs` and `buffers`, which live and do not move
            // during the loop; the kernel writes at most BATCH messages.
            let got = unsafe {
                libc::recvmmsg(
                    fds[index],
                    headers.as_mut_ptr(),
                    BATCH as u32,
                    libc::MSG_DONTWAIT,
                    std::ptr::null_mut(),
                )
            };
            let now = mono_ns();
            let stream = &mut streams[index];
            // Party A's socket (even index) receives what B sent: direction 1 (B→A).
            let direction = 1 - index % 2;
            for m in 0..got.max(0) as usize {
                let packet = &buffers[m][..headers[m].msg_len as usize];
                if packet.len() != PACKET || packet[1] & 0x7f != PCMA {
                    report.bad += 1;
                    continue;
                }
                let ts = u32::from_be_bytes([packet[4], packet[5], packet[6], packet[7]]);
                let mut sent = [0u8; 8];
                sent.copy_from_slice(&packet[12..20]);
                let sent = u64::from_be_bytes(sent);
                let latency = now.saturating_sub(sent);
                report.hist[bucket(latency)] += 1;
                report.max_latency_ns = report.max_latency_ns.max(latency);
                report.received[direction] += 1;
                stream.received += 1;
                if let Some((prev_now, prev_ts, prev_sent)) = stream.prev {
                    let arrival = now as i64 - prev_now as i64;
                    let d = arrival - i64::from(ts.wrapping_sub(prev_ts) as i32) * NS_PER_TICK;
                    stream.jitter += (d.abs() as f64 - stream.jitter) / 16.0;
                    let d = arrival - (sent as i64 - prev_sent as i64);
                    stream.relay_jitter += (d.abs() as f64 - stream.relay_jitter) / 16.0;
                }
                stream.prev = Some((now, ts, sent));
            }
        }
    }
    // SAFETY: closes the descriptor created above, once.
    unsafe { libc::close(epoll) };
    report.jitter_ms = streams
        .iter()
        .filter(|s| s.received >= 2)
        .map(|s| (s.jitter / 1e6, s.relay_jitter / 1e6))
        .collect();
    report
}

/// Histogram bucket of a latency: 1 µs wide below [`FINE_US`], [`COARSE_US`] above.
fn bucket(latency_ns: u64) -> usize {
    let us = latency_ns / 1000;
    let index = if us < FINE_US {
        us
    } else {
        FINE_US + (us - FINE_US) / COARSE_US
    };
    (index as usize).min(BUCKETS - 1)
}

/// Lower edge (ms) of the bucket holding quantile `q` of the histogram.
fn quantile_ms(hist: &[u64], q: f64) -> f64 {
    let total: u64 = hist.iter().sum();
    let target = ((total as f64 * q).ceil() as u64).max(1);
    let mut seen = 0;
    for (index, count) in hist.iter().enumerate() {
        seen += count;
        if seen >= target {
            let index = index as u64;
            let us = if index < FINE_US {
                index
            } else {
                FINE_US + (index - FINE_US) * COARSE_US
            };
            return us as f64 / 1000.0;
        }
    }
    f64::NAN
}

fn mean_max(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (mut sum, mut n, mut max) = (0.0, 0usize, 0.0f64);
    for v in values {
        sum += v;
        n += 1;
        max = max.max(v);
    }
    (if n == 0 { f64::NAN } else { sum / n as f64 }, max)
}

/// Lets mimalloc give an idle worker's freed pages back, as `vpbx serve` does.
fn collect_now_and_then() {
    use std::cell::Cell;
    thread_local! {
        static LAST: Cell<Option<Instant>> = const { Cell::new(None) };
    }
    let now = Instant::now();
    if LAST
        .get()
        .is_none_or(|t| now.duration_since(t) >= Duration::from_secs(1))
    {
        LAST.set(Some(now));
        // SAFETY: mi_collect only walks and trims this thread's own heap.
        unsafe { libmimalloc_sys::mi_collect(true) };
    }
}

fn main() {
    let args = parse_args();
    let n = args.calls;
    let (soft, hard) = raise_nofile();
    let need = 6 * n as u64 + FD_SLACK;
    if need > soft {
        fail(&format!(
            "{n} calls need about {need} file descriptors (4 relay sockets + 2 phone sockets \
             per call) but RLIMIT_NOFILE allows {soft} (hard limit {hard}); the largest N \
             here is {}",
            soft.saturating_sub(FD_SLACK) / 6
        ));
    }
    let span = 4 * n as u32 + 1024;
    let port_end = u32::from(PORT_BASE) + span;
    if port_end > 32_767 {
        fail(&format!(
            "{n} calls need {span} relay ports from {PORT_BASE}, past the ephemeral range"
        ));
    }

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("relay-worker")
        .enable_all()
        .on_thread_park(collect_now_and_then)
        .build()
        .expect("tokio runtime");
    let guard = runtime.enter();
    if let Some(play) = args.play.clone() {
        playback(&args, play, port_end as u16);
        drop(guard);
        runtime.shutdown_timeout(Duration::from_secs(1));
        return;
    }
    let (events, _events_rx) = tokio::sync::mpsc::unbounded_channel();
    let record_dir = args
        .record
        .then(|| tempfile::tempdir().unwrap_or_else(|e| fail(&format!("tempdir: {e}"))));
    let recorder = record_dir.as_ref().map(|d| {
        Recorder::start(d.path().to_path_buf()).unwrap_or_else(|e| fail(&format!("recorder: {e}")))
    });
    let relay = Relay::new(
        LOCAL,
        PORT_BASE..=port_end as u16,
        Duration::from_secs(3600),
        events,
        recorder.clone(),
    );
    thread::sleep(Duration::from_millis(200));
    let rss_before = rss_mib();

    // Open the sessions (the relay binds 4 sockets and spawns a task per session).
    let t = Instant::now();
    let sessions: Vec<_> = (0..n)
        .map(|i| {
            relay
                .open(i as u64)
                .unwrap_or_else(|e| fail(&format!("open #{i}: {e}")))
        })
        .collect();
    let open_us = t.elapsed().as_secs_f64() * 1e6 / n as f64;
    if recorder.is_some() {
        for (i, s) in sessions.iter().enumerate() {
            if !relay.record(s.id, &format!("{i}.wav"), false) {
                fail(&format!("cannot record call #{i}"));
            }
        }
    }

    // Two phones per call, each connected to its side of the relay (symmetric RTP).
    let calls: Vec<Phones> = sessions
        .iter()
        .map(|s| {
            let phone = |port: u16, side: Side| {
                let socket = UdpSocket::bind((LOCAL, 0))
                    .unwrap_or_else(|e| fail(&format!("bind a phone socket: {e}")));
                socket.set_nonblocking(true).expect("nonblocking");
                socket.connect((s.ip, port)).expect("connect");
                let rtp = socket.local_addr().expect("local addr");
                let rtcp = SocketAddr::new(rtp.ip(), rtp.port().wrapping_add(1));
                relay.set_remote(s.id, side, rtp, rtcp);
                socket
            };
            Phones {
                sockets: [phone(s.a_port, Side::A), phone(s.b_port, Side::B)],
            }
        })
        .collect();
    let calls = Arc::new(calls);
    thread::sleep(Duration::from_secs(1));
    let rss_idle = rss_mib();

    // Load.
    let stop = Arc::new(AtomicBool::new(false));
    let cpu_before = thread_cpu();
    let machine_before = machine_jiffies();
    let udp_before = udp_buffer_errors();
    let start = Instant::now() + Duration::from_millis(20);
    let end = start + Duration::from_secs(args.seconds);
    let receivers: Vec<_> = (0..args.gen_threads)
        .map(|k| {
            let (calls, stop) = (Arc::clone(&calls), Arc::clone(&stop));
            let step = args.gen_threads;
            thread::Builder::new()
                .name(format!("gen-recv-{k}"))
                .spawn(move || receive(&calls, k, step, &stop))
                .expect("spawn receiver")
        })
        .collect();
    let senders: Vec<_> = (0..args.gen_threads)
        .map(|k| {
            let calls = Arc::clone(&calls);
            let step = args.gen_threads;
            thread::Builder::new()
                .name(format!("gen-send-{k}"))
                .spawn(move || send(&calls, k, step, start, end))
                .expect("spawn sender")
        })
        .collect();
    let mut rss_load = 0.0f64;
    while Instant::now() + Duration::from_secs(1) < end {
        thread::sleep(Duration::from_secs(1));
        rss_load = rss_load.max(rss_mib());
    }
    let sent: Vec<SendReport> = senders
        .into_iter()
        .map(|h| h.join().expect("sender"))
        .collect();
    let wall = start.elapsed().as_secs_f64();
    let cpu_after = thread_cpu();
    let machine_after = machine_jiffies();
    thread::sleep(DRAIN);
    stop.store(true, Ordering::Relaxed);
    let received: Vec<RecvReport> = receivers
        .into_iter()
        .map(|h| h.join().expect("receiver"))
        .collect();
    let udp_after = udp_buffer_errors();
    rss_load = rss_load.max(rss_mib());

    // Close every session and wait for the memory to settle.
    let t = Instant::now();
    let (mut relay_in, mut relay_out, mut relay_dropped) = (0u64, 0u64, 0u64);
    for s in &sessions {
        if let Some(stats) = relay.close(s.id) {
            for leg in [stats.a, stats.b] {
                relay_in += leg.packets_in;
                relay_out += leg.packets_out;
                relay_dropped += leg.dropped;
            }
        }
    }
    let close_us = t.elapsed().as_secs_f64() * 1e6 / n as f64;
    drop(calls);
    thread::sleep(Duration::from_secs(5));
    let rss_after = rss_mib();

    // Report.
    let mut sent_dir = [0u64; 2];
    let (mut send_errors, mut max_lag) = (0u64, Duration::ZERO);
    for s in &sent {
        sent_dir[0] += s.sent[0];
        sent_dir[1] += s.sent[1];
        send_errors += s.errors;
        max_lag = max_lag.max(s.max_lag);
    }
    let mut recv_dir = [0u64; 2];
    let mut hist = vec![0u64; BUCKETS];
    let (mut bad, mut max_latency_ns) = (0u64, 0u64);
    let mut jitters = Vec::new();
    for r in &received {
        recv_dir[0] += r.received[0];
        recv_dir[1] += r.received[1];
        bad += r.bad;
        max_latency_ns = max_latency_ns.max(r.max_latency_ns);
        for (total, h) in hist.iter_mut().zip(&r.hist) {
            *total += h;
        }
        jitters.extend_from_slice(&r.jitter_ms);
    }
    let lost = |d: usize| sent_dir[d] as i64 - recv_dir[d] as i64;
    let sent_total = sent_dir[0] + sent_dir[1];
    let recv_total = recv_dir[0] + recv_dir[1];
    let loss_pct = if sent_total == 0 {
        0.0
    } else {
        (lost(0) + lost(1)) as f64 * 100.0 / sent_total as f64
    };
    let (jitter_mean, jitter_max) = mean_max(jitters.iter().map(|j| j.0));
    let (rjitter_mean, rjitter_max) = mean_max(jitters.iter().map(|j| j.1));
    let (relay_cpu, gen_cpu, other_cpu) = cpu_split(&cpu_before, &cpu_after);
    // Machine-wide busy, softirq and steal time, in cores.
    let cores = thread::available_parallelism().map_or(1, |p| p.get()) as f64;
    let jiffies = |i: usize| machine_after[i].saturating_sub(machine_before[i]) as f64;
    let machine = |i: usize| {
        if jiffies(3) > 0.0 {
            jiffies(i) / jiffies(3) * cores
        } else {
            f64::NAN
        }
    };
    let (machine_busy, softirq, steal) = (machine(0), machine(1), machine(2));
    // Busy time neither in this process's threads nor in softirq: other processes and
    // kernel threads; well above zero means the machine was not quiet.
    let foreign = machine_busy - softirq - (relay_cpu + gen_cpu + other_cpu) / wall;
    let nominal = 2 * n as u64 * 50 * args.seconds;
    println!(
        "relay_load calls={n} seconds={} open_us={open_us:.1} close_us={close_us:.1} \
         offered_pps={:.0} unsent={} pps_relayed={:.0} sent_ab={} recv_ab={} lost_ab={} sent_ba={} recv_ba={} lost_ba={} \
         loss_pct={loss_pct:.4} send_errors={send_errors} bad={bad} max_send_lag_ms={:.2} \
         lat_ms_p50={:.3} lat_ms_p90={:.3} lat_ms_p99={:.3} lat_ms_max={:.3} \
         jitter_ms_mean={jitter_mean:.3} jitter_ms_max={jitter_max:.3} \
         relay_jitter_ms_mean={rjitter_mean:.3} relay_jitter_ms_max={rjitter_max:.3} \
         relay_cpu={:.2} gen_cpu={:.2} other_cpu={:.2} machine_busy={machine_busy:.2} \
         softirq={softirq:.2} steal={steal:.2} foreign={foreign:.2} \
         relay_in={relay_in} relay_out={relay_out} relay_dropped={relay_dropped} \
         udp_rcvbuf_err={} udp_sndbuf_err={} \
         rss_mib_before={rss_before:.1} rss_mib_idle={rss_idle:.1} rss_mib_load={rss_load:.1} \
         rss_mib_after={rss_after:.1}",
        args.seconds,
        sent_total as f64 / wall,
        nominal.saturating_sub(sent_total),
        recv_total as f64 / wall,
        sent_dir[0],
        recv_dir[0],
        lost(0),
        sent_dir[1],
        recv_dir[1],
        lost(1),
        max_lag.as_secs_f64() * 1e3,
        quantile_ms(&hist, 0.50),
        quantile_ms(&hist, 0.90),
        quantile_ms(&hist, 0.99),
        max_latency_ns as f64 / 1e6,
        relay_cpu / wall,
        gen_cpu / wall,
        other_cpu / wall,
        udp_after.0.saturating_sub(udp_before.0),
        udp_after.1.saturating_sub(udp_before.1),
    );
    if let (Some(dir), Some(recorder)) = (&record_dir, &recorder) {
        let (files, frames, gaps) = recording_gaps(dir.path(), n);
        println!(
            "relay_load recordings={files} rec_dropped_chunks={} rec_seconds_mean={:.1} \
             rec_gap_blocks={gaps}",
            recorder.dropped(),
            frames as f64 / 8000.0 / files.max(1) as f64,
        );
    }
    drop(relay);
    drop(guard);
    runtime.shutdown_timeout(Duration::from_secs(1));
}

/// Reads the `n` recordings in `dir` once the writer has finished them: how many there
/// are, their frames in all, and the 20 ms blocks of digital silence found on a channel
/// between its first and last sound (audio that went missing).
fn recording_gaps(dir: &std::path::Path, n: usize) -> (usize, u64, u64) {
    let (mut files, mut frames, mut gaps) = (0, 0u64, 0u64);
    for i in 0..n {
        let path = dir.join(format!("{i}.wav"));
        let mut reader = None;
        for _ in 0..200 {
            if let Ok(r) = hound::WavReader::open(&path) {
                if r.duration() > 0 {
                    reader = Some(r);
                    break;
                }
            }
            thread::sleep(Duration::from_millis(50));
        }
        let Some(mut reader) = reader else {
            continue;
        };
        files += 1;
        let samples: Vec<i16> = reader.samples::<i16>().map_while(Result::ok).collect();
        frames += samples.len() as u64 / 2;
        for channel in 0..2 {
            let blocks: Vec<bool> = samples
                .chunks(320)
                .map(|b| b.iter().skip(channel).step_by(2).all(|&x| x == 0))
                .collect();
            let first = blocks.iter().position(|silent| !silent);
            let last = blocks.iter().rposition(|silent| !silent);
            if let (Some(a), Some(b)) = (first, last) {
                gaps += blocks[a..=b].iter().filter(|&&silent| silent).count() as u64;
            }
        }
    }
    (files, frames, gaps)
}

/// Inter-arrival gap histogram of the playback benchmark: 10 µs buckets up to 1 s, the
/// last bucket takes the rest.
const GAP_BUCKET_US: u64 = 10;
/// Number of gap histogram buckets.
const GAP_BUCKETS: usize = 100_001;
/// A gap longer than this means the phone's one-packet jitter buffer ran dry.
const LATE_GAP_NS: u64 = 40_000_000;
/// Warm-up between starting the applications and measuring (prompts are loaded meanwhile).
const WARM_UP: Duration = Duration::from_secs(1);

/// Writes a 4 s, 8 kHz, 16-bit mono WAV prompt: a 300–3,000 Hz sweep shaped in
/// syllable-length bursts, so every packet carries changing non-silent audio.
fn write_prompt(path: &std::path::Path) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 8000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer =
        hound::WavWriter::create(path, spec).unwrap_or_else(|e| fail(&format!("prompt: {e}")));
    let mut phase = 0.0f64;
    for i in 0..4 * 8000 {
        let t = f64::from(i) / 8000.0;
        let frequency = 300.0 + 2700.0 * (t / 4.0);
        phase += std::f64::consts::TAU * frequency / 8000.0;
        let envelope = 0.5 + 0.5 * (std::f64::consts::TAU * 4.0 * t).sin();
        let sample = (8000.0 * envelope * phase.sin()) as i16;
        writer
            .write_sample(sample)
            .unwrap_or_else(|e| fail(&format!("prompt: {e}")));
    }
    writer
        .finalize()
        .unwrap_or_else(|e| fail(&format!("prompt: {e}")));
}

/// Receiving state of one played stream.
#[derive(Default)]
struct Played {
    received: u64,
    /// Sequence-number gaps (RFC 3550 §5.1): packets that never arrived.
    lost: u64,
    /// Packets whose sequence number was not after the previous one.
    out_of_order: u64,
    /// Gaps over [`LATE_GAP_NS`].
    late: u64,
    /// Previous packet: arrival (ns), RTP timestamp, sequence number.
    prev: Option<(u64, u32, u16)>,
    /// RFC 3550 §6.4.1 interarrival jitter, ns.
    jitter: f64,
}

/// What the playback listener measured.
struct Heard {
    streams: Vec<Played>,
    /// Inter-arrival gaps of all streams, [`GAP_BUCKET_US`] buckets.
    gaps: Vec<u64>,
    max_gap_ns: u64,
    /// Datagrams that were not PCMA RTP.
    bad: u64,
}

/// Size of the control buffer per received message: room for one SCM_TIMESTAMPNS.
const CONTROL: usize = 64;

/// The kernel's receive time (CLOCK_REALTIME, ns) of a message received with
/// `SO_TIMESTAMPNS`, from its control data.
fn kernel_time_ns(header: &libc::msghdr) -> Option<u64> {
    // SAFETY: the CMSG macros walk the control buffer the kernel just filled, within
    // `msg_controllen`; the timespec is read unaligned from its data.
    unsafe {
        let mut cmsg = libc::CMSG_FIRSTHDR(header);
        while !cmsg.is_null() {
            if (*cmsg).cmsg_level == libc::SOL_SOCKET && (*cmsg).cmsg_type == libc::SCM_TIMESTAMPNS
            {
                let ts: libc::timespec =
                    std::ptr::read_unaligned(libc::CMSG_DATA(cmsg).cast::<libc::timespec>());
                return Some(ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64);
            }
            cmsg = libc::CMSG_NXTHDR(header, cmsg);
        }
    }
    None
}

/// Waits on epoll for the `phones` and drains ready sockets with `recvmmsg` until `stop`;
/// only packets the kernel received between `from` and `until` are measured. Gaps are
/// taken from the kernel's receive timestamps (`SO_TIMESTAMPNS`): on loopback the packet
/// is delivered inside the relay's `sendto`, so they time the relay's sending clock, not
/// this thread's scheduling.
fn listen(phones: &[UdpSocket], from: Instant, until: Instant, stop: &AtomicBool) -> Heard {
    // Realtime bounds of the window, for the kernel timestamps.
    let realtime_ns = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64)
    };
    let now = Instant::now();
    let offset = realtime_ns();
    let at = |t: Instant| {
        if t >= now {
            offset + (t - now).as_nanos() as u64
        } else {
            offset.saturating_sub((now - t).as_nanos() as u64)
        }
    };
    let (from_ns, until_ns) = (at(from), at(until));
    // SAFETY: creates a descriptor owned and closed by this function.
    let epoll = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
    assert!(epoll >= 0, "epoll_create1 failed");
    for (index, socket) in phones.iter().enumerate() {
        let on: libc::c_int = 1;
        // SAFETY: sets an int option on a live socket from a local.
        let r = unsafe {
            libc::setsockopt(
                socket.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_TIMESTAMPNS,
                (&on as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            )
        };
        assert_eq!(r, 0, "SO_TIMESTAMPNS failed");
        let mut event = libc::epoll_event {
            events: libc::EPOLLIN as u32,
            u64: index as u64,
        };
        // SAFETY: the socket is live, `event` a valid local.
        let r =
            unsafe { libc::epoll_ctl(epoll, libc::EPOLL_CTL_ADD, socket.as_raw_fd(), &mut event) };
        assert_eq!(r, 0, "epoll_ctl failed");
    }
    let mut heard = Heard {
        streams: (0..phones.len()).map(|_| Played::default()).collect(),
        gaps: vec![0; GAP_BUCKETS],
        max_gap_ns: 0,
        bad: 0,
    };
    let mut buffers = vec![[0u8; 2048]; BATCH];
    let mut iovecs: Vec<libc::iovec> = buffers
        .iter_mut()
        .map(|b| libc::iovec {
            iov_base: b.as_mut_ptr().cast(),
            iov_len: b.len(),
        })
        .collect();
    // Control buffers as u64 words so that the cmsghdr inside is aligned.
    let mut controls = vec![[0u64; CONTROL / 8]; BATCH];
    // SAFETY: mmsghdr is plain data; all-zero is a valid value.
    let mut headers: Vec<libc::mmsghdr> =
        (0..BATCH).map(|_| unsafe { std::mem::zeroed() }).collect();
    for (header, iovec) in headers.iter_mut().zip(iovecs.iter_mut()) {
        header.msg_hdr.msg_iov = iovec;
        header.msg_hdr.msg_iovlen = 1;
    }
    let mut events = vec![libc::epoll_event { events: 0, u64: 0 }; 1024];
    while !stop.load(Ordering::Relaxed) {
        // SAFETY: `events` outlives the call and holds `events.len()` entries.
        let ready =
            unsafe { libc::epoll_wait(epoll, events.as_mut_ptr(), events.len() as i32, 20) };
        for event in events.iter().take(ready.max(0) as usize) {
            let index = event.u64 as usize;
            for (header, control) in headers.iter_mut().zip(controls.iter_mut()) {
                header.msg_hdr.msg_control = control.as_mut_ptr().cast();
                header.msg_hdr.msg_controllen = CONTROL as _;
            }
            // SAFETY: headers point at `iovecs`, `buffers` and `controls`, which live and
            // do not move during the loop; the kernel writes at most BATCH messages.
            let got = unsafe {
                libc::recvmmsg(
                    phones[index].as_raw_fd(),
                    headers.as_mut_ptr(),
                    BATCH as u32,
                    libc::MSG_DONTWAIT,
                    std::ptr::null_mut(),
                )
            };
            let stream = &mut heard.streams[index];
            for m in 0..got.max(0) as usize {
                let now = kernel_time_ns(&headers[m].msg_hdr).unwrap_or_else(realtime_ns);
                if now < from_ns || now >= until_ns {
                    continue;
                }
                let packet = &buffers[m][..headers[m].msg_len as usize];
                if packet.len() != PACKET || packet[1] & 0x7f != PCMA {
                    heard.bad += 1;
                    continue;
                }
                let seq = u16::from_be_bytes([packet[2], packet[3]]);
                let ts = u32::from_be_bytes([packet[4], packet[5], packet[6], packet[7]]);
                stream.received += 1;
                if let Some((prev_now, prev_ts, prev_seq)) = stream.prev {
                    let ahead = seq.wrapping_sub(prev_seq);
                    if ahead == 0 || ahead > 0x8000 {
                        stream.out_of_order += 1;
                        continue;
                    }
                    stream.lost += u64::from(ahead - 1);
                    let gap = now.saturating_sub(prev_now);
                    let index = ((gap / 1000 / GAP_BUCKET_US) as usize).min(GAP_BUCKETS - 1);
                    heard.gaps[index] += 1;
                    heard.max_gap_ns = heard.max_gap_ns.max(gap);
                    if gap > LATE_GAP_NS {
                        stream.late += 1;
                    }
                    let d = gap as i64 - i64::from(ts.wrapping_sub(prev_ts) as i32) * NS_PER_TICK;
                    stream.jitter += (d.abs() as f64 - stream.jitter) / 16.0;
                }
                stream.prev = Some((now, ts, seq));
            }
        }
    }
    // SAFETY: closes the descriptor created above, once.
    unsafe { libc::close(epoll) };
    heard
}

/// Quantile `q` (ms, lower bucket edge) of the gap histogram.
fn gap_quantile_ms(gaps: &[u64], q: f64) -> f64 {
    let total: u64 = gaps.iter().sum();
    let target = ((total as f64 * q).ceil() as u64).max(1);
    let mut seen = 0;
    for (index, count) in gaps.iter().enumerate() {
        seen += count;
        if seen >= target {
            return (index as u64 * GAP_BUCKET_US) as f64 / 1000.0;
        }
    }
    f64::NAN
}

/// The playback benchmark: N sessions, each with an application on side A playing `play`
/// to one listening phone; prints one summary line.
fn playback(args: &Args, play: Play, port_end: u16) {
    let n = args.calls;
    let (events, mut events_rx) = tokio::sync::mpsc::unbounded_channel();
    let relay = Relay::new(LOCAL, PORT_BASE..=port_end, Duration::ZERO, events, None);
    let prompt_dir = tempfile::tempdir().unwrap_or_else(|e| fail(&format!("tempdir: {e}")));
    let playback = match &play {
        Play::Tone => Playback::Tone(vpbx_codec::CallProgress::Ringback),
        Play::Prompt { path, once } => {
            let path = path.clone().unwrap_or_else(|| {
                let path = prompt_dir.path().join("prompt.wav");
                write_prompt(&path);
                path
            });
            if *once {
                Playback::Files(vec![path])
            } else {
                Playback::Loop(vec![path])
            }
        }
    };
    thread::sleep(Duration::from_millis(200));
    let rss_before = rss_mib();
    let t = Instant::now();
    let sessions: Vec<_> = (0..n)
        .map(|i| {
            relay
                .open(i as u64)
                .unwrap_or_else(|e| fail(&format!("open #{i}: {e}")))
        })
        .collect();
    let open_us = t.elapsed().as_secs_f64() * 1e6 / n as f64;
    let phones: Vec<UdpSocket> = sessions
        .iter()
        .map(|s| {
            let socket = UdpSocket::bind((LOCAL, 0))
                .unwrap_or_else(|e| fail(&format!("bind a phone socket: {e}")));
            socket.set_nonblocking(true).expect("nonblocking");
            socket.connect((s.ip, s.a_port)).expect("connect");
            let rtp = socket.local_addr().expect("local addr");
            let rtcp = SocketAddr::new(rtp.ip(), rtp.port().wrapping_add(1));
            relay.set_remote(s.id, Side::A, rtp, rtcp);
            socket
        })
        .collect();
    thread::sleep(Duration::from_millis(500));
    let rss_idle = rss_mib();

    // Start the applications (as the core does on an IVR answer or hold), then measure.
    let config = AppConfig {
        codec: Codec::Pcma,
        event_pt: Some(101),
    };
    let t = Instant::now();
    for s in &sessions {
        relay.start_app(s.id, Side::A, config);
        relay.play(s.id, Side::A, playback.clone());
    }
    let start_us = t.elapsed().as_secs_f64() * 1e6 / n as f64;
    let from = Instant::now() + WARM_UP;
    let until = from + Duration::from_secs(args.seconds);
    let phones = Arc::new(phones);
    let stop = Arc::new(AtomicBool::new(false));
    let listener = {
        let (phones, stop) = (Arc::clone(&phones), Arc::clone(&stop));
        thread::Builder::new()
            .name("gen-listen".into())
            .spawn(move || listen(&phones, from, until, &stop))
            .expect("spawn listener")
    };
    thread::sleep(from.saturating_duration_since(Instant::now()));
    let cpu_before = thread_cpu();
    let machine_before = machine_jiffies();
    let udp_before = udp_buffer_errors();
    let mut rss_load = 0.0f64;
    while Instant::now() + Duration::from_secs(1) < until {
        thread::sleep(Duration::from_secs(1));
        rss_load = rss_load.max(rss_mib());
    }
    thread::sleep(until.saturating_duration_since(Instant::now()));
    let cpu_after = thread_cpu();
    let machine_after = machine_jiffies();
    let udp_after = udp_buffer_errors();
    thread::sleep(DRAIN);
    stop.store(true, Ordering::Relaxed);
    let heard = listener.join().expect("listener");
    rss_load = rss_load.max(rss_mib());
    let mut done = 0usize;
    while let Ok((_, event)) = events_rx.try_recv() {
        done += usize::from(event == MediaEvent::PlaybackDone);
    }
    let mut sent_out = 0u64;
    for s in &sessions {
        if let Some(stats) = relay.close(s.id) {
            sent_out += stats.a.packets_out;
        }
    }
    drop(phones);
    thread::sleep(Duration::from_secs(2));
    let rss_after = rss_mib();

    let wall = args.seconds as f64;
    let expected = 50 * args.seconds;
    let mut counts: Vec<u64> = heard.streams.iter().map(|s| s.received).collect();
    counts.sort_unstable();
    let received: u64 = counts.iter().sum();
    let lost: u64 = heard.streams.iter().map(|s| s.lost).sum();
    let late: u64 = heard.streams.iter().map(|s| s.late).sum();
    let out_of_order: u64 = heard.streams.iter().map(|s| s.out_of_order).sum();
    let silent = counts.iter().filter(|&&c| c == 0).count();
    let short = received as i64 - (expected * n as u64) as i64;
    let (jitter_mean, jitter_max) = mean_max(
        heard
            .streams
            .iter()
            .filter(|s| s.received >= 2)
            .map(|s| s.jitter / 1e6),
    );
    let (relay_cpu, gen_cpu, other_cpu) = cpu_split(&cpu_before, &cpu_after);
    let cores = thread::available_parallelism().map_or(1, |p| p.get()) as f64;
    let jiffies = |i: usize| machine_after[i].saturating_sub(machine_before[i]) as f64;
    let machine = |i: usize| {
        if jiffies(3) > 0.0 {
            jiffies(i) / jiffies(3) * cores
        } else {
            f64::NAN
        }
    };
    let (machine_busy, softirq, steal) = (machine(0), machine(1), machine(2));
    let foreign = machine_busy - softirq - (relay_cpu + gen_cpu + other_cpu) / wall;
    let mode = match &play {
        Play::Tone => "tone".to_owned(),
        Play::Prompt { once: true, .. } => "files".to_owned(),
        Play::Prompt { once: false, .. } => "loop".to_owned(),
    };
    println!(
        "relay_load playback={mode} calls={n} seconds={} open_us={open_us:.1} start_us={start_us:.1} \
         pkts_per_stream_expected={expected} pkts_per_stream_min={} pkts_per_stream_p50={} pkts_per_stream_max={} \
         received={received} vs_expected={short} pps={:.0} silent_streams={silent} lost={lost} late={late} \
         out_of_order={out_of_order} bad={} gap_ms_p50={:.2} gap_ms_p99={:.2} gap_ms_p999={:.2} gap_ms_max={:.2} \
         jitter_ms_mean={jitter_mean:.3} jitter_ms_max={jitter_max:.3} playback_done={done} relay_sent_total={sent_out} \
         relay_cpu={:.2} gen_cpu={:.2} other_cpu={:.2} machine_busy={machine_busy:.2} softirq={softirq:.2} \
         steal={steal:.2} foreign={foreign:.2} udp_rcvbuf_err={} udp_sndbuf_err={} \
         rss_mib_before={rss_before:.1} rss_mib_idle={rss_idle:.1} rss_mib_load={rss_load:.1} \
         rss_mib_after={rss_after:.1}",
        args.seconds,
        counts.first().copied().unwrap_or(0),
        counts.get(counts.len() / 2).copied().unwrap_or(0),
        counts.last().copied().unwrap_or(0),
        received as f64 / wall,
        heard.bad,
        gap_quantile_ms(&heard.gaps, 0.50),
        gap_quantile_ms(&heard.gaps, 0.99),
        gap_quantile_ms(&heard.gaps, 0.999),
        heard.max_gap_ns as f64 / 1e6,
        relay_cpu / wall,
        gen_cpu / wall,
        other_cpu / wall,
        udp_after.0.saturating_sub(udp_before.0),
        udp_after.1.saturating_sub(udp_before.1),
    );
    drop(relay);
}
