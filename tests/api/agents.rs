//! Each agent's page and the person's controls over one grant: pause and resume (tokens
//! refused with a clear message, the refresh token kept), rename, and the activity timeline.

use reqwest::header::LOCATION;
use serde_json::json;

use crate::mcp::{agent_session, call, grant_of, resource_session, token_in};
use crate::support::{START, TestServer, expect_refused, page, post_form, submit};
use agent_connect::server::app::housekeeping;
use agent_connect::server::db::events::EventKind;
use agent_connect::server::db::{activity, events, grants};

/// An agent redeemed for `email` with `quote`: its access and refresh tokens and grant id.
async fn redeemed(server: &TestServer, email: &str, name: &str) -> (String, String, String) {
    let code = server.code_for(email, &["quote"], Some(name)).await;
    let (status, body) = server.redeem(&code).await;
    assert_eq!(status, 200, "{body}");
    let access = body["access_token"].as_str().unwrap().to_owned();
    let refresh = body["refresh_token"].as_str().unwrap().to_owned();
    let grant_id = grant_of(server, &access).await.grant.id;
    (access, refresh, grant_id.into_string())
}

fn agent_page(grant_id: &str) -> String {
    format!("/security/agents/{grant_id}")
}

#[tokio::test]
async fn a_paused_agent_is_refused_clearly_and_resumes_with_the_same_tokens() {
    let server = TestServer::start().await;
    let browser = server.sign_up("pa@example.com").await;
    let (access, refresh, grant_id) = redeemed(&server, "pa@example.com", "Helper").await;
    let resource = resource_session(&server, &access).await;
    assert!(
        !call(&resource, "get_quote", json!({ "symbol": "AAPL" }))
            .await
            .0
    );

    let here = agent_page(&grant_id);
    let res = post_form(
        &browser,
        &server,
        "/api/pause_agent",
        &here,
        &[("grant_id", &grant_id)],
    )
    .await;
    assert_eq!(
        res.headers()[LOCATION],
        format!("{here}?done=paused").as_str()
    );

    // Every tool, in an open session, answers that the person paused it.
    let (is_error, text) = call(&resource, "whoami", json!({})).await;
    assert!(is_error);
    assert!(
        text.contains("paused this agent's access") && text.contains("/security"),
        "{text}"
    );
    assert_eq!(server.introspect(&access).await, json!({"active": false}));
    // A refresh is refused without using up the refresh token.
    let refresh_form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh.as_str()),
    ];
    let (status, body) = server.token(&refresh_form).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_grant");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("Helper is paused"),
        "{body}"
    );
    let (_, html, _) = page(&browser, &server, &here).await;
    assert!(
        html.contains("Paused") && html.contains(">Resume<"),
        "{html}"
    );
    let (_, html, _) = page(&browser, &server, "/security").await;
    assert!(html.contains(&format!("href=\"{here}\"")) && html.contains(">Paused<"));

    let res = post_form(
        &browser,
        &server,
        "/api/resume_agent",
        &here,
        &[("grant_id", &grant_id)],
    )
    .await;
    assert_eq!(
        res.headers()[LOCATION],
        format!("{here}?done=resumed").as_str()
    );
    assert!(!call(&resource, "whoami", json!({})).await.0);
    assert_eq!(server.introspect(&access).await["active"], true);
    let (status, body) = server.token(&refresh_form).await;
    assert_eq!(status, 200, "{body}");
    resource.cancel().await.unwrap();

    let user = server.user_id("pa@example.com").await;
    let kinds: Vec<EventKind> = events::list_recent(&server.state.db, &user, 10)
        .await
        .unwrap()
        .iter()
        .map(|e| e.kind)
        .collect();
    assert!(
        kinds.contains(&EventKind::GrantPaused) && kinds.contains(&EventKind::GrantResumed),
        "{kinds:?}"
    );
}

#[tokio::test]
async fn an_authorized_agent_session_is_paused_too() {
    let server = TestServer::start().await;
    let browser = server.sign_up("ps@example.com").await;
    let code = server
        .code_for("ps@example.com", &["quote"], Some("Session agent"))
        .await;
    let (agent, _) = agent_session(&server).await;
    let (_, text) = call(&agent, "authenticate", json!({ "code": code })).await;
    let grant_id = grant_of(&server, &token_in(&text)).await.grant.id;
    let here = agent_page(&grant_id);
    post_form(
        &browser,
        &server,
        "/api/pause_agent",
        &here,
        &[("grant_id", &grant_id)],
    )
    .await;
    let (is_error, text) = call(&agent, "get_quote", json!({ "symbol": "AAPL" })).await;
    assert!(is_error && text.contains("Paused"), "{text}");
    post_form(
        &browser,
        &server,
        "/api/resume_agent",
        &here,
        &[("grant_id", &grant_id)],
    )
    .await;
    assert!(
        !call(&agent, "get_quote", json!({ "symbol": "AAPL" }))
            .await
            .0
    );
    agent.cancel().await.unwrap();
}

