//! WAV (RIFF/WAVE) files for prompts and recordings, through the `hound` crate.
//!
//! Reading ([`read_8k_mono`]) accepts PCM at any sample rate, 8/16/24/32-bit integer or
//! 32-bit float (plain or `WAVE_FORMAT_EXTENSIBLE`), mono or stereo; it validates the file
//! (typed [`WavError`]s: not a WAV, unsupported, empty, too long, corrupt), downmixes to
//! mono, resamples band-limited to 8 kHz ([`crate::resample`]) and converts to 16-bit.
//!
//! Writing produces 8 kHz 16-bit PCM, mono or stereo (e.g. caller left, callee right):
//! whole buffers with [`write_mono`]/[`write_stereo`], or long recordings with
//! [`WavRecorder`], which appends frames and writes the final header on
//! [`WavRecorder::finalize`].
//!
//! Unfinalized files: `hound` writes the header when the writer is created with a data
//! length of 0 and patches the RIFF and `data` lengths in `flush` (our
//! [`WavRecorder::checkpoint`]), `finalize`, or when the writer is dropped (errors then
//! ignored). If the process dies in between, the samples are on disk but the header still
//! declares the length of the last checkpoint (0 if none), so readers see a short or empty
//! file. [`repair_header`] rewrites both lengths from the file size; the repaired file can
//! then be read, or extended with [`WavRecorder::resume`].
//!
//! Invariants: no function panics on any input bytes; reading allocates at most what the
//! caller's duration limit allows (plus the resampler's buffers).

use std::io::{Cursor, Read, Seek, Write};
use std::time::Duration;

use hound::{SampleFormat, WavReader, WavSpec, WavWriter};

use crate::{resample, WavError, SAMPLE_RATE};

/// Format of a WAV file as declared by its `fmt ` chunk and data length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WavInfo {
    /// Frames per second.
    pub sample_rate: u32,
    /// Interleaved channels.
    pub channels: u16,
    /// Bits per sample.
    pub bits_per_sample: u16,
    /// Whether samples are IEEE floats (else two's-complement integers; 8-bit unsigned).
    pub float: bool,
    /// Frames (samples per channel) declared by the `data` chunk.
    pub frames: u32,
}

impl WavInfo {
    /// Declared duration in milliseconds.
    pub fn duration_ms(&self) -> u64 {
        u64::from(self.frames) * 1000 / u64::from(self.sample_rate.max(1))
    }
}

/// Channel layout of a written file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channels {
    /// One channel.
    Mono,
    /// Two interleaved channels, left first.
    Stereo,
}

impl Channels {
    fn count(self) -> u16 {
        match self {
            Channels::Mono => 1,
            Channels::Stereo => 2,
        }
    }
}

fn map_read_error(e: hound::Error) -> WavError {
    match e {
        hound::Error::FormatError(msg) => WavError::Corrupt(msg.to_string()),
        hound::Error::Unsupported => WavError::Unsupported("encoding".into()),
        hound::Error::IoError(io) => WavError::Corrupt(io.to_string()),
        other => WavError::Corrupt(other.to_string()),
    }
}

fn map_write_error(e: hound::Error) -> WavError {
    match e {
        hound::Error::IoError(io) => WavError::Io(io),
        other => WavError::Unsupported(other.to_string()),
    }
}

fn is_riff_wave(bytes: &[u8]) -> bool {
    bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WAVE"
}

/// A `hound` reader over bytes in memory.
type Reader<'a> = WavReader<Cursor<&'a [u8]>>;

fn open(bytes: &[u8]) -> Result<(Reader<'_>, WavInfo), WavError> {
    if !is_riff_wave(bytes) {
        return Err(WavError::NotWav);
    }
    let reader = WavReader::new(Cursor::new(bytes)).map_err(map_read_error)?;
    let spec = reader.spec();
    let info = WavInfo {
        sample_rate: spec.sample_rate,
        channels: spec.channels,
        bits_per_sample: spec.bits_per_sample,
        float: spec.sample_format == SampleFormat::Float,
        frames: reader.duration(),
    };
    Ok((reader, info))
}

/// Reads and validates the header of a WAV file without decoding its samples.
pub fn probe(bytes: &[u8]) -> Result<WavInfo, WavError> {
    open(bytes).map(|(_, info)| info)
}

