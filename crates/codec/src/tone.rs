//! Tone generation at 8 kHz: call-progress tones with cadences in the style of
//! ITU-T E.180 (dial, ringback, busy, congestion, for the ITU/European 425 Hz plan and the
//! North American precise-tone plan) and DTMF digits (ITU-T Q.23 frequencies).
//!
//! Generators are sans-IO state machines: [`ToneGenerator::fill`] and
//! [`DtmfGenerator::fill`] (or their `Iterator` impls) produce the same samples whatever
//! the size of the buffers they are asked to fill, with oscillator phase and cadence
//! position carried across calls.

use crate::level::sine_amplitude;
use crate::SAMPLE_RATE;

/// DTMF low-group (row) frequencies in Hz (ITU-T Q.23 §2, Figure 1).
pub const DTMF_ROWS: [f64; 4] = [697.0, 770.0, 852.0, 941.0];

/// DTMF high-group (column) frequencies in Hz (ITU-T Q.23 §2, Figure 1).
pub const DTMF_COLUMNS: [f64; 4] = [1209.0, 1336.0, 1477.0, 1633.0];

/// The DTMF keypad, `DTMF_KEYPAD[row][column]` (ITU-T Q.23 Figure 1).
pub const DTMF_KEYPAD: [[char; 4]; 4] = [
    ['1', '2', '3', 'A'],
    ['4', '5', '6', 'B'],
    ['7', '8', '9', 'C'],
    ['*', '0', '#', 'D'],
];

/// Row and column index of a DTMF digit (`0-9`, `*`, `#`, `A-D`, case-insensitive)
/// on the ITU-T Q.23 keypad.
pub fn dtmf_position(digit: char) -> Option<(usize, usize)> {
    let digit = digit.to_ascii_uppercase();
    DTMF_KEYPAD
        .iter()
        .enumerate()
        .find_map(|(r, row)| row.iter().position(|&d| d == digit).map(|c| (r, c)))
}

/// Low- and high-group frequencies of a DTMF digit in Hz (ITU-T Q.23 §2).
pub fn dtmf_frequencies(digit: char) -> Option<(f64, f64)> {
    dtmf_position(digit).map(|(r, c)| (DTMF_ROWS[r], DTMF_COLUMNS[c]))
}

/// A sine oscillator with its phase kept across calls, in cycles.
#[derive(Debug, Clone, Copy)]
struct Oscillator {
    phase: f64,
    step: f64,
    amplitude: f64,
}

impl Oscillator {
    fn new(frequency: f64, amplitude: f64) -> Self {
        Oscillator {
            phase: 0.0,
            step: frequency / f64::from(SAMPLE_RATE),
            amplitude,
        }
    }

    fn next(&mut self) -> f64 {
        let value = self.amplitude * (std::f64::consts::TAU * self.phase).sin();
        self.phase = (self.phase + self.step).fract();
        value
    }
}

fn to_i16(value: f64) -> i16 {
    value
        .round()
        .clamp(f64::from(i16::MIN), f64::from(i16::MAX)) as i16
}

/// A national tone plan (ITU-T E.180 Supplement 2 lists each country's tones).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Region {
    /// The ITU-T E.180 §2 recommended plan used across Europe: 425 Hz.
    Eu,
    /// The North American precise-tone plan (ANSI T1.401): 350+440, 440+480, 480+620 Hz.
    Us,
}

impl Region {
    /// The plan for a configuration code: `"eu"` or `"itu"`, `"us"` (ASCII case-insensitive).
    pub fn from_code(code: &str) -> Option<Region> {
        match code.to_ascii_lowercase().as_str() {
            "eu" | "itu" => Some(Region::Eu),
            "us" => Some(Region::Us),
            _ => None,
        }
    }
}

/// A call-progress tone (ITU-T E.180 §2 and §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallProgress {
    /// Dial tone: continuous (E.180 §2.1).
    Dial,
    /// Ringing tone, heard by the caller while the callee is alerted (E.180 §2.2).
    Ringback,
    /// Busy tone (E.180 §2.3).
    Busy,
    /// Congestion (reorder) tone (E.180 §2.4).
    Congestion,
}

