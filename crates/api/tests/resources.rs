//! Each endpoint's happy path, idempotent PUTs, validation errors naming their field, the
//! body limit and the OpenAPI document.

mod common;

use axum::http::StatusCode;
use common::Fixture;
use serde_json::json;
use vpbx_store::StoredBinding;

#[tokio::test]
async fn tenants_put_twice_list_disable_delete() {
    let f = Fixture::new().await;
    let t = Some(f.root.as_str());
    let first = f.call("PUT", "/api/v1/tenants/c.example", t, None).await;
    assert_eq!(first.status, StatusCode::CREATED);
    let second = f.call("PUT", "/api/v1/tenants/c.example", t, None).await;
    assert_eq!(second.status, StatusCode::OK);
    assert_eq!(first.body, second.body);
    let r = f.call("GET", "/api/v1/tenants?limit=2", t, None).await;
    assert_eq!(r.body["total"], 3);
    assert_eq!(r.body["next_offset"], 2);
    let r = f
        .call(
            "PUT",
            "/api/v1/tenants/c.example",
            t,
            Some(json!({"enabled": false})),
        )
        .await;
    assert_eq!(r.body["enabled"], false);
    let r = f
        .call("GET", "/api/v1/tenants?enabled=false", t, None)
        .await;
    assert_eq!(r.body["items"][0]["domain"], "c.example");
    let r = f.call("GET", "/api/v1/tenants/c.example", t, None).await;
    assert_eq!(r.body["enabled"], false);
    assert_eq!(
        f.call("DELETE", "/api/v1/tenants/c.example", t, None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        f.call("GET", "/api/v1/tenants/c.example", t, None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let r = f.call("PUT", "/api/v1/tenants/bad_domain!", t, None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.body["field"], "domain");
}

#[tokio::test]
async fn users_create_update_limits_password_delete() {
    let f = Fixture::new().await;
    let t = Some(f.admin_a.as_str());
    let base = "/api/v1/tenants/a.example/users";
    let body = json!({"password": "pw123456", "name": "Ann", "call_limit": 2});
    let first = f
        .call("PUT", &format!("{base}/1000"), t, Some(body.clone()))
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    let second = f.call("PUT", &format!("{base}/1000"), t, Some(body)).await;
    assert_eq!(second.status, StatusCode::OK);
    assert_eq!(first.body, second.body);
    assert_eq!(first.body["call_limit"], 2);
    assert!(first.body.get("password").is_none());
    let ha1 = f
        .tenant("a.example")
        .await
        .get_user(&"1000".parse().unwrap())
        .await
        .unwrap()
        .unwrap()
        .ha1_md5;
    let r = f
        .call(
            "PUT",
            &format!("{base}/1000/password"),
            t,
            Some(json!({"password": "newpass99"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let now = f
        .tenant("a.example")
        .await
        .get_user(&"1000".parse().unwrap())
        .await
        .unwrap()
        .unwrap()
        .ha1_md5;
    assert_ne!(ha1, now);
    let r = f
        .call(
            "PUT",
            &format!("{base}/1000/limits"),
            t,
            Some(json!({"busy_level": 1})),
        )
        .await;
    assert_eq!(
        (r.body["call_limit"].clone(), r.body["busy_level"].clone()),
        (json!(null), json!(1))
    );
    f.call(
        "PUT",
        &format!("{base}/1001"),
        t,
        Some(json!({"password": "pw123456"})),
    )
    .await;
    let r = f
        .call("GET", &format!("{base}?prefix=100&limit=1"), t, None)
        .await;
    assert_eq!(
        (r.body["total"].clone(), r.body["next_offset"].clone()),
        (json!(2), json!(1))
    );
    let r = f.call("GET", &format!("{base}/1001"), t, None).await;
    assert_eq!(r.body["extension"], "1001");
    assert_eq!(
        f.call("DELETE", &format!("{base}/1001"), t, None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        f.call("GET", &format!("{base}/1001"), t, None).await.status,
        StatusCode::NOT_FOUND
    );

    // Validation names the field.
    let cases = [
        ("2000", json!({}), "password"),
        (
            "2000",
            json!({"password": "pw123456", "call_limit": 0}),
            "call_limit",
        ),
        ("2000", json!({"password": "x"}), "password"),
        (
            "2000",
            json!({"password": "pw123456", "call_limit": "two"}),
            "call_limit",
        ),
        (
            "2000",
            json!({"password": "pw123456", "colour": "red"}),
            "colour",
        ),
        (
            "2000",
            json!({"password": "pw123456", "email": "nope"}),
            "email",
        ),
        ("1000", json!({"name": "Someone Else"}), "name"),
        ("x1", json!({"password": "pw123456"}), "extension"),
    ];
    for (ext, body, field) in cases {
        let r = f
            .call("PUT", &format!("{base}/{ext}"), t, Some(body.clone()))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(r.body["error"], "invalid", "{body}");
        assert_eq!(r.body["field"], field, "{body}: {}", r.body);
    }
}

#[tokio::test]
async fn malformed_and_oversized_bodies() {
    let f = Fixture::new().await;
    let auth = Some(format!("Bearer {}", f.admin_a));
    let uri = "/api/v1/tenants/a.example/users/1000";
    let r = f
        .send(
            "PUT",
            uri,
            auth.clone(),
            None,
            Some("{\"password\": ".into()),
            "192.0.2.1",
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.body["field"], "body");
    assert!(r.body["message"].as_str().unwrap().contains("line 1"));
    let big = format!("{{\"password\": \"{}\"}}", "x".repeat(70 * 1024));
    let r = f.send("PUT", uri, auth, None, Some(big), "192.0.2.1").await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(r.body, json!({"error": "too_large"}));
    let r = f
        .call("GET", "/api/v1/tenants?limit=abc", Some(&f.root), None)
        .await;
    assert_eq!(
        (r.status, r.body["field"].clone()),
        (StatusCode::BAD_REQUEST, json!("limit"))
    );
    let r = f
        .call("GET", "/api/v1/tenants?limit=5000", Some(&f.root), None)
        .await;
    assert_eq!(r.body["field"], "limit");
    let r = f.call("GET", "/api/v1/nothing", Some(&f.root), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn cdrs_filter_page_and_export_csv() {
    let f = Fixture::new().await;
    let cdr = |id: &str, from: &str, at: i64, d: vpbx_store::Disposition| vpbx_store::NewCdr {
        call_id: id.into(),
        caller: from.into(),
        callee: "=cmd".into(),
        started_at: at,
        answered_at: None,
        ended_at: at + 100,
        disposition: d,
        hangup_side: vpbx_store::HangupSide::Caller,
        hangup_cause: "cancel, early".into(),
        codec_a: None,
        codec_b: None,
        quality: None,
        recording: None,
    };
    use vpbx_store::Disposition::{Answered, NoAnswer};
    f.tenant("a.example")
        .await
        .insert_cdrs(&[
            cdr("c1", "1000", 1_000, Answered),
            cdr("c2", "1001", 2_000, NoAnswer),
            cdr("c3", "1000", 3_000, NoAnswer),
        ])
        .await
        .unwrap();
    let t = Some(f.admin_a.as_str());
    let base = "/api/v1/tenants/a.example/cdrs";
    let r = f.call("GET", &format!("{base}?limit=2"), t, None).await;
    let ids: Vec<&str> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["call_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["c3", "c2"]);
    let cursor = r.body["next_cursor"].as_str().unwrap().to_owned();
    let r = f
        .call("GET", &format!("{base}?limit=2&cursor={cursor}"), t, None)
        .await;
    assert_eq!(r.body["items"][0]["call_id"], "c1");
    assert_eq!(r.body["next_cursor"], json!(null));
    let r = f
        .call(
            "GET",
            &format!("{base}?number=1000&disposition=no_answer&since=2000&until=4000"),
            t,
            None,
        )
        .await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(r.body["items"][0]["call_id"], "c3");
    let r = f
        .call("GET", &format!("{base}?disposition=HELD"), t, None)
        .await;
    assert_eq!(r.body["field"], "disposition");
    let r = f.call("GET", &format!("{base}?cursor=zz"), t, None).await;
    assert_eq!(r.body["field"], "cursor");
    let r = f
        .call("GET", &format!("{base}?format=csv&number=1001"), t, None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let text = r.body.as_str().unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("id,call_id,caller,callee"));
    assert_eq!(lines.len(), 2);
    assert!(lines[1].contains(",c2,1001,'=cmd,2000,,2100,100,0,NO ANSWER,caller,\"cancel, early\""));
}

#[tokio::test]
async fn registrations_come_from_the_bindings_table() {
    let f = Fixture::new().await;
    let t = Some(f.admin_a.as_str());
    f.call(
        "PUT",
        "/api/v1/tenants/a.example/users/1000",
        t,
        Some(json!({"password": "pw123456"})),
    )
    .await;
    let a = f.tenant("a.example").await;
    let binding = StoredBinding {
        extension: "1000".parse().unwrap(),
        uri: "sip:1000@192.0.2.50:5060".into(),
        q: None,
        expires_at: vpbx_api::unix_now() + 600,
        call_id: "reg-1".into(),
        cseq: 1,
        path: vec![],
        instance: None,
        user_agent: Some("baresip".into()),
        source: "192.0.2.50:5060".into(),
        transport: "UDP".into(),
    };
    f.store
        .save_bindings(&[(a.id(), "1000".parse().unwrap(), vec![binding])])
        .await
        .unwrap();
    let r = f
        .call("GET", "/api/v1/tenants/a.example/registrations", t, None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["items"][0]["contact"], "sip:1000@192.0.2.50:5060");
    assert_eq!(r.body["items"][0]["user_agent"], "baresip");
    let r = f
        .call(
            "GET",
            "/api/v1/tenants/a.example/registrations?extension=1001",
            t,
            None,
        )
        .await;
    assert_eq!(r.body["total"], 0);
}

#[tokio::test]
async fn trunks_numbers_directions_and_route_trace() {
    let f = Fixture::new().await;
    let t = Some(f.admin_a.as_str());
    let base = "/api/v1/tenants/a.example";
    f.call(
        "PUT",
        &format!("{base}/users/1000"),
        t,
        Some(json!({"password": "pw123456"})),
    )
    .await;

    let trunk = json!({"host": "sip.carrier.example", "username": "acc1", "secret": "s3cret!", "register": true, "codecs": ["PCMU"]});
    let first = f
        .call(
            "PUT",
            &format!("{base}/trunks/main"),
            t,
            Some(trunk.clone()),
        )
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    assert_eq!(first.body["secret_set"], true);
    assert!(!first.body.to_string().contains("s3cret"));
    let mut again = trunk.clone();
    again.as_object_mut().unwrap().remove("secret");
    let second = f
        .call("PUT", &format!("{base}/trunks/main"), t, Some(again))
        .await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.body);
    assert_eq!(first.body, second.body);
    let r = f.call("GET", &format!("{base}/trunks"), t, None).await;
    assert_eq!(r.body["items"][0]["codecs"], json!(["PCMU"]));
    let r = f.call("GET", &format!("{base}/trunks/main"), t, None).await;
    assert_eq!(r.body["port"], 5060);
    let r = f
        .call(
            "PUT",
            &format!("{base}/trunks/bad"),
            t,
            Some(json!({"host": "x", "port": 0})),
        )
        .await;
    assert_eq!(r.body["field"], "port");
    let r = f
        .call(
            "PUT",
            &format!("{base}/trunks/bad"),
            t,
            Some(json!({"host": "x", "transport": "sctp"})),
        )
        .await;
    assert_eq!(r.body["field"], "transport");

    let number = json!({"trunk": "main", "target": "ext:1000"});
    let first = f
        .call(
            "PUT",
            &format!("{base}/numbers/+7(495)2216005"),
            t,
            Some(number.clone()),
        )
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    let second = f
        .call(
            "PUT",
            &format!("{base}/numbers/74952216005"),
            t,
            Some(number),
        )
        .await;
    assert_eq!((second.status, &second.body), (StatusCode::OK, &first.body));
    let r = f
        .call(
            "PUT",
            &format!("{base}/numbers/74952216005"),
            t,
            Some(json!({"trunk": "none", "target": "ext:1000"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = f
        .call("GET", &format!("{base}/numbers?trunk=main"), t, None)
        .await;
    assert_eq!(r.body["items"][0]["number"], "74952216005");
    assert_eq!(r.body["items"][0]["target"], "ext:1000");

    let direction = json!({"kind": "regional", "prefix": "8", "trunks": ["main"]});
    let first = f
        .call(
            "POST",
            &format!("{base}/directions"),
            t,
            Some(direction.clone()),
        )
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    let second = f
        .call("POST", &format!("{base}/directions"), t, Some(direction))
        .await;
    assert_eq!((second.status, &second.body), (StatusCode::OK, &first.body));
    let r = f
        .call(
            "POST",
            &format!("{base}/directions"),
            t,
            Some(json!({"kind": "other", "pattern": "_8[", "trunks": ["main"]})),
        )
        .await;
    assert_eq!(r.body["field"], "pattern");
    let r = f
        .call("GET", &format!("{base}/directions?kind=regional"), t, None)
        .await;
    assert_eq!(r.body["total"], 1);

    let r = f
        .call(
            "GET",
            &format!("{base}/route-trace?from=1000&to=%2B74952216006"),
            t,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        r.body["target"]["attempts"][0]["trunk"], "main",
        "{}",
        r.body
    );
    let r = f
        .call("GET", &format!("{base}/route-trace?from=x&to=1"), t, None)
        .await;
    assert_eq!(r.body["field"], "from");
    let r = f
        .call("GET", &format!("{base}/route-trace?to=1"), t, None)
        .await;
    assert_eq!(r.body["field"], "from");

    let id = first.body["id"].as_i64().unwrap();
    assert_eq!(
        f.call("DELETE", &format!("{base}/directions/{id}"), t, None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        f.call("DELETE", &format!("{base}/numbers/74952216005"), t, None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        f.call("DELETE", &format!("{base}/trunks/main"), t, None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        f.call("DELETE", &format!("{base}/trunks/main"), t, None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn openapi_document_and_swagger_ui() {
    let f = Fixture::new().await;
    let r = f.call("GET", "/api/v1/openapi.json", None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/v1/login",
        "/api/v1/tenants/{domain}/users/{ext}",
        "/api/v1/tenants/{domain}/cdrs",
    ] {
        assert!(r.body["paths"].get(path).is_some(), "{path}");
    }
    let r = f.call("GET", "/api/v1/docs/", None, None).await;
    assert_eq!(r.status, StatusCode::OK);
}
