//! The device authorization grant (RFC 8628): starting a request, every answer of the token
//! endpoint while the device polls, and the /device page that approves or denies it.

use crate::support::{HTML, START, TestServer, page, post_form};
use agent_connect::grant_type::GrantTypes;
use agent_connect::server::db::clients::{self, ApplicationType, Client, ClientOrigin};
use agent_connect::server::db::grants::GrantedVia;
use agent_connect::server::domain::redirect_uris::RedirectUris;
use reqwest::header::{ACCEPT, LOCATION};
use serde_json::Value;

const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
const TV: &str = "client_tv";

/// Form fields of a request.
type Form<'a> = &'a [(&'a str, &'a str)];

/// Registers a public client, as dynamic registration would.
async fn register(server: &TestServer, id: &str, name: &str, grant_types: &str) {
    clients::insert(
        &server.state.db,
        &Client {
            id: id.into(),
            name: name.into(),
            secret_hash: None,
            redirect_uris: RedirectUris::default(),
            grant_types: GrantTypes::parse(grant_types).unwrap(),
            created_at: START,
            origin: ClientOrigin::Registered,
            application_type: ApplicationType::Native,
            metadata_expires_at: None,
        },
    )
    .await
    .unwrap();
}

async fn server_with_tv() -> TestServer {
    let server = TestServer::start().await;
    register(
        &server,
        TV,
        "Living-room TV",
        &format!("{DEVICE_GRANT} refresh_token"),
    )
    .await;
    server
}

async fn start(server: &TestServer, form: &[(&str, &str)]) -> (u16, Value) {
    let res = server
        .http
        .post(server.url("/oauth2/device_authorization"))
        .form(form)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    if status == 200 {
        assert_eq!(res.headers()["cache-control"], "no-store");
    }
    (status, res.json().await.unwrap_or(Value::Null))
}

/// A started request of the TV for `scope`: (device code, user code as shown).
async fn started(server: &TestServer, scope: &str) -> (String, String) {
    let (status, body) = start(server, &[("client_id", TV), ("scope", scope)]).await;
    assert_eq!(status, 200, "{body}");
    (
        body["device_code"].as_str().unwrap().to_owned(),
        body["user_code"].as_str().unwrap().to_owned(),
    )
}

async fn poll_as(server: &TestServer, client_id: &str, device_code: &str) -> (u16, Value) {
    server
        .token(&[
            ("grant_type", DEVICE_GRANT),
            ("client_id", client_id),
            ("device_code", device_code),
        ])
        .await
}

async fn poll(server: &TestServer, device_code: &str) -> (u16, Value) {
    poll_as(server, TV, device_code).await
}

/// The error code of a refused poll.
async fn poll_error(server: &TestServer, device_code: &str) -> String {
    let (status, body) = poll(server, device_code).await;
    assert_eq!(status, 400, "{body}");
    body["error"].as_str().unwrap().to_owned()
}

async fn decide(browser: &reqwest::Client, server: &TestServer, user_code: &str, approve: bool) {
    let (action, done) = if approve {
        ("/api/approve_device", "/device?done=approved")
    } else {
        ("/api/deny_device", "/device?done=denied")
    };
    let from = format!("/device?user_code={user_code}");
    let mut form = vec![("user_code", user_code)];
    if approve {
        form.push(("confirm_high_risk", "yes"));
    }
    let res = post_form(browser, server, action, &from, &form).await;
    assert_eq!(res.headers()[LOCATION], done);
}

