//! Keeping memory and the store in step: write-behind of registrations, live reload of
//! tenants and users changed by other processes (the CLI), and expiry of bindings.
//!
//! Invariants: the newest binding set of an address of record always wins (saves are
//! coalesced by key, in arrival order); a failed write is logged and retried with the next
//! batch, never dropped while the process runs; on shutdown everything queued is written.

use crate::core::{Cdr, Save};
use crate::location::Location;
use crate::registry::Registry;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use vpbx_model::{Extension, TenantId};
use vpbx_sip_proto::registrar::Binding;
use vpbx_store::{SecretBox, Store, StoredBinding};

/// How long saves are gathered before one transaction writes them.
const FLUSH_EVERY: Duration = Duration::from_millis(100);

/// Converts a registrar binding to its stored form.
pub fn to_stored(ext: Extension, b: &Binding) -> StoredBinding {
    StoredBinding {
        extension: ext,
        uri: b.uri.clone(),
        q: b.q,
        expires_at: i64::try_from(b.expires_at).unwrap_or(i64::MAX),
        call_id: b.call_id.clone(),
        cseq: b.cseq,
        path: b.path.clone(),
        instance: b.instance.clone(),
        user_agent: b.user_agent.clone(),
        source: b.source.to_string(),
        transport: b.transport.to_string(),
    }
}

/// Converts a stored binding back; None if the row is unreadable.
pub fn from_stored(b: &StoredBinding) -> Option<Binding> {
    Some(Binding {
        uri: b.uri.clone(),
        q: b.q,
        expires_at: u64::try_from(b.expires_at).ok()?,
        call_id: b.call_id.clone(),
        cseq: b.cseq,
        path: b.path.clone(),
        instance: b.instance.clone(),
        user_agent: b.user_agent.clone(),
        source: b.source.parse().ok()?,
        transport: b.transport.parse().ok()?,
    })
}

/// Writes binding changes and finished calls' CDRs in batches until `stop` fires, then
/// writes what is left and answers on the channel it was given.
pub async fn write_behind(
    store: Store,
    mut saves: mpsc::UnboundedReceiver<Save>,
    mut cdrs: mpsc::UnboundedReceiver<Cdr>,
    mut stop: mpsc::Receiver<oneshot::Sender<()>>,
) {
    let mut pending: HashMap<(TenantId, String), Vec<Binding>> = HashMap::new();
    let mut records: Vec<Cdr> = Vec::new();
    let mut tick = tokio::time::interval(FLUSH_EVERY);
    loop {
        tokio::select! {
            s = saves.recv() => match s {
                Some((t, ext, b)) => { pending.insert((t, ext), b); }
                None => { flush(&store, &mut pending).await; flush_cdrs(&store, &mut records).await; return; }
            },
            Some(c) = cdrs.recv() => records.push(c),
            _ = tick.tick() => {
                flush(&store, &mut pending).await;
                flush_cdrs(&store, &mut records).await;
            }
            done = stop.recv() => {
                while let Ok((t, ext, b)) = saves.try_recv() {
                    pending.insert((t, ext), b);
                }
                while let Ok(c) = cdrs.try_recv() {
                    records.push(c);
                }
                flush(&store, &mut pending).await;
                flush_cdrs(&store, &mut records).await;
                if let Some(done) = done { let _ = done.send(()); }
                return;
            }
        }
    }
}

/// Writes finished calls' records in one transaction; on failure keeps them for the next
/// round, so no CDR is lost while the database is briefly unavailable.
async fn flush_cdrs(store: &Store, records: &mut Vec<Cdr>) {
    if records.is_empty() {
        return;
    }
    match store.insert_cdrs(records).await {
        Ok(_) => records.clear(),
        Err(e) => {
            tracing::error!(error = %e, rows = records.len(), "saving CDRs failed; will retry")
        }
    }
}

async fn flush(store: &Store, pending: &mut HashMap<(TenantId, String), Vec<Binding>>) {
    if pending.is_empty() {
        return;
    }
    let batch: Vec<_> = pending
        .iter()
        .filter_map(|((t, ext), bs)| {
            let ext: Extension = ext.parse().ok()?;
            let stored = bs.iter().map(|b| to_stored(ext.clone(), b)).collect();
            Some((*t, ext, stored))
        })
        .collect();
    match store.save_bindings(&batch).await {
        Ok(()) => pending.clear(),
        Err(e) => {
            tracing::error!(error = %e, rows = batch.len(), "saving registrations failed; will retry")
        }
    }
}

/// Applies store changes made by other processes every `every`, starting after `seq`; a
/// changed tenant's voicemail counts are re-read into `mwi` too (a message removed by the
/// CLI reaches subscribed phones this way).
pub async fn reload(
    store: Store,
    secrets: SecretBox,
    registry: Arc<Registry>,
    location: Arc<Location>,
    mwi: crate::mailbox::MailboxFeed,
    mut seq: i64,
    every: Duration,
) {
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        let (next, changes) = match store.changes_since(seq).await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "reading the change feed failed");
                continue;
            }
        };
        for change in changes {
            apply_change(&store, &secrets, &registry, &location, change.tenant_id).await;
            mwi.refresh_tenant(&store, change.tenant_id).await;
        }
        seq = next;
    }
}

async fn apply_change(
    store: &Store,
    secrets: &SecretBox,
    registry: &Registry,
    location: &Location,
    id: TenantId,
) {
    match crate::tenant_load::load_tenant(store, secrets, id).await {
        Ok(Some(view)) => {
            location.retain_tenant(id, |ext| view.users.contains_key(ext));
            tracing::info!(tenant = %view.domain, enabled = view.enabled, users = view.users.len(), trunks = view.trunks.len(), "tenant reloaded");
            registry.upsert(view);
        }
        Ok(None) => {
            location.retain_tenant(id, |_| false);
            if registry.remove(id) {
                tracing::info!(tenant_id = %id, "tenant removed");
            }
        }
        Err(e) => tracing::warn!(error = %e, tenant_id = %id, "reloading tenant failed"),
    }
}

/// Drops expired bindings from memory every `every` and queues their new sets.
pub async fn expire(location: Arc<Location>, saves: mpsc::UnboundedSender<Save>, every: Duration) {
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        let now = crate::server::unix_now();
        for (t, ext) in location.expire(now) {
            let _ = saves.send((t, ext.clone(), location.lookup(t, &ext)));
        }
    }
}
