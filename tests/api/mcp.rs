//! The MCP endpoints through rmcp's own client, and their HTTP contract through plain requests:
//! `/mcp/agent` redeems codes and authorizes its session, `/mcp` takes Bearer tokens only.

use agent_connect::language::Locale;
use agent_connect::server::domain::security_log::EventDetail;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::support::{START, TestServer};
use agent_connect::server::db::{events, grants, tokens};
use agent_connect::server::domain::grant::{self, Revocation};
use rmcp::model::{CallToolRequestParams, CallToolResult, ClientConfig};
use rmcp::service::{NotificationContext, RunningService};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::{ClientHandler, RoleClient, ServiceExt};
use serde_json::{Value, json};
use tokio::sync::Notify;

const RESOURCE_TOOLS: [&str; 6] = [
    "whoami",
    "get_quote",
    "get_account",
    "list_orders",
    "place_order",
    "cancel_order",
];

/// A client that counts `notifications/tools/list_changed`.
#[derive(Clone, Default)]
pub(crate) struct ToolListWatcher {
    changes: Arc<AtomicUsize>,
    changed: Arc<Notify>,
}

impl ClientHandler for ToolListWatcher {
    async fn on_tool_list_changed(&self, _context: NotificationContext<RoleClient>) {
        self.changes.fetch_add(1, Ordering::SeqCst);
        self.changed.notify_one();
    }
}

pub(crate) async fn agent_session(
    server: &TestServer,
) -> (RunningService<RoleClient, ToolListWatcher>, ToolListWatcher) {
    let watcher = ToolListWatcher::default();
    let transport = StreamableHttpClientTransport::from_config(
        StreamableHttpClientTransportConfig::with_uri(server.url("/mcp/agent")),
    );
    let client = watcher
        .clone()
        .serve(transport)
        .await
        .expect("agent session");
    (client, watcher)
}

pub(crate) async fn resource_session(
    server: &TestServer,
    token: &str,
) -> RunningService<RoleClient, ClientConfig> {
    let transport = StreamableHttpClientTransport::from_config(
        StreamableHttpClientTransportConfig::with_uri(server.url("/mcp")).auth_header(token),
    );
    ClientConfig::default()
        .serve(transport)
        .await
        .expect("resource session")
}

async fn tool_names<S: rmcp::service::Service<RoleClient>>(
    client: &RunningService<RoleClient, S>,
) -> Vec<String> {
    let mut names: Vec<String> = client
        .list_all_tools()
        .await
        .expect("tools/list")
        .into_iter()
        .map(|tool| tool.name.into_owned())
        .collect();
    names.sort();
    names
}

fn sorted(names: &[&str]) -> Vec<String> {
    let mut names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    names.sort();
    names
}

/// Calls a tool; returns whether the result is an error, and its text.
pub(crate) async fn call<S: rmcp::service::Service<RoleClient>>(
    client: &RunningService<RoleClient, S>,
    tool: &str,
    arguments: Value,
) -> (bool, String) {
    let mut params = CallToolRequestParams::new(tool.to_owned());
    if let Value::Object(map) = arguments {
        params = params.with_arguments(map);
    }
    let result: CallToolResult = client.call_tool(params).await.expect("tools/call");
    let text = result
        .content
        .iter()
        .filter_map(|block| block.as_text().map(|t| t.text.clone()))
        .collect::<Vec<_>>()
        .join("\n");
    (result.is_error == Some(true), text)
}

/// The access token in an `authenticate` result.
pub(crate) fn token_in(text: &str) -> String {
    text.lines()
        .find_map(|line| line.strip_prefix("Access token: "))
        .expect("an access token line")
        .to_owned()
}

pub(crate) async fn redeem_token(server: &TestServer, email: &str, scopes: &[&str]) -> String {
    let code = server.code_for(email, scopes, Some("Claude Code")).await;
    let (status, body) = server.redeem(&code).await;
    assert_eq!(status, 200, "{body}");
    body["access_token"].as_str().unwrap().to_owned()
}

pub(crate) async fn grant_of(server: &TestServer, token: &str) -> tokens::ActiveToken {
    tokens::find_active(
        &server.state.db,
        &agent_connect::server::domain::secrets::hash(token),
        server.state.now(),
    )
    .await
    .unwrap()
    .expect("a live token")
}

