//! API tokens and web sessions of accounts (issue 6): the two ways a request proves who
//! it comes from.
//!
//! Invariants: only SHA-256 hashes (hex) of tokens and session ids are stored, so the
//! database never holds a usable credential; a hash is unique; tokens and sessions go
//! with their account (ON DELETE CASCADE); a session is valid only while `expires_at` is
//! after the `now` the caller passes, and expired ones are deleted whenever a session is
//! created.

use crate::accounts::{AccountDbRow, ACCOUNT_COLUMNS, ACCOUNT_FROM};
use crate::error::constraint;
use crate::rows::parse;
use crate::store::write_tx;
use crate::{Account, AccountName, Store, StoreError};
use serde::Serialize;

/// Longest token label accepted.
const MAX_LABEL: usize = 64;

/// A stored API token (without its hash).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TokenRow {
    /// Row id, used to revoke the token.
    pub id: i64,
    /// The account the token acts as.
    pub account: AccountName,
    /// A label to recognise the token by.
    pub name: String,
    /// Creation time, unix seconds.
    pub created_at: i64,
}

/// A token row joined with its account's name.
#[derive(sqlx::FromRow)]
struct TokenDbRow {
    id: i64,
    account: String,
    name: String,
    created_at: i64,
}

impl TryFrom<TokenDbRow> for TokenRow {
    type Error = StoreError;
    fn try_from(r: TokenDbRow) -> Result<Self, StoreError> {
        Ok(TokenRow {
            id: r.id,
            account: parse("accounts.name", &r.account)?,
            name: r.name,
            created_at: r.created_at,
        })
    }
}

