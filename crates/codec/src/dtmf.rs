//! In-band DTMF detection on 8 kHz linear PCM following the ITU-T Q.24 receiver
//! requirements (Q.23 frequencies; Q.24 §3: frequency tolerance, twist, signal duration,
//! interruption and pause, talk-off), with Goertzel filters (single-bin DFTs).
//!
//! Method: every 5 ms ([`HOP`] samples) the last 30 ms ([`WINDOW`] samples) are analysed.
//! A window is a *hit* for a digit when all of these hold:
//! 1. the energy of its three 10 ms thirds is steady (min ≥ 0.6 × max), so the tone fills
//!    the window — this, with the hit count below, rejects bursts shorter than ~25 ms;
//! 2. on a Hann-windowed Goertzel bank at the eight Q.23 frequencies, the strongest row
//!    and column each exceed the other three of their group by [`DtmfConfig::min_peak_ratio_db`];
//! 3. for the row and the column, a finer bank at the nominal frequency and ±1.5 %, ±3.5 %
//!    peaks within ±1.5 % (Q.24 §3.1: ±1.5 % accepted, ±3.5 % rejected);
//! 4. each tone is at least [`DtmfConfig::min_level_dbm0`];
//! 5. the twist (high group minus low group) is within
//!    [`DtmfConfig::max_reverse_twist_db`] and −[`DtmfConfig::max_normal_twist_db`] (Q.24 §3.3);
//! 6. the two tones carry at least [`DtmfConfig::min_energy_ratio`] of the window's energy
//!    and their second harmonics are [`DtmfConfig::max_harmonic_db`] below them (talk-off
//!    resistance: voiced speech is harmonic-rich and broadband).
//!
//! Two consecutive hits for the same digit report it (tones ≥ 40 ms are detected;
//! Q.24 §3.4); the digit is released after [`RELEASE_WINDOWS`] windows without a hit, so
//! interruptions up to ~15 ms are bridged while pauses of 40 ms separate digits (Q.24
//! §3.5). Each digit is reported once, with the sample offset where its tone started.
//!
//! Invariants: sans-IO; memory is fixed per detector; results do not depend on how the
//! input is chunked.

use crate::level::sine_amplitude;
use crate::tone::{DTMF_COLUMNS, DTMF_KEYPAD, DTMF_ROWS};
use crate::SAMPLE_RATE;

/// Analysis window in samples (30 ms at 8 kHz).
pub const WINDOW: usize = 240;
/// Hop between analysed windows in samples (5 ms at 8 kHz).
pub const HOP: usize = 40;
/// Consecutive hits needed to report a digit.
pub const HITS_TO_REPORT: u32 = 2;
/// Consecutive windows without a hit for the current digit that release it.
pub const RELEASE_WINDOWS: u32 = 9;

/// Energy thirds of the window used by the steadiness check (check 1).
const THIRDS: usize = 3;
/// Hops per window.
const CHUNKS: usize = WINDOW / HOP;
/// Distance from the column tone under which the row's second harmonic is not measured:
/// three bins of the window, the Hann main lobe plus margin.
const HARMONIC_CLEARANCE_HZ: f32 = 3.0 * SAMPLE_RATE as f32 / WINDOW as f32;
/// Relative offsets of the fine frequency bank (check 3); index 0 and 4 are rejects.
const FINE_OFFSETS: [f32; FINE] = [-0.035, -0.015, 0.0, 0.015, 0.035];
/// Bins per tone in the fine bank.
const FINE: usize = 5;

