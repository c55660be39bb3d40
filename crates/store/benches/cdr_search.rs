//! CDR search over a large table (issue 6): one tenant with N CDRs (default 10 million)
//! spread over one year, plus a second tenant with 100,000 CDRs interleaved with them to
//! show that every listing stays tenant-scoped, searched through
//! [`TenantStore::list_cdrs`].
//!
//! Data: callers among 500 extensions (`1000`–`1499`); callees 40 % extensions, 60 % among
//! 50,000 external numbers; dispositions 65 % ANSWERED, 15 % NO ANSWER, 8 % BUSY,
//! 8 % CANCELLED, 4 % FAILED; `started_at` increasing over 2025 with jitter (calls are
//! recorded in about the order they end). Rows go in through [`TenantStore::insert_cdrs`]
//! in batches of 10,000, the engine's write-behind batch size; the insert rate is reported.
//!
//! Queries, each run once to warm up and then 20 times (median and p95 in ms):
//! (a) one day, newest 100; (b) one month, newest 100; (c) an extension as caller or callee
//! over the whole year, newest 100; (d) the same over one week; (e) FAILED calls over a
//! month; (f) the 50th page of 100 of a month through the keyset cursor.
//!
//! ```sh
//! cargo bench -p vpbx-store --bench cdr_search -- --rows 10000000 --data /tmp/cdr-bench
//! ```
//!
//! Flags: `--rows N` (default 10,000,000); `--data DIR` keeps the database in DIR and
//! reuses it on the next run when it already holds N rows (generating 10 million takes
//! minutes); without it a temporary directory is used and removed.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use vpbx_store::{CdrQuery, Disposition, HangupSide, NewCdr, Store, TenantStore};

/// The searched tenant's domain.
const DOMAIN: &str = "cdr-bench.example";
/// The second tenant, whose rows must never show up in the first one's results.
const OTHER_DOMAIN: &str = "cdr-other.example";
/// Rows of the second tenant.
const OTHER_ROWS: u64 = 100_000;
/// Rows per `insert_cdrs` call.
const BATCH: u64 = 10_000;
/// 2025-01-01T00:00:00Z, unix ms.
const T0: i64 = 1_735_689_600_000;
const DAY: i64 = 86_400_000;
const YEAR: i64 = 365 * DAY;
/// Timed runs per query (after one warm-up).
const RUNS: usize = 20;
/// Extensions calling and called.
const EXTENSIONS: u64 = 500;
/// External numbers called.
const EXTERNALS: u64 = 50_000;
/// The number searched by (c) and (d).
const NUMBER: &str = "1042";
/// Marker file in the data directory: how many rows the prepared database holds.
const MARKER: &str = "cdr_bench_rows";

/// splitmix64: deterministic, so a prepared database can be checked against a new run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// CDR number `i` of `total` for the tenant tagged `tag` (so Call-IDs differ per tenant).
fn cdr(rng: &mut Rng, tag: &str, i: u64, total: u64) -> NewCdr {
    let slot = YEAR / total as i64;
    let started_at = T0 + i as i64 * slot + rng.below(slot.max(1) as u64) as i64;
    let caller = format!("{}", 1000 + rng.below(EXTENSIONS));
    let callee = if rng.below(100) < 40 {
        format!("{}", 1000 + rng.below(EXTENSIONS))
    } else {
        format!("+4930{:07}", rng.below(EXTERNALS))
    };
    let p = rng.below(100);
    let disposition = match p {
        0..=64 => Disposition::Answered,
        65..=79 => Disposition::NoAnswer,
        80..=87 => Disposition::Busy,
        88..=95 => Disposition::Cancelled,
        _ => Disposition::Failed,
    };
    let ring = 1_000 + rng.below(20_000) as i64;
    let (answered_at, ended_at, side, cause) = match disposition {
        Disposition::Answered => {
            let talk = 5_000 + rng.below(600_000) as i64;
            let side = if rng.below(2) == 0 {
                HangupSide::Caller
            } else {
                HangupSide::Callee
            };
            (
                Some(started_at + ring),
                started_at + ring + talk,
                side,
                "bye",
            )
        }
        Disposition::Busy => (None, started_at + ring, HangupSide::Callee, "486 Busy Here"),
        Disposition::NoAnswer => (None, started_at + ring, HangupSide::System, "no-answer"),
        Disposition::Cancelled => (None, started_at + ring, HangupSide::Caller, "cancel"),
        Disposition::Failed => (
            None,
            started_at + 50,
            HangupSide::System,
            "503 Service Unavailable",
        ),
    };
    let media = disposition == Disposition::Answered;
    NewCdr {
        call_id: format!("{tag}-{i:08}@bench.invalid"),
        caller,
        callee,
        started_at,
        answered_at,
        ended_at,
        disposition,
        hangup_side: side,
        hangup_cause: cause.to_owned(),
        codec_a: media.then(|| "PCMA".to_owned()),
        codec_b: media.then(|| "PCMA".to_owned()),
        quality: None,
        recording: None,
    }
}

