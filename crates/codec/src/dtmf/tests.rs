//! Q.24 acceptance and talk-off tests of the DTMF detector on synthetic signals.

use super::*;
use crate::tone::{dtmf_frequencies, DtmfGenerator, DtmfParams};

const DIGITS: &str = "123A456B789C*0#D";

/// Deterministic white noise source (xorshift64*), Gaussian by the sum of 12 uniforms.
struct Noise(u64);

impl Noise {
    fn uniform(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    }

    fn gaussian(&mut self) -> f64 {
        (0..12).map(|_| self.uniform()).sum::<f64>() - 6.0
    }
}

fn detect_chunked(x: &[i16], chunk: usize) -> Vec<DtmfEvent> {
    let mut d = DtmfDetector::default();
    let mut out = Vec::new();
    for c in x.chunks(chunk) {
        d.process(c, &mut out);
    }
    out
}

fn detect(x: &[i16]) -> Vec<DtmfEvent> {
    detect_chunked(x, 160)
}

fn digits_of(events: &[DtmfEvent]) -> String {
    events.iter().map(|e| e.digit).collect()
}

fn to_i16(x: &[f64]) -> Vec<i16> {
    x.iter()
        .map(|v| v.round().clamp(-32768.0, 32767.0) as i16)
        .collect()
}

/// Two tones at `low`/`high` Hz with the given levels in dBm0, `len` samples.
fn pair(low: f64, high: f64, low_dbm0: f64, high_dbm0: f64, len: usize) -> Vec<f64> {
    let (a, b) = (sine_amplitude(low_dbm0), sine_amplitude(high_dbm0));
    (0..len)
        .map(|n| {
            let t = n as f64 / 8000.0;
            a * (std::f64::consts::TAU * low * t).sin()
                + b * (std::f64::consts::TAU * high * t + 1.0).sin()
        })
        .collect()
}

fn sequence(digits: &str, on: u32, off: u32, level: f64, twist: f64) -> Vec<i16> {
    let params = DtmfParams {
        on_samples: on,
        off_samples: off,
        level_dbm0: level,
        twist_db: twist,
    };
    let mut x = vec![0i16; 400];
    x.extend(DtmfGenerator::new(digits, params).unwrap());
    x
}

#[test]
fn all_digits_at_all_levels() {
    for level in [-3.0, -10.0, -17.0, -25.0] {
        let x = sequence(DIGITS, 480, 400, level, 0.0);
        let events = detect(&x);
        assert_eq!(digits_of(&events), DIGITS, "level {level}");
        for (i, e) in events.iter().enumerate() {
            let expected = 400 + i as u64 * 880;
            assert!(e.start.abs_diff(expected) <= 60, "{e:?} vs {expected}");
        }
    }
}

#[test]
fn chunking_does_not_matter() {
    let x = sequence("159D", 400, 400, -12.0, 2.0);
    let whole = detect_chunked(&x, x.len());
    assert_eq!(digits_of(&whole), "159D");
    for chunk in [1, 7, 40, 41, 333] {
        assert_eq!(detect_chunked(&x, chunk), whole, "chunk {chunk}");
    }
}

#[test]
fn minimum_duration_and_pause() {
    // 40 ms tones with 40 ms pauses: every digit, including repeats, is reported.
    let x = sequence("11223344556677889900", 320, 320, -10.0, 0.0);
    assert_eq!(digits_of(&detect(&x)), "11223344556677889900");
    // 20 ms bursts are rejected, whatever their alignment to the analysis hop.
    for lead in 0..8 {
        let mut x = vec![0i16; 400 + lead * 5];
        x.extend(sequence(DIGITS, 160, 800, -6.0, 0.0));
        assert_eq!(detect(&x), vec![], "lead {lead}");
    }
}

#[test]
fn short_interruption_is_bridged() {
    let (lo, hi) = dtmf_frequencies('7').unwrap();
    let tone = to_i16(&pair(lo, hi, -10.0, -10.0, 2000));
    let mut x = vec![0i16; 200];
    x.extend_from_slice(&tone[..800]);
    x.extend(vec![0i16; 80]); // 10 ms drop-out
    x.extend_from_slice(&tone[880..]);
    x.extend(vec![0i16; 800]);
    assert_eq!(digits_of(&detect(&x)), "7");
}

