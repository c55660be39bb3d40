//! One tenant's SIP trunks (seed 000 §4.5.2 `sip_trunks`; RFC 3261 §10.2 outbound
//! registration and §22.2 client digest use their credentials), plus the whole-store
//! loaders the server uses at start and for matching inbound requests by source address.
//!
//! Invariants: every tenant statement binds `tenant_id = ?` to the handle's tenant; every
//! write records a change-feed row for that tenant in its transaction; a secret is stored
//! only sealed by a [`SecretBox`] and a [`TrunkRow`] carries only the sealed bytes, which
//! serialize as `"set"`/`"none"`; a stored trunk that registers has a username and secret,
//! and a secret always comes with a username; ports and call limits are never 0.

use crate::changes::record;
use crate::error::constraint;
use crate::rows::parse;
use crate::secret::{SealedSecret, SecretBox};
use crate::store::write_tx;
use crate::{Store, StoreError, TenantStore};
use serde::{Serialize, Serializer};
use std::net::IpAddr;
use vpbx_model::{
    CodecList, SipUser, TenantId, TrunkHost, TrunkId, TrunkName, TrunkSecret, TrunkTransport,
};

/// Columns of [`TrunkDbRow`], in order, for `SELECT` lists.
const TRUNK_COLUMNS: &str = "id, tenant_id, name, host, port, transport, username, secret_enc, \
     from_user, from_domain, register, call_limit, codecs, insecure_invite, qualify, enabled, \
     created_at";

/// A SIP trunk as stored: a carrier connection of one tenant.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TrunkRow {
    /// Row id; never reused.
    pub id: TrunkId,
    /// The owning tenant.
    pub tenant: TenantId,
    /// Name, unique within the tenant.
    pub name: TrunkName,
    /// The carrier's SIP server (RFC 3261 §19.1.1 `host`).
    pub host: TrunkHost,
    /// The carrier's SIP port.
    pub port: u16,
    /// Transport towards the carrier (RFC 3261 §18).
    pub transport: TrunkTransport,
    /// Digest user name (RFC 3261 §22.2), if the carrier authenticates us by digest.
    pub username: Option<SipUser>,
    /// The digest password, sealed; open it with [`TrunkRow::secret`].
    #[serde(serialize_with = "set_or_none")]
    pub secret: Option<SealedSecret>,
    /// User part of From on outgoing requests (Asterisk `fromuser`); default the username.
    pub from_user: Option<SipUser>,
    /// Host part of From (Asterisk `fromdomain`); default the trunk host.
    pub from_domain: Option<TrunkHost>,
    /// Whether to register with the carrier (RFC 3261 §10.2).
    pub register: bool,
    /// Most concurrent calls over the trunk; `None` means no limit.
    pub call_limit: Option<u32>,
    /// Allowed codecs in order of preference.
    pub codecs: CodecList,
    /// Accept INVITEs from the trunk's address without digest (Asterisk
    /// `insecure=invite,port`, for IP-authenticated carriers).
    pub insecure_invite: bool,
    /// Whether to probe the trunk with OPTIONS (RFC 3261 §11) and mark it up or down.
    pub qualify: bool,
    /// Disabled trunks are kept but neither used nor registered.
    pub enabled: bool,
    /// Creation time, unix seconds.
    pub created_at: i64,
}

/// A trunk to add, or the full new configuration of an existing one.
#[derive(Clone, Debug)]
pub struct NewTrunk {
    /// Name, unique within the tenant.
    pub name: TrunkName,
    /// The carrier's SIP server.
    pub host: TrunkHost,
    /// The carrier's SIP port (not 0).
    pub port: u16,
    /// Transport towards the carrier.
    pub transport: TrunkTransport,
    /// Digest user name; required with a secret.
    pub username: Option<SipUser>,
    /// Digest password in clear; sealed before it is written.
    pub secret: Option<TrunkSecret>,
    /// User part of From, if not the username.
    pub from_user: Option<SipUser>,
    /// Host part of From, if not the trunk host.
    pub from_domain: Option<TrunkHost>,
    /// Register with the carrier (needs username and secret).
    pub register: bool,
    /// Most concurrent calls (not `Some(0)`).
    pub call_limit: Option<u32>,
    /// Allowed codecs.
    pub codecs: CodecList,
    /// Accept INVITEs from the trunk's address without digest.
    pub insecure_invite: bool,
    /// Probe with OPTIONS.
    pub qualify: bool,
    /// Use the trunk.
    pub enabled: bool,
}

