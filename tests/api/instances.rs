//! Two instances on one database behave as one: whatever one instance learned, the other
//! knows on the next request (MCP agent sessions, rate limits, the sandbox's orders).

use serde_json::{Value, json};

use agent_connect::server::db::grants;

use crate::support::balancer::Balancer;
use crate::support::{AGENT_CODE_GRANT, TestServer, post_form};

const PROTOCOL: &str = "2025-11-25";

/// One JSON-RPC message to an MCP endpoint over Streamable HTTP; returns the session id the
/// answer names and the JSON-RPC answer (from JSON or the SSE stream), if any.
async fn rpc(
    server: &TestServer,
    path: &str,
    session: Option<&str>,
    message: Value,
) -> (Option<String>, Option<Value>) {
    let mut req = server
        .http
        .post(server.url(path))
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .json(&message);
    if let Some(id) = session {
        req = req
            .header("mcp-session-id", id)
            .header("mcp-protocol-version", PROTOCOL);
    }
    let res = req.send().await.expect("MCP request");
    assert!(res.status().is_success(), "{path}: {}", res.status());
    let session = res
        .headers()
        .get("mcp-session-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = res.text().await.expect("body");
    let answer = body
        .lines()
        .filter_map(|line| line.strip_prefix("data:"))
        .chain(std::iter::once(body.as_str()))
        .filter_map(|data| serde_json::from_str::<Value>(data.trim()).ok())
        .find(|v| v.get("id") == message.get("id") && message.get("id").is_some());
    (session, answer)
}

/// Opens an `/mcp/agent` session on `server`; returns its id.
pub(crate) async fn open_agent_session(server: &TestServer) -> String {
    let (session, answer) = rpc(
        server,
        "/mcp/agent",
        None,
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": PROTOCOL,
            "capabilities": {},
            "clientInfo": {"name": "two-instance-test", "version": "1"},
        }}),
    )
    .await;
    assert!(answer.is_some_and(|a| a["result"]["protocolVersion"] == PROTOCOL));
    let session = session.expect("a session id");
    rpc(
        server,
        "/mcp/agent",
        Some(&session),
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
    )
    .await;
    session
}

pub(crate) async fn call_tool(
    server: &TestServer,
    session: &str,
    id: i64,
    name: &str,
    args: Value,
) -> Value {
    let (_, answer) = rpc(
        server,
        "/mcp/agent",
        Some(session),
        json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
               "params": {"name": name, "arguments": args}}),
    )
    .await;
    answer.expect("an answer")
}

