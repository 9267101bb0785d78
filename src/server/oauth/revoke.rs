//! `POST /oauth2/revoke` (RFC 7009). Revoking a refresh token ends its whole grant; revoking an
//! access token ends that token. Unknown tokens get 200, as section 2.2 says, and revocation
//! takes effect on the very next request.
//!
//! Section 2.1: a confidential client authenticates (HTTP Basic or `client_secret` in the
//! body; a wrong or missing secret is a 401 `invalid_client`), and only its own tokens are
//! revoked; a token of another client is left alone with the same 200.

use axum::Extension;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::client_auth::{authenticate_client, has_basic_credentials};
use super::error::OAuthError;
use crate::server::app::state::AppState;
use crate::server::db::clients;
use crate::server::db::tokens::{self, TokenKind};
use crate::server::domain::grant::{self, Revocation};
use crate::server::domain::secrets::{hash, log_id};
use crate::server::web::ClientAddr;

#[derive(Deserialize)]
pub struct RevokeRequest {
    token: Option<String>,
    /// Accepted and ignored: both kinds are found by the same lookup (RFC 7009 section 2.1).
    #[allow(dead_code)]
    token_type_hint: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

/// Who asks for a revocation.
#[derive(Debug, PartialEq, Eq)]
enum Caller {
    /// Nobody named: holding the token is all there is (public and agent clients).
    Anonymous,
    /// A client that cannot authenticate (public, or an agent's own id) naming itself.
    Named(String),
    /// A confidential client that proved its secret.
    Authenticated(String),
}

impl Caller {
    /// Identifies the caller. A registered confidential client that does not prove its
    /// secret is refused outright.
    async fn identify(
        state: &AppState,
        headers: &HeaderMap,
        req: &RevokeRequest,
    ) -> Result<Self, OAuthError> {
        if has_basic_credentials(headers) || req.client_secret.is_some() {
            let client = authenticate_client(
                state,
                headers,
                req.client_id.as_deref(),
                req.client_secret.as_deref(),
            )
            .await?;
            return Ok(if client.is_confidential() {
                Self::Authenticated(client.id)
            } else {
                Self::Named(client.id)
            });
        }
        let Some(id) = req.client_id.as_deref() else {
            return Ok(Self::Anonymous);
        };
        match clients::find(&state.db, id).await? {
            Some(client) if client.is_confidential() => {
                Err(OAuthError::invalid_client("Client authentication failed."))
            }
            _ => Ok(Self::Named(id.to_owned())),
        }
    }

    /// Whether this caller may revoke a token of `owner`, which is confidential or not.
    fn may_revoke(&self, owner: &str, owner_is_confidential: bool) -> bool {
        match self {
            Self::Authenticated(id) => id == owner,
            _ if owner_is_confidential => false,
            Self::Named(id) => id == owner,
            Self::Anonymous => true,
        }
    }
}

pub async fn revoke(
    State(state): State<AppState>,
    Extension(ClientAddr(addr)): Extension<ClientAddr>,
    headers: HeaderMap,
    form: Result<Form<RevokeRequest>, FormRejection>,
) -> Result<Response, OAuthError> {
    let Form(req) = form.map_err(|rejection| OAuthError::invalid_request(rejection.body_text()))?;
    let caller = Caller::identify(&state, &headers, &req).await?;
    let token = req
        .token
        .ok_or_else(|| OAuthError::invalid_request("token is required."))?;
    let token_hash = hash(&token);
    let now = state.now();
    if let Some(record) = tokens::find(&state.db, &token_hash).await? {
        let owner_is_confidential = clients::find(&state.db, &record.client_id)
            .await?
            .is_some_and(|owner| owner.is_confidential());
        if !caller.may_revoke(&record.client_id, owner_is_confidential) {
            tracing::info!(token = %log_id(&token), "revocation by another client ignored");
        } else if record.kind == TokenKind::Refresh {
            grant::revoke(
                &state.db,
                &state.live_tokens,
                &record.grant_id,
                Revocation::ByAgent,
                Some(addr),
                now,
            )
            .await?;
            tracing::info!(token = %log_id(&token), grant = %record.grant_id, "grant revoked by its refresh token");
        } else {
            grant::revoke_access_token(&state.db, &state.live_tokens, &token_hash, Some(addr), now)
                .await?;
            tracing::info!(token = %log_id(&token), "access token revoked");
        }
    }
    Ok((
        StatusCode::OK,
        [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_owner_revokes_a_confidential_clients_token() {
        let authenticated = Caller::Authenticated("client_a".into());
        assert!(authenticated.may_revoke("client_a", true));
        assert!(!authenticated.may_revoke("client_b", true));
        assert!(!authenticated.may_revoke("agent_x", false));
        for caller in [Caller::Anonymous, Caller::Named("client_a".into())] {
            assert!(!caller.may_revoke("client_a", true), "{caller:?}");
        }
        assert!(Caller::Anonymous.may_revoke("agent_x", false));
        assert!(Caller::Named("agent_x".into()).may_revoke("agent_x", false));
        assert!(!Caller::Named("agent_y".into()).may_revoke("agent_x", false));
    }
}