impl Store {
    /// Stores a token of `account` by the SHA-256 hex `hash` of its value. `Invalid` for a
    /// label that is empty, longer than 64 characters or has control characters,
    /// `NotFound("account NAME")` if the account is absent.
    pub async fn add_token(
        &self,
        account: &AccountName,
        label: &str,
        hash: &str,
        now: i64,
    ) -> Result<TokenRow, StoreError> {
        if label.is_empty()
            || label.chars().count() > MAX_LABEL
            || label.chars().any(char::is_control)
        {
            return Err(StoreError::Invalid(format!(
                "token name {label:?}: 1 to {MAX_LABEL} printable characters"
            )));
        }
        let mut tx = write_tx(&self.pool).await?;
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO api_tokens (account_id, name, hash, created_at) \
             SELECT id, ?, ?, ? FROM accounts WHERE name = ? RETURNING id",
        )
        .bind(label)
        .bind(hash)
        .bind(now)
        .bind(account.as_str())
        .fetch_optional(&mut *tx)
        .await
        .map_err(|e| constraint(e, "token", &format!("account {account}")))?;
        let id = id.ok_or_else(|| StoreError::NotFound(format!("account {account}")))?;
        tx.commit().await?;
        Ok(TokenRow {
            id,
            account: account.clone(),
            name: label.to_owned(),
            created_at: now,
        })
    }

    /// Tokens of `account` (every account's when `None`), ordered by id.
    pub async fn list_tokens(
        &self,
        account: Option<&AccountName>,
    ) -> Result<Vec<TokenRow>, StoreError> {
        sqlx::query_as::<_, TokenDbRow>(
            "SELECT k.id, a.name AS account, k.name, k.created_at \
             FROM api_tokens AS k JOIN accounts AS a ON a.id = k.account_id \
             WHERE ? IS NULL OR a.name = ? ORDER BY k.id",
        )
        .bind(account.map(AccountName::as_str))
        .bind(account.map(AccountName::as_str))
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(TokenRow::try_from)
        .collect()
    }

    /// Revokes token `id`; `NotFound("token ID")` if absent.
    pub async fn revoke_token(&self, id: i64) -> Result<(), StoreError> {
        let mut tx = write_tx(&self.pool).await?;
        let done = sqlx::query("DELETE FROM api_tokens WHERE id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("token {id}")));
        }
        tx.commit().await?;
        Ok(())
    }

    /// The account whose token hashes to `hash`, if any.
    pub async fn account_by_token(&self, hash: &str) -> Result<Option<Account>, StoreError> {
        let sql = format!(
            "SELECT {ACCOUNT_COLUMNS} FROM {ACCOUNT_FROM} \
             JOIN api_tokens AS k ON k.account_id = a.id WHERE k.hash = ?"
        );
        sqlx::query_as::<_, AccountDbRow>(&sql)
            .bind(hash)
            .fetch_optional(&self.pool)
            .await?
            .map(Account::try_from)
            .transpose()
    }

    /// Stores a web session of account `account_id` by the SHA-256 hex `hash` of its id,
    /// valid until `expires_at` (unix seconds); sessions expired at `now` are deleted.
    pub async fn create_session(
        &self,
        hash: &str,
        account_id: i64,
        expires_at: i64,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut tx = write_tx(&self.pool).await?;
        sqlx::query("DELETE FROM sessions WHERE expires_at <= ?")
            .bind(now)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO sessions (hash, account_id, expires_at) VALUES (?, ?, ?)")
            .bind(hash)
            .bind(account_id)
            .bind(expires_at)
            .execute(&mut *tx)
            .await
            .map_err(|e| constraint(e, "session", &format!("account {account_id}")))?;
        tx.commit().await?;
        Ok(())
    }

    /// The account of the session hashing to `hash`, if it exists and has not expired at
    /// `now`.
    pub async fn account_by_session(
        &self,
        hash: &str,
        now: i64,
    ) -> Result<Option<Account>, StoreError> {
        let sql = format!(
            "SELECT {ACCOUNT_COLUMNS} FROM {ACCOUNT_FROM} \
             JOIN sessions AS s ON s.account_id = a.id WHERE s.hash = ? AND s.expires_at > ?"
        );
        sqlx::query_as::<_, AccountDbRow>(&sql)
            .bind(hash)
            .bind(now)
            .fetch_optional(&self.pool)
            .await?
            .map(Account::try_from)
            .transpose()
    }

    /// Ends the session hashing to `hash` (nothing happens if there is none).
    pub async fn delete_session(&self, hash: &str) -> Result<(), StoreError> {
        let mut tx = write_tx(&self.pool).await?;
        sqlx::query("DELETE FROM sessions WHERE hash = ?")
            .bind(hash)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::{NewAccount, Role, Store, StoreError};

    #[tokio::test]
    async fn tokens_and_sessions_resolve_to_their_account() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).await.unwrap();
        let name = "root".parse().unwrap();
        let root = store
            .add_account(
                &NewAccount {
                    name,
                    password_hash: "h".into(),
                    role: Role::Platform,
                    tenant: None,
                    extension: None,
                },
                1,
            )
            .await
            .unwrap();
        let token = store.add_token(&root.name, "ci", "abc", 2).await.unwrap();
        assert_eq!(
            store.account_by_token("abc").await.unwrap().map(|a| a.id),
            Some(root.id)
        );
        assert!(store.account_by_token("abd").await.unwrap().is_none());
        assert_eq!(
            store.list_tokens(Some(&root.name)).await.unwrap(),
            vec![token.clone()]
        );
        assert!(matches!(
            store.add_token(&root.name, "", "x", 2).await,
            Err(StoreError::Invalid(_))
        ));
        store.revoke_token(token.id).await.unwrap();
        assert!(store.account_by_token("abc").await.unwrap().is_none());
        assert!(store.revoke_token(token.id).await.is_err());

        store.create_session("s1", root.id, 100, 10).await.unwrap();
        assert!(store.account_by_session("s1", 99).await.unwrap().is_some());
        assert!(store.account_by_session("s1", 100).await.unwrap().is_none());
        store.delete_session("s1").await.unwrap();
        assert!(store.account_by_session("s1", 50).await.unwrap().is_none());
    }
}
