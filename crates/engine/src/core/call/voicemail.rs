//! Voicemail (issue 5; seed 001: the message is mailed as an attachment): a caller who
//! reaches an extension that is busy, does not answer, is not registered, or is sent there
//! by an IVR, hears the box's greeting (a prompt) and a beep, and is recorded (mono WAV,
//! the caller only) until it hangs up, presses `#`, or the box's limit is reached. The
//! finished message goes out of the core as a [`VoicemailDone`]; `engine::voicemail`
//! stores it and mails it.
//!
//! Invariants: only an enabled box takes messages; a caller that cancelled is never sent
//! to voicemail; a message exists only if recording started (after the beep).

use super::{sdp, Call, Phase, Timer};
use crate::core::SipCore;
use crate::media::{Playback, Side};
use std::cmp::Reverse;
use std::time::{Duration, Instant};
use vpbx_model::TenantId;

/// A finished voicemail message, for the store and the mailer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VoicemailDone {
    /// The tenant.
    pub tenant: TenantId,
    /// Its SIP domain.
    pub domain: String,
    /// The mailbox's extension.
    pub extension: String,
    /// Who called.
    pub caller: String,
    /// The call's unique id.
    pub call_id: String,
    /// The WAV file, relative to the data directory.
    pub path: String,
    /// How long the message is, ms.
    pub duration_ms: u64,
    /// When it was left, unix ms.
    pub created_at: i64,
}

/// Where a caller leaving a message is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    Greeting,
    Beep,
    Recording(Instant),
}

/// The voicemail state of a call.
#[derive(Debug)]
pub(super) struct VoicemailCall {
    extension: String,
    step: Step,
    path: String,
    max: Duration,
    /// Generation of the pending limit timer.
    timer: u64,
}

impl SipCore {
    /// Sends the call to `ext`'s voicemail if its box is enabled: answers the caller with
    /// our SDP when not answered yet, then plays the greeting. False when the box is off
    /// or missing, or the caller's offer is unusable: the caller then gets what it would
    /// have got without voicemail.
    pub(super) fn send_to_voicemail(&mut self, now: Instant, call: &mut Call, ext: &str) -> bool {
        let Some(tenant) = self.shared.registry.by_domain(&call.domain) else {
            return false;
        };
        let Some(vbox) = tenant.voicemail.get(ext).filter(|b| b.enabled).cloned() else {
            return false;
        };
        if call.phase == Phase::Early {
            let Ok(offer) = sdp::parse(&call.a_invite.body) else {
                return false;
            };
            let Ok((answer, config)) = sdp::local_answer(&offer, call.media.ip, call.media.a_port)
            else {
                return false;
            };
            for n in 0..call.forks.len() {
                if !call.forks[n].done {
                    self.cancel_fork(now, call, n);
                }
            }
            self.shared.media.start_app(call.media.id, Side::A, config);
            call.codec_a = Some(config.codec.name().to_owned());
            self.answer_locally(now, call, answer.to_bytes());
        }
        call.ivr = None;
        call.phase = Phase::Local;
        call.callee = ext.to_owned();
        let path = format!("voicemail/{}/{ext}/{}.wav", call.tenant, call.uuid);
        let step = match &vbox.greeting {
            Some(greeting) => {
                let file = self
                    .shared
                    .data_dir
                    .join(format!("tenants/{}/prompts/{greeting}.wav", call.tenant));
                self.shared
                    .media
                    .play(call.media.id, Side::A, Playback::Files(vec![file]));
                Step::Greeting
            }
            None => {
                self.shared
                    .media
                    .play(call.media.id, Side::A, Playback::Beep);
                Step::Beep
            }
        };
        tracing::info!(call = %call.uuid, %ext, "to voicemail");
        call.voicemail = Some(Box::new(VoicemailCall {
            extension: ext.to_owned(),
            step,
            path,
            max: Duration::from_secs(u64::from(vbox.max_seconds)),
            timer: 0,
        }));
        true
    }

    /// The greeting or the beep ended: beep, then record.
    pub(super) fn voicemail_played(&mut self, now: Instant, call: &mut Call) {
        let Some(vm) = call.voicemail.as_mut() else {
            return;
        };
        match vm.step {
            Step::Greeting => {
                vm.step = Step::Beep;
                self.shared
                    .media
                    .play(call.media.id, Side::A, Playback::Beep);
            }
            Step::Beep => {
                if !self.shared.media.record(call.media.id, &vm.path, true) {
                    tracing::warn!(call = %call.uuid, "cannot record the voicemail message");
                    self.hang_up(now, call, None, "voicemail-unavailable");
                    return;
                }
                vm.step = Step::Recording(now);
                vm.timer += 1;
                let at = now + vm.max;
                let timer = Timer::Voicemail(vm.timer);
                self.calls.timers.push(Reverse((at, call.key, timer)));
            }
            Step::Recording(_) => {}
        }
    }

    /// `#` ends the message; the limit timer too.
    pub(super) fn voicemail_digit(&mut self, now: Instant, call: &mut Call, digit: char) {
        let recording = call
            .voicemail
            .as_ref()
            .is_some_and(|vm| matches!(vm.step, Step::Recording(_)));
        if recording && digit == '#' {
            self.hang_up(now, call, None, "voicemail");
        }
    }

    /// The message reached the box's limit.
    pub(super) fn voicemail_timer(&mut self, now: Instant, call: &mut Call, generation: u64) {
        if call
            .voicemail
            .as_ref()
            .is_some_and(|vm| vm.timer == generation)
        {
            self.hang_up(now, call, None, "voicemail-limit");
        }
    }

    /// At the end of a call: the message, if one was being recorded.
    pub(super) fn voicemail_left(&mut self, now: Instant, call: &mut Call) {
        let Some(vm) = call.voicemail.take() else {
            return;
        };
        let Step::Recording(since) = vm.step else {
            return;
        };
        let duration = now.saturating_duration_since(since);
        let started = call.started_unix_ms;
        let elapsed = i64::try_from(now.saturating_duration_since(call.started).as_millis())
            .unwrap_or(i64::MAX);
        self.voicemails.push(VoicemailDone {
            tenant: call.tenant,
            domain: call.domain.clone(),
            extension: vm.extension,
            caller: call.caller.clone(),
            call_id: call.uuid.clone(),
            path: vm.path,
            duration_ms: u64::try_from(duration.as_millis()).unwrap_or(u64::MAX),
            created_at: started.saturating_add(elapsed),
        });
    }
}