/// Frequencies, level and on/off cadence of a tone (ITU-T E.180 §2).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cadence {
    /// Frequencies mixed while the tone is on, in Hz.
    pub frequencies: &'static [f64],
    /// Level of each frequency component in dBm0.
    pub level_dbm0: f64,
    /// Alternating on and off durations in milliseconds, starting with on and repeating;
    /// empty for a continuous tone.
    pub pattern_ms: &'static [u32],
}

impl Cadence {
    /// The cadence of `tone` in `region`: E.180 §2 recommended values for [`Region::Eu`]
    /// (425 Hz; ringback 1 s on 4 s off, busy 0.5/0.5 s, congestion 0.25/0.25 s) and the
    /// precise-tone plan for [`Region::Us`] (dial 350+440 Hz, ringback 440+480 Hz 2 s on 4 s
    /// off, busy 480+620 Hz 0.5/0.5 s, reorder 480+620 Hz 0.25/0.25 s).
    pub const fn of(region: Region, tone: CallProgress) -> Cadence {
        const EU: &[f64] = &[425.0];
        match (region, tone) {
            (Region::Eu, CallProgress::Dial) => Cadence {
                frequencies: EU,
                level_dbm0: -10.0,
                pattern_ms: &[],
            },
            (Region::Eu, CallProgress::Ringback) => Cadence {
                frequencies: EU,
                level_dbm0: -10.0,
                pattern_ms: &[1000, 4000],
            },
            (Region::Eu, CallProgress::Busy) => Cadence {
                frequencies: EU,
                level_dbm0: -10.0,
                pattern_ms: &[500, 500],
            },
            (Region::Eu, CallProgress::Congestion) => Cadence {
                frequencies: EU,
                level_dbm0: -10.0,
                pattern_ms: &[250, 250],
            },
            (Region::Us, CallProgress::Dial) => Cadence {
                frequencies: &[350.0, 440.0],
                level_dbm0: -13.0,
                pattern_ms: &[],
            },
            (Region::Us, CallProgress::Ringback) => Cadence {
                frequencies: &[440.0, 480.0],
                level_dbm0: -19.0,
                pattern_ms: &[2000, 4000],
            },
            (Region::Us, CallProgress::Busy) => Cadence {
                frequencies: &[480.0, 620.0],
                level_dbm0: -24.0,
                pattern_ms: &[500, 500],
            },
            (Region::Us, CallProgress::Congestion) => Cadence {
                frequencies: &[480.0, 620.0],
                level_dbm0: -24.0,
                pattern_ms: &[250, 250],
            },
        }
    }
}

/// An endless call-progress tone generator at 8 kHz following a [`Cadence`].
#[derive(Debug, Clone)]
pub struct ToneGenerator {
    oscillators: Vec<Oscillator>,
    pattern: Vec<u64>,
    segment: usize,
    position: u64,
}

impl ToneGenerator {
    /// A generator for `cadence`, starting at the beginning of its first on period.
    pub fn new(cadence: &Cadence) -> Self {
        let amplitude = sine_amplitude(cadence.level_dbm0);
        ToneGenerator {
            oscillators: cadence
                .frequencies
                .iter()
                .map(|&f| Oscillator::new(f, amplitude))
                .collect(),
            pattern: cadence
                .pattern_ms
                .iter()
                .map(|&ms| u64::from(ms) * u64::from(SAMPLE_RATE) / 1000)
                .collect(),
            segment: 0,
            position: 0,
        }
    }

    /// A generator for a call-progress tone of a region (see [`Cadence::of`]).
    pub fn call_progress(region: Region, tone: CallProgress) -> Self {
        ToneGenerator::new(&Cadence::of(region, tone))
    }

    /// Fills `out` with the next samples of the tone.
    pub fn fill(&mut self, out: &mut [i16]) {
        for sample in out {
            *sample = self.next_sample();
        }
    }

    fn next_sample(&mut self) -> i16 {
        let on = self.segment % 2 == 0;
        let value: f64 = self.oscillators.iter_mut().map(Oscillator::next).sum();
        if let Some(&len) = self.pattern.get(self.segment) {
            self.position += 1;
            if self.position >= len {
                self.position = 0;
                self.segment = (self.segment + 1) % self.pattern.len();
            }
        }
        if on {
            to_i16(value)
        } else {
            0
        }
    }
}