#[test]
fn noise_at_15_db_snr() {
    let mut noise = Noise(0x1234_5678);
    for level in [-5.0, -15.0, -25.0] {
        let clean = sequence(DIGITS, 480, 400, level, 0.0);
        // Signal power of the two tones, noise 15 dB below it.
        let signal_power = sine_amplitude(level).powi(2);
        let sigma = (signal_power / 10f64.powf(1.5)).sqrt();
        let noisy: Vec<f64> = clean
            .iter()
            .map(|&s| f64::from(s) + sigma * noise.gaussian())
            .collect();
        assert_eq!(digits_of(&detect(&to_i16(&noisy))), DIGITS, "level {level}");
    }
}

#[test]
fn frequency_tolerance() {
    for (r, &low) in DTMF_ROWS.iter().enumerate() {
        for (c, &high) in DTMF_COLUMNS.iter().enumerate() {
            let digit = DTMF_KEYPAD[r][c];
            for (dl, dh) in [
                (0.015, 0.015),
                (-0.015, -0.015),
                (0.015, -0.015),
                (-0.015, 0.015),
            ] {
                let mut x = vec![0i16; 160];
                x.extend(to_i16(&pair(
                    low * (1.0 + dl),
                    high * (1.0 + dh),
                    -10.0,
                    -10.0,
                    480,
                )));
                x.extend(vec![0i16; 800]);
                assert_eq!(
                    digits_of(&detect(&x)),
                    digit.to_string(),
                    "{digit} {dl} {dh}"
                );
            }
            for (dl, dh) in [
                (0.04, 0.0),
                (-0.04, 0.0),
                (0.0, 0.04),
                (0.0, -0.04),
                (0.04, 0.04),
            ] {
                let mut x = vec![0i16; 160];
                x.extend(to_i16(&pair(
                    low * (1.0 + dl),
                    high * (1.0 + dh),
                    -10.0,
                    -10.0,
                    1600,
                )));
                x.extend(vec![0i16; 800]);
                assert_eq!(detect(&x), vec![], "{digit} {dl} {dh}");
            }
        }
    }
}

#[test]
fn twist_limits() {
    let (lo, hi) = dtmf_frequencies('8').unwrap();
    let run = |low_db: f64, high_db: f64| {
        let mut x = to_i16(&pair(lo, hi, low_db, high_db, 800));
        x.extend(vec![0i16; 800]);
        detect(&x).len()
    };
    assert_eq!(run(-10.0, -6.5), 1, "reverse twist +3.5 dB");
    assert_eq!(run(-6.0, -13.5), 1, "normal twist -7.5 dB");
    assert_eq!(run(-10.0, -4.0), 0, "reverse twist +6 dB");
    assert_eq!(run(-6.0, -16.0), 0, "normal twist -10 dB");
    assert_eq!(run(-40.0, -40.0), 0, "below sensitivity");
}

#[test]
fn single_tones_are_rejected() {
    let mut freqs: Vec<f64> = DTMF_ROWS.iter().chain(&DTMF_COLUMNS).copied().collect();
    freqs.extend([350.0, 425.0, 440.0, 480.0, 620.0, 1000.0, 2100.0]);
    for f in freqs {
        let x = to_i16(&pair(f, f, -6.0, -90.0, 4000));
        assert_eq!(detect(&x), vec![], "{f} Hz");
    }
    // Call-progress tones with two frequencies.
    for (a, b) in [(350.0, 440.0), (440.0, 480.0), (480.0, 620.0)] {
        assert_eq!(detect(&to_i16(&pair(a, b, -6.0, -6.0, 4000))), vec![]);
    }
}

/// A voiced, speech-like signal: a glottal pulse train (all harmonics of f0, falling
/// 12 dB/octave) through three resonant formants, with pitch and formants gliding, plus
/// unvoiced noise bursts.
fn speech_like(seconds: usize, seed: u64) -> Vec<i16> {
    let mut noise = Noise(seed);
    let len = seconds * 8000;
    let mut out = Vec::with_capacity(len);
    let mut phase = 0.0f64;
    // Formant resonator states (two-pole filters).
    let mut state = [[0.0f64; 2]; 3];
    let mut f0 = 120.0;
    let mut f0_target = 180.0;
    let mut formants = [700.0, 1200.0, 2500.0];
    let mut targets = [500.0, 1500.0, 2600.0];
    for n in 0..len {
        if n % 1200 == 0 {
            f0_target = 85.0 + 200.0 * noise.uniform();
            for (i, t) in targets.iter_mut().enumerate() {
                *t = [(300.0, 900.0), (850.0, 2300.0), (2200.0, 3200.0)][i].0
                    + noise.uniform()
                        * ([(300.0, 900.0), (850.0, 2300.0), (2200.0, 3200.0)][i].1
                            - [(300.0, 900.0), (850.0, 2300.0), (2200.0, 3200.0)][i].0);
            }
        }
        f0 += (f0_target - f0) * 0.002;
        for (f, t) in formants.iter_mut().zip(&targets) {
            *f += (t - *f) * 0.003;
        }
        // Syllable envelope: 250 ms voiced, 50 ms unvoiced burst, 100 ms gap.
        let pos = n % 3200;
        let excitation = if pos < 2000 {
            phase += f0 / 8000.0;
            if phase >= 1.0 {
                phase -= 1.0;
                1.0
            } else {
                0.0
            }
        } else if pos < 2400 {
            0.3 * noise.gaussian()
        } else {
            0.0
        };
        let mut y = 0.0;
        for (s, &f) in state.iter_mut().zip(&formants) {
            let r = 0.97f64;
            let a1 = 2.0 * r * (std::f64::consts::TAU * f / 8000.0).cos();
            let v = excitation + a1 * s[0] - r * r * s[1];
            s[1] = s[0];
            s[0] = v;
            y += v;
        }
        out.push(y * 400.0);
    }
    let peak = out.iter().fold(1.0f64, |m, v| m.max(v.abs()));
    to_i16(&out.iter().map(|v| v * 16000.0 / peak).collect::<Vec<_>>())
}

