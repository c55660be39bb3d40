//! Call detail records: batch insert (per tenant and across tenants), listing order,
//! filters, keyset paging, idempotence, tenant isolation and the batch's speed.

use crate::{cdr, domain, open, open_with_tenant};
use std::time::Instant;
use vpbx_model::TenantId;
use vpbx_store::{CdrQuery, Disposition, HangupSide, NewCdr, StoreError};

/// Call ids of `rows`, in order.
fn ids(rows: &[vpbx_store::CdrRow]) -> Vec<&str> {
    rows.iter().map(|r| r.call_id.as_str()).collect()
}

/// A call that was never answered, with no optional field set.
fn unanswered(call_id: &str, caller: &str, callee: &str, started_at: i64) -> NewCdr {
    NewCdr {
        answered_at: None,
        ended_at: started_at + 10_000,
        disposition: Disposition::NoAnswer,
        hangup_side: HangupSide::Caller,
        hangup_cause: "cancel".into(),
        codec_a: None,
        codec_b: None,
        quality: None,
        recording: None,
        ..cdr(call_id, caller, callee, started_at)
    }
}

#[tokio::test]
async fn insert_then_list_round_trips_every_field() {
    let (_dir, store, t) = open_with_tenant("acme.example").await;
    let ts = store.tenant(t.id);
    let full = cdr("c1", "1000", "1001", 1_700_000_000_000);
    let bare = unanswered("c2", "1001", "+4930123", 1_700_000_100_000);
    assert_eq!(
        ts.insert_cdrs(&[full.clone(), bare.clone()]).await.unwrap(),
        2
    );
    let rows = ts.list_cdrs(&CdrQuery::default()).await.unwrap();
    assert_eq!(ids(&rows), ["c2", "c1"]);

    let r = &rows[1];
    assert_eq!((r.caller.as_str(), r.callee.as_str()), ("1000", "1001"));
    assert_eq!(r.started_at, full.started_at);
    assert_eq!(r.answered_at, full.answered_at);
    assert_eq!(r.ended_at, full.ended_at);
    assert_eq!((r.duration_ms, r.billsec_ms), (30_000, 28_000));
    assert_eq!(r.disposition, Disposition::Answered);
    assert_eq!(r.hangup_side, HangupSide::Caller);
    assert_eq!(r.hangup_cause, "bye");
    assert_eq!(r.codec_a.as_deref(), Some("PCMA"));
    assert_eq!(r.codec_b.as_deref(), Some("PCMU"));
    assert_eq!(r.quality, full.quality);

    let r = &rows[0];
    assert_eq!(r.answered_at, None);
    assert_eq!((r.duration_ms, r.billsec_ms), (10_000, 0));
    assert_eq!(r.disposition, Disposition::NoAnswer);
    assert_eq!(
        (r.codec_a.clone(), r.codec_b.clone(), r.quality.clone()),
        (None, None, None)
    );
}

#[tokio::test]
async fn durations_never_go_negative() {
    let (_dir, store, t) = open_with_tenant("acme.example").await;
    let ts = store.tenant(t.id);
    let odd = NewCdr {
        answered_at: Some(5_000),
        ended_at: 1_000,
        ..cdr("c1", "1000", "1001", 2_000)
    };
    ts.insert_cdrs(&[odd]).await.unwrap();
    let r = &ts.list_cdrs(&CdrQuery::default()).await.unwrap()[0];
    assert_eq!((r.duration_ms, r.billsec_ms), (0, 0));
}

#[tokio::test]
async fn empty_batch_is_a_no_op() {
    let (_dir, store, t) = open_with_tenant("acme.example").await;
    assert_eq!(store.tenant(t.id).insert_cdrs(&[]).await.unwrap(), 0);
    assert_eq!(store.insert_cdrs(&[]).await.unwrap(), 0);
}

#[tokio::test]
async fn repeated_call_id_is_skipped_not_duplicated() {
    let (_dir, store, t) = open_with_tenant("acme.example").await;
    let ts = store.tenant(t.id);
    let first = cdr("c1", "1000", "1001", 1_000);
    assert_eq!(
        ts.insert_cdrs(std::slice::from_ref(&first)).await.unwrap(),
        1
    );
    let again = NewCdr {
        caller: "9999".into(),
        ..first.clone()
    };
    let batch = [again, cdr("c2", "1000", "1001", 2_000)];
    assert_eq!(ts.insert_cdrs(&batch).await.unwrap(), 1);
    let rows = ts.list_cdrs(&CdrQuery::default()).await.unwrap();
    assert_eq!(ids(&rows), ["c2", "c1"]);
    assert_eq!(rows[1].caller, "1000");
}

