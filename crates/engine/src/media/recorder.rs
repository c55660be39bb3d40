//! Call recording: stereo WAV files (caller left, callee right; 8 kHz 16-bit PCM), or the
//! caller alone in mono for voicemail messages, written
//! by one writer thread from the audio the relay taps off the RTP it forwards.
//!
//! The relay's [`Tap`] decodes each forwarded G.711 packet (RFC 3551 §4.5.14 static
//! payload types 0 and 8; other payloads, e.g. RFC 4733 events, are not audio and leave
//! silence) and places it on the recording's sample clock from its RTP timestamp
//! (RFC 3550 §5.1), anchored to the arrival time of the stream's first packet, so jitter
//! does not stretch the file and the two sides stay aligned. The writer thread pads gaps
//! with silence, interleaves the channels and appends them to the file, refreshing the
//! WAV header every few seconds so a crash leaves a readable file.
//!
//! Invariants: nothing on the RTP path blocks or touches the disk — audio goes through a
//! channel, and when more than [`MAX_QUEUED`] chunks wait the newest is dropped (a gap in
//! the recording, counted), never a packet of the call; a failing file (disk full, I/O
//! error) stops that recording only, with one log line; start and stop messages are never
//! dropped, so every started file is finalized.

use std::collections::HashMap;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::Arc;
use std::time::{Duration, Instant};

use vpbx_codec::wav::{Channels, WavRecorder};
use vpbx_codec::{Codec, SAMPLE_RATE};
use vpbx_rtp::RtpPacket;

/// Audio chunks allowed to wait for the writer before new ones are dropped (about 10 s of
/// audio of 500 recordings).
pub const MAX_QUEUED: usize = 500_000;
/// How far one side may run ahead of a silent other side before the writer pads the
/// silent side and writes (one second of samples).
const LAG: usize = SAMPLE_RATE as usize;
/// Smallest chunk written to the file.
const MIN_WRITE: usize = SAMPLE_RATE as usize / 5;
/// How often an open file's header is brought up to date.
const CHECKPOINT: Duration = Duration::from_secs(5);
/// A packet placed this far ahead of what was written is a timestamp jump: its stream
/// is re-anchored to its arrival time instead.
const MAX_AHEAD: u64 = 10 * SAMPLE_RATE as u64;
/// Bytes one second of a recording takes (2 channels × 2 bytes × 8000).
pub const BYTES_PER_SECOND: i64 = 4 * SAMPLE_RATE as i64;
/// Size of the WAV header written before the samples.
pub const HEADER_BYTES: i64 = 44;

/// Identifies a recording at the writer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RecordingId(u64);

/// A message to the writer thread.
enum Msg {
    Start {
        id: RecordingId,
        path: PathBuf,
        channels: Channels,
    },
    Audio {
        id: RecordingId,
        side: usize,
        at: u64,
        samples: Vec<i16>,
    },
    Stop {
        id: RecordingId,
    },
}

/// Handle to the writer thread; cheap to share.
#[derive(Debug)]
pub struct Recorder {
    root: PathBuf,
    tx: Sender<Msg>,
    queued: Arc<AtomicUsize>,
    next: AtomicU64,
    /// Set by the disk-space check: no new recordings while it holds.
    disk_low: AtomicBool,
    /// Audio chunks dropped because the writer fell behind.
    dropped: AtomicU64,
}

impl Recorder {
    /// Starts the writer thread; recordings are written under `root` (the data directory).
    ///
    /// # Errors
    /// If the thread cannot be spawned.
    pub fn start(root: PathBuf) -> std::io::Result<Arc<Recorder>> {
        let (tx, rx) = mpsc::channel();
        let queued = Arc::new(AtomicUsize::new(0));
        let writer_queued = Arc::clone(&queued);
        std::thread::Builder::new()
            .name("vpbx-recorder".into())
            .spawn(move || Writer::default().run(&rx, &writer_queued))?;
        Ok(Arc::new(Recorder {
            root,
            tx,
            queued,
            next: AtomicU64::new(1),
            disk_low: AtomicBool::new(false),
            dropped: AtomicU64::new(0),
        }))
    }

