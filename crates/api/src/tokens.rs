//! API tokens as the API's `/tokens` and the web cabinet's tokens page manage them: whose
//! tokens the caller may list, creating one for the caller (the secret returned once) and
//! revoking one.
//!
//! Invariants: only the SHA-256 hash of a token is stored; a token is created only for the
//! calling account; an account other than the platform admin never sees or revokes
//! another account's token (404, as if absent), nor asks for another's list (403).

use crate::auth::Caller;
use crate::credentials::{random_secret, secret_hash};
use crate::state::unix_now;
use crate::{ApiError, ApiState};
use vpbx_store::{AccountName, TokenRow};

/// Longest token label, characters.
pub const MAX_LABEL: usize = 64;

/// The tokens of `account` (platform admin only; `Forbidden` for anyone else), else the
/// caller's own, ordered by id.
pub async fn list(
    state: &ApiState,
    caller: &Caller,
    account: Option<&str>,
) -> Result<Vec<TokenRow>, ApiError> {
    let account: AccountName = match account {
        Some(name) if caller.is_platform() => name.parse()?,
        Some(_) => return Err(ApiError::Forbidden),
        None => caller.0.name.clone(),
    };
    Ok(state.store.list_tokens(Some(&account)).await?)
}

/// Creates a token labelled `label` (trimmed, 1 to [`MAX_LABEL`] characters, else an
/// error naming `label`) for the calling account: its row and its secret, which is never
/// available again.
pub async fn create(
    state: &ApiState,
    caller: &Caller,
    label: &str,
) -> Result<(TokenRow, String), ApiError> {
    let label = label.trim();
    if label.is_empty() || label.chars().count() > MAX_LABEL {
        return Err(ApiError::invalid(
            "label",
            format!("must be 1 to {MAX_LABEL} characters"),
        ));
    }
    let secret = random_secret();
    let row = state
        .store
        .add_token(&caller.0.name, label, &secret_hash(&secret), unix_now())
        .await
        .map_err(|e| match ApiError::from(e) {
            ApiError::Invalid { message, .. } => ApiError::invalid("label", message),
            other => other,
        })?;
    Ok((row, secret))
}

/// Revokes token `id`: the caller's own, or any for the platform admin; 404 otherwise.
pub async fn revoke(state: &ApiState, caller: &Caller, id: i64) -> Result<(), ApiError> {
    let scope = (!caller.is_platform()).then_some(&caller.0.name);
    let owned = state
        .store
        .list_tokens(scope)
        .await?
        .into_iter()
        .any(|t| t.id == id);
    if !owned {
        return Err(ApiError::NotFound("token".into()));
    }
    state.store.revoke_token(id).await?;
    Ok(())
}