/// Sums of a few sustained harmonics whose pitch glides, some landing on DTMF rows and
/// columns (the hard case for talk-off).
fn gliding_harmonics(seconds: usize) -> Vec<i16> {
    let len = seconds * 8000;
    let mut phase = 0.0f64;
    (0..len)
        .map(|n| {
            let t = n as f64 / 8000.0;
            let f0 = 150.0 + 90.0 * (t * 1.3).sin() + 20.0 * (t * 7.0).sin();
            phase += f0 / 8000.0;
            let mut y = 0.0;
            for k in 1..=12 {
                let amp = 6000.0 / (k as f64).powf(0.7) * (1.0 + 0.5 * (t * k as f64).sin());
                y += amp * (std::f64::consts::TAU * k as f64 * phase).sin();
            }
            y.clamp(-32000.0, 32000.0) as i16
        })
        .collect()
}

#[test]
fn talk_off_synthetic_speech() {
    for seed in 1..=4 {
        let x = speech_like(8, seed);
        assert_eq!(detect(&x), vec![], "seed {seed}");
    }
    assert_eq!(detect(&gliding_harmonics(20)), vec![]);
    let mut noise = Noise(99);
    let bursts: Vec<f64> = (0..80_000)
        .map(|n| {
            if n % 4000 < 1200 {
                8000.0 * noise.gaussian()
            } else {
                0.0
            }
        })
        .collect();
    assert_eq!(detect(&to_i16(&bursts)), vec![]);
}

/// Speech from `espeak-ng`, read through the WAV reader (22.05 kHz → 8 kHz); skipped with
/// a note when `espeak-ng` is not installed.
#[test]
fn talk_off_espeak_speech() {
    let dir = tempfile::tempdir().unwrap();
    let texts = [
        ("en", "50", "Thank you for calling. Please enter your account number, followed by the pound key. To speak to an operator, press zero."),
        ("en", "90", "One two three four five six seven eight nine zero. Star. Hash. Your call is important to us; please hold the line."),
        ("de", "70", "Guten Tag, bitte warten Sie, der nächste freie Mitarbeiter ist gleich für Sie da."),
        ("fr", "30", "Bonjour, veuillez patienter, nous allons donner suite à votre appel dans quelques instants."),
    ];
    for (i, (voice, pitch, text)) in texts.iter().enumerate() {
        let path = dir.path().join(format!("speech{i}.wav"));
        let status = std::process::Command::new("espeak-ng")
            .args(["-v", voice, "-p", pitch, "-w"])
            .arg(&path)
            .arg(text)
            .status();
        match status {
            Ok(s) if s.success() => {}
            _ => {
                eprintln!("note: espeak-ng not available, speech talk-off case skipped");
                return;
            }
        }
        let bytes = std::fs::read(&path).unwrap();
        let pcm = crate::wav::read_8k_mono(&bytes, std::time::Duration::from_secs(60)).unwrap();
        assert!(pcm.len() > 8000, "{} samples", pcm.len());
        assert_eq!(detect(&pcm), vec![], "{text}");
        // Louder: speech peaking near full scale.
        let gain = 30000.0 / f64::from(crate::level::peak(&pcm).max(1));
        let loud: Vec<f64> = pcm.iter().map(|&s| f64::from(s) * gain).collect();
        assert_eq!(detect(&to_i16(&loud)), vec![], "{text} (normalised)");
    }
}