#[tokio::test]
async fn device_authorization_answers_with_codes_and_where_to_enter_them() {
    let server = server_with_tv().await;
    let (status, body) = start(
        &server,
        &[("client_id", TV), ("scope", "trade.read quote quote")],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let device_code = body["device_code"].as_str().unwrap();
    assert!(device_code.len() >= 43, "256 bits");
    let user_code = body["user_code"].as_str().unwrap();
    assert_eq!(user_code.len(), 9);
    assert_eq!(&user_code[4..5], "-");
    assert!(
        user_code
            .chars()
            .filter(|&c| c != '-')
            .all(|c| "BCDFGHJKLMNPQRSTVWXZ".contains(c))
    );
    assert_eq!(body["verification_uri"], server.url("/device"));
    assert_eq!(
        body["verification_uri_complete"],
        server.url(&format!("/device?user_code={user_code}"))
    );
    assert_eq!(body["expires_in"], 900);
    assert_eq!(body["interval"], 5);

    // Only the hash of the device code is stored, and the user code without its dash.
    let (stored_hash, stored_user_code, scopes): (String, String, String) =
        sqlx::query_as("SELECT device_code_hash, user_code, scopes FROM device_codes")
            .fetch_one(&server.state.db)
            .await
            .unwrap();
    assert_eq!(
        stored_hash,
        agent_connect::server::domain::secrets::hash(device_code)
    );
    assert_eq!(stored_user_code, user_code.replace('-', ""));
    assert_eq!(scopes, "quote trade.read");

    let qr = server
        .http
        .get(server.url(&format!("/device/qr?user_code={user_code}")))
        .send()
        .await
        .unwrap();
    assert_eq!(qr.status(), 200);
    assert_eq!(qr.headers()["content-type"], "image/svg+xml");
    assert!(qr.text().await.unwrap().contains("<svg"));
    let bad_qr = server
        .http
        .get(server.url("/device/qr?user_code=nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad_qr.status(), 400);
}

#[tokio::test]
async fn device_authorization_refuses_bad_clients_and_scopes() {
    let server = server_with_tv().await;
    register(&server, "client_web", "Web app", "authorization_code").await;
    let cases: [(Form, u16, &str); 6] = [
        (
            &[("client_id", "nobody"), ("scope", "quote")],
            401,
            "invalid_client",
        ),
        (&[("scope", "quote")], 400, "invalid_request"),
        (
            &[("client_id", "client_web"), ("scope", "quote")],
            400,
            "unauthorized_client",
        ),
        (
            &[("client_id", TV), ("scope", "quote admin")],
            400,
            "invalid_scope",
        ),
        (&[("client_id", TV), ("scope", "  ")], 400, "invalid_scope"),
        (&[("client_id", TV)], 400, "invalid_scope"),
    ];
    for (form, status, error) in cases {
        let (got, body) = start(&server, form).await;
        assert_eq!(
            (got, body["error"].as_str()),
            (status, Some(error)),
            "{form:?}"
        );
        assert!(body["error_description"].is_string());
    }
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM device_codes")
        .fetch_one(&server.state.db)
        .await
        .unwrap();
    assert_eq!(count, 0);
}

#[tokio::test]
async fn polling_before_a_decision_is_pending_and_too_fast_slows_down() {
    let server = server_with_tv().await;
    let (device_code, _) = started(&server, "quote").await;

    assert_eq!(
        poll_error(&server, &device_code).await,
        "authorization_pending"
    );
    server.clock.advance(1);
    assert_eq!(poll_error(&server, &device_code).await, "slow_down");
    // The interval is 10 s now, counted from the last poll: 6 s later is still too soon.
    server.clock.advance(6);
    assert_eq!(poll_error(&server, &device_code).await, "slow_down");
    // 15 s now; waiting 14 is not enough, waiting the interval is.
    server.clock.advance(14);
    assert_eq!(poll_error(&server, &device_code).await, "slow_down");
    let interval: i64 = sqlx::query_scalar("SELECT poll_interval FROM device_codes")
        .fetch_one(&server.state.db)
        .await
        .unwrap();
    assert_eq!(
        interval, 20,
        "each slow_down adds 5 s for the rest of the flow"
    );
    server.clock.advance(20);
    assert_eq!(
        poll_error(&server, &device_code).await,
        "authorization_pending"
    );
    server.clock.advance(20);
    assert_eq!(
        poll_error(&server, &device_code).await,
        "authorization_pending"
    );
}

#[tokio::test]
async fn the_slow_down_arithmetic_of_the_brief() {
    let server = server_with_tv().await;
    let (device_code, _) = started(&server, "quote").await;
    let interval = || async {
        sqlx::query_scalar::<_, i64>("SELECT poll_interval FROM device_codes")
            .fetch_one(&server.state.db)
            .await
            .unwrap()
    };
    assert_eq!(
        poll_error(&server, &device_code).await,
        "authorization_pending"
    ); // t
    server.clock.advance(1);
    assert_eq!(poll_error(&server, &device_code).await, "slow_down"); // t + 1
    assert_eq!(interval().await, 10);
    server.clock.advance(6);
    assert_eq!(poll_error(&server, &device_code).await, "slow_down"); // t + 7
    assert_eq!(interval().await, 15);
    server.clock.advance(15);
    assert_eq!(
        poll_error(&server, &device_code).await,
        "authorization_pending"
    );
    assert_eq!(interval().await, 15);
}

#[tokio::test]
async fn a_device_code_expires_after_900_seconds() {
    let server = server_with_tv().await;
    let (device_code, user_code) = started(&server, "quote").await;
    server.clock.advance(899);
    assert_eq!(
        poll_error(&server, &device_code).await,
        "authorization_pending"
    );
    server.clock.advance(1);
    assert_eq!(poll_error(&server, &device_code).await, "expired_token");

    // Nor can it be approved any more.
    let browser = server.sign_up("ex@example.com").await;
    let res = post_form(
        &browser,
        &server,
        "/api/approve_device",
        "/device",
        &[("user_code", &user_code)],
    )
    .await;
    assert_eq!(res.headers()[LOCATION], "/device");
    server.clock.advance(10);
    assert_eq!(poll_error(&server, &device_code).await, "expired_token");
}

#[tokio::test]
async fn a_denied_device_gets_access_denied() {
    let server = server_with_tv().await;
    let (device_code, user_code) = started(&server, "quote").await;
    let browser = server.sign_up("de@example.com").await;
    decide(&browser, &server, &user_code, false).await;
    assert_eq!(poll_error(&server, &device_code).await, "access_denied");
    server.clock.advance(5);
    assert_eq!(poll_error(&server, &device_code).await, "access_denied");
    // A denied request cannot be approved afterwards.
    let res = post_form(
        &browser,
        &server,
        "/api/approve_device",
        "/device",
        &[("user_code", &user_code)],
    )
    .await;
    assert_eq!(res.headers()[LOCATION], "/device");
    server.clock.advance(5);
    assert_eq!(poll_error(&server, &device_code).await, "access_denied");
    let (_, html, _) = page(&browser, &server, "/security").await;
    assert!(html.contains("Device denied"));
}

#[tokio::test]
async fn an_approved_device_gets_tokens_exactly_once() {
    let server = server_with_tv().await;
    let (device_code, user_code) = started(&server, "quote trade.read").await;
    assert_eq!(
        poll_error(&server, &device_code).await,
        "authorization_pending"
    );

    let browser = server.sign_up("ap@example.com").await;
    // Typed in lower case without the dash: the same code.
    let typed = user_code.replace('-', "").to_lowercase();
    decide(&browser, &server, &typed, true).await;
    server.clock.advance(5);
    let (status, tokens) = poll(&server, &device_code).await;
    assert_eq!(status, 200, "{tokens}");
    assert!(
        tokens["access_token"]
            .as_str()
            .unwrap()
            .starts_with("acat_")
    );
    assert!(
        tokens["refresh_token"]
            .as_str()
            .unwrap()
            .starts_with("acrt_")
    );
    assert_eq!(tokens["scope"], "quote trade.read");
    assert_eq!(tokens["client_id"], TV);
    assert_eq!(tokens["agent_name"], "Living-room TV");

    let user = server.user_id("ap@example.com").await;
    let grants =
        agent_connect::server::db::grants::list_active(&server.state.db, &user, server.state.now())
            .await
            .unwrap();
    assert_eq!(grants.len(), 1);
    assert_eq!(grants[0].granted_via, GrantedVia::DeviceCode);
    assert_eq!(grants[0].client_id, TV);
    let introspected = server
        .introspect(tokens["access_token"].as_str().unwrap())
        .await;
    assert_eq!(introspected["active"], true);

    server.clock.advance(5);
    let (status, again) = poll(&server, &device_code).await;
    assert_eq!(
        (status, again["error"].as_str()),
        (400, Some("invalid_grant"))
    );

    let (_, html, _) = page(&browser, &server, "/security").await;
    assert!(html.contains("Living-room TV") && html.contains("Device code"));
    assert!(html.contains("Device approved"));
}

#[tokio::test]
async fn only_the_client_the_code_was_issued_to_can_poll() {
    let server = server_with_tv().await;
    register(
        &server,
        "client_other",
        "Other device",
        &format!("{DEVICE_GRANT} refresh_token"),
    )
    .await;
    let (device_code, user_code) = started(&server, "quote").await;
    let browser = server.sign_up("wc@example.com").await;
    decide(&browser, &server, &user_code, true).await;

    let (status, body) = poll_as(&server, "client_other", &device_code).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let (status, body) = poll_as(&server, "nobody", &device_code).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    let (status, body) = poll(&server, "acdc_not-a-device-code").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let (status, body) = server
        .token(&[("grant_type", DEVICE_GRANT), ("client_id", TV)])
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request"))
    );

    // The rightful client still gets its tokens.
    let (status, _) = poll(&server, &device_code).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn the_device_page_sends_visitors_to_sign_in_and_keeps_the_code() {
    let server = server_with_tv().await;
    let (_, user_code) = started(&server, "quote").await;
    let browser = server.browser();
    let res = browser
        .get(server.url(&format!("/device?user_code={user_code}")))
        .header(ACCEPT, HTML)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 302);
    assert_eq!(
        res.headers()[LOCATION],
        format!("/login?next=%2Fdevice%3Fuser_code%3D{user_code}")
    );
}

#[tokio::test]
async fn the_device_page_shows_the_request_then_the_decision() {
    let server = server_with_tv().await;
    let (device_code, user_code) = started(&server, "quote trade.write").await;
    let browser = server.sign_up("pg@example.com").await;

    let (status, html, _) = page(&browser, &server, "/device").await;
    assert_eq!(status, 200);
    assert!(html.contains(">Code<") && html.contains("Continue"));

    let (status, html, _) =
        page(&browser, &server, &format!("/device?user_code={user_code}")).await;
    assert_eq!(status, 200);
    for text in [
        "Living-room TV",
        "Market data",
        "Place and cancel orders",
        "High risk",
        user_code.as_str(),
        "Never approve a code someone sent you.",
        "Approve",
        "Deny",
        "data:image/svg+xml;base64,",
        "Scan to open this page on another device",
    ] {
        assert!(html.contains(text), "{text}");
    }

    let (_, html, _) = page(&browser, &server, "/device?user_code=BCDF-GHJK").await;
    assert!(html.contains("find that code"));
    let (_, html, _) = page(&browser, &server, "/device?user_code=hello").await;
    assert!(html.contains("find that code"));

    decide(&browser, &server, &user_code, true).await;
    let (_, html, _) = page(&browser, &server, "/device?done=approved").await;
    assert!(html.contains("Device approved. You can return to your device."));
    // A decided code is not offered again.
    let (_, html, _) = page(&browser, &server, &format!("/device?user_code={user_code}")).await;
    assert!(html.contains("find that code"));
    server.clock.advance(5);
    assert_eq!(poll(&server, &device_code).await.0, 200);
}

#[tokio::test]
async fn user_code_entry_is_rate_limited() {
    let server = TestServer::start_with(|config| config.rate_limit_per_minute = 3).await;
    let browser = server.sign_up("rl@example.com").await;
    for _ in 0..3 {
        let (status, _, _) = page(&browser, &server, "/device?user_code=BCDF-GHJK").await;
        assert_eq!(status, 200);
    }
    let (_, html, _) = page(&browser, &server, "/device?user_code=BCDF-GHJK").await;
    assert!(html.contains("Too many attempts"), "{html}");
    let res = post_form(
        &browser,
        &server,
        "/api/approve_device",
        "/device",
        &[("user_code", "BCDF-GHJK")],
    )
    .await;
    assert_eq!(res.headers()[LOCATION], "/device");
}

#[tokio::test]
async fn high_risk_scopes_need_the_confirmation_box() {
    let server = server_with_tv().await;
    let (device_code, user_code) = started(&server, "quote trade.write").await;
    let browser = server.sign_up("hr@example.com").await;
    let from = format!("/device?user_code={user_code}");
    let (_, html, _) = page(&browser, &server, &from).await;
    assert!(
        html.contains("I understand this agent can place and cancel orders")
            && html.contains("name=\"confirm_high_risk\""),
        "the page asks for the confirmation"
    );

    // Posted without the box ticked (or by a page that never showed it): refused.
    let res = post_form(
        &browser,
        &server,
        "/api/approve_device",
        &from,
        &[("user_code", &user_code)],
    )
    .await;
    assert_eq!(res.headers()[LOCATION], from.as_str());
    let (_, html, _) = page(&browser, &server, &from).await;
    assert!(html.contains("Tick the confirmation box"), "{html}");
    assert_eq!(
        poll_error(&server, &device_code).await,
        "authorization_pending"
    );

    // A low-risk request needs no confirmation.
    let (low_device_code, low_user_code) = started(&server, "quote").await;
    decide_without_confirmation(&browser, &server, &low_user_code).await;

    decide(&browser, &server, &user_code, true).await;
    server.clock.advance(5);
    assert_eq!(poll(&server, &device_code).await.0, 200);
    assert_eq!(poll(&server, &low_device_code).await.0, 200);
}

async fn decide_without_confirmation(
    browser: &reqwest::Client,
    server: &TestServer,
    user_code: &str,
) {
    let from = format!("/device?user_code={user_code}");
    let res = post_form(
        browser,
        server,
        "/api/approve_device",
        &from,
        &[("user_code", user_code)],
    )
    .await;
    assert_eq!(res.headers()[LOCATION], "/device?done=approved");
}
