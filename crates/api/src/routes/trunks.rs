//! `/tenants/{domain}/trunks`: a tenant's SIP trunks: list, get, create-or-replace by
//! name (PUT), delete.
//!
//! Invariants: the secret is write-only: it is sealed with `<data>/trunk.key` by the
//! store and shown only as `secret_set`; a PUT without `secret` keeps the stored one
//! (while a username is given), so PUT twice with the same body is idempotent.

use crate::auth::{Caller, Need};
use crate::extract::{ApiJson, ApiQuery};
use crate::page::{paginate, Page};
use crate::state::unix_now;
use crate::{ApiError, ApiState};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use vpbx_model::{TrunkName, TrunkTransport};
use vpbx_store::{NewTrunk, TrunkRow};

/// A trunk as the API shows it.
#[derive(Serialize, ToSchema, PartialEq, Debug)]
pub struct TrunkOut {
    /// Name, unique within the tenant.
    pub name: String,
    /// The carrier's SIP server.
    pub host: String,
    /// The carrier's SIP port.
    pub port: u16,
    /// udp, tcp or tls.
    pub transport: String,
    /// Digest user name.
    pub username: Option<String>,
    /// Whether a digest password is stored (it is never shown).
    pub secret_set: bool,
    /// User part of From.
    pub from_user: Option<String>,
    /// Host part of From.
    pub from_domain: Option<String>,
    /// Register with the carrier.
    pub register: bool,
    /// Most concurrent calls; null is no limit.
    pub call_limit: Option<u32>,
    /// Allowed codecs, most preferred first.
    pub codecs: Vec<String>,
    /// Accept INVITEs from the trunk's address without digest.
    pub insecure_invite: bool,
    /// Probe with OPTIONS.
    pub qualify: bool,
    /// Use the trunk.
    pub enabled: bool,
    /// Creation time, unix seconds.
    pub created_at: i64,
}

impl From<TrunkRow> for TrunkOut {
    fn from(t: TrunkRow) -> TrunkOut {
        TrunkOut {
            name: t.name.to_string(),
            host: t.host.to_string(),
            port: t.port,
            transport: t.transport.to_string(),
            username: t.username.map(|u| u.to_string()),
            secret_set: t.secret.is_some(),
            from_user: t.from_user.map(|u| u.to_string()),
            from_domain: t.from_domain.map(|d| d.to_string()),
            register: t.register,
            call_limit: t.call_limit,
            codecs: t
                .codecs
                .codecs()
                .iter()
                .map(|c| c.as_str().to_owned())
                .collect(),
            insecure_invite: t.insecure_invite,
            qualify: t.qualify,
            enabled: t.enabled,
            created_at: t.created_at,
        }
    }
}

/// `PUT /trunks/{name}` body: the trunk's full configuration.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TrunkBody {
    /// The carrier's SIP server: host name or IP address.
    pub host: String,
    /// Port, 1 to 65535 (default 5060, 5061 for TLS).
    pub port: Option<u16>,
    /// udp (default), tcp or tls.
    pub transport: Option<String>,
    /// Digest user name.
    pub username: Option<String>,
    /// Digest password (write-only; omit to keep the stored one).
    pub secret: Option<String>,
    /// User part of From, if not the username.
    pub from_user: Option<String>,
    /// Host part of From, if not the host.
    pub from_domain: Option<String>,
    /// Register with the carrier (needs username and secret); default false.
    #[serde(default)]
    pub register: bool,
    /// Most concurrent calls, at least 1; absent is no limit.
    pub call_limit: Option<u32>,
    /// Allowed codecs, most preferred first (default PCMA, PCMU).
    pub codecs: Option<Vec<String>>,
    /// Accept INVITEs from the trunk's address without digest; default false.
    #[serde(default)]
    pub insecure_invite: bool,
    /// Probe with OPTIONS; default true.
    pub qualify: Option<bool>,
    /// Use the trunk; default true.
    pub enabled: Option<bool>,
}

/// `GET /trunks` query.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TrunkQuery {
    /// Page size, 1 to 1000 (default 100).
    pub limit: Option<u32>,
    /// Items to skip.
    pub offset: Option<usize>,
}

/// Lists a tenant's trunks, ordered by name.
#[utoipa::path(get, path = "/api/v1/tenants/{domain}/trunks", tag = "trunks",
    params(("domain" = String, Path, description = "SIP domain"), TrunkQuery),
    responses((status = 200, body = Page<TrunkOut>)), security(("token" = []), ("session" = [])))]
