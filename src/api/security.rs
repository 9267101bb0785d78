//! The /security page: the account's AI Agent grants and its security log.

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::SecurityView;

#[server(endpoint = "security")]
pub async fn fetch_security_view() -> Result<SecurityView, AppError> {
    use crate::model::{EventView, GrantView};
    use crate::scopes::split;
    use crate::server::db::events::{self, EventKind};
    use crate::server::db::grants::{self, GrantedVia};
    use crate::server::portal;

    let portal::SignedIn { state, user, .. } = portal::signed_in().await?;
    let now = state.now();
    let grants = grants::list_active(&state.db, &user.id, now)
        .await?
        .into_iter()
        .map(|g| GrantView {
            granted_via: GrantedVia::describe(&g.granted_via).to_owned(),
            scopes: split(&g.scopes),
            id: g.id,
            agent_name: g.agent_name,
            created_at: g.created_at,
            last_used_at: g.last_used_at,
            expires_at: g.expires_at,
        })
        .collect();
    // The page lists the last twenty events.
    let events = events::list_recent(&state.db, &user.id, 20)
        .await?
        .into_iter()
        .map(|e| EventView {
            title: EventKind::title(&e.kind).to_owned(),
            detail: e.detail,
            at: e.created_at,
        })
        .collect();
    Ok(SecurityView {
        grants,
        events,
        now,
    })
}

/// Revokes one grant; its tokens stop working on the next request.
#[server(endpoint = "revoke_grant")]
pub async fn revoke_grant(grant_id: String) -> Result<(), AppError> {
    use crate::server::db::events::{self, EventKind};
    use crate::server::db::grants;
    use crate::server::portal;

    let portal::SignedIn { state, user, .. } = portal::signed_in().await?;
    let addr = portal::client_addr().await.to_string();
    let now = state.now();
    let mut tx = state.db.begin().await?;
    if let Some(grant) = grants::revoke(&mut *tx, &grant_id, &user.id, now).await? {
        let detail = format!("{} can no longer act for you", grant.agent_name);
        events::record(
            &mut *tx,
            &user.id,
            EventKind::GrantRevoked,
            &detail,
            Some(&addr),
            now,
        )
        .await?;
        tracing::info!(grant = %grant.id, user = %user.id, "grant revoked");
    }
    tx.commit().await?;
    leptos_axum::redirect("/security?done=revoked");
    Ok(())
}

/// Revokes every grant of the account.
#[server(endpoint = "revoke_all")]
pub async fn revoke_all_grants() -> Result<(), AppError> {
    use crate::server::db::events::{self, EventKind};
    use crate::server::db::grants;
    use crate::server::portal;

    let portal::SignedIn { state, user, .. } = portal::signed_in().await?;
    let addr = portal::client_addr().await.to_string();
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let revoked = grants::revoke_all(&mut *tx, &user.id, now).await?;
    if !revoked.is_empty() {
        let names: Vec<&str> = revoked.iter().map(|g| g.agent_name.as_str()).collect();
        let detail = format!("All agents lost access: {}", names.join(", "));
        events::record(
            &mut *tx,
            &user.id,
            EventKind::GrantRevoked,
            &detail,
            Some(&addr),
            now,
        )
        .await?;
        tracing::info!(count = revoked.len(), user = %user.id, "all grants revoked");
    }
    tx.commit().await?;
    leptos_axum::redirect("/security?done=revoked_all");
    Ok(())
}
