//! Outcomes of checking digest credentials (RFC 3261 §22.4, RFC 7616 §3.3 "stale").
//!
//! Invariant: an unknown user and a wrong password are both [`Rejection::BadResponse`], so
//! nothing a caller sees tells them apart.

/// Result of checking the credentials of a request (RFC 3261 §22.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The response matched the stored HA1 of this user under a fresh nonce of ours.
    Authenticated {
        /// The `username` parameter as sent.
        username: String,
    },
    /// The response was correct but the nonce expired: challenge again with `stale=true`
    /// (RFC 7616 §3.3) so the client retries without asking the user.
    Stale,
    /// No credentials in the request: answer 401/407 with a challenge (RFC 3261 §22.1).
    Missing,
    /// The credentials failed; see the reason.
    Rejected(Rejection),
}

/// Why credentials were refused (RFC 3261 §22.4, RFC 7616 §3.4, RFC 8760 §2).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    /// The response did not match: wrong password, or a user we do not know (deliberately
    /// indistinguishable, RFC 7616 §5.3 advice against user enumeration).
    #[error("digest response does not match")]
    BadResponse,
    /// The credentials are for another realm (RFC 3261 §22.4).
    #[error("credentials are for another realm")]
    WrongRealm,
    /// The nonce was not made by us for this realm (bad HMAC or malformed).
    #[error("nonce was not issued by this server")]
    ForgedNonce,
    /// A parameter required by RFC 7616 §3.4 (or by `qop=auth`: cnonce, nc) is absent.
    #[error("missing digest parameter {0}")]
    MissingParam(&'static str),
    /// A parameter is present but syntactically wrong (e.g. `nc` not 8 hex digits,
    /// RFC 7616 §3.4).
    #[error("malformed digest parameter {0}")]
    MalformedParam(&'static str),
    /// The algorithm is not one we offer (RFC 8760 §2.1; `-sess` variants are not offered).
    #[error("unsupported digest algorithm")]
    UnsupportedAlgorithm,
    /// A `qop` other than `auth` (RFC 7616 §3.3; `auth-int` is not offered).
    #[error("unsupported qop")]
    UnsupportedQop,
    /// An authorization scheme other than `Digest` (RFC 3261 §22.4).
    #[error("unsupported authorization scheme")]
    UnsupportedScheme,
    /// The Authorization/Proxy-Authorization header could not be parsed.
    #[error("malformed authorization header: {0}")]
    MalformedHeader(String),
}
