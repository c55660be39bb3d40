//! A call's entry in the live view of calls in progress ([`crate::live`]): published each
//! time the call goes back into its shard's map (admission, answer, hold, IVR, transfer,
//! voicemail) and removed by `end_call`.
//!
//! Invariant: an ended call is never shown again, so the view holds exactly the calls that
//! were admitted and have not ended.

use super::{Call, Phase};
use crate::core::SipCore;
use crate::live::{CallDirection, CallState, Snapshot};

/// Prefix of the call-limit key of a trunk (`trunk:NAME`): the party is a carrier.
const TRUNK_KEY: &str = "trunk:";
/// Prefix of the call-limit key of an IVR menu (`ivr:NAME`).
const IVR_KEY: &str = "ivr:";

impl SipCore {
    /// Shows `call` as it is now in the live view, unless it ended.
    pub(super) fn show_live(&self, call: &Call) {
        let Some(state) = state_of(call) else {
            return;
        };
        let (caller_key, callee_key) = (&call.counted.0, &call.counted.1);
        let direction = if caller_key.starts_with(TRUNK_KEY) {
            CallDirection::Inbound
        } else if callee_key.starts_with(TRUNK_KEY) {
            CallDirection::Outbound
        } else {
            CallDirection::Internal
        };
        let callee = if state == CallState::Ivr && callee_key.starts_with(IVR_KEY) {
            callee_key
        } else {
            &call.callee
        };
        let answered_at = call.answered.map(|t| {
            let since = t.saturating_duration_since(call.started).as_millis();
            call.started_unix_ms
                .saturating_add(i64::try_from(since).unwrap_or(i64::MAX))
        });
        self.shared.active.live().show(
            call.tenant,
            Snapshot {
                id: &call.uuid,
                caller: &call.caller,
                callee,
                direction,
                state,
                started_at: call.started_unix_ms,
                answered_at,
            },
        );
    }
}

/// What the dashboard calls the call's state; `None` once it ended.
fn state_of(call: &Call) -> Option<CallState> {
    if call.voicemail.is_some() {
        return (call.phase != Phase::Ended).then_some(CallState::Voicemail);
    }
    Some(match call.phase {
        Phase::Early | Phase::Transfer => CallState::Ringing,
        Phase::Local => CallState::Ivr,
        Phase::Answered if call.hold.iter().any(|h| *h) => CallState::OnHold,
        Phase::Answered => CallState::Answered,
        Phase::Ended => return None,
    })
}
