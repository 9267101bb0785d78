//! `POST /oauth2/token` (RFC 6749 section 3.2): reads the form and hands it to the grant type
//! named by `grant_type`, one module each under [`super::grants`].

use axum::Extension;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, State};
use axum::http::HeaderMap;

use super::error::{ErrorCode, OAuthError, outcome};
use super::grant_types::request::TokenRequest;
use super::grant_types::{agent_code, authorization_code, device_code, refresh_token};
use super::issue::TokenResponse;
use crate::grant_type::GrantType;
use crate::server::app::state::AppState;
use crate::server::app::telemetry;
use crate::server::web::ClientAddr;

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
    let Some(kind) = GrantType::parse(grant_type) else {
        telemetry::token_request("unsupported", ErrorCode::UnsupportedGrantType.as_str());
        return Err(OAuthError::unsupported_grant_type(grant_type));
    };
    let answer = match kind {
        GrantType::AgentCode => {
            let software = headers
                .get(axum::http::header::USER_AGENT)
                .and_then(|v| v.to_str().ok());
            agent_code::redeem(&state, addr, software, &req).await
        }
        GrantType::AuthorizationCode => {
            authorization_code::exchange(&state, addr, &headers, &req).await
        }
        GrantType::RefreshToken => refresh_token::refresh(&state, addr, &headers, &req).await,
        GrantType::DeviceCode => device_code::poll(&state, addr, &headers, &req).await,
    };
    telemetry::token_request(kind.as_str(), outcome(&answer));
    answer
}