impl NewTrunk {
    /// A trunk with defaults for everything but its name and host: the transport's default
    /// port over UDP, no credentials, no registration, no call limit, PCMA and PCMU,
    /// digest required for INVITEs, qualify on, enabled.
    pub fn new(name: TrunkName, host: TrunkHost) -> NewTrunk {
        NewTrunk {
            name,
            host,
            port: TrunkTransport::Udp.default_port(),
            transport: TrunkTransport::Udp,
            username: None,
            secret: None,
            from_user: None,
            from_domain: None,
            register: false,
            call_limit: None,
            codecs: CodecList::default(),
            insecure_invite: false,
            qualify: true,
            enabled: true,
        }
    }

    /// `Invalid` naming the field when the combination cannot work.
    fn check(&self) -> Result<(), StoreError> {
        if self.port == 0 {
            return Err(StoreError::Invalid("port 0".into()));
        }
        if self.call_limit == Some(0) {
            return Err(StoreError::Invalid(
                "call limit 0 (use none for no limit)".into(),
            ));
        }
        if self.secret.is_some() && self.username.is_none() {
            return Err(StoreError::Invalid("secret without username".into()));
        }
        if self.register && (self.username.is_none() || self.secret.is_none()) {
            return Err(StoreError::Invalid(
                "register without username and secret".into(),
            ));
        }
        Ok(())
    }
}

impl TrunkRow {
    /// The clear digest password, if one is stored; `Corrupt` if `secrets` holds another key.
    pub fn secret(&self, secrets: &SecretBox) -> Result<Option<TrunkSecret>, StoreError> {
        self.secret
            .as_ref()
            .map(|s| {
                let plain = secrets.open(&s.0)?;
                plain
                    .parse()
                    .map_err(|e| StoreError::Corrupt(format!("trunks.secret_enc: {e}")))
            })
            .transpose()
    }

    /// User part of the address-of-record (RFC 3261 §10.2 To/From): `from_user`, else the
    /// username.
    pub fn aor_user(&self) -> Option<&SipUser> {
        self.from_user.as_ref().or(self.username.as_ref())
    }

    /// Host part of the address-of-record: `from_domain`, else the trunk host.
    pub fn aor_domain(&self) -> &TrunkHost {
        self.from_domain.as_ref().unwrap_or(&self.host)
    }
}

/// Serializes a sealed secret as `"set"` or `"none"`, never its bytes.
fn set_or_none<S: Serializer>(v: &Option<SealedSecret>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(if v.is_some() { "set" } else { "none" })
}

/// A `trunks` row as stored.
#[derive(sqlx::FromRow)]
struct TrunkDbRow {
    id: i64,
    tenant_id: i64,
    name: String,
    host: String,
    port: i64,
    transport: String,
    username: Option<String>,
    secret_enc: Option<Vec<u8>>,
    from_user: Option<String>,
    from_domain: Option<String>,
    register: bool,
    call_limit: Option<i64>,
    codecs: String,
    insecure_invite: bool,
    qualify: bool,
    enabled: bool,
    created_at: i64,
}

impl TryFrom<TrunkDbRow> for TrunkRow {
    type Error = StoreError;
    fn try_from(r: TrunkDbRow) -> Result<Self, StoreError> {
        let opt = |column: &str, v: Option<String>| -> Result<Option<SipUser>, StoreError> {
            v.as_deref().map(|v| parse(column, v)).transpose()
        };
        Ok(TrunkRow {
            id: TrunkId(r.id),
            tenant: TenantId(r.tenant_id),
            name: parse("trunks.name", &r.name)?,
            host: parse("trunks.host", &r.host)?,
            port: u16::try_from(r.port)
                .map_err(|_| StoreError::Corrupt(format!("trunks.port {}", r.port)))?,
            transport: parse("trunks.transport", &r.transport)?,
            username: opt("trunks.username", r.username)?,
            secret: r.secret_enc.map(SealedSecret),
            from_user: opt("trunks.from_user", r.from_user)?,
            from_domain: r
                .from_domain
                .as_deref()
                .map(|v| parse("trunks.from_domain", v))
                .transpose()?,
            register: r.register,
            call_limit: r
                .call_limit
                .map(|n| {
                    u32::try_from(n)
                        .map_err(|_| StoreError::Corrupt(format!("trunks.call_limit {n}")))
                })
                .transpose()?,
            codecs: parse("trunks.codecs", &r.codecs)?,
            insecure_invite: r.insecure_invite,
            qualify: r.qualify,
            enabled: r.enabled,
            created_at: r.created_at,
        })
    }
}

