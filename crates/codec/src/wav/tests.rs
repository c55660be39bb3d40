//! Reading, writing, validation, repair and robustness tests of the WAV module.

use std::cell::RefCell;
use std::io::{self, Cursor, Seek, SeekFrom, Write};
use std::rc::Rc;

use proptest::prelude::*;

use super::*;
use crate::level::{rms, to_dbfs};

const MINUTE: Duration = Duration::from_secs(60);

/// A WAV file in memory: a 1 kHz sine at half scale for `ms`, written by hound.
fn sine_file(rate: u32, channels: u16, bits: u16, float: bool, ms: u32) -> Vec<u8> {
    let spec = WavSpec {
        channels,
        sample_rate: rate,
        bits_per_sample: bits,
        sample_format: if float {
            SampleFormat::Float
        } else {
            SampleFormat::Int
        },
    };
    let mut cursor = Cursor::new(Vec::new());
    let mut w = WavWriter::new(&mut cursor, spec).unwrap();
    let frames = rate as u64 * u64::from(ms) / 1000;
    let full = ((1u64 << (bits - 1)) - 1) as f64;
    for n in 0..frames {
        let v = 0.5 * (std::f64::consts::TAU * 1000.0 * n as f64 / f64::from(rate)).sin();
        for _ in 0..channels {
            if float {
                w.write_sample(v as f32).unwrap();
            } else {
                w.write_sample((v * full).round() as i32).unwrap();
            }
        }
    }
    w.finalize().unwrap();
    cursor.into_inner()
}

/// Fraction of the signal's power at 1 kHz (single-bin DFT over whole periods).
fn share_at_1k(x: &[i16]) -> f64 {
    let x = &x[..x.len() / 8 * 8];
    let (mut re, mut im) = (0.0, 0.0);
    for (n, &s) in x.iter().enumerate() {
        let w = std::f64::consts::TAU * 1000.0 * n as f64 / 8000.0;
        re += f64::from(s) * w.cos();
        im += f64::from(s) * w.sin();
    }
    let tone = 2.0 * (re * re + im * im) / (x.len() as f64).powi(2);
    tone / rms(x).powi(2)
}

#[test]
fn reads_every_supported_format() {
    for rate in [8000, 11_025, 16_000, 22_050, 44_100, 48_000] {
        for channels in [1, 2] {
            for (bits, float) in [
                (8, false),
                (16, false),
                (24, false),
                (32, false),
                (32, true),
            ] {
                let bytes = sine_file(rate, channels, bits, float, 500);
                let info = probe(&bytes).unwrap();
                assert_eq!((info.sample_rate, info.channels), (rate, channels));
                let pcm = read_8k_mono(&bytes, MINUTE).unwrap();
                let what = format!("{rate} Hz, {channels} ch, {bits} bit, float {float}");
                assert_eq!(pcm.len(), 4000, "{what}");
                let level = to_dbfs(rms(&pcm[400..3600]));
                assert!((level + 9.03).abs() < 0.3, "{what}: {level:.2} dBFS");
                assert!(share_at_1k(&pcm[400..3600]) > 0.98, "{what}");
            }
        }
    }
}

#[test]
fn stereo_is_averaged() {
    let spec = WavSpec {
        channels: 2,
        sample_rate: 8000,
        bits_per_sample: 16,
        sample_format: SampleFormat::Int,
    };
    let mut cursor = Cursor::new(Vec::new());
    let mut w = WavWriter::new(&mut cursor, spec).unwrap();
    for n in 0..800i32 {
        w.write_sample((n * 37 % 20000) as i16).unwrap();
        w.write_sample(1000i16).unwrap();
    }
    w.finalize().unwrap();
    let pcm = read_8k_mono(cursor.get_ref(), MINUTE).unwrap();
    for (n, &s) in pcm.iter().enumerate() {
        let expected = (f64::from(n as i32 * 37 % 20000 + 1000) / 2.0).round();
        assert_eq!(f64::from(s), expected);
    }
}

#[test]
fn typed_errors() {
    assert!(matches!(
        read_8k_mono(b"hello world, not audio", MINUTE),
        Err(WavError::NotWav)
    ));
    assert!(matches!(read_8k_mono(&[], MINUTE), Err(WavError::NotWav)));
    let three = sine_file(8000, 3, 16, false, 100);
    assert!(matches!(
        read_8k_mono(&three, MINUTE),
        Err(WavError::Unsupported(_))
    ));
    let empty = sine_file(16_000, 1, 16, false, 0);
    assert!(matches!(read_8k_mono(&empty, MINUTE), Err(WavError::Empty)));
    let long = sine_file(8000, 1, 16, false, 2500);
    match read_8k_mono(&long, Duration::from_secs(2)) {
        Err(WavError::TooLong {
            duration_ms,
            limit_ms,
        }) => {
            assert_eq!((duration_ms, limit_ms), (2500, 2000));
        }
        other => panic!("{other:?}"),
    }
    let mut truncated = sine_file(16_000, 1, 16, false, 500);
    truncated.truncate(truncated.len() - 1001);
    assert!(matches!(
        read_8k_mono(&truncated, MINUTE),
        Err(WavError::Corrupt(_))
    ));
    let mut bad_fmt = sine_file(8000, 1, 16, false, 100);
    bad_fmt[16..20].copy_from_slice(&2u32.to_le_bytes()); // fmt chunk of 2 bytes
    assert!(matches!(
        read_8k_mono(&bad_fmt, MINUTE),
        Err(WavError::Corrupt(_))
    ));
}

