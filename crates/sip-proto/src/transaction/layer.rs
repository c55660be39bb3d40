//! The transaction layer: owns every client and server transaction, routes received
//! messages to them (RFC 3261 §17.1.3, §17.2.3), runs their timers and queues what the
//! caller must send and what the TU must learn (RFC 3261 §17, RFC 6026).
//!
//! Invariants: a transaction is indexed under its key for exactly as long as it lives and
//! owns that index entry; `poll_timeout` always reports the deadline of a live timer (stale
//! heap entries are pruned after every call that can create them); every transaction
//! removal emits exactly one `ServerTerminated`/`ClientTerminated` event.

use std::collections::HashMap;
use std::time::Instant;

use vpbx_sip_msg::Message;

use super::ctx::{Ctx, Output, Step};
use super::entry::{ClientEntry, ServerEntry};
use super::event::{Incoming, TransactionEvent};
use super::id::{ClientTxId, ServerTxId};
use super::key::{ClientKey, ServerKey};
use super::peer::{Peer, Transmit};
use super::queue::{Entry, Owner, TimerQueue};
use super::slab::{Slab, SlabKey};
use super::timers::TimerConfig;

/// RFC 3261 §17 transaction layer, sans-IO: feed it received messages, TU responses and
/// requests, and the clock; drain transmits, events and the next deadline.
#[derive(Debug)]
pub struct TransactionLayer {
    pub(super) config: TimerConfig,
    pub(super) servers: Slab<ServerEntry>,
    pub(super) clients: Slab<ClientEntry>,
    pub(super) server_index: HashMap<ServerKey, SlabKey>,
    pub(super) client_index: HashMap<ClientKey, SlabKey>,
    pub(super) queue: TimerQueue,
    pub(super) out: Output,
}

impl TransactionLayer {
    /// An empty layer using the given T1/T2/T4 (RFC 3261 Table 4); T1 is raised to at least
    /// 1 ms and T2 to at least T1.
    pub fn new(config: TimerConfig) -> Self {
        TransactionLayer {
            config: config.sanitized(),
            servers: Slab::new(),
            clients: Slab::new(),
            server_index: HashMap::new(),
            client_index: HashMap::new(),
            queue: TimerQueue::default(),
            out: Output::default(),
        }
    }

    /// Feeds a message received from `peer` (RFC 3261 §17.1.3 responses, §17.2.3 requests;
    /// requests get their top Via stamped per §18.2.1 / RFC 3581 §4 first).
    pub fn receive(&mut self, now: Instant, peer: Peer, message: Message) -> Incoming {
        let incoming = match message {
            Message::Request(request) => self.receive_request(now, peer, request),
            Message::Response(response) => self.receive_response(now, response),
        };
        self.prune();
        incoming
    }

