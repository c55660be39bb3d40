//! The one error type of this crate: which field was invalid and why.

/// A value that failed validation; `field` names the field as users see it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {field}: {reason}")]
pub struct ModelError {
    /// The field name as shown to users ("domain", "extension", "password"...).
    pub field: &'static str,
    /// Human-readable reason.
    pub reason: String,
}

impl ModelError {
    pub(crate) fn new(field: &'static str, reason: impl Into<String>) -> Self {
        Self {
            field,
            reason: reason.into(),
        }
    }
}
