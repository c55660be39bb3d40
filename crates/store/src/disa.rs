//! DISA settings (issue 5 item 7; seed 000 §4.6: `options.disa_enabled` for the tenant,
//! then `users.disa_enabled` for each user): the tenant's switch, and the users allowed to
//! dial out through DISA, each with its PIN hash.
//!
//! Invariants: every statement binds `tenant_id = ?` to the handle's tenant; a user's DISA
//! row exists only for an existing extension and goes with it (foreign key, cascade); only
//! hashes are stored, never a PIN; every write records a change-feed row, so a running
//! server uses the new settings for the next call.

use crate::changes::record;
use crate::error::constraint;
use crate::store::write_tx;
use crate::{StoreError, TenantStore};
use std::collections::HashMap;
use vpbx_model::Extension;

impl TenantStore {
    /// Whether the tenant has DISA switched on (off when never set).
    pub async fn disa_enabled(&self) -> Result<bool, StoreError> {
        let on: Option<bool> = sqlx::query_scalar("SELECT enabled FROM disa WHERE tenant_id = ?")
            .bind(self.id.0)
            .fetch_optional(&self.pool)
            .await?;
        Ok(on.unwrap_or(false))
    }

    /// Switches DISA on or off for the tenant; `NotFound("tenant ID")` if it is gone.
    pub async fn set_disa_enabled(&self, enabled: bool) -> Result<(), StoreError> {
        let mut tx = write_tx(&self.pool).await?;
        let tenant = format!("tenant {}", self.id);
        sqlx::query(
            "INSERT INTO disa (tenant_id, enabled) VALUES (?, ?) \
             ON CONFLICT (tenant_id) DO UPDATE SET enabled = excluded.enabled",
        )
        .bind(self.id.0)
        .bind(enabled)
        .execute(&mut *tx)
        .await
        .map_err(|e| constraint(e, &tenant, &tenant))?;
        record(&mut tx, self.id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Allows `ext` to use DISA with the PIN whose hash is `pin_hash`, or with `None` takes
    /// the permission away; `NotFound("extension N")` if there is no such extension.
    pub async fn set_disa_pin(
        &self,
        ext: &Extension,
        pin_hash: Option<&str>,
    ) -> Result<(), StoreError> {
        let mut tx = write_tx(&self.pool).await?;
        let what = format!("extension {ext}");
        match pin_hash {
            Some(hash) => {
                sqlx::query(
                    "INSERT INTO disa_users (tenant_id, extension, pin_hash) VALUES (?, ?, ?) \
                     ON CONFLICT (tenant_id, extension) DO UPDATE SET pin_hash = excluded.pin_hash",
                )
                .bind(self.id.0)
                .bind(ext.as_str())
                .bind(hash)
                .execute(&mut *tx)
                .await
                .map_err(|e| constraint(e, &what, &what))?;
            }
            None => {
                let known: Option<i64> =
                    sqlx::query_scalar("SELECT 1 FROM users WHERE tenant_id = ? AND extension = ?")
                        .bind(self.id.0)
                        .bind(ext.as_str())
                        .fetch_optional(&mut *tx)
                        .await?;
                if known.is_none() {
                    return Err(StoreError::NotFound(what));
                }
                sqlx::query("DELETE FROM disa_users WHERE tenant_id = ? AND extension = ?")
                    .bind(self.id.0)
                    .bind(ext.as_str())
                    .execute(&mut *tx)
                    .await?;
            }
        }
        record(&mut tx, self.id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The PIN hash of every user allowed to use DISA, by extension.
    pub async fn disa_pins(&self) -> Result<HashMap<String, String>, StoreError> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT extension, pin_hash FROM disa_users WHERE tenant_id = ? ORDER BY extension",
        )
        .bind(self.id.0)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use crate::{NewUser, Store};

    #[tokio::test]
    async fn switch_and_pins_round_trip_and_go_with_the_user() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).await.unwrap();
        let t = store
            .create_tenant(&"a.example".parse().unwrap(), 1)
            .await
            .unwrap();
        let ts = store.tenant(t.id);
        let ext = "1001".parse().unwrap();
        let user = NewUser {
            extension: "1001".parse().unwrap(),
            name: None,
            email: None,
            ha1_md5: "0".repeat(32),
            ha1_sha256: "0".repeat(64),
            call_limit: None,
            busy_level: None,
        };
        ts.add_user(&user, 1).await.unwrap();

        assert!(!ts.disa_enabled().await.unwrap());
        ts.set_disa_enabled(true).await.unwrap();
        assert!(ts.disa_enabled().await.unwrap());
        ts.set_disa_enabled(false).await.unwrap();
        assert!(!ts.disa_enabled().await.unwrap());

        ts.set_disa_pin(&ext, Some("abc")).await.unwrap();
        ts.set_disa_pin(&ext, Some("def")).await.unwrap();
        assert_eq!(ts.disa_pins().await.unwrap()["1001"], "def");
        let other = "4444".parse().unwrap();
        for pin in [Some("abc"), None] {
            let err = ts.set_disa_pin(&other, pin).await.unwrap_err();
            assert!(err.to_string().contains("extension 4444"), "{err}");
        }
        ts.set_disa_pin(&ext, None).await.unwrap();
        assert!(ts.disa_pins().await.unwrap().is_empty());
        ts.set_disa_pin(&ext, Some("abc")).await.unwrap();
        ts.remove_user(&ext).await.unwrap();
        assert!(ts.disa_pins().await.unwrap().is_empty());
    }
}
