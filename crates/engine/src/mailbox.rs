//! Message counts of voicemail boxes for message waiting indication (RFC 3842): the
//! shared view the SIP core reads when a phone subscribes, and the feed that turns store
//! changes into [`MailboxUpdate`]s for the shards (a stored message, a message mailed and
//! deleted, a message removed by the CLI through the change feed).
//!
//! Invariants: the view is changed before its update is sent, so a shard that handles a
//! SUBSCRIBE after the change reads the new counts and one that handles it before gets the
//! update; only boxes with messages are kept (absent means 0/0); an update is sent only
//! when a box's counts really changed.

use crate::core::{MailboxUpdate, MessageCounts};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc::UnboundedSender;
use vpbx_model::{Extension, TenantId};
use vpbx_store::{Store, StoreError};

/// Counts per (tenant, extension) of every box with messages (RFC 3842 §5.2 `new/old`).
#[derive(Default)]
pub struct Mailboxes {
    counts: Mutex<HashMap<(TenantId, String), MessageCounts>>,
}

impl Mailboxes {
    /// The counts of `extension`'s box in `tenant` (0/0 when it has no messages), for the
    /// first NOTIFY of a subscription (RFC 6665 §4.2.2).
    pub fn get(&self, tenant: TenantId, extension: &str) -> MessageCounts {
        self.lock()
            .get(&(tenant, extension.to_owned()))
            .copied()
            .unwrap_or_default()
    }

    /// Sets one box's counts; the update to send if they changed (RFC 3842 §3.5: notify on
    /// a change of state).
    pub fn set(
        &self,
        tenant: TenantId,
        extension: &str,
        counts: MessageCounts,
    ) -> Option<MailboxUpdate> {
        let key = (tenant, extension.to_owned());
        let mut map = self.lock();
        let before = map.get(&key).copied().unwrap_or_default();
        if counts == MessageCounts::default() {
            map.remove(&key);
        } else {
            map.insert(key, counts);
        }
        (before != counts).then(|| MailboxUpdate {
            tenant,
            extension: extension.to_owned(),
            counts,
        })
    }

    /// Replaces every box of `tenant` with `counts` (boxes not named have no messages);
    /// the updates of the boxes that changed.
    pub fn replace_tenant(
        &self,
        tenant: TenantId,
        counts: Vec<(String, MessageCounts)>,
    ) -> Vec<MailboxUpdate> {
        let mut known: Vec<String> = self
            .lock()
            .keys()
            .filter(|(t, _)| *t == tenant)
            .map(|(_, ext)| ext.clone())
            .collect();
        let mut updates = Vec::new();
        for (ext, c) in counts {
            known.retain(|k| *k != ext);
            updates.extend(self.set(tenant, &ext, c));
        }
        for ext in known {
            updates.extend(self.set(tenant, &ext, MessageCounts::default()));
        }
        updates
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(TenantId, String), MessageCounts>> {
        self.counts.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Reads counts from the store into [`Mailboxes`] and sends what changed to the shards
/// (RFC 3842 §3.5).
#[derive(Clone)]
pub struct MailboxFeed {
    mailboxes: Arc<Mailboxes>,
    updates: UnboundedSender<MailboxUpdate>,
}

impl MailboxFeed {
    /// A feed keeping `mailboxes` current and sending changes on `updates`.
    pub fn new(mailboxes: Arc<Mailboxes>, updates: UnboundedSender<MailboxUpdate>) -> Self {
        MailboxFeed { mailboxes, updates }
    }

    /// Loads the counts of every box of `tenant` (at start, nothing is sent: no one has
    /// subscribed yet).
    pub async fn load_tenant(&self, store: &Store, tenant: TenantId) -> Result<(), StoreError> {
        let counts = tenant_counts(store, tenant).await?;
        self.mailboxes.replace_tenant(tenant, counts);
        Ok(())
    }

    /// Re-reads one box's counts (after a message was stored or mailed) and sends the
    /// update if they changed; a store failure is logged.
    pub async fn refresh_box(&self, store: &Store, tenant: TenantId, extension: &Extension) {
        match store.tenant(tenant).message_counts(extension).await {
            Ok((new, old)) => {
                let counts = MessageCounts { new, old };
                if let Some(update) = self.mailboxes.set(tenant, extension.as_str(), counts) {
                    let _ = self.updates.send(update);
                }
            }
            Err(e) => {
                tracing::warn!(tenant_id = %tenant, %extension, error = %e, "reading voicemail counts failed")
            }
        }
    }

    /// Re-reads every box of `tenant` (after a change-feed row: the CLI removed a message,
    /// or the tenant is gone) and sends the updates; a store failure is logged.
    pub async fn refresh_tenant(&self, store: &Store, tenant: TenantId) {
        match tenant_counts(store, tenant).await {
            Ok(counts) => {
                for update in self.mailboxes.replace_tenant(tenant, counts) {
                    let _ = self.updates.send(update);
                }
            }
            Err(e) => {
                tracing::warn!(tenant_id = %tenant, error = %e, "reading voicemail counts failed")
            }
        }
    }
}

async fn tenant_counts(
    store: &Store,
    tenant: TenantId,
) -> Result<Vec<(String, MessageCounts)>, StoreError> {
    Ok(store
        .tenant(tenant)
        .message_counts_by_extension()
        .await?
        .into_iter()
        .map(|(ext, new, old)| (ext.as_str().to_owned(), MessageCounts { new, old }))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: TenantId = TenantId(1);

    fn c(new: u32, old: u32) -> MessageCounts {
        MessageCounts { new, old }
    }

    #[test]
    fn set_reports_only_changes_and_forgets_empty_boxes() {
        let m = Mailboxes::default();
        assert_eq!(m.get(T, "1000"), c(0, 0));
        assert_eq!(m.set(T, "1000", c(0, 0)), None);
        let u = m.set(T, "1000", c(1, 0)).expect("changed");
        assert_eq!(
            (u.tenant, u.extension.as_str(), u.counts),
            (T, "1000", c(1, 0))
        );
        assert_eq!(m.set(T, "1000", c(1, 0)), None);
        assert_eq!(m.get(T, "1000"), c(1, 0));
        assert_eq!(m.get(TenantId(2), "1000"), c(0, 0));
        assert!(m.set(T, "1000", c(0, 0)).is_some());
        assert!(m.lock().is_empty());
    }

    #[test]
    fn replace_tenant_zeroes_boxes_no_longer_listed() {
        let m = Mailboxes::default();
        m.set(T, "1000", c(2, 1));
        m.set(T, "1001", c(1, 0));
        m.set(TenantId(2), "1000", c(5, 0));
        let mut updates =
            m.replace_tenant(T, vec![("1001".into(), c(1, 0)), ("1002".into(), c(0, 3))]);
        updates.sort_by(|a, b| a.extension.cmp(&b.extension));
        let got: Vec<_> = updates
            .iter()
            .map(|u| (u.extension.as_str(), u.counts))
            .collect();
        assert_eq!(got, [("1000", c(0, 0)), ("1002", c(0, 3))]);
        assert_eq!(m.get(TenantId(2), "1000"), c(5, 0));
    }
}
