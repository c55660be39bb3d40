//! Client registration of one trunk with its carrier's registrar (RFC 3261 §10.2), sans-IO.
//!
//! Life cycle: a REGISTER is due at creation; 2xx → `Registered` until the granted expiry,
//! refreshed before it (§10.2.4: at half the interval, or a minute before expiry for long
//! ones); 401/407 → the same REGISTER again with credentials (§22.2), answered once per
//! challenge (a second non-stale challenge right after our answer is a failure, so a wrong
//! password is not retried in a loop); 423 → adopt Min-Expires (§10.2.8, §20.23) and retry
//! at once; any other final response, a timeout or a transport error → `Failed`, retried
//! with exponential backoff (30 s doubling to 10 min, or a longer Retry-After, §20.33).
//! [`Registration::unregister`] sends `Expires: 0` (§10.2.2) and stops.
//!
//! Invariants: Call-ID and From tag stay the same for every REGISTER of the machine and
//! CSeq increases by one per request (§10.2); at most one REGISTER is outstanding, and a
//! response is accepted only for it (same Call-ID and CSeq); each state holds only its own
//! data; the password appears only in digest computations.

use std::time::{Duration, Instant};

use vpbx_sip_msg::{AuthParams, HeaderName, Method, Request, Response, Transport, Uri};

use super::{answers, Identity};
use crate::digest::{answer_challenge, best_challenge, challenge_headers};

/// First retry delay after a failure.
const BACKOFF_MIN: Duration = Duration::from_secs(30);
/// Longest retry delay after repeated failures.
const BACKOFF_MAX: Duration = Duration::from_secs(600);
/// Longest Retry-After honoured (RFC 3261 §20.33); longer values are cut to this.
const RETRY_AFTER_MAX: Duration = Duration::from_secs(3600);
/// Refresh this long before expiry for long registrations (RFC 3261 §10.2.4).
const REFRESH_MARGIN: u32 = 60;
/// Largest interval adopted from a 423's Min-Expires (RFC 3261 §10.2.8).
const MIN_EXPIRES_CAP: u32 = 86_400;

/// What the caller configures for one registration (RFC 3261 §10.2.1).
#[derive(Clone)]
pub struct RegistrationConfig {
    /// Request-URI: the registrar's domain, no user part (RFC 3261 §10.2), e.g.
    /// `sip:sip.carrier.example`.
    pub registrar: Uri,
    /// Address-of-record, put in To and From (RFC 3261 §10.2), e.g.
    /// `sip:74952345678@sip.carrier.example`.
    pub aor: Uri,
    /// Our Contact URI (RFC 3261 §10.2.1), chosen by the engine (its public address).
    pub contact: Uri,
    /// Digest user name (RFC 3261 §22.2).
    pub username: String,
    /// Digest password; never printed.
    pub password: String,
    /// Requested registration interval, seconds (RFC 3261 §10.2.1.1); at least 1.
    pub expires: u32,
    /// Call-ID for every REGISTER of this registration (RFC 3261 §10.2: SHOULD stay the
    /// same); globally unique, made by the caller.
    pub call_id: String,
    /// From tag (RFC 3261 §19.3), random, made by the caller.
    pub from_tag: String,
    /// Random bytes from the caller; branches and cnonces are derived from them.
    pub seed: [u8; 16],
    /// Transport named in the top Via placeholder.
    pub transport: Transport,
    /// User-Agent header value, if any.
    pub user_agent: Option<String>,
}

impl std::fmt::Debug for RegistrationConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistrationConfig")
            .field("registrar", &self.registrar.to_string())
            .field("aor", &self.aor.to_string())
            .field("contact", &self.contact.to_string())
            .field("username", &self.username)
            .field("expires", &self.expires)
            .field("call_id", &self.call_id)
            .finish_non_exhaustive()
    }
}

/// Why a registration failed (RFC 3261 §10.2, §21).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FailureReason {
    /// The registrar answered with this final status (e.g. 403, 404, 503).
    Status(u16, String),
    /// Our credentials were challenged again right after we answered a challenge: wrong
    /// user name or password (RFC 3261 §22.2).
    AuthRejected,
    /// A 401/407 without a Digest challenge we can answer (RFC 8760 §2).
    BadChallenge,
    /// 423 without a usable Min-Expires (RFC 3261 §10.2.8).
    IntervalTooBrief,
    /// No final response (Timer F, RFC 3261 §17.1.2.2) or a transport error.
    Timeout,
}

