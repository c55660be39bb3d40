//! IVR menus: put/get/list/remove, validation against the tenant's prompts, extensions and
//! menus at write time, edits in one transaction, references that block removal, numbers
//! routed to a menu, tenant scoping and change-feed rows.

use crate::{new_user, open_with_tenant};
use vpbx_ivr::{Action, Menu, ScheduleRule};
use vpbx_model::{IvrName, TrunkName};
use vpbx_routing::InboundTarget;
use vpbx_store::{NewPrompt, NewTrunk, PromptSource, SecretBox, Store, StoreError, TenantStore};

fn name(s: &str) -> IvrName {
    s.parse().unwrap()
}

fn menu(n: &str, prompts: &[&str]) -> Menu {
    Menu::new(
        name(n),
        prompts.iter().map(|p| p.parse().unwrap()).collect(),
    )
}

fn action(s: &str) -> Action {
    s.parse().unwrap()
}

/// A tenant with extensions 1000 and 2222 and prompts greet, route and sorry.
async fn tenant(domain: &str) -> (tempfile::TempDir, Store, TenantStore) {
    let (dir, store, t) = open_with_tenant(domain).await;
    let ts = store.tenant(t.id);
    ts.add_user(&new_user("1000", "x"), 1).await.unwrap();
    ts.add_user(&new_user("2222", "x"), 1).await.unwrap();
    for p in ["greet", "route", "sorry"] {
        let prompt = NewPrompt {
            name: p.parse().unwrap(),
            duration_ms: 1000,
            bytes: 16_044,
            source: PromptSource::Upload,
        };
        ts.put_prompt(&prompt, false, 1, || Ok(())).await.unwrap();
    }
    (dir, store, ts)
}

