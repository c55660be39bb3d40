//! Sans-IO media processing for the vpbx media applications (IVR prompts, DTMF, recording,
//! music on hold): G.711 (ITU-T G.711), WAV reading/writing with band-limited resampling to
//! 8 kHz, call-progress tones (ITU-T E.180) and DTMF generation (ITU-T Q.23), in-band DTMF
//! detection (ITU-T Q.24), RTP telephone-events (RFC 4733) and SIP INFO DTMF bodies, and
//! level/voice-activity measurement.
//!
//! Invariants: sans-IO — nothing here opens sockets or files, spawns threads or reads a
//! clock; time is a count of samples at 8 kHz (or RTP timestamp units) that the caller
//! passes in. No parser panics on any byte input. Stateful processors (tone generators,
//! the DTMF detector, the telephone-event receiver, the voice detector) accept input in
//! chunks of any size and give the same result as for one whole buffer.

#![warn(missing_docs)]

pub mod codec;
pub mod dtmf;
pub mod error;
pub mod g711;
pub mod level;
pub mod resample;
pub mod telephone_event;
pub mod tone;
pub mod wav;

pub use codec::Codec;
pub use dtmf::{DtmfConfig, DtmfDetector, DtmfEvent};
pub use error::{EventError, WavError};
pub use level::{Activity, VoiceDetector};
pub use telephone_event::{EventPayload, EventReceiver, ReceivedEvent};
pub use tone::{Cadence, CallProgress, DtmfGenerator, DtmfParams, Region, ToneGenerator};
pub use wav::{read_8k_mono, Channels, WavRecorder};

/// The sample rate of every PCM buffer this crate produces or consumes, in Hz (the G.711
/// rate, ITU-T G.711 §1).
pub const SAMPLE_RATE: u32 = 8000;
