//! The routing decision of one call and its trace (issue 4; seed 002 `routing/trace`:
//! every rule considered, why it matched or not, the final destination and the numbers as
//! sent), and inbound routing of the tenant's numbers (seed 000 §4.5: `DN` as the carrier
//! sends it).
//!
//! Order of an outbound decision: the dialed string is normalized; the caller must be an
//! extension of the tenant; an extension of the tenant wins first; then every direction is
//! considered, and the matching enabled directions with the most specific pattern (Asterisk
//! order) win, lower priority first; the toll-fraud policy is applied (international
//! refused unless allowed, emergency always allowed); the winners' rewrites give one attempt
//! per trunk, in failover order.
//!
//! Invariants: [`decide`] and [`route_inbound`] are total (no panics on any input) and
//! pure; every direction of the tenant appears in the trace of a call that reaches
//! direction matching.

use crate::direction::{builtin, international_digits};
use crate::{dialed, Direction, DirectionKind, Pattern, PhoneNumber, Policy, RoutingError};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;
use vpbx_model::{Extension, IvrName, TrunkName};

/// Where an incoming call to one of the tenant's numbers goes. Groups, queues and
/// voicemail join later (issue 4 item 2).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[non_exhaustive]
pub enum InboundTarget {
    /// Ring one extension: `ext:1000`.
    Extension(Extension),
    /// Answer with one of the tenant's IVR menus: `ivr:main`.
    Ivr(IvrName),
    /// Answer with DISA: the caller identifies as a user and dials out as that user
    /// (seed 000 §4.6 "disa_enabled"): `disa`.
    Disa,
}

impl FromStr for InboundTarget {
    type Err = RoutingError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad =
            || RoutingError::invalid("target", format!("{s:?} (use ext:NNNN, ivr:NAME or disa)"));
        if s == "disa" {
            return Ok(InboundTarget::Disa);
        }
        let (kind, value) = s.split_once(':').ok_or_else(bad)?;
        match kind {
            "ext" => value
                .parse()
                .map(InboundTarget::Extension)
                .map_err(|e| RoutingError::invalid("target", format!("{s:?}: {e}"))),
            "ivr" => value
                .parse()
                .map(InboundTarget::Ivr)
                .map_err(|e| RoutingError::invalid("target", format!("{s:?}: {e}"))),
            _ => Err(bad()),
        }
    }
}

impl TryFrom<String> for InboundTarget {
    type Error = RoutingError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<InboundTarget> for String {
    fn from(t: InboundTarget) -> String {
        t.to_string()
    }
}

impl fmt::Display for InboundTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InboundTarget::Extension(e) => write!(f, "ext:{e}"),
            InboundTarget::Ivr(n) => write!(f, "ivr:{n}"),
            InboundTarget::Disa => f.write_str("disa"),
        }
    }
}

/// One number (DID) of the tenant: the trunk it arrives on and where it rings (seed 000
/// §4.5.1 `dial_numbers`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboundNumber {
    /// The number in canonical digits.
    pub number: PhoneNumber,
    /// The trunk the carrier delivers it on.
    pub trunk: TrunkName,
    /// Where incoming calls to it go.
    pub target: InboundTarget,
}

/// Everything routing needs to know about one tenant, loaded from the store.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TenantRouting {
    /// The tenant's extensions.
    pub extensions: BTreeSet<Extension>,
    /// The tenant's numbers.
    pub numbers: Vec<InboundNumber>,
    /// The tenant's outbound directions.
    pub directions: Vec<Direction>,
    /// The tenant's toll-fraud policy.
    pub policy: Policy,
}

/// One try of an outbound call: which trunk, and the number as sent to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempt {
    /// The trunk to send the call to.
    pub trunk: TrunkName,
    /// The called number after the direction's digit manipulation.
    pub number: String,
    /// The direction that produced this attempt.
    pub direction: i64,
}

/// Why a call was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "reason", content = "detail", rename_all = "snake_case")]
pub enum Refusal {
    /// The dialed string is not a number.
    #[error("{0}")]
    InvalidNumber(String),
    /// The caller is not an extension of this tenant.
    #[error("caller {0} is not an extension of this tenant")]
    UnknownCaller(String),
    /// No extension and no enabled direction takes the number.
    #[error("no extension or direction matches {0}")]
    NoRoute(String),
    /// The toll-fraud policy refuses the call (international not allowed, or not to this
    /// country).
    #[error("{0}")]
    NotAllowed(String),
    /// Digit manipulation left nothing to send.
    #[error("direction {0} strips every digit of the number")]
    NothingToSend(i64),
}

