//! Step-up at the HTTP layer (MCP authorization, 2025-11-25, "Scope Challenge Handling"; RFC 6750
//! section 3.1). A `tools/call` on `/mcp` for a tool whose scope the token lacks is answered 403
//! before it reaches the tools, with a `WWW-Authenticate: Bearer error="insufficient_scope"`
//! challenge naming the scopes to ask for. The body is a JSON-RPC error carrying the same
//! step-up link as the tool refusal, for clients that read bodies rather than headers.

use std::borrow::Cow;
use std::sync::Arc;

use axum::Json;
use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::{METADATA_PATH, Principal};
use super::resource::{insufficient_scope, required_scope, step_up_scopes};

/// The JSON-RPC error code of the refusal, in the range JSON-RPC 2.0 leaves to servers
/// (-32000 to -32099).
pub const INSUFFICIENT_SCOPE: i64 = -32003;

/// The parts of a JSON-RPC request the check reads, borrowed from the body where it can.
#[derive(Deserialize)]
struct JsonRpcRequest<'a> {
    #[serde(borrow)]
    method: Cow<'a, str>,
    #[serde(borrow)]
    params: Option<ToolCall<'a>>,
}

#[derive(Deserialize)]
struct ToolCall<'a> {
    #[serde(borrow)]
    name: Cow<'a, str>,
}

/// The id of a JSON-RPC request, read only for a refusal.
#[derive(Deserialize)]
struct JsonRpcId {
    #[serde(default)]
    id: Value,
}

/// What the step-up check needs to know: the public base URL and the body limit.
#[derive(Clone)]
pub struct StepUp {
    pub base: String,
    /// The server's body limit; a longer body is answered 413.
    pub limit: usize,
}

/// After the bearer check: passes the request on unchanged, or answers 403 when it calls a
/// tool the request's [`Principal`] may not use.
pub async fn check(step_up: &StepUp, req: Request) -> Result<Request, Response> {
    let Some(principal) = req.extensions().get::<Arc<Principal>>().cloned() else {
        return Ok(req);
    };
    if req.method() != Method::POST {
        return Ok(req);
    }
    let (parts, body) = req.into_parts();
    let Ok(bytes) = to_bytes(body, step_up.limit).await else {
        return Err(StatusCode::PAYLOAD_TOO_LARGE.into_response());
    };
    if let Some((tool, missing)) = missing_scope(&principal, &bytes) {
        tracing::info!(grant = %principal.grant_id, tool = %tool, scope = missing, "MCP tool call refused at the HTTP layer: insufficient scope");
        let id = serde_json::from_slice::<JsonRpcId>(&bytes).map_or(Value::Null, |r| r.id);
        return Err(refusal(&step_up.base, &principal, id, &tool, missing));
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

/// The tool and missing scope of a `tools/call` the principal may not make.
fn missing_scope(principal: &Principal, body: &[u8]) -> Option<(String, &'static str)> {
    let request: JsonRpcRequest = serde_json::from_slice(body).ok()?;
    if request.method != "tools/call" {
        return None;
    }
    let tool = request.params?.name;
    let scope = required_scope(&tool)?;
    (!principal.has_scope(scope)).then(|| (tool.into_owned(), scope))
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
            Some(("place_order".to_owned(), "trade.write"))
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
