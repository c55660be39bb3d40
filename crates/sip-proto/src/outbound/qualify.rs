//! OPTIONS keep-alive of one trunk ("qualify", as Asterisk calls it): RFC 3261 §11 OPTIONS
//! probes on an interval, marking the trunk up or down, with the round-trip time.
//!
//! Any final response proves the carrier alive (RFC 3261 §11.2: a UAS answers OPTIONS as
//! it would an INVITE, so even 403/404/405 mean "reachable"), except 408 and the 5xx codes
//! other than 501 Not Implemented, which say it cannot serve now. `down_after` consecutive
//! failures (those codes, timeouts, transport errors) mark it `Down`; one success marks it
//! `Up` again.
//!
//! Invariants: one probe outstanding at most; the next probe is due `interval` after the
//! previous outcome while up, `retry_interval` after a failure; Call-ID and From tag stay
//! the same across probes and CSeq increases by one per probe; a response counts only for
//! the outstanding probe (same Call-ID and CSeq).

use std::time::{Duration, Instant};

use vpbx_sip_msg::{HeaderName, Method, Request, Response, Transport, Uri};

use super::{answers, Identity};

/// What the caller configures for one trunk's qualify.
#[derive(Clone, Debug)]
pub struct QualifyConfig {
    /// Request-URI of the probes (RFC 3261 §11.1), e.g. `sip:sip.carrier.example:5060`.
    pub target: Uri,
    /// Our address for From (RFC 3261 §8.1.1.3), e.g. `sip:vpbx@acme.pbx.example`.
    pub from: Uri,
    /// Call-ID for every probe, made by the caller.
    pub call_id: String,
    /// From tag, made by the caller.
    pub from_tag: String,
    /// Random bytes from the caller; branches are derived from them.
    pub seed: [u8; 16],
    /// Transport named in the top Via placeholder.
    pub transport: Transport,
    /// Time between probes while the trunk answers (Asterisk `qualifyfreq`, 60 s).
    pub interval: Duration,
    /// Time before the next probe after a failure (shorter, to notice recovery soon).
    pub retry_interval: Duration,
    /// Consecutive failures that mark the trunk down; at least 1.
    pub down_after: u32,
    /// User-Agent header value, if any.
    pub user_agent: Option<String>,
}

/// The trunk's health as last probed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrunkHealth {
    /// No probe has succeeded yet and fewer than `down_after` have failed.
    Unknown,
    /// The last successful probe took `rtt`; fewer than `down_after` probes failed since.
    Up {
        /// Round-trip time of the last successful probe (request queued → final response).
        rtt: Duration,
    },
    /// `down_after` or more consecutive probes failed; the trunk should not get calls.
    Down {
        /// When the trunk was marked down.
        since: Instant,
    },
}

/// One trunk's OPTIONS keep-alive machine (RFC 3261 §11).
#[derive(Debug)]
pub struct Qualify {
    config: QualifyConfig,
    identity: Identity,
    health: TrunkHealth,
    failures: u32,
    cseq: u32,
    /// When the outstanding probe was queued, if one is.
    sent_at: Option<Instant>,
    /// When the next probe is due, while none is outstanding.
    next_at: Option<Instant>,
    outbox: Option<Request>,
}

impl Qualify {
    /// A qualify machine whose first probe is ready at once (take it with
    /// [`Qualify::poll_request`]); `now` is when it is taken to be sent.
    pub fn new(config: QualifyConfig, now: Instant) -> Qualify {
        let to = format!("<{}>", config.target);
        let identity = Identity {
            target: config.target.clone(),
            from: format!("<{}>", config.from),
            from_tag: config.from_tag.clone(),
            to,
            call_id: config.call_id.clone(),
            transport: config.transport,
            seed: config.seed,
            user_agent: config.user_agent.clone(),
        };
        let mut q = Qualify {
            config,
            identity,
            health: TrunkHealth::Unknown,
            failures: 0,
            cseq: 0,
            sent_at: None,
            next_at: None,
            outbox: None,
        };
        q.probe(now);
        q
    }

    /// The trunk's health as the last probes found it (RFC 3261 §11).
    pub fn status(&self) -> TrunkHealth {
        self.health
    }

    /// The next OPTIONS (RFC 3261 §11.1) to send through a new client transaction
    /// (§17.1.2), if one is due.
    pub fn poll_request(&mut self) -> Option<Request> {
        self.outbox.take()
    }

