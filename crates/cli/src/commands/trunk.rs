//! `vpbx trunk add|list|show|remove`: a tenant's SIP trunks (seed 000 §4.5.2 `sip_trunks`,
//! `siptrunk_add.pl`).
//!
//! Invariants: every value is parsed into its model type before the store is touched, so
//! a bad one fails with one line naming its field; the secret is sealed with
//! `<data>/trunk.key` and never printed (listings show `set` or `none`).

use super::tenant_store;
use crate::args::{TrunkAddArgs, TrunkCommand};
use crate::output;
use anyhow::Context;
use std::collections::HashMap;
use std::path::Path;
use vpbx_engine::trunk_state::{PUBLISH_EVERY, STATUS_FILE};
use vpbx_model::{TrunkName, TrunkTransport};
use vpbx_store::{NewTrunk, SecretBox, Store, TrunkRow};

/// Runs one trunk command; `data` is the data directory holding `trunk.key`.
pub async fn run(data: &Path, store: &Store, cmd: TrunkCommand) -> anyhow::Result<()> {
    match cmd {
        TrunkCommand::Add(args) => add(data, store, *args).await?,
        TrunkCommand::List { domain, json } => {
            let (_, ts) = tenant_store(store, &domain).await?;
            let trunks = ts.list_trunks().await?;
            let live = live_status(data);
            if json {
                let rows: Vec<serde_json::Value> = trunks
                    .iter()
                    .map(|t| with_status(t, &live))
                    .collect::<anyhow::Result<_>>()?;
                output::json(&rows)?;
            } else {
                let rows: Vec<Vec<String>> = trunks
                    .iter()
                    .map(|t| {
                        let mut row = table_row(t);
                        row.push(status_text(t, &live));
                        row
                    })
                    .collect();
                output::table(
                    &[
                        "NAME",
                        "HOST",
                        "PORT",
                        "TRANSPORT",
                        "USERNAME",
                        "SECRET",
                        "REGISTER",
                        "CALL-LIMIT",
                        "CODECS",
                        "INSECURE",
                        "QUALIFY",
                        "ENABLED",
                        "STATUS",
                    ],
                    &rows,
                );
            }
        }
        TrunkCommand::Show { domain, name, json } => {
            let (domain, ts) = tenant_store(store, &domain).await?;
            let name: TrunkName = name.parse()?;
            let trunk = ts
                .get_trunk(&name)
                .await?
                .with_context(|| format!("no trunk {name} in {domain}"))?;
            let live = live_status(data);
            if json {
                output::json(&with_status(&trunk, &live)?)?;
            } else {
                show(&trunk);
                println!("status: {}", status_text(&trunk, &live));
            }
        }
        TrunkCommand::Remove { domain, name } => {
            let (domain, ts) = tenant_store(store, &domain).await?;
            let name: TrunkName = name.parse()?;
            ts.remove_trunk(&name).await?;
            println!("removed trunk {name} from {domain}");
        }
    }
    Ok(())
}

/// `vpbx trunk add`: validates every field, then stores the trunk with its sealed secret.
async fn add(data: &Path, store: &Store, a: TrunkAddArgs) -> anyhow::Result<()> {
    let (domain, ts) = tenant_store(store, &a.domain).await?;
    let transport: TrunkTransport = a.transport.parse()?;
    let port = match a.port.as_deref() {
        None => transport.default_port(),
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n > 0 => n,
            _ => anyhow::bail!("invalid port: must be 1 to 65535, not {p:?}"),
        },
    };
    let call_limit = match a.call_limit.as_deref() {
        None => None,
        Some(n) => match n.parse::<u32>() {
            Ok(n) if n > 0 => Some(n),
            _ => anyhow::bail!("invalid call-limit: must be a number of at least 1, not {n:?}"),
        },
    };
    let trunk = NewTrunk {
        port,
        transport,
        username: a.username.as_deref().map(str::parse).transpose()?,
        secret: a.secret.as_deref().map(str::parse).transpose()?,
        from_user: a.from_user.as_deref().map(str::parse).transpose().map_err(
            |e: vpbx_model::ModelError| anyhow::anyhow!("invalid from-user: {}", e.reason),
        )?,
        from_domain: a
            .from_domain
            .as_deref()
            .map(str::parse)
            .transpose()
            .map_err(|e: vpbx_model::ModelError| {
                anyhow::anyhow!("invalid from-domain: {}", e.reason)
            })?,
        register: a.register,
        call_limit,
        codecs: a.codecs.parse()?,
        insecure_invite: a.insecure,
        ..NewTrunk::new(a.name.parse()?, a.host.parse()?)
    };
    let secrets = SecretBox::open_or_create(data).context("cannot open the trunk key")?;
    let added = ts.add_trunk(&trunk, &secrets, output::now()).await?;
    println!(
        "added trunk {} to {domain}: {}:{} over {}",
        added.name, added.host, added.port, added.transport
    );
    Ok(())
}

