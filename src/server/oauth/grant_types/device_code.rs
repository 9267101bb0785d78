//! The device authorization grant (RFC 8628 section 3.4): the device polls the token endpoint
//! with its device code until the person approves or denies it on /device. The answer to each
//! poll is one conditional statement; on approval, consuming the request, creating the grant
//! and minting its tokens commit together, so tokens are handed out exactly once.

use std::net::IpAddr;

use axum::http::HeaderMap;

use super::request::TokenRequest;
use crate::grant_type::GrantType;
use crate::lifetime::Lifetimes;
use crate::server::app::state::AppState;
use crate::server::db::device_codes;
use crate::server::db::grants::GrantedVia;
use crate::server::domain::grant::{self, NewGrant};
use crate::server::domain::secrets::{hash, log_id};
use crate::server::oauth::client_auth::client_for_grant;
use crate::server::oauth::error::OAuthError;
use crate::server::oauth::issue::TokenResponse;

/// One poll: `slow_down` when too soon, tokens once approved, otherwise why not yet.
pub async fn poll(
    state: &AppState,
    addr: IpAddr,
    headers: &HeaderMap,
    req: &TokenRequest,
) -> Result<TokenResponse, OAuthError> {
    let client = client_for_grant(
        state,
        headers,
        req.client_id.as_deref(),
        req.client_secret.as_deref(),
        GrantType::DeviceCode,
    )
    .await?;
    let Some(device_code) = req.device_code.as_deref() else {
        return Err(OAuthError::invalid_request("device_code is required."));
    };
    let code_hash = hash(device_code);
    let now = state.now();
    let grant_id = grant::new_grant_id();

    let mut tx = state.db.begin().await?;
    if let Some(interval) = device_codes::slow_down(&mut *tx, &code_hash, &client.id, now).await? {
        tx.commit().await?;
        return Err(OAuthError::slow_down(interval));
    }
    if let Some(row) =
        device_codes::consume(&mut *tx, &code_hash, &client.id, &grant_id, now).await?
    {
        let Some(user_id) = row.user_id else {
            // An approved request always names who approved it.
            tx.rollback().await?;
            tracing::error!(device_code = %log_id(device_code), "approved device code without a user");
            return Err(OAuthError::server_error());
        };
        let new = NewGrant {
            user_id: user_id.into(),
            client_id: client.id.into(),
            agent_name: client.name,
            scopes: row.scopes,
            via: GrantedVia::DeviceCode,
            resource: None,
            // Standard OAuth flows choose no lifetime: the grant lives while it is refreshed.
            lifetimes: Lifetimes::UNLIMITED,
            // The person approved on the consent or device page already.
            confirm_within: None,
            client_software: None,
            home_network: None,
        };
        let (grant, tokens) = grant::create(&mut tx, grant_id, new, Some(addr), now).await?;
        tx.commit().await?;
        tracing::info!(device_code = %log_id(device_code), grant = %grant.id, "device code redeemed");
        return Ok(TokenResponse::new(&grant, tokens));
    }
    let row = device_codes::record_poll(&mut *tx, &code_hash, &client.id, now).await?;
    tx.commit().await?;
    let refused = || {
        OAuthError::invalid_grant("The device code is invalid or was already used. Start again.")
    };
    match row {
        None => Err(refused()),
        Some(row) if row.used_at.is_some() => Err(refused()),
        Some(row) if row.expires_at <= now => Err(OAuthError::expired_token()),
        Some(row) if row.denied_at.is_some() => Err(OAuthError::access_denied()),
        Some(_) => Err(OAuthError::authorization_pending()),
    }
}
