//! The two MCP endpoints over Streamable HTTP (MCP transports, 2025-11-25): `/mcp/agent`, where
//! an agent redeems an agent auth code, and `/mcp`, the reference resource behind its own
//! bearer layer (RFC 6750), described by its protected resource metadata (RFC 9728).
//!
//! Both are nested services, outside the portal: no session cookie, no same-origin check.

pub mod agent;
pub mod agent_sessions;
pub mod auth;
pub mod protocol;
pub mod resource;
pub mod sandbox;
pub mod session_store;
pub mod step_up;

use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::routing::get;

use super::state::AppState;
use auth::TokenValidator;
use resource::ResourceTools;

/// `/mcp/agent`, `/mcp` behind the bearer layer, and the resource's metadata.
pub fn router(state: &AppState) -> Router<AppState> {
    let tools = ResourceTools::new(state);
    let validator = TokenValidator::new(state.clone());
    let step_up = step_up::StepUp {
        base: state.config.public_base(),
        limit: state.config.max_body_bytes,
    };
    // The bearer layer runs first (outermost); the step-up check reads the principal it leaves.
    let resource = Router::new()
        .route_service(
            "/mcp",
            protocol::shared(resource::service(state, tools.clone())),
        )
        .route_layer(from_fn_with_state(step_up, step_up::refuse_ungranted_calls))
        .route_layer(from_fn_with_state(validator.clone(), auth::require_bearer));
    let agent = Router::new()
        .route_service(
            "/mcp/agent",
            protocol::shared(agent::service(state, validator, tools)),
        )
        .route_layer(axum::middleware::from_fn(agent::closed_is_no_content))
        .route_layer(from_fn_with_state(
            state.agent_sessions.clone(),
            agent_sessions::admit,
        ));
    Router::new()
        .route(auth::METADATA_PATH, get(auth::resource_metadata))
        .merge(agent)
        .merge(resource)
}
