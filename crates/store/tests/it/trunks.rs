//! One tenant's SIP trunks: add/get/list/update/remove, the sealed secret (round trip,
//! wrong key, key file mode), isolation between tenants, the whole-store loaders and the
//! change feed.

use crate::{domain, open, open_with_tenant};
use std::net::IpAddr;
use vpbx_model::{TrunkName, TrunkSecret, TrunkTransport};
use vpbx_store::{NewTrunk, SecretBox, StoreError, KEY_FILE};

fn name(s: &str) -> TrunkName {
    s.parse().unwrap()
}

/// A registering trunk with credentials and every optional field set.
fn full(n: &str, host: &str) -> NewTrunk {
    NewTrunk {
        port: 5070,
        transport: TrunkTransport::Tcp,
        username: Some("74952345678".parse().unwrap()),
        secret: Some("sdfsddf^$#$".parse().unwrap()),
        from_user: Some("74952216005".parse().unwrap()),
        from_domain: Some("sip.newoperator.ru".parse().unwrap()),
        register: true,
        call_limit: Some(1000),
        codecs: "PCMU".parse().unwrap(),
        insecure_invite: true,
        qualify: false,
        ..NewTrunk::new(name(n), host.parse().unwrap())
    }
}

#[tokio::test]
async fn add_get_list_round_trip_with_secret() {
    let (dir, store, t) = open_with_tenant("acme.example").await;
    let secrets = SecretBox::open_or_create(dir.path()).unwrap();
    let ts = store.tenant(t.id);
    let added = ts
        .add_trunk(&full("carrier", "sip.newoperator.ru"), &secrets, 77)
        .await
        .unwrap();
    assert_eq!(added.tenant, t.id);
    assert_eq!(added.port, 5070);
    assert_eq!(added.transport, TrunkTransport::Tcp);
    assert_eq!(added.codecs.to_string(), "PCMU");
    assert!(added.register && added.insecure_invite && !added.qualify && added.enabled);
    assert_eq!(added.call_limit, Some(1000));
    assert_eq!(added.created_at, 77);
    assert_eq!(added.aor_user().unwrap().as_str(), "74952216005");
    assert_eq!(added.aor_domain().as_str(), "sip.newoperator.ru");

    let got = ts.get_trunk(&name("carrier")).await.unwrap().unwrap();
    assert_eq!(got, added);
    let secret = got.secret(&secrets).unwrap().unwrap();
    assert_eq!(secret.expose(), "sdfsddf^$#$");
    // The clear secret is never in Debug or JSON output, nor stored in clear.
    let debug = format!("{got:?}");
    assert!(!debug.contains("sdfsddf"), "{debug}");
    let json = serde_json::to_value(&got).unwrap();
    assert_eq!(json["secret"], "set");
    assert!(!json.to_string().contains("sdfsddf"));
    let stored = got.secret.as_ref().unwrap();
    assert!(!String::from_utf8_lossy(&stored.0).contains("sdfsddf"));

    let bare = NewTrunk::new(name("ip-carrier"), "192.0.2.10".parse().unwrap());
    let plain = ts.add_trunk(&bare, &secrets, 78).await.unwrap();
    assert_eq!(plain.port, 5060);
    assert_eq!(plain.codecs.to_string(), "PCMA,PCMU");
    assert_eq!(plain.secret(&secrets).unwrap(), None);
    assert_eq!(serde_json::to_value(&plain).unwrap()["secret"], "none");

    let names: Vec<String> = ts
        .list_trunks()
        .await
        .unwrap()
        .iter()
        .map(|t| t.name.to_string())
        .collect();
    assert_eq!(names, ["carrier", "ip-carrier"]);
}

#[tokio::test]
async fn duplicates_and_invalid_combinations() {
    let (dir, store, t) = open_with_tenant("acme.example").await;
    let secrets = SecretBox::open_or_create(dir.path()).unwrap();
    let ts = store.tenant(t.id);
    ts.add_trunk(&full("a", "h.example"), &secrets, 1)
        .await
        .unwrap();
    assert!(matches!(
        ts.add_trunk(&full("a", "other.example"), &secrets, 1).await,
        Err(StoreError::AlreadyExists(m)) if m == "trunk a"
    ));
    let no_user = NewTrunk {
        username: None,
        ..full("b", "h.example")
    };
    assert!(matches!(
        ts.add_trunk(&no_user, &secrets, 1).await,
        Err(StoreError::Invalid(m)) if m.contains("username")
    ));
    let register_no_secret = NewTrunk {
        secret: None,
        ..full("b", "h.example")
    };
    assert!(matches!(
        ts.add_trunk(&register_no_secret, &secrets, 1).await,
        Err(StoreError::Invalid(m)) if m.contains("register")
    ));
    let zero = NewTrunk {
        call_limit: Some(0),
        ..full("b", "h.example")
    };
    assert!(matches!(
        ts.add_trunk(&zero, &secrets, 1).await,
        Err(StoreError::Invalid(m)) if m.contains("call limit")
    ));
    let gone = store.tenant(vpbx_model::TenantId(999));
    assert!(matches!(
        gone.add_trunk(&full("x", "h.example"), &secrets, 1).await,
        Err(StoreError::NotFound(_))
    ));
}

