//! Numbers, directions and toll-fraud options: add/list/remove, tenant scoping, the
//! store-wide number look-up, trunk checks, change-feed rows and the routing load.

use crate::{domain, new_user, open_with_tenant};
use vpbx_model::TrunkName;
use vpbx_routing::{
    decide, DirectionKind, InboundTarget, PhoneNumber, Policy, Target, TenantRouting,
};
use vpbx_store::{NewDirection, NewTrunk, SecretBox, StoreError, TenantStore};

fn trunk(s: &str) -> TrunkName {
    s.parse().unwrap()
}

fn number(s: &str) -> PhoneNumber {
    s.parse().unwrap()
}

fn target(s: &str) -> InboundTarget {
    s.parse().unwrap()
}

/// Gives the tenant extension 1000 and trunk `name`.
async fn with_trunk(ts: &TenantStore, name: &str) {
    let secrets = SecretBox::from_bytes([7; 32]);
    ts.add_trunk(
        &NewTrunk::new(trunk(name), "sip.carrier.example".parse().unwrap()),
        &secrets,
        1,
    )
    .await
    .unwrap();
}

fn regional(trunks: &[&str]) -> NewDirection {
    NewDirection {
        kind: DirectionKind::Regional,
        pattern: None,
        strip: 1,
        prefix: "8".parse().unwrap(),
        trunks: trunks.iter().map(|t| trunk(t)).collect(),
        priority: 1,
        enabled: true,
    }
}

#[tokio::test]
async fn numbers_add_list_remove() {
    let (_dir, store, t) = open_with_tenant("acme.example").await;
    let ts = store.tenant(t.id);
    ts.add_user(&new_user("1000", "x"), 1).await.unwrap();
    with_trunk(&ts, "city").await;
    let seq = store.change_seq().await.unwrap();
    let row = ts
        .add_number(
            &number("8 (495) 221-60-05"),
            &trunk("city"),
            &target("ext:1000"),
            5,
        )
        .await
        .unwrap();
    assert!(store.change_seq().await.unwrap() > seq);
    assert_eq!(row.number.as_str(), "74952216005");
    assert_eq!(row.display, "+7(495)2216005");
    assert_eq!(ts.list_numbers().await.unwrap(), vec![row]);
    assert_eq!(
        store
            .tenant_by_number(&number("74952216005"))
            .await
            .unwrap(),
        Some(t.id)
    );
    ts.remove_number(&number("+74952216005")).await.unwrap();
    assert!(ts.list_numbers().await.unwrap().is_empty());
    assert_eq!(
        store
            .tenant_by_number(&number("74952216005"))
            .await
            .unwrap(),
        None
    );
    assert!(matches!(
        ts.remove_number(&number("74952216005")).await,
        Err(StoreError::NotFound(n)) if n == "number +7(495)2216005"
    ));
}

