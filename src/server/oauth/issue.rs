//! The RFC 6749 section 5.1 response that hands a grant's fresh tokens to the client.

use axum::Json;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::server::db::grants::Grant;
use crate::server::domain::grant::TokenPair;

/// A successful token response. `Debug` shows no secret.
#[derive(Serialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
    pub refresh_token: String,
    /// Space-separated, as RFC 6749 section 3.3 writes scopes on the wire.
    pub scope: String,
    pub client_id: String,
    /// The name the grant shows on the security page (an extension parameter, RFC 6749
    /// section 5.1 allows them), so a client can show whom it is signed in as.
    pub agent_name: String,
    /// The grant the tokens belong to; not sent.
    #[serde(skip)]
    pub grant_id: String,
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

impl TokenResponse {
    pub fn new(grant: &Grant, tokens: TokenPair) -> Self {
        Self {
            access_token: tokens.access_token,
            token_type: "Bearer",
            expires_in: tokens.expires_in,
            refresh_token: tokens.refresh_token,
            scope: grant.scopes.to_string(),
            client_id: grant.client_id.to_string(),
            // An agent that gave no name reads as such, in the words agents read (English).
            agent_name: crate::server::domain::security_log::agent_name(
                &grant.agent_name,
                crate::language::Locale::en,
            ),
            grant_id: grant.id.to_string(),
        }
    }
}