/// The destination of an outbound call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Target {
    /// An extension of the same tenant.
    Extension {
        /// The extension to ring.
        extension: Extension,
    },
    /// Out through trunks, tried in order until one answers (failover).
    Trunks {
        /// The tries, first to last.
        attempts: Vec<Attempt>,
    },
    /// Refused.
    Refused {
        /// Why.
        refusal: Refusal,
    },
}

/// Whether a rule applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The rule matched and was used.
    Matched,
    /// The rule did not match.
    NotMatched,
    /// The rule matched but was not used (disabled, or less specific than the winner).
    Skipped,
    /// The rule refused the call.
    Refused,
    /// A step of the decision rather than a rule (input, rewrite).
    Info,
}

impl Verdict {
    /// A short label for printing.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Matched => "matched",
            Verdict::NotMatched => "no match",
            Verdict::Skipped => "skipped",
            Verdict::Refused => "refused",
            Verdict::Info => "info",
        }
    }
}

/// One line of a routing trace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceStep {
    /// The rule or step, e.g. `direction 3 regional _8XXXXXXXXXX`.
    pub rule: String,
    /// What happened.
    pub verdict: Verdict,
    /// Why.
    pub why: String,
}

impl fmt::Display for TraceStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] {}: {}", self.verdict.as_str(), self.rule, self.why)
    }
}

/// The outcome of routing one call, with how it was reached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    /// Where the call goes.
    pub target: Target,
    /// Every rule considered, in order.
    pub trace: Vec<TraceStep>,
}

/// Collects trace steps.
struct Trace(Vec<TraceStep>);

impl Trace {
    fn step(&mut self, rule: impl Into<String>, verdict: Verdict, why: impl Into<String>) {
        self.0.push(TraceStep {
            rule: rule.into(),
            verdict,
            why: why.into(),
        });
    }

    fn refuse(mut self, rule: &str, refusal: Refusal) -> Decision {
        self.step(rule, Verdict::Refused, refusal.to_string());
        Decision {
            target: Target::Refused { refusal },
            trace: self.0,
        }
    }

    fn finish(self, target: Target) -> Decision {
        Decision {
            target,
            trace: self.0,
        }
    }
}

/// Routes a call from extension `from` of the tenant to the string `dialed_raw` (the
/// Request-URI user part, or what `vpbx route trace --to` got).
pub fn decide(routing: &TenantRouting, from: &Extension, dialed_raw: &str) -> Decision {
    let mut trace = Trace(Vec::new());
    let dialed = match dialed("to", dialed_raw) {
        Ok(d) => d,
        Err(e) => return trace.refuse("input", Refusal::InvalidNumber(e.to_string())),
    };
    trace.step(
        "input",
        Verdict::Info,
        format!("from {from} to {dialed} (dialed {dialed_raw:?})"),
    );
    if !routing.extensions.contains(from) {
        return trace.refuse("caller", Refusal::UnknownCaller(from.to_string()));
    }
    trace.step(
        "caller",
        Verdict::Matched,
        format!("{from} is an extension of this tenant"),
    );

    let emergency = classify(&dialed) == Some(DirectionKind::Emergency);
    if let Some(ext) = dialed
        .parse::<Extension>()
        .ok()
        .filter(|e| routing.extensions.contains(e))
    {
        let mut why = format!("{ext} is an extension of this tenant; internal numbers win first");
        if emergency {
            why.push_str(
                " (it is also an emergency number: keep internal numbering apart from \
                 emergency numbers, seed 000 §4.5.3)",
            );
        }
        trace.step("extensions", Verdict::Matched, why);
        return trace.finish(Target::Extension { extension: ext });
    }
    trace.step(
        "extensions",
        Verdict::NotMatched,
        format!("{dialed} is not an extension of this tenant"),
    );

    let winners = match_directions(routing, &dialed, &mut trace);
    let Some(first) = winners.first() else {
        return trace.refuse("directions", Refusal::NoRoute(dialed));
    };

    let international = classify(&dialed) == Some(DirectionKind::International)
        || winners
            .iter()
            .any(|d| d.kind == DirectionKind::International);
    if emergency || winners.iter().any(|d| d.kind == DirectionKind::Emergency) {
        trace.step(
            "policy",
            Verdict::Matched,
            "emergency calls are always allowed",
        );
    } else if international {
        let e164 = international_digits(&dialed).map_or(dialed.as_str(), |(rest, _)| rest);
        match routing.policy.international(e164) {
            Ok(why) => trace.step("policy", Verdict::Matched, format!("international: {why}")),
            Err(why) => return trace.refuse("policy", Refusal::NotAllowed(why)),
        }
    } else {
        trace.step(
            "policy",
            Verdict::Matched,
            format!("{} calls are allowed", first.kind),
        );
    }

    let mut attempts: Vec<Attempt> = Vec::new();
    for d in &winners {
        let (sent, steps) = d.rewrite(&dialed);
        let rule = format!("rewrite by direction {}", d.id);
        let how = if steps.is_empty() {
            "unchanged".to_owned()
        } else {
            steps.join("; ")
        };
        let Some(sent) = sent else {
            trace.step(&rule, Verdict::Info, how);
            return trace.refuse("rewrite", Refusal::NothingToSend(d.id));
        };
        trace.step(
            &rule,
            Verdict::Info,
            format!("{dialed}: {how}; sent as {sent}"),
        );
        for trunk in &d.trunks {
            if !attempts
                .iter()
                .any(|a| a.trunk == *trunk && a.number == sent)
            {
                attempts.push(Attempt {
                    trunk: trunk.clone(),
                    number: sent.clone(),
                    direction: d.id,
                });
            }
        }
    }
    trace.finish(Target::Trunks { attempts })
}

