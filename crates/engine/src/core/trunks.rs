//! The carrier side of trunks, run by shard 0: outbound registration (RFC 3261 §10.2,
//! `sip_proto::outbound::Registration`) for trunks with `--register`, and OPTIONS probes
//! (RFC 3261 §11, `sip_proto::outbound::Qualify`) marking a carrier up or down, so calls
//! fail over or fail fast instead of waiting on a dead carrier.
//!
//! The agents follow the registry: every second the configured trunks are compared with
//! the running agents by a fingerprint of what matters (address, credentials, flags); a
//! changed trunk gets fresh agents, a removed one is unregistered (Expires: 0).
//!
//! Invariants: the Call-IDs of agents name shard 0 (`vpbx-00-…`), so their responses come
//! back here; state is published to [`crate::trunk_state::TrunkStates`] after every step.

use super::{b_leg_call_id, SipCore};
use crate::registry::TrunkView;
use crate::trunk_state::{Health, TrunkState};
use std::collections::HashMap;
use std::time::{Duration, Instant};
use vpbx_model::TenantId;
use vpbx_sip_msg::{HeaderName, Request, Response, Uri};
use vpbx_sip_proto::outbound::{
    Qualify, QualifyConfig, Registration, RegistrationConfig, RegistrationState, TrunkHealth,
    VIA_PLACEHOLDER_HOST,
};
use vpbx_sip_proto::transaction::{ClientTxId, Peer};

/// How often the agents are compared with the configured trunks.
const SYNC_EVERY: Duration = Duration::from_secs(1);
/// Registration interval asked of carriers (RFC 3261 §10.2.1.1).
const REGISTER_EXPIRES: u32 = 600;
/// OPTIONS interval while a carrier answers (Asterisk `qualifyfreq`).
const QUALIFY_EVERY: Duration = Duration::from_secs(30);
/// OPTIONS interval after a failure.
const QUALIFY_RETRY: Duration = Duration::from_secs(5);
/// Failed probes in a row that mark a carrier down.
const DOWN_AFTER: u32 = 2;
/// A probe or REGISTER unanswered this long counts as timed out (instead of RFC 3261
/// Timer F's 32 s), so a dead carrier is marked down within about 15 s.
const ANSWER_WITHIN: Duration = Duration::from_secs(5);

type Key = (TenantId, String);

/// Which machine a client transaction belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Register,
    Qualify,
}

/// The machines of one trunk.
struct Agent {
    fingerprint: String,
    peer: Peer,
    registration: Option<Registration>,
    qualify: Option<Qualify>,
}

impl Agent {
    /// Whether a timer of the agent is due.
    fn due(&self, now: Instant) -> bool {
        let registration = self
            .registration
            .as_ref()
            .and_then(Registration::poll_timeout);
        let qualify = self.qualify.as_ref().and_then(Qualify::poll_timeout);
        registration.is_some_and(|t| t <= now) || qualify.is_some_and(|t| t <= now)
    }
}

/// Every trunk's agents and their open transactions.
#[derive(Default)]
pub(super) struct TrunkAgents {
    agents: HashMap<Key, Agent>,
    txs: HashMap<ClientTxId, (Key, Kind, Instant)>,
    next_sync: Option<Instant>,
}

impl SipCore {
    /// Drives the trunk agents (shard 0 only): sync with the registry, fire timers, send
    /// what they ask for.
    pub(super) fn run_trunks(&mut self, now: Instant) {
        if self.shard != 0 {
            return;
        }
        if self.trunks.next_sync.is_none_or(|t| now >= t) {
            self.trunks.next_sync = Some(now + SYNC_EVERY);
            self.sync_trunks(now);
        }
        let late: Vec<ClientTxId> = self
            .trunks
            .txs
            .iter()
            .filter(|(_, (_, _, sent))| now.duration_since(*sent) >= ANSWER_WITHIN)
            .map(|(tx, _)| *tx)
            .collect();
        for tx in late {
            self.trunk_timeout(now, tx);
        }
        let due: Vec<Key> = self
            .trunks
            .agents
            .iter()
            .filter(|(_, a)| a.due(now))
            .map(|(k, _)| k.clone())
            .collect();
        for key in due {
            self.step_agent(now, &key);
        }
    }