/// Acceptance thresholds of the detector (ITU-T Q.24 §3).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DtmfConfig {
    /// Minimum level of each tone in dBm0 (Q.24 §3.2 sensitivity).
    pub min_level_dbm0: f64,
    /// Largest high-group excess over the low group in dB ("reverse twist", Q.24 §3.3).
    pub max_reverse_twist_db: f64,
    /// Largest high-group deficit below the low group in dB ("normal twist", Q.24 §3.3).
    pub max_normal_twist_db: f64,
    /// Minimum share of the window's energy in the two tones, 0..1.
    pub min_energy_ratio: f64,
    /// Minimum margin in dB of each tone over the other frequencies of its group.
    pub min_peak_ratio_db: f64,
    /// Largest level of a tone's second harmonic relative to the tone, in dB.
    pub max_harmonic_db: f64,
}

impl Default for DtmfConfig {
    /// −32 dBm0 per tone, twist +4/−8 dB, 80 % energy in the tones, 10 dB peak margin,
    /// second harmonic ≤ −10 dB.
    fn default() -> Self {
        DtmfConfig {
            min_level_dbm0: -32.0,
            max_reverse_twist_db: 4.0,
            max_normal_twist_db: 8.0,
            min_energy_ratio: 0.8,
            min_peak_ratio_db: 10.0,
            max_harmonic_db: -10.0,
        }
    }
}

/// A detected DTMF digit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DtmfEvent {
    /// The digit: `0-9`, `*`, `#`, `A-D` (ITU-T Q.23 Figure 1).
    pub digit: char,
    /// Sample offset, counted from the first sample given to the detector, where the tone
    /// started (to within 5 ms).
    pub start: u64,
}

/// A Goertzel filter coefficient for `freq` Hz: 2·cos(2πf/fs).
fn coefficient(freq: f32) -> f32 {
    2.0 * (std::f32::consts::TAU * freq / SAMPLE_RATE as f32).cos()
}

/// Squared DFT magnitudes of `x` at the frequencies of `coefs` (the Goertzel recursion),
/// the filters run side by side so their recursions overlap in the pipeline (and SIMD).
fn goertzel<const K: usize>(x: &[f32], coefs: [f32; K]) -> [f32; K] {
    let mut s1 = [0f32; K];
    let mut s2 = [0f32; K];
    for &v in x {
        for k in 0..K {
            let s = v + coefs[k] * s1[k] - s2[k];
            s2[k] = s1[k];
            s1[k] = s;
        }
    }
    std::array::from_fn(|k| s1[k] * s1[k] + s2[k] * s2[k] - coefs[k] * s1[k] * s2[k])
}

/// The current run of hits and the reported digit.
#[derive(Debug, Clone, Copy)]
struct Run {
    digit: char,
    start: u64,
    hits: u32,
}

/// An in-band DTMF detector for one 8 kHz channel (ITU-T Q.24), fed in chunks of any size.
#[derive(Debug, Clone)]
pub struct DtmfDetector {
    ring: [f32; WINDOW],
    scratch: [f32; WINDOW],
    hann: [f32; WINDOW],
    chunk_energy: [f32; CHUNKS],
    current_energy: f32,
    samples: u64,
    /// Goertzel coefficients of the four rows then the four columns.
    coefs: [f32; 8],
    /// Minimum tone power (DFT power units of the Hann window).
    min_power: f32,
    /// Minimum mean square of the window to analyse it at all.
    min_mean_square: f32,
    window_sum_sq: f32,
    config: DtmfConfig,
    run: Option<Run>,
    active: Option<char>,
    misses: u32,
}

impl Default for DtmfDetector {
    fn default() -> Self {
        DtmfDetector::new(DtmfConfig::default())
    }
}

