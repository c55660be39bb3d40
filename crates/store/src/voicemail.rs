//! Voicemail (issue 5 item 6; seed 001: "voicemail mailed as an attachment, deleted after
//! sending"): each extension's box settings — on or off, where messages are mailed, the
//! greeting prompt, whether a message is deleted once mailed, the longest message — and the
//! messages left, with their file, length, and whether they were mailed or heard.
//!
//! Invariants: every statement binds `tenant_id = ?` to the handle's tenant; a box exists
//! only for an existing extension and goes with it (foreign key, cascade); a box's greeting
//! names a prompt of the tenant when it is written (a prompt removed later makes the server
//! fall back to the built-in greeting); every box write, every message removal and every heard/new mark records
//! a change-feed row, so a running server uses the new settings for the next call and
//! tells subscribed phones the new message counts; a message's file path is
//! relative to the data directory and never climbs out of it; a path is cleared from its
//! row in the same transaction that hands it to the caller for deletion, so a file is
//! deleted at most once and never left referenced.

use crate::changes::record;
use crate::error::constraint;
use crate::rows::parse;
use crate::store::write_tx;
use crate::{StoreError, TenantStore};
use serde::Serialize;
use std::path::{Component, Path};
use vpbx_model::{Email, Extension, PromptName};

/// Shortest message limit accepted, seconds.
pub const MIN_VOICEMAIL_SECONDS: u32 = 5;
/// Longest message limit accepted, seconds (10 minutes: about 9.6 MB of 8 kHz 16-bit WAV,
/// under the usual 25 MB mail size limits once base64-encoded).
pub const MAX_VOICEMAIL_SECONDS: u32 = 600;
/// Message limit of a new box, seconds.
pub const DEFAULT_VOICEMAIL_SECONDS: u32 = 120;

/// Columns of [`BoxDbRow`], in order, for `SELECT` lists.
const BOX_COLUMNS: &str = "extension, enabled, email, greeting, delete_after_send, max_seconds";
/// Columns of [`MessageDbRow`], in order, for `SELECT` lists.
const MESSAGE_COLUMNS: &str =
    "id, extension, caller, call_id, path, duration_ms, bytes, created_at, emailed_at, heard";

/// The voicemail box of one extension.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VoicemailBox {
    /// The extension whose unanswered calls the box takes.
    pub extension: Extension,
    /// Whether calls go to the box at all.
    pub enabled: bool,
    /// Where messages are mailed; `None`: the user's own address (see
    /// [`VoicemailBox::mail_to`]).
    pub email: Option<Email>,
    /// A prompt of the tenant played as the greeting; `None`: the built-in greeting.
    pub greeting: Option<PromptName>,
    /// Delete a message's file once it has been mailed (the seed's choice: "so as not to
    /// clog the disk").
    pub delete_after_send: bool,
    /// Longest message, seconds ([`MIN_VOICEMAIL_SECONDS`] to [`MAX_VOICEMAIL_SECONDS`]).
    pub max_seconds: u32,
}

impl VoicemailBox {
    /// An enabled box with no address of its own, the built-in greeting, messages kept after
    /// mailing and at most [`DEFAULT_VOICEMAIL_SECONDS`].
    pub fn new(extension: Extension) -> Self {
        VoicemailBox {
            extension,
            enabled: true,
            email: None,
            greeting: None,
            delete_after_send: false,
            max_seconds: DEFAULT_VOICEMAIL_SECONDS,
        }
    }

    /// `Invalid("max_seconds: ...")` unless the message limit is in range.
    pub fn validate(&self) -> Result<(), StoreError> {
        if !(MIN_VOICEMAIL_SECONDS..=MAX_VOICEMAIL_SECONDS).contains(&self.max_seconds) {
            return Err(StoreError::Invalid(format!(
                "max_seconds: must be {MIN_VOICEMAIL_SECONDS} to {MAX_VOICEMAIL_SECONDS}"
            )));
        }
        Ok(())
    }

