//! High-risk permissions wait for the person: the agent that redeemed a code is shown on the
//! page that issued it, with Approve and Deny; low-risk permissions work at once.

use agent_connect::language::Locale;
use agent_connect::server::domain::security_log::EventDetail;
use reqwest::header::{LOCATION, USER_AGENT};
use serde_json::{Value, json};

use crate::mcp::grant_of;
use crate::portal::shown_code;
use crate::support::{TestServer, page, post_form};
use agent_connect::server::app::housekeeping;
use agent_connect::server::db::events::EventKind;
use agent_connect::server::db::{events, grants};

/// Signs up, generates a code for quote and trade.write on /connect, and redeems it as
/// "TradeBot/2.1"; returns the browser and the token response.
async fn redeemed_high_risk(server: &TestServer, email: &str) -> (reqwest::Client, Value) {
    let browser = server.sign_up(email).await;
    let res = post_form(
        &browser,
        server,
        "/api/generate_code",
        "/connect",
        &[
            ("scopes[]", "quote"),
            ("scopes[]", "trade.write"),
            ("confirm_high_risk", "yes"),
            ("agent_name", "Trader"),
        ],
    )
    .await;
    assert_eq!(res.headers()[LOCATION], "/connect");
    let (_, html, _) = page(&browser, server, "/connect").await;
    let code = shown_code(&html).expect("a code");
    let res = server
        .http
        .post(server.url("/oauth2/token"))
        .header(USER_AGENT, "TradeBot/2.1")
        .form(&[
            ("grant_type", "urn:agent-connect:grant-type:agent-auth-code"),
            ("code", code.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    (browser, res.json().await.unwrap())
}

/// Calls a tool at /mcp; returns the HTTP status and the body.
async fn call(server: &TestServer, token: &str, tool: &str, arguments: Value) -> (u16, Value) {
    let res = server
        .http
        .post(server.url("/mcp"))
        .header("accept", "application/json, text/event-stream")
        .bearer_auth(token)
        .json(&json!({
            "jsonrpc": "2.0", "id": 1, "method": "tools/call",
            "params": {"name": tool, "arguments": arguments}
        }))
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    let json = text
        .lines()
        .find_map(|line| line.strip_prefix("data:"))
        .unwrap_or(&text)
        .trim()
        .to_owned();
    (status, serde_json::from_str(&json).unwrap_or(Value::Null))
}

fn order() -> Value {
    json!({"symbol": "SPY", "side": "buy", "quantity": 1})
}

#[tokio::test]
async fn high_risk_permissions_wait_for_the_person_and_work_once_approved() {
    let server = TestServer::start().await;
    let (browser, tokens) = redeemed_high_risk(&server, "appr@example.com").await;
    let access = tokens["access_token"].as_str().unwrap();

    // Low risk works at once; high risk says what it waits for.
    let (status, body) = call(&server, access, "get_quote", json!({"symbol": "AAPL"})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["result"]["isError"], false);
    let (status, body) = call(&server, access, "place_order", order()).await;
    assert_eq!(status, 403);
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains(&format!(
            "Waiting for the person to approve on {}/connect",
            server.base
        )),
        "{message}"
    );
    assert_eq!(server.introspect(access).await["scope"], "quote");

    // The page that issued the code shows who redeemed it.
    let (_, html, _) = page(&browser, &server, "/connect").await;
    for expected in [
        "Is this your agent?",
        "TradeBot/2.1",
        "127.0.0.1",
        ">Approve<",
        ">Deny<",
    ] {
        assert!(html.contains(expected), "{expected} missing from /connect");
    }
    let grant_id = grant_of(&server, access).await.grant.id;
    let res = post_form(
        &browser,
        &server,
        "/api/approve_agent",
        "/connect",
        &[("grant_id", &grant_id)],
    )
    .await;
    assert_eq!(res.headers()[LOCATION], "/connect");
    assert_eq!(
        server.introspect(access).await["scope"],
        "quote trade.write"
    );
    let (status, body) = call(&server, access, "place_order", order()).await;
    assert_eq!(
        (status, &body["result"]["isError"]),
        (200, &json!(false)),
        "{body}"
    );
    let (_, html, _) = page(&browser, &server, "/connect").await;
    assert!(html.contains("You approved it.") && !html.contains(">Approve<"));
    // Approving twice changes nothing and says so.
    let res = post_form(
        &browser,
        &server,
        "/api/approve_agent",
        "/connect",
        &[("grant_id", &grant_id)],
    )
    .await;
    let back = res.headers()[LOCATION].to_str().unwrap().to_owned();
    let (_, html, _) = page(&browser, &server, &back).await;
    assert!(html.contains("There is nothing to approve any more"));
    let user = server.user_id("appr@example.com").await;
    let logged = events::list_recent(&server.state.db, &user, 10)
        .await
        .unwrap();
    assert!(logged.iter().any(|e| e.kind == EventKind::AgentApproved));
}

#[tokio::test]
async fn deny_revokes_the_agent_at_once() {
    let server = TestServer::start().await;
    let (browser, tokens) = redeemed_high_risk(&server, "deny@example.com").await;
    let access = tokens["access_token"].as_str().unwrap();
    let grant_id = grant_of(&server, access).await.grant.id;
    // Another account can neither approve nor deny it.
    let stranger = server.sign_up("stranger@example.com").await;
    post_form(
        &stranger,
        &server,
        "/api/approve_agent",
        "/connect",
        &[("grant_id", &grant_id)],
    )
    .await;
    post_form(
        &stranger,
        &server,
        "/api/deny_agent",
        "/connect",
        &[("grant_id", &grant_id)],
    )
    .await;
    assert_eq!(server.introspect(access).await["scope"], "quote");

    let res = post_form(
        &browser,
        &server,
        "/api/deny_agent",
        "/connect",
        &[("grant_id", &grant_id)],
    )
    .await;
    assert_eq!(res.headers()[LOCATION], "/connect");
    assert_eq!(server.introspect(access).await, json!({"active": false}));
    let (_, html, _) = page(&browser, &server, "/connect").await;
    assert!(html.contains("Its access was revoked"));
    let (status, body) = server
        .token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
        ])
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
}