    /// When the next OPTIONS probe (RFC 3261 §11.1) is due (`None` while one is
    /// outstanding).
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.next_at
    }

    /// Queues the next OPTIONS probe (RFC 3261 §11.1) when its time has come.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.next_at.is_some_and(|at| now >= at) {
            self.probe(now);
        }
    }

    /// The outstanding probe got no final response (Timer F, RFC 3261 §17.1.2.2) or its
    /// transport failed: one failure.
    pub fn handle_timeout_of_request(&mut self, now: Instant) {
        if self.sent_at.take().is_some() {
            self.failed(now);
        }
    }

    /// Feeds the final response (RFC 3261 §11.2) to the outstanding probe; provisional responses and
    /// responses to anything else are ignored.
    pub fn handle_response(&mut self, now: Instant, response: &Response) {
        let Some(sent_at) = self.sent_at else {
            return;
        };
        if response.status < 200 || !answers(response, &self.config.call_id, self.cseq) {
            return;
        }
        self.sent_at = None;
        let unavailable = response.status == 408
            || (500..600).contains(&response.status) && response.status != 501;
        if unavailable {
            self.failed(now);
        } else {
            self.failures = 0;
            self.health = TrunkHealth::Up {
                rtt: now.saturating_duration_since(sent_at),
            };
            self.next_at = Some(now + self.config.interval);
        }
    }

    /// Counts a failure, marks the trunk down at `down_after`, schedules the retry.
    fn failed(&mut self, now: Instant) {
        self.failures = self.failures.saturating_add(1);
        if self.failures >= self.config.down_after.max(1)
            && !matches!(self.health, TrunkHealth::Down { .. })
        {
            self.health = TrunkHealth::Down { since: now };
        }
        self.next_at = Some(now + self.config.retry_interval);
    }

    /// Queues an OPTIONS (RFC 3261 §11.1) with the next CSeq.
    fn probe(&mut self, now: Instant) {
        self.cseq = self.cseq.wrapping_add(1) % (1 << 31);
        let mut request = self.identity.request(Method::Options, self.cseq);
        request
            .headers
            .push(HeaderName::parse("Accept"), "application/sdp");
        request.headers.push(HeaderName::ContentLength, "0");
        self.outbox = Some(request);
        self.sent_at = Some(now);
        self.next_at = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> QualifyConfig {
        QualifyConfig {
            target: "sip:sip.carrier.example:5060".parse().unwrap(),
            from: "sip:vpbx@acme.pbx.example".parse().unwrap(),
            call_id: "q-1@vpbx".into(),
            from_tag: "qt".into(),
            seed: [1; 16],
            transport: Transport::Udp,
            interval: Duration::from_secs(60),
            retry_interval: Duration::from_secs(10),
            down_after: 3,
            user_agent: None,
        }
    }

    fn reply(req: &Request, status: u16) -> Response {
        req.response(status, "R", Some("x"))
    }

    #[test]
    fn up_with_rtt_then_down_after_n_failures_then_up_again() {
        let t0 = Instant::now();
        let mut q = Qualify::new(config(), t0);
        assert_eq!(q.status(), TrunkHealth::Unknown);
        let probe = q.poll_request().unwrap();
        assert_eq!(probe.method, Method::Options);
        assert_eq!(probe.uri.to_string(), "sip:sip.carrier.example:5060");
        assert!(probe.validate().is_ok());
        assert_eq!(q.poll_timeout(), None);

        let t1 = t0 + Duration::from_millis(42);
        q.handle_response(t1, &reply(&probe, 200));
        assert_eq!(
            q.status(),
            TrunkHealth::Up {
                rtt: Duration::from_millis(42)
            }
        );
        assert_eq!(q.poll_timeout(), Some(t1 + Duration::from_secs(60)));

        // Two failures keep it up; the third marks it down.
        let mut now = t1;
        for i in 0..3 {
            now = q.poll_timeout().unwrap();
            q.handle_timeout(now);
            let p = q.poll_request().unwrap();
            assert_eq!(p.headers.cseq().unwrap().seq, i + 2);
            assert_eq!(p.headers.call_id().unwrap(), "q-1@vpbx");
            if i == 1 {
                q.handle_response(now, &reply(&p, 503));
            } else {
                q.handle_timeout_of_request(now);
            }
            if i < 2 {
                assert!(matches!(q.status(), TrunkHealth::Up { .. }));
            }
            assert_eq!(q.poll_timeout(), Some(now + Duration::from_secs(10)));
        }
        assert_eq!(q.status(), TrunkHealth::Down { since: now });

        // Any other final response, even 404, means it is reachable again.
        let back = q.poll_timeout().unwrap();
        q.handle_timeout(back);
        let p = q.poll_request().unwrap();
        q.handle_response(back + Duration::from_millis(5), &reply(&p, 404));
        assert_eq!(
            q.status(),
            TrunkHealth::Up {
                rtt: Duration::from_millis(5)
            }
        );
    }

    #[test]
    fn stray_and_early_inputs_are_ignored() {
        let t0 = Instant::now();
        let mut q = Qualify::new(config(), t0);
        let p = q.poll_request().unwrap();
        q.handle_response(t0, &reply(&p, 100));
        let mut other = reply(&p, 200);
        other.headers.set(HeaderName::CSeq, "99 OPTIONS");
        q.handle_response(t0, &other);
        assert_eq!(q.status(), TrunkHealth::Unknown);
        // Nothing is due while a probe is outstanding.
        q.handle_timeout(t0 + Duration::from_secs(1000));
        assert!(q.poll_request().is_none());
        q.handle_response(t0, &reply(&p, 501));
        assert!(matches!(q.status(), TrunkHealth::Up { .. }));
        // A late timeout after the response changes nothing.
        q.handle_timeout_of_request(t0);
        assert!(matches!(q.status(), TrunkHealth::Up { .. }));
    }
}
