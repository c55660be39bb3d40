//! Several handles on one data directory, as the server and CLI processes use it: each sees
//! the other's writes and change feed; concurrent opens and writers do not fail.

use crate::{domain, ext, new_user};
use vpbx_store::{Store, TenantChange};

#[tokio::test]
async fn two_handles_see_each_others_writes_and_feed() {
    let dir = tempfile::tempdir().unwrap();
    let server = Store::open(dir.path()).await.unwrap();
    let cli = Store::open(dir.path()).await.unwrap();

    let seq = server.change_seq().await.unwrap();
    assert!(server.load_all().await.unwrap().is_empty());

    let t = cli.create_tenant(&domain("acme.example"), 1).await.unwrap();
    cli.tenant(t.id)
        .add_user(&new_user("1000", "x"), 1)
        .await
        .unwrap();

    let (seq, changes) = server.changes_since(seq).await.unwrap();
    assert_eq!(
        changes,
        vec![TenantChange {
            tenant_id: t.id,
            domain: Some(t.domain.clone())
        }]
    );
    let (tenant, users) = server.tenant(t.id).load().await.unwrap().unwrap();
    assert_eq!(tenant, t);
    assert_eq!(users.len(), 1);

    // And the other way round.
    server
        .tenant(t.id)
        .set_password(&ext("1000"), "m", "s")
        .await
        .unwrap();
    assert_eq!(
        cli.tenant(t.id)
            .get_user(&ext("1000"))
            .await
            .unwrap()
            .unwrap()
            .ha1_md5,
        "m"
    );
    assert_eq!(cli.changes_since(seq).await.unwrap().1.len(), 1);

    cli.delete_tenant(&t.domain).await.unwrap();
    let (_, changes) = server.changes_since(seq + 1).await.unwrap();
    assert_eq!(
        changes,
        vec![TenantChange {
            tenant_id: t.id,
            domain: None
        }]
    );
}

#[tokio::test]
async fn concurrent_open_of_a_fresh_dir() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data");
    let opens: Vec<_> = (0..4)
        .map(|_| {
            let path = path.clone();
            tokio::spawn(async move { Store::open(&path).await })
        })
        .collect();
    let mut stores = Vec::new();
    for open in opens {
        stores.push(open.await.unwrap().unwrap());
    }
    let t = stores[0]
        .create_tenant(&domain("a.example"), 1)
        .await
        .unwrap();
    for s in &stores {
        assert_eq!(s.list_tenants().await.unwrap(), vec![t.clone()]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_all_succeed() {
    let dir = tempfile::tempdir().unwrap();
    let a = Store::open(dir.path()).await.unwrap();
    let b = Store::open(dir.path()).await.unwrap();
    let t = a.create_tenant(&domain("acme.example"), 1).await.unwrap();
    let writers: Vec<_> = [(a.clone(), 1000), (b.clone(), 2000)]
        .into_iter()
        .map(|(store, base)| {
            let ts = store.tenant(t.id);
            tokio::spawn(async move {
                for n in base..base + 50 {
                    ts.add_user(&new_user(&n.to_string(), "x"), 1)
                        .await
                        .unwrap();
                    ts.list_users().await.unwrap();
                }
            })
        })
        .collect();
    for w in writers {
        w.await.unwrap();
    }
    assert_eq!(b.tenant(t.id).list_users().await.unwrap().len(), 100);
    // One creation plus 100 additions, each its own change row.
    assert_eq!(a.change_seq().await.unwrap(), 101);
}

/// Every store future may be spawned on a multi-threaded runtime (checked at compile time;
/// the futures are built, never polled).
#[tokio::test]
async fn futures_are_send() {
    fn send<T: Send>(_: T) {}
    let dir = tempfile::tempdir().unwrap();
    send(Store::open(dir.path()));
    let store = Store::open(dir.path()).await.unwrap();
    let (d, e, u) = (domain("a.example"), ext("1000"), new_user("1000", "x"));
    send(store.create_tenant(&d, 1));
    send(store.delete_tenant(&d));
    send(store.set_tenant_enabled(&d, true));
    send(store.tenant_by_domain(&d));
    send(store.list_tenants());
    send(store.change_seq());
    send(store.changes_since(0));
    send(store.load_all());
    send(store.load_bindings(0));
    send(store.save_bindings(&[]));
    let ts = store.tenant(vpbx_model::TenantId(1));
    send(ts.load());
    send(ts.add_user(&u, 1));
    send(ts.add_users(std::slice::from_ref(&u), 1));
    send(ts.remove_user(&e));
    send(ts.set_password(&e, "a", "b"));
    send(ts.get_user(&e));
    send(ts.list_users());
    send(ts.list_bindings(0));
}