/// The 401 challenge: where the metadata is, and the scopes for basic access (the default
/// catalogue's scopes that are not high-risk).
fn challenge(server: &TestServer) -> String {
    format!(
        "Bearer resource_metadata=\"{}/.well-known/oauth-protected-resource/mcp\", scope=\"quote account.read trade.read\"",
        server.base
    )
}

async fn post_mcp(server: &TestServer, authorization: Option<&str>) -> reqwest::Response {
    post_initialize(server, "/mcp", authorization).await
}

/// An `initialize` request posted to `path`, as an MCP client opens a session.
async fn post_initialize(
    server: &TestServer,
    path: &str,
    authorization: Option<&str>,
) -> reqwest::Response {
    let mut req = server
        .http
        .post(server.url(path))
        .header("accept", "application/json, text/event-stream")
        .json(&json!({
            "jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {"protocolVersion": "2025-11-25", "capabilities": {},
                       "clientInfo": {"name": "probe", "version": "1"}}
        }));
    if let Some(value) = authorization {
        req = req.header("authorization", value);
    }
    req.send().await.unwrap()
}

/// One request of the stateless lifecycle (MCP 2026-07-28): the version in the header and in
/// `_meta`, the method (and name) in `Mcp-Method` / `Mcp-Name`.
async fn stateless(
    server: &TestServer,
    path: &str,
    method: &str,
    mut params: Value,
    session: Option<&str>,
) -> reqwest::Response {
    params["_meta"] = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientInfo": {"name": "modern", "version": "1"},
        "io.modelcontextprotocol/clientCapabilities": {}
    });
    let mut req = server
        .http
        .post(server.url(path))
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2026-07-28")
        .header("mcp-method", method);
    if let Some(name) = params.get("name").and_then(Value::as_str) {
        req = req.header("mcp-name", name);
    }
    if let Some(id) = session {
        req = req.header("mcp-session-id", id);
    }
    req.json(&json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}))
        .send()
        .await
        .unwrap()
}

/// The JSON-RPC answer in a response, sent as JSON or as one server-sent event.
async fn rpc_answer(res: reqwest::Response) -> Value {
    let text = res.text().await.unwrap();
    serde_json::from_str(&text).unwrap_or_else(|_| {
        let data = text
            .lines()
            .filter_map(|line| line.strip_prefix("data:"))
            .find(|data| !data.trim().is_empty())
            .unwrap_or_else(|| panic!("no answer in {text}"));
        serde_json::from_str(data.trim()).unwrap()
    })
}

