//! Dynamic client registration (RFC 7591) and authorization server metadata (RFC 8414).

mod common;

use common::TestServer;
use serde_json::{Value, json};

async fn register(server: &TestServer, body: Value) -> (u16, Value) {
    let res = server
        .http
        .post(server.url("/oauth2/register"))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    if status == 201 {
        assert_eq!(res.headers()["cache-control"], "no-store");
    }
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn public_and_confidential_clients_register() {
    let server = TestServer::start().await;
    let (status, public) = register(
        &server,
        json!({"client_name": "Desktop MCP client", "redirect_uris": ["http://127.0.0.1:33418/callback"],
               "grant_types": ["authorization_code", "refresh_token"], "token_endpoint_auth_method": "none"}),
    )
    .await;
    assert_eq!(status, 201);
    assert!(public["client_id"].as_str().unwrap().starts_with("client_"));
    assert!(
        public.get("client_secret").is_none(),
        "public clients get no secret"
    );
    assert_eq!(public["response_types"], json!(["code"]));
    assert_eq!(public["client_name"], "Desktop MCP client");

    let (status, confidential) = register(
        &server,
        json!({"client_name": "Reporting service", "redirect_uris": ["https://reports.example/cb"]}),
    )
    .await;
    assert_eq!(status, 201);
    let secret = confidential["client_secret"].as_str().unwrap();
    assert_eq!(
        confidential["token_endpoint_auth_method"],
        "client_secret_basic"
    );
    assert_eq!(confidential["client_secret_expires_at"], 0);
    let stored = agent_connect::server::db::clients::find(
        &server.state.db,
        confidential["client_id"].as_str().unwrap(),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(
        stored.secret_hash.as_deref(),
        Some(agent_connect::server::tokens::hash(secret).as_str())
    );
    assert_eq!(stored.name, "Reporting service");
}

#[tokio::test]
async fn bad_registrations_get_rfc_7591_errors() {
    let server = TestServer::start().await;
    let cases = [
        (
            json!({"redirect_uris": ["http://evil.example/cb"]}),
            "invalid_redirect_uri",
        ),
        (
            json!({"redirect_uris": ["https://a.example/cb#frag"]}),
            "invalid_redirect_uri",
        ),
        (
            json!({"client_name": "No redirect"}),
            "invalid_redirect_uri",
        ),
        (
            json!({"redirect_uris": ["https://a.example/cb"], "grant_types": ["password"]}),
            "invalid_client_metadata",
        ),
        (
            json!({"redirect_uris": "https://a.example/cb"}),
            "invalid_client_metadata",
        ),
    ];
    for (body, error) in cases {
        let (status, answer) = register(&server, body.clone()).await;
        assert_eq!(
            (status, answer["error"].as_str()),
            (400, Some(error)),
            "{body}"
        );
        assert!(answer["error_description"].is_string());
    }
    let res = server
        .http
        .post(server.url("/oauth2/register"))
        .body("not json")
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
}

#[tokio::test]
async fn registration_is_rate_limited_per_address() {
    let server = TestServer::start_with(|config| config.rate_limit_per_minute = 2).await;
    let body = json!({"grant_types": ["urn:ietf:params:oauth:grant-type:device_code"], "token_endpoint_auth_method": "none"});
    assert_eq!(register(&server, body.clone()).await.0, 201);
    assert_eq!(register(&server, body.clone()).await.0, 201);
    assert_eq!(register(&server, body).await.0, 429);
}

#[tokio::test]
async fn metadata_lists_the_endpoints() {
    let server = TestServer::start().await;
    let meta: Value = server
        .http
        .get(server.url("/.well-known/oauth-authorization-server"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(meta["issuer"], server.base.as_str());
    for (field, path) in [
        ("token_endpoint", "/oauth2/token"),
        ("registration_endpoint", "/oauth2/register"),
        ("revocation_endpoint", "/oauth2/revoke"),
        ("introspection_endpoint", "/oauth2/introspect"),
    ] {
        assert_eq!(meta[field], format!("{}{path}", server.base), "{field}");
    }
    let grants = meta["grant_types_supported"].as_array().unwrap();
    assert!(
        grants.contains(&json!("refresh_token"))
            && grants.contains(&json!(common::AGENT_CODE_GRANT))
    );
    assert!(!grants.contains(&json!("password")) && !grants.contains(&json!("implicit")));
    assert_eq!(
        meta["scopes_supported"],
        json!(["quote", "account.read", "trade.read", "trade.write"])
    );
}
