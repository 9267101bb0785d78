//! `agent-connect mcp`: a stdio MCP server that forwards `tools/list` and `tools/call` to the
//! server's `/mcp` with the saved tokens, so that any stdio MCP client uses the grant and no
//! token ever passes through the model.
//!
//! Each forwarded request is one stateless JSON-RPC POST with `Authorization: Bearer`. The
//! access token is refreshed under the store's lock when it is close to expiry, and once more
//! when `/mcp` answers 401 to it (a token that expired early, or a clock that drifted). What
//! `/mcp` refuses reaches the model as a tool result with `isError` and the person's next
//! step: paused and waiting-for-approval come from the tools themselves; a missing scope (403)
//! carries the step-up link; a grant that ended (401, then a refused refresh) says how to get a
//! new code.

use std::time::Duration;

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
    ListToolsResult, PaginatedRequestParams, ResultType, ServerCapabilities, ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler, ServiceExt};
use serde_json::{Value, json};

use super::store::TokenStore;
use super::{CliError, fresh_tokens};

/// The MCP revision the bridge speaks to `/mcp`: every request stands alone, so the one
/// request is all it sends (no `initialize`, no session).
const UPSTREAM_VERSION: &str = "2025-11-25";

/// Serves MCP on standard input and output until the client closes it.
pub async fn serve(server: Option<String>) -> Result<(), CliError> {
    let store = TokenStore::default_location()?;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .user_agent(concat!(
            "agent-connect/",
            env!("CARGO_PKG_VERSION"),
            " (mcp)"
        ))
        .build()
        .map_err(|e| CliError(e.to_string()))?;
    let server = server.map(|s| s.trim_end_matches('/').to_owned());
    // Fail before serving when there is nothing to forward with: the client shows this line.
    fresh_tokens(&http, &store, server.as_deref(), None).await?;
    let bridge = Bridge {
        http,
        store,
        server,
    };
    let running = bridge
        .serve(rmcp::transport::stdio())
        .await
        .map_err(|e| CliError(format!("cannot start the MCP server on stdio: {e}")))?;
    running
        .waiting()
        .await
        .map_err(|e| CliError(format!("the MCP server on stdio stopped: {e}")))?;
    Ok(())
}

struct Bridge {
    http: reqwest::Client,
    store: TokenStore,
    server: Option<String>,
}

/// Why a forwarded request has no result.
enum Refusal {
    /// A sentence for the model: what happened and what the person can do.
    Readable(String),
    /// A JSON-RPC error from `/mcp`, passed on as it came.
    Protocol(ErrorData),
}

impl Bridge {
    /// Sends one JSON-RPC request to `/mcp`; on a 401, refreshes the token (or takes the one
    /// another process already saved) and tries once more.
    async fn forward(&self, method: &str, params: Value) -> Result<Value, Refusal> {
        let readable = |err: CliError| Refusal::Readable(err.0);
        let mut tokens = fresh_tokens(&self.http, &self.store, self.server.as_deref(), None)
            .await
            .map_err(readable)?;
        for attempt in 0..2 {
            let res = self
                .http
                .post(format!("{}/mcp", tokens.server))
                .bearer_auth(&tokens.access_token)
                .header("accept", "application/json, text/event-stream")
                .header("mcp-protocol-version", UPSTREAM_VERSION)
                .json(&json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}))
                .send()
                .await
                .map_err(|e| {
                    Refusal::Readable(format!(
                        "Could not reach {}: {e}. Tell the person the Agent Connect server is \
                         unreachable from this machine.",
                        tokens.server
                    ))
                })?;
            let status = res.status().as_u16();
            if status == 401 && attempt == 0 {
                tokens = fresh_tokens(
                    &self.http,
                    &self.store,
                    self.server.as_deref(),
                    Some(&tokens.access_token),
                )
                .await
                .map_err(readable)?;
                continue;
            }
            let body: Value = res.json().await.unwrap_or(Value::Null);
            return match status {
                200 => answer(body),
                // A missing scope: the JSON-RPC error's message is the refusal with the
                // step-up link, written for the model.
                403 => Err(Refusal::Readable(error_message(&body).unwrap_or_else(|| {
                    "This agent may not use that tool. Ask the person to grant it at the portal."
                        .to_owned()
                }))),
                401 => Err(Refusal::Readable(format!(
                    "{} refused the saved sign-in even after a refresh. Ask the person for a new \
                     code at {}/connect, then run `agent-connect auth login --auth-code CODE \
                     --server {}`.",
                    tokens.server, tokens.server, tokens.server
                ))),
                status => Err(Refusal::Readable(format!(
                    "{} answered HTTP {status}{}. Try again in a moment; if it persists, tell \
                     the person.",
                    tokens.server,
                    error_message(&body)
                        .map(|m| format!(": {m}"))
                        .unwrap_or_default()
                ))),
            };
        }
        unreachable!("the second attempt always returns")
    }
}

/// The `result` of a JSON-RPC answer, or its `error`.
fn answer(body: Value) -> Result<Value, Refusal> {
    if let Some(result) = body.get("result") {
        return Ok(result.clone());
    }
    match body.get("error").cloned().map(serde_json::from_value) {
        Some(Ok(error)) => Err(Refusal::Protocol(error)),
        _ => Err(Refusal::Readable(
            "The server's answer was not an MCP result. Try again in a moment.".into(),
        )),
    }
}

fn error_message(body: &Value) -> Option<String> {
    body.pointer("/error/message")
        .or_else(|| body.get("error_description"))
        .and_then(Value::as_str)
        .map(str::to_owned)
}

impl ServerHandler for Bridge {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new(
                "agent-connect",
                env!("CARGO_PKG_VERSION"),
            ))
            .with_instructions(
                "The tools of the Agent Connect server this machine is signed in to, used with \
                 the saved sign-in (the tokens stay with this program). A refused call says what \
                 the person can do about it.",
            )
    }

    async fn list_tools(
        &self,
        request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let params = serde_json::to_value(request.unwrap_or_default()).unwrap_or(json!({}));
        match self.forward("tools/list", params).await {
            Ok(result) => serde_json::from_value::<ListToolsResult>(result)
                .map(|mut list| {
                    // `/mcp` answered in the revision the bridge speaks to it, which has no
                    // `resultType`; a client of 2026-07-28 on stdio needs it (rmcp strips it
                    // again for older clients).
                    list.result_type.get_or_insert(ResultType::COMPLETE);
                    list
                })
                .map_err(|e| ErrorData::internal_error(format!("unreadable tool list: {e}"), None)),
            Err(Refusal::Protocol(error)) => Err(error),
            Err(Refusal::Readable(text)) => Err(ErrorData::internal_error(text, None)),
        }
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let params = serde_json::to_value(&request)
            .map_err(|e| ErrorData::invalid_params(e.to_string(), None))?;
        match self.forward("tools/call", params).await {
            Ok(result) => serde_json::from_value::<CallToolResult>(result)
                .map(|mut done| {
                    done.result_type.get_or_insert(ResultType::COMPLETE);
                    done.into()
                })
                .map_err(|e| {
                    ErrorData::internal_error(format!("unreadable tool result: {e}"), None)
                }),
            Err(Refusal::Protocol(error)) => Err(error),
            Err(Refusal::Readable(text)) => {
                Ok(CallToolResult::error(vec![ContentBlock::text(text)]).into())
            }
        }
    }
}
