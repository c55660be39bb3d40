//! `/t/{domain}/ivr`: a tenant's IVR menus: the list with a form for a new menu, one menu
//! (`/t/{domain}/ivr/{name}`) with its edit form, and removal. The form edits what a menu
//! is made of day to day — prompts, wait, plays, digit options as lines like
//! `1 ext:1001`, what happens on timeout, the invalid-digit prompt, extension dialing —;
//! a menu's time zone, schedule and holidays are shown and kept as they are (the API and
//! `vpbx ivr` change them).
//!
//! Invariants: the store validates the tenant's whole menu set (prompts, extensions and
//! menus named must exist, no loops) before anything is written, and its message is shown
//! next to the form naming the field; a menu still used by a number or another menu is
//! not removed (the reason is shown); admins only (a tenant user gets 403, another tenant
//! 404).

use super::layout::{page as frame, post_form, problem_for, with_problem, Problem};
use super::session::{NoFields, Posted, Session, WebError};
use crate::auth::Need;
use crate::state::unix_now;
use crate::{ApiError, ApiState};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use serde::Deserialize;
use std::collections::BTreeMap;
use vpbx_ivr::{Action, Menu, DEFAULT_REPEATS, DEFAULT_TIMEOUT_SECS};
use vpbx_model::{IvrName, PromptName};
use vpbx_store::StoreError;

/// The menu form (a new menu, or the simple fields of an existing one).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MenuForm {
    /// The menu's name.
    pub name: String,
    /// Prompt names played in order, separated by commas or spaces.
    pub prompts: String,
    /// Seconds to wait for a digit.
    pub timeout_secs: String,
    /// Most plays of the menu.
    pub repeats: String,
    /// One option a line: a digit and an action (`1 ext:1001`).
    pub options: String,
    /// What happens after the last play with no digit.
    pub on_timeout: String,
    /// The prompt played after a digit that is no option; empty: none.
    pub invalid_prompt: String,
    /// `on` to let callers dial extensions.
    pub extension_dialing: String,
}

impl MenuForm {
    /// The form of the stored `menu`.
    fn of(menu: &Menu) -> MenuForm {
        MenuForm {
            name: menu.name.to_string(),
            prompts: names(&menu.prompts),
            timeout_secs: menu.timeout_secs.to_string(),
            repeats: menu.repeats.to_string(),
            options: menu
                .options
                .iter()
                .map(|(digit, action)| format!("{digit} {action}\n"))
                .collect(),
            on_timeout: menu.on_timeout.to_string(),
            invalid_prompt: menu
                .invalid_prompt
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            extension_dialing: if menu.extension_dialing { "on" } else { "" }.to_owned(),
        }
    }

    /// The form of a new menu: the defaults of [`Menu::new`].
    fn new_menu() -> MenuForm {
        MenuForm {
            timeout_secs: DEFAULT_TIMEOUT_SECS.to_string(),
            repeats: DEFAULT_REPEATS.to_string(),
            on_timeout: Action::Hangup.to_string(),
            ..MenuForm::default()
        }
    }

    /// Writes the form's fields into `menu`, naming the field that is malformed (the
    /// store checks what they refer to).
    fn apply(&self, menu: &mut Menu) -> Result<(), ApiError> {
        menu.prompts = self
            .prompts
            .split([',', ' ', '\n', '\r', '\t'])
            .filter(|p| !p.is_empty())
            .map(|p| {
                p.parse::<PromptName>()
                    .map_err(|e| ApiError::invalid("prompts", format!("{p:?}: {}", e.reason)))
            })
            .collect::<Result<_, _>>()?;
        menu.timeout_secs = whole("timeout_secs", &self.timeout_secs)?;
        menu.repeats = whole("repeats", &self.repeats)?;
        menu.options = options(&self.options)?;
        menu.on_timeout = self
            .on_timeout
            .trim()
            .parse::<Action>()
            .map_err(|e| ApiError::invalid("on_timeout", ivr_reason(e)))?;
        let invalid = self.invalid_prompt.trim();
        menu.invalid_prompt = (!invalid.is_empty())
            .then(|| invalid.parse::<PromptName>())
            .transpose()
            .map_err(|e| ApiError::invalid("invalid_prompt", e.reason))?;
        menu.extension_dialing = self.extension_dialing == "on";
        Ok(())
    }
}