#[tokio::test]
async fn the_agent_page_shows_what_it_did_and_renames_it() {
    let server = TestServer::start().await;
    let browser = server.sign_up("ap@example.com").await;
    let (access, refresh, grant_id) = redeemed(&server, "ap@example.com", "Research bot").await;
    let resource = resource_session(&server, &access).await;
    for _ in 0..3 {
        assert!(!call(&resource, "whoami", json!({})).await.0);
    }
    resource.cancel().await.unwrap();
    let (status, _) = server
        .token(&[("grant_type", "refresh_token"), ("refresh_token", &refresh)])
        .await;
    assert_eq!(status, 200);

    let here = agent_page(&grant_id);
    let (status, html, _) = page(&browser, &server, &here).await;
    assert_eq!(status, 200);
    for expected in [
        "Research bot",
        "Agent auth code",
        "Called whoami",
        "3 times",
        "Refreshed its tokens",
        "from 127.0.0.1",
        ">Pause<",
        ">Revoke<",
        "Agent name",
    ] {
        assert!(
            html.contains(expected),
            "{expected} missing from the agent page"
        );
    }

    let res = post_form(
        &browser,
        &server,
        "/api/rename_agent",
        &here,
        &[
            ("grant_id", &grant_id),
            ("agent_name", "  Research bot (laptop) \n"),
        ],
    )
    .await;
    assert_eq!(
        res.headers()[LOCATION],
        format!("{here}?done=renamed").as_str()
    );
    let grant = grants::find(&server.state.db, &grant_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(grant.agent_name, "Research bot (laptop)");
    // whoami reads the new name on the very next call.
    let resource = resource_session(&server, &access).await;
    let (_, text) = call(&resource, "whoami", json!({})).await;
    assert!(text.contains("Research bot (laptop)"), "{text}");
    resource.cancel().await.unwrap();
    let (_, html, _) = page(&browser, &server, &format!("{here}?done=renamed")).await;
    assert!(html.contains("Renamed to Research bot (laptop)") && html.contains("Renamed."));

    // An empty name changes nothing and says why.
    expect_refused(
        &browser,
        &server,
        "/api/rename_agent",
        &here,
        &[("grant_id", &grant_id), ("agent_name", "   ")],
        "Enter a name for the agent.",
    )
    .await;

    // Revoked, the page stays readable, without controls.
    let landed = submit(
        &browser,
        &server,
        "/api/revoke_grant",
        &here,
        &[("grant_id", &grant_id)],
    )
    .await;
    assert_eq!(landed.location, "/security?done=revoked");
    let (_, html, _) = page(&browser, &server, &here).await;
    assert!(html.contains("Revoked") && !html.contains(">Pause<"));
}

#[tokio::test]
async fn another_account_can_neither_see_nor_change_an_agent() {
    let server = TestServer::start().await;
    server.sign_up("own@example.com").await;
    let (_, _, grant_id) = redeemed(&server, "own@example.com", "Mine").await;
    let intruder = server.sign_up("other@example.com").await;
    let here = agent_page(&grant_id);
    let (_, html, _) = page(&intruder, &server, &here).await;
    assert!(html.contains("There is no such agent on your account"));
    assert!(!html.contains("Mine"));
    for (action, extra) in [
        ("/api/pause_agent", None),
        ("/api/rename_agent", Some(("agent_name", "Theirs"))),
    ] {
        let mut form = vec![("grant_id", grant_id.as_str())];
        form.extend(extra);
        post_form(&intruder, &server, action, &here, &form).await;
    }
    let grant = grants::find(&server.state.db, &grant_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((grant.agent_name.as_str(), grant.paused_at), ("Mine", None));
    // Signed out, the page sends the visitor to sign in and back.
    let (status, _, location) = page(&server.browser(), &server, &here).await;
    assert_eq!(status, 302);
    assert!(
        location
            .unwrap()
            .starts_with("/login?next=%2Fsecurity%2Fagents%2F")
    );
}

#[tokio::test]
async fn activity_is_written_in_batches_and_pruned_after_a_week() {
    let server = TestServer::start().await;
    let (access, _, grant_id) = redeemed(&server, "act@example.com", "Busy").await;
    let resource = resource_session(&server, &access).await;
    for _ in 0..5 {
        call(&resource, "whoami", json!({})).await;
    }
    resource.cancel().await.unwrap();
    server.state.activity.flush(&server.state.db).await;
    let rows = activity::list_recent(&server.state.db, &grant_id, 10)
        .await
        .unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(
        (rows[0].name.as_str(), rows[0].calls, rows[0].last_at),
        ("whoami", 5, START)
    );

    server.clock.advance(7 * 24 * 3_600 + 1);
    let pruned = housekeeping::prune(&server.state).await.unwrap();
    assert_eq!(pruned.grant_activity, 1);
}

#[tokio::test]
async fn a_replayed_refresh_token_is_put_on_top_of_the_security_page() {
    let server = TestServer::start().await;
    let browser = server.sign_up("thief@example.com").await;
    let (_, refresh, _) = redeemed(&server, "thief@example.com", "Copied").await;
    let (_, html, _) = page(&browser, &server, "/security").await;
    assert!(!html.contains("Needs your attention"));

    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh.as_str()),
    ];
    assert_eq!(server.token(&form).await.0, 200);
    server.clock.advance(60);
    assert_eq!(
        server.token(&form).await.0,
        400,
        "a replay after the grace period"
    );
    let (_, html, _) = page(&browser, &server, "/security").await;
    let top = html.split("AI Agent grants").next().unwrap();
    assert!(top.contains("Needs your attention") && top.contains("Reused refresh token blocked"));

    // A month later it has left the top of the page, and stays in the log.
    server.clock.advance(31 * 24 * 3_600);
    let (_, html, _) = page(&browser, &server, "/security").await;
    assert!(
        !html.contains("Needs your attention") && html.contains("Reused refresh token blocked")
    );
}