/// Converts fetched rows, failing on the first corrupt one.
fn rows(raw: Vec<TrunkDbRow>) -> Result<Vec<TrunkRow>, StoreError> {
    raw.into_iter().map(TrunkRow::try_from).collect()
}

/// Pairs each trunk with its tenant, for the whole-store loaders.
fn with_tenant(raw: Vec<TrunkDbRow>) -> Result<Vec<(TenantId, TrunkRow)>, StoreError> {
    raw.into_iter()
        .map(|r| TrunkRow::try_from(r).map(|t| (t.tenant, t)))
        .collect()
}

impl TenantStore {
    /// Adds a trunk, sealing its secret with `secrets`. `Invalid` naming the field for an
    /// impossible combination, `AlreadyExists("trunk NAME")` if the name is taken in this
    /// tenant, `NotFound("tenant ID")` if the tenant is gone.
    pub async fn add_trunk(
        &self,
        trunk: &NewTrunk,
        secrets: &SecretBox,
        now: i64,
    ) -> Result<TrunkRow, StoreError> {
        trunk.check()?;
        let sealed = seal(trunk, secrets)?;
        let mut tx = write_tx(&self.pool).await?;
        let sql = format!(
            "INSERT INTO trunks (tenant_id, name, host, port, transport, username, from_user, \
             from_domain, register, call_limit, codecs, insecure_invite, qualify, enabled, \
             secret_enc, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
             RETURNING {TRUNK_COLUMNS}"
        );
        let row = bind_config(sqlx::query_as::<_, TrunkDbRow>(&sql).bind(self.id.0), trunk)
            .bind(sealed.as_ref().map(|s| s.0.as_slice()))
            .bind(now)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| {
                constraint(
                    e,
                    &format!("trunk {}", trunk.name),
                    &format!("tenant {}", self.id),
                )
            })?;
        record(&mut tx, self.id).await?;
        tx.commit().await?;
        row.try_into()
    }

    /// Replaces every setting of trunk `name` (a rename included) with `trunk`, secret
    /// too: to keep the stored secret, pass it again (see [`TrunkRow::secret`]). Errors as
    /// [`TenantStore::add_trunk`], and `NotFound("trunk NAME")` if absent in this tenant.
    pub async fn update_trunk(
        &self,
        name: &TrunkName,
        trunk: &NewTrunk,
        secrets: &SecretBox,
    ) -> Result<TrunkRow, StoreError> {
        trunk.check()?;
        let sealed = seal(trunk, secrets)?;
        let mut tx = write_tx(&self.pool).await?;
        let sql = format!(
            "UPDATE trunks SET name = ?, host = ?, port = ?, transport = ?, username = ?, \
             from_user = ?, from_domain = ?, register = ?, call_limit = ?, codecs = ?, \
             insecure_invite = ?, qualify = ?, enabled = ?, secret_enc = ? \
             WHERE tenant_id = ? AND name = ? RETURNING {TRUNK_COLUMNS}"
        );
        let row = bind_config(sqlx::query_as::<_, TrunkDbRow>(&sql), trunk)
            .bind(sealed.as_ref().map(|s| s.0.as_slice()))
            .bind(self.id.0)
            .bind(name.as_str())
            .fetch_optional(&mut *tx)
            .await
            .map_err(|e| {
                constraint(
                    e,
                    &format!("trunk {}", trunk.name),
                    &format!("tenant {}", self.id),
                )
            })?
            .ok_or_else(|| StoreError::NotFound(format!("trunk {name}")))?;
        record(&mut tx, self.id).await?;
        tx.commit().await?;
        row.try_into()
    }

    /// Enables or disables trunk `name`; `NotFound("trunk NAME")` if absent in this tenant.
    pub async fn set_trunk_enabled(
        &self,
        name: &TrunkName,
        enabled: bool,
    ) -> Result<(), StoreError> {
        let mut tx = write_tx(&self.pool).await?;
        let done = sqlx::query("UPDATE trunks SET enabled = ? WHERE tenant_id = ? AND name = ?")
            .bind(enabled)
            .bind(self.id.0)
            .bind(name.as_str())
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("trunk {name}")));
        }
        record(&mut tx, self.id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes trunk `name`; `NotFound("trunk NAME")` if absent in this tenant.
    pub async fn remove_trunk(&self, name: &TrunkName) -> Result<(), StoreError> {
        let mut tx = write_tx(&self.pool).await?;
        let done = sqlx::query("DELETE FROM trunks WHERE tenant_id = ? AND name = ?")
            .bind(self.id.0)
            .bind(name.as_str())
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("trunk {name}")));
        }
        record(&mut tx, self.id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Trunk `name` of this tenant, if any.
    pub async fn get_trunk(&self, name: &TrunkName) -> Result<Option<TrunkRow>, StoreError> {
        let sql = format!("SELECT {TRUNK_COLUMNS} FROM trunks WHERE tenant_id = ? AND name = ?");
        sqlx::query_as::<_, TrunkDbRow>(&sql)
            .bind(self.id.0)
            .bind(name.as_str())
            .fetch_optional(&self.pool)
            .await?
            .map(TrunkRow::try_from)
            .transpose()
    }

    /// This tenant's trunks, ordered by name.
    pub async fn list_trunks(&self) -> Result<Vec<TrunkRow>, StoreError> {
        let sql = format!("SELECT {TRUNK_COLUMNS} FROM trunks WHERE tenant_id = ? ORDER BY name");
        rows(
            sqlx::query_as::<_, TrunkDbRow>(&sql)
                .bind(self.id.0)
                .fetch_all(&self.pool)
                .await?,
        )
    }
}

