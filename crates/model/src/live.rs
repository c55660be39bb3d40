//! A call in progress as the engine's live view holds it and the REST API and web cabinet
//! show it (issue 6: "active calls"); in JSON, directions and states are snake_case. With
//! the `openapi` feature the types describe themselves to the API's OpenAPI document.

use serde::Serialize;

/// Which way a call crosses the PBX.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CallDirection {
    /// Between parties of the tenant (an extension calling an extension or an IVR).
    Internal,
    /// From a carrier to the tenant.
    Inbound,
    /// From an extension out through a trunk.
    Outbound,
}

/// Where a call in progress is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CallState {
    /// The callee's phones (or a trunk, or an IVR transfer target) are being rung.
    Ringing,
    /// Caller and callee are talking.
    Answered,
    /// vpbx answered and the caller is in an IVR menu.
    Ivr,
    /// Answered, and one side holds the other (RFC 3264 §8.4).
    OnHold,
    /// The caller is leaving a voicemail message.
    Voicemail,
}

impl CallState {
    /// How the web cabinet names the state.
    pub fn label(self) -> &'static str {
        match self {
            CallState::Ringing => "ringing",
            CallState::Answered => "answered",
            CallState::Ivr => "in IVR",
            CallState::OnHold => "on hold",
            CallState::Voicemail => "voicemail",
        }
    }
}

/// One call in progress.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActiveCall {
    /// The call id, as in its CDR once it ends (and the `X-VPBX-Call-ID` header).
    pub id: String,
    /// Caller: an extension, or the carrier's calling number.
    pub caller: String,
    /// Callee: an extension, a dialed number, or an IVR menu (`ivr:NAME`).
    pub callee: String,
    /// Which way the call goes.
    pub direction: CallDirection,
    /// Where it is now.
    pub state: CallState,
    /// When the caller's INVITE was admitted, unix ms.
    pub started_at: i64,
    /// When it was answered (by a callee, an IVR or voicemail), unix ms.
    pub answered_at: Option<i64>,
}
