//! `POST /oauth2/register` (RFC 7591): public and confidential clients, and metadata refused
//! with the error RFC 7591 section 3.2.2 names, storing nothing.

use agent_connect::server::db::clients;
use agent_connect::server::domain::secrets::hash;
use serde_json::{Value, json};

use crate::support::AGENT_CODE_GRANT;
use crate::support::oneshot::{TestApp, request};

async fn clients_stored(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM clients")
        .fetch_one(&app.state.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_public_client_gets_an_id_and_no_secret() {
    let app = TestApp::new().await;
    let answer = app
        .post_json(
            "/oauth2/register",
            &json!({
                "client_name": "Desktop MCP client",
                "redirect_uris": ["http://127.0.0.1:8976/callback"],
                "grant_types": ["authorization_code", "refresh_token"],
                "token_endpoint_auth_method": "none",
            }),
        )
        .await;
    assert_eq!(answer.status, 201, "{}", answer.text());
    assert_eq!(answer.header("cache-control"), "no-store");
    let body = answer.json();
    let id = body["client_id"].as_str().unwrap();
    assert!(id.starts_with("client_"), "{id}");
    assert_eq!(body.get("client_secret"), None);
    assert_eq!(body["client_id_issued_at"], crate::support::START);
    assert_eq!(body["client_name"], "Desktop MCP client");
    assert_eq!(body["response_types"], json!(["code"]));
    assert_eq!(body["token_endpoint_auth_method"], "none");

    let stored = clients::find(&app.state.db, id).await.unwrap().unwrap();
    assert!(!stored.is_confidential());
    assert_eq!(
        stored.redirect_uris.as_slice(),
        ["http://127.0.0.1:8976/callback"]
    );
    assert_eq!(
        stored.grant_types.to_string(),
        "authorization_code refresh_token"
    );
}

#[tokio::test]
async fn a_confidential_client_gets_a_secret_shown_once_and_stored_hashed() {
    let app = TestApp::new().await;
    let answer = app
        .post_json(
            "/oauth2/register",
            &json!({
                "client_name": "TV",
                "grant_types": ["urn:ietf:params:oauth:grant-type:device_code"],
            }),
        )
        .await;
    assert_eq!(answer.status, 201, "{}", answer.text());
    let body = answer.json();
    let secret = body["client_secret"].as_str().unwrap();
    assert!(secret.starts_with("acs_"));
    assert_eq!(body["client_secret_expires_at"], 0);
    assert_eq!(body["token_endpoint_auth_method"], "client_secret_basic");
    assert_eq!(body["response_types"], json!([]));

    let stored = clients::find(&app.state.db, body["client_id"].as_str().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.secret_hash.as_deref(), Some(hash(secret).as_str()));
}

#[tokio::test]
async fn bad_metadata_is_refused_with_its_rfc_7591_error_and_nothing_is_stored() {
    let app = TestApp::new().await;
    let redirect = json!(["http://127.0.0.1:8976/callback"]);
    let cases: [(Value, &str, &str); 7] = [
        (
            json!({"redirect_uris": redirect, "grant_types": []}),
            "invalid_client_metadata",
            "no grant type",
        ),
        (
            json!({"grant_types": [AGENT_CODE_GRANT]}),
            "invalid_client_metadata",
            "the agent code grant",
        ),
        (
            json!({"redirect_uris": redirect, "grant_types": ["password"]}),
            "invalid_client_metadata",
            "password grant",
        ),
        (
            json!({"redirect_uris": redirect, "response_types": ["token"]}),
            "invalid_client_metadata",
            "implicit",
        ),
        (
            json!({"redirect_uris": redirect, "token_endpoint_auth_method": "private_key_jwt"}),
            "invalid_client_metadata",
            "auth method",
        ),
        (json!({}), "invalid_redirect_uri", "no redirect URI"),
        (
            json!({"redirect_uris": ["http://app.example/cb"]}),
            "invalid_redirect_uri",
            "plain http off loopback",
        ),
    ];
    for (metadata, error, why) in cases {
        let answer = app.post_json("/oauth2/register", &metadata).await;
        assert_eq!(answer.status, 400, "{why}");
        assert_eq!(answer.error(), error, "{why}: {}", answer.text());
    }
    assert_eq!(clients_stored(&app).await, 0);
}

#[tokio::test]
async fn a_body_that_is_not_json_metadata_is_invalid_client_metadata() {
    let app = TestApp::new().await;
    for (content_type, body) in [
        ("application/json", "{\"redirect_uris\":"),
        ("application/json", "[]"),
        ("application/x-www-form-urlencoded", "client_name=x"),
    ] {
        let req = request(axum::http::Method::POST, "/oauth2/register")
            .header("content-type", content_type)
            .body(axum::body::Body::from(body))
            .unwrap();
        let answer = app.send(req).await;
        assert_eq!(answer.status, 400, "{body}");
        assert_eq!(answer.error(), "invalid_client_metadata", "{body}");
    }
    assert_eq!(clients_stored(&app).await, 0);
}