/// `/mcp/agent` serves both eras: `server/discover` offers 2026-07-28 beside the revisions
/// with sessions; a stateless request is never given a session and never reads one (an
/// authorized session's id on it authorizes nothing); its `authenticate` leaves the code
/// unused and answers with the command-line path; `Mcp-Method` must match the body; and a
/// client that `initialize`s still gets its session.
#[tokio::test]
async fn the_agent_endpoint_serves_both_protocol_eras() {
    let server = TestServer::start().await;
    let discover = stateless(&server, "/mcp/agent", "server/discover", json!({}), None).await;
    assert_eq!(discover.status(), 200);
    assert!(discover.headers().get("mcp-session-id").is_none());
    let body = rpc_answer(discover).await;
    let versions = body["result"]["supportedVersions"].to_string();
    for version in ["2026-07-28", "2025-11-25", "2025-06-18"] {
        assert!(versions.contains(version), "{body}");
    }

    // An authorized legacy session, whose id a stateless request then presents.
    let code = server.code_for("era@example.com", &["quote"], None).await;
    let session = crate::instances::open_agent_session(&server).await;
    let answer = crate::instances::call_tool(
        &server,
        &session,
        2,
        "authenticate",
        json!({ "code": code }),
    )
    .await;
    assert_eq!(answer["result"]["isError"], false, "{answer}");
    let stored: Vec<String> = sqlx::query_scalar("SELECT id FROM mcp_sessions")
        .fetch_all(&server.state.db)
        .await
        .unwrap();
    assert!(
        !stored.contains(&session) && stored.len() == 1 && stored[0].len() == 64,
        "only the session id's hash is stored"
    );

    let list = stateless(
        &server,
        "/mcp/agent",
        "tools/list",
        json!({}),
        Some(&session),
    )
    .await;
    assert_eq!(list.status(), 200);
    assert!(list.headers().get("mcp-session-id").is_none());
    let body = rpc_answer(list).await;
    let names: Vec<&str> = body["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["authenticate"], "a handle is not authorization");
    assert_eq!(body["result"]["cacheScope"], "private", "{body}");

    let fresh = server.code_for("era@example.com", &["quote"], None).await;
    let answer = stateless(
        &server,
        "/mcp/agent",
        "tools/call",
        json!({"name": "authenticate", "arguments": {"code": fresh.to_lowercase()}}),
        None,
    )
    .await;
    let body = rpc_answer(answer).await;
    let text = body["result"]["content"][0]["text"]
        .as_str()
        .unwrap_or_default();
    assert!(text.starts_with("Not redeemed yet"), "{body}");
    assert!(
        text.contains(&format!(
            "agent-connect auth login --auth-code {fresh} --server {}\nclaude mcp add agent-connect -- agent-connect mcp",
            server.base
        )),
        "{text}"
    );
    assert!(
        !text.contains("acat_") && !text.contains("acrt_"),
        "no token: {text}"
    );
    let (status, _) = server.redeem(&fresh).await;
    assert_eq!(status, 200, "the code was left for the command-line client");

    // The headers must say what the body does.
    let mut mismatched = server
        .http
        .post(server.url("/mcp/agent"))
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2026-07-28")
        .header("mcp-method", "tools/call")
        .header("mcp-name", "whoami");
    mismatched = mismatched.json(&json!({
        "jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {"name": "authenticate", "arguments": {"code": "x"},
                   "_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
                             "io.modelcontextprotocol/clientInfo": {"name": "m", "version": "1"},
                             "io.modelcontextprotocol/clientCapabilities": {}}}
    }));
    assert_eq!(mismatched.send().await.unwrap().status(), 400);

    let init = post_initialize(&server, "/mcp/agent", None).await;
    assert_eq!(init.status(), 200);
    let session = init.headers()["mcp-session-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let closed = server
        .http
        .delete(server.url("/mcp/agent"))
        .header("mcp-session-id", &session)
        .header("mcp-protocol-version", "2025-11-25")
        .send()
        .await
        .unwrap();
    assert_eq!(closed.status(), 204);
}

