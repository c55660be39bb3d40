//! Calls vpbx answers itself: an IVR menu (issue 5; seed 001's greeting, menu, wait,
//! repeat, fall back), or DISA (`super::disa`, which shares the answer, the timers and the
//! transfer). The caller's INVITE is answered at once with vpbx's own SDP
//! (RFC 3264 §6), the media plane runs an application on the caller's side (prompts out,
//! RFC 4733 and in-band digits in), and the menu's state machine ([`vpbx_ivr::Session`])
//! decides what to play and where the call goes. A transfer to an extension forks the
//! INVITE to its phones like a direct call; the first to answer is bridged to the caller
//! (the application ends, the relay joins the two sides), and when none answers the
//! caller is back in the menu.
//!
//! Invariants: the caller gets exactly one final response (our 200); the callee's offer is
//! cut to the codec the caller already uses, so the relay never has to transcode; an IVR
//! timer is identified by a generation number, so a replaced timer never fires.

use super::{idx, other, sdp, Call, Phase, Timer};
use crate::core::SipCore;
use crate::media::{Playback, Side};
use crate::registry::TenantView;
use std::cmp::Reverse;
use std::time::{Duration, Instant};
use vpbx_codec::telephone_event::parse_sip_info;
use vpbx_codec::{CallProgress, EventError};
use vpbx_ivr::{Command, Session, Target};
use vpbx_model::IvrName;
use vpbx_sip_msg::{HeaderName, Request};
use vpbx_sip_proto::transaction::ServerTxId;

/// The state of a call vpbx answered itself: an IVR menu or DISA.
#[derive(Debug)]
pub(super) struct IvrCall {
    pub(super) app: LocalApp,
    /// Generation of the pending IVR timer; older timers are ignored.
    pub(super) timer: u64,
}

/// What answered the call.
#[derive(Debug)]
pub(super) enum LocalApp {
    /// An IVR menu; `entry` is the menu the call entered by (where it returns after a
    /// failed transfer).
    Menu { entry: IvrName, session: Session },
    /// DISA (see [`super::disa`]).
    Disa(vpbx_ivr::disa::DisaSession),
}

/// Something that moves an IVR on.
#[derive(Clone, Copy, Debug)]
pub(super) enum IvrInput {
    Digit(char),
    PlaybackDone,
    Timer(u64),
}

impl SipCore {
    /// Answers a call for IVR menu `entry` of `tenant` with our own SDP and starts the
    /// menu; `Err` carries the caller's final response when the offer has no usable codec.
    pub(super) fn answer_with_ivr(
        &mut self,
        now: Instant,
        now_unix: u64,
        call: &mut Call,
        tenant: &TenantView,
        entry: &IvrName,
    ) -> Result<(), (u16, String)> {
        let codec = self.answer_with_app(now, call)?;
        let now_utc = i64::try_from(now_unix).unwrap_or(i64::MAX);
        let (session, commands) =
            Session::start(&tenant.menus, entry, now_utc, &tenant.routing.extensions);
        tracing::info!(call = %call.uuid, ivr = %entry, codec, "call answered by the IVR");
        call.ivr = Some(Box::new(IvrCall {
            app: LocalApp::Menu {
                entry: entry.clone(),
                session,
            },
            timer: 0,
        }));
        self.run_ivr(now, call, commands);
        Ok(())
    }