    /// Where messages go: the box's own address, else `user_email` (the extension's).
    pub fn mail_to<'a>(&'a self, user_email: Option<&'a Email>) -> Option<&'a Email> {
        self.email.as_ref().or(user_email)
    }
}

/// A message to record, its WAV file already written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewVoicemail {
    /// The box's extension.
    pub extension: Extension,
    /// Who called (caller ID as received).
    pub caller: String,
    /// SIP Call-ID of the call, to find its CDR.
    pub call_id: String,
    /// The WAV file, relative to the data directory (e.g.
    /// `tenants/7/voicemail/1000/42.wav`).
    pub path: String,
    /// Length of the message, milliseconds.
    pub duration_ms: u64,
    /// Size of the file, bytes.
    pub bytes: u64,
    /// When the message was left, unix milliseconds.
    pub created_at: i64,
}

/// A voicemail message as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VoicemailRow {
    /// Row id, unique in the database.
    pub id: i64,
    /// The box's extension.
    pub extension: Extension,
    /// Who called.
    pub caller: String,
    /// SIP Call-ID of the call.
    pub call_id: String,
    /// The WAV file relative to the data directory; `None` once deleted after mailing.
    pub path: Option<String>,
    /// Length, milliseconds.
    pub duration_ms: u64,
    /// Size of the file, bytes.
    pub bytes: u64,
    /// When it was left, unix milliseconds.
    pub created_at: i64,
    /// When it was mailed, unix milliseconds.
    pub emailed_at: Option<i64>,
    /// Whether it has been listened to.
    pub heard: bool,
}

/// A `voicemail_boxes` row as stored.
#[derive(sqlx::FromRow)]
struct BoxDbRow {
    extension: String,
    enabled: bool,
    email: Option<String>,
    greeting: Option<String>,
    delete_after_send: bool,
    max_seconds: i64,
}

impl TryFrom<BoxDbRow> for VoicemailBox {
    type Error = StoreError;
    fn try_from(r: BoxDbRow) -> Result<Self, StoreError> {
        Ok(VoicemailBox {
            extension: parse("voicemail_boxes.extension", &r.extension)?,
            enabled: r.enabled,
            email: r
                .email
                .map(|e| parse("voicemail_boxes.email", &e))
                .transpose()?,
            greeting: r
                .greeting
                .map(|g| parse("voicemail_boxes.greeting", &g))
                .transpose()?,
            delete_after_send: r.delete_after_send,
            max_seconds: u32::try_from(r.max_seconds).map_err(|_| {
                StoreError::Corrupt(format!("voicemail_boxes.max_seconds {}", r.max_seconds))
            })?,
        })
    }
}

/// A `voicemail_messages` row as stored.
#[derive(sqlx::FromRow)]
struct MessageDbRow {
    id: i64,
    extension: String,
    caller: String,
    call_id: String,
    path: Option<String>,
    duration_ms: i64,
    bytes: i64,
    created_at: i64,
    emailed_at: Option<i64>,
    heard: bool,
}

impl TryFrom<MessageDbRow> for VoicemailRow {
    type Error = StoreError;
    fn try_from(r: MessageDbRow) -> Result<Self, StoreError> {
        let count = |column: &str, v: i64| {
            u64::try_from(v)
                .map_err(|_| StoreError::Corrupt(format!("voicemail_messages.{column} {v}")))
        };
        Ok(VoicemailRow {
            id: r.id,
            extension: parse("voicemail_messages.extension", &r.extension)?,
            caller: r.caller,
            call_id: r.call_id,
            path: r.path,
            duration_ms: count("duration_ms", r.duration_ms)?,
            bytes: count("bytes", r.bytes)?,
            created_at: r.created_at,
            emailed_at: r.emailed_at,
            heard: r.heard,
        })
    }
}

/// `Invalid` unless `path` is a plain relative path inside the data directory.
fn check_path(path: &str) -> Result<(), StoreError> {
    let inside = !path.is_empty()
        && !path.contains('\0')
        && Path::new(path)
            .components()
            .all(|c| matches!(c, Component::Normal(_)));
    if inside {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!(
            "voicemail path {path:?}: must be relative to the data directory"
        )))
    }
}