/// Prompt names joined with `, `.
fn names(prompts: &[PromptName]) -> String {
    prompts
        .iter()
        .map(PromptName::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

/// `value` as a whole number, or an error naming `field`.
fn whole(field: &str, value: &str) -> Result<u32, ApiError> {
    value
        .trim()
        .parse()
        .map_err(|_| ApiError::invalid(field, "use a whole number"))
}

/// The reason of an IVR parse error, without its field prefix.
fn ivr_reason(e: vpbx_ivr::IvrError) -> String {
    match e {
        vpbx_ivr::IvrError::Invalid { reason, .. } | vpbx_ivr::IvrError::Menu { reason, .. } => {
            reason
        }
    }
}

/// The digit options of the `options` field: one `DIGIT ACTION` a line, blank lines
/// skipped; an error names the line.
fn options(text: &str) -> Result<BTreeMap<char, Action>, ApiError> {
    let mut out = BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let bad = |why: String| ApiError::invalid("options", format!("line {}: {why}", n + 1));
        let (digit, action) = line.split_once(char::is_whitespace).ok_or_else(|| {
            bad(format!(
                "{line:?}: use a digit and an action, e.g. 1 ext:1001"
            ))
        })?;
        let mut chars = digit.chars();
        let (Some(d), None) = (chars.next(), chars.next()) else {
            return Err(bad(format!("{digit:?} is not one digit")));
        };
        let action: Action = action.trim().parse().map_err(|e| bad(ivr_reason(e)))?;
        if out.insert(d, action).is_some() {
            return Err(bad(format!("digit {d} is given twice")));
        }
    }
    Ok(out)
}

/// `GET /t/{domain}/ivr`: the menus and a form for a new one.
pub async fn list(
    State(state): State<ApiState>,
    session: Session,
    Path(domain): Path<String>,
) -> Result<Response, WebError> {
    render_list(&state, &session, &domain, None, &MenuForm::new_menu()).await
}

/// `GET /t/{domain}/ivr/{name}`: one menu and its edit form.
pub async fn show(
    State(state): State<ApiState>,
    session: Session,
    Path((domain, name)): Path<(String, String)>,
) -> Result<Response, WebError> {
    render_menu(&state, &session, &domain, &name, None, None).await
}

/// `POST /t/{domain}/ivr`: creates the menu named in the form, or changes the simple
/// fields of the existing one (its schedule, holidays and time zone are kept).
pub async fn save(
    State(state): State<ApiState>,
    Path(domain): Path<String>,
    Posted { session, form }: Posted<MenuForm>,
) -> Result<Response, WebError> {
    let (tenant, ts) = session.caller.tenant(&state, &domain, Need::Write).await?;
    let name = form.name.trim().to_owned();
    let result = async {
        let name: IvrName = name.parse()?;
        if let Some(row) = ts.get_menu(&name).await? {
            // Checked on a copy first, so a malformed field is named as the form names it.
            form.apply(&mut row.menu.clone())?;
            ts.update_menu(&name, |menu| {
                form.apply(menu)
                    .map_err(|e| StoreError::Invalid(e.to_string()))
            })
            .await?;
            Ok(name)
        } else {
            let mut menu = Menu::new(name.clone(), Vec::new());
            form.apply(&mut menu)?;
            ts.put_menu(&menu, false, unix_now()).await?;
            Ok(name)
        }
    }
    .await;
    match result {
        Ok(name) => Ok(Redirect::to(&format!("/t/{}/ivr/{name}", tenant.domain)).into_response()),
        Err(e) => {
            let problem = Problem::of("menu", e)?;
            let exists = match name.parse::<IvrName>() {
                Ok(n) => ts.get_menu(&n).await?.is_some(),
                Err(_) => false,
            };
            if exists {
                render_menu(&state, &session, &domain, &name, Some(problem), Some(&form)).await
            } else {
                render_list(&state, &session, &domain, Some(problem), &form).await
            }
        }
    }
}

/// `POST /t/{domain}/ivr/{name}/delete`: removes a menu no number or menu uses.
pub async fn remove(
    State(state): State<ApiState>,
    Path((domain, name)): Path<(String, String)>,
    Posted { session, .. }: Posted<NoFields>,
) -> Result<Response, WebError> {
    let (tenant, ts) = session.caller.tenant(&state, &domain, Need::Write).await?;
    let parsed: IvrName = name.parse().map_err(ApiError::from)?;
    match ts.remove_menu(&parsed).await {
        Ok(()) => Ok(Redirect::to(&format!("/t/{}/ivr", tenant.domain)).into_response()),
        Err(e) => {
            let problem = Problem::of("delete", e.into())?;
            render_menu(&state, &session, &domain, &name, Some(problem), None).await
        }
    }
}

/// The fields of the menu form, filled from `form`.
fn menu_fields(form: &MenuForm, new: bool) -> Markup {
    html! {
        @if new {
            label { "Name" input name="name" value=(form.name) pattern="[a-z0-9_-]{1,64}" required; }
        } @else {
            input type="hidden" name="name" value=(form.name);
        }
        label { "Prompts (in order, separated by commas)" input name="prompts" value=(form.prompts); }
        label { "Wait for a digit (s)" input name="timeout_secs" value=(form.timeout_secs) inputmode="numeric" required; }
        label { "Plays" input name="repeats" value=(form.repeats) inputmode="numeric" required; }
        label { "Options (one a line: digit and ext:NNNN, ivr:NAME, voicemail:NNNN, hangup or repeat)"
            textarea name="options" rows="5" { (form.options) }
        }
        label { "On timeout" input name="on_timeout" value=(form.on_timeout) required; }
        label { "Invalid-digit prompt (optional)" input name="invalid_prompt" value=(form.invalid_prompt); }
        label.check {
            input type="checkbox" name="extension_dialing" value="on" checked[form.extension_dialing == "on"];
            "Callers may dial extensions"
        }
        button type="submit" { "Save" }
    }
}

/// The list page, with `problem` next to the new-menu form filled from `form`.
async fn render_list(
    state: &ApiState,
    session: &Session,
    domain: &str,
    problem: Option<Problem>,
    form: &MenuForm,
) -> Result<Response, WebError> {
    let (tenant, ts) = session.caller.tenant(state, domain, Need::Read).await?;
    let menus = ts.list_menus().await?;
    let d = tenant.domain.to_string();
    let markup = frame(
        session,
        Some(&d),
        &format!("IVR menus of {d}"),
        html! {
            @if menus.is_empty() {
                p.muted { "No menus yet." }
            } @else {
                div.scroll { table.menus {
                    thead { tr { th { "Menu" } th { "Prompts" } th { "Options" } th { "On timeout" } } }
                    tbody {
                        @for row in &menus {
                            @let m = &row.menu;
                            tr id={ "menu-" (m.name) } {
                                td { a href={ "/t/" (d) "/ivr/" (m.name) } { (m.name) } }
                                td { (names(&m.prompts)) }
                                td { (m.options.iter().map(|(k, a)| format!("{k} {a}")).collect::<Vec<_>>().join(", ")) }
                                td { (m.on_timeout) }
                            }
                        }
                    }
                } }
            }
            section {
                h2 { "New menu" }
                (problem_for(problem.as_ref(), "menu"))
                (post_form(session, &format!("/t/{d}/ivr"), "grid", menu_fields(form, true)))
            }
        },
    );
    Ok(match problem {
        Some(_) => with_problem(markup),
        None => markup.into_response(),
    })
}

/// The page of menu `name`, with `problem` next to its form and the edit form filled from
/// `draft` (else from the stored menu).
async fn render_menu(
    state: &ApiState,
    session: &Session,
    domain: &str,
    name: &str,
    problem: Option<Problem>,
    draft: Option<&MenuForm>,
) -> Result<Response, WebError> {
    let (tenant, ts) = session.caller.tenant(state, domain, Need::Read).await?;
    let parsed: IvrName = name.parse().map_err(ApiError::from)?;
    let row = ts
        .get_menu(&parsed)
        .await?
        .ok_or_else(|| ApiError::NotFound("ivr menu".into()))?;
    let m = &row.menu;
    let stored = MenuForm::of(m);
    let form = draft.unwrap_or(&stored);
    let d = tenant.domain.to_string();
    let markup = frame(
        session,
        Some(&d),
        &format!("IVR menu {}", m.name),
        html! {
            p { a href={ "/t/" (d) "/ivr" } { "All menus" } }
            section {
                h2 { "Edit" }
                (problem_for(problem.as_ref(), "menu"))
                (post_form(session, &format!("/t/{d}/ivr"), "grid", menu_fields(form, false)))
            }
            section {
                h2 { "Schedule" }
                p { "Time zone " strong { (m.timezone) } "." }
                @if m.schedule.is_empty() && m.holidays.is_empty() {
                    p.muted { "No schedule: calls always get this menu." }
                } @else {
                    ul {
                        @for rule in &m.schedule {
                            li { (serde_json::to_string(rule).unwrap_or_default()) }
                        }
                        @for day in &m.holidays {
                            li { (day.date) ": menu " (day.goto) }
                        }
                    }
                }
                p.muted { "The schedule and holidays are changed with the API or vpbx ivr." }
            }
            section {
                h2 { "Remove" }
                (problem_for(problem.as_ref(), "delete"))
                (post_form(session, &format!("/t/{d}/ivr/{}/delete", m.name), "inline", html! {
                    button.danger type="submit" { "Remove this menu" }
                }))
            }
        },
    );
    Ok(match problem {
        Some(_) => with_problem(markup),
        None => markup.into_response(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn option_lines_are_parsed_and_bad_lines_named() {
        let opts = options("1 ext:1001\n\n  # hangup  \n").unwrap();
        assert_eq!(opts.len(), 2);
        assert_eq!(opts[&'#'], Action::Hangup);
        for (bad, line) in [
            ("1", "line 1"),
            ("\n12 hangup", "line 2"),
            ("1 dial:5", "line 1"),
            ("1 hangup\n1 repeat", "line 2"),
        ] {
            let err = options(bad).unwrap_err();
            assert!(
                matches!(&err, ApiError::Invalid { field, message } if field == "options" && message.starts_with(line)),
                "{bad:?}: {err}"
            );
        }
    }
}
