//! The UDP relay implementing [`super::MediaPlane`]: anchored RTP and RTCP (RFC 3550 §11,
//! separate even/odd ports) with symmetric RTP and latching for NAT (RFC 4961 §4), RTCP
//! report figures per leg (RFC 3550 §6.4.1) and the RTP timeout.
//!
//! One tokio task per session owns the session's four sockets (A RTP, A RTCP, B RTP,
//! B RTCP) and polls them, its control channel and its timer from a single `poll` function.
//! A datagram is read into a per-thread buffer and sent on with `try_send_to` in the same
//! poll: no copy, no allocation, no lock and no await on the RTP path. Counters are
//! relaxed atomics shared with [`Relay`]; RTCP report figures sit behind a per-session
//! mutex taken only for RTCP datagrams.
//!
//! Invariants: each of the four flows (side × RTP/RTCP) sends to at most one address:
//! the one given by `set_remote` until a datagram arrives on that flow, then the source of
//! that first datagram (latched) until the next `set_remote`; datagrams from any other
//! source after latching, and datagrams for a side whose remote is unknown, are dropped.
//! Closing a session (or dropping the [`Relay`]) ends its task, which closes the sockets
//! before returning the ports to the pool. A timeout is reported at most once per silence.

use std::cell::RefCell;
use std::collections::HashMap;
use std::future::{poll_fn, Future};
use std::net::{IpAddr, SocketAddr};
use std::ops::RangeInclusive;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::ReadBuf;
use tokio::net::UdpSocket;
use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};
use tokio::time::{Instant, Sleep};
use vpbx_rtp::quality::{Event, Quality, QualityTracker};
use vpbx_rtp::Compound;

use super::app::{App, AppConfig, AppEvent, Source};
use super::ports::{PortLease, PortPool};
use super::prompts::PromptCache;
use super::recorder::{Recorder, Tap};
use super::{
    LegQuality, MediaError, MediaEvent, MediaId, MediaPlane, MediaSession, MediaStats, Playback,
    Side,
};
use vpbx_codec::Channels;

/// Number of independently locked parts of the session table.
const SHARDS: usize = 16;

/// Largest UDP payload; the per-thread receive buffer never truncates a datagram.
const MAX_DATAGRAM: usize = 65_536;

thread_local! {
    /// Receive buffer of the worker thread polling a session; borrowed only inside one poll.
    static BUFFER: RefCell<Box<[u8]>> = RefCell::new(vec![0; MAX_DATAGRAM].into_boxed_slice());
}

/// Anchored RTP/RTCP relay on UDP sockets (RFC 3550 §11, RFC 4961), one task per session.
#[derive(Debug)]
pub struct Relay {
    ip: IpAddr,
    ports: Arc<PortPool>,
    rtp_timeout: Duration,
    events: UnboundedSender<(u64, MediaEvent)>,
    runtime: tokio::runtime::Handle,
    next_id: AtomicU64,
    sessions: Box<[Mutex<HashMap<MediaId, Entry>>]>,
    recorder: Option<Arc<Recorder>>,
    prompts: Arc<PromptCache>,
}

/// What the relay keeps of a running session.
#[derive(Debug)]
struct Entry {
    control: UnboundedSender<Control>,
    shared: Arc<Shared>,
}

/// Instructions from the call core to a session task (RFC 3264 §5 remote, RFC 4961 latch).
#[derive(Debug)]
enum Control {
    Remote {
        side: Side,
        rtp: SocketAddr,
        rtcp: SocketAddr,
    },
    Armed(bool),
    Record(Tap),
    App(Side, AppConfig),
    Play(Side, Source),
    Bridge(Side),
}

/// Figures written by the session task and read by [`Relay`].
#[derive(Debug, Default)]
struct Shared {
    legs: [Counters; 2],
    quality: Mutex<[QualityTracker; 2]>,
}

/// RTP packet counters of one leg (RFC 3550 §6.4.1 sense of "received").
#[derive(Debug, Default)]
struct Counters {
    packets_in: AtomicU64,
    packets_out: AtomicU64,
    dropped: AtomicU64,
}

impl Shared {
    fn quality(&self) -> MutexGuard<'_, [QualityTracker; 2]> {
        self.quality.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn stats(&self) -> MediaStats {
        let quality = self.quality();
        MediaStats {
            a: leg(&self.legs[0], quality[0].quality()),
            b: leg(&self.legs[1], quality[1].quality()),
        }
    }
}