#[test]
fn writes_mono_and_stereo() {
    let samples: Vec<i16> = (0..1000).map(|n| (n * 31 - 15000) as i16).collect();
    let mut mono = Cursor::new(Vec::new());
    write_mono(&mut mono, &samples).unwrap();
    let info = probe(mono.get_ref()).unwrap();
    assert_eq!(
        info,
        WavInfo {
            sample_rate: 8000,
            channels: 1,
            bits_per_sample: 16,
            float: false,
            frames: 1000
        }
    );
    assert_eq!(read_8k_mono(mono.get_ref(), MINUTE).unwrap(), samples);

    let mut stereo = Cursor::new(Vec::new());
    write_stereo(&mut stereo, &samples, &samples[..600]).unwrap();
    let mut reader = WavReader::new(Cursor::new(stereo.get_ref())).unwrap();
    assert_eq!(reader.spec().channels, 2);
    let all: Vec<i16> = reader.samples::<i16>().map(Result::unwrap).collect();
    assert_eq!(all.len(), 2000);
    assert_eq!(all[2 * 599 + 1], samples[599]);
    assert_eq!(all[2 * 600 + 1], 0);
    assert_eq!(all[2 * 999], samples[999]);
}

/// A `Write + Seek` over a buffer the test keeps a handle on, to look at the bytes of a
/// recorder that never finalizes (as after a crash).
#[derive(Clone, Default)]
struct Shared(Rc<RefCell<Cursor<Vec<u8>>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.borrow_mut().write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Seek for Shared {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.0.borrow_mut().seek(pos)
    }
}

#[test]
fn recorder_checkpoint_crash_repair_resume() {
    let shared = Shared::default();
    let mut rec = WavRecorder::new(shared.clone(), Channels::Stereo).unwrap();
    assert!(rec.append_mono(&[1, 2]).is_err());
    for i in 0..10 {
        rec.append_stereo(&[i; 160], &[-i; 160]).unwrap();
    }
    rec.checkpoint().unwrap();
    rec.append_stereo(&[7; 480], &[8; 480]).unwrap();
    assert_eq!(rec.frames(), 2080);
    // The process "dies": no finalize, no drop.
    std::mem::forget(rec);
    let mut bytes = shared.0.borrow().get_ref().clone();
    assert_eq!(
        probe(&bytes).unwrap().frames,
        1600,
        "header as of the checkpoint"
    );
    bytes.push(0xAA); // half a sample from an interrupted write
    assert_eq!(repair_header(&mut bytes).unwrap(), 2080);
    let pcm = read_8k_mono(&bytes, MINUTE).unwrap();
    assert_eq!(pcm.len(), 2080);
    assert_eq!(pcm[2079], 8); // (7 + 8) / 2 rounded
                              // Continue the repaired recording.
    let repaired_len = bytes.len() - 1;
    bytes.truncate(repaired_len);
    let mut cursor = Cursor::new(bytes);
    let mut rec = WavRecorder::resume(&mut cursor).unwrap();
    assert_eq!(rec.channels(), Channels::Stereo);
    rec.append_stereo(&[100; 160], &[100; 160]).unwrap();
    assert_eq!(rec.finalize().unwrap(), 2240);
    assert_eq!(probe(cursor.get_ref()).unwrap().frames, 2240);

    // A recorder dropped without finalize still leaves a valid file (hound's Drop).
    let mut cursor = Cursor::new(Vec::new());
    {
        let mut rec = WavRecorder::new(&mut cursor, Channels::Mono).unwrap();
        rec.append_mono(&[5; 400]).unwrap();
    }
    assert_eq!(probe(cursor.get_ref()).unwrap().frames, 400);
}

#[test]
fn repair_rejects_garbage() {
    assert!(matches!(
        repair_header(&mut [0u8; 4]),
        Err(WavError::NotWav)
    ));
    let mut no_data = b"RIFF\0\0\0\0WAVEfmt \x10\0\0\0".to_vec();
    assert!(matches!(
        repair_header(&mut no_data),
        Err(WavError::Corrupt(_))
    ));
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = read_8k_mono(&bytes, MINUTE);
        let _ = probe(&bytes);
        let _ = repair_header(&mut bytes.clone());
    }

    #[test]
    fn arbitrary_bytes_after_a_riff_header_never_panic(
        tail in proptest::collection::vec(any::<u8>(), 0..512),
    ) {
        let mut bytes = b"RIFF\x24\x08\0\0WAVEfmt ".to_vec();
        bytes.extend(tail);
        let _ = read_8k_mono(&bytes, MINUTE);
        let _ = repair_header(&mut bytes);
    }

    #[test]
    fn mutated_files_never_panic(
        edits in proptest::collection::vec((0usize..300, any::<u8>()), 1..8),
        cut in 0usize..400,
        file in 0usize..4,
    ) {
        let mut bytes = match file {
            0 => sine_file(8000, 1, 16, false, 30),
            1 => sine_file(44_100, 2, 24, false, 5),
            2 => sine_file(16_000, 1, 32, true, 10),
            _ => sine_file(11_025, 2, 8, false, 20),
        };
        for (at, value) in edits {
            if let Some(b) = bytes.get_mut(at) {
                *b = value;
            }
        }
        bytes.truncate(bytes.len().saturating_sub(cut));
        let _ = read_8k_mono(&bytes, MINUTE);
        let _ = repair_header(&mut bytes);
    }
}
