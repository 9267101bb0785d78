//! The OAuth 2.1 endpoints that agents, clients and resource servers call.

pub mod auth_method;
pub mod authorize;
pub mod client_auth;
pub mod client_metadata;
pub mod device;
pub mod error;
pub mod grant_types;
pub mod introspect;
pub mod issue;
pub mod metadata;
pub mod register;
pub mod revoke;
pub mod token;

use axum::Router;
use axum::routing::{get, post};

use crate::server::app::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/oauth2/token", post(token::token))
        .route(
            "/oauth2/device_authorization",
            post(device::device_authorization),
        )
        .route("/device/qr", get(device::qr))
        .route("/oauth2/introspect", post(introspect::introspect))
        .route("/oauth2/revoke", post(revoke::revoke))
        .route("/oauth2/register", post(register::register))
        .route(
            "/.well-known/oauth-authorization-server",
            get(metadata::authorization_server),
        )
}