impl std::fmt::Display for FailureReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FailureReason::Status(code, reason) => write!(f, "{code} {reason}"),
            FailureReason::AuthRejected => f.write_str("credentials rejected"),
            FailureReason::BadChallenge => f.write_str("unusable authentication challenge"),
            FailureReason::IntervalTooBrief => f.write_str("423 without usable Min-Expires"),
            FailureReason::Timeout => f.write_str("no response"),
        }
    }
}

/// The registration as callers see it (RFC 3261 §10.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegistrationState {
    /// Not registered and not trying (before start or after [`Registration::unregister`]).
    Unregistered,
    /// A REGISTER is due or outstanding, and no registration is in force.
    Registering,
    /// Registered until `expires_at` (a refresh may be in flight).
    Registered {
        /// When the registrar's binding lapses unless refreshed.
        expires_at: Instant,
    },
    /// The last attempt failed; the next starts at `retry_at`.
    Failed {
        /// When the next REGISTER is sent.
        retry_at: Instant,
        /// Why the last attempt failed.
        reason: FailureReason,
    },
}

/// Where the machine is; each phase holds only its own data.
#[derive(Clone, Debug)]
enum Phase {
    /// Stopped: nothing due.
    Idle,
    /// A REGISTER is outstanding; `expires_at` is set while a refresh of a registration
    /// still in force is in flight.
    Waiting {
        expires_at: Option<Instant>,
        /// Whether this request answered a challenge (so another challenge fails).
        answered: bool,
        /// Whether this is the `Expires: 0` removal (RFC 3261 §10.2.2).
        removal: bool,
    },
    /// Registered; refresh at `refresh_at`.
    Registered {
        expires_at: Instant,
        refresh_at: Instant,
    },
    /// Failed; retry at `retry_at`.
    Failed {
        retry_at: Instant,
        reason: FailureReason,
    },
}

/// The last challenge answered, reused for refreshes (RFC 7616 §3.4: nc counts uses).
#[derive(Clone, Debug)]
struct Challenge {
    params: AuthParams,
    answer_header: HeaderName,
    nc: u32,
}

/// One trunk's client registration state machine (RFC 3261 §10.2).
#[derive(Debug)]
pub struct Registration {
    config: RegistrationConfig,
    identity: Identity,
    phase: Phase,
    cseq: u32,
    expires: u32,
    failures: u32,
    challenge: Option<Challenge>,
    outbox: Option<Request>,
}

impl Registration {
    /// A registration whose first REGISTER is ready at once (take it with
    /// [`Registration::poll_request`]).
    pub fn new(config: RegistrationConfig) -> Registration {
        let to = format!("<{}>", config.aor);
        let identity = Identity {
            target: config.registrar.clone(),
            from: to.clone(),
            from_tag: config.from_tag.clone(),
            to,
            call_id: config.call_id.clone(),
            transport: config.transport,
            seed: config.seed,
            user_agent: config.user_agent.clone(),
        };
        let expires = config.expires.max(1);
        let mut reg = Registration {
            config,
            identity,
            phase: Phase::Idle,
            cseq: 0,
            expires,
            failures: 0,
            challenge: None,
            outbox: None,
        };
        reg.send(None, false, false);
        reg
    }

    /// The registration state as callers see it (RFC 3261 §10.2).
    pub fn status(&self) -> RegistrationState {
        match &self.phase {
            Phase::Idle => RegistrationState::Unregistered,
            Phase::Waiting { removal: true, .. } => RegistrationState::Unregistered,
            Phase::Waiting {
                expires_at: Some(expires_at),
                ..
            }
            | Phase::Registered { expires_at, .. } => RegistrationState::Registered {
                expires_at: *expires_at,
            },
            Phase::Waiting { .. } => RegistrationState::Registering,
            Phase::Failed { retry_at, reason } => RegistrationState::Failed {
                retry_at: *retry_at,
                reason: reason.clone(),
            },
        }
    }

