//! Minting a token pair for a grant, and the RFC 6749 section 5.1 response that carries it.

use crate::server::db::Conn;
use crate::server::db::grants::Grant;
use axum::Json;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::server::db::tokens::{self, TokenKind};
use crate::server::tokens::{
    ACCESS_PREFIX, ACCESS_TTL, REFRESH_PREFIX, REFRESH_TTL, hash, new_secret,
};

/// A successful token response. `Debug` shows no secret.
#[derive(Serialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
    pub refresh_token: String,
    pub scope: String,
    pub client_id: String,
    /// The name the grant shows on the security page (an extension parameter, RFC 6749
    /// section 5.1 allows them), so a client can show whom it is signed in as.
    pub agent_name: String,
}

impl std::fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenResponse")
            .field("scope", &self.scope)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

impl IntoResponse for TokenResponse {
    fn into_response(self) -> Response {
        let mut res = Json(self).into_response();
        let headers = res.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
        res
    }
}

/// Stores a fresh access and refresh token for `grant` (inside the caller's transaction)
/// and returns the response that hands them out.
pub async fn mint(tx: &mut Conn, grant: &Grant, now: i64) -> Result<TokenResponse, sqlx::Error> {
    let grant_id = grant.id.as_str();
    let access_token = new_secret(ACCESS_PREFIX);
    let refresh_token = new_secret(REFRESH_PREFIX);
    tokens::insert(
        &mut *tx,
        &hash(&access_token),
        grant_id,
        TokenKind::Access,
        now,
        now + ACCESS_TTL,
    )
    .await?;
    tokens::insert(
        &mut *tx,
        &hash(&refresh_token),
        grant_id,
        TokenKind::Refresh,
        now,
        now + REFRESH_TTL,
    )
    .await?;
    Ok(TokenResponse {
        access_token,
        token_type: "Bearer",
        expires_in: ACCESS_TTL,
        refresh_token,
        scope: grant.scopes.clone(),
        client_id: grant.client_id.clone(),
        agent_name: grant.agent_name.clone(),
    })
}