/// Traces every direction and returns the winners: enabled, matching, with the most
/// specific matching pattern, ordered by priority then id.
fn match_directions<'a>(
    routing: &'a TenantRouting,
    dialed: &str,
    trace: &mut Trace,
) -> Vec<&'a Direction> {
    let matched: Vec<(&Direction, Option<Pattern>)> = routing
        .directions
        .iter()
        .map(|d| (d, d.best_match(dialed)))
        .collect();
    let best = matched
        .iter()
        .filter(|(d, _)| d.enabled)
        .filter_map(|(_, p)| p.as_ref())
        .min_by(|a, b| a.cmp_specificity(b))
        .cloned();
    let mut winners = Vec::new();
    for (d, hit) in matched {
        let rule = describe(d);
        match (hit, &best) {
            (None, _) => {
                let tried: Vec<String> = d.patterns().iter().map(|p| p.to_string()).collect();
                trace.step(
                    rule,
                    Verdict::NotMatched,
                    format!("{dialed} matches none of {}", tried.join(", ")),
                );
            }
            (Some(p), _) if !d.enabled => {
                trace.step(
                    rule,
                    Verdict::Skipped,
                    format!("{dialed} matches {p} but the direction is disabled"),
                );
            }
            (Some(p), Some(b)) if p.cmp_specificity(b) != Ordering::Equal => {
                trace.step(
                    rule,
                    Verdict::Skipped,
                    format!("{dialed} matches {p}, less specific than {b}"),
                );
            }
            (Some(p), _) => {
                trace.step(
                    rule,
                    Verdict::Matched,
                    format!(
                        "{dialed} matches {p}; trunks {}",
                        d.trunks
                            .iter()
                            .map(|t| t.to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
                winners.push(d);
            }
        }
    }
    winners.sort_by_key(|d| (d.priority, d.id));
    winners
}

/// `direction 3 regional (priority 1)` or `direction 4 other _XXXXX (priority 2)`.
fn describe(d: &Direction) -> String {
    let pattern = d
        .pattern
        .as_ref()
        .map(|p| format!(" {p}"))
        .unwrap_or_default();
    format!(
        "direction {} {}{pattern} (priority {})",
        d.id, d.kind, d.priority
    )
}

/// The kind whose built-in patterns take `dialed` most specifically, if any: the
/// toll-fraud check uses it so an `other` direction cannot open international calls.
pub fn classify(dialed: &str) -> Option<DirectionKind> {
    DirectionKind::ALL
        .into_iter()
        .flat_map(|k| builtin(k).into_iter().map(move |p| (k, p)))
        .filter(|(_, p)| p.matches(dialed))
        .min_by(|(_, a), (_, b)| a.cmp_specificity(b))
        .map(|(k, _)| k)
}

/// Where an incoming call from a carrier to `sent` (the number as the carrier sends it,
/// seed 000 §4.5 `DN`) goes in this tenant, if the number is one of the tenant's.
pub fn route_inbound(routing: &TenantRouting, sent: &str) -> Option<InboundTarget> {
    routing
        .numbers
        .iter()
        .find(|n| n.number.matches_sent(sent))
        .map(|n| n.target.clone())
}