/// A count as an SQLite integer; `Invalid` naming the field beyond `i64::MAX`.
fn sql_count(field: &str, v: u64) -> Result<i64, StoreError> {
    i64::try_from(v).map_err(|_| StoreError::Invalid(format!("{field} {v}")))
}

impl TenantStore {
    /// The voicemail box of extension `ext`, if one was set up.
    pub async fn voicemail_box(&self, ext: &Extension) -> Result<Option<VoicemailBox>, StoreError> {
        let sql = format!(
            "SELECT {BOX_COLUMNS} FROM voicemail_boxes WHERE tenant_id = ? AND extension = ?"
        );
        sqlx::query_as::<_, BoxDbRow>(&sql)
            .bind(self.id.0)
            .bind(ext.as_str())
            .fetch_optional(&self.pool)
            .await?
            .map(VoicemailBox::try_from)
            .transpose()
    }

    /// Every voicemail box of this tenant, ordered by extension (for the server's view of
    /// the tenant).
    pub async fn voicemail_boxes(&self) -> Result<Vec<VoicemailBox>, StoreError> {
        let sql = format!(
            "SELECT {BOX_COLUMNS} FROM voicemail_boxes WHERE tenant_id = ? ORDER BY extension"
        );
        sqlx::query_as::<_, BoxDbRow>(&sql)
            .bind(self.id.0)
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(VoicemailBox::try_from)
            .collect()
    }

    /// Creates or replaces the box of `b.extension`. `Invalid("max_seconds: ...")` out of
    /// range, `NotFound("prompt NAME")` if the greeting is no prompt of this tenant,
    /// `NotFound("extension N")` if the extension (or the tenant) does not exist.
    pub async fn set_voicemail_box(&self, b: &VoicemailBox) -> Result<(), StoreError> {
        b.validate()?;
        let mut tx = write_tx(&self.pool).await?;
        if let Some(greeting) = &b.greeting {
            let found: Option<i64> =
                sqlx::query_scalar("SELECT 1 FROM prompts WHERE tenant_id = ? AND name = ?")
                    .bind(self.id.0)
                    .bind(greeting.as_str())
                    .fetch_optional(&mut *tx)
                    .await?;
            if found.is_none() {
                return Err(StoreError::NotFound(format!("prompt {greeting}")));
            }
        }
        let what = format!("extension {}", b.extension);
        sqlx::query(
            "INSERT INTO voicemail_boxes (tenant_id, extension, enabled, email, greeting, \
             delete_after_send, max_seconds) VALUES (?, ?, ?, ?, ?, ?, ?) \
             ON CONFLICT (tenant_id, extension) DO UPDATE SET enabled = excluded.enabled, \
             email = excluded.email, greeting = excluded.greeting, \
             delete_after_send = excluded.delete_after_send, max_seconds = excluded.max_seconds",
        )
        .bind(self.id.0)
        .bind(b.extension.as_str())
        .bind(b.enabled)
        .bind(b.email.as_ref().map(Email::as_str))
        .bind(b.greeting.as_ref().map(PromptName::as_str))
        .bind(b.delete_after_send)
        .bind(b.max_seconds)
        .execute(&mut *tx)
        .await
        .map_err(|e| constraint(e, &what, &what))?;
        record(&mut tx, self.id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes the box of extension `ext` (calls no longer go to voicemail); its messages
    /// are kept. `NotFound("voicemail box of extension N")` if it has none.
    pub async fn remove_voicemail_box(&self, ext: &Extension) -> Result<(), StoreError> {
        let mut tx = write_tx(&self.pool).await?;
        let done = sqlx::query("DELETE FROM voicemail_boxes WHERE tenant_id = ? AND extension = ?")
            .bind(self.id.0)
            .bind(ext.as_str())
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!(
                "voicemail box of extension {ext}"
            )));
        }
        record(&mut tx, self.id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Message `id` of extension `ext`, if this tenant has it.
    pub async fn voicemail_message(
        &self,
        ext: &Extension,
        id: i64,
    ) -> Result<Option<VoicemailRow>, StoreError> {
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM voicemail_messages \
             WHERE tenant_id = ? AND extension = ? AND id = ?"
        );
        sqlx::query_as::<_, MessageDbRow>(&sql)
            .bind(self.id.0)
            .bind(ext.as_str())
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .map(VoicemailRow::try_from)
            .transpose()
    }