#[tokio::test]
async fn an_unauthorized_agent_session_lists_only_authenticate() {
    let server = TestServer::start().await;
    let (client, _) = agent_session(&server).await;

    let tools = client.list_all_tools().await.unwrap();
    assert_eq!(tools.len(), 1);
    let authenticate = &tools[0];
    assert_eq!(authenticate.name, "authenticate");
    let description = authenticate.description.as_deref().unwrap();
    assert!(
        description.contains(&format!("{}/connect", server.base)),
        "{description}"
    );
    assert!(description.contains("5 minutes") && description.contains("works once"));
    let schema = Value::Object((*authenticate.input_schema).clone());
    let properties = schema["properties"].as_object().unwrap();
    assert_eq!(properties.keys().collect::<Vec<_>>(), ["code"]);
    assert_eq!(properties["code"]["type"], "string");
    assert_eq!(schema["required"], json!(["code"]));

    let (is_error, text) = call(&client, "whoami", json!({})).await;
    assert!(is_error);
    assert!(text.contains("not authorized yet"), "{text}");
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn authenticate_redeems_the_code_and_authorizes_the_session() {
    let server = TestServer::start().await;
    let code = server
        .code_for(
            "ada@example.com",
            &["quote", "trade.read"],
            Some("Claude Code"),
        )
        .await;
    let (client, watcher) = agent_session(&server).await;

    let (is_error, text) = call(&client, "authenticate", json!({ "code": code })).await;
    assert!(!is_error, "{text}");
    let token = token_in(&text);
    assert!(token.starts_with("acat_"));
    assert!(text.contains(&format!(
        "claude mcp add --transport http agent-connect {}/mcp --header \"Authorization: Bearer {token}\"",
        server.base
    )));
    assert!(text.contains("Lifetime: 1800 seconds"), "{text}");
    assert!(text.contains("Scopes: quote trade.read"), "{text}");
    assert_eq!(server.introspect(&token).await["active"], true);

    tokio::time::timeout(Duration::from_secs(5), watcher.changed.notified())
        .await
        .expect("notifications/tools/list_changed");
    assert_eq!(watcher.changes.load(Ordering::SeqCst), 1);
    // The session now lists the tools the code's scopes allow, and no others.
    assert_eq!(
        tool_names(&client).await,
        sorted(&["authenticate", "get_quote", "list_orders", "whoami"])
    );

    let (is_error, text) = call(&client, "whoami", json!({})).await;
    assert!(!is_error, "{text}");
    assert!(text.contains("Account: ada@example.com"), "{text}");
    assert!(text.contains("Agent: Claude Code"), "{text}");
    assert!(text.contains("Scopes: quote trade.read"), "{text}");
    assert!(
        text.contains(&format!("Expires at: {} (", START + 30 * 86_400)),
        "{text}"
    );

    let (is_error, text) = call(&client, "get_quote", json!({ "symbol": "nvda" })).await;
    assert!(!is_error, "{text}");
    assert!(text.starts_with("SANDBOX DATA"), "{text}");
    assert!(text.contains("NVDA"), "{text}");

    // In a session, a tool outside the grant is refused in its result, with the step-up link.
    let (is_error, text) = call(
        &client,
        "place_order",
        json!({ "symbol": "SPY", "side": "buy", "quantity": 1 }),
    )
    .await;
    assert!(is_error);
    assert!(text.starts_with("insufficient_scope"), "{text}");
    assert!(
        text.contains(&format!(
            "{}/connect?scope=quote%20trade.read%20trade.write&agent=Claude%20Code",
            server.base
        )),
        "{text}"
    );

    let user = server.user_id("ada@example.com").await;
    let recent = events::list_recent(&server.state.db, &user, 5)
        .await
        .unwrap();
    assert!(
        recent
            .iter()
            .any(|e| EventDetail::describe(&e.detail, Locale::en)
                == "Claude Code was granted quote trade.read"),
        "the redemption is a security event like at the token endpoint"
    );

    let (is_error, text) = call(&client, "authenticate", json!({ "code": code })).await;
    assert!(is_error, "a code works once");
    assert!(text.contains("invalid, expired or already used"), "{text}");
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn the_client_name_names_an_agent_the_person_did_not_name() {
    let server = TestServer::start().await;
    let code = server.code_for("bo@example.com", &["quote"], None).await;
    let (client, _) = agent_session(&server).await;
    let (is_error, text) = call(&client, "authenticate", json!({ "code": code })).await;
    assert!(!is_error, "{text}");
    let (_, whoami) = call(&client, "whoami", json!({})).await;
    assert!(whoami.contains("Agent: rmcp"), "{whoami}");
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn unusable_codes_get_one_refusal_and_the_rate_limit_its_wait() {
    // Five attempts a minute from one address, shared with the token endpoint.
    let server = TestServer::start_with(|config| config.rate_limit_per_minute = 5).await;
    let used = server.code_for("cy@example.com", &["quote"], None).await;
    assert_eq!(server.redeem(&used).await.0, 200);
    let expired = server.code_for("cy@example.com", &["quote"], None).await;
    server.clock.advance(300);
    let unknown =
        agent_connect::server::domain::agent_code::format::AgentCode::generate().display();
    let refusal = format!(
        "This code is invalid, expired or already used. Ask the person to generate a new code at {}/connect.",
        server.base
    );

    let (client, _) = agent_session(&server).await;
    for code in [&expired, &used, &unknown, "not a code"] {
        let (is_error, text) = call(&client, "authenticate", json!({ "code": code })).await;
        assert!(is_error, "{code}");
        assert_eq!(text, refusal, "{code}");
    }
    let (is_error, text) = call(&client, "authenticate", json!({ "code": &unknown })).await;
    assert!(is_error);
    let wait = text
        .strip_prefix("Too many attempts. Wait ")
        .and_then(|rest| rest.strip_suffix(" seconds and try again."))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(wait.parse::<u64>().is_ok_and(|s| s > 0), "{text}");
    assert_eq!(tool_names(&client).await, ["authenticate"]);
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn a_bearer_token_lists_and_calls_the_resource_tools() {
    let server = TestServer::start().await;
    let token = redeem_token(
        &server,
        "di@example.com",
        &["quote", "account.read", "trade.read", "trade.write"],
    )
    .await;
    server.approve_pending("di@example.com").await;
    let client = resource_session(&server, &token).await;
    assert_eq!(tool_names(&client).await, sorted(&RESOURCE_TOOLS));

    let (is_error, text) = call(&client, "whoami", json!({})).await;
    assert!(!is_error, "{text}");
    assert!(text.contains("Account: di@example.com"), "{text}");
    assert!(
        text.contains("Scopes: quote account.read trade.read trade.write"),
        "{text}"
    );

    let (is_error, text) = call(&client, "get_account", json!({})).await;
    assert!(!is_error, "{text}");
    assert!(
        text.starts_with("SANDBOX DATA") && text.contains("Cash: $25,000.00"),
        "{text}"
    );

    let (is_error, text) = call(
        &client,
        "place_order",
        json!({ "symbol": "AAPL", "side": "buy", "quantity": 3 }),
    )
    .await;
    assert!(!is_error, "{text}");
    assert!(text.starts_with("SANDBOX DATA"), "{text}");
    let order_id = text
        .split_whitespace()
        .find(|word| word.starts_with("ord_"))
        .expect("an order id")
        .trim_end_matches(':')
        .to_owned();

    let (_, orders) = call(&client, "list_orders", json!({})).await;
    assert!(
        orders.contains(&format!("{order_id}: buy 3 AAPL at market, open")),
        "{orders}"
    );
    let (is_error, text) = call(&client, "cancel_order", json!({ "order_id": order_id })).await;
    assert!(!is_error, "{text}");
    let (_, orders) = call(&client, "list_orders", json!({})).await;
    assert!(orders.contains("cancelled"), "{orders}");

    let (is_error, text) = call(&client, "get_quote", json!({ "symbol": "XYZ" })).await;
    assert!(is_error);
    assert!(text.contains("AAPL, MSFT, NVDA, SPY"), "{text}");
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn a_tool_outside_the_grant_is_refused_with_a_step_up_link() {
    let server = TestServer::start().await;
    let token = redeem_token(&server, "ed@example.com", &["quote"]).await;
    let client = resource_session(&server, &token).await;
    // Only what the token may use is listed; whoami names the rest and why.
    assert_eq!(tool_names(&client).await, sorted(&["get_quote", "whoami"]));
    let (_, whoami) = call(&client, "whoami", json!({})).await;
    assert!(
        whoami.contains("place_order (needs \"trade.write\": not granted)"),
        "{whoami}"
    );
    let (is_error, _) = call(&client, "get_quote", json!({ "symbol": "SPY" })).await;
    assert!(!is_error, "a granted tool still works");
    client.cancel().await.unwrap();

    // The call itself is refused at the HTTP layer: 403 with the scope challenge, and the
    // step-up link in the JSON-RPC error for clients that read only bodies.
    let res = server
        .http
        .post(server.url("/mcp"))
        .header("accept", "application/json, text/event-stream")
        .bearer_auth(&token)
        .json(&json!({
            "jsonrpc": "2.0", "id": 9, "method": "tools/call",
            "params": {"name": "place_order",
                       "arguments": {"symbol": "SPY", "side": "buy", "quantity": 1}}
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(
        res.headers()["www-authenticate"],
        format!(
            "Bearer error=\"insufficient_scope\", scope=\"quote trade.write\", \
             resource_metadata=\"{}/.well-known/oauth-protected-resource/mcp\", \
             error_description=\"place_order needs the permission trade.write\"",
            server.base
        )
        .as_str()
    );
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["id"], 9);
    let text = body["error"]["message"].as_str().unwrap();
    assert!(text.starts_with("insufficient_scope"), "{text}");
    assert!(text.contains("\"trade.write\""), "{text}");
    assert!(
        text.contains(&format!(
            "{}/connect?scope=quote%20trade.write&agent=Claude%20Code",
            server.base
        )),
        "{text}"
    );
}

#[tokio::test]
async fn mcp_without_a_live_token_is_challenged() {
    let server = TestServer::start().await;

    let res = post_mcp(&server, None).await;
    assert_eq!(res.status(), 401);
    assert_eq!(
        res.headers()["www-authenticate"],
        challenge(&server).as_str()
    );

    let res = server.http.get(server.url("/mcp")).send().await.unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(
        res.headers()["www-authenticate"],
        challenge(&server).as_str()
    );

    let invalid = format!("{}, error=\"invalid_token\"", challenge(&server));
    let res = post_mcp(&server, Some("Bearer acat_nonsense")).await;
    assert_eq!(res.status(), 401);
    assert_eq!(res.headers()["www-authenticate"], invalid.as_str());
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "invalid_token");

    let code = server.code_for("fy@example.com", &["quote"], None).await;
    let (_, tokens) = server.redeem(&code).await;
    let access = tokens["access_token"].as_str().unwrap();
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let res = post_mcp(&server, Some(&format!("Bearer {refresh}"))).await;
    assert_eq!(res.status(), 401, "a refresh token is no access token");
    assert_eq!(res.headers()["www-authenticate"], invalid.as_str());

    let res = server
        .http
        .post(server.url(&format!("/mcp?access_token={access}")))
        .header("accept", "application/json, text/event-stream")
        .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401, "never a token in the query string");
    assert_eq!(
        res.headers()["www-authenticate"],
        challenge(&server).as_str()
    );

    assert_eq!(
        post_mcp(&server, Some(&format!("Bearer {access}")))
            .await
            .status(),
        200
    );
    server.clock.advance(1800);
    let res = post_mcp(&server, Some(&format!("Bearer {access}"))).await;
    assert_eq!(res.status(), 401, "expired");
    assert_eq!(res.headers()["www-authenticate"], invalid.as_str());
}

#[tokio::test]
async fn a_revoked_grant_is_refused_on_the_next_request() {
    let server = TestServer::start().await;
    let code = server.code_for("gu@example.com", &["quote"], None).await;
    let (agent, watcher) = agent_session(&server).await;
    let (_, text) = call(&agent, "authenticate", json!({ "code": code })).await;
    let token = token_in(&text);
    let resource = resource_session(&server, &token).await;
    assert!(!call(&resource, "whoami", json!({})).await.0);
    assert!(!call(&agent, "whoami", json!({})).await.0);

    let grant = grant_of(&server, &token).await;
    let revoked = grant::revoke(
        &server.state.db,
        &server.state.live_tokens,
        &grant.grant.id,
        Revocation::ByPerson {
            user_id: &grant.grant.user_id,
        },
        None,
        server.state.now(),
    )
    .await
    .unwrap();
    assert!(revoked.is_some());

    let res = post_mcp(&server, Some(&format!("Bearer {token}"))).await;
    assert_eq!(res.status(), 401);
    assert_eq!(
        res.headers()["www-authenticate"],
        format!("{}, error=\"invalid_token\"", challenge(&server)).as_str()
    );
    assert!(
        resource
            .call_tool(CallToolRequestParams::new("whoami"))
            .await
            .is_err(),
        "the open /mcp connection is refused too"
    );

    let (is_error, text) = call(&agent, "whoami", json!({})).await;
    assert!(is_error);
    assert!(text.contains("authorization has ended"), "{text}");
    assert_eq!(tool_names(&agent).await, ["authenticate"]);
    assert!(watcher.changes.load(Ordering::SeqCst) >= 1);
    agent.cancel().await.unwrap();
}

/// On SQLite a live token is remembered between requests; each way of ending it still refuses
/// the very next request: the agent revoking it (RFC 7009), the person revoking everything,
/// and its expiry.
#[tokio::test]
async fn a_remembered_token_is_refused_right_after_it_ends() {
    let server = TestServer::start().await;
    let bearer = |token: &str| format!("Bearer {token}");

    let token = redeem_token(&server, "rem@example.com", &["quote"]).await;
    for _ in 0..2 {
        assert_eq!(post_mcp(&server, Some(&bearer(&token))).await.status(), 200);
    }
    let res = server
        .http
        .post(server.url("/oauth2/revoke"))
        .form(&[("token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(post_mcp(&server, Some(&bearer(&token))).await.status(), 401);
    assert_eq!(server.introspect(&token).await, json!({"active": false}));

    let token = redeem_token(&server, "rem@example.com", &["quote"]).await;
    assert_eq!(post_mcp(&server, Some(&bearer(&token))).await.status(), 200);
    assert_eq!(server.introspect(&token).await["active"], true);
    let user = server.user_id("rem@example.com").await;
    let ended = grant::revoke_all(
        &server.state.db,
        &server.state.live_tokens,
        agent_connect::server::domain::Actor {
            user_id: &user.as_str().into(),
            addr: None,
            at: server.state.now(),
        },
    )
    .await
    .unwrap();
    assert_eq!(ended.len(), 2);
    assert_eq!(post_mcp(&server, Some(&bearer(&token))).await.status(), 401);
    assert_eq!(server.introspect(&token).await, json!({"active": false}));

    let token = redeem_token(&server, "rem@example.com", &["quote"]).await;
    assert_eq!(post_mcp(&server, Some(&bearer(&token))).await.status(), 200);
    server.clock.advance(1800);
    assert_eq!(post_mcp(&server, Some(&bearer(&token))).await.status(), 401);
    assert_eq!(server.introspect(&token).await, json!({"active": false}));
}

#[tokio::test]
async fn grant_use_is_written_at_most_once_a_minute() {
    let server = TestServer::start().await;
    let token = redeem_token(&server, "hal@example.com", &["quote"]).await;
    let grant_id = grant_of(&server, &token).await.grant.id;
    let last_used = || async {
        grants::find(&server.state.db, &grant_id)
            .await
            .unwrap()
            .unwrap()
            .last_used_at
    };
    assert_eq!(last_used().await, None);

    let client = resource_session(&server, &token).await;
    assert_eq!(last_used().await, Some(START));
    server.clock.advance(59);
    call(&client, "whoami", json!({})).await;
    assert_eq!(last_used().await, Some(START));
    server.clock.advance(1);
    call(&client, "whoami", json!({})).await;
    assert_eq!(last_used().await, Some(START + 60));
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn the_resource_metadata_follows_rfc_9728() {
    let server = TestServer::start().await;
    let res = server
        .http
        .get(server.url("/.well-known/oauth-protected-resource/mcp"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body,
        json!({
            "resource": format!("{}/mcp", server.base),
            "authorization_servers": [server.base],
            "scopes_supported": ["quote", "account.read", "trade.read", "trade.write"],
            "bearer_methods_supported": ["header"],
            "resource_name": "Agent Connect",
        })
    );
}

/// `tools/list` on `/mcp` follows what the token may do now, in one deterministic order: a
/// high-risk scope waiting for approval and every gated tool of a paused grant stay out, and
/// come back once approved or resumed. The list is private to the token.
#[tokio::test]
async fn the_resource_lists_only_the_tools_in_force() {
    let server = TestServer::start().await;
    let token = redeem_token(&server, "lu@example.com", &["quote", "trade.write"]).await;
    let client = resource_session(&server, &token).await;
    assert_eq!(tool_names(&client).await, sorted(&["get_quote", "whoami"]));
    let (_, whoami) = call(&client, "whoami", json!({})).await;
    assert!(
        whoami.contains("place_order (needs \"trade.write\": waiting for the person's approval)"),
        "{whoami}"
    );

    server.approve_pending("lu@example.com").await;
    let names: Vec<String> = client
        .list_all_tools()
        .await
        .unwrap()
        .into_iter()
        .map(|tool| tool.name.into_owned())
        .collect();
    assert_eq!(
        names,
        ["cancel_order", "get_quote", "place_order", "whoami"],
        "in name order"
    );

    let grant = grant_of(&server, &token).await.grant;
    let by = agent_connect::server::domain::Actor {
        user_id: &grant.user_id,
        addr: None,
        at: server.state.now(),
    };
    agent_connect::server::domain::grant::change(
        &server.state.db,
        &server.state.live_tokens,
        &grant.id,
        agent_connect::server::domain::grant::Change::Pause,
        by,
    )
    .await
    .unwrap()
    .expect("paused");
    assert_eq!(tool_names(&client).await, ["whoami"]);

    let res = server
        .http
        .post(server.url("/mcp"))
        .header("accept", "application/json, text/event-stream")
        .bearer_auth(&token)
        .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}))
        .send()
        .await
        .unwrap();
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["result"]["cacheScope"], "private", "{body}");
    client.cancel().await.unwrap();
}