#[tokio::test]
async fn a_number_belongs_to_one_tenant() {
    let (_dir, store, a) = open_with_tenant("a.example").await;
    let b = store.create_tenant(&domain("b.example"), 1).await.unwrap();
    let (ta, tb) = (store.tenant(a.id), store.tenant(b.id));
    for ts in [&ta, &tb] {
        ts.add_user(&new_user("1000", "x"), 1).await.unwrap();
        with_trunk(ts, "city").await;
    }
    let n = number("74952216005");
    ta.add_number(&n, &trunk("city"), &target("ext:1000"), 1)
        .await
        .unwrap();
    assert!(matches!(
        tb.add_number(&n, &trunk("city"), &target("ext:1000"), 1).await,
        Err(StoreError::AlreadyExists(m)) if m == "number +7(495)2216005"
    ));
    // B cannot see or remove A's number.
    assert!(tb.list_numbers().await.unwrap().is_empty());
    assert!(matches!(
        tb.remove_number(&n).await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(store.tenant_by_number(&n).await.unwrap(), Some(a.id));
}

#[tokio::test]
async fn trunk_and_target_must_exist_in_the_tenant() {
    let (_dir, store, a) = open_with_tenant("a.example").await;
    let b = store.create_tenant(&domain("b.example"), 1).await.unwrap();
    let (ta, tb) = (store.tenant(a.id), store.tenant(b.id));
    ta.add_user(&new_user("1000", "x"), 1).await.unwrap();
    with_trunk(&tb, "city").await;
    let n = number("74952216005");
    assert!(matches!(
        ta.add_number(&n, &trunk("city"), &target("ext:1000"), 1).await,
        Err(StoreError::NotFound(m)) if m == "trunk city"
    ));
    with_trunk(&ta, "city").await;
    assert!(matches!(
        ta.add_number(&n, &trunk("city"), &target("ext:1001"), 1).await,
        Err(StoreError::NotFound(m)) if m == "extension 1001"
    ));
    assert!(matches!(
        ta.add_direction(&regional(&["city", "backup"]), 1).await,
        Err(StoreError::NotFound(m)) if m == "trunk backup"
    ));
    assert!(ta.list_directions().await.unwrap().is_empty());
}

#[tokio::test]
async fn directions_add_list_remove() {
    let (_dir, store, t) = open_with_tenant("acme.example").await;
    let ts = store.tenant(t.id);
    with_trunk(&ts, "city").await;
    with_trunk(&ts, "backup").await;
    let seq = store.change_seq().await.unwrap();
    let d = ts
        .add_direction(&regional(&["city", "backup"]), 1)
        .await
        .unwrap();
    assert!(store.change_seq().await.unwrap() > seq);
    let other = NewDirection {
        kind: DirectionKind::Other,
        pattern: Some("_082XXXXX".parse().unwrap()),
        strip: 3,
        prefix: "".parse().unwrap(),
        trunks: vec![trunk("city")],
        priority: 2,
        enabled: false,
    };
    let o = ts.add_direction(&other, 1).await.unwrap();
    assert_eq!(
        ts.list_directions().await.unwrap(),
        vec![d.clone(), o.clone()]
    );
    assert_eq!(o.pattern.as_ref().unwrap().as_str(), "_082XXXXX");
    assert!(!o.enabled);
    // Another tenant cannot remove it.
    let other_tenant = store.create_tenant(&domain("b.example"), 1).await.unwrap();
    assert!(matches!(
        store.tenant(other_tenant.id).remove_direction(d.id).await,
        Err(StoreError::NotFound(_))
    ));
    ts.remove_direction(d.id).await.unwrap();
    assert_eq!(ts.list_directions().await.unwrap(), vec![o]);
    // `other` without a pattern, and no trunks, are refused naming the field.
    let bad = NewDirection {
        pattern: None,
        ..other
    };
    assert!(matches!(
        ts.add_direction(&bad, 1).await,
        Err(StoreError::Invalid(m)) if m.starts_with("pattern")
    ));
    let none = NewDirection {
        trunks: vec![],
        ..regional(&[])
    };
    assert!(matches!(
        ts.add_direction(&none, 1).await,
        Err(StoreError::Invalid(m)) if m.starts_with("trunk")
    ));
}

#[tokio::test]
async fn policy_defaults_to_no_international() {
    let (_dir, store, t) = open_with_tenant("acme.example").await;
    let ts = store.tenant(t.id);
    assert_eq!(ts.routing_policy().await.unwrap(), Policy::default());
    let policy = Policy {
        international_allowed: true,
        allow_prefixes: vec!["39".parse().unwrap(), "375".parse().unwrap()],
    };
    ts.set_routing_policy(&policy).await.unwrap();
    assert_eq!(ts.routing_policy().await.unwrap(), policy);
    ts.set_routing_policy(&Policy::default()).await.unwrap();
    assert_eq!(ts.routing_policy().await.unwrap(), Policy::default());
    assert!(matches!(
        store
            .tenant(vpbx_model::TenantId(999))
            .set_routing_policy(&policy)
            .await,
        Err(StoreError::NotFound(_))
    ));
}

#[tokio::test]
async fn load_routing_feeds_the_decision_and_cascades() {
    let (_dir, store, t) = open_with_tenant("acme.example").await;
    let ts = store.tenant(t.id);
    ts.add_user(&new_user("1000", "x"), 1).await.unwrap();
    with_trunk(&ts, "city").await;
    ts.add_number(
        &number("74952216005"),
        &trunk("city"),
        &target("ext:1000"),
        1,
    )
    .await
    .unwrap();
    ts.add_direction(&regional(&["city"]), 1).await.unwrap();
    let rows = ts.load_routing().await.unwrap();
    assert_eq!(rows.numbers.len(), 1);
    let routing: TenantRouting = rows.into();
    let d = decide(&routing, &"1000".parse().unwrap(), "+79257410726");
    match d.target {
        Target::Trunks { attempts } => {
            assert_eq!(attempts.len(), 1);
            assert_eq!(attempts[0].number, "89257410726");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        vpbx_routing::route_inbound(&routing, "74952216005"),
        Some(target("ext:1000"))
    );
    store.delete_tenant(&t.domain).await.unwrap();
    assert_eq!(
        store
            .tenant_by_number(&number("74952216005"))
            .await
            .unwrap(),
        None
    );
    assert_eq!(ts.load_routing().await.unwrap(), Default::default());
}