/// Calls whoami at /mcp from `from` (through the trusted local proxy); whether it was refused
/// as paused.
async fn whoami_from(server: &TestServer, token: &str, from: &str) -> bool {
    let res = server
        .http
        .post(server.url("/mcp"))
        .header("accept", "application/json, text/event-stream")
        .header("x-forwarded-for", from)
        .bearer_auth(token)
        .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                      "params": {"name": "whoami", "arguments": {}}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let text = res.text().await.unwrap();
    text.contains("paused this agent's access")
}

#[tokio::test]
async fn a_guarded_agent_used_from_a_new_network_is_paused_and_the_person_told() {
    let server = TestServer::start_with(|config| {
        config.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    })
    .await;
    let browser = server.sign_up("net@example.com").await;
    post_form(
        &browser,
        &server,
        "/api/generate_code",
        "/connect",
        &[
            ("scopes[]", "quote"),
            ("agent_name", "Homebody"),
            ("guard_network", "yes"),
        ],
    )
    .await;
    let (_, html, _) = page(&browser, &server, "/connect").await;
    let code = crate::portal::shown_code(&html).unwrap();
    let res = server
        .http
        .post(server.url("/oauth2/token"))
        .header("x-forwarded-for", "203.0.113.9")
        .form(&[
            ("grant_type", "urn:agent-connect:grant-type:agent-auth-code"),
            ("code", code.as_str()),
        ])
        .send()
        .await
        .unwrap();
    let tokens: serde_json::Value = res.json().await.unwrap();
    let access = tokens["access_token"].as_str().unwrap();
    let grant_id = grant_of(&server, access).await.grant.id;

    assert!(
        !whoami_from(&server, access, "203.0.113.77").await,
        "same /24"
    );
    assert!(
        whoami_from(&server, access, "198.51.100.7").await,
        "a new network pauses"
    );
    assert!(
        whoami_from(&server, access, "203.0.113.9").await,
        "and stays paused"
    );
    let (_, html, _) = page(&browser, &server, "/security").await;
    let top = html.split("AI Agent grants").next().unwrap();
    assert!(top.contains("Agent paused: used from a new network") && top.contains("198.51.100.7"));
    let (_, html, _) = page(&browser, &server, &agent_page(&grant_id)).await;
    assert!(html.contains("Paused: used from a new network, 198.51.100.7"));

    // Resuming accepts the new network; the old one now counts as new.
    post_form(
        &browser,
        &server,
        "/api/resume_agent",
        "/security",
        &[("grant_id", &grant_id)],
    )
    .await;
    assert!(!whoami_from(&server, access, "198.51.100.20").await);
    let res = server
        .http
        .post(server.url("/oauth2/token"))
        .header("x-forwarded-for", "203.0.113.9")
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let body: serde_json::Value = res.json().await.unwrap();
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("is paused"),
        "{body}"
    );
}
