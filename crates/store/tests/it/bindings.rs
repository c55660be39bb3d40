//! Registrar bindings: save (replace per extension), list, load with expiry, bulk batches,
//! corrupt rows.

use crate::{binding, ext, new_user, open_with_tenant};
use vpbx_store::{StoreError, StoredBinding};

#[tokio::test]
async fn round_trip_every_field() {
    let (_dir, store, t) = open_with_tenant("acme.example").await;
    store
        .tenant(t.id)
        .add_user(&new_user("1000", "x"), 1)
        .await
        .unwrap();
    let full = binding("1000", "sip:a@192.0.2.1:5062;transport=tcp", 500);
    let bare = StoredBinding {
        q: None,
        path: Vec::new(),
        instance: None,
        user_agent: None,
        cseq: 0,
        ..binding("1000", "sip:b@[2001:db8::1]", 600)
    };
    store
        .save_bindings(&[(t.id, ext("1000"), vec![full.clone(), bare.clone()])])
        .await
        .unwrap();
    assert_eq!(
        store.tenant(t.id).list_bindings(0).await.unwrap(),
        vec![full.clone(), bare.clone()]
    );
    assert_eq!(
        store.load_bindings(0).await.unwrap(),
        vec![(t.id, full), (t.id, bare)]
    );
}

#[tokio::test]
async fn save_replaces_the_whole_set() {
    let (_dir, store, t) = open_with_tenant("acme.example").await;
    let ts = store.tenant(t.id);
    ts.add_users(&[new_user("1000", "x"), new_user("1001", "x")], 1)
        .await
        .unwrap();
    store
        .save_bindings(&[
            (
                t.id,
                ext("1000"),
                vec![
                    binding("1000", "sip:old1@h", 500),
                    binding("1000", "sip:old2@h", 500),
                ],
            ),
            (t.id, ext("1001"), vec![binding("1001", "sip:keep@h", 500)]),
        ])
        .await
        .unwrap();
    store
        .save_bindings(&[(t.id, ext("1000"), vec![binding("1000", "sip:new@h", 900)])])
        .await
        .unwrap();
    let uris: Vec<String> = ts
        .list_bindings(0)
        .await
        .unwrap()
        .into_iter()
        .map(|b| b.uri)
        .collect();
    assert_eq!(uris, ["sip:new@h", "sip:keep@h"]);
    // An empty set removes all of the extension's bindings.
    store
        .save_bindings(&[(t.id, ext("1000"), Vec::new())])
        .await
        .unwrap();
    let uris: Vec<String> = ts
        .list_bindings(0)
        .await
        .unwrap()
        .into_iter()
        .map(|b| b.uri)
        .collect();
    assert_eq!(uris, ["sip:keep@h"]);
    store.save_bindings(&[]).await.unwrap();
    assert_eq!(ts.list_bindings(0).await.unwrap().len(), 1);
}

#[tokio::test]
async fn rows_are_stored_under_the_entry_extension() {
    let (_dir, store, t) = open_with_tenant("acme.example").await;
    store
        .tenant(t.id)
        .add_user(&new_user("1000", "x"), 1)
        .await
        .unwrap();
    store
        .save_bindings(&[(t.id, ext("1000"), vec![binding("2000", "sip:a@h", 500)])])
        .await
        .unwrap();
    let got = store.tenant(t.id).list_bindings(0).await.unwrap();
    assert_eq!(got[0].extension, ext("1000"));
}

#[tokio::test]
async fn expired_bindings_are_hidden_and_purged_at_load() {
    let (_dir, store, t) = open_with_tenant("acme.example").await;
    let ts = store.tenant(t.id);
    ts.add_user(&new_user("1000", "x"), 1).await.unwrap();
    store
        .save_bindings(&[(
            t.id,
            ext("1000"),
            vec![
                binding("1000", "sip:short@h", 100),
                binding("1000", "sip:long@h", 200),
            ],
        )])
        .await
        .unwrap();
    assert_eq!(ts.list_bindings(99).await.unwrap().len(), 2);
    // Expiring exactly now counts as expired.
    let uris: Vec<String> = ts
        .list_bindings(100)
        .await
        .unwrap()
        .into_iter()
        .map(|b| b.uri)
        .collect();
    assert_eq!(uris, ["sip:long@h"]);
    assert_eq!(store.load_bindings(150).await.unwrap().len(), 1);
    // Purged, not just hidden: an earlier `now` no longer finds it.
    assert_eq!(ts.list_bindings(0).await.unwrap().len(), 1);
    assert!(store.load_bindings(200).await.unwrap().is_empty());
}

