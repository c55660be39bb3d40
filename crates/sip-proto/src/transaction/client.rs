//! Client side of the layer: sending TU requests (RFC 3261 §17.1.1, §17.1.2, ACK for 2xx
//! per §17.1.1.3 without a transaction) and matching responses (§17.1.3).
//!
//! Invariants: every id `send_request` returns gets exactly one `ClientTerminated` event
//! (for an ACK, at once: it has no transaction); a request whose top Via has no branch
//! still gets a transaction (so the TU learns about its timeout) but no response can
//! match it; a newer request with the same branch and method takes over the index entry.

use std::time::Instant;

use vpbx_sip_msg::{Method, Request, Response};

use super::ack::AckTemplate;
use super::client_invite::ClientInvite;
use super::client_non_invite::ClientNonInvite;
use super::ctx::{Ctx, StatusClass};
use super::entry::{ClientEntry, ClientMachine};
use super::event::{Incoming, TransactionEvent};
use super::id::ClientTxId;
use super::key::ClientKey;
use super::layer::TransactionLayer;
use super::peer::{Peer, Transmit};
use super::queue::{Deadlines, Owner};
use super::wire::encode_request;

impl TransactionLayer {
    /// RFC 3261 §17.1: starts a client transaction sending `request` to `peer` (an ACK is
    /// sent once, outside any transaction, §17.1.1.3).
    pub fn send_request(&mut self, now: Instant, peer: Peer, request: Request) -> ClientTxId {
        if request.method == Method::Ack {
            let tx = ClientTxId(self.clients.retired_key());
            self.out.transmits.push_back(Transmit {
                peer,
                bytes: encode_request(request),
            });
            self.out
                .events
                .push_back(TransactionEvent::ClientTerminated { tx });
            return tx;
        }
        let key = ClientKey::for_request(&request);
        let is_cancel = request.method == Method::Cancel;
        let slab = self.clients.next_key();
        let mut deadlines = Deadlines::default();
        let mut ctx = Ctx {
            now,
            config: &self.config,
            out: &mut self.out,
            queue: &mut self.queue,
            deadlines: &mut deadlines,
            owner: Owner::Client(slab),
        };
        let machine = if request.method == Method::Invite {
            let template = AckTemplate::from_request(&request);
            let bytes = encode_request(request);
            ClientMachine::Invite(ClientInvite::start(&mut ctx, peer, template, bytes))
        } else {
            ClientMachine::NonInvite(ClientNonInvite::start(
                &mut ctx,
                peer,
                encode_request(request),
            ))
        };
        let slab = self.clients.insert(ClientEntry {
            key: key.clone(),
            deadlines,
            machine,
        });
        if let Some(key) = key {
            if is_cancel {
                self.cancel_sent(now, &key);
            }
            self.client_index.insert(key, slab);
        }
        self.prune();
        ClientTxId(slab)
    }

    /// RFC 3261 §9.1: a CANCEL bounds how long its INVITE waits for a final response.
    fn cancel_sent(&mut self, now: Instant, cancel_key: &ClientKey) {
        let invite_key = cancel_key.with_method(Method::Invite);
        let Some(&slab) = self.client_index.get(&invite_key) else {
            return;
        };
        let Some(tx) = self.clients.get_mut(slab) else {
            return;
        };
        if let ClientMachine::Invite(m) = &mut tx.machine {
            let mut ctx = Ctx {
                now,
                config: &self.config,
                out: &mut self.out,
                queue: &mut self.queue,
                deadlines: &mut tx.deadlines,
                owner: Owner::Client(slab),
            };
            m.on_cancel_sent(&mut ctx);
        }
    }

    /// RFC 3261 §17.1.3: matches a received response to a client transaction.
    pub(super) fn receive_response(&mut self, now: Instant, response: Response) -> Incoming {
        let Some(class) = StatusClass::of(response.status) else {
            return Incoming::Absorbed;
        };
        let Some(key) = ClientKey::for_response(&response) else {
            return Incoming::Absorbed;
        };
        let Some(&slab) = self.client_index.get(&key) else {
            return Incoming::Absorbed;
        };
        let Some(tx) = self.clients.get_mut(slab) else {
            return Incoming::Absorbed;
        };
        let mut ctx = Ctx {
            now,
            config: &self.config,
            out: &mut self.out,
            queue: &mut self.queue,
            deadlines: &mut tx.deadlines,
            owner: Owner::Client(slab),
        };
        let (deliver, step) = tx.machine.on_response(&mut ctx, class, &response);
        self.finish_client(slab, step);
        if deliver {
            Incoming::Response {
                tx: ClientTxId(slab),
                response,
            }
        } else {
            Incoming::Absorbed
        }
    }
}
