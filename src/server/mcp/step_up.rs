//! Step-up at the HTTP layer (MCP authorization, 2025-11-25, "Scope Challenge Handling"; RFC 6750
//! section 3.1). A `tools/call` on `/mcp` for a tool whose scope the token lacks is answered 403
//! before it reaches the tools, with a `WWW-Authenticate: Bearer error="insufficient_scope"`
//! challenge naming the scopes to ask for. The body is a JSON-RPC error carrying the same
//! step-up link as the tool refusal, for clients that read bodies rather than headers.

use axum::Json;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::{METADATA_PATH, Principal};
use super::resource::{insufficient_scope, required_scope, step_up_scopes};

/// The JSON-RPC error code of the refusal, in the range JSON-RPC 2.0 leaves to servers
/// (-32000 to -32099).
pub const INSUFFICIENT_SCOPE: i64 = -32003;

#[derive(Deserialize)]
struct JsonRpcRequest {
    method: String,
    #[serde(default)]
    id: Value,
    params: Option<ToolCall>,
}

#[derive(Deserialize)]
struct ToolCall {
    name: String,
}

/// What the step-up layer needs to know: the public base URL and the body limit.
#[derive(Clone)]
pub struct StepUp {
    pub base: String,
    /// The server's body limit; a longer body is answered 413.
    pub limit: usize,
}

/// Behind the bearer layer: passes the request on unchanged, or answers 403 when it calls a
/// tool the request's [`Principal`] may not use.
pub async fn refuse_ungranted_calls(
    State(step_up): State<StepUp>,
    req: Request,
    next: Next,
) -> Response {
    let Some(principal) = req.extensions().get::<Principal>().cloned() else {
        return next.run(req).await;
    };
    if req.method() != Method::POST {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let Ok(bytes) = to_bytes(body, step_up.limit).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    if let Some((id, tool, missing)) = missing_scope(&principal, &bytes) {
        tracing::info!(grant = %principal.grant_id, tool = %tool, scope = missing, "MCP tool call refused at the HTTP layer: insufficient scope");
        return refusal(&step_up.base, &principal, id, &tool, missing);
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// The request id, tool and missing scope of a `tools/call` the principal may not make.
fn missing_scope(principal: &Principal, body: &[u8]) -> Option<(Value, String, &'static str)> {
    let request: JsonRpcRequest = serde_json::from_slice(body).ok()?;
    if request.method != "tools/call" {
        return None;
    }
    let tool = request.params?.name;
    let scope = required_scope(&tool)?;
    (!principal.has_scope(scope)).then_some((request.id, tool, scope))
}

fn refusal(base: &str, principal: &Principal, id: Value, tool: &str, missing: &str) -> Response {
    let challenge = format!(
        "Bearer error=\"insufficient_scope\", scope=\"{}\", resource_metadata=\"{base}{METADATA_PATH}\", \
         error_description=\"{tool} needs the permission {missing}\"",
        step_up_scopes(principal, missing).join(" ")
    );
    let body = json!({
        "jsonrpc": "2.0",
        "id": id,
        "error": {
            "code": INSUFFICIENT_SCOPE,
            "message": insufficient_scope(base, principal, tool, missing),
        },
    });
    let mut res = (StatusCode::FORBIDDEN, Json(body)).into_response();
    let headers = res.headers_mut();
    headers.insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_str(&challenge)
            .unwrap_or_else(|_| HeaderValue::from_static("Bearer error=\"insufficient_scope\"")),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(scopes: &[&str]) -> Principal {
        Principal {
            paused: false,
            lapsed: Vec::new(),
            pending: Vec::new(),
            grant_id: "grt_1".into(),
            user_id: "usr_1".into(),
            email: "ann@example.com".into(),
            client_id: "agent-connect-cli".into(),
            agent_name: "Claude Code".into(),
            scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
            expires_at: 0,
        }
    }

    fn call(tool: &str) -> Vec<u8> {
        json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call",
               "params": {"name": tool, "arguments": {}}})
        .to_string()
        .into_bytes()
    }

    #[test]
    fn only_a_call_of_an_ungranted_gated_tool_is_stopped() {
        let quote_only = principal(&["quote"]);
        assert_eq!(
            missing_scope(&quote_only, &call("place_order")),
            Some((json!(7), "place_order".to_owned(), "trade.write"))
        );
        assert_eq!(missing_scope(&quote_only, &call("get_quote")), None);
        assert_eq!(missing_scope(&quote_only, &call("whoami")), None);
        assert_eq!(missing_scope(&quote_only, &call("no_such_tool")), None);
        let listing = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}).to_string();
        assert_eq!(missing_scope(&quote_only, listing.as_bytes()), None);
        assert_eq!(missing_scope(&quote_only, b"[not json"), None);
        assert_eq!(
            missing_scope(&principal(&["quote", "trade.write"]), &call("place_order")),
            None
        );
    }

    #[test]
    fn the_refusal_is_a_403_challenge_with_the_scopes_to_ask_for() {
        let res = refusal(
            "https://ac.example",
            &principal(&["quote"]),
            json!(7),
            "place_order",
            "trade.write",
        );
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        assert_eq!(
            res.headers()[header::WWW_AUTHENTICATE],
            "Bearer error=\"insufficient_scope\", scope=\"quote trade.write\", \
             resource_metadata=\"https://ac.example/.well-known/oauth-protected-resource/mcp\", \
             error_description=\"place_order needs the permission trade.write\""
        );
    }
}
