//! `/tenants/{domain}/ivrs`: a tenant's IVR menus (issue 5 item 3 over the API, issue 6):
//! list, get, create-or-replace by name (PUT), delete.
//!
//! Invariants: a menu is the JSON `vpbx ivr show --json` prints (prompts, options, timeout,
//! repeats, schedule, holidays...); the store validates the tenant's whole menu set against
//! its prompts and extensions before writing, so a menu naming a missing prompt, extension
//! or menu is refused naming the field; a value of the wrong type is refused naming its
//! path in the body (`options.1`, `timeout_secs`); a menu still used by another menu or a number
//! cannot be deleted (409, naming who uses it).

use crate::auth::{Caller, Need};
use crate::extract::{named_field, ApiJson, ApiQuery};
use crate::page::{paginate, Page};
use crate::state::unix_now;
use crate::{ApiError, ApiState};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::Value;
use utoipa::IntoParams;
use vpbx_ivr::Menu;
use vpbx_model::IvrName;
use vpbx_store::MenuRow;

/// `GET /ivrs` query.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct IvrQuery {
    /// Page size, 1 to 1000 (default 100).
    pub limit: Option<u32>,
    /// Items to skip.
    pub offset: Option<usize>,
}

/// Lists the tenant's menus, ordered by name.
#[utoipa::path(get, path = "/api/v1/tenants/{domain}/ivrs", tag = "ivrs", params(
    ("domain" = String, Path, description = "SIP domain"), IvrQuery),
    responses((status = 200, description = "a page of menus, each as `vpbx ivr show --json` prints it")),
    security(("token" = []), ("session" = [])))]
pub async fn list(
    State(state): State<ApiState>,
    caller: Caller,
    Path(domain): Path<String>,
    ApiQuery(q): ApiQuery<IvrQuery>,
) -> Result<Json<Page<MenuRow>>, ApiError> {
    let (_, ts) = caller.tenant(&state, &domain, Need::Read).await?;
    Ok(Json(paginate(ts.list_menus().await?, q.limit, q.offset)?))
}

/// One menu.
#[utoipa::path(get, path = "/api/v1/tenants/{domain}/ivrs/{name}", tag = "ivrs", params(
    ("domain" = String, Path, description = "SIP domain"), ("name" = String, Path, description = "menu name")),
    responses((status = 200, description = "the menu"), (status = 404)),
    security(("token" = []), ("session" = [])))]
pub async fn get(
    State(state): State<ApiState>,
    caller: Caller,
    Path((domain, name)): Path<(String, String)>,
) -> Result<Json<MenuRow>, ApiError> {
    let (_, ts) = caller.tenant(&state, &domain, Need::Read).await?;
    let name: IvrName = name.parse()?;
    ts.get_menu(&name)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::NotFound("ivr menu".into()))
}

/// Creates the menu or replaces it (its options, schedule and holidays included). The
/// body is the menu without `name` (or with the same name as the path).
#[utoipa::path(put, path = "/api/v1/tenants/{domain}/ivrs/{name}", tag = "ivrs", params(
    ("domain" = String, Path, description = "SIP domain"), ("name" = String, Path, description = "menu name")),
    request_body(content = Object, description = "the menu: prompts, options, timeout_secs, repeats, invalid_prompt, on_timeout, extension_dialing, timezone, schedule, holidays"),
    responses((status = 201, description = "created"), (status = 200, description = "replaced"), (status = 400)),
    security(("token" = []), ("session" = [])))]
pub async fn put(
    State(state): State<ApiState>,
    caller: Caller,
    Path((domain, name)): Path<(String, String)>,
    ApiJson(mut body): ApiJson<Value>,
) -> Result<(StatusCode, Json<MenuRow>), ApiError> {
    let (_, ts) = caller.tenant(&state, &domain, Need::Write).await?;
    let name: IvrName = name.parse()?;
    let Some(fields) = body.as_object_mut() else {
        return Err(ApiError::invalid("body", "must be a JSON object"));
    };
    match fields.get("name") {
        Some(given) if given.as_str() != Some(name.as_str()) => {
            return Err(ApiError::invalid(
                "name",
                "must match the path (or be left out)",
            ));
        }
        _ => {
            fields.insert("name".into(), Value::String(name.to_string()));
        }
    }
    let menu: Menu = serde_path_to_error::deserialize(body).map_err(|e| {
        let path = e.path().to_string();
        let message = e.into_inner().to_string();
        ApiError::invalid(&named_field(&path, &message), message)
    })?;
    let (row, created) = ts.put_menu(&menu, true, unix_now()).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(row)))
}

/// Removes the menu; 409 while a number or another menu sends calls to it.
#[utoipa::path(delete, path = "/api/v1/tenants/{domain}/ivrs/{name}", tag = "ivrs", params(
    ("domain" = String, Path, description = "SIP domain"), ("name" = String, Path, description = "menu name")),
    responses((status = 204), (status = 404), (status = 409)),
    security(("token" = []), ("session" = [])))]
pub async fn delete(
    State(state): State<ApiState>,
    caller: Caller,
    Path((domain, name)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let (_, ts) = caller.tenant(&state, &domain, Need::Write).await?;
    ts.remove_menu(&name.parse()?).await?;
    Ok(StatusCode::NO_CONTENT)
}
