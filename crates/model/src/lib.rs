//! vpbx domain types, valid by construction.
//!
//! Every identifier that crosses a boundary (CLI argument, API field, SIP header, database
//! row) is parsed into one of these types first; code past that point never re-validates.
//! Invariant: a value of any type here satisfies the rules stated on the type.

mod domain;
mod error;
mod extension;
mod ids;
mod ivr;
mod live;
mod prompt;
mod slug;
mod text;
mod trunk;

pub use domain::Domain;
pub use error::ModelError;
pub use extension::Extension;
pub use ids::{TenantId, UserId};
pub use ivr::{IvrName, IVR_NAME_MAX};
pub use live::{ActiveCall, CallDirection, CallState};
pub use prompt::{PromptName, PROMPT_NAME_MAX};
pub use text::{DisplayName, Email, Password};
pub use trunk::{
    Codec, CodecList, SipUser, TrunkHost, TrunkId, TrunkName, TrunkSecret, TrunkTransport,
};