/// Reads a WAV file of any supported format (see the module documentation) and returns
/// its audio as 8 kHz mono 16-bit PCM: channels averaged, resampled band-limited, scaled
/// and clipped to `i16`.
///
/// Errors: [`WavError::NotWav`] without a RIFF/WAVE header; [`WavError::Unsupported`] for
/// other encodings, more than two channels or rates outside 1 kHz–384 kHz;
/// [`WavError::Empty`] without samples; [`WavError::TooLong`] when the declared duration
/// exceeds `max_duration` (checked before decoding); [`WavError::Corrupt`] for an
/// inconsistent header or truncated data.
pub fn read_8k_mono(bytes: &[u8], max_duration: Duration) -> Result<Vec<i16>, WavError> {
    let (mut reader, info) = open(bytes)?;
    if !(1..=2).contains(&info.channels) {
        return Err(WavError::Unsupported(format!("{} channels", info.channels)));
    }
    if !(1000..=384_000).contains(&info.sample_rate) {
        return Err(WavError::Unsupported(format!("{} Hz", info.sample_rate)));
    }
    let supported = matches!(
        (info.float, info.bits_per_sample),
        (true, 32) | (false, 8 | 16 | 24 | 32)
    );
    if !supported {
        let kind = if info.float { "float" } else { "integer" };
        return Err(WavError::Unsupported(format!(
            "{}-bit {kind}",
            info.bits_per_sample
        )));
    }
    if info.frames == 0 {
        return Err(WavError::Empty);
    }
    let limit_ms = u64::try_from(max_duration.as_millis()).unwrap_or(u64::MAX);
    if info.duration_ms() > limit_ms {
        return Err(WavError::TooLong {
            duration_ms: info.duration_ms(),
            limit_ms,
        });
    }
    let channels = usize::from(info.channels);
    let frames = info.frames as usize;
    // Bounded by the duration limit, and by the bytes present: a header may lie.
    let capacity = frames.min(bytes.len() / usize::from(info.bits_per_sample / 8).max(1));
    let mut mono = Vec::with_capacity(capacity);
    let mut frame_sum = 0f32;
    let mut in_frame = 0;
    let mut push = |v: f32| {
        frame_sum += v;
        in_frame += 1;
        if in_frame == channels {
            mono.push(frame_sum / channels as f32);
            frame_sum = 0.0;
            in_frame = 0;
        }
    };
    if info.float {
        for s in reader.samples::<f32>() {
            push(s.map_err(map_read_error)?);
        }
    } else {
        let scale = 1.0 / (1u64 << (info.bits_per_sample - 1)) as f32;
        for s in reader.samples::<i32>() {
            push(s.map_err(map_read_error)? as f32 * scale);
        }
    }
    if mono.len() < frames {
        return Err(WavError::Corrupt(format!(
            "{} of {frames} frames present",
            mono.len()
        )));
    }
    let resampled = resample::to_8k(&mono, info.sample_rate)?;
    Ok(resampled
        .iter()
        .map(|&v| (v * 32768.0).round().clamp(-32768.0, 32767.0) as i16)
        .collect())
}

fn spec(channels: Channels) -> WavSpec {
    WavSpec {
        channels: channels.count(),
        sample_rate: SAMPLE_RATE,
        bits_per_sample: 16,
        sample_format: SampleFormat::Int,
    }
}

/// Writes `samples` as an 8 kHz mono 16-bit PCM WAV file to `dest`.
pub fn write_mono<W: Write + Seek>(dest: W, samples: &[i16]) -> Result<(), WavError> {
    let mut recorder = WavRecorder::new(dest, Channels::Mono)?;
    recorder.append_mono(samples)?;
    recorder.finalize().map(drop)
}

/// Writes an 8 kHz stereo 16-bit PCM WAV file to `dest`, `left` and `right` interleaved;
/// the shorter channel is padded with silence.
pub fn write_stereo<W: Write + Seek>(dest: W, left: &[i16], right: &[i16]) -> Result<(), WavError> {
    let mut recorder = WavRecorder::new(dest, Channels::Stereo)?;
    recorder.append_stereo(left, right)?;
    recorder.finalize().map(drop)
}

/// A streaming writer of an 8 kHz 16-bit PCM WAV recording: append frames as they come,
/// checkpoint the header now and then, finalize on close. Unfinalized output can be fixed
/// with [`repair_header`] (see the module documentation).
pub struct WavRecorder<W: Write + Seek> {
    writer: WavWriter<W>,
    channels: Channels,
}

impl<W: Write + Seek> WavRecorder<W> {
    /// Starts a recording at the beginning of `dest` (writes the header, data length 0).
    pub fn new(dest: W, channels: Channels) -> Result<Self, WavError> {
        let writer = WavWriter::new(dest, spec(channels)).map_err(map_write_error)?;
        Ok(WavRecorder { writer, channels })
    }

    /// The channel layout being written.
    pub fn channels(&self) -> Channels {
        self.channels
    }

    /// Frames written so far (samples per channel).
    pub fn frames(&self) -> u32 {
        self.writer.duration()
    }

    fn write(&mut self, interleaved: impl ExactSizeIterator<Item = i16>) -> Result<(), WavError> {
        let len = u32::try_from(interleaved.len())
            .map_err(|_| WavError::Unsupported("buffer over 4 GiB".into()))?;
        let mut samples = self.writer.get_i16_writer(len);
        for s in interleaved {
            samples.write_sample(s);
        }
        samples.flush().map_err(map_write_error)
    }