pub async fn list(
    State(state): State<ApiState>,
    caller: Caller,
    Path(domain): Path<String>,
    ApiQuery(q): ApiQuery<TrunkQuery>,
) -> Result<Json<Page<TrunkOut>>, ApiError> {
    let (_, ts) = caller.tenant(&state, &domain, Need::Read).await?;
    let trunks = ts
        .list_trunks()
        .await?
        .into_iter()
        .map(TrunkOut::from)
        .collect();
    Ok(Json(paginate(trunks, q.limit, q.offset)?))
}

/// One trunk.
#[utoipa::path(get, path = "/api/v1/tenants/{domain}/trunks/{name}", tag = "trunks",
    params(("domain" = String, Path, description = "SIP domain"), ("name" = String, Path, description = "trunk name")),
    responses((status = 200, body = TrunkOut), (status = 404)), security(("token" = []), ("session" = [])))]
pub async fn get(
    State(state): State<ApiState>,
    caller: Caller,
    Path((domain, name)): Path<(String, String)>,
) -> Result<Json<TrunkOut>, ApiError> {
    let (_, ts) = caller.tenant(&state, &domain, Need::Read).await?;
    let name: TrunkName = name.parse()?;
    let trunk = ts
        .get_trunk(&name)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("trunk {name}")))?;
    Ok(Json(trunk.into()))
}

/// Creates the trunk, or replaces its configuration.
#[utoipa::path(put, path = "/api/v1/tenants/{domain}/trunks/{name}", tag = "trunks", request_body = TrunkBody,
    params(("domain" = String, Path, description = "SIP domain"), ("name" = String, Path, description = "trunk name")),
    responses((status = 201, body = TrunkOut), (status = 200, body = TrunkOut), (status = 400)),
    security(("token" = []), ("session" = [])))]
pub async fn put(
    State(state): State<ApiState>,
    caller: Caller,
    Path((domain, name)): Path<(String, String)>,
    ApiJson(body): ApiJson<TrunkBody>,
) -> Result<(StatusCode, Json<TrunkOut>), ApiError> {
    let (_, ts) = caller.tenant(&state, &domain, Need::Write).await?;
    let name: TrunkName = name.parse()?;
    let mut trunk = new_trunk(name.clone(), body)?;
    let existing = ts.get_trunk(&name).await?;
    let Some(existing) = existing else {
        let row = ts.add_trunk(&trunk, &state.secrets, unix_now()).await?;
        return Ok((StatusCode::CREATED, Json(row.into())));
    };
    if trunk.secret.is_none() && trunk.username.is_some() {
        trunk.secret = existing.secret(&state.secrets)?;
    }
    let row = ts.update_trunk(&name, &trunk, &state.secrets).await?;
    Ok((StatusCode::OK, Json(row.into())))
}

/// Removes the trunk.
#[utoipa::path(delete, path = "/api/v1/tenants/{domain}/trunks/{name}", tag = "trunks",
    params(("domain" = String, Path, description = "SIP domain"), ("name" = String, Path, description = "trunk name")),
    responses((status = 204), (status = 404)), security(("token" = []), ("session" = [])))]
pub async fn delete(
    State(state): State<ApiState>,
    caller: Caller,
    Path((domain, name)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let (_, ts) = caller.tenant(&state, &domain, Need::Write).await?;
    ts.remove_trunk(&name.parse()?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Validates every field of `body` into a [`NewTrunk`], naming the first bad one.
fn new_trunk(name: TrunkName, body: TrunkBody) -> Result<NewTrunk, ApiError> {
    let transport: TrunkTransport = body.transport.as_deref().unwrap_or("udp").parse()?;
    let port = body.port.unwrap_or_else(|| transport.default_port());
    if port == 0 {
        return Err(ApiError::invalid("port", "must be 1 to 65535"));
    }
    if body.call_limit == Some(0) {
        return Err(ApiError::invalid(
            "call_limit",
            "must be at least 1 (omit it for no limit)",
        ));
    }
    if body.secret.is_some() && body.username.is_none() {
        return Err(ApiError::invalid("username", "required with a secret"));
    }
    let trunk = NewTrunk {
        port,
        transport,
        username: body.username.as_deref().map(str::parse).transpose()?,
        secret: body.secret.as_deref().map(str::parse).transpose()?,
        from_user: body.from_user.as_deref().map(str::parse).transpose()?,
        from_domain: body.from_domain.as_deref().map(str::parse).transpose()?,
        register: body.register,
        call_limit: body.call_limit,
        codecs: match &body.codecs {
            Some(list) => list.join(",").parse()?,
            None => NewTrunk::new(name.clone(), body.host.parse()?).codecs,
        },
        insecure_invite: body.insecure_invite,
        qualify: body.qualify.unwrap_or(true),
        enabled: body.enabled.unwrap_or(true),
        ..NewTrunk::new(name, body.host.parse()?)
    };
    Ok(trunk)
}
