//! Calls between extensions of one tenant, with vpbx as a back-to-back user agent
//! (RFC 3261 §6 "B2BUA", §13–§15) and the media anchored in its relay (RFC 3264 through
//! [`crate::media`]).
//!
//! Each call has an A side (the caller's dialog, where vpbx is the UAS) and a B side (the
//! callee's dialog, where vpbx is the UAC). The initial INVITE is forked to every contact
//! of the callee (§16.7 semantics: first 2xx wins, the others are cancelled); in-dialog
//! requests from one side are re-originated on the other, with SDP rewritten to the relay.
//!
//! Files: `dialog` (RFC 3261 §12 dialog state), `target` (where requests go), `sdp` (offer
//! and answer through the relay), `setup` (initial INVITE), `forks` (callee responses),
//! `in_dialog` (ACK, BYE, re-INVITE, UPDATE, INFO, CANCEL), `teardown` (ending a call,
//! its CDR, timers), `live` (the call's entry in the dashboard's view of calls).
//!
//! Invariants: a call lives in exactly one shard (the B side's Call-ID names the shard);
//! every call that was admitted ends exactly once — media closed, call-limit units given
//! back, one CDR; tenant data is only reached through the tenant of the caller's request,
//! so no call crosses tenants.

mod app;
mod dialog;
mod disa;
mod forks;
mod in_dialog;
mod inbound;
mod live;
#[cfg(test)]
mod moh_tests;
mod sdp;
mod setup;
mod target;
mod teardown;
#[cfg(test)]
mod tests;
mod trunk;
#[cfg(test)]
mod trunk_tests;
mod voicemail;

use crate::media::{MediaSession, Side};
pub(in crate::core) use dialog::Dialog;
pub(in crate::core) use forks::seal;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::time::{Duration, Instant};
use vpbx_model::TenantId;
use vpbx_sip_msg::Request;
use vpbx_sip_proto::transaction::{ClientTxId, Peer, ServerTxId};

pub use setup::{b_leg_call_id, shard_of_call_id};
pub use voicemail::VoicemailDone;

/// RFC 3261 §17.1.1.1 T1, for retransmitting our 2xx (§13.3.1.4).
const T1: Duration = Duration::from_millis(500);
/// RFC 3261 §17.1.1.1 T2.
const T2: Duration = Duration::from_secs(4);

/// The calls of one shard and the indexes that find them.
#[derive(Default)]
pub struct Calls {
    map: HashMap<u64, Call>,
    a_invites: HashMap<ServerTxId, u64>,
    clients: HashMap<ClientTxId, (u64, Role)>,
    dialogs: HashMap<(String, String), (u64, Side)>,
    timers: BinaryHeap<Reverse<(Instant, u64, Timer)>>,
    next: u64,
}

impl Calls {
    /// Calls in progress (including ones whose forks are still being wound down).
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Gives the memory of the indexes back once a load peak is over (no call left and no
    /// timer pending), so RSS returns near idle after a burst of calls.
    pub fn shrink_when_idle(&mut self) {
        const KEEP: usize = 64;
        if !self.map.is_empty() || !self.timers.is_empty() || self.map.capacity() <= KEEP {
            return;
        }
        self.map.shrink_to(KEEP);
        self.a_invites.shrink_to(KEEP);
        self.clients.shrink_to(KEEP);
        self.dialogs.shrink_to(KEEP);
        self.timers.shrink_to(KEEP);
    }
}

/// What a client transaction of a call is for.
#[derive(Clone, Debug)]
enum Role {
    /// The initial INVITE to fork `n`.
    Fork(usize),
    /// A request re-originated from `from`'s request on server transaction `server`.
    Forward {
        server: ServerTxId,
        from: Side,
        request: Box<Request>,
    },
    /// A BYE or CANCEL we originated; its answer changes nothing.
    Fire,
}

/// Call timers (besides the transaction layer's).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Timer {
    /// The callee did not answer in time.
    NoAnswer,
    /// Retransmit our 2xx to a side until its ACK (RFC 3261 §13.3.1.4).
    Retransmit(SideKey),
    /// A carrier that has not answered branch `n` at all by now is treated as down for
    /// this call (408): the next trunk is tried instead of waiting for Timer B.
    CarrierSilent(usize),
    /// An IVR timer of the given generation (wait for a digit, inter-digit timeout).
    Ivr(u64),
    /// The IVR transfer whose first fork is `n` rang too long: back to the menu.
    Transfer(usize),
    /// The voicemail message of the given generation reached its limit.
    Voicemail(u64),
}

/// [`Side`] as an ordered key for the timer heap.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum SideKey {
    A,
    B,
}

impl From<Side> for SideKey {
    fn from(s: Side) -> Self {
        match s {
            Side::A => SideKey::A,
            Side::B => SideKey::B,
        }
    }
}

impl From<SideKey> for Side {
    fn from(s: SideKey) -> Self {
        match s {
            SideKey::A => Side::A,
            SideKey::B => Side::B,
        }
    }
}