/// Trunk states a running `vpbx serve` published in the data directory, by (tenant id,
/// trunk name); empty when no server runs (the file is missing or stale).
fn live_status(data: &Path) -> HashMap<(i64, String), serde_json::Value> {
    let path = data.join(STATUS_FILE);
    let fresh = std::fs::metadata(&path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .is_some_and(|age| age <= PUBLISH_EVERY * 3);
    if !fresh {
        return HashMap::new();
    }
    let Ok(bytes) = std::fs::read(&path) else {
        return HashMap::new();
    };
    let lines: Vec<serde_json::Value> = serde_json::from_slice(&bytes).unwrap_or_default();
    lines
        .into_iter()
        .filter_map(|v| {
            let tenant = v.get("tenant_id")?.as_i64()?;
            let trunk = v.get("trunk")?.as_str()?.to_owned();
            Some(((tenant, trunk), v))
        })
        .collect()
}

/// `health, registration` of a trunk, or `-` when no server reports it.
fn status_text(t: &TrunkRow, live: &HashMap<(i64, String), serde_json::Value>) -> String {
    live.get(&(t.tenant.0, t.name.to_string()))
        .map(|v| {
            let field = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("-").to_owned();
            format!(
                "{}, registration {}",
                field("health"),
                field("registration")
            )
        })
        .unwrap_or_else(|| "-".to_owned())
}

/// The trunk as JSON with a `status` object (`null` when no server reports it).
fn with_status(
    t: &TrunkRow,
    live: &HashMap<(i64, String), serde_json::Value>,
) -> anyhow::Result<serde_json::Value> {
    let mut v = serde_json::to_value(t)?;
    let status = live
        .get(&(t.tenant.0, t.name.to_string()))
        .map(|s| {
            serde_json::json!({
                "health": s.get("health"),
                "registration": s.get("registration"),
            })
        })
        .unwrap_or(serde_json::Value::Null);
    if let Some(obj) = v.as_object_mut() {
        obj.insert("status".into(), status);
    }
    Ok(v)
}

/// One table row of `trunk list`.
fn table_row(t: &TrunkRow) -> Vec<String> {
    vec![
        t.name.to_string(),
        t.host.to_string(),
        t.port.to_string(),
        t.transport.to_string(),
        t.username
            .as_ref()
            .map(|u| u.to_string())
            .unwrap_or_default(),
        secret_state(t).into(),
        yes_no(t.register).into(),
        t.call_limit
            .map_or_else(|| "none".into(), |n| n.to_string()),
        t.codecs.to_string(),
        yes_no(t.insecure_invite).into(),
        yes_no(t.qualify).into(),
        yes_no(t.enabled).into(),
    ]
}

/// `trunk show`: one `field: value` line per setting.
fn show(t: &TrunkRow) {
    let none = || "none".to_owned();
    let lines = [
        ("name", t.name.to_string()),
        ("host", t.host.to_string()),
        ("port", t.port.to_string()),
        ("transport", t.transport.to_string()),
        (
            "username",
            t.username.as_ref().map_or_else(none, |u| u.to_string()),
        ),
        ("secret", secret_state(t).into()),
        (
            "from-user",
            t.from_user.as_ref().map_or_else(none, |u| u.to_string()),
        ),
        (
            "from-domain",
            t.from_domain.as_ref().map_or_else(none, |d| d.to_string()),
        ),
        ("register", yes_no(t.register).into()),
        (
            "call-limit",
            t.call_limit.map_or_else(none, |n| n.to_string()),
        ),
        ("codecs", t.codecs.to_string()),
        ("insecure", yes_no(t.insecure_invite).into()),
        ("qualify", yes_no(t.qualify).into()),
        ("enabled", yes_no(t.enabled).into()),
    ];
    for (k, v) in lines {
        println!("{k}: {v}");
    }
}

/// `set` or `none`: whether a secret is stored, never the secret itself.
fn secret_state(t: &TrunkRow) -> &'static str {
    if t.secret.is_some() {
        "set"
    } else {
        "none"
    }
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}
