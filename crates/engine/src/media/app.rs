//! A media application on one side of a session: vpbx itself talks to that party (an IVR
//! playing prompts, a ringback tone while a transfer rings) instead of relaying the other
//! side.
//!
//! Every 20 ms [`App::next_packet`] produces one RTP packet (RFC 3550 §5.1; RFC 3551
//! §4.5.14 G.711, 160 samples) from the current [`Source`] — silence when nothing plays, so
//! the phone's jitter buffer and any NAT binding stay alive. Packets from the party go to
//! [`App::on_rtp`]: RFC 4733 telephone-events are turned into digits by the codec crate's
//! receiver (one digit per event despite redundant end packets), and audio is decoded and
//! fed to the in-band DTMF detector (Goertzel, ITU-T Q.24).
//!
//! Invariants: once a party has sent one telephone-event, in-band detection is off for it,
//! so a phone that sends both never types a digit twice; sequence numbers and timestamps
//! of our stream advance by exactly one packet per call of `next_packet`, whatever the
//! source, so a change of prompt is not a discontinuity for the phone.

use std::sync::Arc;

use vpbx_codec::{CallProgress, Codec, DtmfDetector, EventReceiver, Region, ToneGenerator};
use vpbx_rtp::RtpPacket;

/// Samples in one 20 ms packet at 8 kHz.
pub const FRAME: usize = 160;

/// What the application sends to the party.
#[derive(Clone, Debug)]
pub enum Source {
    /// Nothing: silence packets.
    Silence,
    /// 8 kHz mono samples, played once; `PlaybackDone` follows their end.
    Samples(Arc<[i16]>),
    /// 8 kHz mono samples played over and over (music on hold), until replaced.
    Loop(Arc<[i16]>),
    /// A call-progress tone, until replaced.
    Tone(CallProgress),
}

/// How the application speaks to its party, from the SDP answer we gave it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AppConfig {
    /// The audio codec (RFC 3551 static payload types 0 or 8).
    pub codec: Codec,
    /// Payload type of telephone-event (RFC 4733 §7.1.1), if the party offered it.
    pub event_pt: Option<u8>,
}

/// What the application noticed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppEvent {
    /// The party pressed a key (RFC 4733 event or in-band tone).
    Digit(char),
    /// The samples being played have all been sent.
    PlaybackDone,
}

/// The state of one side's application.
#[derive(Debug)]
pub struct App {
    config: AppConfig,
    ssrc: u32,
    seq: u16,
    ts: u32,
    source: Source,
    position: usize,
    tone: Option<ToneGenerator>,
    detector: DtmfDetector,
    events: EventReceiver,
    saw_events: bool,
    pcm: Vec<i16>,
}

impl App {
    /// A new application with a random SSRC and sequence start (RFC 3550 §5.1, §8).
    pub fn new(config: AppConfig) -> App {
        App {
            config,
            ssrc: rand::random(),
            seq: rand::random(),
            ts: rand::random(),
            source: Source::Silence,
            position: 0,
            tone: None,
            detector: DtmfDetector::default(),
            events: EventReceiver::new(),
            saw_events: false,
            pcm: Vec::with_capacity(FRAME),
        }
    }

    /// Replaces what is being sent.
    pub fn play(&mut self, source: Source) {
        self.tone = match &source {
            Source::Tone(tone) => Some(ToneGenerator::call_progress(Region::Eu, *tone)),
            _ => None,
        };
        self.source = source;
        self.position = 0;
    }

    /// Writes the next 20 ms packet into `out` (cleared first); returns `PlaybackDone`
    /// when this packet carried the last samples of a played buffer.
    pub fn next_packet(&mut self, out: &mut Vec<u8>) -> Option<AppEvent> {
        let mut frame = [0i16; FRAME];
        let mut done = None;
        match &self.source {
            Source::Silence => {}
            Source::Samples(samples) => {
                let rest = samples.get(self.position..).unwrap_or_default();
                let n = rest.len().min(FRAME);
                frame[..n].copy_from_slice(&rest[..n]);
                self.position += n;
                if self.position >= samples.len() {
                    self.source = Source::Silence;
                    done = Some(AppEvent::PlaybackDone);
                }
            }
            Source::Loop(samples) if !samples.is_empty() => {
                let mut filled = 0;
                while filled < FRAME {
                    let start = self.position % samples.len();
                    let n = (samples.len() - start).min(FRAME - filled);
                    frame[filled..filled + n].copy_from_slice(&samples[start..start + n]);
                    filled += n;
                    self.position = (start + n) % samples.len();
                }
            }
            Source::Loop(_) => {}
            Source::Tone(_) => {
                if let Some(tone) = self.tone.as_mut() {
                    tone.fill(&mut frame);
                }
            }
        }
        out.clear();
        out.extend_from_slice(&[0x80, self.config.codec.payload_type()]);
        out.extend_from_slice(&self.seq.to_be_bytes());
        out.extend_from_slice(&self.ts.to_be_bytes());
        out.extend_from_slice(&self.ssrc.to_be_bytes());
        self.config.codec.encode(&frame, out);
        self.seq = self.seq.wrapping_add(1);
        self.ts = self.ts.wrapping_add(FRAME as u32);
        done
    }