/// Where a call is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// INVITE forked, no 2xx yet.
    Early,
    /// A callee answered.
    Answered,
    /// Answered by vpbx itself (an IVR), no callee yet.
    Local,
    /// Answered by vpbx, and the IVR is ringing a callee for the caller.
    Transfer,
    /// Ended; kept only until every fork has finished.
    Ended,
}

/// What every INVITE vpbx sends for a call shares (RFC 3261 §8.1.1): Call-ID, From tag,
/// the caller, Max-Forwards and the SDP offer.
#[derive(Debug, Clone)]
struct OutLeg {
    key: u64,
    uuid: String,
    call_id: String,
    tag: String,
    caller: String,
    max_forwards: u32,
    body: Option<Vec<u8>>,
}

/// One branch of the forked initial INVITE.
#[derive(Debug)]
struct Fork {
    /// The trunk this branch goes out on, if it is not a registered contact.
    trunk: Option<std::sync::Arc<crate::registry::TrunkView>>,
    /// Whether the carrier's 401/407 was already answered once (RFC 3261 §22.2).
    auth_done: bool,
    invite: Request,
    peer: Peer,
    provisional: bool,
    cancel_wanted: bool,
    done: bool,
}

/// Our 2xx to an INVITE, resent until its ACK (RFC 3261 §13.3.1.4).
#[derive(Debug)]
struct Retransmit {
    bytes: Vec<u8>,
    peer: Peer,
    interval: Duration,
    /// When the next resend is due; a timer firing before it is left over from an earlier
    /// 2xx to the same side and is ignored.
    due: Instant,
    give_up: Instant,
}

/// One call.
#[derive(Debug)]
struct Call {
    /// Key of the call in its shard's map.
    key: u64,
    /// Unique id of the call, in every log line, the B side's Call-ID and the CDR.
    uuid: String,
    tenant: TenantId,
    /// The tenant's SIP domain.
    domain: String,
    caller: String,
    callee: String,
    /// Keys under which the call holds call-limit units (caller, callee).
    counted: (String, String),
    /// What INVITEs of this call share.
    out: OutLeg,
    /// Trunks still to try after the current one fails (failover), with the number as sent.
    attempts: std::collections::VecDeque<(std::sync::Arc<crate::registry::TrunkView>, String)>,
    media: MediaSession,
    phase: Phase,
    /// The caller's INVITE and its server transaction.
    a_invite: Request,
    a_tx: ServerTxId,
    /// Our dialog with the caller.
    a: Dialog,
    /// Our dialog with the callee once one answered.
    b: Option<Dialog>,
    /// Call-ID and From (with our tag) of every fork.
    b_call_id: String,
    b_from: String,
    forks: Vec<Fork>,
    /// The caller sent no offer: the callee's 2xx carries it and the caller's ACK the
    /// answer, which goes on to the callee in our ACK (RFC 3264 §2, late offer).
    late_offer: Option<u32>,
    /// CSeq of the answered INVITE to the callee, for re-ACKing its retransmitted 2xx.
    b_ack: Option<Vec<u8>>,
    /// Best final failure from the forks so far (RFC 3261 §16.7 step 6).
    failure: Option<(u16, String)>,
    retransmit: [Option<Retransmit>; 2],
    /// Whether each side's last description put its media on hold (RFC 3264 §8.4).
    hold: [bool; 2],
    /// A re-INVITE or UPDATE is being forwarded (a second one gets 491, RFC 3261 §14.2).
    offer_pending: bool,
    started: Instant,
    started_unix_ms: i64,
    answered: Option<Instant>,
    codec_a: Option<String>,
    codec_b: Option<String>,
    /// Whether the call is to be recorded once answered (tenant option, quota).
    record: bool,
    /// The recording's path under the data directory, once recording started.
    recording: Option<String>,
    /// The IVR, while vpbx answers the call itself.
    ivr: Option<Box<app::IvrCall>>,
    /// The side hearing music on hold, while the other side holds it.
    moh: Option<Side>,
    /// The voicemail the caller is leaving a message in.
    voicemail: Option<Box<voicemail::VoicemailCall>>,
}

impl Call {
    fn dialog_mut(&mut self, side: Side) -> Option<&mut Dialog> {
        match side {
            Side::A => Some(&mut self.a),
            Side::B => self.b.as_mut(),
        }
    }

    /// RTP port of the relay side facing `side`'s party.
    fn port_facing(&self, side: Side) -> u16 {
        match side {
            Side::A => self.media.a_port,
            Side::B => self.media.b_port,
        }
    }

    fn all_forks_done(&self) -> bool {
        self.forks.iter().all(|f| f.done)
    }
}

/// The other side.
fn other(side: Side) -> Side {
    match side {
        Side::A => Side::B,
        Side::B => Side::A,
    }
}

fn idx(side: Side) -> usize {
    match side {
        Side::A => 0,
        Side::B => 1,
    }
}