fn leg(counters: &Counters, quality: Quality) -> LegQuality {
    LegQuality {
        packets_in: counters.packets_in.load(Ordering::Relaxed),
        packets_out: counters.packets_out.load(Ordering::Relaxed),
        dropped: counters.dropped.load(Ordering::Relaxed),
        lost: quality.lost,
        fraction_lost: quality.fraction_lost,
        jitter_ms: quality.jitter_ms,
        rtt_ms: quality.rtt.map(|rtt| rtt.as_secs_f64() * 1000.0),
    }
}

impl Relay {
    /// A relay on `ip` using the RTP/RTCP port pairs of `ports` (RFC 3550 §11); sessions
    /// report [`MediaEvent::Timeout`] on `events` after `rtp_timeout` without RTP (never
    /// when it is zero); calls are recorded through `recorder` when asked.
    ///
    /// # Panics
    /// Outside a tokio runtime: sessions are spawned on the runtime current here.
    pub fn new(
        ip: IpAddr,
        ports: RangeInclusive<u16>,
        rtp_timeout: Duration,
        events: UnboundedSender<(u64, MediaEvent)>,
        recorder: Option<Arc<Recorder>>,
    ) -> Relay {
        Relay {
            ip,
            ports: PortPool::new(ip, ports),
            rtp_timeout,
            events,
            runtime: tokio::runtime::Handle::current(),
            next_id: AtomicU64::new(1),
            sessions: (0..SHARDS).map(|_| Mutex::default()).collect(),
            recorder,
            prompts: Arc::new(PromptCache::new(MAX_PROMPT)),
        }
    }

    /// What a running session measured so far (RFC 3550 §6.4.1), `None` if `id` is unknown.
    pub fn stats(&self, id: MediaId) -> Option<MediaStats> {
        self.shard(id).get(&id).map(|entry| entry.shared.stats())
    }

    fn shard(&self, id: MediaId) -> MutexGuard<'_, HashMap<MediaId, Entry>> {
        // The remainder is below SHARDS, so the cast is lossless.
        let index = (id.0 % SHARDS as u64) as usize;
        self.sessions[index]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn control(&self, id: MediaId, control: Control) {
        if let Some(entry) = self.shard(id).get(&id) {
            // A send error means the task is gone; close() will clean up.
            let _ = entry.control.send(control);
        }
    }
}

impl MediaPlane for Relay {
    /// Binds two port pairs (RFC 3550 §11) and starts the session task, armed.
    fn open(&self, owner: u64) -> Result<MediaSession, MediaError> {
        let a = self.ports.allocate()?;
        let b = self.ports.allocate()?;
        let (a_port, b_port) = (a.lease.port(), b.lease.port());
        let _runtime = self.runtime.enter();
        let sockets = [
            tokio_socket(a.rtp)?,
            tokio_socket(a.rtcp)?,
            tokio_socket(b.rtp)?,
            tokio_socket(b.rtcp)?,
        ];
        let id = MediaId(self.next_id.fetch_add(1, Ordering::Relaxed));
        let shared = Arc::new(Shared::default());
        let (control, control_rx) = mpsc::unbounded_channel();
        let now = Instant::now();
        let mut session = Session {
            sockets,
            flows: [Flow::default(); 4],
            owner,
            shared: Arc::clone(&shared),
            control: control_rx,
            events: self.events.clone(),
            timeout: self.rtp_timeout,
            armed: true,
            fired: false,
            last_rtp: now,
            timer: Box::pin(tokio::time::sleep_until(now + self.rtp_timeout)),
            first: 0,
            tap: None,
            apps: [None, None],
            app_timer: Box::pin(tokio::time::sleep_until(now)),
            packet: Vec::with_capacity(200),
            _leases: [a.lease, b.lease],
        };
        self.shard(id).insert(id, Entry { control, shared });
        self.runtime.spawn(poll_fn(move |cx| session.poll(cx)));
        Ok(MediaSession {
            id,
            ip: self.ip,
            a_port,
            b_port,
        })
    }

    /// Sets the party's addresses from its SDP (RFC 3264 §5) and unlatches that side
    /// (RFC 4961 §4: a re-INVITE may move the party).
    fn set_remote(&self, id: MediaId, side: Side, rtp: SocketAddr, rtcp: SocketAddr) {
        self.control(id, Control::Remote { side, rtp, rtcp });
    }

