//! The two MCP endpoints over Streamable HTTP (MCP transports, 2025-11-25): `/mcp/agent`, where
//! an agent redeems an agent auth code, and `/mcp`, the reference resource behind its own
//! bearer check (RFC 6750), described by its protected resource metadata (RFC 9728).
//!
//! Both are nested services, outside the portal: no session cookie, no same-origin check.

pub mod agent;
pub mod auth;
pub mod legacy_session_store;
pub mod legacy_sessions;
pub mod protocol;
pub mod resource;
pub mod sandbox;
pub mod step_up;

use std::convert::Infallible;
use std::sync::Arc;

use axum::Router;
use axum::extract::Request;
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rmcp::transport::streamable_http_server::StreamableHttpService;
use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;
use tower::util::BoxCloneSyncService;

use crate::server::app::state::AppState;
use auth::TokenValidator;
use resource::{ResourceServer, ResourceTools};

/// `/mcp/agent`, `/mcp` behind the bearer check, and the resource's metadata.
pub fn router(state: &AppState) -> Router<AppState> {
    let tools = ResourceTools::new(state);
    let validator = TokenValidator::new(state.clone());
    let step_up = step_up::StepUp {
        base: state.config.public_base(),
        limit: state.config.max_body_bytes,
    };
    let resource = Router::new().route_service(
        "/mcp",
        resource_endpoint(
            validator.clone(),
            step_up,
            resource::service(state, tools.clone()),
        ),
    );
    let agent = Router::new()
        .route_service(
            "/mcp/agent",
            protocol::shared(agent::service(state, validator, tools)),
        )
        .route_layer(axum::middleware::from_fn(agent::closed_is_no_content))
        .route_layer(from_fn_with_state(
            state.agent_sessions.clone(),
            legacy_sessions::admit,
        ));
    Router::new()
        .route(auth::METADATA_PATH, get(auth::resource_metadata))
        .merge(agent)
        .merge(resource)
}

/// `/mcp` as one service: the bearer check, then the step-up check, which reads the principal
/// the first leaves, then the transport. As route layers, each check cloned the whole stack of
/// services beneath it on every request.
fn resource_endpoint(
    validator: TokenValidator,
    step_up: step_up::StepUp,
    transport: StreamableHttpService<ResourceServer, NeverSessionManager>,
) -> BoxCloneSyncService<Request, Response, Infallible> {
    let endpoint = Arc::new((validator, step_up, transport));
    BoxCloneSyncService::new(tower::service_fn(move |req: Request| {
        let endpoint = Arc::clone(&endpoint);
        async move {
            let (validator, step_up, transport) = &*endpoint;
            let admitted = match auth::admit(validator, req).await {
                Ok(req) => step_up::check(step_up, req).await,
                Err(refusal) => Err(refusal),
            };
            Ok(match admitted {
                Ok(req) => transport.handle(req).await.into_response(),
                Err(refusal) => refusal,
            })
        }
    }))
}
