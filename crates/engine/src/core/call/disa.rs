//! DISA calls (issue 5 item 7; seed 000 §4.6 "disa_enabled"): a number routed to `disa`
//! is answered by vpbx when the tenant has DISA on; the caller keys an extension and its
//! PIN ([`vpbx_ivr::disa::DisaSession`] decides), then a number, which is called as that
//! user: routed with the user's permissions (`vpbx_routing::decide` from the user, so the
//! toll-fraud policy and directions apply as if the user dialled from a desk phone),
//! presented with the user as caller to trunks. The call to the number is a fork of the
//! same call, like an IVR transfer: the caller hears ringback, the answer bridges the
//! relay, and a failure gives the dial tone back.
//!
//! Invariants: once identified, the call counts against the user's call limit instead of
//! the DISA number (a user at its limit cannot dial through DISA either); a PIN is checked
//! only against the tenant's stored hashes, never logged; a
//! refused caller's attempts are counted per call and logged with the caller and source,
//! so repeated guessing shows in the log and the CDRs (`disa-auth-failed`).

use super::setup::Destination;
use super::{app::IvrInput, app::LocalApp, Call, Phase};
use crate::core::SipCore;
use crate::media::{Playback, Side};
use crate::registry::TrunkView;
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Instant;
use vpbx_codec::CallProgress;
use vpbx_ivr::disa::{Cue, DisaCommand, DisaEnd, DisaSession};
use vpbx_model::Extension;

/// The user a DISA caller identified as, if it did.
fn session_user(call: &Call) -> Option<&Extension> {
    match &call.ivr.as_ref()?.app {
        LocalApp::Disa(session) => session.user(),
        LocalApp::Menu { .. } => None,
    }
}

impl SipCore {
    /// Answers a DISA call with our own SDP and gives the caller the dial tone; `Err`
    /// carries the caller's final response when the offer has no usable codec.
    pub(super) fn answer_with_disa(
        &mut self,
        now: Instant,
        call: &mut Call,
    ) -> Result<(), (u16, String)> {
        let codec = self.answer_with_app(now, call)?;
        tracing::info!(call = %call.uuid, caller = %call.caller, codec, "call answered by DISA");
        let (session, commands) = DisaSession::start();
        call.ivr = Some(Box::new(super::app::IvrCall {
            app: LocalApp::Disa(session),
            timer: 0,
        }));
        self.run_disa(now, call, commands);
        Ok(())
    }

    /// Feeds a key or a timer to the call's DISA session.
    pub(super) fn disa_input(&mut self, now: Instant, call: &mut Call, input: IvrInput) {
        let tenant = self.shared.registry.by_domain(&call.domain);
        let lookup = |ext: &str| tenant.as_ref()?.disa_pins.get(ext).cloned();
        let Some(ivr) = call.ivr.as_mut() else {
            return;
        };
        let LocalApp::Disa(session) = &mut ivr.app else {
            return;
        };
        if call.phase != Phase::Local {
            return;
        }
        let commands = match input {
            IvrInput::Digit(d) => session.on_digit(d, lookup),
            IvrInput::Timer(generation) if generation == ivr.timer => session.on_timer(lookup),
            IvrInput::Timer(_) | IvrInput::PlaybackDone => return,
        };
        self.run_disa(now, call, commands);
    }

    /// The number rang out, failed or was refused: congestion, then dial tone for another
    /// one (or the end).
    pub(super) fn disa_dial_failed(&mut self, now: Instant, call: &mut Call) {
        let Some(LocalApp::Disa(session)) = call.ivr.as_mut().map(|i| &mut i.app) else {
            return;
        };
        let commands = session.on_dial_failed();
        self.run_disa(now, call, commands);
    }

