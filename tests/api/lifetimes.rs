//! Lifetimes chosen at issuance: a grant ends when the person said, whatever its refreshes,
//! and its high-risk permissions fall back to the others when their time is up, until the
//! person renews them with one click.

use reqwest::header::LOCATION;
use serde_json::{Value, json};

use crate::portal::shown_code;
use crate::support::{START, TestServer, page, post_form};
use agent_connect::lifetime::Lifetimes;
use agent_connect::server::db::grants;

const HOUR: i64 = 3_600;

async fn redeem_lasting(
    server: &TestServer,
    email: &str,
    scopes: &[&str],
    lifetimes: Lifetimes,
) -> Value {
    let code = server
        .code_lasting(email, scopes, Some("Timed"), lifetimes)
        .await;
    let (status, body) = server.redeem(&code).await;
    assert_eq!(status, 200, "{body}");
    body
}

/// The grant of a token response's access token.
async fn grant_of(server: &TestServer, tokens: &Value) -> grants::Grant {
    let access = tokens["access_token"].as_str().unwrap();
    let id = crate::mcp::grant_of(server, access).await.grant.id;
    grants::find(&server.state.db, &id).await.unwrap().unwrap()
}

async fn refresh(server: &TestServer, token: &str) -> (u16, Value) {
    server
        .token(&[("grant_type", "refresh_token"), ("refresh_token", token)])
        .await
}

#[tokio::test]
async fn no_refresh_carries_a_grant_past_the_end_chosen() {
    let server = TestServer::start().await;
    let hour = Lifetimes {
        grant: Some(HOUR),
        high_risk: None,
    };
    let body = redeem_lasting(&server, "end@example.com", &["quote"], hour).await;
    assert_eq!(body["expires_in"], 1_800);
    let grant = grant_of(&server, &body).await;
    let grant_id = grant.id.clone();
    assert_eq!(
        (grant.ends_at, grant.expires_at),
        (Some(START + HOUR), START + HOUR)
    );

    server.clock.advance(3_000);
    let (status, body) = refresh(&server, body["refresh_token"].as_str().unwrap()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["expires_in"], 600,
        "the access token ends with the grant"
    );
    let access = body["access_token"].as_str().unwrap().to_owned();
    let grant = grants::find(&server.state.db, &grant_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        grant.expires_at,
        START + HOUR,
        "the refresh did not move the end"
    );
    assert_eq!(server.introspect(&access).await["exp"], START + HOUR);

    server.clock.advance(601);
    assert_eq!(server.introspect(&access).await, json!({"active": false}));
    let (status, body) = refresh(&server, body["refresh_token"].as_str().unwrap()).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
}

#[tokio::test]
async fn a_grant_until_revoked_lives_on_through_its_refreshes() {
    let server = TestServer::start().await;
    let body = redeem_lasting(&server, "ur@example.com", &["quote"], Lifetimes::UNLIMITED).await;
    let mut refresh_token = body["refresh_token"].as_str().unwrap().to_owned();
    for _ in 0..3 {
        server.clock.advance(20 * 24 * HOUR);
        let (status, body) = refresh(&server, &refresh_token).await;
        assert_eq!(status, 200, "{body}");
        refresh_token = body["refresh_token"].as_str().unwrap().to_owned();
    }
}

