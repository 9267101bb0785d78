//! `POST /oauth2/revoke` (RFC 7009). Revoking a refresh token ends its whole grant; revoking an
//! access token ends that token. Unknown tokens get 200, as section 2.2 says, and revocation
//! takes effect on the very next request.

use axum::Extension;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::error::OAuthError;
use crate::server::db::events::{self, EventKind};
use crate::server::db::{grants, tokens};
use crate::server::state::AppState;
use crate::server::tokens::{hash, log_id};
use crate::server::web::ClientAddr;

#[derive(Deserialize)]
pub struct RevokeRequest {
    token: Option<String>,
    /// Accepted and ignored: both kinds are found by the same lookup (RFC 7009 section 2.1).
    #[allow(dead_code)]
    token_type_hint: Option<String>,
    client_id: Option<String>,
}

pub async fn revoke(
    State(state): State<AppState>,
    Extension(ClientAddr(addr)): Extension<ClientAddr>,
    form: Result<Form<RevokeRequest>, FormRejection>,
) -> Result<Response, OAuthError> {
    let Form(req) = form.map_err(|rejection| OAuthError::invalid_request(rejection.body_text()))?;
    let token = req
        .token
        .ok_or_else(|| OAuthError::invalid_request("token is required."))?;
    let token_hash = hash(&token);
    let now = state.now();
    if let Some(record) = tokens::find(&state.db, &token_hash).await? {
        if req
            .client_id
            .as_deref()
            .is_some_and(|id| id != record.client_id)
        {
            tracing::info!(token = %log_id(&token), "revocation by another client ignored");
        } else if record.kind == "refresh" {
            let mut tx = state.db.begin().await?;
            if let Some(grant) = grants::revoke_by_id(&mut *tx, &record.grant_id, now).await? {
                let detail = format!("{} signed out and gave up its access", grant.agent_name);
                events::record(
                    &mut *tx,
                    &grant.user_id,
                    EventKind::TokenRevoked,
                    &detail,
                    Some(&addr.to_string()),
                    now,
                )
                .await?;
            }
            tx.commit().await?;
            tracing::info!(token = %log_id(&token), grant = %record.grant_id, "grant revoked by its refresh token");
        } else {
            tokens::revoke(&state.db, &token_hash, now).await?;
            tracing::info!(token = %log_id(&token), "access token revoked");
        }
    }
    Ok((
        StatusCode::OK,
        [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
    )
        .into_response())
}