impl DtmfDetector {
    /// A detector with the given thresholds.
    pub fn new(config: DtmfConfig) -> Self {
        let mut hann = [0f32; WINDOW];
        for (n, w) in hann.iter_mut().enumerate() {
            let phase = std::f32::consts::TAU * (n as f32 + 0.5) / WINDOW as f32;
            *w = 0.5 - 0.5 * phase.cos();
        }
        let window_sum: f32 = hann.iter().sum();
        let window_sum_sq: f32 = hann.iter().map(|w| w * w).sum();
        let amplitude = sine_amplitude(config.min_level_dbm0) as f32;
        // A sine of amplitude A at a bin gives |X|² = (A·Σw/2)².
        let min_power = (amplitude * window_sum / 2.0).powi(2);
        DtmfDetector {
            ring: [0.0; WINDOW],
            scratch: [0.0; WINDOW],
            hann,
            chunk_energy: [0.0; CHUNKS],
            current_energy: 0.0,
            samples: 0,
            coefs: std::array::from_fn(|i| {
                coefficient(if i < 4 {
                    DTMF_ROWS[i]
                } else {
                    DTMF_COLUMNS[i - 4]
                } as f32)
            }),
            min_power,
            min_mean_square: amplitude * amplitude / 2.0,
            window_sum_sq,
            config,
            run: None,
            active: None,
            misses: 0,
        }
    }

    /// The digit whose tone is present now, if one has been reported and not released.
    pub fn active(&self) -> Option<char> {
        self.active
    }

    /// Feeds `samples` (8 kHz linear PCM, continuing the previous call) and appends each
    /// newly detected digit to `out`.
    pub fn process(&mut self, samples: &[i16], out: &mut Vec<DtmfEvent>) {
        for &s in samples {
            let v = f32::from(s);
            let slot = (self.samples % WINDOW as u64) as usize;
            self.ring[slot] = v;
            self.current_energy += v * v;
            self.samples += 1;
            if self.samples % HOP as u64 == 0 {
                let chunk = (self.samples / HOP as u64 % CHUNKS as u64) as usize;
                self.chunk_energy[chunk] = self.current_energy;
                self.current_energy = 0.0;
                if self.samples >= WINDOW as u64 {
                    let hit = self.analyse();
                    self.track(hit, out);
                }
            }
        }
    }

    /// Classifies the window that ends at the current sample (checks 1–6 of the module
    /// documentation).
    fn analyse(&mut self) -> Option<char> {
        // Chunks in time order: the oldest one follows the newest in the ring.
        let newest = (self.samples / HOP as u64 % CHUNKS as u64) as usize;
        let mut thirds = [0f32; THIRDS];
        for k in 0..CHUNKS {
            thirds[k / (CHUNKS / THIRDS)] += self.chunk_energy[(newest + 1 + k) % CHUNKS];
        }
        let total: f32 = thirds.iter().sum();
        if total / (WINDOW as f32) < self.min_mean_square {
            return None;
        }
        let (lo, hi) = thirds
            .iter()
            .fold((f32::MAX, 0f32), |(lo, hi), &e| (lo.min(e), hi.max(e)));
        if lo < 0.6 * hi {
            return None;
        }
        let oldest = (self.samples % WINDOW as u64) as usize;
        let (newer, older) = self.ring.split_at(oldest);
        for ((dst, src), w) in self
            .scratch
            .iter_mut()
            .zip(older.iter().chain(newer))
            .zip(&self.hann)
        {
            *dst = src * w;
        }
        let x = &self.scratch;
        let bank = goertzel(x, self.coefs);
        let rows = [bank[0], bank[1], bank[2], bank[3]];
        let cols = [bank[4], bank[5], bank[6], bank[7]];
        let r = strongest(&rows)?;
        let c = strongest(&cols)?;
        let peak = 10f32.powf(self.config.min_peak_ratio_db as f32 / 10.0);
        if !dominates(&rows, r, peak) || !dominates(&cols, c, peak) {
            return None;
        }
        let (row, col) = (DTMF_ROWS[r] as f32, DTMF_COLUMNS[c] as f32);
        let fine = goertzel(
            x,
            std::array::from_fn::<f32, { 2 * FINE }, _>(|i| {
                let nominal = if i < FINE { row } else { col };
                coefficient(nominal * (1.0 + FINE_OFFSETS[i % FINE]))
            }),
        );
        let (row_power, row_freq) = fine_peak(&fine[..FINE], row)?;
        let (col_power, col_freq) = fine_peak(&fine[FINE..], col)?;
        if row_power < self.min_power || col_power < self.min_power {
            return None;
        }
        let twist = col_power / row_power;
        let cfg = &self.config;
        if twist > db_to_power(cfg.max_reverse_twist_db)
            || twist < db_to_power(-cfg.max_normal_twist_db)
        {
            return None;
        }
        // Tone power in DFT units ↔ mean square: P = 2|X|²/(Σw)²; window energy Σ(wx)²/Σw².
        let window_sum = self.hann.iter().sum::<f32>();
        let tones = 2.0 * (row_power + col_power) / (window_sum * window_sum);
        let energy = x.iter().map(|v| v * v).sum::<f32>() / self.window_sum_sq;
        if tones < cfg.min_energy_ratio as f32 * energy {
            return None;
        }
        let harmonic = db_to_power(cfg.max_harmonic_db);
        // The row's second harmonic can fall within the column tone's main lobe (697 Hz:
        // 1394 Hz near 1336 and 1477 Hz); it is only measured where it is clear of it.
        let row_harmonic_clear = (2.0 * row_freq - col_freq).abs() > HARMONIC_CLEARANCE_HZ;
        let [row_2nd, col_2nd] = goertzel(
            x,
            [coefficient(2.0 * row_freq), coefficient(2.0 * col_freq)],
        );
        if (row_harmonic_clear && row_2nd > harmonic * row_power) || col_2nd > harmonic * col_power
        {
            return None;
        }
        Some(DTMF_KEYPAD[r][c])
    }

