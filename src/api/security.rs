//! The /security page: the account's AI Agent grants and its security log.

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::SecurityView;

#[server(endpoint = "security")]
pub async fn fetch_security_view() -> Result<SecurityView, AppError> {
    use crate::model::{EventView, GrantView};
    use crate::server::db::{events, grants};
    use crate::server::portal;

    let portal::SignedIn { state, user, .. } = portal::signed_in().await?;
    let now = state.now();
    let grants = grants::list_active(&state.db, &user.id, now)
        .await?
        .into_iter()
        .map(|g| GrantView {
            granted_via: g.granted_via.label().to_owned(),
            scopes: g.scopes.into_vec(),
            id: g.id,
            agent_name: g.agent_name,
            created_at: g.created_at,
            last_used_at: g.last_used_at,
            expires_at: g.expires_at,
            paused: g.paused_at.is_some(),
        })
        .collect();
    // The page lists the last twenty events.
    let events = events::list_recent(&state.db, &user.id, 20)
        .await?
        .into_iter()
        .map(|e| EventView {
            title: e.kind.title().to_owned(),
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
    use crate::server::grant::{self, Revocation};
    use crate::server::portal;

    let portal::SignedIn { state, user, .. } = portal::signed_in().await?;
    let addr = portal::client_addr().await;
    let why = Revocation::ByPerson { user_id: &user.id };
    grant::revoke(
        &state.db,
        &state.live_tokens,
        &grant_id,
        why,
        Some(addr),
        state.now(),
    )
    .await?;
    leptos_axum::redirect("/security?done=revoked");
    Ok(())
}

/// Revokes every grant of the account.
#[server(endpoint = "revoke_all")]
pub async fn revoke_all_grants() -> Result<(), AppError> {
    use crate::server::grant;
    use crate::server::portal;

    let portal::SignedIn { state, user, .. } = portal::signed_in().await?;
    let addr = portal::client_addr().await;
    grant::revoke_all(
        &state.db,
        &state.live_tokens,
        &user.id,
        Some(addr),
        state.now(),
    )
    .await?;
    leptos_axum::redirect("/security?done=revoked_all");
    Ok(())
}