    /// Handles an RTP packet from the party; returns a digit it pressed, if any.
    pub fn on_rtp(&mut self, bytes: &[u8]) -> Option<AppEvent> {
        let packet = RtpPacket::parse(bytes).ok()?;
        let pt = packet.payload_type();
        if Some(pt) == self.config.event_pt {
            self.saw_events = true;
            let event = self
                .events
                .on_packet(packet.timestamp(), packet.marker(), packet.payload())
                .ok()??;
            return event.new_digit().map(AppEvent::Digit);
        }
        if self.saw_events {
            return None;
        }
        let codec = Codec::from_payload_type(pt)?;
        self.pcm.clear();
        codec.decode(packet.payload(), &mut self.pcm);
        let mut found = Vec::new();
        self.detector.process(&self.pcm, &mut found);
        found.first().map(|e| AppEvent::Digit(e.digit))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vpbx_codec::telephone_event::{digit_packets, digit_to_event};
    use vpbx_codec::{DtmfGenerator, DtmfParams};

    fn rtp(pt: u8, marker: bool, seq: u16, ts: u32, payload: &[u8]) -> Vec<u8> {
        let mut p = vec![0x80, pt | if marker { 0x80 } else { 0 }];
        p.extend_from_slice(&seq.to_be_bytes());
        p.extend_from_slice(&ts.to_be_bytes());
        p.extend_from_slice(&7u32.to_be_bytes());
        p.extend_from_slice(payload);
        p
    }

    #[test]
    fn plays_samples_then_silence_with_a_continuous_stream() {
        let mut app = App::new(AppConfig {
            codec: Codec::Pcma,
            event_pt: Some(101),
        });
        app.play(Source::Samples(vec![1000i16; 400].into()));
        let mut out = Vec::new();
        let mut done = Vec::new();
        let mut headers = Vec::new();
        for _ in 0..4 {
            done.push(app.next_packet(&mut out));
            let p = RtpPacket::parse(&out).unwrap();
            assert_eq!((p.payload_type(), p.payload().len()), (8, FRAME));
            headers.push((p.sequence(), p.timestamp()));
        }
        assert_eq!(done, [None, None, Some(AppEvent::PlaybackDone), None]);
        for w in headers.windows(2) {
            assert_eq!(w[1].0, w[0].0.wrapping_add(1));
            assert_eq!(w[1].1, w[0].1.wrapping_add(160));
        }
        app.play(Source::Tone(CallProgress::Ringback));
        assert_eq!(app.next_packet(&mut out), None);
        app.play(Source::Loop(vec![7i16; 100].into()));
        for _ in 0..3 {
            assert_eq!(app.next_packet(&mut out), None, "a loop never ends");
        }
        app.play(Source::Loop(Vec::new().into()));
        assert_eq!(app.next_packet(&mut out), None);
    }

    #[test]
    fn a_loop_wraps_around_sample_exact() {
        let mut app = App::new(AppConfig {
            codec: Codec::Pcmu,
            event_pt: None,
        });
        let samples: Vec<i16> = (0..100).map(|i| i * 100 - 5000).collect();
        app.play(Source::Loop(samples.clone().into()));
        let mut heard = Vec::new();
        let mut out = Vec::new();
        for _ in 0..5 {
            app.next_packet(&mut out);
            Codec::Pcmu.decode(&out[12..], &mut heard);
        }
        let mut expected = Vec::new();
        for &s in samples.iter().cycle().take(5 * FRAME) {
            let mut one = Vec::new();
            Codec::Pcmu.encode(&[s], &mut one);
            Codec::Pcmu.decode(&one, &mut expected);
        }
        assert_eq!(heard, expected);
    }

    #[test]
    fn rfc4733_digit_once_and_in_band_off_after_it() {
        let mut app = App::new(AppConfig {
            codec: Codec::Pcmu,
            event_pt: Some(101),
        });
        let event = digit_to_event('5').unwrap();
        let mut digits = Vec::new();
        for (i, p) in digit_packets(event, 10, 800).unwrap().iter().enumerate() {
            let bytes = rtp(101, p.marker, i as u16, 5000, &p.payload.to_bytes());
            digits.extend(app.on_rtp(&bytes));
        }
        assert_eq!(digits, [AppEvent::Digit('5')]);
        let mut tone = DtmfGenerator::new("7", DtmfParams::default()).unwrap();
        let mut heard = Vec::new();
        for i in 0..20u16 {
            let mut frame = [0i16; FRAME];
            tone.fill(&mut frame);
            let mut payload = Vec::new();
            Codec::Pcmu.encode(&frame, &mut payload);
            heard.extend(app.on_rtp(&rtp(0, false, 100 + i, u32::from(i) * 160, &payload)));
        }
        assert!(heard.is_empty(), "{heard:?}");
    }

    #[test]
    fn in_band_digit_detected_and_junk_ignored() {
        let mut app = App::new(AppConfig {
            codec: Codec::Pcma,
            event_pt: None,
        });
        assert_eq!(app.on_rtp(b"junk"), None);
        let mut tone = DtmfGenerator::new("#", DtmfParams::default()).unwrap();
        let mut heard = Vec::new();
        for i in 0..25u16 {
            let mut frame = [0i16; FRAME];
            tone.fill(&mut frame);
            let mut payload = Vec::new();
            Codec::Pcma.encode(&frame, &mut payload);
            heard.extend(app.on_rtp(&rtp(8, false, i, u32::from(i) * 160, &payload)));
        }
        assert_eq!(heard, [AppEvent::Digit('#')]);
    }
}