#[tokio::test]
async fn filters_by_time_number_and_disposition() {
    let (_dir, store, t) = open_with_tenant("acme.example").await;
    let ts = store.tenant(t.id);
    let busy = NewCdr {
        disposition: Disposition::Busy,
        hangup_side: HangupSide::Callee,
        hangup_cause: "486 Busy Here".into(),
        ..unanswered("c3", "1002", "1000", 3_000)
    };
    ts.insert_cdrs(&[
        cdr("c1", "1000", "1001", 1_000),
        cdr("c2", "1001", "1002", 2_000),
        busy,
        cdr("c4", "+4930123", "1001", 4_000),
    ])
    .await
    .unwrap();
    let list = |q: CdrQuery| {
        let ts = ts.clone();
        async move { ts.list_cdrs(&q).await.unwrap() }
    };
    let q = CdrQuery::default;

    let since = list(CdrQuery {
        since: Some(2_000),
        ..q()
    })
    .await;
    assert_eq!(ids(&since), ["c4", "c3", "c2"]);
    let until = list(CdrQuery {
        until: Some(3_000),
        ..q()
    })
    .await;
    assert_eq!(ids(&until), ["c2", "c1"]);
    let window = list(CdrQuery {
        since: Some(2_000),
        until: Some(4_000),
        ..q()
    })
    .await;
    assert_eq!(ids(&window), ["c3", "c2"]);

    let number = list(CdrQuery {
        number: Some("1000".into()),
        ..q()
    })
    .await;
    assert_eq!(ids(&number), ["c3", "c1"]);
    let e164 = list(CdrQuery {
        number: Some("+4930123".into()),
        ..q()
    })
    .await;
    assert_eq!(ids(&e164), ["c4"]);
    let partial = list(CdrQuery {
        number: Some("100".into()),
        ..q()
    })
    .await;
    assert!(partial.is_empty(), "number matches exactly");

    let busy = list(CdrQuery {
        disposition: Some(Disposition::Busy),
        ..q()
    })
    .await;
    assert_eq!(ids(&busy), ["c3"]);
    assert_eq!(busy[0].hangup_cause, "486 Busy Here");
    let combined = list(CdrQuery {
        number: Some("1001".into()),
        disposition: Some(Disposition::Answered),
        since: Some(1_500),
        ..q()
    })
    .await;
    assert_eq!(ids(&combined), ["c4", "c2"]);

    let limited = list(CdrQuery { limit: 2, ..q() }).await;
    assert_eq!(ids(&limited), ["c4", "c3"]);
    assert!(list(CdrQuery { limit: 0, ..q() }).await.is_empty());
}