    /// Arms or disarms the RTP timeout; arming restarts its clock.
    fn set_timeout_armed(&self, id: MediaId, armed: bool) {
        self.control(id, Control::Armed(armed));
    }

    /// Hands the session task a [`Tap`] on a new recording; it records every RTP packet
    /// it forwards from then on, until the session closes.
    fn record(&self, id: MediaId, relative: &str, caller_only: bool) -> bool {
        let channels = if caller_only {
            Channels::Mono
        } else {
            Channels::Stereo
        };
        let Some(tap) = self
            .recorder
            .as_ref()
            .and_then(|r| r.open(relative, channels))
        else {
            return false;
        };
        match self.shard(id).get(&id) {
            Some(entry) => entry.control.send(Control::Record(tap)).is_ok(),
            None => false,
        }
    }

    fn start_app(&self, id: MediaId, side: Side, config: AppConfig) {
        self.control(id, Control::App(side, config));
    }

    /// Files are read and converted on a blocking thread through the shared
    /// [`PromptCache`] (one decoded copy per prompt for all calls), then handed to the
    /// session task; tones and silence go at once.
    fn play(&self, id: MediaId, side: Side, playback: Playback) {
        let looped = matches!(playback, Playback::Loop(_));
        match playback {
            Playback::Silence => self.control(id, Control::Play(side, Source::Silence)),
            Playback::Tone(tone) => self.control(id, Control::Play(side, Source::Tone(tone))),
            Playback::Beep => self.control(id, Control::Play(side, Source::Samples(beep()))),
            Playback::Files(files) | Playback::Loop(files) => {
                let Some(control) = self.shard(id).get(&id).map(|e| e.control.clone()) else {
                    return;
                };
                let cache = self.prompts.clone();
                self.runtime.spawn(async move {
                    let loaded =
                        tokio::task::spawn_blocking(move || load_prompts(&cache, &files)).await;
                    let samples = loaded.unwrap_or_else(|_| Vec::new().into());
                    let source = if looped {
                        Source::Loop(samples)
                    } else {
                        Source::Samples(samples)
                    };
                    // A send error means the session closed meanwhile.
                    let _ = control.send(Control::Play(side, source));
                });
            }
        }
    }

    fn bridge(&self, id: MediaId, side: Side) {
        self.control(id, Control::Bridge(side));
    }

    /// Stops the session task, which closes the sockets and then frees the ports
    /// (RFC 3550 §11), and returns the session's figures as of now (datagrams the task is
    /// handling at this instant may be missing from them).
    fn close(&self, id: MediaId) -> Option<MediaStats> {
        let entry = self.shard(id).remove(&id)?;
        // Dropping `entry.control` closes the channel, which ends the task.
        Some(entry.shared.stats())
    }
}

/// Where one flow (side × RTP/RTCP) sends, and whether that address was latched.
#[derive(Clone, Copy, Debug, Default)]
struct Flow {
    remote: Option<SocketAddr>,
    latched: bool,
}

/// A session task's state. Field order matters: the sockets close before the leases
/// return their ports to the pool.
struct Session {
    /// A RTP, A RTCP, B RTP, B RTCP: index `2 * side + (0 for RTP, 1 for RTCP)`.
    sockets: [UdpSocket; 4],
    /// The flow sending out of the socket of the same index.
    flows: [Flow; 4],
    owner: u64,
    shared: Arc<Shared>,
    control: UnboundedReceiver<Control>,
    events: UnboundedSender<(u64, MediaEvent)>,
    timeout: Duration,
    armed: bool,
    fired: bool,
    last_rtp: Instant,
    timer: Pin<Box<Sleep>>,
    /// Socket polled first, rotated so that a flooded socket cannot starve the others.
    first: usize,
    /// The call's recording, if it is recorded; dropped (and finalized) with the session.
    tap: Option<Tap>,
    /// Applications talking to the party of each side instead of the other side.
    apps: [Option<Box<App>>; 2],
    /// When the applications send their next packet (every 20 ms while one runs).
    app_timer: Pin<Box<Sleep>>,
    /// Buffer the applications build their packets in.
    packet: Vec<u8>,
    _leases: [PortLease; 2],
}

