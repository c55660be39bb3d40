//! The change feed: which calls record a change, deduplication, deletions, no-ops.

use crate::{binding, domain, ext, new_user, open};
use vpbx_model::TenantId;
use vpbx_store::{Store, TenantChange};

/// Asserts that the changes since `seq` are exactly `want`, and returns the new seq.
async fn expect(store: &Store, seq: i64, want: &[TenantChange]) -> i64 {
    let (next, got) = store.changes_since(seq).await.unwrap();
    assert_eq!(got, want);
    assert_eq!(next, store.change_seq().await.unwrap());
    next
}

fn changed(id: TenantId, d: &str) -> TenantChange {
    TenantChange {
        tenant_id: id,
        domain: Some(domain(d)),
    }
}

#[tokio::test]
async fn empty_feed() {
    let (_dir, store) = open().await;
    assert_eq!(store.change_seq().await.unwrap(), 0);
    assert_eq!(store.changes_since(0).await.unwrap(), (0, Vec::new()));
}

#[tokio::test]
async fn every_tenant_and_user_write_is_recorded() {
    let (_dir, store) = open().await;
    let d = "acme.example";
    let t = store.create_tenant(&domain(d), 1).await.unwrap();
    let ts = store.tenant(t.id);
    let mut seq = expect(&store, 0, &[changed(t.id, d)]).await;

    ts.add_user(&new_user("1000", "x"), 1).await.unwrap();
    seq = expect(&store, seq, &[changed(t.id, d)]).await;
    ts.add_users(&[new_user("1001", "x"), new_user("1002", "x")], 1)
        .await
        .unwrap();
    seq = expect(&store, seq, &[changed(t.id, d)]).await;
    ts.set_password(&ext("1000"), "a", "b").await.unwrap();
    seq = expect(&store, seq, &[changed(t.id, d)]).await;
    ts.remove_user(&ext("1001")).await.unwrap();
    seq = expect(&store, seq, &[changed(t.id, d)]).await;
    store.set_tenant_enabled(&domain(d), false).await.unwrap();
    seq = expect(&store, seq, &[changed(t.id, d)]).await;
    store.delete_tenant(&domain(d)).await.unwrap();
    expect(
        &store,
        seq,
        &[TenantChange {
            tenant_id: t.id,
            domain: None,
        }],
    )
    .await;
}

#[tokio::test]
async fn failed_writes_reads_and_bindings_record_nothing() {
    let (_dir, store) = open().await;
    let t = store
        .create_tenant(&domain("acme.example"), 1)
        .await
        .unwrap();
    let ts = store.tenant(t.id);
    ts.add_user(&new_user("1000", "x"), 1).await.unwrap();
    let seq = store.change_seq().await.unwrap();

    assert!(store.create_tenant(&t.domain, 2).await.is_err());
    assert!(store.delete_tenant(&domain("nope.example")).await.is_err());
    assert!(store
        .set_tenant_enabled(&domain("nope.example"), true)
        .await
        .is_err());
    assert!(ts.add_user(&new_user("1000", "x"), 1).await.is_err());
    assert!(ts.add_users(&[new_user("1000", "x")], 1).await.is_err());
    assert_eq!(ts.add_users(&[], 1).await.unwrap(), 0);
    assert!(ts.remove_user(&ext("1999")).await.is_err());
    assert!(ts.set_password(&ext("1999"), "a", "b").await.is_err());
    store
        .save_bindings(&[(t.id, ext("1000"), vec![binding("1000", "sip:a@h", 500)])])
        .await
        .unwrap();
    store.load_bindings(0).await.unwrap();
    store.load_all().await.unwrap();

    assert_eq!(store.change_seq().await.unwrap(), seq);
    assert_eq!(store.changes_since(seq).await.unwrap(), (seq, Vec::new()));
}

#[tokio::test]
async fn changes_are_deduplicated_in_order_of_last_change() {
    let (_dir, store) = open().await;
    let a = store.create_tenant(&domain("a.example"), 1).await.unwrap();
    let b = store.create_tenant(&domain("b.example"), 1).await.unwrap();
    let c = store.create_tenant(&domain("c.example"), 1).await.unwrap();
    let seq = store.change_seq().await.unwrap();
    store
        .tenant(a.id)
        .add_user(&new_user("1000", "x"), 1)
        .await
        .unwrap();
    store
        .tenant(b.id)
        .add_user(&new_user("1000", "x"), 1)
        .await
        .unwrap();
    store
        .tenant(a.id)
        .add_user(&new_user("1001", "x"), 1)
        .await
        .unwrap();
    store.delete_tenant(&c.domain).await.unwrap();
    let seq2 = expect(
        &store,
        seq,
        &[
            changed(b.id, "b.example"),
            changed(a.id, "a.example"),
            TenantChange {
                tenant_id: c.id,
                domain: None,
            },
        ],
    )
    .await;
    assert_eq!(seq2, seq + 4);
    // From the very start, each tenant appears once.
    let (_, all) = store.changes_since(0).await.unwrap();
    assert_eq!(all.len(), 3);
}

#[tokio::test]
async fn cursor_ahead_of_the_feed_is_harmless() {
    let (_dir, store) = open().await;
    store.create_tenant(&domain("a.example"), 1).await.unwrap();
    assert_eq!(store.changes_since(1_000).await.unwrap(), (1, Vec::new()));
    assert_eq!(store.changes_since(-5).await.unwrap().1.len(), 1);
}
