//! Voicemail as the API and the web cabinet serve it (issue 6): who may see a box, a box's
//! settings built from a request, where a message's file may lie, and removing a message
//! with its file, marking a message heard or new.
//!
//! Invariants: a tenant user reaches only the box and messages of its own extension
//! (another extension is 404, as one that does not exist) and changes nothing there but
//! whether a message is heard; a box's
//! greeting must be a prompt of the tenant and a refused one names the field `greeting`;
//! a message's file is opened or deleted only when its stored path is a plain relative
//! path to a `.wav` file under `voicemail/<tenant id>/` (see
//! [`crate::recordings::checked_path_in`]) whose real path stays under the real
//! `DATA/voicemail/<tenant id>/`.

use crate::auth::Caller;
use crate::recordings::{checked_path_in, locate_in};
use crate::ApiError;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use utoipa::ToSchema;
use vpbx_model::{Email, Extension, PromptName, TenantId};
use vpbx_store::{Role, StoreError, TenantStore, VoicemailBox, VoicemailRow};

/// The folder of the data directory voicemail files live under.
pub const FOLDER: &str = "voicemail";

/// A voicemail box as the API shows it.
#[derive(Serialize, ToSchema, PartialEq, Debug)]
pub struct BoxOut {
    /// The extension whose unanswered calls the box takes.
    pub extension: String,
    /// Whether calls go to the box at all.
    pub enabled: bool,
    /// The box's own address; null: the user's.
    pub email: Option<String>,
    /// Where messages are mailed now (the box's address, else the user's); null: nowhere,
    /// messages are only kept.
    pub mail_to: Option<String>,
    /// The prompt played as the greeting; null: the built-in greeting.
    pub greeting: Option<String>,
    /// A message's file is deleted once it has been mailed.
    pub delete_after_send: bool,
    /// Longest message, seconds.
    pub max_seconds: u32,
    /// Messages kept and not listened to.
    pub new: u32,
    /// Messages kept and listened to.
    pub old: u32,
}

/// `PUT /voicemail/{ext}` body: the whole box; an absent field takes the value of a new
/// box (enabled, the user's address, the built-in greeting, messages kept, 120 s).
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct BoxBody {
    /// Whether calls go to the box (default true).
    pub enabled: Option<bool>,
    /// Where messages are mailed; absent or null: the user's own address.
    pub email: Option<String>,
    /// A prompt of the tenant played as the greeting; absent or null: the built-in one.
    pub greeting: Option<String>,
    /// Delete a message's file once mailed (default false).
    pub delete_after_send: Option<bool>,
    /// Longest message, 5 to 600 seconds (default 120).
    pub max_seconds: Option<u32>,
}

/// A voicemail message as the API shows it (its file's location is not shown).
#[derive(Serialize, ToSchema, PartialEq, Debug)]
pub struct MessageOut {
    /// Message id.
    pub id: i64,
    /// The box's extension.
    pub extension: String,
    /// Who called (caller ID as received).
    pub caller: String,
    /// SIP Call-ID of the call.
    pub call_id: String,
    /// Length, milliseconds.
    pub duration_ms: u64,
    /// Size of the WAV file, bytes.
    pub bytes: u64,
    /// When it was left, unix milliseconds.
    pub created_at: i64,
    /// When it was mailed, unix milliseconds.
    pub emailed_at: Option<i64>,
    /// Whether it has been listened to.
    pub heard: bool,
    /// Whether its audio is still kept (false once deleted after mailing).
    pub has_audio: bool,
}

impl From<VoicemailRow> for MessageOut {
    fn from(m: VoicemailRow) -> MessageOut {
        MessageOut {
            id: m.id,
            extension: m.extension.to_string(),
            caller: m.caller,
            call_id: m.call_id,
            duration_ms: m.duration_ms,
            bytes: m.bytes,
            created_at: m.created_at,
            emailed_at: m.emailed_at,
            heard: m.heard,
            has_audio: m.path.is_some(),
        }
    }
}

/// Whether `caller` may see the box of `ext` in a tenant it reaches: a tenant user only
/// its own extension's, everyone else every box.
pub fn sees_box(caller: &Caller, ext: &Extension) -> bool {
    caller.0.role != Role::User || caller.0.extension.as_ref() == Some(ext)
}

/// `ext` parsed from a path, or 404 for a tenant user whose extension it is not.
pub fn visible_extension(caller: &Caller, ext: &str) -> Result<Extension, ApiError> {
    let ext: Extension = ext.parse()?;
    if sees_box(caller, &ext) {
        Ok(ext)
    } else {
        Err(ApiError::NotFound("voicemail box".into()))
    }
}

/// The box `vm` as the API shows it, with its message counts; `user_email` is its
/// extension's own address.
pub async fn box_out(
    ts: &TenantStore,
    vm: &VoicemailBox,
    user_email: Option<&Email>,
) -> Result<BoxOut, ApiError> {
    let (new, old) = ts.message_counts(&vm.extension).await?;
    Ok(BoxOut {
        extension: vm.extension.to_string(),
        enabled: vm.enabled,
        email: vm.email.as_ref().map(ToString::to_string),
        mail_to: vm.mail_to(user_email).map(ToString::to_string),
        greeting: vm.greeting.as_ref().map(ToString::to_string),
        delete_after_send: vm.delete_after_send,
        max_seconds: vm.max_seconds,
        new,
        old,
    })
}