impl Session {
    /// Runs the session until its control channel closes (`Ready`).
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        loop {
            match self.control.poll_recv(cx) {
                Poll::Ready(Some(control)) => self.apply(control),
                Poll::Ready(None) => return Poll::Ready(()),
                Poll::Pending => break,
            }
        }
        BUFFER.with_borrow_mut(|buffer| {
            for k in 0..self.sockets.len() {
                self.drain((self.first + k) % 4, buffer, cx);
            }
        });
        // After the sockets: RTP just received may have to move the timer.
        self.poll_timer(cx);
        self.poll_apps(cx);
        self.first = (self.first + 1) % 4;
        Poll::Pending
    }

    fn apply(&mut self, control: Control) {
        match control {
            Control::Remote { side, rtp, rtcp } => {
                let base = 2 * index(side);
                self.flows[base] = Flow {
                    remote: Some(rtp),
                    latched: false,
                };
                self.flows[base + 1] = Flow {
                    remote: Some(rtcp),
                    latched: false,
                };
            }
            Control::Armed(armed) => {
                self.armed = armed;
                if armed {
                    self.fired = false;
                    self.last_rtp = Instant::now();
                    self.timer.as_mut().reset(self.last_rtp + self.timeout);
                }
            }
            Control::Record(tap) => self.tap = Some(tap),
            Control::App(side, config) => {
                if self.apps.iter().all(Option::is_none) {
                    self.app_timer.as_mut().reset(Instant::now());
                }
                self.apps[index(side)] = Some(Box::new(App::new(config)));
            }
            Control::Play(side, source) => {
                if let Some(app) = self.apps[index(side)].as_mut() {
                    app.play(source);
                }
            }
            Control::Bridge(side) => self.apps[index(side)] = None,
        }
    }

    /// The timer is moved lazily: it fires at the deadline computed when it was last set,
    /// and is pushed to `last_rtp + timeout` if RTP arrived since.
    fn poll_timer(&mut self, cx: &mut Context<'_>) {
        if !self.armed || self.fired || self.timeout.is_zero() {
            return;
        }
        while self.timer.as_mut().poll(cx).is_ready() {
            let deadline = self.last_rtp + self.timeout;
            if self.timer.deadline() >= deadline {
                self.fired = true;
                // A send error means the core is gone; nobody is left to tell.
                let _ = self.events.send((self.owner, MediaEvent::Timeout));
                return;
            }
            self.timer.as_mut().reset(deadline);
        }
    }

    /// Sends each application's next packet every 20 ms (RFC 3551 §4.2 packetization),
    /// catching up at most 100 ms after a stall rather than bursting.
    fn poll_apps(&mut self, cx: &mut Context<'_>) {
        if self.apps.iter().all(Option::is_none) {
            return;
        }
        while self.app_timer.as_mut().poll(cx).is_ready() {
            let now = Instant::now();
            let mut due = self.app_timer.deadline();
            if now.duration_since(due) > Duration::from_millis(100) {
                due = now;
            }
            for side in 0..2 {
                let Some(app) = self.apps[side].as_mut() else {
                    continue;
                };
                let event = app.next_packet(&mut self.packet);
                if let Some(to) = self.flows[2 * side].remote {
                    if self.sockets[2 * side].try_send_to(&self.packet, to).is_ok() {
                        self.shared.legs[side]
                            .packets_out
                            .fetch_add(1, Ordering::Relaxed);
                    }
                }
                if event == Some(AppEvent::PlaybackDone) {
                    // A send error means the core is gone; nobody is left to tell.
                    let _ = self.events.send((self.owner, MediaEvent::PlaybackDone));
                }
            }
            self.app_timer.as_mut().reset(due + APP_PERIOD);
        }
    }

    /// Reads every datagram queued on socket `i` (until it would block or the task's
    /// cooperative budget runs out, both of which register a wake-up).
    fn drain(&mut self, i: usize, buffer: &mut [u8], cx: &mut Context<'_>) {
        loop {
            let mut read = ReadBuf::new(buffer);
            match self.sockets[i].poll_recv_from(cx, &mut read) {
                Poll::Ready(Ok(from)) => {
                    let len = read.filled().len();
                    self.forward(i, from, &buffer[..len]);
                }
                Poll::Ready(Err(_)) => {
                    // A transient receive error: poll again later rather than spin.
                    cx.waker().wake_by_ref();
                    return;
                }
                Poll::Pending => return,
            }
        }
    }

    /// Latches, counts and forwards one datagram that arrived on socket `i` from `from`.
    fn forward(&mut self, i: usize, from: SocketAddr, bytes: &[u8]) {
        let side = i / 2;
        let rtp = i & 1 == 0;
        let counters = &self.shared.legs[side];
        let flow = &mut self.flows[i];
        if flow.latched && flow.remote != Some(from) {
            if rtp {
                counters.dropped.fetch_add(1, Ordering::Relaxed);
            }
            return;
        }
        *flow = Flow {
            remote: Some(from),
            latched: true,
        };
        if rtp {
            counters.packets_in.fetch_add(1, Ordering::Relaxed);
            self.last_rtp = Instant::now();
            self.fired = false;
            if let Some(tap) = &mut self.tap {
                tap.packet(side, bytes);
            }
        }
        if let Some(app) = self.apps[side].as_mut() {
            if rtp {
                if let Some(AppEvent::Digit(digit)) = app.on_rtp(bytes) {
                    // A send error means the core is gone; nobody is left to tell.
                    let _ = self.events.send((self.owner, MediaEvent::Digit(digit)));
                }
            }
            return;
        }
        let out = i ^ 2;
        if self.apps[out / 2].is_some() {
            return;
        }
        let sent = match self.flows[out].remote {
            Some(to) => self.sockets[out].try_send_to(bytes, to).is_ok(),
            None => false,
        };
        if rtp {
            let counter = if sent {
                &self.shared.legs[out / 2].packets_out
            } else {
                &counters.dropped
            };
            counter.fetch_add(1, Ordering::Relaxed);
        } else {
            self.rtcp(side, sent, bytes);
        }
    }

    /// Feeds an RTCP datagram from `side`'s party to the quality trackers (RFC 3550
    /// §6.4.1): its report blocks describe what that party received; its SRs, if
    /// `forwarded`, are now on their way to the other party.
    fn rtcp(&self, side: usize, forwarded: bool, bytes: &[u8]) {
        let Ok(compound) = Compound::parse(bytes) else {
            return;
        };
        let now = std::time::Instant::now();
        let mut quality = self.shared.quality();
        for report in &compound.reports {
            for block in report.blocks() {
                quality[side].handle(now, Event::ReportReceived(block));
            }
            if let (true, Some(info)) = (forwarded, report.sender_info()) {
                let ntp_middle = info.ntp_middle();
                quality[1 - side].handle(now, Event::SrForwarded { ntp_middle });
            }
        }
    }
}

