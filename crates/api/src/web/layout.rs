//! The frame every cabinet page shares (head, navigation by role, logout button) and
//! small pieces of forms: the CSRF field and an error shown next to its form.
//!
//! Invariants: all text goes through maud's escaping; every POST form rendered with
//! [`post_form`] carries the session's CSRF token; the page works without JavaScript and
//! on a phone (viewport meta, wrapping navigation, tables that scroll sideways).

use super::session::Session;
use crate::ApiError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{html, Markup, DOCTYPE};
use vpbx_store::Role;

/// The standard head and body around `content`.
fn document(title: &str, nav: Markup, content: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · vpbx" }
                link rel="stylesheet" href="/static/cabinet.css";
            }
            body {
                header { (nav) }
                main {
                    h1 { (title) }
                    (content)
                }
            }
        }
    }
}

/// A page for the logged-in `session`; `tenant` is the domain the page is about, if any,
/// to show that tenant's sections in the navigation.
pub fn page(session: &Session, tenant: Option<&str>, title: &str, content: Markup) -> Markup {
    let account = &session.caller.0;
    let tenant = tenant.map(str::to_owned).or_else(|| {
        (account.role != Role::Platform)
            .then(|| account.domain.as_ref().map(ToString::to_string))
            .flatten()
    });
    let nav = html! {
        nav {
            a.brand href="/" { "vpbx" }
            a href="/" { "Dashboard" }
            @if account.role == Role::Platform {
                a href="/admin/tenants" { "Tenants" }
            }
            @if account.role != Role::User {
                a href="/accounts" { "Accounts" }
            }
            a href="/tokens" { "Tokens" }
            @if let Some(d) = &tenant {
                @if account.role != Role::User {
                    a href={ "/t/" (d) "/users" } { "Users" }
                    a href={ "/t/" (d) "/numbers" } { "Numbers" }
                    a href={ "/t/" (d) "/options" } { "Options" }
                    a href={ "/t/" (d) "/prompts" } { "Prompts" }
                    a href={ "/t/" (d) "/ivr" } { "IVR" }
                    a href={ "/admin/tenants/" (d) "/trunks" } { "Trunks" }
                }
                a href={ "/t/" (d) "/voicemail" } { "Voicemail" }
                a href={ "/t/" (d) "/cdrs" } { "Calls" }
            }
            span.who {
                (account.name.as_str()) " (" (account.role.as_str())
                @if let Some(d) = &account.domain { ", " (d) }
                ")"
            }
            (post_form(session, "/logout", "logout", html! { button type="submit" { "Log out" } }))
        }
    };
    document(title, nav, content)
}

/// A page for someone not logged in (the login form).
pub fn public_page(title: &str, content: Markup) -> Markup {
    document(
        title,
        html! { nav { a.brand href="/" { "vpbx" } } },
        content,
    )
}

/// An error page with `status` and `text` (already free of internal detail).
pub fn error_page(status: StatusCode, text: &str) -> Response {
    let title = status.canonical_reason().unwrap_or("Error");
    let body = document(
        title,
        html! { nav { a.brand href="/" { "vpbx" } } },
        html! {
            p.error role="alert" { (text) }
            p { a href="/" { "Back to the dashboard" } }
        },
    );
    (status, body).into_response()
}

/// A POST form to `action` with the session's CSRF token; `class` styles it.
pub fn post_form(session: &Session, action: &str, class: &str, fields: Markup) -> Markup {
    html! {
        form method="post" action=(action) class=(class) {
            input type="hidden" name="csrf" value=(session.csrf);
            (fields)
        }
    }
}

/// A form's failure, shown next to that form: which form, and the field and reason.
pub struct Problem {
    /// The form it belongs to (an id each page picks).
    pub form: String,
    /// The field the message names.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

impl Problem {
    /// The problem `e` of form `form`, if it is one a person can fix (a bad field, a
    /// conflict, something not found); other errors are returned as they are.
    pub fn of(form: &str, e: ApiError) -> Result<Problem, ApiError> {
        let (field, message) = match e {
            ApiError::Invalid { field, message } => (field, message),
            ApiError::Conflict(what) => (String::new(), what),
            ApiError::NotFound(what) => (String::new(), format!("{what} not found")),
            other => return Err(other),
        };
        Ok(Problem {
            form: form.to_owned(),
            field,
            message,
        })
    }
}

/// The error of `form`, if `problem` is about it: the field and what is wrong with it.
pub fn problem_for(problem: Option<&Problem>, form: &str) -> Markup {
    html! {
        @if let Some(p) = problem.filter(|p| p.form == form) {
            p.error role="alert" {
                @if !p.field.is_empty() { strong { (p.field) } ": " }
                (p.message)
            }
        }
    }
}

/// A page re-rendered with a form's problem: 400 Bad Request with the HTML.
pub fn with_problem(markup: Markup) -> Response {
    (StatusCode::BAD_REQUEST, markup).into_response()
}
