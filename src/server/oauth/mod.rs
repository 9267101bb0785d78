//! The OAuth 2.1 endpoints that agents and resource servers call.

pub mod client_auth;
pub mod device;
pub mod error;
pub mod grants;
pub mod introspect;
pub mod issue;
pub mod revoke;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use super::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/oauth2/token", post(grants::token))
        .route(
            "/oauth2/device_authorization",
            post(device::device_authorization),
        )
        .route("/device/qr", get(device::qr))
        .route("/oauth2/introspect", post(introspect::introspect))
        .route("/oauth2/revoke", post(revoke::revoke))
        .layer(DefaultBodyLimit::max(16 * 1024))
}
