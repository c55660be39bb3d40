//! The one error type of this crate: which field was invalid and why.
//!
//! Invariant: every message names the field as it appears in a menu's JSON (`options.1`,
//! `schedule[0].goto`, `prompts[1]`...), and for a menu set also the menu, so the CLI and
//! API can print it as one line.

use vpbx_model::IvrName;

/// An IVR value or menu that failed validation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IvrError {
    /// A value is not valid for its field (parsing an action, a time, a weekday set...).
    #[error("invalid {field}: {reason}")]
    Invalid {
        /// The field as users see it ("action", "days", "from"...).
        field: String,
        /// Human-readable reason, quoting the offending input.
        reason: String,
    },
    /// A field of one menu of a set is invalid (unknown prompt, extension or menu, a loop).
    #[error("invalid {field} of menu {menu}: {reason}")]
    Menu {
        /// The menu.
        menu: IvrName,
        /// The field inside the menu: `options.1`, `schedule[0].goto`, `prompts[1]`...
        field: String,
        /// Human-readable reason.
        reason: String,
    },
}

impl IvrError {
    /// An [`IvrError::Invalid`] for `field`.
    pub(crate) fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        IvrError::Invalid {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// An [`IvrError::Menu`] for `field` of `menu`.
    pub(crate) fn menu(
        menu: &IvrName,
        field: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        IvrError::Menu {
            menu: menu.clone(),
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// The field the error is about (`options.1`, `days`...).
    pub fn field(&self) -> &str {
        match self {
            IvrError::Invalid { field, .. } | IvrError::Menu { field, .. } => field,
        }
    }
}
