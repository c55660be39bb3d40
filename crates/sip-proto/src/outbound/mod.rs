//! Sans-IO outbound machines a PBX runs per SIP trunk: client registration (RFC 3261
//! §10.2) and OPTIONS keep-alive "qualify" (RFC 3261 §11).
//!
//! Both follow the transaction layer's style: the caller passes the current time in,
//! takes requests to send out ([`Registration::poll_request`], [`Qualify::poll_request`]),
//! sends each through a client transaction, and feeds back its final response
//! (`handle_response`) or its failure (`handle_timeout_of_request`: Timer F or a transport
//! error); `poll_timeout`/`handle_timeout` drive refreshes, retries and probes.
//!
//! Invariants: nothing here reads a clock, draws random numbers or touches a socket; the
//! caller supplies the Call-ID, From tag and a random seed. A request built here carries a
//! top Via whose sent-by is the placeholder [`VIA_PLACEHOLDER_HOST`], which the engine
//! replaces with its own address before sending; its branch is already unique per request
//! (RFC 3261 §8.1.1.7). At most one request of a machine is outstanding at a time.

mod qualify;
mod registration;

pub use qualify::{Qualify, QualifyConfig, TrunkHealth};
pub use registration::{FailureReason, Registration, RegistrationConfig, RegistrationState};

use sha2::{Digest, Sha256};
use vpbx_sip_msg::{HeaderName, Headers, Method, Request, Transport, Uri};

/// Host put in the sent-by of the top Via of every request built here; the engine sets
/// the real sent-by (RFC 3261 §18.1.1) before sending. `.invalid` never resolves
/// (RFC 6761 §6.4).
pub const VIA_PLACEHOLDER_HOST: &str = "vpbx.invalid";

/// Max-Forwards of requests we originate (RFC 3261 §8.1.1.6).
const MAX_FORWARDS: &str = "70";

/// The dialog-less identity shared by every request of one machine (RFC 3261 §8.1.1).
#[derive(Clone, Debug)]
struct Identity {
    /// Request-URI.
    target: Uri,
    /// From header value without tag.
    from: String,
    /// From tag (RFC 3261 §19.3).
    from_tag: String,
    /// To header value.
    to: String,
    /// Call-ID, stable across the machine's requests (RFC 3261 §10.2 for REGISTER).
    call_id: String,
    /// Transport named in the Via placeholder.
    transport: Transport,
    /// Caller's random seed for branches and cnonces.
    seed: [u8; 16],
    /// User-Agent value, if any.
    user_agent: Option<String>,
}

impl Identity {
    /// A request of `method` with CSeq `cseq`: Via placeholder, Max-Forwards, From (tagged),
    /// To, Call-ID, CSeq (RFC 3261 §8.1.1); callers append the rest and Content-Length.
    fn request(&self, method: Method, cseq: u32) -> Request {
        let mut headers = Headers::new();
        headers.push(
            HeaderName::Via,
            format!(
                "SIP/2.0/{} {VIA_PLACEHOLDER_HOST};branch=z9hG4bK{};rport",
                self.transport.as_str(),
                self.token(b"branch", cseq)
            ),
        );
        headers.push(HeaderName::MaxForwards, MAX_FORWARDS);
        headers.push(
            HeaderName::From,
            format!("{};tag={}", self.from, self.from_tag),
        );
        headers.push(HeaderName::To, self.to.clone());
        headers.push(HeaderName::CallId, self.call_id.clone());
        headers.push(HeaderName::CSeq, format!("{cseq} {}", method.as_str()));
        if let Some(ua) = &self.user_agent {
            headers.push(HeaderName::UserAgent, ua.clone());
        }
        Request {
            method,
            uri: self.target.clone(),
            headers,
            body: Vec::new(),
        }
    }

    /// 16 hex digits derived from the seed, `purpose`, the Call-ID and `n`: unique per
    /// request (branch) or per use of a nonce (cnonce) and unpredictable without the seed.
    fn token(&self, purpose: &[u8], n: u32) -> String {
        let mut h = Sha256::new();
        h.update(self.seed);
        h.update(purpose);
        h.update(self.call_id.as_bytes());
        h.update(n.to_be_bytes());
        hex::encode(h.finalize().get(..8).unwrap_or_default())
    }
}

/// True if `response` answers the request `(call_id, cseq)` of ours (RFC 3261 §17.1.3
/// already matched the transaction; this guards against a caller mixing machines).
fn answers(response: &vpbx_sip_msg::Response, call_id: &str, cseq: u32) -> bool {
    response.headers.call_id().ok() == Some(call_id)
        && response.headers.cseq().ok().map(|c| c.seq) == Some(cseq)
}