    /// The registration interval now requested (RFC 3261 §10.2.1.1), raised by a 423's
    /// Min-Expires (§10.2.8).
    pub fn expires(&self) -> u32 {
        self.expires
    }

    /// The next REGISTER (RFC 3261 §10.2) to send through a new client transaction
    /// (§17.1.2), if one is due.
    pub fn poll_request(&mut self) -> Option<Request> {
        self.outbox.take()
    }

    /// When [`Registration::handle_timeout`] must next be called: the refresh time while
    /// registered, the retry time after a failure, `None` otherwise.
    pub fn poll_timeout(&self) -> Option<Instant> {
        match &self.phase {
            Phase::Registered { refresh_at, .. } => Some(*refresh_at),
            Phase::Failed { retry_at, .. } => Some(*retry_at),
            Phase::Idle | Phase::Waiting { .. } => None,
        }
    }

    /// Sends the refresh (RFC 3261 §10.2.4) or the retry when its time has come.
    pub fn handle_timeout(&mut self, now: Instant) {
        match &self.phase {
            Phase::Registered {
                expires_at,
                refresh_at,
            } if now >= *refresh_at => {
                let expires_at = (*expires_at > now).then_some(*expires_at);
                self.send(expires_at, false, false);
            }
            Phase::Failed { retry_at, .. } if now >= *retry_at => self.send(None, false, false),
            _ => {}
        }
    }

    /// The outstanding REGISTER got no final response (Timer F, RFC 3261 §17.1.2.2) or its
    /// transport failed: fail and back off.
    pub fn handle_timeout_of_request(&mut self, now: Instant) {
        match self.phase {
            Phase::Waiting { removal: true, .. } => self.phase = Phase::Idle,
            Phase::Waiting { .. } => self.fail(now, FailureReason::Timeout, None),
            _ => {}
        }
    }

    /// Feeds the final response to the outstanding REGISTER (RFC 3261 §10.2.4 2xx, §22.2
    /// 401/407, §10.2.8 423, §21 others). Provisional responses and responses to anything
    /// else are ignored.
    pub fn handle_response(&mut self, now: Instant, response: &Response) {
        let Phase::Waiting {
            expires_at,
            answered,
            removal,
        } = self.phase
        else {
            return;
        };
        if response.status < 200 || !answers(response, &self.config.call_id, self.cseq) {
            return;
        }
        match response.status {
            200..=299 if removal => self.phase = Phase::Idle,
            200..=299 => self.registered(now, response),
            401 | 407 => {
                if self.take_challenge(response, answered) {
                    self.send(expires_at, true, removal);
                } else if removal {
                    self.phase = Phase::Idle;
                } else {
                    let reason = if answered {
                        FailureReason::AuthRejected
                    } else {
                        FailureReason::BadChallenge
                    };
                    self.fail(now, reason, None);
                }
            }
            _ if removal => self.phase = Phase::Idle,
            423 => match response.headers.get(&HeaderName::MinExpires).map(str::trim) {
                Some(v) => match v.parse::<u32>() {
                    Ok(min) if min > self.expires && min <= MIN_EXPIRES_CAP => {
                        self.expires = min;
                        self.send(expires_at, false, false);
                    }
                    _ => self.fail(now, FailureReason::IntervalTooBrief, None),
                },
                None => self.fail(now, FailureReason::IntervalTooBrief, None),
            },
            status => {
                let retry_after = match status {
                    404 | 413 | 480 | 486 | 500 | 503 | 600 | 603 => retry_after(response),
                    _ => None,
                };
                let reason = FailureReason::Status(status, response.reason.clone());
                self.fail(now, reason, retry_after);
            }
        }
    }

    /// Removes the binding (RFC 3261 §10.2.2: `Expires: 0`) and stops; a challenge to the
    /// removal is answered once. The state is `Unregistered` from now on.
    pub fn unregister(&mut self) {
        if matches!(self.phase, Phase::Idle) {
            return;
        }
        self.send(None, false, true);
    }

