//! `vpbx voicemail set|show|list|remove|heard` (issue 5 item 6; seed 001: voicemail
//! mailed as an attachment, optionally deleted after sending): an extension's voicemail box
//! and the messages left in it, marked heard or new. The checks are the store's (extension and greeting prompt exist,
//! message limit in range); e-mail addresses must also be ones the mailer can send to.

use super::tenant_store;
use crate::args::{VoicemailCommand, VoicemailSetArgs};
use crate::output;
use crate::time::format_utc;
use anyhow::Context;
use serde_json::json;
use std::path::Path;
use vpbx_model::{Domain, Email, Extension, PromptName};
use vpbx_store::{Store, StoreError, TenantStore, User, VoicemailBox};

/// Runs one voicemail command; `data` is the data directory message files live under.
pub async fn run(data: &Path, store: &Store, cmd: VoicemailCommand) -> anyhow::Result<()> {
    match cmd {
        VoicemailCommand::Set(args) => set(store, args).await,
        VoicemailCommand::Show { domain, ext, json } => {
            let (d, ts, user) = extension(store, &domain, &ext).await?;
            let vm = ts.voicemail_box(&user.extension).await?.with_context(|| {
                format!(
                    "extension {} of {d} has no voicemail box (vpbx voicemail set)",
                    user.extension
                )
            })?;
            let (new, old) = ts.message_counts(&user.extension).await?;
            if json {
                output::json(&json!({
                    "extension": vm.extension,
                    "enabled": vm.enabled,
                    "email": vm.email,
                    "mail_to": vm.mail_to(user.email.as_ref()),
                    "greeting": vm.greeting,
                    "delete_after_send": vm.delete_after_send,
                    "max_seconds": vm.max_seconds,
                    "new": new,
                    "old": old,
                }))?;
            } else {
                print_box(&d, &vm, &user);
                println!("  messages:           {new} new, {old} old");
            }
            Ok(())
        }
        VoicemailCommand::List { domain, ext, json } => {
            let (_, ts) = tenant_store(store, &domain).await?;
            let ext: Extension = ext.parse()?;
            let rows = ts.list_voicemail(&ext).await?;
            if json {
                return output::json(&rows);
            }
            let table: Vec<Vec<String>> = rows
                .iter()
                .map(|m| {
                    vec![
                        m.id.to_string(),
                        format_utc(m.created_at),
                        m.caller.chars().filter(|c| !c.is_control()).collect(),
                        format!("{:.1}", m.duration_ms as f64 / 1000.0),
                        m.emailed_at.map_or_else(|| "-".to_owned(), format_utc),
                        if m.heard { "yes" } else { "no" }.to_owned(),
                        m.path.clone().unwrap_or_else(|| "(deleted)".to_owned()),
                    ]
                })
                .collect();
            output::table(
                &[
                    "ID", "RECEIVED", "CALLER", "SECONDS", "EMAILED", "HEARD", "FILE",
                ],
                &table,
            );
            Ok(())
        }
        VoicemailCommand::Remove { domain, ext, id } => {
            let (d, ts) = tenant_store(store, &domain).await?;
            let ext: Extension = ext.parse()?;
            let path = ts.remove_voicemail(&ext, id).await?;
            if let Some(path) = path {
                let file = data.join(path);
                match std::fs::remove_file(&file) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => {
                        return Err(e).with_context(|| {
                            format!(
                                "removed voicemail {id}, but not its file {}",
                                file.display()
                            )
                        })
                    }
                }
            }
            println!("removed voicemail {id} of {ext} in {d}");
            Ok(())
        }
        VoicemailCommand::Heard {
            domain,
            ext,
            id,
            new,
        } => {
            let (d, ts) = tenant_store(store, &domain).await?;
            let ext: Extension = ext.parse()?;
            ts.set_voicemail_heard(&ext, id, !new).await?;
            let (new_count, old_count) = ts.message_counts(&ext).await?;
            println!(
                "marked voicemail {id} of {ext} in {d} {}; {new_count} new, {old_count} old",
                if new { "new" } else { "heard" }
            );
            Ok(())
        }
    }
}

/// `vpbx voicemail set`: the current box (or a new one) with the flags given applied.
async fn set(store: &Store, a: VoicemailSetArgs) -> anyhow::Result<()> {
    let (d, ts, user) = extension(store, &a.domain, &a.ext).await?;
    let ext = user.extension.clone();
    let mut vm = ts
        .voicemail_box(&ext)
        .await?
        .unwrap_or_else(|| VoicemailBox::new(ext.clone()));
    if a.enable || a.disable {
        vm.enabled = a.enable;
    }
    if let Some(address) = &a.email {
        vpbx_mail::parse_mailbox(address)?;
        vm.email = Some(address.parse::<Email>()?);
    }
    if a.user_email {
        vm.email = None;
    }
    if let Some(greeting) = &a.greeting {
        vm.greeting = Some(greeting.parse::<PromptName>()?);
    }
    if a.no_greeting {
        vm.greeting = None;
    }
    if let Some(delete) = a.delete_after_send {
        vm.delete_after_send = delete;
    }
    if let Some(max) = a.max_seconds {
        vm.max_seconds = max;
    }
    match ts.set_voicemail_box(&vm).await {
        Ok(()) => {}
        Err(StoreError::NotFound(what)) if what.starts_with("prompt ") => {
            anyhow::bail!("{what} not found in {d} (vpbx prompt list {d})")
        }
        Err(StoreError::Invalid(why)) if why.starts_with("max_seconds:") => {
            anyhow::bail!("--max-seconds{}", &why["max_seconds".len()..])
        }
        Err(e) => return Err(e.into()),
    }
    print_box(&d, &vm, &user);
    Ok(())
}

/// The tenant of `domain` and its user `ext`, or a clear error.
async fn extension(
    store: &Store,
    domain: &str,
    ext: &str,
) -> anyhow::Result<(Domain, TenantStore, User)> {
    let (d, ts) = tenant_store(store, domain).await?;
    let ext: Extension = ext.parse()?;
    let user = ts
        .get_user(&ext)
        .await?
        .with_context(|| format!("no extension {ext} in {d}"))?;
    Ok((d, ts, user))
}

/// Prints a box's settings, saying where messages are mailed.
fn print_box(d: &Domain, vm: &VoicemailBox, user: &User) {
    let mail_to = match (&vm.email, vm.mail_to(user.email.as_ref())) {
        (Some(own), _) => own.to_string(),
        (None, Some(users)) => format!("{users} (the user's)"),
        (None, None) => "none: messages are kept, not mailed (give --email, or the user an \
                         e-mail address)"
            .to_owned(),
    };
    println!("voicemail of {}@{d}", vm.extension);
    println!(
        "  enabled:            {}",
        if vm.enabled { "yes" } else { "no" }
    );
    println!("  email:              {mail_to}");
    println!(
        "  greeting:           {}",
        vm.greeting
            .as_ref()
            .map_or_else(|| "built-in".to_owned(), |g| format!("prompt {g}"))
    );
    println!(
        "  delete after send:  {}",
        if vm.delete_after_send { "on" } else { "off" }
    );
    println!("  max seconds:        {}", vm.max_seconds);
}
