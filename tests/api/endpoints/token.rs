//! `POST /oauth2/token` (RFC 6749 section 3.2): the dispatch on `grant_type`, a good
//! redemption of an agent auth code, and each grant's main refusal, as RFC 6749 section 5.2
//! JSON.

use std::net::SocketAddr;

use agent_connect::server::db::events::EventKind;
use agent_connect::server::db::grants::GrantedVia;
use agent_connect::server::db::{events, grants, tokens};
use agent_connect::server::domain::secrets::hash;
use axum::extract::ConnectInfo;
use serde_json::json;

use super::{agent_code, tokens as token_pair};
use crate::support::oneshot::{Answer, TestApp, basic, form_request};
use crate::support::{AGENT_CODE_GRANT, DEVICE_CODE_GRANT, rows};

#[tokio::test]
async fn a_request_without_a_grant_type_is_invalid() {
    let app = TestApp::new().await;
    let answer = app.post_form("/oauth2/token", &[("code", "x")]).await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.error(), "invalid_request");
    assert_eq!(answer.header("cache-control"), "no-store");
    assert!(
        answer
            .header("content-type")
            .starts_with("application/json")
    );
    assert!(answer.json()["error_description"].is_string());
}

#[tokio::test]
async fn an_unknown_grant_type_is_unsupported() {
    let app = TestApp::new().await;
    for grant_type in ["password", "implicit", "client_credentials", ""] {
        let answer = app
            .post_form("/oauth2/token", &[("grant_type", grant_type)])
            .await;
        assert_eq!(answer.status, 400, "{grant_type}");
        assert_eq!(answer.error(), "unsupported_grant_type", "{grant_type}");
    }
}

#[tokio::test]
async fn a_body_that_is_not_one_form_is_invalid() {
    let app = TestApp::new().await;
    let repeated = app
        .post_form(
            "/oauth2/token",
            &[
                ("grant_type", AGENT_CODE_GRANT),
                ("grant_type", "refresh_token"),
            ],
        )
        .await;
    assert_eq!(repeated.error(), "invalid_request");
    let json = app
        .post_json("/oauth2/token", &json!({"grant_type": AGENT_CODE_GRANT}))
        .await;
    assert_eq!(json.status, 400);
    assert_eq!(json.error(), "invalid_request");
}

#[tokio::test]
async fn an_agent_code_redeems_once_for_a_token_pair_and_a_grant() {
    let app = TestApp::new().await;
    let code = agent_code(&app, &["quote", "trade.read"]).await;
    let answer = app
        .post_form(
            "/oauth2/token",
            &[("grant_type", AGENT_CODE_GRANT), ("code", &code)],
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert_eq!(answer.header("cache-control"), "no-store");
    assert_eq!(answer.header("pragma"), "no-cache");
    let body = answer.json();
    let access = body["access_token"].as_str().unwrap();
    assert!(access.starts_with("acat_"));
    assert!(body["refresh_token"].as_str().unwrap().starts_with("acrt_"));
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 1800);
    assert_eq!(body["scope"], "quote trade.read");
    assert_eq!(body["agent_name"], "Claude Code");

    let active = tokens::find_active(&app.state.db, &hash(access), app.state.now())
        .await
        .unwrap()
        .expect("the access token is live");
    let grant = grants::find(&app.state.db, &active.grant.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(grant.granted_via, GrantedVia::AgentCode);
    assert_eq!(grant.client_id, body["client_id"].as_str().unwrap());
    let log = events::list_recent(&app.state.db, &grant.user_id, 1)
        .await
        .unwrap();
    assert_eq!(log[0].kind, EventKind::CodeRedeemed);

    let again = app
        .post_form(
            "/oauth2/token",
            &[("grant_type", AGENT_CODE_GRANT), ("code", &code)],
        )
        .await;
    assert_eq!(again.status, 400);
    assert_eq!(again.error(), "invalid_grant");
}

#[tokio::test]
async fn agent_codes_missing_malformed_or_expired_are_refused() {
    let app = TestApp::new().await;
    let missing = app
        .post_form("/oauth2/token", &[("grant_type", AGENT_CODE_GRANT)])
        .await;
    assert_eq!(missing.error(), "invalid_request");

    let code = agent_code(&app, &["quote"]).await;
    let mut wrong_check = code.clone();
    let last = wrong_check.pop().unwrap();
    wrong_check.push(if last == '0' { '1' } else { '0' });
    app.clock.advance(300);
    for (code, why) in [
        ("not a code", "malformed"),
        (wrong_check.as_str(), "wrong check character"),
        (code.as_str(), "expired"),
    ] {
        let answer = app
            .post_form(
                "/oauth2/token",
                &[("grant_type", AGENT_CODE_GRANT), ("code", code)],
            )
            .await;
        assert_eq!(answer.status, 400, "{why}");
        assert_eq!(answer.error(), "invalid_grant", "{why}");
    }
}

#[tokio::test]
async fn redemptions_are_limited_per_client_address() {
    let app = TestApp::with(|config| config.rate_limit_per_minute = 2).await;
    let from = |ip: [u8; 4]| {
        let mut req = form_request(
            "/oauth2/token",
            &[("grant_type", AGENT_CODE_GRANT), ("code", "not a code")],
        );
        req.extensions_mut()
            .insert(ConnectInfo(SocketAddr::from((ip, 40_000))));
        req
    };
    for _ in 0..2 {
        assert_eq!(app.send(from([192, 0, 2, 1])).await.status, 400);
    }
    let limited = app.send(from([192, 0, 2, 1])).await;
    assert_eq!(limited.status, 429);
    assert_eq!(limited.error(), "too_many_requests");
    assert!(limited.headers.contains_key("retry-after"));
    assert_eq!(
        app.send(from([192, 0, 2, 2])).await.status,
        400,
        "another address has its own quota"
    );
}

#[tokio::test]
async fn the_authorization_code_grant_refuses_unknown_clients_and_codes() {
    let app = TestApp::new().await;
    let now = app.state.now();
    rows::client(&app.state.db, "client_app", "authorization_code", now).await;
    rows::client(&app.state.db, "client_tv", DEVICE_CODE_GRANT, now).await;
    let exchange = |client_id: &'static str| {
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", "unknown-code"),
            ("redirect_uri", rows::REDIRECT),
            (
                "code_verifier",
                "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
            ),
        ];
        if !client_id.is_empty() {
            form.push(("client_id", client_id));
        }
        app.send(form_request("/oauth2/token", &form))
    };
    let no_client = exchange("").await;
    assert_eq!(
        (no_client.status.as_u16(), no_client.error()),
        (400, "invalid_request".into())
    );
    let unknown = exchange("client_unknown").await;
    assert_eq!(
        (unknown.status.as_u16(), unknown.error()),
        (401, "invalid_client".into())
    );
    assert!(unknown.header("www-authenticate").starts_with("Basic"));
    let not_registered = exchange("client_tv").await;
    assert_eq!(not_registered.error(), "unauthorized_client");
    let unknown_code = exchange("client_app").await;
    assert_eq!(
        (unknown_code.status.as_u16(), unknown_code.error()),
        (400, "invalid_grant".into())
    );
}