#[tokio::test]
async fn an_agent_nobody_approves_in_time_is_revoked() {
    let server = TestServer::start().await;
    let (browser, tokens) = redeemed_high_risk(&server, "late@example.com").await;
    let access = tokens["access_token"].as_str().unwrap();
    let grant_id = grant_of(&server, access).await.grant.id;
    server.clock.advance(600);
    // Refused at once, before housekeeping writes it down.
    assert_eq!(server.introspect(access).await, json!({"active": false}));
    let (status, _) = call(&server, access, "get_quote", json!({"symbol": "AAPL"})).await;
    assert_eq!(status, 401);
    let res = post_form(
        &browser,
        &server,
        "/api/approve_agent",
        "/connect",
        &[("grant_id", &grant_id)],
    )
    .await;
    let back = res.headers()[LOCATION].to_str().unwrap().to_owned();
    let (_, html, _) = page(&browser, &server, &back).await;
    assert!(html.contains("There is nothing to approve any more"));

    housekeeping::tidy_memory(&server.state).await;
    let grant = grants::find(&server.state.db, &grant_id)
        .await
        .unwrap()
        .unwrap();
    assert!(grant.revoked_at.is_some());
    let user = server.user_id("late@example.com").await;
    let logged = events::list_recent(&server.state.db, &user, 10)
        .await
        .unwrap();
    assert!(logged.iter().any(|e| {
        EventDetail::describe(&e.detail, Locale::en).contains("was not approved in time")
    }));
}

#[tokio::test]
async fn a_code_without_high_risk_permissions_needs_no_approval() {
    let server = TestServer::start().await;
    let code = server
        .code_for("low@example.com", &["quote", "trade.read"], None)
        .await;
    let (_, tokens) = server.redeem(&code).await;
    let access = tokens["access_token"].as_str().unwrap();
    let grant = grant_of(&server, access).await;
    assert_eq!(
        server.introspect(access).await["scope"],
        grant.grant.scopes.to_string()
    );
    let stored = grants::find(&server.state.db, &grant.grant.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.pending_until, None);
}

#[tokio::test]
async fn the_agent_page_approves_or_denies_when_connect_is_closed() {
    let server = TestServer::start().await;
    let (browser, tokens) = redeemed_high_risk(&server, "page@example.com").await;
    let access = tokens["access_token"].as_str().unwrap();
    let grant_id = grant_of(&server, access).await.grant.id;
    let here = agent_connect::links::agent_path(&grant_id);

    let (_, html, _) = page(&browser, &server, "/security").await;
    assert!(
        html.contains("Waiting for approval")
            && html.contains("trade.write waits for your approval")
    );
    let (_, html, _) = page(&browser, &server, &here).await;
    assert!(html.contains("Waiting for your approval"));
    assert!(html.contains("TradeBot/2.1"));
    let res = post_form(
        &browser,
        &server,
        "/api/approve_agent",
        &here,
        &[("grant_id", &grant_id), ("back", "agent")],
    )
    .await;
    assert_eq!(
        res.headers()[LOCATION],
        format!("{here}?done=approved").as_str()
    );
    assert_eq!(
        server.introspect(access).await["scope"],
        "quote trade.write"
    );
    let (_, html, _) = page(&browser, &server, &here).await;
    assert!(!html.contains("Waiting for your approval"));

    // A second agent, denied from its page.
    let (_, tokens) = redeemed_high_risk(&server, "page2@example.com").await;
    let access = tokens["access_token"].as_str().unwrap();
    let grant_id = grant_of(&server, access).await.grant.id;
    let owner = server.sign_in("page2@example.com").await;
    let res = post_form(
        &owner,
        &server,
        "/api/deny_agent",
        &agent_connect::links::agent_path(&grant_id),
        &[("grant_id", &grant_id), ("back", "agent")],
    )
    .await;
    assert_eq!(res.headers()[LOCATION], "/security?done=revoked");
    assert_eq!(server.introspect(access).await, json!({"active": false}));
}
