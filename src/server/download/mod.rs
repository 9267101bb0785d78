//! `GET /download/agent-connect`: this server's own build of the command-line client, for an
//! agent that does not have it yet, and `GET /download/agent-connect.sha256`, its SHA-256 as
//! `sha256sum` prints it. The /connect page's CLI tab quotes the same hash, so the agent
//! checks the file against the text the person pasted, not only against this server.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower_http::services::ServeFile;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::instructions::CLI_DOWNLOAD_PATH;
use crate::server::app::state::AppState;

pub mod build;

pub fn router(state: &AppState) -> Router<AppState> {
    let file = Router::new()
        .route_service(CLI_DOWNLOAD_PATH, ServeFile::new(state.cli_build.path()))
        .route_layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_DISPOSITION,
            HeaderValue::from_static("attachment; filename=\"agent-connect\""),
        ));
    Router::new()
        .route(&format!("{CLI_DOWNLOAD_PATH}.sha256"), get(checksum))
        .merge(file)
}

/// `<hex>  agent-connect`, as `sha256sum -c` reads it.
async fn checksum(State(state): State<AppState>) -> Response {
    match state.cli_build.sha256().await {
        Some(hex) => (
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!("{hex}  agent-connect\n"),
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