    /// Appends mono samples. Errors with [`WavError::Unsupported`] on a stereo recording.
    pub fn append_mono(&mut self, samples: &[i16]) -> Result<(), WavError> {
        if self.channels != Channels::Mono {
            return Err(WavError::Unsupported(
                "mono samples for a stereo file".into(),
            ));
        }
        self.write(samples.iter().copied())
    }

    /// Appends stereo frames, interleaving `left` and `right`; the shorter is padded with
    /// silence. Errors with [`WavError::Unsupported`] on a mono recording.
    pub fn append_stereo(&mut self, left: &[i16], right: &[i16]) -> Result<(), WavError> {
        if self.channels != Channels::Stereo {
            return Err(WavError::Unsupported(
                "stereo frames for a mono file".into(),
            ));
        }
        let frames = left.len().max(right.len());
        let at = |side: &[i16], i: usize| side.get(i).copied().unwrap_or(0);
        self.write((0..frames * 2).map(|i| at(if i % 2 == 0 { left } else { right }, i / 2)))
    }

    /// Writes the current lengths into the header and flushes, so the file is valid up to
    /// here even if the process dies later (two seeks; call every few seconds).
    pub fn checkpoint(&mut self) -> Result<(), WavError> {
        self.writer.flush().map_err(map_write_error)
    }

    /// Writes the final header and flushes; returns the frames written.
    pub fn finalize(self) -> Result<u32, WavError> {
        let frames = self.writer.duration();
        self.writer.finalize().map_err(map_write_error)?;
        Ok(frames)
    }
}

impl<W: Read + Write + Seek> WavRecorder<W> {
    /// Continues a recording in `dest`, a complete or repaired 8 kHz 16-bit PCM WAV file
    /// whose `data` chunk is last: new frames are appended after the existing ones.
    pub fn resume(dest: W) -> Result<Self, WavError> {
        let writer = WavWriter::new_append(dest).map_err(map_read_error)?;
        let s = writer.spec();
        let channels = match s.channels {
            1 => Channels::Mono,
            2 => Channels::Stereo,
            n => return Err(WavError::Unsupported(format!("{n} channels"))),
        };
        if s != spec(channels) {
            return Err(WavError::Unsupported(format!(
                "{} Hz {}-bit, expected 8000 Hz 16-bit PCM",
                s.sample_rate, s.bits_per_sample
            )));
        }
        Ok(WavRecorder { writer, channels })
    }
}

fn le32(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at + 4)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// Repairs the header of a PCM WAV file whose writer did not finalize it (see the module
/// documentation): sets the `data` chunk length to the whole frames present after it and
/// the RIFF length to match, truncating nothing. Returns the number of frames.
///
/// Requires the `fmt ` chunk before the `data` chunk and `data` to be the last chunk, as
/// `hound` and [`WavRecorder`] write them. Errors: [`WavError::NotWav`],
/// [`WavError::Corrupt`] when the chunks cannot be found.
pub fn repair_header(bytes: &mut [u8]) -> Result<u32, WavError> {
    if !is_riff_wave(bytes) {
        return Err(WavError::NotWav);
    }
    let corrupt = |what: &str| WavError::Corrupt(what.to_string());
    let mut at = 12usize;
    let mut block_align = None;
    loop {
        let id = bytes
            .get(at..at + 4)
            .ok_or_else(|| corrupt("no data chunk"))?;
        let size = le32(bytes, at + 4).ok_or_else(|| corrupt("truncated chunk header"))?;
        if id == b"data" {
            break;
        }
        if id == b"fmt " {
            let align = bytes
                .get(at + 20..at + 22)
                .map(|b| u16::from_le_bytes([b[0], b[1]]))
                .ok_or_else(|| corrupt("truncated fmt chunk"))?;
            block_align = Some(align);
        }
        at = at
            .checked_add(8 + size as usize + (size as usize & 1))
            .ok_or_else(|| corrupt("chunk size overflow"))?;
    }
    let align = match block_align {
        Some(a) if a > 0 => u32::from(a),
        _ => return Err(corrupt("no fmt chunk before data")),
    };
    let data_start = at + 8;
    let available = u32::try_from(bytes.len() - data_start.min(bytes.len()))
        .map_err(|_| corrupt("file over 4 GiB"))?;
    let data_len = available - available % align;
    let riff_len =
        u32::try_from(data_start - 8).map_err(|_| corrupt("header too long"))? + data_len;
    bytes[4..8].copy_from_slice(&riff_len.to_le_bytes());
    bytes[at + 4..at + 8].copy_from_slice(&data_len.to_le_bytes());
    Ok(data_len / align)
}

#[cfg(test)]
mod tests;
