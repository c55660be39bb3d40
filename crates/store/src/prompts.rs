//! A tenant's voice prompts (issue 5 item 2): the metadata of each announcement —
//! duration, size, whether it was uploaded or synthesized (and from what text and voice).
//! The audio is a file the caller keeps next to the database; the store only runs the
//! caller's file step inside the write transaction, so the row and the file change
//! together.
//!
//! Invariants: every statement binds `tenant_id = ?` to the handle's tenant; every write
//! records a change-feed row for the tenant in its transaction; the caller's file step runs
//! while the database write lock is held, after the row is written and before the commit,
//! and its failure rolls the row back — so two writers of the same prompt never interleave
//! their file and row changes; a synthesized prompt always has its text and voice, an
//! uploaded one neither.

use crate::changes::record;
use crate::error::constraint;
use crate::rows::parse;
use crate::store::write_tx;
use crate::{StoreError, TenantStore};
use serde::Serialize;
use vpbx_model::PromptName;

/// Columns of [`PromptDbRow`], in order, for `SELECT` lists.
const PROMPT_COLUMNS: &str = "id, name, duration_ms, bytes, source, text, voice, created_at";

/// Where a prompt's audio came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase", tag = "source")]
pub enum PromptSource {
    /// A WAV file uploaded by an administrator.
    Upload,
    /// Speech synthesized from text.
    Tts {
        /// The text spoken.
        text: String,
        /// The synthesizer voice (e.g. `en`, `ru`).
        voice: String,
    },
}

impl PromptSource {
    /// `upload` or `tts`, as stored in `prompts.source`.
    pub fn kind(&self) -> &'static str {
        match self {
            PromptSource::Upload => "upload",
            PromptSource::Tts { .. } => "tts",
        }
    }

    /// The text and voice of a synthesized prompt.
    fn text_voice(&self) -> (Option<&str>, Option<&str>) {
        match self {
            PromptSource::Upload => (None, None),
            PromptSource::Tts { text, voice } => (Some(text), Some(voice)),
        }
    }
}

/// A prompt to store, or the new audio of an existing one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewPrompt {
    /// Name, unique within the tenant.
    pub name: PromptName,
    /// Length of the audio, milliseconds.
    pub duration_ms: u64,
    /// Size of the stored audio file, bytes.
    pub bytes: u64,
    /// Upload or synthesized text.
    pub source: PromptSource,
}

/// A prompt of a tenant as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PromptRow {
    /// Row id.
    pub id: i64,
    /// Name, unique within the tenant.
    pub name: PromptName,
    /// Length of the audio, milliseconds.
    pub duration_ms: u64,
    /// Size of the stored audio file, bytes.
    pub bytes: u64,
    /// Upload or synthesized text (serialized flat: `source`, and `text`, `voice`).
    #[serde(flatten)]
    pub source: PromptSource,
    /// When the current audio was stored, unix seconds.
    pub created_at: i64,
}

/// A `prompts` row as stored.
#[derive(sqlx::FromRow)]
struct PromptDbRow {
    id: i64,
    name: String,
    duration_ms: i64,
    bytes: i64,
    source: String,
    text: Option<String>,
    voice: Option<String>,
    created_at: i64,
}

impl TryFrom<PromptDbRow> for PromptRow {
    type Error = StoreError;
    fn try_from(r: PromptDbRow) -> Result<Self, StoreError> {
        let count = |column: &str, v: i64| {
            u64::try_from(v).map_err(|_| StoreError::Corrupt(format!("prompts.{column} {v}")))
        };
        let source = match (r.source.as_str(), r.text, r.voice) {
            ("upload", None, None) => PromptSource::Upload,
            ("tts", Some(text), Some(voice)) => PromptSource::Tts { text, voice },
            (other, _, _) => {
                return Err(StoreError::Corrupt(format!(
                    "prompts.source {other:?} with text/voice mismatch"
                )))
            }
        };
        Ok(PromptRow {
            id: r.id,
            name: parse("prompts.name", &r.name)?,
            duration_ms: count("duration_ms", r.duration_ms)?,
            bytes: count("bytes", r.bytes)?,
            source,
            created_at: r.created_at,
        })
    }
}

/// A count as an SQLite integer; `Invalid` naming the field beyond `i64::MAX`.
fn sql_count(field: &str, v: u64) -> Result<i64, StoreError> {
    i64::try_from(v).map_err(|_| StoreError::Invalid(format!("{field} {v}")))
}

