//! Reasons a REGISTER is refused (RFC 3261 §10.3) and their status codes.
//!
//! Invariant: every variant maps to exactly one status code, in `status` only.

/// Why a REGISTER was refused (RFC 3261 §10.3).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RegisterError {
    /// A requested interval is below the minimum: 423 with Min-Expires (RFC 3261 §10.3
    /// step 7, §21.4.17).
    #[error("interval too brief, minimum {min_expires} s")]
    IntervalTooBrief {
        /// Value for the Min-Expires header (RFC 3261 §20.23).
        min_expires: u32,
    },
    /// Malformed REGISTER, e.g. `*` with other contacts or a non-zero Expires (RFC 3261
    /// §10.3 step 6): 400.
    #[error("bad REGISTER: {0}")]
    BadRequest(String),
    /// Same Call-ID with a CSeq not higher than the stored one (RFC 3261 §10.3 steps 6–7):
    /// the update is aborted with 500.
    #[error("REGISTER out of order (CSeq not higher for the same Call-ID)")]
    OutOfOrder,
    /// More contacts than the policy allows for one address of record: 403.
    #[error("too many contacts, at most {max}")]
    TooManyContacts {
        /// The configured limit.
        max: usize,
    },
}

impl RegisterError {
    /// Status code and reason phrase to answer with (RFC 3261 §21).
    pub fn status(&self) -> (u16, &'static str) {
        match self {
            RegisterError::IntervalTooBrief { .. } => (423, "Interval Too Brief"),
            RegisterError::BadRequest(_) => (400, "Bad Request"),
            RegisterError::OutOfOrder => (500, "Server Internal Error"),
            RegisterError::TooManyContacts { .. } => (403, "Forbidden"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_codes() {
        let cases = [
            (RegisterError::IntervalTooBrief { min_expires: 60 }, 423),
            (RegisterError::BadRequest("x".into()), 400),
            (RegisterError::OutOfOrder, 500),
            (RegisterError::TooManyContacts { max: 1 }, 403),
        ];
        for (error, code) in cases {
            assert_eq!(error.status().0, code, "{error}");
        }
    }
}