#[tokio::test]
async fn a_confidential_client_must_prove_its_secret() {
    let app = TestApp::new().await;
    let client = rows::client_row(
        "client_web",
        "authorization_code",
        Some("acs_right"),
        app.state.now(),
    );
    agent_connect::server::db::clients::insert(&app.state.db, &client)
        .await
        .unwrap();
    let form = [
        ("grant_type", "authorization_code"),
        ("code", "unknown-code"),
    ];
    let mut wrong = form_request("/oauth2/token", &form);
    wrong.headers_mut().insert(
        "authorization",
        basic("client_web", "acs_wrong").parse().unwrap(),
    );
    assert_eq!(app.send(wrong).await.error(), "invalid_client");
    let mut right = form_request("/oauth2/token", &form);
    right.headers_mut().insert(
        "authorization",
        basic("client_web", "acs_right").parse().unwrap(),
    );
    assert_eq!(
        app.send(right).await.error(),
        "invalid_grant",
        "authenticated, then refused for the code"
    );
}

#[tokio::test]
async fn a_refresh_token_rotates_once_and_unknown_ones_are_refused() {
    let app = TestApp::new().await;
    let missing = app
        .post_form("/oauth2/token", &[("grant_type", "refresh_token")])
        .await;
    assert_eq!(missing.error(), "invalid_request");
    let unknown = app
        .post_form(
            "/oauth2/token",
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", "acrt_unknown"),
            ],
        )
        .await;
    assert_eq!(unknown.error(), "invalid_grant");

    let first = token_pair(&app).await;
    let refresh = first["refresh_token"].as_str().unwrap();
    let rotated = app
        .post_form(
            "/oauth2/token",
            &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
        )
        .await;
    assert_eq!(rotated.status, 200, "{}", rotated.text());
    assert_ne!(rotated.json()["refresh_token"], first["refresh_token"]);
    let wider = app
        .post_form(
            "/oauth2/token",
            &[
                ("grant_type", "refresh_token"),
                (
                    "refresh_token",
                    rotated.json()["refresh_token"].as_str().unwrap(),
                ),
                ("scope", "quote trade.write"),
            ],
        )
        .await;
    assert_eq!(wider.error(), "invalid_scope");
}

/// One poll of the device `client_tv`, with `device_code` when given.
async fn poll(app: &TestApp, device_code: Option<&str>) -> Answer {
    let mut form = vec![
        ("grant_type", DEVICE_CODE_GRANT),
        ("client_id", "client_tv"),
    ];
    form.extend(device_code.map(|code| ("device_code", code)));
    app.post_form("/oauth2/token", &form).await
}

#[tokio::test]
async fn the_device_code_grant_says_pending_until_the_person_decides() {
    let app = TestApp::new().await;
    rows::client(
        &app.state.db,
        "client_tv",
        DEVICE_CODE_GRANT,
        app.state.now(),
    )
    .await;
    let started = app
        .post_form(
            "/oauth2/device_authorization",
            &[("client_id", "client_tv"), ("scope", "quote")],
        )
        .await
        .json();
    let device_code = started["device_code"].as_str().unwrap();
    assert_eq!(
        poll(&app, Some(device_code)).await.error(),
        "authorization_pending"
    );
    app.clock.advance(1);
    assert_eq!(
        poll(&app, Some(device_code)).await.error(),
        "slow_down",
        "one second after the last poll"
    );
    assert_eq!(
        poll(&app, Some("acdc_unknown")).await.error(),
        "invalid_grant"
    );
    assert_eq!(poll(&app, None).await.error(), "invalid_request");
}
