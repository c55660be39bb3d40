//! `vpbx user add|remove|passwd|limits|disa|list|import`.

use super::tenant_store;
use crate::args::UserCommand;
use crate::output;
use anyhow::Context;
use std::collections::BTreeMap;
use vpbx_ivr::disa::DisaPin;
use vpbx_model::{DisplayName, Domain, Email, Extension, Password};
use vpbx_sip_proto::digest::{ha1_hex, Algorithm};
use vpbx_store::{NewUser, Store};

/// Runs one user command.
pub async fn run(store: &Store, cmd: UserCommand) -> anyhow::Result<()> {
    match cmd {
        UserCommand::Add {
            domain,
            ext,
            password,
            name,
            email,
            call_limit,
            busy_level,
        } => {
            let (domain, ts) = tenant_store(store, &domain).await?;
            let user = NewUser {
                call_limit,
                busy_level,
                ..new_user(&domain, &ext, &password, name.as_deref(), email.as_deref())?
            };
            ts.add_user(&user, output::now()).await?;
            println!("added {}@{}", user.extension, domain);
        }
        UserCommand::Limits {
            domain,
            ext,
            call_limit,
            busy_level,
        } => {
            let (domain, ts) = tenant_store(store, &domain).await?;
            let ext: Extension = ext.parse()?;
            if call_limit.is_none() && busy_level.is_none() {
                anyhow::bail!("nothing to change: give --call-limit and/or --busy-level");
            }
            let user = ts
                .get_user(&ext)
                .await?
                .with_context(|| format!("no extension {ext} in {domain}"))?;
            let call_limit = call_limit.map_or(user.call_limit, |l| l.0);
            let busy_level = busy_level.map_or(user.busy_level, |l| l.0);
            ts.set_limits(&ext, call_limit, busy_level).await?;
            println!(
                "limits of {ext}@{domain}: call limit {}, busy level {}",
                show_limit(call_limit),
                show_limit(busy_level)
            );
        }
        UserCommand::Remove { domain, ext } => {
            let (domain, ts) = tenant_store(store, &domain).await?;
            let ext: Extension = ext.parse()?;
            ts.remove_user(&ext).await?;
            println!("removed {ext}@{domain}");
        }
        UserCommand::Disa {
            domain,
            ext,
            pin,
            off: _,
        } => {
            let (domain, ts) = tenant_store(store, &domain).await?;
            let ext: Extension = ext.parse()?;
            let hash = pin
                .map(|p| {
                    p.parse::<DisaPin>()
                        .map(|p| p.hash(&ext))
                        .map_err(|e| anyhow::anyhow!("--pin: {e}"))
                })
                .transpose()?;
            ts.set_disa_pin(&ext, hash.as_deref()).await?;
            let state = if hash.is_some() {
                "may"
            } else {
                "may no longer"
            };
            println!("{ext}@{domain} {state} dial out through DISA");
            if hash.is_some() && !ts.disa_enabled().await? {
                println!("note: DISA is off for {domain}; turn it on with `vpbx tenant options {domain} --disa on`");
            }
        }
        UserCommand::Passwd {
            domain,
            ext,
            password,
        } => {
            let (domain, ts) = tenant_store(store, &domain).await?;
            let ext: Extension = ext.parse()?;
            let pw: Password = password.parse()?;
            let (md5, sha) = ha1s(&domain, &ext, &pw);
            ts.set_password(&ext, &md5, &sha).await?;
            println!("password changed for {ext}@{domain}");
        }
        UserCommand::List { domain, json } => {
            let (_, ts) = tenant_store(store, &domain).await?;
            let users = ts.list_users().await?;
            if json {
                output::json(&users)?;
            } else {
                let rows: Vec<Vec<String>> = users
                    .iter()
                    .map(|u| {
                        vec![
                            u.extension.to_string(),
                            u.name.as_ref().map(|n| n.to_string()).unwrap_or_default(),
                            u.email.as_ref().map(|e| e.to_string()).unwrap_or_default(),
                            show_limit(u.call_limit),
                            show_limit(u.busy_level),
                        ]
                    })
                    .collect();
                output::table(&["EXT", "NAME", "EMAIL", "CALL-LIMIT", "BUSY-LEVEL"], &rows);
            }
        }
        UserCommand::Import {
            file,
            create_tenants,
        } => import(store, &file, create_tenants).await?,
    }
    Ok(())
}

/// A limit for display: the number, or `none`.
fn show_limit(limit: Option<u32>) -> String {
    limit.map_or_else(|| "none".into(), |n| n.to_string())
}

fn ha1s(domain: &Domain, ext: &Extension, pw: &Password) -> (String, String) {
    (
        ha1_hex(Algorithm::Md5, ext.as_str(), domain.as_str(), pw.expose()),
        ha1_hex(
            Algorithm::Sha256,
            ext.as_str(),
            domain.as_str(),
            pw.expose(),
        ),
    )
}

/// Validates the fields of a new user (without call limits) and derives its digest HA1
/// values.
pub fn new_user(
    domain: &Domain,
    ext: &str,
    password: &str,
    name: Option<&str>,
    email: Option<&str>,
) -> anyhow::Result<NewUser> {
    let extension: Extension = ext.parse()?;
    let pw: Password = password.parse()?;
    let name = name.map(str::parse::<DisplayName>).transpose()?;
    let email = email.map(str::parse::<Email>).transpose()?;
    let (ha1_md5, ha1_sha256) = ha1s(domain, &extension, &pw);
    Ok(NewUser {
        extension,
        name,
        email,
        ha1_md5,
        ha1_sha256,
        call_limit: None,
        busy_level: None,
    })
}

async fn import(store: &Store, file: &std::path::Path, create: bool) -> anyhow::Result<()> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let mut by_domain: BTreeMap<Domain, Vec<NewUser>> = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line == "SEQUENTIAL" || line == "RANDOM" {
            continue;
        }
        let at = || format!("{}:{}", file.display(), i + 1);
        let f: Vec<&str> = line.split(';').collect();
        let (ext, domain, pw) = match f.as_slice() {
            [e, d, p, ..] => (*e, *d, *p),
            _ => anyhow::bail!("{}: expected ext;domain;password", at()),
        };
        let name = f.get(3).filter(|n| !n.is_empty() && !n.starts_with('['));
        let domain: Domain = domain.parse().with_context(at)?;
        let user = new_user(&domain, ext, pw, name.copied(), None).with_context(at)?;
        by_domain.entry(domain).or_default().push(user);
    }
    let (mut tenants, mut users) = (0usize, 0usize);
    for (domain, list) in by_domain {
        let tenant = match store.tenant_by_domain(&domain).await? {
            Some(t) => t,
            None if create => {
                tenants += 1;
                store.create_tenant(&domain, output::now()).await?
            }
            None => anyhow::bail!("no tenant {domain} (use --create-tenants)"),
        };
        users += store
            .tenant(tenant.id)
            .add_users(&list, output::now())
            .await
            .with_context(|| format!("tenant {domain}"))?;
    }
    println!("imported {users} users ({tenants} tenants created)");
    Ok(())
}