    /// Whether new recordings are refused because the disk is nearly full.
    pub fn disk_low(&self) -> bool {
        self.disk_low.load(Ordering::Relaxed)
    }

    /// Records whether the disk is nearly full (see [`Recorder::disk_low`]).
    pub fn set_disk_low(&self, low: bool) {
        self.disk_low.store(low, Ordering::Relaxed);
    }

    /// Audio chunks dropped so far because the writer fell behind.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// The directory recordings are written under.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Opens a recording at `relative` (under the root) and returns the tap the relay
    /// feeds: stereo (caller left, callee right), or [`Channels::Mono`] with the caller
    /// only (a voicemail message); `None` while the disk is nearly full.
    pub fn open(self: &Arc<Self>, relative: &str, channels: Channels) -> Option<Tap> {
        if self.disk_low() {
            return None;
        }
        let id = RecordingId(self.next.fetch_add(1, Ordering::Relaxed));
        let path = self.root.join(relative);
        self.tx.send(Msg::Start { id, path, channels }).ok()?;
        Some(Tap {
            recorder: Arc::clone(self),
            id,
            t0: Instant::now(),
            anchors: [None, None],
        })
    }

    fn audio(&self, id: RecordingId, side: usize, at: u64, samples: Vec<i16>) {
        if self.queued.load(Ordering::Relaxed) >= MAX_QUEUED {
            self.dropped.fetch_add(1, Ordering::Relaxed);
            return;
        }
        self.queued.fetch_add(1, Ordering::Relaxed);
        let msg = Msg::Audio {
            id,
            side,
            at,
            samples,
        };
        if self.tx.send(msg).is_err() {
            self.queued.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

/// Where one side's RTP stream sits on the recording's sample clock.
#[derive(Clone, Copy, Debug)]
struct Anchor {
    ssrc: u32,
    /// RTP timestamp of the anchoring packet.
    ts: u32,
    /// Recording sample position of the anchoring packet.
    at: u64,
}

/// The relay's end of one recording: turns forwarded RTP into positioned samples. Dropping
/// it stops the recording (the writer finalizes the file).
#[derive(Debug)]
pub struct Tap {
    recorder: Arc<Recorder>,
    id: RecordingId,
    t0: Instant,
    anchors: [Option<Anchor>; 2],
}

impl Tap {
    /// Records an RTP packet that `side` (0 caller, 1 callee) sent, arriving now.
    pub fn packet(&mut self, side: usize, bytes: &[u8]) {
        let Ok(packet) = RtpPacket::parse(bytes) else {
            return;
        };
        let Some(codec) = Codec::from_payload_type(packet.payload_type()) else {
            return;
        };
        let now_at = samples_since(self.t0);
        let (ssrc, ts) = (packet.ssrc(), packet.timestamp());
        let at = match self.anchors[side] {
            Some(a) if a.ssrc == ssrc => {
                // Wrapping difference (RFC 3550 §5.1: timestamps wrap), as a signed offset.
                let delta = i64::from(ts.wrapping_sub(a.ts) as i32);
                u64::try_from(
                    i64::try_from(a.at)
                        .unwrap_or(i64::MAX)
                        .saturating_add(delta),
                )
                .ok()
                .filter(|at| at.abs_diff(now_at) <= MAX_AHEAD)
            }
            _ => None,
        };
        let at = at.unwrap_or_else(|| {
            self.anchors[side] = Some(Anchor {
                ssrc,
                ts,
                at: now_at,
            });
            now_at
        });
        let mut samples = Vec::with_capacity(packet.payload().len());
        codec.decode(packet.payload(), &mut samples);
        self.recorder.audio(self.id, side, at, samples);
    }
}

impl Drop for Tap {
    fn drop(&mut self) {
        // The writer only goes away with the process.
        let _ = self.recorder.tx.send(Msg::Stop { id: self.id });
    }
}

/// Samples of the recording clock since `t0`.
fn samples_since(t0: Instant) -> u64 {
    let micros = t0.elapsed().as_micros();
    u64::try_from(micros * u128::from(SAMPLE_RATE) / 1_000_000).unwrap_or(u64::MAX)
}

/// One open file at the writer.
struct Open {
    path: PathBuf,
    file: WavRecorder<BufWriter<File>>,
    /// Samples not yet written, per channel, starting at `written`.
    pending: [Vec<i16>; 2],
    written: u64,
    checkpoint: Instant,
}

impl Open {
    fn create(path: &Path, channels: Channels) -> Result<Open, String> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
        }
        let file = File::create(path).map_err(|e| e.to_string())?;
        let file = WavRecorder::new(BufWriter::new(file), channels).map_err(|e| e.to_string())?;
        Ok(Open {
            path: path.to_path_buf(),
            file,
            pending: [Vec::new(), Vec::new()],
            written: 0,
            checkpoint: Instant::now(),
        })
    }

    /// Places `samples` of channel `side` at sample position `at`.
    fn place(&mut self, side: usize, at: u64, samples: &[i16]) {
        let skip = usize::try_from(self.written.saturating_sub(at)).unwrap_or(usize::MAX);
        let Some(samples) = samples.get(skip..).filter(|s| !s.is_empty()) else {
            return;
        };
        let Ok(offset) = usize::try_from(at.saturating_sub(self.written)) else {
            return;
        };
        if offset > MAX_AHEAD as usize {
            return;
        }
        let channel = &mut self.pending[side];
        let end = offset + samples.len();
        if channel.len() < end {
            channel.resize(end, 0);
        }
        channel[offset..end].copy_from_slice(samples);
    }

    /// Writes what both channels have, or what the leading one has beyond [`LAG`] (the
    /// other padded with silence); everything when `all`.
    fn write(&mut self, all: bool) -> Result<(), String> {
        let [a, b] = &self.pending;
        let (short, long) = (a.len().min(b.len()), a.len().max(b.len()));
        let n = if all {
            long
        } else {
            short.max(long.saturating_sub(LAG))
        };
        if n == 0 || (!all && n < MIN_WRITE) {
            return Ok(());
        }
        for channel in &mut self.pending {
            if channel.len() < n {
                channel.resize(n, 0);
            }
        }
        let [a, b] = &self.pending;
        match self.file.channels() {
            Channels::Mono => self.file.append_mono(&a[..n]),
            Channels::Stereo => self.file.append_stereo(&a[..n], &b[..n]),
        }
        .map_err(|e| e.to_string())?;
        for channel in &mut self.pending {
            channel.drain(..n);
        }
        self.written += n as u64;
        if self.checkpoint.elapsed() >= CHECKPOINT {
            self.checkpoint = Instant::now();
            self.file.checkpoint().map_err(|e| e.to_string())?;
        }
        Ok(())
    }
}

/// The writer thread's state.
#[derive(Default)]
struct Writer {
    open: HashMap<RecordingId, Open>,
}

impl Writer {
    fn run(mut self, rx: &Receiver<Msg>, queued: &AtomicUsize) {
        while let Ok(msg) = rx.recv() {
            match msg {
                Msg::Start { id, path, channels } => match Open::create(&path, channels) {
                    Ok(open) => {
                        self.open.insert(id, open);
                    }
                    Err(e) => {
                        tracing::warn!(path = %path.display(), error = %e, "cannot create the recording; the call goes on unrecorded");
                    }
                },
                Msg::Audio {
                    id,
                    side,
                    at,
                    samples,
                } => {
                    queued.fetch_sub(1, Ordering::Relaxed);
                    let Some(open) = self.open.get_mut(&id) else {
                        continue;
                    };
                    open.place(side, at, &samples);
                    if let Err(e) = open.write(false) {
                        self.fail(id, &e);
                    }
                }
                Msg::Stop { id } => {
                    if let Some(mut open) = self.open.remove(&id) {
                        let path = open.path.clone();
                        let done = open
                            .write(true)
                            .and_then(|()| open.file.finalize().map_err(|e| e.to_string()));
                        if let Err(e) = done {
                            tracing::warn!(path = %path.display(), error = %e, "recording could not be finished");
                        }
                    }
                }
            }
        }
    }

