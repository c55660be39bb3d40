//! Loading one tenant's full view from the store: users, trunks (with their secrets
//! opened and carrier addresses resolved, RFC 3263 reduced to A/AAAA lookups) and the
//! routing tables (numbers, directions, toll-fraud policy), media options (recording), IVR
//! menus, music on hold, voicemail boxes and DISA.
//!
//! Invariant: a trunk whose secret cannot be opened or whose host does not resolve is
//! still loaded, without secret or address, so calls skip it and the log says why; one
//! bad trunk never hides a tenant.

use crate::registry::{TenantView, TrunkView};
use std::collections::HashSet;
use vpbx_model::{TenantId, TrunkTransport};
use vpbx_routing::TenantRouting;
use vpbx_sip_msg::Transport;
use vpbx_store::{SecretBox, Store, StoreError, TrunkRow};

/// The tenant `id` as the SIP core sees it, or `None` if it no longer exists.
pub async fn load_tenant(
    store: &Store,
    secrets: &SecretBox,
    id: TenantId,
) -> Result<Option<TenantView>, StoreError> {
    let tenant_store = store.tenant(id);
    let Some((tenant, users)) = tenant_store.load().await? else {
        return Ok(None);
    };
    let trunks = tenant_store.list_trunks().await?;
    let routing = tenant_store.load_routing().await?;
    let media = tenant_store.media_options().await?;
    let menus = tenant_store.load_menus().await?;
    let moh = tenant_store.moh().await?;
    let voicemail = tenant_store.voicemail_boxes().await?;
    let disa = tenant_store.disa_enabled().await?;
    let disa_pins = tenant_store.disa_pins().await?;
    let mut views = Vec::with_capacity(trunks.len());
    for row in &trunks {
        views.push(trunk_view(secrets, row).await);
    }
    let mut view = TenantView::from_rows(&tenant, &users).with_routing(views, routing.into());
    view.media = media;
    view.menus = menus;
    view.moh = moh;
    view.voicemail = voicemail
        .into_iter()
        .map(|b| (b.extension.as_str().to_owned(), b))
        .collect();
    view.disa = disa;
    view.disa_pins = disa_pins;
    Ok(Some(view))
}

/// Every tenant (start-up): users of all tenants in one query, trunks and routing tables
/// only for the tenants that have any, so 10,000 tenants load in seconds.
pub async fn load_all(store: &Store, secrets: &SecretBox) -> Result<Vec<TenantView>, StoreError> {
    let configured: HashSet<TenantId> = store.tenants_with_routing().await?.into_iter().collect();
    let mut out = Vec::new();
    for (tenant, users) in store.load_all().await? {
        if configured.contains(&tenant.id) {
            if let Some(view) = load_tenant(store, secrets, tenant.id).await? {
                out.push(view);
            }
        } else {
            let routing = TenantRouting {
                extensions: users.iter().map(|u| u.extension.clone()).collect(),
                ..TenantRouting::default()
            };
            out.push(TenantView::from_rows(&tenant, &users).with_routing(Vec::new(), routing));
        }
    }
    Ok(out)
}

async fn trunk_view(secrets: &SecretBox, row: &TrunkRow) -> TrunkView {
    let secret = match row.secret(secrets) {
        Ok(s) => s.map(|s| s.expose().to_owned()),
        Err(e) => {
            tracing::warn!(trunk = %row.name, error = %e, "trunk secret cannot be opened; calls out go without credentials");
            None
        }
    };
    let host = row.host.as_str().to_owned();
    let addr = match tokio::net::lookup_host((host.trim_matches(['[', ']']), row.port)).await {
        Ok(mut addrs) => addrs.next(),
        Err(e) => {
            tracing::warn!(trunk = %row.name, %host, error = %e, "trunk host does not resolve; the trunk is skipped");
            None
        }
    };
    TrunkView {
        name: row.name.as_str().to_owned(),
        host,
        port: row.port,
        transport: match row.transport {
            TrunkTransport::Udp => Transport::Udp,
            TrunkTransport::Tcp => Transport::Tcp,
            TrunkTransport::Tls => Transport::Tls,
        },
        addr,
        username: row.username.as_ref().map(|u| u.as_str().to_owned()),
        secret,
        from_user: row.from_user.as_ref().map(|u| u.as_str().to_owned()),
        from_domain: row.from_domain.as_ref().map(|d| d.as_str().to_owned()),
        register: row.register,
        call_limit: row.call_limit,
        codecs: row
            .codecs
            .to_string()
            .split(',')
            .map(|c| c.trim().to_owned())
            .collect(),
        insecure: row.insecure_invite,
        qualify: row.qualify,
        enabled: row.enabled,
    }
}