    /// Adopts a 401/407 challenge, unless it repeats one we already answered (only a
    /// `stale=true` one is answered again, RFC 7616 §3.3). True if the request can be
    /// resent with credentials.
    fn take_challenge(&mut self, response: &Response, answered: bool) -> bool {
        let Some((challenge_header, answer_header)) = challenge_headers(response.status) else {
            return false;
        };
        let offered: Vec<AuthParams> = response
            .headers
            .get_all(&challenge_header)
            .filter_map(|v| v.parse().ok())
            .collect();
        let Some(best) = best_challenge(&offered) else {
            return false;
        };
        let stale = best
            .get("stale")
            .is_some_and(|s| s.eq_ignore_ascii_case("true"));
        if answered && !stale {
            return false;
        }
        self.challenge = Some(Challenge {
            params: best.clone(),
            answer_header,
            nc: 0,
        });
        true
    }

    /// Queues the next REGISTER (new CSeq, RFC 3261 §10.2) with credentials from the last
    /// challenge if there is one, and waits for its response.
    fn send(&mut self, expires_at: Option<Instant>, answered: bool, removal: bool) {
        self.cseq = self.cseq.wrapping_add(1) % (1 << 31);
        let mut request = self.identity.request(Method::Register, self.cseq);
        let expires = if removal { 0 } else { self.expires };
        request
            .headers
            .push(HeaderName::Contact, format!("<{}>", self.config.contact));
        request
            .headers
            .push(HeaderName::Expires, expires.to_string());
        if let Some(c) = self.challenge.as_mut() {
            c.nc = c.nc.wrapping_add(1);
            let cnonce = self.identity.token(b"cnonce", self.cseq);
            let uri = request.uri.to_string();
            // A challenge we adopted always passes `offer`; one that does not is dropped.
            match answer_challenge(
                &c.params,
                &self.config.username,
                &self.config.password,
                Method::Register.as_str(),
                &uri,
                &cnonce,
                c.nc,
            ) {
                Ok(creds) => request
                    .headers
                    .push(c.answer_header.clone(), creds.to_string()),
                Err(_) => self.challenge = None,
            }
        }
        request.headers.push(HeaderName::ContentLength, "0");
        self.outbox = Some(request);
        self.phase = Phase::Waiting {
            expires_at,
            answered,
            removal,
        };
    }

    /// 2xx: registered for the granted interval (RFC 3261 §10.2.4): our contact's
    /// `expires` parameter, else the Expires header, else the interval we asked for.
    fn registered(&mut self, now: Instant, response: &Response) {
        let contacts: Vec<vpbx_sip_msg::NameAddr> = response
            .headers
            .contacts()
            .unwrap_or_default()
            .into_iter()
            .filter_map(|c| match c {
                vpbx_sip_msg::Contact::Addr(a) => Some(a),
                vpbx_sip_msg::Contact::Star => None,
            })
            .collect();
        let ours = contacts
            .iter()
            .find(|c| same_contact(&c.uri, &self.config.contact));
        let granted = ours
            .and_then(|c| c.expires())
            .or_else(|| response.headers.expires().ok().flatten())
            .or_else(|| match contacts.as_slice() {
                [only] => only.expires(),
                _ => None,
            })
            .unwrap_or(self.expires);
        if granted == 0 {
            // The registrar accepted but bound nothing: retry as a failure would.
            let reason = FailureReason::Status(response.status, "granted no time".into());
            self.fail(now, reason, None);
            return;
        }
        let delay = (granted / 2)
            .max(granted.saturating_sub(REFRESH_MARGIN))
            .max(1);
        self.failures = 0;
        self.phase = Phase::Registered {
            expires_at: now + Duration::from_secs(u64::from(granted)),
            refresh_at: now + Duration::from_secs(u64::from(delay)),
        };
    }

    /// Enters `Failed` with the next backoff delay (or a longer `retry_after`).
    fn fail(&mut self, now: Instant, reason: FailureReason, retry_after: Option<Duration>) {
        self.failures = self.failures.saturating_add(1);
        let doubled = BACKOFF_MIN.saturating_mul(1 << self.failures.saturating_sub(1).min(16));
        let delay = doubled
            .min(BACKOFF_MAX)
            .max(retry_after.unwrap_or_default().min(RETRY_AFTER_MAX));
        self.phase = Phase::Failed {
            retry_at: now + delay,
            reason,
        };
    }
}