impl Store {
    /// Every trunk of every tenant (enabled or not), ordered by tenant and name, for the
    /// server's start-up (registrations and qualify, RFC 3261 §10.2, §11).
    pub async fn load_trunks(&self) -> Result<Vec<(TenantId, TrunkRow)>, StoreError> {
        let sql = format!("SELECT {TRUNK_COLUMNS} FROM trunks ORDER BY tenant_id, name");
        with_tenant(
            sqlx::query_as::<_, TrunkDbRow>(&sql)
                .fetch_all(&self.pool)
                .await?,
        )
    }

    /// Enabled trunks of enabled tenants whose host is the address literal `ip`, ordered by
    /// tenant and name: the candidates for an inbound request from `ip` (Asterisk
    /// `insecure=invite,port` matches by address only). Trunks configured by host name are
    /// not found here; the caller matches those against resolved addresses.
    pub async fn trunk_by_address(
        &self,
        ip: IpAddr,
    ) -> Result<Vec<(TenantId, TrunkRow)>, StoreError> {
        let columns = TRUNK_COLUMNS
            .split(", ")
            .map(|c| format!("k.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT {columns} FROM trunks AS k JOIN tenants AS t ON t.id = k.tenant_id \
             WHERE k.host = ? AND k.enabled AND t.enabled ORDER BY k.tenant_id, k.name"
        );
        with_tenant(
            sqlx::query_as::<_, TrunkDbRow>(&sql)
                .bind(canonical(ip))
                .fetch_all(&self.pool)
                .await?,
        )
    }
}

/// The text a [`TrunkHost`] holds for `ip` (IPv4-mapped IPv6 as plain IPv4).
fn canonical(ip: IpAddr) -> String {
    match ip {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map_or_else(|| v6.to_string(), |v4| v4.to_string()),
        IpAddr::V4(v4) => v4.to_string(),
    }
}

/// The trunk's secret sealed with `secrets`, if it has one.
fn seal(trunk: &NewTrunk, secrets: &SecretBox) -> Result<Option<SealedSecret>, StoreError> {
    trunk
        .secret
        .as_ref()
        .map(|s| secrets.seal(s.expose()))
        .transpose()
}

type TrunkQuery<'q> =
    sqlx::query::QueryAs<'q, sqlx::Sqlite, TrunkDbRow, sqlx::sqlite::SqliteArguments<'q>>;

/// Binds the configuration columns shared by INSERT and UPDATE, in the order name, host,
/// port, transport, username, from_user, from_domain, register, call_limit, codecs,
/// insecure_invite, qualify, enabled; both statements list their columns in this order.
fn bind_config<'q>(q: TrunkQuery<'q>, t: &'q NewTrunk) -> TrunkQuery<'q> {
    q.bind(t.name.as_str())
        .bind(t.host.as_str())
        .bind(i64::from(t.port))
        .bind(t.transport.as_str())
        .bind(t.username.as_ref().map(SipUser::as_str))
        .bind(t.from_user.as_ref().map(SipUser::as_str))
        .bind(t.from_domain.as_ref().map(TrunkHost::as_str))
        .bind(t.register)
        .bind(t.call_limit)
        .bind(t.codecs.to_string())
        .bind(t.insecure_invite)
        .bind(t.qualify)
        .bind(t.enabled)
}