    /// A response to one of the agents' requests; false if it is not theirs.
    pub(super) fn trunk_response(
        &mut self,
        now: Instant,
        tx: ClientTxId,
        response: &Response,
    ) -> bool {
        let Some((key, kind, _)) = self.trunks.txs.get(&tx).cloned() else {
            return false;
        };
        if response.status >= 200 {
            self.trunks.txs.remove(&tx);
        }
        if let Some(agent) = self.trunks.agents.get_mut(&key) {
            match kind {
                Kind::Register => {
                    if let Some(r) = agent.registration.as_mut() {
                        r.handle_response(now, response);
                    }
                }
                Kind::Qualify => {
                    if let Some(q) = agent.qualify.as_mut() {
                        q.handle_response(now, response);
                    }
                }
            }
        }
        self.step_agent(now, &key);
        true
    }

    /// A request of an agent timed out (RFC 3261 §17.1.2.2 Timer F); false if not theirs.
    pub(super) fn trunk_timeout(&mut self, now: Instant, tx: ClientTxId) -> bool {
        let Some((key, kind, _)) = self.trunks.txs.remove(&tx) else {
            return false;
        };
        if let Some(agent) = self.trunks.agents.get_mut(&key) {
            match kind {
                Kind::Register => {
                    if let Some(r) = agent.registration.as_mut() {
                        r.handle_timeout_of_request(now);
                    }
                }
                Kind::Qualify => {
                    if let Some(q) = agent.qualify.as_mut() {
                        q.handle_timeout_of_request(now);
                    }
                }
            }
        }
        self.step_agent(now, &key);
        true
    }

    fn sync_trunks(&mut self, now: Instant) {
        let mut wanted: HashMap<Key, std::sync::Arc<TrunkView>> = HashMap::new();
        for (tenant, trunk) in self.shared.registry.all_trunks() {
            if trunk.addr.is_some() && (trunk.register || trunk.qualify) {
                wanted.insert((tenant.id, trunk.name.clone()), trunk);
            }
        }
        let stale: Vec<Key> = self
            .trunks
            .agents
            .iter()
            .filter(|(k, a)| {
                wanted
                    .get(*k)
                    .is_none_or(|t| fingerprint(t) != a.fingerprint)
            })
            .map(|(k, _)| k.clone())
            .collect();
        for key in stale {
            if let Some(mut agent) = self.trunks.agents.remove(&key) {
                if let Some(r) = agent.registration.as_mut() {
                    r.unregister();
                    while let Some(request) = r.poll_request() {
                        let request = self.stamp_via(request);
                        self.transactions.send_request(now, agent.peer, request);
                    }
                }
            }
            self.trunks.txs.retain(|_, (k, _, _)| *k != key);
            self.shared.trunk_states.remove(key.0, &key.1);
        }
        for (key, trunk) in wanted {
            if self.trunks.agents.contains_key(&key) {
                continue;
            }
            if let Some(agent) = self.new_agent(now, &key, &trunk) {
                self.trunks.agents.insert(key.clone(), agent);
                self.step_agent(now, &key);
            }
        }
    }

