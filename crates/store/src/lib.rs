//! vpbx persistent storage: tenants, their users (extensions) with their call limits,
//! registrar bindings, call detail records, SIP trunks (secrets encrypted with
//! [`SecretBox`]), web/API accounts with their hashed API tokens and sessions, and a change
//! feed, in one SQLite file shared by the server and short-lived CLI processes.
//!
//! Invariants:
//! - Every tenant-owned row is reached only through [`Store::tenant`]: each query of a
//!   [`TenantStore`] has `tenant_id = ?` in its `WHERE` clause (DESIGN.md, tenant isolation).
//! - Every committed tenant or user write inserts a change-feed row in the same transaction,
//!   so another process polling [`Store::changes_since`] never misses a write.
//! - The store never reads the clock: callers pass unix seconds in (unix milliseconds for
//!   call detail records).
//! - Only runtime-checked `sqlx::query*` functions are used (no compile-time query macros), so
//!   the same statements can serve a PostgreSQL backend later.

mod accounts;
mod bindings;
mod cdr;
mod cdrs;
mod changes;
mod directions;
mod disa;
mod error;
mod ivr;
mod media_options;
mod numbers;
mod prompts;
mod rows;
mod secret;
mod store;
mod tenants;
mod tokens;
mod trunks;
mod types;
mod users;
mod voicemail;

pub use accounts::{Account, AccountName, NewAccount, Role};
pub use cdr::{CdrCursor, CdrQuery, CdrRow, Disposition, HangupSide, NewCdr, Recording};
pub use directions::{NewDirection, RoutingRows};
pub use error::StoreError;
pub use ivr::MenuRow;
pub use media_options::{MediaOptions, MAX_QUOTA_MB, MAX_RETENTION_DAYS};
pub use numbers::NumberRow;
pub use prompts::{NewPrompt, PromptRow, PromptSource};
pub use secret::{SealedSecret, SecretBox, KEY_FILE};
pub use store::{Store, TenantStore};
pub use tokens::TokenRow;
pub use trunks::{NewTrunk, TrunkRow};
pub use types::{NewUser, StoredBinding, Tenant, TenantChange, User};
pub use voicemail::{
    NewVoicemail, VoicemailBox, VoicemailRow, DEFAULT_VOICEMAIL_SECONDS, MAX_VOICEMAIL_SECONDS,
    MIN_VOICEMAIL_SECONDS,
};
