//! `GET /.well-known/oauth-authorization-server`: authorization server metadata (RFC 8414),
//! so clients discover every endpoint from the issuer URL alone.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::grant_type::GrantType;
use crate::server::app::state::AppState;
use crate::server::oauth::auth_method::AuthMethod;

pub async fn authorization_server(State(state): State<AppState>) -> Json<Value> {
    let issuer = state.config.public_base();
    let scopes: Vec<&str> = state.catalogue.iter().map(|s| s.name.as_str()).collect();
    Json(json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/oauth2/authorize"),
        "token_endpoint": format!("{issuer}/oauth2/token"),
        "registration_endpoint": format!("{issuer}/oauth2/register"),
        "device_authorization_endpoint": format!("{issuer}/oauth2/device_authorization"),
        "revocation_endpoint": format!("{issuer}/oauth2/revoke"),
        "introspection_endpoint": format!("{issuer}/oauth2/introspect"),
        "grant_types_supported": GrantType::ALL,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "code_challenge_methods_supported": ["S256"],
        "authorization_response_iss_parameter_supported": true,
        "token_endpoint_auth_methods_supported": AuthMethod::ALL,
        "revocation_endpoint_auth_methods_supported": AuthMethod::ALL,
        "introspection_endpoint_auth_methods_supported": [AuthMethod::ClientSecretBasic, AuthMethod::ClientSecretPost],
        "scopes_supported": scopes,
        // draft-ietf-oauth-client-id-metadata-document section 5; MCP authorization
        // 2025-11-25, "Client ID Metadata Documents".
        "client_id_metadata_document_supported": true,
        "service_documentation": format!("{issuer}/connect"),
    }))
}
