//! What a menu does with a digit, or when nobody pressed one: ring an extension, go to
//! another menu, leave a voicemail, hang up, or play the menu again.
//!
//! Invariant: an [`Action`] prints as the string it parses from (`ext:1000`, `ivr:night`,
//! `voicemail:1000`, `hangup`, `repeat`), which is also its JSON form.

use crate::IvrError;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use vpbx_model::{Extension, IvrName};

/// One menu action.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Action {
    /// Ring an extension of the tenant: `ext:1000`.
    Extension(Extension),
    /// Go to another menu of the tenant (its schedule applies): `ivr:night`.
    Ivr(IvrName),
    /// Leave a message in an extension's voicemail: `voicemail:1000`.
    Voicemail(Extension),
    /// End the call: `hangup`.
    Hangup,
    /// Play the menu again: `repeat`.
    Repeat,
}

/// The forms an action takes, for error messages.
const FORMS: &str = "use ext:NNNN, ivr:NAME, voicemail:NNNN, hangup or repeat";

impl FromStr for Action {
    type Err = IvrError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = |why: String| IvrError::invalid("action", format!("{s:?}: {why}"));
        match s.split_once(':') {
            None if s == "hangup" => Ok(Action::Hangup),
            None if s == "repeat" => Ok(Action::Repeat),
            Some(("ext", v)) => v.parse().map(Action::Extension).map_err(|e| bad(e.reason)),
            Some(("voicemail", v)) => v.parse().map(Action::Voicemail).map_err(|e| bad(e.reason)),
            Some(("ivr", v)) => v.parse().map(Action::Ivr).map_err(|e| bad(e.reason)),
            _ => Err(bad(FORMS.to_owned())),
        }
    }
}

impl TryFrom<String> for Action {
    type Error = IvrError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Action> for String {
    fn from(a: Action) -> String {
        a.to_string()
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::Extension(e) => write!(f, "ext:{e}"),
            Action::Ivr(n) => write!(f, "ivr:{n}"),
            Action::Voicemail(e) => write!(f, "voicemail:{e}"),
            Action::Hangup => f.write_str("hangup"),
            Action::Repeat => f.write_str("repeat"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for s in [
            "ext:1000",
            "ivr:night",
            "voicemail:2001",
            "hangup",
            "repeat",
        ] {
            let a: Action = s.parse().unwrap();
            assert_eq!(a.to_string(), s);
            let json = serde_json::to_string(&a).unwrap();
            assert_eq!(json, format!("{s:?}"));
            assert_eq!(serde_json::from_str::<Action>(&json).unwrap(), a);
        }
    }

    #[test]
    fn bad_actions_name_the_field() {
        for bad in [
            "",
            "1000",
            "ext:",
            "ext:1",
            "ext:abc",
            "ivr:",
            "ivr:Main",
            "voicemail:x",
            "hangup:1",
            "queue:1",
            "Hangup",
            " repeat",
        ] {
            let e = bad.parse::<Action>().unwrap_err();
            assert_eq!(e.field(), "action", "{bad}");
            assert!(e.to_string().starts_with("invalid action: "), "{e}");
        }
        assert!(serde_json::from_str::<Action>("\"ext:1\"").is_err());
    }
}
