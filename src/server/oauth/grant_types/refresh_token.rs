//! The refresh token grant (RFC 6749 section 6) with rotation: every use returns a new pair and
//! retires the old refresh token; presenting a retired one revokes the whole grant
//! (RFC 9700 section 4.14.2), since either the agent or a thief holds a copy, except within
//! [`ROTATION_GRACE`] of its rotation, when it is a client retrying.

use std::net::IpAddr;

use axum::http::HeaderMap;

use super::request::TokenRequest;
use crate::scopes::Scopes;
use crate::server::app::state::AppState;
use crate::server::db::activity::ActivityKind;
use crate::server::db::clients;
use crate::server::db::grants;
use crate::server::db::tokens::{self, TokenKind};
use crate::server::domain::grant::{self, Revocation, Standing};
use crate::server::domain::secrets::{hash, log_id};
use crate::server::oauth::client_auth::authenticate_client;
use crate::server::oauth::error::OAuthError;
use crate::server::oauth::issue::TokenResponse;

/// Seconds after a rotation during which the rotated refresh token may be presented again
/// without revoking the grant (RFC 9700 section 4.14.2 allows such a grace period). A client
/// whose response was lost, or that sent the same refresh twice, retries with the token it
/// still holds; it gets a fresh pair and the pair it never saw is retired, so one refresh
/// token stays live per grant. Answering `invalid_grant` instead would strand that client
/// without tokens. After the window, a retired token is a replay and revokes the grant.
pub const ROTATION_GRACE: i64 = 10;

pub async fn refresh(
    state: &AppState,
    addr: IpAddr,
    headers: &HeaderMap,
    req: &TokenRequest,
) -> Result<TokenResponse, OAuthError> {
    let Some(token) = req.refresh_token.as_deref() else {
        return Err(OAuthError::invalid_request("refresh_token is required."));
    };
    let base = state.config.public_base();
    let refused = || {
        OAuthError::invalid_grant(format!(
            "The refresh token is invalid, expired or revoked: sign in again, with a new agent \
             auth code from {base}/connect or a new authorization."
        ))
    };
    let token_hash = hash(token);
    let now = state.now();
    // The client's credentials are checked before the transaction takes the write lock, so
    // the check never waits for a second connection while holding it; the outcome matters
    // only if the grant turns out to belong to a confidential client.
    let caller = authenticate_client(
        state,
        headers,
        req.client_id.as_deref(),
        req.client_secret.as_deref(),
    )
    .await;

    let mut tx = state.db.begin().await?;
    // Rotations of one grant's tokens take turns: a retry within the grace period must see
    // the pair the rotation before it committed, or it would take the old token for a replay.
    grants::lock_by_token(&mut *tx, &token_hash).await?;
    let grant_id = match tokens::consume_refresh(&mut *tx, &token_hash, now).await? {
        Some(grant_id) => grant_id,
        None => match tokens::rotate_again(&mut *tx, &token_hash, now, ROTATION_GRACE).await? {
            Some(grant_id) => {
                tracing::info!(token = %log_id(token), grant = %grant_id, "refresh token presented again within the grace period");
                grant_id
            }
            None => {
                tx.rollback().await?;
                revoke_on_replay(state, &token_hash, token, now).await?;
                return Err(refused());
            }
        },
    };
    let Some(grant) = grants::find(&mut *tx, &grant_id).await? else {
        return Err(refused());
    };
    let standing = grant::standing(&state.catalogue, &grant.state(), Some(addr), now);
    let in_force = match standing {
        Standing::Over(_) => {
            tx.rollback().await?;
            return Err(refused());
        }
        // A paused grant keeps its refresh token: the rotation is undone, and the same token
        // works once the person resumes the grant. One refreshed from outside the network it
        // is guarded to is paused now.
        Standing::Paused { .. } | Standing::MovedNetwork(_) => {
            tx.rollback().await?;
            if matches!(standing, Standing::MovedNetwork(_)) {
                grant::pause_on_new_network(&state.db, &state.live_tokens, &grant.id, addr, now)
                    .await?;
            }
            return Err(OAuthError::invalid_grant(format!(
                "{} is paused: the person paused its access on {base}/security. This refresh token \
                 works again once they resume it; keep it, and do not retry in a loop.",
                crate::server::domain::security_log::agent_name(
                    &grant.agent_name,
                    crate::language::Locale::en
                )
            )));
        }
        Standing::Active(in_force) | Standing::WaitingForApproval(in_force) => in_force,
    };
    if req
        .client_id
        .as_deref()
        .is_some_and(|id| grant.client_id != id)
    {
        return Err(refused());
    }
    // A registered confidential client proves its secret on every refresh.
    if clients::find(&mut *tx, &grant.client_id)
        .await?
        .is_some_and(|c| c.is_confidential())
    {
        let client = caller?;
        if grant.client_id != client.id {
            return Err(refused());
        }
    }
    if req.resource.is_some() && req.resource != grant.resource {
        return Err(OAuthError::invalid_target(
            "resource differs from the one this grant was made for.",
        ));
    }
    if let Some(asked) = req.scope.as_deref()
        && !grant.scopes.covers(&Scopes::parse(asked))
    {
        return Err(OAuthError::invalid_scope(
            "A refresh cannot add permissions the grant does not have.",
        ));
    }
    let tokens = grant::renew(&mut tx, &grant, now).await?;
    tx.commit().await?;
    state
        .activity
        .record(&grant.id, ActivityKind::Refresh, "", Some(addr), now);
    tracing::info!(token = %log_id(token), grant = %grant.id, "refresh token rotated");
    // The answer names the scopes the new token acts with: without the high-risk ones while
    // they wait or once their time is up.
    let mut grant = grant;
    grant.scopes = in_force.scopes;
    Ok(TokenResponse::new(&grant, tokens))
}

/// If `token_hash` is a refresh token that was already rotated, revokes its grant.
async fn revoke_on_replay(
    state: &AppState,
    token_hash: &str,
    token: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    let Some(record) = tokens::find(&state.db, token_hash).await? else {
        return Ok(());
    };
    if record.kind != TokenKind::Refresh || record.used_at.is_none() {
        return Ok(());
    }
    let revoked = grant::revoke(
        &state.db,
        &state.live_tokens,
        &record.grant_id,
        Revocation::RefreshReplay,
        None,
        now,
    );
    if revoked.await?.is_some() {
        tracing::warn!(token = %log_id(token), grant = %record.grant_id, "refresh token reuse: grant revoked");
    }
    Ok(())
}