/// Inserts `rows` CDRs for `main` and [`OTHER_ROWS`] for `other`, interleaved.
async fn generate(main: &TenantStore, other: &TenantStore, rows: u64) {
    let mut rng = Rng(42);
    let mut other_rng = Rng(7);
    let batches = rows.div_ceil(BATCH);
    let other_per_batch = OTHER_ROWS.div_ceil(batches);
    let (mut done, mut other_done) = (0u64, 0u64);
    let start = Instant::now();
    let mut last_report = Instant::now();
    while done < rows {
        let n = BATCH.min(rows - done);
        let batch: Vec<NewCdr> = (done..done + n)
            .map(|i| cdr(&mut rng, "a", i, rows))
            .collect();
        let inserted = main.insert_cdrs(&batch).await.expect("insert_cdrs");
        assert_eq!(inserted, n, "batch at row {done} was not fully inserted");
        done += n;
        if other_done < OTHER_ROWS {
            let m = other_per_batch.min(OTHER_ROWS - other_done);
            let batch: Vec<NewCdr> = (other_done..other_done + m)
                .map(|i| cdr(&mut other_rng, "b", i, OTHER_ROWS))
                .collect();
            other.insert_cdrs(&batch).await.expect("insert_cdrs other");
            other_done += m;
        }
        if last_report.elapsed() > Duration::from_secs(30) {
            let s = start.elapsed().as_secs_f64();
            eprintln!(
                "  {done} rows in {s:.0} s ({:.0} rows/s)",
                (done + other_done) as f64 / s
            );
            last_report = Instant::now();
        }
    }
    let s = start.elapsed().as_secs_f64();
    println!(
        "inserted {done} + {other_done} rows in {s:.1} s: {:.0} rows/s ({:.1} ms per batch of {BATCH})",
        (done + other_done) as f64 / s,
        s * 1000.0 / (done + other_done) as f64 * BATCH as f64
    );
}

/// Size of the database file plus its WAL, bytes.
fn db_size(dir: &Path) -> u64 {
    ["vpbx.db", "vpbx.db-wal", "vpbx.db-shm"]
        .iter()
        .filter_map(|f| std::fs::metadata(dir.join(f)).ok())
        .map(|m| m.len())
        .sum()
}

