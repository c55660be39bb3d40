//! Call detail records as the store takes them in ([`NewCdr`]) and hands them out
//! ([`CdrRow`]), and the filter for listing them ([`CdrQuery`]).
//!
//! Invariants: times are unix milliseconds; [`Disposition`] and [`HangupSide`] print and
//! parse exactly the strings the `cdrs` table's CHECK constraints allow, so a row that was
//! written always reads back; `duration_ms` and `billsec_ms` are derived from the
//! timestamps by the store, never given, so they cannot disagree with them.

use serde::Serialize;
use std::fmt;
use std::str::FromStr;

use crate::StoreError;

/// How a call ended, as Asterisk names it in its CDRs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Disposition {
    /// The callee answered.
    #[serde(rename = "ANSWERED")]
    Answered,
    /// The callee was busy (486/600, or over its busy level).
    #[serde(rename = "BUSY")]
    Busy,
    /// Nobody answered before the caller or a timer gave up.
    #[serde(rename = "NO ANSWER")]
    NoAnswer,
    /// The call could not be set up (routing, network or server error).
    #[serde(rename = "FAILED")]
    Failed,
    /// The caller hung up (CANCEL) before an answer.
    #[serde(rename = "CANCELLED")]
    Cancelled,
}

impl Disposition {
    /// Every disposition, in the order they are documented.
    pub const ALL: [Disposition; 5] = [
        Disposition::Answered,
        Disposition::Busy,
        Disposition::NoAnswer,
        Disposition::Failed,
        Disposition::Cancelled,
    ];

    /// The stored name: `ANSWERED`, `BUSY`, `NO ANSWER`, `FAILED` or `CANCELLED`.
    pub fn as_str(self) -> &'static str {
        match self {
            Disposition::Answered => "ANSWERED",
            Disposition::Busy => "BUSY",
            Disposition::NoAnswer => "NO ANSWER",
            Disposition::Failed => "FAILED",
            Disposition::Cancelled => "CANCELLED",
        }
    }
}

impl fmt::Display for Disposition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Disposition {
    type Err = StoreError;

    /// Parses a stored name exactly (`NO ANSWER` with one space, upper case).
    fn from_str(s: &str) -> Result<Self, StoreError> {
        Disposition::ALL
            .into_iter()
            .find(|d| d.as_str() == s)
            .ok_or_else(|| {
                StoreError::Invalid(format!(
                    "disposition {s:?} (use ANSWERED, BUSY, NO ANSWER, FAILED or CANCELLED)"
                ))
            })
    }
}

/// Which side ended the call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum HangupSide {
    /// The calling party (BYE or CANCEL from the caller).
    Caller,
    /// The called party (BYE or a final error response from the callee).
    Callee,
    /// The PBX itself (RTP timeout, call limit, shutdown, routing failure).
    System,
}

impl HangupSide {
    /// Every side.
    pub const ALL: [HangupSide; 3] = [HangupSide::Caller, HangupSide::Callee, HangupSide::System];

    /// The stored name: `caller`, `callee` or `system`.
    pub fn as_str(self) -> &'static str {
        match self {
            HangupSide::Caller => "caller",
            HangupSide::Callee => "callee",
            HangupSide::System => "system",
        }
    }
}

impl fmt::Display for HangupSide {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for HangupSide {
    type Err = StoreError;

