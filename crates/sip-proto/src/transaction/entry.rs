//! The records the layer keeps per transaction: matching key, armed timers and the RFC 3261
//! §17 state machine of the right kind.
//!
//! Invariants: the key stored here is the one the transaction is indexed under (for a
//! client transaction it may be absent: then no response can match it); the machine kind
//! follows the method (INVITE vs. everything else, RFC 3261 §17).

use vpbx_sip_msg::Response;

use super::client_invite::ClientInvite;
use super::client_non_invite::ClientNonInvite;
use super::ctx::{Ctx, StatusClass, Step};
use super::error::TransactionError;
use super::key::{ClientKey, ServerKey};
use super::queue::Deadlines;
use super::server_invite::ServerInvite;
use super::server_non_invite::ServerNonInvite;
use super::timers::TimerKind;

/// A server transaction of either kind.
#[derive(Debug)]
pub(crate) enum ServerMachine {
    /// RFC 3261 §17.2.1.
    Invite(ServerInvite),
    /// RFC 3261 §17.2.2.
    NonInvite(ServerNonInvite),
}

impl ServerMachine {
    /// A retransmitted request arrived.
    pub(crate) fn on_retransmission(&mut self, ctx: &mut Ctx<'_>) {
        match self {
            ServerMachine::Invite(m) => m.on_retransmission(ctx),
            ServerMachine::NonInvite(m) => m.on_retransmission(ctx),
        }
    }

    /// The TU sends a response.
    pub(crate) fn respond(
        &mut self,
        ctx: &mut Ctx<'_>,
        class: StatusClass,
        response: Response,
    ) -> Result<Step, TransactionError> {
        match self {
            ServerMachine::Invite(m) => m.respond(ctx, class, response),
            ServerMachine::NonInvite(m) => m.respond(ctx, class, response),
        }
    }

    /// A timer expired.
    pub(crate) fn on_timer(&mut self, ctx: &mut Ctx<'_>, kind: TimerKind) -> Step {
        match self {
            ServerMachine::Invite(m) => m.on_timer(ctx, kind),
            ServerMachine::NonInvite(m) => m.on_timer(kind),
        }
    }
}

/// A client transaction of either kind.
#[derive(Debug)]
pub(crate) enum ClientMachine {
    /// RFC 3261 §17.1.1.
    Invite(ClientInvite),
    /// RFC 3261 §17.1.2.
    NonInvite(ClientNonInvite),
}

impl ClientMachine {
    /// A matched response arrived; returns whether the TU gets it.
    pub(crate) fn on_response(
        &mut self,
        ctx: &mut Ctx<'_>,
        class: StatusClass,
        response: &Response,
    ) -> (bool, Step) {
        match self {
            ClientMachine::Invite(m) => m.on_response(ctx, class, response),
            ClientMachine::NonInvite(m) => m.on_response(ctx, class),
        }
    }

    /// A timer expired.
    pub(crate) fn on_timer(&mut self, ctx: &mut Ctx<'_>, kind: TimerKind) -> Step {
        match self {
            ClientMachine::Invite(m) => m.on_timer(ctx, kind),
            ClientMachine::NonInvite(m) => m.on_timer(ctx, kind),
        }
    }
}

/// A live server transaction.
#[derive(Debug)]
pub(crate) struct ServerEntry {
    pub(crate) key: ServerKey,
    pub(crate) deadlines: Deadlines,
    pub(crate) machine: ServerMachine,
}

/// A live client transaction.
#[derive(Debug)]
pub(crate) struct ClientEntry {
    pub(crate) key: Option<ClientKey>,
    pub(crate) deadlines: Deadlines,
    pub(crate) machine: ClientMachine,
}
