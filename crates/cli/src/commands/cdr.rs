//! `vpbx cdr list`: a tenant's call detail records, newest first, as a table (UTC times,
//! whole seconds) or JSON (the stored rows, times in unix milliseconds).

use super::tenant_store;
use crate::args::{CdrCommand, CdrListArgs};
use crate::output;
use crate::time::{format_utc, now_ms, parse_time};
use vpbx_store::{CdrQuery, CdrRow, Disposition, Store};

/// Runs one cdr command.
pub async fn run(store: &Store, cmd: CdrCommand) -> anyhow::Result<()> {
    match cmd {
        CdrCommand::List(args) => list(store, args).await,
    }
}

async fn list(store: &Store, args: CdrListArgs) -> anyhow::Result<()> {
    let now = now_ms();
    let time = |flag: &str, value: &Option<String>| -> anyhow::Result<Option<i64>> {
        value
            .as_deref()
            .map(|v| parse_time(v, now).map_err(|e| anyhow::anyhow!("{flag} {v:?}: {e}")))
            .transpose()
    };
    let query = CdrQuery {
        since: time("--since", &args.since)?,
        until: time("--until", &args.until)?,
        number: args.number,
        disposition: args.disposition.as_deref().map(disposition).transpose()?,
        limit: args.limit,
        before: None,
    };
    if let (Some(since), Some(until)) = (query.since, query.until) {
        if since >= until {
            anyhow::bail!("--since must be before --until");
        }
    }
    let (_, ts) = tenant_store(store, &args.domain).await?;
    let rows = ts.list_cdrs(&query).await?;
    if args.json {
        return output::json(&rows);
    }
    let table: Vec<Vec<String>> = rows.iter().map(table_row).collect();
    output::table(
        &[
            "START (UTC)",
            "CALL ID",
            "FROM",
            "TO",
            "DISPOSITION",
            "DURATION",
            "BILLSEC",
            "HANGUP",
            "CODECS",
        ],
        &table,
    );
    Ok(())
}

/// Parses `--disposition`, forgiving case and `-`/`_` for the space of `NO ANSWER`.
fn disposition(s: &str) -> anyhow::Result<Disposition> {
    let normal = s.trim().to_ascii_uppercase().replace(['-', '_'], " ");
    normal.parse().map_err(|_| {
        anyhow::anyhow!("--disposition {s:?}: use ANSWERED, BUSY, NO-ANSWER, FAILED or CANCELLED")
    })
}

/// One table line: start, call id, from, to, disposition, duration and billsec in whole
/// seconds (rounded), hangup side/cause, codecs A/B.
fn table_row(r: &CdrRow) -> Vec<String> {
    let codec = |c: &Option<String>| c.clone().unwrap_or_else(|| "-".into());
    vec![
        format_utc(r.started_at),
        r.call_id.clone(),
        r.caller.clone(),
        r.callee.clone(),
        r.disposition.to_string(),
        seconds(r.duration_ms),
        seconds(r.billsec_ms),
        format!("{}/{}", r.hangup_side, r.hangup_cause),
        format!("{}/{}", codec(&r.codec_a), codec(&r.codec_b)),
    ]
}

/// Milliseconds as whole seconds, rounded half up.
fn seconds(ms: i64) -> String {
    ((ms + 500).div_euclid(1_000)).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disposition_spellings() {
        for (s, d) in [
            ("ANSWERED", Disposition::Answered),
            ("busy", Disposition::Busy),
            ("NO ANSWER", Disposition::NoAnswer),
            ("no-answer", Disposition::NoAnswer),
            ("No_Answer", Disposition::NoAnswer),
            ("failed", Disposition::Failed),
            ("Cancelled", Disposition::Cancelled),
        ] {
            assert_eq!(disposition(s).unwrap(), d, "{s}");
        }
        assert!(disposition("held").is_err());
        assert!(disposition("NOANSWER").is_err());
    }

    #[test]
    fn seconds_round_half_up() {
        assert_eq!(seconds(0), "0");
        assert_eq!(seconds(499), "0");
        assert_eq!(seconds(500), "1");
        assert_eq!(seconds(28_000), "28");
    }
}