    fn new_agent(&self, now: Instant, key: &Key, trunk: &TrunkView) -> Option<Agent> {
        let addr = trunk.addr?;
        let peer = Peer {
            transport: trunk.transport,
            addr,
            conn: None,
        };
        let host = if trunk.host.contains(':') && !trunk.host.starts_with('[') {
            format!("[{}]", trunk.host)
        } else {
            trunk.host.clone()
        };
        let domain = trunk.from_domain.clone().unwrap_or_else(|| host.clone());
        let user = trunk
            .from_user
            .clone()
            .or_else(|| trunk.username.clone())
            .unwrap_or_else(|| "vpbx".to_owned());
        let seed: [u8; 16] = rand::random();
        let tag = format!("{:016x}", rand::random::<u64>());
        let id = format!("{}-{}-{:016x}", key.0, key.1, rand::random::<u64>());
        let registration = match (trunk.register, &trunk.username, &trunk.secret) {
            (true, Some(username), Some(password)) => Some(Registration::new(RegistrationConfig {
                registrar: format!("sip:{host}:{}", trunk.port).parse::<Uri>().ok()?,
                aor: format!("sip:{user}@{domain}").parse::<Uri>().ok()?,
                contact: format!("sip:{username}@{}", self.shared.sip_addr)
                    .parse::<Uri>()
                    .ok()?,
                username: username.clone(),
                password: password.clone(),
                expires: REGISTER_EXPIRES,
                call_id: b_leg_call_id(0, &format!("reg-{id}")),
                from_tag: tag.clone(),
                seed,
                transport: trunk.transport,
                user_agent: Some("vpbx".into()),
            })),
            _ => None,
        };
        let qualify = trunk.qualify.then(|| {
            Some(Qualify::new(
                QualifyConfig {
                    target: format!("sip:{host}:{}", trunk.port).parse::<Uri>().ok()?,
                    from: format!("sip:{user}@{domain}").parse::<Uri>().ok()?,
                    call_id: b_leg_call_id(0, &format!("opt-{id}")),
                    from_tag: tag,
                    seed,
                    transport: trunk.transport,
                    interval: QUALIFY_EVERY,
                    retry_interval: QUALIFY_RETRY,
                    down_after: DOWN_AFTER,
                    user_agent: Some("vpbx".into()),
                },
                now,
            ))
        });
        Some(Agent {
            fingerprint: fingerprint(trunk),
            peer,
            registration,
            qualify: qualify.flatten(),
        })
    }

    /// Fires due timers of one agent, sends what it asks for and publishes its state.
    fn step_agent(&mut self, now: Instant, key: &Key) {
        let Some(agent) = self.trunks.agents.get_mut(key) else {
            return;
        };
        let peer = agent.peer;
        let mut out: Vec<(Request, Kind)> = Vec::new();
        if let Some(r) = agent.registration.as_mut() {
            if r.poll_timeout().is_some_and(|t| t <= now) {
                r.handle_timeout(now);
            }
            while let Some(req) = r.poll_request() {
                out.push((req, Kind::Register));
            }
        }
        if let Some(q) = agent.qualify.as_mut() {
            if q.poll_timeout().is_some_and(|t| t <= now) {
                q.handle_timeout(now);
            }
            while let Some(req) = q.poll_request() {
                out.push((req, Kind::Qualify));
            }
        }
        let state = TrunkState {
            health: match agent.qualify.as_ref().map(Qualify::status) {
                Some(TrunkHealth::Up { .. }) => Health::Up,
                Some(TrunkHealth::Down { .. }) => Health::Down,
                _ => Health::Unknown,
            },
            registration: match agent.registration.as_ref().map(Registration::status) {
                None => "off".to_owned(),
                Some(RegistrationState::Unregistered) => "unregistered".to_owned(),
                Some(RegistrationState::Registering) => "registering".to_owned(),
                Some(RegistrationState::Registered { .. }) => "registered".to_owned(),
                Some(RegistrationState::Failed { reason, .. }) => format!("failed: {reason}"),
            },
        };
        self.shared.trunk_states.set(key.0, &key.1, state);
        for (request, kind) in out {
            let request = self.stamp_via(request);
            let tx = self.transactions.send_request(now, peer, request);
            self.trunks.txs.insert(tx, (key.clone(), kind, now));
        }
    }

    /// Puts our address in place of the agents' Via placeholder (RFC 3261 §18.1.1).
    fn stamp_via(&self, mut request: Request) -> Request {
        if let Some(via) = request.headers.remove_first(&HeaderName::Via) {
            let via = via.replacen(VIA_PLACEHOLDER_HOST, &self.shared.sip_addr.to_string(), 1);
            request.headers.push_front(HeaderName::Via, via);
        }
        request
    }
}

/// What, when changed, needs new agents (the secret only through a hash).
fn fingerprint(t: &TrunkView) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    t.secret.hash(&mut h);
    format!(
        "{:?}|{}|{}|{:?}|{:?}|{}|{}|{:?}|{:?}|{:x}",
        t.addr,
        t.host,
        t.port,
        t.transport,
        t.username,
        t.register,
        t.qualify,
        t.from_user,
        t.from_domain,
        h.finish()
    )
}