impl Iterator for ToneGenerator {
    type Item = i16;

    /// The next sample; the tone never ends.
    fn next(&mut self) -> Option<i16> {
        Some(self.next_sample())
    }
}

/// Timing and level of generated DTMF digits (ITU-T Q.23 §3 recommends levels; Q.24
/// receivers accept ≥ 40 ms tones and pauses).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DtmfParams {
    /// Tone duration of each digit, in samples.
    pub on_samples: u32,
    /// Silence after each digit, in samples.
    pub off_samples: u32,
    /// Level of the low-group (row) frequency in dBm0.
    pub level_dbm0: f64,
    /// Level of the high-group frequency relative to the low group, in dB ("twist";
    /// positive: high group louder, as the pre-emphasis of ITU-T Q.23 §3).
    pub twist_db: f64,
}

impl Default for DtmfParams {
    /// 100 ms tone, 100 ms pause, low group −7 dBm0, high group −5 dBm0.
    fn default() -> Self {
        DtmfParams {
            on_samples: 800,
            off_samples: 800,
            level_dbm0: -7.0,
            twist_db: 2.0,
        }
    }
}

/// A generator of a DTMF digit sequence (ITU-T Q.23): each digit's tone followed by its
/// pause; finite, ending after the last pause.
#[derive(Debug, Clone)]
pub struct DtmfGenerator {
    digits: Vec<(f64, f64)>,
    params: DtmfParams,
    index: usize,
    position: u32,
    low: Oscillator,
    high: Oscillator,
}

impl DtmfGenerator {
    /// A generator for `digits` (each `0-9`, `*`, `#`, `A-D`); `None` if any character is
    /// not a DTMF digit.
    pub fn new(digits: &str, params: DtmfParams) -> Option<Self> {
        let digits = digits
            .chars()
            .map(dtmf_frequencies)
            .collect::<Option<Vec<_>>>()?;
        let mut generator = DtmfGenerator {
            digits,
            params,
            index: 0,
            position: 0,
            low: Oscillator::new(0.0, 0.0),
            high: Oscillator::new(0.0, 0.0),
        };
        generator.start_digit();
        Some(generator)
    }

    fn start_digit(&mut self) {
        if let Some(&(low, high)) = self.digits.get(self.index) {
            let level = self.params.level_dbm0;
            self.low = Oscillator::new(low, sine_amplitude(level));
            self.high = Oscillator::new(high, sine_amplitude(level + self.params.twist_db));
        }
    }

    /// Samples left until the end of the sequence.
    pub fn remaining(&self) -> u64 {
        let per_digit = u64::from(self.params.on_samples) + u64::from(self.params.off_samples);
        let left_digits = self.digits.len().saturating_sub(self.index) as u64;
        (left_digits * per_digit).saturating_sub(u64::from(self.position))
    }

    /// Fills the start of `out` with the next samples and returns how many were written:
    /// fewer than `out.len()` only at the end of the sequence.
    pub fn fill(&mut self, out: &mut [i16]) -> usize {
        let mut written = 0;
        for slot in out.iter_mut() {
            match self.next_sample() {
                Some(sample) => *slot = sample,
                None => break,
            }
            written += 1;
        }
        written
    }

    fn next_sample(&mut self) -> Option<i16> {
        if self.index >= self.digits.len() {
            return None;
        }
        let sample = if self.position < self.params.on_samples {
            to_i16(self.low.next() + self.high.next())
        } else {
            0
        };
        self.position += 1;
        if self.position
            >= self
                .params
                .on_samples
                .saturating_add(self.params.off_samples)
        {
            self.position = 0;
            self.index += 1;
            self.start_digit();
        }
        Some(sample)
    }
}

impl Iterator for DtmfGenerator {
    type Item = i16;