#[tokio::test]
async fn bindings_of_missing_users_are_dropped_not_fatal() {
    let (_dir, store, t) = open_with_tenant("acme.example").await;
    store
        .tenant(t.id)
        .add_user(&new_user("1000", "x"), 1)
        .await
        .unwrap();
    store
        .save_bindings(&[
            (t.id, ext("9999"), vec![binding("9999", "sip:ghost@h", 500)]),
            (t.id, ext("1000"), vec![binding("1000", "sip:real@h", 500)]),
        ])
        .await
        .unwrap();
    let all = store.load_bindings(0).await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].1.uri, "sip:real@h");
}

#[tokio::test]
async fn twenty_thousand_rows_in_one_batch() {
    let (_dir, store, t) = open_with_tenant("acme.example").await;
    let other = store
        .create_tenant(&"other.example".parse().unwrap(), 1)
        .await
        .unwrap();
    let users: Vec<_> = (10_000..20_000)
        .map(|n| new_user(&n.to_string(), "x"))
        .collect();
    store.tenant(t.id).add_users(&users, 1).await.unwrap();
    store.tenant(other.id).add_users(&users, 1).await.unwrap();
    // 10,000 extensions per tenant with one binding each, in two tenants.
    let batch: Vec<_> = [t.id, other.id]
        .into_iter()
        .flat_map(|tenant| {
            (10_000..20_000).map(move |n| {
                let e = n.to_string();
                (
                    tenant,
                    ext(&e),
                    vec![binding(&e, &format!("sip:{e}@{}", tenant.0), 1000 + n)],
                )
            })
        })
        .collect();
    store.save_bindings(&batch).await.unwrap();

    let loaded = store.load_bindings(0).await.unwrap();
    assert_eq!(loaded.len(), 20_000);
    for ((tenant, got), (want_tenant, want_ext, want)) in loaded.iter().zip(&batch) {
        assert_eq!(tenant, want_tenant);
        assert_eq!(&got.extension, want_ext);
        assert_eq!(got, &want[0]);
    }
    assert_eq!(
        store.tenant(other.id).list_bindings(0).await.unwrap().len(),
        10_000
    );

    // Saving the same batch again replaces rather than duplicates.
    store.save_bindings(&batch).await.unwrap();
    assert_eq!(store.load_bindings(0).await.unwrap().len(), 20_000);
}

#[tokio::test]
async fn corrupt_rows_are_reported_not_panicked() {
    let (dir, store, t) = open_with_tenant("acme.example").await;
    store
        .tenant(t.id)
        .add_user(&new_user("1000", "x"), 1)
        .await
        .unwrap();
    store
        .save_bindings(&[(t.id, ext("1000"), vec![binding("1000", "sip:a@h", 500)])])
        .await
        .unwrap();
    let raw = sqlx::SqlitePool::connect(&format!(
        "sqlite://{}",
        dir.path().join("vpbx.db").display()
    ))
    .await
    .unwrap();
    for (sql, what) in [
        ("UPDATE bindings SET path = 'not json'", "bindings.path"),
        ("UPDATE bindings SET cseq = -1", "bindings.cseq"),
    ] {
        sqlx::query(sql).execute(&raw).await.unwrap();
        let err = store.tenant(t.id).list_bindings(0).await.unwrap_err();
        assert!(
            matches!(err, StoreError::Corrupt(ref s) if s.contains(what)),
            "{err}"
        );
        store
            .save_bindings(&[(t.id, ext("1000"), vec![binding("1000", "sip:a@h", 500)])])
            .await
            .unwrap();
    }
    sqlx::query("DELETE FROM bindings")
        .execute(&raw)
        .await
        .unwrap();
    sqlx::query("UPDATE users SET extension = 'abc'")
        .execute(&raw)
        .await
        .unwrap();
    let err = store.tenant(t.id).list_users().await.unwrap_err();
    assert!(
        matches!(err, StoreError::Corrupt(ref s) if s.contains("users.extension")),
        "{err}"
    );
    sqlx::query("UPDATE tenants SET domain = 'bad domain'")
        .execute(&raw)
        .await
        .unwrap();
    assert!(matches!(
        store.list_tenants().await,
        Err(StoreError::Corrupt(_))
    ));
    assert!(matches!(
        store.load_all().await,
        Err(StoreError::Corrupt(_))
    ));
}
