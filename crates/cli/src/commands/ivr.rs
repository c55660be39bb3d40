//! `vpbx ivr add|option|schedule|holiday|list|show|remove`: a tenant's IVR menus (issue 5
//! item 3). Parsing names the field of bad input; the store validates the whole menu set
//! against the tenant's prompts, extensions and menus in its write transaction, so edits
//! here are one read-modify-write each.

use super::tenant_store;
use crate::args::{IvrAddArgs, IvrCommand};
use crate::output;
use vpbx_ivr::{Action, Holiday, Menu, ScheduleRule, TimeOfDay, Weekdays, OPTION_DIGITS};
use vpbx_model::{IvrName, PromptName};
use vpbx_store::{MenuRow, Store, StoreError};

/// Parses `s` as a `T`, naming `field` in the error.
fn parse<T: std::str::FromStr>(field: &str, s: &str) -> anyhow::Result<T>
where
    T::Err: std::fmt::Display,
{
    s.parse()
        .map_err(|e| anyhow::anyhow!("invalid {field} {s:?}: {e}"))
}

/// A menu name, naming `field` in the error.
fn menu_name(field: &str, s: &str) -> anyhow::Result<IvrName> {
    s.parse::<IvrName>()
        .map_err(|e| anyhow::anyhow!("invalid {field}: {}", e.reason))
}

/// A prompt name, naming `field` in the error.
fn prompt_name(field: &str, s: &str) -> anyhow::Result<PromptName> {
    s.parse::<PromptName>()
        .map_err(|e| anyhow::anyhow!("invalid {field}: {}", e.reason))
}

/// A menu digit: one of `0`-`9`, `*`, `#`.
fn digit(s: &str) -> anyhow::Result<char> {
    let mut chars = s.chars();
    match (chars.next(), chars.next()) {
        (Some(d), None) if OPTION_DIGITS.contains(d) => Ok(d),
        _ => anyhow::bail!("invalid digit {s:?}: use one of 0-9, * and #"),
    }
}

/// Runs one ivr command.
pub async fn run(store: &Store, cmd: IvrCommand) -> anyhow::Result<()> {
    match cmd {
        IvrCommand::Add(a) => add(store, a).await?,
        IvrCommand::Option {
            domain,
            name,
            digit: d,
            action,
            remove,
        } => {
            let name = menu_name("name", &name)?;
            let d = digit(&d)?;
            let action: Option<Action> = match action {
                Some(a) if !remove => Some(a.parse()?),
                _ => None,
            };
            let (dom, ts) = tenant_store(store, &domain).await?;
            ts.update_menu(&name, |m| match &action {
                Some(a) => {
                    m.options.insert(d, a.clone());
                    Ok(())
                }
                None => {
                    m.options.remove(&d).map(|_| ()).ok_or_else(|| {
                        StoreError::NotFound(format!("option {d} of ivr menu {name}"))
                    })
                }
            })
            .await?;
            match action {
                Some(a) => println!("ivr menu {name} in {dom}: {d} -> {a}"),
                None => println!("ivr menu {name} in {dom}: removed option {d}"),
            }
        }
        IvrCommand::Schedule {
            domain,
            name,
            days,
            from,
            to,
            goto,
            clear,
        } => {
            let name = menu_name("name", &name)?;
            let rule = match (days, from, to, goto) {
                (Some(days), Some(from), Some(to), Some(goto)) if !clear => Some(ScheduleRule {
                    days: days.parse::<Weekdays>()?,
                    from: TimeOfDay::parse("from", &from)?,
                    to: TimeOfDay::parse("to", &to)?,
                    goto: menu_name("goto", &goto)?,
                }),
                _ => None,
            };
            let (dom, ts) = tenant_store(store, &domain).await?;
            let row = ts
                .update_menu(&name, |m| {
                    match &rule {
                        Some(r) => m.schedule.push(r.clone()),
                        None => m.schedule.clear(),
                    }
                    Ok(())
                })
                .await?;
            match rule {
                Some(r) => println!(
                    "ivr menu {name} in {dom}: schedule[{}] {r} ({})",
                    row.menu.schedule.len() - 1,
                    row.menu.timezone
                ),
                None => println!("ivr menu {name} in {dom}: schedule cleared"),
            }
        }
        IvrCommand::Holiday {
            domain,
            name,
            date,
            goto,
            remove,
        } => {
            let name = menu_name("name", &name)?;
            let holiday = match (date, goto, &remove) {
                (Some(date), Some(goto), None) => Some(Holiday {
                    date: Holiday::parse_date("date", &date)?,
                    goto: menu_name("goto", &goto)?,
                }),
                _ => None,
            };
            let removed = remove
                .as_deref()
                .map(|d| Holiday::parse_date("date", d))
                .transpose()?;
            let (dom, ts) = tenant_store(store, &domain).await?;
            ts.update_menu(&name, |m| {
                if let Some(h) = &holiday {
                    m.holidays.retain(|x| x.date != h.date);
                    m.holidays.push(h.clone());
                    m.holidays.sort_by_key(|x| x.date);
                }
                if let Some(date) = removed {
                    let before = m.holidays.len();
                    m.holidays.retain(|x| x.date != date);
                    if m.holidays.len() == before {
                        return Err(StoreError::NotFound(format!(
                            "holiday {date} of ivr menu {name}"
                        )));
                    }
                }
                Ok(())
            })
            .await?;
            match (holiday, removed) {
                (Some(h), _) => println!("ivr menu {name} in {dom}: holiday {h}"),
                (None, Some(date)) => println!("ivr menu {name} in {dom}: removed holiday {date}"),
                (None, None) => {}
            }
        }
        IvrCommand::List { domain, json } => {
            let (_, ts) = tenant_store(store, &domain).await?;
            let rows = ts.list_menus().await?;
            if json {
                output::json(&rows)?;
            } else {
                let table: Vec<Vec<String>> = rows.iter().map(summary).collect();
                output::table(
                    &[
                        "NAME",
                        "PROMPTS",
                        "OPTIONS",
                        "TIMEOUT",
                        "REPEATS",
                        "ON TIMEOUT",
                        "SCHEDULE",
                        "TIMEZONE",
                    ],
                    &table,
                );
            }
        }
        IvrCommand::Show { domain, name, json } => {
            let name = menu_name("name", &name)?;
            let (dom, ts) = tenant_store(store, &domain).await?;
            let row = ts
                .get_menu(&name)
                .await?
                .ok_or_else(|| anyhow::anyhow!("no ivr menu {name} in {dom}"))?;
            if json {
                output::json(&row)?;
            } else {
                show(&row.menu);
            }
        }
        IvrCommand::Remove { domain, name } => {
            let name = menu_name("name", &name)?;
            let (dom, ts) = tenant_store(store, &domain).await?;
            ts.remove_menu(&name).await?;
            println!("removed ivr menu {name} from {dom}");
        }
    }
    Ok(())
}