    /// Updates the hit run and the reported digit with the verdict of one window.
    fn track(&mut self, hit: Option<char>, out: &mut Vec<DtmfEvent>) {
        let window_start = self.samples - WINDOW as u64;
        self.run = match (hit, self.run) {
            (Some(d), Some(run)) if run.digit == d => Some(Run {
                hits: run.hits + 1,
                ..run
            }),
            (Some(d), _) => Some(Run {
                digit: d,
                start: window_start,
                hits: 1,
            }),
            (None, _) => None,
        };
        if let Some(active) = self.active {
            if hit == Some(active) {
                self.misses = 0;
                return;
            }
            self.misses += 1;
            if self.misses < RELEASE_WINDOWS {
                return;
            }
            self.active = None;
        }
        if let Some(run) = self.run {
            if run.hits >= HITS_TO_REPORT {
                self.active = Some(run.digit);
                self.misses = 0;
                out.push(DtmfEvent {
                    digit: run.digit,
                    start: run.start,
                });
            }
        }
    }
}

fn db_to_power(db: f64) -> f32 {
    10f64.powf(db / 10.0) as f32
}

/// Index of the largest power, `None` if all are zero.
fn strongest(powers: &[f32; 4]) -> Option<usize> {
    let (i, &p) = powers
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))?;
    (p > 0.0).then_some(i)
}

/// Whether `powers[i]` exceeds every other entry by the factor `ratio`.
fn dominates(powers: &[f32; 4], i: usize, ratio: f32) -> bool {
    powers
        .iter()
        .enumerate()
        .all(|(j, &p)| j == i || p * ratio <= powers[i])
}

/// Power and frequency of the strongest bin of the fine bank `powers` (at
/// [`FINE_OFFSETS`] around `nominal`), `None` when it lies at ±3.5 % (Q.24 §3.1
/// frequency tolerance).
fn fine_peak(powers: &[f32], nominal: f32) -> Option<(f32, f32)> {
    let mut best = (0usize, 0f32);
    for (i, &p) in powers.iter().enumerate() {
        if p > best.1 {
            best = (i, p);
        }
    }
    let (i, p) = best;
    (i != 0 && i != FINE_OFFSETS.len() - 1).then_some((p, nominal * (1.0 + FINE_OFFSETS[i])))
}

#[cfg(test)]
mod tests;