    /// Records a message whose file is already written. `Invalid` if the path would leave
    /// the data directory or a count is beyond `i64::MAX`; `NotFound("tenant ID")` if the
    /// tenant is gone.
    pub async fn add_voicemail(&self, m: &NewVoicemail) -> Result<VoicemailRow, StoreError> {
        check_path(&m.path)?;
        let duration_ms = sql_count("duration_ms", m.duration_ms)?;
        let bytes = sql_count("bytes", m.bytes)?;
        let sql = format!(
            "INSERT INTO voicemail_messages (tenant_id, extension, caller, call_id, path, \
             duration_ms, bytes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) \
             RETURNING {MESSAGE_COLUMNS}"
        );
        let tenant = format!("tenant {}", self.id);
        sqlx::query_as::<_, MessageDbRow>(&sql)
            .bind(self.id.0)
            .bind(m.extension.as_str())
            .bind(&m.caller)
            .bind(&m.call_id)
            .bind(&m.path)
            .bind(duration_ms)
            .bind(bytes)
            .bind(m.created_at)
            .fetch_one(&self.pool)
            .await
            .map_err(|e| constraint(e, &tenant, &tenant))?
            .try_into()
    }

    /// The messages of extension `ext`, newest first.
    pub async fn list_voicemail(&self, ext: &Extension) -> Result<Vec<VoicemailRow>, StoreError> {
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM voicemail_messages \
             WHERE tenant_id = ? AND extension = ? ORDER BY created_at DESC, id DESC"
        );
        sqlx::query_as::<_, MessageDbRow>(&sql)
            .bind(self.id.0)
            .bind(ext.as_str())
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(VoicemailRow::try_from)
            .collect()
    }

    /// Marks message `id` as mailed at `at_ms` (unix ms). With `delete` its path is cleared
    /// and returned, for the caller to delete the file (`None` if it had none left).
    /// `NotFound("voicemail ID")` if this tenant has no such message.
    pub async fn voicemail_emailed(
        &self,
        id: i64,
        at_ms: i64,
        delete: bool,
    ) -> Result<Option<String>, StoreError> {
        let mut tx = write_tx(&self.pool).await?;
        let path: Option<Option<String>> = sqlx::query_scalar(
            "SELECT path FROM voicemail_messages WHERE tenant_id = ? AND id = ?",
        )
        .bind(self.id.0)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(path) = path else {
            return Err(StoreError::NotFound(format!("voicemail {id}")));
        };
        sqlx::query(
            "UPDATE voicemail_messages SET emailed_at = ?, \
             path = CASE WHEN ? THEN NULL ELSE path END WHERE tenant_id = ? AND id = ?",
        )
        .bind(at_ms)
        .bind(delete)
        .bind(self.id.0)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(if delete { path } else { None })
    }

    /// Removes message `id` of extension `ext` and returns its file's path, if it still
    /// had one, for the caller to delete. `NotFound("voicemail ID of extension N")` if
    /// absent.
    pub async fn remove_voicemail(
        &self,
        ext: &Extension,
        id: i64,
    ) -> Result<Option<String>, StoreError> {
        let mut tx = write_tx(&self.pool).await?;
        let path: Option<Option<String>> = sqlx::query_scalar(
            "DELETE FROM voicemail_messages WHERE tenant_id = ? AND extension = ? AND id = ? \
             RETURNING path",
        )
        .bind(self.id.0)
        .bind(ext.as_str())
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let path =
            path.ok_or_else(|| StoreError::NotFound(format!("voicemail {id} of extension {ext}")))?;
        record(&mut tx, self.id).await?;
        tx.commit().await?;
        Ok(path)
    }

    /// Marks message `id` of extension `ext` heard (`true`) or new (`false`) and returns it;
    /// the change-feed row is written in the same transaction, so a running server re-reads
    /// the box's counts and tells subscribed phones. `NotFound("voicemail ID of extension
    /// N")` if absent.
    pub async fn set_voicemail_heard(
        &self,
        ext: &Extension,
        id: i64,
        heard: bool,
    ) -> Result<VoicemailRow, StoreError> {
        let sql = format!(
            "UPDATE voicemail_messages SET heard = ? \
             WHERE tenant_id = ? AND extension = ? AND id = ? RETURNING {MESSAGE_COLUMNS}"
        );
        let mut tx = write_tx(&self.pool).await?;
        let row = sqlx::query_as::<_, MessageDbRow>(&sql)
            .bind(heard)
            .bind(self.id.0)
            .bind(ext.as_str())
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("voicemail {id} of extension {ext}")))?;
        record(&mut tx, self.id).await?;
        tx.commit().await?;
        row.try_into()
    }

    /// `(new, old)`: how many messages of `ext` still kept (with a file) are unheard and
    /// heard, for the message-waiting indication (RFC 3842 `Voice-Message: new/old`).
    pub async fn message_counts(&self, ext: &Extension) -> Result<(u32, u32), StoreError> {
        let (new, old): (i64, i64) = sqlx::query_as(
            "SELECT coalesce(sum(NOT heard), 0), coalesce(sum(heard), 0) \
             FROM voicemail_messages WHERE tenant_id = ? AND extension = ? AND path IS NOT NULL",
        )
        .bind(self.id.0)
        .bind(ext.as_str())
        .fetch_one(&self.pool)
        .await?;
        let count = |v: i64| u32::try_from(v).unwrap_or(u32::MAX);
        Ok((count(new), count(old)))
    }

    /// `(extension, new, old)` of every box of this tenant with messages still kept, as
    /// [`TenantStore::message_counts`] counts them (RFC 3842 message waiting), by extension.
    pub async fn message_counts_by_extension(
        &self,
    ) -> Result<Vec<(Extension, u32, u32)>, StoreError> {
        let rows: Vec<(String, i64, i64)> = sqlx::query_as(
            "SELECT extension, sum(NOT heard), sum(heard) FROM voicemail_messages \
             WHERE tenant_id = ? AND path IS NOT NULL GROUP BY extension ORDER BY extension",
        )
        .bind(self.id.0)
        .fetch_all(&self.pool)
        .await?;
        let count = |v: i64| u32::try_from(v).unwrap_or(u32::MAX);
        rows.into_iter()
            .map(|(ext, new, old)| {
                Ok((
                    parse("voicemail_messages.extension", &ext)?,
                    count(new),
                    count(old),
                ))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{NewPrompt, NewUser, PromptSource, Store};
    use vpbx_model::TenantId;

    fn ext(s: &str) -> Extension {
        s.parse().unwrap()
    }

    fn user(e: &str) -> NewUser {
        NewUser {
            extension: ext(e),
            name: None,
            email: Some("user@a.example".parse().unwrap()),
            ha1_md5: "0".repeat(32),
            ha1_sha256: "0".repeat(64),
            call_limit: None,
            busy_level: None,
        }
    }

    fn message(e: &str, at: i64) -> NewVoicemail {
        NewVoicemail {
            extension: ext(e),
            caller: "+74951234567".into(),
            call_id: format!("call-{at}"),
            path: format!("tenants/1/voicemail/{e}/{at}.wav"),
            duration_ms: 17_000,
            bytes: 272_044,
            created_at: at,
        }
    }

    /// Tenants a (extensions 1000, 1001, prompt `vm-greeting`) and b (extension 1000).
    async fn setup() -> (tempfile::TempDir, Store, TenantStore, TenantStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).await.unwrap();
        let mut handles = Vec::new();
        for domain in ["a.example", "b.example"] {
            let t = store
                .create_tenant(&domain.parse().unwrap(), 1)
                .await
                .unwrap();
            handles.push(store.tenant(t.id));
        }
        let (a, b) = (handles.remove(0), handles.remove(0));
        a.add_users(&[user("1000"), user("1001")], 1).await.unwrap();
        b.add_user(&user("1000"), 1).await.unwrap();
        let prompt = NewPrompt {
            name: "vm-greeting".parse().unwrap(),
            duration_ms: 1000,
            bytes: 16_044,
            source: PromptSource::Upload,
        };
        a.put_prompt(&prompt, false, 1, || Ok(())).await.unwrap();
        (dir, store, a, b)
    }

    #[tokio::test]
    async fn boxes_are_validated_recorded_in_the_feed_and_tenant_scoped() {
        let (_dir, store, a, b) = setup().await;
        assert_eq!(a.voicemail_box(&ext("1000")).await.unwrap(), None);
        let seq = store.change_seq().await.unwrap();
        let mut vm = VoicemailBox::new(ext("1000"));
        vm.greeting = Some("vm-greeting".parse().unwrap());
        vm.delete_after_send = true;
        a.set_voicemail_box(&vm).await.unwrap();
        assert!(store.change_seq().await.unwrap() > seq);
        assert_eq!(
            a.voicemail_box(&ext("1000")).await.unwrap(),
            Some(vm.clone())
        );
        assert_eq!(b.voicemail_box(&ext("1000")).await.unwrap(), None);

        // Replacing keeps one row per extension.
        vm.enabled = false;
        vm.email = Some("vm@a.example".parse().unwrap());
        vm.max_seconds = MAX_VOICEMAIL_SECONDS;
        a.set_voicemail_box(&vm).await.unwrap();
        a.set_voicemail_box(&VoicemailBox::new(ext("1001")))
            .await
            .unwrap();
        let all = a.voicemail_boxes().await.unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0], vm);
        assert!(b.voicemail_boxes().await.unwrap().is_empty());

        // The greeting must be a prompt of this tenant, the extension must exist.
        let other = VoicemailBox {
            greeting: Some("vm-greeting".parse().unwrap()),
            ..VoicemailBox::new(ext("1000"))
        };
        let err = b.set_voicemail_box(&other).await.unwrap_err();
        assert!(
            matches!(&err, StoreError::NotFound(w) if w == "prompt vm-greeting"),
            "{err}"
        );
        let err = a
            .set_voicemail_box(&VoicemailBox::new(ext("1999")))
            .await
            .unwrap_err();
        assert!(
            matches!(&err, StoreError::NotFound(w) if w == "extension 1999"),
            "{err}"
        );
        for bad in [0, 4, MAX_VOICEMAIL_SECONDS + 1] {
            let b2 = VoicemailBox {
                max_seconds: bad,
                ..VoicemailBox::new(ext("1000"))
            };
            let err = a.set_voicemail_box(&b2).await.unwrap_err().to_string();
            assert!(err.contains("max_seconds"), "{err}");
        }
        assert_eq!(a.voicemail_box(&ext("1000")).await.unwrap(), Some(vm));

        // The box goes with its extension.
        a.remove_user(&ext("1001")).await.unwrap();
        assert_eq!(a.voicemail_box(&ext("1001")).await.unwrap(), None);

        // A box is removed on its own, in the feed, only by its tenant.
        let seq = store.change_seq().await.unwrap();
        assert!(matches!(
            b.remove_voicemail_box(&ext("1000")).await,
            Err(StoreError::NotFound(_))
        ));
        a.remove_voicemail_box(&ext("1000")).await.unwrap();
        assert!(store.change_seq().await.unwrap() > seq);
        assert_eq!(a.voicemail_box(&ext("1000")).await.unwrap(), None);
        let err = a.remove_voicemail_box(&ext("1000")).await.unwrap_err();
        assert!(
            matches!(&err, StoreError::NotFound(w) if w == "voicemail box of extension 1000"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn one_message_is_found_only_by_its_tenant_and_extension() {
        let (_dir, _store, a, b) = setup().await;
        let m = a.add_voicemail(&message("1000", 1)).await.unwrap();
        assert_eq!(
            a.voicemail_message(&ext("1000"), m.id).await.unwrap(),
            Some(m.clone())
        );
        assert_eq!(a.voicemail_message(&ext("1001"), m.id).await.unwrap(), None);
        assert_eq!(b.voicemail_message(&ext("1000"), m.id).await.unwrap(), None);
    }

    #[test]
    fn mail_to_falls_back_to_the_users_address() {
        let user: Email = "user@a.example".parse().unwrap();
        let mut vm = VoicemailBox::new(ext("1000"));
        assert_eq!(vm.mail_to(Some(&user)), Some(&user));
        assert_eq!(vm.mail_to(None), None);
        let own: Email = "vm@a.example".parse().unwrap();
        vm.email = Some(own.clone());
        assert_eq!(vm.mail_to(Some(&user)), Some(&own));
    }

    #[tokio::test]
    async fn messages_are_listed_mailed_counted_and_removed() {
        let (_dir, _store, a, b) = setup().await;
        let first = a.add_voicemail(&message("1000", 1_000)).await.unwrap();
        let second = a.add_voicemail(&message("1000", 2_000)).await.unwrap();
        a.add_voicemail(&message("1001", 3_000)).await.unwrap();
        assert_eq!(first.emailed_at, None);
        assert!(!first.heard);
        assert_eq!(
            first.path.as_deref(),
            Some("tenants/1/voicemail/1000/1000.wav")
        );
        let listed = a.list_voicemail(&ext("1000")).await.unwrap();
        assert_eq!(
            listed.iter().map(|m| m.id).collect::<Vec<_>>(),
            [second.id, first.id]
        );
        assert!(b.list_voicemail(&ext("1000")).await.unwrap().is_empty());
        assert_eq!(a.message_counts(&ext("1000")).await.unwrap(), (2, 0));
        assert_eq!(b.message_counts(&ext("1000")).await.unwrap(), (0, 0));

        // Mailed and kept: the path stays and nothing is handed back.
        assert_eq!(
            a.voicemail_emailed(first.id, 5_000, false).await.unwrap(),
            None
        );
        // Mailed and deleted: the path is handed back once and cleared.
        assert_eq!(
            a.voicemail_emailed(second.id, 6_000, true).await.unwrap(),
            second.path
        );
        assert_eq!(
            a.voicemail_emailed(second.id, 7_000, true).await.unwrap(),
            None
        );
        let listed = a.list_voicemail(&ext("1000")).await.unwrap();
        assert_eq!(
            (listed[0].path.clone(), listed[0].emailed_at),
            (None, Some(7_000))
        );
        assert_eq!(listed[1].emailed_at, Some(5_000));
        assert_eq!(a.message_counts(&ext("1000")).await.unwrap(), (1, 0));
        assert!(matches!(
            b.voicemail_emailed(first.id, 1, true).await,
            Err(StoreError::NotFound(w)) if w == format!("voicemail {}", first.id)
        ));

        // Removal hands back the path; another tenant or extension cannot remove it.
        assert!(matches!(
            b.remove_voicemail(&ext("1000"), first.id).await,
            Err(StoreError::NotFound(_))
        ));
        assert!(a.remove_voicemail(&ext("1001"), first.id).await.is_err());
        assert_eq!(
            a.remove_voicemail(&ext("1000"), first.id).await.unwrap(),
            first.path
        );
        assert_eq!(
            a.remove_voicemail(&ext("1000"), second.id).await.unwrap(),
            None
        );
        assert!(a.list_voicemail(&ext("1000")).await.unwrap().is_empty());
        assert_eq!(a.list_voicemail(&ext("1001")).await.unwrap().len(), 1);
    }

    #[tokio::test]
    async fn paths_stay_inside_the_data_directory_and_a_gone_tenant_is_not_found() {
        let (_dir, store, a, _b) = setup().await;
        for bad in [
            "",
            "/etc/passwd",
            "../x.wav",
            "tenants/../../x.wav",
            "./x.wav",
        ] {
            let m = NewVoicemail {
                path: bad.into(),
                ..message("1000", 1)
            };
            let err = a.add_voicemail(&m).await.unwrap_err();
            assert!(matches!(err, StoreError::Invalid(_)), "{bad}: {err}");
        }
        let gone = store.tenant(TenantId(999));
        let err = gone.add_voicemail(&message("1000", 1)).await.unwrap_err();
        assert!(
            matches!(&err, StoreError::NotFound(w) if w == "tenant 999"),
            "{err}"
        );
        store
            .delete_tenant(&"a.example".parse().unwrap())
            .await
            .unwrap();
        assert!(a.voicemail_boxes().await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn messages_are_marked_heard_and_new_in_the_feed_and_tenant_scoped() {
        let (_dir, store, a, b) = setup().await;
        let m = a.add_voicemail(&message("1000", 1_000)).await.unwrap();
        a.add_voicemail(&message("1000", 2_000)).await.unwrap();
        assert_eq!(a.message_counts(&ext("1000")).await.unwrap(), (2, 0));
        let seq = store.change_seq().await.unwrap();
        let heard = a
            .set_voicemail_heard(&ext("1000"), m.id, true)
            .await
            .unwrap();
        assert!(heard.heard);
        assert_eq!(heard.id, m.id);
        assert!(store.change_seq().await.unwrap() > seq);
        assert_eq!(a.message_counts(&ext("1000")).await.unwrap(), (1, 1));
        assert_eq!(
            a.message_counts_by_extension().await.unwrap(),
            [(ext("1000"), 1, 1)]
        );

        // Only its tenant and extension reach it; a miss changes nothing.
        let seq = store.change_seq().await.unwrap();
        for err in [
            b.set_voicemail_heard(&ext("1000"), m.id, false).await,
            a.set_voicemail_heard(&ext("1001"), m.id, false).await,
            a.set_voicemail_heard(&ext("1000"), 9_999, false).await,
        ] {
            assert!(matches!(err, Err(StoreError::NotFound(_))), "{err:?}");
        }
        assert_eq!(store.change_seq().await.unwrap(), seq);
        assert_eq!(a.message_counts(&ext("1000")).await.unwrap(), (1, 1));

        let new = a
            .set_voicemail_heard(&ext("1000"), m.id, false)
            .await
            .unwrap();
        assert!(!new.heard);
        assert!(store.change_seq().await.unwrap() > seq);
        assert_eq!(a.message_counts(&ext("1000")).await.unwrap(), (2, 0));
    }

    #[tokio::test]
    async fn counts_by_extension_and_removals_recorded_in_the_feed() {
        let (_dir, store, a, b) = setup().await;
        let first = a.add_voicemail(&message("1000", 1_000)).await.unwrap();
        a.add_voicemail(&message("1000", 2_000)).await.unwrap();
        a.add_voicemail(&message("1001", 3_000)).await.unwrap();
        b.add_voicemail(&message("1000", 4_000)).await.unwrap();
        assert_eq!(
            a.message_counts_by_extension().await.unwrap(),
            [(ext("1000"), 2, 0), (ext("1001"), 1, 0)]
        );
        let seq = store.change_seq().await.unwrap();
        a.remove_voicemail(&ext("1000"), first.id).await.unwrap();
        assert!(store.change_seq().await.unwrap() > seq);
        let seq = store.change_seq().await.unwrap();
        assert!(a.remove_voicemail(&ext("1000"), first.id).await.is_err());
        assert_eq!(
            store.change_seq().await.unwrap(),
            seq,
            "nothing removed, no change"
        );
        assert_eq!(
            a.message_counts_by_extension().await.unwrap(),
            [(ext("1000"), 1, 0), (ext("1001"), 1, 0)]
        );
        assert_eq!(
            b.message_counts_by_extension().await.unwrap(),
            [(ext("1000"), 1, 0)]
        );
    }
}