/// Retry-After in seconds (RFC 3261 §20.33: `delta-seconds [comment] *(;param)`).
fn retry_after(response: &Response) -> Option<Duration> {
    let v = response.headers.get(&HeaderName::RetryAfter)?;
    let digits: String = v.trim().chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok().map(Duration::from_secs)
}

/// Whether a Contact URI from a 2xx is ours: same scheme, user, host and port (a relaxed
/// RFC 3261 §19.1.4 comparison; registrars may reorder or drop URI parameters).
fn same_contact(a: &Uri, b: &Uri) -> bool {
    a.scheme == b.scheme && a.user == b.user && a.host == b.host && a.port == b.port
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::{ha1_hex, DigestVerifier, Verdict};

    const REALM: &str = "carrier.example";

    fn uri(s: &str) -> Uri {
        s.parse().expect("uri")
    }

    fn config() -> RegistrationConfig {
        RegistrationConfig {
            registrar: uri("sip:carrier.example"),
            aor: uri("sip:74952345678@carrier.example"),
            contact: uri("sip:74952345678@203.0.113.5:5060"),
            username: "74952345678".into(),
            password: "sdfsddf^$#$".into(),
            expires: 3600,
            call_id: "reg-1@vpbx".into(),
            from_tag: "ft1".into(),
            seed: [5; 16],
            transport: Transport::Udp,
            user_agent: Some("vpbx".into()),
        }
    }

    fn reply(req: &Request, status: u16, extra: &[(HeaderName, String)]) -> Response {
        let mut r = req.response(status, "R", Some("rt"));
        for (h, v) in extra {
            r.headers.push(h.clone(), v.clone());
        }
        r
    }

    fn cseq(req: &Request) -> u32 {
        req.headers.cseq().unwrap().seq
    }

    fn ok(req: &Request, expires: u32) -> Response {
        reply(
            req,
            200,
            &[(
                HeaderName::Contact,
                format!("<sip:74952345678@203.0.113.5:5060>;expires={expires}"),
            )],
        )
    }

    fn verifier() -> DigestVerifier {
        DigestVerifier::new([8; 32], 300)
    }

    fn challenge(req: &Request, now: u64) -> Response {
        let extra: Vec<_> = verifier()
            .challenges(now, REALM, false)
            .into_iter()
            .map(|c| (HeaderName::WwwAuthenticate, c))
            .collect();
        reply(req, 401, &extra)
    }

    fn verify(req: &Request, password: &str) -> Verdict {
        verifier().verify_request(2, req, &HeaderName::Authorization, REALM, |u, alg| {
            Some(ha1_hex(alg, u, REALM, password))
        })
    }

    #[test]
    fn first_register_is_well_formed() {
        let mut reg = Registration::new(config());
        assert_eq!(reg.status(), RegistrationState::Registering);
        let req = reg.poll_request().unwrap();
        assert!(reg.poll_request().is_none());
        assert_eq!(req.method, Method::Register);
        assert_eq!(req.uri.to_string(), "sip:carrier.example");
        let via = req.headers.top_via().unwrap();
        assert!(via.branch().unwrap().starts_with("z9hG4bK"));
        assert_eq!(via.host.to_string(), super::super::VIA_PLACEHOLDER_HOST);
        let from = req.headers.from().unwrap();
        assert_eq!(from.uri.to_string(), "sip:74952345678@carrier.example");
        assert_eq!(from.tag(), Some("ft1"));
        let to = req.headers.to().unwrap();
        assert_eq!(to.uri, from.uri);
        assert_eq!(to.tag(), None);
        assert_eq!(req.headers.call_id().unwrap(), "reg-1@vpbx");
        assert_eq!(cseq(&req), 1);
        assert_eq!(req.headers.expires().unwrap(), Some(3600));
        assert_eq!(
            req.headers.get(&HeaderName::Contact),
            Some("<sip:74952345678@203.0.113.5:5060>")
        );
        assert!(req.validate().is_ok());
        assert!(req.headers.get(&HeaderName::Authorization).is_none());
        assert!(!format!("{:?}", reg).contains("sdfsddf"));
    }

    #[test]
    fn challenge_then_registered_then_refresh() {
        let t0 = Instant::now();
        let mut reg = Registration::new(config());
        let first = reg.poll_request().unwrap();
        reg.handle_response(t0, &challenge(&first, 1));
        assert_eq!(reg.status(), RegistrationState::Registering);
        let second = reg.poll_request().unwrap();
        assert_eq!(cseq(&second), 2);
        assert_eq!(second.headers.call_id().unwrap(), "reg-1@vpbx");
        assert_ne!(
            second.headers.top_via().unwrap().branch(),
            first.headers.top_via().unwrap().branch()
        );
        assert_eq!(
            verify(&second, "sdfsddf^$#$"),
            Verdict::Authenticated {
                username: "74952345678".into()
            }
        );
        // A late response to the first request is ignored.
        reg.handle_response(t0, &ok(&first, 3600));
        assert_eq!(reg.status(), RegistrationState::Registering);

        let t1 = t0 + Duration::from_secs(1);
        reg.handle_response(t1, &ok(&second, 1800));
        let expires_at = t1 + Duration::from_secs(1800);
        assert_eq!(reg.status(), RegistrationState::Registered { expires_at });
        let refresh = t1 + Duration::from_secs(1740);
        assert_eq!(reg.poll_timeout(), Some(refresh));
        reg.handle_timeout(refresh - Duration::from_secs(1));
        assert!(reg.poll_request().is_none());

        reg.handle_timeout(refresh);
        let third = reg.poll_request().unwrap();
        assert_eq!(cseq(&third), 3);
        assert_eq!(reg.status(), RegistrationState::Registered { expires_at });
        // The refresh reuses the challenge with the next nonce count.
        let creds = third.headers.auth(&HeaderName::Authorization).unwrap();
        assert_eq!(creds[0].get("nc"), Some("00000002"));
        assert!(matches!(
            verify(&third, "sdfsddf^$#$"),
            Verdict::Authenticated { .. }
        ));
        // The server's nonce expired: a fresh challenge to preemptive credentials is
        // answered, not treated as a wrong password.
        reg.handle_response(refresh, &challenge(&third, 1));
        let fourth = reg.poll_request().unwrap();
        assert!(fourth.headers.get(&HeaderName::Authorization).is_some());
        let t2 = refresh + Duration::from_secs(1);
        reg.handle_response(
            t2,
            &reply(&fourth, 200, &[(HeaderName::Expires, "60".into())]),
        );
        assert_eq!(reg.poll_timeout(), Some(t2 + Duration::from_secs(30)));
    }

    #[test]
    fn wrong_password_fails_once_then_backs_off() {
        let t0 = Instant::now();
        let mut reg = Registration::new(RegistrationConfig {
            password: "wrong".into(),
            ..config()
        });
        let first = reg.poll_request().unwrap();
        reg.handle_response(t0, &challenge(&first, 1));
        let second = reg.poll_request().unwrap();
        assert!(matches!(
            verify(&second, "sdfsddf^$#$"),
            Verdict::Rejected(_)
        ));
        reg.handle_response(t0, &challenge(&second, 1));
        assert!(reg.poll_request().is_none(), "answered once per challenge");
        assert_eq!(
            reg.status(),
            RegistrationState::Failed {
                retry_at: t0 + Duration::from_secs(30),
                reason: FailureReason::AuthRejected
            }
        );
    }

    #[test]
    fn forbidden_and_timeouts_back_off_exponentially_and_reset() {
        let mut now = Instant::now();
        let mut reg = Registration::new(config());
        let req = reg.poll_request().unwrap();
        reg.handle_response(now, &reply(&req, 403, &[]));
        let RegistrationState::Failed { retry_at, reason } = reg.status() else {
            panic!("{:?}", reg.status());
        };
        assert_eq!(reason, FailureReason::Status(403, "R".into()));
        assert_eq!(retry_at, now + Duration::from_secs(30));
        assert_eq!(reg.poll_timeout(), Some(retry_at));

        let mut delays = Vec::new();
        for _ in 0..7 {
            now = reg.poll_timeout().unwrap();
            reg.handle_timeout(now);
            assert_eq!(reg.status(), RegistrationState::Registering);
            assert!(reg.poll_request().is_some());
            reg.handle_timeout_of_request(now);
            let next = reg.poll_timeout().unwrap();
            delays.push((next - now).as_secs());
        }
        assert_eq!(delays, [60, 120, 240, 480, 600, 600, 600]);
        assert!(matches!(
            reg.status(),
            RegistrationState::Failed {
                reason: FailureReason::Timeout,
                ..
            }
        ));
        now = reg.poll_timeout().unwrap();
        reg.handle_timeout(now);
        let req = reg.poll_request().unwrap();
        reg.handle_response(now, &ok(&req, 120));
        assert_eq!(reg.poll_timeout(), Some(now + Duration::from_secs(60)));
        // After a success the backoff starts over.
        now += Duration::from_secs(60);
        reg.handle_timeout(now);
        let req = reg.poll_request().unwrap();
        reg.handle_response(now, &reply(&req, 500, &[]));
        assert_eq!(reg.poll_timeout(), Some(now + Duration::from_secs(30)));
    }

    #[test]
    fn retry_after_is_honoured() {
        let now = Instant::now();
        let mut reg = Registration::new(config());
        let req = reg.poll_request().unwrap();
        let busy = reply(
            &req,
            503,
            &[(HeaderName::RetryAfter, "120 (maintenance)".into())],
        );
        reg.handle_response(now, &busy);
        assert_eq!(reg.poll_timeout(), Some(now + Duration::from_secs(120)));
    }

    #[test]
    fn interval_too_brief_adopts_min_expires() {
        let now = Instant::now();
        let mut reg = Registration::new(RegistrationConfig {
            expires: 30,
            ..config()
        });
        let req = reg.poll_request().unwrap();
        reg.handle_response(
            now,
            &reply(&req, 423, &[(HeaderName::MinExpires, "300".into())]),
        );
        let again = reg.poll_request().unwrap();
        assert_eq!(again.headers.expires().unwrap(), Some(300));
        assert_eq!(cseq(&again), 2);
        assert_eq!(reg.expires(), 300);
        // A Min-Expires that does not raise the interval cannot help: fail.
        reg.handle_response(
            now,
            &reply(&again, 423, &[(HeaderName::MinExpires, "300".into())]),
        );
        assert!(matches!(
            reg.status(),
            RegistrationState::Failed {
                reason: FailureReason::IntervalTooBrief,
                ..
            }
        ));
    }

    #[test]
    fn provisional_and_foreign_responses_are_ignored() {
        let now = Instant::now();
        let mut reg = Registration::new(config());
        let req = reg.poll_request().unwrap();
        reg.handle_response(now, &reply(&req, 100, &[]));
        let mut other = ok(&req, 60);
        other.headers.set(HeaderName::CallId, "someone-else");
        reg.handle_response(now, &other);
        assert_eq!(reg.status(), RegistrationState::Registering);
        let mut no_challenge = reply(&req, 401, &[]);
        no_challenge
            .headers
            .push(HeaderName::WwwAuthenticate, "Basic realm=\"x\"");
        reg.handle_response(now, &no_challenge);
        assert!(matches!(
            reg.status(),
            RegistrationState::Failed {
                reason: FailureReason::BadChallenge,
                ..
            }
        ));
    }

    #[test]
    fn unregister_sends_expires_zero_and_stops() {
        let now = Instant::now();
        let mut reg = Registration::new(config());
        let req = reg.poll_request().unwrap();
        reg.handle_response(now, &ok(&req, 600));
        reg.unregister();
        assert_eq!(reg.status(), RegistrationState::Unregistered);
        let bye = reg.poll_request().unwrap();
        assert_eq!(bye.headers.expires().unwrap(), Some(0));
        assert_eq!(cseq(&bye), 2);
        reg.handle_response(now, &challenge(&bye, 1));
        let bye2 = reg.poll_request().unwrap();
        assert_eq!(bye2.headers.expires().unwrap(), Some(0));
        assert!(bye2.headers.get(&HeaderName::Authorization).is_some());
        reg.handle_response(now, &ok(&bye2, 0));
        assert_eq!(reg.status(), RegistrationState::Unregistered);
        assert_eq!(reg.poll_timeout(), None);
        reg.handle_timeout(now + Duration::from_secs(10_000));
        assert!(reg.poll_request().is_none());
    }
}
