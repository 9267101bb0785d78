//! The authorization code grant at the token endpoint (RFC 6749 section 4.1.3) with PKCE
//! (RFC 7636 section 4.6): the code is checked against its client, redirect URI and challenge
//! before it is consumed, so a failed attempt never uses it up; a second use by the client it
//! was issued to fails and revokes what the first issued (RFC 6749 section 4.1.2, RFC 9700
//! section 4.2.4), and anyone else's use of it is refused without effect.

use std::net::IpAddr;

use axum::http::HeaderMap;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use super::request::TokenRequest;
use crate::grant_type::GrantType;
use crate::lifetime::Lifetimes;
use crate::server::app::state::AppState;
use crate::server::db::authorization_codes;
use crate::server::db::grants::GrantedVia;
use crate::server::domain::grant::{self, NewGrant, Revocation};
use crate::server::domain::secrets::{hash, log_id};
use crate::server::oauth::client_auth::client_for_grant;
use crate::server::oauth::error::OAuthError;
use crate::server::oauth::issue::TokenResponse;

pub async fn exchange(
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
        GrantType::AuthorizationCode,
    )
    .await?;
    let code = req
        .code
        .as_deref()
        .ok_or_else(|| OAuthError::invalid_request("code is required."))?;
    let refused = |why: &str| {
        OAuthError::invalid_grant(format!("The authorization code cannot be used: {why}"))
    };
    let code_hash = hash(code);
    let now = state.now();
    // Unknown, used, expired and another client's codes get one answer, so that no answer
    // tells an attacker more than another (RFC 6749 section 5.2).
    let Some(row) = authorization_codes::find(&state.db, &code_hash).await? else {
        return Err(unusable_code());
    };
    // The client binding comes first: a code is nothing to any other client, so holding a
    // used code never lets someone revoke the grant it made from their own client.
    if row.client_id != client.id {
        return Err(unusable_code());
    }
    if row.used_at.is_some() {
        revoke_reused(state, &code_hash, &client.id, code, now).await?;
        return Err(unusable_code());
    }
    if now >= row.expires_at {
        return Err(unusable_code());
    }
    if req.redirect_uri.as_deref() != Some(row.redirect_uri.as_str()) {
        return Err(refused(
            "redirect_uri does not match the authorization request.",
        ));
    }
    let Some(verifier) = req.code_verifier.as_deref() else {
        return Err(refused("code_verifier is missing (PKCE is required)."));
    };
    if !pkce_matches(verifier, &row.code_challenge) {
        return Err(refused("code_verifier does not match the code_challenge."));
    }
    if req.resource.is_some() && req.resource != row.resource {
        return Err(OAuthError::invalid_target(
            "resource differs from the authorization request.",
        ));
    }

    let grant_id = grant::new_grant_id();
    let mut tx = state.db.begin().await?;
    let Some(row) = authorization_codes::consume(&mut *tx, &code_hash, &grant_id, now).await?
    else {
        // Another request redeemed the code between our read and this update: this is a
        // second use all the same, and what the first one got is revoked too.
        tx.rollback().await?;
        revoke_reused(state, &code_hash, &client.id, code, now).await?;
        return Err(unusable_code());
    };
    let new = NewGrant {
        user_id: row.user_id.into(),
        client_id: client.id.clone().into(),
        agent_name: client.name.clone(),
        scopes: row.scopes,
        via: GrantedVia::AuthorizationCode,
        resource: row.resource,
        // Standard OAuth flows choose no lifetime: the grant lives while it is refreshed.
        lifetimes: Lifetimes::UNLIMITED,
        // The person approved on the consent or device page already.
        confirm_within: None,
        client_software: None,
        home_network: None,
    };
    let (grant, tokens) = grant::create(&mut tx, grant_id, new, Some(addr), now).await?;
    tx.commit().await?;
    tracing::info!(client = %client.id, grant = %grant.id, "authorization code exchanged");
    Ok(TokenResponse::new(&grant, tokens))
}

/// The one answer for a code that is unknown, used, expired or another client's.
fn unusable_code() -> OAuthError {
    OAuthError::invalid_grant("The authorization code is invalid, expired or already used.")
}

/// A used code came back from `client_id`, authenticated: revokes the grant its first use
/// created (RFC 6749 section 4.1.2, RFC 9700 section 4.2.4), if the code was issued to that
/// client. Nobody else's replay revokes anything.
async fn revoke_reused(
    state: &AppState,
    code_hash: &str,
    client_id: &str,
    code: &str,
    now: i64,
) -> Result<(), OAuthError> {
    let Some(grant_id) = authorization_codes::find(&state.db, code_hash)
        .await?
        .filter(|row| row.client_id == client_id)
        .and_then(|row| row.grant_id)
    else {
        return Ok(());
    };
    if grant::revoke(
        &state.db,
        &state.live_tokens,
        &grant_id.clone().into(),
        Revocation::CodeReplay,
        None,
        now,
    )
    .await?
    .is_some()
    {
        tracing::warn!(code = %log_id(code), grant = %grant_id, "authorization code reuse: grant revoked");
    }
    Ok(())
}

/// PKCE S256: `BASE64URL(SHA256(verifier)) == challenge`, with a verifier of 43 to 128
/// unreserved characters (RFC 7636 section 4.1).
pub fn pkce_matches(verifier: &str, challenge: &str) -> bool {
    let well_formed = (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
    well_formed && URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) == challenge
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_follows_rfc_7636_appendix_b() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert!(pkce_matches(
            verifier,
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
        assert!(!pkce_matches(
            verifier,
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cN"
        ));
        assert!(!pkce_matches(
            "short",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
        // `plain` would send the verifier itself as the challenge: never accepted.
        assert!(!pkce_matches(verifier, verifier));
    }
}