    /// Carries out what the DISA session decided.
    fn run_disa(&mut self, now: Instant, call: &mut Call, commands: Vec<DisaCommand>) {
        for command in commands {
            match command {
                DisaCommand::Play(cue) => {
                    let playback = match cue {
                        Cue::DialTone => Playback::Tone(CallProgress::Dial),
                        Cue::Beep => Playback::Beep,
                        Cue::Refused => Playback::Tone(CallProgress::Congestion),
                        Cue::Silence => Playback::Silence,
                    };
                    if cue == Cue::Refused && session_user(call).is_none() {
                        tracing::warn!(call = %call.uuid, tenant = %call.domain, caller = %call.caller, source = %call.a.peer.addr, "DISA: wrong extension or PIN");
                    }
                    self.shared.media.play(call.media.id, Side::A, playback);
                }
                DisaCommand::StartTimer(after) => self.app_timer(now, call, after),
                DisaCommand::Dial { user, number } => {
                    self.disa_dial(now, call, &user, &number);
                    return;
                }
                DisaCommand::Hangup(why) => {
                    if why == DisaEnd::AuthFailed {
                        tracing::warn!(call = %call.uuid, tenant = %call.domain, caller = %call.caller, source = %call.a.peer.addr, "DISA: too many wrong PINs; hanging up");
                    }
                    self.hang_up(now, call, None, why.as_str());
                    return;
                }
            }
        }
    }

    /// Calls `number` as `user`: an extension of the tenant rings its phones, an outside
    /// number goes out through the trunks the user's directions allow.
    fn disa_dial(&mut self, now: Instant, call: &mut Call, user: &Extension, number: &str) {
        let Some(tenant) = self.shared.registry.by_domain(&call.domain) else {
            self.hang_up(now, call, None, "tenant-gone");
            return;
        };
        let limits = crate::active::Limits {
            call_limit: tenant
                .users
                .get(user.as_str())
                .and_then(|u| u.call_limit)
                .or(self.shared.default_call_limit),
            busy_level: None,
        };
        let moved =
            self.shared
                .active
                .move_unit(call.tenant, &call.counted.1, (user.as_str(), limits));
        if moved.is_err() {
            tracing::info!(call = %call.uuid, %user, "DISA: the user is at its call limit");
            self.disa_dial_failed(now, call);
            return;
        }
        call.counted.1 = user.as_str().to_owned();
        tracing::info!(call = %call.uuid, %user, %number, "DISA: dialling as the user");
        call.out.caller = user.as_str().to_owned();
        match self.destination(&tenant, user.as_str(), number) {
            Ok(Destination::Extension { ext, .. }) => self.transfer(now, call, &ext),
            Ok(Destination::Trunks(trunks)) => self.disa_trunks(now, call, trunks, number),
            Ok(Destination::Ivr(_) | Destination::Disa) => {
                tracing::info!(call = %call.uuid, %number, "DISA: the number is answered by vpbx itself; refused");
                self.disa_dial_failed(now, call);
            }
            Err((status, reason)) => {
                tracing::info!(call = %call.uuid, %user, %number, status, %reason, "DISA: number refused");
                self.disa_dial_failed(now, call);
            }
        }
    }

    /// Sends the call out through the first usable trunk, the rest kept for failover.
    fn disa_trunks(
        &mut self,
        now: Instant,
        call: &mut Call,
        trunks: Vec<(Arc<TrunkView>, String)>,
        number: &str,
    ) {
        let mut attempts: VecDeque<_> = trunks
            .into_iter()
            .filter(|(t, _)| self.trunk_usable(call.tenant, t))
            .collect();
        let first = call.forks.len();
        let out = call.out.clone();
        while let Some((trunk, sent)) = attempts.pop_front() {
            if let Some(fork) = self.trunk_fork(now, &out, first, trunk, &sent) {
                call.forks.push(fork);
                break;
            }
        }
        if call.forks.len() == first {
            tracing::info!(call = %call.uuid, %number, "DISA: no usable trunk");
            self.disa_dial_failed(now, call);
            return;
        }
        call.attempts = attempts;
        call.callee = number.to_owned();
        self.ring_for_app(now, call, first);
    }
}
