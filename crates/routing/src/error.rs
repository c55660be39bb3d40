//! The one error type of this crate: which configuration field was invalid and why.
//!
//! Invariant: every message names the field as users see it ("number", "pattern",
//! "prefix"...), so the CLI and API can print it as one line (issue 4: "an invalid pattern
//! or number is rejected at configuration time with a message naming the field").

/// A routing value that failed validation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoutingError {
    /// A value is not valid for its field.
    #[error("invalid {field}: {reason}")]
    Invalid {
        /// The field as users see it ("number", "prefix", "kind", "target"...).
        field: &'static str,
        /// Human-readable reason, quoting the offending input.
        reason: String,
    },
    /// An Asterisk pattern failed to parse; `position` counts characters from 1.
    #[error("invalid pattern {input:?}: {reason} at position {position}")]
    Pattern {
        /// The pattern as given.
        input: String,
        /// 1-based character position of the problem.
        position: usize,
        /// What is wrong there.
        reason: String,
    },
}

impl RoutingError {
    /// An [`RoutingError::Invalid`] for `field`.
    pub(crate) fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        RoutingError::Invalid {
            field,
            reason: reason.into(),
        }
    }
}