#[tokio::test]
async fn update_enable_remove() {
    let (dir, store, t) = open_with_tenant("acme.example").await;
    let secrets = SecretBox::open_or_create(dir.path()).unwrap();
    let ts = store.tenant(t.id);
    ts.add_trunk(&full("a", "h.example"), &secrets, 1)
        .await
        .unwrap();
    let new_secret: TrunkSecret = "n3w-secret".parse().unwrap();
    let changed = NewTrunk {
        secret: Some(new_secret),
        port: 5080,
        ..full("b", "h2.example")
    };
    let updated = ts
        .update_trunk(&name("a"), &changed, &secrets)
        .await
        .unwrap();
    assert_eq!(updated.name, name("b"));
    assert_eq!(updated.port, 5080);
    assert_eq!(updated.created_at, 1);
    assert_eq!(
        updated.secret(&secrets).unwrap().unwrap().expose(),
        "n3w-secret"
    );
    assert!(ts.get_trunk(&name("a")).await.unwrap().is_none());
    assert!(matches!(
        ts.update_trunk(&name("a"), &changed, &secrets).await,
        Err(StoreError::NotFound(m)) if m == "trunk a"
    ));
    ts.set_trunk_enabled(&name("b"), false).await.unwrap();
    assert!(!ts.get_trunk(&name("b")).await.unwrap().unwrap().enabled);
    ts.remove_trunk(&name("b")).await.unwrap();
    assert!(matches!(
        ts.remove_trunk(&name("b")).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(ts.list_trunks().await.unwrap().is_empty());
}

#[tokio::test]
async fn tenants_are_isolated() {
    let (dir, store) = open().await;
    let secrets = SecretBox::open_or_create(dir.path()).unwrap();
    let a = store.create_tenant(&domain("a.example"), 1).await.unwrap();
    let b = store.create_tenant(&domain("b.example"), 1).await.unwrap();
    let (ta, tb) = (store.tenant(a.id), store.tenant(b.id));
    ta.add_trunk(&full("carrier", "192.0.2.1"), &secrets, 1)
        .await
        .unwrap();
    // The same name is free in another tenant.
    tb.add_trunk(&full("carrier", "192.0.2.2"), &secrets, 1)
        .await
        .unwrap();
    assert_eq!(tb.list_trunks().await.unwrap().len(), 1);
    let b_trunk = tb.get_trunk(&name("carrier")).await.unwrap().unwrap();
    assert_eq!(b_trunk.host.as_str(), "192.0.2.2");
    assert_eq!(b_trunk.tenant, b.id);
    tb.remove_trunk(&name("carrier")).await.unwrap();
    assert!(ta.get_trunk(&name("carrier")).await.unwrap().is_some());
    assert!(matches!(
        tb.set_trunk_enabled(&name("carrier"), false).await,
        Err(StoreError::NotFound(_))
    ));
    // Deleting a tenant removes its trunks.
    store.delete_tenant(&a.domain).await.unwrap();
    assert!(store.load_trunks().await.unwrap().is_empty());
}

#[tokio::test]
async fn loaders_and_matching_by_address() {
    let (dir, store) = open().await;
    let secrets = SecretBox::open_or_create(dir.path()).unwrap();
    let a = store.create_tenant(&domain("a.example"), 1).await.unwrap();
    let b = store.create_tenant(&domain("b.example"), 1).await.unwrap();
    let (ta, tb) = (store.tenant(a.id), store.tenant(b.id));
    ta.add_trunk(&full("x", "192.0.2.1"), &secrets, 1)
        .await
        .unwrap();
    ta.add_trunk(&full("y", "sip.carrier.example"), &secrets, 1)
        .await
        .unwrap();
    tb.add_trunk(&full("z", "192.0.2.1"), &secrets, 1)
        .await
        .unwrap();
    tb.add_trunk(&full("off", "192.0.2.1"), &secrets, 1)
        .await
        .unwrap();
    tb.set_trunk_enabled(&name("off"), false).await.unwrap();

    let all = store.load_trunks().await.unwrap();
    let names: Vec<(i64, &str)> = all.iter().map(|(t, r)| (t.0, r.name.as_str())).collect();
    assert_eq!(
        names,
        [(a.id.0, "x"), (a.id.0, "y"), (b.id.0, "off"), (b.id.0, "z")]
    );

    let ip: IpAddr = "192.0.2.1".parse().unwrap();
    let found = store.trunk_by_address(ip).await.unwrap();
    let names: Vec<(i64, &str)> = found.iter().map(|(t, r)| (t.0, r.name.as_str())).collect();
    assert_eq!(names, [(a.id.0, "x"), (b.id.0, "z")]);
    let mapped: IpAddr = "::ffff:192.0.2.1".parse().unwrap();
    assert_eq!(store.trunk_by_address(mapped).await.unwrap().len(), 2);
    store.set_tenant_enabled(&b.domain, false).await.unwrap();
    assert_eq!(store.trunk_by_address(ip).await.unwrap().len(), 1);
    let other: IpAddr = "192.0.2.99".parse().unwrap();
    assert!(store.trunk_by_address(other).await.unwrap().is_empty());
}

#[tokio::test]
async fn trunk_writes_feed_the_change_log() {
    let (dir, store, t) = open_with_tenant("acme.example").await;
    let secrets = SecretBox::open_or_create(dir.path()).unwrap();
    let ts = store.tenant(t.id);
    let mut seq = store.change_seq().await.unwrap();
    let mut expect_change = async |what: &str| {
        let (next, changes) = store.changes_since(seq).await.unwrap();
        assert_eq!(changes.len(), 1, "{what}");
        assert_eq!(changes[0].tenant_id, t.id, "{what}");
        seq = next;
    };
    ts.add_trunk(&full("a", "h.example"), &secrets, 1)
        .await
        .unwrap();
    expect_change("add").await;
    ts.update_trunk(&name("a"), &full("a", "h2.example"), &secrets)
        .await
        .unwrap();
    expect_change("update").await;
    ts.set_trunk_enabled(&name("a"), false).await.unwrap();
    expect_change("disable").await;
    ts.remove_trunk(&name("a")).await.unwrap();
    expect_change("remove").await;
}

#[tokio::test]
async fn wrong_key_fails_to_decrypt() {
    let (dir, store, t) = open_with_tenant("acme.example").await;
    let secrets = SecretBox::open_or_create(dir.path()).unwrap();
    let ts = store.tenant(t.id);
    let row = ts
        .add_trunk(&full("a", "h.example"), &secrets, 1)
        .await
        .unwrap();
    let other_dir = tempfile::tempdir().unwrap();
    let other = SecretBox::open_or_create(other_dir.path()).unwrap();
    assert!(matches!(row.secret(&other), Err(StoreError::Corrupt(_))));
    // Reopening the same data directory gives the same key.
    let again = SecretBox::open_or_create(dir.path()).unwrap();
    assert_eq!(row.secret(&again).unwrap().unwrap().expose(), "sdfsddf^$#$");
}

#[cfg(unix)]
#[tokio::test]
async fn key_file_is_private_and_checked() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("fresh");
    let secrets = SecretBox::open_or_create(&data).unwrap();
    let path = data.join(KEY_FILE);
    let meta = std::fs::metadata(&path).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    assert_eq!(meta.len(), 32);
    // No temporary file is left behind.
    let files: Vec<_> = std::fs::read_dir(&data).unwrap().collect();
    assert_eq!(files.len(), 1);
    let sealed = secrets.seal("pw").unwrap();

    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert!(matches!(
        SecretBox::open_or_create(&data),
        Err(StoreError::Invalid(m)) if m.contains("chmod 600")
    ));
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert_eq!(
        SecretBox::open_or_create(&data)
            .unwrap()
            .open(&sealed.0)
            .unwrap(),
        "pw"
    );
    std::fs::write(&path, b"short").unwrap();
    assert!(matches!(
        SecretBox::open_or_create(&data),
        Err(StoreError::Invalid(_))
    ));
}

#[test]
fn concurrent_first_use_agrees_on_one_key() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("racy");
    let boxes: Vec<SecretBox> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|_| s.spawn(|| SecretBox::open_or_create(&data).unwrap()))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let sealed = boxes[0].seal("shared").unwrap();
    for b in &boxes {
        assert_eq!(b.open(&sealed.0).unwrap(), "shared");
    }
    assert_eq!(std::fs::read_dir(&data).unwrap().count(), 1);
}