async fn tool_names(server: &TestServer, session: &str, id: i64) -> Vec<String> {
    let (_, answer) = rpc(
        server,
        "/mcp/agent",
        Some(session),
        json!({"jsonrpc": "2.0", "id": id, "method": "tools/list"}),
    )
    .await;
    let mut names: Vec<String> = answer.expect("tools")["result"]["tools"]
        .as_array()
        .expect("a tool list")
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

fn text_of(answer: &Value) -> String {
    answer["result"]["content"][0]["text"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// A session opened on A authenticates through B and works through either, for the life of
/// its grant rather than its access token; revoked through one, the other refuses it next.
#[tokio::test]
async fn an_agent_session_is_served_by_either_instance_for_the_life_of_its_grant() {
    let a = TestServer::start().await;
    let b = a.start_beside().await;
    let code = a
        .code_for("ada@example.com", &["quote"], Some("Claude Code"))
        .await;

    let session = open_agent_session(&a).await;
    assert_eq!(tool_names(&b, &session, 2).await, ["authenticate"]);
    let answer = call_tool(&b, &session, 3, "authenticate", json!({ "code": code })).await;
    let text = text_of(&answer);
    assert_eq!(answer["result"]["isError"], false, "{text}");
    assert!(
        text.contains("This MCP session is authorized now"),
        "{text}"
    );
    assert!(
        !text.contains("acrt_"),
        "no refresh token in the model's context: {text}"
    );

    for (server, id) in [(&a, 4), (&b, 5)] {
        assert!(
            tool_names(server, &session, id)
                .await
                .contains(&"whoami".to_owned())
        );
        let whoami = text_of(&call_tool(server, &session, id + 10, "whoami", json!({})).await);
        assert!(whoami.contains("Account: ada@example.com"), "{whoami}");
    }

    // The access token expires; the session, bound to the grant, keeps working.
    a.clock.advance(1_801);
    let quote = call_tool(&a, &session, 20, "get_quote", json!({ "symbol": "NVDA" })).await;
    assert_eq!(quote["result"]["isError"], false, "{quote}");

    // Revoked through B's security page; A refuses the very next call.
    let browser = b.sign_in("ada@example.com").await;
    let user = b.user_id("ada@example.com").await;
    let grants = grants::list_active(&b.state.db, &user, b.state.now())
        .await
        .unwrap();
    let res = post_form(
        &browser,
        &b,
        "/api/revoke_grant",
        "/security",
        &[("grant_id", &grants[0].id)],
    )
    .await;
    assert_eq!(res.headers()["location"], "/security?done=revoked");
    let answer = call_tool(&a, &session, 21, "whoami", json!({})).await;
    assert_eq!(answer["result"]["isError"], true, "{answer}");
    assert!(
        text_of(&answer).contains("authorization has ended"),
        "{answer}"
    );
    assert_eq!(tool_names(&a, &session, 22).await, ["authenticate"]);
}

/// Ten redemption attempts a minute per address: on PostgreSQL the buckets are shared, so
/// attempts spread over two instances count together; on SQLite (one process by design) each
/// process keeps its own.
#[tokio::test]
async fn rate_limits_count_attempts_on_every_instance_together_on_postgres() {
    let a = TestServer::start_with(|config| config.rate_limit_per_minute = 10).await;
    let b = a.start_beside().await;
    let unknown =
        agent_connect::server::domain::agent_code::format::AgentCode::generate().display();
    let mut statuses = Vec::new();
    for n in 0..12 {
        let server = if n % 2 == 0 { &a } else { &b };
        statuses.push(server.redeem(&unknown).await.0);
    }
    let limited = statuses.iter().filter(|&&s| s == 429).count();
    if crate::support::database::on_postgres() {
        assert_eq!(&statuses[..10], [400; 10], "{statuses:?}");
        assert_eq!(limited, 2, "the 11th and 12th attempts: {statuses:?}");
    } else {
        assert_eq!(limited, 0, "six on each instance: {statuses:?}");
    }
}

/// The sandbox's orders are in the database: placed through one instance, listed and
/// cancelled through the other; orders placed at the same moment through both are checked
/// one after another, so the account never promises more than its buying power.
#[tokio::test]
async fn sandbox_orders_are_the_same_on_every_instance_and_never_overdraw() {
    use agent_connect::server::mcp::sandbox::{Refused, Sandbox, Side};

    let a = TestServer::start().await;
    let b = a.start_beside().await;
    let code = a
        .code_for(
            "ed@example.com",
            &["trade.read", "trade.write"],
            Some("Trader"),
        )
        .await;
    let session = open_agent_session(&a).await;
    call_tool(&a, &session, 2, "authenticate", json!({ "code": code })).await;
    a.approve_pending("ed@example.com").await;
    let placed = call_tool(
        &a,
        &session,
        3,
        "place_order",
        json!({ "symbol": "MSFT", "side": "buy", "quantity": 2 }),
    )
    .await;
    let placed = text_of(&placed);
    let order_id = placed
        .split_whitespace()
        .find(|w| w.starts_with("ord_"))
        .map(|w| w.trim_end_matches(':'))
        .unwrap_or_else(|| panic!("{placed}"))
        .to_owned();
    let listed = text_of(&call_tool(&b, &session, 4, "list_orders", json!({})).await);
    assert!(
        listed.contains(&order_id) && listed.contains("open"),
        "{listed}"
    );
    let cancelled = call_tool(
        &b,
        &session,
        5,
        "cancel_order",
        json!({ "order_id": order_id }),
    )
    .await;
    assert_eq!(cancelled["result"]["isError"], false, "{cancelled}");
    let listed = text_of(&call_tool(&a, &session, 6, "list_orders", json!({})).await);
    assert!(listed.contains("cancelled"), "{listed}");
    let again = text_of(
        &call_tool(
            &a,
            &session,
            7,
            "cancel_order",
            json!({ "order_id": order_id }),
        )
        .await,
    );
    assert!(again.contains("already cancelled"), "{again}");

    // $25,000 of buying power; SPY at $542.16: nine shares cost $4,879.44, so five such
    // orders fit and the sixth does not, however the twelve below interleave.
    let user = a.user_id("ed@example.com").await;
    let sandboxes = [
        Sandbox::new(a.state.db.clone()),
        Sandbox::new(b.state.db.clone()),
    ];
    let start = std::sync::Arc::new(tokio::sync::Barrier::new(12));
    let tasks: Vec<_> = (0..12)
        .map(|n| {
            let sandbox = sandboxes[n % 2].clone();
            let user = user.clone();
            let start = start.clone();
            tokio::spawn(async move {
                start.wait().await;
                sandbox.place(&user, "SPY", Side::Buy, 9, 0).await
            })
        })
        .collect();
    let (mut accepted, mut busy) = (0, 0);
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => accepted += 1,
            Err(Refused::Rule(reason)) => assert!(reason.contains("buying power"), "{reason}"),
            Err(Refused::Database(err)) => {
                assert!(agent_connect::server::db::is_busy(&err), "{err}");
                busy += 1;
            }
        }
    }
    println!("12 simultaneous orders through two instances: {accepted} accepted, {busy} busy");
    assert!(accepted <= 5, "{accepted} orders accepted");
    if busy == 0 {
        assert_eq!(accepted, 5);
    }
    let account = sandboxes[0].account(&user).await.unwrap();
    assert!(account.buying_power >= 0, "{account:?}");
}

/// 64 simultaneous redemptions of one code, spread by nginx over both instances: exactly one
/// gets tokens, the others `invalid_grant`, none a 5xx.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixty_four_simultaneous_redemptions_through_the_balancer_give_exactly_one_success() {
    let a = TestServer::start().await;
    let b = a.start_beside().await;
    let Some(balancer) = Balancer::start(&[&a, &b]).await else {
        return;
    };
    let code = a.code_for("fi@example.com", &["quote"], None).await;
    let start = std::sync::Arc::new(tokio::sync::Barrier::new(64));
    let http = reqwest::Client::new();
    let tasks: Vec<_> = (0..64)
        .map(|_| {
            let (http, url, code, start) = (
                http.clone(),
                balancer.url("/oauth2/token"),
                code.clone(),
                start.clone(),
            );
            tokio::spawn(async move {
                start.wait().await;
                http.post(url)
                    .form(&[("grant_type", AGENT_CODE_GRANT), ("code", &code)])
                    .send()
                    .await
                    .map(|r| r.status().as_u16())
                    .unwrap_or(0)
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    statuses.sort_unstable();
    println!("64 simultaneous redemptions through nginx: {statuses:?}");
    assert_eq!(
        statuses.iter().filter(|&&s| s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|&s| s == 200 || s == 400),
        "{statuses:?}"
    );
}

/// A refresh token rotated through one instance and replayed through the other after the
/// grace period revokes the grant on both; the portal journey's pages come through the
/// balancer too.
#[tokio::test]
async fn a_refresh_replayed_on_the_other_instance_revokes_the_grant_everywhere() {
    let a = TestServer::start().await;
    let b = a.start_beside().await;
    let code = a.code_for("gi@example.com", &["quote"], None).await;
    let (status, first) = b.redeem(&code).await;
    assert_eq!(status, 200, "a code issued through A redeems through B");
    let old = first["refresh_token"].as_str().unwrap().to_owned();
    let (status, second) = a
        .token(&[("grant_type", "refresh_token"), ("refresh_token", &old)])
        .await;
    assert_eq!(status, 200);
    a.clock.advance(60);
    let (status, _) = b
        .token(&[("grant_type", "refresh_token"), ("refresh_token", &old)])
        .await;
    assert_eq!(status, 400, "a replay after the grace period");
    let newest = second["refresh_token"].as_str().unwrap();
    let (status, _) = a
        .token(&[("grant_type", "refresh_token"), ("refresh_token", newest)])
        .await;
    assert_eq!(
        status, 400,
        "the replay revoked the grant, seen by A at once"
    );
    let access = second["access_token"].as_str().unwrap();
    assert_eq!(a.introspect(access).await["active"], false);

    if let Some(balancer) = Balancer::start(&[&a, &b]).await {
        for path in ["/login", "/signup", "/healthz/ready"] {
            let res = reqwest::get(balancer.url(path)).await.unwrap();
            assert_eq!(res.status(), 200, "{path} through nginx");
        }
        let res = reqwest::get(balancer.url("/metrics")).await.unwrap();
        assert_eq!(res.status(), 404, "metrics stay per instance");
    }
}