    /// Parses a stored name exactly (lower case).
    fn from_str(s: &str) -> Result<Self, StoreError> {
        HangupSide::ALL
            .into_iter()
            .find(|h| h.as_str() == s)
            .ok_or_else(|| {
                StoreError::Invalid(format!("hangup side {s:?} (use caller, callee or system)"))
            })
    }
}

/// A finished call to be recorded; the store assigns the id and derives the durations.
#[derive(Clone, Debug, PartialEq)]
pub struct NewCdr {
    /// The caller leg's SIP Call-ID; unique within the tenant.
    pub call_id: String,
    /// Calling number or extension (From user part).
    pub caller: String,
    /// Called number or extension (Request-URI user part).
    pub callee: String,
    /// When the INVITE arrived, unix ms.
    pub started_at: i64,
    /// When the callee answered (200 OK), unix ms; `None` if never answered.
    pub answered_at: Option<i64>,
    /// When the call ended, unix ms.
    pub ended_at: i64,
    /// How the call ended.
    pub disposition: Disposition,
    /// Who ended it.
    pub hangup_side: HangupSide,
    /// Why, e.g. `bye`, `rtp-timeout`, `486 Busy Here`.
    pub hangup_cause: String,
    /// Codec negotiated on the caller's leg (e.g. `PCMA`), if media was set up.
    pub codec_a: Option<String>,
    /// Codec negotiated on the callee's leg, if media was set up.
    pub codec_b: Option<String>,
    /// Per-leg RTCP quality statistics (a JSON object), if measured.
    pub quality: Option<serde_json::Value>,
    /// The call's recording, if it was recorded.
    pub recording: Option<Recording>,
}

impl NewCdr {
    /// Total time from INVITE to end, ms (0 if the clock went backwards).
    pub fn duration_ms(&self) -> i64 {
        self.ended_at.saturating_sub(self.started_at).max(0)
    }

    /// Talk time from answer to end, ms (0 if never answered or the clock went backwards).
    pub fn billsec_ms(&self) -> i64 {
        self.answered_at
            .map_or(0, |a| self.ended_at.saturating_sub(a).max(0))
    }
}

/// A stored call detail record.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CdrRow {
    /// Row id, increasing in insertion order.
    pub id: i64,
    /// The caller leg's SIP Call-ID.
    pub call_id: String,
    /// Calling number or extension.
    pub caller: String,
    /// Called number or extension.
    pub callee: String,
    /// When the INVITE arrived, unix ms.
    pub started_at: i64,
    /// When the callee answered, unix ms.
    pub answered_at: Option<i64>,
    /// When the call ended, unix ms.
    pub ended_at: i64,
    /// `ended_at - started_at`, ms.
    pub duration_ms: i64,
    /// `ended_at - answered_at` (0 if never answered), ms.
    pub billsec_ms: i64,
    /// How the call ended.
    pub disposition: Disposition,
    /// Who ended it.
    pub hangup_side: HangupSide,
    /// Why it ended.
    pub hangup_cause: String,
    /// Caller leg codec.
    pub codec_a: Option<String>,
    /// Callee leg codec.
    pub codec_b: Option<String>,
    /// Per-leg RTCP quality statistics.
    pub quality: Option<serde_json::Value>,
    /// The call's recording, while it is kept.
    pub recording: Option<Recording>,
}

/// A call recording: a stereo WAV file (caller left, callee right).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Recording {
    /// Path of the file relative to the data directory.
    pub path: String,
    /// Its size in bytes, counted against the tenant's quota.
    pub bytes: i64,
}

impl CdrRow {
    /// The position of this row in the listing order, to fetch the next page with
    /// [`CdrQuery::before`].
    pub fn cursor(&self) -> CdrCursor {
        CdrCursor {
            started_at: self.started_at,
            id: self.id,
        }
    }
}

/// A position in the listing order (newest `started_at` first, then highest id first).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CdrCursor {
    /// `started_at` of the last row of the previous page.
    pub started_at: i64,
    /// `id` of the last row of the previous page.
    pub id: i64,
}

/// Which CDRs to list, newest first.
#[derive(Clone, Debug, PartialEq)]
pub struct CdrQuery {
    /// Only calls started at or after this time, unix ms.
    pub since: Option<i64>,
    /// Only calls started before this time, unix ms.
    pub until: Option<i64>,
    /// Only calls whose caller or callee equals this number exactly.
    pub number: Option<String>,
    /// Only calls with this disposition.
    pub disposition: Option<Disposition>,
    /// At most this many rows.
    pub limit: u32,
    /// Only rows after this position in the listing order (keyset paging: pass the
    /// [`CdrRow::cursor`] of the last row of the previous page).
    pub before: Option<CdrCursor>,
}

impl CdrQuery {
    /// How many rows a default query returns.
    pub const DEFAULT_LIMIT: u32 = 100;
}

impl Default for CdrQuery {
    /// No filter, the newest [`CdrQuery::DEFAULT_LIMIT`] rows.
    fn default() -> Self {
        Self {
            since: None,
            until: None,
            number: None,
            disposition: None,
            limit: Self::DEFAULT_LIMIT,
            before: None,
        }
    }
}
