//! `POST /oauth2/token` (RFC 6749 section 3.2): reads the form and hands it to the grant type
//! named by `grant_type`, one module each.

pub mod agent_code;
pub mod authorization_code;
pub mod device_code;
pub mod refresh_token;

use axum::Extension;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, State};
use axum::http::HeaderMap;
use serde::Deserialize;

use super::error::OAuthError;
use super::issue::TokenResponse;
use crate::instructions::AGENT_CODE_GRANT;
use crate::server::state::AppState;
use crate::server::web::ClientAddr;
use device_code::DEVICE_CODE_GRANT;

/// Every parameter any supported grant takes. Repeating a parameter is an error (RFC 6749
/// section 3.2), which the form decoder enforces.
#[derive(Default, Deserialize)]
pub struct TokenRequest {
    pub grant_type: Option<String>,
    pub code: Option<String>,
    pub agent_name: Option<String>,
    pub refresh_token: Option<String>,
    pub scope: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub redirect_uri: Option<String>,
    pub code_verifier: Option<String>,
    pub resource: Option<String>,
    pub device_code: Option<String>,
}

pub async fn token(
    State(state): State<AppState>,
    Extension(ClientAddr(addr)): Extension<ClientAddr>,
    headers: HeaderMap,
    form: Result<Form<TokenRequest>, FormRejection>,
) -> Result<TokenResponse, OAuthError> {
    let Form(req) = form.map_err(|rejection| OAuthError::invalid_request(rejection.body_text()))?;
    let grant_type = req
        .grant_type
        .as_deref()
        .ok_or_else(|| OAuthError::invalid_request("grant_type is required."))?;
    match grant_type {
        AGENT_CODE_GRANT => agent_code::redeem(&state, addr, &req).await,
        "authorization_code" => authorization_code::exchange(&state, &headers, &req).await,
        "refresh_token" => refresh_token::refresh(&state, &headers, &req).await,
        DEVICE_CODE_GRANT => device_code::poll(&state, &headers, &req).await,
        other => Err(OAuthError::unsupported_grant_type(other)),
    }
}
