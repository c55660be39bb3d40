//! `vpbx tenant create|delete|enable|disable|list`.
//!
//! `delete` removes the tenant's rows (the database cascades) and then its files,
//! `DATA/tenants/<tenant id>/` (voice prompts); if removing the files fails the deletion
//! still stands and a warning names the directory (tenant ids are never reused, so the
//! files are unreachable and can be removed by hand).

use crate::args::{TenantCommand, TenantOptionsArgs};
use crate::output;
use serde::Serialize;
use std::path::Path;
use vpbx_model::{Domain, PromptName};
use vpbx_store::Store;

#[derive(Serialize)]
struct Row {
    domain: String,
    enabled: bool,
    users: usize,
    created_at: i64,
}

/// Runs one tenant command.
pub async fn run(data: &Path, store: &Store, cmd: TenantCommand) -> anyhow::Result<()> {
    match cmd {
        TenantCommand::Create { domain } => {
            let t = store.create_tenant(&domain.parse()?, output::now()).await?;
            println!("created tenant {}", t.domain);
        }
        TenantCommand::Delete { domain, yes } => {
            let d: Domain = domain.parse()?;
            if !yes {
                anyhow::bail!(
                    "deleting {d} removes all its users and data; repeat with --yes to confirm"
                );
            }
            let id = store.tenant_by_domain(&d).await?.map(|t| t.id);
            store.delete_tenant(&d).await?;
            if let Some(id) = id {
                if let Err(e) = vpbx_api::prompts::remove_tenant_files(data, id) {
                    let dir = vpbx_api::prompts::tenant_dir(data, id);
                    eprintln!("warning: cannot remove {}: {e}", dir.display());
                }
            }
            println!("deleted tenant {d}");
        }
        TenantCommand::Enable { domain } => {
            let d: Domain = domain.parse()?;
            store.set_tenant_enabled(&d, true).await?;
            println!("enabled tenant {d}");
        }
        TenantCommand::Disable { domain } => {
            let d: Domain = domain.parse()?;
            store.set_tenant_enabled(&d, false).await?;
            println!("disabled tenant {d}");
        }
        TenantCommand::List(f) => {
            let mut rows = Vec::new();
            for (t, users) in store.load_all().await? {
                rows.push(Row {
                    domain: t.domain.to_string(),
                    enabled: t.enabled,
                    users: users.len(),
                    created_at: t.created_at,
                });
            }
            rows.sort_by(|a, b| a.domain.cmp(&b.domain));
            if f.json {
                output::json(&rows)?;
            } else {
                let table: Vec<Vec<String>> = rows
                    .iter()
                    .map(|r| {
                        vec![
                            r.domain.clone(),
                            if r.enabled { "yes" } else { "no" }.into(),
                            r.users.to_string(),
                        ]
                    })
                    .collect();
                output::table(&["DOMAIN", "ENABLED", "USERS"], &table);
            }
        }
    }
    Ok(())
}

/// `vpbx tenant options`: changes the options given, then prints them.
pub async fn options(store: &Store, a: TenantOptionsArgs) -> anyhow::Result<()> {
    let (domain, ts) = super::tenant_store(store, &a.domain).await?;
    let mut o = ts.media_options().await?;
    let before = o;
    if let Some(on) = a.record {
        o.record_calls = on;
    }
    if let Some(on) = a.recording_download {
        o.allow_download = on;
    }
    if let Some(days) = a.recording_retention {
        o.retention_days = days;
    }
    if let Some(mib) = a.recording_quota {
        o.quota_mb = mib;
    }
    if o != before {
        ts.set_media_options(&o).await.map_err(|e| match e {
            vpbx_store::StoreError::Invalid(m) => anyhow::anyhow!(
                "{}",
                m.replace("retention_days", "--recording-retention")
                    .replace("quota_mb", "--recording-quota")
            ),
            e => e.into(),
        })?;
    }
    if let Some(moh) = a.moh.as_deref() {
        let prompt: Option<PromptName> = match moh {
            "off" => None,
            name => Some(name.parse().map_err(|e| anyhow::anyhow!("--moh: {e}"))?),
        };
        ts.set_moh(prompt.as_ref()).await?;
    }
    if let Some(on) = a.disa {
        ts.set_disa_enabled(on).await?;
    }
    let moh = ts.moh().await?;
    let disa = ts.disa_enabled().await?;
    if a.json {
        let mut flat = serde_json::to_value(o)?;
        flat["moh"] = serde_json::json!(moh);
        flat["disa"] = serde_json::json!(disa);
        return output::json(&flat);
    }
    let on = |b: bool| if b { "on" } else { "off" };
    println!(
        "{domain}: recording {}, download {}, kept {} days, quota {} MiB, music on hold {}, DISA {}",
        on(o.record_calls),
        on(o.allow_download),
        o.retention_days,
        o.quota_mb,
        moh.as_ref().map_or("off", PromptName::as_str),
        on(disa)
    );
    Ok(())
}