/// `vpbx ivr add`: a new menu, or with --replace new settings for an existing one.
async fn add(store: &Store, a: IvrAddArgs) -> anyhow::Result<()> {
    let name = menu_name("name", &a.name)?;
    let prompts = a
        .prompts
        .iter()
        .map(|p| prompt_name("prompt", p))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let invalid_prompt = a
        .invalid_prompt
        .as_deref()
        .map(|p| prompt_name("invalid-prompt", p))
        .transpose()?;
    let on_timeout: Action = parse("on-timeout", &a.on_timeout)?;
    let settings = |m: &mut Menu| {
        m.prompts = prompts.clone();
        m.timeout_secs = a.timeout;
        m.repeats = a.repeats;
        m.invalid_prompt = invalid_prompt.clone();
        m.on_timeout = on_timeout.clone();
        m.extension_dialing = a.extension_dialing;
        m.timezone = a.timezone.clone();
    };
    let mut menu = Menu::new(name.clone(), Vec::new());
    settings(&mut menu);
    let (dom, ts) = tenant_store(store, &a.domain).await?;
    let replaced = if a.replace {
        match ts
            .update_menu(&name, |m| {
                settings(m);
                Ok(())
            })
            .await
        {
            Ok(_) => true,
            Err(StoreError::NotFound(_)) => !ts.put_menu(&menu, false, output::now()).await?.1,
            Err(e) => return Err(e.into()),
        }
    } else {
        match ts.put_menu(&menu, false, output::now()).await {
            Ok(_) => false,
            Err(StoreError::AlreadyExists(what)) => {
                anyhow::bail!("{what} already exists in {dom} (use --replace to change it)")
            }
            Err(e) => return Err(e.into()),
        }
    };
    println!(
        "{} ivr menu {name} in {dom}: plays {}, waits {} s, {} plays, then {}",
        if replaced { "changed" } else { "added" },
        joined(&prompts),
        a.timeout,
        a.repeats,
        on_timeout
    );
    Ok(())
}

/// Names joined with `, `.
fn joined<T: std::fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// One line of `ivr list`.
fn summary(r: &MenuRow) -> Vec<String> {
    let m = &r.menu;
    vec![
        m.name.to_string(),
        joined(&m.prompts),
        m.options
            .iter()
            .map(|(d, a)| format!("{d}={a}"))
            .collect::<Vec<_>>()
            .join(" "),
        m.timeout_secs.to_string(),
        m.repeats.to_string(),
        m.on_timeout.to_string(),
        format!("{} rules, {} holidays", m.schedule.len(), m.holidays.len()),
        m.timezone.clone(),
    ]
}

/// `ivr show` in words.
fn show(m: &Menu) {
    println!("ivr menu {}", m.name);
    println!("  prompts: {}", joined(&m.prompts));
    println!(
        "  waits {} s for a digit, plays at most {} times, then {}",
        m.timeout_secs, m.repeats, m.on_timeout
    );
    if let Some(p) = &m.invalid_prompt {
        println!("  invalid input: plays {p}");
    }
    println!(
        "  extension dialing: {}",
        if m.extension_dialing { "on" } else { "off" }
    );
    println!(
        "  options:{}",
        if m.options.is_empty() { " none" } else { "" }
    );
    for (d, a) in &m.options {
        println!("    {d} -> {a}");
    }
    println!(
        "  schedule ({}):{}",
        m.timezone,
        if m.schedule.is_empty() && m.holidays.is_empty() {
            " none"
        } else {
            ""
        }
    );
    for (i, h) in m.holidays.iter().enumerate() {
        println!("    holidays[{i}] {h}");
    }
    for (i, r) in m.schedule.iter().enumerate() {
        println!("    schedule[{i}] {r}");
    }
}