fn invalid(r: Result<impl std::fmt::Debug, StoreError>) -> String {
    match r {
        Err(StoreError::Invalid(m)) => m,
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn put_get_list_replace_and_change_feed() {
    let (_dir, store, ts) = tenant("acme.example").await;
    let seq = store.change_seq().await.unwrap();
    let mut main = menu("main", &["greet", "route"]);
    main.options.insert('1', action("ext:1000"));
    main.on_timeout = action("ext:2222");
    let (row, created) = ts.put_menu(&main, false, 10).await.unwrap();
    assert!(created);
    assert_eq!((row.menu.clone(), row.created_at), (main.clone(), 10));
    assert!(store.change_seq().await.unwrap() > seq);
    assert_eq!(ts.get_menu(&name("main")).await.unwrap(), Some(row.clone()));
    assert!(ts.get_menu(&name("other")).await.unwrap().is_none());

    let again = ts.put_menu(&main, false, 11).await;
    assert!(matches!(again, Err(StoreError::AlreadyExists(w)) if w == "ivr menu main"));
    main.repeats = 2;
    let (row, created) = ts.put_menu(&main, true, 12).await.unwrap();
    assert!(!created);
    assert_eq!((row.menu.repeats, row.created_at), (2, 10));

    ts.put_menu(&menu("after", &["sorry"]), false, 13)
        .await
        .unwrap();
    let names: Vec<String> = ts
        .list_menus()
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.menu.name.to_string())
        .collect();
    assert_eq!(names, ["after", "main"]);
    let set = ts.load_menus().await.unwrap();
    assert_eq!(set.len(), 2);
    assert_eq!(set.get(&name("main")), Some(&main));
    let json = serde_json::to_value(&row).unwrap();
    assert_eq!(json["name"], "main");
    assert_eq!(json["options"]["1"], "ext:1000");
}

#[tokio::test]
async fn writes_are_validated_against_the_tenant() {
    let (_dir, _store, ts) = tenant("acme.example").await;
    let mut m = menu("main", &["greet", "missing"]);
    assert_eq!(
        invalid(ts.put_menu(&m, false, 1).await),
        "prompts[1] of menu main: no prompt missing"
    );
    m.prompts.pop();
    m.options.insert('1', action("ext:1005"));
    assert_eq!(
        invalid(ts.put_menu(&m, false, 1).await),
        "options.1 of menu main: no extension 1005"
    );
    m.options.insert('1', action("ivr:night"));
    assert_eq!(
        invalid(ts.put_menu(&m, false, 1).await),
        "options.1 of menu main: no menu night"
    );
    ts.put_menu(&menu("night", &["sorry"]), false, 1)
        .await
        .unwrap();
    ts.put_menu(&m, false, 1).await.unwrap();
    assert_eq!(
        invalid(ts.put_menu(&timeout_loop(), true, 1).await),
        "on_timeout of menu night: loop night -> night: a caller who presses nothing would never leave"
    );
    assert_eq!(ts.list_menus().await.unwrap().len(), 2);
}

/// Menu `night` going to itself on timeout.
fn timeout_loop() -> Menu {
    let mut m = menu("night", &["sorry"]);
    m.on_timeout = action("ivr:night");
    m
}

#[tokio::test]
async fn edits_run_in_one_transaction() {
    let (_dir, _store, ts) = tenant("acme.example").await;
    ts.put_menu(&menu("main", &["greet"]), false, 1)
        .await
        .unwrap();
    ts.put_menu(&menu("night", &["sorry"]), false, 1)
        .await
        .unwrap();
    let row = ts
        .update_menu(&name("main"), |m| {
            m.schedule.push(ScheduleRule {
                days: "mon-fri".parse().unwrap(),
                from: "18:00".parse().unwrap(),
                to: "09:00".parse().unwrap(),
                goto: name("night"),
            });
            Ok(())
        })
        .await
        .unwrap();
    assert_eq!(row.menu.schedule.len(), 1);
    let bad = ts
        .update_menu(&name("main"), |m| {
            m.options.insert('5', action("voicemail:9999"));
            Ok(())
        })
        .await;
    assert_eq!(invalid(bad), "options.5 of menu main: no extension 9999");
    let refused = ts
        .update_menu(&name("main"), |_| {
            Err(StoreError::Invalid("digit x".into()))
        })
        .await;
    assert_eq!(invalid(refused), "digit x");
    let stored = ts.get_menu(&name("main")).await.unwrap().unwrap();
    assert!(stored.menu.options.is_empty());
    let missing = ts.update_menu(&name("gone"), |_| Ok(())).await;
    assert!(matches!(missing, Err(StoreError::NotFound(w)) if w == "ivr menu gone"));
}

#[tokio::test]
async fn removal_is_refused_while_referenced() {
    let (_dir, _store, ts) = tenant("acme.example").await;
    ts.put_menu(&menu("night", &["sorry"]), false, 1)
        .await
        .unwrap();
    let mut main = menu("main", &["greet"]);
    main.options.insert('9', action("ivr:night"));
    ts.put_menu(&main, false, 1).await.unwrap();

    let secrets = SecretBox::from_bytes([7; 32]);
    let city: TrunkName = "city".parse().unwrap();
    ts.add_trunk(
        &NewTrunk::new(city.clone(), "sip.carrier.example".parse().unwrap()),
        &secrets,
        1,
    )
    .await
    .unwrap();
    let to_night: InboundTarget = "ivr:night".parse().unwrap();
    let number = "+74952216005".parse().unwrap();
    ts.add_number(&number, &city, &to_night, 1).await.unwrap();
    let to_gone: InboundTarget = "ivr:gone".parse().unwrap();
    let r = ts
        .add_number(&"+74952216006".parse().unwrap(), &city, &to_gone, 1)
        .await;
    assert!(matches!(r, Err(StoreError::NotFound(w)) if w == "ivr menu gone"));

    match ts.remove_menu(&name("night")).await {
        Err(StoreError::InUse(m)) => assert_eq!(
            m,
            "ivr menu night is used by menu main (options.9), number +7(495)2216005"
        ),
        other => panic!("{other:?}"),
    }
    ts.remove_number(&number).await.unwrap();
    ts.remove_menu(&name("main")).await.unwrap();
    ts.remove_menu(&name("night")).await.unwrap();
    assert!(ts.list_menus().await.unwrap().is_empty());
    let r = ts.remove_menu(&name("night")).await;
    assert!(matches!(r, Err(StoreError::NotFound(w)) if w == "ivr menu night"));
}

#[tokio::test]
async fn menus_are_tenant_scoped() {
    let (_dir, store, a) = tenant("a.example").await;
    let b = store
        .create_tenant(&"b.example".parse().unwrap(), 1)
        .await
        .unwrap();
    let b = store.tenant(b.id);
    a.put_menu(&menu("main", &["greet"]), false, 1)
        .await
        .unwrap();
    assert!(b.list_menus().await.unwrap().is_empty());
    assert!(b.get_menu(&name("main")).await.unwrap().is_none());
    // b has no prompt greet.
    assert_eq!(
        invalid(b.put_menu(&menu("main", &["greet"]), false, 1).await),
        "prompts[0] of menu main: no prompt greet"
    );
    assert!(matches!(
        b.remove_menu(&name("main")).await,
        Err(StoreError::NotFound(_))
    ));
    store
        .delete_tenant(&"a.example".parse().unwrap())
        .await
        .unwrap();
    assert!(a.list_menus().await.unwrap().is_empty());
    let r = a.put_menu(&menu("main", &["greet"]), false, 1).await;
    assert!(matches!(r, Err(StoreError::NotFound(_))));
}