    /// Answers the caller with our own SDP (one G.711 codec of its offer, plus
    /// telephone-event) and starts the media application on its side; the offer later
    /// forks send is cut to that codec, so the relay never transcodes. Returns the codec's
    /// name; `Err` carries the caller's final response when the offer has none.
    pub(super) fn answer_with_app(
        &mut self,
        now: Instant,
        call: &mut Call,
    ) -> Result<&'static str, (u16, String)> {
        let offer = sdp::parse(&call.a_invite.body).map_err(|e| (488, e.to_string()))?;
        let (answer, config) = sdp::local_answer(&offer, call.media.ip, call.media.a_port)
            .map_err(|e| (488, e.to_string()))?;
        self.shared.media.start_app(call.media.id, Side::A, config);
        call.codec_a = Some(config.codec.name().to_owned());
        call.out.body = call.out.body.as_ref().and_then(|b| {
            let b = sdp::parse(b).ok()?;
            sdp::only_codecs(&b, &[config.codec.name()])
                .ok()
                .map(|b| b.to_bytes())
        });
        self.answer_locally(now, call, answer.to_bytes());
        Ok(config.codec.name())
    }

    /// Sends our 200 with `sdp` to the caller (RFC 3261 §13.3.1.4) and marks the call
    /// answered by vpbx.
    pub(super) fn answer_locally(&mut self, now: Instant, call: &mut Call, sdp: Vec<u8>) {
        let mut ok = call.a_invite.response(200, "OK", Some(&call.a.local_tag));
        ok.headers.push(
            vpbx_sip_msg::HeaderName::Contact,
            self.contact(call.a.peer.transport),
        );
        ok.headers
            .push(vpbx_sip_msg::HeaderName::Allow, crate::core::ALLOW);
        super::forks::copy_record_route(&call.a_invite, &mut ok);
        super::forks::set_sdp(&mut ok, sdp);
        call.phase = Phase::Local;
        call.answered = Some(now);
        self.send_2xx(now, call, Side::A, call.a_tx, ok);
    }

    /// Feeds `input` to the call's IVR, if it has one.
    pub(super) fn ivr_input(&mut self, now: Instant, call: &mut Call, input: IvrInput) {
        let Some(ivr) = call.ivr.as_mut() else {
            return;
        };
        let LocalApp::Menu { session, .. } = &mut ivr.app else {
            self.disa_input(now, call, input);
            return;
        };
        let commands = match input {
            IvrInput::Digit(d) if call.phase == Phase::Local => {
                tracing::info!(call = %call.uuid, digit = %d, "IVR digit");
                session.on_digit(d)
            }
            IvrInput::PlaybackDone if call.phase == Phase::Local => session.on_playback_done(),
            IvrInput::Timer(generation)
                if generation == ivr.timer && call.phase == Phase::Local =>
            {
                session.on_timer()
            }
            _ => return,
        };
        self.run_ivr(now, call, commands);
    }

    /// A SIP INFO DTMF key (`application/dtmf-relay` or `application/dtmf`) from a caller
    /// vpbx talks to itself: answered 200 on server transaction `server` first (so the
    /// answer precedes whatever the key causes, a BYE included), then it goes to the
    /// voicemail or the application like a key sent in RTP. Other bodies get 415 with the
    /// accepted types (RFC 3261 §21.4.13), a body without a key 400.
    pub(super) fn info_digit(
        &mut self,
        now: Instant,
        call: &mut Call,
        server: ServerTxId,
        request: &Request,
    ) {
        let content_type = request
            .headers
            .get(&HeaderName::ContentType)
            .unwrap_or_default();
        let key = match parse_sip_info(content_type, &request.body) {
            Ok(key) => key,
            Err(EventError::ContentType) => {
                let mut refusal = request.response(415, "Unsupported Media Type", None);
                refusal.headers.push(
                    HeaderName::Other("Accept".into()),
                    "application/dtmf-relay, application/dtmf",
                );
                self.reply(now, server, refusal);
                return;
            }
            Err(_) => {
                let refusal = request.response(400, "Bad Request (no DTMF key in the body)", None);
                self.reply(now, server, refusal);
                return;
            }
        };
        self.reply(now, server, request.response(200, "OK", None));
        let disa = call
            .ivr
            .as_ref()
            .is_some_and(|i| matches!(i.app, LocalApp::Disa(_)));
        if disa {
            tracing::info!(call = %call.uuid, "DTMF by SIP INFO (DISA: key not logged)");
        } else {
            tracing::info!(call = %call.uuid, digit = %key.digit, "DTMF by SIP INFO");
        }
        if call.voicemail.is_some() {
            self.voicemail_digit(now, call, key.digit);
        } else {
            self.ivr_input(now, call, IvrInput::Digit(key.digit));
        }
    }

    /// Carries out what the IVR decided.
    fn run_ivr(&mut self, now: Instant, call: &mut Call, commands: Vec<Command>) {
        for command in commands {
            match command {
                Command::Play(prompts) => {
                    let dir = self
                        .shared
                        .data_dir
                        .join(format!("tenants/{}/prompts", call.tenant));
                    let files = prompts
                        .iter()
                        .map(|p| dir.join(format!("{p}.wav")))
                        .collect();
                    self.shared
                        .media
                        .play(call.media.id, Side::A, Playback::Files(files));
                }
                Command::StopPlayback => {
                    self.shared
                        .media
                        .play(call.media.id, Side::A, Playback::Silence);
                }
                Command::StartTimer(after) => self.app_timer(now, call, after),
                Command::CancelTimer => {
                    if let Some(ivr) = call.ivr.as_mut() {
                        ivr.timer += 1;
                    }
                }
                Command::Transfer(Target::Extension(ext)) => {
                    self.transfer(now, call, ext.as_str());
                    return;
                }
                Command::Transfer(Target::Voicemail(ext)) => {
                    if !self.send_to_voicemail(now, call, ext.as_str()) {
                        tracing::info!(call = %call.uuid, %ext, "no voicemail box enabled; hanging up");
                        self.hang_up(now, call, None, "voicemail-unavailable");
                    }
                    return;
                }
                Command::Hangup => {
                    self.hang_up(now, call, None, "ivr-hangup");
                    return;
                }
            }
        }
    }

    /// Replaces the application's pending timer with one due `after` from `now`.
    pub(super) fn app_timer(&mut self, now: Instant, call: &mut Call, after: Duration) {
        if let Some(ivr) = call.ivr.as_mut() {
            ivr.timer += 1;
            self.calls
                .timers
                .push(Reverse((now + after, call.key, Timer::Ivr(ivr.timer))));
        }
    }

    /// Rings extension `ext` for a caller in the IVR: the caller hears ringback while its
    /// phones ring; with no phone registered it is back in the menu at once.
    pub(super) fn transfer(&mut self, now: Instant, call: &mut Call, ext: &str) {
        let now_unix = unix_at(call, now);
        let contacts: Vec<_> = self
            .shared
            .location
            .lookup(call.tenant, ext)
            .into_iter()
            .filter(|b| i64::try_from(b.expires_at).unwrap_or(i64::MAX) > now_unix)
            .collect();
        let b_to = format!("<sip:{ext}@{}>", call.domain);
        let first = call.forks.len();
        let forks = self.contact_forks(
            now,
            &call.out,
            &call.b_from.clone(),
            &b_to,
            &contacts,
            first,
        );
        if forks.is_empty() {
            tracing::info!(call = %call.uuid, %ext, "transfer target not registered; back to the menu");
            self.back_to_menu(now, call);
            return;
        }
        tracing::info!(call = %call.uuid, %ext, contacts = forks.len(), "IVR transfer");
        call.forks.extend(forks);
        call.callee = ext.to_owned();
        self.ring_for_app(now, call, first);
    }

    /// Forks from `first` on ring for the caller of an application: it hears ringback,
    /// its own timers stop, and after the ring timeout it is back in the application.
    pub(super) fn ring_for_app(&mut self, now: Instant, call: &mut Call, first: usize) {
        call.phase = Phase::Transfer;
        if let Some(ivr) = call.ivr.as_mut() {
            ivr.timer += 1;
        }
        self.shared.media.play(
            call.media.id,
            Side::A,
            Playback::Tone(CallProgress::Ringback),
        );
        self.calls.timers.push(Reverse((
            now + self.shared.ring_timeout,
            call.key,
            Timer::Transfer(first),
        )));
    }

    /// A transfer rang out or failed: cancel what still rings and restart the entry menu
    /// (DISA: give the dial tone back).
    pub(super) fn back_to_menu(&mut self, now: Instant, call: &mut Call) {
        for n in 0..call.forks.len() {
            if !call.forks[n].done {
                self.cancel_fork(now, call, n);
            }
        }
        call.phase = Phase::Local;
        let Some(tenant) = self.shared.registry.by_domain(&call.domain) else {
            self.hang_up(now, call, None, "tenant-gone");
            return;
        };
        let now_utc = unix_at(call, now);
        let Some(ivr) = call.ivr.as_mut() else {
            return;
        };
        let LocalApp::Menu { entry, session } = &mut ivr.app else {
            self.disa_dial_failed(now, call);
            return;
        };
        let (started, commands) =
            Session::start(&tenant.menus, entry, now_utc, &tenant.routing.extensions);
        *session = started;
        ivr.timer += 1;
        self.run_ivr(now, call, commands);
    }

    /// After a re-INVITE from `holder` was answered by the other side (whose answer is
    /// `theirs`): while `holder` holds (RFC 3264 §8.4) and the tenant has music on hold, the
    /// held side hears it looped from the relay instead of the holder's stream; when the
    /// holder resumes, the relay joins the two sides again.
    pub(super) fn music_on_hold(
        &mut self,
        call: &mut Call,
        holder: Side,
        theirs: &vpbx_sdp::SessionDescription,
    ) {
        let held = other(holder);
        if !call.hold[idx(holder)] {
            if call.moh.take().is_some() {
                self.shared.media.bridge(call.media.id, held);
                tracing::info!(call = %call.uuid, "resumed: music on hold stops");
            }
            return;
        }
        if call.moh.is_some() {
            return;
        }
        let prompt = self
            .shared
            .registry
            .by_domain(&call.domain)
            .and_then(|t| t.moh.clone());
        let codec = sdp::codec_of(theirs)
            .as_deref()
            .and_then(vpbx_codec::Codec::from_name);
        let (Some(prompt), Some(codec)) = (prompt, codec) else {
            return;
        };
        let file = self
            .shared
            .data_dir
            .join(format!("tenants/{}/prompts/{prompt}.wav", call.tenant));
        let config = crate::media::app::AppConfig {
            codec,
            event_pt: None,
        };
        self.shared.media.start_app(call.media.id, held, config);
        self.shared
            .media
            .play(call.media.id, held, Playback::Loop(vec![file]));
        call.moh = Some(held);
        tracing::info!(call = %call.uuid, %prompt, "on hold: music on hold plays");
    }

    /// The callee of a transfer answered: the caller's application ends and the relay
    /// joins the two sides.
    pub(super) fn transfer_answered(&mut self, call: &mut Call) {
        self.shared.media.bridge(call.media.id, Side::A);
        call.ivr = None;
        call.phase = Phase::Answered;
        tracing::info!(call = %call.uuid, callee = %call.callee, "IVR transfer answered");
    }
}

/// Unix seconds at `now`, from the call's start (the core never reads the clock).
fn unix_at(call: &Call, now: Instant) -> i64 {
    let since = i64::try_from(now.saturating_duration_since(call.started).as_secs()).unwrap_or(0);
    call.started_unix_ms / 1000 + since
}