/// Runs `query` once to warm up, then [`RUNS`] times; prints one line and returns the
/// median in ms.
async fn measure(store: &TenantStore, name: &str, query: &CdrQuery) -> f64 {
    let warm = store.list_cdrs(query).await.expect("list_cdrs");
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let t = Instant::now();
        let rows = store.list_cdrs(query).await.expect("list_cdrs");
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(rows.len(), warm.len());
    }
    // Every row must belong to the query: tenant (Call-ID tag), window, number, disposition.
    for r in &warm {
        assert!(
            r.call_id.starts_with("a-"),
            "another tenant's CDR: {}",
            r.call_id
        );
        assert!(query.since.is_none_or(|s| r.started_at >= s));
        assert!(query.until.is_none_or(|u| r.started_at < u));
        assert!(query
            .number
            .as_ref()
            .is_none_or(|n| &r.caller == n || &r.callee == n));
        assert!(query.disposition.is_none_or(|d| r.disposition == d));
    }
    assert!(warm
        .windows(2)
        .all(|w| (w[0].started_at, w[0].id) > (w[1].started_at, w[1].id)));
    times.sort_by(f64::total_cmp);
    let median = (times[RUNS / 2 - 1] + times[RUNS / 2]) / 2.0;
    let p95 = times[(RUNS * 95).div_ceil(100) - 1];
    println!(
        "{name:<52} rows {:>3}  median {median:>8.2} ms  p95 {p95:>8.2} ms  max {:>8.2} ms",
        warm.len(),
        times[RUNS - 1]
    );
    median
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mut rows: u64 = 10_000_000;
    let mut data: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--rows" => {
                rows = args
                    .next()
                    .and_then(|v| v.replace('_', "").parse().ok())
                    .expect("--rows N")
            }
            "--data" => data = Some(args.next().expect("--data DIR").into()),
            // `cargo bench` passes `--bench`; ignore it and any libtest-style flag.
            _ => {}
        }
    }
    assert!(rows >= BATCH, "--rows must be at least {BATCH}");
    let temp = tempfile::tempdir().expect("tempdir");
    let dir = data.unwrap_or_else(|| temp.path().to_path_buf());

    let marker = dir.join(MARKER);
    let prepared = std::fs::read_to_string(&marker)
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok());
    if prepared.is_some_and(|p| p != rows) {
        panic!(
            "{} holds {} rows, not {rows}: use another --data directory",
            dir.display(),
            prepared.unwrap_or(0)
        );
    }
    let t = Instant::now();
    let store = Store::open(&dir).await.expect("open store");
    println!(
        "opened {} in {:.1} s (migrations included)",
        dir.display(),
        t.elapsed().as_secs_f64()
    );
    let (main_tenant, other_tenant) = if prepared == Some(rows) {
        let a = store
            .tenant_by_domain(&DOMAIN.parse().unwrap())
            .await
            .unwrap()
            .expect("prepared tenant");
        let b = store
            .tenant_by_domain(&OTHER_DOMAIN.parse().unwrap())
            .await
            .unwrap()
            .expect("prepared tenant");
        println!("reusing {rows} + {OTHER_ROWS} rows");
        (store.tenant(a.id), store.tenant(b.id))
    } else {
        let a = store
            .create_tenant(&DOMAIN.parse().unwrap(), 1)
            .await
            .expect("create tenant");
        let b = store
            .create_tenant(&OTHER_DOMAIN.parse().unwrap(), 1)
            .await
            .expect("create tenant");
        let (a, b) = (store.tenant(a.id), store.tenant(b.id));
        generate(&a, &b, rows).await;
        std::fs::write(&marker, rows.to_string()).expect("write marker");
        (a, b)
    };
    println!(
        "database {:.2} GiB on disk ({} rows of tenant {}, {OTHER_ROWS} of tenant {})",
        db_size(&dir) as f64 / f64::from(1u32 << 30),
        rows,
        main_tenant.id().0,
        other_tenant.id().0
    );

    // Windows near the middle of the year, so both sides of each have data.
    let day = T0 + 200 * DAY;
    let month = T0 + 181 * DAY; // 2025-07-01
    let month_end = month + 31 * DAY;
    let week = T0 + 196 * DAY;
    let q = |since: Option<i64>, until: Option<i64>| CdrQuery {
        since,
        until,
        ..CdrQuery::default()
    };

    let mut medians = Vec::new();
    medians.push(
        measure(
            &main_tenant,
            "(a) one day, newest 100",
            &q(Some(day), Some(day + DAY)),
        )
        .await,
    );
    medians.push(
        measure(
            &main_tenant,
            "(b) one month, newest 100",
            &q(Some(month), Some(month_end)),
        )
        .await,
    );
    let year_number = CdrQuery {
        number: Some(NUMBER.to_owned()),
        ..q(Some(T0), Some(T0 + YEAR))
    };
    medians.push(
        measure(
            &main_tenant,
            "(c) number as caller or callee, one year",
            &year_number,
        )
        .await,
    );
    let week_number = CdrQuery {
        number: Some(NUMBER.to_owned()),
        ..q(Some(week), Some(week + 7 * DAY))
    };
    medians.push(
        measure(
            &main_tenant,
            "(d) number as caller or callee, one week",
            &week_number,
        )
        .await,
    );
    let failed = CdrQuery {
        disposition: Some(Disposition::Failed),
        ..q(Some(month), Some(month_end))
    };
    medians.push(measure(&main_tenant, "(e) disposition FAILED, one month", &failed).await);

    // (f): walk to the 49th page, then time fetching the 50th from its cursor.
    let mut page = q(Some(month), Some(month_end));
    for _ in 0..49 {
        let rows = main_tenant.list_cdrs(&page).await.expect("page");
        page.before = Some(rows.last().expect("a full page").cursor());
    }
    medians.push(
        measure(
            &main_tenant,
            "(f) one month, page 50 of 100 by cursor",
            &page,
        )
        .await,
    );

    // Tenant scoping: the second tenant sees only its own rows.
    let other_rows = other_tenant
        .list_cdrs(&q(Some(month), Some(month_end)))
        .await
        .expect("list other");
    assert!(other_rows.iter().all(|r| r.call_id.starts_with("b-")));
    println!(
        "tenant scoping: second tenant's month listing returned {} rows, all its own",
        other_rows.len()
    );
    let worst = medians.iter().copied().fold(0.0, f64::max);
    println!(
        "slowest median {worst:.2} ms: {}",
        if worst < 100.0 {
            "all under 100 ms"
        } else {
            "OVER 100 ms"
        }
    );
}
