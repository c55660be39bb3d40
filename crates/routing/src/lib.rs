//! vpbx call routing, pure (no I/O, no clock): phone numbers (DIDs), Asterisk dialplan
//! patterns, outbound directions with digit manipulation, the tenant's toll-fraud policy,
//! inbound routing of numbers and the outbound routing decision with its trace.
//!
//! Sources: seed 000 §4.5–4.5.3 (`dial_numbers`, `sip_trunks` digit fields, `directions`),
//! seed 001 (allowed countries), seed 002 (`routing/trace`), issue 4.
//!
//! Invariants: every value here is valid by construction or checked by a `validate`
//! method before it is stored; routing functions are total and never panic on any input.

mod direction;
mod error;
mod number;
mod pattern;
mod route;

pub use direction::{AllowPrefix, Direction, DirectionKind, Policy, Prefix, MAX_STRIP};
pub use error::RoutingError;
pub use number::{dialed, PhoneNumber};
pub use pattern::Pattern;
pub use route::{
    classify, decide, route_inbound, Attempt, Decision, InboundNumber, InboundTarget, Refusal,
    Target, TenantRouting, TraceStep, Verdict,
};
