//! What the two MCP servers share: the Streamable HTTP transport settings, how they describe
//! themselves at `initialize`, and the shapes of their tool results.

use rmcp::model::{
    CacheScope, CallToolResult, ContentBlock, Implementation, ListToolsResult, ServerCapabilities,
    ServerConfig, Tool,
};
use std::convert::Infallible;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use rmcp::transport::streamable_http_server::session::SessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use tower::util::BoxCloneSyncService;

use crate::server::app::state::AppState;

/// The transport settings both endpoints share. The DNS-rebinding check admits the public
/// URL's host besides loopback.
pub fn transport_config(state: &AppState, sessions: bool) -> StreamableHttpServerConfig {
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

/// An MCP endpoint as a route's service whose clone is one reference count. axum clones a
/// route's service, and every layer around it, for each request, and the transport clones
/// itself once more: its settings (a list of hosts, a cancellation token) were copied and
/// dropped twice per call, about a third of the work of a Bearer-checked tool call.
pub fn shared<S, M>(
    service: StreamableHttpService<S, M>,
) -> BoxCloneSyncService<Request, Response, Infallible>
where
    S: rmcp::ServerHandler + Send + 'static,
    M: SessionManager,
{
    let service = Arc::new(service);
    BoxCloneSyncService::new(tower::service_fn(move |req: Request<Body>| {
        let service = Arc::clone(&service);
        async move { Ok(service.handle(req).await.into_response()) }
    }))
}

/// What both servers say about themselves at `initialize` and `server/discover`.
/// `tool_list_changes` says whether the tool list can change during a session.
pub fn server_config(instructions: String, tool_list_changes: bool) -> ServerConfig {
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

/// A tool's successful answer.
pub fn success(text: String) -> CallToolResult {
    CallToolResult::success(vec![ContentBlock::text(text)])
}

/// A tool's refusal or failure, told to the model as a result (not a protocol error).
pub fn failure(text: String) -> CallToolResult {
    CallToolResult::error(vec![ContentBlock::text(text)])
}

/// A tool list that depends on who asks, so no one else may cache it (SEP-2549).
pub fn private_list(tools: Vec<Tool>) -> ListToolsResult {
    ListToolsResult::with_all_items(tools).with_cache_scope(CacheScope::Private)
}