#[tokio::test]
async fn high_risk_permissions_fall_back_when_their_time_is_up_and_renew_in_one_click() {
    let server = TestServer::start().await;
    let browser = server.sign_up("hr@example.com").await;
    let lifetimes = Lifetimes {
        grant: Some(30 * 24 * HOUR),
        high_risk: Some(HOUR),
    };
    let body = redeem_lasting(
        &server,
        "hr@example.com",
        &["quote", "trade.write"],
        lifetimes,
    )
    .await;
    let grant_id = grant_of(&server, &body).await.id;
    let access = body["access_token"].as_str().unwrap().to_owned();
    server.approve_pending("hr@example.com").await;
    assert_eq!(
        server.introspect(&access).await["scope"],
        "quote trade.write"
    );

    // Past the first access token's life, within the high-risk hour.
    server.clock.advance(3_000);
    let (_, body) = refresh(&server, body["refresh_token"].as_str().unwrap()).await;
    assert_eq!(body["scope"], "quote trade.write");
    let access = body["access_token"].as_str().unwrap().to_owned();

    server.clock.advance(600);
    assert_eq!(server.introspect(&access).await["scope"], "quote");
    // /mcp refuses the high-risk tool and says how the person renews it.
    let res = server
        .http
        .post(server.url("/mcp"))
        .header("accept", "application/json, text/event-stream")
        .bearer_auth(&access)
        .json(&json!({
            "jsonrpc": "2.0", "id": 3, "method": "tools/call",
            "params": {"name": "place_order",
                       "arguments": {"symbol": "SPY", "side": "buy", "quantity": 1}}
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let refusal: Value = res.json().await.unwrap();
    let message = refusal["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("limited time, which has ended"),
        "{message}"
    );
    assert!(
        message.contains(&format!("{}/security", server.base)),
        "{message}"
    );
    // A refresh names what the new token may do.
    let (_, refreshed) = refresh(&server, body["refresh_token"].as_str().unwrap()).await;
    assert_eq!(refreshed["scope"], "quote");
    let access = refreshed["access_token"].as_str().unwrap().to_owned();

    let (_, html, _) = page(&browser, &server, "/security").await;
    assert!(
        html.contains("trade.write: ended just now"),
        "the page offers the renewal"
    );
    let res = post_form(
        &browser,
        &server,
        "/api/renew_high_risk",
        "/security",
        &[("grant_id", &grant_id)],
    )
    .await;
    assert_eq!(res.headers()[LOCATION], "/security?done=renewed");
    assert_eq!(
        server.introspect(&access).await["scope"],
        "quote trade.write"
    );
    let grant = grants::find(&server.state.db, &grant_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(grant.high_risk_until, Some(START + 2 * HOUR));
    let (_, html, _) = page(&browser, &server, "/security?done=renewed").await;
    assert!(html.contains("trade.write ") && html.contains("ends in 1 hour"));

    // Never past the grant's end.
    server.clock.advance(30 * 24 * HOUR - HOUR - 60);
    let (_, body) = refresh(&server, refreshed["refresh_token"].as_str().unwrap()).await;
    post_form(
        &browser,
        &server,
        "/api/renew_high_risk",
        "/security",
        &[("grant_id", &grant_id)],
    )
    .await;
    let grant = grants::find(&server.state.db, &grant_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(grant.high_risk_until, grant.ends_at);
    assert_eq!(body["expires_in"], 60);
}

#[tokio::test]
async fn the_connect_form_stores_the_lifetimes_chosen_and_refuses_others() {
    let server = TestServer::start().await;
    let browser = server.sign_up("form@example.com").await;
    let res = post_form(
        &browser,
        &server,
        "/api/generate_code",
        "/connect",
        &[
            ("scopes[]", "quote"),
            ("scopes[]", "trade.write"),
            ("confirm_high_risk", "yes"),
            ("lifetime", "1d"),
            ("high_risk_lifetime", "grant"),
        ],
    )
    .await;
    assert_eq!(res.headers()[LOCATION], "/connect");
    let (_, html, _) = page(&browser, &server, "/connect").await;
    let code = shown_code(&html).expect("the code on the page");
    let (status, body) = server.redeem(&code).await;
    assert_eq!(status, 200, "{body}");
    let grant = grant_of(&server, &body).await;
    assert_eq!(grant.ends_at, Some(START + 24 * HOUR));
    assert_eq!(
        (grant.high_risk_lifetime, grant.high_risk_until),
        (None, None)
    );

    let res = post_form(&browser, &server, "/api/new_code_form", "/connect", &[]).await;
    assert_eq!(res.status(), 302);
    let (_, html, _) = page(&browser, &server, "/connect").await;
    assert!(
        html.contains("<option value=\"1d\" selected"),
        "the last choice is kept"
    );

    let res = post_form(
        &browser,
        &server,
        "/api/generate_code",
        "/connect",
        &[("scopes[]", "quote"), ("lifetime", "forever")],
    )
    .await;
    assert_eq!(res.status(), 302);
    let (_, html, _) = page(&browser, &server, "/connect").await;
    assert!(html.contains("Choose how long the access lasts"));
}

#[tokio::test]
async fn a_new_code_for_an_expired_one_keeps_its_lifetimes() {
    let server = TestServer::start().await;
    let browser = server.sign_up("again@example.com").await;
    post_form(
        &browser,
        &server,
        "/api/generate_code",
        "/connect",
        &[("scopes[]", "quote"), ("lifetime", "1h")],
    )
    .await;
    server.clock.advance(301);
    let (_, html, _) = page(&browser, &server, "/connect").await;
    assert!(html.contains("Generate a new code"));
    assert!(
        html.contains("name=\"lifetime\" value=\"1h\""),
        "the expired code's choice is asked again"
    );
}