impl TenantStore {
    /// Stores prompt `prompt` and runs `install` (which puts its audio file in place) in
    /// the same write transaction, after the row is written and before the commit; an
    /// `install` error rolls the row back and is returned as `Io`. With `replace` an
    /// existing prompt of that name gets the new metadata, else it is
    /// `AlreadyExists("prompt NAME")` and `install` is not run. `NotFound("tenant ID")` if
    /// the tenant is gone. Returns the row and whether it was created (not replaced).
    pub async fn put_prompt(
        &self,
        prompt: &NewPrompt,
        replace: bool,
        now: i64,
        install: impl FnOnce() -> std::io::Result<()>,
    ) -> Result<(PromptRow, bool), StoreError> {
        let duration_ms = sql_count("duration", prompt.duration_ms)?;
        let bytes = sql_count("bytes", prompt.bytes)?;
        let (text, voice) = prompt.source.text_voice();
        let mut tx = write_tx(&self.pool).await?;
        let existing: Option<i64> =
            sqlx::query_scalar("SELECT id FROM prompts WHERE tenant_id = ? AND name = ?")
                .bind(self.id.0)
                .bind(prompt.name.as_str())
                .fetch_optional(&mut *tx)
                .await?;
        let what = format!("prompt {}", prompt.name);
        if existing.is_some() && !replace {
            return Err(StoreError::AlreadyExists(what));
        }
        let sql = format!(
            "INSERT INTO prompts (tenant_id, name, duration_ms, bytes, source, text, voice, \
             created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) \
             ON CONFLICT (tenant_id, name) DO UPDATE SET duration_ms = excluded.duration_ms, \
             bytes = excluded.bytes, source = excluded.source, text = excluded.text, \
             voice = excluded.voice, created_at = excluded.created_at \
             RETURNING {PROMPT_COLUMNS}"
        );
        let row = sqlx::query_as::<_, PromptDbRow>(&sql)
            .bind(self.id.0)
            .bind(prompt.name.as_str())
            .bind(duration_ms)
            .bind(bytes)
            .bind(prompt.source.kind())
            .bind(text)
            .bind(voice)
            .bind(now)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| constraint(e, &what, &format!("tenant {}", self.id)))?;
        let row = PromptRow::try_from(row)?;
        install()?;
        record(&mut tx, self.id).await?;
        tx.commit().await?;
        Ok((row, existing.is_none()))
    }

    /// Removes prompt `name` and runs `uninstall` (which removes its audio file) in the
    /// same write transaction before the commit; an `uninstall` error keeps the row and is
    /// returned as `Io`. `NotFound("prompt NAME")` if absent in this tenant (`uninstall`
    /// is not run).
    pub async fn remove_prompt(
        &self,
        name: &PromptName,
        uninstall: impl FnOnce() -> std::io::Result<()>,
    ) -> Result<(), StoreError> {
        let mut tx = write_tx(&self.pool).await?;
        let done = sqlx::query("DELETE FROM prompts WHERE tenant_id = ? AND name = ?")
            .bind(self.id.0)
            .bind(name.as_str())
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("prompt {name}")));
        }
        uninstall()?;
        record(&mut tx, self.id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Prompt `name` of this tenant, if any.
    pub async fn get_prompt(&self, name: &PromptName) -> Result<Option<PromptRow>, StoreError> {
        let sql = format!("SELECT {PROMPT_COLUMNS} FROM prompts WHERE tenant_id = ? AND name = ?");
        sqlx::query_as::<_, PromptDbRow>(&sql)
            .bind(self.id.0)
            .bind(name.as_str())
            .fetch_optional(&self.pool)
            .await?
            .map(PromptRow::try_from)
            .transpose()
    }

    /// This tenant's prompts, ordered by name.
    pub async fn list_prompts(&self) -> Result<Vec<PromptRow>, StoreError> {
        let sql = format!("SELECT {PROMPT_COLUMNS} FROM prompts WHERE tenant_id = ? ORDER BY name");
        sqlx::query_as::<_, PromptDbRow>(&sql)
            .bind(self.id.0)
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(PromptRow::try_from)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;
    use std::cell::Cell;
    use vpbx_model::TenantId;

    fn upload(name: &str, duration_ms: u64) -> NewPrompt {
        NewPrompt {
            name: name.parse().unwrap(),
            duration_ms,
            bytes: duration_ms * 16 + 44,
            source: PromptSource::Upload,
        }
    }

    async fn two_tenants() -> (tempfile::TempDir, Store, TenantStore, TenantStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).await.unwrap();
        let a = store
            .create_tenant(&"a.example".parse().unwrap(), 1)
            .await
            .unwrap();
        let b = store
            .create_tenant(&"b.example".parse().unwrap(), 1)
            .await
            .unwrap();
        let (ta, tb) = (store.tenant(a.id), store.tenant(b.id));
        (dir, store, ta, tb)
    }

    #[tokio::test]
    async fn put_list_get_remove_are_tenant_scoped() {
        let (_dir, store, a, b) = two_tenants().await;
        let seq = store.change_seq().await.unwrap();
        let ran = Cell::new(0);
        let (row, created) = a
            .put_prompt(&upload("welcome", 1500), false, 10, || {
                ran.set(ran.get() + 1);
                Ok(())
            })
            .await
            .unwrap();
        assert!(created);
        assert_eq!(ran.get(), 1);
        assert_eq!(
            (row.name.as_str(), row.duration_ms, row.created_at),
            ("welcome", 1500, 10)
        );
        assert!(store.change_seq().await.unwrap() > seq);
        let tts = NewPrompt {
            source: PromptSource::Tts {
                text: "Hello".into(),
                voice: "en".into(),
            },
            ..upload("hello", 800)
        };
        a.put_prompt(&tts, false, 11, || Ok(())).await.unwrap();

        let names: Vec<String> = a
            .list_prompts()
            .await
            .unwrap()
            .into_iter()
            .map(|p| p.name.to_string())
            .collect();
        assert_eq!(names, ["hello", "welcome"]);
        assert!(b.list_prompts().await.unwrap().is_empty());
        let name: PromptName = "welcome".parse().unwrap();
        assert!(b.get_prompt(&name).await.unwrap().is_none());
        assert_eq!(
            a.get_prompt(&"hello".parse().unwrap())
                .await
                .unwrap()
                .map(|p| p.source),
            Some(tts.source.clone())
        );

        // Another tenant may use the same name; removing there does not touch a's.
        b.put_prompt(&upload("welcome", 10), false, 12, || Ok(()))
            .await
            .unwrap();
        b.remove_prompt(&name, || Ok(())).await.unwrap();
        assert!(a.get_prompt(&name).await.unwrap().is_some());
        assert!(matches!(
            b.remove_prompt(&name, || panic!("not run")).await,
            Err(StoreError::NotFound(w)) if w == "prompt welcome"
        ));
        a.remove_prompt(&name, || Ok(())).await.unwrap();
        assert_eq!(a.list_prompts().await.unwrap().len(), 1);
    }

    #[tokio::test]
    async fn replace_only_when_asked() {
        let (_dir, _store, a, _b) = two_tenants().await;
        a.put_prompt(&upload("menu", 1000), false, 1, || Ok(()))
            .await
            .unwrap();
        let again = a
            .put_prompt(&upload("menu", 2000), false, 2, || panic!("not run"))
            .await;
        assert!(matches!(again, Err(StoreError::AlreadyExists(w)) if w == "prompt menu"));
        let (row, created) = a
            .put_prompt(&upload("menu", 2000), true, 3, || Ok(()))
            .await
            .unwrap();
        assert!(!created);
        assert_eq!((row.duration_ms, row.created_at), (2000, 3));
        assert_eq!(a.list_prompts().await.unwrap().len(), 1);
    }

    #[tokio::test]
    async fn a_failed_file_step_rolls_back() {
        let (_dir, _store, a, _b) = two_tenants().await;
        let failed = a
            .put_prompt(&upload("x", 10), false, 1, || {
                Err(std::io::Error::other("disk full"))
            })
            .await;
        assert!(matches!(failed, Err(StoreError::Io(_))));
        assert!(a.list_prompts().await.unwrap().is_empty());

        a.put_prompt(&upload("x", 10), false, 1, || Ok(()))
            .await
            .unwrap();
        let name = "x".parse().unwrap();
        let failed = a
            .remove_prompt(&name, || Err(std::io::Error::other("busy")))
            .await;
        assert!(matches!(failed, Err(StoreError::Io(_))));
        assert!(a.get_prompt(&name).await.unwrap().is_some());
    }

    #[tokio::test]
    async fn deleting_the_tenant_removes_its_rows_and_a_gone_tenant_is_not_found() {
        let (_dir, store, a, _b) = two_tenants().await;
        a.put_prompt(&upload("x", 10), false, 1, || Ok(()))
            .await
            .unwrap();
        store
            .delete_tenant(&"a.example".parse().unwrap())
            .await
            .unwrap();
        assert!(a.list_prompts().await.unwrap().is_empty());
        let gone = store.tenant(TenantId(999));
        let r = gone
            .put_prompt(&upload("x", 10), false, 1, || panic!("not run"))
            .await;
        assert!(matches!(r, Err(StoreError::NotFound(_))));
    }
}
