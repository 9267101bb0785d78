//! `POST /oauth2/introspect` (RFC 7662): tells an authenticated resource server whether a token
//! is live and what it allows. Anything not live is exactly `{"active":false}`.

use axum::Json;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::client_auth::authenticate_resource_server;
use super::error::OAuthError;
use crate::server::app::state::AppState;
use crate::server::db::tokens::TokenKind;
use crate::server::domain::grant::{self, Standing};
use crate::server::domain::secrets::hash;

#[derive(Deserialize)]
pub struct IntrospectRequest {
    token: Option<String>,
    #[allow(dead_code)]
    token_type_hint: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

#[derive(Debug, Serialize, PartialEq)]
#[serde(untagged)]
pub enum Introspection {
    Active {
        active: bool,
        scope: String,
        client_id: String,
        sub: String,
        username: String,
        token_type: &'static str,
        exp: i64,
        iat: i64,
        /// The resource the token is for (RFC 8707), when it is restricted to one.
        #[serde(skip_serializing_if = "Option::is_none")]
        aud: Option<String>,
    },
    Inactive {
        active: bool,
    },
}

pub async fn introspect(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<IntrospectRequest>, FormRejection>,
) -> Result<Response, OAuthError> {
    let Form(req) = form.map_err(|rejection| OAuthError::invalid_request(rejection.body_text()))?;
    authenticate_resource_server(
        &headers,
        req.client_id.as_deref(),
        req.client_secret.as_deref(),
        &state.config,
    )?;
    let token = req
        .token
        .ok_or_else(|| OAuthError::invalid_request("token is required."))?;
    let now = state.now();
    let found = state
        .live_tokens
        .find(&state.db, &hash(&token), now)
        .await?;
    let answer = match found {
        Some(active) => {
            // A resource server asking is not the agent: no address, so no network guard.
            let standing = grant::standing(&state.catalogue, &active.grant, None, now);
            match standing {
                Standing::Active(in_force) | Standing::WaitingForApproval(in_force) => {
                    if active.kind == TokenKind::Access {
                        state
                            .live_tokens
                            .record_use(&state.db, &active.grant.id, None, now)
                            .await;
                    }
                    Introspection::Active {
                        active: true,
                        scope: in_force.scopes.to_string(),
                        client_id: active.grant.client_id.into(),
                        sub: active.grant.user_id.into(),
                        username: active.email,
                        token_type: if active.kind == TokenKind::Access {
                            "Bearer"
                        } else {
                            "refresh_token"
                        },
                        exp: active.expires_at,
                        iat: active.created_at,
                        aud: active.grant.resource,
                    }
                }
                // Paused grants' tokens are refused until the person resumes them.
                _ => Introspection::Inactive { active: false },
            }
        }
        None => Introspection::Inactive { active: false },
    };
    let mut res = Json(answer).into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}
