//! Throughput of the media-processing core on one core: G.711 encode/decode (samples/s),
//! the in-band DTMF detector (8 kHz channels one core can run, on speech-like audio with
//! DTMF digits, on uninterrupted DTMF — every window runs the full check — and on silence), and the 44.1 kHz → 8 kHz resampler (input samples/s and
//! × real time).
//!
//! ```sh
//! cargo bench -p vpbx-codec --bench codec_throughput -- --runs 7
//! ```
//!
//! Each figure is the median of `--runs` runs (default 7) of plain `Instant` timing over
//! a fixed workload; inputs are generated up front and deterministic.

use std::hint::black_box;
use std::time::Instant;

use vpbx_codec::{resample, Codec, DtmfDetector, DtmfGenerator, DtmfParams};

/// Median of `runs` timings of `f`, in seconds.
fn median_secs(runs: usize, mut f: impl FnMut()) -> f64 {
    f();
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

/// A deterministic speech-like test signal: gliding harmonics with syllable gaps.
fn voice_like(len: usize) -> Vec<i16> {
    let mut phase = 0.0f64;
    (0..len)
        .map(|n| {
            let t = n as f64 / 8000.0;
            if n % 3200 > 2400 {
                return 0;
            }
            let f0 = 140.0 + 60.0 * (t * 1.7).sin();
            phase += f0 / 8000.0;
            (1..=10)
                .map(|k| 3000.0 / k as f64 * (std::f64::consts::TAU * k as f64 * phase).sin())
                .sum::<f64>() as i16
        })
        .collect()
}

fn main() {
    let runs = std::env::args()
        .skip_while(|a| a != "--runs")
        .nth(1)
        .and_then(|v| v.parse().ok())
        .unwrap_or(7usize);

    // G.711: 10 s of audio in 20 ms frames, reusing buffers as the media path does.
    let pcm = voice_like(80_000);
    for codec in Codec::ALL {
        let frame = codec.samples_per_frame();
        let mut bytes = Vec::with_capacity(frame);
        let mut encoded = Vec::new();
        codec.encode(&pcm, &mut encoded);
        let enc = median_secs(runs, || {
            for chunk in pcm.chunks(frame) {
                bytes.clear();
                codec.encode(black_box(chunk), &mut bytes);
                black_box(&bytes);
            }
        });
        let mut out = Vec::with_capacity(frame);
        let dec = median_secs(runs, || {
            for chunk in encoded.chunks(frame) {
                out.clear();
                codec.decode(black_box(chunk), &mut out);
                black_box(&out);
            }
        });
        let n = pcm.len() as f64;
        println!(
            "g711 {:4}: encode {:7.1} M samples/s, decode {:7.1} M samples/s ({:.0} / {:.0} channels)",
            codec.name(),
            n / enc / 1e6,
            n / dec / 1e6,
            n / enc / 8000.0,
            n / dec / 8000.0
        );
    }

    // DTMF detector: 20 s per channel, fed in 20 ms frames.
    let mut busy = voice_like(160_000);
    let digits: Vec<i16> = DtmfGenerator::new("0123456789*#ABCD", DtmfParams::default())
        .map(Iterator::collect)
        .unwrap_or_default();
    for (i, s) in digits.iter().enumerate() {
        busy[40_000 + i] = *s;
    }
    let silence = vec![0i16; 160_000];
    let tones_params = DtmfParams {
        on_samples: 9_600,
        off_samples: 400,
        ..DtmfParams::default()
    };
    let tones: Vec<i16> = DtmfGenerator::new("0123456789*#ABCD", tones_params)
        .map(Iterator::collect)
        .unwrap_or_default();
    for (name, signal) in [
        ("speech+digits", &busy),
        ("continuous DTMF, worst case", &tones),
        ("silence", &silence),
    ] {
        let mut events = Vec::new();
        let secs = median_secs(runs, || {
            let mut detector = DtmfDetector::default();
            events.clear();
            for frame in signal.chunks(160) {
                detector.process(black_box(frame), &mut events);
            }
        });
        let audio_secs = signal.len() as f64 / 8000.0;
        println!(
            "dtmf detect ({name}): {:.1} M samples/s = {:.0} concurrent 8 kHz channels per core ({} digits found)",
            signal.len() as f64 / secs / 1e6,
            audio_secs / secs,
            events.len()
        );
    }

    // Resampler: 10 s of 44.1 kHz music-like audio to 8 kHz.
    let music: Vec<f32> = (0..441_000)
        .map(|n| {
            let t = n as f64 / 44_100.0;
            (0.3 * (std::f64::consts::TAU * 440.0 * t).sin()
                + 0.2 * (std::f64::consts::TAU * 5_000.0 * t).sin()) as f32
        })
        .collect();
    let secs = median_secs(runs, || {
        black_box(
            resample::to_8k(black_box(&music), 44_100)
                .map(|v| v.len())
                .unwrap_or(0),
        );
    });
    println!(
        "resample 44.1 kHz -> 8 kHz: {:.1} M input samples/s = {:.0}x real time",
        music.len() as f64 / secs / 1e6,
        10.0 / secs
    );
}