#[tokio::test]
async fn keyset_paging_visits_every_row_once_in_order() {
    let (_dir, store, t) = open_with_tenant("acme.example").await;
    let ts = store.tenant(t.id);
    // Several calls share a start time, and insertion order differs from start order.
    let batch: Vec<NewCdr> = (0..23)
        .map(|i| cdr(&format!("c{i:02}"), "1000", "1001", 1_000 * ((i * 7) % 5)))
        .collect();
    ts.insert_cdrs(&batch).await.unwrap();
    let all = ts
        .list_cdrs(&CdrQuery {
            limit: 100,
            ..CdrQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(all.len(), 23);
    assert!(all
        .windows(2)
        .all(|w| (w[0].started_at, w[0].id) > (w[1].started_at, w[1].id)));

    let mut paged = Vec::new();
    let mut before = None;
    loop {
        let page = ts
            .list_cdrs(&CdrQuery {
                limit: 5,
                before,
                ..CdrQuery::default()
            })
            .await
            .unwrap();
        let Some(last) = page.last() else { break };
        before = Some(last.cursor());
        paged.extend(page);
    }
    assert_eq!(paged, all);
}

#[tokio::test]
async fn tenant_never_sees_another_tenants_cdrs() {
    let (_dir, store) = open().await;
    let a = store.create_tenant(&domain("a.example"), 1).await.unwrap();
    let b = store.create_tenant(&domain("b.example"), 1).await.unwrap();
    let (ta, tb) = (store.tenant(a.id), store.tenant(b.id));
    // Same Call-ID and numbers in both tenants: unique per tenant, not globally.
    ta.insert_cdrs(&[cdr("same", "1000", "1001", 1_000)])
        .await
        .unwrap();
    tb.insert_cdrs(&[
        cdr("same", "1000", "1001", 2_000),
        cdr("b2", "1000", "1001", 3_000),
    ])
    .await
    .unwrap();
    let a_rows = ta.list_cdrs(&CdrQuery::default()).await.unwrap();
    assert_eq!(ids(&a_rows), ["same"]);
    assert_eq!(a_rows[0].started_at, 1_000);
    // Lookup by Call-ID is bound to the tenant too.
    let one = ta.cdr_by_call_id("same").await.unwrap().unwrap();
    assert_eq!(one.started_at, 1_000);
    assert_eq!(
        tb.cdr_by_call_id("same").await.unwrap().unwrap().started_at,
        2_000
    );
    assert!(ta.cdr_by_call_id("b2").await.unwrap().is_none());
    let by_number = ta
        .list_cdrs(&CdrQuery {
            number: Some("1000".into()),
            ..CdrQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(by_number.len(), 1);
    assert_eq!(
        ids(&tb.list_cdrs(&CdrQuery::default()).await.unwrap()),
        ["b2", "same"]
    );
    let ghost = store.tenant(TenantId(999));
    assert!(ghost
        .list_cdrs(&CdrQuery::default())
        .await
        .unwrap()
        .is_empty());

    // Deleting A removes its CDRs and only its CDRs.
    store.delete_tenant(&domain("a.example")).await.unwrap();
    assert!(ta.list_cdrs(&CdrQuery::default()).await.unwrap().is_empty());
    assert_eq!(tb.list_cdrs(&CdrQuery::default()).await.unwrap().len(), 2);
}

#[tokio::test]
async fn store_batch_spans_tenants_and_drops_deleted_ones() {
    let (_dir, store) = open().await;
    let a = store.create_tenant(&domain("a.example"), 1).await.unwrap();
    let b = store.create_tenant(&domain("b.example"), 1).await.unwrap();
    let n = store
        .insert_cdrs(&[
            (a.id, cdr("a1", "1000", "1001", 1_000)),
            (b.id, cdr("b1", "2000", "2001", 1_000)),
            (TenantId(999), cdr("x1", "1000", "1001", 1_000)),
            (a.id, cdr("a2", "1000", "1001", 2_000)),
        ])
        .await
        .unwrap();
    assert_eq!(n, 3);
    let q = CdrQuery::default();
    let a_rows = store.tenant(a.id).list_cdrs(&q).await.unwrap();
    assert_eq!(ids(&a_rows), ["a2", "a1"]);
    let b_rows = store.tenant(b.id).list_cdrs(&q).await.unwrap();
    assert_eq!(ids(&b_rows), ["b1"]);
}

#[tokio::test]
async fn cdrs_do_not_touch_the_change_feed() {
    let (_dir, store, t) = open_with_tenant("acme.example").await;
    let seq = store.change_seq().await.unwrap();
    store
        .tenant(t.id)
        .insert_cdrs(&[cdr("c1", "1", "2", 1)])
        .await
        .unwrap();
    assert_eq!(store.change_seq().await.unwrap(), seq);
}

#[test]
fn disposition_and_side_names_round_trip() {
    let names = ["ANSWERED", "BUSY", "NO ANSWER", "FAILED", "CANCELLED"];
    for (d, name) in Disposition::ALL.into_iter().zip(names) {
        assert_eq!(d.to_string(), name);
        assert_eq!(name.parse::<Disposition>().unwrap(), d);
        assert_eq!(serde_json::to_value(d).unwrap(), name);
    }
    for bad in ["answered", "NO_ANSWER", "NOANSWER", "", "HELD"] {
        let err = bad.parse::<Disposition>().unwrap_err();
        assert!(matches!(err, StoreError::Invalid(_)), "{err}");
    }
    for (h, name) in HangupSide::ALL
        .into_iter()
        .zip(["caller", "callee", "system"])
    {
        assert_eq!(h.to_string(), name);
        assert_eq!(name.parse::<HangupSide>().unwrap(), h);
        assert_eq!(serde_json::to_value(h).unwrap(), name);
    }
    assert!("Caller".parse::<HangupSide>().is_err());
}

/// The write-behind hot path: 10,000 CDRs in one batch. Well under a second in release;
/// the bound here is loose so a loaded CI machine running a debug build does not flake.
#[tokio::test]
async fn ten_thousand_cdrs_insert_quickly() {
    let (_dir, store, t) = open_with_tenant("acme.example").await;
    let batch: Vec<NewCdr> = (0..10_000)
        .map(|i| {
            cdr(
                &format!("call-{i}@192.0.2.1"),
                "1000",
                "+4930123456",
                1_000 * i,
            )
        })
        .collect();
    let started = Instant::now();
    let n = store.tenant(t.id).insert_cdrs(&batch).await.unwrap();
    let took = started.elapsed();
    eprintln!("inserted 10000 CDRs in {took:?}");
    assert_eq!(n, 10_000);
    assert!(took.as_secs_f64() < 5.0, "10,000 CDRs took {took:?}");
    let newest = store
        .tenant(t.id)
        .list_cdrs(&CdrQuery {
            limit: 1,
            ..CdrQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(newest[0].call_id, "call-9999@192.0.2.1");
}
