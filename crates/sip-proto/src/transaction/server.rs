//! Server side of the layer: receiving requests (RFC 3261 §17.2.3 matching, §18.2.1 Via
//! stamping), TU responses (§17.2.1, §17.2.2) and CANCEL lookup (§9.2).
//!
//! Invariants: a request without a parsable top Via cannot be answered (RFC 3261 §18.2.2
//! needs it) and is absorbed; an ACK never creates a transaction; every new non-ACK request
//! creates exactly one server transaction, whose id goes to the TU with the request.

use std::time::Instant;

use vpbx_sip_msg::{HeaderName, Method, Request, Response};

use super::ctx::{Ctx, StatusClass};
use super::entry::{ServerEntry, ServerMachine};
use super::error::TransactionError;
use super::event::Incoming;
use super::id::ServerTxId;
use super::key::ServerKey;
use super::layer::TransactionLayer;
use super::peer::Peer;
use super::queue::{Deadlines, Owner};
use super::server_invite::{AckAction, ServerInvite};
use super::server_non_invite::ServerNonInvite;
use super::slab::SlabKey;
use super::via::{replace_top_via, response_destination, stamp_via};

impl TransactionLayer {
    /// RFC 3261 §17.2.3: matches a received request to a server transaction, or creates one.
    pub(super) fn receive_request(
        &mut self,
        now: Instant,
        peer: Peer,
        mut request: Request,
    ) -> Incoming {
        let Ok(mut via) = request.headers.top_via() else {
            return Incoming::Absorbed;
        };
        if stamp_via(&mut via, peer.addr) {
            replace_top_via(&mut request, &via);
        }
        let is_ack = request.method == Method::Ack;
        let method = if is_ack {
            Method::Invite
        } else {
            request.method.clone()
        };
        let key = ServerKey::new(&via, &request, method);
        if let Some(&slab) = self.server_index.get(&key) {
            return self.matched_request(now, slab, is_ack, request, peer);
        }
        if is_ack {
            return Incoming::Request {
                tx: None,
                request,
                peer,
            };
        }
        let dest = response_destination(&via, peer);
        let slab = self.servers.next_key();
        let mut deadlines = Deadlines::default();
        let machine = if request.method == Method::Invite {
            let mut ctx = Ctx {
                now,
                config: &self.config,
                out: &mut self.out,
                queue: &mut self.queue,
                deadlines: &mut deadlines,
                owner: Owner::Server(slab),
            };
            ServerMachine::Invite(ServerInvite::start(&mut ctx, dest, trying_for(&request)))
        } else {
            ServerMachine::NonInvite(ServerNonInvite::new(dest))
        };
        let slab = self.servers.insert(ServerEntry {
            key: key.clone(),
            deadlines,
            machine,
        });
        self.server_index.insert(key, slab);
        Incoming::Request {
            tx: Some(ServerTxId(slab)),
            request,
            peer,
        }
    }

    /// A request that matched the live transaction `slab`: a retransmission or an ACK.
    fn matched_request(
        &mut self,
        now: Instant,
        slab: SlabKey,
        is_ack: bool,
        request: Request,
        peer: Peer,
    ) -> Incoming {
        let Some(tx) = self.servers.get_mut(slab) else {
            return Incoming::Absorbed;
        };
        let mut ctx = Ctx {
            now,
            config: &self.config,
            out: &mut self.out,
            queue: &mut self.queue,
            deadlines: &mut tx.deadlines,
            owner: Owner::Server(slab),
        };
        match (&mut tx.machine, is_ack) {
            (ServerMachine::Invite(m), true) => {
                let (action, step) = m.on_ack(&mut ctx);
                self.finish_server(slab, step);
                match action {
                    AckAction::Absorb => Incoming::Absorbed,
                    AckAction::PassUp => Incoming::Request {
                        tx: None,
                        request,
                        peer,
                    },
                }
            }
            (machine, false) => {
                machine.on_retransmission(&mut ctx);
                Incoming::Absorbed
            }
            (ServerMachine::NonInvite(_), true) => Incoming::Absorbed,
        }
    }

    /// RFC 3261 §17.2.1/§17.2.2: the TU sends `response` on server transaction `tx`.
    pub fn respond(
        &mut self,
        now: Instant,
        tx: ServerTxId,
        response: Response,
    ) -> Result<(), TransactionError> {
        let class = StatusClass::of(response.status)
            .ok_or(TransactionError::InvalidStatus(response.status))?;
        let slab = tx.0;
        let entry = self
            .servers
            .get_mut(slab)
            .ok_or(TransactionError::UnknownTransaction)?;
        let mut ctx = Ctx {
            now,
            config: &self.config,
            out: &mut self.out,
            queue: &mut self.queue,
            deadlines: &mut entry.deadlines,
            owner: Owner::Server(slab),
        };
        let step = entry.machine.respond(&mut ctx, class, response)?;
        self.finish_server(slab, step);
        self.prune();
        Ok(())
    }

    /// The INVITE server transaction a CANCEL refers to (RFC 3261 §9.2), if still live in
    /// any state (the TU answers 481 when None, and sends 487 only if the INVITE has no
    /// final response yet, which `respond` enforces with `AlreadyFinal`).
    pub fn invite_for_cancel(&self, cancel: &Request) -> Option<ServerTxId> {
        let via = cancel.headers.top_via().ok()?;
        let key = ServerKey::new(&via, cancel, Method::Invite);
        let slab = *self.server_index.get(&key)?;
        match self.servers.get(slab)?.machine {
            ServerMachine::Invite(_) => Some(ServerTxId(slab)),
            ServerMachine::NonInvite(_) => None,
        }
    }
}

/// RFC 3261 §8.2.6.1 / §17.2.1: the 100 Trying an INVITE server transaction may send on its
/// own (no To tag, Timestamp copied).
fn trying_for(request: &Request) -> Response {
    let mut trying = request.response(100, "Trying", None);
    if let Some(ts) = request.headers.get(&HeaderName::Timestamp) {
        trying.headers.push(HeaderName::Timestamp, ts);
    }
    trying
}