/// The boxes of the tenant `caller` may see, ordered by extension.
pub async fn boxes(caller: &Caller, ts: &TenantStore) -> Result<Vec<BoxOut>, ApiError> {
    let users = ts.list_users().await?;
    let mut out = Vec::new();
    for vm in ts.voicemail_boxes().await? {
        if !sees_box(caller, &vm.extension) {
            continue;
        }
        let email = users
            .iter()
            .find(|u| u.extension == vm.extension)
            .and_then(|u| u.email.as_ref());
        out.push(box_out(ts, &vm, email).await?);
    }
    Ok(out)
}

/// `s` trimmed, unless it is absent or blank.
fn optional(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// The box `body` describes for extension `ext`, its fields checked and named.
pub fn box_of(ext: Extension, body: &BoxBody) -> Result<VoicemailBox, ApiError> {
    let mut vm = VoicemailBox::new(ext);
    vm.enabled = body.enabled.unwrap_or(true);
    vm.email = optional(&body.email)
        .map(|e| e.parse::<Email>())
        .transpose()?;
    vm.greeting = optional(&body.greeting)
        .map(|g| {
            g.parse::<PromptName>()
                .map_err(|e| ApiError::invalid("greeting", e.reason))
        })
        .transpose()?;
    vm.delete_after_send = body.delete_after_send.unwrap_or(false);
    vm.max_seconds = body.max_seconds.unwrap_or(vm.max_seconds);
    Ok(vm)
}

/// Stores `vm`: a greeting that is no prompt of the tenant is refused naming `greeting`,
/// an extension that does not exist is 404.
pub async fn save_box(ts: &TenantStore, vm: &VoicemailBox) -> Result<(), ApiError> {
    match ts.set_voicemail_box(vm).await {
        Err(StoreError::NotFound(what)) if what.starts_with("prompt ") => Err(ApiError::invalid(
            "greeting",
            format!("{what} does not exist in this tenant"),
        )),
        other => Ok(other?),
    }
}

/// The WAV file of message `m` of `tenant` under the data directory `data`, if it is
/// still kept where voicemail files may lie; a stored path outside the tenant's folder is
/// logged and treated as gone.
pub async fn audio_file(data: &Path, tenant: TenantId, m: &VoicemailRow) -> Option<PathBuf> {
    let stored = m.path.as_deref()?;
    let Some(file) = checked_path_in(data, FOLDER, tenant, stored) else {
        tracing::warn!(%tenant, message = m.id, "voicemail path outside the tenant's folder refused");
        return None;
    };
    locate_in(data, FOLDER, tenant, &file).await
}

/// Removes message `id` of `ext` and then its file, if it had one inside the tenant's
/// folder (a file already gone is not an error). `NotFound` if there is no such message.
pub async fn remove_message(
    ts: &TenantStore,
    data: Option<&Path>,
    ext: &Extension,
    id: i64,
) -> Result<(), ApiError> {
    let tenant = ts.id();
    let stored = ts.remove_voicemail(ext, id).await?;
    let (Some(data), Some(stored)) = (data, stored) else {
        return Ok(());
    };
    let Some(file) = checked_path_in(data, FOLDER, tenant, &stored) else {
        tracing::warn!(%tenant, message = id, "voicemail path outside the tenant's folder not deleted");
        return Ok(());
    };
    match tokio::fs::remove_file(&file).await {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(ApiError::Internal(format!(
            "removing voicemail file {}: {e}",
            file.display()
        ))),
        _ => Ok(()),
    }
}

/// `PATCH /voicemail/{ext}/messages/{id}` body.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MessagePatch {
    /// `true`: the message has been listened to (counted old); `false`: new again.
    pub heard: bool,
}

/// Marks message `id` of box `ext` heard or new for `caller`: admins any box of the
/// tenant, a tenant user only its own (another extension is 404). The store records the
/// change, so a running server sends the new counts to subscribed phones.
pub async fn mark_heard(
    caller: &Caller,
    ts: &TenantStore,
    ext: &str,
    id: i64,
    heard: bool,
) -> Result<VoicemailRow, ApiError> {
    let ext = visible_extension(caller, ext)?;
    Ok(ts.set_voicemail_heard(&ext, id, heard).await?)
}

/// The API path of the audio of message `id` of `ext` in tenant `domain`.
pub fn audio_url(domain: &str, ext: &Extension, id: i64) -> String {
    format!("/api/v1/tenants/{domain}/voicemail/{ext}/messages/{id}/audio")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_become_boxes_naming_bad_fields() {
        let ext: Extension = "1000".parse().unwrap();
        let vm = box_of(ext.clone(), &BoxBody::default()).unwrap();
        assert_eq!(vm, VoicemailBox::new(ext.clone()));
        let body = BoxBody {
            email: Some("  ".into()),
            greeting: Some("Bad Name".into()),
            ..BoxBody::default()
        };
        let err = box_of(ext.clone(), &body).unwrap_err();
        assert!(matches!(err, ApiError::Invalid { field, .. } if field == "greeting"));
        let body = BoxBody {
            email: Some("nope".into()),
            ..BoxBody::default()
        };
        let err = box_of(ext, &body).unwrap_err();
        assert!(matches!(err, ApiError::Invalid { field, .. } if field == "email"));
    }
}