    /// The next sample, `None` after the last digit's pause.
    fn next(&mut self) -> Option<i16> {
        self.next_sample()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::level::{rms, rms_to_dbm0};

    /// Power of `x` at `freq` (single-bin DFT), normalised so a sine of amplitude A gives A.
    fn amplitude_at(x: &[i16], freq: f64) -> f64 {
        let (mut re, mut im) = (0.0, 0.0);
        for (n, &s) in x.iter().enumerate() {
            let w = std::f64::consts::TAU * freq * n as f64 / 8000.0;
            re += f64::from(s) * w.cos();
            im += f64::from(s) * w.sin();
        }
        2.0 * (re * re + im * im).sqrt() / x.len() as f64
    }

    #[test]
    fn keypad() {
        assert_eq!(dtmf_frequencies('1'), Some((697.0, 1209.0)));
        assert_eq!(dtmf_frequencies('0'), Some((941.0, 1336.0)));
        assert_eq!(dtmf_frequencies('d'), Some((941.0, 1633.0)));
        assert_eq!(dtmf_frequencies('#'), Some((941.0, 1477.0)));
        assert_eq!(dtmf_frequencies('x'), None);
        assert_eq!(Region::from_code("ITU"), Some(Region::Eu));
        assert_eq!(Region::from_code("us"), Some(Region::Us));
        assert_eq!(Region::from_code("fr"), None);
    }

    #[test]
    fn cadence_on_off() {
        let mut g = ToneGenerator::call_progress(Region::Eu, CallProgress::Busy);
        let mut buf = vec![0i16; 8000];
        g.fill(&mut buf);
        let on = &buf[..4000];
        let off = &buf[4000..];
        assert!(off.iter().all(|&s| s == 0));
        assert!((rms_to_dbm0(rms(on)) + 10.0).abs() < 0.1);
        assert!(amplitude_at(on, 425.0) > 0.95 * sine_amplitude(-10.0));
        let mut us = ToneGenerator::call_progress(Region::Us, CallProgress::Ringback);
        let mut ring = vec![0i16; 48_000];
        us.fill(&mut ring);
        assert!(ring[16_000..].iter().all(|&s| s == 0));
        let a = sine_amplitude(-19.0);
        assert!(amplitude_at(&ring[..16_000], 440.0) > 0.95 * a);
        assert!(amplitude_at(&ring[..16_000], 480.0) > 0.95 * a);
        let dial: Vec<i16> = ToneGenerator::call_progress(Region::Us, CallProgress::Dial)
            .take(80_000)
            .collect();
        assert!(dial[70_000..].iter().any(|&s| s != 0));
    }

    #[test]
    fn chunking_is_transparent() {
        let whole: Vec<i16> = ToneGenerator::call_progress(Region::Us, CallProgress::Congestion)
            .take(10_000)
            .collect();
        let mut g = ToneGenerator::call_progress(Region::Us, CallProgress::Congestion);
        let mut pieces = Vec::new();
        for size in [1usize, 13, 160, 999, 1, 4000].iter().cycle() {
            if pieces.len() >= whole.len() {
                break;
            }
            let mut buf = vec![0i16; *size];
            g.fill(&mut buf);
            pieces.extend(buf);
        }
        assert_eq!(&pieces[..whole.len()], &whole[..]);

        let params = DtmfParams::default();
        let all: Vec<i16> = DtmfGenerator::new("19#", params)
            .into_iter()
            .flatten()
            .collect();
        assert_eq!(all.len(), 3 * 1600);
        let mut g = DtmfGenerator::new("19#", params).unwrap();
        assert_eq!(g.remaining(), 4800);
        let mut buf = vec![0i16; 7];
        let mut pieces = Vec::new();
        loop {
            let n = g.fill(&mut buf);
            pieces.extend_from_slice(&buf[..n]);
            if n < buf.len() {
                break;
            }
        }
        assert_eq!(pieces, all);
        assert_eq!(g.remaining(), 0);
    }

    #[test]
    fn dtmf_levels_and_frequencies() {
        let params = DtmfParams {
            on_samples: 1600,
            off_samples: 0,
            level_dbm0: -10.0,
            twist_db: 3.0,
        };
        let x: Vec<i16> = DtmfGenerator::new("5", params).unwrap().collect();
        assert_eq!(x.len(), 1600);
        let low = amplitude_at(&x, 770.0);
        let high = amplitude_at(&x, 1336.0);
        assert!((low / sine_amplitude(-10.0) - 1.0).abs() < 0.02, "{low}");
        assert!((high / sine_amplitude(-7.0) - 1.0).abs() < 0.02, "{high}");
        assert!(amplitude_at(&x, 697.0) < 0.05 * low);
        assert!(DtmfGenerator::new("12x", params).is_none());
    }
}