    /// The next message to send (RFC 3261 §18), oldest first.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.out.transmits.pop_front()
    }

    /// The next event for the TU (RFC 3261 §17), oldest first.
    pub fn poll_event(&mut self) -> Option<TransactionEvent> {
        self.out.events.pop_front()
    }

    /// When `handle_timeout` must next be called, if any timer is armed (RFC 3261 §17 timers).
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.queue.peek().map(|e| e.at)
    }

    /// Fires every timer due at or before `now` (RFC 3261 §17 timers A–K, RFC 6026 L, M).
    pub fn handle_timeout(&mut self, now: Instant) {
        while let Some(entry) = self.queue.peek().copied() {
            if entry.at > now {
                break;
            }
            self.queue.pop();
            if !self.fire(now, entry) {
                self.queue.popped_stale();
            }
        }
        self.prune();
    }

    /// Number of live transactions (client and server, RFC 3261 §17).
    pub fn len(&self) -> usize {
        self.servers.len() + self.clients.len()
    }

    /// Whether no transaction is live (RFC 3261 §17).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Runs a timer entry; false if it was stale.
    fn fire(&mut self, now: Instant, entry: Entry) -> bool {
        match entry.owner {
            Owner::Server(key) => {
                let Some(tx) = self.servers.get_mut(key) else {
                    return false;
                };
                if !tx.deadlines.take(&entry) {
                    return false;
                }
                let mut ctx = Ctx {
                    now,
                    config: &self.config,
                    out: &mut self.out,
                    queue: &mut self.queue,
                    deadlines: &mut tx.deadlines,
                    owner: entry.owner,
                };
                let step = tx.machine.on_timer(&mut ctx, entry.kind);
                self.finish_server(key, step);
            }
            Owner::Client(key) => {
                let Some(tx) = self.clients.get_mut(key) else {
                    return false;
                };
                if !tx.deadlines.take(&entry) {
                    return false;
                }
                let mut ctx = Ctx {
                    now,
                    config: &self.config,
                    out: &mut self.out,
                    queue: &mut self.queue,
                    deadlines: &mut tx.deadlines,
                    owner: entry.owner,
                };
                let step = tx.machine.on_timer(&mut ctx, entry.kind);
                self.finish_client(key, step);
            }
        }
        true
    }

    /// Applies the outcome of driving a server transaction.
    pub(super) fn finish_server(&mut self, key: SlabKey, step: Step) {
        match step {
            Step::Continue => {}
            Step::Failed => {
                self.out.events.push_back(TransactionEvent::AckTimeout {
                    tx: ServerTxId(key),
                });
                self.remove_server(key);
            }
            Step::Terminated => self.remove_server(key),
        }
    }

    /// Applies the outcome of driving a client transaction.
    pub(super) fn finish_client(&mut self, key: SlabKey, step: Step) {
        match step {
            Step::Continue => {}
            Step::Failed => {
                self.out.events.push_back(TransactionEvent::Timeout {
                    tx: ClientTxId(key),
                });
                self.remove_client(key);
            }
            Step::Terminated => self.remove_client(key),
        }
    }

    fn remove_server(&mut self, key: SlabKey) {
        if let Some(tx) = self.servers.remove(key) {
            self.queue.forget(&tx.deadlines);
            if self.server_index.get(&tx.key) == Some(&key) {
                self.server_index.remove(&tx.key);
            }
            self.out
                .events
                .push_back(TransactionEvent::ServerTerminated {
                    tx: ServerTxId(key),
                });
        }
    }

    fn remove_client(&mut self, key: SlabKey) {
        if let Some(tx) = self.clients.remove(key) {
            self.queue.forget(&tx.deadlines);
            if let Some(k) = &tx.key {
                if self.client_index.get(k) == Some(&key) {
                    self.client_index.remove(k);
                }
            }
            self.out
                .events
                .push_back(TransactionEvent::ClientTerminated {
                    tx: ClientTxId(key),
                });
        }
    }

    /// Drops stale timer entries: all of them when they dominate the heap, and always those
    /// at the top, so `poll_timeout` reports a live deadline.
    pub(super) fn prune(&mut self) {
        let (servers, clients) = (&self.servers, &self.clients);
        let live = |e: &Entry| match e.owner {
            Owner::Server(k) => servers.get(k).is_some_and(|t| t.deadlines.is_armed(e)),
            Owner::Client(k) => clients.get(k).is_some_and(|t| t.deadlines.is_armed(e)),
        };
        if self.queue.needs_compaction() {
            self.queue.compact(&live);
        }
        while let Some(top) = self.queue.peek() {
            if live(top) {
                break;
            }
            self.queue.pop();
            self.queue.popped_stale();
        }
        self.queue.shrink();
        self.servers.shrink();
        self.clients.shrink();
        shrink_sparse(&mut self.server_index);
        shrink_sparse(&mut self.client_index);
    }
}

/// Gives back the memory of a map that a load peak grew and that is now mostly empty.
fn shrink_sparse<K: std::hash::Hash + Eq, V>(map: &mut HashMap<K, V>) {
    if map.capacity() > 1024 && map.len() * 4 < map.capacity() {
        map.shrink_to(map.len() * 2);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transaction::testutil::{peer, req, resp, Clock};
    use vpbx_sip_msg::Transport;

    #[test]
    fn stale_timers_are_compacted_and_never_reported() {
        let clock = Clock::new();
        let mut layer = TransactionLayer::new(TimerConfig::default());
        let p = peer(Transport::Udp);
        for i in 0..3000 {
            let branch = format!("l{i}");
            layer.send_request(clock.at(0), p, req("OPTIONS", &branch));
            let r = layer.receive(
                clock.at(1),
                p,
                Message::Response(resp(200, "OPTIONS", &branch)),
            );
            assert!(matches!(r, Incoming::Response { .. }));
        }
        assert_eq!(layer.len(), 3000);
        assert!(
            layer.queue.heap_len() <= 2 * 3000,
            "cancelled E/F entries were compacted away ({})",
            layer.queue.heap_len()
        );
        assert_eq!(
            layer.poll_timeout(),
            Some(clock.at(5_001)),
            "Timer K, not E"
        );
        layer.handle_timeout(clock.at(5_001));
        assert!(layer.is_empty());
        assert_eq!(layer.poll_timeout(), None);
        assert_eq!(layer.queue.heap_len(), 0);
    }

    #[test]
    fn zero_timer_config_is_sanitized() {
        let mut layer = TransactionLayer::new(TimerConfig {
            t1: std::time::Duration::ZERO,
            t2: std::time::Duration::ZERO,
            t4: std::time::Duration::ZERO,
        });
        let clock = Clock::new();
        layer.send_request(clock.at(0), peer(Transport::Udp), req("INVITE", "z"));
        let mut rounds = 0;
        while let Some(t) = layer.poll_timeout() {
            layer.handle_timeout(t);
            rounds += 1;
            assert!(rounds < 1000);
        }
        assert!(layer.is_empty());
    }
}
