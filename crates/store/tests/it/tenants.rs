//! Tenant rows: create, look up, list, enable, delete with cascade, open and reopen.

use crate::{binding, domain, ext, new_user, open, open_with_tenant};
use vpbx_model::TenantId;
use vpbx_store::{Store, StoreError, Tenant};

#[tokio::test]
async fn create_and_look_up() {
    let (_dir, store) = open().await;
    let t = store
        .create_tenant(&domain("acme.example"), 1234)
        .await
        .unwrap();
    assert_eq!(
        t,
        Tenant {
            id: t.id,
            domain: domain("acme.example"),
            enabled: true,
            created_at: 1234
        }
    );
    assert_eq!(
        store
            .tenant_by_domain(&domain("acme.example"))
            .await
            .unwrap(),
        Some(t.clone())
    );
    assert_eq!(
        store
            .tenant_by_domain(&domain("other.example"))
            .await
            .unwrap(),
        None
    );
    assert_eq!(store.tenant(t.id).id(), t.id);
}

#[tokio::test]
async fn duplicate_domain_is_already_exists() {
    let (_dir, store) = open().await;
    store
        .create_tenant(&domain("acme.example"), 1)
        .await
        .unwrap();
    let err = store
        .create_tenant(&domain("acme.example"), 2)
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::AlreadyExists(ref s) if s == "tenant acme.example"),
        "{err}"
    );
    assert_eq!(err.to_string(), "tenant acme.example already exists");
    assert_eq!(store.list_tenants().await.unwrap().len(), 1);
}

#[tokio::test]
async fn list_is_ordered_by_domain() {
    let (_dir, store) = open().await;
    for d in ["c.example", "a.example", "b.example"] {
        store.create_tenant(&domain(d), 1).await.unwrap();
    }
    let names: Vec<String> = store
        .list_tenants()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.domain.to_string())
        .collect();
    assert_eq!(names, ["a.example", "b.example", "c.example"]);
}

#[tokio::test]
async fn enable_and_disable() {
    let (_dir, store, t) = open_with_tenant("acme.example").await;
    store.set_tenant_enabled(&t.domain, false).await.unwrap();
    assert!(
        !store
            .tenant_by_domain(&t.domain)
            .await
            .unwrap()
            .unwrap()
            .enabled
    );
    store.set_tenant_enabled(&t.domain, true).await.unwrap();
    assert!(
        store
            .tenant_by_domain(&t.domain)
            .await
            .unwrap()
            .unwrap()
            .enabled
    );
    let err = store
        .set_tenant_enabled(&domain("nope.example"), false)
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::NotFound(ref s) if s == "tenant nope.example"),
        "{err}"
    );
}

#[tokio::test]
async fn delete_missing_is_not_found() {
    let (_dir, store) = open().await;
    let err = store
        .delete_tenant(&domain("nope.example"))
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "tenant nope.example not found");
}

#[tokio::test]
async fn delete_cascades_to_users_and_bindings() {
    let (_dir, store, t) = open_with_tenant("acme.example").await;
    let other = store
        .create_tenant(&domain("other.example"), 1)
        .await
        .unwrap();
    for id in [t.id, other.id] {
        store
            .tenant(id)
            .add_user(&new_user("1000", "x"), 1)
            .await
            .unwrap();
        store
            .save_bindings(&[(
                id,
                ext("1000"),
                vec![binding("1000", "sip:a@192.0.2.1", 500)],
            )])
            .await
            .unwrap();
    }
    store.delete_tenant(&t.domain).await.unwrap();

    assert_eq!(store.tenant_by_domain(&t.domain).await.unwrap(), None);
    let gone = store.tenant(t.id);
    assert!(gone.list_users().await.unwrap().is_empty());
    assert!(gone.list_bindings(0).await.unwrap().is_empty());
    assert_eq!(gone.load().await.unwrap(), None);
    let all = store.load_bindings(0).await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].0, other.id);
    assert_eq!(store.tenant(other.id).list_users().await.unwrap().len(), 1);

    // Re-creating the domain gives a new, empty tenant: ids are never reused.
    let again = store.create_tenant(&t.domain, 2).await.unwrap();
    assert_ne!(again.id, t.id);
    assert!(store
        .tenant(again.id)
        .list_users()
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn open_creates_private_nested_dir_and_reopen_persists() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("a/b/data");
    let t = {
        let store = Store::open(&data).await.unwrap();
        let t = store
            .create_tenant(&domain("acme.example"), 7)
            .await
            .unwrap();
        store
            .tenant(t.id)
            .add_user(&new_user("1000", "x"), 8)
            .await
            .unwrap();
        store
            .save_bindings(&[(
                t.id,
                ext("1000"),
                vec![binding("1000", "sip:a@192.0.2.1", 500)],
            )])
            .await
            .unwrap();
        t
    };
    assert!(data.join("vpbx.db").is_file());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&data).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
    }

    let store = Store::open(&data).await.unwrap();
    assert_eq!(store.list_tenants().await.unwrap(), vec![t.clone()]);
    let user = store
        .tenant(t.id)
        .get_user(&ext("1000"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.ha1_md5, "md5-x-1000");
    assert_eq!(store.load_bindings(0).await.unwrap().len(), 1);
    assert!(store.change_seq().await.unwrap() > 0);
}

#[tokio::test]
async fn open_fails_cleanly_when_dir_is_a_file() {
    let root = tempfile::tempdir().unwrap();
    let file = root.path().join("file");
    std::fs::write(&file, b"x").unwrap();
    let err = Store::open(&file).await.err().unwrap();
    assert!(matches!(err, StoreError::Io(_)), "{err}");
}

#[tokio::test]
async fn load_all_two_queries_many_tenants() {
    let (_dir, store) = open().await;
    let mut expected = Vec::new();
    for i in 0..1000 {
        let t = store
            .create_tenant(&domain(&format!("t{i:04}.example")), i)
            .await
            .unwrap();
        // Every third tenant has no users; the others have 1 or 2, added out of order.
        let exts: &[&str] = match i % 3 {
            0 => &[],
            1 => &["2000"],
            _ => &["3000", "1000"],
        };
        let users: Vec<_> = exts.iter().map(|e| new_user(e, &format!("t{i}"))).collect();
        store.tenant(t.id).add_users(&users, i).await.unwrap();
        let mut sorted: Vec<String> = exts.iter().map(|e| e.to_string()).collect();
        sorted.sort();
        expected.push((t, sorted));
    }
    let loaded = store.load_all().await.unwrap();
    assert_eq!(loaded.len(), 1000);
    for ((tenant, users), (want, want_exts)) in loaded.iter().zip(&expected) {
        assert_eq!(tenant, want);
        let exts: Vec<String> = users.iter().map(|u| u.extension.to_string()).collect();
        assert_eq!(&exts, want_exts);
        assert!(users.iter().all(|u| u.tenant == tenant.id));
    }
    assert_eq!(
        store.tenant(TenantId(1)).load().await.unwrap().unwrap().0,
        expected[0].0
    );
}

#[tokio::test]
async fn load_all_empty() {
    let (_dir, store) = open().await;
    assert!(store.load_all().await.unwrap().is_empty());
}
