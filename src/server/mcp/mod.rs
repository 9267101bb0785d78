//! The two MCP endpoints over Streamable HTTP (MCP transports, 2025-11-25): `/mcp/agent`, where
//! an agent redeems an agent auth code, and `/mcp`, the reference resource behind its own
//! bearer layer (RFC 6750), described by its protected resource metadata (RFC 9728).
//!
//! Both are nested services, outside the portal: no session cookie, no same-origin check.

pub mod agent;
pub mod agent_sessions;
pub mod auth;
pub mod resource;
pub mod sandbox;

use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::routing::get;
use rmcp::model::{Implementation, ServerCapabilities, ServerConfig};
use rmcp::transport::streamable_http_server::StreamableHttpServerConfig;

use super::state::AppState;
use auth::TokenValidator;
use resource::ResourceTools;

/// `/mcp/agent`, `/mcp` behind the bearer layer, and the resource's metadata.
pub fn router(state: &AppState) -> Router<AppState> {
    let tools = ResourceTools::new(state);
    let validator = TokenValidator::new(state.clone());
    let resource = Router::new()
        .route_service("/mcp", resource::service(state, tools.clone()))
        .route_layer(from_fn_with_state(validator.clone(), auth::require_bearer));
    let agent = Router::new()
        .route_service("/mcp/agent", agent::service(state, validator, tools))
        .route_layer(from_fn_with_state(
            state.agent_sessions.clone(),
            agent_sessions::admit,
        ));
    Router::new()
        .route(auth::METADATA_PATH, get(auth::resource_metadata))
        .merge(agent)
        .merge(resource)
}

/// The transport settings both endpoints share. The DNS-rebinding check admits the public
/// URL's host besides loopback.
fn transport_config(state: &AppState, sessions: bool) -> StreamableHttpServerConfig {
    let mut hosts = vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ];
    if let Some(host) = state.config.public_url.host_str() {
        hosts.push(host.to_owned());
    }
    StreamableHttpServerConfig::default()
        .with_allowed_hosts(hosts)
        .with_legacy_session_mode(sessions)
        .with_json_response(!sessions)
        .with_max_request_body_bytes(state.config.max_body_bytes)
        .with_cancellation_token(state.shutdown.child_token())
}

/// What both servers say about themselves at `initialize` and `server/discover`.
/// `tool_list_changes` says whether the tool list can change during a session.
fn server_config(instructions: String, tool_list_changes: bool) -> ServerConfig {
    let capabilities = ServerCapabilities::builder().enable_tools();
    let capabilities = if tool_list_changes {
        capabilities.enable_tool_list_changed().build()
    } else {
        capabilities.build()
    };
    ServerConfig::new(capabilities)
        .with_server_info(Implementation::new(
            "agent-connect",
            env!("CARGO_PKG_VERSION"),
        ))
        .with_instructions(instructions)
}