/// Packetization interval of the applications (RFC 3551 §4.2: 20 ms for G.711).
const APP_PERIOD: Duration = Duration::from_millis(20);
/// Longest prompt list played at once.
const MAX_PROMPT: Duration = Duration::from_secs(600);

/// Half a second of 1 kHz at about -10 dBFS: the voicemail beep.
fn beep() -> Arc<[i16]> {
    (0..4000)
        .map(|i| {
            let phase = std::f64::consts::TAU * 1000.0 * f64::from(i) / 8000.0;
            (10_000.0 * phase.sin()) as i16
        })
        .collect()
}

/// `files` as one 8 kHz mono buffer: one file's shared copy as it is, several joined; a
/// file that cannot be read or converted is skipped with a warning, so a broken prompt
/// never stops a call. Blocking.
fn load_prompts(cache: &PromptCache, files: &[std::path::PathBuf]) -> Arc<[i16]> {
    let mut decoded: Vec<Arc<[i16]>> = files
        .iter()
        .filter_map(|file| {
            cache
                .get(file)
                .map_err(
                    |e| tracing::warn!(file = %file.display(), error = %e, "prompt not played"),
                )
                .ok()
        })
        .collect();
    if decoded.len() == 1 {
        return decoded.remove(0);
    }
    decoded.concat().into()
}

/// Registers a bound socket with the current runtime's reactor.
fn tokio_socket(socket: std::net::UdpSocket) -> std::io::Result<UdpSocket> {
    socket.set_nonblocking(true)?;
    UdpSocket::from_std(socket)
}

fn index(side: Side) -> usize {
    match side {
        Side::A => 0,
        Side::B => 1,
    }
}