    /// Stops recording `id` after a write error; the call is not affected.
    fn fail(&mut self, id: RecordingId, error: &str) {
        if let Some(open) = self.open.remove(&id) {
            tracing::warn!(path = %open.path.display(), %error, "recording stopped by a write error; the call goes on");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An RTP packet (RFC 3550 §5.1) with 160 PCMU samples of `level`.
    fn rtp(ssrc: u32, ts: u32, level: i16) -> Vec<u8> {
        let mut p = vec![0x80, 0, 0, 1];
        p.extend_from_slice(&ts.to_be_bytes());
        p.extend_from_slice(&ssrc.to_be_bytes());
        Codec::Pcmu.encode(&[level; 160], &mut p);
        p
    }

    fn read(path: &Path) -> (hound::WavSpec, Vec<i16>) {
        let mut reader = hound::WavReader::open(path).unwrap();
        let spec = reader.spec();
        let samples = reader.samples::<i16>().map(Result::unwrap).collect();
        (spec, samples)
    }

    fn wait_for_file(path: &Path, min_bytes: u64) {
        for _ in 0..200 {
            if std::fs::metadata(path).is_ok_and(|m| m.len() >= min_bytes) {
                std::thread::sleep(Duration::from_millis(50));
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("{} was not written", path.display());
    }

    #[test]
    fn sides_land_in_their_channels_aligned_by_timestamp() {
        let dir = tempfile::tempdir().unwrap();
        let recorder = Recorder::start(dir.path().to_path_buf()).unwrap();
        let mut tap = recorder.open("rec/a.wav", Channels::Stereo).unwrap();
        for i in 0..50u32 {
            tap.packet(0, &rtp(1, 1000 + i * 160, 1000));
            tap.packet(1, &rtp(2, 9000 + i * 160, -2000));
        }
        tap.packet(0, b"not rtp");
        drop(tap);
        let path = dir.path().join("rec/a.wav");
        wait_for_file(&path, 44 + 4 * 7000);
        let (spec, samples) = read(&path);
        assert_eq!((spec.channels, spec.sample_rate), (2, 8000));
        let frames = samples.len() / 2;
        assert!((8000..8000 + 800).contains(&frames), "{frames} frames");
        let middle = &samples[2 * 4000..2 * 4000 + 2];
        assert!((middle[0] - 1000).abs() < 40, "{middle:?}");
        assert!((middle[1] + 2000).abs() < 80, "{middle:?}");
    }

    #[test]
    fn mono_keeps_the_caller_only() {
        let dir = tempfile::tempdir().unwrap();
        let recorder = Recorder::start(dir.path().to_path_buf()).unwrap();
        let mut tap = recorder.open("vm.wav", Channels::Mono).unwrap();
        for i in 0..50u32 {
            tap.packet(0, &rtp(3, i * 160, 1200));
            tap.packet(1, &rtp(4, i * 160, -3000));
        }
        drop(tap);
        let path = dir.path().join("vm.wav");
        wait_for_file(&path, 44 + 2 * 7000);
        let (spec, samples) = read(&path);
        assert_eq!(spec.channels, 1);
        assert!(samples[4000..4100].iter().all(|s| (s - 1200).abs() < 60));
    }

    #[test]
    fn one_silent_side_still_writes_and_bad_paths_do_not_panic() {
        let dir = tempfile::tempdir().unwrap();
        let recorder = Recorder::start(dir.path().to_path_buf()).unwrap();
        let mut tap = recorder.open("one.wav", Channels::Stereo).unwrap();
        for i in 0..100u32 {
            tap.packet(0, &rtp(7, i * 160, 500));
        }
        let path = dir.path().join("one.wav");
        drop(tap);
        wait_for_file(&path, 44 + 4 * 15_000);
        let (_, samples) = read(&path);
        assert!(
            samples.chunks(2).all(|f| f[1] == 0),
            "the silent side is silence"
        );

        std::fs::write(dir.path().join("file"), b"x").unwrap();
        let mut tap = recorder
            .open("file/below/a-file.wav", Channels::Stereo)
            .unwrap();
        tap.packet(0, &rtp(7, 0, 500));
        drop(tap);
        recorder.set_disk_low(true);
        assert!(recorder.open("x.wav", Channels::Mono).is_none());
    }
}
