//! Band-limited sample-rate conversion of mono `f32` audio to 8 kHz, for prompts and music
//! recorded at other rates. Uses `rubato`'s synchronous FFT resampler: a windowed-sinc
//! low-pass (Blackman-Harris) applied by overlap-add FFT convolution, with its cutoff just
//! below the output Nyquist frequency (4 kHz), so content above it is removed instead of
//! aliasing into the telephone band.
//!
//! Invariants: the output has `ceil(len × 8000 / rate)` samples and is aligned with the
//! input (the resampler's delay is removed); no input panics.

use rubato::{FftFixedInOut, Resampler};

use crate::{WavError, SAMPLE_RATE};

/// Input frames per resampler call (rounded up by `rubato` to a whole number of periods
/// of the rate ratio).
const CHUNK: usize = 2048;

/// Converts mono samples at `rate` Hz to 8 kHz. At 8 kHz the input is returned unchanged.
///
/// Errors: [`WavError::Unsupported`] for a rate of 0.
pub fn to_8k(input: &[f32], rate: u32) -> Result<Vec<f32>, WavError> {
    if rate == SAMPLE_RATE {
        return Ok(input.to_vec());
    }
    let unsupported = |e: &dyn std::fmt::Display| WavError::Unsupported(format!("resampling: {e}"));
    if rate == 0 {
        return Err(WavError::Unsupported("sample rate 0".into()));
    }
    let mut resampler = FftFixedInOut::<f32>::new(rate as usize, SAMPLE_RATE as usize, CHUNK, 1)
        .map_err(|e| unsupported(&e))?;
    let wanted = (input.len() as u64 * u64::from(SAMPLE_RATE)).div_ceil(u64::from(rate)) as usize;
    let delay = resampler.output_delay();
    let mut out = Vec::with_capacity(wanted + delay + resampler.output_frames_max());
    let mut block = vec![vec![0f32; resampler.output_frames_max()]];
    let mut padded = vec![0f32; resampler.input_frames_max()];
    let mut rest = input;
    while out.len() < wanted + delay {
        let frames = resampler.input_frames_next();
        let (chunk, tail) = rest.split_at(frames.min(rest.len()));
        rest = tail;
        // The last chunk is zero-padded, then zeros flush the filter's delay.
        let chunk = if chunk.len() == frames {
            chunk
        } else {
            padded.fill(0.0);
            padded[..chunk.len()].copy_from_slice(chunk);
            &padded[..frames]
        };
        let (_, produced) = resampler
            .process_into_buffer(&[chunk], &mut block, None)
            .map_err(|e| unsupported(&e))?;
        out.extend_from_slice(block[0].get(..produced).unwrap_or(&[]));
    }
    out.drain(..delay.min(out.len()));
    out.truncate(wanted);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(freq: f64, rate: u32, len: usize) -> Vec<f32> {
        (0..len)
            .map(|n| {
                (0.5 * (std::f64::consts::TAU * freq * n as f64 / f64::from(rate)).sin()) as f32
            })
            .collect()
    }

    /// RMS of the middle of a signal, away from the edges.
    fn middle_rms(x: &[f32]) -> f64 {
        let m = &x[x.len() / 4..3 * x.len() / 4];
        (m.iter().map(|&v| f64::from(v) * f64::from(v)).sum::<f64>() / m.len() as f64).sqrt()
    }

    #[test]
    fn passband_and_stopband() {
        let reference = 0.5 / std::f64::consts::SQRT_2;
        for rate in [11_025, 16_000, 22_050, 44_100, 48_000] {
            let out = to_8k(&sine(3400.0, rate, rate as usize), rate).unwrap();
            assert_eq!(out.len(), 8000, "{rate}");
            let gain = 20.0 * (middle_rms(&out) / reference).log10();
            assert!(gain.abs() < 0.5, "3.4 kHz at {rate} Hz: {gain:.2} dB");
        }
        for (freq, rate) in [
            (6000.0, 16_000),
            (4600.0, 16_000),
            (6000.0, 44_100),
            (12_000.0, 48_000),
        ] {
            let out = to_8k(&sine(freq, rate, rate as usize), rate).unwrap();
            let gain = 20.0 * (middle_rms(&out) / reference).log10();
            assert!(gain < -40.0, "{freq} Hz at {rate} Hz: {gain:.2} dB");
        }
    }

    #[test]
    fn aligned_and_sized() {
        // An impulse at 20 ms stays at 20 ms.
        let mut x = vec![0f32; 4410];
        x[882] = 1.0;
        let out = to_8k(&x, 44_100).unwrap();
        assert_eq!(out.len(), 800);
        let peak = out
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
            .map(|(i, _)| i);
        assert_eq!(peak, Some(160));
        assert_eq!(to_8k(&[], 16_000).unwrap(), Vec::<f32>::new());
        assert_eq!(to_8k(&[0.25; 3], 8000).unwrap(), vec![0.25; 3]);
        assert_eq!(to_8k(&[0.0; 3], 6_000).unwrap().len(), 4);
        assert!(to_8k(&[0.0; 3], 0).is_err());
    }
}
