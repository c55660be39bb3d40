//! Signal levels and voice activity: RMS and peak of 16-bit PCM, conversions between
//! linear values, dBFS and dBm0 (ITU-T G.711 §2/§3 and ITU-T G.100: a full-scale
//! digital sine is +3.14 dBm0 for A-law), and an energy-based voice/silence detector with
//! hangover.
//!
//! dBFS here is RMS relative to 32768, so a full-scale square wave reads 0 dBFS and a
//! full-scale sine −3.01 dBFS. Invariant: every function is total; the voice detector
//! gives the same transitions whatever the chunking of its input.

/// Level of a full-scale digital sine in dBm0 (ITU-T G.711 §2, Table 1 note: the A-law
/// overload point is +3.14 dBm0; µ-law's +3.17 dBm0 is taken as equal).
#[allow(clippy::approx_constant)] // a level in dB that happens to be close to π
pub const FULL_SCALE_SINE_DBM0: f64 = 3.14;

/// Root mean square of `samples`, 0.0 for an empty slice.
pub fn rms(samples: &[i16]) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    let sum: f64 = samples.iter().map(|&s| f64::from(s) * f64::from(s)).sum();
    (sum / samples.len() as f64).sqrt()
}

/// Largest absolute sample value (32768 for `i16::MIN`), 0 for an empty slice.
pub fn peak(samples: &[i16]) -> u16 {
    samples.iter().map(|s| s.unsigned_abs()).max().unwrap_or(0)
}

/// A linear RMS or peak value in dBFS (relative to 32768); `-inf` for 0.
pub fn to_dbfs(value: f64) -> f64 {
    20.0 * (value / 32768.0).log10()
}

/// The linear value (RMS or peak) of a level in dBFS (relative to 32768).
pub fn from_dbfs(dbfs: f64) -> f64 {
    32768.0 * 10f64.powf(dbfs / 20.0)
}

/// Peak amplitude of a sine at `dbm0` (ITU-T G.711: +3.14 dBm0 is full scale, 32767).
pub fn sine_amplitude(dbm0: f64) -> f64 {
    32767.0 * 10f64.powf((dbm0 - FULL_SCALE_SINE_DBM0) / 20.0)
}

/// Level in dBm0 of a signal with this RMS, taking a sine's RMS as reference
/// (ITU-T G.711 §2: +3.14 dBm0 is a full-scale sine).
pub fn rms_to_dbm0(rms: f64) -> f64 {
    20.0 * (rms * std::f64::consts::SQRT_2 / 32767.0).log10() + FULL_SCALE_SINE_DBM0
}

/// A change of voice activity reported by [`VoiceDetector::process`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Activity {
    /// `true`: voice began; `false`: silence began (after the hangover).
    pub voice: bool,
    /// Sample offset (from the first sample given to the detector) of the first frame in
    /// the new state.
    pub at: u64,
}

/// Energy-based voice activity detector with hangover, on 8 kHz PCM in frames of
/// [`VoiceDetector::FRAME`] samples.
///
/// A frame whose RMS is at or above the threshold is voice; activity starts at the first
/// voice frame and ends after `hangover_frames` consecutive quiet frames, so short gaps
/// between words do not split an utterance.
#[derive(Debug, Clone)]
pub struct VoiceDetector {
    threshold_sq: f64,
    hangover_frames: u32,
    frame_sum: f64,
    frame_len: usize,
    frames: u64,
    quiet_frames: u32,
    voice: bool,
}

impl VoiceDetector {
    /// Analysis frame length in samples: 20 ms at 8 kHz.
    pub const FRAME: usize = 160;

    /// A detector with a threshold in dBFS (RMS relative to 32768, e.g. −45.0) and a
    /// hangover in frames of 20 ms (e.g. 15 = 300 ms).
    pub fn new(threshold_dbfs: f64, hangover_frames: u32) -> Self {
        let threshold = from_dbfs(threshold_dbfs);
        VoiceDetector {
            threshold_sq: threshold * threshold,
            hangover_frames,
            frame_sum: 0.0,
            frame_len: 0,
            frames: 0,
            quiet_frames: 0,
            voice: false,
        }
    }

    /// Whether the detector is in the voice state (including hangover).
    pub fn is_voice(&self) -> bool {
        self.voice
    }

    /// Samples of silence since the last voice frame (or since the start), in whole
    /// frames: for "stop recording after N seconds of silence".
    pub fn silence_samples(&self) -> u64 {
        u64::from(self.quiet_frames) * Self::FRAME as u64
    }

    /// Feeds samples of any count and appends each state change to `out`.
    pub fn process(&mut self, samples: &[i16], out: &mut Vec<Activity>) {
        for &s in samples {
            self.frame_sum += f64::from(s) * f64::from(s);
            self.frame_len += 1;
            if self.frame_len == Self::FRAME {
                let loud = self.frame_sum / Self::FRAME as f64 >= self.threshold_sq;
                self.end_frame(loud, out);
            }
        }
    }

    fn end_frame(&mut self, loud: bool, out: &mut Vec<Activity>) {
        let start = self.frames * Self::FRAME as u64;
        self.frames += 1;
        self.frame_sum = 0.0;
        self.frame_len = 0;
        if loud {
            self.quiet_frames = 0;
            if !self.voice {
                self.voice = true;
                out.push(Activity {
                    voice: true,
                    at: start,
                });
            }
        } else {
            self.quiet_frames = self.quiet_frames.saturating_add(1);
            if self.voice && self.quiet_frames > self.hangover_frames {
                self.voice = false;
                out.push(Activity {
                    voice: false,
                    at: start,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rms_and_peak() {
        assert_eq!(rms(&[]), 0.0);
        assert_eq!(peak(&[]), 0);
        assert_eq!(peak(&[3, -7, i16::MIN]), 32768);
        assert!((rms(&[1000, -1000, 1000, -1000]) - 1000.0).abs() < 1e-9);
        assert!(to_dbfs(32768.0).abs() < 1e-9);
        assert!((from_dbfs(-6.0206) - 16384.0).abs() < 1.0);
        assert!((sine_amplitude(FULL_SCALE_SINE_DBM0) - 32767.0).abs() < 1e-9);
        let a = sine_amplitude(-10.0);
        assert!((rms_to_dbm0(a / std::f64::consts::SQRT_2) + 10.0).abs() < 1e-9);
    }

    fn burst(amplitude: f64, len: usize) -> Vec<i16> {
        (0..len)
            .map(|n| (amplitude * (n as f64 * 0.3).sin()) as i16)
            .collect()
    }

    #[test]
    fn voice_with_hangover() {
        let mut signal = vec![0i16; 800];
        signal.extend(burst(3000.0, 1600));
        signal.extend(vec![0i16; 480]); // 3-frame gap: bridged by a 5-frame hangover.
        signal.extend(burst(3000.0, 800));
        signal.extend(vec![5i16; 3200]);
        let run = |chunk: usize| {
            let mut vad = VoiceDetector::new(-40.0, 5);
            let mut out = Vec::new();
            for c in signal.chunks(chunk) {
                vad.process(c, &mut out);
            }
            (out, vad.silence_samples(), vad.is_voice())
        };
        let (events, silence, voice) = run(signal.len());
        assert_eq!(
            events,
            vec![
                Activity {
                    voice: true,
                    at: 800
                },
                Activity {
                    voice: false,
                    at: 800 + 1600 + 480 + 800 + 5 * 160
                },
            ]
        );
        assert_eq!(silence, 3200);
        assert!(!voice);
        for chunk in [1, 7, 160, 333] {
            assert_eq!(run(chunk).0, events);
        }
    }
}
